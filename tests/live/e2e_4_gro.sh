#!/bin/bash
# End-to-end: veth A -> veth B with GRO on B (`ethtool -K B gro on`: veth then receives through
# its own NAPI, like a NIC: napi_gro_receive_entry, napi_poll dev=B) and TSO off on A (TCP is
# segmented in software before veth_xmit, so B's GRO has segments to merge).  Traffic: N UDP
# datagrams (not merged: no UDP GRO socket, no rx-udp-gro-forwarding) and 300 KB of TCP.
# Exact: every napi_gro_receive_entry on B is either a journey received on B or merged by GRO
# (journeys.gro_merged + path B journeys == napi_gro_receive_entry(B)); path B journeys ==
# netif_receive_skb(B); B's NAPI work == its napi_gro_receive_entry count; every TCP segment A
# transmits (software GSO: first seen at net_dev_start_xmit) is one journey with its
# net_dev_xmit.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-200}
PAYLOAD=300
LEN=$((PAYLOAD + 28))
TCP_BYTES=300000

live_init e2e_4_gro
if ! command -v ethtool >/dev/null; then
	skip "e2e_4_gro: needs ethtool"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.204.0.1/24 dev "$A" && ip -n "$NB" addr add 10.204.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.204.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.204.0.1 "$NA" "$A" &&
	ip netns exec "$NB" ethtool -K "$B" gro on && ip netns exec "$NA" ethtool -K "$A" tso off &&
	ip netns exec "$NB" ethtool -k "$B" | grep -q '^generic-receive-offload: on' &&
	ip netns exec "$NA" ethtool -k "$A" | grep -q '^tcp-segmentation-offload: off'
}
check "topology: $A ($NA, tso off) -> $B ($NB, gro on)" setup

# TCP sink in NB: counts the bytes until the sender closes.
check "TCP sink listening" tcp_sink_start "$NB" 10.204.0.2 7104

check "recorder started (--events full)" rec_start --events full
check "receiver bound" udp_recv_start "$NB" 10.204.0.2 7004 "$N" 2
udp_send "$NA" 10.204.0.2 7004 "$N" "$PAYLOAD"
received=$(udp_recv_wait 7004)
check_eq "UDP receiver counted every datagram" "$N" "$received"
ip netns exec "$NA" python3 -c "
import socket
s = socket.create_connection(('10.204.0.2', 7104), timeout=10)
s.sendall(b'y' * $TCP_BYTES); s.close()"
check_eq "TCP sink received every byte" "$TCP_BYTES" "$(tcp_sink_wait 7104)"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "analyzer ran (--dev $A,$B)" analyze --dev "$A,$B" --top 100000

check_eq "trace not incomplete" "false 0" "$(jr '"\(.trace.incomplete) \(.trace.lost_markers)"')"
gro_entries=$(tc_count napi_gro_receive_entry "$B")
receives=$(tc_count netif_receive_skb "$B")
echo "# trace-cmd: napi_gro_receive_entry dev=$B $gro_entries, netif_receive_skb dev=$B $receives"
check "B received through GRO (napi_gro_receive_entry $gro_entries > netif_receive_skb $receives >= $N)" \
	test "$gro_entries" -gt "$receives" -a "$receives" -ge "$N"
jb=$(path_journeys "$B")
merged=$(jr .journeys.gro_merged)
check_eq "path $B journeys == netif_receive_skb($B)" "$receives" "$jb"
check_eq "GRO accounting: gro_merged ($merged) + path $B journeys ($jb) == napi_gro_receive_entry($B)" \
	"$gro_entries" "$((merged + jb))"
check "GRO merged some TCP segments ($merged)" test "$merged" -gt 0
check_eq "path $B: gro stage for every journey (napi_gro_receive_entry -> netif_receive_skb)" \
	"napi_gro_receive_entry>netif_receive_skb=$jb" \
	"$(jr "[.paths[] | select(.name == \"$B\") | .stages[] | select(.name == \"gro\") | \"\(.from.event)>\(.to.event)=\(.count)\"] | join(\" \")")"
check "gro latency positive (min $(stage_min "$B" gro) ns)" test "$(stage_min "$B" gro)" -gt 0
check_eq "path $B: no backlog stage (NAPI, no netif_rx)" 0 "$(stage_count "$B" backlog)"
check_eq "journeys with the UDP length $LEN on $B: one per datagram" "$N" \
	"$(jr "[.slowest[] | select(.path == \"$B\" and any(.hops[]; .event == \"netif_receive_skb\" and .len == $LEN))] | length")"
check_eq "no listed journey on $B without a receive" 0 \
	"$(jr "[.slowest[] | select(.path == \"$B\" and all(.hops[]; .event != \"netif_receive_skb\"))] | length")"

# B's own NAPI: polls on the device, work == packets handed to GRO.
napi_b=$(jr "[.napi[] | select(.dev == \"$B\" and (.backlog | not))]")
echo "# napi $B: $(jq -c 'map({cpu, polls, packets, max_work, traced_receives})' <<<"$napi_b")"
check "napi entries for device $B" test "$(jq 'length' <<<"$napi_b")" -gt 0
check_eq "napi $B: packets (sum of work) == napi_gro_receive_entry($B)" "$gro_entries" \
	"$(jq 'map(.packets) | add // 0' <<<"$napi_b")"
check_eq "napi $B: traced receives == napi_gro_receive_entry($B)" "$gro_entries" \
	"$(jq 'map(.traced_receives) | add // 0' <<<"$napi_b")"
check "napi $B: batches of more than one packet (max_work $(jq 'map(.max_work) | max' <<<"$napi_b"))" \
	test "$(jq 'map(.max_work) | max' <<<"$napi_b")" -ge 2
check_eq "napi $B: polls == trace-cmd napi_poll for $B" "$(grep -c "napi_poll: .* device $B work" "$TMP/report")" \
	"$(jq 'map(.polls) | add // 0' <<<"$napi_b")"

# A's software GSO: each segment is a new skb first seen at net_dev_start_xmit; its own
# net_dev_xmit completes that transmit (one journey each, never a start_xmit alone).
"$ANALYZE" -q --top 0 --journeys "$TMP/j.jl" --dev "$A,$B" "$TMP/t.dat" >/dev/null 2>&1
starts=$(tc_count net_dev_start_xmit "$A")
check "segments transmitted on $A ($starts net_dev_start_xmit)" test "$starts" -gt 0
check_eq "every net_dev_start_xmit($A) is in a journey" "$starts" \
	"$(jq -s "[.[].hops[] | select(.event == \"net_dev_start_xmit\" and .dev == \"$A\")] | length" "$TMP/j.jl")"
check_eq "no journey with net_dev_start_xmit($A) but not its net_dev_xmit($A)" 0 \
	"$(jq -s "[.[] | select(any(.hops[]; .event == \"net_dev_start_xmit\" and .dev == \"$A\") and
		(any(.hops[]; .event == \"net_dev_xmit\" and .dev == \"$A\") | not))] | length" "$TMP/j.jl")"
out=$(check_stage_order)
check_eq "all listed journeys: stages in hop order, hop offsets non-decreasing" 0 "$(head -1 <<<"$out")"
[ "$(head -1 <<<"$out")" = 0 ] || sed 1d <<<"$out" | sed 's/^/#   /'
time_report e2e_4_gro

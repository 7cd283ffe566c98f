#!/bin/bash
# End-to-end flood: veth A -> veth B, a python3 UDP sender pinned to CPU 0 sending as fast as
# it can for a bounded time (~80k-200k datagrams/s here), a receiver pinned to the other CPU
# counting them.  Recorded with the core events twice:
#  1. default buffer: no event lost (lost_markers 0, incomplete false), and the journeys on
#     path B equal the datagrams that reached the socket (received + socket drops), each with
#     its xmit and backlog stage;
#  2. --buffer-size 8 (KB per CPU): events are lost; the report says so (incomplete, lost
#     markers, lost events == the recorder's count) and marks journeys incomplete instead of
#     inventing or merging them: complete journeys <= datagrams, every complete journey has
#     all its stages, no path but B (and tx:A for a packet whose receive was lost), and no
#     listed journey has more hops than a real one (net_dev_queue A, netif_rx B,
#     netif_receive_skb B).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

SECS=${SKBT_FLOOD_SECS:-2.5}
SECS_LOSSY=${SKBT_FLOOD_SECS_LOSSY:-1.5}
PAYLOAD=64
LEN=$((PAYLOAD + 28))
TOP=2000

live_init e2e_7_flood
if [ "$(nproc)" -lt 2 ]; then
	skip "e2e_7_flood: needs 2 CPUs"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.207.0.1/24 dev "$A" && ip -n "$NB" addr add 10.207.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.207.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.207.0.1 "$NA" "$A"
}
check "topology: $A ($NA) -> $B ($NB)" setup

# flood TAG SECS [recorder options]: one recorded flood; sets SENT, RECEIVED, SOCK_DROPS and
# leaves the report in $TMP/r.json.
flood() {
	local tag=$1 secs=$2
	shift 2
	rm -f "$TMP/ready" "$TMP/recv.out" "$TMP/sent.out"
	ip netns exec "$NB" taskset -c 1 python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)	# SO_RCVBUFFORCE
s.bind(('10.207.0.2', 7007))
open('$TMP/ready', 'w').close()
s.settimeout(5)
n = 0
try:
    s.recv(2048); n += 1
    s.settimeout(0.7)
    while True:
        s.recv(2048); n += 1
except socket.timeout:
    pass
drops = [int(l.split()[-1]) for l in open('/proc/net/udp') if l.split()[1].endswith(':%04X' % 7007)]
print(n, drops[0])
" >"$TMP/recv.out" &
	local rpid=$!
	BG_PIDS+=($rpid)
	local i
	for i in $(seq 1 100); do [ -e "$TMP/ready" ] && break; sleep 0.05; done
	check "$tag: receiver bound" test -e "$TMP/ready"
	check "$tag: recorder started ($*)" rec_start "$@"
	ip netns exec "$NA" taskset -c 0 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
s.connect(('10.207.0.2', 7007))
msg = b'f' * $PAYLOAD
end = time.time() + $secs
n = 0
while time.time() < end:
    for i in range(200):
        s.send(msg)
    n += 200
print(n)
" >"$TMP/sent.out"
	wait $rpid
	SENT=$(cat "$TMP/sent.out")
	read -r RECEIVED SOCK_DROPS <"$TMP/recv.out"
	echo "# $tag: sent $SENT, received $RECEIVED, socket drops $SOCK_DROPS"
	check_eq "$tag: every datagram sent reached the socket (received + socket drops)" "$SENT" \
		"$((RECEIVED + SOCK_DROPS))"
	check "$tag: recorder stopped cleanly" rec_stop
	check "$tag: analyzer ran" analyze --dev "$A,$B" --top $TOP
	echo "# $tag: $(jr '.trace | "events \(.events_total), lost markers \(.lost_markers), lost events \(.lost_events), incomplete \(.incomplete)"'); recorder: lost $REC_LOST"
}

# Listed journeys: hop sequence is a part of (net_dev_queue A, netif_rx B, netif_receive_skb B),
# in that order; complete ones have all three.  Prints the offending journeys' count.
bad_hops() {
	jr "[.slowest[] | select(.path == \"$B\" or .path == \"tx:$A\") |
		[.hops[] | \"\(.event)(\(.dev))\"] as \$h |
		select((\$h | length) > 3 or
			(\$h - [\"net_dev_queue($A)\", \"netif_rx($B)\", \"netif_receive_skb($B)\"] | length) > 0 or
			([\$h[] as \$x | [\"net_dev_queue($A)\", \"netif_rx($B)\", \"netif_receive_skb($B)\"] | index(\$x)] as \$i | \$i != (\$i | sort) or (\$i | unique | length) != (\$i | length)) or
			(.complete and (\$h | length) != 3))] | length"
}

# 1. Default buffer: nothing lost, exact counts.
flood default "$SECS"
arrived=$((RECEIVED + SOCK_DROPS))
check_eq "default: recorder lost no event" 0 "$REC_LOST"
check_eq "default: trace complete (lost_markers, incomplete)" "0 false" "$(jr '"\(.trace.lost_markers) \(.trace.incomplete)"')"
check_eq "default: our journeys: path $B only, one per datagram" "$B=$arrived" "$(our_paths | tr '\n' ' ' | sed 's/ $//')"
check_eq "default: path $B incomplete" 0 "$(path_field "$B" incomplete)"
check_eq "default: xmit and backlog stage counts" "$arrived $arrived" "$(stage_count "$B" xmit) $(stage_count "$B" backlog)"
check_eq "default: the trace holds >= one netif_rx and one net_dev_queue per datagram" true \
	"$(jr "(.trace.events[\"net:netif_rx\"] >= $arrived) and (.trace.events[\"net:net_dev_queue\"] >= $arrived)")"
check "default: stage latencies positive (xmit min $(stage_min "$B" xmit), backlog min $(stage_min "$B" backlog))" \
	test "$(stage_min "$B" xmit)" -gt 0 -a "$(stage_min "$B" backlog)" -gt 0
out=$(check_stage_order)
check_eq "default: slowest $TOP journeys: stages in hop order, hop offsets non-decreasing" 0 "$(head -1 <<<"$out")"
[ "$(head -1 <<<"$out")" = 0 ] || sed 1d <<<"$out" | sed 's/^/#   /'
check_eq "default: slowest $TOP journeys: three hops each, in order" 0 "$(bad_hops)"
default_sent=$SENT default_journeys=$(path_journeys "$B")

# 2. Tiny buffer: events lost, journeys marked, none invented or merged.
flood tiny "$SECS_LOSSY" --buffer-size 8
arrived=$((RECEIVED + SOCK_DROPS))
check "tiny: the recorder lost events ($REC_LOST)" test "${REC_LOST:-0}" -gt 0
check_eq "tiny: report incomplete, with lost markers" "true true" \
	"$(jr '"\(.trace.incomplete) \(.trace.lost_markers > 0)"')"
# The recorder's count is the ring's overrun (+ dropped) from per_cpu/cpuN/stats, stored in
# the file; the markers' own counts may be unknown (then lost_events is a lower bound).
check_eq "tiny: report's ring_overrun == the recorder's lost count" "$REC_LOST" "$(jr .trace.ring_overrun)"
check "tiny: report's lost events > 0 ($(jr .trace.lost_events), unknown: $(jr .trace.lost_events_unknown))" \
	test "$(jr .trace.lost_events)" -gt 0
check "tiny: journeys marked incomplete ($(jr .journeys.incomplete), path $(path_field "$B" incomplete))" \
	test "$(jr .journeys.incomplete)" -gt 0 -a "$(path_field "$B" incomplete)" -gt 0
check_eq "tiny: our paths are $B and maybe tx:$A" "" \
	"$(our_paths | sed 's/=.*//' | grep -vx -e "$B" -e "tx:$A")"
jb=$(path_journeys "$B") inc=$(path_field "$B" incomplete)
echo "# tiny: path $B journeys $jb (incomplete $inc), tx:$A $(path_journeys "tx:$A")"
check "tiny: path $B journeys ($jb) <= datagrams ($arrived)" test "$jb" -le "$arrived"
check "tiny: complete journeys ($((jb - inc))) <= datagrams ($arrived)" test "$((jb - inc))" -le "$arrived"
# A datagram leaves three events of its own (net_dev_queue A, netif_rx B, netif_receive_skb B):
# one with no journey at all lost all three, so such datagrams are at most lost / 3.  More
# would mean events vanished without the ring counting them.
nojourney=$((arrived - jb - $(path_journeys "tx:$A")))
check "tiny: datagrams without a journey ($nojourney) <= lost events / 3 ($REC_LOST / 3)" \
	test "$((nojourney * 3))" -le "${REC_LOST:-0}"
check_eq "tiny: every complete journey has its xmit and backlog stages" "$((jb - inc)) $((jb - inc))" \
	"$(stage_count "$B" xmit) $(stage_count "$B" backlog)"
check_eq "tiny: no complete transmit-only journey" 0 \
	"$(jr "([.paths[] | select(.name == \"tx:$A\") | .journeys - .incomplete] | add) // 0")"
check_eq "tiny: slowest $TOP journeys: hops a part of the real three, in order" 0 "$(bad_hops)"
out=$(check_stage_order)
check_eq "tiny: slowest $TOP journeys: stages in hop order" 0 "$(head -1 <<<"$out")"
[ "$(head -1 <<<"$out")" = 0 ] || sed 1d <<<"$out" | sed 's/^/#   /'
echo "# summary: default sent $default_sent journeys $default_journeys; tiny sent $SENT journeys $jb incomplete $inc lost $REC_LOST"
time_report e2e_7_flood

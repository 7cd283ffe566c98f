#!/bin/bash
# End-to-end: transmits through stacked devices (docs/stages.md, A journey, rule 2).
#  1. TCP through vxlan VA over veth A -> B -> vxlan VB, with A's UDP-tunnel segmentation
#     off: A segments each GSO skb in software (validate_xmit_skb() consumes it, the segments
#     are new skbs), and VA's net_dev_xmit comes after, at the consumed address.  Recorded
#     with --events full: every inner transmit on VA is one journey (tx:VA journeys ==
#     net_dev_queue(VA)), none is a lone net_dev_xmit, every VA completion is counted in
#     journeys.stacked_xmits, every TCP segment received on B is one journey.
#  2. UDP from a bridge BR (IP on it) out of its veth port P to the peer Q in another
#     namespace, recorded by skbtrail-record with net_dev_xmit and no net_dev_queue (the
#     node context links BR to P, not to Q): BR's completion after P's continues the
#     journey, so path Q has one journey per datagram, each with its backlog stage.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-200}
TCP_BYTES=400000

live_init e2e_8_stacked
if ! command -v ethtool >/dev/null; then
	skip "e2e_8_stacked: needs ethtool"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b VA=${P}va VB=${P}vb

setup_vxlan() {
	ip -n "$NA" addr add 10.208.0.1/24 dev "$A" && ip -n "$NB" addr add 10.208.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.208.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.208.0.1 "$NA" "$A" &&
	ip -n "$NB" link add "$VB" type vxlan id 42 dstport 4789 local 10.208.0.2 remote 10.208.0.1 dev "$B" &&
	ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up &&
	ip -n "$NA" addr add 10.209.0.1/24 dev "$VA" && ip -n "$NB" addr add 10.209.0.2/24 dev "$VB" &&
	neigh_static "$NA" "$VA" 10.209.0.2 "$NB" "$VB" && neigh_static "$NB" "$VB" 10.209.0.1 "$NA" "$VA" &&
	ip netns exec "$NA" ethtool -K "$A" tx-udp_tnl-segmentation off \
		tx-udp_tnl-csum-segmentation off >/dev/null 2>&1 &&
	ip netns exec "$NA" ethtool -k "$A" | grep -q '^tx-udp_tnl-segmentation: off'
}
check "namespaces and veth $A ($NA) -> $B ($NB)" eval 'ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B"'
if ! ip -n "$NA" link add "$VA" type vxlan id 42 dstport 4789 local 10.208.0.1 remote 10.208.0.2 \
	dev "$A" 2>/dev/null; then
	skip "e2e_8_stacked: no vxlan in this kernel"
	exit 0
fi
check "topology: vxlan $VA over $A ($NA, tunnel segmentation off) -> $B -> vxlan $VB ($NB)" setup_vxlan

check "TCP sink listening" tcp_sink_start "$NB" 10.209.0.2 7108

check "recorder started (--events full)" rec_start --events full
ip netns exec "$NA" python3 -c "
import socket
s = socket.create_connection(('10.209.0.2', 7108), timeout=10)
s.sendall(b'y' * $TCP_BYTES); s.close()"
check_eq "TCP sink received every byte" "$TCP_BYTES" "$(tcp_sink_wait 7108)"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "analyzer ran" analyze --top 0
"$ANALYZE" -q --top 0 --journeys "$TMP/j.jl" "$TMP/t.dat" >/dev/null 2>&1

check_eq "trace not incomplete" "false 0" "$(jr '"\(.trace.incomplete) \(.trace.lost_markers)"')"
queued=$(tc_count net_dev_queue "$VA")
done_va=$(tc_count net_dev_xmit "$VA")
segs=$(tc_count net_dev_start_xmit "$A")
echo "# trace-cmd: net_dev_queue $VA $queued, net_dev_xmit $VA $done_va, net_dev_start_xmit $A $segs"
check "$A segmented GSO skbs in software ($segs start_xmit > $queued queued on $VA)" \
	test "$segs" -gt "$queued" -a "$queued" -gt 0
check_eq "tx:$VA journeys == net_dev_queue($VA)" "$queued" "$(path_journeys "tx:$VA")"
check_eq "no journey of a lone net_dev_xmit($VA)" 0 \
	"$(jq -s "[.[] | select(.nhops == 1 and .hops[0].event == \"net_dev_xmit\" and .hops[0].dev == \"$VA\")] | length" "$TMP/j.jl")"
check_eq "journeys.stacked_xmits counts $VA's completions (and $VB's, the ACKs')" \
	"$((done_va + $(tc_count net_dev_xmit "$VB")))" "$(jr .journeys.stacked_xmits)"
check_eq "path $B journeys == netif_receive_skb($B)" "$(tc_count netif_receive_skb "$B")" \
	"$(path_journeys "$B")"
check_eq "path $B: backlog stage in every journey" "$(path_journeys "$B")" "$(stage_count "$B" backlog)"

# 2. A bridge's transmit through its port to the veth peer, without net_dev_queue.
NC=${P}c ND=${P}d Q=${P}q PT=${P}p BR=${P}br
setup_bridge() {
	ns_add "$NC" "$ND" && veth_pair "$NC" "$Q" "$ND" "$PT" &&
	ip -n "$ND" link add "$BR" type bridge stp_state 0 mcast_snooping 0 &&
	ip -n "$ND" link set "$PT" master "$BR" && ip -n "$ND" link set "$BR" up &&
	ip -n "$NC" addr add 10.210.0.1/24 dev "$Q" && ip -n "$ND" addr add 10.210.0.2/24 dev "$BR" &&
	neigh_static "$NC" "$Q" 10.210.0.2 "$ND" "$BR" && neigh_static "$ND" "$BR" 10.210.0.1 "$NC" "$Q"
}
check "topology: bridge $BR ($ND, IP on it) -> port $PT -> veth peer $Q ($NC)" setup_bridge
check "recorder started (net_dev_xmit, no net_dev_queue)" \
	rec_start --events net:netif_rx,net:netif_receive_skb,napi:napi_poll,net:net_dev_xmit
check "receiver bound" udp_recv_start "$NC" 10.210.0.1 7008 "$N" 2
udp_send "$ND" 10.210.0.1 7008 "$N" 200
received=$(udp_recv_wait 7008)
check_eq "receiver counted every datagram" "$N" "$received"
check "recorder stopped cleanly" rec_stop
check "analyzer ran" analyze --top 0
check_eq "our journeys: only path $Q" "$Q=$N" "$(our_paths | tr '\n' ' ' | sed 's/ $//')"
check_eq "path $Q: backlog stage in every journey" "$N" "$(stage_count "$Q" backlog)"
time_report e2e_8_stacked

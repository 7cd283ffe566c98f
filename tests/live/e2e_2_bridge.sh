#!/bin/bash
# End-to-end: veth A -> veth B enslaved to a Linux bridge BR that holds the IP.  B's receive
# runs the bridge's rx_handler, which passes the same skb up on BR: every datagram is one
# journey on path "B>BR" with stages xmit, backlog (on B) and forward (B -> BR).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-300}
PAYLOAD=444
LEN=$((PAYLOAD + 28))

live_init e2e_2_bridge
NA=${P}x NB=${P}y A=${P}a B=${P}b BR=${P}br
PATH_NAME="$B>$BR"

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	# No STP, no multicast snooping: the bridge would join 224.0.0.106 and send IGMP reports.
	ip -n "$NB" link add "$BR" type bridge stp_state 0 mcast_snooping 0 &&
	ip -n "$NB" link set "$B" master "$BR" && ip -n "$NB" link set "$BR" up &&
	ip -n "$NA" addr add 10.202.0.1/24 dev "$A" && ip -n "$NB" addr add 10.202.0.2/24 dev "$BR" &&
	neigh_static "$NA" "$A" 10.202.0.2 "$NB" "$BR" && neigh_static "$NB" "$BR" 10.202.0.1 "$NA" "$A"
}
check "topology: $A ($NA) -> $B in bridge $BR with the IP ($NB)" setup
check "recorder started (--events full)" rec_start --events full
check "receiver bound" udp_recv_start "$NB" 10.202.0.2 7002 "$N" 2
udp_send "$NA" 10.202.0.2 7002 "$N" "$PAYLOAD"
received=$(udp_recv_wait 7002)
check_eq "receiver counted every datagram" "$N" "$received"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "analyzer ran (--dev $A,$B,$BR)" analyze --dev "$A,$B,$BR" --top 20

check_eq "trace not incomplete" "false 0" "$(jr '"\(.trace.incomplete) \(.trace.lost_markers)"')"
check_eq "our journeys: only path $PATH_NAME" "$PATH_NAME=$N" "$(our_paths | tr '\n' ' ' | sed 's/ $//')"
check_eq "path devices" "[\"$B\",\"$BR\"]" "$(jr ".paths[] | select(.name == \"$PATH_NAME\") | .devices | tojson")"
check_eq "path incomplete, cpu_changes" "0 0" \
	"$(path_field "$PATH_NAME" incomplete) $(path_field "$PATH_NAME" cpu_changes)"
check_eq "path stages (besides stack: $(path_stages "$PATH_NAME"))" "backlog,forward,xmit" \
	"$(path_stages_but "$PATH_NAME" stack)"
stage_line() {
	jr "[.paths[] | select(.name == \"$PATH_NAME\") | .stages[] | select(.name == \"$1\") | \"\(.from.event)(\(.from.dev))->\(.to.event)(\(.to.dev))=\(.count)\"] | join(\" \")"
}
check_eq "xmit stage" "net_dev_queue($A)->netif_rx($B)=$N" "$(stage_line xmit)"
check_eq "backlog stage" "netif_rx($B)->netif_receive_skb($B)=$N" "$(stage_line backlog)"
check_eq "forward stage: the bridge's rx_handler" "netif_receive_skb($B)->netif_receive_skb($BR)=$N" \
	"$(stage_line forward)"
for st in xmit backlog forward; do
	check "$st latency positive (min $(stage_min "$PATH_NAME" $st) ns)" test "$(stage_min "$PATH_NAME" $st)" -gt 0
done

out=$(check_stage_order)
check_eq "slowest journeys: stages in hop order, hop offsets non-decreasing" 0 "$(head -1 <<<"$out")"
[ "$(head -1 <<<"$out")" = 0 ] || sed 1d <<<"$out" | sed 's/^/#   /'
check_eq "slowest journeys: stage sequence xmit, backlog, forward" "xmit,backlog,forward" \
	"$(jr "[.slowest[] | [.stages[].name | select(. != \"stack\")] | join(\",\")] | unique | join(\"|\")")"
check_eq "slowest journeys: receive hops carry length $LEN" "$LEN" \
	"$(jr "[.slowest[].hops[] | select(.dev == \"$B\" or .dev == \"$BR\") | .len] | unique | map(tostring) | join(\",\")")"
check_eq "trace-cmd report: netif_receive_skb dev=$B, dev=$BR" "$N $N" \
	"$(tc_count netif_receive_skb "$B") $(tc_count netif_receive_skb "$BR")"
check_eq "trace-cmd report: no netif_rx on the bridge" 0 "$(tc_count netif_rx "$BR")"
time_report e2e_2_bridge

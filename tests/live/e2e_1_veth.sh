#!/bin/bash
# End-to-end: veth A -> veth B in two namespaces, N UDP datagrams of a marked size.  The
# receiving veth hands each packet to the backlog (netif_rx, then process_backlog), so the
# analyzer must find exactly N journeys on path "B" with origin A, stages xmit and backlog,
# all on one CPU, in hop order.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-300}
PAYLOAD=333			# receive events: len = 333 + 8 + 20 = 361
LEN=$((PAYLOAD + 28))

live_init e2e_1_veth
NA=${P}x NB=${P}y A=${P}a B=${P}b

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.201.0.1/24 dev "$A" && ip -n "$NB" addr add 10.201.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.201.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.201.0.1 "$NA" "$A"
}
check "topology: $A ($NA) -> $B ($NB)" setup
check "recorder started (--events full)" rec_start --events full
check "receiver bound" udp_recv_start "$NB" 10.201.0.2 7001 "$N" 2
udp_send "$NA" 10.201.0.2 7001 "$N" "$PAYLOAD"
received=$(udp_recv_wait 7001)
check_eq "receiver counted every datagram" "$N" "$received"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "analyzer ran (--dev $A,$B)" analyze --dev "$A,$B" --top 20

check_eq "trace complete (lost_markers)" 0 "$(jr .trace.lost_markers)"
check_eq "trace not incomplete" false "$(jr .trace.incomplete)"
check_eq "our journeys: only path $B" "$B=$N" "$(our_paths | tr '\n' ' ' | sed 's/ $//')"
check_eq "path $B devices" "[\"$B\"]" "$(jr ".paths[] | select(.name == \"$B\") | .devices | tojson")"
check_eq "path $B direction" rx "$(path_field "$B" direction)"
check_eq "path $B incomplete" 0 "$(path_field "$B" incomplete)"
check_eq "path $B cpu_changes (netif_rx backlog on the sender's CPU)" 0 "$(path_field "$B" cpu_changes)"
check_eq "path $B stages (besides stack: $(path_stages "$B"))" "backlog,xmit" "$(path_stages_but "$B" stack)"
check_eq "xmit stage: from net_dev_queue($A) (origin) to netif_rx($B)" \
	"net_dev_queue $A netif_rx $B $N" \
	"$(jr ".paths[] | select(.name == \"$B\") | .stages[] | select(.name == \"xmit\") | \"\(.from.event) \(.from.dev) \(.to.event) \(.to.dev) \(.count)\"")"
check_eq "backlog stage: netif_rx($B) -> netif_receive_skb($B)" \
	"netif_rx $B netif_receive_skb $B $N" \
	"$(jr ".paths[] | select(.name == \"$B\") | .stages[] | select(.name == \"backlog\") | \"\(.from.event) \(.from.dev) \(.to.event) \(.to.dev) \(.count)\"")"
check "stage latencies positive (xmit min $(stage_min "$B" xmit), backlog min $(stage_min "$B" backlog))" \
	test "$(stage_min "$B" xmit)" -gt 0 -a "$(stage_min "$B" backlog)" -gt 0
check "stage p50 <= p99 <= max" test "$(jr "[.paths[] | select(.name == \"$B\") | .stages[] | select(.p50_ns > .p99_ns or .p99_ns > .max_ns)] | length")" = 0

# The listed journeys (the slowest 20 of ours): hop order and content.
out=$(check_stage_order)
check_eq "slowest journeys: stages in hop order, hop offsets non-decreasing" 0 "$(head -1 <<<"$out")"
[ "$(head -1 <<<"$out")" = 0 ] || sed 1d <<<"$out" | sed 's/^/#   /'
check_eq "slowest journeys: first hop net_dev_queue($A), all on path $B" "20 net_dev_queue $A $B" \
	"$(jr "[.slowest[] | \"\(.hops[0].event) \(.hops[0].dev) \(.path)\"] | unique as \$u | \"\(length) \(\$u | join(\"|\"))\"")"
check_eq "slowest journeys: receive hops carry the datagram's length $LEN" "$LEN" \
	"$(jr "[.slowest[].hops[] | select(.dev == \"$B\") | .len] | unique | map(tostring) | join(\",\")")"
check_eq "slowest journeys: one CPU each (the free may run in the reader, elsewhere)" 0 \
	"$(jr '[.slowest[] | select([.hops[] | select(.event != "consume_skb" and .event != "kfree_skb") | .cpu] | unique | length > 1)] | length')"

# The kernel's view through trace-cmd: one netif_receive_skb on B per datagram.
check_eq "trace-cmd report: netif_receive_skb dev=$B" "$N" "$(tc_count netif_receive_skb "$B")"
check_eq "trace-cmd report: netif_rx dev=$B" "$N" "$(tc_count netif_rx "$B")"
# The origin (the sender's veth) is no path device, but selects the journeys: --dev A alone.
"$ANALYZE" --json "$TMP/origin.json" -q --dev "$A" --top 0 "$TMP/t.dat" 2>/dev/null
check_eq "--dev $A (origin only) selects the journeys received on $B" "$B=$N" \
	"$(jr ".paths[] | select(.name | test(\"$P\")) | \"\(.name)=\(.journeys)\"" "$TMP/origin.json" | tr '\n' ' ' | sed 's/ $//')"
check "napi: a backlog entry on the CPU of the journeys" test "$(jr "[.napi[] | select(.backlog and (.cpu as \$c | [$(jr '[.slowest[].hops[0].cpu] | unique | join(",")')] | index(\$c)))] | length")" -gt 0
check_eq "no napi entry for device $B (veth without NAPI)" 0 "$(jr "[.napi[] | select(.dev == \"$B\")] | length")"
time_report e2e_1_veth

#!/bin/bash
# Node context, budget exhaustion: net.core.netdev_budget = 2 and dev_weight = 4, then the
# same GSO flood as context_1 (backlog large enough: no drop).  process_backlog() stops at
# its weight (4) and net_rx_action() runs out of its budget (2) after one poll, counting
# time_squeeze.  Asserts: softnet time_squeeze moved on CPU 0 and equals the NET_RX runs the
# trace saw doing >= netdev_budget packets; polls used their whole weight; the finding
# budget-cpu0 carries these numbers; both sysctls are restored.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"
. "$(dirname "$0")/lib-context.bash"

SENDS=${SKBT_TEST_SENDS:-100}
SEGS=40

ctx_init context_2_budget
NA=${P}x NB=${P}y A=${P}a B=${P}b
setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.206.2.1/24 dev "$A" && ip -n "$NB" addr add 10.206.2.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.206.2.2 "$NB" "$B" &&
	ip netns exec "$NA" ethtool -K "$A" tx-udp-segmentation off >/dev/null 2>&1
}
check "topology: $A ($NA) -> $B ($NB), software UDP segmentation on $A" setup
check "sysctls netdev_budget=2 dev_weight=4 (restored at exit)" \
	sysctl_set net.core.netdev_budget=2 net.core.dev_weight=4
check "recorder started (--events full --dev $A,$B)" rec_start --events full --dev "$A,$B"
check "receiver bound" udp_recv_start "$NB" 10.206.2.2 7062 $((SENDS * SEGS)) 1
gso_flood "$NA" 10.206.2.2 7062 "$SENDS" "$SEGS" 0
wait "${BG_PIDS[-1]}" 2>/dev/null
received=$(cat "$TMP/recv.7062")
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "sysctls restored right after recording" sysctl_restore_check
check "analyzer ran" analyze --top 0
check_eq "receiver got every datagram (no backlog drop)" $((SENDS * SEGS)) "$received"

ctx=$("$ANALYZE" --context --json - "$TMP/t.dat")
squeeze=$(jq -r '.delta["softnet:0:time_squeeze"] // 0' <<<"$ctx")
check_eq "context: netdev_budget stored" 2 "$(jq -r '.static["sysctl:net.core.netdev_budget"]' <<<"$ctx")"
check_eq "context: dev_weight stored" 4 "$(jq -r '.static["sysctl:net.core.dev_weight"]' <<<"$ctx")"
check "softnet time_squeeze moved on CPU 0 ($squeeze)" test "$squeeze" -gt 0
check_eq "finding budget-cpu0: time_squeeze" "$squeeze" "$(fev budget-cpu0 softnet_time_squeeze)"
check_eq "finding: NET_RX runs over budget == time_squeeze" "$squeeze" \
	"$(fev budget-cpu0 net_rx_runs_over_budget)"
check_eq "finding: weight of the full polls" 4 "$(fev budget-cpu0 weight)"
full=$(fev budget-cpu0 polls_full)
check "finding: polls that used their whole weight ($full)" test "$full" -gt 0
check_eq "finding: netdev_budget" 2 "$(fev budget-cpu0 netdev_budget)"
check_eq "counters: time_squeeze verdict" explained \
	"$(jr '.counters.cpus[] | select(.cpu == 0) | .time_squeeze_verdict')"
check_eq "napi: backlog polls on CPU 0 exhausted == full polls" "$full" \
	"$(jr '[.napi[] | select(.backlog and .cpu == 0) | .budget_exhausted] | add')"
check_eq "counters: $B rx_packets delta == receives" "$received $received" \
	"$(jr ".counters.devices[] | select(.dev == \"$B\") | \"\(.rx_packets_delta) \(.netif_receive_skb)\"")"
time_report context_2_budget

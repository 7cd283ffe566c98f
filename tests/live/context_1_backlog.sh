#!/bin/bash
# Node context, backlog drops: net.core.netdev_max_backlog = 8 and a flood into a netif_rx
# device.  A UDP GSO send of 40 segments over veth (tx-udp-segmentation off) makes
# veth_xmit() call netif_rx() 40 times before the backlog is polled, so enqueue_to_backlog()
# drops every packet past 9 queued.  Asserts: the context stored the sysctl; softnet_stat
# "dropped" moved on CPU 0 by exactly the traced kfree_skb(CPU_BACKLOG) count; the finding
# backlog-drops-cpu0 names netdev_max_backlog and the deepest backlog seen (9); the device
# counters match the receives; the sysctl is restored.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"
. "$(dirname "$0")/lib-context.bash"

SENDS=${SKBT_TEST_SENDS:-100}
SEGS=40
MAXB=8

ctx_init context_1_backlog
NA=${P}x NB=${P}y A=${P}a B=${P}b
setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.206.1.1/24 dev "$A" && ip -n "$NB" addr add 10.206.1.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.206.1.2 "$NB" "$B" &&
	ip netns exec "$NA" ethtool -K "$A" tx-udp-segmentation off >/dev/null 2>&1
}
check "topology: $A ($NA) -> $B ($NB), software UDP segmentation on $A" setup
check "sysctl net.core.netdev_max_backlog=$MAXB (restored at exit)" \
	sysctl_set net.core.netdev_max_backlog=$MAXB
check "recorder started (--events full --dev $A,$B)" rec_start --events full --dev "$A,$B"
check "receiver bound" udp_recv_start "$NB" 10.206.1.2 7061 $((SENDS * SEGS)) 1
gso_flood "$NA" 10.206.1.2 7061 "$SENDS" "$SEGS" 0
wait "${BG_PIDS[-1]}" 2>/dev/null	# not in $(...): a subshell cannot wait for it
received=$(cat "$TMP/recv.7061")
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "sysctl restored right after recording" sysctl_restore_check
check "analyzer ran" analyze --top 0
echo "# receiver got $received of $((SENDS * SEGS)) datagrams"

ctx=$("$ANALYZE" --context --json - "$TMP/t.dat")
check_eq "context: netdev_max_backlog stored" "$MAXB" \
	"$(jq -r '.static["sysctl:net.core.netdev_max_backlog"]' <<<"$ctx")"
check_eq "context: $B counted in namespace $NB" 1 \
	"$(jq -r ".static[\"iface:$NB:$B:traced\"]" <<<"$ctx")"
dropped=$(jq -r '.delta["softnet:0:dropped"] // 0' <<<"$ctx")
check "softnet_stat dropped moved on CPU 0 ($dropped)" test "$dropped" -gt 0
check_eq "finding backlog-drops-cpu0: softnet dropped" "$dropped" "$(fev backlog-drops-cpu0 softnet_dropped)"
check_eq "finding: kfree_skb(CPU_BACKLOG) traced == softnet dropped" "$dropped" \
	"$(fev backlog-drops-cpu0 kfree_skb_cpu_backlog)"
check_eq "finding: netif_rx failures == softnet dropped" "$dropped" \
	"$(fev backlog-drops-cpu0 netif_rx_failed)"
check_eq "finding: netdev_max_backlog" "$MAXB" "$(fev backlog-drops-cpu0 netdev_max_backlog)"
check_eq "finding: deepest backlog seen = netdev_max_backlog + 1 (qlen <= max is accepted)" \
	$((MAXB + 1)) "$(fev backlog-drops-cpu0 max_backlog_depth_seen)"
check_eq "finding is a warning" warning "$(jr '[.findings[] | select(.id == "backlog-drops-cpu0")][0].severity')"
check "finding text names the sysctl" grep -q "backlog full at $MAXB = netdev_max_backlog" \
	<<<"$(jr '[.findings[] | select(.id == "backlog-drops-cpu0")][0].text')"
check_eq "findings come first in the text report" "findings:" \
	"$("$ANALYZE" --top 0 "$TMP/t.dat" | grep -m1 -E '^(findings|path|counters)')"
check_eq "counters: CPU 0 dropped verdict" match \
	"$(jr '.counters.cpus[] | select(.cpu == 0) | .dropped_verdict')"
check_eq "counters: $B rx_packets delta == receives == datagrams received" "$received $received" \
	"$(jr ".counters.devices[] | select(.dev == \"$B\") | \"\(.rx_packets_delta) \(.netif_receive_skb)\"")"
check_eq "counters: $B verdict" match "$(jr ".counters.devices[] | select(.dev == \"$B\") | .verdict")"
check_eq "napi_softirq: CPU 0 deepest backlog" $((MAXB + 1)) \
	"$(jr '.napi_softirq.cpus[] | select(.cpu == 0) | .max_backlog_depth')"
check "napi_softirq: NET_RX softirq time measured on CPU 0" test \
	"$(jr '.napi_softirq.cpus[] | select(.cpu == 0) | .net_rx_total_ns')" -gt 0
time_report context_1_backlog

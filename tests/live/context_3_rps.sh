#!/bin/bash
# Node context, RPS steering: rps_cpus = every CPU on the receiving veth (set inside its
# namespace), sender pinned to CPU 0, sixteen source ports.  Asserts: the context read the
# RPS mask inside the namespace (sysfs remounted there); the finding rps-B counts the
# datagrams received on another CPU than CPU 0, exactly as trace-cmd sees them; softnet
# received_rps (IPIs) moved on the target CPUs.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"
. "$(dirname "$0")/lib-context.bash"

N=${SKBT_TEST_DGRAMS:-320}
NCPU=$(nproc)

ctx_init context_3_rps
if [ "$NCPU" -lt 2 ]; then
	skip "context_3_rps: needs 2 CPUs"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b
MASK=$(printf '%x' $(( (1 << (NCPU > 32 ? 32 : NCPU)) - 1 )))
setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.206.3.1/24 dev "$A" && ip -n "$NB" addr add 10.206.3.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.206.3.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.206.3.1 "$NA" "$A" &&
	ip netns exec "$NB" sh -c "echo $MASK > /sys/class/net/$B/queues/rx-0/rps_cpus"
}
check "topology: $A ($NA) -> $B ($NB), rps_cpus=$MASK on $B" setup
check "recorder started (--events full --dev $A,$B)" rec_start --events full --dev "$A,$B"
check "receiver bound" udp_recv_start "$NB" 10.206.3.2 7063 "$N" 2
udp_send "$NA" 10.206.3.2 7063 "$N" 200 "$(seq -s, 42000 42015)" 0
wait "${BG_PIDS[-1]}" 2>/dev/null
check_eq "receiver counted every datagram" "$N" "$(cat "$TMP/recv.7063")"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "analyzer ran" analyze --top 0

ctx=$("$ANALYZE" --context --json - "$TMP/t.dat")
check_eq "context: rps_cpus of $B read inside $NB" "$MASK" \
	"$(jq -r ".static[\"rxq:$NB:$B:0:rps_cpus\"]" <<<"$ctx" | sed 's/^[0,]*//')"
trace-cmd report "$TMP/t.dat" 2>/dev/null >"$TMP/report"
other=$(grep " netif_receive_skb: .*dev=$B " "$TMP/report" | grep -vc '\[0*0\]')
echo "# trace-cmd: $other netif_receive_skb on $B off CPU 0"
check "RPS steered some datagrams off CPU 0 ($other)" test "$other" -gt 0
check_eq "finding rps-$B: steered == trace-cmd's receives off CPU 0" "$other" "$(fev "rps-$B" steered)"
check_eq "finding: backlog receives == datagrams" "$N" "$(fev "rps-$B" backlog_receives)"
check_eq "finding: rps_cpus evidence" "$MASK" "$(fev "rps-$B" rps_cpus | sed 's/^[0,]*//')"
rps=$(jq -r '[.delta | to_entries[] | select(.key | test("^softnet:[1-9][0-9]*:received_rps$")) | .value] | add // 0' <<<"$ctx")
# received_rps counts IPIs (rps_trigger_softirq()), several packets may share one
check "softnet received_rps moved on the other CPUs ($rps IPIs for $other packets)" \
	test "$rps" -gt 0 -a "$rps" -le "$other"
check_eq "napi_softirq: steered_in off CPU 0 == finding" "$other" \
	"$(jr '[.napi_softirq.cpus[] | select(.cpu != 0) | .steered_in] | add // 0')"
time_report context_3_rps

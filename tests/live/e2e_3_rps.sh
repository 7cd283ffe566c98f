#!/bin/bash
# End-to-end: veth A -> veth B with RPS on B (rps_cpus = every CPU).  The sender is pinned to
# CPU 0; veth_xmit() -> netif_rx() on CPU 0, then get_rps_cpu() picks the backlog of the CPU
# the flow hash maps to.  Sixteen UDP source ports spread the flows over the CPUs.  Exact:
# one journey per datagram; cross-CPU journeys == datagrams received on another CPU than 0
# (trace-cmd's count of netif_receive_skb on B per CPU).  Present: journeys on both CPUs.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-320}
PAYLOAD=355
LEN=$((PAYLOAD + 28))
NCPU=$(nproc)

live_init e2e_3_rps
if [ "$NCPU" -lt 2 ]; then
	skip "e2e_3_rps: needs 2 CPUs"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b
MASK=$(printf '%x' $(( (1 << (NCPU > 32 ? 32 : NCPU)) - 1 )))

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.203.0.1/24 dev "$A" && ip -n "$NB" addr add 10.203.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.203.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.203.0.1 "$NA" "$A" &&
	ip netns exec "$NB" sh -c "echo $MASK > /sys/class/net/$B/queues/rx-0/rps_cpus" &&
	[ "$(ip netns exec "$NB" cat /sys/class/net/$B/queues/rx-0/rps_cpus | sed 's/^[0,]*//')" = "$MASK" ]
}
check "topology: $A ($NA) -> $B ($NB), rps_cpus=$MASK on $B" setup
check "recorder started (--events full)" rec_start --events full
check "receiver bound" udp_recv_start "$NB" 10.203.0.2 7003 "$N" 2
udp_send "$NA" 10.203.0.2 7003 "$N" "$PAYLOAD" "$(seq -s, 41000 41015)" 0
received=$(udp_recv_wait 7003)
check_eq "receiver counted every datagram" "$N" "$received"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
# --top N: every journey is listed, so the per-journey checks cover all of them.
check "analyzer ran (--dev $A,$B --top $N)" analyze --dev "$A,$B" --top "$N"

check_eq "trace not incomplete" "false 0" "$(jr '"\(.trace.incomplete) \(.trace.lost_markers)"')"
check_eq "our journeys: one per datagram, path $B" "$B=$N" "$(our_paths | tr '\n' ' ' | sed 's/ $//')"
check_eq "path stages (besides stack: $(path_stages "$B"))" "backlog,xmit" "$(path_stages_but "$B" stack)"
check_eq "path $B incomplete" 0 "$(path_field "$B" incomplete)"

# The kernel's view: netif_receive_skb on B per CPU.
[ -s "$TMP/report" ] || trace-cmd report "$TMP/t.dat" >"$TMP/report" 2>/dev/null
declare -A on_cpu
while read -r n c; do on_cpu[$c]=$n; done < <(grep " netif_receive_skb: .*dev=$B " "$TMP/report" |
	sed -n 's/.*\[0*\([0-9][0-9]*\)\].*/\1/p' | sort | uniq -c)
other=0
for c in "${!on_cpu[@]}"; do [ "$c" = 0 ] || other=$((other + on_cpu[$c])); done
echo "# trace-cmd: netif_receive_skb dev=$B per CPU: $(for c in "${!on_cpu[@]}"; do printf 'cpu%s=%s ' $c ${on_cpu[$c]}; done)"
check_eq "trace-cmd: netif_receive_skb on $B" "$N" "$((${on_cpu[0]:-0} + other))"
check "RPS steered datagrams to both CPU 0 and another CPU (cpu0=${on_cpu[0]:-0}, others=$other)" \
	test "${on_cpu[0]:-0}" -gt 0 -a "$other" -gt 0
check_eq "path cpu_changes == datagrams received off the sender's CPU" "$other" "$(path_field "$B" cpu_changes)"
check_eq "journeys: netif_rx($B) on the sender's CPU 0" "0" \
	"$(jr "[.slowest[].hops[] | select(.event == \"netif_rx\" and .dev == \"$B\") | .cpu] | unique | map(tostring) | join(\",\")")"
check_eq "journeys: those received on another CPU" "$other" \
	"$(jr "[.slowest[] | select(any(.hops[]; .event == \"netif_receive_skb\" and .dev == \"$B\" and .cpu != 0))] | length")"
check_eq "journeys listed" "$N" "$(jr '.slowest | length')"
# The backlog stage runs from netif_rx on CPU 0 to process_backlog() on the RPS CPU.
check_eq "cross-CPU journeys: backlog stage from the CPU 0 hop to the other CPU's hop" "$other" \
	"$(jr "[.slowest[] | . as \$j | .stages[] | select(.name == \"backlog\") |
		select(\$j.hops[.from_hop].cpu == 0 and \$j.hops[.to_hop].cpu != 0 and .ns > 0)] | length")"
check "backlog latency positive (min $(stage_min "$B" backlog) ns)" test "$(stage_min "$B" backlog)" -gt 0
out=$(check_stage_order)
check_eq "all journeys: stages in hop order, hop offsets non-decreasing" 0 "$(head -1 <<<"$out")"
[ "$(head -1 <<<"$out")" = 0 ] || sed 1d <<<"$out" | sed 's/^/#   /'
check_eq "journeys: receive hops carry length $LEN" "$LEN" \
	"$(jr "[.slowest[].hops[] | select(.dev == \"$B\") | .len] | unique | map(tostring) | join(\",\")")"
check "napi: backlog polls with receives on CPU 0 and on another CPU" test \
	"$(jr '[.napi[] | select(.backlog and .traced_receives > 0) | .cpu] | (index(0) != null) and (map(select(. != 0)) | length > 0)')" = true
time_report e2e_3_rps

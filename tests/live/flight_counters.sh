#!/bin/bash
# Flight recorder, counter triggers (issue 17): --trigger softnet-drop fires when the
# "dropped" column of /proc/net/softnet_stat rises, polled every 100 ms without reading the
# ring buffers.  net.core.netdev_max_backlog = 8 and UDP GSO sends of 40 segments over veth
# (software segmentation, so veth_xmit() calls netif_rx() 40 times within one bh-disabled
# section) overflow CPU 0's backlog on purpose (as in context_1_backlog.sh).  The sysctl is
# the whole machine's: it is set just before each flood (armed: the sender is up and waiting)
# and restored right after it (and at exit), so others' bursts do not overflow a backlog of 8
# and fire the trigger before ours.
#   1. a missing rx-drop device is a usage error (exit 2, one line);
#   2. --flight 3s --trigger softnet-drop --trigger rx-drop:lo: 1.5 s idle writes nothing;
#      M paced datagrams, then the flood: exactly one *-softnet-drop.dat file (the storm's
#      later drops are rate-limited), holding every paced datagram, the backlog drops
#      (netif_rx failures, kfree_skb CPU_BACKLOG) and the trigger reason; SIGINT leaves no
#      instance;
#   3. --after 1s: a second flood 0.5 s after the trigger is in the file;
#   4. --after 1.5s --trigger drop:NO_SOCKET: drops during the aftermath do not cut it;
#   5. --flight 1s (D) --trigger squeeze: 1.5 s with time_squeeze unchanged writes nothing
#      (time_squeeze is the whole machine's: a quiet period others' load disturbed is tried
#      again, 3 times at most); M paced datagrams, D + 0.5 s later net.core.netdev_budget = 2
#      (restored right after) and a GSO burst on CPU 0: a backlog poll of up to 40 packets
#      spends the budget, net_rx_action() counts a time_squeeze.  Exactly one *-squeeze.dat
#      file, holding every paced datagram (the first at least D before the trigger) and the
#      burst, the trigger at the top of the text and JSON reports; SIGINT leaves no instance;
#   6. --flight 1s --events full (skb:kfree_skb) --trigger rx-drop:$B, the recorder started
#      in $B's namespace with nsenter --net (/sys/class/net still shows the host's devices,
#      not $B: the recorder must ask its own namespace): 1.5 s idle writes nothing;
#      M paced datagrams, D + 0.5 s later N frames of an ethertype nobody handles (0x88b5,
#      IEEE local experimental) sent to $B with an AF_PACKET socket:
#      __netif_receive_skb_core() drops them (UNHANDLED_PROTO) and counts rx_dropped of $B.
#      Exactly one *-rx-drop:$B.dat file holding the paced datagrams (the first at least D
#      before the trigger) and the drops, the trigger in both reports; no instance.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"
. "$(dirname "$0")/lib-context.bash"

M=${SKBT_TEST_DGRAMS:-50}	# paced datagrams before the flood
SENDS=${SKBT_TEST_SENDS:-20}	# GSO sends of SEGS segments each
SEGS=40
MAXB=8
D=3

ctx_init flight_counters
NA=${P}x NB=${P}y A=${P}a B=${P}b
DIR=$TMP/fl
mkdir "$DIR"
setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.218.0.1/24 dev "$A" && ip -n "$NB" addr add 10.218.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.218.0.2 "$NB" "$B" &&
	ip netns exec "$NA" ethtool -K "$A" tx-udp-segmentation off >/dev/null 2>&1
}
check "topology: $A ($NA) -> $B ($NB), software UDP segmentation on $A" setup

"$RECORD" --flight 1s --trigger "rx-drop:${P}none" -o "$DIR" 2>"$TMP/err"
rc=$?
check_eq "rx-drop of a missing device: exit 2" 2 "$rc"
check_eq "rx-drop of a missing device: one line naming it" "1 1" \
	"$(wc -l <"$TMP/err") $(grep -c "no device ${P}none" "$TMP/err")"

wait_files() {		# KIND N: up to 3 s for N files of KIND
	local i
	for i in $(seq 1 30); do [ "$(files "$1")" -ge "$2" ] && return; sleep 0.1; done
}
# netif_receive_skb lines on $B of IP length $1 (paced datagrams: 200 + 28; segments: 1028)
rx_len() {
	awk -v dev="dev=$B" -v len="len=$1" '/ netif_receive_skb: / {
		d = l = 0; for (i = 1; i <= NF; i++) { d += ($i == dev); l += ($i == len) }
		n += d && l } END { print n + 0 }' "$(tc_report)"
}
# trigger time and the last netif_receive_skb on $B, in seconds
last_rx() {
	awk -v dev="dev=$B" '/ netif_receive_skb: / { for (i = 1; i <= NF; i++) if ($i == dev) {
		t = $3; sub(":", "", t) } } END { print t }' "$(tc_report)"
}

check "recorder started (--flight ${D}s --events full --trigger softnet-drop --trigger rx-drop:lo)" \
	flight_start --flight ${D}s --events full --trigger softnet-drop --trigger rx-drop:lo
sed -n 's/^skbtrail-record: \(flight: .*\)/# \1/p' "$TMP/rec.err"
sleep 1.5
check_eq "1.5 s idle: nothing written" 0 "$(ls "$DIR" | wc -l)"

check "receiver bound" udp_recv_start "$NB" 10.218.0.2 7071 $((M + SENDS * SEGS)) 2
udp_send "$NA" 10.218.0.2 7071 "$M" 200
check "flood armed ($SENDS GSO sends of $SEGS segments on CPU 0)" \
	gso_flood_armed "$NA" 10.218.0.2 7071 "$SENDS" "$SEGS" 0
check "sysctl net.core.netdev_max_backlog=$MAXB for the flood" \
	sysctl_set net.core.netdev_max_backlog=$MAXB
gso_fire
check "sysctl still $MAXB while the flood ran" \
	test "$(sysctl -n net.core.netdev_max_backlog)" = $MAXB
check "sysctl restored right after the flood" sysctl_restore_check
# the receiver; not in $(...): a subshell cannot wait for it
wait "${BG_PIDS[-2]}" 2>/dev/null
received=$(cat "$TMP/recv.7071")
wait_files softnet-drop 1
sleep 0.5
check_eq "backlog overflow: exactly one softnet-drop file (later drops rate-limited)" 1 \
	"$(files softnet-drop)"
check_eq "no other file" 1 "$(ls "$DIR" | grep -c '\.dat$')"
check "SIGINT: exit 0, its instance gone from /sys/kernel/tracing/instances, no temporary directory left" \
	flight_stop INT

use_trace "$(ls "$DIR"/skbtrail-*-softnet-drop.dat | head -1)"
paced=$(rx_len 228)
echo "# sent $M paced datagrams + $((SENDS * SEGS)) segments; the receiver got $received;" \
	"the file holds $paced paced and $(rx_len 1028) segment receives on $B"
check_eq "the file holds every paced datagram sent before the flood" "$M" "$paced"
check "the analyzer reads it" analyze --dev "$A,$B"
check_eq "report: trace.trigger.reason" softnet-drop "$(jr .trace.trigger.reason)"
nrx=$(fev backlog-drops-cpu0 netif_rx_failed)
nfree=$(fev backlog-drops-cpu0 kfree_skb_cpu_backlog)
echo "# backlog drops in the file: netif_rx failed $nrx, kfree_skb(CPU_BACKLOG) $nfree"
check "report: backlog drops on CPU 0 (netif_rx failures)" test "${nrx:-0}" -gt 0 2>/dev/null
check "report: kfree_skb(CPU_BACKLOG) traced" test "${nfree:-0}" -gt 0 2>/dev/null
"$ANALYZE" --redact-devs --dev "$A,$B" "$TMP/t.dat" >"$TMP/r.txt" 2>/dev/null
check "text report: the trigger near the top" sh -c "head -5 '$TMP/r.txt' | grep -q 'trigger: softnet-drop'"

# --after: the aftermath is recorded before the file is written
rm -f "$DIR"/*.dat
check "recorder started (--flight 1s --after 1s --trigger softnet-drop)" \
	flight_start --flight 1s --after 1s --events full --trigger softnet-drop
check "--after: flood armed" gso_flood_armed "$NA" 10.218.0.2 7072 "$SENDS" "$SEGS" 0
check "--after: sysctl net.core.netdev_max_backlog=$MAXB for the floods" \
	sysctl_set net.core.netdev_max_backlog=$MAXB
gso_fire
sleep 0.5
gso_flood "$NA" 10.218.0.2 7072 2 "$SEGS" 0
check "--after: sysctl restored right after the floods" sysctl_restore_check
wait_files softnet-drop 1
check_eq "--after: one softnet-drop file" 1 "$(files softnet-drop)"
check "--after: the recorder said it recorded more" grep -q "recording 1 s more (--after)" "$TMP/rec.err"
check "SIGINT: exit 0, no instance, no temporary directory left" flight_stop INT
use_trace "$(ls "$DIR"/skbtrail-*-softnet-drop.dat | head -1)"
check "the analyzer reads it" analyze --dev "$A,$B"
T_TRIG=$(jr .trace.trigger.time_ns)
T_LAST=$(last_rx)
echo "# trigger at $(awk -v t="$T_TRIG" 'BEGIN { printf "%.6f", t / 1e9 }'), last receive on $B at $T_LAST"
check "--after: the file holds receives from 0.3 s and more after the trigger" \
	awk -v t="$T_TRIG" -v l="$T_LAST" 'BEGIN { exit !(l != "" && l >= t / 1e9 + 0.3) }'

# --after with the drop trigger: later drops must not cut the aftermath (its traceoff is
# removed meanwhile).  Whatever drop fired (another namespace's may), datagrams sent to a
# closed port once the recorder said it records more are in the file.
rm -f "$DIR"/*.dat
check "recorder started (--flight 1s --after 1.5s --trigger drop:NO_SOCKET)" \
	flight_start --flight 1s --after 1.5s --trigger drop:NO_SOCKET
udp_send "$NA" 10.218.0.2 7073 1 100
for i in $(seq 1 30); do grep -q "recording 1.5 s more" "$TMP/rec.err" && break; sleep 0.1; done
udp_send "$NA" 10.218.0.2 7073 5 100
wait_files drop 1
check_eq "--after with drop: one drop file" 1 "$(files drop)"
check "SIGINT: exit 0, no instance, no temporary directory left" flight_stop INT
use_trace "$(ls "$DIR"/skbtrail-*-drop.dat | head -1)"
n=$(tc_drops "$B" NO_SOCKET)
echo "# NO_SOCKET drops on $B in the file: $n (1 before, 5 during the aftermath)"
check "--after with drop: the drops sent during the aftermath are in the file" test "$n" -ge 5

# The first netif_receive_skb on $B and the trigger time, in seconds (mono: the report's clock)
first_rx() {
	awk -v dev="dev=$B" '/ netif_receive_skb: / { for (i = 1; i <= NF; i++) if ($i == dev) {
		t = $3; sub(":", "", t); print t; exit } }' "$(tc_report)"
}
trig_s() { awk -v t="$(jr .trace.trigger.time_ns)" 'BEGIN { printf "%.6f", t / 1e9 }'; }
# The checks every counter trigger's file gets: $1 = its reason, $2 = the paced datagrams' port
counter_file_checks() {
	local f t first
	f=$(ls "$DIR"/skbtrail-*-"$1".dat 2>/dev/null | head -1)
	use_trace "$f"
	check_eq "$1: the file holds every paced datagram" "$M" "$(rx_len 228)"
	check "$1: the analyzer reads it (text and JSON)" \
		"$ANALYZE" --json "$TMP/r.json" --dev "$A,$B" "$TMP/t.dat" >"$TMP/r.txt" 2>/dev/null
	check_eq "$1: JSON report: trace.trigger.reason" "$1" "$(jr .trace.trigger.reason)"
	check "$1: text report: the trigger near the top" \
		sh -c "head -5 '$TMP/r.txt' | grep -q 'trigger: $1 at'"
	t=$(trig_s) first=$(first_rx)
	echo "# $1: trigger at $t, first receive on $B in the file at $first"
	check "$1: the file holds events from at least ${D}s before the trigger" \
		awk -v f="$first" -v t="$t" -v d=$D 'BEGIN { exit !(f != "" && f <= t - d) }'
}

# squeeze.  A quiet period is one with time_squeeze unchanged on every CPU.
rm -f "$DIR"/*.dat
M=50 D=1 SQ_SENDS=5
for try in 1 2 3; do
	started=0
	flight_start --flight ${D}s --trigger squeeze && started=1 || break
	c0=$(softnet_sum 3)
	sleep 1.5
	c1=$(softnet_sum 3)
	[ "$c0" = "$c1" ] && break
	echo "# time_squeeze rose by $((c1 - c0)) from others' load in the quiet period (try $try)"
	flight_stop INT
	rm -f "$DIR"/*.dat
done
check_eq "squeeze: recorder started (--flight ${D}s --trigger squeeze)" 1 "$started"
check_eq "squeeze: 1.5 s, time_squeeze unchanged: nothing written" "0 0" \
	"$((c1 - c0)) $(ls "$DIR" | wc -l)"
check "squeeze: receiver bound" \
	udp_recv_start "$NB" 10.218.0.2 7074 $((M + SQ_SENDS * SEGS)) $((D + 3))
udp_send "$NA" 10.218.0.2 7074 "$M" 200
sleep $D.5
check "squeeze: burst armed ($SQ_SENDS GSO sends of $SEGS segments on CPU 0)" \
	gso_flood_armed "$NA" 10.218.0.2 7074 "$SQ_SENDS" "$SEGS" 0
s0=$(softnet_sum 3)
check "squeeze: sysctl net.core.netdev_budget=2 for the burst" sysctl_set net.core.netdev_budget=2
gso_fire
check "squeeze: netdev_budget restored right after the burst" sysctl_restore_check
wait_files squeeze 1
s1=$(softnet_sum 3)
echo "# time_squeeze (all CPUs) rose by $((s1 - s0)) over the burst"
check "squeeze: time_squeeze in /proc/net/softnet_stat rose" test $((s1 - s0)) -gt 0
sleep 0.3
check_eq "squeeze: exactly one squeeze file" 1 "$(files squeeze)"
check_eq "squeeze: no other file" 1 "$(ls "$DIR" | grep -c '\.dat$')"
check "squeeze: SIGINT: exit 0, no instance, no temporary directory left" flight_stop INT
counter_file_checks squeeze
segs=$(rx_len 1028)
echo "# squeeze: $segs of the burst's $((SQ_SENDS * SEGS)) segments received on $B are in the file"
check "squeeze: the file holds the burst" test "$segs" -gt 0

# rx-drop:DEV, the recorder in $NB (nsenter --net)
rm -f "$DIR"/*.dat
N=5
FLIGHT_NETNS=$NB
check "rx-drop: recorder started in $NB by nsenter --net (--trigger rx-drop:$B)" \
	flight_start --flight ${D}s --events full --trigger "rx-drop:$B"
FLIGHT_NETNS=
r0=$(dev_stat "$NB" "$B" rx_dropped)
sleep 1.5
check_eq "rx-drop: 1.5 s idle: rx_dropped of $B unchanged, nothing written" "$r0 0" \
	"$(dev_stat "$NB" "$B" rx_dropped) $(ls "$DIR" | wc -l)"
check "rx-drop: receiver bound" udp_recv_start "$NB" 10.218.0.2 7075 "$M" $((D + 3))
udp_send "$NA" 10.218.0.2 7075 "$M" 200
sleep $D.5
eth_send "$NA" "$A" "$(mac_of "$NB" "$B")" 0x88b5 "$N"
wait_files "rx-drop:$B" 1
r1=$(dev_stat "$NB" "$B" rx_dropped)
echo "# rx_dropped of $B: $r0 -> $r1"
check_eq "rx-drop: rx_dropped of $B rose by the $N frames" "$N" $((r1 - r0))
sleep 0.3
check_eq "rx-drop: exactly one rx-drop:$B file" 1 "$(files "rx-drop:$B")"
check_eq "rx-drop: no other file" 1 "$(ls "$DIR" | grep -c '\.dat$')"
check "rx-drop: SIGINT: exit 0, no instance, no temporary directory left" flight_stop INT
counter_file_checks "rx-drop:$B"
n=$(tc_drops "$B" UNHANDLED_PROTO)
echo "# rx-drop: $n UNHANDLED_PROTO drops of frames received on $B in the file"
check "rx-drop: the file holds the drops" test "$n" -ge 1
"$ANALYZE" --redact-devs --dev "$A,$B" "$TMP/t.dat" >"$TMP/r.txt" 2>/dev/null
check "rx-drop: --redact-devs: the trigger without the device" \
	sh -c "head -5 '$TMP/r.txt' | grep -q 'trigger: rx-drop at' && ! grep -q '$B' '$TMP/r.txt'"
time_report flight_counters

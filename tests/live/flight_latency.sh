#!/bin/bash
# Flight recorder, latency trigger (issue 17): --trigger 'STAGE>DURATION' reads the buffers
# all along and builds journeys with the analyzer's code; a journey whose STAGE took longer
# writes the window.  The latency is real: a tbf qdisc (1 mbit/s) on veth A holds a burst of
# 1000-byte datagrams in its queue, so their xmit stage (net_dev_queue on A -> netif_rx on B)
# takes tens of ms, where it takes microseconds without it.
#   1. a bad spec ('nosuch>1ms', 'backlog>abc') is a usage error: exit 2, one line;
#   2. --flight 2s --trigger 'xmit>30ms' --dev A,B: N fast datagrams, then more than 2 s:
#      nothing written (and the reader's CPU time is printed);
#   3. tbf on A, a burst of B datagrams: exactly one *-latency:xmit-over-30ms.dat file; its
#      report shows the trigger and a journey whose xmit stage is over 30 ms; it holds the
#      fast datagrams, the first of them at least 2 s before the trigger;
#   4. SIGINT: exit 0, no instance, no temporary directory left;
#   5. the window after a flood (below).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-200}	# fast datagrams
BURST=20			# datagrams queued behind tbf
D=2
live_init flight_latency
NA=${P}x NB=${P}y A=${P}a B=${P}b
DIR=$TMP/fl
mkdir "$DIR"

for spec in 'nosuch>1ms' 'backlog>abc'; do
	"$RECORD" --flight 1s --trigger "$spec" -o "$DIR" 2>"$TMP/err"
	rc=$?
	check_eq "--trigger '$spec': exit 2, one line" "2 1" "$rc $(wc -l <"$TMP/err")"
done
sed 's/^/# /' "$TMP/err"

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.216.0.1/24 dev "$A" && ip -n "$NB" addr add 10.216.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.216.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.216.0.1 "$NA" "$A"
}
check "topology: $A ($NA) -> $B ($NB)" setup
if ! ip netns exec "$NA" tc qdisc replace dev "$A" root tbf rate 1mbit burst 2000 \
	limit 200000 2>/dev/null; then
	skip "flight_latency: the kernel has no tbf qdisc (CONFIG_NET_SCH_TBF)"
	exit 0
fi
ip netns exec "$NA" tc qdisc del dev "$A" root

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }	# utime + stime
burst() {
	ip netns exec "$NA" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range($BURST):
    s.sendto(b'%08d' % i + b'b' * 992, ('10.216.0.2', 7016))
"
}

check "recorder started (--flight ${D}s --trigger 'xmit>30ms' --dev $A,$B)" \
	flight_start --flight ${D}s --trigger 'xmit>30ms' --dev "$A,$B"
sed -n 's/^skbtrail-record: \(flight: .*\)/# \1/p' "$TMP/rec.err"
check "startup: says a reader follows the buffers" grep -q "a reader follows the buffers" \
	"$TMP/rec.err"
check "receiver bound" udp_recv_start "$NB" 10.216.0.2 7016 $((N + BURST)) 8
t0=$(cpu_ticks "$REC_PID")
udp_send "$NA" 10.216.0.2 7016 "$N" 200
sleep $((D + 1))
t1=$(cpu_ticks "$REC_PID")
echo "# recorder CPU time while waiting with fast traffic: $(((t1 - t0) * 1000 / $(getconf CLK_TCK))) ms over $((D + 1)) s or more"
check_eq "fast traffic for more than ${D} s: nothing written" 0 "$(ls "$DIR" | grep -c '\.dat$')"

check "tbf on $A (1 mbit/s)" ip netns exec "$NA" tc qdisc replace dev "$A" root tbf \
	rate 1mbit burst 2000 limit 200000
burst
for i in $(seq 1 60); do [ "$(files 'latency:xmit-over-30ms')" -ge 1 ] && break; sleep 0.1; done
sleep 0.5
check_eq "slow datagrams: exactly one latency:xmit-over-30ms file" 1 \
	"$(files 'latency:xmit-over-30ms')"
check_eq "no other file" 1 "$(ls "$DIR" | grep -c '\.dat$')"
check "the recorder said which stage took how long" \
	grep -q "trigger latency:xmit>30ms: a journey's xmit stage took" "$TMP/rec.err"
grep "^skbtrail-record: trigger\|latency trigger:" "$TMP/rec.err" | sed 's/^/# /'
check "SIGINT: exit 0, its instance gone, no temporary directory left" flight_stop INT
grep "latency trigger: read" "$TMP/rec.err" | sed 's/^/# /'
echo "# receiver got $(udp_recv_wait 7016) of $((N + BURST))"

ln -sf "$(ls "$DIR"/skbtrail-*-latency:xmit-over-30ms.dat | head -1)" "$TMP/t.dat"
check "the analyzer reads it" analyze --dev "$A,$B"
check_eq "report: trace.trigger.reason" 'latency:xmit>30ms' "$(jr .trace.trigger.reason)"
slow=$(jr '[.slowest[].stages[] | select(.name == "xmit" and .ns > 30000000)] | length')
echo "# journeys with an xmit stage over 30 ms in the report's slowest: $slow;" \
	"longest $(jr '[.slowest[].stages[] | select(.name == "xmit") | .ns] | max / 1e6') ms"
check "report: a journey whose xmit stage is over 30 ms" test "${slow:-0}" -ge 1
check "report: the slow journey is among the journeys around the trigger" test \
	"$(jr '[.around_trigger[].stages[] | select(.name == "xmit" and .ns > 30000000)] | length')" -ge 1
"$ANALYZE" "$TMP/t.dat" >"$TMP/r.txt" 2>/dev/null
check "text report: the trigger near the top" \
	sh -c "head -3 '$TMP/r.txt' | grep -q 'trigger: latency:xmit>30ms'"
fast=$(tc_count netif_receive_skb "$B")
check "the file holds the $N fast datagrams' receives on $B (it has $fast)" test "$fast" -ge "$N"
T_TRIG=$(jr .trace.trigger.time_ns)
T_FIRST=$(trace-cmd report "$TMP/t.dat" 2>/dev/null | awk -v dev="dev=$B" '
	/ netif_receive_skb: / { for (i = 1; i <= NF; i++) if ($i == dev) { t = $3; sub(":", "", t);
		print t; exit } }')
echo "# trigger at $(awk -v t="$T_TRIG" 'BEGIN { printf "%.6f", t / 1e9 }'), first receive on $B at $T_FIRST"
check "the file holds at least ${D} s before the trigger" \
	awk -v t="$T_TRIG" -v f="$T_FIRST" -v d="$D" 'BEGIN { exit !(f != "" && f <= t / 1e9 - d) }'

# 5. a flood after an idle start (the window sized at its minimum): the kernel's ring bridges
#    the reads without losing events, and SIGUSR1 writes a window whose older pages were let
#    go: the file says so and marks the journeys cut at its start incomplete.
ip netns exec "$NA" tc qdisc del dev "$A" root 2>/dev/null
check "recorder started (--flight 1s, a trigger that never fires)" \
	flight_start --flight 1s --trigger 'backlog>10s' --dev "$A,$B"
ip netns exec "$NA" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
for i in range(60000):
    s.sendto(b'x' * 64, ('10.216.0.2', 7015))
"
sleep 0.3
kill -USR1 "$REC_PID"
for i in $(seq 1 50); do [ "$(files sigusr1)" = 1 ] && break; sleep 0.1; done
check "SIGINT after the flood's file" flight_stop INT
ln -sf "$(ls "$DIR"/skbtrail-*-sigusr1.dat | head -1)" "$TMP/t.dat"
grep "latency trigger: read\|^skbtrail-record: flight:" "$TMP/rec.err" | sed 's/^/# /'
check "the analyzer reads it" analyze --dev "$A,$B"
check_eq "no event lost between the reads" 0 "$(jr .trace.lost_events)"
check "the window let older pages go: the report says events before the first ones are gone" \
	sh -c "'$ANALYZE' '$TMP/t.dat' 2>/dev/null | head -3 | grep -q 'older events.*overwritten'"
check "journeys cut at the file's start are marked incomplete" test "$(jr .journeys.incomplete)" -ge 1
time_report flight_latency

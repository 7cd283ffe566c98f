#!/bin/bash
# Recorder benchmark: the same UDP flood (iperf3 over veth + Linux bridge, IP on the bridge,
# two network namespaces), in interleaved rounds:
#   untraced         no tracing
#   floor            the same events enabled in an instance nobody reads: the tracepoints'
#                    own cost, below which no recorder can go
#   skbtrail-record  default settings
#   lean             skbtrail-record --events lean (napi_poll only when work > 0)
#   flight           skbtrail-record --flight (overwrite ring, nothing read while waiting)
#   trace-cmd        `trace-cmd record -d --no-filter -B skbtbench<pid>`, same events, clock and
#                    per-CPU buffer size
# Prints the flood's packet rate under each (the cost of tracing), the events each recorder
# read and lost (overrun + dropped, from per_cpu/cpuN/stats), and skbtrail-record's own CPU
# time (all its threads, from /proc/PID/stat just before SIGINT) per million events.
#   BENCH_SECONDS   flood length (default 5)
#   BENCH_BUFFER_KB per-CPU buffer for both recorders (default: skbtrail-record's default)
#   BENCH_RUNS      rounds of the three cases, interleaved (default 3); medians at the end
#   BENCH_RECORD_ARGS extra skbtrail-record options (e.g. "--format v6")
#   BENCH_KEEP      directory to keep skbtrail-record's last file in (skbt.dat)
# "final s" is skbtrail-record's time from SIGINT to exit: drain, compress, write the file.
set -u
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
RECORD=$ROOT/$B/skbtrail-record
SECS=${BENCH_SECONDS:-5}
RUNS=${BENCH_RUNS:-3}
DEFAULT_KB=$(sed -n 's/^#define SKBT_BUDGET_DEFAULT_KB[[:space:]]*\([0-9]*\).*/\1/p' "$ROOT/include/skbtrail/budget.h")
KB=${BENCH_BUFFER_KB:-$DEFAULT_KB}
EVENTS=(net:netif_receive_skb net:netif_rx napi:napi_poll net:net_dev_queue)

if [ "$(id -u)" != 0 ]; then echo "bench/record.sh: SKIP (not root)"; exit 0; fi
for t in iperf3 trace-cmd python3; do
	command -v $t >/dev/null || { echo "bench/record.sh: SKIP (no $t)"; exit 0; }
done
[ -x "$RECORD" ] || { echo "bench/record.sh: $RECORD not built"; exit 1; }

P=skbb$$
NS_C=${P}c NS_S=${P}s
TMP=$(mktemp -d /tmp/skbt-bench.XXXXXX)
BG=
cleanup() {
	[ -n "$BG" ] && kill -INT $BG 2>/dev/null && wait $BG 2>/dev/null
	ip netns pids "$NS_S" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NS_C" && ip netns add "$NS_S" &&
ip link add ${P}a netns "$NS_C" type veth peer name ${P}b netns "$NS_S" &&
ip -n "$NS_S" link add br0 type bridge && ip -n "$NS_S" link set ${P}b master br0 &&
ip -n "$NS_S" addr add 10.78.0.1/24 dev br0 && ip -n "$NS_C" addr add 10.78.0.2/24 dev ${P}a &&
ip -n "$NS_S" link set br0 up && ip -n "$NS_S" link set ${P}b up &&
ip -n "$NS_C" link set ${P}a up && ip -n "$NS_S" link set lo up && ip -n "$NS_C" link set lo up ||
	{ echo "bench/record.sh: cannot build the topology"; exit 1; }
ip netns exec "$NS_S" iperf3 -s -D -1 >/dev/null 2>&1 || true

# One flood; prints packets per second sent by the client.
flood() {
	ip netns exec "$NS_S" iperf3 -s -1 >/dev/null 2>&1 &
	local srv=$!
	sleep 0.3
	ip netns exec "$NS_C" iperf3 -c 10.78.0.1 -u -b 0 -l 64 -t "$SECS" --json >"$TMP/iperf.json" 2>/dev/null
	wait $srv 2>/dev/null
	python3 -c "
import json
j = json.load(open('$TMP/iperf.json'))
s = j['end']['sum']
print(int(s['packets'] / s['seconds']))" 2>/dev/null || echo 0
}

# Sum a per-CPU stats key over a trace.dat file's CPUSTAT options.
stat_sum() { trace-cmd report --stat "$1" 2>/dev/null | awk -v k="$2" 'index($0, k) == 1 { s += $NF } END { print s + 0 }'; }


read -r -a RARGS <<<"${BENCH_RECORD_ARGS:-}"
# record_case NAME ARGS...: one flood under skbtrail-record ARGS (default buffer); its packet
# rate, the events it read and lost, its CPU time while it read the flood, its file's size
# and its time from SIGINT to exit.
record_case() {
	local name=$1 cpu0 cpu pps t0 fin ev lost mb
	shift
	"$RECORD" -o "$TMP/skbt.dat" -b "$KB" "$@" "${RARGS[@]}" 2>"$TMP/skbt.err" &
	BG=$!
	wait_rec "$TMP/skbt.err" "recording to"
	sleep 0.2	# the node context is taken as tracing starts: not the reader's cost
	cpu0=$(awk '{ print $14 + $15 }' "/proc/$BG/stat" 2>/dev/null || echo 0)
	pps=$(flood)
	# utime + stime of all its threads, in clock ticks, while it read the flood
	cpu=$(( $(awk '{ print $14 + $15 }' "/proc/$BG/stat" 2>/dev/null || echo 0) - cpu0 ))
	t0=$(date +%s.%N)
	kill -INT $BG; wait $BG; BG=
	fin=$(python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" \
		"$t0" "$(date +%s.%N)")
	ev=$(stat_sum "$TMP/skbt.dat" "read events:")
	lost=$(sed -n 's/.*lost events: \([0-9]*\)$/\1/p' "$TMP/skbt.err")
	mb=$(( $(stat -c %s "$TMP/skbt.dat" 2>/dev/null || echo 0) / 1048576 ))
	printf '%-16s %12s %9s%% %12s %10s %10s %8s\n' "$name" "$pps" \
		$(( base ? (base - pps) * 100 / base : 0 )) "$ev" "${lost:-?}" "$mb" "$fin"
	echo "$name $pps ${lost:-0} $ev $cpu" >>"$TMP/results"
	if [ -n "${BENCH_KEEP:-}" ] && [ "$name" = skbtrail-record ]; then
		mv "$TMP/skbt.dat" "$BENCH_KEEP/skbt.dat"
	else
		rm -f "$TMP/skbt.dat"
	fi
}

# floor_case: the floor, the events on in an instance of our own (a new name: never one we did
# not make), nobody reading.
floor_case() {
	local fl=/sys/kernel/tracing/instances/skbtbench-floor-$$ e pps ev
	if ! mkdir "$fl"; then
		echo "bench/record.sh: cannot make $fl: no floor this round" >&2
		return
	fi
	echo "$KB" >"$fl/buffer_size_kb" && echo mono >"$fl/trace_clock" &&
		for e in "${EVENTS[@]}"; do echo 1 >"$fl/events/${e%%:*}/${e#*:}/enable"; done &&
		echo 1 >"$fl/tracing_on"
	pps=$(flood)
	for e in "${EVENTS[@]}"; do echo 0 >"$fl/events/${e%%:*}/${e#*:}/enable"; done
	ev=$(awk '/^entries:/ { s += $2 } /^overrun:/ { s += $2 } END { print s + 0 }' "$fl"/per_cpu/cpu*/stats)
	rmdir "$fl"
	printf '%-16s %12s %9s%% %12s %10s %10s\n' floor "$pps" \
		$(( base ? (base - pps) * 100 / base : 0 )) "$ev" - -
	echo "floor $pps 0 $ev" >>"$TMP/results"
}

printf '%-16s %12s %10s %12s %10s %10s %8s\n' case packets/s cost events lost MB "final s"
for run in $(seq 1 "$RUNS"); do
	base=$(flood)
	printf '%-16s %12s %10s %12s %10s %10s\n' untraced "$base" - - - -
	echo "untraced $base 0 0" >>"$TMP/results"

	record_case skbtrail-record
	floor_case
	record_case lean --events lean

	rm -rf "$TMP/flight"
	mkdir "$TMP/flight"
	"$RECORD" --flight "${SECS}s" -o "$TMP/flight" 2>"$TMP/flight.err" &
	BG=$!
	wait_rec "$TMP/flight.err" "flight recorder: keeping"
	pps=$(flood)
	kill -INT $BG; wait $BG; BG=
	printf '%-16s %12s %9s%% %12s %10s %10s\n' flight "$pps" \
		$(( base ? (base - pps) * 100 / base : 0 )) - - "$(ls "$TMP/flight" | wc -l) files"
	echo "flight $pps 0 0" >>"$TMP/results"

	targs=()
	for e in "${EVENTS[@]}"; do targs+=(-e "$e"); done
	(cd "$TMP" && exec trace-cmd record -d --no-filter -q -B "skbtbench$$" -b "$KB" -C mono \
		"${targs[@]}" -o "$TMP/tc.dat" >"$TMP/tc.out" 2>&1) &
	BG=$!
	wait_tc "/sys/kernel/tracing/instances/skbtbench$$"
	pps=$(flood)
	kill -INT $BG; wait $BG; BG=
	ev=$(stat_sum "$TMP/tc.dat" "read events:")
	lost=$(( $(stat_sum "$TMP/tc.dat" "overrun:") + $(stat_sum "$TMP/tc.dat" "dropped events:") ))
	mb=$(( $(stat -c %s "$TMP/tc.dat" 2>/dev/null || echo 0) / 1048576 ))
	printf '%-16s %12s %9s%% %12s %10s %10s\n' "trace-cmd" "$pps" \
		$(( base ? (base - pps) * 100 / base : 0 )) "$ev" "$lost" "$mb"
	echo "trace-cmd $pps $lost $ev" >>"$TMP/results"
	rm -f "$TMP/tc.dat"
	[ -d "/sys/kernel/tracing/instances/skbtbench$$" ] && rmdir "/sys/kernel/tracing/instances/skbtbench$$" 2>/dev/null
done
echo
echo "median of $RUNS rounds (packets/s, min-max; lost = total over all rounds):"
python3 - "$TMP/results" "$(getconf CLK_TCK)" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
tck = int(sys.argv[2])
med = lambda case: statistics.median(int(r[1]) for r in rows if r[0] == case)
base, floor = med('untraced'), med('floor')
print('%-16s %12s %17s %8s %10s %12s' % ('case', 'packets/s', 'min-max', 'cost',
                                        'vs floor', 'lost events'))
for case in ('untraced', 'floor', 'skbtrail-record', 'lean', 'flight', 'trace-cmd'):
    v = [int(r[1]) for r in rows if r[0] == case]
    pps = statistics.median(v)
    lost = '-' if case in ('untraced', 'floor') else str(sum(int(r[2]) for r in rows if r[0] == case))
    cost = '-' if case == 'untraced' else '%.1f%%' % (100 * (base - pps) / base)
    vsf = '-' if case in ('untraced', 'floor') else '%+.1f%%' % (100 * (pps - floor) / floor)
    print('%-16s %12d %17s %8s %10s %12s' % (case, pps, '%d-%d' % (min(v), max(v)), cost, vsf, lost))
rec = [r for r in rows if r[0] == 'skbtrail-record' and len(r) > 4 and int(r[3])]
if rec:
    print('skbtrail-record CPU time: %.2f s per million events (median of %d rounds)' %
          (statistics.median(int(r[4]) / tck / (int(r[3]) / 1e6) for r in rec), len(rec)))
PY
echo "(per-CPU buffer ${KB} KB for both, ${SECS} s UDP flood 64-byte datagrams over veth+bridge," \
	"events: ${EVENTS[*]}, clock mono)"

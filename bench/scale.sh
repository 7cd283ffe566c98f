#!/bin/bash
# How analysis time and memory grow with trace length and with the number of CPUs in the file.
# From one recorded v6 trace (BENCH_TRACE=FILE, or a short flood recorded here as in
# bench/analyze.sh), bench/scale.py assembles, from the SCALE_SECONDS of it that hold the most
# events (--busiest: the recording starts a second before the flood):
# (bench/analyze.sh's iperf3 flood with --events full records about 1.7 M events/s on this
# 2-vCPU machine: 0.25 s hold about 460,000 events)
#   default set (SCALE_SECONDS default 0.5):
#     len-1x, len-4x, len-16x   the slice repeated 1, 4, 16 times in time order on its own CPUs
#     cpus-4, cpus-8, cpus-16   the slice laid on 4, 8, 16 CPUs at once (2, 4, 8 copies
#                               overlapping in time: the merge sees that many busy CPUs)
#   SCALE_SET=big (issue 21, SCALE_SECONDS default 0.25):
#     cpus-2                    the slice itself
#     len-32x, len-64x, len-128x  on 2 CPUs, as many events as cpus-64, cpus-128, cpus-256
#     cpus-64, cpus-128, cpus-256
# (each copy laid on its own CPUs has skb addresses of its own: see bench/scale.py)
# and runs skbtrail-analyze --top 10 on each, SCALE_RUNS rounds (default 3) interleaved (every
# file once per round: load on the machine hits all files alike).  Prints the best and the
# median wall time, the median CPU time (user + system), ns/event of best and median wall
# time, the peak RSS of all runs (getrusage of the child) and the journeys the analyzer found.
# Linear means a flat ns/event column.  A benchmark, not a test, with one check: every file's
# journeys and events must be the slice's times its copies; a mismatch prints a FAIL line and
# the script exits 1.
set -u
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ANALYZE=$ROOT/$B/skbtrail-analyze
SET=${SCALE_SET:-default}
case $SET in
default) SECS=${SCALE_SECONDS:-0.5}
	FILES="len-1x:--copies=1 len-4x:--copies=4 len-16x:--copies=16 cpus-4:--cpus=4 cpus-8:--cpus=8 cpus-16:--cpus=16" ;;
big)	SECS=${SCALE_SECONDS:-0.25}
	FILES="cpus-2:--cpus=2 len-32x:--copies=32 len-64x:--copies=64 len-128x:--copies=128 cpus-64:--cpus=64
		cpus-128:--cpus=128 cpus-256:--cpus=256" ;;
*)	echo "bench/scale.sh: SCALE_SET is default or big"; exit 1 ;;
esac
RUNS=${SCALE_RUNS:-3}
TMP=$(mktemp -d /tmp/skbt-scale.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT

TRACE=${BENCH_TRACE:-}
if [ -z "$TRACE" ]; then
	if [ "$(id -u)" != 0 ]; then echo "bench/scale.sh: SKIP (not root; or give BENCH_TRACE=FILE)"; exit 0; fi
	command -v iperf3 >/dev/null ||
		{ echo "bench/scale.sh: SKIP (no iperf3 for the flood: make deps-bench)"; exit 0; }
	# a short flood is enough: the slice (its busiest seconds) is what gets repeated
	BENCH_MIN_EVENTS=1 BENCH_ONLY_RECORD="$TMP/base.dat" bash "$ROOT/bench/analyze.sh" >/dev/null &&
		[ -s "$TMP/base.dat" ] || { echo "bench/scale.sh: cannot record"; exit 1; }
	TRACE=$TMP/base.dat
fi

names=
for spec in $FILES; do
	f=${spec%%:*}
	# scale.py ends with "K copies": the number of copies of the slice in the file
	python3 "$ROOT/bench/scale.py" "$TRACE" "$TMP/$f.dat" --seconds "$SECS" --busiest "${spec#*:}" |
		awk '{ print $(NF - 1) }' >"$TMP/$f.copies" && [ -s "$TMP/$f.copies" ] || exit 1
	"$ANALYZE" --json - --top 0 "$TMP/$f.dat" 2>/dev/null | python3 -c \
		'import json,sys; d=json.load(sys.stdin); t=d["trace"]
print(t["events_total"], t["cpus"], d["journeys"]["seen"])' >"$TMP/$f.n" || exit 1
	names="$names $f"
done

# one run: wall seconds (monotonic clock), the child's peak RSS in KB and its CPU seconds (user +
# system: less disturbed than wall time when the machine is shared), appended to $f.runs
measure() {
	python3 - "$ANALYZE" "$1" <<'PY' >>"$TMP/$2.runs" || exit 1
import resource, subprocess, sys, time
# children's CPU time before the run is not zero: python3 may have waited for some at start-up
# (their peak RSS, a few MB, is far below the analyzer's, which is what ru_maxrss then shows)
u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t = time.monotonic()
subprocess.run([sys.argv[1], "--top", "10", sys.argv[2]], stdout=subprocess.DEVNULL, check=True)
t = time.monotonic() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f %d %.4f" % (t, u.ru_maxrss, u.ru_utime + u.ru_stime - u0.ru_utime - u0.ru_stime))
PY
}
for r in $(seq 1 "$RUNS"); do
	for f in $names; do
		cat "$TMP/$f.dat" >/dev/null	# page cache warm
		measure "$TMP/$f.dat" "$f"
	done
done

printf '%-9s %5s %11s %6s %8s %8s %8s %9s %9s %9s %9s\n' file cpus events MB best median cpu \
	"ns/ev b" "ns/ev m" "peak RSS" journeys
med() {	# med COLUMN FILE: median of that column
	sort -n -k"$1" "$2" | awk -v k="$1" '{ v[NR] = $k }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for f in $names; do
	read -r ev cpus jn <"$TMP/$f.n"
	sort -n "$TMP/$f.runs" | awk -v f="$f" -v c="$cpus" -v n="$ev" -v m="$(med 1 "$TMP/$f.runs")" \
		-v cpu="$(med 3 "$TMP/$f.runs")" -v mb="$(( $(stat -c %s "$TMP/$f.dat") >> 20 ))" -v j="$jn" '
		NR == 1 { b = $1 }
		{ if ($2 > r) r = $2 }
		END { printf "%-9s %5d %11d %6d %8.3f %8.3f %8.3f %9.1f %9.1f %6.1f MB %9d\n", f, c, n, mb,
			b, m, cpu, b * 1e9 / n, m * 1e9 / n, r / 1024, j }'
done

# Every file is whole copies of the slice, each with skb addresses of its own or apart in time
# (bench/scale.py): its journeys and events are the slice's times the copies, exactly (no
# journey is cut at a copy's edge: each copy holds the slice whole).  More or fewer means the
# analyzer joined or split journeys across copies.
first=${names# }
first=${first%% *}
read -r ev1 _ jn1 <"$TMP/$first.n"
k1=$(cat "$TMP/$first.copies")
bad=0
for f in $names; do
	read -r ev _ jn <"$TMP/$f.n"
	k=$(cat "$TMP/$f.copies")
	if [ $(( ev * k1 )) -ne $(( ev1 * k )) ] || [ $(( jn * k1 )) -ne $(( jn1 * k )) ]; then
		echo "FAIL: $f: $jn journeys and $ev events, expected $(( jn1 * k / k1 )) and" \
			"$(( ev1 * k / k1 )) ($k copies of $first's $(( jn1 / k1 )) and $(( ev1 / k1 )))"
		bad=1
	fi
done
[ $bad = 0 ] && echo "journeys and events of every file: the slice's ($(( jn1 / k1 )) journeys," \
	"$(( ev1 / k1 )) events) times its copies, as expected"
exit $bad

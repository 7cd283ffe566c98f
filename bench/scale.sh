#!/bin/bash
# How analysis time and memory grow with trace length and with the number of CPUs in the file.
# From one recorded v6 trace (BENCH_TRACE=FILE, or a short flood recorded here as in
# bench/analyze.sh), bench/scale.py assembles:
#   len-1x, len-4x, len-16x   the first SCALE_SECONDS (default 2) s of it repeated 1, 4, 16 times
#                             in time order on its own CPUs
#   cpus-4, cpus-8, cpus-16   the same slice laid on 4, 8, 16 CPUs at once (2, 4, 8 copies
#                             overlapping in time: the merge sees that many busy CPUs)
# and runs skbtrail-analyze on each (best of SCALE_RUNS, default 3; peak RSS by
# /usr/bin/time -v).  Linear means a flat ns/event column.  A benchmark, not a test.
set -u
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ANALYZE=$ROOT/$B/skbtrail-analyze
SECS=${SCALE_SECONDS:-2}
RUNS=${SCALE_RUNS:-3}
TMP=$(mktemp -d /tmp/skbt-scale.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT

[ -x /usr/bin/time ] || { echo "bench/scale.sh: SKIP (no /usr/bin/time)"; exit 0; }
TRACE=${BENCH_TRACE:-}
if [ -z "$TRACE" ]; then
	if [ "$(id -u)" != 0 ]; then echo "bench/scale.sh: SKIP (not root; or give BENCH_TRACE=FILE)"; exit 0; fi
	# a short flood is enough: the slice is what gets repeated
	BENCH_MIN_EVENTS=1 BENCH_ONLY_RECORD="$TMP/base.dat" bash "$ROOT/bench/analyze.sh" >/dev/null ||
		{ echo "bench/scale.sh: cannot record"; exit 1; }
	TRACE=$TMP/base.dat
fi

build() { python3 "$ROOT/bench/scale.py" "$TRACE" "$TMP/$1.dat" --seconds "$SECS" "${@:2}" >/dev/null ||
	exit 1; }
build len-1x --copies 1
build len-4x --copies 4
build len-16x --copies 16
build cpus-4 --cpus 4
build cpus-8 --cpus 8
build cpus-16 --cpus 16

printf '%-9s %5s %11s %9s %9s %10s %9s\n' file cpus events MB seconds ns/event "peak RSS"
for f in len-1x len-4x len-16x cpus-4 cpus-8 cpus-16; do
	file=$TMP/$f.dat
	cat "$file" >/dev/null	# page cache warm
	n=$("$ANALYZE" --json - --top 0 "$file" 2>/dev/null | python3 -c \
		'import json,sys; t=json.load(sys.stdin)["trace"]; print(t["events_total"], t["cpus"])')
	best=999999 rss=0
	for r in $(seq 1 "$RUNS"); do
		/usr/bin/time -v "$ANALYZE" --top 10 "$file" >/dev/null 2>"$TMP/time" || exit 1
		t=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time" |
			awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
		m=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time")
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
		[ "$m" -gt "$rss" ] && rss=$m
	done
	read -r ev cpus <<<"$n"
	awk -v f="$f" -v c="$cpus" -v n="$ev" -v mb="$(( $(stat -c %s "$file") >> 20 ))" -v t="$best" \
		-v r="$rss" 'BEGIN { printf "%-9s %5d %11d %9d %9.2f %10.1f %6.1f MB\n", f, c, n, mb, t,
		t * 1e9 / n, r / 1024 }'
	rm -f "$file"
done

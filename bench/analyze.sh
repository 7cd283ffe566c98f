#!/bin/bash
# Analyzer benchmark: on one trace of at least BENCH_MIN_EVENTS events (default 10 million),
# recorded here by skbtrail-record from a UDP flood over veth + Linux bridge in two network
# namespaces (or given as BENCH_TRACE=FILE), measure in one run and on the same file:
#   skbtrail-analyze (text), skbtrail-analyze --json, trace-cmd report > /dev/null,
#   and bench/walk's bare kbuffer walk (the floor of any reader).
# The recording is v6 (uncompressed); BENCH_TRACE may be v7 (then no bare walk).
# Prints events/s, the ratios and peak RSS (/usr/bin/time -v).  A benchmark, not a test.
set -u
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ANALYZE=$ROOT/$B/skbtrail-analyze
RECORD=$ROOT/$B/skbtrail-record
WALK=$ROOT/$B/bench-walk
MIN_EVENTS=${BENCH_MIN_EVENTS:-10000000}
TMP=$(mktemp -d /tmp/skbt-abench.XXXXXX)
P=skba$$
cleanup() {
	ip netns pids ${P}s 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del ${P}c 2>/dev/null
	ip netns del ${P}s 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

[ -x /usr/bin/time ] || { echo "bench/analyze.sh: SKIP (no /usr/bin/time: apt-get install time)"; exit 0; }
[ -n "${BENCH_TRACE:-}" ] || command -v iperf3 >/dev/null ||
	{ echo "bench/analyze.sh: SKIP (no iperf3 for the flood: make deps-bench)"; exit 0; }
make -s -C "$ROOT" "$B/bench-walk" >/dev/null || exit 1

events_of() {	# events_of FILE -> total events per the analyzer
	"$ANALYZE" --json - --top 0 "$1" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["trace"]["events_total"])'
}

record_flood() {	# record_flood SECONDS FILE
	ip netns add ${P}c && ip netns add ${P}s &&
	ip link add ${P}a netns ${P}c type veth peer name ${P}b netns ${P}s &&
	ip -n ${P}s link add br0 type bridge && ip -n ${P}s link set ${P}b master br0 &&
	ip -n ${P}s addr add 10.79.0.1/24 dev br0 && ip -n ${P}c addr add 10.79.0.2/24 dev ${P}a &&
	ip -n ${P}s link set br0 up && ip -n ${P}s link set ${P}b up &&
	ip -n ${P}c link set ${P}a up || return 1
	ip netns exec ${P}s iperf3 -s -1 >/dev/null 2>&1 &
	sleep 0.3
	# v6, uncompressed: the bare kbuffer walk reads raw sub-buffers (the v7 default is zstd)
	"$RECORD" -o "$2" --format v6 --events full -b 65536 >"$TMP/record.log" 2>&1 &
	local rec=$!
	sleep 1
	local sent=0
	ip netns exec ${P}c iperf3 -c 10.79.0.1 -u -b 0 -l 64 -t "$1" >"$TMP/iperf.log" 2>&1 || sent=1
	kill -INT $rec; wait $rec
	ip netns del ${P}c; ip netns del ${P}s
	# without the flood the file holds the node's idle chatter: a benchmark of nothing
	[ $sent = 0 ] || { echo "bench/analyze.sh: iperf3 failed: $(tail -n 1 "$TMP/iperf.log")" >&2; return 1; }
}

TRACE=${BENCH_TRACE:-}
if [ -z "$TRACE" ]; then
	if [ "$(id -u)" != 0 ]; then echo "bench/analyze.sh: SKIP (not root; or give BENCH_TRACE=FILE)"; exit 0; fi
	TRACE=$TMP/flood.dat
	secs=6
	for try in 1 2 3; do
		record_flood $secs "$TRACE" || { echo "bench/analyze.sh: cannot record"; exit 1; }
		n=$(events_of "$TRACE")
		echo "recorded ${secs}s flood: $n events, $(du -h "$TRACE" | cut -f1)"
		[ "$n" -ge "$MIN_EVENTS" ] && break
		secs=$(( secs * MIN_EVENTS / (n + 1) + 2 ))
	done
fi
# BENCH_ONLY_RECORD=FILE: record (BENCH_MIN_EVENTS), move it there, stop (bench/scale.sh)
if [ -n "${BENCH_ONLY_RECORD:-}" ]; then mv "$TRACE" "$BENCH_ONLY_RECORD"; exit; fi
N=$(events_of "$TRACE")
echo "trace: $TRACE, $N events, $(du -h "$TRACE" | cut -f1)"
cat /proc/sys/vm/drop_caches >/dev/null 2>&1
cat "$TRACE" >/dev/null	# page cache warm for everyone

measure() {	# measure NAME CMD... -> "seconds rss_kb"
	local name=$1
	shift
	/usr/bin/time -v "$@" >/dev/null 2>"$TMP/$name.time"
	local wall rss
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/$name.time" |
		awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/$name.time")
	echo "$wall $rss"
}

read -r t_text r_text < <(measure text "$ANALYZE" --top 10 "$TRACE")
read -r t_json r_json < <(measure json "$ANALYZE" --json - "$TRACE")
read -r t_tc r_tc < <(measure tc trace-cmd report "$TRACE")
walk_out=$("$WALK" -r 3 "$TRACE" 2>&1)
walk_meps=$(echo "$walk_out" | sed -n 's/^bare kbuffer walk:.* \([0-9.]*\) M events\/s.*/\1/p')
echo "$walk_out" | sed 's/^/  walk: /'

python3 - "$N" "$t_text" "$r_text" "$t_json" "$r_json" "$t_tc" "$r_tc" "${walk_meps:-0}" <<'PY'
import sys
n = int(sys.argv[1])
t_text, r_text, t_json, r_json, t_tc, r_tc = map(float, sys.argv[2:8])
walk = float(sys.argv[8]) * 1e6	# events/s of the bare walk (0: not measured, e.g. compressed)
rate = lambda t: n / t if t > 0 else float("inf")
print(f"{'reader':34} {'seconds':>8} {'Mevents/s':>10} {'peak RSS':>10}")
for name, t, r in (("skbtrail-analyze (text)", t_text, r_text),
                   ("skbtrail-analyze --json", t_json, r_json),
                   ("trace-cmd report > /dev/null", t_tc, r_tc)):
    print(f"{name:34} {t:8.2f} {rate(t)/1e6:10.2f} {r/1024:8.1f} MB")
if walk:
    print(f"{'bare kbuffer walk (bench/walk)':34} {n / walk:8.2f} {walk/1e6:10.2f}")
print(f"ratio analyzer/trace-cmd: {t_tc / t_text:.1f}x (target >= 20x)")
if walk:
    print(f"ratio analyzer/bare walk: {rate(t_text) / walk:.2f} (target >= 0.5)")
print(f"peak RSS analyzer: {r_text/1024:.1f} MB (target < 64 MB)")
PY

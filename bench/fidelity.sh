#!/bin/bash
# The fidelity matrix's event sets (tests/live/fidelity.sh) on a flood: a UDP flood over veth +
# Linux bridge (IP on the bridge, two network namespaces) recorded once per set, each trace
# holding at least BENCH_MIN_EVENTS events (default 1 million), then on each file:
# skbtrail-analyze (text report) against `trace-cmd report > /dev/null` (ratio, target >= 20x),
# and the journeys on the bridge path against the datagrams that reached the socket.
#   BENCH_MIN_EVENTS  events per trace (default 1000000)
#   BENCH_SETS        sets to run (default: all seven)
#   BENCH_KEEP=DIR    keep the traces there
#   BENCH_RECORD_ARGS extra skbtrail-record options (e.g. "--format v6")
#   BENCH_RUNS        analyzer runs per file (default 7: the median and the best are printed)
#   BENCH_TC_RUNS     trace-cmd report runs per file (default 3: the median is the ratio's base)
# A benchmark, not a test.  Sets:
#   rec-default  skbtrail-record                  tc-four  trace-cmd record -e the four core events
#   rec-full     skbtrail-record --events full    tc-xmit  ... net_dev_xmit instead of net_dev_queue
#   rec-dev      skbtrail-record --dev A,B,BR     tc-rx    ... netif_rx, netif_receive_skb only
#                                                 tc-free  ... the four + consume_skb, kfree_skb
# trace-cmd records into its own instance with skbtrail-record's buffer size and the mono clock.
set -u
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
ANALYZE=$ROOT/$B/skbtrail-analyze
RECORD=$ROOT/$B/skbtrail-record
MIN_EVENTS=${BENCH_MIN_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-7}
TC_RUNS=${BENCH_TC_RUNS:-3}
SETS=${BENCH_SETS:-rec-default rec-full rec-dev tc-four tc-xmit tc-rx tc-free}
KB=$(sed -n 's/^#define SKBT_BUDGET_DEFAULT_KB[[:space:]]*\([0-9]*\).*/\1/p' "$ROOT/include/skbtrail/budget.h")
read -r -a RARGS <<<"${BENCH_RECORD_ARGS:-}"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3	# a pyenv shim takes seconds to start

if [ "$(id -u)" != 0 ]; then echo "bench/fidelity.sh: SKIP (not root)"; exit 0; fi
# a trace is kept only where it can be: say so now, not after a minute of flood
if [ -n "${BENCH_KEEP:-}" ] && ! mkdir -p "$BENCH_KEEP"; then
	echo "bench/fidelity.sh: BENCH_KEEP=$BENCH_KEEP: cannot create it"; exit 1
fi
command -v trace-cmd >/dev/null || { echo "bench/fidelity.sh: SKIP (no trace-cmd)"; exit 0; }
[ -x "$RECORD" ] && [ -x "$ANALYZE" ] || { echo "bench/fidelity.sh: build first"; exit 1; }

P=skbf$$
NA=${P}c NB=${P}s A=${P}a BD=${P}b BR=${P}br
TMP=$(mktemp -d /tmp/skbt-fbench.XXXXXX)
REC=
cleanup() {
	[ -n "$REC" ] && kill -INT "$REC" 2>/dev/null && wait "$REC" 2>/dev/null
	ip netns pids "$NB" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$NA" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	rmdir /sys/kernel/tracing/instances/$P-* 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in "$NA" "$NB"; do
	ip netns add "$ns" && ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 && ip -n "$ns" link set lo up ||
		{ echo "bench/fidelity.sh: cannot create namespaces"; exit 1; }
done
ip link add "$A" netns "$NA" type veth peer name "$BD" netns "$NB" &&
ip -n "$NB" link add "$BR" type bridge stp_state 0 mcast_snooping 0 &&
ip -n "$NB" link set "$BD" master "$BR" && ip -n "$NB" link set "$BD" up && ip -n "$NB" link set "$BR" up &&
ip -n "$NA" link set "$A" up && ip -n "$NA" addr add 10.231.0.1/24 dev "$A" &&
ip -n "$NB" addr add 10.231.0.2/24 dev "$BR" &&
ip -n "$NA" neigh replace 10.231.0.2 dev "$A" nud permanent \
	lladdr "$(ip -n "$NB" -o link show "$BR" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" &&
ip -n "$NB" neigh replace 10.231.0.1 dev "$BR" nud permanent \
	lladdr "$(ip -n "$NA" -o link show "$A" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" ||
	{ echo "bench/fidelity.sh: cannot build the topology"; exit 1; }
PATH_NAME="$BD>$BR"

# flood SECONDS: receiver on CPU 1, sender on CPU 0 as fast as it can; prints
# "sent received socket_drops"
flood() {
	rm -f "$TMP/ready"
	ip netns exec "$NB" taskset -c 1 $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)	# SO_RCVBUFFORCE
s.bind(('10.231.0.2', 7031))
open('$TMP/ready', 'w').close()
s.settimeout(5)
n = 0
try:
    s.recv(2048); n += 1
    s.settimeout(0.5)
    while True:
        s.recv(2048); n += 1
except socket.timeout:
    pass
drops = [int(l.split()[-1]) for l in open('/proc/net/udp') if l.split()[1].endswith(':%04X' % 7031)]
print(n, drops[0] if drops else 0)
" >"$TMP/recv.out" &
	local rpid=$! i
	for i in $(seq 1 200); do [ -e "$TMP/ready" ] && break; sleep 0.02; done
	local sent
	sent=$(ip netns exec "$NA" taskset -c 0 $PY -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
s.connect(('10.231.0.2', 7031))
msg = b'f' * 64
end = time.time() + $1
n = 0
while time.time() < end:
    for i in range(200):
        s.send(msg)
    n += 200
print(n)")
	wait $rpid
	echo "$sent $(cat "$TMP/recv.out")"
}

events_in() { "$ANALYZE" --json - --top 0 "$1" 2>/dev/null | $PY -c '
import json, sys
r = json.load(sys.stdin)
t = r["trace"]
j = sum(p["journeys"] for p in r["paths"] if p["name"] == sys.argv[1])
print(t["events_total"], t["lost_events"] + t["ring_overrun"], j)' "$PATH_NAME"; }

# record SET SECONDS FILE: one flood recorded by that set; prints "sent received drops"
record() {
	local set=$1 secs=$2 file=$3 inst args=() e
	case $set in
	rec-default) args=("$RECORD" -o "$file" "${RARGS[@]}");;
	rec-full) args=("$RECORD" -o "$file" --events full "${RARGS[@]}");;
	rec-dev) args=("$RECORD" -o "$file" --dev "$A,$BD,$BR" "${RARGS[@]}");;
	tc-*)
		args=(trace-cmd record -d --no-filter -q -B "$P-$set" -b "$KB" -C mono)
		case $set in
		tc-four) e="net:netif_rx net:netif_receive_skb napi:napi_poll net:net_dev_queue";;
		tc-xmit) e="net:netif_rx net:netif_receive_skb napi:napi_poll net:net_dev_xmit";;
		tc-rx) e="net:netif_rx net:netif_receive_skb";;
		tc-free) e="net:netif_rx net:netif_receive_skb napi:napi_poll net:net_dev_queue skb:consume_skb skb:kfree_skb";;
		esac
		for e in $e; do args+=(-e "$e"); done
		args+=(-o "$file");;
	esac
	mkdir -p "$TMP/cwd"
	(cd "$TMP/cwd" && exec "${args[@]}") >"$TMP/rec.log" 2>&1 &
	REC=$!
	if [[ $set == tc-* ]]; then
		wait_tc "/sys/kernel/tracing/instances/$P-$set"
	else
		wait_rec "$TMP/rec.log" "recording to"
	fi
	flood "$secs"
	kill -INT $REC
	wait $REC
	REC=
	[[ $set == tc-* ]] && rmdir "/sys/kernel/tracing/instances/$P-$set" 2>/dev/null
	return 0
}

# cpu_wall CMD...: "cpu_seconds wall_seconds" of CMD (user + sys: the machine may be shared)
cpu_wall() {
	local TIMEFORMAT='%U %S %R' t
	t=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
	awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' <<<"$t"
}

echo "flood: python3 UDP sender (64-byte payload) on CPU 0 over veth into a bridge with the IP, path $PATH_NAME;"
echo ">= $MIN_EVENTS events per trace, each set recorded on its own; trace-cmd with -b $KB -C mono"
echo "analyze: CPU (user+sys, median) and wall seconds (median and best of $RUNS); report: CPU and wall, median of $TC_RUNS"
echo "ratio = report wall / analyze wall (median; best): the time the user waits (the analyzer decodes on a"
echo "second thread when it has a second CPU); cpu = report CPU / analyze CPU"
printf '%-12s %5s %9s %6s %7s %6s %6s %7s %6s %7s %7s %6s %8s %8s  %s\n' set secs events MB "an.cpu" wall best "tc.cpu" wall \
	"ratio" "(best)" "(cpu)" journeys arrived lost
for set in $SETS; do
	f=$TMP/$set.dat
	secs=3
	for try in 1 2 3; do
		record "$set" "$secs" "$f" >"$TMP/flood.out"
		read -r sent rcv sdrops <"$TMP/flood.out"
		read -r n lost journeys < <(events_in "$f")
		[ "${n:-0}" -ge "$MIN_EVENTS" ] && break
		secs=$(( secs * MIN_EVENTS * 12 / 10 / (${n:-0} + 1) + 1 ))
		[ "$secs" -gt 60 ] && secs=60
	done
	cat "$f" >/dev/null	# page cache warm for both
	# the median of RUNS runs (a loaded host disturbs some: the median is what a user gets),
	# and the best (what the program can do)
	# trace-cmd's time by the same rule: the median of its runs (one run drew the ratio on
	# whichever side of the host's noise it fell); the two take turns, so that both meet the
	# same stretches of it
	runs= tcs=
	for r in $(seq $(( RUNS > TC_RUNS ? RUNS : TC_RUNS ))); do
		[ "$r" -le "$RUNS" ] && runs="$runs $(cpu_wall "$ANALYZE" --top 10 "$f" | tr ' ' ,)"
		[ "$r" -le "$TC_RUNS" ] && tcs="$tcs $(cpu_wall trace-cmd report "$f" | tr ' ' ,)"
	done
	read -r tc_c tc_w < <($PY -c "
import statistics, sys
runs = [tuple(map(float, x.split(','))) for x in sys.argv[1:]]
print(statistics.median(c for c, w in runs), statistics.median(w for c, w in runs))" $tcs)
	$PY -c "
import statistics, sys
s, secs, n, mb, tc, tw, j, arrived, lost = sys.argv[1:10]
runs = [tuple(map(float, x.split(','))) for x in sys.argv[10:]]
n, tc, tw = int(n), float(tc), float(tw)
ac = statistics.median(c for c, w in runs)
aw = statistics.median(w for c, w in runs)
bw = min(w for c, w in runs)
r = lambda a, b: '%.1fx' % (a / b) if b else '-'
print('%-12s %5s %9d %6.1f %7.2f %6.3f %6.3f %7.2f %6.2f %7s %7s %6s %8s %8s  %s' % (s, secs, n, float(mb), ac, aw,
      bw, tc, tw, r(tw, aw), r(tw, bw), r(tc, ac), j, arrived, lost))" "$set" "$secs" "$n" \
		"$($PY -c "import os; print(os.path.getsize('$f') / 1048576)")" "$tc_c" "$tc_w" "$journeys" \
		"$((rcv + sdrops))" "$lost" $runs
	if [ -n "${BENCH_KEEP:-}" ]; then mv "$f" "$BENCH_KEEP/flood-$set.dat"; else rm -f "$f"; fi
done
echo "(analyze: skbtrail-analyze --top 10 FILE > /dev/null, $RUNS runs; report: trace-cmd report FILE > /dev/null, $TC_RUNS runs;"
echo " ratio target >= 20x; journeys: on $PATH_NAME; arrived: datagrams received + socket drops; load: $(cut -d' ' -f1-3 /proc/loadavg))"

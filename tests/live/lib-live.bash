# Shared helpers of the end-to-end live tests (tests/live/e2e_*.sh).  Sourced after
# tests/lib.sh; not run by itself (tests/run-tests.sh runs only tests/live/*.sh).
#
#   live_init NAME          SKIP and exit when live tests cannot run; sets P (unique short
#                           prefix for namespaces and devices), TMP, and the cleanup trap
#   ns_add NS...            network namespaces, removed at exit (even on failure)
#   veth_pair NSA DEVA NSB DEVB
#   rec_start [ARGS...]     skbtrail-record -o $TMP/t.dat ARGS in the background, waits for its
#                           "recording to" line (wait_recording PID ERRFILE)
#   rec_stop                SIGINT, waits; REC_RC = exit status, REC_LOST = lost events it printed
#   analyze [ARGS...]       skbtrail-analyze --json $TMP/r.json ARGS $TMP/t.dat (status in AN_RC)
#   jr EXPR [FILE]          jq -r EXPR on the report (default $TMP/r.json)
#   udp_recv_start NS IP PORT N SECS [RCVBUF]   python3 receiver counting datagrams until N or
#                           SECS of silence; writes its count to $TMP/recv.<PORT>
#   udp_recv_wait PORT      waits for it, prints the count
#   listening NS u|t PORT   waits until a UDP or TCP socket is bound to PORT in NS
#   tcp_sink_start NS IP PORT   python3 TCP sink counting the bytes of one connection; waits
#                           until it listens.  tcp_sink_wait PORT: waits for it, prints the count
#   udp_send NS IP PORT N PAYLOAD [SPORTS [CPU]]  sends N datagrams of PAYLOAD bytes (paced),
#                           source ports cycling over the comma-separated SPORTS list (0 = any),
#                           pinned to CPU if given
#   check_stage_order       every journey in 'slowest': stages from_hop < to_hop and in hop
#                           order, hop offsets non-decreasing, stage ns == hop time difference
#   time_report NAME        prints "# NAME: ... s" (run time, for the report table)

LIVE_START=$(date +%s.%N)
REC_PID=
BG_PIDS=()
NETNS_LIST=()

live_init() {
	local name=$1 why
	if ! why=$(live_possible); then
		skip "$name: $why"
		exit 0
	fi
	local c
	for c in trace-cmd python3 jq; do
		if ! command -v $c >/dev/null; then
			skip "$name: needs $c"
			exit 0
		fi
	done
	if [ ! -x "$RECORD" ] || [ ! -x "$ANALYZE" ]; then
		skip "$name: build first ($RECORD, $ANALYZE)"
		exit 0
	fi
	# Short unique prefix: device names must stay <= 15 characters.
	P=e$(printf '%x' $(($$ % 65536)))$((RANDOM % 10))
	TMP=$(mktemp -d /tmp/skbt-e2e.XXXXXX)
	trap live_cleanup EXIT
	trap 'exit 130' INT TERM
}

live_cleanup() {
	local p ns
	if [ -n "$REC_PID" ]; then
		kill -INT "$REC_PID" 2>/dev/null
		wait "$REC_PID" 2>/dev/null
	fi
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for ns in "${NETNS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${SKBT_KEEP:-}" ]; then
		echo "# kept $TMP"
	else
		rm -rf "$TMP"
	fi
}

time_report() {
	echo "# $1: run time $(awk -v s="$LIVE_START" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
}

ns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || return 1
		NETNS_LIST+=("$ns")
		# No IPv6: no router solicitations or MLD reports among the counted packets.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
		ip -n "$ns" link set lo up || return 1
	done
}

veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# The MAC address of DEV in NS.
mac_of() {
	ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# Static neighbour entry so no ARP exchange happens while recording.
neigh_static() {		# NS DEV IP PEER_NS PEER_DEV
	ip -n "$1" neigh replace "$3" lladdr "$(mac_of "$4" "$5")" dev "$2" nud permanent
}

# wait_recording PID ERRFILE: the recorder's "recording to FILE; Ctrl-C to stop" line, which
# record/main.c prints once tracing is on.  Its instance's tracing_on alone is not enough: a new
# instance starts with tracing_on 1 until the recorder turns it off to set it up, and a test that
# saw that sent its traffic before the recording began (seen on a loaded CI run).
wait_recording() {
	local i
	for i in $(seq 1 200); do
		grep -q ': recording to .*; Ctrl-C to stop' "$2" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

rec_start() {
	"$RECORD" -o "$TMP/t.dat" "$@" 2>"$TMP/rec.err" &
	REC_PID=$!
	wait_recording $REC_PID "$TMP/rec.err"
}

rec_stop() {
	[ -n "$REC_PID" ] || return 1
	kill -INT "$REC_PID"
	wait "$REC_PID"
	REC_RC=$?
	REC_PID=
	REC_LOST=$(sed -n 's/.*lost events: \([0-9]*\)$/\1/p' "$TMP/rec.err" | tail -1)
	[ "$REC_RC" = 0 ] || { echo "# recorder exit $REC_RC:"; sed 's/^/#   /' "$TMP/rec.err"; }
	[ "$REC_RC" = 0 ]
}

# Flight mode (tests/live/flight*.sh), writing into $DIR.
# flight_start ARGS...: the recorder in the background; waits for its "flight recorder" line
# (after the rate measurement, tracing on, no reader).  With FLIGHT_NETNS=NS it runs in
# network namespace NS the way `nsenter --net` puts a tool into a container's: the mounts,
# /sys included, stay the host's (nsenter execs the recorder: $! is its pid).
flight_start() {
	local run=("$RECORD")
	[ -z "${FLIGHT_NETNS:-}" ] || run=(nsenter --net="/run/netns/$FLIGHT_NETNS" "$RECORD")
	"${run[@]}" -o "$DIR" "$@" 2>"$TMP/rec.err" &
	REC_PID=$!
	local i
	for i in $(seq 1 100); do
		grep -q "flight recorder: keeping" "$TMP/rec.err" && return 0
		kill -0 "$REC_PID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/#   /' "$TMP/rec.err"
	return 1
}
flight_stop() {		# SIG: stop, then nothing of the recorder may be left
	local inst
	inst=$(skbt_instance "$REC_PID")
	kill -"$1" "$REC_PID"
	wait "$REC_PID"
	REC_RC=$?
	REC_PID=
	[ "$REC_RC" = 0 ] && [ ! -e "$inst" ] && ! ls -d "$DIR"/.skbtrail-flight.tmp.* 2>/dev/null
}
files() { ls "$DIR" | grep -c "^skbtrail-.*Z-$1\.dat$"; }	# KIND: files written for it
# The sum over CPUs of column $1 (1 = processed, 2 = dropped, 3 = time_squeeze) of
# /proc/net/softnet_stat (hexadecimal there; global, not by namespace).
softnet_sum() {
	local s=0 l
	while read -r -a l; do s=$((s + 16#${l[$1 - 1]})); done </proc/net/softnet_stat
	echo $s
}
# eth_send NS DEV DSTMAC ETHERTYPE N: N minimal Ethernet frames (60 bytes, zeros after the
# header) of ETHERTYPE from DEV's address to DSTMAC, written to DEV with an AF_PACKET socket.
eth_send() {
	ip netns exec "$1" python3 -c "
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('$2', 0))
f = bytes.fromhex('$3'.replace(':', '')) + s.getsockname()[4] + ($4).to_bytes(2, 'big')
f += bytes(60 - len(f))
for i in range($5):
    s.send(f)
"
}
# Statistic $3 (rx_dropped, ...) of device $2 in namespace $1, as that namespace's sysfs shows it.
dev_stat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }

analyze() {
	"$ANALYZE" --json "$TMP/r.json" -q "$@" "$TMP/t.dat" 2>"$TMP/an.err"
	AN_RC=$?
	[ "$AN_RC" = 0 ] || { echo "# analyzer exit $AN_RC:"; sed 's/^/#   /' "$TMP/an.err"; }
	[ "$AN_RC" = 0 ]
}

jr() { jq -r "$1" "${2:-$TMP/r.json}"; }

# Number of journeys on path $1 (0 when the path is absent).
path_journeys() { jr "[.paths[] | select(.name == \"$1\") | .journeys] | add // 0"; }
# Field $2 of path $1 ("null" when absent).
path_field() { jr "(.paths[] | select(.name == \"$1\") | .$2) // null"; }
# Stage names measured on path $1, sorted, comma-separated.
path_stages() { jr "[.paths[] | select(.name == \"$1\") | .stages[].name] | unique | join(\",\")"; }
# The same without the optional stages $2 (comma-separated; e.g. "stack": a free event is not
# always traced for a packet read by its socket).
path_stages_but() {
	jr "[.paths[] | select(.name == \"$1\") | .stages[].name] | unique - (\"$2\" | split(\",\")) | join(\",\")"
}
# Count of stage $2 on path $1 (sum over endpoints).
stage_count() { jr "[.paths[] | select(.name == \"$1\") | .stages[] | select(.name == \"$2\") | .count] | add // 0"; }
# Minimum of min_ns of stage $2 on path $1.
stage_min() { jr "[.paths[] | select(.name == \"$1\") | .stages[] | select(.name == \"$2\") | .min_ns] | min // -1"; }
# Paths whose name mentions one of our devices (prefix $P), as "name=journeys" lines.
our_paths() { jr ".paths[] | select(.name | test(\"$P\")) | \"\(.name)=\(.journeys)\""; }
# Count of records of event $1 (system:name) in the trace.
ev_count() { jr ".trace.events[\"$1\"] // 0"; }

# use_trace FILE: $TMP/t.dat is FILE from now on (the cached trace-cmd report goes with it)
use_trace() { ln -sf "$1" "$TMP/t.dat" && rm -f "$TMP/report"; }
# tc_report: the path of trace-cmd report's text of $TMP/t.dat, made once per file
tc_report() {
	[ -s "$TMP/report" ] || trace-cmd report "$TMP/t.dat" >"$TMP/report" 2>/dev/null
	echo "$TMP/report"
}

# Count of trace-cmd report lines of event $1 whose dev= is $2.
tc_count() {
	tc_report >/dev/null
	awk -v ev="$1:" -v dev="dev=$2" '$0 ~ " " ev " " { for (i = 1; i <= NF; i++) if ($i == dev) { n++; break } }
		END { print n + 0 }' "$TMP/report"
}

# Count of trace-cmd report kfree_skb lines with reason $2 whose skb was last received on
# device $1 (netif_receive_skb dev=$1 at that address): other namespaces' drops do not count.
tc_drops() {
	tc_report >/dev/null
	awk -v dev="dev=$1" -v why="$2" '
		function addr(   i) { for (i = 1; i <= NF; i++) if (index($i, "skbaddr=") == 1) return substr($i, 9) }
		/ netif_receive_skb: / { last[addr()] = ($0 ~ " " dev " ") }
		/ kfree_skb: / { a = addr(); if (last[a] && $NF == why) n++; delete last[a] }
		/ consume_skb: / { delete last[addr()] }
		END { print n + 0 }' "$TMP/report"
}

udp_recv_start() {		# NS IP PORT N SECS [RCVBUF]
	ip netns exec "$1" python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, ${6:-4194304})  # SO_RCVBUFFORCE: past rmem_max (root)
s.bind(('$2', $3))
s.settimeout($5)
n = 0
try:
    while n < $4:
        s.recv(65536); n += 1
except socket.timeout:
    pass
print(n)
" >"$TMP/recv.$3" &
	BG_PIDS+=($!)
	listening "$1" u "$3"
}

# listening NS u|t PORT: until a UDP (u) or TCP (t) socket is bound to PORT in NS (python3
# may take seconds to start on a loaded machine); 1 after 15 s.
listening() {
	local i
	for i in $(seq 1 300); do
		ip netns exec "$1" ss -Hl"$2"n "sport = :$3" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

tcp_sink_start() {		# NS IP PORT: counts the bytes of one connection into $TMP/tcp.<PORT>
	ip netns exec "$1" python3 -c "
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('$2', $3)); l.listen(1); l.settimeout(10)
c, _ = l.accept(); c.settimeout(10); n = 0
while True:
    d = c.recv(65536)
    if not d: break
    n += len(d)
print(n)
" >"$TMP/tcp.$3" &
	TCP_PID=$!
	BG_PIDS+=($TCP_PID)
	listening "$1" t "$3"
}

tcp_sink_wait() { bg_wait "$TCP_PID" "$TMP/tcp.$1"; cat "$TMP/tcp.$1"; }	# PORT: its count

# bg_wait PID FILE: until the background helper PID wrote FILE (it prints once, at its end)
# or is gone.  Called in $(...) too, whose subshell cannot wait for its parent's children.
bg_wait() {
	while [ ! -s "$2" ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.02
	done
	wait "$1" 2>/dev/null
	return 0
}

udp_recv_wait() {
	bg_wait "${BG_PIDS[-1]}" "$TMP/recv.$1"
	cat "$TMP/recv.$1"
}

udp_send() {			# NS IP PORT N PAYLOAD [SPORTS [CPU]]
	ip netns exec "$1" ${7:+taskset -c $7} python3 -c "
import socket, time
sports = [int(x) for x in '${6:-0}'.split(',')]
socks = []
for sp in sports:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    if sp:
        s.bind(('0.0.0.0', sp))
    socks.append(s)
for i in range($4):
    socks[i % len(socks)].sendto(b'%08d' % i + b'x' * ($5 - 8), ('$2', $3))
    if i % 20 == 19:
        time.sleep(0.005)
"
}

# Stages of the journeys in 'slowest' are in hop order and consistent with the hop times.
# Prints the number of violations (0 = fine) and the first few.
check_stage_order() {
	jq -r '
	  [ .slowest[] as $j
	    | ( $j.stages[]
	        | select(.from_hop >= .to_hop or .to_hop >= ($j.hops | length)
	                 or ($j.hops[.to_hop].offset_ns - $j.hops[.from_hop].offset_ns) != .ns)
	        | "journey \($j.id) stage \(.name) \(.from_hop)->\(.to_hop) ns \(.ns)" ),
	      ( [ $j.stages[].from_hop ] as $f | select($f != ($f | sort)) | "journey \($j.id) stages out of order" ),
	      ( [ $j.hops[].offset_ns ] as $o | select($o != ($o | sort)) | "journey \($j.id) hop offsets decrease" )
	  ] | (length | tostring), .[:5][]' "${1:-$TMP/r.json}"
}

#!/bin/bash
# Live test of skbtrail-record: a veth pair into a Linux bridge with the IP on the bridge, in
# two network namespaces this test creates; bounded UDP traffic; the recording is checked
# with trace-cmd report: every datagram the server received shows netif_rx and
# netif_receive_skb on the receiving veth, then netif_receive_skb on br0 (same skb address),
# and no event was lost.
. "$(dirname "$0")/../lib.sh"

N=${SKBT_TEST_DGRAMS:-200}
PAYLOAD=321			# UDP payload; the receive events report len = 321 + 8 + 20
LEN=$((PAYLOAD + 28))

if ! why=$(live_possible); then
	skip "record_bridge: $why"
	exit 0
fi
if ! command -v trace-cmd >/dev/null || ! command -v python3 >/dev/null; then
	skip "record_bridge: needs trace-cmd and python3"
	exit 0
fi

P=skr$$				# unique prefix: namespaces and devices
NS_C=${P}c NS_S=${P}s
VC=${P}a VS=${P}b		# client end, server end (the receiving veth)
TMP=$(mktemp -d /tmp/skbt-rb.XXXXXX)
REC_PID=

cleanup() {
	[ -n "$REC_PID" ] && kill -INT "$REC_PID" 2>/dev/null && wait "$REC_PID" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

setup() {
	ip netns add "$NS_C" && ip netns add "$NS_S" &&
	ip link add "$VC" netns "$NS_C" type veth peer name "$VS" netns "$NS_S" &&
	ip -n "$NS_S" link add br0 type bridge &&
	ip -n "$NS_S" link set "$VS" master br0 &&
	ip -n "$NS_S" addr add 10.77.0.1/24 dev br0 &&
	ip -n "$NS_C" addr add 10.77.0.2/24 dev "$VC" &&
	ip -n "$NS_S" link set br0 up && ip -n "$NS_S" link set "$VS" up &&
	ip -n "$NS_C" link set "$VC" up && ip -n "$NS_S" link set lo up &&
	ip -n "$NS_C" link set lo up &&
	# Resolve ARP before recording so every datagram goes straight through.
	ip netns exec "$NS_C" ping -c1 -W2 10.77.0.1 >/dev/null 2>&1 ||
	ip -n "$NS_C" neigh replace 10.77.0.1 lladdr \
		"$(ip -n "$NS_S" -o link show br0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" \
		dev "$VC"
}
check "topology: veth into bridge br0 with IP, two namespaces" setup

# Wait until the recorder's instance has tracing on (or the recorder died).
wait_tracing() {
	local pid=$1 i
	for i in $(seq 1 100); do
		[ "$(cat "$(skbt_instance "$pid")"/tracing_on 2>/dev/null)" = 1 ] &&
			return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Receiver in the server namespace: counts datagrams until $N or 3 s of silence.
RECEIVER='
import socket, sys
n_want = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("10.77.0.1", 7777))
s.settimeout(3)
n = 0
try:
    while n < n_want:
        s.recv(2048)
        n += 1
except socket.timeout:
    pass
print(n)
'
SENDER='
import socket, sys, time
n, payload = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"%08d" % i + b"x" * (payload - 8), ("10.77.0.1", 7777))
    if i % 20 == 19:
        time.sleep(0.01)
'

# Record while sending $N datagrams, then check the file (kept as $TMP/last.dat).
# $1: label of the checks; the rest: recorder options.
record_and_check() {
	local t="$1:" rc pid received chains lost overruns
	shift
	"$RECORD" -o "$TMP/t.dat" "$@" 2>"$TMP/rec.err" &
	REC_PID=$!
	check "$t recorder started tracing in its own instance" wait_tracing $REC_PID

	ip netns exec "$NS_S" python3 -c "$RECEIVER" "$N" >"$TMP/count" &
	local recv_pid=$!
	sleep 0.3
	ip netns exec "$NS_C" python3 -c "$SENDER" "$N" "$PAYLOAD"
	wait $recv_pid
	received=$(cat "$TMP/count")
	# A datagram lost before the socket is not the recorder's business: the check below is
	# per datagram the server received.
	check "$t server received datagrams (${received:-0} of $N)" test "${received:-0}" -gt 0

	kill -INT $REC_PID
	wait $REC_PID
	rc=$?
	pid=$REC_PID REC_PID=
	check_eq "$t recorder exit status after SIGINT" 0 "$rc"
	[ "$rc" = 0 ] || cat "$TMP/rec.err"
	check "$t instance removed" test ! -e "$(skbt_instance $pid)"
	check "$t no temporary files left" test -z "$(ls "$TMP" | grep '\.tmp\($\|\.\)')"

	trace-cmd report "$TMP/t.dat" >"$TMP/report" 2>"$TMP/report.err"
	check "$t trace-cmd report reads the file" test $? = 0 -a -s "$TMP/report"

	chains=$(awk -v vs="$VS" -v len="$LEN" '
		function field(name,   i) {
			for (i = 1; i <= NF; i++)
				if (index($i, name "=") == 1) return substr($i, length(name) + 2)
			return ""
		}
		/ netif_rx: / { if (field("dev") == vs && field("len") == len) st[field("skbaddr")] = 1 }
		/ netif_receive_skb: / {
			d = field("dev"); a = field("skbaddr")
			if (d == vs && st[a] == 1) st[a] = 2
			else if (d == "br0" && st[a] == 2) { n++; delete st[a] }
		}
		END { print n + 0 }' "$TMP/report")
	check "$t every received datagram: netif_rx+netif_receive_skb on $VS, netif_receive_skb on br0 ($chains >= ${received:-0})" \
		test "$chains" -ge "${received:-0}"

	lost=$(sed -n 's/.*lost events: \([0-9]*\)$/\1/p' "$TMP/rec.err")
	check_eq "$t recorder reports no lost event" 0 "$lost"
	overruns=$(trace-cmd report --stat "$TMP/t.dat" 2>/dev/null |
		awk '/^overrun:|^dropped events:/ { s += $NF } END { print s + 0 }')
	check_eq "$t CPUSTAT in the file: overrun + dropped" 0 "$overruns"
	check "$t no [EVENTS DROPPED] marker" test -z "$(grep -m1 'EVENTS DROPPED' "$TMP/report")"
	check "$t trace clock recorded as mono" grep -q '\[mono\]' <(trace-cmd dump --options "$TMP/t.dat" 2>&1)
	# v7+zstd (the default): the same events as the file rewritten uncompressed (v6) by
	# trace-cmd convert, for trace-cmd report and for skbtrail-analyze
	check "$t file is v7, zstd" grep -q 'zstd.*\[Compression algorithm\]' \
		<(trace-cmd dump --summary "$TMP/t.dat" 2>&1)
	trace-cmd convert -i "$TMP/t.dat" --file-version 6 --compression none -o "$TMP/t6.dat" \
		>/dev/null 2>&1
	check "$t trace-cmd convert to v6" test -s "$TMP/t6.dat"
	check "$t trace-cmd report: v7 and v6 event lines identical" same_lines "$TMP/t6.dat"
	check "$t skbtrail-analyze: v7 and v6 same event count" same_count "$TMP/t.dat" "$TMP/t6.dat"
	rm -f "$TMP/t6.dat"
	mv "$TMP/t.dat" "$TMP/last.dat"
}

# The event lines of $TMP/report (the v7 file) and of `trace-cmd report $1`: equal, not empty.
same_lines() {
	local re='\[[0-9]{3}\] +[0-9]+\.[0-9]+:'
	grep -E "$re" "$TMP/report" >"$TMP/ev7"
	trace-cmd report "$1" 2>/dev/null | grep -E "$re" >"$TMP/ev6"
	[ -s "$TMP/ev7" ] && cmp -s "$TMP/ev7" "$TMP/ev6"
}
# skbtrail-analyze counts the same (non-zero) number of events in $1 and $2.
same_count() {
	local a b
	a=$("$ANALYZE" "$1" 2>&1 | sed -n 's/^trace:.* \([0-9]*\) events$/\1/p')
	b=$("$ANALYZE" "$2" 2>&1 | sed -n 's/^trace:.* \([0-9]*\) events$/\1/p')
	[ -n "$a" ] && [ "$a" != 0 ] && [ "$a" = "$b" ]
}

record_and_check "default events"

# --dev with every device of the journey: the chains must still be complete, and only the
# listed devices (and the backlog's napi_poll) may appear.
record_and_check "--dev $VS,br0" --dev "$VS,br0"
others=$(grep -E ' (netif_rx|netif_receive_skb|net_dev_queue): ' "$TMP/report" |
	grep -v -e "dev=$VS " -e "dev=br0 " | wc -l)
check_eq "--dev: no event of another device" 0 "$others"
napi_other=$(grep ' napi_poll: ' "$TMP/report" |
	grep -v -e "device (no_device) " -e "device $VS " -e "device br0 " | wc -l)
check_eq "--dev: napi_poll only of listed devices or (no_device)" 0 "$napi_other"
check "--dev: filter stored in the file (skbtrail option)" \
	grep -q "dev_filter=name == \"$VS\" || name == \"br0\"" <(strings "$TMP/last.dat")

#!/bin/bash
# perf.data input: the same traffic recorded by `perf record -a` with the four core
# tracepoints and by skbtrail-record (default set) gives the same journeys.  Topology of
# e2e_2_bridge.sh: veth A -> veth B in bridge BR with the IP; every datagram is one journey on
# path "B>BR" with its backlog stage (netif_rx on B -> netif_receive_skb on B).  Twice: with
# -k mono (the recorder's clock, and a pipe-mode recording beside it) and with perf's default
# clock.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-200}
PAYLOAD=444
PERF_EVENTS=(-e net:netif_receive_skb -e net:netif_rx -e napi:napi_poll -e net:net_dev_queue)

live_init perf_data
if ! command -v perf >/dev/null; then
	skip "perf_data: perf is not installed (Debian: linux-perf)"
	exit 0
fi
if ! perf record -a -o "$TMP/probe.data" -e net:netif_rx -- true >"$TMP/probe.err" 2>&1; then
	skip "perf_data: perf cannot record tracepoints here: $(grep -m1 . "$TMP/probe.err")"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b BR=${P}br
PATH_NAME="$B>$BR"

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NB" link add "$BR" type bridge stp_state 0 mcast_snooping 0 &&
	ip -n "$NB" link set "$B" master "$BR" && ip -n "$NB" link set "$BR" up &&
	ip -n "$NA" addr add 10.203.0.1/24 dev "$A" && ip -n "$NB" addr add 10.203.0.2/24 dev "$BR" &&
	neigh_static "$NA" "$A" 10.203.0.2 "$NB" "$BR" && neigh_static "$NB" "$BR" 10.203.0.1 "$NA" "$A"
}
check "topology: $A ($NA) -> $B in bridge $BR with the IP ($NB)" setup

PERF_PID=
perf_start() {		# OUT [perf options]
	local out=$1 i
	shift
	perf record -a "$@" "${PERF_EVENTS[@]}" -o "$out" >"$TMP/perf.err" 2>&1 &
	PERF_PID=$!
	BG_PIDS+=($PERF_PID)
	# perf writes the header once its events are open; give it a moment past that
	for i in $(seq 1 100); do
		[ -s "$out" ] && { sleep 0.5; return 0; }
		kill -0 $PERF_PID 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
perf_stop() {
	kill -INT $PERF_PID
	wait $PERF_PID
	local rc=$?
	# perf record -a ends on SIGINT with 130 once it wrote the file
	[ $rc = 0 ] || [ $rc = 130 ] || { echo "# perf exit $rc:"; sed 's/^/#   /' "$TMP/perf.err"; return 1; }
	grep -q "Captured and wrote" "$TMP/perf.err"
}

# journeys of our path in report $1 (JSON), as "path=journeys"
paths_of() { jr ".paths[] | select(.name | test(\"$P\")) | \"\(.name)=\(.journeys)\"" "$1" | sort | tr '\n' ' ' | sed 's/ $//'; }
backlog_of() {
	jr "[.paths[] | select(.name == \"$PATH_NAME\") | .stages[] | select(.name == \"backlog\") | \"\(.from.event)(\(.from.dev))->\(.to.event)(\(.to.dev))=\(.count)\"] | join(\" \")" "$1"
}

run_round() {		# LABEL PORT CLOCK [perf options]
	local label=$1 port=$2 clock=$3 received
	shift 3
	rm -f "$TMP/t.dat" "$TMP/p.data"
	check "$label: perf record started" perf_start "$TMP/p.data" "$@"
	if [ -n "${PIPE:-}" ]; then
		# and a pipe-mode recording (perf record -o -) saved to a file
		perf record -a "$@" "${PERF_EVENTS[@]}" -o - >"$TMP/pipe.data" 2>"$TMP/pipe.err" &
		PIPE_PID=$!
		BG_PIDS+=($PIPE_PID)
	fi
	check "$label: skbtrail-record started" rec_start
	check "$label: receiver bound" udp_recv_start "$NB" 10.203.0.2 "$port" "$N" 2
	udp_send "$NA" 10.203.0.2 "$port" "$N" "$PAYLOAD"
	received=$(udp_recv_wait "$port")
	check_eq "$label: receiver counted every datagram" "$N" "$received"
	check "$label: skbtrail-record stopped cleanly" rec_stop
	check "$label: perf record stopped cleanly" perf_stop
	if [ -n "${PIPE:-}" ]; then
		kill -INT $PIPE_PID
		wait $PIPE_PID
		"$ANALYZE" --json "$TMP/rpp.json" -q --dev "$A,$B,$BR" "$TMP/pipe.data" 2>"$TMP/anpp.err"
		check_eq "$label: analyzer read the pipe-mode perf.data" 0 $?
		check_eq "$label: pipe mode: every datagram's journey on $PATH_NAME" \
			"$PATH_NAME=$received" "$(paths_of "$TMP/rpp.json")"
	fi

	"$ANALYZE" --json "$TMP/rp.json" -q --dev "$A,$B,$BR" "$TMP/p.data" 2>"$TMP/anp.err"
	check_eq "$label: analyzer read the perf.data" 0 $?
	[ -s "$TMP/anp.err" ] && sed 's/^/#   /' "$TMP/anp.err"
	"$ANALYZE" --json "$TMP/rt.json" -q --dev "$A,$B,$BR" "$TMP/t.dat" 2>"$TMP/ant.err"
	check_eq "$label: analyzer read the trace.dat" 0 $?

	check_eq "$label: perf.data: every datagram's journey on $PATH_NAME" "$PATH_NAME=$received" \
		"$(paths_of "$TMP/rp.json")"
	check_eq "$label: perf.data: backlog stage of every journey" \
		"netif_rx($B)->netif_receive_skb($B)=$received" "$(backlog_of "$TMP/rp.json")"
	check_eq "$label: perf.data: not incomplete" "false" "$(jr .trace.incomplete "$TMP/rp.json")"
	check_eq "$label: same paths and counts as from the trace.dat" "$(paths_of "$TMP/rt.json")" \
		"$(paths_of "$TMP/rp.json")"
	check_eq "$label: same backlog stage as from the trace.dat" "$(backlog_of "$TMP/rt.json")" \
		"$(backlog_of "$TMP/rp.json")"
	check_eq "$label: clock" "$clock" "$(jr .trace.clock "$TMP/rp.json")"
	echo "# $label: sent $N, received $received, journeys perf.data $(paths_of "$TMP/rp.json"), trace.dat $(paths_of "$TMP/rt.json")"
}

PIPE=1 run_round "-k mono" 7003 mono -k mono
run_round "default clock" 7004 local

# Lost events: a 1 s flood into a 1-page perf buffer.  perf's PERF_RECORD_LOST counts (as
# `perf script -D` prints them) must come out as the report's lost events (but for losses
# after a CPU's last sample), the trace incomplete, journeys near the gaps incomplete.
check "lost: perf record -m 1 started" perf_start "$TMP/lost.data" -k mono -m 1
ip netns exec "$NA" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 1
while time.time() < end:
    s.sendto(b'x' * 100, ('10.203.0.2', 7005))
"
check "lost: perf record stopped cleanly" perf_stop
perf_lost=$(perf script -D -i "$TMP/lost.data" 2>/dev/null | sed -n 's/.*PERF_RECORD_LOST: .*lost:\([0-9]*\).*/\1/p' |
	awk '{ s += $1 } END { print s + 0 }')
"$ANALYZE" --json "$TMP/rl.json" -q "$TMP/lost.data" 2>"$TMP/anl.err"
check_eq "lost: analyzer read the perf.data" 0 $?
if [ "$perf_lost" -gt 0 ]; then
	# losses after a CPU's last sample have no record to mark (as in a trace.dat): <= perf's
	an_lost=$(jr .trace.lost_events "$TMP/rl.json")
	check_eq "lost: trace incomplete" true "$(jr .trace.incomplete "$TMP/rl.json")"
	check "lost: lost events $an_lost of perf's $perf_lost (at least 90 %)" \
		test "$an_lost" -le "$perf_lost" -a $((an_lost * 10)) -ge $((perf_lost * 9))
	check "lost: lost-event markers ($(jr .trace.lost_markers "$TMP/rl.json")), incomplete journeys ($(jr '[.paths[].incomplete] | add' "$TMP/rl.json"))" \
		test "$(jr '[.paths[].incomplete] | add' "$TMP/rl.json")" -gt 0 -a "$(jr .trace.lost_markers "$TMP/rl.json")" -gt 0
else
	skip "lost: perf lost nothing with a 1-page buffer here"
fi

# A cut perf.data: one line, exit 3, no crash
head -c 2000 "$TMP/p.data" >"$TMP/cut.data"
"$ANALYZE" -q "$TMP/cut.data" >/dev/null 2>"$TMP/cut.err"
check_eq "cut perf.data: exit 3" 3 $?
check_eq "cut perf.data: one line naming the file" "1 1" \
	"$(wc -l <"$TMP/cut.err") $(grep -c "cut.data" "$TMP/cut.err")"
time_report perf_data

#!/bin/bash
# Flight recorder (issue 17): skbtrail-record --flight D -o DIR keeps the last D seconds in
# the ring buffers and writes them on a trigger.  veth A (namespace x) -> B (namespace y):
#   1. nothing happens for longer than D: no file;
#   2. N datagrams to a receiver, D + 0.7 s later SIGUSR1 (twice, 0.3 s apart: rate limit):
#      exactly one file, holding every datagram's netif_receive_skb on B, the first one at
#      least D before the signal, the trigger in the report;
#   3. SIGTERM: no instance and no temporary directory left;
#   4. a second recorder with --trigger drop:NO_SOCKET: datagrams to a closed port in y write
#      a *-drop.dat file whose report counts the NO_SOCKET drops on B; more drops within D
#      write nothing (rate limit); SIGINT leaves nothing;
#   5. --max-files 1: a second file removes the recorder's first, not the others in DIR;
#   6. one killed by SIGKILL: its guard removes the instance and writes no file;
#   7. the file's edges (below).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-100}
D=2
live_init flight
NA=${P}x NB=${P}y A=${P}a B=${P}b
DIR=$TMP/fl
mkdir "$DIR"

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.217.0.1/24 dev "$A" && ip -n "$NB" addr add 10.217.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.217.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.217.0.1 "$NA" "$A"
}
check "topology: $A ($NA) -> $B ($NB)" setup

mono() { python3 -c 'import time; print("%.6f" % time.clock_gettime(time.CLOCK_MONOTONIC))'; }

check "recorder started (--flight ${D}s, no reader)" flight_start --flight ${D}s
sed -n 's/^skbtrail-record: \(flight: .*\)/# \1/p' "$TMP/rec.err"
check "the recorder runs no reader thread" \
	test "$(ls /proc/$REC_PID/task | wc -l)" = 1
sleep $((D + 1))
check_eq "nothing happened: no file written" 0 "$(ls "$DIR" | grep -c '\.dat$')"

check "receiver bound" udp_recv_start "$NB" 10.217.0.2 7017 "$N" 2
T_SEND=$(mono)
udp_send "$NA" 10.217.0.2 7017 "$N" 200
check_eq "receiver counted every datagram" "$N" "$(udp_recv_wait 7017)"
sleep $D.7
T_SIG=$(mono)
kill -USR1 "$REC_PID"
sleep 0.3
kill -USR1 "$REC_PID"
for i in $(seq 1 50); do [ "$(files sigusr1)" = 1 ] && break; sleep 0.1; done
sleep 0.5
check_eq "SIGUSR1 twice within ${D}s: exactly one file" 1 "$(files sigusr1)"
check "the second SIGUSR1 was rate-limited" grep -q "trigger sigusr1 ignored" "$TMP/rec.err"
F=$(ls "$DIR"/skbtrail-*-sigusr1.dat | head -1)
ln -sf "$F" "$TMP/t.dat"
check_eq "every datagram's netif_receive_skb on $B is in the file" "$N" \
	"$(tc_count netif_receive_skb "$B")"
FIRST=$(awk '/ netif_receive_skb: / && / dev='"$B"' / { sub(":", "", $3); print $3; exit }' "$TMP/report")
echo "# sent at $T_SEND, signal at $T_SIG, first datagram in the file at $FIRST"
check "the file holds events from at least ${D}s before the signal" \
	awk -v f="$FIRST" -v s="$T_SIG" -v d=$D 'BEGIN { exit !(f != "" && f <= s - d) }'
check "the analyzer reads it" analyze --dev "$A,$B"
check_eq "report: trace.trigger.reason" sigusr1 "$(jr .trace.trigger.reason)"
check_eq "report: a flight file is not incomplete by its overwritten events" false "$(jr .trace.incomplete)"
check "report: trace.trigger.time_ns within 0.5 s of the signal" \
	awk -v t="$(jr .trace.trigger.time_ns)" -v s="$T_SIG" 'BEGIN { exit !(t / 1e9 >= s && t / 1e9 < s + 0.5) }'
"$ANALYZE" --dev "$A,$B" "$TMP/t.dat" >"$TMP/r.txt" 2>/dev/null
check "text report: the trigger near the top" sh -c "head -5 '$TMP/r.txt' | grep -q 'trigger: sigusr1'"
check "text report: the journeys around the trigger listed" grep -q '^journeys around the trigger' "$TMP/r.txt"
check "report: the journeys around SIGUSR1 include datagrams on path $B" \
	test "$(jr '[.around_trigger[] | select(.path == "'"$B"'")] | length')" -ge 1
"$ANALYZE" -q --dev "$A,$B" --html "$TMP/r.html" --perfetto "$TMP/r.pf.json" "$TMP/t.dat" 2>/dev/null
check "HTML summary: the trigger row" grep -q '<th class="l">trigger</th><td class="l">sigusr1 at' "$TMP/r.html"
check_eq "Perfetto: one global trigger marker" 1 \
	"$(jq '[.traceEvents[] | select(.cat == "trigger" and .ph == "i" and .s == "g")] | length' "$TMP/r.pf.json")"
check "SIGTERM: exit 0, no instance, no temporary directory left" flight_stop TERM

rm -f "$TMP/report"
# 8 s here: the rate limit must outlast a second sender's start on a loaded machine
FD=8
check "recorder started (--flight ${FD}s --trigger drop:NO_SOCKET)" flight_start --flight ${FD}s --trigger drop:NO_SOCKET
sleep 1
check_eq "no drop yet: no file" 0 "$(files drop)"
udp_send "$NA" 10.217.0.2 7018 10 200
for i in $(seq 1 50); do [ "$(files drop)" -ge 1 ] && break; sleep 0.1; done
check_eq "datagrams to a closed port: one drop file" 1 "$(files drop)"
T_FILE=$(mono)
udp_send "$NA" 10.217.0.2 7018 10 200
sleep 0.5
echo "# second batch of drops $(awk -v a="$T_FILE" -v b="$(mono)" 'BEGIN { printf "%.2f", b - a }') s after the file"
check_eq "more drops within ${FD}s: rate-limited, still one drop file" 1 "$(files drop)"
check "the recorder said it ignored them" grep -q "trigger drop ignored" "$TMP/rec.err"
F=$(ls "$DIR"/skbtrail-*-drop.dat | head -1)
ln -sf "$F" "$TMP/t.dat"
check "the drop file holds a NO_SOCKET drop of a packet received on $B" \
	test "$(tc_drops "$B" NO_SOCKET)" -ge 1
check "the analyzer reads it" analyze --dev "$A,$B"
check_eq "report: trace.trigger.reason" drop "$(jr .trace.trigger.reason)"
check "report: NO_SOCKET drops" test "$(jr '[.. | objects | select(.reason? == "NO_SOCKET") | .count? // 0] | add // 0')" -ge 1
check "SIGINT: exit 0, no instance, no temporary directory left" flight_stop INT

FD=1
check "recorder started (--flight 1s --max-files 1)" flight_start --flight ${FD:-$D}s --max-files 1
kill -USR1 "$REC_PID"
for i in $(seq 1 50); do [ "$(files sigusr1)" = 2 ] && break; sleep 0.1; done
FIRST_OWN=$(ls "$DIR" | grep -- '-sigusr1\.dat$' | sort | tail -1)
sleep 1.5
kill -USR1 "$REC_PID"
for i in $(seq 1 50); do grep -q "max-files 1: removed" "$TMP/rec.err" && break; sleep 0.1; done
check "--max-files 1: the second file replaced the first" \
	sh -c "[ ! -e '$DIR/$FIRST_OWN' ] && grep -q 'max-files 1: removed .*$FIRST_OWN' '$TMP/rec.err'"
check_eq "--max-files 1: the earlier recorder's file is untouched (2 sigusr1 files)" 2 "$(files sigusr1)"
check "SIGTERM: exit 0, no instance, no temporary directory left" flight_stop TERM

# 7. the edges: a flood that wraps the ring (1 MB per CPU at least, sized while idle) and then
#    SIGUSR1: the report counts the overwritten events exactly (the file's overrun when a
#    CPU's marker could not store its count), marks the journeys cut at the file's start
#    incomplete and ends those cut at its end end_of_trace.
check "recorder started (--flight 1s, the edges)" flight_start --flight 1s
ip netns exec "$NA" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
for i in range(60000):
    s.sendto(b'x' * 64, ('10.217.0.2', 7019))
"
kill -USR1 "$REC_PID"
for i in $(seq 1 50); do [ "$(ls "$DIR" | grep -c -- '-sigusr1\.dat$')" -ge 3 ] && break; sleep 0.1; done
F=$(ls -t "$DIR"/skbtrail-*-sigusr1.dat | head -1)
ln -sf "$F" "$TMP/t.dat"
check "the analyzer reads the wrapped file" analyze --dev "$A,$B"
check "the ring wrapped: overwritten events counted, exactly" \
	test "$(jr .trace.trigger.overwritten_events)" -gt 0 -a "$(jr .trace.trigger.overwritten_at_least)" = false
check "journeys cut at the file's start are marked incomplete" test "$(jr .journeys.incomplete)" -ge 1
check "journeys cut at the file's end end end_of_trace" test "$(jr .journeys.ends.end_of_trace)" -ge 1
check "SIGTERM: exit 0, no instance, no temporary directory left" flight_stop TERM

NFILES=$(ls "$DIR" | grep -c '\.dat$')
check "recorder started again" flight_start --flight ${FD:-$D}s
INST=$(skbt_instance "$REC_PID")
kill -KILL "$REC_PID"
wait "$REC_PID" 2>/dev/null
REC_PID=
for i in $(seq 1 50); do [ -e "$INST" ] || break; sleep 0.1; done
check "SIGKILL: its guard removed the instance" test ! -e "$INST"
check "SIGKILL: no temporary directory left" sh -c "! ls -d '$DIR'/.skbtrail-flight.tmp.* 2>/dev/null"
check_eq "SIGKILL: no file written" "$NFILES" "$(ls "$DIR" | grep -c '\.dat$')"
time_report flight

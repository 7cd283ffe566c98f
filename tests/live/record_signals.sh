#!/bin/bash
# Live test of skbtrail-record's stops and errors: SIGINT, SIGKILL of the recorder (its guard
# finishes the file), SIGKILL of recorder and guard (the next run removes the stale
# instance), --max-size, unwritable output, unknown event, not root, disk full.
. "$(dirname "$0")/../lib.sh"

if ! why=$(live_possible); then
	skip "record_signals: $why"
	exit 0
fi
if ! command -v trace-cmd >/dev/null || ! command -v python3 >/dev/null; then
	skip "record_signals: needs trace-cmd and python3"
	exit 0
fi

NS=sks$$
TMP=$(mktemp -d /tmp/skbt-rs.XXXXXX)
FLOOD_PID=
cleanup() {
	[ -n "$FLOOD_PID" ] && kill "$FLOOD_PID" 2>/dev/null
	mountpoint -q "$TMP/small" && umount "$TMP/small"
	mountpoint -q "$TMP/res" && umount "$TMP/res"
	mountpoint -q "$TMP/ro" && umount "$TMP/ro"
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS" && ip -n "$NS" link set lo up

# UDP over lo in our namespace for $1 seconds (events: net_dev_queue, netif_rx, ...).

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
readable() { trace-cmd report "$1" >"$TMP/report" 2>"$TMP/report.err" && [ -s "$TMP/report" ]; }
# trace.dat version $2 (7: zstd-compressed, the default; 6: --format v6), per trace-cmd dump
is_version() {
	local sum
	sum=$(trace-cmd dump --summary "$1" 2>/dev/null) || return 1
	grep -q "^[[:space:]]*$2[[:space:]]*\[Version\]" <<<"$sum" || return 1
	[ "$2" != 7 ] || grep -q "zstd[[:space:]]*\[Compression algorithm\]" <<<"$sum"
}
analyzable() { "$ANALYZE" -q --json /dev/null "$1" 2>"$TMP/analyze.err"; }
no_instance() { test ! -e "$(skbt_instance "$1")"; }
guard_gone() {
	local i
	for i in $(seq 1 100); do
		pgrep -x "skbtg-$1" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# --- SIGINT -----------------------------------------------------------------------------
flood_start 30 0.001
"$RECORD" -o "$TMP/int.dat" 2>"$TMP/int.err" &
pid=$!
wait_tracing $pid
sleep 1
kill -INT $pid
wait $pid
check_eq "SIGINT: exit status" 0 $?
check "SIGINT: trace-cmd report reads the file" readable "$TMP/int.dat"
check "SIGINT: file has events" grep -q netif_rx "$TMP/report"
check "SIGINT: v7, zstd (the default)" is_version "$TMP/int.dat" 7
check "SIGINT: skbtrail-analyze reads the file" analyzable "$TMP/int.dat"
check "SIGINT: instance removed (tracing off)" no_instance $pid
check "SIGINT: guard exited" guard_gone $pid
check "SIGINT: no spool left" test -z "$(ls "$TMP" | grep 'int\.dat\..*tmp')"

# --- SIGKILL of the recorder: the guard finishes the file ------------------------------
"$RECORD" -o "$TMP/kill.dat" 2>"$TMP/kill.err" &
pid=$!
wait_tracing $pid
sleep 1
kill -KILL $pid
wait $pid 2>/dev/null
check "SIGKILL: guard finished and exited" guard_gone $pid
check "SIGKILL: trace-cmd report reads the file" readable "$TMP/kill.dat"
check "SIGKILL: file has events" grep -q netif_rx "$TMP/report"
check "SIGKILL: v7 assembled by the guard" is_version "$TMP/kill.dat" 7
check "SIGKILL: instance removed by the guard" no_instance $pid
check "SIGKILL: no spool left" test -z "$(ls "$TMP" | grep 'kill\.dat\..*tmp')"

# --- SIGKILL of guard and recorder: the next run removes the stale instance -------------
"$RECORD" -o "$TMP/kill2.dat" 2>"$TMP/kill2.err" &
pid=$!
wait_tracing $pid
# the guard names itself right after fork(), which may run after tracing is on: poll
for _ in $(seq 1 40); do
	gpid=$(pgrep -x "skbtg-$pid") && break
	sleep 0.05
done
check "guard process skbtg-$pid exists" test -n "$gpid"
[ -n "$gpid" ] && kill -KILL $gpid
kill -KILL $pid
wait $pid 2>/dev/null
sleep 0.2
check "double SIGKILL: stale instance left behind" test -e "$(skbt_instance $pid)"
"$RECORD" -o "$TMP/next.dat" -d 0.5 2>"$TMP/next.err"
check_eq "next run: exit status" 0 $?
check "next run: says it removed the stale instance" grep -q "removed stale.*skbtrail-[0-9]*-$pid-" "$TMP/next.err"
check "next run: stale instance gone (tracing off)" no_instance $pid
check "next run: file readable" readable "$TMP/next.dat"

# --- --format v6 ------------------------------------------------------------------------
"$RECORD" -o "$TMP/v6.dat" --format v6 -d 1 2>"$TMP/v6.err"
check_eq "--format v6: exit status" 0 $?
check "--format v6: version 6" is_version "$TMP/v6.dat" 6
check "--format v6: trace-cmd report reads the file" readable "$TMP/v6.dat"
check "--format v6: file has events" grep -q netif_rx "$TMP/report"
check "--format v6: skbtrail-analyze reads the file" analyzable "$TMP/v6.dat"
"$RECORD" -o "$TMP/bad.dat" --format v8 -d 1 2>"$TMP/bad.err"
check_eq "--format v8: exit status (usage)" 2 $?

# --- --max-size -------------------------------------------------------------------------
start=$(date +%s)
"$RECORD" -o "$TMP/max.dat" --max-size 1 -d 60 2>"$TMP/max.err"
rc=$?
check_eq "--max-size: exit status" 0 $rc
check "--max-size: stopped early by size" grep -q "stop: max-size" "$TMP/max.err"
check "--max-size: well before -d" test $(( $(date +%s) - start )) -lt 50
check "--max-size: file readable" readable "$TMP/max.dat"
flood_stop

# --- errors -------------------------------------------------------------------------------
"$RECORD" -o /proc/nope/t.dat -d 1 2>"$TMP/e1.err"
check_eq "unwritable output (/proc/nope): exit status (usage, before tracing)" 2 $?
check "unwritable output: one-line message naming the file" \
	test "$(wc -l <"$TMP/e1.err")" = 1 -a -n "$(grep '/proc/nope/t.dat' "$TMP/e1.err")"
mkdir -p "$TMP/ro" && mount -t tmpfs -o ro,size=1m none "$TMP/ro"
"$RECORD" -o "$TMP/ro/t.dat" -d 1 2>"$TMP/e2.err"
check_eq "read-only directory: exit status (usage, before tracing)" 2 $?
check "read-only directory: message" grep -q "Read-only file system" "$TMP/e2.err"
"$RECORD" -o "$TMP/ev.dat" --events net:no_such_event -d 1 2>"$TMP/e3.err" &
pid=$!
wait $pid
check_eq "unknown event: exit status (usage)" 2 $?
check "unknown event: message" grep -q "unknown event net:no_such_event" "$TMP/e3.err"
check "unknown event: instance removed" no_instance $pid
check "unknown event: no file left" test -z "$(ls "$TMP" | grep '^ev\.dat')"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$RECORD" -o /tmp/x.dat -d 1 \
		2>"$TMP/e4.err"
	check_eq "not root: exit status" 4 $?
	check "not root: message" grep -q "must run as root" "$TMP/e4.err"
else
	skip "not root: no setpriv"
fi

# --- disk full --------------------------------------------------------------------------
mkdir -p "$TMP/small" && mount -t tmpfs -o size=2m none "$TMP/small"
flood_start 30 0.001
"$RECORD" -o "$TMP/small/t.dat" -d 25 --disk-reserve 0 2>"$TMP/full.err" &
pid=$!
wait $pid
rc=$?
flood_stop
check "disk full: non-zero exit ($rc)" test $rc -ne 0
check "disk full: message" grep -q "disk full" "$TMP/full.err"
check "disk full: file readable" readable "$TMP/small/t.dat"
check "disk full: file has events" grep -q netif_rx "$TMP/report"
check "disk full: v7, zstd" is_version "$TMP/small/t.dat" 7
check "disk full: skbtrail-analyze reads the file" analyzable "$TMP/small/t.dat"
check "disk full: no spool left" test -z "$(ls "$TMP/small" | grep 'tmp$')"
check "disk full: instance removed" no_instance $pid
umount "$TMP/small" 2>/dev/null

# --- disk reserve: stop cleanly while the reserve is still free ----------------------
mkdir -p "$TMP/res" && mount -t tmpfs -o size=24m none "$TMP/res"
flood_start 30 0.001
"$RECORD" -o "$TMP/res/t.dat" -d 25 --disk-reserve 16 -b 1024 2>"$TMP/res.err" &
pid=$!
wait $pid
rc=$?
flood_stop
free_kb=$(df -k --output=avail "$TMP/res" | tail -1)
check_eq "disk reserve: exit 0 ($(grep -m1 reserve "$TMP/res.err"))" 0 "$rc"
check "disk reserve: says why it stopped" grep -q "fell below the reserve of 16.0 MB" "$TMP/res.err"
check "disk reserve: stop reason in the summary" grep -q "stop: disk-reserve" "$TMP/res.err"
check "disk reserve: file readable" readable "$TMP/res/t.dat"
check "disk reserve: skbtrail-analyze reads the file" analyzable "$TMP/res/t.dat"
check "disk reserve: the disk never filled (${free_kb} KB free at the end)" test "$free_kb" -gt 4096
check "disk reserve: no spool left" test -z "$(ls "$TMP/res" | grep 'tmp$')"
umount "$TMP/res" 2>/dev/null

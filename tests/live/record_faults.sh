#!/bin/bash
# Live test of skbtrail-record under faults not covered by record_signals.sh: SIGINT and
# SIGTERM at start-up (0-50 ms after exec) and mid-flush (a second signal while a big capture
# is being written out), two recorders at once, and tracefs not mounted (a private mount
# namespace).  After every case: no skbtrail-NS-PID-START instance left (so tracing is off), no guard,
# no spool, and the file, when there is one, read by trace-cmd report and skbtrail-analyze.
. "$(dirname "$0")/../lib.sh"

if ! why=$(live_possible); then
	skip "record_faults: $why"
	exit 0
fi
if ! command -v trace-cmd >/dev/null || ! command -v python3 >/dev/null ||
	! command -v unshare >/dev/null; then
	skip "record_faults: needs trace-cmd, python3 and unshare"
	exit 0
fi

NS=skf$$
TMP=$(mktemp -d /tmp/skbt-rf.XXXXXX)
FLOOD_PID=
MAIN=$BASHPID
cleanup() {
	# a child signalled between fork and exec still runs this trap: only the test itself may
	[ "$BASHPID" = "$MAIN" ] || return 0
	[ -n "$FLOOD_PID" ] && kill "$FLOOD_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS" && ip -n "$NS" link set lo up
INST=/sys/kernel/tracing/instances

# UDP over lo in our namespace for $1 seconds.

wait_tracing() {
	local pid=$1 i
	for i in $(seq 1 200); do
		[ "$(cat "$(skbt_instance "$pid")"/tracing_on 2>/dev/null)" = 1 ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
# wait_exec PID: until PID runs the recorder (a signal before exec would hit the shell's child)
wait_exec() {
	local i
	for i in $(seq 1 2000); do
		[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$(readlink -f "$RECORD")" ] && return 0
		kill -0 "$1" 2>/dev/null || return 1
	done
	return 1
}
# wait_exit PID SECONDS: ST=the status, or "hang" (the recorder is then killed)
wait_exit() {
	local pid=$1 i
	for i in $(seq 1 $(($2 * 10))); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			ST=$?
			return
		fi
		sleep 0.1
	done
	kill -KILL "$pid"; wait "$pid" 2>/dev/null; ST=hang
}
guard_gone() {
	local i
	for i in $(seq 1 100); do
		pgrep -x "skbtg-$1" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}
readable() { trace-cmd report "$1" >"$TMP/report" 2>"$TMP/report.err" && [ -s "$TMP/report" ]; }
analyzable() { "$ANALYZE" -q --json /dev/null "$1" 2>"$TMP/analyze.err"; }
no_spool() { local f; for f in "$TMP/$1".*tmp "$TMP/$1".tmp.*; do [ -e "$f" ] && return 1; done; return 0; }

# after_case WHAT PID FILE STATUS: the checks every case ends with.  Accepted: exit 0 and a
# readable file; or (signal before recording started) a failure status and no file at all.
after_case() {
	local what=$1 pid=$2 file=$3 st=$4 bad=
	guard_gone "$pid" || bad="guard skbtg-$pid still running"
	[ -e "$(skbt_instance "$pid")" ] && bad="$bad; instance $(basename "$(skbt_instance "$pid")") left"
	no_spool "$(basename "$file")" || bad="$bad; spool left"
	if [ "$st" = hang ]; then
		bad="$bad; hang"
	elif [ -e "$file" ]; then
		readable "$file" || bad="$bad; trace-cmd report fails: $(head -c 200 "$TMP/report.err")"
		analyzable "$file" || bad="$bad; skbtrail-analyze fails: $(head -c 200 "$TMP/analyze.err")"
		[ "$st" = 0 ] || bad="$bad; file written but exit $st"
	elif [ "$st" = 0 ]; then
		bad="$bad; exit 0 without a file"
	fi
	if [ -z "$bad" ]; then ok "$what (exit $st$([ -e "$file" ] && echo ", file readable"))"
	else not_ok "$what: ${bad#; }"; fi
}

# --- SIGINT / SIGTERM at start-up ------------------------------------------------------
# Traffic until flood_stop below: the cases up to there took 190 s on a loaded machine, past
# a 120 s flood, and the last ones then recorded nothing to check.
flood_start 900 0
for sig in INT TERM; do
	for ms in 0 5 10 20 30 50 100 250 500 1000; do
		f=$TMP/start-$sig-$ms.dat
		"$RECORD" -o "$f" -d 5 2>"$TMP/start.err" &
		pid=$!
		wait_exec $pid
		[ "$ms" = 0 ] || sleep "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')"
		kill -"$sig" $pid
		wait_exit $pid 30; st=$ST
		after_case "SIG$sig ${ms} ms after exec" $pid "$f" "$st"
	done
done

# --- a second signal mid-flush: a big capture being written out -----------------------
for sig in INT TERM; do
	f=$TMP/flush-$sig.dat
	"$RECORD" -o "$f" -b 65536 --events full 2>"$TMP/flush.err" &
	pid=$!
	wait_tracing $pid
	sleep 3
	kill -INT $pid
	sleep 0.2
	finishing=no
	kill -0 $pid 2>/dev/null && finishing=yes
	kill -"$sig" $pid 2>/dev/null
	wait_exit $pid 120; st=$ST
	after_case "SIGINT then SIG$sig 0.2 s later (still writing: $finishing)" $pid "$f" "$st"
	check "SIGINT then SIG$sig: the file has events" grep -q netif_rx "$TMP/report"
done

# --- two recorders at once -------------------------------------------------------------
"$RECORD" -o "$TMP/a.dat" 2>"$TMP/a.err" &
pa=$!
"$RECORD" -o "$TMP/b.dat" 2>"$TMP/b.err" &
pb=$!
wait_tracing $pa && wait_tracing $pb
check "two at once: each its own instance" test -d "$(skbt_instance $pa)" -a -d "$(skbt_instance $pb)"
sleep 1
kill -INT $pa $pb
wait_exit $pa 60; sa=$ST
wait_exit $pb 60; sb=$ST
after_case "two at once: first" $pa "$TMP/a.dat" "$sa"
check "two at once: first file has events" grep -q netif_rx "$TMP/report"
after_case "two at once: second" $pb "$TMP/b.dat" "$sb"
check "two at once: second file has events" grep -q netif_rx "$TMP/report"
flood_stop

# --- tracefs not mounted (private mount namespace) -------------------------------------
# shellcheck disable=SC2016  # expanded by the inner shell
unshare -m --propagation private bash -c '
	umount /sys/kernel/debug/tracing 2>/dev/null
	umount /sys/kernel/debug 2>/dev/null
	umount /sys/kernel/tracing 2>/dev/null
	if [ -e /sys/kernel/tracing/events ]; then echo "still-mounted"; exit 0; fi
	echo unmounted
	"$1" -o "$2" -d 1 2>"$3"
	echo "rc=$?"
' _ "$RECORD" "$TMP/nomount.dat" "$TMP/nomount.err" >"$TMP/nomount.out" &
upid=$!
wait $upid
if grep -q still-mounted "$TMP/nomount.out"; then
	skip "tracefs not mounted: cannot unmount it in a private mount namespace"
else
	st=$(sed -n 's/^rc=//p' "$TMP/nomount.out")
	if [ "$st" = 0 ]; then
		ok "tracefs not mounted: the recorder mounted it and recorded"
	elif [ -n "$st" ] && [ "$(wc -l <"$TMP/nomount.err")" -ge 1 ] &&
		grep -qi tracefs "$TMP/nomount.err"; then
		ok "tracefs not mounted: clear failure ($(head -1 "$TMP/nomount.err"))"
	else
		not_ok "tracefs not mounted: exit '$st': $(head -3 "$TMP/nomount.err")"
	fi
	[ -e "$TMP/nomount.dat" ] && { readable "$TMP/nomount.dat" && analyzable "$TMP/nomount.dat"; } &&
		ok "tracefs not mounted: file readable"
	left=
	for i in "$INST"/skbtrail-"$(stat -L -c %i /proc/self/ns/pid)"-*; do	# recorder gone
		p=${i##*/}; p=${p#skbtrail-*-}; p=${p%-*}	# skbtrail-NS-PID-START -> PID
		[ -d "$i" ] && ! kill -0 "$p" 2>/dev/null && left="$left ${i##*/}"
	done
	check_eq "tracefs not mounted: no skbtrail instance left" "" "$left"
fi
echo "1..$_tap_n"

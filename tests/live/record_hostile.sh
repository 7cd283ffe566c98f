#!/bin/bash
# Live test: a root recorder in a hostile directory harms nothing.  Symlinks planted at the
# old temporary names (OUT.tmp, OUT.cpuN.tmp) are never followed; -o naming a device node,
# a directory or a symlink to a device is refused at once (exit 2) and the node stays;
# tracefs instances that are not provably stale (another pid namespace's recorder, an old
# "skbtrail-<pid>" name) are left alone with their tracing_on untouched and a warning line,
# while a provably stale one of our namespace is removed.
. "$(dirname "$0")/../lib.sh"

if ! why=$(live_possible); then
	skip "record_hostile: $why"
	exit 0
fi
if ! command -v trace-cmd >/dev/null || ! command -v mknod >/dev/null; then
	skip "record_hostile: needs trace-cmd and mknod"
	exit 0
fi

TMP=$(mktemp -d /tmp/skbt-rh.XXXXXX)
INST=/sys/kernel/tracing/instances
NS=$(stat -L -c %i /proc/self/ns/pid)
OTHER_NS=$((NS + 1000))	# a pid namespace inode that is not ours
FOREIGN=$INST/skbtrail-$OTHER_NS-4242-4242
SLEEP_PID=
OLD=
cleanup() {
	[ -d "$FOREIGN" ] && rmdir "$FOREIGN"
	[ -n "$OLD" ] && [ -d "$OLD" ] && rmdir "$OLD"
	[ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ms() { echo $(($(date +%s%N) / 1000000)); }
readable() { trace-cmd report "$1" >"$TMP/report" 2>"$TMP/report.err" && [ -s "$TMP/report" ]; }

# --- symlinks planted at OUT.tmp and OUT.cpuN.tmp ----------------------------------------
echo "precious, not to be overwritten" >"$TMP/victim"
cp "$TMP/victim" "$TMP/victim.orig"
ln -s "$TMP/victim" "$TMP/out.dat.tmp"
for i in $(seq 0 $(($(nproc) - 1))); do ln -s "$TMP/victim" "$TMP/out.dat.cpu$i.tmp"; done
"$RECORD" -o "$TMP/out.dat" -d 1 2>"$TMP/sym.err"
st=$?
check "planted symlinks: victim unchanged" cmp -s "$TMP/victim" "$TMP/victim.orig"
check "planted symlinks: still symlinks" test -L "$TMP/out.dat.tmp" -a -L "$TMP/out.dat.cpu0.tmp"
if [ "$st" = 0 ]; then
	check "planted symlinks: recording fine, file readable" readable "$TMP/out.dat"
else
	check "planted symlinks: clean error (exit $st, one line)" \
		test "$st" -le 2 -a "$(wc -l <"$TMP/sym.err")" = 1
fi
check "planted symlinks: no temporary directory left" \
	test -z "$(find "$TMP" -maxdepth 1 -name 'out.dat.tmp.*')"

# --- -o a character device, a directory, a symlink to a device ----------------------------
mknod "$TMP/null" c 1 3
mkdir "$TMP/dir"
ln -s "$TMP/null" "$TMP/null-link"
for what in null dir null-link; do
	t0=$(ms)
	"$RECORD" -o "$TMP/$what" -d 5 2>"$TMP/o.err"
	st=$?
	t=$(($(ms) - t0))
	check_eq "-o $what: exit status (usage)" 2 "$st"
	check "-o $what: refused at once (${t} ms < 1000)" test "$t" -lt 1000
	check "-o $what: one line naming the path, before tracing" \
		test "$(wc -l <"$TMP/o.err")" = 1 -a -n "$(grep -F "$TMP/$what" "$TMP/o.err")" \
		-a -z "$(grep 'recording to' "$TMP/o.err")"
done
check "-o null: still a character device" test -c "$TMP/null" -a ! -L "$TMP/null"
check "-o dir: still a directory" test -d "$TMP/dir" -a ! -L "$TMP/dir"
check "-o null-link: still a symlink to the device" test -L "$TMP/null-link" -a -c "$TMP/null"
t0=$(ms)
"$RECORD" -o "$TMP/no/such/dir/out.dat" -d 5 2>"$TMP/o.err"
check_eq "-o in a missing directory: exit status (usage)" 2 "$?"
check "-o in a missing directory: at once, named" \
	test $(($(ms) - t0)) -lt 1000 -a -n "$(grep -F "$TMP/no/such/dir" "$TMP/o.err")"

# --- OUT replaced by a device while recording: the final rename must not replace it ------
"$RECORD" -o "$TMP/late.dat" -d 2 2>"$TMP/late.err" &
pid=$!
for i in $(seq 1 100); do grep -q 'recording to' "$TMP/late.err" && break; sleep 0.1; done
mknod "$TMP/late.dat" c 1 3
wait $pid
st=$?
check_eq "OUT became a device while recording: exit status (failure)" 1 "$st"
check "OUT became a device while recording: still a character device" test -c "$TMP/late.dat"
kept=$(sed -n 's/.*the recording is in \(.*\)$/\1/p' "$TMP/late.err" | head -1)
check "OUT became a device while recording: the recording is kept and named" \
	readable "$kept"
rm -f "$TMP/late.dat"

# --- instances that are not ours ----------------------------------------------------------
# another pid namespace's live recorder (as a container's would be named), tracing on
mkdir "$FOREIGN" && echo 1 >"$FOREIGN/tracing_on"
# the old name format, of a running process that is no recorder
sleep 120 &
SLEEP_PID=$!
OLD=$INST/skbtrail-$SLEEP_PID
mkdir "$OLD"
# provably stale: our namespace, a pid that is gone
true &
dead=$!
wait $dead
STALE=$INST/skbtrail-$NS-$dead-1
mkdir "$STALE"
"$RECORD" -o "$TMP/inst.dat" -d 1 2>"$TMP/inst.err"
check_eq "foreign instances: recorder exit status" 0 "$?"
check "another pid namespace's instance: still there" test -d "$FOREIGN"
check_eq "another pid namespace's instance: tracing_on untouched" 1 \
	"$(cat "$FOREIGN/tracing_on" 2>/dev/null)"
check "another pid namespace's instance: one warning line naming it" \
	test "$(grep -c "warning:.*${FOREIGN##*/}.*left alone" "$TMP/inst.err")" = 1
check "old-format instance of a non-recorder: still there" test -d "$OLD"
check "old-format instance: one warning line naming it" \
	test "$(grep -c "warning:.*${OLD##*/} .*left alone" "$TMP/inst.err")" = 1
check "provably stale instance of our namespace: removed, and said so" \
	test ! -e "$STALE" -a -n "$(grep "removed stale.*${STALE##*/}" "$TMP/inst.err")"
rmdir "$STALE" 2>/dev/null
rmdir "$FOREIGN" && rmdir "$OLD"
check "the test's own instances removed" test ! -e "$FOREIGN" -a ! -e "$OLD"
echo "1..$_tap_n"

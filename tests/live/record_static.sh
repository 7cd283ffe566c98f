#!/bin/bash
# Live test of build/skbtrail-record-static (make static; `make check` builds it first, this
# script builds nothing): ldd names none of the libraries a locked-down node lacks, and it
# records where they are absent.
#
# Absent: a private mount namespace (unshare -m, propagation private) in which an empty file
# is bind-mounted over every file of libtracefs, libtraceevent, libtracecmd, libpcap, json-c,
# libzstd, libdbus-1 and libsystemd (each found in the loader's directories and resolved
# through its symlinks, so the ld.so.cache name, /lib and /usr/lib all lead to the empty file).
# glibc, /proc, /sys, tracefs, /run/netns and /tmp stay as they are, which a chroot would have
# to rebuild and a tmpfs over the library directory would not (glibc lives there).  The
# dynamic build/skbtrail-record must fail to start there (the hiding is real); the static one
# records --pcap in B's network namespace while this test sends N UDP datagrams over a veth
# pair A -> B in two namespaces it creates; then, outside, skbtrail-analyze and trace-cmd read
# the file and find every datagram.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-300}
PAYLOAD=345			# receive events: len = 345 + 8 + 20
PORT=7411 SPORT=41411
STATIC=$SKBT_ROOT/$B/skbtrail-record-static
LIBS="libtracefs libtraceevent libtracecmd libpcap libjson-c libzstd libdbus-1 libsystemd"
NEVER="libtracefs libtraceevent libtracecmd libpcap json-c zstd"	# ldd must name none

live_init record_static
if [ ! -x "$STATIC" ]; then
	skip "record_static: build first (make static: $STATIC)"
	exit 0
fi
if ! command -v unshare >/dev/null || ! command -v ldd >/dev/null; then
	skip "record_static: needs unshare and ldd"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b
IPA=10.204.0.1 IPB=10.204.0.2

# ldd: the dynamic build names the libraries (so the patterns match), the static one none.
ldd "$STATIC" >"$TMP/ldd.static" 2>&1
check "ldd reads $STATIC" test $? = 0 -a -s "$TMP/ldd.static"
ldd "$RECORD" >"$TMP/ldd.dynamic" 2>&1
for l in $NEVER; do
	if [ "$l" = libtracecmd ] || [ "$l" = json-c ]; then	# the recorder needs neither
		check "ldd skbtrail-record-static: no $l" \
			test -z "$(grep -F "$l" "$TMP/ldd.static")"
	else
		check "ldd: skbtrail-record names $l, skbtrail-record-static does not" \
			test -n "$(grep -F "$l" "$TMP/ldd.dynamic")" -a -z "$(grep -F "$l" "$TMP/ldd.static")"
	fi
done
check_eq "static: the only shared library it needs is glibc's libc" "libc.so.6" \
	"$(LC_ALL=C readelf -d "$STATIC" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | tr '\n' ' ' | sed 's/ $//')"

# Every file of those libraries where the loader looks, resolved (regular files only).
HIDE=()
lib_dirs() {
	{ ldconfig -p 2>/dev/null | sed -n 's/.* => \(.*\)\/[^/]*$/\1/p'
	  echo /lib /usr/lib /lib64 /usr/lib64 /usr/local/lib; } | sort -u
}
while read -r f; do
	HIDE+=("$f")
done < <(for d in $(lib_dirs); do
		for l in $LIBS; do
			for f in "$d/$l".so*; do
				[ -e "$f" ] && readlink -f "$f"
			done
		done
	done | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
: >"$TMP/empty"
echo "# hidden: ${HIDE[*]}"
check "found the files of libtracefs, libpcap, libzstd to hide (${#HIDE[@]} files)" \
	test -n "$(printf '%s\n' "${HIDE[@]}" | grep /libtracefs)" -a \
	     -n "$(printf '%s\n' "${HIDE[@]}" | grep /libpcap)" -a \
	     -n "$(printf '%s\n' "${HIDE[@]}" | grep /libzstd)"

# hidden CMD...: CMD in a private mount namespace with those files hidden.  unshare execs
# bash, which execs CMD: one process, so $! of "ip netns exec NS ${HIDE_CMD[@]} CMD &" is
# CMD's pid (the recorder's instance name).
HIDE_CMD=(unshare -m --propagation private -- bash -c '
	empty=$1 n=$2; shift 2
	for ((i = 0; i < n; i++)); do
		mount --bind "$empty" "$1" || { echo "cannot hide $1" >&2; exit 97; }
		shift
	done
	exec "$@"' hide "$TMP/empty" "${#HIDE[@]}" "${HIDE[@]}")
hidden() { "${HIDE_CMD[@]}" "$@"; }

hidden "$RECORD" --version >"$TMP/dyn.out" 2>"$TMP/dyn.err"
rc=$?
check_eq "hidden: skbtrail-record cannot start (exit status)" 127 "$rc"
check "hidden: ... the loader says why ($(head -1 "$TMP/dyn.err"))" \
	grep -q "error while loading shared libraries: .*lib.*: file too short" "$TMP/dyn.err"
check "hidden: every hidden file is empty inside" hidden bash -c \
	'for f; do [ -f "$f" ] && [ ! -s "$f" ] || exit 1; done' _ "${HIDE[@]}"
check "not hidden outside (private propagation): the files, skbtrail-record --version" bash -c \
	'for f; do [ -s "$f" ] || exit 1; done; "$0" --version >/dev/null' "$RECORD" "${HIDE[@]}"
check_eq "hidden: skbtrail-record-static --version" "$("$RECORD" --version)" \
	"$(hidden "$STATIC" --version 2>&1)"

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add $IPA/24 dev "$A" && ip -n "$NB" addr add $IPB/24 dev "$B" &&
	neigh_static "$NA" "$A" $IPB "$NB" "$B" && neigh_static "$NB" "$B" $IPA "$NA" "$A"
}
check "topology: $A ($NA) -> $B ($NB)" setup

# The static recorder in B's network namespace (so --pcap captures B), libraries hidden.
rec_start_hidden() {
	ip netns exec "$NB" "${HIDE_CMD[@]}" "$STATIC" -o "$TMP/t.dat" --pcap --dev "$A,$B" \
		2>"$TMP/rec.err" &
	REC_PID=$!
	wait_recording $REC_PID "$TMP/rec.err"
}
check "hidden: static recorder started tracing in $NB (--pcap --dev $A,$B)" rec_start_hidden
check "... said 'recording to $TMP/t.dat'" grep -q "recording to $TMP/t.dat" "$TMP/rec.err"
check "receiver bound" udp_recv_start "$NB" $IPB $PORT "$N" 10
udp_send "$NA" $IPB $PORT "$N" "$PAYLOAD" $SPORT
received=$(udp_recv_wait $PORT)
check_eq "receiver counted every datagram" "$N" "$received"
pid=$REC_PID
check "static recorder stopped cleanly (SIGINT)" rec_stop
check_eq "static recorder lost no event" 0 "$REC_LOST"
check "instance removed" test ! -e "$(skbt_instance "$pid")"
check_eq "static recorder captured one header per datagram on $B (libpcap.a)" "$N" \
	"$(sed -n 's/.*pcap: \([0-9]*\) packet headers captured.*/\1/p' "$TMP/rec.err")"

# Outside the namespace: the analyzer and trace-cmd read the file (v7, zstd: libzstd.a).
check "file is v7, zstd" grep -q 'zstd.*\[Compression algorithm\]' \
	<(trace-cmd dump --summary "$TMP/t.dat" 2>&1)
check "analyzer reads the file (--dev $A,$B)" analyze --dev "$A,$B"
check_eq "trace complete (lost_markers)" 0 "$(jr .trace.lost_markers)"
check_eq "our journeys: path $B, one per datagram" "$B=$N" "$(our_paths | tr '\n' ' ' | sed 's/ $//')"
check_eq "backlog stage on $B: one per datagram" "$N" "$(stage_count "$B" backlog)"
check_eq "flow from the captured headers: 5-tuple and journeys" \
	"udp $IPA:$SPORT > $IPB:$PORT $N" \
	"$(jr ".flows.list[] | select(.flow.dport == $PORT) | \"\(.flow.proto) \(.flow.src):\(.flow.sport) > \(.flow.dst):\(.flow.dport) \(.journeys)\"")"
check "analyzer reads the file (--filter 'udp port $PORT')" analyze --filter "udp port $PORT"
check_eq "--filter 'udp port $PORT' selects every datagram" "$N" "$(jr .journeys.total)"
check_eq "trace-cmd report: netif_receive_skb dev=$B" "$N" "$(tc_count netif_receive_skb "$B")"
time_report record_static

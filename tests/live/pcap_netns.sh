#!/bin/bash
# Issue "Trustworthy journeys on any event set", item 2: --pcap --dev X captures X in the
# network namespace X lives in.  A veth pair whose two ends are both outside the root
# namespace (A in NA, B in NB); the recorder runs in the root namespace, so it must find B in
# NB and open its capture there.  Every datagram must be captured and matched to its receive
# event, with its 5-tuple; the file says which namespace each device was in; the recorder's
# own view (its node snapshot) stays in the root namespace.  A device found nowhere, an X@NS
# that is not there, and a name in two namespaces without @NS are usage errors (exit 2);
# X@NS picks one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-300}
N2=$((N / 3))
PORT=7321 SPORT=41021

live_init pcap_netns
NA=${P}x NB=${P}y NC=${P}z A=${P}a B=${P}b
IPA=10.208.0.1 IPB=10.208.0.2

setup() {
	ns_add "$NA" "$NB" "$NC" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add $IPA/24 dev "$A" && ip -n "$NB" addr add $IPB/24 dev "$B" &&
	neigh_static "$NA" "$A" $IPB "$NB" "$B" && neigh_static "$NB" "$B" $IPA "$NA" "$A" &&
	! ip link show "$A" >/dev/null 2>&1 && ! ip link show "$B" >/dev/null 2>&1
}
check "topology: $A ($NA) -> $B ($NB), neither in the root namespace" setup

# rec_run OUT ARGS...: a short recording that must fail at once; status in RUN_RC.
rec_run() {
	local out=$1
	shift
	timeout 20 "$RECORD" -o "$TMP/$out.dat" -d 0.3 "$@" >"$TMP/$out.out" 2>"$TMP/$out.err"
	RUN_RC=$?
}

# The flow, recorded from the root namespace.
check "recorder started in the root namespace (--pcap --dev $A,$B)" \
	rec_start --events full --pcap --dev "$A,$B"
MAIN_PID=$REC_PID
check "recorder says it captures $B in $NB" \
	grep -q -- "--pcap: $B is in network namespace $NB: captured there" "$TMP/rec.err"
check "recorder says it captures $A in $NA" \
	grep -q -- "--pcap: $A is in network namespace $NA: captured there" "$TMP/rec.err"
check "receiver bound in $NB" udp_recv_start "$NB" $IPB $PORT "$N" 2
udp_send "$NA" $IPB $PORT "$N" 200 $SPORT
check_eq "receiver counted every datagram" "$N" "$(udp_recv_wait $PORT)"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check_eq "recorder captured one header per datagram" "$N" \
	"$(sed -n 's/.*pcap: \([0-9]*\) packet headers captured.*/\1/p' "$TMP/rec.err")"
check "recorder's pcap_stats line names $B's namespace" \
	grep -q "pcap $B in netns $NB: received" "$TMP/rec.err"
strings -a "$TMP/t.dat" >"$TMP/strings"
check_eq "file: $B stored as captured in $NB" "$NB" \
	"$(sed -n "s/^if\([0-9]*\)\.name=$B\$/\1/p" "$TMP/strings" | head -1 |
	   xargs -I{} sed -n 's/^if{}\.netns_name=//p' "$TMP/strings")"
check_eq "file: the recorder's own namespace is unnamed" "-" \
	"$(sed -n 's/^netns_name=//p' "$TMP/strings")"
own_view() {	# the snapshot taken after the captures opened is still of the root namespace
	grep -q "^iface:$NB:$B:ifindex=" "$TMP/strings" &&
	! grep -q "^iface:-:$B:" "$TMP/strings" && grep -q "^iface:-:lo:" "$TMP/strings"
}
check "recorder back in its own namespace (node snapshot: $B under $NB, not under -)" own_view

check "analyzer ran" analyze --dev "$B" --top 3
# Issue "Reports that say only what is true": the recorder lists its own tasks (process,
# capture threads, guard) so that the analyzer can leave their activity out, and the report
# names the node by its host name.
check "file: the recorder's own tasks are listed, its pid first" \
	grep -q "^recorder_pids=$MAIN_PID,[0-9]" "$TMP/strings"
check_eq "analyzer: nothing of the recorder's own tasks in the trace (--events full, --pcap)" 0 \
	"$(jr .trace.recorder_events_left_out)"
check_eq "analyzer: the node is named by its host name" "$(uname -n)" "$(jr .trace.node)"
echo "# sent $N; captured on $B $(jr ".capture.interfaces[] | select(.dev == \"$B\") | .packets"), matched $(jr ".capture.interfaces[] | select(.dev == \"$B\") | .matched"); receive events matched $(jr .capture.rx_matched) of $(jr .capture.rx_events)"
check_eq "analyzer: headers captured on $B, one per datagram" "$N" \
	"$(jr ".capture.interfaces[] | select(.dev == \"$B\") | .packets")"
check_eq "analyzer: every datagram's header matched to its receive event" "$N" \
	"$(jr ".capture.interfaces[] | select(.dev == \"$B\") | .matched")"
check_eq "analyzer: every receive event on $B got its header" "$N $N" \
	"$(jr '"\(.capture.rx_events) \(.capture.rx_matched)"')"
check_eq "flows known from the captured headers" pcap "$(jr .flows.source)"
check_eq "the flow: 5-tuple and journeys" "udp $IPA:$SPORT > $IPB:$PORT $N" \
	"$(jr ".flows.list[] | select(.flow.dport == $PORT) | \"\(.flow.proto) \(.flow.src):\(.flow.sport) > \(.flow.dst):\(.flow.dport) \(.journeys)\"")"

# Devices that are nowhere, or not where they are said to be.
rec_run nodev --pcap --dev nosuchdev
check_eq "--pcap --dev nosuchdev: exit status 2" 2 "$RUN_RC"
check "... says so ($(head -1 "$TMP/nodev.err"))" grep -q \
	"^skbtrail-record: --dev nosuchdev: no such device in this or any named network namespace\$" \
	"$TMP/nodev.err"
check "... and leaves no file" test ! -e "$TMP/nodev.dat" -a ! -e "$TMP/nodev.dat.tmp"
rec_run wrongns --pcap --dev "$A@$NB"
check_eq "--dev $A@$NB (it is in $NA): exit status 2 ($(head -1 "$TMP/wrongns.err"))" 2 "$RUN_RC"
rec_run nons --pcap --dev "$B@${P}nosuchns"
check_eq "--dev $B@${P}nosuchns: exit status 2 ($(head -1 "$TMP/nons.err"))" 2 "$RUN_RC"
rec_run notrace --dev "nosuchdev,$B"
check_eq "without --pcap, --dev nosuchdev is a warning: exit status 0" 0 "$RUN_RC"
check "... that names it" grep -q "warning: --dev nosuchdev: no such device" "$TMP/notrace.err"

# The same name in two namespaces: ambiguous without @NS, chosen with it.
check "a second $B (a veth) in $NC" ip -n "$NC" link add "$B" type veth peer name "${P}c"
rec_run twice --pcap --dev "$B"
check_eq "--pcap --dev $B in $NB and $NC: exit status 2" 2 "$RUN_RC"
check "... names both and the way out ($(tail -1 "$TMP/twice.err"))" grep -q \
	"^skbtrail-record: --dev $B: $B is in namespaces: $NB, $NC; name it as $B@$NB" "$TMP/twice.err"
rec_run twice2 --pcap --dev "$B@$NB,$B@$NC"
check_eq "--pcap --dev $B@$NB,$B@$NC: exit status 2 ($(tail -1 "$TMP/twice2.err"))" 2 "$RUN_RC"

check "recorder started (--pcap --dev $A,$B@$NB)" rec_start --pcap --dev "$A,$B@$NB"
check "receiver bound in $NB" udp_recv_start "$NB" $IPB $PORT "$N2" 2
udp_send "$NA" $IPB $PORT "$N2" 200 $SPORT
check_eq "receiver counted every datagram" "$N2" "$(udp_recv_wait $PORT)"
check "recorder stopped cleanly" rec_stop
check_eq "$B@$NB: one header per datagram captured" "$N2" \
	"$(sed -n 's/.*pcap: \([0-9]*\) packet headers captured.*/\1/p' "$TMP/rec.err")"
check "analyzer ran" analyze --dev "$B"
echo "# sent $N2; matched $(jr .capture.matched) of $(jr .capture.packets) headers"
check_eq "$B@$NB: every datagram's header matched" "$N2 $N2" \
	"$(jr ".capture.interfaces[] | select(.dev == \"$B\") | \"\(.packets) \(.matched)\"")"
time_report pcap_netns

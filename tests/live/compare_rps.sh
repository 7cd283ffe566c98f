#!/bin/bash
# Issue "Before and after": the same traffic recorded twice with one deliberate change in
# between, and skbtrail-analyze --compare must flag the changed stage and none of the others.
# 300 UDP datagrams from a sender pinned to CPU 0 over a veth pair into a bridge with the IP;
# the second time RPS on the receiving veth steers every packet to CPU 1, so its backlog
# stage now waits for another CPU to be woken (an IPI and its softirq): p50 up by more than
# 1 us; the forward stage (veth -> bridge, on the CPU that polls) is unchanged.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-300}
PAYLOAD=400

live_init compare_rps
if [ "$(nproc)" -lt 2 ]; then
	skip "compare_rps: needs 2 CPUs"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b BR=${P}br
PATH_NAME="$B>$BR"

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NB" link add "$BR" type bridge stp_state 0 mcast_snooping 0 &&
	ip -n "$NB" link set "$B" master "$BR" && ip -n "$NB" link set "$BR" up &&
	ip -n "$NA" addr add 10.209.0.1/24 dev "$A" && ip -n "$NB" addr add 10.209.0.2/24 dev "$BR" &&
	neigh_static "$NA" "$A" 10.209.0.2 "$NB" "$BR" && neigh_static "$NB" "$BR" 10.209.0.1 "$NA" "$A"
}
check "topology: $A ($NA) -> $B in bridge $BR ($NB)" setup

# record NAME: one recording of the flow into $TMP/NAME.dat
record() {
	check "$1: recorder started" rec_start
	check "$1: receiver bound" udp_recv_start "$NB" 10.209.0.2 7009 "$N" 2
	udp_send "$NA" 10.209.0.2 7009 "$N" "$PAYLOAD" 41009 0
	check_eq "$1: receiver counted every datagram" "$N" "$(udp_recv_wait 7009)"
	check "$1: recorder stopped cleanly" rec_stop
	check_eq "$1: recorder lost no event" 0 "$REC_LOST"
	mv "$TMP/t.dat" "$TMP/$1.dat"
}
record base
check "RPS on $B: every packet to CPU 1" \
	ip netns exec "$NB" sh -c "echo 2 > /sys/class/net/$B/queues/rx-0/rps_cpus"
record new

"$ANALYZE" --compare --dev "$A,$B,$BR" --json "$TMP/c.json" "$TMP/base.dat" "$TMP/new.dat" \
	2>"$TMP/c.err"
check_eq "--compare --json: exit 0 ($(head -1 "$TMP/c.err"))" 0 $?
"$ANALYZE" --compare --dev "$A,$B,$BR" "$TMP/base.dat" "$TMP/new.dat" >"$TMP/c.txt" 2>&1
check_eq "--compare (text): exit 0" 0 $?
check "the document is valid against docs/compare-schema.json" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
	"$TMP/c.json" "$SKBT_ROOT/docs/compare-schema.json"
st() {	# STAGE FIELD: of the path $PATH_NAME
	jr "[.comparison.paths[] | select(.name == \"$PATH_NAME\") | .stages[] |
	     select(.name == \"$1\") | $2] | .[0]" "$TMP/c.json"
}
echo "# backlog p50 $(st backlog .base.p50_ns) -> $(st backlog .new.p50_ns) ns, p=$(st backlog .p_value); forward p50 $(st forward .base.p50_ns) -> $(st forward .new.p50_ns) ns, p=$(st forward .p_value)"
check_eq "both recordings: every datagram on $PATH_NAME" "$N $N" \
	"$(st backlog .base.count) $(st backlog .new.count)"
check_eq "backlog: significant" true "$(st backlog .significant)"
check "backlog: p50 up by more than 1 us" \
	test "$(jr "[.comparison.paths[] | select(.name == \"$PATH_NAME\") | .stages[] |
		select(.name == \"backlog\") | (.new.p50_ns - .base.p50_ns > 1000)] | first" \
		"$TMP/c.json")" = true
check_eq "forward: not significant" false "$(st forward .significant)"
check_eq "no other stage of $PATH_NAME flagged" "backlog" \
	"$(jr "[.comparison.paths[] | select(.name == \"$PATH_NAME\") | .stages[] |
		select(.significant) | .name] | unique | join(\",\")" "$TMP/c.json")"
check "text: the backlog line of $PATH_NAME says changed" \
	grep -A40 "^Path $PATH_NAME:" "$TMP/c.txt"
"$ANALYZE" --compare "$TMP/base.dat" 2>/dev/null
check_eq "--compare with one file: exit 2" 2 $?
"$ANALYZE" --compare --dev "$A,$B,$BR" --html "$TMP/c.html" "$TMP/base.dat" "$TMP/new.dat" \
	2>/dev/null
check_eq "--compare --html: exit 0" 0 $?
check "html: the backlog stage of $PATH_NAME has its two histograms overlaid" python3 -c '
import re, sys
page = open(sys.argv[1]).read()
hist = re.search(r"<div class=\"hist\"><div>backlog [^<]*: SIGNIFICANT</div><svg.*?</svg>", page)
sys.exit(not (hist and "<title>base " in hist.group(0) and "<title>new " in hist.group(0) and
              "<script" not in page and "http" not in page))' "$TMP/c.html"
check_eq "html: no histogram for the unchanged forward stage" 0 \
	"$(grep -c '<div class="hist"><div>forward ' "$TMP/c.html")"
"$ANALYZE" --compare --html - "$TMP/base.dat" "$TMP/new.dat" >/dev/null 2>&1
check_eq "--compare --html -: exit 2 (a page goes to a file)" 2 $?
"$ANALYZE" --compare --json "$TMP/base.dat" "$TMP/base.dat" "$TMP/new.dat" 2>/dev/null
check_eq "--compare --json BASE: exit 2, BASE intact" "2 ok" \
	"$? $(trace-cmd report "$TMP/base.dat" >/dev/null 2>&1 && echo ok)"
time_report compare_rps

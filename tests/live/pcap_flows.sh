#!/bin/bash
# Issue 8 "Which flow was slow?": two concurrent UDP flows on different ports over veth A -> B.
# The recorder runs inside B's namespace (ip netns exec) with --pcap, so it captures B's
# headers there while the tracepoints stay global (tests/live/pcap_netns.sh records from the
# root namespace instead).  The analyzer must match (nearly) every captured
# packet to its receive event, give each journey its 5-tuple, select exactly the datagrams of
# one port with --filter 'udp port P1', and write them as pcapng whose comments tshark reads.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N1=${SKBT_TEST_DGRAMS:-300}
N2=$((N1 * 2 / 3))
P1=7311 P2=7312 S1=41001 S2=41002

live_init pcap_flows
NA=${P}x NB=${P}y A=${P}a B=${P}b
IPA=10.203.0.1 IPB=10.203.0.2

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add $IPA/24 dev "$A" && ip -n "$NB" addr add $IPB/24 dev "$B" &&
	neigh_static "$NA" "$A" $IPB "$NB" "$B" && neigh_static "$NB" "$B" $IPA "$NA" "$A"
}
check "topology: $A ($NA) -> $B ($NB)" setup

# The recorder in B's namespace: --dev names both devices (events of both are traced; B is
# captured here, A in its own namespace NA, where it receives nothing).
rec_start_ns() {
	ip netns exec "$NB" "$RECORD" -o "$TMP/t.dat" --events full --pcap --dev "$A,$B" "$@" \
		2>"$TMP/rec.err" &
	REC_PID=$!
	wait_recording $REC_PID "$TMP/rec.err"
}
check "recorder started in $NB (--pcap --dev $A,$B)" rec_start_ns
check "receiver $P1 bound" udp_recv_start "$NB" $IPB $P1 "$N1" 2
check "receiver $P2 bound" udp_recv_start "$NB" $IPB $P2 "$N2" 2
udp_send "$NA" $IPB $P1 "$N1" 200 $S1 &
s1=$!
udp_send "$NA" $IPB $P2 "$N2" 300 $S2 &
s2=$!
wait $s1 $s2
r2=$(udp_recv_wait $P2)
wait "${BG_PIDS[-2]}" 2>/dev/null
r1=$(cat "$TMP/recv.$P1")
check_eq "receiver $P1 counted every datagram" "$N1" "$r1"
check_eq "receiver $P2 counted every datagram" "$N2" "$r2"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
captured=$(sed -n 's/.*pcap: \([0-9]*\) packet headers captured.*/\1/p' "$TMP/rec.err")
check_eq "recorder captured one header per datagram on $B" "$((N1 + N2))" "$captured"
check_eq "recorder reports capture drops (pcap_stats): none" 0 \
	"$(sed -n 's/.*capture drops: \([0-9]*\)$/\1/p' "$TMP/rec.err")"
check "recorder says $A is captured in $NA (another namespace)" \
	grep -q -- "--pcap: $A is in network namespace $NA: captured there" "$TMP/rec.err"
tc_read() { trace-cmd report "$TMP/t.dat" >"$TMP/report" 2>"$TMP/tc.err"; }
check "trace-cmd report still reads the file" tc_read
check_eq "trace-cmd report: netif_receive_skb dev=$B" "$((N1 + N2))" "$(tc_count netif_receive_skb "$B")"

# Whole trace: match rate, and both flows with their 5-tuples.
check "analyzer ran" analyze --dev "$B" --top 3
lost=$(jr .trace.lost_markers)
rate=$(jr .capture.match_rate)
echo "# match rate: $(jr .capture.matched) of $(jr .capture.packets) captured packets ($rate); receive events matched $(jr .capture.rx_matched) of $(jr .capture.rx_events)"
if [ "$lost" = 0 ]; then
	check "match rate >= 99 % with no events lost ($rate)" awk -v r="$rate" 'BEGIN { exit !(r >= 0.99) }'
else
	skip "match rate: the kernel lost events ($lost markers)"
fi
check_eq "flows known from the captured headers" pcap "$(jr .flows.source)"
flow_of() {	# DPORT -> "name journeys"
	jr ".flows.list[] | select(.flow.dport == $1) | \"\(.flow.proto) \(.flow.src):\(.flow.sport) > \(.flow.dst):\(.flow.dport) \(.journeys)\""
}
check_eq "flow 1: 5-tuple and journeys" "udp $IPA:$S1 > $IPB:$P1 $N1" "$(flow_of $P1)"
check_eq "flow 2: 5-tuple and journeys" "udp $IPA:$S2 > $IPB:$P2 $N2" "$(flow_of $P2)"
check_eq "listed journeys carry a 5-tuple" 3 "$(jr '[.slowest[] | select(.flow.kind == "tuple")] | length')"

# --filter 'udp port P1': exactly the datagrams of flow 1, and their pcapng.
check "analyzer ran (--filter 'udp port $P1' --pcapng)" \
	analyze --filter "udp port $P1" --top 1000 --pcapng "$TMP/p1.pcapng"
check_eq "--filter selects exactly the $N1 datagrams of port $P1" "$N1" "$(jr .journeys.total)"
check_eq "--filter: one flow, port $P1" "1 udp $IPA:$S1 > $IPB:$P1 $N1" \
	"$(jr '.flows.list | length') $(flow_of $P1)"
check_eq "--filter: every listed journey is flow 1" "udp $IPA:$S1 > $IPB:$P1" \
	"$(jr '[.slowest[].flow.name] | unique | join("|")')"
schema_ok() {
	(cd "$SKBT_ROOT" && python3 -c 'import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open("docs/report-schema.json"))).validate(json.load(open(sys.argv[1])))' "$1")
}
check "JSON report (capture, flows, each journey's flow) valid against the schema" \
	schema_ok "$TMP/r.json"
check_eq "--filter: the report says what it selected" "udp port $P1 $N1" \
	"$(jr '"\(.capture.filter) \(.capture.selected)"')"

if command -v tshark >/dev/null; then
	field=frame.comment
	tshark -G fields 2>/dev/null | grep -q "	frame.comment	" || field=pkt_comment
	tshark -r "$TMP/p1.pcapng" -T fields -e $field -e udp.dstport -e frame.interface_name \
		>"$TMP/p1.txt" 2>"$TMP/tshark.err"
	check_eq "tshark reads the pcapng: $N1 packets" "$N1" "$(wc -l <"$TMP/p1.txt")"
	check_eq "tshark: every packet to port $P1 on $B" "$P1 $B" \
		"$(awk -F'\t' '{ print $2, $3 }' "$TMP/p1.txt" | sort -u | tr '\n' ' ' | sed 's/ $//')"
	check_eq "tshark: every packet commented with its journey and path" "$N1" \
		"$(grep -c "^skbtrail journey #[0-9]* path $B total [0-9.]*[mun]*s: xmit" "$TMP/p1.txt")"
	check_eq "tshark: journey ids in the comments are those of the report" "" \
		"$(comm -3 <(sed -n 's/^skbtrail journey #\([0-9]*\) .*/\1/p' "$TMP/p1.txt" | sort) \
			   <(jr '.slowest[].id' | sort))"
else
	skip "pcapng read back: tshark not installed (apt-get install tshark)"
fi

# Bad input: a filter that does not compile; --filter on a trace without captured headers.
"$ANALYZE" --filter "udp port" "$TMP/t.dat" >"$TMP/bad.out" 2>"$TMP/bad.err"
check_eq "filter that does not compile: exit status 2" 2 "$?"
check "... with pcap's error text ($(head -1 "$TMP/bad.err"))" grep -q "syntax error" "$TMP/bad.err"
"$ANALYZE" --filter "udp" "$SKBT_ROOT/samples/native-a_udp.dat" >"$TMP/nopcap.out" 2>"$TMP/nopcap.err"
check_eq "--filter on a trace without headers: exit status 2" 2 "$?"
check "... a clear message, no report ($(head -1 "$TMP/nopcap.err"))" \
	test ! -s "$TMP/nopcap.out" -a "$(grep -c 'has none' "$TMP/nopcap.err")" = 1
time_report pcap_flows

#!/bin/bash
# Same-named devices in two namespaces: X1:A -> Y1:V and X2:B -> Y2:V, the two receiving
# veths both named V, the same addresses and ports in both pairs, traffic at the same time,
# recorded with skbtrail-record's default event set.  The node context stores each veth's
# iflink, so the analyzer knows V@Y1 is A's peer and V@Y2 is B's: every journey from A ends
# on V, every journey from B too, none joins the two pairs, and the journeys of each origin
# are exactly the datagrams its receiver got; the path names V@Y1 and V@Y2 tell them apart.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-300}
PAYLOAD=222

live_init netns_names
X1=${P}x1 Y1=${P}y1 X2=${P}x2 Y2=${P}y2 A=${P}a B=${P}b V=${P}v

setup() {
	ns_add "$X1" "$Y1" "$X2" "$Y2" &&
	veth_pair "$X1" "$A" "$Y1" "$V" && veth_pair "$X2" "$B" "$Y2" "$V" &&
	ip -n "$X1" addr add 10.213.0.1/24 dev "$A" && ip -n "$Y1" addr add 10.213.0.2/24 dev "$V" &&
	ip -n "$X2" addr add 10.213.0.1/24 dev "$B" && ip -n "$Y2" addr add 10.213.0.2/24 dev "$V" &&
	neigh_static "$X1" "$A" 10.213.0.2 "$Y1" "$V" && neigh_static "$Y1" "$V" 10.213.0.1 "$X1" "$A" &&
	neigh_static "$X2" "$B" 10.213.0.2 "$Y2" "$V" && neigh_static "$Y2" "$V" 10.213.0.1 "$X2" "$B"
}
check "topology: $A ($X1) -> $V ($Y1), $B ($X2) -> $V ($Y2)" setup
check "recorder started (default event set)" rec_start
check "receiver in $Y1 bound" udp_recv_start "$Y1" 10.213.0.2 7101 "$N" 2
check "receiver in $Y2 bound" udp_recv_start "$Y2" 10.213.0.2 7102 "$N" 2
udp_send "$X1" 10.213.0.2 7101 "$N" "$PAYLOAD" &
s1=$!
udp_send "$X2" 10.213.0.2 7102 "$N" "$PAYLOAD"
wait $s1
wait "${BG_PIDS[-2]}" 2>/dev/null
r1=$(cat "$TMP/recv.7101")
r2=$(udp_recv_wait 7102)
check "receivers got datagrams ($r1, $r2 of $N each)" test "$r1" -gt 0 -a "$r2" -gt 0
check "recorder stopped cleanly" rec_stop

# The recorder's node context: each V's iflink (its peer's ifindex) and its peer's namespace.
"$ANALYZE" --context "$TMP/t.dat" >"$TMP/ctx.txt" 2>&1
check_eq "context: $A's peer is in $Y1" "iface:$X1:$A:link_netns = $Y1" \
	"$(grep -o "iface:$X1:$A:link_netns = .*" "$TMP/ctx.txt")"
check_eq "context: $B's peer is in $Y2" "iface:$X2:$B:link_netns = $Y2" \
	"$(grep -o "iface:$X2:$B:link_netns = .*" "$TMP/ctx.txt")"
check "context: iflink of $V in $Y1 and $Y2 stored" \
	test "$(grep -c -E "iface:($Y1|$Y2):$V:iflink = " "$TMP/ctx.txt")" = 2

# --redact-devs: the namespace-qualified names and the link keys name no device.
"$ANALYZE" --redact-devs --context "$TMP/t.dat" >"$TMP/ctx-r.txt" 2>&1
"$ANALYZE" --redact-devs -q --json "$TMP/r-r.json" "$TMP/t.dat" 2>/dev/null
check_eq "--redact-devs: no device name of ours in --context or the report" 0 \
	"$(cat "$TMP/ctx-r.txt" "$TMP/r-r.json" | grep -cE "$P[abv]([^0-9a-z]|$)")"
check "analyzer ran (--journeys)" analyze --journeys "$TMP/j.jsonl" --dev "$A,$B,$V" --top 0
jl() { jq -s -r "$1" "$TMP/j.jsonl"; }
check_eq "journeys from $A on path $V@$Y1 = datagrams received in $Y1" "$r1" \
	"$(jl "[.[] | select(.origin == \"$A\" and .path == \"$V@$Y1\")] | length")"
check_eq "journeys from $B on path $V@$Y2 = datagrams received in $Y2" "$r2" \
	"$(jl "[.[] | select(.origin == \"$B\" and .path == \"$V@$Y2\")] | length")"
check_eq "no journey joins the two pairs ($A and $B in one journey)" 0 \
	"$(jl "[.[] | select([.hops[].dev] | (index(\"$A\") != null) and (index(\"$B\") != null))] | length")"
check_eq "no other journey of ours" "" \
	"$(jl ".[] | select((.origin != \"$A\" or .path != \"$V@$Y1\") and (.origin != \"$B\" or .path != \"$V@$Y2\")) | \"\(.origin)>\(.path)\"" | sort | uniq -c | tr '\n' ' ')"
# The report's paths: the two namespaces' V apart, each with its own journeys.
check_eq "report paths: $V@$Y1 and $V@$Y2" "$V@$Y1=$r1 $V@$Y2=$r2" \
	"$(our_paths | sort | tr '\n' ' ' | sed 's/ $//')"
time_report netns_names

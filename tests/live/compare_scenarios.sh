#!/bin/bash
# Issue "Before and after", the other two deliberate changes (compare_rps.sh has RPS): the same
# traffic recorded twice, and skbtrail-analyze --compare must flag what changed and only that.
#
#  (a) GRO on the receiving veth: N UDP datagrams A -> B with GRO off on B (veth_xmit hands
#      them to netif_rx and the per-CPU backlog), then with `ethtool -K B gro on` (veth
#      receives through its own NAPI, like a NIC; UDP is not merged).  The comparison must show
#      the gro stage only in the new recording with every datagram, the backlog stage only in
#      the base, B's NAPI polling only in the new one, and no stage present in both flagged.
#  (b) A tight net.core.netdev_max_backlog: SENDS UDP GSO sends of SEGS segments with software
#      segmentation on A (veth_xmit calls netif_rx SEGS times before the backlog is polled),
#      first with the node's backlog limit, then with netdev_max_backlog = 8 (restored at exit
#      by the trap of lib-context.bash).  The comparison must show the backlog drops (by reason
#      and per CPU) appearing, exactly the datagrams the receiver did not get, and the
#      backlog-drops finding appearing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"
. "$(dirname "$0")/lib-context.bash"

N=${SKBT_TEST_DGRAMS:-300}
PAYLOAD=400
SENDS=${SKBT_TEST_SENDS:-25}
SEGS=40
MAXB=8

ctx_init compare_scenarios
if ! command -v ethtool >/dev/null; then
	skip "compare_scenarios: needs ethtool"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.211.0.1/24 dev "$A" && ip -n "$NB" addr add 10.211.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.211.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.211.0.1 "$NA" "$A" &&
	ip netns exec "$NA" ethtool -K "$A" tx-udp-segmentation off >/dev/null 2>&1 &&
	ip netns exec "$NA" ethtool -K "$A" tso off && ip netns exec "$NB" ethtool -K "$B" gro off
}
# TSO off on A: veth_xmit() takes the peer's NAPI (GRO) path only for skbs GRO may take
# (veth_skb_is_eligible_for_gro), which excludes a TSO-capable sender's UDP
check "topology: $A ($NA, tso and UDP segmentation off) -> $B ($NB, gro off)" setup

gro_is() {
	ip netns exec "$NB" ethtool -k "$B" | grep -q "^generic-receive-offload: $1"
}

# compare NAME: the comparison of $TMP/NAME-base.dat and $TMP/NAME-new.dat as JSON and text
compare() {
	"$ANALYZE" --compare --dev "$A,$B" --json "$TMP/$1.json" "$TMP/$1-base.dat" \
		"$TMP/$1-new.dat" 2>"$TMP/$1.err"
	check_eq "$1: --compare --json exit 0 ($(head -1 "$TMP/$1.err"))" 0 $?
	"$ANALYZE" --compare --dev "$A,$B" "$TMP/$1-base.dat" "$TMP/$1-new.dat" \
		>"$TMP/$1.txt" 2>&1
	check_eq "$1: --compare (text) exit 0" 0 $?
	check "$1: the document is valid against docs/compare-schema.json" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
		"$TMP/$1.json" "$SKBT_ROOT/docs/compare-schema.json"
}

# ---- (a) GRO off, then on ----

# record_udp NAME: N datagrams A -> B, sender on CPU 0, into $TMP/NAME.dat
record_udp() {
	check "$1: recorder started" rec_start --events full --dev "$A,$B"
	check "$1: receiver bound" udp_recv_start "$NB" 10.211.0.2 7011 "$N" 2
	udp_send "$NA" 10.211.0.2 7011 "$N" "$PAYLOAD" 41011 0
	check_eq "$1: receiver counted every datagram" "$N" "$(udp_recv_wait 7011)"
	check "$1: recorder stopped cleanly" rec_stop
	check_eq "$1: recorder lost no event" 0 "$REC_LOST"
	mv "$TMP/t.dat" "$TMP/$1.dat"
}
check "gro off on $B" gro_is off
record_udp gro-base
check "gro on on $B (its own NAPI)" sh -c "ip netns exec $NB ethtool -K $B gro on"
check "gro on on $B" gro_is on
record_udp gro-new
compare gro

G=$TMP/gro.json
st() {	# STAGE FIELD on the path "$B"
	jr "[.comparison.paths[] | select(.name == \"$B\") | .stages[] | select(.name == \"$1\") |
	     $2] | .[0]" "$G"
}
echo "# gro: stages of $B: $(jr "[.comparison.paths[] | select(.name == \"$B\") | .stages[] |
	\"\(.name) \(.base.count)->\(.new.count) p50 \(.base.p50_ns)->\(.new.p50_ns) \(.significant)\"] |
	join(\"; \")" "$G")"
check_eq "gro: gro stage only in the new recording, one per datagram" "0 $N" \
	"$(st gro .base.count) $(st gro .new.count)"
check_eq "gro: backlog stage only in the base, one per datagram" "$N 0" \
	"$(st backlog .base.count) $(st backlog .new.count)"
# stack and socket end when the receiving program reads and frees (and, for UDP on this
# kernel, at whatever skb reuses the address: docs/stages.md): not what GRO changes
check_eq "gro: no stage of $B recorded on both sides flagged (besides stack, socket)" "" \
	"$(jr "[.comparison.paths[] | select(.name == \"$B\") | .stages[] |
		select(.base.count > 0 and .new.count > 0 and .significant and
		.name != \"stack\" and .name != \"socket\") | .name] | unique | join(\",\")" "$G")"
check_eq "gro: NAPI of $B: no polls before, every datagram polled after" "0 $N" \
	"$(jr "[.comparison.napi.devices[] | select(.dev == \"$B\")] |
		\"\(map(.base.polls) | add // 0) \(map(.new.packets) | add // 0)\"" "$G")"
check "gro: text has the gro line as only in new" \
	grep -qE "^  gro +0 -> $N .*only in new" "$TMP/gro.txt"
"$ANALYZE" --compare --dev "$A,$B" --html "$TMP/gro.html" "$TMP/gro-base.dat" \
	"$TMP/gro-new.dat" 2>/dev/null
check "gro: html shows the gro stage's histogram (new only) and no resource fetched" python3 -c '
import re, sys
page = open(sys.argv[1]).read()
hist = re.search(r"<div class=\"hist\"><div>gro [^<]*: only in new</div><svg.*?</svg>", page)
sys.exit(not (hist and "<title>new " in hist.group(0) and "<title>base " not in hist.group(0)
              and "http" not in page and "<script" not in page))' "$TMP/gro.html"
check "gro: text shows $B in the NAPI section" \
	grep -A3 -q "^NAPI per device" "$TMP/gro.txt"
# kfree_skb is traced node-wide: other traffic's drops may show, but no backlog drop
check_eq "gro: no backlog drops on either side" 0 \
	"$(jr '[.comparison.drops[] | select(.reason == "CPU_BACKLOG" or .reason == "NETIF_RX_FAILED") |
		.base + .new] | add // 0' "$G")"

# ---- (b) the node's backlog limit, then netdev_max_backlog = 8 ----

check "gro off on $B again (netif_rx, the backlog)" sh -c "ip netns exec $NB ethtool -K $B gro off"
TOTAL=$((SENDS * SEGS))
# record_flood NAME: SENDS x SEGS datagrams from CPU 0; RECEIVED = what the receiver counted
record_flood() {
	check "$1: netdev_max_backlog=$2 (restored at exit)" sysctl_set net.core.netdev_max_backlog=$2
	check "$1: recorder started" rec_start --events full --dev "$A,$B"
	check "$1: receiver bound" udp_recv_start "$NB" 10.211.0.2 7012 "$TOTAL" 1
	gso_flood "$NA" 10.211.0.2 7012 "$SENDS" "$SEGS" 0
	wait "${BG_PIDS[-1]}" 2>/dev/null	# not in $(...): a subshell cannot wait for it
	RECEIVED=$(cat "$TMP/recv.7012")
	check "$1: recorder stopped cleanly" rec_stop
	check_eq "$1: recorder lost no event" 0 "$REC_LOST"
	mv "$TMP/t.dat" "$TMP/$1.dat"
	# the sysctl is global: the value the recorder stored is the one the test ran with
	check_eq "$1: the recording ran with netdev_max_backlog = $2" "$2" \
		"$("$ANALYZE" --context --json - "$TMP/$1.dat" |
		   jq -r '.static["sysctl:net.core.netdev_max_backlog"]')"
	check "$1: sysctl restored right after recording" sysctl_restore_check
}
# base: a limit far above the 40 segments one send queues at once
record_flood backlog-base 2000
check_eq "backlog-base: receiver counted every datagram" "$TOTAL" "$RECEIVED"
record_flood backlog-new $MAXB
LOST=$((TOTAL - RECEIVED))
echo "# backlog: sent $TOTAL datagrams twice; received $TOTAL, then $RECEIVED ($LOST dropped)"
check "backlog-new: the tight backlog dropped datagrams" test "$LOST" -gt 0
compare backlog

K=$TMP/backlog.json
bdrops() {	# base|new: backlog drops by reason (kfree_skb CPU_BACKLOG, failed netif_rx)
	jr "[.comparison.drops[] | select(.reason == \"CPU_BACKLOG\" or .reason == \"NETIF_RX_FAILED\") |
	     .$1] | add // 0" "$K"
}
echo "# backlog: drops by reason $(jr '[.comparison.drops[] | "\(.reason) \(.base)->\(.new)"] | join(", ")' "$K"); findings appeared $(jr '[.comparison.findings.appeared[].id] | join(",")' "$K"), gone $(jr '[.comparison.findings.gone[].id] | join(",")' "$K")"
check_eq "backlog: drops by reason 0 -> the datagrams not received" "0 $LOST" \
	"$(bdrops base) $(bdrops new)"
check_eq "backlog: per-CPU backlog drops 0 -> the datagrams not received" "0 $LOST" \
	"$(jr '"\([.comparison.napi.cpus[].base.backlog_drops] | add // 0) \([.comparison.napi.cpus[].new.backlog_drops] | add // 0)"' "$K")"
check_eq "backlog: the backlog-drops finding appeared (CPU 0, the sender's)" "backlog-drops cpu 0" \
	"$(jr '[.comparison.findings.appeared[] | select(.kind == "backlog-drops") | "\(.kind) \(.subject)"] | join(",")' "$K")"
check_eq "backlog: no backlog-drops finding went away" "" \
	"$(jr '[.comparison.findings.gone[] | select(.kind == "backlog-drops") | .id] | join(",")' "$K")"
check "backlog: text lists the finding as appeared" \
	grep -A3 -q "^Findings that appeared" "$TMP/backlog.txt"
check "backlog: text shows the CPU's backlog drops" \
	grep -qE "^ +0 .* 0 -> $LOST " "$TMP/backlog.txt"
time_report compare_scenarios

#!/bin/bash
# End-to-end: a tap device written by this test (python3: /dev/net/tun, IFF_TAP|IFF_NO_PI,
# with and without IFF_NAPI) inside a namespace.  N Ethernet frames carrying UDP of a marked
# size go to an IP on the tap, where a socket counts them.  Without IFF_NAPI the writer's
# write() calls netif_receive_skb directly: N journeys on path T, no NAPI.  With IFF_NAPI the
# frames go through the tap's NAPI and GRO: N journeys on path TN with a gro stage, and
# napi polls on TN whose work adds up to N.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-200}
PAYLOAD=222
LEN=$((PAYLOAD + 28))

live_init e2e_5_tap
if [ ! -c /dev/net/tun ]; then
	skip "e2e_5_tap: no /dev/net/tun"
	exit 0
fi
NS=${P}t T=${P}t TN=${P}n

check "namespace $NS" ns_add "$NS"

check "recorder started (--events full)" rec_start --events full
sent_plain=$(ip netns exec "$NS" python3 "$SKBT_ROOT/tests/live/tap_send.py" "$T" 0 10.205.0.1 10.205.0.9 7005 "$N" "$PAYLOAD")
check_eq "tap $T (no IFF_NAPI): socket received every frame" "$N" "$sent_plain"
sent_napi=$(ip netns exec "$NS" python3 "$SKBT_ROOT/tests/live/tap_send.py" "$TN" 1 10.205.1.1 10.205.1.9 7005 "$N" "$PAYLOAD")
check_eq "tap $TN (IFF_NAPI): socket received every frame" "$N" "$sent_napi"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "analyzer ran (--dev $T,$TN)" analyze --dev "$T,$TN" --top 100000

check_eq "trace not incomplete" "false 0" "$(jr '"\(.trace.incomplete) \(.trace.lost_markers)"')"
check_eq "our journeys: $N on $T, $N on $TN" "$(printf '%s\n' "$T=$N" "$TN=$N" | sort | tr '\n' ' ')" \
	"$(our_paths | sort | tr '\n' ' ')"

# Without NAPI: straight from write() to netif_receive_skb, in process context, no NAPI.
check_eq "$T: trace-cmd netif_receive_skb, netif_rx, napi_gro_receive_entry" "$N 0 0" \
	"$(tc_count netif_receive_skb "$T") $(tc_count netif_rx "$T") $(tc_count napi_gro_receive_entry "$T")"
# stack and socket depend on what frees and copies the kernel traces (docs/stages.md): not here
check_eq "$T: no stage besides stack and socket ($(path_stages "$T"))" "" "$(path_stages_but "$T" stack,socket)"
# `ip` (the second tap's setup) reads and frees netlink messages at addresses the datagrams
# had: none of that is theirs (docs/stages.md, Frees and copies of another skb)
check_eq "$T, $TN: no hop by ip" 0 \
	"$(jr "[.slowest[] | select(.path == \"$T\" or .path == \"$TN\") | .hops[] | select(.comm == \"ip\")] | length")"
check_eq "$T: no napi entry" 0 "$(jr "[.napi[] | select(.dev == \"$T\")] | length")"
check_eq "$T: journeys start at the receive by the writer (python3), length $LEN" "netif_receive_skb_entry python3 $LEN" \
	"$(jr "[.slowest[] | select(.path == \"$T\") | \"\(.hops[0].event) \(.hops[0].comm) \(.hops[] | select(.event == \"netif_receive_skb\") | .len)\"] | unique | join(\"|\")")"
check_eq "$T: incomplete, cpu_changes" "0 0" "$(path_field "$T" incomplete) $(path_field "$T" cpu_changes)"

# With IFF_NAPI: tun_napi_poll -> napi_gro_receive; UDP is not merged.
check_eq "$TN: trace-cmd napi_gro_receive_entry, netif_receive_skb" "$N $N" \
	"$(tc_count napi_gro_receive_entry "$TN") $(tc_count netif_receive_skb "$TN")"
check_eq "$TN: stages besides stack and socket ($(path_stages "$TN"))" gro "$(path_stages_but "$TN" stack,socket)"
check_eq "$TN: gro stage napi_gro_receive_entry -> netif_receive_skb on every journey" \
	"napi_gro_receive_entry>netif_receive_skb=$N" \
	"$(jr "[.paths[] | select(.name == \"$TN\") | .stages[] | select(.name == \"gro\") | \"\(.from.event)>\(.to.event)=\(.count)\"] | join(\" \")")"
check "$TN: gro latency positive (min $(stage_min "$TN" gro) ns)" test "$(stage_min "$TN" gro)" -gt 0
check_eq "$TN: nothing merged by GRO" 0 "$(jr .journeys.gro_merged)"
napi_t=$(jr "[.napi[] | select(.dev == \"$TN\" and (.backlog | not))]")
echo "# napi $TN: $(jq -c 'map({cpu, polls, packets, max_work, traced_receives})' <<<"$napi_t")"
check "$TN: napi polls on the tap" test "$(jq 'map(.polls) | add // 0' <<<"$napi_t")" -gt 0
check_eq "$TN: napi packets (work) and traced receives" "$N $N" \
	"$(jq 'map(.packets) | add // 0' <<<"$napi_t") $(jq 'map(.traced_receives) | add // 0' <<<"$napi_t")"
check_eq "$TN: napi polls == trace-cmd napi_poll for $TN" "$(grep -c "napi_poll: .* device $TN work" "$TMP/report")" \
	"$(jq 'map(.polls) | add // 0' <<<"$napi_t")"
check_eq "$TN: receive hops carry length $LEN" "$LEN" \
	"$(jr "[.slowest[] | select(.path == \"$TN\") | .hops[] | select(.event == \"netif_receive_skb\") | .len] | unique | map(tostring) | join(\",\")")"
out=$(check_stage_order)
check_eq "all listed journeys: stages in hop order, hop offsets non-decreasing" 0 "$(head -1 <<<"$out")"
[ "$(head -1 <<<"$out")" = 0 ] || sed 1d <<<"$out" | sed 's/^/#   /'
time_report e2e_5_tap

#!/bin/bash
# Node context, GRO counts vs counters: GRO on the receiving veth (veth then receives through
# NAPI and napi_gro_receive()), TSO/GSO off on the sender so TCP sends MSS-sized skbs that GRO
# merges.  Asserts: rx_packets delta of B == napi_gro_receive_entry events (drivers count
# before GRO) > netif_receive_skb events; the counters verdict is "explained" by GRO; the
# finding gro-B carries the three numbers; the context says GRO is on for B.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"
. "$(dirname "$0")/lib-context.bash"

ctx_init context_4_gro
NA=${P}x NB=${P}y A=${P}a B=${P}b
setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.206.4.1/24 dev "$A" && ip -n "$NB" addr add 10.206.4.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.206.4.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.206.4.1 "$NA" "$A" &&
	ip netns exec "$NA" ethtool -K "$A" tso off gso off >/dev/null 2>&1 &&
	ip netns exec "$NB" ethtool -K "$B" gro on >/dev/null 2>&1
}
check "topology: $A ($NA, TSO/GSO off) -> $B ($NB, GRO on)" setup
check "recorder started (--events full --dev $A,$B)" rec_start --events full --dev "$A,$B"
check "TCP sink listening" tcp_sink_start "$NB" 10.206.4.2 7064
ip netns exec "$NA" python3 -c "
import socket
s = socket.create_connection(('10.206.4.2', 7064)); b = b'x' * 65536
for i in range(40): s.sendall(b)
s.close()"
check_eq "receiver got every byte" $((40 * 65536)) "$(tcp_sink_wait 7064)"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "analyzer ran" analyze --top 0

ctx=$("$ANALYZE" --context --json - "$TMP/t.dat")
check_eq "context: GRO on for $B" on "$(jq -r ".static[\"dev:$NB:$B:gro\"]" <<<"$ctx")"
rxp=$(jq -r ".delta[\"netdev:$NB:$B:rx_packets\"]" <<<"$ctx")
gro=$(ev_count net:napi_gro_receive_entry)
rcv=$(jr ".counters.devices[] | select(.dev == \"$B\") | .netif_receive_skb")
echo "# $B: rx_packets +$rxp, napi_gro_receive_entry $gro, netif_receive_skb $rcv"
check_eq "rx_packets delta == napi_gro_receive_entry (counted before GRO)" "$rxp" \
	"$(jr ".counters.devices[] | select(.dev == \"$B\") | .napi_gro_receive_entry")"
check "GRO merged: fewer receives ($rcv) than packets ($rxp)" test "$rcv" -lt "$rxp"
check_eq "counters verdict for $B" explained "$(jr ".counters.devices[] | select(.dev == \"$B\") | .verdict")"
check "explanation says GRO" grep -q '^GRO' <<<"$(jr ".counters.devices[] | select(.dev == \"$B\") | .explanation")"
check_eq "finding gro-$B: napi_gro_receive_entry" "$rxp" "$(fev "gro-$B" napi_gro_receive_entry)"
check_eq "finding: netif_receive_skb" "$rcv" "$(fev "gro-$B" netif_receive_skb)"
check_eq "finding: rx_packets_delta" "$rxp" "$(fev "gro-$B" rx_packets_delta)"
check_eq "GRO merged count agrees with the journeys' gro_merged" "$((rxp - rcv))" \
	"$(jr '.journeys.gro_merged')"
time_report context_4_gro

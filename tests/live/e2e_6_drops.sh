#!/bin/bash
# End-to-end drops: veth A -> veth B (IP on B).  Three kinds of UDP datagrams, each to its own
# port: N1 to a closed port (kfree_skb NO_SOCKET), N2 to a port nftables drops
# (NETFILTER_DROP), N3 to a socket with a tiny SO_RCVBUF that does not read (SOCKET_RCVBUFF).
# The report's drops by reason on B must equal what was sent, the namespace's /proc/net/snmp
# deltas (Udp NoPorts, RcvbufErrors), the nft rule's counter and the socket's own drop
# counter (/proc/net/udp "drops").
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N1=${SKBT_TEST_DGRAMS:-100} N2=${SKBT_TEST_DGRAMS:-100} N3=${SKBT_TEST_DGRAMS:-200}
PAYLOAD=500

live_init e2e_6_drops
if ! command -v nft >/dev/null; then
	skip "e2e_6_drops: needs nft"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.206.0.1/24 dev "$A" && ip -n "$NB" addr add 10.206.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.206.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.206.0.1 "$NA" "$A" &&
	ip netns exec "$NB" nft -f - <<-NFT
	table inet skbt_e2e {
		chain in {
			type filter hook input priority 0; policy accept;
			udp dport 7011 counter drop
		}
	}
	NFT
}
check "topology: $A ($NA) -> $B ($NB), nft drops udp dport 7011 in $NB" setup

# snmp FIELD: the Udp counter FIELD of NB's /proc/net/snmp
snmp() {
	ip netns exec "$NB" awk -v f="$1" '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 } else print $col[f] }' /proc/net/snmp
}

# The non-reading receiver: binds with a tiny buffer, waits for $TMP/go, then reports the
# socket's drops column from /proc/net/udp and drains what was queued.
ip netns exec "$NB" python3 -c "
import socket, os, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.bind(('10.206.0.2', 7012))
open('$TMP/ready', 'w').close()
end = time.time() + 20
while not os.path.exists('$TMP/go') and time.time() < end:
    time.sleep(0.02)
drops = -1
for line in open('/proc/net/udp'):
    f = line.split()
    if f[1].endswith(':%04X' % 7012):
        drops = int(f[-1])
s.setblocking(False)
n = 0
try:
    while True:
        s.recv(65536); n += 1
except BlockingIOError:
    pass
print(drops, n)
" >"$TMP/rcvbuf.out" &
RB_PID=$!
BG_PIDS+=($RB_PID)
for i in $(seq 1 100); do [ -e "$TMP/ready" ] && break; sleep 0.05; done
check "non-reading receiver bound (SO_RCVBUF 1024)" test -e "$TMP/ready"

noports0=$(snmp NoPorts) rcvbuf0=$(snmp RcvbufErrors)
check "recorder started (--events full)" rec_start --events full
udp_send "$NA" 10.206.0.2 7010 "$N1" "$PAYLOAD"
udp_send "$NA" 10.206.0.2 7011 "$N2" "$PAYLOAD"
udp_send "$NA" 10.206.0.2 7012 "$N3" "$PAYLOAD"
sleep 0.2
touch "$TMP/go"
wait $RB_PID
read -r sock_drops queued <"$TMP/rcvbuf.out"
noports=$(( $(snmp NoPorts) - noports0 )) rcvbuf=$(( $(snmp RcvbufErrors) - rcvbuf0 ))
nft_pkts=$(ip netns exec "$NB" nft list chain inet skbt_e2e in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
echo "# kernel: NoPorts +$noports, RcvbufErrors +$rcvbuf, nft counter $nft_pkts, socket drops $sock_drops, queued $queued"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "analyzer ran (--dev $A,$B)" analyze --dev "$A,$B" --top 0

check_eq "kernel: Udp NoPorts delta == datagrams to the closed port" "$N1" "$noports"
check_eq "kernel: nft counter == datagrams to the dropped port" "$N2" "$nft_pkts"
check "kernel: the small buffer overflowed (socket drops $sock_drops, queued $queued)" \
	test "$sock_drops" -gt 0 -a "$queued" -gt 0
check_eq "kernel: socket drops + queued == datagrams sent to it" "$N3" "$((sock_drops + queued))"
check_eq "kernel: RcvbufErrors delta == socket drops" "$sock_drops" "$rcvbuf"

check_eq "trace not incomplete" "false 0" "$(jr '"\(.trace.incomplete) \(.trace.lost_markers)"')"
drop_count() {		# REASON [LOCATION-PREFIX]: drops on B with that reason
	jr "[.drops[] | select(.dev == \"$B\" and .reason == \"$1\" and (.location | startswith(\"${2:-}\"))) | .count] | add // 0"
}
echo "# drops on $B: $(jr "[.drops[] | select(.dev == \"$B\") | \"\(.reason)@\(.location) \(.stage) \(.count)\"] | join(\", \")")"
check_eq "drops NO_SOCKET @__udp4_lib_rcv on $B" "$N1" "$(drop_count NO_SOCKET __udp4_lib_rcv)"
check_eq "drops NETFILTER_DROP @nft_do_chain on $B" "$N2" "$(drop_count NETFILTER_DROP nft_do_chain)"
check_eq "drops SOCKET_RCVBUFF on $B == socket drops" "$sock_drops" "$(drop_count SOCKET_RCVBUFF)"
check_eq "no other drop reason on $B" "NETFILTER_DROP,NO_SOCKET,SOCKET_RCVBUFF" \
	"$(jr "[.drops[] | select(.dev == \"$B\") | .reason] | unique | join(\",\")")"
check_eq "drops on $B are in the stack stage" "stack" \
	"$(jr "[.drops[] | select(.dev == \"$B\") | .stage] | unique | join(\",\")")"
check_eq "path $B: one journey per datagram" "$((N1 + N2 + N3))" "$(path_journeys "$B")"
check_eq "path $B: journeys ended dropped" "$((N1 + N2 + sock_drops))" "$(path_field "$B" ends.dropped)"
check_eq "trace-cmd: kfree_skb of skbs received on $B, NO_SOCKET/NETFILTER_DROP/SOCKET_RCVBUFF" \
	"$N1 $N2 $sock_drops" \
	"$(tc_drops "$B" NO_SOCKET) $(tc_drops "$B" NETFILTER_DROP) $(tc_drops "$B" SOCKET_RCVBUFF)"
check "stack latency positive (min $(stage_min "$B" stack) ns)" test "$(stage_min "$B" stack)" -gt 0
time_report e2e_6_drops

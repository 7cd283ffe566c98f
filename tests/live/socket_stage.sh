#!/bin/bash
# The socket stage, datagram by datagram: veth A -> veth B in two namespaces, N UDP datagrams,
# each of its own length (PAYLOAD0 + i), read by a receiver in B's namespace that logs the
# length of every datagram it read, in order.  Recorded with --events full (which now holds
# skb:skb_copy_datagram_iovec), every datagram the receiver read must be one journey on path B
# with a socket stage from netif_receive_skb(B) to the copy, whose copied length is the
# datagram's: the copies, in journey order, are exactly the receiver's reads.
#
# The sender sets UDP_SEGMENT (larger than any datagram, so none is segmented): its datagrams
# are then built in page fragments.  udp_recvmsg() copies a linear skb with copy_linear_skb(),
# which has no tracepoint, and a reassembled one (checksum not verified) with
# skb_copy_and_csum_datagram_msg(), neither; a non-linear skb whose checksum needs no check
# goes through skb_copy_datagram_msg(), which fires the event.  docs/stages.md says which
# sockets the stage sees.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-200}
PAYLOAD0=100			# datagram i carries PAYLOAD0 + i bytes (< the 1400 of UDP_SEGMENT)
PORT=7011

live_init socket_stage
if [ ! -d /sys/kernel/tracing/events/skb/skb_copy_datagram_iovec ] &&
   [ ! -d /sys/kernel/debug/tracing/events/skb/skb_copy_datagram_iovec ]; then
	skip "socket_stage: the kernel has no skb:skb_copy_datagram_iovec"
	exit 0
fi
NA=${P}x NB=${P}y A=${P}a B=${P}b

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add 10.203.0.1/24 dev "$A" && ip -n "$NB" addr add 10.203.0.2/24 dev "$B" &&
	neigh_static "$NA" "$A" 10.203.0.2 "$NB" "$B" && neigh_static "$NB" "$B" 10.203.0.1 "$NA" "$A"
}

# The receiver: one line per datagram read, its length; stops after N or 2 s of silence.
recv_start() {
	ip netns exec "$NB" python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 4194304)  # SO_RCVBUFFORCE: no drop at the socket
s.bind(('10.203.0.2', $PORT))
s.settimeout(2)
n = 0
try:
    while n < $N:
        print(len(s.recv(65536)), flush=True); n += 1
except socket.timeout:
    pass
" >"$TMP/reads" &
	BG_PIDS+=($!)
	listening "$NB" u "$PORT"
}

send_all() {
	ip netns exec "$NA" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 103, 1400)  # UDP_SEGMENT: paged skbs (none is segmented)
for i in range($N):
    s.sendto(b'%08d' % i + b'x' * ($PAYLOAD0 + i - 8), ('10.203.0.2', $PORT))
    if i % 20 == 19:
        time.sleep(0.005)
"
}

check "topology: $A ($NA) -> $B ($NB)" setup
check "recorder started (--events full)" rec_start --events full
check "receiver bound" recv_start
check "sender sent $N datagrams" send_all
wait "${BG_PIDS[-1]}" 2>/dev/null
read_n=$(wc -l <"$TMP/reads")
check_eq "receiver read every datagram" "$N" "$read_n"
check "recorder stopped cleanly" rec_stop
check_eq "recorder lost no event" 0 "$REC_LOST"
check "analyzer ran (--dev $A,$B, --journeys)" analyze --dev "$A,$B" --top 0 --journeys "$TMP/j.jsonl"

check_eq "trace not incomplete" false "$(jr .trace.incomplete)"
check "report matches docs/report-schema.json (with a socket stage)" python3 -c "
import json, jsonschema, sys
jsonschema.Draft202012Validator(json.load(open('$SKBT_ROOT/docs/report-schema.json'))).validate(
    json.load(open('$TMP/r.json')))"
check "--events full recorded skb:skb_copy_datagram_iovec ($(ev_count skb:skb_copy_datagram_iovec) records)" \
	test "$(ev_count skb:skb_copy_datagram_iovec)" -ge "$read_n"
check_eq "socket stage not listed as unmeasurable" 0 \
	"$(jr '[.trace.unmeasurable_stages[] | select(.stage == "socket")] | length')"
check_eq "socket stage count on path $B = datagrams read" "$read_n" "$(stage_count "$B" socket)"
check_eq "socket stage: netif_receive_skb($B) -> skb_copy_datagram_iovec($B)" \
	"netif_receive_skb $B skb_copy_datagram_iovec $B $read_n" \
	"$(jr ".paths[] | select(.name == \"$B\") | .stages[] | select(.name == \"socket\") | \"\(.from.event) \(.from.dev) \(.to.event) \(.to.dev) \(.count)\"")"
check "socket stage latencies positive (min $(stage_min "$B" socket) ns)" \
	test "$(stage_min "$B" socket)" -gt 0

# Datagram by datagram: each journey's socket stage ends at the copy of its own datagram.
jq -r "select(.path == \"$B\") | . as \$j | .stages[] | select(.stage == \"socket\")
	| \$j.hops[.to_hop] as \$c | \$j.hops[.from_hop] as \$f
	| \"\(\$j.id) \(\$f.event) \(\$f.dev) \(\$c.event) \(\$c.len) \(.ns == (\$c.t_ns - \$f.t_ns))\"" \
	"$TMP/j.jsonl" | sort -n >"$TMP/socket"
check_eq "one socket stage per journey, from the receive on $B to a copy, ns = hop difference" \
	"$read_n netif_receive_skb $B skb_copy_datagram_iovec true" \
	"$(awk '{ k = $2 " " $3 " " $4 " " $6; c[k]++ } END { for (k in c) print c[k], k }' "$TMP/socket")"
check_eq "copied lengths, in journey order, are the receiver's reads in its order" \
	"$(cat "$TMP/reads" | tr '\n' ' ')" "$(awk '{ print $5 }' "$TMP/socket" | tr '\n' ' ')"
check_eq "every length read once (datagram i = $PAYLOAD0 + i bytes)" "$read_n" \
	"$(sort -u "$TMP/reads" | wc -l)"
check_eq "the copy runs in the receiver (comm python3)" "python3" \
	"$(jq -r "select(.path == \"$B\") | .hops[] | select(.event == \"skb_copy_datagram_iovec\") | .comm" \
		"$TMP/j.jsonl" | sort -u | tr '\n' ' ' | sed 's/ $//')"
# The kernel's own count through trace-cmd: the receiver's copies (its task is python3).
check_eq "trace-cmd report: skb_copy_datagram_iovec records of the receiver" "$read_n" \
	"$(trace-cmd report "$TMP/t.dat" 2>/dev/null |
		awk '$1 ~ /^python3-/ && / skb_copy_datagram_iovec: / { n++ } END { print n + 0 }')"
time_report socket_stage

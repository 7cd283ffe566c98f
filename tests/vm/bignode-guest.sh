#!/bin/bash
# Runs inside the many-vCPU guest of tests/vm/bignode.sh (copied to /share/guest.sh, which the
# image's init runs; output in /share/out/guest.log).  No OVS, no host traffic: a veth pair
# between two network namespaces, RPS on the receiving end over every CPU, a bounded paced
# UDP burst from many source ports (RPS hashes per flow, so one flow would stay on one CPU),
# recorded by skbtrail-record at its default settings.  While it records, the tracing
# instance's buffer sizes and the recorder's threads and file descriptors are sampled.
#
#   /share/config              N_DGRAMS, N_SPORTS (written by bignode.sh)
#   /share/out/bignode.dat     the trace
#   /share/out/bignode.meta    key=value: what was sent and received, the guest's counters,
#                              the instance's buffer sizes, the recorder's threads and fds
#   /share/out/bignode.record.log   what the recorder printed (its buffer plan, lost events)
#   /share/out/samples.txt     the samples taken while recording
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SHARE=/share
OUT=$SHARE/out
T=/sys/kernel/tracing
NA=bn-tx NB=bn-rx A=va B=vb
PORT=7000
N_DGRAMS=2000
N_SPORTS=256
# shellcheck source=/dev/null
[ -f "$SHARE/config" ] && . "$SHARE/config"
META=$OUT/bignode.meta

log() { echo "[guest $(date +%T.%3N)] $*"; }
meta() { echo "$1=$2" >>"$META"; }

# rps_cpus mask of every CPU: comma-separated 32-bit hex groups, as the kernel prints it.
all_cpus_mask() {
	python3 -c "
n = $1
m = (1 << n) - 1
groups = []
while True:
    groups.append(m & 0xffffffff)
    m >>= 32
    if not m:
        break
print(','.join('%08x' % g for g in reversed(groups)))"
}

setup() {
	local mask ns
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link set lo up
	ip netns add $NA && ip netns add $NB || return 1
	# New namespaces do not inherit the init namespace's disable_ipv6: without this the
	# veths send router solicitations (one landed in a recording as a 2001st journey).
	for ns in $NA $NB; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	ip link add $A netns $NA type veth peer name $B netns $NB || return 1
	ip -n $NA link set $A up && ip -n $NB link set $B up || return 1
	ip -n $NA addr add 10.250.0.1/24 dev $A && ip -n $NB addr add 10.250.0.2/24 dev $B || return 1
	# Static neighbours: no ARP in the recording, one journey per datagram.
	ip -n $NA neigh replace 10.250.0.2 nud permanent dev $A \
		lladdr "$(ip netns exec $NB cat /sys/class/net/$B/address)" || return 1
	ip -n $NB neigh replace 10.250.0.1 nud permanent dev $B \
		lladdr "$(ip netns exec $NA cat /sys/class/net/$A/address)" || return 1
	mask=$(all_cpus_mask "$(nproc)")
	ip netns exec $NB sh -c "echo $mask >/sys/class/net/$B/queues/rx-0/rps_cpus" || return 1
	meta rps_cpus "$(ip netns exec $NB cat /sys/class/net/$B/queues/rx-0/rps_cpus)"
}

udp_in() { ip netns exec $NB awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $2 }' /proc/net/snmp; }

mem_available() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }

# One line per sample: threads fds buffer_size_kb buffer_total_size_kb MemAvailable ("-": gone,
# the recorder removes its instance as it stops)
sample_loop() {
	local pid=$1 inst=$2
	while kill -0 "$pid" 2>/dev/null; do
		echo "$(ls /proc/"$pid"/task 2>/dev/null | wc -l) $(ls /proc/"$pid"/fd 2>/dev/null | wc -l)" \
			"$(cat "$inst/buffer_size_kb" 2>/dev/null | head -1 | tr -d ' ' | grep . || echo -)" \
			"$(cat "$inst/buffer_total_size_kb" 2>/dev/null | head -1 | tr -d ' ' | grep . || echo -)" \
			"$(mem_available)"
		sleep 0.5
	done
}

main() {
	local t0 t_rec pid inst i before after recv_pid sampler
	t0=$(date +%s)
	: >"$META"
	meta nproc "$(nproc)"
	meta uptime_s "$(cut -d' ' -f1 /proc/uptime)"
	install -m 755 "$SHARE/skbtrail-record" /usr/local/bin/skbtrail-record ||
		{ log "no skbtrail-record on the share"; return 1; }
	ldd /usr/local/bin/skbtrail-record 2>&1 | grep -c "not found" >"$OUT/ldd-missing.txt"
	setup || { log "veth/RPS setup failed"; return 1; }
	log "setup done: $(nproc) CPUs, rps_cpus $(grep ^rps_cpus= "$META")"

	# Receiver: counts datagrams until all came, or 20 s of silence after the first (TCG is
	# slow), or 10 min without any (the recorder starts in between: 13-18 s here).
	ip netns exec $NB python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
s.bind(('10.250.0.2', $PORT))
s.settimeout(600)
n = 0
try:
    while n < $N_DGRAMS:
        s.recv(65536); n += 1
        s.settimeout(20)
except socket.timeout:
    pass
print(n)" >/tmp/recv.count &
	recv_pid=$!
	for i in $(seq 1 600); do
		ip netns exec $NB ss -Hlun "sport = :$PORT" 2>/dev/null | grep -q . && break
		sleep 0.1
	done

	# The recorder at its defaults: only -o.
	meta mem_available_before_kb "$(mem_available)"
	t_rec=$(date +%s%N)
	(cd /tmp && exec skbtrail-record -o /tmp/bignode.dat) >"$OUT/bignode.record.log" 2>&1 &
	pid=$!
	for i in $(seq 1 1200); do
		grep -q "recording to" "$OUT/bignode.record.log" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || { log "recorder exited early"; break; }
		sleep 0.1
	done
	meta record_start_ms $(( ($(date +%s%N) - t_rec) / 1000000 ))
	inst=
	for i in "$T"/instances/skbtrail-*-"$pid"-*; do [ -d "$i" ] && inst=$i; done
	meta instance "${inst##*/}"
	sample_loop $pid "${inst:-/nonexistent}" >"$OUT/samples.txt" &
	sampler=$!
	sleep 1

	before=$(udp_in)
	log "sending $N_DGRAMS datagrams from $N_SPORTS source ports"
	# Pinned to CPU 0: veth_xmit -> netif_rx on CPU 0, RPS moves each flow to its CPU.
	ip netns exec $NA taskset -c 0 python3 -c "
import socket, time
socks = []
for i in range($N_SPORTS):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('10.250.0.1', 40000 + i))
    socks.append(s)
sent = 0
for i in range($N_DGRAMS):
    socks[i % len(socks)].sendto(b'%08d' % i + b'x' * 192, ('10.250.0.2', $PORT))
    sent += 1
    if i % 20 == 19:
        time.sleep(0.01)
print(sent)" >/tmp/sent.count
	wait $recv_pid
	after=$(udp_in)
	sleep 1
	kill -INT $pid
	for i in $(seq 1 1200); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill -0 $pid 2>/dev/null && { log "recorder did not stop within 120 s"; kill -KILL $pid; }
	wait $pid
	meta record_rc $?
	kill $sampler 2>/dev/null
	wait $sampler 2>/dev/null
	meta sent "$(cat /tmp/sent.count)"
	meta received "$(cat /tmp/recv.count)"
	meta udp_in_delta $((after - before))
	meta threads_max "$(awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }' "$OUT/samples.txt")"
	meta fds_max "$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$OUT/samples.txt")"
	meta buffer_size_kb "$(awk '$3 != "-" { v = $3 } END { print v }' "$OUT/samples.txt")"
	meta buffer_total_size_kb "$(awk '$4 != "-" { v = $4 } END { print v }' "$OUT/samples.txt")"
	meta samples "$(wc -l <"$OUT/samples.txt")"
	meta mem_available_min_kb "$(awk 'm == "" || $5 < m { m = $5 } END { print m }' "$OUT/samples.txt")"
	cp /tmp/bignode.dat "$OUT/bignode.dat" 2>/dev/null
	ip netns del $NA
	ip netns del $NB
	log "all done in $(( $(date +%s) - t0 )) s: $(tr '\n' ' ' <"$META")"
}

main

# Helpers of the node-context live tests (tests/live/context_*.sh); sourced after lib-live.bash.
#   sysctl_set NAME=VALUE...   set net.core sysctls, remembering the old values; restored at
#                              exit (even on failure) by ctx_cleanup, chained before live_cleanup
#   gso_flood NS DST PORT N SEGS [CPU]   N UDP GSO sends of SEGS x 1000-byte segments; with
#                              tx-udp-segmentation off on the sender the stack segments them in
#                              validate_xmit_skb() and veth_xmit() calls netif_rx() SEGS times
#                              within one bh-disabled section: the backlog fills on purpose
#   gso_flood_armed NS DST PORT N SEGS CPU   the same flood, started in the background and
#                              waiting (python up, socket made) until gso_fire: a sysctl set just
#                              before gso_fire is then in force milliseconds, not a python start,
#                              before the flood
#   gso_fire                   starts the armed flood and waits for its end
#   finding ID                 the JSON of finding ID ("null" when absent)
#   fev ID KEY                 evidence KEY of finding ID
SYSCTL_SAVED=()

ctx_cleanup() {
	local kv
	for kv in "${SYSCTL_SAVED[@]}"; do
		sysctl -qw "$kv" >/dev/null 2>&1
	done
	SYSCTL_SAVED=()
	live_cleanup
}

ctx_init() {
	live_init "$1"
	trap ctx_cleanup EXIT
}

sysctl_set() {
	local kv name old
	for kv in "$@"; do
		name=${kv%%=*}
		old=$(sysctl -n "$name") || return 1
		SYSCTL_SAVED+=("$name=$old")
		sysctl -qw "$kv" >/dev/null || return 1
	done
}

# All saved sysctls back to their values (also done at exit); prints the mismatches.
sysctl_restore_check() {
	local kv bad=
	for kv in "${SYSCTL_SAVED[@]}"; do
		sysctl -qw "$kv" >/dev/null 2>&1
		[ "$(sysctl -n "${kv%%=*}")" = "${kv#*=}" ] || bad="$bad ${kv%%=*}"
	done
	SYSCTL_SAVED=()
	[ -z "$bad" ] || { echo "# not restored:$bad"; return 1; }
}

gso_flood() {			# NS DST PORT N SEGS [CPU]
	ip netns exec "$1" ${6:+taskset -c $6} python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1000)      # UDP_SEGMENT (linux/udp.h): gso_size 1000
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
buf = b'x' * (1000 * $5)
for i in range($4):
    s.sendto(buf, ('$2', $3))
"
}

GSO_GO= GSO_PID=
gso_flood_armed() {		# NS DST PORT N SEGS CPU
	local i
	GSO_GO=$TMP/gso-go.$3
	rm -f "$GSO_GO" "$GSO_GO.ready"
	ip netns exec "$1" taskset -c "$6" python3 -c "
import os, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1000)      # UDP_SEGMENT (linux/udp.h): gso_size 1000
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
buf = b'x' * (1000 * $5)
open('$GSO_GO.ready', 'w').close()
while not os.path.exists('$GSO_GO'):
    time.sleep(0.001)
for i in range($4):
    s.sendto(buf, ('$2', $3))
" &
	GSO_PID=$!
	BG_PIDS+=($GSO_PID)
	for i in $(seq 1 200); do
		[ -e "$GSO_GO.ready" ] && return 0
		kill -0 "$GSO_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
gso_fire() { touch "$GSO_GO"; wait "$GSO_PID"; }

finding() { jr "[.findings[] | select(.id == \"$1\")][0]"; }
fev() { jr "([.findings[] | select(.id == \"$1\")][0].evidence.$2) // null"; }

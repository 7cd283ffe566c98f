# Shared helpers of the shell tests: TAP output, root/tracefs checks, network namespaces.
# Source it; every test prints "ok N - what", "not ok N - what" or "ok N # SKIP why".
B=${B:-build}
SKBT_ROOT=${SKBT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
ANALYZE=$SKBT_ROOT/$B/skbtrail-analyze
RECORD=$SKBT_ROOT/$B/skbtrail-record
# Debian's tools first: its python3 has python3-jsonschema, and a version manager's python3
# shim can take seconds to start under load (longer than a receiver's start-up wait).
[ -x /usr/bin/python3 ] && PATH=/usr/bin:$PATH
_tap_n=0

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }
# check "what" command...: ok if the command succeeds
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
# check_eq "what" expected actual
check_eq() {
	if [ "$2" == "$3" ]; then ok "$1 ($3)"; else not_ok "$1: expected '$2', got '$3'"; fi
}

# Returns non-zero (and says why) when live kernel tests cannot run here.
live_possible() {
	if [ "$(id -u)" != 0 ]; then echo "not root"; return 1; fi
	if [ ! -d /sys/kernel/tracing/events ]; then
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	fi
	if [ ! -e /sys/kernel/tracing/events/net/netif_rx ]; then
		echo "no tracefs with net events"; return 1
	fi
	if ! ip netns add skbt-probe-$$ 2>/dev/null; then echo "cannot create network namespaces"; return 1; fi
	ip netns del skbt-probe-$$
	return 0
}

# flood_start SECONDS [PAUSE]: a bounded UDP flood on 127.0.0.1 inside network namespace $NS
# (sender and a draining receiver), 200 datagrams of 64 bytes per round, PAUSE seconds between
# rounds (default 0).  flood_stop ends it early.
FLOOD_PID=
flood_start() {
	ip netns exec "$NS" python3 -c "
import socket, time
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', 9))
r.setblocking(False)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + $1
while time.time() < end:
    for i in range(200):
        s.sendto(b'x' * 64, ('127.0.0.1', 9))
    try:
        while True: r.recv(2048)
    except BlockingIOError:
        pass
    if ${2:-0}:
        time.sleep(${2:-0})
" &
	FLOOD_PID=$!
}
flood_stop() { [ -n "$FLOOD_PID" ] && kill "$FLOOD_PID" 2>/dev/null; wait "$FLOOD_PID" 2>/dev/null; FLOOD_PID=; }

# skbt_instance PID: the tracefs instance directory of recorder PID (of our pid namespace):
# instances/skbtrail-<pidns inode>-<pid>-<start time>; a path that does not exist when none.
skbt_instance() {
	local ns d
	ns=$(stat -L -c %i /proc/self/ns/pid)
	for d in /sys/kernel/tracing/instances/skbtrail-"$ns-$1"-*; do
		[ -d "$d" ] && { echo "$d"; return 0; }
	done
	echo "/sys/kernel/tracing/instances/skbtrail-$ns-$1-none"
}

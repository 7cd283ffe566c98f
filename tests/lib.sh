# Shared helpers of the shell tests: TAP output, root/tracefs checks, network namespaces.
# Source it; every test prints "ok N - what", "not ok N - what" or "ok N # SKIP why".
B=${B:-build}
SKBT_ROOT=${SKBT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
ANALYZE=$SKBT_ROOT/$B/skbtrail-analyze
RECORD=$SKBT_ROOT/$B/skbtrail-record
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

#!/bin/bash
# OVS end-to-end test: boot a Debian 12 guest (stock 6.1 kernel, openvswitch.ko) under QEMU,
# put its virtio-net eth0 into an OVS bridge whose internal port br-int holds the guest IP,
# record with the host-built skbtrail-record INSIDE the guest while the host sends bounded UDP
# to QEMU's hostfwd ports on 127.0.0.1, then run skbtrail-analyze --json on the host and check
# each report against what was sent and against the guest's own kernel counters.
#
#   make check-ovs                 (tests/run-tests.sh tests/vm/ovs.sh, B=build)
#   bash tests/vm/ovs.sh           (the same, TAP on stdout)
#
# Environment:
#   SKBT_VM_CACHE     image cache (default ~/.cache/skbtrail-vm; key = sha256 of packages.txt
#                     + build-image.sh, so editing either rebuilds the image)
#   SKBT_VM_RECORDER  auto (default: build/skbtrail-record) | trace-cmd (stand-in recorder)
#   SKBT_VM_SCENARIOS subset of "fastpath full core4 rps upcall tc-fastpath tc-rps tc-upcall
#                     tc-core4-upcall tc-xmit-rps tc-frees-allupcall" (tc-*: plain trace-cmd)
#   SKBT_VM_TIMEOUT   hard cap in seconds for the guest session (default 1200)
#   SKBT_VM_ACCEL     tcg (default; this machine's KVM cannot run a stock kernel) | kvm
#   SKBT_VM_KEEP      1: keep the 9p share directory after the run (it is printed)
#
# Output: TAP through tests/lib.sh, a scenario table as "# " lines, and the run's files in
# $B/vm-traces/ (traces NAME.dat, reports NAME.json, guest and console logs).
# Never a silent pass: when QEMU or the image cannot be had, every check prints "# SKIP why".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"

TRACES=$SKBT_ROOT/$B/vm-traces
# shellcheck source=tests/vm/lib-vm.bash
. "$here/lib-vm.bash"
SCENARIOS=${SKBT_VM_SCENARIOS:-fastpath full core4 rps upcall tc-fastpath tc-rps tc-upcall tc-core4-upcall tc-xmit-rps tc-frees-allupcall}
TIMEOUT=${SKBT_VM_TIMEOUT:-1200}
RECORDER_MODE=${SKBT_VM_RECORDER:-auto}
N_FLOWS=16                    # hostfwd ports = guest UDP ports 5601.. (distinct RPS flows)
GUEST_TCP_PORT=5700           # one TCP hostfwd to the guest's TCP sink
HOST_PKGS="$VM_HOST_PKGS python3 python3-jsonschema trace-cmd"

SHARE=
SEND_PID=
T_START=$(date +%s)

log() { echo "# [ovs.sh $(date +%T)] $*"; }

# Whatever happens (failure, ^C, timeout): no QEMU, no sender, no temporary share left behind.
# Nothing is mounted on the host (the image is made with mkfs.ext4 -d, never loop-mounted).
cleanup() {
	local pid
	for pid in $SEND_PID $QEMU_PID; do
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null
			sleep 1
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	if [ -n "$SHARE" ] && [ -d "$SHARE" ]; then
		if [ "${SKBT_VM_KEEP:-0}" = 1 ]; then
			echo "# share kept: $SHARE"
		else
			rm -rf "$SHARE"
		fi
	fi
}
trap cleanup EXIT
trap 'not_ok "interrupted (guest stopped, share removed)"; exit 130' INT TERM HUP

# Cannot test here: say so once per check that would have run, and succeed.
skip_all() {
	local s
	skip "guest boots and sets up OVS: $*"
	for s in $SCENARIOS; do skip "scenario $s: $*"; done
	exit 0
}

# ---------------------------------------------------------------------------------------------
# N free UDP ports on 127.0.0.1 for hostfwd (a fixed port could collide with another run).
# free_udp_ports N tcp: N free TCP ports.
free_udp_ports() {
	$PY - "$1" "${2:-udp}" <<'EOF'
import socket, sys
socks = []
kind = socket.SOCK_STREAM if sys.argv[2] == "tcp" else socket.SOCK_DGRAM
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Which recorder runs in the guest.  skbtrail-record is the point of the test; the trace-cmd
# stand-in only exists to develop and debug the harness without it, and says so.
choose_recorder() {
	case "$RECORDER_MODE" in
	trace-cmd)
		RECORDER=trace-cmd
		skip "skbtrail-record records in the guest: SKBT_VM_RECORDER=trace-cmd (stand-in)"
		;;
	*)
		if [ -x "$RECORD" ]; then
			RECORDER=skbtrail
			ok "skbtrail-record records in the guest ($B/skbtrail-record)"
		else
			RECORDER=trace-cmd
			not_ok "$B/skbtrail-record missing: scenarios recorded with the trace-cmd stand-in"
		fi
		;;
	esac
}

prepare_share() {
	SHARE=$(mktemp -d /tmp/skbt-vm.XXXXXX) || return 1
	mkdir -p "$SHARE/ctl" "$SHARE/out"
	cp "$here/guest.sh" "$here/sink.py" "$here/truth.py" "$SHARE/" || return 1
	if [ "$RECORDER" = skbtrail ]; then
		cp "$RECORD" "$SHARE/skbtrail-record" || return 1
	fi
	cat >"$SHARE/config" <<-EOF
	RECORDER=$RECORDER
	SCENARIOS="$SCENARIOS"
	GUEST_PORTS="$GUEST_PORTS"
	TCP_PORT=$GUEST_TCP_PORT
	EOF
}

# ---------------------------------------------------------------------------------------------
# Boot the guest and serve its traffic requests until it powers off (or the hard cap).
# The only NIC is slirp with restrict=on: the guest cannot reach anything, and the only way in
# is hostfwd on 127.0.0.1.  ipv6=off: QEMU's own router advertisements (every few minutes, to
# a multicast MAC: a datapath miss) would otherwise land in a recording now and then.
# The root image is opened with snapshot=on: the cache stays pristine.
run_guest() {
	local hostfwd="" i port
	read -r -a HOST_PORTS <<<"$(free_udp_ports $N_FLOWS)"
	GUEST_PORTS=""
	for i in $(seq 0 $((N_FLOWS - 1))); do
		port=$((5601 + i))
		GUEST_PORTS="$GUEST_PORTS $port"
		hostfwd="$hostfwd,hostfwd=udp:127.0.0.1:${HOST_PORTS[$i]}-10.0.2.15:$port"
	done
	HOST_TCP_PORT=$(free_udp_ports 1 tcp)
	hostfwd="$hostfwd,hostfwd=tcp:127.0.0.1:$HOST_TCP_PORT-10.0.2.15:$GUEST_TCP_PORT"
	prepare_share || return 1
	vm_boot "$SHARE" 2 2048 -netdev "user,id=n0,restrict=on,ipv6=off$hostfwd" \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56 || return
	$PY "$here/send.py" "$SHARE/ctl" "$QEMU_PID" "$TIMEOUT" --tcp "$HOST_TCP_PORT" "${HOST_PORTS[@]}" \
		>"$TRACES/send.log" 2>&1 &
	SEND_PID=$!
	vm_wait "$TIMEOUT"
	cleanup_guest_processes
	BOOT_SECONDS=$GUEST_SECONDS
	cp -a "$SHARE/out/." "$TRACES/" 2>/dev/null
	cp -a "$SHARE/ctl" "$TRACES/ctl" 2>/dev/null
}

cleanup_guest_processes() {
	local pid
	for pid in $QEMU_PID $SEND_PID; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	QEMU_PID="" SEND_PID=""
}

# ---------------------------------------------------------------------------------------------
analyze_all() {
	local s
	for s in $SCENARIOS; do
		[ -f "$TRACES/$s.dat" ] || continue
		if [ -x "$ANALYZE" ]; then
			# JSON for check.py, the text report kept next to it for people
			rm -f "$TRACES/$s.json"
			"$ANALYZE" --json "$TRACES/$s.json" "$TRACES/$s.dat" >"$TRACES/$s.report.txt" \
				2>"$TRACES/$s.analyze.log"
			echo $? >"$TRACES/$s.analyze.rc"
		fi
	done
}

# check.py prints "ok<TAB>what" | "not ok<TAB>what" | "skip<TAB>what" | "# ..." lines; they are
# numbered here so that all TAP comes from tests/lib.sh.
report_checks() {
	local line
	# shellcheck disable=SC2086 # one argument per scenario
	while IFS= read -r line; do
		case "$line" in
		"ok	"*) ok "${line#ok	}" ;;
		"not ok	"*) not_ok "${line#not ok	}" ;;
		"skip	"*) skip "${line#skip	}" ;;
		"#"*) echo "$line" ;;
		*) echo "# check.py: $line" ;;
		esac
	done < <($PY "$here/check.py" "$TRACES" $SCENARIOS 2>&1)
}

main() {
	local rc
	rm -rf "$TRACES"
	mkdir -p "$TRACES" || { echo "cannot create $TRACES"; exit 1; }
	[ "$(id -u)" = 0 ] || skip_all "not root (mmdebstrap, apt-get)"
	# shellcheck disable=SC2086 # one argument per package
	ensure_host_tools $HOST_PKGS || skip_all "cannot install host packages ($HOST_PKGS), see $TRACES/host-apt.log"
	if ! ensure_image; then
		skip_all "cannot build the guest image (no Debian mirror?): ${IMAGE_ERROR:-see the build log in $CACHE_ROOT}"
	fi
	ok "guest image: $IMAGE_STATE"
	choose_recorder
	run_guest
	rc=$?
	[ $rc -eq 2 ] && skip_all "$QEMU_ERROR"
	[ $rc -ne 0 ] && { not_ok "guest started (could not prepare the 9p share)"; exit 1; }
	check_eq "guest finished within ${TIMEOUT} s" 0 "$GUEST_TIMEOUT"
	if grep -q "setup done" "$TRACES/guest.log" 2>/dev/null; then
		ok "guest booted and set up OVS (br-int internal port, eth0 in br-int)"
	else
		not_ok "guest booted and set up OVS: see $TRACES/guest.log and $TRACES/console.log"
	fi
	if [ "$RECORDER" = skbtrail ]; then
		check_eq "skbtrail-record's libraries all found in the guest (ldd)" 0 \
			"$(cat "$TRACES/ldd-missing.txt" 2>/dev/null || echo "no ldd result")"
	fi
	if [ -x "$ANALYZE" ]; then
		analyze_all
	else
		not_ok "$B/skbtrail-analyze missing: reports cannot be checked"
	fi
	report_checks
	echo "# traces in $TRACES:"
	(cd "$TRACES" && ls -l -- *.dat 2>/dev/null | awk '{ printf "#   %-24s %9d bytes\n", $9, $5 }')
	echo "# timings: image ${IMAGE_STATE%% (*}; guest session ${BOOT_SECONDS:-?} s; total $(( $(date +%s) - T_START )) s"
}

main

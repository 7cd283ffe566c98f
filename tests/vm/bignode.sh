#!/bin/bash
# Big-node test (issue 21): skbtrail-record at its DEFAULT settings inside a guest with many
# vCPUs (32 by default), RPS spreading a paced UDP burst from many source ports over all of
# them (a veth pair between two network namespaces in the guest), then skbtrail-analyze on
# the host.  Checks: every datagram's journey found, no event lost, the tracing instance's
# ring buffers within the budget the recorder stated, reader threads and file descriptors
# bounded (and reported), RPS really spread over the CPUs.
#
#   make check-bignode             (tests/run-tests.sh tests/vm/bignode.sh, B=build)
#   bash tests/vm/bignode.sh       (the same, TAP on stdout)
#
# Environment (and those of tests/vm/lib-vm.bash: SKBT_VM_CACHE, SKBT_VM_ACCEL):
#   SKBT_BIGNODE_CPUS     vCPUs (default 32)
#   SKBT_BIGNODE_MEM      guest memory in MB (default 3072, less when the host has less free)
#   SKBT_BIGNODE_DGRAMS   datagrams (default 2000), from SKBT_BIGNODE_SPORTS source ports (256)
#   SKBT_VM_TIMEOUT       hard cap in seconds for the guest session (default 900)
#
# Output: TAP through tests/lib.sh, a summary as "# " lines, the run's files in
# $B/bignode-traces/ (bignode.dat, bignode.json, bignode.meta, samples.txt, guest.log,
# console.log, bignode.record.log).  Never a silent pass: without root, QEMU or the image,
# every check prints "# SKIP why".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"

TRACES=$SKBT_ROOT/$B/bignode-traces
# shellcheck source=tests/vm/lib-vm.bash
. "$here/lib-vm.bash"
NCPU=${SKBT_BIGNODE_CPUS:-32}
MEM=${SKBT_BIGNODE_MEM:-3072}
N_DGRAMS=${SKBT_BIGNODE_DGRAMS:-2000}
N_SPORTS=${SKBT_BIGNODE_SPORTS:-256}
TIMEOUT=${SKBT_VM_TIMEOUT:-900}
HOST_PKGS="$VM_HOST_PKGS jq"
DEV=vb                          # the receiving veth in the guest (bignode-guest.sh)
# Bounds: the recorder polls 8 CPUs per reader thread (SKBT_BUDGET_CPUS_PER_READER), plus
# its main thread; two fds per CPU (trace_pipe_raw, spool), two per thread (its pipe), and a
# few of its own (stdio, output file, tracefs).
READERS=$(( (NCPU + 7) / 8 ))
MAX_THREADS=$(( READERS + 3 ))
MAX_FDS=$(( 2 * NCPU + 2 * READERS + 16 ))
MIN_RPS_CPUS=$(( NCPU / 2 ))

SHARE=
T_START=$(date +%s)

cleanup() {
	if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill "$QEMU_PID" 2>/dev/null
		sleep 1
		kill -KILL "$QEMU_PID" 2>/dev/null
	fi
	[ -n "$SHARE" ] && [ -d "$SHARE" ] && rm -rf "$SHARE"
}
trap cleanup EXIT
trap 'not_ok "interrupted (guest stopped, share removed)"; exit 130' INT TERM HUP

CHECKS=("guest with $NCPU vCPUs boots and sets up veth + RPS" "recorder at default settings"
	"every datagram's journey found" "no event lost" "ring buffers within the stated budget"
	"reader threads and fds bounded" "RPS spread over >= $MIN_RPS_CPUS CPUs")
skip_all() {
	local c
	for c in "${CHECKS[@]}"; do skip "bignode: $c: $*"; done
	exit 0
}

meta() { sed -n "s/^$1=//p" "$TRACES/bignode.meta" 2>/dev/null | tail -1; }
jr() { jq -r "$1" "$TRACES/bignode.json"; }

# Guest memory: the default, but never more than half of what the host has available.
size_memory() {
	local avail
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	[ -n "$avail" ] && [ "$MEM" -gt $((avail / 2)) ] && MEM=$((avail / 2))
	[ "$MEM" -ge 1024 ]
}

# Secondary vCPUs each calibrate their delay loop, seconds apiece under TCG: pass the loops
# per jiffy the boot CPU computes from the TSC (the guest's TSC runs at the host's rate;
# Debian's kernel has HZ=250), so the 31 others skip it.
lpj_arg() {
	awk '/^cpu MHz/ { printf "lpj=%d", $4 * 1000000 / 250; exit }' /proc/cpuinfo
}

run_guest() {
	SHARE=$(mktemp -d /tmp/skbt-bignode.XXXXXX) || return 1
	mkdir -p "$SHARE/out"
	cp "$here/bignode-guest.sh" "$SHARE/guest.sh" && cp "$RECORD" "$SHARE/skbtrail-record" ||
		return 1
	printf 'N_DGRAMS=%s\nN_SPORTS=%s\n' "$N_DGRAMS" "$N_SPORTS" >"$SHARE/config"
	VM_KERNEL_ARGS=$(lpj_arg) vm_boot "$SHARE" "$NCPU" "$MEM" || return
	vm_wait "$TIMEOUT"
	cp -a "$SHARE/out/." "$TRACES/" 2>/dev/null
}

checks() {
	local found lost budget_kb budget_text per_cpu_kb stated_cpus inst_kb inst_total pages_kb
	local threads fds cpus stated_total
	check_eq "guest finished within $TIMEOUT s" 0 "$GUEST_TIMEOUT"
	check_eq "guest CPUs" "$NCPU" "$(meta nproc)"
	check "RPS on $DEV over every CPU (rps_cpus $(meta rps_cpus))" \
		test "$(meta rps_cpus | tr -d ',' | sed 's/^0*//')" = "$(printf '%x' $(( (1 << NCPU) - 1 )))"
	check_eq "skbtrail-record's libraries all found in the guest (ldd)" 0 \
		"$(cat "$TRACES/ldd-missing.txt" 2>/dev/null || echo "no ldd result")"
	check_eq "recorder (no option but -o) exited 0" 0 "$(meta record_rc)"
	check_eq "datagrams sent" "$N_DGRAMS" "$(meta sent)"
	check_eq "receiver socket counted every datagram" "$N_DGRAMS" "$(meta received)"
	check_eq "Udp InDatagrams of the receiving namespace" "$(meta received)" "$(meta udp_in_delta)"

	# The recorder's own statement of its plan and of what it lost.
	grep -E "ring buffers:|reader|lost events" "$TRACES/bignode.record.log" | sed 's/^/# recorder: /'
	per_cpu_kb=$(sed -n 's/.*ring buffers: \([0-9]*\) KB per CPU x \([0-9]*\) CPUs.*/\1/p' "$TRACES/bignode.record.log" | head -1)
	stated_cpus=$(sed -n 's/.*ring buffers: \([0-9]*\) KB per CPU x \([0-9]*\) CPUs.*/\2/p' "$TRACES/bignode.record.log" | head -1)
	# The budget as printed ("172 MB", "1.5 GB"), in KB, plus half a unit of its last digit.
	budget_text=$(sed -n 's/.*(budget \([0-9.]* [KMG]B\):.*/\1/p' "$TRACES/bignode.record.log" | head -1)
	budget_kb=$(awk -v t="${budget_text:-0 KB}" 'BEGIN { split(t, a, " ")
		f = a[2] == "GB" ? 1048576 : a[2] == "MB" ? 1024 : 1
		half = index(a[1], ".") ? 0.05 : 0.5
		printf "%d", (a[1] + (f > 1 ? half : 0)) * f }')
	lost=$(sed -n 's/.*lost events: \([0-9]*\)$/\1/p' "$TRACES/bignode.record.log" | tail -1)
	check_eq "recorder lost no event (its summary)" 0 "${lost:-none printed}"

	if [ -x "$ANALYZE" ] && [ -f "$TRACES/bignode.dat" ]; then
		"$ANALYZE" --json "$TRACES/bignode.json" -q --dev "va,$DEV" --top "$N_DGRAMS" \
			"$TRACES/bignode.dat" >"$TRACES/bignode.report.txt" 2>"$TRACES/bignode.analyze.log"
		check_eq "skbtrail-analyze exit status" 0 "$?"
	else
		not_ok "skbtrail-analyze ran ($ANALYZE, $TRACES/bignode.dat)"
	fi
	if [ -s "$TRACES/bignode.json" ]; then
		found=$(jr "[.paths[] | select(.name == \"$DEV\") | .journeys] | add // 0")
		check_eq "journeys on path $DEV == datagrams the socket counted" "$(meta received)" "$found"
		check_eq "incomplete journeys on $DEV" 0 "$(jr "[.paths[] | select(.name == \"$DEV\") | .incomplete] | add // 0")"
		check_eq "report: lost events, lost markers, trace incomplete" "0 0 false" \
			"$(jr '"\(.trace.lost_events) \(.trace.lost_markers) \(.trace.incomplete)"')"
		check_eq "report: CPUs in the trace" "$NCPU" "$(jr .trace.cpus)"
		cpus=$(jr "[.slowest[].hops[] | select(.event == \"netif_receive_skb\" and .dev == \"$DEV\") | .cpu] | unique | length")
		check "RPS spread: journeys received on $cpus distinct CPUs (>= $MIN_RPS_CPUS)" \
			test "$cpus" -ge "$MIN_RPS_CPUS"
		echo "# journeys received per CPU: $(jr "[.slowest[].hops[] | select(.event == \"netif_receive_skb\" and .dev == \"$DEV\") | .cpu] | group_by(.) | map(\"\(.[0]):\(length)\") | join(\" \")")"
	else
		not_ok "analyzer report $TRACES/bignode.json"
	fi

	# The instance as the kernel sized it, read while recording, against the stated plan.
	# A ring buffer page holds 4080 bytes of events (record/budget.h), the kernel shows
	# buffer_size_kb = pages x 4080 / 1024 and has one spare page per CPU besides.
	inst_kb=$(meta buffer_size_kb)
	inst_total=$(meta buffer_total_size_kb)
	check_eq "recorder stated its plan for all CPUs" "$NCPU" "${stated_cpus:-none}"
	check_eq "instance buffer_size_kb == the stated per-CPU size in whole pages" \
		"$(( (${per_cpu_kb:-0} * 1024 + 4079) / 4080 * 4080 / 1024 ))" "$inst_kb"
	check_eq "instance buffer_total_size_kb == buffer_size_kb x CPUs" "$((${inst_kb:-0} * NCPU))" "$inst_total"
	pages_kb=$(( ((${inst_kb:-0} * 1024 + 4079) / 4080 + 1) * 4 * NCPU ))
	stated_total=$(sed -n 's/.*CPUs = \([0-9.]* [KMG]B\) of kernel pages.*/\1/p' "$TRACES/bignode.record.log" | head -1)
	check "instance memory $pages_kb KB of pages == the stated total ${stated_total:-?} (to its rounding)" \
		awk -v t="${stated_total:-0 KB}" -v k="$pages_kb" 'BEGIN { split(t, a, " ")
			f = a[2] == "GB" ? 1048576 : a[2] == "MB" ? 1024 : 1
			half = (index(a[1], ".") ? 0.05 : 0.5) * f
			d = a[1] * f - k; exit !(k > 0 && d <= half && -d <= half) }'
	check "instance memory $pages_kb KB of pages <= the stated budget ${budget_text:-?} (<= $budget_kb KB, its rounding included)" \
		test "${inst_kb:-0}" -gt 0 -a "$pages_kb" -le "$budget_kb"
	threads=$(meta threads_max)
	fds=$(meta fds_max)
	check "recorder threads while recording: $threads (<= $MAX_THREADS: $READERS readers + main + 2)" \
		test "${threads:-999}" -ge 2 -a "${threads:-999}" -le "$MAX_THREADS"
	check "recorder fds while recording: $fds (<= $MAX_FDS: 2 per CPU + 2 per reader + 16)" \
		test "${fds:-999}" -ge 1 -a "${fds:-999}" -le "$MAX_FDS"
	echo "# bignode: $NCPU vCPUs, $MEM MB; sent $(meta sent), received $(meta received), journeys ${found:-?}," \
		"lost ${lost:-?}; instance ${inst_kb:-?} KB/CPU, ${pages_kb:-?} KB of pages, budget ${budget_text:-?}" \
		"(guest MemAvailable $(meta mem_available_before_kb) KB before, lowest $(meta mem_available_min_kb) KB while recording); threads ${threads:-?}, fds ${fds:-?};" \
		"RPS CPUs ${cpus:-?}; samples $(meta samples); recorder ready in $(meta record_start_ms) ms"
}

main() {
	rm -rf "$TRACES"
	mkdir -p "$TRACES" || { echo "cannot create $TRACES"; exit 1; }
	[ "$(id -u)" = 0 ] || skip_all "not root (mmdebstrap, apt-get)"
	# shellcheck disable=SC2086 # one argument per package
	ensure_host_tools $HOST_PKGS || skip_all "cannot install host packages ($HOST_PKGS), see $TRACES/host-apt.log"
	size_memory || skip_all "the host has too little memory available for a $MEM MB guest"
	[ -x "$RECORD" ] || skip_all "$B/skbtrail-record not built"
	if ! ensure_image; then
		skip_all "cannot build the guest image (no Debian mirror?): ${IMAGE_ERROR:-see the build log in $CACHE_ROOT}"
	fi
	ok "guest image: $IMAGE_STATE"
	run_guest
	case $? in
	0) ;;
	2) skip_all "$QEMU_ERROR" ;;
	*) not_ok "guest started (could not prepare the 9p share)"; exit 1 ;;
	esac
	if grep -q "setup done" "$TRACES/guest.log" 2>/dev/null; then
		ok "guest booted ($NCPU vCPUs) and set up the veth pair with RPS"
	else
		not_ok "guest booted and set up veth + RPS: see $TRACES/guest.log and $TRACES/console.log"
	fi
	checks
	echo "# timings: image ${IMAGE_STATE%% (*}; guest session ${GUEST_SECONDS:-?} s" \
		"(kernel up at $(meta uptime_s) s guest time); total $(( $(date +%s) - T_START )) s"
}

main

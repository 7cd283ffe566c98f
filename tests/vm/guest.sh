#!/bin/bash
# Runs inside the test guest (started by the image's init from the 9p share, output in
# /share/out/guest.log).  Sets up Open vSwitch with the kernel datapath, then records each
# scenario with skbtrail-record (or the trace-cmd stand-in) while the host sends UDP into
# eth0 through QEMU's hostfwd ports.
#
# Host <-> guest protocol, all through files on the 9p share (no network control channel):
#   /share/config               shell variables written by ovs.sh (RECORDER, SCENARIOS, ...)
#   /share/ctl/req-NAME         guest: "please send": key=value traffic spec, one line
#   /share/ctl/done-NAME        host : sent; JSON of what was sent (written by send.py)
#   /share/out/NAME.dat         the trace of scenario NAME
#   /share/out/NAME.meta        key=value facts the guest measured around the recording
#                               (counter deltas: the kernel's own count of what went through)
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SHARE=/share
OUT=$SHARE/out
CTL=$SHARE/ctl
T=/sys/kernel/tracing
mkdir -p "$OUT" "$CTL"

# Defaults; /share/config overrides them.
RECORDER=skbtrail          # skbtrail | trace-cmd (stand-in while skbtrail-record is not built)
SCENARIOS="fastpath full core4 rps upcall"
GUEST_PORTS="5601 5602 5603 5604"
TCP_PORT=5700              # the TCP sink (scenario tc-xmit-rps)
N_PKTS=48                  # datagrams per scenario (upcall: per round)
UPCALL_ROUNDS=3
# shellcheck source=/dev/null
[ -f "$SHARE/config" ] && . "$SHARE/config"

CORE_EVENTS="net:netif_receive_skb net:netif_rx napi:napi_poll net:net_dev_queue"
# Plain trace-cmd (the tc-* scenarios, and the stand-in): a global clock because journeys
# cross CPUs; 8 MiB per CPU is plenty for these bounded bursts; v7 + zstd like skbtrail-record.
TRACE_CMD=(trace-cmd record -q -C mono -b 8192 --file-version 7 --compression zstd)

log() { echo "[guest $(date +%T.%3N)] $*"; }

# ---------------------------------------------------------------------------------------------
# Network: eth0 (virtio-net, slirp) as a port of the OVS bridge br-int; the guest IP lives on
# the internal port br-int, so every datagram takes eth0 -> OVS -> br-int -> backlog -> UDP.
setup_network() {
	# No IPv6: router solicitations, DAD and MLD would add journeys nobody sent.
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link set lo up
	# No udev in this guest: load the drivers by hand.
	modprobe virtio_net
	local _
	for _ in $(seq 1 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
	[ -e /sys/class/net/eth0 ] || { log "no eth0"; return 1; }
	ip link set eth0 up
	modprobe openvswitch || return 1
	mkdir -p /var/run/openvswitch /var/log/openvswitch
	/usr/share/openvswitch/scripts/ovs-ctl start --system-id=random --no-mlockall || return 1
	ovs-vsctl --may-exist add-br br-int || return 1          # kernel datapath (system@ovs-system)
	ovs-vsctl --may-exist add-port br-int eth0 || return 1
	# Datapath flows stay until the upcall scenario flushes them, so "warm" stays warm.
	ovs-vsctl set Open_vSwitch . other_config:max-idle=600000
	ip addr add 10.0.2.15/24 dev br-int
	ip link set br-int up
	ip route add default via 10.0.2.2
	# QEMU's gateway (the source of hostfwd TCP) has a fixed MAC: no ARP exchange in the
	# middle of a recording when the guest answers TCP.
	ip neigh replace 10.0.2.2 lladdr 52:55:0a:00:02:02 dev br-int nud permanent
	# The virtio receive interrupt (and so the NIC's NAPI poll) on CPU0: RPS to CPU1 is then
	# a visible cross-CPU hop, and without RPS everything stays on CPU0.
	local irq
	for irq in $(awk -F: '/virtio.*input/ {gsub(/ /, "", $1); print $1}' /proc/interrupts); do
		echo 0 >"/proc/irq/$irq/smp_affinity_list" || true
	done
	set_rps 0
}

set_rps() {
	local f
	for f in /sys/class/net/eth0/queues/rx-*/rps_cpus; do echo "$1" >"$f"; done
}

start_sink() {
	# shellcheck disable=SC2086 # one argument per port
	python3 "$SHARE/sink.py" /tmp/sink.log --tcp "$TCP_PORT" $GUEST_PORTS &
	SINK_PID=$!
}

guest_info() {
	{
		echo "### uname -a"; uname -a
		echo "### /proc/cmdline"; cat /proc/cmdline
		echo "### nproc"; nproc
		echo "### ovs-vsctl --version"; ovs-vsctl --version
		echo "### ovs-vsctl show"; ovs-vsctl show
		echo "### ovs-dpctl show"; ovs-dpctl show
		echo "### ip -d link"; ip -d link
		echo "### ip addr"; ip addr
		echo "### ethtool -k eth0"; ethtool -k eth0
		echo "### ethtool -l eth0"; ethtool -l eth0
		echo "### /proc/interrupts"; cat /proc/interrupts
		echo "### trace_clock"; cat $T/trace_clock
		echo "### openvswitch tracepoints"; ls $T/events/openvswitch
		echo "### recorder"; echo "$RECORDER"
		echo "### ldd skbtrail-record"; ldd /usr/local/bin/skbtrail-record 2>&1
	} >"$OUT/guest-info.txt" 2>&1
	if [ -x /usr/local/bin/skbtrail-record ]; then
		ldd /usr/local/bin/skbtrail-record 2>&1 | grep -c "not found" >"$OUT/ldd-missing.txt"
	fi
}

# ---------------------------------------------------------------------------------------------
# Traffic: ask the host for one bounded burst and wait until it says it is done.
# request NAME key=value...   (count, flows, gap_ms, size; see send.py)
request() {
	local name=$1; shift
	rm -f "$CTL/done-$name"
	echo "$*" >"$CTL/req-$name.tmp" && mv "$CTL/req-$name.tmp" "$CTL/req-$name"
	local _
	for _ in $(seq 1 1200); do
		[ -s "$CTL/done-$name" ] && return 0
		sleep 0.1
	done
	log "timeout waiting for the host to send $name"
	return 1
}

# ---------------------------------------------------------------------------------------------
# Recording.  Everything recorder-specific is in these two functions.
# rec_start NAME EVENTS [RECORDER]
#                         EVENTS: "default" (the recorder's own default, the four core
#                         events), "full", or a space-separated list of system:event;
#                         RECORDER: skbtrail | trace-cmd (default $RECORDER)
rec_start() {
	local name=$1 events=$2 recorder=${3:-$RECORDER} e
	local -a cmd
	REC_FILE=/tmp/$name.dat
	if [ "$recorder" = skbtrail ]; then
		cmd=(skbtrail-record -o "$REC_FILE")
		case "$events" in
		default) ;;
		full) cmd+=(--events full) ;;
		*) cmd+=(--events "$(echo "$events" | tr ' ' ',')") ;;
		esac
	else
		# Plain trace-cmd; as the stand-in, with what skbtrail-record is meant to enable.
		cmd=("${TRACE_CMD[@]}" -o "$REC_FILE")
		case "$events" in
		default) events=$CORE_EVENTS ;;
		full)
			events="$CORE_EVENTS net:netif_receive_skb_entry net:netif_receive_skb_list_entry
				net:netif_rx_entry net:napi_gro_receive_entry net:net_dev_start_xmit
				net:net_dev_xmit skb:kfree_skb skb:consume_skb openvswitch"
			cmd+=(-e irq:softirq_entry -f 'vec == 2 || vec == 3'
				-e irq:softirq_exit -f 'vec == 2 || vec == 3'
				-e irq:softirq_raise -f 'vec == 2 || vec == 3')
			;;
		esac
		for e in $events; do cmd+=(-e "$e"); done
	fi
	echo "${cmd[*]}" >"$OUT/$name.cmd"
	log "record: ${cmd[*]}"
	(cd /tmp && exec "${cmd[@]}") >"$OUT/$name.record.log" 2>&1 &
	REC_PID=$!
	# Ready: skbtrail-record says "recording to" once tracing is on (its node snapshot comes
	# before and can take seconds under emulation); trace-cmd when netif_receive_skb is
	# enabled in the top buffer.
	local f
	for _ in $(seq 1 300); do
		kill -0 $REC_PID 2>/dev/null || { log "recorder exited early"; return 1; }
		if grep -q "recording to" "$OUT/$name.record.log" 2>/dev/null; then
			sleep 0.5
			return 0
		fi
		[ "$recorder" = trace-cmd ] || { sleep 0.1; continue; }
		for f in $T/events/net/netif_receive_skb/enable; do
			if [ -f "$f" ] && [ "$(cat "$f")" = 1 ]; then
				sleep 1   # the reader threads start after the events are enabled
				return 0
			fi
		done
		sleep 0.1
	done
	log "recorder not ready after 30 s"
	return 1
}

rec_stop() {
	local name=$1 rc
	kill -INT $REC_PID 2>/dev/null
	for _ in $(seq 1 600); do kill -0 $REC_PID 2>/dev/null || break; sleep 0.1; done
	if kill -0 $REC_PID 2>/dev/null; then
		log "recorder did not stop on SIGINT within 60 s, killing it"
		kill -KILL $REC_PID
	fi
	wait $REC_PID; rc=$?
	echo "record_rc=$rc" >>"$OUT/$name.meta"
	if [ -f "$REC_FILE" ]; then
		cp "$REC_FILE" "$OUT/$name.dat"
		rm -f "$REC_FILE"
	fi
	return $rc
}

# ---------------------------------------------------------------------------------------------
# Counters read before and after each recording; their differences are the kernel's own count
# of what happened, to compare with the journeys the analyzer finds.
counters() {
	local s=/sys/class/net
	echo "eth0_rx=$(cat $s/eth0/statistics/rx_packets)"
	echo "brint_rx=$(cat $s/br-int/statistics/rx_packets)"
	echo "eth0_tx=$(cat $s/eth0/statistics/tx_packets)"
	echo "brint_tx=$(cat $s/br-int/statistics/tx_packets)"
	# the stack's own: datagrams read by sockets, TCP segments in and out
	awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print "udp_in=" $2 }
	     $1 == "Tcp:" && $2 ~ /^[0-9]/ { print "tcp_in=" $11; print "tcp_out=" $12 }' /proc/net/snmp
	ovs-dpctl show | awk '/lookups:/ { for (i = 2; i <= NF; i++) { split($i, kv, ":"); print "dp_" kv[1] "=" kv[2] } }'
}

# meta_delta NAME BEFORE AFTER: append KEY_delta=after-before for every counter
meta_delta() {
	python3 - "$2" "$3" >>"$OUT/$1.meta" <<'EOF'
import sys
def parse(s):
    return dict(l.split("=", 1) for l in s.split() if "=" in l)
a, b = parse(sys.argv[1]), parse(sys.argv[2])
for k in sorted(b):
    if k in a:
        print("%s_delta=%d" % (k, int(b[k]) - int(a[k])))
EOF
}

sink_count() { grep -c "^$1 " /tmp/sink.log 2>/dev/null || true; }
sink_tcp_bytes() { awk -v t="$1" '$1 == "tcp" && $2 == t { n += $3 } END { print n + 0 }' /tmp/sink.log; }

# thread ids of ovs-vswitchd's handler threads (they re-inject upcalled packets)
handler_tids() {
	local t
	for t in /proc/"$(pidof ovs-vswitchd)"/task/*; do
		case "$(cat "$t/comm" 2>/dev/null)" in handler*) echo "${t##*/}" ;; esac
	done
}

# [SCEN_RECORDER=R] [SCEN_SETUP=TEXT] run_scenario NAME EVENTS TRAFFIC-SPEC [ROUNDS [PER-ROUND-COMMAND]]
# Records NAME (with R, default $RECORDER) while the host sends ROUNDS bursts (default 1);
# before each burst runs the per-round command (the upcall scenarios flush the datapath flows
# there).  Recordings made with trace-cmd get NAME.truth.json (truth.py).
run_scenario() {
	local name=$1 events=$2 spec=$3 rounds=${4:-1} per_round=${5:-} r before after
	local recorder=${SCEN_RECORDER:-$RECORDER}
	log "scenario $name: recorder=$recorder events=$events traffic: $spec x $rounds"
	{
		echo "name=$name"
		echo "events=$events"
		echo "recorder=$recorder"
		echo "rounds=$rounds"
		echo "rps_cpus=$(cat /sys/class/net/eth0/queues/rx-0/rps_cpus)"
		echo "setup=${SCEN_SETUP:-}"
	} >"$OUT/$name.meta"
	[ -n "$per_round" ] && FLOWS_DIRTY=1
	ovs-dpctl dump-flows >"$OUT/$name.flows-before.txt" 2>&1
	rec_start "$name" "$events" "$recorder" ||
		{ echo "record_started=0" >>"$OUT/$name.meta"; rec_stop "$name"; return 1; }
	echo "record_started=1" >>"$OUT/$name.meta"
	before=$(counters)
	for r in $(seq 1 "$rounds"); do
		[ -n "$per_round" ] && $per_round
		# The host's done file is named after the burst; one JSON per round.
		request "$name-$r" "$spec tag=$name" || break
		cp "$CTL/done-$name-$r" "$OUT/$name.sent-$r.json"
	done
	sleep 1          # let the last datagrams reach the socket
	after=$(counters)
	rec_stop "$name"
	meta_delta "$name" "$before" "$after"
	echo "sink_received=$(sink_count "$name")" >>"$OUT/$name.meta"
	echo "sink_tcp_bytes=$(sink_tcp_bytes "$name")" >>"$OUT/$name.meta"
	ovs-dpctl dump-flows >"$OUT/$name.flows-after.txt" 2>&1
	if [ "$recorder" = trace-cmd ] && [ -f "$OUT/$name.dat" ]; then
		# shellcheck disable=SC2046 # one argument per thread id
		python3 "$SHARE/truth.py" "$OUT" "$name" $(handler_tids) ||
			log "truth.py failed for $name"
	fi
	log "scenario $name done: $(tr '\n' ' ' <"$OUT/$name.meta")"
}

flush_flows() { ovs-dpctl del-flows; }

# Warm scenarios expect the datapath flow of their traffic to be installed: after a scenario
# that flushed the flows (or forbade them), send the warm-up burst again.
FLOWS_DIRTY=0
N_WARM=0
warm_flows() {
	[ "$FLOWS_DIRTY" = 1 ] || return 0
	N_WARM=$((N_WARM + 1))
	request "warmup-$N_WARM" "count=$nflows flows=$nflows gap_ms=20 size=200 tag=warmup" || return 1
	sleep 1
	FLOWS_DIRTY=0
}

# ovs-vswitchd installs no datapath flow while its flow limit is 0: every packet is a miss,
# an upcall, and is re-injected by a handler thread (OVS_PACKET_CMD_EXECUTE).  The limit is
# read by the revalidators (500 ms period), so wait for them before the traffic.
no_datapath_flows() {
	ovs-vsctl set Open_vSwitch . other_config:flow-limit=0
	sleep 2
	ovs-dpctl del-flows
}
datapath_flows_again() { ovs-vsctl remove Open_vSwitch . other_config flow-limit; FLOWS_DIRTY=1; }

# ---------------------------------------------------------------------------------------------
main() {
	local t0 s
	t0=$(date +%s)
	log "start; recorder=$RECORDER scenarios=$SCENARIOS"
	if [ "$RECORDER" = skbtrail ]; then
		install -m 755 "$SHARE/skbtrail-record" /usr/local/bin/skbtrail-record ||
			{ log "no skbtrail-record on the share"; return 1; }
	fi
	setup_network || { log "network/OVS setup failed"; ovs-vsctl show; return 1; }
	start_sink
	guest_info
	log "setup done in $(( $(date +%s) - t0 )) s"

	# Warm-up: slirp's ARP for the guest, OVS MAC learning, and one datapath flow for the
	# traffic every later scenario sends; without it the first datagram of scenario 1 would
	# take the upcall path.
	nflows=$(echo "$GUEST_PORTS" | wc -w)
	request warmup "count=$nflows flows=$nflows gap_ms=20 size=200 tag=warmup" || return 1
	sleep 1
	ovs-dpctl dump-flows >"$OUT/warmup-flows.txt" 2>&1

	local spec="count=$N_PKTS flows=$nflows gap_ms=25 size=200"
	for s in $SCENARIOS; do
		case "$s" in
		fastpath | full | core4 | rps | tc-fastpath | tc-rps) warm_flows ;;
		esac
		case "$s" in
		fastpath) run_scenario fastpath default "$spec" ;;
		full) run_scenario full full "$spec" ;;
		core4) run_scenario core4 "$CORE_EVENTS" "$spec" ;;
		rps)
			# Both CPUs: each flow hashes to CPU0 (no hop) or CPU1 (hop); with 16 flows
			# at least one hop is all but certain (all on CPU0: 1 in 65536).
			set_rps 3
			run_scenario rps full "$spec"
			set_rps 0
			;;
		# The same traffic recorded by plain trace-cmd with the four core events.
		tc-fastpath) SCEN_RECORDER=trace-cmd run_scenario tc-fastpath "$CORE_EVENTS" "$spec" ;;
		tc-rps)
			set_rps 3
			SCEN_RECORDER=trace-cmd SCEN_SETUP="rps_cpus=3" run_scenario tc-rps "$CORE_EVENTS" "$spec"
			set_rps 0
			;;
		tc-upcall)
			SCEN_RECORDER=trace-cmd SCEN_SETUP="ovs-dpctl del-flows before each round" \
				run_scenario tc-upcall "$CORE_EVENTS" "count=4 flows=1 gap_ms=150 size=200" \
				"$UPCALL_ROUNDS" flush_flows
			;;
		# Upcalls recorded without openvswitch events (plain trace-cmd), flows flushed just
		# before the traffic.  A: a burst, 3 flows: every datagram that arrives before the
		# handler installed the megaflow is a miss.
		tc-core4-upcall)
			SCEN_RECORDER=trace-cmd SCEN_SETUP="ovs-dpctl del-flows before the traffic" \
				run_scenario tc-core4-upcall "$CORE_EVENTS" \
				"count=60 flows=3 gap_ms=2 size=200" 1 flush_flows
			;;
		# B: net_dev_xmit instead of net_dev_queue, RPS from eth0 to CPU1 only, UDP and TCP
		# (the guest answers TCP: its segments go br-int -> OVS -> eth0, upcalled too).
		tc-xmit-rps)
			set_rps 2
			SCEN_RECORDER=trace-cmd SCEN_SETUP="rps_cpus=2 on eth0; ovs-dpctl del-flows before the traffic" \
				run_scenario tc-xmit-rps \
				"net:netif_rx net:netif_receive_skb napi:napi_poll net:net_dev_xmit" \
				"count=150 flows=16 gap_ms=10 size=200 tcp=10" 1 flush_flows
			set_rps 0
			;;
		# C: frees too, and no datapath flow at all (flow-limit=0): every datagram is an
		# upcall.
		tc-frees-allupcall)
			no_datapath_flows
			SCEN_RECORDER=trace-cmd \
				SCEN_SETUP="other_config:flow-limit=0 (no datapath flows); ovs-dpctl del-flows before the traffic" \
				run_scenario tc-frees-allupcall "$CORE_EVENTS skb:consume_skb skb:kfree_skb" \
				"count=60 flows=3 gap_ms=25 size=200" 1 flush_flows
			datapath_flows_again
			;;
		upcall)
			# One megaflow covers all these datagrams (NORMAL: in_port + MACs + ethertype),
			# so each flush gives exactly one miss if the datagrams are spaced well beyond
			# the upcall round trip (a few ms under TCG).
			run_scenario upcall full "count=4 flows=1 gap_ms=150 size=200" "$UPCALL_ROUNDS" flush_flows
			;;
		*) log "unknown scenario $s" ;;
		esac
	done
	{ ovs-dpctl show; ovs-appctl upcall/show; ovs-appctl coverage/show; } >"$OUT/final-dpstate.txt" 2>&1
	cp /tmp/sink.log "$OUT/sink.log" 2>/dev/null
	cp /var/log/openvswitch/*.log "$OUT/" 2>/dev/null
	kill "$SINK_PID" 2>/dev/null
	/usr/share/openvswitch/scripts/ovs-ctl stop >/dev/null 2>&1
	log "all done in $(( $(date +%s) - t0 )) s"
	touch "$CTL/finished"
}

main

#!/bin/bash
# The OVS samples recorded by plain trace-cmd without openvswitch events (tests/vm, tc-*
# scenarios) carry the guest's own counts beside them (samples/NAME.truth.json: socket,
# rx_packets, the datapath's hit/missed, handler threads' netif_rx).  Assert the analyzer's
# JSON against those counts, for the file as recorded and read as if smaller event sets had
# been recorded (--without): every packet one journey eth0>br-int, every upcall linked, no
# upcall stage on any other path.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1

# relay: the checker's "ok - ..." and "not ok - ..." lines in $tmp as this test's TAP lines
relay() {
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "${line#ok - }";;
		*) not_ok "${line#not ok - }";;
		esac
	done <"$tmp"
}

# truth_check SAMPLE [analyzer options]
truth_check() {
	local dat=$1 truth=${1%.dat}.truth.json label
	shift
	label="$(basename "$dat" .dat)${*:+ $*}"
	"$ANALYZE" --json - --top 0 "$@" "$dat" 2>/dev/null | python3 -c "
import json, sys
t = json.load(open('$truth'))
r = json.load(sys.stdin)
paths = {p['name']: p for p in r['paths']}
rx = t['rx_packets_delta']['eth0']
missed = t['datapath_delta']['missed']
fp = paths.get('eth0>br-int', {'journeys': 0, 'stages': []})
def out(ok, what):
    print(('ok' if ok else 'not ok') + ' - $label: ' + what)
out(fp['journeys'] == rx, 'journeys eth0>br-int %d == eth0 rx_packets %d' % (fp['journeys'], rx))
up = r['upcalls']['linked']
out(up == missed, 'upcalls linked %d == datapath missed %d' % (up, missed))
stray = [p['name'] for p in r['paths'] if p['name'] not in ('eth0>br-int', 'tx:br-int>eth0')
         and any(s['name'] == 'upcall' for s in p['stages'])]
out(not stray, 'no upcall stage on other paths %s' % stray)
bl = [s['count'] for s in fp['stages'] if s['name'] == 'backlog']
out(bl == [rx], 'backlog measured for every journey %s == %d' % (bl, rx))
if 'skb:consume_skb' in t['events_requested'] and 'skb:*' not in '$*':
    st = [(s['from']['dev'], s['count']) for s in fp['stages'] if s['name'] == 'stack']
    out(st == [('br-int', rx)], 'stack stages only from br-int, one per journey %s' % st)
ev = r['upcalls']['evidence']
out(ev['handler_thread'] == up and ev['ovs_events'] == 0,
    'every link rests on the handler thread, none on openvswitch events %s' % ev)
" >"$tmp" 2>&1
	relay
}
tmp=$(mktemp /tmp/skbt-truth.XXXXXX)
trap 'rm -f "$tmp"' EXIT

for dat in samples/ovs-vm-tc-*.dat; do
	[ -f "${dat%.dat}.truth.json" ] || continue
	truth_check "$dat"
done
# The frees sample read as the four core events (no frees): the originals are then reused,
# not freed, and still linked.
truth_check samples/ovs-vm-tc-frees-allupcall.dat --without 'skb:*'
# The four core events read as netif_rx and netif_receive_skb alone: the thread still tells.
truth_check samples/ovs-vm-tc-core4-upcall.dat --without net:net_dev_queue,napi:napi_poll

# tcp_check [analyzer options]: samples/native-tcp-reply.dat (TCP over a veth pair) against
# the kernel's rx_packets of both veths: one journey per segment and per ACK, each on its own
# device, none forwarded (the reply at a freed ACK's address is a new journey).
tcp_check() {
	local dat=samples/native-tcp-reply.dat label
	label="native-tcp-reply${*:+ $*}"
	"$ANALYZE" --json - --top 0 "$@" "$dat" 2>/dev/null | python3 -c "
import json, sys
t = json.load(open('${dat%.dat}.truth.json'))
r = json.load(sys.stdin)
rx = t['rx_packets_delta']
ours = {p['name']: p for p in r['paths'] if any(d in p['name'] for d in rx)}
def out(ok, what):
    print(('ok' if ok else 'not ok') + ' - $label: ' + what)
got = {n: p['journeys'] for n, p in ours.items()}
out(got == rx, 'journeys per path %s == rx_packets %s' % (got, rx))
fw = {n: s['count'] for n, p in ours.items() for s in p['stages'] if s['name'] == 'forward'}
out(not fw, 'no forward stage %s' % fw)
" >"$tmp" 2>&1
	relay
}
tcp_check
tcp_check --without net:net_dev_queue
tcp_check --without napi:napi_poll
echo "1..$_tap_n"

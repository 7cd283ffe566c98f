#!/bin/bash
# Fidelity matrix: every live scenario recorded with every event set a user is likely to use,
# each checked against what the test sent and what the receiver's socket got.
#
# Scenarios (each topology built once, in its own namespaces, IPv6 off):
#   bridge    veth A -> veth B enslaved to bridge BR holding the IP        path B>BR
#   veth      veth A -> veth B (IP on B)                                   path B
#   rps       the same with rps_cpus = every CPU on B, 16 source ports     path B
#   gro       veth A -> veth B with GRO on B (veth NAPI)                   path B
#   tap       tap T written by the test, no IFF_NAPI                       path T
#   tap-napi  tap TN with IFF_NAPI (GRO)                                   path TN
#   drops     veth A -> B: closed port, nft drop, full socket buffer      path B
#   flood     veth A -> B, a bounded flood as fast as python3 sends       path B
#   tunnel    vxlan VA over veth A -> veth B -> vxlan VB (IP on VA, VB)    path VB; the
#             outer packets on path B, the inner transmits on tx:VA (sets with net_dev_queue)
#   macvlan   veth A -> veth B with macvlan M on it (IP on M)              path B (M's receive
#             is another round of B's: no event); M's counters explained, no mismatch finding
#   tcp       veth A -> veth B, one TCP connection of 4 MB                 path B = B's
#             rx_packets, path A = A's (the ACKs); no forward stage (a reply at a freed
#             ACK's address is not one)
# Sets, recording the same traffic AT THE SAME TIME (each recorder has its own tracefs
# instance; all use the mono clock):
#   rec-default  skbtrail-record (core events)
#   rec-full     skbtrail-record --events full
#   rec-dev      skbtrail-record --dev <the scenario's devices>
#   rec-lean     skbtrail-record --events lean (the core events, napi_poll only when work > 0)
#   tc-four      trace-cmd record -e netif_rx -e netif_receive_skb -e napi_poll -e net_dev_queue
#   tc-xmit      the same with net_dev_xmit instead of net_dev_queue
#   tc-rx        only netif_rx and netif_receive_skb
#   tc-free      the four + skb:consume_skb + skb:kfree_skb
# Assertions per (scenario, set): the trace is complete; the report's clock is mono; journeys
# on the expected path == datagrams received (sent, for drops: every datagram reaches B); no
# other path on our devices, except other traffic the kernel counted (drops: the ICMP port
# unreachable replies, on A); every stage the topology has and the set can measure is in
# every journey; no stage the topology cannot have on our paths, and no upcall anywhere in
# the trace on a host without Open vSwitch; drops by reason (sets with kfree_skb); the report
# matches the schema.  Per scenario: each set's stage medians (same stage, same endpoints, on
# the expected path), corrected for the probe order of the concurrent recordings (measured on
# the same events in each file), agree with the median over the sets (within a quarter of it
# or 0.5 us; uncorrected: half or 1 us).
#
# Every trace is kept with a truth file for debugging the analyzer:
#   $SKBT_FIDELITY_DIR/<scenario>-<set>.dat and .json  (sent, received, set, command, ...)
#   $SKBT_FIDELITY_DIR/READY once the bridge scenario is complete with every set.
# Default directory: /work/fidelity-traces when /work exists, else $B/fidelity-traces.
#   SKBT_FIDELITY_SCENARIOS="bridge veth ..."  run only these
#   SKBT_TEST_DGRAMS (default 200), SKBT_FLOOD_SECS (default 1)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"


N=${SKBT_TEST_DGRAMS:-200}
FLOOD_SECS=${SKBT_FLOOD_SECS:-1}
SCENARIOS=${SKBT_FIDELITY_SCENARIOS:-bridge veth rps gro tap tap-napi drops flood tunnel macvlan tcp}
SETS=(rec-default rec-full rec-dev rec-lean tc-four tc-xmit tc-rx tc-free)
CORE="net:netif_receive_skb net:netif_rx napi:napi_poll net:net_dev_queue"
# --events full as the recorder defines it (skbtrail/events.def): no copy of the list here
FULL=$("$RECORD" --complete events 2>/dev/null | grep :)
declare -A SET_EVENTS=(
	[rec-default]=$CORE
	[rec-full]=$(echo $FULL)
	[rec-dev]=$CORE
	[rec-lean]=$CORE
	[tc-four]="net:netif_rx net:netif_receive_skb napi:napi_poll net:net_dev_queue"
	[tc-xmit]="net:netif_rx net:netif_receive_skb napi:napi_poll net:net_dev_xmit"
	[tc-rx]="net:netif_rx net:netif_receive_skb"
	[tc-free]="net:netif_rx net:netif_receive_skb napi:napi_poll net:net_dev_queue skb:consume_skb skb:kfree_skb"
)

live_init fidelity
# Own prefix (f...): the e2e tests use e...; device names stay <= 15 characters.
P=f${P#e}
TRACEFS=/sys/kernel/tracing
if [ -d /work ] && [ -z "${SKBT_FIDELITY_DIR:-}" ]; then
	OUT=/work/fidelity-traces
else
	OUT=${SKBT_FIDELITY_DIR:-$SKBT_ROOT/$B/fidelity-traces}
fi
mkdir -p "$OUT" || OUT=$TMP/keep
mkdir -p "$OUT"
rm -f "$OUT/READY"
for sc in $SCENARIOS; do rm -f "$OUT/$sc-"*.dat "$OUT/$sc-"*.json; done
OVS=no
[ -d /sys/module/openvswitch ] && OVS=yes

# The scenario's facts, read by fid.py
export SC SC_SENT SC_RECEIVED SC_PATH SC_EXPECT SC_DEVS SC_DROPS SC_NOTES SC_PREFIX SC_OTHER OVS

declare -A REC_PIDS=() REC_INST=()
fid_cleanup() {
	local s
	for s in "${!REC_PIDS[@]}"; do kill -INT "${REC_PIDS[$s]}" 2>/dev/null; done
	for s in "${!REC_PIDS[@]}"; do wait "${REC_PIDS[$s]}" 2>/dev/null; done
	# trace-cmd -B leaves its instance behind
	for s in "${!REC_INST[@]}"; do
		[[ "${REC_INST[$s]}" == skbtf-* ]] && rmdir "$TRACEFS/instances/${REC_INST[$s]}" 2>/dev/null
	done
	REC_PIDS=() REC_INST=()
}
trap 'fid_cleanup; live_cleanup' EXIT

# ---------------------------------------------------------------------------------------
# Helpers in python3: receiver, sender, checker.
cat >"$TMP/recv.py" <<'PY'
# recv.py IP PORT N READY STOP RCVBUF READ: bind, touch READY; READ=1: count datagrams until N
# or until STOP exists (then drain); READ=0: wait for STOP, then drain.  Prints
# "received socket_drops" (drops: /proc/net/udp of the namespace).
import os, socket, sys, time
ip, port, n, ready, stop, rcvbuf, read = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if rcvbuf > 65536:
    s.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)        # SO_RCVBUFFORCE
else:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
s.bind((ip, port))
open(ready, 'w').close()
got = 0
end = time.time() + 60
s.settimeout(0.05)
while got < n and time.time() < end:
    if not read:
        if os.path.exists(stop):
            break
        time.sleep(0.02)
        continue
    try:
        s.recv(65536); got += 1
        if got % 256 == 0 and os.path.exists(stop):
            break
    except socket.timeout:
        if os.path.exists(stop):
            break
drops = [int(l.split()[-1]) for l in open('/proc/net/udp') if l.split()[1].endswith(':%04X' % port)]
s.setblocking(False)
try:
    while True:
        s.recv(65536); got += 1
except BlockingIOError:
    pass
print(got, drops[0] if drops else -1)
PY

cat >"$TMP/send.py" <<'PY'
# send.py IP PORT N PAYLOAD SPORTS: N datagrams (paced: 5 ms every 20), source ports cycling
# over SPORTS (comma-separated, 0 = any).  With N < 0: as fast as possible for -N seconds,
# prints the count sent.
import socket, sys, time
ip, port, n, payload = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
socks = []
for sp in [int(x) for x in sys.argv[5].split(',')]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    if sp:
        s.bind(('0.0.0.0', sp))
    socks.append(s)
if n >= 0:
    for i in range(int(n)):
        socks[i % len(socks)].sendto(b'%08d' % i + b'x' * (payload - 8), (ip, port))
        if i % 20 == 19:
            time.sleep(0.005)
else:
    s = socks[0]
    s.connect((ip, port))
    msg = b'f' * payload
    end = time.time() - n
    sent = 0
    while time.time() < end:
        for i in range(200):
            s.send(msg)
        sent += 200
    print(sent)
PY


cat >"$TMP/fid.py" <<'PY'
# fid.py DIR OUT SCHEMA SETS...: for one scenario (facts in the environment: SC, SC_*), per set
# write the truth file DIR/<set>.truth.json (and OUT/<scenario>-<set>.json), check the set's
# report DIR/<set>.json and journeys DIR/<set>.csv against it, then compare the stage medians
# of the sets.  Prints result lines "ok|...", "not ok|...", "skip|...", "# ...".
import csv, json, os, re, statistics, sys

STAGES = ['gro', 'rps', 'forward', 'backlog', 'xmit', 'stack', 'upcall']
# The stages each topology has: in every journey / possible.  stack (last receive -> free) is
# possible everywhere: this kernel traces no free of a datagram its socket read, only drops.
TOPO = {
    'bridge':   (['xmit', 'backlog', 'forward'], ['stack']),
    'veth':     (['xmit', 'backlog'], ['stack']),
    'rps':      (['xmit', 'backlog'], ['stack', 'rps']),
    'gro':      (['xmit', 'gro'], ['stack']),
    'tap':      ([], ['stack']),
    'tap-napi': (['gro'], ['stack']),
    'drops':    (['xmit', 'backlog'], ['stack']),
    'flood':    (['xmit', 'backlog'], ['stack']),
    # inner packets on VB (gro: the vxlan device's gro_cells NAPI); B's outer ones have xmit, backlog
    'tunnel':   (['gro'], ['stack', 'xmit', 'backlog']),
    'macvlan':  (['xmit', 'backlog'], ['stack']),
    # segments one way, ACKs the other: neither is forwarded (no forward stage)
    'tcp':      (['xmit', 'backlog'], ['stack']),
}
# The event a stage needs in every journey (docs/stages.md); rps and stack: never required.
NEEDS = {'xmit': 'net:net_dev_queue', 'backlog': 'net:netif_rx',
         'forward': 'net:netif_receive_skb', 'gro': 'net:napi_gro_receive_entry'}

def out(ok, msg):
    print(('ok|' if ok else 'not ok|') + msg)

def us(v):
    return '%.1fus' % (v / 1000.0)

def truth_of(d, o, s):
    e = os.environ
    rd = lambda f: open(os.path.join(d, s + f)).read().strip()
    num = lambda k: int(e.get(k) or -1)     # -1: the test could not count it
    t = {
        "scenario": e["SC"], "set": s, "command": rd(".cmd"), "events": rd(".events").split(),
        "sent": num("SC_SENT"), "received": num("SC_RECEIVED"),
        "expected_path": e["SC_PATH"], "expected_journeys": num("SC_EXPECT"),
        "devices": e["SC_DEVS"].split(","), "prefix": e["SC_PREFIX"], "ovs": e["OVS"],
        "drops": json.loads(e["SC_DROPS"] or "{}"),
        "other_paths": json.loads(e["SC_OTHER"] or "{}"),
        "recorder_exit": int(rd(".rc") or -1), "notes": e["SC_NOTES"],
    }
    for f in (os.path.join(d, s + '.truth.json'), os.path.join(o, '%s-%s.json' % (t['scenario'], s))):
        with open(f, 'w') as fp:
            json.dump(t, fp, indent=1)
    return t

def check(t, r, csv_f, validator):
    sc, st, path, exp = t['scenario'], t['set'], t['expected_path'], t['expected_journeys']
    tag = '%s/%s:' % (sc, st)
    tr = r['trace']
    complete = not tr['incomplete'] and tr['lost_markers'] == 0
    out(complete, '%s trace complete (lost markers %d, lost events %d; %d events)' %
        (tag, tr['lost_markers'], tr['lost_events'], tr['events_total']))
    # Every set records with the mono clock (skbtrail-record's default, trace-cmd -C mono).
    out(tr['clock'] == 'mono', '%s report says clock %s, recorded with mono' % (tag, tr['clock']))
    missing = [e for e in t['events'] if e not in tr['events'] and not e.startswith('openvswitch:')]
    out(not missing, '%s requested events in the file%s' % (tag, (': missing ' + ' '.join(missing)) if missing else ''))

    ours = lambda p: any(t['prefix'] in x for x in p['devices'] + [p['name']])
    paths = {p['name']: p for p in r['paths'] if ours(p)}
    found = paths[path]['journeys'] if path in paths else 0
    what = 'sent' if sc == 'drops' else 'received'
    if complete:
        out(found == exp, '%s %s journeys %d %s %d %s' % (tag, path, found, '==' if found == exp else '!=', exp, what))
    else:
        print('skip|%s %s journeys %d, %d %s: trace incomplete' % (tag, path, found, exp, what))
    # Other traffic (ICMP errors back to the sender) on its own paths, as counted by the kernel.
    others = sorted((n, p['journeys']) for n, p in paths.items() if n != path)
    # [count, event]: a path only a set with that event shows
    want = sorted((n, v[0] if isinstance(v, list) else v) for n, v in t['other_paths'].items()
                  if not isinstance(v, list) or v[1] in t['events'])
    if want:
        out(others == want, '%s other paths on our devices: %s, kernel: %s' % (tag, ', '.join('%s=%d' % o for o in others) or 'none',
                                                                            ', '.join('%s=%d' % o for o in want)))
    else:
        out(not others, '%s no other path on our devices%s' % (tag, (': ' + ', '.join('%s=%d' % o for o in others)) if others else ''))

    # Per journey on the expected path: which stages it has (CSV columns <stage>_ns).
    with_stage = dict.fromkeys(STAGES, 0)
    on_ours = dict.fromkeys(STAGES, 0)
    for row in csv.DictReader(open(csv_f)):
        if t['prefix'] not in row['path'] and t['prefix'] not in (row['origin'] or ''):
            continue
        for s in STAGES:
            if row[s + '_ns'] != '':
                on_ours[s] += 1
                with_stage[s] += row['path'] == path
    req, possible = TOPO[sc]
    for s in req:
        if NEEDS[s] not in t['events']:
            continue
        if complete:
            out(with_stage[s] == exp, '%s %s stage %s in %d journeys, %d %s (%d journeys on the path)' %
                (tag, path, s, with_stage[s], exp, what, found))
        else:
            print('skip|%s %s stage %s in %d journeys: trace incomplete' % (tag, path, s, with_stage[s]))
    bad = ['%s=%d' % (s, on_ours[s]) for s in STAGES if on_ours[s] and s not in req + possible]
    out(not bad, '%s no stage the topology cannot have on our paths (it has %s)%s' %
        (tag, ','.join(req + possible), (': found ' + ' '.join(bad)) if bad else ''))
    if t['ovs'] == 'no':
        up = {p['name']: sum(x['count'] for x in p['stages'] if x['name'] == 'upcall') for p in r['paths']}
        up = {n: c for n, c in up.items() if c}
        out(not up and r['upcalls']['linked'] == 0,
            '%s no upcall anywhere (host without Open vSwitch): upcall stages %d, linked %d%s' %
            (tag, sum(up.values()), r['upcalls']['linked'],
             (' on ' + ', '.join('%s=%d' % x for x in sorted(up.items()))[:300]) if up else ''))
    # Drops: with kfree_skb recorded, every dropped datagram ends dropped, with its reason.
    if t['drops'] and 'skb:kfree_skb' in t['events']:
        dropped = sum(t['drops'].values())
        got = paths[path]['ends']['dropped'] if path in paths else 0
        if complete:
            out(got == dropped, '%s %s journeys ended dropped %d, datagrams dropped %d' % (tag, path, got, dropped))
            out(with_stage['stack'] >= dropped, '%s %s stage stack in %d journeys >= %d dropped' %
                (tag, path, with_stage['stack'], dropped))
        dev = path.split('>')[-1]
        for reason, n in sorted(t['drops'].items()):
            got = sum(d['count'] for d in r['drops'] if d['reason'] == reason and d['dev'] == dev)
            if complete:
                out(got == n, '%s drops %s on %s: %d, kernel counted %d' % (tag, reason, dev, got, n))
    # a device stacked on ours (macvlan): its counters moved with no event of its own
    if sc == 'macvlan':
        bad = [f['id'] for f in r['findings'] if f['id'].startswith('mismatch-') and t['prefix'] in f['id']]
        out(not bad, '%s no counter mismatch finding on our devices%s' % (tag, (': ' + ' '.join(bad)) if bad else ''))
    # --events lean: napi_poll only where work > 0, and the report says so
    if st == 'rec-lean':
        empty = [n for n in r.get('napi', []) if n['polls'] > n['packets']]
        out(not empty, '%s no empty napi poll recorded (polls <= packets)%s' %
            (tag, (': ' + json.dumps(empty)[:200]) if empty else ''))
        told = [n for n in r.get('napi', []) if n['empty_polls'] is not None]
        out(not told, '%s empty polls unknown (null) in the report%s' %
            (tag, (': ' + json.dumps(told)[:200]) if told else ''))
        out(any('--events lean' in w for w in tr.get('warnings', [])),
            '%s the report says which records --events lean left out' % tag)
    if validator:
        import jsonschema
        try:
            validator.validate(r)
            out(True, '%s report matches docs/report-schema.json' % tag)
        except jsonschema.ValidationError as e:
            out(False, '%s report matches docs/report-schema.json: %s' % (tag, e.message[:200]))
    else:
        print('skip|%s report matches the schema: no python3-jsonschema' % tag)

# A hop in the CSV's hops column: event@dev/cpu+ns (no @dev for a free).
HOP = re.compile(r'([^@/]+)(?:@([^/]*))?/\d+\+(\d+)$')

def hop_times(csv_f, base, path):
    """(event, dev) -> sorted absolute times of its first hop in each journey on the path"""
    ev = {}
    for row in csv.DictReader(open(csv_f)):
        if row['path'] != path:
            continue
        t0, seen = base + int(row['t_ns']), set()
        for h in row['hops'].split(';'):
            m = HOP.match(h)
            k = m and (m.group(1), m.group(2) or '')
            if k and k not in seen:
                seen.add(k)
                ev.setdefault(k, []).append(t0 + int(m.group(3)))
    return {k: sorted(v) for k, v in ev.items()}

def hop_get(t, k):
    # a free's stage names the skb's last device; its hop has none
    return t.get(k) or t.get((k[0], ''))

def offset(a, b):
    """median of the times of the same kernel events in two files (same count, same order);
    None past what 7 probes can explain (3 us): then the events are not the same ones"""
    if not a or not b or len(a) != len(b):
        return None
    o = statistics.median(x - y for x, y in zip(a, b))
    return o if abs(o) <= 3000 else None

# The sets record at the same time, each through its own tracefs instance: every instance's
# probe on a tracepoint takes its own timestamp, one after the other in the order the
# instances enabled the event, so the same event is stamped up to 7 probes (about 1.5 us)
# apart between the 8 sets.  A stage's endpoints can be shifted in opposite directions.  Each set's
# p50 is corrected by the offsets of its endpoints' timestamps against a reference set,
# measured on the same events (all sets use the mono clock), before the sets are compared.
def medians(d, truths, reports):
    rows, times = {}, {}    # (stage, from, to) -> {set: p50}; set -> hop_times
    for s, r in reports.items():
        path = truths[s]['expected_path']
        times[s] = hop_times(os.path.join(d, s + '.csv'), r['trace']['first_ts_ns'], path)
        for p in r['paths']:
            if p['name'] != path:
                continue
            for x in p['stages']:
                if x['count'] >= 20:
                    key = (x['name'], (x['from']['event'], x['from']['dev'] or ''),
                           (x['to']['event'], x['to']['dev'] or ''))
                    rows.setdefault(key, {})[s] = x['p50_ns']
    fixed = {}              # key -> {set: (corrected p50, corrected?)}
    for key, per in rows.items():
        ref = next((s for s in sorted(per) if hop_get(times[s], key[1]) and hop_get(times[s], key[2])), None)
        fixed[key] = {}
        for s, v in per.items():
            of, ot = [offset(hop_get(times[s], k), hop_get(times[ref], k)) if ref else None for k in key[1:]]
            fixed[key][s] = (v - (ot - of), True) if of is not None and ot is not None else (v, False)
    name = lambda k: '%s %s(%s)->%s(%s)' % (k[0], k[1][0], k[1][1], k[2][0], k[2][1])
    for key in sorted(rows):
        print('#   %-64s %s' % (name(key), ' '.join('%s=%s%s' % (s, us(v), '' if fixed[key][s][0] == v else
              '(%s)' % us(fixed[key][s][0])) for s, v in sorted(rows[key].items()))))
    print('#   (in parentheses: corrected for the probe order of the concurrent recordings)')
    for s, t in truths.items():
        if s not in reports:
            continue
        tag = '%s/%s:' % (t['scenario'], s)
        good, bad = [], []
        for key, per in sorted(fixed.items()):
            if s not in per or len(per) < 2:
                continue
            ref = statistics.median(v for v, _ in per.values())
            v, exact = per[s]
            # corrected: the sets measured the same spans, to a few %; not corrected (this set
            # and the reference differ in an endpoint's count, or its offset is past 3 us), the
            # probe order's spread stays
            lim = max(0.25 * ref, 500) if exact else max(0.5 * ref, 1000)
            (good if abs(v - ref) <= lim else bad).append('%s %s%s (median %s)' % (
                key[0], us(v), '' if exact else ' not corrected', us(ref)))
        # stages this set should measure on the path but has no row to compare
        want = [x for x in TOPO[t['scenario']][0] if NEEDS[x] in t['events']]
        have = set(k[0] for k, per in rows.items() if s in per)
        absent = [x for x in want if x not in have]
        if bad or absent:
            out(False, '%s stage p50 vs the sets\' median: %s' % (tag, '; '.join(
                bad + ['no %s on the path to compare' % x for x in absent])))
        else:
            out(True, '%s stage p50 agree with the sets\' median (%s)' % (tag, '; '.join(good) or 'no stage on this path'))

def main():
    d, o, schema_f, sets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    try:
        import jsonschema
        validator = jsonschema.Draft202012Validator(json.load(open(schema_f)))
    except ImportError:
        validator = None
    truths, reports = {}, {}
    for s in sets:
        truths[s] = truth_of(d, o, s)
        try:
            reports[s] = json.load(open(os.path.join(d, s + '.json')))
        except (OSError, ValueError) as e:
            out(False, '%s/%s: analyzer report (%s)' % (os.environ['SC'], s, e))
            continue
        check(truths[s], reports[s], os.path.join(d, s + '.csv'), validator)
    print('# %s: stage p50 per endpoints and set, path %s:' % (os.environ['SC'], os.environ['SC_PATH']))
    medians(d, truths, reports)

main()
PY

# results FILE: TAP lines from fid.py's "ok|msg" lines
results() {
	local st msg
	while IFS='|' read -r st msg; do
		case "$st" in
		ok) ok "$msg";;
		"not ok") not_ok "$msg";;
		skip) skip "$msg";;
		*) echo "$st${msg:+|$msg}";;
		esac
	done
}

# ---------------------------------------------------------------------------------------
# Recorders: every set at once.

# wait_on INSTANCE PID LOG: for trace-cmd, tracing on in its instance with netif_receive_skb
# (every set's) enabled: a new instance starts with tracing on, and trace-cmd turns it off,
# enables the events, then turns it on; for skbtrail-record, its "recording to" line
# (wait_recording: SIGINT before that stops it without a file); or the recorder died.
wait_on() {
	local i
	[[ $1 == skbtf-* ]] || { wait_recording "$2" "$3"; return; }
	for i in $(seq 1 200); do
		[ "$(cat "$TRACEFS/instances/$1/events/net/netif_receive_skb/enable" 2>/dev/null)" = 1 ] &&
			[ "$(cat "$TRACEFS/instances/$1/tracing_on" 2>/dev/null)" = 1 ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

declare -A REC_CMD=()
# rec_all DIR DEVS: start every set recording into DIR/<set>.dat; DEVS for rec-dev.
rec_all() {
	local dir=$1 devs=$2 s e args inst failed=
	for s in "${SETS[@]}"; do
		case $s in
		rec-default) args=("$RECORD" -o "$dir/$s.dat");;
		rec-full) args=("$RECORD" -o "$dir/$s.dat" --events full);;
		rec-dev) args=("$RECORD" -o "$dir/$s.dat" --dev "$devs");;
		rec-lean) args=("$RECORD" -o "$dir/$s.dat" --events lean);;
		tc-*)
			# -d --no-filter: as bench/record.sh (this trace-cmd cannot read set_ftrace_filter)
			args=(trace-cmd record -d --no-filter -q -B "skbtf-$P-$s" ${TC_KB:+-b $TC_KB} -C mono)
			for e in ${SET_EVENTS[$s]}; do args+=(-e "$e"); done
			args+=(-o "$dir/$s.dat");;
		esac
		REC_CMD[$s]="${args[*]}"
		mkdir -p "$dir/$s.cwd"
		# trace-cmd writes its per-CPU files next to the cwd
		(cd "$dir/$s.cwd" && exec "${args[@]}") >"$dir/$s.log" 2>&1 &
		REC_PIDS[$s]=$!
		if [[ $s == tc-* ]]; then REC_INST[$s]=skbtf-$P-$s; else REC_INST[$s]=skbtrail-${REC_PIDS[$s]}; fi
	done
	for s in "${SETS[@]}"; do
		wait_on "${REC_INST[$s]}" "${REC_PIDS[$s]}" "$dir/$s.log" || failed+=" $s"
	done
	[ -z "$failed" ] || { echo "# recorders not tracing:$failed"; return 1; }
	sleep 0.2
}

# stop_all DIR: SIGINT every recorder, wait; exit statuses in DIR/<set>.rc
stop_all() {
	local dir=$1 s
	for s in "${SETS[@]}"; do kill -INT "${REC_PIDS[$s]}" 2>/dev/null; done
	for s in "${SETS[@]}"; do
		wait "${REC_PIDS[$s]}"
		echo $? >"$dir/$s.rc"
	done
	for s in "${SETS[@]}"; do
		[[ "${REC_INST[$s]}" == skbtf-* ]] && rmdir "$TRACEFS/instances/${REC_INST[$s]}" 2>/dev/null
	done
	REC_PIDS=() REC_INST=()
}

# ---------------------------------------------------------------------------------------
# Receiver and sender.

recv_start() {	# recv_start NS IP PORT N [RCVBUF [READ]]  -> RECV_PID, waits until bound
	rm -f "$TMP/ready.$3" "$TMP/stop.$3"
	ip netns exec "$1" python3 "$TMP/recv.py" "$2" "$3" "$4" "$TMP/ready.$3" "$TMP/stop.$3" \
		"${5:-4194304}" "${6:-1}" >"$TMP/recv.$3" &
	RECV_PID=$!
	BG_PIDS+=($RECV_PID)
	local i
	for i in $(seq 1 200); do [ -e "$TMP/ready.$3" ] && return 0; sleep 0.02; done
	return 1
}
recv_stop() {	# recv_stop PORT: stops the receiver; "received socket_drops" in $TMP/recv.PORT
	sleep 0.2
	touch "$TMP/stop.$1"
	wait "$RECV_PID" 2>/dev/null
}
send() {		# send NS IP PORT N PAYLOAD [SPORTS [CPU]]
	ip netns exec "$1" ${7:+taskset -c $7} python3 "$TMP/send.py" "$2" "$3" "$4" "$5" "${6:-0}"
}

two_ns_veth() {	# NA NB A B NET: veth A (NA, .1) -> B (NB, .2), static neighbours
	ns_add "$1" "$2" && veth_pair "$1" "$3" "$2" "$4" &&
	ip -n "$1" addr add "$5.1/24" dev "$3" && ip -n "$2" addr add "$5.2/24" dev "$4" &&
	neigh_static "$1" "$3" "$5.2" "$2" "$4" && neigh_static "$2" "$4" "$5.1" "$1" "$3"
}

# ---------------------------------------------------------------------------------------
# One scenario: SC_* set by the scenario function, then analyze and check every set.
finish_scenario() {	# DIR
	local dir=$1 s f
	echo "# $SC: sent $SC_SENT, received $SC_RECEIVED, expected $SC_EXPECT journeys on $SC_PATH${SC_DROPS:+, drops $SC_DROPS}"
	for s in "${SETS[@]}"; do
		f=$dir/$s
		echo "${REC_CMD[$s]}" >"$f.cmd"
		echo "${SET_EVENTS[$s]}" >"$f.events"
		[ -s "$f.dat" ] && cp "$f.dat" "$OUT/$SC-$s.dat"
		# The whole trace, not only our devices: an upcall anywhere is wrong without OVS.
		"$ANALYZE" -q --top 0 --json "$f.json" --csv "$f.csv" "$f.dat" 2>"$f.an.err" ||
			not_ok "$SC/$s: analyzer read the trace (recorder exit $(cat "$f.rc")): $(head -c 300 "$f.an.err" | tr '\n' ' ')"
	done
	python3 "$TMP/fid.py" "$dir" "$OUT" "$SKBT_ROOT/docs/report-schema.json" "${SETS[@]}" \
		>"$dir/results" 2>"$dir/results.err"
	local rc=$?
	results <"$dir/results"
	[ $rc = 0 ] || not_ok "$SC: checker ran: $(tail -3 "$dir/results.err" | tr '\n' ' ')"
}

elapsed() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", e - s }'; }

# run_scenario NAME: setup (sc_NAME_setup), record (sc_NAME_traffic inside), finish.
run_scenario() {
	SC=$1 SC_DROPS= SC_NOTES= TC_KB= SC_OTHER=
	local dir=$TMP/$SC t0
	t0=$(date +%s.%N)
	# Each scenario names its devices with its own prefix: no event of another scenario's
	# (maybe still dismantled) devices lands on this one's paths.
	declare -A code=([bridge]=b [veth]=v [rps]=r [gro]=g [tap]=t [tap-napi]=n [drops]=d [flood]=f
			 [tunnel]=u [macvlan]=m [tcp]=c)
	SC_PREFIX=$P${code[$SC]:-z}
	mkdir -p "$dir"
	"sc_${SC//-/_}_setup"
	case $? in
	0) ;;
	2) skip "$SC: $SC_NOTES"; return;;	# the kernel cannot build it
	*) not_ok "$SC: topology set up"; return;;
	esac
	echo "# $SC: topology $(elapsed "$t0" "$(date +%s.%N)") s"
	if ! rec_all "$dir" "$SC_DEVS"; then
		not_ok "$SC: every recorder tracing"
		stop_all "$dir"
		return
	fi
	local t1 t2 t3
	t1=$(date +%s.%N)
	"sc_${SC//-/_}_traffic"
	t2=$(date +%s.%N)
	stop_all "$dir"
	t3=$(date +%s.%N)
	echo "# $SC: setup+start $(elapsed "$t0" "$t1") s, traffic $(elapsed "$t1" "$t2") s, stop $(elapsed "$t2" "$t3") s"
	finish_scenario "$dir"
	echo "# $SC: $(elapsed "$t0" "$(date +%s.%N)") s in all"
}

# ---------------------------------------------------------------------------------------
# Scenarios.  Each setup sets SC_DEVS, SC_PATH; each traffic sets SC_SENT, SC_RECEIVED,
# SC_EXPECT (journeys expected on SC_PATH).

sc_bridge_setup() {
	NA=${SC_PREFIX}x NB=${SC_PREFIX}y A=${SC_PREFIX}a B=${SC_PREFIX}b BR=${SC_PREFIX}br
	SC_DEVS=$A,$B,$BR SC_PATH="$B>$BR"
	SC_NOTES="veth $A ($NA, 10.221.0.1) -> veth $B in bridge $BR ($NB, IP 10.221.0.2 on $BR); UDP to port 7021, payload 444 (receive len 472)"
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	# No STP, no multicast snooping: the bridge would join 224.0.0.106 and send IGMP reports.
	ip -n "$NB" link add "$BR" type bridge stp_state 0 mcast_snooping 0 &&
	ip -n "$NB" link set "$B" master "$BR" && ip -n "$NB" link set "$BR" up &&
	ip -n "$NA" addr add 10.221.0.1/24 dev "$A" && ip -n "$NB" addr add 10.221.0.2/24 dev "$BR" &&
	neigh_static "$NA" "$A" 10.221.0.2 "$NB" "$BR" && neigh_static "$NB" "$BR" 10.221.0.1 "$NA" "$A" &&
	recv_start "$NB" 10.221.0.2 7021 "$N"
}
sc_bridge_traffic() {
	send "$NA" 10.221.0.2 7021 "$N" 444
	recv_stop 7021
	read -r SC_RECEIVED _ <"$TMP/recv.7021"
	SC_SENT=$N SC_EXPECT=$SC_RECEIVED
}

sc_veth_setup() {
	NA=${SC_PREFIX}x NB=${SC_PREFIX}y A=${SC_PREFIX}a B=${SC_PREFIX}b
	SC_DEVS=$A,$B SC_PATH=$B
	SC_NOTES="veth $A ($NA, 10.222.0.1) -> veth $B ($NB, 10.222.0.2); UDP to port 7022, payload 333 (receive len 361)"
	two_ns_veth "$NA" "$NB" "$A" "$B" 10.222.0 && recv_start "$NB" 10.222.0.2 7022 "$N"
}
sc_veth_traffic() {
	send "$NA" 10.222.0.2 7022 "$N" 333
	recv_stop 7022
	read -r SC_RECEIVED _ <"$TMP/recv.7022"
	SC_SENT=$N SC_EXPECT=$SC_RECEIVED
}

sc_rps_setup() {
	NA=${SC_PREFIX}x NB=${SC_PREFIX}y A=${SC_PREFIX}a B=${SC_PREFIX}b
	local ncpu mask
	ncpu=$(nproc)
	mask=$(printf '%x' $(( (1 << (ncpu > 32 ? 32 : ncpu)) - 1 )))
	SC_DEVS=$A,$B SC_PATH=$B
	SC_NOTES="veth $A ($NA) -> veth $B ($NB, 10.223.0.2) with rps_cpus=$mask on $B; sender on CPU 0, 16 source ports 41000-41015; UDP to port 7023, payload 355"
	two_ns_veth "$NA" "$NB" "$A" "$B" 10.223.0 &&
	ip netns exec "$NB" sh -c "echo $mask > /sys/class/net/$B/queues/rx-0/rps_cpus" &&
	recv_start "$NB" 10.223.0.2 7023 "$N"
}
sc_rps_traffic() {
	send "$NA" 10.223.0.2 7023 "$N" 355 "$(seq -s, 41000 41015)" 0
	recv_stop 7023
	read -r SC_RECEIVED _ <"$TMP/recv.7023"
	SC_SENT=$N SC_EXPECT=$SC_RECEIVED
}

sc_gro_setup() {
	NA=${SC_PREFIX}x NB=${SC_PREFIX}y A=${SC_PREFIX}a B=${SC_PREFIX}b
	SC_DEVS=$A,$B SC_PATH=$B
	SC_NOTES="veth $A ($NA, TSO off) -> veth $B ($NB, 10.224.0.2) with GRO on $B (veth NAPI); UDP to port 7024, payload 300 (not merged: no UDP GRO socket)"
	command -v ethtool >/dev/null || { echo "# gro: needs ethtool"; return 1; }
	two_ns_veth "$NA" "$NB" "$A" "$B" 10.224.0 &&
	# GRO on B: veth_xmit() hands B's NAPI only skbs eligible for GRO: with TSO off on A
	# (veth_skb_is_eligible_for_gro()); otherwise netif_rx as without GRO.
	ip netns exec "$NB" ethtool -K "$B" gro on >/dev/null &&
	ip netns exec "$NA" ethtool -K "$A" tso off >/dev/null &&
	ip netns exec "$NB" ethtool -k "$B" | grep -q '^generic-receive-offload: on' &&
	ip netns exec "$NA" ethtool -k "$A" | grep -q '^tcp-segmentation-offload: off' &&
	recv_start "$NB" 10.224.0.2 7024 "$N"
}
sc_gro_traffic() {
	send "$NA" 10.224.0.2 7024 "$N" 300
	recv_stop 7024
	read -r SC_RECEIVED _ <"$TMP/recv.7024"
	SC_SENT=$N SC_EXPECT=$SC_RECEIVED
}

# A tunnel: vxlan pushes its headers and hands the same skb to the veth below (a journey of
# its own from that queueing: docs/stages.md rule 2); B's receive decapsulates and VB's
# gro_cells NAPI receives the inner packet (a new journey: the skb went through GRO cells).
sc_tunnel_setup() {
	NA=${SC_PREFIX}x NB=${SC_PREFIX}y A=${SC_PREFIX}a B=${SC_PREFIX}b VA=${SC_PREFIX}va VB=${SC_PREFIX}vb
	SC_DEVS=$A,$B,$VA,$VB SC_PATH=$VB
	SC_NOTES="vxlan $VA over veth $A ($NA, 10.226.0.1; overlay 10.227.0.1) -> veth $B -> vxlan $VB ($NB, 10.227.0.2); UDP to port 7026, payload 300"
	two_ns_veth "$NA" "$NB" "$A" "$B" 10.226.0 || return 1
	if ! ip -n "$NA" link add "$VA" type vxlan id 42 dstport 4789 local 10.226.0.1 \
		remote 10.226.0.2 dev "$A" 2>/dev/null; then
		SC_NOTES="no vxlan in this kernel"
		return 2
	fi
	ip -n "$NB" link add "$VB" type vxlan id 42 dstport 4789 local 10.226.0.2 remote 10.226.0.1 \
		dev "$B" && ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up &&
	ip -n "$NA" addr add 10.227.0.1/24 dev "$VA" && ip -n "$NB" addr add 10.227.0.2/24 dev "$VB" &&
	neigh_static "$NA" "$VA" 10.227.0.2 "$NB" "$VB" && neigh_static "$NB" "$VB" 10.227.0.1 "$NA" "$VA" &&
	recv_start "$NB" 10.227.0.2 7026 "$N"
}
sc_tunnel_traffic() {
	send "$NA" 10.227.0.2 7026 "$N" 300
	recv_stop 7026
	read -r SC_RECEIVED _ <"$TMP/recv.7026"
	SC_SENT=$N SC_EXPECT=$SC_RECEIVED
	# one outer packet per datagram on B; the inner transmit is a journey where queued
	SC_OTHER="{\"$B\": $SC_RECEIVED, \"tx:$VA\": [$SC_RECEIVED, \"net:net_dev_queue\"]}"
}

sc_macvlan_setup() {
	NA=${SC_PREFIX}x NB=${SC_PREFIX}y A=${SC_PREFIX}a B=${SC_PREFIX}b M=${SC_PREFIX}mv
	SC_DEVS=$A,$B,$M SC_PATH=$B
	SC_NOTES="veth $A ($NA, 10.228.0.1) -> veth $B ($NB) with macvlan $M (bridge mode, 10.228.0.2); UDP to port 7028, payload 300"
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" || return 1
	if ! ip -n "$NB" link add link "$B" name "$M" type macvlan mode bridge 2>/dev/null; then
		SC_NOTES="no macvlan in this kernel"
		return 2
	fi
	ip -n "$NB" link set "$M" up && ip -n "$NA" addr add 10.228.0.1/24 dev "$A" &&
	ip -n "$NB" addr add 10.228.0.2/24 dev "$M" &&
	neigh_static "$NA" "$A" 10.228.0.2 "$NB" "$M" && neigh_static "$NB" "$M" 10.228.0.1 "$NA" "$A" &&
	recv_start "$NB" 10.228.0.2 7028 "$N"
}
sc_macvlan_traffic() {
	send "$NA" 10.228.0.2 7028 "$N" 300
	recv_stop 7028
	read -r SC_RECEIVED _ <"$TMP/recv.7028"
	SC_SENT=$N SC_EXPECT=$SC_RECEIVED
}

# TCP both ways on one veth pair: the receiver's ACKs come back on A while the next segments
# leave by A.  The kernel frees an ACK it handled without an event (__kfree_skb()) and B's
# TCP coalesces segments, so the next skb on either side often takes a freed skb's address in
# the same softirq: a receive followed by a transmit of that address on the other veth is the
# reply, never a forward.  The kernel's counters are the truth: rx_packets of B and of A.
sc_tcp_setup() {
	NA=${SC_PREFIX}x NB=${SC_PREFIX}y A=${SC_PREFIX}a B=${SC_PREFIX}b
	SC_DEVS=$A,$B SC_PATH=$B
	SC_NOTES="veth $A ($NA, 10.229.0.1) -> veth $B ($NB, 10.229.0.2); one TCP connection to port 7029, 4 MB (offloads as the kernel sets them)"
	two_ns_veth "$NA" "$NB" "$A" "$B" 10.229.0 && tcp_sink_start "$NB" 10.229.0.2 7029
}
sc_tcp_traffic() {
	local b0 a0 b1 a1
	b0=$(dev_stat "$NB" "$B" rx_packets) a0=$(dev_stat "$NA" "$A" rx_packets)
	ip netns exec "$NA" python3 -c "
import socket
s = socket.create_connection(('10.229.0.2', 7029), timeout=10)
s.sendall(b't' * 4000000)
s.close()"
	SC_RECEIVED=$(tcp_sink_wait 7029)
	sleep 0.2	# the last ACK of the close
	b1=$(dev_stat "$NB" "$B" rx_packets) a1=$(dev_stat "$NA" "$A" rx_packets)
	check_eq "tcp: the sink read every byte sent" 4000000 "$SC_RECEIVED"
	SC_SENT=4000000 SC_EXPECT=$((b1 - b0))
	SC_OTHER="{\"$A\": $((a1 - a0))}"
}

tap_setup() {	# NAPI NET
	NS=${SC_PREFIX}s T=${SC_PREFIX}t
	SC_DEVS=$T SC_PATH=$T
	SC_NOTES="tap $T (IFF_NAPI=$1) in $NS with 10.$2.1, written by the test: $N Ethernet frames of UDP 10.$2.9:4000 -> 10.$2.1:7025, payload 222"
	[ -c /dev/net/tun ] || { echo "# tap: no /dev/net/tun"; return 1; }
	ns_add "$NS" || return 1
	rm -f "$TMP/tap.ready" "$TMP/tap.go"
	ip netns exec "$NS" python3 "$SKBT_ROOT/tests/live/tap_send.py" "$T" "$1" "10.$2.1" "10.$2.9" 7025 "$N" 222 \
		"$TMP/tap.ready" "$TMP/tap.go" >"$TMP/tap.out" &
	TAP_PID=$!
	BG_PIDS+=($TAP_PID)
	local i
	for i in $(seq 1 200); do [ -e "$TMP/tap.ready" ] && return 0; sleep 0.02; done
	return 1
}
tap_traffic() {
	touch "$TMP/tap.go"
	wait $TAP_PID
	SC_SENT=$N SC_RECEIVED=$(cat "$TMP/tap.out") SC_EXPECT=$(cat "$TMP/tap.out")
	sleep 0.2
}
sc_tap_setup() { tap_setup 0 225.0; }
sc_tap_traffic() { tap_traffic; }
sc_tap_napi_setup() { tap_setup 1 225.1; }
sc_tap_napi_traffic() { tap_traffic; }

N1=$((N / 2)) N2=$((N / 2)) N3=$N
sc_drops_setup() {
	NA=${SC_PREFIX}x NB=${SC_PREFIX}y A=${SC_PREFIX}a B=${SC_PREFIX}b
	SC_DEVS=$A,$B SC_PATH=$B
	SC_NOTES="veth $A ($NA) -> veth $B ($NB, 10.226.0.2), payload 500: $N1 to closed port 7026 (NO_SOCKET; the ICMP port unreachable replies are journeys on $A), $N2 to port 7027 dropped by nft (NETFILTER_DROP), $N3 to port 7028, a socket with SO_RCVBUF 1024 that does not read (SOCKET_RCVBUFF); expected journeys = sent"
	command -v nft >/dev/null || { echo "# drops: needs nft"; return 1; }
	two_ns_veth "$NA" "$NB" "$A" "$B" 10.226.0 &&
	ip netns exec "$NB" nft -f - <<-NFT &&
	table inet skbt_fid {
		chain in {
			type filter hook input priority 0; policy accept;
			udp dport 7027 counter drop
		}
	}
	NFT
	recv_start "$NB" 10.226.0.2 7028 "$N3" 1024 0
}
snmp() {	# snmp NS PROTO FIELD: the counter PROTO FIELD (Udp NoPorts) of NS's /proc/net/snmp
	ip netns exec "$1" awk -v p="$2:" -v f="$3" '$1 == p { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 } else print $col[f] }' /proc/net/snmp
}
sc_drops_traffic() {
	local noports0 noports nft_pkts queued sock_drops unreach0 unreach
	noports0=$(snmp "$NB" Udp NoPorts) unreach0=$(snmp "$NB" Icmp OutDestUnreachs)
	send "$NA" 10.226.0.2 7026 "$N1" 500
	send "$NA" 10.226.0.2 7027 "$N2" 500
	send "$NA" 10.226.0.2 7028 "$N3" 500
	recv_stop 7028
	read -r queued sock_drops <"$TMP/recv.7028"
	noports=$(( $(snmp "$NB" Udp NoPorts) - noports0 ))
	unreach=$(( $(snmp "$NB" Icmp OutDestUnreachs) - unreach0 ))
	nft_pkts=$(ip netns exec "$NB" nft list chain inet skbt_fid in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	echo "# drops: kernel NoPorts +$noports, nft counter $nft_pkts, socket drops $sock_drops, queued $queued, ICMP unreachable sent +$unreach"
	# The port unreachable replies (rate-limited) are journeys of their own on A.
	[ "$unreach" -gt 0 ] && SC_OTHER="{\"$A\": $unreach}"
	SC_SENT=$((N1 + N2 + N3)) SC_RECEIVED=$queued SC_EXPECT=$((N1 + N2 + N3))
	SC_DROPS="{\"NO_SOCKET\": $noports, \"NETFILTER_DROP\": ${nft_pkts:-0}, \"SOCKET_RCVBUFF\": $sock_drops}"
}

sc_flood_setup() {
	NA=${SC_PREFIX}x NB=${SC_PREFIX}y A=${SC_PREFIX}a B=${SC_PREFIX}b
	SC_DEVS=$A,$B SC_PATH=$B
	SC_NOTES="veth $A ($NA) -> veth $B ($NB, 10.227.0.2); python3 sender on CPU 0 as fast as it can for $FLOOD_SECS s, 64-byte payload, receiver (32 MB buffer); expected journeys = received + socket drops"
	[ "$(nproc)" -ge 2 ] || { echo "# flood: needs 2 CPUs"; return 1; }
	TC_KB=8192	# trace-cmd's ring as large as skbtrail-record's (its default: 1.4 MB)
	two_ns_veth "$NA" "$NB" "$A" "$B" 10.227.0 &&
	recv_start "$NB" 10.227.0.2 7029 1000000000 $((32 << 20))
}
sc_flood_traffic() {
	local rcv drops
	SC_SENT=$(send "$NA" 10.227.0.2 7029 "-$FLOOD_SECS" 64 0 0)
	recv_stop 7029
	read -r rcv drops <"$TMP/recv.7029"
	SC_RECEIVED=$rcv SC_EXPECT=$((rcv + drops))
	[ "$drops" -gt 0 ] && SC_DROPS="{\"SOCKET_RCVBUFF\": $drops}"
	echo "# flood: sent $SC_SENT, received $rcv, socket drops $drops"
}

# ---------------------------------------------------------------------------------------
echo "# sets: ${SETS[*]}; traces and truth files in $OUT; Open vSwitch module: $OVS"
for sc in $SCENARIOS; do
	run_scenario "$sc"
	# Each scenario's namespaces go before the next one (names are reused).
	for ns in "${NETNS_LIST[@]}"; do ip netns del "$ns" 2>/dev/null; done
	NETNS_LIST=()
	if [ "$sc" = bridge ]; then
		ready=1
		for s in "${SETS[@]}"; do [ -s "$OUT/bridge-$s.dat" ] && [ -s "$OUT/bridge-$s.json" ] || ready=; done
		[ -n "$ready" ] && touch "$OUT/READY"
	fi
done
time_report fidelity

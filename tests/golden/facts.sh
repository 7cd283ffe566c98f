#!/bin/bash
# Facts about the samples established by hand with `trace-cmd report` (the command that gave
# each number is in the comment), asserted on the analyzer's JSON.  Unlike the frozen reports,
# these say what must stay true whatever the report layout becomes.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1

# fact NAME FILE 'python expression on r (the JSON report)' [analyzer options]
fact() {
	local name=$1 file=$2 expr=$3
	shift 3
	local got
	got=$("$ANALYZE" --json - --top 0 "$@" "$file" 2>&1 | python3 -c "
import json, sys
r = json.load(sys.stdin)
paths = {p['name']: p for p in r['paths']}
def stage(path, name, frm=None):
    return [s for s in paths[path]['stages'] if s['name'] == name and (frm is None or s['from']['event'] == frm)]
print('true' if ($expr) else 'false')" 2>&1)
	check_eq "$name" true "$got"
}

# grep -c 'netif_receive_skb: *dev=eth0' = 16 and 'netif_rx: *dev=br-int' = 16, same addresses
fact "ovs fast path: 16 journeys eth0>br-int" samples/ovs-fastpath.dat \
	"paths['eth0>br-int']['journeys'] == 16"
fact "ovs fast path: forward and backlog measured for all 16" samples/ovs-fastpath.dat \
	"stage('eth0>br-int','forward')[0]['count'] == 16 and stage('eth0>br-int','backlog')[0]['count'] == 16"
# first packet: netif_receive_skb 28.749524131 -> netif_rx 28.750438586 -> receive 28.750700915
fact "ovs fast path: slowest forward is the first packet's 914.5us" samples/ovs-fastpath.dat \
	"stage('eth0>br-int','forward')[0]['max_ns'] == 914455"
fact "ovs fast path: nothing lost, nothing incomplete" samples/ovs-fastpath.dat \
	"not r['trace']['incomplete'] and r['journeys']['incomplete'] == 0"
# grep -c ovs_dp_upcall = 2: one on eth0 (rx), one on br-int (tx reply)
fact "ovs upcall: both upcalls linked with high confidence" samples/ovs-upcall.dat \
	"r['upcalls']['seen'] == 2 and r['upcalls']['linked_high'] == 2"
fact "ovs upcall: the rx upcall is on path eth0>br-int" samples/ovs-upcall.dat \
	"paths['eth0>br-int']['upcalls_linked'] == 1 and len(stage('eth0>br-int','upcall')) == 1"
# README 3b: gro 249.9us, forward 368.7us, backlog 81.8us, stack 847.1us for one packet
fact "ovs full: stage set gro/forward/backlog/stack" samples/ovs-fastpath-full.dat \
	"set(s['name'] for s in paths['eth0>br-int']['stages']) == {'gro','forward','backlog','stack'}"
# grep -c 'napi_gro_receive_entry: *dev=vethB' = 258, 'netif_receive_skb: *dev=vethB' = 41
fact "GRO: 258 entries = 41 receives + 217 merged" samples/native-e_tcp.dat \
	"paths['vethB>br0']['journeys'] == 41 and r['journeys']['gro_merged'] == 217"
# grep -c 'netif_receive_skb: *dev=br0' = 27
fact "bridge: 27 journeys vethB>br0 with backlog and forward" samples/native-b_udp.dat \
	"paths['vethB>br0']['journeys'] == 27 and stage('vethB>br0','backlog') and stage('vethB>br0','forward')"
fact "veth: 27 journeys on vethB, each with xmit and backlog" samples/native-a_udp.dat \
	"paths['vethB']['journeys'] == 27 and stage('vethB','backlog')[0]['count'] == 27"
# kfree_skb: 2 NO_SOCKET @__udp4_lib_rcv, 2 NETFILTER_DROP @nft_do_chain
fact "drops: 2 NO_SOCKET at __udp4_lib_rcv on br0" samples/native-h_drops.dat \
	"any(d['reason']=='NO_SOCKET' and d['location']=='__udp4_lib_rcv' and d['count']==2 and d['dev']=='br0' for d in r['drops'])"
fact "drops: 2 NETFILTER_DROP at nft_do_chain" samples/native-h_drops.dat \
	"any(d['reason']=='NETFILTER_DROP' and d['location']=='nft_do_chain' and d['count']==2 for d in r['drops'])"
# c: RPS on vethB: 3 of the 4 echo requests were received on the other CPU
fact "RPS: cross-CPU journeys counted on vethB>br0" samples/native-c_ping.dat \
	"paths['vethB>br0']['cpu_changes'] == 3"
# d: tap without IFF_NAPI: netif_receive_skb straight from write(), no napi_poll for tap0
fact "tap without NAPI: 3 journeys, no poll" samples/native-d_tap.dat \
	"paths['tap0']['journeys'] == 3 and not any(n['dev']=='tap0' for n in r['napi'])"
fact "tap with IFF_NAPI: gro stage and polls on tap1" samples/native-d_tapnapi.dat \
	"stage('tap1','gro')[0]['count'] == 3 and any(n['dev']=='tap1' for n in r['napi'])"
# filters select whole journeys: --dev br0 keeps the journeys through br0, including their vethB hops
fact "filter --dev br0 keeps whole journeys" samples/native-b_udp.dat \
	"paths['vethB>br0']['journeys'] == 27 and 'vethB' not in paths" --dev br0
fact "filter --min-latency --stage backlog" samples/ovs-fastpath.dat \
	"r['journeys']['total'] == 2 and all(j['stages'] for j in r['slowest'])" --top 5 --min-latency 200us --stage backlog

# The VM samples (tests/vm, skbtrail-record in the guest; their .meta files: sent = eth0
# rx_packets delta = datapath hits + misses): fastpath 48 sent, 48 hits; upcall 12 sent, 3 misses
fact "vm fast path: 48 journeys eth0>br-int, forward and backlog for each" samples/ovs-vm-fastpath.dat \
	"paths['eth0>br-int']['journeys'] == 48 and stage('eth0>br-int','forward')[0]['count'] == 48 and stage('eth0>br-int','backlog')[0]['count'] == 48"
fact "vm fast path: core events only, so gro/stack are not claimed" samples/ovs-vm-fastpath.dat \
	"'net:napi_gro_receive_entry' not in r['trace']['events'] and r['trace']['clock'] == 'mono'"
fact "vm upcall: 3 misses linked, 12 journeys" samples/ovs-vm-upcall.dat \
	"r['upcalls']['seen'] == 3 and r['upcalls']['linked_high'] == 3 and paths['eth0>br-int']['journeys'] == 12 and len(stage('eth0>br-int','upcall')) == 1 and stage('eth0>br-int','upcall')[0]['count'] == 3"
fact "vm rps: 48 journeys, gro + rps = 48" samples/ovs-vm-rps.dat \
	"paths['eth0>br-int']['journeys'] == 48 and stage('eth0>br-int','gro')[0]['count'] + stage('eth0>br-int','rps')[0]['count'] == 48"

#!/usr/bin/env python3
"""The guest's own truth about one recording, next to the trace, for the analyzer to be held
against (tests/vm/check.py) and for people who take the trace elsewhere (samples/).

    truth.py OUT_DIR NAME [HANDLER_TID...]

Reads OUT_DIR/NAME.meta (guest.sh: counter deltas around the recording), NAME.sent-R.json
(what the host sent), NAME.cmd (the record command) and NAME.dat, which it reads with
`trace-cmd report -l -N` (no analyzer involved; -l for the latency column, the only place
that tells a handler thread's own netif_rx from a softirq that ran in its context when it
re-enabled bottom halves).  Appends to NAME.meta:

    trace_nrs_eth0=N              netif_receive_skb(dev=eth0) events
    trace_handler_netif_rx_brint=N  netif_rx(dev=br-int) by an ovs-vswitchd handler thread
                                  (pid in HANDLER_TID..., or comm "handlerN" when no tids were
                                  given) in process context (no 'h'/'s' in the latency flags):
                                  the packets that went up to ovs-vswitchd and came back
    trace_handler_xmit_eth0=N     net_dev_xmit/net_dev_queue(dev=eth0) by a handler thread:
                                  transmitted packets that went through an upcall
    trace_events=a,b,...          the events present

and writes NAME.truth.json: all of that plus the sent totals, in one object.
"""
import glob
import json
import os
import re
import subprocess
import sys

# trace-cmd report -l: "handler1-247     0..s1.    77.913204: netif_receive_skb: dev=..."
# (comm cut to 8 characters; CPU number then irqs-off, need-resched, hard/softirq,
# preempt depth, migrate-disable)
LINE = re.compile(r"^\s*(?P<comm>.*?)-(?P<pid>\d+)\s+(?P<cpu>\d+)(?P<flags>[^\s\d]\S*)\s+"
                  r"(?P<ts>\d+\.\d+):\s+(?P<ev>\w+):\s*(?P<rest>.*)$")


def in_irq(flags):
    """flags: the latency column after the CPU, e.g. "..s1." (softirq)."""
    return len(flags) >= 3 and flags[2] in "hsH"


def scan(dat, tids):
    p = subprocess.run(["trace-cmd", "report", "-l", "-N", "-i", dat], capture_output=True,
                       text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit("trace-cmd report failed: " + p.stderr[:300])
    t = {"nrs_eth0": 0, "handler_netif_rx_brint": 0, "handler_xmit_eth0": 0,
         "handler_netif_rx_brint_irq": 0, "flags_seen": 0}
    events = {}
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        ev, rest = m.group("ev"), m.group("rest") + " "
        events[ev] = events.get(ev, 0) + 1
        flags = m.group("flags")
        if flags:
            t["flags_seen"] += 1
        if tids:
            handler = m.group("pid") in tids
        else:
            handler = m.group("comm").strip().startswith("handler")
        if ev == "netif_receive_skb" and "dev=eth0 " in rest:
            t["nrs_eth0"] += 1
        elif ev == "netif_rx" and "dev=br-int " in rest and handler:
            if in_irq(flags):
                t["handler_netif_rx_brint_irq"] += 1
            else:
                t["handler_netif_rx_brint"] += 1
        elif ev in ("net_dev_xmit", "net_dev_queue") and "dev=eth0 " in rest and handler:
            t["handler_xmit_eth0"] += 1
    return t, events


def main():
    out, name, tids = sys.argv[1], sys.argv[2], set(sys.argv[3:])
    base = os.path.join(out, name)
    meta = {}
    with open(base + ".meta") as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = int(v) if re.fullmatch(r"-?\d+", v) else v
    t, events = scan(base + ".dat", tids)
    with open(base + ".meta", "a") as f:
        for k in ("nrs_eth0", "handler_netif_rx_brint", "handler_xmit_eth0"):
            f.write("trace_%s=%d\n" % (k, t[k]))
        f.write("trace_events=%s\n" % ",".join(sorted(events)))
    sent = {"udp": 0, "tcp_writes": 0, "tcp_bytes": 0, "rounds": 0}
    for fn in sorted(glob.glob(base + ".sent-*.json")):
        with open(fn) as fh:
            s = json.load(fh)
        sent["udp"] += s.get("udp_sent", 0)
        sent["tcp_writes"] += s.get("tcp_writes", 0)
        sent["tcp_bytes"] += s.get("tcp_bytes", 0)
        sent["rounds"] += 1
    try:
        with open(base + ".cmd") as fh:
            cmd = fh.read().strip()
    except OSError:
        cmd = None
    truth = {
        "scenario": name,
        "record_command": cmd,
        "recorder": meta.get("recorder"),
        "events_requested": meta.get("events"),
        "events_in_trace": {k: events[k] for k in sorted(events)},
        "setup": meta.get("setup", ""),
        "rps_cpus": meta.get("rps_cpus"),
        "sent": sent,
        "socket": {"udp_datagrams": meta.get("sink_received"),
                   "tcp_bytes": meta.get("sink_tcp_bytes"),
                   "udp_InDatagrams_delta": meta.get("udp_in_delta"),
                   "tcp_InSegs_delta": meta.get("tcp_in_delta"),
                   "tcp_OutSegs_delta": meta.get("tcp_out_delta")},
        "rx_packets_delta": {"eth0": meta.get("eth0_rx_delta"),
                             "br-int": meta.get("brint_rx_delta")},
        "tx_packets_delta": {"eth0": meta.get("eth0_tx_delta"),
                             "br-int": meta.get("brint_tx_delta")},
        "datapath_delta": {"hit": meta.get("dp_hit_delta"), "missed": meta.get("dp_missed_delta"),
                           "lost": meta.get("dp_lost_delta")},
        "trace": {"netif_receive_skb_eth0": t["nrs_eth0"],
                  "handler_netif_rx_brint_process_ctx": t["handler_netif_rx_brint"],
                  "handler_netif_rx_brint_in_irq": t["handler_netif_rx_brint_irq"],
                  "handler_xmit_eth0": t["handler_xmit_eth0"],
                  "lines_with_flags_column": t["flags_seen"],
                  "handler_tids": sorted(tids, key=int)},
    }
    with open(base + ".truth.json", "w") as fh:
        json.dump(truth, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()

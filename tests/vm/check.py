#!/usr/bin/env python3
"""Assertions of tests/vm/ovs.sh: compare what skbtrail-analyze --json found in each guest
trace with what the host sent and with the guest's own kernel counters.

    check.py TRACES_DIR SCENARIO...

Reads, per scenario NAME, from TRACES_DIR:
    NAME.json        skbtrail-analyze --json NAME.dat (missing: analyzer checks are "not ok")
    NAME.analyze.rc  its exit status
    NAME.meta        key=value from guest.sh: record_rc, sink_received, eth0_rx_delta,
                     dp_hit_delta, dp_missed_delta, rps_cpus, ...
    NAME.sent-R.json what send.py sent in round R
    NAME.dat         the trace; `trace-cmd report` on it gives an independent event count
    NAME.truth.json  (tc-* scenarios, recorded with plain trace-cmd) the guest's truth.py: the
                     same counters plus what `trace-cmd report` in the guest counted, e.g. the
                     netif_rx(br-int) that ovs-vswitchd's handler threads made (re-injected
                     upcalls); its trace_* keys are also in NAME.meta
Prints one result per line for ovs.sh to number: "ok\\tWHAT", "not ok\\tWHAT", "skip\\tWHAT",
and "# ..." comment lines (the scenario table) which ovs.sh passes through.

The analyzer's JSON field names are used ONLY in class Report below: when the report schema
(docs/report-schema.json) changes, adapt that class and nothing else.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

CORE_EVENTS = ["net:netif_receive_skb", "net:netif_rx", "napi:napi_poll", "net:net_dev_queue"]
FULL_MUST_HAVE = ["openvswitch:ovs_do_execute_action", "skb:consume_skb",
                  "irq:softirq_entry", "net:napi_gro_receive_entry"]
PATH = "eth0>br-int"       # NIC -> OVS -> internal port, the path every datagram takes

# The scenarios recorded with plain trace-cmd in the guest (no openvswitch events: upcalls are
# seen only as a softirq netif_receive_skb(eth0) without a netif_rx(br-int), then a
# netif_rx(br-int) in an ovs-vswitchd handler thread).  Truth from the guest: the datapath's
# missed count (ovs-dpctl show) and the handler-thread netif_rx(br-int) count (truth.py).
#   events   what was recorded (and all that may be in the trace)
#   upcalls  None: warm flows, no miss; "rounds": one miss per del-flows round; "flush": flows
#            flushed once before the traffic, misses until the handler installs the megaflow;
#            "all": no datapath flows at all (flow-limit=0), every packet is a miss
#   rps      rps_cpus on eth0 (the IRQ is on CPU0)
#   tcp      UDP + TCP, the guest answers TCP (its segments go br-int -> OVS -> eth0)
#   frees    skb:consume_skb recorded: every datagram's journey ends in the socket read
NET_XMIT_SET = ["net:netif_rx", "net:netif_receive_skb", "napi:napi_poll", "net:net_dev_xmit"]
TC_SCENARIOS = {
    "tc-fastpath": {"events": CORE_EVENTS, "upcalls": None},
    "tc-rps": {"events": CORE_EVENTS, "upcalls": None, "rps": "3"},
    "tc-upcall": {"events": CORE_EVENTS, "upcalls": "rounds"},
    "tc-core4-upcall": {"events": CORE_EVENTS, "upcalls": "flush"},
    "tc-xmit-rps": {"events": NET_XMIT_SET, "upcalls": "flush", "rps": "2", "tcp": True},
    "tc-frees-allupcall": {"events": CORE_EVENTS + ["skb:consume_skb", "skb:kfree_skb"],
                           "upcalls": "all", "frees": True},
}


class Report:
    """The one place that knows the analyzer's JSON shape (planned schema, issue 5 brief)."""

    def __init__(self, doc):
        self.doc = doc

    def schema_version(self):
        return self.doc.get("schema_version")

    def event_counts(self):
        """{"net:netif_rx": N, ...} as the analyzer decoded them."""
        return dict(self.doc.get("trace", {}).get("events", {}))

    def lost_events(self):
        return self.doc.get("trace", {}).get("lost_events")

    def trace_incomplete(self):
        return self.doc.get("trace", {}).get("incomplete")

    def journeys_incomplete(self):
        return self.doc.get("journeys", {}).get("incomplete")

    def journeys_total(self):
        return self.doc.get("journeys", {}).get("total")

    def paths(self):
        return self.doc.get("paths", [])

    def path(self, name):
        for p in self.paths():
            if p.get("name") == name:
                return p
        return None

    def path_journeys(self, name):
        p = self.path(name)
        return p.get("journeys", 0) if p else 0

    def stages(self, path, stage, to_event=None, from_dev=None):
        """All entries of a stage on a path.  One stage name can appear several times with
        different ends: on the upcall path "forward" is netif_receive_skb(eth0) ->
        ovs_dp_upcall for the missed packet, then ovs_do_execute_action -> netif_rx(br-int)
        for the re-injected one, next to netif_receive_skb(eth0) -> netif_rx(br-int)."""
        p = self.path(path) or {}
        return [s for s in p.get("stages", []) if s.get("name") == stage and
                (to_event is None or s.get("to", {}).get("event") == to_event) and
                (from_dev is None or s.get("from", {}).get("dev") == from_dev)]

    def stage_count(self, path, stage, to_event=None, from_dev=None):
        return sum(s.get("count", 0) for s in self.stages(path, stage, to_event, from_dev))

    def stage_p50(self, path, stage, to_event=None):
        """Median of the most common variant of the stage (None when absent)."""
        st = sorted(self.stages(path, stage, to_event), key=lambda s: -s.get("count", 0))
        return st[0].get("p50_ns") if st else None

    def upcalls_seen(self):
        return self.doc.get("upcalls", {}).get("seen")

    def upcalls_linked(self):
        return self.doc.get("upcalls", {}).get("linked")

    def path_upcalls_linked(self, name):
        p = self.path(name)
        return p.get("upcalls_linked", 0) if p else 0

    def tx_upcalls_linked(self):
        return sum(p.get("upcalls_linked", 0) for p in self.paths() if p.get("direction") == "tx")

    def upcall_stages_elsewhere(self, keep, keep_tx=False):
        """{path: upcall stages + upcalls_linked} of every path not in keep (nor a transmit
        path, with keep_tx) that has any."""
        out = {}
        for p in self.paths():
            if p.get("name") in keep or (keep_tx and p.get("direction") == "tx"):
                continue
            n = sum(s.get("count", 0) for s in p.get("stages", []) if s.get("name") == "upcall")
            n = max(n, p.get("upcalls_linked", 0))
            if n:
                out[p.get("name")] = n
        return out


class Results:
    def __init__(self):
        self.lines = []

    def ok(self, what):
        self.lines.append("ok\t" + what)

    def not_ok(self, what):
        self.lines.append("not ok\t" + what)

    def skip(self, what):
        self.lines.append("skip\t" + what)

    def check(self, what, cond):
        (self.ok if cond else self.not_ok)(what)

    def eq(self, what, expected, actual):
        if expected == actual:
            self.ok("%s (%s)" % (what, actual))
        else:
            self.not_ok("%s: expected %s, got %s" % (what, expected, actual))


def read_meta(path):
    meta = {}
    try:
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    meta[k] = int(v) if re.fullmatch(r"-?\d+", v) else v
    except OSError:
        pass
    return meta


def sent_total(d, name):
    total, rounds = 0, 0
    for f in sorted(glob.glob(os.path.join(d, "%s.sent-*.json" % name))):
        with open(f) as fh:
            total += json.load(fh).get("udp_sent", 0)
        rounds += 1
    return total, rounds


def raw_events(dat):
    """Independent look at the trace through trace-cmd report: {event: count} and the number
    of netif_receive_skb(eth0) per CPU.  None when trace-cmd is missing or cannot read it."""
    if not shutil.which("trace-cmd"):
        return None
    try:
        p = subprocess.run(["trace-cmd", "report", "-N", "-i", dat], capture_output=True,
                           text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if p.returncode != 0:
        return None
    counts, eth0_cpu, gro_cpu, hops = {}, {}, {}, 0
    pat = re.compile(r"\[(\d+)\]\s+(?:\S+\s+)?[\d.]+:\s+(\w+):\s*(.*)")
    addr = re.compile(r"skbaddr=(0x[0-9a-f]+)")
    for line in p.stdout.splitlines():
        m = pat.search(line)
        if not m:
            continue
        cpu, ev, rest = int(m.group(1)), m.group(2), m.group(3)
        counts[ev] = counts.get(ev, 0) + 1
        if "dev=eth0 " not in rest + " ":
            continue
        a = addr.search(rest)
        if ev == "napi_gro_receive_entry" and a:
            gro_cpu[a.group(1)] = cpu
        elif ev == "netif_receive_skb":
            eth0_cpu[cpu] = eth0_cpu.get(cpu, 0) + 1
            # RPS hop: the skb entered GRO on one CPU and the stack on another
            if a and a.group(1) in gro_cpu and gro_cpu.pop(a.group(1)) != cpu:
                hops += 1
    return {"counts": counts, "eth0_cpu": eth0_cpu, "hops": hops}


def schema_check(res, name, doc):
    """The report against docs/report-schema.json, when python3-jsonschema is installed."""
    schema = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                          "report-schema.json")
    try:
        import jsonschema
    except ImportError:
        res.skip("%s: report matches docs/report-schema.json (no python3-jsonschema)" % name)
        return
    if not os.path.exists(schema):
        res.skip("%s: report matches docs/report-schema.json (no schema file)" % name)
        return
    with open(schema) as f:
        sch = json.load(f)
    try:
        jsonschema.validate(doc, sch)
        res.ok("%s: report matches docs/report-schema.json" % name)
    except jsonschema.ValidationError as e:
        res.not_ok("%s: report matches docs/report-schema.json: %s at %s" % (
            name, e.message[:120], "/".join(str(x) for x in e.absolute_path)))


def fmt_ns(v):
    return "-" if v is None else str(int(v))


def check_scenario(d, name, res, table):
    if name in TC_SCENARIOS:
        return check_tc_scenario(d, name, TC_SCENARIOS[name], res, table)
    meta = read_meta(os.path.join(d, name + ".meta"))
    sent, rounds = sent_total(d, name)
    dat = os.path.join(d, name + ".dat")
    row = {"name": name, "sent": sent, "got": "-", "raw": "-", "paths": "-", "upcalls": "-",
           "fwd": "-", "backlog": "-"}
    table.append(row)

    if not meta:
        res.not_ok("%s: guest ran the scenario (no %s.meta)" % (name, name))
        return
    res.check("%s: recorded with %s (exit %s, %s)" % (
        name, meta.get("recorder"), meta.get("record_rc"),
        "trace kept" if os.path.exists(dat) else "no trace"),
        meta.get("record_rc") == 0 and os.path.exists(dat))
    row["got"] = meta.get("sink_received", "-")
    if name == "upcall":
        row["upcalls"] = "-/- (%s)" % meta.get("dp_missed_delta")
        # a flush gives at least one miss; a second datagram of the flow that arrives before
        # ovs-vswitchd installed it misses too (seen under load: 4 misses for 3 flushes)
        res.check("upcall: datapath misses (%s) >= flow flushes (%d) (ovs-dpctl)" % (
            meta.get("dp_missed_delta"), rounds), (meta.get("dp_missed_delta") or 0) >= rounds)
    else:
        res.eq("%s: no datapath misses, flows were warm (ovs-dpctl)" % name, 0,
               meta.get("dp_missed_delta"))
    # Harness sanity: the traffic arrived, and nothing else came in on eth0.
    res.check("%s: host sent %d datagrams (> 0)" % (name, sent), sent > 0)
    res.eq("%s: datagrams read by the guest's socket == sent" % name, sent, meta.get("sink_received"))
    res.eq("%s: eth0 rx_packets delta == sent" % name, sent, meta.get("eth0_rx_delta"))

    # Kernel facts read straight from the trace by trace-cmd: hold whatever the analyzer says.
    raw = raw_events(dat) if os.path.exists(dat) else None
    if raw is not None:
        n_eth0 = sum(raw["eth0_cpu"].values())
        row["raw"] = n_eth0
        res.eq("%s: netif_receive_skb(eth0) events in the trace == sent (trace-cmd report)" % name,
               sent, n_eth0)
        if name == "upcall":
            res.eq("upcall: ovs_dp_upcall events in the trace == datapath misses (trace-cmd report)",
                   meta.get("dp_missed_delta"), raw["counts"].get("ovs_dp_upcall", 0))
        if name == "rps":
            row["raw"] = "%d/%d" % (n_eth0, raw["hops"])
            res.check("rps: RPS moved packets to the other CPU (%d of %d, trace-cmd report)" % (
                raw["hops"], n_eth0), raw["hops"] >= 1)
    else:
        res.skip("%s: cross-checks with trace-cmd report (trace-cmd missing or cannot read the file)" % name)

    rc = None
    try:
        with open(os.path.join(d, name + ".analyze.rc")) as f:
            rc = int(f.read().strip() or -1)
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(d, name + ".json")) as f:
            rep = Report(json.load(f))
    except (OSError, ValueError) as e:
        res.not_ok("%s: skbtrail-analyze --json gave a report (exit %s; %s)" % (name, rc, e))
        return
    res.eq("%s: skbtrail-analyze --json exit status" % name, 0, rc)

    ev = rep.event_counts()
    schema_check(res, name, rep.doc)
    res.eq("%s: no lost events" % name, 0, rep.lost_events())
    res.eq("%s: trace not incomplete" % name, False, rep.trace_incomplete())
    res.eq("%s: no incomplete journeys" % name, 0, rep.journeys_incomplete())
    if raw is not None:
        # The analyzer's decoded event counts against trace-cmd's reading of the same file.
        mism = []
        for k, v in ev.items():
            short = k.split(":", 1)[-1]
            if raw["counts"].get(short, 0) != v:
                mism.append("%s %s!=%s" % (k, v, raw["counts"].get(short, 0)))
        res.check("%s: event counts agree with trace-cmd report%s" % (
            name, (": " + ", ".join(mism[:4])) if mism else ""), not mism)

    j = rep.path_journeys(PATH)
    row["paths"] = " ".join("%s=%s" % (p.get("name"), p.get("journeys")) for p in rep.paths()) or "none"
    row["fwd"] = fmt_ns(rep.stage_p50(PATH, "forward"))
    row["backlog"] = fmt_ns(rep.stage_p50(PATH, "backlog"))
    res.eq("%s: journeys on path %s == sent" % (name, PATH), sent, j)

    # the datapath stage proper: netif_receive_skb(eth0) -> netif_rx(br-int), a flow hit
    fwd = rep.stage_count(PATH, "forward", "netif_rx")
    backlog = rep.stage_count(PATH, "backlog")
    res.eq("%s: %s backlog stages == sent" % (name, PATH), sent, backlog)
    if name == "upcall":
        missed = meta.get("dp_missed_delta") or 0
        up = rep.stage_count(PATH, "upcall")
        row["upcalls"] = "%s/%s (%s)" % (rep.upcalls_linked(), rep.upcalls_seen(), missed)
        row["fwd"] = fmt_ns(rep.stage_p50(PATH, "forward", "netif_rx"))
        res.eq("upcall: upcalls seen == datapath misses", missed, rep.upcalls_seen())
        res.eq("upcall: upcalls linked to the re-injected skb", missed, rep.upcalls_linked())
        res.eq("upcall: %s upcall stages == datapath misses" % PATH, missed, up)
        res.eq("upcall: %s forward stages ending at ovs_dp_upcall == misses" % PATH, missed,
               rep.stage_count(PATH, "forward", "ovs_dp_upcall"))
        # flow hits go straight to netif_rx; each re-injected skb reaches it from
        # ovs_do_execute_action: together one per datagram
        res.eq("upcall: %s forward stages ending at netif_rx(br-int) == sent" % PATH, sent, fwd)
        res.eq("upcall: ovs_dp_upcall events == datapath misses", missed,
               ev.get("openvswitch:ovs_dp_upcall"))
        p50u = rep.stage_p50(PATH, "upcall")
        res.check("upcall: upcall stage median > 0 (%s ns)" % fmt_ns(p50u), bool(p50u))
        row["upcalls"] += " %sus" % ("-" if p50u is None else int(p50u) // 1000)
    else:
        res.eq("%s: %s forward stages == sent" % (name, PATH), sent, fwd)
        p50f, p50b = rep.stage_p50(PATH, "forward"), rep.stage_p50(PATH, "backlog")
        res.check("%s: forward and backlog medians > 0 (%s, %s ns)" % (
            name, fmt_ns(p50f), fmt_ns(p50b)), bool(p50f) and bool(p50b))
        row["upcalls"] = "%s/%s" % (rep.upcalls_linked(), rep.upcalls_seen())

    present = {k for k, v in ev.items() if v}
    if name in ("fastpath", "core4"):
        extra = sorted(present - set(CORE_EVENTS))
        res.check("%s: only the four core events recorded%s" % (
            name, (": also " + ", ".join(extra)) if extra else ""), not extra)
        need = {"net:netif_receive_skb", "net:netif_rx", "napi:napi_poll"}
        res.check("%s: netif_receive_skb, netif_rx, napi_poll all present" % name,
                  need <= present)
    if name in ("full", "rps", "upcall"):
        miss = [e for e in FULL_MUST_HAVE if e not in present]
        res.check("%s: full event set (openvswitch, skb, softirq, gro)%s" % (
            name, (": missing " + ", ".join(miss)) if miss else ""), not miss)
        res.eq("%s: napi_gro_receive_entry events == sent" % name, sent,
               ev.get("net:napi_gro_receive_entry"))
    if name in ("full", "rps", "upcall"):
        # consume_skb is recorded: every datagram ends in the socket's read
        res.eq("%s: %s stack stages (to the socket) == sent" % (name, PATH), sent,
               rep.stage_count(PATH, "stack"))
    if name in ("full", "upcall"):
        res.eq("%s: %s gro stages == sent" % (name, PATH), sent, rep.stage_count(PATH, "gro"))
    if name == "full":
        res.eq("full: ovs_do_execute_action events == sent", sent,
               ev.get("openvswitch:ovs_do_execute_action"))
    if name == "rps":
        res.eq("rps: rps_cpus on eth0", "3", str(meta.get("rps_cpus")))
        rps = rep.stage_count(PATH, "rps")
        res.check("rps: cross-CPU hop seen (%s rps stages)" % rps, rps >= 1)
        if raw is not None:
            res.eq("rps: rps stages == skbs whose GRO and netif_receive_skb(eth0) CPUs differ "
                   "(trace-cmd report)",
                   raw["hops"], rps)
        # a packet's first stage is rps when it changed CPU, gro when it did not
        res.eq("rps: rps + gro stages == sent", sent, rps + rep.stage_count(PATH, "gro"))


def load_report(d, name, res):
    """(Report or None, exit status); says "not ok" when there is no report."""
    rc = None
    try:
        with open(os.path.join(d, name + ".analyze.rc")) as f:
            rc = int(f.read().strip() or -1)
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(d, name + ".json")) as f:
            rep = Report(json.load(f))
    except (OSError, ValueError) as e:
        res.not_ok("%s: skbtrail-analyze --json gave a report (exit %s; %s)" % (name, rc, e))
        return None
    res.eq("%s: skbtrail-analyze --json exit status" % name, 0, rc)
    return rep


def check_tc_scenario(d, name, sc, res, table):
    """A recording by plain trace-cmd (TC_SCENARIOS): the journeys into br-int against the
    packets the guest's stack received, the upcalls against the datapath's misses and the
    handler threads' re-injections."""
    meta = read_meta(os.path.join(d, name + ".meta"))
    sent, rounds = sent_total(d, name)
    tcp_bytes_sent = 0
    for f in sorted(glob.glob(os.path.join(d, "%s.sent-*.json" % name))):
        with open(f) as fh:
            tcp_bytes_sent += json.load(fh).get("tcp_bytes", 0)
    dat = os.path.join(d, name + ".dat")
    row = {"name": name, "sent": sent, "got": "-", "raw": "-", "paths": "-", "upcalls": "-",
           "fwd": "-", "backlog": "-"}
    table.append(row)
    if not meta:
        res.not_ok("%s: guest ran the scenario (no %s.meta)" % (name, name))
        return
    res.check("%s: recorded with %s (exit %s, %s)" % (
        name, meta.get("recorder"), meta.get("record_rc"),
        "trace kept" if os.path.exists(dat) else "no trace"),
        meta.get("record_rc") == 0 and os.path.exists(dat) and meta.get("recorder") == "trace-cmd")
    row["got"] = meta.get("sink_received", "-")
    missed = meta.get("dp_missed_delta")
    h_rx = meta.get("trace_handler_netif_rx_brint")     # rx upcalls, re-injected into br-int
    h_tx = meta.get("trace_handler_xmit_eth0")          # tx upcalls, re-sent on eth0
    res.check("%s: the guest counted the handler threads' netif_rx(br-int) (truth.py)" % name,
              isinstance(h_rx, int) and isinstance(h_tx, int))

    # Harness: the traffic and the datapath did what the scenario is about.
    res.check("%s: host sent %d datagrams (> 0)" % (name, sent), sent > 0)
    res.eq("%s: datagrams read by the guest's socket == sent" % name, sent, meta.get("sink_received"))
    res.eq("%s: Udp InDatagrams delta == sent" % name, sent, meta.get("udp_in_delta"))
    res.eq("%s: no upcall lost by the datapath (ovs-dpctl)" % name, 0, meta.get("dp_lost_delta"))
    if sc.get("tcp"):
        # What arrives as journeys is one per skb that the stack took in: GRO (virtio-net)
        # may merge TCP segments, and eth0's rx_packets counts them before GRO.  Udp
        # InDatagrams and Tcp InSegs count after it (one per skb, like the journeys).
        tcp_in = meta.get("tcp_in_delta") or 0
        expected = sent + tcp_in
        res.check("%s: TCP segments received (Tcp InSegs delta %d > 0)" % (name, tcp_in), tcp_in > 0)
        res.eq("%s: TCP bytes read by the guest's socket == written by the host" % name,
               tcp_bytes_sent, meta.get("sink_tcp_bytes"))
        res.check("%s: eth0 rx_packets delta (%s, before GRO) >= UDP sent + Tcp InSegs (%d)" % (
            name, meta.get("eth0_rx_delta"), expected), (meta.get("eth0_rx_delta") or 0) >= expected)
        res.check("%s: the guest sent TCP (Tcp OutSegs delta %s > 0)" % (
            name, meta.get("tcp_out_delta")), (meta.get("tcp_out_delta") or 0) > 0)
        what = "UDP sent + Tcp InSegs"
    else:
        expected = sent
        res.eq("%s: eth0 rx_packets delta == sent" % name, sent, meta.get("eth0_rx_delta"))
        res.eq("%s: br-int rx_packets delta == sent" % name, sent, meta.get("brint_rx_delta"))
        what = "sent"
    mode = sc.get("upcalls")
    if mode is None:
        res.eq("%s: no datapath misses, flows were warm (ovs-dpctl)" % name, 0, missed)
    elif mode == "rounds":
        res.check("%s: datapath misses (%s) >= flow flushes (%d) (ovs-dpctl)" % (
            name, missed, rounds), (missed or 0) >= rounds)
    elif mode == "all":
        res.eq("%s: datapath misses == packets into the datapath, no flow installed (ovs-dpctl)"
               % name, expected, missed)
    else:
        res.check("%s: datapath misses after the flush (ovs-dpctl: %s)" % (name, missed),
                  (missed or 0) >= 1)
    if mode is not None and isinstance(h_rx, int):
        # each miss came back from ovs-vswitchd as exactly one re-injected skb
        res.eq("%s: handler netif_rx(br-int) + net_dev_xmit/queue(eth0) in the trace == datapath "
               "misses (truth.py)" % name, missed, h_rx + (h_tx or 0))

    raw = raw_events(dat) if os.path.exists(dat) else None
    if raw is not None:
        n_eth0 = sum(raw["eth0_cpu"].values())
        row["raw"] = n_eth0
        res.eq("%s: netif_receive_skb(eth0) events in the trace == %s (trace-cmd report)" % (
            name, what), expected, n_eth0)
        if sc.get("rps") == "3":
            res.check("%s: RPS moved packets to CPU1 (%s of %d netif_receive_skb(eth0), trace-cmd "
                      "report)" % (name, raw["eth0_cpu"].get(1, 0), n_eth0),
                      raw["eth0_cpu"].get(1, 0) >= 1)
        if sc.get("rps") == "2":
            res.eq("%s: every netif_receive_skb(eth0) on CPU1 (rps_cpus=2; trace-cmd report)" % name,
                   n_eth0, raw["eth0_cpu"].get(1, 0))
    else:
        res.skip("%s: cross-checks with trace-cmd report (trace-cmd missing or cannot read the file)" % name)
    if sc.get("rps"):
        res.eq("%s: rps_cpus on eth0" % name, sc["rps"], str(meta.get("rps_cpus")))

    rep = load_report(d, name, res)
    if rep is None:
        return
    ev = rep.event_counts()
    schema_check(res, name, rep.doc)
    res.eq("%s: no lost events" % name, 0, rep.lost_events())
    res.eq("%s: trace not incomplete" % name, False, rep.trace_incomplete())
    res.eq("%s: no incomplete journeys" % name, 0, rep.journeys_incomplete())
    if raw is not None:
        mism = []
        for k, v in ev.items():
            short = k.split(":", 1)[-1]
            if raw["counts"].get(short, 0) != v:
                mism.append("%s %s!=%s" % (k, v, raw["counts"].get(short, 0)))
        res.check("%s: event counts agree with trace-cmd report%s" % (
            name, (": " + ", ".join(mism[:4])) if mism else ""), not mism)
    present = {k for k, v in ev.items() if v}
    extra = sorted(present - set(sc["events"]))
    res.check("%s: only the recorded events (%s)%s" % (
        name, " ".join(e.split(":")[1] for e in sc["events"]),
        (": also " + ", ".join(extra)) if extra else ""), not extra)

    j = rep.path_journeys(PATH)
    row["paths"] = " ".join("%s=%s" % (p.get("name"), p.get("journeys")) for p in rep.paths()) or "none"
    row["fwd"] = fmt_ns(rep.stage_p50(PATH, "forward", "netif_rx"))
    row["backlog"] = fmt_ns(rep.stage_p50(PATH, "backlog"))
    res.eq("%s: journeys on path %s == %s" % (name, PATH, what), expected, j)
    res.eq("%s: %s backlog stages == %s" % (name, PATH, what), expected,
           rep.stage_count(PATH, "backlog"))
    up = rep.stage_count(PATH, "upcall")
    fwd = rep.stage_count(PATH, "forward", "netif_rx")
    # into br-int either straight from the datapath (a flow hit: forward) or through
    # ovs-vswitchd (a miss: the upcall stage, netif_receive_skb(eth0) -> handler's netif_rx)
    res.eq("%s: %s forward (to netif_rx) + upcall stages == %s" % (name, PATH, what),
           expected, fwd + up)
    row["upcalls"] = "%s/%s (%s/%s)" % (rep.upcalls_linked(), rep.upcalls_seen(), missed, h_rx)
    if mode is None:
        res.eq("%s: no upcalls linked, flows were warm" % name, 0, rep.upcalls_linked())
    else:
        res.eq("%s: %s upcalls linked == handler netif_rx(br-int) (truth.py)" % (name, PATH),
               h_rx, rep.path_upcalls_linked(PATH))
        res.eq("%s: %s upcall stages == handler netif_rx(br-int) (truth.py)" % (name, PATH),
               h_rx, up)
        # all upcalls, rx and (tc-xmit-rps) tx: one per datapath miss
        res.eq("%s: upcalls linked == datapath misses (ovs-dpctl)" % name, missed,
               rep.upcalls_linked())
        p50u = rep.stage_p50(PATH, "upcall")
        res.check("%s: upcall stage median > 0 (%s ns)" % (name, fmt_ns(p50u)), bool(p50u))
        row["upcalls"] += " %sus" % ("-" if p50u is None else int(p50u) // 1000)
    # an upcall link anywhere else is a wrong one, except the guest's own TCP segments going
    # out through a miss (tc-xmit-rps), at most one per handler net_dev_xmit(eth0)
    if sc.get("tcp"):
        res.check("%s: upcalls linked on transmit paths (%s) <= handler net_dev_xmit(eth0) (%s, "
                  "truth.py)" % (name, rep.tx_upcalls_linked(), h_tx),
                  rep.tx_upcalls_linked() <= (h_tx or 0))
    other = rep.upcall_stages_elsewhere({PATH}, keep_tx=bool(sc.get("tcp")))
    res.check("%s: no journey with an upcall on another path%s" % (
        name, (": " + ", ".join("%s=%d" % kv for kv in sorted(other.items()))) if other else ""),
        not other)
    if sc.get("frees"):
        # from netif_receive_skb(br-int): the upcalled original's own free after the upcall
        # (netif_receive_skb(eth0) -> consume_skb in the datapath) is not the socket's read
        res.eq("%s: %s stack stages from br-int (to the socket's consume_skb) == sent" % (
            name, PATH), sent, rep.stage_count(PATH, "stack", "consume_skb", "br-int"))


def main():
    d = sys.argv[1]
    res, table = Results(), []
    for name in sys.argv[2:]:
        check_scenario(d, name, res, table)
    for line in res.lines:
        print(line)
    # "got": read by the guest's socket; "eth0 rx": netif_receive_skb(eth0) in the trace
    # (rps: /those on CPU1, i.e. RPS hops);
    # upcalls: linked/seen by the analyzer (datapath misses counted by ovs-dpctl) and the
    # upcall stage's median; tc-*: (misses/handler netif_rx(br-int) in process context)
    fmt = "# %-18s %5s %5s %7s  %-32s %22s %11s %11s"
    print(fmt % ("scenario", "sent", "got", "eth0 rx", "journeys per path", "upcalls",
                 "p50 fwd ns", "p50 bklg ns"))
    for r in table:
        print(fmt % (r["name"], r["sent"], r["got"], r["raw"], r["paths"], r["upcalls"],
                     r["fwd"], r["backlog"]))


if __name__ == "__main__":
    main()

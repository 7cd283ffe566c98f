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

    def stages(self, path, stage, to_event=None):
        """All entries of a stage on a path.  One stage name can appear several times with
        different ends: on the upcall path "forward" is netif_receive_skb(eth0) ->
        ovs_dp_upcall for the missed packet, then ovs_do_execute_action -> netif_rx(br-int)
        for the re-injected one, next to netif_receive_skb(eth0) -> netif_rx(br-int)."""
        p = self.path(path) or {}
        return [s for s in p.get("stages", []) if s.get("name") == stage and
                (to_event is None or s.get("to", {}).get("event") == to_event)]

    def stage_count(self, path, stage, to_event=None):
        return sum(s.get("count", 0) for s in self.stages(path, stage, to_event))

    def stage_p50(self, path, stage, to_event=None):
        """Median of the most common variant of the stage (None when absent)."""
        st = sorted(self.stages(path, stage, to_event), key=lambda s: -s.get("count", 0))
        return st[0].get("p50_ns") if st else None

    def upcalls_seen(self):
        return self.doc.get("upcalls", {}).get("seen")

    def upcalls_linked(self):
        return self.doc.get("upcalls", {}).get("linked")


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
        res.eq("upcall: datapath misses == flow flushes (ovs-dpctl)", rounds,
               meta.get("dp_missed_delta"))
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
    # upcall stage's median
    fmt = "# %-9s %5s %5s %7s  %-20s %15s %11s %11s"
    print(fmt % ("scenario", "sent", "got", "eth0 rx", "journeys per path", "upcalls",
                 "p50 fwd ns", "p50 bklg ns"))
    for r in table:
        print(fmt % (r["name"], r["sent"], r["got"], r["raw"], r["paths"], r["upcalls"],
                     r["fwd"], r["backlog"]))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run skbtrail-analyze on hostile files with every output option; one line per file.

    check.py ANALYZE OUTDIR FILE...

Each file goes through the text report, --json, --context, --context --json, --html,
--perfetto, --jsonl (--journeys), --csv and --pcapng (outputs under OUTDIR).  Accepted:
exit 0 (a report), or exit 3 or 2 with exactly one line on stderr naming the file; within
LIMIT_S seconds and LIMIT_MB peak RSS (getrusage of the child); never a signal or a
sanitizer report.  Prints "ok FILE: worst TIME s, RSS MB, exits" or "not ok FILE: why".
"""
import os
import signal
import subprocess
import sys
import time

# The limits a user's build must meet.  Under the sanitizers (hostile.sh sets
# SKBT_HOSTILE_SCALE for B=build-san) the same files run many times slower and ASan's shadow
# memory and quarantine of freed blocks add GBs to RSS (1.5 GB for the 30,000-path file that
# takes 122 MB in the plain build): that run checks for crashes and sanitizer reports, within
# loose bounds; the plain build's run (make check) holds the real ones.
SCALE = float(os.environ.get("SKBT_HOSTILE_SCALE", "1"))
LIMIT_S = 20 * SCALE
LIMIT_MB = 512 if SCALE == 1 else 8192


def runs(out):
    return [
        ["--top", "3"],
        ["--json", "-"],
        ["--context"],
        ["--context", "--json", "-"],
        ["--html", os.path.join(out, "r.html")],
        ["--perfetto", os.path.join(out, "r.pftrace")],
        ["--journeys", os.path.join(out, "r.jsonl")],
        ["--csv", os.path.join(out, "r.csv")],
        ["--pcapng", os.path.join(out, "r.pcapng")],
    ]


def measured(analyze, path, args):
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        errf = os.open(path + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(errf, 2)
        os.execv(analyze, [analyze] + args + [path])
    killed = False
    while True:
        wpid, status, ru = os.wait4(pid, os.WNOHANG)
        if wpid:
            break
        if time.monotonic() - t0 > LIMIT_S:
            os.kill(pid, signal.SIGKILL)
            killed = True
            _, status, ru = os.wait4(pid, 0)
            break
        time.sleep(0.01)
    dt = time.monotonic() - t0
    err = open(path + ".err", "rb").read()
    os.unlink(path + ".err")
    rc = os.waitstatus_to_exitcode(status)
    return rc, dt, ru.ru_maxrss / 1024.0, killed, err


def main():
    analyze, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    bad = 0
    for path in files:
        why, worst_t, worst_m, exits = [], 0.0, 0.0, set()
        odir = os.path.join(out, os.path.basename(path))
        os.makedirs(odir, exist_ok=True)
        for args in runs(odir):
            rc, dt, mb, killed, err = measured(analyze, path, args)
            worst_t, worst_m = max(worst_t, dt), max(worst_m, mb)
            exits.add(rc)
            lines = err.decode(errors="replace").strip().split("\n") if err.strip() else []
            what = " ".join(args[:2])
            if killed:
                why.append("%s: over %d s" % (what, LIMIT_S))
            elif rc < 0:
                why.append("%s: signal %d" % (what, -rc))
            elif b"runtime error" in err or b"Sanitizer" in err:
                why.append("%s: sanitizer report" % what)
            elif rc in (2, 3):
                if len(lines) != 1 or path not in lines[0]:
                    why.append("%s: exit %d without one line naming the file: %r" %
                               (what, rc, lines[:2]))
            elif rc != 0:
                why.append("%s: exit %d: %r" % (what, rc, lines[:2]))
            if mb > LIMIT_MB:
                why.append("%s: peak RSS %.0f MB" % (what, mb))
        name = os.path.basename(path)
        first = ""
        if not why:
            rc, _, _, _, err = measured(analyze, path, ["--top", "1"])
            first = err.decode(errors="replace").strip().split("\n")[0][-120:]
        if why:
            bad += 1
            print("not ok %s: %s" % (name, "; ".join(why[:3])))
        else:
            print("ok %s: worst %.2f s, %.0f MB, exits %s %s" % (
                name, worst_t, worst_m, ",".join(map(str, sorted(exits))), first))
        sys.stdout.flush()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

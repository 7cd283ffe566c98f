#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Helper of tests/golden/robust.sh: damaged copies of a sample through skbtrail-analyze.

    robust.py ANALYZE SAMPLE TMPDIR SCALE

Cuts SAMPLE at every offset of its first 512 bytes (magic, header_page, header_event), at
every 4 KiB boundary (one sub-buffer apart, for v6 CPU data) divided by SCALE, and at 40
seeded random offsets; then 40 copies with 1 to 8 random bit flips (fixed seed).  Each copy
runs through the whole pipeline once, writing both reports: `--json FILE` and the text
report on stdout.  Accepted outcomes:
  * exit 0 with a report; a cut copy's report must say it is incomplete (trace.incomplete
    true in JSON, INCOMPLETE in the text);
  * exit 3 with one line on stderr that names the file.
Anything else (a signal, a timeout, another status, a sanitizer report) is a failure.
Prints one TAP-ish summary line per class: "ok WHAT" or "not ok WHAT: first failures".
"""
import json
import os
import random
import subprocess
import sys

TIMEOUT = 20


def run(analyze, path, args):
    try:
        p = subprocess.run([analyze] + args + [path], capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, b"", b"timeout"
    return p.returncode, p.stdout, p.stderr


def check(analyze, path, cut, what):
    """'' when fine, else why not.  One run writes both reports (JSON to a file, the text to
    stdout): half the processes of one run per format, the same checks."""
    jpath = path + ".json"
    if os.path.exists(jpath):
        os.unlink(jpath)
    args = ["--json", jpath, "--top", "3"]
    rc, out, err = run(analyze, path, args)
    if rc is None:
        return "%s: hang (%ds) %s" % (what, TIMEOUT, args)
    if b"runtime error" in err or b"Sanitizer" in err:
        return "%s: sanitizer report %s: %s" % (what, args, err.decode(errors="replace")[:300])
    if rc == 3:
        lines = err.decode(errors="replace").strip().split("\n")
        if len(lines) != 1 or path not in lines[0]:
            return "%s: exit 3 without one line naming the file: %r" % (what, lines[:3])
        return ""
    if rc != 0:
        return "%s: exit %d %s: %s" % (what, rc, args, err.decode(errors="replace")[:200])
    if cut:
        try:
            inc = json.load(open(jpath))["trace"]["incomplete"]
        except (OSError, ValueError, KeyError) as e:
            return "%s: JSON unreadable: %s" % (what, e)
        if inc is not True:
            return "%s: cut file, JSON trace.incomplete is %r" % (what, inc)
        if b"INCOMPLETE" not in out:
            return "%s: cut file, the text report does not say INCOMPLETE" % what
    return ""


def main():
    analyze, sample, tmp, scale = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    data = open(sample, "rb").read()
    name = os.path.basename(sample)
    rnd = random.Random(0x5342 ^ len(data))
    path = os.path.join(tmp, name)
    cuts = set(range(0, min(512, len(data)), scale))
    cuts |= set(range(4096, len(data), 4096 * scale))
    cuts |= set(o - 1 for o in range(4096, len(data), 4096 * scale * 4))
    cuts |= set(rnd.randrange(len(data)) for _ in range(max(40 // scale, 5)))
    fails = []
    for off in sorted(cuts):
        with open(path, "wb") as f:
            f.write(data[:off])
        why = check(analyze, path, True, "cut at %d" % off)
        if why:
            fails.append(why)
    print(("not ok" if fails else "ok") + " %s: %d cuts%s" % (name, len(cuts),
          (": " + "; ".join(fails[:3])) if fails else ""))
    fails = []
    nflip = max(40 // scale, 5)
    for i in range(nflip):
        b = bytearray(data)
        where = []
        for _ in range(rnd.randint(1, 8)):
            o = rnd.randrange(len(b))
            b[o] ^= 1 << rnd.randrange(8)
            where.append(o)
        with open(path, "wb") as f:
            f.write(b)
        why = check(analyze, path, False, "flips at %s" % where)
        if why:
            fails.append(why)
    print(("not ok" if fails else "ok") + " %s: %d copies with bit flips%s" % (name, nflip,
          (": " + "; ".join(fails[:3])) if fails else ""))
    os.unlink(path)
    if os.path.exists(path + ".json"):
        os.unlink(path + ".json")


if __name__ == "__main__":
    main()

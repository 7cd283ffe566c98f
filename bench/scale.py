#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/scale.py: assemble bigger trace.dat files from a recorded one, for bench/scale.sh.

    scale.py IN OUT --copies K [--cpus N] [--seconds S]

IN must be a version 6, uncompressed file (skbtrail-record --format v6; docs/file-format.md).
OUT keeps IN's header (formats, kallsyms, options) and gets new CPU data:

  --copies K   each CPU's sub-buffers K times in a row, copy i with every page header
               timestamp moved on by i * (span of IN + 10 s): K times the events, in time order,
               K times as long (journeys do not run across copies: 10 s of silence between).
  --cpus N     the file gets N CPUs: CPU c carries IN's CPU (c mod n) of copy (c div n), n the
               CPUs of IN, shifted by only (c div n) * 1.7 ms: the copies overlap in time, so
               the reader merges N busy CPUs (the same skb addresses are then in flight on
               several CPUs at once: journeys are not meaningful, the work per event is).
               N must be a multiple of IN's CPU count; it replaces --copies.
  --seconds S  use only the first S seconds of IN (pages whose timestamp is before it).

Only page header timestamps are moved: a file with absolute TIME_STAMP records (hist
triggers) would keep those unmoved; skbtrail-record's files have none.
"""
import argparse
import struct
import sys


def fail(msg):
    sys.exit("scale.py: " + msg)


class Cur:
    def __init__(self, b, pos=0):
        self.b, self.pos = b, pos

    def take(self, n):
        if self.pos + n > len(self.b):
            fail("truncated header")
        v = self.b[self.pos:self.pos + n]
        self.pos += n
        return v

    def u16(self):
        return struct.unpack("<H", self.take(2))[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def cstr(self):
        e = self.b.index(b"\0", self.pos)
        s = self.b[self.pos:e]
        self.pos = e + 1
        return s


def parse(f):
    head = f.read(64 << 20)	# every header part lies in the first 64 MB
    c = Cur(head)
    if c.take(12) != b"\x17\x08\x44tracing6\0":
        fail("not a version 6 trace.dat (record with --format v6)")
    if c.take(1) != b"\0" or c.take(1) != b"\x08":
        fail("only little-endian files with 8-byte longs")
    ps = c.u32()
    for name in (b"header_page", b"header_event"):
        if c.cstr() != name:
            fail("bad " + name.decode())
        c.take(c.u64())
    for _ in range(c.u32()):	# ftrace formats
        c.take(c.u64())
    for _ in range(c.u32()):	# systems
        c.cstr()
        for _ in range(c.u32()):
            c.take(c.u64())
    c.take(c.u32())	# kallsyms
    c.take(c.u32())	# printk
    c.take(c.u64())	# cmdlines
    cpus_at = c.pos
    ncpus = c.u32()
    if c.take(10) != b"options  \0":
        fail("no options")
    opts = []
    while True:
        oid = c.u16()
        if oid == 0:
            break
        opts.append((oid, c.take(c.u32())))
    if c.take(10) != b"flyrecord\0":
        fail("only files whose data is the top buffer (flyrecord)")
    cpu = [(c.u64(), c.u64()) for _ in range(ncpus)]
    tail_start = c.pos	# optional "[clock]" text up to the first data offset
    first = min((o for o, s in cpu if s), default=c.pos)
    tail = head[tail_start:first].rstrip(b"\0")
    return head[:cpus_at], ps, opts, cpu, tail


def page_ts(f, off):
    f.seek(off)
    return struct.unpack("<Q", f.read(8))[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--cpus", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=0)
    a = ap.parse_args()
    with open(a.inp, "rb") as f:
        pre, ps, opts, cpu, tail = parse(f)
        n = len(cpu)
        # pages kept per CPU, and the time span of what is kept
        lo = min(page_ts(f, o) for o, s in cpu if s)
        cut = lo + int(a.seconds * 1e9) if a.seconds > 0 else None
        keep, hi = [], lo
        for o, s in cpu:
            npages = s // ps
            if cut is not None:
                l, h = 0, npages	# first page at or after the cut (page times only grow)
                while l < h:
                    m = (l + h) // 2
                    if page_ts(f, o + m * ps) < cut:
                        l = m + 1
                    else:
                        h = m
                npages = l
            if npages:
                hi = max(hi, page_ts(f, o + (npages - 1) * ps))
            keep.append((o, npages))
        span = hi - lo + 10 * 10**9
        if a.cpus:
            if a.cpus % n:
                fail("--cpus must be a multiple of the file's %d CPUs" % n)
            plan = [[(c % n, (c // n) * 1700000)] for c in range(a.cpus)]
        else:
            plan = [[(c, i * span) for i in range(a.copies)] for c in range(n)]
        nout = len(plan)

        optb = bytearray()
        for oid, data in opts:
            if oid in (2, 8):	# CPUSTAT, CPUCOUNT: rewritten below
                continue
            optb += struct.pack("<HI", oid, len(data)) + data
        stats = {}
        for oid, data in opts:
            if oid == 2 and data.startswith(b"CPU: "):
                stats[int(data[5:data.index(b"\n")])] = data[data.index(b"\n") + 1:]
        for c in range(nout):
            body = stats.get(plan[c][0][0], b"\0")
            data = b"CPU: %d\n" % c + body
            optb += struct.pack("<HI", 2, len(data)) + data
        optb += struct.pack("<HII", 8, 4, nout)
        hdr = bytearray(pre) + struct.pack("<I", nout) + b"options  \0" + bytes(optb) + b"\0\0" + \
            b"flyrecord\0"
        table_at = len(hdr)
        hdr += b"\0" * (16 * nout) + tail
        pos = (len(hdr) + ps - 1) // ps * ps
        table = []
        for c in range(nout):
            size = sum(keep[src][1] * ps for src, _ in plan[c])
            table.append((pos, size))
            pos += size
        for c, (o, s) in enumerate(table):
            hdr[table_at + 16 * c:table_at + 16 * c + 16] = struct.pack("<QQ", o, s)
        with open(a.out, "wb") as g:
            g.write(hdr)
            g.write(b"\0" * (table[0][0] - len(hdr)) if nout else b"")
            chunk = 256
            for c in range(nout):
                for src, shift in plan[c]:
                    o, npages = keep[src]
                    for p in range(0, npages, chunk):
                        k = min(chunk, npages - p)
                        f.seek(o + p * ps)
                        blk = bytearray(f.read(k * ps))
                        for q in range(k):
                            t = struct.unpack_from("<Q", blk, q * ps)[0]
                            struct.pack_into("<Q", blk, q * ps, t + shift)
                        g.write(blk)
    print("%s: %d CPUs, %d MB" % (a.out, nout, pos >> 20))


if __name__ == "__main__":
    main()

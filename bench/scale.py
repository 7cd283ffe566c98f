#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/scale.py: assemble bigger trace.dat files from a recorded one, for bench/scale.sh.

    scale.py IN OUT --copies K [--cpus N] [--seconds S [--busiest]]

IN must be a version 6, uncompressed file (skbtrail-record --format v6; docs/file-format.md).
OUT keeps IN's header (formats, kallsyms, options) and gets new CPU data:

  --copies K   each CPU's sub-buffers K times in a row, copy i with every page header
               timestamp moved on by i * (span of IN + 10 s): K times the events, in time order,
               K times as long (journeys do not run across copies: 10 s of silence between;
               the copies keep IN's skb addresses, reused 10 s later as slab memory is).
  --cpus N     the file gets N CPUs: CPU c carries IN's CPU (c mod n) of copy (c div n), n the
               CPUs of IN, shifted by only (c div n) * 1.7 ms: the copies overlap in time, so
               the reader merges N busy CPUs.  Each copy k has skb addresses of its own: in
               every field named skbaddr (found in IN's event formats) the upper 32-bit half
               gets k XORed in just above the bits in which IN's addresses differ, so no two
               copies share an address, distinct addresses stay distinct and all stay kernel
               addresses (0xffff8...).  One skb is then in flight on one copy's CPUs only, as
               on a real node (with the same addresses, one skb was in flight on up to N / n
               CPUs at once and the journey builder saw collisions no node has).
               With either option the file holds K (or N / n) times IN's journeys and events.
               N must be a multiple of IN's CPU count; it replaces --copies.
  --seconds S  use only the first S seconds of IN (pages whose timestamp is before it).
  --busiest    with --seconds: the S seconds of IN that hold the most pages instead of the
               first S (a recording starts before its traffic: bench/analyze.sh's flood
               begins a second in, so its first 0.9 s held 123 events).

Prints OUT, its CPUs, its size and the number of copies of the slice it holds.
Only page header timestamps (and with --cpus skb addresses) are changed: a file with absolute
TIME_STAMP records (hist triggers) would keep those unmoved; skbtrail-record's files have none.
"""
import argparse
import re
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
    if c.cstr() != b"header_page":
        fail("bad header_page")
    hpage = fields(c.take(c.u64()))
    if c.cstr() != b"header_event":
        fail("bad header_event")
    c.take(c.u64())
    fmts = []
    for _ in range(c.u32()):	# ftrace formats
        fmts.append(c.take(c.u64()))
    for _ in range(c.u32()):	# systems
        c.cstr()
        for _ in range(c.u32()):
            fmts.append(c.take(c.u64()))
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
    skb_fields = {}	# event ID: offsets of its skb address fields in the record's data
    for text in fmts:
        m = re.search(rb"^ID: *(\d+)", text, re.M)
        if m:
            offs = [o for name, (o, sz) in fields(text).items() if name == b"skbaddr" and sz == 8]
            if offs:
                skb_fields[int(m.group(1))] = offs
    for name in (b"timestamp", b"commit", b"data"):
        if name not in hpage:
            fail("header_page has no " + name.decode())
    return head[:cpus_at], ps, opts, cpu, tail, hpage, skb_fields


def fields(text):
    """name: (offset, size) of the field: lines of a format text"""
    out = {}
    for m in re.finditer(rb"field:([^;]*?)([A-Za-z_][A-Za-z0-9_]*)(\[\d*\])?;\s*offset:(\d+);"
                         rb"\s*size:(\d+);", text):
        out[m.group(2)] = (int(m.group(4)), int(m.group(5)))
    return out


def skb_words(blk, npages, ps, hpage, skb_fields):
    """Offsets in blk (npages sub-buffers) of the upper 32-bit halves of every non-zero skb
    address, and the OR of all those halves' differences from the first one.  The record
    layout is the kernel's ring buffer's (docs/file-format.md, lib/tracefile.c page_next)."""
    commit_off, commit_sz = hpage[b"commit"]
    data_off = hpage[b"data"][0]
    out, first, vary = [], None, 0
    u32 = struct.Struct("<I").unpack_from
    for p in range(npages):
        base = p * ps
        flags = int.from_bytes(blk[base + commit_off:base + commit_off + commit_sz], "little")
        size = min(flags & ((1 << 27) - 1), ps - data_off)
        d = base + data_off
        cur = 0
        while cur + 4 <= size:
            w = u32(blk, d + cur)[0]
            tl = w & 31
            if 1 <= tl <= 28:
                rec, ln = d + cur + 4, 4 * tl
            elif cur + 8 > size:
                break
            elif tl == 0:
                rec, ln = d + cur + 8, (u32(blk, d + cur + 4)[0] - 4 + 3) & ~3
            elif tl == 29:	# padding: its length follows
                cur += 4 + u32(blk, d + cur + 4)[0]
                continue
            else:		# time extend, absolute time stamp
                cur += 8
                continue
            if ln >= 2:
                for o in skb_fields.get(blk[rec] | blk[rec + 1] << 8, ()):
                    if o + 8 <= ln:
                        at = rec + o + 4
                        hi = u32(blk, at)[0]
                        if hi or u32(blk, at - 4)[0]:
                            if first is None:
                                first = hi
                            vary |= hi ^ first
                            out.append(at)
            cur = rec - d + ln
    return out, vary


def page_ts(f, off):
    f.seek(off)
    return struct.unpack("<Q", f.read(8))[0]


def busiest(f, cpu, ps, win):
    """The start of the win ns that hold the most pages of all CPUs (a recording begins with
    the node idle before the traffic the benchmark is about: its first seconds are not it)."""
    ts = sorted(page_ts(f, o + i * ps) for o, s in cpu for i in range(s // ps))
    best, at, j = 0, ts[0], 0
    for i, t in enumerate(ts):
        while ts[j] < t - win:
            j += 1
        if i - j + 1 > best:
            best, at = i - j + 1, ts[j]
    return at


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--cpus", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--busiest", action="store_true")
    a = ap.parse_args()
    with open(a.inp, "rb") as f:
        pre, ps, opts, cpu, tail, hpage, skb_fields = parse(f)
        n = len(cpu)
        # pages kept per CPU, and the time span of what is kept
        lo = min(page_ts(f, o) for o, s in cpu if s)
        cut = None
        if a.seconds > 0:
            win = int(a.seconds * 1e9)
            if a.busiest:
                lo = busiest(f, cpu, ps, win)
            cut = lo + win

        def first_at(o, npages, t):	# first page at or after t (page times only grow)
            l, h = 0, npages
            while l < h:
                m = (l + h) // 2
                if page_ts(f, o + m * ps) < t:
                    l = m + 1
                else:
                    h = m
            return l

        keep, hi = [], lo
        for o, s in cpu:
            npages = s // ps
            if cut is not None:
                skip = first_at(o, npages, lo)
                npages = first_at(o, npages, cut) - skip
                o += skip * ps
            if npages:
                hi = max(hi, page_ts(f, o + (npages - 1) * ps))
            keep.append((o, npages))
        span = hi - lo + 10 * 10**9
        if a.cpus:
            if a.cpus % n:
                fail("--cpus must be a multiple of the file's %d CPUs" % n)
            plan = [[(c % n, (c // n) * 1700000, c // n)] for c in range(a.cpus)]
        else:
            plan = [[(c, i * span, 0) for i in range(a.copies)] for c in range(n)]
        nout = len(plan)

        # Each CPU's kept pages as one integer (little endian), with the integers that move
        # every page's timestamp by 1 (ts) and the skb addresses' upper halves by 1 << bit
        # (skb): a copy is then data + ts * shift ^ skb * copy, computed at C speed (no field
        # carries into the next: timestamps stay far below 2**64, copy < 2**(32 - bit)).
        ts_off = hpage[b"timestamp"][0]
        srcs, vary, firsts = [], 0, []
        for o, npages in keep:
            f.seek(o)
            blk = f.read(npages * ps)
            words, v = skb_words(blk, npages, ps, hpage, skb_fields)
            if words:
                firsts.append(struct.unpack_from("<I", blk, words[0])[0])
                vary |= v | (firsts[0] ^ firsts[-1])
            srcs.append((blk, words))
        ncopies = max(cp for p in plan for _, _, cp in p) + 1
        # copy k XORs k into the upper half just above every bit in which the addresses
        # differ: distinct addresses stay distinct and no two copies share one; with room
        # to spare (below bit 47) they stay canonical kernel addresses (0xffff8...)
        bit = vary.bit_length()
        if ncopies > 1 and bit + (ncopies - 1).bit_length() > 15:
            fail("the skb addresses differ in too many bits for %d copies" % ncopies)
        ints = []
        for blk, words in srcs:
            ts = bytearray(len(blk))
            for q in range(ts_off, len(blk), ps):
                ts[q] = 1
            skb = bytearray(len(blk))
            for w in words:
                skb[w + bit // 8] = 1 << (bit % 8)
            ints.append((int.from_bytes(blk, "little"), int.from_bytes(ts, "little"),
                         int.from_bytes(skb, "little"), len(blk)))

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
            size = sum(keep[src][1] * ps for src, _, _ in plan[c])
            table.append((pos, size))
            pos += size
        for c, (o, s) in enumerate(table):
            hdr[table_at + 16 * c:table_at + 16 * c + 16] = struct.pack("<QQ", o, s)
        with open(a.out, "wb") as g:
            g.write(hdr)
            g.write(b"\0" * (table[0][0] - len(hdr)) if nout else b"")
            for c in range(nout):
                for src, shift, cp in plan[c]:
                    d, ts, skb, ln = ints[src]
                    g.write(((d + ts * shift) ^ (skb * cp)).to_bytes(ln, "little"))
    print("%s: %d CPUs, %d MB, %d copies" % (a.out, nout, pos >> 20,
                                             a.cpus // n if a.cpus else a.copies))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# Slim copy of a perf.data for the repository: drops the MMAP, MMAP2, FORK, EXIT, KSYMBOL and
# BPF_EVENT records of the data section (perf synthesizes one per kernel module and task: most
# of a short recording's bytes, and nothing skbtrail reads), keeps every other record and the
# feature sections as they are (moved up by what was dropped).  With --seed (the fuzzer's
# seed, tests/fuzz/seeds/fuzz_perfdata/): also no ftrace formats, kallsyms, printk formats
# or other feature sections, 20 saved cmdlines, only the first N samples and N COMM records.
# A pipe-mode file (perf record -o -) keeps its layout: records, the tracing data after its own.
#   usage: mkslim-perf.py [--seed N] IN OUT
import struct
import sys

SEED = None
if sys.argv[1] == '--seed':
    SEED = int(sys.argv[2])
    del sys.argv[1:3]


def cstr(b, pos):
    return pos + b.index(b'\0', pos) - pos + 1


def slim_tracing(t):
    """The tracing data without ftrace formats, kallsyms and printk formats."""
    pos = cstr(t, 10) + 6
    out = bytearray(t[:pos])
    for _ in range(2):                      # header_page, header_event
        end = cstr(t, pos)
        n, = struct.unpack_from('<Q', t, end)
        out += t[pos:end + 8 + n]
        pos = end + 8 + n
    n, = struct.unpack_from('<I', t, pos)   # ftrace formats
    pos += 4
    for _ in range(n):
        k, = struct.unpack_from('<Q', t, pos)
        pos += 8 + k
    out += struct.pack('<I', 0)
    start = pos                              # event formats: kept
    nsys, = struct.unpack_from('<I', t, pos)
    pos += 4
    for _ in range(nsys):
        pos = cstr(t, pos)
        n, = struct.unpack_from('<I', t, pos)
        pos += 4
        for _ in range(n):
            k, = struct.unpack_from('<Q', t, pos)
            pos += 8 + k
    out += t[start:pos]
    for _ in range(2):                       # kallsyms, printk formats
        k, = struct.unpack_from('<I', t, pos)
        pos += 4 + k
        out += struct.pack('<I', 0)
    k, = struct.unpack_from('<Q', t, pos)   # saved cmdlines: the first 20
    lines = b''.join(t[pos + 8:pos + 8 + k].splitlines(keepends=True)[:20])
    out += struct.pack('<Q', len(lines)) + lines
    return out

DROP = {1, 4, 7, 10, 17, 18}

d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'PERFILE2'
if struct.unpack_from('<Q', d, 8)[0] == 16:
    # pipe mode: records to the end, the tracing data after its record (8-byte padded)
    out = bytearray(d[:16])
    kept = {}
    pos = 16
    while pos + 8 <= len(d):
        rtype, _misc, size = struct.unpack_from('<IHH', d, pos)
        if size < 8:
            break
        rec = d[pos:pos + size]
        pos += size
        if rtype == 66:
            n, = struct.unpack_from('<I', rec, 8)
            t = d[pos:pos + n]
            pos += (n + 7) & ~7
            if SEED is not None:
                t = slim_tracing(t)
            rec = bytearray(rec)
            struct.pack_into('<I', rec, 8, len(t))
            out += rec + t + bytes(-len(t) % 8)
            continue
        if rtype in DROP:
            continue
        if SEED is None or rtype not in (3, 9) or kept.get(rtype, 0) < SEED:
            out += rec
            kept[rtype] = kept.get(rtype, 0) + 1
    open(sys.argv[2], 'wb').write(out)
    sys.exit(0)
doff, dsz = struct.unpack_from('<QQ', d, 40)
bits = struct.unpack_from('<4Q', d, 72)
data = bytearray()
kept = {}
pos = doff
while pos + 8 <= doff + dsz:
    rtype, _misc, size = struct.unpack_from('<IHH', d, pos)
    if size < 8:
        break
    if rtype not in DROP:
        if SEED is None or rtype not in (3, 9) or kept.get(rtype, 0) < SEED:
            data += d[pos:pos + size]
            kept[rtype] = kept.get(rtype, 0) + 1
    pos += size
delta = dsz - len(data)
nfeat = sum(bin(b).count('1') for b in bits)
tab = doff + dsz
feats = bytearray()
body = bytearray()
if SEED is not None:
    base = doff + len(data) + 16
    # only the tracing data (feature 1)
    o, s = struct.unpack_from('<QQ', d, tab)
    assert bits[0] & 2 and not bits[0] & 1
    body = slim_tracing(d[o:o + s])
    feats = struct.pack('<QQ', base, len(body))
    nbits = (2, 0, 0, 0)
else:
    for i in range(nfeat):
        o, s = struct.unpack_from('<QQ', d, tab + 16 * i)
        feats += struct.pack('<QQ', o - delta, s)
    body = d[tab + 16 * nfeat:]
    nbits = bits
out = bytearray(d[:doff]) + data + feats + body
struct.pack_into('<Q', out, 48, len(data))
struct.pack_into('<4Q', out, 72, *nbits)
open(sys.argv[2], 'wb').write(out)

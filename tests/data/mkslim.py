#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Make a small copy of a trace-cmd file (v7, or v6 uncompressed): cut out its kallsyms.

    mkslim.py IN.dat OUT.dat

v7: the KALLSYMS option gets an id no reader knows (0x7ffe: skipped, trace-cmd only warns),
the section's bytes are removed in whole pages (the remainder stays as unreferenced
padding, so CPU data keeps its page alignment) and every file offset after the cut is
moved back.  Works on files whose options sections are not compressed (what trace-cmd 3.1
writes).
v6: the kallsyms block keeps a few bytes of blank lines (so that whole pages go) and the
CPU data offsets move back.
Used to make the small test inputs and fuzz seeds from samples/*.dat: a sample is ~1 MB,
almost all kallsyms.
"""
import struct
import sys


def slim_v6(data):
    page = struct.unpack_from('<I', data, 14)[0]
    pos = 18
    for tag in (12, 13):  # header_page, header_event
        pos += tag + 8 + struct.unpack_from('<Q', data, pos + tag)[0]
    n = struct.unpack_from('<I', data, pos)[0]  # ftrace formats
    pos += 4
    for _ in range(n):
        pos += 8 + struct.unpack_from('<Q', data, pos)[0]
    nsys = struct.unpack_from('<I', data, pos)[0]
    pos += 4
    for _ in range(nsys):
        pos = data.index(b'\x00', pos) + 1
        nev = struct.unpack_from('<I', data, pos)[0]
        pos += 4
        for _ in range(nev):
            pos += 8 + struct.unpack_from('<Q', data, pos)[0]
    kpos = pos
    ksize = struct.unpack_from('<I', data, kpos)[0]
    cut = ksize - ksize % page
    pos += 4 + ksize
    pos += 4 + struct.unpack_from('<I', data, pos)[0]  # printk
    pos += 8 + struct.unpack_from('<Q', data, pos)[0]  # cmdlines
    cpus = struct.unpack_from('<I', data, pos)[0]
    pos += 4
    tables = []
    if data[pos:pos + 10] == b'options  \x00':
        pos += 10
        while True:
            oid = struct.unpack_from('<H', data, pos)[0]
            if oid == 0:
                pos += 2
                break
            osz = struct.unpack_from('<I', data, pos + 2)[0]
            if oid == 3:
                boff = struct.unpack_from('<Q', data, pos + 6)[0]
                struct.pack_into('<Q', data, pos + 6, boff - cut)
                tables.append(boff + 10)
            pos += 6 + osz
    assert data[pos:pos + 10] == b'flyrecord\x00'
    tables.append(pos + 10)
    for t in tables:
        for c in range(cpus):
            at = t + 16 * c
            v = struct.unpack_from('<Q', data, at)[0]
            if v:
                struct.pack_into('<Q', data, at, v - cut)
    struct.pack_into('<I', data, kpos, ksize - cut)
    data[kpos + 4:kpos + 4 + ksize - cut] = b'\n' * (ksize - cut)
    del data[kpos + 4 + ksize - cut:kpos + 4 + ksize]
    return data


def main():
    data = bytearray(open(sys.argv[1], 'rb').read())
    if data[:10] != b'\x17\x08\x44tracing' or data[12] != 0:
        sys.exit('mkslim: not a little-endian trace.dat')
    if data[10:12] == b'6\x00':
        open(sys.argv[2], 'wb').write(slim_v6(data))
        return
    if data[10:12] != b'7\x00':
        sys.exit('mkslim: not a v6 or v7 trace.dat')
    pos = 12 + 2 + 4
    for _ in range(2):  # compression name and version
        pos = data.index(b'\x00', pos) + 1
    first_opt_at = pos
    page = struct.unpack_from('<I', data, 14)[0]

    patches = []  # file positions of 8-byte offsets
    kallsyms = None
    off = struct.unpack_from('<Q', data, pos)[0]
    patches.append(first_opt_at)
    while off:
        sid, flags, _, size = struct.unpack_from('<HHIQ', data, off)
        assert sid == 0 and not (flags & 1), 'compressed options section'
        p, end = off + 16, off + 16 + size
        nxt = 0
        while p < end:
            oid, osz = struct.unpack_from('<HI', data, p)
            d = p + 6
            if oid == 0:
                patches.append(d)
                nxt = struct.unpack_from('<Q', data, d)[0]
            elif oid == 19:
                kallsyms = struct.unpack_from('<Q', data, d)[0]
                struct.pack_into('<H', data, p, 0x7ffe)
            elif 16 <= oid <= 21:
                patches.append(d)
            elif oid == 3:  # BUFFER: offset, name, clock, page size, cpus, table
                patches.append(d)
                q = data.index(b'\x00', d + 8) + 1
                q = data.index(b'\x00', q) + 1
                ncpu = struct.unpack_from('<I', data, q + 4)[0]
                q += 8
                for _ in range(ncpu):
                    patches.append(q + 4)
                    q += 20
            p = d + osz
        off = nxt
    if kallsyms is None:
        sys.exit('mkslim: no kallsyms section')
    ksize = 16 + struct.unpack_from('<Q', data, kallsyms + 8)[0]
    cut = ksize - ksize % page
    for at in patches:
        v = struct.unpack_from('<Q', data, at)[0]
        if v > kallsyms:
            struct.pack_into('<Q', data, at, v - cut)
    del data[kallsyms:kallsyms + cut]
    open(sys.argv[2], 'wb').write(data)


if __name__ == '__main__':
    main()

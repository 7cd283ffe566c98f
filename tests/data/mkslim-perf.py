#!/usr/bin/env python3
# Slim copy of a perf.data for the repository: drops the MMAP, MMAP2, FORK, EXIT, KSYMBOL and
# BPF_EVENT records of the data section (perf synthesizes one per kernel module and task: most
# of a short recording's bytes, and nothing skbtrail reads), keeps every other record and the
# feature sections as they are (moved up by what was dropped).
#   usage: mkslim-perf.py IN OUT
import struct
import sys

DROP = {1, 4, 7, 10, 17, 18}

d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'PERFILE2'
doff, dsz = struct.unpack_from('<QQ', d, 40)
bits = struct.unpack_from('<4Q', d, 72)
data = bytearray()
pos = doff
while pos + 8 <= doff + dsz:
    rtype, _misc, size = struct.unpack_from('<IHH', d, pos)
    if size < 8:
        break
    if rtype not in DROP:
        data += d[pos:pos + size]
    pos += size
delta = dsz - len(data)
nfeat = sum(bin(b).count('1') for b in bits)
tab = doff + dsz
feats = bytearray()
for i in range(nfeat):
    o, s = struct.unpack_from('<QQ', d, tab + 16 * i)
    feats += struct.pack('<QQ', o - delta, s)
out = bytearray(d[:doff]) + data + feats + d[tab + 16 * nfeat:]
struct.pack_into('<Q', out, 48, len(data))
open(sys.argv[2], 'wb').write(out)

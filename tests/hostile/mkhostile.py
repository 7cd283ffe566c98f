#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write hostile trace.dat v7 files, each small, each asking the analyzer for much.

    mkhostile.py SAMPLE.dat OUTDIR [NAME...]

SAMPLE is a real v7 file (tests/data/*-slim.dat): its header page, event formats, printk
formats and options are reused, so the files are well formed except where a case makes
them hostile.  The layout written is the one of docs/file-format.md ("Version 7"); zstd
comes from libzstd through ctypes (the library skbtrail-analyze links).  Prints one line
per file: NAME SIZE.  Every file is at most 1 MB.
"""
import ctypes
import ctypes.util
import os
import struct
import sys

_z = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
_z.ZSTD_compressBound.restype = ctypes.c_size_t
_z.ZSTD_compress.restype = ctypes.c_size_t
_z.ZSTD_decompress.restype = ctypes.c_size_t
_z.ZSTD_isError.restype = ctypes.c_uint

SEC_OPTIONS, SEC_FLYRECORD = 0, 3
OPT_BUFFER, OPT_CPUCOUNT, OPT_DONE = 3, 8, 0
SEC_IDS = (16, 17, 18, 19, 20, 21)  # header info, ftrace, events, kallsyms, printk, cmdlines
SKBT_OPT = 0x5342
MAX_FILE = 1 << 20


def zc(data, level=3):
    cap = _z.ZSTD_compressBound(ctypes.c_size_t(len(data)))
    out = ctypes.create_string_buffer(cap)
    n = _z.ZSTD_compress(out, ctypes.c_size_t(cap), data, ctypes.c_size_t(len(data)), level)
    assert not _z.ZSTD_isError(ctypes.c_size_t(n))
    return out.raw[:n]


def zd(data, n):
    out = ctypes.create_string_buffer(max(n, 1))
    got = _z.ZSTD_decompress(out, ctypes.c_size_t(n), data, ctypes.c_size_t(len(data)))
    assert got == n
    return out.raw[:n]


def zeros_bomb(n):
    """A zstd frame of @n zero bytes, compressed in pieces (a few KB for 256 MiB)."""
    return zc(b"\0" * n, 3)


class Sample:
    """The parts of a real v7 file that the hostile files reuse."""

    def __init__(self, path):
        d = open(path, "rb").read()
        assert d[:10] == b"\x17\x08\x44tracing" and d[10:12] == b"7\0", "not a v7 file"
        pos = 12
        self.endian, self.long_size = d[pos], d[pos + 1]
        assert self.endian == 0
        self.page = struct.unpack_from("<I", d, pos + 2)[0]
        pos += 6
        comp_end = d.index(b"\0", pos)
        ver_end = d.index(b"\0", comp_end + 1)
        opt_off = struct.unpack_from("<Q", d, ver_end + 1)[0]
        self.sections = {}
        self.options = []          # (id, payload) other than sections, BUFFER, DONE
        self.buffer = None         # (clock, [(cpu, chunk bytes)])
        while opt_off:
            body = self._section(d, opt_off)
            opt_off = 0
            p = 0
            while p + 6 <= len(body):
                oid, size = struct.unpack_from("<HI", body, p)
                pay = body[p + 6:p + 6 + size]
                p += 6 + size
                if oid == OPT_DONE:
                    opt_off = struct.unpack_from("<Q", pay)[0] if size >= 8 else 0
                    break
                if oid in SEC_IDS:
                    self.sections[oid] = self._section(d, struct.unpack_from("<Q", pay)[0])
                elif oid == OPT_BUFFER:
                    self.buffer = self._buffer(d, pay)
                elif oid != OPT_CPUCOUNT:
                    self.options.append((oid, pay))

    @staticmethod
    def _section(d, off):
        sid, flags, _, size = struct.unpack_from("<HHIQ", d, off)
        body = d[off + 16:off + 16 + size]
        if flags & 1:
            zs, us = struct.unpack_from("<II", body)
            body = zd(body[8:8 + zs], us)
        return body

    @staticmethod
    def _buffer(d, pay):
        p = 8
        name_end = pay.index(b"\0", p)
        p = name_end + 1
        clock_end = pay.index(b"\0", p)
        clock = pay[p:clock_end]
        p = clock_end + 1
        _, ncpu = struct.unpack_from("<II", pay, p)
        p += 8
        cpus = []
        for _ in range(ncpu):
            cpu, off, size = struct.unpack_from("<IQQ", pay, p)
            p += 20
            cpus.append((cpu, d[off:off + 4 + size] if size else b""))
        return clock, cpus

    def formats(self):
        """{(system, name): format text} of the event formats section."""
        b, out, p = self.sections[18], {}, 4
        for _ in range(struct.unpack_from("<I", b)[0]):
            e = b.index(b"\0", p)
            sysname = b[p:e].decode()
            n = struct.unpack_from("<I", b, e + 1)[0]
            p = e + 5
            for _ in range(n):
                size = struct.unpack_from("<Q", b, p)[0]
                text = b[p + 8:p + 8 + size]
                p += 8 + size
                name = text.split(b"\n", 1)[0].split(b":", 1)[1].strip().decode()
                out[(sysname, name)] = text
        return out


def sized_text(data, lensize):
    return struct.pack("<I" if lensize == 4 else "<Q", len(data)) + data


def event_formats(systems):
    """Event formats section body from {system: [format text]}."""
    out = [struct.pack("<I", len(systems))]
    for sysname, fmts in systems.items():
        out.append(sysname.encode() + b"\0" + struct.pack("<I", len(fmts)))
        for f in fmts:
            out.append(struct.pack("<Q", len(f)) + f)
    return b"".join(out)


class Writer:
    """A v7 file: sections (compressed or not), one options section, buffers of CPU data."""

    def __init__(self, s):
        self.s = s
        self.sections = dict(s.sections)     # id -> body (uncompressed)
        self.raw_sections = {}               # id -> section bytes as written (overrides)
        self.options = list(s.options)
        self.compress_options = False
        self.cpucount = None
        # buffers: [(name, clock, [(cpu, offset or None, size or None, data)])]; data is the
        # chunk count + chunks; offset None: placed in the flyrecord section
        self.buffers = [("", s.buffer[0], [(c, None, None, data) for c, data in s.buffer[1]])]
        self.extra_option_sections = 0       # options sections chained back to the first

    def section(self, sid, body, compress=True):
        if compress:
            z = zc(body)
            return struct.pack("<HHIQ", sid, 1, 0, len(z) + 8) + struct.pack("<II", len(z),
                                                                                len(body)) + z
        return struct.pack("<HHIQ", sid, 0, 0, len(body)) + body

    def build(self):
        s = self.s
        head = b"\x17\x08\x44tracing7\0" + bytes([0, s.long_size]) + struct.pack("<I", s.page)
        head += b"zstd\0" + b"1.5.4\0"
        opt_off_pos = len(head)
        head += b"\0" * 8
        out = bytearray(head)
        offs = {}
        for sid, body in sorted(self.sections.items()):
            offs[sid] = len(out)
            out += self.raw_sections.get(sid) or self.section(sid, body)
        # flyrecord sections, one per buffer, then the data placed in them
        bufopts = []
        for name, clock, cpus in self.buffers:
            fly = len(out)
            out += struct.pack("<HHIQ", SEC_FLYRECORD, 1, 0, 0)
            out += b"\0" * (-len(out) % s.page)
            table = []
            for cpu, off, size, data in cpus:
                if off == "same":       # the previous CPU's range again
                    table.append((cpu, table[-1][1], table[-1][2]))
                    continue
                if off is None:
                    off = len(out) if data else 0
                    out += data
                if size is None:
                    size = max(len(data) - 4, 0)
                table.append((cpu, off, size))
            struct.pack_into("<Q", out, fly + 8, len(out) - fly - 16)
            pay = struct.pack("<Q", fly) + name.encode() + b"\0" + clock + b"\0"
            pay += struct.pack("<II", s.page, len(table))
            for cpu, off, size in table:
                pay += struct.pack("<IQQ", cpu, off, size)
            bufopts.append(pay)
        opts = b""
        for sid in sorted(self.sections):
            opts += struct.pack("<HIQ", sid, 8, offs[sid])
        ncpu = self.cpucount if self.cpucount is not None else len(self.buffers[0][2])
        opts += struct.pack("<HII", OPT_CPUCOUNT, 4, ncpu)
        for oid, pay in self.options:
            opts += struct.pack("<HI", oid, len(pay)) + pay
        for pay in bufopts:
            opts += struct.pack("<HI", OPT_BUFFER, len(pay)) + pay
        first = len(out)
        struct.pack_into("<Q", out, opt_off_pos, first)
        # extra sections after the first, each a padding option and a link to the next;
        # the last links back to the first extra one (a loop longer than the reader's
        # memory of offsets)
        n = self.extra_option_sections
        pad = struct.pack("<HI", 0x7ff0, 10000) + b"p" * 10000
        done = lambda link: struct.pack("<HIQ", OPT_DONE, 8, link)
        head = self.section(SEC_OPTIONS, opts + done(0), self.compress_options)
        nxt = first + len(head) if n else 0
        out += self.section(SEC_OPTIONS, opts + done(nxt), self.compress_options)
        step = len(self.section(SEC_OPTIONS, pad + done(0), False))
        for i in range(n):
            link = nxt if i == n - 1 else len(out) + step
            out += self.section(SEC_OPTIONS, pad + done(link), False)
        return bytes(out)


def chunk(data):
    z = zc(data, 3)
    return struct.pack("<II", len(z), len(data)) + z


# ---------- the cases ----------

def build_shared_chunk(s, size_each, ncpus):
    """@ncpus CPUs, every one pointing at the same chunks (expanding to @size_each each)."""
    w = Writer(s)
    per = 16 << 20
    nchunks = max(1, size_each // per)
    data = struct.pack("<I", nchunks) + chunk(b"\0" * per) * nchunks
    w.buffers = [("", s.buffer[0], [(0, None, None, data)] +
                  [(c, "same", None, b"") for c in range(1, ncpus)])]
    w.cpucount = ncpus
    return w.build()


def cpu_data_sample(s):
    """The sample's first CPU with data (its chunk count + chunks)."""
    for c, data in s.buffer[1]:
        if data:
            return data
    raise SystemExit("the sample has no CPU data")


def case_shared_256m(s):
    return build_shared_chunk(s, 256 << 20, 4)


def case_shared_64cpus(s):
    return build_shared_chunk(s, 64 << 20, 64)


def case_same_pages_8192(s):
    """8192 CPUs whose ranges are all the sample's data."""
    w = Writer(s)
    w.buffers = [("", s.buffer[0], [(0, None, None, cpu_data_sample(s))] +
                  [(c, "same", None, b"") for c in range(1, 8192)])]
    w.cpucount = 8192
    return w.build()


def case_paths(s):
    """30,000 journeys on distinct device names: as many paths (see make_rx_records)."""
    return make_rx_file(s, 30000, distinct=True)


def case_kallsyms_bomb(s):
    w = Writer(s)
    line = b"ffffffff81000000 t a\n"
    body = sized_text(line * ((200 << 20) // len(line)), 4)
    w.sections[19] = body
    w.raw_sections[19] = w.section(19, body)
    return w.build()


def case_kallsyms_lines(s):
    """Many tiny symbols within the byte budget: memory per symbol in libtraceevent."""
    w = Writer(s)
    lines = b"".join(b"ffffffff8%07x t s\n" % i for i in range(1300000))
    w.sections[19] = sized_text(lines, 4)
    return w.build()


def case_context_bomb(s):
    w = Writer(s)
    text = b"kind=context-static\n" + b"sysctl:k=v\n" * 6000000
    w.options = [o for o in w.options if o[0] != SKBT_OPT] + [(SKBT_OPT, text + b"\0")]
    w.compress_options = True
    return w.build()


def case_context_keys(s):
    """One key repeated: cheap text, many lookups (the linear lookup made this hours)."""
    w = Writer(s)
    kinds = (b"kind=context-static\n", b"kind=context-start\n", b"kind=context-stop\n")
    w.options = [o for o in w.options if o[0] != SKBT_OPT]
    for k in kinds:
        text = k + b"".join(b"softnet:%d:dropped=%d\n" % (i, i) for i in range(25000))
        w.options.append((SKBT_OPT, text + b"\0"))
    w.compress_options = True
    return w.build()


def case_formats(s):
    """Tens of thousands of event formats (one small format repeated, new ids)."""
    w = Writer(s)
    fm = s.formats()
    base = fm[("net", "netif_receive_skb")] if ("net", "netif_receive_skb") in fm else \
        next(iter(fm.values()))
    fmts = []
    for i in range(20000):
        t = base.replace(b"name: netif_receive_skb", b"name: e%d" % i)
        lines = t.split(b"\n")
        lines = [b"ID: %d" % (2000 + i) if ln.startswith(b"ID:") else ln for ln in lines]
        fmts.append(b"\n".join(lines))
    systems = {"net": list(fm_text for (sy, _), fm_text in fm.items() if sy == "net")}
    systems["hostile"] = fmts
    for (sy, _), t in fm.items():
        if sy != "net":
            systems.setdefault(sy, []).append(t)
    w.sections[18] = event_formats(systems)
    return w.build()


def case_buffers_cpus(s):
    """Many buffers x many CPUs, every CPU on the sample's data."""
    w = Writer(s)
    data = cpu_data_sample(s)
    w.buffers = [("b%d" % b if b else "", s.buffer[0], [(0, None, None, data)] +
                  [(c, "same", None, b"") for c in range(1, 128)]) for b in range(128)]
    w.cpucount = 128
    return w.build()


def case_offsets_outside(s):
    """CPU data, sections and the options chain pointing past the end of the file."""
    w = Writer(s)
    big = 1 << 62
    w.buffers = [("", s.buffer[0], [(0, big, 1 << 40, b""), (1, 1 << 20, 1 << 30, b""),
                                    (2, 40, 1 << 63, b"")])]
    w.raw_sections[19] = struct.pack("<HHIQ", 19, 1, 0, 1 << 60) + struct.pack("<II", 1 << 31,
                                                                                 1 << 31)
    return w.build()


def case_huge_counts(s):
    """Chunk counts, chunk sizes, format and system counts at their maximum."""
    w = Writer(s)
    data = struct.pack("<I", 0xffffffff) + struct.pack("<II", 0xffffff00, 0xffffff00) + \
        struct.pack("<II", 8, 1 << 24) * 1000
    w.buffers = [("", s.buffer[0], [(0, None, None, data)])]
    w.sections[17] = struct.pack("<I", 0xffffffff)
    w.sections[18] = struct.pack("<I", 0xffff) + b"s\0" + struct.pack("<I", 0xffff)
    w.sections[21] = sized_text(b"1 a\n" * 200000, 8)
    return w.build()


def case_cmdlines(s):
    w = Writer(s)
    w.sections[21] = sized_text(b"".join(b"%d c\n" % i for i in range(1000000)), 8)
    return w.build()


def case_option_chain(s):
    """A chain of options sections that loops back after more than the reader remembers."""
    w = Writer(s)
    w.extra_option_sections = 80
    return w.build()


# ---------- synthetic receive events ----------

def fields(text):
    """{field name: (offset, size)} of a format."""
    out = {}
    for ln in text.split(b"\n"):
        ln = ln.strip()
        if not ln.startswith(b"field:"):
            continue
        parts = dict(p.strip().split(b":", 1) for p in ln.split(b";") if b":" in p)
        decl = parts[b"field"].strip()
        name = decl.split()[-1].split(b"[")[0].decode()
        out[name] = (int(parts[b"offset"]), int(parts[b"size"]))
    return out


def event_id(text):
    for ln in text.split(b"\n"):
        if ln.startswith(b"ID:"):
            return int(ln.split(b":")[1])
    raise ValueError("no ID")


def make_rx_file(s, njourneys, distinct):
    """@njourneys skbs, each received on one device then freed: netif_receive_skb with
    name dNNNN (distinct: one name per skb) and consume_skb, on CPU 0."""
    fm = s.formats()
    rx = fm[("net", "netif_receive_skb")]
    rxf, rxid = fields(rx), event_id(rx)
    free_key = ("skb", "consume_skb") if ("skb", "consume_skb") in fm else None
    recs = []
    for i in range(njourneys):
        name = (b"d%d" % (i if distinct else 0))[:15] + b"\0"
        size = rxf["name"][0] + rxf["name"][1] if False else max(o + n for o, n in rxf.values())
        rec = bytearray(size)
        struct.pack_into("<H", rec, 0, rxid)
        struct.pack_into("<Q", rec, rxf["skbaddr"][0], 0xffff888000000000 + (i % 4096) * 256)
        if "len" in rxf:
            struct.pack_into("<I", rec, rxf["len"][0], 60)
        loc = len(rec)
        struct.pack_into("<I", rec, rxf["name"][0], (len(name) << 16) | loc)
        rec += name
        recs.append(bytes(rec))
        if free_key:
            ff = fields(fm[free_key])
            fr = bytearray(max(o + n for o, n in ff.values()))
            struct.pack_into("<H", fr, 0, event_id(fm[free_key]))
            struct.pack_into("<Q", fr, ff["skbaddr"][0], 0xffff888000000000 + (i % 4096) * 256)
            recs.append(bytes(fr))
    pages = []
    page = bytearray()
    ts = 1000000000
    hdr = 16
    for r in recs:
        r = r + b"\0" * (-len(r) % 4)
        ent = struct.pack("<I", (len(r) // 4) | (1000 << 5)) + r   # type_len = len/4, delta
        if len(r) // 4 > 28:
            ent = struct.pack("<II", 1000 << 5, len(r) + 4) + r
        if hdr + len(page) + len(ent) > s.page:
            pages.append((ts, bytes(page)))
            ts += 1000 * 64
            page = bytearray()
        page += ent
    if page:
        pages.append((ts, bytes(page)))
    raw = b"".join(struct.pack("<QQ", t, len(p)) + p + b"\0" * (s.page - 16 - len(p))
                   for t, p in pages)
    chunks = [raw[i:i + 64 * s.page] for i in range(0, len(raw), 64 * s.page)]
    data = struct.pack("<I", len(chunks)) + b"".join(chunk(c) for c in chunks)
    w = Writer(s)
    w.buffers = [("", s.buffer[0], [(0, None, None, data)])]
    w.cpucount = 1
    return w.build()


CASES = {
    "shared-chunk-256m": case_shared_256m,
    "shared-chunk-64cpus": case_shared_64cpus,
    "same-pages-8192cpus": case_same_pages_8192,
    "paths-30000": case_paths,
    "kallsyms-bomb": case_kallsyms_bomb,
    "kallsyms-lines": case_kallsyms_lines,
    "context-bomb": case_context_bomb,
    "context-keys": case_context_keys,
    "formats-20000": case_formats,
    "buffers-x-cpus": case_buffers_cpus,
    "offsets-outside": case_offsets_outside,
    "huge-counts": case_huge_counts,
    "cmdlines-1m": case_cmdlines,
    "option-chain-loop": case_option_chain,
}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    s = Sample(sys.argv[1])
    names = sys.argv[3:] or list(CASES)
    os.makedirs(sys.argv[2], exist_ok=True)
    for n in names:
        data = CASES[n](s)
        assert len(data) <= MAX_FILE, "%s: %d bytes" % (n, len(data))
        with open(os.path.join(sys.argv[2], n + ".dat"), "wb") as f:
            f.write(data)
        print(n, len(data))


if __name__ == "__main__":
    main()

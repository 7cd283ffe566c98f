// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trace.dat writer, version 6 or 7.  All numbers are in the host's byte order (the header
 * says which).  See docs/file-format.md, "Writing (lib/writer.c)".
 *
 * v6 (trace-cmd.dat.v6(5)): magic, version "6", endianness, long size, page size;
 * header_page; header_event; ftrace event formats; event formats per system; kallsyms;
 * printk formats; cmdlines; CPU count; "options  " + options + id 0; "flyrecord" + (offset,
 * size) per CPU; padding to a page; the CPUs' raw sub-buffers.
 *
 * v7 (trace-cmd.dat.v7(5)): magic, version "7", endianness, long size, page size, "zstd" and
 * the library's version, offset of the options section; then sections (u16 id, u16 flags,
 * u32 description string id, u64 size): the six metadata sections (headers, ftrace formats,
 * event formats, kallsyms, printk, cmdlines) each zstd-compressed as one block (u32
 * compressed size, u32 size, data); one options section, uncompressed, whose options point
 * at those sections and whose BUFFER option describes the CPU data; the strings section;
 * last the flyrecord section: padding to a page, then per CPU a u32 chunk count and the
 * chunks (u32 compressed size, u32 size, data), each chunk a run of whole sub-buffers (a
 * CPU without data has nothing there and size 0; every CPU is in the BUFFER option).  Everything before the CPU data is built in memory, written first with room
 * for every CPU in the BUFFER option, and rewritten once the data are in (its length up to
 * the first CPU's data never changes), so an interrupted or disk-full write leaves the same
 * kind of file as v6 does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "skbtrail/writer.h"

/*
 * zstd level of the metadata sections at least: compressed once per recording, before
 * tracing starts (kallsyms, 5.4 MB: level 3 1.01 MB in 20 ms, level 6 0.84 MB in 60 ms).
 */
#define META_LEVEL 6

/* Bytes of spool read at a time; in v7 also the size of a chunk (rounded to sub-buffers). */
#define COPY_CHUNK (256 * 1024)

/* The metadata, one v7 section each, in file order. */
enum meta {	/* section id: SKBT_TDAT_SEC_HEADER_INFO + enum meta */
	META_HEADERS,
	META_FTRACE,
	META_EVENTS,
	META_KALLSYMS,
	META_PRINTK,
	META_CMDLINES,
	META_NR,
};

/* Section descriptions: the strings section holds them, ids are offsets into it. */
static const char *const sec_desc[META_NR] = {
	"headers", "ftrace events", "events format", "kallsyms", "printk", "command lines",
};
#define DESC_OPTIONS "options"
#define DESC_FLYRECORD "buffer flyrecord"
#define DESC_STRINGS "strings"

struct blob {
	char *data;
	size_t len;
};

struct fmt_system {
	char *name;
	struct blob *ev;
	int nev;
};

struct wopt {
	uint16_t id;
	struct blob b;
};

/* v7: the metadata sections compressed (compression header included), kept until changed */
struct zcache {
	ZSTD_CCtx *cctx;
	struct blob sec[META_NR];
	bool valid[META_NR];
};

struct skbt_writer {
	unsigned int page_size;
	enum skbt_writer_format fmt;
	int level;
	struct zcache *zc;	/* a pointer so that skbt_writer_header_size() can fill it */
	struct blob blob[SKBT_WB_NR];
	struct blob *ftrace;
	int nftrace;
	struct fmt_system *sys;
	int nsys;
	struct wopt *opt;
	int nopt;
};

/* Growable byte buffer for the header. */
struct obuf {
	char *p;
	size_t len, cap;
	int err;
};

static int blob_set(struct blob *b, const void *data, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (!p)
		return -ENOMEM;
	if (len)
		memcpy(p, data, len);
	free(b->data);
	b->data = p;
	b->len = len;
	return 0;
}

static int blob_append(struct blob **arr, int *n, const void *data, size_t len)
{
	struct blob *a = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!a)
		return -ENOMEM;
	*arr = a;
	a[*n] = (struct blob){ 0 };
	if (blob_set(&a[*n], data, len))
		return -ENOMEM;
	(*n)++;
	return 0;
}

int skbt_writer_new(unsigned int page_size, struct skbt_writer **wp)
{
	struct skbt_writer *w;

	if (page_size < 64 || (page_size & (page_size - 1)))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->page_size = page_size;
	w->fmt = SKBT_WF_V6;
	w->level = SKBT_WRITER_ZSTD_LEVEL;
	*wp = w;
	return 0;
}

static void zcache_free(struct zcache *zc)
{
	int i;

	if (!zc)
		return;
	for (i = 0; i < META_NR; i++)
		free(zc->sec[i].data);
	ZSTD_freeCCtx(zc->cctx);
	free(zc);
}

/* The metadata changed: its section must be compressed again. */
static void zcache_stale(struct skbt_writer *w, enum meta m)
{
	if (w->zc)
		w->zc->valid[m] = false;
}

int skbt_writer_set_format(struct skbt_writer *w, enum skbt_writer_format fmt, int level)
{
	if (fmt != SKBT_WF_V6 && fmt != SKBT_WF_V7_ZSTD)
		return -EINVAL;
	if (level == 0)
		level = SKBT_WRITER_ZSTD_LEVEL;
	if (level < 1 || level > ZSTD_maxCLevel())
		return -EINVAL;
	if (fmt == SKBT_WF_V7_ZSTD && !w->zc) {
		w->zc = calloc(1, sizeof(*w->zc));
		if (!w->zc)
			return -ENOMEM;
		w->zc->cctx = ZSTD_createCCtx();
		if (!w->zc->cctx) {
			zcache_free(w->zc);
			w->zc = NULL;
			return -ENOMEM;
		}
	}
	if (w->zc && level != w->level)
		memset(w->zc->valid, 0, sizeof(w->zc->valid));
	w->fmt = fmt;
	w->level = level;
	return 0;
}

void skbt_writer_free(struct skbt_writer *w)
{
	int i, j;

	if (!w)
		return;
	for (i = 0; i < SKBT_WB_NR; i++)
		free(w->blob[i].data);
	for (i = 0; i < w->nftrace; i++)
		free(w->ftrace[i].data);
	free(w->ftrace);
	for (i = 0; i < w->nsys; i++) {
		for (j = 0; j < w->sys[i].nev; j++)
			free(w->sys[i].ev[j].data);
		free(w->sys[i].ev);
		free(w->sys[i].name);
	}
	free(w->sys);
	for (i = 0; i < w->nopt; i++)
		free(w->opt[i].b.data);
	free(w->opt);
	zcache_free(w->zc);
	free(w);
}

int skbt_writer_set_blob(struct skbt_writer *w, enum skbt_writer_blob which, const void *data,
			 size_t len)
{
	static const enum meta sec[SKBT_WB_NR] = {
		[SKBT_WB_HEADER_PAGE] = META_HEADERS, [SKBT_WB_HEADER_EVENT] = META_HEADERS,
		[SKBT_WB_KALLSYMS] = META_KALLSYMS, [SKBT_WB_PRINTK] = META_PRINTK,
		[SKBT_WB_CMDLINES] = META_CMDLINES,
	};

	if ((unsigned int)which >= SKBT_WB_NR)
		return -EINVAL;
	zcache_stale(w, sec[which]);
	return blob_set(&w->blob[which], data, len);
}

int skbt_writer_add_ftrace_format(struct skbt_writer *w, const void *data, size_t len)
{
	zcache_stale(w, META_FTRACE);
	return blob_append(&w->ftrace, &w->nftrace, data, len);
}

int skbt_writer_add_event_format(struct skbt_writer *w, const char *system, const void *data,
				 size_t len)
{
	struct fmt_system *s = NULL;
	int i;

	zcache_stale(w, META_EVENTS);
	for (i = 0; i < w->nsys; i++)
		if (!strcmp(w->sys[i].name, system))
			s = &w->sys[i];
	if (!s) {
		struct fmt_system *a = realloc(w->sys, (w->nsys + 1) * sizeof(*a));

		if (!a)
			return -ENOMEM;
		w->sys = a;
		s = &a[w->nsys];
		*s = (struct fmt_system){ 0 };
		s->name = strdup(system);
		if (!s->name)
			return -ENOMEM;
		w->nsys++;
	}
	return blob_append(&s->ev, &s->nev, data, len);
}

int skbt_writer_add_option(struct skbt_writer *w, uint16_t id, const void *data, uint32_t len)
{
	struct wopt *a;

	if (id == 0)
		return -EINVAL;
	a = realloc(w->opt, (w->nopt + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	w->opt = a;
	a[w->nopt] = (struct wopt){ .id = id };
	if (blob_set(&a[w->nopt].b, data, len))
		return -ENOMEM;
	w->nopt++;
	return 0;
}

void skbt_writer_del_option(struct skbt_writer *w, uint16_t id)
{
	int i, j = 0;

	for (i = 0; i < w->nopt; i++) {
		if (w->opt[i].id == id)
			free(w->opt[i].b.data);
		else
			w->opt[j++] = w->opt[i];
	}
	w->nopt = j;
}

static void ob_put(struct obuf *o, const void *data, size_t len)
{
	if (o->err || !len)
		return;
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap : 65536;
		char *p;

		while (cap < o->len + len)
			cap *= 2;
		p = realloc(o->p, cap);
		if (!p) {
			o->err = -ENOMEM;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, data, len);
	o->len += len;
}

/* The file is written in the host's byte order; the header says which. */
static void ob_u16(struct obuf *o, uint16_t v) { ob_put(o, &v, 2); }
static void ob_u32(struct obuf *o, uint32_t v) { ob_put(o, &v, 4); }
static void ob_u64(struct obuf *o, uint64_t v) { ob_put(o, &v, 8); }

static bool host_big_endian(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one == 0;
}

/* The content of one metadata part: the same bytes in v6 and (uncompressed) in v7. */
static void put_meta(const struct skbt_writer *w, enum meta m, struct obuf *o)
{
	const struct blob *b;
	int i, j;

	switch (m) {
	case META_HEADERS:
		b = &w->blob[SKBT_WB_HEADER_PAGE];
		ob_put(o, "header_page", 12);
		ob_u64(o, b->len);
		ob_put(o, b->data, b->len);
		b = &w->blob[SKBT_WB_HEADER_EVENT];
		ob_put(o, "header_event", 13);
		ob_u64(o, b->len);
		ob_put(o, b->data, b->len);
		break;
	case META_FTRACE:
		ob_u32(o, w->nftrace);
		for (i = 0; i < w->nftrace; i++) {
			ob_u64(o, w->ftrace[i].len);
			ob_put(o, w->ftrace[i].data, w->ftrace[i].len);
		}
		break;
	case META_EVENTS:
		ob_u32(o, w->nsys);
		for (i = 0; i < w->nsys; i++) {
			ob_put(o, w->sys[i].name, strlen(w->sys[i].name) + 1);
			ob_u32(o, w->sys[i].nev);
			for (j = 0; j < w->sys[i].nev; j++) {
				ob_u64(o, w->sys[i].ev[j].len);
				ob_put(o, w->sys[i].ev[j].data, w->sys[i].ev[j].len);
			}
		}
		break;
	case META_KALLSYMS:
		b = &w->blob[SKBT_WB_KALLSYMS];
		ob_u32(o, b->len);
		ob_put(o, b->data, b->len);
		break;
	case META_PRINTK:
		b = &w->blob[SKBT_WB_PRINTK];
		ob_u32(o, b->len);
		ob_put(o, b->data, b->len);
		break;
	case META_CMDLINES:
		b = &w->blob[SKBT_WB_CMDLINES];
		ob_u64(o, b->len);
		ob_put(o, b->data, b->len);
		break;
	case META_NR:
		break;
	}
}

/*
 * Build the header up to and including the flyrecord table (offsets and sizes from
 * @offs/@sizes, or zeros), and return the table's position in *table_pos.
 */
static int build_header(const struct skbt_writer *w, int ncpus, const uint64_t *offs,
			const uint64_t *sizes, struct obuf *o, size_t *table_pos)
{
	static const char magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	uint8_t b;
	int i;

	ob_put(o, magic, sizeof(magic));
	ob_put(o, "6", 2);
	b = host_big_endian();
	ob_put(o, &b, 1);
	b = sizeof(long);
	ob_put(o, &b, 1);
	ob_u32(o, w->page_size);

	for (i = 0; i < META_NR; i++)
		put_meta(w, i, o);

	ob_u32(o, ncpus);
	ob_put(o, "options  ", 10);
	for (i = 0; i < w->nopt; i++) {
		ob_u16(o, w->opt[i].id);
		ob_u32(o, w->opt[i].b.len);
		ob_put(o, w->opt[i].b.data, w->opt[i].b.len);
	}
	ob_u16(o, SKBT_TDAT_OPT_DONE);
	ob_put(o, "flyrecord", 10);
	*table_pos = o->len;
	for (i = 0; i < ncpus; i++) {
		ob_u64(o, offs ? offs[i] : 0);
		ob_u64(o, sizes ? sizes[i] : 0);
	}
	return o->err;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* ---------- v7 ---------- */

/* One CPU in the BUFFER option. */
struct cpu_ent {
	uint32_t cpu;
	uint64_t off, size;
};

/* Compress @len bytes of @src as one block: u32 compressed size, u32 size, data. */
static int zcompress(struct zcache *zc, int level, const void *src, size_t len, struct blob *out)
{
	size_t bound = ZSTD_compressBound(len), n;
	char *p;
	uint32_t v;

	if (len > UINT32_MAX || bound > UINT32_MAX - 8)
		return -EFBIG;
	p = malloc(bound + 8);
	if (!p)
		return -ENOMEM;
	n = ZSTD_compressCCtx(zc->cctx, p + 8, bound, src, len, level);
	if (ZSTD_isError(n)) {
		free(p);
		return ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation ? -ENOMEM : -EIO;
	}
	v = n;
	memcpy(p, &v, 4);
	v = len;
	memcpy(p + 4, &v, 4);
	free(out->data);
	out->data = p;
	out->len = n + 8;
	return 0;
}

/* Compress the metadata sections that changed since the last time. */
static int zcache_fill(const struct skbt_writer *w)
{
	struct zcache *zc = w->zc;
	int i, ret;

	for (i = 0; i < META_NR; i++) {
		struct obuf o = { 0 };

		if (zc->valid[i])
			continue;
		put_meta(w, i, &o);
		ret = o.err;
		if (!ret)
			ret = zcompress(zc, w->level > META_LEVEL ? w->level : META_LEVEL, o.p,
					o.len, &zc->sec[i]);
		free(o.p);
		if (ret)
			return ret;
		zc->valid[i] = true;
	}
	return 0;
}

/* The clock in brackets in the TRACECLOCK option ("local [mono] global" -> "mono"). */
static void trace_clock_name(const struct skbt_writer *w, char *name, size_t size)
{
	int i;

	snprintf(name, size, "local");
	for (i = 0; i < w->nopt; i++) {
		const char *p = w->opt[i].b.data, *e = p + w->opt[i].b.len, *l, *r;

		if (w->opt[i].id != SKBT_TDAT_OPT_TRACECLOCK)
			continue;
		l = memchr(p, '[', e - p);
		r = l ? memchr(l, ']', e - l) : NULL;
		if (r && r - l - 1 > 0 && (size_t)(r - l - 1) < size)
			snprintf(name, size, "%.*s", (int)(r - l - 1), l + 1);
	}
}

/* Section header; returns the position of its u64 size (to patch). */
static size_t ob_section(struct obuf *o, uint16_t id, uint16_t flags, uint32_t desc,
			 uint64_t size)
{
	size_t pos;

	ob_u16(o, id);
	ob_u16(o, flags);
	ob_u32(o, desc);
	pos = o->len;
	ob_u64(o, size);
	return pos;
}

static void ob_patch64(struct obuf *o, size_t pos, uint64_t v)
{
	if (!o->err)
		memcpy(o->p + pos, &v, 8);
}

/*
 * Build everything before the CPU data: @n entries in the BUFFER option, then the flyrecord
 * section header, whose size the caller sets at *size_pos (the section starts at *fly).
 * The metadata must be compressed (zcache_fill).  The caller pads to the first CPU's data.
 */
static int build_v7(const struct skbt_writer *w, const struct cpu_ent *ent, int n,
		    struct obuf *o, size_t *size_pos, uint64_t *fly)
{
	static const char magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	const char *zver = ZSTD_versionString();
	uint32_t desc[META_NR], d_options, d_fly, d_strings, sl = 0;
	uint64_t sec_off[META_NR];
	size_t first_opt, opt_size, buf_off;
	uint64_t opt_start;
	char clock[64];
	uint8_t b;
	int i;

	/* description string ids: offsets into the strings section */
	for (i = 0; i < META_NR; i++) {
		desc[i] = sl;
		sl += strlen(sec_desc[i]) + 1;
	}
	d_options = sl;
	sl += sizeof(DESC_OPTIONS);
	d_fly = sl;
	sl += sizeof(DESC_FLYRECORD);
	d_strings = sl;
	sl += sizeof(DESC_STRINGS);

	ob_put(o, magic, sizeof(magic));
	ob_put(o, "7", 2);
	b = host_big_endian();
	ob_put(o, &b, 1);
	b = sizeof(long);
	ob_put(o, &b, 1);
	ob_u32(o, w->page_size);
	ob_put(o, "zstd", 5);
	ob_put(o, zver, strlen(zver) + 1);
	first_opt = o->len;
	ob_u64(o, 0);

	for (i = 0; i < META_NR; i++) {
		const struct blob *z = &w->zc->sec[i];

		sec_off[i] = o->len;
		ob_section(o, SKBT_TDAT_SEC_HEADER_INFO + i, 1, desc[i], z->len);
		ob_put(o, z->data, z->len);
	}

	opt_start = o->len;
	ob_patch64(o, first_opt, opt_start);
	opt_size = ob_section(o, SKBT_TDAT_SEC_OPTIONS, 0, d_options, 0);
	for (i = 0; i < META_NR; i++) {
		ob_u16(o, SKBT_TDAT_OPT_HEADER_INFO + i);
		ob_u32(o, 8);
		ob_u64(o, sec_off[i]);
	}
	for (i = 0; i < w->nopt; i++) {
		ob_u16(o, w->opt[i].id);
		ob_u32(o, w->opt[i].b.len);
		ob_put(o, w->opt[i].b.data, w->opt[i].b.len);
	}
	trace_clock_name(w, clock, sizeof(clock));
	ob_u16(o, SKBT_TDAT_OPT_BUFFER);
	ob_u32(o, 8 + 1 + strlen(clock) + 1 + 4 + 4 + 20 * n);
	buf_off = o->len;
	ob_u64(o, 0);
	ob_put(o, "", 1);		/* the top instance */
	ob_put(o, clock, strlen(clock) + 1);
	ob_u32(o, w->page_size);
	ob_u32(o, n);
	for (i = 0; i < n; i++) {
		ob_u32(o, ent[i].cpu);
		ob_u64(o, ent[i].off);
		ob_u64(o, ent[i].size);
	}
	ob_u16(o, SKBT_TDAT_OPT_DONE);	/* no further options section */
	ob_u32(o, 8);
	ob_u64(o, 0);
	ob_patch64(o, opt_size, o->len - opt_start - 16);

	ob_section(o, SKBT_TDAT_SEC_STRINGS, 0, d_strings, sl);
	for (i = 0; i < META_NR; i++)
		ob_put(o, sec_desc[i], strlen(sec_desc[i]) + 1);
	ob_put(o, DESC_OPTIONS, sizeof(DESC_OPTIONS));
	ob_put(o, DESC_FLYRECORD, sizeof(DESC_FLYRECORD));
	ob_put(o, DESC_STRINGS, sizeof(DESC_STRINGS));

	/* last: the flyrecord section, its size covering the padding and the CPU data */
	*fly = o->len;
	ob_patch64(o, buf_off, *fly);
	*size_pos = ob_section(o, SKBT_TDAT_SEC_FLYRECORD, 1, d_fly, 0);
	return o->err;
}

/*
 * Everything before the data with @n CPUs in the BUFFER option, padded to @start (0: to the
 * next page), the flyrecord section ending at @end (0: at the padding's end).
 */
static int header_v7(const struct skbt_writer *w, const struct cpu_ent *ent, int n,
		     uint64_t start, uint64_t end, struct obuf *o)
{
	size_t size_pos;
	uint64_t fly;
	int ret;

	ret = zcache_fill(w);
	if (!ret)
		ret = build_v7(w, ent, n, o, &size_pos, &fly);
	if (ret)
		return ret;
	if (!start)
		start = round_up(o->len, w->page_size);
	if (o->len > start)
		return -EOVERFLOW;	/* cannot happen: fewer CPUs make a shorter header */
	while (o->len < start && !o->err)
		ob_put(o, "", 1);
	ob_patch64(o, size_pos, (end ? end : start) - fly - 16);
	return o->err;
}

uint64_t skbt_writer_header_size(const struct skbt_writer *w, int ncpus)
{
	struct obuf o = { 0 };
	struct cpu_ent *ent;
	size_t pos;
	uint64_t n;
	int ret;

	if (w->fmt == SKBT_WF_V7_ZSTD) {
		ent = calloc(ncpus + 1, sizeof(*ent));
		ret = ent ? header_v7(w, ent, ncpus, 0, 0, &o) : -ENOMEM;
		free(ent);
		n = ret ? 0 : o.len;
		free(o.p);
		return n;
	}
	if (build_header(w, ncpus, NULL, NULL, &o, &pos)) {
		free(o.p);
		return 0;
	}
	n = round_up(o.len, w->page_size);
	free(o.p);
	return n;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENOSPC;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

/* Spool bytes handled at a time: whole sub-buffers, at least one. */
static size_t chunk_bytes(const struct skbt_writer *w)
{
	return COPY_CHUNK > w->page_size ? COPY_CHUNK / w->page_size * w->page_size : w->page_size;
}

/*
 * Copy the whole sub-buffers of @in to @out at @off.  Returns the bytes copied (a multiple
 * of the page size) in *copied; 0, -ENOSPC (cut short) or another negative errno.
 */
static int copy_cpu(const struct skbt_writer *w, int in, int out, uint64_t off, bool punch,
		    char *buf, uint64_t *copied)
{
	struct stat st;
	uint64_t size, pos = 0;
	int ret = 0;

	*copied = 0;
	if (in < 0)
		return 0;
	if (fstat(in, &st) < 0)
		return -errno;
	size = (uint64_t)st.st_size / w->page_size * w->page_size;
	while (pos < size) {
		size_t n = size - pos > chunk_bytes(w) ? chunk_bytes(w) : size - pos;
		ssize_t r = pread(in, buf, n, pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r < 0 ? -errno : -EIO;
			break;
		}
		r = r / w->page_size * w->page_size;
		if (r == 0) {
			ret = -EIO;
			break;
		}
		ret = pwrite_all(out, buf, r, off + pos);
		if (ret)
			break;
		if (punch)
			fallocate(in, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos, r);
		pos += r;
	}
	*copied = pos;
	return ret;
}

/* Read @len bytes at @off (fewer only at end of file); returns the count or -errno. */
static ssize_t pread_full(int fd, char *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, off + got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

/*
 * v7: compress the whole sub-buffers of @in to @out at @off: u32 chunk count, then per
 * chunk u32 compressed size, u32 size, data.  *written gets the bytes written (0 when no
 * chunk made it), *raw the sub-buffer bytes they hold.  Returns 0, -ENOSPC (cut at the last
 * whole chunk) or another negative errno.
 */
static int compress_cpu(const struct skbt_writer *w, int in, int out, uint64_t off, bool punch,
			char *buf, char *zbuf, size_t zcap, uint64_t *written, uint64_t *raw)
{
	uint64_t size, pos = 0, wpos = off + 4;
	uint32_t chunks = 0, v;
	struct stat st;
	int ret = 0;

	*written = 0;
	*raw = 0;
	if (in < 0)
		return 0;
	if (fstat(in, &st) < 0)
		return -errno;
	size = (uint64_t)st.st_size / w->page_size * w->page_size;
	if (!size)
		return 0;
	ret = pwrite_all(out, &chunks, 4, off);		/* the count, set at the end */
	while (!ret && pos < size) {
		size_t n = size - pos > chunk_bytes(w) ? chunk_bytes(w) : size - pos, z;
		ssize_t r = pread_full(in, buf, n, pos);

		if (r < 0) {
			ret = r;
			break;
		}
		r = r / w->page_size * w->page_size;
		if (r == 0) {
			ret = -EIO;
			break;
		}
		z = ZSTD_compressCCtx(w->zc->cctx, zbuf + 8, zcap - 8, buf, r, w->level);
		if (ZSTD_isError(z)) {
			ret = ZSTD_getErrorCode(z) == ZSTD_error_memory_allocation ? -ENOMEM : -EIO;
			break;
		}
		v = z;
		memcpy(zbuf, &v, 4);
		v = r;
		memcpy(zbuf + 4, &v, 4);
		ret = pwrite_all(out, zbuf, z + 8, wpos);
		if (ret)
			break;
		if (punch)
			fallocate(in, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos, r);
		pos += r;
		wpos += z + 8;
		chunks++;
	}
	if (chunks) {
		/* overwrites bytes already written: no new space needed */
		int ret2 = pwrite_all(out, &chunks, 4, off);

		if (ret2)
			return ret2;
		*written = wpos - off;
		*raw = pos;
	}
	return ret;
}

/* skbt_writer_write() for v7. */
static int write_v7(struct skbt_writer *w, int fd, int ncpus, const int *cpu_fds, bool punch,
		    struct skbt_writer_stats *st, struct skbt_err *err)
{
	size_t zcap = ZSTD_compressBound(chunk_bytes(w)) + 8;
	struct cpu_ent *ent = calloc(ncpus + 1, sizeof(*ent));
	char *buf = malloc(chunk_bytes(w)), *zbuf = malloc(zcap);
	struct obuf o = { 0 }, o2 = { 0 };
	uint64_t start, off;
	size_t lo, hi;
	int ret, first_err = 0, n = 0, i;

	if (!ent || !buf || !zbuf) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ncpus; i++)
		ent[i].cpu = i;
	ret = header_v7(w, ent, ncpus, 0, 0, &o);
	if (ret) {
		skbt_err_set(err, ret, "compressing the metadata: %s", strerror(-ret));
		goto out;
	}
	start = o.len;
	ret = pwrite_all(fd, o.p, o.len, 0);
	if (ret) {
		skbt_err_set(err, ret, "writing the header: %s", strerror(-ret));
		goto out;
	}
	st->header_bytes = start;

	off = start;
	for (i = 0; i < ncpus; i++) {
		uint64_t written, raw;

		ret = compress_cpu(w, cpu_fds[i], fd, off, punch, buf, zbuf, zcap, &written, &raw);
		/* the size leaves out the chunk count, as trace-cmd writes it */
		ent[n++] = (struct cpu_ent){ .cpu = i, .off = off,
					     .size = written ? written - 4 : 0 };
		off += written;
		st->raw_data_bytes += raw;
		if (ret == -ENOSPC) {
			st->truncated_cpus++;
			if (!first_err)
				first_err = ret;
		} else if (ret) {
			skbt_err_set(err, ret, "compressing CPU %d data: %s", i, strerror(-ret));
			goto out;
		}
	}
	st->data_bytes = off - start;
	st->file_bytes = off;

	/*
	 * The real header, the same length up to the data: nothing moves.  Only the bytes that
	 * changed are written again (the CPU table and the flyrecord size, not the options).
	 */
	ret = header_v7(w, ent, n, start, off, &o2);
	if (ret) {
		skbt_err_set(err, ret, "building the header: %s", strerror(-ret));
		goto out;
	}
	lo = 0;
	hi = o2.len;
	while (lo < hi && o.p[lo] == o2.p[lo])
		lo++;
	while (hi > lo && o.p[hi - 1] == o2.p[hi - 1])
		hi--;
	ret = pwrite_all(fd, o2.p + lo, hi - lo, lo);
	if (ret) {
		skbt_err_set(err, ret, "writing the header: %s", strerror(-ret));
		goto out;
	}
	if (ftruncate(fd, off) < 0) {
		ret = skbt_err_set(err, -errno, "truncating: %s", strerror(errno));
		goto out;
	}
	ret = first_err;
	if (ret)
		skbt_err_set(err, ret, "disk full: data of %d CPU(s) cut short", st->truncated_cpus);
out:
	free(o.p);
	free(o2.p);
	free(buf);
	free(zbuf);
	free(ent);
	return ret;
}

int skbt_writer_write(struct skbt_writer *w, int fd, int ncpus, const int *cpu_fds, bool punch,
		      struct skbt_writer_stats *stats, struct skbt_err *err)
{
	struct skbt_writer_stats st = { 0 };
	uint64_t *offs = NULL, *sizes = NULL, off;
	struct obuf o = { 0 };
	size_t table_pos;
	char *buf = NULL;
	int ret, first_err = 0, i;

	if (ncpus < 0 || (ncpus && !cpu_fds))
		return skbt_err_set(err, -EINVAL, "bad CPU count");
	if (w->fmt == SKBT_WF_V7_ZSTD) {
		ret = write_v7(w, fd, ncpus, cpu_fds, punch, &st, err);
		if (stats)
			*stats = st;
		return ret;
	}
	offs = calloc(ncpus + 1, sizeof(*offs));
	sizes = calloc(ncpus + 1, sizeof(*sizes));
	buf = malloc(chunk_bytes(w));
	if (!offs || !sizes || !buf) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	ret = build_header(w, ncpus, NULL, NULL, &o, &table_pos);
	if (ret) {
		skbt_err_set(err, ret, "out of memory");
		goto out;
	}
	/* Pad with zeros to the first page boundary; the table is rewritten at the end. */
	{
		size_t start = round_up(o.len, w->page_size);

		while (o.len < start && !o.err)
			ob_put(&o, "", 1);
	}
	if (o.err) {
		ret = skbt_err_set(err, o.err, "out of memory");
		goto out;
	}
	ret = pwrite_all(fd, o.p, o.len, 0);
	if (ret) {
		skbt_err_set(err, ret, "writing the header: %s", strerror(-ret));
		goto out;
	}
	/* only now: 0 tells the caller that not even the header fit */
	st.header_bytes = o.len;

	off = st.header_bytes;
	for (i = 0; i < ncpus; i++) {
		uint64_t copied;

		ret = copy_cpu(w, cpu_fds[i], fd, off, punch, buf, &copied);
		offs[i] = off;
		sizes[i] = copied;
		off += copied;
		st.raw_data_bytes += copied;
		if (ret == -ENOSPC) {
			st.truncated_cpus++;
			if (!first_err)
				first_err = ret;
		} else if (ret) {
			skbt_err_set(err, ret, "copying CPU %d data: %s", i, strerror(-ret));
			goto out;
		}
	}
	st.data_bytes = off - st.header_bytes;
	st.file_bytes = off;

	/* Now the real table: same length as the placeholder, so nothing moves. */
	for (i = 0; i < ncpus; i++) {
		memcpy(o.p + table_pos + 16 * i, &offs[i], 8);
		memcpy(o.p + table_pos + 16 * i + 8, &sizes[i], 8);
	}
	ret = pwrite_all(fd, o.p + table_pos, 16 * ncpus, table_pos);
	if (ret) {
		skbt_err_set(err, ret, "writing the CPU table: %s", strerror(-ret));
		goto out;
	}
	if (ftruncate(fd, off) < 0) {
		ret = skbt_err_set(err, -errno, "truncating: %s", strerror(errno));
		goto out;
	}
	ret = first_err;
	if (ret)
		skbt_err_set(err, ret, "disk full: data of %d CPU(s) cut short", st.truncated_cpus);
out:
	if (stats)
		*stats = st;
	free(o.p);
	free(buf);
	free(offs);
	free(sizes);
	return ret;
}

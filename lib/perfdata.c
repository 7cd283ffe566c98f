// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perfdata: perf.data (file mode, "PERFILE2") to a trace.dat v6 image for skbt_tracefile.
 *
 * Layout read (linux tools/perf/Documentation/perf.data-file-format.txt):
 *   header: magic, header size, attr size, attrs section, data section, event_types section
 *           (ignored), 256 feature bits; the feature sections' (offset, size) table follows
 *           the data section, one entry per bit set, in bit order.
 *   attrs: perf_event_attr + (offset, size) of its u64 sample ids.
 *   data: records { u32 type; u16 misc; u16 size; ... }.
 *   HEADER_TRACING_DATA (feature 1): "\027\010\104tracing", version "0.6", endianness, long
 *           size, page size, then the blocks of a trace.dat v6 up to the saved cmdlines.
 *
 * What is written (see perfdata.h for why): the trace.dat v6 header, the tracing data's
 * blocks as they are up to the printk formats, the cmdlines (the file's, then PERF_RECORD_COMM
 * names; the last name of a pid wins), the CPU count, a TRACECLOCK option, the flyrecord table
 * and per CPU the samples' raw data as ring-buffer pages (the layout tracefile.c reads).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/perfdata.h"

#define PERF_MAGIC	0x32454c4946524550ULL	/* "PERFILE2" read as a little-endian u64 */
#define FILE_HDR_SIZE	104
#define PIPE_HDR_SIZE	16
#define FEAT_TRACING_DATA 1
#define FEAT_NRCPUS	7	/* u32 CPUs available, u32 online */

/* Sanity caps on counts read from the file */
#define MAX_ATTRS	4096
#define MAX_IDS		(1u << 22)
#define MAX_CPUS	8192
#define MAX_IMAGE	((size_t)16 << 30)

/* perf_event_attr offsets and values (include/uapi/linux/perf_event.h) */
#define ATTR_TYPE	0
#define ATTR_SIZE	4
#define ATTR_CONFIG	8
#define ATTR_SAMPLE_TYPE 24
#define ATTR_READ_FORMAT 32
#define ATTR_FLAGS	40
#define ATTR_CLOCKID	92
#define ATTR_FLAG_SAMPLE_ID_ALL (1ULL << 18)
#define ATTR_FLAG_USE_CLOCKID (1ULL << 25)
#define PERF_TYPE_TRACEPOINT 2

enum {
	S_IP = 1 << 0, S_TID = 1 << 1, S_TIME = 1 << 2, S_ADDR = 1 << 3, S_READ = 1 << 4,
	S_CALLCHAIN = 1 << 5, S_ID = 1 << 6, S_CPU = 1 << 7, S_PERIOD = 1 << 8,
	S_STREAM_ID = 1 << 9, S_RAW = 1 << 10, S_IDENTIFIER = 1 << 16,
};

enum {
	RF_TOTAL_TIME_ENABLED = 1 << 0, RF_TOTAL_TIME_RUNNING = 1 << 1, RF_ID = 1 << 2,
	RF_GROUP = 1 << 3, RF_LOST = 1 << 4,
};

/* record types */
enum {
	REC_LOST = 2, REC_COMM = 3, REC_SAMPLE = 9, REC_LOST_SAMPLES = 13,
	/* pipe mode: what a file keeps in its header and feature sections comes as records */
	REC_HEADER_ATTR = 64, REC_HEADER_TRACING_DATA = 66, REC_HEADER_FEATURE = 80,
};

/* ring buffer page layout, as tracefile.c reads it (kernel ring_buffer.c) */
#define RB_MISSED_EVENTS (1ULL << 31)
#define RB_MISSED_STORED (1ULL << 30)
#define RB_TYPE_TIME_EXTEND 30
#define RB_TS_BITS	27
#define RB_MAX_SMALL	(28 * 4)	/* data bytes a type_len record can hold */

struct attr {
	uint32_t type;
	uint64_t config;
	uint64_t sample_type;
	uint64_t read_format;
	bool sample_id_all;
	const char *clock;
};

struct idmap {
	uint64_t id;
	uint32_t attr;
};

struct sample {
	uint64_t ts;
	uint64_t off;		/* of the raw data in the file */
	uint32_t size;
	uint32_t cpu;
	uint64_t lost;		/* events lost on this CPU just before it */
};

struct comm {
	uint64_t ts;		/* the last name of a pid in time (then file order) wins */
	uint32_t pid;
	uint32_t seq;
	const char *name;
	size_t len;
};

struct conv {
	const uint8_t *f;
	size_t fsize;
	struct skbt_err *err;

	struct attr *attrs;
	uint32_t nattrs;
	struct idmap *ids;
	uint32_t nids;

	struct sample *smp;
	size_t nsmp, csmp;
	struct comm *comms;
	size_t ncomms, ccomms;
	uint64_t *pending;	/* lost count owed per CPU */
	uint32_t npending;
	uint64_t pending_any;	/* lost without a CPU: owed to the next sample */
	uint32_t ncpus;		/* CPU ids seen + 1, or the machine's CPUs if more */

	bool pipe;
	uint64_t td_off, td_size;	/* the tracing data */

	bool truncated;
	uint64_t lost;

	uint8_t *out;
	size_t olen, ocap;
	bool ofail;
};

static uint64_t g64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t g32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t g16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

bool skbt_perfdata_is(const void *head, size_t n)
{
	return n >= 8 && (g64(head) == PERF_MAGIC || g64(head) == __builtin_bswap64(PERF_MAGIC));
}

/* Is [off, off + n) inside the file? */
static bool in_file(const struct conv *c, uint64_t off, uint64_t n)
{
	return off <= c->fsize && n <= c->fsize - off;
}

/* ---------- output ---------- */

static uint8_t *out_room(struct conv *c, size_t n)
{
	if (c->ofail)
		return NULL;
	if (n > MAX_IMAGE - c->olen) {
		c->ofail = true;
		return NULL;
	}
	if (c->olen + n > c->ocap) {
		size_t cap = c->ocap ? c->ocap : 1 << 16;
		uint8_t *p;

		while (cap < c->olen + n)
			cap = cap > MAX_IMAGE / 2 ? MAX_IMAGE : cap * 2;
		p = realloc(c->out, cap);
		if (!p) {
			c->ofail = true;
			return NULL;
		}
		c->out = p;
		c->ocap = cap;
	}
	c->olen += n;
	return c->out + c->olen - n;
}

static void out_add(struct conv *c, const void *p, size_t n)
{
	uint8_t *d = out_room(c, n);

	if (d && n)
		memcpy(d, p, n);
}

static void out_u16(struct conv *c, uint16_t v) { out_add(c, &v, 2); }
static void out_u32(struct conv *c, uint32_t v) { out_add(c, &v, 4); }
static void out_u64(struct conv *c, uint64_t v) { out_add(c, &v, 8); }

/* ---------- header, attrs, ids ---------- */

static int id_cmp(const void *a, const void *b);
static const char *clock_of(const uint8_t *a, uint64_t attr_size);

/*
 * One event: the perf_event_attr at @a (@attr_size bytes of it are in the file) and its
 * @nid sample ids at @ids.
 */
static int add_attr(struct conv *c, const uint8_t *a, uint64_t attr_size, const uint8_t *ids,
		    uint64_t nid)
{
	struct attr *at;
	struct idmap *m;
	uint64_t k;

	if (attr_size < 64)
		return skbt_err_set(c->err, -EBADMSG, "perf_event_attr of %llu bytes",
				    (unsigned long long)attr_size);
	if (c->nattrs >= MAX_ATTRS)
		return skbt_err_set(c->err, -EBADMSG, "more than %u events", MAX_ATTRS);
	at = realloc(c->attrs, (c->nattrs + 1) * sizeof(*at));
	if (!at)
		return skbt_err_set(c->err, -ENOMEM, "out of memory");
	c->attrs = at;
	at += c->nattrs;
	at->type = g32(a + ATTR_TYPE);
	at->config = g64(a + ATTR_CONFIG);
	at->sample_type = g64(a + ATTR_SAMPLE_TYPE);
	at->read_format = g64(a + ATTR_READ_FORMAT);
	at->sample_id_all = g64(a + ATTR_FLAGS) & ATTR_FLAG_SAMPLE_ID_ALL;
	at->clock = clock_of(a, attr_size);
	if (nid > MAX_IDS - c->nids)
		return skbt_err_set(c->err, -EBADMSG, "implausible sample id count");
	if (nid) {
		m = realloc(c->ids, (c->nids + nid) * sizeof(*m));
		if (!m)
			return skbt_err_set(c->err, -ENOMEM, "out of memory");
		c->ids = m;
		for (k = 0; k < nid; k++)
			c->ids[c->nids++] = (struct idmap){ g64(ids + 8 * k), c->nattrs };
		qsort(c->ids, c->nids, sizeof(*c->ids), id_cmp);
	}
	c->nattrs++;
	return 0;
}

/* File mode: the attrs section, entries of @attr_size (attr, then its ids' section). */
static int read_attrs(struct conv *c, uint64_t attr_size, uint64_t off, uint64_t size)
{
	uint64_t n, i;
	int ret;

	if (attr_size < 64 + 16 || attr_size > 4096 || !in_file(c, off, size) ||
	    size % attr_size)
		return skbt_err_set(c->err, -EBADMSG, "bad attrs section (size %llu, entry %llu)",
				    (unsigned long long)size, (unsigned long long)attr_size);
	n = size / attr_size;
	if (n == 0 || n > MAX_ATTRS)
		return skbt_err_set(c->err, -EBADMSG, "implausible event count %llu",
				    (unsigned long long)n);
	for (i = 0; i < n; i++) {
		const uint8_t *a = c->f + off + i * attr_size;
		uint64_t ids_off = g64(a + attr_size - 16), ids_size = g64(a + attr_size - 8);

		if (ids_size && (!in_file(c, ids_off, ids_size) || ids_size % 8))
			return skbt_err_set(c->err, -EBADMSG, "bad id section of event %llu",
					    (unsigned long long)i);
		ret = add_attr(c, a, attr_size - 16, ids_size ? c->f + ids_off : NULL, ids_size / 8);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * What do_sample() and the trailers need of the events: one sample layout, or ids to tell
 * them apart; time stamps.
 */
static int check_attrs(struct conv *c)
{
	uint32_t i;

	for (i = 1; i < c->nattrs; i++)
		if (c->attrs[i].sample_type != c->attrs[0].sample_type &&
		    !(c->attrs[i].sample_type & c->attrs[0].sample_type & S_IDENTIFIER))
			return skbt_err_set(c->err, -EPROTONOSUPPORT,
					    "events with different sample layouts and no "
					    "sample identifier");
	if (c->nattrs > 1 && !(c->attrs[0].sample_type & (S_IDENTIFIER | S_ID)))
		return skbt_err_set(c->err, -EPROTONOSUPPORT,
				    "several events and samples without ids");
	if (c->nattrs && !(c->attrs[0].sample_type & S_TIME))
		return skbt_err_set(c->err, -EPROTONOSUPPORT, "samples have no time stamps");
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	const struct idmap *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int find_attr(const struct conv *c, uint64_t id)
{
	struct idmap key = { id, 0 }, *m;

	m = c->nids ? bsearch(&key, c->ids, c->nids, sizeof(*m), id_cmp) : NULL;
	return m ? (int)m->attr : -1;
}

/* The clock of the samples, as trace-cmd names it ("mono", "local", ...). */
static const char *clock_of(const uint8_t *a, uint64_t attr_size)
{
	int32_t id;

	if (!(g64(a + ATTR_FLAGS) & ATTR_FLAG_USE_CLOCKID) || attr_size < ATTR_CLOCKID + 4)
		return "local";	/* perf_clock(): the kernel's local_clock() */
	memcpy(&id, a + ATTR_CLOCKID, 4);
	switch (id) {
	case 1: return "mono";
	case 4: return "mono_raw";
	case 7: return "boot";
	case 11: return "tai";
	default: return "unknown";
	}
}

/* ---------- records ---------- */

/* Bytes of the sample_id trailer of non-sample records. */
static unsigned int trailer_size(uint64_t st)
{
	unsigned int n = 0;

	n += !!(st & S_TID) + !!(st & S_TIME) + !!(st & S_ID) + !!(st & S_STREAM_ID) +
	     !!(st & S_CPU) + !!(st & S_IDENTIFIER);
	return 8 * n;
}

/* Time stamp (S_TIME) and CPU (S_CPU) from a non-sample record's trailer: false if absent. */
static bool trailer_field(const struct conv *c, const uint8_t *rec, uint32_t size, uint64_t bit,
			  uint64_t *v)
{
	const struct attr *a = &c->attrs[0];
	uint64_t st = a->sample_type;
	unsigned int t = trailer_size(st);
	const uint8_t *p;

	if (!a->sample_id_all || !(st & bit) || t + 8 > size)
		return false;
	p = rec + size - t + 8 * !!(st & S_TID);
	if (bit == S_CPU)
		p += 8 * (!!(st & S_TIME) + !!(st & S_ID) + !!(st & S_STREAM_ID));
	*v = bit == S_CPU ? g32(p) : g64(p);
	return true;
}

static int trailer_cpu(const struct conv *c, const uint8_t *rec, uint32_t size)
{
	uint64_t v;

	return trailer_field(c, rec, size, S_CPU, &v) && v < MAX_CPUS ? (int)v : -1;
}

static int owe_lost(struct conv *c, int cpu, uint64_t n)
{
	c->lost += n;
	if (cpu < 0 || cpu >= MAX_CPUS) {
		c->pending_any += n;
		return 0;
	}
	if ((uint32_t)cpu >= c->npending) {
		uint32_t want = cpu + 1;
		uint64_t *p = realloc(c->pending, want * sizeof(*p));

		if (!p)
			return skbt_err_set(c->err, -ENOMEM, "out of memory");
		memset(p + c->npending, 0, (want - c->npending) * sizeof(*p));
		c->pending = p;
		c->npending = want;
	}
	c->pending[cpu] += n;
	return 0;
}

/* A cursor over one record's body. */
struct rc {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t rc64(struct rc *r)
{
	uint64_t v;

	if (r->end - r->p < 8) {
		r->bad = true;
		return 0;
	}
	v = g64(r->p);
	r->p += 8;
	return v;
}

static void rc_skip(struct rc *r, uint64_t n)
{
	if ((uint64_t)(r->end - r->p) < n) {
		r->bad = true;
		r->p = r->end;
	} else {
		r->p += n;
	}
}

static int do_sample(struct conv *c, const uint8_t *rec, uint32_t size)
{
	struct rc r = { rec + 8, rec + size, false };
	const struct attr *a = &c->attrs[0];
	uint64_t st = a->sample_type, ts, v;
	uint32_t cpu, rawsize;
	struct sample *s;
	int ai = 0;

	if (c->nattrs > 1) {
		uint64_t id;

		if (st & S_IDENTIFIER) {
			id = rc64(&r);
		} else {
			/* same sample_type for all (checked): ID sits after IP, TID, TIME, ADDR */
			struct rc q = r;

			rc_skip(&q, 8 * (!!(st & S_IP) + !!(st & S_TID) + !!(st & S_TIME) +
					 !!(st & S_ADDR)));
			id = rc64(&q);
			if (q.bad)
				r.bad = true;
		}
		ai = find_attr(c, id);
		if (r.bad || ai < 0)
			return 0;	/* not one of ours: skip */
		a = &c->attrs[ai];
		st = a->sample_type;
	} else if (st & S_IDENTIFIER) {
		rc_skip(&r, 8);
	}
	if (a->type != PERF_TYPE_TRACEPOINT || !(st & S_RAW))
		return 0;
	if (st & S_IP)
		rc_skip(&r, 8);
	if (st & S_TID)
		rc_skip(&r, 8);
	ts = (st & S_TIME) ? rc64(&r) : 0;
	if (st & S_ADDR)
		rc_skip(&r, 8);
	if (st & S_ID)
		rc_skip(&r, 8);
	if (st & S_STREAM_ID)
		rc_skip(&r, 8);
	cpu = (st & S_CPU) ? (uint32_t)rc64(&r) : 0;
	if (st & S_PERIOD)
		rc_skip(&r, 8);
	if (st & S_READ) {
		uint64_t rf = a->read_format, per = 8 + 8 * (!!(rf & RF_ID) + !!(rf & RF_LOST));
		uint64_t times = 8 * (!!(rf & RF_TOTAL_TIME_ENABLED) + !!(rf & RF_TOTAL_TIME_RUNNING));

		if (rf & RF_GROUP) {
			v = rc64(&r);
			if (v > (uint64_t)(r.end - r.p) / per)
				r.bad = true;
			else
				rc_skip(&r, times + v * per);
		} else {
			rc_skip(&r, times + per);
		}
	}
	if (st & S_CALLCHAIN) {
		v = rc64(&r);
		if (v > (uint64_t)(r.end - r.p) / 8)
			r.bad = true;
		else
			rc_skip(&r, v * 8);
	}
	if (r.bad || r.end - r.p < 4) {
		c->truncated = true;
		return 0;
	}
	rawsize = g32(r.p);
	r.p += 4;
	if (rawsize > (uint64_t)(r.end - r.p) || rawsize < 8) {
		c->truncated = true;
		return 0;
	}
	/* the entry must be the tracepoint the attr says (common_type first) */
	if (g16(r.p) != (uint16_t)a->config)
		return 0;
	if (cpu >= MAX_CPUS) {
		c->truncated = true;
		return 0;
	}
	if (c->nsmp == c->csmp) {
		size_t n = c->csmp ? c->csmp * 2 : 4096;

		s = realloc(c->smp, n * sizeof(*s));
		if (!s)
			return skbt_err_set(c->err, -ENOMEM, "out of memory");
		c->smp = s;
		c->csmp = n;
	}
	s = &c->smp[c->nsmp++];
	s->ts = ts;
	s->off = r.p - c->f;
	s->size = rawsize;
	s->cpu = cpu;
	s->lost = c->pending_any;
	c->pending_any = 0;
	if (cpu < c->npending) {
		s->lost += c->pending[cpu];
		c->pending[cpu] = 0;
	}
	if (cpu + 1 > c->ncpus)
		c->ncpus = cpu + 1;
	return 0;
}

static int add_comm(struct conv *c, uint32_t pid, uint64_t ts, const char *name, size_t len)
{
	if (c->ncomms == c->ccomms) {
		size_t n = c->ccomms ? c->ccomms * 2 : 1024;
		struct comm *p = realloc(c->comms, n * sizeof(*p));

		if (!p)
			return skbt_err_set(c->err, -ENOMEM, "out of memory");
		c->comms = p;
		c->ccomms = n;
	}
	/* a newline or NUL in a name would break the cmdlines text: cut it there */
	for (size_t k = 0; k < len; k++)
		if (name[k] == '\n' || name[k] == '\0')
			len = k;
	c->comms[c->ncomms] = (struct comm){ ts, pid, (uint32_t)c->ncomms, name, len };
	c->ncomms++;
	return 0;
}

static int do_comm(struct conv *c, const uint8_t *rec, uint32_t size)
{
	const struct attr *a = &c->attrs[0];
	uint32_t t = a->sample_id_all ? trailer_size(a->sample_type) : 0;
	const char *name = (const char *)rec + 16;
	uint64_t ts = 0;
	size_t room;

	if (size < 16 + t)
		return 0;
	room = size - 16 - t;
	/* per-CPU buffers are written in turn: file order is not time order across CPUs */
	trailer_field(c, rec, size, S_TIME, &ts);
	return add_comm(c, g32(rec + 12), ts, name, strnlen(name, room));
}

/* The machine's CPUs (HEADER_NRCPUS): a CPU without samples still counts, as in a trace.dat. */
static void set_nrcpus(struct conv *c, uint32_t n)
{
	if (n <= MAX_CPUS && n > c->ncpus)
		c->ncpus = n;
}

static int read_data(struct conv *c, uint64_t off, uint64_t size)
{
	uint64_t end;
	int ret = 0;

	if (off > c->fsize)
		return skbt_err_set(c->err, -EBADMSG, "data section at offset %llu past the end",
				    (unsigned long long)off);
	end = size > c->fsize - off ? c->fsize : off + size;
	if (end != off + size)
		c->truncated = true;
	while (off < end && !ret) {
		const uint8_t *rec = c->f + off;
		uint32_t type, rsize;

		if (end - off < 8) {
			c->truncated = true;
			break;
		}
		type = g32(rec);
		rsize = g16(rec + 6);
		if (rsize < 8 || rsize > end - off) {
			c->truncated = true;
			break;
		}
		if (!c->nattrs && type < REC_HEADER_ATTR) {
			off += rsize;	/* pipe mode: nothing is ours before the first event */
			continue;
		}
		switch (type) {
		case REC_HEADER_ATTR:	/* perf_event_attr, then its u64 ids */
			if (c->pipe) {
				uint32_t asz = rsize >= 16 ? g32(rec + 8 + ATTR_SIZE) : 0;

				if (asz < 64 || asz > rsize - 8)
					return skbt_err_set(c->err, -EBADMSG,
							    "bad event record at offset %llu",
							    (unsigned long long)off);
				ret = add_attr(c, rec + 8, asz, rec + 8 + asz, (rsize - 8 - asz) / 8);
				if (!ret)
					ret = check_attrs(c);
			}
			break;
		case REC_HEADER_TRACING_DATA:	/* u32 size; the data follows the record */
			if (c->pipe && rsize >= 12) {
				uint64_t n = g32(rec + 8), at = off + rsize;

				if (n > end - at) {
					c->truncated = true;
					return 0;
				}
				c->td_off = at;
				c->td_size = n;
				off += (n + 7) & ~7ULL;
				if (off > end - rsize)
					off = end - rsize;
			}
			break;
		case REC_HEADER_FEATURE:	/* u64 feature id, its section */
			if (c->pipe && rsize >= 24 && g64(rec + 8) == FEAT_NRCPUS)
				set_nrcpus(c, g32(rec + 16));
			break;
		case REC_SAMPLE:
			ret = do_sample(c, rec, rsize);
			break;
		case REC_COMM:
			ret = do_comm(c, rec, rsize);
			break;
		case REC_LOST:		/* u64 id, u64 lost */
			if (rsize >= 24)
				ret = owe_lost(c, trailer_cpu(c, rec, rsize), g64(rec + 16));
			break;
		case REC_LOST_SAMPLES:	/* u64 lost */
			if (rsize >= 16)
				ret = owe_lost(c, trailer_cpu(c, rec, rsize), g64(rec + 8));
			break;
		default:
			break;		/* mmap, fork, exit, finished round, ...: not needed */
		}
		off += rsize;
	}
	return ret;
}

/* ---------- tracing data ---------- */

/* Walk a sized block; false if it runs off @end. */
static bool skip_sized(const uint8_t **p, const uint8_t *end, unsigned int lensize)
{
	uint64_t n;

	if (end - *p < lensize)
		return false;
	n = lensize == 8 ? g64(*p) : g32(*p);
	*p += lensize;
	if (n > (uint64_t)(end - *p))
		return false;
	*p += n;
	return true;
}

static bool skip_str(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nul = memchr(*p, '\0', end - *p);

	if (!nul)
		return false;
	*p = nul + 1;
	return true;
}

/*
 * Check the blocks of the tracing data at [@start, @end): where the fixed part (endianness,
 * long size, page size) is (*@fixed), where the metadata to copy ends (*@meta_end, after the
 * printk formats) and the saved cmdlines text, if any.
 */
static int walk_tracing(struct conv *c, const uint8_t *start, const uint8_t *end,
			const uint8_t **fixed, const uint8_t **meta_end, const char **cmd,
			size_t *cmdlen)
{
	const uint8_t *p = start;
	uint32_t nsys, n, i, k;
	bool v06;

	*cmd = NULL;
	*cmdlen = 0;

	/* magic, version string, endianness, long size, page size */
	if (end - p < 10 || memcmp(p, "\x17\x08\x44tracing", 10))
		return skbt_err_set(c->err, -EBADMSG, "bad tracing data magic");
	p += 10;
	/* saved cmdlines since version "0.6" (perf writes "0.6" today) */
	v06 = end - p >= 3 && ((p[0] >= '1' && p[0] <= '9') ||
			       (p[0] == '0' && p[1] == '.' && p[2] >= '6' && p[2] <= '9'));
	if (!skip_str(&p, end) || end - p < 6)
		goto trunc;
	if (p[0] != 0)
		return skbt_err_set(c->err, -EPROTONOSUPPORT,
				    "big-endian tracing data is not supported");
	*fixed = p;
	p += 6;
	/* header_page, header_event: name, u64 size, text */
	for (i = 0; i < 2; i++)
		if (!skip_str(&p, end) || !skip_sized(&p, end, 8))
			goto trunc;
	/* ftrace formats: u32 count, sized texts */
	if (end - p < 4)
		goto trunc;
	n = g32(p);
	p += 4;
	for (i = 0; i < n; i++)
		if (!skip_sized(&p, end, 8))
			goto trunc;
	/* event formats: u32 systems, each a name, u32 count, sized texts */
	if (end - p < 4)
		goto trunc;
	nsys = g32(p);
	p += 4;
	for (i = 0; i < nsys; i++) {
		if (!skip_str(&p, end) || end - p < 4)
			goto trunc;
		n = g32(p);
		p += 4;
		for (k = 0; k < n; k++)
			if (!skip_sized(&p, end, 8))
				goto trunc;
	}
	/* kallsyms, printk formats: u32 sizes */
	if (!skip_sized(&p, end, 4) || !skip_sized(&p, end, 4))
		goto trunc;
	*meta_end = p;
	if (v06 && end - p >= 8) {
		const uint8_t *q = p;

		if (!skip_sized(&q, end, 8))
			goto trunc;
		*cmd = (const char *)p + 8;
		*cmdlen = q - p - 8;
	}
	return 0;
trunc:
	return skbt_err_set(c->err, -EBADMSG, "tracing data truncated at offset %llu",
			    (unsigned long long)(p - c->f));
}

static int comm_cmp(const void *a, const void *b)
{
	const struct comm *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The cmdlines block: one line per pid, its last name: the tracing data's "pid comm" lines
 * count as older than every COMM record (their time 0, before the records in order).
 */
static int write_cmdlines(struct conv *c, const char *cmd, size_t len)
{
	size_t i, base = c->ncomms, start, n = 0;
	const char *p = cmd, *end = cmd ? cmd + len : NULL;
	uint64_t total = 0;
	int ret;

	/* the file's lines count as older than every COMM record */
	while (p && p < end) {
		const char *nl = memchr(p, '\n', end - p), *e = p;
		uint64_t pid = 0;

		if (!nl)
			nl = end;
		/* digits, one space, the name: parsed in place, never past the section */
		while (e < nl && *e >= '0' && *e <= '9' && pid <= INT32_MAX)
			pid = pid * 10 + (*e++ - '0');
		if (e != p && e < nl && *e == ' ' && pid <= INT32_MAX) {
			const char *sp = e;

			ret = add_comm(c, (uint32_t)pid, 0, sp + 1, nl - sp - 1);
			if (ret)
				return ret;
		}
		p = nl + 1;
	}
	for (i = base; i < c->ncomms; i++)
		c->comms[i].seq = (uint32_t)(i - base);	/* before the records: renumber */
	for (i = 0; i < base; i++)
		c->comms[i].seq = (uint32_t)(c->ncomms - base + i);
	if (c->ncomms)
		qsort(c->comms, c->ncomms, sizeof(*c->comms), comm_cmp);
	/* keep the last entry of each pid, drop empty names */
	for (i = 0; i < c->ncomms; i++) {
		if (i + 1 < c->ncomms && c->comms[i + 1].pid == c->comms[i].pid)
			continue;
		if (!c->comms[i].len)
			continue;
		c->comms[n++] = c->comms[i];
	}
	c->ncomms = n;
	for (i = 0; i < n; i++)
		total += snprintf(NULL, 0, "%u ", c->comms[i].pid) + c->comms[i].len + 1;
	out_u64(c, total);
	start = c->olen;
	for (i = 0; i < n; i++) {
		char num[16];
		int k = snprintf(num, sizeof(num), "%u ", c->comms[i].pid);

		out_add(c, num, k);
		out_add(c, c->comms[i].name, c->comms[i].len);
		out_add(c, "\n", 1);
	}
	if (!c->ofail && c->olen - start != total)
		return skbt_err_set(c->err, -EBADMSG, "internal: cmdlines size");
	return 0;
}

/* ---------- pages ---------- */

static int smp_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;	/* file order */
}

struct pagew {
	struct conv *c;
	uint32_t ps, hdr;
	size_t page;		/* offset of the open page in c->out, SIZE_MAX if none */
	uint32_t used;		/* data bytes in it */
	uint32_t room;		/* data bytes it may hold */
	uint64_t last_ts;
	uint64_t missed;	/* count to store after the records, 0 none */
};

static void page_close(struct pagew *w)
{
	uint8_t *pg;
	uint64_t flags;

	if (w->page == SIZE_MAX || w->c->ofail)
		return;
	pg = w->c->out + w->page;
	flags = w->used;
	if (w->missed) {
		flags |= RB_MISSED_EVENTS | RB_MISSED_STORED;
		memcpy(pg + w->hdr + w->used, &w->missed, w->hdr == 16 ? 8 : 4);
	}
	if (w->hdr == 16)
		memcpy(pg + 8, &flags, 8);
	else
		memcpy(pg + 8, &(uint32_t){ (uint32_t)flags }, 4);
	w->page = SIZE_MAX;
}

static void page_open(struct pagew *w, uint64_t ts, uint64_t missed)
{
	uint8_t *pg;

	page_close(w);
	pg = out_room(w->c, w->ps);
	if (!pg)
		return;
	memset(pg, 0, w->ps);
	memcpy(pg, &ts, 8);
	w->page = pg - w->c->out;
	w->used = 0;
	w->missed = missed;
	/* a stored missed count takes a long after the records */
	w->room = w->ps - w->hdr - (missed ? w->hdr - 8 : 0);
	w->last_ts = ts;
}

static void page_add(struct pagew *w, const struct sample *s)
{
	const uint8_t *data = w->c->f + s->off;
	uint32_t n = (s->size + 3) & ~3u, need = n <= RB_MAX_SMALL ? 4 + n : 8 + n;
	uint64_t delta;
	uint8_t *d;
	uint32_t hw;

	if (need > w->ps - 2 * w->hdr)	/* can never fit a page: not a tracepoint we read */
		return;
	if (w->page == SIZE_MAX || s->lost)
		page_open(w, s->ts, s->lost ? (s->lost > UINT32_MAX && w->hdr != 16 ?
						UINT32_MAX : s->lost) : 0);
	delta = s->ts - w->last_ts;
	if (delta >> RB_TS_BITS) {
		if (w->used + 8 + need > w->room) {
			page_open(w, s->ts, 0);
			delta = 0;
		} else {
			d = w->c->ofail ? NULL : w->c->out + w->page + w->hdr + w->used;
			if (d) {
				hw = RB_TYPE_TIME_EXTEND | (uint32_t)((delta & ((1u << RB_TS_BITS) - 1)) << 5);
				memcpy(d, &hw, 4);
				memcpy(d + 4, &(uint32_t){ (uint32_t)(delta >> RB_TS_BITS) }, 4);
			}
			w->used += 8;
			delta = 0;
		}
	} else if (w->used + need > w->room) {
		page_open(w, s->ts, 0);
		delta = 0;
	}
	if (w->c->ofail || w->page == SIZE_MAX)
		return;
	d = w->c->out + w->page + w->hdr + w->used;
	if (n <= RB_MAX_SMALL) {
		hw = (n / 4) | (uint32_t)(delta << 5);
		memcpy(d, &hw, 4);
		memcpy(d + 4, data, s->size);
	} else {
		hw = (uint32_t)(delta << 5);
		memcpy(d, &hw, 4);
		memcpy(d + 4, &(uint32_t){ n + 4 }, 4);
		memcpy(d + 8, data, s->size);
	}
	w->used += need;
	w->last_ts = s->ts;
}

/* ---------- the whole ---------- */

static int convert(struct conv *c, struct skbt_perf_image *img)
{
	const uint8_t *h = c->f, *td, *fixed = NULL, *meta_end = NULL;
	uint64_t hsize, attr_size, data_off, data_size, feat_tab, td_off = 0, td_size = 0;
	const char *cmd, *clock;
	size_t cmdlen, tab_at;
	unsigned int bit, nth = 0;
	uint32_t ps, cpu;
	int ret;

	if (c->fsize < 16 || !skbt_perfdata_is(h, c->fsize))
		return skbt_err_set(c->err, -EINVAL, "not a perf.data file (bad magic)");
	if (g64(h) != PERF_MAGIC)
		return skbt_err_set(c->err, -EPROTONOSUPPORT,
				    "perf.data of the other byte order is not supported");
	hsize = g64(h + 8);
	if (hsize == PIPE_HDR_SIZE) {
		/* pipe mode: events and tracing data come as records, before the samples */
		c->pipe = true;
		ret = read_data(c, PIPE_HDR_SIZE, c->fsize - PIPE_HDR_SIZE);
		if (ret)
			return ret;
		if (!c->nattrs)
			return skbt_err_set(c->err, -ENODATA, "perf.data has no events");
		td_off = c->td_off;
		td_size = c->td_size;
		goto tracing;
	}
	if (hsize < FILE_HDR_SIZE || c->fsize < FILE_HDR_SIZE)
		return skbt_err_set(c->err, -EBADMSG, "truncated perf.data header");
	attr_size = g64(h + 16);
	data_off = g64(h + 40);
	data_size = g64(h + 48);
	ret = read_attrs(c, attr_size, g64(h + 24), g64(h + 32));
	if (!ret)
		ret = check_attrs(c);
	if (ret)
		return ret;

	/* feature sections: one (offset, size) per bit set, after the data */
	if (data_off > c->fsize || data_size > c->fsize - data_off)
		c->truncated = true;
	feat_tab = data_off + data_size;
	for (bit = 0; bit < 256; bit++) {
		bool there;

		if (!(g64(h + 72 + 8 * (bit / 64)) >> (bit % 64) & 1))
			continue;
		there = feat_tab >= data_off && in_file(c, feat_tab + 16 * nth, 16);
		if (bit == FEAT_TRACING_DATA) {
			if (!there)
				return skbt_err_set(c->err, -EBADMSG,
						    "feature table at offset %llu past the end",
						    (unsigned long long)feat_tab);
			td_off = g64(c->f + feat_tab + 16 * nth);
			td_size = g64(c->f + feat_tab + 16 * nth + 8);
		} else if (!there || !in_file(c, g64(c->f + feat_tab + 16 * nth),
					      g64(c->f + feat_tab + 16 * nth + 8))) {
			/* not read, but a section past the end says the file was cut */
			c->truncated = true;
		} else if (bit == FEAT_NRCPUS && g64(c->f + feat_tab + 16 * nth + 8) >= 8) {
			set_nrcpus(c, g32(c->f + g64(c->f + feat_tab + 16 * nth)));
		}
		nth++;
	}
	if (td_size) {
		ret = read_data(c, data_off, data_size);
		if (ret)
			return ret;
	}
tracing:
	if (!td_size)
		return skbt_err_set(c->err, -ENODATA,
				    "perf.data has no tracing data (record tracepoints: "
				    "perf record -e net:netif_receive_skb ...)");
	if (!in_file(c, td_off, td_size))
		return skbt_err_set(c->err, -EBADMSG, "tracing data section past the end");
	td = c->f + td_off;
	ret = walk_tracing(c, td, td + td_size, &fixed, &meta_end, &cmd, &cmdlen);
	if (ret)
		return ret;
	if (fixed[1] != 4 && fixed[1] != 8)
		return skbt_err_set(c->err, -EBADMSG, "bad long size %u in the tracing data",
				    fixed[1]);
	ps = g32(fixed + 2);
	if (ps < 256 || ps > (1u << 20) || (ps & (ps - 1)))
		return skbt_err_set(c->err, -EBADMSG, "bad page size %u in the tracing data", ps);
	clock = c->attrs[0].clock;
	if (c->nsmp)
		qsort(c->smp, c->nsmp, sizeof(*c->smp), smp_cmp);

	/* the trace.dat v6 image */
	out_add(c, "\x17\x08\x44tracing6", 12);
	out_add(c, fixed, 6);	/* endianness, long size, page size */
	out_add(c, fixed + 6, meta_end - (fixed + 6));
	ret = write_cmdlines(c, cmd, cmdlen);
	if (ret)
		return ret;
	out_u32(c, c->ncpus);
	out_add(c, "options  ", 10);
	{
		char txt[32];
		int n = snprintf(txt, sizeof(txt), "[%s]", clock) + 1;

		out_u16(c, 4);		/* TRACECLOCK */
		out_u32(c, n);
		out_add(c, txt, n);
	}
	out_u16(c, 0);
	out_add(c, "flyrecord", 10);
	tab_at = c->olen;
	out_room(c, (size_t)c->ncpus * 16);
	{
		/* pages of the kernel's long size: the header page format says the same */
		struct pagew w = { c, ps, fixed[1] == 8 ? 16 : 12, SIZE_MAX, 0, 0, 0, 0 };
		size_t k = 0;

		for (cpu = 0; cpu < c->ncpus; cpu++) {
			size_t start = c->olen;
			uint64_t v;

			for (; k < c->nsmp && c->smp[k].cpu == cpu; k++)
				page_add(&w, &c->smp[k]);
			page_close(&w);
			if (c->ofail)
				break;
			v = start;
			memcpy(c->out + tab_at + 16 * cpu, &v, 8);
			v = c->olen - start;
			memcpy(c->out + tab_at + 16 * cpu + 8, &v, 8);
		}
	}
	if (c->ofail)
		return skbt_err_set(c->err, -ENOMEM, "out of memory for the perf.data image");
	img->data = c->out;
	img->size = c->olen;
	c->out = NULL;
	img->truncated = c->truncated;
	img->samples = c->nsmp;
	img->lost = c->lost;
	return 0;
}

int skbt_perfdata_to_tracedat(const void *file, size_t size, struct skbt_perf_image *img,
			      struct skbt_err *err)
{
	struct conv c = { .f = file, .fsize = size, .err = err };
	int ret;

	memset(img, 0, sizeof(*img));
	ret = convert(&c, img);
	free(c.attrs);
	free(c.ids);
	free(c.smp);
	free(c.comms);
	free(c.pending);
	free(c.out);
	return ret;
}

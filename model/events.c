// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * events: merge the per-CPU streams of one buffer by timestamp and decode each record into a
 * struct skbt_event.
 *
 * Everything that needs a name is looked up once at open: for each event type id the kind
 * and the offset and size of every field we use.  The per-record path reads numbers at known
 * offsets, and a device name costs a compare with the last name seen for that event type
 * (or a small hash lookup), never a malloc.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "skbtrail/event.h"
#include "skbtrail/sbopt.h"
#include "skbtrail/tracefile.h"

#define MAX_DEVS	65535		/* dev ids are 16 bits; 0 is SKBT_DEV_NONE */
#define DEV_NAME_MAX	64		/* longer names are cut (IFNAMSIZ is 16) */
#define SCAN_RECORDS	(1u << 20)	/* records looked at per buffer to find the net events */

/* common_flags bits (kernel include/linux/trace_events.h) */
#define TRACE_FLAG_HARDIRQ 0x08
#define TRACE_FLAG_SOFTIRQ 0x10
#define TRACE_FLAG_NMI 0x40

/* How the a, b, c fields of an event fill struct skbt_event's union (events.def "payload"). */
enum payload { P_NONE, P_NAPI, P_DROP, P_SOFTIRQ, P_OVS, P_RET, P_ENTRY };

/* The decoder's view of skbtrail/events.def: one row per kind. */
static const struct kind_def {
	const char *sys, *name;		/* "net", "netif_rx"; NULL sys for the synthetic kinds */
	const char *full;		/* "net:netif_rx" */
	const char *fields[5];		/* skb, len, a, b, c */
	const char *dev;		/* __data_loc device-name field, or NULL */
	enum payload payload;
} kinds[SKBT_EV__COUNT] = {
#define SKBT_EVENT(id, sys, name, set, role, payload, skb, len, a, b, c, dev, filter, lean) \
	[SKBT_EV_##id] = { sys, name, sys ":" name, { skb, len, a, b, c }, dev, P_##payload },
#include "skbtrail/events.def"
#undef SKBT_EVENT
	[SKBT_EV_LOST] = { NULL, "lost", "lost", { NULL }, NULL, P_NONE },
	[SKBT_EV_OTHER] = { NULL, "other", "other", { NULL }, NULL, P_NONE },
};

const char *skbt_kind_name(enum skbt_kind kind)
{
	return (unsigned int)kind < SKBT_EV__COUNT ? kinds[kind].full : "other";
}

const char *skbt_kind_short(enum skbt_kind kind)
{
	return (unsigned int)kind < SKBT_EV__COUNT ? kinds[kind].name : "other";
}

bool skbt_kind_has_dev(enum skbt_kind kind)
{
	return (unsigned int)kind < SKBT_EV__COUNT && kinds[kind].dev;
}

/* Fields of one event type; size 0 = absent (reads as 0). */
enum { F_SKB, F_LEN, F_A, F_B, F_C, F_PID, F_FLAGS, NFIELDS };

struct fld {
	uint16_t off;
	uint8_t size;
};

/*
 * The last device name an event type carried, keyed by the raw __data_loc length and the
 * first 16 bytes (zero beyond the length): most records repeat it and cost two compares.
 */
struct dev_cache {
	uint16_t loclen;	/* 0: empty, or the name is longer than 16 bytes */
	uint16_t id;
	uint64_t w0, w1;
};

/*
 * Behind each type's last name, the names last seen by any type, direct-mapped on the same
 * key: names that alternate on one CPU (a bridge and its port) miss the per-type cache on
 * every other record, and interning hashes and compares the name each time.
 */
#define DEV_CACHE 64

struct etype {
	uint16_t kind;
	uint16_t min_size;	/* every fixed field lies below this */
	uint8_t payload;	/* enum payload */
	struct fld f[NFIELDS];
	struct fld dev;		/* __data_loc/__rel_loc string; size 0 = none */
	bool dev_rel;
};

struct symtab {
	uint64_t *val;
	char **name;
	int n;
};

/*
 * A record's device name as read from it, to be turned into an id when the record is
 * delivered (dev_resolve()): ids are handed out in the order names first appear in the merged
 * stream, and each type's last-name cache follows that order too.
 */
struct dev_raw {
	uint8_t how;		/* DEV_RAW_* */
	uint8_t type;		/* index into types: whose last-name cache */
	uint16_t loclen;	/* DEV_RAW_SHORT: __data_loc length, 0 to 16 */
	/*
	 * DEV_RAW_SHORT: the first 16 bytes, zero beyond loclen.  DEV_RAW_LONG: w0 holds a
	 * malloc()ed copy of the name (its bytes go with the block; the id is given on delivery,
	 * which may be on another thread than the read: "Decoding ahead").
	 */
	uint64_t w0, w1;
};

/* DEV_RAW_LOCAL: in a ring's slot only, a short name with the decoding thread's id for it */
enum { DEV_RAW_NONE, DEV_RAW_SHORT, DEV_RAW_LONG, DEV_RAW_LOCAL };

struct src {
	struct skbt_cpu_stream *s;
	struct skbt_raw_record rec;	/* head of this CPU */
	uint64_t ts;			/* head's timestamp, never below the previous one */
	uint32_t cpu;
	bool lost_pending;		/* deliver a LOST event before rec */
	bool has_rec;			/* rec is a record not yet delivered (a leaf of the tree) */
	/*
	 * rec decoded as soon as it is read (src_advance()), while its bytes are in cache: with
	 * many busy CPUs its turn comes only after the other CPUs' records, and by then they
	 * are not.  Decoded from the first skbt_events_next() on (skbt_events_without() comes
	 * before it); its device id is settled when it is delivered.
	 */
	bool decoded;
	struct skbt_event head;
	struct dev_raw dev;
};

/*
 * The merge key of a source's head: its timestamp and CPU, which is also its index in srcs
 * (every CPU of the buffer has a source).  A source at its end has KEY_END, after all
 * records.  Kept inline in the tree, so that a replay reads only the tree (16 bytes a
 * source, 4 KB at 256 CPUs), not each source's state, a line of its own.
 */
struct mkey {
	uint64_t ts;
	uint32_t cpu;
};

#define KEY_END ((struct mkey){ UINT64_MAX, UINT32_MAX })

struct dev_slot {
	uint32_t hash;
	uint16_t id;		/* 0 = empty slot */
};

/*
 * Device names and their ids 1..ndevs.  The merge's table gives the ids events carry, in
 * the order names first appear in the merged stream; the decoding thread keeps one of its own
 * (struct decoder), whose ids the merge maps to its own on delivery.
 */
struct devnames {
	char **devs;
	int ndevs;
	struct dev_slot *dtab;
	uint32_t dcap;		/* power of two */
	struct dev_cache dcache[DEV_CACHE];
	/* the last device name each type carried, by types index, and the one before it (a
	 * bridge's nested receive alternates with its port's) */
	struct dev_cache last[SKBT_EV__COUNT + 1];
	struct dev_cache prev[SKBT_EV__COUNT + 1];
};

/*
 * Decoding ahead.  Walking a CPU's sub-buffers and decoding each record was a fifth of the
 * analysis thread's time, and that thread is what a user waits for, while the thread that
 * expanded zstd chunks (lib/tracefile.c) was idle two thirds of the time.  With a second CPU
 * a thread of its own reads every CPU's stream, expanding its chunks itself, and decodes its
 * records into one ring per CPU (struct dslot: the record's event and its raw device name, or
 * a LOST before it); the merge takes them from there in the same order and gives device ids
 * on delivery as without the thread (dev_resolve()), so the events are the same
 * (test_decode_ahead).  The rings are single producer, single consumer: head is the thread's,
 * tail the merge's, published every DEC_PUBLISH records (and before it waits) so that the two
 * do not share a line per record.  Awake, the thread fills every ring with room for a batch;
 * it sleeps when none is half empty, the merge wakes it once it leaves one so, and the merge
 * waits only when its winner's ring is empty.  docs/file-format.md, docs/performance.md.
 */
struct dslot {
	struct skbt_event e;	/* e.dev: the raw name's type, e.reserved: how | loclen << 2 */
	uint64_t w0, w1;	/* struct dev_raw's */
};
_Static_assert(sizeof(struct dslot) == 64, "a slot is one cache line");

#define DEC_RING_BYTES	(4u << 20)	/* all rings together, at most */
#define DEC_RING_MIN	256u		/* slots a ring, at least ... */
#define DEC_RING_MAX	16384u		/* ... and at most */
#define DEC_BATCH	256u		/* records decoded into a ring at a time, at most */
#define DEC_PUBLISH	32u		/* the merge publishes its tail every this many */
#define DEC_AHEAD	4u		/* the merge prefetches this many slots ahead */
/*
 * CPUs in the buffer, at most, to decode ahead: the rings get short beyond (DEC_RING_BYTES
 * over DEC_RING_MIN slots), and the merge waits for them; a 1024-CPU file took 2.1 s with
 * 64-slot rings against 1.4 s without the thread, a 4096-CPU file 39 s against 5.5 s.
 */
#define DEC_MAX_SRCS	(DEC_RING_BYTES / DEC_RING_MIN / sizeof(struct dslot))

struct ring {
	/* set at the start: read by both */
	_Alignas(64) struct dslot *slot;
	uint32_t mask;
	/* written by the decoding thread */
	_Alignas(64) _Atomic uint32_t head;	/* slots [tail, head) are ready */
	_Atomic bool ended;	/* head is final: the stream ended (err: how) */
	int err;
	uint64_t ts;		/* last timestamp decoded: records never go back */
	char msg[sizeof(((struct skbt_err *)0)->msg)];
	/* written by the merge: what it publishes, and what only it reads */
	_Alignas(64) _Atomic uint32_t tail;
	_Alignas(64) uint32_t t;	/* next slot to deliver */
	uint32_t h;		/* head as last read */
};

struct decoder {
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t work;	/* the thread waits for a ring with room */
	pthread_cond_t ready;	/* the merge waits for its winner's ring */
	_Atomic bool stop;
	_Atomic bool sleeping;	/* the thread waits on work */
	_Atomic uint32_t waiting;	/* the merge waits on ready for ring waiting - 1; 0: not */
	_Atomic uint64_t backwards;
	struct ring *rings;	/* one per source */
	uint32_t cap;		/* slots a ring */
	uint32_t batch;		/* records a fill, at most */
	/*
	 * The thread's own ids of short names (a cache hit for most records, which cost the
	 * merge a tenth of its time to resolve), and the merge's map of them to its ids, made
	 * on each one's first delivery: the ids events carry stay in delivery order.
	 */
	struct devnames names;
	uint16_t *map;		/* MAX_DEVS + 1 entries, 0: not yet delivered */
};

struct skbt_events {
	struct skbt_tracefile *tf;
	struct tep_handle *tep;
	int buf;
	bool swap;

	/* type id -> index into types (0: not ours, decoded as OTHER) */
	uint8_t *slot;		/* 65536 entries */
	struct etype types[SKBT_EV__COUNT + 1];
	bool has[SKBT_EV__COUNT];
	struct src *srcs;
	int nsrcs;
	struct decoder *dec;	/* decoding ahead (the thread runs) */

	/*
	 * Above: what the decoding thread reads.  Below, on lines of their own: what the merge
	 * writes as it goes.
	 */
	_Alignas(64) uint64_t count[SKBT_EV__COUNT];
	uint64_t backwards;

	/*
	 * Per source, apart from its state: its stream and the start of the record after its
	 * head.  Small arrays, so that the prefetch of the next winner's state needs no load
	 * from that state (which with many busy CPUs is out of cache).
	 */
	struct skbt_cpu_stream **strm;
	const uint8_t **next_rec;
	/*
	 * Tournament (loser) tree over the sources, leaves padded to a power of two (nleaves):
	 * node i (1 .. nleaves - 1; children 2i, 2i + 1, leaf of source c is nleaves + c) holds
	 * the key that lost the match there; win is the overall winner, the next record.
	 */
	struct mkey *loser;
	struct mkey win;
	uint32_t nleaves;
	bool decoding;		/* skbt_events_next() has begun: src_advance() decodes */
	bool threads_ok;	/* a file with a CPU to spare: decode ahead from the first next */
	int pending_err;	/* error of a stream, reported after the record before it */
	/* live (skbt_events_open_live): records after @hold wait for skbt_events_push() */
	bool live;
	uint64_t hold;
	char pending_msg[sizeof(((struct skbt_err *)0)->msg)];

	/*
	 * Device names: apart from the types, which the decoding thread reads, as the merge
	 * writes their caches (a line between two CPUs).
	 */
	_Alignas(64) struct devnames names;

	struct symtab reasons;
	struct symtab actions;
};

/* ---------- field access ---------- */

/* The first @n bytes of a word read from memory (n <= 8; the host is little-endian). */
static inline uint64_t mask_bytes(unsigned int n)
{
	static const uint64_t m[9] = {
		0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffffULL, 0xffffffffffffULL,
		0xffffffffffffffULL, UINT64_MAX,
	};

	return m[n];
}

static inline uint64_t rdf(const struct skbt_events *ev, const uint8_t *d, struct fld f)
{
	uint64_t v8;
	uint32_t v4;
	uint16_t v2;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/*
	 * A file of this host's byte order: 8 bytes read and masked to the field's size, no
	 * branch on it (sizes alternate from field to field).  The read may pass the end of
	 * the record but not of its block, which has slack (tracefile.c PAGE_SLACK).  Sizes
	 * are 0, 1, 2, 4 or 8 (field_of()).
	 */
	if (!ev->swap) {
		memcpy(&v8, d + f.off, 8);
		return v8 & mask_bytes(f.size);
	}
#endif
	switch (f.size) {
	case 8:
		memcpy(&v8, d + f.off, 8);
		return ev->swap ? __builtin_bswap64(v8) : v8;
	case 4:
		memcpy(&v4, d + f.off, 4);
		return ev->swap ? __builtin_bswap32(v4) : v4;
	case 2:
		memcpy(&v2, d + f.off, 2);
		return ev->swap ? __builtin_bswap16(v2) : v2;
	case 1:
		return d[f.off];
	default:
		return 0;
	}
}

/* ---------- device names ---------- */

static uint32_t hash_name(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int dev_grow(struct devnames *nm)
{
	uint32_t ncap = nm->dcap ? nm->dcap * 2 : 64, i;
	struct dev_slot *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	for (i = 0; i < nm->dcap; i++) {
		uint32_t j;

		if (!nm->dtab[i].id)
			continue;
		for (j = nm->dtab[i].hash & (ncap - 1); nt[j].id; j = (j + 1) & (ncap - 1))
			;
		nt[j] = nm->dtab[i];
	}
	free(nm->dtab);
	nm->dtab = nt;
	nm->dcap = ncap;
	return 0;
}

/* Id of device name @s (@n bytes, no NUL), interned on first sight. */
static unsigned int dev_intern(struct devnames *nm, const char *s, size_t n)
{
	uint32_t h, j;
	char *copy, **nd;

	if (n == 0 || (n == 11 && !memcmp(s, "(no_device)", 11)))
		return SKBT_DEV_NONE;
	h = hash_name(s, n);
	if (nm->dcap) {
		for (j = h & (nm->dcap - 1); nm->dtab[j].id; j = (j + 1) & (nm->dcap - 1)) {
			const char *name = nm->devs[nm->dtab[j].id];

			if (nm->dtab[j].hash == h && !strncmp(name, s, n) && !name[n])
				return nm->dtab[j].id;
		}
	}
	if (nm->ndevs >= MAX_DEVS)
		return SKBT_DEV_NONE;	/* a corrupt file with 64k names; keep going */
	if ((uint32_t)(nm->ndevs + 1) * 2 > nm->dcap && dev_grow(nm))
		return SKBT_DEV_NONE;
	nd = realloc(nm->devs, (nm->ndevs + 2) * sizeof(*nd));
	if (!nd)
		return SKBT_DEV_NONE;
	nm->devs = nd;
	copy = strndup(s, n);
	if (!copy)
		return SKBT_DEV_NONE;
	nm->devs[++nm->ndevs] = copy;
	for (j = h & (nm->dcap - 1); nm->dtab[j].id; j = (j + 1) & (nm->dcap - 1))
		;
	nm->dtab[j].hash = h;
	nm->dtab[j].id = nm->ndevs;
	return nm->ndevs;
}

/* Read the device name of record @d (type @t, slot @type) into @r. */
static void read_dev(const struct skbt_events *ev, const struct etype *t, unsigned int type,
		     const uint8_t *d, int size, struct dev_raw *r)
{
	uint32_t loc = (uint32_t)rdf(ev, d, t->dev);
	uint32_t off = loc & 0xffff, len = loc >> 16;
	const char *s;
	char *copy;
	size_t n;

	r->how = DEV_RAW_NONE;
	if (t->dev_rel)
		off += t->dev.off + t->dev.size;
	if (off > (uint32_t)size || len > (uint32_t)size - off)
		return;
	s = (const char *)d + off;
	r->type = (uint8_t)type;
	if (len <= 16) {
		uint64_t w0 = 0, w1 = 0;

		if (len) {
			/*
			 * Reading 16 bytes may pass the end of the record but not of the
			 * sub-buffer block, which has slack after its last page (tracefile.c
			 * PAGE_SLACK).
			 */
			memcpy(&w0, s, 8);
			memcpy(&w1, s + 8, 8);
			w0 &= mask_bytes(len < 8 ? len : 8);
			w1 &= mask_bytes(len > 8 ? len - 8 : 0);
		}
		r->how = DEV_RAW_SHORT;
		r->loclen = (uint16_t)len;
		r->w0 = w0;
		r->w1 = w1;
		return;
	}
	/* longer than IFNAMSIZ: only odd files; copied, as the bytes go with the block */
	n = strnlen(s, len);
	if (n >= DEV_NAME_MAX)
		n = DEV_NAME_MAX - 1;
	copy = strndup(s, n);
	if (!copy)
		return;		/* out of memory: no device */
	r->how = DEV_RAW_LONG;
	r->w0 = (uintptr_t)copy;
}

static void names_free(struct devnames *nm)
{
	for (int i = 1; i <= nm->ndevs; i++)
		free(nm->devs[i]);
	free(nm->devs);
	free(nm->dtab);
}

/* A long name read but never delivered (a stream closed early). */
static void dev_raw_free(struct dev_raw *r)
{
	if (r->how == DEV_RAW_LONG)
		free((char *)(uintptr_t)r->w0);
	r->how = DEV_RAW_NONE;
}

/* Id of the short name in @r's first 16 bytes (DEV_RAW_SHORT, DEV_RAW_LOCAL), interned. */
static unsigned int dev_intern_short(struct devnames *nm, const struct dev_raw *r)
{
	char name[16];

	memcpy(name, &r->w0, 8);
	memcpy(name + 8, &r->w1, 8);
	return dev_intern(nm, name, strnlen(name, r->loclen));
}

/* The id of a device name read by read_dev(), in delivery order (a long name's copy freed). */
/* Whether cache entry @c holds the short name of @r. */
static inline bool dev_cache_is(const struct dev_cache *c, const struct dev_raw *r)
{
	return c->loclen == r->loclen && c->w0 == r->w0 && c->w1 == r->w1;
}

static unsigned int dev_resolve(struct devnames *nm, struct dev_raw *r)
{
	struct dev_cache *last;

	if (r->how == DEV_RAW_NONE)
		return SKBT_DEV_NONE;
	last = &nm->last[r->type];	/* set with how */
	switch (r->how) {
	case DEV_RAW_SHORT:
		if (r->loclen && dev_cache_is(last, r))
			return last->id;
		if (r->loclen) {
			struct dev_cache *p = &nm->prev[r->type];
			uint64_t k;
			struct dev_cache *c;

			if (dev_cache_is(p, r))
				return p->id;
			k = ((r->w0 ^ r->w1 * 0x9e3779b97f4a7c15ULL) + r->loclen) *
			    0xff51afd7ed558ccdULL;
			c = &nm->dcache[k >> 40 & (DEV_CACHE - 1)];
			if (!dev_cache_is(c, r)) {
				c->id = (uint16_t)dev_intern_short(nm, r);
				c->loclen = r->loclen;
				c->w0 = r->w0;
				c->w1 = r->w1;
			}
			*p = *last;
			*last = *c;
			return c->id;
		}
		last->id = SKBT_DEV_NONE;	/* an empty name: dev_intern()'s answer */
		last->loclen = 0;
		last->w0 = r->w0;
		last->w1 = r->w1;
		return last->id;
	case DEV_RAW_LONG: {
		char *copy = (char *)(uintptr_t)r->w0;

		last->id = (uint16_t)dev_intern(nm, copy, strlen(copy));
		last->loclen = 0;
		last->w0 = 0;
		last->w1 = 0;
		free(copy);
		r->how = DEV_RAW_NONE;
		return last->id;
	}
	default:
		return SKBT_DEV_NONE;
	}
}

/* ---------- setup ---------- */

static struct fld field_of(struct tep_event *e, const char *name, bool common)
{
	struct tep_format_field *f = common ? tep_find_common_field(e, name) :
					      tep_find_field(e, name);
	struct fld r = { 0, 0 };

	if (!f || f->offset < 0 || f->offset > 0xffff - 8)
		return r;
	if (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8)
		return r;
	r.off = f->offset;
	r.size = f->size;
	return r;
}

static void set_min(struct etype *t, struct fld f)
{
	if (f.size && f.off + f.size > t->min_size)
		t->min_size = f.off + f.size;
}

static void setup_type(struct skbt_events *ev, enum skbt_kind k, struct tep_event *e)
{
	struct etype *t = &ev->types[k + 1];
	const char *dn = kinds[k].dev;
	int i;

	t->kind = k;
	t->payload = kinds[k].payload;
	t->min_size = 2;
	for (i = 0; i < 5; i++)
		if (kinds[k].fields[i])
			t->f[F_SKB + i] = field_of(e, kinds[k].fields[i], false);
	t->f[F_PID] = field_of(e, "common_pid", true);
	t->f[F_FLAGS] = field_of(e, "common_flags", true);
	for (i = 0; i < NFIELDS; i++)
		set_min(t, t->f[i]);
	if (dn) {
		struct tep_format_field *f = tep_find_field(e, dn);

		if (f && (f->flags & TEP_FIELD_IS_DYNAMIC) && f->size == 4 && f->offset >= 0 &&
		    f->offset <= 0xffff - 8) {
			t->dev.off = f->offset;
			t->dev.size = 4;
			t->dev_rel = f->flags & TEP_FIELD_IS_RELATIVE;
			set_min(t, t->dev);
		}
	}
	if (e->id >= 0 && e->id <= 0xffff)
		ev->slot[e->id] = k + 1;
	ev->has[k] = true;
}

/* ---------- symbol tables from print_fmt ---------- */

static struct tep_print_arg *find_symbolic(struct tep_print_arg *a, const char *field,
					   int depth)
{
	struct tep_print_arg *r;

	for (; a && depth < 32; a = a->next) {
		switch (a->type) {
		case TEP_PRINT_SYMBOL:
			if (a->symbol.field && a->symbol.field->type == TEP_PRINT_FIELD &&
			    a->symbol.field->field.name &&
			    !strcmp(a->symbol.field->field.name, field))
				return a;
			break;
		case TEP_PRINT_OP:
			if ((r = find_symbolic(a->op.left, field, depth + 1)) ||
			    (r = find_symbolic(a->op.right, field, depth + 1)))
				return r;
			break;
		case TEP_PRINT_TYPE:
			if ((r = find_symbolic(a->typecast.item, field, depth + 1)))
				return r;
			break;
		default:
			break;
		}
	}
	return NULL;
}

static int sym_cmp(const void *a, const void *b, void *arg)
{
	const uint64_t *v = arg;
	int i = *(const int *)a, j = *(const int *)b;

	return v[i] < v[j] ? -1 : v[i] > v[j];
}

/* Table of the __print_symbolic() of @field in the print format of @e (may stay empty). */
static int load_symtab(struct tep_event *e, const char *field, struct symtab *st)
{
	struct tep_print_arg *a;
	struct tep_print_flag_sym *s;
	int n = 0, i, *idx;
	uint64_t *val;
	char **name;

	if (!e)
		return 0;
	a = find_symbolic(e->print_fmt.args, field, 0);
	if (!a)
		return 0;
	for (s = a->symbol.symbols; s && n < 100000; s = s->next)
		n++;
	val = calloc(n ? n : 1, sizeof(*val));
	name = calloc(n ? n : 1, sizeof(*name));
	idx = calloc(n ? n : 1, sizeof(*idx));
	if (!val || !name || !idx)
		goto nomem;
	n = 0;
	for (s = a->symbol.symbols; s && n < 100000; s = s->next) {
		char *end;

		if (!s->value || !s->str)
			continue;
		val[n] = strtoull(s->value, &end, 0);
		if (end == s->value || *end)
			continue;	/* not a number: an enum the kernel did not resolve */
		name[n] = s->str;
		idx[n] = n;
		n++;
	}
	qsort_r(idx, n, sizeof(*idx), sym_cmp, val);
	st->val = malloc((n ? n : 1) * sizeof(*st->val));
	st->name = malloc((n ? n : 1) * sizeof(*st->name));
	if (!st->val || !st->name)
		goto nomem;
	for (i = 0; i < n; i++) {
		st->val[i] = val[idx[i]];
		st->name[i] = strdup(name[idx[i]]);
		if (!st->name[i])
			goto nomem;
		st->n = i + 1;
	}
	free(val);
	free(name);
	free(idx);
	return 0;
nomem:
	free(val);
	free(name);
	free(idx);
	return -ENOMEM;
}

static const char *sym_lookup(const struct symtab *st, uint64_t v)
{
	int lo = 0, hi = st->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (st->val[mid] == v)
			return st->name[mid];
		if (st->val[mid] < v)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

static void free_symtab(struct symtab *st)
{
	int i;

	for (i = 0; i < st->n; i++)
		free(st->name[i]);
	free(st->name);
	free(st->val);
}

/* ---------- buffer choice ---------- */

/* Does buffer @buf hold a record of type @id in its first SCAN_RECORDS per CPU? */
static bool buffer_has_type(struct skbt_tracefile *tf, int buf, int id, bool swap)
{
	int cpu, ncpus = skbt_tracefile_buffer_ncpus(tf, buf);

	for (cpu = 0; cpu < ncpus; cpu++) {
		struct skbt_cpu_stream *s;
		struct skbt_raw_record r;
		unsigned int n = 0;
		bool found = false;

		if (skbt_cpu_stream_open(tf, buf, cpu, &s, NULL))
			continue;
		while (!found && n++ < SCAN_RECORDS && skbt_cpu_stream_next(s, &r, NULL) == 1) {
			uint16_t t;

			if (r.size < 2)
				continue;
			memcpy(&t, r.data, 2);
			if (swap)
				t = __builtin_bswap16(t);
			found = t == id;
		}
		skbt_cpu_stream_close(s);
		if (found)
			return true;
	}
	return false;
}

static int choose_buffer(struct skbt_tracefile *tf, struct tep_handle *tep, bool swap)
{
	struct tep_event *e = skbt_tracefile_event(tf, "net", "netif_receive_skb");
	int i, n = skbt_tracefile_nbuffers(tf), first = -1;

	for (i = 0; i < n; i++) {
		if (!skbt_tracefile_buffer_bytes(tf, i))
			continue;
		if (first < 0)
			first = i;
		if (e && buffer_has_type(tf, i, e->id, swap))
			return i;
	}
	return first < 0 ? 0 : first;
}

/* ---------- merge: tournament tree ---------- */

static inline bool key_less(struct mkey x, struct mkey y)
{
	return x.ts < y.ts || (x.ts == y.ts && x.cpu < y.cpu);
}

/*
 * The winner's key is now @k: play it up from its leaf against the losers on the way, one
 * compare a level (log2 of the CPUs), the smaller key going on.  Which one wins a match is
 * as good as random when many CPUs are busy, so the swaps are masks, not branches: written
 * as ?: (and the compare with ||), gcc -O2 made them branches, mispredicted about one level
 * in two (a fifth of all samples at 256 CPUs sat on them).  Inlined: it runs once an event,
 * and with two CPUs the call was a third of its instructions.
 */
static inline __attribute__((always_inline))
void replay(struct skbt_events *ev, uint32_t leaf, struct mkey k)
{
	struct mkey *l = ev->loser;
	uint32_t i;

	for (i = (ev->nleaves + leaf) >> 1; i; i >>= 1) {
		struct mkey o = l[i];
		uint64_t sw = (uint64_t)(o.ts < k.ts) | ((uint64_t)(o.ts == k.ts) & (o.cpu < k.cpu));
		uint64_t m = 0 - sw;	/* all ones: o wins, k stays here */
		uint64_t dts = (o.ts ^ k.ts) & m;
		uint32_t dcpu = (o.cpu ^ k.cpu) & (uint32_t)m;

		l[i].ts = o.ts ^ dts;
		l[i].cpu = o.cpu ^ dcpu;
		k.ts ^= dts;
		k.cpu ^= dcpu;
	}
	ev->win = k;
}

/* Play every match once, bottom up, from the sources' first keys. */
static int build_tree(struct skbt_events *ev)
{
	uint32_t n = 1, i;
	struct mkey *w;

	while (n < (uint32_t)ev->nsrcs)
		n *= 2;
	ev->nleaves = n;
	ev->loser = calloc(n, sizeof(*ev->loser));
	w = calloc(2 * (size_t)n, sizeof(*w));	/* the winner of each match */
	if (!ev->loser || !w) {
		free(w);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		w[n + i] = KEY_END;
	for (i = 0; i < (uint32_t)ev->nsrcs; i++)
		if (ev->srcs[i].has_rec)
			w[n + i] = (struct mkey){ ev->srcs[i].ts, i };
	for (i = n - 1; i >= 1; i--) {
		bool r = key_less(w[2 * i + 1], w[2 * i]);

		w[i] = w[2 * i + r];
		ev->loser[i] = w[2 * i + !r];
	}
	ev->win = w[1];
	free(w);
	return 0;
}

static void decode(const struct skbt_events *ev, const struct skbt_raw_record *rec, uint64_t ts,
		   uint32_t cpu, struct skbt_event *out, struct dev_raw *dev);

/* The next record of @src, decoded once decoding has begun: 1 got one, 0 end, <0 error. */
static int src_advance(struct skbt_events *ev, struct src *src, struct skbt_err *err)
{
	int ret = skbt_cpu_stream_next(src->s, &src->rec, err);

	if (ret != 1)
		return ret;
	if (src->rec.ts < src->ts) {
		ev->backwards++;	/* delivered with the last good timestamp */
	} else {
		src->ts = src->rec.ts;
	}
	src->lost_pending = src->rec.missed != 0;
	src->decoded = ev->decoding;
	if (src->decoded)
		decode(ev, &src->rec, src->ts, src->cpu, &src->head, &src->dev);
	/*
	 * Ask now for the lines of the record after it, read when this source next comes
	 * up: with many busy CPUs that is after the other CPUs' records, time enough for the
	 * load, and more streams than the hardware prefetcher follows.  Its start is here
	 * (or past the page's end: a prefetch does not fault); records above 128 bytes are
	 * rare.
	 */
	{
		const uint8_t *next = (const uint8_t *)src->rec.data + src->rec.size;

		__builtin_prefetch(next);
		__builtin_prefetch(next + 64);
		__builtin_prefetch(next + 128);
		if (ev->next_rec)
			ev->next_rec[src->cpu] = next;
	}
	return 1;
}

/*
 * Ask for the lines that the next skbt_events_next() reads first: the winner's source
 * (its decoded head), its stream's state and the record its advance reads.  The caller's
 * work on the record just delivered (journeys, statistics) gives them time to arrive; with
 * many busy CPUs the winner's lines were last used 1 record in every CPUs ago, long out of
 * L1.
 */
static void prefetch_winner(const struct skbt_events *ev)
{
	uint32_t c = ev->win.cpu;
	const char *p;

	if (c == UINT32_MAX || !ev->strm)
		return;
	p = (const char *)&ev->srcs[c];
	for (size_t o = 0; o < sizeof(struct src); o += 64)
		__builtin_prefetch(p + o);
	__builtin_prefetch(&p[sizeof(struct src) - 1]);
	skbt_cpu_stream_prefetch(ev->strm[c]);
	__builtin_prefetch(ev->next_rec[c]);
	__builtin_prefetch(ev->next_rec[c] + 64);	/* the device name at its end */
}

/* ---------- decoding ahead (see struct dslot) ---------- */

/*
 * The thread's side: whether @r has @room slots free.  Awake, it fills every ring with room
 * for a batch; it sleeps when none is half empty, so a wake-up is worth half a ring.
 */
static bool ring_wants(struct ring *r, uint32_t cap, uint32_t room)
{
	uint32_t used = atomic_load_explicit(&r->head, memory_order_relaxed) -
			atomic_load_explicit(&r->tail, memory_order_seq_cst);

	return !atomic_load_explicit(&r->ended, memory_order_relaxed) && cap - used >= room;
}

/*
 * Wake the side waiting on @cv, which checks its condition holding @mu: once we had @mu it
 * waits (or saw the change).  Signalled after the unlock, so that it does not wake only to
 * wait for the mutex (a futex call more on each side).
 */
static void wake(pthread_mutex_t *mu, pthread_cond_t *cv)
{
	pthread_mutex_lock(mu);
	pthread_mutex_unlock(mu);
	pthread_cond_broadcast(cv);
}

/* A LOST before the record that follows it, same timestamp (as skbt_events_next() makes). */
static void lost_slot(struct dslot *x, uint64_t ts, uint32_t cpu, uint64_t missed)
{
	memset(&x->e, 0, sizeof(x->e));
	x->e.ts = ts;
	x->e.cpu = cpu;
	x->e.kind = SKBT_EV_LOST;
	x->e.u.lost.count = missed;
}

/*
 * The device of a record decoded into a slot of one line: its raw device name in the event's
 * dev and reserved, or for a short name the thread's id for it in dev (DEV_RAW_LOCAL), the
 * name kept for the merge's first delivery of that id.
 */
static void slot_dev_put(struct dslot *x, const struct dev_raw *r, unsigned int local)
{
	x->e.dev = local ? (uint16_t)local : r->type;
	x->e.reserved = (uint8_t)((local ? DEV_RAW_LOCAL : r->how) | r->loclen << 2);
	x->w0 = r->w0;
	x->w1 = r->w1;
}

static void slot_raw(const struct dslot *x, struct dev_raw *r)
{
	r->how = x->e.reserved & 3;
	r->type = (uint8_t)x->e.dev;
	r->loclen = x->e.reserved >> 2;
	r->w0 = x->w0;
	r->w1 = x->w1;
}

/* The thread's side: read and decode up to DEC_BATCH records of @src into its ring @r. */
static void ring_fill(struct skbt_events *ev, struct src *src, struct ring *r)
{
	struct decoder *d = ev->dec;
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t room = d->cap - (head - atomic_load_explicit(&r->tail, memory_order_acquire));
	struct skbt_raw_record rec;
	struct skbt_err err;	/* read only after a failure filled it */
	struct dslot *x;
	struct dev_raw raw;
	int ret = 1;

	if (room > d->batch)
		room = d->batch;
	for (; room >= 2; room--) {	/* room for a LOST and its record */
		ret = skbt_cpu_stream_next(src->s, &rec, &err);
		if (ret != 1)
			break;
		if (rec.ts < r->ts)
			atomic_fetch_add_explicit(&d->backwards, 1, memory_order_relaxed);
		else
			r->ts = rec.ts;
		if (rec.missed) {
			lost_slot(&r->slot[head++ & r->mask], r->ts, src->cpu, rec.missed);
			room--;
		}
		/* decoded in place: the slot is the thread's until head moves past it */
		x = &r->slot[head++ & r->mask];
		decode(ev, &rec, r->ts, src->cpu, &x->e, &raw);
		/* SKBT_DEV_NONE (an empty name, a full table): the merge resolves it */
		slot_dev_put(x, &raw, raw.how == DEV_RAW_SHORT ? dev_resolve(&d->names, &raw) : 0);
	}
	if (ret < 0) {
		r->err = ret;
		memcpy(r->msg, err.msg, sizeof(r->msg));
	}
	atomic_store_explicit(&r->head, head, memory_order_seq_cst);
	if (ret != 1)
		atomic_store_explicit(&r->ended, true, memory_order_seq_cst);
	if (atomic_load_explicit(&d->waiting, memory_order_seq_cst))
		wake(&d->mu, &d->ready);
}

static void *dec_main(void *arg)
{
	struct skbt_events *ev = arg;
	struct decoder *d = ev->dec;

	while (!atomic_load_explicit(&d->stop, memory_order_relaxed)) {
		uint32_t w = atomic_load_explicit(&d->waiting, memory_order_relaxed);
		bool open = false, did = false;

		/* the ring the merge waits for first */
		if (w && ring_wants(&d->rings[w - 1], d->cap, 2))
			ring_fill(ev, &ev->srcs[w - 1], &d->rings[w - 1]);
		for (int i = 0; i < ev->nsrcs; i++) {
			struct ring *r = &d->rings[i];

			if (atomic_load_explicit(&r->ended, memory_order_relaxed))
				continue;
			open = true;
			if (!ring_wants(r, d->cap, d->batch))
				continue;
			ring_fill(ev, &ev->srcs[i], r);
			did = true;
		}
		if (!open)
			break;
		if (did)
			continue;
		pthread_mutex_lock(&d->mu);
		atomic_store_explicit(&d->sleeping, true, memory_order_seq_cst);
		did = atomic_load_explicit(&d->stop, memory_order_relaxed);
		for (int i = 0; i < ev->nsrcs && !did; i++)
			did = ring_wants(&d->rings[i], d->cap, d->cap / 2);
		if (!did)
			pthread_cond_wait(&d->work, &d->mu);
		atomic_store_explicit(&d->sleeping, false, memory_order_relaxed);
		pthread_mutex_unlock(&d->mu);
	}
	return NULL;
}

static void dec_free(struct skbt_events *ev)
{
	struct decoder *d = ev->dec;

	if (!d)
		return;
	for (int i = 0; d->rings && i < ev->nsrcs; i++) {
		struct ring *r = &d->rings[i];
		uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

		for (uint32_t k = r->t; r->slot && k != head; k++) {
			struct dev_raw raw;

			slot_raw(&r->slot[k & r->mask], &raw);
			if (r->slot[k & r->mask].e.kind != SKBT_EV_LOST)
				dev_raw_free(&raw);	/* never delivered */
		}
		free(r->slot);
	}
	free(d->rings);
	names_free(&d->names);
	free(d->map);
	pthread_cond_destroy(&d->ready);
	pthread_cond_destroy(&d->work);
	pthread_mutex_destroy(&d->mu);
	free(d);
	ev->dec = NULL;
}

/*
 * From the first skbt_events_next() on (skbt_events_without() may come before it): each
 * source's head, read at the open, goes into its ring, then the thread reads on.  Without a
 * thread the merge decodes as before.
 */
static void dec_start(struct skbt_events *ev)
{
	struct decoder *d;
	size_t per = DEC_RING_BYTES / (size_t)(ev->nsrcs ? ev->nsrcs : 1) / sizeof(struct dslot);
	uint32_t cap = DEC_RING_MIN;

	if ((size_t)ev->nsrcs > DEC_MAX_SRCS || !(d = calloc(1, sizeof(*d))))
		return;
	while (cap < DEC_RING_MAX && cap * 2 <= per)
		cap *= 2;
	d->cap = cap;
	d->batch = cap / 4 < DEC_BATCH ? cap / 4 : DEC_BATCH;
	d->map = calloc(MAX_DEVS + 1, sizeof(*d->map));
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->work, NULL);
	pthread_cond_init(&d->ready, NULL);
	ev->dec = d;
	d->rings = aligned_alloc(64, sizeof(*d->rings) * ev->nsrcs);
	if (!d->rings || !d->map)
		goto fail;
	memset(d->rings, 0, sizeof(*d->rings) * ev->nsrcs);
	for (int i = 0; i < ev->nsrcs; i++) {
		struct ring *r = &d->rings[i];
		struct src *src = &ev->srcs[i];
		uint32_t n = 0;
		struct dev_raw raw;

		r->mask = cap - 1;
		r->slot = aligned_alloc(64, sizeof(*r->slot) * cap);
		if (!r->slot)
			goto fail;
		if (!src->has_rec) {
			atomic_store_explicit(&r->ended, true, memory_order_relaxed);
			continue;
		}
		if (src->lost_pending)
			lost_slot(&r->slot[n++], src->ts, src->cpu, src->rec.missed);
		decode(ev, &src->rec, src->ts, src->cpu, &r->slot[n].e, &raw);
		slot_dev_put(&r->slot[n++], &raw, 0);
		r->ts = src->ts;
		r->h = n;
		atomic_store_explicit(&r->head, n, memory_order_relaxed);
	}
	if (skbt_thread_start(&d->thr, NULL, dec_main, ev))
		goto fail;
	return;
fail:
	dec_free(ev);
}

static void dec_stop(struct skbt_events *ev)
{
	struct decoder *d = ev->dec;

	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	atomic_store_explicit(&d->stop, true, memory_order_relaxed);
	pthread_cond_signal(&d->work);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thr, NULL);
	dec_free(ev);
}

/* The merge's side: publish what it took of @r, waking the thread if @r is half empty. */
static void ring_publish(struct decoder *d, struct ring *r)
{
	atomic_store_explicit(&r->tail, r->t, memory_order_seq_cst);
	/* one wake-up a sleep: the thread may take a while to run, and the merge goes on */
	if (atomic_load_explicit(&r->head, memory_order_relaxed) - r->t <= d->cap / 2 &&
	    atomic_load_explicit(&d->sleeping, memory_order_seq_cst) &&
	    atomic_exchange_explicit(&d->sleeping, false, memory_order_seq_cst))
		wake(&d->mu, &d->work);
}

/* The merge's side: wait until ring @c has a record or its stream ended. */
static void ring_wait(struct decoder *d, struct ring *r, uint32_t c)
{
	ring_publish(d, r);
	pthread_mutex_lock(&d->mu);
	atomic_store_explicit(&d->waiting, c + 1, memory_order_seq_cst);
	if (atomic_exchange_explicit(&d->sleeping, false, memory_order_seq_cst))
		pthread_cond_signal(&d->work);
	while (atomic_load_explicit(&r->head, memory_order_seq_cst) == r->t &&
	       !atomic_load_explicit(&r->ended, memory_order_seq_cst))
		pthread_cond_wait(&d->ready, &d->mu);
	atomic_store_explicit(&d->waiting, 0, memory_order_relaxed);
	pthread_mutex_unlock(&d->mu);
}

/*
 * The merge's id of the device of slot @x, given its first delivery (see struct decoder), or
 * of a name the thread left to the merge.  Out of line: most records hit the map.
 */
static __attribute__((noinline)) unsigned int slot_dev(struct skbt_events *ev,
						       const struct dslot *x)
{
	struct dev_raw raw;

	slot_raw(x, &raw);
	if (raw.how == DEV_RAW_LOCAL)
		return ev->dec->map[x->e.dev] = (uint16_t)dev_intern_short(&ev->names, &raw);
	return dev_resolve(&ev->names, &raw);
}

/*
 * The merge took the last record the thread had published in ring @c: wait for more, or
 * (0) its stream ended.  Out of line, as the rest of next_ahead() is the usual case.
 */
static __attribute__((noinline)) int ring_more(struct skbt_events *ev, struct ring *r, uint32_t c)
{
	struct decoder *d = ev->dec;

	r->h = atomic_load_explicit(&r->head, memory_order_acquire);
	if (r->t == r->h) {
		if (!atomic_load_explicit(&r->ended, memory_order_acquire))
			ring_wait(d, r, c);
		r->h = atomic_load_explicit(&r->head, memory_order_acquire);
	}
	if (r->t != r->h)
		return 1;
	/* ended: the thread's last store */
	if (r->err < 0 && !ev->pending_err) {
		ev->pending_err = r->err;
		memcpy(ev->pending_msg, r->msg, sizeof(ev->pending_msg));
	}
	ev->srcs[c].has_rec = false;
	replay(ev, c, KEY_END);
	return 0;
}

/* skbt_events_next() from the rings: the same events in the same order. */
static int next_ahead(struct skbt_events *ev, struct skbt_event *out)
{
	struct decoder *d = ev->dec;
	uint32_t c = ev->win.cpu;
	struct ring *r = &d->rings[c];
	struct dslot *x = &r->slot[r->t & r->mask];

	*out = x->e;
	out->reserved = 0;
	out->dev = SKBT_DEV_NONE;
	if (out->kind != SKBT_EV_LOST) {
		unsigned int how = x->e.reserved & 3;

		if (how == DEV_RAW_LOCAL)
			out->dev = d->map[x->e.dev];
		if (how != DEV_RAW_NONE && !out->dev)	/* no device (a free): none */
			out->dev = slot_dev(ev, x);
	}
	ev->count[out->kind]++;
	if (++r->t % DEC_PUBLISH == 0)
		ring_publish(d, r);
	if (r->t == r->h && !ring_more(ev, r, c))
		return 1;
	/* the thread wrote them on its CPU: ask for a few lines ahead of the one read now */
	__builtin_prefetch(&r->slot[(r->t + DEC_AHEAD) & r->mask]);
	replay(ev, c, (struct mkey){ r->slot[r->t & r->mask].e.ts, c });
	c = ev->win.cpu;
	if (c != UINT32_MAX)
		__builtin_prefetch(&d->rings[c].slot[d->rings[c].t & d->rings[c].mask]);
	return 1;
}

/* ---------- open / close ---------- */

/* Its lines apart from other memory: the decoding thread reads its first, the merge writes. */
static struct skbt_events *ev_alloc(void)
{
	struct skbt_events *ev = aligned_alloc(64, sizeof(*ev));

	if (ev)
		memset(ev, 0, sizeof(*ev));
	return ev;
}

static void only_enabled(struct skbt_events *ev, const struct skbt_tracefile *tf);

/* What both kinds of stream need: the event types, their fields, the symbol tables. */
static int setup(struct skbt_events *ev, struct skbt_tracefile *tf, struct skbt_err *err)
{
	struct tep_handle *tep = skbt_tracefile_tep(tf);
	int k, ret;

	ev->tf = tf;
	ev->tep = tep;
	ev->swap = tep_is_file_bigendian(tep) != tep_is_local_bigendian(tep);
	ev->slot = calloc(65536, 1);
	if (!ev->slot)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	ev->types[0].kind = SKBT_EV_OTHER;
	for (k = 0; k < SKBT_EV_LOST; k++) {
		struct tep_event *e = skbt_tracefile_event(tf, kinds[k].sys, kinds[k].name);

		if (e)
			setup_type(ev, k, e);
	}
	ev->has[SKBT_EV_LOST] = true;
	ev->has[SKBT_EV_OTHER] = skbt_tracefile_has_formats(tf);
	only_enabled(ev, tf);
	ret = load_symtab(skbt_tracefile_event(tf, "skb", "kfree_skb"), "reason", &ev->reasons);
	if (!ret)
		ret = load_symtab(skbt_tracefile_event(tf, "openvswitch", "ovs_do_execute_action"),
				  "action_type", &ev->actions);
	if (ret)
		return skbt_err_set(err, ret, "out of memory");
	return 0;
}

int skbt_events_open(struct skbt_tracefile *tf, const char *buffer, struct skbt_events **evp,
		     struct skbt_err *err)
{
	struct skbt_events *ev;
	struct tep_handle *tep = skbt_tracefile_tep(tf);
	int cpu, ncpus, ret;

	*evp = NULL;
	ev = ev_alloc();
	if (!ev)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	ret = setup(ev, tf, err);
	if (ret)
		goto fail;
	/*
	 * The decoding thread expands the chunks of the streams it reads; the choice of buffer
	 * below reads the first records of one CPU, where a thread expanding four chunks ahead
	 * would be started for nothing.
	 */
	ev->threads_ok = skbt_tracefile_threads_ok(tf);
	if (ev->threads_ok)
		skbt_tracefile_expand_in_place(tf);
	if (buffer) {
		ev->buf = skbt_tracefile_buffer_find(tf, buffer);
		if (ev->buf < 0) {
			ret = skbt_err_set(err, -ENOENT, "no buffer \"%s\" in the file", buffer);
			goto fail;
		}
	} else {
		ev->buf = choose_buffer(tf, tep, ev->swap);
	}
	ncpus = skbt_tracefile_buffer_ncpus(tf, ev->buf);
	ev->srcs = calloc(ncpus ? ncpus : 1, sizeof(*ev->srcs));
	ev->strm = calloc(ncpus ? ncpus : 1, sizeof(*ev->strm));
	ev->next_rec = calloc(ncpus ? ncpus : 1, sizeof(*ev->next_rec));
	if (!ev->srcs || !ev->strm || !ev->next_rec) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		struct src *src = &ev->srcs[ev->nsrcs];

		ret = skbt_cpu_stream_open(tf, ev->buf, cpu, &src->s, err);
		if (ret)
			goto fail;
		ev->strm[cpu] = src->s;
		src->cpu = cpu;
		ev->nsrcs++;
		ret = src_advance(ev, src, err);
		if (ret < 0)
			goto fail;
		src->has_rec = ret == 1;
	}
	if (build_tree(ev)) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	*evp = ev;
	return 0;
fail:
	skbt_events_close(ev);
	return ret;
}

int skbt_events_open_live(struct skbt_tracefile *tf, int ncpus, struct skbt_events **evp,
			  struct skbt_err *err)
{
	struct skbt_events *ev;
	int ret;

	*evp = NULL;
	if (ncpus <= 0 || ncpus > 65536)
		return skbt_err_set(err, -EINVAL, "bad CPU count %d", ncpus);
	ev = ev_alloc();
	if (!ev)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	ev->live = true;
	ret = setup(ev, tf, err);
	if (ret)
		goto fail;
	ev->srcs = calloc(ncpus, sizeof(*ev->srcs));
	if (!ev->srcs) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	for (int cpu = 0; cpu < ncpus; cpu++) {
		ret = skbt_cpu_stream_open_live(tf, cpu, &ev->srcs[cpu].s);
		if (ret) {
			skbt_err_set(err, ret, "out of memory");
			goto fail;
		}
		ev->srcs[cpu].cpu = cpu;
		ev->nsrcs++;
	}
	if (build_tree(ev)) {	/* every leaf at its end until the first push */
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	*evp = ev;
	return 0;
fail:
	skbt_events_close(ev);
	return ret;
}

int skbt_events_push(struct skbt_events *ev, int cpu, const void *pages, size_t len,
		     uint64_t hold)
{
	bool back = false;
	int ret = 0;

	if (!ev->live || cpu < 0 || cpu >= ev->nsrcs)
		return -EINVAL;
	ev->hold = hold;
	if (len)
		ret = skbt_cpu_stream_push(ev->srcs[cpu].s, pages, len);
	if (ret)
		return ret;
	/*
	 * A CPU whose records were all delivered has a head again: back into the tree, played
	 * anew (a leaf other than the winner's cannot be replayed alone; a push is once per
	 * read of a CPU, the tree a few KB).
	 */
	for (int i = 0; i < ev->nsrcs; i++) {
		struct src *src = &ev->srcs[i];

		if (src->has_rec || src_advance(ev, src, NULL) != 1)
			continue;
		src->has_rec = true;
		back = true;
	}
	if (back) {
		free(ev->loser);
		ev->loser = NULL;
		if (build_tree(ev))
			return -ENOMEM;
	}
	return 0;
}

void skbt_events_close(struct skbt_events *ev)
{
	int i;

	if (!ev)
		return;
	dec_stop(ev);	/* before the streams it reads */
	for (i = 0; i < ev->nsrcs; i++) {
		dev_raw_free(&ev->srcs[i].dev);
		skbt_cpu_stream_close(ev->srcs[i].s);
	}
	free(ev->srcs);
	free(ev->strm);
	free(ev->next_rec);
	free(ev->loser);
	free(ev->slot);
	names_free(&ev->names);
	free_symtab(&ev->reasons);
	free_symtab(&ev->actions);
	free(ev);
}

/* ---------- the per-record path ---------- */

/* Read-only on @ev but for a long device name's copy: the decoding thread runs it too. */
static void decode(const struct skbt_events *ev, const struct skbt_raw_record *rec, uint64_t ts,
		   uint32_t cpu, struct skbt_event *out, struct dev_raw *dev)
{
	const uint8_t *d = rec->data;
	int size = rec->size;
	const struct etype *t;
	uint16_t type;

	memset(out, 0, sizeof(*out));
	out->ts = ts;
	out->cpu = cpu;
	out->kind = SKBT_EV_OTHER;
	dev->how = DEV_RAW_NONE;
	dev->type = 0;
	if (size < 8)
		return;
	memcpy(&type, d, 2);
	if (ev->swap)
		type = __builtin_bswap16(type);
	t = &ev->types[ev->slot[type]];
	if (size < t->min_size)
		return;		/* too short for its own format: count it as other */
	out->kind = t->kind;
	out->pid = (int32_t)rdf(ev, d, t->f[F_PID]);
#ifdef SKBT_CTX_HARDIRQ
	{
		unsigned int fl = (unsigned int)rdf(ev, d, t->f[F_FLAGS]);

		out->ctx = (fl & TRACE_FLAG_HARDIRQ ? SKBT_CTX_HARDIRQ : 0) |
			   (fl & TRACE_FLAG_SOFTIRQ ? SKBT_CTX_SOFTIRQ : 0) |
			   (fl & TRACE_FLAG_NMI ? SKBT_CTX_NMI : 0);
	}
#endif
	if (t->kind == SKBT_EV_OTHER)
		return;
	out->skb = rdf(ev, d, t->f[F_SKB]);
	out->len = (uint32_t)rdf(ev, d, t->f[F_LEN]);
	if (t->dev.size)
		read_dev(ev, t, ev->slot[type], d, size, dev);
	switch (t->payload) {
	case P_NAPI:
		out->u.napi.work = (int32_t)rdf(ev, d, t->f[F_A]);
		out->u.napi.budget = (int32_t)rdf(ev, d, t->f[F_B]);
		break;
	case P_DROP:
		out->u.drop.reason = (uint32_t)rdf(ev, d, t->f[F_A]);
		out->u.drop.location = rdf(ev, d, t->f[F_B]);
		out->u.drop.protocol = (uint16_t)rdf(ev, d, t->f[F_C]);
		break;
	case P_SOFTIRQ:
		out->u.softirq.vec = (uint32_t)rdf(ev, d, t->f[F_A]);
		break;
	case P_OVS:
		out->u.ovs.action = (uint32_t)rdf(ev, d, t->f[F_A]);
		out->u.ovs.truesize = (uint32_t)rdf(ev, d, t->f[F_B]);
		break;
	case P_RET:
		out->u.ret.rc = (int32_t)rdf(ev, d, t->f[F_A]);
		break;
	case P_ENTRY:
		out->u.entry.hash = (uint32_t)rdf(ev, d, t->f[F_A]);
		out->u.entry.truesize = (uint32_t)rdf(ev, d, t->f[F_B]);
		break;
	default:
		break;
	}
}

/* skbt_events_next() but for the usual case: the first call, no thread, live, the end */
static __attribute__((noinline))
int next_slow(struct skbt_events *ev, struct skbt_event *out, struct skbt_err *err)
{
	struct src *src;
	int ret;

	if (ev->win.cpu == UINT32_MAX) {
		if (ev->pending_err) {
			ret = ev->pending_err;
			ev->pending_err = 0;
			return skbt_err_set(err, ret, "%s", ev->pending_msg);
		}
		return 0;
	}
	src = &ev->srcs[ev->win.cpu];
	if (ev->live && src->ts > ev->hold)
		return 0;	/* a CPU not read that far may still have earlier records */
	if (!ev->decoding) {
		ev->decoding = true;
		if (ev->threads_ok)
			dec_start(ev);
	}
	if (ev->dec)
		return next_ahead(ev, out);
	if (!src->decoded) {
		decode(ev, &src->rec, src->ts, src->cpu, &src->head, &src->dev);
		src->decoded = true;
	}
	if (src->lost_pending) {
		/* same key as the record it precedes: it stays on top */
		memset(out, 0, sizeof(*out));
		out->ts = src->ts;
		out->cpu = src->cpu;
		out->kind = SKBT_EV_LOST;
		out->u.lost.count = src->rec.missed;
		src->lost_pending = false;
		ev->count[SKBT_EV_LOST]++;
		return 1;
	}
	*out = src->head;
	out->dev = dev_resolve(&ev->names, &src->dev);
	ev->count[out->kind]++;
	{
		struct skbt_err e2;	/* not zeroed: read only after a failure filled it */

		ret = src_advance(ev, src, &e2);
		if (ret != 1) {
			if (ret < 0 && !ev->pending_err) {
				ev->pending_err = ret;
				memcpy(ev->pending_msg, e2.msg, sizeof(ev->pending_msg));
			}
			src->has_rec = false;
			replay(ev, src->cpu, KEY_END);
		} else {
			replay(ev, src->cpu, (struct mkey){ src->ts, src->cpu });
		}
	}
	prefetch_winner(ev);
	return 1;
}

/*
 * The usual case first, in a function of its own: with the rest inlined, saving and
 * restoring the registers it uses cost a tenth of each call.
 */
int skbt_events_next(struct skbt_events *ev, struct skbt_event *out, struct skbt_err *err)
{
	if (ev->dec && ev->win.cpu != UINT32_MAX && !ev->live)
		return next_ahead(ev, out);
	return next_slow(ev, out, err);
}

/* ---------- queries ---------- */

const char *skbt_events_buffer(const struct skbt_events *ev)
{
	return skbt_tracefile_buffer_name(ev->tf, ev->buf);
}

int skbt_events_ncpus(const struct skbt_events *ev)
{
	return skbt_tracefile_buffer_ncpus(ev->tf, ev->buf);
}

const char *skbt_events_clock(const struct skbt_events *ev)
{
	return skbt_tracefile_buffer_clock(ev->tf, ev->buf);
}

/*
 * skbtrail-record stores the formats of whole event systems, so a format in the file does not
 * mean the event was recorded: its own option says which were enabled (kind=record,
 * events_enabled=sys:name,...).  Without that option (trace-cmd files) a format present is
 * taken as recorded, as trace-cmd only stores the formats of what it enabled.
 */
static void only_enabled(struct skbt_events *ev, const struct skbt_tracefile *tf)
{
	const void *data;
	uint32_t size;

	for (int i = 0; skbt_tracefile_option(tf, SKBT_OPTION_ID, i, &data, &size) == 0; i++) {
		const char *p = data, *end = p + size, *key, *v = NULL, *eol, *val;
		size_t kl, vl;
		bool eq;

		if (skbt_sbopt_kind(data, size) != SKBT_SBOPT_RECORD)
			continue;
		while (skbt_sbopt_next(&p, end, &key, &kl, &val, &vl, &eq)) {
			if (eq && kl == 14 && !memcmp(key, "events_enabled", 14)) {
				v = val;
				break;
			}
		}
		if (!v)
			return;
		eol = v + vl;
		for (int k = 0; k < SKBT_EV_LOST; k++) {
			const char *name = skbt_kind_name(k);
			size_t n = strlen(name);
			bool found = false;

			for (const char *t = v; t < eol && !found;) {
				const char *c = memchr(t, ',', eol - t);
				size_t len = (c ? c : eol) - t;

				found = len == n && !memcmp(t, name, n);
				t = c ? c + 1 : eol;
			}
			if (!found)
				ev->has[k] = false;
		}
		return;
	}
}

int skbt_events_without(struct skbt_events *ev, const char *list, struct skbt_err *err)
{
	const char *t = list;

	while (*t) {
		const char *c = strchrnul(t, ',');
		size_t len = c - t;
		bool glob = len >= 2 && t[len - 1] == '*' && t[len - 2] == ':', any = false;

		for (int k = 0; k < SKBT_EV_LOST; k++) {
			const char *name = skbt_kind_name(k);

			if (glob ? strncmp(name, t, len - 1) :
				   strlen(name) != len || memcmp(name, t, len))
				continue;
			any = true;
			ev->has[k] = false;
			for (unsigned int id = 0; id <= 0xffff; id++)
				if (ev->slot[id] == k + 1)
					ev->slot[id] = 0;	/* its records count as "other" */
		}
		if (!any)
			return skbt_err_set(err, -EINVAL, "unknown event \"%.*s\" (system:name, "
					    "or system:*)", (int)len, t);
		t = *c ? c + 1 : c;
	}
	return 0;
}

bool skbt_events_has(const struct skbt_events *ev, enum skbt_kind kind)
{
	return (unsigned int)kind < SKBT_EV__COUNT && ev->has[kind];
}

/* SKBT_EV__COUNT gives the total of every kind */
uint64_t skbt_events_count(const struct skbt_events *ev, enum skbt_kind kind)
{
	uint64_t n = 0;
	int k;

	if ((unsigned int)kind < SKBT_EV__COUNT)
		return ev->count[kind];
	for (k = 0; k < SKBT_EV__COUNT; k++)
		n += ev->count[k];
	return n;
}

uint64_t skbt_events_backwards(const struct skbt_events *ev)
{
	if (ev->dec)
		return ev->backwards + atomic_load_explicit(&ev->dec->backwards,
							    memory_order_relaxed);
	return ev->backwards;
}

const char *skbt_events_dev_name(const struct skbt_events *ev, unsigned int dev)
{
	if (dev == SKBT_DEV_NONE || dev > (unsigned int)ev->names.ndevs)
		return "(no_device)";
	return ev->names.devs[dev];
}

unsigned int skbt_events_ndevs(const struct skbt_events *ev)
{
	return ev->names.ndevs;
}

unsigned int skbt_events_dev_id(struct skbt_events *ev, const char *name)
{
	return dev_intern(&ev->names, name, strlen(name));
}

const char *skbt_events_drop_reason(const struct skbt_events *ev, uint32_t reason)
{
	return sym_lookup(&ev->reasons, reason);
}

const char *skbt_events_symbol(const struct skbt_events *ev, uint64_t addr)
{
	return addr ? skbt_tracefile_symbol(ev->tf, addr) : NULL;
}

bool skbt_events_symbol_in(const struct skbt_events *ev, uint64_t addr,
			   bool (*want)(const char *name))
{
	return addr ? skbt_tracefile_symbol_in(ev->tf, addr, want) : want(NULL);
}

const char *skbt_events_comm(const struct skbt_events *ev, int pid)
{
	if (pid == 0)
		return "<idle>";
	return skbt_tracefile_comm(ev->tf, pid);
}

const char *skbt_events_ovs_action(const struct skbt_events *ev, uint32_t action)
{
	return sym_lookup(&ev->actions, action);
}

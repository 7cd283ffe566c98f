// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tracefile: our own reader of trace-cmd trace.dat files, versions 6 and 7.
 *
 * libtracecmd is not used for reading: it is several times too slow for what the analyzer
 * must do, and it trusts the file more than we want to.  libtraceevent parses the text parts
 * (formats, kallsyms, printk formats, cmdlines); the records of each sub-buffer are walked
 * here, in place, each one checked against the sub-buffer before it is delivered (the same
 * record layout and timestamp rules as libtraceevent's kbuffer, without its trust in the
 * lengths, and at about twice its speed).
 *
 * Layout (see docs/file-format.md, "Reading"):
 *   v6: header, header_page/header_event, ftrace formats, event formats, kallsyms, printk,
 *       cmdlines, cpu count, options, "flyrecord" + per-CPU (offset, size) + clock.
 *       Instances: BUFFER options point at their own "flyrecord" table.
 *   v7: header with compression name, then a chain of OPTIONS sections; options point at the
 *       other sections; BUFFER options describe each buffer's per-CPU data, stored raw or as
 *       zstd chunks of whole pages.
 *
 * Every length read from the file is checked against the file size and against a sanity cap
 * before anything is allocated.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <zstd.h>
#include <traceevent/event-parse.h>

#include "skbtrail/ksyms.h"
#include "skbtrail/perfdata.h"
#include "skbtrail/tdat.h"
#include "skbtrail/tracefile.h"

/* Sanity caps: a corrupt length field must not make us allocate or loop without bound. */
#define MAX_SECTION	(256u << 20)	/* one metadata section, uncompressed */
#define MAX_CHUNK	(16u << 20)	/* one flyrecord chunk, either side (trace-cmd writes
					 * 10 sub-buffers, skbtrail-record 256 KiB) */
#define MAX_OPTION	(64u << 20)	/* one option's payload */
#define MAX_OPT_SECTIONS 4096		/* v7 options sections in the chain */
#define MAX_OPTIONS	(1u << 20)	/* options in the whole file */
#define MAX_BUFFERS	1024
#define MAX_CPUS	8192
#define MAX_CPUSTATS	(1u << 16)
#define MAX_SKBT_OPTS	4096
#define MAX_FORMATS	(1u << 16)	/* event formats in one system, systems in the file */
#define MAX_CMDLINES	(1u << 22)
#define RAW_BLOCK	(256u << 10)	/* bytes of raw (uncompressed) pages read at a time */
#define RAW_BLOCKS_ALL	(8u << 20)	/* ... at most, over all CPUs of the buffer */
#define PAGE_SLACK	32		/* zeroed bytes after the last page: events.c reads ahead */

/* sub-buffer commit word (kernel ring_buffer.c) */
#define RB_MISSED_EVENTS (1ULL << 31)
#define RB_MISSED_STORED (1ULL << 30)
#define RB_COMMIT_MASK	((1ULL << 27) - 1)

/* ring buffer record types (kernel ring_buffer.h) */
#define RB_TYPE_PADDING	29
#define RB_TYPE_TIME_EXTEND 30
#define RB_TYPE_TIME_STAMP 31
#define RB_TS_BITS	27
#define RB_TS_MSB	(0xf8ULL << 56)	/* absolute stamps lack these bits: the page's are used */

struct cpu_data {
	uint32_t cpu;
	uint64_t offset;	/* in the file */
	uint64_t size;		/* in the file (compressed size for zstd data) */
};

struct buffer {
	char *name;
	char *clock;
	uint32_t page_size;
	bool compressed;
	uint64_t data_end;	/* no CPU data of this buffer lies at or after this offset */
	int nentries;
	struct cpu_data *cpus;
	int ncpus;
	uint64_t bytes;
};

struct cpustat {
	int buf_name_idx;	/* index into cpustat_names */
	int cpu;
	char *text;
};

struct skbt_option {
	uint32_t id;
	uint32_t size;
	void *data;
};

struct skbt_tracefile {
	int fd;
	const uint8_t *mem;	/* open_mem: the caller's bytes, else NULL */
	uint8_t *perf_image;	/* a perf.data read as its trace.dat v6 image (perfdata.h) */
	uint64_t fsize;
	uint64_t bytes_read;	/* by read_at() and refill(), atomically (the kallsyms thread) */

	int version;
	bool big_endian;
	bool swap;		/* file endianness differs from ours */
	int long_size;
	uint32_t page_size;
	bool kb_long8;		/* sub-buffer header commit field is 8 bytes */
	char compression[32];
	ZSTD_DCtx *zctx;	/* shared: every decompression is one-shot */
	/*
	 * zctx after the open: a stream that expands its own chunks may be read on another
	 * thread (model/events.c decodes ahead) than the one a kallsyms fallback runs on.
	 */
	pthread_mutex_t zmu;
	struct ahead *ahead;	/* the decompressing thread, once a stream asked for it */
	bool ahead_failed;	/* it could not be started: refill() decompresses */
	bool in_place;		/* skbt_tracefile_expand_in_place(): no thread for new streams */

	struct tep_handle *tep;
	struct fmt_ent *fmts;	/* event formats, parsed when asked for (add_format()) */
	size_t nfmts, fmt_cap;

	struct buffer *bufs;
	int nbufs;
	uint32_t cpucount;
	char *trace_clock;	/* selected clock of the TRACECLOCK option */

	struct cpustat *cpustats;
	int ncpustats;
	char **cpustat_names;
	int ncpustat_names;
	int cpustat_cur;	/* buffer name the next CPUSTAT belongs to */
	int cpustat_seq;	/* CPUSTATs seen for it, for options without "CPU: N" */

	struct skbt_option *opts;
	int nopts;

	/* v7 section offsets from the options (0 = absent) */
	uint64_t sec_off[22];
	unsigned int noptions;

	bool truncated;

	char *cmdlines;		/* saved_cmdlines text, for skbt_tracefile_foreach_comm() */
	/* skbt_tracefile_comm()'s index of the cmdlines, by pid: made on the first lookup */
	struct comm_ent *comms;
	char *comm_names;
	uint32_t *comm_hash;	/* index + 1 into comms, 0 empty */
	uint32_t comm_mask;
	unsigned int ncomms;
	unsigned int ncmdlines;	/* well-formed lines, counted when charged at open */
	bool comms_given;

	/*
	 * kallsyms: only where it is (0 = none) until the first symbol lookup, which reads,
	 * decompresses and parses it (most reports need none: reading it was most of the time
	 * to open a small file).
	 */
	uint64_t kallsyms_off;
	struct skbt_ksyms *ksyms;
	bool kallsyms_parsed;	/* read, or being read by ksyms_thr */
	bool ksyms_running;	/* skbt_tracefile_symbols_ahead()'s thread, not joined yet */
	bool ksyms_names;	/* it reads the names (after any ranges: those are set) */
	pthread_t ksyms_thr;
	ZSTD_DCtx *ksyms_z;	/* its decompression context */
	/* the ranges of the functions one predicate wants (lib/ksyms.c), without the names */
	bool (*want)(const char *name);
	struct skbt_ksyms_ranges *ranges;
	bool ranges_tried;	/* found, or the index instead (or being found by ksyms_thr) */

	uint64_t used[SKBT_LIM__COUNT];	/* whole-file budgets spent (common.h) */
};

struct skbt_cpu_stream {
	/* what page_next() reads on every record first, together (skbt_cpu_stream_prefetch()) */
	struct skbt_tracefile *tf;
	const uint8_t *rd;	/* records of the current sub-buffer (after its header) */
	uint32_t rd_pos;	/* next record */
	uint32_t rd_size;	/* commit size; rd_pos == rd_size: no page loaded */
	uint64_t rd_ts;		/* timestamp of the last record read */
	uint64_t missed;	/* lost-events count owed to the next record */
	bool done;

	const struct buffer *b;
	int cpu;
	uint32_t ps;
	unsigned int hdr;	/* sub-buffer header size: 16 or 12 */

	uint64_t pos;		/* next file offset to read (pages or chunk header) */
	uint64_t end;		/* end of this CPU's data in the file */
	bool compressed;
	uint32_t chunks_left;

	uint8_t *blk;		/* current block of whole pages (+ PAGE_SLACK) */
	size_t blk_cap;
	size_t blk_len;
	size_t blk_pos;
	uint8_t *zbuf;		/* compressed chunk */
	size_t zcap;
	/*
	 * Decompressed ahead (see "Decompressing ahead"): the thread owns pos and chunks_left
	 * and fills @slots in turn; a_head, a_ready, a_busy and a_end are under its lock.
	 */
	struct zslot *slots;	/* AHEAD_SLOTS, or NULL: refill() decompresses */
	unsigned int a_head;	/* next slot to take */
	unsigned int a_ready;	/* slots filled from a_head on */
	bool a_busy;		/* the thread is filling slot a_head + a_ready */
	bool a_end;		/* the thread is done: the last slot says why */
	bool a_wait;		/* refill() waits for a slot */
	bool a_over;		/* refill() met the chunks' end (or an error) */

	/*
	 * A live stream (skbt_cpu_stream_open_live) has no data in the file: its pages come
	 * from skbt_cpu_stream_push() into @pend, which becomes the block once the current
	 * one is read (the record handed out last points into the block, never into @pend).
	 */
	bool live;
	uint8_t *pend;
	size_t pend_cap, pend_len;
};

static void ahead_attach(struct skbt_tracefile *tf, struct skbt_cpu_stream *s);
static void ahead_detach(struct skbt_cpu_stream *s);
static void ahead_stop(struct ahead *a);

/* ---------- byte order ---------- */

static uint16_t get16(const struct skbt_tracefile *tf, const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return tf->swap ? __builtin_bswap16(v) : v;
}

static uint32_t get32(const struct skbt_tracefile *tf, const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return tf->swap ? __builtin_bswap32(v) : v;
}

static uint64_t get64(const struct skbt_tracefile *tf, const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return tf->swap ? __builtin_bswap64(v) : v;
}

/* ---------- raw file access ---------- */

/*
 * Read up to @n bytes at @off; returns bytes read (short at end of file) or -errno.  Changes
 * nothing in @tf: the decompressing thread reads with it too (see "Decompressing ahead").
 */
static ssize_t pread_at(const struct skbt_tracefile *tf, uint64_t off, void *buf, size_t n)
{
	size_t done = 0;

	if (off >= tf->fsize)
		return 0;
	if (n > tf->fsize - off)
		n = tf->fsize - off;
	if (tf->mem) {
		memcpy(buf, tf->mem + off, n);
		return n;
	}
	while (done < n) {
		ssize_t r = pread(tf->fd, (char *)buf + done, n - done, off + done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		done += r;
	}
	return done;
}

/* pread_at(), counted for skbt_tracefile_bytes_read() */
static ssize_t read_at(struct skbt_tracefile *tf, uint64_t off, void *buf, size_t n)
{
	ssize_t r = pread_at(tf, off, buf, n);

	if (r > 0)
		__atomic_fetch_add(&tf->bytes_read, (uint64_t)r, __ATOMIC_RELAXED);
	return r;
}

/* Exactly @n bytes at @off or an error naming @what. */
static int read_exact(struct skbt_tracefile *tf, uint64_t off, void *buf, size_t n,
		      const char *what, struct skbt_err *err)
{
	ssize_t r = read_at(tf, off, buf, n);

	if (r < 0)
		return skbt_err_set(err, r, "read error in the %s at offset %llu: %s", what,
				    (unsigned long long)off, strerror(-r));
	if ((size_t)r != n)
		return skbt_err_set(err, -EBADMSG, "truncated in the %s at offset %llu", what,
				    (unsigned long long)(off + r));
	return 0;
}

/* A NUL-terminated copy of @n bytes at @off (n checked against the file first). */
static int read_alloc(struct skbt_tracefile *tf, uint64_t off, uint64_t n, const char *what,
		      char **out, struct skbt_err *err)
{
	char *p;
	int ret;

	if (n > MAX_SECTION)
		return skbt_err_set(err, -EBADMSG, "%s at offset %llu too large (%llu bytes)",
				    what, (unsigned long long)off, (unsigned long long)n);
	if (off > tf->fsize || n > tf->fsize - off)
		return skbt_err_set(err, -EBADMSG, "truncated in the %s at offset %llu", what,
				    (unsigned long long)tf->fsize);
	p = malloc(n + 1);
	if (!p)
		return skbt_err_set(err, -ENOMEM, "out of memory reading the %s", what);
	ret = read_exact(tf, off, p, n, what, err);
	if (ret) {
		free(p);
		return ret;
	}
	p[n] = '\0';
	*out = p;
	return 0;
}

/* ---------- bounded cursor over a block in memory ---------- */

struct cur {
	const struct skbt_tracefile *tf;
	const uint8_t *p;
	size_t len;
	size_t pos;
	uint64_t base;		/* file offset (or section offset) of p[0], for messages */
	const char *what;
	struct skbt_err *err;
};

static int cur_trunc(struct cur *c)
{
	skbt_err_set(c->err, -EBADMSG, "truncated in the %s at offset %llu", c->what,
		     (unsigned long long)(c->base + c->pos));
	return -EBADMSG;
}

static int cur_bytes(struct cur *c, size_t n, const uint8_t **p)
{
	if (n > c->len - c->pos)
		return cur_trunc(c);
	*p = c->p + c->pos;
	c->pos += n;
	return 0;
}

static int cur_u16(struct cur *c, uint16_t *v)
{
	const uint8_t *p;
	int ret = cur_bytes(c, 2, &p);

	if (!ret)
		*v = get16(c->tf, p);
	return ret;
}

static int cur_u32(struct cur *c, uint32_t *v)
{
	const uint8_t *p;
	int ret = cur_bytes(c, 4, &p);

	if (!ret)
		*v = get32(c->tf, p);
	return ret;
}

static int cur_u64(struct cur *c, uint64_t *v)
{
	const uint8_t *p;
	int ret = cur_bytes(c, 8, &p);

	if (!ret)
		*v = get64(c->tf, p);
	return ret;
}

/* A NUL-terminated string inside the block. */
static int cur_str(struct cur *c, const char **s)
{
	const uint8_t *p = c->p + c->pos;
	const uint8_t *nul = memchr(p, '\0', c->len - c->pos);

	if (!nul)
		return cur_trunc(c);
	*s = (const char *)p;
	c->pos += nul - p + 1;
	return 0;
}

/* ---------- budgets ---------- */

static int charge(struct skbt_tracefile *tf, enum skbt_limit l, uint64_t n, struct skbt_err *err)
{
	return skbt_limit_charge(l, tf->fsize, &tf->used[l], n, err);
}

/* ---------- v7 sections ---------- */

/* A section's header, checked: the payload at @data; compressed: its two sizes as well */
struct sec_head {
	uint64_t size, data;
	bool compressed;
	uint32_t zsize, usize;
};

/*
 * The header of the section at @off (id @id; @have_z: the file declares a compression),
 * with the sizes a compressed one states checked against the section and MAX_SECTION.
 */
static int section_head(struct skbt_tracefile *tf, uint64_t off, uint16_t id, bool have_z,
			const char *what, struct sec_head *h, struct skbt_err *err)
{
	uint8_t hdr[16], zhdr[8];
	uint16_t sid;
	int ret;

	ret = read_exact(tf, off, hdr, sizeof(hdr), what, err);
	if (ret)
		return ret;
	sid = get16(tf, hdr);
	h->compressed = get16(tf, hdr + 2) & 1;
	h->size = get64(tf, hdr + 8);
	if (sid != id)
		return skbt_err_set(err, -EBADMSG,
				    "expected the %s section at offset %llu, found section id %u",
				    what, (unsigned long long)off, sid);
	h->data = off + sizeof(hdr);
	if (!h->compressed)
		return 0;
	if (!have_z)
		return skbt_err_set(err, -EBADMSG,
				    "the %s section at offset %llu is compressed but the file declares no compression",
				    what, (unsigned long long)off);
	ret = read_exact(tf, h->data, zhdr, sizeof(zhdr), what, err);
	if (ret)
		return ret;
	h->zsize = get32(tf, zhdr);
	h->usize = get32(tf, zhdr + 4);
	if (h->zsize > h->size - 8 || h->size < 8)
		return skbt_err_set(err, -EBADMSG,
				    "corrupt %s section at offset %llu: compressed size %u exceeds section size %llu",
				    what, (unsigned long long)h->data, h->zsize,
				    (unsigned long long)h->size);
	if (h->usize > MAX_SECTION)
		return skbt_err_set(err, -EBADMSG, "%s section at offset %llu too large (%u bytes)",
				    what, (unsigned long long)h->data, h->usize);
	return 0;
}

/* A zstd frame that states its size (in its first @n bytes) must state @usize. */
static bool frame_agrees(const void *frame, size_t n, uint32_t usize)
{
	unsigned long long fcs = ZSTD_getFrameContentSize(frame, n);

	return fcs != ZSTD_CONTENTSIZE_ERROR && (fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs == usize);
}

/*
 * Load the section at @off, check its id and return its (decompressed, with @z) payload as a
 * malloc'ed, NUL-terminated block.
 */
static int load_section(struct skbt_tracefile *tf, ZSTD_DCtx *z, uint64_t off, uint16_t id,
			const char *what, uint8_t **out, size_t *outlen, struct skbt_err *err)
{
	struct sec_head h;
	char *raw = NULL;
	uint8_t *buf;
	size_t r;
	int ret;

	ret = section_head(tf, off, id, z != NULL, what, &h, err);
	if (ret)
		return ret;
	off = h.data;
	if (!h.compressed) {
		/* a chain of options sections can name one section many times: each load counts */
		if (h.size <= MAX_SECTION && (ret = charge(tf, SKBT_LIM_UNPACKED, h.size, err)))
			return ret;
		ret = read_alloc(tf, off, h.size, what, &raw, err);
		if (ret)
			return ret;
		*out = (uint8_t *)raw;
		*outlen = h.size;
		return 0;
	}
	ret = charge(tf, SKBT_LIM_UNPACKED, h.usize, err);
	if (ret)
		return ret;
	ret = read_alloc(tf, off + 8, h.zsize, what, &raw, err);
	if (ret)
		return ret;
	/* a frame that states its size must agree before we allocate that much */
	if (!frame_agrees(raw, h.zsize, h.usize)) {
		free(raw);
		return skbt_err_set(err, -EBADMSG, "corrupt compressed %s section at offset %llu",
				    what, (unsigned long long)off);
	}
	buf = malloc((size_t)h.usize + 1);
	if (!buf) {
		free(raw);
		return skbt_err_set(err, -ENOMEM, "out of memory reading the %s", what);
	}
	r = ZSTD_decompressDCtx(z, buf, h.usize, raw, h.zsize);
	free(raw);
	if (ZSTD_isError(r) || r != h.usize) {
		free(buf);
		return skbt_err_set(err, -EBADMSG, "corrupt compressed %s section at offset %llu",
				    what, (unsigned long long)off);
	}
	buf[h.usize] = '\0';
	*out = buf;
	*outlen = h.usize;
	return 0;
}

/* ---------- event formats ---------- */

/*
 * libtraceevent's format parser is not written for hostile input: a stray character in a
 * print fmt makes 1.7 dereference garbage.  So it only ever sees a format rebuilt here from
 * the parts we checked: "name:", "ID:" and the field lines, each one strictly shaped; the
 * print fmt is dropped ("%s" with no argument) except for the one __print_symbolic() table
 * that skbtrail reads (kfree_skb reasons, OVS action types), which is re-emitted from its
 * checked entries.  Returns a malloc'ed text or NULL when the format is unusable.
 */
static bool type_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == ' ' || c == '*' || c == '[' || c == ']';
}

static bool ident(const char *s, size_t n)
{
	size_t i;

	if (!n || n > 128)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* "KEY:NUMBER;" at *p; advances past it. */
static bool take_num(const char **p, const char *end, const char *key, long *v)
{
	size_t k = strlen(key);
	const char *q = *p;
	long x = 0;
	int digits = 0;

	if ((size_t)(end - q) < k || memcmp(q, key, k))
		return false;
	q += k;
	if (q < end && *q == '-')
		q++;	/* "signed:-1" does not occur; accept and clamp below */
	while (q < end && *q >= '0' && *q <= '9' && digits < 9) {
		x = x * 10 + (*q++ - '0');
		digits++;
	}
	if (!digits || q >= end || *q != ';')
		return false;
	*v = x;
	*p = q + 1;
	return true;
}

/*
 * From "print fmt: ..." take __print_symbolic(REC->@field, { N, "S" }, ...) and append it,
 * checked, as the whole print fmt.
 */
static void symbolic_fmt(struct skbt_sbuf *b, const char *pf, const char *end, const char *field)
{
	char head[192];
	const char *p;
	unsigned int n = 0;

	snprintf(head, sizeof(head), "__print_symbolic(REC->%s,", field);
	p = memmem(pf, end - pf, head, strlen(head));
	if (!p)
		goto none;
	p += strlen(head);
	skbt_sbuf_str(b, "print fmt: \"%s\", ");
	skbt_sbuf_str(b, head);
	for (;;) {
		const char *num, *str;
		size_t nl, sl;

		while (p < end && *p == ' ')
			p++;
		if (p < end && *p == ')')
			break;
		if (p >= end || *p != '{' || n >= 4096)
			goto bad;
		p++;
		while (p < end && *p == ' ')
			p++;
		num = p;
		while (p < end && ((*p >= '0' && *p <= '9') || *p == 'x' ||
				   (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			p++;
		nl = p - num;
		if (!nl || nl > 20 || p + 3 > end || memcmp(p, ", \"", 3))
			goto bad;
		p += 3;
		str = p;
		while (p < end && ident(p, 1))
			p++;
		sl = p - str;
		if (!sl || sl > 64 || p + 3 > end || memcmp(p, "\" }", 3))
			goto bad;
		p += 3;
		skbt_sbuf_str(b, n ? ", { " : " { ");
		skbt_sbuf_add(b, num, nl);
		skbt_sbuf_str(b, ", \"");
		skbt_sbuf_add(b, str, sl);
		skbt_sbuf_str(b, "\" }");
		n++;
		if (p < end && *p == ',')
			p++;
	}
	skbt_sbuf_str(b, ")\n");
	return;
bad:
	/* drop what was added for this table */
	{
		const char *start = strstr(b->p ? b->p : "", "print fmt:");

		if (start)
			b->len = start - b->p;
	}
none:
	skbt_sbuf_str(b, "print fmt: \"%s\"\n");
}

static char *sanitize_format(const char *sys, const char *in, size_t n)
{
	const char *p = in, *end = in + n, *pf = NULL, *name = NULL;
	struct skbt_sbuf b = { 0 };
	size_t name_len = 0;
	unsigned int nfields = 0;
	bool blank = false, has_reason = false, has_action = false;
	char tmp[96];

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p), *q;

		if (!eol)
			eol = end;
		while (p < eol && (*p == '\t' || *p == ' '))
			p++;
		if (eol - p > 6 && !memcmp(p, "name: ", 6) && !name) {
			name = p + 6;
			name_len = eol - name;
			if (!ident(name, name_len))
				goto fail;
			skbt_sbuf_str(&b, "name: ");
			skbt_sbuf_add(&b, name, name_len);
			skbt_sbuf_str(&b, "\n");
		} else if (eol - p > 4 && !memcmp(p, "ID: ", 4) && name) {
			long id = 0;
			const char *d = p + 4;

			while (d < eol && *d >= '0' && *d <= '9' && id < 100000)
				id = id * 10 + (*d++ - '0');
			if (d != eol || d == p + 4 || id > 65535)
				goto fail;
			snprintf(tmp, sizeof(tmp), "ID: %ld\nformat:\n", id);
			skbt_sbuf_str(&b, tmp);
		} else if (eol - p > 6 && !memcmp(p, "field:", 6) && name && b.len) {
			/* field:TYPE NAME;<tab>offset:N;<tab>size:N;<tab>signed:N; */
			const char *decl = p + 6, *semi = memchr(decl, ';', eol - decl);
			long off, size, sgn;

			if (!semi || semi == decl || nfields >= 1024)
				goto fail;
			for (q = decl; q < semi; q++)
				if (!type_char(*q))
					goto fail;
			q = semi + 1;
			while (q < eol && (*q == '\t' || *q == ' '))
				q++;
			if (!take_num(&q, eol, "offset:", &off))
				goto fail;
			while (q < eol && (*q == '\t' || *q == ' '))
				q++;
			if (!take_num(&q, eol, "size:", &size))
				goto fail;
			while (q < eol && (*q == '\t' || *q == ' '))
				q++;
			if (!take_num(&q, eol, "signed:", &sgn))
				sgn = 0;	/* very old kernels: no signed: */
			if (off > 65535 || size > 65535)
				goto fail;
			skbt_sbuf_str(&b, "\tfield:");
			skbt_sbuf_add(&b, decl, semi - decl);
			snprintf(tmp, sizeof(tmp), ";\toffset:%ld;\tsize:%ld;\tsigned:%d;\n", off, size,
				 sgn ? 1 : 0);
			skbt_sbuf_str(&b, tmp);
			nfields++;
			/* the print fmt may only name a field that exists (1.7 crashes otherwise) */
			q = semi;
			while (q > decl && q[-1] != ' ' && q[-1] != '*')
				q--;
			if (semi - q == 6 && !memcmp(q, "reason", 6))
				has_reason = true;
			if (semi - q == 11 && !memcmp(q, "action_type", 11))
				has_action = true;
		} else if (p == eol && nfields && !blank) {
			/* the blank line that ends the common fields: libtraceevent needs it */
			skbt_sbuf_str(&b, "\n");
			blank = true;
		} else if (eol - p >= 10 && !memcmp(p, "print fmt:", 10) && name) {
			pf = p;
			break;
		}
		p = eol < end ? eol + 1 : end;
	}
	if (!name || !nfields || b.failed)
		goto fail;
	skbt_sbuf_str(&b, "\n");
	if (pf && has_reason && !strcmp(sys, "skb") && name_len == 9 && !memcmp(name, "kfree_skb", 9))
		symbolic_fmt(&b, pf, end, "reason");
	else if (pf && has_action && !strcmp(sys, "openvswitch") && name_len == 21 &&
		 !memcmp(name, "ovs_do_execute_action", 21))
		symbolic_fmt(&b, pf, end, "action_type");
	else
		skbt_sbuf_str(&b, "print fmt: \"%s\"\n");
	if (b.failed)
		goto fail;
	return b.p;
fail:
	free(b.p);
	return NULL;
}

/*
 * One event format, kept to be parsed when its event is asked for (skbt_tracefile_event()):
 * a trace-cmd file holds ftrace's twenty formats and those of every event of the systems
 * recorded, and the analyzer reads a handful; parsing them all was a third of analysing a
 * small file (4.1 of 11.8 M instructions).  Counted against the budget here, as before.
 */
struct fmt_ent {
	char *sys;		/* then the text, in the same block */
	char *text;
	size_t n;
	bool parsed;
};

static int add_format(struct skbt_tracefile *tf, const char *sys, const char *text, size_t n,
		      struct skbt_err *err)
{
	size_t sl = strlen(sys) + 1;
	struct fmt_ent *e;
	int ret = charge(tf, SKBT_LIM_FORMATS, 1, err);

	if (ret)
		return ret;
	if (tf->nfmts == tf->fmt_cap) {
		size_t cap = tf->fmt_cap ? 2 * tf->fmt_cap : 64;
		void *v = realloc(tf->fmts, cap * sizeof(*tf->fmts));

		if (!v)
			return skbt_err_set(err, -ENOMEM, "out of memory");
		tf->fmts = v;
		tf->fmt_cap = cap;
	}
	e = &tf->fmts[tf->nfmts];
	e->sys = malloc(sl + n);
	if (!e->sys)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	memcpy(e->sys, sys, sl);
	e->text = e->sys + sl;
	memcpy(e->text, text, n);
	e->n = n;
	e->parsed = false;
	tf->nfmts++;
	return 0;
}

/* Is @name the event name of format @e (its first "name: " line, as sanitize_format())? */
static bool fmt_named(const struct fmt_ent *e, const char *name)
{
	const char *p = e->text, *end = e->text + e->n;
	size_t len = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		while (p < eol && (*p == '\t' || *p == ' '))
			p++;
		if (eol - p > 6 && !memcmp(p, "name: ", 6))
			return (size_t)(eol - p - 6) == len && !memcmp(p + 6, name, len);
		p = eol + 1;
	}
	return false;
}

/* Parse one event format; an unusable one only leaves that event undecoded, as trace-cmd. */
static void parse_format(struct skbt_tracefile *tf, struct fmt_ent *e)
{
	char *clean = sanitize_format(e->sys, e->text, e->n);

	e->parsed = true;
	if (clean) {
		tep_parse_event(tf->tep, clean, strlen(clean), e->sys);
		free(clean);
	}
}

struct tep_event *skbt_tracefile_event(struct skbt_tracefile *tf, const char *sys,
				       const char *name)
{
	/* every format of that name, as when all were parsed at open */
	for (size_t i = 0; i < tf->nfmts; i++) {
		struct fmt_ent *e = &tf->fmts[i];

		if (!e->parsed && !strcmp(e->sys, sys) && fmt_named(e, name))
			parse_format(tf, e);
	}
	return tep_find_event_by_name(tf->tep, sys, name);
}

void skbt_tracefile_parse_formats(struct skbt_tracefile *tf)
{
	for (size_t i = 0; i < tf->nfmts; i++)
		if (!tf->fmts[i].parsed)
			parse_format(tf, &tf->fmts[i]);
}

bool skbt_tracefile_has_formats(const struct skbt_tracefile *tf)
{
	return tf->nfmts > 0;
}

/* ---------- metadata parsers (shared by v6 and v7) ---------- */

static int parse_header_page(struct skbt_tracefile *tf, struct cur *c)
{
	const uint8_t *p;
	const char *s;
	uint64_t n;
	int ret;

	if ((ret = cur_bytes(c, 12, &p)))
		return ret;
	if (memcmp(p, "header_page", 12))
		return skbt_err_set(c->err, -EBADMSG, "bad header_page tag at offset %llu",
				    (unsigned long long)(c->base + c->pos - 12));
	if ((ret = cur_u64(c, &n)))
		return ret;
	if (n > c->len - c->pos)
		return cur_trunc(c);
	s = (const char *)c->p + c->pos;
	{
		/* tep wants a writable, NUL-terminated copy */
		char *copy = strndup(s, n);

		if (!copy)
			return skbt_err_set(c->err, -ENOMEM, "out of memory");
		ret = tep_parse_header_page(tf->tep, copy, n, tf->long_size);
		free(copy);
		if (ret)
			return skbt_err_set(c->err, -EBADMSG, "cannot parse header_page at offset %llu",
					    (unsigned long long)(c->base + c->pos));
	}
	c->pos += n;
	if ((ret = cur_bytes(c, 13, &p)))
		return ret;
	if (memcmp(p, "header_event", 13))
		return skbt_err_set(c->err, -EBADMSG, "bad header_event tag at offset %llu",
				    (unsigned long long)(c->base + c->pos - 13));
	if ((ret = cur_u64(c, &n)))
		return ret;
	if (n > c->len - c->pos)
		return cur_trunc(c);
	c->pos += n;		/* the event header layout is fixed since 2.6.31 */
	return 0;
}

static int parse_one_format(struct skbt_tracefile *tf, struct cur *c, const char *sys)
{
	uint64_t n;
	int ret;

	if ((ret = cur_u64(c, &n)))
		return ret;
	if (n > c->len - c->pos)
		return cur_trunc(c);
	if ((ret = add_format(tf, sys, (const char *)c->p + c->pos, n, c->err)))
		return ret;
	c->pos += n;
	return 0;
}

static int parse_ftrace_formats(struct skbt_tracefile *tf, struct cur *c)
{
	uint32_t count, i;
	int ret;

	if ((ret = cur_u32(c, &count)))
		return ret;
	if (count > MAX_FORMATS)
		return skbt_err_set(c->err, -EBADMSG, "implausible count %u in the %s", count,
				    c->what);
	for (i = 0; i < count; i++)
		if ((ret = parse_one_format(tf, c, "ftrace")))
			return ret;
	return 0;
}

static int parse_event_formats(struct skbt_tracefile *tf, struct cur *c)
{
	uint32_t nsys, nev, i, j;
	const char *sys;
	int ret;

	if ((ret = cur_u32(c, &nsys)))
		return ret;
	if (nsys > MAX_FORMATS)
		return skbt_err_set(c->err, -EBADMSG, "implausible system count %u in the %s",
				    nsys, c->what);
	for (i = 0; i < nsys; i++) {
		if ((ret = cur_str(c, &sys)) || (ret = cur_u32(c, &nev)))
			return ret;
		if (nev > MAX_FORMATS)
			return skbt_err_set(c->err, -EBADMSG, "implausible event count %u in the %s",
					    nev, c->what);
		for (j = 0; j < nev; j++)
			if ((ret = parse_one_format(tf, c, sys)))
				return ret;
	}
	return 0;
}

/*
 * Sized text (4- or 8-byte length) handed to @parse as a NUL-terminated copy, which @parse
 * keeps if @parse_owns (else it is freed after the call).
 */
static int parse_sized_text(struct skbt_tracefile *tf, struct cur *c, int lensize,
			    int (*parse)(struct skbt_tracefile *, char *, struct skbt_err *),
			    bool parse_owns)
{
	uint64_t n;
	uint32_t n32;
	char *copy;
	int ret;

	if (lensize == 4) {
		ret = cur_u32(c, &n32);
		n = n32;
	} else {
		ret = cur_u64(c, &n);
	}
	if (ret)
		return ret;
	if (n > c->len - c->pos)
		return cur_trunc(c);
	copy = strndup((const char *)c->p + c->pos, n);
	if (!copy)
		return skbt_err_set(c->err, -ENOMEM, "out of memory");
	c->pos += n;
	ret = parse(tf, copy, c->err);
	if (!parse_owns)
		free(copy);
	if (ret == -E2BIG)
		return ret;		/* a budget: its own message */
	if (ret)
		return skbt_err_set(c->err, ret, "cannot parse the %s", c->what);
	return 0;
}

/*
 * The function symbols of the @n bytes of kallsyms text at @text (lib/ksyms.c, which keeps
 * their names only): @block, the malloc'ed block holding @text and a byte after it, is the
 * index's (or freed).  Read only when a symbol is asked for.
 */
static int index_kallsyms(struct skbt_tracefile *tf, void *block, char *text, size_t n,
			  struct skbt_err *err)
{
	const char *p = text, *end = text + n;
	struct skbt_ksyms *k;
	uint64_t lines = 0;
	int ret;

	/* the lines are the budget (an index entry per symbol) */
	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		lines++;
		p++;
	}
	if ((ret = charge(tf, SKBT_LIM_KALLSYMS, lines, err))) {
		free(block);
		return ret;
	}
	if ((ret = skbt_ksyms_build(block, text, n, &k)))
		return ret;
	skbt_ksyms_free(tf->ksyms);
	tf->ksyms = k;
	return 0;
}

/* v6: the text as parse_sized_text() hands it, indexed in place (the index owns it) */
static int do_kallsyms(struct skbt_tracefile *tf, char *s, struct skbt_err *err)
{
	return index_kallsyms(tf, s, s, strlen(s), err);
}

static int read_v6_block(struct skbt_tracefile *tf, uint64_t *offp, int kind,
			 const char *what, struct skbt_err *err);

/*
 * The kallsyms section, read now (expanded with @z); a damaged one leaves no symbols
 * (reports show addresses' absence).
 */
static void load_kallsyms(struct skbt_tracefile *tf, ZSTD_DCtx *z)
{
	uint64_t off = tf->kallsyms_off;
	struct cur c;
	uint8_t *buf;
	uint32_t n;
	size_t len;

	if (!off)
		return;
	if (tf->version == 6) {
		(void)read_v6_block(tf, &off, 3, "kallsyms", NULL);
		return;
	}
	if (load_section(tf, z, off, SKBT_TDAT_OPT_KALLSYMS, "kallsyms section", &buf, &len, NULL))
		return;
	/* u32 size, then the text, indexed where it is (load_section() NUL-terminates) */
	c = (struct cur){ tf, buf, len, 0, off, "kallsyms section", NULL };
	if (cur_u32(&c, &n) || n > c.len - c.pos) {
		free(buf);
		return;
	}
	(void)index_kallsyms(tf, buf, (char *)buf + c.pos, n, NULL);
}

/* On one CPU (taskset, a cpuset) a second thread only adds switches: no reader threads. */
static bool one_cpu(void)
{
	cpu_set_t cpus;

	return sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) < 2;
}

bool skbt_tracefile_threads_ok(const struct skbt_tracefile *tf)
{
	return !tf->mem && !one_cpu();
}

void skbt_tracefile_expand_in_place(struct skbt_tracefile *tf)
{
	tf->in_place = true;
}

static void *ksyms_main(void *arg)
{
	struct skbt_tracefile *tf = arg;

	load_kallsyms(tf, tf->ksyms_z);
	return NULL;
}

/*
 * Expanding the 5 MB text in one piece costs more in fresh pages than in zstd (on a VM, 19
 * of 31 ms), and the index keeps 3 MB of names: the wanted ranges need neither.  The section
 * is read and expanded in pieces, and each piece's whole lines go to lib/ksyms.c.
 */
#define KS_IN	(64u << 10)
#define KS_OUT	(256u << 10)	/* longer than any line of a real kallsyms */

struct ks_scan {
	struct skbt_tracefile *tf;
	struct skbt_ksyms_ranges *r;
	uint8_t n[4];		/* the text's length, first in the section */
	unsigned int nhave;	/* of those 4 bytes; 5 once the length is checked */
	uint64_t left;		/* bytes of text not fed yet */
	uint32_t usize;
};

/* Feed the whole lines of @buf[0, @have); the part of a line left is moved to the front. */
static int ks_lines(struct ks_scan *s, char *buf, size_t have, size_t *leftp)
{
	size_t pos = 0, avail, cut;
	int ret;

	*leftp = 0;
	while (s->nhave < 4 && pos < have)
		s->n[s->nhave++] = (uint8_t)buf[pos++];
	if (s->nhave < 4)
		return 0;
	if (s->nhave == 4) {
		s->left = get32(s->tf, s->n);
		if (s->left > (uint64_t)s->usize - 4)
			return -EBADMSG;	/* load_kallsyms() would keep no symbol */
		s->nhave++;
	}
	avail = have - pos < s->left ? have - pos : (size_t)s->left;
	/* the text's end ends its last line; else up to the last newline */
	cut = avail;
	if (avail < s->left) {
		while (cut && buf[pos + cut - 1] != '\n')
			cut--;
		if (!cut && pos + avail == KS_OUT)
			return -E2BIG;	/* one line fills the buffer: the index's */
	}
	if (cut && (ret = skbt_ksyms_ranges_feed(s->r, buf + pos, cut)))
		return ret;
	s->left -= cut;
	*leftp = avail - cut;
	memmove(buf, buf + pos + cut, *leftp);
	return 0;
}

/* The ranges of @r's functions from the compressed kallsyms section, or a negative errno. */
static int scan_kallsyms(struct skbt_tracefile *tf, ZSTD_DCtx *z, struct skbt_ksyms_ranges *r)
{
	struct ks_scan s = { .tf = tf, .r = r };
	uint64_t off = tf->kallsyms_off, zoff, total = 0;
	struct sec_head h;
	uint32_t zleft;
	size_t have = 0, zr = 1;
	char *in = NULL, *out = NULL;
	int ret = -EBADMSG;

	if (section_head(tf, off, SKBT_TDAT_OPT_KALLSYMS, true, "kallsyms", &h, NULL))
		return -EBADMSG;
	if (!h.compressed)
		return -ENOTSUP;	/* the index reads it in one piece */
	s.usize = h.usize;
	if (s.usize < 4)
		return -EBADMSG;
	/* a window the size of a kallsyms text at most (8 MB): a bigger one is the index's */
	if (ZSTD_isError(ZSTD_DCtx_reset(z, ZSTD_reset_session_and_parameters)) ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 23)))
		return -EINVAL;
	in = malloc(KS_IN);
	out = malloc(KS_OUT);
	if (!in || !out) {
		ret = -ENOMEM;
		goto out;
	}
	for (zoff = h.data + 8, zleft = h.zsize; zleft; ) {
		size_t n = zleft < KS_IN ? zleft : KS_IN;
		ZSTD_inBuffer ib = { in, n, 0 };
		ZSTD_outBuffer ob;

		if (read_exact(tf, zoff, in, n, "kallsyms", NULL))
			goto out;
		/* a frame that states its size must agree (load_section()) */
		if (zoff == h.data + 8 && !frame_agrees(in, n, s.usize))
			goto out;
		do {
			ob = (ZSTD_outBuffer){ out + have, KS_OUT - have, 0 };
			zr = ZSTD_decompressStream(z, &ob, &ib);
			if (ZSTD_isError(zr) || (total += ob.pos) > s.usize)
				goto out;
			if ((ret = ks_lines(&s, out, have + ob.pos, &have)))
				goto out;
			ret = -EBADMSG;
		} while (ib.pos < ib.size || ob.pos == ob.size);
		zoff += n;
		zleft -= (uint32_t)n;
	}
	if (zr || total != s.usize || s.nhave < 5 || s.left)
		goto out;
	ret = skbt_ksyms_ranges_end(r);
out:
	free(in);
	free(out);
	return ret;
}

/*
 * The ranges of tf->want, or (damaged, too big, a line longer than KS_OUT) the index, which
 * then answers (and finds no symbol in a damaged section).  @z is left as a new context
 * would be.
 */
static void find_ranges(struct skbt_tracefile *tf, ZSTD_DCtx *z)
{
	struct skbt_ksyms_ranges *r = skbt_ksyms_ranges_new(tf->want);

	if (r && !scan_kallsyms(tf, z, r)) {
		tf->ranges = r;
	} else {
		skbt_ksyms_ranges_free(r);
		tf->kallsyms_parsed = true;
		load_kallsyms(tf, z);
	}
	ZSTD_DCtx_reset(z, ZSTD_reset_session_and_parameters);
}

static void *ranges_main(void *arg)
{
	struct skbt_tracefile *tf = arg;

	find_ranges(tf, tf->ksyms_z);
	return NULL;
}

static void ksyms_join(struct skbt_tracefile *tf)
{
	if (!tf->ksyms_running)
		return;
	pthread_join(tf->ksyms_thr, NULL);
	tf->ksyms_running = false;
	ZSTD_freeDCtx(tf->ksyms_z);
	tf->ksyms_z = NULL;
}

/*
 * A trace-cmd file's kallsyms section is about 5 MB of zstd to expand and index (a tenth of
 * the analysis of a 2 M-event file): a caller that will look symbols up has a thread do it
 * while the events are read.  Only v7: after the open nothing else charges the budgets it
 * charges or sets what it sets (tf->ksyms, tf->ranges, the flags), and it expands with its
 * own context; the first lookup waits for it.  Without a thread the first lookup reads them,
 * as without this call.
 */
void skbt_tracefile_symbols_ahead(struct skbt_tracefile *tf, bool (*want)(const char *name))
{
	void *(*fn)(void *) = want ? ranges_main : ksyms_main;

	if (want) {
		if (tf->want)
			return;
		tf->want = want;
	}
	ksyms_join(tf);		/* the ranges' thread, when the names are wanted next */
	if (tf->kallsyms_parsed || !tf->kallsyms_off || tf->version != 7 || tf->mem || one_cpu())
		return;
	if (want && !tf->zctx)
		return;		/* the whole section at once: the index, on the first lookup */
	if (tf->zctx && !(tf->ksyms_z = ZSTD_createDCtx()))
		return;
	if (skbt_thread_start(&tf->ksyms_thr, NULL, fn, tf)) {
		ZSTD_freeDCtx(tf->ksyms_z);
		tf->ksyms_z = NULL;
		return;
	}
	if (want)
		tf->ranges_tried = true;
	else
		tf->kallsyms_parsed = true;
	tf->ksyms_running = true;
	tf->ksyms_names = !want;
}

const char *skbt_tracefile_symbol(struct skbt_tracefile *tf, uint64_t addr)
{
	ksyms_join(tf);
	if (!tf->kallsyms_parsed) {
		tf->kallsyms_parsed = true;
		/* a failure leaves no symbols: lookups then find none */
		pthread_mutex_lock(&tf->zmu);
		load_kallsyms(tf, tf->zctx);
		pthread_mutex_unlock(&tf->zmu);
	}
	return addr ? skbt_ksyms_find(tf->ksyms, addr) : NULL;
}

bool skbt_tracefile_symbol_in(struct skbt_tracefile *tf, uint64_t addr,
			      bool (*want)(const char *name))
{
	/* a drop's control-plane check needs no names: only a thread finding ranges is waited */
	if (!tf->ksyms_names)
		ksyms_join(tf);
	if (!tf->want)
		tf->want = want;
	/* no thread (a file in memory, one CPU): the ranges here, still cheaper than names */
	if (want == tf->want && !tf->ranges_tried && !tf->kallsyms_parsed && tf->kallsyms_off &&
	    tf->version == 7 && tf->zctx) {
		tf->ranges_tried = true;
		pthread_mutex_lock(&tf->zmu);
		find_ranges(tf, tf->zctx);
		pthread_mutex_unlock(&tf->zmu);
	}
	if (tf->ranges && want == tf->want)
		return addr && skbt_ksyms_ranges_has(tf->ranges, addr);
	return want(skbt_tracefile_symbol(tf, addr));
}

/*
 * printk_formats: "ADDR : \"format\"" lines.  libtraceevent 1.7 reads before the string on
 * a format shorter than 3 characters and past the line on a line ending in ':', so only
 * well-formed lines are passed on (in place: a line is never made longer).
 */
static int do_printk(struct skbt_tracefile *tf, char *s, struct skbt_err *err)
{
	char *line, *save = NULL, *out = s;

	(void)err;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *fmt;
		size_t n;

		if (!colon || colon == line || colon[1] != ' ')
			continue;
		fmt = colon + 2;
		if (*fmt == '"')
			fmt++;
		if (strlen(fmt) < 3)
			continue;
		/* separators only between lines: the output never outgrows the input */
		if (out != s)
			*out++ = '\n';
		n = strlen(line);
		memmove(out, line, n);
		out += n;
	}
	*out = '\0';
	if (out == s)
		return 0;
	return tep_parse_printk_formats(tf->tep, s) ? -EBADMSG : 0;
}

/*
 * saved_cmdlines: "pid comm\n" lines; a malformed line is skipped, as the kernel's is text.
 * Checked and counted against the budget here; given to libtraceevent only on the first
 * skbt_tracefile_comm(): registering a few thousand comms one by one was a fifth of opening
 * a trace-cmd file (3 of 16 ms), and most analyses ask for none or a few.
 */
static int cmdline_pid(const char *line, const char *nl, const char **comm)
{
	const char *p = line, *digits;
	bool neg = false;
	long pid = 0;

	/* as strtol(line, &end, 10) would take it, in a tenth of its instructions */
	while (p < nl && isspace((unsigned char)*p))
		p++;
	if (p < nl && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (digits = p; p < nl && *p >= '0' && *p <= '9'; p++) {
		pid = pid * 10 + (*p - '0');
		if (pid > INT_MAX)
			return -1;
	}
	if (p == digits || p >= nl || *p != ' ' || (neg && pid))
		return -1;
	*comm = p + 1;
	return (int)pid;
}

struct cmdlines_walk {
	struct skbt_tracefile *tf;
	struct skbt_err *err;
};

static int charge_cmdline(int pid, const char *comm, size_t len, void *arg)
{
	struct cmdlines_walk *w = arg;

	(void)pid;
	(void)comm;
	(void)len;
	w->tf->ncmdlines++;	/* comms_index() sizes its tables by it */
	return charge(w->tf, SKBT_LIM_CMDLINES, 1, w->err);
}

static void comms_free(struct skbt_tracefile *tf);

static int do_cmdlines(struct skbt_tracefile *tf, char *s, struct skbt_err *err)
{
	struct cmdlines_walk w = { tf, err };

	free(tf->cmdlines);
	tf->cmdlines = s;	/* parse_sized_text()'s copy, ours now */
	tf->ncmdlines = 0;
	comms_free(tf);
	return skbt_tracefile_foreach_comm(tf, charge_cmdline, &w);
}

/*
 * The comms by pid, indexed here rather than registered with libtraceevent: its list of a
 * few thousand comms was sorted again on the first lookup, a fifth of analysing a small file
 * (3 of 15 M instructions).  A pid listed twice (a crafted file) names its first comm; a
 * name is cut at 255 bytes; out of memory, every comm is missing ("<...>", as libtraceevent
 * says of a pid not in the file).
 */
struct comm_ent {
	int pid;
	uint32_t name;		/* offset in comm_names */
};

struct comms_walk {
	struct skbt_tracefile *tf;
	size_t used;
};

static uint32_t pid_hash(int pid, uint32_t mask)
{
	return ((uint32_t)pid * 2654435761u >> 7) & mask;
}

/* In file order; the hash keeps the first entry of a pid. */
static int add_comm(int pid, const char *comm, size_t len, void *arg)
{
	struct comms_walk *w = arg;
	struct skbt_tracefile *tf = w->tf;
	uint32_t h = pid_hash(pid, tf->comm_mask);

	if (len > 255)
		len = 255;
	while (tf->comm_hash[h]) {
		if (tf->comms[tf->comm_hash[h] - 1].pid == pid)
			return 0;
		h = (h + 1) & tf->comm_mask;
	}
	tf->comms[tf->ncomms] = (struct comm_ent){ pid, (uint32_t)w->used };
	tf->comm_hash[h] = ++tf->ncomms;
	memcpy(tf->comm_names + w->used, comm, len);
	tf->comm_names[w->used + len] = 0;
	w->used += len + 1;
	return 0;
}

static void comms_free(struct skbt_tracefile *tf)
{
	free(tf->comms);
	free(tf->comm_names);
	free(tf->comm_hash);
	tf->comms = NULL;
	tf->comm_names = NULL;
	tf->comm_hash = NULL;
	tf->ncomms = 0;
	tf->comms_given = false;
}

static void comms_index(struct skbt_tracefile *tf)
{
	struct comms_walk w = { tf, 0 };
	unsigned int n = tf->ncmdlines;
	uint32_t size = 16;

	tf->comms_given = true;
	if (!n)
		return;
	while (size < 2 * n)	/* n <= MAX_CMDLINES */
		size *= 2;
	/* a name is never longer than its line, nor a line's NUL than its newline */
	tf->comms = malloc(sizeof(*tf->comms) * n);
	tf->comm_names = malloc(strlen(tf->cmdlines) + 1);
	tf->comm_hash = calloc(size, sizeof(*tf->comm_hash));
	if (!tf->comms || !tf->comm_names || !tf->comm_hash) {
		comms_free(tf);
		tf->comms_given = true;
		return;
	}
	tf->comm_mask = size - 1;
	(void)skbt_tracefile_foreach_comm(tf, add_comm, &w);
}

const char *skbt_tracefile_comm(struct skbt_tracefile *tf, int pid)
{
	uint32_t h;

	if (!tf->comms_given)
		comms_index(tf);
	if (!tf->ncomms)
		return "<...>";
	for (h = pid_hash(pid, tf->comm_mask); tf->comm_hash[h]; h = (h + 1) & tf->comm_mask)
		if (tf->comms[tf->comm_hash[h] - 1].pid == pid)
			return tf->comm_names + tf->comms[tf->comm_hash[h] - 1].name;
	return "<...>";
}

int skbt_tracefile_foreach_comm(const struct skbt_tracefile *tf,
				int (*fn)(int pid, const char *comm, size_t len, void *arg), void *arg)
{
	const char *p = tf->cmdlines, *comm;
	unsigned int n = 0;

	while (p && *p && n < MAX_CMDLINES) {
		const char *nl = strchrnul(p, '\n');
		int pid = cmdline_pid(p, nl, &comm);

		if (pid >= 0) {
			int ret = fn(pid, comm, (size_t)(nl - comm), arg);

			if (ret)
				return ret;
			n++;
		}
		p = *nl ? nl + 1 : nl;
	}
	return 0;
}

/* ---------- options ---------- */

/* "[local] global counter" -> "local"; "mono" -> "mono" */
static char *clock_name(const char *s, size_t n)
{
	const char *b = memchr(s, '[', n), *e;

	if (b) {
		e = memchr(b, ']', n - (b - s));
		if (e)
			return strndup(b + 1, e - b - 1);
	}
	b = s;
	while (b < s + n && (*b == ' ' || *b == '\n'))
		b++;
	e = b;
	while (e < s + n && *e && *e != ' ' && *e != '\n')
		e++;
	return strndup(b, e - b);
}

static int find_buffer(const struct skbt_tracefile *tf, const char *name)
{
	int i;

	for (i = 0; i < tf->nbufs; i++)
		if (!strcmp(tf->bufs[i].name, name))
			return i;
	return -ENOENT;
}

/* The buffer named @name, created (after the existing ones) if new. */
static struct buffer *get_buffer(struct skbt_tracefile *tf, const char *name,
				 struct skbt_err *err)
{
	int i = find_buffer(tf, name);
	struct buffer *nb;

	if (i >= 0)
		return &tf->bufs[i];
	if (charge(tf, SKBT_LIM_BUFFERS, 1, err))
		return NULL;
	nb = realloc(tf->bufs, (tf->nbufs + 1) * sizeof(*nb));
	if (!nb) {
		skbt_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	tf->bufs = nb;
	nb = &tf->bufs[tf->nbufs];
	memset(nb, 0, sizeof(*nb));
	nb->name = strdup(name);
	if (!nb->name) {
		skbt_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	nb->page_size = tf->page_size;
	tf->nbufs++;
	return nb;
}

static int add_cpu(struct buffer *b, uint32_t cpu, uint64_t off, uint64_t size,
		   struct skbt_err *err)
{
	int i;

	if (cpu >= MAX_CPUS)
		return skbt_err_set(err, -EBADMSG, "implausible CPU id %u in buffer \"%s\"", cpu,
				    b->name);
	for (i = 0; i < b->nentries; i++)
		if (b->cpus[i].cpu == cpu)
			return skbt_err_set(err, -EBADMSG, "CPU %u listed twice in buffer \"%s\"",
					    cpu, b->name);
	b->cpus[b->nentries].cpu = cpu;
	b->cpus[b->nentries].offset = off;
	b->cpus[b->nentries].size = size;
	b->nentries++;
	b->bytes += size;
	return 0;
}

static int handle_cpustat(struct skbt_tracefile *tf, const char *s, size_t n,
			  struct skbt_err *err)
{
	const char *p = s, *end = s + n;
	struct cpustat *cs;
	int cpu;

	while (p < end && *p == '\n')
		p++;
	/* trace-cmd precedes an instance's CPUSTATs with one that says "Buffer: name" */
	if (end - p >= 8 && !memcmp(p, "Buffer: ", 8)) {
		const char *q = p + 8, *e = q;
		char **names;
		int i;

		while (e < end && *e && *e != '\n')
			e++;
		for (i = 0; i < tf->ncpustat_names; i++)
			if (strlen(tf->cpustat_names[i]) == (size_t)(e - q) &&
			    !memcmp(tf->cpustat_names[i], q, e - q))
				break;
		if (i == tf->ncpustat_names) {
			if (i >= MAX_BUFFERS)
				return skbt_err_set(err, -EBADMSG, "too many CPUSTAT buffers");
			names = realloc(tf->cpustat_names, (i + 1) * sizeof(*names));
			if (!names)
				return skbt_err_set(err, -ENOMEM, "out of memory");
			tf->cpustat_names = names;
			names[i] = strndup(q, e - q);
			if (!names[i])
				return skbt_err_set(err, -ENOMEM, "out of memory");
			tf->ncpustat_names++;
		}
		tf->cpustat_cur = i;
		tf->cpustat_seq = 0;
		return 0;
	}
	if (tf->ncpustats >= (int)MAX_CPUSTATS)
		return 0;
	cpu = tf->cpustat_seq++;
	if (end - p >= 5 && !memcmp(p, "CPU: ", 5)) {
		const char *q = p + 5;
		long v = 0;

		while (q < end && *q >= '0' && *q <= '9' && v < MAX_CPUS)
			v = v * 10 + (*q++ - '0');
		cpu = (int)v;
		while (q < end && *q && *q != '\n')
			q++;
		if (q < end)
			q++;
		p = q;
	}
	cs = realloc(tf->cpustats, (tf->ncpustats + 1) * sizeof(*cs));
	if (!cs)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	tf->cpustats = cs;
	cs += tf->ncpustats;
	cs->buf_name_idx = tf->cpustat_cur;
	cs->cpu = cpu;
	cs->text = strndup(p, end - p);
	if (!cs->text)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	tf->ncpustats++;
	return 0;
}

static int handle_buffer_v7(struct skbt_tracefile *tf, struct cur *c)
{
	uint64_t off, doff, dsize;
	const char *name, *clock;
	uint32_t ps, ncpu, cpu, i;
	struct buffer *b;
	int ret;

	if ((ret = cur_u64(c, &off)) || (ret = cur_str(c, &name)) || (ret = cur_str(c, &clock)) ||
	    (ret = cur_u32(c, &ps)) || (ret = cur_u32(c, &ncpu)))
		return ret;
	if (ncpu > MAX_CPUS)
		return skbt_err_set(c->err, -EBADMSG, "implausible CPU count %u in buffer \"%s\"",
				    ncpu, name);
	if (ps < 64 || ps > (16u << 20) || (ps & (ps - 1)))
		return skbt_err_set(c->err, -EBADMSG, "unsupported page size %u in buffer \"%s\"",
				    ps, name);
	b = get_buffer(tf, name, c->err);
	if (!b)
		return c->err ? c->err->code : -ENOMEM;
	if (b->nentries)
		return skbt_err_set(c->err, -EBADMSG, "buffer \"%s\" described twice", name);
	free(b->clock);
	b->clock = strdup(clock);
	b->page_size = ps;
	b->cpus = calloc(ncpu ? ncpu : 1, sizeof(*b->cpus));
	if (!b->clock || !b->cpus)
		return skbt_err_set(c->err, -ENOMEM, "out of memory");
	for (i = 0; i < ncpu; i++) {
		if ((ret = cur_u32(c, &cpu)) || (ret = cur_u64(c, &doff)) ||
		    (ret = cur_u64(c, &dsize)))
			return ret;
		if ((ret = add_cpu(b, cpu, doff, dsize, c->err)))
			return ret;
	}
	/* flags of the BUFFER FLYRECORD section: compressed or raw pages */
	b->data_end = UINT64_MAX;
	if (ncpu) {
		uint8_t hdr[16];
		ssize_t r = read_at(tf, off, hdr, sizeof(hdr));

		if (r < 0)
			return skbt_err_set(c->err, r, "read error at offset %llu",
					    (unsigned long long)off);
		if (r == sizeof(hdr)) {
			uint64_t ssize = get64(tf, hdr + 8);

			if (get16(tf, hdr) != SKBT_TDAT_SEC_FLYRECORD)
				return skbt_err_set(c->err, -EBADMSG,
						    "buffer \"%s\": no flyrecord section at offset %llu",
						    name, (unsigned long long)off);
			b->compressed = get16(tf, hdr + 2) & 1;
			if (ssize <= UINT64_MAX - off - 16)
				b->data_end = off + 16 + ssize;
		}
		/*
		 * else the data is gone with the section header: the streams find the file
		 * short and say it is truncated
		 */
		if (b->compressed && !tf->zctx)
			return skbt_err_set(c->err, -EBADMSG,
					    "buffer \"%s\" is compressed but the file declares no compression",
					    name);
	}
	return 0;
}

/*
 * v6 per-buffer data: "flyrecord\0" (optional for instances), a table of @ncpus
 * (offset, size) pairs, then the clock as a sized string when TRACECLOCK was recorded.
 * Returns the offset after what was read.
 */
static int read_v6_flyrecord(struct skbt_tracefile *tf, struct buffer *b, uint64_t off,
			     bool need_tag, uint64_t *after, struct skbt_err *err)
{
	char tag[10];
	uint8_t *tab;
	uint32_t i;
	int ret;

	ret = read_exact(tf, off, tag, sizeof(tag), "flyrecord header", err);
	if (ret)
		return ret;
	if (!memcmp(tag, "flyrecord", 10))
		off += 10;
	else if (!memcmp(tag, "latency  ", 10))
		return skbt_err_set(err, -EPROTONOSUPPORT, "latency trace files are not supported");
	else if (need_tag)
		return skbt_err_set(err, -EBADMSG, "expected \"flyrecord\" at offset %llu",
				    (unsigned long long)off);
	b->cpus = calloc(tf->cpucount ? tf->cpucount : 1, sizeof(*b->cpus));
	tab = malloc((size_t)tf->cpucount * 16 + 1);
	if (!b->cpus || !tab) {
		free(tab);
		return skbt_err_set(err, -ENOMEM, "out of memory");
	}
	ret = read_exact(tf, off, tab, (size_t)tf->cpucount * 16, "flyrecord CPU table", err);
	for (i = 0; !ret && i < tf->cpucount; i++) {
		uint64_t doff = get64(tf, tab + 16 * i), dsize = get64(tf, tab + 16 * i + 8);

		ret = add_cpu(b, i, doff, dsize, err);
	}
	free(tab);
	if (ret)
		return ret;
	off += (uint64_t)tf->cpucount * 16;
	b->data_end = UINT64_MAX;	/* v6 data has no enclosing section */
	b->page_size = tf->page_size;
	/* the clock that follows is optional: take it only when it looks like one */
	{
		uint8_t lenb[8];
		char txt[256];
		uint64_t n;

		if (read_at(tf, off, lenb, 8) == 8) {
			n = get64(tf, lenb);
			if (n > 0 && n < sizeof(txt) && read_at(tf, off + 8, txt, n) == (ssize_t)n &&
			    txt[0] == '[') {
				free(b->clock);
				b->clock = clock_name(txt, n);
				off += 8 + n;
			}
		}
	}
	*after = off;
	return 0;
}

static int handle_option(struct skbt_tracefile *tf, uint16_t id, const uint8_t *data,
			 uint32_t size, uint64_t where, struct skbt_err *err)
{
	struct cur c = { tf, data, size, 0, where, "option", err };
	uint64_t off;
	const char *name;
	int ret;

	if (++tf->noptions > MAX_OPTIONS)
		return skbt_err_set(err, -EBADMSG, "too many options (more than %u)", MAX_OPTIONS);
	switch (id) {
	case SKBT_TDAT_OPT_CPUSTAT:
		return handle_cpustat(tf, (const char *)data, strnlen((const char *)data, size),
				      err);
	case SKBT_TDAT_OPT_BUFFER:
		if (tf->version >= 7)
			return handle_buffer_v7(tf, &c);
		/* v6: offset of the instance's flyrecord table, then its name */
		if ((ret = cur_u64(&c, &off)) || (ret = cur_str(&c, &name)))
			return ret;
		{
			struct buffer *b = get_buffer(tf, name, err);

			if (!b)
				return err ? err->code : -ENOMEM;
			if (!name[0] || b->data_end)
				return skbt_err_set(err, -EBADMSG,
						    "bad or repeated BUFFER option \"%s\"", name);
			/* remember where; the table is read once the cpu count is known */
			b->data_end = off;
		}
		return 0;
	case SKBT_TDAT_OPT_TRACECLOCK:
		free(tf->trace_clock);
		tf->trace_clock = clock_name((const char *)data, strnlen((const char *)data, size));
		return tf->trace_clock ? 0 : skbt_err_set(err, -ENOMEM, "out of memory");
	case SKBT_TDAT_OPT_CPUCOUNT:
		if (size < 4)
			return 0;
		/* the same bound as the header's count: the CPU table is allocated from it */
		if (get32(tf, data) > MAX_CPUS)
			return skbt_err_set(err, -EBADMSG, "implausible CPU count %u in the "
					    "CPUCOUNT option", get32(tf, data));
		tf->cpucount = get32(tf, data);
		return 0;
	case SKBT_TDAT_OPT_HEADER_INFO:
	case SKBT_TDAT_OPT_FTRACE_EVENTS:
	case SKBT_TDAT_OPT_EVENT_FORMATS:
	case SKBT_TDAT_OPT_KALLSYMS:
	case SKBT_TDAT_OPT_PRINTK:
	case SKBT_TDAT_OPT_CMDLINES:
		if (tf->version >= 7 && size >= 8)
			tf->sec_off[id] = get64(tf, data);
		return 0;
	case SKBT_TDAT_OPT_UNAME:	/* kept for the node's name (skbt_context.node) */
	case SKBT_OPTION_ID: {
		struct skbt_option *o;

		if (tf->nopts >= MAX_SKBT_OPTS)
			return 0;
		o = realloc(tf->opts, (tf->nopts + 1) * sizeof(*o));
		if (!o)
			return skbt_err_set(err, -ENOMEM, "out of memory");
		tf->opts = o;
		o += tf->nopts;
		o->id = id;
		o->size = size;
		o->data = malloc(size ? size : 1);
		if (!o->data)
			return skbt_err_set(err, -ENOMEM, "out of memory");
		memcpy(o->data, data, size);
		tf->nopts++;
		return 0;
	}
	default:
		return 0;	/* unknown options are skipped, as trace-cmd does */
	}
}

/* v7: walk the chain of OPTIONS sections from @off. */
static int read_options_v7(struct skbt_tracefile *tf, uint64_t off, struct skbt_err *err)
{
	uint64_t seen[64];
	unsigned int nsec = 0;

	while (off) {
		uint8_t *buf;
		size_t len;
		uint64_t next = 0;
		bool done = false;
		struct cur c;
		unsigned int i;
		int ret;

		if (++nsec > MAX_OPT_SECTIONS)
			return skbt_err_set(err, -EBADMSG, "too many options sections");
		/* a chain that comes back to an earlier section would never end */
		for (i = 0; i < nsec - 1 && i < SKBT_ARRAY_SIZE(seen); i++)
			if (seen[i] == off)
				return skbt_err_set(err, -EBADMSG,
						    "options sections loop at offset %llu",
						    (unsigned long long)off);
		if (nsec - 1 < SKBT_ARRAY_SIZE(seen))
			seen[nsec - 1] = off;
		ret = load_section(tf, tf->zctx, off, SKBT_TDAT_SEC_OPTIONS, "options section", &buf,
				   &len, err);
		if (ret)
			return ret;
		c = (struct cur){ tf, buf, len, 0, off + 16, "options section", err };
		while (!done) {
			uint16_t id;
			uint32_t size;
			const uint8_t *data;

			if ((ret = cur_u16(&c, &id)) || (ret = cur_u32(&c, &size)) ||
			    (ret = cur_bytes(&c, size, &data)))
				break;
			if (id == SKBT_TDAT_OPT_DONE) {
				if (size >= 8)
					next = get64(tf, data);
				done = true;
				break;
			}
			ret = handle_option(tf, id, data, size, c.base + c.pos - size, err);
			if (ret)
				break;
		}
		free(buf);
		if (ret)
			return ret;
		off = next;
	}
	return 0;
}

/* v6: options follow "options  \0" until an id 0. */
static int read_options_v6(struct skbt_tracefile *tf, uint64_t *offp, struct skbt_err *err)
{
	uint64_t off = *offp;

	for (;;) {
		uint8_t hdr[6];
		uint16_t id;
		uint32_t size;
		char *data;
		int ret;

		ret = read_exact(tf, off, hdr, 2, "options", err);
		if (ret)
			return ret;
		id = get16(tf, hdr);
		if (id == SKBT_TDAT_OPT_DONE) {
			*offp = off + 2;
			return 0;
		}
		ret = read_exact(tf, off, hdr, 6, "options", err);
		if (ret)
			return ret;
		size = get32(tf, hdr + 2);
		if (size > MAX_OPTION)
			return skbt_err_set(err, -EBADMSG, "option %u at offset %llu too large", id,
					    (unsigned long long)off);
		ret = read_alloc(tf, off + 6, size, "options", &data, err);
		if (ret)
			return ret;
		ret = handle_option(tf, id, (uint8_t *)data, size, off + 6, err);
		free(data);
		if (ret)
			return ret;
		off += 6 + (uint64_t)size;
	}
}

/* ---------- header and the two layouts ---------- */

static int read_v7(struct skbt_tracefile *tf, uint64_t off, struct skbt_err *err)
{
	static const struct {
		int opt;
		const char *what;
	} secs[] = {
		{ SKBT_TDAT_OPT_HEADER_INFO, "headers section" },
		{ SKBT_TDAT_OPT_FTRACE_EVENTS, "ftrace event formats section" },
		{ SKBT_TDAT_OPT_EVENT_FORMATS, "event formats section" },
		{ SKBT_TDAT_OPT_KALLSYMS, "kallsyms section" },
		{ SKBT_TDAT_OPT_PRINTK, "printk formats section" },
		{ SKBT_TDAT_OPT_CMDLINES, "command lines section" },
	};
	uint8_t b8[8];
	unsigned int i;
	int ret;

	ret = read_exact(tf, off, b8, 8, "file header", err);
	if (ret)
		return ret;
	ret = read_options_v7(tf, get64(tf, b8), err);
	if (ret)
		return ret;
	if (!tf->sec_off[SKBT_TDAT_OPT_HEADER_INFO])
		return skbt_err_set(err, -EBADMSG, "no header_page section");
	for (i = 0; i < SKBT_ARRAY_SIZE(secs); i++) {
		uint64_t soff = tf->sec_off[secs[i].opt];
		uint8_t *buf;
		size_t len;
		struct cur c;

		if (!soff)
			continue;
		if (secs[i].opt == SKBT_TDAT_OPT_KALLSYMS) {
			tf->kallsyms_off = soff;	/* read on the first symbol lookup */
			continue;
		}
		ret = load_section(tf, tf->zctx, soff, secs[i].opt, secs[i].what, &buf, &len, err);
		if (ret)
			return ret;
		c = (struct cur){ tf, buf, len, 0, soff, secs[i].what, err };
		switch (secs[i].opt) {
		case SKBT_TDAT_OPT_HEADER_INFO:
			ret = parse_header_page(tf, &c);
			break;
		case SKBT_TDAT_OPT_FTRACE_EVENTS:
			ret = parse_ftrace_formats(tf, &c);
			break;
		case SKBT_TDAT_OPT_EVENT_FORMATS:
			ret = parse_event_formats(tf, &c);
			break;
		case SKBT_TDAT_OPT_KALLSYMS:
			ret = parse_sized_text(tf, &c, 4, do_kallsyms, true);
			break;
		case SKBT_TDAT_OPT_PRINTK:
			ret = parse_sized_text(tf, &c, 4, do_printk, false);
			break;
		case SKBT_TDAT_OPT_CMDLINES:
			ret = parse_sized_text(tf, &c, 8, do_cmdlines, true);
			break;
		}
		free(buf);
		if (ret)
			return ret;
	}
	return 0;
}

/* v6 ftrace or event formats, read from the file format by format. */
static int read_v6_formats(struct skbt_tracefile *tf, uint64_t *offp, bool systems,
			   const char *what, struct skbt_err *err)
{
	uint64_t off = *offp;
	uint32_t nsys = 1, nev, i, j;
	uint8_t b[8];
	char sys[256];
	int ret;

	if (systems) {
		if ((ret = read_exact(tf, off, b, 4, what, err)))
			return ret;
		nsys = get32(tf, b);
		off += 4;
		if (nsys > MAX_FORMATS)
			return skbt_err_set(err, -EBADMSG, "implausible system count %u in the %s",
					    nsys, what);
	} else {
		strcpy(sys, "ftrace");
	}
	for (i = 0; i < nsys; i++) {
		if (systems) {
			ssize_t r = read_at(tf, off, sys, sizeof(sys));
			char *nul;

			if (r < 0)
				return skbt_err_set(err, r, "read error in the %s", what);
			nul = memchr(sys, '\0', r);
			if (!nul) {
				if (r < (ssize_t)sizeof(sys))
					return skbt_err_set(err, -EBADMSG,
							    "truncated in the %s at offset %llu",
							    what, (unsigned long long)(off + r));
				return skbt_err_set(err, -EBADMSG,
						    "system name too long in the %s at offset %llu",
						    what, (unsigned long long)off);
			}
			off += nul - sys + 1;
		}
		if ((ret = read_exact(tf, off, b, 4, what, err)))
			return ret;
		nev = get32(tf, b);
		off += 4;
		if (nev > MAX_FORMATS)
			return skbt_err_set(err, -EBADMSG, "implausible event count %u in the %s",
					    nev, what);
		for (j = 0; j < nev; j++) {
			uint64_t n;
			char *fmt;

			if ((ret = read_exact(tf, off, b, 8, what, err)))
				return ret;
			n = get64(tf, b);
			if ((ret = read_alloc(tf, off + 8, n, what, &fmt, err)))
				return ret;
			ret = add_format(tf, sys, fmt, n, err);
			free(fmt);
			if (ret)
				return ret;
			off += 8 + n;
		}
	}
	*offp = off;
	return 0;
}

/*
 * v6 metadata blocks of known extent: read each one whole (size checked against the file
 * and the cap) and parse it from memory.  @kind: 0 header page, 3 kallsyms, 4 printk,
 * 5 cmdlines.
 */
static int read_v6_block(struct skbt_tracefile *tf, uint64_t *offp, int kind,
			 const char *what, struct skbt_err *err)
{
	uint64_t off = *offp, end = off, n;
	uint8_t b[8];
	char *buf;
	struct cur c;
	int ret;

	if (kind == 1 || kind == 2)
		return read_v6_formats(tf, offp, kind == 2, what, err);
	switch (kind) {
	case 0: {
		int k;

		for (k = 0; k < 2; k++) {
			unsigned int tag = k ? 13 : 12;

			ret = read_exact(tf, end + tag, b, 8, what, err);
			if (ret)
				return ret;
			n = get64(tf, b);
			if (n > MAX_SECTION)
				return skbt_err_set(err, -EBADMSG, "%s at offset %llu too large",
						    what, (unsigned long long)end);
			end += tag + 8 + n;
		}
		break;
	}
	case 3:
	case 4:
		ret = read_exact(tf, off, b, 4, what, err);
		if (ret)
			return ret;
		end = off + 4 + get32(tf, b);
		/* kallsyms: read on the first symbol lookup (load_kallsyms()) */
		if (kind == 3 && !tf->kallsyms_parsed && end <= tf->fsize) {
			tf->kallsyms_off = off;
			*offp = end;
			return 0;
		}
		break;
	default:
		ret = read_exact(tf, off, b, 8, what, err);
		if (ret)
			return ret;
		n = get64(tf, b);
		if (n > MAX_SECTION)
			return skbt_err_set(err, -EBADMSG, "%s at offset %llu too large", what,
					    (unsigned long long)off);
		end = off + 8 + n;
		break;
	}
	ret = read_alloc(tf, off, end - off, what, &buf, err);
	if (ret)
		return ret;
	c = (struct cur){ tf, (uint8_t *)buf, end - off, 0, off, what, err };
	switch (kind) {
	case 0:
		ret = parse_header_page(tf, &c);
		break;
	case 3:
		ret = parse_sized_text(tf, &c, 4, do_kallsyms, true);
		break;
	case 4:
		ret = parse_sized_text(tf, &c, 4, do_printk, false);
		break;
	default:
		ret = parse_sized_text(tf, &c, 8, do_cmdlines, true);
		break;
	}
	free(buf);
	if (ret)
		return ret;
	*offp = off + c.pos;
	return 0;
}

static int read_v6(struct skbt_tracefile *tf, uint64_t off, struct skbt_err *err)
{
	static const char *const what[] = {
		"header_page", "ftrace event formats", "event formats", "kallsyms",
		"printk formats", "command lines",
	};
	uint8_t b4[4];
	char tag[10];
	struct buffer *top;
	uint64_t after;
	int kind, ret, i;

	for (kind = 0; kind < 6; kind++) {
		ret = read_v6_block(tf, &off, kind, what[kind], err);
		if (ret)
			return ret;
	}
	ret = read_exact(tf, off, b4, 4, "CPU count", err);
	if (ret)
		return ret;
	tf->cpucount = get32(tf, b4);
	if (tf->cpucount > MAX_CPUS)
		return skbt_err_set(err, -EBADMSG, "implausible CPU count %u", tf->cpucount);
	off += 4;
	ret = read_exact(tf, off, tag, sizeof(tag), "options", err);
	if (ret)
		return ret;
	if (!memcmp(tag, "options  ", 10)) {
		off += 10;
		ret = read_options_v6(tf, &off, err);
		if (ret)
			return ret;
	}
	/* the top buffer: index 0 (instances were appended after it by the options) */
	top = get_buffer(tf, "", err);
	if (!top)
		return err ? err->code : -ENOMEM;
	ret = read_v6_flyrecord(tf, top, off, true, &after, err);
	if (ret)
		return ret;
	for (i = 0; i < tf->nbufs; i++) {
		struct buffer *b = &tf->bufs[i];

		if (!b->name[0])
			continue;

		/* data_end holds the BUFFER option's offset until here */
		ret = read_v6_flyrecord(tf, b, b->data_end, false, &after, err);
		if (ret)
			return ret;
	}
	return 0;
}

static int read_header(struct skbt_tracefile *tf, struct skbt_err *err)
{
	uint8_t h[128];
	ssize_t n = read_at(tf, 0, h, sizeof(h));
	size_t pos;
	const char *ver;
	char *end;
	long v;

	if (n < 0)
		return skbt_err_set(err, n, "read error: %s", strerror(-n));
	if (n < 10 || memcmp(h, "\x17\x08\x44tracing", 10))
		return skbt_err_set(err, -EINVAL, "not a trace.dat file (bad magic)");
	ver = (const char *)h + 10;
	if (!memchr(ver, '\0', n - 10))
		return skbt_err_set(err, -EBADMSG, "truncated in the file header at offset %zd", n);
	v = strtol(ver, &end, 10);
	if (end == ver || *end || (v != 6 && v != 7))
		return skbt_err_set(err, -EPROTONOSUPPORT, "unsupported trace.dat version '%.8s'",
				    ver);
	tf->version = (int)v;
	pos = 10 + strlen(ver) + 1;
	if ((size_t)n < pos + 6)
		return skbt_err_set(err, -EBADMSG, "truncated in the file header at offset %zd", n);
	if (h[pos] > 1)
		return skbt_err_set(err, -EBADMSG, "bad endianness byte %u", h[pos]);
	tf->big_endian = h[pos];
	tf->swap = tf->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	tf->long_size = h[pos + 1];
	if (tf->long_size != 4 && tf->long_size != 8)
		return skbt_err_set(err, -EBADMSG, "bad long size %d", tf->long_size);
	tf->page_size = get32(tf, h + pos + 2);
	if (tf->page_size < 64 || tf->page_size > (16u << 20) ||
	    (tf->page_size & (tf->page_size - 1)))
		return skbt_err_set(err, -EBADMSG, "unsupported page size %u", tf->page_size);
	pos += 6;
	tf->tep = tep_alloc();
	if (!tf->tep)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	tep_set_file_bigendian(tf->tep, tf->big_endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tf->tep, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
				TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(tf->tep, tf->long_size);
	tep_set_page_size(tf->tep, tf->page_size);
	if (tf->version == 6) {
		strcpy(tf->compression, "none");
		return (int)pos;
	}
	{
		const char *name = (const char *)h + pos, *zver;

		if (!memchr(name, '\0', n - pos))
			return skbt_err_set(err, -EBADMSG,
					    "truncated in the file header at offset %zd", n);
		zver = name + strlen(name) + 1;
		if ((const uint8_t *)zver >= h + n || !memchr(zver, '\0', h + n - (const uint8_t *)zver))
			return skbt_err_set(err, -EBADMSG,
					    "truncated in the file header at offset %zd", n);
		if (strcmp(name, "none") && strcmp(name, "zstd"))
			return skbt_err_set(err, -EPROTONOSUPPORT, "unsupported compression '%.20s'",
					    name);
		snprintf(tf->compression, sizeof(tf->compression), "%.20s", name);
		pos = (const uint8_t *)zver + strlen(zver) + 1 - h;
		if (!strcmp(name, "zstd")) {
			tf->zctx = ZSTD_createDCtx();
			if (!tf->zctx)
				return skbt_err_set(err, -ENOMEM, "out of memory");
		}
	}
	return (int)pos;
}

static void finish_buffers(struct skbt_tracefile *tf)
{
	int i, j;

	for (i = 0; i < tf->nbufs; i++) {
		struct buffer *b = &tf->bufs[i];
		int n = 0;

		for (j = 0; j < b->nentries; j++)
			if ((int)b->cpus[j].cpu + 1 > n)
				n = b->cpus[j].cpu + 1;
		/* CPUs without data still count: cpu ids stay the kernel's */
		if (b->nentries && (int)tf->cpucount > n && tf->cpucount <= MAX_CPUS)
			n = tf->cpucount;
		b->ncpus = n;
		/*
		 * trace-cmd 3.1 writes "local" in the BUFFER option of an instance recorded with
		 * -B NAME -C mono (seen here): the TRACECLOCK option then names the clock that
		 * ran.  "local" is also its placeholder, so only that value gives way.
		 */
		if (b->clock && !strcmp(b->clock, "local") && tf->trace_clock &&
		    strcmp(tf->trace_clock, "local")) {
			free(b->clock);
			b->clock = NULL;
		}
		if (!b->clock)
			b->clock = strdup(tf->trace_clock ? tf->trace_clock : "local");
	}
}

/*
 * A perf.data is read through its trace.dat image: @file (@size bytes) is converted and the
 * image replaces the file as what read_at() reads.
 */
static int open_perf(struct skbt_tracefile *tf, const void *file, size_t size,
		     struct skbt_err *err)
{
	struct skbt_perf_image img;
	int ret = skbt_perfdata_to_tracedat(file, size, &img, err);

	if (ret)
		return ret;
	tf->perf_image = img.data;
	tf->mem = img.data;
	tf->fsize = img.size;
	tf->truncated = img.truncated;
	return 0;
}

/*
 * The 8 bytes at @pos through a window of the file read 64 KiB at a time: a chunk header
 * walk of trace-cmd's small chunks (a few KB each) was a pread per chunk.  *p points into
 * the window; false when the file has no 8 bytes there.
 */
struct win {
	uint64_t off;
	size_t len;
	uint8_t buf[64 << 10];
};

static bool win_read(const struct skbt_tracefile *tf, struct win *w, uint64_t pos,
		     const uint8_t **p)
{
	if (pos < w->off || pos + 8 > w->off + w->len) {
		/* not counted in bytes_read: that is the progress through the data */
		ssize_t r = pread_at(tf, pos, w->buf, sizeof(w->buf));

		w->off = pos;
		w->len = r > 0 ? (size_t)r : 0;
		if (w->len < 8)
			return false;
	}
	*p = w->buf + (pos - w->off);
	return true;
}

/*
 * Charge the per-CPU data to the budgets before any stream reads it: the streams of all
 * buffers, the bytes of their ranges (in the file, so ranges that overlap count each time),
 * and for zstd chunks the sizes they expand to, from the chunk headers (so a chunk shared
 * by several CPUs counts once per CPU, as it is expanded once per CPU).  A walk of the
 * headers costs one 8-byte read per chunk; a short or corrupt chain stops it, and the
 * stream then reports the file truncated where it breaks.
 */
static int charge_data(struct skbt_tracefile *tf, struct skbt_err *err)
{
	struct win w = { .len = 0 };
	const uint8_t *hp;
	int ret;

	for (int i = 0; i < tf->nbufs; i++) {
		const struct buffer *b = &tf->bufs[i];

		if ((ret = charge(tf, SKBT_LIM_CPUS, b->ncpus, err)))
			return ret;
		for (int j = 0; j < b->nentries; j++) {
			uint64_t off = b->cpus[j].offset, size = b->cpus[j].size, end, pos;
			uint8_t h[8];
			uint32_t n;

			if (off >= tf->fsize || !size)
				continue;
			end = tf->fsize - off < size ? tf->fsize : off + size;
			if ((ret = charge(tf, SKBT_LIM_CPU_DATA, end - off, err)))
				return ret;
			if (!b->compressed || read_at(tf, off, h, 4) != 4)
				continue;
			/* as skbt_cpu_stream_open(): chunks run to the end of the section */
			end = b->data_end < tf->fsize ? b->data_end : tf->fsize;
			n = get32(tf, h);
			for (pos = off + 4; n && pos + 8 <= end && win_read(tf, &w, pos, &hp); n--) {
				uint32_t zsize = get32(tf, hp), usize = get32(tf, hp + 4);

				if (zsize > MAX_CHUNK || usize > MAX_CHUNK || pos + 8 + zsize > end)
					break;
				if ((ret = charge(tf, SKBT_LIM_UNPACKED, usize, err)))
					return ret;
				pos += 8 + (uint64_t)zsize;
			}
		}
	}
	return 0;
}

static int open_common(struct skbt_tracefile *tf, struct skbt_err *err)
{
	int pos, ret;

	pos = read_header(tf, err);
	if (pos < 0)
		return pos;
	if (tf->version == 6)
		ret = read_v6(tf, pos, err);
	else
		ret = read_v7(tf, pos, err);
	if (ret)
		return ret;
	if (find_buffer(tf, "") < 0) {
		/* index 0 is always the top buffer, even when the file has none */
		struct buffer *b = get_buffer(tf, "", err), tmp;

		if (!b)
			return err ? err->code : -ENOMEM;
		tmp = *b;
		memmove(&tf->bufs[1], &tf->bufs[0], (tf->nbufs - 1) * sizeof(*b));
		tf->bufs[0] = tmp;
	} else if (find_buffer(tf, "") != 0) {
		int i = find_buffer(tf, "");
		struct buffer tmp = tf->bufs[i];

		memmove(&tf->bufs[1], &tf->bufs[0], i * sizeof(tmp));
		tf->bufs[0] = tmp;
	}
	/* the sub-buffer header's commit field has the kernel's long size */
	ret = tep_get_header_page_size(tf->tep);
	tf->kb_long8 = ret ? ret == 8 : tf->long_size == 8;
	finish_buffers(tf);
	if (tf->perf_image)
		strcpy(tf->compression, "perf.data");
	for (int i = 0; i < tf->nbufs; i++)
		if (!tf->bufs[i].clock)
			return skbt_err_set(err, -ENOMEM, "out of memory");
	return charge_data(tf, err);
}

static struct skbt_tracefile *tf_alloc(void)
{
	struct skbt_tracefile *tf = calloc(1, sizeof(*tf));

	if (tf) {
		tf->fd = -1;
		tf->cpustat_cur = -1;	/* CPUSTATs before any "Buffer:" line are the top's */
		pthread_mutex_init(&tf->zmu, NULL);
	}
	return tf;
}

int skbt_tracefile_open(const char *path, struct skbt_tracefile **tfp, struct skbt_err *err)
{
	struct skbt_tracefile *tf;
	struct stat st;
	int ret;

	*tfp = NULL;
	tf = tf_alloc();
	if (!tf)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	tf->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (tf->fd < 0) {
		ret = -errno;
		skbt_err_set(err, ret, "%s", strerror(-ret));
		goto fail;
	}
	if (fstat(tf->fd, &st) < 0) {
		ret = -errno;
		skbt_err_set(err, ret, "%s", strerror(-ret));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = skbt_err_set(err, -EINVAL, "not a trace.dat file (not a regular file)");
		goto fail;
	}
	tf->fsize = st.st_size;
	{
		uint8_t magic[8];

		if (read_at(tf, 0, magic, 8) == 8 && skbt_perfdata_is(magic, 8)) {
			void *m = mmap(NULL, tf->fsize, PROT_READ, MAP_PRIVATE, tf->fd, 0);

			if (m == MAP_FAILED) {
				ret = skbt_err_set(err, -errno, "%s", strerror(errno));
				goto fail;
			}
			ret = open_perf(tf, m, tf->fsize, err);
			munmap(m, st.st_size);
			if (ret)
				goto fail;
		}
	}
	ret = open_common(tf, err);
	if (ret)
		goto fail;
	*tfp = tf;
	return 0;
fail:
	skbt_tracefile_close(tf);
	return ret;
}

int skbt_tracefile_open_mem(const void *data, size_t size, struct skbt_tracefile **tfp,
			    struct skbt_err *err)
{
	struct skbt_tracefile *tf;
	int ret;

	*tfp = NULL;
	tf = tf_alloc();
	if (!tf)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	tf->mem = data ? data : (const uint8_t *)"";
	tf->fsize = data ? size : 0;
	ret = skbt_perfdata_is(tf->mem, tf->fsize) ? open_perf(tf, data, size, err) : 0;
	if (!ret)
		ret = open_common(tf, err);
	if (ret) {
		skbt_tracefile_close(tf);
		return ret;
	}
	*tfp = tf;
	return 0;
}

void skbt_tracefile_close(struct skbt_tracefile *tf)
{
	int i;

	if (!tf)
		return;
	ahead_stop(tf->ahead);	/* its streams are closed: it waits for none */
	ksyms_join(tf);
	skbt_ksyms_ranges_free(tf->ranges);
	if (tf->fd >= 0)
		close(tf->fd);
	free(tf->perf_image);
	if (tf->tep)
		tep_free(tf->tep);
	free(tf->cmdlines);
	comms_free(tf);
	for (size_t k = 0; k < tf->nfmts; k++)
		free(tf->fmts[k].sys);
	free(tf->fmts);
	ZSTD_freeDCtx(tf->zctx);
	pthread_mutex_destroy(&tf->zmu);
	for (i = 0; i < tf->nbufs; i++) {
		free(tf->bufs[i].name);
		free(tf->bufs[i].clock);
		free(tf->bufs[i].cpus);
	}
	free(tf->bufs);
	for (i = 0; i < tf->ncpustats; i++)
		free(tf->cpustats[i].text);
	free(tf->cpustats);
	for (i = 0; i < tf->ncpustat_names; i++)
		free(tf->cpustat_names[i]);
	free(tf->cpustat_names);
	for (i = 0; i < tf->nopts; i++)
		free(tf->opts[i].data);
	free(tf->opts);
	free(tf->trace_clock);
	skbt_ksyms_free(tf->ksyms);
	free(tf);
}

/* ---------- accessors ---------- */

int skbt_tracefile_version(const struct skbt_tracefile *tf)
{
	return tf->version;
}

unsigned int skbt_tracefile_page_size(const struct skbt_tracefile *tf)
{
	return tf->page_size;
}

const char *skbt_tracefile_compression(const struct skbt_tracefile *tf)
{
	return tf->compression;
}

struct tep_handle *skbt_tracefile_tep(struct skbt_tracefile *tf)
{
	return tf->tep;
}

int skbt_tracefile_nbuffers(const struct skbt_tracefile *tf)
{
	return tf->nbufs;
}

int skbt_tracefile_buffer_find(const struct skbt_tracefile *tf, const char *name)
{
	return find_buffer(tf, name);
}

static const struct buffer *buf_at(const struct skbt_tracefile *tf, int buf)
{
	return buf >= 0 && buf < tf->nbufs ? &tf->bufs[buf] : NULL;
}

const char *skbt_tracefile_buffer_name(const struct skbt_tracefile *tf, int buf)
{
	const struct buffer *b = buf_at(tf, buf);

	return b ? b->name : NULL;
}

const char *skbt_tracefile_buffer_clock(const struct skbt_tracefile *tf, int buf)
{
	const struct buffer *b = buf_at(tf, buf);

	return b && b->clock ? b->clock : "local";
}

int skbt_tracefile_buffer_ncpus(const struct skbt_tracefile *tf, int buf)
{
	const struct buffer *b = buf_at(tf, buf);

	return b ? b->ncpus : 0;
}

uint64_t skbt_tracefile_buffer_bytes(const struct skbt_tracefile *tf, int buf)
{
	const struct buffer *b = buf_at(tf, buf);

	return b ? b->bytes : 0;
}

int skbt_tracefile_cpu_data(const struct skbt_tracefile *tf, int buf, int cpu, uint64_t *offset,
			    uint64_t *size)
{
	const struct buffer *b = buf_at(tf, buf);
	int i;

	for (i = 0; b && i < b->nentries; i++) {
		if (b->cpus[i].cpu != (uint32_t)cpu || !b->cpus[i].size)
			continue;
		*offset = b->cpus[i].offset;
		*size = b->cpus[i].size;
		return 0;
	}
	return -ENOENT;
}

const char *skbt_tracefile_cpustat(const struct skbt_tracefile *tf, int buf, int cpu)
{
	const struct buffer *b = buf_at(tf, buf);
	int i;

	if (!b)
		return NULL;
	for (i = 0; i < tf->ncpustats; i++) {
		const struct cpustat *cs = &tf->cpustats[i];
		const char *name = cs->buf_name_idx < 0 ? "" : tf->cpustat_names[cs->buf_name_idx];

		if (cs->cpu == cpu && !strcmp(name, b->name))
			return cs->text;
	}
	return NULL;
}

int skbt_tracefile_option(const struct skbt_tracefile *tf, unsigned int id, int nth,
			  const void **data, uint32_t *size)
{
	int i;

	for (i = 0; i < tf->nopts; i++) {
		if (tf->opts[i].id != id || nth-- > 0)
			continue;
		*data = tf->opts[i].data;
		*size = tf->opts[i].size;
		return 0;
	}
	return -ENOENT;
}

uint64_t skbt_tracefile_size(const struct skbt_tracefile *tf)
{
	return tf->fsize;
}

uint64_t skbt_tracefile_bytes_read(const struct skbt_tracefile *tf)
{
	return __atomic_load_n(&tf->bytes_read, __ATOMIC_RELAXED);
}

bool skbt_tracefile_truncated(const struct skbt_tracefile *tf)
{
	return tf->truncated;
}

/* ---------- per-CPU streams ---------- */

int skbt_cpu_stream_open(struct skbt_tracefile *tf, int buf, int cpu,
			 struct skbt_cpu_stream **sp, struct skbt_err *err)
{
	const struct buffer *b = buf_at(tf, buf);
	struct skbt_cpu_stream *s;
	int i;

	*sp = NULL;
	if (!b)
		return skbt_err_set(err, -EINVAL, "no buffer %d", buf);
	if (cpu < 0 || cpu >= b->ncpus)
		return skbt_err_set(err, -EINVAL, "no CPU %d in buffer \"%s\"", cpu, b->name);
	s = calloc(1, sizeof(*s));
	if (!s)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	s->tf = tf;
	s->b = b;
	s->cpu = cpu;
	s->ps = b->page_size;
	s->hdr = tf->kb_long8 ? 16 : 12;
	s->compressed = b->compressed;
	s->done = true;
	for (i = 0; i < b->nentries; i++) {
		if (b->cpus[i].cpu != (uint32_t)cpu)
			continue;
		s->pos = b->cpus[i].offset;
		s->end = b->cpus[i].size > UINT64_MAX - s->pos ? UINT64_MAX :
			 s->pos + b->cpus[i].size;
		/* zstd data: the size leaves out the 4-byte chunk count */
		if (s->compressed)
			s->end = b->data_end;
		else if (s->end > b->data_end)
			s->end = b->data_end;
		s->done = b->cpus[i].size == 0;
	}
	if (s->done)
		goto out;
	if (s->compressed) {
		uint8_t b4[4];

		if (read_at(tf, s->pos, b4, 4) != 4 || s->pos + 4 > s->end) {
			tf->truncated = true;
			s->done = true;
		} else {
			s->chunks_left = get32(tf, b4);
			s->pos += 4;
			ahead_attach(tf, s);
		}
	}
out:
	*sp = s;
	return 0;
}

int skbt_cpu_stream_open_live(struct skbt_tracefile *tf, int cpu, struct skbt_cpu_stream **sp)
{
	struct skbt_cpu_stream *s = calloc(1, sizeof(*s));

	*sp = NULL;
	if (!s)
		return -ENOMEM;
	s->tf = tf;
	s->cpu = cpu;
	s->ps = tf->page_size;
	s->hdr = tf->kb_long8 ? 16 : 12;
	s->live = true;
	*sp = s;
	return 0;
}

void skbt_cpu_stream_close(struct skbt_cpu_stream *s)
{
	if (!s)
		return;
	if (s->slots)
		ahead_detach(s);
	free(s->pend);
	free(s->blk);
	free(s->zbuf);
	free(s);
}

static int grow(uint8_t **p, size_t *cap, size_t want)
{
	uint8_t *n;

	if (*cap >= want)
		return 0;
	n = realloc(*p, want);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = want;
	return 0;
}

/* What chunk_get() found, or -errno of a read. */
enum { CHUNK_OK, CHUNK_END, CHUNK_TRUNC, CHUNK_NOMEM };

/*
 * Read the next zstd chunk of compressed stream @s (at s->pos, s->chunks_left to go) and
 * expand it into *blk, PAGE_SLACK zeroed bytes after its whole pages.  CHUNK_OK with *len
 * (bytes of whole pages, maybe 0) and *part (its size was not whole pages); CHUNK_END;
 * CHUNK_TRUNC (the chain breaks or lies); CHUNK_NOMEM; or -errno of a read at s->pos.
 * *nread counts the file bytes read.  Changes only @s's read position and the buffers: the
 * thread that decompresses ahead calls it too.
 */
static int chunk_get(const struct skbt_tracefile *tf, ZSTD_DCtx *z, struct skbt_cpu_stream *s,
		     uint8_t **zbuf, size_t *zcap, uint8_t **blk, size_t *bcap, size_t *len,
		     bool *part, uint64_t *nread)
{
	unsigned long long fcs;
	uint32_t zsize, usize;
	uint8_t h[8];
	size_t got;
	ssize_t r;

	if (!s->chunks_left)
		return CHUNK_END;
	s->chunks_left--;
	if (s->pos + 8 > s->end || pread_at(tf, s->pos, h, 8) != 8)
		return CHUNK_TRUNC;
	*nread += 8;
	zsize = get32(tf, h);
	usize = get32(tf, h + 4);
	if (zsize > MAX_CHUNK || usize > MAX_CHUNK || s->pos + 8 + zsize > s->end)
		return CHUNK_TRUNC;
	if (grow(zbuf, zcap, zsize ? zsize : 1))
		return CHUNK_NOMEM;
	r = pread_at(tf, s->pos + 8, *zbuf, zsize);
	if (r < 0)
		return r;
	*nread += r;
	if ((size_t)r != zsize)
		return CHUNK_TRUNC;
	s->pos += 8 + (uint64_t)zsize;
	fcs = ZSTD_getFrameContentSize(*zbuf, zsize);
	if (fcs == ZSTD_CONTENTSIZE_ERROR || (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != usize))
		return CHUNK_TRUNC;
	if (grow(blk, bcap, (size_t)usize + PAGE_SLACK))
		return CHUNK_NOMEM;
	got = ZSTD_decompressDCtx(z, *blk, usize, *zbuf, zsize);
	if (ZSTD_isError(got) || got != usize)
		return CHUNK_TRUNC;
	*part = usize % s->ps != 0;
	*len = usize - usize % s->ps;
	memset(*blk + *len, 0, PAGE_SLACK);
	return CHUNK_OK;
}

/*
 * Decompressing ahead.  Expanding zstd chunks is a fifth to a third of the analyzer's time on
 * a compressed file (trace-cmd's v7 files are).  One thread per file expands each CPU's next
 * chunks while the analyzer works on the current ones, so with a second CPU that time
 * overlaps the analysis: wall time falls, CPU time does not.  From a stream's open on the
 * thread owns its read position and fills its AHEAD_SLOTS slots in file order; refill()
 * takes them in that order and swaps buffers, so the records are the same bytes in the same
 * order as when refill() expands the chunks itself.  It still does for files in memory (the
 * fuzzers), beyond AHEAD_MAX_STREAMS streams at once (a slot holds a chunk: 256 KiB from
 * skbtrail-record, 10 sub-buffers from trace-cmd; 16 MiB at most for the file's streams), on
 * one CPU and when no thread can be started.  The thread is woken only when a stream is down
 * to half its slots: a wake-up per chunk cost more CPU than it saved (futex calls and context
 * switches, 3,639 against 1,002 on a 2.5 M-event trace-cmd file).
 */
#define AHEAD_SLOTS 4
#define AHEAD_MAX_STREAMS 16

struct zslot {
	uint8_t *buf;
	size_t cap;
	size_t len;		/* bytes of whole pages */
	uint64_t nread;		/* file bytes read for it */
	uint64_t at;		/* offset of its chunk, for a read error */
	int rc;			/* chunk_get()'s */
	bool part;
};

struct ahead {
	pthread_mutex_t mu;
	pthread_cond_t work;	/* the thread waits for a slot to fill */
	pthread_cond_t done;	/* refill() and skbt_cpu_stream_close() wait for the thread */
	pthread_t thr;
	bool stop;
	const struct skbt_tracefile *tf;
	ZSTD_DCtx *z;
	uint8_t *zbuf;
	size_t zcap;
	struct skbt_cpu_stream *s[AHEAD_MAX_STREAMS];
	unsigned int n;
};

/* The stream to fill next: one refill() waits for, else the one with the fewest slots ready. */
static struct skbt_cpu_stream *ahead_pick(struct ahead *a)
{
	struct skbt_cpu_stream *best = NULL;

	for (unsigned int i = 0; i < a->n; i++) {
		struct skbt_cpu_stream *s = a->s[i];

		if (s->a_end || s->a_busy || s->a_ready == AHEAD_SLOTS)
			continue;
		if (s->a_wait)
			return s;
		if (!best || s->a_ready < best->a_ready)
			best = s;
	}
	return best;
}

static void *ahead_main(void *arg)
{
	struct ahead *a = arg;

	pthread_mutex_lock(&a->mu);
	while (!a->stop) {
		struct skbt_cpu_stream *s = ahead_pick(a);
		struct zslot *z;

		if (!s) {
			pthread_cond_wait(&a->work, &a->mu);
			continue;
		}
		z = &s->slots[(s->a_head + s->a_ready) % AHEAD_SLOTS];
		s->a_busy = true;
		pthread_mutex_unlock(&a->mu);
		z->nread = 0;
		z->at = s->pos;
		z->rc = chunk_get(a->tf, a->z, s, &a->zbuf, &a->zcap, &z->buf, &z->cap, &z->len,
				  &z->part, &z->nread);
		pthread_mutex_lock(&a->mu);
		s->a_busy = false;
		s->a_ready++;
		if (z->rc != CHUNK_OK)
			s->a_end = true;
		pthread_cond_broadcast(&a->done);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

static void ahead_free(struct ahead *a)
{
	ZSTD_freeDCtx(a->z);
	free(a->zbuf);
	pthread_cond_destroy(&a->done);
	pthread_cond_destroy(&a->work);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

static struct ahead *ahead_start(const struct skbt_tracefile *tf)
{
	struct ahead *a;

	if (one_cpu())
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->tf = tf;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->done, NULL);
	a->z = ZSTD_createDCtx();
	if (!a->z) {
		ahead_free(a);
		return NULL;
	}
	if (skbt_thread_start(&a->thr, NULL, ahead_main, a)) {
		ahead_free(a);
		return NULL;
	}
	return a;
}

static void ahead_stop(struct ahead *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thr, NULL);
	ahead_free(a);
}

/* Hand a compressed stream to the thread (or leave it to refill()). */
static void ahead_attach(struct skbt_tracefile *tf, struct skbt_cpu_stream *s)
{
	struct zslot *slots;
	struct ahead *a;

	if (tf->mem || tf->ahead_failed || tf->in_place || s->done || !s->chunks_left)
		return;
	if (!tf->ahead && !(tf->ahead = ahead_start(tf))) {
		tf->ahead_failed = true;
		return;
	}
	a = tf->ahead;
	slots = calloc(AHEAD_SLOTS, sizeof(*slots));
	if (!slots)
		return;
	pthread_mutex_lock(&a->mu);
	if (a->n < AHEAD_MAX_STREAMS) {
		s->slots = slots;
		a->s[a->n++] = s;
		slots = NULL;
		pthread_cond_signal(&a->work);
	}
	pthread_mutex_unlock(&a->mu);
	free(slots);
}

static void ahead_detach(struct skbt_cpu_stream *s)
{
	struct ahead *a = s->tf->ahead;

	pthread_mutex_lock(&a->mu);
	while (s->a_busy)
		pthread_cond_wait(&a->done, &a->mu);
	for (unsigned int i = 0; i < a->n; i++)
		if (a->s[i] == s)
			a->s[i] = a->s[--a->n];
	pthread_mutex_unlock(&a->mu);
	for (int i = 0; i < AHEAD_SLOTS; i++)
		free(s->slots[i].buf);
	free(s->slots);
	s->slots = NULL;
}

/* The next chunk from the thread: as chunk_get(), its buffer swapped into the block. */
static int ahead_take(struct skbt_cpu_stream *s, size_t *len, bool *part, uint64_t *nread,
		      uint64_t *at)
{
	struct ahead *a = s->tf->ahead;
	struct zslot *z;
	int rc;

	pthread_mutex_lock(&a->mu);
	while (!s->a_ready) {
		s->a_wait = true;
		pthread_cond_signal(&a->work);
		pthread_cond_wait(&a->done, &a->mu);
	}
	s->a_wait = false;
	z = &s->slots[s->a_head];
	rc = z->rc;
	if (rc == CHUNK_OK) {
		uint8_t *t = s->blk;
		size_t cap = s->blk_cap;

		s->blk = z->buf;
		s->blk_cap = z->cap;
		z->buf = t;
		z->cap = cap;
	}
	*len = z->len;
	*part = z->part;
	*nread = z->nread;
	*at = z->at;
	s->a_head = (s->a_head + 1) % AHEAD_SLOTS;
	s->a_ready--;
	if (s->a_ready < AHEAD_SLOTS / 2)
		pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* Fill the block with the next run of whole pages.  0: got some; 1: end; <0: error. */
static int refill(struct skbt_cpu_stream *s, struct skbt_err *err)
{
	struct skbt_tracefile *tf = s->tf;
	size_t n;
	ssize_t r;

	s->blk_len = s->blk_pos = 0;
	if (!s->compressed) {
		uint64_t left = s->end > s->pos ? s->end - s->pos : 0;

		if (left == 0)
			return 1;
		/*
		 * Smaller blocks with many CPUs: a merge of 256 busy CPUs reads each block over
		 * 256 times as long, so 256 KB blocks (64 MB) were read into memory long before
		 * their records were used, out of cache by then, and were most of the RSS.
		 */
		size_t block = RAW_BLOCKS_ALL / (s->b->ncpus ? s->b->ncpus : 1);

		if (block > RAW_BLOCK)
			block = RAW_BLOCK;
		block = block >= s->ps ? block - block % s->ps : s->ps;

		n = left < block ? left : block;
		if (n >= s->ps)
			n -= n % s->ps;
		if (grow(&s->blk, &s->blk_cap, block + PAGE_SLACK))
			return skbt_err_set(err, -ENOMEM, "out of memory");
		r = read_at(tf, s->pos, s->blk, n);
		if (r < 0)
			return skbt_err_set(err, r, "read error at offset %llu: %s",
					    (unsigned long long)s->pos, strerror(-r));
		s->pos += r;
		if ((size_t)r < s->ps) {
			/* end of file inside a page, or a size that is not whole pages */
			tf->truncated = true;
			return 1;
		}
		s->blk_len = r - r % s->ps;
		if ((size_t)r % s->ps)
			tf->truncated = true;
		memset(s->blk + s->blk_len, 0, PAGE_SLACK);
		return 0;
	}
	while (!s->a_over) {
		uint64_t nread = 0, at;	/* s->pos is the thread's while it has the stream */
		size_t len = 0;
		bool part = false;
		int rc;

		if (s->slots) {
			rc = ahead_take(s, &len, &part, &nread, &at);
		} else {
			at = s->pos;
			pthread_mutex_lock(&tf->zmu);
			rc = chunk_get(tf, tf->zctx, s, &s->zbuf, &s->zcap, &s->blk, &s->blk_cap,
				       &len, &part, &nread);
			pthread_mutex_unlock(&tf->zmu);
		}
		__atomic_fetch_add(&tf->bytes_read, nread, __ATOMIC_RELAXED);
		if (rc != CHUNK_OK)
			s->a_over = true;
		if (rc == CHUNK_NOMEM)
			return skbt_err_set(err, -ENOMEM, "out of memory");
		if (rc < 0)
			return skbt_err_set(err, rc, "read error at offset %llu: %s",
					    (unsigned long long)at, strerror(-rc));
		if (rc == CHUNK_TRUNC)
			tf->truncated = true;
		if (rc != CHUNK_OK)
			return 1;
		if (part)
			tf->truncated = true;
		s->blk_len = len;
		if (len)
			return 0;
	}
	return 1;
}

/*
 * Start on the sub-buffer at @page: its timestamp, commit size and missed-events count.
 * Its records are checked one at a time as page_next() reads them.
 */
static void load_page(struct skbt_cpu_stream *s, const uint8_t *page)
{
	struct skbt_tracefile *tf = s->tf;
	const unsigned int hdr = s->hdr;
	uint64_t flags = hdr == 16 ? get64(tf, page + 8) : get32(tf, page + 8);
	uint64_t size = flags & RB_COMMIT_MASK, room = s->ps - hdr;
	const uint8_t *d = page + hdr;

	if (size > room) {
		size = room;
		tf->truncated = true;
	}
	if (flags & RB_MISSED_EVENTS) {
		uint64_t m = UINT64_MAX;

		if ((flags & RB_MISSED_STORED) && size + (hdr - 8) <= room)
			m = hdr == 16 ? get64(tf, d + size) : get32(tf, d + size);
		if (m == 0)
			m = UINT64_MAX;
		/* an empty page passes its count on to the next record */
		if (s->missed == 0)
			s->missed = m;
		else if (s->missed == UINT64_MAX || m == UINT64_MAX || m > UINT64_MAX - 1 - s->missed)
			s->missed = UINT64_MAX;
		else
			s->missed += m;
	}
	s->rd = d;
	s->rd_pos = 0;
	s->rd_size = (uint32_t)size;
	s->rd_ts = get64(tf, page);
}

/* The type_len and time delta of record header @w (the file's byte order). */
static inline void rb_header(const struct skbt_tracefile *tf, uint32_t w, uint32_t *tl,
			     uint32_t *delta)
{
	if (tf->big_endian) {
		*tl = w >> 27;
		*delta = w & ((1u << RB_TS_BITS) - 1);
	} else {
		*tl = w & 31;
		*delta = w >> 5;
	}
}

/* Hand over the record found at @cur .. @end of the sub-buffer, at time @ts. */
static inline void rb_found(struct skbt_cpu_stream *s, struct skbt_raw_record *rec,
			    uint32_t cur, uint32_t hdr, uint32_t end, uint64_t ts)
{
	rec->data = s->rd + cur + hdr;
	rec->size = (int)(end - cur - hdr);
	s->rd_pos = end;
	s->rd_ts = ts;
	rec->ts = ts;
	rec->missed = s->missed;
	s->missed = 0;
}

/*
 * The next data record of the current sub-buffer: 1 and *rec filled, 0 at its end.  The
 * layout is the kernel's (ring_buffer.c): a 32-bit header of type_len (5 bits) and
 * time_delta (27 bits), then the data; type_len 0 stores the length in the next word;
 * 29 padding (its delta still counts, as kbuffer counts it), 30 time extend, 31 absolute
 * time stamp.  A record that does not fit the commit ends the page and marks the file
 * truncated: the records before it are delivered.
 */
static int page_next(struct skbt_cpu_stream *s, struct skbt_raw_record *rec)
{
	struct skbt_tracefile *tf = s->tf;
	const uint8_t *d = s->rd;
	uint32_t cur = s->rd_pos, size = s->rd_size;
	uint64_t ts = s->rd_ts;

	while (cur < size) {
		uint32_t tl, delta, left = size - cur, len;

		if (left < 4)
			goto bad;
		rb_header(tf, get32(tf, d + cur), &tl, &delta);
		if (tl >= 1 && tl <= 28) {
			len = 4 * tl;
			if (len > left - 4)
				goto bad;
			rb_found(s, rec, cur, 4, cur + 4 + len, ts + delta);
			return 1;
		}
		if (left < 8) {
			if (tl == RB_TYPE_PADDING)
				break;	/* end-of-page padding, nothing after it */
			goto bad;
		}
		len = get32(tf, d + cur + 4);
		switch (tl) {
		case 0:
			if (len < 4 || len - 4 > left - 8)
				goto bad;
			len = (len - 4 + 3) & ~3u;
			if (len > left - 8)
				goto bad;
			rb_found(s, rec, cur, 8, cur + 8 + len, ts + delta);
			return 1;
		case RB_TYPE_PADDING:
			ts += delta;
			/* padding that runs off the commit ends the page, as in kbuffer */
			if (len > left - 4)
				goto end;
			cur += 4 + len;
			break;
		case RB_TYPE_TIME_EXTEND:
			ts += ((uint64_t)len << RB_TS_BITS) + delta;
			cur += 8;
			break;
		default:	/* RB_TYPE_TIME_STAMP */
			ts = (ts & RB_TS_MSB) | (((uint64_t)len << RB_TS_BITS) + delta);
			cur += 8;
			break;
		}
	}
end:
	s->rd_pos = s->rd_size;
	return 0;
bad:
	tf->truncated = true;
	goto end;
}

void skbt_cpu_stream_prefetch(const struct skbt_cpu_stream *s)
{
	__builtin_prefetch(&s->tf);
	__builtin_prefetch(&s->done);	/* the same line unless the allocation straddles one */
}

static __attribute__((noinline)) int stream_next_slow(struct skbt_cpu_stream *s,
						       struct skbt_raw_record *rec,
						       struct skbt_err *err)
{
	int ret;

	for (;;) {
		if (s->rd_pos < s->rd_size && page_next(s, rec))
			return 1;
		if (s->done)
			return 0;
		if (s->blk_pos + s->ps > s->blk_len && s->live) {
			uint8_t *t = s->blk;
			size_t cap = s->blk_cap;

			if (s->pend_len < s->ps)
				return 0;	/* nothing more yet: not the end */
			s->blk = s->pend;
			s->blk_cap = s->pend_cap;
			s->blk_len = s->pend_len - s->pend_len % s->ps;
			s->blk_pos = 0;
			memset(s->blk + s->blk_len, 0, PAGE_SLACK);
			s->pend = t;
			s->pend_cap = cap;
			s->pend_len = 0;
		} else if (s->blk_pos + s->ps > s->blk_len) {
			ret = refill(s, err);
			if (ret) {
				s->done = true;
				return ret < 0 ? ret : 0;
			}
		}
		load_page(s, s->blk + s->blk_pos);
		s->blk_pos += s->ps;
	}
}

/*
 * Most records are page_next()'s first case, a data record of up to 112 bytes with its
 * length in the header: that one here, where the caller can inline it (a call that saved
 * the registers the rest needs was a quarter of the reading), every other one as before.
 */
int skbt_cpu_stream_next(struct skbt_cpu_stream *s, struct skbt_raw_record *rec,
			 struct skbt_err *err)
{
	uint32_t cur = s->rd_pos, tl, delta;

	if (cur >= s->rd_size || s->rd_size - cur < 4)
		return stream_next_slow(s, rec, err);
	rb_header(s->tf, get32(s->tf, s->rd + cur), &tl, &delta);
	if (tl < 1 || tl > 28 || 4 * tl > s->rd_size - cur - 4)
		return stream_next_slow(s, rec, err);
	rb_found(s, rec, cur, 4, cur + 4 + 4 * tl, s->rd_ts + delta);
	return 1;
}

int skbt_cpu_stream_push(struct skbt_cpu_stream *s, const void *pages, size_t len)
{
	if (!s->live || len % s->ps)
		return -EINVAL;
	if (grow(&s->pend, &s->pend_cap, s->pend_len + len + PAGE_SLACK))
		return -ENOMEM;
	memcpy(s->pend + s->pend_len, pages, len);
	s->pend_len += len;
	return 0;
}

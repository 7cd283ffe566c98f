// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcapng: write the selected journeys' captured headers, each packet commented with its
 * journey.  Block layout: the pcapng specification (IETF draft-ietf-opsawg-pcapng), section
 * header, interface description and enhanced packet blocks, written in host byte order (the
 * byte-order magic tells readers).  See include/skbtrail/pcapng.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/pcapng.h"
#include "skbtrail/redact.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9

struct item {
	uint64_t ts;
	size_t rec;
	char *comment;
};

struct png {
	FILE *f;
	char *path;
	const struct skbt_pcap *pc;
	struct skbt_names names;
	struct skbt_ipmap *ipmap;	/* --redact-ips, or NULL */
	struct item *v;
	size_t n, cap;
};

/* A block being built in memory. */
struct blk {
	uint8_t *p;
	size_t len, cap;
	bool fail;
};

static void put(struct blk *b, const void *d, size_t n)
{
	if (b->fail || !n)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2 + 64;
		uint8_t *np = realloc(b->p, cap);

		if (!np) {
			b->fail = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void put32(struct blk *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put16(struct blk *b, uint16_t v)
{
	put(b, &v, 2);
}

static void pad4(struct blk *b)
{
	static const uint8_t z[4];

	put(b, z, (4 - b->len % 4) % 4);
}

static void opt(struct blk *b, uint16_t code, const void *d, size_t n)
{
	if (n > 0xfff0)
		n = 0xfff0;
	put16(b, code);
	put16(b, (uint16_t)n);
	put(b, d, n);
	pad4(b);
}

/* Start a block of @type; end() fills in the length. */
static void begin(struct blk *b, uint32_t type)
{
	b->len = 0;
	put32(b, type);
	put32(b, 0);
}

static int end(struct blk *b, FILE *f)
{
	uint32_t total;

	pad4(b);
	total = (uint32_t)b->len + 4;
	put32(b, total);
	if (b->fail)
		return -ENOMEM;
	memcpy(b->p + 4, &total, 4);
	return fwrite(b->p, 1, b->len, f) == b->len ? 0 : -EIO;
}

static const char *dur(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.3fus", ns / 1e3);
	else
		snprintf(buf, len, "%.3fms", ns / 1e6);
	return buf;
}

static int on_journey(void *priv, const struct skbt_journey *j)
{
	struct png *g = priv;
	const struct skbt_pcap_record *r;
	char path[256], comment[1024], d[32];
	size_t n;

	if (!j->pkt || !(r = skbt_pcap_record(g->pc, j->pkt - 1)))
		return 0;
	skbt_names_path(&g->names, j->devs, j->ndevs, j->flags & SKBT_JF_TX_ONLY, path,
			sizeof(path));
	n = snprintf(comment, sizeof(comment), "skbtrail journey #%" PRIu64 " path %s total %s",
		     j->id, path, dur(skbt_journey_duration(j), d, sizeof(d)));
	if (j->flags & SKBT_JF_INCOMPLETE)
		n += snprintf(comment + n, sizeof(comment) - n, " INCOMPLETE (lost events nearby)");
	for (unsigned int i = 0; i < j->nstages && n < sizeof(comment); i++)
		n += snprintf(comment + n, sizeof(comment) - n, "%s %s %s", i ? "," : ":",
			      skbt_stage_name(j->stages[i].stage),
			      dur(j->stages[i].ns, d, sizeof(d)));
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		struct item *nv = realloc(g->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		g->v = nv;
		g->cap = cap;
	}
	g->v[g->n].comment = strdup(comment);
	if (!g->v[g->n].comment)
		return -ENOMEM;
	g->v[g->n].ts = r->ts_real;
	g->v[g->n].rec = j->pkt - 1;
	g->n++;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static int finish(void *priv, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		  struct skbt_err *err)
{
	struct png *g = priv;
	struct blk b = { 0 };
	static const char appl[] = "skbtrail-analyze " SKBT_VERSION;
	uint8_t tsresol = 9;	/* nanoseconds */
	int ret;

	if (g->n > 1)
		qsort(g->v, g->n, sizeof(*g->v), item_cmp);
	begin(&b, BT_SHB);
	put32(&b, 0x1A2B3C4D);
	put16(&b, 1);
	put16(&b, 0);
	put32(&b, 0xffffffff);	/* section length unknown (-1) */
	put32(&b, 0xffffffff);
	opt(&b, OPT_SHB_USERAPPL, appl, strlen(appl));
	opt(&b, OPT_END, NULL, 0);
	ret = end(&b, g->f);
	for (unsigned int i = 0; !ret && i < skbt_pcap_niface(g->pc); i++) {
		const struct skbt_pcap_iface *f = skbt_pcap_iface(g->pc, i);

		begin(&b, BT_IDB);
		put16(&b, (uint16_t)f->linktype);
		put16(&b, 0);
		put32(&b, f->snaplen);
		{
			const char *name = skbt_names_iface(&g->names, f->name);

			opt(&b, OPT_IF_NAME, name, strlen(name));
		}
		opt(&b, OPT_IF_TSRESOL, &tsresol, 1);
		opt(&b, OPT_END, NULL, 0);
		ret = end(&b, g->f);
	}
	for (size_t i = 0; !ret && i < g->n; i++) {
		const struct skbt_pcap_record *r = skbt_pcap_record(g->pc, g->v[i].rec);

		begin(&b, BT_EPB);
		put32(&b, r->iface);
		put32(&b, (uint32_t)(r->ts_real >> 32));
		put32(&b, (uint32_t)r->ts_real);
		put32(&b, r->caplen);
		put32(&b, r->origlen);
		if (g->ipmap) {	/* rewritten in the block, the capture stays as read */
			size_t at = b.len;

			put(&b, r->data, r->caplen);
			if (!b.fail)
				ret = skbt_ipmap_packet(g->ipmap, b.p + at, r->caplen,
							skbt_pcap_iface(g->pc, r->iface)->linktype);
			if (ret)
				break;
		} else {
			put(&b, r->data, r->caplen);
		}
		pad4(&b);
		opt(&b, OPT_COMMENT, g->v[i].comment, strlen(g->v[i].comment));
		opt(&b, OPT_END, NULL, 0);
		ret = end(&b, g->f);
	}
	free(b.p);
	if (!ret && fflush(g->f))
		ret = -errno;
	if (!ret && fclose(g->f))
		ret = -errno;
	else if (ret)
		fclose(g->f);
	g->f = NULL;
	if (ret)
		return skbt_err_set(err, ret, "%s: %s", g->path, strerror(-ret));
	return 0;
}

static void destroy(void *priv)
{
	struct png *g = priv;

	if (g->f)
		fclose(g->f);
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].comment);
	free(g->v);
	free(g->path);
	free(g);
}

int skbt_pcapng_sink(const char *path, const struct skbt_pcap *pc,
		     const struct skbt_names *names, struct skbt_ipmap *ipmap,
		     struct skbt_sink *sink, struct skbt_err *err)
{
	struct png *g = calloc(1, sizeof(*g));

	if (!g || !(g->path = strdup(path))) {
		free(g);
		return skbt_err_set(err, -ENOMEM, "out of memory");
	}
	g->f = fopen(path, "w");
	if (!g->f) {
		int ret = -errno;

		free(g->path);
		free(g);
		return skbt_err_set(err, ret, "%s: %s", path, strerror(-ret));
	}
	g->pc = pc;
	g->names = *names;
	g->ipmap = ipmap;
	*sink = (struct skbt_sink){ .name = "pcapng", .priv = g, .on_journey = on_journey,
				    .finish = finish, .destroy = destroy };
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flows: 5-tuples from captured headers (bounds-checked), flow names, and the per-flow
 * latency table.  See include/skbtrail/flow.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/flow.h"
#include "skbtrail/journey.h"

/* ---- bounded reads ---- */

struct pkt {
	const uint8_t *p;
	size_t len;
};

static bool have(const struct pkt *k, size_t off, size_t n)
{
	return off <= k->len && n <= k->len - off;
}

static uint16_t be16(const struct pkt *k, size_t off)
{
	return (uint16_t)(k->p[off] << 8 | k->p[off + 1]);
}

int skbt_flow_link_header(int linktype)
{
	switch (linktype) {
	case SKBT_LINKTYPE_EN10MB:
		return 14;
	case SKBT_LINKTYPE_RAW:
	case SKBT_LINKTYPE_DLT_RAW:
	case SKBT_LINKTYPE_DLT_RAW_ALT:
		return 0;
	case SKBT_LINKTYPE_LINUX_SLL:
		return 16;
	}
	return -1;
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

/* Transport header at @off of protocol @proto: ports or ICMP type/code. */
static void l4(const struct pkt *k, size_t off, struct skbt_flow_key *key)
{
	if (has_ports(key->proto) && have(k, off, 4)) {
		key->sport = be16(k, off);
		key->dport = be16(k, off + 2);
		key->ports = 1;
	} else if ((key->proto == 1 || key->proto == 58) && have(k, off, 2)) {
		key->sport = k->p[off];
		key->dport = k->p[off + 1];
	}
}

static int ipv4(const struct pkt *k, size_t off, struct skbt_flow_key *key)
{
	size_t ihl;

	if (!have(k, off, 20) || (k->p[off] >> 4) != 4)
		return -EINVAL;
	ihl = (size_t)(k->p[off] & 0x0f) * 4;
	if (ihl < 20)
		return -EINVAL;
	key->family = 4;
	key->proto = k->p[off + 9];
	memcpy(key->saddr, k->p + off + 12, 4);
	memcpy(key->daddr, k->p + off + 16, 4);
	/* a non-first fragment has no transport header */
	if (be16(k, off + 6) & 0x1fff)
		return 0;
	l4(k, off + ihl, key);
	return 0;
}

static int ipv6(const struct pkt *k, size_t off, struct skbt_flow_key *key)
{
	uint8_t nh;
	int guard;

	if (!have(k, off, 40) || (k->p[off] >> 4) != 6)
		return -EINVAL;
	key->family = 6;
	nh = k->p[off + 6];
	memcpy(key->saddr, k->p + off + 8, 16);
	memcpy(key->daddr, k->p + off + 24, 16);
	off += 40;
	/* walk the usual extension headers (bounded) */
	for (guard = 0; guard < 8; guard++) {
		if (nh == 0 || nh == 43 || nh == 60) {	/* hop-by-hop, routing, destination */
			if (!have(k, off, 2))
				break;
			nh = k->p[off];
			off += ((size_t)k->p[off + 1] + 1) * 8;
		} else if (nh == 44) {			/* fragment */
			if (!have(k, off, 8))
				break;
			if (be16(k, off + 2) & 0xfff8) {
				key->proto = k->p[off];
				return 0;
			}
			nh = k->p[off];
			off += 8;
		} else {
			break;
		}
	}
	key->proto = nh;
	l4(k, off, key);
	return 0;
}

int skbt_flow_net_header(const uint8_t *data, size_t caplen, int linktype, uint16_t *ethertype)
{
	struct pkt k = { data, data ? caplen : 0 };
	size_t off;
	uint16_t et;
	int vlans;

	switch (linktype) {
	case SKBT_LINKTYPE_EN10MB:
		if (!have(&k, 0, 14))
			return -EINVAL;
		et = be16(&k, 12);
		off = 14;
		for (vlans = 0; (et == 0x8100 || et == 0x88a8) && vlans < 2; vlans++) {
			if (!have(&k, off, 4))
				return -EINVAL;
			et = be16(&k, off + 2);
			off += 4;
		}
		break;
	case SKBT_LINKTYPE_LINUX_SLL:
		if (!have(&k, 0, 16))
			return -EINVAL;
		et = be16(&k, 14);
		off = 16;
		break;
	case SKBT_LINKTYPE_RAW:
	case SKBT_LINKTYPE_DLT_RAW:
	case SKBT_LINKTYPE_DLT_RAW_ALT:
		if (!have(&k, 0, 1))
			return -EINVAL;
		et = (k.p[0] >> 4) == 6 ? 0x86dd : 0x0800;
		off = 0;
		break;
	default:
		return -EINVAL;
	}
	*ethertype = et;
	return (int)off;
}

int skbt_flow_parse(const uint8_t *data, size_t caplen, int linktype, struct skbt_flow_key *key)
{
	struct pkt k = { data, data ? caplen : 0 };
	uint16_t et;
	int off;

	memset(key, 0, sizeof(*key));
	off = skbt_flow_net_header(data, caplen, linktype, &et);
	if (off < 0)
		return off;
	key->ethertype = linktype == SKBT_LINKTYPE_EN10MB || linktype == SKBT_LINKTYPE_LINUX_SLL ?
		et : 0;
	if (et == 0x0800 ? ipv4(&k, (size_t)off, key) == 0 :
	    et == 0x86dd ? ipv6(&k, (size_t)off, key) == 0 :
	    false) {
		key->kind = SKBT_FLOW_TUPLE;
		return 0;
	}
	if (et != 0x0800 && et != 0x86dd && key->ethertype) {
		/* not IP: the ethertype alone (ARP, LLDP...) */
		memset(key->saddr, 0, sizeof(key->saddr));
		memset(key->daddr, 0, sizeof(key->daddr));
		key->family = 0;
		key->proto = 0;
		key->kind = SKBT_FLOW_TUPLE;
		return 0;
	}
	memset(key, 0, sizeof(*key));
	return -EINVAL;
}

const char *skbt_flow_proto_name(const struct skbt_flow_key *key, char *buf, size_t len)
{
	if (!key->family) {
		if (key->ethertype == 0x0806)
			snprintf(buf, len, "arp");
		else
			snprintf(buf, len, "ethertype 0x%04x", key->ethertype);
		return buf;
	}
	switch (key->proto) {
	case 6: snprintf(buf, len, "tcp"); break;
	case 17: snprintf(buf, len, "udp"); break;
	case 1: snprintf(buf, len, "icmp"); break;
	case 58: snprintf(buf, len, "ipv6-icmp"); break;
	case 132: snprintf(buf, len, "sctp"); break;
	case 136: snprintf(buf, len, "udplite"); break;
	default: snprintf(buf, len, "proto %u", key->proto); break;
	}
	return buf;
}

const char *skbt_flow_addr(const struct skbt_flow_key *key, bool src, char *buf, size_t len)
{
	const uint8_t *a = src ? key->saddr : key->daddr;

	if (len)
		buf[0] = 0;
	if (key->family == 4)
		inet_ntop(AF_INET, a, buf, len);
	else if (key->family == 6)
		inet_ntop(AF_INET6, a, buf, len);
	return buf;
}

const char *skbt_flow_name(const struct skbt_flow_key *key, char *buf, size_t len)
{
	char pr[24], s[48], d[48];

	if (key->kind == SKBT_FLOW_HASH) {
		snprintf(buf, len, "flow hash 0x%08x", key->hash);
		return buf;
	}
	if (key->kind != SKBT_FLOW_TUPLE) {
		snprintf(buf, len, "(unknown flow)");
		return buf;
	}
	skbt_flow_proto_name(key, pr, sizeof(pr));
	if (!key->family) {
		snprintf(buf, len, "%s", pr);
		return buf;
	}
	skbt_flow_addr(key, true, s, sizeof(s));
	skbt_flow_addr(key, false, d, sizeof(d));
	if (key->ports && key->family == 6)
		snprintf(buf, len, "%s [%s]:%u > [%s]:%u", pr, s, key->sport, d, key->dport);
	else if (key->ports)
		snprintf(buf, len, "%s %s:%u > %s:%u", pr, s, key->sport, d, key->dport);
	else if (key->proto == 1 || key->proto == 58)
		snprintf(buf, len, "%s %s > %s type %u", pr, s, d, key->sport);
	else
		snprintf(buf, len, "%s %s > %s", pr, s, d);
	return buf;
}

bool skbt_flow_equal(const struct skbt_flow_key *a, const struct skbt_flow_key *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == SKBT_FLOW_HASH)
		return a->hash == b->hash;
	if (a->kind == SKBT_FLOW_NONE)
		return true;
	return a->family == b->family && a->proto == b->proto && a->ports == b->ports &&
	       a->ethertype == b->ethertype && a->sport == b->sport && a->dport == b->dport &&
	       !memcmp(a->saddr, b->saddr, 16) && !memcmp(a->daddr, b->daddr, 16);
}

/* ---- per-flow table ---- */

#define FSUB 16				/* buckets per power of two */
#define FBUCKETS (FSUB + 60 * FSUB)

struct skbt_flows {
	int stage;
	unsigned int n, cap;		/* entries used, hash slots (power of two) */
	struct skbt_flow_stats *v;	/* entries, in insertion order until done() */
	uint32_t *slot;			/* index + 1 into v, 0 = empty */
	uint64_t kinds[3];
	uint64_t other;
	bool sorted;
};

static unsigned int fbucket(uint64_t v)
{
	unsigned int e;

	if (v < FSUB)
		return v;
	e = 63 - __builtin_clzll(v);	/* >= 4 */
	return FSUB + (e - 4) * FSUB + ((v >> (e - 4)) & (FSUB - 1));
}

static uint64_t fbucket_mid(unsigned int i)
{
	unsigned int e, m;
	uint64_t w;

	if (i < FSUB)
		return i;
	e = (i - FSUB) / FSUB + 4;
	m = (i - FSUB) % FSUB;
	w = 1ULL << (e - 4);
	return (1ULL << e) + m * w + w / 2;
}

uint64_t skbt_flow_quantile(const struct skbt_flow_stats *s, double q)
{
	uint64_t rank, seen = 0;

	if (!s->measured || !s->b)
		return 0;
	rank = (uint64_t)(q * s->measured + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > s->measured)
		rank = s->measured;
	for (unsigned int i = 0; i < FBUCKETS; i++) {
		seen += s->b[i];
		if (seen >= rank) {
			uint64_t v = fbucket_mid(i);

			return v < s->min ? s->min : v > s->max ? s->max : v;
		}
	}
	return s->max;
}

int skbt_flows_new(int stage, struct skbt_flows **fp)
{
	struct skbt_flows *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->stage = stage;
	*fp = f;
	return 0;
}

void skbt_flows_free(struct skbt_flows *f)
{
	if (!f)
		return;
	for (unsigned int i = 0; i < f->n; i++)
		free(f->v[i].b);
	free(f->v);
	free(f->slot);
	free(f);
}

static uint32_t key_hash(const struct skbt_flow_key *k)
{
	uint32_t h = 2166136261u;
	uint8_t buf[48];
	size_t n = 0;

	buf[n++] = k->kind;
	if (k->kind == SKBT_FLOW_HASH) {
		memcpy(buf + n, &k->hash, 4);
		n += 4;
	} else if (k->kind == SKBT_FLOW_TUPLE) {
		buf[n++] = k->proto;
		memcpy(buf + n, &k->sport, 2);
		memcpy(buf + n + 2, &k->dport, 2);
		memcpy(buf + n + 4, k->saddr, 16);
		memcpy(buf + n + 20, k->daddr, 16);
		n += 36;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ buf[i]) * 16777619u;
	return h;
}

static int grow(struct skbt_flows *f)
{
	unsigned int cap = f->cap ? f->cap * 2 : 256;
	uint32_t *slot = calloc(cap, sizeof(*slot));
	struct skbt_flow_stats *v = realloc(f->v, (size_t)cap / 2 * sizeof(*v));

	if (!slot || !v) {
		free(slot);
		if (v)
			f->v = v;
		return -ENOMEM;
	}
	f->v = v;
	for (unsigned int i = 0; i < f->n; i++) {
		uint32_t h = key_hash(&f->v[i].key) & (cap - 1);

		while (slot[h])
			h = (h + 1) & (cap - 1);
		slot[h] = i + 1;
	}
	free(f->slot);
	f->slot = slot;
	f->cap = cap;
	return 0;
}

static struct skbt_flow_stats *lookup(struct skbt_flows *f, const struct skbt_flow_key *k)
{
	uint32_t h;

	if (f->cap) {
		for (h = key_hash(k) & (f->cap - 1); f->slot[h]; h = (h + 1) & (f->cap - 1))
			if (skbt_flow_equal(&f->v[f->slot[h] - 1].key, k))
				return &f->v[f->slot[h] - 1];
	}
	if (f->n >= SKBT_FLOWS_MAX)
		return NULL;
	if ((f->n + 1) * 2 > f->cap && grow(f))
		return NULL;
	for (h = key_hash(k) & (f->cap - 1); f->slot[h]; h = (h + 1) & (f->cap - 1))
		;
	memset(&f->v[f->n], 0, sizeof(f->v[f->n]));
	f->v[f->n].key = *k;
	f->slot[h] = ++f->n;
	return &f->v[f->n - 1];
}

/* The metric of @j: the stage summed over its spans, or the whole journey; false if none. */
static bool metric(const struct skbt_flows *f, const struct skbt_journey *j, uint64_t *v)
{
	bool any = false;

	if (j->flags & SKBT_JF_INCOMPLETE || j->end == SKBT_JEND_GRO_MERGED)
		return false;
	if (f->stage < 0) {
		*v = skbt_journey_duration(j);
		return j->nhops > 1;
	}
	*v = 0;
	for (unsigned int i = 0; i < j->nstages; i++) {
		if (j->stages[i].stage == f->stage) {
			*v += j->stages[i].ns;
			any = true;
		}
	}
	return any;
}

int skbt_flows_add(struct skbt_flows *f, const struct skbt_journey *j)
{
	struct skbt_flow_stats *s;
	uint64_t v;

	f->kinds[j->flow.kind < 3 ? j->flow.kind : 0]++;
	if (j->flow.kind == SKBT_FLOW_NONE)
		return 0;
	s = lookup(f, &j->flow);
	if (!s) {
		if (f->n < SKBT_FLOWS_MAX)
			return -ENOMEM;
		f->other++;
		return 0;
	}
	s->journeys++;
	if (!metric(f, j, &v))
		return 0;
	if (!s->b) {
		s->b = calloc(FBUCKETS, sizeof(*s->b));
		if (!s->b)
			return -ENOMEM;
		s->min = v;
	}
	if (v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
	s->sum += v;
	s->measured++;
	s->b[fbucket(v)]++;
	return 0;
}

static int flow_cmp(const void *a, const void *b)
{
	const struct skbt_flow_stats *x = a, *y = b;
	uint64_t px = skbt_flow_quantile(x, 0.99), py = skbt_flow_quantile(y, 0.99);
	char nx[128], ny[128];

	if (px != py)
		return px > py ? -1 : 1;
	if (x->journeys != y->journeys)
		return x->journeys > y->journeys ? -1 : 1;
	return strcmp(skbt_flow_name(&x->key, nx, sizeof(nx)),
		      skbt_flow_name(&y->key, ny, sizeof(ny)));
}

void skbt_flows_done(struct skbt_flows *f)
{
	if (!f || f->sorted)
		return;
	if (f->n > 1)
		qsort(f->v, f->n, sizeof(*f->v), flow_cmp);
	/* the hash slots point into the old order: drop them, nothing is added after this */
	free(f->slot);
	f->slot = NULL;
	f->cap = 0;
	f->sorted = true;
}

int skbt_flows_stage(const struct skbt_flows *f)
{
	return f->stage;
}

unsigned int skbt_flows_count(const struct skbt_flows *f)
{
	return f ? f->n : 0;
}

const struct skbt_flow_stats *skbt_flows_get(const struct skbt_flows *f, unsigned int i)
{
	return f && i < f->n ? &f->v[i] : NULL;
}

uint64_t skbt_flows_by_kind(const struct skbt_flows *f, enum skbt_flow_kind kind)
{
	return f && kind < 3 ? f->kinds[kind] : 0;
}

uint64_t skbt_flows_other(const struct skbt_flows *f)
{
	return f ? f->other : 0;
}

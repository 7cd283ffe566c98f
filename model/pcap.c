// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcap: captured headers stored in the trace file, aligned to the trace clock and matched
 * to receive events.  See include/skbtrail/pcap.h and docs/file-format.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "skbtrail/flow.h"
#include "skbtrail/pcap.h"
#include "skbtrail/sbopt.h"
#include "skbtrail/tracefile.h"

#define MAX_IFACES 256
#define MAX_SYNC 16
#define MAX_CAPLEN 262144
#define MAX_FILTERS 8
#define SCAN_AHEAD 1024		/* records looked at past the window's start per event */

struct sync {
	uint64_t real, mono, boot;
	bool have_real, have_mono, have_boot;
};

struct match {
	uint64_t ev_ts;
	uint64_t skb;
	size_t rec;
};

struct iface_state {
	size_t *idx;		/* records of this interface, by trace time */
	size_t n, cap;
	size_t cursor;		/* first record not yet passed by the window */
	struct match *m;	/* matches, in event order (ev_ts non-decreasing) */
	size_t nm, capm;
};

struct filt {
	int linktype;
	struct bpf_program prog;
};

struct skbt_pcap {
	bool have_meta;
	unsigned int niface;
	struct skbt_pcap_iface ifc[MAX_IFACES];
	struct iface_state st[MAX_IFACES];
	unsigned int nsync;
	struct sync sync[MAX_SYNC];
	char cap_filter[512];
	struct skbt_pcap_record *rec;
	size_t nrec, caprec;
	bool prepared, aligned;
	char why_not[160];
	int32_t *devmap;	/* event device id -> interface + 1, -1 none, 0 not looked up */
	unsigned int nfilt;
	struct filt filt[MAX_FILTERS];
	const char *filter_text;
};

int skbt_pcap_new(struct skbt_pcap **pp)
{
	struct skbt_pcap *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return -ENOMEM;
	*pp = pc;
	return 0;
}

void skbt_pcap_free(struct skbt_pcap *pc)
{
	if (!pc)
		return;
	for (unsigned int i = 0; i < MAX_IFACES; i++) {
		free(pc->st[i].idx);
		free(pc->st[i].m);
	}
	for (unsigned int i = 0; i < pc->nfilt; i++)
		pcap_freecode(&pc->filt[i].prog);
	free(pc->rec);
	free(pc->devmap);
	free(pc);
}

/* ---- option text ---- */

/* The next "key=value" line of [*p, end): false at the end or at the blank line. */
static bool key_is(const char *k, size_t kl, const char *want)
{
	return strlen(want) == kl && !memcmp(k, want, kl);
}

static bool num(const char *v, size_t vl, uint64_t *out)
{
	uint64_t x = 0;

	if (!vl || vl > 20)
		return false;
	for (size_t i = 0; i < vl; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		if (x > (UINT64_MAX - (v[i] - '0')) / 10)
			return false;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return true;
}

/* "ifN.rest" / "syncN.rest": N and rest; false if @k does not start with @prefix + digits. */
static bool indexed(const char *k, size_t kl, const char *prefix, unsigned int *n,
		    const char **rest, size_t *rlen)
{
	size_t pl = strlen(prefix), i;
	unsigned int x = 0;

	if (kl <= pl || memcmp(k, prefix, pl))
		return false;
	for (i = pl; i < kl && k[i] >= '0' && k[i] <= '9' && i < pl + 4; i++)
		x = x * 10 + (k[i] - '0');
	if (i == pl || i >= kl || k[i] != '.')
		return false;
	*n = x;
	*rest = k + i + 1;
	*rlen = kl - i - 1;
	return true;
}

static int meta(struct skbt_pcap *pc, const char *s, const char *end, struct skbt_err *err)
{
	const char *k, *v, *rest;
	size_t kl, vl, rl;
	bool eq;
	unsigned int n;
	uint64_t x = 0;

	if (pc->have_meta)
		return skbt_err_set(err, -EBADMSG, "captured headers: two kind=pcap options");
	pc->have_meta = true;
	while (skbt_sbopt_next(&s, end, &k, &kl, &v, &vl, &eq)) {
		bool isnum = num(v, vl, &x);

		if (key_is(k, kl, "format")) {
			if (!isnum || x != 1)
				return skbt_err_set(err, -EBADMSG,
						    "captured headers: unknown format %.*s",
						    (int)(vl < 16 ? vl : 16), v);
		} else if (key_is(k, kl, "interfaces")) {
			if (!isnum || x > MAX_IFACES)
				return skbt_err_set(err, -EBADMSG,
						    "captured headers: bad interface count");
			pc->niface = x;
		} else if (key_is(k, kl, "sync")) {
			if (!isnum || x > MAX_SYNC)
				return skbt_err_set(err, -EBADMSG,
						    "captured headers: bad clock sync count");
			pc->nsync = x;
		} else if (key_is(k, kl, "filter")) {
			snprintf(pc->cap_filter, sizeof(pc->cap_filter), "%.*s",
				 (int)(vl < sizeof(pc->cap_filter) ? vl : sizeof(pc->cap_filter) - 1),
				 v);
		} else if (indexed(k, kl, "sync", &n, &rest, &rl)) {
			struct sync *y;

			if (n >= MAX_SYNC || !isnum)
				continue;
			y = &pc->sync[n];
			if (key_is(rest, rl, "realtime_ns")) {
				y->real = x;
				y->have_real = true;
			} else if (key_is(rest, rl, "monotonic_ns")) {
				y->mono = x;
				y->have_mono = true;
			} else if (key_is(rest, rl, "boottime_ns")) {
				y->boot = x;
				y->have_boot = true;
			}
		} else if (indexed(k, kl, "if", &n, &rest, &rl)) {
			struct skbt_pcap_iface *f;

			if (n >= MAX_IFACES)
				return skbt_err_set(err, -EBADMSG, "captured headers: interface %u", n);
			f = &pc->ifc[n];
			if (key_is(rest, rl, "name")) {
				snprintf(f->name, sizeof(f->name), "%.*s",
					 (int)(vl < sizeof(f->name) ? vl : sizeof(f->name) - 1), v);
				continue;
			}
			if (!isnum)
				continue;
			if (key_is(rest, rl, "ifindex"))
				f->ifindex = x > INT32_MAX ? 0 : (int)x;
			else if (key_is(rest, rl, "netns"))
				f->netns = x;
			else if (key_is(rest, rl, "linktype"))
				f->linktype = x > 65535 ? -1 : (int)x;
			else if (key_is(rest, rl, "snaplen"))
				f->snaplen = x > MAX_CAPLEN ? MAX_CAPLEN : (uint32_t)x;
			else if (key_is(rest, rl, "ps_recv"))
				f->ps_recv = x;
			else if (key_is(rest, rl, "ps_drop"))
				f->ps_drop = x;
			else if (key_is(rest, rl, "ps_ifdrop"))
				f->ps_ifdrop = x;
			else if (key_is(rest, rl, "not_stored"))
				f->not_stored = x;
		}
	}
	return 0;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int records(struct skbt_pcap *pc, const uint8_t *base, size_t size, const char *s,
		   struct skbt_err *err)
{
	const char *end = (const char *)base + size, *k, *v;
	size_t kl, vl, off;
	bool eq;
	uint64_t x = 0, want = UINT64_MAX;

	while (skbt_sbopt_next(&s, end, &k, &kl, &v, &vl, &eq)) {
		if (key_is(k, kl, "records") && num(v, vl, &x))
			want = x;
		else if (key_is(k, kl, "format") && (!num(v, vl, &x) || x != 1))
			return skbt_err_set(err, -EBADMSG, "captured headers: unknown record format");
	}
	if (s >= end || *s != '\n')
		return skbt_err_set(err, -EBADMSG, "captured headers: records without a header end");
	off = (size_t)(s + 1 - (const char *)base);
	for (uint64_t got = 0; off < size; got++) {
		struct skbt_pcap_record *r;
		uint64_t ts;
		uint32_t caplen, origlen;
		uint16_t ifc;

		if (size - off < SKBT_PCAP_REC_HDR)
			return skbt_err_set(err, -EBADMSG, "captured headers: record %" PRIu64
					    " cut short", got);
		memcpy(&ts, base + off, 8);
		caplen = get32(base + off + 8);
		origlen = get32(base + off + 12);
		memcpy(&ifc, base + off + 16, 2);
		off += SKBT_PCAP_REC_HDR;
		if (caplen > MAX_CAPLEN || caplen > size - off)
			return skbt_err_set(err, -EBADMSG, "captured headers: record %" PRIu64
					    " has a bad length", got);
		if (ifc >= MAX_IFACES)
			return skbt_err_set(err, -EBADMSG, "captured headers: record %" PRIu64
					    " names interface %u", got, ifc);
		if (pc->nrec == pc->caprec) {
			size_t cap = pc->caprec ? pc->caprec * 2 : 1024;
			struct skbt_pcap_record *nr = realloc(pc->rec, cap * sizeof(*nr));

			if (!nr)
				return skbt_err_set(err, -ENOMEM, "out of memory");
			pc->rec = nr;
			pc->caprec = cap;
		}
		r = &pc->rec[pc->nrec++];
		r->ts = 0;
		r->ts_real = ts;
		r->data = base + off;
		r->caplen = caplen;
		r->origlen = origlen < caplen ? caplen : origlen;
		r->iface = ifc;
		r->matched = 0;
		off += caplen;
		if (want != UINT64_MAX && got + 1 > want)
			return skbt_err_set(err, -EBADMSG, "captured headers: more records than %"
					    PRIu64, want);
	}
	return 0;
}

int skbt_pcap_add_option(struct skbt_pcap *pc, const void *data, size_t size,
			 struct skbt_err *err)
{
	const char *end = (const char *)data + size;

	if (pc->prepared)
		return -EINVAL;
	switch (skbt_sbopt_kind(data, size)) {
	case SKBT_SBOPT_PCAP:
		return meta(pc, skbt_sbopt_body(data, size), end, err);
	case SKBT_SBOPT_PCAP_RECORDS:
		return records(pc, data, size, skbt_sbopt_body(data, size), err);
	default:
		return 0;
	}
}

int skbt_pcap_read(struct skbt_tracefile *tf, struct skbt_pcap **pp, struct skbt_err *err)
{
	struct skbt_pcap *pc = NULL;
	const void *data;
	uint32_t size;
	int ret;

	*pp = NULL;
	for (int i = 0; skbt_tracefile_option(tf, SKBT_OPTION_ID, i, &data, &size) == 0; i++) {
		enum skbt_sbopt_kind kind = skbt_sbopt_kind(data, size);

		if (kind != SKBT_SBOPT_PCAP && kind != SKBT_SBOPT_PCAP_RECORDS)
			continue;
		if (!pc && (ret = skbt_pcap_new(&pc)))
			return skbt_err_set(err, ret, "out of memory");
		ret = skbt_pcap_add_option(pc, data, size, err);
		if (ret) {
			skbt_pcap_free(pc);
			return ret;
		}
	}
	if (pc && !pc->have_meta) {
		skbt_pcap_free(pc);
		return skbt_err_set(err, -EBADMSG, "captured headers without their kind=pcap option");
	}
	*pp = pc;
	return 0;
}

/* ---- clock alignment ---- */

/* trace clock value of sync point @y, or false when it lacks it */
static bool sync_clock(const struct sync *y, bool boot, uint64_t *v)
{
	if (boot ? !y->have_boot : !y->have_mono)
		return false;
	*v = boot ? y->boot : y->mono;
	return y->have_real;
}

static uint64_t to_trace(const struct skbt_pcap *pc, const struct sync *s, unsigned int n,
			 uint64_t real)
{
	/* offset = realtime - trace clock, interpolated between the sync points (NTP slews) */
	double off;

	if (real <= s[0].real || n == 1) {
		off = (double)s[0].real - (double)s[0].mono;
	} else if (real >= s[n - 1].real) {
		off = (double)s[n - 1].real - (double)s[n - 1].mono;
	} else {
		unsigned int k = 1;

		while (k < n - 1 && s[k].real < real)
			k++;
		double o0 = (double)s[k - 1].real - (double)s[k - 1].mono;
		double o1 = (double)s[k].real - (double)s[k].mono;
		double span = (double)s[k].real - (double)s[k - 1].real;

		off = span > 0 ? o0 + (o1 - o0) * ((double)real - (double)s[k - 1].real) / span : o1;
	}
	(void)pc;
	double mono = (double)real - off;

	/* corrupt samples can put it outside u64: converting that is undefined (fuzz_pcap) */
	if (!(mono > 0))
		return 0;
	return mono >= 0x1p64 ? UINT64_MAX : (uint64_t)mono;
}

/* qsort_r() comparator of record indexes by time; @ctx is the records array */
static int idx_cmp(const void *a, const void *b, void *ctx)
{
	const struct skbt_pcap_record *sort_rec = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (sort_rec[x].ts != sort_rec[y].ts)
		return sort_rec[x].ts < sort_rec[y].ts ? -1 : 1;
	return x < y ? -1 : x > y;
}

int skbt_pcap_prepare(struct skbt_pcap *pc, const char *trace_clock, struct skbt_err *err)
{
	struct sync s[MAX_SYNC];
	unsigned int n = 0;
	bool boot = trace_clock && !strcmp(trace_clock, "boot");
	int ret = 0;

	if (pc->prepared)
		return pc->aligned ? 0 : -ENOTSUP;
	pc->prepared = true;
	for (unsigned int i = 0; i < pc->nsync; i++) {
		uint64_t c;

		if (!sync_clock(&pc->sync[i], boot, &c))
			continue;
		s[n] = pc->sync[i];
		s[n].mono = c;	/* the trace clock's value, whichever it is */
		/* keep them in realtime order (insertion sort, n <= 16) */
		for (unsigned int k = n; k > 0 && s[k].real < s[k - 1].real; k--) {
			struct sync t = s[k];

			s[k] = s[k - 1];
			s[k - 1] = t;
		}
		n++;
	}
	if (!trace_clock || (strcmp(trace_clock, "mono") && !boot)) {
		snprintf(pc->why_not, sizeof(pc->why_not), "trace clock '%s' cannot be aligned "
			 "with the capture's (record with --clock mono or boot)",
			 trace_clock ? trace_clock : "?");
		ret = -ENOTSUP;
	} else if (!n) {
		snprintf(pc->why_not, sizeof(pc->why_not), "the file has no clock sync points");
		ret = -ENOTSUP;
	}
	pc->aligned = ret == 0;
	for (size_t i = 0; i < pc->nrec; i++) {
		struct skbt_pcap_record *r = &pc->rec[i];

		if (r->iface >= pc->niface)
			return skbt_err_set(err, -EBADMSG, "captured headers: record names interface "
					    "%u of %u", r->iface, pc->niface);
		r->ts = pc->aligned ? to_trace(pc, s, n, r->ts_real) : r->ts_real;
		pc->ifc[r->iface].packets++;
	}
	for (unsigned int f = 0; f < pc->niface; f++) {
		struct iface_state *st = &pc->st[f];

		st->cap = pc->ifc[f].packets;
		st->idx = st->cap ? malloc(st->cap * sizeof(*st->idx)) : NULL;
		if (st->cap && !st->idx)
			return skbt_err_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < pc->nrec; i++) {
		struct iface_state *st = &pc->st[pc->rec[i].iface];

		st->idx[st->n++] = i;
	}
	for (unsigned int f = 0; f < pc->niface; f++)
		if (pc->st[f].n)
			qsort_r(pc->st[f].idx, pc->st[f].n, sizeof(size_t), idx_cmp, pc->rec);
	if (ret)
		skbt_err_set(err, ret, "%s", pc->why_not);
	return ret;
}

bool skbt_pcap_aligned(const struct skbt_pcap *pc)
{
	return pc->aligned;
}

/* ---- matching ---- */

static int iface_of(struct skbt_pcap *pc, unsigned int dev, const char *name)
{
	if (!pc->devmap) {
		pc->devmap = calloc(65536, sizeof(*pc->devmap));
		if (!pc->devmap)
			return -1;
	}
	dev &= 0xffff;
	if (!pc->devmap[dev]) {
		pc->devmap[dev] = -1;
		for (unsigned int f = 0; name && f < pc->niface; f++) {
			if (!strcmp(pc->ifc[f].name, name)) {
				pc->devmap[dev] = f + 1;
				break;
			}
		}
	}
	return pc->devmap[dev] > 0 ? pc->devmap[dev] - 1 : -1;
}

static bool len_ok(const struct skbt_pcap_iface *f, const struct skbt_pcap_record *r,
		   uint32_t len)
{
	int hdr = skbt_flow_link_header(f->linktype);

	if (hdr < 0)
		return true;
	/* a VLAN tag the driver stripped comes back in the capture */
	return r->origlen == len + (uint32_t)hdr || r->origlen == len + (uint32_t)hdr + 4;
}

int skbt_pcap_on_event(struct skbt_pcap *pc, const struct skbt_event *ev, const char *devname)
{
	struct iface_state *st;
	struct skbt_pcap_iface *f;
	uint64_t lo;
	int k;

	if (ev->kind != SKBT_EV_NETIF_RECEIVE_SKB || !pc->aligned)
		return 0;
	k = iface_of(pc, ev->dev, devname);
	if (k < 0)
		return pc->devmap ? 0 : -ENOMEM;
	f = &pc->ifc[k];
	st = &pc->st[k];
	f->rx_events++;
	lo = ev->ts > SKBT_PCAP_WINDOW_NS ? ev->ts - SKBT_PCAP_WINDOW_NS : 0;
	while (st->cursor < st->n && (pc->rec[st->idx[st->cursor]].ts < lo ||
				      pc->rec[st->idx[st->cursor]].matched))
		st->cursor++;
	for (size_t i = st->cursor, seen = 0; i < st->n && seen < SCAN_AHEAD; i++, seen++) {
		struct skbt_pcap_record *r = &pc->rec[st->idx[i]];

		if (r->ts > ev->ts + SKBT_PCAP_WINDOW_NS)
			break;
		if (r->matched || !len_ok(f, r, ev->len))
			continue;
		if (st->nm == st->capm) {
			size_t cap = st->capm ? st->capm * 2 : 256;
			struct match *nm = realloc(st->m, cap * sizeof(*nm));

			if (!nm)
				return -ENOMEM;
			st->m = nm;
			st->capm = cap;
		}
		st->m[st->nm++] = (struct match){ ev->ts, ev->skb, st->idx[i] };
		r->matched = 1;
		f->matched++;
		f->rx_matched++;
		break;
	}
	return 0;
}

void skbt_pcap_attach(struct skbt_pcap *pc, struct skbt_journey *j)
{
	for (unsigned int i = 0; i < j->nhops && pc->devmap; i++) {
		const struct skbt_hop *h = &j->hops[i];
		struct iface_state *st;
		size_t lo = 0, hi;
		int k;

		if (h->kind != SKBT_EV_NETIF_RECEIVE_SKB || pc->devmap[h->dev] <= 0)
			continue;
		k = pc->devmap[h->dev] - 1;
		st = &pc->st[k];
		hi = st->nm;
		while (lo < hi) {	/* first match with ev_ts >= h->ts */
			size_t mid = lo + (hi - lo) / 2;

			if (st->m[mid].ev_ts < h->ts)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < st->nm && st->m[lo].ev_ts == h->ts; lo++) {
			const struct skbt_pcap_record *r;
			uint32_t hash = j->hash;

			if (st->m[lo].skb != h->skb)
				continue;
			r = &pc->rec[st->m[lo].rec];
			j->pkt = st->m[lo].rec + 1;
			if (skbt_flow_parse(r->data, r->caplen, pc->ifc[k].linktype, &j->flow) == 0)
				j->flow.hash = hash;
			else if (hash)
				j->flow = (struct skbt_flow_key){ .kind = SKBT_FLOW_HASH, .hash = hash };
			return;
		}
	}
}

/* ---- filter ---- */

static int compile(int linktype, const char *expr, struct bpf_program *prog,
		   struct skbt_err *err)
{
	pcap_t *p = pcap_open_dead(linktype, MAX_CAPLEN);
	int ret = 0;

	if (!p)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
		ret = skbt_err_set(err, -EINVAL, "%s", pcap_geterr(p));
	pcap_close(p);
	return ret;
}

int skbt_pcap_filter_check(const char *expr, struct skbt_err *err)
{
	struct bpf_program prog;
	int ret = compile(SKBT_LINKTYPE_EN10MB, expr, &prog, err);

	if (!ret)
		pcap_freecode(&prog);
	return ret;
}

int skbt_pcap_filter_set(struct skbt_pcap *pc, const char *expr, struct skbt_err *err)
{
	for (unsigned int f = 0; f < pc->niface; f++) {
		unsigned int i;
		int ret;

		for (i = 0; i < pc->nfilt && pc->filt[i].linktype != pc->ifc[f].linktype; i++)
			;
		if (i < pc->nfilt)
			continue;
		if (pc->nfilt == MAX_FILTERS)
			return skbt_err_set(err, -E2BIG, "too many link types");
		ret = compile(pc->ifc[f].linktype, expr, &pc->filt[i].prog, err);
		if (ret)
			return ret;
		pc->filt[i].linktype = pc->ifc[f].linktype;
		pc->nfilt++;
	}
	pc->filter_text = expr;
	return 0;
}

bool skbt_pcap_filter_match(const struct skbt_pcap *pc, const struct skbt_journey *j)
{
	const struct skbt_pcap_record *r;
	struct pcap_pkthdr h;
	int lt;

	if (!j->pkt || j->pkt > pc->nrec)
		return false;
	r = &pc->rec[j->pkt - 1];
	lt = pc->ifc[r->iface].linktype;
	for (unsigned int i = 0; i < pc->nfilt; i++) {
		if (pc->filt[i].linktype != lt)
			continue;
		h.ts.tv_sec = r->ts_real / 1000000000ULL;
		h.ts.tv_usec = (r->ts_real % 1000000000ULL) / 1000;
		h.caplen = r->caplen;
		h.len = r->origlen;
		return pcap_offline_filter(&pc->filt[i].prog, &h, r->data) != 0;
	}
	return false;
}

/* ---- accessors ---- */

unsigned int skbt_pcap_niface(const struct skbt_pcap *pc)
{
	return pc->niface;
}

const struct skbt_pcap_iface *skbt_pcap_iface(const struct skbt_pcap *pc, unsigned int i)
{
	return i < pc->niface ? &pc->ifc[i] : NULL;
}

size_t skbt_pcap_nrecords(const struct skbt_pcap *pc)
{
	return pc->nrec;
}

const struct skbt_pcap_record *skbt_pcap_record(const struct skbt_pcap *pc, size_t i)
{
	return i < pc->nrec ? &pc->rec[i] : NULL;
}

const char *skbt_pcap_capture_filter(const struct skbt_pcap *pc)
{
	return pc->cap_filter;
}

void skbt_pcap_summarize(const struct skbt_pcap *pc, struct skbt_pcap_summary *s)
{
	uint64_t selected = s->selected;
	const char *filter = s->filter;

	memset(s, 0, sizeof(*s));
	s->selected = selected;
	s->filter = filter;
	if (!pc)
		return;
	s->pc = pc;
	s->present = true;
	s->aligned = pc->aligned;
	s->why_not = pc->aligned ? NULL : pc->why_not;
	s->niface = pc->niface;
	for (unsigned int f = 0; f < pc->niface; f++) {
		const struct skbt_pcap_iface *i = &pc->ifc[f];

		s->packets += i->packets;
		s->matched += i->matched;
		s->rx_events += i->rx_events;
		s->rx_matched += i->rx_matched;
		s->ps_recv += i->ps_recv;
		s->ps_drop += i->ps_drop;
		s->ps_ifdrop += i->ps_ifdrop;
		s->not_stored += i->not_stored;
	}
}

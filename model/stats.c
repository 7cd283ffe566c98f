// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stats: aggregate journeys, polls and drops into what the reports render.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/flow.h"
#include "skbtrail/stats.h"

/* ---- histogram ---- */

/* Lowest value of bucket @i and its width. */
static void bucket_range(unsigned int i, uint64_t *lo, uint64_t *width)
{
	unsigned int e, m;

	if (i < SKBT_HIST_SUB) {
		*lo = i;
		*width = 1;
		return;
	}
	e = (i - SKBT_HIST_SUB) / SKBT_HIST_SUB + 7;
	m = (i - SKBT_HIST_SUB) % SKBT_HIST_SUB;
	*width = 1ULL << (e - 7);
	*lo = (1ULL << e) + (uint64_t)m * *width;
}

int skbt_hist_add_slow(struct skbt_hist *h, uint64_t v)
{
	if (!h->b) {
		h->b = calloc(SKBT_HIST_BUCKETS, sizeof(*h->b));
		if (!h->b)
			return -ENOMEM;
		h->min = v;
		h->max = v;
	}
	if (h->big) {
		h->sum += v;
	} else if (__builtin_add_overflow(h->isum, v, &h->isum)) {
		h->sum = (long double)(h->isum - v) + v;
		h->isum = 0;
		h->big = true;
	}
	skbt_hist_note(h, v);
	return 0;
}

long double skbt_hist_sum(const struct skbt_hist *h)
{
	return h->big ? h->sum : h->isum;
}

uint64_t skbt_hist_quantile(const struct skbt_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* nearest rank: the smallest value with at least q of the values at or below it */
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank <= 1)
		return h->min;
	if (rank >= h->count)
		return h->max;	/* the extremes are known exactly */
	for (unsigned int i = 0; i < SKBT_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			uint64_t lo, w, v;

			bucket_range(i, &lo, &w);
			v = lo + w / 2;
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}

uint64_t skbt_hist_log2(const struct skbt_hist *h, int k)
{
	uint64_t n = 0, a, b;

	if (!h->b)
		return 0;
	if (k < 0)
		return h->b[0];
	a = 1ULL << k;
	b = k >= 63 ? UINT64_MAX : (1ULL << (k + 1)) - 1;
	/* nothing lies outside [min, max]: a report asks for all 64 octaves of each histogram */
	if (a > h->max || b < h->min)
		return 0;
	a = a > h->min ? a : h->min;
	b = b < h->max ? b : h->max;
	for (unsigned int i = skbt_hist_bucket(a);
	     i <= skbt_hist_bucket(b) && i < SKBT_HIST_BUCKETS; i++)
		n += h->b[i];
	return n;
}

int skbt_hist_merge(struct skbt_hist *dst, const struct skbt_hist *src)
{
	uint64_t isum;

	if (!src->count || !src->b)
		return 0;
	if (!dst->b) {
		dst->b = calloc(SKBT_HIST_BUCKETS, sizeof(*dst->b));
		if (!dst->b)
			return -ENOMEM;
		dst->min = src->min;
		dst->max = src->max;
	}
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	if (!dst->big && !src->big && !__builtin_add_overflow(dst->isum, src->isum, &isum)) {
		dst->isum = isum;
	} else {
		dst->sum = skbt_hist_sum(dst) + skbt_hist_sum(src);
		dst->isum = 0;
		dst->big = true;
	}
	for (unsigned int i = 0; i < SKBT_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	return 0;
}

void skbt_hist_release(struct skbt_hist *h)
{
	free(h->b);
	memset(h, 0, sizeof(*h));
}

/* ---- naming ---- */

const char *skbt_stats_path_name(const struct skbt_stats *st, const uint16_t *devs,
				 unsigned int ndevs, bool tx_only, char *buf, size_t len)
{
	return skbt_names_path(&st->names, devs, ndevs, tx_only, buf, len);
}

const char *skbt_names_path(const struct skbt_names *names, const uint16_t *devs,
			    unsigned int ndevs, bool tx_only, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	if (tx_only)
		off += snprintf(buf, len, "tx:");
	for (unsigned int i = 0; i < ndevs && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ">" : "",
				names->dev(names->ctx, devs[i]));
	if (!ndevs && off < len)
		snprintf(buf + off, len - off, "(none)");
	return buf;
}

/* ---- selection: always whole journeys (never single events: docs/stages.md) ---- */

static bool dev_selected(const struct skbt_stats *st, unsigned int dev)
{
	const char *name = st->names.dev(st->names.ctx, dev);

	/* a device placed in its namespace (NAME@NAMESPACE) is still NAME */
	for (unsigned int i = 0; i < st->filter.ndevs; i++) {
		size_t n = strlen(st->filter.devs[i]);

		if (!strncmp(name, st->filter.devs[i], n) && (!name[n] || name[n] == '@'))
			return true;
	}
	return false;
}

bool skbt_stats_selects(const struct skbt_stats *st, const struct skbt_journey *j)
{
	const struct skbt_filter *f = &st->filter;

	if (f->select && !f->select(f->select_ctx, j))
		return false;
	if (f->ndevs) {
		bool hit = j->origin_dev && dev_selected(st, j->origin_dev);

		for (unsigned int i = 0; i < j->ndevs && !hit; i++)
			hit = dev_selected(st, j->devs[i]);
		if (!hit)
			return false;
	}
	if (f->path) {
		char buf[256];

		skbt_stats_path_name(st, j->devs, j->ndevs, j->flags & SKBT_JF_TX_ONLY, buf,
				     sizeof(buf));
		if (strcmp(buf, f->path))
			return false;
	}
	if (f->cpu >= 0) {
		bool hit = false;

		for (unsigned int i = 0; i < j->nhops && !hit; i++)
			hit = j->hops[i].cpu == f->cpu;
		if (!hit)
			return false;
	}
	if (f->from_ns && (!j->nhops || j->hops[0].ts < f->from_ns))
		return false;
	if (f->to_ns && (!j->nhops || j->hops[0].ts > f->to_ns))
		return false;
	if (f->min_latency_ns) {
		if (f->stage < 0)
			return skbt_journey_duration(j) >= f->min_latency_ns;
		for (unsigned int i = 0; i < j->nstages; i++)
			if (j->stages[i].stage == f->stage && j->stages[i].ns >= f->min_latency_ns)
				return true;
		return false;
	}
	return true;
}

/* ---- aggregation ---- */

/*
 * The rows of a struct skbt_stats, found by their key or added (zeroed but for the key): one
 * copy for the journeys, polls and drops here and for the merge of several files (merge.c).
 */
/* Whether @p is the path of devices @devs (@ndevs of them), transmit-only or not. */
static bool path_is(const struct skbt_path_stats *p, const uint16_t *devs, unsigned int ndevs,
		    bool tx_only)
{
	if (p->ndevs != ndevs || p->tx_only != tx_only)
		return false;
	for (unsigned int i = 0; i < ndevs; i++)
		if (p->devs[i] != devs[i])
			return false;
	return true;
}

struct skbt_path_stats *skbt_stats_path_find(struct skbt_stats *st, const uint16_t *devs,
					     unsigned int ndevs, bool tx_only)
{
	for (unsigned int i = 0; i < st->npaths; i++)
		if (path_is(&st->paths[i], devs, ndevs, tx_only))
			return &st->paths[i];
	return NULL;
}

struct skbt_path_stats *skbt_stats_path_new(struct skbt_stats *st, const uint16_t *devs,
					    unsigned int ndevs, bool tx_only)
{
	struct skbt_path_stats *p = realloc(st->paths, (st->npaths + 1) * sizeof(*p));

	if (!p)
		return NULL;
	st->paths = p;
	p = &st->paths[st->npaths++];
	memset(p, 0, sizeof(*p));
	p->ndevs = ndevs;
	memcpy(p->devs, devs, ndevs * sizeof(devs[0]));
	p->tx_only = tx_only;
	return p;
}

static bool stage_is(const struct skbt_stage_stats *ss, unsigned int stage,
		     unsigned int from_kind, unsigned int from_dev, unsigned int to_kind,
		     unsigned int to_dev)
{
	return ss->stage == stage && ss->from_kind == from_kind && ss->from_dev == from_dev &&
	       ss->to_kind == to_kind && ss->to_dev == to_dev;
}

struct skbt_stage_stats *skbt_stats_stage_get(struct skbt_path_stats *p, unsigned int stage,
					      unsigned int from_kind, unsigned int from_dev,
					      unsigned int to_kind, unsigned int to_dev)
{
	struct skbt_stage_stats *ss;

	for (unsigned int i = 0; i < p->nstages; i++) {
		ss = &p->stages[i];
		if (stage_is(ss, stage, from_kind, from_dev, to_kind, to_dev))
			return ss;
	}
	ss = realloc(p->stages, (p->nstages + 1) * sizeof(*ss));
	if (!ss)
		return NULL;
	p->stages = ss;
	ss = &p->stages[p->nstages++];
	memset(ss, 0, sizeof(*ss));
	ss->stage = stage;
	ss->from_kind = from_kind;
	ss->from_dev = from_dev;
	ss->to_kind = to_kind;
	ss->to_dev = to_dev;
	return ss;
}

int skbt_stats_drop_count(struct skbt_drop_stats **arr, unsigned int *n,
			  const struct skbt_drop_stats *key)
{
	struct skbt_drop_stats *d;

	for (unsigned int i = 0; i < *n; i++) {
		d = &(*arr)[i];
		if (d->reason == key->reason && d->location == key->location &&
		    d->dev == key->dev && d->stage == key->stage) {
			d->count += key->count;
			return 0;
		}
	}
	d = realloc(*arr, (*n + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	*arr = d;
	(*arr)[(*n)++] = *key;
	return 0;
}

struct skbt_napi_stats *skbt_stats_napi_get(struct skbt_stats *st, unsigned int dev,
					    unsigned int cpu)
{
	struct skbt_napi_stats *n;

	for (unsigned int i = 0; i < st->nnapi; i++)
		if (st->napi[i].dev == dev && st->napi[i].cpu == cpu)
			return &st->napi[i];
	n = realloc(st->napi, (st->nnapi + 1) * sizeof(*n));
	if (!n)
		return NULL;
	st->napi = n;
	n = &st->napi[st->nnapi++];
	memset(n, 0, sizeof(*n));
	n->dev = dev;
	n->cpu = cpu;
	return n;
}

static struct skbt_path_stats *path_get(struct skbt_stats *st, const struct skbt_journey *j)
{
	bool tx = j->flags & SKBT_JF_TX_ONLY;
	struct skbt_path_stats *p;

	if (st->last_path < st->npaths && path_is(&st->paths[st->last_path], j->devs, j->ndevs, tx))
		return &st->paths[st->last_path];
	p = skbt_stats_path_find(st, j->devs, j->ndevs, tx);
	if (p) {
		st->last_path = p - st->paths;
		return p;
	}
	if (skbt_limit_charge(SKBT_LIM_PATHS, st->fsize, &st->used_paths, 1, &st->limit))
		return NULL;
	return skbt_stats_path_new(st, j->devs, j->ndevs, tx);
}

/*
 * The journey's stage @i on its path: the journeys of a path mostly have the same stages in
 * the same order, so the path's stage @i is tried first (each stage is there once).
 */
static struct skbt_stage_stats *stage_get(struct skbt_path_stats *p, const struct skbt_journey *j,
					  unsigned int i)
{
	const struct skbt_stage_span *s = &j->stages[i];
	const struct skbt_hop *a = &j->hops[s->from], *b = &j->hops[s->to];

	if (i < p->nstages && stage_is(&p->stages[i], s->stage, a->kind, a->dev, b->kind, b->dev))
		return &p->stages[i];
	return skbt_stats_stage_get(p, s->stage, a->kind, a->dev, b->kind, b->dev);
}

static int drop_add_to(struct skbt_drop_stats **arr, unsigned int *n, uint32_t reason,
		       uint64_t loc, uint16_t dev, int stage)
{
	return skbt_stats_drop_count(arr, n, &(struct skbt_drop_stats){ .reason = reason,
				     .location = loc, .dev = dev, .stage = stage, .count = 1 });
}

static int drop_add(struct skbt_stats *st, uint32_t reason, uint64_t loc, uint16_t dev, int stage)
{
	return drop_add_to(&st->drops, &st->ndrops, reason, loc, dev, stage);
}

/*
 * Functions that free skbs of the control plane, never packets: netlink and generic netlink
 * messages (and the Open vSwitch datapath's genetlink command handlers, but not
 * ovs_packet_cmd_execute, whose skb is a packet sent by ovs-vswitchd), rtnetlink, Unix sockets.
 */
bool skbt_control_plane_location(const char *sym)
{
	static const char *const prefix[] = {
		"netlink_", "__netlink_", "genl_", "genlmsg_", "nlmsg_", "rtnetlink_", "rtnl_",
		"unix_", "ovs_dp_cmd_", "ovs_vport_cmd_", "ovs_flow_cmd_", "ovs_meter_cmd_",
		"ovs_ct_limit_cmd_",
	};

	if (!sym)
		return false;
	/* asked of every function of a kernel (lib/ksyms.c ranges): the first byte first */
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (sym[0] == prefix[i][0] && !strncmp(sym, prefix[i], strlen(prefix[i])))
			return true;
	return false;
}

/* cpu_get() past the end: asked of every event, the growing is out of line */
static struct skbt_cpu_stats *cpu_grow(struct skbt_stats *st, unsigned int cpu)
{
	if (cpu >= 65536)
		return NULL;
	if (cpu >= st->ncpus) {
		struct skbt_cpu_stats *c = realloc(st->cpus, (cpu + 1) * sizeof(*c));

		if (!c)
			return NULL;
		memset(c + st->ncpus, 0, (cpu + 1 - st->ncpus) * sizeof(*c));
		st->cpus = c;
		st->ncpus = cpu + 1;
	}
	return &st->cpus[cpu];
}

static inline struct skbt_cpu_stats *cpu_get(struct skbt_stats *st, unsigned int cpu)
{
	return cpu < st->ncpus ? &st->cpus[cpu] : cpu_grow(st, cpu);
}

/* Keep the slowest journeys: a min-heap on duration, so the fastest kept one is at [0]. */
static uint64_t top_key(const struct skbt_stats *st, const struct skbt_journey *j)
{
	if (st->filter.stage >= 0) {
		uint64_t m = 0;

		for (unsigned int i = 0; i < j->nstages; i++)
			if (j->stages[i].stage == st->filter.stage && j->stages[i].ns > m)
				m = j->stages[i].ns;
		return m;
	}
	return skbt_journey_duration(j);
}

static void heap_down(struct skbt_stats *st, unsigned int i)
{
	for (;;) {
		unsigned int l = 2 * i + 1, r = l + 1, m = i;
		struct skbt_journey tmp;

		if (l < st->ntop && top_key(st, &st->top[l]) < top_key(st, &st->top[m]))
			m = l;
		if (r < st->ntop && top_key(st, &st->top[r]) < top_key(st, &st->top[m]))
			m = r;
		if (m == i)
			return;
		tmp = st->top[i];
		st->top[i] = st->top[m];
		st->top[m] = tmp;
		i = m;
	}
}

static void top_add(struct skbt_stats *st, const struct skbt_journey *j)
{
	uint64_t k;

	if (!st->top_max || !j->nhops)
		return;
	k = top_key(st, j);
	if (st->ntop < st->top_max) {
		unsigned int i = st->ntop++;

		st->top[i] = *j;
		while (i) {
			unsigned int p = (i - 1) / 2;
			struct skbt_journey tmp;

			if (top_key(st, &st->top[p]) <= top_key(st, &st->top[i]))
				break;
			tmp = st->top[p];
			st->top[p] = st->top[i];
			st->top[i] = tmp;
			i = p;
		}
		if (st->ntop == st->top_max)
			st->top_floor = top_key(st, &st->top[0]);
		return;
	}
	if (k <= st->top_floor)
		return;
	st->top[0] = *j;
	heap_down(st, 0);
	st->top_floor = top_key(st, &st->top[0]);
}

/* How far @j is from the trigger: 0 when its hops span it. */
static uint64_t near_key(const struct skbt_stats *st, const struct skbt_journey *j)
{
	uint64_t a = j->hops[0].ts, b = j->hops[j->nhops - 1].ts, t = st->near_ns;

	return t < a ? a - t : t > b ? t - b : 0;
}

/* The nearest kept: a max-heap on distance, so the farthest kept one is at [0]. */
static void near_add(struct skbt_stats *st, const struct skbt_journey *j)
{
	unsigned int i = 0;

	if (!st->near_max || !j->nhops)
		return;
	if (st->nnear < st->near_max) {
		i = st->nnear++;
		st->near[i] = *j;
		while (i) {
			unsigned int p = (i - 1) / 2;
			struct skbt_journey tmp;

			if (near_key(st, &st->near[p]) >= near_key(st, &st->near[i]))
				break;
			tmp = st->near[p];
			st->near[p] = st->near[i];
			st->near[i] = tmp;
			i = p;
		}
		return;
	}
	if (near_key(st, j) >= near_key(st, &st->near[0]))
		return;
	st->near[0] = *j;
	for (;;) {
		unsigned int l = 2 * i + 1, r = l + 1, m = i;
		struct skbt_journey tmp;

		if (l < st->nnear && near_key(st, &st->near[l]) > near_key(st, &st->near[m]))
			m = l;
		if (r < st->nnear && near_key(st, &st->near[r]) > near_key(st, &st->near[m]))
			m = r;
		if (m == i)
			return;
		tmp = st->near[i];
		st->near[i] = st->near[m];
		st->near[m] = tmp;
		i = m;
	}
}

int skbt_stats_near(struct skbt_stats *st, uint64_t ns, unsigned int max)
{
	free(st->near);
	st->nnear = 0;
	st->near_ns = ns;
	st->near_max = max;
	st->near = max ? calloc(max, sizeof(*st->near)) : NULL;
	if (max && !st->near) {
		st->near_max = 0;
		return -ENOMEM;
	}
	return 0;
}

int skbt_stats_add_journey(struct skbt_stats *st, const struct skbt_journey *j)
{
	struct skbt_path_stats *p;
	struct skbt_cpu_stats *c;

	st->journeys_seen++;
	if (!skbt_stats_selects(st, j))
		return 0;
	st->journeys_selected++;
	st->ends[j->end]++;
	if (j->flags & SKBT_JF_LINKED)
		st->linked[j->link_conf & 3]++;
	if (j->flags & SKBT_JF_INCOMPLETE)
		st->incomplete++;
	c = j->nhops ? cpu_get(st, j->hops[0].cpu) : NULL;
	if (c)
		c->journeys++;
	if (j->end == SKBT_JEND_GRO_MERGED) {
		/* a wire packet GRO merged into another skb: accounted, it has no path of its own */
		st->gro_merged++;
		return 0;
	}
	if (st->flows && skbt_flows_add(st->flows, j))
		return -ENOMEM;
	p = path_get(st, j);
	if (!p)
		return st->limit.code ? st->limit.code : -ENOMEM;
	p->journeys++;
	p->ends[j->end]++;
	if (j->flags & SKBT_JF_INCOMPLETE)
		p->incomplete++;
	if (j->flags & SKBT_JF_CPU_CHANGE)
		p->cpu_change++;
	if (j->flags & SKBT_JF_LINKED)
		p->linked++;
	/* Incomplete journeys are counted but never measured: a missing hop would make a
	 * stage span two real stages and the numbers silently wrong. */
	if (!(j->flags & SKBT_JF_INCOMPLETE)) {
		if (j->nhops > 1 && !p->total.b &&
		    skbt_limit_charge(SKBT_LIM_HISTS, st->fsize, &st->used_hists, 1, &st->limit))
			return st->limit.code;
		if (j->nhops > 1 && skbt_hist_add(&p->total, skbt_journey_duration(j)))
			return -ENOMEM;
		for (unsigned int i = 0; i < j->nstages; i++) {
			struct skbt_stage_stats *ss = stage_get(p, j, i);

			/* each histogram holds SKBT_HIST_BUCKETS counters (58 KiB) */
			if (ss && !ss->h.b && skbt_limit_charge(SKBT_LIM_HISTS, st->fsize,
								&st->used_hists, 1, &st->limit))
				return st->limit.code;
			if (!ss || skbt_hist_add(&ss->h, j->stages[i].ns))
				return -ENOMEM;
			ss->pos_sum += j->stages[i].from;
		}
	}
	if (j->end == SKBT_JEND_DROPPED) {
		int stage = j->nstages ? j->stages[j->nstages - 1].stage : -1;
		uint16_t dev = j->ndevs ? j->devs[j->ndevs - 1] : 0;

		/* the drop's stage is the one that ends at the free */
		if (j->nstages && j->stages[j->nstages - 1].to != j->nhops - 1)
			stage = -1;
		if (drop_add(st, j->drop_reason, j->drop_location, dev, stage))
			return -ENOMEM;
	}
	top_add(st, j);
	near_add(st, j);
	return 0;
}

int skbt_stats_add_orphan_drop(struct skbt_stats *st, const struct skbt_event *ev)
{
	uint64_t loc = ev->u.drop.location;
	bool control;

	if (ev->u.drop.protocol || !loc)
		control = false;
	else if (st->names.control)
		control = st->names.control(st->names.ctx, loc);
	else
		control = st->names.symbol &&
			  skbt_control_plane_location(st->names.symbol(st->names.ctx, loc));
	/* skb->protocol 0 freed by netlink/socket code: a message, not a packet (docs/stages.md) */
	if (control) {
		st->control_plane_frees++;
		return drop_add_to(&st->cp_frees, &st->ncp_frees, ev->u.drop.reason,
				   ev->u.drop.location, 0, -1);
	}
	return drop_add(st, ev->u.drop.reason, ev->u.drop.location, 0, -1);
}

int skbt_stats_add_poll(struct skbt_stats *st, const struct skbt_event *ev, uint32_t traced)
{
	struct skbt_napi_stats *n = NULL;
	struct skbt_cpu_stats *c = cpu_get(st, ev->cpu);
	int32_t work = ev->u.napi.work;

	if (c) {
		c->polls++;
		/* a CPU polls mostly one device: no scan of every (device, CPU) pair seen */
		if (c->napi_hint && c->napi_hint <= st->nnapi &&
		    st->napi[c->napi_hint - 1].dev == ev->dev &&
		    st->napi[c->napi_hint - 1].cpu == ev->cpu)
			n = &st->napi[c->napi_hint - 1];
	}
	if (!n) {
		n = skbt_stats_napi_get(st, ev->dev, ev->cpu);
		if (!n)
			return -ENOMEM;
	}
	if (c)
		c->napi_hint = (unsigned int)(n - st->napi) + 1;
	if (work < 0)
		work = 0;
	n->polls++;
	n->work += work;
	n->traced += traced;
	if (!work)
		n->idle++;
	if (ev->u.napi.budget > 0 && work >= ev->u.napi.budget)
		n->exhausted++;	/* net_rx_action() puts it back on the poll list: time_squeeze risk */
	if (ev->u.napi.budget > 0)
		n->budget = ev->u.napi.budget;
	if ((uint32_t)work > n->max_work)
		n->max_work = work;
	n->work_hist[work < 64 ? work : 64]++;
	return 0;
}

int skbt_stats_add_event(struct skbt_stats *st, const struct skbt_event *ev)
{
	struct skbt_cpu_stats *c = cpu_get(st, ev->cpu);

	if (!c)
		return -ENOMEM;
	c->events++;
	if (ev->kind == SKBT_EV_LOST)
		c->lost_markers++;
	return 0;
}

/*
 * qsort_r() with an empty array: the pointer may be NULL, which qsort's contract forbids.
 * @st is the comparators' context (device and path names): no file-scope sort state.
 */
static void sort(void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *, void *), const struct skbt_stats *st)
{
	if (n > 1)
		qsort_r(base, n, size, cmp, (void *)st);
}

static int path_cmp(const void *a, const void *b, void *ctx)
{
	const struct skbt_path_stats *x = a, *y = b;
	const struct skbt_stats *sort_st = ctx;
	char bx[256], by[256];

	if (x->journeys != y->journeys)
		return x->journeys > y->journeys ? -1 : 1;
	skbt_stats_path_name(sort_st, x->devs, x->ndevs, x->tx_only, bx, sizeof(bx));
	skbt_stats_path_name(sort_st, y->devs, y->ndevs, y->tx_only, by, sizeof(by));
	return strcmp(bx, by);
}

/* Stages in the order a packet meets them: by where they start on the path, then name. */
static int stage_cmp(const void *a, const void *b, void *ctx)
{
	const struct skbt_stage_stats *x = a, *y = b;
	/* mean start position, compared without division: px/cx < py/cy */
	long double px = (long double)x->pos_sum * y->h.count;
	long double py = (long double)y->pos_sum * x->h.count;

	if (px != py)
		return px < py ? -1 : 1;
	if (x->h.count != y->h.count)
		return x->h.count > y->h.count ? -1 : 1;
	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	if (x->from_dev != y->from_dev)
		return x->from_dev < y->from_dev ? -1 : 1;
	return x->to_kind < y->to_kind ? -1 : x->to_kind > y->to_kind;
}

static int napi_cmp(const void *a, const void *b, void *ctx)
{
	const struct skbt_napi_stats *x = a, *y = b;
	const struct skbt_stats *sort_st = ctx;
	int c;

	/* devices by name, the backlog last; then CPU */
	if ((x->dev == SKBT_DEV_NONE) != (y->dev == SKBT_DEV_NONE))
		return x->dev == SKBT_DEV_NONE ? 1 : -1;
	c = strcmp(sort_st->names.dev(sort_st->names.ctx, x->dev),
		   sort_st->names.dev(sort_st->names.ctx, y->dev));
	if (c)
		return c;
	return (int)x->cpu - (int)y->cpu;
}

static int drop_cmp(const void *a, const void *b, void *ctx)
{
	const struct skbt_drop_stats *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->reason != y->reason)
		return x->reason < y->reason ? -1 : 1;
	if (x->location != y->location)
		return x->location < y->location ? -1 : 1;
	return (int)x->dev - (int)y->dev;
}

static int top_cmp(const void *a, const void *b, void *ctx)
{
	const struct skbt_journey *x = a, *y = b;
	const struct skbt_stats *sort_st = ctx;
	uint64_t kx = top_key(sort_st, x), ky = top_key(sort_st, y);

	if (kx != ky)
		return kx > ky ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int near_cmp(const void *a, const void *b, void *ctx)
{
	const struct skbt_journey *x = a, *y = b;

	(void)ctx;
	if (x->hops[0].ts != y->hops[0].ts)
		return x->hops[0].ts < y->hops[0].ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Hop order of a stage within a path: the mean position is not known; use the from-kind. */
static void sort_stages_by_hop(struct skbt_path_stats *p)
{
	sort(p->stages, p->nstages, sizeof(*p->stages), stage_cmp, NULL);
}

void skbt_stats_done(struct skbt_stats *st)
{
	sort(st->paths, st->npaths, sizeof(*st->paths), path_cmp, st);
	for (unsigned int i = 0; i < st->npaths; i++)
		sort_stages_by_hop(&st->paths[i]);
	sort(st->napi, st->nnapi, sizeof(*st->napi), napi_cmp, st);
	sort(st->drops, st->ndrops, sizeof(*st->drops), drop_cmp, st);
	sort(st->cp_frees, st->ncp_frees, sizeof(*st->cp_frees), drop_cmp, st);
	sort(st->top, st->ntop, sizeof(*st->top), top_cmp, st);
	sort(st->near, st->nnear, sizeof(*st->near), near_cmp, st);
	skbt_flows_done(st->flows);
}

int skbt_stats_init(struct skbt_stats *st, const struct skbt_filter *f,
		    const struct skbt_names *names, unsigned int top)
{
	memset(st, 0, sizeof(*st));
	if (f) {
		st->filter = *f;
	} else {
		st->filter.cpu = -1;
		st->filter.stage = -1;
	}
	st->names = *names;
	st->top_max = top;
	if (top) {
		st->top = calloc(top, sizeof(*st->top));
		if (!st->top)
			return -ENOMEM;
	}
	return 0;
}

void skbt_stats_release(struct skbt_stats *st)
{
	for (unsigned int i = 0; i < st->npaths; i++) {
		for (unsigned int k = 0; k < st->paths[i].nstages; k++)
			skbt_hist_release(&st->paths[i].stages[k].h);
		free(st->paths[i].stages);
		skbt_hist_release(&st->paths[i].total);
	}
	free(st->paths);
	free(st->napi);
	free(st->drops);
	free(st->cp_frees);
	free(st->cpus);
	free(st->top);
	free(st->near);
	memset(st, 0, sizeof(*st));
}

const char *skbt_stats_drop_reason(const struct skbt_stats *st, uint32_t reason, char *buf,
				   size_t len)
{
	const char *r;

	if (reason == UINT32_MAX)
		return "NETIF_RX_FAILED";
	r = st->names.reason ? st->names.reason(st->names.ctx, reason) : NULL;
	if (r)
		return r;
	snprintf(buf, len, "%u", reason);
	return buf;
}

const char *skbt_stats_drop_location(const struct skbt_stats *st, uint64_t location)
{
	return location && st->names.symbol ? st->names.symbol(st->names.ctx, location) : NULL;
}

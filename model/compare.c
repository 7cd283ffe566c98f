// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * compare: the statistics of `--compare BASE NEW` (include/skbtrail/compare.h).  Computes
 * only; report-compare.c renders.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/compare.h"

void skbt_compare_opts_fill(struct skbt_compare_opts *o)
{
	if (!(o->alpha > 0 && o->alpha < 1))
		o->alpha = SKBT_COMPARE_ALPHA;
	if (!o->min_change_ns)
		o->min_change_ns = SKBT_COMPARE_MIN_CHANGE_NS;
	if (!(o->min_change_rel > 0))
		o->min_change_rel = SKBT_COMPARE_MIN_CHANGE_REL;
}

/*
 * Both samples as ascending runs of equal keys, whatever holds them: a histogram (key: the
 * bucket, so a bucket is one group of ties) or a sorted array (key: the value).
 */
struct runs {
	const struct skbt_hist *h;
	const uint64_t *v;
	size_t n, i;
};

static bool run_next(struct runs *r, uint64_t *key, uint64_t *count)
{
	if (r->h) {
		if (!r->h->b)
			return false;
		while (r->i < SKBT_HIST_BUCKETS && !r->h->b[r->i])
			r->i++;
		if (r->i >= SKBT_HIST_BUCKETS)
			return false;
		*key = r->i;
		*count = r->h->b[r->i++];
		return true;
	}
	if (r->i >= r->n)
		return false;
	*key = r->v[r->i];
	*count = 0;
	while (r->i < r->n && r->v[r->i] == *key) {
		r->i++;
		(*count)++;
	}
	return true;
}

/*
 * Wilcoxon rank-sum: merge the two runs in key order; a group of t tied values gets their
 * mean rank, and adds t^3 - t to the tie correction of the variance.
 *   U = R(new) - n2 (n2 + 1) / 2,  E[U] = n1 n2 / 2,
 *   Var[U] = n1 n2 / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1)))
 * z with a continuity correction of 1/2 towards E[U]; p = erfc(|z| / sqrt 2).
 */
static void rank_sum(struct runs *a, struct runs *b, uint64_t n1, uint64_t n2,
		     struct skbt_compare_test *t)
{
	long double rank_new = 0, ties = 0, seen = 0, n = (long double)n1 + n2;
	long double mean, var, d;
	uint64_t ka = 0, ca = 0, kb = 0, cb = 0;
	bool ha = run_next(a, &ka, &ca), hb = run_next(b, &kb, &cb);

	while (ha || hb) {
		uint64_t x = 0, y = 0;
		long double g;

		if (ha && (!hb || ka <= kb))
			x = ca;
		if (hb && (!ha || kb <= ka))
			y = cb;
		g = (long double)x + y;
		rank_new += y * (seen + (g + 1) / 2);
		ties += g * g * g - g;
		seen += g;
		if (x)
			ha = run_next(a, &ka, &ca);
		if (y)
			hb = run_next(b, &kb, &cb);
	}
	t->u = (double)(rank_new - (long double)n2 * (n2 + 1) / 2);
	mean = (long double)n1 * n2 / 2;
	var = (long double)n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
	t->z = 0;
	t->p_value = 1;
	if (var <= 0)
		return;		/* every value tied: no evidence either way */
	d = t->u - mean;
	d = d > 0.5L ? d - 0.5L : d < -0.5L ? d + 0.5L : 0;
	t->z = (double)(d / sqrtl(var));
	t->p_value = erfc(fabs(t->z) / M_SQRT2);
}

static void decide(const struct skbt_compare_opts *o, struct skbt_compare_test *t)
{
	uint64_t b = t->base.p50_ns, n = t->new.p50_ns, rel;
	uint64_t diff = n > b ? n - b : b - n;

	t->p50_change_ns = n >= b ? (int64_t)(n - b) : -(int64_t)(b - n);
	t->p50_change_rel = b ? (double)t->p50_change_ns / (double)b : 0;
	rel = (uint64_t)(o->min_change_rel * (double)b);
	t->threshold_ns = rel > o->min_change_ns ? rel : o->min_change_ns;
	t->tested = t->base.count >= SKBT_COMPARE_MIN_COUNT &&
		t->new.count >= SKBT_COMPARE_MIN_COUNT;
	t->stat_significant = t->tested && t->p_value < o->alpha;
	t->practical = t->base.count && t->new.count && diff > t->threshold_ns;
	t->significant = t->stat_significant && t->practical;
}

static void side_hist(const struct skbt_hist *h, struct skbt_compare_side *s)
{
	s->count = h ? h->count : 0;
	s->p50_ns = h ? skbt_hist_quantile(h, 0.5) : 0;
	s->p90_ns = h ? skbt_hist_quantile(h, 0.9) : 0;
	s->p99_ns = h ? skbt_hist_quantile(h, 0.99) : 0;
	s->p999_ns = h ? skbt_hist_quantile(h, 0.999) : 0;
}

void skbt_compare_hists(const struct skbt_hist *base, const struct skbt_hist *new,
			const struct skbt_compare_opts *o, struct skbt_compare_test *out)
{
	struct skbt_compare_opts eo = o ? *o : (struct skbt_compare_opts){ 0 };
	struct runs a = { .h = base }, b = { .h = new };

	skbt_compare_opts_fill(&eo);
	memset(out, 0, sizeof(*out));
	side_hist(base, &out->base);
	side_hist(new, &out->new);
	out->p_value = 1;
	if (out->base.count && out->new.count && base->b && new->b)
		rank_sum(&a, &b, out->base.count, out->new.count, out);
	decide(&eo, out);
}

/* The same nearest rank as skbt_hist_quantile(): the smallest value with q of them at or below. */
static uint64_t sorted_quantile(const uint64_t *v, size_t n, double q)
{
	double r = ceil(q * (double)n);

	if (!n)
		return 0;
	if (r < 1)
		r = 1;
	if (r > (double)n)
		r = (double)n;
	return v[(size_t)r - 1];
}

static void side_sorted(const uint64_t *v, size_t n, struct skbt_compare_side *s)
{
	s->count = n;
	s->p50_ns = sorted_quantile(v, n, 0.5);
	s->p90_ns = sorted_quantile(v, n, 0.9);
	s->p99_ns = sorted_quantile(v, n, 0.99);
	s->p999_ns = sorted_quantile(v, n, 0.999);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t *sorted_copy(const uint64_t *v, size_t n)
{
	uint64_t *c = malloc((n ? n : 1) * sizeof(*c));

	if (!c)
		return NULL;
	if (n) {
		memcpy(c, v, n * sizeof(*c));
		qsort(c, n, sizeof(*c), u64_cmp);
	}
	return c;
}

int skbt_compare_samples(const uint64_t *base, size_t nbase, const uint64_t *new, size_t nnew,
			 const struct skbt_compare_opts *o, struct skbt_compare_test *out)
{
	struct skbt_compare_opts eo = o ? *o : (struct skbt_compare_opts){ 0 };
	uint64_t *sb = sorted_copy(base, nbase), *sn = sorted_copy(new, nnew);
	struct runs a = { .v = sb, .n = nbase }, b = { .v = sn, .n = nnew };

	memset(out, 0, sizeof(*out));
	if (!sb || !sn) {
		free(sb);
		free(sn);
		return -ENOMEM;
	}
	skbt_compare_opts_fill(&eo);
	side_sorted(sb, nbase, &out->base);
	side_sorted(sn, nnew, &out->new);
	out->p_value = 1;
	if (nbase && nnew)
		rank_sum(&a, &b, nbase, nnew, out);
	decide(&eo, out);
	free(sb);
	free(sn);
	return 0;
}

/* ---- names ---- */

int skbt_compare_map_parse(char *arg, struct skbt_compare_map *m)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1] || strchr(arg, '>'))
		return -EINVAL;
	*eq = 0;
	m->from = arg;
	m->to = eq + 1;
	return 0;
}

static const char *map_dev(const char *dev, size_t len, const struct skbt_compare_map *map,
			   unsigned int nmap, size_t *outlen)
{
	for (unsigned int i = 0; i < nmap; i++) {
		if (strlen(map[i].from) == len && !strncmp(map[i].from, dev, len)) {
			*outlen = strlen(map[i].to);
			return map[i].to;
		}
	}
	*outlen = len;
	return dev;
}

const char *skbt_compare_rename(const char *name, const struct skbt_compare_map *map,
				unsigned int nmap, char *buf, size_t len)
{
	size_t off = 0;
	const char *s = name;

	if (!len)
		return buf;
	buf[0] = 0;
	if (!strncmp(s, "tx:", 3)) {
		off = snprintf(buf, len, "tx:");
		s += 3;
	}
	while (off < len) {
		size_t n = strcspn(s, ">"), m;
		const char *d = map_dev(s, n, map, nmap, &m);

		off += snprintf(buf + off, len - off, "%.*s%s", (int)m, d, s[n] ? ">" : "");
		if (!s[n])
			break;
		s += n + 1;
	}
	return buf;
}

/* ---- two reports ---- */

static const char *dev_name(const struct skbt_stats *st, unsigned int dev)
{
	const char *s = st->names.dev ? st->names.dev(st->names.ctx, dev) : NULL;

	return s ? s : "";
}

static void endpoint(const struct skbt_stats *st, unsigned int kind, unsigned int dev,
		     const struct skbt_compare_map *map, unsigned int nmap, char *buf, size_t len)
{
	char d[SKBT_COMPARE_NAME_MAX - 64];	/* room for the event name */

	skbt_compare_rename(dev_name(st, dev), map, nmap, d, sizeof(d));
	snprintf(buf, len, "%s@%s", skbt_kind_short(kind), d);
}

static struct skbt_compare_stage *stage_find(struct skbt_compare_path *p, const char *name,
					     const char *from, const char *to)
{
	for (unsigned int i = 0; i < p->nstages; i++) {
		struct skbt_compare_stage *s = &p->stages[i];

		if (!strcmp(s->name, name) && !strcmp(s->from, from) && !strcmp(s->to, to))
			return s;
	}
	return NULL;
}

static struct skbt_compare_path *path_find(struct skbt_comparison *c, const char *name)
{
	for (unsigned int i = 0; i < c->npaths; i++)
		if (!strcmp(c->paths[i].name, name))
			return &c->paths[i];
	return NULL;
}

/* Add one side's paths and stages (@is_new: the new trace, else the base renamed). */
static int add_side(struct skbt_comparison *c, const struct skbt_stats *st, bool is_new,
		    const struct skbt_compare_map *map, unsigned int nmap)
{
	for (unsigned int i = 0; i < st->npaths; i++) {
		const struct skbt_path_stats *ps = &st->paths[i];
		char raw[SKBT_COMPARE_NAME_MAX], name[SKBT_COMPARE_NAME_MAX];
		struct skbt_compare_path *p;

		skbt_stats_path_name(st, ps->devs, ps->ndevs, ps->tx_only, raw, sizeof(raw));
		skbt_compare_rename(raw, is_new ? NULL : map, is_new ? 0 : nmap, name,
				    sizeof(name));
		p = path_find(c, name);
		if (!p) {
			p = realloc(c->paths, (c->npaths + 1) * sizeof(*p));
			if (!p)
				return -ENOMEM;
			c->paths = p;
			p = &c->paths[c->npaths++];
			memset(p, 0, sizeof(*p));
			snprintf(p->name, sizeof(p->name), "%s", name);
		}
		if (is_new)
			p->new_journeys += ps->journeys;
		else
			p->base_journeys += ps->journeys;
		for (unsigned int k = 0; k < ps->nstages; k++) {
			const struct skbt_stage_stats *ss = &ps->stages[k];
			const char *sn = skbt_stage_name(ss->stage);
			char from[SKBT_COMPARE_NAME_MAX], to[SKBT_COMPARE_NAME_MAX];
			struct skbt_compare_stage *s;

			endpoint(st, ss->from_kind, ss->from_dev, is_new ? NULL : map,
				 is_new ? 0 : nmap, from, sizeof(from));
			endpoint(st, ss->to_kind, ss->to_dev, is_new ? NULL : map,
				 is_new ? 0 : nmap, to, sizeof(to));
			s = stage_find(p, sn, from, to);
			if (!s) {
				s = realloc(p->stages, (p->nstages + 1) * sizeof(*s));
				if (!s)
					return -ENOMEM;
				p->stages = s;
				s = &p->stages[p->nstages++];
				memset(s, 0, sizeof(*s));
				snprintf(s->name, sizeof(s->name), "%s", sn);
				snprintf(s->from, sizeof(s->from), "%s", from);
				snprintf(s->to, sizeof(s->to), "%s", to);
			}
			if (is_new)
				s->new_h = &ss->h;
			else
				s->base_h = &ss->h;
		}
	}
	return 0;
}

static int add_drops(struct skbt_comparison *c, const struct skbt_stats *st, bool is_new)
{
	for (unsigned int i = 0; i < st->ndrops; i++) {
		const struct skbt_drop_stats *d = &st->drops[i];
		char rb[24];
		const char *r = skbt_stats_drop_reason(st, d->reason, rb, sizeof(rb));
		struct skbt_compare_drop *x = NULL;

		for (unsigned int k = 0; k < c->ndrops && !x; k++)
			if (!strcmp(c->drops[k].reason, r))
				x = &c->drops[k];
		if (!x) {
			x = realloc(c->drops, (c->ndrops + 1) * sizeof(*x));
			if (!x)
				return -ENOMEM;
			c->drops = x;
			x = &c->drops[c->ndrops++];
			memset(x, 0, sizeof(*x));
			snprintf(x->reason, sizeof(x->reason), "%s", r);
		}
		if (is_new)
			x->new += d->count;
		else
			x->base += d->count;
	}
	return 0;
}

static int drop_cmp(const void *a, const void *b)
{
	const struct skbt_compare_drop *x = a, *y = b;

	if (x->new != y->new)
		return x->new > y->new ? -1 : 1;
	if (x->base != y->base)
		return x->base > y->base ? -1 : 1;
	return strcmp(x->reason, y->reason);
}

/* ---- NAPI and the backlog ---- */

static int add_napi(struct skbt_comparison *c, const struct skbt_stats *st, bool is_new,
		    const struct skbt_compare_map *map, unsigned int nmap)
{
	for (unsigned int i = 0; i < st->nnapi; i++) {
		const struct skbt_napi_stats *n = &st->napi[i];
		char name[SKBT_COMPARE_NAME_MAX];
		struct skbt_compare_napi *x = NULL;
		struct skbt_compare_napi_side *sd;

		if (n->dev == SKBT_DEV_NONE)
			continue;	/* the backlog: per CPU, below */
		skbt_compare_rename(dev_name(st, n->dev), map, nmap, name, sizeof(name));
		for (unsigned int k = 0; k < c->nnapi && !x; k++)
			if (!strcmp(c->napi[k].dev, name))
				x = &c->napi[k];
		if (!x) {
			x = realloc(c->napi, (c->nnapi + 1) * sizeof(*x));
			if (!x)
				return -ENOMEM;
			c->napi = x;
			x = &c->napi[c->nnapi++];
			memset(x, 0, sizeof(*x));
			snprintf(x->dev, sizeof(x->dev), "%s", name);
		}
		sd = is_new ? &x->new : &x->base;
		sd->polls += n->polls;
		sd->packets += n->work;
		sd->exhausted += n->exhausted;
		if (n->max_work > sd->max_work)
			sd->max_work = n->max_work;
		if (n->budget > sd->budget)
			sd->budget = n->budget;
	}
	return 0;
}

static struct skbt_compare_cpu_side *cpu_side(struct skbt_comparison *c, unsigned int cpu,
					      bool is_new)
{
	struct skbt_compare_cpu *x = NULL;

	for (unsigned int k = 0; k < c->ncpus && !x; k++)
		if (c->cpus[k].cpu == cpu)
			x = &c->cpus[k];
	if (!x) {
		x = realloc(c->cpus, (c->ncpus + 1) * sizeof(*x));
		if (!x)
			return NULL;
		c->cpus = x;
		x = &c->cpus[c->ncpus++];
		memset(x, 0, sizeof(*x));
		x->cpu = cpu;
	}
	return is_new ? &x->new : &x->base;
}

static int add_cpus(struct skbt_comparison *c, const struct skbt_stats *st,
		    const struct skbt_findings *fx, bool is_new)
{
	for (unsigned int i = 0; i < st->nnapi; i++) {
		const struct skbt_napi_stats *n = &st->napi[i];
		struct skbt_compare_cpu_side *sd;

		if (n->dev != SKBT_DEV_NONE)
			continue;
		sd = cpu_side(c, n->cpu, is_new);
		if (!sd)
			return -ENOMEM;
		sd->polls += n->polls;
		sd->packets += n->work;
	}
	for (unsigned int i = 0; fx && i < fx->ncpus; i++) {
		const struct skbt_fx_cpu *fc = &fx->cpus[i];

		if (!fc->backlog_kfree && !fc->netif_rx_fail && !fc->backlog_deq &&
		    !fc->d_dropped && !fc->d_time_squeeze)
			continue;	/* nothing of the backlog on this CPU */
		if (!cpu_side(c, i, is_new))
			return -ENOMEM;
	}
	return 0;
}

/* The findings' numbers of every CPU row, whichever side made the row. */
static void fill_cpus(struct skbt_comparison *c, const struct skbt_findings *fx, bool is_new)
{
	for (unsigned int k = 0; fx && k < c->ncpus; k++) {
		struct skbt_compare_cpu_side *sd = is_new ? &c->cpus[k].new : &c->cpus[k].base;
		const struct skbt_fx_cpu *fc;

		if (c->cpus[k].cpu >= fx->ncpus)
			continue;
		fc = &fx->cpus[c->cpus[k].cpu];
		sd->drops = fc->backlog_kfree > fc->netif_rx_fail ? fc->backlog_kfree :
			    fc->netif_rx_fail;
		sd->max_depth = fc->max_depth;
		sd->has_softnet = fc->has_softnet;
		sd->softnet_dropped = fc->d_dropped;
		sd->time_squeeze = fc->d_time_squeeze;
	}
}

static int cpu_cmp(const void *a, const void *b)
{
	const struct skbt_compare_cpu *x = a, *y = b;

	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* ---- findings ---- */

static const struct skbt_fx_evidence *ev_find(const struct skbt_finding *f, const char *key)
{
	for (unsigned int i = 0; i < f->nev; i++)
		if (!strcmp(f->ev[i].key, key))
			return &f->ev[i];
	return NULL;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return m && n > m && !strcmp(s + n - m, tail);
}

/* The kind and subject of a finding (compare.h); base device names renamed through @map. */
static void finding_key(const struct skbt_finding *f, const struct skbt_compare_map *map,
			unsigned int nmap, struct skbt_compare_finding *out)
{
	const struct skbt_fx_evidence *dev = ev_find(f, "dev"), *cpu = ev_find(f, "cpu");
	char tail[SKBT_COMPARE_NAME_MAX], mapped[SKBT_COMPARE_NAME_MAX - 8];
	size_t n, off = 0;

	snprintf(out->kind, sizeof(out->kind), "%s", f->id);
	out->subject[0] = 0;
	n = strlen(out->kind);
	if (dev && !dev->is_num && dev->str[0]) {
		snprintf(tail, sizeof(tail), "-%s", dev->str);
		if (ends_with(out->kind, tail)) {
			out->kind[n - strlen(tail)] = 0;
			skbt_compare_rename(dev->str, map, nmap, mapped, sizeof(mapped));
			snprintf(out->subject, sizeof(out->subject), "dev %s", mapped);
			return;
		}
	}
	if (cpu && cpu->is_num) {
		snprintf(tail, sizeof(tail), "-cpu%" PRIu64, cpu->num);
		if (ends_with(out->kind, tail)) {
			out->kind[n - strlen(tail)] = 0;
			snprintf(out->subject, sizeof(out->subject), "cpu %" PRIu64, cpu->num);
			return;
		}
	}
	/* a numbered finding ("drops-2"): the number is its rank, the subject its strings */
	while (n && out->kind[n - 1] >= '0' && out->kind[n - 1] <= '9')
		n--;
	if (n > 1 && n < strlen(out->kind) && out->kind[n - 1] == '-')
		out->kind[n - 1] = 0;
	for (unsigned int i = 0; i < f->nev && off < sizeof(out->subject); i++) {
		const struct skbt_fx_evidence *e = &f->ev[i];
		const char *v = e->str;

		if (e->is_num || !e->str[0])
			continue;
		if (!strcmp(e->key, "dev"))
			v = skbt_compare_rename(e->str, map, nmap, mapped, sizeof(mapped));
		off += snprintf(out->subject + off, sizeof(out->subject) - off, "%s%s=%s",
				off ? " " : "", e->key, v);
	}
}

static bool finding_in(const struct skbt_compare_finding *k, const struct skbt_compare_finding *set,
		       unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(set[i].kind, k->kind) && !strcmp(set[i].subject, k->subject))
			return true;
	return false;
}

static int add_findings(struct skbt_comparison *c, const struct skbt_findings *base,
			const struct skbt_findings *new, const struct skbt_compare_map *map,
			unsigned int nmap)
{
	struct skbt_compare_finding kb[SKBT_FX_MAX_FINDINGS], kn[SKBT_FX_MAX_FINDINGS];
	unsigned int nb = base->nfindings, nn = new->nfindings;

	if (nb > SKBT_FX_MAX_FINDINGS)
		nb = SKBT_FX_MAX_FINDINGS;
	if (nn > SKBT_FX_MAX_FINDINGS)
		nn = SKBT_FX_MAX_FINDINGS;
	for (unsigned int i = 0; i < nb; i++) {
		finding_key(&base->f[i], map, nmap, &kb[i]);
		kb[i].f = &base->f[i];
	}
	for (unsigned int i = 0; i < nn; i++) {
		finding_key(&new->f[i], NULL, 0, &kn[i]);
		kn[i].f = &new->f[i];
	}
	c->appeared = calloc(nn ? nn : 1, sizeof(*c->appeared));
	c->gone = calloc(nb ? nb : 1, sizeof(*c->gone));
	if (!c->appeared || !c->gone)
		return -ENOMEM;
	for (unsigned int i = 0; i < nn; i++) {
		if (finding_in(&kn[i], kb, nb))
			c->nkept++;
		else
			c->appeared[c->nappeared++] = kn[i];
	}
	for (unsigned int i = 0; i < nb; i++)
		if (!finding_in(&kb[i], kn, nn))
			c->gone[c->ngone++] = kb[i];
	c->has_findings = true;
	return 0;
}

int skbt_compare_build(const struct skbt_stats *base, const struct skbt_findings *base_fx,
		       const struct skbt_stats *new, const struct skbt_findings *new_fx,
		       const struct skbt_compare_map *map, unsigned int nmap,
		       const struct skbt_compare_opts *o, struct skbt_comparison *out)
{
	memset(out, 0, sizeof(*out));
	if (o)
		out->o = *o;
	skbt_compare_opts_fill(&out->o);
	if (add_side(out, new, true, NULL, 0) || add_side(out, base, false, map, nmap) ||
	    add_drops(out, new, true) || add_drops(out, base, false) ||
	    add_napi(out, new, true, NULL, 0) || add_napi(out, base, false, map, nmap) ||
	    add_cpus(out, new, new_fx, true) || add_cpus(out, base, base_fx, false) ||
	    (base_fx && new_fx && add_findings(out, base_fx, new_fx, map, nmap))) {
		skbt_comparison_release(out);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < out->npaths; i++) {
		for (unsigned int k = 0; k < out->paths[i].nstages; k++) {
			struct skbt_compare_stage *s = &out->paths[i].stages[k];

			skbt_compare_hists(s->base_h, s->new_h, &out->o, &s->t);
			out->nsignificant += s->t.significant;
		}
	}
	if (out->ndrops > 1)
		qsort(out->drops, out->ndrops, sizeof(*out->drops), drop_cmp);
	fill_cpus(out, base_fx, false);
	fill_cpus(out, new_fx, true);
	if (out->ncpus > 1)
		qsort(out->cpus, out->ncpus, sizeof(*out->cpus), cpu_cmp);
	return 0;
}

void skbt_comparison_release(struct skbt_comparison *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < c->npaths; i++)
		free(c->paths[i].stages);
	free(c->paths);
	free(c->drops);
	free(c->napi);
	free(c->cpus);
	free(c->appeared);
	free(c->gone);
	memset(c, 0, sizeof(*c));
}

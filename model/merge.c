// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * merge: several files' statistics as one, matched by name (include/skbtrail/merge.h).
 * Computes only; the reports render the merged struct skbt_stats like any other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/common.h"
#include "skbtrail/merge.h"

/* ---- the merge's own names ---- */

/* Index of @name in @tab (added if new), or -1 (no memory, or the table is full at @max). */
static int intern(char ***tab, unsigned int *n, const char *name, unsigned int max)
{
	char **t, *s;

	for (unsigned int i = 0; i < *n; i++)
		if (!strcmp((*tab)[i], name))
			return i;
	if (*n >= max)
		return -1;
	t = realloc(*tab, (*n + 1) * sizeof(*t));
	if (!t)
		return -1;
	*tab = t;
	s = strdup(name);
	if (!s)
		return -1;
	t[(*n)++] = s;
	return *n - 1;
}

static const char *m_dev(void *ctx, unsigned int dev)
{
	const struct skbt_merge *m = ctx;

	return dev < m->ndevs ? m->devs[dev] : "(no_device)";
}

static const char *m_reason(void *ctx, uint32_t reason)
{
	const struct skbt_merge *m = ctx;

	return reason < m->nreasons ? m->reasons[reason] : NULL;
}

static const char *m_symbol(void *ctx, uint64_t addr)
{
	const struct skbt_merge *m = ctx;

	return addr && addr <= m->nsyms ? m->syms[addr - 1] : NULL;
}

/* A device of @src as the merge numbers it; -1: out of memory or of device numbers. */
static int dev_of(struct skbt_merge *m, const struct skbt_stats *src, unsigned int dev)
{
	if (dev == SKBT_DEV_NONE)
		return SKBT_DEV_NONE;
	return intern(&m->devs, &m->ndevs, src->names.dev(src->names.ctx, dev), UINT16_MAX);
}

/* ---- paths and their stages ---- */

static int add_path(struct skbt_merge *m, const struct skbt_stats *src,
		    const struct skbt_path_stats *sp)
{
	uint16_t devs[SKBT_MAX_PATH_DEVS];
	struct skbt_path_stats *p;

	for (unsigned int i = 0; i < sp->ndevs; i++) {
		int d = dev_of(m, src, sp->devs[i]);

		if (d < 0)
			return -ENOMEM;
		devs[i] = d;
	}
	p = skbt_stats_path_find(&m->st, devs, sp->ndevs, sp->tx_only);
	if (!p)
		p = skbt_stats_path_new(&m->st, devs, sp->ndevs, sp->tx_only);
	if (!p)
		return -ENOMEM;
	p->journeys += sp->journeys;
	p->incomplete += sp->incomplete;
	p->cpu_change += sp->cpu_change;
	p->linked += sp->linked;
	for (int e = 0; e < SKBT_JEND__COUNT; e++)
		p->ends[e] += sp->ends[e];
	if (skbt_hist_merge(&p->total, &sp->total))
		return -ENOMEM;
	for (unsigned int k = 0; k < sp->nstages; k++) {
		const struct skbt_stage_stats *s = &sp->stages[k];
		struct skbt_stage_stats *ss;
		int from = dev_of(m, src, s->from_dev), to = dev_of(m, src, s->to_dev);

		if (from < 0 || to < 0)
			return -ENOMEM;
		ss = skbt_stats_stage_get(p, s->stage, s->from_kind, from, s->to_kind, to);
		if (!ss || skbt_hist_merge(&ss->h, &s->h))
			return -ENOMEM;
		ss->pos_sum += s->pos_sum;
	}
	return 0;
}

/* ---- NAPI, CPUs, drops ---- */

static int add_napi(struct skbt_merge *m, const struct skbt_stats *src,
		    const struct skbt_napi_stats *sn)
{
	int dev = dev_of(m, src, sn->dev);
	struct skbt_napi_stats *n = dev < 0 ? NULL : skbt_stats_napi_get(&m->st, dev, sn->cpu);

	if (!n)
		return -ENOMEM;
	n->polls += sn->polls;
	n->work += sn->work;
	n->exhausted += sn->exhausted;
	n->traced += sn->traced;
	n->idle += sn->idle;
	if (sn->budget > n->budget)
		n->budget = sn->budget;
	if (sn->max_work > n->max_work)
		n->max_work = sn->max_work;
	for (int w = 0; w <= 64; w++)
		n->work_hist[w] += sn->work_hist[w];
	return 0;
}

static int add_cpus(struct skbt_stats *st, const struct skbt_stats *src)
{
	if (src->ncpus > st->ncpus) {
		struct skbt_cpu_stats *c = realloc(st->cpus, src->ncpus * sizeof(*c));

		if (!c)
			return -ENOMEM;
		memset(c + st->ncpus, 0, (src->ncpus - st->ncpus) * sizeof(*c));
		st->cpus = c;
		st->ncpus = src->ncpus;
	}
	for (unsigned int i = 0; i < src->ncpus; i++) {
		st->cpus[i].events += src->cpus[i].events;
		st->cpus[i].journeys += src->cpus[i].journeys;
		st->cpus[i].polls += src->cpus[i].polls;
		st->cpus[i].lost_markers += src->cpus[i].lost_markers;
	}
	return 0;
}

/* One drop row of @src into @arr, its reason, function and device renamed. */
static int add_drop(struct skbt_merge *m, const struct skbt_stats *src,
		    const struct skbt_drop_stats *sd, struct skbt_drop_stats **arr, unsigned int *n)
{
	struct skbt_drop_stats key = *sd;
	const char *sym = skbt_stats_drop_location(src, sd->location);
	char rb[24];
	int dev = dev_of(m, src, sd->dev), r = 0, loc = -1;

	if (sd->reason != UINT32_MAX)	/* NETIF_RX_FAILED: the same number everywhere */
		r = intern(&m->reasons, &m->nreasons,
			   skbt_stats_drop_reason(src, sd->reason, rb, sizeof(rb)), UINT32_MAX - 1);
	if (sym)
		loc = intern(&m->syms, &m->nsyms, sym, UINT32_MAX);
	if (dev < 0 || r < 0 || (sym && loc < 0))
		return -ENOMEM;
	key.dev = dev;
	if (sd->reason != UINT32_MAX)
		key.reason = r;
	key.location = sym ? (uint64_t)loc + 1 : 0;	/* 0: no function known */
	return skbt_stats_drop_count(arr, n, &key);
}

/* ---- the merge ---- */

int skbt_merge_init(struct skbt_merge *m, const struct skbt_filter *f)
{
	memset(m, 0, sizeof(*m));
	if (intern(&m->devs, &m->ndevs, "(no_device)", 1) != SKBT_DEV_NONE)
		return -ENOMEM;
	/* no slowest journeys: the merge keeps no journey (top 0); @m must not move */
	if (skbt_stats_init(&m->st, f, &(struct skbt_names){ .dev = m_dev, .reason = m_reason,
				.symbol = m_symbol, .ctx = m }, 0)) {
		skbt_merge_release(m);
		return -ENOMEM;
	}
	m->st.filter.select = NULL;
	m->st.filter.select_ctx = NULL;
	return 0;
}

int skbt_merge_add(struct skbt_merge *m, const struct skbt_stats *src)
{
	struct skbt_stats *st = &m->st;

	for (unsigned int i = 0; i < src->npaths; i++)
		if (add_path(m, src, &src->paths[i]))
			return -ENOMEM;
	for (unsigned int i = 0; i < src->nnapi; i++)
		if (add_napi(m, src, &src->napi[i]))
			return -ENOMEM;
	for (unsigned int i = 0; i < src->ndrops; i++)
		if (add_drop(m, src, &src->drops[i], &st->drops, &st->ndrops))
			return -ENOMEM;
	for (unsigned int i = 0; i < src->ncp_frees; i++)
		if (add_drop(m, src, &src->cp_frees[i], &st->cp_frees, &st->ncp_frees))
			return -ENOMEM;
	if (add_cpus(st, src))
		return -ENOMEM;
	st->empty_polls_unknown |= src->empty_polls_unknown;
	st->control_plane_frees += src->control_plane_frees;
	st->journeys_seen += src->journeys_seen;
	st->journeys_selected += src->journeys_selected;
	st->incomplete += src->incomplete;
	st->gro_merged += src->gro_merged;
	for (int e = 0; e < SKBT_JEND__COUNT; e++)
		st->ends[e] += src->ends[e];
	for (unsigned int i = 0; i < SKBT_ARRAY_SIZE(st->linked); i++)
		st->linked[i] += src->linked[i];
	m->nfiles++;
	return 0;
}

void skbt_merge_done(struct skbt_merge *m)
{
	skbt_stats_done(&m->st);
}

static void free_tab(char **tab, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		free(tab[i]);
	free(tab);
}

void skbt_merge_release(struct skbt_merge *m)
{
	if (!m)
		return;
	skbt_stats_release(&m->st);
	free_tab(m->devs, m->ndevs);
	free_tab(m->reasons, m->nreasons);
	free_tab(m->syms, m->nsyms);
	memset(m, 0, sizeof(*m));
}

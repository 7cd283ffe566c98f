// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of model/compare.c (the statistics of --compare) on distributions whose answer
 * is known, and of render/report-compare.c (its JSON and text renderings).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "skbtrail/compare.h"
#include "skbtrail/report.h"

/* A fixed pseudo-random stream (LCG), so every run tests the same values. */
static uint64_t lcg_state;

static uint64_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return lcg_state >> 33;
}

/* n latencies around @centre ns, spread +-@spread ns */
static void fill(uint64_t *v, size_t n, uint64_t centre, uint64_t spread, uint64_t seed)
{
	lcg_state = seed;
	for (size_t i = 0; i < n; i++)
		v[i] = centre - spread + lcg() % (2 * spread + 1);
}

static void test_identical(void **state)
{
	uint64_t a[400];
	struct skbt_compare_test t;

	fill(a, 400, 10000, 3000, 1);
	assert_int_equal(skbt_compare_samples(a, 400, a, 400, NULL, &t), 0);
	assert_true(t.tested);
	assert_true(t.p_value > 0.99);	/* U is exactly its mean */
	assert_false(t.stat_significant);
	assert_false(t.practical);
	assert_false(t.significant);
	assert_int_equal(t.p50_change_ns, 0);
	assert_int_equal(t.base.count, 400);
}

static void test_same_distribution(void **state)
{
	uint64_t a[400], b[400];
	struct skbt_compare_test t;

	fill(a, 400, 10000, 3000, 1);
	fill(b, 400, 10000, 3000, 2);	/* another draw of the same distribution */
	assert_int_equal(skbt_compare_samples(a, 400, b, 400, NULL, &t), 0);
	assert_true(t.p_value > 0.01);
	assert_false(t.significant);
}

static void test_shift_5us(void **state)
{
	uint64_t a[300], b[300];
	struct skbt_compare_test t;

	fill(a, 300, 10000, 3000, 1);
	fill(b, 300, 10000, 3000, 2);
	for (size_t i = 0; i < 300; i++)
		b[i] += 5000;
	assert_int_equal(skbt_compare_samples(a, 300, b, 300, NULL, &t), 0);
	assert_true(t.p_value < 1e-9);
	assert_true(t.z > 0);		/* new is slower */
	assert_true(t.stat_significant);
	assert_true(t.practical);
	assert_true(t.significant);
	assert_in_range(t.p50_change_ns, 4500, 5500);
	/* max(1 us, 10 % of p50), p50 about 10 us */
	assert_int_equal(t.threshold_ns, t.base.p50_ns / 10 > 1000 ? t.base.p50_ns / 10 : 1000);
	/* and back: faster is significant too, with z negative */
	assert_int_equal(skbt_compare_samples(b, 300, a, 300, NULL, &t), 0);
	assert_true(t.significant);
	assert_true(t.z < 0);
	assert_true(t.p50_change_ns < 0);
}

/* A shift far too small to matter is found by the test, not called significant. */
static void test_significant_but_small(void **state)
{
	uint64_t a[5000], b[5000];
	struct skbt_compare_test t;

	fill(a, 5000, 20000, 1000, 3);
	fill(b, 5000, 20000, 1000, 4);
	for (size_t i = 0; i < 5000; i++)
		b[i] += 300;
	assert_int_equal(skbt_compare_samples(a, 5000, b, 5000, NULL, &t), 0);
	assert_true(t.stat_significant);
	assert_false(t.practical);	/* 300 ns < max(1 us, 2 us) */
	assert_int_equal(t.threshold_ns, (uint64_t)(0.1 * t.base.p50_ns));
	assert_false(t.significant);
}

/* 10 against 10, completely separated: U = 100, z = 49.5 / sqrt(175), p = 1.8267e-4. */
static void test_known_p(void **state)
{
	uint64_t a[10], b[10];
	struct skbt_compare_test t;

	for (int i = 0; i < 10; i++) {
		a[i] = 1000 * (i + 1);
		b[i] = 1000 * (i + 11);
	}
	assert_int_equal(skbt_compare_samples(a, 10, b, 10, NULL, &t), 0);
	assert_float_equal(t.u, 100, 1e-9);
	assert_float_equal(t.z, 3.7418482827913495, 1e-9);
	assert_float_equal(t.p_value, 1.826717911095504e-4, 1e-12);
	assert_true(t.significant);
}

/*
 * Ties: mean ranks and the tie-corrected variance.  Reference worked by hand with explicit
 * ranks: base {1,2,2,3,3,3,4,4,4,4} us, new {3,4,4,5,5,5,5,6,6,7} us: R(new) = 145.5,
 * U = 90.5, sum(t^3 - t) = 6 + 60 + 210 + 120 + 6 = 402 (groups 2,4,6,5,2 and singletons),
 * Var = 100/12 * (21 - 402/380), z = 40 / sqrt(Var) = 3.0906696, p = 0.0019970570.
 */
static void test_ties(void **state)
{
	uint64_t a[] = { 1, 2, 2, 3, 3, 3, 4, 4, 4, 4 }, b[] = { 3, 4, 4, 5, 5, 5, 5, 6, 6, 7 };
	struct skbt_compare_test t;

	for (int i = 0; i < 10; i++) {
		a[i] *= 1000;
		b[i] *= 1000;
	}
	assert_int_equal(skbt_compare_samples(a, 10, b, 10, NULL, &t), 0);
	assert_float_equal(t.u, 90.5, 1e-9);
	assert_float_equal(t.z, 3.090669637145023, 1e-9);
	assert_float_equal(t.p_value, 0.0019970569236708808, 1e-12);
	assert_true(t.significant);	/* p < 0.01, p50 3 us -> 5 us */
	assert_int_equal(t.base.p50_ns, 3000);
	assert_int_equal(t.new.p50_ns, 5000);
}

/* All values tied: the variance is 0 and there is no evidence. */
static void test_all_tied(void **state)
{
	uint64_t a[20], b[30];
	struct skbt_compare_test t;

	for (int i = 0; i < 20; i++)
		a[i] = 7000;
	for (int i = 0; i < 30; i++)
		b[i] = 7000;
	assert_int_equal(skbt_compare_samples(a, 20, b, 30, NULL, &t), 0);
	assert_float_equal(t.p_value, 1, 0);
	assert_false(t.significant);
}

/* Five packets a side: a 5 us shift is practical, but too few values to decide. */
static void test_small(void **state)
{
	uint64_t a[] = { 10000, 10100, 10200, 10300, 10400 };
	uint64_t b[] = { 15000, 15100, 15200, 15300, 15400 };
	struct skbt_compare_test t;

	assert_int_equal(skbt_compare_samples(a, 5, b, 5, NULL, &t), 0);
	assert_false(t.tested);
	assert_true(t.practical);
	assert_false(t.stat_significant);
	assert_false(t.significant);
	assert_int_equal(t.base.p50_ns, 10200);	/* nearest rank: 3rd of 5 */
	assert_int_equal(t.new.p99_ns, 15400);
}

static void test_empty(void **state)
{
	uint64_t a[] = { 1, 2, 3 };
	struct skbt_compare_test t;
	struct skbt_hist h = { 0 };

	assert_int_equal(skbt_compare_samples(NULL, 0, NULL, 0, NULL, &t), 0);
	assert_int_equal(t.base.count, 0);
	assert_float_equal(t.p_value, 1, 0);
	assert_false(t.significant);
	assert_int_equal(skbt_compare_samples(a, 3, NULL, 0, NULL, &t), 0);
	assert_int_equal(t.new.count, 0);
	assert_false(t.practical);	/* nothing to compare with */
	skbt_compare_hists(&h, NULL, NULL, &t);
	assert_false(t.significant);
	skbt_compare_hists(NULL, &h, NULL, &t);
	assert_false(t.significant);
}

/* Options: a stricter alpha and a larger practical threshold change the verdict. */
static void test_opts(void **state)
{
	uint64_t a[10], b[10];
	struct skbt_compare_test t;
	struct skbt_compare_opts o = { .alpha = 1e-4 };

	for (int i = 0; i < 10; i++) {
		a[i] = 1000 * (i + 1);
		b[i] = 1000 * (i + 11);
	}
	assert_int_equal(skbt_compare_samples(a, 10, b, 10, &o, &t), 0);
	assert_false(t.stat_significant);	/* p = 1.8e-4 */
	o = (struct skbt_compare_opts){ .min_change_ns = 20000 };
	assert_int_equal(skbt_compare_samples(a, 10, b, 10, &o, &t), 0);
	assert_true(t.stat_significant);
	assert_false(t.practical);		/* 10 us < 20 us */
	skbt_compare_opts_fill(&o);
	assert_float_equal(o.alpha, SKBT_COMPARE_ALPHA, 0);
	assert_float_equal(o.min_change_rel, SKBT_COMPARE_MIN_CHANGE_REL, 0);
}

/* The histogram form: same verdicts and nearly the same p-value as the exact values. */
static void test_hist_agrees(void **state)
{
	static uint64_t a[2000], b[2000];
	struct skbt_hist ha = { 0 }, hb = { 0 };
	struct skbt_compare_test te, th;

	fill(a, 2000, 30000, 8000, 5);
	fill(b, 2000, 30000, 8000, 6);
	for (size_t i = 0; i < 2000; i++)
		b[i] += 4000;
	for (size_t i = 0; i < 2000; i++) {
		assert_int_equal(skbt_hist_add(&ha, a[i]), 0);
		assert_int_equal(skbt_hist_add(&hb, b[i]), 0);
	}
	assert_int_equal(skbt_compare_samples(a, 2000, b, 2000, NULL, &te), 0);
	skbt_compare_hists(&ha, &hb, NULL, &th);
	assert_true(te.significant);
	assert_true(th.significant);
	assert_float_equal(th.z, te.z, 0.05 * fabs(te.z));
	assert_int_equal(th.base.count, 2000);
	assert_int_equal(th.base.p50_ns, skbt_hist_quantile(&ha, 0.5));
	/* a percentile from the histogram is within half a bucket (1/256) of the exact one */
	assert_in_range(th.new.p90_ns, te.new.p90_ns - te.new.p90_ns / 256 - 1,
			te.new.p90_ns + te.new.p90_ns / 256 + 1);
	/* identical histograms: no evidence */
	skbt_compare_hists(&ha, &ha, NULL, &th);
	assert_false(th.stat_significant);
	skbt_hist_release(&ha);
	skbt_hist_release(&hb);
}

static void test_rename(void **state)
{
	char arg1[] = "eth0=ens3", arg2[] = "br0=br-lan", bad1[] = "eth0", bad2[] = "=x",
	     bad3[] = "x=", bad4[] = "a>b=c";
	struct skbt_compare_map m[2];
	char buf[64];

	assert_int_equal(skbt_compare_map_parse(arg1, &m[0]), 0);
	assert_int_equal(skbt_compare_map_parse(arg2, &m[1]), 0);
	assert_string_equal(m[0].from, "eth0");
	assert_string_equal(m[0].to, "ens3");
	assert_int_equal(skbt_compare_map_parse(bad1, &m[0]) , -EINVAL);
	assert_int_equal(skbt_compare_map_parse(bad2, &m[0]) , -EINVAL);
	assert_int_equal(skbt_compare_map_parse(bad3, &m[0]) , -EINVAL);
	assert_int_equal(skbt_compare_map_parse(bad4, &m[0]) , -EINVAL);
	assert_string_equal(skbt_compare_rename("eth0>br0", m, 2, buf, sizeof(buf)),
			    "ens3>br-lan");
	assert_string_equal(skbt_compare_rename("tx:br0>eth0", m, 2, buf, sizeof(buf)),
			    "tx:br-lan>ens3");
	/* whole names only */
	assert_string_equal(skbt_compare_rename("eth01>br0x", m, 2, buf, sizeof(buf)),
			    "eth01>br0x");
	assert_string_equal(skbt_compare_rename("eth0", m, 2, buf, sizeof(buf)), "ens3");
	assert_string_equal(skbt_compare_rename("veth1>eth0", NULL, 0, buf, sizeof(buf)),
			    "veth1>eth0");
	/* truncated into a small buffer, still terminated */
	assert_string_equal(skbt_compare_rename("eth0>br0", m, 2, buf, 6), "ens3>");
}

/* ---- two hand-built reports ---- */

static const char *const devnames[] = { "(no_device)", "eth0", "br0", "ens3", "veth1" };

static const char *dev(void *ctx, unsigned int d)
{
	return d < 5 ? devnames[d] : "?";
}

static void add_path(struct skbt_stats *st, const uint16_t *devs, unsigned int ndevs,
		     const int *stages, unsigned int nstages, const uint64_t *centre,
		     unsigned int n, uint64_t seed)
{
	struct skbt_path_stats *p;

	st->paths = realloc(st->paths, (st->npaths + 1) * sizeof(*st->paths));
	assert_non_null(st->paths);
	p = &st->paths[st->npaths++];
	memset(p, 0, sizeof(*p));
	p->ndevs = ndevs;
	memcpy(p->devs, devs, ndevs * sizeof(*devs));
	p->journeys = n;
	p->nstages = nstages;
	p->stages = calloc(nstages, sizeof(*p->stages));
	assert_non_null(p->stages);
	lcg_state = seed;
	for (unsigned int k = 0; k < nstages; k++) {
		struct skbt_stage_stats *s = &p->stages[k];

		s->stage = stages[k];
		s->from_kind = SKBT_EV_NETIF_RECEIVE_SKB;
		s->from_dev = devs[k < ndevs ? k : ndevs - 1];
		s->to_kind = SKBT_EV_NETIF_RX;
		s->to_dev = devs[k + 1 < ndevs ? k + 1 : ndevs - 1];
		for (unsigned int i = 0; i < n; i++)
			assert_int_equal(skbt_hist_add(&s->h, centre[k] - 500 + lcg() % 1001), 0);
	}
}

struct two {
	struct skbt_stats base, new;
	struct skbt_findings bfx, nfx;
	struct skbt_comparison c;
};

static struct skbt_finding *finding(struct skbt_findings *fx, const char *id, const char *dev,
				    int cpu)
{
	struct skbt_finding *f = &fx->f[fx->nfindings++];

	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->text, sizeof(f->text), "text of %s", id);
	f->severity = SKBT_FX_WARNING;
	if (dev) {
		f->ev[f->nev] = (struct skbt_fx_evidence){ .key = "dev" };
		snprintf(f->ev[f->nev++].str, sizeof(f->ev[0].str), "%s", dev);
	}
	if (cpu >= 0)
		f->ev[f->nev++] = (struct skbt_fx_evidence){ .key = "cpu", .is_num = true,
							     .num = (uint64_t)cpu };
	return f;
}

static struct skbt_napi_stats *napi_rows(const struct skbt_napi_stats *r, size_t size)
{
	struct skbt_napi_stats *n = malloc(size);

	assert_non_null(n);
	memcpy(n, r, size);
	return n;
}

/*
 * NAPI and findings of the two: base eth0 polled on CPUs 0 and 1 (max work 4), a little
 * backlog on CPU 1; new ens3 exhausting its budget and CPU 1's backlog dropping.  Findings:
 * gro on the device and a NO_SOCKET drop in both (the drop renumbered), budget-cpu0 gone,
 * backlog-drops-cpu1 appeared.
 */
static void behaviour_setup(struct two *t)
{
	static const struct skbt_napi_stats nb[] = {
		{ .dev = 1, .cpu = 0, .polls = 10, .work = 20, .max_work = 4, .budget = 64 },
		{ .dev = 1, .cpu = 1, .polls = 5, .work = 5, .max_work = 1, .budget = 64 },
		{ .dev = SKBT_DEV_NONE, .cpu = 1, .polls = 3, .work = 3, .budget = 64 } };
	static const struct skbt_napi_stats nn[] = {
		{ .dev = 3, .cpu = 0, .polls = 12, .work = 40, .max_work = 64, .exhausted = 2,
		  .budget = 64 },
		{ .dev = SKBT_DEV_NONE, .cpu = 1, .polls = 10, .work = 50, .max_work = 9,
		  .budget = 64 } };
	struct skbt_finding *f;

	t->base.napi = napi_rows(nb, sizeof(nb));
	t->base.nnapi = 3;
	t->new.napi = napi_rows(nn, sizeof(nn));
	t->new.nnapi = 2;
	t->bfx.ncpus = t->nfx.ncpus = 2;
	t->bfx.cpus = calloc(2, sizeof(*t->bfx.cpus));
	t->nfx.cpus = calloc(2, sizeof(*t->nfx.cpus));
	assert_non_null(t->bfx.cpus);
	assert_non_null(t->nfx.cpus);
	t->bfx.cpus[1].backlog_deq = 3;
	t->nfx.cpus[1] = (struct skbt_fx_cpu){ .backlog_deq = 50, .backlog_kfree = 7,
		.netif_rx_fail = 9, .max_depth = 100, .has_softnet = true, .d_dropped = 9,
		.d_time_squeeze = 1 };
	finding(&t->bfx, "gro-eth0", "eth0", -1);
	finding(&t->bfx, "budget-cpu0", NULL, 0);
	f = finding(&t->bfx, "drops-1", "eth0", -1);
	f->ev[f->nev] = (struct skbt_fx_evidence){ .key = "reason" };
	snprintf(f->ev[f->nev++].str, sizeof(f->ev[0].str), "NO_SOCKET");
	finding(&t->nfx, "backlog-drops-cpu1", NULL, 1);
	f = finding(&t->nfx, "drops-2", "ens3", -1);
	f->ev[f->nev] = (struct skbt_fx_evidence){ .key = "reason" };
	snprintf(f->ev[f->nev++].str, sizeof(f->ev[0].str), "NO_SOCKET");
	finding(&t->nfx, "gro-ens3", "ens3", -1);
}

/* base: eth0>br0 (forward 4 us, backlog 3 us), veth1>br0; new: ens3>br0 with backlog 9 us. */
static int two_setup(void **state)
{
	struct two *t = calloc(1, sizeof(*t));
	struct skbt_names names = { .dev = dev };
	static const int st2[] = { SKBT_STAGE_FORWARD, SKBT_STAGE_BACKLOG };
	static const uint16_t pb[] = { 1, 2 }, pn[] = { 3, 2 }, pv[] = { 4, 2 };
	static const uint64_t cb[] = { 4000, 3000 }, cn[] = { 4000, 9000 };

	if (!t)
		return -1;
	skbt_stats_init(&t->base, NULL, &names, 0);
	skbt_stats_init(&t->new, NULL, &names, 0);
	add_path(&t->base, pb, 2, st2, 2, cb, 300, 11);
	add_path(&t->base, pv, 2, st2, 1, cb, 50, 12);
	add_path(&t->new, pn, 2, st2, 2, cn, 300, 13);
	/* drops: NETIF_RX_FAILED 2 -> 7 (two rows in new), reason 5 only in base */
	static const struct skbt_drop_stats db[] = { { .reason = UINT32_MAX, .dev = 2, .count = 2 },
		{ .reason = 5, .dev = 1, .count = 4 } };
	static const struct skbt_drop_stats dn[] = { { .reason = UINT32_MAX, .dev = 2, .count = 3 },
		{ .reason = UINT32_MAX, .dev = 3, .count = 4 } };
	t->base.drops = malloc(sizeof(db));
	t->new.drops = malloc(sizeof(dn));
	if (!t->base.drops || !t->new.drops)
		return -1;
	memcpy(t->base.drops, db, sizeof(db));
	memcpy(t->new.drops, dn, sizeof(dn));
	t->base.ndrops = t->new.ndrops = 2;
	behaviour_setup(t);
	*state = t;
	return 0;
}

static int two_teardown(void **state)
{
	struct two *t = *state;

	skbt_comparison_release(&t->c);
	skbt_stats_release(&t->base);
	skbt_stats_release(&t->new);
	free(t->bfx.cpus);
	free(t->nfx.cpus);
	free(t);
	return 0;
}

static void test_build(void **state)
{
	struct two *t = *state;
	char arg[] = "eth0=ens3";
	struct skbt_compare_map m;
	const struct skbt_compare_path *p;

	assert_int_equal(skbt_compare_map_parse(arg, &m), 0);
	assert_int_equal(skbt_compare_build(&t->base, NULL, &t->new, NULL, &m, 1, NULL, &t->c), 0);
	assert_int_equal(t->c.npaths, 2);
	p = &t->c.paths[0];
	assert_string_equal(p->name, "ens3>br0");
	assert_int_equal(p->base_journeys, 300);
	assert_int_equal(p->new_journeys, 300);
	assert_int_equal(p->nstages, 2);
	assert_string_equal(p->stages[0].name, "forward");
	assert_string_equal(p->stages[0].from, "netif_receive_skb@ens3");
	assert_false(p->stages[0].t.significant);
	assert_string_equal(p->stages[1].name, "backlog");
	assert_true(p->stages[1].t.significant);
	assert_true(p->stages[1].t.p50_change_ns > 5000);
	assert_int_equal(t->c.nsignificant, 1);
	assert_int_equal(t->c.ndrops, 2);
	assert_string_equal(t->c.drops[0].reason, "NETIF_RX_FAILED");
	assert_int_equal(t->c.drops[0].base, 2);
	assert_int_equal(t->c.drops[0].new, 7);
	assert_string_equal(t->c.drops[1].reason, "5");	/* no name source: the number */
	assert_int_equal(t->c.drops[1].base, 4);
	assert_int_equal(t->c.drops[1].new, 0);
	/* the base-only path keeps its base name and has no new sample */
	p = &t->c.paths[1];
	assert_string_equal(p->name, "veth1>br0");
	assert_int_equal(p->new_journeys, 0);
	assert_int_equal(p->stages[0].t.new.count, 0);
	assert_false(p->stages[0].t.significant);
	skbt_comparison_release(&t->c);

	/* without the map the renamed path does not match: three paths, nothing compared */
	assert_int_equal(skbt_compare_build(&t->base, NULL, &t->new, NULL, NULL, 0, NULL, &t->c), 0);
	assert_int_equal(t->c.npaths, 3);
	assert_int_equal(t->c.nsignificant, 0);
}

static void test_behaviour(void **state)
{
	struct two *t = *state;
	char arg[] = "eth0=ens3";
	struct skbt_compare_map m;
	const struct skbt_comparison *c = &t->c;

	assert_int_equal(skbt_compare_map_parse(arg, &m), 0);
	assert_int_equal(skbt_compare_build(&t->base, &t->bfx, &t->new, &t->nfx, &m, 1, NULL,
					    &t->c), 0);
	/* eth0 renamed: one device, summed over its CPUs */
	assert_int_equal(c->nnapi, 1);
	assert_string_equal(c->napi[0].dev, "ens3");
	assert_int_equal(c->napi[0].base.polls, 15);
	assert_int_equal(c->napi[0].base.packets, 25);
	assert_int_equal(c->napi[0].base.max_work, 4);
	assert_int_equal(c->napi[0].base.exhausted, 0);
	assert_int_equal(c->napi[0].new.polls, 12);
	assert_int_equal(c->napi[0].new.max_work, 64);
	assert_int_equal(c->napi[0].new.exhausted, 2);
	/* CPU 1's backlog: process_backlog's rows and the findings' CPU */
	assert_int_equal(c->ncpus, 1);
	assert_int_equal(c->cpus[0].cpu, 1);
	assert_int_equal(c->cpus[0].base.packets, 3);
	assert_int_equal(c->cpus[0].base.drops, 0);
	assert_false(c->cpus[0].base.has_softnet);
	assert_int_equal(c->cpus[0].new.packets, 50);
	assert_int_equal(c->cpus[0].new.drops, 9);	/* the larger of kfree and netif_rx */
	assert_int_equal(c->cpus[0].new.max_depth, 100);
	assert_true(c->cpus[0].new.has_softnet);
	assert_int_equal(c->cpus[0].new.time_squeeze, 1);
	/* findings by kind and subject */
	assert_true(c->has_findings);
	assert_int_equal(c->nkept, 2);
	assert_int_equal(c->nappeared, 1);
	assert_string_equal(c->appeared[0].kind, "backlog-drops");
	assert_string_equal(c->appeared[0].subject, "cpu 1");
	assert_string_equal(c->appeared[0].f->id, "backlog-drops-cpu1");
	assert_int_equal(c->ngone, 1);
	assert_string_equal(c->gone[0].kind, "budget");
	assert_string_equal(c->gone[0].subject, "cpu 0");
	skbt_comparison_release(&t->c);

	/* without the map the device findings no longer match */
	assert_int_equal(skbt_compare_build(&t->base, &t->bfx, &t->new, &t->nfx, NULL, 0, NULL,
					    &t->c), 0);
	assert_int_equal(c->nnapi, 2);
	assert_int_equal(c->nkept, 0);
	assert_int_equal(c->nappeared, 3);
	assert_int_equal(c->ngone, 3);
	assert_string_equal(c->gone[0].kind, "gro");
	assert_string_equal(c->gone[0].subject, "dev eth0");
	assert_string_equal(c->gone[2].kind, "drops");
	assert_string_equal(c->gone[2].subject, "dev=eth0 reason=NO_SOCKET");
}

static char *render(int (*fn)(FILE *, const struct skbt_compare_info *,
			      const struct skbt_comparison *), const struct skbt_compare_info *ci,
		    const struct skbt_comparison *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(f, ci, c), 0);
	fclose(f);
	return buf;
}

static void test_render(void **state)
{
	struct two *t = *state;
	char arg[] = "eth0=ens3";
	struct skbt_compare_map m;
	struct skbt_compare_info ci = { .base_file = "before.dat", .base_node = "node-a",
		.new_file = "after.dat", .new_node = "node\"b" };
	char *s;

	assert_int_equal(skbt_compare_map_parse(arg, &m), 0);
	assert_int_equal(skbt_compare_build(&t->base, &t->bfx, &t->new, &t->nfx, &m, 1, NULL,
					    &t->c), 0);
	s = render(skbt_report_compare_json, &ci, &t->c);
	/* tests/golden/compare.sh validates this document against docs/compare-schema.json */
	if (getenv("SKBT_COMPARE_JSON")) {
		FILE *f = fopen(getenv("SKBT_COMPARE_JSON"), "w");

		assert_non_null(f);
		fputs(s, f);
		assert_int_equal(fclose(f), 0);
	}
	assert_non_null(strstr(s, "\"test\": \"wilcoxon-rank-sum\""));
	assert_non_null(strstr(s, "\"alpha\": 0.01"));
	assert_non_null(strstr(s, "\"name\": \"ens3>br0\""));
	assert_non_null(strstr(s, "\"node\": \"node\\\"b\""));	/* escaped */
	assert_non_null(strstr(s, "\"significant\": true"));
	assert_non_null(strstr(s, "\"p999_ns\": "));
	assert_non_null(strstr(s, "\"min_change_ns\": 1000"));
	assert_non_null(strstr(s, "\"reason\": \"NETIF_RX_FAILED\""));
	assert_non_null(strstr(s, "\"budget_exhausted\": 2"));
	assert_non_null(strstr(s, "\"time_squeeze\": null"));	/* base: no counters */
	assert_non_null(strstr(s, "\"id\": \"backlog-drops-cpu1\""));
	free(s);
	s = render(skbt_report_compare_text, &ci, &t->c);
	assert_non_null(strstr(s, "ens3>br0"));
	assert_non_null(strstr(s, "backlog"));
	assert_non_null(strstr(s, "SIGNIFICANT"));
	assert_non_null(strstr(s, "1 of 3 stages changed significantly"));
	assert_non_null(strstr(s, "NETIF_RX_FAILED"));
	assert_non_null(strstr(s, "\nNAPI per device (base -> new):\n"));
	assert_non_null(strstr(s, "\nBacklog per CPU"));
	assert_non_null(strstr(s, "Findings that appeared (in new, not in base):\n"
			       "  [warning] backlog-drops cpu 1: text of backlog-drops-cpu1\n"));
	assert_non_null(strstr(s, "Findings that went away (in base, not in new):\n"
			       "  [warning] budget cpu 0: text of budget-cpu0\n"));
	free(s);
	s = render(skbt_report_compare_html, &ci, &t->c);
	assert_non_null(strstr(s, "<!DOCTYPE html>"));
	assert_non_null(strstr(s, "node&quot;b"));		/* escaped */
	assert_non_null(strstr(s, "<section id=\"stages\">"));
	assert_non_null(strstr(s, "<h3>path ens3&gt;br0"));
	/* the changed stage's histogram, both series; the unchanged forward stage has none */
	assert_non_null(strstr(s, "<div class=\"hist\"><div>backlog "));
	assert_null(strstr(s, "<div class=\"hist\"><div>forward netif_receive_skb@ens3"));
	assert_non_null(strstr(s, "<title>base "));
	assert_non_null(strstr(s, "<title>new "));
	assert_non_null(strstr(s, "<section id=\"findings\">"));
	assert_null(strstr(s, "http"));			/* nothing fetched */
	assert_null(strstr(s, "<script"));
	assert_non_null(strstr(s, "</body></html>\n"));
	free(s);
	/* nothing to say: no sections */
	skbt_comparison_release(&t->c);
	assert_int_equal(skbt_compare_build(&t->base, &t->bfx, &t->base, &t->bfx, NULL, 0, NULL,
					    &t->c), 0);
	s = render(skbt_report_compare_text, &ci, &t->c);
	assert_null(strstr(s, "NAPI per device"));
	assert_null(strstr(s, "Findings that"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_same_distribution),
		cmocka_unit_test(test_shift_5us),
		cmocka_unit_test(test_significant_but_small),
		cmocka_unit_test(test_known_p),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_all_tied),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_hist_agrees),
		cmocka_unit_test(test_rename),
		cmocka_unit_test_setup_teardown(test_build, two_setup, two_teardown),
		cmocka_unit_test_setup_teardown(test_behaviour, two_setup, two_teardown),
		cmocka_unit_test_setup_teardown(test_render, two_setup, two_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of model/merge.c (skbtrail-analyze a.dat b.dat: the files' statistics as one)
 * and skbt_hist_merge(), on statistics built by hand: two "files" that number the same
 * devices, drop reasons and functions differently, so that only a merge by name adds them up.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "skbtrail/merge.h"
#include "skbtrail/report.h"

/* A file's names: devices by its own numbers, one drop reason, symbols by address. */
struct file_names {
	const char *devs[4];	/* [0]: SKBT_DEV_NONE */
	uint32_t reason;	/* the number of "NO_SOCKET" in this file */
	uint64_t sym_addr;	/* the address of "udp_queue_rcv_one_skb" in this file */
};

static const char *f_dev(void *ctx, unsigned int dev)
{
	const struct file_names *f = ctx;

	return dev < 4 && f->devs[dev] ? f->devs[dev] : "(no_device)";
}

static const char *f_reason(void *ctx, uint32_t reason)
{
	const struct file_names *f = ctx;

	return reason == f->reason ? "NO_SOCKET" : NULL;
}

static const char *f_symbol(void *ctx, uint64_t addr)
{
	const struct file_names *f = ctx;

	return addr == f->sym_addr ? "udp_queue_rcv_one_skb" : NULL;
}

/* File A: eth0 = 1, br0 = 2.  File B: br0 = 1, eth0 = 2, veth1 = 3; other numbers. */
static struct file_names fa = { { "(no_device)", "eth0", "br0", NULL }, 2, 0x1000 };
static struct file_names fb = { { "(no_device)", "br0", "eth0", "veth1" }, 5, 0x2000 };

static void init_file(struct skbt_stats *st, struct file_names *fn)
{
	assert_int_equal(skbt_stats_init(st, NULL, &(struct skbt_names){ .dev = f_dev,
				.reason = f_reason, .symbol = f_symbol, .ctx = fn }, 0), 0);
}

static struct skbt_path_stats *add_path(struct skbt_stats *st, const uint16_t *devs,
					unsigned int ndevs, uint64_t journeys)
{
	struct skbt_path_stats *p;

	st->paths = realloc(st->paths, (st->npaths + 1) * sizeof(*p));
	assert_non_null(st->paths);
	p = &st->paths[st->npaths++];
	memset(p, 0, sizeof(*p));
	p->ndevs = ndevs;
	memcpy(p->devs, devs, ndevs * sizeof(*devs));
	p->journeys = journeys;
	p->ends[SKBT_JEND_CONSUMED] = journeys;
	st->journeys_seen += journeys;
	st->journeys_selected += journeys;
	st->ends[SKBT_JEND_CONSUMED] += journeys;
	return p;
}

/* A forward stage netif_receive_skb@from -> netif_receive_skb@to with values v[0..n). */
static void add_stage(struct skbt_path_stats *p, uint16_t from, uint16_t to, const uint64_t *v,
		      size_t n)
{
	struct skbt_stage_stats *s;

	p->stages = realloc(p->stages, (p->nstages + 1) * sizeof(*s));
	assert_non_null(p->stages);
	s = &p->stages[p->nstages++];
	memset(s, 0, sizeof(*s));
	s->stage = SKBT_STAGE_FORWARD;
	s->from_kind = s->to_kind = SKBT_EV_NETIF_RECEIVE_SKB;
	s->from_dev = from;
	s->to_dev = to;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(skbt_hist_add(&s->h, v[i]), 0);
		assert_int_equal(skbt_hist_add(&p->total, v[i] + 100), 0);
	}
}

static void add_napi(struct skbt_stats *st, uint16_t dev, uint16_t cpu, uint64_t polls,
		     uint64_t work, uint32_t max_work)
{
	struct skbt_napi_stats *n;

	st->napi = realloc(st->napi, (st->nnapi + 1) * sizeof(*n));
	assert_non_null(st->napi);
	n = &st->napi[st->nnapi++];
	memset(n, 0, sizeof(*n));
	n->dev = dev;
	n->cpu = cpu;
	n->polls = polls;
	n->work = work;
	n->max_work = max_work;
	n->budget = 64;
	n->work_hist[1] = polls;
}

static void add_drop(struct skbt_stats *st, uint32_t reason, uint64_t loc, uint16_t dev,
		     uint64_t count)
{
	struct skbt_drop_stats *d;

	st->drops = realloc(st->drops, (st->ndrops + 1) * sizeof(*d));
	assert_non_null(st->drops);
	d = &st->drops[st->ndrops++];
	*d = (struct skbt_drop_stats){ .reason = reason, .location = loc, .dev = dev,
				       .stage = -1, .count = count };
}

static void set_cpus(struct skbt_stats *st, unsigned int n, uint64_t events)
{
	st->cpus = calloc(n, sizeof(*st->cpus));
	assert_non_null(st->cpus);
	st->ncpus = n;
	for (unsigned int i = 0; i < n; i++)
		st->cpus[i].events = events;
}

/* Values of file A's and file B's eth0>br0 forward stage. */
static const uint64_t va[] = { 500, 900, 1200, 1300, 4000, 250000 };
static const uint64_t vb[] = { 700, 800, 820, 5000, 6000, 7000, 9000, 131 };

static void build(struct skbt_stats *a, struct skbt_stats *b)
{
	struct skbt_path_stats *p;

	init_file(a, &fa);
	p = add_path(a, (const uint16_t[]){ 1, 2 }, 2, 6);	/* eth0>br0 */
	add_stage(p, 1, 2, va, SKBT_ARRAY_SIZE(va));
	add_napi(a, 1, 0, 10, 30, 5);			/* eth0 cpu 0 */
	add_napi(a, SKBT_DEV_NONE, 1, 4, 4, 1);		/* backlog cpu 1 */
	add_drop(a, 2, 0x1000, 2, 3);			/* NO_SOCKET, udp_..., br0 */
	add_drop(a, UINT32_MAX, 0, 1, 1);		/* netif_rx failed on eth0 */
	set_cpus(a, 2, 100);
	skbt_stats_done(a);

	init_file(b, &fb);
	p = add_path(b, (const uint16_t[]){ 2, 1 }, 2, 8);	/* eth0>br0 again */
	add_stage(p, 2, 1, vb, SKBT_ARRAY_SIZE(vb));
	add_path(b, (const uint16_t[]){ 3 }, 1, 2);		/* veth1, only here */
	add_napi(b, 2, 0, 20, 40, 9);			/* eth0 cpu 0 */
	add_napi(b, 3, 2, 1, 1, 1);			/* veth1 cpu 2 */
	add_drop(b, 5, 0x2000, 1, 4);			/* the same drop, other numbers */
	add_drop(b, 9, 0x9999, 3, 2);			/* a reason and function with no name */
	set_cpus(b, 4, 10);
	b->empty_polls_unknown = true;
	skbt_stats_done(b);
}

static const struct skbt_path_stats *find_path(const struct skbt_stats *st, const char *name)
{
	char buf[256];

	for (unsigned int i = 0; i < st->npaths; i++) {
		const struct skbt_path_stats *p = &st->paths[i];

		if (!strcmp(skbt_stats_path_name(st, p->devs, p->ndevs, p->tx_only, buf,
						 sizeof(buf)), name))
			return p;
	}
	return NULL;
}

/* Adding histograms bucket by bucket is the same as adding every value to one. */
static void test_hist_merge(void **state)
{
	struct skbt_hist a = { 0 }, b = { 0 }, all = { 0 }, m = { 0 };
	static const double q[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 0.999 };

	for (size_t i = 0; i < SKBT_ARRAY_SIZE(va); i++) {
		skbt_hist_add(&a, va[i]);
		skbt_hist_add(&all, va[i]);
	}
	for (size_t i = 0; i < SKBT_ARRAY_SIZE(vb); i++) {
		skbt_hist_add(&b, vb[i]);
		skbt_hist_add(&all, vb[i]);
	}
	assert_int_equal(skbt_hist_merge(&m, &(struct skbt_hist){ 0 }), 0);	/* empty: no-op */
	assert_null(m.b);
	assert_int_equal(skbt_hist_merge(&m, &a), 0);
	assert_int_equal(skbt_hist_merge(&m, &b), 0);
	assert_int_equal(m.count, all.count);
	assert_int_equal(m.min, 131);
	assert_int_equal(m.max, 250000);
	assert_true(skbt_hist_sum(&m) == skbt_hist_sum(&all));
	assert_memory_equal(m.b, all.b, SKBT_HIST_BUCKETS * sizeof(*m.b));
	for (size_t i = 0; i < SKBT_ARRAY_SIZE(q); i++)
		assert_int_equal(skbt_hist_quantile(&m, q[i]), skbt_hist_quantile(&all, q[i]));
	/*
	 * the median of the 14 values by hand: sorted, the 7th is 1200; the histogram gives
	 * the middle of its bucket [1200, 1208) (width 8 between 1024 and 2048)
	 */
	assert_int_equal(skbt_hist_quantile(&m, 0.5), 1204);
	skbt_hist_release(&a);
	skbt_hist_release(&b);
	skbt_hist_release(&all);
	skbt_hist_release(&m);
}

static void test_merge_by_name(void **state)
{
	struct skbt_stats a, b;
	struct skbt_merge m;
	const struct skbt_path_stats *p;
	const struct skbt_stage_stats *s;
	struct skbt_hist all = { 0 };
	uint64_t eth0_cpu0 = 0, drops_total = 0;
	bool no_socket = false, rx_failed = false, unnamed = false;
	char rb[24];

	build(&a, &b);
	assert_int_equal(skbt_merge_init(&m, NULL), 0);
	assert_int_equal(skbt_merge_add(&m, &a), 0);
	assert_int_equal(skbt_merge_add(&m, &b), 0);
	/* the merge keeps its own names: the files' statistics can go first */
	skbt_stats_release(&a);
	skbt_stats_release(&b);
	skbt_merge_done(&m);

	assert_int_equal(m.nfiles, 2);
	assert_int_equal(m.st.journeys_seen, 16);
	assert_int_equal(m.st.journeys_selected, 16);
	assert_int_equal(m.st.ends[SKBT_JEND_CONSUMED], 16);
	assert_true(m.st.empty_polls_unknown);
	assert_int_equal(m.st.npaths, 2);
	p = find_path(&m.st, "eth0>br0");
	assert_non_null(p);
	assert_ptr_equal(p, &m.st.paths[0]);	/* most journeys first */
	assert_int_equal(p->journeys, 14);
	assert_int_equal(p->ends[SKBT_JEND_CONSUMED], 14);
	assert_int_equal(p->nstages, 1);
	s = &p->stages[0];
	assert_string_equal(m.st.names.dev(m.st.names.ctx, s->from_dev), "eth0");
	assert_string_equal(m.st.names.dev(m.st.names.ctx, s->to_dev), "br0");
	assert_int_equal(s->h.count, 14);
	assert_int_equal(p->total.count, 14);
	for (size_t i = 0; i < SKBT_ARRAY_SIZE(va); i++)
		skbt_hist_add(&all, va[i]);
	for (size_t i = 0; i < SKBT_ARRAY_SIZE(vb); i++)
		skbt_hist_add(&all, vb[i]);
	assert_int_equal(skbt_hist_quantile(&s->h, 0.99), skbt_hist_quantile(&all, 0.99));
	assert_int_equal(skbt_hist_quantile(&s->h, 0.5), 1204);	/* test_hist_merge */
	skbt_hist_release(&all);
	p = find_path(&m.st, "veth1");
	assert_non_null(p);
	assert_int_equal(p->journeys, 2);

	/* NAPI: eth0 cpu 0 of both files is one row; the backlog and veth1 stay apart */
	assert_int_equal(m.st.nnapi, 3);
	for (unsigned int i = 0; i < m.st.nnapi; i++) {
		const struct skbt_napi_stats *n = &m.st.napi[i];

		if (n->dev != SKBT_DEV_NONE &&
		    !strcmp(m.st.names.dev(m.st.names.ctx, n->dev), "eth0")) {
			eth0_cpu0 = n->polls;
			assert_int_equal(n->work, 70);
			assert_int_equal(n->max_work, 9);
			assert_int_equal(n->work_hist[1], 30);
		}
	}
	assert_int_equal(eth0_cpu0, 30);
	assert_int_equal(m.st.napi[m.st.nnapi - 1].dev, SKBT_DEV_NONE);	/* backlog last */

	/* drops: the same reason and function under other numbers are one row */
	assert_int_equal(m.st.ndrops, 3);
	for (unsigned int i = 0; i < m.st.ndrops; i++) {
		const struct skbt_drop_stats *d = &m.st.drops[i];
		const char *r = skbt_stats_drop_reason(&m.st, d->reason, rb, sizeof(rb));
		const char *loc = skbt_stats_drop_location(&m.st, d->location);

		drops_total += d->count;
		if (!strcmp(r, "NO_SOCKET")) {
			no_socket = true;
			assert_int_equal(d->count, 7);
			assert_string_equal(loc, "udp_queue_rcv_one_skb");
			assert_string_equal(m.st.names.dev(m.st.names.ctx, d->dev), "br0");
		} else if (!strcmp(r, "NETIF_RX_FAILED")) {
			rx_failed = true;
			assert_int_equal(d->count, 1);
			assert_null(loc);
		} else {
			unnamed = true;
			assert_string_equal(r, "9");	/* as the file wrote it */
			assert_null(loc);		/* no symbol: no address either */
			assert_int_equal(d->count, 2);
		}
	}
	assert_true(no_socket && rx_failed && unnamed);
	assert_int_equal(drops_total, 10);
	assert_int_equal(m.st.drops[0].count, 7);	/* most first */

	/* per CPU by number, as many CPUs as the largest file */
	assert_int_equal(m.st.ncpus, 4);
	assert_int_equal(m.st.cpus[0].events, 110);
	assert_int_equal(m.st.cpus[3].events, 10);
	skbt_merge_release(&m);
	skbt_merge_release(NULL);
}

/* The merged report renders like any other: text and the JSON document. */
static void test_merge_report(void **state)
{
	struct skbt_stats a, b;
	struct skbt_merge m;
	struct skbt_report_opts o = { .hist = true };
	const char *files[] = { "a.dat", "b.dat" }, *nodes[] = { "node-a", "" };
	struct skbt_merge_info mi = { 2, files, nodes };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	build(&a, &b);
	assert_int_equal(skbt_merge_init(&m, NULL), 0);
	assert_int_equal(skbt_merge_add(&m, &a), 0);
	assert_int_equal(skbt_merge_add(&m, &b), 0);
	skbt_stats_release(&a);
	skbt_stats_release(&b);
	skbt_merge_done(&m);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(skbt_report_merged_text(f, &mi, &m.st, &o), 0);
	fclose(f);
	assert_non_null(strstr(buf, "merged: 2 files: a.dat (node node-a), b.dat\n"));
	assert_non_null(strstr(buf, "journeys: 16 selected of 16"));
	assert_non_null(strstr(buf, "path eth0>br0: 14 journeys"));
	assert_non_null(strstr(buf, "NO_SOCKET"));
	assert_null(strstr(buf, "0x"));		/* no address of either file */
	free(buf);
	skbt_merge_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_merge),
		cmocka_unit_test(test_merge_by_name),
		cmocka_unit_test(test_merge_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

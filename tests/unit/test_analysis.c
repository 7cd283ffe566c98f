// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the analysis driver (model/analysis.c), the output registry
 * (render/registry.c) and each renderer on the model the driver builds from a bundled
 * sample; and of the statistics (model/stats.c) on journeys made here, whose latencies are
 * known.  The renderers are checked for what they must say of the same model: every output
 * counts the same journeys.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "skbtrail/analysis.h"
#include "skbtrail/event.h"
#include "skbtrail/journey.h"
#include "skbtrail/registry.h"
#include "skbtrail/report.h"
#include "skbtrail/stats.h"

/* The bundled samples, from the top of the tree (tests/run-tests.sh sets SKBT_ROOT). */
static const char *sample(const char *name)
{
	static char path[4][512];
	static unsigned int k;
	const char *root = getenv("SKBT_ROOT");

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/samples/%s", root ? root : ".", name);
	return path[k];
}

static struct skbt_analysis *run_sample(const char *name, struct skbt_analysis_config *cfg)
{
	struct skbt_analysis *a = NULL;
	struct skbt_err err = { 0 };
	enum skbt_analysis_fail kind;

	cfg->path = sample(name);
	if (!cfg->top)
		cfg->top = 10;
	assert_int_equal(skbt_analysis_open(cfg, &a, &err, &kind), 0);
	assert_non_null(a);
	return a;
}

static const struct skbt_output *output(const char *name)
{
	for (unsigned int i = 0; i < skbt_noutputs; i++)
		if (!strcmp(skbt_outputs[i].name, name))
			return &skbt_outputs[i];
	fail_msg("no output %s in the registry", name);
	return NULL;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	assert_non_null(f);
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every output of the registry, on one sample: each says the same number of journeys. */
static void test_outputs_agree(void **state)
{
	struct skbt_analysis_config cfg = { .filter = { .cpu = -1, .stage = -1 },
					    .from_rel = -1, .to_rel = -1 };
	struct skbt_report_opts ropt = { .top = 10, .hist = true, .flows = 10 };
	struct skbt_perfetto_opts pfopt = { 0 };
	static const char *const outs[] = { "json", "perfetto", "html", "journeys", "csv" };
	char dir[] = "/tmp/skbt-test-analysis-XXXXXX", path[5][600];
	struct skbt_analysis *a = run_sample("native-b_udp.dat", &cfg);
	struct skbt_err err = { 0 };
	const struct skbt_stats *st;
	json_object *root, *o, *t;
	char *text, *buf;
	size_t len;
	FILE *mem;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (unsigned int i = 0; i < 5; i++) {
		struct skbt_sink sk = { 0 };

		snprintf(path[i], sizeof(path[i]), "%s/out.%s", dir, outs[i]);
		assert_int_equal(output(outs[i])->open(&(struct skbt_output_args){
			.path = path[i], .std = stdout, .a = a, .ropt = &ropt, .pfopt = &pfopt },
			&sk, &err), 0);
		assert_int_equal(skbt_analysis_add_sink(a, &sk), 0);
	}
	assert_int_equal(skbt_analysis_run(a, &err), 0);
	st = skbt_analysis_stats(a);
	assert_true(st->journeys_selected > 0);
	assert_int_equal(skbt_analysis_finish_sinks(a, &err), 0);

	/* text: the file by its name, the node, the journeys */
	mem = open_memstream(&text, &len);
	assert_int_equal(skbt_report_text(mem, skbt_analysis_trace(a), st, &ropt), 0);
	fclose(mem);
	assert_non_null(strstr(text, "skbtrail report: native-b_udp.dat, node vm\n"));
	free(text);

	/* JSON: the same journeys */
	buf = slurp(path[0], &len);
	root = json_tokener_parse(buf);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "trace", &t));
	assert_true(json_object_object_get_ex(t, "file", &o));
	assert_string_equal(json_object_get_string(o), "native-b_udp.dat");
	assert_true(json_object_object_get_ex(root, "journeys", &o));
	assert_true(json_object_object_get_ex(o, "total", &o));
	assert_int_equal(json_object_get_int64(o), st->journeys_selected);
	json_object_put(root);
	free(buf);

	/* Perfetto: valid JSON with trace events */
	buf = slurp(path[1], &len);
	root = json_tokener_parse(buf);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "traceEvents", &o));
	assert_true(json_object_array_length(o) > 0);
	json_object_put(root);
	free(buf);

	/* HTML: one page that names the file */
	buf = slurp(path[2], &len);
	assert_non_null(strstr(buf, "<title>skbtrail report: native-b_udp.dat"));
	assert_non_null(strstr(buf, "</html>"));
	free(buf);

	/* JSONL: one line per selected journey; CSV: the same plus its header */
	buf = slurp(path[3], &len);
	assert_int_equal(count_lines(buf), st->journeys_selected);
	free(buf);
	buf = slurp(path[4], &len);
	assert_int_equal(count_lines(buf), st->journeys_selected + 1);
	free(buf);

	skbt_analysis_close(a);
	for (unsigned int i = 0; i < 5; i++)
		unlink(path[i]);
	rmdir(dir);
}

/* What kind of failure each bad start is: the command layer's exit status comes from it. */
static void test_failures(void **state)
{
	struct skbt_analysis_config cfg = { .filter = { .cpu = -1, .stage = -1 },
					    .from_rel = -1, .to_rel = -1, .top = 10 };
	struct skbt_analysis *a = (void *)1;
	struct skbt_err err = { 0 };
	enum skbt_analysis_fail kind;
	char bad[] = "/tmp/skbt-test-bad-XXXXXX";
	int fd;

	(void)state;
	cfg.path = "/nonexistent/x.dat";
	assert_true(skbt_analysis_open(&cfg, &a, &err, &kind) < 0);
	assert_null(a);
	assert_int_equal(kind, SKBT_ANALYSIS_FAIL_RUNTIME);
	assert_non_null(strstr(err.msg, "/nonexistent/x.dat"));

	fd = mkstemp(bad);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not a trace file at all, not even close\n", 40), 40);
	close(fd);
	cfg.path = bad;
	assert_true(skbt_analysis_open(&cfg, &a, &err, &kind) < 0);
	assert_int_equal(kind, SKBT_ANALYSIS_FAIL_BADFILE);
	unlink(bad);

	cfg.path = sample("native-b_udp.dat");
	cfg.without = "nosuch:event";
	assert_true(skbt_analysis_open(&cfg, &a, &err, &kind) < 0);
	assert_int_equal(kind, SKBT_ANALYSIS_FAIL_USAGE);
	assert_non_null(strstr(err.msg, "--without"));

	cfg.without = NULL;
	cfg.need_pcap = "pcapng";
	assert_true(skbt_analysis_open(&cfg, &a, &err, &kind) < 0);
	assert_int_equal(kind, SKBT_ANALYSIS_FAIL_USAGE);
	assert_non_null(strstr(err.msg, "--pcapng needs captured packet headers"));

	/* --context: the file and its context only */
	cfg.need_pcap = NULL;
	cfg.context_only = true;
	cfg.path = sample("native-f_context.dat");
	assert_int_equal(skbt_analysis_open(&cfg, &a, &err, &kind), 0);
	assert_true(skbt_analysis_context(a)->has_static);
	assert_string_equal(skbt_analysis_source(a), "native-f_context.dat");
	skbt_analysis_close(a);
}

/* --node and --redact-devs reach the model the renderers take. */
static void test_names(void **state)
{
	struct skbt_analysis_config cfg = { .filter = { .cpu = -1, .stage = -1 },
					    .from_rel = -1, .to_rel = -1, .node = "node17",
					    .redact_devs = true };
	struct skbt_analysis *a = run_sample("native-b_udp.dat", &cfg);
	struct skbt_err err = { 0 };
	const struct skbt_stats *st;
	const struct skbt_names *n;
	char buf[256];

	(void)state;
	assert_int_equal(skbt_analysis_run(a, &err), 0);
	assert_string_equal(skbt_analysis_trace(a)->node, "node17");
	st = skbt_analysis_stats(a);
	n = skbt_analysis_names(a);
	assert_true(st->npaths > 0);
	for (unsigned int i = 0; i < st->npaths; i++) {
		const char *name = skbt_stats_path_name(st, st->paths[i].devs, st->paths[i].ndevs, false,
							buf, sizeof(buf));

		/* every device is an alias: dev1, dev2, ... or lo */
		assert_true(!strncmp(name, "dev", 3) || !strncmp(name, "lo", 2));
	}
	assert_ptr_equal(st->names.dev, n->dev);
	skbt_analysis_close(a);
}

static const char *dev_name(void *ctx, unsigned int dev)
{
	static const char *const names[] = { "(none)", "eth0", "br0" };

	(void)ctx;
	return dev < 3 ? names[dev] : "?";
}

static const char *no_name(void *ctx, uint32_t v)
{
	(void)ctx;
	(void)v;
	return "";
}

static const char *no_sym(void *ctx, uint64_t v)
{
	(void)ctx;
	(void)v;
	return NULL;
}

static const char *no_comm(void *ctx, int pid)
{
	(void)ctx;
	(void)pid;
	return NULL;
}

/* A journey eth0 -> br0 with a forward stage of @fwd ns and a backlog stage of @bl ns. */
static void make_journey(struct skbt_journey *j, uint64_t id, uint64_t t0, uint64_t fwd,
			 uint64_t bl)
{
	memset(j, 0, sizeof(*j));
	j->id = id;
	j->end = SKBT_JEND_CONSUMED;
	j->nhops = 3;
	j->hops[0] = (struct skbt_hop){ .ts = t0, .kind = SKBT_EV_NETIF_RECEIVE_SKB, .dev = 1,
					.in_chain = 1 };
	j->hops[1] = (struct skbt_hop){ .ts = t0 + fwd, .kind = SKBT_EV_NETIF_RX, .dev = 2,
					.in_chain = 1 };
	j->hops[2] = (struct skbt_hop){ .ts = t0 + fwd + bl, .kind = SKBT_EV_NETIF_RECEIVE_SKB,
					.dev = 2, .in_chain = 1 };
	j->ndevs = 2;
	j->devs[0] = 1;
	j->devs[1] = 2;
	j->nstages = 2;
	j->stages[0] = (struct skbt_stage_span){ .stage = SKBT_STAGE_FORWARD, .from = 0, .to = 1,
						 .ns = fwd };
	j->stages[1] = (struct skbt_stage_span){ .stage = SKBT_STAGE_BACKLOG, .from = 1, .to = 2,
						 .ns = bl };
}

/* Stage percentiles of known latencies, the slowest journeys, and a selection. */
static void test_stats(void **state)
{
	struct skbt_filter f = { .cpu = -1, .stage = -1, .min_latency_ns = 0 };
	struct skbt_names names = { .dev = dev_name, .reason = no_name, .symbol = no_sym,
				    .comm = no_comm };
	struct skbt_journey *j = malloc(sizeof(*j));
	struct skbt_stats st;
	const struct skbt_path_stats *p;
	char buf[64];

	(void)state;
	assert_non_null(j);
	assert_int_equal(skbt_stats_init(&st, &f, &names, 3), 0);
	/* forward 1..100 us, backlog always 5 us */
	for (unsigned int i = 1; i <= 100; i++) {
		make_journey(j, i, i * 1000000ull, i * 1000ull, 5000);
		assert_int_equal(skbt_stats_add_journey(&st, j), 0);
	}
	skbt_stats_done(&st);
	assert_int_equal(st.journeys_seen, 100);
	assert_int_equal(st.journeys_selected, 100);
	assert_int_equal(st.npaths, 1);
	p = &st.paths[0];
	assert_string_equal(skbt_stats_path_name(&st, p->devs, p->ndevs, false, buf, sizeof(buf)),
			    "eth0>br0");
	assert_int_equal(p->journeys, 100);
	assert_int_equal(p->nstages, 2);
	for (unsigned int s = 0; s < p->nstages; s++) {
		const struct skbt_hist *h = &p->stages[s].h;

		assert_int_equal(h->count, 100);
		if (p->stages[s].stage == SKBT_STAGE_BACKLOG) {
			assert_int_equal(skbt_hist_quantile(h, 0.5), 5000);
			assert_int_equal(h->min, 5000);
			assert_int_equal(h->max, 5000);
		} else {
			uint64_t p50 = skbt_hist_quantile(h, 0.5);
			uint64_t p99 = skbt_hist_quantile(h, 0.99);

			/* nearest rank: 50 us and 99 us, within the histogram's 0.4 % */
			assert_true(p50 >= 50000 - 200 && p50 <= 50000 + 200);
			assert_true(p99 >= 99000 - 400 && p99 <= 99000 + 400);
			assert_int_equal(h->min, 1000);
			assert_int_equal(h->max, 100000);
		}
	}
	/* the three slowest, slowest first */
	assert_int_equal(st.ntop, 3);
	assert_int_equal(st.top[0].id, 100);
	assert_int_equal(st.top[1].id, 99);
	assert_int_equal(st.top[2].id, 98);
	skbt_stats_release(&st);

	/* a selection: journeys slower than 50 us + 5 us in all */
	f.min_latency_ns = 55000;
	assert_int_equal(skbt_stats_init(&st, &f, &names, 3), 0);
	for (unsigned int i = 1; i <= 100; i++) {
		make_journey(j, i, i * 1000000ull, i * 1000ull, 5000);
		assert_int_equal(skbt_stats_add_journey(&st, j), 0);
	}
	skbt_stats_done(&st);
	assert_int_equal(st.journeys_seen, 100);
	assert_int_equal(st.journeys_selected, 51);
	skbt_stats_release(&st);
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outputs_agree),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the printer (render/print.c): one sequence of calls gives the text (formats of
 * the FP and ANY calls, nothing of the JSON ones) and the JSON (keys of the JSON and ANY calls,
 * in call order, nothing of the FP ones); then three shared sections (report-sections.c) on a
 * hand-made model, each checked in both outputs from the one call.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "skbtrail/report.h"

typedef void (*section_fn)(struct skbt_printer *p, const void *arg);

/* What @fn writes as text, malloc'ed */
static char *as_text(section_fn fn, const void *arg)
{
	struct skbt_printer p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	skbt_printer_text(&p, f);
	fn(&p, arg);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* What @fn writes as JSON, as json-c's plain string, malloc'ed */
static char *as_json(section_fn fn, const void *arg)
{
	json_object *root = json_object_new_object();
	struct skbt_printer p;
	char *s;

	skbt_printer_json(&p, root);
	fn(&p, arg);
	assert_int_equal(p.depth, 1);	/* every container closed */
	assert_int_equal(p.skipped, 0);
	s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return s;
}

static void check(section_fn fn, const void *arg, const char *text, const char *json)
{
	char *t = as_text(fn, arg), *j = as_json(fn, arg);

	assert_string_equal(t, text);
	assert_string_equal(j, json);
	free(t);
	free(j);
}

static void values(struct skbt_printer *p, const void *arg)
{
	skbt_print_text(p, "head %d:", 1);
	skbt_print_u64(p, SKBT_PRINT_ANY, "n", " n=%" PRIu64, 42);
	skbt_print_u64(p, SKBT_PRINT_JSON, "json_only", " never %" PRIu64, 7);
	skbt_print_u64(p, SKBT_PRINT_FP, "text_only", " t=%" PRIu64, 8);
	skbt_print_u64(p, SKBT_PRINT_ANY, "no_fmt", NULL, 9);	/* a key, no text */
	skbt_print_u64(p, SKBT_PRINT_ANY, "big", " %" PRIu64, UINT64_MAX);
	skbt_print_i64(p, SKBT_PRINT_ANY, "neg", " %" PRId64, -1);
	skbt_print_int(p, SKBT_PRINT_ANY, "i", " %d", -5);
	skbt_print_uint(p, SKBT_PRINT_ANY, "u", " %4u", 3);
	skbt_print_double(p, SKBT_PRINT_ANY, "d", " %.2f", 0.5);
	skbt_print_bool(p, SKBT_PRINT_ANY, "b", " b=%s", true);
	skbt_print_str(p, SKBT_PRINT_ANY, "s", " %s", "café");
	skbt_print_str(p, SKBT_PRINT_JSON, "null", NULL, NULL);
	skbt_print_str_or(p, "loc", " %s", NULL, "-");
	skbt_print_str_or(p, "dev", " %s", "eth0", "-");
	skbt_print_duration(p, SKBT_PRINT_ANY, "t_ns", " %s", 1500000);
	skbt_print_text(p, "\n");
}

static void test_values(void **state)
{
	check(values, NULL,
	      "head 1: n=42 t=8 18446744073709551615 -1 -5    3 0.50 b=true café - eth0 1.50ms\n",
	      "{\"n\":42,\"json_only\":7,\"no_fmt\":9,\"big\":9223372036854775807,\"neg\":-1,"
	      "\"i\":-5,\"u\":3,\"d\":0.5,\"b\":true,\"s\":\"café\",\"null\":\"\",\"loc\":\"\","
	      "\"dev\":\"eth0\",\"t_ns\":1500000}");
}

static void nesting(struct skbt_printer *p, const void *arg)
{
	skbt_print_open_object(p, "o");
	skbt_print_open_array(p, "a");
	for (unsigned int i = 0; i < 3; i++) {
		skbt_print_open_object(p, NULL);
		skbt_print_uint(p, SKBT_PRINT_ANY, "i", "[%u]", i);
		skbt_print_close_object(p);
	}
	skbt_print_str(p, SKBT_PRINT_ANY, "ignored in an array", "<%s>", "x");
	skbt_print_close_array(p);
	skbt_print_u64(p, SKBT_PRINT_ANY, NULL, "(no key %" PRIu64 ")", 1);	/* in an object: left out */
	skbt_print_close_object(p);
	skbt_print_u64(p, SKBT_PRINT_ANY, "after", " %" PRIu64, 2);
	skbt_print_close_object(p);	/* one close too many: the root stays */
	skbt_print_u64(p, SKBT_PRINT_ANY, "root", " %" PRIu64, 3);
}

static void test_nesting(void **state)
{
	check(nesting, NULL, "[0][1][2]<x>(no key 1) 2 3",
	      "{\"o\":{\"a\":[{\"i\":0},{\"i\":1},{\"i\":2},\"x\"]},\"after\":2,\"root\":3}");
}

/* Past SKBT_PRINT_DEPTH, containers and what they hold are left out; the text is whole. */
static void deep(struct skbt_printer *p, const void *arg)
{
	for (int i = 0; i < SKBT_PRINT_DEPTH + 2; i++)
		skbt_print_open_object(p, "d");
	skbt_print_u64(p, SKBT_PRINT_ANY, "lost", "%" PRIu64, 1);
	for (int i = 0; i < SKBT_PRINT_DEPTH + 2; i++)
		skbt_print_close_object(p);
	skbt_print_u64(p, SKBT_PRINT_ANY, "kept", " %" PRIu64, 2);
}

static void test_depth(void **state)
{
	char *j = as_json(deep, NULL), *t = as_text(deep, NULL);
	unsigned int n = 0;

	for (const char *s = j; (s = strstr(s, "\"d\"")); s++)
		n++;
	assert_int_equal(n, SKBT_PRINT_DEPTH - 1);	/* the root is one of the levels */
	assert_null(strstr(j, "lost"));
	assert_non_null(strstr(j, "},\"kept\":2}"));
	assert_string_equal(t, "1 2");
	free(j);
	free(t);
}

static const char *dev(void *ctx, unsigned int d)
{
	return d == 1 ? "eth0" : "veth1";
}

static const char *symbol(void *ctx, uint64_t addr)
{
	return addr == 0x10 ? "tcp_v4_rcv" : NULL;
}

static void cpus(struct skbt_printer *p, const void *arg)
{
	skbt_report_cpus(p, arg);
}

static void test_cpus(void **state)
{
	struct skbt_cpu_stats c[3] = {
		{ .events = 10, .journeys = 2, .polls = 3, .lost_markers = 0 },
		{ 0 },		/* nothing on CPU 1: no row */
		{ .events = 1, .journeys = 0, .polls = 0, .lost_markers = 4 },
	};
	struct skbt_stats st = { .ncpus = 3, .cpus = c };

	check(cpus, &st,
	      "\nper CPU:\n"
	      "   cpu     events   journeys      polls       lost\n"
	      "     0         10          2          3          0\n"
	      "     2          1          0          0          4\n",
	      "{\"cpus\":[{\"cpu\":0,\"events\":10,\"journeys\":2,\"polls\":3,\"lost_markers\":0},"
	      "{\"cpu\":2,\"events\":1,\"journeys\":0,\"polls\":0,\"lost_markers\":4}]}");
}

static void drops(struct skbt_printer *p, const void *arg)
{
	skbt_report_drops(p, arg);
}

/* The two outputs word a drop differently; both come from the one section. */
static void test_drops(void **state)
{
	struct skbt_drop_stats d[2] = {
		{ .reason = 2, .location = 0x10, .dev = 1, .stage = SKBT_STAGE_STACK, .count = 5 },
		{ .reason = UINT32_MAX, .location = 0, .dev = 0, .stage = -1, .count = 1 },
	};
	struct skbt_stats st = { .ndrops = 2, .drops = d,
				 .names = { .dev = dev, .symbol = symbol } };
	struct skbt_stats none = { .names = st.names };

	check(drops, &st,
	      "\ndrops (skb:kfree_skb, netif_rx failures):\n"
	      "     count  reason                       location                     device       stage\n"
	      "         5  reason 2                     tcp_v4_rcv                   eth0         stack\n"
	      "         1  netif_rx failed (backlog full) -                            (no journey) -\n",
	      "{\"drops\":[{\"reason\":\"2\",\"location\":\"tcp_v4_rcv\",\"dev\":\"eth0\","
	      "\"stage\":\"stack\",\"count\":5},{\"reason\":\"NETIF_RX_FAILED\",\"location\":\"\","
	      "\"dev\":\"\",\"stage\":\"\",\"count\":1}]}");
	check(drops, &none, "\ndrops: none traced\n", "{\"drops\":[]}");
}

struct paths_arg {
	const struct skbt_stats *st;
	bool hist;
};

static void paths(struct skbt_printer *p, const void *arg)
{
	const struct paths_arg *a = arg;
	struct skbt_report_opts o = { .hist = a->hist };

	skbt_report_paths(p, a->st, &o);
}

/* A path with one stage: the text row and the JSON keys come from the same calls. */
static void test_paths(void **state)
{
	struct skbt_stage_stats sg = { .stage = SKBT_STAGE_GRO, .from_kind = 0, .from_dev = 1,
				       .to_kind = 1, .to_dev = 1 };
	struct skbt_path_stats ps = { .ndevs = 2, .devs = { 1, 2 }, .journeys = 3,
				      .cpu_change = 1, .nstages = 1, .stages = &sg };
	struct skbt_stats st = { .npaths = 1, .paths = &ps, .names = { .dev = dev } };
	struct paths_arg hist = { &st, true }, nohist = { &st, false };
	char *t, *j, row[256], p50[24];
	json_object *doc, *stage, *v;

	assert_int_equal(skbt_hist_add(&sg.h, 1000), 0);
	assert_int_equal(skbt_hist_add(&sg.h, 3000), 0);
	t = as_text(paths, &hist);
	j = as_json(paths, &hist);
	assert_non_null(strstr(t, "\npath eth0>veth1: 3 journeys, 1 changed CPU\n"));
	assert_non_null(strstr(t, "(log2 buckets):\n"));
	assert_non_null(strstr(j, "{\"paths\":[{\"name\":\"eth0>veth1\",\"devices\":[\"eth0\","
			      "\"veth1\"],\"direction\":\"rx\",\"journeys\":3,\"incomplete\":0,"
			      "\"cpu_changes\":1,\"upcalls_linked\":0,\"ends\":{"));
	/* the text row shows the very values JSON has: count, min and p50 */
	doc = json_tokener_parse(j);
	assert_non_null(doc);
	stage = json_object_array_get_idx(json_object_object_get(json_object_array_get_idx(
		json_object_object_get(doc, "paths"), 0), "stages"), 0);
	assert_non_null(stage);
	assert_true(json_object_object_get_ex(stage, "p50_ns", &v));
	assert_int_equal(json_object_get_int64(json_object_object_get(stage, "count")), 2);
	assert_int_equal(json_object_get_int64(json_object_object_get(stage, "min_ns")), 1000);
	assert_non_null(json_object_object_get(stage, "histogram_log2"));
	snprintf(row, sizeof(row), "  %-8s %-30s", "gro", "");
	snprintf(row + 11, sizeof(row) - 11, "%s@eth0", skbt_kind_short(0));
	assert_non_null(strstr(t, row));
	snprintf(row, sizeof(row), " %8d %9s %9s", 2, "1.0us",
		 skbt_fmt_duration((uint64_t)json_object_get_int64(v), p50, sizeof(p50)));
	assert_non_null(strstr(t, row));
	json_object_put(doc);
	free(t);
	free(j);
	t = as_text(paths, &nohist);	/* --no-hist: the text only */
	assert_null(strstr(t, "log2 buckets"));
	free(t);
	j = as_json(paths, &nohist);
	assert_non_null(strstr(j, "histogram_log2"));
	free(j);
	skbt_hist_release(&sg.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of record/budget.c: ring buffers sized from the whole node, the reader threads,
 * the disk reserve and CPU lists.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "skbtrail/budget.h"

#define GB_KB (1024UL * 1024)

static void test_default_small_node(void **state)
{
	struct skbt_buffer_plan p;
	struct skbt_err err = { 0 };

	(void)state;
	/* 2 CPUs, 24 GB available: the full default, well within 1 GB */
	assert_int_equal(skbt_budget_buffers(2, 0, 24 * GB_KB, false, &p, &err), 0);
	assert_int_equal(p.per_cpu_kb, 8192);
	/* 8 MB of events is 2057 pages of 4080 bytes, plus the spare page: 8232 KB per CPU */
	assert_int_equal(p.total_kb, 2 * 8232);
	assert_int_equal(p.budget_kb, GB_KB);
	assert_false(p.reduced);
	assert_false(p.over);
}

static void test_default_big_node(void **state)
{
	struct skbt_buffer_plan p;
	struct skbt_err err = { 0 };

	(void)state;
	/* 192 CPUs: 8 MB each would be 1.5 GB; the default shrinks to fit 1 GB */
	assert_int_equal(skbt_budget_buffers(192, 0, 512 * GB_KB, false, &p, &err), 0);
	assert_true(p.reduced);
	assert_true(p.total_kb <= GB_KB);
	assert_int_equal(p.per_cpu_kb, skbt_budget_max_per_cpu_kb(GB_KB, 192));
	assert_true(skbt_budget_pages_kb(p.per_cpu_kb + 4) * 192 > GB_KB);
	/* 256 CPUs with 8 GB available: 1/16 of it, 512 MB, is the budget */
	assert_int_equal(skbt_budget_buffers(256, 0, 8 * GB_KB, false, &p, &err), 0);
	assert_int_equal(p.budget_kb, 8 * GB_KB / 16);
	/* 2048 KB of pages per CPU: 511 of them hold events, 2036 KB */
	assert_int_equal(p.per_cpu_kb, 2036);
	assert_int_equal(p.total_kb, 8 * GB_KB / 16);
	assert_false(p.over);
	/* a tiny node: the floor of 1 MB per CPU even above the budget, and said so */
	assert_int_equal(skbt_budget_buffers(64, 0, 512 * 1024, false, &p, &err), 0);
	assert_int_equal(p.per_cpu_kb, SKBT_BUDGET_MIN_KB);
	assert_true(p.over);
}

static void test_pages(void **state)
{
	unsigned long kb;

	(void)state;
	/* ceil(N * 1024 / 4080) pages of 4 KB and the reader's spare page */
	assert_int_equal(skbt_budget_pages_kb(4), 12);	/* 4096 bytes do not fit one page */
	assert_int_equal(skbt_budget_pages_kb(1020 * 4080 / 1024), 1021 * 4);
	assert_int_equal(skbt_budget_pages_kb(5500), (1381 + 1) * 4);
	/* the issue-21 guest: 32 CPUs, a budget of 176,973 KB */
	kb = skbt_budget_max_per_cpu_kb(176973, 32);
	assert_true(skbt_budget_pages_kb(kb) * 32 <= 176973);
	assert_true(skbt_budget_pages_kb(kb + 4) * 32 > 176973);
	assert_int_equal(kb % 4, 0);
	assert_int_equal(skbt_budget_max_per_cpu_kb(4, 1), 0);
}

static void test_user_size(void **state)
{
	struct skbt_buffer_plan p;
	struct skbt_err err = { 0 };
	char buf[256];

	(void)state;
	assert_int_equal(skbt_budget_buffers(192, 8192, 512 * GB_KB, false, &p, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "--force"));
	assert_non_null(strstr(err.msg, "192 CPUs"));
	assert_int_equal(skbt_budget_buffers(192, 8192, 512 * GB_KB, true, &p, &err), 0);
	assert_true(p.over);
	assert_int_equal(p.per_cpu_kb, 8192);
	assert_non_null(strstr(skbt_budget_text(&p, 192, buf, sizeof(buf)), "with --force"));
	assert_int_equal(skbt_budget_buffers(2, 4096, 0, false, &p, &err), 0);
	assert_int_equal(p.budget_kb, GB_KB);	/* MemAvailable unknown: the cap alone */
	assert_non_null(strstr(skbt_budget_text(&p, 2, buf, sizeof(buf)), "4096 KB per CPU x 2"));
}

static void test_readers_reserve(void **state)
{
	(void)state;
	assert_int_equal(skbt_budget_readers(1, 0), 1);
	assert_int_equal(skbt_budget_readers(2, 0), 1);
	assert_int_equal(skbt_budget_readers(8, 0), 1);
	assert_int_equal(skbt_budget_readers(9, 0), 2);
	assert_int_equal(skbt_budget_readers(256, 0), 32);
	assert_int_equal(skbt_budget_readers(4, 16), 4);
	assert_int_equal(skbt_budget_disk_reserve(100ULL << 20), 2ULL << 20);
	assert_int_equal(skbt_budget_disk_reserve(1ULL << 40), 1ULL << 30);
}

static void test_cpulist(void **state)
{
	uint64_t set[4];

	(void)state;
	assert_int_equal(skbt_budget_cpulist("0-3,8,10-11", set, 256), 0);
	assert_int_equal(set[0], 0xf | 1 << 8 | 3 << 10);
	assert_int_equal(skbt_budget_cpulist("255", set, 256), 0);
	assert_int_equal(set[3], 1ULL << 63);
	assert_int_equal(skbt_budget_cpulist("256", set, 256), -EINVAL);
	assert_int_equal(skbt_budget_cpulist("", set, 256), -EINVAL);
	assert_int_equal(skbt_budget_cpulist("3-1", set, 256), -EINVAL);
	assert_int_equal(skbt_budget_cpulist("1,", set, 256), -EINVAL);
	assert_int_equal(skbt_budget_cpulist("a", set, 256), -EINVAL);
	assert_int_equal(skbt_budget_cpulist("-1", set, 256), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_small_node),
		cmocka_unit_test(test_default_big_node),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_user_size),
		cmocka_unit_test(test_readers_reserve),
		cmocka_unit_test(test_cpulist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

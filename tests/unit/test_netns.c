// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of record/netns.c without creating namespaces (tests/live/pcap_netns.sh does
 * that): the names accepted after '@' in --dev X@NS, entering the own namespace (a no-op),
 * a namespace that does not exist, and looking devices up: lo in the own namespace, a name
 * that is nowhere.  Every call must leave the thread in the namespace it started in.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "skbtrail/netns.h"

static void test_name_ok(void **state)
{
	char longname[SKBT_NETNS_NAME_MAX + 1];

	(void)state;
	assert_true(skbt_netns_name_ok("-"));
	assert_true(skbt_netns_name_ok("ns2"));
	assert_true(skbt_netns_name_ok("cni-1234-abcd"));
	assert_false(skbt_netns_name_ok(""));
	assert_false(skbt_netns_name_ok("."));
	assert_false(skbt_netns_name_ok(".."));
	assert_false(skbt_netns_name_ok("a/b"));
	assert_false(skbt_netns_name_ok("../etc"));
	assert_false(skbt_netns_name_ok("a\nb"));
	memset(longname, 'n', SKBT_NETNS_NAME_MAX);
	longname[SKBT_NETNS_NAME_MAX] = 0;
	assert_false(skbt_netns_name_ok(longname));
	longname[SKBT_NETNS_NAME_MAX - 1] = 0;
	assert_true(skbt_netns_name_ok(longname));
}

static void test_enter(void **state)
{
	uint64_t own = skbt_netns_inode("-");
	struct skbt_err err = { 0 };
	char name[64];
	int back = 7;

	(void)state;
	assert_true(own != 0);
	assert_int_equal(skbt_netns_inode(NULL), own);
	/* the own namespace: nothing to enter, nothing to leave */
	assert_int_equal(skbt_netns_enter("-", &back, &err), 0);
	assert_int_equal(back, -1);
	assert_int_equal(skbt_netns_enter(NULL, &back, &err), 0);
	assert_int_equal(skbt_netns_leave(back, &err), 0);
	/* one that does not exist */
	snprintf(name, sizeof(name), "skbt-unit-nosuch-%d", (int)getpid());
	assert_int_equal(skbt_netns_enter(name, &back, &err), -ENOENT);
	assert_int_equal(back, -1);
	assert_non_null(strstr(err.msg, "no network namespace"));
	assert_int_equal(skbt_netns_inode(name), 0);
	assert_int_equal(skbt_netns_enter("../x", &back, &err), -EINVAL);
	assert_int_equal(skbt_netns_inode("-"), own);
}

static void test_locate(void **state)
{
	uint64_t own = skbt_netns_inode("-");
	struct skbt_netns_dev d[3] = {
		{ .name = "lo", .want = "-" },
		{ .name = "skbtnosuchdev0" },
		{ .name = "lo", .want = "-" },
	};
	struct skbt_err err = { 0 };
	char name[64], ownname[SKBT_NETNS_NAME_MAX];

	(void)state;
	assert_int_equal(skbt_netns_locate(d, 3, &err), 0);
	assert_int_equal(d[0].nfound, 1);
	assert_string_equal(d[0].netns, "-");
	assert_string_equal(d[0].where, "(own)");
	assert_int_equal(d[2].nfound, 1);
	/* a name that is in no namespace (the named ones are entered when we may) */
	assert_int_equal(d[1].nfound, 0);
	assert_string_equal(d[1].where, "");
	assert_int_equal(skbt_netns_inode("-"), own);

	/* X@NS with NS missing: an error naming both */
	snprintf(name, sizeof(name), "skbt-unit-nosuch-%d", (int)getpid());
	d[0].want = name;
	assert_int_equal(skbt_netns_locate(d, 1, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "--dev lo@skbt-unit-nosuch-"));
	assert_int_equal(skbt_netns_inode("-"), own);

	skbt_netns_own_name(ownname, sizeof(ownname));
	assert_true(ownname[0] != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_ok),
		cmocka_unit_test(test_enter),
		cmocka_unit_test(test_locate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

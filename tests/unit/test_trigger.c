// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of record/trigger.c: the --trigger kinds parsed from their one table, and the
 * counter watch on this machine's real /proc/net/softnet_stat and /sys/class/net.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "skbtrail/journey.h"
#include "skbtrail/trigger.h"

static void test_parse(void **state)
{
	struct skbt_trigger_set set = { 0 };
	struct skbt_err err = { 0 };

	(void)state;
	assert_int_equal(skbt_trigger_parse(&set, "drop", &err), 0);
	assert_string_equal(set.drop, "");
	assert_false(skbt_trigger_has_counters(&set));
	assert_int_equal(skbt_trigger_parse(&set, "softnet-drop", &err), 0);
	assert_int_equal(skbt_trigger_parse(&set, "squeeze", &err), 0);
	assert_int_equal(skbt_trigger_parse(&set, "rx-drop:eth0", &err), 0);
	assert_int_equal(skbt_trigger_parse(&set, "rx-drop:br-int", &err), 0);
	assert_true(set.softnet_drop && set.squeeze);
	assert_int_equal(set.nrx, 2);
	assert_string_equal(set.rx_dev[1], "br-int");
	assert_true(skbt_trigger_has_counters(&set));

	set = (struct skbt_trigger_set){ 0 };
	assert_int_equal(skbt_trigger_parse(&set, "drop:NO_SOCKET,OTHERHOST", &err), 0);
	assert_string_equal(set.drop, "NO_SOCKET,OTHERHOST");
	/* one drop trigger: the reasons go in one list */
	assert_int_equal(skbt_trigger_parse(&set, "drop", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "twice"));
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "bogus", "drops", "soft", "softnet-drop:x", "squeeze:", "rx-drop", "rx-drop:",
		"rx-drop:a/b", "rx-drop:a:b", "rx-drop:0123456789abcdef", "rx-drop:..",
		"drop:", "drop:no_socket", "drop:NO SOCKET",
	};
	struct skbt_trigger_set set = { 0 };
	struct skbt_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < SKBT_ARRAY_SIZE(bad); i++) {
		err.msg[0] = '\0';
		assert_int_equal(skbt_trigger_parse(&set, bad[i], &err), -EINVAL);
		assert_true(err.msg[0] && !strchr(err.msg, '\n'));
	}
	assert_true(!set.drop && !skbt_trigger_has_counters(&set));
	for (int i = 0; i < SKBT_TRIGGER_MAX_DEVS; i++)
		assert_int_equal(skbt_trigger_parse(&set, "rx-drop:lo", &err), 0);
	assert_int_equal(skbt_trigger_parse(&set, "rx-drop:x", &err), -EINVAL);
}

/* Every kind of the table is parsed by its own name (with its argument when it needs one). */
static void test_table(void **state)
{
	struct skbt_err err = { 0 };

	(void)state;
	for (int k = 0; k < SKBT_TRIGGER_NKINDS; k++) {
		const struct skbt_trigger_kind_desc *d = &skbt_trigger_kinds[k];
		struct skbt_trigger_set set = { 0 };
		char spec[64];

		assert_non_null(d->name);
		assert_non_null(d->help);
		snprintf(spec, sizeof(spec), "%s%s", d->name, !d->arg_required ? "" :
			 k == SKBT_TRIGGER_LATENCY ? ":backlog>2ms" : ":lo");
		assert_int_equal(skbt_trigger_parse(&set, spec, &err), 0);
		assert_int_equal(skbt_trigger_parse(&(struct skbt_trigger_set){ 0 }, d->name, &err),
				 d->arg_required ? -EINVAL : 0);
	}
}

/* The latency kind: [latency:]STAGE>DURATION, a stage of the analyzer's table. */
static void test_latency(void **state)
{
	static const char *const bad[] = {
		"nosuch>1ms", "backlog>abc", "backlog>", ">1ms", "backlog>0ms", "backlog>-1ms",
		"latency:", "latency:backlog", "latency:nosuch>1ms", "backlog>2h", "backlog >2ms",
		"backlog>0.0000000000000000000000000000000000000000000001s",
	};
	struct skbt_trigger_set set = { 0 };
	struct skbt_err err = { 0 };

	(void)state;
	assert_int_equal(skbt_trigger_parse(&set, "backlog>2ms", &err), 0);
	assert_string_equal(set.latency, "latency:backlog>2ms");
	assert_int_equal(set.stage, SKBT_STAGE_BACKLOG);
	assert_int_equal(set.stage_ns, 2000000);
	assert_false(skbt_trigger_has_counters(&set));
	assert_int_equal(skbt_trigger_parse(&set, "stack>1ms", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "only one"));
	set = (struct skbt_trigger_set){ 0 };
	assert_int_equal(skbt_trigger_parse(&set, "latency:stack>500us", &err), 0);
	assert_string_equal(set.latency, "latency:stack>500us");
	assert_int_equal(set.stage, SKBT_STAGE_STACK);
	assert_int_equal(set.stage_ns, 500000);
	for (size_t i = 0; i < SKBT_ARRAY_SIZE(bad); i++) {
		set = (struct skbt_trigger_set){ 0 };
		err.msg[0] = '\0';
		assert_int_equal(skbt_trigger_parse(&set, bad[i], &err), -EINVAL);
		assert_true(err.msg[0] && !strchr(err.msg, '\n'));
		assert_false(set.latency[0]);
	}
	/* the unknown stage's message lists the stages */
	skbt_trigger_parse(&set, "nosuch>1ms", &err);
	assert_non_null(strstr(err.msg, "backlog"));
}

static void test_watch(void **state)
{
	struct skbt_trigger_set set = { .softnet_drop = true, .squeeze = true, .nrx = 1,
					.rx_dev = { "lo" } };
	struct skbt_trigger_set none = { .nrx = 1, .rx_dev = { "skbt-none0" } };
	struct skbt_trigger_watch *w = NULL;
	struct skbt_err err = { 0 };
	const char *reason = "x";

	(void)state;
	assert_int_equal(skbt_trigger_watch_open(&none, &w, &err), -ENODEV);
	assert_null(w);
	assert_non_null(strstr(err.msg, "skbt-none0"));
	/* softnet_stat and lo exist on any Linux; a poll gives 0 or 1, and a reason with 1 */
	assert_int_equal(skbt_trigger_watch_open(&set, &w, &err), 0);
	for (int i = 0; i < 3; i++) {
		int r = skbt_trigger_watch_poll(w, &reason);

		assert_true(r == 0 || r == 1);
		assert_true(r == 0 ? !*reason : !strcmp(reason, "softnet-drop") ||
			    !strcmp(reason, "squeeze") || !strcmp(reason, "rx-drop:lo"));
	}
	skbt_trigger_watch_close(w);
	skbt_trigger_watch_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

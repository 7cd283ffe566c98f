// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/ksyms.c: the index of function symbols of a kallsyms text, on hand-made
 * texts (shapes, damage, bounds) and on this machine's /proc/kallsyms against libtraceevent's
 * tep_find_function(), which it replaced.
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
#include <traceevent/event-parse.h>

#include "skbtrail/ksyms.h"

/* The index of the first @len bytes of a copy of @text (its own block, a byte after). */
static struct skbt_ksyms *build_n(const char *text, size_t len)
{
	struct skbt_ksyms *k;
	char *copy = malloc(len + 1);

	assert_non_null(copy);
	memcpy(copy, text, len);
	copy[len] = 'x';	/* written over when a name ends there, else never read */
	assert_int_equal(skbt_ksyms_build(copy, copy, len, &k), 0);
	assert_non_null(k);
	return k;
}

static struct skbt_ksyms *build(const char *text)
{
	return build_n(text, strlen(text));
}

static void test_text_only(void **state)
{
	struct skbt_ksyms *k = build("ffffffff81000000 T _stext\n"
				     "ffffffff81000100 t helper\n"
				     "ffffffff81000200 D some_data\n"
				     "ffffffff81000300 W weak_fn\n"
				     "ffffffff81000400 b some_bss\n"
				     "ffffffff81000500 T last_fn\n");

	(void)state;
	assert_int_equal(skbt_ksyms_count(k), 4);
	assert_null(skbt_ksyms_find(k, 0xffffffff80ffffffULL));
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000000ULL), "_stext");
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff810000ffULL), "_stext");
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000123ULL), "helper");
	/* data symbols are no function: the address stays in the one before */
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000234ULL), "helper");
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000456ULL), "weak_fn");
	/* the last symbol's end is unknown: only its own address */
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000500ULL), "last_fn");
	assert_null(skbt_ksyms_find(k, 0xffffffff81000501ULL));
	skbt_ksyms_free(k);
}

static void test_modules_and_order(void **state)
{
	/* as /proc/kallsyms: the kernel in order, then modules (tab, [name]) out of order */
	struct skbt_ksyms *k = build("ffffffff81000000 T _stext\n"
				     "ffffffff81001000 T kfree_skb_reason\n"
				     "ffffffff81002000 T _etext\n"
				     "ffffffffc0200000 t br_handle_frame\t[bridge]\n"
				     "ffffffffc0100000 t ovs_dp_process_packet\t[openvswitch]\n"
				     "ffffffffc0100800 t ovs_vport_receive\t[openvswitch]\n"
				     "ffffffffc0300000 t end_marker\t[dummy]\n");

	(void)state;
	assert_int_equal(skbt_ksyms_count(k), 7);
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81001234ULL), "kfree_skb_reason");
	assert_string_equal(skbt_ksyms_find(k, 0xffffffffc0100010ULL), "ovs_dp_process_packet");
	assert_string_equal(skbt_ksyms_find(k, 0xffffffffc0100810ULL), "ovs_vport_receive");
	assert_string_equal(skbt_ksyms_find(k, 0xffffffffc0200010ULL), "br_handle_frame");
	skbt_ksyms_free(k);
}

static void test_aliases(void **state)
{
	/* several names at one address: the first listed, whatever the order of the rest */
	struct skbt_ksyms *k = build("ffffffffc0000000 t mod_fn\t[m]\n"
				     "ffffffff81000300 T irq_entries_start\n"
				     "ffffffff81000300 T __irqentry_text_start\n"
				     "ffffffff81000400 T next_fn\n");

	(void)state;
	assert_int_equal(skbt_ksyms_count(k), 3);
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000300ULL), "irq_entries_start");
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000301ULL), "irq_entries_start");
	skbt_ksyms_free(k);
}

static void test_damage(void **state)
{
	char name[SKBT_KSYMS_NAME_MAX + 2];
	char text[2048];
	struct skbt_ksyms *k;

	(void)state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "\n"
		 "ffffffff81000000 T good_one\r\n"		/* CRLF: the name ends at \r */
		 "1ffffffff81000100 T seventeen_digits\n"
		 "ffffffff81000200 T\n"				/* no name */
		 "ffffffff81000300Tglued\n"
		 "ffffffff81000400 TT two_letter_type\n"
		 "zzzz T not_hex\n"
		 " ffffffff81000500 T leading_blank\n"
		 "ffffffff81000600 T %s\n"			/* longer than the kernel allows */
		 "ffffffff81000700 T %.*s\n"			/* as long as it allows */
		 "ffffffff81000800 t no_newline_at_end", name, SKBT_KSYMS_NAME_MAX, name);
	k = build(text);
	assert_int_equal(skbt_ksyms_count(k), 3);
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000650ULL), "good_one");
	assert_int_equal(strlen(skbt_ksyms_find(k, 0xffffffff81000750ULL)), SKBT_KSYMS_NAME_MAX);
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000800ULL), "no_newline_at_end");
	skbt_ksyms_free(k);

	/* a NUL ends the text; a length ends it without one */
	k = build_n("ffffffff81000000 T a\n\0ffffffff81000100 T b\n", 43);
	assert_int_equal(skbt_ksyms_count(k), 1);
	skbt_ksyms_free(k);
	k = build_n("ffffffff81000000 T abc\n", 20);
	assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000000ULL), "a");
	skbt_ksyms_free(k);

	/* the names are read in place: a text that is not the start of its block */
	{
		char *block = strdup("xxffffffff81000000 T fn\n");

		assert_non_null(block);
		assert_int_equal(skbt_ksyms_build(block, block + 2, strlen(block + 2), &k), 0);
		assert_string_equal(skbt_ksyms_find(k, 0xffffffff81000000ULL), "fn");
		skbt_ksyms_free(k);
	}

	/* nothing at all; no index at all */
	k = build("");
	assert_int_equal(skbt_ksyms_count(k), 0);
	assert_null(skbt_ksyms_find(k, 0xffffffff81000000ULL));
	skbt_ksyms_free(k);
	assert_null(skbt_ksyms_find(NULL, 1));
	skbt_ksyms_free(NULL);
}

/*
 * This machine's kallsyms (addresses only for root): every address inside a function (its
 * start + 1 and + 7) is named as libtraceevent names it, but past the highest one.  The function starts themselves
 * may differ where several names share an address (libtraceevent's pick depends on its
 * sort and search), and addresses in data are not asked by the analyzer.
 */
static void test_proc_kallsyms(void **state)
{
	size_t cap = 64 << 20, len = 0, r, checked = 0, unnamed = 0;
	struct tep_handle *tep;
	struct skbt_ksyms *k;
	char *buf, *copy, *line, *nl;
	FILE *f;

	(void)state;
	f = fopen("/proc/kallsyms", "r");
	if (!f) {
		printf("# SKIP test_proc_kallsyms: no /proc/kallsyms\n");
		return;
	}
	buf = malloc(cap);
	assert_non_null(buf);
	while (len < cap - 1 && (r = fread(buf + len, 1, cap - 1 - len, f)) > 0)
		len += r;
	fclose(f);
	buf[len] = '\0';
	if (!len || !strncmp(buf, "0000000000000000", 16)) {
		printf("# SKIP test_proc_kallsyms: addresses hidden (not root)\n");
		free(buf);
		return;
	}
	tep = tep_alloc();
	assert_non_null(tep);
	copy = strdup(buf);
	assert_non_null(copy);
	assert_int_equal(tep_parse_kallsyms(tep, copy), 0);
	free(copy);
	copy = strdup(buf);	/* the index's, written into */
	assert_non_null(copy);
	assert_int_equal(skbt_ksyms_build(copy, copy, len, &k), 0);
	for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
		unsigned long long a;
		char t;

		if (sscanf(line, "%llx %c", &a, &t) != 2 || !strchr("tTwW", t))
			continue;
		for (int d = 1; d < 8; d += 6) {
			const char *want = tep_find_function(tep, a + d);
			const char *got = skbt_ksyms_find(k, a + d);

			if (!want) {
				assert_null(got);
				continue;
			}
			/* past the highest function libtraceevent may name a data symbol's */
			if (!got) {
				unnamed++;
				continue;
			}
			assert_string_equal(got, want);
			checked++;
		}
	}
	printf("# %zu addresses named as libtraceevent names them\n", checked);
	assert_true(checked > 1000);
	assert_true(unnamed <= 2);
	skbt_ksyms_free(k);
	tep_free(tep);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_only),
		cmocka_unit_test(test_modules_and_order),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_proc_kallsyms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

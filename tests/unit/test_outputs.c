// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the escaping policy every output shares (render/outputs.c, docs/outputs.md):
 * hostile names as a device, comm or symbol can carry them (ESC, BEL, C1, invalid UTF-8,
 * commas, quotes, formula starts), each rendered for a terminal, JSON, HTML and CSV.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "skbtrail/outputs.h"

enum fmt { TEXT, TEXT_SGR, JSON, JSON_DOC, HTML, CSV };

/* @s rendered by one writer, as a malloc'ed string */
static char *render(enum fmt fmt, const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	switch (fmt) {
	case TEXT:
	case TEXT_SGR:
		assert_int_equal(skbt_out_text(f, s, strlen(s), fmt == TEXT_SGR), 0);
		break;
	case JSON:
		skbt_out_json_str(f, s);
		break;
	case JSON_DOC:
		assert_int_equal(skbt_out_json_doc(f, s), 0);
		break;
	case HTML:
		skbt_out_html_str(f, s);
		break;
	case CSV:
		skbt_out_csv_str(f, s);
		break;
	}
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void check(enum fmt fmt, const char *in, const char *want)
{
	char *got = render(fmt, in);

	assert_string_equal(got, want);
	free(got);
}

static void test_utf8_seq(void **state)
{
	(void)state;
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"a", 1), 1);
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\xc3\xa9", 2), 2);
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\xc3\xa9", 1), 0);	/* cut */
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\xe9", 1), 0);	/* Latin-1 */
	/* overlong, surrogate */
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\xc0\xaf", 2), 0);
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\xe0\x80\xaf", 3), 0);
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\xed\xa0\x80", 3), 0);
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(skbt_utf8_seq((const unsigned char *)"\x80", 1), 0);
}

static void test_text(void **state)
{
	(void)state;
	check(TEXT, "caf\xc3\xa9 eth0\n\tx", "caf\xc3\xa9 eth0\n\tx");
	check(TEXT, "a\x1b[2Jb\x07", "a\\x1b[2Jb\\x07");
	check(TEXT, "\x7f\r", "\\x7f\\x0d");
	check(TEXT, "c1\xc2\x9b" "31m", "c1\\xc2\\x9b31m");	/* C1 CSI, encoded */
	check(TEXT, "bad\xe9\xff", "bad\\xe9\\xff");
	/* colour passes only when the writer asked for it, and only SGR */
	check(TEXT, "\x1b[1;31mX\x1b[0m", "\\x1b[1;31mX\\x1b[0m");
	check(TEXT_SGR, "\x1b[1;31mX\x1b[0m", "\x1b[1;31mX\x1b[0m");
	check(TEXT_SGR, "\x1b]0;title\x07", "\\x1b]0;title\\x07");
}

static void test_json(void **state)
{
	(void)state;
	check(JSON, "caf\xc3\xa9", "caf\xc3\xa9");
	check(JSON, "a\"b\\c", "a\\\"b\\\\c");
	check(JSON, "e\x1b\x07\n", "e\\u001b\\u0007\\u000a");
	check(JSON, "x\xe9y", "x\\\\xe9y");	/* the string holds the text \xe9 */
	check(JSON_DOC, "{\"d\": \"caf\xc3\xa9\xff\"}", "{\"d\": \"caf\xc3\xa9\\\\xff\"}");
}

static void test_html(void **state)
{
	(void)state;
	check(HTML, "<a href='x'>&\"", "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
	check(HTML, "caf\xc3\xa9\x1b\xe9", "caf\xc3\xa9\\x1b\\xe9");
}

static void test_csv(void **state)
{
	(void)state;
	check(CSV, "eth0", "eth0");
	check(CSV, "a,b", "\"a,b\"");
	check(CSV, "q\"x", "\"q\"\"x\"");
	check(CSV, "l\nf", "l\\x0af");	/* no line break: one record per line */
	check(CSV, "=cmd()", "\"'=cmd()\"");
	check(CSV, "+1", "\"'+1\"");
	check(CSV, "-x", "\"'-x\"");
	check(CSV, "@sum", "\"'@sum\"");
	check(CSV, "\tx", "\"'\\x09x\"");
	check(CSV, "caf\xc3\xa9\xe9", "caf\xc3\xa9\\xe9");
	check(CSV, "", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_seq),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

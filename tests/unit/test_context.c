// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/context.c on fixed text: the /proc/net/dev and softnet_stat parsers
 * (text as kernel 6.18 prints it, and an older 11-column softnet_stat), the key=value
 * model, counter deltas (a 32-bit softnet column that wrapped), and the context read back
 * from a file written by lib/writer.c with the three context options.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "skbtrail/context.h"

static const char netdev_text[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
	"drop fifo colls carrier compressed\n"
	"    lo: 63043431  683019    0    0    0     0          0         0 63043431  683019    0 "
	"   0    0     0       0          0\n"
	"  eth0: 511065043 13277 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n"
	"garbage line\n"
	"br-int.100: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n";

static void test_netdev_parse(void **state)
{
	struct skbt_netdev_row *rows = NULL;
	unsigned int n = 0;

	assert_int_equal(skbt_netdev_parse(netdev_text, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].name, "lo");
	assert_int_equal(rows[0].v[1], 683019);
	assert_string_equal(rows[1].name, "eth0");
	assert_int_equal(rows[1].v[0], 511065043);
	assert_int_equal(rows[1].v[1], 13277);
	assert_int_equal(rows[1].v[3], 2);		/* rx_drop */
	assert_int_equal(rows[1].v[15], 14);		/* tx_compressed */
	assert_string_equal(skbt_netdev_fields[1], "rx_packets");
	assert_string_equal(rows[2].name, "br-int.100");
	assert_int_equal(rows[2].v[15], 16);
	free(rows);
}

static const char softnet_text[] =
	"01f8384b 00000000 00000005 00000000 00000000 00000000 00000000 00000000 00000000 "
	"00000000 00000000 00000000 00000000 00000000 00000000\n"
	"01f7bdfa 00001838 00000001 00000000 00000000 00000000 00000000 00000000 00000000 "
	"000000e3 00000000 00000002 00000003 00000001 00000001\n";

static void test_softnet_parse(void **state)
{
	struct skbt_softnet_row *rows = NULL;
	unsigned int n = 0;

	assert_int_equal(skbt_softnet_parse(softnet_text, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].cpu, 0);
	assert_int_equal(rows[0].ncols, 15);
	assert_int_equal(rows[0].v[0], 0x01f8384b);
	assert_int_equal(rows[0].v[2], 5);
	/* column 13 is the CPU index: offline CPUs leave gaps in the rows */
	assert_int_equal(rows[1].cpu, 3);
	assert_int_equal(rows[1].v[1], 0x1838);
	assert_int_equal(rows[1].v[9], 0xe3);		/* received_rps */
	assert_string_equal(skbt_softnet_fields[9], "received_rps");
	assert_string_equal(skbt_softnet_fields[12], "cpu");
	free(rows);

	/* an older kernel: 11 columns, the row number is the CPU */
	assert_int_equal(skbt_softnet_parse("00000010 00000001 00000002 0 0 0 0 0 0 00000004 0\n"
					    "00000020 0 0 0 0 0 0 0 0 0 0\n", &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[1].cpu, 1);
	assert_int_equal(rows[1].ncols, 11);
	assert_int_equal(rows[1].v[0], 0x20);
	free(rows);
	assert_int_equal(skbt_softnet_parse("", &rows, &n), 0);
	assert_int_equal(n, 0);
	free(rows);
}

static void test_kvlist(void **state)
{
	static const char text[] = "kind=context-start\nformat=1\nnetdev:-:eth0:rx_packets=42\n"
				   "novalue\n=nokey\nempty=\nsoftnet:0:dropped=7\0after=nul\n";
	struct skbt_kvlist l;
	uint64_t v;

	assert_int_equal(skbt_kvlist_parse(text, sizeof(text), &l), 0);
	assert_int_equal(l.n, 5);
	assert_string_equal(skbt_kvlist_get(&l, "kind"), "context-start");
	assert_true(skbt_kvlist_u64(&l, "netdev:-:eth0:rx_packets", &v));
	assert_int_equal(v, 42);
	assert_string_equal(skbt_kvlist_get(&l, "empty"), "");
	assert_false(skbt_kvlist_u64(&l, "empty", &v));
	assert_null(skbt_kvlist_get(&l, "after"));
	assert_null(skbt_kvlist_get(&l, "novalue"));
	skbt_kvlist_release(&l);
	skbt_kvlist_release(&l);	/* released twice: still safe */
}

/* The key index (sorted with qsort_r, the list as context): a repeated key reads as its first
 * line, and a lookup finds every key of a long list written in no order. */
static void test_kvlist_index(void **state)
{
	static const char text[] = "b=1\na=2\nb=3\nc=4\na=5\n";
	static const unsigned int order[] = { 1, 4, 0, 2, 3 };
	struct skbt_kvlist l;
	char *big = malloc(300 * 32), key[16];
	size_t n = 0;

	(void)state;
	assert_int_equal(skbt_kvlist_parse(text, sizeof(text), &l), 0);
	assert_int_equal(l.n, 5);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(l.byname[i], order[i]);
	assert_string_equal(skbt_kvlist_get(&l, "a"), "2");
	assert_string_equal(skbt_kvlist_get(&l, "b"), "1");
	assert_string_equal(skbt_kvlist_get(&l, "c"), "4");
	assert_null(skbt_kvlist_get(&l, "d"));
	skbt_kvlist_release(&l);

	/* 300 lines, keys k0..k149 twice in a scrambled order, values the line number */
	assert_non_null(big);
	for (unsigned int i = 0; i < 300; i++)
		n += sprintf(big + n, "k%u=%u\n", (i * 97) % 150, i);
	assert_int_equal(skbt_kvlist_parse(big, n, &l), 0);
	assert_int_equal(l.n, 300);
	for (unsigned int k = 0; k < 150; k++) {
		unsigned int first = 0;
		uint64_t v;

		while ((first * 97) % 150 != k)
			first++;
		snprintf(key, sizeof(key), "k%u", k);
		assert_true(skbt_kvlist_u64(&l, key, &v));
		assert_int_equal(v, first);
	}
	skbt_kvlist_release(&l);
	free(big);
}

static void test_delta(void **state)
{
	static const char a[] = "kind=context-start\nsoftnet:0:processed=4294967290\nx=5\n";
	static const char b[] = "kind=context-stop\nsoftnet:0:processed=4\nx=9\n";
	struct skbt_context c = { .has_start = true, .has_stop = true };
	uint64_t d;

	assert_int_equal(skbt_kvlist_parse(a, sizeof(a), &c.start), 0);
	assert_int_equal(skbt_kvlist_parse(b, sizeof(b), &c.stop), 0);
	assert_true(skbt_context_has_counters(&c));
	assert_true(skbt_context_delta(&c, "x", &d));
	assert_int_equal(d, 4);
	/* a 32-bit softnet column that wrapped */
	assert_true(skbt_context_delta(&c, "softnet:0:processed", &d));
	assert_int_equal(d, 10);
	assert_false(skbt_context_delta(&c, "missing", &d));
	skbt_context_release(&c);
}

/* Veth peers by ifindex, iflink and namespace: ifindexes repeat across namespaces. */
static void test_ifaces(void **state)
{
	static const char old[] = "kind=context-static\niface:-:lo:ifindex=1\n";
	static const char text[] = "kind=context-static\n"
		"iface:x1:a:ifindex=2\niface:x1:a:iflink=2\niface:x1:a:link_netns=y1\n"
		"iface:x2:b:ifindex=2\niface:x2:b:iflink=2\niface:x2:b:link_netns=y2\n"
		"iface:y1:v:ifindex=2\niface:y1:v:iflink=2\niface:y1:v:link_netns=x1\n"
		"iface:y2:v:ifindex=2\niface:y2:v:iflink=2\niface:y2:v:link_netns=x2\n"
		"iface:-:p:ifindex=7\niface:-:p:master=br0\niface:-:br0:ifindex=8\n"
		"iface:-:c:ifindex=9\niface:-:c:iflink=4\n";
	struct skbt_context c = { .has_static = true };
	struct skbt_iface *f;
	unsigned int n;

	(void)state;
	assert_int_equal(skbt_kvlist_parse(old, sizeof(old), &c.stat), 0);
	assert_int_equal(skbt_context_ifaces(&c, &f, &n), 0);
	assert_int_equal(n, 0);		/* no link keys: nothing known */
	assert_null(f);
	skbt_kvlist_release(&c.stat);

	assert_int_equal(skbt_kvlist_parse(text, sizeof(text), &c.stat), 0);
	assert_int_equal(skbt_context_ifaces(&c, &f, &n), 0);
	/* sorted by name, then scope: a br0 c p v@y1 v@y2 b */
	assert_int_equal(n, 7);
	assert_string_equal(f[0].name, "a");
	assert_string_equal(f[1].name, "b");
	assert_string_equal(f[2].name, "br0");
	assert_string_equal(f[3].name, "c");
	assert_string_equal(f[4].name, "p");
	assert_string_equal(f[5].scope, "y1");
	assert_string_equal(f[6].scope, "y2");
	assert_int_equal(f[0].peer, 5);
	assert_int_equal(f[5].peer, 0);
	assert_int_equal(f[1].peer, 6);
	assert_int_equal(f[6].peer, 1);
	assert_int_equal(f[3].peer, -1);	/* its peer is nowhere in the context */
	assert_string_equal(f[4].master, "br0");
	free(f);
	skbt_context_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netdev_parse),
		cmocka_unit_test(test_softnet_parse),
		cmocka_unit_test(test_kvlist),
		cmocka_unit_test(test_kvlist_index),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_ifaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

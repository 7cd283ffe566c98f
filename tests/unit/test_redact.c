// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of model/redact.c (--redact-ips): aliases by first appearance, stable across
 * flow keys and packets, and a rewritten IPv4/UDP packet whose checksums stay valid
 * (recomputed here from scratch, RFC 1071).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "skbtrail/redact.h"

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IPv4 + UDP "hello" from @src to @dst, checksums set */
static size_t udp_packet(uint8_t *p, const uint8_t *src, const uint8_t *dst)
{
	uint8_t *ip = p + 14, *udp = ip + 20, ph[12];
	uint16_t c;

	memset(p, 0, 64);
	p[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 5;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	c = csum(ip, 20, 0);
	ip[10] = c >> 8;
	ip[11] = c;
	udp[1] = 0x35;
	udp[3] = 0x99;
	udp[5] = 13;
	memcpy(udp + 8, "hello", 5);
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 17;
	ph[10] = 0;
	ph[11] = 13;
	c = csum(udp, 13, (uint32_t)~csum(ph, 12, 0) & 0xffff);
	udp[6] = c >> 8;
	udp[7] = c;
	return 14 + 20 + 13;
}

static void test_keys(void **state)
{
	struct skbt_ipmap *m;
	struct skbt_flow_key a = { .kind = SKBT_FLOW_TUPLE, .family = 4,
				   .saddr = { 10, 0, 0, 1 }, .daddr = { 10, 0, 0, 2 } };
	struct skbt_flow_key b = { .kind = SKBT_FLOW_TUPLE, .family = 4,
				   .saddr = { 10, 0, 0, 2 }, .daddr = { 10, 0, 0, 3 } };
	struct skbt_flow_key c = { .kind = SKBT_FLOW_TUPLE, .family = 6,
				   .saddr = { 0xfe, 0x80, [15] = 1 },
				   .daddr = { 0xfe, 0x80, [15] = 2 } };
	static const uint8_t six1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct skbt_flow_key h = { .kind = SKBT_FLOW_HASH, .hash = 7 }, h0 = h;

	(void)state;
	assert_int_equal(skbt_ipmap_new(&m), 0);
	assert_int_equal(skbt_ipmap_key(m, &a), 0);
	assert_int_equal(skbt_ipmap_key(m, &b), 0);
	assert_int_equal(skbt_ipmap_key(m, &c), 0);
	assert_int_equal(skbt_ipmap_key(m, &h), 0);
	assert_memory_equal(a.saddr, ((uint8_t[]){ 198, 18, 0, 1 }), 4);
	assert_memory_equal(a.daddr, ((uint8_t[]){ 198, 18, 0, 2 }), 4);
	/* the same real address, the same alias */
	assert_memory_equal(b.saddr, ((uint8_t[]){ 198, 18, 0, 2 }), 4);
	assert_memory_equal(b.daddr, ((uint8_t[]){ 198, 18, 0, 3 }), 4);
	assert_memory_equal(c.saddr, six1, 16);
	assert_memory_equal(&h, &h0, sizeof(h));	/* no address, untouched */
	skbt_ipmap_free(m);
}

static void test_packet(void **state)
{
	static const uint8_t s[4] = { 10, 9, 8, 7 }, d[4] = { 172, 16, 254, 1 };
	struct skbt_ipmap *m;
	struct skbt_flow_key k = { .kind = SKBT_FLOW_TUPLE, .family = 4 };
	uint8_t p[64], ph[12];
	size_t n = udp_packet(p, s, d);

	(void)state;
	assert_int_equal(skbt_ipmap_new(&m), 0);
	memcpy(k.saddr, d, 4);		/* seen first, in a flow key: d, then s */
	memcpy(k.daddr, s, 4);
	assert_int_equal(skbt_ipmap_key(m, &k), 0);
	assert_int_equal(skbt_ipmap_packet(m, p, n, 1), 0);
	assert_memory_equal(p + 14 + 12, ((uint8_t[]){ 198, 18, 0, 2 }), 4);
	assert_memory_equal(p + 14 + 16, ((uint8_t[]){ 198, 18, 0, 1 }), 4);
	assert_int_equal(csum(p + 14, 20, 0), 0);		/* IPv4 header checksum valid */
	memcpy(ph, p + 14 + 12, 8);
	ph[8] = 0;
	ph[9] = 17;
	ph[10] = 0;
	ph[11] = 13;
	assert_int_equal(csum(p + 34, 13, (uint32_t)~csum(ph, 12, 0) & 0xffff), 0);	/* UDP */
	/* cut short: nothing past the capture is read or written */
	assert_int_equal(skbt_ipmap_packet(m, p, 20, 1), 0);
	assert_int_equal(skbt_ipmap_packet(m, p, 0, 1), 0);
	skbt_ipmap_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

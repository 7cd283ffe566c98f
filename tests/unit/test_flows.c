// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of model/flows.c (header parser, names, per-flow table) and model/pcap.c
 * (captured-headers options, clock alignment, matching to receive events, --filter).
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

#include "skbtrail/flow.h"
#include "skbtrail/pcap.h"

static size_t udp4(uint8_t *p, uint16_t sport, uint16_t dport, bool vlan)
{
	size_t n = 0;
	static const uint8_t ip[20] = { 0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0,
					10, 0, 0, 1, 10, 0, 0, 2 };

	memset(p, 0x02, 12);
	n = 12;
	if (vlan) {
		p[n++] = 0x81, p[n++] = 0x00, p[n++] = 0x00, p[n++] = 0x05;
	}
	p[n++] = 0x08, p[n++] = 0x00;
	memcpy(p + n, ip, 20);
	n += 20;
	p[n++] = sport >> 8, p[n++] = sport & 0xff, p[n++] = dport >> 8, p[n++] = dport & 0xff;
	p[n++] = 0, p[n++] = 12, p[n++] = 0, p[n++] = 0;
	memcpy(p + n, "abcd", 4);
	return n + 4;
}

static void test_parse_udp4(void **state)
{
	uint8_t p[128];
	size_t n = udp4(p, 40001, 7001, false);
	struct skbt_flow_key k;
	char buf[160];

	assert_int_equal(skbt_flow_parse(p, n, SKBT_LINKTYPE_EN10MB, &k), 0);
	assert_int_equal(k.kind, SKBT_FLOW_TUPLE);
	assert_string_equal(skbt_flow_name(&k, buf, sizeof(buf)),
			    "udp 10.0.0.1:40001 > 10.0.0.2:7001");
	n = udp4(p, 1, 2, true);
	assert_int_equal(skbt_flow_parse(p, n, SKBT_LINKTYPE_EN10MB, &k), 0);
	assert_string_equal(skbt_flow_name(&k, buf, sizeof(buf)), "udp 10.0.0.1:1 > 10.0.0.2:2");
	/* raw IP */
	assert_int_equal(skbt_flow_parse(p + 18, n - 18, SKBT_LINKTYPE_RAW, &k), 0);
	assert_int_equal(k.dport, 2);
}

static void test_parse_tcp6(void **state)
{
	uint8_t p[128] = { 0 };
	struct skbt_flow_key k;
	char buf[160];

	p[12] = 0x86, p[13] = 0xdd;
	p[14] = 0x60;
	p[14 + 6] = 0;		/* hop-by-hop first */
	p[14 + 23] = 1;
	p[14 + 39] = 2;
	p[54] = 6, p[55] = 0;	/* next: tcp, 8 bytes */
	p[62] = 0x01, p[63] = 0xbb, p[64] = 0xc3, p[65] = 0x50;
	assert_int_equal(skbt_flow_parse(p, 80, SKBT_LINKTYPE_EN10MB, &k), 0);
	assert_string_equal(skbt_flow_name(&k, buf, sizeof(buf)), "tcp [::1]:443 > [::2]:50000");
}

/* Every prefix of a packet: no crash, and ports only when they were captured. */
static void test_parse_truncated(void **state)
{
	uint8_t p[128];
	size_t n = udp4(p, 40001, 7001, true);

	for (size_t len = 0; len <= n; len++) {
		uint8_t *c = malloc(len ? len : 1);
		struct skbt_flow_key k;
		int ret;

		memcpy(c, p, len);
		ret = skbt_flow_parse(len ? c : NULL, len, SKBT_LINKTYPE_EN10MB, &k);
		if (len < 18 + 20)
			assert_true(ret != 0 || k.family == 0);
		assert_int_equal(k.ports, len >= 18 + 24);
		free(c);
	}
}

/* A file's options: one interface, two flows, clocks 1000 s apart (realtime - mono). */
static const uint64_t OFF = 1000ULL * 1000000000ULL;

/* Returns the records payload: free it after skbt_pcap_free() (records point into it). */
static uint8_t *add_options(struct skbt_pcap *pc, bool bad_iface)
{
	char meta[1024];
	uint8_t *rec = malloc(65536);
	size_t n;
	struct skbt_err err;
	uint8_t pkt[128];

	snprintf(meta, sizeof(meta), "kind=pcap\nformat=1\nsync=1\nsync0.realtime_ns=%llu\n"
		 "sync0.monotonic_ns=5000\nsync0.boottime_ns=6000\ninterfaces=1\nif0.name=vethB\n"
		 "if0.linktype=1\nif0.snaplen=128\nif0.ps_drop=3\n",
		 (unsigned long long)(OFF + 5000));
	assert_int_equal(skbt_pcap_add_option(pc, meta, strlen(meta) + 1, &err), 0);
	n = (size_t)sprintf((char *)rec, "kind=pcap-records\nformat=1\nrecords=%020d\n\n", 4);
	for (int i = 0; i < 4; i++) {
		size_t len = udp4(pkt, 40000 + (i & 1), 7000 + (i & 1), false);
		uint64_t ts = OFF + 1000000 + i * 1000;	/* mono 1 ms + i us */
		uint32_t cl = len, ol = len;
		uint16_t ifc = bad_iface ? 7 : 0, z = 0;

		memcpy(rec + n, &ts, 8);
		memcpy(rec + n + 8, &cl, 4);
		memcpy(rec + n + 12, &ol, 4);
		memcpy(rec + n + 16, &ifc, 2);
		memcpy(rec + n + 18, &z, 2);
		memcpy(rec + n + 20, pkt, len);
		n += 20 + len;
	}
	assert_int_equal(skbt_pcap_add_option(pc, rec, n, &err), 0);
	return rec;
}

static void test_match_and_filter(void **state)
{
	struct skbt_pcap *pc;
	struct skbt_err err = { 0 };
	struct skbt_pcap_summary sum = { 0 };
	int selected = 0;

	uint8_t *rec;

	assert_int_equal(skbt_pcap_new(&pc), 0);
	rec = add_options(pc, false);
	assert_int_equal(skbt_pcap_prepare(pc, "mono", &err), 0);
	assert_int_equal(skbt_pcap_record(pc, 0)->ts, 1000000);
	assert_int_equal(skbt_pcap_filter_set(pc, "udp port 7001", &err), 0);
	for (int i = 0; i < 4; i++) {
		/* the receive event 2 us before the tap's timestamp; len without Ethernet */
		struct skbt_event ev = { .ts = 1000000 + i * 1000 - 2000, .skb = 0x100 + i,
					 .dev = 3, .kind = SKBT_EV_NETIF_RECEIVE_SKB, .len = 32 };
		struct skbt_journey j = { .nhops = 1 };
		char buf[160];

		assert_int_equal(skbt_pcap_on_event(pc, &ev, "vethB"), 0);
		j.hops[0] = (struct skbt_hop){ .ts = ev.ts, .skb = ev.skb, .dev = 3,
					       .kind = SKBT_EV_NETIF_RECEIVE_SKB };
		skbt_pcap_attach(pc, &j);
		assert_int_equal(j.pkt, i + 1);
		assert_string_equal(skbt_flow_name(&j.flow, buf, sizeof(buf)),
				    i & 1 ? "udp 10.0.0.1:40001 > 10.0.0.2:7001" :
					    "udp 10.0.0.1:40000 > 10.0.0.2:7000");
		selected += skbt_pcap_filter_match(pc, &j);
	}
	assert_int_equal(selected, 2);
	skbt_pcap_summarize(pc, &sum);
	assert_int_equal(sum.packets, 4);
	assert_int_equal(sum.matched, 4);
	assert_int_equal(sum.rx_events, 4);
	assert_int_equal(sum.ps_drop, 3);
	skbt_pcap_free(pc);
	free(rec);
}

static void test_bad_input(void **state)
{
	struct skbt_pcap *pc;
	struct skbt_err err = { 0 };
	uint8_t *rec;

	assert_int_equal(skbt_pcap_filter_check("udp port", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "syntax error"));
	assert_int_equal(skbt_pcap_new(&pc), 0);
	rec = add_options(pc, true);	/* records name an interface the file does not have */
	assert_int_equal(skbt_pcap_prepare(pc, "mono", &err), -EBADMSG);
	skbt_pcap_free(pc);
	free(rec);
	/* a trace clock that cannot be aligned: nothing is matched, said why */
	assert_int_equal(skbt_pcap_new(&pc), 0);
	rec = add_options(pc, false);
	assert_int_equal(skbt_pcap_prepare(pc, "local", &err), -ENOTSUP);
	assert_false(skbt_pcap_aligned(pc));
	skbt_pcap_free(pc);
	free(rec);
	/* records cut short */
	assert_int_equal(skbt_pcap_new(&pc), 0);
	assert_int_equal(skbt_pcap_add_option(pc, "kind=pcap-records\nformat=1\n\n12345", 32,
					      &err), -EBADMSG);
	skbt_pcap_free(pc);
}

static void test_flow_table(void **state)
{
	struct skbt_flows *f;
	struct skbt_journey j = { .nhops = 2 };

	assert_int_equal(skbt_flows_new(-1, &f), 0);
	for (int i = 0; i < 100; i++) {
		j.flow = (struct skbt_flow_key){ .kind = SKBT_FLOW_HASH, .hash = i % 2 ? 7 : 9 };
		j.hops[0].ts = 0;
		j.hops[1].ts = i % 2 ? 1000 : 100000;	/* hash 9 is the slow one */
		assert_int_equal(skbt_flows_add(f, &j), 0);
	}
	skbt_flows_done(f);
	assert_int_equal(skbt_flows_count(f), 2);
	assert_int_equal(skbt_flows_get(f, 0)->key.hash, 9);
	assert_int_equal(skbt_flows_get(f, 0)->journeys, 50);
	assert_true(skbt_flow_quantile(skbt_flows_get(f, 0), 0.99) >= 97000 &&
		    skbt_flow_quantile(skbt_flows_get(f, 0), 0.99) <= 103000);
	assert_int_equal(skbt_flows_by_kind(f, SKBT_FLOW_HASH), 100);
	skbt_flows_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_udp4),
		cmocka_unit_test(test_parse_tcp6),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_match_and_filter),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_flow_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

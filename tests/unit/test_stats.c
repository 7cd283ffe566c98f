// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the statistics (model/stats.c) on journeys and events written here: stage
 * counts and percentiles against the bound docs/stages.md promises (exact under 128 ns,
 * within 0.4 % above), the drop table, control-plane frees kept apart, per-CPU counts,
 * selection and the slowest list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "skbtrail/stats.h"

enum { ETH0 = 1, BRINT, VETH0 };

#define LOC_TCP 0x1000		/* a packet's free: tcp_v4_rcv */
#define LOC_NETLINK 0x2000	/* a control-plane free: netlink_unicast */
#define R_NO_SOCKET 2
#define R_OTHERHOST 5

static const char *t_dev(void *ctx, unsigned int dev)
{
	static const char *const names[] = { "?", "eth0", "br-int", "veth0" };

	(void)ctx;
	return dev < 4 ? names[dev] : "(none)";
}

static const char *t_reason(void *ctx, uint32_t reason)
{
	(void)ctx;
	return reason == R_NO_SOCKET ? "NO_SOCKET" : reason == R_OTHERHOST ? "OTHERHOST" : NULL;
}

static const char *t_symbol(void *ctx, uint64_t addr)
{
	(void)ctx;
	return addr == LOC_TCP ? "tcp_v4_rcv" : addr == LOC_NETLINK ? "netlink_unicast" : NULL;
}

static const struct skbt_names names = { .dev = t_dev, .reason = t_reason,
					 .symbol = t_symbol };

static struct skbt_stats *stats_new(unsigned int top)
{
	struct skbt_stats *st = malloc(sizeof(*st));

	assert_non_null(st);
	assert_int_equal(skbt_stats_init(st, NULL, &names, top), 0);
	return st;
}

static void stats_free(struct skbt_stats *st)
{
	skbt_stats_release(st);
	free(st);
}

/*
 * A received packet as the journey builder hands it over: GRO entry on @dev at @t0 on @cpu,
 * netif_receive_skb @gro_ns later, consume_skb @stack_ns after that; stages GRO and STACK.
 */
static struct skbt_journey rx_journey(uint64_t id, unsigned int dev, unsigned int cpu,
				      uint64_t t0, uint64_t gro_ns, uint64_t stack_ns)
{
	struct skbt_journey j = { .id = id, .skb = 0xffff888000000000ULL + id * 256,
				  .end = SKBT_JEND_CONSUMED, .nhops = 3, .nstages = 2,
				  .ndevs = 1 };

	j.devs[0] = dev;
	j.hops[0] = (struct skbt_hop){ .ts = t0, .cpu = cpu, .dev = dev, .in_chain = 1,
				       .kind = SKBT_EV_NAPI_GRO_RECEIVE_ENTRY };
	j.hops[1] = (struct skbt_hop){ .ts = t0 + gro_ns, .cpu = cpu, .dev = dev, .in_chain = 1,
				       .kind = SKBT_EV_NETIF_RECEIVE_SKB };
	j.hops[2] = (struct skbt_hop){ .ts = t0 + gro_ns + stack_ns, .cpu = cpu,
				       .in_chain = 1, .kind = SKBT_EV_CONSUME_SKB };
	j.stages[0] = (struct skbt_stage_span){ SKBT_STAGE_GRO, 0, 1, gro_ns };
	j.stages[1] = (struct skbt_stage_span){ SKBT_STAGE_STACK, 1, 2, stack_ns };
	return j;
}

static const struct skbt_stage_stats *find_stage(const struct skbt_path_stats *p,
						 enum skbt_stage s)
{
	for (unsigned int i = 0; i < p->nstages; i++)
		if (p->stages[i].stage == s)
			return &p->stages[i];
	return NULL;
}

/* |got - want| <= want / 256: the histogram's bound above 128 ns */
static void assert_within(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	if (d * 256 > want)
		fail_msg("%llu is not within 0.4 %% of %llu", (unsigned long long)got,
			 (unsigned long long)want);
}

static void test_hist_exact_small(void **state)
{
	struct skbt_hist h = { 0 };

	(void)state;
	assert_int_equal(skbt_hist_quantile(&h, 0.5), 0);
	/* 1..127 in a shuffled order: every value under 128 ns has a bucket of its own */
	for (uint64_t i = 0; i < 127; i++)
		assert_int_equal(skbt_hist_add(&h, (i * 37) % 127 + 1), 0);
	assert_int_equal(h.count, 127);
	assert_int_equal(h.min, 1);
	assert_int_equal(h.max, 127);
	/* nearest rank: ceil(q * n) */
	assert_int_equal(skbt_hist_quantile(&h, 0.5), 64);
	assert_int_equal(skbt_hist_quantile(&h, 0.99), 126);
	assert_int_equal(skbt_hist_quantile(&h, 0.9), 115);
	assert_int_equal(skbt_hist_quantile(&h, 0), 1);
	assert_int_equal(skbt_hist_quantile(&h, 1), 127);
	assert_true(skbt_hist_sum(&h) == 127 * 128 / 2);
	/* log2 buckets: [64, 128) holds 64 values, the value 0 none */
	assert_int_equal(skbt_hist_log2(&h, 6), 64);
	assert_int_equal(skbt_hist_log2(&h, 0), 1);
	assert_int_equal(skbt_hist_log2(&h, -1), 0);
	skbt_hist_release(&h);
	assert_null(h.b);
}

static void test_hist_bound_large(void **state)
{
	struct skbt_hist h = { 0 };
	/* spread over many powers of two: 1 us .. ~1.07 s */
	static const double qs[] = { 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999 };

	(void)state;
	for (uint64_t i = 1; i <= 1000; i++)
		assert_int_equal(skbt_hist_add(&h, i * i * 1073 + 1000), 0);
	assert_int_equal(h.min, 1 * 1073 + 1000);
	assert_int_equal(h.max, 1000000ULL * 1073 + 1000);
	for (unsigned int k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		/* nearest rank: the smallest rank r with r >= q * n */
		double x = qs[k] * 1000;
		uint64_t rank = (uint64_t)x + ((double)(uint64_t)x < x);

		assert_within(skbt_hist_quantile(&h, qs[k]), rank * rank * 1073 + 1000);
	}
	skbt_hist_release(&h);
}

static void test_stage_counts(void **state)
{
	struct skbt_stats *st = stats_new(0);
	const struct skbt_path_stats *p;
	const struct skbt_stage_stats *gro, *stack;

	(void)state;
	/* 100 packets on eth0: GRO 1..100 ns (exact), stack 10 us .. 1 ms */
	for (uint64_t i = 1; i <= 100; i++) {
		struct skbt_journey j = rx_journey(i, ETH0, 0, i * 1000000, i, i * 10000);

		assert_int_equal(skbt_stats_add_journey(st, &j), 0);
	}
	/* 3 on veth0, one of them incomplete: counted, never measured */
	for (uint64_t i = 101; i <= 103; i++) {
		struct skbt_journey j = rx_journey(i, VETH0, 1, i * 1000000, 50, 500);

		if (i == 103) {
			j.flags |= SKBT_JF_INCOMPLETE;
			j.stages[1].ns = 999999999;
		}
		assert_int_equal(skbt_stats_add_journey(st, &j), 0);
	}
	skbt_stats_done(st);
	assert_int_equal(st->journeys_seen, 103);
	assert_int_equal(st->journeys_selected, 103);
	assert_int_equal(st->incomplete, 1);
	assert_int_equal(st->ends[SKBT_JEND_CONSUMED], 103);
	assert_int_equal(st->npaths, 2);
	/* most journeys first */
	p = &st->paths[0];
	assert_int_equal(p->ndevs, 1);
	assert_int_equal(p->devs[0], ETH0);
	assert_int_equal(p->journeys, 100);
	assert_int_equal(p->nstages, 2);
	/* in path order: GRO starts at hop 0, the stack at hop 1 */
	assert_int_equal(p->stages[0].stage, SKBT_STAGE_GRO);
	assert_int_equal(p->stages[1].stage, SKBT_STAGE_STACK);
	gro = find_stage(p, SKBT_STAGE_GRO);
	stack = find_stage(p, SKBT_STAGE_STACK);
	assert_non_null(gro);
	assert_non_null(stack);
	assert_int_equal(gro->h.count, 100);
	assert_int_equal(gro->h.min, 1);
	assert_int_equal(gro->h.max, 100);
	assert_int_equal(skbt_hist_quantile(&gro->h, 0.5), 50);
	assert_int_equal(skbt_hist_quantile(&gro->h, 0.99), 99);
	assert_int_equal(gro->from_kind, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY);
	assert_int_equal(gro->to_kind, SKBT_EV_NETIF_RECEIVE_SKB);
	assert_int_equal(stack->h.count, 100);
	assert_int_equal(stack->h.min, 10000);
	assert_int_equal(stack->h.max, 1000000);
	assert_within(skbt_hist_quantile(&stack->h, 0.5), 500000);
	assert_within(skbt_hist_quantile(&stack->h, 0.99), 990000);
	assert_int_equal(p->total.count, 100);
	assert_int_equal(p->total.min, 10001);
	assert_int_equal(p->total.max, 1000100);

	p = &st->paths[1];
	assert_int_equal(p->devs[0], VETH0);
	assert_int_equal(p->journeys, 3);
	assert_int_equal(p->incomplete, 1);
	stack = find_stage(p, SKBT_STAGE_STACK);
	assert_non_null(stack);
	assert_int_equal(stack->h.count, 2);
	assert_int_equal(stack->h.max, 500);	/* not the incomplete one's 1 s */
	assert_int_equal(p->total.count, 2);
	stats_free(st);
}

static void test_path_names(void **state)
{
	struct skbt_stats *st = stats_new(0);
	uint16_t devs[] = { ETH0, BRINT };
	char buf[64];

	(void)state;
	assert_string_equal(skbt_stats_path_name(st, devs, 2, false, buf, sizeof(buf)),
			    "eth0>br-int");
	assert_string_equal(skbt_stats_path_name(st, devs, 2, true, buf, sizeof(buf)),
			    "tx:eth0>br-int");
	assert_string_equal(skbt_stats_path_name(st, devs, 0, false, buf, sizeof(buf)),
			    "(none)");
	stats_free(st);
}

static struct skbt_event drop_event(unsigned int cpu, uint32_t reason, uint64_t loc,
				    uint16_t protocol)
{
	return (struct skbt_event){ .ts = 1, .skb = 0xffff888000100000ULL, .cpu = cpu,
				    .kind = SKBT_EV_KFREE_SKB, .u.drop = { .reason = reason,
				    .protocol = protocol, .location = loc } };
}

static void test_drops(void **state)
{
	struct skbt_stats *st = stats_new(0);
	struct skbt_event ev;
	char buf[16];

	(void)state;
	/* 3 journeys dropped on eth0 at tcp_v4_rcv (NO_SOCKET), in their stack stage */
	for (uint64_t i = 1; i <= 3; i++) {
		struct skbt_journey j = rx_journey(i, ETH0, 0, i * 1000, 10, 20);

		j.end = SKBT_JEND_DROPPED;
		j.drop_reason = R_NO_SOCKET;
		j.drop_location = LOC_TCP;
		assert_int_equal(skbt_stats_add_journey(st, &j), 0);
	}
	/* 5 orphan drops of packets (IPv4), reason OTHERHOST */
	ev = drop_event(1, R_OTHERHOST, LOC_TCP, 0x0800);
	for (int i = 0; i < 5; i++)
		assert_int_equal(skbt_stats_add_orphan_drop(st, &ev), 0);
	/* 1 netif_rx failure (no kfree_skb seen) */
	ev = drop_event(1, UINT32_MAX, 0, 0x0800);
	assert_int_equal(skbt_stats_add_orphan_drop(st, &ev), 0);
	/* 4 control-plane frees: protocol 0 freed by netlink code */
	ev = drop_event(0, R_NO_SOCKET, LOC_NETLINK, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(skbt_stats_add_orphan_drop(st, &ev), 0);
	/* a protocol-0 free elsewhere is still a drop; netlink with a protocol too */
	ev = drop_event(0, R_NO_SOCKET, LOC_TCP, 0);
	assert_int_equal(skbt_stats_add_orphan_drop(st, &ev), 0);
	ev = drop_event(0, R_NO_SOCKET, LOC_NETLINK, 0x0800);
	assert_int_equal(skbt_stats_add_orphan_drop(st, &ev), 0);
	skbt_stats_done(st);

	assert_int_equal(st->ends[SKBT_JEND_DROPPED], 3);
	assert_int_equal(st->control_plane_frees, 4);
	assert_int_equal(st->ncp_frees, 1);
	assert_int_equal(st->cp_frees[0].count, 4);
	assert_int_equal(st->cp_frees[0].location, LOC_NETLINK);
	/* the drop table: by count, then reason; never the control-plane frees */
	assert_int_equal(st->ndrops, 5);
	assert_int_equal(st->drops[0].count, 5);
	assert_int_equal(st->drops[0].reason, R_OTHERHOST);
	assert_int_equal(st->drops[0].dev, 0);
	assert_int_equal(st->drops[0].stage, -1);
	assert_int_equal(st->drops[1].count, 3);
	assert_int_equal(st->drops[1].reason, R_NO_SOCKET);
	assert_int_equal(st->drops[1].location, LOC_TCP);
	assert_int_equal(st->drops[1].dev, ETH0);
	assert_int_equal(st->drops[1].stage, SKBT_STAGE_STACK);
	for (unsigned int i = 2; i < 5; i++)
		assert_int_equal(st->drops[i].count, 1);
	assert_int_equal(st->drops[2].reason, R_NO_SOCKET);
	assert_int_equal(st->drops[2].location, LOC_TCP);
	assert_int_equal(st->drops[3].reason, R_NO_SOCKET);
	assert_int_equal(st->drops[3].location, LOC_NETLINK);
	assert_int_equal(st->drops[4].reason, UINT32_MAX);

	assert_string_equal(skbt_stats_drop_reason(st, R_NO_SOCKET, buf, sizeof(buf)),
			    "NO_SOCKET");
	assert_string_equal(skbt_stats_drop_reason(st, UINT32_MAX, buf, sizeof(buf)),
			    "NETIF_RX_FAILED");
	assert_string_equal(skbt_stats_drop_reason(st, 77, buf, sizeof(buf)), "77");
	assert_string_equal(skbt_stats_drop_location(st, LOC_TCP), "tcp_v4_rcv");
	assert_null(skbt_stats_drop_location(st, 0));
	stats_free(st);
}

static void test_control_plane_location(void **state)
{
	static const char *const yes[] = { "netlink_unicast", "__netlink_sendskb", "genl_rcv_msg",
		"nlmsg_notify", "rtnetlink_rcv_msg", "rtnl_getlink", "unix_stream_read_generic",
		"ovs_dp_cmd_get", "ovs_vport_cmd_new", "ovs_flow_cmd_dump", "ovs_meter_cmd_set",
		"ovs_ct_limit_cmd_get", "genlmsg_reply" };
	static const char *const no[] = { "tcp_v4_rcv", "ovs_packet_cmd_execute", "ip_rcv",
		"ovs_dp_upcall", "nf_hook_slow", "netif_receive_skb", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(skbt_control_plane_location(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(skbt_control_plane_location(no[i]));
	assert_false(skbt_control_plane_location(NULL));
}

static void test_per_cpu(void **state)
{
	struct skbt_stats *st = stats_new(0);
	struct skbt_event ev = { .kind = SKBT_EV_NETIF_RECEIVE_SKB };

	(void)state;
	/* events: 4 on CPU 0, 2 on CPU 3 of which one a lost-events marker */
	for (int i = 0; i < 4; i++)
		assert_int_equal(skbt_stats_add_event(st, &ev), 0);
	ev.cpu = 3;
	assert_int_equal(skbt_stats_add_event(st, &ev), 0);
	ev.kind = SKBT_EV_LOST;
	assert_int_equal(skbt_stats_add_event(st, &ev), 0);
	/* journeys by the CPU of their first hop: 2 on CPU 1, 1 on CPU 3 */
	for (uint64_t i = 1; i <= 3; i++) {
		struct skbt_journey j = rx_journey(i, ETH0, i == 3 ? 3 : 1, i * 1000, 5, 5);

		assert_int_equal(skbt_stats_add_journey(st, &j), 0);
	}
	/* polls: eth0 on CPU 1 twice (one full at budget 64), the backlog on CPU 3 once idle */
	ev = (struct skbt_event){ .kind = SKBT_EV_NAPI_POLL, .cpu = 1, .dev = ETH0,
				  .u.napi = { 64, 64 } };
	assert_int_equal(skbt_stats_add_poll(st, &ev, 60), 0);
	ev.u.napi.work = 3;
	assert_int_equal(skbt_stats_add_poll(st, &ev, 3), 0);
	ev = (struct skbt_event){ .kind = SKBT_EV_NAPI_POLL, .cpu = 3, .dev = SKBT_DEV_NONE,
				  .u.napi = { 0, 64 } };
	assert_int_equal(skbt_stats_add_poll(st, &ev, 0), 0);
	skbt_stats_done(st);

	assert_int_equal(st->ncpus, 4);
	assert_int_equal(st->cpus[0].events, 4);
	assert_int_equal(st->cpus[0].journeys, 0);
	assert_int_equal(st->cpus[1].events, 0);
	assert_int_equal(st->cpus[1].journeys, 2);
	assert_int_equal(st->cpus[1].polls, 2);
	assert_int_equal(st->cpus[2].events, 0);
	assert_int_equal(st->cpus[3].events, 2);
	assert_int_equal(st->cpus[3].lost_markers, 1);
	assert_int_equal(st->cpus[3].journeys, 1);
	assert_int_equal(st->cpus[3].polls, 1);
	/* NAPI rows: devices by name, the backlog last */
	assert_int_equal(st->nnapi, 2);
	assert_int_equal(st->napi[0].dev, ETH0);
	assert_int_equal(st->napi[0].polls, 2);
	assert_int_equal(st->napi[0].work, 67);
	assert_int_equal(st->napi[0].traced, 63);
	assert_int_equal(st->napi[0].exhausted, 1);
	assert_int_equal(st->napi[0].max_work, 64);
	assert_int_equal(st->napi[0].budget, 64);
	assert_int_equal(st->napi[0].work_hist[64], 1);
	assert_int_equal(st->napi[0].work_hist[3], 1);
	assert_int_equal(st->napi[1].dev, SKBT_DEV_NONE);
	assert_int_equal(st->napi[1].idle, 1);
	stats_free(st);
}

static void test_filter_gro_top(void **state)
{
	struct skbt_stats st;
	const char *devs[] = { "veth0" };
	struct skbt_filter f = { .devs = devs, .ndevs = 1, .cpu = -1, .stage = -1 };
	struct skbt_journey j;

	(void)state;
	assert_int_equal(skbt_stats_init(&st, &f, &names, 2), 0);
	for (uint64_t i = 1; i <= 5; i++) {
		j = rx_journey(i, i == 1 ? ETH0 : VETH0, 0, i * 1000, 10, i * 100);
		assert_int_equal(skbt_stats_add_journey(&st, &j), 0);
	}
	/* a packet GRO merged: counted, no path */
	j = rx_journey(6, VETH0, 0, 6000, 10, 0);
	j.end = SKBT_JEND_GRO_MERGED;
	j.nhops = 1;
	j.nstages = 0;
	assert_int_equal(skbt_stats_add_journey(&st, &j), 0);
	skbt_stats_done(&st);
	assert_int_equal(st.journeys_seen, 6);
	assert_int_equal(st.journeys_selected, 5);	/* not eth0's */
	assert_int_equal(st.gro_merged, 1);
	assert_int_equal(st.npaths, 1);
	assert_int_equal(st.paths[0].journeys, 4);
	/* the two slowest selected, slowest first */
	assert_int_equal(st.ntop, 2);
	assert_int_equal(st.top[0].id, 5);
	assert_int_equal(st.top[1].id, 4);
	skbt_stats_release(&st);
}

/*
 * A flight file's trigger: the journeys nearest its time are kept (one spanning it is at 0),
 * listed by first hop; the far ones are not, whatever order they come in.
 */
static void test_near_trigger(void **state)
{
	/* first hops at 1000, 2000, ... 9000; each lasts 10 + 100 * i ns */
	static const uint64_t order[] = { 9, 1, 5, 2, 8, 3, 7, 4, 6 };
	struct skbt_stats *st = stats_new(0);

	(void)state;
	assert_int_equal(skbt_stats_near(st, 5050, 3), 0);
	for (unsigned int k = 0; k < SKBT_ARRAY_SIZE(order); k++) {
		uint64_t i = order[k];
		struct skbt_journey j = rx_journey(i, VETH0, 0, i * 1000, 10, i * 100);

		assert_int_equal(skbt_stats_add_journey(st, &j), 0);
	}
	skbt_stats_done(st);
	/* #5 spans 5000..5510 (0 away); #4 ends at 4410 (640), #6 starts at 6000 (950) */
	assert_int_equal(st->nnear, 3);
	assert_int_equal(st->near[0].id, 4);
	assert_int_equal(st->near[1].id, 5);
	assert_int_equal(st->near[2].id, 6);
	assert_int_equal(st->ntop, 0);
	stats_free(st);
}

/* The pipeline's order: events through the journey builder, its journeys into the stats. */
static void on_journey(const struct skbt_journey *j, void *arg)
{
	assert_int_equal(skbt_stats_add_journey(arg, j), 0);
}

static void on_orphan(const struct skbt_event *ev, void *arg)
{
	assert_int_equal(skbt_stats_add_orphan_drop(arg, ev), 0);
}

static void on_poll(const struct skbt_event *ev, uint32_t traced, void *arg)
{
	assert_int_equal(skbt_stats_add_poll(arg, ev, traced), 0);
}

static void feed(struct skbt_journeys *jb, struct skbt_stats *st, struct skbt_event e)
{
	assert_int_equal(skbt_stats_add_event(st, &e), 0);
	assert_int_equal(skbt_journeys_feed(jb, &e), 0);
}

static void test_from_builder(void **state)
{
	struct skbt_stats *st = stats_new(0);
	struct skbt_journeys_config cfg = { .have_queue_events = true, .have_poll_events = true };
	struct skbt_journeys_cb cb = { .journey = on_journey, .orphan_drop = on_orphan,
				       .poll = on_poll, .arg = st };
	struct skbt_journeys *jb;
	const struct skbt_stage_stats *gro, *stack;
	struct skbt_event e;

	(void)state;
	assert_int_equal(skbt_journeys_new(&cfg, &cb, &jb), 0);
	/* ten packets on eth0, one poll each: GRO 10..100 ns, stack 1..10 us */
	for (uint64_t i = 1; i <= 10; i++) {
		uint64_t t = i * 100000, skb = 0xffff888000200000ULL + i * 256;

		feed(jb, st, (struct skbt_event){ .ts = t, .skb = skb, .dev = ETH0, .len = 1500,
			.ctx = SKBT_CTX_SOFTIRQ, .kind = SKBT_EV_NAPI_GRO_RECEIVE_ENTRY });
		feed(jb, st, (struct skbt_event){ .ts = t + 10 * i, .skb = skb, .dev = ETH0,
			.len = 1500, .ctx = SKBT_CTX_SOFTIRQ, .kind = SKBT_EV_NETIF_RECEIVE_SKB });
		feed(jb, st, (struct skbt_event){ .ts = t + 10 * i + 5, .skb = 0xffff888000900000ULL,
			.dev = ETH0, .ctx = SKBT_CTX_SOFTIRQ, .kind = SKBT_EV_NAPI_POLL,
			.u.napi = { 1, 64 } });
		feed(jb, st, (struct skbt_event){ .ts = t + 10 * i + 1000 * i, .skb = skb,
			.kind = SKBT_EV_CONSUME_SKB, .pid = 100 });
	}
	/* a kfree_skb of an address no journey owns */
	e = drop_event(1, R_OTHERHOST, LOC_TCP, 0x0800);
	e.ts = 2000000;
	feed(jb, st, e);
	skbt_journeys_finish(jb);
	skbt_journeys_free(jb);
	skbt_stats_done(st);

	assert_int_equal(st->journeys_selected, 10);
	assert_int_equal(st->ends[SKBT_JEND_CONSUMED], 10);
	assert_int_equal(st->npaths, 1);
	assert_int_equal(st->paths[0].devs[0], ETH0);
	gro = find_stage(&st->paths[0], SKBT_STAGE_GRO);
	stack = find_stage(&st->paths[0], SKBT_STAGE_STACK);
	assert_non_null(gro);
	assert_non_null(stack);
	assert_int_equal(gro->h.count, 10);
	assert_int_equal(gro->h.min, 10);
	assert_int_equal(gro->h.max, 100);
	assert_int_equal(skbt_hist_quantile(&gro->h, 0.5), 50);
	assert_int_equal(stack->h.count, 10);
	assert_int_equal(stack->h.min, 1000);
	assert_int_equal(stack->h.max, 10000);
	assert_within(skbt_hist_quantile(&stack->h, 0.5), 5000);
	assert_int_equal(st->nnapi, 1);
	assert_int_equal(st->napi[0].polls, 10);
	assert_int_equal(st->napi[0].traced, 10);
	assert_int_equal(st->cpus[0].events, 40);
	assert_int_equal(st->cpus[0].journeys, 10);
	assert_int_equal(st->cpus[1].events, 1);
	assert_int_equal(st->ndrops, 1);
	assert_int_equal(st->drops[0].reason, R_OTHERHOST);
	assert_int_equal(st->drops[0].dev, 0);
	stats_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_exact_small),
		cmocka_unit_test(test_hist_bound_large),
		cmocka_unit_test(test_stage_counts),
		cmocka_unit_test(test_path_names),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_control_plane_location),
		cmocka_unit_test(test_per_cpu),
		cmocka_unit_test(test_filter_gro_top),
		cmocka_unit_test(test_near_trigger),
		cmocka_unit_test(test_from_builder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

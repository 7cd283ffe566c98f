// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the findings (model/findings.c): each kind of finding from events, statistics
 * and node counters written here that must produce it, and clean inputs that must produce
 * none.  Each checks the finding's id (its subject), severity and evidence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "skbtrail/context.h"
#include "skbtrail/findings.h"
#include "skbtrail/stats.h"

enum { ETH0 = 1, VETH0 };

#define R_NO_SOCKET 2
#define R_QUEUE_PURGE 3
#define R_CPU_BACKLOG 10
#define LOC_TCP 0x1000
#define LOC_PING 0x2000
#define NET_RX 3		/* NET_RX_SOFTIRQ */

static const char *t_dev(void *ctx, unsigned int dev)
{
	(void)ctx;
	return dev == ETH0 ? "eth0" : dev == VETH0 ? "veth0" : "(none)";
}

/* what --redact-devs shows instead */
static const char *t_alias(void *ctx, unsigned int dev)
{
	(void)ctx;
	return dev == ETH0 ? "dev1" : dev == VETH0 ? "dev2" : "(none)";
}

static const char *t_reason(void *ctx, uint32_t reason)
{
	(void)ctx;
	switch (reason) {
	case R_NO_SOCKET: return "NO_SOCKET";
	case R_QUEUE_PURGE: return "QUEUE_PURGE";
	case R_CPU_BACKLOG: return "CPU_BACKLOG";
	}
	return NULL;
}

static const char *t_symbol(void *ctx, uint64_t addr)
{
	(void)ctx;
	return addr == LOC_TCP ? "tcp_v4_rcv" : addr == LOC_PING ? "ping_rcv" : NULL;
}

static const struct skbt_names names = { .dev = t_dev, .reason = t_reason,
					 .symbol = t_symbol };

struct fix {
	struct skbt_context ctx;
	struct skbt_findings fx;
	struct skbt_stats st;
	struct skbt_trace_info ti;
};

static void kv(struct skbt_kvlist *l, const char *text)
{
	assert_int_equal(skbt_kvlist_parse(text, strlen(text) + 1, l), 0);
}

/* @start/@stop NULL: no counters in the file */
static struct fix *fix_new(const char *start, const char *stop, const char *stat)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	if (start) {
		kv(&f->ctx.start, start);
		kv(&f->ctx.stop, stop);
		f->ctx.has_start = f->ctx.has_stop = true;
	}
	if (stat) {
		kv(&f->ctx.stat, stat);
		f->ctx.has_static = true;
	}
	assert_int_equal(skbt_findings_init(&f->fx, start || stat ? &f->ctx : NULL, &names), 0);
	assert_int_equal(skbt_stats_init(&f->st, NULL, &names, 0), 0);
	f->ti.overrun_total = -1;
	f->ti.file = "test.dat";
	for (unsigned int k = 0; k < SKBT_EV__COUNT; k++)
		f->ti.recorded[k] = true;
	return f;
}

static void fix_free(struct fix *f)
{
	skbt_findings_release(&f->fx);
	skbt_stats_release(&f->st);
	skbt_context_release(&f->ctx);
	free(f);
}

static void feed(struct fix *f, struct skbt_event e)
{
	assert_int_equal(skbt_findings_add_event(&f->fx, &e), 0);
	if (e.kind == SKBT_EV_NAPI_POLL)
		assert_int_equal(skbt_stats_add_poll(&f->st, &e, 0), 0);
}

static struct skbt_event ev(uint64_t ts, unsigned int cpu, enum skbt_kind kind, unsigned int dev,
			    uint64_t skb)
{
	return (struct skbt_event){ .ts = ts, .cpu = cpu, .kind = kind, .dev = dev, .skb = skb,
				    .ctx = SKBT_CTX_SOFTIRQ, .len = 100 };
}

static struct skbt_event poll(uint64_t ts, unsigned int cpu, unsigned int dev, int work)
{
	struct skbt_event e = ev(ts, cpu, SKBT_EV_NAPI_POLL, dev, 0xffff888000900000ULL);

	e.u.napi.work = work;
	e.u.napi.budget = 64;
	return e;
}

/* @n packets received on @dev on @cpu, @gro of them first seen by GRO (gro >= n: merged) */
static void receive(struct fix *f, unsigned int cpu, unsigned int dev, unsigned int n,
		    unsigned int gro, uint64_t t0)
{
	for (unsigned int i = 0; i < gro; i++)
		feed(f, ev(t0 + i, cpu, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, dev,
			   0xffff888001000000ULL + i * 256));
	for (unsigned int i = 0; i < n; i++)
		feed(f, ev(t0 + 100 + i, cpu, SKBT_EV_NETIF_RECEIVE_SKB, dev,
			   0xffff888001000000ULL + i * 256));
	feed(f, poll(t0 + 200, cpu, dev, gro > n ? gro : n));
}

static void done(struct fix *f)
{
	skbt_stats_done(&f->st);
	assert_int_equal(skbt_findings_done(&f->fx, &f->ti, &f->st), 0);
}

static const struct skbt_finding *find(const struct fix *f, const char *id)
{
	for (unsigned int i = 0; i < f->fx.nfindings; i++)
		if (!strcmp(f->fx.f[i].id, id))
			return &f->fx.f[i];
	return NULL;
}

static const struct skbt_finding *must(const struct fix *f, const char *id,
				       enum skbt_fx_severity sev, unsigned int nev)
{
	const struct skbt_finding *x = find(f, id);

	if (!x)
		fail_msg("no finding %s (%u findings, first %s)", id, f->fx.nfindings,
			 f->fx.nfindings ? f->fx.f[0].id : "-");
	assert_int_equal(x->severity, sev);
	assert_int_equal(x->nev, nev);
	assert_true(x->text[0]);
	return x;
}

static void ev_num(const struct skbt_finding *x, const char *key, uint64_t want)
{
	for (unsigned int i = 0; i < x->nev; i++)
		if (!strcmp(x->ev[i].key, key)) {
			assert_true(x->ev[i].is_num);
			assert_int_equal(x->ev[i].num, want);
			return;
		}
	fail_msg("%s: no evidence %s", x->id, key);
}

static void ev_str(const struct skbt_finding *x, const char *key, const char *want)
{
	for (unsigned int i = 0; i < x->nev; i++)
		if (!strcmp(x->ev[i].key, key)) {
			assert_false(x->ev[i].is_num);
			assert_string_equal(x->ev[i].str, want);
			return;
		}
	fail_msg("%s: no evidence %s", x->id, key);
}

static void consumed(struct fix *f, uint64_t id, unsigned int dev)
{
	struct skbt_journey j = { .id = id, .end = SKBT_JEND_CONSUMED, .nhops = 2, .ndevs = 1 };

	j.devs[0] = dev;
	j.hops[0] = (struct skbt_hop){ .ts = id * 1000, .dev = dev,
				       .kind = SKBT_EV_NETIF_RECEIVE_SKB };
	j.hops[1] = (struct skbt_hop){ .ts = id * 1000 + 500, .kind = SKBT_EV_CONSUME_SKB };
	assert_int_equal(skbt_stats_add_journey(&f->st, &j), 0);
}

static void dropped(struct fix *f, uint64_t id, unsigned int dev, uint32_t reason, uint64_t loc)
{
	struct skbt_journey j = { .id = id, .end = SKBT_JEND_DROPPED, .nhops = 2, .ndevs = 1,
				  .drop_reason = reason, .drop_location = loc };

	j.devs[0] = dev;
	j.hops[0] = (struct skbt_hop){ .ts = id * 1000, .dev = dev,
				       .kind = SKBT_EV_NETIF_RECEIVE_SKB };
	j.hops[1] = (struct skbt_hop){ .ts = id * 1000 + 500, .kind = SKBT_EV_KFREE_SKB };
	assert_int_equal(skbt_stats_add_journey(&f->st, &j), 0);
}

/* ---- no finding ---- */

static void test_none(void **state)
{
	struct fix *f = fix_new(NULL, NULL, NULL);

	(void)state;
	receive(f, 0, ETH0, 5, 5, 1000);
	receive(f, 1, VETH0, 3, 0, 5000);
	for (uint64_t i = 1; i <= 8; i++)
		consumed(f, i, i <= 5 ? ETH0 : VETH0);
	done(f);
	assert_int_equal(f->fx.nfindings, 0);
	fix_free(f);
}

static void test_none_counters_match(void **state)
{
	struct fix *f = fix_new("netdev:-:eth0:rx_packets=100\nnetdev:-:eth0:rx_drop=4\n"
				"softnet:0:processed=1000\nsoftnet:0:dropped=0\n"
				"softnet:0:time_squeeze=9\n",
				"netdev:-:eth0:rx_packets=105\nnetdev:-:eth0:rx_drop=4\n"
				"softnet:0:processed=1005\nsoftnet:0:dropped=0\n"
				"softnet:0:time_squeeze=9\n",
				"sysctl:net.core.netdev_budget=300\n");

	(void)state;
	receive(f, 0, ETH0, 5, 5, 1000);
	for (uint64_t i = 1; i <= 5; i++)
		consumed(f, i, ETH0);
	done(f);
	assert_int_equal(f->fx.nfindings, 0);
	assert_int_equal(f->fx.netdev_budget, 300);
	assert_int_equal(f->fx.devs[ETH0].verdict, SKBT_FXV_MATCH);
	assert_int_equal(f->fx.devs[ETH0].d_rx_packets, 5);
	assert_int_equal(f->fx.cpus[0].v_processed, SKBT_FXV_MATCH);
	assert_int_equal(f->fx.cpus[0].v_dropped, SKBT_FXV_MATCH);
	assert_int_equal(f->fx.cpus[0].v_squeeze, SKBT_FXV_MATCH);
	fix_free(f);
}

/* ---- one test per kind ---- */

static void test_lost_events(void **state)
{
	struct fix *f = fix_new(NULL, NULL, NULL);
	const struct skbt_finding *x;

	(void)state;
	receive(f, 0, ETH0, 2, 2, 1000);
	f->ti.lost_markers = 2;
	f->ti.lost_events = 1500;
	f->ti.overrun_total = 1500;
	done(f);
	assert_int_equal(f->fx.nfindings, 1);
	x = must(f, "lost-events", SKBT_FX_WARNING, 3);
	ev_num(x, "lost_events", 1500);
	ev_num(x, "lost_markers", 2);
	ev_num(x, "ring_overrun", 1500);
	assert_non_null(strstr(x->text, "1,500 events"));
	fix_free(f);
}

static void test_backlog_drops_and_rps(void **state)
{
	struct fix *f = fix_new(NULL, NULL, NULL);
	const struct skbt_finding *x;
	struct skbt_event e;

	(void)state;
	/* veth0: CPU 0 queues two packets with netif_rx, RPS has CPU 1 receive them */
	feed(f, ev(1000, 0, SKBT_EV_NETIF_RX, VETH0, 0xa00));
	feed(f, ev(1100, 0, SKBT_EV_NETIF_RX, VETH0, 0xb00));
	feed(f, ev(2000, 1, SKBT_EV_NETIF_RECEIVE_SKB, VETH0, 0xa00));
	feed(f, ev(2100, 1, SKBT_EV_NETIF_RECEIVE_SKB, VETH0, 0xb00));
	/* CPU 1's backlog refuses three more: kfree_skb CPU_BACKLOG */
	for (unsigned int i = 0; i < 3; i++) {
		e = ev(3000 + i, 1, SKBT_EV_KFREE_SKB, 0, 0xc00 + i * 256);
		e.u.drop.reason = R_CPU_BACKLOG;
		feed(f, e);
	}
	done(f);
	assert_int_equal(f->fx.nfindings, 2);
	/* the second packet waited behind the first: depth 2 */
	x = must(f, "backlog-drops-cpu1", SKBT_FX_WARNING, 7);
	ev_num(x, "cpu", 1);
	ev_num(x, "kfree_skb_cpu_backlog", 3);
	ev_num(x, "netif_rx_failed", 0);
	ev_num(x, "max_backlog_depth_seen", 2);
	ev_str(x, "rps_dev", "veth0");
	ev_num(x, "rps_steered_here", 2);
	ev_num(x, "rps_dev_backlog_receives", 2);
	x = must(f, "rps-veth0", SKBT_FX_INFO, 4);
	ev_str(x, "dev", "veth0");
	ev_num(x, "steered", 2);
	ev_num(x, "backlog_receives", 2);
	ev_num(x, "steered_to_cpu1", 2);
	assert_non_null(strstr(x->text, "(100 %)"));
	fix_free(f);
}

static void test_backlog_netif_rx_failed(void **state)
{
	struct fix *f = fix_new(NULL, NULL, "sysctl:net.core.netdev_max_backlog=1000\n");
	const struct skbt_finding *x;
	struct skbt_event e;

	(void)state;
	/* netif_rx on CPU 2 returns NET_RX_DROP four times; no RPS */
	for (unsigned int i = 0; i < 4; i++) {
		feed(f, ev(1000 + i, 2, SKBT_EV_NETIF_RX, VETH0, 0xd00 + i * 256));
		e = ev(1000 + i, 2, SKBT_EV_NETIF_RX_EXIT, 0, 0xd00 + i * 256);
		e.u.ret.rc = 1;
		feed(f, e);
	}
	done(f);
	assert_int_equal(f->fx.nfindings, 1);
	x = must(f, "backlog-drops-cpu2", SKBT_FX_WARNING, 5);
	ev_num(x, "cpu", 2);
	ev_num(x, "netif_rx_failed", 4);
	ev_num(x, "kfree_skb_cpu_backlog", 0);
	ev_num(x, "netdev_max_backlog", 1000);
	ev_num(x, "max_backlog_depth_seen", 0);
	assert_non_null(strstr(x->text, "1,000 = netdev_max_backlog"));
	fix_free(f);
}

/*
 * Backlog receives of @n skbs netif_rx'ed on CPU 0, then received in the order @order gives
 * (each twice: the second finds nothing waiting any more).
 */
static uint64_t pending_receives(unsigned int n, unsigned int (*order)(unsigned int, unsigned int))
{
	struct fix *f = fix_new(NULL, NULL, NULL);
	uint64_t deq = 0;

	for (unsigned int i = 0; i < n; i++)
		feed(f, ev(1000 + i, 0, SKBT_EV_NETIF_RX, VETH0, 0xffff888001000000ULL + i * 256));
	for (unsigned int pass = 0; pass < 2; pass++)
		for (unsigned int i = 0; i < n; i++) {
			unsigned int k = order(i, n);

			feed(f, ev(100000 + pass * n + i, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETH0,
				   0xffff888001000000ULL + k * 256));
			if (!pass)
				deq = f->fx.cpus[0].backlog_deq;
		}
	assert_int_equal(f->fx.cpus[0].backlog_deq, deq);
	fix_free(f);
	return deq;
}

static unsigned int forward(unsigned int i, unsigned int n)
{
	(void)n;
	return i;
}

static unsigned int backward(unsigned int i, unsigned int n)
{
	return n - 1 - i;
}

static unsigned int strided(unsigned int i, unsigned int n)
{
	return (unsigned int)((uint64_t)i * 7919 % n);	/* 7919 prime, n not its multiple */
}

/*
 * The table of skbs waiting in a backlog: thousands at once (it grows), found and removed in
 * any order.  An skb whose slot a later one took is not found (the table is direct-mapped),
 * which does not depend on the order of the receives.
 */
static void test_backlog_pending_table(void **state)
{
	uint64_t a = pending_receives(5000, forward);

	(void)state;
	assert_true(a > 4500 && a <= 5000);
	assert_int_equal(pending_receives(5000, backward), a);
	assert_int_equal(pending_receives(5000, strided), a);
}

/* A backlog of 200 at once, received in order: the last waited behind the 199 others. */
static void test_backlog_depth_long(void **state)
{
	struct fix *f = fix_new(NULL, NULL, NULL);

	(void)state;
	for (unsigned int i = 0; i < 200; i++)
		feed(f, ev(1000 + i, 0, SKBT_EV_NETIF_RX, VETH0, 0xffff888002000000ULL + i * 256));
	for (unsigned int i = 0; i < 200; i++)
		feed(f, ev(2000 + i, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETH0,
			   0xffff888002000000ULL + i * 256));
	assert_int_equal(f->fx.cpus[0].backlog_deq, 200);
	assert_int_equal(f->fx.cpus[0].max_depth, 200);
	fix_free(f);
}

static void test_budget_notice(void **state)
{
	struct fix *f = fix_new(NULL, NULL, NULL);
	const struct skbt_finding *x;

	(void)state;
	feed(f, poll(1000, 2, ETH0, 64));
	feed(f, poll(2000, 2, ETH0, 64));
	feed(f, poll(3000, 2, ETH0, 10));
	feed(f, poll(4000, 3, ETH0, 63));	/* not a full poll */
	f->ti.recorded[SKBT_EV_SOFTIRQ_ENTRY] = false;
	done(f);
	assert_int_equal(f->fx.nfindings, 1);
	x = must(f, "budget-cpu2", SKBT_FX_NOTICE, 4);
	ev_num(x, "cpu", 2);
	ev_num(x, "polls", 3);
	ev_num(x, "polls_full", 2);
	ev_num(x, "weight", 64);
	assert_non_null(strstr(x->text, "2 polls used their whole weight (64)"));
	fix_free(f);
}

static void test_budget_squeeze(void **state)
{
	struct fix *f = fix_new("softnet:0:processed=0\nsoftnet:0:time_squeeze=5\n",
				"softnet:0:processed=0\nsoftnet:0:time_squeeze=8\n",
				"sysctl:net.core.netdev_budget=100\n");
	const struct skbt_finding *x;
	struct skbt_event e;

	(void)state;
	/* one NET_RX run polls 2 * 64 packets: over netdev_budget 100 */
	e = ev(1000, 0, SKBT_EV_SOFTIRQ_ENTRY, 0, 0);
	e.u.softirq.vec = NET_RX;
	feed(f, e);
	feed(f, poll(2000, 0, ETH0, 64));
	feed(f, poll(3000, 0, ETH0, 64));
	e = ev(4000, 0, SKBT_EV_SOFTIRQ_EXIT, 0, 0);
	e.u.softirq.vec = NET_RX;
	feed(f, e);
	done(f);
	assert_int_equal(f->fx.cpus[0].softirqs, 1);
	assert_int_equal(f->fx.cpus[0].softirq_ns, 3000);
	assert_int_equal(f->fx.cpus[0].v_squeeze, SKBT_FXV_EXPLAINED);
	assert_int_equal(f->fx.nfindings, 1);
	x = must(f, "budget-cpu0", SKBT_FX_WARNING, 7);
	ev_num(x, "cpu", 0);
	ev_num(x, "softnet_time_squeeze", 3);
	ev_num(x, "polls", 2);
	ev_num(x, "polls_full", 2);
	ev_num(x, "weight", 64);
	ev_num(x, "netdev_budget", 100);
	ev_num(x, "net_rx_runs_over_budget", 1);
	fix_free(f);
}

static void test_gro(void **state)
{
	struct fix *f = fix_new(NULL, NULL, NULL);
	const struct skbt_finding *x;

	(void)state;
	receive(f, 0, ETH0, 4, 10, 1000);
	done(f);
	assert_int_equal(f->fx.nfindings, 1);
	x = must(f, "gro-eth0", SKBT_FX_INFO, 3);
	ev_str(x, "dev", "eth0");
	ev_num(x, "napi_gro_receive_entry", 10);
	ev_num(x, "netif_receive_skb", 4);
	assert_non_null(strstr(x->text, "GRO merged 6 of 10"));
	fix_free(f);
}

static void test_nic_drops(void **state)
{
	static const char start[] = "netdev:-:eth0:rx_packets=0\nnetdev:-:eth0:rx_drop=10\n"
				    "ethtool:-:eth0:rx_missed_errors=0\n";
	static const char stop[] = "netdev:-:eth0:rx_packets=3\nnetdev:-:eth0:rx_drop=17\n"
				   "ethtool:-:eth0:rx_missed_errors=5\n";
	struct fix *f = fix_new(start, stop, NULL);
	const struct skbt_finding *x;

	(void)state;
	receive(f, 0, ETH0, 3, 3, 1000);
	done(f);
	assert_int_equal(f->fx.nfindings, 1);
	x = must(f, "nic-drops-eth0", SKBT_FX_WARNING, 3);
	ev_str(x, "dev", "eth0");
	ev_num(x, "rx_drop_delta", 7);
	ev_num(x, "nic_missed_delta", 5);
	fix_free(f);

	/* the trace saw a drop on eth0: the counters' drops are not invisible, no finding */
	f = fix_new(start, stop, NULL);
	receive(f, 0, ETH0, 3, 3, 1000);
	dropped(f, 1, ETH0, R_NO_SOCKET, LOC_TCP);
	done(f);
	assert_null(find(f, "nic-drops-eth0"));
	assert_non_null(find(f, "drops-1"));
	fix_free(f);
}

static void test_drops(void **state)
{
	struct fix *f = fix_new(NULL, NULL, NULL);
	const struct skbt_finding *x;
	uint64_t id = 1;

	(void)state;
	receive(f, 0, ETH0, 7, 7, 1000);
	for (int i = 0; i < 4; i++)
		dropped(f, id++, ETH0, R_NO_SOCKET, LOC_TCP);
	/* not losses: a closed socket's queue, the raw socket's clone of an echo reply */
	for (int i = 0; i < 2; i++)
		dropped(f, id++, ETH0, R_QUEUE_PURGE, LOC_TCP);
	dropped(f, id++, ETH0, R_NO_SOCKET, LOC_PING);
	done(f);
	assert_int_equal(f->st.ndrops, 3);
	assert_int_equal(f->fx.nfindings, 1);
	x = must(f, "drops-1", SKBT_FX_NOTICE, 4);
	ev_str(x, "reason", "NO_SOCKET");
	ev_str(x, "location", "tcp_v4_rcv");
	ev_str(x, "dev", "eth0");
	ev_num(x, "count", 4);
	assert_string_equal(x->text, "4 packets dropped: NO_SOCKET at tcp_v4_rcv on eth0");
	fix_free(f);
}

static void test_mismatch_dev(void **state)
{
	static const char start[] = "netdev:-:eth0:rx_packets=1000\n";
	static const char stop[] = "netdev:-:eth0:rx_packets=1100\n";
	struct fix *f = fix_new(start, stop, NULL);
	const struct skbt_finding *x;

	(void)state;
	receive(f, 0, ETH0, 10, 0, 1000);
	f->ti.recorded[SKBT_EV_NAPI_GRO_RECEIVE_ENTRY] = false;
	done(f);
	assert_int_equal(f->fx.devs[ETH0].verdict, SKBT_FXV_UNEXPLAINED);
	assert_int_equal(f->fx.nfindings, 1);
	x = must(f, "mismatch-eth0", SKBT_FX_WARNING, 3);
	ev_str(x, "dev", "eth0");
	ev_num(x, "rx_packets_delta", 100);
	ev_num(x, "netif_receive_skb", 10);
	fix_free(f);

	/* the same with events lost: explained, only the lost-events finding */
	f = fix_new(start, stop, NULL);
	receive(f, 0, ETH0, 10, 0, 1000);
	f->ti.recorded[SKBT_EV_NAPI_GRO_RECEIVE_ENTRY] = false;
	f->ti.lost_markers = 1;
	done(f);
	assert_int_equal(f->fx.devs[ETH0].verdict, SKBT_FXV_EXPLAINED);
	assert_int_equal(f->fx.nfindings, 1);
	assert_non_null(find(f, "lost-events"));
	fix_free(f);
}

/*
 * A macvlan on eth0 (the snapshot's iflink names eth0, in the same namespace, not a veth
 * peer): its rx_packets move with no netif_receive_skb of its own, explained by eth0's.
 * The same counters without the link stay unexplained.
 */
static void test_mismatch_lower(void **state)
{
	static const char start[] = "netdev:-:eth0:rx_packets=1000\nnetdev:-:mv0:rx_packets=50\n";
	static const char stop[] = "netdev:-:eth0:rx_packets=1100\nnetdev:-:mv0:rx_packets=150\n";
	static const char linked[] = "iface:-:eth0:ifindex=2\niface:-:eth0:traced=1\n"
		"iface:-:mv0:ifindex=3\niface:-:mv0:traced=1\niface:-:mv0:iflink=2\n"
		"iface:-:mv0:link_netns=-\n";
	static const char unlinked[] = "iface:-:eth0:ifindex=2\niface:-:eth0:traced=1\n"
		"iface:-:mv0:ifindex=3\niface:-:mv0:traced=1\n";

	(void)state;
	for (int link = 1; link >= 0; link--) {
		struct fix *f = fix_new(start, stop, link ? linked : unlinked);
		const struct skbt_fx_dev *mv = NULL;

		receive(f, 0, ETH0, 100, 0, 1000);
		done(f);
		for (unsigned int i = 1; i < f->fx.ndevs; i++)
			if (!strcmp(f->fx.devs[i].name, "mv0"))
				mv = &f->fx.devs[i];
		assert_non_null(mv);
		assert_int_equal(f->fx.devs[ETH0].verdict, SKBT_FXV_MATCH);
		assert_int_equal(mv->verdict, link ? SKBT_FXV_EXPLAINED : SKBT_FXV_UNEXPLAINED);
		if (link)
			assert_non_null(strstr(mv->explain, "received through eth0"));
		assert_int_equal(!!find(f, "mismatch-mv0"), !link);
		fix_free(f);
	}
}

/*
 * Journeys on eth0, a name three namespaces of the snapshot have: an info finding says they
 * may mix them.  One namespace with it, or lo in several: none.
 */
static void test_ambiguous_name(void **state)
{
	static const char three[] = "iface:-:eth0:ifindex=2\niface:a:eth0:ifindex=2\n"
		"iface:b:eth0:ifindex=3\niface:a:veth0:ifindex=4\niface:a:veth0:iflink=9\n";
	static const char one[] = "iface:-:eth0:ifindex=2\niface:a:veth0:ifindex=4\n"
		"iface:b:veth1:ifindex=4\niface:a:veth0:iflink=9\n";

	(void)state;
	for (int amb = 1; amb >= 0; amb--) {
		struct fix *f = fix_new(NULL, NULL, amb ? three : one);
		const struct skbt_finding *x;

		for (unsigned int i = 1; i <= 5; i++)
			consumed(f, i, ETH0);
		consumed(f, 6, VETH0);
		done(f);
		x = find(f, "netns-eth0");
		assert_int_equal(!!x, amb);
		assert_null(find(f, "netns-veth0"));
		if (x) {
			assert_int_equal(x->severity, SKBT_FX_INFO);
			ev_num(x, "namespaces", 3);
			ev_num(x, "journeys", 5);
		}
		fix_free(f);
	}
}

static void test_mismatch_cpu(void **state)
{
	struct fix *f = fix_new("softnet:0:processed=50\n", "softnet:0:processed=52\n", NULL);
	const struct skbt_finding *x;

	(void)state;
	receive(f, 0, ETH0, 10, 10, 1000);
	done(f);
	assert_int_equal(f->fx.cpus[0].v_processed, SKBT_FXV_UNEXPLAINED);
	assert_int_equal(f->fx.nfindings, 1);
	x = must(f, "mismatch-cpu0", SKBT_FX_WARNING, 5);
	ev_num(x, "cpu", 0);
	ev_num(x, "softnet_processed", 2);
	ev_num(x, "netif_receive_skb", 10);
	ev_num(x, "softnet_dropped", 0);
	ev_num(x, "softnet_time_squeeze", 0);
	fix_free(f);
}

/* --redact-devs: findings name devices by the reports' aliases, never the real name */
static void test_redacted_subject(void **state)
{
	struct fix *f = fix_new(NULL, NULL, NULL);
	const struct skbt_finding *x;

	(void)state;
	f->st.names.dev = t_alias;
	receive(f, 0, ETH0, 4, 10, 1000);
	done(f);
	assert_null(find(f, "gro-eth0"));
	x = must(f, "gro-dev1", SKBT_FX_INFO, 3);
	ev_str(x, "dev", "dev1");
	assert_null(strstr(x->text, "eth0"));
	fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_none_counters_match),
		cmocka_unit_test(test_lost_events),
		cmocka_unit_test(test_backlog_drops_and_rps),
		cmocka_unit_test(test_backlog_netif_rx_failed),
		cmocka_unit_test(test_budget_notice),
		cmocka_unit_test(test_budget_squeeze),
		cmocka_unit_test(test_gro),
		cmocka_unit_test(test_nic_drops),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_mismatch_dev),
		cmocka_unit_test(test_mismatch_lower),
		cmocka_unit_test(test_ambiguous_name),
		cmocka_unit_test(test_mismatch_cpu),
		cmocka_unit_test(test_redacted_subject),
		cmocka_unit_test(test_backlog_pending_table),
		cmocka_unit_test(test_backlog_depth_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the journey builder on event sequences written here, each modelled on what a
 * real trace showed (shared/background/observed.md): no kernel, no file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "skbtrail/journey.h"

enum { ETH0 = 1, BRINT, VETHA, VETHB, BR0, LO, VX };

#define SOFT SKBT_CTX_SOFTIRQ
#define PROC 0

struct got {
	struct skbt_journey j[64];
	unsigned int n;
	unsigned int polls;
	uint32_t traced[64];
};

static void on_journey(const struct skbt_journey *j, void *arg)
{
	struct got *g = arg;

	assert_true(g->n < 64);
	g->j[g->n++] = *j;
}

static void on_poll(const struct skbt_event *ev, uint32_t traced, void *arg)
{
	struct got *g = arg;

	(void)ev;
	if (g->polls < 64)
		g->traced[g->polls] = traced;
	g->polls++;
}

struct fix {
	struct skbt_journeys *jb;
	struct got g;
};

/* OVS hints of the tests: pid 700 is a handler thread; the context knows ETH0 and BRINT
 * when ctx_known is set. */
#define HANDLER_PID 700
static bool ctx_known;

static enum skbt_ovs_role t_dev_ovs(unsigned int dev, void *arg)
{
	(void)arg;
	if (!ctx_known)
		return SKBT_OVS_UNKNOWN;
	return dev == ETH0 ? SKBT_OVS_PORT : dev == BRINT ? SKBT_OVS_INTERNAL : SKBT_OVS_NONE;
}

static bool t_ovs_thread(int pid, void *arg)
{
	(void)arg;
	return pid == HANDLER_PID;
}

static struct fix *fix_new_cfg(struct skbt_journeys_config cfg)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct skbt_journeys_cb cb = { .journey = on_journey, .poll = on_poll };

	assert_non_null(f);
	cb.arg = &f->g;
	assert_int_equal(skbt_journeys_new(&cfg, &cb, &f->jb), 0);
	return f;
}

static struct fix *fix_new(bool upcall_events)
{
	ctx_known = false;
	return fix_new_cfg((struct skbt_journeys_config){ .have_upcall_events = upcall_events,
		.have_queue_events = true, .have_poll_events = true, .dev_ovs = t_dev_ovs,
		.ovs_thread = t_ovs_thread });
}

/* A node that runs OVS (its threads are in the file), with the node context or without. */
static struct fix *fix_new_ovs(bool with_context, bool queue_events)
{
	struct fix *f = fix_new_cfg((struct skbt_journeys_config){ .ovs_node = true,
		.have_queue_events = queue_events, .have_poll_events = true, .dev_ovs = t_dev_ovs,
		.ovs_thread = t_ovs_thread });

	ctx_known = with_context;
	return f;
}

static void fix_free(struct fix *f)
{
	skbt_journeys_free(f->jb);
	free(f);
}

static void evp(struct fix *f, uint64_t ts_us, unsigned int cpu, enum skbt_kind kind,
		unsigned int dev, uint64_t skb, uint32_t len, uint8_t ctx, int pid)
{
	struct skbt_event e = {
		.ts = ts_us * 1000, .skb = skb, .cpu = cpu, .ctx = ctx, .kind = kind, .dev = dev,
		.len = len, .pid = pid,
	};

	if (kind == SKBT_EV_NAPI_POLL) {
		e.u.napi.work = len;
		e.u.napi.budget = 64;
		e.len = 0;
	}
	assert_int_equal(skbt_journeys_feed(f->jb, &e), 0);
}

static void ev(struct fix *f, uint64_t ts_us, unsigned int cpu, enum skbt_kind kind,
	       unsigned int dev, uint64_t skb, uint32_t len, uint8_t ctx)
{
	evp(f, ts_us, cpu, kind, dev, skb, len, ctx, 0);
}

static const struct skbt_stage_span *stage(const struct skbt_journey *j, enum skbt_stage s)
{
	for (unsigned int i = 0; i < j->nstages; i++)
		if (j->stages[i].stage == s)
			return &j->stages[i];
	return NULL;
}

static void assert_path(const struct skbt_journey *j, unsigned int n, ...)
{
	va_list ap;

	assert_int_equal(j->ndevs, n);
	va_start(ap, n);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(j->devs[i], va_arg(ap, unsigned int));
	va_end(ap);
}

/* OVS fast path with the four core events (run1-basic): one journey, forward + backlog. */
static void test_ovs_fast_path(void **state)
{
	struct fix *f = fix_new(false);
	const struct skbt_journey *j;

	(void)state;
	ev(f, 0, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0xa600, 228, SOFT);
	ev(f, 914, 0, SKBT_EV_NETIF_RX, BRINT, 0xa600, 228, SOFT);
	ev(f, 1000, 0, SKBT_EV_NAPI_POLL, ETH0, 0x1, 1, SOFT);
	ev(f, 1176, 0, SKBT_EV_NETIF_RECEIVE_SKB, BRINT, 0xa600, 228, SOFT);
	ev(f, 1300, 0, SKBT_EV_NAPI_POLL, SKBT_DEV_NONE, 0x2, 1, SOFT);
	/* the echo reply reuses the address from the stack: a new, transmit-only journey */
	ev(f, 4800, 0, SKBT_EV_NET_DEV_QUEUE, BRINT, 0xa600, 78, PROC);
	ev(f, 4900, 0, SKBT_EV_NET_DEV_QUEUE, ETH0, 0xa600, 78, PROC);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.n, 2);
	j = &f->g.j[0];
	assert_int_equal(j->id, 1);
	assert_int_equal(j->end, SKBT_JEND_REUSED);
	assert_path(j, 2, ETH0, BRINT);
	assert_int_equal(j->nhops, 3);
	assert_non_null(stage(j, SKBT_STAGE_FORWARD));
	assert_int_equal(stage(j, SKBT_STAGE_FORWARD)->ns, 914000);
	assert_int_equal(stage(j, SKBT_STAGE_BACKLOG)->ns, 262000);
	assert_false(j->flags & (SKBT_JF_INCOMPLETE | SKBT_JF_TX_ONLY));
	j = &f->g.j[1];
	assert_true(j->flags & SKBT_JF_TX_ONLY);
	assert_path(j, 2, BRINT, ETH0);
	/* each poll saw the packet once */
	assert_int_equal(f->g.polls, 2);
	assert_int_equal(f->g.traced[0], 1);
	assert_int_equal(f->g.traced[1], 1);
	fix_free(f);
}

/*
 * A poll's traced receives equal its work when GRO holds a packet past the poll that took it
 * in (a full poll does not flush GRO; e2e_4_gro once counted 413 for a work of 412), and
 * a packet that RPS steers into this CPU's own backlog is work of both polls.
 */
static void test_poll_gro_held(void **state)
{
	struct fix *f = fix_new(false);

	(void)state;
	/* held: entry in poll 1 (work 2), flushed with the next entry's packet in poll 2 (work 1) */
	ev(f, 0, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, VETHB, 0xc00, 1400, SOFT);
	ev(f, 1, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, VETHB, 0xd00, 1400, SOFT);
	ev(f, 2, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xd00, 1400, SOFT);
	ev(f, 3, 0, SKBT_EV_NAPI_POLL, VETHB, 0x1, 2, SOFT);
	ev(f, 10, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, VETHB, 0xe00, 1400, SOFT);
	ev(f, 11, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xc00, 1400, SOFT);
	ev(f, 12, 0, SKBT_EV_NETIF_RECEIVE_SKB, BR0, 0xc00, 1400, SOFT);
	ev(f, 13, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xe00, 1400, SOFT);
	ev(f, 14, 0, SKBT_EV_NAPI_POLL, VETHB, 0x1, 1, SOFT);
	/* steered to this CPU's backlog: the device's poll, then the backlog's */
	ev(f, 20, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, VETHB, 0xf00, 1400, SOFT);
	ev(f, 21, 0, SKBT_EV_NAPI_POLL, VETHB, 0x1, 1, SOFT);
	ev(f, 22, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xf00, 1400, SOFT);
	ev(f, 23, 0, SKBT_EV_NAPI_POLL, SKBT_DEV_NONE, 0x2, 1, SOFT);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.polls, 4);
	assert_int_equal(f->g.traced[0], 2);
	assert_int_equal(f->g.traced[1], 1);
	assert_int_equal(f->g.traced[2], 1);
	assert_int_equal(f->g.traced[3], 1);
	/* the held packet's bridge hop is nested in the poll that flushed it */
	assert_int_equal(f->g.n, 4);
	for (unsigned int i = 0; i < f->g.n; i++)
		if (f->g.j[i].hops[0].skb == 0xc00)
			assert_path(&f->g.j[i], 2, VETHB, BR0);
	fix_free(f);
}

/* veth -> Linux bridge: queue(A) -> netif_rx(B) -> xmit(A) -> receive(B) -> receive(br0). */
static void test_veth_bridge(void **state)
{
	struct fix *f = fix_new(false);
	const struct skbt_journey *j;

	(void)state;
	ev(f, 0, 1, SKBT_EV_NET_DEV_QUEUE, VETHA, 0xb00, 242, PROC);
	ev(f, 1, 1, SKBT_EV_NETIF_RX, VETHB, 0xb00, 228, PROC);
	ev(f, 2, 1, SKBT_EV_NET_DEV_XMIT, VETHA, 0xb00, 242, PROC);
	ev(f, 5, 1, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xb00, 228, SOFT);
	ev(f, 7, 1, SKBT_EV_NETIF_RECEIVE_SKB, BR0, 0xb00, 228, SOFT);
	ev(f, 9, 1, SKBT_EV_NAPI_POLL, SKBT_DEV_NONE, 0x2, 1, SOFT);
	ev(f, 30, 0, SKBT_EV_CONSUME_SKB, 0, 0xb00, 0, PROC);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.n, 1);
	j = &f->g.j[0];
	assert_int_equal(j->end, SKBT_JEND_CONSUMED);
	assert_path(j, 2, VETHB, BR0);
	assert_int_equal(j->origin_dev, VETHA);
	assert_int_equal(stage(j, SKBT_STAGE_XMIT)->ns, 1000);
	assert_int_equal(stage(j, SKBT_STAGE_BACKLOG)->ns, 4000);
	assert_int_equal(stage(j, SKBT_STAGE_FORWARD)->ns, 2000);
	assert_int_equal(stage(j, SKBT_STAGE_STACK)->ns, 23000);
	/* the free ran on another CPU in the receiving task: not a CPU change of the packet */
	assert_false(j->flags & SKBT_JF_CPU_CHANGE);
	/* the bridge's nested receive is the same packet of the same poll */
	assert_int_equal(f->g.traced[0], 1);
	fix_free(f);
}

/*
 * The node context's links: VETHA and VETHB are veth peers, ETH0 is linked to neither (its
 * interface is "where" = its id; VETHB is named apart as VETHB_NS once placed).
 */
enum { VETHB_NS = 40 };

static bool t_dev_link(unsigned int from, unsigned int to, int how, int *where, void *arg)
{
	(void)how;
	(void)arg;
	*where = to;
	return from == SKBT_DEV_NONE || from == to || (from == VETHA && to == VETHB) ||
	       (from == VETHB && to == VETHA);
}

static unsigned int t_dev_named(unsigned int dev, int where, void *arg)
{
	(void)arg;
	return dev == VETHB && where == VETHB ? VETHB_NS : dev;
}

/* A transmit continues only onto a device the context links to it. */
static void test_links_need_context(void **state)
{
	struct fix *f = fix_new_cfg((struct skbt_journeys_config){ .have_queue_events = true,
		.have_poll_events = true, .dev_link = t_dev_link, .dev_named = t_dev_named });

	(void)state;
	/* ETH0 to VETHB: nothing connects them, so the address was recycled */
	ev(f, 0, 1, SKBT_EV_NET_DEV_QUEUE, ETH0, 0xd00, 242, PROC);
	ev(f, 1, 1, SKBT_EV_NETIF_RX, VETHB, 0xd00, 228, PROC);
	ev(f, 5, 1, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xd00, 228, SOFT);
	/* VETHA to VETHB: peers */
	ev(f, 10, 1, SKBT_EV_NET_DEV_QUEUE, VETHA, 0xe00, 242, PROC);
	ev(f, 11, 1, SKBT_EV_NETIF_RX, VETHB, 0xe00, 228, PROC);
	ev(f, 15, 1, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xe00, 228, SOFT);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.n, 3);
	assert_int_equal(f->g.j[0].nhops, 1);
	assert_int_equal(f->g.j[0].hops[0].dev, ETH0);
	assert_int_equal(f->g.j[1].nhops, 2);
	assert_path(&f->g.j[1], 1, VETHB_NS);
	assert_int_equal(f->g.j[1].origin_dev, 0);
	assert_int_equal(f->g.j[2].nhops, 3);
	assert_path(&f->g.j[2], 1, VETHB_NS);
	assert_int_equal(f->g.j[2].origin_dev, VETHA);
	assert_int_equal(f->g.j[2].hops[1].where, VETHB);
	fix_free(f);
}

/* Address reuse: a second packet at the same address, even microseconds later, is new. */
static void test_reuse_never_joins(void **state)
{
	struct fix *f = fix_new(false);

	(void)state;
	for (int i = 0; i < 5; i++) {
		uint64_t t = i * 3;

		ev(f, t, 0, SKBT_EV_NETIF_RX, VETHB, 0xc00, 100, PROC);
		ev(f, t + 1, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xc00, 100, SOFT);
	}
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(f->g.j[i].nhops, 2);
		assert_int_equal(f->g.j[i].id, i + 1);
		assert_int_equal(stage(&f->g.j[i], SKBT_STAGE_BACKLOG)->ns, 1000);
	}
	fix_free(f);
}

/* A receive on one device then a transmit in a later poll is the stack's new packet. */
static void test_forward_needs_same_poll(void **state)
{
	struct fix *f = fix_new(false);

	(void)state;
	ev(f, 0, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHA, 0xd00, 100, SOFT);
	ev(f, 5, 0, SKBT_EV_NAPI_POLL, VETHA, 0x1, 1, SOFT);
	ev(f, 20, 0, SKBT_EV_NET_DEV_QUEUE, BR0, 0xd00, 114, SOFT);
	/* same poll: forwarding */
	ev(f, 40, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xe00, 100, SOFT);
	ev(f, 45, 0, SKBT_EV_NET_DEV_QUEUE, VETHA, 0xe00, 114, SOFT);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 3);
	assert_path(&f->g.j[0], 1, VETHA);
	assert_true(f->g.j[1].flags & SKBT_JF_TX_ONLY);
	assert_path(&f->g.j[2], 2, VETHB, VETHA);
	assert_int_equal(stage(&f->g.j[2], SKBT_STAGE_FORWARD)->ns, 5000);
	fix_free(f);
}

/*
 * TCP over a veth pair (seen live, tests/live/fidelity.sh "tcp"): B's ACK is received on
 * VETHA, A's TCP frees it with no event (__kfree_skb()), and B's next ACK, in the same
 * softirq, takes its address.  Received on VETHA then queued on VETHB, same CPU, same poll,
 * lengths 14 apart: a forward by every other sign, but the journey left by VETHB already.
 */
static void test_reply_not_forward(void **state)
{
	struct fix *f = fix_new(false);

	(void)state;
	ev(f, 0, 0, SKBT_EV_NET_DEV_QUEUE, VETHB, 0xa0, 66, SOFT);
	ev(f, 1, 0, SKBT_EV_NETIF_RX, VETHA, 0xa0, 52, SOFT);
	ev(f, 3, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHA, 0xa0, 52, SOFT);
	/* A's next segment, sent while it handled the ACK */
	ev(f, 5, 0, SKBT_EV_NET_DEV_QUEUE, VETHA, 0xb0, 1514, SOFT);
	ev(f, 6, 0, SKBT_EV_NETIF_RX, VETHB, 0xb0, 1500, SOFT);
	ev(f, 8, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xb0, 1500, SOFT);
	/* B's next ACK at the address of the first */
	ev(f, 10, 0, SKBT_EV_NET_DEV_QUEUE, VETHB, 0xa0, 66, SOFT);
	ev(f, 11, 0, SKBT_EV_NETIF_RX, VETHA, 0xa0, 52, SOFT);
	ev(f, 13, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHA, 0xa0, 52, SOFT);
	ev(f, 20, 0, SKBT_EV_NAPI_POLL, SKBT_DEV_NONE, 0x1, 3, SOFT);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.n, 3);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(f->g.j[i].nhops, 3);
		assert_null(stage(&f->g.j[i], SKBT_STAGE_FORWARD));
		assert_non_null(stage(&f->g.j[i], SKBT_STAGE_BACKLOG));
	}
	assert_path(&f->g.j[0], 1, VETHA);
	assert_path(&f->g.j[2], 1, VETHA);
	fix_free(f);
}

/* The node context: VETHA in one namespace; its peer VETHB and the bridge BR0 in another. */
static bool t_ns_link(unsigned int from, unsigned int to, int how, int *where, void *arg)
{
	bool peers = (from == VETHA && to == VETHB) || (from == VETHB && to == VETHA);

	(void)arg;
	*where = to;
	if (from == SKBT_DEV_NONE || from == to)
		return true;
	if (peers && how != SKBT_PASS_FORWARD)
		return true;
	return (from == VETHA) == (to == VETHA);
}

/*
 * A receive is forwarded only to a device of its own namespace: the bridge, never the veth
 * peer in the namespace the packet came from (recorded without net_dev_queue on the way in,
 * so nothing else shows the peer was left by).
 */
static void test_forward_same_netns(void **state)
{
	struct fix *f = fix_new_cfg((struct skbt_journeys_config){ .have_queue_events = true,
		.have_poll_events = true, .dev_link = t_ns_link });

	(void)state;
	ev(f, 0, 0, SKBT_EV_NETIF_RX, VETHB, 0xc0, 100, SOFT);
	ev(f, 2, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xc0, 100, SOFT);
	ev(f, 4, 0, SKBT_EV_NET_DEV_QUEUE, VETHA, 0xc0, 114, SOFT);
	ev(f, 10, 0, SKBT_EV_NETIF_RX, VETHB, 0xd0, 100, SOFT);
	ev(f, 12, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xd0, 100, SOFT);
	ev(f, 14, 0, SKBT_EV_NET_DEV_QUEUE, BR0, 0xd0, 114, SOFT);
	ev(f, 20, 0, SKBT_EV_NAPI_POLL, SKBT_DEV_NONE, 0x1, 2, SOFT);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.n, 3);
	assert_path(&f->g.j[0], 1, VETHB);
	assert_null(stage(&f->g.j[0], SKBT_STAGE_FORWARD));
	assert_true(f->g.j[1].flags & SKBT_JF_TX_ONLY);
	assert_int_equal(f->g.j[1].hops[0].dev, VETHA);
	assert_path(&f->g.j[2], 2, VETHB, BR0);
	assert_int_equal(stage(&f->g.j[2], SKBT_STAGE_FORWARD)->ns, 2000);
	fix_free(f);
}

/* RPS: entry on the IRQ CPU, receive on the other one (no event marks the hand-off). */
static void test_rps_cross_cpu(void **state)
{
	struct fix *f = fix_new(false);
	const struct skbt_journey *j;

	(void)state;
	ev(f, 0, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, ETH0, 0xf00, 228, SOFT);
	ev(f, 10, 0, SKBT_EV_NETIF_RECEIVE_SKB_LIST_ENTRY, ETH0, 0xf00, 228, SOFT);
	ev(f, 12, 0, SKBT_EV_NAPI_POLL, ETH0, 0x1, 1, SOFT);
	/* interleaved: another packet on CPU 1 meanwhile */
	ev(f, 13, 1, SKBT_EV_NETIF_RX, LO, 0x100, 60, PROC);
	ev(f, 40, 1, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0xf00, 228, SOFT);
	ev(f, 41, 1, SKBT_EV_NETIF_RECEIVE_SKB, LO, 0x100, 60, SOFT);
	ev(f, 45, 1, SKBT_EV_NETIF_RX, BRINT, 0xf00, 228, SOFT);
	ev(f, 50, 1, SKBT_EV_NETIF_RECEIVE_SKB, BRINT, 0xf00, 228, SOFT);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.n, 2);
	j = f->g.j[0].skb == 0xf00 ? &f->g.j[0] : &f->g.j[1];
	assert_path(j, 2, ETH0, BRINT);
	assert_true(j->flags & SKBT_JF_CPU_CHANGE);
	assert_int_equal(stage(j, SKBT_STAGE_GRO)->ns, 10000);
	assert_int_equal(stage(j, SKBT_STAGE_RPS)->ns, 30000);
	assert_int_equal(stage(j, SKBT_STAGE_FORWARD)->ns, 5000);
	assert_int_equal(stage(j, SKBT_STAGE_BACKLOG)->ns, 5000);
	fix_free(f);
}

/* GRO: entries merged into another skb are accounted as merged, not lost. */
static void test_gro_merged(void **state)
{
	struct fix *f = fix_new(false);
	unsigned int merged = 0, received = 0;

	(void)state;
	ev(f, 0, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, VETHB, 0x1000, 1500, SOFT);
	ev(f, 1, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, VETHB, 0x2000, 1500, SOFT);
	/* 0x2000 merged into 0x1000; its address is reused at once */
	ev(f, 2, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, VETHB, 0x2000, 1500, SOFT);
	/* 0x3000 chained on 0x1000's frag_list: freed with the head (skb_release_data) */
	ev(f, 3, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, VETHB, 0x3000, 1500, SOFT);
	ev(f, 5, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x1000, 6000, SOFT);
	ev(f, 6, 0, SKBT_EV_NAPI_POLL, VETHB, 0x1, 4, SOFT);
	ev(f, 90, 1, SKBT_EV_CONSUME_SKB, 0, 0x1000, 0, PROC);
	ev(f, 91, 1, SKBT_EV_CONSUME_SKB, 0, 0x3000, 0, PROC);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 4);
	for (unsigned int i = 0; i < f->g.n; i++) {
		merged += f->g.j[i].end == SKBT_JEND_GRO_MERGED;
		received += f->g.j[i].skb == 0x1000;
		if (f->g.j[i].skb == 0x3000)
			assert_int_equal(f->g.j[i].end, SKBT_JEND_GRO_MERGED);
	}
	assert_int_equal(merged, 3);
	assert_int_equal(received, 1);
	fix_free(f);
}

/* Lost events: journeys in flight on that CPU, and the ones starting just after, are marked. */
static void test_lost_marks_incomplete(void **state)
{
	struct fix *f = fix_new(false);
	struct skbt_event lost = { .ts = 20000, .cpu = 0, .kind = SKBT_EV_LOST };

	(void)state;
	ev(f, 0, 0, SKBT_EV_NETIF_RX, VETHB, 0x1, 100, PROC);	/* in flight at the loss */
	ev(f, 1, 1, SKBT_EV_NETIF_RX, VETHB, 0x2, 100, PROC);	/* other CPU: unaffected */
	assert_int_equal(skbt_journeys_feed(f->jb, &lost), 0);
	ev(f, 21, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x3, 100, SOFT);	/* headless */
	ev(f, 22, 0, SKBT_EV_NAPI_POLL, SKBT_DEV_NONE, 0x9, 2, SOFT);
	ev(f, 23, 0, SKBT_EV_NAPI_POLL, SKBT_DEV_NONE, 0x9, 0, SOFT);
	ev(f, 30, 0, SKBT_EV_NETIF_RX, VETHB, 0x4, 100, PROC);		/* after the window */
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 4);
	for (unsigned int i = 0; i < f->g.n; i++) {
		const struct skbt_journey *j = &f->g.j[i];
		bool inc = j->flags & SKBT_JF_INCOMPLETE;

		if (j->skb == 0x1 || j->skb == 0x3)
			assert_true(inc);
		else
			assert_false(inc);
	}
	assert_int_equal(skbt_journeys_counters(f->jb)->lost_markers, 1);
	fix_free(f);
}

/* A journey idle long before the loss only waits for its free: it stays measurable. */
static void test_lost_spares_idle(void **state)
{
	struct fix *f = fix_new(false);
	struct skbt_event lost = { .ts = 300000000, .cpu = 0, .kind = SKBT_EV_LOST };

	(void)state;
	ev(f, 0, 0, SKBT_EV_NETIF_RX, VETHB, 0x1, 100, PROC);
	ev(f, 5, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x1, 100, SOFT);
	ev(f, 299990, 0, SKBT_EV_NETIF_RX, VETHB, 0x2, 100, PROC);	/* 10 us before */
	assert_int_equal(skbt_journeys_feed(f->jb, &lost), 0);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 2);
	assert_false(f->g.j[0].flags & SKBT_JF_INCOMPLETE);
	assert_non_null(stage(&f->g.j[0], SKBT_STAGE_BACKLOG));
	assert_true(f->g.j[1].flags & SKBT_JF_INCOMPLETE);
	fix_free(f);
}

/* OVS upcall with openvswitch events (run4-upcall): linked with high confidence. */
static void test_upcall_link_full(void **state)
{
	struct fix *f = fix_new(true);
	const struct skbt_journey *j = NULL;

	(void)state;
	ev(f, 0, 0, SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, ETH0, 0xaa00, 228, SOFT);
	ev(f, 400, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0xaa00, 228, SOFT);
	ev(f, 650, 0, SKBT_EV_OVS_DP_UPCALL, ETH0, 0xaa00, 242, SOFT);
	ev(f, 1100, 0, SKBT_EV_CONSUME_SKB, 0, 0xaa00, 0, SOFT);
	ev(f, 1200, 0, SKBT_EV_NAPI_POLL, ETH0, 0x1, 1, SOFT);
	/* ovs-vswitchd's handler: a netlink skb freed at the new address first */
	ev(f, 1700, 1, SKBT_EV_CONSUME_SKB, 0, 0x3f00, 0, PROC);
	ev(f, 3600, 1, SKBT_EV_OVS_DO_EXECUTE_ACTION, ETH0, 0x3f00, 242, PROC);
	ev(f, 3650, 1, SKBT_EV_NETIF_RX_ENTRY, BRINT, 0x3f00, 228, PROC);
	ev(f, 3670, 1, SKBT_EV_NETIF_RX, BRINT, 0x3f00, 228, PROC);
	ev(f, 3740, 1, SKBT_EV_NETIF_RECEIVE_SKB, BRINT, 0x3f00, 228, SOFT);
	ev(f, 4850, 1, SKBT_EV_CONSUME_SKB, 0, 0x3f00, 0, PROC);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.n, 1);
	j = &f->g.j[0];
	assert_true(j->flags & SKBT_JF_LINKED);
	assert_int_equal(j->link_conf, SKBT_LINK_HIGH);
	assert_int_equal(j->end, SKBT_JEND_CONSUMED);
	assert_path(j, 2, ETH0, BRINT);
	assert_int_equal(stage(j, SKBT_STAGE_UPCALL)->ns, 2950000);
	assert_int_equal(stage(j, SKBT_STAGE_BACKLOG)->ns, 70000);
	assert_int_equal(stage(j, SKBT_STAGE_STACK)->ns, 1110000);
	assert_int_equal(skbt_journeys_counters(f->jb)->upcalls_linked, 1);
	fix_free(f);
}

/* Without openvswitch events: a receive that went nowhere, then a process-context netif_rx
 * of the same length by an ovs-vswitchd handler thread, linked with low confidence. */
static void test_upcall_link_core(void **state)
{
	struct fix *f;
	const struct skbt_journey *j;

	(void)state;
	f = fix_new_ovs(false, true);
	ev(f, 0, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0xaa00, 228, SOFT);
	ev(f, 10, 0, SKBT_EV_NAPI_POLL, ETH0, 0x1, 1, SOFT);
	evp(f, 3000, 1, SKBT_EV_NETIF_RX, BRINT, 0x3f00, 228, PROC, HANDLER_PID);
	ev(f, 3100, 1, SKBT_EV_NETIF_RECEIVE_SKB, BRINT, 0x3f00, 228, SOFT);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 1);
	j = &f->g.j[0];
	assert_true(j->flags & SKBT_JF_LINKED);
	assert_int_equal(j->link_conf, SKBT_LINK_LOW);
	assert_int_equal(j->link_ev, 1u << SKBT_LINK_EV_THREAD);
	assert_path(j, 2, ETH0, BRINT);
	assert_int_equal(stage(j, SKBT_STAGE_UPCALL)->ns, 3000000);
	fix_free(f);
}

/*
 * The same on a node whose context lists the datapath: two pieces of evidence, medium.  The
 * original's address is taken by the next packet before ovs-vswitchd answers (the four core
 * events have no free): it is set aside, not ended, and still linked.
 */
static void test_upcall_link_context_reuse(void **state)
{
	struct fix *f = fix_new_ovs(true, true);
	const struct skbt_journey *j;

	(void)state;
	ev(f, 0, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0xaa00, 228, SOFT);
	ev(f, 10, 0, SKBT_EV_NAPI_POLL, ETH0, 0x1, 1, SOFT);
	ev(f, 500, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0xaa00, 300, SOFT);	/* reuse */
	ev(f, 510, 0, SKBT_EV_NAPI_POLL, ETH0, 0x1, 1, SOFT);
	evp(f, 3000, 1, SKBT_EV_NETIF_RX, BRINT, 0x3f00, 228, PROC, HANDLER_PID);
	ev(f, 3100, 1, SKBT_EV_NETIF_RECEIVE_SKB, BRINT, 0x3f00, 228, SOFT);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 2);
	j = f->g.j[0].id == 1 ? &f->g.j[0] : &f->g.j[1];
	assert_true(j->flags & SKBT_JF_LINKED);
	assert_int_equal(j->link_conf, SKBT_LINK_MEDIUM);
	assert_int_equal(j->link_ev, 1u << SKBT_LINK_EV_THREAD | 1u << SKBT_LINK_EV_CONTEXT);
	assert_path(j, 2, ETH0, BRINT);
	assert_int_equal(skbt_journeys_counters(f->jb)->links_by_ev[SKBT_LINK_EV_CONTEXT], 1);
	fix_free(f);
}

/*
 * With frees recorded, the upcall's original is consumed in its receive's softirq; the
 * re-injected packet comes from a task whose comm was lost (saved_cmdlines overflow), but the
 * fast path seen earlier in the trace named eth0 and br-int.
 */
static void test_upcall_link_freed_fast_path(void **state)
{
	struct fix *f = fix_new_ovs(false, true);
	const struct skbt_journey *j;

	(void)state;
	/* a fast-path packet teaches eth0 -> br-int */
	ev(f, 0, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0x100, 228, SOFT);
	ev(f, 5, 0, SKBT_EV_NETIF_RX, BRINT, 0x100, 228, SOFT);
	ev(f, 9, 0, SKBT_EV_NAPI_POLL, ETH0, 0x1, 1, SOFT);
	ev(f, 20, 0, SKBT_EV_NETIF_RECEIVE_SKB, BRINT, 0x100, 228, SOFT);
	ev(f, 25, 0, SKBT_EV_NAPI_POLL, SKBT_DEV_NONE, 0x2, 1, SOFT);
	evp(f, 40, 1, SKBT_EV_CONSUME_SKB, SKBT_DEV_NONE, 0x100, 0, PROC, 1234);
	/* the miss */
	ev(f, 1000, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0xaa00, 228, SOFT);
	ev(f, 1010, 0, SKBT_EV_CONSUME_SKB, SKBT_DEV_NONE, 0xaa00, 0, SOFT);
	ev(f, 1020, 0, SKBT_EV_NAPI_POLL, ETH0, 0x1, 1, SOFT);
	evp(f, 4000, 1, SKBT_EV_NETIF_RX, BRINT, 0x3f00, 228, PROC, 999);
	ev(f, 4100, 1, SKBT_EV_NETIF_RECEIVE_SKB, BRINT, 0x3f00, 228, SOFT);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 2);
	j = &f->g.j[1];
	assert_true(j->flags & SKBT_JF_LINKED);
	assert_int_equal(j->link_conf, SKBT_LINK_LOW);
	assert_int_equal(j->link_ev, 1u << SKBT_LINK_EV_TRACE | 1u << SKBT_LINK_EV_FREED);
	assert_path(j, 2, ETH0, BRINT);
	fix_free(f);
}

/*
 * A transmit-side miss without openvswitch events: the host's packet queued on the internal
 * port goes nowhere; the handler thread queues the packet it executes on eth0.  The fast
 * path taught that br-int is an internal port; a fast-path transmit is no candidate (it moved
 * on to eth0 at once).
 */
static void test_upcall_link_tx(void **state)
{
	struct fix *f = fix_new_ovs(false, true);
	const struct skbt_journey *j = NULL;

	(void)state;
	ev(f, 0, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0x100, 228, SOFT);
	ev(f, 5, 0, SKBT_EV_NETIF_RX, BRINT, 0x100, 228, SOFT);
	ev(f, 20, 0, SKBT_EV_NETIF_RECEIVE_SKB, BRINT, 0x100, 228, SOFT);
	evp(f, 40, 1, SKBT_EV_CONSUME_SKB, SKBT_DEV_NONE, 0x100, 0, PROC, 1234);
	evp(f, 100, 1, SKBT_EV_NET_DEV_QUEUE, BRINT, 0x5, 90, PROC, 1234);	/* fast path */
	evp(f, 110, 1, SKBT_EV_NET_DEV_QUEUE, ETH0, 0x5, 90, PROC, 1234);
	evp(f, 200, 1, SKBT_EV_NET_DEV_QUEUE, BRINT, 0x6, 90, PROC, 1234);	/* the miss */
	evp(f, 2200, 0, SKBT_EV_NET_DEV_QUEUE, ETH0, 0x7, 90, PROC, HANDLER_PID);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 3);
	for (unsigned int i = 0; i < f->g.n; i++)
		if (f->g.j[i].flags & SKBT_JF_LINKED)
			j = &f->g.j[i];
	assert_non_null(j);
	assert_int_equal(j->skb, 0x6);
	assert_true(j->flags & SKBT_JF_TX_ONLY);
	assert_path(j, 2, BRINT, ETH0);
	assert_int_equal(stage(j, SKBT_STAGE_UPCALL)->ns, 2000000);
	fix_free(f);
}

/*
 * Recorded without napi_poll (netif_rx and netif_receive_skb only): the OVS fast path stays
 * one journey, and the next packet received on eth0 at the same address after its delivery on
 * br-int starts a journey of its own (a packet is never received twice on one device, and a
 * hand-off is the CPU's next event).
 */
static void test_no_poll_events(void **state)
{
	struct fix *f = fix_new_cfg((struct skbt_journeys_config){ 0 });

	(void)state;
	for (int k = 0; k < 3; k++) {
		uint64_t t = k * 1000;

		ev(f, t, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0x100, 228, SOFT);
		ev(f, t + 5, 0, SKBT_EV_NETIF_RX, BRINT, 0x100, 228, SOFT);
		ev(f, t + 20, 0, SKBT_EV_NETIF_RECEIVE_SKB, BRINT, 0x100, 228, SOFT);
	}
	/* a bridge port then its master, right after each other: one journey */
	ev(f, 5000, 1, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x200, 100, SOFT);
	ev(f, 5001, 1, SKBT_EV_NETIF_RECEIVE_SKB, BR0, 0x200, 100, SOFT);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 4);
	for (unsigned int i = 0; i < 3; i++) {
		assert_path(&f->g.j[i], 2, ETH0, BRINT);
		assert_non_null(stage(&f->g.j[i], SKBT_STAGE_BACKLOG));
	}
	assert_path(&f->g.j[3], 2, VETHB, BR0);
	fix_free(f);
}

/*
 * No phantom links (veth into a bridge with IP on br0, recorded without net_dev_queue or
 * frees): a datagram delivered at br0, then the next datagram's netif_rx(vethB) from the
 * sender's task reuses its address.  Not an OVS node: two journeys, no upcall stage.  On an
 * OVS node the sender is no ovs-vswitchd thread and vethB no internal port: the same.
 */
static void test_no_phantom_upcall(void **state)
{
	for (int ovs = 0; ovs < 2; ovs++) {
		struct fix *f = ovs ? fix_new_ovs(false, false) : fix_new(false);

		(void)state;
		for (int k = 0; k < 2; k++) {
			uint64_t t = k * 1000;

			evp(f, t, 0, SKBT_EV_NETIF_RX, VETHB, 0x700, 100, PROC, 4321);
			ev(f, t + 20, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x700, 100, SOFT);
			ev(f, t + 25, 0, SKBT_EV_NETIF_RECEIVE_SKB, BR0, 0x700, 100, SOFT);
			ev(f, t + 30, 0, SKBT_EV_NAPI_POLL, SKBT_DEV_NONE, 0x2, 1, SOFT);
		}
		skbt_journeys_finish(f->jb);
		assert_int_equal(f->g.n, 2);
		for (unsigned int i = 0; i < 2; i++) {
			assert_false(f->g.j[i].flags & SKBT_JF_LINKED);
			assert_path(&f->g.j[i], 2, VETHB, BR0);
			assert_non_null(stage(&f->g.j[i], SKBT_STAGE_BACKLOG));
			assert_null(stage(&f->g.j[i], SKBT_STAGE_UPCALL));
		}
		fix_free(f);
	}
}

/* A retransmitted skb at the same address never makes a tx loop br-int>eth0>br-int. */
static void test_tx_nesting_no_loop(void **state)
{
	struct fix *f = fix_new(false);

	(void)state;
	ev(f, 0, 0, SKBT_EV_NET_DEV_QUEUE, BRINT, 0x5, 90, PROC);
	ev(f, 60, 0, SKBT_EV_NET_DEV_QUEUE, ETH0, 0x5, 90, PROC);
	ev(f, 250000, 0, SKBT_EV_NET_DEV_QUEUE, BRINT, 0x5, 90, PROC);
	ev(f, 250060, 0, SKBT_EV_NET_DEV_QUEUE, ETH0, 0x5, 90, PROC);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 2);
	assert_path(&f->g.j[0], 2, BRINT, ETH0);
	assert_path(&f->g.j[1], 2, BRINT, ETH0);
	fix_free(f);
}

/*
 * Software GSO over veth, recorded with net_dev_start_xmit (--events full): each segment
 * is a new skb first seen at start_xmit; its own net_dev_xmit completes that transmit (it
 * was a journey of its own, a single start_xmit hop "reused" by it).
 */
static void test_gso_segment_start_xmit(void **state)
{
	struct fix *f = fix_new(false);

	(void)state;
	ev(f, 0, 0, SKBT_EV_NET_DEV_QUEUE, VETHA, 0x10, 2962, PROC);	/* the GSO skb */
	for (uint64_t k = 0; k < 2; k++) {
		uint64_t seg = 0x20 + k * 0x10, t = 10 + k * 10;

		ev(f, t, 0, SKBT_EV_NET_DEV_START_XMIT, VETHA, seg, 1514, PROC);
		ev(f, t + 1, 0, SKBT_EV_NETIF_RX, VETHB, seg, 1500, PROC);
		ev(f, t + 2, 0, SKBT_EV_NET_DEV_XMIT, VETHA, seg, 1514, PROC);
	}
	ev(f, 40, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x20, 1500, SOFT);
	ev(f, 41, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x30, 1500, SOFT);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 3);
	for (unsigned int i = 0; i < f->g.n; i++) {
		const struct skbt_journey *j = &f->g.j[i];

		if (j->skb == 0x10) {
			assert_int_equal(j->nhops, 1);
			continue;
		}
		assert_int_equal(j->nhops, 4);
		assert_path(j, 1, VETHB);
		assert_non_null(stage(j, SKBT_STAGE_BACKLOG));
	}
	fix_free(f);
}

/*
 * A tunnel over veth: vxlan pushes 50 bytes and hands the skb to the veth's
 * dev_queue_xmit() (its queueing starts a journey of its own), so the veth's net_dev_xmit
 * comes first and the tunnel's after it.  That completion is no packet: the received
 * packet keeps its journey and backlog stage, with each event set that has net_dev_xmit.
 * At the same address after another skb's event on that CPU, or on another CPU, it is.
 */
static void test_stacked_completion(void **state)
{
	(void)state;
	for (int queue_events = 1; queue_events >= 0; queue_events--) {
		struct fix *f = fix_new_cfg((struct skbt_journeys_config){
			.have_queue_events = queue_events, .have_poll_events = true });
		unsigned int rx = queue_events ? 1 : 0;

		if (queue_events) {
			ev(f, 0, 0, SKBT_EV_NET_DEV_QUEUE, VX, 0x40, 100, PROC);
			ev(f, 1, 0, SKBT_EV_NET_DEV_START_XMIT, VX, 0x40, 100, PROC);
			ev(f, 2, 0, SKBT_EV_NET_DEV_QUEUE, VETHA, 0x40, 150, PROC);
			ev(f, 3, 0, SKBT_EV_NET_DEV_START_XMIT, VETHA, 0x40, 150, PROC);
		}
		ev(f, 4, 0, SKBT_EV_NETIF_RX, VETHB, 0x40, 136, PROC);
		ev(f, 5, 0, SKBT_EV_NET_DEV_XMIT, VETHA, 0x40, 150, PROC);
		ev(f, 6, 0, SKBT_EV_NET_DEV_XMIT, VX, 0x40, 100, PROC);
		ev(f, 20, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x40, 136, SOFT);
		skbt_journeys_finish(f->jb);
		assert_int_equal(skbt_journeys_counters(f->jb)->stacked_xmits, 1);
		assert_int_equal(f->g.n, 1 + rx);
		if (rx)	/* tx:VX, ended by the veth's queueing */
			assert_path(&f->g.j[0], 1, VX);
		assert_path(&f->g.j[rx], 1, VETHB);
		assert_non_null(stage(&f->g.j[rx], SKBT_STAGE_BACKLOG));
		fix_free(f);
	}
	/*
	 * Without net_dev_queue, not right after the lower device's completion on that CPU
	 * (another skb's event between, another CPU, 1.1 ms later: a tun reader freed it and
	 * the address went to the next packet), or shorter by more than a tunnel's headers: a
	 * new packet.
	 */
	for (int k = 0; k < 4; k++) {
		struct fix *f = fix_new_cfg((struct skbt_journeys_config){
			.have_queue_events = false, .have_poll_events = true });

		ev(f, 4, 0, SKBT_EV_NETIF_RX, VETHB, 0x50, 236, PROC);
		ev(f, 5, 0, SKBT_EV_NET_DEV_XMIT, VETHA, 0x50, 250, PROC);
		if (k == 0)
			ev(f, 6, 0, SKBT_EV_NETIF_RX, VETHB, 0x60, 136, PROC);
		ev(f, k == 2 ? 1105 : 7, k == 1, SKBT_EV_NET_DEV_XMIT, VX, 0x50, k == 3 ? 50 : 200,
		   PROC);
		skbt_journeys_finish(f->jb);
		assert_int_equal(skbt_journeys_counters(f->jb)->stacked_xmits, 0);
		assert_int_equal(f->g.n, k == 0 ? 3 : 2);
		fix_free(f);
	}
}

/*
 * The tunnel over a lower device that segments in software: the GSO skb queued on the
 * veth is consumed by validate_xmit_skb(), its segments (other addresses) go out, and the
 * tunnel's completion comes at the consumed address: no journey of its own either.
 */
static void test_stacked_after_gso(void **state)
{
	struct fix *f = fix_new(false);

	(void)state;
	ev(f, 0, 0, SKBT_EV_NET_DEV_QUEUE, VX, 0x80, 2900, PROC);
	ev(f, 1, 0, SKBT_EV_NET_DEV_START_XMIT, VX, 0x80, 2900, PROC);
	ev(f, 2, 0, SKBT_EV_NET_DEV_QUEUE, VETHA, 0x80, 2950, PROC);
	ev(f, 3, 0, SKBT_EV_CONSUME_SKB, SKBT_DEV_NONE, 0x80, 0, PROC);
	for (uint64_t k = 0; k < 2; k++) {
		uint64_t seg = 0x90 + k * 0x10, t = 10 + k * 200;	/* slow: past 100 us */

		ev(f, t, 0, SKBT_EV_NET_DEV_START_XMIT, VETHA, seg, 1514, PROC);
		ev(f, t + 1, 0, SKBT_EV_NETIF_RX, VETHB, seg, 1500, PROC);
		ev(f, t + 2, 0, SKBT_EV_NET_DEV_XMIT, VETHA, seg, 1514, PROC);
	}
	ev(f, 300, 0, SKBT_EV_NET_DEV_XMIT, VX, 0x80, 2900, PROC);
	skbt_journeys_finish(f->jb);
	assert_int_equal(skbt_journeys_counters(f->jb)->stacked_xmits, 1);
	/* tx:VX, the GSO skb on the veth (consumed), two segments */
	assert_int_equal(f->g.n, 4);
	for (unsigned int i = 0; i < f->g.n; i++)
		assert_false(f->g.j[i].nhops == 1 && f->g.j[i].hops[0].kind == SKBT_EV_NET_DEV_XMIT);
	fix_free(f);
}

/*
 * Without net_dev_queue, a bridge's completion after its veth port's, whose peer's netif_rx
 * is the chain's last hop (the port's completion is an annotation): the context links the
 * bridge to its port, not to the peer in another namespace.  One journey.
 */
static bool t_port_link(unsigned int from, unsigned int to, int how, int *where, void *arg)
{
	(void)how;
	(void)arg;
	*where = to;
	return from == to || (from == VETHA && to == VETHB) || (from == VETHB && to == VETHA) ||
	       (from == VETHA && to == BR0) || (from == BR0 && to == VETHA);
}

static void test_master_after_port(void **state)
{
	struct fix *f = fix_new_cfg((struct skbt_journeys_config){ .have_poll_events = true,
		.dev_link = t_port_link });

	(void)state;
	ev(f, 0, 1, SKBT_EV_NETIF_RX, VETHB, 0xa0, 100, PROC);
	ev(f, 1, 1, SKBT_EV_NET_DEV_XMIT, VETHA, 0xa0, 114, PROC);
	ev(f, 2, 1, SKBT_EV_NET_DEV_XMIT, BR0, 0xa0, 114, PROC);
	ev(f, 9, 1, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0xa0, 100, SOFT);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 1);
	assert_path(&f->g.j[0], 1, VETHB);
	assert_non_null(stage(&f->g.j[0], SKBT_STAGE_BACKLOG));
	fix_free(f);
}

/* Loopback: queue(lo) -> netif_rx(lo) on the same CPU is one journey. */
static void test_loopback(void **state)
{
	struct fix *f = fix_new(false);

	(void)state;
	ev(f, 0, 0, SKBT_EV_NET_DEV_QUEUE, LO, 0x7, 74, PROC);
	ev(f, 1, 0, SKBT_EV_NETIF_RX, LO, 0x7, 60, PROC);
	ev(f, 2, 0, SKBT_EV_NET_DEV_XMIT, LO, 0x7, 74, PROC);
	ev(f, 3, 0, SKBT_EV_NETIF_RECEIVE_SKB, LO, 0x7, 60, SOFT);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 1);
	assert_path(&f->g.j[0], 1, LO);
	assert_non_null(stage(&f->g.j[0], SKBT_STAGE_BACKLOG));
	fix_free(f);
}

/* A drop ends the journey with its reason; a free of an unknown address is an orphan. */
static void test_drop(void **state)
{
	struct fix *f = fix_new(false);
	struct skbt_event k = { .ts = 9000, .skb = 0x8, .cpu = 0, .kind = SKBT_EV_KFREE_SKB };

	(void)state;
	ev(f, 0, 0, SKBT_EV_NETIF_RX, VETHB, 0x8, 100, PROC);
	ev(f, 5, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x8, 100, SOFT);
	k.u.drop.reason = 7;
	assert_int_equal(skbt_journeys_feed(f->jb, &k), 0);
	k.skb = 0x99;
	assert_int_equal(skbt_journeys_feed(f->jb, &k), 0);
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 1);
	assert_int_equal(f->g.j[0].end, SKBT_JEND_DROPPED);
	assert_int_equal(f->g.j[0].drop_reason, 7);
	assert_int_equal(stage(&f->g.j[0], SKBT_STAGE_STACK)->ns, 4000);
	assert_int_equal(skbt_journeys_counters(f->jb)->orphan_drops, 1);
	fix_free(f);
}

/*
 * The socket stage: veth B receives, the reader (pid 900, another CPU) copies the datagram out
 * of its socket, then frees it.  socket = receive -> first copy; stack still receive -> free;
 * the copy has the receive's device, is no CPU change and no new journey.  A copy of an
 * address with no journey, or after a transmit, is ignored.
 */
static void test_socket(void **state)
{
	struct fix *f = fix_new(false);
	const struct skbt_journey *j;

	(void)state;
	ev(f, 0, 0, SKBT_EV_NET_DEV_QUEUE, VETHA, 0x5, 128, PROC);
	ev(f, 1, 0, SKBT_EV_NETIF_RX, VETHB, 0x5, 114, PROC);
	ev(f, 4, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x5, 114, SOFT);
	evp(f, 40, 1, SKBT_EV_SKB_COPY_DATAGRAM_IOVEC, SKBT_DEV_NONE, 0x5, 86, PROC, 900);
	evp(f, 41, 1, SKBT_EV_SKB_COPY_DATAGRAM_IOVEC, SKBT_DEV_NONE, 0x5, 86, PROC, 900);
	evp(f, 45, 1, SKBT_EV_CONSUME_SKB, SKBT_DEV_NONE, 0x5, 0, PROC, 900);
	evp(f, 50, 1, SKBT_EV_SKB_COPY_DATAGRAM_IOVEC, SKBT_DEV_NONE, 0x77, 10, PROC, 900);
	ev(f, 60, 0, SKBT_EV_NET_DEV_QUEUE, VETHA, 0x6, 128, PROC);
	evp(f, 61, 0, SKBT_EV_SKB_COPY_DATAGRAM_IOVEC, SKBT_DEV_NONE, 0x6, 100, PROC, 900);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.n, 2);
	j = &f->g.j[0];
	assert_int_equal(j->end, SKBT_JEND_CONSUMED);
	assert_int_equal(j->nhops, 6);
	assert_int_equal(j->hops[3].kind, SKBT_EV_SKB_COPY_DATAGRAM_IOVEC);
	assert_int_equal(j->hops[3].dev, VETHB);
	assert_non_null(stage(j, SKBT_STAGE_SOCKET));
	assert_int_equal(stage(j, SKBT_STAGE_SOCKET)->from, 2);
	assert_int_equal(stage(j, SKBT_STAGE_SOCKET)->to, 3);
	assert_int_equal(stage(j, SKBT_STAGE_SOCKET)->ns, 36000);
	assert_int_equal(stage(j, SKBT_STAGE_STACK)->from, 2);
	assert_int_equal(stage(j, SKBT_STAGE_STACK)->ns, 41000);
	assert_false(j->flags & SKBT_JF_CPU_CHANGE);
	assert_path(j, 1, VETHB);
	j = &f->g.j[1];
	assert_int_equal(j->nhops, 1);	/* the transmit-only journey took no copy */
	assert_null(stage(j, SKBT_STAGE_SOCKET));
	fix_free(f);
}

/* Free locations of the tests: NL_LOC frees only netlink messages (control plane). */
#define NL_LOC 0xffffffff81100000ULL
#define UDP_LOC 0xffffffff81200000ULL

static bool t_control_free(uint64_t location, void *arg)
{
	(void)arg;
	return location == NL_LOC;
}

static void free_at(struct fix *f, uint64_t ts_us, unsigned int cpu, enum skbt_kind kind,
		    uint64_t skb, uint64_t loc, uint16_t protocol, int pid)
{
	struct skbt_event e = { .ts = ts_us * 1000, .skb = skb, .cpu = cpu, .kind = kind,
		.dev = SKBT_DEV_NONE, .pid = pid };

	e.u.drop.location = loc;
	e.u.drop.protocol = protocol;
	assert_int_equal(skbt_journeys_feed(f->jb, &e), 0);
}

/*
 * A datagram delivered on a tap is freed untraced (6.18); 100 ms later `ip` (pid 50) peeks at
 * a netlink reply at the same address (0 bytes: no copy), copies it (1160 bytes) and frees it
 * in netlink_recvmsg(): the free is not the datagram's, nor the copy the same task made just
 * before it.  A second one: `ip` copies a 36-byte ACK
 * (fits) and frees it in netlink code: the copy goes with the free.  A third: a reader copies
 * 86 bytes and its free has an ordinary location: both join.  A kfree_skb with a protocol
 * joins even at a netlink location.
 */
static void test_no_phantom_free(void **state)
{
	struct fix *f = fix_new_cfg((struct skbt_journeys_config){ .have_queue_events = true,
		.have_poll_events = true, .control_free = t_control_free });
	const struct skbt_journeys_counters *c;

	(void)state;
	evp(f, 0, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x1, 250, PROC, 40);
	evp(f, 100000, 0, SKBT_EV_SKB_COPY_DATAGRAM_IOVEC, SKBT_DEV_NONE, 0x1, 0, PROC, 50);
	evp(f, 100001, 0, SKBT_EV_SKB_COPY_DATAGRAM_IOVEC, SKBT_DEV_NONE, 0x1, 1160, PROC, 50);
	free_at(f, 100002, 0, SKBT_EV_CONSUME_SKB, 0x1, NL_LOC, 0, 50);

	evp(f, 100005, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x2, 250, SOFT, 0);
	evp(f, 200010, 1, SKBT_EV_SKB_COPY_DATAGRAM_IOVEC, SKBT_DEV_NONE, 0x2, 36, PROC, 50);
	free_at(f, 200011, 1, SKBT_EV_CONSUME_SKB, 0x2, NL_LOC, 0, 50);

	evp(f, 200020, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x3, 114, SOFT, 0);
	evp(f, 200030, 1, SKBT_EV_SKB_COPY_DATAGRAM_IOVEC, SKBT_DEV_NONE, 0x3, 86, PROC, 900);
	free_at(f, 200031, 1, SKBT_EV_CONSUME_SKB, 0x3, UDP_LOC, 0, 900);

	evp(f, 200040, 0, SKBT_EV_NETIF_RECEIVE_SKB, VETHB, 0x4, 114, SOFT, 0);
	free_at(f, 200045, 0, SKBT_EV_KFREE_SKB, 0x4, NL_LOC, 0x0800, 0);
	skbt_journeys_finish(f->jb);

	assert_int_equal(f->g.n, 4);
	for (unsigned int i = 0; i < f->g.n; i++) {
		const struct skbt_journey *j = &f->g.j[i];

		switch (j->skb) {
		case 0x1:
		case 0x2:
			assert_int_equal(j->end, SKBT_JEND_REUSED);
			assert_int_equal(j->nhops, 1);
			assert_null(stage(j, SKBT_STAGE_SOCKET));
			assert_null(stage(j, SKBT_STAGE_STACK));
			break;
		case 0x3:
			assert_int_equal(j->end, SKBT_JEND_CONSUMED);
			assert_int_equal(j->nhops, 3);
			assert_int_equal(stage(j, SKBT_STAGE_SOCKET)->ns, 10000);
			assert_int_equal(stage(j, SKBT_STAGE_STACK)->ns, 11000);
			break;
		default:
			assert_int_equal(j->skb, 0x4);
			assert_int_equal(j->end, SKBT_JEND_DROPPED);
			break;
		}
	}
	c = skbt_journeys_counters(f->jb);
	assert_int_equal(c->frees_not_joined, 2);
	assert_int_equal(c->copies_not_joined, 1);
	assert_int_equal(c->orphan_frees, 2);
	fix_free(f);
}

/* Many packets in flight, then idle expiry: memory follows what is in flight. */
static void test_bounded_in_flight(void **state)
{
	struct fix *f = fix_new(false);
	const struct skbt_journeys_counters *c;

	(void)state;
	f->g.n = 0;
	for (unsigned int i = 0; i < 20000; i++) {
		struct skbt_event e = { .ts = (uint64_t)i * 1000000, .skb = 0x1000 + (i % 50) * 0x100,
					.cpu = 0, .kind = SKBT_EV_NETIF_RX, .dev = VETHB, .len = 10 };

		assert_int_equal(skbt_journeys_feed(f->jb, &e), 0);
		f->g.n = 0;	/* discard: only the counters matter here */
	}
	skbt_journeys_finish(f->jb);
	c = skbt_journeys_counters(f->jb);
	assert_int_equal(c->journeys, 20000);
	assert_true(c->peak_live <= 50);
	fix_free(f);
}

/*
 * Journeys longer than the hops a journey in flight keeps inline (8), and longer than
 * SKBT_MAX_HOPS: every hop in order, the newest kept last when truncated, and the hop arrays
 * recycled between journeys without mixing them.
 */
static void test_long_journeys(void **state)
{
	struct fix *f = fix_new(false);
	uint64_t t = 100;

	(void)state;
	for (unsigned int round = 0; round < 2; round++) {
		unsigned int execs = round ? 10 : 30;

		ev(f, t++, 0, SKBT_EV_NETIF_RECEIVE_SKB, ETH0, 0xa000 + round, 100, SOFT);
		for (unsigned int i = 0; i < execs; i++)
			ev(f, t++, 0, SKBT_EV_OVS_DO_EXECUTE_ACTION, ETH0, 0xa000 + round, 114, SOFT);
		ev(f, t++, 0, SKBT_EV_CONSUME_SKB, 0, 0xa000 + round, 0, SOFT);
	}
	skbt_journeys_finish(f->jb);
	assert_int_equal(f->g.n, 2);
	/* 32 hops: the first 23 and the free */
	assert_int_equal(f->g.j[0].nhops, SKBT_MAX_HOPS);
	assert_true(f->g.j[0].flags & SKBT_JF_HOPS_TRUNCATED);
	assert_int_equal(f->g.j[0].hops[0].kind, SKBT_EV_NETIF_RECEIVE_SKB);
	assert_int_equal(f->g.j[0].hops[SKBT_MAX_HOPS - 2].ts, (100 + SKBT_MAX_HOPS - 2) * 1000);
	assert_int_equal(f->g.j[0].hops[SKBT_MAX_HOPS - 1].kind, SKBT_EV_CONSUME_SKB);
	assert_int_equal(f->g.j[0].end, SKBT_JEND_CONSUMED);
	/* 12 hops, past the inline ones, in a recycled array */
	assert_int_equal(f->g.j[1].nhops, 12);
	assert_false(f->g.j[1].flags & SKBT_JF_HOPS_TRUNCATED);
	for (unsigned int i = 0; i < 12; i++) {
		assert_int_equal(f->g.j[1].hops[i].ts, (132 + i) * 1000);
		assert_int_equal(f->g.j[1].hops[i].skb, 0xa001);
	}
	assert_int_equal(f->g.j[1].hops[11].kind, SKBT_EV_CONSUME_SKB);
	assert_non_null(stage(&f->g.j[1], SKBT_STAGE_STACK));
	fix_free(f);
}

static unsigned int whole_journeys;

static void count_whole(const struct skbt_journey *j, void *arg)
{
	(void)arg;
	if (j->nhops == 3 && j->end == SKBT_JEND_CONSUMED && j->hops[0].skb == j->skb &&
	    j->hops[2].skb == j->skb && j->stages[0].stage == SKBT_STAGE_BACKLOG)
		whole_journeys++;
}

/*
 * Thousands of addresses in flight at once, close together (they collide in the table), their
 * packets received and freed in another order than they arrived: each journey keeps its
 * own three hops (table growth and deletion never lose or swap an address).
 */
static void test_many_in_flight(void **state)
{
	struct skbt_journeys_cb cb = { .journey = count_whole };
	struct skbt_journeys_config cfg = { .have_queue_events = true, .have_poll_events = false };
	struct skbt_journeys *jb;
	const unsigned int n = 6000;
	uint64_t t = 1000;

	(void)state;
	whole_journeys = 0;
	assert_int_equal(skbt_journeys_new(&cfg, &cb, &jb), 0);
	for (unsigned int pass = 0; pass < 3; pass++) {
		for (unsigned int k = 0; k < n; k++) {
			/* rx in order, receive from the middle out, free backwards */
			unsigned int i = pass == 0 ? k : pass == 1 ? (k + n / 2) % n : n - 1 - k;
			struct skbt_event e = { .ts = t++ * 1000, .skb = 0x100000 + (uint64_t)i * 0x40,
				.cpu = 0, .dev = VETHB, .len = 64,
				.kind = pass == 0 ? SKBT_EV_NETIF_RX : pass == 1 ? SKBT_EV_NETIF_RECEIVE_SKB :
				SKBT_EV_CONSUME_SKB, .ctx = pass == 1 ? SOFT : PROC };

			assert_int_equal(skbt_journeys_feed(jb, &e), 0);
		}
	}
	skbt_journeys_finish(jb);
	assert_int_equal(skbt_journeys_counters(jb)->journeys, n);
	assert_int_equal(skbt_journeys_counters(jb)->peak_live, n);
	assert_int_equal(whole_journeys, n);
	skbt_journeys_free(jb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovs_fast_path),
		cmocka_unit_test(test_poll_gro_held),
		cmocka_unit_test(test_veth_bridge),
		cmocka_unit_test(test_gso_segment_start_xmit),
		cmocka_unit_test(test_stacked_completion),
		cmocka_unit_test(test_stacked_after_gso),
		cmocka_unit_test(test_master_after_port),
		cmocka_unit_test(test_reuse_never_joins),
		cmocka_unit_test(test_forward_needs_same_poll),
		cmocka_unit_test(test_reply_not_forward),
		cmocka_unit_test(test_forward_same_netns),
		cmocka_unit_test(test_rps_cross_cpu),
		cmocka_unit_test(test_gro_merged),
		cmocka_unit_test(test_lost_marks_incomplete),
		cmocka_unit_test(test_lost_spares_idle),
		cmocka_unit_test(test_upcall_link_full),
		cmocka_unit_test(test_upcall_link_core),
		cmocka_unit_test(test_upcall_link_context_reuse),
		cmocka_unit_test(test_upcall_link_freed_fast_path),
		cmocka_unit_test(test_upcall_link_tx),
		cmocka_unit_test(test_no_phantom_upcall),
		cmocka_unit_test(test_no_poll_events),
		cmocka_unit_test(test_tx_nesting_no_loop),
		cmocka_unit_test(test_no_phantom_free),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_bounded_in_flight),
		cmocka_unit_test(test_long_journeys),
		cmocka_unit_test(test_many_in_flight),
		cmocka_unit_test(test_links_need_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

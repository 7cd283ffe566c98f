// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * findings: counters beside the trace, NAPI/softirq analysis, and evidence-backed findings.
 * Computed once; report-text.c and report-json.c only render.  docs/counters.md says what
 * each comparison means and which kernel code counts what.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/findings.h"

#define SLOT_BITS 16			/* netif_rx'ed skbs remembered: 2^16, direct-mapped */
#define PEND_MIN 1024			/* initial size of the table of slots in use */
#define NCPU_CAP 256			/* CPUs in the RPS steering matrix */
#define STALE_NS 1000000000ULL		/* a netif_rx older than this is not waited for */
#define NET_RX_SOFTIRQ 3		/* include/linux/interrupt.h */

const char *skbt_fx_severity_name(enum skbt_fx_severity s)
{
	switch (s) {
	case SKBT_FX_INFO: return "info";
	case SKBT_FX_NOTICE: return "notice";
	case SKBT_FX_WARNING: return "warning";
	}
	return "info";
}

const char *skbt_fx_verdict_name(enum skbt_fx_verdict v)
{
	switch (v) {
	case SKBT_FXV_NA: return "n/a";
	case SKBT_FXV_MATCH: return "match";
	case SKBT_FXV_EXPLAINED: return "explained";
	case SKBT_FXV_UNEXPLAINED: return "unexplained";
	}
	return "n/a";
}

int skbt_findings_init(struct skbt_findings *fx, const struct skbt_context *ctx,
		       const struct skbt_names *names)
{
	*fx = (struct skbt_findings){ .ctx = ctx };
	if (names)
		fx->names = *names;
	fx->pend = calloc(PEND_MIN, sizeof(*fx->pend));
	if (!fx->pend)
		return -ENOMEM;
	fx->pend_cap = PEND_MIN;
	if (ctx) {
		const char *d = skbt_kvlist_get(&ctx->record, "dev");

		fx->has_counters = skbt_context_has_counters(ctx);
		fx->dev_filtered = d && *d;
		skbt_kvlist_u64(&ctx->stat, "sysctl:net.core.netdev_budget", &fx->netdev_budget);
		skbt_kvlist_u64(&ctx->stat, "sysctl:net.core.netdev_budget_usecs",
				&fx->netdev_budget_usecs);
		skbt_kvlist_u64(&ctx->stat, "sysctl:net.core.netdev_max_backlog", &fx->max_backlog);
		skbt_kvlist_u64(&ctx->stat, "sysctl:net.core.dev_weight", &fx->dev_weight);
	}
	return 0;
}

/* cpu_at() and dev_at() past the end: asked of every event, the growing is out of line */
static struct skbt_fx_cpu *cpu_grow(struct skbt_findings *fx, unsigned int cpu)
{
	if (cpu >= fx->ncpus) {
		struct skbt_fx_cpu *n = realloc(fx->cpus, (cpu + 1) * sizeof(*n));

		if (!n)
			return NULL;
		memset(n + fx->ncpus, 0, (cpu + 1 - fx->ncpus) * sizeof(*n));
		fx->cpus = n;
		fx->ncpus = cpu + 1;
	}
	return &fx->cpus[cpu];
}

static inline struct skbt_fx_cpu *cpu_at(struct skbt_findings *fx, unsigned int cpu)
{
	return cpu < fx->ncpus ? &fx->cpus[cpu] : cpu_grow(fx, cpu);
}

static struct skbt_fx_dev *dev_grow(struct skbt_findings *fx, unsigned int dev)
{
	if (dev >= fx->ndevs) {
		if (dev >= fx->devs_cap) {	/* doubling: no copy of them all per new device */
			unsigned int cap = dev + 1 > 2 * fx->devs_cap ? dev + 1 : 2 * fx->devs_cap;
			struct skbt_fx_dev *n = realloc(fx->devs, (size_t)cap * sizeof(*n));

			if (!n)
				return NULL;
			fx->devs = n;
			fx->devs_cap = cap;
		}
		memset(fx->devs + fx->ndevs, 0, (dev + 1 - fx->ndevs) * sizeof(*fx->devs));
		for (unsigned int i = fx->ndevs; i <= dev; i++)
			fx->devs[i].dev = i;
		fx->ndevs = dev + 1;
	}
	return &fx->devs[dev];
}

static inline struct skbt_fx_dev *dev_at(struct skbt_findings *fx, unsigned int dev)
{
	return dev < fx->ndevs ? &fx->devs[dev] : dev_grow(fx, dev);
}

static uint64_t *steer_at(struct skbt_findings *fx, unsigned int dev, unsigned int cpu)
{
	if (cpu >= NCPU_CAP)
		return NULL;
	if (dev >= fx->steer_devs) {
		/*
		 * Rows double: a file with thousands of devices must not cost one copy of the
		 * whole matrix per new device (2 KB a row; quadratic where realloc copies).
		 */
		unsigned int rows = dev + 1 > 2 * fx->steer_devs ? dev + 1 : 2 * fx->steer_devs;
		uint64_t *n = realloc(fx->steer_matrix, (size_t)rows * NCPU_CAP * sizeof(*n));

		if (!n)
			return NULL;
		memset(n + (size_t)fx->steer_devs * NCPU_CAP, 0,
		       (size_t)(rows - fx->steer_devs) * NCPU_CAP * sizeof(*n));
		fx->steer_matrix = n;
		fx->steer_devs = rows;
	}
	return &fx->steer_matrix[(size_t)dev * NCPU_CAP + cpu];
}

static unsigned int slot(uint64_t skb)
{
	uint64_t h = (skb >> 6) * 0x9e3779b97f4a7c15ULL;

	return h >> (64 - SLOT_BITS);
}

/*
 * The skbs netif_rx'ed and not yet received: each slot() of a direct-mapped table holds the
 * last one of that slot, until its receive or free.  The whole table was 1.5 MB, and every
 * netif_rx, receive and free touched a random line of it: only the slots that hold an skb
 * are kept now, in a small open-addressing table on the slot number, which answers the same.
 * Slot 0 is kept whole (pend0): a record without an address (0) lands there and matches it
 * when it holds none, as it always did.
 */
static struct skbt_fx_pending *pend_lookup(struct skbt_findings *fx, unsigned int s)
{
	uint32_t mask = fx->pend_cap - 1;

	for (uint32_t k = s & mask; fx->pend[k].skb; k = (k + 1) & mask)
		if (fx->pend[k].slot == s)
			return &fx->pend[k];
	return NULL;
}

static void pend_put(struct skbt_fx_pending *tab, uint32_t cap, const struct skbt_fx_pending *e)
{
	uint32_t k = e->slot & (cap - 1);

	while (tab[k].skb)
		k = (k + 1) & (cap - 1);
	tab[k] = *e;
}

/* The netif_rx'ed skb @skb if it is still waiting, else NULL. */
static struct skbt_fx_pending *pending_find(struct skbt_findings *fx, uint64_t skb)
{
	unsigned int s = slot(skb);
	struct skbt_fx_pending *p;

	if (!s)
		return fx->pend0.skb == skb ? &fx->pend0 : NULL;
	p = pend_lookup(fx, s);
	return p && p->skb == skb ? p : NULL;
}

static int pending_set(struct skbt_findings *fx, const struct skbt_event *ev)
{
	struct skbt_fx_pending e = { .skb = ev->skb, .ts = ev->ts, .cpu = ev->cpu,
				     .dev = ev->dev, .slot = slot(ev->skb) }, *p;

	if (!e.slot) {
		fx->pend0 = e;
		return 0;
	}
	p = pend_lookup(fx, e.slot);	/* a later skb of the slot takes it */
	if (p) {
		*p = e;
		return 0;
	}
	if (2 * (fx->pend_count + 1) > fx->pend_cap) {
		uint32_t cap = 2 * fx->pend_cap;
		struct skbt_fx_pending *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (uint32_t k = 0; k < fx->pend_cap; k++)
			if (fx->pend[k].skb)
				pend_put(t, cap, &fx->pend[k]);
		free(fx->pend);
		fx->pend = t;
		fx->pend_cap = cap;
	}
	pend_put(fx->pend, fx->pend_cap, &e);
	fx->pend_count++;
	return 0;
}

/* Its slot holds no skb any more. */
static void pending_clear(struct skbt_findings *fx, struct skbt_fx_pending *p)
{
	uint32_t mask = fx->pend_cap - 1, i, k;

	if (p == &fx->pend0) {
		p->skb = 0;
		return;
	}
	/* move back the entries after it that would no longer be found past the hole */
	i = p - fx->pend;
	for (k = (i + 1) & mask; fx->pend[k].skb; k = (k + 1) & mask) {
		uint32_t h = fx->pend[k].slot & mask;

		if (((k - h) & mask) >= ((k - i) & mask)) {
			fx->pend[i] = fx->pend[k];
			i = k;
		}
	}
	fx->pend[i].skb = 0;
	fx->pend_count--;
}

static bool reason_is_backlog(struct skbt_findings *fx, uint32_t reason)
{
	if (reason >= 4096 || !fx->names.reason)
		return false;
	if (reason >= fx->nreasons) {
		uint8_t *n = realloc(fx->reason_backlog, reason + 1);

		if (!n)
			return false;
		memset(n + fx->nreasons, 0, reason + 1 - fx->nreasons);
		fx->reason_backlog = n;
		fx->nreasons = reason + 1;
	}
	if (!fx->reason_backlog[reason]) {
		const char *r = fx->names.reason(fx->names.ctx, reason);

		fx->reason_backlog[reason] = r && !strcmp(r, "CPU_BACKLOG") ? 2 : 1;
	}
	return fx->reason_backlog[reason] == 2;
}

/*
 * Depth of the backlog a packet joined: the backlog is FIFO per CPU (enqueue_to_backlog()
 * appends to input_pkt_queue, process_backlog() takes from the head), so the packets ahead
 * of it when it was queued are those the same CPU dequeued between its netif_rx and its own
 * receive.  Counted from the ring of that CPU's recent dequeue times.
 */
static uint64_t depth_since(const struct skbt_fx_cpu *c, uint64_t enq_ts)
{
	uint64_t lo = c->ring_n > SKBT_FX_BACKLOG_RING ? c->ring_n - SKBT_FX_BACKLOG_RING : 0;
	uint64_t hi = c->ring_n, step = 1;

	/*
	 * The ring is in time order and a backlog is mostly short: narrow [lo, hi) from the
	 * newest end by doubling steps first (all from hi on are later than enq_ts).
	 */
	while (hi - lo > step) {
		uint64_t probe = hi - step;

		if (c->ring[probe % SKBT_FX_BACKLOG_RING] <= enq_ts) {
			lo = probe + 1;
			break;
		}
		hi = probe;
		step *= 2;
	}
	while (lo < hi) {	/* first logical index with ts > enq_ts */
		uint64_t mid = lo + (hi - lo) / 2;

		if (c->ring[mid % SKBT_FX_BACKLOG_RING] > enq_ts)
			hi = mid;
		else
			lo = mid + 1;
	}
	return c->ring_n - lo;
}

static int on_receive(struct skbt_findings *fx, struct skbt_fx_cpu *c, struct skbt_fx_dev *d,
		      const struct skbt_event *ev)
{
	struct skbt_fx_pending *p = pending_find(fx, ev->skb);

	d->rx++;
	c->rx++;
	if (p && p->dev == ev->dev && ev->ts >= p->ts && ev->ts - p->ts < STALE_NS) {
		uint64_t depth;

		if (!c->ring) {
			c->ring = calloc(SKBT_FX_BACKLOG_RING, sizeof(*c->ring));
			if (!c->ring)
				return -ENOMEM;
		}
		depth = depth_since(c, p->ts) + 1;
		if (depth > c->max_depth)
			c->max_depth = depth;
		c->ring[c->ring_n++ % SKBT_FX_BACKLOG_RING] = ev->ts;
		c->backlog_deq++;
		d->backlog_deq++;
		if (p->cpu != ev->cpu) {
			uint64_t *m = steer_at(fx, ev->dev, ev->cpu);

			c->steered_in++;
			d->steered++;
			if (m)
				(*m)++;
		}
		pending_clear(fx, p);
	}
	/*
	 * Wait behind earlier packets of the same poll: napi_poll comes after the packets of
	 * its poll (observed.md), so the first receive since the last napi_poll on this CPU
	 * opens the poll.  A bridge's nested receive of the same skb is not a new packet.
	 */
	if ((ev->ctx & SKBT_CTX_SOFTIRQ) && ev->skb != c->last_rx_skb) {
		if (!c->first_rx_ts)
			c->first_rx_ts = ev->ts;
		if (skbt_hist_add(&d->wait, ev->ts - c->first_rx_ts))
			return -ENOMEM;
		c->last_rx_skb = ev->skb;
	}
	return 0;
}

int skbt_findings_add_event(struct skbt_findings *fx, const struct skbt_event *ev)
{
	struct skbt_fx_cpu *c = cpu_at(fx, ev->cpu);
	struct skbt_fx_dev *d = dev_at(fx, ev->dev);
	struct skbt_fx_pending *p;

	if (!c || !d)
		return -ENOMEM;
	switch (ev->kind) {
	case SKBT_EV_NETIF_RECEIVE_SKB:
		return on_receive(fx, c, d, ev);
	case SKBT_EV_NAPI_GRO_RECEIVE_ENTRY:
		d->gro++;
		break;
	case SKBT_EV_NETIF_RX:
		d->netif_rx++;
		if (pending_set(fx, ev))
			return -ENOMEM;
		break;
	case SKBT_EV_NETIF_RX_EXIT:
		/* netif_rx() returns NET_RX_DROP when enqueue_to_backlog() refused the skb */
		if (ev->u.ret.rc != 0) {
			c->netif_rx_fail++;
			if ((p = pending_find(fx, ev->skb)))
				pending_clear(fx, p);
		}
		break;
	case SKBT_EV_NET_DEV_XMIT:
		d->xmit++;
		break;
	case SKBT_EV_KFREE_SKB:
		if (reason_is_backlog(fx, ev->u.drop.reason))
			c->backlog_kfree++;
		/* fall through */
	case SKBT_EV_CONSUME_SKB:
		if ((p = pending_find(fx, ev->skb)))
			pending_clear(fx, p);
		break;
	case SKBT_EV_NAPI_POLL:
		c->polls++;
		if (ev->u.napi.budget > 0 && ev->u.napi.work >= ev->u.napi.budget)
			c->polls_full++;
		if (c->in_sirq && ev->u.napi.work > 0)
			c->sirq_work += ev->u.napi.work;
		c->first_rx_ts = 0;
		c->last_rx_skb = 0;
		break;
	case SKBT_EV_SOFTIRQ_ENTRY:
		if (ev->u.softirq.vec == NET_RX_SOFTIRQ) {
			c->in_sirq = true;
			c->sirq_start = ev->ts;
			c->sirq_work = 0;
		}
		break;
	case SKBT_EV_SOFTIRQ_EXIT:
		if (ev->u.softirq.vec == NET_RX_SOFTIRQ && c->in_sirq) {
			uint64_t ns = ev->ts - c->sirq_start;

			c->in_sirq = false;
			c->softirqs++;
			c->softirq_ns += ns;
			if (ns > c->softirq_max_ns)
				c->softirq_max_ns = ns;
			/* net_rx_action() stops when its netdev_budget packets are used up */
			if (fx->netdev_budget && c->sirq_work >= fx->netdev_budget)
				c->softirq_budget_runs++;
		}
		break;
	default:
		break;
	}
	return 0;
}

/* ---------- reconciliation ---------- */

static struct skbt_fx_dev *dev_by_name(struct skbt_findings *fx, const char *name, bool add)
{
	struct skbt_fx_dev *d;

	for (unsigned int i = 1; i < fx->ndevs; i++)
		if (!strcmp(fx->devs[i].name, name))
			return &fx->devs[i];
	if (!add)
		return NULL;
	d = dev_at(fx, fx->ndevs ? fx->ndevs : 1);
	if (!d)
		return NULL;
	d->dev = 0;	/* not in the trace */
	snprintf(d->name, sizeof(d->name), "%s", name);
	return d;
}

/* "netdev:SCOPE:DEV:FIELD" -> scope, dev, field (pointers into @buf) */
static bool split_key(const char *key, const char *prefix, char *buf, size_t len, char **scope,
		      char **dev, char **field)
{
	size_t pl = strlen(prefix);
	char *a, *b;

	if (strncmp(key, prefix, pl) || strlen(key + pl) >= len)
		return false;
	strcpy(buf, key + pl);
	a = strchr(buf, ':');
	if (!a)
		return false;
	*a++ = 0;
	b = strchr(a, ':');
	if (!b)
		return false;
	*b++ = 0;
	*scope = buf;
	*dev = a;
	*field = b;
	return true;
}

static bool within(uint64_t a, uint64_t b)
{
	uint64_t diff = a > b ? a - b : b - a, big = a > b ? a : b;

	/* counters are read just before tracing starts and just after it stops */
	return diff <= 2 || diff * 100 <= big;
}

static void load_counters(struct skbt_findings *fx)
{
	const struct skbt_context *ctx = fx->ctx;

	/* Devices the trace never named: those the recorder traced whose rx_packets moved. */
	for (unsigned int i = 0; i < ctx->start.n; i++) {
		const char *key = ctx->start.v[i].key, *t;
		char buf[256], tk[256], *scope, *dev, *field;
		uint64_t delta;

		if (!split_key(key, "netdev:", buf, sizeof(buf), &scope, &dev, &field) ||
		    strcmp(field, "rx_packets") || !skbt_context_delta(ctx, key, &delta) || !delta)
			continue;
		snprintf(tk, sizeof(tk), "iface:%s:%s:traced", scope, dev);
		t = skbt_kvlist_get(&ctx->stat, tk);
		if (t && !strcmp(t, "1") && !dev_by_name(fx, dev, true))
			return;
	}
	for (unsigned int i = 0; i < ctx->start.n; i++) {
		const char *key = ctx->start.v[i].key;
		char buf[256], *scope, *dev, *field;
		struct skbt_fx_dev *d;
		uint64_t delta;
		bool is_netdev;

		is_netdev = split_key(key, "netdev:", buf, sizeof(buf), &scope, &dev, &field);
		if (!is_netdev && !split_key(key, "ethtool:", buf, sizeof(buf), &scope, &dev, &field))
			continue;
		d = dev_by_name(fx, dev, false);
		if (!d || !skbt_context_delta(ctx, key, &delta))
			continue;
		if (!is_netdev) {
			/* NIC ring overflows: rx_missed_errors, rx_fifo_missed... (driver names) */
			if (strstr(field, "miss"))
				d->d_nic_missed += delta;
			continue;
		}
		d->has_counters = true;
		if (!strcmp(field, "rx_packets")) {
			d->d_rx_packets += delta;
			d->nscopes++;
		} else if (!strcmp(field, "rx_drop")) {
			d->d_rx_drop += delta;
		} else if (!strcmp(field, "rx_fifo")) {
			d->d_rx_fifo += delta;
		} else if (!strcmp(field, "tx_packets")) {
			d->d_tx_packets += delta;
		}
	}
	for (unsigned int i = 0; i < ctx->stat.n; i++) {
		char buf[256], *scope, *dev, *field;
		struct skbt_fx_dev *d;

		if (!split_key(ctx->stat.v[i].key, "dev:", buf, sizeof(buf), &scope, &dev, &field) ||
		    strcmp(field, "gro"))
			continue;
		d = dev_by_name(fx, dev, false);
		if (d) {
			d->gro_known = true;
			d->gro_on = d->gro_on || !strcmp(ctx->stat.v[i].val, "on");
		}
	}
	for (unsigned int c = 0; c < fx->ncpus || c < NCPU_CAP; c++) {
		char key[64];
		uint64_t v;
		struct skbt_fx_cpu *cs;

		snprintf(key, sizeof(key), "softnet:%u:processed", c);
		if (!skbt_context_delta(ctx, key, &v)) {
			if (c >= fx->ncpus)
				break;
			continue;
		}
		cs = cpu_at(fx, c);
		if (!cs)
			return;
		cs->has_softnet = true;
		cs->d_processed = v;
#define SOFTNET(f) do { snprintf(key, sizeof(key), "softnet:%u:" #f, c); \
		skbt_context_delta(ctx, key, &cs->d_##f); } while (0)
		SOFTNET(dropped);
		SOFTNET(time_squeeze);
		SOFTNET(received_rps);
#undef SOFTNET
		snprintf(key, sizeof(key), "softnet:%u:flow_limit_count", c);
		skbt_context_delta(ctx, key, &cs->d_flow_limit);
	}
}

/*
 * A VLAN, macvlan or ipvlan device receives inside its lower device's receive: the untag or
 * the rx_handler sets skb->dev to it and __netif_receive_skb_core() takes another round,
 * after the netif_receive_skb tracepoint (net/core/dev.c), so its rx_packets move with no
 * event of its own.  The snapshot's iflink names that lower device: one in the same
 * namespace that is not its veth peer.  Noted in devs[].lower, for verdict_dev().
 */
static void load_lowers(struct skbt_findings *fx, const struct skbt_iface *ifs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct skbt_iface *m = &ifs[i];
		struct skbt_fx_dev *d, *l;

		if (!m->iflink || m->peer >= 0 || strcmp(m->link_netns, m->scope))
			continue;
		for (unsigned int k = 0; k < n; k++) {
			if (k == i || ifs[k].ifindex != m->iflink || strcmp(ifs[k].scope, m->scope))
				continue;
			d = dev_by_name(fx, m->name, false);
			l = dev_by_name(fx, ifs[k].name, false);
			if (d && l && d != l && !d->lower)
				d->lower = (uint16_t)(l - fx->devs);
			break;
		}
	}
}

static void verdict_dev(struct skbt_findings *fx, struct skbt_fx_dev *d, bool lost,
			bool gro_recorded)
{
	uint64_t c = d->d_rx_packets, seen = d->rx;

	if (!d->has_counters) {
		d->verdict = SKBT_FXV_NA;
		snprintf(d->explain, sizeof(d->explain), "no counters for this device name");
		return;
	}
	if (!d->dev && !seen && fx->dev_filtered) {
		d->verdict = SKBT_FXV_EXPLAINED;
		snprintf(d->explain, sizeof(d->explain), "not traced: the recording's --dev filter "
			 "left it out");
		return;
	}
	if (within(c, seen)) {
		d->verdict = SKBT_FXV_MATCH;
		snprintf(d->explain, sizeof(d->explain), c == seen ? "equal" :
			 "equal within the window edges (counters are read just outside tracing)");
		return;
	}
	d->verdict = SKBT_FXV_EXPLAINED;
	if (gro_recorded && d->gro > seen && within(c, d->gro)) {
		snprintf(d->explain, sizeof(d->explain), "GRO: rx_packets counts packets before GRO "
			 "(%" PRIu64 " napi_gro_receive_entry); GRO merged %" PRIu64 " of them into "
			 "the %" PRIu64 " skbs the stack received", d->gro, d->gro - seen, seen);
	} else if (c > seen && lost) {
		snprintf(d->explain, sizeof(d->explain), "events lost: the trace is incomplete "
			 "(%" PRIu64 " receives missing)", c - seen);
	} else if (c > seen && d->gro_known && d->gro_on && !gro_recorded) {
		snprintf(d->explain, sizeof(d->explain), "probably GRO (on for this device): "
			 "net:napi_gro_receive_entry was not recorded (--events full counts it)");
	} else if (c > seen && d->lower && c - seen <= fx->devs[d->lower].rx + 2) {
		snprintf(d->explain, sizeof(d->explain), "received through %s (%" PRIu64 " "
			 "netif_receive_skb there): a VLAN, macvlan or ipvlan device gets its packets "
			 "in another round of its lower device's receive, which fires no "
			 "netif_receive_skb", fx->devs[d->lower].shown, fx->devs[d->lower].rx);
	} else if (seen > c && (!d->nscopes || d->dev)) {
		snprintf(d->explain, sizeof(d->explain), "the trace saw %" PRIu64 " more receives "
			 "than the counters: a device of the same name in a namespace the recorder "
			 "did not visit (only /run/netns names are; tracepoints carry no namespace)",
			 seen - c);
	} else {
		d->verdict = SKBT_FXV_UNEXPLAINED;
		snprintf(d->explain, sizeof(d->explain), "UNEXPLAINED: rx_packets +%" PRIu64
			 " vs %" PRIu64 " netif_receive_skb", c, seen);
	}
}

static void verdict_cpu(struct skbt_findings *fx, struct skbt_fx_cpu *c, bool lost,
			uint64_t all_dropped, uint64_t all_traced_drops)
{
	uint64_t traced_drops = c->backlog_kfree > c->netif_rx_fail ? c->backlog_kfree :
				c->netif_rx_fail;
	bool drops_traced = fx->drop_events_recorded;

	/* processed: __netif_receive_skb_core() counts it per round, the tracepoint per call */
	if (fx->dev_filtered) {
		c->v_processed = SKBT_FXV_NA;
		snprintf(c->x_processed, sizeof(c->x_processed), "not comparable: the recording "
			 "kept only some devices (--dev)");
	} else if (within(c->d_processed, c->rx)) {
		c->v_processed = SKBT_FXV_MATCH;
		snprintf(c->x_processed, sizeof(c->x_processed), "equal%s",
			 c->d_processed == c->rx ? "" : " within the window edges");
	} else if (c->d_processed > c->rx && lost) {
		c->v_processed = SKBT_FXV_EXPLAINED;
		snprintf(c->x_processed, sizeof(c->x_processed), "events lost");
	} else if (c->d_processed > c->rx) {
		c->v_processed = SKBT_FXV_EXPLAINED;
		snprintf(c->x_processed, sizeof(c->x_processed), "processed counts each "
			 "another_round of __netif_receive_skb_core (VLAN, macvlan) and traffic "
			 "between the counter reads and tracing on/off: %" PRIu64 " more",
			 c->d_processed - c->rx);
	} else {
		c->v_processed = SKBT_FXV_UNEXPLAINED;
		snprintf(c->x_processed, sizeof(c->x_processed), "UNEXPLAINED: more receives "
			 "traced than processed");
	}
	/* dropped: enqueue_to_backlog() counts on the target CPU, frees on the queuing CPU */
	if (!c->d_dropped && !traced_drops) {
		c->v_dropped = SKBT_FXV_MATCH;
		snprintf(c->x_dropped, sizeof(c->x_dropped), "none");
	} else if (c->d_dropped == traced_drops) {
		c->v_dropped = SKBT_FXV_MATCH;
		snprintf(c->x_dropped, sizeof(c->x_dropped), "equal");
	} else if (all_dropped == all_traced_drops) {
		c->v_dropped = SKBT_FXV_EXPLAINED;
		snprintf(c->x_dropped, sizeof(c->x_dropped), "RPS: the drop counts on the target "
			 "CPU's backlog, the trace sees it on the CPU that queued it (totals match)");
	} else if (!drops_traced && c->d_dropped) {
		c->v_dropped = SKBT_FXV_EXPLAINED;
		snprintf(c->x_dropped, sizeof(c->x_dropped), "not traced: record skb:kfree_skb or "
			 "net:netif_rx_exit (--events full) to see backlog drops");
	} else if (lost && c->d_dropped > traced_drops) {
		c->v_dropped = SKBT_FXV_EXPLAINED;
		snprintf(c->x_dropped, sizeof(c->x_dropped), "events lost");
	} else if (within(c->d_dropped, traced_drops)) {
		c->v_dropped = SKBT_FXV_EXPLAINED;
		snprintf(c->x_dropped, sizeof(c->x_dropped), "window edges");
	} else {
		c->v_dropped = SKBT_FXV_UNEXPLAINED;
		snprintf(c->x_dropped, sizeof(c->x_dropped), "UNEXPLAINED: dropped +%" PRIu64
			 ", %" PRIu64 " traced", c->d_dropped, traced_drops);
	}
	/* time_squeeze: net_rx_action() out of netdev_budget packets or budget_usecs time */
	if (!c->d_time_squeeze) {
		c->v_squeeze = SKBT_FXV_MATCH;
		snprintf(c->x_squeeze, sizeof(c->x_squeeze), "none (%" PRIu64 " polls used their "
			 "whole weight and were polled again)", c->polls_full);
	} else if (c->softirq_budget_runs) {
		c->v_squeeze = SKBT_FXV_EXPLAINED;
		snprintf(c->x_squeeze, sizeof(c->x_squeeze), "packet budget: %" PRIu64 " NET_RX "
			 "runs did >= netdev_budget (%" PRIu64 ") packets", c->softirq_budget_runs,
			 fx->netdev_budget);
	} else if (c->polls_full) {
		c->v_squeeze = SKBT_FXV_EXPLAINED;
		snprintf(c->x_squeeze, sizeof(c->x_squeeze), "%" PRIu64 " polls used their whole "
			 "weight: net_rx_action's budget or time ran out", c->polls_full);
	} else if (!fx->softirq_recorded) {
		c->v_squeeze = SKBT_FXV_EXPLAINED;
		snprintf(c->x_squeeze, sizeof(c->x_squeeze), "no full poll traced: the time limit "
			 "(netdev_budget_usecs) or polls of devices left out of the trace");
	} else {
		c->v_squeeze = SKBT_FXV_UNEXPLAINED;
		snprintf(c->x_squeeze, sizeof(c->x_squeeze), "UNEXPLAINED: time_squeeze +%" PRIu64
			 " without a full poll or budget run in the trace", c->d_time_squeeze);
	}
}

/* ---------- findings ---------- */

__attribute__((format(printf, 4, 5)))
static struct skbt_finding *add(struct skbt_findings *fx, enum skbt_fx_severity sev,
				const char *id, const char *fmt, ...)
{
	struct skbt_finding *f;
	va_list ap;

	if (fx->nfindings >= SKBT_FX_MAX_FINDINGS)
		return NULL;
	f = &fx->f[fx->nfindings++];
	memset(f, 0, sizeof(*f));
	f->severity = sev;
	snprintf(f->id, sizeof(f->id), "%s", id);
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
	return f;
}

static void evn(struct skbt_finding *f, const char *key, uint64_t v)
{
	if (f && f->nev < SKBT_FX_MAX_EVIDENCE)
		f->ev[f->nev++] = (struct skbt_fx_evidence){ .key = key, .is_num = true, .num = v };
}

static void evs(struct skbt_finding *f, const char *key, const char *s)
{
	if (f && f->nev < SKBT_FX_MAX_EVIDENCE) {
		struct skbt_fx_evidence *e = &f->ev[f->nev++];

		*e = (struct skbt_fx_evidence){ .key = key };
		snprintf(e->str, sizeof(e->str), "%s", s ? s : "");
	}
}

/* 1204 -> "1,204" */
static const char *num(uint64_t v, char *buf)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%" PRIu64, v), o = 0;

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = t[i];
	}
	buf[o] = 0;
	return buf;
}

#define NUM(v) num((v), (char[32]){ 0 })

static const char *rps_cpus_of(const struct skbt_findings *fx, const char *dev)
{
	if (!fx->ctx)
		return NULL;
	for (unsigned int i = 0; i < fx->ctx->stat.n; i++) {
		char buf[256], *scope, *d, *field;

		if (split_key(fx->ctx->stat.v[i].key, "rxq:", buf, sizeof(buf), &scope, &d, &field) &&
		    !strcmp(d, dev) && strstr(field, ":rps_cpus")) {
			const char *v = fx->ctx->stat.v[i].val;

			if (strspn(v, "0,") != strlen(v))
				return v;
		}
	}
	return NULL;
}

static void find_backlog(struct skbt_findings *fx, unsigned int cpu)
{
	struct skbt_fx_cpu *c = &fx->cpus[cpu];
	uint64_t traced = c->backlog_kfree > c->netif_rx_fail ? c->backlog_kfree : c->netif_rx_fail;
	uint64_t dropped = c->has_softnet && c->d_dropped ? c->d_dropped : traced;
	struct skbt_fx_dev *top = NULL;
	uint64_t top_n = 0;
	struct skbt_finding *f;
	char id[40], rps[200] = "", full[120] = "";

	if (!dropped)
		return;
	for (unsigned int d = 1; d < fx->steer_devs && d < fx->ndevs; d++) {
		uint64_t n = fx->steer_matrix[(size_t)d * NCPU_CAP + cpu];

		if (n > top_n) {
			top_n = n;
			top = &fx->devs[d];
		}
	}
	if (top && top->backlog_deq)
		snprintf(rps, sizeof(rps), "; %" PRIu64 " %% of the packets received on %s from a "
			 "backlog were steered there by RPS", top_n * 100 / top->backlog_deq,
			 top->shown);
	if (fx->max_backlog)
		snprintf(full, sizeof(full), ": backlog full at %s = netdev_max_backlog",
			 NUM(fx->max_backlog));
	else
		snprintf(full, sizeof(full), ": backlog full (netdev_max_backlog)");
	snprintf(id, sizeof(id), "backlog-drops-cpu%u", cpu);
	f = add(fx, SKBT_FX_WARNING, id, "CPU %u backlog dropped %s packets%s; deepest backlog "
		"seen %s%s", cpu, NUM(dropped), full, NUM(c->max_depth), rps);
	evn(f, "cpu", cpu);
	if (c->has_softnet)
		evn(f, "softnet_dropped", c->d_dropped);
	evn(f, "kfree_skb_cpu_backlog", c->backlog_kfree);
	evn(f, "netif_rx_failed", c->netif_rx_fail);
	if (fx->max_backlog)
		evn(f, "netdev_max_backlog", fx->max_backlog);
	evn(f, "max_backlog_depth_seen", c->max_depth);
	if (top) {
		evs(f, "rps_dev", top->shown);
		evn(f, "rps_steered_here", top_n);
		evn(f, "rps_dev_backlog_receives", top->backlog_deq);
	}
}

static void find_budget(struct skbt_findings *fx, unsigned int cpu, const struct skbt_stats *st)
{
	struct skbt_fx_cpu *c = &fx->cpus[cpu];
	uint32_t weight = 0;
	struct skbt_finding *f;
	char id[40], budget[64] = "";

	if (!c->d_time_squeeze && !c->softirq_budget_runs && !c->polls_full)
		return;
	for (unsigned int i = 0; i < st->nnapi; i++)
		if (st->napi[i].cpu == cpu && st->napi[i].exhausted && st->napi[i].budget > weight)
			weight = st->napi[i].budget;
	if (fx->netdev_budget)
		snprintf(budget, sizeof(budget), ", netdev_budget = %s", NUM(fx->netdev_budget));
	snprintf(id, sizeof(id), "budget-cpu%u", cpu);
	if (c->d_time_squeeze)
		f = add(fx, SKBT_FX_WARNING, id, "CPU %u: net_rx_action ran out of budget %s "
			"time(s) (time_squeeze%s); %s polls used their whole weight%s%s%s%s%s%s", cpu,
			NUM(c->d_time_squeeze), budget, NUM(c->polls_full),
			weight ? " (" : "", weight ? NUM(weight) : "", weight ? ")" : "",
			fx->softirq_recorded ? ", " : "",
			fx->softirq_recorded ? NUM(c->softirq_budget_runs) : "",
			fx->softirq_recorded ? " NET_RX runs did netdev_budget packets or more" : "");
	else
		f = add(fx, SKBT_FX_NOTICE, id, "CPU %u: %s polls used their whole weight (%u) and "
			"were polled again%s", cpu, NUM(c->polls_full), weight,
			fx->has_counters ? "; time_squeeze did not move" : "");
	evn(f, "cpu", cpu);
	if (c->has_softnet)
		evn(f, "softnet_time_squeeze", c->d_time_squeeze);
	evn(f, "polls", c->polls);
	evn(f, "polls_full", c->polls_full);
	evn(f, "weight", weight);
	if (fx->netdev_budget)
		evn(f, "netdev_budget", fx->netdev_budget);
	if (fx->softirq_recorded)
		evn(f, "net_rx_runs_over_budget", c->softirq_budget_runs);
}

/*
 * Tracepoints carry no namespace: a path device shown by its bare name is the recorder's
 * own namespace's, or one the journey could not place (docs/stages.md, Namespaces).  When
 * the snapshot has that name in several namespaces, its journeys may be of several devices.
 * Not said of lo, which every namespace has.
 */
static void ambiguous_names(struct skbt_findings *fx, const struct skbt_stats *st,
			    const struct skbt_iface *ifs, unsigned int n)
{
	unsigned int ndev = 0;
	uint64_t *jn;

	for (unsigned int p = 0; p < st->npaths; p++)
		for (unsigned int k = 0; k < st->paths[p].ndevs; k++)
			if (st->paths[p].devs[k] >= ndev)
				ndev = st->paths[p].devs[k] + 1u;
	if (!ndev || !n || !fx->names.dev || !st->names.dev || !(jn = calloc(ndev, sizeof(*jn))))
		return;
	for (unsigned int p = 0; p < st->npaths; p++) {
		const struct skbt_path_stats *ps = &st->paths[p];

		for (unsigned int k = 0; k < ps->ndevs; k++) {
			bool again = false;

			for (unsigned int e = 0; e < k; e++)
				again |= ps->devs[e] == ps->devs[k];
			if (!again)
				jn[ps->devs[k]] += ps->journeys;
		}
	}
	for (unsigned int d = 1; d < ndev; d++) {
		const char *name = jn[d] ? fx->names.dev(fx->names.ctx, d) : NULL;
		const char *shown = st->names.dev(st->names.ctx, d);
		unsigned int scopes = 0;
		struct skbt_finding *f;
		char id[40];

		if (!name || !shown || !strcmp(name, "lo") || strchr(name, '@'))
			continue;
		for (unsigned int k = 0; k < n; k++)	/* each (name, scope) is listed once */
			scopes += !strcmp(ifs[k].name, name);
		if (scopes < 2)
			continue;
		snprintf(id, sizeof(id), "netns-%s", shown);
		f = add(fx, SKBT_FX_INFO, id, "%s: %u namespaces have a device of this name; its %s "
			"journeys are the recorder's namespace's or ones that could not be placed in "
			"one (tracepoints carry no namespace), and may be of several of them",
			shown, scopes, NUM(jn[d]));
		evs(f, "dev", shown);
		evn(f, "namespaces", scopes);
		evn(f, "journeys", jn[d]);
	}
	free(jn);
}

static void findings_make(struct skbt_findings *fx, const struct skbt_trace_info *ti,
			  const struct skbt_stats *st)
{
	if (skbt_trace_incomplete(ti)) {
		struct skbt_finding *f = add(fx, SKBT_FX_WARNING, "lost-events", "the kernel lost "
			"%s%s events (%s lost-event markers): counts below are lower bounds",
			ti->lost_unknown ? "at least " : "", NUM(ti->lost_events),
			NUM(ti->lost_markers));

		evn(f, "lost_events", ti->lost_events);
		evn(f, "lost_markers", ti->lost_markers);
		if (ti->overrun_total >= 0)
			evn(f, "ring_overrun", ti->overrun_total);
	}
	for (unsigned int c = 0; c < fx->ncpus; c++)
		find_backlog(fx, c);
	for (unsigned int c = 0; c < fx->ncpus; c++)
		find_budget(fx, c, st);
	for (unsigned int i = 1; i < fx->ndevs; i++) {
		struct skbt_fx_dev *d = &fx->devs[i];
		const char *mask;
		struct skbt_finding *f;
		char id[40];

		if (!d->steered)
			continue;
		mask = rps_cpus_of(fx, d->name);	/* the context knows real names */
		snprintf(id, sizeof(id), "rps-%s", d->shown);
		f = add(fx, SKBT_FX_INFO, id, "RPS moved %s of the %s packets received on %s from a "
			"backlog (%" PRIu64 " %%) to another CPU than the one that queued them%s%s%s",
			NUM(d->steered), NUM(d->backlog_deq), d->shown,
			d->steered * 100 / d->backlog_deq, mask ? " (rps_cpus = " : "",
			mask ? mask : "", mask ? ")" : "");
		evs(f, "dev", d->shown);
		evn(f, "steered", d->steered);
		evn(f, "backlog_receives", d->backlog_deq);
		if (mask)
			evs(f, "rps_cpus", mask);
		for (unsigned int c = 0; c < fx->ncpus && c < NCPU_CAP && f && f->nev <
		     SKBT_FX_MAX_EVIDENCE; c++) {
			static const char *const keys[] = { "steered_to_cpu0", "steered_to_cpu1",
				"steered_to_cpu2", "steered_to_cpu3", "steered_to_cpu4",
				"steered_to_cpu5", "steered_to_cpu6", "steered_to_cpu7" };
			uint64_t n = fx->steer_matrix[(size_t)i * NCPU_CAP + c];

			if (n && c < SKBT_ARRAY_SIZE(keys))
				evn(f, keys[c], n);
		}
	}
	for (unsigned int i = 1; i < fx->ndevs; i++) {
		struct skbt_fx_dev *d = &fx->devs[i];
		struct skbt_finding *f;
		char id[40];

		if (d->gro <= d->rx || !d->gro)
			continue;
		snprintf(id, sizeof(id), "gro-%s", d->shown);
		f = add(fx, SKBT_FX_INFO, id, "%s: GRO merged %s of %s received packets into the "
			"%s skbs the stack saw%s%s%s", d->shown, NUM(d->gro - d->rx), NUM(d->gro),
			NUM(d->rx), d->has_counters ? " (rx_packets +" : "",
			d->has_counters ? NUM(d->d_rx_packets) : "",
			d->has_counters ? " counts them before GRO)" : "");
		evs(f, "dev", d->shown);
		evn(f, "napi_gro_receive_entry", d->gro);
		evn(f, "netif_receive_skb", d->rx);
		if (d->has_counters)
			evn(f, "rx_packets_delta", d->d_rx_packets);
	}
	for (unsigned int i = 1; i < fx->ndevs; i++) {
		struct skbt_fx_dev *d = &fx->devs[i];
		uint64_t n = d->d_rx_drop + d->d_nic_missed;
		struct skbt_finding *f;
		char id[40];

		if (!d->has_counters || !n || d->drops)
			continue;
		snprintf(id, sizeof(id), "nic-drops-%s", d->shown);
		f = add(fx, SKBT_FX_WARNING, id, "%s dropped %s packets before the stack (rx_drop "
			"+%s, driver *miss* counters +%s) and the trace shows none: NIC ring or "
			"driver drops are invisible to tracepoints", d->shown, NUM(n),
			NUM(d->d_rx_drop), NUM(d->d_nic_missed));
		evs(f, "dev", d->shown);
		evn(f, "rx_drop_delta", d->d_rx_drop);
		evn(f, "nic_missed_delta", d->d_nic_missed);
	}
	for (unsigned int i = 0; i < st->ndrops && i < 3; i++) {
		const struct skbt_drop_stats *d = &st->drops[i];
		const char *r = d->reason == UINT32_MAX ? "netif_rx failed (backlog full)" :
			(st->names.reason ? st->names.reason(st->names.ctx, d->reason) : NULL);
		const char *sym = d->location && st->names.symbol ?
			st->names.symbol(st->names.ctx, d->location) : NULL;
		const char *dev = d->dev ? st->names.dev(st->names.ctx, d->dev) : NULL;
		struct skbt_finding *f;
		char id[40], rb[24];

		if (!r) {
			snprintf(rb, sizeof(rb), "reason %u", d->reason);
			r = rb;
		}
		/*
		 * Not losses: QUEUE_PURGE is a socket closed with data queued (tcp_close ->
		 * sk_stream_kill_queues), NO_SOCKET at ping_rcv the raw socket's clone of an
		 * echo reply.  They stay in the drops table.
		 */
		if (!strcmp(r, "QUEUE_PURGE") || (!strcmp(r, "NO_SOCKET") && sym &&
						   !strcmp(sym, "ping_rcv")))
			continue;
		snprintf(id, sizeof(id), "drops-%u", i + 1);
		f = add(fx, SKBT_FX_NOTICE, id, "%s packet%s dropped: %s%s%s%s%s", NUM(d->count),
			d->count == 1 ? "" : "s", r, sym ? " at " : "", sym ? sym : "",
			dev ? " on " : "", dev ? dev : "");
		evs(f, "reason", r);
		evs(f, "location", sym);
		evs(f, "dev", dev);
		evn(f, "count", d->count);
	}
	for (unsigned int i = 1; i < fx->ndevs; i++) {
		struct skbt_fx_dev *d = &fx->devs[i];
		struct skbt_finding *f;
		char id[40];

		if (d->verdict != SKBT_FXV_UNEXPLAINED)
			continue;
		snprintf(id, sizeof(id), "mismatch-%s", d->shown);
		f = add(fx, SKBT_FX_WARNING, id, "%s: rx_packets +%s but %s netif_receive_skb "
			"traced; cause unknown", d->shown, NUM(d->d_rx_packets), NUM(d->rx));
		evs(f, "dev", d->shown);
		evn(f, "rx_packets_delta", d->d_rx_packets);
		evn(f, "netif_receive_skb", d->rx);
	}
	for (unsigned int c = 0; c < fx->ncpus; c++) {
		struct skbt_fx_cpu *cs = &fx->cpus[c];
		struct skbt_finding *f;
		char id[40];

		if (!cs->has_softnet || (cs->v_processed != SKBT_FXV_UNEXPLAINED &&
					 cs->v_dropped != SKBT_FXV_UNEXPLAINED &&
					 cs->v_squeeze != SKBT_FXV_UNEXPLAINED))
			continue;
		snprintf(id, sizeof(id), "mismatch-cpu%u", c);
		f = add(fx, SKBT_FX_WARNING, id, "CPU %u: softnet counters and trace disagree, cause "
			"unknown (processed +%s vs %s receives; dropped +%s; time_squeeze +%s)", c,
			NUM(cs->d_processed), NUM(cs->rx), NUM(cs->d_dropped),
			NUM(cs->d_time_squeeze));
		evn(f, "cpu", c);
		evn(f, "softnet_processed", cs->d_processed);
		evn(f, "netif_receive_skb", cs->rx);
		evn(f, "softnet_dropped", cs->d_dropped);
		evn(f, "softnet_time_squeeze", cs->d_time_squeeze);
	}
}

int skbt_findings_done(struct skbt_findings *fx, const struct skbt_trace_info *ti,
		       const struct skbt_stats *st)
{
	bool lost = skbt_trace_incomplete(ti);
	bool gro_recorded = ti->recorded[SKBT_EV_NAPI_GRO_RECEIVE_ENTRY];
	uint64_t all_dropped = 0, all_traced = 0;
	unsigned int ntrace_devs = fx->ndevs, nifs = 0;
	struct skbt_iface *ifs = NULL;
	bool redacted;

	fx->drop_events_recorded = ti->recorded[SKBT_EV_KFREE_SKB] ||
				   ti->recorded[SKBT_EV_NETIF_RX_EXIT];
	fx->softirq_recorded = ti->recorded[SKBT_EV_SOFTIRQ_ENTRY] &&
			       ti->recorded[SKBT_EV_SOFTIRQ_EXIT];

	/*
	 * Real names (fx->names, taken at init) match the context's counters; reports show
	 * st->names, which --redact-devs replaces with aliases after the events were read.
	 */
	redacted = st->names.dev != fx->names.dev;
	for (unsigned int i = 1; i < ntrace_devs; i++) {
		const char *n = fx->names.dev ? fx->names.dev(fx->names.ctx, i) : NULL;
		const char *a = st->names.dev ? st->names.dev(st->names.ctx, i) : NULL;

		snprintf(fx->devs[i].name, sizeof(fx->devs[i].name), "%s", n ? n : "?");
		snprintf(fx->devs[i].shown, sizeof(fx->devs[i].shown), "%s", a ? a : "?");
	}
	for (unsigned int i = 0; i < st->ndrops; i++)
		if (st->drops[i].dev && st->drops[i].dev < fx->ndevs)
			fx->devs[st->drops[i].dev].drops += st->drops[i].count;
	/* the snapshot's interfaces, for the lower devices and the names several namespaces
	 * have; none when out of memory, as in a file without links */
	if (fx->ctx && skbt_context_ifaces(fx->ctx, &ifs, &nifs))
		nifs = 0;
	if (fx->has_counters) {
		load_counters(fx);
		load_lowers(fx, ifs, nifs);
	}
	for (unsigned int i = ntrace_devs; i < fx->ndevs; i++)	/* counters only */
		snprintf(fx->devs[i].shown, sizeof(fx->devs[i].shown), "%s",
			 redacted && strcmp(fx->devs[i].name, "lo") ? "(not traced)" :
			 fx->devs[i].name);
	if (!fx->has_counters)
		goto make;
	for (unsigned int i = 1; i < fx->ndevs; i++)
		verdict_dev(fx, &fx->devs[i], lost, gro_recorded);
	for (unsigned int c = 0; c < fx->ncpus; c++) {
		struct skbt_fx_cpu *cs = &fx->cpus[c];

		all_dropped += cs->d_dropped;
		all_traced += cs->backlog_kfree > cs->netif_rx_fail ? cs->backlog_kfree :
			      cs->netif_rx_fail;
	}
	for (unsigned int c = 0; c < fx->ncpus; c++)
		if (fx->cpus[c].has_softnet)
			verdict_cpu(fx, &fx->cpus[c], lost, all_dropped, all_traced);
make:
	findings_make(fx, ti, st);
	ambiguous_names(fx, st, ifs, nifs);
	free(ifs);
	return 0;
}

void skbt_findings_release(struct skbt_findings *fx)
{
	for (unsigned int i = 0; i < fx->ndevs; i++)
		skbt_hist_release(&fx->devs[i].wait);
	for (unsigned int c = 0; c < fx->ncpus; c++)
		free(fx->cpus[c].ring);
	free(fx->devs);
	free(fx->cpus);
	free(fx->pend);
	free(fx->reason_backlog);
	free(fx->steer_matrix);
	*fx = (struct skbt_findings){ 0 };
}

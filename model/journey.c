// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * journey: per-skb state machine that turns the time-ordered event stream into journeys.
 *
 * The kernel facts this rests on (see docs/stages.md and shared/background/):
 *  - One skb address is followed from device to device: __netif_receive_skb_core() runs the
 *    rx_handler (bridge, OVS netdev_frame_hook) on the same skb, OVS's internal_dev_recv()
 *    hands it to netif_rx(), veth_xmit() to the peer's netif_rx() or NAPI ring.
 *  - Addresses are recycled within microseconds and most packets have no free event, so a
 *    journey cannot end only at a free: an event that cannot follow the journey's last hop
 *    (same device, earlier step; a receive right after a receive of another packet...)
 *    starts a new journey and ends the old one as "reused".
 *  - A filter on devices must apply to whole journeys, never to single events (the trap of
 *    the kprobe tool in seed 000): this module never filters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "skbtrail/journey.h"

/* Role of an event kind in a journey. */
enum role {
	R_NONE,
	R_GRO,		/* napi_gro_receive_entry */
	R_ENTRY,	/* netif_receive_skb_entry, _list_entry, netif_rx_entry */
	R_RX,		/* netif_rx: hand-off to the per-CPU backlog */
	R_RECV,		/* netif_receive_skb */
	R_QUEUE,	/* net_dev_queue */
	R_START,	/* net_dev_start_xmit */
	R_XMIT,		/* net_dev_xmit */
	R_EXEC,		/* ovs_do_execute_action */
	R_UPCALL,	/* ovs_dp_upcall */
	R_FREE,		/* consume_skb, kfree_skb */
	R_SOCK,		/* skb_copy_datagram_iovec: a task copies it out of its socket */
};

/*
 * Every 16-bit kind has an entry (R_NONE beyond the events): role_of() runs about ten times an
 * event in the loops over a journey's hops, and its bounds check was 2 % of the analysis
 * thread.  Only the first line is ever read.
 */
static const uint8_t kind_role[UINT16_MAX + 1] = {
#define SKBT_EVENT(id, sys, name, set, role, payload, skb, len, a, b, c, dev, filter, lean) \
	[SKBT_EV_##id] = R_##role,
#include "skbtrail/events.def"
#undef SKBT_EVENT
};

static inline enum role role_of(uint16_t kind)
{
	return (enum role)kind_role[kind];
}

static bool rx_side(enum role r)
{
	return r == R_GRO || r == R_ENTRY || r == R_RX || r == R_RECV;
}

static bool tx_side(enum role r)
{
	return r == R_QUEUE || r == R_START || r == R_XMIT;
}

/* Order of the steps on one device: a later step may follow an earlier one, never the reverse. */
static int step_of(enum role r)
{
	switch (r) {
	case R_GRO: return 1;
	case R_ENTRY: return 2;
	case R_RX: return 3;
	case R_RECV: return 4;
	case R_QUEUE: return 6;
	case R_START: return 7;
	case R_XMIT: return 8;
	default: return 0;
	}
}

static const char *const stage_names[SKBT_STAGE__COUNT] = {
	[SKBT_STAGE_GRO] = "gro",
	[SKBT_STAGE_RPS] = "rps",
	[SKBT_STAGE_FORWARD] = "forward",
	[SKBT_STAGE_BACKLOG] = "backlog",
	[SKBT_STAGE_XMIT] = "xmit",
	[SKBT_STAGE_STACK] = "stack",
	[SKBT_STAGE_UPCALL] = "upcall",
	[SKBT_STAGE_SOCKET] = "socket",
};

/*
 * The events a stage is measured from (any one of them, besides the receive events every
 * trace has): the table behind "what a missing event set costs" (docs/stages.md).
 */
static const enum skbt_kind stage_needs[SKBT_STAGE__COUNT][3] = {
	[SKBT_STAGE_GRO] = { SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, SKBT_EV__COUNT },
	[SKBT_STAGE_RPS] = { SKBT_EV_NAPI_GRO_RECEIVE_ENTRY, SKBT_EV_NETIF_RECEIVE_SKB_ENTRY,
			     SKBT_EV_NETIF_RECEIVE_SKB_LIST_ENTRY },
	[SKBT_STAGE_FORWARD] = { SKBT_EV_NETIF_RECEIVE_SKB, SKBT_EV__COUNT },
	[SKBT_STAGE_BACKLOG] = { SKBT_EV_NETIF_RX, SKBT_EV__COUNT },
	[SKBT_STAGE_XMIT] = { SKBT_EV_NET_DEV_QUEUE, SKBT_EV__COUNT },
	[SKBT_STAGE_STACK] = { SKBT_EV_CONSUME_SKB, SKBT_EV_KFREE_SKB, SKBT_EV__COUNT },
	[SKBT_STAGE_UPCALL] = { SKBT_EV_NETIF_RX, SKBT_EV__COUNT },
	[SKBT_STAGE_SOCKET] = { SKBT_EV_SKB_COPY_DATAGRAM_IOVEC, SKBT_EV__COUNT },
};

bool skbt_stage_measurable(enum skbt_stage stage, const bool recorded[SKBT_EV__COUNT])
{
	if ((unsigned int)stage >= SKBT_STAGE__COUNT)
		return false;
	for (int i = 0; i < 3 && stage_needs[stage][i] != SKBT_EV__COUNT; i++)
		if (recorded[stage_needs[stage][i]])
			return true;
	return false;
}

bool skbt_stage_missing(enum skbt_stage stage, const bool recorded[SKBT_EV__COUNT])
{
	return stage != SKBT_STAGE_SOCKET && !skbt_stage_measurable(stage, recorded);
}

unsigned int skbt_stage_needs(enum skbt_stage stage, enum skbt_kind kinds[3])
{
	unsigned int n = 0;

	if ((unsigned int)stage >= SKBT_STAGE__COUNT)
		return 0;
	for (int i = 0; i < 3 && stage_needs[stage][i] != SKBT_EV__COUNT; i++)
		kinds[n++] = stage_needs[stage][i];
	return n;
}

const char *skbt_stage_name(enum skbt_stage stage)
{
	return (unsigned int)stage < SKBT_STAGE__COUNT ? stage_names[stage] : "?";
}

int skbt_stage_from_name(const char *name)
{
	for (int i = 0; i < SKBT_STAGE__COUNT; i++)
		if (!strcmp(name, stage_names[i]))
			return i;
	return -1;
}

static const char *const jend_names[SKBT_JEND__COUNT] = {
	[SKBT_JEND_CONSUMED] = "consumed",
	[SKBT_JEND_DROPPED] = "dropped",
	[SKBT_JEND_REUSED] = "reused",
	[SKBT_JEND_GRO_MERGED] = "gro_merged",
	[SKBT_JEND_UPCALL] = "upcall_unlinked",
	[SKBT_JEND_IDLE] = "idle",
	[SKBT_JEND_EOF] = "end_of_trace",
};

const char *skbt_jend_name(enum skbt_jend end)
{
	return (unsigned int)end < SKBT_JEND__COUNT ? jend_names[end] : "?";
}

const char *skbt_link_conf_name(enum skbt_link_conf conf)
{
	static const char *const n[] = { "none", "low", "medium", "high" };

	return (unsigned int)conf < SKBT_ARRAY_SIZE(n) ? n[conf] : "?";
}

static const char *const link_ev_names[SKBT_LINK_EV__COUNT] = {
	[SKBT_LINK_EV_EVENTS] = "ovs_events",
	[SKBT_LINK_EV_THREAD] = "handler_thread",
	[SKBT_LINK_EV_CONTEXT] = "node_context",
	[SKBT_LINK_EV_TRACE] = "fast_path_seen",
	[SKBT_LINK_EV_FREED] = "freed_at_receive",
};

bool skbt_ovs_thread_comm(const char *comm, size_t len)
{
	/*
	 * ovs-vswitchd names the threads that run upcalls and execute their packets
	 * "handler<N>" (ofproto/ofproto-dpif-upcall.c in Open vSwitch); its main thread also
	 * executes packets (packet-out).  Comms are cut at 15 bytes (TASK_COMM_LEN).
	 */
	size_t i = 7;

	if (len == 12 && !memcmp(comm, "ovs-vswitchd", 12))
		return true;
	if (len <= 7 || memcmp(comm, "handler", 7))
		return false;
	while (i < len && comm[i] >= '0' && comm[i] <= '9')
		i++;
	return i == len;
}

const char *skbt_link_ev_name(enum skbt_link_ev ev)
{
	return (unsigned int)ev < SKBT_LINK_EV__COUNT ? link_ev_names[ev] : "?";
}

#define NO_HOP 0xffff
#define INLINE_HOPS 8		/* hops kept in the node; more move to a whole array */

/* A whole array of hops for a journey with more than INLINE_HOPS (a free list when unused). */
union xhops {
	union xhops *next;
	struct skbt_hop h[SKBT_MAX_HOPS];
};

/*
 * A journey in flight.  Only its header is kept in @j (no hops or stages: nodes are
 * allocated up to j.hops, see NODE_BYTES); its hops are in @hops, and the whole struct
 * skbt_journey with its stages is built when it ends.  A flood recorded without free events
 * keeps tens of thousands of journeys in flight: at ~1.4 KB each, faulting and clearing
 * their memory was a fifth of the analyzer's time.
 */
struct jnode {
	struct jnode *lprev;		/* in-flight list, oldest last event first */
	union {
		struct jnode *lnext;
		struct jnode *fnext;	/* free list (off the in-flight list) */
	};
	uint64_t addr;			/* key in the table, 0 when not in it */
	uint64_t last_ts;
	uint16_t last;			/* last hop that moves the journey on (not annotations) */
	uint16_t link_hop;		/* first hop of the linked skb, or NO_HOP */
	uint16_t counted_cpu;		/* poll accounting: CPU and poll sequence last counted */
	uint16_t outer_dev;		/* queued nested in this device's transmit (a tunnel), or 0 */
	uint32_t counted_seq;
	int32_t pend;			/* its slot in the pending ring, or -1 */
	int32_t where;			/* its device's interface in the node context, or -1 */
	bool live;			/* in flight (in the list) */
	bool awaiting_link;		/* off the list, waiting only for its re-injected packet */
	bool freed_soft : 1;		/* freed in the softirq of its receive (an upcall's end) */
	bool gro_held : 1;		/* counted at napi_gro_receive_entry, not received yet */
	bool seen_entry : 1;		/* a hop is an *_entry event: finalize() looks */
	uint8_t wait_end;		/* enum skbt_jend if no packet comes back */
	struct skbt_hop *hops;		/* inl, or an xhops array past INLINE_HOPS hops */
	struct skbt_hop inl[INLINE_HOPS];
	struct skbt_journey j;		/* header only: must stay the last member */
};

#define NODE_BYTES ((offsetof(struct jnode, j) + offsetof(struct skbt_journey, hops) + 15) & ~(size_t)15)
/*
 * A busy 256-CPU node has 210,000 journeys in flight (bench/scale.sh): each byte here is
 * 200 KB of its RSS (docs/performance.md, issue 21).  On 64-bit targets.
 */
_Static_assert(sizeof(void *) != 8 || NODE_BYTES <= 432, "a journey in flight grew");

/*
 * A journey that may be linked to an skb coming back from ovs-vswitchd.  The ring keeps them
 * in time order (expiry); a chain per length bucket lets a re-injected packet find its
 * candidates without a scan, and a journey that moves on leaves its chain at once, so a
 * chain holds only packets that went nowhere since their receive.
 */
struct pending {
	struct jnode *n;
	uint64_t id;
	uint64_t ts;
	uint16_t dev;
	uint16_t hop;
	uint32_t len;
	int32_t bprev, bnext;	/* length-bucket chain, -1 ends it */
	bool in;		/* in its chain (not unlinked yet) */
	bool tx;		/* sent through an internal port (else received on a port) */
};

#define PENDING_CAP 4096
#define PBUCKETS 512
#define PIDCACHE 1024
#define CHUNK_BYTES (2u << 20)
#define CHUNK ((int)(CHUNK_BYTES / NODE_BYTES))

/* What this trace taught about a device (devf[]). */
#define DF_ROLE_KNOWN	0x01	/* role (bits 1-2) asked of the node context */
#define DF_ROLE_SHIFT	1
#define DF_FP_PORT	0x08	/* received a packet that OVS then handed to netif_rx */
#define DF_FP_INTERNAL	0x10	/* that netif_rx's device: an internal port */
#define DF_LINK_INTERNAL 0x20	/* a re-injected packet arrived on it */
#define DF_LOCAL	0x40	/* a packet received on it was freed by a task: local delivery */

struct cpu_state {
	uint32_t poll_seq;
	uint32_t traced;	/* receives since the last napi_poll on this CPU */
	uint32_t lost_polls;	/* polls left in a lost-events window */
	uint32_t held;		/* of them: GRO'd in an earlier poll (count_receive()) */
	uint64_t lost_until;
	struct jnode *last_rx;	/* last netif_rx on this CPU, for netif_rx_exit's verdict */
	uint64_t last_skb;	/* address of the last event with one on this CPU */
	uint64_t last_rx_id;
	struct jnode *hot;	/* journey of this CPU's last event: the next one is often its */
	/* a journey queued nested in a tunnel's transmit, freed here (the lower device's
	 * software GSO consumed it): its address, when, and the tunnel (stacked_completion()) */
	uint64_t gone_addr, gone_ts;
	uint16_t gone_outer;
};

struct skbt_journeys {
	struct skbt_journeys_config cfg;
	struct skbt_journeys_cb cb;
	struct skbt_journeys_counters c;
	struct tslot { uint64_t addr; struct jnode *n; } *tab;	/* addr 0: empty */
	size_t tcap, tcount;
	struct jnode held;	/* in the slot of an address between two journeys ... */
	size_t held_slot;	/* ... this one, unless moved since */
	struct jnode *lhead, *ltail;
	struct jnode *free;
	union xhops *xfree;		/* unused hop arrays */
	struct skbt_journey out;	/* the journey being handed over */
	void **chunks;
	size_t nchunks;
	uint64_t next_id;
	struct pending pend[PENDING_CAP];
	unsigned int pend_head, pend_len;
	int32_t bhead[PBUCKETS], btail[PBUCKETS];
	struct cpu_state *cpus;
	unsigned int ncpus;
	uint8_t *devf;
	unsigned int ndevf;
	int32_t *devw;			/* by device: dev_link(NONE, dev)'s where + 2, 0 not asked */
	unsigned int ndevw;
	struct { int32_t pid1; bool ovs; } pidc[PIDCACHE];	/* pid + 1, 0 = empty */
	int32_t next_where;		/* continues() found the next hop's interface */
	bool where_set;
};

static size_t hash_addr(uint64_t a, size_t n)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdULL;
	a ^= a >> 29;
	return a & (n - 1);
}

/*
 * The table of addresses in flight: open addressing, linear probing, at most half full.  The
 * address is in the slot, so a lookup touches no journey but the one it finds (a chained
 * table read every node of the chain: a cache miss each, most of the lookups' time).
 */
static struct jnode *lookup(struct skbt_journeys *jb, uint64_t addr)
{
	for (size_t i = hash_addr(addr, jb->tcap);; i = (i + 1) & (jb->tcap - 1)) {
		if (jb->tab[i].addr == addr)
			return jb->tab[i].n;
		if (!jb->tab[i].addr)
			return NULL;
	}
}

/* The slot that holds @n under @addr. */
static size_t slot_of(struct skbt_journeys *jb, uint64_t addr, const struct jnode *n)
{
	size_t mask = jb->tcap - 1, i;

	for (i = hash_addr(addr, jb->tcap); jb->tab[i].n != n; i = (i + 1) & mask)
		;
	return i;
}

/* Empty slot @i. */
static void slot_del(struct skbt_journeys *jb, size_t i)
{
	size_t mask = jb->tcap - 1, k;

	/* move back the entries after it that would no longer be found past the hole */
	for (k = (i + 1) & mask; jb->tab[k].addr; k = (k + 1) & mask) {
		size_t h = hash_addr(jb->tab[k].addr, jb->tcap);

		if (((k - h) & mask) >= ((k - i) & mask)) {
			jb->tab[i] = jb->tab[k];
			i = k;
		}
	}
	jb->tab[i].addr = 0;
	jb->tab[i].n = NULL;
	jb->tcount--;
}

static void table_del(struct skbt_journeys *jb, struct jnode *n)
{
	if (!n->addr)
		return;
	slot_del(jb, slot_of(jb, n->addr, n));
	n->addr = 0;
}

/*
 * A new skb at the address of journey @n, which ends: its slot is kept for the one that
 * follows (table_take()), holding jb->held meanwhile.  Most journeys of a flood end so, and
 * a removal (with its backward shift) and an insertion were 3 % of the analysis thread.
 */
static void table_hold(struct skbt_journeys *jb, struct jnode *n)
{
	jb->held_slot = slot_of(jb, n->addr, n);
	jb->tab[jb->held_slot].n = &jb->held;
	n->addr = 0;
}

/* The slot table_hold() kept for @addr, now @n's; or (@n NULL) emptied. */
static void table_take(struct skbt_journeys *jb, struct jnode *n, uint64_t addr)
{
	size_t i = jb->held_slot;

	if (jb->tab[i].n != &jb->held)	/* moved back by a removal since (an upcall's) */
		i = slot_of(jb, addr, &jb->held);

	if (!n) {
		slot_del(jb, i);
		return;
	}
	jb->tab[i].n = n;
	n->addr = addr;
}

static void table_put(struct tslot *tab, size_t cap, uint64_t addr, struct jnode *n)
{
	size_t i = hash_addr(addr, cap);

	while (tab[i].addr)
		i = (i + 1) & (cap - 1);
	tab[i].addr = addr;
	tab[i].n = n;
}

static int table_add(struct skbt_journeys *jb, struct jnode *n, uint64_t addr)
{
	if (2 * (jb->tcount + 1) > jb->tcap) {
		size_t cap = 2 * jb->tcap;
		struct tslot *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < jb->tcap; i++)
			if (jb->tab[i].addr)
				table_put(t, cap, jb->tab[i].addr, jb->tab[i].n);
		free(jb->tab);
		jb->tab = t;
		jb->tcap = cap;
	}
	table_put(jb->tab, jb->tcap, addr, n);
	jb->tcount++;
	n->addr = addr;
	return 0;
}

static void list_del(struct skbt_journeys *jb, struct jnode *n)
{
	if (!n->live)
		return;
	if (n->lprev)
		n->lprev->lnext = n->lnext;
	else
		jb->lhead = n->lnext;
	if (n->lnext)
		n->lnext->lprev = n->lprev;
	else
		jb->ltail = n->lprev;
	n->lprev = n->lnext = NULL;
	n->live = false;
	jb->c.live--;
}

static void list_add_tail(struct skbt_journeys *jb, struct jnode *n)
{
	n->lprev = jb->ltail;
	n->lnext = NULL;
	if (jb->ltail)
		jb->ltail->lnext = n;
	else
		jb->lhead = n;
	jb->ltail = n;
	n->live = true;
	if (++jb->c.live > jb->c.peak_live)
		jb->c.peak_live = jb->c.live;
}

static void touch(struct skbt_journeys *jb, struct jnode *n, uint64_t ts)
{
	n->last_ts = ts;
	if (n->live && jb->ltail != n) {
		list_del(jb, n);
		list_add_tail(jb, n);
	}
}

static struct jnode *node_alloc(struct skbt_journeys *jb)
{
	struct jnode *n;

	if (!jb->free) {
		void **c = realloc(jb->chunks, (jb->nchunks + 1) * sizeof(*c));
		struct jnode *blk;

		if (!c)
			return NULL;
		jb->chunks = c;
		/*
		 * 2 MiB, aligned, and a transparent huge page where the kernel gives one: a
		 * flood without free events keeps tens of thousands of journeys in flight, and
		 * faulting their memory in 4 KiB pages was a fifth of the analyzer's time.
		 */
		blk = aligned_alloc(CHUNK_BYTES, CHUNK_BYTES);
		if (!blk)
			return NULL;
		madvise(blk, CHUNK_BYTES, MADV_HUGEPAGE);
		jb->chunks[jb->nchunks++] = blk;
		for (int i = CHUNK - 1; i >= 0; i--) {
			struct jnode *f = (struct jnode *)((char *)blk + (size_t)i * NODE_BYTES);

			f->j.id = 0;	/* not in use (skbt_journeys_free() looks) */
			f->hops = f->inl;
			f->fnext = jb->free;
			jb->free = f;
		}
	}
	n = jb->free;
	jb->free = n->fnext;
	/* Only the header needs clearing: hops are written before being read. */
	memset(&n->j, 0, offsetof(struct skbt_journey, hops));
	n->hops = n->inl;
	n->lprev = n->lnext = NULL;
	n->addr = 0;
	n->last = NO_HOP;
	n->link_hop = NO_HOP;
	n->counted_cpu = 0xffff;
	n->outer_dev = 0;
	n->counted_seq = 0;
	n->gro_held = false;
	n->seen_entry = false;
	n->pend = -1;
	n->where = -1;
	n->live = false;
	n->awaiting_link = false;
	n->freed_soft = false;
	return n;
}

static void node_release(struct skbt_journeys *jb, struct jnode *n)
{
	if (n->hops != n->inl) {
		union xhops *x = (union xhops *)n->hops;

		x->next = jb->xfree;
		jb->xfree = x;
		n->hops = n->inl;
	}
	n->j.id = 0;	/* invalidates references held in the pending ring */
	n->fnext = jb->free;
	jb->free = n;
}

static struct cpu_state *cpu_grow(struct skbt_journeys *jb, unsigned int cpu)
{
	unsigned int n = cpu + 1 > 2 * jb->ncpus ? cpu + 1 : 2 * jb->ncpus;
	struct cpu_state *c = realloc(jb->cpus, n * sizeof(*c));

	if (!c)
		return NULL;
	memset(c + jb->ncpus, 0, (n - jb->ncpus) * sizeof(*c));
	jb->cpus = c;
	jb->ncpus = n;
	return &jb->cpus[cpu];
}

static inline struct cpu_state *cpu_get(struct skbt_journeys *jb, unsigned int cpu)
{
	return cpu < jb->ncpus ? &jb->cpus[cpu] : cpu_grow(jb, cpu);
}

/* ---- stages and path, computed once when a journey ends ---- */

static void emit(struct skbt_journey *j, enum skbt_stage st, unsigned int from, unsigned int to)
{
	struct skbt_stage_span *s;
	uint64_t a = j->hops[from].ts, b = j->hops[to].ts;

	if (j->nstages >= SKBT_MAX_STAGES)
		return;
	s = &j->stages[j->nstages++];
	s->stage = st;
	s->from = from;
	s->to = to;
	/* Cross-CPU hops under a per-CPU clock ("local") can go backwards: clamp, never wrap. */
	s->ns = b > a ? b - a : 0;
	j->hops[from].in_chain = 1;
	j->hops[to].in_chain = 1;
}

#define ROLE_BIT(r) (1u << (r))

/* The stages, path and flags of @j from its hops; returns the ROLE_BIT()s of its hops. */
static uint32_t compute_stages(struct skbt_journey *j, unsigned int link_hop)
{
	int anchor = -1, entry = -1;
	bool seen_rx = false, socket = false;
	enum role ar = R_NONE;	/* the anchor's */
	uint32_t roles = 0;

	j->nstages = 0;
	j->ndevs = 0;
	j->origin_dev = 0;
	for (unsigned int i = 0; i < j->nhops; i++) {
		struct skbt_hop *h = &j->hops[i];
		enum role r = role_of(h->kind);
		bool same_dev = anchor >= 0 && j->hops[anchor].dev == h->dev;

		roles |= ROLE_BIT(r);
		/* the free and the copy often run in the receiving task: no CPU change */
		if (h->cpu != j->hops[0].cpu && r != R_FREE && r != R_SOCK)
			j->flags |= SKBT_JF_CPU_CHANGE;
		/* path: devices received on, then transmitted to; tx before any receive: origin */
		if (rx_side(r) || (r == R_QUEUE && seen_rx)) {
			seen_rx = true;
			if ((!j->ndevs || j->devs[j->ndevs - 1] != h->dev) &&
			    j->ndevs < SKBT_MAX_PATH_DEVS)
				j->devs[j->ndevs++] = h->dev;
		} else if (r == R_QUEUE && !j->origin_dev) {
			j->origin_dev = h->dev;
		}

		if (i == link_hop) {
			/* first hop of the skb ovs-vswitchd sent back after the upcall */
			if (anchor >= 0)
				emit(j, SKBT_STAGE_UPCALL, anchor, i);
			anchor = i;
			ar = r;
			entry = -1;
			continue;
		}
		switch (r) {
		case R_ENTRY:
			entry = i;
			break;
		case R_GRO:
			if (ar == R_QUEUE || ar == R_XMIT)
				emit(j, SKBT_STAGE_XMIT, anchor, i);
			anchor = i;
			entry = -1;
			break;
		case R_RECV:
			if (anchor < 0) {
				if (entry >= 0 && j->hops[entry].cpu != h->cpu)
					emit(j, SKBT_STAGE_RPS, entry, i);
			} else if (ar == R_GRO) {
				if (j->hops[anchor].cpu == h->cpu) {
					emit(j, SKBT_STAGE_GRO, anchor, i);
				} else if (entry > anchor && j->hops[entry].cpu == j->hops[anchor].cpu) {
					emit(j, SKBT_STAGE_GRO, anchor, entry);
					emit(j, SKBT_STAGE_RPS, entry, i);
				} else {
					emit(j, SKBT_STAGE_RPS, anchor, i);
				}
			} else if (ar == R_RX && same_dev) {
				emit(j, SKBT_STAGE_BACKLOG, anchor, i);
			} else if ((ar == R_RECV && !same_dev) || ar == R_EXEC) {
				emit(j, SKBT_STAGE_FORWARD, anchor, i);
			} else if (ar == R_QUEUE || ar == R_XMIT) {
				emit(j, SKBT_STAGE_XMIT, anchor, i);
			}
			anchor = i;
			entry = -1;
			break;
		case R_RX:
			if ((ar == R_RECV && !same_dev) || ar == R_EXEC)
				emit(j, SKBT_STAGE_FORWARD, anchor, i);
			else if (ar == R_QUEUE || ar == R_XMIT)
				emit(j, SKBT_STAGE_XMIT, anchor, i);
			anchor = i;
			entry = -1;
			break;
		case R_QUEUE:
			if (ar == R_RECV || ar == R_EXEC || (ar == R_QUEUE && !same_dev))
				emit(j, SKBT_STAGE_FORWARD, anchor, i);
			anchor = i;
			entry = -1;
			break;
		case R_XMIT:
			/* On veth the peer's receive comes before net_dev_xmit: then it is off-chain. */
			if (ar == R_QUEUE && same_dev) {
				emit(j, SKBT_STAGE_XMIT, anchor, i);
				anchor = i;
			}
			break;
		case R_UPCALL:
			if (ar == R_RECV || ar == R_QUEUE)
				emit(j, SKBT_STAGE_FORWARD, anchor, i);
			anchor = i;
			break;
		case R_FREE:
			/* the upcall's copy went up, the original is freed: keep the anchor */
			if (ar == R_UPCALL || (link_hop != NO_HOP && i < link_hop))
				break;
			if (ar == R_RECV)
				emit(j, SKBT_STAGE_STACK, anchor, i);
			else if (ar == R_RX)
				emit(j, SKBT_STAGE_BACKLOG, anchor, i);
			else if (ar == R_GRO)
				emit(j, SKBT_STAGE_GRO, anchor, i);
			else if (ar == R_QUEUE)
				emit(j, SKBT_STAGE_XMIT, anchor, i);
			anchor = i;
			break;
		case R_SOCK:
			/* the first copy out of the socket; the anchor stays for the free (stack) */
			if (ar == R_RECV && !socket)
				emit(j, SKBT_STAGE_SOCKET, anchor, i);
			socket = true;
			break;
		default:
			break;
		}
		if (anchor == (int)i)
			ar = r;
	}

	if (!seen_rx) {
		/* a transmit-only journey: its path is the devices it was queued on */
		j->flags |= SKBT_JF_TX_ONLY;
		bool queued = false;

		j->origin_dev = 0;
		for (unsigned int i = 0; i < j->nhops; i++)
			queued |= j->hops[i].kind == SKBT_EV_NET_DEV_QUEUE;
		for (unsigned int i = 0, run = 0; i < j->nhops; i++) {
			struct skbt_hop *h = &j->hops[i];
			enum role hr = role_of(h->kind);

			if (i == link_hop)
				run = j->ndevs;	/* the re-injected skb's transmit comes after */
			/* devices it was queued on; only completions when the queueing was not seen */
			if (queued ? hr != R_QUEUE : !tx_side(hr))
				continue;
			if (j->ndevs && j->devs[j->ndevs - 1] == h->dev)
				continue;
			if (j->ndevs >= SKBT_MAX_PATH_DEVS)
				continue;
			if (queued) {
				j->devs[j->ndevs++] = h->dev;
				continue;
			}
			/* nested transmits complete inner first (br-int's after eth0's): the
			 * outer device goes before the ones of its run */
			memmove(&j->devs[run + 1], &j->devs[run], (j->ndevs - run) * sizeof(j->devs[0]));
			j->devs[run] = h->dev;
			j->ndevs++;
		}
	}
	return roles;
}

/* ---- facts about devices and tasks, asked once each ---- */

static uint8_t *devf_get(struct skbt_journeys *jb, unsigned int dev)
{
	if (dev >= jb->ndevf) {
		unsigned int n = dev + 1 > 2 * jb->ndevf ? dev + 1 : 2 * jb->ndevf;
		uint8_t *f = realloc(jb->devf, n);

		if (!f)
			return NULL;
		memset(f + jb->ndevf, 0, n - jb->ndevf);
		jb->devf = f;
		jb->ndevf = n;
	}
	return &jb->devf[dev];
}

/* The interface of the node context device @dev is, if only one can be (-1: not known). */
static int32_t dev_where(struct skbt_journeys *jb, unsigned int dev)
{
	int where = -1;

	if (dev >= jb->ndevw) {
		unsigned int n = dev + 1 > 2 * jb->ndevw ? dev + 1 : 2 * jb->ndevw;
		int32_t *w = realloc(jb->devw, n * sizeof(*w));

		if (!w) {
			jb->cfg.dev_link(SKBT_DEV_NONE, dev, SKBT_PASS_WIRE, &where,
					 jb->cfg.hint_arg);
			return where;
		}
		memset(w + jb->ndevw, 0, (n - jb->ndevw) * sizeof(*w));
		jb->devw = w;
		jb->ndevw = n;
	}
	if (!jb->devw[dev]) {
		jb->cfg.dev_link(SKBT_DEV_NONE, dev, SKBT_PASS_WIRE, &where, jb->cfg.hint_arg);
		jb->devw[dev] = where + 2;
	}
	return jb->devw[dev] - 2;
}

/* The node context's word on @dev (SKBT_OVS_UNKNOWN without one). */
static enum skbt_ovs_role dev_role(struct skbt_journeys *jb, unsigned int dev)
{
	uint8_t *f = devf_get(jb, dev);

	if (!f || dev == SKBT_DEV_NONE || !jb->cfg.dev_ovs)
		return SKBT_OVS_UNKNOWN;
	if (!(*f & DF_ROLE_KNOWN))
		*f |= DF_ROLE_KNOWN | (jb->cfg.dev_ovs(dev, jb->cfg.hint_arg) & 3) << DF_ROLE_SHIFT;
	return (*f >> DF_ROLE_SHIFT) & 3;
}

static uint8_t dev_flags(const struct skbt_journeys *jb, unsigned int dev)
{
	return dev < jb->ndevf ? jb->devf[dev] : 0;
}

static void dev_learn(struct skbt_journeys *jb, unsigned int dev, uint8_t flag)
{
	uint8_t *f = devf_get(jb, dev);

	if (f)
		*f |= flag;
}

/*
 * Can a packet received on @dev be an upcall's original?  Only a datapath port's packets go
 * to OVS: not an internal port's (they are delivered to this host), nor a device that this
 * trace showed delivering locally.
 */
static bool upcall_source(struct skbt_journeys *jb, unsigned int dev)
{
	switch (dev_role(jb, dev)) {
	case SKBT_OVS_PORT:
		return true;
	case SKBT_OVS_UNKNOWN:
		return !(dev_flags(jb, dev) & (DF_FP_INTERNAL | DF_LINK_INTERNAL | DF_LOCAL));
	default:
		return false;
	}
}

/* Can a packet sent through @dev be a transmit-side upcall's original?  An internal port's. */
static bool tx_upcall_source(struct skbt_journeys *jb, unsigned int dev)
{
	switch (dev_role(jb, dev)) {
	case SKBT_OVS_INTERNAL:
		return true;
	case SKBT_OVS_UNKNOWN:
		return dev_flags(jb, dev) & (DF_FP_INTERNAL | DF_LINK_INTERNAL);
	default:
		return false;
	}
}

static bool ovs_thread(struct skbt_journeys *jb, int pid)
{
	unsigned int k = (unsigned int)pid % PIDCACHE;

	if (!jb->cfg.ovs_thread || pid <= 0)
		return false;
	if (jb->pidc[k].pid1 != pid + 1) {
		jb->pidc[k].pid1 = pid + 1;
		jb->pidc[k].ovs = jb->cfg.ovs_thread(pid, jb->cfg.hint_arg);
	}
	return jb->pidc[k].ovs;
}

/* out of line: only OVS nodes have journeys pending (add_hop() asks at every hop) */
static __attribute__((noinline)) void pending_unlink(struct skbt_journeys *jb, int32_t slot)
{
	struct pending *p = &jb->pend[slot];
	unsigned int b = p->len % PBUCKETS;

	if (!p->in)
		return;
	if (p->bprev >= 0)
		jb->pend[p->bprev].bnext = p->bnext;
	else
		jb->bhead[b] = p->bnext;
	if (p->bnext >= 0)
		jb->pend[p->bnext].bprev = p->bprev;
	else
		jb->btail[b] = p->bprev;
	p->in = false;
	if (p->n->j.id == p->id && p->n->pend == slot)
		p->n->pend = -1;
}

/*
 * Learn from a finished journey that OVS handed a packet received on A to netif_rx(B): B is
 * an internal port (internal_dev_recv(), net/openvswitch/vport-internal_dev.c), A a datapath
 * port.  A Linux bridge forwarding to a veth looks the same unless the transmit shows: with
 * net_dev_queue recorded the queue hop stands between, with only net_dev_xmit it follows.
 */
static void learn_fast_path(struct skbt_journeys *jb, const struct skbt_journey *j)
{
	if (!jb->cfg.ovs_node || (!jb->cfg.have_queue_events && !jb->cfg.have_xmit_events))
		return;
	for (unsigned int i = 0; i + 1 < j->nhops; i++) {
		const struct skbt_hop *a = &j->hops[i], *b;
		unsigned int k = i + 1;

		if (a->kind != SKBT_EV_NETIF_RECEIVE_SKB || !(a->ctx & SKBT_CTX_SOFTIRQ))
			continue;
		while (k < j->nhops && role_of(j->hops[k].kind) == R_EXEC)
			k++;
		if (k >= j->nhops)
			return;
		b = &j->hops[k];
		if (b->kind != SKBT_EV_NETIF_RX || b->dev == a->dev || b->cpu != a->cpu)
			continue;
		for (unsigned int t = k; t < j->nhops; t++)
			if (tx_side(role_of(j->hops[t].kind)))
				return;
		dev_learn(jb, a->dev, DF_FP_PORT);
		dev_learn(jb, b->dev, DF_FP_INTERNAL);
		return;
	}
}

/* Path devices the journey showed the namespace of get that name (same-named devices). */
static void name_devs(struct skbt_journeys *jb, struct skbt_journey *j)
{
	for (unsigned int d = 0; d < j->ndevs; d++) {
		int where = -1;

		for (unsigned int i = 0; i < j->nhops; i++)
			if (j->hops[i].dev == j->devs[d] && j->hops[i].where >= 0)
				where = j->hops[i].where;
		if (where >= 0)
			j->devs[d] = jb->cfg.dev_named(j->devs[d], where, jb->cfg.hint_arg);
	}
}

/* The *_entry events, which carry skb->hash (in their hop's aux). */
static bool is_entry(unsigned int kind)
{
	return kind == SKBT_EV_NAPI_GRO_RECEIVE_ENTRY || kind == SKBT_EV_NETIF_RECEIVE_SKB_ENTRY ||
	       kind == SKBT_EV_NETIF_RECEIVE_SKB_LIST_ENTRY || kind == SKBT_EV_NETIF_RX_ENTRY;
}

/*
 * End a journey: compute its stages, hand it over, recycle it.  A drop's reason and location
 * are set in jb->out just before (a journey in flight has no room for them).
 */
static void finalize(struct skbt_journeys *jb, struct jnode *n, enum skbt_jend end)
{
	struct skbt_journey *j = &jb->out;
	uint32_t roles;

	table_del(jb, n);
	list_del(jb, n);
	if (n->pend >= 0)
		pending_unlink(jb, n->pend);
	n->awaiting_link = false;
	n->j.end = end;
	memcpy(j, &n->j, offsetof(struct skbt_journey, hops));
	memcpy(j->hops, n->hops, n->j.nhops * sizeof(j->hops[0]));
	roles = compute_stages(j, n->link_hop);
	if ((end == SKBT_JEND_REUSED || end == SKBT_JEND_IDLE || end == SKBT_JEND_EOF ||
	     end == SKBT_JEND_CONSUMED) &&
	    (roles & ROLE_BIT(R_GRO)) && !(roles & (ROLE_BIT(R_RECV) | ROLE_BIT(R_RX)))) {
		/* A journey that reached GRO but no receive was merged into another skb (its
		 * address is then free for reuse at once, with no event: observed.md "GRO").
		 * A segment chained on the head's frag_list has one more event: consume_skb
		 * from skb_release_data() when the head is freed; it is merged all the same
		 * (napi_gro_receive_entry -> consume_skb is no "gro" stage of its own). */
		n->j.end = SKBT_JEND_GRO_MERGED;
		j->end = SKBT_JEND_GRO_MERGED;
	}
	learn_fast_path(jb, j);
	if (jb->cfg.dev_named)
		name_devs(jb, j);
	j->hash = 0;
	for (unsigned int i = 0; n->seen_entry && i < j->nhops && !j->hash; i++)
		if (is_entry(j->hops[i].kind))
			j->hash = j->hops[i].aux;
	if (j->flow.kind == SKBT_FLOW_NONE && j->hash) {
		/* no headers (yet): the skb hash tells flows apart, without addresses */
		j->flow.kind = SKBT_FLOW_HASH;
		j->flow.hash = j->hash;
	}
	jb->c.journeys++;
	jb->cb.journey(j, jb->cb.arg);
	/* what is set after the hops starts clear for the next one */
	j->drop_reason = 0;
	j->drop_location = 0;
	j->pkt = 0;
	memset(&j->flow, 0, sizeof(j->flow));
	node_release(jb, n);
}

/* The slot of @n's next hop past its first INLINE_HOPS: out of line, most journeys are short. */
static __attribute__((noinline)) unsigned int hop_slot(struct skbt_journeys *jb, struct jnode *n)
{
	struct skbt_journey *j = &n->j;
	unsigned int cap = n->hops == n->inl ? INLINE_HOPS : SKBT_MAX_HOPS;

	if (j->nhops == INLINE_HOPS && cap == INLINE_HOPS) {
		union xhops *x = jb->xfree;

		if (x)
			jb->xfree = x->next;
		else
			x = malloc(sizeof(*x));
		if (x) {	/* else it keeps what fits (out of memory: a truncated journey) */
			memcpy(x->h, n->inl, sizeof(n->inl));
			n->hops = x->h;
			cap = SKBT_MAX_HOPS;
		}
	}
	if (j->nhops >= cap) {
		j->flags |= SKBT_JF_HOPS_TRUNCATED;
		/* keep the last slot for the newest hop so the journey's end stays right */
		return cap - 1;
	}
	return j->nhops++;
}

static void add_hop(struct skbt_journeys *jb, struct jnode *n, const struct skbt_event *ev)
{
	struct skbt_journey *j = &n->j;
	struct skbt_hop *h;
	enum role r = role_of(ev->kind);
	unsigned int i;

	/* fewer than INLINE_HOPS: room in either array (a journey on xhops may have lost a copy) */
	if (j->nhops < INLINE_HOPS)
		i = j->nhops++;
	else
		i = hop_slot(jb, n);
	h = &n->hops[i];
	h->ts = ev->ts;
	h->skb = ev->skb;
	h->cpu = ev->cpu;
	h->kind = ev->kind;
	h->dev = ev->dev;
	h->ctx = ev->ctx;
	h->in_chain = 0;
	h->len = ev->len;
	h->pid = ev->pid;
	h->aux = 0;
	/* frees and socket copies carry no device: where it was last */
	if ((r == R_FREE || r == R_SOCK) && j->nhops > 1)
		h->dev = n->hops[j->nhops - 2].dev;
	if (ev->kind == SKBT_EV_KFREE_SKB)
		h->aux = ev->u.drop.reason;
	else if (ev->kind == SKBT_EV_OVS_DO_EXECUTE_ACTION)
		h->aux = ev->u.ovs.action;
	else if (is_entry(ev->kind)) {
		h->aux = ev->u.entry.hash;	/* skb->hash: the flow key when no headers were captured */
		n->seen_entry = true;
	}
	/* a transmit step annotates the journey, unless it is the first hop (a GSO segment) */
	if (r != R_EXEC && (r != R_START || n->last == NO_HOP) && r != R_SOCK &&
	    !(r == R_XMIT && n->last != NO_HOP && role_of(n->hops[n->last].kind) != R_QUEUE &&
	      role_of(n->hops[n->last].kind) != R_START))
		n->last = i;
	/* the node context may know which namespace's device it is now on */
	if (jb->cfg.dev_link && h->dev != SKBT_DEV_NONE &&
	    (j->nhops == 1 || n->hops[j->nhops - 2].dev != h->dev)) {
		n->where = jb->where_set ? jb->next_where : dev_where(jb, h->dev);
	}
	jb->where_set = false;
	h->where = n->where;
	/* it moved on from the hop it waited at: no longer a packet that went nowhere */
	if (n->pend >= 0 && !n->awaiting_link && r != R_FREE && n->last != jb->pend[n->pend].hop)
		pending_unlink(jb, n->pend);
	touch(jb, n, ev->ts);
}

static bool len_compatible(uint32_t a, uint32_t b)
{
	uint32_t d = a > b ? a - b : b - a;

	/* receive events count from the network header, transmit and OVS events from the
	 * Ethernet header (14 bytes, 18 with a VLAN tag; 4 for a tag pushed or popped). */
	return d == 0 || d == 4 || d == 14 || d == 18;
}

/*
 * Is a transmit on @dev under way: queued, or handed to the driver (a software GSO segment
 * is first seen at net_dev_start_xmit, made by validate_xmit_skb() after the queueing of
 * the skb it was cut from), and not completed?
 */
static bool has_open_xmit(const struct jnode *n, uint16_t dev)
{
	bool open = false;

	for (unsigned int i = 0; i < n->j.nhops; i++) {
		if (n->hops[i].dev != dev)
			continue;
		if (n->hops[i].kind == SKBT_EV_NET_DEV_QUEUE ||
		    n->hops[i].kind == SKBT_EV_NET_DEV_START_XMIT)
			open = true;
		else if (n->hops[i].kind == SKBT_EV_NET_DEV_XMIT)
			open = false;
	}
	return open;
}

/*
 * The device whose transmit a queueing at @ev that does not continue @n is nested in: @n's
 * last hop queued it or handed it to the driver on this CPU and it has not completed.
 */
static uint16_t nested_in(const struct jnode *n, const struct skbt_event *ev)
{
	const struct skbt_hop *h;

	if (!n->j.nhops)
		return 0;
	h = &n->hops[n->j.nhops - 1];
	if ((h->kind != SKBT_EV_NET_DEV_QUEUE && h->kind != SKBT_EV_NET_DEV_START_XMIT) ||
	    h->cpu != ev->cpu || h->dev == ev->dev || h->dev == SKBT_DEV_NONE ||
	    !has_open_xmit(n, h->dev))
		return 0;
	return h->dev;
}

/*
 * A stacked device's completion: a tunnel (vxlan, geneve, gre) gives the skb it was handed
 * to the lower device's dev_queue_xmit() with its headers pushed, so the lower device's
 * net_dev_xmit comes first and the tunnel's own after it, when its ndo_start_xmit returns,
 * with the shorter length it was given (xmit_one() in net/core/dev.c traces after the
 * driver).  That queueing, at a length no other hand-off changes by, started a journey of
 * its own and noted the tunnel in it (outer_dev): the tunnel's completion belongs to no
 * journey in flight.  Without net_dev_queue nothing was noted: then it must be the CPU's
 * next event of that skb, within 100 us of the lower device's completion, shorter by a
 * tunnel's headers (20 to 160 bytes), on a device the journey never used.  Anything else at
 * that address is a new packet (a tun device's next packet at a freed address).
 */
#define STACKED_GAP_NS 100000

static bool stacked_completion(struct skbt_journeys *jb, const struct jnode *n,
			       const struct skbt_event *ev)
{
	const struct skbt_hop *h;

	if (!n->j.nhops)
		return false;
	for (unsigned int i = 0; i < n->j.nhops; i++)
		if (n->hops[i].dev == ev->dev)
			return false;
	if (n->outer_dev)
		return n->outer_dev == ev->dev && n->hops[0].cpu == ev->cpu;
	if (jb->cfg.have_queue_events || ev->cpu >= jb->ncpus || jb->cpus[ev->cpu].hot != n)
		return false;
	h = &n->hops[n->j.nhops - 1];
	return h->kind == SKBT_EV_NET_DEV_XMIT && h->cpu == ev->cpu && ev->len + 20 <= h->len &&
	       ev->len + 160 >= h->len && ev->ts - h->ts <= STACKED_GAP_NS &&
	       (h->ctx & SKBT_CTX_SOFTIRQ) == (ev->ctx & SKBT_CTX_SOFTIRQ);
}

/*
 * The same after the lower device's software GSO consumed the skb (validate_xmit_skb()):
 * the tunnel completes once every segment went out, which takes as long as they take.  A
 * new packet at that address would start with its own net_dev_queue, which is recorded
 * (only a queueing notes a tunnel): a second is bound enough.
 */
static bool stacked_after_gso(struct skbt_journeys *jb, const struct skbt_event *ev)
{
	struct cpu_state *c = ev->cpu < jb->ncpus ? &jb->cpus[ev->cpu] : NULL;

	if (!c || !c->gone_addr || c->gone_addr != ev->skb || c->gone_outer != ev->dev ||
	    ev->ts - c->gone_ts > 1000000000ULL)
		return false;
	c->gone_addr = 0;
	return true;
}

/*
 * Does the node context allow the hand-off from @from to @to (a transmit to a receive, or a
 * receive to a transmit)?  Remembers where it lands for add_hop().
 */
static bool linked(struct skbt_journeys *jb, const struct jnode *n, unsigned int from,
		   unsigned int to, enum skbt_pass how)
{
	int w = n->where;

	if (!jb->cfg.dev_link)
		return true;
	if (!jb->cfg.dev_link(from, to, how, &w, jb->cfg.hint_arg))
		return false;
	jb->next_where = w;
	jb->where_set = true;
	return true;
}

/*
 * Was the journey in @n transmitted on @dev before?  A packet received on one device is
 * not forwarded out of a device it already left by: when the next transmit there has its
 * address, the receiver freed it without an event (__kfree_skb() of a TCP ACK, a segment
 * coalesced by tcp_try_coalesce()) and the stack's next skb took it in the same softirq -
 * the reply to the packet, on the veth it came from.  (A routing loop back through the
 * same device reads as a new journey at each turn.)
 */
static bool left_by(const struct jnode *n, uint16_t dev)
{
	for (unsigned int i = 0; i < n->j.nhops; i++)
		if (n->hops[i].dev == dev && tx_side(role_of(n->hops[i].kind)))
			return true;
	return false;
}

/* Is the transmit completion @ev nested in the call that made hop @p (same CPU and context)? */
static bool nested_completion(struct skbt_journeys *jb, const struct jnode *n,
			      const struct skbt_hop *p, const struct skbt_event *ev)
{
	enum role pr = role_of(p->kind);

	/* after netif_receive_skb a forward; after netif_rx the sending veth's completion */
	if (pr == R_RECV && left_by(n, ev->dev))
		return false;
	return (rx_side(pr) || pr == R_EXEC || pr == R_XMIT || pr == R_START) &&
	       p->dev != ev->dev && p->cpu == ev->cpu && len_compatible(p->len, ev->len) &&
	       (p->ctx & SKBT_CTX_SOFTIRQ) == (ev->ctx & SKBT_CTX_SOFTIRQ) &&
	       linked(jb, n, p->dev, ev->dev,
		      pr == R_RECV ? SKBT_PASS_FORWARD : SKBT_PASS_STACKED);
}

/* Can event @ev (same address) be the next hop of the journey in @n? */
static bool continues(struct skbt_journeys *jb, const struct jnode *n,
		      const struct skbt_event *ev)
{
	const struct skbt_journey *j = &n->j;
	const struct skbt_hop *p;
	enum role r = role_of(ev->kind), pr;

	if (r == R_FREE)
		return true;
	if (n->last == NO_HOP)
		return (r == R_START || r == R_XMIT) && has_open_xmit(n, ev->dev);
	p = &n->hops[n->last];
	pr = role_of(p->kind);
	if (r == R_START || r == R_XMIT) {
		if (has_open_xmit(n, ev->dev))
			return true;
		/*
		 * Without net_dev_queue the transmit shows only when it completes, nested in
		 * the call that handed the skb on: veth_xmit() has already called the peer's
		 * netif_rx(), OVS or the bridge received it on this CPU.  An annotation then.
		 */
		/* (nested: in the same context; an ovs-vswitchd handler's transmit of a packet
		 * received and delivered before is a re-injection, a new skb at that address) */
		if (jb->cfg.have_queue_events)
			return false;
		if (nested_completion(jb, n, p, ev))
			return true;
		/*
		 * A master after the port it sent through (br0 after its veth port, whose
		 * peer's netif_rx is the chain's last hop): the port's completion is an
		 * annotation, and the master is linked to the port, not to the peer.
		 */
		p = &n->hops[n->j.nhops - 1];
		return p->kind == SKBT_EV_NET_DEV_XMIT && nested_completion(jb, n, p, ev);
	}
	if (r == R_EXEC || r == R_UPCALL)	/* OVS reports the input port */
		return (pr == R_RECV || pr == R_QUEUE || pr == R_EXEC) && p->dev == ev->dev;
	if (pr == R_EXEC)	/* re-injected by ovs-vswitchd: the output action's hand-off */
		return (r == R_RX || r == R_ENTRY || r == R_QUEUE) && len_compatible(p->len, ev->len);
	if (pr == R_UPCALL || pr == R_FREE)
		return false;
	if (p->dev == ev->dev) {
		if (rx_side(pr) && rx_side(r))
			return step_of(r) > step_of(pr);
		if (tx_side(pr) && tx_side(r))
			return step_of(r) > step_of(pr);
		/* loopback_xmit(): net_dev_queue(lo) -> netif_rx(lo) on the same CPU */
		if (tx_side(pr) && (r == R_RX || r == R_ENTRY))
			return p->cpu == ev->cpu && len_compatible(p->len, ev->len);
		/* received then queued on the same device: the stack sent a new packet */
		return false;
	}
	/* another device */
	if (pr == R_RECV) {
		/*
		 * Bridge, OVS, forwarding: the rx_handler runs inside __netif_receive_skb_core(),
		 * so the next device sees the skb on the same CPU, in the same NAPI poll (no
		 * napi_poll event on that CPU in between), or in the same process-context call.
		 */
		if (r == R_GRO || !len_compatible(p->len, ev->len) || p->cpu != ev->cpu)
			return false;
		if ((p->ctx & SKBT_CTX_SOFTIRQ) != (ev->ctx & SKBT_CTX_SOFTIRQ))
			return false;
		/* a packet is never received twice on one device: a new packet took the address */
		if (rx_side(r))
			for (unsigned int i = 0; i < j->nhops; i++)
				if (rx_side(role_of(n->hops[i].kind)) && n->hops[i].dev == ev->dev)
					return false;
		/* without napi_poll no poll boundary shows: the hand-off is the CPU's next event */
		if (!jb->cfg.have_poll_events &&
		    (ev->cpu >= jb->ncpus || jb->cpus[ev->cpu].last_skb != ev->skb))
			return false;
		if ((p->ctx & SKBT_CTX_SOFTIRQ) && jb->cfg.have_poll_events &&
		    (n->counted_cpu != ev->cpu || ev->cpu >= jb->ncpus ||
		     n->counted_seq != jb->cpus[ev->cpu].poll_seq))
			return false;
		if (tx_side(r) && left_by(n, ev->dev))
			return false;
		return linked(jb, n, p->dev, ev->dev, SKBT_PASS_FORWARD);
	}
	if (tx_side(pr) && r == R_QUEUE) {
		/*
		 * Transmit nesting (br0 -> port, br-int -> eth0 through OVS) runs inside the
		 * first dev_queue_xmit() on the same CPU, and never comes back to a device it
		 * was already queued on: a repeat is the stack re-sending (a TCP retransmit's
		 * clone can get the same address).
		 */
		for (unsigned int i = 0; i < j->nhops; i++)
			if (n->hops[i].kind == SKBT_EV_NET_DEV_QUEUE && n->hops[i].dev == ev->dev)
				return false;
		return p->cpu == ev->cpu && len_compatible(p->len, ev->len);
	}
	if (tx_side(pr))	/* veth and other software links hand the skb to the peer */
		return len_compatible(p->len, ev->len) &&
		       linked(jb, n, p->dev, ev->dev, SKBT_PASS_WIRE);
	return false;
}

/* ---- OVS upcall linking ---- */

static bool pending_valid(const struct pending *p)
{
	const struct jnode *n = p->n;

	if (!p->in || n->j.id != p->id || n->link_hop != NO_HOP)
		return false;
	if (n->awaiting_link)
		return true;
	/* still in flight and nothing happened since the hop it waits at */
	return n->live && n->last == p->hop;
}

/* The journey's wait is over with no packet back: end it as it would have ended. */
static void pending_pop(struct skbt_journeys *jb)
{
	int32_t slot = jb->pend_head;
	struct pending *o = &jb->pend[slot];
	bool waiting = o->in && o->n->j.id == o->id && o->n->awaiting_link;

	pending_unlink(jb, slot);
	if (waiting)
		finalize(jb, o->n, o->n->wait_end);
	jb->pend_head = (jb->pend_head + 1) % PENDING_CAP;
	jb->pend_len--;
}

static void pending_push(struct skbt_journeys *jb, struct jnode *n, const struct skbt_hop *h,
			 bool tx)
{
	struct pending *p;
	unsigned int b = h->len % PBUCKETS;
	int32_t slot;

	if (n->pend >= 0)
		pending_unlink(jb, n->pend);
	if (jb->pend_len == PENDING_CAP)
		pending_pop(jb);	/* full: the oldest waited long enough */
	slot = (jb->pend_head + jb->pend_len++) % PENDING_CAP;
	p = &jb->pend[slot];
	p->n = n;
	p->id = n->j.id;
	p->ts = h->ts;
	p->dev = h->dev;
	p->len = h->len;
	p->hop = h - n->hops;
	p->tx = tx;
	p->bnext = -1;
	p->bprev = jb->btail[b];
	if (p->bprev >= 0)
		jb->pend[p->bprev].bnext = slot;
	else
		jb->bhead[b] = slot;
	jb->btail[b] = slot;
	p->in = true;
	n->pend = slot;
}

static void pending_expire(struct skbt_journeys *jb, uint64_t now)
{
	while (jb->pend_len && jb->pend[jb->pend_head].ts + jb->cfg.link_window_ns < now)
		pending_pop(jb);
}

/* The oldest valid candidate of length @len for which @ok() holds, or NULL. */
static struct pending *pending_oldest(struct skbt_journeys *jb, uint32_t len,
				      bool (*ok)(struct skbt_journeys *, const struct pending *,
						 const struct skbt_event *),
				      const struct skbt_event *ev, unsigned int *matches)
{
	struct pending *best = NULL;

	for (int32_t i = jb->bhead[len % PBUCKETS]; i >= 0; i = jb->pend[i].bnext) {
		struct pending *p = &jb->pend[i];

		if (p->len != len || !pending_valid(p) || !ok(jb, p, ev))
			continue;
		if (!best)
			best = p;
		++*matches;
	}
	return best;
}

static bool ok_with_events(struct skbt_journeys *jb, const struct pending *p,
			   const struct skbt_event *ev)
{
	/* ovs_do_execute_action reports the upcall's input port, a hand-off another device */
	return role_of(ev->kind) == R_EXEC ? p->dev == ev->dev : p->dev != ev->dev;
}

static bool ok_without_events(struct skbt_journeys *jb, const struct pending *p,
			      const struct skbt_event *ev)
{
	bool tx = tx_side(role_of(ev->kind));

	/* what the trace learnt since the push may rule the device out */
	return p->dev != ev->dev && p->tx == tx &&
	       (tx ? tx_upcall_source(jb, p->dev) : upcall_source(jb, p->dev));
}

/*
 * With openvswitch events: match the upcall's input port and length (the execute event
 * reports the same port and length; netif_rx counts from the network header, the upcall
 * from the Ethernet header).  The oldest candidate wins: a handler thread serves its upcalls
 * in order.
 */
static struct jnode *find_upcall_events(struct skbt_journeys *jb, const struct skbt_event *ev,
					enum skbt_link_conf *conf, uint8_t *why)
{
	enum role r = role_of(ev->kind);
	struct pending *best;
	unsigned int matches = 0;

	if (r != R_EXEC && r != R_RX && r != R_ENTRY && r != R_QUEUE)
		return NULL;
	best = pending_oldest(jb, r == R_RX || r == R_ENTRY ? ev->len + 14 : ev->len,
			      ok_with_events, ev, &matches);
	if (!best)
		return NULL;
	*conf = matches == 1 ? SKBT_LINK_HIGH : SKBT_LINK_MEDIUM;
	*why = 1u << SKBT_LINK_EV_EVENTS;
	return best->n;
}

/*
 * Without them, ovs_packet_cmd_execute() (net/openvswitch/datapath.c) still shows: the
 * packet comes back through netif_rx() of an internal port in process context, in the
 * ovs-vswitchd thread that handled the upcall, with the original's length.  A link needs
 * OVS evidence on that side (the thread's comm, the node context, or the fast path seen in
 * this trace), so a veth sender's netif_rx on a host without OVS never links; the original
 * must be a datapath port's packet that went nowhere since its receive (or was freed right
 * there, in its softirq).  Oldest first, as above.
 */
static struct jnode *find_upcall_plain(struct skbt_journeys *jb, const struct skbt_event *ev,
				       enum skbt_link_conf *conf, uint8_t *why)
{
	enum role r = role_of(ev->kind);
	enum skbt_ovs_role br, ar;
	struct pending *best = NULL;
	unsigned int matches = 0, strong;
	bool thread, tx = r == R_QUEUE || r == R_XMIT;
	uint8_t ev_bits = 0;

	if (r != R_RX && r != R_ENTRY && r != R_QUEUE && r != R_XMIT)
		return NULL;
	/* a transmit completes first where the queueing was not recorded */
	if (r == R_XMIT && jb->cfg.have_queue_events)
		return NULL;
	thread = ovs_thread(jb, ev->pid);
	br = dev_role(jb, ev->dev);
	if (tx) {
		/* the output action's dev_queue_xmit() on a port: only the thread tells */
		if (!thread)
			return NULL;
	} else if (br == SKBT_OVS_NONE || br == SKBT_OVS_PORT) {
		if (!thread)
			return NULL;
	} else if (!thread && br != SKBT_OVS_INTERNAL &&
		   !(dev_flags(jb, ev->dev) & (DF_FP_INTERNAL | DF_LINK_INTERNAL))) {
		return NULL;
	}
	/* the same length, or 4 apart when the datapath pushed or popped a VLAN tag */
	for (int d = 0; d < 3 && !best; d++) {
		uint32_t len = d == 0 ? ev->len : d == 1 ? ev->len + 4 : ev->len - 4;

		if (d == 2 && ev->len < 4)
			break;
		best = pending_oldest(jb, len, ok_without_events, ev, &matches);
	}
	if (!best)
		return NULL;
	ar = dev_role(jb, best->dev);
	if (thread)
		ev_bits |= 1u << SKBT_LINK_EV_THREAD;
	if (tx ? ar == SKBT_OVS_INTERNAL && br == SKBT_OVS_PORT :
		 br == SKBT_OVS_INTERNAL && ar == SKBT_OVS_PORT)
		ev_bits |= 1u << SKBT_LINK_EV_CONTEXT;
	if (tx ? (dev_flags(jb, best->dev) & DF_FP_INTERNAL) && (dev_flags(jb, ev->dev) & DF_FP_PORT) :
		 (dev_flags(jb, ev->dev) & DF_FP_INTERNAL) && (dev_flags(jb, best->dev) & DF_FP_PORT))
		ev_bits |= 1u << SKBT_LINK_EV_TRACE;
	if (best->n->freed_soft)
		ev_bits |= 1u << SKBT_LINK_EV_FREED;
	strong = !!(ev_bits & 1u << SKBT_LINK_EV_THREAD) + !!(ev_bits & 1u << SKBT_LINK_EV_CONTEXT) +
		 !!(ev_bits & 1u << SKBT_LINK_EV_TRACE);
	*conf = strong >= 2 && matches == 1 ? SKBT_LINK_MEDIUM : SKBT_LINK_LOW;
	*why = ev_bits;
	if (!tx)
		dev_learn(jb, ev->dev, DF_LINK_INTERNAL);
	return best->n;
}

/*
 * @ev starts a new skb in process context: is it a packet ovs-vswitchd sent back after an
 * upcall?  Nothing to look for on a node without OVS.
 */
static struct jnode *find_upcall(struct skbt_journeys *jb, const struct skbt_event *ev,
				 enum skbt_link_conf *conf, uint8_t *why)
{
	struct jnode *n;

	if (!jb->cfg.ovs_node || (ev->ctx & (SKBT_CTX_SOFTIRQ | SKBT_CTX_HARDIRQ | SKBT_CTX_NMI)))
		return NULL;
	n = jb->cfg.have_upcall_events ? find_upcall_events(jb, ev, conf, why) :
					 find_upcall_plain(jb, ev, conf, why);
	if (n && n->pend >= 0)
		pending_unlink(jb, n->pend);
	return n;
}

/*
 * The address of @n is taken by a new packet: if @n may still be waiting for its upcall's
 * packet, keep it aside (off the in-flight list, out of the table) until the link window
 * ends, instead of ending it now.
 */
static bool set_aside(struct skbt_journeys *jb, struct jnode *n, enum skbt_jend end)
{
	if (n->pend < 0 || !pending_valid(&jb->pend[n->pend]))
		return false;
	table_del(jb, n);
	list_del(jb, n);
	n->awaiting_link = true;
	n->wait_end = end;
	return true;
}

/*
 * A packet's own free is often not traced (on 6.18, a UDP read ends in skb_attempt_defer_free()
 * and a TCP read in __kfree_skb(), net/core/skbuff.c), and its address soon holds another skb,
 * such as a netlink reply that `ip` peeks at, copies and frees.  So a copy or a free joins a
 * journey only if it can be this packet's:
 *  - a copy out of a socket moves bytes (a zero-length peek proves nothing); its length is no
 *    clue beyond that, for TCP appends later segments to an earlier skb (tcp_try_coalesce());
 *  - a free is not at a location that frees only control-plane skbs (netlink, genetlink, Unix
 *    sockets: skbt_control_plane_location()), unless it is a drop of a network packet
 *    (kfree_skb's skb->protocol, which a netlink skb leaves 0).  Frees carry their location
 *    from kernel 6.3 (consume_skb) and always (kfree_skb); without one, nothing is known.
 */
static bool free_is_control(const struct skbt_journeys *jb, const struct skbt_event *ev)
{
	if (ev->kind == SKBT_EV_KFREE_SKB && ev->u.drop.protocol)
		return false;
	return ev->u.drop.location && jb->cfg.control_free &&
	       jb->cfg.control_free(ev->u.drop.location, jb->cfg.hint_arg);
}

/* ---- feeding ---- */

#define LOST_HORIZON_NS 100000000ULL	/* 100 ms */

static void mark_lost(struct skbt_journeys *jb, const struct skbt_event *ev)
{
	struct cpu_state *c = cpu_get(jb, ev->cpu);

	jb->c.lost_markers++;
	/*
	 * A lost hop makes the next stage span two (netif_receive_skb(eth0) -> lost netif_rx ->
	 * netif_receive_skb(br-int) would read as one forward stage).  Those hops follow each
	 * other within micro- to milliseconds, so only journeys active shortly before the loss
	 * can be affected; one idle for longer waits only for its free, and a lost free loses
	 * a sample, never makes a wrong one.  The list is ordered by last event: walk from the
	 * newest.
	 */
	for (struct jnode *n = jb->ltail; n; n = n->lprev) {
		if (n->last_ts + LOST_HORIZON_NS < ev->ts)
			break;
		if (n->j.nhops && n->hops[n->j.nhops - 1].cpu == ev->cpu)
			n->j.flags |= SKBT_JF_INCOMPLETE;
	}
	if (c) {
		/*
		 * Whole sub-buffers were lost before @ev: packets whose first hops were in them
		 * show up headless until the polls that were running drain (the NIC poll and
		 * the backlog poll), or 50 ms at most.
		 */
		c->lost_polls = 2;
		c->lost_until = ev->ts + 50000000ULL;
	}
}

static bool in_lost_window(struct skbt_journeys *jb, const struct skbt_event *ev)
{
	struct cpu_state *c = ev->cpu < jb->ncpus ? &jb->cpus[ev->cpu] : NULL;

	return c && c->lost_polls && ev->ts <= c->lost_until;
}

/* @c: the state of the event's CPU (NULL: out of memory) */
static void count_receive(struct cpu_state *c, struct jnode *n, const struct skbt_event *ev)
{
	enum role r = role_of(ev->kind);

	if (r != R_GRO && r != R_RECV)
		return;
	if (!(ev->ctx & SKBT_CTX_SOFTIRQ))	/* tap without NAPI: no poll around it */
		return;
	if (!c)
		return;
	/*
	 * A receive in a later poll than the packet's napi_gro_receive_entry on this CPU is
	 * either steered by RPS into this CPU's backlog, whose poll counts it as work, or held
	 * by GRO past the poll that took it in (a poll that used its whole budget does not
	 * flush GRO: napi_complete_done() does), flushed in a later poll of its device whose
	 * work does not include it.  Which one is known at the napi_poll (on_poll()).  Either
	 * way that later poll is where its nested hops run.
	 */
	bool held = r == R_RECV && n->gro_held && n->counted_cpu == ev->cpu;

	n->gro_held = r == R_GRO;
	if (n->counted_cpu == ev->cpu && n->counted_seq == c->poll_seq)
		return;	/* a bridge's nested receive is the same packet of the same poll */
	n->counted_cpu = ev->cpu;
	n->counted_seq = c->poll_seq;
	c->traced++;
	if (held)
		c->held++;
}

static void on_poll(struct skbt_journeys *jb, const struct skbt_event *ev)
{
	struct cpu_state *c = cpu_get(jb, ev->cpu);

	if (!c)
		return;
	/* GRO flushes only in its device's polls: there, what it held was counted before */
	if (ev->dev != SKBT_DEV_NONE)
		c->traced -= c->held;
	if (jb->cb.poll)
		jb->cb.poll(ev, c->traced, jb->cb.arg);
	c->traced = 0;
	c->held = 0;
	c->poll_seq++;
	if (c->lost_polls)
		c->lost_polls--;
}

static void expire_all(struct skbt_journeys *jb, uint64_t now)
{
	while (jb->lhead && jb->lhead->last_ts + jb->cfg.idle_ns < now)
		finalize(jb, jb->lhead, SKBT_JEND_IDLE);
	pending_expire(jb, now);
}

/* Asked at every event, and mostly nothing is due: the test inline, the work out of line. */
static inline void expire(struct skbt_journeys *jb, uint64_t now)
{
	if ((jb->lhead && jb->lhead->last_ts + jb->cfg.idle_ns < now) ||
	    (jb->pend_len && jb->pend[jb->pend_head].ts + jb->cfg.link_window_ns < now))
		expire_all(jb, now);
}

void skbt_journeys_advance(struct skbt_journeys *jb, uint64_t now)
{
	expire(jb, now);
}

int skbt_journeys_feed(struct skbt_journeys *jb, const struct skbt_event *ev)
{
	struct cpu_state *c;
	struct jnode *n;
	enum role r;

	expire(jb, ev->ts);
	switch (ev->kind) {
	case SKBT_EV_LOST:
		mark_lost(jb, ev);
		return 0;
	case SKBT_EV_NAPI_POLL:
		on_poll(jb, ev);
		return 0;
	case SKBT_EV_NETIF_RX_EXIT:
		/* netif_rx() returned NET_RX_DROP: enqueue_to_backlog() found the queue full */
		if (ev->u.ret.rc != 0 && ev->cpu < jb->ncpus) {
			c = &jb->cpus[ev->cpu];
			if (c->last_rx && c->last_rx->j.id == c->last_rx_id && c->last_rx->live) {
				jb->out.drop_reason = UINT32_MAX;
				finalize(jb, c->last_rx, SKBT_JEND_DROPPED);
			}
			c->last_rx = NULL;
		}
		return 0;
	default:
		break;
	}
	r = role_of(ev->kind);
	if (r == R_NONE || !ev->skb)
		return 0;

	/* the CPU's state, asked once (nothing below grows the array for another CPU) */
	c = cpu_get(jb, ev->cpu);
	/* a node is in the table under its address alone: the same answer as lookup() */
	if (c && c->hot && c->hot->addr == ev->skb)
		n = c->hot;
	else
		n = lookup(jb, ev->skb);
	if (n && n->awaiting_link && r == R_FREE) {
		table_del(jb, n);	/* already freed once: this is a new skb at that address */
		n = NULL;
	}
	if (r == R_FREE) {
		if (n && free_is_control(jb, ev)) {
			/* ours went untraced before: the address is no clue any more, and a copy
			 * that task made just before was of that message too */
			while (n->j.nhops > 1 && n->j.nhops - 1 != n->last &&
			       role_of(n->hops[n->j.nhops - 1].kind) == R_SOCK &&
			       n->hops[n->j.nhops - 1].pid == ev->pid)
				n->j.nhops--;
			jb->c.frees_not_joined++;
			if (!set_aside(jb, n, SKBT_JEND_REUSED))
				finalize(jb, n, SKBT_JEND_REUSED);
			n = NULL;
		}
		if (!n) {
			if (ev->kind == SKBT_EV_KFREE_SKB) {
				jb->c.orphan_drops++;
				if (jb->cb.orphan_drop)
					jb->cb.orphan_drop(ev, jb->cb.arg);
			} else {
				jb->c.orphan_frees++;
			}
			return 0;
		}
		add_hop(jb, n, ev);
		if (ev->kind == SKBT_EV_KFREE_SKB) {
			jb->out.drop_reason = ev->u.drop.reason;
			jb->out.drop_location = ev->u.drop.location;
			finalize(jb, n, SKBT_JEND_DROPPED);
			return 0;
		}
		if (n->j.nhops >= 2 &&
		    role_of(n->hops[n->j.nhops - 2].kind) == R_UPCALL &&
		    jb->cfg.have_upcall_events) {
			/*
			 * The upcall copied the packet to ovs-vswitchd; wait for it to come back.
			 * It stays under its address for the net_dev_xmit that closes a transmit
			 * it was part of (the upcall ran nested inside dev_queue_xmit()).
			 */
			list_del(jb, n);
			n->awaiting_link = true;
			n->wait_end = SKBT_JEND_UPCALL;
			return 0;
		}
		if (n->j.nhops >= 2) {
			const struct skbt_hop *rh = &n->hops[n->j.nhops - 2];

			if (n->pend >= 0 && jb->pend[n->pend].hop == n->j.nhops - 2 &&
			    (ev->ctx & SKBT_CTX_SOFTIRQ) && ev->cpu == rh->cpu) {
				/* freed in its receive's softirq: what ovs_dp_upcall() leaves */
				list_del(jb, n);
				n->awaiting_link = true;
				n->freed_soft = true;
				n->wait_end = SKBT_JEND_CONSUMED;
				return 0;
			}
			if ((rh->kind == SKBT_EV_NETIF_RECEIVE_SKB || role_of(rh->kind) == R_SOCK) &&
			    !(ev->ctx & SKBT_CTX_SOFTIRQ) &&
			    !(ev->ctx & SKBT_CTX_HARDIRQ) && ev->pid)
				dev_learn(jb, rh->dev, DF_LOCAL);	/* a task took it */
		}
		if (n->outer_dev && c) {
			c->gone_addr = ev->skb;
			c->gone_ts = ev->ts;
			c->gone_outer = n->outer_dev;
		}
		finalize(jb, n, SKBT_JEND_CONSUMED);
		return 0;
	}

	if (r == R_SOCK) {
		/* a task copies a datagram it was delivered: only after a local receive */
		if (n && n->last != NO_HOP && role_of(n->hops[n->last].kind) == R_RECV) {
			if (ev->len)
				add_hop(jb, n, ev);
			else
				jb->c.copies_not_joined++;
		}
		return 0;
	}
	if (n && continues(jb, n, ev)) {
		add_hop(jb, n, ev);
	} else if (r == R_XMIT && (n ? stacked_completion(jb, n, ev) : stacked_after_gso(jb, ev))) {
		jb->c.stacked_xmits++;
		return 0;
	} else {
		struct jnode *up = NULL;
		enum skbt_link_conf conf = SKBT_LINK_NONE;
		uint16_t outer = n && r == R_QUEUE ? nested_in(n, ev) : 0;
		uint8_t why = 0;
		bool held = false;

		if (n && n->awaiting_link) {
			table_del(jb, n);	/* keeps waiting, but the address is someone else's */
		} else if (n && !set_aside(jb, n, SKBT_JEND_REUSED)) {
			table_hold(jb, n);
			held = true;
			finalize(jb, n, SKBT_JEND_REUSED);
		}
		up = find_upcall(jb, ev, &conf, &why);
		if (up) {
			table_del(jb, up);	/* its own address is no longer its packet */
			up->awaiting_link = false;
			up->j.flags |= SKBT_JF_LINKED;
			up->j.link_conf = conf;
			up->j.link_ev = why;
			jb->c.upcalls_linked++;
			for (int k = 0; k < SKBT_LINK_EV__COUNT; k++)
				jb->c.links_by_ev[k] += (why >> k) & 1;
			n = up;
			if (!n->live)
				list_add_tail(jb, n);
			add_hop(jb, n, ev);
			n->link_hop = n->j.nhops - 1;
			n->last = n->link_hop;	/* the journey goes on from the returned packet */
		} else {
			n = node_alloc(jb);
			if (!n) {
				if (held)
					table_take(jb, NULL, ev->skb);
				return -ENOMEM;
			}
			n->j.id = ++jb->next_id;
			n->j.skb = ev->skb;
			n->outer_dev = outer;
			list_add_tail(jb, n);
			add_hop(jb, n, ev);
		}
		if (in_lost_window(jb, ev))
			n->j.flags |= SKBT_JF_INCOMPLETE;
		if (held)
			table_take(jb, n, ev->skb);
		else if (table_add(jb, n, ev->skb))
			return -ENOMEM;
	}

	if (r == R_UPCALL) {
		jb->c.upcalls++;
		if (jb->cfg.have_upcall_events)
			pending_push(jb, n, &n->hops[n->j.nhops - 1], false);
	} else if (!jb->cfg.have_upcall_events && jb->cfg.ovs_node && n->link_hop == NO_HOP) {
		if (r == R_RECV && (ev->ctx & SKBT_CTX_SOFTIRQ) && upcall_source(jb, ev->dev))
			pending_push(jb, n, &n->hops[n->j.nhops - 1], false);
		/* sent through an internal port: OVS may miss it (ovs_vport_receive() from
		 * internal_dev_xmit()); with only net_dev_xmit, a journey whose first hop it is
		 * had nothing nested in it (a fast-path output completes first) */
		else if (tx_upcall_source(jb, ev->dev) &&
			 (r == R_QUEUE || (r == R_XMIT && !jb->cfg.have_queue_events &&
					   n->j.nhops == 1)))
			pending_push(jb, n, &n->hops[n->j.nhops - 1], true);
	}
	if (r == R_RX && c) {
		c->last_rx = n;
		c->last_rx_id = n->j.id;
	}
	count_receive(c, n, ev);
	if (c) {
		c->hot = n;
		if (!jb->cfg.have_poll_events)
			c->last_skb = ev->skb;
	}
	return 0;
}

void skbt_journeys_finish(struct skbt_journeys *jb)
{
	/* oldest first, so ids and callbacks stay in a stable order */
	while (jb->lhead)
		finalize(jb, jb->lhead, SKBT_JEND_EOF);
	while (jb->pend_len)
		pending_pop(jb);
}

const struct skbt_journeys_counters *skbt_journeys_counters(const struct skbt_journeys *jb)
{
	return &jb->c;
}

int skbt_journeys_new(const struct skbt_journeys_config *cfg, const struct skbt_journeys_cb *cb,
		      struct skbt_journeys **jbp)
{
	struct skbt_journeys *jb;

	if (!cb || !cb->journey)
		return -EINVAL;
	jb = calloc(1, sizeof(*jb));
	if (!jb)
		return -ENOMEM;
	if (cfg)
		jb->cfg = *cfg;
	if (!jb->cfg.idle_ns)
		jb->cfg.idle_ns = 2000000000ULL;
	if (!jb->cfg.link_window_ns)
		jb->cfg.link_window_ns = 500000000ULL;
	jb->cfg.ovs_node |= jb->cfg.have_upcall_events;
	jb->cb = *cb;
	for (int i = 0; i < PBUCKETS; i++)
		jb->bhead[i] = jb->btail[i] = -1;
	jb->tcap = 2048;
	jb->tab = calloc(jb->tcap, sizeof(*jb->tab));
	if (!jb->tab) {
		free(jb);
		return -ENOMEM;
	}
	*jbp = jb;
	return 0;
}

void skbt_journeys_free(struct skbt_journeys *jb)
{
	if (!jb)
		return;
	for (size_t i = 0; i < jb->nchunks; i++) {
		/* hop arrays of journeys never ended (an error stopped the feed) */
		for (int k = 0; k < CHUNK; k++) {
			struct jnode *n = (struct jnode *)((char *)jb->chunks[i] + (size_t)k * NODE_BYTES);

			if (n->j.id && n->hops && n->hops != n->inl)
				free(n->hops);
		}
		free(jb->chunks[i]);
	}
	while (jb->xfree) {
		union xhops *x = jb->xfree;

		jb->xfree = x->next;
		free(x);
	}
	free(jb->chunks);
	free(jb->tab);
	free(jb->cpus);
	free(jb->devf);
	free(jb->devw);
	free(jb);
}

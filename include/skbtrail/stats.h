/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats: everything the reports show, computed once from the journeys and polls.
 * Report writers (text, JSON) only render a struct skbt_stats; they compute nothing.
 */
#ifndef SKBTRAIL_STATS_H
#define SKBTRAIL_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/journey.h"

struct skbt_flows;

/*
 * Latency histogram with bounded relative error: values below 128 ns are exact; above, each
 * power of two is cut into 128 buckets, so a percentile is off by at most 1/256 (0.4 %) of
 * its value.  min, max, sum and count are exact.
 */
#define SKBT_HIST_SUB 128
#define SKBT_HIST_BUCKETS (SKBT_HIST_SUB + 57 * SKBT_HIST_SUB)

struct skbt_hist {
	uint64_t count, min, max;
	/*
	 * The sum (skbt_hist_sum): in isum while it fits in 64 bits, in sum (big) from the
	 * first value that overflows it.  The same value as adding each into a long double
	 * (exact below 2^64), without an x87 load and store per value.
	 */
	uint64_t isum;
	long double sum;
	bool big;
	uint64_t *b;		/* SKBT_HIST_BUCKETS counters, allocated at the first value */
};

/* The bucket of value @v. */
static inline unsigned int skbt_hist_bucket(uint64_t v)
{
	unsigned int e;

	if (v < SKBT_HIST_SUB)
		return v;
	e = 63 - __builtin_clzll(v);	/* >= 7 */
	return SKBT_HIST_SUB + (e - 7) * SKBT_HIST_SUB + ((v >> (e - 7)) & (SKBT_HIST_SUB - 1));
}

/* skbt_hist_add() for the first value or a sum past 64 bits: 0 or -ENOMEM. */
int skbt_hist_add_slow(struct skbt_hist *h, uint64_t v);

/* What every value adds but to the sum: min, max, count and its bucket. */
static inline void skbt_hist_note(struct skbt_hist *h, uint64_t v)
{
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->b[skbt_hist_bucket(v)]++;
}

/*
 * Add @v: 0 or -ENOMEM.  Inline: the reports' histograms take several values a journey, and
 * the call was a fifth of each add.
 */
static inline int skbt_hist_add(struct skbt_hist *h, uint64_t v)
{
	uint64_t sum;

	if (!h->b || h->big || __builtin_add_overflow(h->isum, v, &sum))
		return skbt_hist_add_slow(h, v);
	h->isum = sum;
	skbt_hist_note(h, v);
	return 0;
}
/* The sum of the values. */
long double skbt_hist_sum(const struct skbt_hist *h);
/* Value at quantile @q (0..1), nearest rank, within the bound above; 0 if empty. */
uint64_t skbt_hist_quantile(const struct skbt_hist *h, double q);
/* Count of values in [2^k, 2^(k+1)) (k = -1: the value 0). */
uint64_t skbt_hist_log2(const struct skbt_hist *h, int k);
/*
 * Add every value of @src to @dst, bucket by bucket: the same histogram as if @dst had been
 * given @src's values one by one (skbtrail-analyze a.dat b.dat: merge.h).  0 or -ENOMEM.
 */
int skbt_hist_merge(struct skbt_hist *dst, const struct skbt_hist *src);
void skbt_hist_release(struct skbt_hist *h);

struct skbt_stage_stats {
	uint8_t stage;		/* enum skbt_stage */
	uint16_t from_kind, from_dev, to_kind, to_dev;
	uint64_t pos_sum;	/* sum of the hop index it starts at: orders stages along the path */
	struct skbt_hist h;
};

struct skbt_path_stats {
	uint16_t ndevs;
	uint16_t devs[SKBT_MAX_PATH_DEVS];
	bool tx_only;
	uint64_t journeys, incomplete, cpu_change, linked;
	uint64_t ends[SKBT_JEND__COUNT];
	struct skbt_hist total;	/* first hop to last hop */
	unsigned int nstages;
	struct skbt_stage_stats *stages;
};

struct skbt_napi_stats {
	uint16_t dev;		/* SKBT_DEV_NONE: the per-CPU backlog (process_backlog) */
	uint16_t cpu;
	uint64_t polls, work, exhausted, traced, idle;	/* idle: polls with work 0 */
	uint32_t budget, max_work;
	uint64_t work_hist[65];	/* polls by work 0..63, [64] = 64 or more */
};

struct skbt_drop_stats {
	uint32_t reason;	/* UINT32_MAX: netif_rx failed (backlog full), no kfree_skb seen */
	uint64_t location;
	uint16_t dev;		/* last device of the journey, 0 if no journey owned the skb */
	int8_t stage;		/* stage that ended in the drop, -1 if none */
	uint64_t count;
};

struct skbt_cpu_stats {
	uint64_t events, journeys, polls, lost_markers;
	unsigned int napi_hint;	/* not a figure: index + 1 in napi of this CPU's last poll */
};

struct skbt_filter {
	const char *const *devs;	/* journey visits (or came from) one of these */
	unsigned int ndevs;
	const char *path;		/* exact path name "eth0>br-int" */
	int cpu;			/* -1: any; else a hop on this CPU */
	uint64_t from_ns, to_ns;	/* first hop within [from, to] (absolute trace time), 0 = open */
	uint64_t min_latency_ns;	/* journey (or @stage) at least this slow */
	int stage;			/* -1: whole journey */
	/* one more test of the caller's (--filter on the captured headers); NULL: none */
	bool (*select)(void *ctx, const struct skbt_journey *j);
	void *select_ctx;
};

/* How reports name things (wired to the event decoder by the command layer). */
struct skbt_names {
	const char *(*dev)(void *ctx, unsigned int dev);
	const char *(*reason)(void *ctx, uint32_t reason);
	const char *(*symbol)(void *ctx, uint64_t addr);
	/* skbt_control_plane_location() of @addr's symbol, without naming it; NULL: by symbol */
	bool (*control)(void *ctx, uint64_t addr);
	const char *(*comm)(void *ctx, int pid);
	/*
	 * A device known only by its name (a capture interface, the node context) as outputs
	 * show it: --redact-devs gives it the alias of the traced device of that name.  NULL:
	 * the name itself.
	 */
	const char *(*iface)(void *ctx, const char *name);
	void *ctx;
};

static inline const char *skbt_names_iface(const struct skbt_names *n, const char *name)
{
	return n->iface ? n->iface(n->ctx, name) : name;
}

struct skbt_stats {
	struct skbt_filter filter;
	bool empty_polls_unknown;	/* napi_poll recorded only where work > 0 (--events lean) */
	struct skbt_names names;
	unsigned int npaths;
	struct skbt_path_stats *paths;
	unsigned int last_path;		/* the last journey's path (most have the same) */
	unsigned int nnapi;
	struct skbt_napi_stats *napi;
	unsigned int ndrops;
	struct skbt_drop_stats *drops;	/* packets only */
	/* kfree_skb with no journey of a control-plane skb (protocol 0, freed by netlink or
	 * socket code: skbt_control_plane_location): not packets, not in @drops */
	unsigned int ncp_frees;
	struct skbt_drop_stats *cp_frees;
	uint64_t control_plane_frees;
	unsigned int ncpus;
	struct skbt_cpu_stats *cpus;
	uint64_t journeys_seen, journeys_selected, incomplete;
	uint64_t gro_merged;	/* packets merged by GRO into another skb (no path) */
	uint64_t ends[SKBT_JEND__COUNT];
	uint64_t linked[4];	/* by enum skbt_link_conf */
	/* slowest selected journeys, slowest first after skbt_stats_done() */
	unsigned int top_max, ntop;
	struct skbt_journey *top;
	uint64_t top_floor;	/* top[0]'s key once the heap is full: a faster one stays out */
	/*
	 * A flight file's trigger (skbt_stats_near): the selected journeys nearest its time
	 * (0 apart when it falls within one), in order of their first hop after done.
	 */
	uint64_t near_ns;
	unsigned int near_max, nnear;
	struct skbt_journey *near;
	/* per-flow table of the selected journeys (skbtrail/flow.h), owned by the caller; or NULL */
	struct skbt_flows *flows;
	/* budgets of paths and histograms (common.h): set @fsize to the trace file's size;
	 * an add that would exceed one returns -E2BIG with the message in @limit */
	uint64_t fsize;
	uint64_t used_paths, used_hists;
	struct skbt_err limit;
};

int skbt_stats_init(struct skbt_stats *st, const struct skbt_filter *f,
		    const struct skbt_names *names, unsigned int top);
/* Name of a path ("eth0>br-int", "tx:br-int>eth0") into @buf. */
/*
 * A drop row's reason as the machine-readable outputs name it: the kernel's drop reason name,
 * NETIF_RX_FAILED for netif_rx()'s verdict (reason UINT32_MAX), else the number, written in
 * @buf.  And the function that freed it, or NULL.
 */
const char *skbt_stats_drop_reason(const struct skbt_stats *st, uint32_t reason, char *buf,
				   size_t len);
const char *skbt_stats_drop_location(const struct skbt_stats *st, uint64_t location);
const char *skbt_stats_path_name(const struct skbt_stats *st, const uint16_t *devs,
				 unsigned int ndevs, bool tx_only, char *buf, size_t len);
/* The same with @names (a sink's, which --redact-devs sets from the start) */
const char *skbt_names_path(const struct skbt_names *names, const uint16_t *devs,
			    unsigned int ndevs, bool tx_only, char *buf, size_t len);
bool skbt_stats_selects(const struct skbt_stats *st, const struct skbt_journey *j);
/*
 * The rows, by their key (the numbers of @st's names): the path of these devices, or NULL /
 * a new zeroed one (NULL: no memory; the caller charges the paths budget); the stage of @p
 * with these ends, found or added; the drop row of @key's reason, location, device and stage
 * in *@arr, its count raised by @key->count or added (0 or -ENOMEM); the NAPI row of
 * (@dev, @cpu), found or added.  Used by the aggregation and by the merge (merge.h).
 */
struct skbt_path_stats *skbt_stats_path_find(struct skbt_stats *st, const uint16_t *devs,
					     unsigned int ndevs, bool tx_only);
struct skbt_path_stats *skbt_stats_path_new(struct skbt_stats *st, const uint16_t *devs,
					    unsigned int ndevs, bool tx_only);
struct skbt_stage_stats *skbt_stats_stage_get(struct skbt_path_stats *p, unsigned int stage,
					      unsigned int from_kind, unsigned int from_dev,
					      unsigned int to_kind, unsigned int to_dev);
int skbt_stats_drop_count(struct skbt_drop_stats **arr, unsigned int *n,
			  const struct skbt_drop_stats *key);
struct skbt_napi_stats *skbt_stats_napi_get(struct skbt_stats *st, unsigned int dev,
					    unsigned int cpu);
/* Keep the @max journeys nearest @ns (a trigger's time) as well.  0 or -ENOMEM. */
int skbt_stats_near(struct skbt_stats *st, uint64_t ns, unsigned int max);
int skbt_stats_add_journey(struct skbt_stats *st, const struct skbt_journey *j);
int skbt_stats_add_poll(struct skbt_stats *st, const struct skbt_event *ev, uint32_t traced);
/* A kfree_skb no journey owned: a packet drop, or a control-plane free (see below). */
int skbt_stats_add_orphan_drop(struct skbt_stats *st, const struct skbt_event *ev);
/* Does the function @sym (a symbol, may be NULL) free control-plane skbs (netlink, genetlink,
 * OVS datapath commands, Unix sockets) rather than packets? */
bool skbt_control_plane_location(const char *sym);
int skbt_stats_add_event(struct skbt_stats *st, const struct skbt_event *ev);
/* Sort paths, stages, polls, drops and the slowest list for rendering. */
void skbt_stats_done(struct skbt_stats *st);
void skbt_stats_release(struct skbt_stats *st);

#endif

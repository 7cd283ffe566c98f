/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * compare: before and after (`--compare BASE NEW`).  Pure functions, no I/O: per path and
 * stage, the two latency samples side by side and whether the change is significant.
 *
 * Significant means both of:
 *  - statistically: the Wilcoxon rank-sum (Mann-Whitney U) test, two-sided, normal
 *    approximation with tie correction and continuity correction, at level alpha (default
 *    0.01); not decided below SKBT_COMPARE_MIN_COUNT values on either side;
 *  - practically: |p50(new) - p50(base)| > max(min_change_ns, min_change_rel * p50(base)),
 *    by default max(1 us, 10 %).
 *
 * The samples are the statistics' histograms (struct skbt_hist, stats.h): every value of the
 * trace, in buckets exact below 128 ns and 1/128 of a power of two wide above.  The rank test
 * treats values in one bucket as ties, so it uses every packet with no sampling and no memory
 * beyond what the report already holds; what it gives up is order within 0.8 % of a value,
 * far below the practical threshold.  skbt_compare_samples() runs the same test on exact
 * values (tests, or a caller that keeps them).
 */
#ifndef SKBTRAIL_COMPARE_H
#define SKBTRAIL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skbtrail/findings.h"
#include "skbtrail/stats.h"

#define SKBT_COMPARE_ALPHA 0.01
#define SKBT_COMPARE_MIN_CHANGE_NS 1000
#define SKBT_COMPARE_MIN_CHANGE_REL 0.10
#define SKBT_COMPARE_MIN_COUNT 8	/* per side, for the normal approximation to hold */
#define SKBT_COMPARE_TEST_NAME "wilcoxon-rank-sum"

struct skbt_compare_opts {
	double alpha;			/* 0: SKBT_COMPARE_ALPHA */
	uint64_t min_change_ns;		/* 0: SKBT_COMPARE_MIN_CHANGE_NS */
	double min_change_rel;		/* 0: SKBT_COMPARE_MIN_CHANGE_REL */
};

struct skbt_compare_side {
	uint64_t count, p50_ns, p90_ns, p99_ns, p999_ns;	/* nearest-rank percentiles */
};

struct skbt_compare_test {
	struct skbt_compare_side base, new;
	int64_t p50_change_ns;		/* new - base */
	double p50_change_rel;		/* (new - base) / base, 0 when base p50 is 0 */
	uint64_t threshold_ns;		/* practical threshold for this stage */
	bool tested;			/* both sides have SKBT_COMPARE_MIN_COUNT values */
	double u;			/* U of the new sample: pairs (base, new) with new > base */
	double z;			/* standardised U, positive: new is slower */
	double p_value;			/* two-sided; 1 when not tested */
	bool stat_significant, practical, significant;
};

/* Fill in the effective options (defaults for zeros). */
void skbt_compare_opts_fill(struct skbt_compare_opts *o);

/* The test on two histograms (either may be empty). */
void skbt_compare_hists(const struct skbt_hist *base, const struct skbt_hist *new,
			const struct skbt_compare_opts *o, struct skbt_compare_test *out);
/* The test on exact values (unsorted; copied, not changed): 0 or -ENOMEM. */
int skbt_compare_samples(const uint64_t *base, size_t nbase, const uint64_t *new, size_t nnew,
			 const struct skbt_compare_opts *o, struct skbt_compare_test *out);

/* ---- paths and stages of two reports, matched by name ---- */

#define SKBT_COMPARE_NAME_MAX 256

/* --map OLD=NEW: the device called OLD in the base trace is called NEW in the new one. */
struct skbt_compare_map {
	const char *from, *to;
};

/* Parse "OLD=NEW" (both non-empty, no '>' in them); the strings point into @arg. */
int skbt_compare_map_parse(char *arg, struct skbt_compare_map *m);
/*
 * A base path name ("eth0>br0", "tx:br0>eth0") or device name with every device renamed
 * through @map (the first entry whose OLD equals it); written into @buf, returned.
 */
const char *skbt_compare_rename(const char *name, const struct skbt_compare_map *map,
				unsigned int nmap, char *buf, size_t len);

struct skbt_compare_stage {
	char name[32];				/* skbt_stage_name() */
	char from[SKBT_COMPARE_NAME_MAX];	/* "event@dev" as the new trace names it */
	char to[SKBT_COMPARE_NAME_MAX];
	const struct skbt_hist *base_h, *new_h;	/* into the two stats, NULL if absent */
	struct skbt_compare_test t;
};

struct skbt_compare_path {
	char name[SKBT_COMPARE_NAME_MAX];	/* the new trace's name */
	uint64_t base_journeys, new_journeys;	/* 0: the path is absent on that side */
	unsigned int nstages;
	struct skbt_compare_stage *stages;
};

/* Packet drops of one reason (skbt_stats_drop_reason: NO_SOCKET, NETIF_RX_FAILED, ...). */
struct skbt_compare_drop {
	char reason[64];
	uint64_t base, new;
};

/*
 * NAPI of one device on one side: the report's napi rows (stats.h skbt_napi_stats) of the
 * device summed over its CPUs (max_work and budget: the largest).
 */
struct skbt_compare_napi_side {
	uint64_t polls, packets, exhausted;
	uint32_t max_work, budget;
};

struct skbt_compare_napi {
	char dev[SKBT_COMPARE_NAME_MAX];	/* as the new trace names it */
	struct skbt_compare_napi_side base, new;
};

/*
 * The per-CPU backlog on one side, as the single-file report has it: process_backlog's napi
 * rows (stats.h) and the findings' CPU (findings.h skbt_fx_cpu): drops traced (the larger of
 * kfree_skb CPU_BACKLOG and failed netif_rx, as "counters vs trace" shows them), deepest
 * backlog, and the softnet counters' dropped and time_squeeze deltas when the file has them.
 */
struct skbt_compare_cpu_side {
	uint64_t polls, packets, drops, max_depth;
	bool has_softnet;
	uint64_t softnet_dropped, time_squeeze;
};

struct skbt_compare_cpu {
	unsigned int cpu;
	struct skbt_compare_cpu_side base, new;
};

/*
 * A finding of one side that the other does not have.  Findings match by kind and subject:
 * the kind is the id without its subject ("backlog-drops" of "backlog-drops-cpu1", "gro" of
 * "gro-veth1", "drops" of "drops-2"); the subject is "cpu N" or "dev NAME" (base names through
 * --map) when the id ends with one, else the finding's string evidence ("reason=NO_SOCKET
 * location=... dev=...").
 */
struct skbt_compare_finding {
	char kind[40];
	char subject[SKBT_COMPARE_NAME_MAX];
	const struct skbt_finding *f;		/* into that side's findings */
};

struct skbt_comparison {
	struct skbt_compare_opts o;
	unsigned int npaths;
	struct skbt_compare_path *paths;	/* new's order (busiest first), then base-only */
	unsigned int nsignificant;		/* stages marked significant */
	unsigned int ndrops;
	struct skbt_compare_drop *drops;	/* by reason, most in new first */
	unsigned int nnapi;
	struct skbt_compare_napi *napi;		/* devices: new's order, then base-only */
	unsigned int ncpus;
	struct skbt_compare_cpu *cpus;		/* CPUs with a backlog poll or drop, ascending */
	bool has_findings;			/* both sides had findings computed */
	unsigned int nappeared, ngone, nkept;	/* nkept: in both */
	struct skbt_compare_finding *appeared;	/* new's findings the base lacks */
	struct skbt_compare_finding *gone;	/* base's findings the new lacks */
};

/*
 * Match the paths and stages of two finished statistics (skbt_stats_done) by name, base
 * names renamed through @map, and test each stage; add up the packet drops of each by
 * reason; NAPI per device and the backlog per CPU side by side; the findings that appeared
 * or went away (@base_fx, @new_fx: finished findings, skbt_findings_done, or NULL for none:
 * then no findings and no per-CPU softnet numbers).  The result points at the histograms and
 * findings of both: they must outlive it.  0 or -ENOMEM (@out then empty).
 */
int skbt_compare_build(const struct skbt_stats *base, const struct skbt_findings *base_fx,
		       const struct skbt_stats *new, const struct skbt_findings *new_fx,
		       const struct skbt_compare_map *map, unsigned int nmap,
		       const struct skbt_compare_opts *o, struct skbt_comparison *out);
void skbt_comparison_release(struct skbt_comparison *c);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * merge: the statistics of several trace files as one (skbtrail-analyze a.dat b.dat ...).
 *
 * Each file's struct skbt_stats names devices, drop reasons and functions by the numbers of
 * its own decoder; a merge matches them by *name* (as compare.c does for two files) into a
 * struct skbt_stats of its own, whose struct skbt_names reads the merge's own name table, so
 * a file's analysis can be closed as soon as it is added: the merge keeps statistics only,
 * never journeys (no slowest list, no flows), and its size is that of the union of the
 * files' paths, stages, NAPI rows and drop rows.
 *
 *   a path of one file and the path of the same device names in another are one path; their
 *   stages with the same stage, event kinds and device names are one stage, histograms added
 *   bucket by bucket (skbt_hist_merge()); counts add;
 *   NAPI rows by (device name, CPU number), the per-CPU rows by CPU number: CPU 3 of the
 *   merged report is CPU 3 of every file together (docs/outputs.md, "Several files");
 *   drops by (reason name, function name, device name, stage).
 */
#ifndef SKBTRAIL_MERGE_H
#define SKBTRAIL_MERGE_H

#include "skbtrail/stats.h"

struct skbt_merge {
	struct skbt_stats st;	/* the merged statistics; st.names reads the tables below */
	unsigned int nfiles;	/* files added */
	/* interned names: index 0 of devs is SKBT_DEV_NONE's "(no_device)" */
	char **devs, **reasons, **syms;
	unsigned int ndevs, nreasons, nsyms;
};

/* 0 or -ENOMEM.  @f: the selections the files were analysed with (the reports show them). */
int skbt_merge_init(struct skbt_merge *m, const struct skbt_filter *f);
/* Add one file's finished statistics (skbt_stats_done() called).  0 or -ENOMEM. */
int skbt_merge_add(struct skbt_merge *m, const struct skbt_stats *src);
/* Sort for rendering, as skbt_stats_done(). */
void skbt_merge_done(struct skbt_merge *m);
void skbt_merge_release(struct skbt_merge *m);	/* NULL is a no-op */

#endif

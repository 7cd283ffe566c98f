/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * follow: the flight recorder's latency trigger (--trigger 'STAGE>DURATION').
 *
 * A stage's time is only known once a journey is built, so this trigger must read the ring
 * buffers while the recorder waits (the other triggers read nothing).  Every call to
 * skbt_follow_poll() reads every CPU's trace_pipe_raw to its end (whole sub-buffers and the
 * partly filled one), keeps the sub-buffers in a per-CPU window of a fixed number of pages
 * (the oldest dropped: the last DURATION and --after), and decodes them with the analyzer's
 * own code (skbtrail/event.h, live stream) into its journey builder (skbtrail/journey.h).
 * Records are decoded only up to the time the read began, less a margin: every CPU was read
 * after that, so no earlier record can still come and the merge stays in time order.  This
 * needs a trace clock that is CLOCK_MONOTONIC ("mono").
 *
 * When a journey ends with the stage over the threshold, that is the trigger; the window is
 * then handed to the recorder's spools (skbt_follow_flush()) and written like the ring
 * buffers of the other triggers.  Memory: the window (pages x CPUs), the journeys in flight,
 * and what one poll reads.
 */
#ifndef SKBTRAIL_FOLLOW_H
#define SKBTRAIL_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/common.h"

struct tracefs_instance;
struct skbt_follow;

/*
 * How long after its slow stage a journey may fire the trigger: it ends at its free, the
 * reuse of its address, or after the journey builder's idle time (2 s), seen at the next
 * read.  The window holds this much more than --flight and --after.
 */
#define SKBT_FOLLOW_END_S 2.2
/* Records younger than this at the start of a read wait for the next one (ns). */
#define SKBT_FOLLOW_MARGIN_NS 10000000ULL

struct skbt_follow_config {
	struct tracefs_instance *inst;
	int ncpus;
	unsigned int page_size;
	const char *formats;	/* a trace.dat without data: the instance's formats */
	unsigned long window_pages;	/* sub-buffers kept per CPU */
	int stage;		/* enum skbt_stage */
	uint64_t stage_ns;	/* the trigger: the stage lasted more than this */
};

/* What the follower saw (for the messages and the test). */
struct skbt_follow_stats {
	uint64_t pages, bytes;		/* read from the ring buffers */
	uint64_t events, journeys;	/* decoded, built */
	uint64_t stage_max_ns;		/* the longest such stage so far */
	uint64_t dropped_pages;		/* pushed out of the window */
	uint64_t window_dropped;	/* of them, since the window was last flushed */
	uint64_t late;			/* records older than one fed before (fed at its time) */
};

/*
 * Open the formats file and the per-CPU trace_pipe_raw of @cfg->inst, allocate the window.
 * -ENOMEM, -EINVAL (the formats file), or the errno of an open, with @err saying what.
 * Release with skbt_follow_close().
 */
int skbt_follow_open(const struct skbt_follow_config *cfg, struct skbt_follow **fp,
		     struct skbt_err *err);
/*
 * Read every CPU to its end, keep the pages, build journeys up to @now_ns (the trace clock
 * just before the read) less the margin.  With @armed, 1 when a journey ended whose stage
 * lasted more than the threshold: *@ts gets the time the stage ended, *@ns its length.  0
 * otherwise; a negative errno on a read error or out of memory.
 */
int skbt_follow_poll(struct skbt_follow *f, uint64_t now_ns, bool armed, uint64_t *ts,
		     uint64_t *ns);
/*
 * Append the window of every CPU (oldest page first) to @fds (the recorder's spools, one per
 * CPU), then empty it and forget the journeys in flight: the next file starts afresh.
 */
int skbt_follow_flush(struct skbt_follow *f, const int *fds, struct skbt_err *err);
const struct skbt_follow_stats *skbt_follow_stats(const struct skbt_follow *f);
void skbt_follow_close(struct skbt_follow *f);	/* NULL is a no-op */

#endif

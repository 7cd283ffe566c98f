/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sink: an extra output of skbtrail-analyze that wants more than the aggregated statistics
 * (a timeline, a per-journey export, ...).  The command layer feeds every sink the same
 * stream the statistics see: each event, each finished journey that the filters select, each
 * NAPI poll, and at the end the computed statistics.  A sink writes its own file; it never
 * prints to stdout/stderr and returns 0 or a negative errno (details in struct skbt_err).
 */
#ifndef SKBTRAIL_SINK_H
#define SKBTRAIL_SINK_H

#include "skbtrail/common.h"
#include "skbtrail/event.h"
#include "skbtrail/journey.h"
#include "skbtrail/report.h"
#include "skbtrail/stats.h"

struct skbt_sink {
	const char *name;	/* for messages: "perfetto", "jsonl", ... */
	void *priv;
	/* all optional */
	int (*on_event)(void *priv, const struct skbt_event *ev);
	int (*on_journey)(void *priv, const struct skbt_journey *j);
	int (*on_poll)(void *priv, const struct skbt_event *ev, uint32_t traced);
	int (*finish)(void *priv, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		      struct skbt_err *err);
	void (*destroy)(void *priv);
};

#endif

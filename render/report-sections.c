// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-sections: the sections of the text and the JSON report that carry the same facts,
 * each written once through the printer (report.h, render/print.c).  The text report
 * (report-text.c) and the JSON report (report-json.c, docs/report-schema.json) call them in
 * their own order.  Where the two differ (the text shows a count only when it is not zero,
 * words a value its own way, or puts it in another order than the JSON's keys) the call says
 * SKBT_PRINT_FP or SKBT_PRINT_JSON; every golden report depends on both orders.
 */
#include <inttypes.h>
#include <stdio.h>

#include "skbtrail/report.h"

static const char *dev_name(const struct skbt_stats *st, unsigned int dev)
{
	return st->names.dev(st->names.ctx, dev);
}

const char *skbt_report_reason_text(const struct skbt_stats *st, uint32_t reason, char *buf,
				    size_t len)
{
	const char *r;

	if (reason == UINT32_MAX)
		return "netif_rx failed (backlog full)";
	r = st->names.reason ? st->names.reason(st->names.ctx, reason) : NULL;
	if (r)
		return r;
	snprintf(buf, len, "reason %u", reason);
	return buf;
}

/* Text: the event losses in one line, right under the trace line (JSON: after "events"). */
static void text_losses(struct skbt_printer *p, const struct skbt_trace_info *ti, bool color)
{
	if (skbt_trace_incomplete(ti)) {
		skbt_print_text(p, "%sINCOMPLETE%s:", color ? "\033[1;31m" : "",
				color ? "\033[0m" : "");
		if (ti->lost_markers)
			skbt_print_text(p, " the kernel lost events %" PRIu64 " time(s) (%s%" PRIu64
					" events known lost);", ti->lost_markers,
					ti->lost_unknown ? "at least " : "", ti->lost_events);
		if (ti->overrun_total > 0)
			skbt_print_text(p, " ring buffer overrun %" PRId64 " events;",
					ti->overrun_total);
		if (ti->truncated)
			skbt_print_text(p, " the file ends early or has corrupt data;");
		skbt_print_text(p, " journeys near the gaps are marked incomplete and not measured\n");
	} else {
		skbt_print_text(p, "lost events: none%s\n", ti->overrun_total < 0 ?
				" seen (the file has no ring buffer statistics)" : "");
	}
	if (ti->own_events)
		skbt_print_text(p, "left out: %" PRIu64 " events of skbtrail-record's own tasks\n",
				ti->own_events);
}

/* What a missing event set costs: the stages this trace cannot measure, and what they need. */
static void unmeasurable(struct skbt_printer *p, const struct skbt_trace_info *ti)
{
	bool any = false;

	skbt_print_open_array(p, "unmeasurable_stages");
	for (int sg = 0; sg < SKBT_STAGE__COUNT; sg++) {
		enum skbt_kind need[3];
		unsigned int nn;

		if (!skbt_stage_missing(sg, ti->recorded))
			continue;
		nn = skbt_stage_needs(sg, need);
		skbt_print_open_object(p, NULL);
		skbt_print_text(p, "%s", any ? ";" : "not measurable with this event set:");
		skbt_print_str(p, SKBT_PRINT_ANY, "stage", " %s", skbt_stage_name(sg));
		skbt_print_open_array(p, "needs_any_of");
		for (unsigned int i = 0; i < nn; i++)
			skbt_print_str(p, SKBT_PRINT_ANY, NULL, i ? " or %s" : " (needs %s",
				       skbt_kind_name(need[i]));
		skbt_print_close_array(p);
		skbt_print_text(p, ")");
		skbt_print_close_object(p);
		any = true;
	}
	skbt_print_close_array(p);
	if (any)
		skbt_print_text(p, "\n");
}

void skbt_report_trace(struct skbt_printer *p, const struct skbt_trace_info *ti,
		       const struct skbt_report_opts *o)
{
	uint64_t span = ti->last_ts > ti->first_ts ? ti->last_ts - ti->first_ts : 0;
	const char *q = *ti->buffer ? "\"" : "";
	bool first = true;

	skbt_print_open_object(p, "trace");
	skbt_print_str(p, SKBT_PRINT_ANY, "file", "skbtrail report: %s", ti->file);
	if (ti->node && *ti->node)
		skbt_print_str(p, SKBT_PRINT_ANY, "node", ", node %s", ti->node);
	skbt_print_text(p, "\n");
	if (ti->own_known)	/* text: in text_losses() */
		skbt_print_u64(p, SKBT_PRINT_JSON, "recorder_events_left_out", NULL,
			       ti->own_events);
	if (ti->trigger) {
		skbt_print_open_object(p, "trigger");
		skbt_print_str(p, SKBT_PRINT_ANY, "reason", "trigger: %s at ", ti->trigger);
		skbt_print_u64(p, SKBT_PRINT_JSON, "time_ns", NULL, ti->trigger_ns);
		skbt_print_text(p, "%" PRIu64 ".%06" PRIu64 " s (flight recorder; the file holds "
				"the events before it; ", ti->trigger_ns / 1000000000,
				ti->trigger_ns % 1000000000 / 1000);
		if (ti->overwritten_at_least && !ti->overwritten_events) {
			skbt_print_text(p, "older events, how many not recorded, were overwritten "
					"before its first ones)\n");
			skbt_print_u64(p, SKBT_PRINT_JSON, "overwritten_events", NULL, 0);
		} else {
			if (ti->overwritten_at_least)
				skbt_print_text(p, "at least ");
			skbt_print_u64(p, SKBT_PRINT_ANY, "overwritten_events", "%" PRIu64
				       " older events were overwritten before its first ones)\n",
				       ti->overwritten_events);
		}
		skbt_print_bool(p, SKBT_PRINT_JSON, "overwritten_at_least", NULL,
				ti->overwritten_at_least);
		skbt_print_close_object(p);
	}
	skbt_print_int(p, SKBT_PRINT_ANY, "format_version", "trace: trace.dat v%d", ti->version);
	skbt_print_str(p, SKBT_PRINT_ANY, "compression", " (%s)", ti->compression);
	skbt_print_str(p, SKBT_PRINT_JSON, "buffer", NULL, ti->buffer);
	skbt_print_text(p, ", buffer %s%s%s", q, *ti->buffer ? ti->buffer : "top", q);
	skbt_print_str(p, SKBT_PRINT_ANY, "clock", ", clock %s", ti->clock);
	skbt_print_int(p, SKBT_PRINT_ANY, "cpus", ", %d CPUs", ti->ncpus);
	skbt_print_u64(p, SKBT_PRINT_JSON, "first_ts_ns", NULL, ti->first_ts);
	skbt_print_u64(p, SKBT_PRINT_JSON, "last_ts_ns", NULL, ti->last_ts);
	skbt_print_duration(p, SKBT_PRINT_ANY, "duration_ns", ", %s", span);
	skbt_print_u64(p, SKBT_PRINT_ANY, "events_total", ", %" PRIu64 " events\n",
		       ti->events_total);
	text_losses(p, ti, o->color);

	skbt_print_text(p, "events:");
	skbt_print_open_object(p, "events");
	for (int k = 0; k < SKBT_EV__COUNT; k++) {
		if (k == SKBT_EV_LOST || (!ti->recorded[k] && !ti->events[k]) ||
		    (k == SKBT_EV_OTHER && !ti->events[k]))
			continue;
		skbt_print_text(p, "%s %s", first ? "" : ",", skbt_kind_name(k));
		skbt_print_u64(p, SKBT_PRINT_ANY, skbt_kind_name(k), " %" PRIu64, ti->events[k]);
		first = false;
	}
	skbt_print_close_object(p);
	skbt_print_text(p, "\n");

	/* the losses as numbers (the text worded them in text_losses()) */
	skbt_print_u64(p, SKBT_PRINT_JSON, "lost_markers", NULL, ti->lost_markers);
	skbt_print_u64(p, SKBT_PRINT_JSON, "lost_events", NULL, ti->lost_events);
	skbt_print_bool(p, SKBT_PRINT_JSON, "lost_events_unknown", NULL, ti->lost_unknown);
	skbt_print_i64(p, SKBT_PRINT_JSON, "ring_overrun", NULL, ti->overrun_total);
	skbt_print_bool(p, SKBT_PRINT_JSON, "truncated", NULL, ti->truncated);
	skbt_print_u64(p, SKBT_PRINT_JSON, "timestamps_backwards", NULL, ti->backwards);
	skbt_print_bool(p, SKBT_PRINT_JSON, "incomplete", NULL, skbt_trace_incomplete(ti));

	skbt_print_open_array(p, "warnings");
	for (unsigned int i = 0; i < ti->nwarnings; i++) {
		skbt_print_text(p, "%swarning%s: ", o->color ? "\033[33m" : "",
				o->color ? "\033[0m" : "");
		skbt_print_str(p, SKBT_PRINT_ANY, NULL, "%s\n", ti->warnings[i]);
	}
	skbt_print_close_array(p);
	unmeasurable(p, ti);
	skbt_print_close_object(p);
}

void skbt_report_journeys(struct skbt_printer *p, const struct skbt_trace_info *ti,
			  const struct skbt_stats *st)
{
	skbt_print_open_object(p, "journeys");
	skbt_print_u64(p, SKBT_PRINT_JSON, "seen", NULL, st->journeys_seen);
	skbt_print_u64(p, SKBT_PRINT_ANY, "total", "journeys: %" PRIu64 " selected",
		       st->journeys_selected);
	skbt_print_u64(p, SKBT_PRINT_FP, NULL, " of %" PRIu64, st->journeys_seen);
	skbt_print_u64(p, SKBT_PRINT_JSON, "complete", NULL,
		       st->journeys_selected - st->incomplete);
	skbt_print_u64(p, SKBT_PRINT_ANY, "incomplete", "; incomplete %" PRIu64 ";",
		       st->incomplete);
	skbt_print_open_object(p, "ends");
	for (int e = 0; e < SKBT_JEND__COUNT; e++) {
		if (st->ends[e])	/* the text lists the ends that happened */
			skbt_print_text(p, " %s", skbt_jend_name(e));
		skbt_print_u64(p, st->ends[e] ? SKBT_PRINT_ANY : SKBT_PRINT_JSON,
			       skbt_jend_name(e), " %" PRIu64, st->ends[e]);
	}
	skbt_print_close_object(p);
	skbt_print_text(p, "\n");
	skbt_print_u64(p, st->gro_merged ? SKBT_PRINT_ANY : SKBT_PRINT_JSON, "gro_merged",
		       "gro: %" PRIu64 " received packets were merged into other skbs by GRO "
		       "(napi_gro_receive_entry with no receive of their own)\n", st->gro_merged);
	if (ti->jc) {
		skbt_print_u64(p, SKBT_PRINT_JSON, "peak_in_flight", NULL, ti->jc->peak_live);
		skbt_print_u64(p, SKBT_PRINT_JSON, "orphan_frees", NULL, ti->jc->orphan_frees);
		skbt_print_u64(p, SKBT_PRINT_JSON, "frees_not_joined", NULL,
			       ti->jc->frees_not_joined);
		skbt_print_u64(p, SKBT_PRINT_JSON, "copies_not_joined", NULL,
			       ti->jc->copies_not_joined);
		skbt_print_u64(p, SKBT_PRINT_JSON, "stacked_xmits", NULL, ti->jc->stacked_xmits);
	}
	skbt_print_close_object(p);
}

void skbt_report_upcalls(struct skbt_printer *p, const struct skbt_trace_info *ti,
			 const struct skbt_stats *st)
{
	const struct skbt_journeys_counters *jc = ti->jc;
	/* the text has a line only for a trace with OVS upcalls; JSON always has the keys */
	bool line = jc && (jc->upcalls || jc->upcalls_linked);
	enum skbt_print_to to = line ? SKBT_PRINT_ANY : SKBT_PRINT_JSON;
	bool first = true;

	skbt_print_open_object(p, "upcalls");
	skbt_print_u64(p, to, "seen", "ovs upcalls: %" PRIu64 " seen", jc ? jc->upcalls : 0);
	if (line)
		skbt_print_u64(p, SKBT_PRINT_FP, NULL, ", %" PRIu64 " linked to the re-injected "
			       "packet", jc->upcalls_linked);
	skbt_print_u64(p, SKBT_PRINT_JSON, "linked", NULL,
		       st->linked[1] + st->linked[2] + st->linked[3]);
	skbt_print_u64(p, to, "linked_high", " (confidence high %" PRIu64,
		       st->linked[SKBT_LINK_HIGH]);
	skbt_print_u64(p, to, "linked_medium", ", medium %" PRIu64, st->linked[SKBT_LINK_MEDIUM]);
	skbt_print_u64(p, to, "linked_low", ", low %" PRIu64 ")", st->linked[SKBT_LINK_LOW]);
	skbt_print_open_object(p, "evidence");
	for (int k = 0; k < SKBT_LINK_EV__COUNT; k++) {
		uint64_t n = jc ? jc->links_by_ev[k] : 0;

		if (line && n) {
			skbt_print_text(p, "%s %s", first ? "; evidence:" : ",",
					skbt_link_ev_name(k));
			first = false;
		}
		skbt_print_u64(p, line && n ? SKBT_PRINT_ANY : SKBT_PRINT_JSON,
			       skbt_link_ev_name(k), " %" PRIu64, n);
	}
	skbt_print_close_object(p);
	if (line)
		skbt_print_text(p, "\n");
	skbt_print_close_object(p);
}

void skbt_report_cpus(struct skbt_printer *p, const struct skbt_stats *st)
{
	skbt_print_text(p, "\nper CPU:\n  %4s %10s %10s %10s %10s\n", "cpu", "events", "journeys",
			"polls", "lost");
	skbt_print_open_array(p, "cpus");
	for (unsigned int c = 0; c < st->ncpus; c++) {
		const struct skbt_cpu_stats *s = &st->cpus[c];

		if (!s->events && !s->journeys)
			continue;
		skbt_print_open_object(p, NULL);
		skbt_print_uint(p, SKBT_PRINT_ANY, "cpu", "  %4u", c);
		skbt_print_u64(p, SKBT_PRINT_ANY, "events", " %10" PRIu64, s->events);
		skbt_print_u64(p, SKBT_PRINT_ANY, "journeys", " %10" PRIu64, s->journeys);
		skbt_print_u64(p, SKBT_PRINT_ANY, "polls", " %10" PRIu64, s->polls);
		skbt_print_u64(p, SKBT_PRINT_ANY, "lost_markers", " %10" PRIu64 "\n",
			       s->lost_markers);
		skbt_print_close_object(p);
	}
	skbt_print_close_array(p);
}

void skbt_report_napi(struct skbt_printer *p, const struct skbt_stats *st)
{
	if (st->nnapi) {
		skbt_print_text(p, "\nNAPI polls (napi:napi_poll; (backlog) = the per-CPU backlog, "
				"process_backlog):\n");
		skbt_print_text(p, "  %-16s %4s %9s %9s %9s %8s %7s %9s %9s %9s\n", "device", "cpu",
				"polls", "packets", "per-poll", "max", "budget", "exhausted", "empty",
				"traced");
	}
	skbt_print_open_array(p, "napi");
	for (unsigned int i = 0; i < st->nnapi; i++) {
		const struct skbt_napi_stats *n = &st->napi[i];

		skbt_print_open_object(p, NULL);
		skbt_print_str(p, SKBT_PRINT_ANY, "dev", "  %-16s",
			       n->dev == SKBT_DEV_NONE ? "(backlog)" : dev_name(st, n->dev));
		skbt_print_bool(p, SKBT_PRINT_JSON, "backlog", NULL, n->dev == SKBT_DEV_NONE);
		skbt_print_uint(p, SKBT_PRINT_ANY, "cpu", " %4u", n->cpu);
		skbt_print_u64(p, SKBT_PRINT_ANY, "polls", " %9" PRIu64, n->polls);
		skbt_print_u64(p, SKBT_PRINT_ANY, "packets", " %9" PRIu64, n->work);
		skbt_print_double(p, SKBT_PRINT_FP, NULL, " %9.2f",
				  n->polls ? (double)n->work / n->polls : 0.0);
		skbt_print_uint(p, SKBT_PRINT_ANY, "max_work", " %8u", n->max_work);
		skbt_print_uint(p, SKBT_PRINT_ANY, "budget", " %7u", n->budget);
		skbt_print_u64(p, SKBT_PRINT_ANY, "budget_exhausted", " %9" PRIu64, n->exhausted);
		if (st->empty_polls_unknown)
			skbt_print_null(p, "empty_polls", " %9s");
		else
			skbt_print_u64(p, SKBT_PRINT_ANY, "empty_polls", " %9" PRIu64, n->idle);
		skbt_print_u64(p, SKBT_PRINT_ANY, "traced_receives", " %9" PRIu64 "\n", n->traced);
		skbt_print_open_array(p, "work_histogram");
		for (int w = 0; w <= 64; w++)
			skbt_print_u64(p, SKBT_PRINT_JSON, NULL, NULL, n->work_hist[w]);
		skbt_print_close_array(p);
		skbt_print_close_object(p);
	}
	skbt_print_close_array(p);
}

/* Text: a log2 histogram as bars (--no-hist: none); JSON has "histogram_log2" instead. */
static void text_hist(struct skbt_printer *p, const struct skbt_hist *h)
{
	int lo = 64, hi = -2;
	uint64_t max = 0;

	for (int k = -1; k < 63; k++) {
		uint64_t n = skbt_hist_log2(h, k);

		if (!n)
			continue;
		if (k < lo)
			lo = k;
		hi = k;
		if (n > max)
			max = n;
	}
	for (int k = lo; k <= hi; k++) {
		uint64_t n = skbt_hist_log2(h, k);
		int bar = max ? (int)((n * 40 + max - 1) / max) : 0;
		char a[24], b[24];

		if (k < 0)
			skbt_print_text(p, "      %10s %-10s %8" PRIu64 " |", "0", "", n);
		else
			skbt_print_text(p, "      %10s %-10s %8" PRIu64 " |",
					skbt_fmt_duration(1ULL << k, a, sizeof(a)),
					skbt_fmt_duration((1ULL << (k + 1)) - 1, b, sizeof(b)), n);
		skbt_print_text(p, "%.*s%*s|\n", bar, "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
				40 - bar, "");
	}
}

static void log2_buckets(struct skbt_printer *p, const struct skbt_hist *h)
{
	skbt_print_open_array(p, "histogram_log2");
	for (int k = -1; k < 63; k++) {
		uint64_t n = skbt_hist_log2(h, k);

		if (!n)
			continue;
		skbt_print_open_object(p, NULL);
		skbt_print_u64(p, SKBT_PRINT_JSON, "from_ns", NULL, k < 0 ? 0 : 1ULL << k);
		skbt_print_u64(p, SKBT_PRINT_JSON, "to_ns", NULL, k < 0 ? 0 : (1ULL << (k + 1)) - 1);
		skbt_print_u64(p, SKBT_PRINT_JSON, "count", NULL, n);
		skbt_print_close_object(p);
	}
	skbt_print_close_array(p);
}

/* The latency columns of a stage or a whole journey: text columns, JSON keys in _ns. */
static void latencies(struct skbt_printer *p, const struct skbt_hist *h)
{
	skbt_print_u64(p, SKBT_PRINT_ANY, "count", " %8" PRIu64, h->count);
	skbt_print_duration(p, SKBT_PRINT_ANY, "min_ns", " %9s", h->min);
	skbt_print_duration(p, SKBT_PRINT_ANY, "p50_ns", " %9s", skbt_hist_quantile(h, 0.5));
	skbt_print_duration(p, SKBT_PRINT_ANY, "p90_ns", " %9s", skbt_hist_quantile(h, 0.9));
	skbt_print_duration(p, SKBT_PRINT_ANY, "p99_ns", " %9s", skbt_hist_quantile(h, 0.99));
	skbt_print_duration(p, SKBT_PRINT_ANY, "p999_ns", " %9s", skbt_hist_quantile(h, 0.999));
	skbt_print_duration(p, SKBT_PRINT_ANY, "max_ns", " %9s", h->max);
	skbt_print_duration(p, SKBT_PRINT_ANY, "mean_ns", " %9s\n",
			    h->count ? (uint64_t)(skbt_hist_sum(h) / h->count) : 0);
}

/* A stage's end: "kind@dev" in a text column, {"event", "dev"} in JSON. */
static void endpoint(struct skbt_printer *p, const struct skbt_stats *st, const char *key,
		     unsigned int kind, unsigned int dev)
{
	char s[64];

	snprintf(s, sizeof(s), "%s@%s", skbt_kind_short(kind), dev_name(st, dev));
	skbt_print_str(p, SKBT_PRINT_FP, NULL, " %-30s", s);
	skbt_print_open_object(p, key);
	skbt_print_str(p, SKBT_PRINT_JSON, "event", NULL, skbt_kind_short(kind));
	skbt_print_str(p, SKBT_PRINT_JSON, "dev", NULL, dev_name(st, dev));
	skbt_print_close_object(p);
}

static void path(struct skbt_printer *p, const struct skbt_stats *st,
		 const struct skbt_path_stats *ps, bool hist)
{
	char name[256];

	skbt_stats_path_name(st, ps->devs, ps->ndevs, ps->tx_only, name, sizeof(name));
	skbt_print_open_object(p, NULL);
	skbt_print_str(p, SKBT_PRINT_ANY, "name", "\npath %s:", name);
	skbt_print_open_array(p, "devices");
	for (unsigned int d = 0; d < ps->ndevs; d++)
		skbt_print_str(p, SKBT_PRINT_JSON, NULL, NULL, dev_name(st, ps->devs[d]));
	skbt_print_close_array(p);
	skbt_print_str(p, SKBT_PRINT_JSON, "direction", NULL, ps->tx_only ? "tx" : "rx");
	skbt_print_u64(p, SKBT_PRINT_ANY, "journeys", " %" PRIu64 " journeys", ps->journeys);
	/* the text names what happened; JSON has every count */
	skbt_print_u64(p, ps->incomplete ? SKBT_PRINT_ANY : SKBT_PRINT_JSON, "incomplete",
		       ", %" PRIu64 " incomplete (not measured)", ps->incomplete);
	skbt_print_u64(p, ps->cpu_change ? SKBT_PRINT_ANY : SKBT_PRINT_JSON, "cpu_changes",
		       ", %" PRIu64 " changed CPU", ps->cpu_change);
	skbt_print_u64(p, ps->linked ? SKBT_PRINT_ANY : SKBT_PRINT_JSON, "upcalls_linked",
		       ", %" PRIu64 " linked across an OVS upcall", ps->linked);
	skbt_print_text(p, "\n");
	skbt_print_open_object(p, "ends");
	for (int e = 0; e < SKBT_JEND__COUNT; e++)
		skbt_print_u64(p, SKBT_PRINT_JSON, skbt_jend_name(e), NULL, ps->ends[e]);
	skbt_print_close_object(p);
	if (ps->nstages || ps->total.count)
		skbt_print_text(p, "  %-8s %-30s %-30s %8s %9s %9s %9s %9s %9s %9s %9s\n", "stage",
				"from", "to", "count", "min", "p50", "p90", "p99", "p99.9", "max",
				"mean");
	skbt_print_open_array(p, "stages");
	for (unsigned int k = 0; k < ps->nstages; k++) {
		const struct skbt_stage_stats *s = &ps->stages[k];

		skbt_print_open_object(p, NULL);
		skbt_print_str(p, SKBT_PRINT_ANY, "name", "  %-8s", skbt_stage_name(s->stage));
		endpoint(p, st, "from", s->from_kind, s->from_dev);
		endpoint(p, st, "to", s->to_kind, s->to_dev);
		latencies(p, &s->h);
		log2_buckets(p, &s->h);
		skbt_print_close_object(p);
	}
	skbt_print_close_array(p);
	if (ps->total.count) {
		skbt_print_open_object(p, "total");
		skbt_print_text(p, "  %-8s %-30s %-30s", "total", "first hop", "last hop");
		latencies(p, &ps->total);
		skbt_print_close_object(p);
	}
	for (unsigned int k = 0; hist && k < ps->nstages; k++) {
		const struct skbt_stage_stats *s = &ps->stages[k];

		skbt_print_text(p, "    %s %s@%s -> %s@%s (log2 buckets):\n",
				skbt_stage_name(s->stage), skbt_kind_short(s->from_kind),
				dev_name(st, s->from_dev), skbt_kind_short(s->to_kind),
				dev_name(st, s->to_dev));
		text_hist(p, &s->h);
	}
	skbt_print_close_object(p);
}

void skbt_report_paths(struct skbt_printer *p, const struct skbt_stats *st,
		       const struct skbt_report_opts *o)
{
	skbt_print_open_array(p, "paths");
	for (unsigned int i = 0; i < st->npaths; i++)
		path(p, st, &st->paths[i], o->hist);
	skbt_print_close_array(p);
}

/*
 * One row of the drops or the control-plane frees: the text words the reason and leads with
 * the count, JSON has the reason's name (or number) and ends with it.
 */
static void drop_row(struct skbt_printer *p, const struct skbt_stats *st,
		     const struct skbt_drop_stats *d, bool packet)
{
	char rb[32];

	skbt_print_open_object(p, NULL);
	skbt_print_u64(p, SKBT_PRINT_FP, NULL, "  %8" PRIu64, d->count);
	skbt_print_str(p, SKBT_PRINT_FP, NULL, "  %-28s",
		       skbt_report_reason_text(st, d->reason, rb, sizeof(rb)));
	skbt_print_str(p, SKBT_PRINT_JSON, "reason", NULL,
		       skbt_stats_drop_reason(st, d->reason, rb, sizeof(rb)));
	skbt_print_str_or(p, "location", packet ? " %-28s" : " %s\n",
			  skbt_stats_drop_location(st, d->location), "-");
	if (packet) {
		skbt_print_str_or(p, "dev", " %-12s", d->dev ? dev_name(st, d->dev) : NULL,
				  "(no journey)");
		skbt_print_str_or(p, "stage", " %s\n",
				  d->stage >= 0 ? skbt_stage_name(d->stage) : NULL, "-");
	}
	skbt_print_u64(p, SKBT_PRINT_JSON, "count", NULL, d->count);
	skbt_print_close_object(p);
}

void skbt_report_drops(struct skbt_printer *p, const struct skbt_stats *st)
{
	if (!st->ndrops) {
		skbt_print_text(p, "\ndrops: none traced\n");
	} else {
		skbt_print_text(p, "\ndrops (skb:kfree_skb, netif_rx failures):\n");
		skbt_print_text(p, "  %8s  %-28s %-28s %-12s %s\n", "count", "reason", "location",
				"device", "stage");
	}
	skbt_print_open_array(p, "drops");
	for (unsigned int i = 0; i < st->ndrops; i++)
		drop_row(p, st, &st->drops[i], true);
	skbt_print_close_array(p);
}

/* kfree_skb of netlink/socket messages: apart from the drops, they are not packets */
void skbt_report_cp_frees(struct skbt_printer *p, const struct skbt_stats *st)
{
	/* ncp_frees > 0 only with control_plane_frees > 0 (skbt_stats_add_orphan_drop()) */
	if (st->control_plane_frees) {
		skbt_print_text(p, "\ncontrol-plane frees: %" PRIu64 ", not packets (kfree_skb of a "
				"protocol 0 skb by netlink, genetlink, OVS command or socket code; "
				"docs/stages.md):\n", st->control_plane_frees);
		skbt_print_text(p, "  %8s  %-28s %s\n", "count", "reason", "location");
	}
	skbt_print_open_array(p, "control_plane_frees");
	for (unsigned int i = 0; i < st->ncp_frees; i++)
		drop_row(p, st, &st->cp_frees[i], false);
	skbt_print_close_array(p);
}

/*
 * The merge of several files (merge.h): which files, then the sections a merge has.  Upcall
 * links, findings, flows and the slowest journeys are per file only (the merge keeps no
 * journey), so they are not here.
 */
void skbt_report_merged(struct skbt_printer *p, const struct skbt_merge_info *mi,
			const struct skbt_stats *st, const struct skbt_report_opts *o)
{
	const struct skbt_trace_info none = { .file = "" };

	skbt_print_uint(p, SKBT_PRINT_ANY, "nfiles", "merged: %u files:", mi->nfiles);
	skbt_print_open_array(p, "files");
	for (unsigned int i = 0; i < mi->nfiles; i++) {
		skbt_print_open_object(p, NULL);
		skbt_print_str(p, SKBT_PRINT_ANY, "file", " %s", mi->files[i]);
		if (mi->nodes[i] && *mi->nodes[i])
			skbt_print_str(p, SKBT_PRINT_ANY, "node", " (node %s)", mi->nodes[i]);
		else
			skbt_print_str(p, SKBT_PRINT_JSON, "node", NULL, "");
		skbt_print_text(p, "%s", i + 1 < mi->nfiles ? "," : "\n");
		skbt_print_close_object(p);
	}
	skbt_print_close_array(p);
	skbt_report_journeys(p, &none, st);
	skbt_report_paths(p, st, o);
	skbt_report_cpus(p, st);
	skbt_report_napi(p, st);
	skbt_report_drops(p, st);
	skbt_report_cp_frees(p, st);
}

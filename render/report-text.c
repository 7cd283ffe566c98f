// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-text: the terminal report.  Renders only; every number comes from stats.  The
 * sections it shares with the JSON report are in report-sections.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "skbtrail/findings.h"
#include "skbtrail/flow.h"
#include "skbtrail/pcap.h"
#include "skbtrail/report.h"

static const char *dev_name(const struct skbt_stats *st, unsigned int dev)
{
	return st->names.dev(st->names.ctx, dev);
}

static void print_journey(FILE *out, const struct skbt_stats *st, const struct skbt_journey *j,
			  const struct skbt_report_opts *o)
{
	char name[256];

	skbt_stats_path_name(st, j->devs, j->ndevs, j->flags & SKBT_JF_TX_ONLY, name, sizeof(name));
	fprintf(out, "  journey #%" PRIu64 " %s: %s", j->id, name, SKBT_DUR(skbt_journey_duration(j)));
	fprintf(out, ", ended %s", skbt_jend_name(j->end));
	if (j->flow.kind != SKBT_FLOW_NONE)
		fprintf(out, ", %s", skbt_flow_name(&j->flow, name, sizeof(name)));
	if (j->flags & SKBT_JF_INCOMPLETE)
		fprintf(out, ", INCOMPLETE (lost events nearby)");
	if (j->flags & SKBT_JF_LINKED)
		fprintf(out, ", upcall linked (%s confidence)", skbt_link_conf_name(j->link_conf));
	if (j->flags & SKBT_JF_HOPS_TRUNCATED)
		fprintf(out, ", more than %d hops (middle ones dropped)", SKBT_MAX_HOPS);
	fprintf(out, "\n");
	for (unsigned int i = 0; i < j->nhops; i++) {
		const struct skbt_hop *h = &j->hops[i];
		const char *stage = NULL;
		uint64_t sns = 0;

		for (unsigned int k = 0; k < j->nstages; k++) {
			if (j->stages[k].to == i) {
				stage = skbt_stage_name(j->stages[k].stage);
				sns = j->stages[k].ns;
			}
		}
		char line[512], rb[32];
		size_t n = 0;

		n += snprintf(line + n, sizeof(line) - n, "    %12s cpu%-3u %-26s %-12s len=%-6u %-16s",
			      i ? SKBT_DUR(h->ts - j->hops[0].ts) : "+0", h->cpu,
			      skbt_kind_short(h->kind),
			      h->kind == SKBT_EV_CONSUME_SKB || h->kind == SKBT_EV_KFREE_SKB ? "" :
			      dev_name(st, h->dev), h->len,
			      st->names.comm ? st->names.comm(st->names.ctx, h->pid) : "");
		if (o->show_addrs && n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " skb=0x%" PRIx64, h->skb);
		if (stage && n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " [%s %s]", stage, SKBT_DUR(sns));
		if (h->kind == SKBT_EV_KFREE_SKB && n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " reason=%s",
				      skbt_report_reason_text(st, h->aux, rb, sizeof(rb)));
		n = strlen(line);
		while (n && line[n - 1] == ' ')	/* no trailing blanks in golden files */
			line[--n] = 0;
		fprintf(out, "%s\n", line);
	}
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * a / b : 0.0;
}

/* Captured headers (skbtrail-record --pcap): how many matched a receive event. */
static void print_capture(FILE *out, const struct skbt_trace_info *ti,
			  const struct skbt_stats *st)
{
	const struct skbt_pcap_summary *c = ti->capture;

	if (!c || !c->present)
		return;
	fprintf(out, "\ncaptured headers (skbtrail-record --pcap) on %u device(s):", c->niface);
	for (unsigned int i = 0; i < c->niface; i++)
		fprintf(out, "%s %s", i ? "," : "",
			skbt_names_iface(&st->names, skbt_pcap_iface(c->pc, i)->name));
	fprintf(out, "\n");
	if (!c->aligned) {
		fprintf(out, "  not matched to events: %s\n", c->why_not ? c->why_not : "?");
	} else {
		fprintf(out, "  match rate: %" PRIu64 " of %" PRIu64 " captured packets matched to a "
			"receive event (%.1f %%); %" PRIu64 " of %" PRIu64 " netif_receive_skb events "
			"on those devices matched (%.1f %%)\n", c->matched, c->packets,
			pct(c->matched, c->packets), c->rx_matched, c->rx_events,
			pct(c->rx_matched, c->rx_events));
	}
	fprintf(out, "  capture drops (pcap_stats): %" PRIu64 " by the kernel buffer, %" PRIu64
		" by the interface; %" PRIu64 " not stored (--pcap-max)\n", c->ps_drop, c->ps_ifdrop,
		c->not_stored);
	if (c->filter)
		fprintf(out, "  --filter '%s': %" PRIu64 " journeys selected\n", c->filter,
			c->selected);
}

/* Per-flow table: top flows by p99 of the chosen stage (or the whole journey). */
static void print_flows(FILE *out, const struct skbt_trace_info *ti, const struct skbt_stats *st,
			const struct skbt_report_opts *o)
{
	const struct skbt_flows *f = st->flows;
	unsigned int n = skbt_flows_count(f), shown;
	int stage = f ? skbt_flows_stage(f) : -1;
	bool tuples = skbt_flows_by_kind(f, SKBT_FLOW_TUPLE) > 0;
	char name[160];

	if (!f || (!n && !(ti->capture && ti->capture->present)))
		return;
	fprintf(out, "\nflows by p99 of %s%s", stage >= 0 ? "stage " : "",
		stage >= 0 ? skbt_stage_name(stage) : "the whole journey");
	if (tuples)
		fprintf(out, " (5-tuples from the captured headers)");
	if (skbt_flows_by_kind(f, SKBT_FLOW_HASH))
		fprintf(out, "%s", tuples ? "; others by skb hash, no addresses known" :
			" (by the skb hash of the *_entry events: no addresses are known; "
			"record with skbtrail-record --pcap for 5-tuples)");
	fprintf(out, ":\n");
	shown = n < o->flows ? n : o->flows;
	if (shown)
		fprintf(out, "  %-52s %9s %9s %9s %9s %9s\n", "flow", "journeys", "measured", "p50",
			"p99", "max");
	for (unsigned int i = 0; i < shown; i++) {
		const struct skbt_flow_stats *s = skbt_flows_get(f, i);

		fprintf(out, "  %-52s %9" PRIu64 " %9" PRIu64 " %9s %9s %9s\n",
			skbt_flow_name(&s->key, name, sizeof(name)), s->journeys, s->measured,
			s->measured ? SKBT_DUR(skbt_flow_quantile(s, 0.5)) : "-",
			s->measured ? SKBT_DUR(skbt_flow_quantile(s, 0.99)) : "-",
			s->measured ? SKBT_DUR(s->max) : "-");
	}
	if (n > shown)
		fprintf(out, "  ... %u more flows\n", n - shown);
	if (skbt_flows_by_kind(f, SKBT_FLOW_NONE))
		fprintf(out, "  journeys with no known flow: %" PRIu64 "\n",
			skbt_flows_by_kind(f, SKBT_FLOW_NONE));
	if (skbt_flows_other(f))
		fprintf(out, "  journeys of flows past the first %d: %" PRIu64 "\n", SKBT_FLOWS_MAX,
			skbt_flows_other(f));
}

int skbt_report_text(FILE *out, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		     const struct skbt_report_opts *o)
{
	struct skbt_printer p;

	skbt_printer_text(&p, out);
	skbt_report_trace(&p, ti, o);
	skbt_report_journeys(&p, ti, st);
	skbt_report_upcalls(&p, ti, st);
	skbt_findings_print_top(out, ti->fx);	/* right under the trace summary */
	skbt_report_paths(&p, st, o);
	skbt_report_cpus(&p, st);
	skbt_report_napi(&p, st);
	skbt_findings_print_sections(out, ti->fx);
	skbt_report_drops(&p, st);
	skbt_report_cp_frees(&p, st);
	print_capture(out, ti, st);
	print_flows(out, ti, st, o);
	if (st->nnear) {
		fprintf(out, "\njourneys around the trigger (%u nearest %s, by first hop):\n",
			st->nnear, ti->trigger);
		for (unsigned int i = 0; i < st->nnear; i++)
			print_journey(out, st, &st->near[i], o);
	}
	if (st->ntop) {
		fprintf(out, "\nslowest journeys%s%s (%u):\n", st->filter.stage >= 0 ? " by stage " : "",
			st->filter.stage >= 0 ? skbt_stage_name(st->filter.stage) : "", st->ntop);
		for (unsigned int i = 0; i < st->ntop; i++)
			print_journey(out, st, &st->top[i], o);
	}
	return ferror(out) ? -EIO : 0;
}

int skbt_report_merged_text(FILE *out, const struct skbt_merge_info *mi,
			    const struct skbt_stats *st, const struct skbt_report_opts *o)
{
	struct skbt_printer p;

	skbt_printer_text(&p, out);
	skbt_report_merged(&p, mi, st, o);
	return ferror(out) ? -EIO : 0;
}

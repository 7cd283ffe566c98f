// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-findings: the findings, counters-vs-trace and NAPI/softirq sections of the text and
 * JSON reports (called by report-text.c and report-json.c).  Renders only: every number comes
 * from struct skbt_findings.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "skbtrail/findings.h"
#include "skbtrail/report.h"


void skbt_findings_print_top(FILE *out, const struct skbt_findings *fx)
{
	if (!fx)
		return;
	if (!fx->nfindings) {
		fprintf(out, "findings: none (nothing in the trace%s stood out)\n",
			fx->has_counters ? " or the counters" : "");
		return;
	}
	fprintf(out, "findings:\n");
	for (unsigned int i = 0; i < fx->nfindings; i++) {
		const struct skbt_finding *f = &fx->f[i];

		fprintf(out, "  [%s] %s\n", skbt_fx_severity_name(f->severity), f->text);
		fprintf(out, "      evidence:");
		for (unsigned int k = 0; k < f->nev; k++) {
			if (f->ev[k].is_num)
				fprintf(out, " %s=%" PRIu64, f->ev[k].key, f->ev[k].num);
			else
				fprintf(out, " %s=%s", f->ev[k].key, *f->ev[k].str ? f->ev[k].str : "-");
		}
		fprintf(out, "\n");
	}
}

void skbt_findings_print_sections(FILE *out, const struct skbt_findings *fx)
{
	bool any = false;

	if (!fx)
		return;
	fprintf(out, "\ncounters vs trace:\n");
	if (!fx->has_counters) {
		fprintf(out, "  no counters in this file (skbtrail-record stores them; trace-cmd "
			"does not)\n");
	} else {
		fprintf(out, "  %-16s %6s %12s %12s %12s %10s  %-11s %s\n", "device", "netns",
			"rx_packets+", "receives", "gro_entries", "rx_drop+", "verdict", "why");
		for (unsigned int i = 1; i < fx->ndevs; i++) {
			const struct skbt_fx_dev *d = &fx->devs[i];

			if (!d->has_counters)
				continue;
			fprintf(out, "  %-16s %6u %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %10" PRIu64
				"  %-11s %s\n", d->shown, d->nscopes, d->d_rx_packets, d->rx, d->gro,
				d->d_rx_drop + d->d_nic_missed, skbt_fx_verdict_name(d->verdict),
				d->explain);
		}
		fprintf(out, "  %4s %11s %10s %9s %9s %10s %10s\n", "cpu", "processed+", "receives",
			"dropped+", "traced", "squeeze+", "full-polls");
		for (unsigned int c = 0; c < fx->ncpus; c++) {
			const struct skbt_fx_cpu *s = &fx->cpus[c];

			if (!s->has_softnet)
				continue;
			fprintf(out, "  %4u %11" PRIu64 " %10" PRIu64 " %9" PRIu64 " %9" PRIu64
				" %10" PRIu64 " %10" PRIu64 "\n", c, s->d_processed, s->rx, s->d_dropped,
				s->backlog_kfree > s->netif_rx_fail ? s->backlog_kfree :
				s->netif_rx_fail, s->d_time_squeeze, s->polls_full);
			fprintf(out, "       processed: %s: %s\n", skbt_fx_verdict_name(s->v_processed),
				s->x_processed);
			fprintf(out, "       dropped: %s: %s\n", skbt_fx_verdict_name(s->v_dropped),
				s->x_dropped);
			fprintf(out, "       time_squeeze: %s: %s\n",
				skbt_fx_verdict_name(s->v_squeeze), s->x_squeeze);
		}
	}
	fprintf(out, "\nNAPI and softirq per CPU%s:\n", fx->softirq_recorded ? "" :
		" (irq:softirq_entry/exit not recorded: no NET_RX time)");
	fprintf(out, "  %4s %9s %10s %9s %11s %9s %10s %10s %10s\n", "cpu", "polls", "full-polls",
		"net_rx", "net_rx-time", "max", "backlog-rx", "steered-in", "max-depth");
	for (unsigned int c = 0; c < fx->ncpus; c++) {
		const struct skbt_fx_cpu *s = &fx->cpus[c];

		if (!s->polls && !s->softirqs && !s->backlog_deq)
			continue;
		fprintf(out, "  %4u %9" PRIu64 " %10" PRIu64 " %9" PRIu64 " %11s %9s %10" PRIu64
			" %10" PRIu64 " %10" PRIu64 "\n", c, s->polls, s->polls_full, s->softirqs,
			fx->softirq_recorded ? SKBT_DUR(s->softirq_ns) : "-",
			fx->softirq_recorded ? SKBT_DUR(s->softirq_max_ns) : "-", s->backlog_deq,
			s->steered_in, s->max_depth);
	}
	for (unsigned int i = 1; i < fx->ndevs; i++) {
		const struct skbt_fx_dev *d = &fx->devs[i];
		const struct skbt_hist *h = &d->wait;

		if (!h->count)
			continue;
		if (!any)
			fprintf(out, "  wait behind earlier packets of the same poll (first receive of "
				"the poll to this one):\n  %-16s %9s %9s %9s %9s %9s\n", "device",
				"receives", "p50", "p90", "p99", "max");
		any = true;
		fprintf(out, "  %-16s %9" PRIu64 " %9s %9s %9s %9s\n", d->shown, h->count,
			SKBT_DUR(skbt_hist_quantile(h, 0.5)), SKBT_DUR(skbt_hist_quantile(h, 0.9)),
			SKBT_DUR(skbt_hist_quantile(h, 0.99)), SKBT_DUR(h->max));
	}
}

static json_object *u64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static void put(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

void skbt_findings_json(struct json_object *root, const struct skbt_findings *fx)
{
	json_object *arr = json_object_new_array(), *cnt = json_object_new_object();
	json_object *ns = json_object_new_object(), *a;

	for (unsigned int i = 0; fx && i < fx->nfindings; i++) {
		const struct skbt_finding *f = &fx->f[i];
		json_object *o = json_object_new_object(), *ev = json_object_new_object();

		put(o, "id", json_object_new_string(f->id));
		put(o, "severity", json_object_new_string(skbt_fx_severity_name(f->severity)));
		put(o, "text", json_object_new_string(f->text));
		for (unsigned int k = 0; k < f->nev; k++)
			put(ev, f->ev[k].key, f->ev[k].is_num ? u64(f->ev[k].num) :
			    json_object_new_string(f->ev[k].str));
		put(o, "evidence", ev);
		json_object_array_add(arr, o);
	}
	put(root, "findings", arr);

	put(cnt, "available", json_object_new_boolean(fx && fx->has_counters));
	if (!fx || !fx->has_counters)
		put(cnt, "note", json_object_new_string("no counters in this file"));
	a = json_object_new_array();
	for (unsigned int i = 1; fx && fx->has_counters && i < fx->ndevs; i++) {
		const struct skbt_fx_dev *d = &fx->devs[i];
		json_object *o;

		if (!d->has_counters)
			continue;
		o = json_object_new_object();
		put(o, "dev", json_object_new_string(d->shown));
		put(o, "namespaces", u64(d->nscopes));
		put(o, "rx_packets_delta", u64(d->d_rx_packets));
		put(o, "rx_drop_delta", u64(d->d_rx_drop));
		put(o, "nic_missed_delta", u64(d->d_nic_missed));
		put(o, "tx_packets_delta", u64(d->d_tx_packets));
		put(o, "netif_receive_skb", u64(d->rx));
		put(o, "napi_gro_receive_entry", u64(d->gro));
		put(o, "netif_rx", u64(d->netif_rx));
		put(o, "verdict", json_object_new_string(skbt_fx_verdict_name(d->verdict)));
		put(o, "explanation", json_object_new_string(d->explain));
		json_object_array_add(a, o);
	}
	put(cnt, "devices", a);
	a = json_object_new_array();
	for (unsigned int c = 0; fx && fx->has_counters && c < fx->ncpus; c++) {
		const struct skbt_fx_cpu *s = &fx->cpus[c];
		json_object *o;

		if (!s->has_softnet)
			continue;
		o = json_object_new_object();
		put(o, "cpu", json_object_new_int(c));
		put(o, "processed_delta", u64(s->d_processed));
		put(o, "netif_receive_skb", u64(s->rx));
		put(o, "processed_verdict", json_object_new_string(skbt_fx_verdict_name(s->v_processed)));
		put(o, "processed_explanation", json_object_new_string(s->x_processed));
		put(o, "dropped_delta", u64(s->d_dropped));
		put(o, "kfree_skb_cpu_backlog", u64(s->backlog_kfree));
		put(o, "netif_rx_failed", u64(s->netif_rx_fail));
		put(o, "dropped_verdict", json_object_new_string(skbt_fx_verdict_name(s->v_dropped)));
		put(o, "dropped_explanation", json_object_new_string(s->x_dropped));
		put(o, "time_squeeze_delta", u64(s->d_time_squeeze));
		put(o, "received_rps_delta", u64(s->d_received_rps));
		put(o, "flow_limit_delta", u64(s->d_flow_limit));
		put(o, "polls_full", u64(s->polls_full));
		put(o, "time_squeeze_verdict", json_object_new_string(skbt_fx_verdict_name(s->v_squeeze)));
		put(o, "time_squeeze_explanation", json_object_new_string(s->x_squeeze));
		json_object_array_add(a, o);
	}
	put(cnt, "cpus", a);
	if (fx && fx->has_counters) {
		json_object *sc = json_object_new_object();

		put(sc, "netdev_budget", u64(fx->netdev_budget));
		put(sc, "netdev_budget_usecs", u64(fx->netdev_budget_usecs));
		put(sc, "netdev_max_backlog", u64(fx->max_backlog));
		put(sc, "dev_weight", u64(fx->dev_weight));
		put(cnt, "sysctls", sc);
	}
	put(root, "counters", cnt);

	put(ns, "softirq_recorded", json_object_new_boolean(fx && fx->softirq_recorded));
	a = json_object_new_array();
	for (unsigned int c = 0; fx && c < fx->ncpus; c++) {
		const struct skbt_fx_cpu *s = &fx->cpus[c];
		json_object *o;

		if (!s->polls && !s->softirqs && !s->backlog_deq)
			continue;
		o = json_object_new_object();
		put(o, "cpu", json_object_new_int(c));
		put(o, "polls", u64(s->polls));
		put(o, "polls_full", u64(s->polls_full));
		put(o, "net_rx_softirqs", u64(s->softirqs));
		put(o, "net_rx_total_ns", u64(s->softirq_ns));
		put(o, "net_rx_max_ns", u64(s->softirq_max_ns));
		put(o, "net_rx_runs_over_budget", u64(s->softirq_budget_runs));
		put(o, "backlog_receives", u64(s->backlog_deq));
		put(o, "steered_in", u64(s->steered_in));
		put(o, "max_backlog_depth", u64(s->max_depth));
		json_object_array_add(a, o);
	}
	put(ns, "cpus", a);
	a = json_object_new_array();
	for (unsigned int i = 1; fx && i < fx->ndevs; i++) {
		const struct skbt_fx_dev *d = &fx->devs[i];
		const struct skbt_hist *h = &d->wait;
		json_object *o;

		if (!h->count && !d->steered)
			continue;
		o = json_object_new_object();
		put(o, "dev", json_object_new_string(d->shown));
		put(o, "backlog_receives", u64(d->backlog_deq));
		put(o, "rps_steered", u64(d->steered));
		put(o, "poll_wait_count", u64(h->count));
		put(o, "poll_wait_p50_ns", u64(skbt_hist_quantile(h, 0.5)));
		put(o, "poll_wait_p90_ns", u64(skbt_hist_quantile(h, 0.9)));
		put(o, "poll_wait_p99_ns", u64(skbt_hist_quantile(h, 0.99)));
		put(o, "poll_wait_max_ns", u64(h->count ? h->max : 0));
		json_object_array_add(a, o);
	}
	put(ns, "devices", a);
	put(root, "napi_softirq", ns);
}

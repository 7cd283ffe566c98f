// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-json: the versioned JSON report (schema: docs/report-schema.json).  Same content as
 * the text report; renders only.  The sections it shares with the text report are in
 * report-sections.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "skbtrail/findings.h"
#include "skbtrail/outputs.h"
#include "skbtrail/flow.h"
#include "skbtrail/pcap.h"
#include "skbtrail/report.h"

static json_object *u64(uint64_t v)
{
	/* json-c stores int64; durations and counts never reach 2^63 */
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static void put(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static json_object *str(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static const char *dev_name(const struct skbt_stats *st, unsigned int dev)
{
	return st->names.dev(st->names.ctx, dev);
}

static json_object *flow_obj(const struct skbt_flow_key *k)
{
	json_object *o = json_object_new_object();
	char buf[160];

	put(o, "name", str(skbt_flow_name(k, buf, sizeof(buf))));
	put(o, "kind", str(k->kind == SKBT_FLOW_TUPLE ? "tuple" : k->kind == SKBT_FLOW_HASH ?
			   "hash" : "none"));
	if (k->kind == SKBT_FLOW_TUPLE) {
		put(o, "proto", str(skbt_flow_proto_name(k, buf, sizeof(buf))));
		if (k->family) {
			put(o, "family", json_object_new_int(k->family));
			put(o, "src", str(skbt_flow_addr(k, true, buf, sizeof(buf))));
			put(o, "dst", str(skbt_flow_addr(k, false, buf, sizeof(buf))));
		}
		if (k->ports) {
			put(o, "sport", json_object_new_int(k->sport));
			put(o, "dport", json_object_new_int(k->dport));
		}
	}
	if (k->hash) {
		snprintf(buf, sizeof(buf), "0x%08x", k->hash);
		put(o, "hash", str(buf));
	}
	return o;
}

static json_object *flows_obj(const struct skbt_stats *st, const struct skbt_report_opts *opt)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	const struct skbt_flows *f = st->flows;
	unsigned int n = skbt_flows_count(f);
	int stage = f ? skbt_flows_stage(f) : -1;

	put(o, "source", str(skbt_flows_by_kind(f, SKBT_FLOW_TUPLE) ? "pcap" :
			     skbt_flows_by_kind(f, SKBT_FLOW_HASH) ? "hash" : "none"));
	put(o, "addresses_known", json_object_new_boolean(skbt_flows_by_kind(f, SKBT_FLOW_TUPLE)));
	put(o, "ranked_by", str(stage >= 0 ? skbt_stage_name(stage) : "total"));
	put(o, "count", u64(n));
	put(o, "journeys_tuple", u64(skbt_flows_by_kind(f, SKBT_FLOW_TUPLE)));
	put(o, "journeys_hash", u64(skbt_flows_by_kind(f, SKBT_FLOW_HASH)));
	put(o, "journeys_unknown", u64(skbt_flows_by_kind(f, SKBT_FLOW_NONE)));
	for (unsigned int i = 0; i < n && i < opt->flows; i++) {
		const struct skbt_flow_stats *s = skbt_flows_get(f, i);
		json_object *e = json_object_new_object();

		put(e, "flow", flow_obj(&s->key));
		put(e, "journeys", u64(s->journeys));
		put(e, "measured", u64(s->measured));
		put(e, "min_ns", u64(s->measured ? s->min : 0));
		put(e, "p50_ns", u64(skbt_flow_quantile(s, 0.5)));
		put(e, "p99_ns", u64(skbt_flow_quantile(s, 0.99)));
		put(e, "max_ns", u64(s->max));
		put(e, "mean_ns", u64(s->measured ? (uint64_t)(s->sum / s->measured) : 0));
		json_object_array_add(arr, e);
	}
	put(o, "list", arr);
	return o;
}

static json_object *capture_obj(const struct skbt_trace_info *ti, const struct skbt_stats *st)
{
	const struct skbt_pcap_summary *c = ti->capture;
	json_object *o = json_object_new_object(), *arr;

	put(o, "present", json_object_new_boolean(c && c->present));
	if (!c || !c->present)
		return o;
	put(o, "aligned", json_object_new_boolean(c->aligned));
	if (!c->aligned)
		put(o, "why_not", str(c->why_not));
	put(o, "packets", u64(c->packets));
	put(o, "matched", u64(c->matched));
	put(o, "match_rate", json_object_new_double(c->packets ? (double)c->matched / c->packets :
						     0.0));
	put(o, "rx_events", u64(c->rx_events));
	put(o, "rx_matched", u64(c->rx_matched));
	put(o, "ps_drop", u64(c->ps_drop));
	put(o, "ps_ifdrop", u64(c->ps_ifdrop));
	put(o, "not_stored", u64(c->not_stored));
	put(o, "capture_filter", str(skbt_pcap_capture_filter(c->pc)));
	if (c->filter) {
		put(o, "filter", str(c->filter));
		put(o, "selected", u64(c->selected));
	}
	arr = json_object_new_array();
	for (unsigned int i = 0; i < c->niface; i++) {
		const struct skbt_pcap_iface *f = skbt_pcap_iface(c->pc, i);
		json_object *e = json_object_new_object();

		put(e, "dev", str(skbt_names_iface(&st->names, f->name)));
		put(e, "linktype", json_object_new_int(f->linktype));
		put(e, "packets", u64(f->packets));
		put(e, "matched", u64(f->matched));
		put(e, "rx_events", u64(f->rx_events));
		put(e, "ps_recv", u64(f->ps_recv));
		put(e, "ps_drop", u64(f->ps_drop));
		put(e, "ps_ifdrop", u64(f->ps_ifdrop));
		json_object_array_add(arr, e);
	}
	put(o, "interfaces", arr);
	return o;
}

/* The evidence names behind a link, in the order of enum skbt_link_ev. */
static json_object *link_evidence(uint8_t bits)
{
	json_object *a = json_object_new_array();

	for (int k = 0; k < SKBT_LINK_EV__COUNT; k++)
		if (bits & 1u << k)
			json_object_array_add(a, str(skbt_link_ev_name(k)));
	return a;
}

static json_object *journey_obj(const struct skbt_stats *st, const struct skbt_journey *j,
				const struct skbt_report_opts *opt)
{
	json_object *o = json_object_new_object(), *hops = json_object_new_array();
	json_object *stages = json_object_new_array();
	char name[256], buf[32];

	skbt_stats_path_name(st, j->devs, j->ndevs, j->flags & SKBT_JF_TX_ONLY, name, sizeof(name));
	put(o, "id", u64(j->id));
	put(o, "path", str(name));
	/* the device it was sent from before its first receive (a veth peer), "" if none */
	put(o, "origin", str(j->origin_dev ? dev_name(st, j->origin_dev) : ""));
	put(o, "duration_ns", u64(skbt_journey_duration(j)));
	put(o, "end", str(skbt_jend_name(j->end)));
	put(o, "complete", json_object_new_boolean(!(j->flags & SKBT_JF_INCOMPLETE)));
	if (j->flow.kind != SKBT_FLOW_NONE)
		put(o, "flow", flow_obj(&j->flow));
	if (j->flags & SKBT_JF_LINKED) {
		put(o, "upcall_link", str(skbt_link_conf_name(j->link_conf)));
		put(o, "upcall_evidence", link_evidence(j->link_ev));
	}
	for (unsigned int i = 0; i < j->nhops; i++) {
		const struct skbt_hop *h = &j->hops[i];
		json_object *ho = json_object_new_object();

		put(ho, "event", str(skbt_kind_short(h->kind)));
		put(ho, "dev", str(!skbt_kind_has_dev(h->kind) ?
				   "" : dev_name(st, h->dev)));
		put(ho, "cpu", json_object_new_int(h->cpu));
		put(ho, "ts_ns", u64(h->ts));
		put(ho, "offset_ns", u64(h->ts - j->hops[0].ts));
		put(ho, "len", u64(h->len));
		if (st->names.comm)
			put(ho, "comm", str(st->names.comm(st->names.ctx, h->pid)));
		if (opt->show_addrs) {
			snprintf(buf, sizeof(buf), "0x%" PRIx64, h->skb);
			put(ho, "skbaddr", str(buf));
		}
		json_object_array_add(hops, ho);
	}
	put(o, "hops", hops);
	for (unsigned int i = 0; i < j->nstages; i++) {
		const struct skbt_stage_span *s = &j->stages[i];
		json_object *so = json_object_new_object();

		put(so, "name", str(skbt_stage_name(s->stage)));
		put(so, "from_hop", json_object_new_int(s->from));
		put(so, "to_hop", json_object_new_int(s->to));
		put(so, "ns", u64(s->ns));
		json_object_array_add(stages, so);
	}
	put(o, "stages", stages);
	return o;
}

json_object *skbt_report_json_tree(const struct skbt_trace_info *ti, const struct skbt_stats *st,
				  const struct skbt_report_opts *opt)
{
	json_object *root = json_object_new_object(), *arr;
	struct skbt_printer p;

	if (!root)
		return NULL;
	skbt_printer_json(&p, root);
	put(root, "schema_version", json_object_new_int(SKBT_REPORT_SCHEMA_VERSION));
	put(root, "tool", str("skbtrail-analyze " SKBT_VERSION));
	skbt_report_trace(&p, ti, opt);
	skbt_findings_json(root, ti->fx);	/* findings, counters, napi_softirq */
	skbt_report_journeys(&p, ti, st);
	skbt_report_upcalls(&p, ti, st);
	skbt_report_paths(&p, st, opt);
	skbt_report_cpus(&p, st);
	skbt_report_napi(&p, st);
	skbt_report_drops(&p, st);
	skbt_report_cp_frees(&p, st);
	put(root, "capture", capture_obj(ti, st));
	put(root, "flows", flows_obj(st, opt));

	arr = json_object_new_array();
	for (unsigned int i = 0; i < st->ntop; i++)
		json_object_array_add(arr, journey_obj(st, &st->top[i], opt));
	put(root, "slowest", arr);
	if (ti->trigger && st->near_max) {
		arr = json_object_new_array();
		for (unsigned int i = 0; i < st->nnear; i++)
			json_object_array_add(arr, journey_obj(st, &st->near[i], opt));
		put(root, "around_trigger", arr);
	}
	return root;
}

void skbt_report_json_tree_free(json_object *tree)
{
	json_object_put(tree);
}

/* Write @root as the report's document and free it. */
static int write_doc(FILE *out, json_object *root)
{
	const char *s;
	int ret = 0;

	if (!root)
		return -ENOMEM;
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || skbt_out_json_doc(out, s) || fputc('\n', out) < 0 || ferror(out))
		ret = -EIO;
	json_object_put(root);
	return ret;
}

int skbt_report_json(FILE *out, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		     const struct skbt_report_opts *opt)
{
	return write_doc(out, skbt_report_json_tree(ti, st, opt));
}

int skbt_report_multi_json(FILE *out, json_object **files, const struct skbt_merge_info *mi,
			   const struct skbt_stats *st, const struct skbt_report_opts *opt)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	json_object *merged = json_object_new_object();
	struct skbt_printer p;

	for (unsigned int i = 0; i < mi->nfiles; i++) {
		json_object_array_add(arr, files[i]);
		files[i] = NULL;
	}
	put(root, "schema_version", json_object_new_int(SKBT_REPORT_MULTI_SCHEMA_VERSION));
	put(root, "tool", str("skbtrail-analyze " SKBT_VERSION));
	put(root, "files", arr);
	skbt_printer_json(&p, merged);
	skbt_report_merged(&p, mi, st, opt);
	put(root, "merged", merged);
	return write_doc(out, root);
}

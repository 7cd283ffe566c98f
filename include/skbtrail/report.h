/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report: render a computed struct skbt_stats (plus what is known about the trace) as the
 * terminal report or the versioned JSON report (docs/report-schema.json).
 */
#ifndef SKBTRAIL_REPORT_H
#define SKBTRAIL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "skbtrail/event.h"
#include "skbtrail/stats.h"
#include "skbtrail/traceinfo.h"

#define SKBT_REPORT_SCHEMA_VERSION 1

struct skbt_context;
struct skbt_findings;
struct json_object;

struct skbt_report_opts {
	bool show_addrs;	/* print skb addresses (off: stable journey ids only) */
	bool color;		/* text report: ANSI colours (the caller decides: a tty, no NO_COLOR) */
	unsigned int top;	/* slowest journeys to list */
	bool hist;		/* log2 histograms in the text report */
	unsigned int flows;	/* flows to list in the per-flow table */
};

/* "850ns", "914.5us", "1.18ms", "2.500s": one format for every report. */
const char *skbt_fmt_duration(uint64_t ns, char *buf, size_t len);
#define SKBT_DUR(ns) skbt_fmt_duration((ns), (char[24]){ 0 }, 24)

int skbt_report_text(FILE *out, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		     const struct skbt_report_opts *o);
int skbt_report_json(FILE *out, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		     const struct skbt_report_opts *o);

/* The findings' sections (render/report-findings.c), for report-text.c and report-json.c;
 * NULL fx ok. */
void skbt_findings_print_top(FILE *out, const struct skbt_findings *fx);
void skbt_findings_print_sections(FILE *out, const struct skbt_findings *fx);
void skbt_findings_json(struct json_object *root, const struct skbt_findings *fx);

/*
 * Render a file's context (skbtrail-analyze --context, render/report-context.c): text, one
 * "key = value" per line grouped by kind, counters as start, stop and delta; or one JSON
 * object.  -EIO.
 */
struct skbt_names;
/*
 * Device names (in the keys of dev, ethtool, iface, irq, netdev and rxq lines, traced_devs,
 * the OVS port lists) are shown through @names->iface (--redact-devs); @names NULL: as
 * recorded.
 */
int skbt_context_print_text(FILE *out, const char *file, const struct skbt_context *c,
			    const struct skbt_names *names);
int skbt_context_print_json(FILE *out, const char *file, const struct skbt_context *c,
			    const struct skbt_names *names);

/* The comparison document of --compare (docs/compare-schema.json) and its terminal form. */
struct skbt_comparison;

struct skbt_compare_info {
	const char *base_file, *base_node;	/* ti->file, ti->node of each trace */
	const char *new_file, *new_node;
};

int skbt_report_compare_json(FILE *out, const struct skbt_compare_info *ci,
			     const struct skbt_comparison *c);
int skbt_report_compare_text(FILE *out, const struct skbt_compare_info *ci,
			     const struct skbt_comparison *c);
/* One self-contained page, the changed stages' histograms overlaid (report-compare-html.c). */
int skbt_report_compare_html(FILE *out, const struct skbt_compare_info *ci,
			     const struct skbt_comparison *c);
/* A stage's verdict as the renderings show it: "SIGNIFICANT", "no change", "only in new"... */
struct skbt_compare_test;
const char *skbt_compare_verdict(const struct skbt_compare_test *t);

#endif

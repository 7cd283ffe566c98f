/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report: render a computed struct skbt_stats (plus what is known about the trace) as the
 * terminal report or the versioned JSON report (docs/report-schema.json).
 */
#ifndef SKBTRAIL_REPORT_H
#define SKBTRAIL_REPORT_H

#include <inttypes.h>
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

/*
 * The printer (render/print.c): one set of calls writes a section as text and as JSON, as
 * iproute2's print_*(PRINT_ANY, ...) does.  A printer either writes text to a FILE or builds a
 * json-c tree under a root object the caller owns.  Each value call names where it goes:
 *
 *   SKBT_PRINT_FP    text only: @fmt takes the value (one conversion of the call's type)
 *   SKBT_PRINT_JSON  JSON only: the value under @key (@key NULL inside an array)
 *   SKBT_PRINT_ANY   both
 *
 * so a fact the two outputs share is written once, and where they differ (text rounds a value,
 * JSON lists every key, or the order differs) the call says which output it is for.  Objects
 * and arrays exist in JSON only; text gets its layout from the formats.  Strings reach the
 * text as they are (the caller escapes the whole text, skbt_out_text()) and JSON through json-c
 * (skbt_out_json_doc()).  The printer owns nothing; it never fails (json-c's allocations are
 * not checked, as elsewhere in the JSON writers), and containers nested deeper than
 * SKBT_PRINT_DEPTH are left out of the tree with what they hold.
 */
enum skbt_print_to {
	SKBT_PRINT_FP = 1,
	SKBT_PRINT_JSON = 2,
	SKBT_PRINT_ANY = SKBT_PRINT_FP | SKBT_PRINT_JSON,
};

#define SKBT_PRINT_DEPTH 8

struct skbt_printer {
	FILE *fp;					/* text; NULL: building JSON */
	struct json_object *stack[SKBT_PRINT_DEPTH];	/* JSON: the open containers */
	unsigned int depth;
	unsigned int skipped;		/* containers opened past SKBT_PRINT_DEPTH, still open */
};

void skbt_printer_text(struct skbt_printer *p, FILE *fp);
/* @root: a json-c object; the values go into it until objects or arrays are opened. */
void skbt_printer_json(struct skbt_printer *p, struct json_object *root);

/* Text only, no value in JSON: headings, separators, layout. */
void skbt_print_text(struct skbt_printer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void skbt_print_open_object(struct skbt_printer *p, const char *key);
void skbt_print_close_object(struct skbt_printer *p);
void skbt_print_open_array(struct skbt_printer *p, const char *key);
void skbt_print_close_array(struct skbt_printer *p);

/* JSON integers are int64 (json-c): a uint64_t past INT64_MAX is written as INT64_MAX. */
void skbt_print_u64(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		    const char *fmt, uint64_t v);
void skbt_print_i64(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		    const char *fmt, int64_t v);
void skbt_print_uint(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		     const char *fmt, unsigned int v);
void skbt_print_int(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		    const char *fmt, int v);
void skbt_print_double(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		       const char *fmt, double v);
/* Text: @fmt takes "true" or "false". */
void skbt_print_bool(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		     const char *fmt, bool v);
/* JSON: NULL is "". */
void skbt_print_str(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		    const char *fmt, const char *s);
/* A value the file cannot tell: "-" through @fmt (a %s) in text, null in JSON. */
void skbt_print_null(struct skbt_printer *p, const char *key, const char *fmt);
/* Both outputs; @s NULL (not known) is "" in JSON and @none in the text (a "-" in a table). */
void skbt_print_str_or(struct skbt_printer *p, const char *key, const char *fmt, const char *s,
		       const char *none);
/* Text: @fmt takes skbt_fmt_duration()'s string; JSON: the nanoseconds (keys end in _ns). */
void skbt_print_duration(struct skbt_printer *p, enum skbt_print_to to, const char *key,
			 const char *fmt, uint64_t ns);

/*
 * The wrappers take one value each, so a format attribute cannot tell the compiler what @fmt
 * formats: these macros hand it the same format and value in a printf that is never called,
 * and -Wformat checks them as it checks printf.  A NULL @fmt (JSON only) checks the type's
 * own format.  The functions' definitions in render/print.c put their names in parentheses.
 */
#define SKBT_PRINT_CHECK(fmt, dflt, v) ((void)(0 && printf((fmt) ? (fmt) : (dflt), (v))))
#define skbt_print_u64(p, to, key, fmt, v) \
	(SKBT_PRINT_CHECK(fmt, "%" PRIu64, (uint64_t)(v)), skbt_print_u64(p, to, key, fmt, v))
#define skbt_print_i64(p, to, key, fmt, v) \
	(SKBT_PRINT_CHECK(fmt, "%" PRId64, (int64_t)(v)), skbt_print_i64(p, to, key, fmt, v))
#define skbt_print_uint(p, to, key, fmt, v) \
	(SKBT_PRINT_CHECK(fmt, "%u", (unsigned int)(v)), skbt_print_uint(p, to, key, fmt, v))
#define skbt_print_int(p, to, key, fmt, v) \
	(SKBT_PRINT_CHECK(fmt, "%d", (int)(v)), skbt_print_int(p, to, key, fmt, v))
#define skbt_print_double(p, to, key, fmt, v) \
	(SKBT_PRINT_CHECK(fmt, "%f", (double)(v)), skbt_print_double(p, to, key, fmt, v))
#define skbt_print_bool(p, to, key, fmt, v) \
	(SKBT_PRINT_CHECK(fmt, "%s", "true"), skbt_print_bool(p, to, key, fmt, v))
#define skbt_print_str(p, to, key, fmt, s) \
	(SKBT_PRINT_CHECK(fmt, "%s", ""), skbt_print_str(p, to, key, fmt, s))
#define skbt_print_null(p, key, fmt) \
	(SKBT_PRINT_CHECK(fmt, "%s", "-"), skbt_print_null(p, key, fmt))
#define skbt_print_str_or(p, key, fmt, s, none) \
	(SKBT_PRINT_CHECK(fmt, "%s", ""), skbt_print_str_or(p, key, fmt, s, none))
#define skbt_print_duration(p, to, key, fmt, ns) \
	(SKBT_PRINT_CHECK(fmt, "%s", ""), skbt_print_duration(p, to, key, fmt, ns))

/*
 * The sections the text and the JSON report share (render/report-sections.c), each written
 * once through a printer; the two reports call them in their own order.  JSON: "trace"
 * (@o->color: the text's colours), "journeys", "upcalls", "paths", "cpus", "napi", "drops",
 * "control_plane_frees".
 */
void skbt_report_trace(struct skbt_printer *p, const struct skbt_trace_info *ti,
		       const struct skbt_report_opts *o);
void skbt_report_journeys(struct skbt_printer *p, const struct skbt_trace_info *ti,
			  const struct skbt_stats *st);
void skbt_report_upcalls(struct skbt_printer *p, const struct skbt_trace_info *ti,
			 const struct skbt_stats *st);
/* @o->hist: the text's log2 histograms (JSON always has "histogram_log2") */
void skbt_report_paths(struct skbt_printer *p, const struct skbt_stats *st,
		       const struct skbt_report_opts *o);
void skbt_report_cpus(struct skbt_printer *p, const struct skbt_stats *st);
void skbt_report_napi(struct skbt_printer *p, const struct skbt_stats *st);
void skbt_report_drops(struct skbt_printer *p, const struct skbt_stats *st);
void skbt_report_cp_frees(struct skbt_printer *p, const struct skbt_stats *st);
/* A drop reason as the text report words it ("reason 7" when the file names none). */
const char *skbt_report_reason_text(const struct skbt_stats *st, uint32_t reason, char *buf,
				    size_t len);

int skbt_report_text(FILE *out, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		     const struct skbt_report_opts *o);
int skbt_report_json(FILE *out, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		     const struct skbt_report_opts *o);
/* The JSON report's tree, for a caller that writes several (the caller owns it); or NULL. */
struct json_object *skbt_report_json_tree(const struct skbt_trace_info *ti,
					  const struct skbt_stats *st,
					  const struct skbt_report_opts *o);
void skbt_report_json_tree_free(struct json_object *tree);	/* NULL is a no-op */

/*
 * Several files (skbtrail-analyze a.dat b.dat ...): the merged statistics (merge.h) and what
 * the merged report says of each file.  Text: "merged: N files", the files, then the
 * journeys, paths, CPUs, NAPI and drops of the merge.  JSON (schema_version 2): one document
 * with "files" (each file's report tree, skbt_report_json_tree(); taken over and freed) and
 * "merged".  -EIO.
 */
struct skbt_merge_info {
	unsigned int nfiles;
	const char *const *files;	/* each file's ti->file */
	const char *const *nodes;	/* each file's ti->node ("" if unknown) */
};

#define SKBT_REPORT_MULTI_SCHEMA_VERSION 2

void skbt_report_merged(struct skbt_printer *p, const struct skbt_merge_info *mi,
			const struct skbt_stats *st, const struct skbt_report_opts *o);
int skbt_report_merged_text(FILE *out, const struct skbt_merge_info *mi,
			    const struct skbt_stats *st, const struct skbt_report_opts *o);
int skbt_report_multi_json(FILE *out, struct json_object **files, const struct skbt_merge_info *mi,
			   const struct skbt_stats *st, const struct skbt_report_opts *o);

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

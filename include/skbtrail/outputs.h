/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * outputs: the extra files skbtrail-analyze writes besides its text and JSON reports, each a
 * struct skbt_sink (sink.h) made by one constructor here:
 *
 *   perfetto   Chrome trace-event JSON for ui.perfetto.dev and chrome://tracing
 *   html       one self-contained page (inline SVG, no network) to attach to a ticket
 *   jsonl/csv  one line per selected journey, for DuckDB, ClickHouse, Spark
 *
 * docs/outputs.md describes every file.  Each constructor opens @path for writing (it owns the
 * FILE until destroy), copies @names (the struct, not what ctx points to: that must outlive the
 * sink) and the options, and on error returns a negative errno with @err saying why.  A sink
 * never prints; kernel addresses appear only with show_addrs.
 */
#ifndef SKBTRAIL_OUTPUTS_H
#define SKBTRAIL_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "skbtrail/sink.h"

#define SKBT_PERFETTO_LIMIT_DEFAULT 20000

struct skbt_perfetto_opts {
	/*
	 * Journeys written at most (0: SKBT_PERFETTO_LIMIT_DEFAULT).  Past it the file keeps the
	 * limit/2 slowest journeys and a uniform sample of the others; CPU slices (NAPI polls,
	 * softirqs) are capped at 10 * limit, first come.
	 */
	unsigned int limit;
	bool show_addrs;
};

int skbt_perfetto_sink_new(const char *path, const struct skbt_names *names,
			   const struct skbt_perfetto_opts *o, struct skbt_sink *out,
			   struct skbt_err *err);

struct skbt_html_opts {
	bool show_addrs;
	unsigned int heat_columns;	/* time columns of the per-CPU heat strip (0: 240) */
};

int skbt_html_sink_new(const char *path, const struct skbt_names *names,
		       const struct skbt_html_opts *o, struct skbt_sink *out, struct skbt_err *err);

enum skbt_table_format { SKBT_TABLE_JSONL, SKBT_TABLE_CSV };

struct skbt_table_opts {
	enum skbt_table_format format;
	const char *source;	/* "file" column: the trace's name (a basename, no directory) */
	const char *node;	/* "node" column: the host name (ti->node: UNAME or --node) */
	bool show_addrs;	/* add the first skb address */
	bool append;		/* add to @path's rows (a later file of several): no CSV header */
};

/* One line per selected journey, in the order journeys end. */
int skbt_table_sink_new(const char *path, const struct skbt_names *names,
			const struct skbt_table_opts *o, struct skbt_sink *out,
			struct skbt_err *err);

/*
 * The escaping policy of every output (outputs.c, docs/outputs.md): valid UTF-8 passes, an
 * invalid byte becomes the text \xNN in every format, control characters never reach a
 * terminal raw.
 */

/* Length of the valid UTF-8 sequence at @s (at most @n bytes, n >= 1), 0 if invalid. */
size_t skbt_utf8_seq(const unsigned char *s, size_t n);

/* @s escaped for a JSON string / HTML text (no quotes added). */
void skbt_out_json_str(FILE *f, const char *s);
void skbt_out_html_str(FILE *f, const char *s);

/*
 * The style the two HTML pages share (report-html.c, report-compare-html.c), one look for
 * both: the HEAD rules end on the line of .bad, where each page adds its own classes and the
 * newline, then the TAIL rules.
 */
#define SKBT_HTML_CSS_HEAD \
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;" \
	"color:#222;padding:0 1em}\n" \
	"h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;" \
	"margin-top:1.6em}\n" \
	"table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 10px;" \
	"text-align:right;border-bottom:1px solid #eee}th{background:#f4f4f4}\n" \
	"td.l,th.l{text-align:left}.bad{color:#b00;font-weight:bold}"
#define SKBT_HTML_CSS_TAIL \
	".hist{display:inline-block;margin:0 1em 1em 0;vertical-align:top}\n" \
	".small{color:#666;font-size:12px}svg text{font:11px system-ui,sans-serif}\n"

/* One CSV cell (RFC 4180): quoted when needed, a formula-leading cell prefixed with '. */
void skbt_out_csv_str(FILE *f, const char *s);

/*
 * @n bytes of text for a terminal or a text file: controls but newline and tab, and invalid
 * bytes, as \xNN; with @sgr, colour sequences (ESC [ digits m) pass.  -1 on a write error.
 */
int skbt_out_text(FILE *f, const char *buf, size_t n, bool sgr);

/* A JSON document serialized by json-c, with invalid UTF-8 bytes as the text \xNN. */
int skbt_out_json_doc(FILE *f, const char *json);

#endif

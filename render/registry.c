// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * registry: the table of file outputs (registry.h) and the small adapters that turn each
 * writer's constructor into one signature.  The order of the table is the order in which
 * the outputs are finished, and the order of the options in --help.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/pcapng.h"
#include "skbtrail/registry.h"

/* The JSON report is written whole at the end: a sink with only finish(). */
struct json_out {
	const char *path;
	FILE *std;
	const struct skbt_report_opts *ropt;
};

static int json_finish(void *priv, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		       struct skbt_err *err)
{
	struct json_out *j = priv;
	FILE *out = strcmp(j->path, "-") ? fopen(j->path, "w") : j->std;
	int ret;

	if (!out)
		return skbt_err_set(err, -errno, "%s: %s", j->path, strerror(errno));
	ret = skbt_report_json(out, ti, st, j->ropt);
	if (out != j->std && fclose(out) && !ret)
		ret = -errno;
	if (ret)
		return skbt_err_set(err, ret, "%s: writing the JSON report: %s", j->path,
				    strerror(-ret));
	return 0;
}

static int open_json(const struct skbt_output_args *oa, struct skbt_sink *out,
		     struct skbt_err *err)
{
	struct json_out *j = calloc(1, sizeof(*j));

	if (!j)
		return skbt_err_set(err, -ENOMEM, "out of memory");
	*j = (struct json_out){ .path = oa->path, .std = oa->std, .ropt = oa->ropt };
	*out = (struct skbt_sink){ .name = "json", .priv = j, .finish = json_finish,
				   .destroy = free };
	return 0;
}

static int open_perfetto(const struct skbt_output_args *oa, struct skbt_sink *out,
			 struct skbt_err *err)
{
	return skbt_perfetto_sink_new(oa->path, skbt_analysis_names(oa->a), oa->pfopt, out, err);
}

static int open_html(const struct skbt_output_args *oa, struct skbt_sink *out,
		     struct skbt_err *err)
{
	return skbt_html_sink_new(oa->path, skbt_analysis_names(oa->a), &(struct skbt_html_opts){
		.show_addrs = oa->ropt->show_addrs }, out, err);
}

static int open_table(const struct skbt_output_args *oa, enum skbt_table_format fmt,
		      struct skbt_sink *out, struct skbt_err *err)
{
	return skbt_table_sink_new(oa->path, skbt_analysis_names(oa->a), &(struct skbt_table_opts){
		.format = fmt, .source = skbt_analysis_source(oa->a),
		.node = skbt_analysis_node(oa->a),
		.show_addrs = oa->ropt->show_addrs, .append = oa->append }, out, err);
}

static int open_jsonl(const struct skbt_output_args *oa, struct skbt_sink *out,
		      struct skbt_err *err)
{
	return open_table(oa, SKBT_TABLE_JSONL, out, err);
}

static int open_csv(const struct skbt_output_args *oa, struct skbt_sink *out,
		    struct skbt_err *err)
{
	return open_table(oa, SKBT_TABLE_CSV, out, err);
}

static int open_pcapng(const struct skbt_output_args *oa, struct skbt_sink *out,
		       struct skbt_err *err)
{
	int ret = skbt_pcapng_sink(oa->path, skbt_analysis_pcap(oa->a),
				   skbt_analysis_names(oa->a), skbt_analysis_ipmap(oa->a), out, err);

	if (ret) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		skbt_err_set(err, ret, "--pcapng: %s", msg);
	}
	return ret;
}

const struct skbt_output skbt_outputs[] = {
	{ "json", "write the JSON report to FILE ('-' = stdout, then no text report)",
	  true, false, open_json },
	{ "perfetto", "Chrome trace-event JSON for ui.perfetto.dev / chrome://tracing",
	  false, false, open_perfetto },
	{ "html", "one self-contained HTML page (summary, findings, charts)",
	  false, false, open_html },
	{ "journeys", "one JSON line per selected journey (JSON Lines)",
	  false, false, open_jsonl },
	{ "csv", "the same as CSV with a header line", false, false, open_csv },
	{ "pcapng", "the captured headers of the selected journeys, each with its journey\n"
		    "as a comment (needs skbtrail-record --pcap)", false, true, open_pcapng },
};

const unsigned int skbt_noutputs = sizeof(skbt_outputs) / sizeof(skbt_outputs[0]);

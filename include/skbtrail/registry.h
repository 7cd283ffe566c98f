/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * registry: every file output of skbtrail-analyze in one table, bpftool-style
 * ({ "name", constructor }), that the command layer walks to build its options, its --help
 * text, its checks of output paths and the sinks of an analysis.  Adding an output is one
 * writer file and one row here (docs/architecture.md).
 *
 * The text report is not in the table: it is the default output on stdout (-q: none).
 */
#ifndef SKBTRAIL_REGISTRY_H
#define SKBTRAIL_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>

#include "skbtrail/analysis.h"
#include "skbtrail/outputs.h"
#include "skbtrail/report.h"
#include "skbtrail/sink.h"

/* What a constructor may use besides its path. */
struct skbt_output_args {
	const char *path;			/* "-" = @std (where the table allows it) */
	FILE *std;				/* the command's standard output */
	struct skbt_analysis *a;
	const struct skbt_report_opts *ropt;
	const struct skbt_perfetto_opts *pfopt;
	/* a later file of several (skbtrail-analyze a.dat b.dat): the row outputs (--journeys,
	 * --csv) append to what the earlier files wrote, with no second CSV header */
	bool append;
};

struct skbt_output {
	const char *name;		/* long option: --NAME FILE */
	const char *help;		/* --help text after "--NAME FILE" (lines joined by \n) */
	bool stdout_ok;			/* "-" writes to standard output */
	bool needs_pcap;		/* needs headers captured with skbtrail-record --pcap */
	/* fill *out (a sink the analysis then owns); -errno with @err saying why */
	int (*open)(const struct skbt_output_args *oa, struct skbt_sink *out,
		    struct skbt_err *err);
};

extern const struct skbt_output skbt_outputs[];
extern const unsigned int skbt_noutputs;

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * analysis: the driver that owns skbtrail-analyze's pipeline for one trace file,
 *
 *   tracefile -> events -> journeys -> stats, flows, findings -> sinks (outputs)
 *
 * so that the command layer only parses options, picks outputs and chooses the exit status,
 * and so that several files (or a comparison of two) are several analyses.  Like every
 * library module it never prints: errors come back as a negative errno with a struct
 * skbt_err whose one line names the file, and skbt_analysis_fail() says what kind of
 * failure it was.
 *
 *   skbt_analysis_open()    open the file, its context, events, captured headers, and set
 *                           up statistics, flows and findings (no event read yet);
 *   skbt_analysis_add_sink() outputs that follow the stream (outputs.h builds them);
 *   skbt_analysis_run()     read every event, build journeys, finish the model;
 *   skbt_analysis_trace()/_stats()/_context() the model the renderers take;
 *   skbt_analysis_close()   free everything (sinks included).
 */
#ifndef SKBTRAIL_ANALYSIS_H
#define SKBTRAIL_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/common.h"
#include "skbtrail/context.h"
#include "skbtrail/report.h"
#include "skbtrail/sink.h"
#include "skbtrail/stats.h"

struct skbt_tracefile;
struct skbt_pcap;

#define SKBT_ANALYSIS_MAX_SINKS 8

struct skbt_analysis_config {
	const char *path;		/* the trace file */
	const char *buffer;		/* --buffer: instance to read; NULL: the one with the events */
	const char *without;		/* --without EVENTS: read as if not recorded */
	struct skbt_filter filter;	/* selections (--dev, --path, --cpu, --stage, --min-latency) */
	int64_t from_rel, to_rel;	/* --from/--to after the first event, ns; -1: open */
	const char *pcap_filter;	/* --filter EXPR on the captured headers */
	const char *need_pcap;		/* option (no --) of an output that needs captured
					 * headers (pcapng), for the message; NULL: none */
	bool redact_devs;		/* outputs name devices dev1, dev2, ... */
	bool redact_ips;		/* outputs show 198.18.0.1, 2001:db8::1, ... (redact.h) */
	const char *node;		/* --node NAME instead of the stored host name */
	unsigned int top;		/* slowest journeys kept for the reports */
	bool context_only;		/* --context: open the file and its context, nothing else */
	/* called every 65536 events while the analysis runs (a progress display); optional */
	void (*progress)(void *arg, const struct skbt_tracefile *tf, uint64_t events);
	void *progress_arg;
};

enum skbt_analysis_fail {
	SKBT_ANALYSIS_FAIL_RUNTIME,	/* memory, I/O, an output */
	SKBT_ANALYSIS_FAIL_USAGE,	/* the options do not fit this file */
	SKBT_ANALYSIS_FAIL_BADFILE,	/* not a trace file, or corrupt beyond use */
};

struct skbt_analysis;

/*
 * 0 and *ap set; or a negative errno, @err saying why (the file named) and *kind what kind
 * of failure (@kind may be NULL).
 */
int skbt_analysis_open(const struct skbt_analysis_config *cfg, struct skbt_analysis **ap,
		       struct skbt_err *err, enum skbt_analysis_fail *kind);
void skbt_analysis_close(struct skbt_analysis *a);	/* NULL is a no-op */

/*
 * How outputs must name things (the aliases with --redact-devs); the headers captured in
 * the file (NULL if none); the basename of the file.  Valid from open to close.
 */
const struct skbt_names *skbt_analysis_names(const struct skbt_analysis *a);
struct skbt_pcap *skbt_analysis_pcap(const struct skbt_analysis *a);
const char *skbt_analysis_source(const struct skbt_analysis *a);
const struct skbt_context *skbt_analysis_context(const struct skbt_analysis *a);
/* --context with --redact-devs: the names the context is shown with (else NULL). */
const struct skbt_names *skbt_analysis_context_names(const struct skbt_analysis *a);
/* --redact-ips: the address map every output shares (else NULL). */
struct skbt_ipmap *skbt_analysis_ipmap(const struct skbt_analysis *a);
/* The node's name: --node, else the host name the file stores, else "". */
const char *skbt_analysis_node(const struct skbt_analysis *a);

/* The analysis owns @sk from here (destroyed by close).  -ENOSPC: too many. */
int skbt_analysis_add_sink(struct skbt_analysis *a, const struct skbt_sink *sk);

/*
 * Read the whole stream and finish the model.  0; 1 when the data ends in the middle (not an
 * error: the report covers what came before and says so; @err says where); a negative
 * errno: memory, or a sink that failed (@err names it).
 */
int skbt_analysis_run(struct skbt_analysis *a, struct skbt_err *err);

/* After run: the model every renderer takes. */
const struct skbt_trace_info *skbt_analysis_trace(const struct skbt_analysis *a);
const struct skbt_stats *skbt_analysis_stats(const struct skbt_analysis *a);

/* After run: each sink's finish, in the order added; the first failure stops (@err). */
int skbt_analysis_finish_sinks(struct skbt_analysis *a, struct skbt_err *err);

#endif

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

#define SKBT_REPORT_SCHEMA_VERSION 1
#define SKBT_MAX_WARNINGS 16

struct skbt_pcap_summary;

struct skbt_findings;

struct skbt_trace_info {
	const char *file;
	const char *node;		/* host name (UNAME option or --node), "" if unknown */
	bool own_known;			/* the file lists the recorder's own tasks */
	uint64_t own_events;		/* their events, left out of journeys and drops */
	int version;			/* trace.dat version */
	const char *compression;
	const char *buffer;		/* instance name, "" = top */
	const char *clock;
	int ncpus;
	uint64_t first_ts, last_ts;
	uint64_t events_total;
	uint64_t events[SKBT_EV__COUNT];
	bool recorded[SKBT_EV__COUNT];	/* format present in the file */
	uint64_t lost_markers;		/* sub-buffers flagged with missed events */
	uint64_t lost_events;		/* counts where the kernel knew them */
	bool lost_unknown;		/* some marker had no count */
	int64_t overrun_total;		/* from the CPUSTAT option, -1 if absent */
	bool truncated;			/* file ended early or a sub-buffer was corrupt */
	uint64_t backwards;		/* records whose timestamp went backwards */
	const struct skbt_journeys_counters *jc;
	const struct skbt_pcap_summary *capture;	/* captured headers (--pcap), or NULL */
	const struct skbt_findings *fx;	/* findings, counters vs trace, NAPI/softirq; or NULL */
	unsigned int nwarnings;
	const char *warnings[SKBT_MAX_WARNINGS];
};

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

/* Is the report incomplete (events lost, file truncated)? */
bool skbt_report_incomplete(const struct skbt_trace_info *ti);

int skbt_report_text(FILE *out, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		     const struct skbt_report_opts *o);
int skbt_report_json(FILE *out, const struct skbt_trace_info *ti, const struct skbt_stats *st,
		     const struct skbt_report_opts *o);

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

#endif

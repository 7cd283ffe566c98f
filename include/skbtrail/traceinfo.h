/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * traceinfo: what is known about the trace as a whole (file, clock, event counts, losses),
 * gathered by the analysis and read by the findings and every renderer.  Model data: no
 * renderer types here (report.h renders it).
 */
#ifndef SKBTRAIL_TRACEINFO_H
#define SKBTRAIL_TRACEINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/event.h"

#define SKBT_MAX_WARNINGS 16

struct skbt_journeys_counters;
struct skbt_pcap_summary;
struct skbt_findings;

struct skbt_trace_info {
	const char *file;
	const char *node;		/* host name (UNAME option or --node), "" if unknown */
	bool own_known;			/* the file lists the recorder's own tasks */
	/* flight mode (kind=record trigger=, trigger_time_ns=): what wrote the file, or NULL */
	const char *trigger;
	uint64_t trigger_ns;		/* CLOCK_MONOTONIC ns, the "mono" trace clock's */
	/*
	 * With a trigger: the CPUs whose first record is a missed-events marker (the ring
	 * buffer overwrote older events, by design), and how many events they say; not in
	 * lost_markers/lost_events.  The ring buffer's overrun then counts the same.  A marker
	 * that could not store its count (no room at the end of the kernel's page) leaves
	 * @overwritten_events a lower bound: the file's CPUSTAT overrun replaces it when it
	 * has one, else @overwritten_at_least says so.
	 */
	uint64_t overwritten_markers, overwritten_events;
	bool overwritten_at_least;
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

/* Is what the trace shows incomplete (events lost, file truncated)?  Reports say so. */
bool skbt_trace_incomplete(const struct skbt_trace_info *ti);

#endif

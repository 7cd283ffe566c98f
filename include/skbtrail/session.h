/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session: skbtrail's private tracefs instance "skbtrail-<pidns inode>-<pid>-<start time>"
 * (the inode of /proc/self/ns/pid, field 22 of /proc/self/stat).  It never touches the
 * top-level buffer, other instances, ftrace_enabled, set_ftrace_* or function tracers.
 */
#ifndef SKBTRAIL_SESSION_H
#define SKBTRAIL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skbtrail/common.h"

struct tracefs_instance;
struct skbt_writer;
struct skbt_session;

#define SKBT_INSTANCE_PREFIX "skbtrail-"

/* Event sets for --events. */
enum skbt_event_set {
	SKBT_EVENTS_CORE,	/* the four events every journey needs */
	SKBT_EVENTS_FULL,	/* core + entry/exit, xmit, frees, NET softirqs, openvswitch */
	SKBT_EVENTS_LEAN,	/* core, with the kernel filters of events.def's lean column */
	SKBT_EVENTS_LIST,	/* exactly the user's list */
};

/*
 * The events skbtrail knows: @i from 0, the core set first, then the rest of --events full.
 * Sets *system and *name and returns true, false past the end (the bash completion).
 */
bool skbt_session_known_event(unsigned int i, const char **system, const char **name,
			      bool *core);

struct skbt_session_config {
	enum skbt_event_set set;
	const char *const *events;	/* SKBT_EVENTS_LIST: "system:event" strings */
	int nevents;
	const char *const *devs;	/* --dev: device names kept by the kernel filter */
	int ndevs;
	const char *clock;		/* NULL: "mono", else "global" */
	unsigned long buffer_kb;	/* per CPU */
	bool overwrite;			/* flight mode: options/overwrite=1 (oldest events go) */
	/*
	 * Flight mode --trigger drop[:REASONS]: NULL none, "" any drop reason but
	 * SKB_CONSUMED, else "NO_SOCKET,SOCKET_RCVBUFF,...".  skb:kfree_skb is enabled and gets
	 * the event trigger "traceoff if FILTER": the kernel itself turns the instance's
	 * tracing off at the drop, right after recording it (skbt_session_tripped()).
	 */
	const char *drop_trigger;
};

/* Per-CPU counters of per_cpu/cpuN/stats. */
struct skbt_cpu_stats {
	uint64_t entries, overrun, commit_overrun, bytes, dropped_events, read_events;
};

/*
 * Make sure tracefs is mounted (mounting it at /sys/kernel/tracing if not).
 * Returns 0, or -ENODEV with err set when there is no usable tracefs.
 */
int skbt_session_tracefs_check(struct skbt_err *err);

/*
 * Remove instances left by a killed recorder, only those provably stale: named
 * "skbtrail-<ns>-<pid>-<start>" with <ns> our pid namespace, no process <pid> started at
 * <start> and no guard "skbtg-<pid>" alive.  Nothing else is touched, not even tracing_on:
 * an instance of another pid namespace (a recorder in a container, or on the host) or in
 * the old format "skbtrail-<pid>" whose pid is no visible recorder is left alone and named
 * in *kept (malloc'ed, one "NAME (why)" per line, or NULL).  Returns the number removed
 * (their names in *removed, a malloc'ed ","-separated string, or NULL) or a negative errno.
 */
int skbt_session_remove_stale(char **removed, char **kept, struct skbt_err *err);

/*
 * Create the instance and configure it, tracing off: clock, buffer size, events and the
 * kernel filters.  An event missing from the kernel is skipped (see skbt_session_missing())
 * unless it is a core event: -ENOENT.  A --events LIST entry that is not a "system:event"
 * is -EINVAL.  On success *sp owns the instance; skbt_session_close() removes it.
 */
int skbt_session_open(const struct skbt_session_config *cfg, struct skbt_session **sp,
			struct skbt_err *err);
/* Remove the instance (tracing off first) and free @s.  NULL is a no-op. */
void skbt_session_close(struct skbt_session *s);
/* Free @s but leave the instance (a forked guard that exits while the recorder lives). */
void skbt_session_forget(struct skbt_session *s);

int skbt_session_start(struct skbt_session *s);		/* tracing_on = 1 */
int skbt_session_stop(struct skbt_session *s);		/* tracing_on = 0 */
/* True when tracing_on reads 0 though the recorder turned it on: a traceoff trigger fired. */
bool skbt_session_tripped(struct skbt_session *s);
/*
 * --trigger drop: remove (@on false) or put back the traceoff trigger on skb:kfree_skb, so
 * that flight mode's aftermath (--after) is not cut by the next drop.  0 without one.
 */
int skbt_session_arm_drop(struct skbt_session *s, bool on);
/* Resize every CPU's ring buffer (tracing off); skbt_session_buffer_kb() follows. */
int skbt_session_set_buffer_kb(struct skbt_session *s, unsigned long kb);
/* Empty every CPU's ring buffer (flight mode, after a file is written). */
int skbt_session_clear(struct skbt_session *s);

struct tracefs_instance *skbt_session_instance(struct skbt_session *s);
const char *skbt_session_name(const struct skbt_session *s);
const char *skbt_session_clock(const struct skbt_session *s);
unsigned long skbt_session_buffer_kb(const struct skbt_session *s);
int skbt_session_ncpus(const struct skbt_session *s);
/* Sub-buffer size of the ring buffer (the file's page size). */
unsigned int skbt_session_page_size(const struct skbt_session *s);
/* Comma-separated lists of "system:event" (never NULL, maybe ""). */
const char *skbt_session_requested(const struct skbt_session *s);
const char *skbt_session_enabled(const struct skbt_session *s);
const char *skbt_session_missing(const struct skbt_session *s);
const char *skbt_session_filter(const struct skbt_session *s);	/* "" when no --dev */

/* Read per_cpu/cpu@cpu/stats: raw text (malloc'ed, may be NULL) and parsed counters. */
int skbt_session_cpu_stats(struct skbt_session *s, int cpu, char **text,
			   struct skbt_cpu_stats *st);
/* Parse the text of a stats file; unknown lines are ignored. */
void skbt_cpu_stats_parse(const char *text, struct skbt_cpu_stats *st);

/*
 * Give @w the metadata of the file: header page and event, ftrace formats, formats of every
 * event of the enabled events' systems, kallsyms (when @kallsyms and readable), printk
 * formats and saved_cmdlines.  Options are the caller's.
 */
int skbt_session_fill_writer(struct skbt_session *s, struct skbt_writer *w, bool kallsyms,
			     struct skbt_err *err);
/* Replace the cmdlines of @w with the current saved_cmdlines (at the end of recording). */
int skbt_session_update_cmdlines(struct skbt_session *s, struct skbt_writer *w);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record: one recording from start to a finished trace.dat file.  Ties the session (tracefs
 * instance), the capture (per-CPU spools) and the writer together, and runs the guard
 * process that finishes the file if the recorder is killed (SIGKILL included).
 *
 * Files while recording, all in a fresh private directory OUT.tmp.XXXXXX (mkdtemp, 0700)
 * next to OUT: file.tmp (the file being built; space for its header is reserved with
 * fallocate(2) at start), file.cpuN.tmp (raw sub-buffers of CPU N) and, with --pcap,
 * file.pcapN.tmp.  At the end file.tmp is renamed to OUT (only over a regular file, or
 * where nothing is), the spools are removed and so is the directory.
 */
#ifndef SKBTRAIL_RECORD_H
#define SKBTRAIL_RECORD_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/common.h"
#include "skbtrail/session.h"

struct skbt_recorder;
struct skbt_headers;

struct skbt_record_config {
	struct skbt_session_config session;
	const char *output;		/* trace.dat path */
	const char *devs_text;		/* --dev as given, for the file ("" when none) */
	const char *const *dev_netns;	/* per --dev device its namespace: "-" the recorder's,
					 * else its /run/netns name (NULL: all the recorder's) */
	const char *events_text;	/* --events as given */
	bool format_v6;			/* --format v6: version 6, uncompressed (default: v7, zstd) */
	/* --pcap: capture headers next to the tracepoints (skbtrail/headers.h) */
	bool pcap;
	const char *pcap_filter;	/* --filter, NULL: none */
	uint64_t pcap_max_bytes;	/* --pcap-max, 0: no cap */
	/* readers (skbtrail/budget.h): threads, and the CPUs they run on (NULL: any) */
	unsigned int readers;
	const cpu_set_t *reader_cpus;
	size_t reader_cpus_size;
	const char *reader_cpus_text;	/* --reader-cpus as given, for the file */
	const char *buffer_plan;	/* what the ring buffers were sized to and why */
	/*
	 * --flight: no readers; the ring buffers (overwrite mode) keep the last events, and
	 * skbt_recorder_trigger() writes them to a file.  @output then only names the private
	 * temporary directory (OUT.tmp.XXXXXX) and the guard writes no file, it only removes
	 * the instance: a killed flight recorder has no trigger to report.
	 */
	bool flight;
	double flight_after_s;		/* --after: seconds recorded past a trigger (0: none) */
};

/*
 * Check -o before anything is traced: -EINVAL with err set (one line naming the path) when
 * @path exists and is not a regular file (directory, device, fifo, socket, or a symlink to
 * one), or its directory does not exist or is not writable.  0 when it can be written.
 */
int skbt_record_check_output(const char *path, struct skbt_err *err);

/* Why a recording ended (stored in the file, printed at the end). */
enum skbt_stop_reason {
	SKBT_STOP_SIGNAL,
	SKBT_STOP_DURATION,
	SKBT_STOP_MAX_SIZE,
	SKBT_STOP_DISK_FULL,
	SKBT_STOP_ERROR,
	SKBT_STOP_GUARD,	/* the recorder died; its guard finished the file */
	SKBT_STOP_DISK_RESERVE,	/* free space fell to the reserve (skbtrail/budget.h) */
	SKBT_STOP_TRIGGER,	/* flight mode: a trigger wrote the ring buffers out */
};
const char *skbt_stop_reason_name(enum skbt_stop_reason r);

struct skbt_record_cpu {
	struct skbt_cpu_stats start, end;
	uint64_t spool_bytes;		/* raw data read from the ring buffer */
	uint64_t file_bytes;		/* of it, in the file */
};

struct skbt_record_summary {
	int ncpus;
	struct skbt_record_cpu *cpu;	/* ncpus entries, owned by the recorder */
	uint64_t file_bytes;
	uint64_t data_bytes;		/* event data in the file (compressed in v7) */
	uint64_t raw_data_bytes;	/* the same, uncompressed */
	double seconds;
	bool kallsyms;
	int truncated_cpus;
	const char *output;
	const char *instance;
	const char *clock;
	unsigned long buffer_kb;
	const char *missing;		/* events the kernel lacks, "" if none */
	const char *filter;
	const struct skbt_headers *headers;	/* --pcap: counts and pcap_stats; else NULL */
};

/*
 * Create the instance, the output and spool files, and the file's metadata; nothing is
 * traced yet.  Errors: -EPERM/-EACCES/-ENOENT/-EROFS (output not writable: err names the
 * file), -ENOENT/-EINVAL (events), -ENOSPC, -ENODEV.  On success *rp owns everything:
 * skbt_recorder_finish() or skbt_recorder_abort() then skbt_recorder_close().
 */
int skbt_recorder_open(const struct skbt_record_config *cfg, struct skbt_recorder **rp,
		       struct skbt_err *err);
/* Events of the configuration the kernel lacks ("system:event,...", "" if none). */
const char *skbt_recorder_missing(const struct skbt_recorder *r);
/* Fork the guard, start the readers, turn tracing on. */
int skbt_recorder_start(struct skbt_recorder *r, struct skbt_err *err);
/* Spool bytes so far, and the first capture error (-ENOSPC: disk full) or 0. */
uint64_t skbt_recorder_bytes(const struct skbt_recorder *r);
int skbt_recorder_error(const struct skbt_recorder *r);
/*
 * Stop tracing, flush, write and rename the file, remove the instance.  Returns 0, or
 * -ENOSPC when the data did not all fit (the file is still valid), or another negative
 * errno.  *sum stays valid until skbt_recorder_close().
 */
int skbt_recorder_finish(struct skbt_recorder *r, enum skbt_stop_reason why,
			 struct skbt_record_summary *sum, struct skbt_err *err);
/*
 * Flight mode: stop tracing, read everything the ring buffers hold, write it to @output
 * (kind=record trigger=@reason, trigger_time_ns=@time_ns, CLOCK_MONOTONIC), then empty the
 * buffers and turn tracing on again.  0 or a negative errno with err set; *sum as for
 * skbt_recorder_finish().  Tracing is back on unless an error came after the file.
 */
int skbt_recorder_trigger(struct skbt_recorder *r, const char *output, const char *reason,
			  uint64_t time_ns, struct skbt_record_summary *sum, struct skbt_err *err);
/*
 * Flight mode, before skbt_recorder_start(): trace for @seconds with the buffers as
 * configured, measure the busiest CPU's event bytes per second, and resize every CPU's
 * buffer to hold @hold_s seconds of it (+25% for sub-buffer headers), between @min_kb and
 * @max_kb.  Tracing is off and the buffers empty on return; *kb gets the size set and
 * *rate the measured bytes/s of the busiest CPU.
 */
int skbt_recorder_flight_size(struct skbt_recorder *r, double seconds, double hold_s,
			      unsigned long min_kb, unsigned long max_kb, unsigned long *kb,
			      double *rate, struct skbt_err *err);
/*
 * Flight mode with a drop trigger: true when the kernel's traceoff trigger turned tracing
 * off (skbt_session_tripped()).  skbt_recorder_resume() turns it back on without a file.
 */
bool skbt_recorder_tripped(struct skbt_recorder *r);
int skbt_recorder_resume(struct skbt_recorder *r);
/* skbt_session_arm_drop(): the drop trigger off during an aftermath (--after), then on. */
int skbt_recorder_arm_drop(struct skbt_recorder *r, bool on);
/*
 * Flight mode with a latency trigger (skbtrail/follow.h): the instance its reader reads, the
 * size of a sub-buffer, the CPUs, and the spools (one fd per CPU) a window is written to
 * just before skbt_recorder_trigger(), which appends what the buffers still hold.
 */
struct tracefs_instance *skbt_recorder_instance(struct skbt_recorder *r);
unsigned int skbt_recorder_page_size(const struct skbt_recorder *r);
int skbt_recorder_ncpus(const struct skbt_recorder *r);
const int *skbt_recorder_spool_fds(const struct skbt_recorder *r);
const char *skbt_recorder_clock(const struct skbt_recorder *r);	/* the trace clock */
/*
 * Write @path (in the recorder's private directory: a name of its own under
 * skbt_recorder_tmp_dir()) as a trace.dat without event data: the formats and the events
 * enabled, for a live decoder.  0 or a negative errno with @err set.
 */
int skbt_recorder_write_formats(struct skbt_recorder *r, const char *path, struct skbt_err *err);
const char *skbt_recorder_tmp_dir(const struct skbt_recorder *r);
/* Set the ring buffers to @kb per CPU (flight mode, after skbt_recorder_flight_size()). */
int skbt_recorder_set_buffer_kb(struct skbt_recorder *r, unsigned long kb);
/*
 * Flight mode: "key=value\n" lines (kept by pointer, NULL: none) added to the kind=record
 * option of the files skbt_recorder_trigger() writes (the latency trigger's window).
 */
void skbt_recorder_set_note(struct skbt_recorder *r, const char *note);
/* Replace the buffer_plan text of the file (flight mode sizes after open). */
void skbt_recorder_set_plan(struct skbt_recorder *r, const char *plan);
/* Give up without a file (error before tracing started): remove instance and temp files. */
void skbt_recorder_abort(struct skbt_recorder *r);
void skbt_recorder_close(struct skbt_recorder *r);	/* NULL is a no-op */

#endif

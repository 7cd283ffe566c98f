/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture: move each CPU's raw ring-buffer sub-buffers from an instance's
 * per_cpu/cpuN/trace_pipe_raw into a spool file "<base>.cpuN.tmp", a few threads each
 * polling a range of CPUs,
 * with splice(2) (no copy through user space, events are never decoded).  At stop the
 * partially filled sub-buffers are flushed too.
 */
#ifndef SKBTRAIL_CAPTURE_H
#define SKBTRAIL_CAPTURE_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "skbtrail/common.h"

struct tracefs_instance;
struct skbt_capture;

/*
 * Create the spool files "<spool_base>.cpuN.tmp" (O_EXCL|O_NOFOLLOW: never an existing file;
 * the recorder puts them in its private directory) for @ncpus CPUs of @inst.
 * Nothing is read yet.  On success *cp owns them; free with skbt_capture_close().
 */
int skbt_capture_open(struct tracefs_instance *inst, int ncpus, unsigned int page_size,
		      const char *spool_base, struct skbt_capture **cp, struct skbt_err *err);
/*
 * Close everything; with @remove the spool files are unlinked.  NULL is a no-op.
 * Must not be called while threads run (skbt_capture_stop() first).
 */
void skbt_capture_close(struct skbt_capture *c, bool remove);

/* Open trace_pipe_raw of every CPU and start one reader thread per CPU. */
/*
 * Before start: @nthreads reader threads (0 or more than the CPUs: one per CPU), each
 * polling a contiguous range of CPUs; pinned to @cpus (a cpu_set_t of @cpus_size bytes)
 * unless it is NULL.  -EBUSY after start, -ENOMEM.
 */
int skbt_capture_set_readers(struct skbt_capture *c, unsigned int nthreads,
			     const cpu_set_t *cpus, size_t cpus_size);
unsigned int skbt_capture_nreaders(const struct skbt_capture *c);
int skbt_capture_start(struct skbt_capture *c, struct skbt_err *err);
/*
 * Stop the threads (tracing should already be off), then flush what is left in the ring
 * buffers, partial sub-buffers included.  Returns 0 or the first error a reader hit
 * (-ENOSPC: disk full); the spools hold everything read until then.
 */
int skbt_capture_stop(struct skbt_capture *c, struct skbt_err *err);
/*
 * For the guard after the recorder died: cut each spool to whole sub-buffers, then read
 * every CPU's ring buffer to the end into it.  Single-threaded; tracing should be off.
 */
int skbt_capture_drain(struct skbt_capture *c, struct skbt_err *err);
/* Empty every spool (flight mode, once its data is in a file).  No threads may run. */
int skbt_capture_reset(struct skbt_capture *c);

/* Bytes in all spools (updated by the threads). */
uint64_t skbt_capture_bytes(const struct skbt_capture *c);
uint64_t skbt_capture_cpu_bytes(const struct skbt_capture *c, int cpu);
/* First error of a reader thread (0 while all is well): main polls it to stop early. */
int skbt_capture_error(const struct skbt_capture *c);
/* The spool fds (for skbt_writer_write()), @ncpus entries. */
const int *skbt_capture_spool_fds(const struct skbt_capture *c);
const char *skbt_capture_spool_path(const struct skbt_capture *c, int cpu);

#endif

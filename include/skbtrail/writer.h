/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * writer: write a trace-cmd trace.dat file, version 6 uncompressed (the default of a new
 * writer) or version 7 with zstd compression, from metadata held in memory (header page,
 * event formats, kallsyms, printk formats, cmdlines, options) and raw per-CPU ring-buffer
 * sub-buffers spooled in files.  The layouts are in docs/file-format.md, section "Writing
 * (lib/writer.c)".
 *
 * The writer copies everything it is given; it never reads tracefs itself (record/session.c
 * does), so it can be tested without root from synthetic data.
 */
#ifndef SKBTRAIL_WRITER_H
#define SKBTRAIL_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skbtrail/common.h"
#include "skbtrail/tdat.h"

/* Sections of the header that hold one blob each. */
enum skbt_writer_blob {
	SKBT_WB_HEADER_PAGE,
	SKBT_WB_HEADER_EVENT,
	SKBT_WB_KALLSYMS,
	SKBT_WB_PRINTK,
	SKBT_WB_CMDLINES,
	SKBT_WB_NR,
};

/* File format of skbt_writer_write(). */
enum skbt_writer_format {
	SKBT_WF_V6,		/* version 6, uncompressed: sub-buffers copied as they are */
	SKBT_WF_V7_ZSTD,	/* version 7: sections, metadata and CPU data zstd-compressed */
};

/* zstd level of SKBT_WF_V7_ZSTD unless set (measured: docs/file-format.md) */
#define SKBT_WRITER_ZSTD_LEVEL 3

struct skbt_writer;

/* Result of skbt_writer_write(): what went into the file. */
struct skbt_writer_stats {
	uint64_t header_bytes;		/* everything before the first CPU's data */
	uint64_t data_bytes;		/* sum of the CPUs' data */
	uint64_t file_bytes;
	int truncated_cpus;		/* CPUs whose data did not fit (disk full) */
	uint64_t raw_data_bytes;	/* the CPUs' sub-buffers in the file, uncompressed */
};

/*
 * Allocate a writer for sub-buffers of @page_size bytes (the kernel's sub-buffer size).
 * Free with skbt_writer_free().  Returns -ENOMEM or -EINVAL.
 */
int skbt_writer_new(unsigned int page_size, struct skbt_writer **wp);
void skbt_writer_free(struct skbt_writer *w);		/* NULL is a no-op */

/*
 * Choose the format of skbt_writer_write() (SKBT_WF_V6 until called); @level is the zstd
 * level for SKBT_WF_V7_ZSTD (1..19; 0 means SKBT_WRITER_ZSTD_LEVEL).  Returns 0 or -EINVAL.
 */
int skbt_writer_set_format(struct skbt_writer *w, enum skbt_writer_format fmt, int level);

/* Set (replace) one of the single blobs; the writer keeps its own copy. */
int skbt_writer_set_blob(struct skbt_writer *w, enum skbt_writer_blob which, const void *data,
			 size_t len);
/* Append the format file of one ftrace event (events/ftrace/NAME/format). */
int skbt_writer_add_ftrace_format(struct skbt_writer *w, const void *data, size_t len);
/* Append the format file of one event of @system (systems are kept in first-seen order). */
int skbt_writer_add_event_format(struct skbt_writer *w, const char *system, const void *data,
				 size_t len);
/* Append an option (id, payload); the payload is copied. */
int skbt_writer_add_option(struct skbt_writer *w, uint16_t id, const void *data, uint32_t len);
/* Remove every option with @id (to replace, e.g., the skbtrail option at the end). */
void skbt_writer_del_option(struct skbt_writer *w, uint16_t id);

/*
 * Bytes the header takes with the current contents and @ncpus CPUs, padding included (for
 * v7: everything before the first CPU's data, metadata compressed).  0 when out of memory.
 */
uint64_t skbt_writer_header_size(const struct skbt_writer *w, int ncpus);

/*
 * Write the whole file into @fd from offset 0: header, options, flyrecord table, then for
 * every CPU the whole sub-buffers of @cpu_fds[i] (read from offset 0; a trailing partial
 * sub-buffer is ignored; -1 means no data); in v7 each CPU's sub-buffers are compressed in
 * chunks of whole sub-buffers.  When @punch is true, spool ranges already copied are
 * released with FALLOC_FL_PUNCH_HOLE so a nearly full disk can still take the file.  On
 * ENOSPC while copying data, the CPU's data is cut at the last whole sub-buffer (v7: the
 * last whole chunk) that fit, later CPUs get what still fits, and the file stays valid
 * (stats->truncated_cpus counts them; the return value is then -ENOSPC).  The file is
 * truncated to its size.  Returns 0 or a negative errno (err says what).
 */
int skbt_writer_write(struct skbt_writer *w, int fd, int ncpus, const int *cpu_fds, bool punch,
		      struct skbt_writer_stats *stats, struct skbt_err *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perfdata: read a perf.data file of `perf record -e <tracepoints>` as the trace.dat reader
 * reads a trace.dat.
 *
 * The tracing-data feature section of a perf.data holds the same metadata blocks as the
 * start of a trace.dat v6 (header page, header event, ftrace and event formats, kallsyms,
 * printk formats, saved cmdlines), and a tracepoint sample's raw data is the trace entry the
 * ring buffer would hold.  So the samples are rewritten, per CPU and in time order, into the
 * ring-buffer pages of a trace.dat v6 image in memory, which skbt_tracefile then reads like
 * any other file: one parser of formats and records, the same event stream, the same
 * journeys.  PERF_RECORD_LOST and LOST_SAMPLES become the "missed events" of the page that
 * holds the next sample of the CPU; PERF_RECORD_COMM names are added to the cmdlines.
 *
 * The file is untrusted: every size and offset is checked against the file, counts are
 * capped, and a record that runs off its section ends the data (truncated set).  Memory: an
 * index of 32 bytes per sample plus the image, about the size of the samples' raw data.
 * See docs/file-format.md, "perf.data".
 */
#ifndef SKBTRAIL_PERFDATA_H
#define SKBTRAIL_PERFDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skbtrail/common.h"

/* Do the first @n bytes of a file start like a perf.data ("PERFILE2", either byte order)? */
bool skbt_perfdata_is(const void *head, size_t n);

struct skbt_perf_image {
	uint8_t *data;		/* a trace.dat v6 image; free() it */
	size_t size;
	bool truncated;		/* records ran off the data section, or a record was corrupt */
	uint64_t samples;	/* tracepoint samples written */
	uint64_t lost;		/* events perf reported lost (LOST + LOST_SAMPLES) */
};

/*
 * Convert the perf.data of @size bytes at @file.  Errors (err says what): -EINVAL not a
 * perf.data; -EPROTONOSUPPORT pipe mode, other byte order, sample layouts we cannot parse;
 * -ENODATA no tracing data (no tracepoint events); -EBADMSG corrupt header or section;
 * -ENOMEM.
 */
int skbt_perfdata_to_tracedat(const void *file, size_t size, struct skbt_perf_image *img,
			      struct skbt_err *err);

#endif

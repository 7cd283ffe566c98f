/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tracefile: read a trace-cmd trace.dat file (version 6 or 7, zstd-compressed or not, events
 * in the top buffer or in an instance) as it is, without libtracecmd.
 *
 * The file is untrusted input: every read is bounds-checked, and a file cut at any byte gives
 * an error or a stream that ends early with skbt_tracefile_truncated() set, never a crash.
 * Memory: the headers (formats, cmdlines, options) plus one sub-buffer (v6) or one
 * decompressed chunk (v7) per CPU stream; event data is never loaded whole.
 */
#ifndef SKBTRAIL_TRACEFILE_H
#define SKBTRAIL_TRACEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skbtrail/common.h"
#include "skbtrail/tdat.h"

struct tep_handle;
struct skbt_tracefile;
struct skbt_cpu_stream;

/* Option id under which skbtrail stores its own data (node context, ...); see docs/file-format.md */
#define SKBT_OPTION_ID SKBT_TDAT_OPT_SKBTRAIL

/*
 * Open @path.  On success *tfp owns the file; free it with skbt_tracefile_close().
 * A perf.data (magic "PERFILE2") is read as the trace.dat v6 image perfdata.h makes of it.
 * Errors: -ENOENT/-EACCES/... from open(2); -EINVAL "not a trace.dat file";
 * -EPROTONOSUPPORT unknown version or compression; -EBADMSG corrupt header; -ENODATA a
 * perf.data without tracing data.
 * @err gets a one-line message without the file name (the caller adds it).
 */
int skbt_tracefile_open(const char *path, struct skbt_tracefile **tfp, struct skbt_err *err);
/*
 * The same from @size bytes in memory (for the fuzzer and tests).  The bytes are not copied:
 * they must stay valid until skbt_tracefile_close().
 */
int skbt_tracefile_open_mem(const void *data, size_t size, struct skbt_tracefile **tfp,
			    struct skbt_err *err);
/* NULL is a no-op.  Its streams must be closed first (a thread may be reading for them). */
void skbt_tracefile_close(struct skbt_tracefile *tf);
/*
 * Whether reading @tf may use threads: not for a file in memory (the fuzzers), nor on a
 * process allowed one CPU, where a second thread only adds switches.  A stream may be read on
 * a thread other than the one that opened it; each stream on one thread at a time.
 */
bool skbt_tracefile_threads_ok(const struct skbt_tracefile *tf);
/*
 * Streams opened from now on expand their compressed chunks where they are read, with no
 * thread of the file's: for a caller that reads them on a thread of its own, where a second
 * thread would only compete with it for the CPU it leaves the caller's other work.
 */
void skbt_tracefile_expand_in_place(struct skbt_tracefile *tf);

int skbt_tracefile_version(const struct skbt_tracefile *tf);
unsigned int skbt_tracefile_page_size(const struct skbt_tracefile *tf);
/* "none", "zstd"; "perf.data" for a perf.data (read as a trace.dat v6 image, perfdata.h) */
const char *skbt_tracefile_compression(const struct skbt_tracefile *tf);

/*
 * The event formats, header page, printk formats and cmdlines of the file (not its kallsyms:
 * those are indexed by lib/ksyms.c on the first skbt_tracefile_symbol() call).
 */
struct tep_handle *skbt_tracefile_tep(struct skbt_tracefile *tf);
/*
 * The event @sys:@name, its format parsed now if it was not (formats are kept unparsed at
 * open); NULL when the file has none or it does not parse.
 */
struct tep_event *skbt_tracefile_event(struct skbt_tracefile *tf, const char *sys,
				       const char *name);
/* Parse every format now (the fuzzers: each format's parser runs on their bytes). */
void skbt_tracefile_parse_formats(struct skbt_tracefile *tf);
/* Whether the file has any event format at all. */
bool skbt_tracefile_has_formats(const struct skbt_tracefile *tf);
/* Function symbol containing @addr from the file's kallsyms, or NULL. */
const char *skbt_tracefile_symbol(struct skbt_tracefile *tf, uint64_t addr);
/*
 * Does @addr lie in a function whose name @want accepts: @want(skbt_tracefile_symbol()),
 * answered without the names when skbt_tracefile_symbols_ahead() found @want's ranges.
 */
bool skbt_tracefile_symbol_in(struct skbt_tracefile *tf, uint64_t addr,
			      bool (*want)(const char *name));
/*
 * The caller will look symbols up: read them now, in a thread of their own where one can be
 * started (v7 files), while the events are read.  With @want, only the ranges of the
 * functions it accepts, for skbt_tracefile_symbol_in() (once per file: the first @want
 * stays); with NULL, the names, after any such ranges.  The first lookup waits for it.
 * Nothing changes in what lookups return.
 */
void skbt_tracefile_symbols_ahead(struct skbt_tracefile *tf, bool (*want)(const char *name));
/*
 * Call @fn for each saved cmdline (pid, comm of @len bytes, not NUL-terminated) in file
 * order; a non-zero return stops the walk and is returned.
 */
int skbt_tracefile_foreach_comm(const struct skbt_tracefile *tf,
				int (*fn)(int pid, const char *comm, size_t len, void *arg), void *arg);
/* The comm the saved cmdlines give @pid, or libtraceevent's "<...>" for an unknown pid. */
const char *skbt_tracefile_comm(struct skbt_tracefile *tf, int pid);

/* Buffers: index 0 is the top buffer (name ""), then instances in file order. */
int skbt_tracefile_nbuffers(const struct skbt_tracefile *tf);
/* Index of the buffer named @name ("" = top), or -ENOENT. */
int skbt_tracefile_buffer_find(const struct skbt_tracefile *tf, const char *name);
const char *skbt_tracefile_buffer_name(const struct skbt_tracefile *tf, int buf);
const char *skbt_tracefile_buffer_clock(const struct skbt_tracefile *tf, int buf); /* "local" if unknown */
int skbt_tracefile_buffer_ncpus(const struct skbt_tracefile *tf, int buf);
uint64_t skbt_tracefile_buffer_bytes(const struct skbt_tracefile *tf, int buf); /* flyrecord data */

/* Where @cpu's data of @buf lies in the file (bytes as stored); -ENOENT if it has none. */
int skbt_tracefile_cpu_data(const struct skbt_tracefile *tf, int buf, int cpu, uint64_t *offset,
			    uint64_t *size);

/*
 * Text of the CPUSTAT option of @buf for @cpu (the per_cpu/cpuN/stats file at the end of the
 * recording: "entries: ...\noverrun: ...\n..."), or NULL when absent.
 */
const char *skbt_tracefile_cpustat(const struct skbt_tracefile *tf, int buf, int cpu);

/* Payload of every option with id @id, in file order (for SKBT_OPTION_ID). */
int skbt_tracefile_option(const struct skbt_tracefile *tf, unsigned int id, int nth,
			  const void **data, uint32_t *size);

/* Size of the file, and bytes read from it so far (for a progress display). */
uint64_t skbt_tracefile_size(const struct skbt_tracefile *tf);
uint64_t skbt_tracefile_bytes_read(const struct skbt_tracefile *tf);

/* True once some stream or section hit the end of the file early or a corrupt sub-buffer. */
bool skbt_tracefile_truncated(const struct skbt_tracefile *tf);

/* One CPU's events of one buffer, in file order (time order for a sane file). */
int skbt_cpu_stream_open(struct skbt_tracefile *tf, int buf, int cpu,
			 struct skbt_cpu_stream **sp, struct skbt_err *err);
void skbt_cpu_stream_close(struct skbt_cpu_stream *s);	/* NULL is a no-op */
/*
 * A stream of @cpu with no data in @tf (whose formats and page layout it uses): its
 * sub-buffers are handed in by skbt_cpu_stream_push() as a live reader gets them (the flight
 * recorder's latency trigger).  skbt_cpu_stream_next() returns 0 when it has read all it was
 * given; more may be pushed after that.
 */
int skbt_cpu_stream_open_live(struct skbt_tracefile *tf, int cpu, struct skbt_cpu_stream **sp);
/* Append @len bytes of whole sub-buffers (copied) to a live stream: 0, -EINVAL or -ENOMEM. */
int skbt_cpu_stream_push(struct skbt_cpu_stream *s, const void *pages, size_t len);

struct skbt_raw_record {
	uint64_t ts;		/* trace clock, ns (as the file's clock counts) */
	/*
	 * Event payload (common_type first); valid until the next call.  At least 16 bytes
	 * after data + size stay readable (the rest of the sub-buffer or zeroed slack), so a
	 * decoder may load a short string word by word.
	 */
	const void *data;
	int size;
	/*
	 * Events the kernel lost just before this record (the sub-buffer's "missed events"
	 * flag): 0 none, UINT64_MAX lost but count unknown, else the count.
	 */
	uint64_t missed;
};

/* 1: *rec filled; 0: end of stream; <0: error (err says what), stream ends. */
int skbt_cpu_stream_next(struct skbt_cpu_stream *s, struct skbt_raw_record *rec,
			 struct skbt_err *err);

/*
 * Ask the CPU for the stream state that the next skbt_cpu_stream_next() on @s reads first
 * (a merge over many busy CPUs comes back to a stream long after its lines left L1).
 */
void skbt_cpu_stream_prefetch(const struct skbt_cpu_stream *s);

#endif

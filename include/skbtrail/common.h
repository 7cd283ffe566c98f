/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every module of skbtrail.
 *
 * Library code never prints: it returns 0 or a negative errno and, where the caller needs to
 * tell the user what went wrong, fills a struct skbt_err with one line of text.  Only the
 * command layer (record/main.c, analyze/main.c) prints and chooses the exit status.
 */
#ifndef SKBTRAIL_COMMON_H
#define SKBTRAIL_COMMON_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SKBT_VERSION "0.1.0"

/* Exit statuses of both programs (documented in docs/skbtrail-*.1). */
enum skbt_exit {
	SKBT_EXIT_OK = 0,	/* success (a report may still say it is incomplete) */
	SKBT_EXIT_FAIL = 1,	/* runtime failure: I/O, memory, kernel refused */
	SKBT_EXIT_USAGE = 2,	/* bad command line */
	SKBT_EXIT_BADFILE = 3,	/* input is not a trace file, or is corrupt beyond use */
	SKBT_EXIT_PERM = 4,	/* not root / tracefs not usable (recorder) */
};

struct skbt_err {
	int code;		/* negative errno, 0 when unset */
	char msg[512];		/* one line, no trailing newline */
};

/*
 * Record an error and return @code (a negative errno) so callers can write
 * "return skbt_err_set(err, -EINVAL, "...", ...);".  @err may be NULL.
 */
int skbt_err_set(struct skbt_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Whole-file resource budgets of the analyzer (docs/file-format.md, "Limits").  Each is
 * the smaller of what a file of its size can honestly hold (floor + size * mul / div) and
 * an absolute cap, so a small crafted file cannot demand much time or memory.  One table
 * in common.c holds the numbers.
 */
enum skbt_limit {
	SKBT_LIM_UNPACKED,	/* bytes of v7 sections loaded and chunks expanded, each time */
	SKBT_LIM_CPU_DATA,	/* bytes of per-CPU data ranges (overlaps count each time) */
	SKBT_LIM_CPUS,		/* per-CPU streams, all buffers */
	SKBT_LIM_BUFFERS,	/* buffers (instances) */
	SKBT_LIM_FORMATS,	/* event formats, all systems */
	SKBT_LIM_KALLSYMS,	/* kallsyms lines (symbols) */
	SKBT_LIM_CMDLINES,	/* saved_cmdlines lines */
	SKBT_LIM_KEYS,		/* node-context keys, all kinds */
	SKBT_LIM_PATHS,		/* distinct journey paths */
	SKBT_LIM_HISTS,		/* latency histograms: paths and their stages */
	SKBT_LIM__COUNT
};

/* What a file of @fsize bytes may use of @l. */
uint64_t skbt_limit(enum skbt_limit l, uint64_t fsize);
/*
 * Charge @n to the running total *@used of @l; -E2BIG with the error "too many X: more than
 * N (the limit for a file of S bytes; docs/file-format.md, Limits)" when over.
 */
int skbt_limit_charge(enum skbt_limit l, uint64_t fsize, uint64_t *used, uint64_t n,
		      struct skbt_err *err);

/*
 * A growable, always NUL-terminated string buffer.  Appends after an allocation failure
 * are dropped and set @failed, so a caller checks once at the end.  Free @p when done.
 */
struct skbt_sbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

/* Make room for @n more bytes (and the NUL); false once the buffer has failed. */
bool skbt_sbuf_reserve(struct skbt_sbuf *b, size_t n);
void skbt_sbuf_add(struct skbt_sbuf *b, const void *data, size_t n);
void skbt_sbuf_str(struct skbt_sbuf *b, const char *s);
void skbt_sbuf_printf(struct skbt_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define SKBT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* write(2) all of @buf, again after EINTR and short writes: 0, -ENOSPC or a negative errno. */
int skbt_write_all(int fd, const void *buf, size_t len);

/*
 * pthread_create() of a thread that takes no signal: they stay with the thread that handles
 * them (the recorder's main loop, the analyzer's default actions).  0 or a negative errno.
 */
int skbt_thread_start(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

/*
 * Command-line helpers both programs share (lib/cli.c).  They append to @sb; the caller
 * prints it.
 */
struct option;
/* The libraries a program is built with, for skbt_version_text() */
enum skbt_lib {
	SKBT_LIB_TRACEFS = 1 << 0,
	SKBT_LIB_TRACEEVENT = 1 << 1,
	SKBT_LIB_PCAP = 1 << 2,
	SKBT_LIB_JSONC = 1 << 3,
	SKBT_LIB_ZSTD = 1 << 4,
};
/*
 * --version: "PROG VERSION", then "built with:" and the versions of the libraries in @libs
 * (a mask of enum skbt_lib) this build was compiled against, then "running with:" and the
 * loaded libpcap and libzstd when they differ from those.
 */
void skbt_version_text(struct skbt_sbuf *sb, const char *prog, unsigned int libs);
/*
 * --complete options (for the bash completion): one line per long option of @opts except
 * @hidden, "--name" with "=" appended when it takes an argument, then its short option
 * when @shortopts has one, e.g. "--output= -o".
 */
void skbt_options_text(struct skbt_sbuf *sb, const struct option *opts, const char *shortopts,
		       const char *hidden);
/* A positive duration "5", "5s", "500ms", "200us", "2m" into *@out seconds; false if not. */
bool skbt_parse_duration(const char *s, double *out);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbopt: skbtrail's own trace.dat option (id SKBT_TDAT_OPT_SKBTRAIL, docs/file-format.md).
 * Each payload is "kind=<name>\n" then "key=value" lines, up to an empty line or a NUL (a
 * kind=pcap-records payload continues with binary records).  The kinds are written once
 * here, for the recorder that writes them and the analyzer modules that read them, and read
 * through one line parser, skbt_sbopt_next().
 */
#ifndef SKBTRAIL_SBOPT_H
#define SKBTRAIL_SBOPT_H

#include <stdbool.h>
#include <stddef.h>

/* The kind names, as literals for writers that build a payload's first line at compile time. */
#define SKBT_SBOPT_NAME_RECORD		"record"		/* the recorder's own facts */
#define SKBT_SBOPT_NAME_CONTEXT_STATIC	"context-static"	/* node context, once */
#define SKBT_SBOPT_NAME_CONTEXT_START	"context-start"		/* counters at start */
#define SKBT_SBOPT_NAME_CONTEXT_STOP	"context-stop"		/* counters at stop */
#define SKBT_SBOPT_NAME_PCAP		"pcap"			/* --pcap: interfaces, sync */
#define SKBT_SBOPT_NAME_PCAP_RECORDS	"pcap-records"		/* --pcap: the headers */

#define SKBT_SBOPT_KINDS(X)				\
	X(RECORD, SKBT_SBOPT_NAME_RECORD)		\
	X(CONTEXT_STATIC, SKBT_SBOPT_NAME_CONTEXT_STATIC) \
	X(CONTEXT_START, SKBT_SBOPT_NAME_CONTEXT_START)	\
	X(CONTEXT_STOP, SKBT_SBOPT_NAME_CONTEXT_STOP)	\
	X(PCAP, SKBT_SBOPT_NAME_PCAP)			\
	X(PCAP_RECORDS, SKBT_SBOPT_NAME_PCAP_RECORDS)

enum skbt_sbopt_kind {
#define SKBT_SBOPT_ENUM(id, name) SKBT_SBOPT_##id,
	SKBT_SBOPT_KINDS(SKBT_SBOPT_ENUM)
#undef SKBT_SBOPT_ENUM
	SKBT_SBOPT__COUNT	/* not a kind skbtrail knows */
};

/* "record", "pcap", ...; NULL past the table. */
const char *skbt_sbopt_kind_name(enum skbt_sbopt_kind kind);

/* Kind of a payload (its first line is exactly "kind=<name>"), SKBT_SBOPT__COUNT if none. */
enum skbt_sbopt_kind skbt_sbopt_kind(const void *data, size_t size);

/* Where the payload's lines after the kind line start (@data itself if it has none). */
const char *skbt_sbopt_body(const void *data, size_t size);

/*
 * The next "key=value" line of [*p, end): the key (up to the first '=') and the value (after
 * it; empty when the line has no '=', then *has_eq is false), without copies.  Advances *p past
 * the line.  False at the end: @end, a NUL, or an empty line (*p then stays on it).
 */
bool skbt_sbopt_next(const char **p, const char *end, const char **key, size_t *klen,
		     const char **val, size_t *vlen, bool *has_eq);

#endif

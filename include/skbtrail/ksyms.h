/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An index of the function symbols of a kallsyms text ("ADDR TYPE NAME [MODULE]" lines, as
 * /proc/kallsyms and the kallsyms section of a trace.dat): the name of the function that
 * contains an address.  Only text symbols (types t, T, w, W) are kept; the text is untrusted
 * and parsed with bounds (a line that is not of that shape is skipped).
 */
#ifndef SKBTRAIL_KSYMS_H
#define SKBTRAIL_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest symbol name kept (the kernel's KSYM_NAME_LEN is 512 with its NUL); longer: skipped */
#define SKBT_KSYMS_NAME_MAX 511

struct skbt_ksyms;

/*
 * Index the @len bytes at @text (a NUL ends the text earlier).  The names stay where they
 * are: the index writes a NUL after each one it keeps (@text needs @len + 1 writable bytes)
 * and takes @block, the malloc'ed block @text lies in, which it frees with itself (also
 * when it fails).  0 (*out set, possibly an index of no symbol) or -ENOMEM.  Free with
 * skbt_ksyms_free().
 */
int skbt_ksyms_build(void *block, char *text, size_t len, struct skbt_ksyms **out);
void skbt_ksyms_free(struct skbt_ksyms *k);		/* NULL is a no-op */
size_t skbt_ksyms_count(const struct skbt_ksyms *k);

/*
 * The function containing @addr: the text symbol at the highest address <= @addr (of
 * several at one address, the first in the text).  Past the highest symbol only its own
 * address matches, as libtraceevent's tep_find_function() (a symbol's end is not known).
 * NULL when none; the string lives as long as the index.
 */
const char *skbt_ksyms_find(const struct skbt_ksyms *k, uint64_t addr);

/*
 * Without the names: the address ranges of the functions whose names @want accepts, for a
 * text read in pieces.  skbt_ksyms_ranges_has(r, addr) is then @want(skbt_ksyms_find(k,
 * addr)) of the index of the same text.
 *
 * Feed whole lines (the last piece may end without a newline; a line is not split between
 * two pieces), writable: a name is NUL-ended for @want and restored.  A NUL ends the text,
 * as for skbt_ksyms_build().  Then skbt_ksyms_ranges_end().  Both return 0, -E2BIG (more
 * than 2^20 functions: use the index), -ENOMEM, or -ERANGE (a wanted function at address
 * 2^64 - 1, whose range has no end); after an error the ranges are not to be used.
 */
struct skbt_ksyms_ranges;

struct skbt_ksyms_ranges *skbt_ksyms_ranges_new(bool (*want)(const char *name));
int skbt_ksyms_ranges_feed(struct skbt_ksyms_ranges *r, char *text, size_t len);
int skbt_ksyms_ranges_end(struct skbt_ksyms_ranges *r);
bool skbt_ksyms_ranges_has(const struct skbt_ksyms_ranges *r, uint64_t addr);
void skbt_ksyms_ranges_free(struct skbt_ksyms_ranges *r);		/* NULL is a no-op */

#endif

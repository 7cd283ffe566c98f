// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The function symbols of a kallsyms text, for naming drop and free locations.
 *
 * libtraceevent's tep_parse_kallsyms() did this before: an sscanf, three allocations and a
 * list node per line for every symbol of the kernel (data included), then a sort, which was
 * a quarter of the analyzer's time on a flood recorded with the free events.  Here one pass
 * over the bytes keeps the text symbols only, as (address, offset of the name in the text,
 * ended in place), sorted once; a lookup is a binary search.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/ksyms.h"

struct sym {
	uint64_t addr;
	uint32_t name;		/* offset in text */
	uint32_t seq;		/* line order, for ties */
};

struct skbt_ksyms {
	struct sym *syms;
	size_t n;
	void *block;		/* holds text */
	char *text;		/* at first the kallsyms text; then the names only */
	size_t used;		/* bytes of names at text */
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool name_end(char c)
{
	return blank(c) || c == '\n' || c == '\r' || c == '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Room for every line of the text was made before.  The name moves to the end of the names
 * kept so far, at or before where it is: the text is cut to them after the pass.
 */
static void add(struct skbt_ksyms *k, uint64_t addr, char *name, size_t nlen)
{
	k->syms[k->n] = (struct sym){ addr, (uint32_t)k->used, (uint32_t)k->n };
	k->n++;
	memmove(k->text + k->used, name, nlen);
	k->text[k->used + nlen] = '\0';	/* at or before its blank, CR or newline */
	k->used += nlen + 1;
}

/*
 * One line [p, end): "ADDR TYPE NAME" then optionally blanks and "[MODULE]".  A text symbol
 * is added; any other line (data symbols, damage) is skipped.
 */
static void parse_line(struct skbt_ksyms *k, char *p, const char *end)
{
	uint64_t addr = 0;
	char *name;
	int digits = 0, v;
	char type;

	for (; p < end && (v = hexval(*p)) >= 0; p++) {
		if (++digits > 16)
			return;
		addr = addr << 4 | (uint64_t)v;
	}
	if (!digits || p >= end || !blank(*p))
		return;
	while (p < end && blank(*p))
		p++;
	if (p >= end)
		return;
	type = *p++;
	if (p >= end || !blank(*p))
		return;
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return;
	while (p < end && blank(*p))
		p++;
	for (name = p; p < end && !name_end(*p); p++)
		;
	if (p == name || p - name > SKBT_KSYMS_NAME_MAX)
		return;
	add(k, addr, name, (size_t)(p - name));
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int skbt_ksyms_build(void *block, char *text, size_t len, struct skbt_ksyms **out)
{
	char *p, *end, *nl;
	struct skbt_ksyms *k;
	struct sym *syms;
	bool sorted = true;
	size_t i, j, lines = 1;

	*out = NULL;
	nl = memchr(text, '\0', len);
	end = nl ? nl : text + len;
	/* offsets and line numbers are 32-bit: a bigger text is cut (kernels have ~5 MB) */
	if (end - text > (ptrdiff_t)(UINT32_MAX - 1))
		end = text + (UINT32_MAX - 1);
	for (p = text; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		lines++;
	k = calloc(1, sizeof(*k));
	if (!k) {
		free(block);
		return -ENOMEM;
	}
	k->block = block;
	k->text = text;
	k->syms = malloc(lines * sizeof(*k->syms));	/* sized once: no copy on growth */
	if (!k->syms) {
		skbt_ksyms_free(k);
		return -ENOMEM;
	}
	for (p = text; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		parse_line(k, p, nl);
		if (k->n > 1 && k->syms[k->n - 1].addr < k->syms[k->n - 2].addr)
			sorted = false;
		if (nl == end)
			break;
	}
	/*
	 * Keep the names only: addresses, types, data symbols and modules were 2.3 MB of a
	 * 5.4 MB text, in memory as long as the file is open, next to the journeys of a big
	 * node (issue 21).  Offsets are from text, which moves with the block.
	 */
	{
		size_t at = (size_t)(k->text - (char *)block);
		char *nb = realloc(block, at + k->used + 1);

		if (nb) {
			k->block = nb;
			k->text = nb + at;
		}
	}
	/* /proc/kallsyms is in address order but for the modules, listed after the kernel */
	if (!sorted)
		qsort(k->syms, k->n, sizeof(*k->syms), sym_cmp);
	/* one symbol per address: the first listed (aliases share an address) */
	for (i = j = 0; i < k->n; i++)
		if (!j || k->syms[i].addr != k->syms[j - 1].addr)
			k->syms[j++] = k->syms[i];
	k->n = j;
	/* sized for every line of the text: as many as are kept */
	if (k->n && (syms = realloc(k->syms, k->n * sizeof(*k->syms))))
		k->syms = syms;
	*out = k;
	return 0;
}

void skbt_ksyms_free(struct skbt_ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->block);
	free(k);
}

size_t skbt_ksyms_count(const struct skbt_ksyms *k)
{
	return k ? k->n : 0;
}

const char *skbt_ksyms_find(const struct skbt_ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi, mid;

	if (!k || !k->n || addr < k->syms[0].addr)
		return NULL;
	/* the last symbol at or below addr: syms[lo].addr <= addr < syms[hi].addr */
	hi = k->n;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (lo == k->n - 1 && k->syms[lo].addr != addr)
		return NULL;
	return k->text + k->syms[lo].name;
}

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
	bool unsorted;		/* a symbol listed below the one before it */
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
static int add(void *arg, uint64_t addr, char *name, size_t nlen)
{
	struct skbt_ksyms *k = arg;

	if (k->n && addr < k->syms[k->n - 1].addr)
		k->unsorted = true;
	k->syms[k->n] = (struct sym){ addr, (uint32_t)k->used, (uint32_t)k->n };
	k->n++;
	memmove(k->text + k->used, name, nlen);
	k->text[k->used + nlen] = '\0';	/* at or before its blank, CR or newline */
	k->used += nlen + 1;
	return 0;
}

/*
 * One line [p, end): "ADDR TYPE NAME" then optionally blanks and "[MODULE]".  A text symbol
 * sets its address and name (not ended); any other line (data symbols, damage) is not one.
 */
static bool parse_sym(char *p, const char *end, uint64_t *addrp, char **namep, size_t *lenp)
{
	uint64_t addr = 0;
	char *name;
	int digits = 0, v;
	char type;

	for (; p < end && (v = hexval(*p)) >= 0; p++) {
		if (++digits > 16)
			return false;
		addr = addr << 4 | (uint64_t)v;
	}
	if (!digits || p >= end || !blank(*p))
		return false;
	while (p < end && blank(*p))
		p++;
	if (p >= end)
		return false;
	type = *p++;
	if (p >= end || !blank(*p))
		return false;
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return false;
	while (p < end && blank(*p))
		p++;
	for (name = p; p < end && !name_end(*p); p++)
		;
	if (p == name || p - name > SKBT_KSYMS_NAME_MAX)
		return false;
	*addrp = addr;
	*namep = name;
	*lenp = (size_t)(p - name);
	return true;
}

/* Each text symbol of the lines [p, end) to @fn (the index, the ranges); non-zero stops. */
static int each_sym(char *p, char *end, int (*fn)(void *arg, uint64_t addr, char *name,
						    size_t nlen), void *arg)
{
	uint64_t addr;
	size_t nlen;
	char *nl, *name;
	int ret;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (parse_sym(p, nl, &addr, &name, &nlen) && (ret = fn(arg, addr, name, nlen)))
			return ret;
		if (nl == end)
			break;
	}
	return 0;
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
	(void)each_sym(text, end, add, k);
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
	if (k->unsorted)
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

/*
 * ---- The functions one predicate wants, without the names ----
 *
 * Keeping every name costs 3 MB of fresh memory and most of the index's time, and a flood
 * recorded with consume_skb asks one question only: is a free's location in a control-plane
 * function (model/stats.c)?  So the pass keeps each function's address and whether it is
 * wanted (9 bytes, not a name), and ends with the ranges of the wanted ones: from a symbol's
 * address to the next address listed, in address order, which is what skbt_ksyms_find()
 * answers.  kallsyms lists the kernel in address order; module symbols may come out of it,
 * and from the first that does, the rest are kept apart, sorted and merged at the end.
 */
#define RANGES_SYMS_MAX (1u << 20)	/* a kernel has 150,000 functions: more is the index's */

struct lsym {			/* a symbol listed after the text left address order */
	uint64_t addr;
	uint32_t seq;
	uint32_t wanted;
};

struct range {
	uint64_t lo, hi;
};

struct skbt_ksyms_ranges {
	bool (*want)(const char *name);
	uint64_t *pa;		/* the symbols in order, then ... */
	uint8_t *pw;
	size_t pn, pcap;
	struct lsym *l;		/* ... the rest, with their line order for ties */
	size_t ln, lcap;
	struct range *r;
	size_t n;
	bool ended;		/* a NUL ended the text */
	int err;
};

struct skbt_ksyms_ranges *skbt_ksyms_ranges_new(bool (*want)(const char *name))
{
	struct skbt_ksyms_ranges *r = calloc(1, sizeof(*r));

	if (r)
		r->want = want;
	return r;
}

void skbt_ksyms_ranges_free(struct skbt_ksyms_ranges *r)
{
	if (!r)
		return;
	free(r->pa);
	free(r->pw);
	free(r->l);
	free(r->r);
	free(r);
}

static int grow(void **p, size_t *cap, size_t size)
{
	size_t ncap = *cap ? 2 * *cap : 16384;
	void *np;

	if (ncap > RANGES_SYMS_MAX)
		return -E2BIG;
	np = realloc(*p, ncap * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static int range_sym(void *arg, uint64_t addr, char *name, size_t nlen)
{
	struct skbt_ksyms_ranges *r = arg;
	char save = name[nlen];
	bool w;
	int ret;

	name[nlen] = '\0';
	w = r->want(name);
	name[nlen] = save;
	if (!r->ln && (!r->pn || addr >= r->pa[r->pn - 1])) {
		if (r->pn == r->pcap) {
			size_t cap = r->pcap;

			if ((ret = grow((void **)&r->pa, &cap, sizeof(*r->pa))) ||
			    (ret = grow((void **)&r->pw, &r->pcap, sizeof(*r->pw))))
				return ret;
		}
		r->pa[r->pn] = addr;
		r->pw[r->pn++] = w;
		return 0;
	}
	if (r->ln == r->lcap && (ret = grow((void **)&r->l, &r->lcap, sizeof(*r->l))))
		return ret;
	if (r->pn + r->ln >= RANGES_SYMS_MAX)
		return -E2BIG;
	r->l[r->ln] = (struct lsym){ addr, (uint32_t)r->ln, w };
	r->ln++;
	return 0;
}

int skbt_ksyms_ranges_feed(struct skbt_ksyms_ranges *r, char *text, size_t len)
{
	char *nul;

	if (r->err || r->ended)
		return r->err;
	nul = memchr(text, '\0', len);
	r->ended = nul != NULL;
	return r->err = each_sym(text, nul ? nul : text + len, range_sym, r);
}

static int lsym_cmp(const void *a, const void *b)
{
	const struct lsym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int skbt_ksyms_ranges_end(struct skbt_ksyms_ranges *r)
{
	size_t i = 0, j = 0, n = 0, cap = 0;
	uint64_t prev = 0;
	bool have = false, prev_w = false;

	if (r->err)
		return r->err;
	if (r->ln)
		qsort(r->l, r->ln, sizeof(*r->l), lsym_cmp);
	/* both lists in address order, the in-order one first at a tie (listed first) */
	while (i < r->pn || j < r->ln) {
		bool from_p = j == r->ln || (i < r->pn && r->pa[i] <= r->l[j].addr);
		uint64_t a = from_p ? r->pa[i] : r->l[j].addr;
		bool w = from_p ? r->pw[i] : r->l[j].wanted;

		if (from_p)
			i++;
		else
			j++;
		if (have && a == prev)	/* an alias: the first listed names the address */
			continue;
		if (have && prev_w) {
			if (n == cap && (r->err = grow((void **)&r->r, &cap, sizeof(*r->r))))
				return r->err;
			r->r[n++] = (struct range){ prev, a };
		}
		prev = a;
		prev_w = w;
		have = true;
	}
	/* past the highest symbol only its own address is in it (skbt_ksyms_find()) */
	if (have && prev_w) {
		if (prev == UINT64_MAX)
			return r->err = -ERANGE;
		if (n == cap && (r->err = grow((void **)&r->r, &cap, sizeof(*r->r))))
			return r->err;
		r->r[n++] = (struct range){ prev, prev + 1 };
	}
	r->n = n;
	free(r->pa);
	free(r->pw);
	free(r->l);
	r->pa = NULL;
	r->pw = NULL;
	r->l = NULL;
	return 0;
}

bool skbt_ksyms_ranges_has(const struct skbt_ksyms_ranges *r, uint64_t addr)
{
	size_t lo = 0, hi = r ? r->n : 0;

	/* the ranges are in address order and do not overlap */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->r[mid].hi <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return r && lo < r->n && r->r[lo].lo <= addr;
}

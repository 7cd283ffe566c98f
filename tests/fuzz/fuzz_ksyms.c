// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target of the kallsyms index (lib/ksyms.c): index the bytes, then name the
 * addresses the input itself spells (the first 16 hex digits of each line, -1, +0 and +1)
 * and a few fixed ones.  The same bytes, fed in pieces, give the ranges of the functions
 * whose name starts with an odd byte: each of those addresses must be in them exactly when
 * its name from the index is (a difference traps).  The trace-file target reaches the same
 * code through a file's kallsyms section; this one hits the line parser directly.
 * Build: make build-fuzz/fuzz_ksyms; seeds: tests/fuzz/seeds/fuzz_ksyms/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/ksyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool odd(const char *name)
{
	return name && (name[0] & 1);
}

/* the ranges from the bytes in pieces: a piece ends after a newline when a line's first byte says */
static struct skbt_ksyms_ranges *ranges_of(const uint8_t *data, size_t size)
{
	struct skbt_ksyms_ranges *r = skbt_ksyms_ranges_new(odd);
	char *copy = malloc(size + 1);
	size_t from = 0, i;

	if (!r || !copy)
		goto fail;
	memcpy(copy, data, size);
	for (i = 0; i < size; i++)
		if (copy[i] == '\n' && i + 1 < size && (copy[i + 1] & 3) == 0) {
			if (skbt_ksyms_ranges_feed(r, copy + from, i + 1 - from))
				goto fail;
			from = i + 1;
		}
	if ((size > from && skbt_ksyms_ranges_feed(r, copy + from, size - from)) ||
	    skbt_ksyms_ranges_end(r))
		goto fail;
	free(copy);
	return r;
fail:
	skbt_ksyms_ranges_free(r);
	free(copy);
	return NULL;
}

static void check(const struct skbt_ksyms *k, const struct skbt_ksyms_ranges *r, uint64_t a)
{
	const char *name = skbt_ksyms_find(k, a);

	if (r && skbt_ksyms_ranges_has(r, a) != odd(name))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t fixed[] = { 0, 1, 0xffffffff81000000ULL, UINT64_MAX };
	const char *p = (const char *)data, *end = p + size;
	struct skbt_ksyms_ranges *r = ranges_of(data, size);
	struct skbt_ksyms *k;
	char *copy;
	size_t i;

	/* the index writes into its text and owns it: a block of exactly size + 1 bytes */
	copy = malloc(size + 1);
	if (!copy) {
		skbt_ksyms_ranges_free(r);
		return 0;
	}
	memcpy(copy, data, size);
	copy[size] = 'x';
	if (skbt_ksyms_build(copy, copy, size, &k)) {
		skbt_ksyms_ranges_free(r);
		return 0;
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check(k, r, fixed[i]);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		uint64_t a = 0;

		for (i = 0; p + i < end && i < 16; i++) {
			char c = p[i];

			if (c >= '0' && c <= '9')
				a = a << 4 | (uint64_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				a = a << 4 | (uint64_t)(c - 'a' + 10);
			else
				break;
		}
		check(k, r, a - 1);
		check(k, r, a);
		check(k, r, a + 1);
		if (!nl)
			break;
		p = nl + 1;
	}
	skbt_ksyms_free(k);
	skbt_ksyms_ranges_free(r);
	return 0;
}

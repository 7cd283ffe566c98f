// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target of the kallsyms index (lib/ksyms.c): index the bytes, then name the
 * addresses the input itself spells (the first 16 hex digits of each line, +0 and +1) and a
 * few fixed ones.  The trace-file target reaches the same code through a file's kallsyms
 * section; this one hits the line parser directly.
 * Build: make build-fuzz/fuzz_ksyms; seeds: tests/fuzz/seeds/fuzz_ksyms/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/ksyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t fixed[] = { 0, 1, 0xffffffff81000000ULL, UINT64_MAX };
	const char *p = (const char *)data, *end = p + size;
	struct skbt_ksyms *k;
	char *copy;
	size_t i;

	/* the index writes into its text and owns it: a block of exactly size + 1 bytes */
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 'x';
	if (skbt_ksyms_build(copy, copy, size, &k))
		return 0;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		(void)skbt_ksyms_find(k, fixed[i]);
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
		(void)skbt_ksyms_find(k, a);
		(void)skbt_ksyms_find(k, a + 1);
		if (!nl)
			break;
		p = nl + 1;
	}
	skbt_ksyms_free(k);
	return 0;
}

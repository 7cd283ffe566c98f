// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target of the skbtrail option text (option 0x5342: kind=record and the node
 * context kinds, lib/context.c): the input is one option payload, parsed as each kind
 * (kvlist), asked for counter deltas, rendered as text and JSON; and, for the parsers the
 * recorder uses on /proc text, as /proc/net/dev and softnet_stat.
 * Seeds: tests/fuzz/seeds/fuzz_context/ (the four options of a real recording).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skbtrail/context.h"
#include "skbtrail/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct skbt_context c = { 0 };
	struct skbt_netdev_row *nd = NULL;
	struct skbt_softnet_row *sn = NULL;
	unsigned int n;
	uint64_t d;
	char *text;

	if (!null)
		null = fopen("/dev/null", "w");
	if (skbt_kvlist_parse((const char *)data, size, &c.record) == 0)
		c.has_record = true;
	if (skbt_kvlist_parse((const char *)data, size, &c.start) == 0)
		c.has_start = true;
	if (skbt_kvlist_parse((const char *)data, size / 2, &c.stop) == 0)
		c.has_stop = true;
	if (skbt_kvlist_parse((const char *)data + size / 3, size - size / 3, &c.stat) == 0)
		c.has_static = true;
	(void)skbt_kvlist_get(&c.record, "ncpus");
	(void)skbt_kvlist_u64(&c.record, "cpu0.lost", &d);
	for (unsigned int i = 0; i < c.start.n && i < 64; i++)
		(void)skbt_context_delta(&c, c.start.v[i].key, &d);
	if (null) {
		skbt_context_print_text(null, "fuzz", &c, NULL);
		skbt_context_print_json(null, "fuzz", &c, NULL);
	}
	skbt_context_release(&c);

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (skbt_netdev_parse(text, &nd, &n) == 0)
		free(nd);
	if (skbt_softnet_parse(text, &sn, &n) == 0)
		free(sn);
	free(text);
	return 0;
}

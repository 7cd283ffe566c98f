// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target of the trace.dat reader: open the bytes as a file, then do everything the
 * analyzer does with it: every buffer's CPU streams, then the merged, decoded events.
 * Build: make build-fuzz/fuzz_tracefile; seeds: tests/fuzz/seeds/fuzz_tracefile/ (the
 * kallsyms-free copies of the samples made by tests/data/mkslim.py).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skbtrail/event.h"
#include "skbtrail/tracefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libtraceevent 1.7 leaks a token when it rejects a format: not ours to fix */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\n";
}

/* a predicate for the kallsyms ranges read in pieces (lib/tracefile.c scan_kallsyms()) */
static bool odd(const char *name)
{
	return name && (name[0] & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct skbt_tracefile *tf;
	struct skbt_events *ev;
	struct skbt_event e;
	struct skbt_err err;
	int b, c;

	if (skbt_tracefile_open_mem(data, size, &tf, &err))
		return 0;
	/*
	 * kallsyms are parsed on the first lookup: make it happen whatever the events are,
	 * the ranges first (a file in memory finds them on the first call)
	 */
	(void)skbt_tracefile_symbol_in(tf, 0xffffffff81000000ULL, odd);
	(void)skbt_tracefile_symbol(tf, 0xffffffff81000000ULL);
	for (b = 0; b < skbt_tracefile_nbuffers(tf); b++) {
		(void)skbt_tracefile_buffer_clock(tf, b);
		for (c = 0; c < skbt_tracefile_buffer_ncpus(tf, b); c++) {
			struct skbt_cpu_stream *s;
			struct skbt_raw_record r;

			(void)skbt_tracefile_cpustat(tf, b, c);
			if (skbt_cpu_stream_open(tf, b, c, &s, &err))
				continue;
			while (skbt_cpu_stream_next(s, &r, &err) == 1)
				;
			skbt_cpu_stream_close(s);
		}
	}
	/* formats are parsed when their event is asked for: every one of them, here */
	skbt_tracefile_parse_formats(tf);
	if (skbt_events_open(tf, NULL, &ev, &err) == 0) {
		while (skbt_events_next(ev, &e, &err) == 1) {
			(void)skbt_events_dev_name(ev, e.dev);
			(void)skbt_events_comm(ev, e.pid);
			if (e.kind == SKBT_EV_KFREE_SKB) {
				(void)skbt_events_drop_reason(ev, e.u.drop.reason);
				(void)skbt_events_symbol(ev, e.u.drop.location);
				(void)skbt_events_symbol_in(ev, e.u.drop.location, odd);
			}
			if (e.kind == SKBT_EV_OVS_DO_EXECUTE_ACTION)
				(void)skbt_events_ovs_action(ev, e.u.ovs.action);
		}
		skbt_events_close(ev);
	}
	skbt_tracefile_close(tf);
	return 0;
}

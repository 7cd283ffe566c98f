// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target of the perf.data reader: the conversion (perfdata.c) alone, then the bytes
 * opened as the analyzer opens a file (the PERFILE2 magic leads to the trace.dat image) and
 * everything it does with it: CPU streams, merged and decoded events, comm and symbol lookups.
 * Build: make build-fuzz/fuzz_perfdata; seeds: tests/fuzz/seeds/fuzz_perfdata/ (made by
 * tests/data/mkslim-perf.py --seed 60 from a perf record of tests/live/perf_data.sh's traffic).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "skbtrail/event.h"
#include "skbtrail/perfdata.h"
#include "skbtrail/tracefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libtraceevent 1.7 leaks a token when it rejects a format: not ours to fix */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct skbt_perf_image img;
	struct skbt_tracefile *tf;
	struct skbt_events *ev;
	struct skbt_event e;
	struct skbt_err err;
	int c;

	if (skbt_perfdata_to_tracedat(data, size, &img, &err) == 0)
		free(img.data);
	if (skbt_tracefile_open_mem(data, size, &tf, &err))
		return 0;
	(void)skbt_tracefile_symbol(tf, 0xffffffff81000000ULL);
	for (c = 0; c < skbt_tracefile_buffer_ncpus(tf, 0); c++) {
		struct skbt_cpu_stream *s;
		struct skbt_raw_record r;

		if (skbt_cpu_stream_open(tf, 0, c, &s, &err))
			continue;
		while (skbt_cpu_stream_next(s, &r, &err) == 1)
			;
		skbt_cpu_stream_close(s);
	}
	/* formats are parsed when their event is asked for: every one of them, here */
	skbt_tracefile_parse_formats(tf);
	if (skbt_events_open(tf, NULL, &ev, &err) == 0) {
		while (skbt_events_next(ev, &e, &err) == 1) {
			(void)skbt_events_dev_name(ev, e.dev);
			(void)skbt_events_comm(ev, e.pid);
		}
		skbt_events_close(ev);
	}
	skbt_tracefile_close(tf);
	return 0;
}

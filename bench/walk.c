// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/walk: how fast is the analyzer's input stage?
 *
 *   walk [-r N] [-p] FILE
 *
 * Times, on FILE: (1) a bare kbuffer walk of every sub-buffer of the chosen buffer (pages
 * read with pread, no checks, no decoding: the floor), (2) skbt_cpu_stream_next over every
 * CPU, (3) skbt_events_next (checks, decode, k-way merge).  Prints events/s of each; -r
 * repeats each measure N times and keeps the best.  -p prints the merged events instead
 * (debugging aid).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <traceevent/kbuffer.h>
#include <traceevent/event-parse.h>

#include "skbtrail/event.h"
#include "skbtrail/tracefile.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The floor: kbuffer over the uncompressed pages of each CPU, read with pread, no checks, no
 * decoding.  Only for uncompressed files (v6, or v7 with compression none).
 */
static uint64_t bare_walk(const char *path, long ps, const uint64_t *offs, const uint64_t *sizes,
			  int n, int long8)
{
	FILE *f = fopen(path, "r");
	struct kbuffer *kb = kbuffer_alloc(long8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
					   KBUFFER_ENDIAN_LITTLE);
	size_t blk = 256 << 10;
	char *buf = malloc(blk);
	uint64_t count = 0;
	int i;

	for (i = 0; i < n; i++) {
		uint64_t off = offs[i], end = offs[i] + sizes[i];

		while (off < end) {
			size_t want = end - off < blk ? end - off : blk;
			ssize_t r = pread(fileno(f), buf, want, off);
			long p;

			if (r <= 0)
				break;
			for (p = 0; p + ps <= r; p += ps) {
				unsigned long long ts;
				void *d;

				kbuffer_load_subbuffer(kb, buf + p);
				for (d = kbuffer_read_event(kb, &ts); d; d = kbuffer_next_event(kb, &ts))
					count++;
			}
			off += r;
		}
	}
	kbuffer_free(kb);
	free(buf);
	fclose(f);
	return count;
}

int main(int argc, char **argv)
{
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	int opt, reps = 1, print = 0, r, buf = 0;
	double best_stream = 1e9, best_ev = 1e9, best_bare = 1e9, t;
	uint64_t n_stream = 0, n_ev = 0, n_bare = 0;
	const char *path;

	while ((opt = getopt(argc, argv, "r:p")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 'p':
			print = 1;
			break;
		default:
			fprintf(stderr, "usage: walk [-r N] [-p] FILE\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: walk [-r N] [-p] FILE\n");
		return 2;
	}
	path = argv[optind];
	t = now();
	if (skbt_tracefile_open(path, &tf, &err)) {
		fprintf(stderr, "walk: %s: %s\n", path, err.msg);
		return 1;
	}
	fprintf(stderr, "open: %.1f ms, version %d, compression %s\n", (now() - t) * 1e3,
		skbt_tracefile_version(tf), skbt_tracefile_compression(tf));

	if (print) {
		struct skbt_events *ev;
		struct skbt_event e;

		if (skbt_events_open(tf, NULL, &ev, &err)) {
			fprintf(stderr, "walk: %s\n", err.msg);
			return 1;
		}
		while ((r = skbt_events_next(ev, &e, &err)) == 1) {
			printf("[%03u] %" PRIu64 ".%09" PRIu64 " %-24s dev=%s skb=0x%" PRIx64
			       " len=%u pid=%d comm=%s", e.cpu, e.ts / 1000000000,
			       e.ts % 1000000000, skbt_kind_short(e.kind),
			       skbt_events_dev_name(ev, e.dev), e.skb, e.len, e.pid,
			       skbt_events_comm(ev, e.pid));
			if (e.kind == SKBT_EV_KFREE_SKB) {
				const char *why = skbt_events_drop_reason(ev, e.u.drop.reason);
				const char *sym = skbt_events_symbol(ev, e.u.drop.location);

				printf(" reason=%s @%s proto=0x%x", why ? why : "?", sym ? sym : "?",
				       e.u.drop.protocol);
			}
			if (e.kind == SKBT_EV_NAPI_POLL)
				printf(" work=%d budget=%d", e.u.napi.work, e.u.napi.budget);
			printf("\n");
		}
		if (r < 0)
			fprintf(stderr, "walk: %s\n", err.msg);
		fprintf(stderr, "buffer \"%s\", %" PRIu64 " events, truncated %d\n",
			skbt_events_buffer(ev), skbt_events_count(ev, SKBT_EV__COUNT),
			skbt_tracefile_truncated(tf));
		skbt_events_close(ev);
		skbt_tracefile_close(tf);
		return 0;
	}

	for (int i = 0; i < reps; i++) {
		struct skbt_events *ev;
		struct skbt_event e;
		uint64_t n = 0;

		t = now();
		if (skbt_events_open(tf, NULL, &ev, &err)) {
			fprintf(stderr, "walk: %s\n", err.msg);
			return 1;
		}
		buf = skbt_tracefile_buffer_find(tf, skbt_events_buffer(ev));
		while (skbt_events_next(ev, &e, &err) == 1)
			n++;
		skbt_events_close(ev);
		t = now() - t;
		if (t < best_ev)
			best_ev = t;
		n_ev = n;

		t = now();
		n = 0;
		for (int c = 0; c < skbt_tracefile_buffer_ncpus(tf, buf); c++) {
			struct skbt_cpu_stream *s;
			struct skbt_raw_record rec;

			if (skbt_cpu_stream_open(tf, buf, c, &s, &err))
				continue;
			while (skbt_cpu_stream_next(s, &rec, &err) == 1)
				n++;
			skbt_cpu_stream_close(s);
		}
		t = now() - t;
		if (t < best_stream)
			best_stream = t;
		n_stream = n;
	}
	if (strcmp(skbt_tracefile_compression(tf), "none") == 0) {
		uint64_t offs[256], sizes[256];
		int n = 0;

		for (int c = 0; c < skbt_tracefile_buffer_ncpus(tf, buf) && n < 256; c++)
			if (!skbt_tracefile_cpu_data(tf, buf, c, &offs[n], &sizes[n]))
				n++;
		for (int i = 0; n && i < reps; i++) {
			t = now();
			n_bare = bare_walk(path, skbt_tracefile_page_size(tf), offs, sizes, n, 1);
			t = now() - t;
			if (t < best_bare)
				best_bare = t;
		}
	}
	printf("skbt_events_next:     %10" PRIu64 " events %8.3f s %6.2f M events/s\n", n_ev,
	       best_ev, n_ev / best_ev / 1e6);
	printf("skbt_cpu_stream_next: %10" PRIu64 " events %8.3f s %6.2f M events/s\n", n_stream,
	       best_stream, n_stream / best_stream / 1e6);
	if (n_bare)
		printf("bare kbuffer walk:    %10" PRIu64 " events %8.3f s %6.2f M events/s\n",
		       n_bare, best_bare, n_bare / best_bare / 1e6);
	skbt_tracefile_close(tf);
	return 0;
}

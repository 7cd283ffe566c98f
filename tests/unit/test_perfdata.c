// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/perfdata.c: perf.data read as a trace.dat image.
 *
 * Input: samples/perf-bridge-mono.data (perf record -a -k mono of the four core events, see
 * samples/README.md) and damaged copies of it: the errors each header damage gives, and the
 * file cut at every offset of its header and attrs and at many more.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "skbtrail/event.h"
#include "skbtrail/perfdata.h"
#include "skbtrail/tracefile.h"

/* libtraceevent 1.7 leaks a token when it rejects a (corrupt) format: not ours to fix */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\n";
}

/* Sanitizer builds run ~5x slower: fewer cuts keep the test short. */
#if defined(__SANITIZE_ADDRESS__)
#define STEP 5
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STEP 5
#endif
#endif
#ifndef STEP
#define STEP 1
#endif

static uint8_t *sample;
static size_t sample_size;

static int load(void **state)
{
	const char *r = getenv("SKBT_ROOT");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/samples/perf-bridge-mono.data", r && *r ? r : ".");
	f = fopen(path, "rb");
	if (!f)
		return -1;
	sample = malloc(1 << 20);
	sample_size = sample ? fread(sample, 1, 1 << 20, f) : 0;
	fclose(f);
	return sample_size ? 0 : -1;
}

static int unload(void **state)
{
	free(sample);
	return 0;
}

/* Events per kind and in total through the analyzer's stream, or <0 when it does not open. */
static long count_events(const void *data, size_t size, uint64_t *per_kind, bool *truncated)
{
	struct skbt_tracefile *tf;
	struct skbt_events *ev;
	struct skbt_event e;
	struct skbt_err err;
	long n = 0;
	int ret;

	ret = skbt_tracefile_open_mem(data, size, &tf, &err);
	if (ret)
		return ret;
	ret = skbt_events_open(tf, NULL, &ev, &err);
	if (ret) {
		skbt_tracefile_close(tf);
		return ret;
	}
	while (skbt_events_next(ev, &e, &err) == 1) {
		if (per_kind)
			per_kind[e.kind]++;
		(void)skbt_events_comm(ev, e.pid);
		n++;
	}
	if (truncated)
		*truncated = skbt_tracefile_truncated(tf);
	skbt_events_close(ev);
	skbt_tracefile_close(tf);
	return n;
}

static void test_sample(void **state)
{
	uint64_t k[SKBT_EV__COUNT] = { 0 };
	struct skbt_perf_image img;
	struct skbt_err err;
	bool trunc = true;

	assert_true(skbt_perfdata_is(sample, sample_size));
	assert_int_equal(skbt_perfdata_to_tracedat(sample, sample_size, &img, &err), 0);
	assert_int_equal(img.samples, 159);
	assert_int_equal(img.lost, 0);
	assert_false(img.truncated);
	free(img.data);
	/* the counts `perf script` prints for the file (samples/README.md) */
	assert_int_equal(count_events(sample, sample_size, k, &trunc), 159);
	assert_false(trunc);
	assert_int_equal(k[SKBT_EV_NETIF_RECEIVE_SKB], 56);
	assert_int_equal(k[SKBT_EV_NETIF_RX], 26);
	assert_int_equal(k[SKBT_EV_NAPI_POLL], 35);
	assert_int_equal(k[SKBT_EV_NET_DEV_QUEUE], 42);
	assert_int_equal(k[SKBT_EV_LOST], 0);
}

/* A copy with one damage: the error code and that the message says something. */
static int damaged(size_t off, const void *bytes, size_t n, char *msg, size_t msglen)
{
	uint8_t *c = malloc(sample_size);
	struct skbt_perf_image img;
	struct skbt_err err = { 0 };
	int ret;

	assert_non_null(c);
	memcpy(c, sample, sample_size);
	memcpy(c + off, bytes, n);
	ret = skbt_perfdata_to_tracedat(c, sample_size, &img, &err);
	if (!ret)
		free(img.data);
	else
		snprintf(msg, msglen, "%s", err.msg);
	free(c);
	return ret;
}

static void test_errors(void **state)
{
	uint64_t swapped = __builtin_bswap64(0x32454c4946524550ULL), v;
	struct skbt_perf_image img;
	struct skbt_err err;
	char msg[512];

	assert_int_equal(skbt_perfdata_to_tracedat("PERFILE", 7, &img, &err), -EINVAL);
	assert_int_equal(damaged(0, &swapped, 8, msg, sizeof(msg)), -EPROTONOSUPPORT);
	assert_non_null(strstr(msg, "byte order"));
	v = 16;		/* pipe mode, but what follows is a file-mode header: no events */
	assert_int_equal(damaged(8, &v, 8, msg, sizeof(msg)), -ENODATA);
	v = 0;		/* no feature bits: no tracing data */
	assert_int_equal(damaged(72, &v, 8, msg, sizeof(msg)), -ENODATA);
	assert_non_null(strstr(msg, "tracing data"));
	v = 1ULL << 40;	/* attrs section past the end */
	assert_int_equal(damaged(24, &v, 8, msg, sizeof(msg)), -EBADMSG);
	v = 7;		/* attr size */
	assert_int_equal(damaged(16, &v, 8, msg, sizeof(msg)), -EBADMSG);
	v = 1ULL << 62;	/* data size: the feature table is past the end */
	assert_int_equal(damaged(48, &v, 8, msg, sizeof(msg)), -EBADMSG);
}

/* Cut anywhere: an error, or fewer events and the trace marked truncated. */
static void test_cuts(void **state)
{
	size_t off, step;
	long full = count_events(sample, sample_size, NULL, NULL);

	for (off = 0; off < sample_size; off += step) {
		uint8_t *c = malloc(off ? off : 1);
		bool trunc = false;
		long n;

		step = off < 2048 ? STEP : 97 * STEP;
		assert_non_null(c);
		memcpy(c, sample, off);
		n = count_events(c, off, NULL, &trunc);
		if (n >= 0) {
			assert_true(n <= full);
			assert_true(trunc);
		}
		free(c);
	}
}

/* Random bit flips: never a crash (the sanitizers watch), whatever comes out. */
static void test_bitflips(void **state)
{
	uint8_t *c = malloc(sample_size);
	unsigned int seed = 0x5342, i, k;

	assert_non_null(c);
	for (i = 0; i < 300; i++) {
		memcpy(c, sample, sample_size);
		for (k = 0; k < 1 + i % 8; k++) {
			seed = seed * 1103515245 + 12345;
			c[(seed >> 4) % sample_size] ^= 1u << (seed % 8);
		}
		(void)count_events(c, sample_size, NULL, NULL);
	}
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_bitflips),
	};

	return cmocka_run_group_tests(tests, load, unload);
}

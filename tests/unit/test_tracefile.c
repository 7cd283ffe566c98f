// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/tracefile.c: the trace.dat reader.
 *
 * Inputs: the samples (trace-cmd 3.1.6, v7 zstd), tests/data/ *-slim*.dat (the same traces
 * without kallsyms, made by tests/data/mkslim.py; -v6 after `trace-cmd convert
 * --file-version 6 --compression none`, -raw after `--file-version 7 --compression none`).
 * When trace-cmd is installed, a v6 copy of a whole sample is also made at run time.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "skbtrail/event.h"
#include "skbtrail/stats.h"
#include "skbtrail/tracefile.h"

#include "bytes.h"

/* Sanitizer builds run ~5x slower: fewer cuts and flips keep each test under 20 s. */
#if defined(__SANITIZE_ADDRESS__)
#define SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW_BUILD 1
#endif
#endif
#ifdef SLOW_BUILD
#define PAGE_WINDOW 8
#define FLIPS 250
#define STRIDE 3	/* every 3rd offset of the first and last 4 KiB */
#else
#define PAGE_WINDOW 24
#define FLIPS 600
#define STRIDE 1
#endif

/* libtraceevent 1.7 leaks a token when it rejects a (corrupt) format: not ours to fix */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\n";
}

static const char *root(void)
{
	const char *r = getenv("SKBT_ROOT");

	return r && *r ? r : ".";
}

static char *path_of(const char *rel)
{
	static char buf[8][4096];
	static int i;
	char *p = buf[i++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", root(), rel);
	return p;
}

/*
 * Per-CPU event counts and first/last timestamps, from `trace-cmd report -t FILE` (3.1.6):
 * the lines of each "[CPU]" counted, the first and last "SECONDS.NANOSECONDS" of each.
 */
struct cpu_ref {
	int cpu;
	uint64_t n, first, last;
};

static const struct sample_ref {
	const char *file;
	const char *buffer;	/* where the events are */
	int nbuffers;
	struct cpu_ref cpus[2];
} samples[] = {
	{ "samples/native-a_udp.dat", "pn", 2,
	  { { 0, 1735, 371299210100, 378539278903 }, { 1, 1341, 371298570197, 378519202066 } } },
	{ "samples/native-b_udp.dat", "pn", 2,
	  { { 0, 1393, 430747190075, 438059214966 }, { 1, 1879, 430747204300, 438059212117 } } },
	{ "samples/native-c_ping.dat", "pn", 2,
	  { { 0, 464, 445859180734, 452087244018 }, { 1, 1471, 445859183022, 451943266128 } } },
	{ "samples/native-d_tap.dat", "pn", 2,
	  { { 0, 1038, 479603163828, 485963171804 }, { 1, 1299, 479602882296, 486263227589 } } },
	{ "samples/native-d_tapnapi.dat", "pn", 2,
	  { { 0, 1024, 486499163772, 493159215651 }, { 1, 1181, 486503156990, 493159215781 } } },
	{ "samples/native-e_tcp.dat", "pn", 2,
	  { { 0, 2409, 1565966691079, 1572230712801 },
	    { 1, 1271, 1565966701685, 1572182726455 } } },
	{ "samples/native-h_drops.dat", "pn", 2,
	  { { 0, 1262, 596831123559, 602867154421 }, { 1, 1546, 596831107315, 602867156709 } } },
	{ "samples/ovs-fastpath-full.dat", "", 1,
	  { { 0, 665, 43524187819, 52219634236 }, { 1, 90, 44026636602, 52064427567 } } },
	{ "samples/ovs-fastpath.dat", "", 1,
	  { { 0, 114, 28749524131, 32822873305 }, { 1, 0, 0, 0 } } },
	{ "samples/ovs-upcall.dat", "", 1,
	  { { 0, 578, 77064589072, 85639458536 }, { 1, 162, 78171379666, 85202086076 } } },
};

static const struct sample_ref *ref_of(const char *name)
{
	size_t i;

	for (i = 0; i < SKBT_ARRAY_SIZE(samples); i++)
		if (strstr(samples[i].file, name))
			return &samples[i];
	fail_msg("no reference for %s", name);
	return NULL;
}

/* Walk one CPU stream: count, first and last timestamp. */
static int walk_cpu(struct skbt_tracefile *tf, int buf, int cpu, uint64_t *n, uint64_t *first,
		    uint64_t *last)
{
	struct skbt_cpu_stream *s;
	struct skbt_raw_record rec;
	struct skbt_err err = { 0 };
	int ret;

	*n = *first = *last = 0;
	ret = skbt_cpu_stream_open(tf, buf, cpu, &s, &err);
	if (ret)
		return ret;
	while ((ret = skbt_cpu_stream_next(s, &rec, &err)) == 1) {
		if (!*n)
			*first = rec.ts;
		*last = rec.ts;
		(*n)++;
		assert_true(rec.size >= 0);
	}
	skbt_cpu_stream_close(s);
	return ret;
}

static void check_against(struct skbt_tracefile *tf, const struct sample_ref *r)
{
	int buf = skbt_tracefile_buffer_find(tf, r->buffer), c;

	assert_true(buf >= 0);
	assert_int_equal(skbt_tracefile_nbuffers(tf), r->nbuffers);
	assert_string_equal(skbt_tracefile_buffer_name(tf, 0), "");
	assert_int_equal(skbt_tracefile_buffer_ncpus(tf, buf), 2);
	assert_string_equal(skbt_tracefile_buffer_clock(tf, buf), "local");
	for (c = 0; c < 2; c++) {
		uint64_t n, first, last;

		assert_int_equal(walk_cpu(tf, buf, c, &n, &first, &last), 0);
		assert_int_equal(n, r->cpus[c].n);
		assert_int_equal(first, r->cpus[c].first);
		assert_int_equal(last, r->cpus[c].last);
	}
	assert_false(skbt_tracefile_truncated(tf));
}

static void test_samples(void **state)
{
	size_t i;

	for (i = 0; i < SKBT_ARRAY_SIZE(samples); i++) {
		struct skbt_tracefile *tf;
		struct skbt_err err = { 0 };
		int ret = skbt_tracefile_open(path_of(samples[i].file), &tf, &err);

		if (ret)
			fail_msg("%s: %s", samples[i].file, err.msg);
		assert_int_equal(skbt_tracefile_version(tf), 7);
		assert_string_equal(skbt_tracefile_compression(tf), "zstd");
		assert_int_equal(skbt_tracefile_page_size(tf), 4096);
		assert_non_null(skbt_tracefile_tep(tf));
		check_against(tf, &samples[i]);
		skbt_tracefile_close(tf);
	}
}

static void test_slim_variants(void **state)
{
	static const struct {
		const char *file, *sample;
		int version;
		const char *compression;
	} v[] = {
		{ "tests/data/ovs-fastpath-slim.dat", "ovs-fastpath.dat", 7, "zstd" },
		{ "tests/data/ovs-fastpath-slim-v6.dat", "ovs-fastpath.dat", 6, "none" },
		{ "tests/data/native-h_drops-slim.dat", "native-h_drops.dat", 7, "zstd" },
		{ "tests/data/native-h_drops-slim-v6.dat", "native-h_drops.dat", 6, "none" },
		{ "tests/data/ovs-upcall-slim.dat", "ovs-upcall.dat", 7, "zstd" },
		{ "tests/data/ovs-upcall-slim-raw.dat", "ovs-upcall.dat", 7, "none" },
	};
	size_t i;

	for (i = 0; i < SKBT_ARRAY_SIZE(v); i++) {
		struct skbt_tracefile *tf;
		struct skbt_err err = { 0 };
		const struct sample_ref *r = ref_of(v[i].sample);

		if (skbt_tracefile_open(path_of(v[i].file), &tf, &err))
			fail_msg("%s: %s", v[i].file, err.msg);
		assert_int_equal(skbt_tracefile_version(tf), v[i].version);
		assert_string_equal(skbt_tracefile_compression(tf), v[i].compression);
		/* v6 lists every CPU of the top buffer even when empty: compare where the data is */
		if (v[i].version == 6)
			assert_int_equal(skbt_tracefile_nbuffers(tf), r->nbuffers);
		check_against(tf, r);
		skbt_tracefile_close(tf);
	}
}

/* A v6 copy of a whole sample (with kallsyms) made by trace-cmd itself, when installed. */
static void test_v6_convert(void **state)
{
	char dir[] = "/tmp/skbt-test-XXXXXX", out[256], cmd[1024];
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };

	if (system("command -v trace-cmd >/dev/null 2>&1")) {
		skip();
		return;
	}
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/a6.dat", dir);
	snprintf(cmd, sizeof(cmd),
		 "trace-cmd convert --file-version 6 --compression none -i '%s' -o '%s' >/dev/null 2>&1",
		 path_of("samples/native-a_udp.dat"), out);
	assert_int_equal(system(cmd), 0);
	if (skbt_tracefile_open(out, &tf, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(skbt_tracefile_version(tf), 6);
	check_against(tf, ref_of("native-a_udp.dat"));
	skbt_tracefile_close(tf);
	unlink(out);
	rmdir(dir);
}

static void test_cpustat(void **state)
{
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	const char *s;
	int pn;

	assert_int_equal(skbt_tracefile_open(path_of("samples/native-a_udp.dat"), &tf, &err), 0);
	pn = skbt_tracefile_buffer_find(tf, "pn");
	assert_int_equal(pn, 1);
	/* `trace-cmd dump --options`: CPUSTAT "CPU: 0 ... read events: 1735" after "Buffer: pn" */
	s = skbt_tracefile_cpustat(tf, pn, 0);
	assert_non_null(s);
	assert_non_null(strstr(s, "read events: 1735"));
	assert_int_equal(strncmp(s, "entries:", 8), 0);
	s = skbt_tracefile_cpustat(tf, pn, 1);
	assert_non_null(s);
	assert_non_null(strstr(s, "read events: 1341"));
	assert_null(skbt_tracefile_cpustat(tf, 0, 0));
	assert_null(skbt_tracefile_cpustat(tf, pn, 2));
	assert_int_equal(skbt_tracefile_buffer_find(tf, "nope"), -ENOENT);
	assert_int_equal(skbt_tracefile_buffer_bytes(tf, 0), 0);
	assert_int_equal(skbt_tracefile_buffer_bytes(tf, pn), 14347);
	skbt_tracefile_close(tf);

	assert_int_equal(skbt_tracefile_open(path_of("samples/ovs-fastpath.dat"), &tf, &err), 0);
	s = skbt_tracefile_cpustat(tf, 0, 0);
	assert_non_null(s);
	assert_non_null(strstr(s, "entries: 114"));
	skbt_tracefile_close(tf);
}

/* ---------- bad input ---------- */

static int open_bytes(const void *data, size_t len, struct skbt_err *err)
{
	struct skbt_tracefile *tf;
	int ret = skbt_tracefile_open_mem(data, len, &tf, err);

	skbt_tracefile_close(tf);
	return ret;
}

static void test_errors(void **state)
{
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	uint8_t *buf;
	size_t len;

	assert_int_equal(skbt_tracefile_open(path_of("no/such/file.dat"), &tf, &err), -ENOENT);
	assert_null(tf);
	assert_int_equal(skbt_tracefile_open(root(), &tf, &err), -EINVAL);

	assert_int_equal(open_bytes("", 0, &err), -EINVAL);
	assert_string_equal(err.msg, "not a trace.dat file (bad magic)");
	assert_int_equal(open_bytes("GIF89a and some more bytes", 26, &err), -EINVAL);
	assert_string_equal(err.msg, "not a trace.dat file (bad magic)");

	buf = bytes_of(path_of("tests/data/ovs-fastpath-slim.dat"), &len);
	buf[10] = '8';
	assert_int_equal(open_bytes(buf, len, &err), -EPROTONOSUPPORT);
	assert_non_null(strstr(err.msg, "unsupported trace.dat version"));
	buf[10] = '7';
	/* "zstd" starts after magic(10) "7\0" endian long page(6) */
	assert_int_equal(memcmp(buf + 18, "zstd", 4), 0);
	memcpy(buf + 18, "zlib", 4);
	assert_int_equal(open_bytes(buf, len, &err), -EPROTONOSUPPORT);
	assert_string_equal(err.msg, "unsupported compression 'zlib'");
	memcpy(buf + 18, "zstd", 4);
	/* cut inside the header */
	assert_int_equal(open_bytes(buf, 15, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "truncated in the file header"));
	assert_int_equal(open_bytes(buf, len, &err), 0);
	free(buf);
}

/*
 * skbtrail's own option (SKBT_OPTION_ID) and an unknown one, in an options section appended
 * to a v7 file the way a writer would: the last section's DONE now points at it.
 */
static void test_skbt_option(void **state)
{
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	uint8_t *buf, *nb;
	size_t len, nlen;
	uint64_t off, last = 0, done_at = 0;
	const void *data;
	uint32_t size;
	static const char payload[] = "node=test\n";
	uint8_t sec[16 + 6 + sizeof(payload) + 6 + 3 + 6 + 8];
	uint8_t *p = sec;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	buf = bytes_of(path_of("tests/data/ovs-fastpath-slim.dat"), &len);
	/* find the last options section's DONE option */
	memcpy(&off, buf + 18 + 5 + 6, 8);	/* after "zstd\0" "1.5.4\0" */
	while (off) {
		uint64_t ssize, q;

		assert_true(off + 16 <= len);
		memcpy(&ssize, buf + off + 8, 8);
		last = off;
		for (q = off + 16; q < off + 16 + ssize;) {
			memcpy(&u16, buf + q, 2);
			memcpy(&u32, buf + q + 2, 4);
			if (u16 == 0) {
				done_at = q + 6;
				break;
			}
			q += 6 + u32;
		}
		memcpy(&off, buf + done_at, 8);
	}
	assert_true(last && done_at);
	/* section header: id 0, flags 0, string id 0, size */
	u16 = 0;
	memcpy(p, &u16, 2);
	memcpy(p + 2, &u16, 2);
	u32 = 0;
	memcpy(p + 4, &u32, 4);
	u64 = sizeof(sec) - 16;
	memcpy(p + 8, &u64, 8);
	p += 16;
	u16 = SKBT_OPTION_ID;
	u32 = sizeof(payload);
	memcpy(p, &u16, 2);
	memcpy(p + 2, &u32, 4);
	memcpy(p + 6, payload, sizeof(payload));
	p += 6 + sizeof(payload);
	u16 = 0x7777;		/* unknown: skipped */
	u32 = 3;
	memcpy(p, &u16, 2);
	memcpy(p + 2, &u32, 4);
	memcpy(p + 6, "abc", 3);
	p += 9;
	u16 = 0;
	u32 = 8;
	u64 = 0;
	memcpy(p, &u16, 2);
	memcpy(p + 2, &u32, 4);
	memcpy(p + 6, &u64, 8);
	p += 14;
	assert_int_equal(p - sec, sizeof(sec));
	nlen = len + sizeof(sec);
	nb = malloc(nlen);
	assert_non_null(nb);
	memcpy(nb, buf, len);
	memcpy(nb + len, sec, sizeof(sec));
	u64 = len;
	memcpy(nb + done_at, &u64, 8);

	assert_int_equal(skbt_tracefile_open_mem(nb, nlen, &tf, &err), 0);
	assert_int_equal(skbt_tracefile_option(tf, SKBT_OPTION_ID, 0, &data, &size), 0);
	assert_int_equal(size, sizeof(payload));
	assert_memory_equal(data, payload, sizeof(payload));
	assert_int_equal(skbt_tracefile_option(tf, SKBT_OPTION_ID, 1, &data, &size), -ENOENT);
	check_against(tf, ref_of("ovs-fastpath.dat"));
	skbt_tracefile_close(tf);

	/* the original has none */
	assert_int_equal(skbt_tracefile_open_mem(buf, len, &tf, &err), 0);
	assert_int_equal(skbt_tracefile_option(tf, SKBT_OPTION_ID, 0, &data, &size), -ENOENT);
	skbt_tracefile_close(tf);
	free(nb);
	free(buf);
}

/* ---------- truncation and corruption ---------- */

/*
 * Everything a reader does with a file: every buffer, every CPU stream, then the merged
 * events of the default buffer.  Returns the number of records seen.
 */
static uint64_t walk_all(struct skbt_tracefile *tf)
{
	struct skbt_err err = { 0 };
	struct skbt_events *ev;
	struct skbt_event e;
	uint64_t total = 0, n, f, l;
	int b, c;

	for (b = 0; b < skbt_tracefile_nbuffers(tf); b++) {
		(void)skbt_tracefile_buffer_name(tf, b);
		(void)skbt_tracefile_buffer_clock(tf, b);
		for (c = 0; c < skbt_tracefile_buffer_ncpus(tf, b); c++) {
			(void)skbt_tracefile_cpustat(tf, b, c);
			if (walk_cpu(tf, b, c, &n, &f, &l) >= 0)
				total += n;
		}
	}
	if (skbt_events_open(tf, NULL, &ev, &err) == 0) {
		while (skbt_events_next(ev, &e, &err) == 1) {
			(void)skbt_events_dev_name(ev, e.dev);
			if (e.kind == SKBT_EV_KFREE_SKB)
				(void)skbt_events_drop_reason(ev, e.u.drop.reason);
		}
		skbt_events_close(ev);
	}
	return total;
}

static uint64_t full_count(const uint8_t *buf, size_t len)
{
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	uint64_t n;

	assert_int_equal(skbt_tracefile_open_mem(buf, len, &tf, &err), 0);
	n = walk_all(tf);
	assert_false(skbt_tracefile_truncated(tf));
	skbt_tracefile_close(tf);
	return n;
}

static void check_cut(const uint8_t *buf, size_t cut, uint64_t full)
{
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	uint64_t n;
	int ret = skbt_tracefile_open_mem(buf, cut, &tf, &err);

	if (ret) {
		assert_true(ret < 0);
		assert_true(err.msg[0] != '\0');
		assert_null(strchr(err.msg, '\n'));
		return;
	}
	n = walk_all(tf);
	assert_true(n <= full);
	if (n < full && !skbt_tracefile_truncated(tf))
		fail_msg("cut at %zu: %llu of %llu events and not marked truncated", cut,
			 (unsigned long long)n, (unsigned long long)full);
	skbt_tracefile_close(tf);
}

/*
 * Cut each small file at every offset of its first 4 KiB, every 4 KiB, around every page
 * boundary (where CPU data starts and sections often are) and at every offset of its last
 * 4 KiB (v7: the options sections) or 512 bytes (v6: the end of the CPU data).  Through a real file too, every
 * 4 KiB, so the pread path is covered.
 */
static void test_truncation(void **state)
{
	static const char *const files[] = {
		"tests/data/ovs-fastpath-slim.dat",
		"tests/data/ovs-fastpath-slim-v6.dat",
		"tests/data/native-h_drops-slim.dat",
		"tests/data/native-h_drops-slim-v6.dat",
		"tests/data/ovs-upcall-slim-raw.dat",
	};
	char tmp[] = "/tmp/skbt-trunc-XXXXXX";
	size_t i, cut;

	for (i = 0; i < SKBT_ARRAY_SIZE(files); i++) {
		size_t len;
		uint8_t *buf = bytes_of(path_of(files[i]), &len);
		uint64_t full = full_count(buf, len);

		/* v7 keeps its options sections at the end; v6 ends with CPU data pages */
		size_t tail_len = buf[10] == '7' ? 4096 : 512;

		assert_true(full > 0);
		for (cut = 0; cut < len; cut++) {
			bool head = cut < 4096, tail = cut + tail_len >= len;
			bool page = cut % 4096 < PAGE_WINDOW || cut % 4096 > 4096 - PAGE_WINDOW;

			if (((head || tail) && cut % STRIDE == 0) || page)
				check_cut(buf, cut, full);
		}
		/* the file path, with pread */
		for (cut = 0; cut < len; cut += 4096) {
			int fd = mkstemp(tmp);
			struct skbt_tracefile *tf;
			struct skbt_err err = { 0 };

			assert_true(fd >= 0);
			assert_int_equal(write(fd, buf, cut), (ssize_t)cut);
			close(fd);
			if (skbt_tracefile_open(tmp, &tf, &err) == 0) {
				uint64_t n = walk_all(tf);

				assert_true(n == full || skbt_tracefile_truncated(tf));
				skbt_tracefile_close(tf);
			}
			unlink(tmp);
			strcpy(tmp, "/tmp/skbt-trunc-XXXXXX");
		}
		free(buf);
	}
}

/*
 * Every stream of every buffer open at once and read round-robin, record by record, as the
 * analyzer's merge reads them: a digest of (CPU, timestamp, size, bytes) of all records, their
 * count, and whether the file was found truncated.
 */
struct digest {
	uint64_t hash, n;
	bool truncated;
	int ret;
};

static void digest_of(struct skbt_tracefile *tf, struct digest *d)
{
	enum { MAXS = 64 };
	struct skbt_cpu_stream *s[MAXS];
	struct skbt_err err = { 0 };
	int ns = 0, live;

	d->hash = 1469598103934665603ULL;
	d->n = 0;
	d->ret = 0;
	for (int b = 0; b < skbt_tracefile_nbuffers(tf); b++)
		for (int c = 0; c < skbt_tracefile_buffer_ncpus(tf, b) && ns < MAXS; c++)
			if (skbt_cpu_stream_open(tf, b, c, &s[ns], &err) == 0)
				ns++;
	do {
		live = 0;
		for (int i = 0; i < ns; i++) {
			struct skbt_raw_record rec;
			int ret;

			if (!s[i])
				continue;
			ret = skbt_cpu_stream_next(s[i], &rec, &err);
			if (ret != 1) {
				if (ret < 0)
					d->ret = ret;
				skbt_cpu_stream_close(s[i]);
				s[i] = NULL;
				continue;
			}
			live++;
			d->n++;
			d->hash = (d->hash ^ ((uint64_t)i << 48 ^ rec.ts ^ (uint64_t)rec.size << 32)) *
				  1099511628211ULL;
			for (int k = 0; k < rec.size; k++)
				d->hash = (d->hash ^ ((const uint8_t *)rec.data)[k]) * 1099511628211ULL;
		}
	} while (live);
	d->truncated = skbt_tracefile_truncated(tf);
}

/*
 * Compressed data read from a file is expanded ahead by a thread (lib/tracefile.c,
 * "Decompressing ahead"); from memory it is expanded in place.  Both must give the same
 * records in the same order, and the same verdict on a file cut anywhere in its data.
 */
static void check_ahead(const uint8_t *buf, size_t len)
{
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	struct digest inl = { 0 }, thr = { 0 };
	int rm, rf;

	rm = skbt_tracefile_open_mem(buf, len, &tf, &err);
	if (rm == 0) {
		digest_of(tf, &inl);
		skbt_tracefile_close(tf);
	}
	rf = bytes_open_file(buf, len, &tf, &err);
	assert_int_equal(rf, rm);
	if (rf)
		return;
	digest_of(tf, &thr);
	skbt_tracefile_close(tf);
	assert_int_equal(thr.n, inl.n);
	assert_true(thr.hash == inl.hash);
	assert_int_equal(thr.truncated, inl.truncated);
	assert_int_equal(thr.ret, inl.ret);
}

static void test_ahead(void **state)
{
	static const char *const files[] = {
		"samples/ovs-vm-tc-core4-upcall.dat",
		"samples/native-e_tcp.dat",
		"samples/ovs-fastpath.dat",
		"tests/data/native-h_drops-slim.dat",
	};

	(void)state;
	for (size_t i = 0; i < SKBT_ARRAY_SIZE(files); i++) {
		size_t len;
		uint8_t *buf = bytes_of(path_of(files[i]), &len);

		assert_int_equal(memcmp(buf + 10, "7", 1), 0);
		check_ahead(buf, len);
		/* cut at 40 places: most of a v7 file is its CPU data */
		for (size_t k = 1; k < 40; k++) {
			size_t cut = len / 40 * k + k * 37 % 4096;

			if (cut < len)
				check_ahead(buf, cut);
		}
		free(buf);
	}
}

/*
 * skbt_tracefile_symbols_ahead() reads kallsyms in a thread: every drop location of the drops
 * sample gets the name a lookup without it gives (the first lookup waits for the thread).
 */
static void test_symbols_ahead(void **state)
{
	struct skbt_tracefile *ahead, *plain;
	struct skbt_err err = { 0 };
	struct skbt_events *ev;
	struct skbt_event e;
	const char *path = path_of("samples/native-h_drops.dat");
	unsigned int named = 0, drops = 0;

	(void)state;
	assert_int_equal(skbt_tracefile_open(path, &ahead, &err), 0);
	assert_int_equal(skbt_tracefile_open(path, &plain, &err), 0);
	skbt_tracefile_symbols_ahead(ahead, NULL);
	skbt_tracefile_symbols_ahead(ahead, NULL);	/* a second call starts nothing more */
	assert_int_equal(skbt_events_open(plain, NULL, &ev, &err), 0);
	while (skbt_events_next(ev, &e, &err) == 1) {
		const char *a, *b;

		if (e.kind != SKBT_EV_KFREE_SKB)
			continue;
		drops++;
		a = skbt_tracefile_symbol(ahead, e.u.drop.location);
		b = skbt_tracefile_symbol(plain, e.u.drop.location);
		if (!b) {
			assert_null(a);
			continue;
		}
		assert_non_null(a);
		assert_string_equal(a, b);
		named++;
	}
	skbt_events_close(ev);
	assert_true(drops > 0);
	assert_true(named > 0);
	skbt_tracefile_close(plain);
	skbt_tracefile_close(ahead);
	/* closed without a lookup: the thread is joined */
	assert_int_equal(skbt_tracefile_open(path, &ahead, &err), 0);
	skbt_tracefile_symbols_ahead(ahead, NULL);
	skbt_tracefile_close(ahead);
}

/* Predicates of test_symbol_in: calls counted (the ranges ask each symbol, lookups one each) */
static atomic_uint want_calls;

static bool want_odd(const char *name)
{
	atomic_fetch_add(&want_calls, 1);
	return name && (name[0] & 1);
}

static bool want_control(const char *name)
{
	atomic_fetch_add(&want_calls, 1);
	return skbt_control_plane_location(name);
}

/*
 * skbt_tracefile_symbol_in() answers from the wanted functions' ranges, found without the
 * names (lib/ksyms.c), in a thread or, for a file in memory, on the first call: the same
 * answers as the predicate of the name, for every location of the drops sample and
 * addresses around them (function starts and ends are crossed), and for two predicates:
 * one that wants about half of the kernel's functions, and the analyzer's own (the OVS
 * sample has control-plane frees: ovs_vport_cmd_get).
 */
static void check_symbol_in(const char *file, bool (*want)(const char *), bool thread)
{
	struct skbt_tracefile *in, *plain;
	struct skbt_err err = { 0 };
	struct skbt_events *ev;
	struct skbt_event e;
	unsigned int asked = 0, yes = 0, calls = 0, edges = 0;
	uint64_t last_loc = 0;
	size_t len = 0;
	uint8_t *buf = NULL;

	atomic_store(&want_calls, 0);
	if (thread) {
		assert_int_equal(skbt_tracefile_open(path_of(file), &in, &err), 0);
		skbt_tracefile_symbols_ahead(in, want);
	} else {
		buf = bytes_of(path_of(file), &len);
		assert_int_equal(skbt_tracefile_open_mem(buf, len, &in, &err), 0);
	}
	assert_int_equal(skbt_tracefile_open(path_of(file), &plain, &err), 0);
	assert_int_equal(skbt_events_open(plain, NULL, &ev, &err), 0);
	while (skbt_events_next(ev, &e, &err) == 1) {
		if (e.kind != SKBT_EV_KFREE_SKB && e.kind != SKBT_EV_CONSUME_SKB)
			continue;
		for (int64_t d = -8192; d <= 8192; d += 97) {
			uint64_t a = e.u.drop.location + (uint64_t)d;
			bool got = skbt_tracefile_symbol_in(in, a, want);

			if (asked == 0)	/* the ranges are found: one call per symbol */
				calls = atomic_load(&want_calls);
			assert_int_equal(got, want(skbt_tracefile_symbol(plain, a)));
			asked++;
			yes += got;
		}
		/* the edges of the location's function, found from the names */
		const char *name = skbt_tracefile_symbol(plain, e.u.drop.location);
		uint64_t lo = e.u.drop.location, hi = lo;

		if (!name || edges >= 40 || lo == last_loc)
			continue;
		last_loc = lo;
		edges++;
		while (lo > e.u.drop.location - 65536 && skbt_tracefile_symbol(plain, lo - 1) == name)
			lo--;
		while (hi < e.u.drop.location + 65536 && skbt_tracefile_symbol(plain, hi + 1) == name)
			hi++;
		const uint64_t at[] = { lo - 1, lo, lo + 1, hi - 1, hi, hi + 1 };

		for (size_t i = 0; i < SKBT_ARRAY_SIZE(at); i++)
			assert_int_equal(skbt_tracefile_symbol_in(in, at[i], want),
					 want(skbt_tracefile_symbol(plain, at[i])));
	}
	skbt_events_close(ev);
	assert_true(edges > 0);
	assert_true(asked > 1000);
	assert_true(yes > 0);
	assert_true(calls > 40000);	/* a kernel has more than 40,000 functions */
	skbt_tracefile_close(plain);
	skbt_tracefile_close(in);
	free(buf);
}

static void test_symbol_in(void **state)
{
	(void)state;
	check_symbol_in("samples/native-h_drops.dat", want_odd, true);
	check_symbol_in("samples/native-h_drops.dat", want_odd, false);
	check_symbol_in("samples/ovs-vm-rps.dat", want_control, true);
	check_symbol_in("samples/ovs-vm-rps.dat", want_control, false);
}

/* Random bit flips with a fixed seed: the reader may refuse or mis-read, never crash. */
static void test_bitflips(void **state)
{
	static const char *const files[] = {
		"tests/data/ovs-fastpath-slim.dat",
		"tests/data/ovs-fastpath-slim-v6.dat",
		"tests/data/ovs-upcall-slim-raw.dat",
	};
	unsigned int seed = 20240611;
	size_t i;
	int iter, opened = 0;

	for (i = 0; i < SKBT_ARRAY_SIZE(files); i++) {
		size_t len;
		uint8_t *orig = bytes_of(path_of(files[i]), &len);
		uint8_t *buf = malloc(len);

		assert_non_null(buf);
		for (iter = 0; iter < FLIPS; iter++) {
			struct skbt_tracefile *tf;
			struct skbt_err err = { 0 };
			int flips = 1 + rand_r(&seed) % 4, k;

			memcpy(buf, orig, len);
			for (k = 0; k < flips; k++) {
				size_t at = rand_r(&seed) % len;

				buf[at] ^= 1u << (rand_r(&seed) % 8);
			}
			if (skbt_tracefile_open_mem(buf, len, &tf, &err) == 0) {
				opened++;
				walk_all(tf);
				skbt_tracefile_close(tf);
			}
		}
		free(buf);
		free(orig);
	}
	/* most flips land in data the reader checks or decodes, not in headers */
	assert_true(opened > 0);
}

/* Corrupt sub-buffers: commit beyond the page, records running off it. */
static void test_bad_pages(void **state)
{
	size_t len;
	uint8_t *orig = bytes_of(path_of("tests/data/ovs-fastpath-slim-v6.dat"), &len);
	uint8_t *buf = malloc(len);
	struct skbt_tracefile *tf;
	struct skbt_err err = { 0 };
	uint64_t off, size, n, f, l, commit;
	uint32_t w;

	assert_non_null(buf);
	memcpy(buf, orig, len);
	assert_int_equal(skbt_tracefile_open_mem(buf, len, &tf, &err), 0);
	assert_int_equal(skbt_tracefile_cpu_data(tf, 0, 0, &off, &size), 0);
	assert_int_equal(skbt_tracefile_cpu_data(tf, 0, 1, &off, &size), -ENOENT);
	assert_int_equal(skbt_tracefile_cpu_data(tf, 0, 0, &off, &size), 0);
	assert_int_equal(size, 8192);
	skbt_tracefile_close(tf);

	/* commit larger than the page */
	commit = 0x7ffffff;
	memcpy(buf + off + 8, &commit, 8);
	assert_int_equal(skbt_tracefile_open_mem(buf, len, &tf, &err), 0);
	assert_int_equal(walk_cpu(tf, 0, 0, &n, &f, &l), 0);
	assert_true(skbt_tracefile_truncated(tf));
	assert_true(n > 0);
	skbt_tracefile_close(tf);

	/* a padding record whose length points back at itself (kbuffer would spin) */
	memcpy(buf, orig, len);
	w = 29;			/* type_len = padding, delta 0 */
	memcpy(buf + off + 16, &w, 4);
	w = (uint32_t)-4;
	memcpy(buf + off + 20, &w, 4);
	assert_int_equal(skbt_tracefile_open_mem(buf, len, &tf, &err), 0);
	assert_int_equal(walk_cpu(tf, 0, 0, &n, &f, &l), 0);
	skbt_tracefile_close(tf);

	/* a data record with a huge length */
	memcpy(buf, orig, len);
	w = 0;
	memcpy(buf + off + 16, &w, 4);
	w = 0x7fffffff;
	memcpy(buf + off + 20, &w, 4);
	assert_int_equal(skbt_tracefile_open_mem(buf, len, &tf, &err), 0);
	assert_int_equal(walk_cpu(tf, 0, 0, &n, &f, &l), 0);
	assert_true(skbt_tracefile_truncated(tf));
	skbt_tracefile_close(tf);

	free(buf);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_slim_variants),
		cmocka_unit_test(test_v6_convert),
		cmocka_unit_test(test_cpustat),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_skbt_option),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_ahead),
		cmocka_unit_test(test_symbols_ahead),
		cmocka_unit_test(test_symbol_in),
		cmocka_unit_test(test_bitflips),
		cmocka_unit_test(test_bad_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

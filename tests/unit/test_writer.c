// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of lib/writer.c: trace.dat v6 and v7 (zstd) files written from hand-made
 * ring-buffer sub-buffers and a hand-written event format, no kernel and no root needed.
 * The file is checked byte by byte at the start, read back with lib/tracefile.c, and,
 * when trace-cmd is installed, printed with `trace-cmd report` (v7: the same event lines as
 * v6) and `trace-cmd dump --summary`.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "skbtrail/tracefile.h"
#include "skbtrail/writer.h"

#define PAGE 4096

static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";

static const char header_event[] =
	"# compressed entry header\n"
	"\ttype_len    :    5 bits\n"
	"\ttime_delta  :   27 bits\n"
	"\tarray       :   32 bits\n"
	"\n"
	"\tpadding     : type == 29\n"
	"\ttime_extend : type == 30\n"
	"\ttime_stamp : type == 31\n"
	"\tdata max type_len  == 28\n";

static const char test_format[] =
	"name: skbt_test\n"
	"ID: 1234\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned int value;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\n"
	"print fmt: \"value=%u\", REC->value\n";

static const char skbt_payload[] = "kind=record\nformat=1\nstop_reason=test\n";

struct fixture {
	char dir[64];
	char spool[96];
	char spool2[96];
	char out[96];
	char out2[96];
};

/* One sub-buffer with @n skbt_test events, 1 us apart from @ts, values 42, 43, ... */
static void make_page_at(unsigned char *page, int n, uint64_t ts)
{
	uint64_t commit;
	size_t off = 16;
	int i;

	memset(page, 0, PAGE);
	for (i = 0; i < n; i++) {
		uint32_t hdr = 3 | ((i ? 1000u : 0u) << 5);	/* type_len 3: 12 bytes */
		uint16_t type = 1234;
		int32_t pid = 4321;
		uint32_t value = 42 + i;

		memcpy(page + off, &hdr, 4);
		memcpy(page + off + 4, &type, 2);
		memcpy(page + off + 8, &pid, 4);
		memcpy(page + off + 12, &value, 4);
		off += 16;
	}
	commit = off - 16;
	memcpy(page, &ts, 8);
	memcpy(page + 8, &commit, 8);
}

static void make_page(unsigned char *page, int n)
{
	make_page_at(page, n, 1000000000ULL);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/skbt-utw.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
	snprintf(f->spool2, sizeof(f->spool2), "%s/spool2", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/t.dat", f->dir);
	snprintf(f->out2, sizeof(f->out2), "%s/t2.dat", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->spool);
	unlink(f->spool2);
	unlink(f->out);
	unlink(f->out2);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct skbt_writer *make_writer(enum skbt_writer_format fmt, uint32_t ncpus)
{
	struct skbt_writer *w = NULL;

	assert_int_equal(skbt_writer_new(PAGE, &w), 0);
	if (fmt != SKBT_WF_V6)
		assert_int_equal(skbt_writer_set_format(w, fmt, 0), 0);
	assert_int_equal(skbt_writer_set_blob(w, SKBT_WB_HEADER_PAGE, header_page,
					      strlen(header_page)), 0);
	assert_int_equal(skbt_writer_set_blob(w, SKBT_WB_HEADER_EVENT, header_event,
					      strlen(header_event)), 0);
	assert_int_equal(skbt_writer_add_event_format(w, "skbt", test_format,
						      strlen(test_format)), 0);
	assert_int_equal(skbt_writer_set_blob(w, SKBT_WB_CMDLINES, "4321 tester\n", 12), 0);
	assert_int_equal(skbt_writer_add_option(w, SKBT_TDAT_OPT_TRACECLOCK,
						"local [mono] global\n", 21), 0);
	assert_int_equal(skbt_writer_add_option(w, SKBT_TDAT_OPT_CPUCOUNT, &ncpus, 4), 0);
	assert_int_equal(skbt_writer_add_option(w, SKBT_OPTION_ID, "old", 4), 0);
	skbt_writer_del_option(w, SKBT_OPTION_ID);
	assert_int_equal(skbt_writer_add_option(w, SKBT_OPTION_ID, skbt_payload,
						sizeof(skbt_payload)), 0);
	return w;
}

/* Write spool (@extra bytes of a partial sub-buffer after one whole one) and the file. */
static void write_file_fmt(struct fixture *f, enum skbt_writer_format fmt, int nevents,
			   size_t extra, struct skbt_writer_stats *st)
{
	unsigned char page[PAGE];
	struct skbt_writer *w = make_writer(fmt, 1);
	struct skbt_err err = { 0 };
	int in, out;

	make_page(page, nevents);
	in = open(f->spool, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(in >= 0);
	assert_int_equal(write(in, page, PAGE), PAGE);
	if (extra)
		assert_int_equal(write(in, page, extra), (ssize_t)extra);
	out = open(f->out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(out >= 0);
	assert_int_equal(skbt_writer_write(w, out, 1, &in, false, st, &err), 0);
	assert_int_equal(st->header_bytes, skbt_writer_header_size(w, 1));
	close(in);
	close(out);
	skbt_writer_free(w);
}

static void write_file(struct fixture *f, int nevents, size_t extra, struct skbt_writer_stats *st)
{
	write_file_fmt(f, SKBT_WF_V6, nevents, extra, st);
}

static void test_header_bytes(void **state)
{
	struct fixture *f = *state;
	struct skbt_writer_stats st;
	unsigned char buf[20];
	uint32_t page;
	struct stat sb;
	int fd;

	write_file(f, 2, 100, &st);
	fd = open(f->out, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	assert_memory_equal(buf, "\x17\x08\x44tracing6\0", 12);
	assert_int_equal(buf[12], 0);			/* little endian */
	assert_int_equal(buf[13], sizeof(long));
	memcpy(&page, buf + 14, 4);
	assert_int_equal(page, PAGE);
	assert_memory_equal(buf + 18, "he", 2);		/* "header_page" follows */
	/* Header padded to a page, then one whole sub-buffer: the partial one is dropped. */
	assert_int_equal(st.header_bytes % PAGE, 0);
	assert_int_equal(st.data_bytes, PAGE);
	assert_int_equal(stat(f->out, &sb), 0);
	assert_int_equal((uint64_t)sb.st_size, st.header_bytes + PAGE);
}

static void test_read_back(void **state)
{
	struct fixture *f = *state;
	struct skbt_writer_stats st;
	struct skbt_tracefile *tf = NULL;
	struct skbt_cpu_stream *s = NULL;
	struct skbt_raw_record rec;
	struct skbt_err err = { 0 };
	const void *data;
	uint32_t size, value;
	int n = 0;

	write_file(f, 3, 0, &st);
	assert_int_equal(skbt_tracefile_open(f->out, &tf, &err), 0);
	assert_int_equal(skbt_tracefile_version(tf), 6);
	assert_int_equal(skbt_tracefile_page_size(tf), PAGE);
	assert_int_equal(skbt_tracefile_nbuffers(tf), 1);
	assert_string_equal(skbt_tracefile_buffer_clock(tf, 0), "mono");
	assert_int_equal(skbt_tracefile_option(tf, SKBT_OPTION_ID, 0, &data, &size), 0);
	assert_int_equal(size, sizeof(skbt_payload));
	assert_memory_equal(data, skbt_payload, size);
	assert_int_not_equal(skbt_tracefile_option(tf, SKBT_OPTION_ID, 1, &data, &size), 0);
	assert_int_equal(skbt_cpu_stream_open(tf, 0, 0, &s, &err), 0);
	while (skbt_cpu_stream_next(s, &rec, &err) == 1) {
		assert_int_equal(rec.ts, 1000000000ULL + 1000ULL * n);
		memcpy(&value, (const char *)rec.data + 8, 4);
		assert_int_equal(value, 42 + n);
		n++;
	}
	assert_int_equal(n, 3);
	assert_false(skbt_tracefile_truncated(tf));
	skbt_cpu_stream_close(s);
	skbt_tracefile_close(tf);
}

/*
 * The saved cmdlines by pid (skbt_tracefile_comm()): the first line of a pid names it, as
 * libtraceevent's registration did; lines strtol() would not read as "PID COMM" are skipped;
 * a pid not listed is "<...>"; a name is cut at 255 bytes.
 */
static void test_comms(void **state)
{
	struct fixture *f = *state;
	struct skbt_tracefile *tf = NULL;
	struct skbt_err err = { 0 };
	struct skbt_writer *w = make_writer(SKBT_WF_V6, 1);
	unsigned char page[PAGE];
	char text[1024], longname[300], want[256];
	int in, out, n;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	memcpy(want, longname, 255);
	want[255] = 0;
	n = snprintf(text, sizeof(text),
		     "4321 tester\n7 first\n7 second\n  +9 spaced\n-0 zero\n-5 neg\n"
		     "x12 bad\n12\n99999999999 huge\n300 %s\n1 last", longname);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	assert_int_equal(skbt_writer_set_blob(w, SKBT_WB_CMDLINES, text, (size_t)n), 0);
	make_page(page, 1);
	in = open(f->spool, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(in >= 0);
	assert_int_equal(write(in, page, PAGE), PAGE);
	out = open(f->out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(out >= 0);
	{
		struct skbt_writer_stats st;

		assert_int_equal(skbt_writer_write(w, out, 1, &in, false, &st, &err), 0);
	}
	close(in);
	close(out);
	skbt_writer_free(w);

	assert_int_equal(skbt_tracefile_open(f->out, &tf, &err), 0);
	assert_string_equal(skbt_tracefile_comm(tf, 4321), "tester");
	assert_string_equal(skbt_tracefile_comm(tf, 7), "first");
	assert_string_equal(skbt_tracefile_comm(tf, 9), "spaced");
	assert_string_equal(skbt_tracefile_comm(tf, 0), "zero");
	assert_string_equal(skbt_tracefile_comm(tf, -5), "<...>");
	assert_string_equal(skbt_tracefile_comm(tf, 12), "<...>");
	assert_string_equal(skbt_tracefile_comm(tf, 300), want);
	assert_string_equal(skbt_tracefile_comm(tf, 1), "last");
	assert_string_equal(skbt_tracefile_comm(tf, 2), "<...>");
	skbt_tracefile_close(tf);
}

static void test_trace_cmd_report(void **state)
{
	struct fixture *f = *state;
	struct skbt_writer_stats st;
	char cmd[256], out[8192];
	size_t len;
	FILE *p;

	if (system("command -v trace-cmd >/dev/null 2>&1") != 0)
		skip();
	write_file(f, 2, 0, &st);
	snprintf(cmd, sizeof(cmd), "trace-cmd report %s 2>&1", f->out);
	p = popen(cmd, "r");
	assert_non_null(p);
	len = fread(out, 1, sizeof(out) - 1, p);
	out[len] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(out, "skbt_test:"));
	assert_non_null(strstr(out, "value=42"));
	assert_non_null(strstr(out, "value=43"));
	assert_non_null(strstr(out, "tester-4321"));
}

/* Run @cmd; its output (at most @size - 1 bytes) in @out.  Returns the exit status. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t len;

	assert_non_null(p);
	len = fread(out, 1, size - 1, p);
	out[len] = '\0';
	return pclose(p);
}

static void test_v7_header_bytes(void **state)
{
	struct fixture *f = *state;
	struct skbt_writer_stats st;
	unsigned char buf[40];
	uint32_t page;
	struct stat sb;
	int fd;

	write_file_fmt(f, SKBT_WF_V7_ZSTD, 2, 100, &st);
	fd = open(f->out, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	assert_memory_equal(buf, "\x17\x08\x44tracing7\0", 12);
	assert_int_equal(buf[12], 0);			/* little endian */
	assert_int_equal(buf[13], sizeof(long));
	memcpy(&page, buf + 14, 4);
	assert_int_equal(page, PAGE);
	assert_memory_equal(buf + 18, "zstd\0", 5);
	/* header padded to a page; one whole sub-buffer, compressed: the partial one dropped */
	assert_int_equal(st.header_bytes % PAGE, 0);
	assert_int_equal(st.raw_data_bytes, PAGE);
	assert_true(st.data_bytes > 12 && st.data_bytes < PAGE);
	assert_int_equal(st.truncated_cpus, 0);
	assert_int_equal(stat(f->out, &sb), 0);
	assert_int_equal((uint64_t)sb.st_size, st.header_bytes + st.data_bytes);
	assert_int_equal(st.file_bytes, sb.st_size);
}

static void test_v7_read_back(void **state)
{
	struct fixture *f = *state;
	struct skbt_writer_stats st;
	struct skbt_tracefile *tf = NULL;
	struct skbt_cpu_stream *s = NULL;
	struct skbt_raw_record rec;
	struct skbt_err err = { 0 };
	const void *data;
	uint32_t size, value;
	int n = 0;

	write_file_fmt(f, SKBT_WF_V7_ZSTD, 3, 0, &st);
	assert_int_equal(skbt_tracefile_open(f->out, &tf, &err), 0);
	assert_int_equal(skbt_tracefile_version(tf), 7);
	assert_string_equal(skbt_tracefile_compression(tf), "zstd");
	assert_int_equal(skbt_tracefile_page_size(tf), PAGE);
	assert_int_equal(skbt_tracefile_nbuffers(tf), 1);
	assert_string_equal(skbt_tracefile_buffer_clock(tf, 0), "mono");
	assert_int_equal(skbt_tracefile_option(tf, SKBT_OPTION_ID, 0, &data, &size), 0);
	assert_int_equal(size, sizeof(skbt_payload));
	assert_memory_equal(data, skbt_payload, size);
	assert_int_not_equal(skbt_tracefile_option(tf, SKBT_OPTION_ID, 1, &data, &size), 0);
	assert_int_equal(skbt_cpu_stream_open(tf, 0, 0, &s, &err), 0);
	while (skbt_cpu_stream_next(s, &rec, &err) == 1) {
		assert_int_equal(rec.ts, 1000000000ULL + 1000ULL * n);
		memcpy(&value, (const char *)rec.data + 8, 4);
		assert_int_equal(value, 42 + n);
		n++;
	}
	assert_int_equal(n, 3);
	assert_false(skbt_tracefile_truncated(tf));
	skbt_cpu_stream_close(s);
	skbt_tracefile_close(tf);
}

#define MANY_PAGES 150		/* several chunks */
#define PER_PAGE 200

/* Two CPUs, the first without data, the second with MANY_PAGES sub-buffers: v6 and v7. */
static void write_two_cpus(struct fixture *f, const char *out_path, enum skbt_writer_format fmt,
			   struct skbt_writer_stats *st)
{
	static unsigned char page[PAGE];
	struct skbt_writer *w = make_writer(fmt, 2);
	struct skbt_err err = { 0 };
	int fds[2], out, i;

	fds[0] = open(f->spool, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fds[1] = open(f->spool2, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	for (i = 0; i < MANY_PAGES; i++) {
		make_page_at(page, PER_PAGE, 1000000000ULL + 1000000ULL * i);
		assert_int_equal(write(fds[1], page, PAGE), PAGE);
	}
	out = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(out >= 0);
	assert_int_equal(skbt_writer_write(w, out, 2, fds, false, st, &err), 0);
	assert_int_equal(st->header_bytes, skbt_writer_header_size(w, 2));
	assert_int_equal(st->raw_data_bytes, (uint64_t)MANY_PAGES * PAGE);
	close(fds[0]);
	close(fds[1]);
	close(out);
	skbt_writer_free(w);
}

static int count_events(const char *path, int cpu)
{
	struct skbt_tracefile *tf = NULL;
	struct skbt_cpu_stream *s = NULL;
	struct skbt_raw_record rec;
	struct skbt_err err = { 0 };
	uint64_t last = 0;
	int n = 0;

	assert_int_equal(skbt_tracefile_open(path, &tf, &err), 0);
	assert_int_equal(skbt_tracefile_buffer_ncpus(tf, 0), 2);
	assert_int_equal(skbt_cpu_stream_open(tf, 0, cpu, &s, &err), 0);
	while (skbt_cpu_stream_next(s, &rec, &err) == 1) {
		assert_true(rec.ts >= last);
		last = rec.ts;
		n++;
	}
	assert_false(skbt_tracefile_truncated(tf));
	skbt_cpu_stream_close(s);
	skbt_tracefile_close(tf);
	return n;
}

/* Only the event lines of `trace-cmd report` (the header lines name the file version). */
static char *report_events(const char *path)
{
	static char out[2][4 << 20];
	static int which;
	char cmd[256];
	char *o = out[which++ & 1];

	snprintf(cmd, sizeof(cmd), "trace-cmd report %s 2>&1 | grep 'skbt_test:' | md5sum", path);
	assert_int_equal(run(cmd, o, sizeof(out[0])), 0);
	return o;
}

static void test_v7_two_cpus(void **state)
{
	struct fixture *f = *state;
	struct skbt_writer_stats st6, st7;
	char cmd[256], out[16384];

	write_two_cpus(f, f->out, SKBT_WF_V6, &st6);
	write_two_cpus(f, f->out2, SKBT_WF_V7_ZSTD, &st7);
	assert_int_equal(count_events(f->out, 0), 0);
	assert_int_equal(count_events(f->out, 1), MANY_PAGES * PER_PAGE);
	assert_int_equal(count_events(f->out2, 0), 0);
	assert_int_equal(count_events(f->out2, 1), MANY_PAGES * PER_PAGE);
	assert_true(st7.data_bytes * 10 < st6.data_bytes);
	if (system("command -v trace-cmd >/dev/null 2>&1") != 0)
		skip();
	/* the same events, line for line */
	snprintf(cmd, sizeof(cmd), "trace-cmd report %s 2>&1 | grep -c 'skbt_test:'", f->out2);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_int_equal(atoi(out), MANY_PAGES * PER_PAGE);
	assert_string_equal(report_events(f->out), report_events(f->out2));
	/* the sections as trace-cmd sees them: 6 metadata, options, strings, flyrecord */
	snprintf(cmd, sizeof(cmd), "trace-cmd dump --summary --options --flyrecord %s 2>&1",
		 f->out2);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "zstd\t[Compression algorithm]"));
	assert_non_null(strstr(out, "[9 sections]"));
	assert_non_null(strstr(out, "[buffer \"\", \"mono\" clock, 4096 page size, 2 cpus"));
	assert_non_null(strstr(out, ": \"options\", flags 0x0"));
	assert_non_null(strstr(out, ": \"buffer flyrecord\", flags 0x1"));
	assert_non_null(strstr(out, "[Option KALLSYMS, 8 bytes]"));
}

/* No CPU has data: a BUFFER option without CPUs, still a file both readers open. */
static void test_v7_empty(void **state)
{
	struct fixture *f = *state;
	struct skbt_writer *w = make_writer(SKBT_WF_V7_ZSTD, 2);
	struct skbt_writer_stats st;
	struct skbt_tracefile *tf = NULL;
	struct skbt_err err = { 0 };
	char cmd[256], out[8192];
	int fds[2] = { -1, -1 }, fd;

	fd = open(f->out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(skbt_writer_write(w, fd, 2, fds, false, &st, &err), 0);
	close(fd);
	skbt_writer_free(w);
	assert_int_equal(st.data_bytes, 0);
	assert_int_equal(st.file_bytes, st.header_bytes);
	assert_int_equal(skbt_tracefile_open(f->out, &tf, &err), 0);
	assert_int_equal(skbt_tracefile_version(tf), 7);
	skbt_tracefile_close(tf);
	if (system("command -v trace-cmd >/dev/null 2>&1") != 0)
		skip();
	snprintf(cmd, sizeof(cmd), "trace-cmd report %s 2>&1", f->out);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_null(strstr(out, "skbt_test:"));
}

static void test_v7_trace_cmd_report(void **state)
{
	struct fixture *f = *state;
	struct skbt_writer_stats st;
	char cmd[256], out[8192];

	if (system("command -v trace-cmd >/dev/null 2>&1") != 0)
		skip();
	write_file_fmt(f, SKBT_WF_V7_ZSTD, 2, 0, &st);
	snprintf(cmd, sizeof(cmd), "trace-cmd report %s 2>&1", f->out);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "skbt_test:"));
	assert_non_null(strstr(out, "value=42"));
	assert_non_null(strstr(out, "value=43"));
	assert_non_null(strstr(out, "tester-4321"));
}

static void test_bad_args(void **state)
{
	struct skbt_writer *w = NULL;

	(void)state;
	assert_int_equal(skbt_writer_new(1000, &w), -EINVAL);
	assert_int_equal(skbt_writer_new(PAGE, &w), 0);
	assert_int_equal(skbt_writer_add_option(w, 0, "x", 1), -EINVAL);
	assert_int_equal(skbt_writer_set_blob(w, SKBT_WB_NR, "x", 1), -EINVAL);
	assert_int_equal(skbt_writer_set_format(w, (enum skbt_writer_format)7, 0), -EINVAL);
	assert_int_equal(skbt_writer_set_format(w, SKBT_WF_V7_ZSTD, 99), -EINVAL);
	assert_int_equal(skbt_writer_set_format(w, SKBT_WF_V7_ZSTD, 1), 0);
	skbt_writer_free(w);
	skbt_writer_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_cmd_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v7_header_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v7_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v7_trace_cmd_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v7_two_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v7_empty, setup, teardown),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

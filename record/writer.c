// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trace.dat version 6 writer.  Layout (trace-cmd.dat.v6(5)), all numbers little endian on
 * x86: magic, version "6", endianness, long size, page size; header_page; header_event;
 * ftrace event formats; event formats per system; kallsyms; printk formats; cmdlines; CPU
 * count; "options  " + options + id 0; "flyrecord" + (offset, size) per CPU; padding to a
 * page; the CPUs' raw sub-buffers.  See docs/file-format.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skbtrail/writer.h"

#define COPY_CHUNK (256 * 1024)

struct blob {
	char *data;
	size_t len;
};

struct fmt_system {
	char *name;
	struct blob *ev;
	int nev;
};

struct wopt {
	uint16_t id;
	struct blob b;
};

struct skbt_writer {
	unsigned int page_size;
	struct blob blob[SKBT_WB_NR];
	struct blob *ftrace;
	int nftrace;
	struct fmt_system *sys;
	int nsys;
	struct wopt *opt;
	int nopt;
};

/* Growable byte buffer for the header. */
struct obuf {
	char *p;
	size_t len, cap;
	int err;
};

static int blob_set(struct blob *b, const void *data, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (!p)
		return -ENOMEM;
	if (len)
		memcpy(p, data, len);
	free(b->data);
	b->data = p;
	b->len = len;
	return 0;
}

static int blob_append(struct blob **arr, int *n, const void *data, size_t len)
{
	struct blob *a = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!a)
		return -ENOMEM;
	*arr = a;
	a[*n] = (struct blob){ 0 };
	if (blob_set(&a[*n], data, len))
		return -ENOMEM;
	(*n)++;
	return 0;
}

int skbt_writer_alloc(unsigned int page_size, struct skbt_writer **wp)
{
	struct skbt_writer *w;

	if (page_size < 64 || (page_size & (page_size - 1)))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->page_size = page_size;
	*wp = w;
	return 0;
}

void skbt_writer_free(struct skbt_writer *w)
{
	int i, j;

	if (!w)
		return;
	for (i = 0; i < SKBT_WB_NR; i++)
		free(w->blob[i].data);
	for (i = 0; i < w->nftrace; i++)
		free(w->ftrace[i].data);
	free(w->ftrace);
	for (i = 0; i < w->nsys; i++) {
		for (j = 0; j < w->sys[i].nev; j++)
			free(w->sys[i].ev[j].data);
		free(w->sys[i].ev);
		free(w->sys[i].name);
	}
	free(w->sys);
	for (i = 0; i < w->nopt; i++)
		free(w->opt[i].b.data);
	free(w->opt);
	free(w);
}

int skbt_writer_set_blob(struct skbt_writer *w, enum skbt_writer_blob which, const void *data,
			 size_t len)
{
	if ((unsigned int)which >= SKBT_WB_NR)
		return -EINVAL;
	return blob_set(&w->blob[which], data, len);
}

int skbt_writer_add_ftrace_format(struct skbt_writer *w, const void *data, size_t len)
{
	return blob_append(&w->ftrace, &w->nftrace, data, len);
}

int skbt_writer_add_event_format(struct skbt_writer *w, const char *system, const void *data,
				 size_t len)
{
	struct fmt_system *s = NULL;
	int i;

	for (i = 0; i < w->nsys; i++)
		if (!strcmp(w->sys[i].name, system))
			s = &w->sys[i];
	if (!s) {
		struct fmt_system *a = realloc(w->sys, (w->nsys + 1) * sizeof(*a));

		if (!a)
			return -ENOMEM;
		w->sys = a;
		s = &a[w->nsys];
		*s = (struct fmt_system){ 0 };
		s->name = strdup(system);
		if (!s->name)
			return -ENOMEM;
		w->nsys++;
	}
	return blob_append(&s->ev, &s->nev, data, len);
}

int skbt_writer_add_option(struct skbt_writer *w, uint16_t id, const void *data, uint32_t len)
{
	struct wopt *a;

	if (id == 0)
		return -EINVAL;
	a = realloc(w->opt, (w->nopt + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	w->opt = a;
	a[w->nopt] = (struct wopt){ .id = id };
	if (blob_set(&a[w->nopt].b, data, len))
		return -ENOMEM;
	w->nopt++;
	return 0;
}

void skbt_writer_del_option(struct skbt_writer *w, uint16_t id)
{
	int i, j = 0;

	for (i = 0; i < w->nopt; i++) {
		if (w->opt[i].id == id)
			free(w->opt[i].b.data);
		else
			w->opt[j++] = w->opt[i];
	}
	w->nopt = j;
}

static void ob_put(struct obuf *o, const void *data, size_t len)
{
	if (o->err || !len)
		return;
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap : 65536;
		char *p;

		while (cap < o->len + len)
			cap *= 2;
		p = realloc(o->p, cap);
		if (!p) {
			o->err = -ENOMEM;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, data, len);
	o->len += len;
}

/* The file is written in the host's byte order; the header says which. */
static void ob_u16(struct obuf *o, uint16_t v) { ob_put(o, &v, 2); }
static void ob_u32(struct obuf *o, uint32_t v) { ob_put(o, &v, 4); }
static void ob_u64(struct obuf *o, uint64_t v) { ob_put(o, &v, 8); }

static bool host_big_endian(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one == 0;
}

/*
 * Build the header up to and including the flyrecord table (offsets and sizes from
 * @offs/@sizes, or zeros), and return the table's position in *table_pos.
 */
static int build_header(const struct skbt_writer *w, int ncpus, const uint64_t *offs,
			const uint64_t *sizes, struct obuf *o, size_t *table_pos)
{
	static const char magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	uint8_t b;
	int i, j;

	ob_put(o, magic, sizeof(magic));
	ob_put(o, "6", 2);
	b = host_big_endian();
	ob_put(o, &b, 1);
	b = sizeof(long);
	ob_put(o, &b, 1);
	ob_u32(o, w->page_size);

	ob_put(o, "header_page", 12);
	ob_u64(o, w->blob[SKBT_WB_HEADER_PAGE].len);
	ob_put(o, w->blob[SKBT_WB_HEADER_PAGE].data, w->blob[SKBT_WB_HEADER_PAGE].len);
	ob_put(o, "header_event", 13);
	ob_u64(o, w->blob[SKBT_WB_HEADER_EVENT].len);
	ob_put(o, w->blob[SKBT_WB_HEADER_EVENT].data, w->blob[SKBT_WB_HEADER_EVENT].len);

	ob_u32(o, w->nftrace);
	for (i = 0; i < w->nftrace; i++) {
		ob_u64(o, w->ftrace[i].len);
		ob_put(o, w->ftrace[i].data, w->ftrace[i].len);
	}
	ob_u32(o, w->nsys);
	for (i = 0; i < w->nsys; i++) {
		ob_put(o, w->sys[i].name, strlen(w->sys[i].name) + 1);
		ob_u32(o, w->sys[i].nev);
		for (j = 0; j < w->sys[i].nev; j++) {
			ob_u64(o, w->sys[i].ev[j].len);
			ob_put(o, w->sys[i].ev[j].data, w->sys[i].ev[j].len);
		}
	}
	ob_u32(o, w->blob[SKBT_WB_KALLSYMS].len);
	ob_put(o, w->blob[SKBT_WB_KALLSYMS].data, w->blob[SKBT_WB_KALLSYMS].len);
	ob_u32(o, w->blob[SKBT_WB_PRINTK].len);
	ob_put(o, w->blob[SKBT_WB_PRINTK].data, w->blob[SKBT_WB_PRINTK].len);
	ob_u64(o, w->blob[SKBT_WB_CMDLINES].len);
	ob_put(o, w->blob[SKBT_WB_CMDLINES].data, w->blob[SKBT_WB_CMDLINES].len);

	ob_u32(o, ncpus);
	ob_put(o, "options  ", 10);
	for (i = 0; i < w->nopt; i++) {
		ob_u16(o, w->opt[i].id);
		ob_u32(o, w->opt[i].b.len);
		ob_put(o, w->opt[i].b.data, w->opt[i].b.len);
	}
	ob_u16(o, 0);
	ob_put(o, "flyrecord", 10);
	*table_pos = o->len;
	for (i = 0; i < ncpus; i++) {
		ob_u64(o, offs ? offs[i] : 0);
		ob_u64(o, sizes ? sizes[i] : 0);
	}
	return o->err;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

uint64_t skbt_writer_header_size(const struct skbt_writer *w, int ncpus)
{
	struct obuf o = { 0 };
	size_t pos;
	uint64_t n;

	if (build_header(w, ncpus, NULL, NULL, &o, &pos)) {
		free(o.p);
		return 0;
	}
	n = round_up(o.len, w->page_size);
	free(o.p);
	return n;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENOSPC;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

/*
 * Copy the whole sub-buffers of @in to @out at @off.  Returns the bytes copied (a multiple
 * of the page size) in *copied; 0, -ENOSPC (cut short) or another negative errno.
 */
static int copy_cpu(const struct skbt_writer *w, int in, int out, uint64_t off, bool punch,
		    char *buf, uint64_t *copied)
{
	struct stat st;
	uint64_t size, pos = 0;
	int ret = 0;

	*copied = 0;
	if (in < 0)
		return 0;
	if (fstat(in, &st) < 0)
		return -errno;
	size = (uint64_t)st.st_size / w->page_size * w->page_size;
	while (pos < size) {
		size_t n = size - pos > COPY_CHUNK ? COPY_CHUNK : size - pos;
		ssize_t r = pread(in, buf, n, pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r < 0 ? -errno : -EIO;
			break;
		}
		r = r / w->page_size * w->page_size;
		if (r == 0) {
			ret = -EIO;
			break;
		}
		ret = pwrite_all(out, buf, r, off + pos);
		if (ret)
			break;
		if (punch)
			fallocate(in, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos, r);
		pos += r;
	}
	*copied = pos;
	return ret;
}

int skbt_writer_write(struct skbt_writer *w, int fd, int ncpus, const int *cpu_fds, bool punch,
		      struct skbt_writer_stats *stats, struct skbt_err *err)
{
	struct skbt_writer_stats st = { 0 };
	uint64_t *offs = NULL, *sizes = NULL, off;
	struct obuf o = { 0 };
	size_t table_pos;
	char *buf = NULL;
	int ret, first_err = 0, i;

	if (ncpus < 0 || (ncpus && !cpu_fds))
		return skbt_err_set(err, -EINVAL, "bad CPU count");
	offs = calloc(ncpus + 1, sizeof(*offs));
	sizes = calloc(ncpus + 1, sizeof(*sizes));
	buf = malloc(COPY_CHUNK);
	if (!offs || !sizes || !buf) {
		ret = skbt_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	ret = build_header(w, ncpus, NULL, NULL, &o, &table_pos);
	if (ret) {
		skbt_err_set(err, ret, "out of memory");
		goto out;
	}
	st.header_bytes = round_up(o.len, w->page_size);
	/* Pad with zeros to the first page boundary; the table is rewritten at the end. */
	while (o.len < st.header_bytes && !o.err)
		ob_put(&o, "", 1);
	if (o.err) {
		ret = skbt_err_set(err, o.err, "out of memory");
		goto out;
	}
	ret = pwrite_all(fd, o.p, o.len, 0);
	if (ret) {
		skbt_err_set(err, ret, "writing the header: %s", strerror(-ret));
		goto out;
	}

	off = st.header_bytes;
	for (i = 0; i < ncpus; i++) {
		uint64_t copied;

		ret = copy_cpu(w, cpu_fds[i], fd, off, punch, buf, &copied);
		offs[i] = off;
		sizes[i] = copied;
		off += copied;
		if (ret == -ENOSPC) {
			st.truncated_cpus++;
			if (!first_err)
				first_err = ret;
		} else if (ret) {
			skbt_err_set(err, ret, "copying CPU %d data: %s", i, strerror(-ret));
			goto out;
		}
	}
	st.data_bytes = off - st.header_bytes;
	st.file_bytes = off;

	/* Now the real table: same length as the placeholder, so nothing moves. */
	for (i = 0; i < ncpus; i++) {
		memcpy(o.p + table_pos + 16 * i, &offs[i], 8);
		memcpy(o.p + table_pos + 16 * i + 8, &sizes[i], 8);
	}
	ret = pwrite_all(fd, o.p + table_pos, 16 * ncpus, table_pos);
	if (ret) {
		skbt_err_set(err, ret, "writing the CPU table: %s", strerror(-ret));
		goto out;
	}
	if (ftruncate(fd, off) < 0) {
		ret = skbt_err_set(err, -errno, "truncating: %s", strerror(errno));
		goto out;
	}
	ret = first_err;
	if (ret)
		skbt_err_set(err, ret, "disk full: data of %d CPU(s) cut short", st.truncated_cpus);
out:
	if (stats)
		*stats = st;
	free(o.p);
	free(buf);
	free(offs);
	free(sizes);
	return ret;
}

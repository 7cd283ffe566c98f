// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "skbtrail/common.h"

int skbt_err_set(struct skbt_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

bool skbt_sbuf_reserve(struct skbt_sbuf *b, size_t n)
{
	if (!b->failed && b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *np = realloc(b->p, cap);

		if (!np) {
			b->failed = true;
		} else {
			b->p = np;
			b->cap = cap;
		}
	}
	return !b->failed;
}

void skbt_sbuf_add(struct skbt_sbuf *b, const void *data, size_t n)
{
	if (!skbt_sbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void skbt_sbuf_str(struct skbt_sbuf *b, const char *s)
{
	skbt_sbuf_add(b, s, strlen(s));
}

void skbt_sbuf_printf(struct skbt_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if (!skbt_sbuf_reserve(b, n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/*
 * The budgets.  floor + fsize * mul / div is what an honest file of fsize bytes can need:
 * one CPU stream, format, key or cmdline per few bytes of file, decompressed data up to 64
 * times the file (zstd on sparse ring-buffer pages), CPU ranges that do not overlap.  The
 * caps keep the peak memory of any file under 512 MB and its time linear in its size.
 */
static const struct {
	const char *what;
	uint64_t floor, mul, div, cap;
} limits[SKBT_LIM__COUNT] = {
	[SKBT_LIM_UNPACKED] = { "bytes of sections and chunks loaded", 64ull << 20, 64, 1,
				16ull << 30 },
	[SKBT_LIM_CPU_DATA] = { "bytes of per-CPU data", 0, 1, 1, UINT64_MAX },
	[SKBT_LIM_CPUS] = { "CPU streams", 1024, 1, 16, 16384 },
	[SKBT_LIM_BUFFERS] = { "buffers", 16, 1, 256, 1024 },
	[SKBT_LIM_FORMATS] = { "event formats", 1024, 1, 16, 8192 },
	[SKBT_LIM_KALLSYMS] = { "kallsyms lines", 262144, 1, 1, 1u << 20 },
	[SKBT_LIM_CMDLINES] = { "cmdlines", 32768, 1, 4, 131072 },
	[SKBT_LIM_KEYS] = { "node-context keys", 65536, 1, 4, 262144 },
	[SKBT_LIM_PATHS] = { "distinct paths", 64, 1, 256, 1024 },
	[SKBT_LIM_HISTS] = { "latency histograms", 256, 1, 64, 2048 },
};

uint64_t skbt_limit(enum skbt_limit l, uint64_t fsize)
{
	uint64_t v = limits[l].floor, add;

	if (fsize > UINT64_MAX / limits[l].mul)
		return limits[l].cap;
	add = fsize * limits[l].mul / limits[l].div;
	v = add > UINT64_MAX - v ? UINT64_MAX : v + add;
	return v < limits[l].cap ? v : limits[l].cap;
}

int skbt_limit_charge(enum skbt_limit l, uint64_t fsize, uint64_t *used, uint64_t n,
		      struct skbt_err *err)
{
	uint64_t max = skbt_limit(l, fsize);

	if (n <= max && *used <= max - n) {
		*used += n;
		return 0;
	}
	return skbt_err_set(err, -E2BIG, "too many %s: more than %llu (the limit for a file of "
			    "%llu bytes; docs/file-format.md, Limits)", limits[l].what,
			    (unsigned long long)max, (unsigned long long)fsize);
}

int skbt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOSPC;
		p += n;
		len -= n;
	}
	return 0;
}

int skbt_thread_start(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(t, attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helpers for the tests that read a trace's bytes both from memory and from a file (a
 * file on disk is read with threads, lib/tracefile.c and model/events.c; the same bytes in
 * memory without).  Include after cmocka.h.
 */
#ifndef SKBT_TESTS_BYTES_H
#define SKBT_TESTS_BYTES_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "skbtrail/tracefile.h"

/* A whole file's bytes. */
static inline uint8_t *bytes_of(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*len = n;
	return buf;
}

/* skbt_tracefile_open() of @len bytes written to a file of their own, removed at once. */
static inline int bytes_open_file(const uint8_t *buf, size_t len, struct skbt_tracefile **tf,
				  struct skbt_err *err)
{
	char tmp[] = "/tmp/skbt-bytes-XXXXXX";
	int fd = mkstemp(tmp), ret;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	ret = skbt_tracefile_open(tmp, tf, err);
	unlink(tmp);
	return ret;
}

#endif

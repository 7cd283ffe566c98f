// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

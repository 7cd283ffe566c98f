// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * print: the one place where the text and the JSON report meet (report.h).  A section calls
 * skbt_print_*() once per fact; the printer writes the text format or adds the JSON key,
 * whichever it was made for, so no section asks which output it is writing.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "skbtrail/report.h"

void skbt_printer_text(struct skbt_printer *p, FILE *fp)
{
	*p = (struct skbt_printer){ .fp = fp };
}

void skbt_printer_json(struct skbt_printer *p, struct json_object *root)
{
	*p = (struct skbt_printer){ .stack = { root }, .depth = 1 };
}

static bool to_text(const struct skbt_printer *p, enum skbt_print_to to, const char *fmt)
{
	return p->fp && (to & SKBT_PRINT_FP) && fmt;
}

static bool to_json(const struct skbt_printer *p, enum skbt_print_to to)
{
	return !p->fp && (to & SKBT_PRINT_JSON);
}

/* Puts @v in the innermost open container: under @key in an object, appended to an array. */
static void put(struct skbt_printer *p, const char *key, json_object *v)
{
	json_object *c = p->depth ? p->stack[p->depth - 1] : NULL;

	if (p->skipped || !c)
		json_object_put(v);
	else if (json_object_is_type(c, json_type_array))
		json_object_array_add(c, v);
	else if (key)
		json_object_object_add(c, key, v);
	else
		json_object_put(v);	/* a value with no key in an object: a caller's bug */
}

void skbt_print_text(struct skbt_printer *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->fp)
		return;
	va_start(ap, fmt);
	vfprintf(p->fp, fmt, ap);
	va_end(ap);
}

static void open_container(struct skbt_printer *p, const char *key, json_object *c)
{
	if (p->fp) {
		json_object_put(c);
		return;
	}
	if (p->skipped || p->depth == SKBT_PRINT_DEPTH) {
		json_object_put(c);
		p->skipped++;
		return;
	}
	put(p, key, c);
	/* put() consumed our reference; the parent keeps c alive while it is open */
	p->stack[p->depth++] = c;
}

static void close_container(struct skbt_printer *p)
{
	if (p->fp)
		return;
	if (p->skipped)
		p->skipped--;
	else if (p->depth > 1)	/* the root stays */
		p->depth--;
}

void skbt_print_open_object(struct skbt_printer *p, const char *key)
{
	open_container(p, key, p->fp ? NULL : json_object_new_object());
}

void skbt_print_close_object(struct skbt_printer *p)
{
	close_container(p);
}

void skbt_print_open_array(struct skbt_printer *p, const char *key)
{
	open_container(p, key, p->fp ? NULL : json_object_new_array());
}

void skbt_print_close_array(struct skbt_printer *p)
{
	close_container(p);
}

void (skbt_print_u64)(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		    const char *fmt, uint64_t v)
{
	if (to_text(p, to, fmt))
		fprintf(p->fp, fmt, v);
	if (to_json(p, to))
		put(p, key, json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v));
}

void (skbt_print_i64)(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		    const char *fmt, int64_t v)
{
	if (to_text(p, to, fmt))
		fprintf(p->fp, fmt, v);
	if (to_json(p, to))
		put(p, key, json_object_new_int64(v));
}

void (skbt_print_uint)(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		     const char *fmt, unsigned int v)
{
	if (to_text(p, to, fmt))
		fprintf(p->fp, fmt, v);
	if (to_json(p, to))
		put(p, key, json_object_new_int64(v));
}

void (skbt_print_int)(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		    const char *fmt, int v)
{
	if (to_text(p, to, fmt))
		fprintf(p->fp, fmt, v);
	if (to_json(p, to))
		put(p, key, json_object_new_int64(v));
}

void (skbt_print_double)(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		       const char *fmt, double v)
{
	if (to_text(p, to, fmt))
		fprintf(p->fp, fmt, v);
	if (to_json(p, to))
		put(p, key, json_object_new_double(v));
}

void (skbt_print_bool)(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		     const char *fmt, bool v)
{
	if (to_text(p, to, fmt))
		fprintf(p->fp, fmt, v ? "true" : "false");
	if (to_json(p, to))
		put(p, key, json_object_new_boolean(v));
}

void (skbt_print_str)(struct skbt_printer *p, enum skbt_print_to to, const char *key,
		    const char *fmt, const char *s)
{
	if (to_text(p, to, fmt))
		fprintf(p->fp, fmt, s);
	if (to_json(p, to))
		put(p, key, json_object_new_string(s ? s : ""));
}

void (skbt_print_str_or)(struct skbt_printer *p, const char *key, const char *fmt, const char *s,
		       const char *none)
{
	if (p->fp)
		skbt_print_str(p, SKBT_PRINT_FP, key, fmt, s ? s : none);
	else
		skbt_print_str(p, SKBT_PRINT_JSON, key, fmt, s);
}

void (skbt_print_null)(struct skbt_printer *p, const char *key, const char *fmt)
{
	if (to_text(p, SKBT_PRINT_FP, fmt))
		fprintf(p->fp, fmt, "-");
	if (to_json(p, SKBT_PRINT_JSON))
		put(p, key, NULL);
}

void (skbt_print_duration)(struct skbt_printer *p, enum skbt_print_to to, const char *key,
			 const char *fmt, uint64_t ns)
{
	if (to_text(p, to, fmt))
		fprintf(p->fp, fmt, SKBT_DUR(ns));
	if (to_json(p, to))
		skbt_print_u64(p, SKBT_PRINT_JSON, key, NULL, ns);
}

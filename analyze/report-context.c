// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report-context: skbtrail-analyze --context, the node context stored in a file rendered as
 * text or JSON.  Renders only.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "skbtrail/common.h"
#include "skbtrail/context.h"
#include "skbtrail/outputs.h"

static bool is_counter(const struct skbt_context *c, const char *key)
{
	uint64_t v;

	return strcmp(key, "kind") && strcmp(key, "format") && strncmp(key, "time_mono", 9) &&
	       skbt_kvlist_u64(&c->start, key, &v);
}

int skbt_context_print_text(FILE *out, const char *file, const struct skbt_context *c)
{
	const struct skbt_kvlist *meta[] = { &c->start, &c->stop };
	static const char *const when[] = { "start", "stop" };

	fprintf(out, "skbtrail node context: %s\n", file);
	if (!c->has_static && !c->has_start && !c->has_stop) {
		fprintf(out, "no node context in this file (recorded by trace-cmd or an older "
			"skbtrail-record)\n");
		return ferror(out) ? -EIO : 0;
	}
	if (c->has_static) {
		fprintf(out, "\nstatic (once, before tracing on):\n");
		for (unsigned int i = 0; i < c->stat.n; i++)
			if (strcmp(c->stat.v[i].key, "kind"))
				fprintf(out, "  %s = %s\n", c->stat.v[i].key, c->stat.v[i].val);
	}
	for (int k = 0; k < 2; k++) {
		const char *t = skbt_kvlist_get(meta[k], "time_mono_ns");
		const char *e = skbt_kvlist_get(meta[k], "errors");

		if (t)
			fprintf(out, "%scounters at %s: CLOCK_MONOTONIC %s ns%s%s\n", k ? "" : "\n",
				when[k], t, e ? "; could not read: " : "", e ? e : "");
	}
	if (c->has_start) {
		fprintf(out, "  %-52s %20s %20s %12s\n", "counter", "start", "stop", "delta");
		for (unsigned int i = 0; i < c->start.n; i++) {
			const char *key = c->start.v[i].key;
			const char *stop = skbt_kvlist_get(&c->stop, key);
			uint64_t d;

			if (!is_counter(c, key))
				continue;
			if (skbt_context_delta(c, key, &d))
				fprintf(out, "  %-52s %20s %20s %12" PRIu64 "\n", key,
					c->start.v[i].val, stop, d);
			else
				fprintf(out, "  %-52s %20s %20s %12s\n", key, c->start.v[i].val,
					stop ? stop : "-", "-");
		}
	}
	return ferror(out) ? -EIO : 0;
}

static json_object *kv_obj(const struct skbt_kvlist *l)
{
	json_object *o = json_object_new_object();

	for (unsigned int i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, "kind"))
			json_object_object_add(o, l->v[i].key, json_object_new_string(l->v[i].val));
	return o;
}

int skbt_context_print_json(FILE *out, const char *file, const struct skbt_context *c)
{
	json_object *root = json_object_new_object(), *delta = json_object_new_object();
	const char *s;
	int ret = 0;

	json_object_object_add(root, "context_format", json_object_new_int(1));
	json_object_object_add(root, "tool", json_object_new_string("skbtrail-analyze "
								      SKBT_VERSION));
	json_object_object_add(root, "file", json_object_new_string(file));
	json_object_object_add(root, "present", json_object_new_boolean(c->has_static ||
								       c->has_start));
	if (c->has_static)
		json_object_object_add(root, "static", kv_obj(&c->stat));
	if (c->has_start)
		json_object_object_add(root, "start", kv_obj(&c->start));
	if (c->has_stop)
		json_object_object_add(root, "stop", kv_obj(&c->stop));
	for (unsigned int i = 0; i < c->start.n; i++) {
		uint64_t d;

		if (is_counter(c, c->start.v[i].key) &&
		    skbt_context_delta(c, c->start.v[i].key, &d))
			json_object_object_add(delta, c->start.v[i].key,
					       json_object_new_int64(d > INT64_MAX ? INT64_MAX :
								     (int64_t)d));
	}
	json_object_object_add(root, "delta", delta);
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (skbt_out_json_doc(out, s) || fputc('\n', out) < 0 || ferror(out))
		ret = -EIO;
	json_object_put(root);
	return ret;
}

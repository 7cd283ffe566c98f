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
#include "skbtrail/report.h"
#include "skbtrail/outputs.h"
#include "skbtrail/stats.h"

static bool is_counter(const struct skbt_context *c, const char *key)
{
	uint64_t v;

	return strcmp(key, "kind") && strcmp(key, "format") && strncmp(key, "time_mono", 9) &&
	       skbt_kvlist_u64(&c->start, key, &v);
}

/*
 * Device names as the outputs show them.  Keys "KIND:NS:DEV:..." of the kinds below carry a
 * device name in their third field (record/context.c writes them).
 */
#define SHOWN_LEN 512

static const char *name_shown(const struct skbt_names *n, const char *name)
{
	return n ? skbt_names_iface(n, name) : name;
}

static const char *key_shown(const struct skbt_names *n, const char *key, char *buf)
{
	static const char *const kinds[] = { "dev", "ethtool", "iface", "irq", "netdev", "rxq" };
	const char *ns, *dev, *rest;
	char name[SHOWN_LEN];
	unsigned int i;

	if (!n || !n->iface || !(ns = strchr(key, ':')) || !(dev = strchr(ns + 1, ':')))
		return key;
	for (i = 0; i < SKBT_ARRAY_SIZE(kinds); i++)
		if ((size_t)(ns - key) == strlen(kinds[i]) && !strncmp(key, kinds[i], ns - key))
			break;
	if (i == SKBT_ARRAY_SIZE(kinds))
		return key;
	rest = strchr(dev + 1, ':');
	rest = rest ? rest : dev + strlen(dev);
	snprintf(name, sizeof(name), "%.*s", (int)(rest - dev - 1), dev + 1);
	if (snprintf(buf, SHOWN_LEN, "%.*s%s%s", (int)(dev + 1 - key), key, name_shown(n, name),
		     rest) >= SHOWN_LEN)
		return "?";	/* longer than any key a recorder writes */
	return buf;
}

/* traced_devs = a,b; iface:SCOPE:DEV:master = NAME; OVS "port N: NAME (internal)",
 * "Bridge|Port|Interface NAME" */
static const char *val_shown(const struct skbt_names *n, const char *key, const char *val,
			     char *buf)
{
	static const char *const ovs_words[] = { "Bridge ", "Port ", "Interface " };
	char name[SHOWN_LEN];
	const char *v, *p, *e;
	size_t off = 0;

	if (!n || !n->iface)
		return val;
	if (!strcmp(key, "traced_devs") && *val != '(') {
		buf[0] = 0;
		for (p = val; *p && off < SHOWN_LEN; p = *e ? e + 1 : e) {
			e = p + strcspn(p, ",");
			snprintf(name, sizeof(name), "%.*s", (int)(e - p), p);
			off += snprintf(buf + off, SHOWN_LEN - off, "%s%s", p == val ? "" : ",",
					name_shown(n, name));
		}
		return buf;
	}
	if (!strncmp(key, "iface:", 6) && strlen(key) > 7 &&
	    !strcmp(key + strlen(key) - 7, ":master"))
		return name_shown(n, val);
	v = val + strspn(val, " ");	/* the tools' own indentation, kept */
	if (!strncmp(key, "ovs:dpctl:", 10) && !strncmp(v, "port ", 5) && (p = strstr(v, ": "))) {
		p += 2;
		e = p + strcspn(p, " ");
	} else if (!strncmp(key, "ovs:vsctl:", 10)) {
		unsigned int i;

		for (i = 0; i < SKBT_ARRAY_SIZE(ovs_words); i++)
			if (!strncmp(v, ovs_words[i], strlen(ovs_words[i])))
				break;
		if (i == SKBT_ARRAY_SIZE(ovs_words))
			return val;
		p = v + strlen(ovs_words[i]);
		if (*p == '"')	/* ovs-vsctl quotes names that need it */
			p++;
		e = p + strcspn(p, "\"");
	} else {
		return val;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(e - p), p);
	if (snprintf(buf, SHOWN_LEN, "%.*s%s%s", (int)(p - val), val, name_shown(n, name), e) >=
	    SHOWN_LEN)
		return "?";
	return buf;
}

int skbt_context_print_text(FILE *out, const char *file, const struct skbt_context *c,
			    const struct skbt_names *names)
{
	const struct skbt_kvlist *meta[] = { &c->start, &c->stop };
	static const char *const when[] = { "start", "stop" };
	char kb[SHOWN_LEN], vb[SHOWN_LEN];

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
				fprintf(out, "  %s = %s\n", key_shown(names, c->stat.v[i].key, kb),
					val_shown(names, c->stat.v[i].key, c->stat.v[i].val, vb));
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
				fprintf(out, "  %-52s %20s %20s %12" PRIu64 "\n",
					key_shown(names, key, kb), c->start.v[i].val, stop, d);
			else
				fprintf(out, "  %-52s %20s %20s %12s\n", key_shown(names, key, kb),
					c->start.v[i].val, stop ? stop : "-", "-");
		}
	}
	return ferror(out) ? -EIO : 0;
}

static json_object *kv_obj(const struct skbt_kvlist *l, const struct skbt_names *names)
{
	json_object *o = json_object_new_object();
	char kb[SHOWN_LEN], vb[SHOWN_LEN];

	for (unsigned int i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, "kind"))
			json_object_object_add(o, key_shown(names, l->v[i].key, kb),
					       json_object_new_string(val_shown(names, l->v[i].key,
										l->v[i].val, vb)));
	return o;
}

int skbt_context_print_json(FILE *out, const char *file, const struct skbt_context *c,
			    const struct skbt_names *names)
{
	char kb[SHOWN_LEN];
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
		json_object_object_add(root, "static", kv_obj(&c->stat, names));
	if (c->has_start)
		json_object_object_add(root, "start", kv_obj(&c->start, names));
	if (c->has_stop)
		json_object_object_add(root, "stop", kv_obj(&c->stop, names));
	for (unsigned int i = 0; i < c->start.n; i++) {
		uint64_t d;

		if (is_counter(c, c->start.v[i].key) &&
		    skbt_context_delta(c, c->start.v[i].key, &d))
			json_object_object_add(delta, key_shown(names, c->start.v[i].key, kb),
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

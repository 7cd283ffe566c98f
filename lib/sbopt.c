// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sbopt: the kinds of skbtrail's own option and its one key=value line parser, shared by
 * every reader (context.c, events.c, pcap.c); the recorder writes the same kind names.
 */
#include <string.h>

#include "skbtrail/sbopt.h"

static const char *const kind_names[SKBT_SBOPT__COUNT] = {
#define SKBT_SBOPT_NAME(id, name) [SKBT_SBOPT_##id] = name,
	SKBT_SBOPT_KINDS(SKBT_SBOPT_NAME)
#undef SKBT_SBOPT_NAME
};

const char *skbt_sbopt_kind_name(enum skbt_sbopt_kind kind)
{
	return (unsigned int)kind < SKBT_SBOPT__COUNT ? kind_names[kind] : NULL;
}

bool skbt_sbopt_next(const char **p, const char *end, const char **key, size_t *klen,
		     const char **val, size_t *vlen, bool *has_eq)
{
	const char *s = *p, *nl, *eq, *z;

	if (s >= end || *s == '\n' || *s == '\0')
		return false;
	nl = memchr(s, '\n', end - s);
	if (!nl)
		nl = end;
	z = memchr(s, '\0', nl - s);
	if (z)
		nl = z;
	eq = memchr(s, '=', nl - s);
	*key = s;
	*klen = eq ? (size_t)(eq - s) : (size_t)(nl - s);
	*val = eq ? eq + 1 : nl;
	*vlen = eq ? (size_t)(nl - eq - 1) : 0;
	*has_eq = eq != NULL;
	*p = nl < end && *nl == '\n' ? nl + 1 : nl;
	return true;
}

enum skbt_sbopt_kind skbt_sbopt_kind(const void *data, size_t size)
{
	const char *p = data, *k, *v;
	size_t kl, vl;
	bool eq;

	if (!skbt_sbopt_next(&p, p + size, &k, &kl, &v, &vl, &eq) || !eq || kl != 4 ||
	    memcmp(k, "kind", 4))
		return SKBT_SBOPT__COUNT;
	for (int i = 0; i < SKBT_SBOPT__COUNT; i++)
		if (strlen(kind_names[i]) == vl && !memcmp(v, kind_names[i], vl))
			return i;
	return SKBT_SBOPT__COUNT;
}

const char *skbt_sbopt_body(const void *data, size_t size)
{
	const char *p = data, *nl = memchr(p, '\n', size);

	return nl ? nl + 1 : p;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Command-line helpers shared by skbtrail-record and skbtrail-analyze: the --version text
 * and the option list the bash completion reads (completion/skbtrail.bash).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json_c_version.h>	/* JSON_C_VERSION only */
#include <pcap/pcap.h>
#include <zstd.h>

#include "skbtrail/common.h"

/*
 * pkg-config --modversion of the libraries without a version macro, at build time (the
 * GNUmakefile passes them).  json-c is asked nothing at run time: the static recorder
 * (make static) links no json-c.
 */
#ifndef SKBT_BUILT_LIBTRACEFS
#define SKBT_BUILT_LIBTRACEFS "?"
#endif
#ifndef SKBT_BUILT_LIBTRACEEVENT
#define SKBT_BUILT_LIBTRACEEVENT "?"
#endif
#ifndef SKBT_BUILT_LIBPCAP
#define SKBT_BUILT_LIBPCAP "?"
#endif

/* The loaded library's version where it can tell (libpcap, libzstd), else NULL */
static const char *running(unsigned int lib, char *buf, size_t n)
{
	static const char pfx[] = "libpcap version ";
	const char *v;

	switch (lib) {
	case SKBT_LIB_PCAP:
		/* "libpcap version 1.10.3 (with TPACKET_V3)" -> "1.10.3" */
		v = pcap_lib_version();
		if (strncmp(v, pfx, sizeof(pfx) - 1))
			return v;
		v += sizeof(pfx) - 1;
		snprintf(buf, n, "%.*s", (int)strcspn(v, " "), v);
		return buf;
	case SKBT_LIB_ZSTD:
		return ZSTD_versionString();
	default:
		return NULL;
	}
}

void skbt_version_text(struct skbt_sbuf *sb, const char *prog, unsigned int libs)
{
	static const struct {
		unsigned int lib;
		const char *name, *built;
	} built[] = {
		{ SKBT_LIB_TRACEFS, "libtracefs", SKBT_BUILT_LIBTRACEFS },
		{ SKBT_LIB_TRACEEVENT, "libtraceevent", SKBT_BUILT_LIBTRACEEVENT },
		{ SKBT_LIB_PCAP, "libpcap", SKBT_BUILT_LIBPCAP },
		{ SKBT_LIB_JSONC, "json-c", JSON_C_VERSION },
		{ SKBT_LIB_ZSTD, "libzstd", ZSTD_VERSION_STRING },
	};
	const char *now[SKBT_ARRAY_SIZE(built)] = { NULL };
	char buf[64];
	const char *sep = " ";
	bool differ = false;
	size_t i;

	skbt_sbuf_printf(sb, "%s %s\nbuilt with:", prog, SKBT_VERSION);
	for (i = 0; i < SKBT_ARRAY_SIZE(built); i++) {
		if (!(libs & built[i].lib))
			continue;
		skbt_sbuf_printf(sb, "%s%s %s", sep, built[i].name, built[i].built);
		sep = ", ";
		now[i] = running(built[i].lib, buf, sizeof(buf));
		differ |= now[i] && strcmp(now[i], built[i].built);
	}
	skbt_sbuf_str(sb, "\n");
	if (!differ)
		return;
	skbt_sbuf_str(sb, "running with:");
	for (i = 0, sep = " "; i < SKBT_ARRAY_SIZE(built); i++) {
		if (now[i] && strcmp(now[i], built[i].built)) {
			skbt_sbuf_printf(sb, "%s%s %s", sep, built[i].name, now[i]);
			sep = ", ";
		}
	}
	skbt_sbuf_str(sb, "\n");
}

void skbt_options_text(struct skbt_sbuf *sb, const struct option *opts, const char *shortopts,
		       const char *hidden)
{
	for (const struct option *o = opts; o->name; o++) {
		const char *s;

		if (hidden && !strcmp(o->name, hidden))
			continue;
		skbt_sbuf_printf(sb, "--%s%s", o->name, o->has_arg == required_argument ? "=" : "");
		s = !o->flag && o->val > ' ' && o->val < 127 && o->val != ':' ?
			strchr(shortopts, o->val) : NULL;
		if (s)
			skbt_sbuf_printf(sb, " -%c", o->val);
		skbt_sbuf_str(sb, "\n");
	}
}

bool skbt_parse_duration(const char *s, double *out)
{
	static const struct { const char *unit; double scale; } units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 }, { "m", 60 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v > 0))
		return false;
	for (size_t i = 0; i < SKBT_ARRAY_SIZE(units); i++) {
		if (!strcmp(end, units[i].unit)) {
			*out = v * units[i].scale;
			return true;
		}
	}
	return false;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Command-line helpers shared by skbtrail-record and skbtrail-analyze: the --version text
 * and the option list the bash completion reads (completion/skbtrail.bash).
 */
#include <getopt.h>
#include <string.h>

#include <json-c/json_c_version.h>
#include <pcap/pcap.h>
#include <zstd.h>

#include "skbtrail/common.h"

/* pkg-config --modversion of each library at build time, passed by the GNUmakefile. */
#ifndef SKBT_BUILT_LIBTRACEFS
#define SKBT_BUILT_LIBTRACEFS "?"
#endif
#ifndef SKBT_BUILT_LIBTRACEEVENT
#define SKBT_BUILT_LIBTRACEEVENT "?"
#endif
#ifndef SKBT_BUILT_LIBPCAP
#define SKBT_BUILT_LIBPCAP "?"
#endif

/* "libpcap version 1.10.3 (with TPACKET_V3)" -> "1.10.3" in @buf; else the whole string */
static const char *pcap_version(char *buf, size_t n)
{
	static const char pfx[] = "libpcap version ";
	const char *v = pcap_lib_version();

	if (strncmp(v, pfx, sizeof(pfx) - 1))
		return v;
	v += sizeof(pfx) - 1;
	snprintf(buf, n, "%.*s", (int)strcspn(v, " "), v);
	return buf;
}

void skbt_version_text(struct skbt_sbuf *sb, const char *prog)
{
	static const struct {
		const char *name, *built;
	} built[] = {
		{ "libtracefs", SKBT_BUILT_LIBTRACEFS },
		{ "libtraceevent", SKBT_BUILT_LIBTRACEEVENT },
		{ "libpcap", SKBT_BUILT_LIBPCAP },
		{ "json-c", JSON_C_VERSION },
		{ "libzstd", ZSTD_VERSION_STRING },
	};
	char pbuf[64];
	/* the loaded library's own word, where it has one (NULL: it has none) */
	const char *now[SKBT_ARRAY_SIZE(built)] = {
		NULL, NULL, pcap_version(pbuf, sizeof(pbuf)), json_c_version(), ZSTD_versionString(),
	};
	bool differ = false, first = true;
	size_t i;

	skbt_sbuf_printf(sb, "%s %s\nbuilt with:", prog, SKBT_VERSION);
	for (i = 0; i < SKBT_ARRAY_SIZE(built); i++) {
		skbt_sbuf_printf(sb, "%s %s %s", i ? "," : "", built[i].name, built[i].built);
		differ |= now[i] && strcmp(now[i], built[i].built);
	}
	skbt_sbuf_str(sb, "\n");
	if (!differ)
		return;
	skbt_sbuf_str(sb, "running with:");
	for (i = 0; i < SKBT_ARRAY_SIZE(built); i++)
		if (now[i] && strcmp(now[i], built[i].built)) {
			skbt_sbuf_printf(sb, "%s %s %s", first ? "" : ",", built[i].name, now[i]);
			first = false;
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

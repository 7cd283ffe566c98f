// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * outputs: helpers shared by the renderers (report-text.c, report-findings.c and the extra
 * output writers report-perfetto.c, report-html.c, report-jsonl.c).  Here, not in one
 * renderer, so that renderers never depend on each other in a cycle.
 */
#include <inttypes.h>
#include <stdio.h>

#include "skbtrail/outputs.h"
#include "skbtrail/report.h"

void skbt_out_json_str(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)	/* bytes past ASCII: kept valid UTF-8 */
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void skbt_out_html_str(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
				fprintf(f, "&#x%x;", (unsigned char)*s);
			else
				fputc(*s, f);
		}
	}
}

const char *skbt_fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.3fs", ns / 1e9);
	return buf;
}

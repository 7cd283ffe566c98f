// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * outputs: helpers shared by the extra output writers (report-perfetto.c, report-html.c,
 * report-jsonl.c).
 */
#include <stdio.h>

#include "skbtrail/outputs.h"

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

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * outputs: helpers shared by the output writers, and the one escaping policy of every
 * output (docs/outputs.md, "Strings from the trace"):
 *
 *   - valid UTF-8 passes unchanged everywhere ("café" stays "café");
 *   - a byte that is not part of a valid UTF-8 sequence becomes the four characters \xNN
 *     (lowercase hex) in every format: in JSON the string holds a backslash, 'x' and two
 *     digits (written "\\xNN" in the JSON text);
 *   - control characters (C0, DEL, C1 = U+0080..U+009F) become \xNN per byte on a terminal
 *     (text report, --context), in HTML and in CSV; JSON writes C0 as \u00XX (RFC 8259),
 *     where DEL and C1 are legal.
 *
 * The names come from the file (device names any root can pick, comm names any user can
 * set with prctl, symbols, context text), so no writer trusts them.
 *
 * Also the helpers shared by the renderers (durations), here so that renderers never depend
 * on each other in a cycle.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "skbtrail/outputs.h"
#include "skbtrail/report.h"

size_t skbt_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned int c = s[0], len, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;	/* continuation byte, overlong lead (c0 c1) or past U+10FFFF */
	if (len > n)
		return 0;
	for (unsigned int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, out of range or a UTF-16 surrogate */
	return len;
}

/* C0, DEL, or (a 2-byte sequence) a C1 control: never raw on a terminal */
static bool is_control(const unsigned char *s, size_t len)
{
	return (len == 1 && (s[0] < 0x20 || s[0] == 0x7f)) ||
	       (len == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

static void hex_bytes(FILE *f, const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "\\x%02x", s[i]);
}

/* An SGR sequence ESC [ digits/; m, as the text report's own colours: length, or 0 */
static size_t sgr_len(const unsigned char *s, size_t n)
{
	size_t i = 2;

	if (n < 3 || s[0] != 0x1b || s[1] != '[')
		return 0;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ';'))
		i++;
	return i < n && s[i] == 'm' ? i + 1 : 0;
}

int skbt_out_text(FILE *f, const char *buf, size_t n, bool sgr)
{
	const unsigned char *s = (const unsigned char *)buf;

	for (size_t i = 0; i < n;) {
		size_t len = sgr ? sgr_len(s + i, n - i) : 0;

		if (len) {	/* colour, harmless; the writer adds it only on a terminal */
			fwrite(s + i, 1, len, f);
		} else if (!(len = skbt_utf8_seq(s + i, n - i))) {
			hex_bytes(f, s + i, len = 1);
		} else if (is_control(s + i, len) && s[i] != '\n' && s[i] != '\t') {
			hex_bytes(f, s + i, len);
		} else {
			fwrite(s + i, 1, len, f);
		}
		i += len;
	}
	return ferror(f) ? -1 : 0;
}

void skbt_out_json_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = str ? strlen(str) : 0;

	for (size_t i = 0; i < n;) {
		size_t len = skbt_utf8_seq(s + i, n - i);

		if (!len) {
			fprintf(f, "\\\\x%02x", s[i]);
			len = 1;
		} else if (s[i] == '"' || s[i] == '\\') {
			fprintf(f, "\\%c", s[i]);
		} else if (s[i] < 0x20) {
			fprintf(f, "\\u%04x", s[i]);
		} else {
			fwrite(s + i, 1, len, f);
		}
		i += len;
	}
}

int skbt_out_json_doc(FILE *f, const char *json)
{
	const unsigned char *s = (const unsigned char *)json;
	size_t n = strlen(json);

	/* json-c escapes quotes and C0 itself; bytes >= 0x80 occur only inside strings */
	for (size_t i = 0; i < n;) {
		size_t len = skbt_utf8_seq(s + i, n - i);

		if (!len) {
			fprintf(f, "\\\\x%02x", s[i]);
			len = 1;
		} else {
			fwrite(s + i, 1, len, f);
		}
		i += len;
	}
	return ferror(f) ? -1 : 0;
}

void skbt_out_html_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = str ? strlen(str) : 0;

	for (size_t i = 0; i < n;) {
		size_t len = skbt_utf8_seq(s + i, n - i);

		switch (len ? s[i] : 0) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			len = len ? len : 1;
			if (!skbt_utf8_seq(s + i, n - i) || is_control(s + i, len))
				hex_bytes(f, s + i, len);
			else
				fwrite(s + i, 1, len, f);
		}
		i += len;
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

void skbt_out_csv_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n = strlen((const char *)s);
	/* a spreadsheet runs a cell starting with these as a formula (docs/outputs.md) */
	bool formula = n && strchr("=+-@\t\r", s[0]);
	bool quote = formula || strpbrk((const char *)s, ",\"");

	if (quote)
		fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (size_t i = 0; i < n;) {
		size_t len = skbt_utf8_seq(s + i, n - i);

		if (!len || is_control(s + i, len)) {
			len = len ? len : 1;
			hex_bytes(f, s + i, len);
		} else {
			if (s[i] == '"')
				fputc('"', f);
			fwrite(s + i, 1, len, f);
		}
		i += len;
	}
	if (quote)
		fputc('"', f);
}

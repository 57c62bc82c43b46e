// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-view's output: standard output through one 64 KiB buffer, and JSON
 * strings. A write error is remembered (out->failed) for the caller to report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

void out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, stdout) != o->len)
		o->failed = true;
	o->len = 0;
}

void out_write(struct out *o, const char *s, size_t len)
{
	while (len) {
		size_t n = sizeof(o->buf) - o->len;

		if (!n) {
			out_flush(o);
			continue;
		}
		n = n < len ? n : len;
		memcpy(o->buf + o->len, s, n);
		o->len += n;
		s += n;
		len -= n;
	}
}

void out_printf(struct out *o, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		out_write(o, tmp, n);
		return;
	}
	{
		char *big = malloc(n + 1);

		if (!big) {
			o->failed = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, n + 1, fmt, ap);
		va_end(ap);
		out_write(o, big, n);
		free(big);
	}
}

/* A JSON string, quotes included: the runs that need no escape copied whole. */
void out_json_str(struct out *o, const char *s, size_t len)
{
	const char *end = s + len;
	char esc[8];

	out_write(o, "\"", 1);
	while (s < end) {
		const char *run = s;
		unsigned char c;

		while (run < end && (c = *run) >= 0x20 && c != 0x7f && c != '"' && c != '\\')
			run++;
		out_write(o, s, run - s);
		if (run == end)
			break;
		c = *run;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = c;
			out_write(o, esc, 2);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			out_write(o, esc, 6);
		}
		s = run + 1;
	}
	out_write(o, "\"", 1);
}

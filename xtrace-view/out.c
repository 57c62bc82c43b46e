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

/* a byte a JSON string holds as it is */
static inline bool json_plain(unsigned char c)
{
	return c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
}

/* the most bytes a JSON string of @len bytes takes: quotes, and \u00XX for each byte */
#define JSON_STR_MAX(len)	(2 + 6 * (size_t)(len))

/* @len bytes of @s as a JSON string, quotes included, at @p (room for JSON_STR_MAX(@len)) */
static char *put_json_str(char *p, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const char *end = s + len;

	*p++ = '"';
	for (; s < end; s++) {
		unsigned char c = *s;

		if (json_plain(c)) {
			*p++ = c;
			continue;
		}
		*p++ = '\\';
		if (c == '"' || c == '\\') {
			*p++ = c;
		} else {
			p = mempcpy(p, "u00", 3);
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p++ = '"';
	return p;
}

/* A JSON string, quotes included: escaped into the buffer, or in runs when it cannot hold it. */
void out_json_str(struct out *o, const char *s, size_t len)
{
	const char *end = s + len;

	if (JSON_STR_MAX(len) <= sizeof(o->buf)) {
		char *p = out_room(o, o->buf + o->len, JSON_STR_MAX(len));

		o->len = put_json_str(p, s, len) - o->buf;
		return;
	}
	out_write(o, "\"", 1);
	while (s < end) {
		const char *run = s;
		char esc[8];

		while (run < end && json_plain(*run))
			run++;
		out_write(o, s, run - s);
		if (run == end)
			break;
		/* the one byte's escape, without the quotes around it */
		out_write(o, esc + 1, put_json_str(esc, run, 1) - esc - 2);
		s = run + 1;
	}
	out_write(o, "\"", 1);
}

// SPDX-License-Identifier: LGPL-2.1
/* The string builder (sbuf.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

/* Room for @n more bytes and the NUL: 0, or -ENOMEM (remembered). */
static int room(struct sbuf *sb, size_t n)
{
	size_t cap;
	char *b;

	if (sb->err)
		return sb->err;
	if (sb->len + n + 1 <= sb->cap)
		return 0;
	cap = (sb->len + n + 1) * 2;
	b = realloc(sb->buf, cap);
	if (!b)
		return sb->err = -ENOMEM;
	sb->buf = b;
	sb->cap = cap;
	return 0;
}

void sb_put(struct sbuf *sb, const void *s, size_t n)
{
	if (room(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct sbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

void sb_vprintf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (sb->err)
		return;
	va_copy(aq, ap);
	n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, sb->buf ? sb->cap - sb->len : 0,
		      fmt, aq);
	va_end(aq);
	if (n < 0) {
		sb->err = -ENOMEM;
		return;
	}
	if (sb->buf && sb->len + n < sb->cap) {
		sb->len += n;
		return;
	}
	if (room(sb, n))
		return;
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	sb->len += n;
}

void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

char *sb_steal(struct sbuf *sb)
{
	char *s = sb->err ? NULL : sb->buf ? sb->buf : strdup("");

	if (sb->err)
		free(sb->buf);
	if (!s)
		errno = ENOMEM;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->err = 0;
	return s;
}

void sb_release(struct sbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->err = 0;
}

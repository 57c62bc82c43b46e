/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * The tree's one string builder (libxtrace and libkvmrt both use it): appends
 * grow the buffer; the first allocation failure is remembered, later appends do
 * nothing, and sb_steal() reports it. An sbuf is zero-initialised ({ 0 }); buf
 * is always NUL-terminated once something was appended.
 */
#ifndef _XTRACE_SBUF_H
#define _XTRACE_SBUF_H

#include <stdarg.h>
#include <stddef.h>

#define SB_HIDDEN __attribute__((visibility("hidden")))

struct sbuf {
	char *buf;
	size_t len, cap;
	int err;		/* 0, or -ENOMEM once an append failed */
};

SB_HIDDEN void sb_put(struct sbuf *sb, const void *s, size_t n);
SB_HIDDEN void sb_puts(struct sbuf *sb, const char *s);
SB_HIDDEN void sb_vprintf(struct sbuf *sb, const char *fmt, va_list ap);
SB_HIDDEN void sb_printf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* the string, the caller's to free ("" if nothing was appended); NULL with errno ENOMEM if an
 * append failed. @sb is empty again afterwards. */
SB_HIDDEN char *sb_steal(struct sbuf *sb);
SB_HIDDEN void sb_release(struct sbuf *sb);

#endif

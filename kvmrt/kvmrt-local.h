/* SPDX-License-Identifier: LGPL-2.1 */
/* libkvmrt internals: a growing string buffer and small helpers. */
#ifndef _KVMRT_LOCAL_H
#define _KVMRT_LOCAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct kvmrt_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

void buf_printf(struct kvmrt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_puts(struct kvmrt_buf *b, const char *s);
/* the string (caller frees), or NULL with errno ENOMEM if any append failed */
char *buf_steal(struct kvmrt_buf *b);
void buf_release(struct kvmrt_buf *b);

/* strdup that accepts NULL */
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* @s without leading and trailing blanks, in place */
char *strtrim(char *s);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

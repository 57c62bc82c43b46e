/* SPDX-License-Identifier: LGPL-2.1 */
/* libkvmrt internals: small helpers (the string builder is common/sbuf.h). */
#ifndef _KVMRT_LOCAL_H
#define _KVMRT_LOCAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "kvmrt.h"
#include "sbuf.h"

/* strdup that accepts NULL */
char *kvmrt_strdup(const char *s);
char *kvmrt_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* @s without leading and trailing blanks, in place */
char *kvmrt_trim(char *s);

/* a VM in messages: its name, else its UUID */
const char *kvmrt_vm_label(const struct kvmrt_vm *vm);
/* the line of attribute @a of @vm in its file, that of its section when @a is not set */
int kvmrt_vm_line(const struct kvmrt_vm *vm, enum kvmrt_attr_id a);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* grow array @p to @n elements: 0, or -ENOMEM with @p untouched */
#define TOOL_GROW_LOCAL(p, n) ({					\
	__typeof__(p) grown_ = reallocarray((p), (n), sizeof(*(p)));	\
	grown_ ? ((p) = grown_, 0) : -ENOMEM;				\
})

#endif

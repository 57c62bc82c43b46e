/* SPDX-License-Identifier: GPL-2.0 */
/* xtrace-view: formatting events in the xtrace style (DESIGN.md §5). */
#ifndef _XTRACE_VIEW_NAMES_H
#define _XTRACE_VIEW_NAMES_H

#include <stddef.h>
#include "xtrace.h"

struct namer;

/** namer_new - per-recording decoding state for @rec (event kinds, field offsets) */
struct namer *namer_new(struct xtrace_rec *rec);
void namer_free(struct namer *n);

/**
 * namer_format - write "EVENT [key]" for @ev into @buf (NUL-terminated)
 * Returns the length written; the text is cut at @len - 1.
 */
size_t namer_format(struct namer *n, const struct xtrace_event *ev, char *buf, size_t len);

/** namer_fields - every field as the kernel's format describes it ("comm-pid sys:event a=1 b=2") */
size_t namer_fields(struct namer *n, const struct xtrace_event *ev, char *buf, size_t len);

#endif

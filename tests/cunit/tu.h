/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * What both CUnit binaries (xtrace-unit, kvmrt-unit) share: the runner and the
 * helpers for temporary files. A binary's main() is one call to tu_main().
 */
#ifndef _XTRACE_TU_H
#define _XTRACE_TU_H

#include <stddef.h>

/* registers a suite and its tests: 0, or nonzero if CUnit could not */
typedef int (*tu_suite_fn)(void);

/*
 * Register @nr suites and run every test verbosely. Returns the exit status: 0 if every
 * test passed, 1 if an assertion or a suite's set-up failed, 2 if CUnit itself failed.
 */
int tu_main(const char *prog, const tu_suite_fn *suites, size_t nr);

/* A new, empty directory under /tmp (free the name), or NULL. */
char *tu_mkdtemp(void);
/* Remove a tree made by a test: 0 or -errno; only ever under /tmp (-EINVAL elsewhere). */
int tu_rm_rf(const char *path);
/* Write @len bytes to @dir/@name (subdirectories must exist): 0 or -errno. */
int tu_write_file(const char *dir, const char *name, const void *buf, size_t len);

#endif

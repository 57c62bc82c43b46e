/* SPDX-License-Identifier: GPL-2.0 */
/* What every kvmrt program does the same way: messages, common options, exit. */
#ifndef _KVMRT_TOOL_H
#define _KVMRT_TOOL_H

#include <getopt.h>
#include <stdbool.h>

#include "kvmrt.h"

/* The options every kvmrt-* tool takes; getopt long-option values. */
enum { OPT_SYSFS = 1000, OPT_PROC, OPT_NO_SYNC };

struct kvmrt_common {
	const char *config;	/* -f FILE, $KVMRT_CONFIG, /etc/kvmrt.cfg */
	const char *sysfs;	/* --sysfs DIR, $KVMRT_SYSFS, /sys */
	const char *uri;	/* -c URI, $KVMRT_URI, libvirt's default */
	bool quiet;
};

extern const char *tool_prog;

/** tool_start - name the program and fill the defaults from the environment */
void tool_start(const char *prog, struct kvmrt_common *c);
void tool_usage(const char *const *text);
/** tool_error - "prog: message" on stderr; returns 1 */
int tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** tool_exit - @ret, or 1 if standard output could not be written */
int tool_exit(int ret);
/** tool_bad_usage - "prog: message" and a hint to --help; returns 2 */
int tool_bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** tool_print_diags - the diagnostics of @d to @f, errors only when @errors_only */
void tool_print_diags(const struct kvmrt_diags *d, FILE *f, bool errors_only);

/**
 * tool_load_config - load the configuration; a missing file is an error
 * unless @missing_ok (an empty configuration is returned then). Syntax and
 * value errors are printed to stderr and make it fail unless @errors_ok.
 */
struct kvmrt_config *tool_load_config(const char *path, bool missing_ok, bool errors_ok);
struct kvmrt_topo *tool_load_topo(const char *sysfs);
/** tool_select - the VMs named (by name or UUID) in @names, all when none; NULL on unknown */
struct kvmrt_vm **tool_select(const struct kvmrt_config *cfg, char **names, int nr_names,
			      int *count);

#endif

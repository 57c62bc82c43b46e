/* SPDX-License-Identifier: GPL-2.0 */
/* What every kvmrt program does the same way: messages, common options, exit. */
#ifndef _KVMRT_TOOL_H
#define _KVMRT_TOOL_H

#include <getopt.h>
#include <stdbool.h>

#include "kvmrt.h"
#include "tool.h"	/* common/: tool_usage, tool_error, tool_exit, ... */

/* The options every kvmrt-* tool takes; getopt long-option values. */
enum { OPT_SYSFS = 1000, OPT_PROC, OPT_NO_SYNC };

struct kvmrt_common {
	const char *config;	/* -f FILE, $KVMRT_CONFIG, /etc/kvmrt.cfg */
	const char *sysfs;	/* --sysfs DIR, $KVMRT_SYSFS, /sys */
	const char *uri;	/* -c URI, $KVMRT_URI, libvirt's default */
	bool quiet;
};

/** tool_start - name the program and fill the defaults from the environment */
void tool_start(const char *prog, struct kvmrt_common *c);

/** tool_cpu_filter - the ID-set of -c CPUS; NULL (said on stderr) if invalid or empty */
struct xtrace_idset *tool_cpu_filter(const char *arg);
/**
 * tool_cpu_match - does affinity @mask pass -c @filter (NULL: everything)?
 * With @bound it must lie entirely within it, else share a CPU with it.
 */
bool tool_cpu_match(const struct xtrace_idset *mask, const struct xtrace_idset *filter,
		    bool bound);

/** tool_print_diags - the diagnostics of @d to @f, errors only when @errors_only */
void tool_print_diags(const struct kvmrt_diags *d, FILE *f, bool errors_only);

/**
 * tool_load_config - load the configuration; a missing file is an error
 * unless @missing_ok (an empty configuration is returned then). Syntax and
 * value errors are printed to stderr and make it fail unless @errors_ok.
 */
struct kvmrt_config *tool_load_config(const char *path, bool missing_ok, bool errors_ok);
struct kvmrt_topo *tool_load_topo(const char *sysfs);
/**
 * tool_load_topo_cfg - tool_load_topo(), then what in @cfg (may be NULL)
 * depends on the host interpreted (kvmrt_config_resolve: cpuset prefixes,
 * nr_vcpus = auto); new errors are printed and fatal unless @errors_ok
 */
struct kvmrt_topo *tool_load_topo_cfg(const char *sysfs, struct kvmrt_config *cfg,
				      bool errors_ok);
/** tool_virt_open - kvmrt_virt_open(@uri); NULL when it fails, said on stderr */
struct kvmrt_virt *tool_virt_open(const char *uri);
/** tool_select - the VMs named (by name or UUID) in @names, all when none; NULL on unknown */
struct kvmrt_vm **tool_select(const struct kvmrt_config *cfg, char **names, int nr_names,
			      int *count);

/* kvmrt-boot's state files, one shield journal per real-time VM that runs */
#define KVMRT_STATE_DIR "/run/kvmrt"
/** tool_state_dir - $KVMRT_STATE_DIR or /run/kvmrt */
const char *tool_state_dir(void);
/** tool_journal_path - STATE_DIR/UUID.state (free it); NULL when out of memory */
char *tool_journal_path(const char *state_dir, const char *uuid);
/* the journal of what every shield shares, undone with the last one */
#define KVMRT_HOST_JOURNAL "host.state"
/**
 * tool_undo_shield - undo the shield journal @journal (if there is one) of VM
 * @who, saying so on stdout, or what could not be undone on stderr; then, when
 * no other VM's journal is left beside it, the shared KVMRT_HOST_JOURNAL too.
 * 0 or -errno
 */
int tool_undo_shield(const char *who, const char *journal);
/** tool_undo_host - undo STATE_DIR/host.state when no VM journal is left there; 0 or -errno */
int tool_undo_host(const char *state_dir);

#endif

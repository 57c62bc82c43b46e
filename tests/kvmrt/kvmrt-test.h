/* SPDX-License-Identifier: LGPL-2.1 */
/* Helpers the kvmrt unit-test suites share. */
#ifndef _KVMRT_TEST_H
#define _KVMRT_TEST_H

#include <CUnit/CUnit.h>

#include "kvmrt.h"
#include "tu.h"	/* tu_mkdtemp(), tu_rm_rf() */

#ifndef KVMRT_TEST_DIR
#define KVMRT_TEST_DIR "tests/kvmrt"
#endif

int add_idset_suite(void);
int add_config_suite(void);
int add_topology_suite(void);
int add_validate_suite(void);
int add_domxml_suite(void);
int add_virt_suite(void);
int add_hostinfo_suite(void);
int add_hostcheck_suite(void);
int add_shield_suite(void);
int add_guide14_suite(void);

/* Write @text to @dir/@name, making the directories on the way. */
int kt_write(const char *dir, const char *name, const char *text);
/*
 * A fake sysfs tree (kt_make_sysfs) in DIR/sys, for "SOCKETS CORES THREADS NODES
 * [adjacent] [offline=CPUS]", e.g. "2 10 2 2"; returns DIR (free it, tu_rm_rf it) or NULL.
 */
char *kt_sysfs(const char *args);
/* The topology of such a tree, made, read and removed. */
struct kvmrt_topo *kt_topo(const char *args);
/*
 * The suites' host: kt_sysfs("2 10 2 2"), CPUs 0-9,20-29 on socket/node 0 and
 * 10-19,30-39 on 1, read into kt_big; its tree kt_big_dir stays (the pcidevs
 * rules read its PCI devices). kt_big_setup/kt_big_teardown are a suite's
 * init and cleanup functions.
 */
extern struct kvmrt_topo *kt_big;
extern char *kt_big_dir;
int kt_big_setup(void);
int kt_big_teardown(void);
/* @s as "0,2,4-7" in one of 8 static buffers (reused in turn); "(none)" for NULL */
const char *kt_fmt(const struct xtrace_idset *s);
/* the first line of @dir/@name in one of 4 static buffers (reused in turn); "(none)" if unreadable */
const char *kt_rd(const char *dir, const char *name);
/* A configuration parsed from @text (named "t.cfg"); asserts it parsed. */
struct kvmrt_config *kt_config(const char *text);
/* Whether @d has a diagnostic of @level about VM @vm, attribute @attr, containing @needle. */
bool kt_has(const struct kvmrt_diags *d, enum kvmrt_level level, const char *vm,
	    const char *attr, const char *needle);
/* Print the diagnostics (to see why an assertion failed). */
void kt_dump(const struct kvmrt_diags *d);

#endif

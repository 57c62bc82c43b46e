// SPDX-License-Identifier: LGPL-2.1
/*
 * kvmrt unit tests: one CUnit suite per libkvmrt module, run with the basic
 * interface. Exits non-zero if any assertion failed.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <CUnit/Basic.h>

#include "kvmrt-test.h"
#include "tu.h"
#include "sysfs-gen.h"

int kt_write(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

char *kt_sysfs(const char *args)
{
	int sockets, cores, threads, nodes, n = 0;
	char *dir = tu_mkdtemp(), root[PATH_MAX], off[128] = "";
	bool adjacent = false;

	if (!dir)
		return NULL;
	if (sscanf(args, "%d %d %d %d %n", &sockets, &cores, &threads, &nodes, &n) < 4)
		goto fail;
	adjacent = strstr(args + n, "adjacent") != NULL;
	if (strstr(args + n, "offline="))
		sscanf(strstr(args + n, "offline=") + 8, "%127s", off);
	snprintf(root, sizeof(root), "%s/sys", dir);
	if (kt_make_sysfs(root, sockets, cores, threads, nodes, adjacent, *off ? off : NULL))
		goto fail;
	return dir;
fail:
	tu_rm_rf(dir);
	free(dir);
	return NULL;
}

struct kvmrt_topo *kt_topo(const char *args)
{
	char *dir = kt_sysfs(args), path[PATH_MAX];
	struct kvmrt_topo *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof(path), "%s/sys", dir);
	t = kvmrt_topo_load(path);
	tu_rm_rf(dir);
	free(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

struct kvmrt_topo *kt_big;
char *kt_big_dir;

int kt_big_setup(void)
{
	char path[PATH_MAX];

	kt_big_dir = kt_sysfs("2 10 2 2");
	if (!kt_big_dir)
		return -1;
	snprintf(path, sizeof(path), "%s/sys", kt_big_dir);
	kt_big = kvmrt_topo_load(path);
	return kt_big ? 0 : -1;
}

int kt_big_teardown(void)
{
	kvmrt_topo_free(kt_big);
	kt_big = NULL;
	if (kt_big_dir)
		tu_rm_rf(kt_big_dir);
	free(kt_big_dir);
	kt_big_dir = NULL;
	return 0;
}

const char *kt_fmt(const struct xtrace_idset *s)
{
	static char buf[8][256];
	static int i;
	char *f = s ? xtrace_idset_format(s) : NULL;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s", f ? f : s ? "(null)" : "(none)");
	free(f);
	return buf[i];
}

const char *kt_rd(const char *dir, const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	if (kvmrt_read_line_at(dir, name, buf[i], sizeof(buf[i])))
		snprintf(buf[i], sizeof(buf[i]), "(none)");
	return buf[i];
}

struct kvmrt_config *kt_config(const char *text)
{
	struct kvmrt_config *cfg = NULL;

	CU_ASSERT_EQUAL_FATAL(kvmrt_config_parse(text, "t.cfg", &cfg), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	return cfg;
}

bool kt_has(const struct kvmrt_diags *d, enum kvmrt_level level, const char *vm,
	    const char *attr, const char *needle)
{
	for (int i = 0; i < d->n; i++) {
		const struct kvmrt_diag *x = &d->v[i];

		if (x->level != level || !x->msg || !strstr(x->msg, needle))
			continue;
		if (vm && (!x->vm || strcmp(x->vm, vm)))
			continue;
		if (attr && (!x->attr || strcmp(x->attr, attr)))
			continue;
		return true;
	}
	return false;
}

void kt_dump(const struct kvmrt_diags *d)
{
	for (int i = 0; i < d->n; i++) {
		char *s = kvmrt_diag_format(&d->v[i]);

		fprintf(stderr, "    | %s\n", s);
		free(s);
	}
}

int main(void)
{
	static const tu_suite_fn suites[] = {
		add_idset_suite,
		add_config_suite,
		add_topology_suite,
		add_validate_suite,
		add_domxml_suite,
		add_virt_suite,
		add_hostinfo_suite,
		add_hostcheck_suite,
		add_shield_suite,
		add_guide14_suite,
	};

	return tu_main("kvmrt-unit", suites, sizeof(suites) / sizeof(suites[0]));
}

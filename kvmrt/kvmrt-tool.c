// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmrt-tool.h"

void tool_start(const char *prog, struct kvmrt_common *c)
{
	const char *e;

	tool_prog = prog;
	memset(c, 0, sizeof(*c));
	e = getenv("KVMRT_CONFIG");
	c->config = e && *e ? e : KVMRT_DEFAULT_CONFIG;
	e = getenv("KVMRT_SYSFS");
	c->sysfs = e && *e ? e : "/sys";
	e = getenv("KVMRT_URI");
	c->uri = e && *e ? e : NULL;
}

struct xtrace_idset *tool_cpu_filter(const char *arg)
{
	struct xtrace_idset *f = xtrace_idset_new();

	if (!f || xtrace_idset_parse(f, arg, NULL) || xtrace_idset_empty(f)) {
		xtrace_idset_free(f);
		tool_bad_usage("invalid CPU list '%s' (an ID-set such as 0,2,4-7)", arg);
		return NULL;
	}
	return f;
}

bool tool_cpu_match(const struct xtrace_idset *mask, const struct xtrace_idset *filter,
		    bool bound)
{
	if (!filter)
		return true;
	if (bound)
		return !xtrace_idset_empty(mask) && xtrace_idset_subset(mask, filter);
	return xtrace_idset_intersects(mask, filter);
}

/* by line, those about the whole file (line 0) last; stable */
static int cmp_diag(const void *a, const void *b)
{
	const struct kvmrt_diag *x = *(const struct kvmrt_diag *const *)a;
	const struct kvmrt_diag *y = *(const struct kvmrt_diag *const *)b;
	unsigned int lx = x->line ? (unsigned int)x->line : ~0u;
	unsigned int ly = y->line ? (unsigned int)y->line : ~0u;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x < y ? -1 : x > y;
}

void tool_print_diags(const struct kvmrt_diags *d, FILE *f, bool errors_only)
{
	const struct kvmrt_diag **v = calloc(d->n + 1, sizeof(*v));

	for (int i = 0; v && i < d->n; i++)
		v[i] = &d->v[i];
	if (v)
		qsort(v, d->n, sizeof(*v), cmp_diag);
	for (int i = 0; i < d->n; i++) {
		const struct kvmrt_diag *x = v ? v[i] : &d->v[i];
		char *s;

		if (errors_only && x->level != KVMRT_ERROR)
			continue;
		s = kvmrt_diag_format(x);
		fprintf(f, "%s\n", s ? s : "(no memory)");
		free(s);
	}
	free(v);
}

struct kvmrt_config *tool_load_config(const char *path, bool missing_ok, bool errors_ok)
{
	struct kvmrt_config *cfg;
	int ret = kvmrt_config_load(path, &cfg);

	if (ret == -ENOENT && missing_ok) {
		cfg = kvmrt_config_new(path);
		if (!cfg)
			tool_error("out of memory");
		return cfg;
	}
	if (ret) {
		tool_error("cannot read configuration '%s': %s", path, strerror(-ret));
		return NULL;
	}
	if (cfg->diags.errors && !errors_ok) {
		tool_print_diags(&cfg->diags, stderr, true);
		tool_error("'%s' has %d error%s: fix %s first (kvmrt-validate-config lists every problem)",
			   path, cfg->diags.errors, cfg->diags.errors == 1 ? "" : "s",
			   cfg->diags.errors == 1 ? "it" : "them");
		kvmrt_config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct kvmrt_topo *tool_load_topo(const char *sysfs)
{
	struct kvmrt_topo *t = kvmrt_topo_load(sysfs);

	if (!t)
		tool_error("cannot read the CPU topology under '%s': %s", sysfs, strerror(errno));
	return t;
}

struct kvmrt_topo *tool_load_topo_cfg(const char *sysfs, struct kvmrt_config *cfg,
				      bool errors_ok)
{
	struct kvmrt_topo *t = tool_load_topo(sysfs);
	int errors = cfg ? cfg->diags.errors : 0, ret;

	if (!t || !cfg)
		return t;
	ret = kvmrt_config_resolve(cfg, t);
	if (ret < 0) {
		tool_error("out of memory");
	} else if (ret > 0 && !errors_ok) {
		tool_print_diags(&cfg->diags, stderr, true);
		tool_error("'%s' has %d error%s on this host: fix %s first (kvmrt-validate-config lists every problem)",
			   cfg->path, cfg->diags.errors - errors, ret == 1 ? "" : "s",
			   ret == 1 ? "it" : "them");
	} else {
		return t;
	}
	kvmrt_topo_free(t);
	return NULL;
}

struct kvmrt_virt *tool_virt_open(const char *uri)
{
	char *err = NULL;
	struct kvmrt_virt *v = kvmrt_virt_open(uri, &err);

	if (!v)
		tool_error("cannot connect to libvirt: %s", err);
	free(err);
	return v;
}

struct kvmrt_vm **tool_select(const struct kvmrt_config *cfg, char **names, int nr_names,
			      int *count)
{
	struct kvmrt_vm **v = calloc(cfg->nr_vms + nr_names + 1, sizeof(*v));
	bool bad = false;

	*count = 0;
	if (!v) {
		tool_error("out of memory");
		return NULL;
	}
	if (!nr_names) {
		for (int i = 0; i < cfg->nr_vms; i++)
			v[(*count)++] = cfg->vms[i];
		return v;
	}
	for (int i = 0; i < nr_names; i++) {
		struct kvmrt_vm *vm = kvmrt_config_find(cfg, names[i]);

		if (!vm) {
			tool_error("no VM '%s' in '%s'", names[i], cfg->path);
			bad = true;
			continue;
		}
		v[(*count)++] = vm;
	}
	if (bad) {
		free(v);
		return NULL;
	}
	return v;
}

const char *tool_state_dir(void)
{
	const char *e = getenv("KVMRT_STATE_DIR");

	return e && *e ? e : KVMRT_STATE_DIR;
}

char *tool_journal_path(const char *state_dir, const char *uuid)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s.state", state_dir, uuid) < 0)
		return NULL;
	return p;
}

/* whether @dir holds a VM's journal (UUID.state) */
static bool vm_journals_left(const char *dir)
{
	struct dirent *de;
	bool left = false;
	DIR *d = opendir(dir);

	while (d && !left && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		left = len > 6 && !strcmp(de->d_name + len - 6, ".state") &&
		       strcmp(de->d_name, KVMRT_HOST_JOURNAL);
	}
	if (d)
		closedir(d);
	return left;
}

int tool_undo_host(const char *state_dir)
{
	char *journal = NULL, *report = NULL;
	int ret;

	if (vm_journals_left(state_dir) ||
	    asprintf(&journal, "%s/" KVMRT_HOST_JOURNAL, state_dir) < 0 || access(journal, F_OK)) {
		free(journal);
		return 0;
	}
	ret = kvmrt_shield_undo(journal, &report);
	if (ret) {
		fputs(report ? report : "", stderr);
		tool_error("cannot undo the shared shield settings '%s' completely: %s (kept for kvmrt-boot --clean)",
			   journal, strerror(-ret));
	} else {
		printf("host: the last shield is gone: housekeeping, workqueues and IRQs as before\n");
	}
	free(report);
	free(journal);
	return ret;
}

int tool_undo_shield(const char *who, const char *journal)
{
	char *report = NULL, *dir;
	int ret;

	if (access(journal, F_OK))
		return 0;
	ret = kvmrt_shield_undo(journal, &report);
	if (ret) {
		fputs(report ? report : "", stderr);
		tool_error("%s: cannot undo the shield '%s' completely: %s (kept for kvmrt-boot --clean)",
			   who, journal, strerror(-ret));
	} else {
		printf("%s: shield removed (CPUs, cpusets, tasks and IRQs as before)\n", who);
	}
	free(report);
	dir = strdup(journal);
	if (!ret && dir && strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		ret = tool_undo_host(dir);
	}
	free(dir);
	return ret;
}

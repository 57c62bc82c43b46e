// SPDX-License-Identifier: LGPL-2.1
/*
 * The host's CPU topology from sysfs: sockets (physical_package_id), cores
 * (the CPUs of one thread_siblings_list), hardware threads and NUMA nodes
 * (devices/system/node/nodeN/cpulist). The root can be a fake tree, so
 * that tests describe machines bigger than the one they run on.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

/* The numbers N of the entries PREFIX<N> of @dir. */
static int list_numbered(const char *dir, const char *prefix, struct xtrace_idset *out)
{
	size_t pl = strlen(prefix);
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *p = de->d_name + pl;
		char *end;
		long n;

		if (strncmp(de->d_name, prefix, pl) || *p < '0' || *p > '9')
			continue;
		n = strtol(p, &end, 10);
		if (*end || n > XTRACE_MAX_ID)
			continue;
		if (xtrace_idset_add(out, n)) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	return 0;
}

static int read_int_at(const char *dir, const char *name, int dflt)
{
	char buf[64];
	long v;

	if (kvmrt_read_line_at(dir, name, buf, sizeof(buf)) ||
	    kvmrt_parse_int(buf, -1, INT_MAX, &v))
		return dflt;
	return v;
}

static int read_idset_at(const char *dir, const char *name, struct xtrace_idset *s)
{
	char buf[4096];
	int ret = kvmrt_read_line_at(dir, name, buf, sizeof(buf));

	return ret ? ret : xtrace_idset_parse(s, buf, NULL);
}

void kvmrt_topo_free(struct kvmrt_topo *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nr_cores; i++)
		xtrace_idset_free(t->cores[i].cpus);
	free(t->cores);
	for (int i = 0; i < t->nr_node_ids; i++)
		xtrace_idset_free(t->node_cpus[i]);
	free(t->node_cpus);
	free(t->cpu);
	xtrace_idset_free(t->cpus);
	xtrace_idset_free(t->nodes);
	xtrace_idset_free(t->sockets);
	free(t->root);
	free(t);
}

static int add_core(struct kvmrt_topo *t, struct xtrace_idset *cpus, int socket, int core_id)
{
	struct kvmrt_core *v = realloc(t->cores, (t->nr_cores + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	t->cores = v;
	v[t->nr_cores].cpus = cpus;
	v[t->nr_cores].socket = socket;
	v[t->nr_cores].core_id = core_id;
	v[t->nr_cores].node = 0;
	xtrace_idset_for_each(c, cpus)
		if (c < t->nr_cpu_ids && xtrace_idset_has(t->cpus, c))
			t->cpu[c].core = t->nr_cores;
	t->nr_cores++;
	return 0;
}

struct kvmrt_topo *kvmrt_topo_load(const char *sysfs)
{
	struct kvmrt_topo *t = calloc(1, sizeof(*t));
	char dir[PATH_MAX / 2], cdir[PATH_MAX];
	struct xtrace_idset *seen = NULL;
	int ret = -ENOMEM, last;

	if (!t)
		return NULL;
	t->root = strdup(sysfs ? sysfs : "/sys");
	t->cpus = xtrace_idset_new();
	t->nodes = xtrace_idset_new();
	t->sockets = xtrace_idset_new();
	seen = xtrace_idset_new();
	if (!t->root || !t->cpus || !t->nodes || !t->sockets || !seen)
		goto fail;

	snprintf(dir, sizeof(dir), "%s/devices/system/cpu", t->root);
	ret = list_numbered(dir, "cpu", t->cpus);
	if (ret)
		goto fail;
	last = -1;
	xtrace_idset_for_each(c, t->cpus)
		last = c;
	if (last < 0) {
		ret = -ENOENT;
		goto fail;
	}
	t->nr_cpu_ids = last + 1;
	t->cpu = calloc(t->nr_cpu_ids, sizeof(*t->cpu));
	if (!t->cpu) {
		ret = -ENOMEM;
		goto fail;
	}
	for (int c = 0; c < t->nr_cpu_ids; c++) {
		t->cpu[c].id = c;
		t->cpu[c].socket = t->cpu[c].core_id = t->cpu[c].core = -1;
	}

	/* every CPU, then its core: the CPUs of its thread_siblings_list */
	xtrace_idset_for_each(c, t->cpus) {
		struct kvmrt_cpu *cpu = &t->cpu[c];
		struct xtrace_idset *sib;

		snprintf(cdir, sizeof(cdir), "%s/cpu%d", dir, c);
		cpu->online = read_int_at(cdir, "online", 1) != 0;
		cpu->socket = read_int_at(cdir, "topology/physical_package_id", -1);
		cpu->core_id = read_int_at(cdir, "topology/core_id", -1);
		if (cpu->socket >= 0 && xtrace_idset_add(t->sockets, cpu->socket)) {
			ret = -ENOMEM;
			goto fail;
		}
		if (xtrace_idset_has(seen, c))
			continue;
		sib = xtrace_idset_new();
		if (!sib) {
			ret = -ENOMEM;
			goto fail;
		}
		if (read_idset_at(cdir, "topology/thread_siblings_list", sib) ||
		    !xtrace_idset_has(sib, c)) {
			xtrace_idset_clear(sib);
			xtrace_idset_add(sib, c);
		}
		xtrace_idset_andnot(sib, seen);
		xtrace_idset_and(sib, t->cpus);
		if (xtrace_idset_or(seen, sib) || add_core(t, sib, cpu->socket, cpu->core_id)) {
			xtrace_idset_free(sib);
			ret = -ENOMEM;
			goto fail;
		}
	}

	/* NUMA nodes; a kernel without NUMA has every CPU in node 0 */
	snprintf(dir, sizeof(dir), "%s/devices/system/node", t->root);
	if (list_numbered(dir, "node", t->nodes) || xtrace_idset_empty(t->nodes)) {
		xtrace_idset_clear(t->nodes);
		xtrace_idset_add(t->nodes, 0);
	}
	last = 0;
	xtrace_idset_for_each(n, t->nodes)
		last = n;
	t->nr_node_ids = last + 1;
	t->node_cpus = calloc(t->nr_node_ids, sizeof(*t->node_cpus));
	if (!t->node_cpus) {
		ret = -ENOMEM;
		goto fail;
	}
	xtrace_idset_for_each(n, t->nodes) {
		t->node_cpus[n] = xtrace_idset_new();
		if (!t->node_cpus[n]) {
			ret = -ENOMEM;
			goto fail;
		}
		snprintf(cdir, sizeof(cdir), "%s/node%d", dir, n);
		if (read_idset_at(cdir, "cpulist", t->node_cpus[n]) &&
		    xtrace_idset_or(t->node_cpus[n], t->cpus)) {
			ret = -ENOMEM;
			goto fail;
		}
		xtrace_idset_and(t->node_cpus[n], t->cpus);
		xtrace_idset_for_each(c, t->node_cpus[n])
			t->cpu[c].node = n;
	}
	for (int i = 0; i < t->nr_cores; i++)
		t->cores[i].node = t->cpu[xtrace_idset_next(t->cores[i].cpus, 0)].node;
	xtrace_idset_free(seen);
	return t;
fail:
	xtrace_idset_free(seen);
	kvmrt_topo_free(t);
	errno = -ret;
	return NULL;
}

int kvmrt_topo_nodes_of(const struct kvmrt_topo *t, const struct xtrace_idset *cpus,
			struct xtrace_idset *nodes)
{
	xtrace_idset_for_each(c, cpus)
		if (c < t->nr_cpu_ids && xtrace_idset_has(t->cpus, c) &&
		    xtrace_idset_add(nodes, t->cpu[c].node))
			return -ENOMEM;
	return 0;
}

int kvmrt_topo_siblings_of(const struct kvmrt_topo *t, const struct xtrace_idset *cpus,
			   struct xtrace_idset *out)
{
	xtrace_idset_for_each(c, cpus) {
		if (c >= t->nr_cpu_ids || t->cpu[c].core < 0)
			continue;
		if (xtrace_idset_or(out, t->cores[t->cpu[c].core].cpus))
			return -ENOMEM;
	}
	return 0;
}

int kvmrt_topo_first_cpu_of_socket(const struct kvmrt_topo *t, int socket)
{
	xtrace_idset_for_each(c, t->cpus)
		if (t->cpu[c].socket == socket)
			return c;
	return -1;
}

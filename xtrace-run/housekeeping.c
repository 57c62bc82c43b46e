// SPDX-License-Identifier: GPL-2.0
/*
 * The recorder's threads stay off CPUs a kvmrt shield gives to real-time VMs:
 * a recorder waking up on a shielded CPU is the very latency the user is
 * hunting. The shield is read from the kernel, not from kvmrt: its cgroup v1
 * cpuset kvmrt-housekeeping (the CPUs left to the host), or with cgroup v2 the
 * partitions kvmrt-* taken out of the online CPUs (docs/kvmrt.md).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtrace.h"
#include "tool.h"
#include "run.h"

/* the first line of @dir/@name in @buf; 0 or -errno */
static int read_line(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int housekeeping_cpus(const char *sysfs, struct xtrace_idset *hk)
{
	char dir[PATH_MAX / 2], sub[PATH_MAX], v[4096];
	struct xtrace_idset *shielded = NULL;
	struct dirent *de;
	int ret = 0;
	DIR *d;

	xtrace_idset_clear(hk);
	/* cgroup v1: kvmrt-boot's housekeeping cpuset */
	snprintf(dir, sizeof(dir), "%s/fs/cgroup/cpuset/kvmrt-housekeeping", sysfs);
	if (!read_line(dir, "cpuset.cpus", v, sizeof(v)))
		return xtrace_idset_parse(hk, v, NULL) ? -EBADMSG : !xtrace_idset_empty(hk);
	/* cgroup v2: the partitions kvmrt-UUID in force */
	snprintf(dir, sizeof(dir), "%s/fs/cgroup", sysfs);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		struct xtrace_idset *cpus;

		if (strncmp(de->d_name, "kvmrt-", 6))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (read_line(sub, "cpuset.cpus.partition", v, sizeof(v)) ||
		    strstr(v, "invalid") || !strcmp(v, "member") ||
		    read_line(sub, "cpuset.cpus", v, sizeof(v)))
			continue;
		cpus = xtrace_idset_new();
		if (!shielded)
			shielded = xtrace_idset_new();
		if (!cpus || !shielded || xtrace_idset_parse(cpus, v, NULL) ||
		    xtrace_idset_or(shielded, cpus))
			ret = -ENOMEM;
		xtrace_idset_free(cpus);
	}
	closedir(d);
	snprintf(dir, sizeof(dir), "%s/devices/system/cpu", sysfs);
	if (!ret && shielded && !read_line(dir, "online", v, sizeof(v))) {
		ret = xtrace_idset_parse(hk, v, NULL) ? -EBADMSG : 0;
		xtrace_idset_andnot(hk, shielded);
		ret = ret ? ret : !xtrace_idset_empty(hk);
	}
	xtrace_idset_free(shielded);
	return ret;
}

static cpu_set_t *saved;	/* the affinity xtrace-run started with, for the command */
static size_t saved_size;

int housekeeping_enter(int verbose)
{
	const char *sysfs = getenv("XTRACE_SYSFS");
	struct xtrace_idset *hk = xtrace_idset_new();
	int ret, n = CPU_SETSIZE;
	cpu_set_t *set;
	size_t size;
	char *s;

	if (!hk)
		return -ENOMEM;
	ret = housekeeping_cpus(sysfs && *sysfs ? sysfs : "/sys", hk);
	if (ret <= 0) {
		xtrace_idset_free(hk);
		return ret;
	}
	/* at least CPU_SETSIZE: sched_getaffinity() needs room for every possible CPU */
	xtrace_idset_for_each(cpu, hk)
		if (cpu >= n)
			n = cpu + 1;
	size = CPU_ALLOC_SIZE(n);
	set = CPU_ALLOC(n);
	saved = CPU_ALLOC(n);
	saved_size = size;
	if (!set || !saved || sched_getaffinity(0, size, saved)) {
		ret = set && saved ? -errno : -ENOMEM;
		CPU_FREE(saved);
		saved = NULL;
		goto out;
	}
	CPU_ZERO_S(size, set);
	xtrace_idset_for_each(cpu, hk)
		CPU_SET_S(cpu, size, set);
	ret = sched_setaffinity(0, size, set) ? -errno : 1;
	s = xtrace_idset_format(hk);
	if (ret == 1 && verbose >= 0)
		tool_msg("kvmrt shield in place: the recorder keeps to the housekeeping CPUs %s (--any-cpu lets it run anywhere)",
			 s ? s : "?");
	free(s);
out:
	CPU_FREE(set);
	xtrace_idset_free(hk);
	return ret;
}

void housekeeping_leave(void)
{
	if (saved)
		sched_setaffinity(0, saved_size, saved);
}

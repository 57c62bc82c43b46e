// SPDX-License-Identifier: GPL-2.0
/*
 * Which host CPUs a guest's flush covers: from the VM's QEMU threads in /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs-host.h"

int gs_stat_cpu(const char *stat)
{
	/* the command is in parentheses and may hold anything: count from its last ')' */
	const char *p = strrchr(stat, ')');
	int field = 2;
	long v;
	char *end;

	if (!p)
		return -EBADMSG;
	p++;
	while (*p && field < 39) {
		while (*p == ' ')
			p++;
		field++;
		if (field == 39)
			break;
		p += strcspn(p, " ");
	}
	if (field != 39 || !*p)
		return -EBADMSG;
	v = strtol(p, &end, 10);
	if (end == p || v < 0 || v >= XTRACE_MAX_CPUS)
		return -EBADMSG;
	return v;
}

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* the union of the CPUs the threads of @qemu may run on */
static int allowed_cpus(const char *proc, pid_t qemu, struct xtrace_cpuset *cpus)
{
	char path[512], buf[8192];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%d/task", proc, (int)qemu);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct xtrace_cpuset one;
		char *l;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%d/task/%s/status", proc, (int)qemu, de->d_name);
		if (read_small(path, buf, sizeof(buf)))
			continue;
		l = strstr(buf, "\nCpus_allowed_list:");
		if (!l)
			continue;
		l += strlen("\nCpus_allowed_list:");
		l[strcspn(l, "\n")] = '\0';
		if (xtrace_cpuset_parse(l, &one))
			continue;
		for (size_t i = 0; i < sizeof(one.bits) / sizeof(one.bits[0]); i++)
			cpus->bits[i] |= one.bits[i];
		n++;
	}
	closedir(d);
	return n ? 0 : -ESRCH;
}

/* the CPU the thread of vCPU @vcpu ran on last, or -ESRCH */
static int vcpu_cpu(const char *proc, pid_t qemu, int vcpu)
{
	char path[512], buf[4096], want[2][32];
	struct dirent *de;
	int ret = -ESRCH;
	DIR *d;

	snprintf(want[0], sizeof(want[0]), "CPU %d/KVM\n", vcpu);
	snprintf(want[1], sizeof(want[1]), "CPU %d/TCG\n", vcpu);
	snprintf(path, sizeof(path), "%s/%d/task", proc, (int)qemu);
	d = opendir(path);
	if (!d)
		return -errno;
	while (ret < 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%d/task/%s/comm", proc, (int)qemu, de->d_name);
		if (read_small(path, buf, sizeof(buf)) ||
		    (strcmp(buf, want[0]) && strcmp(buf, want[1])))
			continue;
		snprintf(path, sizeof(path), "%s/%d/task/%s/stat", proc, (int)qemu, de->d_name);
		if (!read_small(path, buf, sizeof(buf)))
			ret = gs_stat_cpu(buf);
	}
	closedir(d);
	return ret;
}

int gs_scope_cpus(const char *proc, pid_t qemu, int scope, int vcpu, struct xtrace_cpuset *cpus,
		  bool *all, char *note, size_t nlen)
{
	int ret;

	memset(cpus, 0, sizeof(*cpus));
	*all = false;
	snprintf(note, nlen, "%s", "");
	if (scope < 0 || scope > 2)
		return -EINVAL;
	if (scope == 2 || qemu <= 0) {
		if (scope != 2)
			snprintf(note, nlen, "the VM's process is unknown: all CPUs");
		*all = true;
		return 0;
	}
	if (scope == 0) {
		ret = vcpu_cpu(proc, qemu, vcpu);
		if (ret >= 0) {
			xtrace_cpuset_add(cpus, ret);
			return 0;
		}
		snprintf(note, nlen, "no thread named 'CPU %d/KVM': the VM's CPUs", vcpu);
	}
	ret = allowed_cpus(proc, qemu, cpus);
	if (ret) {
		snprintf(note, nlen, "the VM's threads are not readable: all CPUs");
		*all = true;
	}
	return 0;
}

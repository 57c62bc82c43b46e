// SPDX-License-Identifier: LGPL-2.1
/*
 * A fake sysfs tree describing a machine, for the kvmrt tools' --sysfs:
 * devices/system/cpu/cpuN/{online,topology/{physical_package_id,core_id,
 * thread_siblings_list}} and devices/system/node/nodeN/cpulist; a machine
 * of two sockets or more also has PCI devices in IOMMU groups.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs-gen.h"

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

__attribute__((format(printf, 3, 4)))
static int put(const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	return fclose(f) ? -errno : 0;
}

/* "1,3-5" -> flags in @set (size @n) */
static void parse_list(const char *s, bool *set, int n)
{
	while (s && *s) {
		char *end;
		long lo = strtol(s, &end, 10), hi = lo;

		if (end == s)
			return;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (long i = lo; i <= hi && i < n; i++)
			if (i >= 0)
				set[i] = true;
		s = *end == ',' ? end + 1 : NULL;
	}
}

/* the CPUs flagged in @set as "0-3,8" */
static void format_list(const bool *set, int n, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		int j = i;

		if (!set[i])
			continue;
		while (j + 1 < n && set[j + 1])
			j++;
		o += snprintf(out + o, len - o, "%s%d", o ? "," : "", i);
		if (j > i)
			o += snprintf(out + o, len - o, "-%d", j);
		i = j;
	}
}

/*
 * The PCI devices of a big machine (two sockets or more), with their IOMMU
 * groups: a NIC alone in group 12 (NUMA node unknown), an NVMe drive alone in
 * group 20, a two-port NIC in group 21 with the bridge above it, and a GPU and
 * its audio function each alone (groups 30 and 31: ACS separates them).
 */
static int make_pci(const char *root, int nodes)
{
	static const struct {
		const char *addr, *msi;
		unsigned int class;
		int group, node, irq;
	} dev[] = {
		{ "0000:03:00.0", "", 0x020000, 12, -1, 16 },
		{ "0000:20:01.1", "", 0x060400, 21, 1, 0 },
		{ "0000:21:00.0", "60,61", 0x010802, 20, 1, 0 },
		{ "0000:22:00.0", "70", 0x020000, 21, 1, 0 },
		{ "0000:22:00.1", "71", 0x020000, 21, 1, 0 },
		{ "0000:81:00.0", "", 0x030000, 30, 1, 0 },
		{ "0000:81:00.1", "", 0x040300, 31, 1, 0 },
	};
	char dir[PATH_MAX], link[PATH_MAX + 32], target[PATH_MAX];
	int ret = 0;

	for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]) && !ret; i++) {
		int node = dev[i].node < nodes ? dev[i].node : nodes - 1;
		const char *m = dev[i].msi;

		snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s/msi_irqs", root, dev[i].addr);
		ret = mkdirs(dir);
		while (!ret && *m) {
			char name[16];

			snprintf(name, sizeof(name), "%d", atoi(m));
			ret = put(dir, name, "msix\n");
			m += strcspn(m, ",");
			m += *m == ',';
		}
		snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", root, dev[i].addr);
		ret = ret ? ret : put(dir, "class", "0x%06x\n", dev[i].class);
		ret = ret ? ret : put(dir, "numa_node", "%d\n", node);
		ret = ret ? ret : put(dir, "irq", "%d\n", dev[i].irq);
		snprintf(link, sizeof(link), "%s/iommu_group", dir);
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", dev[i].group);
		if (!ret && symlink(target, link) && errno != EEXIST)
			ret = -errno;
		snprintf(dir, sizeof(dir), "%s/kernel/iommu_groups/%d/devices", root, dev[i].group);
		ret = ret ? ret : mkdirs(dir);
		snprintf(link, sizeof(link), "%s/%s", dir, dev[i].addr);
		snprintf(target, sizeof(target), "../../../../bus/pci/devices/%s", dev[i].addr);
		if (!ret && symlink(target, link) && errno != EEXIST)
			ret = -errno;
	}
	return ret;
}

int kt_make_sysfs(const char *root, int sockets, int cores, int threads, int nodes,
		  bool adjacent, const char *offline)
{
	int ncores = sockets * cores, ncpus = ncores * threads, ret = 0;
	bool *off = calloc(ncpus + 1, 1), *set = calloc(ncpus + 1, 1);
	char dir[PATH_MAX], list[8192];

	if (!off || !set || sockets < 1 || cores < 1 || threads < 1 || nodes < 0) {
		ret = -EINVAL;
		goto out;
	}
	parse_list(offline, off, ncpus);
	for (int k = 0; k < ncores && !ret; k++) {
		memset(set, 0, ncpus);
		for (int t = 0; t < threads; t++) {
			int cpu = adjacent ? k * threads + t : t * ncores + k;

			set[cpu] = !off[cpu];
		}
		format_list(set, ncpus, list, sizeof(list));
		for (int t = 0; t < threads && !ret; t++) {
			int cpu = adjacent ? k * threads + t : t * ncores + k;

			snprintf(dir, sizeof(dir), "%s/devices/system/cpu/cpu%d", root, cpu);
			ret = mkdirs(dir);
			if (ret)
				break;
			if (off[cpu]) {
				ret = put(dir, "online", "0\n");
				continue;
			}
			if (cpu)
				ret = put(dir, "online", "1\n");
			snprintf(dir, sizeof(dir), "%s/devices/system/cpu/cpu%d/topology", root, cpu);
			ret = ret ? ret : mkdirs(dir);
			ret = ret ? ret : put(dir, "physical_package_id", "%d\n", k / cores);
			ret = ret ? ret : put(dir, "core_id", "%d\n", k % cores);
			ret = ret ? ret : put(dir, "thread_siblings_list", "%s\n", list);
		}
	}
	snprintf(dir, sizeof(dir), "%s/devices/system/cpu", root);
	if (!ret)
		ret = put(dir, "present", "0-%d\n", ncpus - 1);
	for (int node = 0; node < nodes && !ret; node++) {
		memset(set, 0, ncpus);
		for (int k = 0; k < ncores; k++)
			if (k * nodes / ncores == node)
				for (int t = 0; t < threads; t++)
					set[adjacent ? k * threads + t : t * ncores + k] = true;
		format_list(set, ncpus, list, sizeof(list));
		snprintf(dir, sizeof(dir), "%s/devices/system/node/node%d", root, node);
		ret = mkdirs(dir);
		ret = ret ? ret : put(dir, "cpulist", "%s\n", list);
	}
	if (!ret && sockets > 1)
		ret = make_pci(root, nodes);
out:
	free(off);
	free(set);
	return ret;
}

/* @root/@rel with @text, making the directories on the way */
static int putp(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (mkdirs(path))
		return -errno;
	*slash = '/';
	return put(root, rel, "%s", text);
}

int kt_make_host(const char *dir, int ncpus, bool good)
{
	static const char *const good_files[] = {
		"sys/kernel/realtime", "1\n",
		"proc/sys/kernel/version", "#1 SMP PREEMPT_RT Thu Jan 1 00:00:00 UTC 2026\n",
		"proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 isolcpus=managed_irq,domain,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1 intel_iommu=on iommu=pt -- isolcpus=9\n",
		"sys/kernel/iommu_groups/0/type", "identity\n",
		"sys/kernel/iommu_groups/1/type", "identity\n",
		"sys/bus/pci/devices/0000:03:00.0/iommu_group/type", "identity\n",
		"sys/module/vfio_pci/refcnt", "0\n",
		"sys/module/kvm/refcnt", "1\n",
		"sys/module/kvm_intel/refcnt", "0\n",
		"dev/kvm", "",
		"sys/devices/system/cpu/smt/control", "off\n",
		"sys/devices/system/cpu/smt/active", "0\n",
		"sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n",
		"proc/sys/kernel/sched_rt_runtime_us", "-1\n",
		"proc/sys/kernel/sched_rt_period_us", "1000000\n",
		"proc/sys/kernel/timer_migration", "0\n",
		"sys/fs/cgroup/cpu/cpu.shares", "1024\n",
		"sys/fs/cgroup/cpuset/cpuset.cpus", "0-3\n",
		"proc/self/limits", "Max locked memory         unlimited            unlimited            bytes\n",
		"proc/500/comm", "chronyd\n",
		"proc/501/comm", "libvirtd\n",
		"proc/501/status", "Name:\tlibvirtd\nUid:\t0\t0\t0\t0\n",
		"proc/501/limits", "Max locked memory         65536            65536            bytes\n",
		NULL,
	};
	static const char *const bad_files[] = {
		"proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Thu Jan 1 00:00:00 UTC 2026\n",
		"proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet isolcpus=1 rcu_nocbs=x-y\n",
		"sys/module/kvm/refcnt", "0\n",
		"sys/devices/system/cpu/smt/control", "on\n",
		"sys/devices/system/cpu/smt/active", "1\n",
		"sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n",
		"proc/sys/kernel/sched_rt_runtime_us", "950000\n",
		"proc/sys/kernel/sched_rt_period_us", "1000000\n",
		"proc/sys/kernel/timer_migration", "1\n",
		"sys/fs/cgroup/cpu/cpu.rt_runtime_us", "950000\n",
		"sys/fs/cgroup/cpu/machine.slice/cpu.rt_runtime_us", "0\n",
		"sys/fs/cgroup/unified/cgroup.controllers", "memory pids\n",
		"proc/self/limits", "Max locked memory         8388608              8388608              bytes\n",
		"proc/300/comm", "irqbalance\n",
		"proc/301/comm", "libvirtd\n",
		"proc/301/status", "Name:\tlibvirtd\nUid:\t65534\t65534\t65534\t65534\n",
		"proc/301/limits", "Max locked memory         65536            65536            bytes\n",
		NULL,
	};
	const char *const *f = good ? good_files : bad_files;
	char rel[256];
	int ret = 0;

	for (int i = 0; f[i] && !ret; i += 2)
		ret = putp(dir, f[i], f[i + 1]);
	if (!good) {
		/* the good host has no cpuidle (a VM), this one deep C-states */
		snprintf(rel, sizeof(rel), "%s/dev", dir);
		ret = ret ? ret : mkdirs(rel);
	}
	for (int cpu = 0; cpu < ncpus && !ret; cpu++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", cpu);
		ret = putp(dir, rel, good ? "performance\n" : cpu ? "powersave\n" : "performance\n");
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpuidle/state0/latency", cpu);
		ret = ret ? ret : putp(dir, rel, "0\n");
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpuidle/state1/latency", cpu);
		ret = ret ? ret : putp(dir, rel, "133\n");
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpuidle/state1/name", cpu);
		ret = ret ? ret : putp(dir, rel, "C6\n");
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cpuidle/state1/disable", cpu);
		ret = ret ? ret : putp(dir, rel, good ? "1\n" : "0\n");
	}
	return ret;
}

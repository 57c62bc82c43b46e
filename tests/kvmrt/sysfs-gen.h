/* SPDX-License-Identifier: LGPL-2.1 */
#ifndef _KVMRT_SYSFS_GEN_H
#define _KVMRT_SYSFS_GEN_H

#include <stdbool.h>

/**
 * kt_make_sysfs - write a fake sysfs tree under @root for a machine of
 * @sockets x @cores x @threads, its cores spread evenly over @nodes NUMA
 * nodes (0: no node directory, as a kernel without NUMA). CPUs are numbered
 * the Intel way (thread t of core k is CPU t * sockets * cores + k) or with
 * @adjacent the AMD way (k * threads + t). @offline lists offline CPUs
 * ("20,21" or NULL): they lose their topology directory and leave their
 * siblings' lists. Two sockets or more also get PCI devices in IOMMU groups
 * (bus/pci/devices, kernel/iommu_groups): 0000:03:00.0 alone in group 12,
 * 0000:21:00.0 alone in group 20 (MSI-X IRQs 60-61), 0000:22:00.0 and .1 in
 * group 21 with the bridge 0000:20:01.1 (IRQs 70 and 71), 0000:81:00.0 and .1
 * alone in groups 30 and 31. Returns 0 or -errno.
 */
int kt_make_sysfs(const char *root, int sockets, int cores, int threads, int nodes,
		  bool adjacent, const char *offline);

/**
 * kt_make_host - the rest of a fake host under @dir for kvmrt-validate-host:
 * DIR/sys (kernel, modules, cgroups, cpufreq and cpuidle of @ncpus CPUs),
 * DIR/proc (cmdline, sysctls, limits, a few processes by comm) and DIR/dev.
 * A @good host (PREEMPT_RT, isolcpus=2-3, IOMMU, kvm_intel, no SMT, ...)
 * passes every check; the other fails or warns on each. Returns 0 or -errno.
 */
int kt_make_host(const char *dir, int ncpus, bool good);

#endif

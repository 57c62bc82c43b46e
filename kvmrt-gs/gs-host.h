/* SPDX-License-Identifier: GPL-2.0 */
/* The host agent's pieces that the unit tests reach without a VM (kvmrt-gsd). */
#ifndef _KVMRT_GS_HOST_H
#define _KVMRT_GS_HOST_H

#include <stdbool.h>
#include <sys/types.h>

#include "xtrace.h"

/**
 * gs_scope_cpus - the host CPUs a flush of @scope covers for the VM whose QEMU is @qemu
 * @proc: the proc file system's root ("/proc"; the tests give a tree of their own)
 * @vcpu: the guest's CPU that asked (scope 0: the host CPU its thread ran on last)
 * @cpus: filled; for scope 2 every CPU (@all set)
 * @note: why a narrower scope became wider ("" if not), @nlen bytes
 *
 * Scope 1 is the union of the CPUs the VM's threads may run on (Cpus_allowed_list); scope 0
 * the CPU that the thread named "CPU @vcpu/KVM" (or /TCG; QEMU's debug-threads names, which
 * libvirt turns on) last ran on, else scope 1. Returns 0 or -errno.
 */
int gs_scope_cpus(const char *proc, pid_t qemu, int scope, int vcpu, struct xtrace_cpuset *cpus,
		  bool *all, char *note, size_t nlen);

/** gs_stat_cpu - the "processor" field (39) of a /proc/PID/stat line, or -EBADMSG */
int gs_stat_cpu(const char *stat);

#endif

// SPDX-License-Identifier: LGPL-2.1
/*
 * PCI passthrough (pcidevs, guide 1.4): the rules about the host's devices and
 * IOMMU groups, and the IRQs of a device that kvmrt-boot pins to its VM's CPUs.
 * VFIO gives a VM a whole IOMMU group or nothing: every endpoint of the group
 * must be the same VM's (PCI bridges of the group may stay with the host).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

/* the IOMMU group of device @dev (its bus/pci/devices directory), or -1 */
static int iommu_group(const char *dev)
{
	char link[PATH_MAX + 16], target[PATH_MAX];
	const char *slash;
	ssize_t n;

	snprintf(link, sizeof(link), "%s/iommu_group", dev);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	slash = strrchr(target, '/');
	return atoi(slash ? slash + 1 : target);
}

/* a PCI-to-PCI bridge (class 0x0604xx) may stay with the host in a VM's group */
static bool is_bridge(const char *sysfs, const char *addr)
{
	char dir[PATH_MAX], v[64];

	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", sysfs, addr);
	return !kvmrt_read_line_at(dir, "class", v, sizeof(v)) && !strncmp(v, "0x0604", 6);
}

static bool has_dev(const struct kvmrt_vm *vm, const char *addr)
{
	for (int i = 0; i < vm->nr_pcidevs; i++)
		if (!strcmp(vm->pcidevs[i], addr))
			return true;
	return false;
}

/* the VM of @cfg (not disabled, not @self) that has @addr, or NULL */
static const struct kvmrt_vm *owner(const struct kvmrt_config *cfg, const struct kvmrt_vm *self,
				   const char *addr)
{
	for (int i = 0; i < cfg->nr_vms; i++)
		if (cfg->vms[i] != self && !cfg->vms[i]->disabled && has_dev(cfg->vms[i], addr))
			return cfg->vms[i];
	return NULL;
}

/* The rest of IOMMU group @group of @vm's device @addr: theirs too, or an error. */
static void check_group(const struct kvmrt_config *cfg, const struct kvmrt_topo *topo,
			const struct kvmrt_vm *vm, const char *addr, int group,
			struct kvmrt_diags *d)
{
	const char *sysfs = topo->root;
	struct sbuf missing = { 0 };
	char dir[PATH_MAX];
	struct dirent *de;
	int line = kvmrt_vm_line(vm, KA_PCIDEVS);
	const char *who = kvmrt_vm_label(vm);
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/kernel/iommu_groups/%d/devices", sysfs, group);
	dd = opendir(dir);
	while (dd && (de = readdir(dd))) {
		const struct kvmrt_vm *o;

		if (de->d_name[0] == '.' || has_dev(vm, de->d_name) || is_bridge(sysfs, de->d_name))
			continue;
		o = owner(cfg, vm, de->d_name);
		if (o)
			kvmrt_diag_add(d, KVMRT_ERROR, cfg->path, line, who, "pcidevs", "PCI device %s shares IOMMU group %d with %s, which is passed to VM '%s': a group goes to one VM as a whole",
				       addr, group, de->d_name, kvmrt_vm_label(o));
		else
			sb_printf(&missing, "%s%s", missing.len ? ", " : "", de->d_name);
	}
	if (dd)
		closedir(dd);
	if (missing.len)
		kvmrt_diag_add(d, KVMRT_ERROR, cfg->path, line, who, "pcidevs", "PCI device %s is in IOMMU group %d with %s: VFIO passes a whole group, so add %s to pcidevs (or move the device to another slot)",
			       addr, group, missing.buf, strchr(missing.buf, ',') ? "them" : "it");
	sb_release(&missing);
}

int kvmrt_validate_pcidevs(const struct kvmrt_config *cfg, const struct kvmrt_topo *topo,
			   struct kvmrt_diags *d)
{
	int errors = d->errors;

	for (int i = 0; i < cfg->nr_vms; i++) {
		const struct kvmrt_vm *vm = cfg->vms[i];
		int line = kvmrt_vm_line(vm, KA_PCIDEVS);
		const char *who = kvmrt_vm_label(vm);
		struct xtrace_idset *groups = xtrace_idset_new(), *nodes = xtrace_idset_new();

		if (!groups || !nodes || kvmrt_topo_nodes_of(topo, vm->cpuset, nodes)) {
			xtrace_idset_free(groups);
			xtrace_idset_free(nodes);
			return -ENOMEM;
		}
		for (int j = 0; !vm->disabled && j < vm->nr_pcidevs; j++) {
			const char *addr = vm->pcidevs[j];
			char dev[PATH_MAX], v[64];
			long node;
			int group;

			snprintf(dev, sizeof(dev), "%s/bus/pci/devices/%s", topo->root, addr);
			if (access(dev, F_OK)) {
				kvmrt_diag_add(d, KVMRT_ERROR, cfg->path, line, who, "pcidevs",
					       "PCI device %s is not on this host (lspci -D lists them)",
					       addr);
				continue;
			}
			group = iommu_group(dev);
			if (group < 0)
				kvmrt_diag_add(d, KVMRT_ERROR, cfg->path, line, who, "pcidevs",
					       "PCI device %s is in no IOMMU group: it cannot be passed through (turn the IOMMU on: intel_iommu=on or amd_iommu=on; kvmrt-validate-host checks it)",
					       addr);
			else if (!xtrace_idset_has(groups, group)) {
				xtrace_idset_add(groups, group);
				check_group(cfg, topo, vm, addr, group, d);
			}
			if (!kvmrt_read_line_at(dev, "numa_node", v, sizeof(v)) &&
			    !kvmrt_parse_int(v, -1, INT_MAX, &node) && node >= 0 &&
			    !xtrace_idset_empty(nodes) && !xtrace_idset_has(nodes, node)) {
				char *s = xtrace_idset_format(nodes);

				kvmrt_diag_add(d, KVMRT_WARNING, cfg->path, line, who, "pcidevs",
					       "PCI device %s is on NUMA node %ld, not one of the cpuset's (%s): its DMA and interrupts cross nodes",
					       addr, node, s ? s : "?");
				free(s);
			}
		}
		xtrace_idset_free(groups);
		xtrace_idset_free(nodes);
	}
	return d->errors - errors;
}

int kvmrt_pci_irqs(const char *sysfs, const char *procfs, const char *addr,
		   struct xtrace_idset *irqs)
{
	char dir[PATH_MAX], v[64];
	struct kvmrt_irq *all = NULL;
	struct dirent *de;
	int n = 0, ret;
	long irq;
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", sysfs, addr);
	if (access(dir, F_OK))
		return -ENOENT;
	/* the INTx line (0: none) */
	if (!kvmrt_read_line_at(dir, "irq", v, sizeof(v)) &&
	    !kvmrt_parse_int(v, 0, XTRACE_MAX_ID, &irq) && irq > 0 && xtrace_idset_add(irqs, irq))
		return -ENOMEM;
	/* MSI and MSI-X vectors enabled now */
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s/msi_irqs", sysfs, addr);
	dd = opendir(dir);
	while (dd && (de = readdir(dd)))
		if (!kvmrt_parse_int(de->d_name, 0, XTRACE_MAX_ID, &irq) &&
		    xtrace_idset_add(irqs, irq)) {
			closedir(dd);
			return -ENOMEM;
		}
	if (dd)
		closedir(dd);
	/* VFIO's handlers: "vfio-msix[0](0000:03:00.0)", "vfio-intx(0000:03:00.0)" */
	ret = kvmrt_irqs_load(procfs, &all, &n);
	for (int i = 0; !ret && i < n; i++)
		if (strstr(all[i].name, addr) &&
		    !kvmrt_parse_int(all[i].irq, 0, XTRACE_MAX_ID, &irq) &&
		    xtrace_idset_add(irqs, irq))
			ret = -ENOMEM;
	kvmrt_irqs_free(all, n);
	/* only IRQs the kernel has: a stale msi_irqs entry is no IRQ to move */
	xtrace_idset_for_each(i, irqs) {
		snprintf(dir, sizeof(dir), "%s/irq/%d", procfs, i);
		if (access(dir, F_OK))
			xtrace_idset_del(irqs, i);
	}
	return ret == -ENOENT ? 0 : ret;
}

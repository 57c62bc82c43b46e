// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-show-config: each VM as KVM-RT interprets it, defaults and "auto"
 * resolved: where its threads run, its memory, NUMA nodes and the
 * hyper-threads a real-time VM takes offline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt-tool.h"

static const char *const usage_text[] = {
	"usage: kvmrt-show-config [options] [VM...]",
	"",
	"Show the VMs of the KVM-RT configuration (all, or those named by name or UUID)",
	"as KVM-RT interprets them: defaults and auto resolved, the host CPU that runs the",
	"non-vCPU threads (the first of the cpuset) and the CPUs of each vCPU (round-robin",
	"over the rest), memory locking, NUMA nodes, and for a real-time VM the hyper-",
	"thread siblings it takes offline.",
	"",
	"  -f, --file FILE   the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg)",
	"      --sysfs DIR   read the topology under DIR instead of /sys ($KVMRT_SYSFS)",
	"  -h, --help        this text",
	"  -V, --version     print the version",
	"",
	"Exit status: 0 shown, 1 unreadable or erroneous file or unknown VM, 2 usage.",
	NULL,
};

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

#define FIELD "    %-18s "

static void print_set(const char *label, const struct xtrace_idset *s, const char *none)
{
	char *f = xtrace_idset_format(s);

	printf(FIELD "%s\n", label, f && *f ? f : none);
	free(f);
}

static void show_vm(const struct kvmrt_vm *vm, const struct kvmrt_topo *topo)
{
	struct kvmrt_placement *p = kvmrt_place(vm, topo);
	static const char *const prov[] = {
		[KVMRT_PROV_EXACT] = "nr_vcpus + 1: one CPU per vCPU",
		[KVMRT_PROV_OVER] = "over-provisioned: vCPUs get several CPUs",
		[KVMRT_PROV_UNDER] = "under-provisioned: vCPUs share CPUs",
		[KVMRT_PROV_NONE] = "",
	};
	unsigned int n = xtrace_idset_count(vm->cpuset);
	char *s;

	if (!p) {
		tool_error("out of memory");
		return;
	}
	printf("VM %s [%s]\n", vm->name, vm->uuid);
	if (vm->title && *vm->title)
		printf(FIELD "%s\n", "title:", vm->title);
	if (vm->description && *vm->description)
		printf(FIELD "%s\n", "description:", vm->description);
	printf(FIELD "%s\n", "real-time:", yes_no(vm->rt));
	printf(FIELD "%s%s\n", "autostart:", yes_no(vm->autostart),
	       vm->disabled ? " (but disabled)" : "");
	if (vm->disabled)
		printf(FIELD "%s\n", "disabled:", "yes");
	printf(FIELD "%d%s (%d socket%s, %d core%s, %d thread%s)%s\n", "vCPUs:", vm->nr_vcpus,
	       vm->nr_vcpus_auto ? " [auto]" : "",
	       vm->sockets, vm->sockets == 1 ? "" : "s", vm->cores, vm->cores == 1 ? "" : "s",
	       vm->threads, vm->threads == 1 ? "" : "s", vm->topo_auto ? " [auto]" : "");
	if (!p->bound) {
		printf(FIELD "%s\n", "cpuset:", "none: threads not bound to host CPUs");
	} else {
		s = xtrace_idset_format(vm->cpuset);
		printf(FIELD "%s (%u CPU%s; %s)\n", "cpuset:", s ? s : "?", n, n == 1 ? "" : "s",
		       prov[p->prov]);
		if (!kvmrt_cpuset_is_plain(kvmrt_vm_get(vm, "cpuset")))
			printf(FIELD "%s\n", "cpuset as written:", kvmrt_vm_get(vm, "cpuset"));
		free(s);
		printf(FIELD "CPU %d\n", "non-vCPU threads:", p->emulator_cpu);
		for (int i = 0; i < p->nr_vcpus; i++) {
			char label[32];

			snprintf(label, sizeof(label), "vCPU %d:", i);
			s = xtrace_idset_format(p->vcpu[i]);
			printf(FIELD "CPU%s %s\n", label, strpbrk(s ? s : "", ",-") ? "s" : "",
			       s ? s : "?");
			free(s);
		}
	}
	if (vm->rt)
		printf(FIELD "FIFO (vcpusched fifo priority 1)\n", "vCPU scheduling:");
	printf(FIELD "%s (rt_memory %s)\n", "memory locked:", yes_no(p->rt_memory),
	       vm->rt_memory == KVMRT_AUTO ? "auto" :
	       vm->rt_memory == KVMRT_YES ? "true" : "false");
	s = xtrace_idset_format(p->numa_nodes);
	printf(FIELD "%s (numatune %s)\n", "NUMA nodes:",
	       s && *s ? s : "any (memory not restricted)", vm->numatune_auto ? "auto" : "set");
	free(s);
	if (p->bound)
		print_set("cpuset NUMA nodes:", p->cpuset_nodes, "unknown");
	printf(FIELD "%s\n", "KVM hidden:", yes_no(vm->hide_kvm));
	printf(FIELD, "PCI devices:");
	for (int i = 0; i < vm->nr_pcidevs; i++)
		printf("%s%s", i ? "," : "", vm->pcidevs[i]);
	printf("%s\n", vm->nr_pcidevs ? "" : "none");
	printf(FIELD "%s\n", "memory balloon:", vm->rt ? "none (removed)" : "as libvirt has it");
	if (vm->rt && p->bound) {
		print_set("host CPUs owned:", p->owned, "none");
		print_set("taken offline:", p->offline, "none (no hyper-thread siblings)");
	}
	if (vm->comments && *vm->comments)
		printf(FIELD "%s\n", "comments:", vm->comments);
	for (int i = 0; i < vm->nr_attrs; i++)
		if (kvmrt_attr_lookup(vm->attrs[i].key) == KA_UNKNOWN)
			printf(FIELD "%s = %s (unknown, kept)\n", "other:", vm->attrs[i].key,
			       vm->attrs[i].value);
	kvmrt_placement_free(p);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvmrt_diags d = { 0 };
	struct kvmrt_common o;
	struct kvmrt_config *cfg;
	struct kvmrt_topo *topo;
	struct kvmrt_vm **vms;
	int c, n;

	tool_start("kvmrt-show-config", &o);
	while ((c = getopt_long(argc, argv, "f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.config = optarg; break;
		case OPT_SYSFS: o.sysfs = optarg; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	cfg = tool_load_config(o.config, false, false);
	if (!cfg)
		return 1;
	topo = tool_load_topo_cfg(o.sysfs, cfg, false);
	vms = topo ? tool_select(cfg, argv + optind, argc - optind, &n) : NULL;
	if (!vms) {
		kvmrt_topo_free(topo);
		kvmrt_config_free(cfg);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (i)
			printf("\n");
		show_vm(vms[i], topo);
	}
	d.warnings += cfg->diags.warnings;
	if (kvmrt_validate(cfg, topo, &d) >= 0 && (d.errors || d.warnings))
		fprintf(stderr, "%s: note: %d error%s and %d warning%s in '%s' (see kvmrt-validate-config)\n",
			tool_prog, d.errors, d.errors == 1 ? "" : "s",
			d.warnings, d.warnings == 1 ? "" : "s", cfg->path);
	kvmrt_diags_release(&d);
	free(vms);
	kvmrt_topo_free(topo);
	kvmrt_config_free(cfg);
	return tool_exit(0);
}

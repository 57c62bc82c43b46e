// SPDX-License-Identifier: GPL-2.0
/* cpu-topology: the host's NUMA nodes, cores (with their socket) and CPUs. */
#include <stdio.h>
#include <stdlib.h>

#include "kvmrt-tool.h"

static const char *const usage_text[] = {
	"usage: cpu-topology [options]",
	"",
	"Show the layout of NUMA nodes, CPU cores (with their socket) and logical CPUs",
	"(hyper-threads of a core are listed under it), as KVM-RT sees it when placing",
	"real-time VMs. Cores are numbered in order of their first CPU.",
	"",
	"      --sysfs DIR   read the topology under DIR instead of /sys ($KVMRT_SYSFS)",
	"  -s, --summary     end with a line counting sockets, cores, CPUs and nodes",
	"  -h, --help        this text",
	"  -V, --version     print the version",
	NULL,
};

static void print_topology(const struct kvmrt_topo *t)
{
	bool first = true;

	xtrace_idset_for_each(node, t->nodes) {
		if (!first)
			printf("\n");
		first = false;
		printf("NUMA Node %d:\n", node);
		for (int i = 0; i < t->nr_cores; i++) {
			const struct kvmrt_core *core = &t->cores[i];
			char label[32];

			if (core->node != node)
				continue;
			snprintf(label, sizeof(label), "Core %d:", i);
			if (core->socket >= 0)
				printf("    %-22s [Socket %d]\n", label, core->socket);
			else
				printf("    %-22s [Socket ?]\n", label);
			xtrace_idset_for_each(cpu, core->cpus)
				printf("        CPU %d%s\n", cpu, t->cpu[cpu].online ? "" : " (offline)");
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "summary", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvmrt_common o;
	struct kvmrt_topo *t;
	bool summary = false;
	int c;

	tool_start("cpu-topology", &o);
	while ((c = getopt_long(argc, argv, "shV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SYSFS: o.sysfs = optarg; break;
		case 's': summary = true; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	if (optind < argc)
		return tool_bad_usage("unexpected argument '%s'", argv[optind]);
	t = tool_load_topo(o.sysfs);
	if (!t)
		return 1;
	print_topology(t);
	if (summary) {
		unsigned int online = 0;

		xtrace_idset_for_each(cpu, t->cpus)
			online += t->cpu[cpu].online;
		printf("\n%u socket%s, %d core%s, %u CPU%s (%u online), %u NUMA node%s\n",
		       xtrace_idset_count(t->sockets),
		       xtrace_idset_count(t->sockets) == 1 ? "" : "s",
		       t->nr_cores, t->nr_cores == 1 ? "" : "s", xtrace_idset_count(t->cpus),
		       xtrace_idset_count(t->cpus) == 1 ? "" : "s", online,
		       xtrace_idset_count(t->nodes), xtrace_idset_count(t->nodes) == 1 ? "" : "s");
	}
	kvmrt_topo_free(t);
	return tool_exit(0);
}

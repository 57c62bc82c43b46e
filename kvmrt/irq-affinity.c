// SPDX-License-Identifier: GPL-2.0
/* irq-affinity: each IRQ with the CPUs it may run on, optionally filtered by CPUs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt-tool.h"

static const char *const usage_text[] = {
	"usage: irq-affinity [options]",
	"",
	"List the IRQs of this host (/proc/irq) with their CPU affinity (smp_affinity_list),",
	"the CPUs the kernel actually uses (effective_affinity_list, '-' if not told) and",
	"their description from /proc/interrupts.",
	"",
	"  -c, --cpus CPUS   only IRQs that may run on one of CPUS (an ID-set: 0,2,4-7)",
	"  -b, --bound       with -c: only IRQs whose affinity lies entirely within CPUS",
	"  -e, --effective   with -c: match the effective affinity instead",
	"      --proc DIR    read DIR instead of /proc ($KVMRT_PROCFS)",
	"  -h, --help        this text",
	"  -V, --version     print the version",
	"",
	"Exit status: 0 listed, 1 /proc unreadable, 2 usage.",
	NULL,
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "bound", no_argument, NULL, 'b' },
		{ "effective", no_argument, NULL, 'e' },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct xtrace_idset *filter = NULL;
	const char *procfs = getenv("KVMRT_PROCFS");
	struct kvmrt_common o;
	bool bound = false, effective = false;
	struct kvmrt_irq *irqs;
	int c, n, ret;

	tool_start("irq-affinity", &o);
	if (!procfs || !*procfs)
		procfs = "/proc";
	while ((c = getopt_long(argc, argv, "c:behV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			xtrace_idset_free(filter);
			filter = tool_cpu_filter(optarg);
			if (!filter)
				return 2;
			break;
		case 'b': bound = true; break;
		case 'e': effective = true; break;
		case OPT_PROC: procfs = optarg; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': xtrace_idset_free(filter); return tool_exit(tool_version());
		default: xtrace_idset_free(filter); return tool_try_help();
		}
	}
	if (optind < argc) {
		xtrace_idset_free(filter);
		return tool_bad_usage("unexpected argument '%s'", argv[optind]);
	}
	ret = kvmrt_irqs_load(procfs, &irqs, &n);
	if (ret) {
		xtrace_idset_free(filter);
		return tool_error("cannot read the IRQs under '%s/irq': %s", procfs,
				  strerror(-ret));
	}
	printf("%-6s %-16s %-16s %s\n", "IRQ", "AFFINITY", "EFFECTIVE", "DESCRIPTION");
	for (int i = 0; i < n; i++) {
		const struct xtrace_idset *m = effective && irqs[i].effective ? irqs[i].effective :
					      irqs[i].affinity;
		char *a, *e;

		if (!tool_cpu_match(m, filter, bound))
			continue;
		a = xtrace_idset_format(irqs[i].affinity);
		e = irqs[i].effective ? xtrace_idset_format(irqs[i].effective) : NULL;
		printf("%-6s %-16s %-16s %s\n", irqs[i].irq, a ? a : "?", e ? e : "-",
		       irqs[i].name);
		free(a);
		free(e);
	}
	kvmrt_irqs_free(irqs, n);
	xtrace_idset_free(filter);
	return tool_exit(0);
}

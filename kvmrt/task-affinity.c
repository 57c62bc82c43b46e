// SPDX-License-Identifier: GPL-2.0
/* task-affinity: each thread with its CPU affinity, optionally filtered by CPUs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt-tool.h"

static const char *const usage_text[] = {
	"usage: task-affinity [options]",
	"",
	"List the threads of every process (/proc/PID/task) with their scheduling policy,",
	"real-time priority, CPU affinity (Cpus_allowed_list) and command name.",
	"",
	"  -c, --cpus CPUS   only threads that may run on one of CPUS (an ID-set: 0,2,4-7)",
	"  -b, --bound       with -c: only threads whose affinity lies entirely within CPUS",
	"  -p, --pid PID     only the threads of process PID",
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
		{ "pid", required_argument, NULL, 'p' },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct xtrace_idset *filter = NULL;
	const char *procfs = getenv("KVMRT_PROCFS");
	struct kvmrt_common o;
	struct kvmrt_task *tasks;
	bool bound = false;
	long pid = -1;
	int c, n, ret;

	tool_start("task-affinity", &o);
	if (!procfs || !*procfs)
		procfs = "/proc";
	while ((c = getopt_long(argc, argv, "c:bp:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			xtrace_idset_free(filter);
			filter = tool_cpu_filter(optarg);
			if (!filter)
				return 2;
			break;
		case 'b': bound = true; break;
		case 'p':
			if (kvmrt_parse_int(optarg, 1, 1 << 30, &pid)) {
				xtrace_idset_free(filter);
				return tool_bad_usage("invalid pid '%s'", optarg);
			}
			break;
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
	ret = kvmrt_tasks_load(procfs, &tasks, &n);
	if (ret) {
		xtrace_idset_free(filter);
		return tool_error("cannot read the tasks under '%s': %s", procfs, strerror(-ret));
	}
	printf("%-8s %-8s %-8s %4s  %-16s %s\n", "PID", "TID", "POLICY", "PRIO", "AFFINITY",
	       "COMMAND");
	for (int i = 0; i < n; i++) {
		const struct kvmrt_task *t = &tasks[i];
		char *a;

		if (pid > 0 && t->pid != pid)
			continue;
		if (!tool_cpu_match(t->affinity, filter, bound))
			continue;
		a = xtrace_idset_format(t->affinity);
		printf("%-8d %-8d %-8s %4d  %-16s %s\n", t->pid, t->tid,
		       kvmrt_policy_name(t->policy), t->rt_priority, a ? a : "?", t->comm);
		free(a);
	}
	kvmrt_tasks_free(tasks, n);
	xtrace_idset_free(filter);
	return tool_exit(0);
}

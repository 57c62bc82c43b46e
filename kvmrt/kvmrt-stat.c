// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-stat: the state of each configured VM (libvirt's), and with -t every
 * thread of each running VM against where the configuration puts it.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmrt-tool.h"

enum { OPT_STATE_DIR = 1200 };

static const char *const usage_text[] = {
	"usage: kvmrt-stat [options] [VM...]",
	"",
	"Show the state of each VM of the configuration (libvirt's: running, shut off,",
	"crashed, ...), whether it is real-time, the host CPUs it owns and whether its",
	"shield is in place (a kvmrt-boot state file). VMs are named by name or UUID;",
	"without them every VM that is not disabled.",
	"",
	"  -t, --threads        list every thread of each running VM: TID, role (emulator,",
	"                       iothread, vCPU n), policy, priority, affinity, the CPU it",
	"                       last ran on, and whether that matches the configuration",
	"                       ('*' and what differs when not)",
	"  -a, --all            disabled VMs too",
	"  -o, --output FORMAT  text (default) or json",
	"  -f, --file FILE      the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg)",
	"  -c, --connect URI    the libvirt connection ($KVMRT_URI)",
	"      --sysfs DIR      read the topology under DIR instead of /sys ($KVMRT_SYSFS)",
	"      --proc DIR       read the threads under DIR instead of /proc ($KVMRT_PROCFS)",
	"      --state-dir DIR  kvmrt-boot's state files ($KVMRT_STATE_DIR, /run/kvmrt)",
	"  -h, --help           this text",
	"  -V, --version        print the version",
	"",
	"Exit status: 0 shown and every thread where it belongs, 1 a mismatch (with -t),",
	"an unknown VM, libvirt unreachable or an unreadable configuration, 2 usage.",
	NULL,
};

struct stat_opts {
	struct kvmrt_common c;
	const char *procfs, *state_dir;
	bool threads, all, json;
};

/* @s as a JSON string */
static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

struct thread_row {
	const struct kvmrt_task *t;
	const char *role;
	int vcpu;
	char *want;		/* the affinity the configuration gives, NULL: unbound */
	char mismatch[64];	/* "" or what differs: "affinity,cpu,policy" */
};

/* Compare thread @t of the VM with @p's placement. */
static void judge(struct thread_row *r, const struct kvmrt_vm *vm,
		  const struct kvmrt_placement *p)
{
	const struct kvmrt_task *t = r->t;
	enum kvmrt_thread_role role = kvmrt_thread_role(t->comm, &r->vcpu);
	struct xtrace_idset *want = xtrace_idset_new();
	bool vcpu = role == KVMRT_THREAD_VCPU;

	r->role = vcpu ? "vcpu" : role == KVMRT_THREAD_IOTHREAD ? "iothread" : "emulator";
	r->mismatch[0] = '\0';
	r->want = NULL;
	if (!want)
		return;
	if (p->bound) {
		if (vcpu && r->vcpu < p->nr_vcpus)
			xtrace_idset_or(want, p->vcpu[r->vcpu]);
		else if (!vcpu)
			xtrace_idset_add(want, p->emulator_cpu);
		r->want = xtrace_idset_format(want);
		if (!xtrace_idset_empty(want) && !xtrace_idset_equal(want, t->affinity))
			strcat(r->mismatch, "affinity,");
		if (!xtrace_idset_empty(want) && !xtrace_idset_has(want, t->last_cpu))
			strcat(r->mismatch, "cpu,");
	}
	if (vcpu && r->vcpu >= p->nr_vcpus)
		strcat(r->mismatch, "vcpu,");
	if (vm->rt && vcpu && t->policy != SCHED_FIFO)
		strcat(r->mismatch, "policy,");
	if (!(vm->rt && vcpu) && (t->policy == SCHED_FIFO || t->policy == SCHED_RR))
		strcat(r->mismatch, "policy,");
	if (r->mismatch[0])
		r->mismatch[strlen(r->mismatch) - 1] = '\0';
	xtrace_idset_free(want);
}

static bool shield_in_place(const struct stat_opts *o, const struct kvmrt_vm *vm)
{
	char *path = NULL;
	bool yes;

	if (asprintf(&path, "%s/%s.state", o->state_dir, vm->uuid) < 0)
		return false;
	yes = access(path, F_OK) == 0;
	free(path);
	return yes;
}

/* One VM; returns the number of mismatched threads, -1 on error. */
static int stat_vm(const struct stat_opts *o, struct kvmrt_virt *v, const struct kvmrt_vm *vm,
		   const struct kvmrt_topo *topo, bool first)
{
	struct kvmrt_placement *p = kvmrt_place(vm, topo);
	struct kvmrt_task *tasks = NULL;
	struct thread_row *rows = NULL;
	const char *state = "unknown";
	char *err = NULL, *cpus = NULL;
	int pid = 0, n = 0, nrows = 0, bad = 0, ret;
	bool shield;

	if (!p)
		return tool_error("out of memory"), -1;
	ret = kvmrt_virt_state(v, vm->uuid, &state, &err);
	if (ret == -ENOENT)
		state = "undefined";
	else if (ret) {
		tool_error("VM '%s': %s", vm->name, err);
		free(err);
		kvmrt_placement_free(p);
		return -1;
	}
	free(err);
	shield = vm->rt && shield_in_place(o, vm);
	cpus = xtrace_idset_format(p->owned);
	if (!strcmp(state, "running") || !strcmp(state, "paused"))
		pid = kvmrt_find_qemu(o->procfs, vm->uuid);
	if (o->threads && pid > 0 && !kvmrt_tasks_load(o->procfs, &tasks, &n)) {
		rows = calloc(n + 1, sizeof(*rows));
		for (int i = 0; rows && i < n; i++) {
			if (tasks[i].pid != pid)
				continue;
			rows[nrows].t = &tasks[i];
			judge(&rows[nrows], vm, p);
			bad += rows[nrows].mismatch[0] != '\0';
			nrows++;
		}
	}

	if (o->json) {
		printf("%s\n  {\"name\": ", first ? "" : ",");
		json_str(vm->name);
		printf(", \"uuid\": ");
		json_str(vm->uuid);
		printf(", \"state\": ");
		json_str(state);
		printf(", \"rt\": %s, \"cpus\": ", vm->rt ? "true" : "false");
		json_str(cpus);
		printf(", \"shield\": %s, \"pid\": %d, \"disabled\": %s", shield ? "true" : "false",
		       pid, vm->disabled ? "true" : "false");
		if (o->threads) {
			printf(", \"threads\": [");
			for (int i = 0; i < nrows; i++) {
				struct thread_row *r = &rows[i];
				char *a = xtrace_idset_format(r->t->affinity);

				printf("%s\n    {\"tid\": %d, \"name\": ", i ? "," : "", r->t->tid);
				json_str(r->t->comm);
				printf(", \"role\": \"%s\", \"vcpu\": %d, \"policy\": \"%s\", \"priority\": %d, \"affinity\": ",
				       r->role, r->vcpu, kvmrt_policy_name(r->t->policy),
				       r->t->rt_priority);
				json_str(a);
				printf(", \"cpu\": %d, \"expected\": ", r->t->last_cpu);
				if (r->want)
					json_str(r->want);
				else
					printf("null");
				printf(", \"mismatch\": ");
				json_str(r->mismatch);
				putchar('}');
				free(a);
			}
			printf("%s]", nrows ? "\n  " : "");
		}
		putchar('}');
	} else {
		printf("%-20s %-36s %-10s %-3s %-12s %s%s\n", vm->name, vm->uuid, state,
		       vm->rt ? "yes" : "no", cpus && *cpus ? cpus : "-",
		       !vm->rt ? "-" : shield ? "in place" : "none",
		       vm->disabled ? " (disabled)" : "");
		for (int i = 0; i < nrows; i++) {
			struct thread_row *r = &rows[i];
			char *a = xtrace_idset_format(r->t->affinity), role[24];

			if (r->vcpu >= 0)
				snprintf(role, sizeof(role), "vcpu %d", r->vcpu);
			else
				snprintf(role, sizeof(role), "%s", r->role);
			printf("  %c %-8d %-9s %-6s %4d  %-10s %-10s %3d  ", r->mismatch[0] ? '*' : ' ',
			       r->t->tid, role, kvmrt_policy_name(r->t->policy), r->t->rt_priority,
			       a ? a : "?", r->want ? r->want : "-", r->t->last_cpu);
			if (r->mismatch[0])
				printf("%-16s %s\n", r->t->comm, r->mismatch);
			else
				printf("%s\n", r->t->comm);
			free(a);
		}
	}
	for (int i = 0; i < nrows; i++)
		free(rows[i].want);
	free(rows);
	kvmrt_tasks_free(tasks, n);
	free(cpus);
	kvmrt_placement_free(p);
	return bad;
}

static int run_stat(const struct stat_opts *o, char **names, int nr_names)
{
	struct kvmrt_config *cfg = tool_load_config(o->c.config, false, false);
	struct kvmrt_virt *v = NULL;
	struct kvmrt_topo *topo = NULL;
	struct kvmrt_vm **vms = NULL;
	int count = 0, ret = 1, bad = 0, shown = 0;

	if (!cfg)
		return 1;
	topo = tool_load_topo_cfg(o->c.sysfs, cfg, false);
	if (!topo)
		goto out;
	vms = tool_select(cfg, names, nr_names, &count);
	if (!vms)
		goto out;
	v = tool_virt_open(o->c.uri);
	if (!v)
		goto out;
	if (o->json)
		printf("[");
	else
		printf("%-20s %-36s %-10s %-3s %-12s %s\n", "NAME", "UUID", "STATE", "RT", "CPUS",
		       "SHIELD");
	if (!o->json && o->threads)
		printf("  %c %-8s %-9s %-6s %4s  %-10s %-10s %3s  %-16s %s\n", ' ', "TID", "ROLE",
		       "POLICY", "PRIO", "AFFINITY", "EXPECTED", "CPU", "NAME", "MISMATCH");
	ret = 0;
	for (int i = 0; i < count; i++) {
		int r;

		if (vms[i]->disabled && !o->all && !nr_names)
			continue;
		r = stat_vm(o, v, vms[i], topo, !shown++);
		if (r < 0)
			ret = 1;
		else
			bad += r;
	}
	if (o->json)
		printf("%s]\n", shown ? "\n" : "");
	if (bad) {
		tool_error("%d thread%s not where the configuration puts %s", bad,
			   bad == 1 ? "" : "s", bad == 1 ? "it" : "them");
		ret = 1;
	}
out:
	free(vms);
	kvmrt_virt_close(v);
	kvmrt_topo_free(topo);
	kvmrt_config_free(cfg);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", no_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "file", required_argument, NULL, 'f' },
		{ "connect", required_argument, NULL, 'c' },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct stat_opts o = { 0 };
	int c;

	tool_start("kvmrt-stat", &o.c);
	o.procfs = getenv("KVMRT_PROCFS");
	if (!o.procfs || !*o.procfs)
		o.procfs = "/proc";
	o.state_dir = getenv("KVMRT_STATE_DIR");
	if (!o.state_dir || !*o.state_dir)
		o.state_dir = "/run/kvmrt";
	while ((c = getopt_long(argc, argv, "tao:f:c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o.threads = true; break;
		case 'a': o.all = true; break;
		case 'o':
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return tool_bad_usage("unknown output format '%s' (text or json)",
						      optarg);
			o.json = !strcmp(optarg, "json");
			break;
		case 'f': o.c.config = optarg; break;
		case 'c': o.c.uri = optarg; break;
		case OPT_SYSFS: o.c.sysfs = optarg; break;
		case OPT_PROC: o.procfs = optarg; break;
		case OPT_STATE_DIR: o.state_dir = optarg; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	return tool_exit(run_stat(&o, argv + optind, argc - optind));
}

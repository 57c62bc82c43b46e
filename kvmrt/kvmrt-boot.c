// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-boot: validate the configuration, then start VMs through libvirt; a
 * real-time VM's CPUs are shielded first (kvmrt_shield_apply, journalled in
 * STATE_DIR/UUID.state) and the shield is undone when the start fails.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmrt-tool.h"

enum { OPT_STATE_DIR = 1200, OPT_ALL, OPT_CLEAN, OPT_MOVE_TASKS };

static const char *const usage_text[] = {
	"usage: kvmrt-boot [options] [VM...]",
	"       kvmrt-boot --clean",
	"",
	"Validate the configuration (an error stops everything), then start the VMs",
	"named (by name or UUID), or every autostart VM that is not disabled. Before a",
	"real-time VM starts, its vCPU CPUs are shielded: hyper-thread siblings offline,",
	"cgroup v1 cpusets kvmrt-housekeeping and kvmrt-UUID (exclusive, no load",
	"balancing) and tasks moved to the housekeeping CPUs, or with cgroup v2 an",
	"isolated partition kvmrt-UUID; the unbound workqueues (writeback among them),",
	"IRQs and the default IRQ affinity off the shielded CPUs. The IRQs of its",
	"passthrough devices (pcidevs) go to its vCPU CPUs once it runs. Every change is",
	"journalled in STATE_DIR/UUID.state before it is made; kvmrt-shutdown undoes it,",
	"and so does kvmrt-boot itself when libvirt cannot start the VM.",
	"",
	"      --all            every VM that is not disabled, autostart or not",
	"      --clean          undo every journal left in STATE_DIR (an interrupted",
	"                       boot); refused for a VM that runs",
	"      --move-tasks=SCOPE",
	"                       the tasks moved to the housekeeping CPUs: 'all' (default:",
	"                       every task of the root cpuset), 'none', or PIDs such as",
	"                       '412,977' (every thread of each) ($KVMRT_MOVE_SCOPE)",
	"  -f, --file FILE      the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg)",
	"  -c, --connect URI    the libvirt connection ($KVMRT_URI)",
	"      --sysfs DIR      the host's /sys ($KVMRT_SYSFS)",
	"      --proc DIR       the host's /proc ($KVMRT_PROCFS)",
	"      --state-dir DIR  where the journals go ($KVMRT_STATE_DIR, /run/kvmrt)",
	"  -h, --help           this text",
	"  -V, --version        print the version",
	"",
	"Exit status: 0 every VM running, 1 a VM could not be started (its shield undone)",
	"or a journal could not be cleaned, 2 usage or configuration errors.",
	NULL,
};

struct boot_opts {
	struct kvmrt_common c;
	const char *procfs, *state_dir, *scope;
	bool all, clean;
	int *pids;		/* the move scope; nr_pids -1: every root task */
	int nr_pids;
};

static bool is_running(const char *state)
{
	return strcmp(state, "shut off") && strcmp(state, "crashed") && strcmp(state, "unknown");
}

/* "all", "none" or a comma-separated PID list into o->pids; -EINVAL if bad */
static int parse_scope(struct boot_opts *o, const char *s)
{
	char *copy, *save = NULL;
	int ret = 0;

	o->nr_pids = 0;
	if (!strcmp(s, "all")) {
		o->nr_pids = -1;
		return 0;
	}
	if (!strcmp(s, "none"))
		return 0;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ",", &save); t && !ret; t = strtok_r(NULL, ",", &save)) {
		char *end;
		long pid = strtol(t, &end, 10);

		if (*end || pid <= 0 || pid > 1L << 22)
			ret = -EINVAL;
		else if (TOOL_GROW(o->pids, o->nr_pids + 1))
			ret = -ENOMEM;
		else
			o->pids[o->nr_pids++] = pid;
	}
	free(copy);
	if (!ret && !o->nr_pids)
		ret = -EINVAL;
	return ret;
}

/* What libvirt's start error means for a real-time VM, and the fix. */
static void explain_start_error(const char *err)
{
	if (strcasestr(err, "sched") || strcasestr(err, "priority"))
		fprintf(stderr,
			"  why: the host refuses SCHED_FIFO for the vCPU threads (RT group scheduling gives libvirt's cgroup cpu.rt_runtime_us = 0, or an unprivileged libvirtd has RLIMIT_RTPRIO 0)\n"
			"  fix: give the VM's cgroup RT runtime (echo 950000 > cpu.rt_runtime_us from the root down to libvirt's machine cgroup) or use a kernel without CONFIG_RT_GROUP_SCHED; raise an unprivileged libvirtd's RLIMIT_RTPRIO (LimitRTPRIO=99) or run the system libvirtd as root; kvmrt-validate-host checks it\n");
	else if (strcasestr(err, "lock") || strcasestr(err, "memlock"))
		fprintf(stderr,
			"  why: the host refuses to lock the VM's memory (a hard RLIMIT_MEMLOCK below the VM's size, and libvirtd without CAP_SYS_RESOURCE cannot raise it)\n"
			"  fix: raise libvirtd's memlock limit (LimitMEMLOCK=infinity in its systemd unit, or memlock in /etc/security/limits.conf) or run the system libvirtd as root; kvmrt-validate-host checks it\n");
}

/* The CPUs a real-time VM shields: those of its vCPUs (the first CPU is the emulator's). */
static struct xtrace_idset *vcpu_cpus(const struct kvmrt_placement *p)
{
	struct xtrace_idset *s = xtrace_idset_new();

	for (int i = 0; s && i < p->nr_vcpus; i++)
		if (xtrace_idset_or(s, p->vcpu[i])) {
			xtrace_idset_free(s);
			return NULL;
		}
	return s;
}

/*
 * The housekeeping CPUs: every online CPU but the vCPU CPUs of the real-time
 * VMs that are not disabled and the siblings they take offline. NULL: no memory.
 */
static struct xtrace_idset *housekeeping(const struct kvmrt_config *cfg,
					const struct kvmrt_topo *topo)
{
	struct xtrace_idset *hk = xtrace_idset_new();

	for (int i = 0; hk && i < topo->nr_cpu_ids; i++)
		if (xtrace_idset_has(topo->cpus, i) && topo->cpu[i].online)
			xtrace_idset_add(hk, i);
	for (int i = 0; hk && i < cfg->nr_vms; i++) {
		const struct kvmrt_vm *vm = cfg->vms[i];
		struct kvmrt_placement *p;
		struct xtrace_idset *v;

		if (!vm->rt || vm->disabled)
			continue;
		p = kvmrt_place(vm, topo);
		v = p ? vcpu_cpus(p) : NULL;
		if (!v) {
			kvmrt_placement_free(p);
			xtrace_idset_free(hk);
			return NULL;
		}
		xtrace_idset_andnot(hk, v);
		xtrace_idset_andnot(hk, p->offline);
		xtrace_idset_free(v);
		kvmrt_placement_free(p);
	}
	return hk;
}

static void print_indented(const char *who, const char *text)
{
	const char *l = text;

	while (l && *l) {
		const char *nl = strchr(l, '\n');
		int len = nl ? (int)(nl - l) : (int)strlen(l);

		printf("%s: %.*s\n", who, len, l);
		l = nl ? nl + 1 : l + len;
	}
}

/* Shield real-time VM @vm with its journal @journal; 0, or 1 with the shield undone. */
static int shield_vm(const struct boot_opts *o, const struct kvmrt_vm *vm,
		     const struct kvmrt_topo *topo, const struct xtrace_idset *hk,
		     const char *journal)
{
	struct kvmrt_placement *p = kvmrt_place(vm, topo);
	struct xtrace_idset *cpus = p ? vcpu_cpus(p) : NULL;
	struct kvmrt_shield_req q = {
		.sysfs = o->c.sysfs, .procfs = o->procfs, .name = vm->uuid, .cpus = cpus,
		.offline = p ? p->offline : NULL, .housekeeping = hk,
		.pids = o->pids, .nr_pids = o->nr_pids,
	};
	char *report = NULL, *s = NULL, *h = NULL, *host = NULL;
	int ret;

	if (asprintf(&host, "%s/" KVMRT_HOST_JOURNAL, o->state_dir) < 0)
		host = NULL;
	q.host_journal = host;
	if (!cpus || !host) {
		free(host);
		xtrace_idset_free(cpus);
		kvmrt_placement_free(p);
		return tool_error("out of memory");
	}
	s = xtrace_idset_format(cpus);
	h = xtrace_idset_format(hk);
	printf("%s: shielding CPUs %s (housekeeping CPUs %s), journal %s\n", vm->name,
	       s ? s : "?", h ? h : "?", journal);
	ret = kvmrt_shield_apply(&q, journal, &report);
	print_indented(vm->name, report);
	free(report);
	if (ret) {
		tool_error("%s: cannot shield CPUs %s: %s", vm->name, s ? s : "?", strerror(-ret));
		tool_undo_shield(vm->name, journal);
		ret = 1;
	}
	free(s);
	free(h);
	free(host);
	xtrace_idset_free(cpus);
	kvmrt_placement_free(p);
	return ret;
}

/*
 * The IRQs of a real-time VM's passthrough devices go to its vCPU CPUs (the
 * guide 1.4), journalled with its shield: 0, or 1 when one could not be pinned.
 */
static int pin_passthrough(const struct boot_opts *o, const struct kvmrt_vm *vm,
			   const struct kvmrt_topo *topo, const char *journal)
{
	struct kvmrt_placement *p = kvmrt_place(vm, topo);
	struct xtrace_idset *cpus = p ? vcpu_cpus(p) : NULL, *irqs = xtrace_idset_new();
	char *report = NULL;
	int ret = cpus && irqs ? 0 : -ENOMEM;

	for (int i = 0; !ret && i < vm->nr_pcidevs; i++) {
		ret = kvmrt_pci_irqs(o->c.sysfs, o->procfs, vm->pcidevs[i], irqs);
		if (ret == -ENOENT) {
			printf("%s: PCI device %s is not on this host: no IRQ to pin\n", vm->name,
			       vm->pcidevs[i]);
			ret = 0;
		}
	}
	if (!ret && xtrace_idset_empty(irqs))
		printf("%s: the passthrough devices have no IRQ yet (their driver in the guest allocates them)\n",
		       vm->name);
	else if (!ret)
		ret = kvmrt_shield_pin_irqs(o->procfs, irqs, cpus, journal, &report);
	print_indented(vm->name, report);
	if (ret)
		tool_error("%s: cannot pin the IRQs of its passthrough devices: %s", vm->name,
			   strerror(-ret));
	free(report);
	xtrace_idset_free(irqs);
	xtrace_idset_free(cpus);
	kvmrt_placement_free(p);
	return ret ? 1 : 0;
}

/* Boot one VM: 0 running, 1 not (and nothing left changed when it can be undone). */
static int boot_vm(const struct boot_opts *o, struct kvmrt_virt *v, const struct kvmrt_vm *vm,
		   const struct kvmrt_topo *topo, const struct xtrace_idset *hk)
{
	char *err = NULL, *journal = tool_journal_path(o->state_dir, vm->uuid);
	const char *state = "unknown", *stop = getenv("KVMRT_BOOT_STOP_AFTER");
	int ret;

	if (!journal)
		return tool_error("out of memory");
	ret = kvmrt_virt_state(v, vm->uuid, &state, &err);
	if (ret) {
		tool_error("%s: %s", vm->name, err);
		goto out;
	}
	if (is_running(state)) {
		printf("%s: already %s\n", vm->name, state);
		goto out;
	}
	if (vm->rt) {
		if (!access(journal, F_OK)) {
			ret = tool_error("%s: the journal '%s' of an earlier boot is still there: kvmrt-boot --clean undoes it",
					 vm->name, journal);
			goto out;
		}
		ret = shield_vm(o, vm, topo, hk, journal);
		if (ret)
			goto out;
		if (stop && !strcmp(stop, "shield")) {
			/* test hook: a crash with the shield in place (kvmrt-boot --clean) */
			fflush(stdout);
			raise(SIGKILL);
		}
	}
	ret = kvmrt_virt_start(v, vm->uuid, &err);
	if (ret) {
		tool_error("%s: libvirt cannot start the VM: %s", vm->name, err);
		if (vm->rt)
			explain_start_error(err);
		if (vm->rt)
			tool_undo_shield(vm->name, journal);
		ret = 1;
		goto out;
	}
	printf("%s: started%s\n", vm->name, vm->rt ? " (real-time, shield in place)" : "");
	if (vm->rt && vm->nr_pcidevs)
		ret = pin_passthrough(o, vm, topo, journal);
out:
	free(err);
	free(journal);
	return ret ? 1 : 0;
}

/* --clean: undo each journal of STATE_DIR whose VM does not run */
static int run_clean(const struct boot_opts *o)
{
	struct kvmrt_virt *v = NULL;
	struct dirent *de;
	char *err = NULL;
	int ret = 0;
	DIR *d = opendir(o->state_dir);

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return tool_error("cannot read '%s': %s", o->state_dir, strerror(errno));
	}
	v = kvmrt_virt_open(o->c.uri, &err);
	if (!v) {
		closedir(d);
		ret = tool_error("cannot connect to libvirt (to see which VMs run): %s", err);
		free(err);
		return ret;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		const char *state = "unknown";
		char *uuid, *journal;

		if (len <= 6 || strcmp(de->d_name + len - 6, ".state") ||
		    !strcmp(de->d_name, KVMRT_HOST_JOURNAL))
			continue;
		uuid = strndup(de->d_name, len - 6);
		journal = uuid ? tool_journal_path(o->state_dir, uuid) : NULL;
		if (!journal) {
			free(uuid);
			ret = tool_error("out of memory");
			break;
		}
		if (kvmrt_virt_state(v, uuid, &state, &err) == -EIO) {
			ret = tool_error("%s: %s", uuid, err);
		} else if (is_running(state)) {
			ret = tool_error("%s: the VM is %s: its shield stays (kvmrt-shutdown undoes it)",
					 uuid, state);
		} else if (tool_undo_shield(uuid, journal)) {
			ret = 1;
		}
		free(err);
		err = NULL;
		free(journal);
		free(uuid);
	}
	closedir(d);
	kvmrt_virt_close(v);
	/* what the shields share, when no VM's journal is left (a crash before any) */
	if (tool_undo_host(o->state_dir))
		ret = 1;
	return ret;
}

static int run_boot(const struct boot_opts *o, char **names, int nr_names)
{
	struct kvmrt_config *cfg = tool_load_config(o->c.config, false, true);
	struct xtrace_idset *hk = NULL;
	struct kvmrt_virt *v = NULL;
	struct kvmrt_topo *topo;
	struct kvmrt_vm **vms = NULL;
	int count = 0, ret = 2, booted = 0;

	if (!cfg)
		return 2;
	topo = tool_load_topo_cfg(o->c.sysfs, cfg, true);
	if (!topo)
		goto out;
	if (kvmrt_validate(cfg, topo, &cfg->diags) < 0) {
		tool_error("out of memory");
		goto out;
	}
	if (cfg->diags.errors) {
		tool_print_diags(&cfg->diags, stderr, true);
		tool_error("'%s' has %d error%s: no VM booted (kvmrt-validate-config lists every problem)",
			   cfg->path, cfg->diags.errors, cfg->diags.errors == 1 ? "" : "s");
		goto out;
	}
	ret = 1;
	vms = tool_select(cfg, names, nr_names, &count);
	hk = housekeeping(cfg, topo);
	if (!vms || !hk)
		goto out;
	if (xtrace_idset_empty(hk)) {
		tool_error("no housekeeping CPU left: the real-time VMs take every online CPU");
		goto out;
	}
	if (mkdir(o->state_dir, 0755) && errno != EEXIST) {
		tool_error("cannot create '%s': %s", o->state_dir, strerror(errno));
		goto out;
	}
	v = tool_virt_open(o->c.uri);
	if (!v)
		goto out;
	ret = 0;
	for (int i = 0; i < count; i++) {
		const struct kvmrt_vm *vm = vms[i];

		if (nr_names && vm->disabled) {
			ret = tool_error("%s: disabled in '%s': not booted (set disabled = false first)",
					 vm->name, cfg->path);
			continue;
		}

		if (!nr_names && (vm->disabled || (!o->all && !vm->autostart)))
			continue;
		if (boot_vm(o, v, vm, topo, hk))
			ret = 1;
		booted++;
	}
	if (!booted)
		printf("no VM to boot (none named, none autostart%s)\n", o->all ? " or enabled" : "");
out:
	free(vms);
	xtrace_idset_free(hk);
	kvmrt_virt_close(v);
	kvmrt_topo_free(topo);
	kvmrt_config_free(cfg);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "clean", no_argument, NULL, OPT_CLEAN },
		{ "move-tasks", required_argument, NULL, OPT_MOVE_TASKS },
		{ "file", required_argument, NULL, 'f' },
		{ "connect", required_argument, NULL, 'c' },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct boot_opts o = { 0 };
	int c, ret;

	tool_start("kvmrt-boot", &o.c);
	o.procfs = getenv("KVMRT_PROCFS");
	if (!o.procfs || !*o.procfs)
		o.procfs = "/proc";
	o.state_dir = tool_state_dir();
	o.scope = getenv("KVMRT_MOVE_SCOPE");
	if (!o.scope || !*o.scope)
		o.scope = "all";
	while ((c = getopt_long(argc, argv, "f:c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ALL: o.all = true; break;
		case OPT_CLEAN: o.clean = true; break;
		case OPT_MOVE_TASKS: o.scope = optarg; break;
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
	if (o.clean && (optind < argc || o.all))
		return tool_bad_usage("--clean takes no VM and no --all");
	if (parse_scope(&o, o.scope))
		return tool_bad_usage("invalid task move scope '%s' (all, none or PIDs such as 412,977)",
				      o.scope);
	if (o.clean)
		ret = run_clean(&o);
	else
		ret = run_boot(&o, argv + optind, argc - optind);
	free(o.pids);
	return tool_exit(ret);
}

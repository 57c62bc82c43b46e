// SPDX-License-Identifier: LGPL-2.1
/*
 * kvmrt-validate-host's checks: whether this host can run real-time VMs,
 * each check read from sysfs, /proc and /dev (any of them may be a fake tree)
 * and classified PASS, WARN or FAIL with the fix.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

static const char *const level_names[] = { "PASS", "WARN", "FAIL" };

const char *kvmrt_check_level_name(enum kvmrt_check_level l)
{
	return l <= KVMRT_FAIL ? level_names[l] : "?";
}

int kvmrt_checks_add(struct kvmrt_checks *c, enum kvmrt_check_level level, const char *what,
		     const char *fix, const char *fmt, ...)
{
	struct kvmrt_check *x;
	va_list ap;

	if (TOOL_GROW_LOCAL(c->v, c->n + 1))
		return -ENOMEM;
	x = &c->v[c->n];
	memset(x, 0, sizeof(*x));
	x->level = level;
	x->what = strdup(what);
	x->fix = level != KVMRT_PASS && fix ? strdup(fix) : NULL;
	va_start(ap, fmt);
	if (vasprintf(&x->result, fmt, ap) < 0)
		x->result = NULL;
	va_end(ap);
	c->n++;
	if (!x->what || !x->result || (level != KVMRT_PASS && fix && !x->fix))
		return -ENOMEM;
	if (level > c->worst)
		c->worst = level;
	return 0;
}

void kvmrt_checks_release(struct kvmrt_checks *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->v[i].what);
		free(c->v[i].result);
		free(c->v[i].fix);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

const struct kvmrt_check *kvmrt_checks_find(const struct kvmrt_checks *c, const char *what)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].what, what))
			return &c->v[i];
	return NULL;
}

/* ------------------------------------------------------------ helpers */

static bool exists(const char *root, const char *name)
{
	char *path = kvmrt_asprintf("%s/%s", root, name);
	bool yes = path && access(path, F_OK) == 0;

	free(path);
	return yes;
}

/* The first line of @root/@name in @buf, "" when it cannot be read. */
static const char *line_of(const char *root, const char *name, char *buf, size_t len)
{
	if (kvmrt_read_line_at(root, name, buf, len))
		buf[0] = '\0';
	return buf;
}

/*
 * The value of kernel parameter @name on the command line @cmdline (the
 * last one wins, as in the kernel), "" for a bare flag; NULL when absent.
 * Free the result.
 */
char *kvmrt_cmdline_param(const char *cmdline, const char *name)
{
	size_t nl = strlen(name);
	const char *p = cmdline;
	char *found = NULL;

	while (p && *p) {
		const char *end;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		end = p;
		while (*end && !isspace((unsigned char)*end))
			end++;
		if (end - p == 2 && !strncmp(p, "--", 2))
			break;	/* the rest is for init */
		if ((size_t)(end - p) >= nl && !strncmp(p, name, nl) &&
		    (p + nl == end || p[nl] == '=')) {
			free(found);
			found = p + nl == end ? strdup("") : strndup(p + nl + 1, end - p - nl - 1);
		}
		p = end;
	}
	return found;
}

/*
 * The CPUs of a kernel CPU-list parameter: "2-5", "managed_irq,domain,2-5"
 * (isolcpus' flags are skipped), "all" = @all. NULL if it does not parse.
 */
static struct xtrace_idset *param_cpus(const char *val, const struct xtrace_idset *all)
{
	struct xtrace_idset *s = xtrace_idset_new();
	const char *p = val;

	if (!s)
		return NULL;
	if (!strcmp(val, "all") || !*val)
		return xtrace_idset_or(s, all) ? (xtrace_idset_free(s), NULL) : s;
	for (;;) {
		static const char *const flags[] = { "nohz,", "domain,", "managed_irq," };
		size_t i;

		for (i = 0; i < ARRAY_SIZE(flags); i++)
			if (!strncmp(p, flags[i], strlen(flags[i])))
				break;
		if (i == ARRAY_SIZE(flags))
			break;
		p += strlen(flags[i]);
	}
	if (xtrace_idset_parse(s, p, NULL)) {
		xtrace_idset_free(s);
		return NULL;
	}
	return s;
}

/* The PID of a process whose comm is @comm under @procfs, or 0. */
static int find_process(const char *procfs, const char *comm)
{
	struct dirent *de;
	DIR *d = opendir(procfs);
	char buf[64];
	int pid = 0;

	if (!d)
		return 0;
	while (!pid && (de = readdir(d))) {
		char name[NAME_MAX + 8];

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(name, sizeof(name), "%s/comm", de->d_name);
		if (!kvmrt_read_line_at(procfs, name, buf, sizeof(buf)) && !strcmp(buf, comm))
			pid = atoi(de->d_name);
	}
	closedir(d);
	return pid;
}

/* The hard "Max locked memory" of /proc/PID/limits ("self" for @pid 0): -1 unlimited. */
static long long memlock_hard(const char *procfs, int pid, bool *known)
{
	char path[PATH_MAX], *text, *l;
	long long v = -1;

	*known = false;
	if (pid)
		snprintf(path, sizeof(path), "%s/%d/limits", procfs, pid);
	else
		snprintf(path, sizeof(path), "%s/self/limits", procfs);
	text = kvmrt_read_file(path, NULL);
	l = text ? strstr(text, "Max locked memory") : NULL;
	if (l) {
		char soft[32], hard[32];

		if (sscanf(l + strlen("Max locked memory"), "%31s %31s", soft, hard) == 2) {
			*known = true;
			v = strcmp(hard, "unlimited") ? atoll(hard) : -1;
		}
	}
	free(text);
	return v;
}

/* Whether /proc/PID/status says the process runs as root. */
static bool runs_as_root(const char *procfs, int pid)
{
	char path[PATH_MAX], *text, *uid;
	bool root = false;

	snprintf(path, sizeof(path), "%s/%d/status", procfs, pid);
	text = kvmrt_read_file(path, NULL);
	uid = text ? strstr(text, "\nUid:") : NULL;
	if (uid)
		root = atoi(uid + strlen("\nUid:")) == 0;
	free(text);
	return root;
}

static char *fmt_set(const struct xtrace_idset *s)
{
	char *f = xtrace_idset_format(s);

	return f ? f : strdup("?");
}

/* ------------------------------------------------------------- checks */

struct ctx {
	const struct kvmrt_host_roots *r;
	struct kvmrt_checks *c;
	char *cmdline;
	struct xtrace_idset *all;	/* every present CPU */
	struct xtrace_idset *rt;		/* CPUs owned by real-time VMs (may be empty) */
	bool pcidevs, rt_memory;
	int ret;
};

#define ADD(x, level, what, fix, ...) do {					\
	int r_ = kvmrt_checks_add((x)->c, (level), (what), (fix), __VA_ARGS__);	\
	if (r_)									\
		(x)->ret = r_;							\
} while (0)

static void check_kernel(struct ctx *x)
{
	static const char fix[] = "boot a PREEMPT_RT kernel (Debian: apt-get install linux-image-rt-amd64; RedHawk kernels are real-time)";
	char rt[16], ver[256], *model;

	if (!strcmp(line_of(x->r->sysfs, "kernel/realtime", rt, sizeof(rt)), "1")) {
		ADD(x, KVMRT_PASS, "kernel preemption", NULL, "PREEMPT_RT (/sys/kernel/realtime = 1)");
		return;
	}
	line_of(x->r->procfs, "sys/kernel/version", ver, sizeof(ver));
	if (strstr(ver, "PREEMPT_RT") || strstr(ver, "PREEMPT RT")) {
		ADD(x, KVMRT_PASS, "kernel preemption", NULL, "PREEMPT_RT (uname -v: %s)", ver);
		return;
	}
	model = kvmrt_cmdline_param(x->cmdline, "preempt");
	if (!*ver)
		ADD(x, KVMRT_FAIL, "kernel preemption", fix,
		    "unknown: no /sys/kernel/realtime and no kernel version under %s", x->r->procfs);
	else
		ADD(x, KVMRT_FAIL, "kernel preemption", fix, "not a real-time kernel (uname -v: %s%s%s)",
		    ver, model ? ", preempt=" : "", model ? model : "");
	free(model);
}

/* isolcpus, nohz_full, rcu_nocbs: should cover the real-time CPUs */
static void check_isolation_param(struct ctx *x, const char *name, const char *why,
				  const char *prefix)
{
	char *val = kvmrt_cmdline_param(x->cmdline, name), *rt = fmt_set(x->rt), *fix;
	struct xtrace_idset *cpus = NULL;
	bool have_rt = !xtrace_idset_empty(x->rt);

	fix = kvmrt_asprintf("add %s=%s%s to the kernel command line (%s) and reboot", name,
			     prefix, have_rt ? rt : "CPUS-OF-THE-REAL-TIME-VMS", why);
	if (!val) {
		ADD(x, KVMRT_WARN, name, fix, "not set%s%s", have_rt ? "; real-time CPUs: " : "",
		    have_rt ? rt : "");
		goto out;
	}
	cpus = param_cpus(val, x->all);
	if (!cpus) {
		ADD(x, KVMRT_WARN, name, fix, "'%s' does not parse as a CPU list", val);
	} else if (have_rt && !xtrace_idset_subset(x->rt, cpus)) {
		struct xtrace_idset *miss = xtrace_idset_dup(x->rt);
		char *m;

		if (miss)
			xtrace_idset_andnot(miss, cpus);
		m = miss ? fmt_set(miss) : strdup("?");
		ADD(x, KVMRT_WARN, name, fix, "%s=%s leaves out real-time CPUs %s", name, val,
		    m ? m : "?");
		free(m);
		xtrace_idset_free(miss);
	} else {
		ADD(x, KVMRT_PASS, name, NULL, "%s=%s", name, val);
	}
out:
	xtrace_idset_free(cpus);
	free(val);
	free(rt);
	free(fix);
}

static void check_irqaffinity(struct ctx *x)
{
	char *val = kvmrt_cmdline_param(x->cmdline, "irqaffinity");
	struct xtrace_idset *cpus = val ? param_cpus(val, x->all) : NULL;
	static const char fix[] = "add irqaffinity=HOUSEKEEPING-CPUS (the CPUs no real-time VM owns) to the kernel command line: IRQs then start there (kvmrt-boot moves them off shielded CPUs anyway)";

	if (!val)
		ADD(x, KVMRT_WARN, "irqaffinity", fix, "not set: IRQs may start on any CPU");
	else if (!cpus)
		ADD(x, KVMRT_WARN, "irqaffinity", fix, "'%s' does not parse as a CPU list", val);
	else if (xtrace_idset_intersects(cpus, x->rt))
		ADD(x, KVMRT_WARN, "irqaffinity", fix, "irqaffinity=%s includes real-time CPUs", val);
	else
		ADD(x, KVMRT_PASS, "irqaffinity", NULL, "irqaffinity=%s", val);
	xtrace_idset_free(cpus);
	free(val);
}

static int count_entries(const char *root, const char *name)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void check_iommu(struct ctx *x)
{
	static const char fix[] = "enable VT-d/AMD-Vi in the firmware and add intel_iommu=on (Intel) or amd_iommu=on (AMD) and iommu=pt to the kernel command line";
	int groups = count_entries(x->r->sysfs, "kernel/iommu_groups");
	char *intel = kvmrt_cmdline_param(x->cmdline, "intel_iommu");
	char *amd = kvmrt_cmdline_param(x->cmdline, "amd_iommu");
	char *pt = kvmrt_cmdline_param(x->cmdline, "iommu");
	bool passthrough = pt && !strcmp(pt, "pt");

	if (groups > 0 && passthrough)
		ADD(x, KVMRT_PASS, "IOMMU", NULL, "%d IOMMU groups, iommu=pt", groups);
	else if (groups > 0)
		ADD(x, KVMRT_WARN, "IOMMU", "add iommu=pt to the kernel command line (host devices skip the IOMMU's translation)",
		    "%d IOMMU groups, but no iommu=pt", groups);
	else
		ADD(x, x->pcidevs ? KVMRT_FAIL : KVMRT_WARN, "IOMMU", fix,
		    "no IOMMU groups (%s%s%s%s): %s", intel ? "intel_iommu=" : "no intel_iommu",
		    intel ? intel : "", amd ? ", amd_iommu=" : "", amd ? amd : "",
		    x->pcidevs ? "the configured pcidevs cannot be passed through" : "PCI passthrough (pcidevs) is impossible");
	free(intel);
	free(amd);
	free(pt);
}

static void check_vfio(struct ctx *x, const struct kvmrt_config *cfg)
{
	char *ids = kvmrt_cmdline_param(x->cmdline, "vfio-pci.ids");
	bool mod = exists(x->r->sysfs, "module/vfio_pci") || exists(x->r->sysfs, "bus/pci/drivers/vfio-pci");
	int bad = 0;

	for (int i = 0; cfg && i < cfg->nr_vms; i++) {
		const struct kvmrt_vm *vm = cfg->vms[i];

		for (int j = 0; j < vm->nr_pcidevs; j++) {
			char name[128];

			snprintf(name, sizeof(name), "bus/pci/devices/%s/iommu_group", vm->pcidevs[j]);
			if (exists(x->r->sysfs, name))
				continue;
			bad++;
			snprintf(name, sizeof(name), "bus/pci/devices/%s", vm->pcidevs[j]);
			ADD(x, KVMRT_FAIL, "VFIO", "check the address (lspci -D), enable the IOMMU",
			    "VM '%s': PCI device %s %s", vm->name, vm->pcidevs[j],
			    exists(x->r->sysfs, name) ? "is in no IOMMU group" : "does not exist");
		}
	}
	if (bad)
		goto out;
	if (mod)
		ADD(x, KVMRT_PASS, "VFIO", NULL, "vfio-pci loaded%s%s%s", ids ? " (vfio-pci.ids=" : "",
		    ids ? ids : "", ids ? ")" : "");
	else
		ADD(x, x->pcidevs ? KVMRT_FAIL : KVMRT_WARN, "VFIO",
		    "modprobe vfio-pci (and vfio-pci.ids=VENDOR:DEVICE on the kernel command line to reserve devices at boot)",
		    "vfio-pci is not loaded%s", x->pcidevs ? " but pcidevs are configured" : "");
out:
	free(ids);
}

static void check_kvm(struct ctx *x)
{
	char path[PATH_MAX], vendor[64] = "";
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/kvm", x->r->devfs);
	if (access(path, F_OK))
		ADD(x, KVMRT_FAIL, "/dev/kvm", "enable VT-x/AMD-V in the firmware and load kvm_intel or kvm_amd",
		    "%s is missing: no hardware virtualization", path);
	else if (access(path, R_OK | W_OK))
		ADD(x, KVMRT_FAIL, "/dev/kvm", "run as root or add the user to group kvm",
		    "%s is not usable: %s", path, strerror(errno));
	else
		ADD(x, KVMRT_PASS, "/dev/kvm", NULL, "%s accessible", path);

	snprintf(path, sizeof(path), "%s/module", x->r->sysfs);
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "kvm_", 4) && !vendor[0])
			snprintf(vendor, sizeof(vendor), "%.60s", de->d_name);
	if (d)
		closedir(d);
	if (!exists(x->r->sysfs, "module/kvm"))
		ADD(x, KVMRT_FAIL, "kvm modules", "modprobe kvm_intel (Intel) or kvm_amd (AMD)",
		    "kvm is not loaded");
	else if (!vendor[0])
		ADD(x, KVMRT_WARN, "kvm modules", "modprobe kvm_intel (Intel) or kvm_amd (AMD)",
		    "kvm is loaded but no kvm_intel or kvm_amd");
	else
		ADD(x, KVMRT_PASS, "kvm modules", NULL, "kvm and %s", vendor);
}

static void check_smt(struct ctx *x)
{
	char ctl[32], act[8];

	line_of(x->r->sysfs, "devices/system/cpu/smt/control", ctl, sizeof(ctl));
	line_of(x->r->sysfs, "devices/system/cpu/smt/active", act, sizeof(act));
	if (!strcmp(act, "1"))
		ADD(x, KVMRT_WARN, "SMT", "boot with nosmt, or let kvmrt-boot take the siblings of real-time CPUs offline (it does)",
		    "on (control %s): hyper-thread siblings share a core with real-time vCPUs", ctl);
	else
		ADD(x, KVMRT_PASS, "SMT", NULL, "%s", *ctl ? ctl : "no SMT");
}

static void check_cpufreq(struct ctx *x)
{
	struct xtrace_idset *bad = xtrace_idset_new();
	char gov[64], other[64] = "", name[96];
	int seen = 0;

	if (!bad) {
		x->ret = -ENOMEM;
		return;
	}
	xtrace_idset_for_each(cpu, x->all) {
		snprintf(name, sizeof(name), "devices/system/cpu/cpu%d/cpufreq/scaling_governor", cpu);
		if (kvmrt_read_line_at(x->r->sysfs, name, gov, sizeof(gov)))
			continue;
		seen++;
		if (strcmp(gov, "performance")) {
			xtrace_idset_add(bad, cpu);
			snprintf(other, sizeof(other), "%s", gov);
		}
	}
	if (!seen) {
		ADD(x, KVMRT_PASS, "cpufreq governor", NULL, "no cpufreq: the CPUs' frequency is not scaled");
	} else if (!xtrace_idset_empty(bad)) {
		char *b = fmt_set(bad);

		ADD(x, KVMRT_WARN, "cpufreq governor", "cpupower frequency-set -g performance (or write performance to /sys/devices/system/cpu/cpuN/cpufreq/scaling_governor)",
		    "CPUs %s run governor '%s', not performance: frequency changes add latency", b,
		    other);
		free(b);
	} else {
		ADD(x, KVMRT_PASS, "cpufreq governor", NULL, "performance on every CPU");
	}
	xtrace_idset_free(bad);
}

/* idle states with an exit latency above 10 us that are not disabled */
static void check_idle(struct ctx *x)
{
	struct xtrace_idset *bad = xtrace_idset_new();
	char buf[64], name[128], deep[64] = "";
	int seen = 0, worst = 0;

	if (!bad) {
		x->ret = -ENOMEM;
		return;
	}
	xtrace_idset_for_each(cpu, x->all) {
		for (int s = 0; s < 16; s++) {
			int lat;

			snprintf(name, sizeof(name), "devices/system/cpu/cpu%d/cpuidle/state%d/latency",
				 cpu, s);
			if (kvmrt_read_line_at(x->r->sysfs, name, buf, sizeof(buf)))
				break;
			seen++;
			lat = atoi(buf);
			snprintf(name, sizeof(name), "devices/system/cpu/cpu%d/cpuidle/state%d/disable",
				 cpu, s);
			if (lat <= 10 || !strcmp(line_of(x->r->sysfs, name, buf, sizeof(buf)), "1"))
				continue;
			xtrace_idset_add(bad, cpu);
			if (lat > worst) {
				worst = lat;
				snprintf(name, sizeof(name), "devices/system/cpu/cpu%d/cpuidle/state%d/name",
					 cpu, s);
				line_of(x->r->sysfs, name, deep, sizeof(deep));
			}
		}
	}
	if (!seen) {
		ADD(x, KVMRT_PASS, "idle states", NULL, "no cpuidle states");
	} else if (!xtrace_idset_empty(bad)) {
		char *b = fmt_set(bad);

		ADD(x, KVMRT_WARN, "idle states", "boot with intel_idle.max_cstate=0 processor.max_cstate=1 (or write 1 to cpuidle/stateN/disable of the real-time CPUs)",
		    "CPUs %s may enter deep idle states (%s: %d us exit latency)", b, deep, worst);
		free(b);
	} else {
		ADD(x, KVMRT_PASS, "idle states", NULL, "no enabled idle state above 10 us exit latency");
	}
	xtrace_idset_free(bad);
}

static void check_irqbalance(struct ctx *x)
{
	int pid = find_process(x->r->procfs, "irqbalance");

	if (pid)
		ADD(x, KVMRT_WARN, "irqbalance", "systemctl disable --now irqbalance (or list the real-time CPUs in IRQBALANCE_BANNED_CPULIST)",
		    "irqbalance runs (pid %d): it moves IRQs back onto shielded CPUs", pid);
	else
		ADD(x, KVMRT_PASS, "irqbalance", NULL, "not running");
}

static void check_thp(struct ctx *x)
{
	char buf[128];
	const char *v = line_of(x->r->sysfs, "kernel/mm/transparent_hugepage/enabled", buf,
				sizeof(buf));

	if (!*v)
		ADD(x, KVMRT_PASS, "THP", NULL, "no transparent huge pages");
	else if (strstr(v, "[always]"))
		ADD(x, KVMRT_WARN, "THP", "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (or boot with transparent_hugepage=madvise)",
		    "transparent huge pages always: khugepaged compaction stalls VMs");
	else
		ADD(x, KVMRT_PASS, "THP", NULL, "%s", v);
}

static void check_rt_runtime(struct ctx *x)
{
	char rt[32], period[32];

	line_of(x->r->procfs, "sys/kernel/sched_rt_runtime_us", rt, sizeof(rt));
	line_of(x->r->procfs, "sys/kernel/sched_rt_period_us", period, sizeof(period));
	if (!*rt)
		ADD(x, KVMRT_WARN, "RT throttling", "check that /proc is mounted", "unknown: no %s/sys/kernel/sched_rt_runtime_us",
		    x->r->procfs);
	else if (!strcmp(rt, "-1"))
		ADD(x, KVMRT_PASS, "RT throttling", NULL, "off (sched_rt_runtime_us = -1)");
	else
		ADD(x, KVMRT_WARN, "RT throttling", "sysctl -w kernel.sched_rt_runtime_us=-1 (and in /etc/sysctl.d/ to keep it)",
		    "sched_rt_runtime_us = %s of %s: FIFO vCPUs are stopped for the rest of each period",
		    rt, *period ? period : "?");
}

static void check_timer_migration(struct ctx *x)
{
	char v[16];

	line_of(x->r->procfs, "sys/kernel/timer_migration", v, sizeof(v));
	if (!strcmp(v, "1"))
		ADD(x, KVMRT_WARN, "timer migration", "sysctl -w kernel.timer_migration=0 (and in /etc/sysctl.d/ to keep it)",
		    "on: timers of other CPUs may be moved onto real-time CPUs");
	else
		ADD(x, KVMRT_PASS, "timer migration", NULL, *v ? "off" : "not in this kernel");
}

static void check_rt_group(struct ctx *x)
{
	static const char *const parts[] = { "fs/cgroup/cpu/machine.slice", "fs/cgroup/cpu/machine",
					     "fs/cgroup/cpu,cpuacct/machine.slice",
					     "fs/cgroup/cpu,cpuacct/machine" };
	char v[32], name[PATH_MAX];

	if (kvmrt_read_line_at(x->r->sysfs, "fs/cgroup/cpu/cpu.rt_runtime_us", v, sizeof(v)) &&
	    kvmrt_read_line_at(x->r->sysfs, "fs/cgroup/cpu,cpuacct/cpu.rt_runtime_us", v, sizeof(v)) &&
	    kvmrt_read_line_at(x->r->sysfs, "fs/cgroup/cpu.rt_runtime_us", v, sizeof(v))) {
		ADD(x, KVMRT_PASS, "RT group scheduling", NULL, "off (no cpu.rt_runtime_us)");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		snprintf(name, sizeof(name), "%s/cpu.rt_runtime_us", parts[i]);
		if (kvmrt_read_line_at(x->r->sysfs, name, v, sizeof(v)))
			continue;
		if (atol(v) > 0) {
			ADD(x, KVMRT_PASS, "RT group scheduling", NULL,
			    "on; libvirt's cgroup /sys/%s has cpu.rt_runtime_us = %s", parts[i], v);
		} else {
			char *fix = kvmrt_asprintf("echo 950000 > /sys/%s/cpu.rt_runtime_us (and give each VM's cgroup below it a share), or boot a kernel without CONFIG_RT_GROUP_SCHED",
						   parts[i]);

			ADD(x, KVMRT_FAIL, "RT group scheduling", fix,
			    "libvirt's cgroup /sys/%s has cpu.rt_runtime_us = %s: libvirt cannot make vCPUs FIFO",
			    parts[i], v);
			free(fix);
		}
		return;
	}
	ADD(x, KVMRT_WARN, "RT group scheduling", "a kernel without CONFIG_RT_GROUP_SCHED, or give libvirt's machine cgroup cpu.rt_runtime_us before booting (kvmrt-boot reports a refusal)",
	    "on (cpu.rt_runtime_us = %s at the root): a cgroup libvirt creates starts with 0, which refuses FIFO vCPUs",
	    v);
}

static void check_cpuset(struct ctx *x)
{
	char v[256];

	if (exists(x->r->sysfs, "fs/cgroup/cpuset/cpuset.cpus"))
		ADD(x, KVMRT_PASS, "cpuset cgroup", NULL, "cgroup v1 cpuset at /sys/fs/cgroup/cpuset");
	else if (strstr(line_of(x->r->sysfs, "fs/cgroup/cgroup.controllers", v, sizeof(v)), "cpuset"))
		ADD(x, KVMRT_PASS, "cpuset cgroup", NULL, "cgroup v2 with the cpuset controller");
	else
		ADD(x, KVMRT_FAIL, "cpuset cgroup", "mount -t cgroup -o cpuset cpuset /sys/fs/cgroup/cpuset, or enable cpuset in cgroup v2's cgroup.subtree_control",
		    "no cpuset controller: CPUs cannot be shielded");
}

static void check_memlock(struct ctx *x)
{
	int pid = find_process(x->r->procfs, "libvirtd");
	bool known;
	long long hard = memlock_hard(x->r->procfs, pid, &known);
	const char *who = pid ? "libvirtd" : "this process";
	enum kvmrt_check_level l = x->rt_memory ? KVMRT_FAIL : KVMRT_WARN;

	if (!known)
		ADD(x, KVMRT_WARN, "memlock limit", "check that /proc is mounted", "unknown: no limits of %s",
		    who);
	else if (hard < 0)
		ADD(x, KVMRT_PASS, "memlock limit", NULL, "unlimited for %s", who);
	else if (pid && runs_as_root(x->r->procfs, pid))
		ADD(x, KVMRT_PASS, "memlock limit", NULL,
		    "%lld KiB, but libvirtd (pid %d) runs as root and raises QEMU's limit for locked memory",
		    hard / 1024, pid);
	else
		ADD(x, l, "memlock limit", "set memlock unlimited for the user running libvirtd (/etc/security/limits.conf, LimitMEMLOCK=infinity in its unit) or run the system libvirtd as root",
		    "%s's hard limit is %lld KiB: locked VM memory (rt_memory) cannot be bigger", who,
		    hard / 1024);
}

static void check_chrony(struct ctx *x)
{
	int pid = find_process(x->r->procfs, "chronyd");

	if (pid)
		ADD(x, KVMRT_PASS, "chronyd", NULL, "running (pid %d)", pid);
	else
		ADD(x, KVMRT_WARN, "chronyd", "apt-get install chrony (or dnf install chrony); systemctl enable --now chronyd; guests sync with ptp_kvm",
		    "not running: the host clock is the guests' reference (ptp_kvm + chrony)");
}

/* The CPUs real-time VMs own, and whether any VM has pcidevs / locked memory. */
static int config_facts(struct ctx *x, const struct kvmrt_config *cfg,
			const struct kvmrt_topo *topo)
{
	for (int i = 0; cfg && i < cfg->nr_vms; i++) {
		const struct kvmrt_vm *vm = cfg->vms[i];
		struct kvmrt_placement *p;

		if (vm->disabled)
			continue;
		x->pcidevs |= vm->nr_pcidevs > 0;
		if (!vm->rt)
			continue;
		p = kvmrt_place(vm, topo);
		if (!p)
			return -ENOMEM;
		if (p->rt_memory)
			x->rt_memory = true;
		xtrace_idset_or(x->rt, p->owned);
		kvmrt_placement_free(p);
	}
	return 0;
}

int kvmrt_check_host(const struct kvmrt_host_roots *r, const struct kvmrt_config *cfg,
		     const struct kvmrt_topo *topo, struct kvmrt_checks *c)
{
	struct ctx x = { .r = r, .c = c };
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/cmdline", r->procfs);
	x.cmdline = kvmrt_read_file(path, NULL);
	x.all = topo ? xtrace_idset_dup(topo->cpus) : xtrace_idset_new();
	x.rt = xtrace_idset_new();
	if (!x.all || !x.rt) {
		ret = -ENOMEM;
		goto out;
	}
	ret = config_facts(&x, cfg, topo);
	if (ret)
		goto out;
	check_kernel(&x);
	check_isolation_param(&x, "isolcpus", "no scheduler load balancing onto them",
			      "managed_irq,domain,");
	check_isolation_param(&x, "nohz_full", "no scheduler tick while a vCPU runs alone", "");
	check_isolation_param(&x, "rcu_nocbs", "RCU callbacks run elsewhere", "");
	check_irqaffinity(&x);
	check_iommu(&x);
	check_vfio(&x, cfg);
	check_kvm(&x);
	check_smt(&x);
	check_cpufreq(&x);
	check_idle(&x);
	check_irqbalance(&x);
	check_thp(&x);
	check_rt_runtime(&x);
	check_timer_migration(&x);
	check_rt_group(&x);
	check_cpuset(&x);
	check_memlock(&x);
	check_chrony(&x);
	ret = x.ret;
out:
	free(x.cmdline);
	xtrace_idset_free(x.all);
	xtrace_idset_free(x.rt);
	return ret;
}

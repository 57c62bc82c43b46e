// SPDX-License-Identifier: LGPL-2.1
/* The shield on a fake host: what it changes, and that undoing restores every file. */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmrt-test.h"
#include "kvmrt-tool.h"
#include "sysfs-gen.h"

static FILE *snap_f;
static size_t snap_skip;

static int snap_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* a fake tasks file cannot move tasks: the journal's move lines are checked instead */
	if (strstr(path, "journal") || !strcmp(path + strlen(path) - 6, "/tasks"))
		return 0;
	if (type == FTW_F) {
		char *text = kvmrt_read_file(path, NULL);

		fprintf(snap_f, "%s=%s|", path + snap_skip, text ? text : "?");
		free(text);
	} else {
		fprintf(snap_f, "%s/|", path + snap_skip);
	}
	return 0;
}

/* every file and directory under @dir with its contents (nftw's order is stable here) */
static char *snapshot(const char *dir)
{
	char *buf = NULL;
	size_t len = 0;

	snap_f = open_memstream(&buf, &len);
	snap_skip = strlen(dir);
	nftw(dir, snap_one, 16, FTW_PHYS);
	fclose(snap_f);
	return buf;
}

/* that @dir is as @before (its snapshot) again, showing both when not */
static void same_as_before(const char *dir, const char *before)
{
	char *after = snapshot(dir);

	if (strcmp(before, after))
		fprintf(stderr, "\n    before: %s\n    after:  %s\n", before, after);
	CU_ASSERT_STRING_EQUAL(before, after);
	free(after);
}

/*
 * 1 socket x 2 cores x 2 threads: core 0 = CPUs 0,2, core 1 = CPUs 1,3; cgroup
 * v1 cpusets, or with @v2 a cgroup v2 root with the cpuset controller (enabled
 * for its children when @v2 is 2)
 */
static char *make_host(char *sys, char *proc, size_t len, int v2)
{
	char *dir = tu_mkdtemp();

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(sys, len, "%s/sys", dir);
	snprintf(proc, len, "%s/proc", dir);
	CU_ASSERT_EQUAL_FATAL(kt_make_sysfs(sys, 1, 2, 2, 1, false, NULL), 0);
	if (v2) {
		kt_write(dir, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
		kt_write(dir, "sys/fs/cgroup/cgroup.subtree_control",
			 v2 == 2 ? "cpuset cpu memory\n" : "cpu memory\n");
		kt_write(dir, "sys/fs/cgroup/cpuset.cpus.effective", "0-3\n");
	} else {
		kt_write(dir, "sys/fs/cgroup/cpuset/cpuset.mems", "0\n");
		kt_write(dir, "sys/fs/cgroup/cpuset/cpuset.cpus", "0-3\n");
		kt_write(dir, "sys/fs/cgroup/cpuset/cpuset.sched_load_balance", "1\n");
		kt_write(dir, "sys/fs/cgroup/cpuset/tasks", "1\n100\n101\n200\n");
		/* libvirt's cpusets: CPU 3 going offline takes them down to 0-2 and 2 */
		kt_write(dir, "sys/fs/cgroup/cpuset/machine/cpuset.cpus", "0-3\n");
		kt_write(dir, "sys/fs/cgroup/cpuset/machine/vm1/cpuset.cpus", "2-3\n");
		kt_write(dir, "sys/fs/cgroup/cpuset/other/cpuset.cpus", "0,2\n");
	}
	kt_write(dir, "sys/devices/virtual/workqueue/cpumask", "f\n");
	kt_write(dir, "sys/devices/virtual/workqueue/cpumask_requested", "f\n");
	kt_write(dir, "sys/devices/virtual/workqueue/cpumask_isolated", "0\n");
	kt_write(dir, "sys/devices/virtual/workqueue/writeback/cpumask", "f\n");
	kt_write(dir, "sys/devices/virtual/workqueue/blkcg_punt_bio/cpumask", "f\n");
	kt_write(dir, "sys/devices/virtual/workqueue/power/control", "auto\n");
	kt_write(dir, "proc/interrupts", "           CPU0       CPU1\n"
		 "  9:          1          0   IO-APIC   9-fasteoi   acpi\n"
		 " 24:          1          0   PCI-MSI 512000-edge      nvme0q1\n");
	kt_write(dir, "proc/irq/0/smp_affinity_list", "0-3\n");
	kt_write(dir, "proc/irq/9/smp_affinity_list", "1\n");
	kt_write(dir, "proc/irq/24/smp_affinity_list", "0\n");
	kt_write(dir, "proc/irq/default_smp_affinity", "f\n");
	kt_write(dir, "proc/100/task/100/comm", "test\n");
	kt_write(dir, "proc/100/task/101/comm", "test\n");
	kt_write(dir, "proc/100/cpuset", "/\n");
	kt_write(dir, "proc/101/cpuset", "/\n");
	kt_write(dir, "proc/200/task/200/comm", "other\n");
	kt_write(dir, "proc/200/cpuset", "/\n");
	return dir;
}

static void run_shield(int nr_pids, bool fail_middle)
{
	struct xtrace_idset *cpus = xtrace_idset_new(), *off = xtrace_idset_new();
	struct xtrace_idset *hk = xtrace_idset_new();
	char sys[PATH_MAX], proc[PATH_MAX], journal[PATH_MAX + 16], cg[PATH_MAX + 64];
	char *dir = make_host(sys, proc, sizeof(sys), 0), *before, *after, *report = NULL;
	static const int pids[] = { 100 };
	struct kvmrt_shield_req q = {
		.sysfs = sys, .procfs = proc, .name = "fde74e84", .cpus = cpus, .offline = off,
		.housekeeping = hk, .pids = pids, .nr_pids = nr_pids,
	};
	int ret;

	xtrace_idset_parse(cpus, "1", NULL);
	xtrace_idset_parse(off, "3", NULL);
	xtrace_idset_parse(hk, "0,2", NULL);
	if (fail_middle) {
		/* the default IRQ affinity cannot be read: the shield stops at its last step */
		snprintf(cg, sizeof(cg), "%s/irq/default_smp_affinity", proc);
		remove(cg);
		mkdir(cg, 0755);
		kt_write(dir, "proc/irq/default_smp_affinity/y", "");
	}
	snprintf(journal, sizeof(journal), "%s/journal", dir);
	before = snapshot(dir);
	ret = kvmrt_shield_apply(&q, journal, &report);
	CU_ASSERT_PTR_NOT_NULL(report);
	if (fail_middle) {
		CU_ASSERT(ret < 0);
		/* what it had done by then */
		CU_ASSERT_STRING_EQUAL(kt_rd(sys, "devices/system/cpu/cpu3/online"), "0");
		CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/9/smp_affinity_list"), "0,2");
	} else {
		CU_ASSERT_EQUAL(ret, 0);
		CU_ASSERT_STRING_EQUAL(kt_rd(sys, "devices/system/cpu/cpu3/online"), "0");
		CU_ASSERT_STRING_EQUAL(kt_rd(sys, "devices/system/cpu/cpu1/online"), "1");
		snprintf(cg, sizeof(cg), "%s/fs/cgroup/cpuset", sys);
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-housekeeping/cpuset.cpus"), "0,2");
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-housekeeping/cpuset.mems"), "0");
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-fde74e84/cpuset.cpus"), "1");
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-fde74e84/cpuset.cpu_exclusive"), "1");
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-fde74e84/cpuset.sched_load_balance"), "0");
		/* a fake tasks file keeps the last TID written */
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-housekeeping/tasks"),
				       nr_pids < 0 ? "200" : "101");
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "cpuset.sched_load_balance"), nr_pids < 0 ? "0" : "1");
		CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/0/smp_affinity_list"), "0,2");
		CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/9/smp_affinity_list"), "0,2");
		CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/24/smp_affinity_list"), "0");
		CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/default_smp_affinity"), "5");
		snprintf(cg, sizeof(cg), "%s/devices/virtual/workqueue", sys);
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "cpumask"), "5");
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "writeback/cpumask"), "5");
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "blkcg_punt_bio/cpumask"), "5");
		CU_ASSERT_PTR_NOT_NULL(strstr(report, "workqueues: unbound CPU mask 5, and that of 2 workqueues"));
		CU_ASSERT_PTR_NOT_NULL(strstr(report, "writeback"));
		CU_ASSERT_PTR_NOT_NULL(strstr(report, "CPU 3 (a hyper-thread sibling) offline"));
		CU_ASSERT_PTR_NOT_NULL(strstr(report, "2 cpusets with CPUs going offline saved"));
		/* what the kernel does to them; the undo gives them back, parent first */
		snprintf(cg, sizeof(cg), "%s/sys/fs/cgroup/cpuset", dir);
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "machine/vm1/cpuset.cpus"), "2-3");
		kt_write(dir, "sys/fs/cgroup/cpuset/machine/cpuset.cpus", "0-2\n");
		kt_write(dir, "sys/fs/cgroup/cpuset/machine/vm1/cpuset.cpus", "2\n");
		CU_ASSERT_PTR_NOT_NULL(strstr(report, nr_pids < 0 ? "tasks: 3 moved" : "tasks: 2 moved"));
	}
	free(report);
	{
		char *j = kvmrt_read_file(journal, NULL), want[3 * PATH_MAX + 256];

		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		snprintf(want, sizeof(want), "move 101\t%s/fs/cgroup/cpuset/tasks\n", sys);
		CU_ASSERT_PTR_NOT_NULL(strstr(j, want));
		snprintf(want, sizeof(want), "move 200\t%s/fs/cgroup/cpuset/tasks\n", sys);
		CU_ASSERT_EQUAL(strstr(j, want) != NULL, nr_pids < 0);
		/* the child's cpuset before its parent's, both before the CPU goes offline */
		snprintf(want, sizeof(want), "write %s/fs/cgroup/cpuset/machine/vm1/cpuset.cpus\t2-3\n"
			 "write %s/fs/cgroup/cpuset/machine/cpuset.cpus\t0-3\n"
			 "write %s/devices/system/cpu/cpu3/online\t1\n", sys, sys, sys);
		CU_ASSERT_PTR_NOT_NULL(strstr(j, want));
		CU_ASSERT_PTR_NULL(strstr(j, "other/cpuset.cpus"));
		free(j);
	}
	after = snapshot(dir);
	CU_ASSERT(strcmp(before, after) != 0);
	free(after);
	CU_ASSERT_EQUAL(kvmrt_shield_undo(journal, &report), 0);
	CU_ASSERT_STRING_EQUAL(report, "");
	free(report);
	same_as_before(dir, before);
	/* nothing left to undo */
	CU_ASSERT_EQUAL(kvmrt_shield_undo(journal, &report), 0);
	free(report);
	free(before);
	tu_rm_rf(dir);
	free(dir);
	xtrace_idset_free(cpus);
	xtrace_idset_free(off);
	xtrace_idset_free(hk);
}

/* cgroup v2: an isolated partition instead of v1's cpusets; undone file for file */
static void run_partition(int v2)
{
	struct xtrace_idset *cpus = xtrace_idset_new(), *off = xtrace_idset_new();
	struct xtrace_idset *hk = xtrace_idset_new();
	char sys[PATH_MAX], proc[PATH_MAX], journal[PATH_MAX + 16], cg[PATH_MAX + 64];
	char *dir = make_host(sys, proc, sizeof(sys), v2), *before, *report = NULL;
	struct kvmrt_shield_req q = {
		.sysfs = sys, .procfs = proc, .name = "fde74e84", .cpus = cpus, .offline = off,
		.housekeeping = hk, .pids = NULL, .nr_pids = 0,
	};
	char *j;

	xtrace_idset_parse(cpus, "1", NULL);
	xtrace_idset_parse(off, "3", NULL);
	xtrace_idset_parse(hk, "0,2", NULL);
	snprintf(journal, sizeof(journal), "%s/journal", dir);
	before = snapshot(dir);
	CU_ASSERT_EQUAL(kvmrt_shield_apply(&q, journal, &report), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(report);
	CU_ASSERT_PTR_NOT_NULL(strstr(report, "cgroup v2: CPUs 1 are the isolated partition kvmrt-fde74e84"));
	snprintf(cg, sizeof(cg), "%s/fs/cgroup", sys);
	CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-fde74e84/cpuset.cpus"), "1");
	CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-fde74e84/cpuset.cpus.partition"), "isolated");
	CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-housekeeping/cpuset.cpus"), "(none)");
	CU_ASSERT_STRING_EQUAL(kt_rd(cg, "cgroup.subtree_control"),
			       v2 == 2 ? "cpuset cpu memory" : "+cpuset");
	CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/9/smp_affinity_list"), "0,2");
	CU_ASSERT_STRING_EQUAL(kt_rd(sys, "devices/virtual/workqueue/writeback/cpumask"), "5");
	free(report);
	j = kvmrt_read_file(journal, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	snprintf(cg, sizeof(cg), "put %s/fs/cgroup/cgroup.subtree_control\t-cpuset\n", sys);
	CU_ASSERT_EQUAL(strstr(j, cg) != NULL, v2 == 1);
	free(j);
	CU_ASSERT_EQUAL(kvmrt_shield_undo(journal, &report), 0);
	CU_ASSERT_STRING_EQUAL(report, "");
	free(report);
	if (v2 == 2) {
		same_as_before(dir, before);
	} else {
		/* a fake file keeps what was written: "-cpuset" turns the controller off again */
		snprintf(cg, sizeof(cg), "%s/fs/cgroup", sys);
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "cgroup.subtree_control"), "-cpuset");
		CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-fde74e84/cpuset.cpus"), "(none)");
	}
	free(before);
	tu_rm_rf(dir);
	free(dir);
	xtrace_idset_free(cpus);
	xtrace_idset_free(off);
	xtrace_idset_free(hk);
}

/*
 * Two real-time VMs (CPUs 1 and 2 of a 1 x 4 x 1 host): what their shields
 * share (housekeeping cpuset, workqueues, IRQs) is in host.state, undone with
 * the last shield only; the first VM's shutdown leaves the second one shielded.
 */
static void test_two_vms(void)
{
	struct xtrace_idset *a = xtrace_idset_new(), *b = xtrace_idset_new();
	struct xtrace_idset *off = xtrace_idset_new(), *hk = xtrace_idset_new();
	char *dir = tu_mkdtemp(), *before, *report = NULL;
	char sys[PATH_MAX], proc[PATH_MAX], state[PATH_MAX], ja[PATH_MAX + 16], jb[PATH_MAX + 16];
	char host[PATH_MAX + 16], cg[PATH_MAX + 64];
	struct kvmrt_shield_req q = {
		.sysfs = sys, .procfs = proc, .offline = off, .housekeeping = hk, .nr_pids = 0,
		.host_journal = host,
	};

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(ja, sizeof(ja), "%s/aaaa.state", state);
	snprintf(jb, sizeof(jb), "%s/bbbb.state", state);
	snprintf(host, sizeof(host), "%s/host.state", state);
	CU_ASSERT_EQUAL_FATAL(kt_make_sysfs(sys, 1, 4, 1, 1, false, NULL), 0);
	kt_write(dir, "sys/fs/cgroup/cpuset/cpuset.mems", "0\n");
	kt_write(dir, "sys/fs/cgroup/cpuset/cpuset.cpus", "0-3\n");
	kt_write(dir, "sys/devices/virtual/workqueue/cpumask", "f\n");
	kt_write(dir, "sys/devices/virtual/workqueue/writeback/cpumask", "f\n");
	kt_write(dir, "proc/interrupts", "           CPU0       CPU1\n");
	kt_write(dir, "proc/irq/9/smp_affinity_list", "0-3\n");
	kt_write(dir, "proc/irq/default_smp_affinity", "f\n");
	mkdir(state, 0755);
	xtrace_idset_parse(a, "1", NULL);
	xtrace_idset_parse(b, "2", NULL);
	xtrace_idset_parse(hk, "0,3", NULL);
	before = snapshot(dir);

	q.name = "aaaa";
	q.cpus = a;
	CU_ASSERT_EQUAL(kvmrt_shield_apply(&q, ja, &report), 0);
	free(report);
	q.name = "bbbb";
	q.cpus = b;
	CU_ASSERT_EQUAL(kvmrt_shield_apply(&q, jb, &report), 0);
	free(report);
	CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/9/smp_affinity_list"), "0,3");
	/* the first VM stops: its cpuset goes, what the second needs stays */
	CU_ASSERT_EQUAL(tool_undo_shield("a", ja), 0);
	snprintf(cg, sizeof(cg), "%s/fs/cgroup/cpuset", sys);
	CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-aaaa/cpuset.cpus"), "(none)");
	CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-bbbb/cpuset.cpus"), "2");
	CU_ASSERT_STRING_EQUAL(kt_rd(cg, "kvmrt-housekeeping/cpuset.cpus"), "0,3");
	CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/9/smp_affinity_list"), "0,3");
	CU_ASSERT_STRING_EQUAL(kt_rd(sys, "devices/virtual/workqueue/writeback/cpumask"), "9");
	CU_ASSERT_EQUAL(access(host, F_OK), 0);
	/* the last one: everything as before */
	CU_ASSERT_EQUAL(tool_undo_shield("b", jb), 0);
	CU_ASSERT_NOT_EQUAL(access(host, F_OK), 0);
	same_as_before(dir, before);
	free(before);
	tu_rm_rf(dir);
	free(dir);
	xtrace_idset_free(a);
	xtrace_idset_free(b);
	xtrace_idset_free(off);
	xtrace_idset_free(hk);
}

static void test_partition(void) { run_partition(2); }
static void test_partition_enable(void) { run_partition(1); }
static void test_scoped(void) { run_shield(1, false); }
static void test_all_tasks(void) { run_shield(-1, false); }
static void test_fail_middle(void) { run_shield(1, true); }

static void test_mask(void)
{
	struct xtrace_idset *s = xtrace_idset_new();
	char *m;

	xtrace_idset_parse(s, "0,2", NULL);
	m = xtrace_idset_mask(s);
	CU_ASSERT_STRING_EQUAL(m, "5");
	free(m);
	xtrace_idset_parse(s, "0-3,32,67", NULL);
	m = xtrace_idset_mask(s);
	CU_ASSERT_STRING_EQUAL(m, "8,00000001,0000000f");
	free(m);
	xtrace_idset_clear(s);
	m = xtrace_idset_mask(s);
	CU_ASSERT_STRING_EQUAL(m, "0");
	free(m);
	xtrace_idset_free(s);
}

int add_shield_suite(void)
{
	CU_pSuite s = CU_add_suite("shield", NULL, NULL);

	return !s || !CU_add_test(s, "CPU masks", test_mask) ||
	       !CU_add_test(s, "scoped shield and undo", test_scoped) ||
	       !CU_add_test(s, "every task, root load balancing", test_all_tasks) ||
	       !CU_add_test(s, "a failure in the middle is undone", test_fail_middle) ||
	       !CU_add_test(s, "two VMs: the shared settings go with the last shield",
			    test_two_vms) ||
	       !CU_add_test(s, "cgroup v2 isolated partition", test_partition) ||
	       !CU_add_test(s, "cgroup v2, cpuset controller enabled", test_partition_enable);
}

// SPDX-License-Identifier: LGPL-2.1
/* kvmrt-validate-host's checks on a fake good host, a fake bad one and this machine. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt-test.h"
#include "sysfs-gen.h"

/* a 1 x 4 x 1 machine with a real-time VM on CPUs 2-3 and a PCI device */
static const char cfg_text[] =
	"[fde74e84-0e1b-404e-90e7-72101e79c48a]\n"
	"name = rt1\n"
	"nr_vcpus = 1\n"
	"cpuset = 2-3\n"
	"rt = true\n"
	"pcidevs = 03:00.0\n";

struct host {
	char *dir;
	char sys[PATH_MAX], proc[PATH_MAX], dev[PATH_MAX];
	struct kvmrt_host_roots roots;
	struct kvmrt_topo *topo;
};

static void host_make(struct host *h, bool good)
{
	h->dir = tu_mkdtemp();
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->dir);
	snprintf(h->sys, sizeof(h->sys), "%s/sys", h->dir);
	snprintf(h->proc, sizeof(h->proc), "%s/proc", h->dir);
	snprintf(h->dev, sizeof(h->dev), "%s/dev", h->dir);
	CU_ASSERT_EQUAL_FATAL(kt_make_sysfs(h->sys, 1, 4, 1, 1, false, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(kt_make_host(h->dir, 4, good), 0);
	h->roots.sysfs = h->sys;
	h->roots.procfs = h->proc;
	h->roots.devfs = h->dev;
	h->topo = kvmrt_topo_load(h->sys);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->topo);
}

static void host_free(struct host *h)
{
	kvmrt_topo_free(h->topo);
	tu_rm_rf(h->dir);
	free(h->dir);
}

/* the check called @what has @level and its result contains @needle */
static void expect(const struct kvmrt_checks *c, const char *what, enum kvmrt_check_level level,
		   const char *needle)
{
	const struct kvmrt_check *k = kvmrt_checks_find(c, what);

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	if (k->level != level || !strstr(k->result, needle))
		fprintf(stderr, "\n    %s: %s %s (expected %s, '%s')\n", what,
			kvmrt_check_level_name(k->level), k->result, kvmrt_check_level_name(level),
			needle);
	CU_ASSERT_EQUAL(k->level, level);
	CU_ASSERT_PTR_NOT_NULL(strstr(k->result, needle));
	/* a problem always says how to fix it, a pass never */
	if (level == KVMRT_PASS)
		CU_ASSERT_PTR_NULL(k->fix);
}

static void test_cmdline_param(void)
{
	static const char cl[] = "ro isolcpus=1 quiet isolcpus=managed_irq,2-3 iommu=pt nosmt -- isolcpus=7 x=1";
	char *v;

	v = kvmrt_cmdline_param(cl, "isolcpus");
	CU_ASSERT_STRING_EQUAL(v, "managed_irq,2-3");	/* the last wins, init's words ignored */
	free(v);
	v = kvmrt_cmdline_param(cl, "nosmt");
	CU_ASSERT_STRING_EQUAL(v, "");
	free(v);
	CU_ASSERT_PTR_NULL(kvmrt_cmdline_param(cl, "iommu.strict"));
	CU_ASSERT_PTR_NULL(kvmrt_cmdline_param(cl, "x"));
	CU_ASSERT_PTR_NULL(kvmrt_cmdline_param(cl, "isol"));
	CU_ASSERT_PTR_NULL(kvmrt_cmdline_param(NULL, "isolcpus"));
}

static void test_good_host(void)
{
	struct kvmrt_config *cfg = kt_config(cfg_text);
	struct kvmrt_checks c = { 0 };
	struct host h;

	host_make(&h, true);
	CU_ASSERT_EQUAL(kvmrt_check_host(&h.roots, cfg, h.topo, &c), 0);
	for (int i = 0; i < c.n; i++)
		if (c.v[i].level != KVMRT_PASS)
			fprintf(stderr, "\n    %s: %s %s", c.v[i].what,
				kvmrt_check_level_name(c.v[i].level), c.v[i].result);
	CU_ASSERT_EQUAL(c.worst, KVMRT_PASS);
	expect(&c, "kernel preemption", KVMRT_PASS, "/sys/kernel/realtime = 1");
	expect(&c, "isolcpus", KVMRT_PASS, "isolcpus=managed_irq,domain,2-3");
	expect(&c, "nohz_full", KVMRT_PASS, "2-3");
	expect(&c, "rcu_nocbs", KVMRT_PASS, "2-3");
	expect(&c, "irqaffinity", KVMRT_PASS, "0-1");
	expect(&c, "IOMMU", KVMRT_PASS, "2 IOMMU groups, iommu=pt");
	expect(&c, "VFIO", KVMRT_PASS, "vfio-pci loaded");
	expect(&c, "/dev/kvm", KVMRT_PASS, "accessible");
	expect(&c, "kvm modules", KVMRT_PASS, "kvm_intel");
	expect(&c, "SMT", KVMRT_PASS, "off");
	expect(&c, "cpufreq governor", KVMRT_PASS, "performance");
	expect(&c, "idle states", KVMRT_PASS, "no enabled idle state");
	expect(&c, "irqbalance", KVMRT_PASS, "not running");
	expect(&c, "THP", KVMRT_PASS, "[never]");
	expect(&c, "RT throttling", KVMRT_PASS, "-1");
	expect(&c, "timer migration", KVMRT_PASS, "off");
	expect(&c, "RT group scheduling", KVMRT_PASS, "off");
	expect(&c, "cpuset cgroup", KVMRT_PASS, "v1");
	expect(&c, "memlock limit", KVMRT_PASS, "runs as root");
	expect(&c, "chronyd", KVMRT_PASS, "pid 500");
	kvmrt_checks_release(&c);

	/* the real-time VM grows past isolcpus and the irqaffinity CPUs */
	CU_ASSERT_EQUAL(kvmrt_vm_set(cfg->vms[0], "cpuset", "1-3"), 1);
	CU_ASSERT_EQUAL(kvmrt_check_host(&h.roots, cfg, h.topo, &c), 0);
	expect(&c, "isolcpus", KVMRT_WARN, "leaves out real-time CPUs 1");
	expect(&c, "irqaffinity", KVMRT_WARN, "includes real-time CPUs");
	CU_ASSERT_EQUAL(c.worst, KVMRT_WARN);
	kvmrt_checks_release(&c);
	host_free(&h);
	kvmrt_config_free(cfg);
}

static void test_bad_host(void)
{
	struct kvmrt_config *cfg = kt_config(cfg_text);
	struct kvmrt_checks c = { 0 };
	struct host h;

	host_make(&h, false);
	CU_ASSERT_EQUAL(kvmrt_check_host(&h.roots, cfg, h.topo, &c), 0);
	CU_ASSERT_EQUAL(c.worst, KVMRT_FAIL);
	expect(&c, "kernel preemption", KVMRT_FAIL, "PREEMPT_DYNAMIC");
	expect(&c, "isolcpus", KVMRT_WARN, "leaves out real-time CPUs 2-3");
	expect(&c, "nohz_full", KVMRT_WARN, "not set; real-time CPUs: 2-3");
	expect(&c, "rcu_nocbs", KVMRT_WARN, "'x-y' does not parse");
	expect(&c, "irqaffinity", KVMRT_WARN, "not set");
	expect(&c, "IOMMU", KVMRT_FAIL, "pcidevs cannot be passed through");
	expect(&c, "VFIO", KVMRT_FAIL, "0000:03:00.0 does not exist");
	expect(&c, "/dev/kvm", KVMRT_FAIL, "missing");
	expect(&c, "kvm modules", KVMRT_WARN, "no kvm_intel or kvm_amd");
	expect(&c, "SMT", KVMRT_WARN, "on (control on)");
	expect(&c, "cpufreq governor", KVMRT_WARN, "CPUs 1-3 run governor 'powersave'");
	expect(&c, "idle states", KVMRT_WARN, "CPUs 0-3 may enter deep idle states (C6: 133 us");
	expect(&c, "irqbalance", KVMRT_WARN, "pid 300");
	expect(&c, "THP", KVMRT_WARN, "always");
	expect(&c, "RT throttling", KVMRT_WARN, "950000 of 1000000");
	expect(&c, "timer migration", KVMRT_WARN, "on");
	expect(&c, "RT group scheduling", KVMRT_FAIL, "machine.slice has cpu.rt_runtime_us = 0");
	expect(&c, "cpuset cgroup", KVMRT_FAIL, "no cpuset controller");
	expect(&c, "memlock limit", KVMRT_FAIL, "libvirtd's hard limit is 64 KiB");
	expect(&c, "chronyd", KVMRT_WARN, "not running");
	kvmrt_checks_release(&c);

	/* without a configuration: nothing is about real-time VMs or pcidevs */
	CU_ASSERT_EQUAL(kvmrt_check_host(&h.roots, NULL, h.topo, &c), 0);
	expect(&c, "isolcpus", KVMRT_PASS, "isolcpus=1");
	expect(&c, "IOMMU", KVMRT_WARN, "PCI passthrough (pcidevs) is impossible");
	expect(&c, "VFIO", KVMRT_WARN, "vfio-pci is not loaded");
	expect(&c, "memlock limit", KVMRT_WARN, "64 KiB");
	kvmrt_checks_release(&c);
	host_free(&h);
	kvmrt_config_free(cfg);
}

/* the real machine: every check runs and is classified, whatever the host is */
static void test_this_host(void)
{
	struct kvmrt_host_roots r = { "/sys", "/proc", "/dev" };
	struct kvmrt_topo *topo = kvmrt_topo_load("/sys");
	struct kvmrt_checks c = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(topo);
	CU_ASSERT_EQUAL(kvmrt_check_host(&r, NULL, topo, &c), 0);
	CU_ASSERT_EQUAL(c.n, 20);
	for (int i = 0; i < c.n; i++) {
		CU_ASSERT(c.v[i].level <= c.worst);
		CU_ASSERT(c.v[i].level == KVMRT_PASS || c.v[i].fix);
	}
	kvmrt_checks_release(&c);
	kvmrt_topo_free(topo);
}

int add_hostcheck_suite(void)
{
	CU_pSuite s = CU_add_suite("hostcheck", NULL, NULL);

	return !s || !CU_add_test(s, "kernel command line", test_cmdline_param) ||
	       !CU_add_test(s, "a good host passes", test_good_host) ||
	       !CU_add_test(s, "a bad host warns and fails", test_bad_host) ||
	       !CU_add_test(s, "this machine is classified", test_this_host);
}

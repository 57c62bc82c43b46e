// SPDX-License-Identifier: LGPL-2.1
/*
 * The 1.4 guide's configuration items on a 2 x 10 x 2 host with 2 NUMA nodes
 * and PCI devices in IOMMU groups (sysfs-gen): the CPUSET syntax, nr_vcpus =
 * auto, pcidevs and IOMMU groups, the passthrough IRQs, hide_kvm.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt-test.h"

static void test_cpuset_syntax(void)
{
	static const struct {
		const char *spec;
		int ret;
		const char *cpus;	/* or where *bad points */
	} cases[] = {
		{ "0,1,16-19", 0, "0-1,16-19" },
		{ " 4 - 6 ", 0, "4-6" },
		{ "n1", 0, "10-19,30-39" },
		{ "n0-1", 0, "0-39" },
		{ "N0,n1", 0, "0-39" },
		{ "p0", 0, "0-9,20-29" },
		{ "c3", 0, "3,23" },
		{ "c3-4,c13", 0, "3-4,13,23-24,33" },
		{ "t5", 0, "5" },
		{ "n1,~t10,~c11", 0, "12-19,30,32-39" },
		{ " n1 , ~ t30 ", 0, "10-19,31-39" },
		{ "~n0", 0, "10-19,30-39" },
		{ "~n0,~p1", 0, "" },
		{ "2-5,~3", 0, "2,4-5" },
		{ "n2", -ENOENT, "n2" },
		{ "n1,c20", -ENOENT, "c20" },
		{ "p0,t40", -ENOENT, "t40" },
		{ "n1,x3", -EINVAL, "x3" },
		{ "n", -EINVAL, "n" },
		{ "n1,", -EINVAL, "" },
		{ "n1 ,", -EINVAL, "" },
		{ "n1,,c3", -EINVAL, ",c3" },
		{ "~", -EINVAL, "~" },
		{ "n1-0", -EINVAL, "n1-0" },
		{ "0,,3", -EINVAL, ",3" },
		{ "n99999999", -ERANGE, "n99999999" },
	};
	struct xtrace_idset *s = xtrace_idset_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *bad = NULL;
		int ret = kvmrt_cpuset_parse(s, cases[i].spec, kt_big, &bad);

		if (ret != cases[i].ret)
			fprintf(stderr, "\n    '%s': %d, want %d\n", cases[i].spec, ret, cases[i].ret);
		CU_ASSERT_EQUAL(ret, cases[i].ret);
		if (!ret) {
			CU_ASSERT_STRING_EQUAL(kt_fmt(s), cases[i].cpus);
			if (strcmp(kt_fmt(s), cases[i].cpus))
				fprintf(stderr, "\n    '%s': %s\n", cases[i].spec, kt_fmt(s));
		} else {
			CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
			CU_ASSERT_EQUAL(strncmp(bad, cases[i].cpus, strlen(cases[i].cpus)), 0);
			/* the item's place in the value itself */
			CU_ASSERT_TRUE(bad >= cases[i].spec && bad <= cases[i].spec + strlen(cases[i].spec));
			if (!*cases[i].cpus)
				CU_ASSERT_EQUAL(*bad, '\0');
			CU_ASSERT_TRUE(xtrace_idset_empty(s));
		}
	}
	/* without a topology: the syntax is checked, the CPUs wait for one */
	CU_ASSERT_EQUAL(kvmrt_cpuset_parse(s, "n1,~t3", NULL, NULL), -EAGAIN);
	CU_ASSERT_EQUAL(kvmrt_cpuset_parse(s, "n1,x", NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(kvmrt_cpuset_parse(s, "1-3", NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(kt_fmt(s), "1-3");
	CU_ASSERT_TRUE(kvmrt_cpuset_is_plain("0, 2-4"));
	CU_ASSERT_FALSE(kvmrt_cpuset_is_plain("~2"));
	CU_ASSERT_FALSE(kvmrt_cpuset_is_plain("c2"));
	xtrace_idset_free(s);
}

#define VM(uuid, body) "[" uuid "]\n" body "\n"
#define U1 "aeec46cc-0638-4949-ac04-146b233194a9"
#define U2 "fde74e84-0e1b-404e-90e7-72101e79c48a"

static struct kvmrt_config *resolved(const char *text)
{
	struct kvmrt_config *cfg = kt_config(text);

	CU_ASSERT_TRUE(kvmrt_config_resolve(cfg, kt_big) >= 0);
	return cfg;
}

static void test_resolve_and_auto(void)
{
	struct kvmrt_config *cfg;
	struct kvmrt_placement *p;
	char *s;

	/* read alone, a prefixed cpuset waits for the host; no error either way */
	cfg = kt_config(VM(U1, "name = a\nnr_vcpus = auto\ncpuset = n1,~t10\nrt = on"));
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	CU_ASSERT_TRUE(cfg->vms[0]->cpuset_unresolved);
	CU_ASSERT_TRUE(xtrace_idset_empty(cfg->vms[0]->cpuset));
	CU_ASSERT_EQUAL(kvmrt_config_resolve(cfg, kt_big), 0);
	CU_ASSERT_FALSE(cfg->vms[0]->cpuset_unresolved);
	CU_ASSERT_STRING_EQUAL(kt_fmt(cfg->vms[0]->cpuset), "11-19,30-39");
	/* real-time: 10 cores, one CPU each stays (11-19 and 30, the lowest of core 10) */
	CU_ASSERT_EQUAL(cfg->vms[0]->nr_vcpus, 9);
	s = kvmrt_vm_format(cfg->vms[0], KA_NR_VCPUS);
	CU_ASSERT_STRING_EQUAL(s, "auto");
	free(s);
	p = kvmrt_place(cfg->vms[0], kt_big);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->prov, KVMRT_PROV_EXACT);
	CU_ASSERT_EQUAL(p->emulator_cpu, 11);
	CU_ASSERT_STRING_EQUAL(kt_fmt(p->offline), "10,31-39");
	CU_ASSERT_STRING_EQUAL(kt_fmt(p->vcpu[8]), "30");
	kvmrt_placement_free(p);
	/*
	 * the same CPUs written plainly: nothing is said about the vCPUs before
	 * the host shows which siblings go offline (9, not the 19 of the plain count)
	 */
	kvmrt_config_free(cfg);
	cfg = kt_config(VM(U1, "name = a\nnr_vcpus = auto\ncpu_topology = 1,9,1\n"
			   "cpuset = 11-19,30-39\nrt = on"));
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	CU_ASSERT_EQUAL(kvmrt_config_resolve(cfg, kt_big), 0);
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	kt_dump(&cfg->diags);
	CU_ASSERT_EQUAL(cfg->vms[0]->nr_vcpus, 9);
	/* a change re-reads it on the same host */
	CU_ASSERT_EQUAL(kvmrt_vm_set(cfg->vms[0], "cpuset", "c1-4"), 1);
	CU_ASSERT_STRING_EQUAL(kt_fmt(cfg->vms[0]->cpuset), "1-4,21-24");
	CU_ASSERT_EQUAL(cfg->vms[0]->nr_vcpus, 3);
	kvmrt_config_free(cfg);

	/* not real-time: every CPU counts */
	cfg = resolved(VM(U1, "name = a\nnr_vcpus = AUTO\ncpuset = c1-4"));
	CU_ASSERT_EQUAL(cfg->vms[0]->nr_vcpus, 7);
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	kvmrt_config_free(cfg);

	/* a sibling taken offline runs no vCPU: cpuset 4,24 is one CPU, under-provisioned */
	cfg = resolved(VM(U1, "name = a\nnr_vcpus = 1\ncpuset = 4,24\nrt = on"));
	p = kvmrt_place(cfg->vms[0], kt_big);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->prov, KVMRT_PROV_UNDER);
	CU_ASSERT_STRING_EQUAL(kt_fmt(p->vcpu[0]), "4");
	kvmrt_placement_free(p);
	CU_ASSERT_TRUE(kvmrt_validate(cfg, kt_big, &cfg->diags) > 0);
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "a", "cpuset", "under-provisioned"));
	kvmrt_config_free(cfg);

	/* auto without a cpuset; a node the host lacks; a cpu_topology for auto */
	cfg = resolved(VM(U1, "name = a\nnr_vcpus = auto")
		       VM(U2, "name = b\ncpuset = n3"));
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "a", "nr_vcpus", "auto needs a cpuset"));
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "b", "cpuset",
			      "'n3': 'n3' is not on this host"));
	CU_ASSERT_EQUAL(cfg->diags.errors, 2);
	kvmrt_config_free(cfg);
	cfg = resolved(VM(U1, "name = a\nnr_vcpus = auto\ncpuset = p1\ncpu_topology = 1,19,1"));
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	kt_dump(&cfg->diags);
	kvmrt_config_free(cfg);
	cfg = resolved(VM(U1, "name = a\nnr_vcpus = auto\ncpuset = p1\ncpu_topology = 1,2,1"));
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "a", "cpu_topology", "nr_vcpus is 19"));
	kvmrt_config_free(cfg);
	/* malformed: said without a host already, and once */
	cfg = kt_config(VM(U1, "name = a\ncpuset = n1,q"));
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "a", "cpuset", "malformed cpuset 'n1,q' at 'q'"));
	CU_ASSERT_EQUAL(kvmrt_config_resolve(cfg, kt_big), 0);
	CU_ASSERT_EQUAL(cfg->diags.errors, 1);
	kvmrt_config_free(cfg);
}

static struct kvmrt_config *validated(const char *text)
{
	struct kvmrt_config *cfg = resolved(text);

	CU_ASSERT_TRUE(kvmrt_validate(cfg, kt_big, &cfg->diags) >= 0);
	return cfg;
}

static void test_pcidevs(void)
{
	struct kvmrt_config *cfg;

	/* a group with a bridge: the bridge stays with the host */
	cfg = validated(VM(U1, "name = a\ncpuset = 15-17\npcidevs = 0000:22:00.0 0000:22:00.1"));
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	kt_dump(&cfg->diags);
	kvmrt_config_free(cfg);
	/* half a group */
	cfg = validated(VM(U1, "name = a\ncpuset = 15-17\npcidevs = 22:00.0"));
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "a", "pcidevs", "PCI device 0000:22:00.0 is in IOMMU group 21 with 0000:22:00.1: VFIO passes a whole group, so add it to pcidevs"));
	CU_ASSERT_EQUAL(cfg->diags.errors, 1);
	kvmrt_config_free(cfg);
	/* a group split between two VMs; a disabled VM takes no part */
	cfg = validated(VM(U1, "name = a\ncpuset = 15-17\npcidevs = 22:00.0")
			VM(U2, "name = b\ncpuset = 18\npcidevs = 22:00.1"));
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "a", "pcidevs", "shares IOMMU group 21 with 0000:22:00.1, which is passed to VM 'b'"));
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "b", "pcidevs", "which is passed to VM 'a'"));
	kvmrt_config_free(cfg);
	cfg = validated(VM(U1, "name = a\ncpuset = 15-17\npcidevs = 22:00.0,22:00.1")
			VM(U2, "name = b\ncpuset = 18\npcidevs = 22:00.1, 55:00.0\ndisabled = yes"));
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	kt_dump(&cfg->diags);
	kvmrt_config_free(cfg);
	/* not on the host; another NUMA node than the cpuset's */
	cfg = validated(VM(U1, "name = a\ncpuset = 1-3\npcidevs = 55:00.0, 0000:21:00.0"));
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "a", "pcidevs", "PCI device 0000:55:00.0 is not on this host"));
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_WARNING, "a", "pcidevs", "PCI device 0000:21:00.0 is on NUMA node 1, not one of the cpuset's (0)"));
	CU_ASSERT_EQUAL(cfg->diags.errors, 1);
	kvmrt_config_free(cfg);
}

static void test_hide_kvm(void)
{
	struct kvmrt_config *cfg = validated(VM(U1, "name = a\ncpuset = 1-3\nhide_kvm = on"));

	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_WARNING, "a", "hide_kvm", "no kvm-clock and so no ptp_kvm"));
	CU_ASSERT_EQUAL(cfg->diags.errors, 0);
	kvmrt_config_free(cfg);
	cfg = validated(VM(U1, "name = a\ncpuset = 1-3\nhide_kvm = off"));
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	kvmrt_config_free(cfg);
}

static void test_passthrough_irqs(void)
{
	struct xtrace_idset *irqs = xtrace_idset_new(), *cpus = xtrace_idset_new();
	char *dir = tu_mkdtemp(), sys[PATH_MAX], proc[PATH_MAX], journal[PATH_MAX];
	char *report = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(sys, sizeof(sys), "%s/sys", kt_big_dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(journal, sizeof(journal), "%s/j.state", dir);
	kt_write(dir, "proc/interrupts", "      CPU0  CPU1\n"
		 " 60:  1  2  IR-PCI-MSI 1-edge  nvme0q0\n"
		 " 75:  0  0  IR-PCI-MSIX-0000:21:00.0 2-edge  vfio-msix[2](0000:21:00.0)\n"
		 " 80:  0  0  IR-PCI-MSI 3-edge  eth0\n");
	kt_write(dir, "proc/irq/60/smp_affinity_list", "0-39\n");
	kt_write(dir, "proc/irq/75/smp_affinity_list", "0-39\n");
	kt_write(dir, "proc/irq/80/smp_affinity_list", "0-39\n");
	/* 61: in msi_irqs, but the kernel has no such IRQ (not listed) */
	CU_ASSERT_EQUAL(kvmrt_pci_irqs(sys, proc, "0000:21:00.0", irqs), 0);
	CU_ASSERT_STRING_EQUAL(kt_fmt(irqs), "60,75");
	CU_ASSERT_EQUAL(kvmrt_pci_irqs(sys, proc, "0000:55:00.0", irqs), -ENOENT);

	xtrace_idset_parse(cpus, "11-13", NULL);
	CU_ASSERT_EQUAL(kvmrt_shield_pin_irqs(proc, irqs, cpus, journal, &report), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(report, "IRQ 75 (passthrough) pinned to the VM's CPUs 11-13"));
	free(report);
	CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/60/smp_affinity_list"), "11-13");
	CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/75/smp_affinity_list"), "11-13");
	CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/80/smp_affinity_list"), "0-39");
	/* undone with the shield's journal */
	CU_ASSERT_EQUAL(kvmrt_shield_undo(journal, &report), 0);
	free(report);
	CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/60/smp_affinity_list"), "0-39");
	CU_ASSERT_STRING_EQUAL(kt_rd(proc, "irq/75/smp_affinity_list"), "0-39");
	tu_rm_rf(dir);
	free(dir);
	xtrace_idset_free(irqs);
	xtrace_idset_free(cpus);
}

int add_guide14_suite(void)
{
	CU_pSuite s = CU_add_suite("guide 1.4 items", kt_big_setup, kt_big_teardown);

	return !s || !CU_add_test(s, "CPUSET syntax", test_cpuset_syntax) ||
	       !CU_add_test(s, "resolved on the host, nr_vcpus = auto", test_resolve_and_auto) ||
	       !CU_add_test(s, "pcidevs and IOMMU groups", test_pcidevs) ||
	       !CU_add_test(s, "hide_kvm", test_hide_kvm) ||
	       !CU_add_test(s, "passthrough IRQs pinned and restored", test_passthrough_irqs);
}

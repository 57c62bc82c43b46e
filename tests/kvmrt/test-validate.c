// SPDX-License-Identifier: LGPL-2.1
/* CPU placement and every validation rule, on a 2 x 10 x 2 host with 2 NUMA nodes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt-test.h"

/* One VM "v" with the given extra lines. */
static struct kvmrt_config *one_vm(const char *lines)
{
	char text[1024];

	snprintf(text, sizeof(text), "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = v\n%s", lines);
	return kt_config(text);
}

static void test_placement(void)
{
	static const struct {
		const char *cpuset;
		int nr_vcpus;
		int emulator;
		const char *vcpus[4];
		int prov;
	} cases[] = {
		{ "1-5", 4, 1, { "2", "3", "4", "5" }, KVMRT_PROV_EXACT },
		{ "4-9", 2, 4, { "5,7,9", "6,8" }, KVMRT_PROV_OVER },
		{ "2-3", 3, 2, { "3", "3", "3" }, KVMRT_PROV_UNDER },
		{ "2-4", 3, 2, { "3", "4", "3" }, KVMRT_PROV_UNDER },
		{ "7", 2, 7, { "7", "7" }, KVMRT_PROV_UNDER },
		{ "9,3,15", 1, 3, { "9,15" }, KVMRT_PROV_OVER },
		{ "", 2, -1, { "", "" }, KVMRT_PROV_NONE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char lines[128];
		struct kvmrt_config *cfg;
		struct kvmrt_placement *p;

		snprintf(lines, sizeof(lines), "cpuset = %s\nnr_vcpus = %d\n", cases[i].cpuset,
			 cases[i].nr_vcpus);
		cfg = one_vm(lines);
		p = kvmrt_place(cfg->vms[0], kt_big);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL(p->emulator_cpu, cases[i].emulator);
		CU_ASSERT_EQUAL(p->prov, cases[i].prov);
		CU_ASSERT_EQUAL(p->bound, *cases[i].cpuset != '\0');
		CU_ASSERT_EQUAL_FATAL(p->nr_vcpus, cases[i].nr_vcpus);
		for (int v = 0; v < p->nr_vcpus; v++) {
			CU_ASSERT_STRING_EQUAL(kt_fmt(p->vcpu[v]), cases[i].vcpus[v]);
			if (strcmp(kt_fmt(p->vcpu[v]), cases[i].vcpus[v]))
				fprintf(stderr, "\n    cpuset %s vCPU %d: %s, want %s\n",
					cases[i].cpuset, v, kt_fmt(p->vcpu[v]), cases[i].vcpus[v]);
		}
		kvmrt_placement_free(p);
		kvmrt_config_free(cfg);
	}
}

static void test_placement_memory_numa_siblings(void)
{
	static const struct {
		const char *lines;
		bool locked;
		const char *nodes, *offline, *owned;
	} cases[] = {
		{ "cpuset = 5-9\n", false, "0", "", "5-9" },
		{ "cpuset = 5-9\nrt = yes\n", true, "0", "25-29", "5-9,25-29" },
		{ "cpuset = 5-9\nrt = yes\nrt_memory = true\nnumatune = 0-1\n", true, "0-1", "25-29",
		  "5-9,25-29" },
		{ "cpuset = 5,25,26\nrt = yes\n", true, "0", "6,25", "5-6,25-26" },
		{ "cpuset = 8-9,18-19\nrt = yes\n", true, "0-1", "28-29,38-39", "8-9,18-19,28-29,38-39" },
		{ "cpuset = 2-3\nrt_memory = on\n", true, "0", "", "2-3" },
		{ "cpuset = 12-13\nnumatune =\n", false, "", "", "12-13" },
		{ "cpuset =\nnumatune = 1\n", false, "", "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kvmrt_config *cfg = one_vm(cases[i].lines);
		struct kvmrt_placement *p = kvmrt_place(cfg->vms[0], kt_big);

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL(p->rt_memory, cases[i].locked);
		CU_ASSERT_STRING_EQUAL(kt_fmt(p->numa_nodes), cases[i].nodes);
		CU_ASSERT_STRING_EQUAL(kt_fmt(p->offline), cases[i].offline);
		CU_ASSERT_STRING_EQUAL(kt_fmt(p->owned), cases[i].owned);
		kvmrt_placement_free(p);
		kvmrt_config_free(cfg);
	}
}

/* Validate @text on the kt_big host; returns the config (its diags hold the validation's). */
static struct kvmrt_config *check(const char *text)
{
	struct kvmrt_config *cfg = kt_config(text);

	CU_ASSERT_TRUE(kvmrt_validate(cfg, kt_big, &cfg->diags) >= 0);
	return cfg;
}

#define VM(uuid, body) "[" uuid "]\n" body "\n"
#define U1 "aeec46cc-0638-4949-ac04-146b233194a9"
#define U2 "fde74e84-0e1b-404e-90e7-72101e79c48a"
#define U3 "3c9a5b0e-7d41-4c1f-9a55-0b6f1e2d7c88"

/* Each rule alone: @text breaks exactly the rule and gives the message. */
static void test_rules(void)
{
	static const struct {
		const char *what, *text;
		enum kvmrt_level level;
		const char *vm, *attr, *msg;
		int line;
	} cases[] = {
		{ "rt overlap", VM(U1, "name = rt\nrt = on\nnr_vcpus = 2\ncpuset = 5-7")
		  VM(U2, "name = other\ncpuset = 7-8"), KVMRT_ERROR, "rt", "cpuset",
		  "overlaps the cpuset of VM 'other' on CPU 7", 5 },
		{ "under-provisioned", VM(U1, "name = rt\nrt = on\nnr_vcpus = 4\ncpuset = 5-8"),
		  KVMRT_ERROR, "rt", "cpuset", "under-provisioned: 4 CPUs (5-8) for 4 vCPUs; a "
		  "real-time VM needs at least nr_vcpus + 1 = 5", 5 },
		{ "rt without cpuset", VM(U1, "name = rt\nrt = on\nnr_vcpus = 2"), KVMRT_ERROR, "rt",
		  "rt", "a real-time VM needs a cpuset", 3 },
		{ "rt with rt_memory off", VM(U1, "name = rt\nrt = on\ncpuset = 5-6\nrt_memory = off"),
		  KVMRT_ERROR, "rt", "rt_memory", "needs locked memory", 5 },
		{ "every host CPU", VM(U1, "name = r1\nrt = on\nnr_vcpus = 8\ncpuset = 1-9")
		  VM(U2, "name = r2\nrt = on\nnr_vcpus = 9\ncpuset = 10-19,0"), KVMRT_WARNING, NULL,
		  "cpuset", "take every host CPU (0-39): the host's housekeeping work and interrupts "
		  "share their emulator CPUs", 0 },
		{ "CPUs not on the host", VM(U1, "name = v\ncpuset = 38-41"), KVMRT_ERROR, "v",
		  "cpuset", "CPUs 40-41 not on this host (it has CPUs 0-39)", 3 },
		{ "nodes not on the host", VM(U1, "name = v\ncpuset = 1\nnumatune = 1-2"), KVMRT_ERROR,
		  "v", "numatune", "NUMA node 2 not on this host (it has nodes 0-1)", 4 },
		{ "sibling of an rt VM's CPU", VM(U1, "name = rt\nrt = on\ncpuset = 5-6")
		  VM(U2, "name = other\ncpuset = 26-27"), KVMRT_ERROR, "other", "cpuset",
		  "CPU 26 is a hyper-thread sibling of the CPUs of real-time VM 'rt'", 7 },
		{ "one PCI device, two VMs", VM(U1, "name = a\npcidevs = 03:00.0")
		  VM(U2, "name = b\npcidevs = 0000:03:00.0"), KVMRT_ERROR, "b", "pcidevs",
		  "PCI device 0000:03:00.0 is also passed to VM 'a'", 6 },
		{ "spans NUMA nodes", VM(U1, "name = rt\nrt = on\ncpuset = 8-9,18"), KVMRT_WARNING,
		  "rt", "cpuset", "CPUs 8-9,18 span NUMA nodes 0-1", 4 },
		{ "shares NUMA nodes", VM(U1, "name = rt\nrt = on\ncpuset = 5-6")
		  VM(U2, "name = other\ncpuset = 1-2"), KVMRT_WARNING, "other", "cpuset",
		  "shares NUMA node 0 with real-time VM 'rt'", 7 },
		{ "numatune off", VM(U1, "name = rt\nrt = on\ncpuset = 5-6\nnumatune ="), KVMRT_WARNING,
		  "rt", "numatune", "off: the memory of a real-time VM may come from any NUMA node", 5 },
		{ "numatune outside", VM(U1, "name = rt\nrt = on\ncpuset = 5-6\nnumatune = 0-1"),
		  KVMRT_WARNING, "rt", "numatune", "NUMA nodes 1 are outside the nodes of the cpuset (0)",
		  5 },
		{ "other VM's numatune", VM(U1, "name = rt\nrt = on\ncpuset = 15-16")
		  VM(U2, "name = other\ncpuset = 2\nnumatune = 0-1"), KVMRT_WARNING, "other",
		  "numatune", "NUMA node 1 is used by the cpuset of real-time VM 'rt'", 8 },
		{ "first CPU of a socket", VM(U1, "name = rt\nrt = on\ncpuset = 10-12"), KVMRT_WARNING,
		  "rt", "cpuset", "CPU 10 is the first CPU of socket 1", 4 },
		{ "two threads of a core", VM(U1, "name = rt\nrt = on\ncpuset = 5-6,25"), KVMRT_WARNING,
		  "rt", "cpuset", "CPU 25 shares a core with another CPU of the cpuset", 4 },
		{ "numatune without cpuset", VM(U1, "name = v\nnumatune = 1"), KVMRT_WARNING, "v",
		  "numatune", "ignored: the cpuset is empty", 3 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kvmrt_config *cfg = check(cases[i].text);
		bool found = false;

		for (int j = 0; j < cfg->diags.n; j++) {
			const struct kvmrt_diag *d = &cfg->diags.v[j];

			if (d->level == cases[i].level && d->line == cases[i].line &&
			    strstr(d->msg, cases[i].msg) &&
			    (cases[i].vm ? d->vm && !strcmp(d->vm, cases[i].vm) : !d->vm) &&
			    d->attr && !strcmp(d->attr, cases[i].attr))
				found = true;
		}
		if (!found) {
			fprintf(stderr, "\n    rule '%s': no '%s'; got:\n", cases[i].what, cases[i].msg);
			kt_dump(&cfg->diags);
		}
		CU_ASSERT_TRUE(found);
		/* a warning case has no error */
		if (cases[i].level == KVMRT_WARNING) {
			CU_ASSERT_EQUAL(cfg->diags.errors, 0);
			if (cfg->diags.errors)
				kt_dump(&cfg->diags);
		}
		kvmrt_config_free(cfg);
	}
}

static void test_clean_and_once(void)
{
	struct kvmrt_config *cfg;
	int overlaps = 0;

	/* the guide's recommendations kept: nothing to say */
	cfg = check(VM(U1, "name = rt0\nrt = on\nnr_vcpus = 4\ncpuset = 5-9")
		    VM(U2, "name = rt1\nrt = true\nnr_vcpus = 2\ncpuset = 17-19\nnumatune = 1")
		    VM(U3, "name = plain\nnr_vcpus = 2"));
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	kt_dump(&cfg->diags);
	kvmrt_config_free(cfg);

	/* two real-time VMs overlapping: one error, not two */
	cfg = check(VM(U1, "name = a\nrt = on\ncpuset = 5-7")
		    VM(U2, "name = b\nrt = on\ncpuset = 7-9"));
	for (int j = 0; j < cfg->diags.n; j++)
		overlaps += strstr(cfg->diags.v[j].msg, "overlaps") != NULL;
	CU_ASSERT_EQUAL(overlaps, 1);
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_ERROR, "a", "cpuset", "VM 'b' on CPU 7"));
	kvmrt_config_free(cfg);

	/* a disabled VM takes no part in the rules between VMs */
	cfg = check(VM(U1, "name = a\nrt = on\ncpuset = 5-7")
		    VM(U2, "name = b\ncpuset = 5-9\ndisabled = yes"));
	CU_ASSERT_EQUAL(cfg->diags.errors, 0);
	kvmrt_config_free(cfg);
}

static void test_sample_file(void)
{
	struct kvmrt_config *cfg;

	CU_ASSERT_EQUAL_FATAL(kvmrt_config_load(KVMRT_TEST_DIR "/../../samples/kvmrt.cfg", &cfg), 0);
	CU_ASSERT_EQUAL(cfg->nr_vms, 3);
	CU_ASSERT_TRUE(kvmrt_validate(cfg, kt_big, &cfg->diags) == 0);
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	kt_dump(&cfg->diags);
	kvmrt_config_free(cfg);
}

int add_validate_suite(void)
{
	CU_pSuite s = CU_add_suite("placement and validation", kt_big_setup, kt_big_teardown);

	if (!s || !CU_add_test(s, "emulator CPU and round-robin vCPUs", test_placement) ||
	    !CU_add_test(s, "memory, NUMA nodes, siblings offline",
			 test_placement_memory_numa_siblings) ||
	    !CU_add_test(s, "each rule", test_rules) ||
	    !CU_add_test(s, "clean, reported once, disabled VMs", test_clean_and_once) ||
	    !CU_add_test(s, "samples/kvmrt.cfg is valid on 2x10x2", test_sample_file))
		return -1;
	return 0;
}

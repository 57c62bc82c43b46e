// SPDX-License-Identifier: LGPL-2.1
/* The host topology from (fake) sysfs trees. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt-test.h"

static void expect_set(const struct xtrace_idset *s, const char *want)
{
	char *f = xtrace_idset_format(s);

	CU_ASSERT_STRING_EQUAL(f, want);
	if (strcmp(f, want))
		fprintf(stderr, "\n    got '%s', want '%s'\n", f, want);
	free(f);
}

/* 2 sockets x 10 cores x 2 threads, 2 NUMA nodes, Intel numbering */
static void test_two_sockets_ht(void)
{
	struct kvmrt_topo *t = kt_topo("2 10 2 2");
	struct xtrace_idset *s = xtrace_idset_new(), *out = xtrace_idset_new();

	expect_set(t->cpus, "0-39");
	expect_set(t->nodes, "0-1");
	expect_set(t->sockets, "0-1");
	CU_ASSERT_EQUAL(t->nr_cores, 20);
	expect_set(t->node_cpus[0], "0-9,20-29");
	expect_set(t->node_cpus[1], "10-19,30-39");
	CU_ASSERT_EQUAL(t->cpu[25].socket, 0);
	CU_ASSERT_EQUAL(t->cpu[25].core_id, 5);
	CU_ASSERT_EQUAL(t->cpu[25].node, 0);
	CU_ASSERT_EQUAL(t->cpu[33].socket, 1);
	CU_ASSERT_EQUAL(t->cpu[33].node, 1);
	CU_ASSERT_TRUE(t->cpu[39].online);
	/* cores in order of their first CPU */
	expect_set(t->cores[0].cpus, "0,20");
	expect_set(t->cores[13].cpus, "13,33");
	CU_ASSERT_EQUAL(t->cores[13].socket, 1);
	CU_ASSERT_EQUAL(t->cpu[33].core, 13);
	CU_ASSERT_EQUAL(kvmrt_topo_first_cpu_of_socket(t, 0), 0);
	CU_ASSERT_EQUAL(kvmrt_topo_first_cpu_of_socket(t, 1), 10);
	CU_ASSERT_EQUAL(kvmrt_topo_first_cpu_of_socket(t, 2), -1);
	xtrace_idset_parse(s, "5-6,18", NULL);
	CU_ASSERT_EQUAL(kvmrt_topo_siblings_of(t, s, out), 0);
	expect_set(out, "5-6,18,25-26,38");
	xtrace_idset_clear(out);
	CU_ASSERT_EQUAL(kvmrt_topo_nodes_of(t, s, out), 0);
	expect_set(out, "0-1");
	xtrace_idset_free(s);
	xtrace_idset_free(out);
	kvmrt_topo_free(t);
}

/* hyper-threads numbered next to each other, one socket, no NUMA directory */
static void test_adjacent_no_numa(void)
{
	struct kvmrt_topo *t = kt_topo("1 4 2 0 adjacent");

	expect_set(t->cpus, "0-7");
	expect_set(t->nodes, "0");
	expect_set(t->node_cpus[0], "0-7");
	CU_ASSERT_EQUAL(t->nr_cores, 4);
	expect_set(t->cores[1].cpus, "2-3");
	CU_ASSERT_EQUAL(t->cpu[7].core, 3);
	kvmrt_topo_free(t);
}

/* four NUMA nodes over two sockets; offline CPUs */
static void test_nodes_and_offline(void)
{
	struct kvmrt_topo *t = kt_topo("2 4 2 4 offline=9,15");

	expect_set(t->nodes, "0-3");
	expect_set(t->node_cpus[1], "2-3,10-11");
	CU_ASSERT_FALSE(t->cpu[9].online);
	CU_ASSERT_FALSE(t->cpu[15].online);
	CU_ASSERT_TRUE(t->cpu[1].online);
	/* an online CPU whose sibling is offline is a core of one thread */
	expect_set(t->cores[t->cpu[1].core].cpus, "1");
	CU_ASSERT_EQUAL(t->cpu[9].socket, -1);
	kvmrt_topo_free(t);
}

static void test_missing_and_real(void)
{
	struct kvmrt_topo *t;

	errno = 0;
	CU_ASSERT_PTR_NULL(kvmrt_topo_load("/nonexistent-sysfs"));
	CU_ASSERT_EQUAL(errno, ENOENT);
	/* this machine's own */
	t = kvmrt_topo_load("/sys");
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_TRUE(xtrace_idset_count(t->cpus) >= 1);
	CU_ASSERT_TRUE(t->nr_cores >= 1);
	CU_ASSERT_TRUE(xtrace_idset_subset(t->node_cpus[xtrace_idset_next(t->nodes, 0)], t->cpus));
	kvmrt_topo_free(t);
}

int add_topology_suite(void)
{
	CU_pSuite s = CU_add_suite("topology", NULL, NULL);

	if (!s || !CU_add_test(s, "2 sockets x 10 cores x 2 threads, 2 nodes", test_two_sockets_ht) ||
	    !CU_add_test(s, "adjacent threads, no NUMA", test_adjacent_no_numa) ||
	    !CU_add_test(s, "4 nodes, offline CPUs", test_nodes_and_offline) ||
	    !CU_add_test(s, "missing tree, this machine", test_missing_and_real))
		return -1;
	return 0;
}

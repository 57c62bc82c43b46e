// SPDX-License-Identifier: LGPL-2.1
/*
 * libvirt round trips with the test driver (no daemon): define a domain,
 * sync a VM into it, read the XML back from libvirt and check every element;
 * then back from libvirt into the file. test:///default keeps its state for
 * this process only, so each round trip is done within one connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "kvmrt-test.h"

#define UUID "5d0a9a9e-9b8c-4b59-8a41-1c3f4e5d6a7b"

static const char domain_xml[] =
	"<domain type='test'>"
	"<name>rt-guest</name><uuid>" UUID "</uuid>"
	"<description>kept by libvirt</description>"
	"<memory unit='KiB'>1048576</memory><vcpu placement='static'>1</vcpu>"
	"<iothreads>1</iothreads>"
	"<os><type arch='x86_64'>hvm</type></os>"
	"<devices><disk type='file' device='disk'><source file='/tmp/rt.img'/>"
	"<target dev='vda' bus='virtio'/></disk><memballoon model='virtio'/></devices>"
	"</domain>";

static const char rt_cfg[] =
	"[" UUID "]\n"
	"name = rt-guest\n"
	"description = kept by libvirt\n"
	"nr_vcpus = 3\n"
	"cpu_topology = 1,3,1\n"
	"cpuset = 15-19\n"
	"rt = true\n"
	"numatune = auto\n"
	"hide_kvm = yes\n"
	"pcidevs = 0000:81:00.0\n"
	"autostart = no\n"
	"comments = only in the file\n"
	"local_setting = 7\n";

/* The string value of XPath @expr in @xml. */
static char *xs(const char *xml, const char *expr)
{
	static char buf[4][256];
	static int i;
	xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "t.xml", NULL, XML_PARSE_NONET);
	xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
	xmlXPathObjectPtr o = ctx ? xmlXPathEvalExpression(BAD_CAST expr, ctx) : NULL;
	xmlChar *s = o ? xmlXPathCastToString(o) : NULL;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s", s ? (char *)s : "(bad)");
	xmlFree(s);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return buf[i];
}

#define XEQ(xml, expr, want) do { \
	const char *_got = xs(xml, expr); \
	CU_ASSERT_STRING_EQUAL(_got, want); \
	if (strcmp(_got, want)) \
		fprintf(stderr, "\n    %s = '%s', want '%s'\n", expr, _got, want); \
} while (0)

static struct kvmrt_virt *open_or_fail(const char *uri)
{
	char *err = NULL;
	struct kvmrt_virt *v = kvmrt_virt_open(uri, &err);

	if (!v)
		fprintf(stderr, "\n    %s: %s\n", uri, err);
	free(err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	return v;
}

static void test_sync_round_trip(void)
{
	struct kvmrt_virt *v = open_or_fail("test:///default");
	struct kvmrt_config *cfg = kt_config(rt_cfg), *back;
	char *xml = NULL, *err = NULL, *out;
	struct kvmrt_domsettings s;
	bool changed = false;
	int ret;

	CU_ASSERT_EQUAL_FATAL(kvmrt_virt_define(v, domain_xml, &err), 0);
	ret = kvmrt_sync_vm(v, cfg->vms[0], kt_big, false, &changed, &xml, &err);
	if (ret)
		fprintf(stderr, "\n    sync: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_TRUE(changed);
	free(xml);
	/* read back from libvirt, afresh */
	CU_ASSERT_EQUAL_FATAL(kvmrt_virt_get_xml(v, UUID, &xml, &err), 0);
	XEQ(xml, "string(/domain/vcpu)", "3");
	XEQ(xml, "string(/domain/cpu/topology/@sockets)", "1");
	XEQ(xml, "string(/domain/cpu/topology/@cores)", "3");
	XEQ(xml, "string(/domain/cpu/topology/@threads)", "1");
	/* cpuset 15-19: emulator 15, vCPUs 16,19 / 17 / 18 */
	XEQ(xml, "count(/domain/cputune/vcpupin)", "3");
	XEQ(xml, "string(/domain/cputune/vcpupin[@vcpu='0']/@cpuset)", "16,19");
	XEQ(xml, "string(/domain/cputune/vcpupin[@vcpu='1']/@cpuset)", "17");
	XEQ(xml, "string(/domain/cputune/vcpupin[@vcpu='2']/@cpuset)", "18");
	XEQ(xml, "string(/domain/cputune/emulatorpin/@cpuset)", "15");
	XEQ(xml, "string(/domain/cputune/iothreadpin[@iothread='1']/@cpuset)", "15");
	XEQ(xml, "count(/domain/cputune/vcpusched[@scheduler='fifo'])",
	    xs(xml, "count(/domain/cputune/vcpusched)"));
	CU_ASSERT_STRING_NOT_EQUAL(xs(xml, "count(/domain/cputune/vcpusched)"), "0");
	XEQ(xml, "string(/domain/cputune/vcpusched/@priority)", "1");
	XEQ(xml, "string(/domain/numatune/memory/@mode)", "strict");
	XEQ(xml, "string(/domain/numatune/memory/@nodeset)", "1");
	XEQ(xml, "count(/domain/memoryBacking/locked)", "1");
	XEQ(xml, "string(/domain/features/kvm/hidden/@state)", "on");
	XEQ(xml, "string(/domain/devices/hostdev[@type='pci']/source/address/@bus)", "0x81");
	XEQ(xml, "string(/domain/devices/memballoon/@model)", "none");
	XEQ(xml, "string(/domain/devices/disk/source/@file)", "/tmp/rt.img");
	XEQ(xml, "string(/domain/description)", "kept by libvirt");

	/* in sync now: nothing to change */
	ret = kvmrt_sync_vm(v, cfg->vms[0], kt_big, false, &changed, NULL, &err);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_FALSE(changed);

	/* the other way: a file that says otherwise takes libvirt's values */
	back = kt_config("[" UUID "]\nname = rt-guest\nnr_vcpus = 1\nrt = off\n"
			 "autostart = no\nlocal_setting = 7\n");
	CU_ASSERT_EQUAL_FATAL(kvmrt_domxml_read(xml, kt_big, &s, &err), 0);
	ret = kvmrt_update_vm(back->vms[0], &s, kt_big);
	kvmrt_domsettings_release(&s);
	CU_ASSERT_TRUE(ret > 0);
	for (int a = 0; a < KA_NR; a++) {
		char *want = kvmrt_vm_format(cfg->vms[0], a), *got = kvmrt_vm_format(back->vms[0], a);

		if (a == KA_CPU_TOPOLOGY) {
			/* "1,3,1" and auto mean the same with 3 vCPUs */
			CU_ASSERT_EQUAL(back->vms[0]->sockets, cfg->vms[0]->sockets);
			CU_ASSERT_EQUAL(back->vms[0]->cores, cfg->vms[0]->cores);
			CU_ASSERT_EQUAL(back->vms[0]->threads, cfg->vms[0]->threads);
		} else if (a != KA_COMMENTS && strcmp(want, got)) {
			fprintf(stderr, "\n    %s: '%s' after -r, '%s' synced\n", kvmrt_attr_name(a),
				got, want);
			CU_FAIL("-r gives another value");
		}
		free(want);
		free(got);
	}
	CU_ASSERT_STRING_EQUAL(kvmrt_vm_get(back->vms[0], "local_setting"), "7");
	CU_ASSERT_FALSE(back->vms[0]->autostart);
	/* the dry run of a changed VM says what would change and changes nothing */
	CU_ASSERT_EQUAL(kvmrt_vm_set(cfg->vms[0], "hide_kvm", "no"), 1);
	CU_ASSERT_EQUAL(kvmrt_sync_vm(v, cfg->vms[0], kt_big, true, &changed, &out, &err), 0);
	CU_ASSERT_TRUE(changed);
	XEQ(out, "count(/domain/features/kvm/hidden)", "0");
	free(out);
	free(xml);
	CU_ASSERT_EQUAL_FATAL(kvmrt_virt_get_xml(v, UUID, &xml, &err), 0);
	XEQ(xml, "string(/domain/features/kvm/hidden/@state)", "on");
	free(xml);

	kvmrt_config_free(back);
	kvmrt_config_free(cfg);
	kvmrt_virt_close(v);
}

static void test_rename_unknown_list(void)
{
	struct kvmrt_virt *v = open_or_fail("test:///default");
	struct kvmrt_config *cfg;
	char *err = NULL, *xml = NULL, **uuids = NULL;
	bool changed, found = false;
	int n;

	CU_ASSERT_EQUAL_FATAL(kvmrt_virt_define(v, domain_xml, &err), 0);
	/* a new name in the file renames the domain */
	cfg = kt_config("[" UUID "]\nname = renamed\n");
	CU_ASSERT_EQUAL(kvmrt_sync_vm(v, cfg->vms[0], kt_big, false, &changed, &xml, &err), 0);
	if (err)
		fprintf(stderr, "\n    rename: %s\n", err);
	CU_ASSERT_TRUE(changed);
	free(xml);
	free(err);
	err = NULL;
	CU_ASSERT_EQUAL(kvmrt_virt_get_xml(v, "renamed", &xml, &err), 0);
	free(xml);
	CU_ASSERT_EQUAL(kvmrt_virt_get_xml(v, "rt-guest", &xml, &err), -ENOENT);
	free(err);
	err = NULL;
	kvmrt_config_free(cfg);

	/* a VM libvirt does not know */
	cfg = kt_config("[aeec46cc-0638-4949-ac04-146b233194a9]\nname = ghost\n");
	CU_ASSERT_EQUAL(kvmrt_sync_vm(v, cfg->vms[0], kt_big, false, &changed, NULL, &err), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown to libvirt"));
	free(err);
	err = NULL;
	kvmrt_config_free(cfg);

	n = kvmrt_virt_list(v, &uuids, &err);
	CU_ASSERT_TRUE(n >= 2);	/* the driver's own "test" and ours */
	for (int i = 0; i < n; i++) {
		found |= !strcmp(uuids[i], UUID);
		free(uuids[i]);
	}
	free(uuids);
	CU_ASSERT_TRUE(found);
	kvmrt_virt_close(v);

	CU_ASSERT_PTR_NULL(kvmrt_virt_open("test:///nonexistent/node.xml", &err));
	CU_ASSERT_PTR_NOT_NULL(err);
	free(err);
}

/* A custom host and its domains from a test:///PATH file. */
static void test_node_file(void)
{
	static const char node[] =
		"<node><cpu><nodes>2</nodes><sockets>2</sockets><cores>10</cores><threads>2</threads>"
		"<active>40</active><mhz>3000</mhz><model>x86_64</model></cpu>"
		"<memory>16777216</memory>"
		"<domain type='test'><name>from-file</name><uuid>" UUID "</uuid>"
		"<memory>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os>"
		"<cputune><vcpupin vcpu='0' cpuset='7'/><vcpupin vcpu='1' cpuset='8'/>"
		"<emulatorpin cpuset='6'/><vcpusched vcpus='0-1' scheduler='fifo' priority='1'/>"
		"</cputune><memoryBacking><locked/></memoryBacking>"
		"<numatune><memory mode='strict' nodeset='0'/></numatune></domain></node>";
	char *dir = tu_mkdtemp(), uri[300], *xml = NULL, *err = NULL;
	struct kvmrt_domsettings s;
	struct kvmrt_virt *v;

	CU_ASSERT_EQUAL_FATAL(kt_write(dir, "node.xml", node), 0);
	snprintf(uri, sizeof(uri), "test://%s/node.xml", dir);
	v = open_or_fail(uri);
	CU_ASSERT_EQUAL_FATAL(kvmrt_virt_get_xml(v, "from-file", &xml, &err), 0);
	CU_ASSERT_EQUAL_FATAL(kvmrt_domxml_read(xml, kt_big, &s, &err), 0);
	CU_ASSERT_STRING_EQUAL(s.val[KA_NAME], "from-file");
	CU_ASSERT_STRING_EQUAL(s.val[KA_NR_VCPUS], "2");
	CU_ASSERT_STRING_EQUAL(s.val[KA_CPUSET], "6-8");
	CU_ASSERT_STRING_EQUAL(s.val[KA_RT], "true");
	CU_ASSERT_STRING_EQUAL(s.val[KA_RT_MEMORY], "auto");
	CU_ASSERT_STRING_EQUAL(s.val[KA_NUMATUNE], "auto");
	kvmrt_domsettings_release(&s);
	free(xml);
	kvmrt_virt_close(v);
	tu_rm_rf(dir);
	free(dir);
}

int add_virt_suite(void)
{
	CU_pSuite s = CU_add_suite("libvirt test driver", kt_big_setup, kt_big_teardown);

	if (!s || !CU_add_test(s, "sync, read back, -r", test_sync_round_trip) ||
	    !CU_add_test(s, "rename, unknown VM, list, bad URI", test_rename_unknown_list) ||
	    !CU_add_test(s, "test:///PATH node file", test_node_file))
		return -1;
	return 0;
}

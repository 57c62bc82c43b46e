// SPDX-License-Identifier: LGPL-2.1
/* The domain XML: every KVM-RT element written and read back, nothing else touched. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "kvmrt-test.h"

/* A domain as virt-manager would write it, with much KVM-RT does not own. */
static const char rich_xml[] =
	"<domain type='kvm' xmlns:my='http://example.com/my'>\n"
	"  <name>old-name</name>\n"
	"  <uuid>fde74e84-0e1b-404e-90e7-72101e79c48a</uuid>\n"
	"  <title>old title</title>\n"
	"  <metadata><my:tag owner='ops'>keep</my:tag></metadata>\n"
	"  <memory unit='KiB'>2097152</memory>\n"
	"  <memoryBacking><hugepages/></memoryBacking>\n"
	"  <vcpu placement='static' current='1' cpuset='0-3'>2</vcpu>\n"
	"  <iothreads>2</iothreads>\n"
	"  <cputune><shares>2048</shares><vcpupin vcpu='0' cpuset='0'/><emulatorpin cpuset='0-1'/>"
	"</cputune>\n"
	"  <numatune><memory mode='preferred' nodeset='1'/><memnode cellid='0' mode='strict' "
	"nodeset='0'/></numatune>\n"
	"  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/></os>\n"
	"  <features><acpi/><apic/><kvm><poll-control state='on'/></kvm></features>\n"
	"  <cpu mode='host-passthrough' check='none'><feature policy='disable' name='x2apic'/>"
	"<topology sockets='2' dies='1' cores='1' threads='1'/></cpu>\n"
	"  <clock offset='utc'><timer name='rtc' tickpolicy='catchup'/></clock>\n"
	"  <devices>\n"
	"    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
	"    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
	"<source file='/var/lib/libvirt/images/rt.qcow2'/><target dev='vda' bus='virtio'/></disk>\n"
	"    <interface type='network'><mac address='52:54:00:11:22:33'/><source network='default'/>"
	"<model type='virtio'/></interface>\n"
	"    <graphics type='vnc' port='-1' passwd='s3cret'/>\n"
	"    <hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/>"
	"<product id='0x5678'/></source></hostdev>\n"
	"    <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' "
	"bus='0x05' slot='0x00' function='0x0'/></source></hostdev>\n"
	"    <hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' "
	"bus='0x03' slot='0x00' function='0x0'/></source><rom bar='off'/></hostdev>\n"
	"    <memballoon model='virtio'><address type='pci' domain='0x0000' bus='0x00' slot='0x07' "
	"function='0x0'/></memballoon>\n"
	"  </devices>\n"
	"</domain>\n";

static const char rt_cfg[] =
	"[fde74e84-0e1b-404e-90e7-72101e79c48a]\n"
	"name = RedHawk-RT\n"
	"title = Real-Time RedHawk\n"
	"description = line one\n"
	"    line two & <three>\n"
	"nr_vcpus = 4\n"
	"cpu_topology = 1,2,2\n"
	"cpuset = 4-9\n"
	"rt = yes\n"
	"hide_kvm = on\n"
	"pcidevs = 03:00.0, 0000:81:00.1\n";

struct xdoc {
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
};

static struct xdoc xopen(const char *xml)
{
	struct xdoc x;

	x.doc = xmlReadMemory(xml, strlen(xml), "t.xml", NULL, XML_PARSE_NONET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.doc);
	x.ctx = xmlXPathNewContext(x.doc);
	xmlXPathRegisterNs(x.ctx, BAD_CAST "my", BAD_CAST "http://example.com/my");
	return x;
}

static void xclose(struct xdoc *x)
{
	xmlXPathFreeContext(x->ctx);
	xmlFreeDoc(x->doc);
}

/* The string value of XPath @expr. */
static char *xs(struct xdoc *x, const char *expr)
{
	static char buf[4][512];
	static int i;
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, x->ctx);
	xmlChar *s = o ? xmlXPathCastToString(o) : NULL;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s", s ? (char *)s : "(bad xpath)");
	xmlFree(s);
	xmlXPathFreeObject(o);
	return buf[i];
}

#define XEQ(x, expr, want) do { \
	const char *_got = xs(x, expr); \
	CU_ASSERT_STRING_EQUAL(_got, want); \
	if (strcmp(_got, want)) \
		fprintf(stderr, "\n    %s = '%s', want '%s'\n", expr, _got, want); \
} while (0)

static char *apply(const char *xml, const char *cfgtext, bool *changed)
{
	struct kvmrt_config *cfg = kt_config(cfgtext);
	char *out = NULL, *err = NULL;

	CU_ASSERT_EQUAL(cfg->diags.errors, 0);
	CU_ASSERT_EQUAL(kvmrt_domxml_apply(xml, cfg->vms[0], kt_big, &out, changed, &err), 0);
	if (err)
		fprintf(stderr, "\n    apply: %s\n", err);
	free(err);
	kvmrt_config_free(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	return out;
}

static void test_apply_rt(void)
{
	bool changed = false;
	char *out = apply(rich_xml, rt_cfg, &changed), *again;
	struct xdoc x = xopen(out);

	CU_ASSERT_TRUE(changed);
	XEQ(&x, "string(/domain/name)", "RedHawk-RT");
	XEQ(&x, "string(/domain/title)", "Real-Time RedHawk");
	XEQ(&x, "string(/domain/description)", "line one\nline two & <three>");
	XEQ(&x, "string(/domain/vcpu)", "4");
	XEQ(&x, "count(/domain/vcpu/@current)", "0");
	XEQ(&x, "count(/domain/vcpu/@cpuset)", "0");
	XEQ(&x, "string(/domain/vcpu/@placement)", "static");
	XEQ(&x, "string(/domain/cpu/topology/@sockets)", "1");
	XEQ(&x, "string(/domain/cpu/topology/@dies)", "1");
	XEQ(&x, "string(/domain/cpu/topology/@cores)", "2");
	XEQ(&x, "string(/domain/cpu/topology/@threads)", "2");
	/* cpuset 4-9: emulator on 4, vCPUs round-robin over 5-9 */
	XEQ(&x, "count(/domain/cputune/vcpupin)", "4");
	XEQ(&x, "string(/domain/cputune/vcpupin[@vcpu='0']/@cpuset)", "5,9");
	XEQ(&x, "string(/domain/cputune/vcpupin[@vcpu='1']/@cpuset)", "6");
	XEQ(&x, "string(/domain/cputune/vcpupin[@vcpu='3']/@cpuset)", "8");
	XEQ(&x, "count(/domain/cputune/emulatorpin)", "1");
	XEQ(&x, "string(/domain/cputune/emulatorpin/@cpuset)", "4");
	XEQ(&x, "count(/domain/cputune/iothreadpin)", "2");
	XEQ(&x, "string(/domain/cputune/iothreadpin[@iothread='2']/@cpuset)", "4");
	XEQ(&x, "string(/domain/cputune/vcpusched/@scheduler)", "fifo");
	XEQ(&x, "count(/domain/cputune/vcpusched[@scheduler='fifo'])", "4");
	XEQ(&x, "string(/domain/cputune/vcpusched[4]/@vcpus)", "3");
	XEQ(&x, "string(/domain/cputune/vcpusched/@priority)", "1");
	XEQ(&x, "string(/domain/numatune/memory/@mode)", "strict");
	XEQ(&x, "string(/domain/numatune/memory/@nodeset)", "0");
	XEQ(&x, "count(/domain/memoryBacking/locked)", "1");
	XEQ(&x, "string(/domain/features/kvm/hidden/@state)", "on");
	XEQ(&x, "count(/domain/devices/hostdev[@type='pci'])", "2");
	XEQ(&x, "count(/domain/devices/hostdev[@type='pci'][source/address/@bus='0x05'])", "0");
	XEQ(&x, "string(/domain/devices/hostdev[source/address/@bus='0x81']/source/address/@function)",
	    "0x1");
	XEQ(&x, "string(/domain/devices/hostdev[source/address/@bus='0x81']/@managed)", "yes");
	XEQ(&x, "count(/domain/devices/memballoon)", "1");
	XEQ(&x, "string(/domain/devices/memballoon/@model)", "none");
	XEQ(&x, "count(/domain/devices/memballoon/*)", "0");
	/* what KVM-RT does not own is as it was */
	XEQ(&x, "string(/domain/@type)", "kvm");
	XEQ(&x, "string(/domain/metadata/my:tag/@owner)", "ops");
	XEQ(&x, "string(/domain/memory)", "2097152");
	XEQ(&x, "count(/domain/memoryBacking/hugepages)", "1");
	XEQ(&x, "string(/domain/iothreads)", "2");
	XEQ(&x, "string(/domain/cputune/shares)", "2048");
	XEQ(&x, "string(/domain/numatune/memnode/@nodeset)", "0");
	XEQ(&x, "string(/domain/os/type/@machine)", "pc-q35-7.2");
	XEQ(&x, "count(/domain/features/acpi)", "1");
	XEQ(&x, "string(/domain/features/kvm/poll-control/@state)", "on");
	XEQ(&x, "string(/domain/cpu/@mode)", "host-passthrough");
	XEQ(&x, "string(/domain/cpu/feature/@name)", "x2apic");
	XEQ(&x, "string(/domain/clock/timer/@tickpolicy)", "catchup");
	XEQ(&x, "string(/domain/devices/disk/source/@file)", "/var/lib/libvirt/images/rt.qcow2");
	XEQ(&x, "string(/domain/devices/interface/mac/@address)", "52:54:00:11:22:33");
	XEQ(&x, "string(/domain/devices/graphics/@passwd)", "s3cret");
	XEQ(&x, "string(/domain/devices/hostdev[@type='usb']/source/vendor/@id)", "0x1234");
	/* the kept PCI device keeps its own settings */
	XEQ(&x, "string(/domain/devices/hostdev[source/address/@bus='0x03']/@managed)", "no");
	XEQ(&x, "count(/domain/devices/hostdev[source/address/@bus='0x03']/rom)", "1");
	xclose(&x);

	/* a second sync changes nothing */
	again = apply(out, rt_cfg, &changed);
	CU_ASSERT_FALSE(changed);
	CU_ASSERT_STRING_EQUAL(again, out);
	free(again);
	free(out);
}

static void test_apply_not_rt(void)
{
	static const char cfg[] =
		"[fde74e84-0e1b-404e-90e7-72101e79c48a]\n"
		"name = plain\n"
		"nr_vcpus = 2\n";
	bool changed;
	char *rt = apply(rich_xml, rt_cfg, &changed);
	char *out = apply(rt, cfg, &changed);
	struct xdoc x = xopen(out);

	CU_ASSERT_TRUE(changed);
	XEQ(&x, "count(/domain/title)", "0");
	XEQ(&x, "count(/domain/description)", "0");
	XEQ(&x, "string(/domain/vcpu)", "2");
	XEQ(&x, "string(/domain/cpu/topology/@sockets)", "1");
	XEQ(&x, "string(/domain/cpu/topology/@cores)", "2");
	XEQ(&x, "string(/domain/cpu/topology/@threads)", "1");
	/* unbound: no pins, no real-time scheduling; the rest of cputune stays */
	XEQ(&x, "count(/domain/cputune/vcpupin|/domain/cputune/emulatorpin|"
		"/domain/cputune/iothreadpin|/domain/cputune/vcpusched)", "0");
	XEQ(&x, "string(/domain/cputune/shares)", "2048");
	XEQ(&x, "count(/domain/numatune/memory)", "0");
	XEQ(&x, "count(/domain/numatune/memnode)", "1");
	XEQ(&x, "count(/domain/memoryBacking/locked)", "0");
	XEQ(&x, "count(/domain/memoryBacking/hugepages)", "1");
	XEQ(&x, "count(/domain/features/kvm/hidden)", "0");
	XEQ(&x, "count(/domain/features/kvm/poll-control)", "1");
	XEQ(&x, "count(/domain/devices/hostdev[@type='pci'])", "0");
	XEQ(&x, "count(/domain/devices/hostdev[@type='usb'])", "1");
	xclose(&x);
	free(out);
	free(rt);
}

static void test_minimal_domain(void)
{
	static const char xml[] =
		"<domain type='test'><name>x</name><uuid>fde74e84-0e1b-404e-90e7-72101e79c48a</uuid>"
		"<memory>1024</memory><os><type>hvm</type></os></domain>";
	bool changed;
	char *out = apply(xml, rt_cfg, &changed);
	struct xdoc x = xopen(out);

	/* every container KVM-RT needs is created */
	XEQ(&x, "count(/domain/cputune/vcpupin)", "4");
	XEQ(&x, "count(/domain/cputune/iothreadpin)", "0");
	XEQ(&x, "string(/domain/cpu/topology/@cores)", "2");
	XEQ(&x, "count(/domain/memoryBacking/locked)", "1");
	XEQ(&x, "string(/domain/features/kvm/hidden/@state)", "on");
	XEQ(&x, "string(/domain/devices/memballoon/@model)", "none");
	XEQ(&x, "count(/domain/devices/hostdev)", "2");
	xclose(&x);
	free(out);
}

/* guest_services: the virtio-serial channel to /run/kvmrt-gs/NAME.sock, and gone without */
static void test_gs_channel(void)
{
	static const char xml[] =
		"<domain type='test'><name>x</name><uuid>fde74e84-0e1b-404e-90e7-72101e79c48a</uuid>"
		"<memory>1024</memory><os><type>hvm</type></os><devices>"
		"<channel type='unix'><source mode='bind' path='/old'/>"
		"<target type='virtio' name='org.kvmrt.gs.0'/><address type='virtio-serial'/></channel>"
		"<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
		"</devices></domain>";
	static const char cfg_on[] = "[fde74e84-0e1b-404e-90e7-72101e79c48a]\nname = vm1\n"
				     "guest_services = ping, xtrace_flush\n";
	static const char cfg_off[] = "[fde74e84-0e1b-404e-90e7-72101e79c48a]\nname = vm1\n";
	bool changed;
	char *out = apply(xml, cfg_on, &changed), *again;
	struct xdoc x = xopen(out);

	XEQ(&x, "count(/domain/devices/channel)", "2");
	XEQ(&x, "string(/domain/devices/channel[target/@name='org.kvmrt.gs.0']/source/@path)",
	    "/run/kvmrt-gs/vm1.sock");
	XEQ(&x, "string(/domain/devices/channel[target/@name='org.kvmrt.gs.0']/address/@type)",
	    "virtio-serial");
	xclose(&x);
	/* applied again: nothing changes */
	again = apply(out, cfg_on, &changed);
	CU_ASSERT(!changed);
	free(again);
	again = apply(out, cfg_off, &changed);
	x = xopen(again);
	XEQ(&x, "count(/domain/devices/channel)", "1");
	XEQ(&x, "string(/domain/devices/channel/target/@name)", "org.qemu.guest_agent.0");
	xclose(&x);
	free(again);
	free(out);
}

static void test_bad_xml(void)
{
	static const char *const bad[] = {
		"<domain><name>x</name>",
		"not xml at all",
		"<network><name>x</name></network>",
		"<domain><uuid>aeec46cc-0638-4949-ac04-146b233194a9</uuid></domain>",
	};
	static const char *const msg[] = {
		"malformed domain XML", "malformed domain XML", "not a libvirt domain XML",
		"has UUID aeec46cc-0638-4949-ac04-146b233194a9, not",
	};
	struct kvmrt_config *cfg = kt_config(rt_cfg);
	struct kvmrt_domsettings s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL, *err = NULL;
		bool changed;

		CU_ASSERT_EQUAL(kvmrt_domxml_apply(bad[i], cfg->vms[0], kt_big, &out, &changed, &err),
				-EINVAL);
		CU_ASSERT_PTR_NULL(out);
		CU_ASSERT_PTR_NOT_NULL(err);
		if (err)
			CU_ASSERT_PTR_NOT_NULL(strstr(err, msg[i]));
		free(err);
		err = NULL;
		if (i < 3) {
			CU_ASSERT_EQUAL(kvmrt_domxml_read(bad[i], kt_big, &s, &err), -EINVAL);
			CU_ASSERT_PTR_NOT_NULL(err);
			free(err);
		}
	}
	kvmrt_config_free(cfg);
}

/* XML -> settings: what each element means in the file's terms */
static void test_read(void)
{
	static const struct {
		const char *cfg;
		const char *want[KA_NR];
	} cases[] = {
		{ "name = a\nnr_vcpus = 4\ncpuset = 4-9\nrt = yes\nhide_kvm = yes\npcidevs = 03:00.0",
		  { [KA_NAME] = "a", [KA_NR_VCPUS] = "4", [KA_CPU_TOPOLOGY] = "auto",
		    [KA_CPUSET] = "4-9", [KA_RT] = "true", [KA_RT_MEMORY] = "auto",
		    [KA_NUMATUNE] = "auto", [KA_HIDE_KVM] = "true", [KA_PCIDEVS] = "0000:03:00.0" } },
		{ "name = b\nnr_vcpus = 4\ncpu_topology = 2,1,2\ncpuset = 12-15\nrt_memory = on\n"
		  "numatune = 0-1",
		  { [KA_NAME] = "b", [KA_NR_VCPUS] = "4", [KA_CPU_TOPOLOGY] = "2,1,2",
		    [KA_CPUSET] = "12-15", [KA_RT] = "false", [KA_RT_MEMORY] = "true",
		    [KA_NUMATUNE] = "0-1", [KA_HIDE_KVM] = "false", [KA_PCIDEVS] = "" } },
		{ "name = c\ncpuset = 3-4\nrt = on\nrt_memory = off\nnumatune =",
		  { [KA_NAME] = "c", [KA_NR_VCPUS] = "1", [KA_CPUSET] = "3-4", [KA_RT] = "true",
		    [KA_RT_MEMORY] = "false", [KA_NUMATUNE] = "" } },
		{ "name = d\ntitle = T\ndescription = x\n  y",
		  { [KA_NAME] = "d", [KA_TITLE] = "T", [KA_DESCRIPTION] = "x\ny", [KA_CPUSET] = "",
		    [KA_NUMATUNE] = "auto", [KA_RT] = "false", [KA_RT_MEMORY] = "auto" } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512], *out, *err = NULL;
		struct kvmrt_domsettings s;
		bool changed;

		snprintf(text, sizeof(text), "[fde74e84-0e1b-404e-90e7-72101e79c48a]\n%s\n",
			 cases[i].cfg);
		out = apply(rich_xml, text, &changed);
		CU_ASSERT_EQUAL_FATAL(kvmrt_domxml_read(out, kt_big, &s, &err), 0);
		CU_ASSERT_STRING_EQUAL(s.uuid, "fde74e84-0e1b-404e-90e7-72101e79c48a");
		for (int a = 0; a < KA_NR; a++) {
			if (!cases[i].want[a])
				continue;
			CU_ASSERT_PTR_NOT_NULL(s.val[a]);
			if (s.val[a] && strcmp(s.val[a], cases[i].want[a])) {
				fprintf(stderr, "\n    case %zu: %s = '%s', want '%s'\n", i,
					kvmrt_attr_name(a), s.val[a], cases[i].want[a]);
				CU_FAIL("read back another value");
			}
		}
		/* never about what the XML cannot tell */
		CU_ASSERT_PTR_NULL(s.val[KA_AUTOSTART]);
		CU_ASSERT_PTR_NULL(s.val[KA_DISABLED]);
		CU_ASSERT_PTR_NULL(s.val[KA_COMMENTS]);
		kvmrt_domsettings_release(&s);
		free(out);
	}
}

int add_domxml_suite(void)
{
	CU_pSuite s = CU_add_suite("domain XML", kt_big_setup, kt_big_teardown);

	if (!s || !CU_add_test(s, "real-time VM: every element, nothing else", test_apply_rt) ||
	    !CU_add_test(s, "back to a plain VM", test_apply_not_rt) ||
	    !CU_add_test(s, "a minimal domain", test_minimal_domain) ||
	    !CU_add_test(s, "the guest services channel", test_gs_channel) ||
	    !CU_add_test(s, "bad XML is refused", test_bad_xml) ||
	    !CU_add_test(s, "settings read back", test_read))
		return -1;
	return 0;
}

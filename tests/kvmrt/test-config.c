// SPDX-License-Identifier: LGPL-2.1
/* The configuration file: parsing, defaults, errors with lines, rewriting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kvmrt-test.h"

/* The guide's example (chapter 3), with the 1.3 guide's multi-line comments. */
static const char guide_example[] =
	"[aeec46cc-0638-4949-ac04-146b233194a9]\n"
	"name = RedHawk-8.2\n"
	"title = RedHawk 8.2\n"
	"description = A RedHawk 8.2 VM.\n"
	"nr_vcpus = 2\n"
	"cpu_topology = auto\n"
	"cpuset =\n"
	"rt = False\n"
	"rt_memory = auto\n"
	"numatune = auto\n"
	"hide_kvm = False\n"
	"autostart = True\n"
	"comments = This VM tends to run out of memory;\n"
	"           remember to clean up\n"
	"\n"
	"[fde74e84-0e1b-404e-90e7-72101e79c48a]\n"
	"name = RedHawk-8.2-RT\n"
	"title = Real-Time RedHawk 8.2\n"
	"description = A RedHawk 8.2 VM configured real-time.\n"
	"nr_vcpus = 4\n"
	"cpu_topology = auto\n"
	"cpuset = 1-5\n"
	"rt = True\n"
	"rt_memory = auto\n"
	"numatune = auto\n"
	"hide_kvm = False\n"
	"autostart = True\n";

static char *fmt(const struct kvmrt_vm *vm, enum kvmrt_attr_id a)
{
	static char buf[256];
	char *s = kvmrt_vm_format(vm, a);

	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	return buf;
}

static void test_guide_example(void)
{
	struct kvmrt_config *cfg = kt_config(guide_example);
	struct kvmrt_vm *a, *b;

	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	CU_ASSERT_EQUAL_FATAL(cfg->nr_vms, 2);
	a = cfg->vms[0];
	b = cfg->vms[1];
	CU_ASSERT_STRING_EQUAL(a->uuid, "aeec46cc-0638-4949-ac04-146b233194a9");
	CU_ASSERT_STRING_EQUAL(a->name, "RedHawk-8.2");
	CU_ASSERT_STRING_EQUAL(a->title, "RedHawk 8.2");
	CU_ASSERT_EQUAL(a->nr_vcpus, 2);
	CU_ASSERT_TRUE(a->topo_auto);
	CU_ASSERT_EQUAL(a->sockets, 1);
	CU_ASSERT_EQUAL(a->cores, 2);
	CU_ASSERT_EQUAL(a->threads, 1);
	CU_ASSERT_TRUE(xtrace_idset_empty(a->cpuset));
	CU_ASSERT_FALSE(a->rt);
	CU_ASSERT_EQUAL(a->rt_memory, KVMRT_AUTO);
	CU_ASSERT_TRUE(a->numatune_auto);
	CU_ASSERT_TRUE(a->autostart);
	/* ';' is text, continuation lines join with a newline */
	CU_ASSERT_STRING_EQUAL(a->comments, "This VM tends to run out of memory;\nremember to clean up");
	CU_ASSERT_STRING_EQUAL(b->name, "RedHawk-8.2-RT");
	CU_ASSERT_TRUE(b->rt);
	CU_ASSERT_EQUAL(b->nr_vcpus, 4);
	CU_ASSERT_STRING_EQUAL(fmt(b, KA_CPUSET), "1-5");
	CU_ASSERT_EQUAL(b->attr_line[KA_CPUSET], 22);
	CU_ASSERT_EQUAL(b->line, 16);
	CU_ASSERT_PTR_EQUAL(kvmrt_config_find(cfg, "RedHawk-8.2-RT"), b);
	CU_ASSERT_PTR_EQUAL(kvmrt_config_find(cfg, "FDE74E84-0E1B-404E-90E7-72101E79C48A"), b);
	CU_ASSERT_PTR_NULL(kvmrt_config_find(cfg, "nope"));
	kvmrt_config_free(cfg);
}

static void test_defaults(void)
{
	struct kvmrt_config *cfg = kt_config("[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\n");
	struct kvmrt_vm *vm = cfg->vms[0];
	static const char *const want[KA_NR] = {
		[KA_NAME] = "x", [KA_TITLE] = "", [KA_DESCRIPTION] = "", [KA_NR_VCPUS] = "1",
		[KA_CPU_TOPOLOGY] = "auto", [KA_CPUSET] = "", [KA_RT] = "false",
		[KA_RT_MEMORY] = "auto", [KA_NUMATUNE] = "auto", [KA_HIDE_KVM] = "false",
		[KA_AUTOSTART] = "true", [KA_DISABLED] = "false", [KA_PCIDEVS] = "",
		[KA_COMMENTS] = "", [KA_GUEST_SERVICES] = "none",
	};

	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	for (int a = 0; a < KA_NR; a++)
		CU_ASSERT_STRING_EQUAL(fmt(vm, a), want[a]);
	kvmrt_config_free(cfg);
}

static void test_values(void)
{
	static const struct {
		const char *line;
		enum kvmrt_attr_id a;
		const char *want;
	} cases[] = {
		{ "rt = TRUE", KA_RT, "true" }, { "rt = On", KA_RT, "true" },
		{ "rt = yEs", KA_RT, "true" }, { "rt = 1", KA_RT, "true" },
		{ "rt = False", KA_RT, "false" }, { "rt = OFF", KA_RT, "false" },
		{ "rt = no", KA_RT, "false" }, { "rt = 0", KA_RT, "false" },
		{ "hide_kvm = on", KA_HIDE_KVM, "true" }, { "autostart = NO", KA_AUTOSTART, "false" },
		{ "disabled = Yes", KA_DISABLED, "true" },
		{ "rt_memory = AUTO", KA_RT_MEMORY, "auto" },
		{ "rt_memory = off", KA_RT_MEMORY, "false" },
		{ "numatune =", KA_NUMATUNE, "" }, { "numatune = 0,1", KA_NUMATUNE, "0-1" },
		{ "cpuset = 0,2,4-7,12-15", KA_CPUSET, "0,2,4-7,12-15" },
		{ "nr_vcpus = 6\ncpu_topology = 1, 3, 2", KA_CPU_TOPOLOGY, "1,3,2" },
		{ "NR_VCPUS = 3", KA_NR_VCPUS, "3" },
		{ "pcidevs = 03:00.0, 0000:81:1f.7", KA_PCIDEVS, "0000:03:00.0,0000:81:1f.7" },
		{ "description: colon form", KA_DESCRIPTION, "colon form" },
		{ "guest_services = xtrace_flush, PING", KA_GUEST_SERVICES, "ping,xtrace_flush" },
		{ "guest_services = all", KA_GUEST_SERVICES,
		  "ping,log_msg,xtrace_flush,xtrace_log_data" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		struct kvmrt_config *cfg;

		snprintf(text, sizeof(text), "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\n%s\n",
			 cases[i].line);
		cfg = kt_config(text);
		CU_ASSERT_EQUAL(cfg->diags.n, 0);
		if (cfg->diags.n)
			kt_dump(&cfg->diags);
		CU_ASSERT_STRING_EQUAL(fmt(cfg->vms[0], cases[i].a), cases[i].want);
		kvmrt_config_free(cfg);
	}
}

/* Each malformed input: the error, at its line, naming the VM and attribute. */
static void test_errors(void)
{
	static const struct {
		const char *text;
		int line;
		const char *vm, *attr, *msg;
	} cases[] = {
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\n\ncpuset = 0,,3\n", 4, "x",
		  "cpuset", "malformed ID-set '0,,3' at ',3'" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\ncpuset = 9-2\n", 3, "x", "cpuset",
		  "malformed ID-set" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\nnumatune = one\n", 3, "x",
		  "numatune", "malformed ID-set" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\nrt = maybe\n", 3, "x", "rt",
		  "'maybe' is not a boolean" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\nrt_memory = sometimes\n", 3, "x",
		  "rt_memory", "nor auto" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\nnr_vcpus = 0\n", 3, "x",
		  "nr_vcpus", "'0' is not a number of vCPUs" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\nnr_vcpus = two\n", 3, "x",
		  "nr_vcpus", "not a number" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\ncpu_topology = 2,2\n", 3, "x",
		  "cpu_topology", "neither auto nor" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\nnr_vcpus = 4\ncpu_topology = 1,2,1\n",
		  4, "x", "cpu_topology", "make 2 vCPUs, but nr_vcpus is 4" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\npcidevs = 03:00.0 3:0\n", 3, "x",
		  "pcidevs", "'3:0' is not a PCI address" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\ntitle = no name\n", 1,
		  "aeec46cc-0638-4949-ac04-146b233194a9", "name", "missing" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname =\n", 2, NULL, "name", "must not be empty" },
		{ "[not-a-uuid]\nname = x\n", 1, "x", NULL, "is not a UUID" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\nguest_services = ping, shell\n",
		  3, "x", "guest_services", "'shell' is not a guest service" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = a\n[aeec46cc-0638-4949-ac04-146b233194a9]\n"
		  "name = b\n", 3, "b", NULL, "duplicate UUID aeec46cc-0638-4949-ac04-146b233194a9 (also "
		  "the section at line 1)" },
		{ "[AEEC46CC-0638-4949-AC04-146B233194A9]\nname = a\n[aeec46cc-0638-4949-ac04-146b233194a9]\n"
		  "name = b\n", 3, "b", NULL, "duplicate UUID" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = same\n\n[fde74e84-0e1b-404e-90e7-72101e79c48a]\n"
		  "name = same\n", 5, "same", "name", "duplicate name (also VM "
		  "aeec46cc-0638-4949-ac04-146b233194a9 at line 2)" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\nrt = on\nrt = off\n", 4, NULL, "rt",
		  "set twice in this VM (first at line 3)" },
		{ "name = x\n[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\n", 1, NULL, "name",
		  "outside a [UUID] section" },
		{ "[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\njust words\n", 3, NULL, NULL,
		  "syntax error" },
		{ "# c\n[aeec46cc-0638-4949-ac04-146b233194a9\nname = x\n", 2, NULL, NULL, "without ']'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kvmrt_config *cfg = kt_config(cases[i].text);
		bool found = false;

		for (int j = 0; j < cfg->diags.n; j++) {
			const struct kvmrt_diag *d = &cfg->diags.v[j];

			if (d->level == KVMRT_ERROR && d->line == cases[i].line &&
			    !strcmp(d->file, "t.cfg") && strstr(d->msg, cases[i].msg) &&
			    (!cases[i].vm || (d->vm && !strcmp(d->vm, cases[i].vm))) &&
			    (!cases[i].attr || (d->attr && !strcmp(d->attr, cases[i].attr))))
				found = true;
		}
		if (!found) {
			fprintf(stderr, "\n    case %zu: no error '%s' at line %d; got:\n", i,
				cases[i].msg, cases[i].line);
			kt_dump(&cfg->diags);
		}
		CU_ASSERT_TRUE(found);
		CU_ASSERT_TRUE(cfg->diags.errors > 0);
		kvmrt_config_free(cfg);
	}
}

static void test_unknown_attribute(void)
{
	struct kvmrt_config *cfg = kt_config("[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\n"
					     "shield_irqs = 5\n");

	CU_ASSERT_EQUAL(cfg->diags.errors, 0);
	CU_ASSERT_EQUAL(cfg->diags.warnings, 1);
	CU_ASSERT_TRUE(kt_has(&cfg->diags, KVMRT_WARNING, "x", "shield_irqs", "unknown attribute"));
	CU_ASSERT_EQUAL(cfg->diags.v[0].line, 3);
	CU_ASSERT_STRING_EQUAL(kvmrt_vm_get(cfg->vms[0], "shield_irqs"), "5");
	kvmrt_config_free(cfg);
}

static void test_missing_and_long(void)
{
	struct kvmrt_config *cfg = NULL;
	char *text, *dir;
	size_t n = 5000;

	CU_ASSERT_EQUAL(kvmrt_config_load("/nonexistent/kvmrt.cfg", &cfg), -ENOENT);
	CU_ASSERT_PTR_NULL(cfg);

	/* a description far longer than inih's default line, from a real file */
	{
		char *d = malloc(n + 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		memset(d, 'd', n);
		d[n] = '\0';
		CU_ASSERT_FATAL(asprintf(&text, "\xef\xbb\xbf[aeec46cc-0638-4949-ac04-146b233194a9]"
					 "\r\nname = x\r\ndescription = %s\nnr_vcpus = 3\n", d) > 0);
		free(d);
	}
	dir = tu_mkdtemp();
	CU_ASSERT_EQUAL(kt_write(dir, "k.cfg", text), 0);
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/k.cfg", dir);
		CU_ASSERT_EQUAL_FATAL(kvmrt_config_load(path, &cfg), 0);
	}
	CU_ASSERT_EQUAL(cfg->diags.n, 0);
	CU_ASSERT_EQUAL(strlen(cfg->vms[0]->description), n);
	CU_ASSERT_EQUAL(cfg->vms[0]->nr_vcpus, 3);
	CU_ASSERT_STRING_EQUAL(cfg->vms[0]->name, "x");
	kvmrt_config_free(cfg);
	tu_rm_rf(dir);
	free(dir);
	free(text);
}

static char *written(const struct kvmrt_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(kvmrt_config_write(cfg, f), 0);
	fclose(f);
	return buf;
}

static void test_rewrite(void)
{
	static const char text[] =
		"# the host's VMs\n"
		"[aeec46cc-0638-4949-ac04-146b233194a9]\n"
		"name = a\n"
		"RT = False   \n"
		"; a comment inside\n"
		"my_tool_setting = keep me\n"
		"comments = one\n"
		"    two\n"
		"\n"
		"[fde74e84-0e1b-404e-90e7-72101e79c48a]\n"
		"name = b\n";
	static const char want[] =
		"# the host's VMs\n"
		"[aeec46cc-0638-4949-ac04-146b233194a9]\n"
		"name = a\n"
		"RT = true\n"
		"; a comment inside\n"
		"my_tool_setting = keep me\n"
		"comments = three\n"
		"    four\n"
		"cpuset = 2-5\n"
		"\n"
		"[fde74e84-0e1b-404e-90e7-72101e79c48a]\n"
		"name = b\n"
		"\n"
		"[3c9a5b0e-7d41-4c1f-9a55-0b6f1e2d7c88]\n"
		"name = c\n"
		"nr_vcpus = 2\n";
	struct kvmrt_config *cfg = kt_config(text), *again;
	struct kvmrt_vm *vm = cfg->vms[0], *c;
	char *out;

	/* nothing changed: the same text */
	out = written(cfg);
	CU_ASSERT_STRING_EQUAL(out, text);
	free(out);

	CU_ASSERT_EQUAL(kvmrt_vm_set(vm, "rt", "true"), 1);
	CU_ASSERT_TRUE(vm->rt);
	CU_ASSERT_EQUAL(kvmrt_vm_set(vm, "rt", "true"), 0);
	CU_ASSERT_EQUAL(kvmrt_vm_set(vm, "comments", "three\nfour"), 1);
	CU_ASSERT_EQUAL(kvmrt_vm_set(vm, "cpuset", "2-5"), 1);
	/* a bad value is refused and the old one stays */
	CU_ASSERT_EQUAL(kvmrt_vm_set(vm, "cpuset", "5-2"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(fmt(vm, KA_CPUSET), "2-5");
	c = kvmrt_config_add_vm(cfg, "3c9a5b0e-7d41-4c1f-9a55-0b6f1e2d7c88");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(kvmrt_vm_set(c, "name", "c"), 1);
	CU_ASSERT_EQUAL(kvmrt_vm_set(c, "nr_vcpus", "2"), 1);
	out = written(cfg);
	CU_ASSERT_STRING_EQUAL(out, want);
	/* and it reads back the same, the unknown attribute with it */
	again = kt_config(out);
	CU_ASSERT_EQUAL(again->diags.errors, 0);
	CU_ASSERT_EQUAL(again->nr_vms, 3);
	CU_ASSERT_STRING_EQUAL(again->vms[0]->comments, "three\nfour");
	CU_ASSERT_STRING_EQUAL(kvmrt_vm_get(again->vms[0], "my_tool_setting"), "keep me");
	CU_ASSERT_TRUE(again->vms[0]->rt);
	CU_ASSERT_EQUAL(again->vms[2]->nr_vcpus, 2);
	kvmrt_config_free(again);
	free(out);
	kvmrt_config_free(cfg);
}

static void test_save(void)
{
	struct kvmrt_config *cfg = kt_config("[aeec46cc-0638-4949-ac04-146b233194a9]\nname = x\n"), *back;
	char *dir = tu_mkdtemp(), path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/kvmrt.cfg", dir);
	CU_ASSERT_EQUAL(kt_write(dir, "kvmrt.cfg", "old\n"), 0);
	chmod(path, 0600);
	CU_ASSERT_EQUAL(kvmrt_vm_set(cfg->vms[0], "hide_kvm", "on"), 1);
	CU_ASSERT_EQUAL(kvmrt_config_save(cfg, path), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL_FATAL(kvmrt_config_load(path, &back), 0);
	CU_ASSERT_TRUE(back->vms[0]->hide_kvm);
	CU_ASSERT_EQUAL(back->diags.n, 0);
	kvmrt_config_free(back);
	/* no temporary file left behind */
	snprintf(path, sizeof(path), "ls %s | wc -l | grep -qx 1", dir);
	CU_ASSERT_EQUAL(system(path), 0);
	tu_rm_rf(dir);
	free(dir);
	kvmrt_config_free(cfg);
}

int add_config_suite(void)
{
	CU_pSuite s = CU_add_suite("config", NULL, NULL);

	if (!s || !CU_add_test(s, "the guide's example", test_guide_example) ||
	    !CU_add_test(s, "defaults", test_defaults) ||
	    !CU_add_test(s, "values of every type", test_values) ||
	    !CU_add_test(s, "errors name file:line, VM and attribute", test_errors) ||
	    !CU_add_test(s, "unknown attributes warn and stay", test_unknown_attribute) ||
	    !CU_add_test(s, "missing file, long lines, BOM, CRLF", test_missing_and_long) ||
	    !CU_add_test(s, "rewrite keeps the rest of the file", test_rewrite) ||
	    !CU_add_test(s, "save is atomic and keeps the mode", test_save))
		return -1;
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1
/* The metadata file: xtrace_meta_write/read round trip, versions, malformed files. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <CUnit/CUnit.h>

#include "xtrace.h"
#include "tu.h"

int add_meta_suite(void);


#define N_(a)	(sizeof(a) / sizeof((a)[0]))

static char *dir;

static int suite_init(void)
{
	dir = tu_mkdtemp();
	return dir ? 0 : -1;
}

static int suite_clean(void)
{
	int ret = tu_rm_rf(dir);

	free(dir);
	dir = NULL;
	return ret;
}

static void unlink_vms(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/vms", dir);
	unlink(path);
}

static int write_meta_text(const char *text)
{
	return tu_write_file(dir, "xtrace.meta", text, strlen(text));
}

#define STR_EQ(a, b) CU_ASSERT_TRUE((a) && (b) && !strcmp((a), (b)))

static void test_round_trip(void)
{
	struct xtrace_cpu_meta cpus[8] = {
		[0] = { true, 1, 2, 3, 4, 5, 6 },
		[1] = { true, 0, 0, 0, 0, 0, 0 },
		[3] = { true, 123456789012ULL, 7, 0, 99, 99 * 4096, 12345 },
		[7] = { true, UINT64_MAX, UINT64_MAX - 1, 1ULL << 63, 8, 9, 10 },
	};
	struct xtrace_meta m = {
		.major = XTRACE_FORMAT_MAJOR,
		.minor = XTRACE_FORMAT_MINOR,
		.tool = "xtrace-run 0.1.0",
		.hostname = "host;name#1",
		.kernel = "6.1.0-13-amd64 #1 SMP PREEMPT_DYNAMIC",
		.arch = "x86_64",
		.nr_cpus = 8,
		.long_size = 8,
		.page_size = 4096,
		.big_endian = true,
		.timestamp = "tod",
		.trace_clock = "boot",
		.mode = "overwrite",
		.buffer_kb = 65536,
		.cpus = "0-1,3,7",
		.command = "sh -c 'a; b # c \\ d\\\\e\n\tf \\n \\t \\; \\# = [x]' ;#",
		.exit_status = 3,
		.start_tod = 1700000000123456789LL,
		.end_tod = 1700000042987654321LL,
		.complete = true,
		.error = "line1\nline2\ttab;semi#hash\\back",
		.recorder_pid = 4242,
		.instance = "xtrace-4242",
		.chrony_start = "A1B2C3D4,10.0.0.1,3,1700000000.5,-0.000001,0.1,0.2,1.5,-0.3,"
				"0.01,0.002,0.0005,64.0,Normal",
		.chrony_end = "unavailable (chronyd not running)",
		.chrony_error_ns = 123456,
		.cpu = cpus,
	};
	struct xtrace_meta r;
	char *events = malloc(5001), tmp[PATH_MAX];

	CU_ASSERT_PTR_NOT_NULL_FATAL(events);
	/* a 5000-character value with every character that needs escaping */
	for (int i = 0; i < 5000; i++) {
		static const char pat[] = "sched:sched_switch,;#\\\n\t=";

		events[i] = pat[i % (sizeof(pat) - 1)];
	}
	events[5000] = '\0';
	m.events = events;

	CU_ASSERT_EQUAL_FATAL(xtrace_meta_write(dir, &m), 0);
	snprintf(tmp, sizeof(tmp), "%s/xtrace.meta.tmp", dir);
	CU_ASSERT_EQUAL(access(tmp, F_OK), -1);		/* no temporary left behind */

	memset(&r, 0x5a, sizeof(r));
	CU_ASSERT_EQUAL_FATAL(xtrace_meta_read(dir, &r), 0);
	CU_ASSERT_EQUAL(r.major, m.major);
	CU_ASSERT_EQUAL(r.minor, m.minor);
	STR_EQ(r.tool, m.tool);
	STR_EQ(r.hostname, m.hostname);
	STR_EQ(r.kernel, m.kernel);
	STR_EQ(r.arch, m.arch);
	CU_ASSERT_EQUAL(r.nr_cpus, 8);
	CU_ASSERT_EQUAL(r.long_size, 8);
	CU_ASSERT_EQUAL(r.page_size, 4096);
	CU_ASSERT_TRUE(r.big_endian);
	STR_EQ(r.timestamp, m.timestamp);
	STR_EQ(r.trace_clock, m.trace_clock);
	STR_EQ(r.mode, m.mode);
	CU_ASSERT_EQUAL(r.buffer_kb, 65536);
	STR_EQ(r.cpus, m.cpus);
	STR_EQ(r.events, m.events);
	CU_ASSERT_EQUAL(r.events ? strlen(r.events) : 0, 5000);
	STR_EQ(r.command, m.command);
	CU_ASSERT_EQUAL(r.exit_status, 3);
	CU_ASSERT_EQUAL(r.start_tod, m.start_tod);
	CU_ASSERT_EQUAL(r.end_tod, m.end_tod);
	CU_ASSERT_TRUE(r.complete);
	STR_EQ(r.error, m.error);
	CU_ASSERT_EQUAL(r.recorder_pid, 4242);
	STR_EQ(r.instance, m.instance);
	STR_EQ(r.chrony_start, m.chrony_start);
	STR_EQ(r.chrony_end, m.chrony_end);
	CU_ASSERT_EQUAL(r.chrony_error_ns, 123456);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.cpu);
	for (int c = 0; c < 8; c++) {
		CU_ASSERT_EQUAL(r.cpu[c].recorded, cpus[c].recorded);
		CU_ASSERT_EQUAL(r.cpu[c].events, cpus[c].events);
		CU_ASSERT_EQUAL(r.cpu[c].overrun, cpus[c].overrun);
		CU_ASSERT_EQUAL(r.cpu[c].dropped, cpus[c].dropped);
		CU_ASSERT_EQUAL(r.cpu[c].pages, cpus[c].pages);
		CU_ASSERT_EQUAL(r.cpu[c].bytes_raw, cpus[c].bytes_raw);
		CU_ASSERT_EQUAL(r.cpu[c].bytes_disk, cpus[c].bytes_disk);
	}
	xtrace_meta_free(&r);
	CU_ASSERT_PTR_NULL(r.hostname);
	CU_ASSERT_PTR_NULL(r.cpu);

	/* the other values of the flags and the defaults of a running recording */
	m.big_endian = false;
	m.complete = false;
	m.error = NULL;
	m.end_tod = 0;
	m.exit_status = -1;
	m.chrony_error_ns = -1;
	m.long_size = 4;
	m.nr_cpus = 1;
	CU_ASSERT_EQUAL_FATAL(xtrace_meta_write(dir, &m), 0);
	CU_ASSERT_EQUAL_FATAL(xtrace_meta_read(dir, &r), 0);
	CU_ASSERT_FALSE(r.big_endian);
	CU_ASSERT_FALSE(r.complete);
	CU_ASSERT_PTR_NULL(r.error);
	CU_ASSERT_EQUAL(r.end_tod, 0);
	CU_ASSERT_EQUAL(r.exit_status, -1);
	CU_ASSERT_EQUAL(r.chrony_error_ns, -1);
	CU_ASSERT_EQUAL(r.long_size, 4);
	CU_ASSERT_EQUAL(r.nr_cpus, 1);
	CU_ASSERT_TRUE(r.cpu && r.cpu[0].recorded && r.cpu[0].dropped == 3);
	xtrace_meta_free(&r);
	free(events);
}

/* "so any text survives": also leading and trailing blanks and carriage returns */
static void test_round_trip_blanks(void)
{
	static const char *const values[] = {
		"  two leading spaces",
		"two trailing spaces  ",
		"\ttab first",
		"tab last\t",
		"carriage return last\r",
		" ",
	};
	struct xtrace_cpu_meta cpu = { .recorded = true };
	struct xtrace_meta m = {
		.major = XTRACE_FORMAT_MAJOR, .minor = XTRACE_FORMAT_MINOR,
		.tool = "t", .hostname = "h", .kernel = "k", .arch = "a",
		.nr_cpus = 1, .long_size = 8, .page_size = 4096,
		.timestamp = "tod", .trace_clock = "boot", .mode = "stream",
		.cpus = "0", .events = "e", .instance = "i",
		.chrony_start = "s", .chrony_end = "e", .cpu = &cpu,
	};

	for (size_t i = 0; i < N_(values); i++) {
		struct xtrace_meta r;

		m.command = (char *)values[i];
		CU_ASSERT_EQUAL_FATAL(xtrace_meta_write(dir, &m), 0);
		CU_ASSERT_EQUAL_FATAL(xtrace_meta_read(dir, &r), 0);
		if (!r.command || strcmp(r.command, values[i]))
			fprintf(stderr, "\n  command \"%s\" came back as \"%s\" ", values[i],
				r.command ? r.command : "(null)");
		STR_EQ(r.command, values[i]);
		xtrace_meta_free(&r);
	}
}

#define VALID_REST \
	"tool = xtrace-run 0.1.0\n" \
	"[system]\n" \
	"hostname = h\n" \
	"cpus = 2\n" \
	"long_size = 8\n" \
	"page_size = 4096\n" \
	"[recording]\n" \
	"timestamp = tod\n" \
	"[cpu1]\n" \
	"events = 5\n"

static void test_valid_handmade(void)
{
	struct xtrace_meta r;

	CU_ASSERT_EQUAL_FATAL(write_meta_text("[xtrace]\nformat = 1.0\n" VALID_REST), 0);
	CU_ASSERT_EQUAL_FATAL(xtrace_meta_read(dir, &r), 0);
	CU_ASSERT_EQUAL(r.nr_cpus, 2);
	CU_ASSERT_FALSE(r.cpu[0].recorded);
	CU_ASSERT_TRUE(r.cpu[1].recorded);
	CU_ASSERT_EQUAL(r.cpu[1].events, 5);
	/* absent values keep their "unknown" defaults */
	CU_ASSERT_EQUAL(r.exit_status, -1);
	CU_ASSERT_EQUAL(r.chrony_error_ns, -1);
	CU_ASSERT_PTR_NULL(r.command);
	CU_ASSERT_FALSE(r.complete);
	xtrace_meta_free(&r);
}

static void test_unknown_keys(void)
{
	struct xtrace_meta r;

	/* a newer minor version may add keys and sections; they are ignored */
	CU_ASSERT_EQUAL_FATAL(write_meta_text(
		"; a comment\n"
		"[xtrace]\n"
		"format = 1.7\n"
		"future_key = what\\;ever\n"
		VALID_REST
		"future_cpu_counter = 12\n"
		"[future_section]\n"
		"x = 1\n"
		"y =\n"
		"[system]\n"
		"new_system_key = 3\n"
		"[recording]\n"
		"new_recording_key = 4\n"), 0);
	CU_ASSERT_EQUAL_FATAL(xtrace_meta_read(dir, &r), 0);
	CU_ASSERT_EQUAL(r.major, 1);
	CU_ASSERT_EQUAL(r.minor, 7);
	STR_EQ(r.hostname, "h");
	STR_EQ(r.tool, "xtrace-run 0.1.0");
	CU_ASSERT_EQUAL(r.cpu[1].events, 5);
	xtrace_meta_free(&r);
}

static void test_newer_major(void)
{
	static const struct {
		const char *text;
		int major, minor;
	} cases[] = {
		{ "[xtrace]\nformat = 2.0\n" VALID_REST, 2, 0 },
		{ "[xtrace]\nformat = 9.3\n" VALID_REST, 9, 3 },
		/* a newer version may lack what version 1 requires */
		{ "[xtrace]\nformat = 2.1\n[system]\ncpus = 4\n", 2, 1 },
		{ "[xtrace]\nformat = 3.0\n", 3, 0 },
		/* the version is [xtrace]'s, not the first "format = " line's (fuzz-meta) */
		{ "[other]\nformat = 1.0\n[xtrace]\nformat = 2.0\n" VALID_REST, 2, 0 },
	};

	for (size_t i = 0; i < N_(cases); i++) {
		struct xtrace_meta r;

		CU_ASSERT_EQUAL_FATAL(write_meta_text(cases[i].text), 0);
		CU_ASSERT_EQUAL(xtrace_meta_read(dir, &r), -ENOTSUP);
		CU_ASSERT_EQUAL(r.major, cases[i].major);
		CU_ASSERT_EQUAL(r.minor, cases[i].minor);
		CU_ASSERT_PTR_NULL(r.cpu);
		CU_ASSERT_PTR_NULL(r.hostname);
	}
}

/*
 * "The version first: a newer major version may mean anything else": a newer
 * major version whose syntax the 1.x reader does not understand is still
 * -ENOTSUP, not -EBADMSG.
 */
static void test_newer_major_new_syntax(void)
{
	static const char *const texts[] = {
		"[xtrace]\nformat = 2.0\n" VALID_REST "a line without an equals sign\n",
		"[xtrace]\nformat = 2.0\n" VALID_REST "[section with no end\n",
		"[xtrace]\nformat = 2.0\n[system]\ncpus = 4 (with hotplug)\n" VALID_REST,
	};

	for (size_t i = 0; i < N_(texts); i++) {
		struct xtrace_meta r;
		int ret;

		CU_ASSERT_EQUAL_FATAL(write_meta_text(texts[i]), 0);
		ret = xtrace_meta_read(dir, &r);
		if (ret != -ENOTSUP)
			fprintf(stderr, "\n  format 2.0 case %zu: %d, not -ENOTSUP ", i, ret);
		CU_ASSERT_EQUAL(ret, -ENOTSUP);
		CU_ASSERT_EQUAL(r.major, 2);
		xtrace_meta_free(&r);
	}
}

static void test_malformed(void)
{
	static const char *const texts[] = {
		/* no format */
		"[xtrace]\n" VALID_REST,
		/* format outside [xtrace] */
		"[xtrace]\n[system]\nformat = 1.0\n" VALID_REST,
		/* unreadable format */
		"[xtrace]\nformat = one\n" VALID_REST,
		"[xtrace]\nformat = 1\n" VALID_REST,
		/* a garbage line */
		"[xtrace]\nformat = 1.0\n" VALID_REST "garbage\n",
		"[xtrace]\nformat = 1.0\nthis is not ini\n" VALID_REST,
		/* a broken section header */
		"[xtrace]\nformat = 1.0\n" VALID_REST "[cpu0\nevents = 1\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[cpu0] x\nevents = 1\n",
		/* cpus = 0, missing, not a number, too many */
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\ncpus = 0\n",
		"[xtrace]\nformat = 1.0\n[system]\nhostname = h\nlong_size = 8\n"
			"page_size = 4096\n[recording]\ntimestamp = tod\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\ncpus = two\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\ncpus = -2\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\ncpus = 1025\n",
		/* a cpu section beyond cpus (2) */
		"[xtrace]\nformat = 1.0\n" VALID_REST "[cpu2]\nevents = 1\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[cpu-1]\nevents = 1\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[cpux]\nevents = 1\n",
		/* bad numbers */
		"[xtrace]\nformat = 1.0\n" VALID_REST "[cpu0]\nevents = -1\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[cpu0]\nevents = 12x\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[recording]\nstart = soon\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\npage_size = 1\n",
		/* a sub-buffer layout no kernel has: long_size, page_size, endian */
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\nlong_size = 9\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\nlong_size = 16\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\nlong_size = 0\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\nlong_size = 18446744073709551615\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\npage_size = 4097\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\npage_size = 6144\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\npage_size = 32\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\npage_size = 33554432\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\nendian = middle\n",
		"[xtrace]\nformat = 1.0\n" VALID_REST "[system]\nendian =\n",
		/* required values missing */
		"[xtrace]\nformat = 1.0\n[system]\ncpus = 2\nlong_size = 8\npage_size = 4096\n"
			"[recording]\ntimestamp = tod\n",
		"[xtrace]\nformat = 1.0\n[system]\nhostname = h\ncpus = 2\nlong_size = 8\n"
			"page_size = 4096\n",
		"",
	};

	for (size_t i = 0; i < N_(texts); i++) {
		struct xtrace_meta r;
		int ret;

		CU_ASSERT_EQUAL_FATAL(write_meta_text(texts[i]), 0);
		ret = xtrace_meta_read(dir, &r);
		if (ret != -EBADMSG)
			fprintf(stderr, "\n  malformed case %zu: %d, not -EBADMSG ", i, ret);
		CU_ASSERT_EQUAL(ret, -EBADMSG);
		/* nothing is left to free on failure */
		CU_ASSERT_PTR_NULL(r.cpu);
		CU_ASSERT_PTR_NULL(r.hostname);
		CU_ASSERT_PTR_NULL(r.tool);
	}
}

static char last_error[512];

static void keep_error(enum xtrace_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level == XTRACE_LOG_ERROR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

/* The layouts of other kernels are read; a bad value is named with its file and key. */
static void test_layouts_and_messages(void)
{
	static const struct {
		const char *text;
		int long_size, page_size;
		bool big;
	} ok[] = {
		{ "long_size = 4\npage_size = 4096\nendian = little\n", 4, 4096, false },
		{ "long_size = 8\npage_size = 65536\nendian = big\n", 8, 65536, true },
		{ "long_size = 4\npage_size = 64\nendian = big\n", 4, 64, true },
	};
	char text[1024], want[PATH_MAX + 64];
	struct xtrace_meta r;

	for (size_t i = 0; i < N_(ok); i++) {
		snprintf(text, sizeof(text), "[xtrace]\nformat = 1.0\n" VALID_REST "[system]\n%s",
			 ok[i].text);
		CU_ASSERT_EQUAL_FATAL(write_meta_text(text), 0);
		CU_ASSERT_EQUAL_FATAL(xtrace_meta_read(dir, &r), 0);
		CU_ASSERT_EQUAL(r.long_size, ok[i].long_size);
		CU_ASSERT_EQUAL(r.page_size, ok[i].page_size);
		CU_ASSERT_EQUAL(r.big_endian, ok[i].big);
		xtrace_meta_free(&r);
	}

	xtrace_set_log(keep_error, NULL);
	CU_ASSERT_EQUAL_FATAL(write_meta_text("[xtrace]\nformat = 1.0\n" VALID_REST
					      "[system]\nlong_size = 16\n"), 0);
	last_error[0] = '\0';
	CU_ASSERT_EQUAL(xtrace_meta_read(dir, &r), -EBADMSG);
	snprintf(want, sizeof(want), "'%s/xtrace.meta': [system] long_size = '16' is not valid", dir);
	if (strncmp(last_error, want, strlen(want)))
		fprintf(stderr, "\n  message: %s ", last_error);
	CU_ASSERT_EQUAL(strncmp(last_error, want, strlen(want)), 0);

	CU_ASSERT_EQUAL_FATAL(write_meta_text("[xtrace]\nformat = 1.0\n[system]\ncpus = 1\n"
					      "hostname = h\nlong_size = 8\n[recording]\n"
					      "timestamp = tod\n"), 0);
	last_error[0] = '\0';
	CU_ASSERT_EQUAL(xtrace_meta_read(dir, &r), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(last_error, "[system] page_size is missing"));
	xtrace_set_log(NULL, NULL);
}

static void test_missing(void)
{
	struct xtrace_meta r;
	char sub[PATH_MAX];

	snprintf(sub, sizeof(sub), "%s/nothing-here", dir);
	CU_ASSERT_EQUAL(xtrace_meta_read(sub, &r), -ENOENT);
	CU_ASSERT_EQUAL(mkdir(sub, 0755), 0);
	CU_ASSERT_EQUAL(xtrace_meta_read(sub, &r), -ENOENT);
	CU_ASSERT_EQUAL(rmdir(sub), 0);

	/* writing into a directory that does not exist fails cleanly */
	{
		struct xtrace_meta m = { .major = 1, .nr_cpus = 1 };

		CU_ASSERT_EQUAL(xtrace_meta_write(sub, &m), -ENOENT);
	}
}

/* The vms file: later lines win, for VMs and threads; lines it cannot read are skipped. */
static void test_vms_read(void)
{
	static const char text[] =
		"# xtrace vms: header\n"
		"vm 4000 early-name\n"
		"thread 4002 4000 1\n"
		"thread 4001 4000 0\n"
		"thread 4000 4000 -1\n"
		"vm 5000 other\n"
		"thread 5001 5000 0\n"
		"garbage line\n"
		"thread x y z\n"
		"vm 4000 vm1\n"
		"thread 4002 4000 3\n";
	const struct xtrace_vm_thread *t;
	struct xtrace_vms v;

	CU_ASSERT_EQUAL(xtrace_vms_read(dir, &v), -ENOENT);
	xtrace_vms_free(&v);
	CU_ASSERT_EQUAL_FATAL(tu_write_file(dir, "vms", text, strlen(text)), 0);
	CU_ASSERT_EQUAL_FATAL(xtrace_vms_read(dir, &v), 0);
	CU_ASSERT_EQUAL(v.nr_vms, 2);
	CU_ASSERT_EQUAL(v.nr_threads, 4);
	CU_ASSERT_STRING_EQUAL(xtrace_vms_name(&v, 4000), "vm1");
	CU_ASSERT_STRING_EQUAL(xtrace_vms_name(&v, 5000), "other");
	CU_ASSERT_PTR_NULL(xtrace_vms_name(&v, 4001));
	t = xtrace_vms_thread(&v, 4002);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(t->pid, 4000);
	CU_ASSERT_EQUAL(t->vcpu, 3);
	t = xtrace_vms_thread(&v, 4000);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(t->vcpu, -1);
	t = xtrace_vms_thread(&v, 5001);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(t->pid, 5000);
	CU_ASSERT_PTR_NULL(xtrace_vms_thread(&v, 4003));
	for (int i = 1; i < v.nr_threads; i++)
		CU_ASSERT(v.threads[i - 1].tid < v.threads[i].tid);
	xtrace_vms_free(&v);
	unlink_vms();
}

int add_meta_suite(void)
{
	static CU_TestInfo tests[] = {
		{ "meta: write/read round trip of every field", test_round_trip },
		{ "meta: leading/trailing blanks survive a round trip", test_round_trip_blanks },
		{ "meta: a hand-made minimal file", test_valid_handmade },
		{ "meta: unknown keys and sections are ignored", test_unknown_keys },
		{ "meta: a newer major version is -ENOTSUP", test_newer_major },
		{ "meta: a newer major version with new syntax is -ENOTSUP",
		  test_newer_major_new_syntax },
		{ "meta: malformed files are -EBADMSG", test_malformed },
		{ "meta: missing file is -ENOENT", test_missing },
		{ "vms: later lines win, unreadable lines skipped", test_vms_read },
		{ "meta: other kernels' layouts; errors name the file and the key",
		  test_layouts_and_messages },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suite[] = {
		{ .pName = "metadata", .pInitFunc = suite_init, .pCleanupFunc = suite_clean,
		  .pTests = tests },
		CU_SUITE_INFO_NULL,
	};

	return CU_register_suites(suite) == CUE_SUCCESS ? 0 : -1;
}

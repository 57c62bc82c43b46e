// SPDX-License-Identifier: LGPL-2.1
/* ID-sets (xtrace_cpuset_parse/format) and sizes (xtrace_parse_size). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "xtrace.h"
#include "xtrace-local.h"

int add_cpuset_suite(void);

static int count(const struct xtrace_cpuset *set)
{
	int n = 0;

	for (int cpu = 0; cpu < XTRACE_MAX_CPUS; cpu++)
		n += xtrace_cpuset_has(set, cpu);
	return n;
}

/* The set holds exactly the IDs of @ids (terminated by -1). */
static bool set_is(const struct xtrace_cpuset *set, const int *ids)
{
	int n = 0;

	for (; *ids >= 0; ids++, n++) {
		if (!xtrace_cpuset_has(set, *ids))
			return false;
	}
	return count(set) == n;
}

static void test_parse_valid(void)
{
	static const struct {
		const char *text;
		int ids[12];
	} cases[] = {
		{ "", { -1 } },
		{ "0", { 0, -1 } },
		{ "0,2,4-7", { 0, 2, 4, 5, 6, 7, -1 } },
		{ "3-3", { 3, -1 } },
		{ "1023", { 1023, -1 } },
		{ "1020-1023", { 1020, 1021, 1022, 1023, -1 } },
		{ "5,1,3", { 1, 3, 5, -1 } },
		{ "0-2,1-4", { 0, 1, 2, 3, 4, -1 } },
		{ "007", { 7, -1 } },
		{ "63-64,127,128", { 63, 64, 127, 128, -1 } },
		/* the tree's one grammar (the kvmrt tools' too): blanks around numbers and commas */
		{ " ", { -1 } }, { " 1", { 1, -1 } }, { "1 ", { 1, -1 } }, { "1, 2", { 1, 2, -1 } },
		{ "1 ,2", { 1, 2, -1 } }, { "1 - 2", { 1, 2, -1 } }, { "\t0", { 0, -1 } },
		{ "0\n", { 0, -1 } },
	};
	struct xtrace_cpuset set;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&set, 0xa5, sizeof(set));
		CU_ASSERT_EQUAL(xtrace_cpuset_parse(cases[i].text, &set), 0);
		CU_ASSERT_TRUE(set_is(&set, cases[i].ids));
	}

	CU_ASSERT_EQUAL(xtrace_cpuset_parse("0-1023", &set), 0);
	CU_ASSERT_EQUAL(count(&set), XTRACE_MAX_CPUS);
}

static void test_parse_invalid(void)
{
	static const char *const bad[] = {
		"1-", "-1", "2-1", "a", "1,,2", "1024", "0-1024", "1,", ",1", "1-2-3",
		"0x1", "+1", "1.5", "99999999999999999999", "1a", "1 2", "- 1",
	};
	struct xtrace_cpuset set;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = xtrace_cpuset_parse(bad[i], &set);

		if (ret != -EINVAL)
			fprintf(stderr, "\n  cpuset '%s' gave %d, not -EINVAL ", bad[i], ret);
		CU_ASSERT_EQUAL(ret, -EINVAL);
	}
}

static void test_format(void)
{
	struct xtrace_cpuset set;
	char buf[64];

	memset(&set, 0, sizeof(set));
	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(xtrace_cpuset_format(&set, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");

	xtrace_cpuset_add(&set, 0);
	xtrace_cpuset_add(&set, 1);
	xtrace_cpuset_add(&set, 2);
	xtrace_cpuset_add(&set, 3);
	xtrace_cpuset_add(&set, 6);
	xtrace_cpuset_add(&set, 1023);
	CU_ASSERT_EQUAL(xtrace_cpuset_format(&set, buf, sizeof(buf)), 10);
	CU_ASSERT_STRING_EQUAL(buf, "0-3,6,1023");

	/* out of range IDs are ignored by add */
	xtrace_cpuset_add(&set, -1);
	xtrace_cpuset_add(&set, 1024);
	CU_ASSERT_EQUAL(count(&set), 6);
}

static void test_format_space(void)
{
	struct xtrace_cpuset set;
	char buf[16];

	CU_ASSERT_EQUAL(xtrace_cpuset_parse("0-3", &set), 0);
	/* "0-3" plus the NUL: 4 bytes fit, 3 do not */
	CU_ASSERT_EQUAL(xtrace_cpuset_format(&set, buf, 4), 3);
	CU_ASSERT_STRING_EQUAL(buf, "0-3");
	CU_ASSERT_EQUAL(xtrace_cpuset_format(&set, buf, 3), -ENOSPC);
	CU_ASSERT_EQUAL(xtrace_cpuset_format(&set, buf, 0), -ENOSPC);

	CU_ASSERT_EQUAL(xtrace_cpuset_parse("1,3", &set), 0);
	CU_ASSERT_EQUAL(xtrace_cpuset_format(&set, buf, 4), 3);
	CU_ASSERT_STRING_EQUAL(buf, "1,3");
	CU_ASSERT_EQUAL(xtrace_cpuset_format(&set, buf, 3), -ENOSPC);

	/* the empty set needs the NUL only */
	CU_ASSERT_EQUAL(xtrace_cpuset_parse("", &set), 0);
	CU_ASSERT_EQUAL(xtrace_cpuset_format(&set, buf, 1), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
}

static void test_round_trip(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "0", "0" },
		{ "0,2,4-7", "0,2,4-7" },
		{ "3-3", "3" },
		{ "0,1", "0-1" },
		{ "7,6,5,4", "4-7" },
		{ "0-2,1-4,9", "0-4,9" },
		{ "0-1023", "0-1023" },
		{ "1,3,5,62-65,1022", "1,3,5,62-65,1022" },
	};
	struct xtrace_cpuset set, again;
	char buf[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n;

		CU_ASSERT_EQUAL_FATAL(xtrace_cpuset_parse(cases[i].in, &set), 0);
		n = xtrace_cpuset_format(&set, buf, sizeof(buf));
		CU_ASSERT_EQUAL(n, (int)strlen(cases[i].out));
		CU_ASSERT_STRING_EQUAL(buf, cases[i].out);
		/* and the canonical form parses to the same set */
		CU_ASSERT_EQUAL(xtrace_cpuset_parse(buf, &again), 0);
		CU_ASSERT_EQUAL(memcmp(&set, &again, sizeof(set)), 0);
	}

	/* every other CPU: the longest form; it must round-trip too */
	memset(&set, 0, sizeof(set));
	for (int cpu = 0; cpu < XTRACE_MAX_CPUS; cpu += 2)
		xtrace_cpuset_add(&set, cpu);
	{
		char big[8192];
		int n = xtrace_cpuset_format(&set, big, sizeof(big));

		CU_ASSERT_TRUE(n > 0);
		CU_ASSERT_EQUAL(n, (int)strlen(big));
		CU_ASSERT_EQUAL(strncmp(big, "0,2,4,", 6), 0);
		CU_ASSERT_EQUAL(xtrace_cpuset_parse(big, &again), 0);
		CU_ASSERT_EQUAL(memcmp(&set, &again, sizeof(set)), 0);
		CU_ASSERT_EQUAL(xtrace_cpuset_format(&set, big, n), -ENOSPC);
	}
}

static void test_size_valid(void)
{
	static const struct {
		const char *text;
		uint64_t unit, val;
	} cases[] = {
		{ "4096", 1024, 4096ULL * 1024 },
		{ "4096", 1, 4096 },
		{ "0", 1024, 0 },
		{ "4M", 1, 4ULL << 20 },
		{ "4M", 1024, 4ULL << 20 },		/* a suffix overrides the unit */
		{ "1G", 1, 1ULL << 30 },
		{ "1g", 1, 1ULL << 30 },
		{ "4K", 1, 4096 },
		{ "4k", 1024, 4096 },
		{ "4KiB", 1, 4096 },
		{ "2MiB", 1, 2ULL << 20 },
		{ "3GiB", 1, 3ULL << 30 },
		{ "18014398509481983K", 1, 18014398509481983ULL << 10 },
		{ "18446744073709551615", 1, UINT64_MAX },
		{ "17179869183G", 1, 17179869183ULL << 30 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;

		CU_ASSERT_EQUAL(xtrace_parse_size(cases[i].text, cases[i].unit, &v), 0);
		CU_ASSERT_EQUAL(v, cases[i].val);
	}
}

static void test_size_invalid(void)
{
	static const char *const bad[] = {
		"", "x", "4Q", "K", "-1", "+4", " 4", "4 ", "4 K", "4KK", "4Ki B", "4KiBx",
		"4.5M", "0x10",
	};
	uint64_t v;

	CU_ASSERT_EQUAL(xtrace_parse_size(NULL, 1, &v), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret;

		v = 777;
		ret = xtrace_parse_size(bad[i], 1024, &v);
		if (ret != -EINVAL)
			fprintf(stderr, "\n  size '%s' gave %d, not -EINVAL ", bad[i], ret);
		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT_EQUAL(v, 777);	/* untouched on failure */
	}
}

/* "iB" and "B" only make sense after a unit letter. */
static void test_size_stray_binary_suffix(void)
{
	static const char *const bad[] = { "4iB", "4i" };
	uint64_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret;

		v = 777;
		ret = xtrace_parse_size(bad[i], 1024, &v);
		if (ret != -EINVAL)
			fprintf(stderr, "\n  size '%s' gave %d (value %llu), not -EINVAL ", bad[i],
				ret, (unsigned long long)v);
		CU_ASSERT_EQUAL(ret, -EINVAL);
	}
}

static void test_size_overflow(void)
{
	static const struct {
		const char *text;
		uint64_t unit;
	} cases[] = {
		{ "99999999999999999999", 1 },
		{ "18014398509481984K", 1 },		/* 2^54 KiB = 2^64 */
		{ "17179869184G", 1 },			/* 2^34 GiB = 2^64 */
		{ "18446744073709551615", 2 },
		{ "18014398509481984", 1024 },		/* unit applies too */
		{ "18446744073709551616", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 777;
		int ret = xtrace_parse_size(cases[i].text, cases[i].unit, &v);

		if (ret != -ERANGE)
			fprintf(stderr, "\n  size '%s' gave %d, not -ERANGE ", cases[i].text, ret);
		CU_ASSERT_EQUAL(ret, -ERANGE);
		CU_ASSERT_EQUAL(v, 777);
	}
}

/*
 * The recorder's notrace list on a 512-CPU host: 513 threads with 7-digit TIDs make 4 KiB
 * and more (a fixed 4096-byte buffer cut it short); every ID is there, in order.
 */
static void test_join_ids_many(void)
{
	enum { N = 1025 };
	int ids[N];
	char *s, *p, *end;

	for (int i = 0; i < N; i++)
		ids[i] = 4194304 - 3 * i;
	s = xt_join_ids(ids, N);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT(strlen(s) == N * 8 - 1);
	p = s;
	for (int i = 0; i < N; i++) {
		CU_ASSERT_EQUAL(strtol(p, &end, 10), ids[i]);
		CU_ASSERT(end > p);
		p = end;
	}
	CU_ASSERT_EQUAL(*p, '\0');
	free(s);
	s = xt_join_ids(ids, 1);
	CU_ASSERT_STRING_EQUAL(s, "4194304");
	free(s);
	s = xt_join_ids(ids, 0);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
}

/* One duration grammar for every program: a bare number is seconds. */
static void test_duration(void)
{
	static const struct {
		const char *s;
		int ret;
		int64_t ns;
	} cases[] = {
		{ "1500us", 0, 1500000 }, { "-1500us", 0, -1500000 }, { "+3s", 0, 3000000000 },
		{ "1.5", 0, 1500000000 }, { "1.5ms", 0, 1500000 }, { "250ns", 0, 250 },
		{ "0.0000000019", 0, 1 }, { "2", 0, 2000000000 }, { "-0.5s", 0, -500000000 },
		{ "9223372036.854775807", 0, INT64_MAX }, { "9223372037", -ERANGE, 0 },
		{ "99999999999999999999ns", -ERANGE, 0 }, { "", -EINVAL, 0 }, { "s", -EINVAL, 0 },
		{ "1.5x", -EINVAL, 0 }, { "1 s", -EINVAL, 0 }, { "--1", -EINVAL, 0 },
		{ ".5s", 0, 500000000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ns = 42;
		int ret = xtrace_parse_duration(cases[i].s, &ns);

		if (ret != cases[i].ret || (!ret && ns != cases[i].ns))
			fprintf(stderr, "\n  '%s': %d %lld ", cases[i].s, ret, (long long)ns);
		CU_ASSERT_EQUAL(ret, cases[i].ret);
		if (!ret)
			CU_ASSERT_EQUAL(ns, cases[i].ns);
	}
}

/* One reply dialect: "ok TEXT", "err TEXT" (and 0.1.0's "error TEXT"); nothing else. */
static void test_reply(void)
{
	const char *t = NULL;

	CU_ASSERT_EQUAL(xtrace_reply_parse("ok saved 3 sub-buffers", &t), 1);
	CU_ASSERT_STRING_EQUAL(t, "saved 3 sub-buffers");
	CU_ASSERT_EQUAL(xtrace_reply_parse("ok", &t), 1);
	CU_ASSERT_STRING_EQUAL(t, "");
	CU_ASSERT_EQUAL(xtrace_reply_parse("err no such CPU", &t), 0);
	CU_ASSERT_STRING_EQUAL(t, "no such CPU");
	CU_ASSERT_EQUAL(xtrace_reply_parse("error old remote", &t), 0);
	CU_ASSERT_STRING_EQUAL(t, "old remote");
	CU_ASSERT_EQUAL(xtrace_reply_parse("okay", &t), -EBADMSG);
	CU_ASSERT_EQUAL(xtrace_reply_parse("stopped", &t), -EBADMSG);
	CU_ASSERT_EQUAL(xtrace_reply_parse("", &t), -EBADMSG);
	CU_ASSERT_EQUAL(xtrace_reply_parse("errors", &t), -EBADMSG);
}

int add_cpuset_suite(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "cpuset: parse valid ID-sets", test_parse_valid },
		{ "cpuset: reject malformed ID-sets", test_parse_invalid },
		{ "cpuset: format", test_format },
		{ "cpuset: format buffer sizes", test_format_space },
		{ "cpuset: format(parse(x)) round trip", test_round_trip },
		{ "size: valid sizes", test_size_valid },
		{ "size: invalid sizes", test_size_invalid },
		{ "size: iB/i without a unit letter is invalid", test_size_stray_binary_suffix },
		{ "size: overflow gives -ERANGE", test_size_overflow },
		{ "ID lists: as long as the host has threads", test_join_ids_many },
		{ "durations: units, signs, a bare number is seconds", test_duration },
		{ "replies: ok and err, nothing else", test_reply },
	};
	CU_pSuite s = CU_add_suite("cpuset and size parsing", NULL, NULL);

	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	}
	return 0;
}

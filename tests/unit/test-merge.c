// SPDX-License-Identifier: GPL-2.0
/* Merged directories' metadata: round trip, detection, versions, bad files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "xtrace.h"
#include "tu.h"


static void test_round_trip(void)
{
	struct xtrace_merge_source src[2] = {
		{ .name = "host", .hostname = "host.example", .input = "/data/xtrace-host",
		  .offset = 0, .events = 123456789, .lost = 7, .first = 1795355006134925058LL,
		  .last = 1795355016134925058LL, .clock_error = 12345, .sample_error = 25,
		  .steps = 1, .damage = 2, .clock_basis = "reference", .clock_bound = 25 },
		{ .name = "vm1", .hostname = "vm1", .input = "vm; with # odd\tchars ",
		  .offset = -1500000, .events = 1, .lost = 0, .first = 5, .last = 5,
		  .clock_error = -1, .sample_error = 40, .clock_basis = "exchanges",
		  .clock_offset = -2000123456LL, .drift_ppb = -49833, .clock_bound = 40319,
		  .exchanges = 56 },
	};
	char *warnings[] = { "'vm1': its clock error is unknown; order; may # be wrong" };
	struct xtrace_merge_meta m = {
		.major = XTRACE_FORMAT_MAJOR, .minor = XTRACE_FORMAT_MINOR, .tool = "test",
		.complete = true, .events = 123456790, .typical_gap = 288, .uncertain = 5561,
		.nr_sources = 2,
		.sources = src, .nr_warnings = 1, .warnings = warnings,
	};
	struct xtrace_merge_meta r;
	char *dir = tu_mkdtemp();

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	CU_ASSERT_EQUAL(xtrace_merge_meta_write(dir, &m), 0);
	CU_ASSERT_EQUAL(xtrace_dir_is_merged(dir), 1);
	CU_ASSERT_EQUAL_FATAL(xtrace_merge_meta_read(dir, &r), 0);
	CU_ASSERT_EQUAL(r.nr_sources, 2);
	CU_ASSERT_TRUE(r.complete);
	CU_ASSERT_EQUAL(r.events, 123456790);
	CU_ASSERT_EQUAL(r.typical_gap, 288);
	CU_ASSERT_EQUAL(r.uncertain, 5561);
	CU_ASSERT_EQUAL_FATAL(r.nr_warnings, 1);
	CU_ASSERT_STRING_EQUAL(r.warnings[0], warnings[0]);
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_STRING_EQUAL(r.sources[i].name, src[i].name);
		CU_ASSERT_STRING_EQUAL(r.sources[i].hostname, src[i].hostname);
		CU_ASSERT_STRING_EQUAL(r.sources[i].input, src[i].input);
		CU_ASSERT_EQUAL(r.sources[i].offset, src[i].offset);
		CU_ASSERT_EQUAL(r.sources[i].events, src[i].events);
		CU_ASSERT_EQUAL(r.sources[i].lost, src[i].lost);
		CU_ASSERT_EQUAL(r.sources[i].first, src[i].first);
		CU_ASSERT_EQUAL(r.sources[i].last, src[i].last);
		CU_ASSERT_EQUAL(r.sources[i].clock_error, src[i].clock_error);
		CU_ASSERT_EQUAL(r.sources[i].sample_error, src[i].sample_error);
		CU_ASSERT_EQUAL(r.sources[i].steps, src[i].steps);
		CU_ASSERT_EQUAL(r.sources[i].damage, src[i].damage);
		CU_ASSERT_STRING_EQUAL(r.sources[i].clock_basis, src[i].clock_basis);
		CU_ASSERT_EQUAL(r.sources[i].clock_offset, src[i].clock_offset);
		CU_ASSERT_EQUAL(r.sources[i].drift_ppb, src[i].drift_ppb);
		CU_ASSERT_EQUAL(r.sources[i].clock_bound, src[i].clock_bound);
		CU_ASSERT_EQUAL(r.sources[i].exchanges, src[i].exchanges);
	}
	xtrace_merge_meta_free(&r);
	/* a merged directory is not a recording */
	{
		struct xtrace_meta rm;

		CU_ASSERT_NOT_EQUAL(xtrace_meta_read(dir, &rm), 0);
	}
	tu_rm_rf(dir);
	free(dir);
}

static void test_bad_files(void)
{
	static const struct { const char *text; int err; } cases[] = {
		{ "[xtrace]\nformat = 2.0\nkind = merged\n[merge]\nsources = 1\n", -ENOTSUP },
		{ "[xtrace]\nformat = 1.0\nkind = merged\n[merge]\nsources = 0\n", -EBADMSG },
		{ "[xtrace]\nformat = 1.0\nkind = merged\n[merge]\nsources = 1\n", -EBADMSG },
		{ "[xtrace]\nformat = 1.0\nkind = merged\n[merge]\nsources = 1\n[source0]\n"
		  "name = ../escape\n", -EBADMSG },
		{ "[xtrace]\nformat = 1.0\nkind = merged\n[merge]\nsources = 1\n[source3]\n"
		  "name = x\n", -EBADMSG },
		{ "[xtrace]\nkind = merged\n", -EBADMSG },
		{ "[xtrace]\nformat = 1.0\nkind = merged\n[merge]\nsources = 1\n[source0]\n"
		  "name = ok\nevents = -3\n", -EBADMSG },
	};
	char *dir = tu_mkdtemp();

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xtrace_merge_meta r;
		int ret;

		CU_ASSERT_EQUAL_FATAL(tu_write_file(dir, "xtrace.meta", cases[i].text,
						    strlen(cases[i].text)), 0);
		ret = xtrace_merge_meta_read(dir, &r);
		CU_ASSERT_EQUAL(ret, cases[i].err);
		if (ret == -ENOTSUP)
			CU_ASSERT_EQUAL(r.major, 2);
		if (!ret)
			xtrace_merge_meta_free(&r);
	}
	/* a recording is not a merged directory; a missing one is an error */
	CU_ASSERT_EQUAL(tu_write_file(dir, "xtrace.meta", "[xtrace]\nformat = 1.0\n", 22), 0);
	CU_ASSERT_EQUAL(xtrace_dir_is_merged(dir), 0);
	tu_rm_rf(dir);
	CU_ASSERT_EQUAL(xtrace_dir_is_merged(dir), -ENOENT);
	free(dir);
}

int add_merge_suite(void)
{
	CU_pSuite s = CU_add_suite("merged metadata", NULL, NULL);

	if (!s || !CU_add_test(s, "merge meta: round trip of every field", test_round_trip) ||
	    !CU_add_test(s, "merge meta: newer, malformed and unsafe files", test_bad_files))
		return -1;
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1
/* ID-sets: parsing, formatting and set operations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt-test.h"

static void test_parse_format(void)
{
	static const struct {
		const char *in, *out;
		unsigned int count;
	} cases[] = {
		{ "", "", 0 },
		{ "   ", "", 0 },
		{ "0", "0", 1 },
		{ "0,2,4-7,12-15", "0,2,4-7,12-15", 10 },
		{ " 3 - 5 , 1 ", "1,3-5", 4 },
		{ "7,6,5,1", "1,5-7", 4 },
		{ "1-1", "1", 1 },
		{ "0-3,2-5", "0-5", 6 },
		{ "63,64,127,128", "63-64,127-128", 4 },
		{ "1,\n  3", "1,3", 2 },
		{ "65535", "65535", 1 },
	};
	struct xtrace_idset *s = xtrace_idset_new();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *f;

		CU_ASSERT_EQUAL(xtrace_idset_parse(s, cases[i].in, NULL), 0);
		f = xtrace_idset_format(s);
		CU_ASSERT_STRING_EQUAL(f, cases[i].out);
		CU_ASSERT_EQUAL(xtrace_idset_count(s), cases[i].count);
		free(f);
	}
	xtrace_idset_free(s);
}

static void test_parse_malformed(void)
{
	static const struct {
		const char *in;
		int ret;
		const char *bad;	/* where the error points */
	} cases[] = {
		{ "1,,2", -EINVAL, ",2" },
		{ "5-3", -EINVAL, "5-3" },
		{ "0,7-2", -EINVAL, "7-2" },
		{ "-1", -EINVAL, "-1" },
		{ "1-", -EINVAL, "" },
		{ "1,", -EINVAL, "" },
		{ "a", -EINVAL, "a" },
		{ "1 2", -EINVAL, "2" },
		{ "0x3", -EINVAL, "x3" },
		{ "1;2", -EINVAL, ";2" },
		{ "65536", -ERANGE, NULL },
		{ "99999999999999999999", -ERANGE, NULL },
		{ "0-4000000000", -ERANGE, NULL },
	};
	struct xtrace_idset *s = xtrace_idset_new();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *bad = NULL;

		xtrace_idset_add(s, 3);
		CU_ASSERT_EQUAL(xtrace_idset_parse(s, cases[i].in, &bad), cases[i].ret);
		/* a failed parse leaves an empty set, never half of one */
		CU_ASSERT_TRUE(xtrace_idset_empty(s));
		if (cases[i].bad) {
			CU_ASSERT_PTR_NOT_NULL(bad);
			if (bad)
				CU_ASSERT_STRING_EQUAL(bad, cases[i].bad);
		}
	}
	xtrace_idset_free(s);
}

static struct xtrace_idset *set(const char *text)
{
	struct xtrace_idset *s = xtrace_idset_new();

	CU_ASSERT_EQUAL_FATAL(xtrace_idset_parse(s, text, NULL), 0);
	return s;
}

static void expect(const struct xtrace_idset *s, const char *want)
{
	char *f = xtrace_idset_format(s);

	CU_ASSERT_STRING_EQUAL(f, want);
	free(f);
}

static void test_operations(void)
{
	struct xtrace_idset *a = set("0-9,100"), *b = set("5-14"), *c, *b2;

	CU_ASSERT_TRUE(xtrace_idset_intersects(a, b));
	CU_ASSERT_FALSE(xtrace_idset_subset(a, b));
	c = xtrace_idset_dup(a);
	xtrace_idset_and(c, b);
	expect(c, "5-9");
	CU_ASSERT_TRUE(xtrace_idset_subset(c, a));
	CU_ASSERT_TRUE(xtrace_idset_subset(c, b));
	xtrace_idset_free(c);
	c = xtrace_idset_dup(a);
	xtrace_idset_andnot(c, b);
	expect(c, "0-4,100");
	CU_ASSERT_EQUAL(xtrace_idset_or(c, b), 0);
	expect(c, "0-14,100");
	CU_ASSERT_EQUAL(xtrace_idset_nth(c, 0), 0);
	CU_ASSERT_EQUAL(xtrace_idset_nth(c, 15), 100);
	CU_ASSERT_EQUAL(xtrace_idset_nth(c, 16), -1);
	CU_ASSERT_EQUAL(xtrace_idset_next(c, 15), 100);
	CU_ASSERT_EQUAL(xtrace_idset_next(c, 101), -1);
	xtrace_idset_del(c, 100);
	CU_ASSERT_FALSE(xtrace_idset_has(c, 100));
	b2 = set("0-14");
	CU_ASSERT_TRUE(xtrace_idset_equal(c, b2));
	xtrace_idset_free(b2);
	xtrace_idset_free(c);
	/* a short set against a long one, both ways */
	c = set("1");
	CU_ASSERT_TRUE(xtrace_idset_subset(c, a));
	CU_ASSERT_FALSE(xtrace_idset_subset(a, c));
	CU_ASSERT_FALSE(xtrace_idset_equal(a, c));
	CU_ASSERT_EQUAL(xtrace_idset_add(c, XTRACE_MAX_ID + 1), -ERANGE);
	xtrace_idset_free(c);
	xtrace_idset_free(a);
	xtrace_idset_free(b);
}

int add_idset_suite(void)
{
	CU_pSuite s = CU_add_suite("idset", NULL, NULL);

	if (!s || !CU_add_test(s, "parse and format", test_parse_format) ||
	    !CU_add_test(s, "malformed ID-sets", test_parse_malformed) ||
	    !CU_add_test(s, "set operations", test_operations))
		return -1;
	return 0;
}

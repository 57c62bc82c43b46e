// SPDX-License-Identifier: GPL-2.0
/* Fitting offset and drift to two-way clock exchanges (clockfit.c), and their file. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "xtrace.h"
#include "tu.h"

int add_clockfit_suite(void);

#define NS	1000000000LL
#define REF0	1795000000000000000LL	/* a UTC of 2026 */
#define TRACE0	5000000000000ULL	/* a boot clock after 5000 s */

#define N_(a)	(sizeof(a) / sizeof((a)[0]))

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* a delay of @min ns plus up to @jitter more */
static int64_t delay(int64_t min, int64_t jitter)
{
	return min + (int64_t)(next() % (uint64_t)(jitter + 1));
}

/* The truth: ref = trace + off + drift * (trace - TRACE0). */
struct truth {
	int64_t off;
	double ppm;
};

static int64_t truth_ref(const struct truth *t, uint64_t trace)
{
	return (int64_t)trace + t->off + (int64_t)(t->ppm * 1e-6 * (double)(trace - TRACE0));
}

/* @n exchanges over @span ns of trace time, one-way delays @min + jitter */
static void make_pairs(const struct truth *t, struct xtrace_clock_pair *p, size_t n,
		       uint64_t span, int64_t min, int64_t jitter)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t tr = TRACE0 + (n > 1 ? span / (n - 1) * i : 0);
		int64_t ref = truth_ref(t, tr);

		p[i].remote = tr;
		p[i].sent = ref - delay(min, jitter);
		p[i].received = ref + delay(min, jitter);
	}
}

/* the fitted line within its bound of the truth at every point of the span */
static void check_within(const struct truth *t, const struct xtrace_clock_fit *f,
			 uint64_t start, uint64_t end)
{
	for (int k = 0; k <= 10; k++) {
		uint64_t tr = start + (end - start) / 10 * k;
		int64_t err = xtrace_clock_fit_map(f, tr) - truth_ref(t, tr);

		if (err > f->bound || -err > f->bound)
			fprintf(stderr, "\n  at +%llu ns: off by %lld ns, bound %lld ns ",
				(unsigned long long)(tr - start), (long long)err,
				(long long)f->bound);
		CU_ASSERT_TRUE(err <= f->bound && -err <= f->bound);
	}
}

static void test_offset_and_drift(void)
{
	static const struct truth cases[] = {
		{ 0, 0 }, { 2 * NS, 0 }, { -1700000000000000LL, 37.5 }, { 123456, -120 },
	};
	struct xtrace_clock_pair p[400];
	struct xtrace_clock_fit f;

	for (size_t c = 0; c < N_(cases); c++) {
		uint64_t span = 600 * NS;

		make_pairs(&cases[c], p, N_(p), span, 20000, 40000);
		CU_ASSERT_EQUAL_FATAL(xtrace_clock_fit(p, N_(p), TRACE0, TRACE0 + span, &f), 0);
		CU_ASSERT_EQUAL(f.nr_pairs, 400);
		CU_ASSERT_EQUAL(f.slack, 0);
		/* the bound is no larger than the best half round trip */
		CU_ASSERT_TRUE(f.bound > 0 && f.bound <= 20000 + 40000);
		CU_ASSERT_TRUE(f.drift_ppm - cases[c].ppm < 0.01 && cases[c].ppm - f.drift_ppm < 0.01);
		check_within(&cases[c], &f, TRACE0, TRACE0 + span);
	}
}

/* Exchanges whose answer falls early in some and late in others pin the clock closer. */
static void test_asymmetry_narrows(void)
{
	struct truth t = { 5 * NS, 10 };
	struct xtrace_clock_pair p[200];
	struct xtrace_clock_fit wide, narrow;
	uint64_t span = 100 * NS;

	make_pairs(&t, p, N_(p), span, 50000, 0);
	CU_ASSERT_EQUAL_FATAL(xtrace_clock_fit(p, N_(p), TRACE0, TRACE0 + span, &wide), 0);
	for (size_t i = 0; i < N_(p); i++) {
		int64_t ref = truth_ref(&t, p[i].remote);

		/* half of them answered 1 us after the question, half 1 us before the answer came */
		if (i % 2) {
			p[i].sent = ref - 1000;
			p[i].received = ref + 99000;
		} else {
			p[i].sent = ref - 99000;
			p[i].received = ref + 1000;
		}
	}
	CU_ASSERT_EQUAL_FATAL(xtrace_clock_fit(p, N_(p), TRACE0, TRACE0 + span, &narrow), 0);
	CU_ASSERT_TRUE(wide.bound >= 50000);
	CU_ASSERT_TRUE(narrow.bound <= 1100);
	check_within(&t, &wide, TRACE0, TRACE0 + span);
	check_within(&t, &narrow, TRACE0, TRACE0 + span);
}

/* One exchange: the offset is known at one moment, the drift only within +-500 ppm. */
static void test_one_pair(void)
{
	struct truth t = { 42000, 300 };
	struct xtrace_clock_pair p[1];
	struct xtrace_clock_fit f;

	make_pairs(&t, p, 1, 0, 10000, 0);
	CU_ASSERT_EQUAL_FATAL(xtrace_clock_fit(p, 1, TRACE0, TRACE0, &f), 0);
	CU_ASSERT_TRUE(f.bound <= 10001);
	check_within(&t, &f, TRACE0, TRACE0);
	/* over 10 s after it: up to 500 ppm of 5 s either side of the middle */
	CU_ASSERT_EQUAL_FATAL(xtrace_clock_fit(p, 1, TRACE0, TRACE0 + 10 * NS, &f), 0);
	CU_ASSERT_TRUE(f.bound >= 2500000 && f.bound <= 5000000 + 10001);
	check_within(&t, &f, TRACE0, TRACE0 + 10 * NS);
}

/* A clock that changed rate in the middle: no line fits; the least-missing one, said so. */
static void test_no_line_fits(void)
{
	struct truth a = { 0, 0 }, b = { 0, 200 };
	struct xtrace_clock_pair p[100];
	struct xtrace_clock_fit f;
	uint64_t span = 10 * NS;

	make_pairs(&a, p, 50, span / 2, 1000, 0);
	for (size_t i = 50; i < N_(p); i++) {
		uint64_t tr = TRACE0 + span / 2 + span / 2 / 50 * (i - 49);
		int64_t ref = truth_ref(&a, TRACE0 + span / 2) +
			      (int64_t)(tr - (TRACE0 + span / 2)) +
			      (int64_t)(b.ppm * 1e-6 * (double)(tr - (TRACE0 + span / 2)));

		p[i] = (struct xtrace_clock_pair){ ref - 1000, tr, ref + 1000 };
	}
	CU_ASSERT_EQUAL_FATAL(xtrace_clock_fit(p, N_(p), TRACE0, TRACE0 + span, &f), 0);
	CU_ASSERT_TRUE(f.slack > 0);
	CU_ASSERT_TRUE(f.bound >= f.slack);
	/* every exchange within bound of the line */
	for (size_t i = 0; i < N_(p); i++) {
		int64_t y = xtrace_clock_fit_map(&f, p[i].remote);

		CU_ASSERT_TRUE(y >= p[i].sent - f.slack - 1 && y <= p[i].received + f.slack + 1);
	}
}

static void test_bad_input(void)
{
	struct xtrace_clock_pair p[1] = { { REF0 + 10, TRACE0, REF0 } };
	struct xtrace_clock_fit f;

	CU_ASSERT_EQUAL(xtrace_clock_fit(p, 0, 0, 1, &f), -EINVAL);
	CU_ASSERT_EQUAL(xtrace_clock_fit(p, 1, 0, 1, &f), -EINVAL);
}

static void test_file(void)
{
	struct truth t = { -3 * NS, 12 };
	struct xtrace_clock_pair p[10], *r = NULL;
	char *dir = tu_mkdtemp(), *peer = NULL;
	size_t n = 99;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	CU_ASSERT_EQUAL(xtrace_clocksync_read(dir, &r, &n, &peer), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(peer);
	make_pairs(&t, p, N_(p), 9 * NS, 3000, 3000);
	CU_ASSERT_EQUAL_FATAL(xtrace_clocksync_write(dir, "host.example", p, N_(p)), 0);
	CU_ASSERT_EQUAL_FATAL(xtrace_clocksync_read(dir, &r, &n, &peer), 0);
	CU_ASSERT_EQUAL_FATAL(n, N_(p));
	CU_ASSERT_STRING_EQUAL(peer, "host.example");
	CU_ASSERT_EQUAL(memcmp(r, p, sizeof(p)), 0);
	free(r);
	free(peer);
	/* a torn last line is dropped, a damaged one before it refused */
	{
		static const char torn[] = "peer=h\nx 10 20 30\nx 40 5";
		static const char bad[] = "peer=h\nx 10 20 30\nx 40 zz 50\nx 60 70 80\n";
		static const char backwards[] = "x 10 20 9\nx 1 2 3\n";

		CU_ASSERT_EQUAL(tu_write_file(dir, "clocksync", torn, sizeof(torn) - 1), 0);
		CU_ASSERT_EQUAL(xtrace_clocksync_read(dir, &r, &n, NULL), 0);
		CU_ASSERT_EQUAL(n, 1);
		free(r);
		CU_ASSERT_EQUAL(tu_write_file(dir, "clocksync", bad, sizeof(bad) - 1), 0);
		CU_ASSERT_EQUAL(xtrace_clocksync_read(dir, &r, &n, &peer), -EBADMSG);
		CU_ASSERT_PTR_NULL(peer);
		CU_ASSERT_EQUAL(tu_write_file(dir, "clocksync", backwards, sizeof(backwards) - 1),
				0);
		CU_ASSERT_EQUAL(xtrace_clocksync_read(dir, &r, &n, NULL), -EBADMSG);
	}
	tu_rm_rf(dir);
	free(dir);
}

int add_clockfit_suite(void)
{
	static CU_TestInfo tests[] = {
		{ "fit: offset and drift within the bound", test_offset_and_drift },
		{ "fit: varied asymmetry narrows the bound", test_asymmetry_narrows },
		{ "fit: one exchange, drift within +-500 ppm", test_one_pair },
		{ "fit: no line fits every exchange", test_no_line_fits },
		{ "fit: bad input", test_bad_input },
		{ "clocksync: file round trip, torn and damaged lines", test_file },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suite[] = {
		{ .pName = "clockfit", .pTests = tests },
		CU_SUITE_INFO_NULL,
	};

	return CU_register_suites(suite) == CUE_SUCCESS ? 0 : -1;
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * The bandwidth budget that fetches share (libxtrace/remote.c): bytes taken
 * beyond the rate wait, in one thread or spread over several.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <CUnit/CUnit.h>

#include "xtrace-remote.h"

#define N_(a)	(sizeof(a) / sizeof((a)[0]))

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_refuses_zero(void)
{
	errno = 0;
	CU_ASSERT_PTR_NULL(xtrace_budget_new(0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	/* no budget: nothing waits */
	xtrace_budget_take(NULL, 1 << 30);
}

/*
 * 1 MiB at 4 MiB/s, in 64 KiB pieces: at least 0.25 s less the 50 ms of credit, and
 * not much more (a late wake-up shortens the next wait: lateness does not add up)
 */
static void test_one_taker(void)
{
	struct xtrace_budget *b = xtrace_budget_new(4 << 20);
	double t0 = now_s(), t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	for (int i = 0; i < 16; i++)
		xtrace_budget_take(b, 64 << 10);
	t = now_s() - t0;
	CU_ASSERT(t >= 0.19);
	CU_ASSERT(t < 1.25);
	xtrace_budget_free(b);
}

static void *taker(void *arg)
{
	for (int i = 0; i < 8; i++)
		xtrace_budget_take(arg, 64 << 10);
	return NULL;
}

/* 4 threads x 512 KiB at 8 MiB/s: together, not each, at least 0.25 s less the credit */
static void test_shared(void)
{
	struct xtrace_budget *b = xtrace_budget_new(8 << 20);
	pthread_t th[4];
	double t0 = now_s(), t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	for (size_t i = 0; i < N_(th); i++)
		CU_ASSERT_FATAL(!pthread_create(&th[i], NULL, taker, b));
	for (size_t i = 0; i < N_(th); i++)
		pthread_join(th[i], NULL);
	t = now_s() - t0;
	CU_ASSERT(t >= 0.19);
	CU_ASSERT(t < 1.25);
	xtrace_budget_free(b);
}

int add_budget_suite(void)
{
	static CU_TestInfo tests[] = {
		{ "budget: a rate of 0 is refused, no budget never waits", test_refuses_zero },
		{ "budget: one taker is held to the rate", test_one_taker },
		{ "budget: takers in 4 threads share the rate", test_shared },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suite[] = {
		{ .pName = "budget", .pTests = tests },
		CU_SUITE_INFO_NULL,
	};

	return CU_register_suites(suite) == CUE_SUCCESS ? 0 : -1;
}

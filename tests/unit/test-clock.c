// SPDX-License-Identifier: LGPL-2.1
/*
 * Trace clock to time of day: xtrace_clock_to_tod() as a pure function against
 * tables of expected values, xtrace_clock_is_step(), and one live sample.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <CUnit/CUnit.h>

#include "xtrace.h"
#include "xtrace-local.h"

int add_clock_suite(void);

#define NS	1000000000LL
#define TOD0	1700000000000000000LL	/* 2023-11-14, a realistic UTC */

#define N_(a)	(sizeof(a) / sizeof((a)[0]))

struct point {
	uint64_t ts;
	int64_t tod;
};

/* Check every point, each with a fresh hint. */
static void check_points(const struct xtrace_clock *clk, const struct point *p, size_t n,
			 const char *what)
{
	for (size_t i = 0; i < n; i++) {
		size_t hint = 0;
		int64_t got = xtrace_clock_to_tod(clk, p[i].ts, &hint);

		if (got != p[i].tod)
			fprintf(stderr, "\n  %s: ts %llu -> %lld, want %lld (diff %lld) ", what,
				(unsigned long long)p[i].ts, (long long)got, (long long)p[i].tod,
				(long long)(got - p[i].tod));
		CU_ASSERT_EQUAL(got, p[i].tod);
	}
}

static void test_no_samples(void)
{
	struct xtrace_clock clk = { NULL, 0, true, 0 };
	static const uint64_t ts[] = { 0, 1, 123456789, 1ULL << 40, (uint64_t)INT64_MAX };

	for (int ns_units = 0; ns_units < 2; ns_units++) {
		clk.ns_units = ns_units;
		for (size_t i = 0; i < N_(ts); i++) {
			size_t hint = 0;

			CU_ASSERT_EQUAL(xtrace_clock_to_tod(&clk, ts[i], &hint), (int64_t)ts[i]);
		}
	}
}

static void test_one_sample(void)
{
	/* offset = TOD0 - 5 s */
	struct xtrace_clock_sample s = { 5 * NS, TOD0, 20, 0 };
	struct xtrace_clock clk = { &s, 1, true, 0 };
	const int64_t off = TOD0 - 5 * NS;
	const struct point p[] = {
		{ 0, off },
		{ 1, off + 1 },
		{ 5 * NS - 1, TOD0 - 1 },
		{ 5 * NS, TOD0 },
		{ 5 * NS + 1, TOD0 + 1 },
		{ 3600 * NS, off + 3600 * NS },
	};

	check_points(&clk, p, N_(p), "one sample, ns");
	/* a single TSC sample cannot give a rate: it is held as an offset too */
	clk.ns_units = false;
	check_points(&clk, p, N_(p), "one sample, tsc");
}

/* Two samples whose offset drifts by 2 us over 2 s (1 ppm: a slew). */
static void test_two_samples_drift(void)
{
	struct xtrace_clock_sample s[2] = {
		{ 1 * NS, 1 * NS + TOD0, 50, 0 },
		{ 3 * NS, 3 * NS + TOD0 + 2000, 50, 0 },
	};
	struct xtrace_clock clk = { s, 2, true, 0 };
	const struct point p[] = {
		/* before the first sample: its offset */
		{ 0, TOD0 },
		{ 1 * NS - 1, 1 * NS - 1 + TOD0 },
		/* at the samples: exactly their tod */
		{ 1 * NS, 1 * NS + TOD0 },
		{ 3 * NS, 3 * NS + TOD0 + 2000 },
		/* in between: linear, exact at the midpoint and quarters */
		{ 2 * NS, 2 * NS + TOD0 + 1000 },
		{ 1 * NS + NS / 2, 1 * NS + NS / 2 + TOD0 + 500 },
		{ 2 * NS + NS / 2, 2 * NS + NS / 2 + TOD0 + 1500 },
		{ 1 * NS + 1000000, 1 * NS + 1000000 + TOD0 + 1 },
		/* just before the second sample: 1999.999999 ns, rounded down */
		{ 3 * NS - 1, 3 * NS - 1 + TOD0 + 1999 },
		/* beyond the last: its offset, constant */
		{ 3 * NS + 1, 3 * NS + 1 + TOD0 + 2000 },
		{ 100 * NS, 100 * NS + TOD0 + 2000 },
	};

	check_points(&clk, p, N_(p), "drift");
	CU_ASSERT_FALSE(xtrace_clock_is_step(&clk, &s[0], &s[1]));

	/* negative drift: the clock is slewed back */
	s[1].tod = 3 * NS + TOD0 - 2000;
	{
		const struct point q[] = {
			{ 2 * NS, 2 * NS + TOD0 - 1000 },
			{ 1 * NS + NS / 2, 1 * NS + NS / 2 + TOD0 - 500 },
			{ 5 * NS, 5 * NS + TOD0 - 2000 },
		};

		check_points(&clk, q, N_(q), "negative drift");
	}
}

/* A clock step between two samples: held, not smeared. */
static void test_step_held(void)
{
	/* +0.5 s in 1 s of trace time: far more than the default 0.1 s/s slew */
	struct xtrace_clock_sample s[3] = {
		{ 10 * NS, 10 * NS + TOD0, 100, 0 },
		{ 11 * NS, 11 * NS + TOD0 + NS / 2, 100, 0 },
		{ 13 * NS, 13 * NS + TOD0 + NS / 2 + 4000, 100, 0 },
	};
	struct xtrace_clock clk = { s, 3, true, 0 };
	const struct point p[] = {
		{ 9 * NS, 9 * NS + TOD0 },
		{ 10 * NS, 10 * NS + TOD0 },
		/* the earlier offset right up to the later sample */
		{ 10 * NS + 1, 10 * NS + 1 + TOD0 },
		{ 10 * NS + NS / 2, 10 * NS + NS / 2 + TOD0 },
		{ 11 * NS - 1, 11 * NS - 1 + TOD0 },
		{ 11 * NS, 11 * NS + TOD0 + NS / 2 },
		/* after the step the next interval interpolates as usual */
		{ 12 * NS, 12 * NS + TOD0 + NS / 2 + 2000 },
		{ 20 * NS, 20 * NS + TOD0 + NS / 2 + 4000 },
	};

	check_points(&clk, p, N_(p), "step forward");
	CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &s[0], &s[1]));
	CU_ASSERT_FALSE(xtrace_clock_is_step(&clk, &s[1], &s[2]));

	/* a step backwards is a step too */
	s[1].tod = 11 * NS + TOD0 - NS / 2;
	s[2].tod = 13 * NS + TOD0 - NS / 2;
	{
		const struct point q[] = {
			{ 10 * NS + NS / 2, 10 * NS + NS / 2 + TOD0 },
			{ 11 * NS - 1, 11 * NS - 1 + TOD0 },
			{ 11 * NS, 11 * NS + TOD0 - NS / 2 },
			{ 12 * NS, 12 * NS + TOD0 - NS / 2 },
		};

		check_points(&clk, q, N_(q), "step backward");
		CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &s[0], &s[1]));
	}
}

/* The slew limit: dt * threshold + both errors + 10 us of slack. */
static void test_is_step_threshold(void)
{
	struct xtrace_clock_sample a = { 1 * NS, 1 * NS + TOD0, 0, 0 };
	struct xtrace_clock_sample b = { 2 * NS, 0, 0, 0 };
	struct xtrace_clock clk = { NULL, 0, true, 0 };
	const int64_t limit = NS / 10 + 10000;	/* default 0.1 s per s, 1 s apart */

	b.tod = 2 * NS + TOD0 + limit;
	CU_ASSERT_FALSE(xtrace_clock_is_step(&clk, &a, &b));
	b.tod = 2 * NS + TOD0 + limit + 1;
	CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &a, &b));
	b.tod = 2 * NS + TOD0 - limit;
	CU_ASSERT_FALSE(xtrace_clock_is_step(&clk, &a, &b));
	b.tod = 2 * NS + TOD0 - limit - 1;
	CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &a, &b));

	/* the samples' errors widen the limit */
	a.err = 3000;
	b.err = 4000;
	b.tod = 2 * NS + TOD0 + limit + 7000;
	CU_ASSERT_FALSE(xtrace_clock_is_step(&clk, &a, &b));
	b.tod = 2 * NS + TOD0 + limit + 7001;
	CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &a, &b));
	a.err = b.err = 0;

	/* a custom threshold: 1 us per s */
	clk.step_threshold = 1000;
	b.tod = 2 * NS + TOD0 + 11000;
	CU_ASSERT_FALSE(xtrace_clock_is_step(&clk, &a, &b));
	b.tod = 2 * NS + TOD0 + 11001;
	CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &a, &b));

	/* the interval length scales the limit: 10 s apart allow 10 times as much */
	b.trace = 11 * NS;
	b.tod = 11 * NS + TOD0 + 20000;
	CU_ASSERT_FALSE(xtrace_clock_is_step(&clk, &a, &b));
	b.tod = 11 * NS + TOD0 + 20001;
	CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &a, &b));

	/* the same interval interpolates below the limit and holds above it */
	{
		struct xtrace_clock_sample s[2] = { a, b };
		struct xtrace_clock c2 = { s, 2, true, 1000 };
		size_t hint = 0;

		s[1].tod = 11 * NS + TOD0 + 20000;
		CU_ASSERT_EQUAL(xtrace_clock_to_tod(&c2, 6 * NS, &hint), 6 * NS + TOD0 + 10000);
		s[1].tod = 11 * NS + TOD0 + 20002;
		hint = 0;
		CU_ASSERT_EQUAL(xtrace_clock_to_tod(&c2, 6 * NS, &hint), 6 * NS + TOD0);
	}

	/* TSC clocks: offsets mean nothing, only the flag makes a step */
	clk.ns_units = false;
	b.tod = 11 * NS + TOD0 + NS;
	CU_ASSERT_FALSE(xtrace_clock_is_step(&clk, &a, &b));
	b.flags = XTRACE_SAMPLE_STEP;
	CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &a, &b));
}

/* A sample taken just after the clock was set: a step however small the jump. */
static void test_step_flag(void)
{
	struct xtrace_clock_sample s[2] = {
		{ 1 * NS, 1 * NS + TOD0, 0, 0 },
		{ 2 * NS, 2 * NS + TOD0 + 100, 0, XTRACE_SAMPLE_STEP },
	};
	struct xtrace_clock clk = { s, 2, true, 0 };
	const struct point p[] = {
		{ 1 * NS + NS / 2, 1 * NS + NS / 2 + TOD0 },	/* not + 50 */
		{ 2 * NS - 1, 2 * NS - 1 + TOD0 },
		{ 2 * NS, 2 * NS + TOD0 + 100 },
	};

	CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &s[0], &s[1]));
	check_points(&clk, p, N_(p), "flagged step");

	/* the flag is about the interval before its sample, not after it */
	CU_ASSERT_FALSE(xtrace_clock_is_step(&clk, &s[1], &(struct xtrace_clock_sample){
		3 * NS, 3 * NS + TOD0 + 100, 0, 0 }));

	/* without the flag the same samples interpolate */
	s[1].flags = 0;
	{
		const struct point q[] = { { 1 * NS + NS / 2, 1 * NS + NS / 2 + TOD0 + 50 } };

		check_points(&clk, q, N_(q), "same samples unflagged");
	}
}

/* Samples for the hint tests: drift, a step, a flagged sample, drift again. */
static struct xtrace_clock_sample hint_samples[] = {
	{ 1 * NS, 1 * NS + TOD0, 10, 0 },
	{ 2 * NS, 2 * NS + TOD0 + 1000, 10, 0 },
	{ 3 * NS, 3 * NS + TOD0 + 700000000, 10, 0 },
	{ 5 * NS, 5 * NS + TOD0 + 700003000, 10, 0 },
	{ 6 * NS, 6 * NS + TOD0 + 700003100, 10, XTRACE_SAMPLE_STEP },
	{ 8 * NS, 8 * NS + TOD0 + 700001100, 10, 0 },
};

#define NR_PROBES 400

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorted probes from before the first sample to after the last, the samples included. */
static void probes(uint64_t *ts)
{
	for (int i = 0; i < NR_PROBES; i++)
		ts[i] = (uint64_t)i * (9 * NS / NR_PROBES) + (i % 7);
	for (size_t i = 0; i < N_(hint_samples); i++)
		ts[i * 7 + 1] = hint_samples[i].trace;
	qsort(ts, NR_PROBES, sizeof(*ts), cmp_u64);
}

static void check_hint_orders(bool ns_units)
{
	struct xtrace_clock clk = { hint_samples, N_(hint_samples), ns_units, 0 };
	uint64_t ts[NR_PROBES];
	int64_t want[NR_PROBES];
	int order[NR_PROBES], bad = 0;
	size_t hint;

	probes(ts);
	for (int i = 0; i < NR_PROBES; i++) {
		hint = 0;
		want[i] = xtrace_clock_to_tod(&clk, ts[i], &hint);
	}

	/* in order, with one hint carried along */
	hint = 0;
	for (int i = 0; i < NR_PROBES; i++)
		bad += xtrace_clock_to_tod(&clk, ts[i], &hint) != want[i];
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(hint < clk.nr_samples);

	/* reverse */
	bad = 0;
	for (int i = NR_PROBES - 1; i >= 0; i--)
		bad += xtrace_clock_to_tod(&clk, ts[i], &hint) != want[i];
	CU_ASSERT_EQUAL(bad, 0);

	/* random, reproducibly */
	srand(4242);
	for (int i = 0; i < NR_PROBES; i++)
		order[i] = i;
	for (int i = NR_PROBES - 1; i > 0; i--) {
		int j = rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	bad = 0;
	for (int k = 0; k < 4 * NR_PROBES; k++) {
		int i = order[k % NR_PROBES];

		bad += xtrace_clock_to_tod(&clk, ts[i], &hint) != want[i];
	}
	CU_ASSERT_EQUAL(bad, 0);

	/* a stale hint from a longer sample list */
	bad = 0;
	for (int i = 0; i < NR_PROBES; i++) {
		hint = N_(hint_samples) + 3;
		bad += xtrace_clock_to_tod(&clk, ts[i], &hint) != want[i];
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_hint(void)
{
	struct xtrace_clock clk = { hint_samples, N_(hint_samples), true, 0 };
	/* the reference values are right, not just self-consistent */
	const struct point p[] = {
		{ 0, TOD0 },
		{ 1 * NS + NS / 2, 1 * NS + NS / 2 + TOD0 + 500 },
		{ 2 * NS + NS / 2, 2 * NS + NS / 2 + TOD0 + 1000 },		/* step held */
		{ 4 * NS, 4 * NS + TOD0 + 700001500 },
		{ 5 * NS + NS / 2, 5 * NS + NS / 2 + TOD0 + 700003000 },	/* flagged */
		{ 7 * NS, 7 * NS + TOD0 + 700002100 },
		{ 9 * NS, 9 * NS + TOD0 + 700001100 },
	};

	check_points(&clk, p, N_(p), "hint reference");
	check_hint_orders(true);
	check_hint_orders(false);
}

/* TSC: ticks are not nanoseconds; time is interpolated, and extrapolated at the
 * rate of the nearest pair. */
static void test_tsc(void)
{
	struct xtrace_clock_sample s[3] = {
		{ 1000, TOD0, 0, 0 },
		{ 3000, TOD0 + 1000, 0, 0 },	/* 0.5 ns per tick */
		{ 5000, TOD0 + 3000, 0, 0 },	/* 1 ns per tick */
	};
	struct xtrace_clock clk = { s, 3, false, 0 };
	const struct point p[] = {
		{ 0, TOD0 - 500 },		/* the first pair's rate backwards */
		{ 1000, TOD0 },
		{ 2000, TOD0 + 500 },
		{ 2999, TOD0 + 999 },		/* 999.5 rounded down */
		{ 3000, TOD0 + 1000 },
		{ 4000, TOD0 + 2000 },
		{ 5000, TOD0 + 3000 },
		{ 7000, TOD0 + 5000 },		/* the last pair's rate forwards */
		{ 1005000, TOD0 + 1003000 },
	};

	check_points(&clk, p, N_(p), "tsc");

	/* realistic magnitudes: 3 GHz, days of uptime, no overflow */
	{
		const uint64_t t0 = 300000ULL * 3000000000ULL;	/* 300000 s at 3 GHz */
		struct xtrace_clock_sample r[2] = {
			{ t0, TOD0, 0, 0 },
			{ t0 + 30000000000ULL, TOD0 + 10 * NS, 0, 0 },	/* 10 s later */
		};
		struct xtrace_clock c2 = { r, 2, false, 0 };
		const struct point q[] = {
			{ t0 + 15000000000ULL, TOD0 + 5 * NS },
			{ t0 + 3, TOD0 + 1 },
			{ t0 + 60000000000ULL, TOD0 + 20 * NS },
			{ t0 - 3000000000ULL, TOD0 - NS },
		};

		check_points(&c2, q, N_(q), "tsc 3 GHz");
	}
}

/*
 * TSC and a sample flagged STEP: the realtime clock was set between the two
 * samples, so interpolating between them would smear the step over the
 * interval. xtrace_clock_is_step() says it is a step for TSC clocks too; the
 * conversion should then go on at the rate of the previous pair up to the
 * flagged sample, as ns clocks hold the earlier offset.
 */
static void test_tsc_step_flag(void)
{
	struct xtrace_clock_sample s[3] = {
		{ 1000, TOD0, 0, 0 },
		{ 3000, TOD0 + 2000, 0, 0 },			/* 1 ns per tick */
		{ 5000, TOD0 + 4000 + NS, 0, XTRACE_SAMPLE_STEP },	/* set 1 s ahead */
	};
	struct xtrace_clock clk = { s, 3, false, 0 };
	const struct point p[] = {
		{ 2000, TOD0 + 1000 },
		{ 3000, TOD0 + 2000 },
		{ 4000, TOD0 + 3000 },		/* not TOD0 + 3000 + NS / 2 */
		{ 4999, TOD0 + 3999 },
		{ 5000, TOD0 + 4000 + NS },
	};

	CU_ASSERT_TRUE(xtrace_clock_is_step(&clk, &s[1], &s[2]));
	check_points(&clk, p, N_(p), "tsc flagged step");
}

static uint64_t now_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * NS + t.tv_nsec;
}

static void test_sample_now(void)
{
	static const clockid_t ids[] = { CLOCK_BOOTTIME, CLOCK_MONOTONIC };

	for (size_t i = 0; i < N_(ids); i++) {
		struct xtrace_clock_sample s;
		uint64_t before, after;
		int64_t rt0, rt1;

		memset(&s, 0xa5, sizeof(s));
		before = now_ns(ids[i]);
		rt0 = (int64_t)now_ns(CLOCK_REALTIME);
		CU_ASSERT_EQUAL_FATAL(xtrace_clock_sample_now(ids[i], &s), 0);
		rt1 = (int64_t)now_ns(CLOCK_REALTIME);
		after = now_ns(ids[i]);

		CU_ASSERT_EQUAL(s.flags, 0);
		CU_ASSERT_TRUE(s.err < 1000000);		/* the best of a few: < 1 ms */
		CU_ASSERT_TRUE(s.trace >= before && s.trace <= after);
		/* tod lies between the realtime reads around the call (the clock
		 * could be set in between; that is not expected on a test machine) */
		CU_ASSERT_TRUE(s.tod >= rt0 && s.tod <= rt1);
		CU_ASSERT_TRUE(rt1 - rt0 < 100000000);
	}
}

/* A reproducible 64-bit generator for the fast-path comparisons. */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int cmp_sample_trace(const void *a, const void *b)
{
	const struct xtrace_clock_sample *x = a, *y = b;

	return x->trace < y->trace ? -1 : x->trace > y->trace;
}

/*
 * Random sample tables of every shape the recorder makes and some it does not:
 * drifts of either sign, slews at the limit, steps both ways (by size and by
 * flag), equal trace values, samples close together; sorted by trace.
 */
static size_t random_samples(struct xtrace_clock_sample *s, size_t max)
{
	size_t n = rnd() % (max + 1);
	uint64_t t = rnd() % (3 * NS);
	int64_t off = TOD0 - (int64_t)(rnd() % (1000 * NS));

	for (size_t i = 0; i < n; i++) {
		switch (rnd() % 8) {
		case 0:
			t += rnd() % 3;				/* equal or adjacent */
			break;
		case 1:
			t += 1 + rnd() % 1000;			/* close together */
			break;
		case 2:
			t += rnd() % (1ULL << 45);		/* far apart */
			break;
		default:
			t += NS / 2 + rnd() % (10 * NS);	/* the recorder's 5 s */
		}
		switch (rnd() % 6) {
		case 0:
			off += (int64_t)(rnd() % (2 * NS)) - NS;	/* a step */
			break;
		case 1:
			break;						/* no drift */
		default:
			off += (int64_t)(rnd() % 200001) - 100000;	/* a slew */
		}
		s[i].trace = t;
		s[i].tod = (int64_t)t + off;
		s[i].err = rnd() % 5000;
		s[i].flags = rnd() % 10 ? 0 : XTRACE_SAMPLE_STEP;
	}
	qsort(s, n, sizeof(*s), cmp_sample_trace);
	return n;
}

/* A probe near a sample (either side), inside an interval, or anywhere. */
static uint64_t random_probe(const struct xtrace_clock_sample *s, size_t n)
{
	uint64_t r = rnd();

	if (!n || r % 8 == 0)
		return r % 4 ? rnd() % (1ULL << 50) : rnd();
	{
		const struct xtrace_clock_sample *x = &s[r % n];

		switch ((r >> 8) % 4) {
		case 0:
			return x->trace + (rnd() % 5) - 2;
		case 1:
			return x->trace - rnd() % (2 * NS);
		default:
			return x->trace + rnd() % (12 * NS);
		}
	}
}

/* The interval table gives exactly xtrace_clock_to_tod(), in any order of calls. */
static void test_fast_path(void)
{
	struct xtrace_clock_sample s[24];
	long bad = 0, checked = 0;

	rnd_state = 20251122;
	for (int table = 0; table < 2000; table++) {
		struct xtrace_clock clk = { s, 0, table % 10 != 9, 0 };
		struct xt_clock_fast f;
		size_t fhint = 0;
		uint64_t ts[256];

		clk.nr_samples = random_samples(s, N_(s));
		if (table % 7 == 3)
			clk.step_threshold = 1000000 + rnd() % 1000000000;
		if (xt_clock_fast_init(&f, &clk)) {
			CU_FAIL("xt_clock_fast_init failed");
			return;
		}
		for (size_t i = 0; i < N_(ts); i++)
			ts[i] = random_probe(s, clk.nr_samples);
		/* random order, then in order as a reader converts */
		for (int pass = 0; pass < 2; pass++) {
			if (pass)
				qsort(ts, N_(ts), sizeof(ts[0]), cmp_u64);
			for (size_t i = 0; i < N_(ts); i++) {
				size_t h = 0;
				int64_t want = xtrace_clock_to_tod(&clk, ts[i], &h);
				int64_t got = xt_clock_fast_tod(&f, ts[i], &fhint);

				checked++;
				if (got != want && bad++ < 5)
					fprintf(stderr,
						"\n  table %d (%zu samples): ts %llu -> %lld, want %lld ",
						table, clk.nr_samples,
						(unsigned long long)ts[i], (long long)got,
						(long long)want);
			}
		}
		xt_clock_fast_free(&f);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(checked > 1000000);
}

static bool differs(const struct xt_clock_fast *f, size_t *fhint, const struct xtrace_clock *clk,
		    size_t *hint, uint64_t ts)
{
	return xt_clock_fast_tod(f, ts, fhint) != xtrace_clock_to_tod(clk, ts, hint);
}

/* Every event of a drifting interval, one after the other, as a reader converts them. */
static void test_fast_path_dense(void)
{
	struct xtrace_clock_sample s[] = {
		{ 1 * NS, TOD0, 30, 0 },
		{ 6 * NS, TOD0 + 5 * NS + 3001, 30, 0 },	/* +3001 ns over 5 s */
		{ 11 * NS, TOD0 + 10 * NS - 777777, 30, 0 },	/* -780778 ns over 5 s */
		{ 11 * NS + 1, TOD0 + 10 * NS + 1 + 999, 30, XTRACE_SAMPLE_STEP },
	};
	struct xtrace_clock clk = { s, N_(s), true, 0 };
	struct xt_clock_fast f;
	size_t fhint = 0, h = 0;
	long bad = 0;

	CU_ASSERT_EQUAL_FATAL(xt_clock_fast_init(&f, &clk), 0);
	/* every ns around each sample and at the start, then a stride over the rest */
	for (size_t i = 0; i < N_(s); i++)
		for (uint64_t ts = s[i].trace - 3000; ts < s[i].trace + 3000; ts++)
			bad += differs(&f, &fhint, &clk, &h, ts);
	for (uint64_t ts = NS; ts < NS + 20000; ts++)
		bad += differs(&f, &fhint, &clk, &h, ts);
	for (uint64_t ts = NS - 1000; ts < 12 * NS; ts += 99991 + ts % 7)
		bad += differs(&f, &fhint, &clk, &h, ts);
	CU_ASSERT_EQUAL(bad, 0);
	xt_clock_fast_free(&f);
}

int add_clock_suite(void)
{
	static CU_TestInfo tests[] = {
		{ "to_tod: no samples is the identity", test_no_samples },
		{ "to_tod: one sample is a constant offset", test_one_sample },
		{ "to_tod: two samples interpolate a drift", test_two_samples_drift },
		{ "to_tod: a step is held until the later sample", test_step_held },
		{ "is_step: slew limit, errors, threshold", test_is_step_threshold },
		{ "to_tod: a sample flagged STEP", test_step_flag },
		{ "to_tod: hint gives the same results in any order", test_hint },
		{ "to_tod: tsc interpolation and extrapolation", test_tsc },
		{ "to_tod: tsc does not smear a flagged step", test_tsc_step_flag },
		{ "sample_now: BOOTTIME and MONOTONIC against REALTIME", test_sample_now },
		{ "fast path: the same as to_tod on random tables and probes", test_fast_path },
		{ "fast path: every event of drifting intervals", test_fast_path_dense },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suite[] = {
		{ .pName = "clock", .pTests = tests },
		CU_SUITE_INFO_NULL,
	};

	return CU_register_suites(suite) == CUE_SUCCESS ? 0 : -1;
}

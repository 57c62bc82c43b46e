// SPDX-License-Identifier: LGPL-2.1
/*
 * Trace clock to time of day. The recorder brackets a trace-clock read between
 * two CLOCK_REALTIME reads; each such sample maps trace time to UTC with a known
 * error. Conversion is a pure function of the samples (xtrace_clock_to_tod()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xtrace-local.h"

/* chrony slews at most 83333 ppm by default; anything faster is a step. */
#define DEFAULT_STEP_PER_S	100000000LL
#define STEP_SLACK_NS		10000LL

/*
 * Times and offsets add modulo 2^64, as the fast path's do (a time decades away
 * must give the same answer there, not undefined behaviour).
 */
static int64_t wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int64_t offset_of(const struct xtrace_clock_sample *s)
{
	return (int64_t)((uint64_t)s->tod - s->trace);
}

bool xtrace_clock_is_step(const struct xtrace_clock *clk, const struct xtrace_clock_sample *a,
			  const struct xtrace_clock_sample *b)
{
	int64_t per_s = clk->step_threshold ? clk->step_threshold : DEFAULT_STEP_PER_S;
	__int128 dt = (__int128)(b->trace - a->trace);
	__int128 limit, diff;

	if (b->flags & XTRACE_SAMPLE_STEP)
		return true;
	if (!clk->ns_units)
		return false;
	diff = (__int128)offset_of(b) - offset_of(a);
	if (diff < 0)
		diff = -diff;
	limit = dt * per_s / 1000000000LL + a->err + b->err + STEP_SLACK_NS;
	return diff > limit;
}

static size_t find_interval(const struct xtrace_clock *clk, uint64_t ts, size_t *hint)
{
	const struct xtrace_clock_sample *s = clk->samples;
	size_t n = clk->nr_samples, lo, hi;

	/* Readers convert in order: try the last interval and the next one first. */
	if (*hint < n && s[*hint].trace <= ts && (*hint + 1 == n || ts < s[*hint + 1].trace))
		return *hint;
	if (*hint + 1 < n && s[*hint + 1].trace <= ts &&
	    (*hint + 2 >= n || ts < s[*hint + 2].trace))
		return ++*hint;
	lo = 0;
	hi = n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (s[mid].trace <= ts)
			lo = mid;
		else
			hi = mid;
	}
	*hint = lo;
	return lo;
}

static int64_t interpolate(const struct xtrace_clock_sample *a, const struct xtrace_clock_sample *b,
			   uint64_t ts)
{
	__int128 dt = (__int128)b->trace - a->trace;
	__int128 dtod = (__int128)b->tod - a->tod;

	if (!dt)
		return a->tod;
	return wrap_add(a->tod, (int64_t)(dtod * ((__int128)ts - a->trace) / dt));
}

int64_t xtrace_clock_to_tod(const struct xtrace_clock *clk, uint64_t ts, size_t *hint)
{
	const struct xtrace_clock_sample *s = clk->samples;
	size_t n = clk->nr_samples, i;

	if (!n)
		return (int64_t)ts;
	if (ts < s[0].trace) {
		if (clk->ns_units || n < 2)
			return wrap_add((int64_t)ts, offset_of(&s[0]));
		return interpolate(&s[0], &s[1], ts);
	}
	i = find_interval(clk, ts, hint);
	if (i + 1 >= n) {
		if (clk->ns_units || n < 2)
			return wrap_add((int64_t)ts, offset_of(&s[n - 1]));
		return interpolate(&s[n - 2], &s[n - 1], ts);
	}
	if (!clk->ns_units) {
		/* across a step, keep the rate of a neighbouring pair rather than smear it */
		if (xtrace_clock_is_step(clk, &s[i], &s[i + 1])) {
			if (i > 0)
				return interpolate(&s[i - 1], &s[i], ts);
			if (i + 2 < n && !xtrace_clock_is_step(clk, &s[i + 1], &s[i + 2]))
				return (int64_t)((uint64_t)s[i].tod +
					(uint64_t)interpolate(&s[i + 1], &s[i + 2], ts) -
					(uint64_t)interpolate(&s[i + 1], &s[i + 2], s[i].trace));
		}
		return interpolate(&s[i], &s[i + 1], ts);
	}
	if (xtrace_clock_is_step(clk, &s[i], &s[i + 1]))
		return wrap_add((int64_t)ts, offset_of(&s[i]));
	{
		__int128 dt = (__int128)s[i + 1].trace - s[i].trace;
		__int128 doff = (__int128)offset_of(&s[i + 1]) - offset_of(&s[i]);

		return wrap_add(wrap_add((int64_t)ts, offset_of(&s[i])),
				(int64_t)(doff * ((__int128)ts - s[i].trace) / dt));
	}
}

/* ------------------------------------------------- per-interval conversion */

static int seg_push(struct xt_clock_fast *f, size_t *cap, uint64_t start, uint64_t end,
		    int64_t off)
{
	struct xt_clock_seg *g;

	if (f->n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;

		g = realloc(f->seg, c * sizeof(*g));
		if (!g)
			return -ENOMEM;
		f->seg = g;
		*cap = c;
	}
	g = &f->seg[f->n++];
	memset(g, 0, sizeof(*g));
	g->start = start;
	g->len = end - start;
	g->off = off;
	g->kind = XT_SEG_CONST;
	return 0;
}

/*
 * Build the interval table of @clk (which must outlive @f). Intervals follow
 * xtrace_clock_to_tod(): before the first sample and from the last one on, the
 * nearest offset holds; between two samples the earlier offset holds across a
 * step, else the offset is interpolated. Clocks not in ns (tsc) keep the
 * general function.
 */
int xt_clock_fast_init(struct xt_clock_fast *f, const struct xtrace_clock *clk)
{
	const struct xtrace_clock_sample *s = clk->samples;
	size_t n = clk->nr_samples, cap = 0;
	int ret = 0;

	memset(f, 0, sizeof(*f));
	f->clk = clk;
	if (!clk->ns_units && n) {
		f->slow = true;
		return 0;
	}
	if (!n)
		return seg_push(f, &cap, 0, UINT64_MAX, 0);
	if (s[0].trace)
		ret = seg_push(f, &cap, 0, s[0].trace, offset_of(&s[0]));
	for (size_t i = 0; i + 1 < n && !ret; i++) {
		struct xt_clock_seg *g;
		__int128 doff;

		if (s[i].trace == s[i + 1].trace)
			continue;	/* empty: the later sample of equal ones rules */
		ret = seg_push(f, &cap, s[i].trace, s[i + 1].trace, offset_of(&s[i]));
		if (ret || xtrace_clock_is_step(clk, &s[i], &s[i + 1]))
			continue;
		g = &f->seg[f->n - 1];
		doff = (__int128)offset_of(&s[i + 1]) - offset_of(&s[i]);
		if (!doff)
			continue;
		g->kind = XT_SEG_LINEAR;
		g->neg = doff < 0;
		g->a = (uint64_t)(doff < 0 ? -doff : doff);
		g->dt = s[i + 1].trace - s[i].trace;
		g->recip = g->dt > 1 ? (uint64_t)(((unsigned __int128)1 << 64) / g->dt) :
			   UINT64_MAX;
	}
	if (!ret)
		ret = seg_push(f, &cap, s[n - 1].trace, UINT64_MAX, offset_of(&s[n - 1]));
	if (ret)
		xt_clock_fast_free(f);
	return ret;
}

void xt_clock_fast_free(struct xt_clock_fast *f)
{
	free(f->seg);
	f->seg = NULL;
	f->n = 0;
}

/*
 * A linear interval: ts + off + trunc(doff * (ts - start) / dt), the quotient
 * by a multiplication with the reciprocal and an exact correction.
 */
int64_t xt_clock_seg_tod(const struct xt_clock_seg *g, uint64_t ts)
{
	uint64_t x = ts - g->start, p, q, rem;

	if (__builtin_mul_overflow(g->a, x, &p)) {
		q = (uint64_t)(((unsigned __int128)g->a * x) / g->dt);
	} else {
		q = (uint64_t)(((unsigned __int128)p * g->recip) >> 64);
		rem = p - q * g->dt;
		while (rem >= g->dt) {
			q++;
			rem -= g->dt;
		}
	}
	if (g->neg)
		q = -q;
	return (int64_t)(ts + (uint64_t)g->off + q);
}

/* The interval of @ts, when the hint missed; then its time. */
int64_t xt_clock_fast_find(const struct xt_clock_fast *f, uint64_t ts, size_t *hint)
{
	const struct xt_clock_seg *g;
	size_t lo = 0, hi = f->n;

	if (f->slow || !f->n)
		return xtrace_clock_to_tod(f->clk, ts, hint);
	/* in order: the next interval first */
	if (*hint + 1 < f->n && ts - f->seg[*hint + 1].start < f->seg[*hint + 1].len) {
		lo = *hint + 1;
	} else {
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;

			if (f->seg[mid].start <= ts)
				lo = mid;
			else
				hi = mid;
		}
	}
	*hint = lo;
	g = &f->seg[lo];
	if (g->kind == XT_SEG_CONST)
		return (int64_t)(ts + (uint64_t)g->off);
	return xt_clock_seg_tod(g, ts);
}

uint64_t xt_clock_now(int clockid)
{
	struct timespec t;

	if (clockid < 0) {
#if defined(__x86_64__) || defined(__i386__)
		return __builtin_ia32_rdtsc();
#else
		return 0;
#endif
	}
	clock_gettime(clockid, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

int xtrace_clock_sample_now(int clockid, struct xtrace_clock_sample *s)
{
	int64_t best = INT64_MAX;

#if !defined(__x86_64__) && !defined(__i386__)
	if (clockid < 0)
		return -ENOTSUP;
#endif
	for (int i = 0; i < 7; i++) {
		int64_t r1 = xtrace_now_ns(CLOCK_REALTIME);
		uint64_t t = xt_clock_now(clockid);
		int64_t r2 = xtrace_now_ns(CLOCK_REALTIME);

		if (r2 - r1 < best) {
			best = r2 - r1;
			s->trace = t;
			s->tod = r1 + (r2 - r1) / 2;
			s->err = (uint32_t)((r2 - r1 + 1) / 2);
			s->flags = 0;
		}
	}
	return 0;
}

int xt_clock_append(int fd, const struct xtrace_clock_sample *s)
{
	char line[128];
	int n;

	n = snprintf(line, sizeof(line), "%llu %lld %u %u\n", (unsigned long long)s->trace,
		     (long long)s->tod, s->err, s->flags);
	return xt_write_all(fd, line, n);
}

static int cmp_sample(const void *a, const void *b)
{
	const struct xtrace_clock_sample *x = a, *y = b;

	return x->trace < y->trace ? -1 : x->trace > y->trace;
}

/* Read the clock file: one "trace tod err flags" line per sample, '#' comments. */
int xt_clock_read_file(const char *path, struct xtrace_clock *clk)
{
	size_t cap = 0, n = 0;
	char *buf, *line, *save;
	int ret;

	clk->samples = NULL;
	clk->nr_samples = 0;
	ret = xt_read_file(path, &buf, NULL);
	if (ret)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long t;
		long long tod;
		unsigned int err, flags;

		if (*line == '#')
			continue;
		if (sscanf(line, "%llu %lld %u %u", &t, &tod, &err, &flags) != 4) {
			/* a torn last line from a recorder that died: ignore it */
			if (!strtok_r(NULL, "\n", &save))
				break;
			ret = -EBADMSG;
			goto fail;
		}
		if (n == cap) {
			struct xtrace_clock_sample *ns;

			cap = cap ? cap * 2 : 16;
			ns = realloc(clk->samples, cap * sizeof(*ns));
			if (!ns) {
				ret = -ENOMEM;
				goto fail;
			}
			clk->samples = ns;
		}
		clk->samples[n++] = (struct xtrace_clock_sample){ t, tod, err, flags };
	}
	if (n > 1)
		qsort(clk->samples, n, sizeof(*clk->samples), cmp_sample);
	clk->nr_samples = n;
	free(buf);
	return 0;
fail:
	free(buf);
	free(clk->samples);
	clk->samples = NULL;
	return ret;
}

#define CHRONY_SOCK "/run/chrony/chronyd.sock"

/*
 * chronyc's tracking report, CSV form, and its own error bound:
 * |system time offset| + root delay / 2 + root dispersion.
 */
char *xt_chrony_tracking(int64_t *error_ns)
{
	char line[512] = "", *res;
	FILE *p;
	double f[14] = { 0 };
	char *fld, *save;
	int i = 0;

	*error_ns = -1;
	if (access(CHRONY_SOCK, F_OK))
		return strdup("unavailable (chronyd not running)");
	p = popen("timeout 2 chronyc -c -n -h " CHRONY_SOCK " tracking 2>/dev/null", "r");
	if (!p)
		return strdup("unavailable (chronyc failed)");
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	if (!line[0])
		return strdup("unavailable (no answer from chronyd)");
	res = strdup(line);
	for (fld = strtok_r(line, ",", &save); fld && i < 14; fld = strtok_r(NULL, ",", &save))
		f[i++] = strtod(fld, NULL);
	if (i >= 12) {
		double off = f[4] < 0 ? -f[4] : f[4];

		*error_ns = (int64_t)((off + f[10] / 2 + f[11]) * 1e9);
	}
	return res;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The latency statistics: a histogram per microsecond (latencies truncated to whole
 * microseconds, as cyclictest counts them), exact min/avg/max, percentiles from the
 * histogram, and the output: a summary, cyclictest's -h histogram, or JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe.h"

int stats_init(struct stats *st)
{
	*st = (struct stats){ .min = INT64_MAX, .max = INT64_MIN };
	st->hist = calloc(STATS_BUCKETS, sizeof(*st->hist));
	return st->hist ? 0 : -1;
}

void stats_free(struct stats *st)
{
	free(st->hist);
	st->hist = NULL;
}

void stats_add(struct stats *st, int64_t ns)
{
	int64_t us = ns < 0 ? 0 : ns / 1000;

	if (us < STATS_BUCKETS)
		st->hist[us]++;
	else
		st->overflow++;
	st->count++;
	st->sum += ns;
	if (ns < st->min)
		st->min = ns;
	if (ns > st->max)
		st->max = ns;
}

/* The latency (us) that @q of the samples do not exceed; past the histogram: the maximum. */
static double percentile(const struct stats *st, double q)
{
	uint64_t want, seen = 0;

	if (!st->count)
		return 0;
	want = (uint64_t)(q * st->count + 0.999999);
	if (want < 1)
		want = 1;
	for (int us = 0; us < STATS_BUCKETS; us++) {
		seen += st->hist[us];
		if (seen >= want)
			return us;
	}
	return st->max / 1000.0;
}

static const char *mode_name(const struct probe *p)
{
	if (p->o.respond)
		return "respond";
	if (p->o.kind[0] == 'n')
		return "periodic";
	switch (p->o.mode) {
	case MODE_SIGNAL: return "signal";
	case MODE_ONESHOT: return "oneshot";
	default: return "periodic";
	}
}

static void print_json(const struct probe *p)
{
	const struct stats *st = &p->st;
	const struct probe_opts *o = &p->o;
	bool first = true;

	printf("{\n  \"probe\": \"%s\",\n  \"mode\": \"%s\",\n  \"interval_us\": %.3f,\n",
	       p->what, mode_name(p), o->interval_ns / 1000.0);
	printf("  \"cpu\": %d,\n  \"priority\": %d,\n  \"cycles\": %" PRIu64 ",\n", o->cpu,
	       o->prio, st->count);
	if (st->count) {
		printf("  \"min_us\": %.3f,\n  \"avg_us\": %.3f,\n  \"max_us\": %.3f,\n",
		       st->min / 1000.0, st->sum / st->count / 1000.0, st->max / 1000.0);
		printf("  \"p50_us\": %.0f,\n  \"p99_us\": %.0f,\n  \"p99_9_us\": %.0f,\n",
		       percentile(st, 0.5), percentile(st, 0.99), percentile(st, 0.999));
	}
	if (o->kind[0] == 'n')
		printf("  \"lost\": %" PRIu64 ",\n", st->lost);
	printf("  \"threshold_us\": %.3f,\n  \"break\": %s,\n  \"misses\": %" PRIu64 ",\n",
	       (o->break_ns ? o->break_ns : o->mark_ns) / 1000.0, o->break_ns ? "true" : "false",
	       st->misses);
	if (st->misses)
		printf("  \"first_miss\": { \"cycle\": %" PRIu64 ", \"latency_us\": %.3f },\n",
		       st->first_miss_cycle, st->first_miss_ns / 1000.0);
	printf("  \"alerts\": %d,\n  \"recorders_flushed\": %d,\n", st->alerts, st->recorders);
	printf("  \"overflows\": %" PRIu64 ",\n  \"histogram\": [", st->overflow);
	for (int us = 0; us < STATS_BUCKETS; us++) {
		if (!st->hist[us])
			continue;
		printf("%s[%d, %" PRIu64 "]", first ? "" : ", ", us, st->hist[us]);
		first = false;
	}
	printf("]\n}\n");
}

/* cyclictest -h's layout: a line per microsecond, then the totals */
static void print_histogram(const struct probe *p)
{
	const struct stats *st = &p->st;
	uint64_t over = st->overflow;

	printf("# Histogram\n");
	for (int us = 0; us < STATS_BUCKETS; us++) {
		if (us < p->o.hist_us)
			printf("%06d %06" PRIu64 "\n", us, st->hist[us]);
		else
			over += st->hist[us];
	}
	printf("# Total: %09" PRIu64 "\n", st->count);
	printf("# Min Latencies: %05" PRId64 "\n", st->count ? st->min / 1000 : 0);
	printf("# Avg Latencies: %05" PRId64 "\n",
	       st->count ? (int64_t)(st->sum / st->count / 1000) : 0);
	printf("# Max Latencies: %05" PRId64 "\n", st->count ? st->max / 1000 : 0);
	printf("# Histogram Overflows: %05" PRIu64 "\n", over);
}

void stats_print(const struct probe *p)
{
	const struct stats *st = &p->st;
	const struct probe_opts *o = &p->o;

	if (o->json) {
		print_json(p);
		return;
	}
	if (o->hist_us)
		print_histogram(p);
	printf("%s%s probe: %s, interval %.0f us, %" PRIu64 " cycles", o->hist_us ? "# " : "",
	       p->what, mode_name(p), o->interval_ns / 1000.0, st->count);
	if (o->cpu >= 0)
		printf(", CPU %d", o->cpu);
	if (o->prio)
		printf(", SCHED_FIFO %d", o->prio);
	printf("\n");
	if (st->count)
		printf("%slatency (us): min %.1f avg %.1f max %.1f p50 %.0f p99 %.0f p99.9 %.0f\n",
		       o->hist_us ? "# " : "", st->min / 1000.0, st->sum / st->count / 1000.0,
		       st->max / 1000.0, percentile(st, 0.5), percentile(st, 0.99),
		       percentile(st, 0.999));
	if (o->kind[0] == 'n')
		printf("%slost: %" PRIu64 " requests without a reply in time\n",
		       o->hist_us ? "# " : "", st->lost);
	if (o->break_ns || o->mark_ns)
		printf("%smissed deadlines (> %.0f us): %" PRIu64 "%s\n", o->hist_us ? "# " : "",
		       (o->break_ns ? o->break_ns : o->mark_ns) / 1000.0, st->misses,
		       p->broke ? "; stopped at the first (-b)" : "");
	if (p->broke)
		printf("# Break cycle: %" PRIu64 "\n# Break value: %" PRId64 "\n",
		       st->first_miss_cycle, st->first_miss_ns / 1000);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A log-linear histogram of durations (ns) for percentiles in bounded memory:
 * exact below 128 ns, then 64 buckets per power of two, so a percentile is
 * reported within 1/128 (0.8%) of the true value; count, sum, min and max are
 * exact. Fixed size (HIST_BUCKETS counters) whatever the number of values.
 */
#ifndef _XTRACE_VIEW_HIST_H
#define _XTRACE_VIEW_HIST_H

#include <stdint.h>

#define HIST_LINEAR	128			/* exact buckets 0..127 */
#define HIST_SUB_BITS	6			/* 64 sub-buckets per octave */
#define HIST_OCTAVES	57			/* 2^7 .. 2^63 */
#define HIST_BUCKETS	(HIST_LINEAR + HIST_OCTAVES * (1 << HIST_SUB_BITS))

struct hist {
	uint64_t count, sum, min, max;
	uint64_t *b;		/* HIST_BUCKETS counters, allocated at the first value */
};

int hist_bucket(uint64_t v);
uint64_t hist_bucket_low(int i);		/* smallest value of bucket @i */
uint64_t hist_bucket_high(int i);		/* largest value of bucket @i */

/* Add @v; returns 0 or -ENOMEM. */
int hist_add(struct hist *h, uint64_t v);

/* Add every value of @from into @to. */
int hist_merge(struct hist *to, const struct hist *from);

/* The @p-th percentile (0 < p <= 100): the middle of the bucket holding it, clamped to
 * [min, max]; 0 for an empty histogram. */
uint64_t hist_percentile(const struct hist *h, double p);

void hist_free(struct hist *h);

#endif

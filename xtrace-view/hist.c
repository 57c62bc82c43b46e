// SPDX-License-Identifier: GPL-2.0
/* Log-linear histogram of durations (see hist.h). */
#include <errno.h>
#include <stdlib.h>

#include "hist.h"

int hist_bucket(uint64_t v)
{
	int k;

	if (v < HIST_LINEAR)
		return (int)v;
	k = 63 - __builtin_clzll(v);			/* 7..63 */
	return HIST_LINEAR + (k - 7) * (1 << HIST_SUB_BITS) +
	       (int)((v >> (k - HIST_SUB_BITS)) & ((1 << HIST_SUB_BITS) - 1));
}

uint64_t hist_bucket_low(int i)
{
	int k, sub;

	if (i < HIST_LINEAR)
		return (uint64_t)i;
	k = (i - HIST_LINEAR) / (1 << HIST_SUB_BITS) + 7;
	sub = (i - HIST_LINEAR) % (1 << HIST_SUB_BITS);
	return ((uint64_t)(1 << HIST_SUB_BITS) + sub) << (k - HIST_SUB_BITS);
}

uint64_t hist_bucket_high(int i)
{
	int k;

	if (i < HIST_LINEAR)
		return (uint64_t)i;
	k = (i - HIST_LINEAR) / (1 << HIST_SUB_BITS) + 7;
	return hist_bucket_low(i) + ((1ULL << (k - HIST_SUB_BITS)) - 1);
}

static int add_n(struct hist *h, int i, uint64_t n)
{
	if (!h->b) {
		h->b = calloc(HIST_BUCKETS, sizeof(*h->b));
		if (!h->b)
			return -ENOMEM;
	}
	h->b[i] += n;
	return 0;
}

int hist_add(struct hist *h, uint64_t v)
{
	int ret = add_n(h, hist_bucket(v), 1);

	if (ret)
		return ret;
	if (!h->count || v < h->min)
		h->min = v;
	if (!h->count || v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	return 0;
}

int hist_merge(struct hist *to, const struct hist *from)
{
	if (!from->count)
		return 0;
	for (int i = 0; i < HIST_BUCKETS; i++)
		if (from->b[i] && add_n(to, i, from->b[i]))
			return -ENOMEM;
	if (!to->count || from->min < to->min)
		to->min = from->min;
	if (!to->count || from->max > to->max)
		to->max = from->max;
	to->count += from->count;
	to->sum += from->sum;
	return 0;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, v;

	if (!h->count || !h->b)
		return 0;
	if (p >= 100)
		return h->max;
	rank = (uint64_t)(p / 100.0 * (double)h->count + 0.999999);	/* nearest rank */
	if (rank < 1)
		rank = 1;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen < rank)
			continue;
		v = hist_bucket_low(i) + (hist_bucket_high(i) - hist_bucket_low(i)) / 2;
		if (v < h->min)
			v = h->min;
		if (v > h->max)
			v = h->max;
		return v;
	}
	return h->max;
}

void hist_free(struct hist *h)
{
	free(h->b);
	h->b = NULL;
}

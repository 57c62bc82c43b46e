// SPDX-License-Identifier: LGPL-2.1
/*
 * The k-way merge's priority queue: a binary min-heap of streams keyed on
 * (timestamp, tie). The tie is unique per stream (source << 32 | cpu), so equal
 * timestamps always come out in the same order and a merge is reproducible.
 */
#include <errno.h>
#include <stdlib.h>

#include "xtrace-local.h"

static inline bool less(const struct xt_heap_item *a, const struct xt_heap_item *b)
{
	return a->key < b->key || (a->key == b->key && a->tie < b->tie);
}

static void sift_down(struct xt_heap *h, size_t i)
{
	struct xt_heap_item x = h->a[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && less(&h->a[c + 1], &h->a[c]))
			c++;
		if (!less(&h->a[c], &x))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	h->a[i] = x;
}

int xt_heap_push(struct xt_heap *h, int64_t key, uint64_t tie, void *data)
{
	struct xt_heap_item x = { key, tie, data };
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		struct xt_heap_item *a = realloc(h->a, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		h->a = a;
		h->cap = cap;
	}
	i = h->n++;
	while (i) {
		size_t p = (i - 1) / 2;

		if (!less(&x, &h->a[p]))
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	h->a[i] = x;
	return 0;
}

void xt_heap_pop(struct xt_heap *h)
{
	if (!h->n)
		return;
	h->a[0] = h->a[--h->n];
	if (h->n)
		sift_down(h, 0);
}

/* The top's stream advanced: give it its new key and restore the order. */
void xt_heap_update_top(struct xt_heap *h, int64_t key)
{
	h->a[0].key = key;
	sift_down(h, 0);
}

void xt_heap_free(struct xt_heap *h)
{
	free(h->a);
	h->a = NULL;
	h->n = h->cap = 0;
}

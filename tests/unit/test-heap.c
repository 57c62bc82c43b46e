// SPDX-License-Identifier: LGPL-2.1
/*
 * The k-way merge's min-heap (xt_heap_*, internal): order, ties, merging; and
 * the merge's loser tree (xt_kmerge_*) against it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "xtrace-local.h"

int add_heap_suite(void);

#define N_(a)	(sizeof(a) / sizeof((a)[0]))

struct kt {
	int64_t key;
	uint64_t tie;
};

static int cmp_kt(const void *a, const void *b)
{
	const struct kt *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->tie < y->tie ? -1 : x->tie > y->tie;
}

/* A reproducible pseudo-random generator (xorshift64*), independent of libc. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void shuffle(struct kt *a, size_t n)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng() % (i + 1);
		struct kt t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

/* Push @in in its order, pop everything into @out; returns the number popped. */
static size_t drain(const struct kt *in, size_t n, struct kt *out)
{
	struct xt_heap h = { 0 };
	size_t got = 0;

	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(xt_heap_push(&h, in[i].key, in[i].tie, (void *)&in[i]), 0);
	CU_ASSERT_EQUAL(h.n, n);
	while (xt_heap_top(&h)) {
		struct xt_heap_item *top = xt_heap_top(&h);
		const struct kt *src = top->data;

		/* data travels with its key */
		CU_ASSERT_TRUE(src->key == top->key && src->tie == top->tie);
		out[got].key = top->key;
		out[got].tie = top->tie;
		got++;
		xt_heap_pop(&h);
		if (got > n)
			break;
	}
	CU_ASSERT_EQUAL(h.n, 0);
	xt_heap_free(&h);
	return got;
}

static void test_random_keys(void)
{
	static const size_t sizes[] = { 1, 2, 3, 15, 16, 17, 100, 10000 };

	rng_state = 0x9e3779b97f4a7c15ULL;
	for (size_t s = 0; s < N_(sizes); s++) {
		size_t n = sizes[s], bad = 0;
		struct kt *in = calloc(n, sizeof(*in)), *want = calloc(n, sizeof(*want));
		struct kt *out = calloc(n + 1, sizeof(*out));

		CU_ASSERT_FATAL(in && want && out);
		for (size_t i = 0; i < n; i++) {
			/* the full range, negative keys and the extremes included */
			switch (i % 10) {
			case 0: in[i].key = INT64_MIN; break;
			case 1: in[i].key = INT64_MAX; break;
			case 2: in[i].key = (int64_t)(rng() % 50) - 25; break;
			default: in[i].key = (int64_t)rng();
			}
			in[i].tie = i;
		}
		shuffle(in, n);
		memcpy(want, in, n * sizeof(*in));
		qsort(want, n, sizeof(*want), cmp_kt);
		CU_ASSERT_EQUAL(drain(in, n, out), n);
		for (size_t i = 0; i < n; i++)
			bad += out[i].key != want[i].key || out[i].tie != want[i].tie;
		CU_ASSERT_EQUAL(bad, 0);
		free(in);
		free(want);
		free(out);
	}
}

/* Equal keys come out by tie, whatever the order they went in. */
static void test_equal_keys(void)
{
	enum { N = 500 };
	struct kt in[N], out1[N + 1], out2[N + 1];
	size_t bad = 0;

	rng_state = 12345;
	for (size_t i = 0; i < N; i++) {
		in[i].key = i < N / 2 ? 7 : -7;
		/* ties as the reader makes them: source << 32 | cpu */
		in[i].tie = ((uint64_t)(i % 3) << 32) | (uint32_t)(i * 37 % 1000);
	}
	shuffle(in, N);
	CU_ASSERT_EQUAL(drain(in, N, out1), N);
	shuffle(in, N);
	CU_ASSERT_EQUAL(drain(in, N, out2), N);

	qsort(in, N, sizeof(*in), cmp_kt);
	for (size_t i = 0; i < N; i++) {
		bad += out1[i].key != in[i].key || out1[i].tie != in[i].tie;
		bad += out2[i].key != in[i].key || out2[i].tie != in[i].tie;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* the key decides before the tie */
	CU_ASSERT_EQUAL(out1[0].key, -7);
	CU_ASSERT_EQUAL(out1[N - 1].key, 7);
	/* the tie is compared unsigned over all 64 bits */
	{
		struct kt t[3] = { { 1, 1ULL << 63 }, { 1, 1ULL << 32 }, { 1, 1 } }, o[4];

		CU_ASSERT_EQUAL(drain(t, 3, o), 3);
		CU_ASSERT_EQUAL(o[0].tie, 1);
		CU_ASSERT_EQUAL(o[1].tie, 1ULL << 32);
		CU_ASSERT_EQUAL(o[2].tie, 1ULL << 63);
	}
}

static void test_one_stream(void)
{
	struct xt_heap h = { 0 };
	int data = 42;

	CU_ASSERT_EQUAL_FATAL(xt_heap_push(&h, 100, 5, &data), 0);
	for (int64_t k = 101; k < 120; k++) {
		struct xt_heap_item *top = xt_heap_top(&h);

		CU_ASSERT_PTR_NOT_NULL_FATAL(top);
		CU_ASSERT_PTR_EQUAL(top->data, &data);
		CU_ASSERT_EQUAL(top->key, k - 1);
		CU_ASSERT_EQUAL(top->tie, 5);
		xt_heap_update_top(&h, k);
		CU_ASSERT_EQUAL(h.n, 1);
	}
	/* a key can also go down */
	xt_heap_update_top(&h, -3);
	CU_ASSERT_EQUAL(xt_heap_top(&h)->key, -3);
	xt_heap_pop(&h);
	CU_ASSERT_PTR_NULL(xt_heap_top(&h));
	CU_ASSERT_EQUAL(h.n, 0);
	xt_heap_free(&h);
}

/* update_top moves an item with a larger key below the others */
static void test_update_top_order(void)
{
	struct xt_heap h = { 0 };
	static const int64_t keys[] = { 10, 20, 30, 40, 50, 60, 70 };

	for (size_t i = 0; i < N_(keys); i++)
		CU_ASSERT_EQUAL_FATAL(xt_heap_push(&h, keys[i], i, NULL), 0);
	xt_heap_update_top(&h, 45);		/* 10 -> 45: now 20 is the least */
	CU_ASSERT_EQUAL(xt_heap_top(&h)->key, 20);
	xt_heap_update_top(&h, 20);		/* same key, tie 1 < ... stays */
	CU_ASSERT_EQUAL(xt_heap_top(&h)->tie, 1);
	xt_heap_update_top(&h, 30);		/* ties with 30 (tie 2): tie 1 wins */
	CU_ASSERT_EQUAL(xt_heap_top(&h)->key, 30);
	CU_ASSERT_EQUAL(xt_heap_top(&h)->tie, 1);
	xt_heap_update_top(&h, 31);
	CU_ASSERT_EQUAL(xt_heap_top(&h)->key, 30);
	CU_ASSERT_EQUAL(xt_heap_top(&h)->tie, 2);
	{
		static const int64_t rest[] = { 30, 31, 40, 45, 50, 60, 70 };
		size_t i = 0;

		while (xt_heap_top(&h) && i < N_(rest)) {
			CU_ASSERT_EQUAL(xt_heap_top(&h)->key, rest[i]);
			xt_heap_pop(&h);
			i++;
		}
		CU_ASSERT_EQUAL(i, N_(rest));
		CU_ASSERT_PTR_NULL(xt_heap_top(&h));
	}
	xt_heap_free(&h);
}

struct run {
	struct kt *v;
	size_t n, pos;
};

/* 1000 sorted runs merged the way the reader merges CPU streams. */
static void test_kway_merge(void)
{
	enum { STREAMS = 1000 };
	struct run runs[STREAMS];
	struct xt_heap h = { 0 };
	struct kt *all, *out;
	size_t total = 0, got = 0, bad = 0;

	rng_state = 0xdeadbeefcafef00dULL;
	for (int s = 0; s < STREAMS; s++) {
		int64_t k = (int64_t)(rng() % 1000) - 500;

		runs[s].n = s % 10 == 9 ? 0 : rng() % 60 + 1;	/* some streams are empty */
		runs[s].pos = 0;
		runs[s].v = calloc(runs[s].n + 1, sizeof(struct kt));
		CU_ASSERT_PTR_NOT_NULL_FATAL(runs[s].v);
		for (size_t i = 0; i < runs[s].n; i++) {
			/* small steps: many equal keys within and across streams */
			k += rng() % 4;
			runs[s].v[i].key = k;
			runs[s].v[i].tie = s;
		}
		total += runs[s].n;
	}
	all = calloc(total, sizeof(*all));
	out = calloc(total + 1, sizeof(*out));
	CU_ASSERT_FATAL(all && out);
	for (int s = 0, j = 0; s < STREAMS; s++) {
		for (size_t i = 0; i < runs[s].n; i++)
			all[j++] = runs[s].v[i];
	}
	qsort(all, total, sizeof(*all), cmp_kt);

	for (int s = 0; s < STREAMS; s++) {
		if (runs[s].n)
			CU_ASSERT_EQUAL_FATAL(xt_heap_push(&h, runs[s].v[0].key, s, &runs[s]), 0);
	}
	while (xt_heap_top(&h) && got <= total) {
		struct xt_heap_item *top = xt_heap_top(&h);
		struct run *r = top->data;

		out[got].key = top->key;
		out[got].tie = top->tie;
		got++;
		if (++r->pos < r->n)
			xt_heap_update_top(&h, r->v[r->pos].key);
		else
			xt_heap_pop(&h);
	}
	CU_ASSERT_EQUAL(got, total);
	for (size_t i = 0; i < total && i < got; i++)
		bad += out[i].key != all[i].key || out[i].tie != all[i].tie;
	CU_ASSERT_EQUAL(bad, 0);
	for (int s = 0; s < STREAMS; s++) {
		CU_ASSERT_EQUAL(runs[s].pos, runs[s].n);
		free(runs[s].v);
	}
	xt_heap_free(&h);
	free(all);
	free(out);
}

static void test_empty(void)
{
	struct xt_heap h = { 0 };

	CU_ASSERT_PTR_NULL(xt_heap_top(&h));
	xt_heap_pop(&h);			/* a no-op */
	CU_ASSERT_EQUAL(h.n, 0);
	CU_ASSERT_PTR_NULL(xt_heap_top(&h));
	xt_heap_free(&h);			/* freeing an unused heap is fine */
	CU_ASSERT_PTR_NULL(h.a);

	CU_ASSERT_EQUAL_FATAL(xt_heap_push(&h, 1, 1, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(xt_heap_push(&h, 0, 1, NULL), 0);
	xt_heap_pop(&h);
	xt_heap_pop(&h);
	CU_ASSERT_PTR_NULL(xt_heap_top(&h));
	xt_heap_pop(&h);
	CU_ASSERT_EQUAL(h.n, 0);
	/* the heap is usable again after emptying and after free */
	CU_ASSERT_EQUAL_FATAL(xt_heap_push(&h, 9, 9, NULL), 0);
	CU_ASSERT_EQUAL(xt_heap_top(&h)->key, 9);
	xt_heap_free(&h);
	CU_ASSERT_EQUAL(h.n, 0);
	CU_ASSERT_EQUAL(h.cap, 0);
	CU_ASSERT_PTR_NULL(xt_heap_top(&h));
	CU_ASSERT_EQUAL_FATAL(xt_heap_push(&h, 3, 3, NULL), 0);
	CU_ASSERT_EQUAL(xt_heap_top(&h)->key, 3);
	xt_heap_free(&h);
}

/* ------------------------------------------------- the merge's loser tree */

/* Streams of times handed to xt_kmerge in chunks of random sizes. */
struct kstreams {
	int nr;
	int64_t **tod;
	size_t *len, *pos;
	size_t chunk_max;
	int fail_stream;		/* its decoder fails half-way (-ENOMEM); -1: none */
	uint64_t seed;
};

static int kdecode(void *ctx, int k, struct xt_tods *out)
{
	struct kstreams *ks = ctx;
	size_t left = ks->len[k] - ks->pos[k], n;
	/* the chunk size depends on the stream and position only: any thread, same chunks */
	uint64_t r = (ks->seed ^ ((uint64_t)k << 32) ^ ks->pos[k]) * 0x9e3779b97f4a7c15ULL;

	if (k == ks->fail_stream && ks->pos[k] >= ks->len[k] / 2)
		return -ENOMEM;
	if (!left)
		return 0;
	n = 1 + (r >> 40) % ks->chunk_max;
	if (n > left)
		n = left;
	if (out->cap < n) {
		int64_t *t = realloc(out->tod, n * sizeof(*t));

		if (!t)
			return -ENOMEM;
		out->tod = t;
		out->cap = n;
	}
	memcpy(out->tod, ks->tod[k] + ks->pos[k], n * sizeof(*out->tod));
	out->n = n;
	ks->pos[k] += n;
	return (int)n;
}

/* The reference: iter.c's heap, keyed on (time, stream). */
static size_t heap_order(const struct kstreams *ks, uint32_t *ids, int64_t *tods)
{
	struct xt_heap h = { 0 };
	size_t *at = calloc(ks->nr, sizeof(*at)), n = 0;
	struct xt_heap_item *top;

	for (int k = 0; k < ks->nr; k++)
		if (ks->len[k])
			xt_heap_push(&h, ks->tod[k][0], k, NULL);
	while ((top = xt_heap_top(&h))) {
		uint32_t k = top->tie;

		ids[n] = k;
		tods[n++] = top->key;
		if (++at[k] < ks->len[k])
			xt_heap_update_top(&h, ks->tod[k][at[k]]);
		else
			xt_heap_pop(&h);
	}
	xt_heap_free(&h);
	free(at);
	return n;
}

/*
 * Streams of random lengths (some empty) whose times are of one @kind:
 * 0 sorted with many equal times across streams, 1 unsorted (a stepped clock),
 * 2 spread over the whole int64 range, 3 close together and then, late in one
 * stream, decades away (the tree's switch to wide keys half-way).
 */
static void kstreams_make(struct kstreams *ks, int nr, size_t max_len, int kind)
{
	ks->nr = nr;
	ks->tod = calloc(nr, sizeof(*ks->tod));
	ks->len = calloc(nr, sizeof(*ks->len));
	ks->pos = calloc(nr, sizeof(*ks->pos));
	ks->fail_stream = -1;
	for (int k = 0; k < nr; k++) {
		int64_t t = 1700000000000000000LL + (int64_t)(rng() % 1000);

		ks->len[k] = rng() % 5 ? rng() % (max_len + 1) : 0;
		ks->tod[k] = malloc((ks->len[k] + 1) * sizeof(**ks->tod));
		for (size_t i = 0; i < ks->len[k]; i++) {
			switch (kind) {
			case 0:
				t += rng() % 4;
				break;
			case 1:
				t += (int64_t)(rng() % 200) - (rng() % 8 ? 50 : 150);
				break;
			case 2:
				t = (int64_t)rng();
				if (rng() % 8 == 0)
					t = rng() % 2 ? INT64_MAX : INT64_MIN;
				break;
			default:
				t += rng() % 3;
				if (k == nr / 2 && i == ks->len[k] * 3 / 4)
					t += 40 * 365 * 86400 * 1000000000LL;	/* 40 years */
			}
			ks->tod[k][i] = t;
		}
	}
}

static void kstreams_free(struct kstreams *ks)
{
	for (int k = 0; k < ks->nr; k++)
		free(ks->tod[k]);
	free(ks->tod);
	free(ks->len);
	free(ks->pos);
}

/* xt_kmerge gives the heap's order, whatever the batches and the threads. */
static void check_kmerge(struct kstreams *ks, int threads, const char *what)
{
	size_t total = 0, n = 0, bad = 0;
	uint32_t *want_id, *id;
	int64_t *want_t, *t;
	struct xt_kmerge *km;
	long got;

	for (int k = 0; k < ks->nr; k++) {
		total += ks->len[k];
		ks->pos[k] = 0;
	}
	want_id = malloc((total + 1) * sizeof(*want_id));
	want_t = malloc((total + 1) * sizeof(*want_t));
	id = malloc((total + 1) * sizeof(*id));
	t = malloc((total + 1) * sizeof(*t));
	CU_ASSERT_EQUAL_FATAL(heap_order(ks, want_id, want_t), total);
	km = xt_kmerge_new(ks->nr, kdecode, ks, threads);
	CU_ASSERT_PTR_NOT_NULL_FATAL(km);
	/* batches of 1 to 700 events */
	while ((got = xt_kmerge_next(km, id + n, t + n,
				     total - n < 700 ? total - n + 1 : 1 + rng() % 700)) > 0)
		n += got;
	CU_ASSERT_EQUAL(got, 0);
	CU_ASSERT_EQUAL(n, total);
	for (size_t i = 0; i < n && i < total; i++)
		bad += id[i] != want_id[i] || t[i] != want_t[i];
	if (bad || n != total)
		fprintf(stderr, "\n  %s, %d threads: %zu of %zu events differ, %zu merged ", what,
			threads, bad, total, n);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(xt_kmerge_next(km, id, t, 10), 0);
	xt_kmerge_free(km);
	free(want_id);
	free(want_t);
	free(id);
	free(t);
}

static void test_kmerge_kinds(void)
{
	static const struct {
		int nr;
		size_t max_len, chunk_max;
		int kind;
		const char *what;
	} cases[] = {
		{ 16, 3000, 300, 0, "16 sorted streams, equal times" },
		{ 1, 5000, 64, 0, "one stream" },
		{ 3, 2000, 1, 0, "chunks of one event" },
		{ 1000, 60, 7, 0, "1000 streams" },
		{ 17, 2000, 100, 1, "unsorted streams" },
		{ 9, 1000, 50, 2, "times over the whole int64 range (wide keys)" },
		{ 16, 3000, 200, 3, "a time decades later (switch to wide keys)" },
	};

	rng_state = 0x1234567;
	for (size_t c = 0; c < N_(cases); c++) {
		struct kstreams ks;

		kstreams_make(&ks, cases[c].nr, cases[c].max_len, cases[c].kind);
		ks.chunk_max = cases[c].chunk_max;
		ks.seed = c;
		for (int threads = 0; threads <= 3; threads++)
			check_kmerge(&ks, threads, cases[c].what);
		kstreams_free(&ks);
	}
}

static void test_kmerge_empty(void)
{
	struct kstreams ks = { 0 };
	uint32_t id[4];
	int64_t t[4];
	struct xt_kmerge *km;

	/* no streams at all, then only empty ones */
	for (int nr = 0; nr < 3; nr += 2) {
		ks.nr = nr;
		ks.len = calloc(nr + 1, sizeof(*ks.len));
		ks.pos = calloc(nr + 1, sizeof(*ks.pos));
		ks.fail_stream = -1;
		ks.chunk_max = 4;
		km = xt_kmerge_new(nr, kdecode, &ks, 2);
		CU_ASSERT_PTR_NOT_NULL_FATAL(km);
		CU_ASSERT_EQUAL(xt_kmerge_next(km, id, t, 4), 0);
		xt_kmerge_free(km);
		free(ks.len);
		free(ks.pos);
	}
}

/* A decoder's error ends the merge with that error, on any thread. */
static void test_kmerge_error(void)
{
	rng_state = 99;
	for (int threads = 0; threads <= 2; threads++) {
		struct kstreams ks;
		uint32_t id[256];
		int64_t t[256];
		struct xt_kmerge *km;
		long got, n = 0;

		kstreams_make(&ks, 8, 4000, 0);
		ks.len[5] = 4000;
		ks.tod[5] = realloc(ks.tod[5], 4000 * sizeof(**ks.tod));
		for (int i = 0; i < 4000; i++)
			ks.tod[5][i] = 1700000000000000000LL + i;
		ks.chunk_max = 100;
		ks.seed = 5;
		ks.fail_stream = 5;
		km = xt_kmerge_new(ks.nr, kdecode, &ks, threads);
		CU_ASSERT_PTR_NOT_NULL_FATAL(km);
		while ((got = xt_kmerge_next(km, id, t, N_(id))) > 0)
			n += got;
		CU_ASSERT_EQUAL(got, -ENOMEM);
		CU_ASSERT_TRUE(n < 8 * 4000);
		xt_kmerge_free(km);
		kstreams_free(&ks);
	}
}

int add_heap_suite(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "heap: random keys pop in qsort order", test_random_keys },
		{ "heap: equal keys pop by tie, deterministically", test_equal_keys },
		{ "heap: one stream", test_one_stream },
		{ "heap: update_top restores the order", test_update_top_order },
		{ "heap: k-way merge of 1000 sorted streams", test_kway_merge },
		{ "heap: empty heap top/pop/free", test_empty },
		{ "kmerge: the heap's order, any threads and batches", test_kmerge_kinds },
		{ "kmerge: no streams, empty streams", test_kmerge_empty },
		{ "kmerge: a decoder's error ends the merge", test_kmerge_error },
	};
	CU_pSuite s = CU_add_suite("heap", NULL, NULL);

	if (!s)
		return -1;
	for (size_t i = 0; i < N_(tests); i++) {
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	}
	return 0;
}

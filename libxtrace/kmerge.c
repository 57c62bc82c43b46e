// SPDX-License-Identifier: LGPL-2.1
/*
 * The merge's k-way merge (xtrace_merge(), merge.c): the order of every event of
 * every stream, by (UTC time, stream index).
 *
 * Most of a merge's work is decoding: decompressing frames and walking their
 * sub-buffers with kbuffer. Worker threads do it ahead of the merge, a frame of
 * one stream at a time (xt_iter_decode(): the frame's event times only), into a
 * small ring of chunks per stream, the stream whose decoded times end earliest
 * first; the caller's thread merges the chunks with a loser tree. When the merge
 * would wait for a stream, it decodes that stream itself, or while a worker is
 * at it, the next chunk a worker would take: the CPUs stay busy with one worker
 * fewer than CPUs, and any number of workers (none too) gives the same order.
 * Memory: a frame's times per stream, and a few frames more per thread.
 *
 * The loser tree holds, at each inner node, the key that lost the match there;
 * a new key of the last winner's stream replays its leaf-to-root path only
 * (log2 of the streams compares, the path known in advance). A key orders by
 * time, then stream index: ties come out by stream, i.e. by (source, CPU) as
 * the heap of iter.c gives them. An exhausted stream's key is all ones, after
 * every real one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "xtrace-local.h"

#define KM_DEPTH	4		/* chunks (frames) queued per stream, at most */
/* chunks ahead of the merge per thread, beyond one a stream */
#define KM_AHEAD	8
#define KM_SIGN		0x8000000000000000ULL
#define KM_DONE64	UINT64_MAX
#define KM_DONE		(~(unsigned __int128)0)

typedef unsigned __int128 km_key;

/* the halves of a km_key in memory */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define KM_LO	0
#define KM_HI	1
#else
#define KM_LO	1
#define KM_HI	0
#endif

struct km_chunk {
	struct xt_tods t;
	int64_t min, max;		/* of its times */
};

struct km_stream {
	/* the merge's own: the chunk it reads (q[head] while has is set) */
	const int64_t *cur, *end;
	bool has;
	/* under the lock */
	struct km_chunk q[KM_DEPTH];
	unsigned int head, count;	/* the ring: count decoded chunks from head */
	bool busy;			/* a thread decodes its next chunk */
	bool eof;
	int64_t last;			/* time of the last event decoded */
};

/*
 * Two trees, one in use: narrow keys are 64 bits, (time - base) above the
 * stream index (bits of it), while every time decoded is within 2^(64 - bits)
 * ns of base (years, for hundreds of streams); the first chunk beyond switches
 * to wide keys, 128 bits, for the rest of the merge.
 */
struct xt_kmerge {
	xt_kmerge_decode_fn decode;
	void *ctx;
	int n, size;			/* streams; leaves of the trees (a power of 2) */
	struct km_stream *st;
	uint64_t *tree;			/* narrow: [0] the winner, [1..size-1] losers */
	km_key *wtree;			/* wide: the same */
	bool wide;
	int bits;			/* of a stream index in a narrow key */
	int64_t base;
	uint64_t range;			/* narrow: time - base in [0, range] */
	pthread_mutex_t lock;
	pthread_cond_t work;		/* workers: a slot was freed, or stop */
	pthread_cond_t data;		/* the merge: a chunk was decoded */
	pthread_t *thr;
	int nr_thr;
	int queued, ahead;		/* chunks queued; how many may be beyond one a stream */
	bool stop;
	int err;			/* written under the lock, read anywhere */
};

static inline km_key key_of(int64_t tod, uint32_t idx)
{
	return ((km_key)((uint64_t)tod ^ KM_SIGN) << 64) | idx;
}

static inline uint64_t key64_of(const struct xt_kmerge *km, int64_t tod, uint32_t idx)
{
	return (((uint64_t)tod - (uint64_t)km->base) << km->bits) | idx;
}

static bool narrow_fits(const struct xt_kmerge *km, const struct km_chunk *c)
{
	return c->min >= km->base && (uint64_t)c->max - (uint64_t)km->base <= km->range;
}

static int get_err(struct xt_kmerge *km)
{
	return __atomic_load_n(&km->err, __ATOMIC_RELAXED);
}

/* The stream to decode next: the one whose decoded times end earliest. Locked. */
static int pick(struct xt_kmerge *km)
{
	int best = -1;

	for (int k = 0; k < km->n; k++) {
		struct km_stream *s = &km->st[k];

		if (s->busy || s->eof || s->count == KM_DEPTH)
			continue;
		/* with many streams, one chunk each and a few more: memory stays small */
		if (s->count && km->queued >= km->n + km->ahead)
			continue;
		if (best < 0 || s->last < km->st[best].last)
			best = k;
	}
	return best;
}

/* Decode stream @k's next chunk, the lock dropped meanwhile. Locked; busy set. */
static void decode(struct xt_kmerge *km, int k)
{
	struct km_stream *s = &km->st[k];
	struct km_chunk *c = &s->q[(s->head + s->count) % KM_DEPTH];
	int ret;

	pthread_mutex_unlock(&km->lock);
	ret = km->decode(km->ctx, k, &c->t);
	if (ret > 0) {
		int64_t lo = c->t.tod[0], hi = lo;

		for (size_t i = 1; i < c->t.n; i++) {
			lo = c->t.tod[i] < lo ? c->t.tod[i] : lo;
			hi = c->t.tod[i] > hi ? c->t.tod[i] : hi;
		}
		c->min = lo;
		c->max = hi;
	}
	pthread_mutex_lock(&km->lock);
	s->busy = false;
	if (ret > 0) {
		s->count++;
		km->queued++;
		s->last = c->t.tod[c->t.n - 1];
	} else {
		s->eof = true;
		if (ret < 0 && !km->err)
			__atomic_store_n(&km->err, ret, __ATOMIC_RELAXED);
	}
	pthread_cond_broadcast(&km->data);
}

static void *worker(void *arg)
{
	struct xt_kmerge *km = arg;

	pthread_mutex_lock(&km->lock);
	while (!km->stop) {
		int k = pick(km);

		if (k < 0) {
			pthread_cond_wait(&km->work, &km->lock);
			continue;
		}
		km->st[k].busy = true;
		decode(km, k);
	}
	pthread_mutex_unlock(&km->lock);
	return NULL;
}

/*
 * Stream @k's chunk is used up: take the next one (decoded here if no thread is
 * at it). Returns it, NULL when the stream has no more (or on an error).
 */
static const struct km_chunk *refill(struct xt_kmerge *km, int k)
{
	struct km_stream *s = &km->st[k];
	const struct km_chunk *c = NULL;

	pthread_mutex_lock(&km->lock);
	if (s->has) {
		s->head = (s->head + 1) % KM_DEPTH;
		s->count--;
		km->queued--;
		s->has = false;
		pthread_cond_signal(&km->work);
	}
	while (!s->count && !s->eof && !km->err) {
		if (s->busy) {
			/* rather than wait, decode what a worker would decode next */
			int j = pick(km);

			if (j >= 0) {
				km->st[j].busy = true;
				decode(km, j);
			} else {
				pthread_cond_wait(&km->data, &km->lock);
			}
		} else {
			s->busy = true;
			decode(km, k);
		}
	}
	if (s->count && !km->err) {
		c = &s->q[s->head];
		s->has = true;
		s->cur = c->t.tod;
		s->end = c->t.tod + c->t.n;
	}
	pthread_mutex_unlock(&km->lock);
	return c;
}

/* Build a tree from its leaves (@win[size..2 size-1]): the winner goes up, the loser stays. */
#define BUILD(tree, win, size)						\
	do {								\
		for (size_t i_ = (size) - 1; i_ >= 1; i_--) {		\
			__typeof__(*(win)) a_ = (win)[2 * i_], b_ = (win)[2 * i_ + 1]; \
									\
			(win)[i_] = a_ < b_ ? a_ : b_;			\
			(tree)[i_] = a_ < b_ ? b_ : a_;			\
		}							\
		(tree)[0] = (win)[1];					\
	} while (0)

/* From now on, wide keys: the tree anew from each stream's next event. */
static int go_wide(struct xt_kmerge *km)
{
	km_key *win = malloc(2 * km->size * sizeof(*win));

	if (!win)
		return -ENOMEM;
	for (int k = 0; k < km->size; k++) {
		struct km_stream *s = &km->st[k];

		win[km->size + k] = k < km->n && s->has ? key_of(*s->cur, k) : KM_DONE;
	}
	BUILD(km->wtree, win, (size_t)km->size);
	free(win);
	km->wide = true;
	return 0;
}

static void stop_workers(struct xt_kmerge *km)
{
	pthread_mutex_lock(&km->lock);
	km->stop = true;
	pthread_cond_broadcast(&km->work);
	pthread_mutex_unlock(&km->lock);
	for (int i = 0; i < km->nr_thr; i++)
		pthread_join(km->thr[i], NULL);
	km->nr_thr = 0;
}

void xt_kmerge_free(struct xt_kmerge *km)
{
	if (!km)
		return;
	stop_workers(km);
	for (int k = 0; k < km->n; k++)
		for (int i = 0; i < KM_DEPTH; i++)
			free(km->st[k].q[i].t.tod);
	pthread_cond_destroy(&km->work);
	pthread_cond_destroy(&km->data);
	pthread_mutex_destroy(&km->lock);
	free(km->st);
	free(km->tree);
	free(km->wtree);
	free(km->thr);
	free(km);
}

/* The first chunk of every stream; base and range of the narrow keys; the tree. */
static int start(struct xt_kmerge *km)
{
	uint64_t *win = malloc(2 * km->size * sizeof(*win));
	const struct km_chunk **first = calloc(km->size, sizeof(*first));
	int64_t lo = INT64_MAX;
	int ret = -ENOMEM;

	if (!win || !first)
		goto out;
	for (int k = 0; k < km->n; k++) {
		first[k] = refill(km, k);
		if (first[k] && first[k]->min < lo)
			lo = first[k]->min;
	}
	ret = get_err(km);
	if (ret)
		goto out;
	for (km->bits = 0; (1ULL << km->bits) < (uint64_t)km->n; km->bits++)
		;
	/* narrow keys reach 2^(64 - bits) - 2^bits - 1: below all ones, the end */
	km->range = (UINT64_MAX >> km->bits) - 1;
	/* a quarter of the range before the earliest first time, the rest after it */
	km->base = lo == INT64_MAX || lo < INT64_MIN + (int64_t)(km->range / 4) ?
		   (lo == INT64_MAX ? 0 : INT64_MIN) : lo - (int64_t)(km->range / 4);
	for (int k = 0; k < km->n; k++)
		if (first[k] && !narrow_fits(km, first[k]))
			km->wide = true;
	if (km->wide) {
		ret = go_wide(km);
		goto out;
	}
	for (int k = 0; k < km->size; k++)
		win[km->size + k] = k < km->n && first[k] ? key64_of(km, *first[k]->t.tod, k) :
				    KM_DONE64;
	BUILD(km->tree, win, (size_t)km->size);
	ret = 0;
out:
	free(win);
	free(first);
	return ret;
}

/*
 * The merge of @nr streams, which @decode(@ctx, k, out) gives a chunk at a time
 * (in xt_iter_decode()'s way), on @threads worker threads beside the caller's
 * (0: the caller decodes everything). NULL with errno on failure.
 */
struct xt_kmerge *xt_kmerge_new(int nr, xt_kmerge_decode_fn decode, void *ctx, int threads)
{
	struct xt_kmerge *km = calloc(1, sizeof(*km));
	int ret = -ENOMEM;

	if (!km) {
		errno = ENOMEM;
		return NULL;
	}
	km->decode = decode;
	km->ctx = ctx;
	km->n = nr;
	for (km->size = 1; km->size < km->n; km->size *= 2)
		;
	pthread_mutex_init(&km->lock, NULL);
	pthread_cond_init(&km->work, NULL);
	pthread_cond_init(&km->data, NULL);
	km->st = calloc(km->n ? km->n : 1, sizeof(*km->st));
	km->tree = calloc(km->size, sizeof(*km->tree));
	km->wtree = calloc(km->size, sizeof(*km->wtree));
	km->thr = calloc(threads > 0 ? threads : 1, sizeof(*km->thr));
	if (!km->st || !km->tree || !km->wtree || !km->thr)
		goto fail;
	for (int k = 0; k < km->n; k++)
		km->st[k].last = INT64_MIN;
	km->ahead = KM_AHEAD * ((threads > 0 ? threads : 0) + 1);
	for (int i = 0; i < threads; i++) {
		ret = -pthread_create(&km->thr[i], NULL, worker, km);
		if (ret)
			goto fail;
		km->nr_thr++;
	}
	ret = start(km);
	if (ret)
		goto fail;
	return km;
fail:
	xt_kmerge_free(km);
	errno = -ret;
	return NULL;
}

/* Narrow keys: until @max events, the end, or a chunk that needs wide keys. */
static size_t next_narrow(struct xt_kmerge *km, uint32_t *ids, int64_t *tods, size_t max)
{
	uint64_t *tree = km->tree, w = tree[0];
	const uint64_t base = (uint64_t)km->base, mask = (1ULL << km->bits) - 1;
	const int bits = km->bits;
	size_t size = km->size, n = 0;

	while (n < max && w != KM_DONE64) {
		uint32_t k = (uint32_t)(w & mask);
		struct km_stream *s = &km->st[k];

		ids[n] = k;
		tods[n++] = (int64_t)((w >> bits) + base);
		if (++s->cur < s->end) {
			w = (((uint64_t)*s->cur - base) << bits) | k;
		} else {
			const struct km_chunk *c = refill(km, k);

			if (!c) {
				w = KM_DONE64;
			} else if (!narrow_fits(km, c)) {
				int err = go_wide(km);

				if (err)
					__atomic_store_n(&km->err, err, __ATOMIC_RELAXED);
				return n;
			} else {
				w = (((uint64_t)*s->cur - base) << bits) | k;
			}
		}
		/* replay k's path: at each match the smaller key goes on up */
		for (size_t i = (k + size) >> 1; i; i >>= 1) {
			uint64_t t = tree[i];

			tree[i] = t < w ? w : t;
			w = t < w ? t : w;
		}
	}
	tree[0] = w;
	return n;
}

/* Wide keys: the same with 128-bit keys, compared without branches. */
static size_t next_wide(struct xt_kmerge *km, uint32_t *ids, int64_t *tods, size_t max)
{
	km_key *tree = km->wtree, w = tree[0];
	size_t size = km->size, n = 0;

	while (n < max && w != KM_DONE) {
		uint32_t k = (uint32_t)w;
		struct km_stream *s = &km->st[k];
		uint64_t wh, wl;

		ids[n] = k;
		tods[n++] = (int64_t)((uint64_t)(w >> 64) ^ KM_SIGN);
		if (++s->cur < s->end || refill(km, k)) {
			wh = (uint64_t)*s->cur ^ KM_SIGN;
			wl = k;
		} else {
			wh = wl = UINT64_MAX;
		}
		for (size_t i = (k + size) >> 1; i; i >>= 1) {
			uint64_t *t = (uint64_t *)&tree[i];
			uint64_t th = t[KM_HI], tl = t[KM_LO];
			uint64_t m = -(uint64_t)((th < wh) | ((th == wh) & (tl < wl)));
			uint64_t dh = (th ^ wh) & m, dl = (tl ^ wl) & m;

			t[KM_HI] = th ^ dh;
			t[KM_LO] = tl ^ dl;
			wh ^= dh;
			wl ^= dl;
		}
		w = ((km_key)wh << 64) | wl;
	}
	tree[0] = w;
	return n;
}

/*
 * The next events in merged order: up to @max (stream index, time) pairs into
 * @ids and @tods. Returns how many, 0 at the end, or a negative errno.
 */
long xt_kmerge_next(struct xt_kmerge *km, uint32_t *ids, int64_t *tods, size_t max)
{
	size_t n = 0;

	if (!km->wide)
		n = next_narrow(km, ids, tods, max);
	if (km->wide && n < max && !get_err(km))
		n += next_wide(km, ids + n, tods + n, max - n);
	return get_err(km) ? get_err(km) : (long)n;
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * Iterating over streams in time order: a k-way heap over every CPU of every
 * recording, keyed on (time of day, source, CPU) so ties come out in a stable
 * order; or, for a merged directory, the replay of its order file. Seeking
 * moves every stream and heaps them anew.
 */
#include <errno.h>
#include <stdlib.h>

#include "reader.h"

/*
 * The merge (kmerge.c) decodes streams on several threads, each stream on one
 * at a time: what they share here (damage) is updated atomically.
 */
struct xtrace_iter {
	struct xt_stream *streams;
	int nr_streams;
	struct xt_heap heap;
	struct xt_stream *cur;
	unsigned int damage;
	struct xt_order_reader *order;	/* replaying a merged directory's order */
	uint64_t run_left;		/* of the order's current run */
	uint32_t run_stream;
};

static uint64_t tie_of(struct xt_stream *s)
{
	return ((uint64_t)s->source << 32) | (uint32_t)s->cpu;
}

struct xtrace_iter *xt_iter_new_full(struct xtrace_rec **recs, int nr,
				     const struct xtrace_cpuset *cpus,
				     const struct xt_stream_hook *hook, bool replay)
{
	struct xtrace_iter *it = calloc(1, sizeof(*it));
	int total = 0, ret = 0;

	if (!it)
		return NULL;
	for (int i = 0; i < nr; i++)
		total += xt_rec_nr_streams(recs[i]);
	it->streams = calloc(total ? total : 1, sizeof(*it->streams));
	if (!it->streams) {
		free(it);
		errno = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < nr && !ret; i++) {
		/* a trace.dat's damage found when it was opened (its streams count their own) */
		if (recs[i]->tdat)
			it->damage += xt_tdat_damage(recs[i]);
		for (int k = 0; k < xt_rec_nr_streams(recs[i]) && !ret; k++) {
			struct xt_stream *s = &it->streams[it->nr_streams];
			int c = xt_rec_stream_cpu(recs[i], k);

			if (c < 0)
				continue;
			/* a replay keeps a slot for every stream: the order names them by index */
			if (cpus && !xtrace_cpuset_has(cpus, c) && !replay)
				continue;
			s->index = it->nr_streams++;
			s->rec = recs[i];
			s->source = i;
			s->cpu = c;
			s->sub = k;
			s->fd = -1;
			s->damage_total = &it->damage;
			s->hook = hook;
			if (cpus && !xtrace_cpuset_has(cpus, c)) {
				s->skip = true;
				continue;
			}
			ret = xt_stream_open(s);
			if (ret > 0 && !replay)
				ret = xt_heap_push(&it->heap, s->ev.tod, tie_of(s), s);
			else if (ret > 0)
				ret = 0;
		}
	}
	if (ret < 0) {
		xtrace_iter_free(it);
		errno = -ret;
		return NULL;
	}
	return it;
}

struct xtrace_iter *xtrace_iter_new(struct xtrace_rec **recs, int nr,
				    const struct xtrace_cpuset *cpus)
{
	return xt_iter_new_full(recs, nr, cpus, NULL, false);
}

struct xtrace_iter *xt_iter_new_replay(struct xtrace_rec **recs, int nr,
				       const struct xtrace_cpuset *cpus, const char *order_path)
{
	struct xtrace_iter *it = xt_iter_new_full(recs, nr, cpus, NULL, true);
	int ret;

	if (!it)
		return NULL;
	it->order = calloc(1, sizeof(*it->order));
	ret = it->order ? xt_order_reader_open(it->order, order_path, it->nr_streams,
					       &it->damage) : -ENOMEM;
	if (ret) {
		xtrace_iter_free(it);
		errno = -ret;
		return NULL;
	}
	return it;
}

int xt_iter_nr_streams(const struct xtrace_iter *it)
{
	return it->nr_streams;
}

int xt_iter_stream_source(const struct xtrace_iter *it, int idx)
{
	return it->streams[idx].source;
}

unsigned int xt_iter_source_damage(const struct xtrace_iter *it, int source)
{
	unsigned int n = 0;

	for (int i = 0; i < it->nr_streams; i++)
		if (it->streams[i].source == source)
			n += it->streams[i].damage;
	return n;
}

int xt_iter_decode(struct xtrace_iter *it, int idx, struct xt_tods *out)
{
	return xt_stream_times(&it->streams[idx], out);
}

static int replay_next(struct xtrace_iter *it, struct xtrace_event **ev)
{
	for (;;) {
		struct xt_stream *s;
		int ret;

		if (!it->run_left) {
			ret = xt_order_next_run(it->order, &it->run_stream, &it->run_left);
			if (ret <= 0)
				return ret;
		}
		s = &it->streams[it->run_stream];
		if (s->skip) {
			it->run_left = 0;
			continue;
		}
		it->run_left--;
		if (!s->pending && (s->fd < 0 || !xt_stream_next(s))) {
			it->damage++;
			xt_log(XTRACE_LOG_WARNING, "'%s' cpu%d: the merged order names more events than the data holds",
			       s->rec->dir, s->cpu);
			it->run_left = 0;
			continue;
		}
		s->pending = false;
		*ev = &s->ev;
		return 1;
	}
}

int xtrace_iter_next(struct xtrace_iter *it, struct xtrace_event **ev)
{
	struct xt_heap_item *top;

	if (it->order)
		return replay_next(it, ev);
	if (it->cur) {
		if (xt_stream_next(it->cur))
			xt_heap_update_top(&it->heap, it->cur->ev.tod);
		else
			xt_heap_pop(&it->heap);
		it->cur = NULL;
	}
	top = xt_heap_top(&it->heap);
	if (!top)
		return 0;
	it->cur = top->data;
	*ev = &it->cur->ev;
	return 1;
}

unsigned int xtrace_iter_damage(const struct xtrace_iter *it)
{
	return it->damage;
}

void xtrace_iter_free(struct xtrace_iter *it)
{
	if (!it)
		return;
	for (int i = 0; i < it->nr_streams; i++)
		xt_stream_close(&it->streams[i]);
	free(it->streams);
	xt_heap_free(&it->heap);
	if (it->order) {
		xt_order_reader_close(it->order);
		free(it->order);
	}
	free(it);
}

int xtrace_iter_seek(struct xtrace_iter *it, int64_t tod)
{
	struct xt_heap heap = { 0 };
	struct xt_heap_item *top;
	int ret = 0;

	if (it->order)
		return -ENOTSUP;
	/* the streams in the heap are the ones with an event: seek each, heap them anew */
	while ((top = xt_heap_top(&it->heap))) {
		struct xt_stream *s = top->data;

		xt_heap_pop(&it->heap);
		if (!ret && xt_stream_seek(s, tod))
			ret = xt_heap_push(&heap, s->ev.tod, tie_of(s), s);
	}
	xt_heap_free(&it->heap);
	it->heap = heap;
	it->cur = NULL;
	return ret;
}

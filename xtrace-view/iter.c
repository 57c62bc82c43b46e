// SPDX-License-Identifier: GPL-2.0
/* xtrace-view: the iterator over the systems of a view that its filters ask for. */
#include <errno.h>
#include <stdlib.h>

#include "view.h"

struct xtrace_iter *view_iter(struct view *v, int **map)
{
	struct view_opts *o = v->o;
	const struct xtrace_cpuset *cpus = o->have_cpus ? &o->cpus : NULL;
	struct xtrace_rec **recs;
	struct xtrace_iter *it;
	bool all = true;
	int n = 0;

	*map = calloc(v->nr ? v->nr : 1, sizeof(**map));
	recs = calloc(v->nr ? v->nr : 1, sizeof(*recs));
	if (!*map || !recs) {
		free(recs);
		free(*map);
		*map = NULL;
		errno = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < v->nr; i++) {
		if (!v->src[i].selected) {
			all = false;
			continue;
		}
		(*map)[n] = i;
		recs[n++] = v->src[i].rec;
	}
	if (all && (o->from == INT64_MIN || o->no_skip)) {
		/* a merged directory replays its order: nothing to seek */
		free(recs);
		return xtrace_set_iter(&v->set, cpus);
	}
	/* the heap over the selected systems gives the same order, restricted to them */
	it = xtrace_iter_new(recs, n, cpus);
	free(recs);
	if (it && o->from != INT64_MIN && !o->no_skip) {
		int ret = xtrace_iter_seek(it, o->from);

		if (ret) {
			xtrace_iter_free(it);
			errno = -ret;
			return NULL;
		}
	}
	return it;
}

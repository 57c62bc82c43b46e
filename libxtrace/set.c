// SPDX-License-Identifier: LGPL-2.1
/*
 * The read API over recordings and merged directories together: a set is every
 * recording named, each merged directory standing for its sources (with their
 * names and offsets), and, when a single merged directory is read, its order
 * file replayed instead of a heap over its streams.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

static int add_rec(struct xtrace_set *set, struct xtrace_rec *rec)
{
	struct xtrace_rec **r = realloc(set->recs, (set->nr + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	set->recs = r;
	set->recs[set->nr++] = rec;
	return 0;
}

/* Open the sources of the merged directory @dir into @set. */
static int open_merged(const char *dir, struct xtrace_set *set, struct xtrace_merge_meta *mm)
{
	int ret = xtrace_merge_meta_read(dir, mm);

	if (ret)
		return ret;
	for (int i = 0; i < mm->nr_sources; i++) {
		struct xtrace_merge_source *s = &mm->sources[i];
		struct xtrace_rec *rec;
		char *sdir;

		if (asprintf(&sdir, "%s/" XT_SOURCES_DIR "/%s", dir, s->name) < 0)
			return -ENOMEM;
		rec = xtrace_rec_open(sdir);
		free(sdir);
		if (!rec) {
			ret = errno == ENOENT ? -EBADMSG : -errno;
			xt_log(XTRACE_LOG_ERROR, "'%s': its system '%s' is missing or damaged", dir,
			       s->name);
			return ret;
		}
		ret = xt_clockmap_load(rec);
		if (!ret)
			ret = xt_rec_set_source(rec, s->name, s->offset);
		if (!ret)
			ret = add_rec(set, rec);
		if (ret) {
			xtrace_rec_close(rec);
			return ret;
		}
	}
	return 0;
}

int xtrace_set_open(char *const *dirs, int nr, struct xtrace_set *set, int *bad)
{
	int ret = 0;

	memset(set, 0, sizeof(*set));
	for (int i = 0; i < nr && !ret; i++) {
		int merged = xtrace_dir_is_merged(dirs[i]);

		*bad = i;
		if (merged == 1) {
			struct xtrace_merge_meta mm;

			ret = open_merged(dirs[i], set, &mm);
			if (!ret && !mm.complete)
				xt_log(XTRACE_LOG_WARNING, "'%s' is an incomplete merge (%s)",
				       dirs[i], mm.error ? mm.error : "the merge did not finish");
			xtrace_merge_meta_free(&mm);
			if (!ret && nr == 1 &&
			    asprintf(&set->order, "%s/" XT_ORDER_FILE, dirs[i]) < 0)
				ret = -ENOMEM;
		} else {
			struct xtrace_rec *rec = xtrace_rec_open(dirs[i]);

			ret = rec ? add_rec(set, rec) : -errno;
			if (ret && rec)
				xtrace_rec_close(rec);
		}
	}
	if (ret)
		xtrace_set_close(set);
	else
		xt_tdat_link(set->recs, set->nr);
	return ret;
}

void xtrace_set_close(struct xtrace_set *set)
{
	for (int i = 0; i < set->nr; i++)
		xtrace_rec_close(set->recs[i]);
	free(set->recs);
	free(set->order);
	memset(set, 0, sizeof(*set));
}

struct xtrace_iter *xtrace_set_iter(struct xtrace_set *set, const struct xtrace_cpuset *cpus)
{
	if (set->order)
		return xt_iter_new_replay(set->recs, set->nr, cpus, set->order);
	return xtrace_iter_new(set->recs, set->nr, cpus);
}

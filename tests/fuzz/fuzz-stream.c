// SPDX-License-Identifier: LGPL-2.1
/*
 * fuzz-stream: byte 0 picks a layout (long size, byte order, page size: one
 * recording each, opened once), byte 1 whether the rest is a cpu0.xtd as is or
 * sub-buffers the harness frames. The stream is read by the view's iterator
 * (every byte of every record touched, its fields read as a careful reader
 * does), seeked, and decoded by the merge's decoder with its walker and with
 * kbuffer alone: the three must give the same event times, and a seek no
 * event that the whole read did not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "fuzz.h"

static struct xtrace_rec *recs[FZ_NR_LAYOUTS];
static char *paths[FZ_NR_LAYOUTS];		/* their cpu0.xtd */

static void setup(void)
{
	fz_quiet();
	for (int l = 0; l < FZ_NR_LAYOUTS; l++) {
		char name[32], *dir;

		snprintf(name, sizeof(name), "stream%d", l);
		dir = xt_path(fz_workdir(), name);
		if (!dir || fz_make_recording(dir, &fz_layouts[l], true))
			abort();
		recs[l] = xtrace_rec_open(dir);
		paths[l] = xt_path(dir, "cpu0.xtd");
		if (!recs[l] || !paths[l])
			abort();
		free(dir);
	}
}

/* The merge decoder's times of the stream (@kbuffer: without the walker), into @t. */
static void decode(struct xtrace_rec *rec, bool kbuffer, struct xt_tods *all)
{
	struct xt_tods t = { 0 };
	struct xtrace_iter *it;
	int got;

	if (kbuffer)
		setenv("XTRACE_MERGE_KBUFFER", "1", 1);
	it = xt_iter_new_full(&rec, 1, NULL, NULL, true);
	unsetenv("XTRACE_MERGE_KBUFFER");
	if (!it)
		abort();
	all->n = 0;
	while (xt_iter_nr_streams(it) && (got = xt_iter_decode(it, 0, &t)) > 0) {
		int64_t *a = realloc(all->tod, (all->n + got) * sizeof(*a));

		if (!a)
			abort();
		all->tod = a;
		memcpy(all->tod + all->n, t.tod, got * sizeof(*a));
		all->n += got;
	}
	free(t.tod);
	xtrace_iter_free(it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xt_tods view = { 0 }, walk = { 0 }, kb = { 0 };
	const struct fz_layout *lay;
	struct xtrace_event *ev;
	struct xtrace_iter *it;
	struct xtrace_rec *rec;
	int l, ret;
	size_t n;

	if (!recs[0])
		setup();
	if (size < 2)
		return 0;
	l = data[0] % FZ_NR_LAYOUTS;
	lay = &fz_layouts[l];
	rec = recs[l];
	if (data[1] % 2 == FZ_RAW_FILE)
		ret = xt_write_file(paths[l], data + 2, size - 2);
	else
		ret = fz_write_cpu_pages(paths[l], 0, lay->page_size, data + 2, size - 2);
	if (ret)
		abort();

	it = xtrace_iter_new(&rec, 1, NULL);
	if (!it)
		abort();
	while (xtrace_iter_next(it, &ev) == 1) {
		int64_t *t = realloc(view.tod, (view.n + 1) * sizeof(*t));

		if (!t)
			abort();
		view.tod = t;
		view.tod[view.n++] = ev->tod;
		fz_touch(ev);
	}
	xtrace_iter_free(it);

	/* from the middle on: no event the whole read did not have */
	if (view.n) {
		it = xtrace_iter_new(&rec, 1, NULL);
		if (!it || xtrace_iter_seek(it, view.tod[view.n / 2]))
			abort();
		for (n = 0; xtrace_iter_next(it, &ev) == 1; n++)
			fz_touch(ev);
		if (n > view.n)
			abort();
		xtrace_iter_free(it);
	}

	decode(rec, false, &walk);
	decode(rec, true, &kb);
	if (walk.n != view.n || kb.n != view.n ||
	    (view.n && (memcmp(walk.tod, view.tod, view.n * sizeof(*view.tod)) ||
			memcmp(kb.tod, view.tod, view.n * sizeof(*view.tod))))) {
		fprintf(stderr, "the view read %zu events, the merge's decoder %zu (walker) and %zu "
			"(kbuffer), or other times\n", view.n, walk.n, kb.n);
		abort();
	}
	free(view.tod);
	free(walk.tod);
	free(kb.tod);
	return 0;
}

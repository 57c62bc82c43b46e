// SPDX-License-Identifier: LGPL-2.1
/*
 * fuzz-tracedat: the input is a trace.dat file (libxtrace/tracedat.c). Opened as a recording:
 * its events read by the view's iterator (every byte of every record touched, its fields read
 * through xtrace_field_data()), decoded by the merge's decoder (the same times, in each
 * stream's order), its symbols and its VMs (GUEST options) read. A file that does not open
 * must say why with an errno, never crash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *path;
	struct xt_tods t = { 0 };
	struct xtrace_event *ev;
	struct xtrace_iter *it;
	struct xtrace_rec *rec;
	struct xtrace_vms vms;
	uint64_t viewed = 0, decoded = 0;

	if (!path) {
		fz_quiet();
		path = xt_path(fz_workdir(), "in.dat");
		if (!path)
			abort();
	}
	if (xt_write_file(path, data, size))
		abort();
	rec = xtrace_rec_open(path);
	if (!rec) {
		if (!errno)
			abort();
		return 0;
	}
	it = xtrace_iter_new(&rec, 1, NULL);
	if (!it)
		abort();
	while (xtrace_iter_next(it, &ev) == 1) {
		fz_touch(ev);
		viewed++;
	}
	xtrace_iter_free(it);

	/* the merge's decoder: every stream to its end, as many events as the view's */
	it = xt_iter_new_full(&rec, 1, NULL, NULL, true);
	if (!it)
		abort();
	for (int s = 0; s < xt_iter_nr_streams(it); s++) {
		int got;

		while ((got = xt_iter_decode(it, s, &t)) > 0)
			decoded += got;
	}
	free(t.tod);
	xtrace_iter_free(it);
	if (decoded != viewed)
		abort();

	xtrace_rec_load_symbols(rec);
	if (!xtrace_vms_read(path, &vms))
		for (int i = 0; i < vms.nr_threads; i++)
			fz_sink += xtrace_vms_name(&vms, vms.threads[i].pid) != NULL;
	xtrace_vms_free(&vms);
	xtrace_rec_close(rec);
	return 0;
}

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
#include <event-parse.h>

#include "reader.h"
#include "fuzz.h"

static void touch(struct xtrace_event *ev)
{
	struct tep_handle *tep = xtrace_rec_tep(ev->rec);
	const unsigned char *d = ev->record->data;
	struct tep_format_field **fields;
	struct tep_event *e;
	int room = xtrace_rec_meta(ev->rec)->page_size;

	if (ev->record->size < 0 || ev->record->size > room)
		abort();
	for (int i = 0; i < ev->record->size; i++)
		fz_sink += d[i];
	fz_sink += tep_data_pid(tep, ev->record);
	e = tep_find_event(tep, tep_data_type(tep, ev->record));
	fields = e ? tep_event_fields(e) : NULL;
	for (int i = 0; fields && fields[i]; i++) {
		unsigned int len = 0;
		const unsigned char *p = xtrace_field_data(fields[i], ev->record, &len);

		for (unsigned int k = 0; p && k < len; k++)
			fz_sink += p[k];
	}
	free(fields);
}

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
		touch(ev);
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

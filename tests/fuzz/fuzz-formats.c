// SPDX-License-Identifier: LGPL-2.1
/*
 * fuzz-formats: byte 0 says which decoding file of a recording the rest of the
 * input is (an event's format, the header page, printk_formats, kallsyms); the
 * others are the template's, with one event format kept. The recording is
 * opened (its symbols loaded for the last two) and, when it opens, the
 * library's promise is checked: every field of every event loaded ends within
 * the largest record; the input's bytes are then read as a record of each
 * event the way a careful reader does (xtrace_field_data()), and through
 * libtraceevent's own field readers. Each record is also printed as the view
 * prints it: by tep_print_event() when xtrace_event_printable() says its
 * __print_hex() and __print_array() lengths lie within the record, else as raw
 * fields (tep_print_fields()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <event-parse.h>

#include "xtrace-local.h"
#include "fuzz.h"

#define KEEP_SYS	"sched"
#define KEEP_EVENT	"sched_switch"

static char *dir;
static char *saved[FZ_FILES];		/* the template's files, to put back */
static size_t saved_len[FZ_FILES];
static const char *const names[FZ_FILES] = {
	[FZ_FILE_EVENT] = XT_FORMATS_DIR "/fuzz/event",
	[FZ_FILE_HEADER_PAGE] = XT_FORMATS_DIR "/header_page",
	[FZ_FILE_PRINTK] = XT_PRINTK_FILE,
	[FZ_FILE_KALLSYMS] = XT_KALLSYMS_FILE,
};

static void mkdir_in(const char *dir, const char *name)
{
	char *p = xt_path(dir, name);

	if (!p || xt_mkdir_p(p, 0755))
		abort();
	free(p);
}

/* The recording: the template's files and, of its formats, the header files and one event. */
static void setup(void)
{
	static const char *const keep[] = { "header_page", "header_event",
					    KEEP_SYS "/" KEEP_EVENT };
	char *formats, *buf[ARRAY_SIZE(keep)];
	size_t len[ARRAY_SIZE(keep)];

	fz_quiet();
	dir = xt_path(fz_workdir(), "rec");
	formats = dir ? xt_path(dir, XT_FORMATS_DIR) : NULL;
	if (!formats || fz_make_recording(dir, NULL, false))
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		char *p = xt_path(formats, keep[i]);

		if (!p || xt_read_file(p, &buf[i], &len[i]))
			abort();
		free(p);
	}
	if (rm_tree(formats))
		abort();
	mkdir_in(formats, KEEP_SYS);
	mkdir_in(formats, "fuzz");
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		if (fz_write(formats, keep[i], buf[i], len[i]))
			abort();
		free(buf[i]);
	}
	free(formats);
	for (int i = 0; i < FZ_FILES; i++) {
		char *p = xt_path(dir, names[i]);

		if (!p || (i != FZ_FILE_EVENT && xt_read_file(p, &saved[i], &saved_len[i])))
			abort();
		free(p);
	}
}

/* @buf into the file @which (@raw: as is; else kallsyms is compressed as the recorder does) */
static void put(int which, const void *buf, size_t len, bool raw)
{
	char *p = xt_path(dir, names[which]);
	int ret;

	if (!p)
		abort();
	if (which == FZ_FILE_KALLSYMS && !raw)
		ret = xt_zstd_file_write(p, buf, len, 1);
	else
		ret = xt_write_file(p, buf, len);
	if (ret)
		abort();
	free(p);
}

/* Read every field of @ev from @r as a reader would; the bytes are summed (ASan sees them). */
static unsigned int read_fields(struct tep_event *ev, struct tep_record *r)
{
	struct tep_format_field **fields = tep_event_fields(ev);
	unsigned int sum = 0;

	for (int i = 0; fields && fields[i]; i++) {
		const unsigned char *p;
		unsigned long long v;
		unsigned int len = 0;

		p = xtrace_field_data(fields[i], r, &len);
		for (unsigned int k = 0; p && k < len; k++)
			sum += p[k];
		if (!(fields[i]->flags & (TEP_FIELD_IS_DYNAMIC | TEP_FIELD_IS_ARRAY)) &&
		    !tep_read_number_field(fields[i], r->data, &v))
			sum += (unsigned int)v;
	}
	free(fields);
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xtrace_rec *rec;
	struct tep_handle *tep;
	int which, room;
	char *page;

	if (!dir)
		setup();
	if (!size)
		return 0;
	which = data[0] % FZ_FILES;
	put(which, data + 1, size - 1, false);
	rec = xtrace_rec_open(dir);
	if (rec && which >= FZ_FILE_PRINTK)
		xtrace_rec_load_symbols(rec);
	if (rec) {
		const struct xtrace_meta *m = xtrace_rec_meta(rec);

		tep = xtrace_rec_tep(rec);
		room = m->page_size - 8 - m->long_size;
		/* a record at the end of a sub-buffer, in the stream's buffer with its zeros */
		page = calloc(1, (size_t)m->page_size * 2 + 2 * 65536);
		if (!page)
			abort();
		for (int i = 0; i < tep_get_events_count(tep); i++) {
			struct tep_event *ev = tep_get_event(tep, i);
			size_t n = size - 1 < (size_t)room ? size - 1 : (size_t)room;
			struct tep_record r = { .data = page + m->page_size - n, .size = (int)n };
			struct tep_format_field *f;

			for (f = ev->format.common_fields; f; f = f->next)
				if (f->offset < 0 || f->size < 0 || f->offset + f->size > room)
					abort();
			for (f = ev->format.fields; f; f = f->next)
				if (f->offset < 0 || f->size < 0 || f->offset + f->size > room)
					abort();
			memcpy(r.data, data + 1, n);
			if (n >= 2)	/* a record of this event */
				memcpy(r.data, &(uint16_t){ ev->id }, 2);
			fz_sink += (unsigned int)tep_data_type(tep, &r);
			fz_sink += (unsigned int)tep_data_pid(tep, &r);
			fz_sink += read_fields(ev, &r);
			{
				struct trace_seq q;

				trace_seq_init(&q);
				if (xtrace_event_printable(ev, &r))
					tep_print_event(tep, &q, &r, "%s %s", TEP_PRINT_NAME,
							TEP_PRINT_INFO);
				else
					tep_print_fields(&q, r.data, r.size, ev);
				fz_sink += q.len;
				trace_seq_destroy(&q);
			}
		}
		free(page);
		xtrace_rec_close(rec);
	}
	if (which == FZ_FILE_EVENT) {
		char *p = xt_path(dir, names[which]);

		if (!p || unlink(p))
			abort();
		free(p);
	} else {
		put(which, saved[which], saved_len[which], true);
	}
	return 0;
}

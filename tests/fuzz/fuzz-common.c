// SPDX-License-Identifier: LGPL-2.1
/* What the fuzz harnesses and the seed maker share (fuzz.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <event-parse.h>

#include "xtrace-local.h"
#include "fuzz.h"

#ifndef XT_FUZZ_DATA
#define XT_FUZZ_DATA "tests/data/kvm-svm"
#endif

const struct fz_layout fz_layouts[FZ_NR_LAYOUTS] = {
	{ 8, false, 4096 },	/* x86_64, arm64: the seeds' */
	{ 4, false, 4096 },	/* i386, arm */
	{ 8, true, 4096 },	/* s390x, ppc64 */
	{ 4, true, 4096 },	/* ppc, mips */
	{ 8, false, 128 },	/* small sub-buffers: every record near an end */
	{ 4, true, 256 },
};

const char *fz_template(void)
{
	const char *t = getenv("XT_FUZZ_TEMPLATE");

	return t && *t ? t : XT_FUZZ_DATA;
}

volatile unsigned int fz_sink;

/*
 * LeakSanitizer: libtraceevent 1.7.1's parser leaks the pieces of a format it refuses (not
 * ours to free: the handle owns no reference to them).
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:tep_parse_event\nleak:tep_parse_format\n";
}

static char *workdir;

static void remove_workdir(void)
{
	if (workdir)
		rm_tree(workdir);
}

const char *fz_workdir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (workdir)
		return workdir;
	if (asprintf(&workdir, "%s/xt-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 ||
	    !mkdtemp(workdir))
		abort();
	atexit(remove_workdir);
	return workdir;
}

int fz_write(const char *dir, const char *name, const void *buf, size_t len)
{
	char *path = xt_path(dir, name);
	int ret = path ? xt_write_file(path, buf, len) : -ENOMEM;

	free(path);
	return ret;
}

int fz_make_recording(const char *dir, const struct fz_layout *layout, bool one_cpu)
{
	static const char *const files[] = { XT_CLOCK_FILE, XT_TASKS_FILE, XT_SYSCALLS_FILE,
					     XT_KALLSYMS_FILE, XT_PRINTK_FILE };
	const char *t = fz_template();
	struct xtrace_meta m;
	int ret, nr_cpus;

	ret = xtrace_meta_read(t, &m);
	if (ret)
		return ret;
	if (layout) {
		m.long_size = layout->long_size;
		m.big_endian = layout->big_endian;
		m.page_size = layout->page_size;
	}
	nr_cpus = m.nr_cpus;
	if (one_cpu) {
		m.nr_cpus = 1;
		m.cpu[0].recorded = true;
	}
	ret = xt_mkdir_p(dir, 0755);
	if (!ret)
		ret = xtrace_meta_write(dir, &m);
	m.nr_cpus = nr_cpus;
	xtrace_meta_free(&m);
	for (size_t i = 0; i < ARRAY_SIZE(files) && !ret; i++) {
		char *s = xt_path(t, files[i]), *d = xt_path(dir, files[i]);

		ret = s && d ? xt_copy_file(s, d) : -ENOMEM;
		free(s);
		free(d);
	}
	if (!ret) {
		char *s = xt_path(t, XT_FORMATS_DIR), *d = xt_path(dir, XT_FORMATS_DIR);

		ret = s && d ? xt_copy_tree(s, d, false) : -ENOMEM;
		free(s);
		free(d);
	}
	return ret;
}

int fz_make_merged(const char *dir)
{
	char *rec = xt_path(dir, "rec"), *out = xt_path(dir, "merged");
	char *inputs[] = { rec, rec }, *names[] = { "a", "b" };
	struct xtrace_merge_opts o = { .out = out, .inputs = inputs, .names = names,
				       .nr_inputs = 2 };
	int ret = rec && out ? fz_make_recording(rec, NULL, false) : -ENOMEM;

	for (int cpu = 0; cpu < 2 && !ret; cpu++) {
		char name[32], *s, *d;

		snprintf(name, sizeof(name), XT_CPU_FILE_FMT, cpu);
		s = xt_path(fz_template(), name);
		d = xt_path(rec, name);
		ret = s && d ? xt_copy_file(s, d) : -ENOMEM;
		free(s);
		free(d);
	}
	if (!ret)
		ret = xtrace_merge(&o, NULL);
	free(rec);
	free(out);
	return ret;
}

int fz_write_cpu_pages(const char *path, int cpu, int page_size, const uint8_t *pages,
		       size_t len)
{
	size_t chunk = (size_t)FZ_FRAME_PAGES * page_size;
	struct xt_frame_writer fw = { .fd = -1 };
	char *buf = malloc(chunk);
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ret = fd < 0 ? -errno : !buf ? -ENOMEM : xt_cpufile_write_header(fd, cpu, page_size);
	if (!ret)
		ret = xt_frame_writer_init(&fw, fd, XT_FRAME_MAGIC, 1, chunk);
	for (size_t at = 0; !ret && at < len; at += chunk) {
		size_t n = len - at < chunk ? len - at : chunk;
		int nr = (int)((n + page_size - 1) / page_size);
		long w;

		memset(buf, 0, chunk);
		memcpy(buf, pages + at, n);
		w = xt_frame_write_pages(&fw, buf, nr, page_size);
		ret = w < 0 ? (int)w : 0;
	}
	xt_frame_writer_free(&fw);
	if (fd >= 0 && close(fd) && !ret)
		ret = -errno;
	free(buf);
	return ret;
}

int fz_write_order(const char *path, int nr_streams, const uint8_t *varints, size_t len)
{
	struct xt_order_header h = { .major = XTRACE_FORMAT_MAJOR, .minor = XTRACE_FORMAT_MINOR,
				     .nr_streams = nr_streams };
	struct xt_frame_writer fw = { .fd = -1 };
	int fd, ret;

	memcpy(h.magic, XT_ORDER_HDR_MAGIC, sizeof(h.magic));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ret = fd < 0 ? -errno : xt_write_all(fd, &h, sizeof(h));
	if (!ret)
		ret = xt_frame_writer_init(&fw, fd, XT_ORDER_MAGIC, 1, FZ_ORDER_FRAME);
	for (size_t at = 0; !ret && at < len; at += FZ_ORDER_FRAME) {
		size_t n = len - at < FZ_ORDER_FRAME ? len - at : FZ_ORDER_FRAME;
		long w = xt_frame_write(&fw, varints + at, n, n, 0, 0);

		ret = w < 0 ? (int)w : 0;
	}
	xt_frame_writer_free(&fw);
	if (fd >= 0 && close(fd) && !ret)
		ret = -errno;
	return ret;
}

void fz_quiet(void)
{
	xtrace_set_log(NULL, NULL);
	tep_set_loglevel(TEP_LOG_NONE);
}

void fz_touch(struct xtrace_event *ev)
{
	const struct xtrace_meta *m = xtrace_rec_meta(ev->rec);
	struct tep_handle *tep = xtrace_rec_tep(ev->rec);
	const unsigned char *d = ev->record->data;
	int room = m->page_size - 8 - m->long_size;
	struct tep_format_field **fields;
	struct tep_event *e;

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

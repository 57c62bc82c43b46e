/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * The fuzz harnesses (tests/fuzz/fuzz-*.c, libFuzzer) and their seed maker
 * (mkseeds.c) share these: the template recordings a harness puts its input
 * into, and the layout of each harness's input, which the seeds must follow.
 *
 *   fuzz-meta     the bytes are an xtrace.meta file (of a recording or a merged directory)
 *   fuzz-formats  byte 0 says which file the rest is (FZ_FILE_*), of a recording whose other
 *                 files are the template's
 *   fuzz-stream   byte 0 a layout (FZ_LAYOUTS), byte 1 FZ_RAW_FILE: the rest is cpu0.xtd as
 *                 is, FZ_RAW_PAGES: the rest is sub-buffers, framed by the harness
 *   fuzz-order    byte 0 FZ_RAW_FILE: the rest is the order file of the template merged
 *                 directory as is, FZ_RAW_PAGES: the rest is its varints, framed by the harness
 *   fuzz-tracedat the bytes are a trace.dat file (seeds: mkseeds writes small ones)
 *
 * The template is tests/data/kvm-svm (a real recording: 2 CPUs, 54 formats), or
 * $XT_FUZZ_TEMPLATE.
 */
#ifndef _XT_FUZZ_H
#define _XT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xtrace.h"

enum { FZ_RAW_FILE, FZ_RAW_PAGES };

enum { FZ_FILE_EVENT, FZ_FILE_HEADER_PAGE, FZ_FILE_PRINTK, FZ_FILE_KALLSYMS, FZ_FILES };

struct fz_layout {
	int long_size;
	bool big_endian;
	int page_size;
};

/* fuzz-stream's recordings: byte 0 of an input modulo FZ_NR_LAYOUTS picks one */
#define FZ_NR_LAYOUTS	6
extern const struct fz_layout fz_layouts[FZ_NR_LAYOUTS];

/* pages per frame when the harness frames an input's sub-buffers (or varint bytes / 64 KiB) */
#define FZ_FRAME_PAGES	4
#define FZ_ORDER_FRAME	65536

/* the template recording: $XT_FUZZ_TEMPLATE, else the tree's tests/data/kvm-svm */
const char *fz_template(void);
/* the process's directory for its files (made at the first call), removed at exit */
const char *fz_workdir(void);
/*
 * A recording in @dir: the template's metadata (with @layout, when not NULL, and one CPU when
 * @one_cpu), clock, tasks, syscalls and formats; no CPU data files. 0 or -errno.
 */
int fz_make_recording(const char *dir, const struct fz_layout *layout, bool one_cpu);
/* @dir/merged: the template (a copy in @dir/rec) merged with itself, systems "a" and "b" */
int fz_make_merged(const char *dir);
/* @len bytes into @dir/@name */
int fz_write(const char *dir, const char *name, const void *buf, size_t len);
/* a data file of @len bytes of sub-buffers (@page_size each, the last padded) in frames */
int fz_write_cpu_pages(const char *path, int cpu, int page_size, const uint8_t *pages,
		       size_t len);
/* an order file for @nr_streams of @len varint bytes, in frames */
int fz_write_order(const char *path, int nr_streams, const uint8_t *varints, size_t len);
/* what the harnesses read is summed here, so that it is read (ASan checks it) */
extern volatile unsigned int fz_sink;

/* quiet: the library's messages are the expected answer to damage */
void fz_quiet(void);
/*
 * What a reader of fields does with an event: every byte of its record read (which must lie
 * within the largest record a sub-buffer holds, or abort()), its fields through
 * xtrace_field_data() only.
 */
void fz_touch(struct xtrace_event *ev);

#endif /* _XT_FUZZ_H */

/* SPDX-License-Identifier: LGPL-2.1 */
/* libxtrace internals: shared between the library's files, not installed. */
#ifndef _XTRACE_LOCAL_H
#define _XTRACE_LOCAL_H

#include <stdarg.h>
#include "xtrace.h"
#include "rmtree.h"

#define __hidden __attribute__((visibility("hidden")))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The start of a remote shell command that runs xtrace-run: a clear message
 * and exit status 127 if it is not on the PATH that sshd gives commands.
 */
#define XT_NEED_XTRACE_RUN "command -v xtrace-run >/dev/null 2>&1 || { echo \"" \
	"xtrace-run: not found on this system's PATH ($PATH) for ssh commands; install xtrace there" \
	"\" >&2; exit 127; }; "

/* File names inside a data directory (docs/data-directory.md). */
#define XT_META_FILE		"xtrace.meta"
#define XT_CLOCK_FILE		"clock"
#define XT_TASKS_FILE		"tasks"
#define XT_SYSCALLS_FILE	"syscalls"
#define XT_KALLSYMS_FILE	"kallsyms.zst"
#define XT_PRINTK_FILE		"printk_formats"
#define XT_FORMATS_DIR		"formats"
#define XT_VMS_FILE		"vms"		/* vms.c */
#define XT_CLOCKCHECK_FILE	"clockcheck"	/* remote.c: ssh clock checks */
#define XT_CLOCKSYNC_FILE	"clocksync"	/* clockfit.c: clock exchanges over ssh */
#define XT_CLOCKMAP_FILE	"clockmap"	/* clockfit.c: a merged source's corrected clock */
#define XT_CPU_FILE_FMT		"cpu%d.xtd"

/* The sub-buffer sizes a reader accepts (a power of two in between). */
#define XT_PAGE_SIZE_MIN	64
#define XT_PAGE_SIZE_MAX	(1 << 24)

/* Per-CPU data files: a file header, then frames, each a header plus one zstd frame. */
#define XT_CPU_MAGIC		"XTRCPU\0\0"
#define XT_FRAME_MAGIC		0x52465458u	/* "XTFR" little-endian */

struct xt_cpu_header {
	char magic[8];
	uint16_t major, minor;
	uint32_t cpu;
	uint32_t page_size;
	uint32_t reserved;
	uint64_t reserved2;
};

struct xt_frame_header {
	uint32_t magic;
	uint32_t csize;		/* bytes of the zstd frame that follows */
	uint32_t nr_pages;	/* sub-buffers in it, each page_size bytes */
	uint32_t flags;
	uint64_t first_ts;	/* timestamp of the first sub-buffer */
	uint64_t last_ts;	/* timestamp of the last sub-buffer */
};

/*
 * frame.c: the only code that lays out frames (struct xt_frame_header, then one zstd frame of
 * nr_pages units) and the CPU file header. Writers compress and append; readers check each
 * header against the file, decompress, and say what was wrong (the caller words it).
 */
__hidden int xt_cpufile_write_header(int fd, int cpu, int page_size);
/* 0, -EBADMSG (not this CPU's file of this page size), -ENOTSUP (a newer major version) */
__hidden int xt_cpufile_check_header(const struct xt_cpu_header *h, int cpu, int page_size);

struct xt_frame_writer {
	int fd;
	uint32_t magic;
	struct ZSTD_CCtx_s *cctx;	/* level and checksum set; callers may tune it */
	void *zbuf;
	size_t zcap;
};

/* frames of at most @max_raw bytes before compression, at zstd @level, to @fd */
__hidden int xt_frame_writer_init(struct xt_frame_writer *w, int fd, uint32_t magic, int level,
				  size_t max_raw);
__hidden void xt_frame_writer_free(struct xt_frame_writer *w);
/* compress @len bytes of @count units into one frame and append it: its bytes, or -errno */
__hidden long xt_frame_write(struct xt_frame_writer *w, const void *raw, size_t len,
			     uint32_t count, uint64_t first, uint64_t last);
/* @nr sub-buffers: first and last times from their headers */
__hidden long xt_frame_write_pages(struct xt_frame_writer *w, const char *pages, int nr,
				   int page_size);
/* append a frame as read (header @h, @h->csize bytes at @z): 0 or -errno */
__hidden int xt_frame_write_raw(int fd, const struct xt_frame_header *h, const void *z);

enum xt_frame_status {
	XT_FRAME_OK = 1,		/* out holds h.nr_pages * unit bytes */
	XT_FRAME_END = 0,		/* no more bytes */
	XT_FRAME_SHORT_HEADER = -1,	/* the file ends inside a header */
	XT_FRAME_BAD_HEADER = -2,	/* wrong magic, or a count of 0 or over the limit */
	XT_FRAME_SHORT = -3,		/* the file ends inside the frame */
	XT_FRAME_CORRUPT = -4,		/* does not decompress to its size (error says why);
					   skipped: off is past it */
	XT_FRAME_IO_ERROR = -5,
	XT_FRAME_NO_MEMORY = -6,
};

/*
 * A frame holds at most 1 GiB (64 sub-buffers of the largest page_size), and no more than its
 * bytes can hold: zstd needs at least 4 bytes (an RLE block) for each 128 KiB.
 */
#define XT_FRAME_MAX_BYTES	(1u << 30)
#define XT_ZSTD_MAX_RATIO	32768

struct xt_frame_reader {
	int fd;
	off_t off, size;		/* where the next frame starts; the file's size */
	unsigned int frame;		/* frames read (corrupt ones too) */
	struct xt_frame_header h;	/* of the last frame read */
	struct ZSTD_DCtx_s *dctx;
	void *zbuf, *out;		/* out: the last frame's bytes (len) */
	size_t zcap, ocap, len;
	size_t slack;			/* zero bytes kept after out's len (set by the owner) */
	size_t dirty;			/* bytes of out that may not be zero */
	const char *error;		/* XT_FRAME_CORRUPT: what is wrong with it */
};

/* reading @fd from @off up to @size (the reader does not own @fd) */
__hidden void xt_frame_reader_init(struct xt_frame_reader *fr, int fd, off_t off, off_t size);
__hidden void xt_frame_reader_free(struct xt_frame_reader *fr);
/* the next frame of @magic with 1..@max units of @unit bytes each */
__hidden enum xt_frame_status xt_frame_read(struct xt_frame_reader *fr, uint32_t magic,
					    uint32_t max, size_t unit);
/* a header of @magic at @off (seeking reads headers only) */
__hidden bool xt_frame_peek(int fd, off_t off, uint32_t magic, struct xt_frame_header *h);
/* @len bytes at @off: 0, -errno, or -EIO at the end of the file */
__hidden int xt_read_at(int fd, void *buf, size_t len, off_t off);

/* The merged order file: a header, then frames of (stream, count) varint pairs. */
#define XT_ORDER_FILE		"order"
#define XT_SOURCES_DIR		"sources"
#define XT_ORDER_MAGIC		0x524f5458u	/* "XTOR" */
#define XT_ORDER_HDR_MAGIC	"XTRORD\0\0"

struct xt_order_header {
	char magic[8];
	uint16_t major, minor;
	uint32_t nr_streams;
	uint64_t reserved[2];
};

/* A growing array of event times. */
struct xt_tods {
	int64_t *tod;
	size_t n, cap;
};

/* stream.c: a well-formed sub-buffer's trace-clock times without kbuffer; -1: use kbuffer */
__hidden int xt_subbuf_times(const char *page, size_t size, int64_t *ts);

/*
 * kmerge.c: the merge's k-way merge of streams of event times, by (time, stream
 * index). Streams are decoded a chunk (a frame) at a time ahead of the merge,
 * on worker threads beside the caller's, and merged by a loser tree. Memory: a
 * few chunks per stream. A decoder returns the number of times it put in @out
 * (> 0), 0 at the stream's end, or a negative errno; one thread at a time per
 * stream. xtrace_merge() decodes with xt_iter_decode() (reader.h).
 */
struct xt_kmerge;
typedef int (*xt_kmerge_decode_fn)(void *ctx, int stream, struct xt_tods *out);

__hidden struct xt_kmerge *xt_kmerge_new(int nr, xt_kmerge_decode_fn decode, void *ctx,
					 int threads);
__hidden long xt_kmerge_next(struct xt_kmerge *km, uint32_t *ids, int64_t *tods, size_t max);
__hidden void xt_kmerge_free(struct xt_kmerge *km);

__hidden void xt_log(enum xtrace_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* util.c */
__hidden char *xt_path(const char *dir, const char *name);
__hidden char *xt_join_ids(const int *ids, size_t n);
__hidden int xt_read_file(const char *path, char **buf, size_t *len);
__hidden int xt_write_file(const char *path, const void *buf, size_t len);
__hidden int xt_write_file_atomic(const char *path, const void *buf, size_t len);
__hidden int xt_write_all(int fd, const void *buf, size_t len);
__hidden int xt_mkdir_p(const char *path, mode_t mode);
__hidden int xt_make_outdir(const char *dir, bool *made);
__hidden int xt_copy_file(const char *src, const char *dst);
__hidden int xt_copy_tree(const char *src, const char *dst, bool skip_event_data);
__hidden int xt_strv_push(char ***strv, size_t *n, char *s);
__hidden int xt_zstd_file_write(const char *path, const void *buf, size_t len, int level);
__hidden int xt_zstd_file_read(const char *path, char **buf, size_t *len);

/* dirstream.c: XXH64 (xxHash's 64-bit hash), the checksum of directory streams */
struct xt_xxh64 {
	uint64_t v[4];
	uint64_t total;
	uint64_t seed;
	unsigned char mem[32];
	size_t nmem;
};

__hidden void xt_xxh64_init(struct xt_xxh64 *h, uint64_t seed);
__hidden void xt_xxh64_update(struct xt_xxh64 *h, const void *buf, size_t len);
__hidden uint64_t xt_xxh64_digest(const struct xt_xxh64 *h);
__hidden uint64_t xt_xxh64(const void *buf, size_t len, uint64_t seed);

/* heap.c: a binary min-heap keyed on (key, tie); ties give a stable, deterministic order */
struct xt_heap_item {
	int64_t key;
	uint64_t tie;
	void *data;
};

struct xt_heap {
	struct xt_heap_item *a;
	size_t n, cap;
};

__hidden int xt_heap_push(struct xt_heap *h, int64_t key, uint64_t tie, void *data);
__hidden void xt_heap_pop(struct xt_heap *h);
__hidden void xt_heap_update_top(struct xt_heap *h, int64_t key);
__hidden void xt_heap_free(struct xt_heap *h);

static inline struct xt_heap_item *xt_heap_top(struct xt_heap *h)
{
	return h->n ? &h->a[0] : NULL;
}

/* syscalls.c */
__hidden const char *xt_syscall_name_native(long nr);
__hidden long xt_syscall_max_native(void);

/*
 * clock.c: xtrace_clock_to_tod() precomputed per interval between samples, for
 * readers that convert every event. The result is always exactly that of
 * xtrace_clock_to_tod(); the step test and the division are done once per
 * interval instead of once per event.
 */
enum { XT_SEG_CONST, XT_SEG_LINEAR };

struct xt_clock_seg {
	uint64_t start;		/* first trace time of the interval */
	uint64_t len;		/* trace times in it: [start, start + len) */
	int64_t off;		/* UTC - trace at start */
	uint64_t a, dt, recip;	/* linear: |offset change| over dt; recip = 2^64 / dt */
	int kind;
	bool neg;		/* the offset decreases */
};

struct xt_clock_fast {
	const struct xtrace_clock *clk;
	struct xt_clock_seg *seg;
	size_t n;
	bool slow;		/* not ns units: every value through xtrace_clock_to_tod() */
};

__hidden int xt_clock_fast_init(struct xt_clock_fast *f, const struct xtrace_clock *clk);
__hidden void xt_clock_fast_free(struct xt_clock_fast *f);
__hidden int64_t xt_clock_fast_find(const struct xt_clock_fast *f, uint64_t ts, size_t *hint);
__hidden int64_t xt_clock_seg_tod(const struct xt_clock_seg *g, uint64_t ts);

/* xtrace_clock_to_tod(f->clk, ts): *hint is this table's own (start it at 0) */
static inline int64_t xt_clock_fast_tod(const struct xt_clock_fast *f, uint64_t ts, size_t *hint)
{
	const struct xt_clock_seg *g = &f->seg[*hint];

	if (__builtin_expect(*hint < f->n && ts - g->start < g->len, 1)) {
		if (g->kind == XT_SEG_CONST)
			return (int64_t)(ts + (uint64_t)g->off);
		return xt_clock_seg_tod(g, ts);
	}
	return xt_clock_fast_find(f, ts, hint);
}

/* clock.c */
__hidden int xt_clock_read_file(const char *path, struct xtrace_clock *clk);
__hidden int xt_clock_append(int fd, const struct xtrace_clock_sample *s);
__hidden uint64_t xt_clock_now(int clockid);
__hidden char *xt_chrony_tracking(int64_t *error_ns);

/*
 * guard.c: the guardian of a recorder's tracefs instance, a child process that
 * turns tracing off and removes the instance if the recorder dies without
 * stopping. xt_guard_start() forks it (0 or -errno; pid 0 and fd -1 when there
 * is none); xt_guard_end(), once the recorder has removed its instance itself,
 * tells it there is nothing to do and reaps it.
 */
struct xt_guard {
	pid_t pid;
	int fd;			/* the recorder's end: closed, the guardian acts */
};

__hidden int xt_guard_start(struct xt_guard *g, const char *instance_dir);
__hidden void xt_guard_end(struct xt_guard *g);

#endif /* _XTRACE_LOCAL_H */

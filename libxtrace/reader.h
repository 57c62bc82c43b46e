/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * The reader's layers, inside libxtrace:
 *   rec.c     a recording: metadata, clock, decoding files (struct xtrace_rec)
 *   frame.c   frames of a data file (xtrace-local.h)
 *   stream.c  one CPU of one recording: frames -> sub-buffers -> events and times, seek
 *   order.c   the merged order file: writer and reader
 *   iter.c    streams in time order: a k-way heap, or the replay of an order file
 *   set.c     recordings and merged directories opened together (xtrace_set_*)
 *   tracedat.c trace-cmd's trace.dat files: a recording whose streams read its chunks
 * A second input format is another kind of stream behind the same iterator.
 */
#ifndef _XTRACE_READER_H
#define _XTRACE_READER_H

#include <endian.h>
#include <string.h>
#include <sys/types.h>
#include <event-parse.h>

#include "xtrace-local.h"

/*
 * An unsigned number of @n bytes (1, 2, 4 or 8) at @p, big-endian if @big: the words of a
 * recorded kernel's sub-buffers (stream.c) and of a trace.dat file (tracedat.c).
 */
static inline uint64_t xt_get_uint(const void *p, int n, bool big)
{
	uint64_t v;
	uint32_t w;
	uint16_t h;

	switch (n) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		memcpy(&h, p, 2);
		return big ? be16toh(h) : le16toh(h);
	case 4:
		memcpy(&w, p, 4);
		return big ? be32toh(w) : le32toh(w);
	default:
		memcpy(&v, p, 8);
		return big ? be64toh(v) : le64toh(v);
	}
}

struct xt_tdat;

struct xtrace_rec {
	char *dir;			/* a trace.dat: the file */
	struct xt_tdat *tdat;		/* a trace.dat (tracedat.c), NULL: a data directory */
	struct xtrace_meta meta;
	struct xtrace_clock clock;
	struct xt_clock_fast fclock;	/* clock, per interval: what the readers use */
	struct tep_handle *tep;
	char **syscalls;
	long nr_syscalls;
	char *name;		/* a merged source's name; NULL: the host name */
	int64_t offset;		/* ns added to every converted time (merge corrections) */
	bool mapped;		/* its clock was replaced by a merge's mapping (clockfit.c) */
};

struct xt_stream;

/*
 * What a stream's reader hands to whoever keeps its frames as they were read (the merge):
 * open() when the stream is opened (before its file is read: a nonzero return fails the
 * iterator), header() when the file's header is sound, frame() for each frame that
 * decompressed whole. The same stream is never in two calls at once.
 */
struct xt_stream_hook {
	void *ctx;
	int (*open)(void *ctx, const struct xt_stream *s);
	void (*header)(void *ctx, const struct xt_stream *s, const struct xt_cpu_header *h);
	void (*frame)(void *ctx, const struct xt_stream *s, const struct xt_frame_header *h,
		      const void *z);
};

/* stream.c: one CPU of one recording */
struct xt_stream {
	struct xtrace_rec *rec;
	int index, source, cpu;
	int sub;			/* the stream of its recording (xt_rec_stream_cpu()) */
	int fd;
	int64_t tchunks;		/* a trace.dat's compressed chunks left, -1 before */
	struct xt_frame_reader fr;	/* fr.out: the frame's sub-buffers */
	int nr_pages, page;
	struct kbuffer *kbuf;
	void *data;			/* current event in the current page */
	unsigned long long ts;
	int missed;			/* of the current page, for its first event */
	size_t hint;
	struct tep_record record;
	struct xtrace_event ev;
	bool pending;			/* ev holds an event not yet handed out */
	unsigned int damage;
	unsigned int *damage_total;	/* shared by the iterator's streams (atomic) */
	bool skip;			/* filtered out (order replay) */
	bool walk;			/* times by xt_subbuf_times() where it can */
	const struct xt_stream_hook *hook;
};

/* Open @s (rec, index, source, cpu, damage_total and hook set): 1 at its first event, 0 if it
 * has none, or -errno. */
__hidden int xt_stream_open(struct xt_stream *s);
/* the next event into s->ev: 1, or 0 when there is no more */
__hidden int xt_stream_next(struct xt_stream *s);
/* the merge's decoder: the times of the events to the end of the current frame */
__hidden int xt_stream_times(struct xt_stream *s, struct xt_tods *out);
/* to the first event at or after @tod: 1, or 0 if none */
__hidden int xt_stream_seek(struct xt_stream *s, int64_t tod);
__hidden void xt_stream_close(struct xt_stream *s);
/* damage met while reading @s: named with where it is, counted */
__hidden void xt_stream_damaged(struct xt_stream *s, const char *what);

/* order.c: the merged order, runs of (stream, count) in frames of varints */
#define XT_ORDER_FRAME_BYTES	(1 << 20)

struct xt_order_writer {
	struct xt_frame_writer fw;
	unsigned char *buf;
	size_t len;
	int64_t first, last;		/* of the frame being filled */
	int err;
};

__hidden int xt_order_open(struct xt_order_writer *w, const char *out, int nr_streams);
__hidden int xt_order_frame(struct xt_order_writer *w);
__hidden int xt_order_close(struct xt_order_writer *w);

static inline __attribute__((always_inline)) void xt_order_varint(struct xt_order_writer *w,
								   uint64_t v)
{
	if (v < 0x80) {
		w->buf[w->len++] = v;
		return;
	}
	while (v >= 0x80) {
		w->buf[w->len++] = (v & 0x7f) | 0x80;
		v >>= 7;
	}
	w->buf[w->len++] = v;
}

/* The next @count events come from stream @id, the first at @first, the last at @last. */
static inline __attribute__((always_inline)) void xt_order_run(struct xt_order_writer *w,
							       uint32_t id, uint64_t count,
							       int64_t first, int64_t last)
{
	if (!w->len)
		w->first = first;
	w->last = last;
	xt_order_varint(w, id);
	xt_order_varint(w, count);
	if (w->len > XT_ORDER_FRAME_BYTES - 32)
		xt_order_frame(w);
}

struct xt_order_reader {
	int fd;
	struct xt_frame_reader fr;	/* fr.out: the frame's varints */
	size_t pos;
	int nr_streams;
	unsigned int *damage;		/* counted here, reported by the iterator */
};

__hidden int xt_order_reader_open(struct xt_order_reader *o, const char *path, int nr_streams,
				  unsigned int *damage);
/* the next run: 1, or 0 at the end (or where the order is damaged: it says so) */
__hidden int xt_order_next_run(struct xt_order_reader *o, uint32_t *stream, uint64_t *count);
__hidden void xt_order_reader_close(struct xt_order_reader *o);

/* iter.c */
__hidden struct xtrace_iter *xt_iter_new_full(struct xtrace_rec **recs, int nr,
					      const struct xtrace_cpuset *cpus,
					      const struct xt_stream_hook *hook, bool replay);
__hidden struct xtrace_iter *xt_iter_new_replay(struct xtrace_rec **recs, int nr,
						const struct xtrace_cpuset *cpus,
						const char *order_path);
__hidden int xt_iter_nr_streams(const struct xtrace_iter *it);
__hidden int xt_iter_stream_source(const struct xtrace_iter *it, int idx);
__hidden unsigned int xt_iter_source_damage(const struct xtrace_iter *it, int source);
__hidden int xt_iter_decode(struct xtrace_iter *it, int idx, struct xt_tods *out);

/* rec.c */
__hidden int xt_rec_set_source(struct xtrace_rec *rec, const char *name, int64_t offset);
/* clockfit.c: a merged system's clock: steps seen, and its mapping onto the reference */
struct xt_clock_step {
	int64_t at;		/* UTC ns, on the clock after it */
	int64_t size;		/* ns */
};

/*
 * Map @rec's clock onto the reference (@reference: it is the reference): by its
 * exchanges (clocksync), else its ssh checks (clockcheck), else its own clock,
 * both sides of each step placed on one clock (@o->step_before: the earlier).
 * Fills @s's clock fields; *@steps (free it): the steps seen.
 */
__hidden int xt_clock_correct(struct xtrace_rec *rec, const struct xtrace_merge_opts *o,
			      bool reference, struct xtrace_merge_source *s,
			      struct xt_clock_step **steps, int *nr_steps);
/* the mapping kept in a merged source's directory @dir (file "clockmap"), and read back */
__hidden int xt_clockmap_write(const char *dir, const struct xtrace_rec *rec);
__hidden int xt_clockmap_load(struct xtrace_rec *rec);
/* Replace its clock by @n @samples (now its own, even on failure: -ENOMEM) */
__hidden int xt_rec_set_clock(struct xtrace_rec *rec, struct xtrace_clock_sample *samples,
			      size_t n);

/* the streams of @rec: one per CPU of a data directory, per buffer and CPU of a trace.dat */
__hidden int xt_rec_nr_streams(const struct xtrace_rec *rec);
/* the CPU of stream @k of @rec, -1 if it has no data */
__hidden int xt_rec_stream_cpu(const struct xtrace_rec *rec, int k);
/* printk_formats text into @tep (edits @buf) */
__hidden void xt_parse_printk(struct tep_handle *tep, char *buf);

/*
 * tracedat.c: trace-cmd's trace.dat files (docs/tracedat.md). A merged directory keeps a
 * trace.dat source as sources/NAME/trace.dat.
 */
#define XT_TRACEDAT_FILE	"trace.dat"
/* @path's trace.dat: @path if it is one, PATH/trace.dat for a merged source; NULL if not */
__hidden char *xt_tdat_path(const char *path);
/* fill @rec (zeroed) from the trace.dat @path: 0, -EBADMSG, -ENOTSUP, -ENOMEM, -errno */
__hidden int xt_tdat_rec_open(struct xtrace_rec *rec, const char *path);
__hidden void xt_tdat_free(struct xt_tdat *t);
__hidden int xt_tdat_nr_streams(const struct xtrace_rec *rec);
__hidden int xt_tdat_stream_cpu(const struct xtrace_rec *rec, int k);
/* places found damaged when the file was opened */
__hidden unsigned int xt_tdat_damage(const struct xtrace_rec *rec);
/* a stream's file and position (xt_stream_open() does the rest) */
__hidden int xt_tdat_stream_open(struct xt_stream *s);
/* the stream's next run of sub-buffers into s->fr.out: 1, 0 at the end, -errno */
__hidden int xt_tdat_load(struct xt_stream *s);
/* a raw time of CPU @cpu as trace-cmd report shows it, in ns (times of day with a DATE) */
__hidden int64_t xt_tdat_tod(const struct xt_tdat *t, int cpu, uint64_t ts);
/* host and guest files opened together: a guest takes its host's time of day */
__hidden void xt_tdat_link(struct xtrace_rec **recs, int nr);
__hidden int xt_tdat_symbols(struct xtrace_rec *rec);
/* the VMs named by a host file's GUEST options (-ENOENT: none) */
__hidden int xt_tdat_vms(const char *path, struct xtrace_vms *v);
/* vms.c: sort @v's threads by tid, the last of each tid kept */
__hidden int xt_vms_sort(struct xtrace_vms *v);

/*
 * formats.c: the recording's formats into rec->tep, each tried in a child process first:
 * those libtraceevent's parser does not survive, and events with a field beyond the largest
 * record (page_size less the sub-buffer header), are left out (a warning each). 0, -EBADMSG
 * (no header page, or no event format loaded), -ENOMEM, or the errno of a failed fork.
 */
__hidden int xt_load_formats(struct xtrace_rec *rec);

/* A format's text, and what it is called in messages. */
struct xt_fmt {
	char *path;
	char *sys;
	char *buf;
	size_t len;
	int verdict;
};

/* The same from texts in memory: header page @hp, @nr event formats @f (their verdicts set). */
__hidden int xt_load_formats_list(struct xtrace_rec *rec, struct xt_fmt *hp, struct xt_fmt *f,
				  int nr);
__hidden void xt_fmts_free(struct xt_fmt *f, int nr);

#endif /* _XTRACE_READER_H */

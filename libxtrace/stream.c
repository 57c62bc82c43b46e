// SPDX-License-Identifier: LGPL-2.1
/*
 * One stream: the events of one CPU of one recording, from its data file's
 * frames (frame.c) through their ftrace sub-buffers (kbuffer, or the time
 * walker below) to events and their times of day; and seeking by time.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <kbuffer.h>

#include "reader.h"

static void damaged(struct xt_stream *s, const char *what)
{
	__atomic_add_fetch(s->damage_total, 1, __ATOMIC_RELAXED);
	s->damage++;
	if (s->rec->tdat)
		xt_log(XTRACE_LOG_WARNING, "'%s' cpu%d: %s (stream %d, chunk %u, byte %lld)",
		       s->rec->dir, s->cpu, what, s->sub, s->fr.frame, (long long)s->fr.off);
	else
		xt_log(XTRACE_LOG_WARNING, "'%s' cpu%d: %s (frame %u, byte %lld of %lld)",
		       s->rec->dir, s->cpu, what, s->fr.frame, (long long)s->fr.off,
		       (long long)s->fr.size);
}

void xt_stream_damaged(struct xt_stream *s, const char *what)
{
	damaged(s, what);
}

/* A raw time of @s as UTC ns (or, for a trace.dat without a date, its clock's ns). */
static inline int64_t stream_tod(struct xt_stream *s, uint64_t ts)
{
	if (__builtin_expect(s->rec->tdat != NULL, 0))
		return xtrace_time_add(xt_tdat_tod(s->rec->tdat, s->cpu, ts), s->rec->offset);
	return xtrace_time_add(xt_clock_fast_tod(&s->rec->fclock, ts, &s->hint), s->rec->offset);
}

/* Load and decompress the next frame. Returns 1, 0 at the end, or <0 if reading must stop. */
static int load_frame(struct xt_stream *s)
{
	if (s->rec->tdat)
		return xt_tdat_load(s);
	for (;;) {
		char msg[160];

		switch (xt_frame_read(&s->fr, XT_FRAME_MAGIC, 1u << 20, s->rec->meta.page_size)) {
		case XT_FRAME_OK:
			if (s->hook && s->hook->frame)
				s->hook->frame(s->hook->ctx, s, &s->fr.h, s->fr.zbuf);
			s->nr_pages = s->fr.h.nr_pages;
			s->page = -1;
			return 1;
		case XT_FRAME_END:
			return 0;
		case XT_FRAME_SHORT_HEADER:
			damaged(s, "truncated: the last frame's header is incomplete");
			return 0;
		case XT_FRAME_BAD_HEADER:
			/* without a sound header the next frame cannot be found */
			damaged(s, "corrupt frame header: the rest of this CPU is unreadable");
			return -EBADMSG;
		case XT_FRAME_SHORT:
			damaged(s, "truncated: the last frame is incomplete");
			return 0;
		case XT_FRAME_CORRUPT:
			snprintf(msg, sizeof(msg), "corrupt frame skipped (%s): %u sub-buffers lost",
				 s->fr.error, s->fr.h.nr_pages);
			damaged(s, msg);
			continue;
		case XT_FRAME_IO_ERROR:
			damaged(s, "read error");
			return -EIO;
		case XT_FRAME_NO_MEMORY:
			return -ENOMEM;
		}
	}
}

#define RB_MISSED_EVENTS	(1ULL << 31)
#define RB_MISSED_STORED	(1ULL << 30)
#define RB_COMMIT_MASK		((1ULL << 27) - 1)
#define RB_TYPE_DATA_MAX	28
#define RB_TYPE_PADDING		29

/* @v as a sub-buffer's long word: the recorded kernel's byte order and long size (as kbuffer) */
static void wr_long(char *p, int ls, bool big, uint64_t v)
{
	if (ls == 4) {
		uint32_t w = big ? htobe32((uint32_t)v) : htole32((uint32_t)v);

		memcpy(p, &w, 4);
	} else {
		v = big ? htobe64(v) : htole64(v);
		memcpy(p, &v, 8);
	}
}

/*
 * Check a sub-buffer's header before kbuffer trusts it: its commit word (read as kbuffer reads
 * it: long_size bytes in the recorded byte order) must not claim more data than the sub-buffer
 * holds, nor, with RB_MISSED_STORED, leave no room for the count that follows the data. Reads
 * the lost-events flags directly: kbuffer_missed_events() misses them when the page starts
 * with a time extend. Returns the bytes of records it holds, or -EBADMSG.
 */
static long subbuf_header(const struct xt_stream *s, const char *page, int *missed)
{
	int ls = s->rec->meta.long_size, hdr = 8 + ls;
	bool big = s->rec->meta.big_endian;
	int64_t room = (int64_t)s->rec->meta.page_size - hdr;
	uint64_t commit, size;

	commit = xt_get_uint(page + 8, ls, big);
	size = commit & RB_COMMIT_MASK;
	*missed = 0;
	if (commit & RB_MISSED_STORED)
		room -= ls;
	if (room < 0 || size > (uint64_t)room)
		return -EBADMSG;
	if (commit & RB_MISSED_EVENTS) {
		*missed = -1;
		if (commit & RB_MISSED_STORED) {
			uint64_t n = xt_get_uint(page + hdr + size, ls, big);

			*missed = n > INT32_MAX ? INT32_MAX : (int)n;
		}
	}
	return (long)size;
}

/*
 * How far the @size bytes of records at @data can be walked the way kbuffer walks them
 * (libtraceevent 1.7.1, translate_data() and __next_event()): the offset of the first record
 * that does not lie whole within @size, or @size when they all do. kbuffer itself checks
 * nothing: a length word sends it past the page, or backwards (a loop without end), and an
 * event's size can come out negative. Every record is at least 4 bytes, every event 8.
 */
static uint32_t subbuf_walk(const char *data, uint32_t size, bool big)
{
	uint32_t curr = 0;

	while (curr < size) {
		uint32_t w, type_len;
		uint64_t next;

		if (size - curr < 4)
			break;
		w = (uint32_t)xt_get_uint(data + curr, 4, big);
		type_len = big ? w >> 27 : w & 31;
		if (type_len >= 1 && type_len <= RB_TYPE_DATA_MAX) {
			next = (uint64_t)curr + 4 + 4 * type_len;
		} else {
			uint32_t word;

			if (size - curr < 8)
				break;
			word = (uint32_t)xt_get_uint(data + curr + 4, 4, big);
			if (type_len == 0) {
				/* the length word counts itself; kbuffer rounds up to words */
				int64_t len = (int64_t)(int32_t)(word - 4);

				len = (len + 3) & ~(int64_t)3;
				if (len < 0)
					break;
				next = (uint64_t)curr + 8 + (uint64_t)len;
			} else if (type_len == RB_TYPE_PADDING) {
				next = (uint64_t)curr + 4 + word;
			} else {
				next = (uint64_t)curr + 8;	/* time extend, time stamp */
			}
		}
		if (next > size)
			break;
		curr = (uint32_t)next;
	}
	return curr;
}

/*
 * Make a sub-buffer safe for kbuffer: its header checked (subbuf_header()), and if a record
 * does not fit, the commit word in our copy cut to the records before it, so kbuffer stops
 * there. Returns the bytes of records kbuffer will read, or -EBADMSG (all of it skipped).
 */
static long check_subbuffer(struct xt_stream *s, char *page, int *missed)
{
	int ls = s->rec->meta.long_size;
	bool big = s->rec->meta.big_endian;
	long size = subbuf_header(s, page, missed);
	uint32_t good;

	if (size < 0) {
		damaged(s, "malformed sub-buffer skipped");
		return size;
	}
	good = subbuf_walk(page + 8 + ls, (uint32_t)size, big);
	if (good < size) {
		uint64_t commit = xt_get_uint(page + 8, ls, big);

		wr_long(page + 8, ls, big, (commit & ~RB_COMMIT_MASK) | good);
		damaged(s, "malformed sub-buffer: the rest of it skipped");
	}
	return good;
}

/*
 * The times of a sub-buffer's events, without kbuffer: what the merge needs of
 * most sub-buffers (xt_stream_times()). Debian's libtraceevent (1.7.1) is built
 * without optimisation, and kbuffer_next_event() costs about as much per event
 * as zstd's decompression, a third of a merge (docs/merge.md). This walks the
 * common case only: a little-endian sub-buffer with an 8-byte commit word
 * (@page: its header, then @size bytes of records) that holds data records
 * (type_len 0-28) and time extends (30), each within @size. Anything else, a
 * discarded event (padding, 29), an absolute time stamp (31), a record that does
 * not fit, returns -1: the caller reads that sub-buffer with kbuffer, so the
 * times are always kbuffer's (tests/unit/test-reader.c compares the two).
 * Writes the trace-clock time of each event to @ts; returns how many.
 */
int xt_subbuf_times(const char *page, size_t size, int64_t *ts)
{
	const unsigned char *p = (const unsigned char *)page + 16, *end = p + size;
	uint64_t t;
	int n = 0;

	memcpy(&t, page, 8);
	t = le64toh(t);
	while (p < end) {
		uint32_t h, len;

		memcpy(&h, p, 4);
		h = le32toh(h);
		if ((h & 31) - 1 < 28) {		/* type_len 1-28: that many words of data */
			len = 4 + 4 * (h & 31);
		} else if ((h & 31) == 0) {		/* 0: the length in the next word */
			if (end - p < 8)
				return -1;
			memcpy(&len, p + 4, 4);
			len = le32toh(len);
			if (len < 4 || len & 3 || len > size)
				return -1;
			len += 4;
		} else if ((h & 31) == 30) {		/* a time extend: no event */
			uint32_t hi;

			if (end - p < 8)
				return -1;
			memcpy(&hi, p + 4, 4);
			t += ((uint64_t)le32toh(hi) << 27) + (h >> 5);
			p += 8;
			continue;
		} else {
			return -1;
		}
		if ((size_t)(end - p) < len)
			return -1;
		t += h >> 5;
		ts[n++] = (int64_t)t;
		p += len;
	}
	return n;
}

static inline char *page_at(struct xt_stream *s, int page)
{
	return (char *)s->fr.out + (size_t)page * s->rec->meta.page_size;
}

int xt_stream_next(struct xt_stream *s)
{
	char *page;

	if (s->data) {
		s->data = kbuffer_next_event(s->kbuf, &s->ts);
		if (s->data)
			goto found;
	}
	for (;;) {
		while (s->page + 1 >= s->nr_pages) {
			if (load_frame(s) <= 0)
				return 0;
		}
		s->page++;
		page = page_at(s, s->page);
		if (check_subbuffer(s, page, &s->missed) < 0)
			continue;
		if (kbuffer_load_subbuffer(s->kbuf, page) < 0) {
			damaged(s, "malformed sub-buffer skipped");
			continue;
		}
		s->data = kbuffer_read_event(s->kbuf, &s->ts);
		if (s->data)
			break;
	}
found:
	s->record.ts = s->ts;
	s->record.data = s->data;
	s->record.size = kbuffer_event_size(s->kbuf);
	s->record.cpu = s->cpu;
	s->record.missed_events = s->missed;
	s->ev.ts = s->ts;
	s->ev.tod = stream_tod(s, s->ts);
	s->pending = true;
	s->ev.missed = s->missed > 0 ? s->missed : 0;
	s->ev.missed_unknown = s->missed < 0;
	s->missed = 0;
	return 1;
}

static int tods_room(struct xt_tods *out, size_t more)
{
	size_t cap;
	int64_t *t;

	if (out->cap - out->n >= more)
		return 0;
	cap = out->cap ? out->cap : 1024;
	while (cap - out->n < more)
		cap *= 2;
	t = realloc(out->tod, cap * sizeof(*t));
	if (!t)
		return -ENOMEM;
	out->tod = t;
	out->cap = cap;
	return 0;
}

/*
 * The merge's decoder (kmerge.c): the times (UTC ns, offset applied) of @s's
 * events from where it stands to the end of the frame that holds them, into
 * @out (which grows as needed); when that frame is used up, the next one is
 * loaded (and handed to the hook) first. Only the times are made: no event is
 * built. One thread at a time per stream. Returns the number of times (> 0), 0
 * when the stream has no more events, or -ENOMEM.
 */
int xt_stream_times(struct xt_stream *s, struct xt_tods *out)
{
	/* a record is at least 8 bytes: no page holds more events than this */
	size_t per_page = s->rec->meta.page_size / 8 + 1;
	unsigned long long ts;
	long size;
	int ret;

	out->n = 0;
	if (s->fd < 0 || s->skip)
		return 0;
	if (tods_room(out, 1))
		return -ENOMEM;
	if (s->pending) {
		/* the first event, read when the stream was opened */
		out->tod[out->n++] = s->ev.tod;
		s->pending = false;
	}
	for (;;) {
		char *page;

		/* room for the rest of a page and the first event of the next */
		if (tods_room(out, per_page + 1))
			return -ENOMEM;
		if (s->data) {
			int64_t *t = out->tod + out->n, *lim;

			lim = t + per_page;
			while ((s->data = kbuffer_next_event(s->kbuf, &ts)) && t < lim)
				*t++ = stream_tod(s, ts);
			out->n = t - out->tod;
			if (s->data) {
				s->data = NULL;
				damaged(s, "malformed sub-buffer: the rest of it skipped");
			}
		}
		if (s->page + 1 >= s->nr_pages) {
			if (out->n)
				return out->n > INT32_MAX ? INT32_MAX : (int)out->n;
			ret = load_frame(s);
			if (ret <= 0)
				return ret == -ENOMEM ? ret : 0;
		}
		s->page++;
		page = page_at(s, s->page);
		size = subbuf_header(s, page, &s->missed);
		if (size < 0) {
			damaged(s, "malformed sub-buffer skipped");
			continue;
		}
		/* the walker checks the common sub-buffer as it goes; kbuffer needs it first */
		if (s->walk) {
			int64_t *t = out->tod + out->n;
			int got = xt_subbuf_times(page, size, t);

			if (got >= 0) {
				for (int i = 0; i < got; i++)
					t[i] = stream_tod(s, (uint64_t)t[i]);
				out->n += got;
				continue;
			}
		}
		if (check_subbuffer(s, page, &s->missed) < 0)
			continue;
		if (kbuffer_load_subbuffer(s->kbuf, page) < 0) {
			damaged(s, "malformed sub-buffer skipped");
			continue;
		}
		s->data = kbuffer_read_event(s->kbuf, &ts);
		if (s->data)
			out->tod[out->n++] = stream_tod(s, ts);
	}
}

int xt_stream_open(struct xt_stream *s)
{
	struct xt_cpu_header h;
	char name[32], *path;
	struct stat st;
	enum kbuffer_long_size ls;
	const char *kb;
	int ret;

	xt_frame_reader_init(&s->fr, -1, 0, 0);
	if (s->rec->tdat) {
		/* a trace.dat's streams are read in place: no hook copies them */
		ret = xt_tdat_stream_open(s);
		if (ret)
			return ret;
		goto ready;
	}
	if (s->hook && s->hook->open) {
		ret = s->hook->open(s->hook->ctx, s);
		if (ret)
			return ret;
	}
	snprintf(name, sizeof(name), XT_CPU_FILE_FMT, s->cpu);
	path = xt_path(s->rec->dir, name);
	if (!path)
		return -ENOMEM;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (s->fd < 0) {
		damaged(s, "data file missing");
		return 0;
	}
	if (fstat(s->fd, &st))
		return -errno;
	xt_frame_reader_init(&s->fr, s->fd, 0, st.st_size);
	/*
	 * Zeros after the last sub-buffer: whoever reads an event's fields through libtraceevent
	 * (a field of a format ends within page_size, rec.c checks; a dynamic array is at most
	 * 64 KiB at an offset of at most 64 KiB) stays in this buffer, strings end in it.
	 */
	s->fr.slack = (size_t)s->rec->meta.page_size + 2 * 65536;
	ret = st.st_size < (off_t)sizeof(h) || xt_read_at(s->fd, &h, sizeof(h), 0) ? -EBADMSG :
	      xt_cpufile_check_header(&h, s->cpu, s->rec->meta.page_size);
	if (ret == -EBADMSG) {
		char msg[128];

		if (st.st_size < (off_t)sizeof(h) || memcmp(h.magic, XT_CPU_MAGIC, sizeof(h.magic)))
			snprintf(msg, sizeof(msg), "not an xtrace CPU data file");
		else if ((int)h.page_size != s->rec->meta.page_size)
			snprintf(msg, sizeof(msg), "its sub-buffers are of %u bytes, the metadata's page_size %d: not read",
				 h.page_size, s->rec->meta.page_size);
		else
			snprintf(msg, sizeof(msg), "the data file of cpu%u: not read", h.cpu);
		damaged(s, msg);
		return 0;
	}
	if (ret == -ENOTSUP) {
		damaged(s, "data file of a newer format version");
		return 0;
	}
	s->fr.off = sizeof(h);
	if (s->hook && s->hook->header)
		s->hook->header(s->hook->ctx, s, &h);
ready:
	ls = s->rec->meta.long_size == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4;
	s->kbuf = kbuffer_alloc(ls, s->rec->meta.big_endian ? KBUFFER_ENDIAN_BIG :
				KBUFFER_ENDIAN_LITTLE);
	if (!s->kbuf)
		return -ENOMEM;
	/* XTRACE_MERGE_KBUFFER=1: kbuffer for every sub-buffer (to compare) */
	kb = getenv("XTRACE_MERGE_KBUFFER");
	s->walk = s->rec->meta.long_size == 8 && !s->rec->meta.big_endian &&
		  !(kb && *kb && strcmp(kb, "0"));
	s->ev.cpu = s->cpu;
	s->ev.source = s->source;
	s->ev.rec = s->rec;
	s->ev.record = &s->record;
	return xt_stream_next(s);
}

void xt_stream_close(struct xt_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->kbuf)
		kbuffer_free(s->kbuf);
	s->kbuf = NULL;
	xt_frame_reader_free(&s->fr);
}

/*
 * Whether the frame at @off (header @h) can be skipped whole for a seek to @tod:
 * the frame after it starts before @tod, so every event of this one is earlier.
 * Frame headers carry the first and last sub-buffers' timestamps; a sub-buffer's
 * timestamp is at or before its first event. Out-of-order headers are never skipped.
 */
static bool frame_before(struct xt_stream *s, const struct xt_frame_header *h, off_t off,
			 int64_t tod, size_t *hint)
{
	struct xt_frame_header next;
	off_t at = off + (off_t)sizeof(*h) + h->csize;

	if (at > s->fr.size - (off_t)sizeof(next) ||
	    !xt_frame_peek(s->fd, at, XT_FRAME_MAGIC, &next) || next.first_ts < h->last_ts ||
	    h->last_ts < h->first_ts)
		return false;
	return xtrace_time_add(xtrace_clock_to_tod(&s->rec->clock, next.first_ts, hint),
			  s->rec->offset) < tod;
}

int xt_stream_seek(struct xt_stream *s, int64_t tod)
{
	struct xt_frame_header h;
	size_t hint = 0;

	if (s->ev.tod >= tod)
		return 1;
	if (s->rec->tdat)
		goto linear;
	/* the frame loaded now: drop it if the next frame on disk still starts too early */
	if (s->fr.off < s->fr.size - (off_t)sizeof(h) &&
	    xt_frame_peek(s->fd, s->fr.off, XT_FRAME_MAGIC, &h) &&
	    xtrace_time_add(xtrace_clock_to_tod(&s->rec->clock, h.first_ts, &hint),
		       s->rec->offset) < tod) {
		s->page = s->nr_pages - 1;
		s->data = NULL;
		/* then whole frames on disk, reading only their headers */
		while (xt_frame_peek(s->fd, s->fr.off, XT_FRAME_MAGIC, &h) &&
		       frame_before(s, &h, s->fr.off, tod, &hint)) {
			s->fr.off += sizeof(h) + h.csize;
			s->fr.frame++;
		}
		if (!xt_stream_next(s))
			return 0;
	}
linear:
	while (s->ev.tod < tod)
		if (!xt_stream_next(s))
			return 0;
	return 1;
}

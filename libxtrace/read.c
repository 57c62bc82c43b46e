// SPDX-License-Identifier: LGPL-2.1
/*
 * Reading a data directory: the decoding files into a tep_handle, and the
 * per-CPU frame files into events, merged across CPUs (and recordings) by a
 * k-way heap in time order.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <event-parse.h>
#include <kbuffer.h>

#include "xtrace-local.h"

struct xtrace_rec {
	char *dir;
	struct xtrace_meta meta;
	struct xtrace_clock clock;
	struct xt_clock_fast fclock;	/* clock, per interval: what the readers use */
	struct tep_handle *tep;
	char **syscalls;
	long nr_syscalls;
	char *name;		/* a merged source's name; NULL: the host name */
	int64_t offset;		/* ns added to every converted time (merge corrections) */
};

static int load_formats(struct xtrace_rec *rec)
{
	char *fdir = xt_path(rec->dir, XT_FORMATS_DIR), *buf, *p;
	struct dirent *sde;
	size_t len;
	DIR *sd;
	int ret, nr = 0;

	if (!fdir)
		return -ENOMEM;
	p = xt_path(fdir, "header_page");
	ret = p ? xt_read_file(p, &buf, &len) : -ENOMEM;
	free(p);
	if (ret)
		goto out;
	ret = tep_parse_header_page(rec->tep, buf, len, rec->meta.long_size) ? -EBADMSG : 0;
	free(buf);
	if (ret)
		goto out;
	sd = opendir(fdir);
	if (!sd) {
		ret = -errno;
		goto out;
	}
	while ((sde = readdir(sd)) && !ret) {
		struct dirent *ede;
		char *sys;
		DIR *ed;

		if (sde->d_name[0] == '.' || !strncmp(sde->d_name, "header_", 7))
			continue;
		sys = xt_path(fdir, sde->d_name);
		if (!sys) {
			ret = -ENOMEM;
			break;
		}
		ed = opendir(sys);
		while (ed && (ede = readdir(ed))) {
			if (ede->d_name[0] == '.')
				continue;
			p = xt_path(sys, ede->d_name);
			if (!p || xt_read_file(p, &buf, &len)) {
				free(p);
				continue;
			}
			if (tep_parse_event(rec->tep, buf, len, sde->d_name))
				xt_log(XTRACE_LOG_WARNING, "'%s': cannot parse format '%s'",
				       rec->dir, p);
			else
				nr++;
			free(buf);
			free(p);
		}
		if (ed)
			closedir(ed);
		free(sys);
	}
	closedir(sd);
	if (!ret && !nr)
		ret = -EBADMSG;
out:
	free(fdir);
	return ret;
}

static void load_tasks(struct xtrace_rec *rec)
{
	char *path = xt_path(rec->dir, XT_TASKS_FILE), *buf, *line, *save;

	if (!path || xt_read_file(path, &buf, NULL)) {
		free(path);
		return;
	}
	free(path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int pid, tgid, n = 0;

		if (sscanf(line, "%d %d %n", &pid, &tgid, &n) < 2 || !n || !line[n])
			continue;
		tep_register_comm(rec->tep, line + n, pid);
	}
	free(buf);
}

static void load_syscalls(struct xtrace_rec *rec)
{
	char *path = xt_path(rec->dir, XT_SYSCALLS_FILE), *buf, *line, *save;
	long max = -1;

	if (!path || xt_read_file(path, &buf, NULL)) {
		free(path);
		return;
	}
	free(path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		long nr;

		if (*line == '#' || sscanf(line, "%ld %63s", &nr, name) != 2 || nr < 0 ||
		    nr > 100000)
			continue;
		if (nr > max) {
			char **s = realloc(rec->syscalls, (nr + 1) * sizeof(*s));

			if (!s)
				break;
			memset(s + max + 1, 0, (nr - max) * sizeof(*s));
			rec->syscalls = s;
			max = nr;
		}
		free(rec->syscalls[nr]);
		rec->syscalls[nr] = strdup(name);
	}
	rec->nr_syscalls = max + 1;
	free(buf);
}

int xtrace_rec_load_symbols(struct xtrace_rec *rec)
{
	char *path = xt_path(rec->dir, XT_KALLSYMS_FILE), *buf;
	int ret;

	if (!path)
		return -ENOMEM;
	ret = xt_zstd_file_read(path, &buf, NULL);
	free(path);
	if (!ret) {
		ret = tep_parse_kallsyms(rec->tep, buf) ? -EBADMSG : 0;
		free(buf);
	}
	path = xt_path(rec->dir, XT_PRINTK_FILE);
	if (path && !xt_read_file(path, &buf, NULL)) {
		tep_parse_printk_formats(rec->tep, buf);
		free(buf);
	}
	free(path);
	return ret;
}

struct xtrace_rec *xtrace_rec_open(const char *dir)
{
	struct xtrace_rec *rec;
	struct stat st;
	char *path;
	int ret;

	if (stat(dir, &st))
		return NULL;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	rec = calloc(1, sizeof(*rec));
	if (!rec)
		return NULL;
	rec->dir = strdup(dir);
	if (!rec->dir) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = xtrace_meta_read(dir, &rec->meta);
	if (ret)
		goto fail;
	rec->tep = tep_alloc();
	if (!rec->tep) {
		ret = -ENOMEM;
		goto fail;
	}
	tep_set_long_size(rec->tep, rec->meta.long_size);
	tep_set_page_size(rec->tep, rec->meta.page_size);
	tep_set_cpus(rec->tep, rec->meta.nr_cpus);
	tep_set_file_bigendian(rec->tep, rec->meta.big_endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(rec->tep, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
				TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	ret = load_formats(rec);
	if (ret && ret != -ENOMEM)
		ret = -EBADMSG;	/* the metadata is there: the recording is damaged */
	if (ret) {
		xt_log(XTRACE_LOG_ERROR, "'%s': the kernel's event formats are missing or damaged",
		       dir);
		goto fail;
	}
	path = xt_path(dir, XT_CLOCK_FILE);
	ret = path ? xt_clock_read_file(path, &rec->clock) : -ENOMEM;
	free(path);
	if (ret == -ENOENT)
		ret = 0;
	if (ret)
		goto fail;
	rec->clock.ns_units = strcmp(rec->meta.trace_clock ? rec->meta.trace_clock : "", "x86-tsc");
	ret = xt_clock_fast_init(&rec->fclock, &rec->clock);
	if (ret)
		goto fail;
	load_tasks(rec);
	load_syscalls(rec);
	return rec;
fail:
	xtrace_rec_close(rec);
	errno = -ret;
	return NULL;
}

void xtrace_rec_close(struct xtrace_rec *rec)
{
	if (!rec)
		return;
	if (rec->tep)
		tep_free(rec->tep);
	for (long i = 0; i < rec->nr_syscalls; i++)
		free(rec->syscalls[i]);
	free(rec->syscalls);
	xt_clock_fast_free(&rec->fclock);
	free(rec->clock.samples);
	xtrace_meta_free(&rec->meta);
	free(rec->dir);
	free(rec->name);
	free(rec);
}

const struct xtrace_meta *xtrace_rec_meta(const struct xtrace_rec *rec)
{
	return &rec->meta;
}

const struct xtrace_clock *xtrace_rec_clock(const struct xtrace_rec *rec)
{
	return &rec->clock;
}

struct tep_handle *xtrace_rec_tep(struct xtrace_rec *rec)
{
	return rec->tep;
}

const char *xtrace_rec_dir(const struct xtrace_rec *rec)
{
	return rec->dir;
}

const char *xtrace_rec_name(const struct xtrace_rec *rec)
{
	return rec->name ? rec->name : rec->meta.hostname;
}

int64_t xtrace_rec_offset(const struct xtrace_rec *rec)
{
	return rec->offset;
}

int xt_rec_set_source(struct xtrace_rec *rec, const char *name, int64_t offset)
{
	char *n = name ? strdup(name) : NULL;

	if (name && !n)
		return -ENOMEM;
	free(rec->name);
	rec->name = n;
	rec->offset = offset;
	return 0;
}

const char *xtrace_rec_syscall_name(const struct xtrace_rec *rec, long nr)
{
	if (nr < 0 || nr >= rec->nr_syscalls)
		return NULL;
	return rec->syscalls[nr];
}

const char *xtrace_rec_comm(const struct xtrace_rec *rec, int pid)
{
	if (!tep_is_pid_registered(rec->tep, pid))
		return NULL;
	return tep_data_comm_from_pid(rec->tep, pid);
}

/* ------------------------------------------------------------- streams */

struct cpu_stream {
	struct xtrace_iter *it;
	struct xtrace_rec *rec;
	int source, cpu;
	int fd;
	off_t off, size;
	unsigned int frame;		/* index of the frame being read, for messages */
	ZSTD_DCtx *dctx;
	char *zbuf, *pages;
	size_t zcap, pcap;
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
	bool skip;			/* filtered out (order replay) */
	int copy_fd;			/* merge: every readable frame is copied here */
	bool walk;			/* times by xt_subbuf_times() where it can */
};

struct order_reader {
	int fd;
	off_t off, size;
	ZSTD_DCtx *dctx;
	unsigned char *buf, *zbuf;
	size_t len, pos, cap, zcap;
	uint64_t run_left;
	uint32_t run_stream;
};

/*
 * The merge (kmerge.c) decodes streams on several threads, each stream on one
 * at a time: what they share here (damage, write_err) is updated atomically.
 */
struct xtrace_iter {
	struct cpu_stream *streams;
	int nr_streams;
	struct xt_heap heap;
	struct cpu_stream *cur;
	unsigned int damage;
	int write_err;			/* merge copies: first write error */
	struct order_reader *order;	/* replaying a merged directory's order */
};

static void set_write_err(struct xtrace_iter *it, int err)
{
	int none = 0;

	__atomic_compare_exchange_n(&it->write_err, &none, err, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

static int get_write_err(const struct xtrace_iter *it)
{
	return __atomic_load_n(&it->write_err, __ATOMIC_RELAXED);
}

static void damaged(struct cpu_stream *s, const char *what)
{
	__atomic_add_fetch(&s->it->damage, 1, __ATOMIC_RELAXED);
	s->damage++;
	xt_log(XTRACE_LOG_WARNING, "'%s' cpu%d: %s (frame %u, byte %lld of %lld)",
	       s->rec->dir, s->cpu, what, s->frame, (long long)s->off, (long long)s->size);
}

static int read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done, off + done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		done += r;
	}
	return 0;
}

/* Load and decompress the next frame. Returns 1, 0 at the end, or <0 if reading must stop. */
static int load_frame(struct cpu_stream *s)
{
	int psize = s->rec->meta.page_size;
	struct xt_frame_header h;
	size_t want, got;

	for (;;) {
		if (s->off >= s->size)
			return 0;
		if (s->size - s->off < (off_t)sizeof(h)) {
			damaged(s, "truncated: the last frame's header is incomplete");
			return 0;
		}
		if (read_at(s->fd, &h, sizeof(h), s->off)) {
			damaged(s, "read error");
			return -EIO;
		}
		if (h.magic != XT_FRAME_MAGIC || !h.nr_pages || h.nr_pages > (1u << 20)) {
			/* without a sound header the next frame cannot be found */
			damaged(s, "corrupt frame header: the rest of this CPU is unreadable");
			return -EBADMSG;
		}
		if (s->size - s->off - (off_t)sizeof(h) < (off_t)h.csize) {
			damaged(s, "truncated: the last frame is incomplete");
			return 0;
		}
		want = (size_t)h.nr_pages * psize;
		if (h.csize > s->zcap) {
			free(s->zbuf);
			s->zcap = h.csize;
			s->zbuf = malloc(s->zcap);
		}
		if (want > s->pcap) {
			free(s->pages);
			s->pcap = want;
			s->pages = malloc(s->pcap);
		}
		if (!s->zbuf || !s->pages)
			return -ENOMEM;
		if (read_at(s->fd, s->zbuf, h.csize, s->off + sizeof(h))) {
			damaged(s, "read error");
			return -EIO;
		}
		got = ZSTD_decompressDCtx(s->dctx, s->pages, want, s->zbuf, h.csize);
		s->off += sizeof(h) + h.csize;
		s->frame++;
		if (ZSTD_isError(got) || got != want) {
			char msg[160];

			snprintf(msg, sizeof(msg), "corrupt frame skipped (%s): %u sub-buffers lost",
				 ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size", h.nr_pages);
			damaged(s, msg);
			continue;
		}
		if (s->copy_fd >= 0 && !get_write_err(s->it)) {
			/* a merge keeps every readable frame as it was written */
			int err = xt_write_all(s->copy_fd, &h, sizeof(h));

			if (!err)
				err = xt_write_all(s->copy_fd, s->zbuf, h.csize);
			if (err)
				set_write_err(s->it, err);
		}
		s->nr_pages = h.nr_pages;
		s->page = -1;
		return 1;
	}
}

#define RB_MISSED_EVENTS	(1ULL << 31)
#define RB_MISSED_STORED	(1ULL << 30)
#define RB_COMMIT_MASK		((1ULL << 27) - 1)

/*
 * Check a sub-buffer's commit word before kbuffer trusts it (a corrupt one
 * would make it read past the page), and read its lost-events flags directly:
 * kbuffer_missed_events() misses them when the page starts with a time extend.
 * Returns the bytes of records it holds, or -EBADMSG.
 */
static long check_subbuffer(struct cpu_stream *s, const char *page, int *missed)
{
	int ls = s->rec->meta.long_size, psize = s->rec->meta.page_size;
	uint64_t commit, size, room = psize - 8 - ls;

	if (ls == 8) {
		memcpy(&commit, page + 8, 8);
	} else {
		uint32_t c;

		memcpy(&c, page + 8, 4);
		commit = c;
	}
	size = commit & RB_COMMIT_MASK;
	*missed = 0;
	if (commit & RB_MISSED_STORED)
		room -= ls;
	if (size > room)
		return -EBADMSG;
	if (commit & RB_MISSED_EVENTS) {
		*missed = -1;
		if (commit & RB_MISSED_STORED) {
			uint64_t n = 0;

			memcpy(&n, page + 8 + ls + size, ls);
			*missed = n > INT32_MAX ? INT32_MAX : (int)n;
		}
	}
	return (long)size;
}

/*
 * The times of a sub-buffer's events, without kbuffer: what the merge needs of
 * most sub-buffers (xt_iter_decode()). Debian's libtraceevent (1.7.1) is built
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

/* Advance to the next event of the stream. Returns 1, or 0 when it has no more. */
static int stream_next(struct cpu_stream *s)
{
	int psize = s->rec->meta.page_size;
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
		page = s->pages + (size_t)s->page * psize;
		if (check_subbuffer(s, page, &s->missed) < 0 ||
		    kbuffer_load_subbuffer(s->kbuf, page) < 0) {
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
	s->ev.tod = xt_clock_fast_tod(&s->rec->fclock, s->ts, &s->hint) + s->rec->offset;
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
 * The merge's decoder (kmerge.c): the times (UTC ns, offset applied) of stream
 * @idx's events from where it stands to the end of the frame that holds them,
 * into @out (which grows as needed); when that frame is used up, the next one
 * is loaded (and copied) first. Only the times are made: no event is built.
 * One thread at a time per stream. Returns the number of times (> 0), 0 when
 * the stream has no more events, or -ENOMEM.
 */
int xt_iter_decode(struct xtrace_iter *it, int idx, struct xt_tods *out)
{
	struct cpu_stream *s = &it->streams[idx];
	const struct xt_clock_fast *fc = &s->rec->fclock;
	int64_t offset = s->rec->offset;
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
				*t++ = xt_clock_fast_tod(fc, ts, &s->hint) + offset;
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
		page = s->pages + (size_t)s->page * s->rec->meta.page_size;
		size = check_subbuffer(s, page, &s->missed);
		if (size < 0) {
			damaged(s, "malformed sub-buffer skipped");
			continue;
		}
		if (s->walk) {
			int64_t *t = out->tod + out->n;
			int got = xt_subbuf_times(page, size, t);

			if (got >= 0) {
				for (int i = 0; i < got; i++)
					t[i] = xt_clock_fast_tod(fc, (uint64_t)t[i], &s->hint) + offset;
				out->n += got;
				continue;
			}
		}
		if (kbuffer_load_subbuffer(s->kbuf, page) < 0) {
			damaged(s, "malformed sub-buffer skipped");
			continue;
		}
		s->data = kbuffer_read_event(s->kbuf, &ts);
		if (s->data)
			out->tod[out->n++] = xt_clock_fast_tod(fc, ts, &s->hint) + offset;
	}
}

static int stream_open(struct cpu_stream *s)
{
	struct xt_cpu_header h;
	char name[32], *path;
	struct stat st;
	enum kbuffer_long_size ls;
	const char *kb;

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
	s->size = st.st_size;
	if (s->size < (off_t)sizeof(h) || read_at(s->fd, &h, sizeof(h), 0) ||
	    memcmp(h.magic, XT_CPU_MAGIC, sizeof(h.magic)) ||
	    (int)h.page_size != s->rec->meta.page_size || (int)h.cpu != s->cpu) {
		damaged(s, "not an xtrace CPU data file");
		return 0;
	}
	if (h.major > XTRACE_FORMAT_MAJOR) {
		damaged(s, "data file of a newer format version");
		return 0;
	}
	s->off = sizeof(h);
	if (s->copy_fd >= 0) {
		int err = xt_write_all(s->copy_fd, &h, sizeof(h));

		if (err)
			set_write_err(s->it, err);
	}
	s->dctx = ZSTD_createDCtx();
	ls = s->rec->meta.long_size == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4;
	s->kbuf = kbuffer_alloc(ls, s->rec->meta.big_endian ? KBUFFER_ENDIAN_BIG :
				KBUFFER_ENDIAN_LITTLE);
	if (!s->dctx || !s->kbuf)
		return -ENOMEM;
	/* XTRACE_MERGE_KBUFFER=1: kbuffer for every sub-buffer (to compare) */
	kb = getenv("XTRACE_MERGE_KBUFFER");
	s->walk = s->rec->meta.long_size == 8 && !s->rec->meta.big_endian &&
		  !(kb && *kb && strcmp(kb, "0"));
	s->ev.cpu = s->cpu;
	s->ev.source = s->source;
	s->ev.rec = s->rec;
	s->ev.record = &s->record;
	return stream_next(s);
}

static uint64_t tie_of(struct cpu_stream *s)
{
	return ((uint64_t)s->source << 32) | (uint32_t)s->cpu;
}

static int open_copy(const char *dir, int cpu)
{
	char name[32], *path;
	int fd;

	snprintf(name, sizeof(name), XT_CPU_FILE_FMT, cpu);
	path = xt_path(dir, name);
	if (!path)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	free(path);
	return fd < 0 ? -errno : fd;
}

struct xtrace_iter *xt_iter_new_full(struct xtrace_rec **recs, int nr,
				     const struct xtrace_cpuset *cpus, char *const *copy_dirs,
				     bool replay)
{
	struct xtrace_iter *it = calloc(1, sizeof(*it));
	int total = 0, ret = 0;

	if (!it)
		return NULL;
	for (int i = 0; i < nr; i++)
		total += recs[i]->meta.nr_cpus;
	it->streams = calloc(total ? total : 1, sizeof(*it->streams));
	if (!it->streams) {
		free(it);
		errno = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < nr && !ret; i++) {
		for (int c = 0; c < recs[i]->meta.nr_cpus && !ret; c++) {
			struct cpu_stream *s = &it->streams[it->nr_streams];

			if (!recs[i]->meta.cpu[c].recorded)
				continue;
			/* a replay keeps a slot for every stream: the order names them by index */
			if (cpus && !xtrace_cpuset_has(cpus, c) && !replay)
				continue;
			it->nr_streams++;
			s->it = it;
			s->rec = recs[i];
			s->source = i;
			s->cpu = c;
			s->fd = s->copy_fd = -1;
			if (cpus && !xtrace_cpuset_has(cpus, c)) {
				s->skip = true;
				continue;
			}
			if (copy_dirs) {
				s->copy_fd = open_copy(copy_dirs[i], c);
				if (s->copy_fd < 0) {
					ret = s->copy_fd;
					break;
				}
			}
			ret = stream_open(s);
			if (ret > 0 && !replay)
				ret = xt_heap_push(&it->heap, s->ev.tod, tie_of(s), s);
			else if (ret > 0)
				ret = 0;
		}
	}
	if (!ret && it->write_err)
		ret = it->write_err;
	if (ret < 0) {
		xtrace_iter_free(it);
		errno = -ret;
		return NULL;
	}
	return it;
}

struct xtrace_iter *xtrace_iter_new(struct xtrace_rec **recs, int nr,
				    const struct xtrace_cpuset *cpus)
{
	return xt_iter_new_full(recs, nr, cpus, NULL, false);
}

int xt_iter_write_error(const struct xtrace_iter *it)
{
	return get_write_err(it);
}

unsigned int xt_iter_source_damage(const struct xtrace_iter *it, int source)
{
	unsigned int n = 0;

	for (int i = 0; i < it->nr_streams; i++)
		if (it->streams[i].source == source)
			n += it->streams[i].damage;
	return n;
}

int xt_iter_nr_streams(const struct xtrace_iter *it)
{
	return it->nr_streams;
}

/* ------------------------------------------------------ order replay */

static int order_load(struct xtrace_iter *it)
{
	struct order_reader *o = it->order;
	struct xt_frame_header h;
	size_t got;

	if (o->off >= o->size)
		return 0;
	if (o->size - o->off < (off_t)sizeof(h) || read_at(o->fd, &h, sizeof(h), o->off) ||
	    h.magic != XT_ORDER_MAGIC || o->size - o->off - (off_t)sizeof(h) < (off_t)h.csize ||
	    h.nr_pages > (1u << 30)) {
		it->damage++;
		xt_log(XTRACE_LOG_WARNING, "the merged order is truncated or damaged at byte %lld",
		       (long long)o->off);
		return 0;
	}
	if (h.csize > o->zcap) {
		free(o->zbuf);
		o->zbuf = malloc(o->zcap = h.csize);
	}
	if (h.nr_pages > o->cap) {
		free(o->buf);
		o->buf = malloc(o->cap = h.nr_pages);
	}
	if (!o->zbuf || !o->buf || read_at(o->fd, o->zbuf, h.csize, o->off + sizeof(h)))
		return -ENOMEM;
	got = ZSTD_decompressDCtx(o->dctx, o->buf, h.nr_pages, o->zbuf, h.csize);
	o->off += sizeof(h) + h.csize;
	if (ZSTD_isError(got) || got != h.nr_pages) {
		it->damage++;
		xt_log(XTRACE_LOG_WARNING, "a frame of the merged order is corrupt: the view stops "
		       "there");
		o->off = o->size;
		return 0;
	}
	o->len = got;
	o->pos = 0;
	return 1;
}

static int varint(struct order_reader *o, uint64_t *v)
{
	int shift = 0;

	*v = 0;
	while (o->pos < o->len && shift < 64) {
		unsigned char b = o->buf[o->pos++];

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
		shift += 7;
	}
	return -EBADMSG;
}

static int order_next_run(struct xtrace_iter *it)
{
	struct order_reader *o = it->order;
	uint64_t id, n;
	int ret;

	while (o->pos >= o->len) {
		ret = order_load(it);
		if (ret <= 0)
			return ret;
	}
	if (varint(o, &id) || varint(o, &n) || id >= (uint64_t)it->nr_streams || !n) {
		it->damage++;
		xt_log(XTRACE_LOG_WARNING, "the merged order is malformed: the view stops there");
		o->pos = o->len;
		o->off = o->size;
		return 0;
	}
	o->run_stream = id;
	o->run_left = n;
	return 1;
}

static int replay_next(struct xtrace_iter *it, struct xtrace_event **ev)
{
	struct order_reader *o = it->order;

	for (;;) {
		struct cpu_stream *s;
		int ret;

		if (!o->run_left) {
			ret = order_next_run(it);
			if (ret <= 0)
				return ret;
		}
		s = &it->streams[o->run_stream];
		if (s->skip) {
			o->run_left = 0;
			continue;
		}
		o->run_left--;
		if (!s->pending && (s->fd < 0 || !stream_next(s))) {
			it->damage++;
			xt_log(XTRACE_LOG_WARNING, "'%s' cpu%d: the merged order names more events "
			       "than the data holds", s->rec->dir, s->cpu);
			o->run_left = 0;
			continue;
		}
		s->pending = false;
		*ev = &s->ev;
		return 1;
	}
}

struct xtrace_iter *xt_iter_new_replay(struct xtrace_rec **recs, int nr,
				       const struct xtrace_cpuset *cpus, const char *order_path)
{
	struct xtrace_iter *it = xt_iter_new_full(recs, nr, cpus, NULL, true);
	struct order_reader *o;
	struct stat st;

	if (!it)
		return NULL;
	o = it->order = calloc(1, sizeof(*o));
	if (!o)
		goto fail;
	o->fd = open(order_path, O_RDONLY | O_CLOEXEC);
	o->dctx = ZSTD_createDCtx();
	if (o->fd < 0 || fstat(o->fd, &st) || !o->dctx)
		goto fail;
	o->size = st.st_size;
	o->off = sizeof(struct xt_order_header);
	return it;
fail:
	xtrace_iter_free(it);
	errno = errno ? errno : ENOMEM;
	return NULL;
}

int xtrace_iter_next(struct xtrace_iter *it, struct xtrace_event **ev)
{
	struct xt_heap_item *top;

	if (it->order)
		return replay_next(it, ev);
	if (it->cur) {
		if (stream_next(it->cur))
			xt_heap_update_top(&it->heap, it->cur->ev.tod);
		else
			xt_heap_pop(&it->heap);
		it->cur = NULL;
	}
	top = xt_heap_top(&it->heap);
	if (!top)
		return 0;
	it->cur = top->data;
	*ev = &it->cur->ev;
	return 1;
}

unsigned int xtrace_iter_damage(const struct xtrace_iter *it)
{
	return it->damage;
}

void xtrace_iter_free(struct xtrace_iter *it)
{
	if (!it)
		return;
	for (int i = 0; i < it->nr_streams; i++) {
		struct cpu_stream *s = &it->streams[i];

		if (s->fd >= 0)
			close(s->fd);
		if (s->copy_fd >= 0 && close(s->copy_fd) && !it->write_err)
			it->write_err = -errno;
		ZSTD_freeDCtx(s->dctx);
		if (s->kbuf)
			kbuffer_free(s->kbuf);
		free(s->zbuf);
		free(s->pages);
	}
	free(it->streams);
	xt_heap_free(&it->heap);
	if (it->order) {
		if (it->order->fd >= 0)
			close(it->order->fd);
		ZSTD_freeDCtx(it->order->dctx);
		free(it->order->buf);
		free(it->order->zbuf);
		free(it->order);
	}
	free(it);
}

/* ------------------------------------------------------ seeking (time windows) */

/*
 * Whether the frame at @off (header @h) can be skipped whole for a seek to @tod:
 * the frame after it starts before @tod, so every event of this one is earlier.
 * Frame headers carry the first and last sub-buffers' timestamps; a sub-buffer's
 * timestamp is at or before its first event. Out-of-order headers are never skipped.
 */
static bool frame_before(struct cpu_stream *s, const struct xt_frame_header *h, off_t off,
			 int64_t tod, size_t *hint)
{
	struct xt_frame_header next;
	off_t at = off + (off_t)sizeof(*h) + h->csize;

	if (at > s->size - (off_t)sizeof(next) || read_at(s->fd, &next, sizeof(next), at) ||
	    next.magic != XT_FRAME_MAGIC || next.first_ts < h->last_ts ||
	    h->last_ts < h->first_ts)
		return false;
	return xtrace_clock_to_tod(&s->rec->clock, next.first_ts, hint) + s->rec->offset < tod;
}

/* Move @s to its first event at or after @tod. Returns 1, or 0 if it has none. */
static int stream_seek(struct cpu_stream *s, int64_t tod)
{
	struct xt_frame_header h;
	size_t hint = 0;

	if (s->ev.tod >= tod)
		return 1;
	/* the frame loaded now: drop it if the next frame on disk still starts too early */
	if (s->off < s->size - (off_t)sizeof(h) && !read_at(s->fd, &h, sizeof(h), s->off) &&
	    h.magic == XT_FRAME_MAGIC &&
	    xtrace_clock_to_tod(&s->rec->clock, h.first_ts, &hint) + s->rec->offset < tod) {
		s->page = s->nr_pages - 1;
		s->data = NULL;
		/* then whole frames on disk, reading only their headers */
		while (!read_at(s->fd, &h, sizeof(h), s->off) && h.magic == XT_FRAME_MAGIC &&
		       frame_before(s, &h, s->off, tod, &hint)) {
			s->off += sizeof(h) + h.csize;
			s->frame++;
		}
		if (!stream_next(s))
			return 0;
	}
	while (s->ev.tod < tod)
		if (!stream_next(s))
			return 0;
	return 1;
}

int xtrace_iter_seek(struct xtrace_iter *it, int64_t tod)
{
	struct xt_heap heap = { 0 };
	struct xt_heap_item *top;
	int ret = 0;

	if (it->order)
		return -ENOTSUP;
	/* the streams in the heap are the ones with an event: seek each, heap them anew */
	while ((top = xt_heap_top(&it->heap))) {
		struct cpu_stream *s = top->data;

		xt_heap_pop(&it->heap);
		if (!ret && stream_seek(s, tod))
			ret = xt_heap_push(&heap, s->ev.tod, tie_of(s), s);
	}
	xt_heap_free(&it->heap);
	it->heap = heap;
	it->cur = NULL;
	return ret;
}

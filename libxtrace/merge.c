// SPDX-License-Identifier: LGPL-2.1
/*
 * Merging the recordings of several systems into one directory
 * (docs/data-directory.md, "Merged directories"): every source is kept as a
 * complete recording of its own under sources/NAME (its readable frames copied
 * as they are), and the file "order" says, in runs of (stream, count), in
 * which order their events interleave in time. The k-way heap of read.c
 * decides that order; the view then replays it.
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

#include "xtrace-local.h"

#define ORDER_FRAME_BYTES	(1 << 20)
#define PROGRESS_EVERY		(1 << 20)
#define BATCH			1024	/* events handed over by the k-way merge at once */
#define MAX_THREADS		64

/* ------------------------------------------------------------- sets */

static int add_rec(struct xtrace_set *set, struct xtrace_rec *rec)
{
	struct xtrace_rec **r = realloc(set->recs, (set->nr + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	set->recs = r;
	set->recs[set->nr++] = rec;
	return 0;
}

/* Open the sources of the merged directory @dir into @set. */
static int open_merged(const char *dir, struct xtrace_set *set, struct xtrace_merge_meta *mm)
{
	int ret = xtrace_merge_meta_read(dir, mm);

	if (ret)
		return ret;
	for (int i = 0; i < mm->nr_sources; i++) {
		struct xtrace_merge_source *s = &mm->sources[i];
		struct xtrace_rec *rec;
		char *sdir;

		if (asprintf(&sdir, "%s/" XT_SOURCES_DIR "/%s", dir, s->name) < 0)
			return -ENOMEM;
		rec = xtrace_rec_open(sdir);
		free(sdir);
		if (!rec) {
			ret = errno == ENOENT ? -EBADMSG : -errno;
			xt_log(XTRACE_LOG_ERROR, "'%s': its system '%s' is missing or damaged", dir,
			       s->name);
			return ret;
		}
		ret = xt_rec_set_source(rec, s->name, s->offset);
		if (!ret)
			ret = add_rec(set, rec);
		if (ret) {
			xtrace_rec_close(rec);
			return ret;
		}
	}
	return 0;
}

int xtrace_set_open(char *const *dirs, int nr, struct xtrace_set *set, int *bad)
{
	int ret = 0;

	memset(set, 0, sizeof(*set));
	for (int i = 0; i < nr && !ret; i++) {
		int merged = xtrace_dir_is_merged(dirs[i]);

		*bad = i;
		if (merged == 1) {
			struct xtrace_merge_meta mm;

			ret = open_merged(dirs[i], set, &mm);
			if (!ret && !mm.complete)
				xt_log(XTRACE_LOG_WARNING, "'%s' is an incomplete merge (%s)", dirs[i],
				       mm.error ? mm.error : "the merge did not finish");
			xtrace_merge_meta_free(&mm);
			if (!ret && nr == 1 && asprintf(&set->order, "%s/" XT_ORDER_FILE, dirs[i]) < 0)
				ret = -ENOMEM;
		} else {
			struct xtrace_rec *rec = xtrace_rec_open(dirs[i]);

			ret = rec ? add_rec(set, rec) : -errno;
			if (ret && rec)
				xtrace_rec_close(rec);
		}
	}
	if (ret)
		xtrace_set_close(set);
	return ret;
}

void xtrace_set_close(struct xtrace_set *set)
{
	for (int i = 0; i < set->nr; i++)
		xtrace_rec_close(set->recs[i]);
	free(set->recs);
	free(set->order);
	memset(set, 0, sizeof(*set));
}

struct xtrace_iter *xtrace_set_iter(struct xtrace_set *set, const struct xtrace_cpuset *cpus)
{
	if (set->order)
		return xt_iter_new_replay(set->recs, set->nr, cpus, set->order);
	return xtrace_iter_new(set->recs, set->nr, cpus);
}

/* ------------------------------------------------------------- copying */

/* cpuN.xtd: event data, which the merge copies frame by frame */
static bool is_event_data(const char *name)
{
	int cpu, n = 0;

	return sscanf(name, "cpu%d.xtd%n", &cpu, &n) == 1 && n && !name[n];
}

/* Copy @src into @dst: files and folders, but not the event data at the top. */
static int copy_tree(const char *src, const char *dst, bool top)
{
	struct dirent *de;
	DIR *d = opendir(src);
	int ret = 0;

	if (!d)
		return -errno;
	if (mkdir(dst, 0755) && errno != EEXIST) {
		closedir(d);
		return -errno;
	}
	while (!ret && (de = readdir(d))) {
		char *s, *t;
		struct stat st;

		if (de->d_name[0] == '.' || (top && is_event_data(de->d_name)))
			continue;
		s = xt_path(src, de->d_name);
		t = xt_path(dst, de->d_name);
		if (!s || !t)
			ret = -ENOMEM;
		else if (lstat(s, &st))
			ret = -errno;
		else if (S_ISDIR(st.st_mode))
			ret = copy_tree(s, t, false);
		else if (S_ISREG(st.st_mode))
			ret = xt_copy_file(s, t);
		free(s);
		free(t);
	}
	closedir(d);
	return ret;
}

/*
 * Everything of a recording but its event data: metadata, formats, maps, and
 * whatever else the recorder or the collector kept beside them (vms,
 * clockcheck, files of later versions), so a source decodes as its original.
 */
static int copy_decoding_files(const char *src, const char *dst)
{
	char *meta = xt_path(src, XT_META_FILE);
	int ret = meta && access(meta, R_OK) ? -errno : meta ? 0 : -ENOMEM;

	free(meta);
	return ret ? ret : copy_tree(src, dst, true);
}

/* ---------------------------------------------------------- the order */

struct order_writer {
	int fd;
	unsigned char *buf;
	size_t len;
	void *zbuf;
	size_t zcap;
	ZSTD_CCtx *cctx;
	int64_t first, last;		/* of the frame being filled */
	int err;
};

static inline __attribute__((always_inline)) void put_varint(struct order_writer *w, uint64_t v)
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

static int order_frame(struct order_writer *w)
{
	struct xt_frame_header h = { .magic = XT_ORDER_MAGIC };
	size_t clen;

	if (!w->len || w->err)
		return w->err;
	clen = ZSTD_compress2(w->cctx, w->zbuf, w->zcap, w->buf, w->len);
	if (ZSTD_isError(clen))
		return w->err = -EIO;
	h.csize = clen;
	h.nr_pages = w->len;
	h.first_ts = w->first;
	h.last_ts = w->last;
	w->err = xt_write_all(w->fd, &h, sizeof(h));
	if (!w->err)
		w->err = xt_write_all(w->fd, w->zbuf, clen);
	w->len = 0;
	return w->err;
}

/* The next @count events come from stream @id, the first at @first, the last at @last. */
static inline __attribute__((always_inline)) void order_run(struct order_writer *w, uint32_t id,
							     uint64_t count, int64_t first,
							     int64_t last)
{
	if (!w->len)
		w->first = first;
	w->last = last;
	put_varint(w, id);
	put_varint(w, count);
	if (w->len > ORDER_FRAME_BYTES - 32)
		order_frame(w);
}

static int order_open(struct order_writer *w, const char *out, int nr_streams)
{
	struct xt_order_header h = { .major = XTRACE_FORMAT_MAJOR, .minor = XTRACE_FORMAT_MINOR };
	char *path = xt_path(out, XT_ORDER_FILE);

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (!path)
		return -ENOMEM;
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	free(path);
	if (w->fd < 0)
		return -errno;
	w->buf = malloc(ORDER_FRAME_BYTES);
	w->zcap = ZSTD_compressBound(ORDER_FRAME_BYTES);
	w->zbuf = malloc(w->zcap);
	w->cctx = ZSTD_createCCtx();
	if (!w->buf || !w->zbuf || !w->cctx)
		return -ENOMEM;
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, 1);
	/*
	 * The order is short varints, mostly literals to Huffman-code: the smallest
	 * match finder compresses it twice as fast as level 1's for 3% more bytes.
	 */
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_hashLog, 6);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_minMatch, 7);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	memcpy(h.magic, XT_ORDER_HDR_MAGIC, sizeof(h.magic));
	h.nr_streams = nr_streams;
	return xt_write_all(w->fd, &h, sizeof(h));
}

static int order_close(struct order_writer *w)
{
	int ret;

	ret = order_frame(w);
	if (w->fd >= 0 && close(w->fd) && !ret)
		ret = -errno;
	free(w->buf);
	free(w->zbuf);
	ZSTD_freeCCtx(w->cctx);
	return ret;
}

/* ----------------------------------------------------------- the report */

/* Gaps where consecutive events change system: 8 buckets per power of two. */
struct gaps {
	uint64_t bucket[64 * 8];
	uint64_t n;
};

/* Count @gap if @yes (0 or 1): without a branch, as systems change at random. */
static inline void gap_add(struct gaps *g, int64_t gap, unsigned int yes)
{
	uint64_t v = gap < 0 ? 0 : (uint64_t)gap;
	int hi = 63 - __builtin_clzll(v | 1);
	int sub = hi >= 3 ? (int)((v >> (hi - 3)) & 7) : (int)(v & 7);

	g->bucket[hi * 8 + sub] += yes;
	g->n += yes;
}

static int64_t gap_median(const struct gaps *g)
{
	uint64_t seen = 0;

	if (!g->n)
		return -1;
	for (int i = 0; i < 64 * 8; i++) {
		seen += g->bucket[i];
		if (seen * 2 >= g->n) {
			int hi = i / 8, sub = i % 8;

			return hi >= 3 ? (int64_t)((8ULL + sub) << (hi - 3)) : sub;
		}
	}
	return -1;
}

static int warn(struct xtrace_merge_meta *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int warn(struct xtrace_merge_meta *m, const char *fmt, ...)
{
	size_t n = m->nr_warnings;
	va_list ap;
	char *w;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&w, fmt, ap);
	va_end(ap);
	if (ret < 0 || xt_strv_push(&m->warnings, &n, w))
		return -ENOMEM;
	m->nr_warnings = n;
	return 0;
}

static void clock_facts(struct xtrace_rec *rec, struct xtrace_merge_source *s)
{
	const struct xtrace_clock *clk = xtrace_rec_clock(rec);
	const struct xtrace_meta *meta = xtrace_rec_meta(rec);

	s->clock_error = meta->chrony_error_ns;
	for (size_t i = 0; i < clk->nr_samples; i++) {
		if (clk->samples[i].err > s->sample_error)
			s->sample_error = clk->samples[i].err;
		if (i && xtrace_clock_is_step(clk, &clk->samples[i - 1], &clk->samples[i]))
			s->steps++;
	}
	s->lost = xtrace_meta_lost(meta);
}

static void report(struct xtrace_merge_meta *m, struct gaps *g)
{
	char a[32], b[32];

	m->typical_gap = gap_median(g);
	for (int i = 0; i < m->nr_sources; i++) {
		struct xtrace_merge_source *s = &m->sources[i];
		bool overlap = false;

		for (int j = 0; j < m->nr_sources; j++)
			if (j != i && m->sources[j].events && s->events &&
			    m->sources[j].first <= s->last && s->first <= m->sources[j].last)
				overlap = true;
		if (m->nr_sources > 1 && s->events && !overlap)
			warn(m, "'%s' does not overlap any other system in time: its clock may be "
			     "wrong, or the recordings are of different runs", s->name);
		if (!s->events)
			warn(m, "'%s' has no events", s->name);
		if (m->nr_sources > 1 && s->clock_error < 0) {
			warn(m, "'%s': its clock error is unknown (chronyd was not running when it "
			     "was recorded): where its events are close to another system's, the "
			     "order shown may be wrong", s->name);
		} else if (m->nr_sources > 1 && m->typical_gap >= 0 &&
			   s->clock_error + s->sample_error > m->typical_gap) {
			xtrace_format_ns(a, sizeof(a), s->clock_error + s->sample_error);
			xtrace_format_ns(b, sizeof(b), m->typical_gap);
			warn(m, "'%s': its clock may be off by up to %s, more than the typical %s "
			     "between interleaved events: the order shown may be wrong", s->name, a, b);
		}
		if (s->steps)
			warn(m, "'%s': its clock was stepped %d time(s) while recording: times near "
			     "a step are uncertain", s->name, s->steps);
		if (s->lost)
			warn(m, "'%s': %llu events were lost while recording", s->name,
			     (unsigned long long)s->lost);
		if (s->damage)
			warn(m, "'%s': %u damaged place(s) in its data were skipped: everything "
			     "readable was merged", s->name, s->damage);
	}
}

/* ------------------------------------------------------------ the merge */

struct input {
	struct xtrace_set set;
	const char *dir;
	bool merged;
};

static char *clean_name(const char *name)
{
	char *n = strdup(name && *name ? name : "unnamed");

	for (char *p = n; p && *p; p++)
		if (*p == '/' || *p == ' ' || *p == '\t' || *p == '\n')
			*p = '_';
	if (n && (!strcmp(n, ".") || !strcmp(n, "..")))
		n[0] = '_';
	return n;
}

static int open_inputs(const struct xtrace_merge_opts *o, struct input *in,
		       struct xtrace_merge_meta *m, struct xtrace_rec ***recs)
{
	int bad, ret, n = 0;

	for (int i = 0; i < o->nr_inputs; i++) {
		ret = xtrace_dir_is_merged(o->inputs[i]);
		in[i].dir = o->inputs[i];
		in[i].merged = ret == 1;
		ret = xtrace_set_open(&o->inputs[i], 1, &in[i].set, &bad);
		if (ret) {
			xt_log(XTRACE_LOG_ERROR, "cannot open '%s': %s", o->inputs[i],
			       ret == -ENOENT ? "no such recording" :
			       ret == -EBADMSG ? "damaged recording" :
			       ret == -ENOTSUP ? "newer format version: upgrade xtrace" :
			       strerror(-ret));
			return ret;
		}
		if (in[i].merged && o->names && o->names[i]) {
			xt_log(XTRACE_LOG_ERROR, "'%s' is a merged directory: its systems keep their "
			       "names (-n names a recording)", o->inputs[i]);
			return -EINVAL;
		}
		n += in[i].set.nr;
	}
	m->sources = calloc(n, sizeof(*m->sources));
	*recs = calloc(n, sizeof(**recs));
	if (!m->sources || !*recs)
		return -ENOMEM;
	for (int i = 0; i < o->nr_inputs; i++) {
		for (int k = 0; k < in[i].set.nr; k++) {
			struct xtrace_rec *rec = in[i].set.recs[k];
			const struct xtrace_meta *meta = xtrace_rec_meta(rec);
			struct xtrace_merge_source *s = &m->sources[m->nr_sources];
			const char *name = in[i].merged ? xtrace_rec_name(rec) :
					   (o->names && o->names[i]) ? o->names[i] : meta->hostname;

			if (!strcmp(meta->timestamp, "tsc")) {
				xt_log(XTRACE_LOG_ERROR, "'%s' was recorded with -t tsc: the TSCs of "
				       "different systems cannot be related to each other; record "
				       "with -t tod (the default) to merge", o->inputs[i]);
				return -EINVAL;
			}
			s->name = clean_name(name);
			s->hostname = strdup(meta->hostname);
			s->input = strdup(o->inputs[i]);
			s->offset = xtrace_rec_offset(rec);
			s->first = INT64_MAX;
			s->last = INT64_MIN;
			if (!s->name || !s->hostname || !s->input)
				return -ENOMEM;
			for (int j = 0; j < m->nr_sources; j++) {
				if (strcmp(m->sources[j].name, s->name))
					continue;
				xt_log(XTRACE_LOG_ERROR, "two inputs are the system '%s' ('%s' and "
				       "'%s'): tell them apart with -n NAME=DIR", s->name,
				       m->sources[j].input, s->input);
				m->nr_sources++;
				return -EINVAL;
			}
			clock_facts(rec, s);
			(*recs)[m->nr_sources++] = rec;
		}
	}
	for (int k = 0; k < o->nr_offsets; k++) {
		int j;

		for (j = 0; j < m->nr_sources && strcmp(m->sources[j].name, o->offset_names[k]); j++)
			;
		if (j == m->nr_sources) {
			xt_log(XTRACE_LOG_ERROR, "--offset: no system is named '%s'",
			       o->offset_names[k]);
			return -EINVAL;
		}
		m->sources[j].offset += o->offsets[k];
		xt_rec_set_source((*recs)[j], m->sources[j].name, m->sources[j].offset);
	}
	return 0;
}

static int make_output(const char *out)
{
	bool made;
	char *s;
	int ret = xt_make_outdir(out, &made);

	if (ret)
		return ret;
	s = xt_path(out, XT_SOURCES_DIR);
	ret = s ? (mkdir(s, 0755) && errno != EEXIST ? -errno : 0) : -ENOMEM;
	free(s);
	return ret;
}

/*
 * Threads that decode beside the merging one (which decodes too whenever it
 * would wait): $XTRACE_MERGE_THREADS, or one per CPU but the merging one's.
 */
static int decode_threads(void)
{
	const char *env = getenv("XTRACE_MERGE_THREADS");
	long n;

	if (env && *env) {
		char *end;

		n = strtol(env, &end, 10);
		if (!*end && n >= 0)
			return n > MAX_THREADS ? MAX_THREADS : (int)n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	return n < 0 ? 0 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* What a run of events of one stream adds to the report and the order. */
struct runs {
	struct order_writer *w;
	struct xtrace_merge_meta *m;
	struct gaps *g;
	const uint32_t *src_of;
	int prev_src;
	int64_t prev_last;
};

static inline __attribute__((always_inline)) void run_done(struct runs *r, uint32_t id,
							    uint64_t count, int64_t first,
							    int64_t last)
{
	int src = r->src_of[id];
	struct xtrace_merge_source *s = &r->m->sources[src];

	order_run(r->w, id, count, first, last);
	gap_add(r->g, first - r->prev_last, (src != r->prev_src) & (r->prev_src >= 0));
	r->prev_src = src;
	r->prev_last = last;
	if (!s->events)
		s->first = first;
	s->events += count;
	s->last = last;
}

static int decode_stream(void *it, int stream, struct xt_tods *out)
{
	return xt_iter_decode(it, stream, out);
}

static int run_merge(const struct xtrace_merge_opts *o, struct xtrace_merge_meta *m,
		     struct xtrace_rec **recs, char **copy_dirs)
{
	struct order_writer w;
	struct gaps *g = calloc(1, sizeof(*g));
	struct xtrace_iter *it = NULL;
	struct xt_kmerge *km = NULL;
	uint32_t *src_of = NULL, ids[BATCH];
	int64_t tods[BATCH];
	uint64_t total = 0, done = 0, next_progress = PROGRESS_EVERY, run_len = 0;
	int64_t run_first = 0, run_last = 0;
	uint32_t run_id = UINT32_MAX;
	struct runs r = { &w, m, g, NULL, -1, 0 };
	int nr_streams = 0, ret;
	long n;

	for (int i = 0; i < m->nr_sources; i++) {
		const struct xtrace_meta *meta = xtrace_rec_meta(recs[i]);

		for (int c = 0; c < meta->nr_cpus; c++) {
			nr_streams += meta->cpu[c].recorded;
			total += meta->cpu[c].events;
		}
	}
	src_of = calloc(nr_streams ? nr_streams : 1, sizeof(*src_of));
	if (!g || !src_of) {
		ret = -ENOMEM;
		goto out;
	}
	/* stream ids: (source, recorded CPU) in order, as the iterator numbers its streams */
	nr_streams = 0;
	for (int i = 0; i < m->nr_sources; i++) {
		const struct xtrace_meta *meta = xtrace_rec_meta(recs[i]);

		for (int c = 0; c < meta->nr_cpus; c++)
			if (meta->cpu[c].recorded)
				src_of[nr_streams++] = i;
	}
	r.src_of = src_of;
	ret = order_open(&w, o->out, nr_streams);
	if (ret)
		goto out_order;
	/* every stream opened (and its copy started), none merged by read.c's heap */
	it = xt_iter_new_full(recs, m->nr_sources, NULL, copy_dirs, true);
	km = it ? xt_kmerge_new(nr_streams, decode_stream, it, decode_threads()) : NULL;
	if (!km) {
		ret = -errno;
		goto out_order;
	}
	while ((n = xt_kmerge_next(km, ids, tods, BATCH)) > 0) {
		for (long i = 0; i < n; i++) {
			if (ids[i] != run_id) {
				if (run_len)
					run_done(&r, run_id, run_len, run_first, run_last);
				run_id = ids[i];
				run_first = tods[i];
				run_len = 0;
			}
			run_len++;
			run_last = tods[i];
		}
		done += n;
		if (done >= next_progress) {
			next_progress = done + PROGRESS_EVERY;
			if (o->progress)
				o->progress(done, total > done ? total : done, o->ctx);
			if (w.err || xt_iter_write_error(it))
				break;
		}
	}
	if (run_len)
		run_done(&r, run_id, run_len, run_first, run_last);
	ret = n < 0 ? (int)n : w.err ? w.err : xt_iter_write_error(it);
	xt_kmerge_free(km);
	if (o->progress)
		o->progress(done, done, o->ctx);
	m->events = done;
	for (int i = 0; i < m->nr_sources; i++) {
		m->sources[i].damage = xt_iter_source_damage(it, i);
		if (!m->sources[i].events)
			m->sources[i].first = m->sources[i].last = 0;
	}
	report(m, g);
out_order:
	{
		int err = order_close(&w);

		if (!ret)
			ret = err;
	}
	if (it) {
		int err = xt_iter_write_error(it);

		xtrace_iter_free(it);
		if (!ret)
			ret = err;
	}
out:
	free(g);
	free(src_of);
	return ret;
}

int xtrace_merge(const struct xtrace_merge_opts *o, struct xtrace_merge_meta *meta)
{
	struct xtrace_merge_meta m = { .major = XTRACE_FORMAT_MAJOR, .minor = XTRACE_FORMAT_MINOR };
	struct input *in = calloc(o->nr_inputs ? o->nr_inputs : 1, sizeof(*in));
	struct xtrace_rec **recs = NULL;
	char **copy_dirs = NULL;
	bool made = false;
	int ret;

	if (!in)
		return -ENOMEM;
	m.tool = strdup("libxtrace " XTRACE_VERSION);
	ret = open_inputs(o, in, &m, &recs);
	if (ret)
		goto out;
	ret = make_output(o->out);
	if (ret)
		goto out;
	made = true;
	/* an incomplete merge says so until the very end, even if the disk fills early */
	m.complete = false;
	ret = xtrace_merge_meta_write(o->out, &m);
	if (ret)
		goto failed;
	copy_dirs = calloc(m.nr_sources, sizeof(*copy_dirs));
	if (!copy_dirs) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < m.nr_sources && !ret; i++) {
		if (asprintf(&copy_dirs[i], "%s/" XT_SOURCES_DIR "/%s", o->out,
			     m.sources[i].name) < 0) {
			ret = -ENOMEM;
			break;
		}
		ret = xt_mkdir_p(copy_dirs[i], 0755);
		if (!ret)
			ret = copy_decoding_files(xtrace_rec_dir(recs[i]), copy_dirs[i]);
	}
	if (!ret)
		ret = run_merge(o, &m, recs, copy_dirs);
failed:
	m.complete = !ret;
	if (ret) {
		char msg[160];

		snprintf(msg, sizeof(msg), "the merge failed: %s", strerror(-ret));
		free(m.error);
		m.error = strdup(msg);
		xt_log(XTRACE_LOG_ERROR, "writing '%s' failed: %s; it is marked incomplete",
		       o->out, strerror(-ret));
	}
	{
		int err = xtrace_merge_meta_write(o->out, &m);

		if (!ret)
			ret = err;
	}
out:
	if (ret && !made)
		m.complete = false;
	for (int i = 0; copy_dirs && i < m.nr_sources; i++)
		free(copy_dirs[i]);
	free(copy_dirs);
	free(recs);
	for (int i = 0; i < o->nr_inputs; i++)
		xtrace_set_close(&in[i].set);
	free(in);
	if (meta)
		*meta = m;
	else
		xtrace_merge_meta_free(&m);
	return ret;
}

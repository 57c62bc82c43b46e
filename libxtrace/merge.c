// SPDX-License-Identifier: LGPL-2.1
/*
 * Merging the recordings of several systems into one directory
 * (docs/data-directory.md, "Merged directories"): every source is kept as a
 * complete recording of its own under sources/NAME (its readable frames copied
 * as they are), and the file "order" says, in runs of (stream, count), in
 * which order their events interleave in time. The k-way merge of kmerge.c
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

#include "reader.h"

#define PROGRESS_EVERY		(1 << 20)
#define BATCH			1024	/* events handed over by the k-way merge at once */
#define MAX_THREADS		64

/* ------------------------------------------------------------- copying */

/*
 * Everything of a recording but its event data: metadata, formats, maps, and
 * whatever else the recorder or the collector kept beside them (vms,
 * clockcheck, files of later versions), so a source decodes as its original.
 */
static int copy_decoding_files(const char *src, const char *dst)
{
	char *meta = xt_tdat_path(src), *to;
	int ret;

	if (meta) {
		/* a trace.dat is its own decoding files and data: kept whole (tracedat.c) */
		to = xt_path(dst, XT_TRACEDAT_FILE);
		ret = to ? xt_copy_file(meta, to) : -ENOMEM;
		free(to);
		free(meta);
		return ret;
	}
	meta = xt_path(src, XT_META_FILE);
	ret = meta && access(meta, R_OK) ? -errno : meta ? 0 : -ENOMEM;

	free(meta);
	return ret ? ret : xt_copy_tree(src, dst, true);
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
			warn(m, "'%s' does not overlap any other system in time: its clock may be wrong, or the recordings are of different runs",
			     s->name);
		if (!s->events)
			warn(m, "'%s' has no events", s->name);
		if (m->nr_sources > 1 && s->clock_bound < 0) {
			warn(m, "'%s': its clock error is unknown (chronyd was not running when it was recorded, and no clock exchanges were kept with it): where its events are close to another system's, the order shown may be wrong",
			     s->name);
		} else if (m->nr_sources > 1 && m->typical_gap >= 0 &&
			   s->clock_bound > m->typical_gap) {
			xtrace_format_ns(a, sizeof(a), s->clock_bound);
			xtrace_format_ns(b, sizeof(b), m->typical_gap);
			warn(m, "'%s': its clock may be off by up to %s, more than the typical %s between interleaved events: the order shown may be wrong",
			     s->name, a, b);
		}
		if (s->lost)
			warn(m, "'%s': %llu events were lost while recording", s->name,
			     (unsigned long long)s->lost);
		if (s->damage)
			warn(m, "'%s': %u damaged place(s) in its data were skipped: everything readable was merged",
			     s->name, s->damage);
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

/* A system of a merged input keeps the mapping that merge made, and says how. */
static void earlier_mapping(struct xtrace_merge_source *s)
{
	struct xtrace_merge_meta mm;

	if (xtrace_merge_meta_read(s->input, &mm))
		return;
	for (int k = 0; k < mm.nr_sources; k++) {
		static const char mark[] = " (earlier merge)";
		const struct xtrace_merge_source *e = &mm.sources[k];
		size_t len = e->clock_basis ? strlen(e->clock_basis) : 0;
		char *basis;
		bool marked;

		/* said once, however many merges ago */
		if (strcmp(e->name, s->name) || !e->clock_basis)
			continue;
		marked = len >= sizeof(mark) - 1 && !strcmp(e->clock_basis + len + 1 - sizeof(mark),
							      mark);
		if (asprintf(&basis, "%s%s", e->clock_basis, marked ? "" : mark) < 0)
			continue;
		free(s->clock_basis);
		s->clock_basis = basis;
		s->clock_offset = e->clock_offset;
		s->drift_ppb = e->drift_ppb;
		s->clock_bound = e->clock_bound;
		s->exchanges = e->exchanges;
	}
	xtrace_merge_meta_free(&mm);
}

/* Each system's clock onto the reference's (clockfit.c), its steps reported. */
static int map_clocks(const struct xtrace_merge_opts *o, struct xtrace_merge_meta *m,
		      struct xtrace_rec **recs)
{
	char *ref = NULL;
	int ret = 0;

	/* the reference: the system the exchanges were made with */
	for (int i = 0; i < m->nr_sources && !ref; i++) {
		struct xtrace_clock_pair *p;
		size_t n;

		if (!xtrace_clocksync_read(xtrace_rec_dir(recs[i]), &p, &n, &ref))
			free(p);
	}
	for (int i = 0; i < m->nr_sources && !ret; i++) {
		struct xtrace_merge_source *s = &m->sources[i];
		bool is_ref = ref && s->hostname && !strcmp(ref, s->hostname);
		bool earlier = recs[i]->mapped;	/* by the merge that made its input */
		struct xt_clock_step *st;
		int nr_st;

		ret = xt_clock_correct(recs[i], o, is_ref, s, &st, &nr_st);
		if (!ret && earlier)
			earlier_mapping(s);
		for (int k = 0; k < nr_st && !ret; k++) {
			char at[64];

			xtrace_format_utc(at, sizeof(at), st[k].at);
			ret = warn(m, "'%s': its clock was stepped %+.6f s at %s UTC: %s", s->name,
				   st[k].size / 1e9, at,
				   s->exchanges && strcmp(s->clock_basis, "ssh checks") ?
				   "its mapping by clock exchanges is not affected" :
				   o->raw_clocks ? "times before it are on the clock before it, times after it on the clock after it" :
				   o->step_before ? "times after it are placed on the clock before it" :
				   "times before it are placed on the clock after it");
		}
		free(st);
	}
	free(ref);
	return ret;
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
			xt_log(XTRACE_LOG_ERROR, "'%s' is a merged directory: its systems keep their names (-n names a recording)",
			       o->inputs[i]);
			return -EINVAL;
		}
		n += in[i].set.nr;
	}
	m->sources = calloc(n, sizeof(*m->sources));
	*recs = calloc(n, sizeof(**recs));
	if (!m->sources || !*recs)
		return -ENOMEM;
	/* trace-cmd's host and guest files: a guest takes the host's time of day */
	for (int i = 0, k = 0; i < o->nr_inputs; i++)
		for (int j = 0; j < in[i].set.nr; j++)
			(*recs)[k++] = in[i].set.recs[j];
	xt_tdat_link(*recs, n);
	for (int i = 0; i < o->nr_inputs; i++) {
		for (int k = 0; k < in[i].set.nr; k++) {
			struct xtrace_rec *rec = in[i].set.recs[k];
			const struct xtrace_meta *meta = xtrace_rec_meta(rec);
			struct xtrace_merge_source *s = &m->sources[m->nr_sources];
			const char *name = in[i].merged ? xtrace_rec_name(rec) :
					   (o->names && o->names[i]) ? o->names[i] : meta->hostname;

			if (!strcmp(meta->timestamp, "tsc")) {
				xt_log(XTRACE_LOG_ERROR, "'%s' was recorded with -t tsc: the TSCs of different systems cannot be related to each other; record with -t tod (the default) to merge",
				       o->inputs[i]);
				return -EINVAL;
			}
			if (strcmp(meta->timestamp, xtrace_rec_meta((*recs)[0])->timestamp)) {
				xt_log(XTRACE_LOG_ERROR, "'%s' has %s times, '%s' %s times: a trace.dat recorded without --date has no time of day to merge by",
				       o->inputs[i], meta->timestamp, o->inputs[0],
				       xtrace_rec_meta((*recs)[0])->timestamp);
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
				xt_log(XTRACE_LOG_ERROR, "two inputs are the system '%s' ('%s' and '%s'): tell them apart with -n NAME=DIR",
				       s->name,
				       m->sources[j].input, s->input);
				m->nr_sources++;
				return -EINVAL;
			}
			clock_facts(rec, s);
			(*recs)[m->nr_sources++] = rec;
		}
	}
	ret = map_clocks(o, m, *recs);
	if (ret)
		return ret;
	for (int k = 0; k < o->nr_offsets; k++) {
		int j;

		for (j = 0; j < m->nr_sources; j++)
			if (!strcmp(m->sources[j].name, o->offset_names[k]))
				break;
		if (j == m->nr_sources) {
			xt_log(XTRACE_LOG_ERROR, "--offset: no system is named '%s'",
			       o->offset_names[k]);
			return -EINVAL;
		}
		m->sources[j].offset = xtrace_time_add(m->sources[j].offset, o->offsets[k]);
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
	struct xt_order_writer *w;
	struct xtrace_merge_meta *m;
	struct gaps *g;
	const uint32_t *src_of;
	int prev_src;
	int64_t prev_last;
	int64_t prev_bound;		/* the previous run's source's clock bound, -1 unknown */
};

static inline __attribute__((always_inline)) void run_done(struct runs *r, uint32_t id,
							    uint64_t count, int64_t first,
							    int64_t last)
{
	int src = r->src_of[id];
	struct xtrace_merge_source *s = &r->m->sources[src];
	int64_t gap = xtrace_time_sub(first, r->prev_last);
	unsigned int other = (src != r->prev_src) & (r->prev_src >= 0);

	xt_order_run(r->w, id, count, first, last);
	gap_add(r->g, gap, other);
	/* two systems' events closer than their clocks' bounds: their order is uncertain */
	if (other && s->clock_bound >= 0 && r->prev_bound >= 0 &&
	    gap <= xtrace_time_add(s->clock_bound, r->prev_bound))
		r->m->uncertain++;
	r->prev_src = src;
	r->prev_last = last;
	r->prev_bound = s->clock_bound;
	if (!s->events)
		s->first = first;
	s->events += count;
	s->last = last;
}

static int decode_stream(void *it, int stream, struct xt_tods *out)
{
	return xt_iter_decode(it, stream, out);
}

/*
 * The copy of every source's event data: each readable frame as it was written, through the
 * iterator's stream hook (one thread at a time per stream; the first write error is shared).
 */
struct copy {
	char **dirs;			/* per source: OUT/sources/NAME */
	int *fds;			/* per stream */
	int nr_fds;
	int err;
};

static void copy_failed(struct copy *c, int err)
{
	int none = 0;

	__atomic_compare_exchange_n(&c->err, &none, err, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

static int copy_error(struct copy *c)
{
	return __atomic_load_n(&c->err, __ATOMIC_RELAXED);
}

static int copy_open(void *ctx, const struct xt_stream *s)
{
	struct copy *c = ctx;
	char name[32], *path;
	int fd;

	snprintf(name, sizeof(name), XT_CPU_FILE_FMT, s->cpu);
	path = xt_path(c->dirs[s->source], name);
	if (!path)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	free(path);
	if (fd < 0)
		return -errno;
	c->fds[s->index] = fd;
	return 0;
}

static void copy_header(void *ctx, const struct xt_stream *s, const struct xt_cpu_header *h)
{
	struct copy *c = ctx;
	int err = copy_error(c) ? 0 : xt_write_all(c->fds[s->index], h, sizeof(*h));

	if (err)
		copy_failed(c, err);
}

static void copy_frame(void *ctx, const struct xt_stream *s, const struct xt_frame_header *h,
		       const void *z)
{
	struct copy *c = ctx;
	int err = copy_error(c) ? 0 : xt_frame_write_raw(c->fds[s->index], h, z);

	if (err)
		copy_failed(c, err);
}

static int copy_close(struct copy *c)
{
	for (int i = 0; i < c->nr_fds; i++)
		if (c->fds[i] >= 0 && close(c->fds[i]))
			copy_failed(c, -errno);
	free(c->fds);
	c->fds = NULL;
	return copy_error(c);
}

static int run_merge(const struct xtrace_merge_opts *o, struct xtrace_merge_meta *m,
		     struct xtrace_rec **recs, char **copy_dirs)
{
	struct copy copy = { .dirs = copy_dirs };
	struct xt_stream_hook hook = { &copy, copy_open, copy_header, copy_frame };
	struct xt_order_writer w = { .fw.fd = -1 };
	struct gaps *g = calloc(1, sizeof(*g));
	struct xtrace_iter *it = NULL;
	struct xt_kmerge *km = NULL;
	uint32_t *src_of = NULL, ids[BATCH];
	int64_t tods[BATCH];
	uint64_t total = 0, done = 0, next_progress = PROGRESS_EVERY, run_len = 0;
	int64_t run_first = 0, run_last = 0;
	uint32_t run_id = UINT32_MAX;
	struct runs r = { &w, m, g, NULL, -1, 0, -1 };
	int nr_streams, ret;
	long n;

	for (int i = 0; i < m->nr_sources; i++) {
		const struct xtrace_meta *meta = xtrace_rec_meta(recs[i]);

		copy.nr_fds += meta->nr_cpus;
		for (int c = 0; c < meta->nr_cpus; c++)
			total += meta->cpu[c].events;
	}
	copy.fds = malloc((copy.nr_fds ? copy.nr_fds : 1) * sizeof(*copy.fds));
	if (!g || !copy.fds) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < copy.nr_fds; i++)
		copy.fds[i] = -1;
	/* every stream opened (and its copy started), none merged by the iterator's heap */
	it = xt_iter_new_full(recs, m->nr_sources, NULL, &hook, true);
	if (!it) {
		ret = -errno;
		goto out;
	}
	nr_streams = xt_iter_nr_streams(it);
	src_of = calloc(nr_streams ? nr_streams : 1, sizeof(*src_of));
	if (!src_of) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < nr_streams; i++)
		src_of[i] = xt_iter_stream_source(it, i);
	r.src_of = src_of;
	ret = copy_error(&copy);
	if (!ret)
		ret = xt_order_open(&w, o->out, nr_streams);
	if (ret)
		goto out;
	km = xt_kmerge_new(nr_streams, decode_stream, it, decode_threads());
	if (!km) {
		ret = -errno;
		goto out;
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
			if (w.err || copy_error(&copy))
				break;
		}
	}
	if (run_len)
		run_done(&r, run_id, run_len, run_first, run_last);
	ret = n < 0 ? (int)n : w.err ? w.err : copy_error(&copy);
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
out:
	{
		int err = xt_order_close(&w);

		if (!ret)
			ret = err;
	}
	xtrace_iter_free(it);
	if (copy.fds) {
		int err = copy_close(&copy);

		if (!ret)
			ret = err;
	}
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
		if (!ret)
			ret = xt_clockmap_write(copy_dirs[i], recs[i]);
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

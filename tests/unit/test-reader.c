// SPDX-License-Identifier: LGPL-2.1
/*
 * The reader against hand-made data directories, without the kernel: metadata,
 * formats, clock samples and cpuN.xtd files of zstd frames holding ring-buffer
 * sub-buffers laid out here event by event. Checks the time-ordered merge, the
 * time-of-day conversion, lost-event flags and what damage does.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>
#include <CUnit/CUnit.h>
#include <event-parse.h>
#include <kbuffer.h>

#include "xtrace-local.h"
#include "tu.h"

int add_reader_suite(void);


#define N_(a)		(sizeof(a) / sizeof((a)[0]))
#define MS		1000000ULL
#define NS		1000000000ULL
#define TOD0		1700000000000000000LL

#define PSIZE		4096		/* sub-buffer size */
#define PHDR		16		/* u64 timestamp, u64 commit (long_size 8) */
#define EV_ID		1500		/* common_type of test/tick */
#define EV_SIZE		16		/* its payload: 8 common bytes + u64 seq */
#define TYPE_LEN	(EV_SIZE / 4)
#define TYPE_EXTEND	30
#define DELTA_MAX	(1u << 27)
#define RB_MISSED_EVENTS	(1ULL << 31)
#define RB_MISSED_STORED	(1ULL << 30)
#define MAX_FRAMES	64
#define FHDR		sizeof(struct xt_frame_header)

/* What tracefs shows in events/header_page and events/header_event (x86_64). */
static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";

static const char header_event[] =
	"# compressed entry header\n"
	"\ttype_len    :    5 bits\n"
	"\ttime_delta  :   27 bits\n"
	"\tarray       :   32 bits\n"
	"\n"
	"\tpadding     : type == 29\n"
	"\ttime_extend : type == 30\n"
	"\ttime_stamp : type == 31\n"
	"\tdata max type_len  == 28\n";

static const char tick_format[] =
	"name: tick\n"
	"ID: 1500\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:u64 seq;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\n"
	"print fmt: \"seq=%llu\", REC->seq\n";

/* Two clock samples: the offset drifts by 4 us between 2 s and 6 s of trace time. */
#define CLK_T0		(2 * NS)
#define CLK_T1		(6 * NS)
#define CLK_DRIFT	4000LL
static const char clock_text[] =
	"# trace_clock_ns utc_ns error_ns flags\n"
	"2000000000 1700000000000000000 120 0\n"
	"6000000000 1700000004000004000 130 0\n";

static int64_t expected_tod(uint64_t ts)
{
	const int64_t off0 = TOD0 - (int64_t)CLK_T0;

	if (ts < CLK_T0)
		return (int64_t)ts + off0;
	if (ts >= CLK_T1)
		return (int64_t)ts + off0 + CLK_DRIFT;
	return (int64_t)ts + off0 + CLK_DRIFT * (int64_t)(ts - CLK_T0) / (int64_t)(CLK_T1 - CLK_T0);
}

/* ------------------------------------------------------ writing recordings */

struct tev {
	uint64_t ts;
	uint64_t seq;
	int cpu;
	int frame, page;	/* where the writer put it */
	bool first;		/* the first event of its sub-buffer */
};

/* The missed-events flags of one sub-buffer (its index in the CPU file). */
struct page_opt {
	int page;
	uint64_t flags;
	uint64_t lost;
	uint64_t commit;	/* if not 0: the commit word as is (a malformed sub-buffer) */
};

struct cpu_spec {
	struct tev *ev;
	int nr;
	int ev_per_page, pages_per_frame;
	const struct page_opt *opts;
	int nr_opts;
	/* filled by the writer */
	int nr_frames, nr_pages;
	off_t frame_off[MAX_FRAMES];
	uint32_t csize[MAX_FRAMES];
	int frame_events[MAX_FRAMES];
};

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

struct page_writer {
	uint8_t *p;
	size_t len;		/* bytes of records after the header */
	uint64_t last;		/* timestamp of the last record */
	int nr;
};

static void page_start(struct page_writer *w, uint8_t *p, uint64_t ts)
{
	memset(p, 0, PSIZE);
	put64(p, ts);
	w->p = p;
	w->len = 0;
	w->last = ts;
	w->nr = 0;
}

static size_t record_room(const struct page_writer *w, uint64_t ts)
{
	return (ts - w->last >= DELTA_MAX ? 8 : 0) + 4 + EV_SIZE;
}

/* Append one event: a time extend first if the delta needs more than 27 bits. */
static void page_add(struct page_writer *w, const struct tev *e)
{
	uint64_t delta = e->ts - w->last;
	uint8_t *d = w->p + PHDR + w->len;

	if (delta >= DELTA_MAX) {
		put32(d, TYPE_EXTEND | (uint32_t)(delta & (DELTA_MAX - 1)) << 5);
		put32(d + 4, (uint32_t)(delta >> 27));
		d += 8;
		w->len += 8;
		delta = 0;
	}
	put32(d, TYPE_LEN | (uint32_t)delta << 5);
	put16(d + 4, EV_ID);			/* common_type */
	d[6] = 0;				/* common_flags */
	d[7] = 0;				/* common_preempt_count */
	put32(d + 8, 100 + e->cpu);		/* common_pid */
	put64(d + 12, e->seq);
	w->len += 4 + EV_SIZE;
	w->last = e->ts;
	w->nr++;
}

static void page_finish(struct page_writer *w, const struct cpu_spec *cs, int page)
{
	uint64_t flags = 0, lost = 0, commit = 0;

	for (int i = 0; i < cs->nr_opts; i++) {
		if (cs->opts[i].page == page) {
			flags = cs->opts[i].flags;
			lost = cs->opts[i].lost;
			commit = cs->opts[i].commit;
		}
	}
	put64(w->p + 8, commit ? commit : w->len | flags);
	if (flags & RB_MISSED_STORED)
		put64(w->p + PHDR + w->len, lost);	/* the count follows the data */
}

/* One frame through libxtrace's writer (frame.c), noting where it went for the tests. */
static int flush_frame(struct xt_frame_writer *fw, const uint8_t *pages, int nr_pages,
		       struct cpu_spec *cs, int nr_events)
{
	off_t at = lseek(fw->fd, 0, SEEK_CUR);
	long w;

	if (cs->nr_frames >= MAX_FRAMES)
		return -1;
	w = xt_frame_write_pages(fw, (const char *)pages, nr_pages, PSIZE);
	if (w < 0)
		return -1;
	cs->frame_off[cs->nr_frames] = at;
	cs->csize[cs->nr_frames] = w - FHDR;
	cs->frame_events[cs->nr_frames] = nr_events;
	cs->nr_frames++;
	return 0;
}

/* cpuN.xtd: the file header, then frames of pages_per_frame sub-buffers. */
static int write_cpu_file(const char *dir, int cpu, struct cpu_spec *cs)
{
	struct xt_frame_writer fw = { .fd = -1 };
	struct page_writer w = { 0 };
	uint8_t *pages = malloc((size_t)cs->pages_per_frame * PSIZE);
	char path[PATH_MAX];
	int fd = -1, ret = -1, in_frame = 0, frame_events = 0;

	cs->nr_frames = cs->nr_pages = 0;
	snprintf(path, sizeof(path), "%s/cpu%d.xtd", dir, cpu);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (!pages || fd < 0 ||
	    xt_frame_writer_init(&fw, fd, XT_FRAME_MAGIC, 1, (size_t)cs->pages_per_frame * PSIZE) ||
	    xt_cpufile_write_header(fd, cpu, PSIZE))
		goto out;

	for (int i = 0; i < cs->nr; i++) {
		struct tev *e = &cs->ev[i];

		if (w.p && (w.nr == cs->ev_per_page ||
			    PHDR + w.len + record_room(&w, e->ts) + 8 > PSIZE)) {
			page_finish(&w, cs, cs->nr_pages++);
			w.p = NULL;
			if (++in_frame == cs->pages_per_frame) {
				if (flush_frame(&fw, pages, in_frame, cs, frame_events))
					goto out;
				in_frame = frame_events = 0;
			}
		}
		if (!w.p) {
			page_start(&w, pages + (size_t)in_frame * PSIZE, e->ts);
			e->first = true;
		}
		e->cpu = cpu;
		e->frame = cs->nr_frames;
		e->page = cs->nr_pages;
		page_add(&w, e);
		frame_events++;
	}
	if (w.p) {
		page_finish(&w, cs, cs->nr_pages++);
		in_frame++;
	}
	if (in_frame && flush_frame(&fw, pages, in_frame, cs, frame_events))
		goto out;
	ret = 0;
out:
	if (fd >= 0 && close(fd))
		ret = -1;
	xt_frame_writer_free(&fw);
	free(pages);
	return ret;
}

static int mkdirs(const char *dir, const char *sub)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

/* A complete two-CPU data directory (@major: the metadata's format version). */
static int make_recording(const char *dir, struct cpu_spec *cs, int major)
{
	struct xtrace_cpu_meta cpus[2] = { { .recorded = true }, { .recorded = true } };
	struct xtrace_meta m = {
		.major = major,
		.minor = 0,
		.tool = "test-reader",
		.hostname = "unit-test",
		.kernel = "6.1.0-test",
		.arch = "x86_64",
		.nr_cpus = 2,
		.long_size = 8,
		.page_size = PSIZE,
		.timestamp = "tod",
		.trace_clock = "boot",
		.mode = "stream",
		.buffer_kb = 1024,
		.cpus = "0-1",
		.events = "test:tick",
		.command = "true",
		.exit_status = 0,
		.start_tod = TOD0,
		.end_tod = TOD0 + 10 * (int64_t)NS,
		.complete = true,
		.recorder_pid = 1,
		.instance = "xtrace-1",
		.chrony_start = "unavailable",
		.chrony_end = "unavailable",
		.chrony_error_ns = -1,
		.cpu = cpus,
	};

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	for (int c = 0; c < 2; c++)
		cpus[c].events = cs[c].nr;
	if (xtrace_meta_write(dir, &m) || mkdirs(dir, "formats") || mkdirs(dir, "formats/test") ||
	    tu_write_file(dir, "formats/header_page", header_page, strlen(header_page)) ||
	    tu_write_file(dir, "formats/header_event", header_event, strlen(header_event)) ||
	    tu_write_file(dir, "formats/test/tick", tick_format, strlen(tick_format)) ||
	    tu_write_file(dir, "clock", clock_text, strlen(clock_text)))
		return -1;
	for (int c = 0; c < 2; c++) {
		if (write_cpu_file(dir, c, &cs[c]))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ the events */

#define NR0	300
#define NR1	200

static struct tev ev0[NR0], ev1[NR1];
static struct cpu_spec spec[2];
static uint64_t lost_pages[2];		/* sub-buffers the reader should skip (< 64) */
static char *base;
static int rec_nr;
static char rec_dir[1024];

/*
 * CPU 0 every 20 ms, CPU 1 every 30 ms with a 500 ms gap (time extends) in the
 * middle: from 1 s to 7.5 s, before, between and after the clock samples, with
 * equal timestamps on both CPUs every 60 ms.
 */
static void default_spec(void)
{
	memset(ev0, 0, sizeof(ev0));
	memset(ev1, 0, sizeof(ev1));
	for (int i = 0; i < NR0; i++) {
		ev0[i].ts = 1 * NS + i * 20 * MS;
		ev0[i].seq = i;
	}
	for (int i = 0; i < NR1; i++) {
		ev1[i].ts = 1 * NS + i * 30 * MS + (i >= 100 ? 500 * MS : 0);
		ev1[i].seq = 1000000 + i;
	}
	memset(spec, 0, sizeof(spec));
	lost_pages[0] = lost_pages[1] = 0;
	/* cpu0: 19 sub-buffers in 5 frames; cpu1: 13 in 4 */
	spec[0] = (struct cpu_spec){ .ev = ev0, .nr = NR0, .ev_per_page = 16,
				     .pages_per_frame = 4 };
	spec[1] = (struct cpu_spec){ .ev = ev1, .nr = NR1, .ev_per_page = 16,
				     .pages_per_frame = 4 };
}

/* A fresh recording of the current spec in a new directory. */
static int new_recording(void)
{
	snprintf(rec_dir, sizeof(rec_dir), "%s/rec%d", base, rec_nr++);
	return make_recording(rec_dir, spec, XTRACE_FORMAT_MAJOR);
}

static char *cpu_path(int cpu)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/cpu%d.xtd", rec_dir, cpu);
	return path;
}

static unsigned int warnings;

static void count_log(enum xtrace_log_level level, const char *msg, void *ctx)
{
	(void)msg; (void)ctx;
	if (level <= XTRACE_LOG_WARNING)
		warnings++;
}

static int suite_init(void)
{
	base = tu_mkdtemp();
	xtrace_set_log(count_log, NULL);
	return base ? 0 : -1;
}

static int suite_clean(void)
{
	int ret = tu_rm_rf(base);

	xtrace_set_log(NULL, NULL);
	free(base);
	base = NULL;
	return ret;
}

/* ------------------------------------------------------------ checking */

struct expect {
	const struct tev *ev;
	int64_t tod;
	int source;
};

static int cmp_expect(const void *a, const void *b)
{
	const struct expect *x = a, *y = b;

	if (x->tod != y->tod)
		return x->tod < y->tod ? -1 : 1;
	if (x->source != y->source)
		return x->source - y->source;
	if (x->ev->cpu != y->ev->cpu)
		return x->ev->cpu - y->ev->cpu;
	return x->ev->seq < y->ev->seq ? -1 : x->ev->seq > y->ev->seq;
}

static unsigned long long field_of(struct xtrace_rec *rec, struct tep_record *r, const char *name)
{
	struct tep_event *e = tep_find_event_by_name(xtrace_rec_tep(rec), "test", "tick");
	struct tep_format_field *f = e ? tep_find_any_field(e, name) : NULL;
	unsigned long long v = ~0ULL;

	if (!f || tep_read_number_field(f, r->data, &v))
		return ~0ULL;
	return v;
}

/*
 * Iterate @recs and compare with what the spec says, less the frames in
 * @lost[cpu] (a bit per frame) and the CPUs not in @cpus. Returns the number of
 * events seen; *damage gets the iterator's count.
 */
static int check_iteration(struct xtrace_rec **recs, int nr_recs, const struct xtrace_cpuset *cpus,
			   const uint64_t *lost, unsigned int *damage)
{
	struct expect *want = calloc((size_t)(NR0 + NR1) * nr_recs, sizeof(*want));
	struct xtrace_iter *it;
	struct xtrace_event *ev;
	int n = 0, seen = 0, bad = 0;

	if (!want) {
		CU_FAIL("out of memory");
		return -1;
	}
	for (int s = 0; s < nr_recs; s++) {
		for (int c = 0; c < 2; c++) {
			if (cpus && !xtrace_cpuset_has(cpus, c))
				continue;
			for (int i = 0; i < spec[c].nr; i++) {
				const struct tev *e = &spec[c].ev[i];

				if (lost && e->frame < 64 && (lost[c] >> e->frame & 1))
					continue;
				if (e->page < 64 && (lost_pages[c] >> e->page & 1))
					continue;
				want[n++] = (struct expect){ e, expected_tod(e->ts), s };
			}
		}
	}
	qsort(want, n, sizeof(*want), cmp_expect);

	it = xtrace_iter_new(recs, nr_recs, cpus);
	CU_ASSERT_PTR_NOT_NULL(it);
	if (!it) {
		free(want);
		return -1;
	}
	while (xtrace_iter_next(it, &ev) == 1) {
		const struct expect *w = &want[seen];
		bool ok;

		if (seen >= n) {
			seen++;
			bad++;
			continue;
		}
		ok = ev->cpu == w->ev->cpu && ev->ts == w->ev->ts && ev->tod == w->tod &&
		     ev->source == w->source && ev->rec == recs[w->source] &&
		     ev->record && ev->record->cpu == ev->cpu && ev->record->ts == ev->ts &&
		     ev->record->size == EV_SIZE &&
		     field_of(ev->rec, ev->record, "seq") == w->ev->seq &&
		     field_of(ev->rec, ev->record, "common_pid") == (unsigned)(100 + ev->cpu) &&
		     tep_data_type(xtrace_rec_tep(ev->rec), ev->record) == EV_ID &&
		     ev->missed == 0 && !ev->missed_unknown;
		if (!ok && !bad)
			fprintf(stderr, "\n  event %d: got cpu %d ts %llu tod %lld src %d "
				"seq %llu; "
				"want cpu %d ts %llu tod %lld src %d seq %llu ", seen, ev->cpu,
				(unsigned long long)ev->ts, (long long)ev->tod, ev->source,
				field_of(ev->rec, ev->record, "seq"), w->ev->cpu,
				(unsigned long long)w->ev->ts, (long long)w->tod, w->source,
				(unsigned long long)w->ev->seq);
		bad += !ok;
		seen++;
	}
	if (seen != n)
		fprintf(stderr, "\n  %d events, want %d ", seen, n);
	CU_ASSERT_EQUAL(seen, n);
	CU_ASSERT_EQUAL(bad, 0);
	/* the end is sticky */
	CU_ASSERT_EQUAL(xtrace_iter_next(it, &ev), 0);
	*damage = xtrace_iter_damage(it);
	xtrace_iter_free(it);
	free(want);
	return seen;
}

/* Open the current recording, iterate it and check; returns the damage count. */
static unsigned int open_and_check(const uint64_t *lost, int *seen)
{
	struct xtrace_rec *rec = xtrace_rec_open(rec_dir);
	unsigned int damage = ~0u;
	int n;

	if (!rec)
		fprintf(stderr, "\n  xtrace_rec_open('%s'): %s ", rec_dir, strerror(errno));
	CU_ASSERT_PTR_NOT_NULL(rec);
	if (!rec)
		return damage;
	n = check_iteration(&rec, 1, NULL, lost, &damage);
	if (seen)
		*seen = n;
	xtrace_rec_close(rec);
	return damage;
}

static int frame_events_before(const struct cpu_spec *cs, int frame)
{
	int n = 0;

	for (int f = 0; f < frame; f++)
		n += cs->frame_events[f];
	return n;
}

/* -------------------------------------------------------------- tests */

static void test_layout(void)
{
	/* the writer laid the spec out as intended (guards the other tests) */
	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL(spec[0].nr_pages, 19);
	CU_ASSERT_EQUAL(spec[0].nr_frames, 5);
	CU_ASSERT_EQUAL(spec[1].nr_pages, 13);
	CU_ASSERT_EQUAL(spec[1].nr_frames, 4);
	CU_ASSERT_EQUAL(frame_events_before(&spec[0], 5), NR0);
	CU_ASSERT_EQUAL(frame_events_before(&spec[1], 4), NR1);
	CU_ASSERT_EQUAL(spec[0].frame_events[4], NR0 - 4 * 64);
	CU_ASSERT_TRUE(ev1[150].ts - ev1[0].ts > 4 * NS);
}

static void test_round_trip(void)
{
	struct xtrace_rec *rec;
	const struct xtrace_clock *clk;
	const struct xtrace_meta *m;
	unsigned int damage;
	int seen = 0;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	rec = xtrace_rec_open(rec_dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	m = xtrace_rec_meta(rec);
	CU_ASSERT_EQUAL(m->nr_cpus, 2);
	CU_ASSERT_EQUAL(m->page_size, PSIZE);
	CU_ASSERT_TRUE(m->complete);
	CU_ASSERT_STRING_EQUAL(xtrace_rec_dir(rec), rec_dir);
	clk = xtrace_rec_clock(rec);
	CU_ASSERT_EQUAL(clk->nr_samples, 2);
	CU_ASSERT_TRUE(clk->ns_units);
	CU_ASSERT_EQUAL(clk->samples[1].tod, TOD0 + 4 * (int64_t)NS + CLK_DRIFT);
	CU_ASSERT_EQUAL(clk->samples[1].err, 130);
	xtrace_rec_close(rec);

	warnings = 0;
	damage = open_and_check(NULL, &seen);
	CU_ASSERT_EQUAL(seen, NR0 + NR1);
	CU_ASSERT_EQUAL(damage, 0);
	CU_ASSERT_EQUAL(warnings, 0);
}

/* Events with equal times on both CPUs come out CPU 0 first. */
static void test_ties(void)
{
	struct xtrace_rec *rec;
	struct xtrace_iter *it;
	struct xtrace_event *ev;
	int ties = 0, bad = 0, prev_cpu = -1;
	int64_t prev_tod = INT64_MIN;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	rec = xtrace_rec_open(rec_dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	it = xtrace_iter_new(&rec, 1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	while (xtrace_iter_next(it, &ev) == 1) {
		if (ev->tod < prev_tod)
			bad++;
		if (ev->tod == prev_tod) {
			ties++;
			if (!(prev_cpu == 0 && ev->cpu == 1))
				bad++;
		}
		prev_tod = ev->tod;
		prev_cpu = ev->cpu;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(ties >= 50);	/* the spec has ~100 */
	xtrace_iter_free(it);
	xtrace_rec_close(rec);
}

/* Only the CPUs asked for; two recordings merge by (tod, source, cpu). */
static void test_cpuset_and_sources(void)
{
	struct xtrace_rec *recs[2];
	struct xtrace_cpuset only1;
	unsigned int damage;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	recs[0] = xtrace_rec_open(rec_dir);
	recs[1] = xtrace_rec_open(rec_dir);
	CU_ASSERT_FATAL(recs[0] && recs[1]);

	CU_ASSERT_EQUAL(xtrace_cpuset_parse("1", &only1), 0);
	CU_ASSERT_EQUAL(check_iteration(recs, 1, &only1, NULL, &damage), NR1);
	CU_ASSERT_EQUAL(damage, 0);

	CU_ASSERT_EQUAL(check_iteration(recs, 2, NULL, NULL, &damage), 2 * (NR0 + NR1));
	CU_ASSERT_EQUAL(damage, 0);

	xtrace_rec_close(recs[0]);
	xtrace_rec_close(recs[1]);
}

/* (a) a file cut in the middle of its last frame */
static void test_truncated_last_frame(void)
{
	uint64_t lost[2] = { 0, 0 };
	unsigned int damage;
	int last, seen;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	last = spec[0].nr_frames - 1;
	CU_ASSERT_EQUAL_FATAL(truncate(cpu_path(0), spec[0].frame_off[last] + FHDR +
				       spec[0].csize[last] / 2), 0);
	lost[0] = 1ULL << last;
	warnings = 0;
	damage = open_and_check(lost, &seen);
	CU_ASSERT_EQUAL(seen, frame_events_before(&spec[0], last) + NR1);
	CU_ASSERT_EQUAL(damage, 1);
	CU_ASSERT_TRUE(warnings >= 1);
}

/* ... in the middle of the last frame's header, and exactly between frames */
static void test_truncated_header_and_boundary(void)
{
	uint64_t lost[2] = { 0, 0 };
	unsigned int damage;
	int last1;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	last1 = spec[1].nr_frames - 1;
	CU_ASSERT_EQUAL_FATAL(truncate(cpu_path(1), spec[1].frame_off[last1] + 10), 0);
	lost[1] = 1ULL << last1;
	damage = open_and_check(lost, NULL);
	CU_ASSERT_EQUAL(damage, 1);

	/* a file that ends on a whole frame is not damaged: it just has fewer events */
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(truncate(cpu_path(1), spec[1].frame_off[last1]), 0);
	damage = open_and_check(lost, NULL);
	CU_ASSERT_EQUAL(damage, 0);

	/* nothing but the file header */
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(truncate(cpu_path(1), sizeof(struct xt_cpu_header)), 0);
	lost[1] = ~0ULL;
	damage = open_and_check(lost, NULL);
	CU_ASSERT_EQUAL(damage, 0);
}

static int flip_bytes(const char *path, off_t off, int n)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	uint8_t b[16];
	int ret = -1;

	if (fd < 0 || n > (int)sizeof(b))
		goto out;
	if (pread(fd, b, n, off) != n)
		goto out;
	for (int i = 0; i < n; i++)
		b[i] ^= 0x5a;
	if (pwrite(fd, b, n, off) != n)
		goto out;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* (b) corrupt zstd data in a frame that is not the last: that frame is skipped */
static void test_corrupt_frame_skipped(void)
{
	uint64_t lost[2] = { 0, 0 };
	unsigned int damage;
	int seen;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	/* cpu0 frame 1 in the middle of its data, cpu1 frame 0 (the first read) */
	CU_ASSERT_EQUAL_FATAL(flip_bytes(cpu_path(0), spec[0].frame_off[1] + FHDR +
					 spec[0].csize[1] / 2, 4), 0);
	CU_ASSERT_EQUAL_FATAL(flip_bytes(cpu_path(1), spec[1].frame_off[0] + FHDR +
					 spec[1].csize[0] - 6, 2), 0);
	lost[0] = 1ULL << 1;
	lost[1] = 1ULL << 0;
	warnings = 0;
	damage = open_and_check(lost, &seen);
	CU_ASSERT_EQUAL(seen, NR0 - spec[0].frame_events[1] + NR1 - spec[1].frame_events[0]);
	CU_ASSERT_EQUAL(damage, 2);
	CU_ASSERT_TRUE(warnings >= 2);
}

/* (c) a frame header without its magic ends that CPU, not the other */
static void test_corrupt_frame_header(void)
{
	uint64_t lost[2] = { 0, 0 };
	unsigned int damage;
	int seen;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(flip_bytes(cpu_path(0), spec[0].frame_off[2], 1), 0);
	lost[0] = ~0ULL << 2;
	warnings = 0;
	damage = open_and_check(lost, &seen);
	CU_ASSERT_EQUAL(seen, frame_events_before(&spec[0], 2) + NR1);
	CU_ASSERT_EQUAL(damage, 1);
	CU_ASSERT_TRUE(warnings >= 1);
}

/* A CPU file missing or not a CPU file: the other CPU is still read. */
static void test_bad_cpu_file(void)
{
	uint64_t lost[2] = { 0, ~0ULL };
	unsigned int damage;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(unlink(cpu_path(1)), 0);
	damage = open_and_check(lost, NULL);
	CU_ASSERT_EQUAL(damage, 1);

	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(flip_bytes(cpu_path(1), 0, 1), 0);	/* file magic */
	damage = open_and_check(lost, NULL);
	CU_ASSERT_EQUAL(damage, 1);

	/* the file of another CPU */
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(flip_bytes(cpu_path(1), offsetof(struct xt_cpu_header, cpu), 1), 0);
	damage = open_and_check(lost, NULL);
	CU_ASSERT_EQUAL(damage, 1);
}

/* (d) what xtrace_rec_open() says about things that are not recordings */
static void test_open_errors(void)
{
	char path[PATH_MAX];
	struct xtrace_rec *rec;

	snprintf(path, sizeof(path), "%s/does-not-exist", base);
	errno = 0;
	CU_ASSERT_PTR_NULL(xtrace_rec_open(path));
	CU_ASSERT_EQUAL(errno, ENOENT);

	CU_ASSERT_EQUAL_FATAL(tu_write_file(base, "plain-file", "x", 1), 0);
	snprintf(path, sizeof(path), "%s/plain-file", base);
	errno = 0;
	CU_ASSERT_PTR_NULL(xtrace_rec_open(path));
	CU_ASSERT_EQUAL(errno, ENOTDIR);

	snprintf(path, sizeof(path), "%s/empty-dir", base);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0755), 0);
	errno = 0;
	CU_ASSERT_PTR_NULL(xtrace_rec_open(path));
	CU_ASSERT_EQUAL(errno, ENOENT);

	default_spec();
	snprintf(path, sizeof(path), "%s/format9", base);
	CU_ASSERT_EQUAL_FATAL(make_recording(path, spec, 9), 0);
	errno = 0;
	rec = xtrace_rec_open(path);
	CU_ASSERT_PTR_NULL(rec);
	CU_ASSERT_EQUAL(errno, ENOTSUP);
	xtrace_rec_close(rec);

	/* malformed metadata */
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(tu_write_file(rec_dir, "xtrace.meta", "[xtrace]\nformat = 1.0\n", 22),
			      0);
	errno = 0;
	CU_ASSERT_PTR_NULL(xtrace_rec_open(rec_dir));
	CU_ASSERT_EQUAL(errno, EBADMSG);
}

/* A recording whose formats are missing is damaged (EBADMSG), not "no recording" (ENOENT). */
static void test_open_missing_formats(void)
{
	char path[PATH_MAX + 32];
	struct xtrace_rec *rec;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	snprintf(path, sizeof(path), "%s/formats/header_page", rec_dir);
	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	errno = 0;
	rec = xtrace_rec_open(rec_dir);
	CU_ASSERT_PTR_NULL(rec);
	if (errno != EBADMSG)
		fprintf(stderr, "\n  without formats/header_page: errno %s ",
			strerrorname_np(errno));
	CU_ASSERT_EQUAL(errno, EBADMSG);
	xtrace_rec_close(rec);

	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	snprintf(path, sizeof(path), "%s/formats", rec_dir);
	CU_ASSERT_EQUAL_FATAL(tu_rm_rf(path), 0);
	errno = 0;
	rec = xtrace_rec_open(rec_dir);
	CU_ASSERT_PTR_NULL(rec);
	if (errno != EBADMSG)
		fprintf(stderr, "\n  without formats/: errno %s ", strerrorname_np(errno));
	CU_ASSERT_EQUAL(errno, EBADMSG);
	xtrace_rec_close(rec);

	/* no event format at all */
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	snprintf(path, sizeof(path), "%s/formats/test", rec_dir);
	CU_ASSERT_EQUAL_FATAL(tu_rm_rf(path), 0);
	errno = 0;
	CU_ASSERT_PTR_NULL(xtrace_rec_open(rec_dir));
	CU_ASSERT_EQUAL(errno, EBADMSG);

	/* a damaged clock file */
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(tu_write_file(rec_dir, "clock", "1 2 3 4\nrubbish\n5 6 7 8\n", 24),
			      0);
	errno = 0;
	CU_ASSERT_PTR_NULL(xtrace_rec_open(rec_dir));
	CU_ASSERT_EQUAL(errno, EBADMSG);
}

/* Run @fn in a child so that a crash fails the test instead of the whole run. */
static void run_isolated(void (*fn)(void))
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid) {
		unsigned int before = CU_get_number_of_failures();

		fn();
		fflush(stderr);
		_exit(CU_get_number_of_failures() != before);
	}
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fprintf(stderr, "\n  the reader died of signal %d ", WTERMSIG(status));
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void malformed_subbuffer_child(void)
{
	unsigned int damage;
	int seen = 0;

	damage = open_and_check(NULL, &seen);
	if (damage != 1)
		fprintf(stderr, "\n  damage %u, want 1 ", damage);
	CU_ASSERT_EQUAL(damage, 1);
	CU_ASSERT_EQUAL(seen, NR0 - 16 + NR1);
}

/*
 * A sub-buffer whose commit word claims more data than the sub-buffer holds
 * (4 bytes more): "malformed sub-buffer skipped", counted as damage, and no
 * made-up events read from beyond its end.
 */
static void test_malformed_subbuffer(void)
{
	static const struct page_opt opts[] = { { 1, 0, 0, PSIZE - PHDR + 4 } };

	default_spec();
	spec[0].opts = opts;
	spec[0].nr_opts = N_(opts);
	lost_pages[0] = 1ULL << 1;
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	run_isolated(malformed_subbuffer_child);
}

/* Sub-buffers flagged RB_MISSED_EVENTS, with and without the stored count. */
static void test_lost_events(void)
{
	static const struct page_opt opts[] = {
		{ 0, RB_MISSED_EVENTS | RB_MISSED_STORED, 7, 0 },
		{ 2, RB_MISSED_EVENTS, 0, 0 },
		{ 3, RB_MISSED_EVENTS | RB_MISSED_STORED, 42, 0 },
		{ 5, RB_MISSED_EVENTS | RB_MISSED_STORED, 0x12345, 0 },
	};
	struct xtrace_rec *rec;
	struct xtrace_iter *it;
	struct xtrace_event *ev;
	int seen = 0, bad = 0, flagged = 0;

	default_spec();
	spec[0].nr = 30;			/* 6 sub-buffers of 5, frames of 4 */
	spec[0].ev_per_page = 5;
	spec[0].opts = opts;
	spec[0].nr_opts = N_(opts);
	spec[1].nr = 10;
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL(spec[0].nr_pages, 6);

	rec = xtrace_rec_open(rec_dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	it = xtrace_iter_new(&rec, 1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	while (xtrace_iter_next(it, &ev) == 1) {
		unsigned long long seq = field_of(rec, ev->record, "seq");
		unsigned int want = 0;
		bool unknown = false;
		int want_rec = 0;

		seen++;
		if (ev->cpu == 0 && seq < 30 && ev0[seq].first) {
			for (size_t i = 0; i < N_(opts); i++) {
				if (opts[i].page != ev0[seq].page)
					continue;
				unknown = !(opts[i].flags & RB_MISSED_STORED);
				want = unknown ? 0 : opts[i].lost;
				want_rec = unknown ? -1 : (int)opts[i].lost;
				flagged++;
			}
		}
		if (ev->missed != want || ev->missed_unknown != unknown ||
		    ev->record->missed_events != want_rec) {
			fprintf(stderr, "\n  cpu%d seq %llu: missed %u unknown %d record %lld; "
				"want %u %d %d ",
				ev->cpu, seq, ev->missed, ev->missed_unknown,
				(long long)ev->record->missed_events, want, unknown, want_rec);
			bad++;
		}
	}
	CU_ASSERT_EQUAL(seen, 40);
	CU_ASSERT_EQUAL(flagged, (int)N_(opts));
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(xtrace_iter_damage(it), 0);
	xtrace_iter_free(it);
	xtrace_rec_close(rec);
}

/* -------------------------------------------- the merge and its replay */

struct seen_ev {
	int source, cpu;
	uint64_t ts;
	int64_t tod;
	unsigned long long seq;
};

/* Every event of @it, in its order (at most @max): how many. */
static int collect(struct xtrace_iter *it, struct seen_ev *out, int max)
{
	struct xtrace_event *ev;
	int n = 0;

	while (xtrace_iter_next(it, &ev) == 1 && n < max)
		out[n++] = (struct seen_ev){ ev->source, ev->cpu, ev->ts, ev->tod,
					     field_of(ev->rec, ev->record, "seq") };
	return n;
}

/*
 * xtrace_merge() of two recordings and the replay of its order: the same events, in the order
 * of the heap over the two recordings (ties by source, then CPU), with the report's counts;
 * a CPU filter replays a subsequence; a cut order file ends the view where it was cut, as
 * damage.
 */
static void test_merge_replay(void)
{
	enum { MAX = 2 * (NR0 + NR1) + 1 };
	struct seen_ev *heap = calloc(MAX, sizeof(*heap)), *replay = calloc(MAX, sizeof(*replay));
	char a[1100], b[1100], out[1100], order[1200];
	char *inputs[2] = { a, b }, *names[2] = { "a", "b" }, *dirs[1] = { out };
	struct xtrace_merge_opts o = { .out = out, .inputs = inputs, .names = names,
				       .nr_inputs = 2 };
	struct xtrace_merge_meta mm;
	struct xtrace_rec *recs[2];
	struct xtrace_cpuset only1;
	struct xtrace_set set;
	struct xtrace_iter *it;
	int nh, nr, bad, k;
	struct stat st;

	CU_ASSERT_FATAL(heap && replay);
	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	snprintf(a, sizeof(a), "%s", rec_dir);
	/* the second system: CPU 1's events 7 ms later, so the two interleave unevenly */
	for (int i = 0; i < NR1; i++)
		ev1[i].ts += 7 * MS;
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	snprintf(b, sizeof(b), "%s", rec_dir);
	snprintf(out, sizeof(out), "%s/merged%d", base, rec_nr++);

	CU_ASSERT_EQUAL_FATAL(xtrace_merge(&o, &mm), 0);
	CU_ASSERT_TRUE(mm.complete);
	CU_ASSERT_EQUAL(mm.nr_sources, 2);
	CU_ASSERT_EQUAL(mm.events, 2 * (NR0 + NR1));
	CU_ASSERT_STRING_EQUAL(mm.sources[0].name, "a");
	CU_ASSERT_EQUAL(mm.sources[1].events, NR0 + NR1);
	CU_ASSERT_EQUAL(mm.sources[0].damage + mm.sources[1].damage, 0);
	xtrace_merge_meta_free(&mm);

	recs[0] = xtrace_rec_open(a);
	recs[1] = xtrace_rec_open(b);
	CU_ASSERT_FATAL(recs[0] && recs[1]);
	it = xtrace_iter_new(recs, 2, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	nh = collect(it, heap, MAX);
	xtrace_iter_free(it);
	CU_ASSERT_EQUAL(nh, 2 * (NR0 + NR1));

	CU_ASSERT_EQUAL_FATAL(xtrace_set_open(dirs, 1, &set, &bad), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(set.order);
	CU_ASSERT_EQUAL(set.nr, 2);
	CU_ASSERT_STRING_EQUAL(xtrace_rec_name(set.recs[1]), "b");
	it = xtrace_set_iter(&set, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	nr = collect(it, replay, MAX);
	CU_ASSERT_EQUAL(xtrace_iter_damage(it), 0);
	xtrace_iter_free(it);
	CU_ASSERT_EQUAL(nr, nh);
	CU_ASSERT_EQUAL(memcmp(heap, replay, nh * sizeof(*heap)), 0);

	/* CPU 1 only: the replay's subsequence of CPU 1's events */
	CU_ASSERT_EQUAL(xtrace_cpuset_parse("1", &only1), 0);
	it = xtrace_set_iter(&set, &only1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	nr = collect(it, replay, MAX);
	xtrace_iter_free(it);
	k = 0;
	for (int i = 0; i < nh; i++)
		if (heap[i].cpu == 1 && k < nr && !memcmp(&heap[i], &replay[k], sizeof(*heap)))
			k++;
	CU_ASSERT_EQUAL(k, nr);
	CU_ASSERT_EQUAL(nr, 2 * NR1);

	/* the order cut inside its only frame (a frame holds 1 MiB of runs): nothing of that
	 * frame is replayed, and the view says the order is damaged */
	snprintf(order, sizeof(order), "%s/order", out);
	CU_ASSERT_EQUAL_FATAL(stat(order, &st), 0);
	CU_ASSERT_EQUAL_FATAL(truncate(order, st.st_size - 5), 0);
	warnings = 0;
	it = xtrace_set_iter(&set, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	nr = collect(it, replay, MAX);
	CU_ASSERT_EQUAL(xtrace_iter_damage(it), 1);
	CU_ASSERT_EQUAL(warnings, 1);
	xtrace_iter_free(it);
	CU_ASSERT_EQUAL(nr, 0);

	xtrace_set_close(&set);
	xtrace_rec_close(recs[0]);
	xtrace_rec_close(recs[1]);
	free(heap);
	free(replay);
}

/* ------------------------------------------- xt_subbuf_times vs kbuffer */

struct wpage {
	unsigned char b[PSIZE];
	size_t used;			/* data bytes */
};

static uint64_t wrnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static bool wput(struct wpage *p, uint32_t v)
{
	if (p->used + 4 > PSIZE - PHDR)
		return false;
	v = htole32(v);
	memcpy(p->b + PHDR + p->used, &v, 4);
	p->used += 4;
	return true;
}

static void wfinish(struct wpage *p, uint64_t ts0)
{
	uint64_t t = htole64(ts0), c = htole64(p->used);

	memcpy(p->b, &t, 8);
	memcpy(p->b + 8, &c, 8);
}

/* kbuffer's times for a sub-buffer: how many into @ts */
static int kbuffer_times(struct kbuffer *kb, unsigned char *page, int64_t *ts)
{
	unsigned long long t;
	int n = 0;

	CU_ASSERT_FATAL(kbuffer_load_subbuffer(kb, page) == 0);
	for (void *d = kbuffer_read_event(kb, &t); d; d = kbuffer_next_event(kb, &t))
		ts[n++] = (int64_t)t;
	return n;
}

/*
 * Random well-formed sub-buffers of data records of every length (type_len
 * 1-28 and 0 with the length word) and time extends: the walker gives exactly
 * kbuffer's times. Each record kind that it leaves to kbuffer makes it say -1.
 */
static void test_subbuf_times(void)
{
	struct kbuffer *kb = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
	int64_t want[PSIZE / 4], got[PSIZE / 4];
	uint64_t seed = 42;
	struct wpage p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(kb);
	for (int round = 0; round < 2000; round++) {
		int events = 0;

		memset(&p, 0, sizeof(p));
		for (bool room = true; room;) {
			uint64_t r = wrnd(&seed);
			uint32_t delta = (uint32_t)(r >> 40) & (DELTA_MAX - 1);

			if (r % 8 == 0) {		/* time extend */
				room = p.used + 8 <= PSIZE - PHDR &&
				       wput(&p, TYPE_EXTEND | delta << 5) &&
				       wput(&p, (uint32_t)(r >> 8) & 0xffffff);
			} else if (r % 8 == 1) {	/* long record: type_len 0 */
				uint32_t words = 29 + (uint32_t)(r >> 16) % 40;

				room = p.used + 8 + 4 * words <= PSIZE - PHDR;
				if (room) {
					wput(&p, delta << 5);
					wput(&p, 4 + 4 * words);
					for (uint32_t i = 0; i < words; i++)
						wput(&p, (uint32_t)r);
					events++;
				}
			} else {
				uint32_t tl = 1 + (uint32_t)(r >> 16) % 28;

				room = p.used + 4 + 4 * tl <= PSIZE - PHDR;
				if (room) {
					wput(&p, tl | (r % 4 ? delta % 5000 : delta) << 5);
					for (uint32_t i = 0; i < tl; i++)
						wput(&p, (uint32_t)(r >> 3));
					events++;
				}
			}
		}
		wfinish(&p, round * 1000000007ULL);
		CU_ASSERT_EQUAL(kbuffer_times(kb, p.b, want), events);
		CU_ASSERT_EQUAL_FATAL(xt_subbuf_times((char *)p.b, p.used, got), events);
		CU_ASSERT(!memcmp(want, got, events * sizeof(*got)));
	}

	/* an empty sub-buffer */
	memset(&p, 0, sizeof(p));
	wfinish(&p, 5);
	CU_ASSERT_EQUAL(xt_subbuf_times((char *)p.b, 0, got), 0);

	/* what only kbuffer reads, after a good record: -1 */
	static const uint32_t bad[][4] = {
		{ 29 | 7 << 5, 8, 1 | 1 << 5, 7 },	/* padding: a discarded event */
		{ 29, 0, 1 | 1 << 5, 7 },		/* padding without a delta */
		{ 31 | 3 << 5, 1, 1 | 1 << 5, 7 },	/* an absolute time stamp */
		{ 0 | 3 << 5, 6, 1 | 1 << 5, 7 },	/* a length that is not whole words */
		{ 0 | 3 << 5, 2, 1 | 1 << 5, 7 },	/* a length shorter than its word */
		{ 0 | 3 << 5, 4000, 1 | 1 << 5, 7 },	/* longer than the sub-buffer */
	};
	for (size_t i = 0; i < N_(bad); i++) {
		memset(&p, 0, sizeof(p));
		wput(&p, 2 | 10 << 5);
		wput(&p, 1);
		wput(&p, 2);
		for (int k = 0; k < 4; k++)
			wput(&p, bad[i][k]);
		wfinish(&p, 100);
		CU_ASSERT_EQUAL(xt_subbuf_times((char *)p.b, p.used, got), -1);
	}
	/* records cut by the end of the data: a short record, a time extend, a length word */
	static const struct { uint32_t w[2]; size_t size; } cut[] = {
		{ { 4 | 1 << 5, 0 }, 12 },	/* needs 20 bytes */
		{ { TYPE_EXTEND, 1 }, 12 },	/* its second word beyond */
		{ { 0 | 1 << 5, 16 }, 12 },	/* the length word beyond */
	};
	for (size_t i = 0; i < N_(cut); i++) {
		memset(&p, 0, sizeof(p));
		wput(&p, 1 | 10 << 5);
		wput(&p, 1);
		wput(&p, cut[i].w[0]);
		wput(&p, cut[i].w[1]);
		wfinish(&p, 100);
		CU_ASSERT_EQUAL(xt_subbuf_times((char *)p.b, cut[i].size, got), -1);
	}
	kbuffer_free(kb);
}

int add_reader_suite(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "reader: the test writer's layout", test_layout },
		{ "reader: round trip, time order, tod", test_round_trip },
		{ "reader: equal times come out by cpu", test_ties },
		{ "reader: cpu filter and two recordings", test_cpuset_and_sources },
		{ "reader: truncated in the last frame", test_truncated_last_frame },
		{ "reader: truncated in a header or between frames",
		  test_truncated_header_and_boundary },
		{ "reader: a corrupt zstd frame is skipped", test_corrupt_frame_skipped },
		{ "reader: a corrupt frame header ends that cpu", test_corrupt_frame_header },
		{ "reader: a missing or foreign cpu file", test_bad_cpu_file },
		{ "reader: xtrace_rec_open errors", test_open_errors },
		{ "reader: missing formats or a bad clock file are EBADMSG",
		  test_open_missing_formats },
		{ "reader: a sub-buffer with an impossible commit is skipped",
		  test_malformed_subbuffer },
		{ "reader: lost events flags and counts", test_lost_events },
		{ "reader: the merge's sub-buffer walker gives kbuffer's times", test_subbuf_times },
		{ "merge: xtrace_merge() and its replay, filtered and cut", test_merge_replay },
	};
	CU_pSuite s = CU_add_suite("reader", suite_init, suite_clean);

	if (!s)
		return -1;
	for (size_t i = 0; i < N_(tests); i++) {
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	}
	return 0;
}

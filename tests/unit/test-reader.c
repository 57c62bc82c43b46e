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

#include "reader.h"
#include "tu.h"

int add_reader_suite(void);


#define N_(a)		(sizeof(a) / sizeof((a)[0]))
#define MS		1000000ULL
#define NS		1000000000ULL
#define TOD0		1700000000000000000LL

#define PSIZE		4096		/* sub-buffer size */
#define PHDR		16		/* u64 timestamp, u64 commit (long_size 8) */
#define WHDR		(8 + lay.ls)	/* the writer's: u64 timestamp, commit of long_size */
#define EV_ID		1500		/* common_type of test/tick */
#define EV_SIZE		16		/* its payload: 8 common bytes + u64 seq */
#define TYPE_LEN	(EV_SIZE / 4)
#define TYPE_EXTEND	30
#define DELTA_MAX	(1u << 27)
#define RB_MISSED_EVENTS	(1ULL << 31)
#define RB_MISSED_STORED	(1ULL << 30)
#define MAX_FRAMES	64
#define FHDR		sizeof(struct xt_frame_header)

/*
 * The recorded kernel's layout: x86_64's by default; tests of 32-bit and big-endian kernels
 * change it (default_spec() sets it back).
 */
static struct {
	int ls;			/* long_size: of the commit word and the lost-events count */
	bool big;		/* big-endian words and record headers */
} lay = { 8, false };

/* What tracefs shows in events/header_page (x86_64: %d 8, 8, 16, 4080) and events/header_event. */
static const char header_page_fmt[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:%d;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:%d;\tsize:%d;\tsigned:0;\n";

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
	bool gone;		/* behind a hostile record (page_opt.poison): not readable */
};

/* Hostile records, each in place of an event's record. */
enum poison {
	POISON_NONE,
	POISON_BACK,		/* type_len 0, its length word back to the page's first record */
	POISON_PAD_BACK,	/* padding whose length goes back to the first record */
	POISON_PAST,		/* type_len 0, a length past the sub-buffer */
	POISON_NEGATIVE,	/* type_len 0, length word 0: an event of -4 bytes for kbuffer */
	POISON_EXTEND_CUT,	/* a time extend whose second word is past the commit */
};

/* The missed-events flags of one sub-buffer (its index in the CPU file), or its damage. */
struct page_opt {
	int page;
	uint64_t flags;
	uint64_t lost;
	uint64_t commit;	/* if not 0: the commit word as is (a malformed sub-buffer) */
	enum poison poison;	/* the record of event poison_at of the page becomes hostile */
	int poison_at;
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

/* Sub-buffer words in the recorded kernel's byte order. */
static void put16(uint8_t *p, uint16_t v)
{
	v = lay.big ? htobe16(v) : htole16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = lay.big ? htobe32(v) : htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = lay.big ? htobe64(v) : htole64(v);
	memcpy(p, &v, 8);
}

static void put_long(uint8_t *p, uint64_t v)
{
	if (lay.ls == 4)
		put32(p, (uint32_t)v);
	else
		put64(p, v);
}

/* A record header: type_len in the low 5 bits of the word, or the high 5 when big-endian. */
static uint32_t rec_word(uint32_t type_len, uint32_t delta)
{
	return lay.big ? type_len << 27 | delta : type_len | delta << 5;
}

#define PAGE_EVENTS_MAX	256

struct page_writer {
	uint8_t *p;
	size_t len;		/* bytes of records after the header */
	uint64_t last;		/* timestamp of the last record */
	int nr;
	struct tev *ev[PAGE_EVENTS_MAX];	/* its events, */
	size_t off[PAGE_EVENTS_MAX];	/* their records' offsets in the data */
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
static void page_add(struct page_writer *w, struct tev *e)
{
	uint64_t delta = e->ts - w->last;
	uint8_t *d = w->p + WHDR + w->len;

	if (delta >= DELTA_MAX) {
		put32(d, rec_word(TYPE_EXTEND, (uint32_t)(delta & (DELTA_MAX - 1))));
		put32(d + 4, (uint32_t)(delta >> 27));
		d += 8;
		w->len += 8;
		delta = 0;
	}
	w->ev[w->nr] = e;
	w->off[w->nr] = w->len;
	put32(d, rec_word(TYPE_LEN, (uint32_t)delta));
	put16(d + 4, EV_ID);			/* common_type */
	d[6] = 0;				/* common_flags */
	d[7] = 0;				/* common_preempt_count */
	put32(d + 8, 100 + e->cpu);		/* common_pid */
	put64(d + 12, e->seq);
	w->len += 4 + EV_SIZE;
	w->last = e->ts;
	w->nr++;
}

/* Replace the record at @off of the data by a hostile one (its events and the rest are gone). */
static void page_poison(struct page_writer *w, enum poison kind, int at)
{
	uint8_t *d = w->p + WHDR + w->off[at];
	uint32_t off = w->off[at];

	switch (kind) {
	case POISON_BACK:
		put32(d, rec_word(0, 0));
		put32(d + 4, (uint32_t)-(off + 4));	/* kbuffer: next = off + 8 + len - 4 = 0 */
		break;
	case POISON_PAD_BACK:
		put32(d, rec_word(29, 1));
		put32(d + 4, (uint32_t)-(off + 4));	/* kbuffer: next = off + 4 + len = 0 */
		break;
	case POISON_PAST:
		put32(d, rec_word(0, 0));
		put32(d + 4, 1u << 20);
		break;
	case POISON_NEGATIVE:
		put32(d, rec_word(0, 0));
		put32(d + 4, 0);
		break;
	case POISON_EXTEND_CUT:
		put32(d, rec_word(TYPE_EXTEND, 1));
		w->len = off + 4;		/* the commit ends after its first word */
		break;
	case POISON_NONE:
		return;
	}
	for (int i = at; i < w->nr; i++)
		w->ev[i]->gone = true;
}

static void page_finish(struct page_writer *w, const struct cpu_spec *cs, int page)
{
	uint64_t flags = 0, lost = 0, commit = 0;

	for (int i = 0; i < cs->nr_opts; i++) {
		if (cs->opts[i].page == page) {
			flags = cs->opts[i].flags;
			lost = cs->opts[i].lost;
			commit = cs->opts[i].commit;
			if (cs->opts[i].poison_at < w->nr)
				page_poison(w, cs->opts[i].poison, cs->opts[i].poison_at);
		}
	}
	put_long(w->p + 8, commit ? commit : w->len | flags);
	if (flags & RB_MISSED_STORED)
		put_long(w->p + WHDR + w->len, lost);	/* the count follows the data */
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

		if (w.p && (w.nr == cs->ev_per_page || w.nr == PAGE_EVENTS_MAX ||
			    WHDR + w.len + record_room(&w, e->ts) + 8 > PSIZE)) {
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
		.long_size = lay.ls,
		.page_size = PSIZE,
		.big_endian = lay.big,
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

	char header_page[sizeof(header_page_fmt) + 32];

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(header_page, sizeof(header_page), header_page_fmt, lay.ls, 8 + lay.ls,
		 PSIZE - 8 - lay.ls);
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
	lay.ls = 8;
	lay.big = false;
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
				if ((e->page < 64 && (lost_pages[c] >> e->page & 1)) || e->gone)
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

static int set_nr_pages(const char *path, off_t frame, uint32_t nr)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int ret = fd >= 0 && pwrite(fd, &nr, 4, frame + offsetof(struct xt_frame_header,
								nr_pages)) == 4 ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * A frame header claiming more sub-buffers than its bytes can decompress to, or than any
 * writer makes: skipped without allocating it, the next frame read.
 */
static void test_frame_too_big(void)
{
	static const uint32_t claims[] = { 100000, 1u << 19 };	/* 400 MB; 2 GiB */
	uint64_t lost[2] = { 1ULL << 1, 0 };

	for (size_t i = 0; i < N_(claims); i++) {
		struct xt_frame_reader fr;
		struct stat st;
		int fd, seen = 0;

		default_spec();
		CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
		CU_ASSERT_EQUAL_FATAL(set_nr_pages(cpu_path(0), spec[0].frame_off[1], claims[i]),
				      0);
		CU_ASSERT_EQUAL(open_and_check(lost, &seen), 1);
		CU_ASSERT_EQUAL(seen, NR0 - spec[0].frame_events[1] + NR1);

		fd = open(cpu_path(0), O_RDONLY | O_CLOEXEC);
		CU_ASSERT_FATAL(fd >= 0 && !fstat(fd, &st));
		xt_frame_reader_init(&fr, fd, spec[0].frame_off[1], st.st_size);
		CU_ASSERT_EQUAL(xt_frame_read(&fr, XT_FRAME_MAGIC, 1u << 20, PSIZE),
				XT_FRAME_CORRUPT);
		CU_ASSERT_TRUE(fr.ocap < (1 << 20));
		CU_ASSERT_EQUAL(fr.off, spec[0].frame_off[2]);
		xt_frame_reader_free(&fr);
		close(fd);
	}
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
	static const struct page_opt opts[] = { { 1, 0, 0, PSIZE - PHDR + 4, POISON_NONE, 0 } };

	default_spec();
	spec[0].opts = opts;
	spec[0].nr_opts = N_(opts);
	lost_pages[0] = 1ULL << 1;
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	run_isolated(malformed_subbuffer_child);
}

/* Formats libtraceevent 1.7.1's parser dies on (found by tests/fuzz/fuzz-formats.c). */
static const char *const parser_killers[] = {
	"name: c\nID: 3\nformat:\n\n\nprint fmt: \"\",R[6];",
	"name: h\nID: 9\nformat:\n\n\nprint fmt: \"\",e?__print_flags(REC->r",
};

/* An event whose field lies beyond the largest record a sub-buffer holds. */
static const char far_field[] =
	"name: far\n"
	"ID: 1501\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:u64 x;\toffset:4088;\tsize:8;\tsigned:0;\n"
	"\n"
	"print fmt: \"x=%llu\", REC->x\n";

/* Events that divide by a field: printed, they would divide by zero (SIGFPE). */
static const char *const dividers[] = {
	"name: div\nID: 1502\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:u64 x;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 y;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"%llu %llu\", REC->x / REC->y, (REC->x + 1) % ((u64)REC->y)\n",
	/* a field the event lacks reads as 0 */
	"name: mod\nID: 1503\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:int vector;\toffset:8;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"vector=%d\", REC->ve%tor\n",
};

/* What the kernel's formats do: divide by constants. */
static const char divides_by_constants[] =
	"name: constdiv\nID: 1504\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
	"\tfield:u64 x;\toffset:8;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"%llu %llu %llu\", REC->x / 1000L, REC->x % 64, REC->x / (u64)0x10\n";

static void hostile_formats_child(void)
{
	struct tep_handle *tep;
	struct xtrace_rec *rec;
	unsigned int damage;
	int seen = 0;

	warnings = 0;
	rec = xtrace_rec_open(rec_dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	CU_ASSERT_EQUAL(warnings, N_(parser_killers) + 1 + N_(dividers));
	tep = xtrace_rec_tep(rec);
	for (int id = 1502; id <= 1504; id++) {
		struct tep_event *e = tep_find_event(tep, id);
		uint64_t data[4] = { htole64(id), 7, 0, 0 };
		struct tep_record r = { .data = data, .size = sizeof(data) };
		struct trace_seq q;

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(!!(e->flags & TEP_EVENT_FL_FAILED), id != 1504);
		trace_seq_init(&q);
		tep_print_event(tep, &q, &r, "%s", TEP_PRINT_INFO);
		trace_seq_destroy(&q);
	}
	CU_ASSERT_PTR_NULL(tep_find_event_by_name(xtrace_rec_tep(rec), "bad", "far"));
	CU_ASSERT_PTR_NOT_NULL(tep_find_event_by_name(xtrace_rec_tep(rec), "test", "tick"));
	xtrace_rec_close(rec);
	damage = open_and_check(NULL, &seen);
	CU_ASSERT_EQUAL(damage, 0);
	CU_ASSERT_EQUAL(seen, NR0 + NR1);
}

/*
 * Formats that kill libtraceevent's parser, and an event with a field no record can hold:
 * left out with a warning each, the recording read. Events that divide by a field are printed
 * as raw fields (libtraceevent evaluated the division: SIGFPE), those dividing by constants
 * as their formats say.
 */
static void test_hostile_formats(void)
{
	char name[32];

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(mkdirs(rec_dir, "formats/bad"), 0);
	for (size_t i = 0; i < N_(parser_killers); i++) {
		snprintf(name, sizeof(name), "formats/bad/killer%zu", i);
		CU_ASSERT_EQUAL_FATAL(tu_write_file(rec_dir, name, parser_killers[i],
						    strlen(parser_killers[i])), 0);
	}
	CU_ASSERT_EQUAL_FATAL(tu_write_file(rec_dir, "formats/bad/far", far_field,
					    strlen(far_field)), 0);
	for (size_t i = 0; i < N_(dividers); i++) {
		snprintf(name, sizeof(name), "formats/bad/divider%zu", i);
		CU_ASSERT_EQUAL_FATAL(tu_write_file(rec_dir, name, dividers[i],
						    strlen(dividers[i])), 0);
	}
	CU_ASSERT_EQUAL_FATAL(tu_write_file(rec_dir, "formats/bad/constdiv", divides_by_constants,
					    strlen(divides_by_constants)), 0);
	run_isolated(hostile_formats_child);
}

/*
 * Times at the ends of int64_t: a merge offset beyond them saturates every time (it wrapped,
 * undefined); a recording whose clock puts its events 8e18 ns before 1970 merges with one of
 * today (the gap between them overflowed). A clock file without a sample reads as none.
 * Under check-asan, UBSan checks the arithmetic.
 */
static void test_absurd_times(void)
{
	static const char far_clock[] = "2000000000 -8000000000000000000 0 0\n";
	static const char no_samples[] = "# trace_clock_ns utc_ns error_ns flags\n";
	char a[sizeof(rec_dir)], b[sizeof(rec_dir)], out[sizeof(rec_dir) + 8];
	char *inputs[] = { a, b }, *names[] = { "near", "far" };
	struct xtrace_merge_opts o = { .out = out, .inputs = inputs, .names = names,
				       .nr_inputs = 2 };
	struct xtrace_merge_meta m;
	struct xtrace_event *ev;
	struct xtrace_rec *rec;
	struct xtrace_iter *it;
	int n = 0, bad = 0;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	snprintf(a, sizeof(a), "%s", rec_dir);
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	snprintf(b, sizeof(b), "%s", rec_dir);
	CU_ASSERT_EQUAL_FATAL(tu_write_file(b, "clock", far_clock, strlen(far_clock)), 0);

	rec = xtrace_rec_open(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	CU_ASSERT_EQUAL(xt_rec_set_source(rec, "a", INT64_MAX), 0);
	it = xtrace_iter_new(&rec, 1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	for (; xtrace_iter_next(it, &ev) == 1; n++)
		bad += ev->tod != INT64_MAX;
	CU_ASSERT_EQUAL(n, NR0 + NR1);
	CU_ASSERT_EQUAL(bad, 0);
	xtrace_iter_free(it);
	xtrace_rec_close(rec);

	snprintf(out, sizeof(out), "%s/merged", base);
	CU_ASSERT_EQUAL_FATAL(xtrace_merge(&o, &m), 0);
	CU_ASSERT_EQUAL(m.events, 2 * (NR0 + NR1));
	CU_ASSERT_EQUAL(m.nr_sources, 2);
	if (m.nr_sources == 2) {
		CU_ASSERT_TRUE(m.sources[1].first < -7900000000000000000LL);
		CU_ASSERT_TRUE(m.sources[0].first > 0);
	}
	xtrace_merge_meta_free(&m);

	CU_ASSERT_EQUAL_FATAL(tu_write_file(a, "clock", no_samples, strlen(no_samples)), 0);
	rec = xtrace_rec_open(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	CU_ASSERT_EQUAL(xtrace_rec_clock(rec)->nr_samples, 0);
	xtrace_rec_close(rec);
}

/* Replay a merged directory: the events shown and the damage. */
static int replay_count(const char *dir, unsigned int *damage)
{
	char *dirs[] = { (char *)dir };
	struct xtrace_event *ev;
	struct xtrace_iter *it;
	struct xtrace_set set;
	int bad, n = 0;

	*damage = ~0u;
	if (xtrace_set_open(dirs, 1, &set, &bad))
		return -1;
	it = xtrace_set_iter(&set, NULL);
	while (it && xtrace_iter_next(it, &ev) == 1)
		n++;
	if (it)
		*damage = xtrace_iter_damage(it);
	xtrace_iter_free(it);
	xtrace_set_close(&set);
	return it ? n : -1;
}

/* An order file whose header is not of the directory's streams orders nothing (damage). */
static void test_order_header(void)
{
	char out[sizeof(rec_dir) + 16], order[sizeof(out) + 8];
	char *inputs[] = { rec_dir };
	struct xtrace_merge_opts o = { .out = out, .inputs = inputs, .nr_inputs = 1 };
	unsigned int damage;
	uint32_t streams = 3;
	int fd;

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	snprintf(out, sizeof(out), "%s/merged%d", base, rec_nr);
	snprintf(order, sizeof(order), "%s/order", out);
	CU_ASSERT_EQUAL_FATAL(xtrace_merge(&o, NULL), 0);
	CU_ASSERT_EQUAL(replay_count(out, &damage), NR0 + NR1);
	CU_ASSERT_EQUAL(damage, 0);

	fd = open(order, O_WRONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(pwrite(fd, &streams, 4, offsetof(struct xt_order_header, nr_streams)), 4);
	close(fd);
	CU_ASSERT_EQUAL(replay_count(out, &damage), 0);
	CU_ASSERT_EQUAL(damage, 1);
}

/* xtrace_field_data(): static fields, __data_loc and __rel_loc arrays, against record sizes. */
static void test_field_data(void)
{
	static const char fmt[] =
		"name: strs\nID: 1600\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
		"\tfield:u64 x;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:__data_loc char[] a;\toffset:16;\tsize:4;\tsigned:0;\n"
		"\tfield:__rel_loc char[] b;\toffset:20;\tsize:4;\tsigned:0;\n\n"
		"print fmt: \"%s %s\", __get_str(a), __get_rel_str(b)\n";
	struct tep_handle *tep = tep_alloc();
	struct tep_event *ev = NULL;
	struct tep_format_field *x, *a, *b;
	uint32_t data[16] = { 0 };
	struct tep_record r = { .data = data, .size = 40 };
	const char *p;
	unsigned int len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tep);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	CU_ASSERT_EQUAL_FATAL(tep_parse_format(tep, &ev, fmt, strlen(fmt), "test"), 0);
	x = tep_find_field(ev, "x");
	a = tep_find_field(ev, "a");
	b = tep_find_field(ev, "b");
	CU_ASSERT_FATAL(x && a && b);

	data[4] = htole32(6u << 16 | 24);		/* a: 6 bytes at 24 */
	data[5] = htole32(4u << 16 | 10);		/* b: 4 bytes at 24 + 10 */
	p = xtrace_field_data(x, &r, &len);
	CU_ASSERT_PTR_EQUAL(p, (char *)data + 8);
	CU_ASSERT_EQUAL(len, 8);
	CU_ASSERT_PTR_EQUAL(xtrace_field_data(a, &r, &len), (char *)data + 24);
	CU_ASSERT_EQUAL(len, 6);
	CU_ASSERT_PTR_EQUAL(xtrace_field_data(b, &r, &len), (char *)data + 34);
	CU_ASSERT_EQUAL(len, 4);

	/* the same record cut short: each field fits or not */
	r.size = 37;
	CU_ASSERT_PTR_NULL(xtrace_field_data(b, &r, NULL));
	CU_ASSERT_PTR_NOT_NULL(xtrace_field_data(a, &r, NULL));
	r.size = 15;
	CU_ASSERT_PTR_NULL(xtrace_field_data(x, &r, NULL));
	CU_ASSERT_PTR_NULL(xtrace_field_data(a, &r, NULL));
	r.size = -1;
	CU_ASSERT_PTR_NULL(xtrace_field_data(x, &r, NULL));

	/* a location word pointing past the record, or with a length beyond it */
	r.size = 40;
	data[4] = htole32(1u << 16 | 40);
	CU_ASSERT_PTR_NULL(xtrace_field_data(a, &r, NULL));
	data[4] = htole32(0xffffu << 16 | 24);
	CU_ASSERT_PTR_NULL(xtrace_field_data(a, &r, NULL));
	data[4] = htole32(0u << 16 | 40);		/* empty, at the very end: fits */
	CU_ASSERT_PTR_NOT_NULL(xtrace_field_data(a, &r, &len));
	CU_ASSERT_EQUAL(len, 0);
	tep_free(tep);
}

static void printk_child(void)
{
	struct xtrace_rec *rec = xtrace_rec_open(rec_dir);

	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	xtrace_rec_load_symbols(rec);
	xtrace_rec_close(rec);
}

/*
 * printk_formats lines libtraceevent reads outside of (no ':', or a format shorter than the
 * three characters it strips): left out. Under check-asan, ASan saw the reads.
 */
static void test_printk_formats(void)
{
	static const char text[] = "0xffffffff8234aef8 : \"CPU_ON\"\n0xffffffff8234aef9\n"
				   "0x1 : \"a\"\n0x2 : x\n::\n0x3 :";

	default_spec();
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	CU_ASSERT_EQUAL_FATAL(tu_write_file(rec_dir, "printk_formats", text, strlen(text)), 0);
	run_isolated(printk_child);
}

/* Sub-buffers flagged RB_MISSED_EVENTS, with and without the stored count, in a layout. */
static void lost_events_in(int long_size, bool big)
{
	static const struct page_opt opts[] = {
		{ 0, RB_MISSED_EVENTS | RB_MISSED_STORED, 7, 0, POISON_NONE, 0 },
		{ 2, RB_MISSED_EVENTS, 0, 0, POISON_NONE, 0 },
		{ 3, RB_MISSED_EVENTS | RB_MISSED_STORED, 42, 0, POISON_NONE, 0 },
		{ 5, RB_MISSED_EVENTS | RB_MISSED_STORED, 0x12345, 0, POISON_NONE, 0 },
	};
	struct xtrace_rec *rec;
	struct xtrace_iter *it;
	struct xtrace_event *ev;
	int seen = 0, bad = 0, flagged = 0;

	default_spec();
	lay.ls = long_size;
	lay.big = big;
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

/* The layouts of 64- and 32-bit kernels, little- and big-endian. */
static const struct {
	int ls;
	bool big;
} layouts[] = { { 8, false }, { 4, false }, { 8, true }, { 4, true } };

static void test_lost_events(void)
{
	for (size_t i = 0; i < N_(layouts); i++)
		lost_events_in(layouts[i].ls, layouts[i].big);
}

/*
 * The merge's decoder (xt_iter_decode(): the walker, or kbuffer with
 * XTRACE_MERGE_KBUFFER=1) on the current recording: how many event times it gives, in order
 * per stream; -1 if they are out of order or it fails.
 */
static long decoded_count(bool kbuffer_only)
{
	struct xt_tods t = { 0 };
	struct xtrace_rec *rec;
	struct xtrace_iter *it;
	long n = 0;

	if (kbuffer_only)
		setenv("XTRACE_MERGE_KBUFFER", "1", 1);
	rec = xtrace_rec_open(rec_dir);
	it = rec ? xt_iter_new_full(&rec, 1, NULL, NULL, true) : NULL;
	unsetenv("XTRACE_MERGE_KBUFFER");
	if (!it)
		n = -1;
	for (int i = 0; it && i < xt_iter_nr_streams(it) && n >= 0; i++) {
		int64_t last = INT64_MIN;
		int got;

		while (n >= 0 && (got = xt_iter_decode(it, i, &t)) > 0) {
			for (int k = 0; k < got; k++, last = t.tod[k - 1])
				if (t.tod[k] < last)
					n = -1;
			n += n >= 0 ? got : 0;
		}
		if (got < 0)
			n = -1;
	}
	xtrace_iter_free(it);
	xtrace_rec_close(rec);
	free(t.tod);
	return n;
}

/* Every layout reads back whole, in the view's iterator and in the merge's decoder. */
static void test_layouts(void)
{
	for (size_t i = 0; i < N_(layouts); i++) {
		unsigned int damage;
		int seen = 0;

		default_spec();
		lay.ls = layouts[i].ls;
		lay.big = layouts[i].big;
		CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
		warnings = 0;
		damage = open_and_check(NULL, &seen);
		if (seen != NR0 + NR1 || damage || warnings)
			fprintf(stderr, "\n  long_size %d %s-endian: %d events, damage %u ",
				lay.ls, lay.big ? "big" : "little", seen, damage);
		CU_ASSERT_EQUAL(seen, NR0 + NR1);
		CU_ASSERT_EQUAL(damage, 0);
		CU_ASSERT_EQUAL(warnings, 0);
		CU_ASSERT_EQUAL(decoded_count(false), NR0 + NR1);
		CU_ASSERT_EQUAL(decoded_count(true), NR0 + NR1);
	}
}

static int count_readable(void)
{
	int n = 0;

	for (int c = 0; c < 2; c++)
		for (int i = 0; i < spec[c].nr; i++)
			n += !spec[c].ev[i].gone && !(lost_pages[c] >> spec[c].ev[i].page & 1);
	return n;
}

static void hostile_records_child(void)
{
	static const enum poison kinds[] = { POISON_BACK, POISON_PAD_BACK, POISON_PAST,
					     POISON_NEGATIVE, POISON_EXTEND_CUT };

	alarm(60);	/* kbuffer once walked such records forever */
	for (size_t l = 0; l < N_(layouts); l++) {
		for (size_t k = 0; k < N_(kinds); k++) {
			/* cpu0: the middle of its third sub-buffer; cpu1: its first record */
			const struct page_opt opts0[] = { { 2, 0, 0, 0, kinds[k], 5 } };
			const struct page_opt opts1[] = { { 0, 0, 0, 0, kinds[k], 0 } };
			unsigned int damage;
			int seen = 0, want;

			default_spec();
			lay.ls = layouts[l].ls;
			lay.big = layouts[l].big;
			spec[0].opts = opts0;
			spec[0].nr_opts = 1;
			spec[1].opts = opts1;
			spec[1].nr_opts = 1;
			CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
			want = count_readable();
			CU_ASSERT_EQUAL(want, NR0 + NR1 - (16 - 5) - 16);
			damage = open_and_check(NULL, &seen);
			if (seen != want || damage != 2)
				fprintf(stderr, "\n  long_size %d %s-endian, hostile record %d: %d "
					"events of %d, damage %u ", lay.ls, lay.big ? "big" : "little",
					kinds[k], seen, want, damage);
			CU_ASSERT_EQUAL(seen, want);
			CU_ASSERT_EQUAL(damage, 2);
			CU_ASSERT_EQUAL(decoded_count(false), want);
			CU_ASSERT_EQUAL(decoded_count(true), want);
		}
	}
}

/*
 * A record whose length or padding points backwards, past the sub-buffer, or gives an event a
 * negative size, in every layout: the records before it are read, the rest of its sub-buffer
 * is skipped (damage), and nothing hangs.
 */
static void test_hostile_records(void)
{
	run_isolated(hostile_records_child);
}

static void big_endian_commit_child(void)
{
	unsigned int damage;
	int seen = 0;

	damage = open_and_check(NULL, &seen);
	CU_ASSERT_EQUAL(damage, 1);
	CU_ASSERT_EQUAL(seen, NR0 - 16 + NR1);
	CU_ASSERT_EQUAL(decoded_count(false), NR0 - 16 + NR1);
}

/*
 * A big-endian 32-bit commit word of 16 MiB, 1 when read little-endian: the check once read
 * it little-endian and let kbuffer, which reads it big-endian, past the sub-buffer.
 */
static void test_big_endian_commit(void)
{
	static const struct page_opt opts[] = { { 1, 0, 0, 1u << 24, POISON_NONE, 0 } };

	default_spec();
	lay.ls = 4;
	lay.big = true;
	spec[0].opts = opts;
	spec[0].nr_opts = N_(opts);
	lost_pages[0] = 1ULL << 1;
	CU_ASSERT_EQUAL_FATAL(new_recording(), 0);
	run_isolated(big_endian_commit_child);
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
		{ "reader: a frame larger than its bytes can hold is skipped", test_frame_too_big },
		{ "reader: a missing or foreign cpu file", test_bad_cpu_file },
		{ "reader: xtrace_rec_open errors", test_open_errors },
		{ "reader: missing formats or a bad clock file are EBADMSG",
		  test_open_missing_formats },
		{ "reader: a sub-buffer with an impossible commit is skipped",
		  test_malformed_subbuffer },
		{ "reader: lost events flags and counts, in every layout", test_lost_events },
		{ "reader: 32-bit and big-endian kernels' sub-buffers", test_layouts },
		{ "reader: hostile records: the rest of the sub-buffer skipped, no hang",
		  test_hostile_records },
		{ "reader: a big-endian commit word is checked as kbuffer reads it",
		  test_big_endian_commit },
		{ "reader: formats that kill the parser or cannot fit are left out",
		  test_hostile_formats },
		{ "reader: xtrace_field_data() checks fields against the record",
		  test_field_data },
		{ "reader: times at the ends of int64_t saturate", test_absurd_times },
		{ "reader: an order of other streams orders nothing", test_order_header },
		{ "reader: printk_formats lines libtraceevent misreads are left out",
		  test_printk_formats },
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

// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-view: print recordings in time order, one event a line:
 *
 *   TIME HOST CPU EVENT [key]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xtrace.h"
#include "tool.h"
#include "names.h"

#define PROG "xtrace-view"

static const char *const usage_text[] = {
	"usage: xtrace-view [options] DIR...",
	"",
	"Print the events of one or more recordings in time order, one a line:",
	"TIME HOST CPU EVENT [key]. DIR is a recording or a merged directory",
	"(xtrace-multi-merge); several DIRs are interleaved by time of day.",
	"",
	"  -t, --time FORMAT    utc (2026-11-22T13:45:01.123456789, default), short",
	"                       (seconds of the minute: 01.123456789), epoch (UTC seconds),",
	"                       rel (seconds since the recording started), raw (trace clock)",
	"  -c, --cpus CPUS      only events of these CPUs (e.g. 0,2-3)",
	"  -v, --verbose        add every field of each event: comm-pid system:event name=value...",
	"  -i, --info           print what the recording is (host, clock, events, counts) and exit",
	"  -q, --quiet          no warnings (damage still sets the exit status)",
	"  -h, --help           this text",
	"  -V, --version        print the version",
	"",
	"Exit status: 0 ok, 1 a recording is missing or damaged (what is readable is printed),",
	"2 usage.",
	NULL,
};

enum time_fmt { T_UTC, T_SHORT, T_EPOCH, T_REL, T_RAW };

struct view_opts {
	char **dirs;
	int nr_dirs;
	enum time_fmt time;
	struct xtrace_cpuset cpus;
	bool have_cpus;
	bool verbose;
	bool info;
	bool quiet;
};




static const char *open_error(int err)
{
	switch (err) {
	case ENOENT:
		return "not a recording (no xtrace.meta)";
	case EBADMSG:
		return "damaged recording (malformed metadata or formats)";
	default:
		return strerror(err);
	}
}

static void open_failed(const char *dir, int err)
{
	struct xtrace_meta m;

	if (err == ENOTSUP && xtrace_meta_read(dir, &m) == -ENOTSUP) {
		fprintf(stderr, PROG ": '%s' has format version %d.%d, newer than this "
			"xtrace-view reads (%d.x): upgrade xtrace\n", dir, m.major, m.minor,
			XTRACE_FORMAT_MAJOR);
		return;
	}
	if (err == ENOENT && access(dir, F_OK))
		fprintf(stderr, PROG ": cannot open '%s': %s\n", dir, strerror(ENOENT));
	else
		fprintf(stderr, PROG ": cannot open '%s': %s\n", dir, open_error(err));
}

/* ---------------------------------------------------------------- output */

struct out {
	char buf[1 << 16];
	size_t len;
	bool failed;
};

static void out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, stdout) != o->len)
		o->failed = true;
	o->len = 0;
}

static char *put_u(char *p, unsigned long long v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

struct timefmt {
	enum time_fmt fmt;
	long long cached_sec;
	char cached[32];
	size_t cached_len;
};

static char *put_time(struct timefmt *tf, const struct xtrace_event *ev, int64_t start, char *p)
{
	long long sec, ns;
	int64_t t;

	switch (tf->fmt) {
	case T_RAW:
		return put_u(p, ev->ts, 1);
	case T_REL:
		t = ev->tod - start;
		if (t < 0) {
			*p++ = '-';
			t = -t;
		}
		p = put_u(p, t / 1000000000LL, 1);
		*p++ = '.';
		return put_u(p, t % 1000000000LL, 9);
	default:
		break;
	}
	sec = ev->tod / 1000000000LL;
	ns = ev->tod % 1000000000LL;
	if (ns < 0) {
		ns += 1000000000LL;
		sec--;
	}
	if (sec != tf->cached_sec) {
		time_t s = sec;
		struct tm tm;

		tf->cached_sec = sec;
		gmtime_r(&s, &tm);
		if (tf->fmt == T_UTC)
			tf->cached_len = strftime(tf->cached, sizeof(tf->cached), "%Y-%m-%dT%H:%M:%S",
						  &tm);
		else if (tf->fmt == T_SHORT)
			tf->cached_len = snprintf(tf->cached, sizeof(tf->cached), "%02d", tm.tm_sec);
		else
			tf->cached_len = snprintf(tf->cached, sizeof(tf->cached), "%lld", sec);
	}
	memcpy(p, tf->cached, tf->cached_len);
	p += tf->cached_len;
	*p++ = '.';
	return put_u(p, ns, 9);
}

struct source {
	struct xtrace_rec *rec;
	struct namer *namer;
	char host[64];
	uint64_t lost;
	bool lost_unknown;
};

static int print_events(struct view_opts *o, struct source *src, struct xtrace_set *set)
{
	struct timefmt tf = { .fmt = o->time, .cached_sec = -1 };
	struct out *out = malloc(sizeof(*out));
	struct xtrace_iter *it;
	struct xtrace_event *ev;
	int64_t start = INT64_MAX;
	unsigned int damage;
	int ret;

	if (!out)
		return -ENOMEM;
	out->len = 0;
	out->failed = false;
	for (int i = 0; i < set->nr; i++) {
		const struct xtrace_meta *m = xtrace_rec_meta(set->recs[i]);

		if (m->start_tod && m->start_tod + xtrace_rec_offset(set->recs[i]) < start)
			start = m->start_tod + xtrace_rec_offset(set->recs[i]);
	}
	it = xtrace_set_iter(set, o->have_cpus ? &o->cpus : NULL);
	if (!it) {
		free(out);
		return -errno;
	}
	while ((ret = xtrace_iter_next(it, &ev)) > 0) {
		struct source *s = &src[ev->source];
		char *p, *head;
		size_t room;

		if (out->len > sizeof(out->buf) - 8192)
			out_flush(out);
		head = p = out->buf + out->len;
		p = put_time(&tf, ev, start, p);
		*p++ = ' ';
		p = stpcpy(p, s->host);
		*p++ = ' ';
		p = put_u(p, ev->cpu, 1);
		*p++ = ' ';
		if (ev->missed || ev->missed_unknown) {
			/* the kernel says events were lost just before this one */
			size_t hl = p - head;

			if (ev->missed_unknown)
				p = stpcpy(p, "LOST_EVENTS [unknown]\n");
			else {
				p = stpcpy(p, "LOST_EVENTS [");
				p = put_u(p, ev->missed, 1);
				p = stpcpy(p, "]\n");
			}
			s->lost += ev->missed;
			s->lost_unknown |= ev->missed_unknown;
			memmove(p, head, hl);
			p += hl;
		}
		room = out->buf + sizeof(out->buf) - p - 2;
		p += namer_format(s->namer, ev, p, room > 4096 ? 4096 : room);
		if (o->verbose) {
			*p++ = ' ';
			*p++ = ' ';
			room = out->buf + sizeof(out->buf) - p - 2;
			p += namer_fields(s->namer, ev, p, room > 4096 ? 4096 : room);
		}
		*p++ = '\n';
		out->len = p - out->buf;
	}
	out_flush(out);
	damage = xtrace_iter_damage(it);
	xtrace_iter_free(it);
	ret = out->failed ? -EIO : (damage ? -EBADMSG : 0);
	free(out);
	return ret;
}

static void print_info(struct source *s)
{
	const struct xtrace_meta *m = xtrace_rec_meta(s->rec);
	const struct xtrace_clock *clk = xtrace_rec_clock(s->rec);
	uint32_t maxerr = 0;
	int steps = 0;

	for (size_t i = 0; i < clk->nr_samples; i++) {
		if (clk->samples[i].err > maxerr)
			maxerr = clk->samples[i].err;
		if (i && xtrace_clock_is_step(clk, &clk->samples[i - 1], &clk->samples[i]))
			steps++;
	}
	printf("recording   %s (format %d.%d, %s)\n", xtrace_rec_dir(s->rec), m->major, m->minor,
	       m->complete ? "complete" : "INCOMPLETE: the recorder did not stop cleanly");
	if (m->error)
		printf("error       %s\n", m->error);
	printf("host        %s (Linux %s, %s, %d CPUs)\n", m->hostname, m->kernel ? m->kernel : "?",
	       m->arch ? m->arch : "?", m->nr_cpus);
	printf("start       %lld.%09lld UTC s\n", (long long)(m->start_tod / 1000000000LL),
	       (long long)(m->start_tod % 1000000000LL));
	if (m->end_tod)
		printf("duration    %.6f s\n", (m->end_tod - m->start_tod) / 1e9);
	printf("timestamps  %s (trace clock %s; %zu clock samples, error <= %u ns; %d steps)\n",
	       m->timestamp, m->trace_clock ? m->trace_clock : "?", clk->nr_samples, maxerr, steps);
	printf("chrony      start: %s\n", m->chrony_start ? m->chrony_start : "unknown");
	printf("            end:   %s\n", m->chrony_end ? m->chrony_end : "unknown");
	if (m->chrony_error_ns >= 0)
		printf("            error bound %lld ns\n", (long long)m->chrony_error_ns);
	printf("mode        %s, %llu KiB per CPU, CPUs %s\n", m->mode ? m->mode : "?",
	       (unsigned long long)m->buffer_kb, m->cpus ? m->cpus : "?");
	printf("events      %s\n", m->events ? m->events : "");
	printf("command     %s", m->command ? m->command : "");
	if (m->exit_status >= 0)
		printf(" (exit status %d)", m->exit_status);
	printf("\n%-5s %12s %10s %10s %12s %12s\n", "cpu", "events", "overrun", "dropped",
	       "raw bytes", "disk bytes");
	for (int c = 0; c < m->nr_cpus; c++) {
		const struct xtrace_cpu_meta *cm = &m->cpu[c];

		if (!cm->recorded)
			continue;
		printf("%-5d %12llu %10llu %10llu %12llu %12llu\n", c,
		       (unsigned long long)cm->events, (unsigned long long)cm->overrun,
		       (unsigned long long)cm->dropped, (unsigned long long)cm->bytes_raw,
		       (unsigned long long)cm->bytes_disk);
	}
}

static void print_merge_info(const char *dir)
{
	struct xtrace_merge_meta mm;

	if (xtrace_merge_meta_read(dir, &mm))
		return;
	printf("merged      %s (format %d.%d, %s): %d systems, %llu events\n", dir, mm.major,
	       mm.minor, mm.complete ? "complete" : "INCOMPLETE", mm.nr_sources,
	       (unsigned long long)mm.events);
	if (mm.error)
		printf("error       %s\n", mm.error);
	printf("typical gap %lld ns between events of different systems\n",
	       (long long)mm.typical_gap);
	for (int i = 0; i < mm.nr_sources; i++) {
		const struct xtrace_merge_source *s = &mm.sources[i];

		printf("system      %s (host %s, from '%s'): %llu events, offset %lld ns, clock "
		       "error %s%lld ns, %llu lost, %u damaged\n", s->name, s->hostname, s->input,
		       (unsigned long long)s->events, (long long)s->offset,
		       s->clock_error < 0 ? "unknown, samples " : "",
		       (long long)(s->clock_error < 0 ? s->sample_error :
				   s->clock_error + s->sample_error),
		       (unsigned long long)s->lost, s->damage);
	}
	for (int i = 0; i < mm.nr_warnings; i++)
		printf("warning     %s\n", mm.warnings[i]);
	xtrace_merge_meta_free(&mm);
}

static int run_xtrace_view(struct view_opts *o)
{
	struct xtrace_set set;
	struct source *src = NULL;
	int status = 0, ret, bad = 0;

	ret = xtrace_set_open(o->dirs, o->nr_dirs, &set, &bad);
	if (ret) {
		open_failed(o->dirs[bad], -ret);
		return 1;
	}
	src = calloc(set.nr, sizeof(*src));
	if (!src) {
		xtrace_set_close(&set);
		return 1;
	}
	for (int i = 0; i < set.nr; i++) {
		const struct xtrace_meta *m = xtrace_rec_meta(set.recs[i]);
		const char *name = xtrace_rec_name(set.recs[i]);

		src[i].rec = set.recs[i];
		snprintf(src[i].host, sizeof(src[i].host), "%.*s", (int)strcspn(name, ". \t"), name);
		if (!m->complete && !o->quiet && !o->info)
			fprintf(stderr, PROG ": warning: '%s' is incomplete (%s); showing what "
				"was saved\n", xtrace_rec_dir(set.recs[i]), m->error ? m->error :
				"the recorder did not stop cleanly");
		src[i].namer = namer_new(set.recs[i]);
		if (!src[i].namer) {
			status = 1;
			goto out;
		}
		if (o->verbose)
			xtrace_rec_load_symbols(set.recs[i]);
	}
	if (o->info) {
		for (int i = 0; i < o->nr_dirs; i++)
			if (xtrace_dir_is_merged(o->dirs[i]) == 1)
				print_merge_info(o->dirs[i]);
		for (int i = 0; i < set.nr; i++) {
			printf("\n");
			print_info(&src[i]);
		}
		goto out;
	}
	ret = print_events(o, src, &set);
	if (ret == -EIO) {
		fprintf(stderr, PROG ": write failure on standard output\n");
		status = 1;
	} else if (ret == -EBADMSG) {
		fprintf(stderr, PROG ": some data was damaged and skipped; every readable event "
			"was shown\n");
		status = 1;
	} else if (ret) {
		fprintf(stderr, PROG ": cannot read the recordings: %s\n", strerror(-ret));
		status = 1;
	}
	for (int i = 0; i < set.nr && !o->quiet; i++) {
		const struct xtrace_meta *m = xtrace_rec_meta(set.recs[i]);
		bool ovw = m->mode && !strcmp(m->mode, "overwrite");
		uint64_t overrun = xtrace_meta_lost(m);

		/* a flight recorder's gaps after each flush are its overwritten history */
		if (!ovw && (overrun || src[i].lost || src[i].lost_unknown))
			fprintf(stderr, PROG ": warning: '%s': %llu events were lost while "
				"recording (see LOST_EVENTS lines)\n", xtrace_rec_name(set.recs[i]),
				(unsigned long long)(overrun > src[i].lost ? overrun : src[i].lost));
	}
out:
	for (int i = 0; i < set.nr; i++)
		namer_free(src[i].namer);
	free(src);
	xtrace_set_close(&set);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "info", no_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const tnames[] = { "utc", "short", "epoch", "rel", "raw" };
	struct view_opts o = { .time = T_UTC };
	int c, ret;

	while ((c = getopt_long(argc, argv, "t:c:viqhV", lopts, NULL)) != -1) {
		switch (c) {
		case 't': {
			int i;

			for (i = 0; i < 5 && strcmp(optarg, tnames[i]); i++)
				;
			if (i == 5) {
				fprintf(stderr, PROG ": unknown time format '%s' "
					"(utc, short, epoch, rel, raw)\n", optarg);
				return 2;
			}
			o.time = i;
			break;
		}
		case 'c':
			if (xtrace_cpuset_parse(optarg, &o.cpus)) {
				fprintf(stderr, PROG ": invalid CPU list '%s' (e.g. 0,2-3)\n", optarg);
				return 2;
			}
			o.have_cpus = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'i':
			o.info = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			tool_usage(stdout, usage_text);
			return 0;
		case 'V':
			printf(PROG " %s\n", XTRACE_VERSION);
			return 0;
		default:
			tool_usage(stderr, usage_text);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, PROG ": no recording given\n");
		tool_usage(stderr, usage_text);
		return 2;
	}
	tool_init(PROG, o.quiet ? -1 : 0);
	o.dirs = argv + optind;
	o.nr_dirs = argc - optind;
	ret = run_xtrace_view(&o);
	return tool_exit(ret);
}

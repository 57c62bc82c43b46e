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
#include <event-parse.h>

#include "xtrace.h"
#include "tool.h"
#include "names.h"

#include "sbuf.h"
#include "view.h"

static const char *const usage_text[] = {
	"usage: xtrace-view [options] DIR...",
	"",
	"Print the events of one or more recordings in time order, one a line:",
	"TIME HOST CPU EVENT [key]. DIR is a recording, a merged directory",
	"(xtrace-multi-merge) or a trace.dat of trace-cmd record (docs/tracedat.md);",
	"several DIRs are interleaved by time of day.",
	"",
	"  -t, --time FORMAT    utc (2026-11-22T13:45:01.123456789, default), short",
	"                       (seconds of the minute: 01.123456789), epoch (UTC seconds),",
	"                       rel (seconds since the recording started), raw (trace clock)",
	"  -c, --cpu CPUS       only events of these CPUs (e.g. 0,2-3; each system's own)",
	"      --host NAMES     only these systems (comma-separated names or globs)",
	"      --pid PIDS       only events of these pids (comma-separated)",
	"  -e, --event NAMES    only these events: view names or tracepoints, globs",
	"                       (SYSCALL_*,kvm:kvm_exit,MARKER)",
	"      --from TIME      from TIME: 2026-11-22T10:00:01.5, 10:00:01.5 (the start's",
	"                       day, UTC), epoch seconds, or +1.5s / +250ms from the start",
	"      --to TIME        up to TIME (same forms)",
	"      --around T+-W    the window T-W .. T+W (also T\u00b1W), e.g. +2s+-5ms",
	"  -f, --fields LIST    fields of a line, in order: tod,rel,delta,host,cpu,pid,comm,",
	"                       event,args (default tod,host,cpu,event,args)",
	"  -F, --format FMT     text (default), json (one object a line; with --summary or",
	"                       --kvm one document), perfetto (Chrome trace-event JSON for",
	"                       ui.perfetto.dev), perfetto-proto (Perfetto's native protobuf",
	"                       trace), html (a self-contained interactive timeline)",
	"  -s, --summary        per system: event counts, span, lost events",
	"  -k, --kvm            per VM and vCPU: exits by reason (count, total, min, mean,",
	"                       p50, p99, max, worst cases), hypercall round trips, and in",
	"                       a merged view what the guest did during the longest exits",
	"      --top N          worst cases shown per reason (--kvm; default 3)",
	"  -v, --verbose        add every field of each event: comm-pid system:event name=value...",
	"  -i, --info           print what the recording is (host, clock, events, counts) and exit",
	"      --mark-uncertain end with ' ?' each line of a merged view closer to the event",
	"                       before it, of another system, than their clocks' bounds: their",
	"                       order is a guess (JSON says \"uncertain\":true always)",
	"  -q, --quiet          no warnings (damage still sets the exit status)",
	"  -h, --help           this text",
	"  -V, --version        print the version",
	"",
	"Exit status: 0 ok, 1 a recording is missing or damaged (what is readable is printed),",
	"2 usage.",
	NULL,
};

static const char *open_error(int err)
{
	switch (err) {
	case ENOENT:
		return "not a recording (no xtrace.meta)";
	case EBADMSG:
		return "damaged recording (malformed metadata or formats)";
	case ENOTDIR:
		return "neither a recording (a directory) nor a trace.dat file";
	default:
		return strerror(err);
	}
}

static void open_failed(const char *dir, int err)
{
	struct xtrace_meta m;

	if (err == ENOTSUP && xtrace_meta_read(dir, &m) == -ENOTSUP) {
		tool_error("'%s' has format version %d.%d, newer than this xtrace-view reads (%d.x): upgrade xtrace",
			   dir, m.major, m.minor,
			   XTRACE_FORMAT_MAJOR);
		return;
	}
	if (err == ENOENT && access(dir, F_OK))
		tool_error("cannot open '%s': %s", dir, strerror(ENOENT));
	else
		tool_error("cannot open '%s': %s", dir, open_error(err));
}

static const char *rec_syscall(const void *rec, long nr)
{
	return xtrace_rec_syscall_name(rec, nr);
}

/* a trace.dat of trace-cmd read as a recording (docs/tracedat.md) */
static bool from_trace_cmd(const struct xtrace_meta *m)
{
	return m->tool && !strncmp(m->tool, "trace-cmd", 9);
}

/* a trace.dat recorded without --date: its times are its trace clock's, no time of day */
static bool untimed(const struct xtrace_meta *m)
{
	return from_trace_cmd(m) && strcmp(m->timestamp, "tod");
}

static void print_info(struct source *s)
{
	const struct xtrace_meta *m = xtrace_rec_meta(s->rec);
	const struct xtrace_clock *clk = xtrace_rec_clock(s->rec);
	uint32_t maxerr = 0;
	char utc[48];
	int steps = 0;

	for (size_t i = 0; i < clk->nr_samples; i++) {
		if (clk->samples[i].err > maxerr)
			maxerr = clk->samples[i].err;
		if (i && xtrace_clock_is_step(clk, &clk->samples[i - 1], &clk->samples[i]))
			steps++;
	}
	if (from_trace_cmd(m))
		printf("recording   %s (trace.dat version %d, written by %s, %s)\n",
		       xtrace_rec_dir(s->rec), m->major, m->tool,
		       m->complete ? "complete" : "DAMAGED");
	else
		printf("recording   %s (format %d.%d, %s)\n", xtrace_rec_dir(s->rec), m->major,
		       m->minor,
		       m->complete ? "complete" : "INCOMPLETE: the recorder did not stop cleanly");
	if (m->error)
		printf("error       %s\n", m->error);
	printf("host        %s (Linux %s, %s, %d CPUs)\n", m->hostname, m->kernel ? m->kernel : "?",
	       m->arch ? m->arch : "?", m->nr_cpus);
	xtrace_format_utc(utc, sizeof(utc), m->start_tod);
	if (untimed(m))
		printf("start       %lld.%09lld s of the trace clock (no time of day)\n",
		       (long long)(m->start_tod / 1000000000LL),
		       (long long)(m->start_tod % 1000000000LL));
	else
		printf("start       %s UTC (%lld.%09lld s since the epoch)\n", utc,
		       (long long)(m->start_tod / 1000000000LL),
		       (long long)(m->start_tod % 1000000000LL));
	if (m->end_tod)
		printf("duration    %.6f s\n", xtrace_time_sub(m->end_tod, m->start_tod) / 1e9);
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

		printf("system      %s (host %s, from '%s'): %llu events, offset %lld ns, clock error %s%lld ns, %llu lost, %u damaged\n",
		       s->name, s->hostname, s->input,
		       (unsigned long long)s->events, (long long)s->offset,
		       s->clock_error < 0 ? "unknown, samples " : "",
		       (long long)(s->clock_error < 0 ? s->sample_error :
				   s->clock_error + s->sample_error),
		       (unsigned long long)s->lost, s->damage);
		printf("clock       %s: %s, offset %+.6f s, drift %+.3f ppm, bound %lld ns, %d exchanges\n",
		       s->name, s->clock_basis ?: "not mapped", s->clock_offset / 1e9,
		       s->drift_ppb / 1e3, (long long)s->clock_bound, s->exchanges);
	}
	if (mm.nr_sources > 1)
		printf("uncertain   %llu place(s) where events of two systems are closer than their clocks' bounds\n",
		       (unsigned long long)mm.uncertain);
	for (int i = 0; i < mm.nr_warnings; i++)
		printf("warning     %s\n", mm.warnings[i]);
	xtrace_merge_meta_free(&mm);
}

/* Each system's clock bound, from the merged directories it came from (-1: unknown). */
static void load_bounds(struct view *v)
{
	for (int i = 0; i < v->nr; i++)
		v->src[i].bound = -1;
	for (int d = 0; d < v->o->nr_dirs; d++) {
		struct xtrace_merge_meta mm;

		if (xtrace_dir_is_merged(v->o->dirs[d]) != 1 ||
		    xtrace_merge_meta_read(v->o->dirs[d], &mm))
			continue;
		for (int k = 0; k < mm.nr_sources; k++)
			for (int i = 0; i < v->nr; i++)
				if (!strcmp(xtrace_rec_name(v->src[i].rec), mm.sources[k].name))
					v->src[i].bound = mm.sources[k].clock_bound;
		xtrace_merge_meta_free(&mm);
	}
}

static void print_vms(struct source *s)
{
	int nr = namer_nr_vms(s->namer);

	if (nr < 0)
		return;
	for (int i = 0; i < nr; i++) {
		int pid;
		const char *name = namer_vm_name(s->namer, i, &pid);

		printf("vm          %s (qemu pid %d)\n", name, pid);
	}
}

/* Split a comma list into a NULL-terminated array (pointers into a copy). */
static char **split_list(const char *s)
{
	size_t n = 2;
	char **v, *copy, *save, *t;

	for (const char *p = s; *p; p++)
		n += *p == ',';
	v = calloc(n, sizeof(*v));
	copy = strdup(s);
	if (!v || !copy) {
		free(v);
		free(copy);
		return NULL;
	}
	n = 0;
	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		v[n++] = t;
	if (!n) {
		free(copy);
		free(v);
		return NULL;
	}
	return v;
}

static void free_list(char **v)
{
	if (v)
		free(v[0]);
	free(v);
}

static int resolve_window(struct view *v)
{
	struct view_opts *o = v->o;

	o->from = INT64_MIN;
	o->to = INT64_MAX;
	if (o->around_s && parse_window(o->around_s, v->start, &o->from, &o->to)) {
		return tool_bad_usage("invalid --around '%s' (TIME+-WIDTH, e.g. 2026-11-22T10:00:01.5+-2ms or +1.5s+-100us)",
				      o->around_s);
	}
	if (o->from_s && parse_time(o->from_s, v->start, &o->from)) {
		return tool_bad_usage("invalid time '%s' (2026-11-22T10:00:01.5, 10:00:01.5, epoch seconds, or +1.5s from the start)",
				      o->from_s);
	}
	if (o->to_s && parse_time(o->to_s, v->start, &o->to)) {
		return tool_bad_usage("invalid time '%s' (2026-11-22T10:00:01.5, 10:00:01.5, epoch seconds, or +1.5s from the start)",
				      o->to_s);
	}
	if (o->from > o->to) {
		return tool_bad_usage("the window ends before it starts");
	}
	return 0;
}

/*
 * A trace.dat recorded without --date has no time of day: its times are its trace clock's
 * (docs/tracedat.md). Say so, and print them as seconds unless -t says otherwise.
 */
static void untimed_note(struct view *v)
{
	int nr = 0;

	for (int i = 0; i < v->nr; i++) {
		const struct xtrace_meta *m = xtrace_rec_meta(v->src[i].rec);

		if (!untimed(m))
			continue;
		nr++;
		if (!v->o->quiet)
			tool_msg("note: '%s' has no time of day (trace-cmd record without --date): its times are %s of its trace clock '%s'",
				 xtrace_rec_dir(v->src[i].rec),
				 strcmp(m->timestamp, "tsc") ? "seconds" : "counts",
				 m->trace_clock);
	}
	if (nr == v->nr && v->nr) {
		set_untimed();
		if (!v->o->time_set && v->o->time == T_UTC)
			v->o->time = T_EPOCH;
	}
}

static int run_xtrace_view(struct view_opts *o)
{
	struct view v = { .o = o, .start = INT64_MAX };
	int status = 0, ret, bad = 0, nsel = 0;

	ret = xtrace_set_open(o->dirs, o->nr_dirs, &v.set, &bad);
	if (ret) {
		open_failed(o->dirs[bad], -ret);
		return 1;
	}
	v.nr = v.set.nr;
	v.src = calloc(v.nr ? v.nr : 1, sizeof(*v.src));
	if (!v.src) {
		xtrace_set_close(&v.set);
		return 1;
	}
	for (int i = 0; i < v.nr; i++) {
		struct xtrace_rec *rec = v.set.recs[i];
		const struct xtrace_meta *m = xtrace_rec_meta(rec);
		const char *name = xtrace_rec_name(rec);

		v.src[i].rec = rec;
		snprintf(v.src[i].host, sizeof(v.src[i].host), "%.*s", (int)strcspn(name, ". \t"),
			 name);
		v.src[i].selected = !o->hosts || namer_match_name(o->hosts, name) ||
				    namer_match_name(o->hosts, v.src[i].host) ||
				    namer_match_name(o->hosts, m->hostname ? m->hostname : "");
		nsel += v.src[i].selected;
		if (m->start_tod) {
			int64_t start = xtrace_time_add(m->start_tod, xtrace_rec_offset(rec));

			if (start < v.start)
				v.start = start;
		}
		if (!m->complete && !o->quiet && !o->info)
			tool_msg("warning: '%s' is incomplete (%s); showing what was saved", xtrace_rec_dir(rec), m->error ? m->error :
				 "the recorder did not stop cleanly");
		v.src[i].namer = namer_new(xtrace_rec_tep(rec), rec_syscall, rec);
		if (!v.src[i].namer) {
			status = 1;
			goto out;
		}
		namer_load_vms(v.src[i].namer, xtrace_rec_dir(rec));
		namer_set_event_filter(v.src[i].namer, o->events);
		if (o->verbose)
			xtrace_rec_load_symbols(rec);
	}
	load_bounds(&v);
	if (v.start == INT64_MAX)
		v.start = 0;
	untimed_note(&v);
	if (o->hosts && !nsel) {
		struct sbuf names = { 0 };

		for (int i = 0; i < v.nr; i++)
			sb_printf(&names, " %s", xtrace_rec_name(v.src[i].rec));
		tool_error("no system matches --host '%s'; the systems are:%s", o->hosts[0],
			   names.buf ? names.buf : "");
		sb_release(&names);
		status = 2;
		goto out;
	}
	status = resolve_window(&v);
	if (status)
		goto out;
	if (o->info) {
		for (int i = 0; i < o->nr_dirs; i++)
			if (xtrace_dir_is_merged(o->dirs[i]) == 1)
				print_merge_info(o->dirs[i]);
		for (int i = 0; i < v.nr; i++) {
			printf("\n");
			print_info(&v.src[i]);
			print_vms(&v.src[i]);
		}
		goto out;
	}
	if (o->summary)
		ret = run_summary(&v);
	else if (o->kvm)
		ret = run_kvm(&v);
	else if (o->format == F_PERFETTO)
		ret = run_perfetto(&v);
	else if (o->format == F_HTML)
		ret = run_html(&v);
	else if (o->format == F_PERFETTO_PROTO)
		ret = run_perfetto_proto(&v);
	else
		ret = print_events(&v);
	if (ret == -EIO) {
		tool_error("write failure on standard output");
		status = 1;
	} else if (ret == -E2BIG) {
		status = 1;	/* too large for the page: said */
	} else if (ret == -EBADMSG) {
		tool_error("some data was damaged and skipped; every readable event was shown");
		status = 1;
	} else if (ret) {
		tool_error("cannot read the recordings: %s", strerror(-ret));
		status = 1;
	}
	for (int i = 0; i < v.nr && !o->quiet; i++) {
		const struct xtrace_meta *m = xtrace_rec_meta(v.set.recs[i]);
		bool ovw = m->mode && !strcmp(m->mode, "overwrite");
		uint64_t overrun = xtrace_meta_lost(m);

		if (!v.src[i].selected)
			continue;
		/* a flight recorder's gaps after each flush are its overwritten history */
		if (!ovw && (overrun || v.src[i].lost || v.src[i].lost_unknown))
			tool_msg("warning: '%s': %llu events were lost while recording (see LOST_EVENTS lines)",
				 xtrace_rec_name(v.set.recs[i]),
				 (unsigned long long)(overrun > v.src[i].lost ? overrun :
						      v.src[i].lost));
	}
out:
	for (int i = 0; i < v.nr; i++)
		namer_free(v.src[i].namer);
	free(v.src);
	xtrace_set_close(&v.set);
	return status;
}

static int parse_fields(const char *s, struct view_opts *o)
{
	char **v = split_list(s);

	o->nr_fields = 0;
	for (int i = 0; v && v[i]; i++) {
		int f;

		for (f = 0; f < NR_FIELDS && strcmp(v[i], field_names[f]); f++)
			;
		if (f == NR_FIELDS || o->nr_fields == NR_FIELDS) {
			tool_error("unknown field '%s' (tod, rel, delta, host, cpu, pid, comm, event, args)",
				   v[i]);
			free_list(v);
			return -1;
		}
		o->fields[o->nr_fields++] = f;
	}
	free_list(v);
	if (!o->nr_fields) {
		tool_error("--fields needs at least one field");
		return -1;
	}
	return 0;
}

static int parse_pids(const char *s, struct view_opts *o)
{
	char **v = split_list(s);
	int n = 0;

	for (int i = 0; v && v[i]; i++)
		n++;
	o->pids = calloc(n ? n : 1, sizeof(int));
	for (int i = 0; v && v[i] && o->pids; i++) {
		char *end;
		long p;

		errno = 0;
		p = strtol(v[i], &end, 10);
		if (errno || *end || end == v[i] || p < 0 || p > INT32_MAX) {
			tool_error("invalid pid '%s'", v[i]);
			free_list(v);
			return -1;
		}
		o->pids[o->nr_pids++] = (int)p;
	}
	free_list(v);
	if (!o->nr_pids) {
		tool_error("--pid needs a pid");
		return -1;
	}
	return 0;
}

enum {
	OPT_HOST = 256, OPT_PID, OPT_FROM, OPT_TO, OPT_AROUND, OPT_TOP, OPT_NO_SKIP,
	OPT_MARK_UNCERTAIN,
};

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "event", required_argument, NULL, 'e' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "around", required_argument, NULL, OPT_AROUND },
		{ "fields", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "summary", no_argument, NULL, 's' },
		{ "kvm", no_argument, NULL, 'k' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "no-skip", no_argument, NULL, OPT_NO_SKIP },
		{ "mark-uncertain", no_argument, NULL, OPT_MARK_UNCERTAIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "info", no_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const tnames[] = { "utc", "short", "epoch", "rel", "raw" };
	static const char *const fnames[] = { "text", "json", "perfetto", "html", "perfetto-proto" };
	struct view_opts o = { .time = T_UTC, .top = 3 };
	int c, ret;

	tool_prog = PROG;	/* for messages about the options */
	while ((c = getopt_long(argc, argv, "t:c:e:f:F:skviqhV", lopts, NULL)) != -1) {
		switch (c) {
		case 't': {
			int i;

			for (i = 0; i < 5 && strcmp(optarg, tnames[i]); i++)
				;
			if (i == 5) {
				return tool_bad_usage("unknown time format '%s' (utc, short, epoch, rel, raw)",
						      optarg);
			}
			o.time = i;
			o.time_set = true;
			break;
		}
		case 'F': {
			int i;

			for (i = 0; i < 5 && strcmp(optarg, fnames[i]); i++)
				;
			if (i == 5) {
				return tool_bad_usage("unknown format '%s' (text, json, perfetto, perfetto-proto, html)",
						      optarg);
			}
			o.format = i;
			break;
		}
		case 'c':
			if (xtrace_cpuset_parse(optarg, &o.cpus)) {
				return tool_bad_usage("invalid CPU list '%s' (e.g. 0,2-3)", optarg);
			}
			o.have_cpus = true;
			break;
		case OPT_HOST:
			free_list(o.hosts);
			o.hosts = split_list(optarg);
			if (!o.hosts) {
				return tool_bad_usage("--host needs a name");
			}
			break;
		case 'e':
			free_list(o.events);
			o.events = split_list(optarg);
			if (!o.events) {
				return tool_bad_usage("--event needs a name");
			}
			break;
		case OPT_PID:
			free(o.pids);
			o.pids = NULL;
			o.nr_pids = 0;
			if (parse_pids(optarg, &o))
				return 2;
			break;
		case OPT_FROM:
			o.from_s = optarg;
			break;
		case OPT_TO:
			o.to_s = optarg;
			break;
		case OPT_AROUND:
			o.around_s = optarg;
			break;
		case 'f':
			if (parse_fields(optarg, &o))
				return 2;
			break;
		case 's':
			o.summary = true;
			break;
		case 'k':
			o.kvm = true;
			break;
		case OPT_TOP: {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || end == optarg || n < 0 || n > 100) {
				return tool_bad_usage("invalid --top '%s' (0-100)", optarg);
			}
			o.top = (int)n;
			break;
		}
		case OPT_MARK_UNCERTAIN:
			o.mark_uncertain = true;
			break;
		case OPT_NO_SKIP:
			o.no_skip = true;
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
			return tool_exit(tool_version());
		default:
			return tool_try_help();
		}
	}
	if (optind >= argc) {
		return tool_bad_usage("no recording given (xtrace-view [options] DIR...)");
	}
	if (o.summary && o.kvm) {
		return tool_bad_usage("--summary and --kvm are separate analyses: give one");
	}
	if ((o.summary || o.kvm) && o.format != F_TEXT && o.format != F_JSON) {
		return tool_bad_usage("--summary and --kvm print text or json");
	}
	if (o.around_s && (o.from_s || o.to_s)) {
		return tool_bad_usage("--around is a window of its own: not with --from/--to");
	}
	tool_init(PROG, o.quiet ? -1 : 0);
	o.dirs = argv + optind;
	o.nr_dirs = argc - optind;
	ret = run_xtrace_view(&o);
	free_list(o.hosts);
	free_list(o.events);
	free(o.pids);
	return tool_exit(ret);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-multi-merge: merge the recordings of several systems (host and
 * guests) into one directory that xtrace-view prints as one stream.
 *
 *   xtrace-multi-merge -o OUT [-n NAME=DIR]... [--offset NAME=DURATION]... DIR...
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xtrace.h"
#include "xtrace-remote.h"
#include "rmtree.h"
#include "tool.h"
#include "tool-ssh.h"

#define PROG "xtrace-multi-merge"

static const char *const usage_text[] = {
	"usage: xtrace-multi-merge -o OUT [options] DIR...",
	"",
	"Merge one recording per system (host and each guest, made with xtrace-run -t tod)",
	"into the directory OUT, one time-ordered stream that xtrace-view OUT prints with",
	"each line naming its system. A DIR may itself be a merged directory, a trace.dat",
	"of trace-cmd record (with --date; a guest's with its host's: docs/tracedat.md), or",
	"a recording on another system, [user@]host[:port]:PATH, fetched over SFTP first.",
	"",
	"  -o, --output OUT       the merged directory (must not exist, or be empty)",
	"  -n, --name NAME=DIR    merge DIR as system NAME (default: its host name; needed",
	"                         when two recordings come from one host name)",
	"      --offset NAME=DUR  shift system NAME's clock by DUR (signed, with a unit: ns,",
	"                         us, ms or s; a bare number is seconds), e.g. vm1=-1500us",
	"      --raw-clocks       keep each system's wall clock as recorded (by default each",
	"                         is mapped onto the collector's by the clock exchanges made",
	"                         while it recorded, else its ssh checks; docs/clocks.md)",
	"      --clock-step=SIDE  without exchanges, place both sides of a clock step on the",
	"                         clock 'after' it (default) or 'before' it",
	"  -q, --quiet            no report, no progress line, no warnings",
	TOOL_SSH_USAGE,
	"  -h, --help             this text",
	"  -V, --version          print the version",
	"",
	"It reports, per system, how its clock was mapped (offset, drift, bound, the",
	"exchanges it rests on), its clock steps, the span of its events, and how many",
	"neighbouring events of two systems are closer than their clocks' bounds (their",
	"order is uncertain). Exit status: 0 merged (perhaps with warnings), 1 failed, 2 usage.",
	NULL,
};

struct merge_cli {
	struct xtrace_merge_opts m;
	char **inputs, **names;
	const char **offset_names;
	int64_t *offsets;
	bool quiet;
	struct xtrace_ssh_opts ssh;
	char *fetch_dir;		/* where remote inputs were fetched to */
	char **fetched;			/* per input: its local copy, or NULL */
	struct timespec start;
	bool progress_shown;
};

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

/* A progress line on a terminal, once the merge has taken a second. */
static void progress(uint64_t done, uint64_t total, void *ctx)
{
	struct merge_cli *c = ctx;
	double secs = since(&c->start), rate = secs > 0 ? done / secs : 0;

	if (done == total) {
		if (c->progress_shown)
			fprintf(stderr, "\r\033[K");
		return;
	}
	if (secs < 1.0)
		return;
	fprintf(stderr, "\r" PROG ": %.1fM events, %.1fM/s, ETA %.0f s\033[K", done / 1e6,
		rate / 1e6, rate > 0 ? (total - done) / rate : 0);
	c->progress_shown = true;
}

static void fmt_dur(char *buf, size_t len, int64_t ns)
{
	if (ns < 0)
		snprintf(buf, len, "unknown");
	else
		xtrace_format_ns(buf, len, ns);
}

static void print_report(const char *out, const struct xtrace_merge_meta *m)
{
	char gap[32];

	fmt_dur(gap, sizeof(gap), m->typical_gap);
	printf("merged %d systems, %llu events into '%s' (typical gap between systems: %s)\n",
	       m->nr_sources, (unsigned long long)m->events, out, gap);
	printf("%-12s %-12s %12s %-29s %-29s %-18s %12s %10s\n", "SYSTEM", "HOST", "EVENTS",
	       "FIRST (UTC)", "LAST (UTC)", "CLOCK ERROR", "OFFSET", "LOST");
	for (int i = 0; i < m->nr_sources; i++) {
		const struct xtrace_merge_source *s = &m->sources[i];
		char first[64], last[64], err[48], e[32];

		xtrace_format_utc(first, sizeof(first), s->first);
		xtrace_format_utc(last, sizeof(last), s->last);
		if (s->clock_error < 0) {
			snprintf(err, sizeof(err), "unknown");
		} else {
			fmt_dur(e, sizeof(e), s->clock_error + s->sample_error);
			snprintf(err, sizeof(err), "%s (chrony)", e);
		}
		printf("%-12s %-12s %12llu %-29s %-29s %-18s %12lld %10llu\n", s->name, s->hostname,
		       (unsigned long long)s->events, s->events ? first : "-",
		       s->events ? last : "-", err, (long long)s->offset,
		       (unsigned long long)s->lost);
	}
	printf("%-12s %-26s %16s %12s %12s %9s\n", "SYSTEM", "CLOCK MAPPING", "OFFSET",
	       "DRIFT", "BOUND", "EXCHANGES");
	for (int i = 0; i < m->nr_sources; i++) {
		const struct xtrace_merge_source *s = &m->sources[i];
		char off[32], drift[32], bound[32];

		snprintf(off, sizeof(off), "%+.6f s", s->clock_offset / 1e9);
		snprintf(drift, sizeof(drift), "%+.3f ppm", s->drift_ppb / 1e3);
		fmt_dur(bound, sizeof(bound), s->clock_bound);
		printf("%-12s %-26s %16s %12s %12s %9d\n", s->name, s->clock_basis ?: "-", off,
		       drift, bound, s->exchanges);
	}
	if (m->nr_sources > 1)
		printf("uncertain order: %llu place(s) where events of two systems are closer than their clocks' bounds\n",
		       (unsigned long long)m->uncertain);
}

static int add_input(struct merge_cli *c, const char *dir, const char *name)
{
	int n = c->m.nr_inputs;

	if (TOOL_GROW(c->inputs, n + 1) || TOOL_GROW(c->names, n + 1))
		return -ENOMEM;
	c->inputs[n] = (char *)dir;
	c->names[n] = (char *)name;
	c->m.nr_inputs = n + 1;
	return 0;
}

/* Remote inputs ([user@]host[:port]:PATH): fetch each beside OUT, merge the copy. */
static int fetch_remote_inputs(struct merge_cli *c)
{
	for (int i = 0; i < c->m.nr_inputs; i++) {
		char *spec, *path, *err = NULL, *local = NULL, *no_sftp = NULL;
		struct xtrace_fetch_info info = { 0 };
		struct xtrace_remote *r;
		int ret;

		if (!xtrace_remote_is_spec(c->inputs[i], &spec, &path))
			continue;
		if (!c->fetch_dir) {
			if (asprintf(&c->fetch_dir, "%s.fetch-XXXXXX", c->m.out) < 0 ||
			    !mkdtemp(c->fetch_dir)) {
				tool_error("cannot make a directory beside %s: %s",
					   c->m.out, strerror(errno));
				free(c->fetch_dir);
				c->fetch_dir = NULL;
				free(spec);
				free(path);
				return -1;
			}
			c->fetched = calloc(c->m.nr_inputs, sizeof(*c->fetched));
		}
		r = xtrace_remote_connect(spec, &c->ssh, &err);
		ret = r ? 0 : -errno;
		if (r && c->fetched && asprintf(&local, "%s/%d", c->fetch_dir, i) >= 0)
			ret = xtrace_remote_fetch_dir(r, path, local, 0, &info, &err);
		else if (r)
			ret = -ENOMEM;
		if (!ret && info.stream && xtrace_remote_no_sftp(r))
			no_sftp = strdup(xtrace_remote_no_sftp(r));
		xtrace_remote_close(r);
		if (ret) {
			tool_error("%s: %s", c->inputs[i], err ? err : strerror(-ret));
			free(err);
			free(local);
			free(spec);
			free(path);
			return -1;
		}
		/* how it came matters when it did not come over SFTP: say so */
		if (!c->quiet && info.stream)
			tool_msg("fetched %s (%.1f KiB) over an exec stream, sizes and checksums checked (no SFTP there: %s)",
				 c->inputs[i],
				 info.bytes / 1024.0, no_sftp ?: "?");
		else if (!c->quiet)
			tool_msg("fetched %s (%.1f KiB)", c->inputs[i],
				 info.bytes / 1024.0);
		free(no_sftp);
		c->fetched[i] = local;
		c->inputs[i] = local;
		free(spec);
		free(path);
	}
	return 0;
}

static int run_merge(struct merge_cli *c)
{
	struct xtrace_merge_meta meta;
	int ret;

	c->m.inputs = c->inputs;
	c->m.names = c->names;
	c->m.offset_names = c->offset_names;
	c->m.offsets = c->offsets;
	if (!c->quiet && isatty(2)) {
		c->m.progress = progress;
		c->m.ctx = c;
	}
	if (fetch_remote_inputs(c))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	ret = xtrace_merge(&c->m, &meta);
	if (ret && !meta.nr_sources) {
		xtrace_merge_meta_free(&meta);
		return 1;
	}
	if (!ret && !c->quiet)
		print_report(c->m.out, &meta);
	for (int i = 0; i < meta.nr_warnings && !c->quiet; i++)
		tool_error("warning: %s", meta.warnings[i]);
	xtrace_merge_meta_free(&meta);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "offset", required_argument, NULL, 'O' },
		{ "quiet", no_argument, NULL, 'q' },
		TOOL_SSH_LONGOPTS,
		{ "correct-clocks", no_argument, NULL, 0x102 },
		{ "raw-clocks", no_argument, NULL, 0x103 },
		{ "clock-step", required_argument, NULL, 0x104 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct merge_cli c = { 0 };
	int opt, ret;

	tool_prog = PROG;	/* for messages about the options */
	/* "-": inputs keep their place among -n options */
	while ((opt = getopt_long(argc, argv, "-o:n:qF:hV", lopts, NULL)) != -1) {
		char *eq;

		switch (opt) {
		case 1:
			if (add_input(&c, optarg, NULL)) {
				ret = 1;
				goto out;
			}
			break;
		case 'o':
			c.m.out = optarg;
			break;
		case 'n':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1]) {
				tool_error("-n takes NAME=DIR, not '%s'", optarg);
				ret = 2;
				goto out;
			}
			*eq = '\0';
			if (add_input(&c, eq + 1, optarg)) {
				ret = 1;
				goto out;
			}
			break;
		case 'O': {
			int n = c.m.nr_offsets;

			eq = strchr(optarg, '=');
			if (TOOL_GROW(c.offset_names, n + 1) || TOOL_GROW(c.offsets, n + 1)) {
				ret = 1;
				goto out;
			}
			if (!eq || eq == optarg || xtrace_parse_duration(eq + 1, &c.offsets[n])) {
				ret = tool_bad_usage("--offset takes NAME=DURATION (e.g. vm1=-1500us), not '%s'",
						     optarg);
				goto out;
			}
			*eq = '\0';
			c.offset_names[n] = optarg;
			c.m.nr_offsets = n + 1;
			break;
		}
		case 'q':
			c.quiet = true;
			break;
		case 0x102:
			break;	/* the default now; kept for old scripts */
		case 0x103:
			c.m.raw_clocks = true;
			break;
		case 0x104:
			if (strcmp(optarg, "after") && strcmp(optarg, "before")) {
				ret = tool_bad_usage("--clock-step takes 'after' or 'before', not '%s'",
						     optarg);
				goto out;
			}
			c.m.step_before = !strcmp(optarg, "before");
			break;
		case 'h':
			tool_usage(stdout, usage_text);
			ret = 0;
			goto out;
		case 'V':
			ret = tool_version();
			goto out;
		default:
			switch (tool_ssh_option(opt, optarg, &c.ssh)) {
			case 1:
				continue;
			case -1:
				ret = 2;
				goto out;
			}
			ret = tool_try_help();
			goto out;
		}
	}
	if (!c.m.out) {
		ret = tool_bad_usage("no output directory (-o OUT)");
		goto out;
	}
	if (!c.m.nr_inputs) {
		ret = tool_bad_usage("no recording to merge");
		goto out;
	}
	tool_init(PROG, c.quiet ? -1 : 0);
	ret = tool_exit(run_merge(&c));
out:
	if (c.fetch_dir) {
		for (int i = 0; i < c.m.nr_inputs; i++) {
			if (c.fetched[i])
				rm_tree(c.fetched[i]);
			free(c.fetched[i]);
		}
		rmdir(c.fetch_dir);
		free(c.fetch_dir);
		free(c.fetched);
	}
	free(c.inputs);
	free(c.names);
	free(c.offset_names);
	free(c.offsets);
	return ret;
}

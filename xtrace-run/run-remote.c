// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-run --remote: record this system and others at once, run the command
 * here or on one of them (--on), and bring every recording home:
 *
 *   DIR/<host>/     one recording per system (remote ones fetched over SFTP, or
 *                   an exec stream of "xtrace-run --send" where there is none)
 *   DIR/merged/     all of them merged (xtrace-multi-merge's format)
 *   DIR/collection  what happened to each system (docs/remote.md)
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "tool.h"

struct collect {
	struct xtrace_rrec *rr;
	int nr;
	int on;				/* index of the --on system, -1: here */
	struct xtrace_rchan *cmd;	/* the command on the --on system */
	int signals;
	bool *reported;			/* a death already reported */
	char **names;			/* per remote: its directory's name in DIR */
	char *host;			/* this system's host name */
	struct clock_sync *sync;	/* clock exchanges while recording */
};

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGINT: return "INT";
	case SIGTERM: return "TERM";
	case SIGHUP: return "HUP";
	case SIGQUIT: return "QUIT";
	default: return "KILL";
	}
}

static char *quote1(const char *s)
{
	char *argv[] = { (char *)s, NULL };

	return tool_shell_quote(argv);
}

/* The options the remote recorders get: those of this one that make sense there. */
static char *remote_args(const struct run *run)
{
	const struct run_opts *o = &run->o;
	char *s = NULL, *ev = o->rec.events ? quote1(o->rec.events) : NULL;

	if (asprintf(&s, "%s%s%s%s -b %lluK%s%.0d%s", o->rec.mode == XTRACE_MODE_OVERWRITE ?
		     "-m overwrite" : "-m stream", o->rec.ts_type == XTRACE_TS_TSC ? " -t tsc" : "",
		     ev ? " -e " : "", ev ? ev : "",
		     (unsigned long long)(o->rec.buffer_kb ? o->rec.buffer_kb : 4096),
		     o->rec.compression_level ? " -z " : "", o->rec.compression_level,
		     o->any_cpu ? " --any-cpu" : "") < 0)
		s = NULL;
	free(ev);
	return s;
}

static bool dir_empty_or_missing(const char *dir, int *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	*err = 0;
	if (!d) {
		*err = errno;
		return errno == ENOENT;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

static void fmt_offset(char *buf, size_t size, int64_t ns)
{
	snprintf(buf, size, "%+.1f us", ns / 1000.0);
}

int collect_begin(struct run *run)
{
	struct run_opts *o = &run->o;
	struct collect *c;
	struct utsname u;
	char *args;
	int err;

	run->top = o->rec.dir;
	if (!dir_empty_or_missing(run->top, &err)) {
		tool_error("'%s' %s; give a new directory with -o", run->top,
			   err ? strerror(err) : "exists and is not empty");
		return -1;
	}
	if (mkdir(run->top, 0755) && errno != EEXIST) {
		tool_error("cannot create '%s': %s", run->top, strerror(errno));
		return -1;
	}
	uname(&u);
	c = run->col = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->host = strdup(u.nodename);
	c->sync = clock_sync_new();
	c->on = -1;
	/* --on names a system to record too, if --remote did not */
	if (o->on) {
		for (int i = 0; i < o->nr_remotes; i++)
			if (!strcmp(o->remotes[i], o->on))
				c->on = i;
		if (c->on < 0) {
			const char **n = realloc(o->remotes, (o->nr_remotes + 1) * sizeof(*n));

			if (!n)
				return -1;
			o->remotes = n;
			c->on = o->nr_remotes;
			o->remotes[o->nr_remotes++] = o->on;
		}
	}
	c->nr = o->nr_remotes;
	c->rr = calloc(c->nr, sizeof(*c->rr));
	c->reported = calloc(c->nr, sizeof(*c->reported));
	c->names = calloc(c->nr, sizeof(*c->names));
	if (asprintf(&run->local_dir, "%s/%s", run->top, c->host) < 0 || !c->rr || !c->reported ||
	    !c->names || !c->host)
		return -1;
	o->rec.dir = run->local_dir;
	args = remote_args(run);
	for (int i = 0; i < c->nr; i++) {
		struct xtrace_rrec *rr = &c->rr[i];

		if (xtrace_rrec_start(rr, o->remotes[i], &o->ssh, args)) {
			tool_error("%s", rr->error);
			continue;
		}
		xtrace_rrec_clock_check(rr);
		clock_sync_poll(c->sync, rr, true);
		if (o->verbose > 0)
			tool_msg("%s: recording on host '%s' in %s (pid %d)",
				 rr->spec, rr->host, rr->dir, rr->pid);
	}
	free(args);
	if (c->on >= 0 && c->rr[c->on].state != XTRACE_RREC_RECORDING) {
		tool_error("cannot run the command on %s; nothing recorded", o->on);
		collect_abort(run);
		rmdir(run->top);	/* ours and empty, or left alone */
		return -1;
	}
	return 0;
}

int collect_spawn(struct run *run)
{
	struct run_opts *o = &run->o;
	struct collect *c = run->col;
	struct xtrace_rrec *rr = &c->rr[c->on];
	char *cmd = tool_shell_quote(o->argv), *marker = quote1(rr->marker ?: ""),
	     *dir = quote1(rr->dir), *line = NULL;
	int ret = 0;

	if (!cmd || !marker || !dir ||
	    asprintf(&line, "exec env XTRACE_MARKER=%s XTRACE_DIR=%s %s", marker, dir, cmd) < 0)
		ret = -ENOMEM;
	else if (!(c->cmd = xtrace_rchan_open(rr->ssh, line)))
		ret = -EIO;
	free(cmd);
	free(marker);
	free(dir);
	free(line);
	return ret;
}

bool collect_poll(struct run *run, int *status)
{
	struct run_opts *o = &run->o;
	struct collect *c = run->col;
	bool ended = false;

	if (c->cmd) {
		int r = xtrace_rchan_pump(c->cmd, STDOUT_FILENO, STDERR_FILENO);

		if (r <= 0) {
			*status = r == 0 ? xtrace_rchan_status(c->cmd) : 255;
			if (r < 0)
				tool_error("%s: the link to the command broke", o->on);
			ended = true;
		}
	}
	for (int i = 0; i < c->nr; i++) {
		struct xtrace_rrec *rr = &c->rr[i];

		if (rr->state == XTRACE_RREC_RECORDING && !xtrace_rrec_alive(rr) &&
		    !c->reported[i]) {
			c->reported[i] = true;
			tool_error("%s", rr->error);
		}
		clock_sync_poll(c->sync, rr, false);
	}
	return ended;
}

void collect_signal(struct run *run, int sig)
{
	struct collect *c = run->col;

	if (!c->cmd)
		return;
	if (++c->signals > 1)
		xtrace_rchan_signal(c->cmd, "KILL");
	else
		xtrace_rchan_signal(c->cmd, sig_name(sig));
}

void collect_flush_send(struct run *run)
{
	for (int i = 0; i < run->col->nr; i++)
		xtrace_rrec_send(&run->col->rr[i], "flush");
}

void collect_flush_wait(struct run *run)
{
	for (int i = 0; i < run->col->nr; i++) {
		struct xtrace_rrec *rr = &run->col->rr[i];
		char msg[256];
		int ret;

		if (rr->state != XTRACE_RREC_RECORDING)
			continue;
		ret = xtrace_rrec_reply(rr, msg, sizeof(msg));
		if (ret == -EIO)
			tool_error("%s: flush: %s", rr->spec, msg);
	}
}

/* A directory name in DIR for each remote: its host name, unless that is taken. */
static void name_dirs(struct collect *c)
{
	for (int i = 0; i < c->nr; i++) {
		struct xtrace_rrec *rr = &c->rr[i];
		bool taken = !rr->host || !strcmp(rr->host, c->host) || !strcmp(rr->host, "merged");

		for (int j = 0; j < i && !taken; j++)
			taken = c->names[j] && !strcmp(c->names[j], rr->host);
		if (!taken) {
			c->names[i] = strdup(rr->host);
			continue;
		}
		if (asprintf(&c->names[i], "%s-%s", rr->host ?: "remote", rr->spec) < 0)
			c->names[i] = NULL;
		for (char *p = c->names[i]; p && *p; p++)
			if (*p == '/' || *p == ':' || *p == '@')
				*p = '_';
	}
}

static void push(char ***v, int *n, char *s)
{
	char **nv = s ? realloc(*v, (*n + 1) * sizeof(**v)) : NULL;

	if (!nv) {
		free(s);
		return;
	}
	*v = nv;
	nv[(*n)++] = s;
}

static int merge_all(struct run *run, char **dirs, char **names, int nr,
		     struct xtrace_merge_meta *meta, char **notes, int nr_notes)
{
	struct collect *c = run->col;
	const char **onames = calloc(c->nr + 1, sizeof(*onames));
	int64_t *offs = calloc(c->nr + 1, sizeof(*offs));
	struct xtrace_merge_opts mo = { 0 };
	char *out = NULL;
	int nr_off = 0, ret;

	if (!onames || !offs || asprintf(&out, "%s/merged", run->top) < 0) {
		free(onames);
		free(offs);
		return -ENOMEM;
	}
	/* each system's clock is mapped by the merge (clocksync, clockcheck: docs/clocks.md) */
	mo.out = out;
	mo.inputs = dirs;
	mo.names = names;
	mo.nr_inputs = nr;
	mo.offset_names = onames;
	mo.offsets = offs;
	mo.nr_offsets = nr_off;
	mo.raw_clocks = run->o.raw_clocks;
	ret = xtrace_merge(&mo, meta);
	if (!ret && nr_notes) {
		for (int i = 0; i < nr_notes; i++)
			push(&meta->warnings, &meta->nr_warnings, strdup(notes[i]));
		xtrace_merge_meta_write(out, meta);
	}
	free(out);
	free(onames);
	free(offs);
	return ret;
}

static void write_collection(struct run *run, int status)
{
	struct run_opts *o = &run->o;
	struct collect *c = run->col;
	char *path = NULL;
	FILE *f;

	if (asprintf(&path, "%s/collection", run->top) < 0)
		return;
	f = fopen(path, "we");
	free(path);
	if (!f)
		return;
	fprintf(f, "# xtrace collection: one recording per system (see docs/remote.md)\n");
	fprintf(f, "command=%s\non=%s\nexit_status=%d\n", o->rec.command ?: "",
		o->on ?: "local", status);
	fprintf(f, "\n[system %s]\nspec=local\nhost=%s\nstate=stopped\ndir=%s\n", c->host,
		c->host, c->host);
	for (int i = 0; i < c->nr; i++) {
		struct xtrace_rrec *rr = &c->rr[i];

		fprintf(f, "\n[system %s]\nspec=%s\nhost=%s\nstate=%s\n",
			c->names[i] ?: rr->spec, rr->spec, rr->host ?: "",
			xtrace_rrec_state_name(rr->state));
		if (rr->error)
			fprintf(f, "error=%s\n", rr->error);
		if (c->names[i]) {
			const char *no_sftp = rr->ssh ? xtrace_remote_no_sftp(rr->ssh) : NULL;

			fprintf(f, "dir=%s\nfetch=%s\n", c->names[i], no_sftp ? "stream" : "sftp");
			if (no_sftp)
				fprintf(f, "no_sftp=%s\n", no_sftp);
		}
		for (int k = 0; k < rr->nr_checks; k++)
			fprintf(f, "clock_check=at %" PRId64 " offset %" PRId64 " bound %" PRId64
				"\n", rr->checks[k].at, rr->checks[k].offset, rr->checks[k].bound);
	}
	fclose(f);
}

int collect_end(struct run *run, int status)
{
	struct run_opts *o = &run->o;
	struct collect *c = run->col;
	char **dirs = NULL, **names = NULL, **notes = NULL;
	struct xtrace_merge_meta meta = { 0 };
	int nr = 0, nr_names = 0, nr_notes = 0, ret = 0;

	if (c->cmd) {
		xtrace_rchan_close(c->cmd);
		c->cmd = NULL;
	}
	for (int i = 0; i < c->nr; i++) {
		struct xtrace_rrec *rr = &c->rr[i];

		if (rr->state != XTRACE_RREC_RECORDING)
			continue;
		xtrace_rrec_clock_check(rr);
		clock_sync_poll(c->sync, rr, true);
		if (xtrace_rrec_stop(rr) && !c->reported[i]) {
			c->reported[i] = true;
			tool_error("%s", rr->error);
		}
	}
	name_dirs(c);
	push(&dirs, &nr, strdup(run->local_dir));
	push(&names, &nr_names, strdup(c->host));
	for (int i = 0; i < c->nr; i++) {
		struct xtrace_rrec *rr = &c->rr[i];
		char *ldir = NULL;
		uint64_t bytes = 0;
		struct timespec t0, t1;
		const char *no_sftp;

		if (!rr->dir) {
			push(&notes, &nr_notes, strdup(rr->error ?: rr->spec));
			free(c->names[i]);
			c->names[i] = NULL;
			continue;
		}
		if (asprintf(&ldir, "%s/%s", run->top, c->names[i]) < 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (xtrace_rrec_fetch(rr, ldir, o->keep_remote, &bytes)) {
			char *n = NULL;

			tool_error("%s: cannot fetch its recording; it stays in %s there",
				   rr->spec, rr->dir);
			if (asprintf(&n, "%s: its recording could not be fetched; it stays in %s there",
				     rr->spec, rr->dir) >= 0)
				push(&notes, &nr_notes, n);
			free(c->names[i]);
			c->names[i] = NULL;
			free(ldir);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		clock_sync_save(c->sync, rr, ldir, c->host, o->verbose);
		no_sftp = xtrace_remote_no_sftp(rr->ssh);
		if (o->verbose > 0) {
			double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

			tool_msg("%s: fetched %.1f KiB in %.2f s (%.1f MiB/s) over %s",
				 rr->spec, bytes / 1024.0, s,
				 s > 0 ? bytes / s / 1048576 : 0,
				 no_sftp ? "an exec stream" : "SFTP");
		}
		/* not the usual way: say so, and why */
		if (no_sftp && o->verbose >= 0)
			tool_msg("%s: fetched over an exec stream, sizes and checksums checked (no SFTP there: %s)",
				 rr->spec, no_sftp);
		if (rr->state != XTRACE_RREC_STOPPED) {
			char *n = NULL;

			if (asprintf(&n, "%s: its recording may be incomplete: %s", c->names[i],
				     rr->error ?: "it did not stop cleanly") >= 0)
				push(&notes, &nr_notes, n);
		}
		/* a recorder that died before saving anything leaves nothing to merge */
		struct xtrace_rec *rec = xtrace_rec_open(ldir);

		if (!rec) {
			tool_error("%s: its recording cannot be read (%s); not merged",
				   c->names[i], strerror(errno));
			free(ldir);
			continue;
		}
		xtrace_rec_close(rec);
		push(&dirs, &nr, ldir);
		push(&names, &nr_names, strdup(c->names[i]));
	}
	write_collection(run, status);

	if (o->verbose >= 0) {
		for (int i = 0; i < c->nr; i++) {
			struct xtrace_rrec *rr = &c->rr[i];
			char a[32], b[32];
			int64_t bound, off;

			if (!rr->nr_checks)
				continue;
			off = xtrace_clock_checks_offset(rr->checks, rr->nr_checks, &bound);
			fmt_offset(a, sizeof(a), off);
			snprintf(b, sizeof(b), "%.1f us", bound / 1000.0);
			tool_msg("%s: clock %s from here (ssh check, +-%s)%s",
				 c->names[i] ?: rr->spec, a, b,
				 o->raw_clocks ? "" : "; corrected in the merge");
		}
	}
	if (!o->no_merge) {
		ret = merge_all(run, dirs, names, nr, &meta, notes, nr_notes);
		if (ret) {
			tool_error("the merge failed: %s; the recordings are in %s",
				   strerror(-ret), run->top);
		} else if (o->verbose >= 0) {
			tool_msg("merged %" PRIu64 " events of %d systems into %s/merged (xtrace-view %s/merged)",
				 meta.events, meta.nr_sources,
				 run->top, run->top);
			for (int i = 0; i < meta.nr_sources; i++) {
				const struct xtrace_merge_source *s = &meta.sources[i];
				char bound[32] = "unknown";

				if (s->clock_bound >= 0)
					xtrace_format_ns(bound, sizeof(bound), s->clock_bound);
				fprintf(stderr, "  %-16s %12" PRIu64 " events %10" PRIu64 " lost; clock: %s, offset %+.6f s, drift %+.3f ppm, bound %s, %d exchanges\n",
					s->name, s->events, s->lost, s->clock_basis ?: "-",
					s->clock_offset / 1e9, s->drift_ppb / 1e3, bound,
					s->exchanges);
			}
		}
	}
	for (int i = 0; i < nr_notes; i++)
		tool_msg("partial: %s", notes[i]);
	xtrace_merge_meta_free(&meta);
	for (int i = 0; i < nr; i++)
		free(dirs[i]);
	for (int i = 0; i < nr_names; i++)
		free(names[i]);
	for (int i = 0; i < nr_notes; i++)
		free(notes[i]);
	free(dirs);
	free(names);
	free(notes);
	collect_abort(run);
	return ret;
}

void collect_abort(struct run *run)
{
	struct run_opts *o = &run->o;
	struct collect *c = run->col;

	if (!c)
		return;
	if (c->cmd)
		xtrace_rchan_close(c->cmd);
	for (int i = 0; i < c->nr; i++) {
		struct xtrace_rrec *rr = &c->rr[i];

		if (rr->state == XTRACE_RREC_RECORDING && !xtrace_rrec_stop(rr) && !o->keep_remote)
			xtrace_remote_rmdir(rr->ssh, rr->dir);
		xtrace_rrec_free(rr);
		free(c->names[i]);
	}
	free(c->rr);
	free(c->reported);
	free(c->names);
	free(c->host);
	clock_sync_free(c->sync);
	free(c);
	run->col = NULL;
}

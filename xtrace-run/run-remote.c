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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "tool.h"

/*
 * Every remote system is driven by a thread of its own, from its connection to
 * the end of its fetch (struct sys below); the main thread only posts requests
 * (flush, stop, ...) and waits for the systems to move on, each bounded by the
 * ssh timeout of its own steps. So a slow or dead system delays nobody else:
 * the others connect, record, flush, stop and are fetched meanwhile.
 */
#define DEFAULT_FETCH_JOBS 4

/* What the main thread asks of a system (bits of sys->req). */
#define REQ_SPAWN	(1u << 0)	/* run the command there (the --on system) */
#define REQ_SIGNAL	(1u << 1)	/* pass sys->signal to the command */
#define REQ_FLUSH	(1u << 2)
#define REQ_STOP	(1u << 3)	/* stop it, then fetch it once names are given */
#define REQ_ABORT	(1u << 4)	/* stop it, remove its recording, fetch nothing */

/* Where a system is. Only its thread moves it on, always forward. */
enum sys_step {
	STEP_STARTING,		/* connecting, its recorder starting */
	STEP_LATE,		/* its recorder did not start in time; the run goes on without it */
	STEP_RECORDING,
	STEP_STOPPING,
	STEP_FETCHING,
	STEP_DONE,		/* its thread has nothing left to do; rr.state says how it went */
};

/*
 * One system. Its thread owns rr (the ssh session, the recorder's channel) and
 * cmd; the main thread reads rr only once the thread left it alone for good
 * (host, dir, marker, pid once RECORDING; the rest once DONE). The fields
 * after "shared" are read and written under c->lock by both.
 */
struct sys {
	struct collect *c;
	const char *spec;
	pthread_t thread;
	bool thread_started;
	int wake;			/* eventfd: a request was posted */
	struct xtrace_rrec rr;
	struct xtrace_rchan *cmd;	/* the command, on the --on system */
	struct clock_sync *sync;	/* its clock exchanges while it records (clock-sync.c) */
	/* the main thread's own */
	bool reported;			/* its failure was told */
	bool late_told, ready_told;

	/* shared */
	enum sys_step step;
	unsigned int req;
	const char *signal;		/* REQ_SIGNAL: its name ("TERM") */
	char *error;			/* why it failed or died (a copy of rr.error) */
	bool died;
	bool late;			/* STEP_LATE was passed through */
	int64_t ready_ns;		/* when it began recording (CLOCK_MONOTONIC), 0: not */
	bool spawn_done;
	int spawn_ret;
	bool cmd_ended, cmd_broken;
	int cmd_status;
	bool flush_pending;
	int flush_ret;
	char flush_msg[256];
	char *name;			/* its directory in DIR; NULL: nothing to fetch */
	int fetch_ret;
	uint64_t fetch_bytes;
	double fetch_s;
	char *no_sftp;			/* why its fetch went over an exec stream */
};

struct collect {
	struct run *run;
	struct sys *sys;
	int nr;
	int on;				/* index of the --on system, -1: here */
	char *args;			/* the remote recorders' options */
	char *host;			/* this system's host name */
	int64_t t0;			/* CLOCK_MONOTONIC at the start */
	struct xtrace_budget *budget;	/* --fetch-rate; NULL: none */
	bool tty;			/* progress on stderr */
	bool progress_shown;
	bool cmd_told;
	int signals;

	pthread_mutex_t lock;
	pthread_cond_t moved;		/* a system moved on: the main thread waits on it */
	pthread_cond_t go;		/* names given, a fetch slot free: systems wait on it */
	bool names_ready;
	int fetch_slots;
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

static void lock(struct collect *c)
{
	pthread_mutex_lock(&c->lock);
}

static void unlock(struct collect *c)
{
	pthread_mutex_unlock(&c->lock);
}

/* ------------------------------------------------------ a system's thread */

/* Move @s on to @step and tell the main thread (c->lock held). */
static void set_step(struct sys *s, enum sys_step step)
{
	s->step = step;
	pthread_cond_broadcast(&s->c->moved);
}

/* A copy of why its recorder failed, for the main thread (c->lock held). */
static void keep_error(struct sys *s)
{
	if (s->rr.error && (!s->error || strcmp(s->error, s->rr.error))) {
		free(s->error);
		s->error = strdup(s->rr.error);
	}
}

/* The requests posted so far; those in @mask are taken (cleared). */
static unsigned int take_requests(struct sys *s, unsigned int mask, const char **sig)
{
	unsigned int req;

	lock(s->c);
	req = s->req;
	s->req &= ~mask;
	if (sig)
		*sig = s->signal;
	unlock(s->c);
	return req;
}

/*
 * Its recorder did not start within the ssh timeout: the run goes on without
 * it. It joins if it starts before the collection stops (0); else -ETIMEDOUT.
 */
static int wait_late(struct sys *s)
{
	struct collect *c = s->c;
	int ret;

	lock(c);
	s->late = true;
	set_step(s, STEP_LATE);
	unlock(c);
	do {
		ret = xtrace_rrec_wait_ready(&s->rr, 200);
	} while (ret == -ETIMEDOUT && !(take_requests(s, 0, NULL) & (REQ_STOP | REQ_ABORT)));
	return ret;
}

/* Its clock at a start or an end: an ssh clock check and a long burst of exchanges. */
static void clock_edge(struct sys *s)
{
	xtrace_rrec_clock_check(&s->rr);
	clock_sync_poll(s->sync, &s->rr, true);
}

/*
 * The one place where a system becomes "recording": its clock is checked, and
 * from here on it is flushed, stopped and fetched with the others. What it does
 * while it records is in watch().
 */
static void now_recording(struct sys *s)
{
	struct collect *c = s->c;

	clock_edge(s);
	lock(c);
	s->ready_ns = xtrace_now_ns(CLOCK_MONOTONIC);
	set_step(s, STEP_RECORDING);
	unlock(c);
}

/* The command on the --on system, with its recorder's marker and directory. */
static int spawn_command(struct sys *s)
{
	struct run_opts *o = &s->c->run->o;
	char *cmd = tool_shell_quote(o->argv), *marker = quote1(s->rr.marker ?: ""),
	     *dir = quote1(s->rr.dir), *line = NULL;
	int ret = 0;

	if (!cmd || !marker || !dir ||
	    asprintf(&line, "exec env XTRACE_MARKER=%s XTRACE_DIR=%s %s", marker, dir, cmd) < 0)
		ret = -ENOMEM;
	else if (!(s->cmd = xtrace_rchan_open(s->rr.ssh, line)))
		ret = -EIO;
	free(cmd);
	free(marker);
	free(dir);
	free(line);
	return ret;
}

/* Its output to ours (a blocked stdout blocks this system only); its end. */
static void pump_command(struct sys *s)
{
	struct collect *c = s->c;
	int r = xtrace_rchan_pump(s->cmd, STDOUT_FILENO, STDERR_FILENO);

	if (r > 0)
		return;
	lock(c);
	s->cmd_ended = true;
	s->cmd_broken = r < 0;
	s->cmd_status = r == 0 ? xtrace_rchan_status(s->cmd) : 255;
	pthread_cond_broadcast(&c->moved);
	unlock(c);
}

static void flush(struct sys *s)
{
	struct collect *c = s->c;
	char msg[256] = "";
	int ret = xtrace_rrec_send(&s->rr, "flush");

	if (!ret)
		ret = xtrace_rrec_reply(&s->rr, msg, sizeof(msg));
	lock(c);
	s->flush_ret = ret;
	snprintf(s->flush_msg, sizeof(s->flush_msg), "%s", msg);
	s->flush_pending = false;
	pthread_cond_broadcast(&c->moved);
	unlock(c);
}

/*
 * While it records: the requests posted, the command's output (--on), its
 * recorder's health. Returns the requests that end it (REQ_STOP, REQ_ABORT).
 */
static unsigned int watch(struct sys *s)
{
	struct collect *c = s->c;

	for (;;) {
		const char *sig = NULL;
		unsigned int req = take_requests(s, REQ_SPAWN | REQ_SIGNAL | REQ_FLUSH, &sig);
		struct pollfd p[2];
		bool link;
		uint64_t n;

		if (req & REQ_SPAWN) {
			int ret = spawn_command(s);

			lock(c);
			s->spawn_ret = ret;
			s->spawn_done = true;
			pthread_cond_broadcast(&c->moved);
			unlock(c);
		}
		if ((req & REQ_SIGNAL) && s->cmd && sig)
			xtrace_rchan_signal(s->cmd, sig);
		if (req & REQ_FLUSH)
			flush(s);
		if (req & (REQ_STOP | REQ_ABORT))
			return req;
		/* this thread is the only writer of what it reads here unlocked */
		if (s->cmd && !s->cmd_ended)
			pump_command(s);
		if (s->rr.state == XTRACE_RREC_RECORDING && xtrace_rrec_alive(&s->rr))
			clock_sync_poll(s->sync, &s->rr, false);	/* when one is due */
		if (s->rr.state == XTRACE_RREC_DIED && !s->died) {
			lock(c);
			s->died = true;
			keep_error(s);
			pthread_cond_broadcast(&c->moved);
			unlock(c);
		}
		/* a link with nothing left to watch on it would keep poll() awake */
		link = s->rr.state == XTRACE_RREC_RECORDING || (s->cmd && !s->cmd_ended);
		p[0].fd = link && s->rr.ch ? xtrace_rchan_fd(s->rr.ch) : -1;
		p[0].events = POLLIN;
		p[1].fd = s->wake;
		p[1].events = POLLIN;
		if (poll(p, 2, 200) > 0 && (p[1].revents & POLLIN) &&
		    read(s->wake, &n, sizeof(n)) < 0 && errno != EAGAIN)
			break;
	}
	return REQ_STOP;
}

/* Its recording into DIR/NAME; the outcome for the main thread. */
static void fetch(struct sys *s, const char *name)
{
	struct collect *c = s->c;
	struct run_opts *o = &c->run->o;
	const char *no_sftp;
	uint64_t bytes = 0;
	char *ldir = NULL;
	int64_t t0 = xtrace_now_ns(CLOCK_MONOTONIC);
	int ret;

	if (asprintf(&ldir, "%s/%s", c->run->top, name) < 0)
		ret = -ENOMEM;
	else
		ret = xtrace_rrec_fetch(&s->rr, ldir, o->keep_remote, &bytes);
	free(ldir);
	no_sftp = xtrace_remote_no_sftp(s->rr.ssh);
	lock(c);
	s->fetch_ret = ret;
	s->fetch_bytes = bytes;
	s->fetch_s = (xtrace_now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	s->no_sftp = no_sftp ? strdup(no_sftp) : NULL;
	unlock(c);
}

/* Stop it; then, once the main thread named every system's directory, fetch it. */
static void finish(struct sys *s, unsigned int req)
{
	struct collect *c = s->c;
	struct run_opts *o = &c->run->o;
	char *name = NULL;

	lock(c);
	set_step(s, STEP_STOPPING);
	unlock(c);
	if (s->cmd) {
		xtrace_rchan_close(s->cmd);
		s->cmd = NULL;
	}
	if (s->rr.state == XTRACE_RREC_RECORDING) {
		clock_edge(s);
		if (!xtrace_rrec_stop(&s->rr) && (req & REQ_ABORT) && !o->keep_remote)
			xtrace_remote_rmdir(s->rr.ssh, s->rr.dir);
	}
	lock(c);
	keep_error(s);
	pthread_cond_broadcast(&c->moved);
	while (!(req & REQ_ABORT) && !c->names_ready)
		pthread_cond_wait(&c->go, &c->lock);
	if (!(req & REQ_ABORT) && s->name) {
		/* --fetch-jobs at once */
		while (!c->fetch_slots)
			pthread_cond_wait(&c->go, &c->lock);
		c->fetch_slots--;
		name = s->name;
		set_step(s, STEP_FETCHING);
	}
	unlock(c);
	if (name) {
		fetch(s, name);
		lock(c);
		c->fetch_slots++;
		pthread_cond_broadcast(&c->go);
		unlock(c);
	}
}

static void *sys_main(void *arg)
{
	struct sys *s = arg;
	struct collect *c = s->c;
	int ret;

	ret = xtrace_rrec_launch(&s->rr, s->spec, &c->run->o.ssh, c->args);
	if (!ret) {
		xtrace_remote_set_budget(s->rr.ssh, c->budget);
		ret = xtrace_rrec_wait_ready(&s->rr, -1);
		/* the command cannot start without the --on system: no waiting for it */
		if (ret == -ETIMEDOUT && s - c->sys != c->on)
			ret = wait_late(s);
		if (ret == -ETIMEDOUT)
			xtrace_rrec_give_up(&s->rr, "xtrace-run did not start in time");
	}
	if (!ret) {
		now_recording(s);
		finish(s, watch(s));
	}
	/* the ssh sessions end at once, each in its own thread */
	xtrace_rrec_disconnect(&s->rr);
	lock(c);
	keep_error(s);
	set_step(s, STEP_DONE);
	unlock(c);
	return NULL;
}

/* ------------------------------------------------------ the main thread */

static void post(struct sys *s, unsigned int req)
{
	uint64_t one = 1;

	lock(s->c);
	s->req |= req;
	unlock(s->c);
	/* a full eventfd is a thread awake already */
	if (write(s->wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
		tool_error("%s: %s", s->spec, strerror(errno));
}

static void progress_clear(struct collect *c)
{
	if (c->progress_shown)
		fputs("\r\033[K", stderr);
	c->progress_shown = false;
}

/* On a terminal: how many systems are where (c->lock held). */
static void progress(struct collect *c)
{
	static const char *const what[] = {
		[STEP_STARTING] = "starting", [STEP_LATE] = "late", [STEP_RECORDING] = "recording",
		[STEP_STOPPING] = "stopping", [STEP_FETCHING] = "fetching",
	};
	int n[STEP_DONE] = { 0 }, fetched = 0, failed = 0, done = 0;

	if (!c->tty)
		return;
	for (int i = 0; i < c->nr; i++) {
		const struct sys *s = &c->sys[i];

		if (s->step != STEP_DONE)
			n[s->step]++;
		else if (s->name && !s->fetch_ret)
			fetched++;
		else if (!s->ready_ns)
			failed++;
		else
			done++;
	}
	fprintf(stderr, "\r%s: %d systems:", PROG, c->nr);
	for (int k = 0; k < STEP_DONE; k++)
		if (n[k])
			fprintf(stderr, " %d %s", n[k], what[k]);
	if (fetched)
		fprintf(stderr, " %d fetched", fetched);
	if (done)
		fprintf(stderr, " %d stopped", done);
	if (failed)
		fprintf(stderr, " %d failed", failed);
	fputs("\033[K", stderr);
	c->progress_shown = true;
}

/* Say once why @s failed or died. */
static void tell_failure(struct collect *c, struct sys *s)
{
	if (s->reported)
		return;
	s->reported = true;
	progress_clear(c);
	tool_error("%s", s->error ?: s->spec);
}

/* Say what the systems did since the last time (c->lock held). */
static void report(struct collect *c)
{
	const struct run_opts *o = &c->run->o;

	for (int i = 0; i < c->nr; i++) {
		struct sys *s = &c->sys[i];

		if (s->late && !s->late_told) {
			s->late_told = true;
			progress_clear(c);
			tool_msg("%s: xtrace-run did not start within %d s; going on without it (it joins if it starts before the end)",
				 s->spec, o->ssh.timeout > 0 ? o->ssh.timeout : 10);
		}
		if (s->ready_ns && !s->ready_told) {
			s->ready_told = true;
			progress_clear(c);
			if (s->late && o->verbose >= 0)
				tool_msg("%s: its recorder started late, %.1f s after the others were asked; recording from then on",
					 s->spec, (s->ready_ns - c->t0) / 1e9);
			else if (o->verbose > 0)
				tool_msg("%s: recording on host '%s' in %s (pid %d)", s->spec,
					 s->rr.host, s->rr.dir, s->rr.pid);
		}
		if (s->died || (s->step == STEP_DONE && !s->ready_ns))
			tell_failure(c, s);
	}
}

/* Wait (c->lock held) until @done holds, saying what happens meanwhile. */
static void wait_until(struct collect *c, bool (*done)(const struct collect *))
{
	for (;;) {
		struct timespec ts;

		report(c);
		if (done(c))
			break;
		progress(c);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 200000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&c->moved, &c->lock, &ts);
	}
	progress_clear(c);
}

/* The command may start: the --on system records, and so does every other unless --no-wait. */
static bool started(const struct collect *c)
{
	for (int i = 0; i < c->nr; i++)
		if (c->sys[i].step == STEP_STARTING && (i == c->on || !c->run->o.no_wait))
			return false;
	return true;
}

static bool spawned(const struct collect *c)
{
	return c->sys[c->on].spawn_done;
}

static bool flushed(const struct collect *c)
{
	for (int i = 0; i < c->nr; i++)
		if (c->sys[i].flush_pending)
			return false;
	return true;
}

/* No system will begin recording any more: they can be named. */
static bool settled(const struct collect *c)
{
	for (int i = 0; i < c->nr; i++)
		if (c->sys[i].step == STEP_STARTING || c->sys[i].step == STEP_LATE)
			return false;
	return true;
}

static bool all_done(const struct collect *c)
{
	for (int i = 0; i < c->nr; i++)
		if (c->sys[i].step != STEP_DONE)
			return false;
	return true;
}

int collect_begin(struct run *run)
{
	struct run_opts *o = &run->o;
	pthread_condattr_t ca;
	struct collect *c;
	struct utsname u;
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
	c->run = run;
	c->host = strdup(u.nodename);
	c->on = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->moved, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&c->go, NULL);
	/* --on names a system to record too, if --remote did not */
	if (o->on) {
		for (int i = 0; i < o->nr_remotes; i++)
			if (!strcmp(o->remotes[i], o->on))
				c->on = i;
		if (c->on < 0) {
			const char **n = realloc(o->remotes, (o->nr_remotes + 1) * sizeof(*n));

			if (!n)
				goto fail;
			o->remotes = n;
			c->on = o->nr_remotes;
			o->remotes[o->nr_remotes++] = o->on;
		}
	}
	c->sys = calloc(o->nr_remotes, sizeof(*c->sys));
	if (!c->sys)
		goto fail;
	c->nr = o->nr_remotes;
	for (int i = 0; i < c->nr; i++)
		c->sys[i].wake = -1;
	if (asprintf(&run->local_dir, "%s/%s", run->top, c->host) < 0) {
		run->local_dir = NULL;
		goto fail;
	}
	c->args = remote_args(run);
	if (!c->host || !c->args)
		goto fail;
	o->rec.dir = run->local_dir;
	c->tty = o->verbose >= 0 && isatty(STDERR_FILENO);
	c->fetch_slots = o->fetch_jobs > 0 ? o->fetch_jobs : DEFAULT_FETCH_JOBS;
	if (o->fetch_rate && !(c->budget = xtrace_budget_new(o->fetch_rate)))
		goto fail;
	c->t0 = xtrace_now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < c->nr; i++) {
		struct sys *s = &c->sys[i];

		s->c = c;
		s->spec = o->remotes[i];
		s->cmd_status = -1;
		s->sync = clock_sync_new();
		s->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		err = s->wake < 0 ? errno : pthread_create(&s->thread, NULL, sys_main, s);
		if (err) {
			if (asprintf(&s->error, "%s: cannot start: %s", s->spec, strerror(err)) < 0)
				s->error = NULL;
			s->rr.state = XTRACE_RREC_FAILED;
			s->step = STEP_DONE;
			continue;
		}
		s->thread_started = true;
	}
	return 0;
fail:
	tool_error("%s", strerror(ENOMEM));
	collect_abort(run);
	rmdir(run->top);
	return -1;
}

int collect_ready(struct run *run)
{
	struct collect *c = run->col;
	bool ok;

	lock(c);
	wait_until(c, started);
	ok = c->on < 0 || c->sys[c->on].step == STEP_RECORDING;
	unlock(c);
	if (!ok)
		tool_error("cannot run the command on %s; nothing recorded", run->o.on);
	return ok ? 0 : -1;
}

int collect_spawn(struct run *run)
{
	struct collect *c = run->col;
	int ret;

	post(&c->sys[c->on], REQ_SPAWN);
	lock(c);
	wait_until(c, spawned);
	ret = c->sys[c->on].spawn_ret;
	unlock(c);
	return ret;
}

bool collect_poll(struct run *run, int *status)
{
	struct collect *c = run->col;
	bool ended = false, broken = false;

	lock(c);
	report(c);
	if (c->on >= 0 && c->sys[c->on].cmd_ended) {
		ended = true;
		broken = c->sys[c->on].cmd_broken && !c->cmd_told;
		c->cmd_told = true;
		*status = c->sys[c->on].cmd_status;
	}
	unlock(c);
	if (broken)
		tool_error("%s: the link to the command broke", run->o.on);
	return ended;
}

void collect_signal(struct run *run, int sig)
{
	struct collect *c = run->col;
	struct sys *s;

	if (c->on < 0)
		return;
	s = &c->sys[c->on];
	lock(c);
	s->signal = ++c->signals > 1 ? "KILL" : sig_name(sig);
	unlock(c);
	post(s, REQ_SIGNAL);
}

void collect_flush_send(struct run *run)
{
	struct collect *c = run->col;

	for (int i = 0; i < c->nr; i++) {
		struct sys *s = &c->sys[i];
		bool ask;

		lock(c);
		ask = s->flush_pending = s->step == STEP_RECORDING && !s->died;
		s->flush_ret = 0;	/* a system not asked has nothing to say */
		unlock(c);
		if (ask)
			post(s, REQ_FLUSH);
	}
}

void collect_flush_wait(struct run *run)
{
	struct collect *c = run->col;

	lock(c);
	wait_until(c, flushed);
	for (int i = 0; i < c->nr; i++) {
		struct sys *s = &c->sys[i];

		if (s->flush_ret == -EIO)
			tool_error("%s: flush: %s", s->spec, s->flush_msg);
	}
	unlock(c);
}

/* A directory name in DIR for each remote that recorded: its host name, unless that is taken. */
static void name_dirs(struct collect *c)
{
	for (int i = 0; i < c->nr; i++) {
		struct sys *s = &c->sys[i];
		const char *host = s->rr.host;
		bool taken;

		if (!s->rr.dir)
			continue;
		taken = !host || !strcmp(host, c->host) || !strcmp(host, "merged");
		for (int j = 0; j < i && !taken; j++)
			taken = c->sys[j].name && !strcmp(c->sys[j].name, host);
		if (!taken) {
			s->name = strdup(host);
			continue;
		}
		if (asprintf(&s->name, "%s-%s", host ?: "remote", s->spec) < 0)
			s->name = NULL;
		for (char *p = s->name; p && *p; p++)
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
	struct xtrace_merge_opts mo = { 0 };
	char *out = NULL;
	int ret;

	if (asprintf(&out, "%s/merged", run->top) < 0)
		return -ENOMEM;
	/* each system's clock is mapped by the merge (clocksync, clockcheck: docs/clocks.md) */
	mo.out = out;
	mo.inputs = dirs;
	mo.names = names;
	mo.nr_inputs = nr;
	mo.raw_clocks = run->o.raw_clocks;
	ret = xtrace_merge(&mo, meta);
	if (!ret && nr_notes) {
		for (int i = 0; i < nr_notes; i++)
			push(&meta->warnings, &meta->nr_warnings, strdup(notes[i]));
		xtrace_merge_meta_write(out, meta);
	}
	free(out);
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
		struct sys *s = &c->sys[i];

		fprintf(f, "\n[system %s]\nspec=%s\nhost=%s\nstate=%s\n",
			s->name ?: s->spec, s->spec, s->rr.host ?: "",
			xtrace_rrec_state_name(s->rr.state));
		if (s->error)
			fprintf(f, "error=%s\n", s->error);
		if (s->ready_ns)
			fprintf(f, "recording_after=%.3f\n", (s->ready_ns - c->t0) / 1e9);
		if (s->name) {
			fprintf(f, "dir=%s\nfetch=%s\n", s->name, s->no_sftp ? "stream" : "sftp");
			if (s->no_sftp)
				fprintf(f, "no_sftp=%s\n", s->no_sftp);
		}
		for (int k = 0; k < s->rr.nr_checks; k++)
			fprintf(f, "clock_check=at %" PRId64 " offset %" PRId64 " bound %" PRId64
				"\n", s->rr.checks[k].at, s->rr.checks[k].offset,
				s->rr.checks[k].bound);
	}
	fclose(f);
}

static void join_all(struct collect *c)
{
	for (int i = 0; i < c->nr; i++) {
		if (c->sys[i].thread_started)
			pthread_join(c->sys[i].thread, NULL);
		c->sys[i].thread_started = false;
	}
}

/* Stop every system at once, fetch them --fetch-jobs at a time; returns once all are done. */
static void stop_and_fetch(struct collect *c)
{
	for (int i = 0; i < c->nr; i++)
		if (c->sys[i].thread_started)
			post(&c->sys[i], REQ_STOP);
	lock(c);
	wait_until(c, settled);
	name_dirs(c);
	c->names_ready = true;
	pthread_cond_broadcast(&c->go);
	wait_until(c, all_done);
	unlock(c);
	join_all(c);
}

int collect_end(struct run *run, int status)
{
	struct run_opts *o = &run->o;
	struct collect *c = run->col;
	char **dirs = NULL, **names = NULL, **notes = NULL;
	struct xtrace_merge_meta meta = { 0 };
	int nr = 0, nr_names = 0, nr_notes = 0, ret = 0;

	stop_and_fetch(c);
	/* the threads are gone: what they left is ours */
	for (int i = 0; i < c->nr; i++)
		if (c->sys[i].ready_ns && c->sys[i].rr.state != XTRACE_RREC_STOPPED)
			tell_failure(c, &c->sys[i]);
	push(&dirs, &nr, strdup(run->local_dir));
	push(&names, &nr_names, strdup(c->host));
	for (int i = 0; i < c->nr; i++) {
		struct sys *s = &c->sys[i];
		struct xtrace_rec *rec;
		char *ldir = NULL;

		if (!s->rr.dir) {
			push(&notes, &nr_notes, strdup(s->error ?: s->spec));
			continue;
		}
		if (!s->name)
			continue;
		if (s->fetch_ret) {
			char *n = NULL;

			tool_error("%s: cannot fetch its recording; it stays in %s there",
				   s->spec, s->rr.dir);
			if (asprintf(&n, "%s: its recording could not be fetched; it stays in %s there",
				     s->spec, s->rr.dir) >= 0)
				push(&notes, &nr_notes, n);
			free(s->name);
			s->name = NULL;
			continue;
		}
		if (asprintf(&ldir, "%s/%s", run->top, s->name) < 0)
			continue;
		clock_sync_save(s->sync, &s->rr, ldir, c->host, o->verbose);
		if (o->verbose > 0)
			tool_msg("%s: fetched %.1f KiB in %.2f s (%.1f MiB/s) over %s",
				 s->spec, s->fetch_bytes / 1024.0, s->fetch_s,
				 s->fetch_s > 0 ? s->fetch_bytes / s->fetch_s / 1048576 : 0,
				 s->no_sftp ? "an exec stream" : "SFTP");
		/* not the usual way: say so, and why */
		if (s->no_sftp && o->verbose >= 0)
			tool_msg("%s: fetched over an exec stream, sizes and checksums checked (no SFTP there: %s)",
				 s->spec, s->no_sftp);
		if (s->rr.state != XTRACE_RREC_STOPPED) {
			char *n = NULL;

			if (asprintf(&n, "%s: its recording may be incomplete: %s", s->name,
				     s->error ?: "it did not stop cleanly") >= 0)
				push(&notes, &nr_notes, n);
		}
		/* a recorder that died before saving anything leaves nothing to merge */
		rec = xtrace_rec_open(ldir);
		if (!rec) {
			tool_error("%s: its recording cannot be read (%s); not merged",
				   s->name, strerror(errno));
			free(ldir);
			continue;
		}
		xtrace_rec_close(rec);
		push(&dirs, &nr, ldir);
		push(&names, &nr_names, strdup(s->name));
	}
	write_collection(run, status);

	if (o->verbose >= 0) {
		for (int i = 0; i < c->nr; i++) {
			struct sys *s = &c->sys[i];
			char a[32], b[32];
			int64_t bound, off;

			if (!s->rr.nr_checks)
				continue;
			off = xtrace_clock_checks_offset(s->rr.checks, s->rr.nr_checks, &bound);
			fmt_offset(a, sizeof(a), off);
			snprintf(b, sizeof(b), "%.1f us", bound / 1000.0);
			tool_msg("%s: clock %s from here (ssh check, +-%s)%s",
				 s->name ?: s->spec, a, b,
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
				const struct xtrace_merge_source *src = &meta.sources[i];
				char bound[32] = "unknown";

				if (src->clock_bound >= 0)
					xtrace_format_ns(bound, sizeof(bound), src->clock_bound);
				fprintf(stderr, "  %-16s %12" PRIu64 " events %10" PRIu64 " lost; clock: %s, offset %+.6f s, drift %+.3f ppm, bound %s, %d exchanges\n",
					src->name, src->events, src->lost, src->clock_basis ?: "-",
					src->clock_offset / 1e9, src->drift_ppb / 1e3, bound,
					src->exchanges);
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
	struct collect *c = run->col;

	if (!c)
		return;
	for (int i = 0; i < c->nr; i++)
		if (c->sys[i].thread_started)
			post(&c->sys[i], REQ_ABORT);
	lock(c);
	/* a system already stopping fetches nothing now */
	c->names_ready = true;
	pthread_cond_broadcast(&c->go);
	unlock(c);
	join_all(c);
	for (int i = 0; i < c->nr; i++) {
		struct sys *s = &c->sys[i];

		xtrace_rrec_free(&s->rr);
		free(s->error);
		free(s->name);
		free(s->no_sftp);
		clock_sync_free(s->sync);
		if (s->wake >= 0)
			close(s->wake);
	}
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->moved);
	pthread_cond_destroy(&c->go);
	xtrace_budget_free(c->budget);
	free(c->sys);
	free(c->args);
	free(c->host);
	free(c);
	run->col = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-run: record kernel events while a command runs.
 *
 *   xtrace-run [options] command [args...]
 *
 * Exits with the command's status (128+N if a signal N ended it), so that
 * "xtrace-run ... userapp || ..." works as it would without xtrace-run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xtrace.h"
#include "rmtree.h"
#include "tool.h"
#include "tool-ssh.h"
#include "run.h"


enum {
	OPT_SERVE = 0x100, OPT_ON, OPT_NO_MERGE, OPT_KEEP_REMOTE,
	OPT_CORRECT_CLOCKS, OPT_NO_WAIT, OPT_FETCH_JOBS, OPT_FETCH_RATE,
	OPT_RAW_CLOCKS,
	OPT_SEND, OPT_REMOVE, OPT_ANY_CPU,
};

static const char *const usage_text[] = {
	"usage: xtrace-run [options] command [args...]",
	"       xtrace-run [options] --serve",
	"",
	"Record kernel events on this system while COMMAND runs. The exit status is",
	"the command's. The command finds the recording's trace_marker in $XTRACE_MARKER:",
	"what it writes there appears in the recording as MARKER [text].",
	"",
	"  -o, --output DIR     write the recording to DIR (default: xtrace-HOSTNAME);",
	"                       DIR must not exist or be empty",
	"  -e, --events LIST    events: groups (sched,irq,timer,syscalls,file,kvm,default,all),",
	"                       tracefs systems (kvmmmu) or system:event globs (kvm:*);",
	"                       -ITEM removes; default: sched,irq,timer,syscalls,kvm",
	"  -t, --timestamp T    tod (time of day, default) or tsc (x86 TSC, cannot be merged)",
	"  -m, --mode MODE      stream (write while recording, default) or overwrite (flight",
	"                       recorder: keep the newest events in memory, save them on",
	"                       xtrace-ctl flush/stop and when the command ends)",
	"  -k, --keep-running   on xtrace-ctl stop, leave the command running (default: end",
	"                       it with SIGTERM, then SIGKILL after 5 s)",
	"  -b, --buffer SIZE    per-CPU ring buffer, KiB unless suffixed K/M/G (default 4M)",
	"  -c, --cpus CPUS      record only these CPUs, e.g. 0,2-3 (default: all online)",
	"  -z, --zstd LEVEL     zstd level of the data, -7 (fastest) to 19 (smallest); default 1",
	"  -l, --list-events    list the event groups (with -v: every event of this kernel)",
	"      --any-cpu        let the recorder run on CPUs a kvmrt shield keeps for",
	"                       real-time VMs (default: the housekeeping CPUs only, while",
	"                       the command keeps the affinity it had)",
	"",
	"Several systems in one command (docs/remote.md): start recorders here and on each",
	"--remote system over ssh, run the command here or on --on's system, flush them all",
	"at once if it fails, fetch every recording into DIR/<host>/ and merge DIR/merged.",
	"  -r, --remote SYSTEM  record [user@]host[:port] too (an ssh config alias is fine);",
	"                       repeat for more systems",
	"      --on SYSTEM      run the command there (default: here, 'local')",
	"      --no-merge       fetch the recordings, do not merge them",
	"      --keep-remote    leave the remote recordings in place after fetching them",
	"      --raw-clocks     merge with each system's wall clock as recorded (by default",
	"                       each remote one is mapped onto this one's by clock exchanges",
	"                       made while it records; docs/clocks.md)",
	"      --no-wait        start the command once --on's system (or this one) records;",
	"                       the others join as they start (default: wait for every",
	"                       system to record or fail, each within --ssh-timeout)",
	"      --fetch-jobs N   fetch N recordings at once (default 4)",
	"      --fetch-rate RATE  receive at most RATE bytes/s over all fetches, MiB/s",
	"                       unless suffixed K/M/G (default: no limit)",
	TOOL_SSH_USAGE,
	"",
	"      --serve          record without a command until 'stop' or end of input on",
	"                       stdin, answering requests there (what --remote starts on",
	"                       other systems; see docs/remote.md); -o default: a new",
	"                       directory in /tmp",
	"  -q, --quiet          print only errors",
	"  -v, --verbose        print more",
	"  -h, --help           this text",
	"  -V, --version        print the version",
	NULL,
};





static int list_events(int verbose)
{
	const char *name, *desc;

	printf("event groups (-e):\n");
	for (int i = 0; !xtrace_events_group(i, &name, &desc); i++)
		printf("  %-10s %s\n", name, desc);
	printf("also: a tracefs system (e.g. kvmmmu), system:event globs (e.g. 'kvm:*'),\n'all', and -ITEM to remove (e.g. default,-syscalls)\n");
	if (verbose > 0) {
		char **ev = NULL;

		if (xtrace_events_resolve("all", NULL, &ev, NULL) == 0) {
			printf("\nevents of this kernel:\n");
			for (char **e = ev; *e; e++)
				printf("  %s\n", *e);
		}
		xtrace_strv_free(ev);
	}
	return 0;
}

/* Exec the command; report exec failures back through a close-on-exec pipe. */
static pid_t spawn(char **argv, const sigset_t *oldmask, const char *marker, const char *dir,
		   int *exec_err)
{
	int pfd[2];
	pid_t pid;
	ssize_t n;

	*exec_err = 0;
	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (!pid) {
		int err;

		close(pfd[0]);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		housekeeping_leave();
		if (marker)
			setenv("XTRACE_MARKER", marker, 1);
		setenv("XTRACE_DIR", dir, 1);
		execvp(argv[0], argv);
		err = errno;
		if (write(pfd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	do {
		n = read(pfd[0], exec_err, sizeof(*exec_err));
	} while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n != sizeof(*exec_err))
		*exec_err = 0;
	return pid;
}

static int arm_clock_watch(int tfd)
{
	/* fires (ECANCELED) when someone sets CLOCK_REALTIME: take a sample at once */
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)1 << 40 } };

	return timerfd_settime(tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

static void summary(const char *dir, int exit_status, int verbose)
{
	struct xtrace_meta m;
	uint64_t ev = 0, lost, overwritten = 0, disk = 0;
	int cpus = 0;

	if (xtrace_meta_read(dir, &m))
		return;
	for (int c = 0; c < m.nr_cpus; c++) {
		if (!m.cpu[c].recorded)
			continue;
		cpus++;
		ev += m.cpu[c].events;
		overwritten += m.cpu[c].overrun;
		disk += m.cpu[c].bytes_disk;
	}
	lost = xtrace_meta_lost(&m);
	if (overwritten && m.mode && !strcmp(m.mode, "overwrite") && verbose > 0)
		tool_msg("%llu older events were overwritten (the flight recorder keeps the newest)",
			 (unsigned long long)overwritten);
	if (lost) {
		tool_msg("warning: %llu events were lost (buffer overrun); try a larger -b",
			 (unsigned long long)lost);
	}
	if (verbose >= 0)
		tool_msg("recorded %llu events on %d CPUs into '%s' (%.1f KiB, %.2f bytes/event); command exited with %d",
			 (unsigned long long)ev, cpus, dir, disk / 1024.0,
			 ev ? (double)disk / ev : 0.0, exit_status);
	xtrace_meta_free(&m);
}

static int status_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

/* Parse "VERB [CPUS]" of a control request. */
static int parse_request(char *line, char **verb, struct xtrace_cpuset *cpus, bool *have_cpus)
{
	char *arg = strchr(line, ' ');

	*verb = line;
	*have_cpus = false;
	if (!arg)
		return 0;
	*arg++ = '\0';
	while (*arg == ' ')
		arg++;
	if (!*arg)
		return 0;
	*have_cpus = true;
	return xtrace_cpuset_parse(arg, cpus);
}

/*
 * Carry out one request ("flush 0-1", "status", "stop", ...): *@ok and @msg
 * say how it went. Returns true when the recording was stopped.
 */
static bool do_request(struct xtrace_recorder *r, struct run *run, char *line, bool *ok,
		       char *msg, size_t size)
{
	struct run_opts *o = &run->o;
	struct xtrace_recorder_status st;
	struct xtrace_cpuset cpus;
	char *verb;
	bool have_cpus;
	int ret;

	*ok = false;
	if (!strncmp(line, "mark ", 5)) {
		/* "mark LABEL": an event of another program in our trace (guest services) */
		ret = xtrace_recorder_mark(r, line + 5);
		*ok = !ret;
		if (ret)
			snprintf(msg, size, "mark: %s", strerror(-ret));
		else
			snprintf(msg, size, "marked");
		return false;
	}
	if (parse_request(line, &verb, &cpus, &have_cpus)) {
		snprintf(msg, size, "invalid CPU list");
		return false;
	}
	if (!strcmp(verb, "flush") || !strcmp(verb, "flush-all")) {
		ret = verb[5] ? flush_every_system(r, run, have_cpus ? &cpus : NULL) :
				xtrace_recorder_flush(r, have_cpus ? &cpus : NULL);
		*ok = ret >= 0;
		if (ret < 0)
			snprintf(msg, size, "flush failed: %s", strerror(-ret));
		else
			snprintf(msg, size, "saved %d sub-buffers", ret);
	} else if (!strcmp(verb, "pause") || !strcmp(verb, "resume")) {
		ret = verb[0] == 'p' ? xtrace_recorder_pause(r, have_cpus ? &cpus : NULL) :
				       xtrace_recorder_resume(r, have_cpus ? &cpus : NULL);
		*ok = !ret;
		if (ret)
			snprintf(msg, size, "%s failed: %s", verb, strerror(-ret));
		else
			snprintf(msg, size, "%sd", verb);
	} else if (!strcmp(verb, "status")) {
		ret = xtrace_recorder_status(r, &st);
		*ok = !ret;
		if (ret)
			snprintf(msg, size, "status failed: %s", strerror(-ret));
		else
			snprintf(msg, size, "dir=%s\tmode=%s\tcpus=%s\tpaused=%s\tsaved=%llu\tin_buffer=%llu\toverrun=%llu\tdropped=%llu\tflushes=%d\tcommand=%s",
				 run->abs_dir ? run->abs_dir : st.dir,
				 st.mode, st.cpus, st.paused[0] ? st.paused : "-",
				 (unsigned long long)st.saved, (unsigned long long)st.in_buffer,
				 (unsigned long long)st.overrun, (unsigned long long)st.dropped,
				 st.flushes, o->rec.command ? o->rec.command : "-");
	} else if (!strcmp(verb, "stop")) {
		/* flush first, so the buffers of this moment are saved and marked */
		ret = xtrace_recorder_flush(r, NULL);
		if (ret >= 0)
			ret = xtrace_recorder_stop(r, -1);
		*ok = ret >= 0;
		if (ret < 0)
			snprintf(msg, size, "stop: %s", strerror(-ret));
		else
			snprintf(msg, size, "stopped; %s", o->serve ? "the recording is complete" :
				 o->keep_running ? "the command keeps running" :
				 "ending the command");
		return true;
	} else {
		snprintf(msg, size, "unknown command '%s'", verb);
	}
	return false;
}

/* Answer one xtrace-ctl request. Returns true when the recording was stopped. */
static bool serve(struct xtrace_recorder *r, struct run *run, int lfd)
{
	char line[512], msg[1024];
	bool ok, stopped;
	int fd;

	fd = xtrace_ctl_accept(lfd, line, sizeof(line));
	if (fd < 0)
		return false;
	stopped = do_request(r, run, line, &ok, msg, sizeof(msg));
	xtrace_ctl_reply(fd, ok, "%s", msg);
	return stopped;
}

/*
 * --serve: answer the requests waiting on stdin, a line each: "clock" (our
 * CLOCK_REALTIME, for clock checks), "sync" (our trace clock, for clock
 * exchanges), or a request as xtrace-ctl sends it.
 * Returns true when the recording was stopped ("stop", or end of input).
 */
static bool serve_stdin(struct xtrace_recorder *r, struct run *run)
{
	char buf[4096], msg[1024], *nl;
	ssize_t n = read(0, buf, sizeof(buf));
	bool ok;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n <= 0) {
		/* the link is gone: finish the recording, nothing is lost */
		char stop[] = "stop";

		do_request(r, run, stop, &ok, msg, sizeof(msg));
		return true;
	}
	if (TOOL_GROW(run->stdin_buf, run->stdin_len + n + 1))
		return false;
	memcpy(run->stdin_buf + run->stdin_len, buf, n);
	run->stdin_len += n;
	run->stdin_buf[run->stdin_len] = '\0';
	while ((nl = strchr(run->stdin_buf, '\n'))) {
		bool stopped = false;
		char *line = run->stdin_buf;

		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (!strcmp(line, "clock")) {
			printf("clock %lld\n", (long long)xtrace_now_ns(CLOCK_REALTIME));
		} else if (!strcmp(line, "sync")) {
			/* a clock exchange: our trace clock, read as the request is seen */
			printf("sync %llu\n", (unsigned long long)xtrace_recorder_clock_now(r));
		} else if (*line) {
			stopped = do_request(r, run, line, &ok, msg, sizeof(msg));
			printf("%s %s\n", ok ? "ok" : "err", msg);
		}
		fflush(stdout);
		run->stdin_len -= nl + 1 - line;
		memmove(run->stdin_buf, nl + 1, run->stdin_len + 1);
		if (stopped)
			return true;
	}
	return false;
}

/* End the command after xtrace-ctl stop: SIGTERM, then SIGKILL if it lingers. */
static int end_command(pid_t child, int *wstatus)
{
	kill(child, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(child, wstatus, WNOHANG) == child)
			return 0;
		usleep(100000);
	}
	kill(child, SIGKILL);
	return waitpid(child, wstatus, 0) == child ? 0 : -1;
}

static int run_xtrace_run(struct run *run)
{
	struct run_opts *o = &run->o;
	struct xtrace_recorder *r;
	sigset_t mask, oldmask;
	int sfd = -1, tfd = -1, lfd = -1, exec_err, wstatus = 0, status = 1, signals = 0;
	int rstatus = 0, ret;
	bool stopped = false, remote_cmd = false;
	char *cmd, *sock = NULL;
	pid_t child;

	if (o->list_events)
		return list_events(o->verbose);
	cmd = o->serve ? NULL : tool_shell_quote(o->argv);
	o->rec.command = cmd;
	/* before the recorder's threads and processes exist: they inherit it */
	if (!o->any_cpu && (ret = housekeeping_enter(o->verbose)) < 0)
		tool_msg("cannot keep to the housekeeping CPUs of the kvmrt shield: %s",
			 strerror(-ret));

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0 || arm_clock_watch(tfd)) {
		tool_error("cannot set up signal handling: %s", strerror(errno));
		goto out;
	}

	/* the control socket first: if it cannot be had, nothing is created */
	lfd = xtrace_ctl_listen(&sock);
	if (lfd < 0)
		goto out;
	if (o->nr_remotes || o->on) {
		if (collect_begin(run)) {
			status = o->on ? 255 : 1;
			goto out;
		}
		remote_cmd = o->on != NULL;
	}
	r = xtrace_recorder_new(&o->rec);
	if (!r) {
		collect_abort(run);
		if (errno == EACCES || errno == EPERM)
			tool_error("tracing needs root (or CAP_SYS_ADMIN and tracefs access): %s",
				   strerror(errno));
		else if (o->verbose > 0)
			tool_error("cannot start recording: %s", strerror(errno));
		goto out;
	}
	run->abs_dir = realpath(o->rec.dir, NULL);
	ret = xtrace_recorder_start(r);
	if (ret) {
		tool_error("cannot start recording: %s", strerror(-ret));
		collect_abort(run);
		xtrace_recorder_stop(r, -1);
		xtrace_recorder_free(r);
		goto out;
	}
	/* the remote systems started meanwhile; the command waits for them */
	if (run->col && collect_ready(run)) {
		/* nothing runs on --on's system: nothing of this run is kept */
		collect_abort(run);
		xtrace_recorder_stop(r, 255);
		xtrace_recorder_free(r);
		rm_tree(run->local_dir);
		rmdir(run->top);
		status = 255;
		goto out;
	}
	if (o->serve) {
		struct utsname u;

		uname(&u);
		printf("ready pid=%d host=%s dir=%s marker=%s\n", (int)getpid(), u.nodename,
		       run->abs_dir ? run->abs_dir : o->rec.dir,
		       xtrace_recorder_marker_path(r) ?: "-");
		fflush(stdout);
		child = 0;
		exec_err = 0;
	} else if (remote_cmd) {
		child = 0;
		exec_err = collect_spawn(run) ? EIO : 0;
	} else {
		child = spawn(o->argv, &oldmask, xtrace_recorder_marker_path(r), o->rec.dir,
			      &exec_err);
	}
	if (child < 0 || exec_err) {
		int err = child < 0 ? errno : exec_err;

		tool_error("cannot run '%s': %s", o->argv[0], strerror(err));
		if (child > 0)
			waitpid(child, NULL, 0);
		status = err == ENOENT ? 127 : 126;
		collect_abort(run);
		xtrace_recorder_stop(r, status);
		xtrace_recorder_free(r);
		goto out;
	}

	for (;;) {
		struct pollfd p[4] = { { sfd, POLLIN, 0 }, { tfd, POLLIN, 0 },
				       { o->serve ? 0 : -1, POLLIN, 0 }, { lfd, POLLIN, 0 } };
		struct signalfd_siginfo si;
		bool clock_set = false;

		if (poll(p, lfd >= 0 ? 4 : 3, run->col ? 50 : 1000) < 0 && errno != EINTR)
			break;
		if (run->col && collect_poll(run, &rstatus) && remote_cmd)
			break;
		if (o->serve && (p[2].revents ? serve_stdin(r, run) : stopped)) {
			stopped = true;
			break;
		}
		if (lfd >= 0 && p[3].revents && serve(r, run, lfd)) {
			/* stopped: nobody can address this recorder any more */
			stopped = true;
			close(lfd);
			lfd = -1;
			unlink(sock);
			if (o->serve) {
				printf("stopped\n");
				fflush(stdout);
				break;
			}
			if (remote_cmd) {
				if (!o->keep_running)
					collect_signal(run, SIGTERM);
				rstatus = 128 + SIGTERM;
				break;
			}
			if (!o->keep_running) {
				end_command(child, &wstatus);
				break;
			}
		}
		if (p[1].revents) {
			uint64_t exp;

			if (read(tfd, &exp, sizeof(exp)) < 0 && errno == ECANCELED)
				clock_set = true;
			arm_clock_watch(tfd);
		}
		xtrace_recorder_tick(r, clock_set);
		if (!p[0].revents || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (o->serve) {
			/* no command to pass a signal on to: finish the recording */
			if (si.ssi_signo != SIGCHLD)
				break;
			continue;
		}
		if (remote_cmd) {
			if (si.ssi_signo != SIGCHLD)
				collect_signal(run, si.ssi_signo);
			continue;
		}
		if (si.ssi_signo == SIGCHLD) {
			if (waitpid(child, &wstatus, WNOHANG) == child)
				break;
			continue;
		}
		/*
		 * A terminal's ^C reaches the command too (same process group); a
		 * signal sent to us alone is passed on. A second one ends the command.
		 */
		if (++signals > 1)
			kill(child, SIGKILL);
		else if (si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE)
			kill(child, si.ssi_signo);
	}
	status = o->serve ? 0 : remote_cmd ? rstatus : status_of(wstatus);
	if (run->col && status && !stopped) {
		/* the command failed: save every system's buffers of this moment first */
		flush_every_system(r, run, NULL);
	}
	if (stopped)
		xtrace_recorder_set_exit_status(r, status);
	else if (xtrace_recorder_stop(r, status)) {
		tool_error("the recording in '%s' is incomplete: %s", o->rec.dir,
			   strerror(-xtrace_recorder_failed(r) ?: EIO));
		if (o->serve)
			status = 1;
	}
	xtrace_recorder_free(r);
	summary(o->rec.dir, status, o->verbose);
	if (run->col)
		collect_end(run, status);
out:
	free(cmd);
	free(run->abs_dir);
	free(run->stdin_buf);
	free(run->local_dir);
	free(o->remotes);
	if (lfd >= 0)
		close(lfd);
	if (sock) {
		unlink(sock);
		free(sock);
	}
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "events", required_argument, NULL, 'e' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "list-events", no_argument, NULL, 'l' },
		{ "any-cpu", no_argument, NULL, OPT_ANY_CPU },
		{ "keep-running", no_argument, NULL, 'k' },
		{ "zstd", required_argument, NULL, 'z' },
		{ "serve", no_argument, NULL, OPT_SERVE },
		{ "remote", required_argument, NULL, 'r' },
		{ "on", required_argument, NULL, OPT_ON },
		TOOL_SSH_LONGOPTS,
		{ "no-merge", no_argument, NULL, OPT_NO_MERGE },
		{ "keep-remote", no_argument, NULL, OPT_KEEP_REMOTE },
		{ "correct-clocks", no_argument, NULL, OPT_CORRECT_CLOCKS },
		{ "raw-clocks", no_argument, NULL, OPT_RAW_CLOCKS },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "fetch-jobs", required_argument, NULL, OPT_FETCH_JOBS },
		{ "fetch-rate", required_argument, NULL, OPT_FETCH_RATE },
		{ "send", required_argument, NULL, OPT_SEND },
		{ "remove", required_argument, NULL, OPT_REMOVE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o = { .rec = { .nice = -20 } };
	uint64_t size;
	int c, ret;

	tool_prog = PROG;	/* for messages about the options */
	while ((c = getopt_long(argc, argv, "+o:e:t:m:b:c:z:r:F:lkqvhV", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.rec.dir = optarg;
			break;
		case 'e':
			o.rec.events = optarg;
			break;
		case 't':
			if (!strcmp(optarg, "tod"))
				o.rec.ts_type = XTRACE_TS_TOD;
			else if (!strcmp(optarg, "tsc"))
				o.rec.ts_type = XTRACE_TS_TSC;
			else {
				return tool_bad_usage("unknown timestamp type '%s' (tod or tsc)",
						      optarg);
			}
			break;
		case 'm':
			if (!strcmp(optarg, "stream")) {
				o.rec.mode = XTRACE_MODE_STREAM;
			} else if (!strcmp(optarg, "overwrite")) {
				o.rec.mode = XTRACE_MODE_OVERWRITE;
			} else {
				return tool_bad_usage("unknown mode '%s' (stream or overwrite)",
						      optarg);
			}
			break;
		case 'k':
			o.keep_running = true;
			break;
		case OPT_SERVE:
			o.serve = true;
			break;
		case 'r': {
			char *u, *h;
			int port;

			if (TOOL_GROW(o.remotes, o.nr_remotes + 1))
				return 1;
			if (xtrace_remote_parse(optarg, &u, &h, &port))
				return tool_bad_usage("--remote '%s': not [user@]host[:port]",
						      optarg);
			free(u);
			free(h);
			o.remotes[o.nr_remotes++] = optarg;
			break;
		}
		case OPT_ON:
			o.on = optarg;
			break;
		case OPT_NO_MERGE:
			o.no_merge = true;
			break;
		case OPT_KEEP_REMOTE:
			o.keep_remote = true;
			break;
		case OPT_CORRECT_CLOCKS:
			break;	/* the default now; kept for old scripts */
		case OPT_RAW_CLOCKS:
			o.raw_clocks = true;
			break;
		case OPT_NO_WAIT:
			o.no_wait = true;
			break;
		case OPT_FETCH_JOBS: {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || end == optarg || n < 1 || n > 1024)
				return tool_bad_usage("invalid --fetch-jobs '%s' (1 to 1024)", optarg);
			o.fetch_jobs = n;
			break;
		}
		case OPT_FETCH_RATE:
			if (xtrace_parse_size(optarg, 1048576, &size) || !size)
				return tool_bad_usage("invalid --fetch-rate '%s' (MiB/s, or bytes/s with K/M/G, e.g. 500K)",
						      optarg);
			o.fetch_rate = size;
			break;
		case OPT_SEND:
			o.send_dir = optarg;
			break;
		case OPT_REMOVE:
			o.remove_dir = optarg;
			break;
		case 'z': {
			char *end;
			long lv = strtol(optarg, &end, 10);

			if (*end || end == optarg || lv < -7 || lv > 19 || lv == 0)
				return tool_bad_usage("invalid zstd level '%s' (-7..-1 or 1..19)",
						      optarg);
			o.rec.compression_level = lv;
			break;
		}
		case 'b':
			if (xtrace_parse_size(optarg, 1024, &size) || size < 4096 ||
			    size > (1ULL << 40)) {
				return tool_bad_usage("invalid buffer size '%s' (KiB, or with K/M/G; at least 4K)",
						      optarg);
			}
			o.rec.buffer_kb = size / 1024;
			break;
		case 'c': {
			struct xtrace_cpuset set;

			if (xtrace_cpuset_parse(optarg, &set))
				return tool_bad_usage("invalid CPU list '%s' (e.g. 0,2,4-7)",
						      optarg);
			o.rec.cpus = optarg;
			break;
		}
		case 'l':
			o.list_events = true;
			break;
		case OPT_ANY_CPU:
			o.any_cpu = true;
			break;
		case 'q':
			o.verbose = -1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			tool_usage(stdout, usage_text);
			return 0;
		case 'V':
			return tool_exit(tool_version());
		default:
			switch (tool_ssh_option(c, optarg, &o.ssh)) {
			case 1:
				continue;
			case -1:
				return 2;
			}
			return tool_try_help();
		}
	}
	tool_init(PROG, o.verbose);
	if (o.send_dir || o.remove_dir) {
		struct run send = { .o = o };

		/* what a collector runs here, over ssh, when this system has no SFTP */
		if ((o.send_dir && o.remove_dir) || o.serve || o.nr_remotes || o.on ||
		    optind < argc)
			return tool_bad_usage("--send and --remove take a directory and nothing else");
		return tool_exit(run_send(&send));
	}
	if (o.on && !strcmp(o.on, "local"))
		o.on = NULL;
	if (o.serve && (o.nr_remotes || o.on))
		return tool_bad_usage("--serve records this system only (no --remote or --on)");
	if (o.serve && optind < argc)
		return tool_bad_usage("--serve takes no command");
	if (o.serve && !o.rec.dir) {
		o.dir_alloc = strdup("/tmp/xtrace-serve-XXXXXX");
		if (!o.dir_alloc || !mkdtemp(o.dir_alloc))
			return tool_error("cannot make a directory in /tmp: %s",
					  strerror(errno));
		o.rec.dir = o.dir_alloc;
	}
	if (!o.list_events && !o.serve && optind >= argc) {
		return tool_bad_usage("no command given (xtrace-run [options] command [args...])");
	}
	o.argv = argv + optind;
	if (!o.rec.dir) {
		struct utsname u;

		uname(&u);
		if (asprintf(&o.dir_alloc, "xtrace-%s", u.nodename) < 0)
			return 1;
		o.rec.dir = o.dir_alloc;
	}
	{
		struct run run = { .o = o };

		ret = run_xtrace_run(&run);
	}
	free(o.dir_alloc);
	return tool_exit(ret);
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * The guardian: a small child process that turns a recorder's tracing off and
 * removes its tracefs instance when the recorder dies without stopping (kill -9,
 * a crash, an exec), so the kernel does not go on tracing for hours until the
 * next xtrace-ctl or xtrace-run cleans up.
 *
 * It is forked when the instance is made, before tracing is on, and sleeps in
 * read() on its end of a socket pair. However the recorder ends, the kernel
 * closes the recorder's end (close-on-exec, so the traced command never holds
 * it): the guardian reads end-of-file, writes 0 to the instance's tracing_on,
 * removes the instance and exits. A recorder that stops normally removes its
 * instance itself, sends the guardian one byte ("done": nothing to do) and
 * reaps it. (A pidfd would also see the death while a child forked by the
 * recorder has not yet exec'ed; valgrind cannot run pidfd_open(), and a child
 * that never execs would hold the instance's files busy anyway.)
 *
 * The recorder may have threads, so the child makes only async-signal-safe
 * system calls: the paths it needs are built before fork().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xtrace-local.h"

#define GUARD_NAME		"xtrace-guard"	/* its comm, as ps shows it */
#define RMDIR_TRIES		100		/* rmdir answers EBUSY while files close */
#define RMDIR_WAIT_NS		10000000L	/* 10 ms between tries: 1 s in all */

struct guard_child {
	int fd;			/* our end of the socket pair */
	long max_fd;		/* for closing descriptors without close_range() */
	const char *dir;	/* the instance's directory */
	const char *tracing_on;	/* and its tracing_on file */
};

static void close_fds(unsigned int lo, unsigned int hi, long max_fd)
{
	if (lo > hi)
		return;
#ifdef SYS_close_range
	if (!syscall(SYS_close_range, lo, hi, 0))
		return;
#endif
	for (long fd = lo; fd <= (long)hi && fd < max_fd; fd++)
		close(fd);
}

/*
 * Close every inherited descriptor but @keep: the recorder's lock on its instance
 * (held by us, it would make a dead recorder look alive), its tracefs files (they
 * keep the instance busy), the terminal or the ssh channel of --serve.
 */
static void close_others(int keep, long max_fd)
{
	if (keep > 0)
		close_fds(0, keep - 1, max_fd);
	close_fds(keep + 1, ~0U, max_fd);
}

static bool ignored(int sig)
{
	/* a terminal's ^C reaches the whole process group: the recorder cleans up then */
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT ||
	       sig == SIGPIPE || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Block until the recorder says it is done (true) or is gone (false). */
static bool recorder_done(int fd)
{
	for (;;) {
		ssize_t n;
		char c;

		n = read(fd, &c, 1);
		if (n == 1)
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		/* end of file (or the connection reset): the recorder's end is closed */
		return false;
	}
}

static void __attribute__((noreturn)) guardian(const struct guard_child *g)
{
	struct sigaction sa = { 0 };
	bool stopped;
	sigset_t none;
	int fd;

	close_others(g->fd, g->max_fd);
	/* out of the terminal's process group and session: only the recorder's end ends it */
	setsid();
	prctl(PR_SET_NAME, GUARD_NAME, 0, 0, 0);
	for (int sig = 1; sig < NSIG; sig++) {
		sa.sa_handler = ignored(sig) ? SIG_IGN : SIG_DFL;
		sigaction(sig, &sa, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (recorder_done(g->fd))
		_exit(0);
	fd = open(g->tracing_on, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(0);	/* the instance is gone already */
	stopped = write(fd, "0", 1) == 1;
	close(fd);
	/* the dead recorder's files close one by one: the instance is busy until then */
	for (int i = 0; i < RMDIR_TRIES; i++) {
		struct timespec wait = { 0, RMDIR_WAIT_NS };

		if (!rmdir(g->dir) || errno != EBUSY)
			break;
		nanosleep(&wait, NULL);
	}
	_exit(stopped ? 0 : 1);
}

int xt_guard_start(struct xt_guard *g, const char *instance_dir)
{
	struct guard_child c;
	char *on = NULL;
	int sv[2];
	pid_t pid;

	g->pid = 0;
	g->fd = -1;
	if (asprintf(&on, "%s/tracing_on", instance_dir) < 0)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		free(on);
		return -errno;
	}
	c.fd = sv[1];
	c.max_fd = sysconf(_SC_OPEN_MAX);
	if (c.max_fd <= 0 || c.max_fd > INT_MAX)
		c.max_fd = 65536;
	c.dir = instance_dir;
	c.tracing_on = on;
	pid = fork();
	if (!pid)
		guardian(&c);
	if (pid < 0) {
		int err = errno;

		close(sv[0]);
		close(sv[1]);
		free(on);
		return -err;
	}
	close(sv[1]);
	free(on);
	g->pid = pid;
	g->fd = sv[0];
	return 0;
}

void xt_guard_end(struct xt_guard *g)
{
	if (g->fd >= 0) {
		/* done: the guardian has nothing to do (it may have been killed: no SIGPIPE) */
		send(g->fd, "d", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(g->fd);
		g->fd = -1;
	}
	if (g->pid > 0) {
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
		g->pid = 0;
	}
}

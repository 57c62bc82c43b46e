// SPDX-License-Identifier: LGPL-2.1
/*
 * The control channel between xtrace-ctl and running recorders: one Unix
 * socket per recorder, "xtrace-PID.sock" in a directory only its owner can
 * enter (/run/xtrace, or $XTRACE_RUN_DIR). Requests and replies are one line
 * each: "flush 0-1" -> "ok ..." or "err ...". A recorder answers only root
 * and its own user (SO_PEERCRED), on top of the directory's permissions.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "xtrace-local.h"

#define DEFAULT_RUN_DIR	"/run/xtrace"
#define SERVER_READ_MS	2000

const char *xtrace_ctl_dir(void)
{
	const char *d = getenv("XTRACE_RUN_DIR");

	return d && *d ? d : DEFAULT_RUN_DIR;
}

/* The directory must be ours and writable by nobody else: a socket in a shared
 * directory could be replaced by someone else's. */
static int check_dir(const char *dir, bool create)
{
	struct stat st;

	if (create && mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		xt_log(XTRACE_LOG_ERROR, "unsafe control directory '%s': it must be a directory owned by uid %d that no one else can write",
		       dir, (int)geteuid());
		return -EPERM;
	}
	return 0;
}

static int make_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int xtrace_ctl_listen(char **path)
{
	const char *dir = xtrace_ctl_dir();
	struct sockaddr_un sa;
	char *tmp = NULL;
	int fd, ret;

	ret = check_dir(dir, true);
	if (ret)
		return ret;
	/* sweep the sockets of recorders that died (their instances go in xtrace_recorder_new) */
	{
		struct xtrace_ctl_peer *peers;
		int n;

		if (!xtrace_ctl_list(&peers, &n, NULL))
			xtrace_ctl_peers_free(peers, n);
	}
	if (asprintf(path, "%s/xtrace-%d.sock", dir, getpid()) < 0)
		return -ENOMEM;
	/*
	 * Bound under another name, listening, then renamed: a socket bound but
	 * not listening yet refuses connections, and another recorder's sweep,
	 * starting at the same moment, would take it for a dead one's and remove it.
	 */
	if (asprintf(&tmp, "%s/.xtrace-%d.sock.new", dir, getpid()) < 0) {
		tmp = NULL;
		ret = -ENOMEM;
		goto fail;
	}
	ret = make_addr(tmp, &sa);
	if (ret)
		goto fail;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	unlink(tmp);	/* a dead process of the same pid left it */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(tmp, 0600) || listen(fd, 8) ||
	    rename(tmp, *path)) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		goto fail;
	}
	free(tmp);
	return fd;
fail:
	free(tmp);
	xt_log(XTRACE_LOG_ERROR, "cannot create the control socket in '%s': %s", dir,
	       strerror(-ret));
	free(*path);
	*path = NULL;
	return ret;
}

static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t used = 0;

	while (used + 1 < len) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + used, len - 1 - used);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		used += n;
		buf[used] = '\0';
		if (memchr(buf, '\n', used)) {
			buf[strcspn(buf, "\n")] = '\0';
			return 0;
		}
	}
	return -EMSGSIZE;
}

int xtrace_ctl_accept(int lfd, char *line, size_t len)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fd, ret;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		xt_log(XTRACE_LOG_WARNING, "control request from uid %d refused", (int)cred.uid);
		close(fd);
		return -EPERM;
	}
	ret = read_line(fd, line, len, SERVER_READ_MS);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int xtrace_reply_parse(const char *line, const char **text)
{
	static const struct { const char *word; int ret; } words[] = {
		{ "ok", 1 }, { "err", 0 }, { "error", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i].word);

		if (!strncmp(line, words[i].word, n) && (line[n] == ' ' || !line[n])) {
			*text = line[n] ? line + n + 1 : line + n;
			return words[i].ret;
		}
	}
	return -EBADMSG;
}

int xtrace_ctl_reply(int fd, bool ok, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n, ret;

	n = snprintf(buf, sizeof(buf), "%s ", ok ? "ok" : "err");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	ret = xt_write_all(fd, buf, n);
	close(fd);
	return ret;
}

/* Connect to @path and send @request: the socket (the caller closes it), or -errno. */
static int ctl_connect_send(const char *path, const char *request)
{
	struct sockaddr_un sa;
	char *line;
	int fd, ret;

	ret = make_addr(path, &sa);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (asprintf(&line, "%s\n", request) < 0) {
		close(fd);
		return -ENOMEM;
	}
	ret = xt_write_all(fd, line, strlen(line));
	free(line);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int xtrace_ctl_request(const char *path, const char *request, char **reply, int timeout_ms)
{
	char buf[4096];
	int fd, ret;

	*reply = NULL;
	fd = ctl_connect_send(path, request);
	if (fd < 0)
		return fd;
	ret = read_line(fd, buf, sizeof(buf), timeout_ms);
	close(fd);
	if (ret)
		return ret;
	*reply = strdup(buf);
	return *reply ? 0 : -ENOMEM;
}

static int cmp_peer(const void *a, const void *b)
{
	const struct xtrace_ctl_peer *x = a, *y = b;

	return x->pid - y->pid;
}

int xtrace_ctl_list(struct xtrace_ctl_peer **peers, int *nr, int *stale)
{
	const char *dir = xtrace_ctl_dir();
	struct dirent *de;
	DIR *d;
	int n = 0, ret;

	*peers = NULL;
	*nr = 0;
	if (stale)
		*stale = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	ret = check_dir(dir, false);
	if (ret) {
		closedir(d);
		return ret;
	}
	while ((de = readdir(d))) {
		struct xtrace_ctl_peer *p;
		struct sockaddr_un sa;
		char *path, rest[8];
		int pid, fd, cerr;

		if (sscanf(de->d_name, "xtrace-%d.sock%7s", &pid, rest) != 1 || pid <= 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			break;
		/*
		 * A recorder that died leaves its socket: nobody listens on it. Not a
		 * blocking connect: a recorder still starting (many at once, as on
		 * loopback systems) accepts nothing yet, and once its backlog is full a
		 * blocking connect() would wait for it; EAGAIN says it is alive.
		 */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		cerr = (fd < 0 || make_addr(path, &sa) ||
			connect(fd, (struct sockaddr *)&sa, sizeof(sa))) ? errno : 0;
		if (fd >= 0)
			close(fd);
		if (cerr == ECONNREFUSED || cerr == ENOENT) {
			xt_log(XTRACE_LOG_WARNING, "recorder %d is gone; removed its stale socket",
			       pid);
			unlink(path);
			free(path);
			if (stale)
				(*stale)++;
			continue;
		}
		p = realloc(*peers, (n + 1) * sizeof(*p));
		if (!p) {
			free(path);
			break;
		}
		*peers = p;
		p[n].pid = pid;
		p[n].path = path;
		n++;
	}
	closedir(d);
	if (n)
		qsort(*peers, n, sizeof(**peers), cmp_peer);
	*nr = n;
	if (stale && *stale)
		xtrace_cleanup_stale_instances();
	return 0;
}

void xtrace_ctl_peers_free(struct xtrace_ctl_peer *peers, int nr)
{
	for (int i = 0; i < nr; i++)
		free(peers[i].path);
	free(peers);
}

int xtrace_ctl_mark(pid_t pid, const char *text)
{
	const char *tdir = tracefs_tracing_dir();
	char *idir = NULL, *line = NULL;
	struct dirent *de;
	int n = 0, ret = 0;
	DIR *d;

	if (!tdir)
		return -ENOENT;
	if (asprintf(&idir, "%s/instances", tdir) < 0 || asprintf(&line, "%s\n", text) < 0) {
		free(idir);
		return -ENOMEM;
	}
	d = opendir(idir);
	if (!d) {
		ret = -errno;
		goto out;
	}
	/* a recorder's instances: xtrace-PID, and xtrace-PID-N for a second one in a process */
	while ((de = readdir(d))) {
		char *path, rest[2];
		int p, k, fd;

		if (sscanf(de->d_name, "xtrace-%d%1s", &p, rest) != 1 &&
		    sscanf(de->d_name, "xtrace-%d-%d%1s", &p, &k, rest) != 2)
			continue;
		if (p != pid || asprintf(&path, "%s/%s/trace_marker", idir, de->d_name) < 0)
			continue;
		fd = open(path, O_WRONLY | O_CLOEXEC);
		free(path);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		if (!xt_write_all(fd, line, strlen(line)))
			n++;
		else
			ret = -EIO;
		close(fd);
	}
	closedir(d);
out:
	free(idir);
	free(line);
	return n ? n : ret;
}

int xtrace_ctl_alert(const char *mark, const char *request, int timeout_ms,
		     struct xtrace_ctl_result **res)
{
	struct xtrace_ctl_peer *peers;
	struct xtrace_ctl_result *r;
	int nr, ret, *fds;

	*res = NULL;
	ret = xtrace_ctl_list(&peers, &nr, NULL);
	if (ret || !nr)
		return ret;
	r = calloc(nr, sizeof(*r));
	fds = calloc(nr, sizeof(*fds));
	if (!r || !fds) {
		free(r);
		free(fds);
		xtrace_ctl_peers_free(peers, nr);
		return -ENOMEM;
	}
	for (int i = 0; i < nr; i++) {
		r[i].pid = peers[i].pid;
		r[i].path = peers[i].path;	/* moves to the result */
		r[i].marked = mark ? xtrace_ctl_mark(peers[i].pid, mark) : 0;
	}
	free(peers);
	for (int i = 0; i < nr; i++)
		fds[i] = ctl_connect_send(r[i].path, request);
	for (int i = 0; i < nr; i++) {
		char buf[4096];

		if (fds[i] < 0) {
			r[i].ret = fds[i];
			continue;
		}
		r[i].ret = read_line(fds[i], buf, sizeof(buf), timeout_ms);
		close(fds[i]);
		if (!r[i].ret && !(r[i].reply = strdup(buf)))
			r[i].ret = -ENOMEM;
	}
	free(fds);
	*res = r;
	return nr;
}

void xtrace_ctl_results_free(struct xtrace_ctl_result *res, int nr)
{
	for (int i = 0; res && i < nr; i++) {
		free(res[i].path);
		free(res[i].reply);
	}
	free(res);
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * libkvmrt_gs: the guest side of the KVM-RT guest services (docs/guest-services.md).
 *
 * Transport: the virtio-serial port KVMRT_GS_PORT_NAME (/dev/virtio-ports/NAME, or the
 * /dev/vportNpM that /sys/class/virtio-ports names so when no udev made the link), else
 * AF_VSOCK to the host (CID 2). $KVMRT_GS_PORT names another device. The guest's own events go
 * to every xtrace recorder of this system through its control socket ("mark LABEL"), so
 * several recorders each get them and the library needs no tracefs.
 *
 * Real-time use: after the first call (which opens the port and asks the host what it offers)
 * nothing here allocates; a call takes the mutex, writes its request, and waits for the answer
 * with poll() up to the timeout. Directory listings use getdents64 into a stack buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "kvmrt_gs.h"
#include "gs-proto.h"

#define RETRY_NS	1000000000LL	/* ask an absent host again after a second */
#define CTL_TIMEOUT_MS	2000		/* a recorder's answer to "mark" or "flush" */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int port_fd = -1;
static char port_path[128];
static bool port_vsock;
static bool port_hold;		/* $KVMRT_GS_HOLD_PORT=1: keep the port open (one process) */
static bool hello_done;
static unsigned host_services;
static int64_t hello_at;
static uint32_t next_id;
static int timeout_ms = -1;
static char rbuf[2 * GS_LINE_MAX];
static size_t rlen;
static __thread char last_err[160];
static char hello_err[160];	/* why the last greeting failed */
static int hello_ret;		/* and what it returned */

static void set_err(const char *fmt, const char *arg)
{
	snprintf(last_err, sizeof(last_err), fmt, arg ? arg : "");
}

const char *kvmrt_gs_last_error(void)
{
	return last_err;
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int wait_ms(int64_t deadline)
{
	int64_t left = deadline - now_ns(CLOCK_MONOTONIC);

	return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/* getdents64 into a stack buffer: no allocation (opendir would) */
struct dirent64_ {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Call @fn for each entry of @dir until it returns non-zero; returns that or 0, -errno. */
static int each_entry(const char *dir, int (*fn)(const char *dir, const char *name, void *arg),
		      void *arg)
{
	char buf[4096] __attribute__((aligned(8)));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;
	long n;

	if (fd < 0)
		return -errno;
	while (!ret && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n && !ret;) {
			struct dirent64_ *d = (struct dirent64_ *)(buf + off);

			off += d->reclen;
			if (d->name[0] != '.')
				ret = fn(dir, d->name, arg);
		}
	}
	close(fd);
	return ret;
}

static int find_vport(const char *dir, const char *name, void *arg)
{
	char path[256], pname[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/name", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, pname, sizeof(pname) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	pname[n] = '\0';
	pname[strcspn(pname, "\n")] = '\0';
	if (strcmp(pname, KVMRT_GS_PORT_NAME))
		return 0;
	snprintf(arg, 64, "/dev/%s", name);
	return 1;
}

/*
 * Find the transport once: the device's path, else AF_VSOCK. A virtio-serial port has one
 * opener at a time, so each call opens it and closes it again (another process waits its turn,
 * up to the timeout); a vsock connection is kept.
 */
static int find_port(void)
{
	const char *env = getenv("KVMRT_GS_PORT");
	int fd;

	if (port_path[0] || port_vsock)
		return 0;
	if (env && *env) {
		snprintf(port_path, sizeof(port_path), "%s", env);
		return 0;
	}
	if (!access("/dev/virtio-ports/" KVMRT_GS_PORT_NAME, F_OK)) {
		snprintf(port_path, sizeof(port_path), "/dev/virtio-ports/%s", KVMRT_GS_PORT_NAME);
		return 0;
	}
	if (each_entry("/sys/class/virtio-ports", find_vport, port_path) == 1)
		return 0;
	port_path[0] = '\0';
	/* AF_VSOCK where the host offers it (vhost_vsock) */
	fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST,
					  .svm_port = KVMRT_GS_VSOCK_PORT };

		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
		    !fcntl(fd, F_SETFL, O_NONBLOCK)) {
			port_vsock = true;
			port_fd = fd;
			return 0;
		}
		close(fd);
	}
	return -ENODEV;
}

/* Open the port for one call: 0, or -errno with last_err set. */
static int acquire(int64_t deadline)
{
	char junk[256];

	if (port_vsock || (port_hold && port_fd >= 0))
		return port_fd >= 0 ? 0 : -ENOTCONN;
	for (;;) {
		port_fd = open(port_path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (port_fd >= 0)
			break;
		if (errno != EBUSY || now_ns(CLOCK_MONOTONIC) >= deadline) {
			set_err(errno == EBUSY ? "the port %s stays in use by another process" :
				"cannot open the port %s", port_path);
			return errno == EBUSY ? -ETIMEDOUT : -ENODEV;
		}
		/* another process of this guest has the port: our turn comes */
		nanosleep(&(struct timespec){ 0, 200000 }, NULL);
	}
	/* what an earlier opener left unread (answers to requests it gave up on) */
	while (read(port_fd, junk, sizeof(junk)) > 0)
		;
	rlen = 0;
	return 0;
}

static void release(void)
{
	if (port_vsock || port_fd < 0 || port_hold)
		return;
	close(port_fd);
	port_fd = -1;
	rlen = 0;
}

static void close_port(void)
{
	if (port_fd >= 0)
		close(port_fd);
	port_fd = -1;
	port_vsock = false;
	rlen = 0;
}

/*
 * After a read or write of the port that moved nothing (it returned @n): 0 to try again (an
 * interrupted call, or the port is ready for @events now), else -errno.
 */
static int port_retry(ssize_t n, short events, int64_t deadline)
{
	struct pollfd p = { port_fd, events, 0 };

	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0 && errno != EAGAIN)
		return -errno;
	if (poll(&p, 1, wait_ms(deadline)) <= 0)
		return -ETIMEDOUT;
	/* a virtio port without the host side connected answers POLLHUP */
	if ((p.revents & (POLLHUP | POLLERR)) && !(p.revents & events))
		return -ENOTCONN;
	return 0;
}

static int send_line(const char *line, size_t len, int64_t deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(port_fd, line + done, len - done);
		int ret;

		if (n > 0) {
			done += n;
			continue;
		}
		ret = port_retry(n, POLLOUT, deadline);
		if (ret)
			return ret;
	}
	return 0;
}

/* The reply to request @id into @text (GS_LINE_MAX): 1 ok, 0 err, -errno. */
static int read_reply(uint32_t id, char *text, int64_t deadline)
{
	for (;;) {
		char *nl = memchr(rbuf, '\n', rlen);
		ssize_t n;
		int ret;

		while (nl) {
			const char *t;
			uint32_t rid;
			bool ok, mine;

			*nl = '\0';
			/* another ID: a late answer to a request that timed out, skipped */
			mine = !gs_reply_parse(rbuf, &rid, &ok, &t) && rid == id;
			if (mine)
				snprintf(text, GS_LINE_MAX, "%s", t);
			rlen -= nl + 1 - rbuf;
			memmove(rbuf, nl + 1, rlen);
			if (mine)
				return ok;
			nl = memchr(rbuf, '\n', rlen);
		}
		if (rlen == sizeof(rbuf))
			rlen = 0;	/* a line too long: not the host agent */
		n = read(port_fd, rbuf + rlen, sizeof(rbuf) - rlen);
		if (n > 0) {
			rlen += n;
			continue;
		}
		ret = port_retry(n, POLLIN, deadline);
		if (ret)
			return ret;
	}
}

/* One request and its answer (@text); the lock is held. 0, or -errno with last_err set. */
static int request(struct gs_req *r, char *text, bool want_reply)
{
	char line[GS_LINE_MAX];
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * 1000000;
	int n, ret;

	r->id = next_id++;
	n = gs_req_format(r, line, sizeof(line));
	if (n < 0) {
		set_err("request too long", NULL);
		return n;
	}
	ret = send_line(line, n, deadline);
	if (!ret && want_reply)
		ret = read_reply(r->id, text, deadline);
	if (ret == 1 || (!ret && !want_reply))
		return 0;
	if (ret == 0) {
		set_err("%s", text);
		if (strstr(text, "rate"))
			return -EAGAIN;
		if (strstr(text, "not enabled"))
			return -EOPNOTSUPP;
		if (strstr(text, "too long"))
			return -EMSGSIZE;
		return strstr(text, "invalid") ? -EINVAL : -EIO;
	}
	set_err("%s", ret == -ETIMEDOUT ? "no answer from the host (is kvmrt-gsd running?)" :
		ret == -ENOTCONN ? "the host side of the port is not connected" : strerror(-ret));
	if (ret != -ETIMEDOUT && port_vsock)
		close_port();
	return ret;
}

/* Open the port and greet the host when not done (or an absent host's second is over). */
static int ensure(void)
{
	char text[GS_LINE_MAX];
	struct gs_req r = { .verb = GS_HELLO };
	const char *s;
	int ret;

	if (timeout_ms < 0) {
		const char *e = getenv("KVMRT_GS_TIMEOUT_MS"), *h = getenv("KVMRT_GS_HOLD_PORT");

		timeout_ms = e && atoi(e) > 0 ? atoi(e) : KVMRT_GS_TIMEOUT_MS;
		port_hold = h && !strcmp(h, "1");
	}
	if (hello_done)
		return 0;
	if (hello_at && now_ns(CLOCK_MONOTONIC) - hello_at < RETRY_NS) {
		set_err("%s", hello_err);
		return hello_ret;
	}
	hello_at = now_ns(CLOCK_MONOTONIC);
	if (!next_id)
		next_id = (uint32_t)(getpid() * 2654435761u ^ hello_at);
	if (find_port()) {
		set_err("no guest services port (/dev/virtio-ports/%s) nor AF_VSOCK",
			KVMRT_GS_PORT_NAME);
		ret = -ENODEV;
	} else {
		ret = acquire(hello_at + (int64_t)timeout_ms * 1000000);
		if (!ret) {
			ret = request(&r, text, true);
			release();
		}
		if (ret == -EIO)
			ret = -EOPNOTSUPP;
	}
	if (ret) {
		/* the calls until the next try fail as this one did */
		snprintf(hello_err, sizeof(hello_err), "%s", last_err);
		hello_ret = ret;
		return ret;
	}
	s = strstr(text, "services=");
	if (s) {
		char list[GS_LINE_MAX];

		snprintf(list, sizeof(list), "%.*s", (int)strcspn(s + 9, " "), s + 9);
		if (gs_services_parse(list, &host_services, NULL, 0))
			host_services = 0;
	}
	hello_done = true;
	return 0;
}

static bool available(unsigned svc)
{
	bool yes;

	pthread_mutex_lock(&lock);
	yes = !ensure() && (svc ? (host_services & svc) == svc : host_services != 0);
	if (!yes && hello_done)
		set_err("not enabled for this VM by the host", NULL);
	pthread_mutex_unlock(&lock);
	return yes;
}

bool kvmrt_gs_available(void)
{
	return available(0);
}

bool kvmrt_gs_ping_available(void)
{
	return available(GS_SVC_PING);
}

bool kvmrt_gs_log_msg_available(void)
{
	return available(GS_SVC_LOG_MSG);
}

bool kvmrt_gs_xtrace_flush_available(void)
{
	return available(GS_SVC_FLUSH);
}

bool kvmrt_gs_xtrace_log_data_available(void)
{
	return available(GS_SVC_DATA);
}

/* ---------------------------------------------------------------- the guest's recorders */

static int ctl_one(const char *dir, const char *name, void *arg)
{
	const char *req = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char reply[256];
	size_t got = 0;
	int pid, fd, n;
	char rest[2];

	if (sscanf(name, "xtrace-%d.sock%1s", &pid, rest) != 1 || pid <= 0)
		return 0;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name) >=
	    sizeof(sa.sun_path))
		return 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return 0;	/* a recorder that is gone: xtrace-ctl sweeps its socket */
	}
	/* wait for the answer, so the event is in the trace when the call goes on */
	while (got < sizeof(reply) - 1) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, CTL_TIMEOUT_MS) <= 0)
			break;
		n = read(fd, reply + got, sizeof(reply) - 1 - got);
		if (n <= 0)
			break;
		got += n;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	return 0;
}

/* Send @req ("mark LABEL\n", "flush\n") to every xtrace recorder of this system. */
static void recorders(const char *req)
{
	const char *dir = getenv("XTRACE_RUN_DIR");

	each_entry(dir && *dir ? dir : "/run/xtrace", ctl_one, (void *)req);
}

/* ---------------------------------------------------------------- the calls */

static int begin(unsigned svc)
{
	int ret;

	pthread_mutex_lock(&lock);
	last_err[0] = '\0';
	ret = ensure();
	if (!ret && !(host_services & svc)) {
		set_err("not enabled for this VM by the host", NULL);
		ret = -EOPNOTSUPP;
	}
	if (!ret)
		ret = acquire(now_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * 1000000);
	if (ret)
		pthread_mutex_unlock(&lock);
	return ret;
}

static long end_call(long ret)
{
	release();
	pthread_mutex_unlock(&lock);
	return ret;
}

long kvmrt_gs_ping(unsigned long cookie)
{
	char text[GS_LINE_MAX], req[64];
	struct gs_req r = { .verb = GS_PING };
	int64_t t_ans;
	int ret = begin(GS_SVC_PING);

	if (ret)
		return ret;
	/* before the request leaves: the pair's first event */
	snprintf(req, sizeof(req), "mark KVMRT_GS_PING_GUEST %lu\n", cookie);
	recorders(req);
	r.arg[0] = cookie;
	r.arg[1] = now_ns(CLOCK_REALTIME);
	ret = request(&r, text, true);
	t_ans = now_ns(CLOCK_REALTIME);
	if (!ret) {
		/* the host records its event with the three times once it has them all */
		r.verb = GS_PINGED;
		r.arg[2] = t_ans;
		r.arg[3] = strtoull(text, NULL, 10);
		request(&r, text, false);
	}
	return end_call(ret);
}

long kvmrt_gs_log_msg(char *msg)
{
	char text[GS_LINE_MAX];
	struct gs_req r = { .verb = GS_LOG_MSG };
	int ret;

	if (!msg || !*msg) {
		set_err("empty message", NULL);
		return -EINVAL;
	}
	ret = begin(GS_SVC_LOG_MSG);
	if (ret)
		return ret;
	r.len = strnlen(msg, KVMRT_GS_MSG_MAX);
	memcpy(r.data, msg, r.len);
	ret = request(&r, text, true);
	return end_call(ret);
}

long kvmrt_gs_xtrace_flush(unsigned long scope)
{
	char text[GS_LINE_MAX], req[64];
	struct gs_req r = { .verb = GS_FLUSH };
	int cpu = sched_getcpu(), ret;

	if (scope > KVMRT_GS_XTRACE_CPU_ALL) {
		set_err("scope must be 0, 1 or 2", NULL);
		return -EINVAL;
	}
	ret = begin(GS_SVC_FLUSH);
	if (ret)
		return ret;
	cpu = cpu < 0 ? 0 : cpu;
	snprintf(req, sizeof(req), "mark KVMRT_GS_FLUSH_GUEST %lu %d\n", scope, cpu);
	recorders(req);
	r.arg[0] = scope;
	r.arg[1] = cpu;
	ret = request(&r, text, true);
	/* then our own buffers: the current CPU's only for scope 0 */
	if (scope == KVMRT_GS_XTRACE_CPU_CURRENT)
		snprintf(req, sizeof(req), "flush %d\n", cpu);
	else
		snprintf(req, sizeof(req), "flush\n");
	recorders(req);
	return end_call(ret);
}

long kvmrt_gs_xtrace_log_data(void *data, long size)
{
	char text[GS_LINE_MAX], req[2 * KVMRT_GS_DATA_MAX + 64];
	struct gs_req r = { .verb = GS_LOG_DATA };
	int ret, n;

	if (!data || size <= 0) {
		set_err("no data", NULL);
		return -EINVAL;
	}
	ret = begin(GS_SVC_DATA);
	if (ret)
		return ret;
	r.len = size > KVMRT_GS_DATA_MAX ? KVMRT_GS_DATA_MAX : size;
	memcpy(r.data, data, r.len);
	n = snprintf(req, sizeof(req), "mark KVMRT_GS_LOG_DATA_GUEST ");
	gs_hex_encode(r.data, r.len, req + n, sizeof(req) - n - 1);
	strcat(req, "\n");
	recorders(req);
	ret = request(&r, text, true);
	return end_call(ret);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-gsd: the host side of the KVM-RT guest services (docs/guest-services.md).
 *
 * For each VM of the configuration with guest_services set (and not disabled), it connects to
 * the unix socket that the VM's QEMU created for the virtio-serial port (DIR/NAME.sock) and
 * answers the guest's requests. A VM is known by the socket its request came in on, never by
 * what the guest says. Host events go to every running xtrace recorder through its control
 * socket ("mark LABEL", "flush CPUS"). SIGHUP reads the configuration again; SIGTERM ends.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "kvmrt.h"
#include "tool.h"
#include "xtrace.h"
#include "gs-proto.h"
#include "gs-host.h"
#include "kvmrt_gs.h"

#define PROG		"kvmrt-gsd"
#define CONNECT_MS	1000	/* try the sockets of VMs not connected this often */
#define CTL_TIMEOUT_MS	5000

static const char *const usage_text[] = {
	"usage: kvmrt-gsd [options]",
	"",
	"Answer the KVM-RT guest services of the VMs whose guest_services attribute the",
	"configuration sets: ping, log_msg (into the kernel log), xtrace_flush and",
	"xtrace_log_data (events in every running xtrace recorder). Runs until SIGTERM;",
	"SIGHUP reads the configuration again.",
	"",
	"  -f, --file FILE      the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg)",
	"  -s, --sockets DIR    the VMs' sockets, DIR/NAME.sock (default /run/kvmrt-gs)",
	"      --rate N         requests a second per VM (default 2000), bursts of as many",
	"      --log-rate N     log_msg messages a second per VM (default 5, bursts of 10)",
	"      --kmsg FILE      the kernel log device (default /dev/kmsg)",
	"      --proc DIR       the proc file system (default /proc)",
	"  -v, --verbose        say every request on stderr",
	"  -q, --quiet          print only errors",
	"  -h, --help           this text",
	"  -V, --version        print the version",
	NULL,
};

struct opts {
	const char *config, *dir, *kmsg, *proc;
	double rate, log_rate;
	int verbose;
};

struct vm {
	char *name;
	unsigned services;
	char path[256];
	int fd;
	pid_t qemu;
	char buf[GS_LINE_MAX];
	size_t len;
	bool skip;			/* discarding the rest of a line too long */
	struct gs_bucket all, log;
	unsigned long limited, bad;	/* requests refused: rate, malformed */
};

static struct opts o;
static struct vm *vms;
static int nr_vms;
static volatile sig_atomic_t stop_flag, reload_flag;

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
}

static void vms_free(void)
{
	for (int i = 0; i < nr_vms; i++) {
		if (vms[i].fd >= 0)
			close(vms[i].fd);
		free(vms[i].name);
	}
	free(vms);
	vms = NULL;
	nr_vms = 0;
}

static int load(void)
{
	struct kvmrt_config *cfg;
	int ret = kvmrt_config_load(o.config, &cfg);
	int64_t now = now_ns(CLOCK_MONOTONIC);

	if (ret)
		return tool_error("cannot read '%s': %s", o.config, strerror(-ret));
	if (cfg->diags.errors) {
		tool_error("'%s' has errors (kvmrt-validate-config says which); kept the VMs as they were",
			   o.config);
		kvmrt_config_free(cfg);
		return 1;
	}
	vms_free();
	for (int i = 0; i < cfg->nr_vms; i++) {
		struct kvmrt_vm *v = cfg->vms[i];
		struct vm *m;

		if (!v->guest_services || v->disabled || !v->name || strchr(v->name, '/'))
			continue;
		if (TOOL_GROW(vms, nr_vms + 1))
			break;
		m = &vms[nr_vms];
		memset(m, 0, sizeof(*m));
		m->name = strdup(v->name);
		m->services = v->guest_services;
		m->fd = -1;
		snprintf(m->path, sizeof(m->path), "%s/%s.sock", o.dir, v->name);
		gs_bucket_init(&m->all, o.rate, o.rate, now);
		gs_bucket_init(&m->log, o.log_rate, 2 * o.log_rate, now);
		if (m->name)
			nr_vms++;
	}
	kvmrt_config_free(cfg);
	if (o.verbose >= 0)
		tool_msg("%d VM%s with guest services in '%s'", nr_vms, nr_vms == 1 ? "" : "s",
			 o.config);
	return 0;
}

static void try_connect(struct vm *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fd;

	if (strlen(m->path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, m->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return;
	}
	m->fd = fd;
	m->len = 0;
	m->skip = false;
	m->qemu = !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) ? cred.pid : 0;
	if (o.verbose >= 0)
		tool_msg("VM %s: connected to '%s' (QEMU pid %d)", m->name, m->path, (int)m->qemu);
}

static void disconnect(struct vm *m, const char *why)
{
	if (o.verbose >= 0)
		tool_msg("VM %s: disconnected (%s)", m->name, why);
	close(m->fd);
	m->fd = -1;
}

/*
 * @request to every running recorder, all sent before any answer is read (xtrace_ctl_alert());
 * returns how many answered "ok"
 */
static int host_request(const char *request)
{
	struct xtrace_ctl_result *res;
	int nr = xtrace_ctl_alert(NULL, request, CTL_TIMEOUT_MS, &res), done = 0;

	for (int i = 0; i < nr; i++) {
		const char *text;

		if (!res[i].ret && xtrace_reply_parse(res[i].reply, &text) == 1)
			done++;
		else if (o.verbose > 0)
			tool_msg("recorder %d: '%s': %s", (int)res[i].pid, request,
				 res[i].reply ? res[i].reply : "no answer");
	}
	xtrace_ctl_results_free(res, nr);
	return done;
}

static void reply(struct vm *m, uint32_t id, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reply(struct vm *m, uint32_t id, bool ok, const char *fmt, ...)
{
	char line[GS_LINE_MAX];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "%u %s ", id, ok ? "ok" : "err");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* QEMU's socket takes it at once, or the guest is not reading: drop it then */
	if (write(m->fd, line, n) != n && o.verbose > 0)
		tool_msg("VM %s: reply dropped: %s", m->name, strerror(errno));
}

static void log_msg(struct vm *m, const struct gs_req *r)
{
	char line[KVMRT_GS_MSG_MAX + 128];
	int n, fd;

	n = snprintf(line, sizeof(line), "<5>kvmrt-gs: %s: ", m->name);
	for (size_t i = 0; i < r->len && n < (int)sizeof(line) - 1; i++)
		line[n++] = r->data[i] >= 0x20 && r->data[i] < 0x7f ? r->data[i] : '?';
	fd = open(o.kmsg, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, n) != n) {
		reply(m, r->id, false, "cannot write the host's kernel log: %s", strerror(errno));
	} else {
		reply(m, r->id, true, "logged %zu bytes", r->len);
	}
	if (fd >= 0)
		close(fd);
}

static void flush(struct vm *m, const struct gs_req *r)
{
	char cpus[4096], note[128], req[4200];
	struct xtrace_cpuset set;
	bool all;
	int n;

	gs_scope_cpus(o.proc, m->qemu, r->arg[0], r->arg[1], &set, &all, note, sizeof(note));
	if (all || xtrace_cpuset_format(&set, cpus, sizeof(cpus)) < 0)
		snprintf(cpus, sizeof(cpus), "all");
	snprintf(req, sizeof(req), "mark KVMRT_GS_FLUSH_HOST %s %llu %llu cpus=%s", m->name,
		 (unsigned long long)r->arg[0], (unsigned long long)r->arg[1], cpus);
	host_request(req);
	snprintf(req, sizeof(req), "flush%s%s", strcmp(cpus, "all") ? " " : "",
		 strcmp(cpus, "all") ? cpus : "");
	n = host_request(req);
	reply(m, r->id, true, "flushed %d recorder%s, host CPUs %s%s%s", n, n == 1 ? "" : "s",
	      cpus, *note ? "; " : "", note);
}

static void handle(struct vm *m, const char *line, size_t len)
{
	char req[2 * KVMRT_GS_DATA_MAX + 256], hex[2 * KVMRT_GS_DATA_MAX + 1];
	int64_t now = now_ns(CLOCK_MONOTONIC);
	struct gs_req r;
	int ret = gs_req_parse(line, len, &r);

	if (ret) {
		m->bad++;
		if (gs_bucket_take(&m->all, now))
			reply(m, r.id, false, "%s", ret == -EMSGSIZE ? "too long" :
			      ret == -EINVAL ? "invalid argument" : "invalid request");
		return;
	}
	if (o.verbose > 0)
		tool_msg("VM %s: %s", m->name, gs_verb_name(r.verb));
	if (r.verb != GS_HELLO && !gs_bucket_take(&m->all, now)) {
		if (!m->limited++ && o.verbose >= 0)
			tool_msg("VM %s: too many requests: rate-limited", m->name);
		/* the first of a burst says so; the rest cost nothing more */
		if (m->limited < 16)
			reply(m, r.id, false, "rate limited");
		return;
	}
	m->limited = 0;
	if (r.verb == GS_HELLO) {
		char list[64];

		gs_services_format(m->services, list, sizeof(list));
		reply(m, r.id, true, "vm=%s services=%s msg_max=%d data_max=%d", m->name, list,
		      KVMRT_GS_MSG_MAX, KVMRT_GS_DATA_MAX);
		return;
	}
	if (!(m->services & gs_service_of(r.verb))) {
		if (r.verb != GS_PINGED)
			reply(m, r.id, false, "not enabled for this VM: %s", gs_verb_name(r.verb));
		return;
	}
	switch (r.verb) {
	case GS_PING:
		reply(m, r.id, true, "%lld", (long long)now_ns(CLOCK_REALTIME));
		break;
	case GS_PINGED: {
		long long req_t = r.arg[1], ans = r.arg[2], host = r.arg[3];

		/* the host's event, with the three times a clock fit needs */
		snprintf(req, sizeof(req), "mark KVMRT_GS_PING_HOST %s %llu host=%lld req=%lld ans=%lld rtt=%lld",
			 m->name, (unsigned long long)r.arg[0], host, req_t, ans, ans - req_t);
		host_request(req);
		break;
	}
	case GS_LOG_MSG:
		if (!gs_bucket_take(&m->log, now)) {
			reply(m, r.id, false, "rate limited (log_msg: %.0f a second)", o.log_rate);
			break;
		}
		log_msg(m, &r);
		break;
	case GS_FLUSH:
		flush(m, &r);
		break;
	case GS_LOG_DATA:
		gs_hex_encode(r.data, r.len, hex, sizeof(hex));
		snprintf(req, sizeof(req), "mark KVMRT_GS_LOG_DATA_HOST %s %s", m->name, hex);
		ret = host_request(req);
		reply(m, r.id, true, "recorded by %d recorder%s", ret, ret == 1 ? "" : "s");
		break;
	default:
		break;
	}
}

static void readable(struct vm *m)
{
	ssize_t n = read(m->fd, m->buf + m->len, sizeof(m->buf) - m->len);
	char *start, *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		disconnect(m, n ? strerror(errno) : "the VM is gone");
		return;
	}
	m->len += n;
	start = m->buf;
	while ((nl = memchr(start, '\n', m->len - (start - m->buf)))) {
		size_t len = nl - start;

		if (len && start[len - 1] == '\r')
			len--;
		if (m->skip)
			m->skip = false;
		else if (len)
			handle(m, start, len);
		start = nl + 1;
	}
	m->len -= start - m->buf;
	memmove(m->buf, start, m->len);
	if (m->len == sizeof(m->buf)) {
		/* a line longer than any request: answer once, drop it to its end */
		if (!m->skip) {
			m->bad++;
			reply(m, 0, false, "too long");
		}
		m->skip = true;
		m->len = 0;
	}
}

static int run(void)
{
	struct pollfd *p = NULL;
	int64_t next_try = 0;

	if (load())
		return 1;
	while (!stop_flag) {
		int n = 0, ret;

		if (reload_flag) {
			reload_flag = 0;
			load();
		}
		if (now_ns(CLOCK_MONOTONIC) >= next_try) {
			for (int i = 0; i < nr_vms; i++)
				if (vms[i].fd < 0)
					try_connect(&vms[i]);
			next_try = now_ns(CLOCK_MONOTONIC) + CONNECT_MS * 1000000LL;
		}
		if (TOOL_GROW(p, nr_vms + 1))
			return tool_error("out of memory");
		for (int i = 0; i < nr_vms; i++)
			if (vms[i].fd >= 0)
				p[n++] = (struct pollfd){ vms[i].fd, POLLIN, 0 };
		ret = poll(p, n, CONNECT_MS / 4);
		if (ret < 0 && errno != EINTR) {
			free(p);
			return tool_error("poll: %s", strerror(errno));
		}
		for (int i = 0, k = 0; ret > 0 && i < nr_vms; i++) {
			if (vms[i].fd < 0)
				continue;
			if (p[k].revents & (POLLIN | POLLHUP | POLLERR))
				readable(&vms[i]);
			k++;
		}
	}
	free(p);
	vms_free();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "sockets", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 0x100 },
		{ "log-rate", required_argument, NULL, 0x101 },
		{ "kmsg", required_argument, NULL, 0x102 },
		{ "proc", required_argument, NULL, 0x103 },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	const char *env = getenv("KVMRT_CONFIG");
	char *end;
	int c;

	tool_init(PROG, 0);
	o.config = env && *env ? env : "/etc/kvmrt.cfg";
	o.dir = KVMRT_GS_SOCKET_DIR;
	o.kmsg = "/dev/kmsg";
	o.proc = "/proc";
	o.rate = 2000;
	o.log_rate = 5;
	while ((c = getopt_long(argc, argv, "f:s:vqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.config = optarg; break;
		case 's': o.dir = optarg; break;
		case 0x100:
		case 0x101: {
			double *rate = c == 0x100 ? &o.rate : &o.log_rate;

			errno = 0;
			*rate = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(*rate > 0))
				return tool_bad_usage("bad rate '%s' (a positive number a second)",
						      optarg);
			break;
		}
		case 0x102: o.kmsg = optarg; break;
		case 0x103: o.proc = optarg; break;
		case 'v': o.verbose++; break;
		case 'q': o.verbose = -1; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	tool_init(PROG, o.verbose);
	if (optind < argc)
		return tool_bad_usage("unexpected argument '%s'", argv[optind]);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return tool_exit(run());
}

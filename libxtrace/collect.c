// SPDX-License-Identifier: LGPL-2.1
/*
 * Recorders on other systems: "xtrace-run --serve" started over ssh, driven
 * by one-line requests on its standard input, fetched home over SFTP (or an
 * exec stream of "xtrace-run --send" where there is no SFTP).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "xtrace-remote.h"
#include "xtrace-local.h"

static const char *const state_names[] = {
	[XTRACE_RREC_NEW] = "new",
	[XTRACE_RREC_RECORDING] = "recording",
	[XTRACE_RREC_STOPPED] = "stopped",
	[XTRACE_RREC_UNREACHABLE] = "unreachable",
	[XTRACE_RREC_NO_XTRACE] = "no xtrace",
	[XTRACE_RREC_FAILED] = "failed",
	[XTRACE_RREC_DIED] = "died",
	[XTRACE_RREC_STARTING] = "starting",
};

const char *xtrace_rrec_state_name(enum xtrace_rrec_state s)
{
	return (unsigned int)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] :
										"?";
}

static void set_error(struct xtrace_rrec *rr, enum xtrace_rrec_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(struct xtrace_rrec *rr, enum xtrace_rrec_state st, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(rr->error);
	rr->error = s;
	rr->state = st;
}

/* The last non-empty line of what the remote wrote on stderr, or "" */
static char *last_line(const char *text)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	return strndup(start, end - start);
}

static char *field(const char *line, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = line; (p = strstr(p, key)); p++) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=')
			return strndup(p + klen + 1, strcspn(p + klen + 1, " "));
	}
	return NULL;
}

int xtrace_rrec_launch(struct xtrace_rrec *rr, const char *spec, const struct xtrace_ssh_opts *o,
		       const char *args)
{
	char *err = NULL, *cmd = NULL;
	int ret;

	memset(rr, 0, sizeof(*rr));
	rr->spec = strdup(spec);
	if (!rr->spec)
		return -ENOMEM;
	rr->ssh = xtrace_remote_connect(spec, o, &err);
	if (!rr->ssh) {
		ret = -errno;
		set_error(rr, XTRACE_RREC_UNREACHABLE, "%s", err ? err : strerror(-ret));
		free(err);
		return ret;
	}
	/* its shell's pid first: what xtrace_rrec_give_up() ends if it never gets ready */
	if (asprintf(&cmd, XT_NEED_XTRACE_RUN "echo \"launched pid=$$\"; exec xtrace-run --serve -q %s",
		     args ?: "") < 0) {
		set_error(rr, XTRACE_RREC_FAILED, "%s: %s", spec, strerror(ENOMEM));
		return -ENOMEM;
	}
	rr->ch = xtrace_rchan_open(rr->ssh, cmd);
	free(cmd);
	if (!rr->ch) {
		set_error(rr, XTRACE_RREC_FAILED, "%s: cannot run a command there", spec);
		return -EIO;
	}
	rr->state = XTRACE_RREC_STARTING;
	return 0;
}

int xtrace_rrec_wait_ready(struct xtrace_rrec *rr, int timeout_ms)
{
	char line[2048], *pid;
	int ret;

	if (rr->state != XTRACE_RREC_STARTING)
		return rr->state == XTRACE_RREC_RECORDING ? 0 : -EPIPE;
	for (;;) {
		ret = xtrace_rchan_readline(rr->ch, line, sizeof(line), timeout_ms);
		if (ret < 0 || strncmp(line, "launched ", 9))
			break;
		pid = field(line, "pid");
		rr->shell_pid = pid ? atoi(pid) : 0;
		free(pid);
	}
	if (ret == -ETIMEDOUT)
		return ret;	/* still starting: the caller decides */
	if (ret < 0 || strncmp(line, "ready ", 6)) {
		int st = xtrace_rchan_status(rr->ch);
		char *why = last_line(xtrace_rchan_stderr(rr->ch));

		if (st == 127)
			set_error(rr, XTRACE_RREC_NO_XTRACE, "%s: %s", rr->spec,
				  why && *why ? why : "xtrace-run not found");
		else
			set_error(rr, XTRACE_RREC_FAILED, "%s: xtrace-run could not start recording (exit status %d)%s%s",
				  rr->spec, st, why && *why ? ": " : "",
				  why ? why : "");
		free(why);
		return -EIO;
	}
	rr->host = field(line, "host");
	rr->dir = field(line, "dir");
	rr->marker = field(line, "marker");
	pid = field(line, "pid");
	rr->pid = pid ? atoi(pid) : 0;
	free(pid);
	if (!rr->host || !rr->dir) {
		set_error(rr, XTRACE_RREC_FAILED, "%s: unexpected answer from xtrace-run: %s",
			  rr->spec, line);
		return -EPROTO;
	}
	rr->state = XTRACE_RREC_RECORDING;
	return 0;
}

void xtrace_rrec_give_up(struct xtrace_rrec *rr, const char *why)
{
	if (rr->state != XTRACE_RREC_STARTING)
		return;
	/*
	 * A shell still before its exec, or a recorder before "ready": it saves
	 * nothing. An ssh signal request is not enough: OpenSSH's sshd refuses it
	 * for root's sessions.
	 */
	xtrace_rchan_signal(rr->ch, "TERM");
	if (rr->shell_pid > 0) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "kill -TERM %d 2>/dev/null", rr->shell_pid);
		xtrace_remote_exec(rr->ssh, cmd, NULL, NULL);
	}
	set_error(rr, XTRACE_RREC_FAILED, "%s: %s", rr->spec, why);
}

int xtrace_rrec_start(struct xtrace_rrec *rr, const char *spec, const struct xtrace_ssh_opts *o,
		      const char *args)
{
	int ret = xtrace_rrec_launch(rr, spec, o, args);

	if (!ret)
		ret = xtrace_rrec_wait_ready(rr, -1);
	if (ret == -ETIMEDOUT)
		xtrace_rrec_give_up(rr, "xtrace-run did not start in time");
	return ret;
}

int xtrace_rrec_send(struct xtrace_rrec *rr, const char *req)
{
	char line[512];

	if (rr->state != XTRACE_RREC_RECORDING)
		return -EPIPE;
	snprintf(line, sizeof(line), "%s\n", req);
	return xtrace_rchan_write(rr->ch, line);
}

static void note_died(struct xtrace_rrec *rr)
{
	char *why = last_line(xtrace_rchan_stderr(rr->ch));
	int st = xtrace_rchan_status(rr->ch);

	if (st == 255)
		set_error(rr, XTRACE_RREC_DIED, "%s: the recorder (pid %d) died before it was stopped (killed by a signal, or the link broke)%s%s",
			  rr->spec, rr->pid,
			  why && *why ? ": " : "", why ? why : "");
	else
		set_error(rr, XTRACE_RREC_DIED, "%s: the recorder (pid %d) ended before it was stopped (exit status %d)%s%s",
			  rr->spec, rr->pid, st,
			  why && *why ? ": " : "", why ? why : "");
	free(why);
}

int xtrace_rrec_reply(struct xtrace_rrec *rr, char *msg, size_t size)
{
	const char *text = "";
	char line[1024];
	int ret, ok = 0;

	for (;;) {
		if (rr->state != XTRACE_RREC_RECORDING)
			return -EPIPE;
		ret = xtrace_rchan_readline(rr->ch, line, sizeof(line), -1);
		if (ret == -EPIPE) {
			note_died(rr);
			return ret;
		}
		if (ret < 0)
			return ret;
		ok = xtrace_reply_parse(line, &text);
		if (ok >= 0)
			break;
		/* anything else ("stopped" after an xtrace-ctl stop there) is not a reply */
	}
	if (msg)
		snprintf(msg, size, "%s", text);
	return ok ? 0 : -EIO;
}

bool xtrace_rrec_alive(struct xtrace_rrec *rr)
{
	if (rr->state != XTRACE_RREC_RECORDING)
		return false;
	if (xtrace_rchan_pump(rr->ch, -1, -1) <= 0) {
		note_died(rr);
		return false;
	}
	return true;
}

int xtrace_rrec_clock_check(struct xtrace_rrec *rr)
{
	struct xtrace_clock_check cc;
	int ret;

	if (rr->state != XTRACE_RREC_RECORDING)
		return -EPIPE;
	ret = xtrace_rchan_clock_check(rr->ch, 8, &cc);
	if (ret)
		return ret;
	if (rr->nr_checks < (int)(sizeof(rr->checks) / sizeof(rr->checks[0])))
		rr->checks[rr->nr_checks++] = cc;
	return 0;
}

int xtrace_rrec_stop(struct xtrace_rrec *rr)
{
	char msg[512];
	int ret, st;

	ret = xtrace_rrec_send(rr, "stop");
	if (!ret)
		ret = xtrace_rrec_reply(rr, msg, sizeof(msg));
	if (ret == -EPIPE)
		return ret;	/* it died: state and error say how */
	if (ret) {
		set_error(rr, XTRACE_RREC_FAILED, "%s: stop: %s", rr->spec,
			  ret == -EIO ? msg : strerror(-ret));
		return ret;
	}
	st = xtrace_rchan_close(rr->ch);
	rr->ch = NULL;
	if (st) {
		set_error(rr, XTRACE_RREC_FAILED, "%s: the recording on it is incomplete (xtrace-run exit status %d)",
			  rr->spec, st);
		return -EIO;
	}
	rr->state = XTRACE_RREC_STOPPED;
	return 0;
}

int xtrace_rrec_fetch(struct xtrace_rrec *rr, const char *ldir, bool keep, uint64_t *bytes)
{
	/* a recorder still running keeps its recording */
	unsigned int flags = !keep && rr->state != XTRACE_RREC_RECORDING ? XTRACE_FETCH_REMOVE : 0;
	struct xtrace_fetch_info info;
	struct utsname u;
	char *err = NULL;
	int ret;

	if (!rr->ssh || !rr->dir)
		return -ENOENT;
	/* removed there only once the copy here is whole (a failed removal is logged) */
	ret = xtrace_remote_fetch_dir(rr->ssh, rr->dir, ldir, flags, &info, &err);
	if (bytes)
		*bytes = info.bytes;
	if (ret) {
		xt_log(XTRACE_LOG_ERROR, "%s", err ? err : strerror(-ret));
		free(err);
		return ret;
	}
	uname(&u);
	if (rr->nr_checks)
		xtrace_clockcheck_write(ldir, u.nodename, rr->checks, rr->nr_checks);
	return 0;
}

void xtrace_rrec_disconnect(struct xtrace_rrec *rr)
{
	if (rr->ch)
		xtrace_rchan_close(rr->ch);
	rr->ch = NULL;
	xtrace_remote_close(rr->ssh);
	rr->ssh = NULL;
}

void xtrace_rrec_free(struct xtrace_rrec *rr)
{
	if (rr->ch)
		xtrace_rchan_close(rr->ch);
	xtrace_remote_close(rr->ssh);
	free(rr->spec);
	free(rr->error);
	free(rr->host);
	free(rr->dir);
	free(rr->marker);
	memset(rr, 0, sizeof(*rr));
}

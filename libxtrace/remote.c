// SPDX-License-Identifier: LGPL-2.1
/*
 * Remote systems over ssh (libssh): connect as OpenSSH would (config, agent,
 * identity files, known_hosts), run commands, talk to "xtrace-run --serve",
 * fetch recordings over SFTP (or, on systems without SFTP, as a directory
 * stream of "xtrace-run --send" over an exec channel), and measure clock
 * offsets over the link.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/callbacks.h>
#include <libssh/sftp.h>

#include "xtrace-remote.h"
#include "xtrace-local.h"

#define DEFAULT_TIMEOUT 10

/* The last bytes a command wrote on its standard error. */
struct tail {
	char buf[2048];
	size_t len;
};

struct xtrace_remote {
	ssh_session s;
	char *spec;
	char *host;		/* as given (alias) */
	int timeout_ms;
	char *no_sftp;		/* why SFTP cannot be used here; NULL: not known */
	struct xtrace_budget *budget;	/* fetches share it (borrowed); NULL: no limit */
	struct ssh_channel_callbacks_struct sftp_cb;
	struct tail sftp_err;	/* what the SFTP server said on stderr */
};

struct xtrace_rchan {
	struct xtrace_remote *r;
	ssh_channel ch;
	char obuf[16384];
	size_t olen;
	struct tail err;	/* the tail of its standard error */
	int status;		/* -1 while running */
	bool ended;
};

static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

int xtrace_remote_parse(const char *spec, char **user, char **host, int *port)
{
	const char *at = strrchr(spec, '@'), *h = at ? at + 1 : spec, *colon;
	size_t hlen;

	*user = *host = NULL;
	*port = 0;
	if (at == spec)
		return -EINVAL;
	colon = strchr(h, ':');
	hlen = colon ? (size_t)(colon - h) : strlen(h);
	if (!hlen || memchr(h, '/', hlen))
		return -EINVAL;
	if (colon) {
		char *end;
		long p = strtol(colon + 1, &end, 10);

		if (*end || end == colon + 1 || p < 1 || p > 65535)
			return -EINVAL;
		*port = p;
	}
	*host = strndup(h, hlen);
	if (at)
		*user = strndup(spec, at - spec);
	if (!*host || (at && !*user)) {
		free(*host);
		free(*user);
		return -ENOMEM;
	}
	return 0;
}

bool xtrace_remote_is_spec(const char *arg, char **spec, char **path)
{
	const char *c = strchr(arg, ':'), *p;
	char *u, *h;
	int port;

	if (!c || c == arg || memchr(arg, '/', c - arg) || access(arg, F_OK) == 0)
		return false;
	p = c + 1;
	/* host:port:path */
	if (*p >= '0' && *p <= '9') {
		const char *q = p;

		while (*q >= '0' && *q <= '9')
			q++;
		if (*q == ':') {
			c = q;
			p = q + 1;
		}
	}
	if (!*p)
		return false;
	*spec = strndup(arg, c - arg);
	if (!*spec)
		return false;
	if (xtrace_remote_parse(*spec, &u, &h, &port)) {
		free(*spec);
		return false;
	}
	free(u);
	free(h);
	*path = strdup(p);
	return *path != NULL;
}

static char *key_fingerprint(ssh_session s, const char **type)
{
	unsigned char *hash = NULL;
	size_t hlen;
	ssh_key key = NULL;
	char *fp, *ret = NULL;

	*type = "unknown";
	if (ssh_get_server_publickey(s, &key) != SSH_OK)
		return strdup("(no key)");
	*type = ssh_key_type_to_char(ssh_key_type(key));
	if (!ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen)) {
		fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
		if (fp) {
			ret = strdup(fp);
			ssh_string_free_char(fp);
		}
		ssh_clean_pubkey_hash(&hash);
	}
	ssh_key_free(key);
	return ret ? ret : strdup("(no fingerprint)");
}

/* The host key, checked as OpenSSH checks it. 0, or -errno with *err set. */
static int check_host_key(struct xtrace_remote *r, bool accept_new, char **err)
{
	enum ssh_known_hosts_e state = ssh_session_is_known_server(r->s);
	const char *type;
	char *fp;
	int ret = 0;

	if (state == SSH_KNOWN_HOSTS_OK)
		return 0;
	fp = key_fingerprint(r->s, &type);
	switch (state) {
	case SSH_KNOWN_HOSTS_CHANGED:
		*err = fmt("%s: REMOTE HOST IDENTIFICATION HAS CHANGED: its %s key %s is not the one known_hosts holds for it; someone could be eavesdropping, or the key was replaced. Refusing to connect. If the change is expected, remove the old key (ssh-keygen -R HOST) and connect again",
			   r->spec, type, fp);
		ret = -EPERM;
		break;
	case SSH_KNOWN_HOSTS_OTHER:
		*err = fmt("%s: known_hosts holds a key of another type for this host, and the server offered a %s key %s; refusing to connect (possible man-in-the-middle). Remove the old key with ssh-keygen -R HOST if the change is expected",
			   r->spec, type, fp);
		ret = -EPERM;
		break;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		if (accept_new) {
			/* sessions in several threads may add keys at once: one writer */
			static pthread_mutex_t known_hosts_lock = PTHREAD_MUTEX_INITIALIZER;

			pthread_mutex_lock(&known_hosts_lock);
			ret = ssh_session_update_known_hosts(r->s);
			pthread_mutex_unlock(&known_hosts_lock);
			if (ret != SSH_OK) {
				*err = fmt("%s: cannot add its host key to known_hosts: %s", r->spec,
					   ssh_get_error(r->s));
				ret = -EIO;
			} else {
				xt_log(XTRACE_LOG_WARNING, "%s: added its %s key %s to known_hosts",
				       r->spec, type, fp);
			}
			break;
		}
		*err = fmt("%s: the authenticity of this host can't be established: its %s key %s is not in known_hosts. Check the fingerprint and connect once with ssh to add it, or pass --accept-new-host-key",
			   r->spec, type, fp);
		ret = -EPERM;
		break;
	default:
		*err = fmt("%s: cannot check the host key: %s", r->spec, ssh_get_error(r->s));
		ret = -EIO;
		break;
	}
	free(fp);
	return ret;
}

struct xtrace_remote *xtrace_remote_connect(const char *spec, const struct xtrace_ssh_opts *o,
					    char **err)
{
	static const struct xtrace_ssh_opts none;
	struct xtrace_remote *r;
	char *user = NULL;
	long timeout;
	int port, ret;

	*err = NULL;
	if (!o)
		o = &none;
	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->spec = strdup(spec);
	ret = xtrace_remote_parse(spec, &user, &r->host, &port);
	if (ret || !r->spec) {
		*err = fmt("'%s': not a remote system ([user@]host[:port])", spec);
		goto fail;
	}
	timeout = o->timeout > 0 ? o->timeout : DEFAULT_TIMEOUT;
	r->timeout_ms = timeout * 1000;
	if (o->config && access(o->config, R_OK)) {
		ret = -errno;
		*err = fmt("ssh configuration '%s': %s", o->config, strerror(errno));
		goto fail;
	}
	r->s = ssh_new();
	if (!r->s) {
		ret = -ENOMEM;
		goto fail;
	}
	/* the host first (config "Host" blocks match it), the config, then what was given */
	if (ssh_options_set(r->s, SSH_OPTIONS_HOST, r->host) ||
	    ssh_options_parse_config(r->s, o->config) ||
	    (user && ssh_options_set(r->s, SSH_OPTIONS_USER, user)) ||
	    (port && ssh_options_set(r->s, SSH_OPTIONS_PORT, &port)) ||
	    ssh_options_set(r->s, SSH_OPTIONS_TIMEOUT, &timeout)) {
		*err = fmt("%s: invalid ssh options: %s", spec, ssh_get_error(r->s));
		ret = -EINVAL;
		goto fail;
	}
	/*
	 * libssh prints its own log on stderr, at the level an ssh config's LogLevel
	 * maps to: only when asked ($XTRACE_SSH_LOG=0..4), never by default
	 */
	{
		const char *lv = getenv("XTRACE_SSH_LOG");
		int verbosity = lv ? atoi(lv) : SSH_LOG_NOLOG;

		ssh_options_set(r->s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
	}
	if (ssh_connect(r->s) != SSH_OK) {
		*err = fmt("%s: cannot connect: %s", spec, ssh_get_error(r->s));
		ret = -EHOSTUNREACH;
		goto fail;
	}
	ret = check_host_key(r, o->accept_new_host_key, err);
	if (ret)
		goto fail;
	ret = ssh_userauth_publickey_auto(r->s, NULL, NULL);
	if (ret != SSH_AUTH_SUCCESS) {
		*err = fmt("%s: permission denied: no key of the ssh agent or the identity files was accepted%s%s",
			   spec, ret == SSH_AUTH_ERROR ? ": " : "",
			   ret == SSH_AUTH_ERROR ? ssh_get_error(r->s) : "");
		ret = -EACCES;
		goto fail;
	}
	free(user);
	return r;
fail:
	free(user);
	if (!*err)
		*err = fmt("%s: %s", spec, strerror(-ret ?: ENOMEM));
	xtrace_remote_close(r);
	errno = -ret ?: ENOMEM;
	return NULL;
}

void xtrace_remote_close(struct xtrace_remote *r)
{
	if (!r)
		return;
	if (r->s) {
		ssh_disconnect(r->s);
		ssh_free(r->s);
	}
	free(r->spec);
	free(r->host);
	free(r->no_sftp);
	free(r);
}

const char *xtrace_remote_spec(const struct xtrace_remote *r)
{
	return r->spec;
}

/* ------------------------------------------------------------- channels */

struct xtrace_rchan *xtrace_rchan_open(struct xtrace_remote *r, const char *cmd)
{
	struct xtrace_rchan *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->r = r;
	c->status = -1;
	c->ch = ssh_channel_new(r->s);
	if (!c->ch || ssh_channel_open_session(c->ch) != SSH_OK ||
	    ssh_channel_request_exec(c->ch, cmd) != SSH_OK) {
		xt_log(XTRACE_LOG_ERROR, "%s: cannot run a command: %s", r->spec,
		       ssh_get_error(r->s));
		if (c->ch)
			ssh_channel_free(c->ch);
		free(c);
		errno = EIO;
		return NULL;
	}
	return c;
}

static void tail_add(struct tail *t, const char *buf, size_t n)
{
	if (n >= sizeof(t->buf) - 1) {
		buf += n - (sizeof(t->buf) - 1);
		n = sizeof(t->buf) - 1;
	}
	if (t->len + n > sizeof(t->buf) - 1) {
		size_t drop = t->len + n - (sizeof(t->buf) - 1);

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, buf, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* The last non-empty line of @t, in @out; NULL if there is none. */
static const char *tail_last(const struct tail *t, char *out, size_t size)
{
	const char *end = t->buf + t->len, *start;

	while (end > t->buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > t->buf && start[-1] != '\n')
		start--;
	if (start == end)
		return NULL;
	snprintf(out, size, "%.*s", (int)(end - start), start);
	return out;
}

const char *xtrace_rchan_stderr(struct xtrace_rchan *c)
{
	return c->err.buf;
}

/* The command ended: its exit status (255 when a signal ended it, as ssh says). */
static void note_end(struct xtrace_rchan *c)
{
	int st;

	if (c->ended)
		return;
	c->ended = true;
	st = ssh_channel_get_exit_status(c->ch);
	c->status = st >= 0 && st <= 255 ? st : 255;
}

/* Read what waits, without blocking: stdout into obuf or @out_fd, stderr kept/@err_fd. */
static int drain(struct xtrace_rchan *c, int out_fd, int err_fd)
{
	char buf[8192];
	int n, moved = 0;

	for (int is_err = 0; is_err < 2; is_err++) {
		for (;;) {
			size_t room = sizeof(buf);

			if (!is_err && out_fd < 0) {
				room = sizeof(c->obuf) - c->olen;
				if (!room)
					break;
			}
			n = ssh_channel_read_nonblocking(c->ch, buf, room, is_err);
			if (n == SSH_ERROR)
				return -EIO;
			if (n <= 0)
				break;
			moved += n;
			if (is_err) {
				tail_add(&c->err, buf, n);
				if (err_fd >= 0 && write(err_fd, buf, n) < 0)
					return -errno;
			} else if (out_fd >= 0) {
				if (write(out_fd, buf, n) < 0)
					return -errno;
			} else {
				memcpy(c->obuf + c->olen, buf, n);
				c->olen += n;
			}
		}
	}
	return moved;
}

int xtrace_rchan_pump(struct xtrace_rchan *c, int out_fd, int err_fd)
{
	int ret;

	if (c->ended)
		return 0;
	/* flush what readline kept, if the caller now wants it passed through */
	if (out_fd >= 0 && c->olen) {
		if (write(out_fd, c->obuf, c->olen) < 0)
			return -errno;
		c->olen = 0;
	}
	if (ssh_channel_poll_timeout(c->ch, 0, 0) == SSH_ERROR)
		return -EIO;
	ret = drain(c, out_fd, err_fd);
	if (ret < 0)
		return ret;
	if (ssh_channel_is_eof(c->ch) || ssh_channel_is_closed(c->ch)) {
		/* take the last bytes, then the exit status */
		drain(c, out_fd, err_fd);
		note_end(c);
		return 0;
	}
	return 1;
}

int xtrace_rchan_readline(struct xtrace_rchan *c, char *buf, size_t size, int timeout_ms)
{
	int64_t deadline;

	if (timeout_ms < 0)
		timeout_ms = c->r->timeout_ms;
	deadline = xtrace_now_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * 1000000;
	for (;;) {
		char *nl = memchr(c->obuf, '\n', c->olen);
		int64_t left;

		if (nl) {
			size_t len = nl - c->obuf, n = len < size - 1 ? len : size - 1;

			memcpy(buf, c->obuf, n);
			buf[n] = '\0';
			memmove(c->obuf, nl + 1, c->olen - len - 1);
			c->olen -= len + 1;
			return n;
		}
		if (c->olen == sizeof(c->obuf))
			c->olen = 0;	/* a line longer than we keep: drop it */
		if (c->ended)
			return -EPIPE;
		if (xtrace_rchan_pump(c, -1, -1) < 0) {
			note_end(c);
			return -EPIPE;
		}
		if (memchr(c->obuf, '\n', c->olen))
			continue;
		if (c->ended)
			return -EPIPE;
		left = (deadline - xtrace_now_ns(CLOCK_MONOTONIC)) / 1000000;
		if (left <= 0)
			return -ETIMEDOUT;
		if (ssh_channel_poll_timeout(c->ch, left > 100 ? 100 : left, 0) == SSH_ERROR) {
			note_end(c);
			return -EPIPE;
		}
	}
}

int xtrace_rchan_write(struct xtrace_rchan *c, const char *s)
{
	size_t len = strlen(s);

	if (c->ended)
		return -EPIPE;
	while (len) {
		int n = ssh_channel_write(c->ch, s, len);

		if (n == SSH_ERROR || n == 0)
			return -EPIPE;
		s += n;
		len -= n;
	}
	return 0;
}

int xtrace_rchan_signal(struct xtrace_rchan *c, const char *sig)
{
	return ssh_channel_request_send_signal(c->ch, sig) == SSH_OK ? 0 : -EIO;
}

int xtrace_rchan_status(struct xtrace_rchan *c)
{
	return c->ended ? c->status : -1;
}

int xtrace_rchan_fd(struct xtrace_rchan *c)
{
	return ssh_get_fd(c->r->s);
}

int xtrace_rchan_close(struct xtrace_rchan *c)
{
	int st;

	if (!c)
		return -1;
	if (!c->ended && ssh_channel_is_open(c->ch)) {
		/* (a timeout: the monotonic clock, which a step of the wall clock leaves alone) */
		int64_t deadline = xtrace_now_ns(CLOCK_MONOTONIC) +
				   (int64_t)c->r->timeout_ms * 1000000;

		ssh_channel_send_eof(c->ch);
		while (xtrace_rchan_pump(c, -1, -1) > 0 &&
		       xtrace_now_ns(CLOCK_MONOTONIC) < deadline) {
			c->olen = 0;
			ssh_channel_poll_timeout(c->ch, 100, 0);
		}
	}
	st = c->status;
	ssh_channel_close(c->ch);
	ssh_channel_free(c->ch);
	free(c);
	return st;
}

int xtrace_remote_exec(struct xtrace_remote *r, const char *cmd, char **out, char **errout)
{
	struct xtrace_rchan *c = xtrace_rchan_open(r, cmd);
	char *o = NULL, *e = NULL;
	size_t olen = 0;
	int64_t deadline = xtrace_now_ns(CLOCK_MONOTONIC) + (int64_t)r->timeout_ms * 1000000;
	int ret;

	if (!c)
		return -EIO;
	for (;;) {
		ret = xtrace_rchan_pump(c, -1, -1);
		if (c->olen) {
			char *n = realloc(o, olen + c->olen + 1);

			if (!n) {
				ret = -ENOMEM;
				break;
			}
			o = n;
			memcpy(o + olen, c->obuf, c->olen);
			olen += c->olen;
			o[olen] = '\0';
			c->olen = 0;
		}
		if (ret <= 0)
			break;
		if (xtrace_now_ns(CLOCK_MONOTONIC) > deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		ssh_channel_poll_timeout(c->ch, 100, 0);
	}
	if (ret == 0)
		ret = c->status;
	if (errout)
		e = strdup(c->err.buf);
	xtrace_rchan_close(c);
	if (out)
		*out = o ? o : strdup("");
	else
		free(o);
	if (errout)
		*errout = e;
	return ret;
}

int xtrace_remote_run(const char *spec, const struct xtrace_ssh_opts *o, const char *cmd,
		      int out_fd, int err_fd, char **err)
{
	struct xtrace_remote *r = xtrace_remote_connect(spec, o, err);
	struct xtrace_rchan *c;
	int ret;

	if (!r)
		return -errno;
	c = xtrace_rchan_open(r, cmd);
	if (!c) {
		*err = fmt("%s: cannot run a command there: %s", spec, ssh_get_error(r->s));
		xtrace_remote_close(r);
		return -EIO;
	}
	while ((ret = xtrace_rchan_pump(c, out_fd, err_fd)) > 0)
		ssh_channel_poll_timeout(c->ch, 100, 0);
	if (ret < 0)
		*err = fmt("%s: the link broke: %s", spec, ssh_get_error(r->s));
	else
		ret = c->status;
	xtrace_rchan_close(c);
	xtrace_remote_close(r);
	return ret;
}

/* ---------------------------------------------------------------- SFTP */

static int sftp_errno(sftp_session sf)
{
	switch (sftp_get_error(sf)) {
	case SSH_FX_NO_SUCH_FILE:
	case SSH_FX_NO_SUCH_PATH:
		return ENOENT;
	case SSH_FX_PERMISSION_DENIED:
		return EACCES;
	case SSH_FX_FILE_ALREADY_EXISTS:
		return EEXIST;
	default:
		return EIO;
	}
}

/*
 * The SFTP channel's standard error, read as it comes: libssh 0.10's
 * sftp_init() spins forever on a channel that ended with unread bytes there
 * (an SFTP server that could not be run, as on a dropbear without sftp-server).
 */
static int sftp_stderr(ssh_session s, ssh_channel ch, void *data, uint32_t len, int is_stderr,
		       void *userdata)
{
	struct xtrace_remote *r = userdata;

	(void)s;
	(void)ch;
	if (!is_stderr)
		return 0;	/* SFTP's own bytes: left for sftp_*() */
	tail_add(&r->sftp_err, data, len);
	return len;
}

/*
 * An SFTP session; or NULL, then with r->no_sftp set if the link works but
 * SFTP does not (an exec stream can do the job), else *@err saying why.
 */
static sftp_session sftp_start(struct xtrace_remote *r, char **err)
{
	char buf[512], last[256];
	sftp_session sf;
	int n;

	if (r->no_sftp)
		return NULL;
	r->sftp_err.len = 0;
	r->sftp_err.buf[0] = '\0';
	sf = sftp_new(r->s);
	if (sf) {
		memset(&r->sftp_cb, 0, sizeof(r->sftp_cb));
		r->sftp_cb.userdata = r;
		r->sftp_cb.channel_data_function = sftp_stderr;
		ssh_callbacks_init(&r->sftp_cb);
		ssh_set_channel_callbacks(sf->channel, &r->sftp_cb);
		/* what came before the callback was there */
		while ((n = ssh_channel_read_nonblocking(sf->channel, buf, sizeof(buf), 1)) > 0)
			tail_add(&r->sftp_err, buf, n);
		if (sftp_init(sf) == SSH_OK)
			return sf;
	}
	if (!ssh_is_connected(r->s))
		*err = fmt("%s: cannot start SFTP: %s", r->spec, ssh_get_error(r->s));
	else if (!sf)
		r->no_sftp = fmt("its ssh server refused the SFTP subsystem: %s",
				 ssh_get_error(r->s));
	else if (tail_last(&r->sftp_err, last, sizeof(last)))
		r->no_sftp = fmt("its SFTP server did not start: %s", last);
	else
		r->no_sftp = fmt("its SFTP server did not start: %s", ssh_get_error(r->s));
	if (sf)
		sftp_free(sf);
	if (!*err && !r->no_sftp)
		*err = fmt("%s: cannot start SFTP: %s", r->spec, strerror(ENOMEM));
	return NULL;
}

const char *xtrace_remote_no_sftp(const struct xtrace_remote *r)
{
	return r->no_sftp;
}

/*
 * Read @size bytes of @f into @fd with up to SFTP_DEPTH requests in flight (a
 * round trip per request would bound the copy by the link's latency).
 * Returns 0, -EAGAIN if the server answered short (then read it plainly).
 */
#define SFTP_CHUNK (64 * 1024)
#define SFTP_DEPTH 32
static int read_pipelined(struct xtrace_remote *rm, sftp_file f, uint64_t size, int fd, char *buf,
			  uint64_t *bytes)
{
	uint32_t ids[SFTP_DEPTH], lens[SFTP_DEPTH];
	uint64_t requested = 0, got = 0;
	int head = 0, n = 0;

	while (got < size) {
		int r;

		while (n < SFTP_DEPTH && requested < size) {
			uint32_t len = size - requested < SFTP_CHUNK ? size - requested :
					SFTP_CHUNK;
			int id = sftp_async_read_begin(f, len);

			if (id < 0)
				return -EIO;
			ids[(head + n) % SFTP_DEPTH] = id;
			lens[(head + n) % SFTP_DEPTH] = len;
			requested += len;
			n++;
		}
		r = sftp_async_read(f, buf, lens[head], ids[head]);
		if (r < 0)
			return -EIO;
		if ((uint32_t)r != lens[head]) {
			/* drain what is in flight, then start over the plain way */
			while (--n > 0) {
				head = (head + 1) % SFTP_DEPTH;
				sftp_async_read(f, buf, lens[head], ids[head]);
			}
			return -EAGAIN;
		}
		if (xt_write_all(fd, buf, r))
			return -errno;
		got += r;
		xtrace_budget_take(rm->budget, r);
		head = (head + 1) % SFTP_DEPTH;
		n--;
	}
	*bytes += got;
	return 0;
}

static int fetch_file(struct xtrace_remote *r, sftp_session sf, const char *rpath,
		      const char *lpath, uint64_t size, uint64_t *bytes, char **err)
{
	sftp_file f = sftp_open(sf, rpath, O_RDONLY, 0);
	uint64_t before = *bytes;
	int fd, ret = 0;
	ssize_t n = 0;
	char *buf;

	if (!f) {
		ret = -sftp_errno(sf);
		*err = fmt("%s:%s: %s", r->spec, rpath, ssh_get_error(r->s));
		return ret;
	}
	/* one per copy: copies run in several threads at once */
	buf = malloc(SFTP_CHUNK);
	fd = buf ? open(lpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
	if (fd < 0) {
		ret = buf ? -errno : -ENOMEM;
		*err = fmt("%s: %s", lpath, strerror(-ret));
		free(buf);
		sftp_close(f);
		return ret;
	}
	ret = read_pipelined(r, f, size, fd, buf, bytes);
	if (ret == -EAGAIN) {
		/* a short answer: read it all again, one request at a time */
		ret = 0;
		if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET) || sftp_seek64(f, 0))
			ret = -EIO;
		while (!ret && (n = sftp_read(f, buf, SFTP_CHUNK)) > 0) {
			if (xt_write_all(fd, buf, n))
				ret = -errno;
			*bytes += n;
			xtrace_budget_take(r->budget, n);
		}
	} else if (!ret) {
		/* anything written after the listing */
		while ((n = sftp_read(f, buf, SFTP_CHUNK)) > 0) {
			if (xt_write_all(fd, buf, n)) {
				ret = -errno;
				break;
			}
			*bytes += n;
			xtrace_budget_take(r->budget, n);
		}
	}
	if (n < 0 && !ret)
		ret = -EIO;
	if (ret) {
		*err = fmt("%s:%s -> %s: %s", r->spec, rpath, lpath,
			   ret == -EIO ? ssh_get_error(r->s) : strerror(-ret));
	} else if (*bytes - before < size) {
		/* it ended before the size it was listed with: not a whole copy */
		ret = -EIO;
		*err = fmt("%s:%s: %" PRIu64 " bytes read of the %" PRIu64 " listed", r->spec,
			   rpath, *bytes - before, size);
	}
	if (close(fd) && !ret) {
		ret = -errno;
		*err = fmt("%s: %s", lpath, strerror(errno));
	}
	free(buf);
	sftp_close(f);
	return ret;
}

/* Copy the remote @rdir into the local @ldir, which exists. */
static int fetch_dir(struct xtrace_remote *r, sftp_session sf, const char *rdir,
		     const char *ldir, uint64_t *bytes, char **err)
{
	sftp_dir d = sftp_opendir(sf, rdir);
	sftp_attributes a;
	int ret = 0;

	if (!d) {
		ret = -sftp_errno(sf);
		*err = fmt("%s:%s: %s", r->spec, rdir, ssh_get_error(r->s));
		return ret;
	}
	while (!ret && (a = sftp_readdir(sf, d))) {
		char *rp = NULL, *lp = NULL;

		if (strcmp(a->name, ".") && strcmp(a->name, "..") &&
		    (a->type == SSH_FILEXFER_TYPE_REGULAR ||
		     a->type == SSH_FILEXFER_TYPE_DIRECTORY)) {
			rp = fmt("%s/%s", rdir, a->name);
			lp = fmt("%s/%s", ldir, a->name);
			if (!rp || !lp) {
				ret = -ENOMEM;
			} else if (a->type == SSH_FILEXFER_TYPE_DIRECTORY) {
				if (mkdir(lp, 0755)) {
					ret = -errno;
					*err = fmt("%s: %s", lp, strerror(errno));
				} else {
					ret = fetch_dir(r, sf, rp, lp, bytes, err);
				}
			} else {
				ret = fetch_file(r, sf, rp, lp, a->size, bytes, err);
			}
		}
		free(rp);
		free(lp);
		sftp_attributes_free(a);
	}
	if (!ret && !sftp_dir_eof(d)) {
		ret = -EIO;
		*err = fmt("%s:%s: cannot list: %s", r->spec, rdir, ssh_get_error(r->s));
	}
	sftp_closedir(d);
	return ret;
}

static int rm_dir(sftp_session sf, const char *rdir)
{
	sftp_dir d = sftp_opendir(sf, rdir);
	sftp_attributes a;
	int ret = 0;

	if (!d)
		return -sftp_errno(sf);
	while ((a = sftp_readdir(sf, d))) {
		if (strcmp(a->name, ".") && strcmp(a->name, "..")) {
			char *p = fmt("%s/%s", rdir, a->name);

			if (!p)
				ret = -ENOMEM;
			else if (a->type == SSH_FILEXFER_TYPE_DIRECTORY)
				ret = rm_dir(sf, p) ?: ret;
			else if (sftp_unlink(sf, p))
				ret = -sftp_errno(sf);
			free(p);
		}
		sftp_attributes_free(a);
	}
	sftp_closedir(d);
	if (sftp_rmdir(sf, rdir))
		ret = -sftp_errno(sf);
	return ret;
}

/* ------------------------------------------- exec streams (no SFTP there) */

/* @s quoted for a POSIX shell: 'it'\''s' */
static char *sh_quote(const char *s)
{
	size_t n = 3;
	char *q, *o;

	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	q = o = malloc(n);
	if (!q)
		return NULL;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* "xtrace-run --OPT @rdir" there, as a shell command line (malloc'ed) */
static char *xtrace_run_cmd(const char *opt, const char *rdir)
{
	char *q = sh_quote(rdir), *cmd = q ? fmt(XT_NEED_XTRACE_RUN "exec xtrace-run %s %s",
						 opt, q) : NULL;

	free(q);
	return cmd;
}

static ssh_channel exec_channel(struct xtrace_remote *r, const char *cmd)
{
	ssh_channel ch = ssh_channel_new(r->s);

	if (ch && ssh_channel_open_session(ch) == SSH_OK &&
	    ssh_channel_request_exec(ch, cmd) == SSH_OK)
		return ch;
	if (ch)
		ssh_channel_free(ch);
	return NULL;
}

static void drain_stderr(ssh_channel ch, struct tail *t)
{
	char buf[1024];
	int n;

	while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), 1)) > 0)
		tail_add(t, buf, n);
}

/*
 * Read one line of @ch's standard output (the sender's answer to "remove"),
 * waiting up to the connection's timeout. 0, -ETIMEDOUT or -EPIPE.
 */
static int read_answer(struct xtrace_remote *r, ssh_channel ch, char *line, size_t size,
		       struct tail *et)
{
	size_t len = 0;

	while (len < size - 1) {
		int n = ssh_channel_read_timeout(ch, line + len, 1, 0, r->timeout_ms);

		drain_stderr(ch, et);
		if (n == SSH_AGAIN || (n == 0 && !ssh_channel_is_eof(ch)))
			return -ETIMEDOUT;
		if (n <= 0)
			return -EPIPE;
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	return 0;
}

/* After a whole copy: ask the sender to remove what it sent. 0 or -errno. */
static int stream_remove(struct xtrace_remote *r, ssh_channel ch, const char *rdir,
			 struct tail *et)
{
	char line[512], last[256];
	const char *text = "";
	int ret, ok;

	if (ssh_channel_write(ch, "remove\n", 7) != 7)
		ret = -EPIPE;
	else
		ret = read_answer(r, ch, line, sizeof(line), et);
	ok = ret ? -EPROTO : xtrace_reply_parse(line, &text);
	if (ok == 1)
		return 0;
	xt_log(XTRACE_LOG_WARNING, "%s: cannot remove %s there: %s", r->spec, rdir,
	       !ok ? text : tail_last(et, last, sizeof(last)) ?: strerror(-ret ?: EPROTO));
	return ret ?: -EIO;
}

/* The copy is whole: give it its name (never over another directory). */
static int put_in_place(const char *tmp, const char *ldir, char **err)
{
	if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, ldir, RENAME_NOREPLACE))
		return 0;
	/* a file system without RENAME_NOREPLACE */
	if (errno == EINVAL && access(ldir, F_OK) && errno == ENOENT && !rename(tmp, ldir))
		return 0;
	*err = fmt("%s: %s", ldir, strerror(errno));
	return -errno;
}

#define STREAM_BUF (256 * 1024)

/*
 * Fetch @rdir into @tmp (an empty directory) as the directory stream that
 * "xtrace-run --send" writes there; once it is whole and checked, rename @tmp
 * to @ldir, and with XTRACE_FETCH_REMOVE have the sender remove what it sent.
 */
static int stream_fetch(struct xtrace_remote *r, const char *rdir, const char *tmp,
			const char *ldir, unsigned int flags, struct xtrace_fetch_info *info,
			char **err)
{
	struct xtrace_dirstream_reader *rd = xtrace_dirstream_reader_new(tmp);
	char *cmd = xtrace_run_cmd("--send", rdir), *buf = malloc(STREAM_BUF), last[256];
	struct xtrace_dirstream_stats st;
	struct tail et = { .len = 0 };
	uint64_t received = 0;
	ssh_channel ch = NULL;
	int ret = 0, status;

	if (!rd || !cmd || !buf) {
		ret = !rd && errno != ENOMEM ? -errno : -ENOMEM;
		*err = fmt("%s: %s", tmp, strerror(-ret));
		goto out;
	}
	ch = exec_channel(r, cmd);
	if (!ch) {
		ret = -EIO;
		*err = fmt("%s: no SFTP there (%s), and xtrace-run --send cannot be run: %s",
			   r->spec, r->no_sftp, ssh_get_error(r->s));
		goto out;
	}
	for (;;) {
		int n = ssh_channel_read_timeout(ch, buf, STREAM_BUF, 0, r->timeout_ms);

		drain_stderr(ch, &et);
		if (n > 0) {
			received += n;
			xtrace_budget_take(r->budget, n);
			ret = xtrace_dirstream_feed(rd, buf, n);
			if (ret)
				break;
			continue;
		}
		if (n == SSH_ERROR) {
			ret = -EIO;
		} else if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch)) {
			ret = xtrace_dirstream_reader_end(rd);
		} else {
			ret = -ETIMEDOUT;
		}
		break;
	}
	if (ret == 1) {
		xtrace_dirstream_reader_stats(rd, &st);
		info->bytes = st.bytes;
		ret = put_in_place(tmp, ldir, err);
		if (!ret && (flags & XTRACE_FETCH_REMOVE))
			info->removed = stream_remove(r, ch, rdir, &et);
		goto out;
	}
	/* why: the sender's own words first, if it said why before it ended */
	status = ret == -ETIMEDOUT || ret == -EIO ? -1 : ssh_channel_get_exit_status(ch);
	drain_stderr(ch, &et);
	if (status == 127) {
		*err = fmt("%s: no SFTP there (%s), and %s", r->spec, r->no_sftp,
			   tail_last(&et, last, sizeof(last)) ?: "xtrace-run: not found");
	} else if (!received && (status == 2 || strstr(et.buf, "unrecognized option"))) {
		*err = fmt("%s: no SFTP there (%s), and its xtrace-run is too old to send a recording without it (no --send): install this version of xtrace there, or an SFTP server",
			   r->spec, r->no_sftp);
		ret = -ENOTSUP;
	} else if (ret == -ETIMEDOUT) {
		*err = fmt("%s:%s: the exec stream of xtrace-run --send stalled (nothing for %d s)",
			   r->spec, rdir, r->timeout_ms / 1000);
	} else if (ret == -EIO) {
		*err = fmt("%s:%s: the link broke during the exec stream: %s", r->spec, rdir,
			   ssh_get_error(r->s));
	} else {
		const char *why = tail_last(&et, last, sizeof(last));

		*err = fmt("%s:%s: the copy over an exec stream (no SFTP there) was refused: %s%s%s", r->spec, rdir, xtrace_dirstream_reader_error(rd) ?:
			   strerror(-ret), why ? "; xtrace-run there said: " : "", why ?: "");
	}
out:
	if (ch) {
		ssh_channel_send_eof(ch);
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	xtrace_dirstream_reader_free(rd);
	free(cmd);
	free(buf);
	return ret;
}

/* ------------------------------------------------------------ fetching */

/* A new directory beside @path for the copy in the making: ".NAME.part-XXXXXX" */
static char *temp_beside(const char *path)
{
	size_t len = strlen(path);
	const char *base;
	char *t;

	while (len > 1 && path[len - 1] == '/')
		len--;
	base = path + len;
	while (base > path && base[-1] != '/')
		base--;
	t = fmt("%.*s.%.*s.part-XXXXXX", (int)(base - path), path, (int)(path + len - base),
		base);
	if (t && !mkdtemp(t)) {
		int e = errno;

		free(t);
		errno = e;
		return NULL;
	}
	return t;
}

int xtrace_remote_fetch_dir(struct xtrace_remote *r, const char *rdir, const char *ldir,
			    unsigned int flags, struct xtrace_fetch_info *info, char **err)
{
	struct xtrace_fetch_info none;
	sftp_session sf;
	char *tmp;
	int ret;

	*err = NULL;
	if (!info)
		info = &none;
	memset(info, 0, sizeof(*info));
	ret = !access(ldir, F_OK) ? -EEXIST : errno != ENOENT ? -errno : 0;
	if (ret) {
		*err = fmt("%s: %s", ldir, strerror(-ret));
		return ret;
	}
	tmp = temp_beside(ldir);
	if (!tmp) {
		ret = -errno;
		*err = fmt("cannot make a directory beside %s: %s", ldir, strerror(errno));
		return ret;
	}
	sf = sftp_start(r, err);
	if (sf) {
		ret = fetch_dir(r, sf, rdir, tmp, &info->bytes, err);
		if (!ret)
			ret = put_in_place(tmp, ldir, err);
		if (!ret && (flags & XTRACE_FETCH_REMOVE)) {
			info->removed = rm_dir(sf, rdir);
			if (info->removed)
				xt_log(XTRACE_LOG_WARNING, "%s: cannot remove %s there: %s",
				       r->spec, rdir, strerror(-info->removed));
		}
		sftp_free(sf);
	} else if (r->no_sftp) {
		info->stream = true;
		ret = stream_fetch(r, rdir, tmp, ldir, flags, info, err);
	} else {
		ret = -EIO;
	}
	/* a copy that is not whole is not kept */
	if (ret)
		rm_tree(tmp);
	free(tmp);
	return ret;
}

int xtrace_remote_fetch(struct xtrace_remote *r, const char *rdir, const char *ldir,
			uint64_t *bytes, char **err)
{
	struct xtrace_fetch_info info;
	int ret = xtrace_remote_fetch_dir(r, rdir, ldir, 0, &info, err);

	if (bytes)
		*bytes = info.bytes;
	return ret;
}

int xtrace_remote_rmdir(struct xtrace_remote *r, const char *rdir)
{
	char *err = NULL, *cmd, *e = NULL, last[256];
	sftp_session sf = sftp_start(r, &err);
	struct tail t = { .len = 0 };
	int ret;

	free(err);
	if (sf) {
		ret = rm_dir(sf, rdir);
		sftp_free(sf);
		return ret;
	}
	if (!r->no_sftp)
		return -EIO;
	cmd = xtrace_run_cmd("--remove", rdir);
	if (!cmd)
		return -ENOMEM;
	ret = xtrace_remote_exec(r, cmd, NULL, &e);
	free(cmd);
	if (ret > 0) {
		tail_add(&t, e ?: "", e ? strlen(e) : 0);
		xt_log(XTRACE_LOG_WARNING, "%s: cannot remove %s there: %s", r->spec, rdir,
		       tail_last(&t, last, sizeof(last)) ?: "xtrace-run --remove failed");
		ret = ret == 127 ? -ENOENT : -EIO;
	}
	free(e);
	return ret;
}

/* ---------------------------------------------------- bandwidth budget */

/*
 * A budget is a virtual clock: every byte received moves it on by 1/rate s,
 * and a fetch that gets ahead of the real clock sleeps until it is due. A
 * quiet budget lends at most BUDGET_BURST_NS of credit, so a fetch that starts
 * late cannot burst past the rate either.
 */
#define BUDGET_BURST_NS 50000000LL

struct xtrace_budget {
	pthread_mutex_t lock;
	uint64_t rate;		/* bytes/s */
	int64_t due;		/* monotonic ns at which what was taken is paid */
};

struct xtrace_budget *xtrace_budget_new(uint64_t bytes_per_s)
{
	struct xtrace_budget *b;

	if (!bytes_per_s) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	b->rate = bytes_per_s;
	return b;
}

void xtrace_budget_free(struct xtrace_budget *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b);
}

void xtrace_budget_take(struct xtrace_budget *b, uint64_t bytes)
{
	int64_t now, wait;
	struct timespec ts;

	if (!b || !bytes)
		return;
	now = xtrace_now_ns(CLOCK_MONOTONIC);
	pthread_mutex_lock(&b->lock);
	if (b->due < now - BUDGET_BURST_NS)
		b->due = now - BUDGET_BURST_NS;
	b->due += (int64_t)((double)bytes * 1e9 / b->rate);
	wait = b->due - now;
	pthread_mutex_unlock(&b->lock);
	if (wait <= 0)
		return;
	ts.tv_sec = wait / 1000000000;
	ts.tv_nsec = wait % 1000000000;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void xtrace_remote_set_budget(struct xtrace_remote *r, struct xtrace_budget *b)
{
	r->budget = b;
}

/* -------------------------------------------------------------- clocks */

int xtrace_rchan_clock_check(struct xtrace_rchan *c, int rounds, struct xtrace_clock_check *cc)
{
	int64_t best_rtt = INT64_MAX;
	char line[128];

	memset(cc, 0, sizeof(*cc));
	for (int i = 0; i < rounds; i++) {
		int64_t t0, t1, remote;
		int ret;

		t0 = xtrace_now_ns(CLOCK_REALTIME);
		ret = xtrace_rchan_write(c, "clock\n");
		if (ret)
			return ret;
		ret = xtrace_rchan_readline(c, line, sizeof(line), -1);
		t1 = xtrace_now_ns(CLOCK_REALTIME);
		if (ret < 0)
			return ret;
		if (sscanf(line, "clock %" SCNd64, &remote) != 1)
			return -EPROTO;
		if (t1 - t0 < best_rtt) {
			best_rtt = t1 - t0;
			cc->at = t0 + (t1 - t0) / 2;
			cc->offset = remote - cc->at;
			cc->bound = (t1 - t0 + 1) / 2;
		}
		cc->rounds++;
	}
	return cc->rounds ? 0 : -EINVAL;
}

int xtrace_clockcheck_write(const char *dir, const char *peer,
			    const struct xtrace_clock_check *cc, int nr)
{
	char *path = xt_path(dir, XT_CLOCKCHECK_FILE);
	FILE *f;
	int ret = 0;

	if (!path)
		return -ENOMEM;
	f = fopen(path, "we");
	free(path);
	if (!f)
		return -errno;
	fprintf(f, "# xtrace clock checks over ssh: this system's CLOCK_REALTIME minus the collector's, in ns\npeer=%s\n",
		peer);
	for (int i = 0; i < nr; i++)
		fprintf(f, "check at=%" PRId64 " offset=%" PRId64 " bound=%" PRId64
			" rounds=%d\n", cc[i].at, cc[i].offset, cc[i].bound, cc[i].rounds);
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

int xtrace_clockcheck_read(const char *dir, struct xtrace_clock_check *cc, int max, char **peer)
{
	char *path = xt_path(dir, XT_CLOCKCHECK_FILE), line[512];
	FILE *f;
	int n = 0;

	if (peer)
		*peer = NULL;
	if (!path)
		return -ENOMEM;
	f = fopen(path, "re");
	free(path);
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		struct xtrace_clock_check c;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "peer=", 5) && peer && !*peer) {
			*peer = strdup(line + 5);
		} else if (sscanf(line, "check at=%" SCNd64 " offset=%" SCNd64 " bound=%" SCNd64
				  " rounds=%d", &c.at, &c.offset, &c.bound, &c.rounds) == 4) {
			if (n < max)
				cc[n] = c;
			n++;
		}
	}
	fclose(f);
	return n < max ? n : max;
}

int64_t xtrace_clock_checks_offset(const struct xtrace_clock_check *cc, int n, int64_t *bound)
{
	int64_t sum = 0;

	*bound = 0;
	for (int i = 0; i < n; i++) {
		sum += cc[i].offset;
		if (cc[i].bound > *bound)
			*bound = cc[i].bound;
	}
	return n > 0 ? sum / n : 0;
}

/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * xtrace-remote.h - recorders on other systems, driven over ssh (libssh).
 *
 * A remote system is named as ssh would name it: "[user@]host[:port]", where
 * host may be an alias of the user's ssh configuration. Host keys are checked
 * against known_hosts as OpenSSH does; keys come from the agent and the
 * configured identity files. No password is ever asked for, stored or logged.
 *
 * On the remote side, "xtrace-run --serve" records until told to stop and
 * answers one-line requests on its standard input (see docs/remote.md).
 *
 * Threads: a struct xtrace_remote, its channels and the struct xtrace_rrec
 * built on it are used by one thread at a time; different ones may be used by
 * different threads at once (xtrace-run --remote drives each system from a
 * thread of its own).
 */
#ifndef _XTRACE_REMOTE_H
#define _XTRACE_REMOTE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xtrace_ssh_opts {
	const char *config;		/* ssh configuration file; NULL: ~/.ssh/config */
	int timeout;			/* seconds for connecting and for every step; 0: 10 */
	bool accept_new_host_key;	/* add an unknown host's key to known_hosts */
};

struct xtrace_remote;

/**
 * xtrace_remote_parse - split "[user@]host[:port]"
 * Returns 0, or -EINVAL (empty host, bad port). *@user is NULL when not given,
 * *@port 0. Free *@user and *@host.
 */
int xtrace_remote_parse(const char *spec, char **user, char **host, int *port);

/**
 * xtrace_remote_connect - connect and authenticate to @spec
 * Returns NULL with errno set and *@err (malloc'ed) saying why, in words an
 * ssh user knows: unreachable, unknown or changed host key, refused keys.
 */
struct xtrace_remote *xtrace_remote_connect(const char *spec, const struct xtrace_ssh_opts *o,
					    char **err);
void xtrace_remote_close(struct xtrace_remote *r);

/** xtrace_remote_spec - what the remote was named by */
const char *xtrace_remote_spec(const struct xtrace_remote *r);

/**
 * xtrace_remote_exec - run @cmd (a shell command line) on the remote, to its end
 * @out, @errout: what it printed (malloc'ed, NUL-terminated; may be NULL)
 * Returns its exit status (0-255; 255 when it died of a signal), or -errno.
 */
int xtrace_remote_exec(struct xtrace_remote *r, const char *cmd, char **out, char **errout);

/* ------------------------------------------------ long-running commands */
struct xtrace_rchan;

/** xtrace_rchan_open - start @cmd on the remote, its stdin/stdout/stderr ours to use */
struct xtrace_rchan *xtrace_rchan_open(struct xtrace_remote *r, const char *cmd);

/**
 * xtrace_rchan_readline - the next line of its standard output (without '\n')
 * Waits up to @timeout_ms (-1: the connection's timeout). Returns its length,
 * -ETIMEDOUT, or -EPIPE when the command ended (its exit status is then known).
 * Standard error is passed through @errfn line by line, if set.
 */
int xtrace_rchan_readline(struct xtrace_rchan *c, char *buf, size_t size, int timeout_ms);

/** xtrace_rchan_write - write to its standard input; 0 or -errno */
int xtrace_rchan_write(struct xtrace_rchan *c, const char *s);

/**
 * xtrace_rchan_pump - move what is waiting: stdout to @out_fd and stderr to
 * @err_fd (either may be -1 to keep it for readline). Never blocks.
 * Returns 1 while the command runs, 0 once it ended, -errno if the link failed.
 */
int xtrace_rchan_pump(struct xtrace_rchan *c, int out_fd, int err_fd);

/** xtrace_rchan_signal - send it a signal by name ("INT", "TERM") */
int xtrace_rchan_signal(struct xtrace_rchan *c, const char *sig);

/** xtrace_rchan_status - its exit status: 0-255, 255 if killed, -1 while running */
int xtrace_rchan_status(struct xtrace_rchan *c);

/** xtrace_rchan_stderr - the last lines it wrote on standard error (never NULL) */
const char *xtrace_rchan_stderr(struct xtrace_rchan *c);

/** xtrace_rchan_fd - a file descriptor to poll(2) for input on this channel */
int xtrace_rchan_fd(struct xtrace_rchan *c);

/** xtrace_rchan_close - end it (EOF on its stdin, then close); returns its status */
int xtrace_rchan_close(struct xtrace_rchan *c);

/**
 * xtrace_remote_run - connect to @spec, run @cmd there, pass its output to
 * @out_fd and @err_fd as it comes. Returns its exit status (255 if killed),
 * or -errno with *@err saying why it could not be run.
 */
int xtrace_remote_run(const char *spec, const struct xtrace_ssh_opts *o, const char *cmd,
		      int out_fd, int err_fd, char **err);

/* ------------------------------------------------------------- files */

/*
 * Recordings are fetched over SFTP. A system whose ssh server has no SFTP (an
 * OpenSSH sshd without "Subsystem sftp", a dropbear without sftp-server) is
 * fetched over an exec channel instead: "xtrace-run --send DIR" there writes a
 * directory stream (below) that is checked here file by file. Either way a copy
 * is built beside @ldir and renamed to @ldir only once it is whole, so @ldir
 * never holds a partial copy.
 */
#define XTRACE_FETCH_REMOVE	(1u << 0)	/* then remove the remote copy */

struct xtrace_fetch_info {
	uint64_t bytes;			/* copied */
	bool stream;			/* over an exec stream: no SFTP there */
	int removed;			/* XTRACE_FETCH_REMOVE: 0, or -errno (it stays there) */
};

/**
 * xtrace_remote_fetch_dir - copy the remote directory @rdir into the local @ldir
 * (must not exist), recursively, regular files only; with XTRACE_FETCH_REMOVE
 * in @flags, remove @rdir on the remote once @ldir holds the whole copy.
 * Returns 0 or -errno (-EBADMSG: the stream was damaged or cut short), with
 * *@err saying which file failed; @info (may be NULL) says how it went.
 */
int xtrace_remote_fetch_dir(struct xtrace_remote *r, const char *rdir, const char *ldir,
			    unsigned int flags, struct xtrace_fetch_info *info, char **err);

/** xtrace_remote_fetch - xtrace_remote_fetch_dir() without flags; *@bytes: copied */
int xtrace_remote_fetch(struct xtrace_remote *r, const char *rdir, const char *ldir,
			uint64_t *bytes, char **err);

/**
 * xtrace_remote_rmdir - remove the remote directory @rdir and what it holds
 * (over SFTP, else with "xtrace-run --remove" there)
 */
int xtrace_remote_rmdir(struct xtrace_remote *r, const char *rdir);

/**
 * xtrace_remote_no_sftp - why SFTP cannot be used on this system (then fetches
 * and removals go over exec channels), or NULL: SFTP works or was not tried yet
 */
const char *xtrace_remote_no_sftp(const struct xtrace_remote *r);

/*
 * A bandwidth budget that fetches share, over any number of systems and
 * threads: together they receive at most @bytes_per_s (averaged; bursts of
 * 50 ms). xtrace_budget_new() returns NULL with errno set (EINVAL for 0).
 */
struct xtrace_budget;

struct xtrace_budget *xtrace_budget_new(uint64_t bytes_per_s);
void xtrace_budget_free(struct xtrace_budget *b);

/** xtrace_budget_take - @bytes were received: sleep as long as the budget says */
void xtrace_budget_take(struct xtrace_budget *b, uint64_t bytes);

/**
 * xtrace_remote_set_budget - make the fetches from @r take their bytes from @b
 * (borrowed: it must outlive them; NULL: no limit)
 */
void xtrace_remote_set_budget(struct xtrace_remote *r, struct xtrace_budget *b);

/* --------------------------------------------------- directory streams */

struct xtrace_dirstream_stats {
	uint64_t files, dirs, bytes;
};

/**
 * xtrace_dirstream_write - write directory @dir as a directory stream on @fd
 * (regular files and subdirectories, in name order; each file's size is taken
 * when it is opened). Returns 0, or -errno: then the stream has no end record,
 * and a reader refuses it. *@sent (may be NULL; free with xtrace_strv_free):
 * what was sent, paths relative to @dir, directories ending in '/'.
 */
int xtrace_dirstream_write(const char *dir, int fd, struct xtrace_dirstream_stats *st,
			   char ***sent);

/**
 * xtrace_dirstream_remove - remove what @sent lists (as xtrace_dirstream_write
 * gave it), then @dir, which fails (-ENOTEMPTY) if it holds anything else.
 * With @sent NULL: whatever a stream of @dir would send, then @dir.
 */
int xtrace_dirstream_remove(const char *dir, char *const *sent);

struct xtrace_dirstream_reader;

/**
 * xtrace_dirstream_reader_new - a reader that fills the directory @dir
 * (existing and empty). The stream is untrusted: names are single path
 * components, and a file gets its name only after its size and checksum
 * checked. Returns NULL with errno set.
 */
struct xtrace_dirstream_reader *xtrace_dirstream_reader_new(const char *dir);

/**
 * xtrace_dirstream_feed - the next @len bytes of the stream
 * Returns 0 (more to come), 1 (the end record came and checked: @dir is
 * whole), -EBADMSG (malformed, a checksum mismatch, bytes after the end),
 * -ENOTSUP (another stream version) or -errno (writing). After an error every
 * call returns it again.
 */
int xtrace_dirstream_feed(struct xtrace_dirstream_reader *rd, const void *buf, size_t len);

/**
 * xtrace_dirstream_reader_end - there is no more: 0 if the stream was whole,
 * else -EBADMSG (cut short) or the error met before
 */
int xtrace_dirstream_reader_end(struct xtrace_dirstream_reader *rd);

/** xtrace_dirstream_reader_error - what was wrong, in words; NULL if nothing */
const char *xtrace_dirstream_reader_error(const struct xtrace_dirstream_reader *rd);

/** xtrace_dirstream_reader_stats - files, directories and bytes received whole */
void xtrace_dirstream_reader_stats(const struct xtrace_dirstream_reader *rd,
				   struct xtrace_dirstream_stats *st);

/** xtrace_dirstream_reader_free - also removes a file still being received */
void xtrace_dirstream_reader_free(struct xtrace_dirstream_reader *rd);

/**
 * xtrace_remote_is_spec - true if @arg names a remote directory:
 * "[user@]host[:port]:path" and no local file of that name exists
 */
bool xtrace_remote_is_spec(const char *arg, char **spec, char **path);

/* ------------------------------------------------------------- clocks */

/* One clock check: the remote's CLOCK_REALTIME minus ours, within +-bound. */
struct xtrace_clock_check {
	int64_t at;			/* our UTC ns at the check */
	int64_t offset;			/* ns: remote - local */
	int64_t bound;			/* ns: half the best round trip */
	int rounds;
};

/**
 * xtrace_rchan_clock_check - measure the remote's clock against ours over a
 * channel to "xtrace-run --serve" (requests "clock"); the best of @rounds
 */
int xtrace_rchan_clock_check(struct xtrace_rchan *c, int rounds, struct xtrace_clock_check *cc);

/**
 * Clock checks kept beside a collected recording (file "clockcheck").
 */
int xtrace_clockcheck_write(const char *dir, const char *peer,
			    const struct xtrace_clock_check *cc, int nr);
/** Returns the number read (0 if no file), or -errno. */
int xtrace_clockcheck_read(const char *dir, struct xtrace_clock_check *cc, int max, char **peer);

/**
 * xtrace_clock_checks_offset - what @n clock checks say of a remote clock: the offset (remote -
 * local, ns) that the merge removes from a system without clock exchanges (their mean), and in
 * *@bound the largest of their error bounds. 0 (and bound 0) if @n is 0.
 */
int64_t xtrace_clock_checks_offset(const struct xtrace_clock_check *cc, int n, int64_t *bound);


/* ------------------------------------------- recorders on other systems */

enum xtrace_rrec_state {
	XTRACE_RREC_NEW,
	XTRACE_RREC_RECORDING,		/* "xtrace-run --serve" said ready */
	XTRACE_RREC_STOPPED,		/* stopped; its recording is complete */
	XTRACE_RREC_UNREACHABLE,	/* ssh failed: no connection, host key, keys */
	XTRACE_RREC_NO_XTRACE,		/* xtrace-run is not on the remote's PATH */
	XTRACE_RREC_FAILED,		/* it could not start recording */
	XTRACE_RREC_DIED,		/* it ended before it was stopped */
	XTRACE_RREC_STARTING,		/* launched, not ready yet (xtrace_rrec_launch) */
};

/* One recorder on another system, started over ssh ("xtrace-run --serve"). */
struct xtrace_rrec {
	char *spec;			/* [user@]host[:port] as given */
	enum xtrace_rrec_state state;
	char *error;			/* why it is not recording (NULL while fine) */
	char *host;			/* its host name (uname) */
	char *dir;			/* its recording on the remote */
	char *marker;			/* its trace_marker on the remote */
	int pid;			/* its pid on the remote */
	int shell_pid;			/* the shell that started it there (before exec) */
	struct xtrace_clock_check checks[4];
	int nr_checks;
	struct xtrace_remote *ssh;
	struct xtrace_rchan *ch;
};

/**
 * xtrace_rrec_start - connect to @spec and start "xtrace-run --serve @args"
 * there (@args: options, already quoted for the remote shell). Returns 0 when
 * it records; else -errno with @rr->state and @rr->error saying why.
 */
int xtrace_rrec_start(struct xtrace_rrec *rr, const char *spec, const struct xtrace_ssh_opts *o,
		      const char *args);

/**
 * xtrace_rrec_launch - xtrace_rrec_start() in two steps: connect to @spec and
 * start "xtrace-run --serve @args" there without waiting for it. Returns 0
 * (state STARTING), or -errno with @rr->state and @rr->error saying why.
 */
int xtrace_rrec_launch(struct xtrace_rrec *rr, const char *spec, const struct xtrace_ssh_opts *o,
		       const char *args);

/**
 * xtrace_rrec_wait_ready - wait up to @timeout_ms (-1: the ssh timeout) for a
 * launched recorder to record. Returns 0 (state RECORDING), -ETIMEDOUT (still
 * STARTING: call again, or xtrace_rrec_give_up()), or -errno with @rr->state
 * and @rr->error saying why it will not record.
 */
int xtrace_rrec_wait_ready(struct xtrace_rrec *rr, int timeout_ms);

/**
 * xtrace_rrec_give_up - stop waiting for a recorder still STARTING: it is sent
 * SIGTERM, and its state becomes FAILED with @why (its spec in front) as error
 */
void xtrace_rrec_give_up(struct xtrace_rrec *rr, const char *why);

/** xtrace_rrec_send - send a request ("flush", "pause 0-1", ...); its reply comes later */
int xtrace_rrec_send(struct xtrace_rrec *rr, const char *req);

/** xtrace_rrec_reply - the reply to the oldest request: 0 ok, -EIO refused, -EPIPE died */
int xtrace_rrec_reply(struct xtrace_rrec *rr, char *msg, size_t size);

/** xtrace_rrec_alive - false once it ended on its own (state DIED, error says how) */
bool xtrace_rrec_alive(struct xtrace_rrec *rr);

/** xtrace_rrec_clock_check - measure its clock against ours, kept in @rr->checks */
int xtrace_rrec_clock_check(struct xtrace_rrec *rr);

/** xtrace_rrec_stop - flush, stop and wait for its recording to be complete */
int xtrace_rrec_stop(struct xtrace_rrec *rr);

/**
 * xtrace_rrec_fetch - copy its recording into the local @ldir (over SFTP, or an
 * exec stream where there is none: xtrace_remote_no_sftp(@rr->ssh) says why),
 * with its clock checks (file "clockcheck"); then, once the copy is whole,
 * remove it on the remote unless @keep. Works on a recorder that died too:
 * what it wrote is fetched.
 */
int xtrace_rrec_fetch(struct xtrace_rrec *rr, const char *ldir, bool keep, uint64_t *bytes);

/** xtrace_rrec_state_name - "recording", "unreachable", ... */
const char *xtrace_rrec_state_name(enum xtrace_rrec_state s);

/**
 * xtrace_rrec_disconnect - close its channel and ssh session (a recorder still
 * recording then finishes, as at the end of its input); the rest of @rr stays
 */
void xtrace_rrec_disconnect(struct xtrace_rrec *rr);

void xtrace_rrec_free(struct xtrace_rrec *rr);

#ifdef __cplusplus
}
#endif
#endif

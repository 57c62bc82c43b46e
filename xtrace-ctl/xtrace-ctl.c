// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-ctl: control the recorders running on this system.
 *
 *   xtrace-ctl [-p PID] [-d DIR] [-c CPUS] [command...]
 *
 * Commands run in order, each on every addressed recorder: "flush stop".
 * Without a command it reads commands from standard input.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xtrace.h"
#include "xtrace-remote.h"
#include "tool.h"
#include "tool-ssh.h"

#define PROG "xtrace-ctl"
#define REQUEST_TIMEOUT_MS 60000

static const char *const usage_text[] = {
	"usage: xtrace-ctl [options] [command...]",
	"",
	"Control the xtrace-run recorders of this system. Commands run in the order given,",
	"each on every addressed recorder:",
	"  flush    save the buffers now and mark the moment (FLUSH in the view)",
	"  pause    stop recording (PAUSE in the view) until resume",
	"  resume   record again (RESUME in the view)",
	"  stop     flush and finish the recording; xtrace-run then ends its command",
	"           (SIGTERM) unless it was started with --keep-running",
	"  status   each recorder: pid, mode, CPUs, paused, events saved / in the buffers /",
	"           overwritten / dropped, flushes, directory",
	"Without a command, commands are read from standard input, a line at a time.",
	"",
	"  -p, --pid PID        only the recorder with this pid",
	"  -d, --dir DIR        only the recorder writing to DIR",
	"  -c, --cpus CPUS      flush, pause and resume only these CPUs (e.g. 0,2-3)",
	"  -q, --quiet          print only errors",
	"  -r, --remote SYSTEM  control the recorders of another system over ssh",
	"                       ([user@]host[:port]; its xtrace-ctl does the work)",
	TOOL_SSH_USAGE,
	"  -h, --help           this text",
	"  -V, --version        print the version",
	"",
	"Exit status: 0 if every addressed recorder did every command, 1 otherwise",
	"(no recorder running, a recorder that died, a command that failed), 2 usage.",
	NULL,
};

struct ctl_opts {
	pid_t pid;
	char *dir;		/* realpath of -d */
	const char *cpus;
	bool quiet;
	const char *remote, *dir_arg, *pid_arg;
	struct xtrace_ssh_opts ssh;
	char **cmds;
	int nr_cmds;
};




static const char *const commands[] = { "flush", "pause", "resume", "stop", "status" };

/* The command @word names, in any case (the guide writes FLUSH, PAUSE, RESUME), or NULL. */
static const char *command_of(const char *word)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcasecmp(word, commands[i]))
			return commands[i];
	return NULL;
}

/* The value of KEY in a status reply's tab-separated key=value list. */
static const char *field(const char *reply, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);
	const char *p = reply;

	while (p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			p += kl + 1;
			snprintf(buf, len, "%.*s", (int)strcspn(p, "\t"), p);
			return buf;
		}
		p = strchr(p, '\t');
	}
	snprintf(buf, len, "?");
	return buf;
}

struct target {
	struct xtrace_ctl_peer peer;
	bool gone;
};

static void print_status_header(void)
{
	printf("%-8s %-9s %-6s %-7s %12s %12s %12s %9s %7s  %s\n", "PID", "MODE", "CPUS", "PAUSED",
	       "SAVED", "IN-BUFFER", "OVERWRITTEN", "DROPPED", "FLUSHES", "DIR");
}

static void print_status(pid_t pid, const char *r)
{
	char b[9][PATH_MAX];

	printf("%-8d %-9s %-6s %-7s %12s %12s %12s %9s %7s  %s\n", (int)pid,
	       field(r, "mode", b[0], sizeof(b[0])), field(r, "cpus", b[1], sizeof(b[1])),
	       field(r, "paused", b[2], sizeof(b[2])), field(r, "saved", b[3], sizeof(b[3])),
	       field(r, "in_buffer", b[4], sizeof(b[4])), field(r, "overrun", b[5], sizeof(b[5])),
	       field(r, "dropped", b[6], sizeof(b[6])), field(r, "flushes", b[7], sizeof(b[7])),
	       field(r, "dir", b[8], sizeof(b[8])));
}

/* Run one command on every target. Returns the number of failures. */
static int run_command(struct ctl_opts *o, struct target *t, int nr, const char *word)
{
	const char *cmd = command_of(word);
	bool cpu_cmd = cmd && strcmp(cmd, "stop") && strcmp(cmd, "status");
	char request[256];
	int failures = 0;

	if (!cmd)
		return tool_error("unknown command '%s' (flush, pause, resume, stop, status)",
				  word);
	snprintf(request, sizeof(request), "%s%s%s", cmd, cpu_cmd && o->cpus ? " " : "",
		 cpu_cmd && o->cpus ? o->cpus : "");
	if (!strcmp(cmd, "status") && !o->quiet)
		print_status_header();
	for (int i = 0; i < nr; i++) {
		char *reply = NULL;
		const char *text;
		int ret, ok;

		if (t[i].gone) {
			failures++;
			continue;
		}
		ret = xtrace_ctl_request(t[i].peer.path, request, &reply, REQUEST_TIMEOUT_MS);
		if (ret) {
			tool_error("recorder %d: %s: %s", (int)t[i].peer.pid, cmd,
				   ret == -ECONNREFUSED || ret == -ENOENT ? "it is gone (did it die?)" :
				   strerror(-ret));
			t[i].gone = true;
			failures++;
			continue;
		}
		ok = xtrace_reply_parse(reply, &text);
		if (ok != 1) {
			tool_error("recorder %d: %s: %s", (int)t[i].peer.pid, cmd, ok ? reply : text);
			failures++;
		} else if (!strcmp(cmd, "status")) {
			if (!o->quiet)
				print_status(t[i].peer.pid, text);
		} else {
			if (!o->quiet)
				printf("recorder %d: %s: %s\n", (int)t[i].peer.pid, cmd, text);
			if (!strcmp(cmd, "stop"))
				t[i].gone = true;
		}
		free(reply);
	}
	fflush(stdout);
	return failures;
}

/* The recorders addressed: all, or the one with -p PID / -d DIR. */
static int find_targets(struct ctl_opts *o, struct target **out, int *nr)
{
	struct xtrace_ctl_peer *peers;
	struct target *t;
	int n, stale, ret, k = 0;

	ret = xtrace_ctl_list(&peers, &n, &stale);
	if (ret) {
		tool_error("cannot list recorders in '%s': %s", xtrace_ctl_dir(),
			   strerror(-ret));
		return -1;
	}
	t = calloc(n ? n : 1, sizeof(*t));
	if (!t) {
		xtrace_ctl_peers_free(peers, n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		bool take = !o->pid || peers[i].pid == o->pid;

		if (take && o->dir) {
			char *reply = NULL, dir[PATH_MAX];
			const char *text;

			take = !xtrace_ctl_request(peers[i].path, "status", &reply, 5000) &&
			       xtrace_reply_parse(reply, &text) == 1 &&
			       !strcmp(field(text, "dir", dir, sizeof(dir)), o->dir);
			free(reply);
		}
		if (take) {
			t[k].peer = peers[i];
			peers[i].path = NULL;
			k++;
		}
	}
	xtrace_ctl_peers_free(peers, n);
	if (!k) {
		const char *why = stale ? " (a recorder that died was cleaned up)" : "";

		if (o->pid)
			tool_error("no recorder with pid %d is running%s",
				   (int)o->pid, why);
		else if (o->dir)
			tool_error("no recorder writing to '%s' is running%s",
				   o->dir, why);
		else
			tool_error("no recorder is running on this system%s", why);
		free(t);
		return -1;
	}
	*out = t;
	*nr = k;
	return 0;
}

static int interactive(struct ctl_opts *o, struct target *t, int nr)
{
	bool tty = isatty(0);
	char *line = NULL;
	size_t cap = 0;
	int failures = 0;

	for (;;) {
		char *save, *word;

		if (tty) {
			printf("xtrace-ctl> ");
			fflush(stdout);
		}
		if (getline(&line, &cap, stdin) < 0)
			break;
		for (word = strtok_r(line, " \t\n", &save); word;
		     word = strtok_r(NULL, " \t\n", &save)) {
			if (!strcasecmp(word, "quit") || !strcasecmp(word, "exit"))
				goto out;
			if (!strcasecmp(word, "help")) {
				tool_usage(stdout, usage_text);
				continue;
			}
			failures += run_command(o, t, nr, word);
		}
	}
out:
	if (tty)
		printf("\n");
	free(line);
	return failures;
}

static int run_xtrace_ctl(struct ctl_opts *o)
{
	struct target *t = NULL;
	int nr = 0, failures = 0;

	for (int i = 0; i < o->nr_cmds; i++) {
		if (!command_of(o->cmds[i]))
			return tool_bad_usage("unknown command '%s' (flush, pause, resume, stop, status)",
					      o->cmds[i]);
	}
	if (find_targets(o, &t, &nr))
		return 1;
	if (!o->nr_cmds)
		failures = interactive(o, t, nr);
	for (int i = 0; i < o->nr_cmds; i++)
		failures += run_command(o, t, nr, o->cmds[i]);
	for (int i = 0; i < nr; i++)
		free(t[i].peer.path);
	free(t);
	return failures ? 1 : 0;
}

/* --remote: the other system's xtrace-ctl does the work; we pass on what it says. */
static int run_remote(struct ctl_opts *o)
{
	char *argv[64], *cmd, *err = NULL;
	int n = 0, ret;

	if (!o->nr_cmds)
		return tool_bad_usage("with --remote, give the commands (no interactive mode)");
	if (o->nr_cmds > 50)
		return tool_bad_usage("too many commands");
	argv[n++] = "xtrace-ctl";
	if (o->quiet)
		argv[n++] = "-q";
	if (o->pid_arg) {
		argv[n++] = "-p";
		argv[n++] = (char *)o->pid_arg;
	}
	if (o->dir_arg) {
		argv[n++] = "-d";
		argv[n++] = (char *)o->dir_arg;
	}
	if (o->cpus) {
		argv[n++] = "-c";
		argv[n++] = (char *)o->cpus;
	}
	for (int i = 0; i < o->nr_cmds; i++)
		argv[n++] = o->cmds[i];
	argv[n] = NULL;
	cmd = tool_shell_quote(argv);
	if (!cmd)
		return 1;
	ret = xtrace_remote_run(o->remote, &o->ssh, cmd, STDOUT_FILENO, STDERR_FILENO, &err);
	free(cmd);
	if (ret < 0) {
		tool_error("%s", err ? err : strerror(-ret));
		free(err);
		return 1;
	}
	if (ret == 127)
		tool_error("%s: xtrace-ctl is not installed there (or not on the PATH of ssh commands)",
			   o->remote);
	return ret > 2 ? 1 : ret;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "dir", required_argument, NULL, 'd' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "remote", required_argument, NULL, 'r' },
		TOOL_SSH_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts o = { 0 };
	struct xtrace_cpuset set;
	char *end;
	long v;
	int c, ret;

	tool_prog = PROG;	/* for messages about the options */
	while ((c = getopt_long(argc, argv, "p:d:c:qr:F:hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > INT_MAX)
				return tool_bad_usage("invalid pid '%s'", optarg);
			o.pid = v;
			o.pid_arg = optarg;
			break;
		case 'd':
			o.dir_arg = optarg;
			break;
		case 'c':
			if (xtrace_cpuset_parse(optarg, &set))
				return tool_bad_usage("invalid CPU list '%s' (e.g. 0,2-3)", optarg);
			o.cpus = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'r':
			o.remote = optarg;
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
	tool_init(PROG, o.quiet ? -1 : 0);
	if (o.dir_arg && !o.remote) {
		o.dir = realpath(o.dir_arg, NULL);
		if (!o.dir)
			return tool_error("cannot find '%s': %s", o.dir_arg, strerror(errno));
	}
	o.cmds = argv + optind;
	o.nr_cmds = argc - optind;
	ret = o.remote ? run_remote(&o) : run_xtrace_ctl(&o);
	free(o.dir);
	return tool_exit(ret);
}

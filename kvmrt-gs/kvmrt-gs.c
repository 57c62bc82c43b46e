// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-gs: the KVM-RT guest services from the command line (the guide's kvmrt-gs(1)):
 *
 *   kvmrt-gs [OPTIONS] COMMAND [ARGS] [COMMAND [ARGS]...]
 *
 * Each command is one call of libkvmrt_gs; the exit status is 0 when every one succeeded.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvmrt_gs.h"
#include "gs-proto.h"
#include "tool.h"

static const char *const usage_text[] = {
	"usage: kvmrt-gs [options] COMMAND [ARGS] [COMMAND [ARGS]...]",
	"",
	"Call the KVM-RT guest services of the host from this guest. Commands, run in order:",
	"  available                 guest services are there (the host answers this VM)",
	"  ping_available            each service offered to this VM",
	"  log_msg_available",
	"  xtrace_flush_available",
	"  xtrace_log_data_available",
	"  ping COOKIE               ping the host with COOKIE (an unsigned integer):",
	"                            KVMRT_GS_PING_GUEST here, KVMRT_GS_PING_HOST there",
	"  log_msg MESSAGE           MESSAGE in the host's kernel log (text, or hex as 0x...)",
	"  xtrace_flush SCOPE        flush the host's and this system's xtrace buffers:",
	"                            0 the current CPU, 1 the VM's CPUs, 2 every host CPU",
	"  xtrace_log_data DATA      DATA as KVMRT_GS_LOG_DATA_GUEST/HOST events (text, or hex",
	"                            as 0x...)",
	"",
	"  -r, --repeat N       run the commands N times (default 1)",
	"  -q, --quiet          print only errors",
	"  -h, --help           this text",
	"  -V, --version        print the version",
	"",
	"Exit status: 0 if every command succeeded, 1 if one failed or a service is not",
	"available, 2 usage.",
	NULL,
};

/* "0x48656c6c6f" as bytes, anything else as text; returns the length or -errno */
static long data_of(const char *arg, unsigned char *buf, size_t max)
{
	size_t n = strlen(arg);

	if (n > 2 && arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X')) {
		int ret = gs_hex_decode(arg + 2, n - 2, buf, max);

		return ret == -EMSGSIZE ? (long)max : ret;	/* truncated, as the call would */
	}
	n = n > max ? max : n;
	memcpy(buf, arg, n);
	return n;
}

static int parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	*v = strtoul(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

struct cmd {
	const char *name;
	int args;
};

static const struct cmd cmds[] = {
	{ "available", 0 }, { "ping_available", 0 }, { "log_msg_available", 0 },
	{ "xtrace_flush_available", 0 }, { "xtrace_log_data_available", 0 }, { "ping", 1 },
	{ "log_msg", 1 }, { "xtrace_flush", 1 }, { "xtrace_log_data", 1 },
};

static const struct cmd *lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	return NULL;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A usage error in @name's argument @arg (2, said), or 0 */
static int check_arg(const char *name, const char *arg)
{
	unsigned char buf[KVMRT_GS_MSG_MAX + 1];
	unsigned long v;
	long n;

	if (!strcmp(name, "ping") && parse_ulong(arg, &v))
		return tool_bad_usage("ping: '%s' is not a cookie (an unsigned integer)", arg);
	if (!strcmp(name, "xtrace_flush") && (parse_ulong(arg, &v) || v > KVMRT_GS_XTRACE_CPU_ALL))
		return tool_bad_usage("xtrace_flush: '%s' is not a scope (0, 1 or 2)", arg);
	if (!strcmp(name, "log_msg") || !strcmp(name, "xtrace_log_data")) {
		n = data_of(arg, buf, KVMRT_GS_MSG_MAX);
		if (n <= 0)
			return tool_bad_usage("%s: '%s' is empty or not hex", name, arg);
		if (!strcmp(name, "log_msg") && memchr(buf, '\0', n))
			return tool_bad_usage("log_msg: the message holds a NUL byte");
	}
	return 0;
}

/* Run one command (its argument checked); 0 ok, 1 failed */
static int run_one(const char *name, const char *arg, bool quiet)
{
	unsigned char buf[KVMRT_GS_MSG_MAX + 1];
	struct timespec t0;
	unsigned long v;
	long ret, n;
	bool yes;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (strstr(name, "_available") || !strcmp(name, "available")) {
		yes = !strcmp(name, "available") ? kvmrt_gs_available() :
		      !strcmp(name, "ping_available") ? kvmrt_gs_ping_available() :
		      !strcmp(name, "log_msg_available") ? kvmrt_gs_log_msg_available() :
		      !strcmp(name, "xtrace_flush_available") ? kvmrt_gs_xtrace_flush_available() :
		      kvmrt_gs_xtrace_log_data_available();
		if (!quiet || !yes)
			printf("%s: %s%s%s\n", name, yes ? "available" : "not available",
			       yes ? "" : ": ", yes ? "" : kvmrt_gs_last_error());
		fflush(stdout);	/* in order with the errors on stderr */
		return !yes;
	}
	if (!strcmp(name, "ping")) {
		parse_ulong(arg, &v);
		ret = kvmrt_gs_ping(v);
	} else if (!strcmp(name, "xtrace_flush")) {
		parse_ulong(arg, &v);
		ret = kvmrt_gs_xtrace_flush(v);
	} else if (!strcmp(name, "log_msg")) {
		n = data_of(arg, buf, KVMRT_GS_MSG_MAX);
		buf[n] = '\0';
		ret = kvmrt_gs_log_msg((char *)buf);
	} else {
		n = data_of(arg, buf, KVMRT_GS_DATA_MAX);
		ret = kvmrt_gs_xtrace_log_data(buf, n);
	}
	if (ret) {
		tool_error("%s %s: %s (%s)", name, arg, strerror(-ret), kvmrt_gs_last_error());
		return 1;
	}
	if (!quiet)
		printf("%s %s: ok (%.3f ms)\n", name, arg, ms_since(&t0));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repeat", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long repeat = 1;
	bool quiet = false;
	int c, failed = 0;

	tool_prog = "kvmrt-gs";	/* tool.o alone: a guest command needs no libxtrace */
	while ((c = getopt_long(argc, argv, "+r:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_ulong(optarg, &repeat) || !repeat)
				return tool_bad_usage("bad repeat count '%s'", optarg);
			break;
		case 'q': quiet = true; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	if (optind >= argc)
		return tool_bad_usage("no command (available, ping COOKIE, log_msg MESSAGE, xtrace_flush SCOPE, ...)");
	/* check the whole command line before running any of it */
	for (int i = optind; i < argc; i++) {
		const struct cmd *k = lookup(argv[i]);

		if (!k)
			return tool_bad_usage("unknown command '%s'", argv[i]);
		if (k->args && i + 1 >= argc)
			return tool_bad_usage("%s: missing argument", argv[i]);
		if (k->args && check_arg(argv[i], argv[i + 1]))
			return tool_exit(2);
		i += k->args;
	}
	for (unsigned long r = 0; r < repeat; r++) {
		for (int i = optind; i < argc; i++) {
			const struct cmd *k = lookup(argv[i]);
			failed |= run_one(argv[i], k->args ? argv[i + 1] : "", quiet);
			i += k->args;
		}
	}
	return tool_exit(failed ? 1 : 0);
}

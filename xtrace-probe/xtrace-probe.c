// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-probe: latency probes that mark and flush every recorder on a missed deadline.
 *
 *   xtrace-probe timer [options]
 *   xtrace-probe net [options] HOST[:PORT]
 *   xtrace-probe net --respond [options] [ADDRESS]
 *
 * The options are cyclictest's where they apply. Exits 0, or 3 when a deadline was missed.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xtrace.h"
#include "tool.h"
#include "probe.h"

enum {
	OPT_MODE = 0x100, OPT_JSON, OPT_NO_FLUSH, OPT_RESPOND, OPT_TIMEOUT, OPT_WARMUP, OPT_HELP
};

static const char *const usage_text[] = {
	"usage: xtrace-probe timer [options]",
	"       xtrace-probe net [options] HOST[:PORT]",
	"       xtrace-probe net --respond [options] [ADDRESS]",
	"",
	"Measure latencies as the real-time community does (options as cyclictest's), and",
	"on a missed deadline write a marker with the cycle and the latency into every",
	"xtrace recorder running on this system and flush them all (an xtrace-run that",
	"records other systems with --remote flushes those too).",
	"  timer                how late a timer wakes this thread",
	"  net                  the round trip of a UDP request to a responder",
	"",
	"  -i, --interval US    the period, microseconds (or with a unit: 10ms); default 1000",
	"  -l, --loops N        stop after N cycles",
	"  -D, --duration T     stop after T (seconds, or with a unit: ms, s, m, h)",
	"      --warmup N       run N cycles first, not measured (first-use costs: page faults,",
	"                       the code translation of an emulated guest); cycle numbers count them",
	"      --mode MODE      timer: periodic (clock_nanosleep to an absolute time, default),",
	"                       signal (a periodic POSIX timer's signal) or oneshot (a POSIX",
	"                       timer re-armed at each expiry)",
	"  -a, --affinity CPU   run on this CPU",
	"  -p, --priority PRIO  run with SCHED_FIFO at PRIO (1-99)",
	"  -m, --mlockall       lock the memory (mlockall)",
	"  -h, --histogram US   print a histogram of latencies up to US (cyclictest's layout)",
	"  -b, --breaktrace US  a latency above US is a missed deadline: mark and flush the",
	"                       recorders, then stop",
	"  -T, --threshold US   a latency above US is a missed deadline: mark and flush the",
	"                       recorders (at most once a second; marks always), and go on",
	"      --no-flush       on a missed deadline, mark the recorders but do not flush them",
	"      --json           print the results as JSON",
	"  -q, --quiet          no message on a missed deadline",
	"",
	"net:",
	"      --respond        answer the probes' requests (until -l, -D or a signal)",
	"  -P, --port PORT      UDP port (default 47000)",
	"      --timeout T      an answer later than T is lost (default 1s)",
	"",
	"      --help           this text",
	"  -V, --version        print the version",
	"",
	"Exit status: 0 no deadline missed, 3 a deadline was missed (-b, -T), 1 failure, 2 usage.",
	NULL,
};

volatile sig_atomic_t probe_stop;

static void on_signal(int sig)
{
	(void)sig;
	probe_stop = 1;
}

/* a number of microseconds, or a duration with its unit */
static int parse_us(const char *s, int64_t *ns)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end != s && !*end && !errno && v >= 0 && v <= LLONG_MAX / 1000) {
		*ns = v * 1000;
		return 0;
	}
	return xtrace_parse_duration(s, ns) || *ns < 0 ? -1 : 0;
}

/* cyclictest's -D: seconds, or with a unit (m, h, d too) */
static int parse_duration(const char *s, int64_t *ns)
{
	static const struct { char unit; int64_t sec; } big[] = {
		{ 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	size_t n = strlen(s);

	for (size_t i = 0; n > 1 && i < sizeof(big) / sizeof(big[0]); i++) {
		char *end;
		long long v;

		if (s[n - 1] != big[i].unit || s[n - 2] == 'm')
			continue;
		v = strtoll(s, &end, 10);
		if (end != s + n - 1 || v <= 0 || v > 100000)
			return -1;
		*ns = v * big[i].sec * 1000000000LL;
		return 0;
	}
	return xtrace_parse_duration(s, ns) || *ns <= 0 ? -1 : 0;
}

static int parse_int(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return end == s || *end || errno || *v < min || *v > max ? -1 : 0;
}

static int setup(const struct probe_opts *o)
{
	if (o->mlock && mlockall(MCL_CURRENT | MCL_FUTURE))
		return tool_error("mlockall: %s", strerror(errno));
	if (o->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			return tool_error("cannot run on CPU %d: %s", o->cpu, strerror(errno));
	}
	if (o->prio) {
		struct sched_param sp = { .sched_priority = o->prio };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			return tool_error("cannot set SCHED_FIFO priority %d: %s", o->prio,
					  strerror(errno));
	}
	return 0;
}

static int run_probe(struct probe *p)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: sleeps end */
	int ret;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (stats_init(&p->st))
		return tool_error("out of memory");
	ret = setup(&p->o);
	if (!ret)
		ret = p->o.respond ? run_responder(p) :
		      p->o.kind[0] == 'n' ? run_net(p) : run_timer(p);
	if (!ret && !p->o.respond)
		stats_print(p);
	stats_free(&p->st);
	if (ret)
		return ret;
	return p->st.misses ? PROBE_MISSED : 0;
}

/* HOST[:PORT], [V6ADDR]:PORT or a bare V6ADDR */
static int parse_target(char *arg, struct probe_opts *o)
{
	char *colon = strrchr(arg, ':');
	long port;

	if (arg[0] == '[') {
		char *close = strchr(arg, ']');

		if (!close || (close[1] && close[1] != ':'))
			return -1;
		*close = '\0';
		o->host = arg + 1;
		colon = close[1] ? close + 1 : NULL;
	} else {
		o->host = arg;
		if (colon && strchr(arg, ':') != colon)
			colon = NULL;	/* an IPv6 address without a port */
	}
	if (colon) {
		*colon = '\0';
		if (parse_int(colon + 1, 1, 65535, &port))
			return -1;
		o->port = port;
	}
	return *o->host ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "loops", required_argument, NULL, 'l' },
		{ "duration", required_argument, NULL, 'D' },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "affinity", required_argument, NULL, 'a' },
		{ "priority", required_argument, NULL, 'p' },
		{ "mlockall", no_argument, NULL, 'm' },
		{ "histogram", required_argument, NULL, 'h' },
		{ "breaktrace", required_argument, NULL, 'b' },
		{ "threshold", required_argument, NULL, 'T' },
		{ "no-flush", no_argument, NULL, OPT_NO_FLUSH },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "respond", no_argument, NULL, OPT_RESPOND },
		{ "port", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe p = { .o = { .interval_ns = 1000000, .cpu = -1, .port = 47000,
				  .timeout_ns = 1000000000 } };
	struct probe_opts *o = &p.o;
	long v;
	int c;

	tool_prog = PROG;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-V") ||
			 !strcmp(argv[1], "--version"))) {
		if (argv[1][2] == 'h') {
			tool_usage(stdout, usage_text);
			return tool_exit(0);
		}
		return tool_exit(tool_version());
	}
	if (argc < 2)
		return tool_bad_usage("no probe given (timer or net)");
	o->kind = argv[1];
	if (strcmp(o->kind, "timer") && strcmp(o->kind, "net"))
		return tool_bad_usage("unknown probe '%s' (timer or net)", o->kind);
	p.what = o->kind;
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "i:l:D:a:p:mh:b:T:qP:V", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_us(optarg, &o->interval_ns) || o->interval_ns < 1000 ||
			    o->interval_ns > 3600 * 1000000000LL)
				return tool_bad_usage("invalid interval '%s' (microseconds, 1 to 3600000000)",
						      optarg);
			break;
		case 'l':
			if (parse_int(optarg, 1, LONG_MAX, &v))
				return tool_bad_usage("invalid number of loops '%s'", optarg);
			o->loops = v;
			break;
		case 'D':
			if (parse_duration(optarg, &o->duration_ns))
				return tool_bad_usage("invalid duration '%s' (e.g. 10, 500ms, 2m)",
						      optarg);
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "periodic"))
				o->mode = MODE_PERIODIC;
			else if (!strcmp(optarg, "signal"))
				o->mode = MODE_SIGNAL;
			else if (!strcmp(optarg, "oneshot"))
				o->mode = MODE_ONESHOT;
			else
				return tool_bad_usage("unknown mode '%s' (periodic, signal or oneshot)",
						      optarg);
			break;
		case 'a':
			if (parse_int(optarg, 0, CPU_SETSIZE - 1, &v))
				return tool_bad_usage("invalid CPU '%s'", optarg);
			o->cpu = v;
			break;
		case 'p':
			if (parse_int(optarg, 1, 99, &v))
				return tool_bad_usage("invalid priority '%s' (1-99)", optarg);
			o->prio = v;
			break;
		case 'm':
			o->mlock = true;
			break;
		case 'h':
			if (parse_int(optarg, 1, STATS_BUCKETS, &v))
				return tool_bad_usage("invalid histogram size '%s' (1-%d us)", optarg,
						      STATS_BUCKETS);
			o->hist_us = v;
			break;
		case 'b':
		case 'T':
			if (parse_us(optarg, c == 'b' ? &o->break_ns : &o->mark_ns) ||
			    !(c == 'b' ? o->break_ns : o->mark_ns))
				return tool_bad_usage("invalid threshold '%s' (microseconds, or with a unit)",
						      optarg);
			break;
		case OPT_WARMUP:
			if (parse_int(optarg, 0, LONG_MAX, &v))
				return tool_bad_usage("invalid number of warm-up cycles '%s'", optarg);
			o->warmup = v;
			break;
		case OPT_NO_FLUSH:
			o->no_flush = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_RESPOND:
			o->respond = true;
			break;
		case 'P':
			if (parse_int(optarg, 1, 65535, &v))
				return tool_bad_usage("invalid port '%s'", optarg);
			o->port = v;
			break;
		case OPT_TIMEOUT:
			if (xtrace_parse_duration(optarg, &o->timeout_ns) || o->timeout_ns <= 0)
				return tool_bad_usage("invalid timeout '%s' (e.g. 100ms)", optarg);
			break;
		case OPT_HELP:
			tool_usage(stdout, usage_text);
			return tool_exit(0);
		case 'V':
			return tool_exit(tool_version());
		default:
			return tool_try_help();
		}
	}
	tool_init(PROG, o->quiet ? -1 : 0);
	if (o->break_ns && o->mark_ns)
		return tool_bad_usage("-b and -T exclude each other (stop, or go on, at a miss)");
	if (o->kind[0] == 't') {
		if (o->respond || optind < argc)
			return tool_bad_usage("the timer probe takes no %s",
					      o->respond ? "--respond" : "argument");
	} else if (o->respond) {
		if (optind + 1 < argc)
			return tool_bad_usage("--respond takes at most an address to listen on");
		if (optind < argc && parse_target(argv[optind], o))
			return tool_bad_usage("invalid address '%s'", argv[optind]);
	} else {
		if (optind + 1 != argc)
			return tool_bad_usage("the net probe needs its responder: HOST[:PORT]");
		if (parse_target(argv[optind], o))
			return tool_bad_usage("invalid responder '%s' (HOST[:PORT])", argv[optind]);
	}
	return tool_exit(run_probe(&p));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest services unit tests, without a VM: the wire protocol (formatting, strict parsing, a
 * bounded fuzz of the parser), the service lists, the rate limiter, the flush scopes over a
 * proc tree of our own, and the guest library against a fake host on a pseudo-terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <CUnit/Basic.h>

#include "gs-proto.h"
#include "gs-host.h"
#include "kvmrt_gs.h"
#include "tu.h"

static void test_roundtrip(void)
{
	struct gs_req r = { .id = 7, .verb = GS_PING, .arg = { 42, 1700000000123456789ULL } }, p;
	char line[GS_LINE_MAX];
	int n = gs_req_format(&r, line, sizeof(line));

	CU_ASSERT_STRING_EQUAL(line, "7 ping 42 1700000000123456789\n");
	CU_ASSERT_EQUAL(gs_req_parse(line, n - 1, &p), 0);
	CU_ASSERT_EQUAL(p.id, 7);
	CU_ASSERT_EQUAL(p.verb, GS_PING);
	CU_ASSERT_EQUAL(p.arg[0], 42);
	CU_ASSERT_EQUAL(p.arg[1], 1700000000123456789ULL);

	r = (struct gs_req){ .id = 1, .verb = GS_LOG_MSG, .len = 5 };
	memcpy(r.data, "hi\n\0x", 5);
	n = gs_req_format(&r, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "1 log_msg 68690a0078\n");
	CU_ASSERT_EQUAL(gs_req_parse(line, n - 1, &p), 0);
	CU_ASSERT_EQUAL(p.len, 5);
	CU_ASSERT_EQUAL(memcmp(p.data, "hi\n\0x", 5), 0);

	r = (struct gs_req){ .id = 4294967295u, .verb = GS_FLUSH, .arg = { 2, 3 } };
	n = gs_req_format(&r, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "4294967295 flush 2 3\n");
	CU_ASSERT_EQUAL(gs_req_parse(line, n - 1, &p), 0);
	CU_ASSERT_EQUAL(gs_req_parse("3 hello", 7, &p), 0);
	CU_ASSERT_EQUAL(p.verb, GS_HELLO);
}

static void test_reject(void)
{
	static const struct { const char *line; int err; } bad[] = {
		{ "", -EBADMSG }, { "hello", -EBADMSG }, { "1", -EBADMSG }, { "1 ", -EBADMSG },
		{ "01 hello", -EBADMSG }, { "-1 hello", -EBADMSG }, { "4294967296 hello", -EBADMSG },
		{ "1 hello ", -EBADMSG }, { "1 hello x", -EBADMSG }, { "1 HELLO", -EBADMSG },
		{ "1 ping", -EBADMSG }, { "1 ping 1", -EBADMSG }, { "1 ping 1 2 3", -EBADMSG },
		{ "1 ping 18446744073709551616 1", -EBADMSG }, { "1 ping +1 2", -EBADMSG },
		{ "1 ping 1  2", -EBADMSG }, { "1 flush 3 0", -EINVAL }, { "1 flush 0 4096", -EINVAL },
		{ "1 log_msg", -EBADMSG }, { "1 log_msg ", -EINVAL }, { "1 log_msg 6", -EBADMSG },
		{ "1 log_msg zz", -EBADMSG }, { "1 log_data 00 11", -EBADMSG },
		{ "1 rm -rf /", -EBADMSG }, { "1 ping 1 2;reboot", -EBADMSG },
	};
	struct gs_req p;
	char line[GS_LINE_MAX + 8];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = gs_req_parse(bad[i].line, strlen(bad[i].line), &p);

		if (ret != bad[i].err)
			printf("\n'%s': %d, expected %d\n", bad[i].line, ret, bad[i].err);
		CU_ASSERT_EQUAL(ret, bad[i].err);
	}
	/* the limits: 200 bytes of message, 128 of data, a line under GS_LINE_MAX */
	strcpy(line, "1 log_msg ");
	for (int i = 0; i < KVMRT_GS_MSG_MAX + 1; i++)
		strcat(line, "41");
	CU_ASSERT_EQUAL(gs_req_parse(line, strlen(line), &p), -EMSGSIZE);
	line[strlen(line) - 2] = '\0';
	CU_ASSERT_EQUAL(gs_req_parse(line, strlen(line), &p), 0);
	CU_ASSERT_EQUAL(p.len, KVMRT_GS_MSG_MAX);
	strcpy(line, "1 log_data ");
	for (int i = 0; i < KVMRT_GS_DATA_MAX + 1; i++)
		strcat(line, "ff");
	CU_ASSERT_EQUAL(gs_req_parse(line, strlen(line), &p), -EMSGSIZE);
	memset(line, '1', sizeof(line));
	CU_ASSERT_EQUAL(gs_req_parse(line, GS_LINE_MAX, &p), -EBADMSG);
}

static void test_reply(void)
{
	const char *t;
	uint32_t id;
	bool ok;

	CU_ASSERT_EQUAL(gs_reply_parse("12 ok 1700000000", &id, &ok, &t), 0);
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(id, 12);
	CU_ASSERT_STRING_EQUAL(t, "1700000000");
	CU_ASSERT_EQUAL(gs_reply_parse("3 err rate limited", &id, &ok, &t), 0);
	CU_ASSERT(!ok);
	CU_ASSERT_STRING_EQUAL(t, "rate limited");
	CU_ASSERT_EQUAL(gs_reply_parse("3 err", &id, &ok, &t), 0);
	CU_ASSERT_STRING_EQUAL(t, "");
	CU_ASSERT_EQUAL(gs_reply_parse("3 okay", &id, &ok, &t), -EBADMSG);
	CU_ASSERT_EQUAL(gs_reply_parse("x ok", &id, &ok, &t), -EBADMSG);
}

static void test_services(void)
{
	char buf[64], bad[32];
	unsigned m;

	CU_ASSERT_EQUAL(gs_services_parse("ping, log_msg, xtrace_flush, xtrace_log_data", &m, bad,
					  sizeof(bad)), 0);
	CU_ASSERT_EQUAL(m, GS_SVC_ALL);
	CU_ASSERT_EQUAL(gs_services_parse("PING,xtrace_flush", &m, bad, sizeof(bad)), 0);
	CU_ASSERT_EQUAL(m, GS_SVC_PING | GS_SVC_FLUSH);
	gs_services_format(m, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "ping,xtrace_flush");
	CU_ASSERT_EQUAL(gs_services_parse("none", &m, bad, sizeof(bad)), 0);
	CU_ASSERT_EQUAL(m, 0);
	gs_services_format(m, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "none");
	CU_ASSERT_EQUAL(gs_services_parse("all", &m, bad, sizeof(bad)), 0);
	CU_ASSERT_EQUAL(m, GS_SVC_ALL);
	CU_ASSERT_EQUAL(gs_services_parse("ping, reboot", &m, bad, sizeof(bad)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(bad, "reboot");
}

static void test_hex(void)
{
	uint8_t out[4];
	char hex[9];

	CU_ASSERT_EQUAL(gs_hex_encode("\x00\xff\x10", 3, hex, sizeof(hex)), 6);
	CU_ASSERT_STRING_EQUAL(hex, "00ff10");
	CU_ASSERT_EQUAL(gs_hex_encode("12345", 5, hex, sizeof(hex)), -EMSGSIZE);
	CU_ASSERT_EQUAL(gs_hex_decode("00FF10", 6, out, 4), 3);
	CU_ASSERT_EQUAL(out[1], 0xff);
	CU_ASSERT_EQUAL(gs_hex_decode("0g", 2, out, 4), -EINVAL);
	CU_ASSERT_EQUAL(gs_hex_decode("000", 3, out, 4), -EINVAL);
	CU_ASSERT_EQUAL(gs_hex_decode("0000000000", 10, out, 4), -EMSGSIZE);
}

static void test_rate(void)
{
	struct gs_bucket b;
	int64_t t = 1000000000;
	int got = 0;

	gs_bucket_init(&b, 10, 5, t);
	/* a burst of 5, then nothing until time passes */
	for (int i = 0; i < 20; i++)
		got += gs_bucket_take(&b, t);
	CU_ASSERT_EQUAL(got, 5);
	CU_ASSERT(!gs_bucket_take(&b, t + 50000000));	/* 50 ms: half a token */
	CU_ASSERT(gs_bucket_take(&b, t + 100000000));	/* 100 ms: one */
	/* a flood over 10 s at 1 kHz gets about rate * 10 s + burst */
	got = 0;
	for (int i = 0; i < 10000; i++)
		got += gs_bucket_take(&b, t + 100000000 + (int64_t)i * 1000000);
	CU_ASSERT(got >= 99 && got <= 101);
	/* a long pause saves no more than the burst */
	got = 0;
	for (int i = 0; i < 100; i++)
		got += gs_bucket_take(&b, t + 3600 * 1000000000LL);
	CU_ASSERT_EQUAL(got, 5);
	/* a clock that goes back gives nothing */
	CU_ASSERT(!gs_bucket_take(&b, t));
}

static void write_task(const char *root, int tid, const char *comm, int cpu, const char *allowed)
{
	char name[128], text[512];

	snprintf(name, sizeof(name), "100/task/%d/comm", tid);
	snprintf(text, sizeof(text), "%s\n", comm);
	CU_ASSERT_EQUAL(tu_write_file(root, name, text, strlen(text)), 0);
	snprintf(name, sizeof(name), "100/task/%d/stat", tid);
	/* 52 fields; the command holds a space and a ')' to catch naive parsers */
	snprintf(text, sizeof(text), "%d (%s) x) S 1 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 4 0 100 0 0 18446744073709551615 0 0 0 0 0 0 0 4096 0 0 0 0 17 %d 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		 tid, comm, cpu);
	CU_ASSERT_EQUAL(tu_write_file(root, name, text, strlen(text)), 0);
	snprintf(name, sizeof(name), "100/task/%d/status", tid);
	snprintf(text, sizeof(text), "Name:\t%s\nCpus_allowed:\tff\nCpus_allowed_list:\t%s\nvoluntary_ctxt_switches:\t1\n",
		 comm, allowed);
	CU_ASSERT_EQUAL(tu_write_file(root, name, text, strlen(text)), 0);
}

static void test_scopes(void)
{
	char *root = tu_mkdtemp(), note[128], path[256], fmt[64];
	struct xtrace_cpuset set;
	bool all;

	CU_ASSERT_FATAL(root != NULL);
	for (const char *d = "100\0" "100/task\0" "100/task/100\0" "100/task/101\0" "100/task/102\0";
	     *d; d += strlen(d) + 1) {
		snprintf(path, sizeof(path), "%s/%s", root, d);
		mkdir(path, 0755);
	}
	write_task(root, 100, "qemu-system-x86", 3, "2-3");
	write_task(root, 101, "CPU 0/KVM", 5, "5");
	write_task(root, 102, "CPU 1/KVM", 6, "6-7");

	CU_ASSERT_EQUAL(gs_stat_cpu("1 (a) b) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 9 0"), 9);
	CU_ASSERT_EQUAL(gs_stat_cpu("1 (a) S 1"), -EBADMSG);
	CU_ASSERT_EQUAL(gs_stat_cpu("no parenthesis"), -EBADMSG);

	/* 0: where vCPU 1's thread ran last */
	CU_ASSERT_EQUAL(gs_scope_cpus(root, 100, 0, 1, &set, &all, note, sizeof(note)), 0);
	xtrace_cpuset_format(&set, fmt, sizeof(fmt));
	CU_ASSERT(!all);
	CU_ASSERT_STRING_EQUAL(fmt, "6");
	CU_ASSERT_STRING_EQUAL(note, "");
	/* 1: every CPU the VM's threads may use */
	CU_ASSERT_EQUAL(gs_scope_cpus(root, 100, 1, 0, &set, &all, note, sizeof(note)), 0);
	xtrace_cpuset_format(&set, fmt, sizeof(fmt));
	CU_ASSERT_STRING_EQUAL(fmt, "2-3,5-7");
	/* 0 for a vCPU without a named thread: the VM's CPUs, said */
	CU_ASSERT_EQUAL(gs_scope_cpus(root, 100, 0, 9, &set, &all, note, sizeof(note)), 0);
	xtrace_cpuset_format(&set, fmt, sizeof(fmt));
	CU_ASSERT_STRING_EQUAL(fmt, "2-3,5-7");
	CU_ASSERT(strstr(note, "CPU 9/KVM") != NULL);
	/* 2, or an unknown process: everything */
	CU_ASSERT_EQUAL(gs_scope_cpus(root, 100, 2, 0, &set, &all, note, sizeof(note)), 0);
	CU_ASSERT(all);
	CU_ASSERT_EQUAL(gs_scope_cpus(root, 999, 1, 0, &set, &all, note, sizeof(note)), 0);
	CU_ASSERT(all);
	CU_ASSERT_EQUAL(gs_scope_cpus(root, 100, 3, 0, &set, &all, note, sizeof(note)), -EINVAL);
	tu_rm_rf(root);
	free(root);
}

/* A bounded fuzz of the parser: mutations of valid lines, with a fixed seed. Whatever it
 * accepts must format back to the same line (no two readings of one request). */
static void test_fuzz(void)
{
	static const char *const seeds[] = {
		"1 hello", "2 ping 42 1700000000000000000", "3 pinged 42 1 2 3", "4 log_msg 6869",
		"5 flush 2 0", "6 log_data 00ff",
	};
	unsigned seed = 1;
	long accepted = 0;

	for (int i = 0; i < 300000; i++) {
		char line[GS_LINE_MAX + 16], again[GS_LINE_MAX + 16];
		struct gs_req r;
		size_t len;
		int n, ret;

		snprintf(line, sizeof(line), "%s", seeds[rand_r(&seed) % 6]);
		len = strlen(line);
		for (int k = rand_r(&seed) % 4; k >= 0; k--) {
			size_t at = len ? rand_r(&seed) % len : 0;

			switch (rand_r(&seed) % 3) {
			case 0:
				line[at] = rand_r(&seed) % 256;
				break;
			case 1:
				if (len + 1 < GS_LINE_MAX) {
					memmove(line + at + 1, line + at, len - at);
					line[at] = "0123456789 af"[rand_r(&seed) % 13];
					len++;
				}
				break;
			default:
				if (len) {
					memmove(line + at, line + at + 1, len - at - 1);
					len--;
				}
			}
		}
		ret = gs_req_parse(line, len, &r);
		CU_ASSERT(ret == 0 || ret == -EBADMSG || ret == -EINVAL || ret == -EMSGSIZE);
		if (ret)
			continue;
		accepted++;
		n = gs_req_format(&r, again, sizeof(again));
		CU_ASSERT_FATAL(n > 0);
		if ((size_t)n - 1 != len || memcmp(again, line, len)) {
			/* hex may differ in case only */
			CU_ASSERT(strncasecmp(again, line, len) == 0);
		}
	}
	CU_ASSERT(accepted > 1000);
}

/* ------------------------------------------------------- the library and a fake host */

struct fake {
	int fd;
	int answered;
	int stop;
	char services[64];
	char last[GS_LINE_MAX];
};

static void *fake_host(void *arg)
{
	struct fake *f = arg;
	char buf[4096];
	size_t len = 0;

	while (!f->stop) {
		struct pollfd p = { f->fd, POLLIN, 0 };
		char *nl;
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = read(f->fd, buf + len, sizeof(buf) - len - 1);
		if (n <= 0)
			break;
		len += n;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			struct gs_req r;
			char out[GS_LINE_MAX];
			int k = 0;

			*nl = '\0';
			if (!gs_req_parse(buf, nl - buf, &r)) {
				snprintf(f->last, sizeof(f->last), "%.*s", (int)sizeof(f->last) - 1, buf);
				if (r.verb == GS_HELLO)
					k = snprintf(out, sizeof(out), "999 ok stale\n%u ok vm=t services=%s msg_max=200\n",
						     r.id, f->services);
				else if (r.verb == GS_PING)
					k = snprintf(out, sizeof(out), "%u ok 5\n", r.id);
				else if (r.verb == GS_LOG_DATA)
					k = snprintf(out, sizeof(out), "%u err rate limited\n", r.id);
				else if (r.verb != GS_PINGED)
					k = snprintf(out, sizeof(out), "%u ok\n", r.id);
				if (k && write(f->fd, out, k) == k)
					f->answered++;
			}
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len + 1);
		}
	}
	return NULL;
}

static void test_library(void)
{
	struct fake f = { .services = "ping,log_msg,xtrace_log_data" };
	char *dir = tu_mkdtemp(), *slave;
	struct termios t;
	pthread_t th;
	int m, s;

	CU_ASSERT_FATAL(dir != NULL);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	CU_ASSERT_FATAL(m >= 0 && !grantpt(m) && !unlockpt(m));
	slave = ptsname(m);
	/* held open: a master whose slave no one has open reads EIO */
	s = open(slave, O_RDWR | O_NOCTTY);
	CU_ASSERT_FATAL(s >= 0);
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	setenv("KVMRT_GS_PORT", slave, 1);
	setenv("KVMRT_GS_TIMEOUT_MS", "500", 1);
	setenv("XTRACE_RUN_DIR", dir, 1);	/* no recorder */
	f.fd = m;

	/*
	 * No host yet: the greeting times out, and the calls until it is tried again (a second
	 * later) fail as it did, not with another error
	 */
	CU_ASSERT_EQUAL(kvmrt_gs_ping(1), -ETIMEDOUT);
	CU_ASSERT(strstr(kvmrt_gs_last_error(), "no answer from the host") != NULL);
	CU_ASSERT_EQUAL(kvmrt_gs_ping(1), -ETIMEDOUT);
	CU_ASSERT(strstr(kvmrt_gs_last_error(), "no answer from the host") != NULL);
	CU_ASSERT(!kvmrt_gs_available());
	usleep(1000000);

	pthread_create(&th, NULL, fake_host, &f);
	CU_ASSERT(kvmrt_gs_available());
	CU_ASSERT(kvmrt_gs_ping_available());
	CU_ASSERT(kvmrt_gs_log_msg_available());
	CU_ASSERT(!kvmrt_gs_xtrace_flush_available());
	CU_ASSERT(kvmrt_gs_xtrace_log_data_available());
	CU_ASSERT_EQUAL(kvmrt_gs_ping(42), 0);
	usleep(100000);
	/* the follow-up carries the cookie, the guest's two times and the host's */
	CU_ASSERT(strstr(f.last, " pinged 42 ") != NULL);
	CU_ASSERT(strstr(f.last, " 5") != NULL);
	CU_ASSERT_EQUAL(kvmrt_gs_log_msg("deadline missed"), 0);
	CU_ASSERT(strstr(f.last, "log_msg 646561646c696e65206d6973736564") != NULL);
	/* the host's refusals as -errno, its reason kept */
	CU_ASSERT_EQUAL(kvmrt_gs_xtrace_log_data("\xde\xad", 2), -EAGAIN);
	CU_ASSERT_STRING_EQUAL(kvmrt_gs_last_error(), "rate limited");
	CU_ASSERT(strstr(f.last, "log_data dead") != NULL);
	CU_ASSERT_EQUAL(kvmrt_gs_xtrace_flush(0), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(kvmrt_gs_xtrace_flush(3), -EINVAL);
	CU_ASSERT_EQUAL(kvmrt_gs_log_msg(NULL), -EINVAL);
	CU_ASSERT_EQUAL(kvmrt_gs_xtrace_log_data(NULL, 3), -EINVAL);
	CU_ASSERT(strlen(kvmrt_gs_last_error()) > 0);

	f.stop = 1;
	pthread_join(th, NULL);
	close(m);
	close(s);
	unsetenv("KVMRT_GS_PORT");
	tu_rm_rf(dir);
	free(dir);
}

static int suite_gs(void)
{
	CU_pSuite s = CU_add_suite("guest services", NULL, NULL);

	return !s || !CU_add_test(s, "protocol round trip", test_roundtrip) ||
	       !CU_add_test(s, "malformed and oversized requests", test_reject) ||
	       !CU_add_test(s, "replies", test_reply) ||
	       !CU_add_test(s, "service lists", test_services) ||
	       !CU_add_test(s, "hex", test_hex) ||
	       !CU_add_test(s, "rate limit", test_rate) ||
	       !CU_add_test(s, "flush scopes", test_scopes) ||
	       !CU_add_test(s, "bounded fuzz of the parser", test_fuzz) ||
	       !CU_add_test(s, "library against a fake host", test_library);
}

int main(void)
{
	static const tu_suite_fn suites[] = { suite_gs };

	return tu_main("gs-unit", suites, 1);
}

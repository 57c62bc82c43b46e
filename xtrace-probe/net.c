// SPDX-License-Identifier: GPL-2.0
/*
 * The network probe: a UDP request every interval (on a clock_nanosleep grid), and the time
 * until the responder's answer is handled here. The responder (--respond) sends each request
 * back as it came. A request whose answer is later than --timeout is lost (and a missed
 * deadline when -b or -T is given); stale answers are recognised by their sequence number.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xtrace.h"
#include "tool.h"
#include "probe.h"

#define NS		1000000000LL
#define NET_MAGIC	0x78747270726f6265ULL	/* "xtrprobe" */

struct packet {
	uint64_t magic;
	uint64_t seq;
	int64_t sent;		/* the sender's CLOCK_MONOTONIC: only the sender reads it */
};

static int open_socket(const struct probe *p, bool server)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
				  .ai_flags = server ? AI_PASSIVE : 0 };
	struct addrinfo *ai, *a;
	char port[16];
	int fd = -1, ret, err = 0;

	snprintf(port, sizeof(port), "%d", p->o.port);
	ret = getaddrinfo(p->o.host, port, &hints, &ai);
	if (ret) {
		tool_error("cannot resolve '%s': %s", p->o.host ? p->o.host : "*",
			   gai_strerror(ret));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (!(server ? bind(fd, a->ai_addr, a->ai_addrlen) :
			       connect(fd, a->ai_addr, a->ai_addrlen)))
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		tool_error("cannot %s UDP port %d%s%s: %s", server ? "listen on" : "reach",
			   p->o.port, p->o.host ? " of " : "", p->o.host ? p->o.host : "",
			   strerror(err));
	return fd;
}

/* Wait for the answer to @seq until @deadline; returns its arrival time, or 0 if lost. */
static int64_t await_reply(int fd, uint64_t seq, int64_t deadline)
{
	for (;;) {
		int64_t now = xtrace_now_ns(CLOCK_MONOTONIC), left = deadline - now;
		struct pollfd pfd = { fd, POLLIN, 0 };
		struct packet pk;
		ssize_t n;

		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)((left + 999999) / 1000000)) < 0 && errno != EINTR)
			return 0;
		if (probe_stop)
			return 0;
		n = recv(fd, &pk, sizeof(pk), MSG_DONTWAIT);
		now = xtrace_now_ns(CLOCK_MONOTONIC);
		if (n == sizeof(pk) && pk.magic == NET_MAGIC && pk.seq == seq)
			return now;
		/* nothing yet, a stale answer, ECONNREFUSED of an earlier request: wait on */
	}
}

int run_net(struct probe *p)
{
	int64_t interval = p->o.interval_ns, start = xtrace_now_ns(CLOCK_MONOTONIC);
	int64_t next = start + interval;
	uint64_t cycle = 0;
	int fd = open_socket(p, false);

	if (fd < 0)
		return 1;
	while (!probe_done(p, cycle, start)) {
		struct timespec ts = { .tv_sec = next / NS, .tv_nsec = next % NS };
		struct packet pk = { .magic = NET_MAGIC };
		int64_t got, lat;
		int ret;

		ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (ret == EINTR)
			continue;
		if (ret) {
			close(fd);
			return tool_error("clock_nanosleep: %s", strerror(ret));
		}
		cycle++;
		pk.seq = cycle;
		pk.sent = xtrace_now_ns(CLOCK_MONOTONIC);
		if (send(fd, &pk, sizeof(pk), 0) != sizeof(pk) && errno != ECONNREFUSED) {
			tool_error("cannot send to %s:%d: %s", p->o.host, p->o.port,
				   strerror(errno));
			close(fd);
			return 1;
		}
		got = await_reply(fd, cycle, pk.sent + p->o.timeout_ns);
		if (probe_stop && !got)
			break;
		lat = got ? got - pk.sent : p->o.timeout_ns;
		probe_cycle(p, cycle, lat, !got);
		next = probe_next_after(next + interval, interval);
	}
	close(fd);
	return 0;
}

int run_responder(struct probe *p)
{
	int64_t start = xtrace_now_ns(CLOCK_MONOTONIC);
	uint64_t answered = 0;
	int fd = open_socket(p, true);

	if (fd < 0)
		return 1;
	if (!p->o.quiet)
		tool_msg("answering on UDP port %d", p->o.port);
	while (!probe_done(p, answered, start)) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		struct pollfd pfd = { fd, POLLIN, 0 };
		struct packet pk;
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recvfrom(fd, &pk, sizeof(pk), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n != sizeof(pk) || pk.magic != NET_MAGIC)
			continue;
		if (sendto(fd, &pk, sizeof(pk), 0, (struct sockaddr *)&from, fl) == sizeof(pk))
			answered++;
	}
	close(fd);
	if (p->o.json)
		printf("{ \"probe\": \"net\", \"mode\": \"respond\", \"answered\": %" PRIu64 " }\n",
		       answered);
	else
		printf("net responder: answered %" PRIu64 " requests\n", answered);
	return 0;
}

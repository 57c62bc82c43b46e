// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: write a marker into $XTRACE_MARKER, make N getppid() system
 * calls, and report what happened for the test to check against the view:
 *
 *   syscall-burst N TAG OUTFILE
 *
 * OUTFILE gets "pid tid realtime_before_ns realtime_after_ns".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *marker = getenv("XTRACE_MARKER");
	long long before, after;
	char msg[128];
	FILE *out;
	int fd, n;

	if (argc != 4 || !marker) {
		fprintf(stderr, "usage: syscall-burst N TAG OUTFILE (under xtrace-run)\n");
		return 2;
	}
	n = atoi(argv[1]);
	fd = open(marker, O_WRONLY);
	if (fd < 0) {
		perror(marker);
		return 1;
	}
	before = now();
	snprintf(msg, sizeof(msg), "%s begin", argv[2]);
	if (write(fd, msg, strlen(msg)) < 0)
		return 1;
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
	snprintf(msg, sizeof(msg), "%s end", argv[2]);
	if (write(fd, msg, strlen(msg)) < 0)
		return 1;
	after = now();
	close(fd);
	out = fopen(argv[3], "w");
	if (!out)
		return 1;
	fprintf(out, "%d %ld %lld %lld\n", getpid(), (long)syscall(SYS_gettid), before, after);
	return fclose(out) ? 1 : 0;
}

/* rusage: run N copies of a command in parallel and report their resource use.
 *
 *   rusage -o FILE [-n N] command [args...]
 *
 * Writes one line to FILE when every copy has ended:
 *   wall_s user_s sys_s maxrss_kb pid exit
 * user/sys: CPU of the copies and of everything they waited for (RUSAGE_CHILDREN),
 * plus this wrapper's own (a few hundred microseconds). maxrss: the largest
 * process among them. pid: the first copy's PID. Exit status: the first failing
 * copy's (128+N for a signal), else 0.
 * Finer than /usr/bin/time (microseconds, not centiseconds), so that a recorder's
 * CPU can be had as (recorder tree) - (load tree).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	int n = 1, c, status = 0, first_pid = 0;
	struct timespec t0, t1;
	struct rusage self, kids;
	FILE *f;

	while ((c = getopt(argc, argv, "+o:n:")) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'n')
			n = atoi(optarg);
		else
			return 2;
	}
	if (!out || optind >= argc || n < 1) {
		fprintf(stderr, "usage: rusage -o FILE [-n N] command [args...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("rusage: fork");
			return 1;
		}
		if (!pid) {
			execvp(argv[optind], argv + optind);
			fprintf(stderr, "rusage: cannot run '%s': %s\n", argv[optind],
				strerror(errno));
			_exit(127);
		}
		if (!i)
			first_pid = pid;
	}
	for (int left = n; left;) {
		int ws;
		pid_t p = wait(&ws);

		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		left--;
		if (!status && WIFEXITED(ws) && WEXITSTATUS(ws))
			status = WEXITSTATUS(ws);
		else if (!status && WIFSIGNALED(ws))
			status = 128 + WTERMSIG(ws);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	f = fopen(out, "w");
	if (!f) {
		perror(out);
		return 1;
	}
	fprintf(f, "%.6f %.6f %.6f %ld %d %d\n",
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		tv(self.ru_utime) + tv(kids.ru_utime), tv(self.ru_stime) + tv(kids.ru_stime),
		kids.ru_maxrss, first_pid, status);
	if (fclose(f))
		return 1;
	return status;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Time xtrace_remote_fetch_dir(): sftp-fetch SSH_CONFIG HOST REMOTE_DIR LOCAL_DIR
 * (over SFTP, or over an exec stream of xtrace-run --send where there is none)
 */
#include <stdio.h>
#include <time.h>

#include "xtrace-remote.h"

int main(int argc, char **argv)
{
	struct xtrace_ssh_opts o = { 0 };
	struct xtrace_fetch_info info;
	struct xtrace_remote *r;
	struct timespec t0, t1;
	char *err = NULL;
	double s;
	int ret;

	if (argc != 5) {
		fprintf(stderr, "usage: sftp-fetch SSH_CONFIG HOST REMOTE_DIR LOCAL_DIR\n");
		return 2;
	}
	o.config = argv[1];
	r = xtrace_remote_connect(argv[2], &o, &err);
	if (!r) {
		fprintf(stderr, "sftp-fetch: %s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = xtrace_remote_fetch_dir(r, argv[3], argv[4], 0, &info, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	xtrace_remote_close(r);
	if (ret) {
		fprintf(stderr, "sftp-fetch: %s\n", err);
		return 1;
	}
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("fetched %.1f MiB in %.2f s: %.1f MiB/s over %s\n", info.bytes / 1048576.0, s,
	       info.bytes / 1048576.0 / s, info.stream ? "an exec stream" : "SFTP");
	return 0;
}

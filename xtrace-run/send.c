// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-run --send DIR and --remove DIR: the remote end of a fetch from a
 * system without SFTP (docs/remote.md), run there over an ssh exec channel.
 *
 * --send writes DIR as a directory stream on standard output, then waits on
 * standard input for the collector's verdict: "remove" once it checked its
 * copy whole (what was sent is removed, and "ok removed" or "err TEXT"
 * answered), or the end of input (nothing is removed).
 * --remove removes DIR, as the collector's SFTP removal would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "tool.h"

static int send_dir(const char *dir)
{
	char **sent = NULL, line[64];
	int ret;

	ret = xtrace_dirstream_write(dir, STDOUT_FILENO, NULL, &sent);
	if (ret)
		return tool_error("cannot send '%s': %s", dir, strerror(-ret));
	if (!fgets(line, sizeof(line), stdin)) {
		xtrace_strv_free(sent);
		return 0;	/* kept: the collector did not ask for more */
	}
	if (strcmp(line, "remove\n")) {
		printf("err unknown request\n");
		ret = -EINVAL;
	} else {
		ret = xtrace_dirstream_remove(dir, sent);
		if (ret)
			printf("err cannot remove '%s': %s\n", dir, strerror(-ret));
		else
			printf("ok removed\n");
	}
	fflush(stdout);
	xtrace_strv_free(sent);
	return ret ? 1 : 0;
}

int run_send(struct run *run)
{
	struct run_opts *o = &run->o;
	int ret;

	if (o->send_dir)
		return send_dir(o->send_dir);
	ret = xtrace_dirstream_remove(o->remove_dir, NULL);
	if (ret)
		return tool_error("cannot remove '%s': %s", o->remove_dir, strerror(-ret));
	return 0;
}

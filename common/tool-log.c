// SPDX-License-Identifier: GPL-2.0
/* xtrace programs: libxtrace's messages on stderr, by verbosity (tool.h). */
#include <stdio.h>

#include "xtrace.h"
#include "tool.h"

static int tool_verbosity;

static void log_cb(enum xtrace_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if ((level == XTRACE_LOG_WARNING && tool_verbosity < 0) ||
	    (level == XTRACE_LOG_INFO && tool_verbosity < 1) || level == XTRACE_LOG_DEBUG)
		return;
	fprintf(stderr, "%s: %s\n", tool_prog, msg);
}

void tool_init(const char *prog, int verbosity)
{
	tool_prog = prog;
	tool_verbosity = verbosity;
	xtrace_set_log(log_cb, NULL);
}

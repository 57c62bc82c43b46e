// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xtrace.h"
#include "tool.h"

const char *tool_prog = "xtrace";
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

void tool_usage(FILE *f, const char *const *text)
{
	for (int i = 0; text[i]; i++)
		fprintf(f, "%s\n", text[i]);
}

int tool_exit(int ret)
{
	if (fflush(stdout)) {
		fprintf(stderr, "%s: write failure on standard output: %s\n", tool_prog,
			strerror(errno));
		return ret ? ret : 1;
	}
	return ret;
}

char *tool_shell_quote(char *const *argv)
{
	size_t len = 1;
	char *s, *p;

	for (char *const *a = argv; *a; a++)
		len += strlen(*a) * 4 + 3;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (char *const *a = argv; *a; a++) {
		bool plain = **a && !strpbrk(*a, " \t\n'\"\\$`!*?[]{}()<>|&;#~");

		if (a != argv)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, *a);
			continue;
		}
		*p++ = '\'';
		for (const char *c = *a; *c; c++) {
			if (*c == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *c;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "xtrace.h"

const char *tool_prog = "xtrace";

void tool_usage(FILE *f, const char *const *text)
{
	for (int i = 0; text[i]; i++)
		fprintf(f, "%s\n", text[i]);
}

static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tool_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void tool_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

int tool_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return 1;
}

int tool_bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return tool_try_help();
}

int tool_try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", tool_prog);
	return 2;
}

int tool_version(void)
{
	printf("%s %s\n", tool_prog, XTRACE_VERSION);
	return 0;
}

int tool_exit(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
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

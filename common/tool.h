/* SPDX-License-Identifier: GPL-2.0 */
/* What every xtrace program does the same way: messages, usage, exit. */
#ifndef _XTRACE_TOOL_H
#define _XTRACE_TOOL_H

#include <stdio.h>

/**
 * tool_init - name the program in messages and route libxtrace's messages to
 * stderr: errors always, warnings unless @verbosity < 0, info if > 0
 */
void tool_init(const char *prog, int verbosity);

/** tool_usage - print a NULL-terminated usage text */
void tool_usage(FILE *f, const char *const *text);

/**
 * tool_exit - the program's exit status: @ret, or 1 if standard output could
 * not be written (a full disk under "> file" must not pass for success)
 */
int tool_exit(int ret);

/**
 * tool_shell_quote - @argv as one command line for a POSIX shell (each word
 * quoted only where it must be); malloc'ed, NULL if out of memory
 */
char *tool_shell_quote(char *const *argv);

extern const char *tool_prog;

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every program (xtrace-*, kvmrt-*) does the same way: messages, usage,
 * exit. tool_init() (tool-log.c) also routes libxtrace's messages.
 */
#ifndef _XTRACE_TOOL_H
#define _XTRACE_TOOL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/**
 * tool_init - name the program in messages and route libxtrace's messages to
 * stderr: errors always, warnings unless @verbosity < 0, info if > 0
 */
void tool_init(const char *prog, int verbosity);

/** tool_usage - print a NULL-terminated usage text */
void tool_usage(FILE *f, const char *const *text);

/** tool_msg - "prog: message" on stderr: a note or a warning, not a failure */
void tool_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** tool_error - "prog: message" on stderr; returns 1 */
int tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** tool_bad_usage - "prog: message" and a hint to --help on stderr; returns 2 */
int tool_bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * tool_try_help - the answer to an unknown option or a misused one, after getopt's own
 * message: "Try 'prog --help' for more information." on stderr; returns 2
 */
int tool_try_help(void);

/** tool_version - "prog VERSION" on stdout (--version); returns 0 */
int tool_version(void);

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

/**
 * TOOL_GROW - make the array @p hold @n elements: 0, or -ENOMEM with @p and its elements
 * untouched (unlike "p = realloc(p, ...)", which loses the block when it fails)
 */
#define TOOL_GROW(p, n) ({						\
	__typeof__(p) grown_ = reallocarray((p), (n), sizeof(*(p)));	\
	grown_ ? ((p) = grown_, 0) : -ENOMEM;				\
})

extern const char *tool_prog;

#endif

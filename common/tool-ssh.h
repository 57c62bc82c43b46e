/* SPDX-License-Identifier: GPL-2.0 */
/* The ssh options of every program that reaches other systems (docs/remote.md). */
#ifndef _XTRACE_TOOL_SSH_H
#define _XTRACE_TOOL_SSH_H

#include <getopt.h>

#include "xtrace-remote.h"

enum { TOOL_OPT_SSH_TIMEOUT = 0x400, TOOL_OPT_ACCEPT_NEW };

#define TOOL_SSH_LONGOPTS \
	{ "ssh-config", required_argument, NULL, 'F' }, \
	{ "ssh-timeout", required_argument, NULL, TOOL_OPT_SSH_TIMEOUT }, \
	{ "accept-new-host-key", no_argument, NULL, TOOL_OPT_ACCEPT_NEW }

#define TOOL_SSH_USAGE \
	"  -F, --ssh-config FILE  ssh configuration (default: ~/.ssh/config)", \
	"      --ssh-timeout S  seconds for connecting and for each step (default 10)", \
	"      --accept-new-host-key  add an unknown host's key to known_hosts (never a", \
	"                       changed one)"

/**
 * tool_ssh_option - take @opt if it is one of TOOL_SSH_LONGOPTS ('F' included)
 * Returns 1 taken, 0 not an ssh option, -1 a bad value (said on stderr).
 */
int tool_ssh_option(int opt, const char *arg, struct xtrace_ssh_opts *o);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "tool.h"
#include "tool-ssh.h"

int tool_ssh_option(int opt, const char *arg, struct xtrace_ssh_opts *o)
{
	char *end;
	long t;

	switch (opt) {
	case 'F':
		o->config = arg;
		return 1;
	case TOOL_OPT_SSH_TIMEOUT:
		t = strtol(arg, &end, 10);
		if (*end || end == arg || t < 1 || t > 3600) {
			tool_error("invalid --ssh-timeout '%s' (seconds, 1 to 3600)", arg);
			return -1;
		}
		o->timeout = t;
		return 1;
	case TOOL_OPT_ACCEPT_NEW:
		o->accept_new_host_key = true;
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * System call names of the architecture this library was built for, generated
 * at build time from <sys/syscall.h>. The recorder saves them in each recording
 * ("syscalls" file), so a viewer on another architecture names them right.
 */
#include "xtrace-local.h"

static const char *const table[] = {
#include "syscalls-table.h"
};

const char *xt_syscall_name_native(long nr)
{
	if (nr < 0 || nr >= (long)ARRAY_SIZE(table))
		return NULL;
	return table[nr];
}

long xt_syscall_max_native(void)
{
	return ARRAY_SIZE(table);
}

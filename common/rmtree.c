// SPDX-License-Identifier: LGPL-2.1
/* rm_tree() (rmtree.h). */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>

#include "rmtree.h"

static __thread int first_err;

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st; (void)type; (void)ftw;
	if (remove(path) && !first_err)
		first_err = -errno;
	return 0;
}

int rm_tree(const char *path)
{
	first_err = 0;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS))
		return -errno;
	return first_err;
}

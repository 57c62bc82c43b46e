/* SPDX-License-Identifier: LGPL-2.1 */
/* The tree's one recursive remove (libxtrace, the programs and the tests use it). */
#ifndef _XTRACE_RMTREE_H
#define _XTRACE_RMTREE_H

/*
 * rm_tree - remove @path and everything under it, never following a symbolic link out of it:
 * 0, or -errno of the first entry that could not be removed (the rest is still tried)
 */
__attribute__((visibility("hidden"))) int rm_tree(const char *path);

#endif

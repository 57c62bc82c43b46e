// SPDX-License-Identifier: LGPL-2.1
/*
 * mksysfs: a fake sysfs tree for the kvmrt tools' --sysfs (integration tests).
 *   mksysfs DIR SOCKETS CORES THREADS NODES [adjacent] [offline=CPUS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs-gen.h"

int main(int argc, char **argv)
{
	const char *offline = NULL;
	bool adjacent = false;

	if (argc < 6) {
		fprintf(stderr, "usage: mksysfs DIR SOCKETS CORES THREADS NODES [adjacent] "
			"[offline=CPUS]\n");
		return 2;
	}
	for (int i = 6; i < argc; i++) {
		if (!strcmp(argv[i], "adjacent"))
			adjacent = true;
		else if (!strncmp(argv[i], "offline=", 8))
			offline = argv[i] + 8;
		else
			return fprintf(stderr, "mksysfs: unknown argument '%s'\n", argv[i]), 2;
	}
	if (kt_make_sysfs(argv[1], atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
			  adjacent, offline)) {
		fprintf(stderr, "mksysfs: cannot make the tree under '%s'\n", argv[1]);
		return 1;
	}
	return 0;
}

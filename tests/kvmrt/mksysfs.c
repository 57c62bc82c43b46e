// SPDX-License-Identifier: LGPL-2.1
/*
 * mksysfs: a fake sysfs tree for the kvmrt tools' --sysfs (integration tests).
 *   mksysfs DIR SOCKETS CORES THREADS NODES [adjacent] [offline=CPUS] [host=good|bad]
 * With host=, DIR is a whole fake host: the topology under DIR/sys, the rest
 * kvmrt-validate-host reads under DIR/sys, DIR/proc and DIR/dev (kt_make_host).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs-gen.h"

int main(int argc, char **argv)
{
	const char *offline = NULL, *host = NULL;
	bool adjacent = false;
	char root[4096];

	if (argc < 6) {
		fprintf(stderr, "usage: mksysfs DIR SOCKETS CORES THREADS NODES [adjacent] "
			"[offline=CPUS] [host=good|bad]\n");
		return 2;
	}
	for (int i = 6; i < argc; i++) {
		if (!strcmp(argv[i], "adjacent"))
			adjacent = true;
		else if (!strncmp(argv[i], "offline=", 8))
			offline = argv[i] + 8;
		else if (!strcmp(argv[i], "host=good") || !strcmp(argv[i], "host=bad"))
			host = argv[i] + 5;
		else
			return fprintf(stderr, "mksysfs: unknown argument '%s'\n", argv[i]), 2;
	}
	snprintf(root, sizeof(root), host ? "%s/sys" : "%s", argv[1]);
	if (kt_make_sysfs(root, atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
			  adjacent, offline)) {
		fprintf(stderr, "mksysfs: cannot make the tree under '%s'\n", argv[1]);
		return 1;
	}
	if (host && kt_make_host(argv[1], atoi(argv[2]) * atoi(argv[3]) * atoi(argv[4]),
				 !strcmp(host, "good"))) {
		fprintf(stderr, "mksysfs: cannot make the host under '%s'\n", argv[1]);
		return 1;
	}
	return 0;
}

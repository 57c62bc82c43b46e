// SPDX-License-Identifier: LGPL-2.1
/* The CUnit runner and test helpers both unit binaries share (tu.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <CUnit/Basic.h>

#include "rmtree.h"
#include "tu.h"

char *tu_mkdtemp(void)
{
	char *p = strdup("/tmp/xtrace-unit-XXXXXX");

	if (p && !mkdtemp(p)) {
		free(p);
		p = NULL;
	}
	return p;
}

int tu_rm_rf(const char *path)
{
	if (!path || strncmp(path, "/tmp/", 5))
		return -EINVAL;
	return rm_tree(path);
}

int tu_write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[PATH_MAX];
	const char *p = buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		p += w;
		len -= w;
	}
	return close(fd) ? -errno : 0;
}

int tu_main(const char *prog, const tu_suite_fn *suites, size_t nr)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "%s: %s\n", prog, CU_get_error_msg());
		return 2;
	}
	for (size_t i = 0; i < nr; i++) {
		if (suites[i]()) {
			fprintf(stderr, "%s: cannot register a suite: %s\n", prog,
				CU_get_error_msg());
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "%s: %s\n", prog, CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	failures = CU_get_number_of_failures();
	/* a suite whose init failed runs no test: count that as a failure too */
	if (CU_get_number_of_suites_failed())
		failures++;
	CU_cleanup_registry();
	return failures ? 1 : 0;
}

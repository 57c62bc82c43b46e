// SPDX-License-Identifier: LGPL-2.1
/*
 * xtrace unit tests: one CUnit suite per library module, run with the basic
 * interface. Exits non-zero if any assertion failed.
 *
 * Also the few helpers the suites share (temporary directories, small files).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <CUnit/Basic.h>

int add_cpuset_suite(void);
int add_clock_suite(void);
int add_meta_suite(void);
int add_heap_suite(void);
int add_reader_suite(void);
int add_merge_suite(void);
int add_view_suite(void);
int add_names_suite(void);

char *tu_mkdtemp(void);
int tu_rm_rf(const char *path);
int tu_write_file(const char *dir, const char *name, const void *buf, size_t len);

/* A new, empty directory under /tmp (free the name). */
char *tu_mkdtemp(void)
{
	char *p = strdup("/tmp/xtrace-unit-XXXXXX");

	if (p && !mkdtemp(p)) {
		free(p);
		p = NULL;
	}
	return p;
}

static int rm_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st; (void)type; (void)ftw;
	return remove(path) ? -1 : 0;
}

/* Remove a tree made by a test; only ever under /tmp. */
int tu_rm_rf(const char *path)
{
	if (!path || strncmp(path, "/tmp/", 5))
		return -EINVAL;
	return nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}

/* Write @len bytes to @dir/@name (subdirectories must exist). */
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

int main(void)
{
	static int (*const suites[])(void) = {
		add_cpuset_suite,
		add_clock_suite,
		add_meta_suite,
		add_heap_suite,
		add_reader_suite,
		add_merge_suite,
		add_view_suite,
		add_names_suite,
	};
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "xtrace-unit: %s\n", CU_get_error_msg());
		return 2;
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (suites[i]()) {
			fprintf(stderr, "xtrace-unit: cannot register a suite: %s\n",
				CU_get_error_msg());
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "xtrace-unit: %s\n", CU_get_error_msg());
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

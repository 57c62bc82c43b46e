// SPDX-License-Identifier: LGPL-2.1
/*
 * mkseeds OUT RECORDING...: the seed corpus of the fuzz harnesses, in the input
 * layouts of fuzz.h, from real recordings (tests/data/kvm-svm, those of
 * bench/gen-recording): OUT/meta, OUT/formats, OUT/stream and OUT/order, small
 * files (a few sub-buffers, the first bytes of the big ones).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xtrace-local.h"
#include "fuzz.h"

#define SEED_MAX	(64 * 1024)	/* the first bytes of a longer file */
#define SEED_PAGES	3

static const char *out;
static int nr_seeds;

static void die(const char *what, const char *subject)
{
	fprintf(stderr, "mkseeds: %s '%s'\n", what, subject);
	exit(1);
}

/* OUT/@harness/seed-N: the bytes @pre (@npre of them) then @len of @buf (at most SEED_MAX). */
static void seed(const char *harness, const void *pre, size_t npre, const void *buf, size_t len)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", out, harness);
	if (xt_mkdir_p(path, 0755))
		die("cannot make", path);
	snprintf(path, sizeof(path), "%s/%s/seed-%04d", out, harness, nr_seeds++);
	if (len > SEED_MAX)
		len = SEED_MAX;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || xt_write_all(fd, pre, npre) || xt_write_all(fd, buf, len) || close(fd))
		die("cannot write", path);
}

static void seed_file(const char *harness, const void *pre, size_t npre, const char *dir,
		      const char *name, bool zstd)
{
	char *path = xt_path(dir, name), *buf;
	size_t len;
	int ret;

	if (!path)
		die("out of memory at", name);
	ret = zstd ? xt_zstd_file_read(path, &buf, &len) : xt_read_file(path, &buf, &len);
	if (!ret) {
		seed(harness, pre, npre, buf, len);
		free(buf);
	}
	free(path);
}

static void formats(const char *rec)
{
	char *fdir = xt_path(rec, XT_FORMATS_DIR);
	unsigned char which = FZ_FILE_HEADER_PAGE;
	struct dirent *sde, *ede;
	DIR *sd, *ed;

	seed_file("formats", &which, 1, fdir, "header_page", false);
	which = FZ_FILE_PRINTK;
	seed_file("formats", &which, 1, rec, XT_PRINTK_FILE, false);
	which = FZ_FILE_KALLSYMS;
	seed_file("formats", &which, 1, rec, XT_KALLSYMS_FILE, true);
	which = FZ_FILE_EVENT;
	sd = opendir(fdir);
	while (sd && (sde = readdir(sd))) {
		char *sys;

		if (sde->d_name[0] == '.' || !strncmp(sde->d_name, "header_", 7))
			continue;
		sys = xt_path(fdir, sde->d_name);
		ed = sys ? opendir(sys) : NULL;
		while (ed && (ede = readdir(ed)))
			if (ede->d_name[0] != '.')
				seed_file("formats", &which, 1, sys, ede->d_name, false);
		if (ed)
			closedir(ed);
		free(sys);
	}
	if (sd)
		closedir(sd);
	free(fdir);
}

/* Each CPU file: as it is, and its first sub-buffers for the harness to frame. */
static void streams(const char *rec)
{
	for (int cpu = 0; cpu < XTRACE_MAX_CPUS; cpu++) {
		unsigned char pre[2] = { 0, FZ_RAW_FILE };	/* fz_layouts[0]: the recorders' */
		struct xt_frame_reader fr;
		char name[32], *path;
		struct stat st;
		int fd;

		snprintf(name, sizeof(name), XT_CPU_FILE_FMT, cpu);
		path = xt_path(rec, name);
		fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		free(path);
		if (fd < 0)
			break;
		if (fstat(fd, &st))
			die("cannot read", name);
		seed_file("stream", pre, 2, rec, name, false);
		xt_frame_reader_init(&fr, fd, sizeof(struct xt_cpu_header), st.st_size);
		if (xt_frame_read(&fr, XT_FRAME_MAGIC, 1u << 20, 4096) == XT_FRAME_OK) {
			size_t len = fr.len < SEED_PAGES * 4096 ? fr.len : SEED_PAGES * 4096;

			pre[1] = FZ_RAW_PAGES;
			seed("stream", pre, 2, fr.out, len);
		}
		xt_frame_reader_free(&fr);
		close(fd);
	}
}

/* The template merged with itself: its metadata, its order as is and as varints. */
static void merged(void)
{
	char *dir = xt_path(fz_workdir(), "merged"), *path;
	unsigned char pre = FZ_RAW_FILE;
	struct xt_frame_reader fr;
	struct stat st;
	int fd;

	if (!dir || fz_make_merged(fz_workdir()))
		die("cannot merge", fz_template());
	seed_file("meta", NULL, 0, dir, XT_META_FILE, false);
	seed_file("order", &pre, 1, dir, XT_ORDER_FILE, false);
	path = xt_path(dir, XT_ORDER_FILE);
	fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0 || fstat(fd, &st))
		die("cannot read", path ? path : XT_ORDER_FILE);
	xt_frame_reader_init(&fr, fd, sizeof(struct xt_order_header), st.st_size);
	if (xt_frame_read(&fr, XT_ORDER_MAGIC, 1u << 30, 1) == XT_FRAME_OK) {
		pre = FZ_RAW_PAGES;
		seed("order", &pre, 1, fr.out, fr.len);
	}
	xt_frame_reader_free(&fr);
	close(fd);
	free(path);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkseeds OUT RECORDING...\n");
		return 2;
	}
	fz_quiet();
	out = argv[1];
	for (int i = 2; i < argc; i++) {
		seed_file("meta", NULL, 0, argv[i], XT_META_FILE, false);
		formats(argv[i]);
		streams(argv[i]);
	}
	merged();
	printf("%d seeds in '%s'\n", nr_seeds, out);
	return 0;
}

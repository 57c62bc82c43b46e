// SPDX-License-Identifier: LGPL-2.1
/*
 * Directory streams (dirstream.c): what "xtrace-run --send" writes and the
 * collector reads when a system has no SFTP. XXH64 against known values and
 * libxxhash; round trips; and that a stream cut at any byte, with any single
 * bit flipped, or crafted to escape its directory is refused, while every
 * file that got its final name is whole.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <CUnit/CUnit.h>

#include "xtrace-remote.h"
#include "xtrace-local.h"

int add_dirstream_suite(void);

char *tu_mkdtemp(void);
int tu_rm_rf(const char *path);
int tu_write_file(const char *dir, const char *name, const void *buf, size_t len);

#define N_(a)	(sizeof(a) / sizeof((a)[0]))

static char *base;	/* the suite's directory */
static int seq;		/* for new directory names in it */

static int suite_init(void)
{
	base = tu_mkdtemp();
	return base ? 0 : -1;
}

static int suite_clean(void)
{
	int ret = tu_rm_rf(base);

	free(base);
	base = NULL;
	return ret;
}

/* A new name in the suite's directory (not created). */
static char *new_path(const char *what)
{
	char *p;

	if (asprintf(&p, "%s/%s-%d", base, what, ++seq) < 0)
		return NULL;
	return p;
}

static void fill(unsigned char *buf, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = seed >> 16;
	}
}

/* ---------------------------------------------------------------- XXH64 */

static void test_xxh64_known(void)
{
	/* the xxHash reference's values for seed 0 */
	CU_ASSERT_EQUAL(xt_xxh64("", 0, 0), 0xef46db3751d8e999ULL);
	CU_ASSERT_EQUAL(xt_xxh64("a", 1, 0), 0xd24ec4f1a98c6e5bULL);
	CU_ASSERT_EQUAL(xt_xxh64("abc", 3, 0), 0x44bc2cf5ad770999ULL);
}

/* Fed in pieces of any size, the hash is that of the whole. */
static void test_xxh64_streaming(void)
{
	static unsigned char buf[1000];
	static const size_t pieces[] = { 1, 3, 7, 31, 32, 33, 64, 100 };

	fill(buf, sizeof(buf), 1);
	for (size_t len = 0; len <= sizeof(buf); len += len < 100 ? 1 : 113) {
		uint64_t want = xt_xxh64(buf, len, 7);

		for (size_t k = 0; k < N_(pieces); k++) {
			struct xt_xxh64 h;

			xt_xxh64_init(&h, 7);
			for (size_t off = 0; off < len; off += pieces[k])
				xt_xxh64_update(&h, buf + off,
						len - off < pieces[k] ? len - off : pieces[k]);
			CU_ASSERT_EQUAL(xt_xxh64_digest(&h), want);
		}
	}
}

/* Against the system's libxxhash, where there is one (Debian: libxxhash0). */
static void test_xxh64_libxxhash(void)
{
	void *lib = dlopen("libxxhash.so.0", RTLD_NOW | RTLD_LOCAL);
	uint64_t (*ref)(const void *, size_t, unsigned long long);
	static unsigned char buf[3000];
	int bad = 0;

	if (!lib) {
		fprintf(stderr, "(libxxhash.so.0 not installed: compared with known values only) ");
		return;
	}
	*(void **)&ref = dlsym(lib, "XXH64");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
	fill(buf, sizeof(buf), 2);
	for (size_t len = 0; len < 600; len++)
		for (uint64_t seed = 0; seed < 3; seed++)
			bad += ref(buf + 1, len, seed) != xt_xxh64(buf + 1, len, seed);
	bad += ref(buf, sizeof(buf), 99) != xt_xxh64(buf, sizeof(buf), 99);
	CU_ASSERT_EQUAL(bad, 0);
	dlclose(lib);
}

/* ------------------------------------------------------------- helpers */

/* A tree with what a recording has: files, empty ones, subdirectories. */
static char *make_tree(size_t big)
{
	char *dir = new_path("tree"), sub[PATH_MAX];
	unsigned char *data = malloc(big + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	fill(data, big, 3);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0755), 0);
	CU_ASSERT_EQUAL(tu_write_file(dir, "xtrace.meta", "[xtrace]\nformat = 1.1\n", 22), 0);
	CU_ASSERT_EQUAL(tu_write_file(dir, "empty", "", 0), 0);
	CU_ASSERT_EQUAL(tu_write_file(dir, "cpu0.xtd", data, big), 0);
	snprintf(sub, sizeof(sub), "%s/formats", dir);
	CU_ASSERT_EQUAL(mkdir(sub, 0755), 0);
	CU_ASSERT_EQUAL(tu_write_file(sub, "header_page", "field: u64 timestamp\n", 21), 0);
	snprintf(sub, sizeof(sub), "%s/formats/sched", dir);
	CU_ASSERT_EQUAL(mkdir(sub, 0750), 0);
	CU_ASSERT_EQUAL(tu_write_file(sub, "sched_switch", "name: sched_switch\n", 19), 0);
	snprintf(sub, sizeof(sub), "%s/formats/sched/sched_switch", dir);
	CU_ASSERT_EQUAL(chmod(sub, 0600), 0);
	snprintf(sub, sizeof(sub), "%s/nothing", dir);
	CU_ASSERT_EQUAL(mkdir(sub, 0755), 0);
	free(data);
	return dir;
}

/* The stream of @dir, in memory. */
static char *stream_of(const char *dir, size_t *len, struct xtrace_dirstream_stats *st)
{
	int fd = memfd_create("dirstream", MFD_CLOEXEC);
	struct stat sb;
	char *buf = NULL;

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(xtrace_dirstream_write(dir, fd, st, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(fstat(fd, &sb), 0);
	*len = sb.st_size;
	buf = malloc(*len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL_FATAL(pread(fd, buf, *len, 0), (ssize_t)*len);
	close(fd);
	return buf;
}

static char last_error[1500];	/* what the last reader of read_into() said */

/*
 * Read @len bytes of @buf into a new directory @dir, @chunk bytes at a time.
 * Returns what the last feed returned; *@end: what reader_end said.
 */
static int read_into(const char *dir, const char *buf, size_t len, size_t chunk, int *end)
{
	struct xtrace_dirstream_reader *rd;
	int ret = 0;

	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0755), 0);
	rd = xtrace_dirstream_reader_new(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rd);
	for (size_t off = 0; off < len && ret == 0; off += chunk)
		ret = xtrace_dirstream_feed(rd, buf + off, len - off < chunk ? len - off : chunk);
	*end = xtrace_dirstream_reader_end(rd);
	last_error[0] = '\0';
	if (*end) {
		CU_ASSERT_PTR_NOT_NULL(xtrace_dirstream_reader_error(rd));
		snprintf(last_error, sizeof(last_error), "%s",
			 xtrace_dirstream_reader_error(rd) ?: "");
	}
	xtrace_dirstream_reader_free(rd);
	return ret;
}

static bool same_bytes(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	size_t xl, yl;
	bool same;

	if (xt_read_file(a, &x, &xl) || xt_read_file(b, &y, &yl)) {
		free(x);
		free(y);
		return false;
	}
	same = xl == yl && !memcmp(x, y, xl);
	free(x);
	free(y);
	return same;
}

/* nftw has no context: what the callbacks compare against */
static const char *cmp_root, *cmp_other;
static int cmp_bad, cmp_seen;
static bool cmp_whole;

/*
 * Every entry under cmp_root has its twin under cmp_other, of the same bytes
 * and mode; or, for a copy that is not whole (!cmp_whole), every file: its
 * directories may be there or not, or come from records not checked yet.
 */
static int cmp_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char other[PATH_MAX];
	struct stat ost;

	(void)ftw;
	if (!strcmp(path, cmp_root) || (!cmp_whole && type == FTW_D))
		return 0;
	cmp_seen++;
	if (strstr(path, "/.xtds.")) {
		cmp_bad++;	/* a file in the making, left behind */
		return 0;
	}
	snprintf(other, sizeof(other), "%s%s", cmp_other, path + strlen(cmp_root));
	if (lstat(other, &ost) || (type == FTW_F) != S_ISREG(ost.st_mode) ||
	    (type == FTW_D) != S_ISDIR(ost.st_mode)) {
		cmp_bad++;
		return 0;
	}
	if (type == FTW_F && !same_bytes(path, other))
		cmp_bad++;
	if (cmp_whole && (st->st_mode & 0777) != (ost.st_mode & 0777))
		cmp_bad++;
	return 0;
}

/* Entries of @part that are not in @whole (see cmp_cb); *@n: entries in @part. */
static int not_in(const char *part, const char *whole, bool is_whole, int *n)
{
	cmp_root = part;
	cmp_other = whole;
	cmp_bad = cmp_seen = 0;
	cmp_whole = is_whole;
	CU_ASSERT_EQUAL(nftw(part, cmp_cb, 16, FTW_PHYS), 0);
	if (n)
		*n = cmp_seen;
	return cmp_bad;
}

static void assert_same_tree(const char *a, const char *b)
{
	int na, nb;

	CU_ASSERT_EQUAL(not_in(a, b, true, &na), 0);
	CU_ASSERT_EQUAL(not_in(b, a, true, &nb), 0);
	CU_ASSERT_EQUAL(na, nb);
}

/* ---------------------------------------------------------- round trips */

static void test_round_trip(void)
{
	struct xtrace_dirstream_stats st, rst;
	char *src = make_tree(300 * 1024 + 17), *buf, *buf2;
	static const size_t chunks[] = { 1, 7, 4096, 1 << 30 };
	size_t len, len2;

	buf = stream_of(src, &len, &st);
	CU_ASSERT_EQUAL(st.files, 5);
	CU_ASSERT_EQUAL(st.dirs, 3);
	CU_ASSERT_EQUAL(st.bytes, 300 * 1024 + 17 + 22 + 21 + 19);
	/* the same directory gives the same bytes */
	buf2 = stream_of(src, &len2, NULL);
	CU_ASSERT(len == len2 && !memcmp(buf, buf2, len));
	for (size_t i = 0; i < N_(chunks); i++) {
		char *dst = new_path("copy");
		struct xtrace_dirstream_reader *rd;
		int end;

		CU_ASSERT_EQUAL(read_into(dst, buf, len, chunks[i], &end), 1);
		CU_ASSERT_EQUAL(end, 0);
		assert_same_tree(src, dst);
		/* and its statistics */
		tu_rm_rf(dst);
		CU_ASSERT_EQUAL_FATAL(mkdir(dst, 0755), 0);
		rd = xtrace_dirstream_reader_new(dst);
		CU_ASSERT_EQUAL(xtrace_dirstream_feed(rd, buf, len), 1);
		xtrace_dirstream_reader_stats(rd, &rst);
		CU_ASSERT(rst.files == st.files && rst.dirs == st.dirs && rst.bytes == st.bytes);
		CU_ASSERT_PTR_NULL(xtrace_dirstream_reader_error(rd));
		xtrace_dirstream_reader_free(rd);
		free(dst);
	}
	free(buf);
	free(buf2);
	free(src);
}

static void test_empty_dir(void)
{
	char *src = new_path("empty"), *dst = new_path("copy"), *buf;
	size_t len;
	int end;

	CU_ASSERT_EQUAL_FATAL(mkdir(src, 0755), 0);
	buf = stream_of(src, &len, NULL);
	CU_ASSERT_EQUAL(read_into(dst, buf, len, len, &end), 1);
	CU_ASSERT_EQUAL(end, 0);
	assert_same_tree(src, dst);
	free(buf);
	free(src);
	free(dst);
}

/* Only regular files and directories are sent; a name a stream cannot carry fails it. */
static void test_writer_refuses(void)
{
	char *src = new_path("odd"), path[PATH_MAX], *buf;
	struct xtrace_dirstream_stats st;
	int fd = open("/dev/null", O_WRONLY);
	size_t len;

	CU_ASSERT_EQUAL_FATAL(mkdir(src, 0755), 0);
	CU_ASSERT_EQUAL(tu_write_file(src, "file", "x", 1), 0);
	snprintf(path, sizeof(path), "%s/link", src);
	CU_ASSERT_EQUAL(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/fifo", src);
	CU_ASSERT_EQUAL(mkfifo(path, 0600), 0);
	buf = stream_of(src, &len, &st);
	CU_ASSERT_EQUAL(st.files, 1);
	CU_ASSERT_PTR_NULL(memmem(buf, len, "link", 4));
	CU_ASSERT_PTR_NULL(memmem(buf, len, "fifo", 4));
	free(buf);
	CU_ASSERT_EQUAL(tu_write_file(src, "new\nline", "x", 1), 0);
	CU_ASSERT_EQUAL(xtrace_dirstream_write(src, fd, NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(xtrace_dirstream_write("/nonexistent-xtrace", fd, NULL, NULL), -ENOENT);
	close(fd);
	free(src);
}

/* ------------------------------------------------------------ damage */

/* Cut at every byte: never whole, and each file with its final name is whole. */
static void test_truncated_everywhere(void)
{
	char *src = make_tree(100), *buf;
	size_t len;
	int bad = 0, whole = 0;

	buf = stream_of(src, &len, NULL);
	for (size_t cut = 0; cut < len; cut++) {
		char *dst = new_path("cut");
		int ret, end, n;

		ret = read_into(dst, buf, cut, cut % 3 ? 5 : 64, &end);
		whole += ret == 1 || end == 0;
		/* cut short is -EBADMSG, not some other error */
		bad += end != -EBADMSG;
		if (not_in(dst, src, false, &n)) {
			fprintf(stderr, "\n  cut at %zu: %s holds a file that is not whole\n", cut,
				dst);
			bad++;
		}
		tu_rm_rf(dst);
		free(dst);
	}
	CU_ASSERT_EQUAL(whole, 0);
	CU_ASSERT_EQUAL(bad, 0);
	free(buf);
	free(src);
}

/* Every single bit flipped, in turn: refused each time. */
static void test_bit_flips(void)
{
	char *src = make_tree(64), *buf;
	size_t len;
	int accepted = 0, bad = 0;

	buf = stream_of(src, &len, NULL);
	CU_ASSERT(len < 2000);	/* a small stream: every bit is tried */
	for (size_t i = 0; i < len * 8; i++) {
		char *dst = new_path("flip");
		int ret, end;

		buf[i / 8] ^= 1 << (i % 8);
		ret = read_into(dst, buf, len, len, &end);
		buf[i / 8] ^= 1 << (i % 8);
		if (ret == 1 || end == 0) {
			fprintf(stderr, "\n  bit %zu of byte %zu flipped: accepted\n", i % 8,
				i / 8);
			accepted++;
		}
		if (end != -EBADMSG && end != -ENOTSUP)
			fprintf(stderr, "\n  bit %zu of byte %zu: error %d\n", i % 8, i / 8, end);
		bad += end != -EBADMSG && end != -ENOTSUP;
		if (not_in(dst, src, false, NULL)) {
			fprintf(stderr, "\n  bit %zu of byte %zu: a file not whole named\n", i % 8,
				i / 8);
			bad++;
		}
		tu_rm_rf(dst);
		free(dst);
	}
	CU_ASSERT_EQUAL(accepted, 0);
	CU_ASSERT_EQUAL(bad, 0);
	free(buf);
	free(src);
}

/* A stream made by hand: the hashes right, the content hostile. */
struct sb {
	char buf[4096];
	size_t len;
	struct xt_xxh64 all;
};

static void sb_put(struct sb *b, const char *s, size_t n, bool hashed)
{
	CU_ASSERT_FATAL(b->len + n <= sizeof(b->buf));
	memcpy(b->buf + b->len, s, n);
	if (hashed)
		xt_xxh64_update(&b->all, s, n);
	b->len += n;
}

static void sb_init(struct sb *b, const char *magic)
{
	b->len = 0;
	xt_xxh64_init(&b->all, 0);
	sb_put(b, magic, strlen(magic), true);
}

static void sb_line(struct sb *b, const char *line)
{
	sb_put(b, line, strlen(line), true);
}

/* "F MODE SIZE NAME\n", @data, and its right checksum (in the directory @path) */
static void sb_file_in(struct sb *b, const char *path, const char *header, const char *data)
{
	struct xt_xxh64 f;
	char h[32];

	xt_xxh64_init(&f, 0);
	xt_xxh64_update(&f, path, strlen(path));
	xt_xxh64_update(&f, header, strlen(header));
	xt_xxh64_update(&f, data, strlen(data));
	sb_put(b, header, strlen(header), true);
	sb_put(b, data, strlen(data), true);
	snprintf(h, sizeof(h), "H %016" PRIx64 "\n", xt_xxh64_digest(&f));
	sb_line(b, h);
}

static void sb_file(struct sb *b, const char *header, const char *data)
{
	sb_file_in(b, "", header, data);
}

static void sb_end(struct sb *b, int files, int dirs, int bytes)
{
	char e[128];

	snprintf(e, sizeof(e), "E %d %d %d %016" PRIx64 "\n", files, dirs, bytes,
		 xt_xxh64_digest(&b->all));
	sb_put(b, e, strlen(e), false);
}

/* Read @b into a new directory in a new parent: nothing may appear beside it. */
static int read_crafted(struct sb *b, const char *what)
{
	char *parent = new_path(what), dst[PATH_MAX];
	struct dirent *de;
	int ret, end, others = 0;
	DIR *d;

	CU_ASSERT_EQUAL_FATAL(mkdir(parent, 0755), 0);
	snprintf(dst, sizeof(dst), "%s/in", parent);
	CU_ASSERT_EQUAL_FATAL(mkdir(dst, 0755), 0);
	snprintf(dst, sizeof(dst), "%s/in/dir", parent);
	ret = read_into(dst, b->buf, b->len, 3, &end);
	if (ret == 1 && end == 0)
		ret = 0;
	else
		ret = end ?: -EINVAL;
	/* nothing but "dir" in "in", nothing but "in" in the parent */
	snprintf(dst, sizeof(dst), "%s/in", parent);
	d = opendir(dst);
	while (d && (de = readdir(d)))
		others += strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			  strcmp(de->d_name, "dir");
	if (d)
		closedir(d);
	d = opendir(parent);
	while (d && (de = readdir(d)))
		others += strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			  strcmp(de->d_name, "in");
	if (d)
		closedir(d);
	CU_ASSERT_EQUAL(others, 0);
	free(parent);
	return ret;
}

static void test_crafted_valid(void)
{
	struct sb b;

	/* the builder itself makes streams the reader takes */
	sb_init(&b, "xtrace-dirstream 1\n");
	sb_line(&b, "D 755 sub\n");
	sb_file_in(&b, "sub/", "F 644 5 a\n", "hello");
	sb_line(&b, "U\n");
	sb_file(&b, "F 600 0 b\n", "");
	sb_end(&b, 2, 1, 5);
	CU_ASSERT_EQUAL(read_crafted(&b, "valid"), 0);
	/* a file's checksum holds where it goes: the same file checked for another place */
	sb_init(&b, "xtrace-dirstream 1\n");
	sb_line(&b, "D 755 sub\n");
	sb_file(&b, "F 644 5 a\n", "hello");
	sb_line(&b, "U\n");
	sb_end(&b, 1, 1, 5);
	CU_ASSERT_EQUAL(read_crafted(&b, "moved"), -EBADMSG);
}

/* Refused, for the reason given */
static void refused(struct sb *b, const char *record, const char *why)
{
	if (read_crafted(b, "hostile") != -EBADMSG || !strstr(last_error, why)) {
		fprintf(stderr, "\n  '%.*s': %s, not '%s'\n", (int)strcspn(record, "\n"), record,
			last_error[0] ? last_error : "accepted", why);
		CU_FAIL("a bad record is not refused as it should be");
	}
}

static void test_crafted_hostile(void)
{
	static const struct {
		const char *record, *why;
	} bad_files[] = {
		{ "F 644 1 ..\n", "unsafe name" }, { "F 644 1 .\n", "unsafe name" },
		{ "F 644 1 ../x\n", "unsafe name" }, { "F 644 1 /etc/x\n", "unsafe name" },
		{ "F 644 1 a/b\n", "unsafe name" }, { "F 644 1 \n", "unsafe name" },
		{ "F 644 1 .xtds.a\n", "unsafe name" }, { "F 644 1 a\tb\n", "unsafe name" },
		{ "F 644 1 a\x7f\n", "unsafe name" }, { "F 644 01 a\n", "malformed" },
		{ "F 644 +1 a\n", "malformed" }, { "F 0644 1 a\n", "malformed" },
		{ "F 8 1 a\n", "malformed" }, { "F 17777 1 a\n", "malformed" },
		{ "F 644 99999999999999999999 a\n", "malformed" }, { "F 644 1\n", "malformed" },
		{ "X 644 1 a\n", "unknown record" }, { "F644 1 a\n", "unknown record" },
	}, bad_dirs[] = {
		{ "D 755 ..\n", "unsafe name" }, { "D 755 .\n", "unsafe name" },
		{ "D 755 ../up\n", "unsafe name" }, { "D 755 /abs\n", "unsafe name" },
		{ "D 755 a/b\n", "unsafe name" }, { "D 755 \n", "unsafe name" },
		{ "D 755\n", "malformed" },
	};
	struct sb b;

	for (size_t i = 0; i < N_(bad_files); i++) {
		sb_init(&b, "xtrace-dirstream 1\n");
		sb_file(&b, bad_files[i].record, "x");
		sb_end(&b, 1, 0, 1);
		refused(&b, bad_files[i].record, bad_files[i].why);
	}
	for (size_t i = 0; i < N_(bad_dirs); i++) {
		sb_init(&b, "xtrace-dirstream 1\n");
		sb_line(&b, bad_dirs[i].record);
		sb_line(&b, "U\n");
		sb_end(&b, 0, 1, 0);
		refused(&b, bad_dirs[i].record, bad_dirs[i].why);
	}
	/* up from the top */
	sb_init(&b, "xtrace-dirstream 1\n");
	sb_line(&b, "U\n");
	sb_file(&b, "F 644 1 x\n", "x");
	sb_end(&b, 1, 0, 1);
	CU_ASSERT_EQUAL(read_crafted(&b, "up"), -EBADMSG);
	/* the end inside a directory */
	sb_init(&b, "xtrace-dirstream 1\n");
	sb_line(&b, "D 755 d\n");
	sb_end(&b, 0, 1, 0);
	CU_ASSERT_EQUAL(read_crafted(&b, "inside"), -EBADMSG);
	/* counts that do not match */
	sb_init(&b, "xtrace-dirstream 1\n");
	sb_file(&b, "F 644 1 x\n", "x");
	sb_end(&b, 2, 0, 1);
	CU_ASSERT_EQUAL(read_crafted(&b, "counts"), -EBADMSG);
	/* twice the same name */
	sb_init(&b, "xtrace-dirstream 1\n");
	sb_file(&b, "F 644 1 x\n", "x");
	sb_file(&b, "F 644 1 x\n", "y");
	sb_end(&b, 2, 0, 2);
	CU_ASSERT_EQUAL(read_crafted(&b, "twice"), -EBADMSG);
	sb_init(&b, "xtrace-dirstream 1\n");
	sb_file(&b, "F 644 1 x\n", "x");
	sb_line(&b, "D 755 x\n");
	sb_line(&b, "U\n");
	sb_end(&b, 1, 1, 1);
	CU_ASSERT_EQUAL(read_crafted(&b, "twice"), -EBADMSG);
	/* bytes after the end */
	sb_init(&b, "xtrace-dirstream 1\n");
	sb_end(&b, 0, 0, 0);
	sb_put(&b, "E", 1, false);
	CU_ASSERT_EQUAL(read_crafted(&b, "after"), -EBADMSG);
	/* too deep */
	sb_init(&b, "xtrace-dirstream 1\n");
	for (int i = 0; i < 20; i++)
		sb_line(&b, "D 755 d\n");
	for (int i = 0; i < 20; i++)
		sb_line(&b, "U\n");
	sb_end(&b, 0, 20, 0);
	CU_ASSERT_EQUAL(read_crafted(&b, "deep"), -EBADMSG);
	/* a line without end */
	sb_init(&b, "xtrace-dirstream 1\n");
	for (int i = 0; i < 600; i++)
		sb_put(&b, "a", 1, true);
	CU_ASSERT_EQUAL(read_crafted(&b, "long"), -EBADMSG);
	/* another version; not a stream at all; nothing */
	sb_init(&b, "xtrace-dirstream 2\n");
	sb_end(&b, 0, 0, 0);
	CU_ASSERT_EQUAL(read_crafted(&b, "version"), -ENOTSUP);
	sb_init(&b, "usage: xtrace-run [options] command [args...]\n");
	CU_ASSERT_EQUAL(read_crafted(&b, "usage"), -EBADMSG);
	sb_init(&b, "");
	CU_ASSERT_EQUAL(read_crafted(&b, "nothing"), -EBADMSG);
}

/* ----------------------------------------------------------- removal */

static void test_remove(void)
{
	char *src = make_tree(10), **sent = NULL, path[PATH_MAX];
	int fd = open("/dev/null", O_WRONLY);
	struct stat st;

	CU_ASSERT_EQUAL(xtrace_dirstream_write(src, fd, NULL, &sent), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sent);
	/* something new since: it is not removed, nor is the directory holding it */
	CU_ASSERT_EQUAL(tu_write_file(src, "formats/late", "x", 1), 0);
	CU_ASSERT_EQUAL(xtrace_dirstream_remove(src, sent), -ENOTEMPTY);
	snprintf(path, sizeof(path), "%s/formats/late", src);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/cpu0.xtd", src);
	CU_ASSERT_NOT_EQUAL(stat(path, &st), 0);
	xtrace_strv_free(sent);
	/* without a list: all of it */
	CU_ASSERT_EQUAL(xtrace_dirstream_remove(src, NULL), 0);
	CU_ASSERT_NOT_EQUAL(stat(src, &st), 0);
	close(fd);
	free(src);
}

int add_dirstream_suite(void)
{
	static CU_TestInfo tests[] = {
		{ "dirstream: XXH64 known values", test_xxh64_known },
		{ "dirstream: XXH64 fed in pieces", test_xxh64_streaming },
		{ "dirstream: XXH64 equals libxxhash's", test_xxh64_libxxhash },
		{ "dirstream: round trip, any chunking, same bytes each time", test_round_trip },
		{ "dirstream: an empty directory", test_empty_dir },
		{ "dirstream: writer skips links and fifos, refuses bad names",
		  test_writer_refuses },
		{ "dirstream: cut at every byte: refused, no partial file named",
		  test_truncated_everywhere },
		{ "dirstream: every single bit flipped: refused", test_bit_flips },
		{ "dirstream: hand-made stream is read", test_crafted_valid },
		{ "dirstream: unsafe names, bad structure, versions refused",
		  test_crafted_hostile },
		{ "dirstream: removal of what was sent, and only that", test_remove },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suite[] = {
		{ .pName = "dirstream", .pInitFunc = suite_init, .pCleanupFunc = suite_clean,
		  .pTests = tests },
		CU_SUITE_INFO_NULL,
	};

	return CU_register_suites(suite) == CUE_SUCCESS ? 0 : -1;
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * mkseeds OUT RECORDING...: the seed corpus of the fuzz harnesses, in the input
 * layouts of fuzz.h, from real recordings (tests/data/kvm-svm, those of
 * tests/helpers/gen-recording): OUT/meta, OUT/formats, OUT/stream and OUT/order, small
 * files (a few sub-buffers, the first bytes of the big ones); OUT/tracedat, small
 * trace.dat files written here from a recording's formats and first sub-buffers
 * (versions 6 and 7, uncompressed, zstd and zlib, an instance, the time options).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "xtrace-local.h"
#include "sbuf.h"
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

/* The first sub-buffers (at most @max bytes) of @rec's CPU @cpu into @sb: -1 if it has no file */
static int first_pages(const char *rec, int cpu, size_t max, struct sbuf *sb)
{
	struct xt_frame_reader fr;
	char name[32], *path;
	struct stat st;
	int fd;

	snprintf(name, sizeof(name), XT_CPU_FILE_FMT, cpu);
	path = xt_path(rec, name);
	fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	free(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st))
		die("cannot read", name);
	xt_frame_reader_init(&fr, fd, sizeof(struct xt_cpu_header), st.st_size);
	if (xt_frame_read(&fr, XT_FRAME_MAGIC, 1u << 20, 4096) == XT_FRAME_OK)
		sb_put(sb, fr.out, fr.len < max ? fr.len : max);
	xt_frame_reader_free(&fr);
	close(fd);
	return 0;
}

/* Each CPU file: as it is, and its first sub-buffers for the harness to frame. */
static void streams(const char *rec)
{
	for (int cpu = 0; cpu < XTRACE_MAX_CPUS; cpu++) {
		unsigned char pre[2] = { 0, FZ_RAW_FILE };	/* fz_layouts[0]: the recorders' */
		struct sbuf pages = { 0 };
		char name[32];

		if (first_pages(rec, cpu, SEED_PAGES * 4096, &pages) < 0)
			break;
		snprintf(name, sizeof(name), XT_CPU_FILE_FMT, cpu);
		seed_file("stream", pre, 2, rec, name, false);
		if (pages.len) {
			pre[1] = FZ_RAW_PAGES;
			seed("stream", pre, 2, pages.buf, pages.len);
		}
		sb_release(&pages);
	}
}

/* ------------------------------------------------- trace.dat seeds */

static void put_n(struct sbuf *sb, uint64_t v, int n)
{
	v = htole64(v);
	sb_put(sb, &v, n);
}

static void patch8(struct sbuf *sb, size_t at, uint64_t v)
{
	v = htole64(v);
	memcpy(sb->buf + at, &v, 8);
}

enum { TD_NONE, TD_ZSTD, TD_ZLIB };

/* @len bytes compressed as trace-cmd compresses a block: csize, usize, data */
static void put_block(struct sbuf *sb, int comp, const void *d, size_t len)
{
	size_t cap = ZSTD_compressBound(len) + compressBound(len);
	char *z = malloc(cap);
	uLongf clen = cap;

	if (!z)
		die("out of memory at", "trace.dat");
	if (comp == TD_ZSTD)
		clen = ZSTD_compress(z, cap, d, len, 1);
	else if (compress2((Bytef *)z, &clen, d, len, 6) != Z_OK)
		die("zlib failed at", "trace.dat");
	put_n(sb, clen, 4);
	put_n(sb, len, 4);
	sb_put(sb, z, clen);
	free(z);
}

/* a v7 section of @id holding @d: its offset */
static size_t put_section(struct sbuf *sb, int comp, int id, const struct sbuf *d)
{
	size_t at = sb->len;

	put_n(sb, id, 2);
	put_n(sb, comp != TD_NONE, 2);
	put_n(sb, 0, 4);
	put_n(sb, 0, 8);
	if (comp != TD_NONE)
		put_block(sb, comp, d->buf, d->len);
	else
		sb_put(sb, d->buf, d->len);
	patch8(sb, at + 8, sb->len - at - 16);
	return at;
}

static void put_opt(struct sbuf *sb, int id, const void *d, size_t len)
{
	put_n(sb, id, 2);
	put_n(sb, len, 4);
	sb_put(sb, d, len);
}

static void put_opt8(struct sbuf *sb, int id, uint64_t v)
{
	v = htole64(v);
	put_opt(sb, id, &v, 8);
}

/* header_page, header_event, then the formats (v6 in order; v7 the same in sections) */
struct td_parts {
	struct sbuf headers, formats, pages[2];
	int nr_cpus;
};

static void td_parts(const char *rec, struct td_parts *p)
{
	static const char *const events[][2] = {
		{ "sched", "sched_switch" }, { "kvm", "kvm_exit" }, { "kvm", "kvm_entry" },
		{ "irq", "irq_handler_entry" },
	};
	char *fdir = xt_path(rec, XT_FORMATS_DIR), *buf, *path;
	size_t len;

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "header_event" : "header_page";

		path = xt_path(fdir, name);
		if (!path || xt_read_file(path, &buf, &len))
			die("cannot read", path ? path : name);
		sb_put(&p->headers, name, strlen(name) + 1);
		put_n(&p->headers, len, 8);
		sb_put(&p->headers, buf, len);
		free(buf);
		free(path);
	}
	/* two systems: sched (1 event), kvm (2); irq's if there is room */
	put_n(&p->formats, 2, 4);
	for (int sys = 0; sys < 2; sys++) {
		const char *name = sys ? "kvm" : "sched";
		int n = sys ? 2 : 1;

		sb_put(&p->formats, name, strlen(name) + 1);
		put_n(&p->formats, n, 4);
		for (int e = sys; e < sys + n; e++) {
			char rel[128];

			snprintf(rel, sizeof(rel), "%s/%s", events[e][0], events[e][1]);
			path = xt_path(fdir, rel);
			if (!path || xt_read_file(path, &buf, &len)) {
				buf = strdup("name: none\nID: 9999\nformat:\nprint fmt: \"\"\n");
				len = buf ? strlen(buf) : 0;
			}
			put_n(&p->formats, len, 8);
			sb_put(&p->formats, buf, len);
			free(buf);
			free(path);
		}
	}
	for (int cpu = 0; cpu < 2; cpu++)
		if (!first_pages(rec, cpu, 2 * 4096, &p->pages[cpu]) && p->pages[cpu].len)
			p->nr_cpus = cpu + 1;
	free(fdir);
}

static void td_free(struct td_parts *p)
{
	sb_release(&p->headers);
	sb_release(&p->formats);
	sb_release(&p->pages[0]);
	sb_release(&p->pages[1]);
}

static void td_options(struct sbuf *o, bool guest)
{
	static const char clock[] = "[local] global boot";
	static const char uname[] = "Linux seedhost 6.1.0 x86_64";
	unsigned char shift[16 + 2 * 28], g[24] = "vm1";

	put_opt(o, 4, clock, sizeof(clock));
	put_opt(o, 5, uname, sizeof(uname));
	put_opt(o, 1, "0x661b730fcee7f", 16);
	put_opt(o, 7, "-1000", 6);
	put_opt8(o, 11, 0x1122334455667788ULL);
	put_opt(o, 2, "CPU: 0\noverrun: 3\ndropped events: 1\n", 37);
	if (guest) {
		/* TIME_SHIFT: peer, flags (interpolate), 2 CPUs of a sample each */
		uint64_t v[] = { 0x99, 2ULL << 32 | 1 };
		unsigned char *q = shift + 16;

		memcpy(shift, v, 8);
		memcpy(shift + 8, &v[1], 8);
		for (int c = 0; c < 2; c++) {
			uint32_t one = 1;
			uint64_t t = 1000, off = 5000, sc = 1;

			memcpy(q, &one, 4);
			memcpy(q + 4, &t, 8);
			memcpy(q + 12, &off, 8);
			memcpy(q + 20, &sc, 8);
			q += 28;
		}
		put_opt(o, 12, shift, q - shift);
		/* GUEST: vm1, trace id, 1 vCPU: 0 -> pid 4001 */
		memcpy(g + 4, &(uint64_t){ 0x99 }, 8);
		memcpy(g + 12, &(uint32_t){ 1 }, 4);
		memcpy(g + 16, &(uint32_t){ 0 }, 4);
		memcpy(g + 20, &(uint32_t){ 4001 }, 4);
		put_opt(o, 13, g, 24);
		put_opt(o, 14, "\x00\x00\x40\x00\x16\x00\x00\x00\0\0\0\0\0\0\0\0", 16);
	}
}

static void td_seed(const struct sbuf *f)
{
	seed("tracedat", NULL, 0, f->buf, f->len);
}

static void tracedat_v6(const struct td_parts *p, bool instance)
{
	struct sbuf f = { 0 }, o = { 0 };
	size_t table, inst = 0;

	sb_put(&f, "\x17\x08\x44tracing6", 12);
	put_n(&f, 0, 1);
	put_n(&f, 8, 1);
	put_n(&f, 4096, 4);
	sb_put(&f, p->headers.buf, p->headers.len);
	put_n(&f, 0, 4);				/* ftrace formats */
	sb_put(&f, p->formats.buf, p->formats.len);
	put_n(&f, 0, 4);				/* kallsyms */
	put_n(&f, 0, 4);				/* printk */
	put_n(&f, 7, 8);
	sb_put(&f, "1 init\n", 7);
	put_n(&f, 2, 4);				/* CPUs */
	sb_put(&f, "options  ", 10);
	td_options(&o, false);
	sb_put(&f, o.buf, o.len);
	if (instance) {
		/* BUFFER: where its CPU table is (patched below), its name */
		put_n(&f, 3, 2);
		put_n(&f, 11, 4);
		inst = f.len;
		put_n(&f, 0, 8);
		sb_put(&f, "i1", 3);
	}
	put_n(&f, 0, 2);
	sb_put(&f, "flyrecord", 10);
	table = f.len;
	for (int i = 0; i < 2 * 16; i++)
		put_n(&f, 0, 1);
	put_n(&f, 0, 8);				/* no trace_clock text */
	if (instance) {
		patch8(&f, inst, f.len);
		sb_put(&f, "flyrecord", 10);
		for (int c = 0; c < 2; c++) {
			put_n(&f, 0, 8);
			put_n(&f, 0, 8);
		}
	}
	while (f.len % 4096)
		put_n(&f, 0, 1);
	for (int c = 0; c < p->nr_cpus; c++) {
		patch8(&f, table + 16 * c, f.len);
		patch8(&f, table + 16 * c + 8, p->pages[c].len);
		sb_put(&f, p->pages[c].buf, p->pages[c].len);
	}
	if (!f.err)
		td_seed(&f);
	sb_release(&f);
	sb_release(&o);
}

static void tracedat_v7(const struct td_parts *p, int comp, bool guest)
{
	static const char *const names[] = { "none", "zstd", "zlib" };
	struct sbuf f = { 0 }, o = { 0 }, s = { 0 };
	size_t opts_ptr, sec[6], bufsec[2], cpu_at[2][2], cpu_len[2][2];

	sb_put(&f, "\x17\x08\x44tracing7", 12);
	put_n(&f, 0, 1);
	put_n(&f, 8, 1);
	put_n(&f, 4096, 4);
	sb_put(&f, names[comp], 5);
	sb_put(&f, comp == TD_NONE ? "" : "1", comp == TD_NONE ? 1 : 2);
	opts_ptr = f.len;
	put_n(&f, 0, 8);
	sec[0] = put_section(&f, comp, 16, &p->headers);
	put_n(&s, 0, 4);
	sec[1] = put_section(&f, comp, 17, &s);
	sec[2] = put_section(&f, comp, 18, &p->formats);
	sec[3] = put_section(&f, comp, 19, &s);
	sec[4] = put_section(&f, comp, 20, &s);
	sb_release(&s);
	put_n(&s, 7, 8);
	sb_put(&s, "1 init\n", 7);
	sec[5] = put_section(&f, comp, 21, &s);
	sb_release(&s);
	/* two buffers (the top one, an instance "i1"), each the same pages */
	for (int b = 0; b < 2; b++) {
		bufsec[b] = f.len;
		put_n(&f, 3, 2);
		put_n(&f, comp != TD_NONE, 2);
		put_n(&f, 0, 4);
		put_n(&f, 0, 8);
		while (f.len % 4096)
			put_n(&f, 0, 1);
		for (int c = 0; c < p->nr_cpus; c++) {
			cpu_at[b][c] = f.len;
			if (comp == TD_NONE) {
				sb_put(&f, p->pages[c].buf, p->pages[c].len);
			} else {
				put_n(&f, 1, 4);
				put_block(&f, comp, p->pages[c].buf, p->pages[c].len);
			}
			cpu_len[b][c] = f.len - cpu_at[b][c] - (comp != TD_NONE ? 4 : 0);
		}
	}
	patch8(&f, opts_ptr, f.len);
	for (int k = 0; k < 6; k++)
		put_opt8(&o, 16 + k, sec[k]);
	put_opt(&o, 8, &(uint32_t){ 2 }, 4);
	td_options(&o, guest);
	for (int b = 0; b < 2; b++) {
		struct sbuf bo = { 0 };

		put_n(&bo, bufsec[b], 8);
		sb_put(&bo, b ? "i1" : "", b ? 3 : 1);
		sb_put(&bo, "local", 6);
		put_n(&bo, 4096, 4);
		put_n(&bo, p->nr_cpus, 4);
		for (int c = 0; c < p->nr_cpus; c++) {
			put_n(&bo, c, 4);
			put_n(&bo, cpu_at[b][c], 8);
			put_n(&bo, cpu_len[b][c], 8);
		}
		put_opt(&o, 3, bo.buf, bo.len);
		sb_release(&bo);
	}
	put_opt8(&o, 0, 0);
	put_section(&f, comp, 0, &o);
	if (!f.err && !o.err)
		td_seed(&f);
	sb_release(&f);
	sb_release(&o);
}

static void tracedat(const char *rec)
{
	struct td_parts p;

	td_parts(rec, &p);
	if (!p.nr_cpus || p.headers.err || p.formats.err) {
		td_free(&p);
		return;
	}
	tracedat_v6(&p, false);
	tracedat_v6(&p, true);
	tracedat_v7(&p, TD_NONE, false);
	tracedat_v7(&p, TD_NONE, true);
	tracedat_v7(&p, TD_ZSTD, false);
	tracedat_v7(&p, TD_ZLIB, true);
	td_free(&p);
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
		tracedat(argv[i]);
	}
	merged();
	printf("%d seeds in '%s'\n", nr_seeds, out);
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * A directory as one self-delimiting byte stream, for systems without SFTP:
 * "xtrace-run --send DIR" writes it on its standard output and the collector
 * reads it over an ssh exec channel (remote.c). The reader takes it as
 * untrusted input: every name is one plain path component, every file is
 * checked by size and checksum before it gets its name, and the stream is
 * whole only when its end record (counts and a checksum of everything before
 * it) checks too. The format is in docs/remote.md:
 *
 *   xtrace-dirstream 1\n
 *   D MODE NAME\n                    a subdirectory: create it and enter it
 *   F MODE SIZE NAME\n BYTES H HASH\n  a file of SIZE BYTES
 *   U\n                              back to the parent directory
 *   E FILES DIRS BYTES HASH\n        the end
 *
 * MODE is octal, SIZE and the counts decimal, HASH 16 lowercase hex digits:
 * a file's is the XXH64 of its directory's path ("formats/sched/", "" at the
 * top), its F line and its bytes, so that a file is checked where it lands;
 * the end's is the XXH64 of every byte of the stream before the E line.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xtrace-remote.h"
#include "xtrace-local.h"

#define DS_MAGIC	"xtrace-dirstream 1"
#define DS_MAGIC_PREFIX	"xtrace-dirstream "
#define DS_TMP_PREFIX	".xtds."	/* a file being received; refused as a name */
#define DS_LINE_MAX	512		/* the longest record line, '\n' included */
#define DS_NAME_MAX	240
#define DS_DEPTH_MAX	16
#define DS_BUF_SIZE	(256 * 1024)

/* ----------------------------------------------------------------- XXH64 */

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static inline uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static inline uint64_t xxh_round(uint64_t acc, uint64_t in)
{
	acc += in * P2;
	acc = rotl64(acc, 31);
	return acc * P1;
}

static inline uint64_t xxh_merge(uint64_t acc, uint64_t v)
{
	acc ^= xxh_round(0, v);
	return acc * P1 + P4;
}

void xt_xxh64_init(struct xt_xxh64 *h, uint64_t seed)
{
	memset(h, 0, sizeof(*h));
	h->v[0] = seed + P1 + P2;
	h->v[1] = seed + P2;
	h->v[2] = seed;
	h->v[3] = seed - P1;
	h->seed = seed;
}

static const unsigned char *xxh_stripes(uint64_t *v, const unsigned char *p, size_t n)
{
	uint64_t v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];

	for (; n >= 32; n -= 32, p += 32) {
		v0 = xxh_round(v0, rd64(p));
		v1 = xxh_round(v1, rd64(p + 8));
		v2 = xxh_round(v2, rd64(p + 16));
		v3 = xxh_round(v3, rd64(p + 24));
	}
	v[0] = v0;
	v[1] = v1;
	v[2] = v2;
	v[3] = v3;
	return p;
}

void xt_xxh64_update(struct xt_xxh64 *h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	h->total += len;
	if (h->nmem + len < 32) {
		memcpy(h->mem + h->nmem, p, len);
		h->nmem += len;
		return;
	}
	if (h->nmem) {
		size_t take = 32 - h->nmem;

		memcpy(h->mem + h->nmem, p, take);
		xxh_stripes(h->v, h->mem, 32);
		p += take;
		len -= take;
		h->nmem = 0;
	}
	if (len >= 32) {
		const unsigned char *q = xxh_stripes(h->v, p, len);

		len -= q - p;
		p = q;
	}
	memcpy(h->mem, p, len);
	h->nmem = len;
}

uint64_t xt_xxh64_digest(const struct xt_xxh64 *h)
{
	const unsigned char *p = h->mem;
	size_t len = h->nmem;
	uint64_t r;

	if (h->total >= 32) {
		r = rotl64(h->v[0], 1) + rotl64(h->v[1], 7) + rotl64(h->v[2], 12) +
		    rotl64(h->v[3], 18);
		for (int i = 0; i < 4; i++)
			r = xxh_merge(r, h->v[i]);
	} else {
		r = h->seed + P5;
	}
	r += h->total;
	for (; len >= 8; len -= 8, p += 8) {
		r ^= xxh_round(0, rd64(p));
		r = rotl64(r, 27) * P1 + P4;
	}
	if (len >= 4) {
		r ^= (uint64_t)rd32(p) * P1;
		r = rotl64(r, 23) * P2 + P3;
		p += 4;
		len -= 4;
	}
	for (; len; len--, p++) {
		r ^= *p * P5;
		r = rotl64(r, 11) * P1;
	}
	r ^= r >> 33;
	r *= P2;
	r ^= r >> 29;
	r *= P3;
	r ^= r >> 32;
	return r;
}

uint64_t xt_xxh64(const void *buf, size_t len, uint64_t seed)
{
	struct xt_xxh64 h;

	xt_xxh64_init(&h, seed);
	xt_xxh64_update(&h, buf, len);
	return xt_xxh64_digest(&h);
}

/* A name the stream may carry: one path component, printable, not ours. */
static bool name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > DS_NAME_MAX || !strcmp(name, ".") || !strcmp(name, "..") ||
	    !strncmp(name, DS_TMP_PREFIX, strlen(DS_TMP_PREFIX)))
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* ---------------------------------------------------------------- writer */

struct ds_out {
	int fd;			/* -1: only list */
	char *buf;
	size_t len;
	struct xt_xxh64 all;
	struct xtrace_dirstream_stats st;
	char ***list;		/* what was sent, relative paths; directories end in '/' */
	size_t nr_list;
};

static int out_flush(struct ds_out *o)
{
	int ret = xt_write_all(o->fd, o->buf, o->len);

	o->len = 0;
	return ret;
}

/* Append a record line (hashed into the whole stream, and into @file if set). */
static int out_line(struct ds_out *o, struct xt_xxh64 *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int out_line(struct ds_out *o, struct xt_xxh64 *file, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->fd < 0)
		return 0;
	if (DS_BUF_SIZE - o->len < DS_LINE_MAX) {
		int ret = out_flush(o);

		if (ret)
			return ret;
	}
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, DS_LINE_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= DS_LINE_MAX)
		return -ENAMETOOLONG;
	xt_xxh64_update(&o->all, o->buf + o->len, n);
	if (file)
		xt_xxh64_update(file, o->buf + o->len, n);
	o->len += n;
	return 0;
}

static int listed(struct ds_out *o, const char *rel, const char *name, bool dir)
{
	char *s;

	if (!o->list)
		return 0;
	if (asprintf(&s, "%s%s%s", rel, name, dir ? "/" : "") < 0)
		return -ENOMEM;
	if (xt_strv_push(o->list, &o->nr_list, s)) {
		free(s);
		return -ENOMEM;
	}
	return 0;
}

static int send_file(struct ds_out *o, int dfd, const char *rel, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), ret;
	struct xt_xxh64 h;
	struct stat st;
	uint64_t left;

	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		xt_log(XTRACE_LOG_ERROR, "cannot read '%s%s': %s", rel, name, strerror(errno));
		goto out;
	}
	ret = listed(o, rel, name, false);
	if (ret || o->fd < 0)
		goto out;
	xt_xxh64_init(&h, 0);
	xt_xxh64_update(&h, rel, strlen(rel));
	/* the size is what the file holds now; what is written to it later is not sent */
	ret = out_line(o, &h, "F %o %" PRIu64 " %s\n", (unsigned int)(st.st_mode & 07777),
		       (uint64_t)st.st_size, name);
	for (left = st.st_size; !ret && left; ) {
		size_t room = DS_BUF_SIZE - o->len;
		ssize_t n;

		if (!room) {
			ret = out_flush(o);
			continue;
		}
		n = read(fd, o->buf + o->len, left < room ? left : room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* shorter than it was: the stream ends here, without its end record */
			ret = n < 0 ? -errno : -ENODATA;
			xt_log(XTRACE_LOG_ERROR, "cannot read '%s%s': %s", rel, name,
			       n < 0 ? strerror(errno) : "it shrank while being sent");
			break;
		}
		xt_xxh64_update(&h, o->buf + o->len, n);
		xt_xxh64_update(&o->all, o->buf + o->len, n);
		o->len += n;
		left -= n;
	}
	if (!ret)
		ret = out_line(o, NULL, "H %016" PRIx64 "\n", xt_xxh64_digest(&h));
	if (!ret) {
		o->st.files++;
		o->st.bytes += st.st_size;
	}
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in @dfd, sorted (so the same directory always gives the same stream). */
static int list_names(int dfd, char ***names, size_t *nr)
{
	int fd = dup(dfd);
	struct dirent *de;
	DIR *d;

	*names = NULL;
	*nr = 0;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(d))) {
		char *s;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		s = strdup(de->d_name);
		if (!s || xt_strv_push(names, nr, s)) {
			free(s);
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	if (errno)
		return -errno;
	if (*nr)
		qsort(*names, *nr, sizeof(**names), cmp_names);
	return 0;
}

static int send_dir(struct ds_out *o, int dfd, const char *rel, int depth)
{
	char **names;
	size_t nr;
	int ret = list_names(dfd, &names, &nr);

	if (ret)
		xt_log(XTRACE_LOG_ERROR, "cannot list '%s': %s", *rel ? rel : ".", strerror(-ret));
	for (size_t i = 0; !ret && i < nr; i++) {
		struct stat st;

		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW)) {
			ret = -errno;
			xt_log(XTRACE_LOG_ERROR, "cannot read '%s%s': %s", rel, names[i],
			       strerror(errno));
			break;
		}
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			continue;	/* as the SFTP fetch: regular files and directories */
		if (!name_ok(names[i]) || depth >= DS_DEPTH_MAX) {
			ret = -EINVAL;
			xt_log(XTRACE_LOG_ERROR, "'%s%s': %s", rel, names[i],
			       depth >= DS_DEPTH_MAX ? "too deep to send" :
			       "a name that cannot be sent");
			break;
		}
		if (S_ISREG(st.st_mode)) {
			ret = send_file(o, dfd, rel, names[i]);
		} else {
			int sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
			char *srel = NULL;

			if (sub < 0 || asprintf(&srel, "%s%s/", rel, names[i]) < 0) {
				ret = sub < 0 ? -errno : -ENOMEM;
				xt_log(XTRACE_LOG_ERROR, "cannot open '%s%s': %s", rel, names[i],
				       strerror(-ret));
				if (sub >= 0)
					close(sub);
				break;
			}
			ret = out_line(o, NULL, "D %o %s\n", (unsigned int)(st.st_mode & 07777),
				       names[i]);
			if (!ret)
				ret = listed(o, rel, names[i], true);
			if (!ret)
				ret = send_dir(o, sub, srel, depth + 1);
			if (!ret)
				ret = out_line(o, NULL, "U\n");
			if (!ret)
				o->st.dirs++;
			close(sub);
			free(srel);
		}
	}
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	return ret;
}

static int walk(const char *dir, struct ds_out *o)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (dfd < 0)
		return -errno;
	ret = send_dir(o, dfd, "", 0);
	close(dfd);
	return ret;
}

int xtrace_dirstream_write(const char *dir, int fd, struct xtrace_dirstream_stats *st,
			   char ***sent)
{
	struct ds_out o = { .fd = fd, .list = sent };
	int ret;

	if (sent)
		*sent = NULL;
	o.buf = malloc(DS_BUF_SIZE);
	if (!o.buf)
		return -ENOMEM;
	xt_xxh64_init(&o.all, 0);
	ret = out_line(&o, NULL, DS_MAGIC "\n");
	if (!ret)
		ret = walk(dir, &o);
	if (!ret) {
		uint64_t h = xt_xxh64_digest(&o.all);

		ret = out_line(&o, NULL, "E %" PRIu64 " %" PRIu64 " %" PRIu64 " %016" PRIx64 "\n",
			       o.st.files, o.st.dirs, o.st.bytes, h);
	}
	if (!ret)
		ret = out_flush(&o);
	free(o.buf);
	if (st)
		*st = o.st;
	if (ret && sent) {
		xtrace_strv_free(*sent);
		*sent = NULL;
	}
	return ret;
}

int xtrace_dirstream_remove(const char *dir, char *const *sent)
{
	struct ds_out o = { .fd = -1 };
	char **list = NULL;
	size_t n = 0;
	int dfd, ret = 0;

	if (!sent) {
		o.list = &list;
		ret = walk(dir, &o);
		if (ret) {
			xtrace_strv_free(list);
			return ret;
		}
		sent = list;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		goto out;
	}
	while (sent && sent[n])
		n++;
	/* a pre-order list backwards: each directory after what it holds */
	while (n--) {
		char *p = sent[n];
		size_t len = strlen(p);
		bool is_dir = len && p[len - 1] == '/';
		int r;

		if (is_dir)
			p[len - 1] = '\0';
		r = unlinkat(dfd, p, is_dir ? AT_REMOVEDIR : 0);
		if (is_dir)
			p[len - 1] = '/';
		if (r && errno != ENOENT && !ret) {
			ret = -errno;
			xt_log(XTRACE_LOG_ERROR, "cannot remove '%s/%s': %s", dir, p,
			       strerror(errno));
		}
	}
	close(dfd);
	if (rmdir(dir) && !ret) {
		ret = -errno;
		xt_log(XTRACE_LOG_ERROR, "cannot remove '%s': %s", dir, strerror(errno));
	}
out:
	xtrace_strv_free(list);
	return ret;
}

/* ---------------------------------------------------------------- reader */

enum ds_state { RD_MAGIC, RD_RECORD, RD_DATA, RD_HASH, RD_DONE, RD_FAILED };

struct xtrace_dirstream_reader {
	enum ds_state state;
	int err;			/* RD_FAILED: what feed returns */
	int dfd[DS_DEPTH_MAX + 1];	/* the directories entered, [0] the top */
	int depth;
	char line[DS_LINE_MAX];
	size_t llen;
	uint64_t received;
	struct xt_xxh64 all, file;
	/* the file being received */
	int fd;
	uint64_t size, left;
	unsigned int mode;
	char name[DS_NAME_MAX + 1];
	char tmp[DS_NAME_MAX + sizeof(DS_TMP_PREFIX)];
	char path[1024];		/* the directory entered, for messages: "a/b/" */
	struct xtrace_dirstream_stats st;
	char msg[1400];
};

static int fail(struct xtrace_dirstream_reader *rd, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct xtrace_dirstream_reader *rd, int err, const char *fmt, ...)
{
	va_list ap;

	if (rd->state == RD_FAILED)
		return rd->err;
	va_start(ap, fmt);
	vsnprintf(rd->msg, sizeof(rd->msg), fmt, ap);
	va_end(ap);
	if (rd->fd >= 0) {
		close(rd->fd);
		rd->fd = -1;
		unlinkat(rd->dfd[rd->depth], rd->tmp, 0);
	}
	rd->state = RD_FAILED;
	rd->err = err;
	return err;
}

struct xtrace_dirstream_reader *xtrace_dirstream_reader_new(const char *dir)
{
	struct xtrace_dirstream_reader *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return NULL;
	rd->fd = -1;
	rd->dfd[0] = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd->dfd[0] < 0) {
		int err = errno;

		free(rd);
		errno = err;
		return NULL;
	}
	xt_xxh64_init(&rd->all, 0);
	return rd;
}

void xtrace_dirstream_reader_free(struct xtrace_dirstream_reader *rd)
{
	if (!rd)
		return;
	if (rd->fd >= 0) {
		close(rd->fd);
		unlinkat(rd->dfd[rd->depth], rd->tmp, 0);
	}
	for (int i = 0; i <= rd->depth; i++)
		close(rd->dfd[i]);
	free(rd);
}

const char *xtrace_dirstream_reader_error(const struct xtrace_dirstream_reader *rd)
{
	return rd->state == RD_FAILED ? rd->msg : NULL;
}

void xtrace_dirstream_reader_stats(const struct xtrace_dirstream_reader *rd,
				   struct xtrace_dirstream_stats *st)
{
	*st = rd->st;
}

/* Strict numbers: digits only, no sign, no overflow. */
static const char *parse_num(const char *p, int base, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	const char *s = p;

	for (; *p >= '0' && *p < '0' + base; p++) {
		if (x > (max - (*p - '0')) / base)
			return NULL;
		x = x * base + (*p - '0');
	}
	if (p == s || (p - s > 1 && *s == '0'))
		return NULL;
	*v = x;
	return p;
}

static const char *parse_hash(const char *p, uint64_t *v)
{
	uint64_t x = 0;

	for (int i = 0; i < 16; i++, p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ?
			*p - 'a' + 10 : -1;

		if (d < 0)
			return NULL;
		x = x << 4 | d;
	}
	*v = x;
	return p;
}

/* "MODE NAME" or "MODE SIZE NAME" after a record's letter and space */
static int parse_entry(struct xtrace_dirstream_reader *rd, const char *p, bool file)
{
	uint64_t mode, size = 0;

	p = parse_num(p, 8, 07777, &mode);
	if (!p || *p++ != ' ')
		return -1;
	if (file) {
		p = parse_num(p, 10, INT64_MAX, &size);
		if (!p || *p++ != ' ')
			return -1;
	}
	if (!name_ok(p))
		return -2;
	rd->mode = mode;
	rd->size = size;
	snprintf(rd->name, sizeof(rd->name), "%s", p);
	return 0;
}

static int start_file(struct xtrace_dirstream_reader *rd)
{
	int dfd = rd->dfd[rd->depth];

	snprintf(rd->tmp, sizeof(rd->tmp), DS_TMP_PREFIX "%s", rd->name);
	rd->fd = openat(dfd, rd->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0600);
	if (rd->fd < 0)
		return fail(rd, -errno, "cannot create '%s%s': %s", rd->path, rd->tmp,
			    strerror(errno));
	rd->left = rd->size;
	rd->state = rd->left ? RD_DATA : RD_HASH;
	return 0;
}

static int end_file(struct xtrace_dirstream_reader *rd, uint64_t want)
{
	int dfd = rd->dfd[rd->depth], fd = rd->fd;

	if (xt_xxh64_digest(&rd->file) != want)
		return fail(rd, -EBADMSG, "'%s%s': checksum mismatch (damaged in transit)",
			    rd->path, rd->name);
	rd->fd = -1;
	if (fchmod(fd, rd->mode & 0777) || close(fd)) {
		int err = errno;

		unlinkat(dfd, rd->tmp, 0);
		return fail(rd, -err, "cannot write '%s%s': %s", rd->path, rd->name,
			    strerror(err));
	}
	/* whole and checked: only now does it get its name (never over another) */
	if (renameat2(dfd, rd->tmp, dfd, rd->name, RENAME_NOREPLACE)) {
		int err = errno;

		unlinkat(dfd, rd->tmp, 0);
		if (err == EEXIST)
			return fail(rd, -EBADMSG, "'%s%s' comes twice", rd->path, rd->name);
		return fail(rd, -err, "cannot rename '%s%s': %s", rd->path, rd->tmp,
			    strerror(err));
	}
	rd->st.files++;
	rd->st.bytes += rd->size;
	rd->state = RD_RECORD;
	return 0;
}

static int enter_dir(struct xtrace_dirstream_reader *rd)
{
	int dfd = rd->dfd[rd->depth], sub;
	size_t plen = strlen(rd->path);

	if (rd->depth >= DS_DEPTH_MAX)
		return fail(rd, -EBADMSG, "'%s%s': directories nested too deep", rd->path,
			    rd->name);
	if (mkdirat(dfd, rd->name, 0700)) {
		if (errno == EEXIST)
			return fail(rd, -EBADMSG, "'%s%s' comes twice", rd->path, rd->name);
		return fail(rd, -errno, "cannot create '%s%s': %s", rd->path, rd->name,
			    strerror(errno));
	}
	sub = openat(dfd, rd->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0 || fchmod(sub, (rd->mode & 0777) | 0700)) {
		int err = errno;

		if (sub >= 0)
			close(sub);
		return fail(rd, -err, "cannot create '%s%s': %s", rd->path, rd->name,
			    strerror(err));
	}
	if (plen + strlen(rd->name) + 2 > sizeof(rd->path)) {
		close(sub);
		return fail(rd, -EBADMSG, "'%s%s': path too long", rd->path, rd->name);
	}
	snprintf(rd->path + plen, sizeof(rd->path) - plen, "%s/", rd->name);
	rd->dfd[++rd->depth] = sub;
	rd->st.dirs++;
	return 0;
}

static void leave_dir(struct xtrace_dirstream_reader *rd)
{
	size_t plen = strlen(rd->path);

	close(rd->dfd[rd->depth--]);
	/* drop the last "name/" */
	if (plen)
		plen--;
	while (plen && rd->path[plen - 1] != '/')
		plen--;
	rd->path[plen] = '\0';
}

/* One record line, without its '\n'. */
static int do_line(struct xtrace_dirstream_reader *rd, char *line, size_t len)
{
	uint64_t files, dirs, bytes, h;
	const char *p;
	int r;

	if (memchr(line, '\0', len))
		return fail(rd, -EBADMSG, "a record holds a NUL byte");
	switch (rd->state) {
	case RD_MAGIC:
		if (strcmp(line, DS_MAGIC)) {
			if (!strncmp(line, DS_MAGIC_PREFIX, strlen(DS_MAGIC_PREFIX)))
				return fail(rd, -ENOTSUP, "directory stream version '%s', not 1 (update xtrace on both systems)",
					    line + strlen(DS_MAGIC_PREFIX));
			return fail(rd, -EBADMSG, "not an xtrace directory stream");
		}
		xt_xxh64_update(&rd->all, line, len);
		xt_xxh64_update(&rd->all, "\n", 1);
		rd->state = RD_RECORD;
		return 0;
	case RD_HASH:
		if (len != 18 || line[0] != 'H' || line[1] != ' ' || !parse_hash(line + 2, &h))
			return fail(rd, -EBADMSG, "'%s%s': no checksum after its bytes", rd->path,
				    rd->name);
		xt_xxh64_update(&rd->all, line, len);
		xt_xxh64_update(&rd->all, "\n", 1);
		return end_file(rd, h);
	case RD_RECORD:
		break;
	default:
		return fail(rd, -EINVAL, "internal error: a record line in state %d", rd->state);
	}
	if (line[0] == 'E' && line[1] == ' ') {
		p = parse_num(line + 2, 10, UINT64_MAX, &files);
		if (p && *p++ == ' ')
			p = parse_num(p, 10, UINT64_MAX, &dirs);
		else
			p = NULL;
		if (p && *p++ == ' ')
			p = parse_num(p, 10, UINT64_MAX, &bytes);
		else
			p = NULL;
		if (!p || *p++ != ' ' || !(p = parse_hash(p, &h)) || *p)
			return fail(rd, -EBADMSG, "a malformed end record");
		if (h != xt_xxh64_digest(&rd->all))
			return fail(rd, -EBADMSG, "checksum mismatch of the whole stream (damaged in transit)");
		if (rd->depth)
			return fail(rd, -EBADMSG, "the end record comes inside '%s'", rd->path);
		if (files != rd->st.files || dirs != rd->st.dirs || bytes != rd->st.bytes)
			return fail(rd, -EBADMSG, "the end record counts %" PRIu64 " files, %"
				    PRIu64 " directories, %" PRIu64 " bytes; the stream held %"
				    PRIu64 ", %" PRIu64 ", %" PRIu64, files, dirs, bytes,
				    rd->st.files, rd->st.dirs, rd->st.bytes);
		rd->state = RD_DONE;
		return 1;
	}
	xt_xxh64_update(&rd->all, line, len);
	xt_xxh64_update(&rd->all, "\n", 1);
	if (line[0] == 'U' && len == 1) {
		if (!rd->depth)
			return fail(rd, -EBADMSG, "'U' record at the top directory");
		leave_dir(rd);
		return 0;
	}
	if ((line[0] != 'F' && line[0] != 'D') || line[1] != ' ')
		return fail(rd, -EBADMSG, "an unknown record in '%s'", *rd->path ? rd->path : ".");
	r = parse_entry(rd, line + 2, line[0] == 'F');
	if (r == -2)
		return fail(rd, -EBADMSG, "an unsafe name in '%s': '%.64s'",
			    *rd->path ? rd->path : ".", line + 2);
	if (r)
		return fail(rd, -EBADMSG, "a malformed '%c' record in '%s'", line[0],
			    *rd->path ? rd->path : ".");
	if (line[0] == 'D')
		return enter_dir(rd);
	xt_xxh64_init(&rd->file, 0);
	xt_xxh64_update(&rd->file, rd->path, strlen(rd->path));
	xt_xxh64_update(&rd->file, line, len);
	xt_xxh64_update(&rd->file, "\n", 1);
	return start_file(rd);
}

int xtrace_dirstream_feed(struct xtrace_dirstream_reader *rd, const void *buf, size_t len)
{
	const char *p = buf;
	int ret = 0;

	if (rd->state == RD_FAILED)
		return rd->err;
	while (len) {
		if (rd->state == RD_DONE)
			return fail(rd, -EBADMSG, "bytes after the end record");
		if (rd->state == RD_DATA) {
			size_t n = len < rd->left ? len : rd->left;

			xt_xxh64_update(&rd->file, p, n);
			xt_xxh64_update(&rd->all, p, n);
			ret = xt_write_all(rd->fd, p, n);
			if (ret)
				return fail(rd, ret, "cannot write '%s%s': %s", rd->path, rd->name,
					    strerror(-ret));
			rd->received += n;
			rd->left -= n;
			p += n;
			len -= n;
			if (!rd->left)
				rd->state = RD_HASH;
			continue;
		}
		/* a record line */
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) : len;

		if (rd->llen + n >= DS_LINE_MAX)
			return fail(rd, -EBADMSG, "a record line longer than %d bytes",
				    DS_LINE_MAX - 1);
		memcpy(rd->line + rd->llen, p, n);
		rd->llen += n;
		rd->received += n + !!nl;
		p += n + !!nl;
		len -= n + !!nl;
		if (!nl)
			break;
		rd->line[rd->llen] = '\0';
		n = rd->llen;
		rd->llen = 0;
		ret = do_line(rd, rd->line, n);
		if (ret < 0)
			return ret;
	}
	if (ret == 1 && len)
		return fail(rd, -EBADMSG, "bytes after the end record");
	return rd->state == RD_DONE ? 1 : 0;
}

int xtrace_dirstream_reader_end(struct xtrace_dirstream_reader *rd)
{
	switch (rd->state) {
	case RD_DONE:
		return 0;
	case RD_FAILED:
		return rd->err;
	case RD_MAGIC:
		if (!rd->received)
			return fail(rd, -EBADMSG, "the stream is empty");
		return fail(rd, -EBADMSG, "not an xtrace directory stream (cut short)");
	case RD_DATA:
		return fail(rd, -EBADMSG, "cut short inside '%s%s' (%" PRIu64 " of %" PRIu64
			    " bytes)", rd->path, rd->name, rd->size - rd->left, rd->size);
	case RD_HASH:
		return fail(rd, -EBADMSG, "cut short after the bytes of '%s%s', before their checksum",
			    rd->path, rd->name);
	default:
		if (rd->llen)
			return fail(rd, -EBADMSG, "cut short inside a record");
		return fail(rd, -EBADMSG, "cut short before its end record (%" PRIu64 " files received)",
			    rd->st.files);
	}
}

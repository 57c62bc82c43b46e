// SPDX-License-Identifier: LGPL-2.1
/* Small helpers: logging, ID-sets, sizes, files. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "xtrace-local.h"

static xtrace_log_fn log_fn;
static void *log_ctx;

void xtrace_set_log(xtrace_log_fn fn, void *ctx)
{
	log_fn = fn;
	log_ctx = ctx;
}

void xt_log(enum xtrace_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(level, msg, log_ctx);
}

/* The tree's one ID-set grammar (xtrace_idset_parse()), into the recorder's CPU bitmap. */
int xtrace_cpuset_parse(const char *str, struct xtrace_cpuset *set)
{
	struct xtrace_idset *ids = xtrace_idset_new();
	int ret;

	memset(set, 0, sizeof(*set));
	if (!ids)
		return -ENOMEM;
	ret = xtrace_idset_parse(ids, str, NULL) ? -EINVAL : 0;
	xtrace_idset_for_each(id, ids) {
		if (ret)
			break;
		if (id >= XTRACE_MAX_CPUS)
			ret = -EINVAL;
		else
			xtrace_cpuset_add(set, id);
	}
	xtrace_idset_free(ids);
	if (ret)
		memset(set, 0, sizeof(*set));
	return ret;
}

int xtrace_cpuset_format(const struct xtrace_cpuset *set, char *buf, size_t len)
{
	size_t used = 0;
	int cpu = 0;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	while (cpu < XTRACE_MAX_CPUS) {
		int first, last, n;

		if (!xtrace_cpuset_has(set, cpu)) {
			cpu++;
			continue;
		}
		first = cpu;
		while (cpu + 1 < XTRACE_MAX_CPUS && xtrace_cpuset_has(set, cpu + 1))
			cpu++;
		last = cpu++;
		if (first == last)
			n = snprintf(buf + used, len - used, "%s%d", used ? "," : "", first);
		else
			n = snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", first,
				     last);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += n;
	}
	return used;
}

int xtrace_parse_size(const char *str, uint64_t unit, uint64_t *val)
{
	unsigned long long v;
	uint64_t mult = unit;
	char *end;

	if (!str || *str < '0' || *str > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(str, &end, 10);
	if (errno)
		return -ERANGE;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1ULL << 10;
		end++;
		break;
	case 'm': case 'M':
		mult = 1ULL << 20;
		end++;
		break;
	case 'g': case 'G':
		mult = 1ULL << 30;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end)
		return -EINVAL;
	if (mult && v > UINT64_MAX / mult)
		return -ERANGE;
	*val = v * mult;
	return 0;
}

void xtrace_strv_free(char **strv)
{
	if (!strv)
		return;
	for (char **s = strv; *s; s++)
		free(*s);
	free(strv);
}

int xt_strv_push(char ***strv, size_t *n, char *s)
{
	char **v = realloc(*strv, (*n + 2) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	v[(*n)++] = s;
	v[*n] = NULL;
	*strv = v;
	return 0;
}

/*
 * The @n IDs of @ids separated by single spaces, in a new string (free it), however many
 * there are; NULL (errno ENOMEM) if it cannot be allocated.
 */
char *xt_join_ids(const int *ids, size_t n)
{
	size_t len = 0;
	char *s = NULL;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? " " : "", ids[i]);
	if (fclose(f)) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

char *xt_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

int xt_read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *b = NULL;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (!b || used + 1 >= cap) {
			char *nb = realloc(b, cap *= 2);

			if (!nb) {
				ret = -ENOMEM;
				goto fail;
			}
			b = nb;
		}
		r = read(fd, b + used, cap - used - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto fail;
		}
		if (!r)
			break;
		used += r;
	}
	close(fd);
	b[used] = '\0';
	*buf = b;
	if (len)
		*len = used;
	return 0;
fail:
	free(b);
	close(fd);
	return ret;
}

int xt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= w;
	}
	return 0;
}

int xt_write_file(const char *path, const void *buf, size_t len)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = xt_write_all(fd, buf, len);
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int xt_write_file_atomic(const char *path, const void *buf, size_t len)
{
	char *tmp;
	int fd, ret;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = xt_write_all(fd, buf, len);
	if (!ret && fdatasync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
out:
	free(tmp);
	return ret;
}

int xt_mkdir_p(const char *path, mode_t mode)
{
	char *p = strdup(path);
	int ret = 0;

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) && errno != EEXIST) {
			ret = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

int xt_zstd_file_write(const char *path, const void *buf, size_t len, int level)
{
	size_t cap = ZSTD_compressBound(len), clen;
	void *out = malloc(cap);
	int ret;

	if (!out)
		return -ENOMEM;
	clen = ZSTD_compress(out, cap, buf, len, level);
	if (ZSTD_isError(clen))
		ret = -EIO;
	else
		ret = xt_write_file(path, out, clen);
	free(out);
	return ret;
}

int xt_zstd_file_read(const char *path, char **buf, size_t *len)
{
	unsigned long long size;
	char *in, *out;
	size_t inlen, got;
	int ret;

	ret = xt_read_file(path, &in, &inlen);
	if (ret)
		return ret;
	size = ZSTD_getFrameContentSize(in, inlen);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
	    size > (1ULL << 32)) {
		free(in);
		return -EBADMSG;
	}
	out = malloc(size + 1);
	if (!out) {
		free(in);
		return -ENOMEM;
	}
	got = ZSTD_decompress(out, size, in, inlen);
	free(in);
	if (ZSTD_isError(got) || got != size) {
		free(out);
		return -EBADMSG;
	}
	out[got] = '\0';
	*buf = out;
	if (len)
		*len = got;
	return 0;
}

/* cpuN.xtd: event data, which the merge copies frame by frame */
static bool is_event_data(const char *name)
{
	int cpu, n = 0;

	return sscanf(name, "cpu%d.xtd%n", &cpu, &n) == 1 && n && !name[n];
}

/*
 * Copy the tree @src into @dst (made if missing): directories and regular files, links and
 * the rest skipped; with @skip_event_data, not the cpuN.xtd files at its top (the merge
 * copies those frame by frame).
 */
int xt_copy_tree(const char *src, const char *dst, bool skip_event_data)
{
	struct dirent *de;
	DIR *d = opendir(src);
	int ret = 0;

	if (!d)
		return -errno;
	if (mkdir(dst, 0755) && errno != EEXIST) {
		closedir(d);
		return -errno;
	}
	while (!ret && (de = readdir(d))) {
		char *s, *t;
		struct stat st;

		if (de->d_name[0] == '.' || (skip_event_data && is_event_data(de->d_name)))
			continue;
		s = xt_path(src, de->d_name);
		t = xt_path(dst, de->d_name);
		if (!s || !t)
			ret = -ENOMEM;
		else if (lstat(s, &st))
			ret = -errno;
		else if (S_ISDIR(st.st_mode))
			ret = xt_copy_tree(s, t, false);
		else if (S_ISREG(st.st_mode))
			ret = xt_copy_file(s, t);
		free(s);
		free(t);
	}
	closedir(d);
	return ret;
}

int xt_make_outdir(const char *dir, bool *made)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret;

	*made = false;
	if (!d) {
		if (errno != ENOENT) {
			ret = -errno;
			xt_log(XTRACE_LOG_ERROR, "cannot use '%s': %s", dir, strerror(errno));
			return ret;
		}
		ret = xt_mkdir_p(dir, 0755);
		if (ret)
			xt_log(XTRACE_LOG_ERROR, "cannot create '%s': %s", dir, strerror(-ret));
		*made = !ret;
		return ret;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			closedir(d);
			xt_log(XTRACE_LOG_ERROR, "'%s' exists and is not empty: will not overwrite it (remove it or choose another -o)",
			       dir);
			return -EEXIST;
		}
	}
	closedir(d);
	return 0;
}

int xt_copy_file(const char *src, const char *dst)
{
	char *buf;
	size_t len;
	int ret = xt_read_file(src, &buf, &len);

	if (ret)
		return ret;
	ret = xt_write_file(dst, buf, len);
	free(buf);
	return ret;
}

int xtrace_format_ns(char *buf, size_t len, int64_t ns)
{
	uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	if (a < 1000)
		return snprintf(buf, len, "%lld ns", (long long)ns);
	if (a < 1000000)
		return snprintf(buf, len, "%.1f us", ns / 1e3);
	if (a < 1000000000)
		return snprintf(buf, len, "%.1f ms", ns / 1e6);
	return snprintf(buf, len, "%.1f s", ns / 1e9);
}

int xtrace_format_utc(char *buf, size_t len, int64_t ns)
{
	time_t sec = ns / 1000000000LL;
	long frac = ns % 1000000000LL;
	struct tm tm;
	char d[40];

	if (frac < 0) {
		frac += 1000000000L;
		sec--;
	}
	if (!gmtime_r(&sec, &tm))
		return snprintf(buf, len, "%lld", (long long)ns);
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	return snprintf(buf, len, "%s.%09ld", d, frac);
}

int xtrace_parse_duration(const char *str, int64_t *ns)
{
	static const struct { const char *unit; int64_t mult; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
		{ "", 1000000000 },
	};
	const char *p = str;
	__int128 v = 0, frac = 0;
	int digits = 0, scale = 0;
	bool neg = false;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		v = v * 10 + (*p - '0');
		if (v > INT64_MAX)
			return -ERANGE;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (scale < 9) {
				frac = frac * 10 + (*p - '0');
				scale++;
			}
		}
	}
	if (!digits)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		__int128 t;

		if (strcmp(p, units[i].unit))
			continue;
		/* the number in billionths, times the unit, in ns */
		for (int k = scale; k < 9; k++)
			frac *= 10;
		t = (v * 1000000000 + frac) * units[i].mult / 1000000000;
		if (t > INT64_MAX)
			return -ERANGE;
		*ns = neg ? -(int64_t)t : (int64_t)t;
		return 0;
	}
	return -EINVAL;
}

// SPDX-License-Identifier: LGPL-2.1
/* Diagnostics, small string helpers and file reading shared by libkvmrt. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

char *kvmrt_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *kvmrt_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

char *kvmrt_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

void kvmrt_diag_add(struct kvmrt_diags *d, enum kvmrt_level level, const char *file, int line,
		    const char *vm, const char *attr, const char *fmt, ...)
{
	struct kvmrt_diag *v, *n;
	va_list ap;

	v = realloc(d->v, (d->n + 1) * sizeof(*v));
	if (!v)
		return;
	d->v = v;
	n = &v[d->n];
	memset(n, 0, sizeof(*n));
	n->level = level;
	n->file = kvmrt_strdup(file);
	n->line = line;
	n->vm = kvmrt_strdup(vm);
	n->attr = kvmrt_strdup(attr);
	va_start(ap, fmt);
	if (vasprintf(&n->msg, fmt, ap) < 0)
		n->msg = NULL;
	va_end(ap);
	d->n++;
	if (level == KVMRT_ERROR)
		d->errors++;
	else
		d->warnings++;
}

char *kvmrt_diag_format(const struct kvmrt_diag *d)
{
	struct sbuf b = { 0 };

	if (d->file && d->line)
		sb_printf(&b, "%s:%d: ", d->file, d->line);
	else if (d->file)
		sb_printf(&b, "%s: ", d->file);
	sb_puts(&b, d->level == KVMRT_ERROR ? "error: " : "warning: ");
	if (d->vm)
		sb_printf(&b, "VM '%s': ", d->vm);
	if (d->attr)
		sb_printf(&b, "%s: ", d->attr);
	sb_puts(&b, d->msg ? d->msg : "(no memory)");
	return sb_steal(&b);
}

void kvmrt_diags_release(struct kvmrt_diags *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].vm);
		free(d->v[i].attr);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const struct kvmrt_diag *kvmrt_diags_find(const struct kvmrt_diags *d, enum kvmrt_level level,
					  const char *needle)
{
	for (int i = 0; i < d->n; i++)
		if (d->v[i].level == level && d->v[i].msg && strstr(d->v[i].msg, needle))
			return &d->v[i];
	return NULL;
}

char *kvmrt_read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *s = malloc(cap), *t;
	int fd, err;
	ssize_t r;

	if (!s)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	for (;;) {
		if (n + 1 >= cap) {
			t = realloc(s, cap * 2);
			if (!t) {
				errno = ENOMEM;
				goto fail;
			}
			s = t;
			cap *= 2;
		}
		r = read(fd, s + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	s[n] = '\0';
	if (len)
		*len = n;
	return s;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	free(s);
	errno = err;
	return NULL;
}

int kvmrt_read_line_at(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	char *nl;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		int err = ferror(f) ? -EIO : -ENODATA;

		fclose(f);
		return err;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	memmove(buf, kvmrt_trim(buf), strlen(kvmrt_trim(buf)) + 1);
	return 0;
}

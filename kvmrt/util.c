// SPDX-License-Identifier: LGPL-2.1
/* Buffers, diagnostics and file reading shared by libkvmrt. */
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

static void buf_vprintf(struct kvmrt_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->oom)
		return;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *s = realloc(b->s, cap);

		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	vsnprintf(b->s + b->len, n + 1, fmt, ap);
	b->len += n;
}

void buf_printf(struct kvmrt_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_puts(struct kvmrt_buf *b, const char *s)
{
	buf_printf(b, "%s", s);
}

char *buf_steal(struct kvmrt_buf *b)
{
	char *s = b->s;

	if (b->oom || !s) {
		free(s);
		s = b->oom ? NULL : strdup("");
		if (!s)
			errno = ENOMEM;
	}
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = false;
	return s;
}

void buf_release(struct kvmrt_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

char *strtrim(char *s)
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
	n->file = xstrdup(file);
	n->line = line;
	n->vm = xstrdup(vm);
	n->attr = xstrdup(attr);
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
	struct kvmrt_buf b = { 0 };

	if (d->file && d->line)
		buf_printf(&b, "%s:%d: ", d->file, d->line);
	else if (d->file)
		buf_printf(&b, "%s: ", d->file);
	buf_puts(&b, d->level == KVMRT_ERROR ? "error: " : "warning: ");
	if (d->vm)
		buf_printf(&b, "VM '%s': ", d->vm);
	if (d->attr)
		buf_printf(&b, "%s: ", d->attr);
	buf_puts(&b, d->msg ? d->msg : "(no memory)");
	return buf_steal(&b);
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
	memmove(buf, strtrim(buf), strlen(strtrim(buf)) + 1);
	return 0;
}

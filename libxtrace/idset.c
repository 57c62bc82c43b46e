// SPDX-License-Identifier: LGPL-2.1
/* ID-sets: sets of CPU or NUMA node numbers, written "0,2,4-7,12-15". */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xtrace-local.h"
#include "sbuf.h"

struct xtrace_idset *xtrace_idset_new(void)
{
	return calloc(1, sizeof(struct xtrace_idset));
}

void xtrace_idset_free(struct xtrace_idset *s)
{
	if (!s)
		return;
	free(s->w);
	free(s);
}

static int grow(struct xtrace_idset *s, unsigned int nw)
{
	uint64_t *w;

	if (nw <= s->nw)
		return 0;
	w = realloc(s->w, nw * sizeof(*w));
	if (!w)
		return -ENOMEM;
	memset(w + s->nw, 0, (nw - s->nw) * sizeof(*w));
	s->w = w;
	s->nw = nw;
	return 0;
}

struct xtrace_idset *xtrace_idset_dup(const struct xtrace_idset *s)
{
	struct xtrace_idset *d = xtrace_idset_new();

	if (d && s && xtrace_idset_or(d, s) < 0) {
		xtrace_idset_free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

int xtrace_idset_add(struct xtrace_idset *s, unsigned int id)
{
	if (id > XTRACE_MAX_ID)
		return -ERANGE;
	if (grow(s, id / 64 + 1))
		return -ENOMEM;
	s->w[id / 64] |= 1ULL << (id % 64);
	return 0;
}

void xtrace_idset_del(struct xtrace_idset *s, unsigned int id)
{
	if (id / 64 < s->nw)
		s->w[id / 64] &= ~(1ULL << (id % 64));
}

bool xtrace_idset_has(const struct xtrace_idset *s, unsigned int id)
{
	return s && id / 64 < s->nw && (s->w[id / 64] >> (id % 64)) & 1;
}

void xtrace_idset_clear(struct xtrace_idset *s)
{
	if (s->w)
		memset(s->w, 0, s->nw * sizeof(*s->w));
}

unsigned int xtrace_idset_count(const struct xtrace_idset *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; s && i < s->nw; i++)
		n += __builtin_popcountll(s->w[i]);
	return n;
}

bool xtrace_idset_empty(const struct xtrace_idset *s)
{
	return xtrace_idset_next(s, 0) < 0;
}

int xtrace_idset_next(const struct xtrace_idset *s, int from)
{
	unsigned int i;
	uint64_t w;

	if (!s || from < 0 || (unsigned int)from / 64 >= s->nw)
		return -1;
	i = from / 64;
	w = s->w[i] & (~0ULL << (from % 64));
	for (;;) {
		if (w)
			return i * 64 + __builtin_ctzll(w);
		if (++i >= s->nw)
			return -1;
		w = s->w[i];
	}
}

int xtrace_idset_nth(const struct xtrace_idset *s, unsigned int n)
{
	xtrace_idset_for_each(id, s)
		if (n-- == 0)
			return id;
	return -1;
}

int xtrace_idset_or(struct xtrace_idset *a, const struct xtrace_idset *b)
{
	if (!b)
		return 0;
	if (grow(a, b->nw))
		return -ENOMEM;
	for (unsigned int i = 0; i < b->nw; i++)
		a->w[i] |= b->w[i];
	return 0;
}

void xtrace_idset_and(struct xtrace_idset *a, const struct xtrace_idset *b)
{
	for (unsigned int i = 0; i < a->nw; i++)
		a->w[i] &= b && i < b->nw ? b->w[i] : 0;
}

void xtrace_idset_andnot(struct xtrace_idset *a, const struct xtrace_idset *b)
{
	for (unsigned int i = 0; b && i < a->nw && i < b->nw; i++)
		a->w[i] &= ~b->w[i];
}

bool xtrace_idset_subset(const struct xtrace_idset *a, const struct xtrace_idset *of)
{
	for (unsigned int i = 0; a && i < a->nw; i++) {
		uint64_t o = of && i < of->nw ? of->w[i] : 0;

		if (a->w[i] & ~o)
			return false;
	}
	return true;
}

bool xtrace_idset_equal(const struct xtrace_idset *a, const struct xtrace_idset *b)
{
	return xtrace_idset_subset(a, b) && xtrace_idset_subset(b, a);
}

bool xtrace_idset_intersects(const struct xtrace_idset *a, const struct xtrace_idset *b)
{
	for (unsigned int i = 0; a && b && i < a->nw && i < b->nw; i++)
		if (a->w[i] & b->w[i])
			return true;
	return false;
}

static const char *skip_blanks(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

/* A decimal number at *p (no sign), advancing *p. */
static int parse_id(const char **p, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s - '0');
		if (v > XTRACE_MAX_ID)
			return -ERANGE;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int xtrace_idset_parse(struct xtrace_idset *set, const char *str, const char **bad)
{
	const char *p = skip_blanks(str);
	unsigned long lo, hi;
	int ret;

	xtrace_idset_clear(set);
	if (!*p)
		return 0;
	for (;;) {
		const char *item;

		p = skip_blanks(p);
		item = p;
		ret = parse_id(&p, &lo);
		if (ret)
			goto bad;
		hi = lo;
		p = skip_blanks(p);
		if (*p == '-') {
			p = skip_blanks(p + 1);
			ret = parse_id(&p, &hi);
			if (ret)
				goto bad;
			if (hi < lo) {
				p = item;
				ret = -EINVAL;
				goto bad;
			}
			p = skip_blanks(p);
		}
		for (unsigned long id = lo; id <= hi; id++)
			if (xtrace_idset_add(set, id))
				return -ENOMEM;
		if (!*p)
			return 0;
		if (*p != ',') {
			ret = -EINVAL;
			goto bad;
		}
		p++;
	}
bad:
	if (bad)
		*bad = p;
	xtrace_idset_clear(set);
	return ret;
}

char *xtrace_idset_format(const struct xtrace_idset *s)
{
	struct sbuf b = { 0 };
	int id = xtrace_idset_next(s, 0);

	sb_puts(&b, "");
	while (id >= 0) {
		int end = id;

		while (xtrace_idset_has(s, end + 1))
			end++;
		if (end == id)
			sb_printf(&b, "%s%d", b.len ? "," : "", id);
		else
			sb_printf(&b, "%s%d-%d", b.len ? "," : "", id, end);
		id = xtrace_idset_next(s, end + 1);
	}
	return sb_steal(&b);
}

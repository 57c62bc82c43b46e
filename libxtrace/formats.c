// SPDX-License-Identifier: LGPL-2.1
/*
 * The kernel's event formats of a recording (formats/header_page and
 * formats/SYSTEM/EVENT) into its tep_handle, safely. The text comes from the
 * recording, and libtraceevent's parser (1.7.1) is not written for hostile
 * text: a damaged "print fmt" or field line can make tep_parse_event() read
 * through a NULL pointer or loop. So every format is first parsed in a child
 * process, each into a handle of its own, and only the ones it survived are
 * parsed here. The child also checks that every field of the event lies within
 * the largest record a sub-buffer holds, so that whoever reads fields can rely
 * on offset + size <= page_size (stream.c keeps that much zeroed after the
 * sub-buffers); an event with a field beyond is not loaded, and its records
 * show as unknown events. An event loaded whose print format divides by what
 * may be zero is marked failed: libtraceevent prints it as raw fields.
 *
 * One fork for all the formats: the child reports a verdict per format on a
 * pipe; if it dies or stops answering, the format it was at is skipped and a
 * new child goes on with the next one.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <event-parse.h>

#include "reader.h"

/* libtraceevent parses a format in microseconds: a child that stops answering is stuck */
#define CHECK_TIMEOUT_MS	2000	/* per format */
#define CHECK_BUDGET_MS		10000	/* for all: the formats not checked by then are skipped */

/* in a build with a sanitizer: libFuzzer's death callback would take the child's for its own */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

enum verdict {
	FMT_UNKNOWN,
	FMT_OK = 'y',		/* parses, its fields fit */
	FMT_PARSE_ERROR = 'p',	/* libtraceevent refuses it (safely: it is parsed again here) */
	FMT_TOO_BIG = 'f',	/* a field does not fit in a record */
	FMT_CRASH = 'c',	/* the parser died or hung on it */
};

/* A handle set up like @rec's (layout, byte order) for a trial parse. */
static struct tep_handle *trial_tep(const struct xtrace_rec *rec)
{
	struct tep_handle *tep = tep_alloc();

	if (!tep)
		return NULL;
	tep_set_long_size(tep, rec->meta.long_size);
	tep_set_page_size(tep, rec->meta.page_size);
	tep_set_file_bigendian(tep, rec->meta.big_endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
				TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	return tep;
}

static bool fields_fit(const struct tep_format_field *f, int room)
{
	for (; f; f = f->next) {
		if (f->offset < 0 || f->size < 0 || f->offset > room || f->size > room - f->offset)
			return false;
		/* an array's elements are within it (libtraceevent prints them one by one) */
		if (f->arraylen && f->elementsize &&
		    f->arraylen > (unsigned int)f->size / f->elementsize)
			return false;
	}
	return true;
}

/* The verdict on one event format, parsed into a handle of its own (in the child). */
static enum verdict check_format(const struct xtrace_rec *rec, const struct xt_fmt *f)
{
	int room = rec->meta.page_size - 8 - rec->meta.long_size;
	struct tep_handle *tep = trial_tep(rec);
	struct tep_event *ev = NULL;
	enum verdict v;

	if (!tep)
		return FMT_PARSE_ERROR;
	if (tep_parse_format(tep, &ev, f->buf, f->len, f->sys) || !ev)
		v = FMT_PARSE_ERROR;
	else if (!fields_fit(ev->format.common_fields, room) ||
		 !fields_fit(ev->format.fields, room))
		v = FMT_TOO_BIG;
	else
		v = FMT_OK;
	tep_free(tep);
	return v;
}

static bool write_byte(int fd, char c)
{
	ssize_t n;

	while ((n = write(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return n == 1;
}

/*
 * The child: a verdict byte per format from @from on, then 'E'. Index -1 is the header page
 * ('y' or 'p'). Its messages would repeat the parent's: standard error goes to /dev/null.
 */
static __attribute__((noreturn)) void child(const struct xtrace_rec *rec, const struct xt_fmt *hp,
					    const struct xt_fmt *f, int nr, int from, int fd)
{
	static const int deadly[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP };
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	/* a crash here is an answer: it must not run the program's handlers */
	for (size_t i = 0; i < ARRAY_SIZE(deadly); i++)
		signal(deadly[i], SIG_DFL);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(NULL);
	if (null >= 0)
		dup2(null, STDERR_FILENO);
	for (int i = from; i < nr; i++) {
		enum verdict v;

		if (i < 0) {
			struct tep_handle *tep = trial_tep(rec);
			int ls = rec->meta.long_size;

			v = tep && !tep_parse_header_page(tep, hp->buf, hp->len, ls) ? FMT_OK :
			    FMT_PARSE_ERROR;
			tep_free(tep);
		} else {
			v = check_format(rec, &f[i]);
		}
		if (!write_byte(fd, (char)v))
			_exit(1);
	}
	write_byte(fd, 'E');
	_exit(0);
}

/* One byte from @fd within @ms: 1, 0 at the end (or a timeout), -errno. */
static int read_byte(int fd, char *c, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -errno;
	if (!r)
		return 0;
	while ((n = read(fd, c, 1)) < 0 && errno == EINTR)
		;
	return n < 0 ? -errno : (int)n;
}

/* A positive integer constant of a print format (a divisor that cannot be zero). */
static bool positive_atom(const struct tep_print_arg *a)
{
	unsigned long long v;
	char *end;

	while (a->type == TEP_PRINT_TYPE && a->typecast.item)
		a = a->typecast.item;		/* (u64)1000 */
	if (a->type != TEP_PRINT_ATOM || !a->atom.atom || !isdigit((unsigned char)*a->atom.atom))
		return false;
	errno = 0;
	v = strtoull(a->atom.atom, &end, 0);
	end += strspn(end, "uUlL");		/* 1000UL */
	return !errno && v && !*end;
}

/* The print arguments under @a (at most 3): the nodes a walk of its tree visits next. */
static void arg_kids(const struct tep_print_arg *a, const struct tep_print_arg *kids[3])
{
	kids[0] = kids[1] = kids[2] = NULL;
	switch (a->type) {
	case TEP_PRINT_OP:
		kids[0] = a->op.left;
		kids[1] = a->op.right;
		break;
	case TEP_PRINT_TYPE:
		kids[0] = a->typecast.item;
		break;
	case TEP_PRINT_FLAGS:
		kids[0] = a->flags.field;
		break;
	case TEP_PRINT_SYMBOL:
		kids[0] = a->symbol.field;
		break;
	case TEP_PRINT_HEX:
	case TEP_PRINT_HEX_STR:
		kids[0] = a->hex.field;
		kids[1] = a->hex.size;
		break;
	case TEP_PRINT_INT_ARRAY:
		kids[0] = a->int_array.field;
		kids[1] = a->int_array.count;
		kids[2] = a->int_array.el_size;
		break;
	case TEP_PRINT_FUNC:
		kids[0] = a->func.args;
		break;
	case TEP_PRINT_DYNAMIC_ARRAY:
		kids[0] = a->dynarray.index;
		break;
	default:
		break;
	}
}

/*
 * Whether the print format's arguments @a (a list) divide, or take a remainder, by anything
 * but a positive constant: libtraceevent evaluates the division when it prints an event, and a
 * divisor of 0 from the record (or from a field the event lacks) is SIGFPE. The kernel's
 * formats divide by constants only.
 */
static bool divides_unsafely(const struct tep_print_arg *a, int depth)
{
	for (; a; a = a->next) {
		const struct tep_print_arg *kids[3];

		if (depth > 64)
			return true;
		if (a->type == TEP_PRINT_OP && a->op.op &&
		    (!strcmp(a->op.op, "/") || !strcmp(a->op.op, "%")) &&
		    (!a->op.right || !positive_atom(a->op.right)))
			return true;
		arg_kids(a, kids);
		for (int i = 0; i < 3; i++)
			if (kids[i] && divides_unsafely(kids[i], depth + 1))
				return true;
	}
	return false;
}

/* Act on the verdict on format @i (in order): parse it into rec->tep, or say why not. */
static void load_one(struct xtrace_rec *rec, struct xt_fmt *f, int *loaded)
{
	struct tep_event *ev = NULL;

	switch (f->verdict) {
	case FMT_TOO_BIG:
		xt_log(XTRACE_LOG_WARNING, "'%s': format '%s' has a field beyond the largest record (%d bytes): its events are not decoded",
		       rec->dir, f->path,
		       rec->meta.page_size - 8 - rec->meta.long_size);
		return;
	case FMT_CRASH:
		xt_log(XTRACE_LOG_WARNING, "'%s': format '%s' is damaged (libtraceevent's parser fails on it): its events are not decoded",
		       rec->dir, f->path);
		return;
	case FMT_UNKNOWN:
		xt_log(XTRACE_LOG_WARNING, "'%s': format '%s' was not checked in time (the parser is stuck on these formats): its events are not decoded",
		       rec->dir,
		       f->path);
		return;
	case FMT_OK:
	case FMT_PARSE_ERROR:
		break;
	}
	if (tep_parse_format(rec->tep, &ev, f->buf, f->len, f->sys) || !ev) {
		xt_log(XTRACE_LOG_WARNING, "'%s': cannot parse format '%s'", rec->dir, f->path);
		return;
	}
	(*loaded)++;
	/* libtraceevent prints a failed event as its name and raw fields */
	if (divides_unsafely(ev->print_fmt.args, 0)) {
		ev->flags |= TEP_EVENT_FL_FAILED;
		xt_log(XTRACE_LOG_WARNING, "'%s': format '%s' divides by what may be zero: its events are printed as raw fields",
		       rec->dir, f->path);
	}
}

/*
 * The header page (@hp, index -1), then the @nr formats @f: each checked by a child, and
 * parsed here as soon as its verdict is in (the child checks the next one meanwhile). Returns
 * the number of event formats loaded, -EBADMSG if the header page is damaged, or -errno if no
 * child can be made.
 */
static int load_all(struct xtrace_rec *rec, const struct xt_fmt *hp, struct xt_fmt *f, int nr)
{
	int64_t deadline = xtrace_now_ns(CLOCK_MONOTONIC) / 1000000 + CHECK_BUDGET_MS;
	int from = -1, loaded = 0;

	while (from < nr && xtrace_now_ns(CLOCK_MONOTONIC) / 1000000 < deadline) {
		int fds[2], ret = 0, status;
		bool done = false;
		pid_t pid;
		char c;

		if (pipe2(fds, O_CLOEXEC))
			return -errno;
		pid = fork();
		if (pid < 0) {
			ret = -errno;
			close(fds[0]);
			close(fds[1]);
			return ret;
		}
		if (!pid) {
			close(fds[0]);
			child(rec, hp, f, nr, from, fds[1]);
		}
		close(fds[1]);
		while (!done && (ret = read_byte(fds[0], &c, CHECK_TIMEOUT_MS)) > 0 &&
		       xtrace_now_ns(CLOCK_MONOTONIC) / 1000000 < deadline) {
			if (c == 'E' || from >= nr) {
				done = true;
			} else if (from < 0) {
				if (c != FMT_OK || tep_parse_header_page(rec->tep, hp->buf, hp->len,
									 rec->meta.long_size))
					ret = -EBADMSG;
				from++;
			} else {
				f[from].verdict = (enum verdict)c;
				load_one(rec, &f[from++], &loaded);
			}
			if (ret < 0)
				break;
		}
		close(fds[0]);
		if (!done)
			kill(pid, SIGKILL);	/* stuck, gone already, or no longer wanted */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (ret < 0)
			return ret;
		if (done)
			break;
		/* it died, or stopped answering, at @from: skip that one */
		if (from < 0)
			return -EBADMSG;
		f[from].verdict = FMT_CRASH;
		load_one(rec, &f[from++], &loaded);
	}
	while (from < nr)
		load_one(rec, &f[from++], &loaded);	/* out of time: skipped */
	return loaded;
}

void xt_fmts_free(struct xt_fmt *f, int nr)
{
	for (int i = 0; i < nr; i++) {
		free(f[i].path);
		free(f[i].sys);
		free(f[i].buf);
	}
	free(f);
}

/* Every formats/SYSTEM/EVENT file, in directory order (the order they are parsed in). */
static int read_fmts(const char *fdir, struct xt_fmt **out, int *nr)
{
	struct dirent *sde;
	struct xt_fmt *f = NULL;
	int n = 0, cap = 0, ret = 0;
	DIR *sd = opendir(fdir);

	if (!sd)
		return -errno;
	while (!ret && (sde = readdir(sd))) {
		struct dirent *ede;
		char *sys;
		DIR *ed;

		if (sde->d_name[0] == '.' || !strncmp(sde->d_name, "header_", 7))
			continue;
		sys = xt_path(fdir, sde->d_name);
		if (!sys) {
			ret = -ENOMEM;
			break;
		}
		ed = opendir(sys);
		while (!ret && ed && (ede = readdir(ed))) {
			struct xt_fmt *g;
			char *p;

			if (ede->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				g = realloc(f, cap * sizeof(*f));
				if (!g) {
					ret = -ENOMEM;
					break;
				}
				f = g;
			}
			g = &f[n];
			memset(g, 0, sizeof(*g));
			p = xt_path(sys, ede->d_name);
			if (!p || xt_read_file(p, &g->buf, &g->len)) {
				free(p);
				continue;
			}
			g->path = p;
			g->sys = strdup(sde->d_name);
			n++;
			if (!g->sys)
				ret = -ENOMEM;
		}
		if (ed)
			closedir(ed);
		free(sys);
	}
	closedir(sd);
	if (ret) {
		xt_fmts_free(f, n);
		return ret;
	}
	*out = f;
	*nr = n;
	return 0;
}

int xt_load_formats_list(struct xtrace_rec *rec, struct xt_fmt *hp, struct xt_fmt *f, int nr)
{
	int ret = load_all(rec, hp, f, nr);

	return ret ? ret : -EBADMSG;	/* 0: not one event format */
}

int xt_load_formats(struct xtrace_rec *rec)
{
	char *fdir = xt_path(rec->dir, XT_FORMATS_DIR);
	struct xt_fmt hp = { 0 }, *f = NULL;
	int ret, nr = 0;

	if (!fdir)
		return -ENOMEM;
	hp.path = xt_path(fdir, "header_page");
	ret = hp.path ? xt_read_file(hp.path, &hp.buf, &hp.len) : -ENOMEM;
	if (!ret)
		ret = read_fmts(fdir, &f, &nr);
	if (!ret)
		ret = xt_load_formats_list(rec, &hp, f, nr);
	xt_fmts_free(f, nr);
	free(hp.path);
	free(hp.buf);
	free(fdir);
	return ret < 0 ? ret : 0;
}

const void *xtrace_field_data(const struct tep_format_field *field,
			      const struct tep_record *record, unsigned int *len)
{
	unsigned int size, off, n;

	if (!field || !record || !record->data || record->size < 0 || field->offset < 0 ||
	    field->size < 0)
		return NULL;
	size = record->size;
	off = field->offset;
	n = field->size;
	if (off > size || n > size - off)
		return NULL;
	if (field->flags & TEP_FIELD_IS_DYNAMIC) {
		/* __data_loc: a 16-bit offset (from the field's end: __rel_loc), a 16-bit length */
		unsigned long long loc;

		if (n != 4 || !field->event)
			return NULL;
		loc = tep_read_number(field->event->tep, (const char *)record->data + off, 4);
		if (field->flags & TEP_FIELD_IS_RELATIVE)
			off += 4;
		else
			off = 0;
		off += loc & 0xffff;
		n = (loc >> 16) & 0xffff;
		if (off > size || n > size - off)
			return NULL;
	}
	if (len)
		*len = n;
	return (const char *)record->data + off;
}

/* The value of print argument @a for record @r, if it is a number the record holds. */
static bool arg_value(const struct tep_event *ev, const struct tep_print_arg *a,
		      const struct tep_record *r, int depth, unsigned long long *v)
{
	const struct tep_format_field *f;
	unsigned long long l, rt;
	const void *p;
	unsigned int len;
	char *end;

	if (!a || depth > 64)
		return false;
	switch (a->type) {
	case TEP_PRINT_ATOM:
		if (!a->atom.atom)
			return false;
		errno = 0;
		*v = strtoull(a->atom.atom, &end, 0);
		end += strspn(end, "uUlL");
		return !errno && end != a->atom.atom && !*end;
	case TEP_PRINT_TYPE:
		return arg_value(ev, a->typecast.item, r, depth + 1, v);
	case TEP_PRINT_FIELD:
		f = a->field.field ? a->field.field :
		    tep_find_any_field((struct tep_event *)ev, a->field.name);
		p = f ? xtrace_field_data(f, r, &len) : NULL;
		if (!p || (f->flags & TEP_FIELD_IS_DYNAMIC) ||
		    (len != 1 && len != 2 && len != 4 && len != 8))
			return false;
		*v = tep_read_number(ev->tep, p, len);
		return true;
	case TEP_PRINT_DYNAMIC_ARRAY_LEN:
		if (!a->dynarray.field || !xtrace_field_data(a->dynarray.field, r, &len))
			return false;
		*v = len;
		return true;
	case TEP_PRINT_OP:
		if (!a->op.op || !arg_value(ev, a->op.left, r, depth + 1, &l) ||
		    !arg_value(ev, a->op.right, r, depth + 1, &rt))
			return false;
		switch (a->op.op[0] | (a->op.op[0] ? a->op.op[1] << 8 : 0)) {
		case '+':
			*v = l + rt < l ? ~0ULL : l + rt;
			return true;
		case '-':
			*v = l - rt;
			return true;
		case '*':
			*v = rt && l > ~0ULL / rt ? ~0ULL : l * rt;
			return true;
		case '&':
			*v = l & rt;
			return true;
		case '|':
			*v = l | rt;
			return true;
		case '>' | '>' << 8:
			*v = rt > 63 ? 0 : l >> rt;
			return true;
		default:
			return false;
		}
	default:
		return false;
	}
}

/* The bytes of record @r that print argument @a (the data of __print_hex, __print_array) gives. */
static bool arg_bytes(const struct tep_event *ev, const struct tep_print_arg *a,
		      const struct tep_record *r, unsigned long long *avail)
{
	const struct tep_format_field *f = NULL;
	unsigned int len;

	while (a && a->type == TEP_PRINT_TYPE)
		a = a->typecast.item;
	if (!a)
		return false;
	if (a->type == TEP_PRINT_FIELD)
		f = a->field.field ? a->field.field :
		    tep_find_any_field((struct tep_event *)ev, a->field.name);
	else if (a->type == TEP_PRINT_DYNAMIC_ARRAY)
		f = a->dynarray.field;
	if (!f || !xtrace_field_data(f, r, &len))
		return false;
	*avail = len;
	return true;
}

static bool lengths_fit(const struct tep_event *ev, const struct tep_print_arg *a,
			const struct tep_record *r, int depth)
{
	for (; a; a = a->next) {
		const struct tep_print_arg *kids[3];
		unsigned long long n, el, avail;

		if (depth > 64)
			return false;
		switch (a->type) {
		case TEP_PRINT_HEX:
		case TEP_PRINT_HEX_STR:
			if (!arg_bytes(ev, a->hex.field, r, &avail) ||
			    !arg_value(ev, a->hex.size, r, 0, &n) || n > avail)
				return false;
			break;
		case TEP_PRINT_INT_ARRAY:
			if (!arg_bytes(ev, a->int_array.field, r, &avail) ||
			    !arg_value(ev, a->int_array.count, r, 0, &n) ||
			    !arg_value(ev, a->int_array.el_size, r, 0, &el) ||
			    (el && n > avail / el))
				return false;
			break;
		default:
			break;
		}
		arg_kids(a, kids);
		for (int i = 0; i < 3; i++)
			if (kids[i] && !lengths_fit(ev, kids[i], r, depth + 1))
				return false;
	}
	return true;
}

bool xtrace_event_printable(const struct tep_event *event, const struct tep_record *record)
{
	if (!event || !record || !record->data || record->size < 0)
		return false;
	if (event->flags & TEP_EVENT_FL_FAILED)
		return true;	/* printed as raw fields */
	return lengths_fit(event, event->print_fmt.args, record, 0);
}

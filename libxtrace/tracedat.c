// SPDX-License-Identifier: LGPL-2.1
/*
 * trace-cmd's trace.dat files (versions 6 and 7, docs/tracedat.md) as a second
 * input format behind the reader's streams: a file is one recording (struct
 * xtrace_rec with ->tdat set), each CPU of each of its buffers (the top one
 * and the -B instances) one stream. Its metadata comes from its header,
 * options and sections; its formats go through formats.c's checked loading;
 * its per-CPU data, raw ftrace sub-buffers as in our own files, is handed to
 * stream.c a chunk at a time (compressed chunks of zstd or zlib, or runs of
 * pages of an uncompressed file), where kbuffer reads them as usual.
 *
 * Times are converted as `trace-cmd report` converts them: a guest file's
 * TIME_SHIFT samples (to the host's clock), TSC2NSEC's multiplier and shift,
 * then the DATE (microseconds) and OFFSET (nanoseconds) options added. A file
 * with a DATE option has times of day; without one its times are its trace
 * clock's (meta.timestamp "clock"), or raw counts of a clock that is not in
 * nanoseconds ("tsc").
 *
 * The file is untrusted input: every size, offset and count is checked against
 * the file or the section that holds it; what cannot be read is named (a
 * warning through xt_log()) and the rest is read.
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <kbuffer.h>
#include <zlib.h>
#include <zstd.h>

#include "reader.h"
#include "sbuf.h"

#define TDAT_MAGIC		"\x17\x08\x44tracing"
#define TDAT_MAGIC_LEN		10
#define SECTION_MAX		(256u << 20)	/* the largest metadata section read */
/*
 * The largest chunk read, in sub-buffers: trace-cmd writes 10 a chunk (PAGES_IN_CHUNK); a
 * stream holds one chunk at a time, so this bounds its memory whatever a file claims.
 */
#define CHUNK_PAGES_MAX		16
#define RUN_BYTES		(1u << 20)	/* read at once from an uncompressed file */
#define ZLIB_MAX_RATIO		1100		/* deflate: at most ~1032 bytes out per byte in */

enum tdat_option {
	OPT_DONE, OPT_DATE, OPT_CPUSTAT, OPT_BUFFER, OPT_TRACECLOCK, OPT_UNAME, OPT_HOOK,
	OPT_OFFSET, OPT_CPUCOUNT, OPT_VERSION, OPT_PROCMAPS, OPT_TRACEID, OPT_TIME_SHIFT,
	OPT_GUEST, OPT_TSC2NSEC,
	OPT_HEADER_INFO = 16, OPT_FTRACE_EVENTS, OPT_EVENT_FORMATS, OPT_KALLSYMS, OPT_PRINTK,
	OPT_CMDLINES, OPT_BUFFER_TEXT,
	NR_SECTION_OPTS = 6,
};

enum tdat_comp { COMP_NONE, COMP_ZSTD, COMP_ZLIB };

struct tdat_cpu {
	int cpu;
	uint64_t off, size;
};

struct tdat_buf {
	char *name;			/* "" for the top buffer */
	char *clock;
	uint64_t offset;		/* v6: its flyrecord header; v7: its section */
	bool compressed;
	int nr_cpus;
	struct tdat_cpu *cpus;
};

struct tdat_sample {
	int64_t time, offset;
	uint64_t scaling, fraction;
};

struct tdat_shift {
	int n;
	struct tdat_sample *s;
};

struct tdat_guest {
	char name[64];
	uint64_t trace_id;
	int nr_vcpus;
	int *pid;			/* per vCPU: the host thread that runs it */
};

struct xt_tdat {
	char *path;
	int fd;
	off_t size;
	int version;
	bool big;
	int file_long_size, page_size;
	enum tdat_comp comp;
	int nr_cpus;			/* the header's (v6), CPUCOUNT's */
	uint64_t sec_off[NR_SECTION_OPTS];	/* v7: HEADER_INFO .. CMDLINES */
	struct tdat_buf *bufs;
	int nr_bufs;
	struct tdat_cpu *streams;	/* every buffer's CPUs with data, in order */
	int *stream_buf;
	int nr_streams;
	/* time */
	int64_t ts_offset;		/* DATE (in ns) + OFFSET + a linked host's DATE */
	bool has_date;
	uint32_t mult, shift;		/* TSC2NSEC */
	uint64_t trace_id, peer_id;
	bool has_trace_id;
	uint32_t shift_flags;
	int nr_shift;
	struct tdat_shift *shifts;	/* TIME_SHIFT, per guest CPU */
	struct tdat_guest *guests;
	int nr_guests;
	char *clock;			/* the top buffer's trace clock */
	char *uname, *tool;
	bool options_only;		/* xt_tdat_vms(): no formats, no messages */
	unsigned int damage;		/* places found damaged while opening */
	unsigned int unknown_opts;
};

#define TSYNC_FLAG_INTERPOLATE	0x1

/* ------------------------------------------------------------ numbers */

static uint64_t rd(const struct xt_tdat *t, const void *p, int n)
{
	return xt_get_uint(p, n, t->big);
}

static void note(struct xt_tdat *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Damage found while opening: named, counted (the view's exit status says it). */
static void note(struct xt_tdat *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	t->damage++;
	if (t->options_only)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xt_log(XTRACE_LOG_WARNING, "'%s': %s", t->path, msg);
}

/*
 * A cursor over bytes: a metadata section in memory (@mem), or the file itself from @off (v6's
 * header). Reads past @end set @bad and give zeros.
 */
struct cur {
	struct xt_tdat *t;
	const char *mem;
	uint64_t off, end;
	bool bad;
};

static bool get(struct cur *c, void *buf, uint64_t n)
{
	if (c->bad || n > c->end || c->off > c->end - n) {
		c->bad = true;
		memset(buf, 0, n < 8 ? n : 8);
		return false;
	}
	if (c->mem)
		memcpy(buf, c->mem + c->off, n);
	else if (xt_read_at(c->t->fd, buf, n, (off_t)c->off)) {
		c->bad = true;
		return false;
	}
	c->off += n;
	return true;
}

static uint64_t getn(struct cur *c, int n)
{
	char b[8];

	if (!get(c, b, n))
		return 0;
	return rd(c->t, b, n);
}

/* @n bytes as a NUL-terminated copy (free it), or NULL */
static char *getbytes(struct cur *c, uint64_t n)
{
	char *s;

	if (c->bad || n > c->end || c->off > c->end - n) {
		c->bad = true;
		return NULL;
	}
	s = malloc(n + 1);
	if (!s)
		return NULL;
	if (!get(c, s, n)) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	return s;
}

/* a NUL-terminated string (of at most 4 KiB) at the cursor: a copy, or NULL */
static char *getstr(struct cur *c)
{
	char buf[4096];
	size_t n = 0;

	while (n < sizeof(buf)) {
		if (!get(c, buf + n, 1))
			return NULL;
		if (!buf[n])
			return strdup(buf);
		n++;
	}
	c->bad = true;
	return NULL;
}

/* ---------------------------------------------------------- decompression */

/*
 * @in (@inlen bytes) into exactly @outlen bytes at @out: 0, or -EBADMSG (-ENOMEM). A stream
 * gives its frame reader's zstd context in @dctx (made at the first chunk, freed with the
 * reader): ZSTD_decompress() would make and free one for every chunk.
 */
static int inflate_block(const struct xt_tdat *t, ZSTD_DCtx **dctx, const void *in, size_t inlen,
			 void *out, size_t outlen)
{
	if (t->comp == COMP_ZSTD) {
		size_t got;

		if (dctx && !*dctx && !(*dctx = ZSTD_createDCtx()))
			return -ENOMEM;
		got = dctx ? ZSTD_decompressDCtx(*dctx, out, outlen, in, inlen) :
		      ZSTD_decompress(out, outlen, in, inlen);
		return !ZSTD_isError(got) && got == outlen ? 0 : -EBADMSG;
	}
	if (t->comp == COMP_ZLIB) {
		uLongf got = outlen;

		return uncompress(out, &got, in, inlen) == Z_OK && got == outlen ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}

/* whether @in compressed bytes can hold @out bytes, and no compressor made more of them */
static bool ratio_ok(const struct xt_tdat *t, uint64_t in, uint64_t out)
{
	if (out < (1u << 30) && in > ZSTD_compressBound(out) + compressBound(out))
		return false;
	return out / (t->comp == COMP_ZLIB ? ZLIB_MAX_RATIO : XT_ZSTD_MAX_RATIO) <= in;
}

/*
 * A v7 section at @off: its header checked (id @id), its data into memory (decompressed if
 * flagged): a cursor over it, whose mem the caller frees. 0, -EBADMSG, -ENOMEM.
 */
static int section_open(struct xt_tdat *t, uint64_t off, int id, struct cur *out,
			const char *what)
{
	struct cur c = { .t = t, .off = off, .end = t->size };
	uint16_t sid, flags;
	uint64_t size;
	char *data;

	sid = getn(&c, 2);
	flags = getn(&c, 2);
	getn(&c, 4);
	size = getn(&c, 8);
	if (c.bad || sid != id || size > (uint64_t)t->size - c.off) {
		note(t, "the %s section at byte %llu is missing or damaged", what,
		     (unsigned long long)off);
		return -EBADMSG;
	}
	*out = (struct cur){ .t = t };
	if (flags & 1) {
		uint32_t csize = getn(&c, 4), usize = getn(&c, 4);
		char *z;

		if (c.bad || size < 8 || csize > size - 8 || usize > SECTION_MAX ||
		    !ratio_ok(t, csize, usize) || t->comp == COMP_NONE) {
			note(t, "the %s section is damaged (its compressed sizes)", what);
			return -EBADMSG;
		}
		z = getbytes(&c, csize);
		data = malloc(usize ? usize : 1);
		if (!z || !data) {
			free(z);
			free(data);
			return c.bad ? -EBADMSG : -ENOMEM;
		}
		if (inflate_block(t, NULL, z, csize, data, usize)) {
			free(z);
			free(data);
			note(t, "the %s section does not decompress", what);
			return -EBADMSG;
		}
		free(z);
		out->end = usize;
	} else {
		if (size > SECTION_MAX) {
			note(t, "the %s section is too large (%llu bytes)", what,
			     (unsigned long long)size);
			return -EBADMSG;
		}
		data = getbytes(&c, size);
		if (!data)
			return c.bad ? -EBADMSG : -ENOMEM;
		out->end = size;
	}
	out->mem = data;
	return 0;
}

/* *@p of at least @want bytes, its contents not kept: 0, or -ENOMEM */
static int grow(void **p, size_t *cap, size_t want)
{
	if (want <= *cap && *p)
		return 0;
	free(*p);
	*p = malloc(want ? want : 1);
	*cap = *p ? want : 0;
	return *p ? 0 : -ENOMEM;
}

/* Room for @bytes of pages (and the slack of zeros after them) in fr->out. */
static int out_room(struct xt_frame_reader *fr, size_t bytes)
{
	if (bytes + fr->slack > fr->ocap || !fr->out) {
		if (grow(&fr->out, &fr->ocap, bytes + fr->slack))
			return -ENOMEM;
		fr->dirty = fr->ocap;
	}
	return 0;
}

/*
 * The compressed chunk at fr->off (its sizes, 4 bytes each, then its data) into fr->out: 1 and
 * its *@len bytes; 0 if it is damaged and skipped (fr->off past it); -EBADMSG if the stream
 * ends inside it; -ENOMEM, -EIO. *@why names what is wrong.
 */
static int load_chunk(const struct xt_tdat *t, struct xt_frame_reader *fr, size_t *len,
		      const char **why)
{
	size_t ps = t->page_size;
	uint32_t csize, usize;
	char hdr[8];
	int ret;

	if (fr->size - fr->off < 8 || xt_read_at(fr->fd, hdr, 8, fr->off)) {
		*why = "truncated: the last compressed chunk's header is incomplete";
		return -EBADMSG;
	}
	csize = rd(t, hdr, 4);
	usize = rd(t, hdr + 4, 4);
	if ((uint64_t)(fr->size - fr->off - 8) < csize) {
		*why = "truncated: the last compressed chunk is incomplete";
		return -EBADMSG;
	}
	fr->off += 8 + csize;
	if (usize > CHUNK_PAGES_MAX * ps || usize < ps || !ratio_ok(t, csize, usize)) {
		*why = "corrupt compressed chunk skipped (its sizes)";
		return 0;
	}
	*why = "read error";
	if (out_room(fr, usize) || grow(&fr->zbuf, &fr->zcap, csize))
		return -ENOMEM;
	if (xt_read_at(fr->fd, fr->zbuf, csize, fr->off - csize))
		return -EIO;
	ret = inflate_block(t, &fr->dctx, fr->zbuf, csize, fr->out, usize);
	/* what it wrote, whole or not, is zeroed after the pages it holds (out_done()) */
	if (fr->dirty < usize)
		fr->dirty = usize;
	if (ret) {
		*why = "corrupt compressed chunk skipped (it does not decompress)";
		return ret == -ENOMEM ? ret : 0;
	}
	*len = usize;
	return 1;
}

/* -------------------------------------------------------------- options */

static int parse_buffer_option(struct xt_tdat *t, struct cur *c)
{
	struct tdat_buf *b = realloc(t->bufs, (t->nr_bufs + 1) * sizeof(*b));
	uint64_t off;

	if (!b)
		return -ENOMEM;
	t->bufs = b;
	b = &t->bufs[t->nr_bufs];
	memset(b, 0, sizeof(*b));
	off = getn(c, 8);
	b->name = getstr(c);
	if (t->version >= 7 && b->name) {
		uint32_t page_size, n;

		b->clock = getstr(c);
		page_size = getn(c, 4);
		n = getn(c, 4);
		if (!c->bad && page_size != (uint32_t)t->page_size) {
			note(t, "buffer '%s': sub-buffers of %u bytes, not the file's %d: not read",
			     b->name, page_size, t->page_size);
			n = 0;
		}
		/* each CPU takes 20 bytes of the option */
		if (n > (c->end - c->off) / 20) {
			c->bad = true;
			n = 0;
		}
		b->cpus = calloc(n ? n : 1, sizeof(*b->cpus));
		if (!b->cpus) {
			free(b->name);
			free(b->clock);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < n && !c->bad; i++) {
			b->cpus[i].cpu = (int)getn(c, 4);
			b->cpus[i].off = getn(c, 8);
			b->cpus[i].size = getn(c, 8);
			b->nr_cpus++;
		}
	}
	if (!b->name || c->bad) {
		note(t, "a BUFFER option is damaged: that buffer is not read");
		free(b->name);
		free(b->clock);
		free(b->cpus);
		return 0;
	}
	b->offset = off;
	t->nr_bufs++;
	return 0;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct tdat_sample *x = a, *y = b;

	return (x->time > y->time) - (x->time < y->time);
}

/* TIME_SHIFT (a guest's file): per guest CPU, samples of the offset to the host's clock */
static int parse_time_shift(struct xt_tdat *t, struct cur *c)
{
	uint32_t n;

	t->peer_id = getn(c, 8);
	t->shift_flags = getn(c, 4);
	n = getn(c, 4);
	if (c->bad || n > 4096) {
		note(t, "the TIME_SHIFT option is damaged: guest times are not moved to the host's clock");
		return 0;
	}
	t->shifts = calloc(n ? n : 1, sizeof(*t->shifts));
	if (!t->shifts)
		return -ENOMEM;
	t->nr_shift = n;
	for (uint32_t i = 0; i < n && !c->bad; i++) {
		struct tdat_shift *sh = &t->shifts[i];
		uint32_t k = getn(c, 4);

		if (k > (c->end - c->off) / 24) {
			c->bad = true;
			break;
		}
		sh->s = calloc(k ? k : 1, sizeof(*sh->s));
		if (!sh->s)
			return -ENOMEM;
		sh->n = k;
		for (uint32_t j = 0; j < k; j++)
			sh->s[j].time = (int64_t)getn(c, 8);
		for (uint32_t j = 0; j < k; j++)
			sh->s[j].offset = (int64_t)getn(c, 8);
		for (uint32_t j = 0; j < k; j++)
			sh->s[j].scaling = getn(c, 8);
	}
	if (c->bad) {
		note(t, "the TIME_SHIFT option is damaged: guest times are not moved to the host's clock");
		t->nr_shift = 0;
		return 0;
	}
	/* the fraction bits, per CPU, when present (later trace-cmd versions) */
	for (int i = 0; i < t->nr_shift && c->off < c->end; i++)
		for (int j = 0; j < t->shifts[i].n; j++)
			t->shifts[i].s[j].fraction = getn(c, 8);
	if (c->bad) {
		note(t, "the TIME_SHIFT option's scaling fractions are damaged: read as 0");
		for (int i = 0; i < t->nr_shift; i++)
			for (int j = 0; j < t->shifts[i].n; j++)
				t->shifts[i].s[j].fraction = 0;
	}
	for (int i = 0; i < t->nr_shift; i++) {
		struct tdat_shift *sh = &t->shifts[i];
		int k = 0;

		qsort(sh->s, sh->n, sizeof(*sh->s), cmp_sample);
		for (int j = 0; j < sh->n; j++) {
			if (sh->s[j].fraction >= 64) {
				note(t, "the TIME_SHIFT option has a scaling fraction of %llu bits: read as 0",
				     (unsigned long long)sh->s[j].fraction);
				sh->s[j].fraction = 0;
			}
			if (!k || sh->s[j].time != sh->s[k - 1].time)
				sh->s[k++] = sh->s[j];
		}
		sh->n = k;
	}
	return 0;
}

static int parse_guest(struct xt_tdat *t, struct cur *c)
{
	struct tdat_guest *g = realloc(t->guests, (t->nr_guests + 1) * sizeof(*g));
	char *name;
	uint32_t n;

	if (!g)
		return -ENOMEM;
	t->guests = g;
	g = &t->guests[t->nr_guests];
	memset(g, 0, sizeof(*g));
	name = getstr(c);
	g->trace_id = getn(c, 8);
	n = getn(c, 4);
	if (!name || c->bad || n > (c->end - c->off) / 8) {
		free(name);
		note(t, "a GUEST option is damaged: that guest is not named");
		return 0;
	}
	snprintf(g->name, sizeof(g->name), "%s", name);
	free(name);
	for (char *p = g->name; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			*p = '_';
	g->pid = calloc(n ? n : 1, sizeof(*g->pid));
	if (!g->pid)
		return -ENOMEM;
	g->nr_vcpus = n;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t cpu = getn(c, 4), pid = getn(c, 4);

		if (cpu < n)
			g->pid[cpu] = (int)pid;
	}
	t->nr_guests++;
	return 0;
}

/* "[local] global counter": the bracketed one */
static char *current_clock(const char *s)
{
	const char *a = strchr(s, '['), *b = a ? strchr(a, ']') : NULL;

	if (!a || !b)
		return NULL;
	return strndup(a + 1, b - a - 1);
}

/* CPUSTAT: the kernel's per_cpu/cpuN/stats; its overrun and dropped counts */
static void parse_cpustat(struct xtrace_rec *rec, const char *s)
{
	const char *p;
	int cpu;

	if (sscanf(s, "CPU: %d", &cpu) != 1 || cpu < 0 || cpu >= rec->meta.nr_cpus)
		return;
	p = strstr(s, "\noverrun:");
	if (p)
		rec->meta.cpu[cpu].overrun = strtoull(p + 9, NULL, 10);
	p = strstr(s, "\ndropped events:");
	if (p)
		rec->meta.cpu[cpu].dropped = strtoull(p + 16, NULL, 10);
}

/*
 * One options list (v6: to its id 0; v7: a section's, to DONE): what it says into @t. CPUSTAT
 * texts are kept in @stats (the CPU count is known only at the end). v7's DONE gives the next
 * options section in *@next (0: none).
 */
static int parse_options(struct xt_tdat *t, struct cur *c, char ***stats, size_t *nr_stats,
			 uint64_t *next)
{
	int ret = 0;

	*next = 0;
	while (!ret) {
		struct cur o;
		uint16_t id;
		uint32_t size;
		char *data;

		if (c->off == c->end && t->version >= 7)
			break;
		id = getn(c, 2);
		if (c->bad) {
			note(t, "the options end early (the file is truncated or damaged)");
			break;
		}
		if (id == OPT_DONE && t->version < 7)
			break;
		size = getn(c, 4);
		data = c->bad ? NULL : getbytes(c, size);
		if (!data) {
			if (!c->bad)
				return -ENOMEM;
			note(t, "option %u claims %u bytes that are not there: the options end here",
			     id, size);
			break;
		}
		o = (struct cur){ .t = t, .mem = data, .end = size };
		switch (id) {
		case OPT_DONE:
			*next = getn(&o, 8);
			free(data);
			return 0;
		case OPT_DATE:
		case OPT_OFFSET: {
			char *end;
			long long v;

			errno = 0;
			v = strtoll(data, &end, 0);
			if (errno || end == data) {
				note(t, "option %s '%.40s' is not a number: ignored",
				     id == OPT_DATE ? "DATE" : "OFFSET", data);
				break;
			}
			if (id == OPT_DATE) {
				/* microseconds */
				if (__builtin_mul_overflow(v, 1000LL, &v))
					v = v < 0 ? INT64_MIN : INT64_MAX;
				t->has_date = true;
			}
			t->ts_offset = xtrace_time_add(t->ts_offset, v);
			break;
		}
		case OPT_CPUSTAT:
			if (xt_strv_push(stats, nr_stats, data))
				ret = -ENOMEM;
			else
				data = NULL;
			break;
		case OPT_BUFFER:
			ret = parse_buffer_option(t, &o);
			break;
		case OPT_BUFFER_TEXT:
			if (!t->options_only)
				xt_log(XTRACE_LOG_WARNING, "'%s': a latency-tracer buffer (text) is not read",
				       t->path);
			break;
		case OPT_TRACECLOCK:
			free(t->clock);
			t->clock = current_clock(data);
			break;
		case OPT_UNAME:
			free(t->uname);
			t->uname = data;
			data = NULL;
			break;
		case OPT_VERSION:
			free(t->tool);
			if (asprintf(&t->tool, "trace-cmd %.64s", data) < 0)
				t->tool = NULL;
			break;
		case OPT_CPUCOUNT: {
			uint32_t n = getn(&o, 4);

			if (!o.bad && n > 0 && n <= XTRACE_MAX_CPUS)
				t->nr_cpus = (int)n;
			break;
		}
		case OPT_TRACEID:
			t->trace_id = getn(&o, 8);
			t->has_trace_id = !o.bad;
			break;
		case OPT_TIME_SHIFT:
			ret = parse_time_shift(t, &o);
			break;
		case OPT_GUEST:
			ret = parse_guest(t, &o);
			break;
		case OPT_TSC2NSEC:
			t->mult = getn(&o, 4);
			t->shift = getn(&o, 4);
			if (o.bad || t->shift >= 64) {
				note(t, "the TSC2NSEC option is damaged: times are raw counts");
				t->mult = t->shift = 0;
			}
			break;
		case OPT_HEADER_INFO:
		case OPT_FTRACE_EVENTS:
		case OPT_EVENT_FORMATS:
		case OPT_KALLSYMS:
		case OPT_PRINTK:
		case OPT_CMDLINES:
			t->sec_off[id - OPT_HEADER_INFO] = getn(&o, 8);
			break;
		case OPT_HOOK:
		case OPT_PROCMAPS:
			break;
		default:
			/* later versions' options: nothing we need */
			if (!(t->unknown_opts++) && !t->options_only)
				xt_log(XTRACE_LOG_INFO, "'%s': option %u not known: skipped",
				       t->path, id);
			break;
		}
		free(data);
	}
	return ret;
}

/* ------------------------------------------------------------- sections */

/* The header page and header event (v6 inline, v7 the HEADER_INFO section) */
static int read_headers(struct cur *c, struct xt_fmt *hp)
{
	char tag[13];
	uint64_t n;

	if (!get(c, tag, 12) || memcmp(tag, "header_page", 12))
		return -EBADMSG;
	n = getn(c, 8);
	hp->buf = getbytes(c, n);
	if (!hp->buf)
		return c->bad ? -EBADMSG : -ENOMEM;
	hp->len = n;
	if (!get(c, tag, 13) || memcmp(tag, "header_event", 13))
		return -EBADMSG;
	n = getn(c, 8);
	if (n > c->end || c->off > c->end - n)
		return -EBADMSG;
	c->off += n;
	return 0;
}

static int add_fmt(struct xt_fmt **f, int *nr, const char *sys, char *buf, uint64_t len)
{
	struct xt_fmt *g = realloc(*f, (*nr + 1) * sizeof(**f));

	if (!g) {
		free(buf);
		return -ENOMEM;
	}
	*f = g;
	g = &g[*nr];
	memset(g, 0, sizeof(*g));
	g->buf = buf;
	g->len = len;
	g->sys = strdup(sys);
	if (asprintf(&g->path, "%s/#%d", sys, *nr) < 0)
		g->path = NULL;
	(*nr)++;
	return g->sys && g->path ? 0 : -ENOMEM;
}

/* @count formats of system @sys: each a size (8 bytes) and the text */
static int read_fmt_list(struct cur *c, const char *sys, struct xt_fmt **f, int *nr)
{
	uint32_t count = getn(c, 4);

	for (uint32_t i = 0; i < count && !c->bad; i++) {
		uint64_t len = getn(c, 8);
		char *buf = getbytes(c, len);
		int ret;

		if (!buf)
			return c->bad ? -EBADMSG : -ENOMEM;
		ret = add_fmt(f, nr, sys, buf, len);
		if (ret)
			return ret;
	}
	return c->bad ? -EBADMSG : 0;
}

static int read_event_systems(struct cur *c, struct xt_fmt **f, int *nr)
{
	uint32_t systems = getn(c, 4);

	for (uint32_t i = 0; i < systems && !c->bad; i++) {
		char *sys = getstr(c);
		int ret;

		if (!sys)
			return c->bad ? -EBADMSG : -ENOMEM;
		ret = read_fmt_list(c, sys, f, nr);
		free(sys);
		if (ret)
			return ret;
	}
	return c->bad ? -EBADMSG : 0;
}

static void parse_cmdlines(struct xtrace_rec *rec, char *buf)
{
	char *save, *line;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int pid, n = 0;

		if (sscanf(line, "%d %n", &pid, &n) == 1 && n && line[n] && pid >= 0)
			tep_register_comm(rec->tep, line + n, pid);
	}
}

/* v7: the section of option HEADER_INFO + @k, read through @fn */
static int v7_section(struct xt_tdat *t, int k, struct cur *c, const char *what)
{
	if (!t->sec_off[k]) {
		note(t, "no %s section", what);
		return -EBADMSG;
	}
	return section_open(t, t->sec_off[k], OPT_HEADER_INFO + k, c, what);
}

/* ------------------------------------------------------------ the file */

static int tdat_set_layout(struct xtrace_rec *rec, const struct xt_fmt *hp)
{
	struct xt_tdat *t = rec->tdat;
	const char *p = strstr(hp->buf, "commit;");
	int ls = t->file_long_size;

	/* the kernel's long: the size of the header page's commit field */
	if (p && (p = strstr(p, "size:")))
		ls = atoi(p + 5);
	if (ls != 4 && ls != 8)
		ls = t->file_long_size == 4 ? 4 : 8;
	rec->meta.long_size = ls;
	rec->meta.page_size = t->page_size;
	rec->meta.big_endian = t->big;
	rec->tep = tep_alloc();
	if (!rec->tep)
		return -ENOMEM;
	tep_set_long_size(rec->tep, ls);
	tep_set_page_size(rec->tep, t->page_size);
	tep_set_file_bigendian(rec->tep, t->big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(rec->tep, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
				TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	return 0;
}

/* The decoding parts: headers, formats, command lines. */
static int read_decoding(struct xtrace_rec *rec, struct cur *v6)
{
	struct xt_tdat *t = rec->tdat;
	struct xt_fmt hp = { 0 }, *f = NULL;
	struct cur c;
	int nr = 0, ret;

	hp.path = strdup("header_page");
	if (!hp.path)
		return -ENOMEM;
	if (v6) {
		ret = read_headers(v6, &hp);
		if (!ret)
			ret = read_fmt_list(v6, "ftrace", &f, &nr);
		if (!ret)
			ret = read_event_systems(v6, &f, &nr);
	} else {
		ret = v7_section(t, 0, &c, "header info");
		if (!ret) {
			ret = read_headers(&c, &hp);
			free((char *)c.mem);
		}
		if (!ret && !v7_section(t, 1, &c, "ftrace event formats")) {
			/* damage there loses ftrace's own formats only; no memory stops */
			if (read_fmt_list(&c, "ftrace", &f, &nr) == -ENOMEM)
				ret = -ENOMEM;
			free((char *)c.mem);
		}
		if (!ret && !v7_section(t, 2, &c, "event formats")) {
			ret = read_event_systems(&c, &f, &nr);
			free((char *)c.mem);
		}
	}
	if (ret == -EBADMSG)
		note(t, "the headers or event formats are damaged");
	if (!ret && !t->options_only)
		ret = tdat_set_layout(rec, &hp);
	if (!ret && !t->options_only) {
		ret = xt_load_formats_list(rec, &hp, f, nr);
		if (ret > 0)
			ret = 0;
		else if (ret == -EBADMSG)
			note(t, "not one event format could be read");
	}
	xt_fmts_free(f, nr);
	free(hp.path);
	free(hp.buf);
	if (ret)
		return ret;
	/* v6 goes on in order: kallsyms and printk (read later, -v), then the command lines */
	if (v6) {
		uint64_t n = getn(v6, 4);

		t->sec_off[3] = v6->off - 4;
		v6->off += n;
		n = getn(v6, 4);
		t->sec_off[4] = v6->off - 4;
		v6->off += n;
		n = getn(v6, 8);
		if (!v6->bad && n <= SECTION_MAX && t->options_only) {
			v6->off += n;
		} else if (!v6->bad && n <= SECTION_MAX) {
			char *buf = getbytes(v6, n);

			if (buf)
				parse_cmdlines(rec, buf);
			free(buf);
		}
		if (v6->bad)
			note(t, "the header ends early (the file is truncated or damaged)");
		return v6->bad ? -EBADMSG : 0;
	}
	if (t->sec_off[5] && !t->options_only &&
	    !section_open(t, t->sec_off[5], OPT_CMDLINES, &c, "command lines")) {
		uint64_t n = getn(&c, 8);
		char *buf = getbytes(&c, n);

		if (buf)
			parse_cmdlines(rec, buf);
		free(buf);
		free((char *)c.mem);
	}
	return 0;
}

/* v6: the CPU table at the cursor ("flyrecord\0" then @t->nr_cpus offset/size pairs) */
static int v6_cpu_table(struct xt_tdat *t, struct cur *c, struct tdat_buf *b, char ***stats,
			size_t *nr_stats)
{
	char tag[10];
	uint64_t next;
	int ret;

	if (!get(c, tag, 10))
		return -EBADMSG;
	if (!memcmp(tag, "options  ", 10)) {
		ret = parse_options(t, c, stats, nr_stats, &next);
		if (ret)
			return ret;
		if (!get(c, tag, 10))
			return -EBADMSG;
	}
	if (!memcmp(tag, "latency  ", 10)) {
		xt_log(XTRACE_LOG_WARNING, "'%s': a latency-tracer buffer (text) is not read",
		       t->path);
		return 0;
	}
	if (memcmp(tag, "flyrecord", 10))
		return -EBADMSG;
	b->cpus = calloc(t->nr_cpus, sizeof(*b->cpus));
	if (!b->cpus)
		return -ENOMEM;
	for (int i = 0; i < t->nr_cpus && !c->bad; i++) {
		b->cpus[i].cpu = i;
		b->cpus[i].off = getn(c, 8);
		b->cpus[i].size = getn(c, 8);
		b->nr_cpus++;
	}
	return c->bad ? -EBADMSG : 0;
}

/* Every buffer's CPUs that have data, checked against the file: the streams. */
static int make_streams(struct xtrace_rec *rec)
{
	struct xt_tdat *t = rec->tdat;
	int n = 0, max_cpu = t->nr_cpus - 1;

	for (int i = 0; i < t->nr_bufs; i++)
		n += t->bufs[i].nr_cpus;
	t->streams = calloc(n ? n : 1, sizeof(*t->streams));
	t->stream_buf = calloc(n ? n : 1, sizeof(*t->stream_buf));
	if (!t->streams || !t->stream_buf)
		return -ENOMEM;
	for (int i = 0; i < t->nr_bufs; i++) {
		struct tdat_buf *b = &t->bufs[i];

		for (int k = 0; k < b->nr_cpus; k++) {
			struct tdat_cpu cpu = b->cpus[k];

			if (!cpu.size)
				continue;
			if (cpu.cpu < 0 || cpu.cpu >= XTRACE_MAX_CPUS) {
				note(t, "buffer '%s': CPU %d out of range: not read", b->name,
				     cpu.cpu);
				continue;
			}
			if (cpu.off > (uint64_t)t->size) {
				note(t, "buffer '%s' cpu%d: its data is beyond the end of the file (truncated)",
				     b->name, cpu.cpu);
				continue;
			}
			if (cpu.size > (uint64_t)t->size - cpu.off) {
				note(t, "buffer '%s' cpu%d: truncated: %llu of its %llu bytes are in the file",
				     b->name, cpu.cpu,
				     (unsigned long long)(t->size - cpu.off),
				     (unsigned long long)cpu.size);
				cpu.size = t->size - cpu.off;
			}
			if (cpu.cpu > max_cpu)
				max_cpu = cpu.cpu;
			t->stream_buf[t->nr_streams] = i;
			t->streams[t->nr_streams++] = cpu;
		}
	}
	rec->meta.nr_cpus = max_cpu + 1 > 0 ? max_cpu + 1 : 1;
	rec->meta.cpu = calloc(rec->meta.nr_cpus, sizeof(*rec->meta.cpu));
	if (!rec->meta.cpu)
		return -ENOMEM;
	for (int i = 0; i < t->nr_streams; i++) {
		struct xtrace_cpu_meta *m = &rec->meta.cpu[t->streams[i].cpu];

		m->recorded = true;
		m->bytes_disk += t->streams[i].size;
	}
	return 0;
}

/* The initial format, then (v6) the header in order or (v7) the options sections. */
static int read_file(struct xtrace_rec *rec)
{
	struct xt_tdat *t = rec->tdat;
	struct cur c = { .t = t, .end = t->size };
	char magic[TDAT_MAGIC_LEN], ver[16], **stats = NULL;
	size_t nr_stats = 0;
	uint64_t next = 0;
	int ret = 0, i;

	if (!get(&c, magic, sizeof(magic)) || memcmp(magic, TDAT_MAGIC, TDAT_MAGIC_LEN))
		return -EBADMSG;
	for (i = 0; i < (int)sizeof(ver); i++)
		if (!get(&c, ver + i, 1) || !ver[i])
			break;
	if (i == (int)sizeof(ver) || c.bad)
		return -EBADMSG;
	t->version = atoi(ver);
	if (t->version < 6 || t->version > 7) {
		xt_log(XTRACE_LOG_ERROR, "'%s' is a trace.dat of version %s: this xtrace reads versions 6 and 7",
		       t->path, ver);
		return -ENOTSUP;
	}
	t->big = getn(&c, 1);
	t->file_long_size = getn(&c, 1);
	/* the page size is in the file's byte order */
	t->page_size = (int)getn(&c, 4);
	if (c.bad || t->page_size < XT_PAGE_SIZE_MIN || t->page_size > XT_PAGE_SIZE_MAX ||
	    (t->page_size & (t->page_size - 1))) {
		xt_log(XTRACE_LOG_ERROR, "'%s': its initial format is damaged", t->path);
		return -EBADMSG;
	}
	if (t->version == 6) {
		ret = read_decoding(rec, &c);
		if (ret)
			return ret;
		t->nr_cpus = (int)getn(&c, 4);
		if (c.bad || t->nr_cpus <= 0 || t->nr_cpus > XTRACE_MAX_CPUS) {
			note(t, "its CPU count is damaged");
			return -EBADMSG;
		}
		{
			struct tdat_buf top = { 0 }, *b;
			uint64_t at = c.off;

			top.name = strdup("");
			if (!top.name) {
				ret = -ENOMEM;
				goto out;
			}
			/* its options (BUFFER ones among them) come first */
			ret = v6_cpu_table(t, &c, &top, &stats, &nr_stats);
			top.offset = at;
			b = realloc(t->bufs, (t->nr_bufs + 1) * sizeof(*b));
			if (!b) {
				free(top.name);
				free(top.cpus);
				ret = -ENOMEM;
				goto out;
			}
			t->bufs = b;
			/* the top buffer first, whatever the options named */
			memmove(t->bufs + 1, t->bufs, t->nr_bufs * sizeof(*b));
			t->bufs[0] = top;
			t->nr_bufs++;
			if (ret == -EBADMSG)
				note(t, "the top buffer's CPU table is damaged");
			else if (ret)
				goto out;
			/* then (a TRACECLOCK option said so) the trace_clock file */
			if (!c.bad) {
				uint64_t n = getn(&c, 8);
				char *s = !c.bad && n < 4096 ? getbytes(&c, n) : NULL;
				char *clk = s ? current_clock(s) : NULL;

				if (clk) {
					free(t->clock);
					t->clock = clk;
				}
				free(s);
			}
		}
		for (i = 1; i < t->nr_bufs; i++) {
			struct cur bc = { .t = t, .off = t->bufs[i].offset, .end = t->size };

			ret = v6_cpu_table(t, &bc, &t->bufs[i], &stats, &nr_stats);
			if (ret == -ENOMEM)
				goto out;
			if (ret)
				note(t, "buffer '%s': its CPU table is damaged", t->bufs[i].name);
			ret = 0;
		}
	} else {
		char *name = getstr(&c), *version = getstr(&c);
		unsigned int sections = 0;

		if (!name || !version) {
			free(name);
			free(version);
			return c.bad ? -EBADMSG : -ENOMEM;
		}
		t->comp = !strcmp(name, "none") ? COMP_NONE : !strcmp(name, "zstd") ? COMP_ZSTD :
			  !strcmp(name, "zlib") ? COMP_ZLIB : -1;
		if ((int)t->comp < 0)
			xt_log(XTRACE_LOG_ERROR, "'%s' is compressed with '%s', which this xtrace does not read (zstd, zlib)",
			       t->path, name);
		free(name);
		free(version);
		if ((int)t->comp < 0)
			return -ENOTSUP;
		next = getn(&c, 8);
		while (next && !ret) {
			struct cur o;

			if (++sections > 1024) {
				note(t, "the options sections loop");
				break;
			}
			ret = section_open(t, next, OPT_DONE, &o, "options");
			if (ret == -EBADMSG) {
				ret = sections > 1 ? 0 : -EBADMSG;
				break;
			}
			if (ret)
				break;
			ret = parse_options(t, &o, &stats, &nr_stats, &next);
			free((char *)o.mem);
		}
		if (ret)
			goto out;
		if (t->nr_cpus <= 0)
			t->nr_cpus = 1;
		ret = t->options_only ? 0 : read_decoding(rec, NULL);
		if (ret)
			goto out;
		for (i = 0; i < t->nr_bufs; i++) {
			struct cur s = { .t = t, .off = t->bufs[i].offset, .end = t->size };
			uint16_t id = getn(&s, 2), flags = getn(&s, 2);

			if (s.bad || id != OPT_BUFFER) {
				note(t, "buffer '%s': its section is damaged: not read",
				     t->bufs[i].name);
				t->bufs[i].nr_cpus = 0;
			}
			t->bufs[i].compressed = flags & 1;
			if (t->bufs[i].compressed && t->comp == COMP_NONE) {
				note(t, "buffer '%s' says it is compressed, the file says not: not read",
				     t->bufs[i].name);
				t->bufs[i].nr_cpus = 0;
			}
		}
	}
	if (!t->clock && t->nr_bufs && t->bufs[0].clock)
		t->clock = strdup(t->bufs[0].clock);
	ret = make_streams(rec);
	for (size_t k = 0; !ret && k < nr_stats; k++)
		parse_cpustat(rec, stats[k]);
out:
	for (size_t k = 0; k < nr_stats; k++)
		free(stats[k]);
	free(stats);
	return ret;
}

/* ----------------------------------------------------------- metadata */

/* the events the file has formats for ("sys:name,..."; ftrace's own left out), or NULL */
static char *event_list(struct xtrace_rec *rec)
{
	struct tep_event **ev = rec->tep ? tep_list_events(rec->tep, TEP_EVENT_SORT_SYSTEM) : NULL;
	struct sbuf sb = { 0 };

	for (int i = 0; ev && ev[i]; i++) {
		if (!ev[i]->system || !strcmp(ev[i]->system, "ftrace"))
			continue;
		sb_printf(&sb, "%s%s:%s", sb.len ? "," : "", ev[i]->system, ev[i]->name);
	}
	return sb_steal(&sb);
}

static int fill_meta(struct xtrace_rec *rec)
{
	struct xt_tdat *t = rec->tdat;
	struct xtrace_meta *m = &rec->meta;
	const char *clk = t->clock ? t->clock : "local";
	char *words[5] = { NULL };
	struct sbuf cpus = { 0 };
	int nw = 0;

	m->major = t->version;
	m->minor = 0;
	m->tool = strdup(t->tool ? t->tool : "trace-cmd");
	/* UNAME: sysname nodename release machine */
	if (t->uname) {
		char *save, *w, *copy = strdup(t->uname);

		for (w = copy ? strtok_r(copy, " ", &save) : NULL; w && nw < 5;
		     w = strtok_r(NULL, " ", &save))
			words[nw++] = w;
		m->hostname = nw >= 2 ? strdup(words[1]) : NULL;
		m->kernel = nw >= 3 ? strdup(words[2]) : NULL;
		m->arch = nw >= 4 ? strdup(words[nw - 1]) : NULL;
		free(copy);
	}
	if (!m->hostname) {
		const char *base = strrchr(t->path, '/');

		base = base ? base + 1 : t->path;
		m->hostname = strndup(base, strcspn(base, "."));
		if (m->hostname && !*m->hostname) {
			free(m->hostname);
			m->hostname = strdup("trace-cmd");
		}
	}
	m->trace_clock = strdup(clk);
	/* what the times are: see xt_tdat_tod() */
	if (t->has_date)
		m->timestamp = strdup("tod");
	else if (!t->mult && (!strcmp(clk, "x86-tsc") || !strcmp(clk, "counter")))
		m->timestamp = strdup("tsc");
	else
		m->timestamp = strdup("clock");
	m->mode = strdup("stream");
	m->exit_status = -1;
	m->chrony_error_ns = -1;
	m->complete = !t->damage;
	if (t->damage)
		m->error = strdup("the trace.dat file is damaged (see the warnings)");
	for (int c = 0; c < m->nr_cpus; c++)
		if (m->cpu[c].recorded)
			sb_printf(&cpus, "%s%d", cpus.len ? "," : "", c);
	m->cpus = sb_steal(&cpus);
	m->events = event_list(rec);
	if (!m->tool || !m->hostname || !m->trace_clock || !m->timestamp || !m->mode || !m->cpus)
		return -ENOMEM;
	return 0;
}

/* The syscall names of this machine, for a file recorded on this architecture. */
static void native_syscalls(struct xtrace_rec *rec)
{
	long n = xt_syscall_max_native();
	struct utsname u;

	if (uname(&u) || !rec->meta.arch || strcmp(rec->meta.arch, u.machine))
		return;
	rec->syscalls = calloc(n ? n : 1, sizeof(*rec->syscalls));
	if (!rec->syscalls)
		return;
	rec->nr_syscalls = n;
	for (long i = 0; i < n; i++) {
		const char *s = xt_syscall_name_native(i);

		rec->syscalls[i] = s ? strdup(s) : NULL;
	}
}

/* Where stream @k's data ends: a compressed run's size leaves out its chunk count (3.1) */
static uint64_t stream_end(const struct xt_tdat *t, int k)
{
	uint64_t end = t->streams[k].off + t->streams[k].size;

	if (t->bufs[t->stream_buf[k]].compressed)
		end = (uint64_t)t->size - end < 4 ? (uint64_t)t->size : end + 4;
	return end;
}

/* The first event time of each stream's first sub-buffer: the recording's start. */
static void find_start(struct xtrace_rec *rec)
{
	struct xt_tdat *t = rec->tdat;
	int64_t start = INT64_MAX;

	for (int i = 0; i < t->nr_streams; i++) {
		struct tdat_cpu *c = &t->streams[i];
		const char *why;
		uint64_t ts = 0;
		char b[8];

		if (!t->bufs[t->stream_buf[i]].compressed) {
			if (c->size < 8 || xt_read_at(t->fd, b, 8, c->off))
				continue;
			ts = rd(t, b, 8);
		} else {
			/* the first chunk, read as the stream reads it */
			struct xt_frame_reader fr;
			size_t len;

			xt_frame_reader_init(&fr, t->fd, c->off + 4, stream_end(t, i));
			if (load_chunk(t, &fr, &len, &why) == 1)
				ts = rd(t, fr.out, 8);
			xt_frame_reader_free(&fr);
			if (!ts)
				continue;
		}
		if (xt_tdat_tod(t, c->cpu, ts) < start)
			start = xt_tdat_tod(t, c->cpu, ts);
	}
	rec->meta.start_tod = start == INT64_MAX ? 0 : start;
}

/* @rec's trace.dat @path opened and read (@options_only: xt_tdat_vms()'s reading) */
static int tdat_read(struct xtrace_rec *rec, const char *path, bool options_only)
{
	struct xt_tdat *t = calloc(1, sizeof(*t));
	struct stat st;

	if (!t)
		return -ENOMEM;
	rec->tdat = t;
	t->fd = -1;
	t->options_only = options_only;
	t->path = strdup(path);
	if (!t->path)
		return -ENOMEM;
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0 || fstat(t->fd, &st))
		return -errno;
	t->size = st.st_size;
	return read_file(rec);
}

int xt_tdat_rec_open(struct xtrace_rec *rec, const char *path)
{
	int ret = tdat_read(rec, path, false);

	if (ret)
		return ret;
	ret = fill_meta(rec);
	if (ret)
		return ret;
	native_syscalls(rec);
	find_start(rec);
	/* no clock samples: the stream converts with xt_tdat_tod() */
	rec->clock.ns_units = true;
	return xt_clock_fast_init(&rec->fclock, &rec->clock);
}

void xt_tdat_free(struct xt_tdat *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	for (int i = 0; i < t->nr_bufs; i++) {
		free(t->bufs[i].name);
		free(t->bufs[i].clock);
		free(t->bufs[i].cpus);
	}
	free(t->bufs);
	free(t->streams);
	free(t->stream_buf);
	for (int i = 0; i < t->nr_shift; i++)
		free(t->shifts[i].s);
	free(t->shifts);
	for (int i = 0; i < t->nr_guests; i++)
		free(t->guests[i].pid);
	free(t->guests);
	free(t->clock);
	free(t->uname);
	free(t->tool);
	free(t->path);
	free(t);
}

int xt_tdat_nr_streams(const struct xtrace_rec *rec)
{
	return rec->tdat->nr_streams;
}

int xt_tdat_stream_cpu(const struct xtrace_rec *rec, int k)
{
	return rec->tdat->streams[k].cpu;
}

unsigned int xt_tdat_damage(const struct xtrace_rec *rec)
{
	return rec->tdat->damage;
}

/* ---------------------------------------------------------------- time */

static uint64_t correction(uint64_t ts, uint32_t flags, const struct tdat_sample *min,
			   const struct tdat_sample *max)
{
	__int128 cor = min->offset;

	if (flags & TSYNC_FLAG_INTERPOLATE && max) {
		__int128 delta = (__int128)max->time - min->time;
		__int128 off = ((__int128)(int64_t)ts - min->time) *
			       ((__int128)max->offset - min->offset);

		if (delta)
			cor = min->offset + (off + delta / 2) / delta;
	}
	ts = (ts * min->scaling) >> min->fraction;
	return ts + (uint64_t)(int64_t)cor;
}

/* trace-cmd's guest-to-host conversion (a guest CPU's samples, sorted by time) */
static uint64_t host_sync(const struct xt_tdat *t, int cpu, uint64_t ts)
{
	const struct tdat_shift *sh;
	int lo, hi;

	if (cpu < 0 || cpu >= t->nr_shift)
		return ts;
	sh = &t->shifts[cpu];
	if (!sh->n)
		return ts;
	if (sh->n == 1)
		return ts + (uint64_t)sh->s[0].offset;
	if ((int64_t)ts <= sh->s[0].time)
		return correction(ts, t->shift_flags, &sh->s[0], &sh->s[1]);
	if ((int64_t)ts >= sh->s[sh->n - 1].time)
		return correction(ts, t->shift_flags, &sh->s[sh->n - 2], &sh->s[sh->n - 1]);
	/* the last sample at or before ts */
	lo = 0;
	hi = sh->n - 1;
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;

		if (sh->s[mid].time <= (int64_t)ts)
			lo = mid;
		else
			hi = mid;
	}
	return correction(ts, t->shift_flags, &sh->s[lo], &sh->s[lo + 1]);
}

int64_t xt_tdat_tod(const struct xt_tdat *t, int cpu, uint64_t ts)
{
	if (t->nr_shift)
		ts = host_sync(t, cpu, ts);
	if (t->mult)
		ts = (uint64_t)(((unsigned __int128)ts * t->mult) >> t->shift);
	if (ts > INT64_MAX)
		return t->ts_offset > 0 ? INT64_MAX : xtrace_time_add(INT64_MAX, t->ts_offset);
	return xtrace_time_add((int64_t)ts, t->ts_offset);
}

/*
 * Host and guest files read together: a guest's file (TIME_SHIFT to a peer) whose host's file
 * (TRACEID the peer) has a DATE takes the host's time of day too.
 */
void xt_tdat_link(struct xtrace_rec **recs, int nr)
{
	for (int g = 0; g < nr; g++) {
		struct xt_tdat *gt = recs[g]->tdat;

		if (!gt || gt->has_date || !gt->nr_shift)
			continue;
		for (int h = 0; h < nr; h++) {
			struct xt_tdat *ht = recs[h]->tdat;
			char *ts;

			if (h == g || !ht || !ht->has_trace_id || ht->trace_id != gt->peer_id ||
			    !ht->has_date)
				continue;
			ts = strdup("tod");
			if (!ts)
				return;
			gt->ts_offset = xtrace_time_add(gt->ts_offset, ht->ts_offset);
			gt->has_date = true;
			free(recs[g]->meta.timestamp);
			recs[g]->meta.timestamp = ts;
			find_start(recs[g]);
			xt_log(XTRACE_LOG_INFO, "'%s': a guest of '%s': its times of day are the host's",
			       gt->path, ht->path);
			break;
		}
	}
}

/* -------------------------------------------------------------- streams */

int xt_tdat_stream_open(struct xt_stream *s)
{
	const struct xt_tdat *t = s->rec->tdat;
	const struct tdat_cpu *c = &t->streams[s->sub];

	s->fd = open(t->path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	xt_frame_reader_init(&s->fr, s->fd, c->off, stream_end(t, s->sub));
	s->fr.slack = (size_t)s->rec->meta.page_size + 2 * 65536;
	s->tchunks = -1;
	return 0;
}

static void out_done(struct xt_stream *s, size_t bytes)
{
	struct xt_frame_reader *fr = &s->fr;

	if (fr->slack && fr->dirty > bytes)
		memset((char *)fr->out + bytes, 0, fr->dirty - bytes);
	fr->dirty = bytes;
	fr->len = bytes;
	s->nr_pages = (int)(bytes / s->rec->meta.page_size);
	s->page = -1;
	fr->frame++;
}

/*
 * The next run of pages of @s into s->fr.out (s->nr_pages of them): 1, 0 at the end, or -errno
 * if reading must stop. Damage is named and skipped where the next chunk can still be found.
 */
int xt_tdat_load(struct xt_stream *s)
{
	const struct xt_tdat *t = s->rec->tdat;
	struct xt_frame_reader *fr = &s->fr;
	size_t ps = s->rec->meta.page_size, len;
	const char *why;
	char hdr[4];
	int ret;

	if (!t->bufs[t->stream_buf[s->sub]].compressed) {
		uint64_t left = fr->size - fr->off, n;

		if (left < ps) {
			if (left)
				xt_stream_damaged(s, "truncated: a part of a sub-buffer at its end");
			fr->off = fr->size;
			return 0;
		}
		n = RUN_BYTES / ps ? RUN_BYTES / ps : 1;
		if (n > left / ps)
			n = left / ps;
		ret = out_room(fr, n * ps);
		if (ret)
			return ret;
		if (xt_read_at(fr->fd, fr->out, n * ps, fr->off)) {
			xt_stream_damaged(s, "read error");
			return -EIO;
		}
		fr->off += n * ps;
		out_done(s, n * ps);
		return 1;
	}
	for (;;) {
		if (s->tchunks < 0) {
			/* the chunk count: trusted only as far as the bytes go */
			if (fr->size - fr->off < 4 || xt_read_at(fr->fd, hdr, 4, fr->off)) {
				xt_stream_damaged(s, "truncated: no chunk count");
				return 0;
			}
			s->tchunks = (int64_t)rd(t, hdr, 4);
			fr->off += 4;
		}
		if (!s->tchunks)
			return 0;
		ret = load_chunk(t, fr, &len, &why);
		if (ret == -EBADMSG) {
			xt_stream_damaged(s, why);
			s->tchunks = 0;
			return 0;
		}
		s->tchunks--;
		if (ret == -EIO)
			xt_stream_damaged(s, why);
		if (ret < 0)
			return ret;
		if (!ret) {
			xt_stream_damaged(s, why);
			continue;
		}
		if (len % ps)
			xt_stream_damaged(s, "a compressed chunk that is not whole sub-buffers: its end skipped");
		out_done(s, len - len % ps);
		return 1;
	}
}

/* ------------------------------------------------------ symbols and VMs */

int xt_tdat_symbols(struct xtrace_rec *rec)
{
	struct xt_tdat *t = rec->tdat;
	int ret = 0;

	for (int k = 3; k <= 4; k++) {
		struct cur c = { .t = t, .off = t->sec_off[k], .end = t->size };
		uint64_t n;
		char *buf;

		if (!t->sec_off[k])
			continue;
		if (t->version >= 7 && section_open(t, t->sec_off[k], OPT_HEADER_INFO + k, &c,
						    k == 3 ? "kallsyms" : "printk formats"))
			continue;
		n = getn(&c, 4);
		buf = getbytes(&c, n);
		if (buf && k == 3)
			ret = tep_parse_kallsyms(rec->tep, buf) ? -EBADMSG : 0;
		else if (buf)
			xt_parse_printk(rec->tep, buf);
		free(buf);
		if (t->version >= 7)
			free((char *)c.mem);
	}
	return ret;
}

char *xt_tdat_path(const char *path)
{
	char magic[TDAT_MAGIC_LEN], *p;
	struct stat st;
	int fd;

	if (stat(path, &st))
		return NULL;
	if (S_ISDIR(st.st_mode)) {
		/* a merged directory's source that was a trace.dat */
		p = xt_path(path, XT_META_FILE);
		if (!p || !access(p, F_OK)) {
			free(p);
			return NULL;
		}
		free(p);
		p = xt_path(path, XT_TRACEDAT_FILE);
		if (!p || stat(p, &st) || !S_ISREG(st.st_mode)) {
			free(p);
			return NULL;
		}
	} else if (S_ISREG(st.st_mode)) {
		p = strdup(path);
		if (!p)
			return NULL;
	} else {
		return NULL;
	}
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || xt_read_at(fd, magic, sizeof(magic), 0) ||
	    memcmp(magic, TDAT_MAGIC, TDAT_MAGIC_LEN)) {
		if (fd >= 0)
			close(fd);
		free(p);
		return NULL;
	}
	close(fd);
	return p;
}

/*
 * The VMs of a host's file: one per GUEST option, named as trace-cmd named it, its vCPU threads
 * the host pids the option gives (the first stands for the VM's process: the file has no
 * qemu pid).
 */
int xt_tdat_vms(const char *path, struct xtrace_vms *v)
{
	struct xtrace_rec *rec = calloc(1, sizeof(*rec));
	struct xt_tdat *t;
	size_t n = 0;
	int ret;

	memset(v, 0, sizeof(*v));
	if (!rec)
		return -ENOMEM;
	ret = tdat_read(rec, path, true);
	t = rec->tdat;
	if (!ret && !t->nr_guests)
		ret = -ENOENT;
	for (int i = 0; !ret && i < t->nr_guests; i++)
		n += (size_t)t->guests[i].nr_vcpus;
	if (!ret && n > INT32_MAX)
		ret = -EBADMSG;
	if (!ret) {
		v->vms = calloc((unsigned int)t->nr_guests, sizeof(*v->vms));
		v->threads = calloc(n ? n : 1, sizeof(*v->threads));
		if (!v->vms || !v->threads)
			ret = -ENOMEM;
	}
	for (int i = 0; !ret && i < t->nr_guests; i++) {
		struct tdat_guest *g = &t->guests[i];
		int pid = g->nr_vcpus ? g->pid[0] : 0;

		v->vms[v->nr_vms].pid = pid;
		snprintf(v->vms[v->nr_vms].name, sizeof(v->vms[0].name), "%s", g->name);
		v->nr_vms++;
		for (int k = 0; k < g->nr_vcpus; k++)
			v->threads[v->nr_threads++] =
				(struct xtrace_vm_thread){ g->pid[k], pid, k };
	}
	if (!ret)
		ret = xt_vms_sort(v);
	xtrace_rec_close(rec);
	return ret;
}

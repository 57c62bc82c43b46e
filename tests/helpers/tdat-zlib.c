// SPDX-License-Identifier: GPL-2.0
/*
 * tdat-zlib IN OUT [--corrupt] [--option ID:FILE]...: a trace.dat v7 file (compressed with zstd, or not at all, as
 * Debian's trace-cmd 3.1.6 writes them) rewritten as trace-cmd 3.x builds without zstd write
 * them: every metadata section and every CPU's data compressed with zlib, in chunks of up to
 * 10 sub-buffers. The input's bytes are kept as they are (unreferenced); the new sections and
 * options sections are appended and the header points to them. --corrupt spoils the first
 * compressed chunk of the first CPU with data (its zlib bytes), for the damage tests.
 * --option adds an option of id ID whose data is FILE's bytes to the first options section
 * (the host and guest tests give a host file GUEST options, a guest file TIME_SHIFT).
 *
 * It is a test tool (tests/integration/t-tracedat.sh): it trusts its input and stops at the
 * first thing it does not expect.
 */
#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK_PAGES	10

static unsigned char *in, *out;
static size_t in_len, out_len, out_cap;
static int page_size;
static int zstd_in;
static int corrupt;
static bool in_cpu;

static void die(const char *msg)
{
	fprintf(stderr, "tdat-zlib: %s\n", msg);
	exit(1);
}

static uint64_t rd(size_t off, int n)
{
	uint64_t v = 0;

	if (off + n > in_len)
		die("the input ends early");
	memcpy(&v, in + off, n);
	return le64toh(v) & (n == 8 ? ~0ULL : (1ULL << (8 * n)) - 1);
}

static void put(const void *p, size_t n)
{
	if (out_len + n > out_cap) {
		out_cap = (out_len + n) * 2;
		out = realloc(out, out_cap);
		if (!out)
			die("out of memory");
	}
	memcpy(out + out_len, p, n);
	out_len += n;
}

static void put_n(uint64_t v, int n)
{
	v = htole64(v);
	put(&v, n);
}

static void patch(size_t at, uint64_t v, int n)
{
	v = htole64(v);
	memcpy(out + at, &v, n);
}

/* a section's data (decompressed if it is compressed), into a new buffer */
static unsigned char *section_data(size_t off, uint16_t *id, uint32_t *strid, size_t *len)
{
	uint16_t flags = rd(off + 2, 2);
	uint64_t size = rd(off + 8, 8);
	unsigned char *d;

	*id = rd(off, 2);
	*strid = rd(off + 4, 4);
	off += 16;
	if (flags & 1) {
		uint32_t csize = rd(off, 4), usize = rd(off + 4, 4);

		d = malloc(usize + 1);
		if (!d || ZSTD_decompress(d, usize, in + off + 8, csize) != usize)
			die("a section does not decompress");
		*len = usize;
		return d;
	}
	d = malloc(size + 1);
	if (!d || off + size > in_len)
		die("a section is cut short");
	memcpy(d, in + off, size);
	*len = size;
	return d;
}

static void put_zlib(const unsigned char *d, size_t len)
{
	uLongf clen = compressBound(len);
	unsigned char *z = malloc(clen);

	if (!z || compress2(z, &clen, d, len, Z_BEST_COMPRESSION) != Z_OK)
		die("zlib failed");
	if (corrupt == 1 && in_cpu && clen > 16) {
		/* the first chunk of the first CPU: its deflate stream spoiled */
		memset(z + 4, 0xa5, clen / 2);
		corrupt = 2;
	}
	put_n(clen, 4);
	put_n(len, 4);
	put(z, clen);
	free(z);
}

/* a metadata section, appended compressed: its offset */
static uint64_t new_section(uint16_t id, uint32_t strid, const unsigned char *d, size_t len)
{
	size_t at = out_len;

	put_n(id, 2);
	put_n(1, 2);
	put_n(strid, 4);
	put_n(0, 8);
	put_zlib(d, len);
	patch(at + 8, out_len - at - 16, 8);
	return at;
}

/* one CPU's raw pages from the input's buffer data at @off (@size bytes) */
static unsigned char *cpu_pages(bool compressed, uint64_t off, uint64_t size, size_t *len)
{
	unsigned char *d = NULL;
	size_t n = 0;

	if (!compressed) {
		d = malloc(size + 1);
		memcpy(d, in + off, size);
		*len = size;
		return d;
	}
	for (uint32_t count = rd(off, 4), i = 0; i < count; i++) {
		uint32_t csize, usize;

		off += i ? 0 : 4;
		csize = rd(off, 4);
		usize = rd(off + 4, 4);
		d = realloc(d, n + usize);
		if (!d || ZSTD_decompress(d + n, usize, in + off + 8, csize) != usize)
			die("a chunk does not decompress");
		n += usize;
		off += 8 + csize;
	}
	*len = n;
	return d;
}

/* a BUFFER option's section rewritten: the option's new bytes into @opt (same length) */
static void new_buffer(unsigned char *opt)
{
	uint64_t sec = rd(opt - in, 8), sec_at;
	size_t p = opt - in + 8;
	uint32_t strid = rd(sec + 4, 4), ncpu;
	bool compressed = rd(sec + 2, 2) & 1;

	p += strlen((char *)in + p) + 1;	/* name */
	p += strlen((char *)in + p) + 1;	/* clock */
	p += 4;					/* page size */
	ncpu = rd(p, 4);
	p += 4;
	sec_at = out_len;
	put_n(3, 2);
	put_n(1, 2);
	put_n(strid, 4);
	put_n(0, 8);
	while (out_len % page_size)
		put_n(0, 1);
	for (uint32_t c = 0; c < ncpu; c++, p += 20) {
		uint64_t off = rd(p + 4, 8), size = rd(p + 12, 8), at = out_len;
		size_t len, chunks;
		unsigned char *d;

		if (!size)
			continue;
		d = cpu_pages(compressed, off, size, &len);
		chunks = (len + CHUNK_PAGES * page_size - 1) / (CHUNK_PAGES * page_size);
		put_n(chunks, 4);
		for (size_t k = 0; k < chunks; k++) {
			size_t from = k * CHUNK_PAGES * page_size, n = len - from;

			if (n > (size_t)CHUNK_PAGES * page_size)
				n = CHUNK_PAGES * page_size;
			in_cpu = true;
			put_zlib(d + from, n);
			in_cpu = false;
		}
		free(d);
		/* as trace-cmd 3.1 writes it: the size leaves out the chunk count */
		memcpy(in + p + 4, &(uint64_t){ htole64(at) }, 8);
		memcpy(in + p + 12, &(uint64_t){ htole64(out_len - at - 4) }, 8);
		while (out_len % page_size)
			put_n(0, 1);
	}
	patch(sec_at + 8, out_len - sec_at - 16, 8);
	memcpy(opt, &(uint64_t){ htole64(sec_at) }, 8);
}

int main(int argc, char **argv)
{
	size_t name_at = 18, opts_ptr, cur, nsec = 0;
	unsigned char *secs[64];
	size_t sec_len[64], extra_len = 0;
	unsigned char *extra = NULL;
	FILE *f;

	if (argc < 3)
		die("usage: tdat-zlib IN OUT [--corrupt] [--option ID:FILE]...");
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--corrupt")) {
			corrupt = 1;
		} else if (!strcmp(argv[i], "--option") && i + 1 < argc) {
			char *colon = strchr(argv[++i], ':');
			long len;

			if (!colon)
				die("--option ID:FILE");
			f = fopen(colon + 1, "rb");
			if (!f)
				die("cannot open an option's file");
			fseek(f, 0, SEEK_END);
			len = ftell(f);
			rewind(f);
			extra = realloc(extra, extra_len + 6 + len);
			if (!extra)
				die("out of memory");
			*(uint16_t *)(extra + extra_len) = htole16(atoi(argv[i]));
			*(uint32_t *)(extra + extra_len + 2) = htole32(len);
			if (fread(extra + extra_len + 6, 1, len, f) != (size_t)len)
				die("cannot read an option's file");
			fclose(f);
			extra_len += 6 + len;
		} else {
			die("usage: tdat-zlib IN OUT [--corrupt] [--option ID:FILE]...");
		}
	}
	f = fopen(argv[1], "rb");
	if (!f)
		die("cannot open the input");
	fseek(f, 0, SEEK_END);
	in_len = ftell(f);
	rewind(f);
	in = malloc(in_len);
	if (!in || fread(in, 1, in_len, f) != in_len)
		die("cannot read the input");
	fclose(f);
	if (in_len < 32 || memcmp(in, "\x17\x08\x44tracing7", 12) || in[12])
		die("not a little-endian trace.dat v7");
	page_size = rd(14, 4);
	zstd_in = !strcmp((char *)in + name_at, "zstd");
	if (!zstd_in && strcmp((char *)in + name_at, "none"))
		die("neither zstd nor uncompressed");
	opts_ptr = name_at + 5;
	opts_ptr += strlen((char *)in + opts_ptr) + 1;
	put(in, in_len);
	/* the compression header: "zlib" in the place of "zstd" or "none" (same length) */
	memcpy(out + name_at, "zlib", 4);
	/* each options section: its sections and buffers rewritten, then itself */
	for (cur = rd(opts_ptr, 8); cur && nsec < 64; ) {
		uint16_t id;
		uint32_t strid;
		size_t len, p = 0;
		unsigned char *d = section_data(cur, &id, &strid, &len);
		uint64_t next = 0;

		while (p + 6 <= len) {
			uint16_t oid = le16toh(*(uint16_t *)(d + p));
			uint32_t osz = le32toh(*(uint32_t *)(d + p + 2));
			unsigned char *od = d + p + 6;

			if (oid >= 16 && oid <= 21) {
				uint16_t sid;
				uint32_t sstr;
				size_t slen;
				unsigned char *sd = section_data(le64toh(*(uint64_t *)od), &sid, &sstr,
								 &slen);
				uint64_t at = new_section(sid, sstr, sd, slen);

				free(sd);
				memcpy(od, &(uint64_t){ htole64(at) }, 8);
			} else if (oid == 3) {
				/* the option's bytes are read from @in: give them a place there */
				size_t at = in_len;

				in = realloc(in, in_len + osz);
				memcpy(in + at, od, osz);
				in_len += osz;
				new_buffer(in + at);
				memcpy(od, in + at, osz);
			} else if (oid == 0) {
				next = le64toh(*(uint64_t *)od);
			}
			p += 6 + osz;
		}
		if (!nsec && extra_len) {
			/* the added options before DONE (the last 14 bytes) */
			d = realloc(d, len + extra_len);
			if (!d || len < 14)
				die("no room for the options");
			memmove(d + len - 14 + extra_len, d + len - 14, 14);
			memcpy(d + len - 14, extra, extra_len);
			len += extra_len;
		}
		secs[nsec] = d;
		sec_len[nsec++] = len;
		cur = next;
	}
	/* the options sections, compressed, last first: DONE (last) names the next one */
	for (size_t i = nsec, next = 0; i-- > 0; ) {
		memcpy(secs[i] + sec_len[i] - 8, &(uint64_t){ htole64(next) }, 8);
		next = new_section(0, 0, secs[i], sec_len[i]);
		free(secs[i]);
		if (!i)
			patch(opts_ptr, next, 8);
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f))
		die("cannot write the output");
	free(in);
	free(out);
	free(extra);
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1
/*
 * Frames: the one place that knows how a per-CPU data file (cpuN.xtd) and the
 * merged order file lay out their frames (docs/data-directory.md). A frame is
 * a struct xt_frame_header, then one zstd frame of @nr_pages units (sub-buffers
 * of page_size bytes in a CPU file, bytes in the order file). The recorder, the
 * merge, the order file, the readers, the tests and the generator all write and
 * read frames here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>

#include "xtrace-local.h"

int xt_cpufile_write_header(int fd, int cpu, int page_size)
{
	struct xt_cpu_header h = {
		.major = XTRACE_FORMAT_MAJOR,
		.minor = XTRACE_FORMAT_MINOR,
		.cpu = cpu,
		.page_size = page_size,
	};

	memcpy(h.magic, XT_CPU_MAGIC, sizeof(h.magic));
	return xt_write_all(fd, &h, sizeof(h));
}

int xt_cpufile_check_header(const struct xt_cpu_header *h, int cpu, int page_size)
{
	if (memcmp(h->magic, XT_CPU_MAGIC, sizeof(h->magic)) || (int)h->page_size != page_size ||
	    (int)h->cpu != cpu)
		return -EBADMSG;
	if (h->major > XTRACE_FORMAT_MAJOR)
		return -ENOTSUP;
	return 0;
}

int xt_frame_writer_init(struct xt_frame_writer *w, int fd, uint32_t magic, int level,
			 size_t max_raw)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->magic = magic;
	w->cctx = ZSTD_createCCtx();
	w->zcap = ZSTD_compressBound(max_raw);
	w->zbuf = malloc(w->zcap);
	if (!w->cctx || !w->zbuf)
		return -ENOMEM;
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	return 0;
}

void xt_frame_writer_free(struct xt_frame_writer *w)
{
	ZSTD_freeCCtx(w->cctx);
	free(w->zbuf);
	w->cctx = NULL;
	w->zbuf = NULL;
}

int xt_frame_write_raw(int fd, const struct xt_frame_header *h, const void *z)
{
	struct iovec iov[2] = { { (void *)h, sizeof(*h) }, { (void *)z, h->csize } };
	size_t want = sizeof(*h) + h->csize, done = 0;

	while (done < want) {
		ssize_t n = writev(fd, iov, 2);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ENOSPC;
		done += n;
		for (int i = 0; i < 2; i++) {
			size_t k = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;

			iov[i].iov_base = (char *)iov[i].iov_base + k;
			iov[i].iov_len -= k;
			n -= k;
		}
	}
	return 0;
}

long xt_frame_write(struct xt_frame_writer *w, const void *raw, size_t len, uint32_t count,
		    uint64_t first, uint64_t last)
{
	struct xt_frame_header h = { .magic = w->magic, .nr_pages = count, .first_ts = first,
				     .last_ts = last };
	size_t clen = ZSTD_compress2(w->cctx, w->zbuf, w->zcap, raw, len);
	int ret;

	if (ZSTD_isError(clen)) {
		xt_log(XTRACE_LOG_ERROR, "zstd: %s", ZSTD_getErrorName(clen));
		return -EIO;
	}
	h.csize = clen;
	ret = xt_frame_write_raw(w->fd, &h, w->zbuf);
	return ret ? ret : (long)(sizeof(h) + clen);
}

long xt_frame_write_pages(struct xt_frame_writer *w, const char *pages, int nr, int page_size)
{
	uint64_t first, last;

	memcpy(&first, pages, 8);
	memcpy(&last, pages + (size_t)(nr - 1) * page_size, 8);
	return xt_frame_write(w, pages, (size_t)nr * page_size, nr, first, last);
}

void xt_frame_reader_init(struct xt_frame_reader *fr, int fd, off_t off, off_t size)
{
	memset(fr, 0, sizeof(*fr));
	fr->fd = fd;
	fr->off = off;
	fr->size = size;
}

void xt_frame_reader_free(struct xt_frame_reader *fr)
{
	ZSTD_freeDCtx(fr->dctx);
	free(fr->zbuf);
	free(fr->out);
	fr->dctx = NULL;
	fr->zbuf = fr->out = NULL;
}

int xt_read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done, off + done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		done += r;
	}
	return 0;
}

bool xt_frame_peek(int fd, off_t off, uint32_t magic, struct xt_frame_header *h)
{
	return !xt_read_at(fd, h, sizeof(*h), off) && h->magic == magic;
}

static int grow(void *pp, size_t *cap, size_t want)
{
	void **p = pp;

	if (want <= *cap && *p)
		return 0;
	free(*p);
	*p = malloc(want ? want : 1);
	*cap = *p ? want : 0;
	return *p ? 0 : -ENOMEM;
}

enum xt_frame_status xt_frame_read(struct xt_frame_reader *fr, uint32_t magic, uint32_t max,
				   size_t unit)
{
	struct xt_frame_header *h = &fr->h;
	size_t want, got;

	if (fr->off >= fr->size)
		return XT_FRAME_END;
	if (fr->size - fr->off < (off_t)sizeof(*h))
		return XT_FRAME_SHORT_HEADER;
	if (xt_read_at(fr->fd, h, sizeof(*h), fr->off))
		return XT_FRAME_IO_ERROR;
	if (h->magic != magic || !h->nr_pages || h->nr_pages > max)
		return XT_FRAME_BAD_HEADER;
	if (fr->size - fr->off - (off_t)sizeof(*h) < (off_t)h->csize)
		return XT_FRAME_SHORT;
	want = (size_t)h->nr_pages * unit;
	if (want > XT_FRAME_MAX_BYTES || want / XT_ZSTD_MAX_RATIO > h->csize) {
		/* its size is wrong; its place in the file may not be */
		fr->off += sizeof(*h) + h->csize;
		fr->frame++;
		fr->error = "more data than its bytes can hold";
		return XT_FRAME_CORRUPT;
	}
	if (!fr->dctx && !(fr->dctx = ZSTD_createDCtx()))
		return XT_FRAME_NO_MEMORY;
	if (grow(&fr->zbuf, &fr->zcap, h->csize))
		return XT_FRAME_NO_MEMORY;
	if (want + fr->slack > fr->ocap || !fr->out) {
		if (grow(&fr->out, &fr->ocap, want + fr->slack))
			return XT_FRAME_NO_MEMORY;
		fr->dirty = fr->ocap;
	}
	if (xt_read_at(fr->fd, fr->zbuf, h->csize, fr->off + sizeof(*h)))
		return XT_FRAME_IO_ERROR;
	got = ZSTD_decompressDCtx(fr->dctx, fr->out, want, fr->zbuf, h->csize);
	fr->off += sizeof(*h) + h->csize;
	fr->frame++;
	if (ZSTD_isError(got) || got != want) {
		fr->error = ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size";
		if (fr->dirty < want)
			fr->dirty = want;
		return XT_FRAME_CORRUPT;
	}
	if (fr->slack && fr->dirty > want)
		memset((char *)fr->out + want, 0, fr->dirty - want);
	fr->dirty = want;
	fr->len = got;
	return XT_FRAME_OK;
}

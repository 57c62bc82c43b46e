// SPDX-License-Identifier: LGPL-2.1
/*
 * The merged order file (docs/data-directory.md, "Merged directories"): a
 * header naming the number of streams, then frames (frame.c) of varint pairs
 * (stream, count): the next count events of the merged view come from that
 * stream. The merge writes it; the iterator replays it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "reader.h"

int xt_order_frame(struct xt_order_writer *w)
{
	long n;

	if (!w->len || w->err)
		return w->err;
	n = xt_frame_write(&w->fw, w->buf, w->len, w->len, w->first, w->last);
	if (n < 0)
		w->err = (int)n;
	w->len = 0;
	return w->err;
}

int xt_order_open(struct xt_order_writer *w, const char *out, int nr_streams)
{
	struct xt_order_header h = { .major = XTRACE_FORMAT_MAJOR, .minor = XTRACE_FORMAT_MINOR };
	char *path = xt_path(out, XT_ORDER_FILE);
	int fd, ret;

	memset(w, 0, sizeof(*w));
	w->fw.fd = -1;
	if (!path)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	free(path);
	if (fd < 0)
		return -errno;
	ret = xt_frame_writer_init(&w->fw, fd, XT_ORDER_MAGIC, 1, XT_ORDER_FRAME_BYTES);
	w->buf = malloc(XT_ORDER_FRAME_BYTES);
	if (ret || !w->buf)
		return -ENOMEM;
	/*
	 * The order is short varints, mostly literals to Huffman-code: the smallest
	 * match finder compresses it twice as fast as level 1's for 3% more bytes.
	 */
	ZSTD_CCtx_setParameter(w->fw.cctx, ZSTD_c_hashLog, 6);
	ZSTD_CCtx_setParameter(w->fw.cctx, ZSTD_c_minMatch, 7);
	memcpy(h.magic, XT_ORDER_HDR_MAGIC, sizeof(h.magic));
	h.nr_streams = nr_streams;
	return xt_write_all(fd, &h, sizeof(h));
}

int xt_order_close(struct xt_order_writer *w)
{
	int ret;

	ret = xt_order_frame(w);
	if (w->fw.fd >= 0 && close(w->fw.fd) && !ret)
		ret = -errno;
	free(w->buf);
	xt_frame_writer_free(&w->fw);
	return ret;
}

/* ------------------------------------------------------------ reading */

int xt_order_reader_open(struct xt_order_reader *o, const char *path, int nr_streams,
			 unsigned int *damage)
{
	struct xt_order_header h;
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->nr_streams = nr_streams;
	o->damage = damage;
	o->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (o->fd < 0 || fstat(o->fd, &st))
		return -errno;
	xt_frame_reader_init(&o->fr, o->fd, sizeof(h), st.st_size);
	/* the order of other streams, or of a newer major version, orders nothing here */
	if (st.st_size < (off_t)sizeof(h) || xt_read_at(o->fd, &h, sizeof(h), 0) ||
	    memcmp(h.magic, XT_ORDER_HDR_MAGIC, sizeof(h.magic)) || h.major > XTRACE_FORMAT_MAJOR ||
	    h.nr_streams != (uint32_t)nr_streams) {
		(*o->damage)++;
		xt_log(XTRACE_LOG_WARNING, "the merged order's header is damaged or not of these %d streams: nothing is shown",
		       nr_streams);
		o->fr.off = o->fr.size;
	}
	return 0;
}

void xt_order_reader_close(struct xt_order_reader *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	xt_frame_reader_free(&o->fr);
}

/* The next frame of runs: 1, 0 at the end or where the order is damaged, -ENOMEM. */
static int order_load(struct xt_order_reader *o)
{
	switch (xt_frame_read(&o->fr, XT_ORDER_MAGIC, 1u << 30, 1)) {
	case XT_FRAME_OK:
		o->pos = 0;
		return 1;
	case XT_FRAME_END:
		return 0;
	case XT_FRAME_CORRUPT:
		(*o->damage)++;
		xt_log(XTRACE_LOG_WARNING, "a frame of the merged order is corrupt: the view stops there");
		o->fr.off = o->fr.size;
		return 0;
	case XT_FRAME_NO_MEMORY:
	case XT_FRAME_IO_ERROR:
		return -ENOMEM;
	default:
		(*o->damage)++;
		xt_log(XTRACE_LOG_WARNING, "the merged order is truncated or damaged at byte %lld",
		       (long long)o->fr.off);
		return 0;
	}
}

static int varint(struct xt_order_reader *o, uint64_t *v)
{
	const unsigned char *buf = o->fr.out;
	int shift = 0;

	*v = 0;
	while (o->pos < o->fr.len && shift < 64) {
		unsigned char b = buf[o->pos++];

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
		shift += 7;
	}
	return -EBADMSG;
}

int xt_order_next_run(struct xt_order_reader *o, uint32_t *stream, uint64_t *count)
{
	uint64_t id, n;
	int ret;

	while (o->pos >= o->fr.len) {
		ret = order_load(o);
		if (ret <= 0)
			return ret;
	}
	if (varint(o, &id) || varint(o, &n) || id >= (uint64_t)o->nr_streams || !n) {
		(*o->damage)++;
		xt_log(XTRACE_LOG_WARNING, "the merged order is malformed: the view stops there");
		o->pos = o->fr.len;
		o->fr.off = o->fr.size;
		return 0;
	}
	*stream = id;
	*count = n;
	return 1;
}

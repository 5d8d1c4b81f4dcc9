// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: capture-file writers: the file, errors, and the kcap_writer_*()
 * calls, which hand over to the format's half in writer_pcap.c or writer_pcapng.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kcap.h"
#include "ring.h"
#include "writer.h"

/*
 * Record the first failed write and cut a regular file back to the end of
 * its last whole record, so that it stays a valid capture file.
 */
int kcap_writer_fail(struct kcap_writer *w, int err)
{
	if (!w->err)
		w->err = err;
	if (w->regular && w->fd >= 0)
		(void)!ftruncate(w->fd, (off_t)w->good);
	return w->err;
}

void kcap_writer_good(struct kcap_writer *w)
{
	w->good = w->bytes;
	w->frames_good = w->frames;
	w->data_good = w->data;
}

int kcap_writer_buf_init(struct kcap_writer *w, size_t max_rec)
{
	w->buf_size = max_rec > KCAP_WRITER_BUF ? max_rec : KCAP_WRITER_BUF;
	w->buf = malloc(w->buf_size);
	return w->buf ? 0 : -ENOMEM;
}

int kcap_writer_buf_grow(struct kcap_writer *w, size_t n)
{
	uint8_t *buf;
	int err;

	if (w->buf_len) {
		err = kcap_writer_buf_flush(w);
		if (err)
			return err;
	}
	if (n > w->buf_size) {
		buf = realloc(w->buf, n);
		if (!buf)
			return -ENOMEM;
		w->buf = buf;
		w->buf_size = n;
	}
	return 0;
}

/*
 * A write that failed after @done bytes of the buffer went out (a disk
 * fills up part way: write(2) takes what fits, the next one fails): the
 * whole records among them stay in the file, the rest is cut off.
 */
static int kcap_writer_buf_fail(struct kcap_writer *w, size_t done, int err)
{
	uint64_t frames = 0, data = 0;
	size_t whole = w->ops->whole(w, w->buf, done, &frames, &data);

	w->good += whole;
	w->frames_good += frames;
	w->data_good += data;
	w->buf_len = 0;
	return kcap_writer_fail(w, err);
}

int kcap_writer_buf_flush(struct kcap_writer *w)
{
	size_t done = 0;
	ssize_t n;

	if (w->err)
		return w->err;
	while (done < w->buf_len) {
		n = write(w->fd, w->buf + done, w->buf_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kcap_writer_buf_fail(w, done,
						    n < 0 ? -errno : -EIO);
		done += n;
	}
	w->buf_len = 0;
	kcap_writer_good(w);	/* the buffer held all that was not out */
	return 0;
}

static int kcap_writer_open_file(struct kcap_writer *w,
				 const struct kcap_writer_opts *o)
{
	struct stat st;

	if (!o->path) {
		w->fd = o->fd;
	} else if (!strcmp(o->path, "-")) {
		w->fd = STDOUT_FILENO;
	} else {
		w->fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0666);
		if (w->fd < 0)
			return -errno;
		w->own_fd = true;
	}
	if (fstat(w->fd, &st) < 0)
		return -errno;
	/*
	 * A file it can cut back: one of its own, or a regular file (a
	 * memfd) given at offset 0 -- stdout may be a file opened for
	 * appending, not at offset 0.
	 */
	w->regular = S_ISREG(st.st_mode) &&
		     (w->own_fd || (!o->path && lseek(w->fd, 0, SEEK_CUR) == 0));
	return 0;
}

static void kcap_writer_free(struct kcap_writer *w)
{
	if (w->own_fd && w->fd >= 0)
		close(w->fd);
	free(w->buf);
	free(w->ifs);
	free(w);
}

int kcap_writer_create(struct kcap_writer **wp,
		       const struct kcap_writer_opts *o)
{
	struct kcap_writer *w;
	int err;

	*wp = NULL;
	if ((!o->path && o->fd < 0) || o->linktype < 0 ||
	    (o->format != KCAP_FORMAT_PCAP && o->format != KCAP_FORMAT_PCAPNG))
		return -EINVAL;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->ops = o->format == KCAP_FORMAT_PCAP ? &kcap_writer_pcap_ops :
						 &kcap_writer_pcapng_ops;
	w->linktype = o->linktype;
	w->snaplen = o->snaplen;
	w->nano = o->nano;
	w->comment = o->comment;

	err = kcap_writer_open_file(w, o);
	if (!err)
		err = w->ops->open(w);
	/* The file is a valid, empty capture file from the start. */
	if (!err)
		err = kcap_writer_buf_flush(w);
	w->comment = NULL;	/* the caller's: written, not kept */
	if (err) {
		kcap_writer_free(w);
		return err;
	}
	*wp = w;
	return 0;
}

int kcap_writer_open(struct kcap_writer **wp, const char *path,
		     enum kcap_file_format fmt, int linktype, uint32_t snaplen,
		     bool nano)
{
	const struct kcap_writer_opts o = {
		.path = path, .fd = -1, .format = fmt, .linktype = linktype,
		.snaplen = snaplen, .nano = nano,
	};

	*wp = NULL;
	if (!path)
		return -EINVAL;
	return kcap_writer_create(wp, &o);
}

int kcap_writer_add_interface(struct kcap_writer *w, uint32_t ifindex,
			      const char *name, int linktype, uint32_t snaplen)
{
	if (w->err)
		return w->err;
	return w->ops->add_interface(w, ifindex, name, linktype, snaplen);
}

int kcap_writer_write(struct kcap_writer *w, const struct kcap_frame *f)
{
	static const uint8_t none;	/* no bytes, but not NULL to memcpy() */
	struct kcap_frame empty;
	int err;

	if (w->err)
		return w->err;
	if (f->caplen > f->len || (f->caplen && !f->data))
		return -EINVAL;
	if (!f->data) {
		empty = *f;
		empty.data = &none;
		f = &empty;
	}
	err = w->ops->write(w, f);
	if (err)
		return err;
	w->frames++;
	w->data += f->caplen;
	return 0;
}

int kcap_writer_write_recs(struct kcap_writer *w,
			   const struct kcap_rec *const *recs, unsigned int n,
			   uint64_t limit, bool anydev, unsigned int *done)
{
	*done = 0;
	w->recs_data = 0;
	if (w->err)
		return w->err;
	return w->ops->write_recs(w, recs, n, limit, anydev, done);
}

/*
 * A writev(2) of @iov[0..n) that failed after @done bytes went out: the
 * whole records among them stay in the file, the rest is cut off.
 */
static int kcap_writer_spans_fail(struct kcap_writer *w,
				  const struct iovec *iov, unsigned int n,
				  size_t done, int err)
{
	uint64_t frames = 0, data = 0;
	unsigned int i;
	size_t len;

	for (i = 0; i < n && done; i++) {
		len = iov[i].iov_len < done ? iov[i].iov_len : done;
		done -= len;
		w->good += w->ops->whole(w, iov[i].iov_base, len, &frames,
					 &data);
		if (len < iov[i].iov_len)
			break;	/* the records after a cut one are not whole */
	}
	w->frames_good += frames;
	w->data_good += data;
	w->buf_len = 0;
	return kcap_writer_fail(w, err);
}

void kcap_writer_stage(struct kcap_writer *w, uint8_t **stage, uint8_t **end)
{
	*stage = *end = NULL;
	if (w->err)
		return;
	/* Room for a good many records, or out with what it holds. */
	if (w->buf_size - w->buf_len < KCAP_WRITER_BUF / 4 &&
	    kcap_writer_buf_flush(w))
		return;		/* (the error is sticky) */
	*stage = w->buf + w->buf_len;
	*end = w->buf + w->buf_size;
}

uint32_t kcap_writer_span_snaplen(const struct kcap_writer *w)
{
	if (w->ops == &kcap_writer_pcap_ops)
		return w->rec_snaplen;
	return w->nr_ifs ? w->ifs[0].snaplen : 0;
}

int kcap_writer_write_spans(struct kcap_writer *w,
			    const struct kcap_span *spans, unsigned int n)
{
	struct iovec iov[2 * KCAP_SPANS_MAX + 1], cur[2 * KCAP_SPANS_MAX + 1];
	struct iovec *v = cur;
	uint64_t frames = 0, data = 0, bytes = 0;
	size_t seg = 0, done = 0, len;
	unsigned int i, k = 0;
	uint8_t *pos, *end;
	ssize_t got;

	if (w->err)
		return w->err;
	if (n > KCAP_SPANS_MAX || w->ops->spans(w, spans, n))
		return -EINVAL;
	pos = w->buf + w->buf_len;
	end = w->buf + w->buf_size;
	/*
	 * Spans in the stage (kcap_writer_stage()) are in the buffer, past
	 * what it held: each goes out from there, and every other from its
	 * ring, as copies into the buffer would overwrite them.
	 */
	for (i = 0; i < n && spans[i].ring != KCAP_SPAN_STAGED; i++)
		;
	if (i < n)
		end = pos;
	for (i = 0; i < n; i++) {
		len = spans[i].len;
		if (spans[i].ring == KCAP_SPAN_STAGED) {
			/* In place: after the buffer's or the last one's. */
			if (spans[i].p != pos) {
				if (pos > w->buf + seg) {
					iov[k].iov_base = w->buf + seg;
					iov[k++].iov_len =
						(size_t)(pos - w->buf) - seg;
				}
				seg = (size_t)(spans[i].p - w->buf);
			}
			pos = (uint8_t *)spans[i].p + len;
			end = pos;
		} else if (len <= KCAP_WRITER_SPAN_COPY &&
			   len <= (size_t)(end - pos)) {
			kcap_copy_frame_bytes(pos, spans[i].p, len);
			pos += len;
		} else {
			/* From the ring, after what the buffer holds. */
			if (pos > w->buf + seg) {
				iov[k].iov_base = w->buf + seg;
				iov[k++].iov_len = (size_t)(pos - w->buf) - seg;
				seg = (size_t)(pos - w->buf);
			}
			iov[k].iov_base = (void *)spans[i].p;
			iov[k++].iov_len = len;
		}
		frames += spans[i].n;
		data += spans[i].data;
		bytes += len;
	}
	w->buf_len = (size_t)(pos - w->buf);
	kcap_writer_count(w, frames, bytes, data);
	if (!k)
		return 0;	/* all in the buffer, out with it later */
	if (w->buf_len > seg) {
		iov[k].iov_base = w->buf + seg;
		iov[k++].iov_len = w->buf_len - seg;
	}
	/* One writev(2), unless the file takes less at once. */
	len = 0;
	for (i = 0; i < k; i++)
		len += iov[i].iov_len;
	memcpy(cur, iov, k * sizeof(*iov));
	while (done < len) {
		got = writev(w->fd, v, (int)(k - (unsigned int)(v - cur)));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return kcap_writer_spans_fail(w, iov, k, done,
						      got < 0 ? -errno : -EIO);
		done += (size_t)got;
		while (got && (size_t)got >= v->iov_len) {
			got -= (ssize_t)v->iov_len;
			v++;
		}
		if (got) {
			v->iov_base = (uint8_t *)v->iov_base + got;
			v->iov_len -= (size_t)got;
		}
	}
	w->buf_len = 0;
	kcap_writer_good(w);
	return 0;
}

uint64_t kcap_writer_recs_data(const struct kcap_writer *w)
{
	return w->recs_data;
}

int kcap_writer_flush(struct kcap_writer *w)
{
	if (w->err)
		return w->err;
	return w->ops->flush(w);
}

int kcap_writer_set_stats(struct kcap_writer *w, uint32_t ifindex,
			  uint64_t received, uint64_t dropped)
{
	if (w->err)
		return w->err;
	return w->ops->set_stats(w, ifindex, received, dropped);
}

int kcap_writer_close(struct kcap_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = w->ops->close(w);
	if (!err && w->own_fd && close(w->fd) < 0)
		err = -errno;	/* e.g. NFS reports a late -ENOSPC here */
	w->fd = -1;
	kcap_writer_free(w);
	return err;
}

uint64_t kcap_writer_bytes(const struct kcap_writer *w)
{
	return w->bytes;
}

void kcap_writer_kept(const struct kcap_writer *w, uint64_t *frames,
		      uint64_t *bytes)
{
	*frames = w->frames_good;
	*bytes = w->data_good;
}

uint64_t kcap_writer_frame_bytes(const struct kcap_writer *w,
				 const struct kcap_frame *f)
{
	return w->ops->frame_bytes(w, f);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: capture-file writers: the file, errors, and the kcap_writer_*()
 * calls, which hand over to the format's half in writer_pcap.c or pcapng.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kcap.h"
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

static int kcap_writer_open_file(struct kcap_writer *w, const char *path)
{
	struct stat st;

	if (!strcmp(path, "-")) {
		w->fd = STDOUT_FILENO;
	} else {
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0666);
		if (w->fd < 0)
			return -errno;
		w->own_fd = true;
	}
	if (fstat(w->fd, &st) < 0)
		return -errno;
	/* Stdout may be a file opened for appending, not at offset 0. */
	w->regular = S_ISREG(st.st_mode) && w->own_fd;
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

int kcap_writer_open(struct kcap_writer **wp, const char *path,
		     enum kcap_file_format fmt, int linktype, uint32_t snaplen,
		     bool nano)
{
	struct kcap_writer *w;
	int err;

	*wp = NULL;
	if (!path || linktype < 0 ||
	    (fmt != KCAP_FORMAT_PCAP && fmt != KCAP_FORMAT_PCAPNG))
		return -EINVAL;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->fmt = fmt;
	w->linktype = linktype;
	w->snaplen = snaplen;
	w->nano = nano;

	err = kcap_writer_open_file(w, path);
	if (!err)
		err = fmt == KCAP_FORMAT_PCAP ? kcap_writer_pcap_open(w) :
						kcap_writer_pcapng_open(w);
	if (err) {
		if (fmt == KCAP_FORMAT_PCAP)
			kcap_writer_pcap_close(w);
		kcap_writer_free(w);
		return err;
	}
	*wp = w;
	return 0;
}

int kcap_writer_add_interface(struct kcap_writer *w, uint32_t ifindex,
			      const char *name, int linktype, uint32_t snaplen)
{
	if (w->err)
		return w->err;
	if (w->fmt == KCAP_FORMAT_PCAP)
		return linktype == w->linktype ? 0 : -EINVAL;
	return kcap_writer_pcapng_add_interface(w, ifindex, name, linktype,
						snaplen);
}

int kcap_writer_write(struct kcap_writer *w, const struct kcap_frame *f)
{
	if (w->err)
		return w->err;
	if (f->caplen > f->len || (f->caplen && !f->data))
		return -EINVAL;
	if (w->fmt == KCAP_FORMAT_PCAP)
		return kcap_writer_pcap_write(w, f);
	return kcap_writer_pcapng_write(w, f);
}

int kcap_writer_flush(struct kcap_writer *w)
{
	if (w->err)
		return w->err;
	if (w->fmt == KCAP_FORMAT_PCAP)
		return kcap_writer_pcap_flush(w);
	return kcap_writer_pcapng_flush(w);
}

int kcap_writer_set_stats(struct kcap_writer *w, uint32_t ifindex,
			  uint64_t received, uint64_t dropped)
{
	if (w->err)
		return w->err;
	if (w->fmt == KCAP_FORMAT_PCAP)
		return 0;
	return kcap_writer_pcapng_set_stats(w, ifindex, received, dropped);
}

int kcap_writer_close(struct kcap_writer *w)
{
	int err;

	if (!w)
		return 0;
	if (w->fmt == KCAP_FORMAT_PCAP)
		err = kcap_writer_pcap_close(w);
	else
		err = kcap_writer_pcapng_close(w);
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

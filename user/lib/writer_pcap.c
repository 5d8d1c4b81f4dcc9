// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the pcap writer, through libpcap's pcap_dump*().
 *
 * libpcap's pcap_dump() ignores write errors and writes a record with two
 * fwrite()s, so a record could be split between two writes.  Its FILE is
 * therefore given a buffer that holds at least one whole record, and is
 * flushed before a record that would not fit, so that every write(2) of
 * it carries whole records.  Write errors are found by pcap_dump_flush()
 * and ferror(); then the buffer is discarded and the file cut back to the
 * end of the last successful flush.
 */

#include <errno.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <unistd.h>

#include "kcap.h"
#include "writer.h"

#define KCAP_PCAP_FILE_HDR	24	/* struct pcap_file_header */
#define KCAP_PCAP_REC_HDR	16	/* the on-disk struct pcap_pkthdr */
#define KCAP_PCAP_MAX_SNAPLEN	262144	/* libpcap's MAXIMUM_SNAPLEN */
#define KCAP_PCAP_IOBUF		65536

static uint32_t kcap_pcap_snaplen(const struct kcap_writer *w)
{
	if (!w->snaplen || w->snaplen > KCAP_PCAP_MAX_SNAPLEN)
		return KCAP_PCAP_MAX_SNAPLEN;
	return w->snaplen;
}

/* The errno of a failed stdio call, which did not always set one. */
static int kcap_pcap_errno(void)
{
	return errno ? -errno : -EIO;
}

static int kcap_pcap_fail(struct kcap_writer *w, int err)
{
	__fpurge(w->fp);	/* never write the rest of the buffer */
	clearerr(w->fp);
	return kcap_writer_fail(w, err);
}

static uint64_t kcap_writer_pcap_frame_bytes(const struct kcap_writer *w,
					     const struct kcap_frame *f)
{
	uint32_t caplen = f->caplen;

	if (caplen > kcap_pcap_snaplen(w))
		caplen = kcap_pcap_snaplen(w);
	return KCAP_PCAP_REC_HDR + (uint64_t)caplen;
}

static int kcap_writer_pcap_close(struct kcap_writer *w);

static int kcap_writer_pcap_open_dumper(struct kcap_writer *w)
{
	int precision = w->nano ? PCAP_TSTAMP_PRECISION_NANO :
				  PCAP_TSTAMP_PRECISION_MICRO;
	/* libpcap takes a DLT_ value and writes the LINKTYPE_ one. */
	int dlt = kcap_linktype_to_dlt((uint32_t)w->linktype);
	int fd;

	w->dead = pcap_open_dead_with_tstamp_precision(dlt,
						       kcap_pcap_snaplen(w),
						       precision);
	if (!w->dead)
		return -ENOMEM;

	/* libpcap closes its FILE; w->fd stays ours, to truncate. */
	fd = dup(w->fd);
	if (fd < 0)
		return -errno;
	w->fp = fdopen(fd, "wb");
	if (!w->fp) {
		close(fd);
		return -errno;
	}
	w->iobuf_size = KCAP_PCAP_IOBUF + KCAP_PCAP_REC_HDR +
			kcap_pcap_snaplen(w);
	w->iobuf = malloc(w->iobuf_size);
	if (!w->iobuf ||
	    setvbuf(w->fp, w->iobuf, _IOFBF, w->iobuf_size))
		return -ENOMEM;

	errno = 0;
	w->dumper = pcap_dump_fopen(w->dead, w->fp);
	if (!w->dumper)
		return kcap_pcap_errno();
	w->bytes = KCAP_PCAP_FILE_HDR;
	return 0;
}

/* Open the dumper; on failure release whatever was set up. */
static int kcap_writer_pcap_open(struct kcap_writer *w)
{
	int err = kcap_writer_pcap_open_dumper(w);

	if (err)
		kcap_writer_pcap_close(w);
	return err;
}

/* A pcap file has one link type: other interfaces must share it. */
static int kcap_writer_pcap_add_interface(struct kcap_writer *w,
					  uint32_t ifindex, const char *name,
					  int linktype, uint32_t snaplen)
{
	(void)ifindex;
	(void)name;
	(void)snaplen;
	return linktype == w->linktype ? 0 : -EINVAL;
}

/* A pcap file has no place for interface statistics. */
static int kcap_writer_pcap_set_stats(struct kcap_writer *w, uint32_t ifindex,
				      uint64_t received, uint64_t dropped)
{
	(void)w;
	(void)ifindex;
	(void)received;
	(void)dropped;
	return 0;
}

static int kcap_writer_pcap_flush(struct kcap_writer *w)
{
	errno = 0;
	if (pcap_dump_flush(w->dumper) < 0 || ferror(w->fp))
		return kcap_pcap_fail(w, kcap_pcap_errno());
	kcap_writer_good(w);
	return 0;
}

static int kcap_writer_pcap_write(struct kcap_writer *w,
				  const struct kcap_frame *f)
{
	struct pcap_pkthdr hdr;
	uint32_t caplen = f->caplen;
	uint64_t frac = f->tstamp_ns % 1000000000;
	int err;

	if (caplen > kcap_pcap_snaplen(w))
		caplen = kcap_pcap_snaplen(w);

	/* Never let stdio flush part of this record on its own. */
	if (w->bytes - w->good + KCAP_PCAP_REC_HDR + caplen > w->iobuf_size) {
		err = kcap_writer_pcap_flush(w);
		if (err)
			return err;
	}

	hdr.ts.tv_sec = (time_t)(f->tstamp_ns / 1000000000);
	/* With a nanosecond handle libpcap takes tv_usec as nanoseconds. */
	hdr.ts.tv_usec = (suseconds_t)(w->nano ? frac : frac / 1000);
	hdr.caplen = caplen;
	hdr.len = f->len;
	pcap_dump((u_char *)w->dumper, &hdr, f->data);
	if (ferror(w->fp))
		return kcap_pcap_fail(w, -EIO);
	w->bytes += KCAP_PCAP_REC_HDR + caplen;
	return 0;
}

static int kcap_writer_pcap_close(struct kcap_writer *w)
{
	int err = w->err;

	if (w->dumper) {
		if (!err)
			err = kcap_writer_pcap_flush(w);
		pcap_dump_close(w->dumper);	/* fclose()s w->fp */
	} else if (w->fp) {
		fclose(w->fp);
	}
	w->dumper = NULL;
	w->fp = NULL;
	if (w->dead)
		pcap_close(w->dead);
	w->dead = NULL;
	free(w->iobuf);
	w->iobuf = NULL;
	return err;
}

KCAP_WRITER_OPS(pcap);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkcap: what the capture-file writers share: the writer itself, the file
 * it writes, and the two formats' halves of the kcap_writer_*() calls.
 */
#ifndef _LIBKCAP_WRITER_H
#define _LIBKCAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "kcap.h"

/* What a pcapng file knows of an interface. */
struct kcap_writer_if {
	uint32_t	ifindex;
	uint32_t	snaplen;	/* 0: no limit */
	bool		have_stats;
	uint64_t	received;
	uint64_t	dropped;
	uint64_t	frames;
	uint64_t	first_ns;
	uint64_t	last_ns;
};

struct kcap_writer {
	enum kcap_file_format	fmt;
	int			fd;		/* owned unless it is stdout */
	bool			own_fd;
	bool			regular;	/* can be truncated */
	int			err;		/* first failed write, sticky */
	uint64_t		bytes;		/* in the file and buffered */
	uint64_t		good;		/* end of the last whole record */
	int			linktype;
	uint32_t		snaplen;	/* 0: no limit */
	bool			nano;

	/* pcap: libpcap writes through its own FILE on a dup of fd. */
	pcap_t			*dead;
	pcap_dumper_t		*dumper;
	FILE			*fp;
	char			*iobuf;
	size_t			iobuf_size;

	/* pcapng: whole blocks, buffered before one write(2). */
	uint8_t			*buf;
	size_t			buf_len;
	size_t			buf_size;
	struct kcap_writer_if	*ifs;		/* interface id is the index */
	size_t			nr_ifs;
};

/* writer.c */
int kcap_writer_fail(struct kcap_writer *w, int err);

/* writer_pcap.c */
int kcap_writer_pcap_open(struct kcap_writer *w);
int kcap_writer_pcap_write(struct kcap_writer *w, const struct kcap_frame *f);
int kcap_writer_pcap_flush(struct kcap_writer *w);
int kcap_writer_pcap_close(struct kcap_writer *w);

/* pcapng.c */
int kcap_writer_pcapng_open(struct kcap_writer *w);
int kcap_writer_pcapng_add_interface(struct kcap_writer *w, uint32_t ifindex,
				     const char *name, int linktype,
				     uint32_t snaplen);
int kcap_writer_pcapng_write(struct kcap_writer *w,
			     const struct kcap_frame *f);
int kcap_writer_pcapng_set_stats(struct kcap_writer *w, uint32_t ifindex,
				 uint64_t received, uint64_t dropped);
int kcap_writer_pcapng_flush(struct kcap_writer *w);
int kcap_writer_pcapng_close(struct kcap_writer *w);

#endif /* _LIBKCAP_WRITER_H */

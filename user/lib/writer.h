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
#include <string.h>

#include <linux/kcap.h>

#include "kcap.h"

/* What a pcapng file knows of an interface. */
struct kcap_writer_if {
	uint32_t	ifindex;
	uint32_t	snaplen;	/* frames cut to it; never 0 */
	bool		have_stats;
	uint64_t	received;
	uint64_t	dropped;
	uint64_t	frames;
	uint64_t	first_ns;
	uint64_t	last_ns;
};

struct kcap_writer_ops;
struct kcap_span;

struct kcap_writer {
	const struct kcap_writer_ops *ops;
	int			fd;		/* owned unless it is stdout */
	bool			own_fd;
	bool			regular;	/* can be truncated */
	int			err;		/* first failed write, sticky */
	uint64_t		bytes;		/* in the file and buffered */
	uint64_t		good;		/* end of the last whole record */
	uint64_t		frames;		/* in the file and buffered */
	uint64_t		data;		/* their captured bytes */
	uint64_t		frames_good;	/* in the file up to good */
	uint64_t		data_good;
	uint64_t		recs_data;	/* of the last write_recs() */
	int			linktype;
	uint32_t		snaplen;	/* 0: no limit */
	bool			nano;
	const char		*comment;	/* while opening: the section's */

	/* pcap: the snaplen of its header, which records are cut to. */
	uint32_t		rec_snaplen;

	/* Whole records or blocks, buffered before one write(2). */
	uint8_t			*buf;
	size_t			buf_len;
	size_t			buf_size;

	/* pcapng */
	struct kcap_writer_if	*ifs;		/* interface id is the index */
	size_t			nr_ifs;
};

/*
 * The pcap format, as libpcap's pcap_dump_open() and pcap_dump() write it,
 * in host byte order: used by the pcap writer and the pcap stream.
 */
#define KCAP_PCAP_FILE_HDR	24	/* struct pcap_file_header */
#define KCAP_PCAP_REC_HDR	16	/* the on-disk struct pcap_pkthdr */
#define KCAP_PCAP_MAX_SNAPLEN	262144	/* libpcap's MAXIMUM_SNAPLEN */

/* 16 bytes, unaligned: one load and one store of a vector register. */
static inline __attribute__((always_inline)) void
kcap_copy16(uint8_t *to, const uint8_t *from)
{
	memcpy(to, from, 16);
}

/*
 * memcpy() of a frame's @n bytes into the file's buffer.  Inline for the
 * frames a capture mostly writes, 16 to 128 bytes: as glibc copies them,
 * 16 bytes at a time from the start and from the end, overlapping in the
 * middle; memcpy() for the rest.  Under TCG, where kcap is benchmarked,
 * the call through the PLT and the return each cost a lookup of
 * translated code, more than the copy of a small frame.  Past 64 bytes:
 * the first 64 and the last 32, and the 32 after the first 64 if there
 * are more than 96, so that the record of a minimal frame (a pcap
 * header and 60 bytes) takes 6 copies, not 8.
 */
static inline __attribute__((always_inline)) void
kcap_copy_frame_bytes(uint8_t *to, const uint8_t *from, size_t n)
{
	if (n < 16 || n > 128) {
		memcpy(to, from, n);
		return;
	}
	if (n > 64) {
		kcap_copy16(to, from);
		kcap_copy16(to + 16, from + 16);
		kcap_copy16(to + 32, from + 32);
		kcap_copy16(to + 48, from + 48);
		if (n > 96) {
			kcap_copy16(to + 64, from + 64);
			kcap_copy16(to + 80, from + 80);
		}
		kcap_copy16(to + n - 32, from + n - 32);
		kcap_copy16(to + n - 16, from + n - 16);
		return;
	}
	if (n > 32) {
		kcap_copy16(to + 16, from + 16);
		kcap_copy16(to + n - 32, from + n - 32);
	}
	kcap_copy16(to, from);
	kcap_copy16(to + n - 16, from + n - 16);
}

/* struct pcap_file_header, as libpcap's sf_write_header() fills it. */
void kcap_pcap_file_header(uint8_t *p, uint32_t linktype, uint32_t snaplen,
			   bool nano);

/*
 * A record header's time: seconds, micro- or nanoseconds; of a time given
 * as @sec seconds and @frac ns past them.  Field by field: stores of
 * registers, no copy through the stack.
 */
static inline __attribute__((always_inline)) void
kcap_pcap_rec_time(uint8_t *p, uint64_t sec, uint32_t frac, bool nano)
{
	uint32_t frac_out = nano ? frac : frac / 1000;
	uint32_t sec32 = (uint32_t)sec;

	memcpy(p, &sec32, 4);
	memcpy(p + 4, &frac_out, 4);
}

/* A record's header: its time, caplen, len. */
static inline void kcap_pcap_rec_header_at(uint8_t *p, uint64_t sec,
					   uint32_t frac, uint32_t caplen,
					   uint32_t len, bool nano)
{
	kcap_pcap_rec_time(p, sec, frac, nano);
	memcpy(p + 8, &caplen, 4);
	memcpy(p + 12, &len, 4);
}

/*
 * A ring record's caplen and len, side by side in host order as in a
 * pcap record header, read at once (the ring is shared: what is written
 * must be what was read).
 */
static inline __attribute__((always_inline)) uint64_t
kcap_rec_lens(const struct kcap_rec *rec, uint32_t *caplen)
{
	uint64_t lens;

	_Static_assert(offsetof(struct kcap_rec, len) ==
		       offsetof(struct kcap_rec, caplen) + 4,
		       "caplen and len side by side, as in a pcap record");
	memcpy(&lens, (const uint8_t *)rec + offsetof(struct kcap_rec, caplen),
	       sizeof(lens));
	memcpy(caplen, &lens, sizeof(*caplen));
	return lens;
}

/*
 * kcap_pcap_rec_header_at() of a ring record's @lens (kcap_rec_lens()),
 * its frame cut to @caplen if @cut: one copy of the two lengths, and of
 * caplen again if it was cut.
 */
static inline __attribute__((always_inline)) void
kcap_pcap_rec_header_lens(uint8_t *p, uint64_t sec, uint32_t frac,
			  uint64_t lens, bool cut, uint32_t caplen, bool nano)
{
	kcap_pcap_rec_time(p, sec, frac, nano);
	memcpy(p + 8, &lens, 8);
	if (cut)
		memcpy(p + 8, &caplen, 4);
}

/* The same of a time in ns. */
static inline void kcap_pcap_rec_header(uint8_t *p, uint64_t tstamp_ns,
					uint32_t caplen, uint32_t len,
					bool nano)
{
	kcap_pcap_rec_header_at(p, tstamp_ns / 1000000000,
				(uint32_t)(tstamp_ns % 1000000000), caplen,
				len, nano);
}

/* writer.c */
int kcap_writer_fail(struct kcap_writer *w, int err);
/* Everything written so far is in the file: good is bytes. */
void kcap_writer_good(struct kcap_writer *w);
/* The buffer, KCAP_WRITER_BUF bytes or @max_rec if more. */
int kcap_writer_buf_init(struct kcap_writer *w, size_t max_rec);
/* Write the buffer out; on failure, cut the file back (sticky error). */
int kcap_writer_buf_flush(struct kcap_writer *w);

#define KCAP_WRITER_BUF		(256 * 1024)

/*
 * Spans of ring records up to this long are copied into the buffer; longer
 * ones go to writev(2) from the ring, with no copy in userland.
 */
#define KCAP_WRITER_SPAN_COPY	4096

/* The slow half of kcap_writer_buf_room(): write out, grow. */
int kcap_writer_buf_grow(struct kcap_writer *w, size_t n);

/*
 * Room for @n bytes behind what the buffer holds, in *@p: the buffer is
 * written out first if they would not fit, and grown if it is smaller.
 */
static inline int kcap_writer_buf_room(struct kcap_writer *w, size_t n,
				       uint8_t **p)
{
	int err;

	if (w->buf_len + n > w->buf_size) {
		err = kcap_writer_buf_grow(w, n);
		if (err)
			return err;
	}
	*p = w->buf + w->buf_len;
	return 0;
}

/* @n bytes built at kcap_writer_buf_room(): a whole record or block. */
static inline void kcap_writer_buf_add(struct kcap_writer *w, size_t n)
{
	w->buf_len += n;
	w->bytes += n;
}

/* @frames whole records of @bytes, @data of them frame bytes, buffered. */
static inline void kcap_writer_count(struct kcap_writer *w, uint64_t frames,
				     uint64_t bytes, uint64_t data)
{
	w->frames += frames;
	w->bytes += bytes;
	w->data += data;
}

/* How many more bytes the file may take to stay within @limit. */
static inline uint64_t kcap_writer_room(const struct kcap_writer *w,
					uint64_t limit)
{
	return limit > w->bytes ? limit - w->bytes : 0;
}

/*
 * The write_recs() loops' view of the buffer: its fields in locals (the
 * copy of a frame could otherwise change them), where the next record
 * goes (@pos: a loop can take it from memcpy()'s return, so that nothing
 * else of a record is live across the copy), what both the buffer and
 * the limit still take (@budget: one test per record for the two), and
 * what is in the buffer but not yet counted (from @start, @data bytes of
 * frames, records from @counted on).  Its functions are always inlined:
 * kept in registers, it costs the loops nothing.
 */
struct kcap_writer_batch {
	uint8_t		*pos;
	uint8_t		*start;
	uint64_t	budget;
	uint64_t	data;
	unsigned int	counted;
};

/* Take the buffer as it is now (after a write out or an IDB). */
static inline __attribute__((always_inline)) void
kcap_writer_batch_load(struct kcap_writer *w, struct kcap_writer_batch *b,
		       uint64_t limit)
{
	uint64_t room = kcap_writer_room(w, limit);
	size_t left = w->buf_size - w->buf_len;

	b->pos = b->start = w->buf + w->buf_len;
	b->budget = room < left ? room : left;
}

static inline void kcap_writer_batch_init(struct kcap_writer *w,
					  struct kcap_writer_batch *b,
					  uint64_t limit)
{
	b->data = 0;
	b->counted = 0;
	kcap_writer_batch_load(w, b, limit);
}

/* Count records up to @i (not included) and give the buffer back to @w. */
static inline __attribute__((always_inline)) void
kcap_writer_batch_count(struct kcap_writer *w, struct kcap_writer_batch *b,
			unsigned int i)
{
	w->buf_len = (size_t)(b->pos - w->buf);
	kcap_writer_count(w, i - b->counted, (size_t)(b->pos - b->start),
			  b->data);
	w->recs_data += b->data;
	b->counted = i;
	b->start = b->pos;
	b->data = 0;
}

/*
 * Record @i needs @need bytes and the budget has fewer: count what came
 * before it (writing out marks them good), then write out the buffer.
 * 0 if it now fits, 1 if the limit has no room for it, or a negative
 * errno.
 */
static inline __attribute__((always_inline)) int
kcap_writer_batch_room(struct kcap_writer *w, struct kcap_writer_batch *b,
		       uint64_t limit, size_t need, unsigned int i)
{
	int err;

	kcap_writer_batch_count(w, b, i);
	if (need > kcap_writer_room(w, limit))
		return 1;
	err = kcap_writer_buf_grow(w, need);
	kcap_writer_batch_load(w, b, limit);
	return err;
}

/* A file format: the format's half of each kcap_writer_*() call. */
struct kcap_writer_ops {
	/* Write the file header; on failure, release what it set up. */
	int (*open)(struct kcap_writer *w);
	int (*add_interface)(struct kcap_writer *w, uint32_t ifindex,
			     const char *name, int linktype, uint32_t snaplen);
	int (*write)(struct kcap_writer *w, const struct kcap_frame *f);
	/*
	 * Ring records, checked, as write() would write their frames, while
	 * the file stays within @limit bytes; *@done of them were written.
	 * @anydev: every frame's interface is "any" (ifindex 0).  With a
	 * limit, a frame that needs more than its own record (pcapng's first
	 * of an interface) ends the run: the caller writes it alone.
	 */
	int (*write_recs)(struct kcap_writer *w,
			  const struct kcap_rec *const *recs, unsigned int n,
			  uint64_t limit, bool anydev, unsigned int *done);
	/* The bytes write() would add for @f (its record only). */
	uint64_t (*frame_bytes)(const struct kcap_writer *w,
				const struct kcap_frame *f);
	int (*set_stats)(struct kcap_writer *w, uint32_t ifindex,
			 uint64_t received, uint64_t dropped);
	int (*flush)(struct kcap_writer *w);
	/*
	 * Of @len bytes from the buffer's start, the length of the whole
	 * records (or blocks) they begin with, and in @frames and @data the
	 * frames and captured bytes those hold.
	 */
	size_t (*whole)(const struct kcap_writer *w, const uint8_t *buf,
			size_t len, uint64_t *frames, uint64_t *data);
	/*
	 * Spans of ring records (ring.h) that go into the file as they are,
	 * about to be written: 0, after counting their frames where the
	 * format keeps a count (pcapng's statistics, on interface 0); or
	 * -EINVAL if they cannot (pcapng's file has no interface).
	 */
	int (*spans)(struct kcap_writer *w, const struct kcap_span *spans,
		     unsigned int n);
	/* Write the trailer, flush, release; the first error, sticky. */
	int (*close)(struct kcap_writer *w);
};

/*
 * A format's ops, of its functions kcap_writer_FMT_open() and so on, in
 * the manner of the kernel's DEFINE_*() macros.
 */
#define KCAP_WRITER_OPS(fmt)						\
const struct kcap_writer_ops kcap_writer_##fmt##_ops = {		\
	.open		= kcap_writer_##fmt##_open,			\
	.add_interface	= kcap_writer_##fmt##_add_interface,		\
	.write		= kcap_writer_##fmt##_write,			\
	.write_recs	= kcap_writer_##fmt##_write_recs,		\
	.frame_bytes	= kcap_writer_##fmt##_frame_bytes,		\
	.set_stats	= kcap_writer_##fmt##_set_stats,		\
	.flush		= kcap_writer_##fmt##_flush,			\
	.whole		= kcap_writer_##fmt##_whole,			\
	.spans		= kcap_writer_##fmt##_spans,			\
	.close		= kcap_writer_##fmt##_close,			\
}

extern const struct kcap_writer_ops kcap_writer_pcap_ops;	/* writer_pcap.c */
extern const struct kcap_writer_ops kcap_writer_pcapng_ops;	/* writer_pcapng.c */

#endif /* _LIBKCAP_WRITER_H */

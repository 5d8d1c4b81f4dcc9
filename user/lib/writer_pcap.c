// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the pcap writer.
 *
 * The file is byte for byte what libpcap's pcap_dump_open() and pcap_dump()
 * write (a unit test compares them): a struct pcap_file_header, then per
 * frame a 16-byte record header (seconds, micro- or nanoseconds, captured
 * and original length, 32 bits each) and the captured bytes, all in host
 * byte order.  kcap formats them itself rather than through pcap_dump():
 * that call costs more per frame than the rest of the reader, writes a
 * record in two fwrite()s and ignores write errors.  Records are built
 * whole in the writer's buffer (writer.c), which is written out in whole
 * records only, so a crash or a full disk leaves a valid file.
 */

#include <errno.h>
#include <string.h>

#include "kcap.h"
#include "ring.h"
#include "writer.h"

#define KCAP_PCAP_MAGIC		0xa1b2c3d4	/* libpcap's TCPDUMP_MAGIC */
#define KCAP_PCAP_MAGIC_NSEC	0xa1b23c4d	/* NSEC_TCPDUMP_MAGIC */

void kcap_pcap_file_header(uint8_t *p, uint32_t linktype, uint32_t snaplen,
			   bool nano)
{
	uint16_t version[2] = { 2, 4 };	/* PCAP_VERSION_MAJOR, _MINOR */
	uint32_t hdr[6];

	hdr[0] = nano ? KCAP_PCAP_MAGIC_NSEC : KCAP_PCAP_MAGIC;
	memcpy(&hdr[1], version, sizeof(version));
	hdr[2] = 0;			/* thiszone */
	hdr[3] = 0;			/* sigfigs */
	hdr[4] = snaplen;
	hdr[5] = linktype;
	memcpy(p, hdr, sizeof(hdr));
}

static uint32_t kcap_pcap_snaplen(const struct kcap_writer *w)
{
	if (!w->snaplen || w->snaplen > KCAP_PCAP_MAX_SNAPLEN)
		return KCAP_PCAP_MAX_SNAPLEN;
	return w->snaplen;
}

static uint64_t kcap_writer_pcap_frame_bytes(const struct kcap_writer *w,
					     const struct kcap_frame *f)
{
	uint32_t caplen = f->caplen;

	if (caplen > w->rec_snaplen)
		caplen = w->rec_snaplen;
	return KCAP_PCAP_REC_HDR + (uint64_t)caplen;
}

static int kcap_writer_pcap_open(struct kcap_writer *w)
{
	uint8_t *p;
	int err;

	w->rec_snaplen = kcap_pcap_snaplen(w);
	err = kcap_writer_buf_init(w, KCAP_PCAP_REC_HDR + w->rec_snaplen);
	if (!err)
		err = kcap_writer_buf_room(w, KCAP_PCAP_FILE_HDR, &p);
	if (err)
		return err;
	kcap_pcap_file_header(p, (uint32_t)w->linktype, w->rec_snaplen,
			      w->nano);
	kcap_writer_buf_add(w, KCAP_PCAP_FILE_HDR);
	return 0;
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

static int kcap_writer_pcap_write(struct kcap_writer *w,
				  const struct kcap_frame *f)
{
	uint32_t caplen = f->caplen;
	size_t need;
	uint8_t *p;
	int err;

	if (caplen > w->rec_snaplen)
		caplen = w->rec_snaplen;
	need = KCAP_PCAP_REC_HDR + caplen;
	err = kcap_writer_buf_room(w, need, &p);
	if (err)
		return err;
	kcap_pcap_rec_header(p, f->tstamp_ns, caplen, f->len, w->nano);
	memcpy(p + KCAP_PCAP_REC_HDR, f->data, caplen);
	kcap_writer_buf_add(w, need);
	return 0;
}

/*
 * kcap_writer_pcap_write() for each record: the loop the capture spends
 * its time in.  The buffer and the counters are kept in a
 * struct kcap_writer_batch, the second of the last timestamp in a local
 * (a division by 10^9 per frame is most of the record header), and the
 * two resolutions get a loop each.
 */
static inline __attribute__((always_inline)) int
kcap_pcap_recs(struct kcap_writer *w, const struct kcap_rec *const *recs,
	       unsigned int n, uint64_t limit, unsigned int *done,
	       const bool nano)
{
	const struct kcap_rec *const *r = recs, *const *end = recs + n;
	const uint32_t snap = w->rec_snaplen;
	uint64_t ts, base = 0, sec = 0;
	struct kcap_writer_batch b;
	const struct kcap_rec *rec;
	uint32_t caplen, rec_caplen;
	uint64_t lens;
	unsigned int i;
	size_t need;
	int err = 0;

	kcap_writer_batch_init(w, &b, limit);
	for (; r < end; r++) {
		rec = *r;
		lens = kcap_rec_lens(rec, &rec_caplen);
		caplen = rec_caplen < snap ? rec_caplen : snap;
		need = KCAP_PCAP_REC_HDR + caplen;
		if (need > b.budget) {
			err = kcap_writer_batch_room(w, &b, limit, need,
						     (unsigned int)(r - recs));
			if (err) {
				err = err < 0 ? err : 0;
				break;
			}
		}
		b.budget -= need;
		ts = rec->tstamp_ns;
		if (ts - base >= 1000000000) {	/* (or before base) */
			sec = ts / 1000000000;
			base = sec * 1000000000;
		}
		kcap_pcap_rec_header_lens(b.pos, sec, (uint32_t)(ts - base),
					  lens, caplen < rec_caplen, caplen,
					  nano);
		b.data += rec_caplen;	/* as kcap_writer_write(): uncut */
		kcap_copy_frame_bytes(b.pos + KCAP_PCAP_REC_HDR,
				      kcap_rec_data(rec), caplen);
		b.pos += KCAP_PCAP_REC_HDR + caplen;
	}
	i = (unsigned int)(r - recs);
	kcap_writer_batch_count(w, &b, i);
	*done = i;
	return err;
}

static int kcap_writer_pcap_write_recs(struct kcap_writer *w,
				       const struct kcap_rec *const *recs,
				       unsigned int n, uint64_t limit,
				       bool anydev, unsigned int *done)
{
	(void)anydev;	/* a pcap file has no interfaces */
	if (w->nano)
		return kcap_pcap_recs(w, recs, n, limit, done, true);
	return kcap_pcap_recs(w, recs, n, limit, done, false);
}

/*
 * Whole records; none while the file header is not out (the buffer holds
 * it alone then: the first write, at open).
 */
static size_t kcap_writer_pcap_whole(const struct kcap_writer *w,
				     const uint8_t *buf, size_t len,
				     uint64_t *frames, uint64_t *data)
{
	size_t off = 0, rec;
	uint32_t caplen;

	if (!w->good)
		return 0;
	while (len - off >= KCAP_PCAP_REC_HDR) {
		memcpy(&caplen, buf + off + 8, sizeof(caplen));
		rec = KCAP_PCAP_REC_HDR + (size_t)caplen;
		if (rec > len - off)
			break;
		off += rec;
		(*frames)++;
		*data += caplen;
	}
	return off;
}

static int kcap_writer_pcap_flush(struct kcap_writer *w)
{
	return kcap_writer_buf_flush(w);
}

static int kcap_writer_pcap_close(struct kcap_writer *w)
{
	return kcap_writer_buf_flush(w);
}

/* Spans of pcap records: the caller says they fit the file. */
static int kcap_writer_pcap_spans(struct kcap_writer *w,
				  const struct kcap_span *spans, unsigned int n)
{
	(void)w;
	(void)spans;
	(void)n;
	return 0;
}

KCAP_WRITER_OPS(pcap);

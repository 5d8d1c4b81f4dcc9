// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the pcapng writer (draft-ietf-opsawg-pcapng), in host byte order.
 *
 * One section: a section header block, an interface description block per
 * device, declared or first seen, an enhanced packet block per frame, and
 * at the end an interface statistics block per interface.  Each block is
 * built whole in a buffer that holds whole blocks only and is written with
 * one write(2), so a crash or a full disk leaves only whole blocks.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kcap.h"
#include "ring.h"
#include "writer.h"

#define PCAPNG_SHB		0x0A0D0D0A
#define PCAPNG_IDB		0x00000001
#define PCAPNG_ISB		0x00000005
#define PCAPNG_EPB		0x00000006
#define PCAPNG_BYTE_ORDER	0x1A2B3C4D

#define OPT_ENDOFOPT		0
#define OPT_COMMENT		1
#define OPT_SHB_USERAPPL	4
#define OPT_IF_NAME		2
#define OPT_IF_TSRESOL		9
#define OPT_EPB_FLAGS		2
#define OPT_ISB_STARTTIME	2
#define OPT_ISB_ENDTIME		3
#define OPT_ISB_IFRECV		4
#define OPT_ISB_IFDROP		5

#define EPB_FLAG_INBOUND	1
#define EPB_FLAG_OUTBOUND	2

/* pcapng_put_epb() writes a direction as epb_flags' direction bits. */
_Static_assert(KCAP_FRAME_IN == EPB_FLAG_INBOUND &&
	       KCAP_FRAME_OUT == EPB_FLAG_OUTBOUND,
	       "frame directions are epb_flags' direction bits");

#define PCAPNG_NAME_MAX		256	/* longest if_name kept */
#define PCAPNG_OPTS_MAX		64	/* room for the fixed-size options */

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* A block being built at p, which has room for it. */
struct pcapng_blk {
	uint8_t	*start;
	uint8_t	*p;
};

static void put16(struct pcapng_blk *b, uint16_t v)
{
	memcpy(b->p, &v, sizeof(v));
	b->p += sizeof(v);
}

static void put32(struct pcapng_blk *b, uint32_t v)
{
	memcpy(b->p, &v, sizeof(v));
	b->p += sizeof(v);
}

static void put64(struct pcapng_blk *b, uint64_t v)
{
	memcpy(b->p, &v, sizeof(v));
	b->p += sizeof(v);
}

/* Bytes, zero-padded to 32 bits. */
static void put_padded(struct pcapng_blk *b, const void *data, size_t len)
{
	size_t padded = pad4(len);

	if (len)
		memcpy(b->p, data, len);
	memset(b->p + len, 0, padded - len);
	b->p += padded;
}

/* A timestamp in if_tsresol 9 units: high, then low 32 bits. */
static void put_ts(struct pcapng_blk *b, uint64_t ns)
{
	put32(b, (uint32_t)(ns >> 32));
	put32(b, (uint32_t)ns);
}

static void put_opt(struct pcapng_blk *b, uint16_t code, const void *val,
		    size_t len)
{
	put16(b, code);
	put16(b, (uint16_t)len);
	put_padded(b, val, len);
}

static void put_opt_ts(struct pcapng_blk *b, uint16_t code, uint64_t ns)
{
	put16(b, code);
	put16(b, 8);
	put_ts(b, ns);
}

static void put_opt_u64(struct pcapng_blk *b, uint16_t code, uint64_t v)
{
	put_opt(b, code, &v, sizeof(v));
}

static void put_endofopt(struct pcapng_blk *b)
{
	put16(b, OPT_ENDOFOPT);
	put16(b, 0);
}

/*
 * Room for a block of at most @max bytes at the end of the buffer, which is
 * written out first if the block would not fit behind what it holds.
 */
static int pcapng_begin(struct kcap_writer *w, struct pcapng_blk *b,
			uint32_t type, size_t max)
{
	int err = kcap_writer_buf_room(w, max, &b->start);

	if (err)
		return err;
	b->p = b->start;
	put32(b, type);
	put32(b, 0);		/* block total length, set by pcapng_end() */
	return 0;
}

/* Close the block with its total length at both ends. */
static void pcapng_end(struct kcap_writer *w, struct pcapng_blk *b)
{
	uint32_t len = (uint32_t)(b->p - b->start) + 4;

	memcpy(b->start + 4, &len, sizeof(len));
	put32(b, len);
	w->buf_len += len;
	w->bytes += len;
}

/* The section header: kcap's name and version, and the caller's comment. */
static int pcapng_write_shb(struct kcap_writer *w)
{
	size_t clen = w->comment ? strnlen(w->comment, UINT16_MAX) : 0;
	char appl[64];
	struct pcapng_blk b;
	int len, err;

	len = snprintf(appl, sizeof(appl), "kcap %s", kcap_version());
	if (len < 0 || (size_t)len >= sizeof(appl))
		return -EINVAL;
	err = pcapng_begin(w, &b, PCAPNG_SHB, 28 + pad4(len) + 4 +
			   (clen ? 4 + pad4(clen) : 0) + 4 + 4);
	if (err)
		return err;
	put32(&b, PCAPNG_BYTE_ORDER);
	put16(&b, 1);		/* major version */
	put16(&b, 0);		/* minor version */
	put64(&b, UINT64_MAX);	/* section length: not given */
	if (clen)
		put_opt(&b, OPT_COMMENT, w->comment, clen);
	put_opt(&b, OPT_SHB_USERAPPL, appl, len);
	put_endofopt(&b);
	pcapng_end(w, &b);
	return 0;
}

static struct kcap_writer_if *pcapng_find_if(struct kcap_writer *w,
					     uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < w->nr_ifs; i++)
		if (w->ifs[i].ifindex == ifindex)
			return &w->ifs[i];
	return NULL;
}

/*
 * An interface's snapshot length, which its frames are cut to: no more
 * than libpcap reads (a larger EPB makes the whole file unreadable), and
 * that when none (0) is given.
 */
static uint32_t pcapng_snaplen(uint32_t snaplen)
{
	return snaplen && snaplen < KCAP_PCAP_MAX_SNAPLEN ?
	       snaplen : KCAP_PCAP_MAX_SNAPLEN;
}

static int pcapng_new_if(struct kcap_writer *w, uint32_t ifindex,
			 const char *name, int linktype, uint32_t snaplen,
			 struct kcap_writer_if **ifp)
{
	static const uint8_t tsresol = 9;	/* nanoseconds */
	struct kcap_writer_if *ifs;
	struct pcapng_blk b;
	char auto_name[16];
	size_t name_len;
	int err;

	if (linktype < 0 || linktype > UINT16_MAX)
		return -EINVAL;
	snaplen = pcapng_snaplen(snaplen);
	if (!name) {
		snprintf(auto_name, sizeof(auto_name), "if%u", ifindex);
		name = auto_name;
	}
	name_len = strnlen(name, PCAPNG_NAME_MAX);

	ifs = realloc(w->ifs, (w->nr_ifs + 1) * sizeof(*ifs));
	if (!ifs)
		return -ENOMEM;
	w->ifs = ifs;

	err = pcapng_begin(w, &b, PCAPNG_IDB,
			   16 + 4 + pad4(name_len) + PCAPNG_OPTS_MAX);
	if (err)
		return err;
	put16(&b, (uint16_t)linktype);
	put16(&b, 0);		/* reserved */
	put32(&b, snaplen);
	put_opt(&b, OPT_IF_NAME, name, name_len);
	put_opt(&b, OPT_IF_TSRESOL, &tsresol, sizeof(tsresol));
	put_endofopt(&b);
	pcapng_end(w, &b);

	*ifp = &w->ifs[w->nr_ifs++];
	memset(*ifp, 0, sizeof(**ifp));
	(*ifp)->ifindex = ifindex;
	(*ifp)->snaplen = snaplen;
	return 0;
}

/* The interface of @ifindex, with an IDB written for it if it had none. */
static int pcapng_get_if(struct kcap_writer *w, uint32_t ifindex,
			 struct kcap_writer_if **ifp)
{
	*ifp = pcapng_find_if(w, ifindex);
	if (*ifp)
		return 0;
	return pcapng_new_if(w, ifindex, NULL, w->linktype, w->snaplen, ifp);
}

static int kcap_writer_pcapng_open(struct kcap_writer *w)
{
	int err;

	if (w->linktype > UINT16_MAX)
		return -EINVAL;
	err = kcap_writer_buf_init(w, 0);
	if (err)
		return err;
	return pcapng_write_shb(w);
}

static int kcap_writer_pcapng_add_interface(struct kcap_writer *w, uint32_t ifindex,
				     const char *name, int linktype,
				     uint32_t snaplen)
{
	struct kcap_writer_if *ifp;

	if (pcapng_find_if(w, ifindex))
		return -EEXIST;
	return pcapng_new_if(w, ifindex, name, linktype, snaplen, &ifp);
}

/* An EPB's length: 32 bytes of block, the padded data, the flags if @dir. */
static inline uint32_t pcapng_epb_len(uint32_t caplen, uint8_t dir)
{
	return 32 + (uint32_t)pad4(caplen) + (dir ? 12 : 0);
}

/*
 * An EPB of @blen bytes (pcapng_epb_len()) at @p, which has room for it:
 * @caplen bytes of @data, of @len, at @ts on interface @ifid, with an
 * epb_flags option for direction @dir (KCAP_FRAME_IN, _OUT, or 0: none).
 * Built in one go: it is what a capture to pcapng spends its time in.
 * The frame is copied last, so that only where the block ends is needed
 * after the copy.  Returns where the block ends.
 */
static inline uint8_t *pcapng_put_epb(uint8_t *p, uint32_t blen,
				      uint32_t ifid, uint64_t ts,
				      uint32_t caplen, uint32_t len,
				      const uint8_t *data, uint8_t dir)
{
	const uint16_t opt_hdr[2] = { OPT_EPB_FLAGS, 4 };
	uint32_t h[7], opt[3];
	uint8_t *q;

	h[0] = PCAPNG_EPB;
	h[1] = blen;
	h[2] = ifid;
	h[3] = (uint32_t)(ts >> 32);
	h[4] = (uint32_t)ts;
	h[5] = caplen;
	h[6] = len;
	memcpy(p, h, sizeof(h));
	/* The padding's zeros first, the frame over their start, last. */
	memset(p + sizeof(h) + (caplen & ~3U), 0, 4);
	q = p + sizeof(h) + pad4(caplen);
	if (dir) {
		memcpy(&opt[0], opt_hdr, sizeof(opt_hdr));
		opt[1] = dir;	/* its values are the flags' (below) */
		opt[2] = 0;	/* opt_endofopt */
		memcpy(q, opt, sizeof(opt));
		q += sizeof(opt);
	}
	memcpy(q, &blen, sizeof(blen));
	if (!caplen)
		return p + blen;
	return (uint8_t *)memcpy(p + sizeof(h), data, caplen) +
	       (blen - sizeof(h));
}

/*
 * @frames frames of @ifp, the first at @first and the last at @last, are
 * in the file: the count and the times its ISB gives.
 */
static inline void pcapng_if_frames(struct kcap_writer_if *ifp,
				    uint64_t frames, uint64_t first,
				    uint64_t last)
{
	if (!ifp->frames)
		ifp->first_ns = first;
	ifp->frames += frames;
	ifp->last_ns = last;
}

/* A frame's direction as epb_flags has one: KCAP_FRAME_IN, _OUT or 0. */
static uint8_t pcapng_dir(const struct kcap_frame *f)
{
	return f->direction == KCAP_FRAME_IN ||
	       f->direction == KCAP_FRAME_OUT ? f->direction : 0;
}

static int kcap_writer_pcapng_write(struct kcap_writer *w, const struct kcap_frame *f)
{
	struct kcap_writer_if *ifp;
	uint32_t caplen = f->caplen, blen;
	uint8_t dir = pcapng_dir(f), *p;
	int err;

	err = pcapng_get_if(w, f->ifindex, &ifp);
	if (err)
		return err;
	if (caplen > ifp->snaplen)
		caplen = ifp->snaplen;
	blen = pcapng_epb_len(caplen, dir);
	err = kcap_writer_buf_room(w, blen, &p);
	if (err)
		return err;
	pcapng_put_epb(p, blen, (uint32_t)(ifp - w->ifs), f->tstamp_ns, caplen,
		       f->len, f->data, dir);
	kcap_writer_buf_add(w, blen);
	pcapng_if_frames(ifp, 1, f->tstamp_ns, f->tstamp_ns);
	return 0;
}

/*
 * Records @from to @to (not included) of @recs, a run on interface @ifp,
 * counted on it once rather than per frame.
 */
static inline void pcapng_if_run(struct kcap_writer_if *ifp,
				 const struct kcap_rec *const *recs,
				 unsigned int from, unsigned int to)
{
	if (from < to)
		pcapng_if_frames(ifp, to - from, recs[from]->tstamp_ns,
				 recs[to - 1]->tstamp_ns);
}

/*
 * pcapng_put_epb() for each record, as kcap_writer_pcapng_write() would:
 * the loop a capture to pcapng spends its time in.  As in pcap's, the
 * buffer and the counters are kept in a struct kcap_writer_batch.  The
 * interface of the last record is looked up again only when the next
 * one's differs, and a run of frames on one interface is counted on it
 * when the run ends.
 */
static int kcap_writer_pcapng_write_recs(struct kcap_writer *w,
					 const struct kcap_rec *const *recs,
					 unsigned int n, uint64_t limit,
					 bool anydev, unsigned int *done)
{
	const uint32_t ifmask = anydev ? 0 : UINT32_MAX;
	struct kcap_writer_if *ifp = NULL;
	struct kcap_writer_batch b;
	const struct kcap_rec *rec;
	unsigned int i, run = 0;
	uint32_t ifindex, ifid = 0, caplen, blen, snap = 0;
	uint8_t dir;
	int err = 0;

	kcap_writer_batch_init(w, &b, limit);
	for (i = 0; i < n; i++) {
		rec = recs[i];
		ifindex = rec->ifindex & ifmask;	/* "any": 0 */
		if (!ifp || ifp->ifindex != ifindex) {
			/*
			 * A new interface takes an IDB first, which a limit
			 * must count: that frame is the caller's, alone.
			 */
			if (limit != UINT64_MAX && !pcapng_find_if(w, ifindex))
				break;
			/* Counted first: an IDB may write out the buffer. */
			if (ifp)
				pcapng_if_run(ifp, recs, run, i);
			run = i;
			kcap_writer_batch_count(w, &b, i);
			err = pcapng_get_if(w, ifindex, &ifp);
			kcap_writer_batch_load(w, &b, limit);
			if (err) {
				ifp = NULL;
				break;
			}
			ifid = (uint32_t)(ifp - w->ifs);
			snap = ifp->snaplen;
		}
		caplen = rec->caplen < snap ? rec->caplen : snap;
		dir = kcap_rec_direction(rec);
		blen = pcapng_epb_len(caplen, dir);
		if (blen > b.budget) {
			err = kcap_writer_batch_room(w, &b, limit, blen, i);
			if (err) {
				err = err < 0 ? err : 0;
				break;
			}
		}
		b.budget -= blen;
		b.data += rec->caplen;	/* as kcap_writer_write(): uncut */
		b.pos = pcapng_put_epb(b.pos, blen, ifid, rec->tstamp_ns,
				       caplen, rec->len, kcap_rec_data(rec),
				       dir);
	}
	if (ifp)
		pcapng_if_run(ifp, recs, run, i);
	kcap_writer_batch_count(w, &b, i);
	*done = i;
	return err;
}

/* An EPB, its length as pcapng_epb_len() says. */
static uint64_t kcap_writer_pcapng_frame_bytes(const struct kcap_writer *w,
					       const struct kcap_frame *f)
{
	const struct kcap_writer_if *ifp;
	uint32_t caplen = f->caplen, snaplen = w->snaplen;
	size_t i;

	for (i = 0, ifp = w->ifs; i < w->nr_ifs; i++, ifp++) {
		if (ifp->ifindex == f->ifindex) {
			snaplen = ifp->snaplen;
			break;
		}
	}
	snaplen = pcapng_snaplen(snaplen);
	if (caplen > snaplen)
		caplen = snaplen;
	return pcapng_epb_len(caplen, pcapng_dir(f));
}

static int kcap_writer_pcapng_set_stats(struct kcap_writer *w, uint32_t ifindex,
				 uint64_t received, uint64_t dropped)
{
	struct kcap_writer_if *ifp;
	int err;

	err = pcapng_get_if(w, ifindex, &ifp);
	if (err)
		return err;
	ifp->have_stats = true;
	ifp->received = received;
	ifp->dropped = dropped;
	return 0;
}

static int pcapng_write_isb(struct kcap_writer *w, size_t id, uint64_t now_ns)
{
	const struct kcap_writer_if *ifp = &w->ifs[id];
	struct pcapng_blk b;
	int err;

	err = pcapng_begin(w, &b, PCAPNG_ISB, 20 + 4 * 12 + 4 + 4);
	if (err)
		return err;
	put32(&b, (uint32_t)id);
	put_ts(&b, now_ns);
	if (ifp->frames) {
		put_opt_ts(&b, OPT_ISB_STARTTIME, ifp->first_ns);
		put_opt_ts(&b, OPT_ISB_ENDTIME, ifp->last_ns);
	}
	if (ifp->have_stats) {
		put_opt_u64(&b, OPT_ISB_IFRECV, ifp->received);
		put_opt_u64(&b, OPT_ISB_IFDROP, ifp->dropped);
	}
	put_endofopt(&b);
	pcapng_end(w, &b);
	return 0;
}

/* Whole blocks, by their total length; an EPB is a frame. */
static size_t kcap_writer_pcapng_whole(const struct kcap_writer *w,
				       const uint8_t *buf, size_t len,
				       uint64_t *frames, uint64_t *data)
{
	uint32_t type, blen, caplen;
	size_t off = 0;

	(void)w;
	while (len - off >= 12) {
		memcpy(&type, buf + off, sizeof(type));
		memcpy(&blen, buf + off + 4, sizeof(blen));
		if (blen < 12 || blen > len - off)
			break;
		if (type == PCAPNG_EPB) {
			memcpy(&caplen, buf + off + 20, sizeof(caplen));
			(*frames)++;
			*data += caplen;
		}
		off += blen;
	}
	return off;
}

static int kcap_writer_pcapng_flush(struct kcap_writer *w)
{
	return kcap_writer_buf_flush(w);
}

static int kcap_writer_pcapng_close(struct kcap_writer *w)
{
	struct timespec now;
	uint64_t now_ns;
	size_t id;
	int err;

	if (w->err)
		return w->err;
	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	for (id = 0; id < w->nr_ifs; id++) {
		err = pcapng_write_isb(w, id, now_ns);
		if (err)
			return err;
	}
	return kcap_writer_pcapng_flush(w);
}

KCAP_WRITER_OPS(pcapng);

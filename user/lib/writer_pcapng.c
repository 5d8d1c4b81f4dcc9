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

/* pcapng_put_epb() stores two words at once, as they lie in memory. */
#define HOST_LE			(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

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
static inline size_t pcapng_epb_len(size_t caplen, uint8_t dir)
{
	return 32 + pad4(caplen) + (dir ? 12 : 0);
}

/*
 * An EPB of @blen bytes (pcapng_epb_len()) at @p, which has room for it:
 * @caplen bytes of @data, of @len, at @ts on interface @ifid, with an
 * epb_flags option for direction @dir (KCAP_FRAME_IN, _OUT, or 0: none).
 * Built in one go, field by field (stores of registers: an array built on
 * the stack first costs a copy): it is what a capture to pcapng spends its
 * time in.  The frame is copied last, so that only where the block ends is
 * needed after the copy.  Returns where the block ends.
 */
static inline __attribute__((always_inline)) uint8_t *
pcapng_put_epb(uint8_t *p, size_t blen, uint32_t ifid, uint64_t ts,
	       size_t caplen, uint32_t len, const uint8_t *data, uint8_t dir)
{
	/*
	 * Eight bytes at a time where two words go, as they lie in memory:
	 * the timestamp's high word, then its low one; the flags (whose
	 * values are the direction's, above), then opt_endofopt.
	 */
	const uint64_t ts_words = HOST_LE ? ts << 32 | ts >> 32 : ts;
	const uint64_t flags = HOST_LE ? dir : (uint64_t)dir << 32;
	const uint16_t opt_hdr[2] = { OPT_EPB_FLAGS, 4 };
	const uint32_t type = PCAPNG_EPB, zero = 0, blen32 = (uint32_t)blen;
	const uint32_t caplen32 = (uint32_t)caplen;
	uint8_t *end = p + blen;

	/*
	 * The word before the options (or the trailer) first, zeros: the
	 * padding's, and the frame's last bytes, which its copy puts over
	 * them, last; with no frame, the header's last field, stored next.
	 */
	if (dir) {
		memcpy(end - 20, &zero, 4);
		memcpy(end - 16, opt_hdr, 4);
		memcpy(end - 12, &flags, 8);
	} else {
		memcpy(end - 8, &zero, 4);
	}
	memcpy(p, &type, 4);
	memcpy(p + 4, &blen32, 4);
	memcpy(p + 8, &ifid, 4);
	memcpy(p + 12, &ts_words, 8);
	memcpy(p + 20, &caplen32, 4);
	memcpy(p + 24, &len, 4);
	memcpy(end - 4, &blen32, 4);
	kcap_copy_frame_bytes(p + 28, data, caplen);
	return end;
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
	size_t caplen = f->caplen, blen;
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

/* One interface's frames in a run of write_recs(), as write() counts them. */
struct pcapng_run {
	uint32_t	ifindex;	/* its records'; 0 for "any" */
	uint32_t	ifid;
	uint32_t	snap;
};

/* A record's captured bytes as its EPB holds them: cut to @snap. */
static inline size_t pcapng_rec_caplen(const struct kcap_rec *rec,
				       uint32_t snap)
{
	return rec->caplen < snap ? rec->caplen : snap;
}

/*
 * pcapng_put_epb() for records from @r on, as kcap_writer_pcapng_write()
 * would, while they are on @run's interface and fit @b's budget: the loop
 * a capture to pcapng spends its time in, alone, so that all it needs
 * stays in registers.  @anydev: every record is "any"'s, whatever its
 * ifindex.  Returns the first record not written.
 */
static inline __attribute__((always_inline)) const struct kcap_rec *const *
pcapng_epbs(const struct kcap_rec *const *r,
	    const struct kcap_rec *const *end, struct kcap_writer_batch *b,
	    const struct pcapng_run run, const bool anydev)
{
	const struct kcap_rec *rec;
	size_t caplen, blen;
	uint8_t dir;

	for (; r < end; r++) {
		rec = *r;
		if (!anydev && rec->ifindex != run.ifindex)
			break;
		caplen = pcapng_rec_caplen(rec, run.snap);
		dir = kcap_rec_direction(rec);
		blen = pcapng_epb_len(caplen, dir);
		if (blen > b->budget)
			break;
		b->budget -= blen;
		b->data += rec->caplen;	/* as kcap_writer_write(): uncut */
		b->pos = pcapng_put_epb(b->pos, blen, run.ifid, rec->tstamp_ns,
					caplen, rec->len, kcap_rec_data(rec),
					dir);
	}
	return r;
}

/*
 * kcap_writer_pcapng_write() for each record.  As in pcap's, the buffer
 * and the counters are kept in a struct kcap_writer_batch.  Records are
 * taken in runs on one interface, which pcapng_epbs() writes; between
 * runs, the interface is looked up again if it changed (an IDB written
 * if it is new), or the buffer written out if it is full, and the run's
 * frames are counted on its interface.
 */
static int kcap_writer_pcapng_write_recs(struct kcap_writer *w,
					 const struct kcap_rec *const *recs,
					 unsigned int n, uint64_t limit,
					 bool anydev, unsigned int *done)
{
	const struct kcap_rec *const *r = recs, *const *end = recs + n;
	const struct kcap_rec *const *from;
	struct kcap_writer_if *ifp = NULL, *found;
	const uint32_t ifmask = anydev ? 0 : UINT32_MAX;
	struct pcapng_run run = { 0 };
	struct kcap_writer_batch b;
	const struct kcap_rec *rec;
	uint32_t ifindex;
	unsigned int i;
	size_t need;
	int err = 0;

	kcap_writer_batch_init(w, &b, limit);
	while (r < end) {
		rec = *r;
		i = (unsigned int)(r - recs);
		ifindex = rec->ifindex & ifmask;	/* "any": 0 */
		if (!ifp || ifindex != run.ifindex) {
			/*
			 * A new interface takes an IDB first, which a limit
			 * must count: that frame is the caller's, alone.
			 */
			if (limit != UINT64_MAX && !pcapng_find_if(w, ifindex))
				break;
			/* Counted first: an IDB may write out the buffer. */
			kcap_writer_batch_count(w, &b, i);
			err = pcapng_get_if(w, ifindex, &found);
			kcap_writer_batch_load(w, &b, limit);
			if (err)
				break;
			ifp = found;
			run.ifindex = ifindex;
			run.ifid = (uint32_t)(ifp - w->ifs);
			run.snap = ifp->snaplen;
		} else {
			/* The run ended on a full buffer. */
			need = pcapng_epb_len(pcapng_rec_caplen(rec, run.snap),
					      kcap_rec_direction(rec));
			err = kcap_writer_batch_room(w, &b, limit, need, i);
			if (err) {
				err = err < 0 ? err : 0;
				break;
			}
		}
		from = r;
		if (anydev)
			r = pcapng_epbs(r, end, &b, run, true);
		else
			r = pcapng_epbs(r, end, &b, run, false);
		if (r > from)
			pcapng_if_frames(ifp, (uint64_t)(r - from),
					 (*from)->tstamp_ns,
					 r[-1]->tstamp_ns);
	}
	i = (unsigned int)(r - recs);
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

/* The time of a block of KCAP_RING_FORMAT_PCAPNG, as put_ts() put it. */
static uint64_t pcapng_block_ts(const uint8_t *p)
{
	struct kcap_epb e;

	memcpy(&e, p, sizeof(e));
	return (uint64_t)e.ts_high << 32 | e.ts_low;
}

/*
 * Spans of pcapng blocks (KCAP_RING_FORMAT_PCAPNG), all of interface 0,
 * whose snaplen the caller says none exceeds: their frames counted there.
 */
static int kcap_writer_pcapng_spans(struct kcap_writer *w,
				    const struct kcap_span *spans,
				    unsigned int n)
{
	uint64_t frames = 0;
	unsigned int i;

	if (!w->nr_ifs)
		return -EINVAL;
	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		frames += spans[i].n;
	pcapng_if_frames(&w->ifs[0], frames, pcapng_block_ts(spans[0].p),
			 pcapng_block_ts(spans[n - 1].last));
	return 0;
}

KCAP_WRITER_OPS(pcapng);

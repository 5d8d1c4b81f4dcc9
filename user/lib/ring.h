/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkcap: walking the rings of a session, apart from /dev/kcap, so that
 * the unit tests can run it over rings laid out in plain memory.
 */
#ifndef _LIBKCAP_RING_H
#define _LIBKCAP_RING_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kcap.h>

#include "kcap.h"

/*
 * Records checked ahead of the merge, per ring: pointers alone, the merge
 * reads their timestamps where they are.
 */
#define KCAP_RING_QUEUE		64

/* The consumer's view of one ring. */
struct kcap_ring {
	struct kcap_ring_ctrl	*ctrl;
	const uint8_t		*data;
	uint32_t		size;		/* a power of two */
	uint32_t		head;		/* as last load-acquired */
	uint32_t		tail;		/* past what was consumed */
	uint32_t		released;	/* tail as last given back */
	uint32_t		start;		/* tail before the last batch */
	uint32_t		idx;		/* in kcap_rings.ring[] */
	/*
	 * Records checked but not yet consumed, in the ring itself (the
	 * kernel writes only past head, never what it has published):
	 * q[qh] to q[qn - 1]; checking goes on at next.
	 */
	uint32_t		next;
	unsigned int		qh;
	unsigned int		qn;
	const struct kcap_rec	*q[KCAP_RING_QUEUE];
};

/*
 * The most records kcap_rings_next_recs() and kcap_rings_next_batch() hand
 * out at once, and the reader's batch.  What a reader does once a batch
 * (a clock read, its limits, a call into the writer) is shared by up to
 * this many frames: at a high rate a batch is full, at a low one it is
 * what the rings hold.
 */
#define KCAP_RINGS_BATCH_MAX	256

/* A record handed out: its ring. */
struct kcap_rings_pos {
	uint32_t	ring;
};

/* kcap_rings_spans()'s place in a ring of pcap records or pcapng blocks. */
struct kcap_span_cur {
	const uint8_t	*p;	/* the next record */
	uint32_t	left;	/* bytes from it to head or the area's end */
	bool		at_end;	/* left runs to the area's end */
	uint64_t	key;	/* its time in ns, while rings are merged */
};

/* The rings of a session, merged by timestamp. */
struct kcap_rings {
	struct kcap_ring	*ring;
	struct kcap_ring	**order;	/* kcap_rings_next_recs()'s */
	struct kcap_span_cur	*cur;		/* kcap_rings_spans()'s */
	unsigned int		*active;	/* kcap_rings_spans()'s */
	unsigned int		nr;
	uint32_t		batch;	/* give back a ring's space by this much */
	uint8_t			format;	/* enum kcap_ring_format */
	/*
	 * kcap_rings_spans()'s stage, if not NULL: up to stage_end, where
	 * records of two rings that take turns are copied, into one span,
	 * rather than handed out one span each.
	 */
	uint8_t			*stage;
	uint8_t			*stage_end;
	/*
	 * kcap_rings_spans() hands out no frame longer (the caller would cut
	 * it: it stops there, as at a limit); KCAP_SNAPLEN_MAX at init.
	 */
	uint32_t		caplen_max;
	/*
	 * The last kcap_rings_spans() left every ring empty, as its last
	 * look at each one's head found it: not stopped by a limit.
	 */
	bool			drained;
	/*
	 * Each packet of the last batch's ring; past last_n, slack for
	 * stores of four at a time.
	 */
	unsigned int		last_n;
	struct kcap_rings_pos	last[KCAP_RINGS_BATCH_MAX + 3];
};

/*
 * Set up @rs over @nr rings at @base, one each @stride bytes, whose data
 * areas of @size bytes start @data_offset bytes after their control
 * blocks.  Reading starts at each ring's tail.  0, -ENOMEM, or -EPROTO if
 * a ring's control block does not say @size.
 */
int kcap_rings_init(struct kcap_rings *rs, void *base, unsigned int nr,
		    uint32_t stride, uint32_t data_offset, uint32_t size);

/*
 * The oldest of the rings' next records as a packet: 1, or 0 if every
 * ring is empty (then every ring's space is given back), or -EBADMSG for
 * a corrupt record.  The packet handed out before is consumed first.
 */
int kcap_rings_next(struct kcap_rings *rs, struct kcap_packet *pkt);

/*
 * Up to @max (at most KCAP_RINGS_BATCH_MAX) packets, the oldest first, as
 * kcap_rings_next() gives them one by one: how many, or 0 if every ring is
 * empty, or -EBADMSG for a corrupt record (after the packets before it, at
 * the next call).  They stay valid until the next call.
 */
int kcap_rings_next_batch(struct kcap_rings *rs, struct kcap_packet *pkts,
			  unsigned int max);

/*
 * kcap_rings_next_batch() without making packets of the records: @recs[i]
 * points at the i-th record in its ring, checked (its caplen bytes of frame
 * are there, caplen <= len), and rs->last[i].ring says which ring.  What
 * readers that write records straight into a file use: a packet costs more
 * to fill than its record costs to write.
 */
int kcap_rings_next_recs(struct kcap_rings *rs,
			 const struct kcap_rec **restrict recs,
			 unsigned int max);

/* Record @rec of ring @ring (both checked) as a packet. */
void kcap_rec_packet(const struct kcap_rec *rec, unsigned int ring,
		     struct kcap_packet *pkt);

/* A checked record's frame and direction (KCAP_FRAME_IN, _OUT or 0). */
static inline const uint8_t *kcap_rec_data(const struct kcap_rec *rec)
{
	return (const uint8_t *)rec + rec->hdr_len;
}

static inline uint8_t kcap_rec_direction(const struct kcap_rec *rec)
{
	/* KCAP_DIR_IN/OUT (1, 2) are KCAP_FRAME_IN/OUT; anything else 0. */
	return (uint8_t)(rec->direction - 1) < 2 ? rec->direction : 0;
}

/*
 * Packets @k and on of the last batch were not used: reading starts again
 * at them, as if they had not been read.
 */
void kcap_rings_unread(struct kcap_rings *rs, unsigned int k);

/*
 * Rings of pcap records or pcapng blocks (a format other than kcap's,
 * rs->format): the records are read in runs, spans, of records back to
 * back in one ring, which a file of their format takes as they are.
 */

/*
 * A run of whole records (struct kcap_pcap_rec and its bytes, or pcapng
 * blocks), back to back in ring @ring: @len bytes at @p, @n records of
 * @data bytes of frames, the last at @last.
 */
struct kcap_span {
	const uint8_t	*p;
	uint32_t	len;
	uint32_t	n;
	uint64_t	data;
	uint32_t	ring;
	const uint8_t	*last;
};

/* The ring of a span in rs->stage: records of two rings, copied. */
#define KCAP_SPAN_STAGED	UINT32_MAX

/* The most spans kcap_rings_spans() hands out at once, and readers ask. */
#define KCAP_SPANS_MAX		256

/*
 * Up to @max (at most KCAP_SPANS_MAX) spans of the rings' oldest records, in
 * order of time as kcap_rings_next() hands records out, the lower ring's
 * first on a tie: of @max_recs records and @max_bytes bytes at most, and
 * frames of rs->caplen_max bytes at most.  Each record is checked: it lies
 * within what head published and the data area, its caplen is at most
 * KCAP_SNAPLEN_MAX and its len (and a pcapng block's type and length are
 * those of an EPB of that caplen).  The number of spans; 0 if every ring is
 * empty (then every ring's space is given back); -ENOSPC if none can be
 * handed out: @max or @max_recs is 0, or the first record is larger than
 * @max_bytes, its frame longer than rs->caplen_max, or (with a stage, where
 * two rings take turns) than the stage; -EBADMSG for a corrupt record (after
 * the spans before it, at the next call).  The spans are not consumed:
 * kcap_rings_spans_used() consumes them, and until then another call hands
 * out the same records again.  They stay valid until the call after that.
 * With rs->stage set, where two rings' records take turns they are copied
 * there, one after the other, and handed out as spans of it (ring
 * KCAP_SPAN_STAGED): a span a record costs more to write than its copy.
 */
int kcap_rings_spans(struct kcap_rings *rs, struct kcap_span *spans,
		     unsigned int max, uint64_t max_recs, uint64_t max_bytes);

/*
 * Consume the spans of the last kcap_rings_spans(); if it ran every ring
 * dry, give their space back (store the tails) too: the reader polls next.
 */
void kcap_rings_spans_used(struct kcap_rings *rs);

/*
 * Record @rec of ring @ring, checked, as a packet: a struct kcap_pcap_rec
 * and its bytes, or a pcapng block, as @format (enum kcap_ring_format)
 * says.
 */
void kcap_span_rec_packet(const uint8_t *rec, unsigned int ring,
			  uint8_t format, struct kcap_packet *pkt);

/* Give back what was consumed and free @rs's memory (not the rings). */
void kcap_rings_fini(struct kcap_rings *rs);

#endif /* _LIBKCAP_RING_H */

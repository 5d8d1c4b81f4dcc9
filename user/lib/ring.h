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

/* The rings of a session, merged by timestamp. */
struct kcap_rings {
	struct kcap_ring	*ring;
	struct kcap_ring	**order;	/* kcap_rings_next_recs()'s */
	unsigned int		nr;
	uint32_t		batch;	/* give back a ring's space by this much */
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

/* Give back what was consumed and free @rs's memory (not the rings). */
void kcap_rings_fini(struct kcap_rings *rs);

#endif /* _LIBKCAP_RING_H */

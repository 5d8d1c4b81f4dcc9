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

/* The consumer's view of one ring. */
struct kcap_ring {
	struct kcap_ring_ctrl	*ctrl;
	const uint8_t		*data;
	uint32_t		size;		/* a power of two */
	uint32_t		head;		/* as last load-acquired */
	uint32_t		tail;		/* past what was consumed */
	uint32_t		released;	/* tail as last given back */
	bool			have_rec;	/* rec is the record at tail */
	struct kcap_rec		rec;		/* a copy of its header */
};

/* The rings of a session, merged by timestamp. */
struct kcap_rings {
	struct kcap_ring	*ring;
	unsigned int		nr;
	int			cur;	/* ring of the packet handed out, or -1 */
	uint32_t		batch;	/* give back a ring's space by this much */
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

/* Give back what was consumed and free @rs's memory (not the rings). */
void kcap_rings_fini(struct kcap_rings *rs);

#endif /* _LIBKCAP_RING_H */

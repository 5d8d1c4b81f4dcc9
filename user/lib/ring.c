// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the consumer side of the rings, as <linux/kcap.h> lays them out.
 *
 * The kernel publishes records with a store-release of head; they are read
 * after a load-acquire of it, and their space given back with a
 * store-release of tail.  The memory is shared with the kernel, so every
 * length in it is checked before it is used: a bad record is reported, not
 * followed.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "ring.h"

/*
 * One ring: the record at its tail (1, a copy of its header in r->rec),
 * 0 if the ring is empty, -EBADMSG if the record is corrupt.  Padding
 * records are skipped.
 */
static int kcap_ring_peek(struct kcap_ring *r)
{
	const uint8_t *p;
	uint32_t avail, pos, rec_len;
	uint8_t flags;

	while (!r->have_rec) {
		if (r->tail == r->head) {
			r->head = __atomic_load_n(&r->ctrl->head,
						  __ATOMIC_ACQUIRE);
			if (r->tail == r->head)
				return 0;
		}
		avail = r->head - r->tail;
		pos = r->tail & (r->size - 1);
		if (avail > r->size || avail % KCAP_REC_ALIGN ||
		    pos % KCAP_REC_ALIGN)
			return -EBADMSG;

		/* Of a padding record only rec_len and flags are valid. */
		p = r->data + pos;
		memcpy(&rec_len, p + offsetof(struct kcap_rec, rec_len),
		       sizeof(rec_len));
		flags = p[offsetof(struct kcap_rec, flags)];
		if (rec_len < KCAP_REC_ALIGN || rec_len % KCAP_REC_ALIGN ||
		    rec_len > r->size - pos || rec_len > avail)
			return -EBADMSG;
		if (flags & KCAP_REC_F_PAD) {
			r->tail += rec_len;
			continue;
		}

		if (rec_len < sizeof(struct kcap_rec))
			return -EBADMSG;
		memcpy(&r->rec, p, sizeof(r->rec));
		if (r->rec.hdr_len < sizeof(struct kcap_rec) ||
		    r->rec.hdr_len > rec_len ||
		    r->rec.caplen > rec_len - r->rec.hdr_len ||
		    r->rec.caplen > r->rec.len)
			return -EBADMSG;
		r->have_rec = true;
	}
	return 1;
}

/* Consume the record kcap_ring_peek() found. */
static void kcap_ring_consume(struct kcap_ring *r)
{
	if (!r->have_rec)
		return;
	r->tail += r->rec.rec_len;
	r->have_rec = false;
}

/* Give back the space consumed, if any. */
static void kcap_ring_release(struct kcap_ring *r)
{
	if (r->released == r->tail)
		return;
	__atomic_store_n(&r->ctrl->tail, r->tail, __ATOMIC_RELEASE);
	r->released = r->tail;
}

/* Give back the space of every record consumed (store-release tails). */
static void kcap_rings_release(struct kcap_rings *rs)
{
	unsigned int i;

	for (i = 0; i < rs->nr; i++)
		kcap_ring_release(&rs->ring[i]);
}

int kcap_rings_init(struct kcap_rings *rs, void *base, unsigned int nr,
		    uint32_t stride, uint32_t data_offset, uint32_t size)
{
	unsigned int i;

	memset(rs, 0, sizeof(*rs));
	rs->cur = -1;
	rs->ring = calloc(nr, sizeof(*rs->ring));
	if (!rs->ring)
		return -ENOMEM;
	rs->nr = nr;
	rs->batch = size / 4;

	for (i = 0; i < nr; i++) {
		struct kcap_ring *r = &rs->ring[i];
		uint8_t *ctrl = (uint8_t *)base + (size_t)i * stride;

		r->ctrl = (struct kcap_ring_ctrl *)ctrl;
		r->data = ctrl + data_offset;
		r->size = size;
		if (__atomic_load_n(&r->ctrl->size, __ATOMIC_RELAXED) != size) {
			kcap_rings_fini(rs);
			return -EPROTO;
		}
		/* A reader before us may have consumed some already. */
		r->tail = __atomic_load_n(&r->ctrl->tail, __ATOMIC_RELAXED);
		r->released = r->tail;
		r->head = r->tail;
	}
	return 0;
}

static void kcap_rings_fill(const struct kcap_ring *r, unsigned int idx,
			    struct kcap_packet *pkt)
{
	const struct kcap_rec *rec = &r->rec;

	memset(pkt, 0, sizeof(*pkt));
	pkt->frame.tstamp_ns = rec->tstamp_ns;
	pkt->frame.caplen = rec->caplen;
	pkt->frame.len = rec->len;
	pkt->frame.ifindex = rec->ifindex;
	/* KCAP_DIR_IN/OUT are KCAP_FRAME_IN/OUT. */
	pkt->frame.direction = rec->direction == KCAP_DIR_IN ? KCAP_FRAME_IN :
			       rec->direction == KCAP_DIR_OUT ? KCAP_FRAME_OUT :
			       0;
	pkt->frame.data = r->data + (r->tail & (r->size - 1)) + rec->hdr_len;
	pkt->protocol = ntohs(rec->protocol);
	if (rec->flags & KCAP_REC_F_VLAN) {
		pkt->vlan = true;
		pkt->vlan_tci = rec->vlan_tci;
		pkt->vlan_tpid = ntohs(rec->vlan_tpid);
	}
	pkt->pkt_type = rec->pkt_type;
	pkt->ring = idx;
}

int kcap_rings_next(struct kcap_rings *rs, struct kcap_packet *pkt)
{
	struct kcap_ring *best = NULL;
	unsigned int i, best_idx = 0;
	int ret;

	if (rs->cur >= 0) {
		struct kcap_ring *r = &rs->ring[rs->cur];

		kcap_ring_consume(r);
		if (r->tail - r->released >= rs->batch)
			kcap_ring_release(r);
		rs->cur = -1;
	}

	for (i = 0; i < rs->nr; i++) {
		struct kcap_ring *r = &rs->ring[i];

		ret = kcap_ring_peek(r);
		if (ret < 0)
			return ret;
		if (ret && (!best || r->rec.tstamp_ns < best->rec.tstamp_ns)) {
			best = r;
			best_idx = i;
		}
	}
	if (!best) {
		kcap_rings_release(rs);
		return 0;
	}
	kcap_rings_fill(best, best_idx, pkt);
	rs->cur = (int)best_idx;
	return 1;
}


void kcap_rings_fini(struct kcap_rings *rs)
{
	if (rs->ring) {
		if (rs->cur >= 0)
			kcap_ring_consume(&rs->ring[rs->cur]);
		kcap_rings_release(rs);
	}
	free(rs->ring);
	memset(rs, 0, sizeof(*rs));
	rs->cur = -1;
}

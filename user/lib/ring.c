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
 * Load-acquire @r's head once its records are all read: 1 if it published
 * more, 0 if not, -EBADMSG if what it says is impossible.  Out of line:
 * it runs once per batch of records, not per record.
 */
static __attribute__((noinline)) int kcap_ring_load(struct kcap_ring *r)
{
	r->head = __atomic_load_n(&r->ctrl->head, __ATOMIC_ACQUIRE);
	if (r->tail == r->head)
		return 0;
	if (r->head - r->tail > r->size ||
	    (r->head | r->tail) % KCAP_REC_ALIGN) {
		r->head = r->tail;	/* read it again */
		return -EBADMSG;
	}
	return 1;
}

/*
 * One ring: the record at its tail (1, r->rec), 0 if the ring is empty,
 * -EBADMSG if the record is corrupt (then r->rec is NULL).  Padding
 * records are skipped.
 *
 * tail stays KCAP_REC_ALIGN-aligned: head is checked so when it is loaded
 * (and forgotten if it is not), and tail moves by checked rec_lens only.
 * Each record is checked to lie within both the data area and what head
 * published before any of it is read.  Inlined: this is most of what a
 * record costs to read.
 */
static inline __attribute__((always_inline)) int
kcap_ring_peek(struct kcap_ring *r)
{
	const struct kcap_rec *rec;
	uint32_t tail = r->tail, pos, rec_len, room, hdr_len, caplen;
	int ret;

	for (;;) {
		if (tail == r->head) {
			r->tail = tail;
			ret = kcap_ring_load(r);
			if (ret <= 0) {
				r->rec = NULL;
				return ret;
			}
		}
		/*
		 * Of a padding record only rec_len and flags are valid.
		 * The data area is page-aligned and pos 8-byte aligned, and
		 * room at least KCAP_REC_ALIGN.
		 */
		pos = tail & (r->size - 1);
		room = r->size - pos;
		if (room > r->head - tail)
			room = r->head - tail;
		rec = (const struct kcap_rec *)(r->data + pos);
		rec_len = rec->rec_len;
		if (rec_len - KCAP_REC_ALIGN > room - KCAP_REC_ALIGN ||
		    rec_len % KCAP_REC_ALIGN)
			goto bad;
		if (__builtin_expect(!(rec->flags & KCAP_REC_F_PAD), 1))
			break;
		tail += rec_len;
	}
	r->tail = tail;
	/*
	 * The header is read only within rec_len; hdr_len + caplen, 64 bits
	 * wide, cannot wrap.  One branch for the three tests.
	 */
	if (rec_len < sizeof(*rec))
		goto bad_rec;
	hdr_len = rec->hdr_len;
	caplen = rec->caplen;
	if ((hdr_len < sizeof(*rec)) | ((uint64_t)hdr_len + caplen > rec_len) |
	    (caplen > rec->len))
		goto bad_rec;
	r->rec = rec;
	r->rec_len = rec_len;
	r->ts = rec->tstamp_ns;
	return 1;
bad:
	r->tail = tail;
bad_rec:
	r->rec = NULL;
	return -EBADMSG;
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
	rs->ring = calloc(nr, sizeof(*rs->ring));
	rs->order = calloc(nr, sizeof(*rs->order));
	if (!rs->ring || !rs->order) {
		free(rs->ring);
		free(rs->order);
		memset(rs, 0, sizeof(*rs));
		return -ENOMEM;
	}
	rs->nr = nr;
	rs->batch = size / 4;

	for (i = 0; i < nr; i++) {
		struct kcap_ring *r = &rs->ring[i];
		uint8_t *ctrl = (uint8_t *)base + (size_t)i * stride;

		r->ctrl = (struct kcap_ring_ctrl *)ctrl;
		r->data = ctrl + data_offset;
		r->size = size;
		r->idx = i;
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

void kcap_rec_packet(const struct kcap_rec *rec, unsigned int ring,
		     struct kcap_packet *pkt)
{
	pkt->frame.tstamp_ns = rec->tstamp_ns;
	pkt->frame.caplen = rec->caplen;
	pkt->frame.len = rec->len;
	pkt->frame.ifindex = rec->ifindex;
	pkt->frame.direction = kcap_rec_direction(rec);
	pkt->frame.data = kcap_rec_data(rec);
	pkt->protocol = ntohs(rec->protocol);
	pkt->vlan = rec->flags & KCAP_REC_F_VLAN;
	pkt->vlan_tci = pkt->vlan ? rec->vlan_tci : 0;
	pkt->vlan_tpid = pkt->vlan ? ntohs(rec->vlan_tpid) : 0;
	pkt->pkt_type = rec->pkt_type;
	pkt->ring = ring;
	pkt->session = 0;
}

/* Whether ring @a's next record goes after ring @b's. */
static inline bool kcap_ring_after(const struct kcap_ring *a,
				   const struct kcap_ring *b)
{
	return a->ts > b->ts || (a->ts == b->ts && a->idx > b->idx);
}

/*
 * Records handed out are consumed at once (tail moves past them) but
 * their space is given back only at the next call, in steps of batch
 * bytes, or all of it once every ring is empty.
 *
 * Each record handed out is the oldest of the rings' next ones, the lower
 * ring's on a tie.  The rings with a record are kept in that order, in
 * rs->order[]: the first one's records are handed out while they go
 * before the second's, then it moves down to its place.  A ring found
 * empty is looked at again at the next call.
 */
int kcap_rings_next_recs(struct kcap_rings *rs,
			 const struct kcap_rec **restrict recs,
			 unsigned int max)
{
	struct kcap_ring *r, *best, **order = rs->order;
	struct kcap_ring *end = rs->ring + rs->nr;
	struct kcap_rings_pos *last = rs->last;
	unsigned int n = 0, k = 0, i;
	int ret = 0;

	if (max > KCAP_RINGS_BATCH_MAX)
		max = KCAP_RINGS_BATCH_MAX;
	rs->last_n = 0;
	for (r = rs->ring; r < end; r++) {
		if (r->tail - r->released >= rs->batch)
			kcap_ring_release(r);
		if (!r->rec) {
			ret = kcap_ring_peek(r);
			if (ret < 0)
				return ret;
			if (!ret)
				continue;
		}
		for (i = k++; i && kcap_ring_after(order[i - 1], r); i--)
			order[i] = order[i - 1];
		order[i] = r;
	}

	/*
	 * k only changes when a ring runs out: the loop tests it there, and
	 * n once per record.  Once max are taken, the ring taken last is
	 * peeked at the next call, as the empty ones are.
	 */
	if (!k || !max)
		goto out;
	for (;;) {
		best = order[0];
		recs[n] = best->rec;
		last[n].ring = best->idx;
		last[n].tail = best->tail;
		best->tail += best->rec_len;
		if (++n == max) {
			best->rec = NULL;	/* peeked at the next call */
			break;
		}
		ret = kcap_ring_peek(best);
		if (ret < 0)
			break;
		if (!ret) {
			if (!--k)
				break;
			memmove(order, order + 1, k * sizeof(*order));
			continue;
		}
		/* Its next record first still: it stays where it is. */
		if (k < 2 || !kcap_ring_after(best, order[1]))
			continue;
		order[0] = order[1];
		for (i = 2; i < k && kcap_ring_after(best, order[i]); i++)
			order[i - 1] = order[i];
		order[i - 1] = best;
	}
out:
	rs->last_n = n;
	if (n)
		return (int)n;	/* an error is for the next call */
	kcap_rings_release(rs);
	return 0;
}

int kcap_rings_next_batch(struct kcap_rings *rs, struct kcap_packet *pkts,
			  unsigned int max)
{
	const struct kcap_rec *recs[KCAP_RINGS_BATCH_MAX];
	int i, n;

	n = kcap_rings_next_recs(rs, recs, max);
	for (i = 0; i < n; i++)
		kcap_rec_packet(recs[i], rs->last[i].ring, &pkts[i]);
	return n;
}

int kcap_rings_next(struct kcap_rings *rs, struct kcap_packet *pkt)
{
	return kcap_rings_next_batch(rs, pkt, 1);
}

void kcap_rings_unread(struct kcap_rings *rs, unsigned int k)
{
	unsigned int i = rs->last_n;
	struct kcap_ring *r;

	while (i > k) {		/* newest first: each ring ends at its oldest */
		i--;
		r = &rs->ring[rs->last[i].ring];
		r->tail = rs->last[i].tail;
		r->rec = NULL;
	}
	if (rs->last_n > k)
		rs->last_n = k;
}

void kcap_rings_fini(struct kcap_rings *rs)
{
	if (rs->ring)
		kcap_rings_release(rs);
	free(rs->ring);
	free(rs->order);
	memset(rs, 0, sizeof(*rs));
}

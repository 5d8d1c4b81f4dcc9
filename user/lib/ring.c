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
 * Load-acquire @r's head once its records are all read (to @tail): 1 if
 * it published more, 0 if not, -EBADMSG if what it says is impossible.
 * Out of line: it runs once per batch of records, not per record.
 */
static __attribute__((noinline)) int kcap_ring_load(struct kcap_ring *r,
						    uint32_t tail)
{
	r->head = __atomic_load_n(&r->ctrl->head, __ATOMIC_ACQUIRE);
	if (tail == r->head)
		return 0;
	if (r->head - tail > r->size || (r->head | tail) % KCAP_REC_ALIGN) {
		r->head = tail;	/* read it again */
		return -EBADMSG;
	}
	return 1;
}

/*
 * Whether a record's @rec_len fits the @avail bytes it may take: it is at
 * least KCAP_REC_ALIGN, a multiple of it, and no more than @avail.
 */
static inline bool kcap_rec_len_ok(uint32_t rec_len, uint32_t avail)
{
	return rec_len - KCAP_REC_ALIGN <= avail - KCAP_REC_ALIGN &&
	       !(rec_len % KCAP_REC_ALIGN);
}

/*
 * Check the records at next into @r's queue, which is empty: 1 if it
 * holds some now, 0 if the ring is empty, -EBADMSG if the record at next
 * is corrupt (and stays so: it is checked again at the next call).  A
 * corrupt record after some good ones ends the queue: they are handed out
 * first.  Padding records are skipped.
 *
 * next stays KCAP_REC_ALIGN-aligned: head is checked so when it is loaded
 * (and forgotten if it is not), and next moves by checked rec_lens only.
 * Each record is checked to lie within both the data area and what head
 * published before any of it is used: within the bytes from where next
 * is to the nearer of head and the data area's end, which the inner loop
 * counts down as @room, those bytes less a header's.  While @room is not
 * negative a whole header is there to read, and a record's rec_len less
 * a header's, @over, is checked against it in one test (it wraps to a
 * huge value when rec_len is smaller than a header).  Fewer bytes than a
 * header (before the data area's end, where the kernel pads, or before
 * head) can only be a padding record.  A loop of its own, over up to
 * KCAP_RING_QUEUE records, so that the ring's state stays in registers:
 * this is most of what a record costs to read.
 */
static int kcap_ring_fill(struct kcap_ring *r)
{
	const int64_t hdr = sizeof(struct kcap_rec);
	uint32_t tail = r->next, head = r->head, avail, rec_len, hdr_len;
	const struct kcap_rec **q = r->q, **const qend = q + KCAP_RING_QUEUE;
	const struct kcap_rec *rec;
	const uint8_t *p, *start;
	uint64_t over, caplen;
	uint32_t pos;
	int64_t room;
	int ret = 0;

	while (q < qend) {
		if (tail == head) {
			if (q > r->q)
				break;
			ret = kcap_ring_load(r, tail);
			if (ret <= 0)
				break;
			head = r->head;
		}
		/* Both are 8-byte aligned: avail is at least KCAP_REC_ALIGN. */
		pos = tail & (r->size - 1);
		avail = r->size - pos;
		if (avail > head - tail)
			avail = head - tail;
		start = p = r->data + pos;
		room = (int64_t)avail - hdr;
		while (room >= 0) {
			rec = (const struct kcap_rec *)p;
			rec_len = rec->rec_len;
			if (__builtin_expect(rec->flags & KCAP_REC_F_PAD, 0)) {
				/* Only rec_len and flags are valid. */
				if (!kcap_rec_len_ok(rec_len,
						     (uint32_t)(room + hdr)))
					goto bad;
				room -= rec_len;
				p += rec_len;
				continue;
			}
			over = (uint64_t)rec_len - (uint64_t)hdr;
			hdr_len = rec->hdr_len;
			caplen = rec->caplen;
			if (over > (uint64_t)room ||
			    (rec_len & (KCAP_REC_ALIGN - 1)))
				goto bad;
			/*
			 * hdr_len >= sizeof(*rec) and hdr_len + caplen <=
			 * rec_len in one test: a smaller hdr_len wraps.
			 */
			if ((uint32_t)(hdr_len - hdr) + caplen > over ||
			    caplen > rec->len)
				goto bad;
			*q++ = rec;
			p += rec_len;
			room -= rec_len;
			if (q == qend)
				break;
		}
		if (room > -hdr && q < qend) {
			/* Fewer bytes than a header: padding, or corrupt. */
			rec = (const struct kcap_rec *)p;
			rec_len = rec->rec_len;
			if (!(rec->flags & KCAP_REC_F_PAD) ||
			    !kcap_rec_len_ok(rec_len, (uint32_t)(room + hdr)))
				goto bad;
			p += rec_len;
		}
		tail += (uint32_t)(p - start);
	}
	goto out;
bad:
	tail += (uint32_t)((const uint8_t *)rec - start);
	ret = -EBADMSG;
out:
	r->next = tail;
	r->qh = 0;
	r->qn = (unsigned int)(q - r->q);
	return r->qn ? 1 : ret;
}

/*
 * Where record @rec of @r starts, as a tail: it was checked, so next is
 * past it, by no more than the ring's size.
 */
static uint32_t kcap_ring_tail_of(const struct kcap_ring *r,
				  const struct kcap_rec *rec)
{
	uint32_t pos = (uint32_t)((const uint8_t *)rec - r->data);
	uint32_t d = (r->next - pos) & (r->size - 1);

	return r->next - (d ? d : r->size);
}

/* Where @r's records not yet consumed start: what it may give back. */
static inline uint32_t kcap_ring_consumed(const struct kcap_ring *r)
{
	return r->qh < r->qn ? kcap_ring_tail_of(r, r->q[r->qh]) :
	       r->next;
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
		r->next = r->tail;
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

/* Whether ring @a's next record goes after ring @b's (both have one). */
static inline bool kcap_ring_after(const struct kcap_ring *a,
				   const struct kcap_ring *b)
{
	uint64_t ta = a->q[a->qh]->tstamp_ns, tb = b->q[b->qh]->tstamp_ns;

	return ta > tb || (ta == tb && a->idx > b->idx);
}

/* kcap_rings_merge2()'s place in each ring's queue and in its output. */
struct kcap_merge2 {
	const struct kcap_rec *const	*pa, *const *ea;
	const struct kcap_rec *const	*pb, *const *eb;
	const struct kcap_rec		**out, **oend;
	struct kcap_rings_pos		*lp;
	uint32_t			xa, xb;
};

/*
 * kcap_rings_merge2()'s loop: each ring's next record and its time in
 * registers (read once per record, not once per comparison).  It stops
 * where either queue ends or, if @to_oend, where the output does: a test
 * per record that a merge of queues that fit in the output does without.
 */
static inline __attribute__((always_inline)) void
kcap_merge2_loop(struct kcap_merge2 *m, const bool to_oend)
{
	const struct kcap_rec *const *pa = m->pa, *const *pb = m->pb;
	const struct kcap_rec **out = m->out;
	struct kcap_rings_pos *lp = m->lp;
	const struct kcap_rec *ra = *pa, *rb = *pb;
	uint64_t ta = ra->tstamp_ns, tb = rb->tstamp_ns;

	for (;;) {
		if (ta <= tb) {
			*out++ = ra;
			(lp++)->ring = m->xa;
			if (++pa == m->ea || (to_oend && out == m->oend))
				break;
			ra = *pa;
			ta = ra->tstamp_ns;
		} else {
			*out++ = rb;
			(lp++)->ring = m->xb;
			if (++pb == m->eb || (to_oend && out == m->oend))
				break;
			rb = *pb;
			tb = rb->tstamp_ns;
		}
	}
	m->pa = pa;
	m->pb = pb;
	m->out = out;
}

/*
 * The records of rings @a and @b merged into @recs from @n on, up to @max
 * or until either runs out of checked records: the new n.  The loop most
 * records go through when two rings take turns: out of line, so that
 * what it needs is all in registers.
 */
static __attribute__((noinline)) unsigned int
kcap_rings_merge2(struct kcap_ring *a, struct kcap_ring *b,
		  const struct kcap_rec **restrict recs,
		  struct kcap_rings_pos *restrict last, unsigned int n,
		  unsigned int max)
{
	struct kcap_merge2 m;
	struct kcap_ring *t;

	/* a is the lower ring, whose record goes first on a tie. */
	if (a->idx > b->idx) {
		t = a;
		a = b;
		b = t;
	}
	m.pa = a->q + a->qh;
	m.ea = a->q + a->qn;
	m.pb = b->q + b->qh;
	m.eb = b->q + b->qn;
	m.out = recs + n;
	m.oend = recs + max;
	m.lp = last + n;
	m.xa = a->idx;
	m.xb = b->idx;
	if ((a->qn - a->qh) + (b->qn - b->qh) <= max - n)
		kcap_merge2_loop(&m, false);
	else
		kcap_merge2_loop(&m, true);
	a->qh = (unsigned int)(m.pa - a->q);
	b->qh = (unsigned int)(m.pb - b->q);
	return (unsigned int)(m.out - recs);
}

/*
 * The records in @r's queue, up to @max handed out in all: the only ring
 * with any, so nothing to merge.  The new count of records handed out.
 */
static inline unsigned int
kcap_rings_run1(struct kcap_ring *r, const struct kcap_rec **restrict recs,
		struct kcap_rings_pos *restrict last, unsigned int n,
		unsigned int max)
{
	const struct kcap_rec *const *q = r->q + r->qh;
	const uint32_t x = r->idx, xs[4] = { x, x, x, x };
	unsigned int m = r->qn - r->qh, i;

	if (m > max - n)
		m = max - n;
	memcpy(recs + n, q, m * sizeof(*q));
	/*
	 * Four at a time, into the slack at last[]'s end: n + m is at most
	 * KCAP_RINGS_BATCH_MAX, so the last store ends 3 entries past it.
	 */
	for (i = 0; i < m; i += 4)
		memcpy(&last[n + i], xs, sizeof(xs));
	r->qh += m;
	return n + m;
}

/*
 * Records handed out are consumed at once (tail moves past them) but
 * their space is given back only at the next call, in steps of batch
 * bytes, or all of it once every ring is empty.
 *
 * Each record handed out is the oldest of the rings' next ones, the lower
 * ring's on a tie.  The rings with a record are kept in that order, in
 * rs->order[]: the first one's records are handed out while they go
 * before the second's, then it moves down to its place; while two rings
 * are left, kcap_rings_merge2() takes their turns, and while one is,
 * kcap_rings_run1() hands out its queue in a run.  A ring found empty is
 * looked at again at the next call.
 */
int kcap_rings_next_recs(struct kcap_rings *rs,
			 const struct kcap_rec **restrict recs,
			 unsigned int max)
{
	struct kcap_ring *r, *best, **order = rs->order;
	struct kcap_ring *end = rs->ring + rs->nr;
	struct kcap_rings_pos *last = rs->last;
	unsigned int n = 0, k = 0, i, j;
	int ret = 0;

	if (max > KCAP_RINGS_BATCH_MAX)
		max = KCAP_RINGS_BATCH_MAX;
	rs->last_n = 0;
	for (r = rs->ring; r < end; r++) {
		if (r->tail - r->released >= rs->batch)
			kcap_ring_release(r);
		if (r->qh == r->qn) {
			ret = kcap_ring_fill(r);
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
	 * k only changes when a ring runs out of records: the loop tests it
	 * there, and n once per record.  Once max are taken, the queues keep
	 * the rest.
	 */
	if (!k || !max)
		goto out;
	for (;;) {
		if (k == 2) {
			n = kcap_rings_merge2(order[0], order[1], recs, last,
					      n, max);
			if (n == max)
				break;
			/* One of them ran out: it goes first, to be filled. */
			if (order[1]->qh == order[1]->qn) {
				best = order[1];
				order[1] = order[0];
				order[0] = best;
			}
		} else if (k == 1) {
			/* One ring: its queue's records in a run. */
			n = kcap_rings_run1(order[0], recs, last, n, max);
			if (n == max)
				break;
		} else {
			best = order[0];
			j = best->qh;
			recs[n] = best->q[j];
			last[n].ring = best->idx;
			best->qh = ++j;
			if (++n == max)
				break;
		}
		best = order[0];
		if (best->qh == best->qn) {
			ret = kcap_ring_fill(best);
			if (ret < 0)
				break;
			if (!ret) {
				if (!--k)
					break;
				memmove(order, order + 1, k * sizeof(*order));
				continue;
			}
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
	for (r = rs->ring; r < end; r++) {
		r->start = r->tail;
		r->tail = kcap_ring_consumed(r);
	}
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

/*
 * Where ring @r's record after the first @skip handed out in the last
 * batch starts: its records from start on, up to tail (what the batch
 * consumed), which were checked then and are still there, padding
 * skipped.  Their lengths are read again from the shared memory, so they
 * are checked again: should they have changed, reading starts at tail.
 */
static uint32_t kcap_ring_skip(const struct kcap_ring *r, unsigned int skip)
{
	const struct kcap_rec *rec;
	uint32_t tail = r->start, pos, avail, rec_len;

	while (tail != r->tail) {
		pos = tail & (r->size - 1);
		avail = r->size - pos;
		if (avail > r->tail - tail)
			avail = r->tail - tail;
		rec = (const struct kcap_rec *)(r->data + pos);
		rec_len = rec->rec_len;	/* read once: it is shared */
		if (!kcap_rec_len_ok(rec_len, avail))
			break;
		if (!(rec->flags & KCAP_REC_F_PAD) && !skip--)
			return tail;
		tail += rec_len;
	}
	return r->tail;
}

void kcap_rings_unread(struct kcap_rings *rs, unsigned int k)
{
	unsigned int i, used, x;
	struct kcap_ring *r;
	bool unread;

	/* Each ring with records to read again, from the first of them. */
	for (x = 0; x < rs->nr; x++) {
		used = 0;
		unread = false;
		for (i = 0; i < rs->last_n; i++) {
			if (rs->last[i].ring != x)
				continue;
			if (i < k)
				used++;
			else
				unread = true;
		}
		if (!unread)
			continue;
		r = &rs->ring[x];
		r->tail = kcap_ring_skip(r, used);
		r->next = r->tail;	/* checked again */
		r->qh = r->qn = 0;
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

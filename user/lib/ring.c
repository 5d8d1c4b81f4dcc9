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
#include "writer.h"	/* kcap_copy_frame_bytes() */

/*
 * Load-acquire @r's head once its records are all read (to @tail): 1 if
 * it published more, 0 if not, -EBADMSG if what it says is impossible
 * (records of struct kcap_rec keep head and tail aligned: @align).  Out
 * of line: it runs once per batch of records, not per record.
 */
static __attribute__((noinline)) int kcap_ring_load_any(struct kcap_ring *r,
							uint32_t tail,
							uint32_t align)
{
	r->head = __atomic_load_n(&r->ctrl->head, __ATOMIC_ACQUIRE);
	if (tail == r->head)
		return 0;
	if (r->head - tail > r->size || (r->head | tail) % align) {
		r->head = tail;	/* read it again */
		return -EBADMSG;
	}
	return 1;
}

static inline int kcap_ring_load(struct kcap_ring *r, uint32_t tail)
{
	return kcap_ring_load_any(r, tail, KCAP_REC_ALIGN);
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
	rs->cur = calloc(nr, sizeof(*rs->cur));
	rs->active = calloc(nr, sizeof(*rs->active));
	if (!rs->ring || !rs->order || !rs->cur || !rs->active) {
		free(rs->ring);
		free(rs->order);
		free(rs->cur);
		free(rs->active);
		memset(rs, 0, sizeof(*rs));
		return -ENOMEM;
	}
	rs->nr = nr;
	rs->batch = size / 4;
	rs->caplen_max = KCAP_SNAPLEN_MAX;

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
	free(rs->cur);
	free(rs->active);
	memset(rs, 0, sizeof(*rs));
}

/*
 * Rings of pcap records.  A record is a struct kcap_pcap_rec and its
 * caplen bytes, back to back with the next, anywhere in the ring (no
 * alignment: they are read with memcpy()).  None wraps around the data
 * area's end: there the rest is padding, with a header of caplen
 * KCAP_PCAP_REC_PAD if it has room for one.
 *
 * Rings of pcapng blocks (KCAP_RING_FORMAT_PCAPNG) are walked the same
 * way: a record is a struct kcap_epb, the frame's padded bytes and a
 * struct kcap_epb_tail, KCAP_EPB_LEN(caplen) bytes in all; padding's
 * header has type KCAP_EPB_PAD.  The walks below take the kind of records
 * as a constant, frac_ns: the ns to a unit of a pcap record's ts_frac
 * (1000 or 1), or KCAP_SPAN_EPB for pcapng blocks, whose time is in ns.
 */
#define KCAP_PCAP_HDR	((uint32_t)sizeof(struct kcap_pcap_rec))
#define KCAP_SPAN_EPB	0U

/* Two words loaded at once are the first's, then the second's. */
#define KCAP_HOST_LE	(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

/* The caplen and len of the record at @p: one load, as they lie. */
static inline uint64_t kcap_pcap_lens(const uint8_t *p)
{
	uint64_t lens;

	memcpy(&lens, p + offsetof(struct kcap_pcap_rec, caplen), sizeof(lens));
	return lens;
}

static inline uint32_t kcap_pcap_caplen(const uint8_t *p)
{
	uint32_t caplen;

	memcpy(&caplen, p + offsetof(struct kcap_pcap_rec, caplen),
	       sizeof(caplen));
	return caplen;
}

/* The time of the record at @p in ns, @frac_ns ns to a unit of its frac. */
static inline uint64_t kcap_pcap_key(const uint8_t *p, uint32_t frac_ns)
{
	uint32_t t[2];

	memcpy(t, p, sizeof(t));
	return (uint64_t)t[0] * 1000000000 + (uint64_t)t[1] * frac_ns;
}

/* The bytes of a record's header: fewer before the area's end are padding. */
static inline uint32_t kcap_span_hdr(const uint32_t frac_ns)
{
	return frac_ns == KCAP_SPAN_EPB ? (uint32_t)sizeof(struct kcap_epb) :
					  KCAP_PCAP_HDR;
}

/* Whether the header at @p, which is there whole, is padding's. */
static inline bool kcap_span_pad(const uint8_t *p, const uint32_t frac_ns)
{
	uint32_t type;

	if (frac_ns != KCAP_SPAN_EPB)
		return kcap_pcap_caplen(p) == KCAP_PCAP_REC_PAD;
	memcpy(&type, p, sizeof(type));
	return type == KCAP_EPB_PAD;
}

/* The time in ns of the record at @p, whose header is there whole. */
static inline uint64_t kcap_span_key(const uint8_t *p, const uint32_t frac_ns)
{
	uint64_t t;

	if (frac_ns != KCAP_SPAN_EPB)
		return kcap_pcap_key(p, frac_ns);
	memcpy(&t, p + offsetof(struct kcap_epb, ts_high), sizeof(t));
	return KCAP_HOST_LE ? t << 32 | t >> 32 : t;
}

/*
 * The record at @p, whose header is there whole, with @left bytes to read
 * there: its bytes in *@rec and its frame's in *@caplen.  Whether it is
 * one to hand out: a record (of a pcapng block, its type and length those
 * of a block of its caplen), within @left, of a frame no longer than its
 * len nor the caller takes (@cmax, which must be at most
 * KCAP_SNAPLEN_MAX).
 */
static inline __attribute__((always_inline)) bool
kcap_span_rec(const uint8_t *p, size_t left, uint32_t cmax,
	      const uint32_t frac_ns, uint32_t *rec, uint32_t *caplen)
{
	uint64_t lens, tb;
	uint32_t len;

	if (frac_ns != KCAP_SPAN_EPB) {
		lens = kcap_pcap_lens(p);
		*caplen = (uint32_t)(KCAP_HOST_LE ? lens : lens >> 32);
		len = (uint32_t)(KCAP_HOST_LE ? lens >> 32 : lens);
		*rec = KCAP_PCAP_HDR + *caplen;
		return *caplen <= (len < cmax ? len : cmax) && *rec <= left;
	}
	memcpy(&tb, p, sizeof(tb));
	memcpy(&lens, p + offsetof(struct kcap_epb, caplen), sizeof(lens));
	*caplen = (uint32_t)(KCAP_HOST_LE ? lens : lens >> 32);
	len = (uint32_t)(KCAP_HOST_LE ? lens >> 32 : lens);
	/* (wraps for a caplen near 2^32, which cmax then refuses) */
	*rec = KCAP_EPB_LEN(*caplen);
	return tb == (KCAP_HOST_LE ? (uint64_t)*rec << 32 | KCAP_EPB_TYPE :
				     (uint64_t)KCAP_EPB_TYPE << 32 | *rec) &&
	       *caplen <= (len < cmax ? len : cmax) && *rec <= left;
}

/*
 * Where @r's next record is, from *@tail on (moved past any padding): in
 * @c, with the bytes published from it to head or to the data area's end.
 * 1, 0 if the ring is empty (head loaded again), -EBADMSG if what was
 * published cannot be records.
 */
static int kcap_span_at(struct kcap_ring *r, uint32_t *tail,
			struct kcap_span_cur *c, uint32_t frac_ns)
{
	const uint32_t hdr = kcap_span_hdr(frac_ns);
	uint32_t t = *tail, pos, end, pub;
	int ret;

	for (;;) {
		if (t == r->head) {
			ret = kcap_ring_load_any(r, t, 1);
			if (ret <= 0) {
				*tail = t;
				return ret;
			}
		}
		pub = r->head - t;
		pos = t & (r->size - 1);
		end = r->size - pos;
		if (pub < end) {
			/* The kernel publishes whole records only. */
			if (pub < hdr)
				return -EBADMSG;
			break;
		}
		pub = end;
		/* Padding: no room for a header, or a header that says it. */
		if (end >= hdr && !kcap_span_pad(r->data + pos, frac_ns))
			break;
		t += end;
	}
	*tail = t;
	c->p = r->data + pos;
	c->left = pub;
	c->at_end = pub == end;
	return 1;
}

/* Why kcap_span_walk() stopped. */
enum {
	KCAP_SPAN_CORRUPT = -1,
	KCAP_SPAN_END,		/* at what it may read, or padding */
	KCAP_SPAN_LIMIT,	/* max_recs or max_bytes */
	KCAP_SPAN_BOUND,	/* another ring's record goes first */
};

/*
 * Why the record at @p, with @left bytes there, that kcap_span_rec()
 * refused stops a walk: padding where the records reach the area's end
 * (@at_end; @pad, what the caller calls it); a frame the kernel may write
 * but longer than the caller takes, a limit; anything else is corrupt.
 */
static int kcap_span_why(const uint8_t *p, size_t left, bool at_end, int pad,
			 const uint32_t frac_ns)
{
	uint32_t rec, caplen;

	if (kcap_span_pad(p, frac_ns))
		return at_end ? pad : KCAP_SPAN_CORRUPT;
	if (kcap_span_rec(p, left, KCAP_SNAPLEN_MAX, frac_ns, &rec, &caplen))
		return KCAP_SPAN_LIMIT;
	return KCAP_SPAN_CORRUPT;
}

/*
 * kcap_rings_spans()'s walk of a ring from c->p: the records there, up to
 * the end of what it may read, while *@recs and *@bytes stay within
 * @max_recs and @max_bytes and, with @merge, each record's time is before
 * @bound (or on it, if @first: the ring goes first on a tie).  Moves c->p
 * past them, adds their frames' bytes to *@data, sets *@last to the last
 * one, and c->key to the next one's time if that is what stopped it.  The
 * number of records in *@got; why it stopped.  Padding is only where the
 * records reach the data area's end (@c's at_end); a corrupt record is
 * left where it is.
 */
static inline __attribute__((always_inline)) int
kcap_span_walk(struct kcap_span_cur *c, uint64_t max_recs, uint64_t *recs,
	       uint64_t max_bytes, uint64_t *bytes, uint64_t *data,
	       const bool merge, uint64_t bound, bool first,
	       const uint32_t frac_ns, uint32_t cmax, uint32_t *got,
	       const uint8_t **last)
{
	const uint8_t *p = c->p, *end = p + c->left, *l = NULL;
	const uint32_t hdr = kcap_span_hdr(frac_ns);
	uint64_t n = *recs, b = *bytes, d = *data, key;
	uint32_t caplen, rec;
	int why = KCAP_SPAN_END;

	while ((size_t)(end - p) >= hdr) {
		if (!kcap_span_rec(p, (size_t)(end - p), cmax, frac_ns, &rec,
				   &caplen)) {
			why = kcap_span_why(p, (size_t)(end - p), c->at_end,
					    KCAP_SPAN_END, frac_ns);
			break;
		}
		if (merge) {
			key = kcap_span_key(p, frac_ns);
			if (key > bound || (key == bound && !first)) {
				c->key = key;
				why = KCAP_SPAN_BOUND;
				break;
			}
		}
		if (n == max_recs || rec > max_bytes - b) {
			why = KCAP_SPAN_LIMIT;
			break;
		}
		n++;
		b += rec;
		d += caplen;
		l = p;
		p += rec;
	}
	/* Fewer bytes than a header before head: not what the kernel does. */
	if (why == KCAP_SPAN_END && end != p && !c->at_end &&
	    (size_t)(end - p) < hdr)
		why = KCAP_SPAN_CORRUPT;
	c->left -= (uint32_t)(p - c->p);
	c->p = p;
	*data = d;
	*bytes = b;
	*got = (uint32_t)(n - *recs);
	*recs = n;
	*last = l;
	return why;
}

/*
 * Of the @k rings at @act with a record, the one whose record goes first
 * (the earliest, the lowest ring on a tie): its index in @act.  In
 * *@bound the time of the next ring's record, and in *@first whether the
 * ring goes first on a tie with it.
 */
static unsigned int kcap_spans_pick(const struct kcap_rings *rs,
				    const unsigned int *act, unsigned int k,
				    uint64_t *bound, bool *first)
{
	unsigned int i, j = 0, b = 0;
	uint64_t kj = rs->cur[act[0]].key, kb = UINT64_MAX, ki;

	for (i = 1; i < k; i++) {
		ki = rs->cur[act[i]].key;
		if (ki < kj || (ki == kj && act[i] < act[j])) {
			kb = kj;
			b = j;
			kj = ki;
			j = i;
		} else if (ki < kb || (ki == kb && act[i] < act[b])) {
			kb = ki;
			b = i;
		}
	}
	*bound = kb;
	*first = act[j] < act[b];
	return j;
}

/*
 * kcap_spans_merge2()'s state, and kcap_rings_spans()'s: the spans, and
 * the caller's stage (rs->stage), where records of two rings that take
 * turns are copied into one span (@staged: its index, or -1).
 */
struct kcap_spans_out {
	struct kcap_span	*spans;
	unsigned int		n, max;
	uint64_t		recs, max_recs;
	uint64_t		bytes, max_bytes;
	uint8_t			*stage, *stage_end;
	int			staged;
};

/*
 * kcap_spans_merge2()'s step with a stage: the record at *@p, checked,
 * copied to *@dst (before @dend; *@last says where), *@p moved past it
 * and *@key set to the next one's time; what kcap_merge2_step() returns.
 */
static inline __attribute__((always_inline)) int
kcap_merge2_stage_step(const uint8_t **p, const uint8_t *e,
		       const struct kcap_span_cur *c, uint64_t *key,
		       uint8_t **dst, const uint8_t *dend, uint8_t **last,
		       uint64_t *nleft, uint64_t *bleft, uint64_t *data,
		       uint32_t *n, const uint32_t frac_ns, uint32_t cmax,
		       const bool limited)
{
	const uint8_t *q = *p;
	uint32_t caplen, rec;

	if (!kcap_span_rec(q, (size_t)(e - q), cmax, frac_ns, &rec, &caplen))
		return kcap_span_why(q, (size_t)(e - q), c->at_end,
				     KCAP_SPAN_BOUND, frac_ns);
	if (limited && (!*nleft || rec > *bleft))
		return KCAP_SPAN_LIMIT;
	if (rec > (size_t)(dend - *dst))
		return KCAP_SPAN_LIMIT;
	kcap_copy_frame_bytes(*dst, q, rec);
	*last = *dst;
	*dst += rec;
	*data += caplen;
	++*n;
	if (limited) {
		--*nleft;
		*bleft -= rec;
	}
	*p = q += rec;
	/* Padding's time is not a record's: kcap_span_at() skips it. */
	if (e - q < kcap_span_hdr(frac_ns) || kcap_span_pad(q, frac_ns))
		return KCAP_SPAN_BOUND;
	*key = kcap_span_key(q, frac_ns);
	return KCAP_SPAN_END;
}

/*
 * The order of pcap records' times, as one number: ts_sec, then ts_frac
 * (under 10^9, so under 2^32), compared as kcap_pcap_key()'s ns are.
 */
static inline uint64_t kcap_pcap_order(const uint8_t *p)
{
	uint64_t t;

	memcpy(&t, p, sizeof(t));
	return KCAP_HOST_LE ? t << 32 | t >> 32 : t;
}

/*
 * kcap_merge2_pcap()'s step: the pcap record at *@p copied to *@dst (its
 * place in *@last), *@p moved past it and *@order set to the next one's,
 * if all is as most records are: the record one kcap_span_rec() takes,
 * after it a record's header within the ring's *@left bytes (those
 * after the next header's place: a record's bytes are counted down from
 * it), room for it in the stage's *@room, and that header not padding's.
 * Else false, with nothing moved but those counts, which are then of no
 * use: the record is kcap_merge2_stage_step()'s to judge.
 */
static inline __attribute__((always_inline)) bool
kcap_merge2_pcap_step(const uint8_t **p, uint64_t *left, uint64_t *order,
		      uint8_t **dst, uint64_t *room, uint8_t **last,
		      uint32_t cmax)
{
	const uint8_t *q = *p;
	uint32_t caplen, rec;

	/*
	 * Its bytes are checked against *@left, not there (SIZE_MAX); 1, a
	 * pcap resolution: the checks are both resolutions' alike.
	 */
	if (!kcap_span_rec(q, SIZE_MAX, cmax, 1, &rec, &caplen) ||
	    __builtin_sub_overflow(*left, rec, left) ||
	    __builtin_sub_overflow(*room, rec, room) ||
	    kcap_span_pad(q + rec, 1))
		return false;
	kcap_copy_frame_bytes(*dst, q, rec);
	*last = *dst;
	*dst += rec;
	*p = q += rec;
	*order = kcap_pcap_order(q);
	return true;
}

/*
 * The loop most records go through when two CPUs take frames at once
 * into rings of pcap records: kcap_spans_merge2()'s with a stage, where
 * no limit binds, for as long as each record is as most are
 * (kcap_merge2_pcap_step()); what is left, it leaves to that loop, which
 * takes the next record again from *@pa or *@pb.  Its times compared as
 * the pcap header holds them, not as ns; what the records add to *@data
 * counted at the end.
 */
static inline __attribute__((always_inline)) void
kcap_merge2_pcap(const uint8_t **pa, const uint8_t *ea, const uint8_t **pb,
		 const uint8_t *eb, uint8_t **dst, const uint8_t *dend,
		 uint8_t **last, uint64_t *data, uint32_t *n, uint32_t cmax)
{
	const uint8_t *a = *pa, *b = *pb;
	uint8_t *d = *dst, *const d0 = d, *l = *last;
	/* (the records' ends are checked as the next header's) */
	uint64_t la = (uint64_t)(ea - a) - KCAP_PCAP_HDR;
	uint64_t lb = (uint64_t)(eb - b) - KCAP_PCAP_HDR;
	uint64_t room = (uint64_t)(dend - d), oa, ob;
	uint32_t k = 0;

	oa = kcap_pcap_order(a);
	ob = kcap_pcap_order(b);
	for (;;) {
		if (oa <= ob) {
			if (!kcap_merge2_pcap_step(&a, &la, &oa, &d, &room, &l,
						   cmax))
				break;
		} else if (!kcap_merge2_pcap_step(&b, &lb, &ob, &d, &room, &l,
						  cmax)) {
			break;
		}
		k++;
	}
	*pa = a;
	*pb = b;
	*dst = d;
	*last = l;
	*n += k;
	*data += (uint64_t)(d - d0) - (uint64_t)k * KCAP_PCAP_HDR;
}

/*
 * kcap_spans_merge2()'s step for the ring whose record goes first, at *@p
 * up to @e: the record checked, taken into the spans, *@p moved past it
 * and *@key set to the next one's time.  KCAP_SPAN_END to go on; or why
 * to stop: KCAP_SPAN_BOUND where its ring's records for now end (the next
 * is past @e, or is padding, which kcap_span_at() skips), a corrupt record
 * or a limit (KCAP_SPAN_LIMIT, also when @send is reached).
 */
static inline __attribute__((always_inline)) int
kcap_merge2_step(const uint8_t **p, const uint8_t *e,
		 const struct kcap_span_cur *c, uint64_t *key,
		 unsigned int ring, struct kcap_span **sp,
		 const uint8_t **at, uint64_t *nleft, uint64_t *bleft,
		 struct kcap_span *send, const uint32_t frac_ns, uint32_t cmax,
		 const bool limited)
{
	const uint8_t *q = *p;
	struct kcap_span *s;
	uint32_t caplen, rec;

	if (!kcap_span_rec(q, (size_t)(e - q), cmax, frac_ns, &rec, &caplen))
		return kcap_span_why(q, (size_t)(e - q), c->at_end,
				     KCAP_SPAN_BOUND, frac_ns);
	if (limited && (!*nleft || rec > *bleft))
		return KCAP_SPAN_LIMIT;
	/* Right after the last span's end: in its ring, no other. */
	if (q == *at) {
		s = *sp - 1;
		s->len += rec;
		s->n++;
		s->data += caplen;
	} else {
		if (*sp == send)
			return KCAP_SPAN_LIMIT;
		s = (*sp)++;
		s->p = q;
		s->len = rec;
		s->n = 1;
		s->data = caplen;
		s->ring = ring;
	}
	s->last = q;
	if (limited) {
		--*nleft;
		*bleft -= rec;
	}
	*at = *p = q += rec;
	/* Padding's time is not a record's: kcap_span_at() skips it. */
	if (e - q < kcap_span_hdr(frac_ns) || kcap_span_pad(q, frac_ns))
		return KCAP_SPAN_BOUND;
	*key = kcap_span_key(q, frac_ns);
	return KCAP_SPAN_END;
}

/*
 * While two rings have records: their records in turn by time (ring @xa,
 * the lower, first on a tie) into @o's spans, a record of the ring of the
 * last span and just after it making that span longer.  Stops where one
 * ring's records end for now (*@x says which: KCAP_SPAN_END), at a limit
 * (KCAP_SPAN_LIMIT, also when the spans are all taken) or a corrupt
 * record.  A record costs a compare of two times, its checks and the next
 * one's time.  Records of pcap copied to a stage where no limit binds, as
 * most are when two CPUs take frames at once, go through the leaner loop
 * of kcap_merge2_pcap() first.
 */
static inline __attribute__((always_inline)) int
kcap_spans_merge2(struct kcap_rings *rs, unsigned int xa, unsigned int xb,
		  struct kcap_spans_out *o, const uint32_t frac_ns,
		  const bool limited, const bool stage, unsigned int *x)
{
	struct kcap_span_cur *ca = &rs->cur[xa], *cb = &rs->cur[xb];
	const uint8_t *pa = ca->p, *const ea = pa + ca->left, *const pa0 = pa;
	const uint8_t *pb = cb->p, *const eb = pb + cb->left, *const pb0 = pb;
	struct kcap_span *sp = o->spans + o->n, *const send = o->spans + o->max;
	const uint8_t *at = o->n ? sp[-1].p + sp[-1].len : NULL;
	uint64_t nleft = o->max_recs - o->recs, bleft = o->max_bytes - o->bytes;
	const uint64_t nleft0 = nleft, bleft0 = bleft;
	uint64_t ka = ca->key, kb = cb->key, data = 0;
	const uint32_t cmax = rs->caplen_max;
	uint8_t *dst = o->stage, *const dend = o->stage_end, *last = NULL;
	uint32_t staged_n = 0;
	struct kcap_span *staged = NULL;
	/* The last span as it was: records may make it longer. */
	const uint32_t last_n0 = o->n ? sp[-1].n : 0;
	const uint32_t last_len0 = o->n ? sp[-1].len : 0;
	struct kcap_span *t;
	bool in_a;
	int why;

	/*
	 * Records to the stage, all in one span of it: the last span if it
	 * is the stage's, else a new one, made once a record is copied.
	 */
	if (stage) {
		if (o->staged >= 0 && o->staged == (int)o->n - 1)
			staged = &o->spans[o->staged];
		else if (sp == send) {
			*x = xa;
			return KCAP_SPAN_LIMIT;
		}
	}
	if (stage && !limited && frac_ns != KCAP_SPAN_EPB) {
		kcap_merge2_pcap(&pa, ea, &pb, eb, &dst, dend, &last, &data,
				 &staged_n, cmax);
		ka = kcap_span_key(pa, frac_ns);
		kb = kcap_span_key(pb, frac_ns);
	}
	for (;;) {
		in_a = ka <= kb;
		if (stage && in_a)
			why = kcap_merge2_stage_step(&pa, ea, ca, &ka, &dst,
						     dend, &last, &nleft,
						     &bleft, &data, &staged_n,
						     frac_ns, cmax, limited);
		else if (stage)
			why = kcap_merge2_stage_step(&pb, eb, cb, &kb, &dst,
						     dend, &last, &nleft,
						     &bleft, &data, &staged_n,
						     frac_ns, cmax, limited);
		else if (in_a)
			why = kcap_merge2_step(&pa, ea, ca, &ka, xa, &sp, &at,
					       &nleft, &bleft, send, frac_ns,
					       cmax, limited);
		else
			why = kcap_merge2_step(&pb, eb, cb, &kb, xb, &sp, &at,
					       &nleft, &bleft, send, frac_ns,
					       cmax, limited);
		if (why != KCAP_SPAN_END)
			break;
	}
	if (stage && staged_n) {
		if (!staged) {
			staged = sp++;
			staged->p = o->stage;
			staged->len = 0;
			staged->n = 0;
			staged->data = 0;
			staged->ring = KCAP_SPAN_STAGED;
			o->staged = (int)(staged - o->spans);
		}
		staged->len += (uint32_t)(dst - o->stage);
		staged->n += staged_n;
		staged->data += data;
		staged->last = last;
		o->recs += staged_n;
		o->bytes += (uint64_t)(dst - o->stage);
		o->stage = dst;
	}
	*x = in_a ? xa : xb;
	/* (BOUND here: the ring's records for now end) */
	if (why == KCAP_SPAN_BOUND)
		why = KCAP_SPAN_END;
	ca->p = pa;
	ca->left = (uint32_t)(ea - pa);
	ca->key = ka;
	cb->p = pb;
	cb->left = (uint32_t)(eb - pb);
	cb->key = kb;
	rs->ring[xa].next += (uint32_t)(pa - pa0);
	rs->ring[xb].next += (uint32_t)(pb - pb0);
	if (stage) {
		/* (counted above) */
	} else if (limited) {
		o->recs += nleft0 - nleft;
		o->bytes += bleft0 - bleft;
	} else {
		/*
		 * Counted from the spans, as the limits do not bind: the last
		 * one's growth, and the new ones.
		 */
		if (o->n) {
			o->recs += o->spans[o->n - 1].n - last_n0;
			o->bytes += o->spans[o->n - 1].len - last_len0;
		}
		for (t = o->spans + o->n; t < sp; t++) {
			o->recs += t->n;
			o->bytes += t->len;
		}
	}
	o->n = (unsigned int)(sp - o->spans);
	return why;
}

/*
 * kcap_spans_merge2() of each kind of record, frac_ns a constant, and
 * without the limits' tests when they cannot bind: when the records the
 * two rings hold now are fewer and shorter than they allow.
 */
#define KCAP_SPANS_MERGE2_FN(name, frac)					\
static __attribute__((noinline)) int						\
name(struct kcap_rings *rs, unsigned int xa, unsigned int xb,			\
     struct kcap_spans_out *o, bool limited, unsigned int *x)			\
{										\
	if (o->stage)								\
		return limited ?						\
		       kcap_spans_merge2(rs, xa, xb, o, frac, true, true, x) :	\
		       kcap_spans_merge2(rs, xa, xb, o, frac, false, true, x);	\
	return limited ?							\
	       kcap_spans_merge2(rs, xa, xb, o, frac, true, false, x) :		\
	       kcap_spans_merge2(rs, xa, xb, o, frac, false, false, x);		\
}

KCAP_SPANS_MERGE2_FN(kcap_spans_merge2_us, 1000)
KCAP_SPANS_MERGE2_FN(kcap_spans_merge2_ns, 1)
KCAP_SPANS_MERGE2_FN(kcap_spans_merge2_epb, KCAP_SPAN_EPB)

/*
 * While three rings or more have records, with a stage: the earliest of
 * their next records (the lowest ring's on a tie) copied there, in one
 * span, as kcap_spans_merge2() does for two; the ring's place in @act in
 * *@j where its records end for now (KCAP_SPAN_END).
 */
static int kcap_spans_mergek(struct kcap_rings *rs, const unsigned int *act,
			     unsigned int k, struct kcap_spans_out *o,
			     uint32_t frac_ns, unsigned int *j)
{
	uint64_t nleft = o->max_recs - o->recs, bleft = o->max_bytes - o->bytes;
	uint8_t *dst = o->stage, *const dend = o->stage_end, *last = NULL;
	struct kcap_span *staged = NULL;
	struct kcap_span_cur *c;
	uint64_t data = 0, kmin;
	uint32_t staged_n = 0;
	const uint8_t *p;
	unsigned int i, m;
	int why;

	if (o->staged >= 0 && o->staged == (int)o->n - 1)
		staged = &o->spans[o->staged];
	else if (o->n == o->max)
		return KCAP_SPAN_LIMIT;
	for (;;) {
		m = 0;
		kmin = rs->cur[act[0]].key;
		for (i = 1; i < k; i++) {
			if (rs->cur[act[i]].key < kmin ||
			    (rs->cur[act[i]].key == kmin && act[i] < act[m])) {
				m = i;
				kmin = rs->cur[act[i]].key;
			}
		}
		c = &rs->cur[act[m]];
		p = c->p;
		why = kcap_merge2_stage_step(&p, p + c->left, c, &c->key, &dst,
					     dend, &last, &nleft, &bleft, &data,
					     &staged_n, frac_ns,
					     rs->caplen_max, true);
		rs->ring[act[m]].next += (uint32_t)(p - c->p);
		c->left -= (uint32_t)(p - c->p);
		c->p = p;
		if (why != KCAP_SPAN_END)
			break;
	}
	*j = m;
	if (why == KCAP_SPAN_BOUND)
		why = KCAP_SPAN_END;
	if (staged_n) {
		if (!staged) {
			staged = &o->spans[o->n++];
			staged->p = o->stage;
			staged->len = 0;
			staged->n = 0;
			staged->data = 0;
			staged->ring = KCAP_SPAN_STAGED;
			o->staged = (int)(staged - o->spans);
		}
		staged->len += (uint32_t)(dst - o->stage);
		staged->n += staged_n;
		staged->data += data;
		staged->last = last;
		o->recs += staged_n;
		o->bytes += (uint64_t)(dst - o->stage);
		o->stage = dst;
	}
	return why;
}

/*
 * kcap_span_walk() of one ring (no time to compare, but @merge false) or
 * of one of several, as kcap_rings_spans() walks them where it does not
 * merge: of each kind of record, pcap's and pcapng's, a copy.
 */
static __attribute__((noinline)) int
kcap_spans_walk(struct kcap_span_cur *c, uint64_t max_recs, uint64_t *recs,
		uint64_t max_bytes, uint64_t *bytes, uint64_t *data, bool merge,
		uint64_t bound, bool first, uint32_t frac_ns, uint32_t cmax,
		uint32_t *got, const uint8_t **last)
{
	const uint32_t epb = KCAP_SPAN_EPB;

	if (frac_ns == KCAP_SPAN_EPB && merge)
		return kcap_span_walk(c, max_recs, recs, max_bytes, bytes, data,
				      true, bound, first, epb, cmax, got, last);
	if (frac_ns == KCAP_SPAN_EPB)
		return kcap_span_walk(c, max_recs, recs, max_bytes, bytes, data,
				      false, 0, false, epb, cmax, got, last);
	return merge ?
	       kcap_span_walk(c, max_recs, recs, max_bytes, bytes, data, true,
			      bound, first, frac_ns, cmax, got, last) :
	       kcap_span_walk(c, max_recs, recs, max_bytes, bytes, data, false,
			      0, false, frac_ns, cmax, got, last);
}

int kcap_rings_spans(struct kcap_rings *rs, struct kcap_span *spans,
		     unsigned int max, uint64_t max_recs, uint64_t max_bytes)
{
	const uint32_t frac_ns =
		rs->format == KCAP_RING_FORMAT_PCAPNG ? KCAP_SPAN_EPB :
		rs->format == KCAP_RING_FORMAT_PCAP_NSEC ? 1 : 1000;
	uint64_t recs = 0, bytes = 0, data, bound = 0, avail;
	unsigned int *act = rs->active, k = 0, n = 0, j = 0, x, xa, xb;
	uint8_t *stage = rs->stage;
	int staged = -1;
	const uint8_t *start, *last;
	struct kcap_span_cur *c;
	struct kcap_ring *r;
	bool first = false;
	uint32_t got;
	int ret, why = KCAP_SPAN_CORRUPT;

	rs->drained = false;
	if (!max)
		return -ENOSPC;
	if (max > KCAP_SPANS_MAX)
		max = KCAP_SPANS_MAX;
	for (x = 0; x < rs->nr; x++) {
		r = &rs->ring[x];
		if (r->tail - r->released >= rs->batch)
			kcap_ring_release(r);
		r->next = r->tail;
		ret = kcap_span_at(r, &r->next, &rs->cur[x], frac_ns);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		rs->cur[x].key = kcap_span_key(rs->cur[x].p, frac_ns);
		act[k++] = x;
	}
	rs->drained = !k;
	if (!k) {
		kcap_rings_release(rs);
		return 0;
	}

	while (n < max) {
		if (k == 2) {
			struct kcap_spans_out o = {
				.spans = spans, .n = n, .max = max,
				.recs = recs, .max_recs = max_recs,
				.bytes = bytes, .max_bytes = max_bytes,
				.stage = stage, .stage_end = rs->stage_end,
				.staged = staged,
			};
			bool limited;

			xa = act[0] < act[1] ? act[0] : act[1];
			xb = act[0] < act[1] ? act[1] : act[0];
			avail = (uint64_t)rs->cur[xa].left + rs->cur[xb].left;
			limited = max_recs - recs <
				  avail / kcap_span_hdr(frac_ns) ||
				  max_bytes - bytes < avail;
			if (frac_ns == KCAP_SPAN_EPB)
				why = kcap_spans_merge2_epb(rs, xa, xb, &o,
							    limited, &x);
			else if (frac_ns == 1)
				why = kcap_spans_merge2_ns(rs, xa, xb, &o,
							   limited, &x);
			else
				why = kcap_spans_merge2_us(rs, xa, xb, &o,
							   limited, &x);
			n = o.n;
			recs = o.recs;
			bytes = o.bytes;
			stage = o.stage;
			staged = o.staged;
			if (why != KCAP_SPAN_END)
				break;
			j = act[0] == x ? 0 : 1;
			r = &rs->ring[x];
			c = &rs->cur[x];
			goto ended;
		}
		if (k > 2 && stage) {
			struct kcap_spans_out o = {
				.spans = spans, .n = n, .max = max,
				.recs = recs, .max_recs = max_recs,
				.bytes = bytes, .max_bytes = max_bytes,
				.stage = stage, .stage_end = rs->stage_end,
				.staged = staged,
			};

			why = kcap_spans_mergek(rs, act, k, &o, frac_ns, &j);
			n = o.n;
			recs = o.recs;
			bytes = o.bytes;
			stage = o.stage;
			staged = o.staged;
			if (why != KCAP_SPAN_END)
				break;
			x = act[j];
			r = &rs->ring[x];
			c = &rs->cur[x];
			goto ended;
		}
		if (k > 1)
			j = kcap_spans_pick(rs, act, k, &bound, &first);
		x = act[j];
		r = &rs->ring[x];
		c = &rs->cur[x];
		start = c->p;
		data = 0;
		why = kcap_spans_walk(c, max_recs, &recs, max_bytes, &bytes,
				      &data, k > 1, bound, first, frac_ns,
				      rs->caplen_max, &got, &last);
		if (got) {
			spans[n].p = start;
			spans[n].len = (uint32_t)(c->p - start);
			spans[n].n = got;
			spans[n].data = data;
			spans[n].ring = x;
			spans[n].last = last;
			r->next += spans[n].len;
			n++;
		}
		if (why == KCAP_SPAN_CORRUPT || why == KCAP_SPAN_LIMIT)
			break;
		if (why == KCAP_SPAN_BOUND)
			continue;
ended:
		/* What it had is read: on past padding, or it is empty. */
		ret = kcap_span_at(r, &r->next, c, frac_ns);
		if (ret < 0) {
			why = KCAP_SPAN_CORRUPT;
			break;
		}
		if (ret) {
			c->key = kcap_span_key(c->p, frac_ns);
			continue;
		}
		act[j] = act[--k];
		j = 0;
		if (!k)
			break;
	}
	rs->drained = !k;
	if (n)
		return (int)n;	/* an error is for the next call */
	return why == KCAP_SPAN_LIMIT ? -ENOSPC : -EBADMSG;
}

void kcap_rings_spans_used(struct kcap_rings *rs)
{
	unsigned int x;

	for (x = 0; x < rs->nr; x++)
		rs->ring[x].tail = rs->ring[x].next;
	/*
	 * Rings run dry are polled next: the kernel sees what was taken
	 * only by the tails stored, and would report it again as due.
	 */
	if (rs->drained)
		kcap_rings_release(rs);
}

void kcap_span_rec_packet(const uint8_t *rec, unsigned int ring,
			  uint8_t format, struct kcap_packet *pkt)
{
	struct kcap_epb_tail t;
	struct kcap_pcap_rec h;
	struct kcap_epb e;
	uint32_t frac_ns;

	memset(pkt, 0, sizeof(*pkt));
	pkt->ring = ring;
	if (format == KCAP_RING_FORMAT_PCAPNG) {
		memcpy(&e, rec, sizeof(e));
		memcpy(&t, rec + e.blen - sizeof(t), sizeof(t));
		pkt->frame.tstamp_ns = (uint64_t)e.ts_high << 32 | e.ts_low;
		pkt->frame.caplen = e.caplen;
		pkt->frame.len = e.len;
		pkt->frame.data = rec + sizeof(e);
		/* KCAP_DIR_IN/OUT (1, 2) are KCAP_FRAME_IN/OUT. */
		pkt->frame.direction = t.flags == KCAP_DIR_IN ||
				       t.flags == KCAP_DIR_OUT ? t.flags : 0;
		return;
	}
	memcpy(&h, rec, sizeof(h));
	frac_ns = format == KCAP_RING_FORMAT_PCAP_NSEC ? 1 : 1000;
	pkt->frame.tstamp_ns = (uint64_t)h.ts_sec * 1000000000 +
			       (uint64_t)h.ts_frac * frac_ns;
	pkt->frame.caplen = h.caplen;
	pkt->frame.len = h.len;
	pkt->frame.data = rec + sizeof(h);
}

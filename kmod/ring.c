// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU rings of a session and the wakeups of their reader.
 *
 * Each possible CPU has its own ring, written only by that CPU with bottom
 * halves off, so the producer side takes no lock and shares no cache line
 * with other CPUs.  The handshake with the reader is the one documented in
 * <linux/kcap.h>: the kernel publishes records with a store-release of
 * head, the reader gives space back with a store-release of tail.
 *
 * Wakeups are batched.  A reader about to sleep in poll() sets
 * reader_waiting; a producer that sees it and finds a quarter of its ring
 * pending wakes the reader, and a timer that runs only while the reader
 * sleeps picks up what is below that mark.  The producer issues no full
 * barrier per frame, so it may miss a reader that just went to sleep; the
 * timer bounds the cost of that to one period.
 */

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/if_vlan.h>

#include "compat.h"
#include "internal.h"

/* A lone record reaches a sleeping reader within this (plus a tick). */
#define KCAP_WAKE_PERIOD_MS	10

static_assert(KCAP_WAKE_PERIOD_MS + 1000 / HZ <= KCAP_WAKEUP_MAX_MS);
static_assert(sizeof(struct kcap_ring_ctrl) <= PAGE_SIZE);
static_assert(sizeof(struct kcap_rec) % KCAP_REC_ALIGN == 0);

/* Wake the reader if it sleeps; from any context. */
static void kcap_readers_wake(struct kcap_session *s)
{
	if (xchg(&s->reader_waiting, 0))
		wake_up_interruptible_poll(&s->wq, EPOLLIN | EPOLLRDNORM);
}

static void kcap_wake_timer_fn(struct timer_list *t)
{
	struct kcap_session *s = timer_container_of(s, t, wake_timer);

	if (!READ_ONCE(s->reader_waiting))
		return;
	if (kcap_rings_pending(s) || READ_ONCE(s->state) != KCAP_STATE_ATTACHED)
		kcap_readers_wake(s);
	else
		mod_timer(&s->wake_timer,
			  jiffies + msecs_to_jiffies(KCAP_WAKE_PERIOD_MS));
}

/**
 * kcap_rings_alloc() - allocate a session's rings.
 * @s: the session; its mem_size must have been checked against the limits.
 * @ring_size: data bytes of each ring, a power of two, at least a page.
 *
 * Return: 0 or -ENOMEM.
 */
int kcap_rings_alloc(struct kcap_session *s, u32 ring_size)
{
	size_t stride = PAGE_SIZE + ring_size;
	unsigned int i;

	s->nr_rings = nr_cpu_ids;
	s->ring_size = ring_size;
	s->wake_bytes = ring_size / 4;
	s->mem_size = stride * s->nr_rings;	/* what the caller charged */
	s->rings = kcalloc(s->nr_rings, sizeof(*s->rings), GFP_KERNEL_ACCOUNT);
	if (!s->rings)
		return -ENOMEM;
	/*
	 * Charged to the memory cgroup of the task that asks: rings are the
	 * bulk of what a session costs.  Mapped page by page (chrdev.c), as
	 * the accounted vmalloc() has no VM_USERMAP for remap_vmalloc_range().
	 */
	s->mem = __vmalloc(s->mem_size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!s->mem) {
		kfree(s->rings);
		s->rings = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < s->nr_rings; i++) {
		struct kcap_ring *r = &s->rings[i];

		r->ctrl = s->mem + i * stride;
		r->data = (u8 *)r->ctrl + PAGE_SIZE;
		r->ctrl->size = ring_size;
		r->ctrl->cpu = i;
	}
	init_waitqueue_head(&s->wq);
	timer_setup(&s->wake_timer, kcap_wake_timer_fn, 0);
	return 0;
}

/* Free the rings; no reader is bound and no frame can reach them. */
void kcap_rings_free(struct kcap_session *s)
{
	if (!s->rings)
		return;
	timer_delete_sync(&s->wake_timer);
	vfree(s->mem);
	kfree(s->rings);
}

/*
 * Copy @n bytes of the frame: a cooked header first if @cooked, else with
 * an offloaded VLAN tag written back if @vlan.
 */
static int kcap_copy_frame(const struct sk_buff *skb, u8 *to, unsigned int n,
			   bool vlan, const u8 *cooked)
{
	unsigned int head = min_t(unsigned int, n, 2 * ETH_ALEN);
	__be16 tag[2];

	if (cooked) {
		head = min_t(unsigned int, n, KCAP_SLL2_HDR_LEN);
		memcpy(to, cooked, head);
		return skb_copy_bits(skb, 0, to + head, n - head);
	}
	if (!vlan)
		return skb_copy_bits(skb, 0, to, n);
	if (skb_copy_bits(skb, 0, to, head))
		return -EFAULT;
	if (n == head)
		return 0;
	tag[0] = skb->vlan_proto;
	tag[1] = htons(skb_vlan_tag_get(skb));
	memcpy(to + head, tag, min_t(unsigned int, n - head, VLAN_HLEN));
	if (n <= head + VLAN_HLEN)
		return 0;
	return skb_copy_bits(skb, head, to + head + VLAN_HLEN,
			     n - head - VLAN_HLEN);
}

/**
 * kcap_ring_write() - put a frame in this CPU's ring.
 * @s: the session.
 * @skb: the frame, skb->data at its MAC header (at its network header
 *	with @cooked).
 * @hdr: the record header, caplen and len filled in.
 * @vlan: write the offloaded VLAN tag back into the bytes.
 * @cooked: NULL, or the KCAP_SLL2_HDR_LEN bytes of a cooked header that
 *	come before the frame's (a session on every device).
 *
 * Called with bottom halves off: the only producer of this ring.
 *
 * Return: true if the frame is in the ring, false if there was no room.
 */
bool kcap_ring_write(struct kcap_session *s, const struct sk_buff *skb,
		     const struct kcap_rec *hdr, bool vlan, const u8 *cooked)
{
	struct kcap_ring *r = &s->rings[smp_processor_id()];
	u32 size = s->ring_size, rec_len, used, off, room, tail;
	struct kcap_rec *rec;

	rec_len = ALIGN(sizeof(*rec) + hdr->caplen, KCAP_REC_ALIGN);
	/* Pairs with the reader's store-release: it is done with the space. */
	tail = smp_load_acquire(&r->ctrl->tail);
	used = r->head - tail;
	if (used > size)	/* the reader wrote garbage: stop feeding it */
		return false;
	off = r->head & (size - 1);
	room = size - off;
	if (room < rec_len) {
		/* Does not fit before the end: pad to it, start over at 0. */
		if (size - used < room + rec_len)
			return false;
		rec = (struct kcap_rec *)(r->data + off);
		rec->rec_len = room;
		rec->flags = KCAP_REC_F_PAD;
		WRITE_ONCE(r->head, r->head + room);
		off = 0;
	} else if (size - used < rec_len) {
		return false;
	}

	rec = (struct kcap_rec *)(r->data + off);
	*rec = *hdr;
	rec->rec_len = rec_len;
	rec->hdr_len = sizeof(*rec);
	if (kcap_copy_frame(skb, (u8 *)(rec + 1), hdr->caplen, vlan, cooked))
		return false;
	WRITE_ONCE(r->head, r->head + rec_len);
	/* Pairs with the reader's load-acquire: the record before the head. */
	smp_store_release(&r->ctrl->head, r->head);

	if (READ_ONCE(s->reader_waiting) && r->head - tail >= s->wake_bytes)
		kcap_readers_wake(s);
	return true;
}

/*
 * Whether any ring holds records the reader has not consumed: the kernel's
 * own head against the reader's tail, never the head in the control page,
 * which the reader can write.
 */
bool kcap_rings_pending(struct kcap_session *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_rings; i++) {
		const struct kcap_ring *r = &s->rings[i];

		if (READ_ONCE(r->head) != READ_ONCE(r->ctrl->tail))
			return true;
	}
	return false;
}

/*
 * The reader is about to sleep in poll(): ask producers for a wakeup and
 * make sure the timer runs.  Process context.
 */
void kcap_reader_arm(struct kcap_session *s)
{
	WRITE_ONCE(s->reader_waiting, 1);
	smp_mb();	/* the flag before the caller's second look at the rings */
	if (!timer_pending(&s->wake_timer))
		mod_timer(&s->wake_timer,
			  jiffies + msecs_to_jiffies(KCAP_WAKE_PERIOD_MS));
}

/* The reader is going away: no more wakeups, no more timer. */
void kcap_reader_disarm(struct kcap_session *s)
{
	WRITE_ONCE(s->reader_waiting, 0);
	timer_delete_sync(&s->wake_timer);
}

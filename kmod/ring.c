// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU rings of a session and the wakeups of their reader.  The
 * producer's side, which the per-frame path inlines, is in capture.c.
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
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "internal.h"

/*
 * The wake timer's period, in jiffies: the whole of KCAP_WAKEUP_MAX_MS
 * less the tick by which the timer may run late (16 ms at HZ=250), so that
 * a batching reader is woken as seldom as the bound allows.
 */
#define KCAP_WAKE_PERIOD	(KCAP_WAKEUP_MAX_MS * HZ / 1000 - 1)

/* (a tick within the bound: HZ of 100 and more, as every arch's default) */
static_assert(KCAP_WAKE_PERIOD >= 1);
static_assert(sizeof(struct kcap_ring_ctrl) <= PAGE_SIZE);
static_assert(sizeof(struct kcap_rec) % KCAP_REC_ALIGN == 0);

/* Wake the reader if it sleeps; from any context. */
void kcap_readers_wake(struct kcap_session *s)
{
	if (xchg(&s->reader_waiting, 0))
		wake_up_interruptible_poll(&s->wq, EPOLLIN | EPOLLRDNORM);
}

/*
 * Note, in each ring that holds records, the head that makes them due: a
 * batching reader's poll() reports them until it has consumed that far.
 * Return: whether any ring holds records.
 */
static bool kcap_rings_mark_due(struct kcap_session *s)
{
	bool found = false;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct kcap_ring *r = &per_cpu_ptr(s->pcpu, cpu)->ring;
		u32 head = READ_ONCE(r->head);

		if (head != READ_ONCE(r->ctrl->tail)) {
			WRITE_ONCE(r->due, head);
			found = true;
		}
	}
	return found;
}

static void kcap_wake_timer_fn(struct timer_list *t)
{
	struct kcap_session *s = timer_container_of(s, t, wake_timer);

	/*
	 * The timer was dequeued before this look at the flag, as the flag
	 * was set before kcap_reader_arm() looks at timer_pending(): one of
	 * the two sees the other, and a sleeping reader keeps its timer.
	 */
	smp_mb();
	if (!READ_ONCE(s->reader_waiting))
		return;
	/* (the marks are written before the wakeup's barrier) */
	if (kcap_rings_mark_due(s) ||
	    READ_ONCE(s->state) != KCAP_STATE_ATTACHED)
		kcap_readers_wake(s);
	else
		mod_timer(&s->wake_timer, jiffies + KCAP_WAKE_PERIOD);
}

/* The bytes a record of format @fmt takes besides its frame's, at most. */
static u32 kcap_rec_overhead(u8 fmt)
{
	switch (fmt) {
	case KCAP_RING_FORMAT_PCAP:
	case KCAP_RING_FORMAT_PCAP_NSEC:
		return sizeof(struct kcap_pcap_rec);
	case KCAP_RING_FORMAT_PCAPNG:
		return KCAP_EPB_LEN(0);
	default:
		return sizeof(struct kcap_rec);
	}
}

/**
 * kcap_rings_alloc() - allocate a session's rings.
 * @s: the session; its mem_size must have been checked against the limits,
 *	and its per-CPU data allocated.
 * @ring_size: data bytes of each ring, a power of two, at least a page.
 *
 * Return: 0 or -ENOMEM.
 */
int kcap_rings_alloc(struct kcap_session *s, u32 ring_size)
{
	size_t stride = PAGE_SIZE + ring_size;
	struct kcap_ring_ctrl *ctrl;
	struct kcap_ring *r;
	unsigned int i;

	s->nr_rings = nr_cpu_ids;
	s->ring_size = ring_size;
	/* (a multiple of 4 for pcapng's: its padding keeps within) */
	s->caplen_max = ring_size / 2 - kcap_rec_overhead(s->ring_format);
	s->wake_bytes = ring_size / 4;
	s->mem_size = stride * s->nr_rings;	/* what the caller charged */
	/*
	 * Charged to the memory cgroup of the task that asks: rings are the
	 * bulk of what a session costs.  Mapped page by page (chrdev.c), as
	 * the accounted vmalloc() has no VM_USERMAP for remap_vmalloc_range().
	 */
	s->mem = __vmalloc(s->mem_size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!s->mem)
		return -ENOMEM;
	/* Every ring is mapped; only a possible CPU's is ever written. */
	for (i = 0; i < s->nr_rings; i++) {
		ctrl = s->mem + i * stride;
		ctrl->size = ring_size;
		ctrl->cpu = i;
		if (cpu_possible(i)) {
			r = &per_cpu_ptr(s->pcpu, i)->ring;
			r->ctrl = ctrl;
			r->data = (u8 *)ctrl + PAGE_SIZE;
		}
	}
	init_waitqueue_head(&s->wq);
	timer_setup(&s->wake_timer, kcap_wake_timer_fn, 0);
	return 0;
}

/* Free the rings; no reader is bound and no frame can reach them. */
void kcap_rings_free(struct kcap_session *s)
{
	if (!s->mem)
		return;
	timer_delete_sync(&s->wake_timer);
	vfree(s->mem);
}

/*
 * Whether any ring holds @bytes (at least 1) the reader has not consumed,
 * or, if @due, records the wake timer found waiting that it has not
 * consumed: the head noted as due lies past the reader's tail, up to the
 * head.  The kernel's own head is read, never the one in the control page,
 * which the reader can write.  (A tail past the head, which only a reader
 * that writes garbage makes, counts as a ring that holds much: such a
 * reader is woken, not left asleep.  A due note left behind comes into
 * that window again after 4 GiB more through its ring, the counters
 * wrapped: then records already there are reported early, as to a reader
 * without KCAP_BIND_F_BATCH.)  Reading has no side effect: every poll() of
 * the file sees the same, however it is polled.
 */
bool kcap_rings_pending(struct kcap_session *s, u32 bytes, bool due)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		const struct kcap_ring *r = &per_cpu_ptr(s->pcpu, cpu)->ring;
		u32 tail = READ_ONCE(r->ctrl->tail);
		u32 held = READ_ONCE(r->head) - tail;

		if (held >= bytes ||
		    (due && READ_ONCE(r->due) - tail - 1 < held))
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
		mod_timer(&s->wake_timer, jiffies + KCAP_WAKE_PERIOD);
}

/* The reader is going away: no more wakeups, no more timer. */
void kcap_reader_disarm(struct kcap_session *s)
{
	WRITE_ONCE(s->reader_waiting, 0);
	timer_delete_sync(&s->wake_timer);
}

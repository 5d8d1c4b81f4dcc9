// SPDX-License-Identifier: GPL-2.0
/*
 * The per-frame path: direction, filter, snaplen, ring.
 *
 * The filter sees a frame as AF_PACKET's socket filters see it, which is
 * what libpcap compiles for a live Linux capture: from the MAC header, an
 * offloaded VLAN tag in metadata (SKF_AD_VLAN_TAG_PRESENT, SKF_AD_VLAN_TAG),
 * sent frames typed PACKET_OUTGOING (what "inbound" and "outbound" test).
 * So a session gives the verdicts tcpdump gets on the same device.  The
 * captured bytes have the offloaded tag written back after the MAC
 * addresses, as libpcap writes it back for tcpdump.  A session on every
 * device sees frames as libpcap's "any" does instead: from the network
 * header, after a cooked header (kcap_capture_cooked()).  Nothing here
 * clones, allocates, sleeps or takes a lock.
 *
 * Every hook runs with bottom halves off: on the receive path, and on the
 * transmit path as AF_PACKET's packet_rcv() relies on; the netfilter
 * egress hook, which AF_PACKET's qdisc bypass calls from process context,
 * turns them off itself (hooks.c).  So this CPU's ring cannot be entered
 * twice at once, with no local_bh_disable() here, only lockdep's check.
 * A frame's record is written only once the filter has taken it, in its
 * place in the ring; the ring's producer side is here, so that the whole
 * path is one unit, inlined into the hooks' calls.
 */

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_vlan.h>
#include <linux/skbuff.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "internal.h"

/*
 * The filter's verdict on the frame of @len bytes, which starts @mac_len
 * bytes before skb->data: the program runs with skb->data there, and
 * skb->data is put back after.
 */
static __always_inline unsigned int kcap_filter(const struct kcap_settings *set,
						struct sk_buff *skb,
						unsigned int len,
						unsigned int mac_len)
{
	unsigned int res;

	if (!set->prog)
		return len;
	__skb_push(skb, mac_len);
	/*
	 * Not bpf_prog_run_save_cb(), which pins the task to its CPU around
	 * the run and saves skb->cb for a program that reads it: a classic
	 * filter cannot, and with bottom halves off nothing migrates.
	 */
	res = bpf_prog_run(set->prog, skb);
	__skb_pull(skb, mac_len);
	return res;
}

/* kcap_copy_frame() where it needs skb_copy_bits(): from skb->data. */
static int kcap_copy_bits(const struct sk_buff *skb, u8 *to, unsigned int n,
			  bool vlan)
{
	unsigned int head = min_t(unsigned int, n, 2 * ETH_ALEN), i;
	u32 tag;

	if (!vlan)
		return skb_copy_bits(skb, 0, to, n);
	if (skb_copy_bits(skb, 0, to, head))
		return -EFAULT;
	if (n == head)
		return 0;
	/* The tag's bytes, as many as fit: no array, no stack canary. */
	tag = (u32)ntohs(skb->vlan_proto) << 16 | skb_vlan_tag_get(skb);
	for (i = 0; i < VLAN_HLEN && head + i < n; i++)
		to[head + i] = tag >> (24 - 8 * i);
	if (n <= head + VLAN_HLEN)
		return 0;
	return skb_copy_bits(skb, head, to + head + VLAN_HLEN,
			     n - head - VLAN_HLEN);
}

/*
 * Copy @n bytes of the frame, which starts @mac_len bytes before
 * skb->data: a cooked header first if @cooked (then @mac_len is 0), else
 * with an offloaded VLAN tag written back if @vlan.  A frame in the
 * linear area is copied from where it is; skb->data is moved to its
 * start only for skb_copy_bits(), and put back.
 */
static __always_inline int kcap_copy_frame(struct sk_buff *skb,
					   unsigned int mac_len, u8 *to,
					   unsigned int n, bool vlan,
					   const u8 *cooked)
{
	unsigned int head;
	int err;

	if (cooked) {
		head = min_t(unsigned int, n, KCAP_SLL2_HDR_LEN);
		memcpy(to, cooked, head);
		return skb_copy_bits(skb, 0, to + head, n - head);
	}
	/* A linear frame's bytes are all in its head: @n is no more. */
	if (!vlan &&
	    likely(!skb_is_nonlinear(skb) || n <= skb_headlen(skb) + mac_len)) {
		memcpy(to, skb->data - mac_len, n);
		return 0;
	}
	__skb_push(skb, mac_len);
	err = kcap_copy_bits(skb, to, n, vlan);
	__skb_pull(skb, mac_len);
	return err;
}

/* A struct kcap_pcap_rec where it lies in a ring: anywhere, unaligned. */
struct kcap_pcap_hdr {
	struct kcap_pcap_rec	h;
} __packed;

/*
 * Room for a record of @rec_len bytes at the head of ring @r, after
 * padding where it would not fit before the ring's end (a padding record
 * of format @fmt: for a pcap one a struct kcap_pcap_rec of caplen
 * KCAP_PCAP_REC_PAD, for pcapng a struct kcap_epb of type KCAP_EPB_PAD,
 * if it fits); *@next is the head once the record is in.  Nothing is
 * published before kcap_ring_commit().  Called with bottom halves off, on
 * @r's CPU: its only producer.
 *
 * Return: the record, to fill in; NULL if there is no room.
 */
static __always_inline void *kcap_ring_reserve(const struct kcap_session *s,
					       struct kcap_ring *r,
					       u32 rec_len, u32 *next,
					       const u8 fmt)
{
	u32 size = s->ring_size, head = r->head, used, off, room;
	struct kcap_pcap_hdr *pcap_pad;
	struct kcap_epb *epb_pad;
	struct kcap_rec *pad;

	/* Pairs with the reader's store-release: it is done with the space. */
	used = head - smp_load_acquire(&r->ctrl->tail);
	if (used > size)	/* the reader wrote garbage: stop feeding it */
		return NULL;
	off = head & (size - 1);
	room = size - off;
	if (room < rec_len) {
		/* Does not fit before the end: pad to it, start over at 0. */
		if (size - used < room + rec_len)
			return NULL;
		if (fmt == KCAP_RING_FORMAT_KCAP) {
			pad = (struct kcap_rec *)(r->data + off);
			pad->rec_len = room;
			pad->flags = KCAP_REC_F_PAD;
		} else if (fmt == KCAP_RING_FORMAT_PCAP &&
			   room >= sizeof(struct kcap_pcap_rec)) {
			pcap_pad = (struct kcap_pcap_hdr *)(r->data + off);
			pcap_pad->h.caplen = KCAP_PCAP_REC_PAD;
		} else if (fmt == KCAP_RING_FORMAT_PCAPNG &&
			   room >= sizeof(struct kcap_epb)) {
			epb_pad = (struct kcap_epb *)(r->data + off);
			epb_pad->type = KCAP_EPB_PAD;
		}
		head += room;
		off = 0;
	} else if (size - used < rec_len) {
		return NULL;
	}
	*next = head + rec_len;
	return r->data + off;
}

/*
 * Publish the record reserved at @r's head, which moves to @head; wake
 * the reader if it waits and what it has not read reached the mark.  The
 * reader's tail is read again for that, not kept from the reservation:
 * kept, it would be saved and restored around the copy.
 */
static __always_inline void kcap_ring_commit(struct kcap_session *s,
					     struct kcap_ring *r, u32 head)
{
	WRITE_ONCE(r->head, head);
	/* Pairs with the reader's load-acquire: the record before the head. */
	smp_store_release(&r->ctrl->head, head);

	if (READ_ONCE(s->reader_waiting) &&
	    head - READ_ONCE(r->ctrl->tail) >= s->wake_bytes)
		kcap_readers_wake(s);
}

/*
 * The record's fields add up to its size: it has no holes, so storing
 * each field, and zeros in reserved, writes every byte the reader can
 * see.  A field added, at the end or out of reserved, breaks one of these
 * asserts: it must be stored in kcap_rec_header() before they are
 * changed, or stale ring bytes would reach userland.
 */
static_assert(sizeof(struct kcap_rec) == 40);
static_assert(offsetof(struct kcap_rec, reserved) == 35 &&
	      sizeof_field(struct kcap_rec, reserved) == 5);
static_assert(sizeof(struct kcap_pcap_rec) == 16);
static_assert(sizeof(struct kcap_epb) == 28 &&
	      sizeof(struct kcap_epb_tail) == 16);

/*
 * A pcap record's header, at @p: the time @tstamp in seconds and micro-
 * or nanoseconds (@nsec), and the lengths.
 */
static __always_inline void kcap_pcap_header(struct kcap_pcap_hdr *p,
					     u64 tstamp, bool nsec,
					     u32 caplen, u32 len)
{
	u32 frac;

	p->h.ts_sec = (u32)div_u64_rem(tstamp, NSEC_PER_SEC, &frac);
	p->h.ts_frac = nsec ? frac : frac / NSEC_PER_USEC;
	p->h.caplen = caplen;
	p->h.len = len;
}

/*
 * A pcapng enhanced packet block at @e (4-byte aligned: blocks' lengths
 * are multiples of 4), reserved for @blen bytes (KCAP_EPB_LEN(@caplen)):
 * all but the frame's bytes.  The word before the tail first, zero: the
 * frame's padding, which the copy, after this, puts its last bytes over.
 */
static __always_inline void kcap_epb_header(struct kcap_epb *e, u32 blen,
					    u64 tstamp, u32 caplen, u32 len,
					    u8 dir)
{
	struct kcap_epb_tail *t = (void *)e + blen - sizeof(*t);

	*((u32 *)t - 1) = 0;
	t->opt_code = KCAP_EPB_OPT_FLAGS;
	t->opt_len = sizeof(t->flags);
	t->flags = dir;
	t->opt_end = 0;
	t->blen = blen;
	e->type = KCAP_EPB_TYPE;
	e->blen = blen;
	e->ifid = 0;
	e->ts_high = upper_32_bits(tstamp);
	e->ts_low = lower_32_bits(tstamp);
	e->caplen = caplen;
	e->len = len;
}

/*
 * The header of a record of KCAP_RING_FORMAT_KCAP at @rec, reserved for
 * @rec_len bytes: of @caplen bytes of a frame of @len taken at @tstamp in
 * direction @dir, on device @dev or @s's (see kcap_deliver()).
 */
static __always_inline void kcap_rec_header(struct kcap_rec *rec, u32 rec_len,
					    u32 caplen, u32 len, u64 tstamp,
					    const struct kcap_session *s,
					    const struct sk_buff *skb, u8 dir,
					    const struct net_device *dev,
					    bool vlan)
{
	__be16 vlan_tpid = 0, protocol;
	u16 vlan_tci = 0;
	u8 pkt_type;

	/*
	 * Read before the header's first store, not just before its own:
	 * the record could be anywhere, for the compiler, and each store a
	 * reason to read again.
	 */
	protocol = skb->protocol;
	pkt_type = skb->pkt_type;
	if (vlan) {
		vlan_tci = skb_vlan_tag_get(skb);
		vlan_tpid = skb->vlan_proto;
	}
	/*
	 * The header before the frame's bytes, so that what it takes need
	 * not live across the copy's call: nothing is published before
	 * kcap_ring_commit().  Field by field, not as a compound literal,
	 * which zeroes the whole header first: stored so, the constant
	 * fields side by side (hdr_len, flags, direction) and the zeros
	 * merge into wider stores.
	 */
	rec->rec_len = rec_len;
	rec->hdr_len = sizeof(*rec);
	rec->flags = vlan ? KCAP_REC_F_VLAN : 0;
	rec->direction = dir;
	rec->caplen = caplen;
	rec->len = len;
	rec->tstamp_ns = tstamp;
	/* Read here, not before the clock: not live across its call. */
	rec->ifindex = dev ? dev->ifindex : s->ifindex;
	rec->protocol = protocol;
	rec->vlan_tci = vlan_tci;
	rec->vlan_tpid = vlan_tpid;
	rec->pkt_type = pkt_type;
	memset(rec->reserved, 0, sizeof(rec->reserved));
}

/*
 * Count a frame the direction let through and, if the filter passed it
 * (@res bytes at most), put it in this CPU's ring: the frame of @len
 * bytes from @mac_len bytes before skb->data (an offloaded VLAN tag
 * written back if @vlan, after the KCAP_SLL2_HDR_LEN bytes of @cooked if
 * not NULL), as taken in direction @dir on device @dev (a session on
 * every device) or on the session's.  The record is written where the
 * reader will find it, not built on the stack and copied there, as the
 * session's format @fmt says: a struct kcap_rec, a struct kcap_pcap_rec
 * (KCAP_RING_FORMAT_PCAP, for both pcap formats) or a pcapng block.
 */
static __always_inline void kcap_deliver(struct kcap_session *s,
					 const struct kcap_settings *set,
					 struct sk_buff *skb,
					 unsigned int mac_len, unsigned int len,
					 unsigned int res, u8 dir,
					 const struct net_device *dev,
					 bool vlan, const u8 *cooked,
					 const u8 fmt)
{
	struct kcap_pcpu *pc = this_cpu_ptr(s->pcpu);
	u32 caplen, rec_len, head;
	struct kcap_ring *r;
	u64 tstamp;
	u8 *data;
	bool cut;

	u64_stats_update_begin(&pc->syncp);
	u64_stats_inc(&pc->seen);
	if (!res)
		goto out;
	/* The snaplen taken now: the settings are not live across the call. */
	res = min(res, set->snaplen);
	/*
	 * First, while little is live across the call.  The fast accessor
	 * reads the same clock as ktime_get_real_ns(), from the timekeeper's
	 * latched copy, in fewer instructions.  During an update of the
	 * clock's rate a reading may come out a fraction of a nanosecond
	 * behind one just before it (kernel/time/timekeeping.c), and a step
	 * of the clock reorders readings with either: readers merge rings
	 * by time without relying on their order.
	 */
	tstamp = ktime_get_real_fast_ns();
	caplen = min(len, res);
	/*
	 * A record larger than half a ring may never fit, wherever the
	 * ring's head is: cut the frame to that, which an emptied ring
	 * always takes, rather than drop it every time.
	 */
	cut = caplen > s->caplen_max;
	if (cut)
		caplen = s->caplen_max;

	r = &pc->ring;
	if (fmt == KCAP_RING_FORMAT_PCAP) {
		rec_len = sizeof(struct kcap_pcap_rec) + caplen;
		data = kcap_ring_reserve(s, r, rec_len, &head, fmt);
		if (!data)
			goto drop;
		kcap_pcap_header((struct kcap_pcap_hdr *)data, tstamp,
				 s->ring_format == KCAP_RING_FORMAT_PCAP_NSEC,
				 caplen, len);
		data += sizeof(struct kcap_pcap_rec);
	} else if (fmt == KCAP_RING_FORMAT_PCAPNG) {
		rec_len = KCAP_EPB_LEN(caplen);
		data = kcap_ring_reserve(s, r, rec_len, &head, fmt);
		if (!data)
			goto drop;
		kcap_epb_header((struct kcap_epb *)data, rec_len, tstamp,
				caplen, len, dir);
		data += sizeof(struct kcap_epb);
	} else {
		rec_len = ALIGN(sizeof(struct kcap_rec) + caplen,
				KCAP_REC_ALIGN);
		data = kcap_ring_reserve(s, r, rec_len, &head, fmt);
		if (!data)
			goto drop;
		kcap_rec_header((struct kcap_rec *)data, rec_len, caplen, len,
				tstamp, s, skb, dir, dev, vlan);
		data += sizeof(struct kcap_rec);
	}
	if (kcap_copy_frame(skb, mac_len, data, caplen, vlan, cooked))
		goto drop;
	kcap_ring_commit(s, r, head);
	smp_wmb();	/* seen first: pairs with kcap_session_stats() */
	u64_stats_inc(&pc->delivered);
	u64_stats_add(&pc->bytes, caplen);
	if (cut)
		u64_stats_inc(&pc->cut);
	goto out;
drop:
	smp_wmb();	/* seen first: pairs with kcap_session_stats() */
	u64_stats_inc(&pc->dropped);
out:
	u64_stats_update_end(&pc->syncp);
}

/*
 * Offer a frame to a session, taken in direction @dir, into records of
 * kind @fmt (kcap_deliver(); constants: each direction and each kind of
 * record gets a copy of its own, with the others' tests folded away);
 * skb->data is at the network header at ingress, at the MAC header at
 * egress, and is restored as found.  Called under RCU from the session's
 * hooks.
 */
static __always_inline void __kcap_capture(struct kcap_session *s,
					   struct sk_buff *skb, const u8 dir,
					   const u8 fmt)
{
	const struct kcap_settings *set = rcu_dereference(s->settings);
	unsigned char pkt_type = skb->pkt_type;
	unsigned int mac_len = 0, len, res;
	bool vlan;

	if (!(set->direction & dir))
		return;

	lockdep_assert_in_softirq();
	/*
	 * Received, from the MAC header, as sent: mac_len bytes before
	 * skb->data, which is moved there only for what needs it.
	 */
	if (dir == KCAP_DIR_IN && skb_mac_header_was_set(skb))
		mac_len = skb->data - skb_mac_header(skb);
	if (dir == KCAP_DIR_OUT)
		skb->pkt_type = PACKET_OUTGOING;

	len = skb->len + mac_len;
	vlan = skb_vlan_tag_present(skb) && s->linktype == KCAP_LINKTYPE_ETHERNET &&
	       len >= 2 * ETH_ALEN;
	if (vlan)
		len += VLAN_HLEN;
	res = kcap_filter(set, skb, len, mac_len);
	/* A copy each, with and without a tag: vlan folds away in each. */
	if (vlan)
		kcap_deliver(s, set, skb, mac_len, len, res, dir, NULL, true,
			     NULL, fmt);
	else
		kcap_deliver(s, set, skb, mac_len, len, res, dir, NULL, false,
			     NULL, fmt);

	if (dir == KCAP_DIR_OUT)
		skb->pkt_type = pkt_type;
}

/*
 * A copy for each direction and each kind of record, out of line: the
 * callers test the format, which costs them a compare and a jump or two,
 * before any saves a register.
 */
#define KCAP_CAPTURE_FN(kind, fmt, dir)					\
static noinline void kcap_capture_##kind(struct kcap_session *s,	\
					 struct sk_buff *skb)		\
{									\
	__kcap_capture(s, skb, dir, fmt);				\
}

KCAP_CAPTURE_FN(kcap_in, KCAP_RING_FORMAT_KCAP, KCAP_DIR_IN)
KCAP_CAPTURE_FN(pcap_in, KCAP_RING_FORMAT_PCAP, KCAP_DIR_IN)
KCAP_CAPTURE_FN(pcapng_in, KCAP_RING_FORMAT_PCAPNG, KCAP_DIR_IN)
KCAP_CAPTURE_FN(kcap_out, KCAP_RING_FORMAT_KCAP, KCAP_DIR_OUT)
KCAP_CAPTURE_FN(pcap_out, KCAP_RING_FORMAT_PCAP, KCAP_DIR_OUT)
KCAP_CAPTURE_FN(pcapng_out, KCAP_RING_FORMAT_PCAPNG, KCAP_DIR_OUT)

/**
 * kcap_capture_in() - offer a received frame to a session.
 * @s: the session.
 * @skb: the frame, skb->data at its network header.  Restored as found.
 *
 * Called under RCU from the session's hooks.
 */
void kcap_capture_in(struct kcap_session *s, struct sk_buff *skb)
{
	if (s->ring_format == KCAP_RING_FORMAT_KCAP)
		kcap_capture_kcap_in(s, skb);
	else if (s->ring_format != KCAP_RING_FORMAT_PCAPNG)
		kcap_capture_pcap_in(s, skb);
	else
		kcap_capture_pcapng_in(s, skb);
}

/**
 * kcap_capture_out() - offer a sent frame to a session.
 * @s: the session.
 * @skb: the frame, skb->data at its MAC header.  Restored as found.
 *
 * Called under RCU from the session's hooks.
 */
void kcap_capture_out(struct kcap_session *s, struct sk_buff *skb)
{
	if (s->ring_format == KCAP_RING_FORMAT_KCAP)
		kcap_capture_kcap_out(s, skb);
	else if (s->ring_format != KCAP_RING_FORMAT_PCAPNG)
		kcap_capture_pcap_out(s, skb);
	else
		kcap_capture_pcapng_out(s, skb);
}

/* LINKTYPE_LINUX_SLL2's header, in network order. */
struct kcap_sll2 {
	__be16	protocol;
	__be16	reserved;
	__be32	ifindex;
	__be16	hatype;
	u8	pkt_type;
	u8	halen;
	u8	addr[8];
};

static_assert(sizeof(struct kcap_sll2) == KCAP_SLL2_HDR_LEN);

/* The cooked header of a frame of @dev, as AF_PACKET gives it to libpcap. */
static void kcap_cooked_header(struct kcap_sll2 *sll, const struct sk_buff *skb,
			       const struct net_device *dev)
{
	unsigned char addr[MAX_ADDR_LEN];
	int halen = 0;

	memset(sll, 0, sizeof(*sll));
	sll->protocol = skb->protocol;
	sll->ifindex = htonl(dev->ifindex);
	sll->hatype = htons(dev->type);
	sll->pkt_type = skb->pkt_type;
	if (skb_mac_header_was_set(skb))
		halen = dev_parse_header(skb, addr);
	if (halen > 0) {
		sll->halen = halen;
		memcpy(sll->addr, addr, min_t(int, halen, sizeof(sll->addr)));
	}
}

/**
 * kcap_capture_cooked() - offer a frame to a session on every device.
 * @s: the session (KCAP_SESSION_F_ANYDEV).
 * @skb: the frame; at ingress skb->data is at the network header, at egress
 *	at the MAC header.  Restored as found.
 * @dir: KCAP_DIR_IN or KCAP_DIR_OUT.
 * @dev: the device whose hook took it.
 *
 * What a SOCK_DGRAM packet socket on every device sees, which is what
 * libpcap makes its "any" captures of: the filter runs from the network
 * header, and the record is a cooked header, then the frame from there.
 * Called under RCU from the session's hooks on @dev.
 */
void kcap_capture_cooked(struct kcap_session *s, struct sk_buff *skb, u8 dir,
			 const struct net_device *dev)
{
	const struct kcap_settings *set = rcu_dereference(s->settings);
	unsigned char pkt_type = skb->pkt_type;
	unsigned int net_off = 0, len, res;
	struct kcap_sll2 sll;
	int off;

	if (!(set->direction & dir))
		return;

	lockdep_assert_in_softirq();
	/* A sent frame starts at its MAC header, on a device that has one. */
	if (dir == KCAP_DIR_OUT && dev_has_header(dev)) {
		off = skb_network_offset(skb);
		if (off > 0 && off <= skb_headlen(skb))
			net_off = off;
	}
	__skb_pull(skb, net_off);
	if (dir == KCAP_DIR_OUT)
		skb->pkt_type = PACKET_OUTGOING;

	len = KCAP_SLL2_HDR_LEN + skb->len;
	res = kcap_filter(set, skb, len, 0);
	if (res)
		kcap_cooked_header(&sll, skb, dev);
	if (!res || s->ring_format == KCAP_RING_FORMAT_KCAP)
		kcap_deliver(s, set, skb, 0, len, res, dir, dev, false,
			     (const u8 *)&sll, KCAP_RING_FORMAT_KCAP);
	else if (s->ring_format != KCAP_RING_FORMAT_PCAPNG)
		kcap_deliver(s, set, skb, 0, len, res, dir, dev, false,
			     (const u8 *)&sll, KCAP_RING_FORMAT_PCAP);
	else
		kcap_deliver(s, set, skb, 0, len, res, dir, dev, false,
			     (const u8 *)&sll, KCAP_RING_FORMAT_PCAPNG);

	skb->pkt_type = pkt_type;
	__skb_push(skb, net_off);
}

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
 * A frame's record header is filled only once the filter has taken it.
 */

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_vlan.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "internal.h"

static unsigned int kcap_filter(const struct kcap_settings *set,
				struct sk_buff *skb, unsigned int len)
{
	const struct kcap_filter *f = set->filter;

	if (!f || !f->prog)
		return len;
	/*
	 * Not bpf_prog_run_save_cb(), which pins the task to its CPU around
	 * the run and saves skb->cb for a program that reads it: a classic
	 * filter cannot, and with bottom halves off nothing migrates.
	 */
	return bpf_prog_run(f->prog, skb);
}

/*
 * Count a frame the direction let through and, if the filter passed it
 * (@res bytes at most), put it in this CPU's ring, as taken in direction
 * @dir on device @ifindex.  If @res, @hdr is zeroed but for its len and
 * VLAN fields; otherwise it is not looked at.
 */
static void kcap_deliver(struct kcap_session *s,
			 const struct kcap_settings *set,
			 const struct sk_buff *skb, struct kcap_rec *hdr,
			 u8 dir, int ifindex, unsigned int res, bool vlan,
			 const u8 *cooked)
{
	struct kcap_pcpu_stats *st = this_cpu_ptr(s->stats);
	bool ok, cut;

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->seen);
	if (res) {
		hdr->direction = dir;
		hdr->ifindex = ifindex;
		hdr->protocol = skb->protocol;
		hdr->pkt_type = skb->pkt_type;
		hdr->caplen = min3(hdr->len, set->snaplen, res);
		/*
		 * A record larger than half a ring may never fit, wherever the
		 * ring's head is: cut the frame to that, which an emptied ring
		 * always takes, rather than drop it every time.
		 */
		cut = hdr->caplen > s->ring_size / 2 - sizeof(*hdr);
		if (cut)
			hdr->caplen = s->ring_size / 2 - sizeof(*hdr);
		hdr->tstamp_ns = ktime_get_real_ns();
		ok = kcap_ring_write(s, skb, hdr, vlan, cooked);
		smp_wmb();	/* seen first: pairs with kcap_session_stats() */
		if (ok) {
			u64_stats_inc(&st->delivered);
			u64_stats_add(&st->bytes, hdr->caplen);
			if (cut)
				u64_stats_inc(&st->cut);
		} else {
			u64_stats_inc(&st->dropped);
		}
	}
	u64_stats_update_end(&st->syncp);
}

/**
 * kcap_capture() - offer a frame to a session.
 * @s: the session.
 * @skb: the frame; at ingress skb->data is at the network header, at egress
 *	at the MAC header.  Restored as found.
 * @dir: KCAP_DIR_IN or KCAP_DIR_OUT.
 *
 * Called under RCU from the session's hooks.
 */
void kcap_capture(struct kcap_session *s, struct sk_buff *skb, u8 dir)
{
	const struct kcap_settings *set = rcu_dereference(s->settings);
	unsigned char pkt_type = skb->pkt_type;
	unsigned int mac_off = 0, len, res;
	struct kcap_rec hdr;
	bool vlan;

	if (!(set->direction & dir))
		return;

	lockdep_assert_in_softirq();
	if (dir == KCAP_DIR_IN && skb_mac_header_was_set(skb))
		mac_off = skb->data - skb_mac_header(skb);
	__skb_push(skb, mac_off);
	if (dir == KCAP_DIR_OUT)
		skb->pkt_type = PACKET_OUTGOING;

	vlan = skb_vlan_tag_present(skb) && s->linktype == KCAP_LINKTYPE_ETHERNET &&
	       skb->len >= 2 * ETH_ALEN;
	len = skb->len + (vlan ? VLAN_HLEN : 0);
	res = kcap_filter(set, skb, len);
	if (res) {
		memset(&hdr, 0, sizeof(hdr));
		hdr.len = len;
		if (vlan) {
			hdr.flags = KCAP_REC_F_VLAN;
			hdr.vlan_tci = skb_vlan_tag_get(skb);
			hdr.vlan_tpid = skb->vlan_proto;
		}
	}
	kcap_deliver(s, set, skb, &hdr, dir, s->ifindex, res, vlan, NULL);

	skb->pkt_type = pkt_type;
	__skb_pull(skb, mac_off);
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
	struct kcap_rec hdr;
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
	res = kcap_filter(set, skb, len);
	if (res) {
		memset(&hdr, 0, sizeof(hdr));
		hdr.len = len;
		kcap_cooked_header(&sll, skb, dev);
	}
	kcap_deliver(s, set, skb, &hdr, dir, dev->ifindex, res, false,
		     (const u8 *)&sll);

	skb->pkt_type = pkt_type;
	__skb_push(skb, net_off);
}

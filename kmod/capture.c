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
 * addresses, as libpcap writes it back for tcpdump.  Nothing here clones,
 * allocates, sleeps or takes a lock.
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
	return bpf_prog_run_save_cb(f->prog, skb);
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
	struct kcap_pcpu_stats *st;
	unsigned int mac_off = 0, len, res;
	struct kcap_rec hdr;
	bool vlan, ok, cut;

	if (!(set->direction & dir))
		return;

	local_bh_disable();
	st = this_cpu_ptr(s->stats);

	if (dir == KCAP_DIR_IN && skb_mac_header_was_set(skb))
		mac_off = skb->data - skb_mac_header(skb);
	__skb_push(skb, mac_off);
	if (dir == KCAP_DIR_OUT)
		skb->pkt_type = PACKET_OUTGOING;

	vlan = skb_vlan_tag_present(skb) && s->linktype == KCAP_LINKTYPE_ETHERNET &&
	       skb->len >= 2 * ETH_ALEN;
	len = skb->len + (vlan ? VLAN_HLEN : 0);
	res = kcap_filter(set, skb, len);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->seen);
	if (res) {
		memset(&hdr, 0, sizeof(hdr));
		hdr.len = len;
		hdr.caplen = min3(len, set->snaplen, res);
		/*
		 * A record larger than half a ring may never fit, wherever the
		 * ring's head is: cut the frame to that, which an emptied ring
		 * always takes, rather than drop it every time.
		 */
		cut = hdr.caplen > s->ring_size / 2 - sizeof(hdr);
		if (cut)
			hdr.caplen = s->ring_size / 2 - sizeof(hdr);
		hdr.direction = dir;
		hdr.tstamp_ns = ktime_get_real_ns();
		hdr.ifindex = s->ifindex;
		hdr.protocol = skb->protocol;
		hdr.pkt_type = skb->pkt_type;
		if (vlan) {
			hdr.flags = KCAP_REC_F_VLAN;
			hdr.vlan_tci = skb_vlan_tag_get(skb);
			hdr.vlan_tpid = skb->vlan_proto;
		}
		ok = kcap_ring_write(s, skb, &hdr, vlan);
		smp_wmb();	/* seen first: pairs with kcap_session_stats() */
		if (ok) {
			u64_stats_inc(&st->delivered);
			u64_stats_add(&st->bytes, hdr.caplen);
			if (cut)
				u64_stats_inc(&st->cut);
		} else {
			u64_stats_inc(&st->dropped);
		}
	}
	u64_stats_update_end(&st->syncp);

	skb->pkt_type = pkt_type;
	__skb_pull(skb, mac_off);
	local_bh_enable();
}

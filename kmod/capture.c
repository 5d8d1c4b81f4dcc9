// SPDX-License-Identifier: GPL-2.0
/*
 * The per-frame path: direction, filter, snaplen, ring.
 *
 * Frames are presented as tcpdump sees them: from the MAC header, with an
 * offloaded VLAN tag written back after the MAC addresses, and sent frames
 * typed PACKET_OUTGOING (what the "inbound" and "outbound" filter
 * primitives test).  Nothing here clones, allocates, sleeps or takes a lock:
 * a VLAN frame that the filter must see tagged is copied into a per-CPU
 * scratch buffer allocated at load time.
 */

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_vlan.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "kcap.h"

/*
 * The scratch skb of each CPU, in which filters see VLAN frames whose tag
 * the device or the stack took out into metadata.  It holds the first
 * KCAP_VIEW_LEN bytes of such a frame: a filter that loads beyond them
 * (deep into a jumbo or GSO frame) finds no byte there and rejects it.
 */
#define KCAP_VIEW_LEN	SKB_WITH_OVERHEAD(16384)

static struct sk_buff * __percpu *kcap_views;

int kcap_capture_init(void)
{
	unsigned int cpu;

	kcap_views = alloc_percpu(struct sk_buff *);
	if (!kcap_views)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct sk_buff *skb = alloc_skb(KCAP_VIEW_LEN, GFP_KERNEL);

		if (!skb) {
			kcap_capture_exit();
			return -ENOMEM;
		}
		*per_cpu_ptr(kcap_views, cpu) = skb;
	}
	return 0;
}

void kcap_capture_exit(void)
{
	unsigned int cpu;

	if (!kcap_views)
		return;
	for_each_possible_cpu(cpu)
		kfree_skb(*per_cpu_ptr(kcap_views, cpu));
	free_percpu(kcap_views);
	kcap_views = NULL;
}

/* Build the tagged view of @skb (@len bytes with the tag) in this CPU's. */
static struct sk_buff *kcap_vlan_view(const struct sk_buff *skb,
				      unsigned int len)
{
	struct sk_buff *view = *this_cpu_ptr(kcap_views);
	unsigned int n = min_t(unsigned int, len, KCAP_VIEW_LEN);

	view->data = view->head;
	skb_reset_tail_pointer(view);
	view->len = 0;
	view->data_len = 0;
	if (kcap_copy_frame(skb, skb_put(view, n), n, true))
		return NULL;
	/* Bytes past the scratch buffer exist but cannot be loaded. */
	view->len = len;
	view->data_len = len - n;
	skb_reset_mac_header(view);
	view->protocol = skb->vlan_proto;
	view->pkt_type = skb->pkt_type;
	view->dev = skb->dev;
	view->mark = skb->mark;
	view->hash = skb->hash;
	view->queue_mapping = skb->queue_mapping;
	__vlan_hwaccel_clear_tag(view);
	return view;
}

static unsigned int kcap_filter(const struct kcap_settings *set,
				struct sk_buff *skb, bool vlan,
				unsigned int len)
{
	struct sk_buff *view = skb;

	if (!set->prog)
		return len;
	if (vlan) {
		view = kcap_vlan_view(skb, len);
		if (!view)
			return 0;
	}
	return bpf_prog_run_save_cb(set->prog, view);
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
	bool vlan, ok;

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
	res = kcap_filter(set, skb, vlan, len);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->seen);
	if (res) {
		memset(&hdr, 0, sizeof(hdr));
		hdr.len = len;
		hdr.caplen = min3(len, set->snaplen, res);
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
		u64_stats_inc(&st->passed);
		if (ok) {
			u64_stats_inc(&st->delivered);
			u64_stats_add(&st->bytes, hdr.caplen);
		} else {
			u64_stats_inc(&st->dropped);
		}
	}
	u64_stats_update_end(&st->syncp);

	skb->pkt_type = pkt_type;
	__skb_pull(skb, mac_off);
	local_bh_enable();
}

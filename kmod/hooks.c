// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching a session to its device: the hooks that hand it frames, and
 * the promiscuity count it holds.
 *
 * Received frames come from the netfilter netdev ingress hook, or from the
 * device's rx_handler on request.  Sent frames come from the netfilter
 * netdev egress hook, or on kernels without one from a packet tap
 * (compat.h).  Every hook is registered whatever the session's direction,
 * so that the direction can change while frames flow.
 *
 * A loopback device is the exception: every frame it sends comes back to
 * it as a received one, so a session there takes no sent frames at all
 * and sees each frame once, as received.  That is what tcpdump shows on
 * lo (libpcap drops the outgoing copy there), and it costs the frames of
 * other devices nothing.
 */

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/if_packet.h>
#include <linux/skbuff.h>
#include <net/netlink.h>

#include "compat.h"
#include "internal.h"

static unsigned int kcap_nf_in(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	kcap_capture(priv, skb, KCAP_DIR_IN);
	return NF_ACCEPT;
}

static unsigned int kcap_nf_out(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	kcap_capture(priv, skb, KCAP_DIR_OUT);
	return NF_ACCEPT;
}

static rx_handler_result_t kcap_rx_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;

	kcap_capture(rcu_dereference(skb->dev->rx_handler_data), skb,
		     KCAP_DIR_IN);
	return RX_HANDLER_PASS;
}

/* Compat: sent frames from the clone that all taps share (no egress hook). */
static int kcap_tap_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig_dev)
{
	if (skb->pkt_type == PACKET_OUTGOING)
		kcap_capture(container_of(pt, struct kcap_session, tap), skb,
			     KCAP_DIR_OUT);
	consume_skb(skb);
	return 0;
}

static int kcap_nf_register(struct kcap_session *s, struct nf_hook_ops *ops,
			    struct net_device *dev, int hooknum,
			    nf_hookfn *fn, int priority)
{
	ops->hook = fn;
	ops->priv = s;
	ops->pf = NFPROTO_NETDEV;
	ops->hooknum = hooknum;
	ops->priority = priority;
	ops->dev = dev;
	return nf_register_net_hook(dev_net(dev), ops);
}

static int kcap_hook_out(struct kcap_session *s, struct net_device *dev)
{
	if (!KCAP_HAVE_NF_EGRESS) {
		s->tap.type = htons(ETH_P_ALL);
		s->tap.dev = dev;
		s->tap.func = kcap_tap_rcv;
		dev_add_pack(&s->tap);
		return 0;
	}
	/* Last, as tcpdump sees sent frames after the stack is done. */
	return kcap_nf_register(s, &s->nf_out, dev, NF_NETDEV_EGRESS,
				kcap_nf_out, INT_MAX);
}

static void kcap_unhook(struct kcap_session *s, struct net_device *dev)
{
	if (s->hooked & KCAP_HOOKED_OUT) {
		if (!KCAP_HAVE_NF_EGRESS)
			__dev_remove_pack(&s->tap);
		else
			nf_unregister_net_hook(dev_net(dev), &s->nf_out);
	}
	if (s->hooked & KCAP_HOOKED_RX_HANDLER)
		netdev_rx_handler_unregister(dev);
	if (s->hooked & KCAP_HOOKED_IN)
		nf_unregister_net_hook(dev_net(dev), &s->nf_in);
	s->hooked = 0;
	/* Frames already in a hook finish before the session may go. */
	synchronize_net();
}

/**
 * kcap_hooks_attach() - hook a session to a device and hold it.
 * @s: a session that is not attached.
 * @dev: the device, in the session's network namespace.
 * @extack: where to say why not.
 *
 * Called under RTNL.  On success the session holds a reference on @dev and,
 * unless KCAP_SESSION_F_NOPROMISC, a promiscuity count.  Sent frames are
 * hooked unless @dev is a loopback device (see above).
 *
 * Return: 0, -EBUSY if an rx_handler was asked for and the device has one,
 * or the error of registering a hook or of changing promiscuity.
 */
int kcap_hooks_attach(struct kcap_session *s, struct net_device *dev,
		      struct netlink_ext_ack *extack)
{
	int err;

	ASSERT_RTNL();
	s->hooked = 0;
	if (s->hook == KCAP_HOOK_RX_HANDLER) {
		err = netdev_rx_handler_register(dev, kcap_rx_handler, s);
		if (err) {
			NL_SET_ERR_MSG(extack,
					   "device already has an rx_handler (a bridge, bond or macvlan port, or another session): use hook netfilter");
			return err;
		}
		s->hooked |= KCAP_HOOKED_RX_HANDLER;
	} else {
		/* First, as tcpdump sees received frames before the stack. */
		err = kcap_nf_register(s, &s->nf_in, dev, NF_NETDEV_INGRESS,
				       kcap_nf_in, INT_MIN);
		if (err) {
			NL_SET_ERR_MSG(extack,
					   "cannot register the netfilter ingress hook on the device");
			return err;
		}
		s->hooked |= KCAP_HOOKED_IN;
	}

	if (!(dev->flags & IFF_LOOPBACK)) {
		err = kcap_hook_out(s, dev);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot register the netfilter egress hook on the device");
			goto err_unhook;
		}
		s->hooked |= KCAP_HOOKED_OUT;
	}

	if (!(s->flags & KCAP_SESSION_F_NOPROMISC)) {
		err = dev_set_promiscuity(dev, 1);
		if (err) {
			NL_SET_ERR_MSG(extack,
					   "cannot put the device in promiscuous mode (try nopromisc)");
			goto err_unhook;
		}
		s->promisc = true;
	}

	dev_hold(dev);
	s->dev = dev;
	WRITE_ONCE(s->state, KCAP_STATE_ATTACHED);
	return 0;

err_unhook:
	kcap_unhook(s, dev);
	return err;
}

/**
 * kcap_hooks_detach() - unhook a session from its device and let go of it.
 * @s: an attached session.
 *
 * Called under RTNL.  When it returns no frame is in the session's path,
 * and the session is KCAP_STATE_DETACHED.
 */
void kcap_hooks_detach(struct kcap_session *s)
{
	struct net_device *dev = s->dev;

	ASSERT_RTNL();
	if (!dev)
		return;
	if (s->promisc)
		dev_set_promiscuity(dev, -1);
	s->promisc = false;
	kcap_unhook(s, dev);

	strscpy(s->ifname, dev->name, sizeof(s->ifname));
	s->dev = NULL;
	dev_put(dev);
	WRITE_ONCE(s->state, KCAP_STATE_DETACHED);
	/* The reader sees POLLHUP once it has drained the rings. */
	WRITE_ONCE(s->reader_waiting, 0);
	wake_up_interruptible(&s->wq);
}

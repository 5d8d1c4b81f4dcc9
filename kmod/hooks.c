// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching a session to its device: the hooks that hand it frames, and
 * the promiscuity count it holds.
 *
 * Received frames come from the netfilter netdev ingress hook, or from the
 * device's rx_handler on request.  Sent frames come from the netfilter
 * netdev egress hook, or on kernels without one from a packet tap
 * (compat.h).  The tap hook takes both from a packet tap, where AF_PACKET
 * sees them.  Every hook is registered whatever the session's direction,
 * so that the direction can change while frames flow.
 *
 * A loopback device is the exception: every frame it sends comes back to
 * it as a received one, so a session there takes no sent frames at all
 * and sees each frame once, as received.  That is what tcpdump shows on
 * lo (libpcap drops the outgoing copy there), and it costs the frames of
 * other devices nothing.
 *
 * Promiscuity is changed with dev_set_promiscuity(), which takes the
 * device's instance lock on devices that ask for it (request_ops_lock:
 * dummy, virtio_net and many NICs since 6.15).  Device notifiers may run
 * with that lock held, and which of them do is not fixed, so nothing here
 * changes promiscuity from a notifier: a session attaches again from a
 * work item (session.c), and a device that leaves the namespace has its
 * count dropped by kcap_unpromisc_work.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/if_packet.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#include "compat.h"
#include "internal.h"

static unsigned int kcap_nf_in(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	kcap_capture_in(priv, skb);
	return NF_ACCEPT;
}

/*
 * The egress hook runs with bottom halves off from __dev_queue_xmit(), but
 * AF_PACKET's qdisc bypass (PACKET_QDISC_BYPASS: packet_xmit(), then
 * nf_hook_direct_egress()) calls it in process context, under
 * rcu_read_lock() alone: there, and only there, this CPU's ring is kept
 * from a softirq here.
 */
static unsigned int kcap_nf_out(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	if (likely(softirq_count())) {
		kcap_capture_out(priv, skb);
		return NF_ACCEPT;
	}
	local_bh_disable();
	kcap_capture_out(priv, skb);
	local_bh_enable();
	return NF_ACCEPT;
}

static rx_handler_result_t kcap_rx_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;

	kcap_capture_in(rcu_dereference(skb->dev->rx_handler_data), skb);
	return RX_HANDLER_PASS;
}

/*
 * The packet tap: where AF_PACKET sees frames.  Sent ones come from the
 * clone that all taps share; received ones are the frame itself, with a
 * reference held for each tap, and are restored as found.  It takes both
 * for KCAP_HOOK_TAP, and sent frames for the others on kernels without a
 * netfilter egress hook (compat.h).  On a loopback device sent frames are
 * left out (see kcap_hooks_attach()).
 */
static int kcap_tap_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig_dev)
{
	struct kcap_session *s = container_of(pt, struct kcap_session, tap);

	if (skb->pkt_type != PACKET_OUTGOING) {
		if (s->hook == KCAP_HOOK_TAP)
			kcap_capture_in(s, skb);
	} else if (!(dev->flags & IFF_LOOPBACK)) {
		kcap_capture_out(s, skb);
	}
	consume_skb(skb);
	return 0;
}

/*
 * A session on every device (KCAP_SESSION_F_ANYDEV) has a port on each:
 * the hooks a session of the device's own would have, with the port as
 * their private data, so that a frame comes with the device it was taken
 * on.  Ports are added and removed under RTNL, from the notifier that sees
 * a device come or go, and freed after a grace period: a frame may still
 * be in a port's hook when it is unregistered.
 */
struct kcap_port {
	struct list_head	node;
	struct kcap_session	*s;
	struct net_device	*dev;
	struct nf_hook_ops	nf_in;
	struct nf_hook_ops	nf_out;
	struct packet_type	tap;
	unsigned int		hooked;
	struct rcu_head		rcu;
};

static unsigned int kcap_nf_any_in(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct kcap_port *p = priv;

	kcap_capture_cooked(p->s, skb, KCAP_DIR_IN, p->dev);
	return NF_ACCEPT;
}

static unsigned int kcap_nf_any_out(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct kcap_port *p = priv;

	if (likely(softirq_count())) {	/* as kcap_nf_out() */
		kcap_capture_cooked(p->s, skb, KCAP_DIR_OUT, p->dev);
		return NF_ACCEPT;
	}
	local_bh_disable();
	kcap_capture_cooked(p->s, skb, KCAP_DIR_OUT, p->dev);
	local_bh_enable();
	return NF_ACCEPT;
}

static int kcap_tap_any_rcv(struct sk_buff *skb, struct net_device *dev,
			    struct packet_type *pt, struct net_device *orig_dev)
{
	struct kcap_port *p = container_of(pt, struct kcap_port, tap);

	if (skb->pkt_type == PACKET_OUTGOING)
		kcap_capture_cooked(p->s, skb, KCAP_DIR_OUT, p->dev);
	consume_skb(skb);
	return 0;
}

static int kcap_nf_register(void *priv, struct nf_hook_ops *ops,
			    struct net_device *dev, int hooknum,
			    nf_hookfn *fn, int priority)
{
	ops->hook = fn;
	ops->priv = priv;
	ops->pf = NFPROTO_NETDEV;
	ops->hooknum = hooknum;
	ops->priority = priority;
	ops->dev = dev;
	return nf_register_net_hook(dev_net(dev), ops);
}

static void kcap_hook_tap(struct packet_type *tap, struct net_device *dev,
			  int (*fn)(struct sk_buff *, struct net_device *,
				    struct packet_type *, struct net_device *))
{
	tap->type = htons(ETH_P_ALL);
	tap->dev = dev;
	tap->func = fn;
	dev_add_pack(tap);
}

/*
 * Sent frames of @dev to @priv: from the netfilter egress hook @nf_out, or
 * on kernels without one from the packet tap @tap.
 */
static int kcap_hook_out(void *priv, struct nf_hook_ops *nf_out, nf_hookfn *nf_fn,
			 struct packet_type *tap,
			 int (*tap_fn)(struct sk_buff *, struct net_device *,
				       struct packet_type *, struct net_device *),
			 struct net_device *dev)
{
	if (!KCAP_HAVE_NF_EGRESS) {
		kcap_hook_tap(tap, dev, tap_fn);
		return 0;
	}
	/* Last, as tcpdump sees sent frames after the stack is done. */
	return kcap_nf_register(priv, nf_out, dev, NF_NETDEV_EGRESS, nf_fn,
				INT_MAX);
}

/* Undo kcap_hook_out(). */
static void kcap_unhook_out(struct nf_hook_ops *nf_out, struct packet_type *tap,
			    struct net_device *dev)
{
	if (!KCAP_HAVE_NF_EGRESS)
		__dev_remove_pack(tap);
	else
		nf_unregister_net_hook(dev_net(dev), nf_out);
}

static void kcap_unhook(struct kcap_session *s, struct net_device *dev)
{
	if (s->hooked & KCAP_HOOKED_TAP)
		__dev_remove_pack(&s->tap);
	if (s->hooked & KCAP_HOOKED_OUT)
		kcap_unhook_out(&s->nf_out, &s->tap, dev);
	if (s->hooked & KCAP_HOOKED_RX_HANDLER)
		netdev_rx_handler_unregister(dev);
	if (s->hooked & KCAP_HOOKED_IN)
		nf_unregister_net_hook(dev_net(dev), &s->nf_in);
	s->hooked = 0;
	/* Frames already in a hook finish before the session may go. */
	synchronize_net();
}

/* Unhook a port and free it once no frame can be in its hooks. */
static void kcap_port_del(struct kcap_port *p)
{
	if (p->hooked & KCAP_HOOKED_OUT)
		kcap_unhook_out(&p->nf_out, &p->tap, p->dev);
	if (p->hooked & KCAP_HOOKED_IN)
		nf_unregister_net_hook(dev_net(p->dev), &p->nf_in);
	list_del(&p->node);
	dev_put(p->dev);
	kfree_rcu(p, rcu);
}

/* Give session @s, on every device, a port on @dev.  Under RTNL. */
static int kcap_port_add(struct kcap_session *s, struct net_device *dev)
{
	struct kcap_port *p;
	int err;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->s = s;
	p->dev = dev;
	dev_hold(dev);
	list_add_tail(&p->node, &s->ports);
	err = kcap_nf_register(p, &p->nf_in, dev, NF_NETDEV_INGRESS,
			       kcap_nf_any_in, INT_MIN);
	if (err)
		goto err;
	p->hooked |= KCAP_HOOKED_IN;
	if (dev->flags & IFF_LOOPBACK)
		return 0;
	err = kcap_hook_out(p, &p->nf_out, kcap_nf_any_out, &p->tap,
			    kcap_tap_any_rcv, dev);
	if (err)
		goto err;
	p->hooked |= KCAP_HOOKED_OUT;
	return 0;

err:
	kcap_port_del(p);
	return err;
}

static void kcap_ports_del(struct kcap_session *s)
{
	struct kcap_port *p, *tmp;

	list_for_each_entry_safe(p, tmp, &s->ports, node)
		kcap_port_del(p);
}

/**
 * kcap_hooks_attach_any() - hook a session to every device of its namespace.
 * @s: a KCAP_SESSION_F_ANYDEV session that is not attached.
 * @extack: where to say why not.
 *
 * Called under RTNL.  Devices that come later get their port from
 * kcap_hooks_dev_event().  No device is made promiscuous.
 *
 * Return: 0, -ENOMEM, or the error of registering a hook.
 */
int kcap_hooks_attach_any(struct kcap_session *s,
			  struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	for_each_netdev(s->net, dev) {
		err = kcap_port_add(s, dev);
		if (err) {
			NL_SET_ERR_MSG_FMT(extack,
					   "cannot hook device %s (%d)",
					   dev->name, err);
			kcap_ports_del(s);
			synchronize_net();
			return err;
		}
	}
	WRITE_ONCE(s->state, KCAP_STATE_ATTACHED);
	return 0;
}

/**
 * kcap_hooks_dev_event() - a device came to, or is leaving, a namespace.
 * @s: a KCAP_SESSION_F_ANYDEV session of the namespace.
 * @dev: the device.
 * @event: NETDEV_REGISTER (created or moved in) or NETDEV_UNREGISTER
 *	(deleted or moving out).
 *
 * Called from the device notifier, under RTNL; takes no device lock.  A
 * device that cannot be hooked (out of memory) is logged and left out:
 * the device is not refused for it.
 */
void kcap_hooks_dev_event(struct kcap_session *s, struct net_device *dev,
			  unsigned long event)
{
	struct kcap_port *p;
	int err;

	ASSERT_RTNL();
	if (event == NETDEV_REGISTER) {
		err = kcap_port_add(s, dev);
		if (err)
			pr_warn_ratelimited("session %s does not capture on %s: cannot hook it (%d)\n",
					    s->name, dev->name, err);
		return;
	}
	list_for_each_entry(p, &s->ports, node) {
		if (p->dev == dev) {
			kcap_port_del(p);
			return;
		}
	}
}

/*
 * Promiscuity counts held on devices that left their namespace, allocated at
 * attach and queued when a notifier sees the device go, to be dropped
 * outside the notifier (see the top of the file).
 */
struct kcap_unpromisc {
	struct list_head	node;
	struct net_device	*dev;
};

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
 * -ENOMEM, or the error of registering a hook or of changing promiscuity.
 */
int kcap_hooks_attach(struct kcap_session *s, struct net_device *dev,
		      struct netlink_ext_ack *extack)
{
	int err;

	ASSERT_RTNL();
	s->hooked = 0;
	if (s->hook == KCAP_HOOK_TAP) {
		/* Both directions; nothing here can fail. */
		kcap_hook_tap(&s->tap, dev, kcap_tap_rcv);
		s->hooked |= KCAP_HOOKED_TAP;
	} else if (s->hook == KCAP_HOOK_RX_HANDLER) {
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

	if (s->hook != KCAP_HOOK_TAP && !(dev->flags & IFF_LOOPBACK)) {
		err = kcap_hook_out(s, &s->nf_out, kcap_nf_out, &s->tap,
				    kcap_tap_rcv, dev);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot register the netfilter egress hook on the device");
			goto err_unhook;
		}
		s->hooked |= KCAP_HOOKED_OUT;
	}

	if (!(s->flags & KCAP_SESSION_F_NOPROMISC)) {
		err = -ENOMEM;
		s->unpromisc = kmalloc(sizeof(*s->unpromisc), GFP_KERNEL);
		if (!s->unpromisc)
			goto err_unhook;
		err = dev_set_promiscuity(dev, 1);
		if (err) {
			NL_SET_ERR_MSG(extack,
					   "cannot put the device in promiscuous mode (try nopromisc)");
			goto err_free;
		}
		s->promisc = true;
	}

	dev_hold(dev);
	s->dev = dev;
	WRITE_ONCE(s->state, KCAP_STATE_ATTACHED);
	return 0;

err_free:
	kfree(s->unpromisc);
	s->unpromisc = NULL;
err_unhook:
	kcap_unhook(s, dev);
	return err;
}

static LIST_HEAD(kcap_unpromisc_list);	/* under RTNL */

static void kcap_unpromisc_fn(struct work_struct *work)
{
	struct kcap_unpromisc *u, *tmp;

	rtnl_lock();
	list_for_each_entry_safe(u, tmp, &kcap_unpromisc_list, node) {
		/* Unregistered meanwhile: its flags went with it. */
		if (u->dev->reg_state == NETREG_REGISTERED)
			dev_set_promiscuity(u->dev, -1);
		list_del(&u->node);
		dev_put(u->dev);
		kfree(u);
	}
	rtnl_unlock();
}

static DECLARE_WORK(kcap_unpromisc_work, kcap_unpromisc_fn);

/*
 * A notifier saw @dev go: hand the count to the work if the device lives
 * on, in another namespace.  One that is unregistering takes its flags
 * with it.
 */
static void kcap_unpromisc_later(struct kcap_session *s,
				 struct net_device *dev)
{
	struct kcap_unpromisc *u = s->unpromisc;

	if (dev->reg_state != NETREG_REGISTERED)
		return;
	s->unpromisc = NULL;
	dev_hold(dev);
	u->dev = dev;
	list_add_tail(&u->node, &kcap_unpromisc_list);
	schedule_work(&kcap_unpromisc_work);
}

static void __kcap_hooks_detach(struct kcap_session *s, bool event)
{
	struct net_device *dev = s->dev;

	ASSERT_RTNL();
	if (!dev)
		return;
	if (s->promisc) {
		if (event)
			kcap_unpromisc_later(s, dev);
		else
			dev_set_promiscuity(dev, -1);
	}
	s->promisc = false;
	kfree(s->unpromisc);
	s->unpromisc = NULL;
	kcap_unhook(s, dev);

	strscpy(s->ifname, dev->name, sizeof(s->ifname));
	s->dev = NULL;
	dev_put(dev);
	/* after every frame's head: poll() reads the state with acquire */
	smp_store_release(&s->state, KCAP_STATE_DETACHED);
	/* The reader sees POLLHUP once it has drained the rings. */
	WRITE_ONCE(s->reader_waiting, 0);
	wake_up_interruptible(&s->wq);
}

/**
 * kcap_hooks_detach() - unhook a session from its device and let go of it.
 * @s: an attached session; one on every device is unhooked from all.
 *
 * Called under RTNL, not from a device notifier.  When it returns no frame
 * is in the session's path, and the session is KCAP_STATE_DETACHED.
 */
void kcap_hooks_detach(struct kcap_session *s)
{
	if (s->flags & KCAP_SESSION_F_ANYDEV) {
		ASSERT_RTNL();
		kcap_ports_del(s);
		/* Frames already in a hook finish before the session may go. */
		synchronize_net();
		/* after every frame's head, as above */
		smp_store_release(&s->state, KCAP_STATE_DETACHED);
		return;
	}
	__kcap_hooks_detach(s, false);
}

/**
 * kcap_hooks_detach_event() - kcap_hooks_detach() from a device notifier.
 * @s: an attached session whose device is going (NETDEV_UNREGISTER).
 *
 * The same, except that the promiscuity count is dropped from a work item
 * if the device lives on in another namespace.
 */
void kcap_hooks_detach_event(struct kcap_session *s)
{
	__kcap_hooks_detach(s, true);
}

/* Module exit, after the notifiers: drop the counts still queued. */
void kcap_hooks_exit(void)
{
	flush_work(&kcap_unpromisc_work);
}

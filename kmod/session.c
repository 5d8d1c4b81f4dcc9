// SPDX-License-Identifier: GPL-2.0
/*
 * Capture sessions: the registry, their lifecycle, and the events that end
 * them.
 *
 * Sessions live in a list per network namespace, changed under RTNL and
 * walked under RTNL or RCU.  RTNL is the one lock of the control plane: it
 * is what device notifiers run under, and what promiscuity and rx_handler
 * changes need.  A session ends by KCAP_CMD_SESSION_DEL, by the release of
 * the netlink socket that owns it, or with its network namespace; its
 * device going away only detaches it, and a persistent session attaches
 * again to a device that comes under its name.  Its memory goes with the
 * last reference: the list's, or that of a file bound to its rings.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netlink.h>

#include "compat.h"
#include "internal.h"


/**
 * struct kcap_net - kcap's state in a network namespace.
 * @sessions: its sessions (RTNL to change, RTNL or RCU to walk).
 * @nr_sessions: its sessions, against max_sessions (RTNL).
 * @mem_used: their rings' memory, against mem_max (RTNL).
 * @reap_work: destroys the sessions whose owning socket was released.
 * @attach_work: attaches the persistent sessions a device came for.
 * @net: the namespace.
 */
struct kcap_net {
	struct list_head	sessions;
	unsigned int		nr_sessions;
	size_t			mem_used;
	struct work_struct	reap_work;
	struct work_struct	attach_work;
	struct net		*net;
};

static unsigned int kcap_net_id __read_mostly;
static DEFINE_IDR(kcap_ids);		/* session ids, under RTNL */
static unsigned int kcap_nr_sessions;	/* under RTNL */
/*
 * What the namespaces other than the initial one hold together, against
 * max_sessions_all (sessions in their lists, under RTNL) and mem_max_all
 * (rings, until the last reader lets go of them).
 */
static unsigned int kcap_nr_sessions_all;
static atomic_long_t kcap_mem_used_all = ATOMIC_LONG_INIT(0);

static struct kcap_net *kcap_net(struct net *net)
{
	return net_generic(net, kcap_net_id);
}

struct list_head *kcap_net_sessions(struct net *net)
{
	return &kcap_net(net)->sessions;
}

/* The pcap link type of a device's frames, or 0 if kcap cannot take them. */
static u32 kcap_linktype(const struct net_device *dev)
{
	switch (dev->type) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		return KCAP_LINKTYPE_ETHERNET;
	case ARPHRD_NONE:
	case ARPHRD_RAWIP:
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
		return KCAP_LINKTYPE_RAW;
	case ARPHRD_IEEE80211:
		return KCAP_LINKTYPE_IEEE802_11;
	default:
		return 0;
	}
}

/**
 * kcap_session_find() - a session of a network namespace, by name.
 * @net: the namespace.
 * @name: its name.
 *
 * Called under RTNL.
 *
 * Return: the session, or NULL.
 */
struct kcap_session *kcap_session_find(struct net *net, const char *name)
{
	struct kcap_session *s;

	ASSERT_RTNL();
	list_for_each_entry(s, kcap_net_sessions(net), node)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/**
 * kcap_session_find_id() - a session of a network namespace, by id.
 * @net: the namespace.
 * @id: its id.
 *
 * Called under RTNL, which the id registry is changed under.  Ids are
 * system-wide, but a session of another namespace is not found: to the
 * caller it does not exist.
 *
 * Return: the session, or NULL.
 */
struct kcap_session *kcap_session_find_id(struct net *net, u32 id)
{
	struct kcap_session *s;

	ASSERT_RTNL();
	s = idr_find(&kcap_ids, id);
	return s && net_eq(s->net, net) ? s : NULL;
}

static void kcap_session_free(struct kcap_session *s)
{
	kcap_rings_free(s);
	if (s->charged_all)
		atomic_long_sub(s->mem_size, &kcap_mem_used_all);
	kcap_settings_free(rcu_dereference_protected(s->settings, true));
	free_percpu(s->pcpu);
	put_pid(s->owner_pid);
	kfree(s);
}

/* Drop a reference; the last one frees.  Process context. */
void kcap_session_put(struct kcap_session *s)
{
	if (refcount_dec_and_test(&s->refcnt))
		kcap_session_free(s);
}

static struct net_device *kcap_dev_lookup(struct net *net,
					  const struct kcap_session_cfg *cfg,
					  struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;

	if (cfg->ifindex) {
		dev = __dev_get_by_index(net, cfg->ifindex);
		if (!dev) {
			NL_SET_ERR_MSG(extack, "no device with that ifindex");
			return NULL;
		}
	}
	if (cfg->ifname && *cfg->ifname) {
		struct net_device *named = __dev_get_by_name(net, cfg->ifname);

		if (!named) {
			NL_SET_ERR_MSG(extack, "no device with that name");
			return NULL;
		}
		if (dev && dev != named) {
			NL_SET_ERR_MSG(extack,
					   "ifindex and ifname name different devices");
			return NULL;
		}
		dev = named;
	}
	return dev;
}

static int kcap_ring_size_check(u32 ring_size, struct netlink_ext_ack *extack)
{
	if (ring_size < KCAP_RING_SIZE_MIN || ring_size < PAGE_SIZE ||
	    !is_power_of_2(ring_size)) {
		NL_SET_ERR_MSG(extack,
				   "ring size must be a power of two, at least 4096 and the page size");
		return -EINVAL;
	}
	if (ring_size > kcap_ring_size_max) {
		NL_SET_ERR_MSG(extack,
				   "ring size is larger than the module parameter ring_size_max");
		return -E2BIG;
	}
	return 0;
}

/* What a session on every device cannot have. */
static int kcap_session_check_any(const struct kcap_session_cfg *cfg,
				  struct netlink_ext_ack *extack)
{
	if (cfg->ifindex || (cfg->ifname && *cfg->ifname)) {
		NL_SET_ERR_MSG(extack,
			       "a session on every device (anydev) names no device");
		return -EINVAL;
	}
	if (cfg->hook != KCAP_HOOK_NETFILTER) {
		NL_SET_ERR_MSG(extack,
			       "a session on every device (anydev) uses hook netfilter: an rx_handler is one device's");
		return -EOPNOTSUPP;
	}
	if (!(cfg->flags & KCAP_SESSION_F_NOPROMISC)) {
		NL_SET_ERR_MSG(extack,
			       "a session on every device (anydev) makes no device promiscuous: set nopromisc");
		return -EINVAL;
	}
	return 0;
}

/* What a session with rings of @ring_size charges against the limits. */
static size_t kcap_session_mem(u32 ring_size)
{
	return (size_t)(PAGE_SIZE + ring_size) * nr_cpu_ids;
}

/**
 * kcap_session_check() - whether a session can be created as asked.
 * @net: the network namespace of the request.
 * @cfg: what the request asked for.
 * @extack: where to say why not.
 *
 * Called under RTNL.  The last check charges the rings' memory against
 * mem_max_all unless @net is the initial namespace: on success the caller
 * owns that charge.
 *
 * Return: the session's device (NULL for a session on every device), or
 * an ERR_PTR() with an extack message.
 */
static struct net_device *kcap_session_check(struct net *net,
					     const struct kcap_session_cfg *cfg,
					     struct netlink_ext_ack *extack)
{
	size_t mem = kcap_session_mem(cfg->ring_size);
	bool all = !net_eq(net, &init_net);
	struct kcap_net *kn = kcap_net(net);
	struct net_device *dev;
	int err;

	if (kcap_session_find(net, cfg->name)) {
		NL_SET_ERR_MSG(extack,
			       "a session with that name exists in this network namespace");
		return ERR_PTR(-EEXIST);
	}
	if (kn->nr_sessions >= kcap_max_sessions) {
		NL_SET_ERR_MSG(extack,
			       "too many sessions in this network namespace (module parameter max_sessions)");
		return ERR_PTR(-ENOSPC);
	}
	if (all && kcap_nr_sessions_all >= kcap_max_sessions_all) {
		NL_SET_ERR_MSG(extack,
			       "too many sessions in all network namespaces together (module parameter max_sessions_all)");
		return ERR_PTR(-ENOSPC);
	}
	if (cfg->flags & KCAP_SESSION_F_ANYDEV) {
		dev = NULL;
		err = kcap_session_check_any(cfg, extack);
		if (err)
			return ERR_PTR(err);
	} else {
		if (!cfg->ifindex && !(cfg->ifname && *cfg->ifname)) {
			NL_SET_ERR_MSG(extack,
				       "no device given (KCAP_ATTR_IFINDEX or KCAP_ATTR_IFNAME)");
			return ERR_PTR(-EINVAL);
		}
		dev = kcap_dev_lookup(net, cfg, extack);
		if (!dev)
			return ERR_PTR(-ENODEV);
		if (!kcap_linktype(dev)) {
			NL_SET_ERR_MSG(extack,
				       "kcap cannot capture on this type of device");
			return ERR_PTR(-EOPNOTSUPP);
		}
	}
	err = kcap_ring_size_check(cfg->ring_size, extack);
	if (err)
		return ERR_PTR(err);
	if (kn->mem_used + mem > kcap_mem_max) {
		NL_SET_ERR_MSG(extack,
			       "ring memory would exceed the module parameter mem_max in this network namespace");
		return ERR_PTR(-ENOBUFS);
	}
	if (all && atomic_long_add_return(mem, &kcap_mem_used_all) > kcap_mem_max_all) {
		atomic_long_sub(mem, &kcap_mem_used_all);
		NL_SET_ERR_MSG(extack,
			       "ring memory would exceed the module parameter mem_max_all, for all network namespaces together");
		return ERR_PTR(-ENOBUFS);
	}
	return dev;
}

/**
 * kcap_session_add() - allocate a session, attach it and register it.
 * @net: the network namespace of the request.
 * @cfg: what the request asked for, checked by kcap_session_check().
 * @dev: the device it found; NULL for a session on every device.
 * @extack: where to say why not.
 *
 * Called under RTNL, with the rings' memory charged: the charge becomes the
 * session's, or is given back on failure.
 *
 * Return: the session, or an ERR_PTR(): -ENOMEM, or the error of attaching
 * to @dev with an extack message.
 */
static struct kcap_session *kcap_session_add(struct net *net,
					     const struct kcap_session_cfg *cfg,
					     struct net_device *dev,
					     struct netlink_ext_ack *extack)
{
	struct kcap_settings *set;
	struct kcap_session *s;
	int err;

	bool all = !net_eq(net, &init_net);
	struct kcap_net *kn = kcap_net(net);

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s) {
		if (all)
			atomic_long_sub(kcap_session_mem(cfg->ring_size),
					&kcap_mem_used_all);
		return ERR_PTR(-ENOMEM);
	}
	refcount_set(&s->refcnt, 1);
	/* The charge kcap_session_free() gives back. */
	s->mem_size = kcap_session_mem(cfg->ring_size);
	s->charged_all = all;
	strscpy(s->name, cfg->name, sizeof(s->name));
	s->net = net;
	INIT_LIST_HEAD(&s->ports);
	if (dev) {
		s->ifindex = dev->ifindex;
		strscpy(s->ifname, dev->name, sizeof(s->ifname));
		s->dev_type = dev->type;
		s->linktype = kcap_linktype(dev);
	} else {
		s->linktype = KCAP_LINKTYPE_LINUX_SLL2;
	}
	s->hook = cfg->hook;
	s->ring_format = cfg->ring_format;
	s->flags = cfg->flags;
	s->owner = cfg->owner;
	if (!(s->flags & KCAP_SESSION_F_PERSISTENT))
		s->owner_pid = get_pid(cfg->owner_pid);

	err = -ENOMEM;
	set = kcap_settings_new(NULL, cfg->settings);
	if (!set)
		goto err_free;
	RCU_INIT_POINTER(s->settings, set);
	s->pcpu = __netdev_alloc_pcpu_stats(struct kcap_pcpu,
					    GFP_KERNEL_ACCOUNT);
	if (!s->pcpu)
		goto err_free;
	err = kcap_rings_alloc(s, cfg->ring_size);
	if (err)
		goto err_free;
	err = idr_alloc_cyclic(&kcap_ids, s, 1, INT_MAX, GFP_KERNEL);
	if (err < 0)
		goto err_free;
	s->id = err;

	if (dev)
		err = kcap_hooks_attach(s, dev, extack);
	else
		err = kcap_hooks_attach_any(s, extack);
	if (err)
		goto err_id;
	list_add_tail_rcu(&s->node, &kn->sessions);
	kcap_nr_sessions++;
	kn->nr_sessions++;
	kn->mem_used += s->mem_size;
	if (all)
		kcap_nr_sessions_all++;
	return s;

err_id:
	idr_remove(&kcap_ids, s->id);
err_free:
	kcap_session_free(s);
	return ERR_PTR(err);
}

/**
 * kcap_session_create() - create a session and attach it to its device.
 * @net: the network namespace of the request.
 * @cfg: what the request asked for.
 * @extack: where to say why not.
 *
 * Called under RTNL.
 *
 * Return: the session, or an ERR_PTR() with an extack message: -EINVAL
 * (missing device, bad ring size), -EEXIST (name taken), -ENODEV,
 * -EOPNOTSUPP (device type), -ENOSPC (too many sessions), -E2BIG (ring
 * larger than allowed), -ENOBUFS (ring memory limit), -EBUSY (rx_handler
 * taken), -ENOMEM.
 */
struct kcap_session *kcap_session_create(struct net *net,
					 const struct kcap_session_cfg *cfg,
					 struct netlink_ext_ack *extack)
{
	struct net_device *dev;

	ASSERT_RTNL();
	dev = kcap_session_check(net, cfg, extack);
	if (IS_ERR(dev))
		return ERR_CAST(dev);
	return kcap_session_add(net, cfg, dev, extack);
}

/**
 * kcap_session_destroy() - end a session.
 * @s: a session in its namespace's list.
 *
 * Called under RTNL.  The session leaves the list, lets go of its device
 * and wakes its reader, which sees POLLHUP once it has drained the rings;
 * its memory goes when the reader closes its file.
 */
void kcap_session_destroy(struct kcap_session *s)
{
	struct kcap_net *kn = kcap_net(s->net);

	ASSERT_RTNL();
	list_del_rcu(&s->node);
	kcap_nr_sessions--;
	kn->nr_sessions--;
	kn->mem_used -= s->mem_size;
	if (s->charged_all)
		kcap_nr_sessions_all--;
	idr_remove(&kcap_ids, s->id);
	if (s->state == KCAP_STATE_ATTACHED)
		kcap_hooks_detach(s);
	else
		synchronize_net();	/* for walkers of the list under RCU */
	smp_store_release(&s->state, 0);	/* as in kcap_hooks_detach() */
	WRITE_ONCE(s->reader_waiting, 0);
	wake_up_interruptible(&s->wq);
	kcap_session_put(s);
}

/**
 * kcap_session_set() - publish new settings.
 * @s: the session.
 * @req: what changes, parsed before RTNL was taken.
 *
 * Called under RTNL.  A frame sees either the old settings or the new ones.
 *
 * Return: 0 or -ENOMEM.
 */
int kcap_session_set(struct kcap_session *s,
		     const struct kcap_settings_req *req)
{
	struct kcap_settings *old = rtnl_dereference(s->settings);
	struct kcap_settings *set;

	set = kcap_settings_new(old, req);
	if (!set)
		return -ENOMEM;
	rcu_assign_pointer(s->settings, set);
	kcap_settings_free_rcu(old);
	return 0;
}

/* Sum the per-CPU counters of a session. */
void kcap_session_stats(const struct kcap_session *s, struct kcap_stats *sum)
{
	unsigned int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct kcap_pcpu *st = per_cpu_ptr(s->pcpu, cpu);
		struct kcap_stats c;
		unsigned int start;

		/*
		 * On 64-bit the sequence count is empty and the CPU counts on
		 * while this reads: what a frame adds to seen is written before
		 * what it adds to delivered or dropped, so read it after.
		 */
		do {
			start = u64_stats_fetch_begin(&st->syncp);
			c.delivered = u64_stats_read(&st->delivered);
			c.dropped = u64_stats_read(&st->dropped);
			c.bytes = u64_stats_read(&st->bytes);
			c.cut = u64_stats_read(&st->cut);
			smp_rmb();	/* pairs with kcap_deliver()'s smp_wmb() */
			c.seen = u64_stats_read(&st->seen);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		sum->seen += c.seen;
		sum->passed += c.delivered + c.dropped;
		sum->delivered += c.delivered;
		sum->dropped += c.dropped;
		sum->bytes += c.bytes;
		sum->cut += c.cut;
	}
}

/* Sessions whose owning socket went: destroy them. */
static void kcap_reap_work(struct work_struct *work)
{
	struct kcap_net *kn = container_of(work, struct kcap_net, reap_work);
	struct kcap_session *s, *tmp;

	rtnl_lock();
	list_for_each_entry_safe(s, tmp, &kn->sessions, node)
		if (READ_ONCE(s->owner_gone))
			kcap_session_destroy(s);
	rtnl_unlock();
}

/*
 * A netlink socket was released: mark the sessions it owned and have them
 * reaped (the notifier may not take RTNL).
 */
static int kcap_netlink_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct netlink_notify *n = ptr;
	struct kcap_session *s;
	struct kcap_net *kn;
	bool found = false;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	kn = kcap_net(n->net);
	rcu_read_lock();
	list_for_each_entry_rcu(s, &kn->sessions, node) {
		if (!(s->flags & KCAP_SESSION_F_PERSISTENT) &&
		    s->owner == n->portid) {
			WRITE_ONCE(s->owner_gone, true);
			found = true;
		}
	}
	rcu_read_unlock();
	if (found)
		schedule_work(&kn->reap_work);
	return NOTIFY_DONE;
}

/* Does @s wait for a device like @dev to attach to? */
static bool kcap_session_waits_for(const struct kcap_session *s,
				   const struct net_device *dev)
{
	return s->state == KCAP_STATE_DETACHED &&
	       (s->flags & KCAP_SESSION_F_PERSISTENT) &&
	       !strcmp(s->ifname, dev->name) &&
	       kcap_linktype(dev) == s->linktype;
}

/*
 * A device appeared in a namespace under a name (registered, moved in, or
 * renamed): the persistent sessions detached from a device of that name
 * and link type follow it, as an appliance's configuration follows an
 * interface that is recreated.  Their settings, filter and counters are
 * kept; one that cannot attach (an rx_handler taken) stays detached.
 *
 * This runs from a work item, not from the notifier that saw the device
 * come: attaching changes promiscuity, which takes the device's instance
 * lock, and a notifier may run with it held (hooks.c).  The device is
 * looked up again by name, as it may have gone or been renamed since.
 */
static void kcap_attach_work(struct work_struct *work)
{
	struct kcap_net *kn = container_of(work, struct kcap_net, attach_work);
	struct kcap_session *s;
	struct net_device *dev;
	int err;

	rtnl_lock();
	list_for_each_entry(s, &kn->sessions, node) {
		if (s->state != KCAP_STATE_DETACHED)
			continue;
		dev = __dev_get_by_name(kn->net, s->ifname);
		if (!dev || !kcap_session_waits_for(s, dev))
			continue;
		err = kcap_hooks_attach(s, dev, NULL);
		if (err) {
			pr_info("session %s stays detached: cannot attach to %s (%d)\n",
				s->name, dev->name, err);
			continue;
		}
		s->ifindex = dev->ifindex;
		s->dev_type = dev->type;
	}
	rtnl_unlock();
}

/*
 * A device is going away (or moving to another namespace): detach; one
 * that comes (back), or is renamed: reattach what waits for its name.
 * Sessions on every device gain or lose their port on it, here: that takes
 * no device lock.
 */
static int kcap_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct kcap_net *kn = kcap_net(dev_net(dev));
	struct kcap_session *s;

	switch (event) {
	case NETDEV_UNREGISTER:
		list_for_each_entry(s, &kn->sessions, node) {
			if (s->flags & KCAP_SESSION_F_ANYDEV)
				kcap_hooks_dev_event(s, dev, event);
			else if (s->dev == dev)
				kcap_hooks_detach_event(s);
		}
		break;
	case NETDEV_REGISTER:
		list_for_each_entry(s, &kn->sessions, node)
			if (s->flags & KCAP_SESSION_F_ANYDEV)
				kcap_hooks_dev_event(s, dev, event);
		fallthrough;
	case NETDEV_CHANGENAME:
		list_for_each_entry(s, &kn->sessions, node) {
			if (kcap_session_waits_for(s, dev)) {
				schedule_work(&kn->attach_work);
				break;
			}
		}
		break;
	}
	return NOTIFY_DONE;
}

static int __net_init kcap_net_init(struct net *net)
{
	struct kcap_net *kn = kcap_net(net);

	INIT_LIST_HEAD(&kn->sessions);
	INIT_WORK(&kn->reap_work, kcap_reap_work);
	INIT_WORK(&kn->attach_work, kcap_attach_work);
	kn->net = net;
	return 0;
}

/* The namespace is going, or the module: destroy its sessions. */
static void __net_exit kcap_net_exit(struct net *net)
{
	struct kcap_net *kn = kcap_net(net);
	struct kcap_session *s, *tmp;

	cancel_work_sync(&kn->reap_work);
	cancel_work_sync(&kn->attach_work);
	rtnl_lock();
	list_for_each_entry_safe(s, tmp, &kn->sessions, node)
		kcap_session_destroy(s);
	rtnl_unlock();
}

static struct pernet_operations kcap_net_ops = {
	.init	= kcap_net_init,
	.exit	= kcap_net_exit,
	.id	= &kcap_net_id,
	.size	= sizeof(struct kcap_net),
};

static struct notifier_block kcap_netdev_nb = {
	.notifier_call = kcap_netdev_event,
};

static struct notifier_block kcap_netlink_nb = {
	.notifier_call = kcap_netlink_event,
};

int __init kcap_session_registry_init(void)
{
	int err;

	err = register_pernet_subsys(&kcap_net_ops);
	if (err)
		return err;
	err = register_netdevice_notifier(&kcap_netdev_nb);
	if (err)
		goto err_pernet;
	err = netlink_register_notifier(&kcap_netlink_nb);
	if (err)
		goto err_netdev;
	return 0;

err_netdev:
	unregister_netdevice_notifier(&kcap_netdev_nb);
err_pernet:
	unregister_pernet_subsys(&kcap_net_ops);
	return err;
}

void kcap_session_registry_exit(void)
{
	netlink_unregister_notifier(&kcap_netlink_nb);
	unregister_netdevice_notifier(&kcap_netdev_nb);
	/* Runs kcap_net_exit() for every namespace: no session is left. */
	unregister_pernet_subsys(&kcap_net_ops);
	kcap_hooks_exit();
	WARN_ON(kcap_nr_sessions);
	idr_destroy(&kcap_ids);
}

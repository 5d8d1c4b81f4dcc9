// SPDX-License-Identifier: GPL-2.0
/*
 * The kcap generic-netlink family: the control plane of capture sessions.
 *
 * Every operation is validated strictly against one policy, runs under
 * RTNL and sees only the sessions of the caller's network namespace.
 * What a request says of the settings is parsed before RTNL is taken, as
 * a filter of up to 4096 instructions is compiled and JITed then: RTNL
 * covers only finding the session and swapping its settings.
 *
 * Privileges are AF_PACKET's, held in the user namespace owning that
 * network namespace by both the task and the socket's opener (what
 * GENL_UNS_ADMIN_PERM checks): a capture's session needs CAP_NET_RAW, and
 * CAP_NET_ADMIN too unless it leaves promiscuity alone; a persistent
 * session needs CAP_NET_ADMIN to be created, changed or deleted.  Reading
 * sessions and their counters needs nothing, as /proc/net/packet is
 * readable by all in its namespace; only a filter's expression is withheld
 * from readers without CAP_NET_ADMIN, as sock_diag withholds socket
 * filters.
 *
 * A session that is not persistent belongs to the socket that created it,
 * as an nf_tables table with an owner does: other sockets may read it but
 * not change or delete it (EPERM, as nf_tables answers), and its owner
 * needs no capability to.  Its creator's pid is kept as a struct pid and
 * given to each reader in the reader's own pid namespace, as SO_PEERCRED
 * gives a peer's.
 */

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/filter.h>
#include <linux/pid.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/netlink.h>

#include "compat.h"
#include "internal.h"

/* Above a policy's s16 min/max (the policy's pointer is not const on 6.1). */
static struct netlink_range_validation kcap_snaplen_range = {
	.min	= 1,
	.max	= KCAP_SNAPLEN_MAX,
};

/*
 * The checks kcap.yaml states are all here, so that the policy userland
 * can dump (CTRL_CMD_GETPOLICY) is the spec's; what a policy cannot say
 * (a ring size that is a power of two and within a module parameter) is
 * checked in code.
 */
static const struct nla_policy kcap_policy[KCAP_ATTR_MAX + 1] = {
	[KCAP_ATTR_PAD]			= { .type = NLA_REJECT },
	[KCAP_ATTR_ID]			= NLA_POLICY_MIN(NLA_U32, 1),
	[KCAP_ATTR_NAME]		= { .type = NLA_NUL_STRING,
					    .len = KCAP_NAME_MAX - 1 },
	[KCAP_ATTR_IFINDEX]		= NLA_POLICY_MIN(NLA_U32, 1),
	[KCAP_ATTR_IFNAME]		= { .type = NLA_NUL_STRING,
					    .len = IFNAMSIZ - 1 },
	[KCAP_ATTR_DIRECTION]		= NLA_POLICY_MAX(NLA_U8, KCAP_DIR_INOUT),
	[KCAP_ATTR_SNAPLEN]		= NLA_POLICY_FULL_RANGE(NLA_U32,
							&kcap_snaplen_range),
	[KCAP_ATTR_FILTER]		= { .type = NLA_BINARY,
					    .len = BPF_MAXINSNS *
						   sizeof(struct sock_filter) },
	[KCAP_ATTR_FILTER_TEXT]		= { .type = NLA_NUL_STRING,
					    .len = KCAP_FILTER_TEXT_MAX - 1 },
	[KCAP_ATTR_HOOK]		= NLA_POLICY_MAX(NLA_U8, KCAP_HOOK_TAP),
	[KCAP_ATTR_RING_SIZE]		= NLA_POLICY_MIN(NLA_U32,
							 KCAP_RING_SIZE_MIN),
	[KCAP_ATTR_FLAGS]		= NLA_POLICY_MASK(NLA_U32,
							  KCAP_SESSION_F_ALL),
	[KCAP_ATTR_STATE]		= { .type = NLA_REJECT },
	[KCAP_ATTR_DEV_TYPE]		= { .type = NLA_REJECT },
	[KCAP_ATTR_LINKTYPE]		= { .type = NLA_REJECT },
	[KCAP_ATTR_NR_RINGS]		= { .type = NLA_REJECT },
	[KCAP_ATTR_FILTER_LEN]		= { .type = NLA_REJECT },
	[KCAP_ATTR_OWNER]		= { .type = NLA_REJECT },
	[KCAP_ATTR_STATS]		= { .type = NLA_REJECT },
	[KCAP_ATTR_OWNER_PID]		= { .type = NLA_REJECT },
	[KCAP_ATTR_FILTER_HIDDEN]	= { .type = NLA_REJECT },
	[KCAP_ATTR_RING_FORMAT]		= NLA_POLICY_MAX(NLA_U8,
						KCAP_RING_FORMAT_PCAPNG),
};

static struct genl_family kcap_genl_family;

static int kcap_put_stats(struct sk_buff *msg, const struct kcap_session *s)
{
	struct kcap_stats st;
	struct nlattr *nest;

	kcap_session_stats(s, &st);
	nest = nla_nest_start(msg, KCAP_ATTR_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, KCAP_STATS_ATTR_SEEN, st.seen,
			      KCAP_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, KCAP_STATS_ATTR_PASSED, st.passed,
			      KCAP_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, KCAP_STATS_ATTR_DELIVERED, st.delivered,
			      KCAP_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, KCAP_STATS_ATTR_DROPPED, st.dropped,
			      KCAP_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, KCAP_STATS_ATTR_BYTES, st.bytes,
			      KCAP_STATS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, KCAP_STATS_ATTR_CUT, st.cut,
			      KCAP_STATS_ATTR_PAD)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Everything of @s; its filter's expression only if @filter_text, else
 * KCAP_ATTR_FILTER_HIDDEN in its place.
 */
static int kcap_put_session(struct sk_buff *msg, const struct kcap_session *s,
			    bool filter_text)
{
	const struct kcap_settings *set = rtnl_dereference(s->settings);
	const struct kcap_filter *f = set->filter;
	const char *ifname = s->dev ? s->dev->name : s->ifname;
	bool any = s->flags & KCAP_SESSION_F_ANYDEV;

	if ((!any &&
	     (nla_put_u32(msg, KCAP_ATTR_IFINDEX, s->ifindex) ||
	      nla_put_string(msg, KCAP_ATTR_IFNAME, ifname) ||
	      nla_put_u16(msg, KCAP_ATTR_DEV_TYPE, s->dev_type))) ||
	    nla_put_u8(msg, KCAP_ATTR_DIRECTION, set->direction) ||
	    nla_put_u32(msg, KCAP_ATTR_SNAPLEN, set->snaplen) ||
	    nla_put_u32(msg, KCAP_ATTR_FILTER_LEN, f ? f->len : 0) ||
	    (f && f->text[0] &&
	     (filter_text ?
	      nla_put_string(msg, KCAP_ATTR_FILTER_TEXT, f->text) :
	      nla_put_flag(msg, KCAP_ATTR_FILTER_HIDDEN))) ||
	    nla_put_u8(msg, KCAP_ATTR_HOOK, s->hook) ||
	    nla_put_u8(msg, KCAP_ATTR_RING_FORMAT, s->ring_format) ||
	    nla_put_u32(msg, KCAP_ATTR_RING_SIZE, s->ring_size) ||
	    nla_put_u32(msg, KCAP_ATTR_FLAGS, s->flags) ||
	    nla_put_u8(msg, KCAP_ATTR_STATE, s->state) ||
	    nla_put_u32(msg, KCAP_ATTR_LINKTYPE, s->linktype) ||
	    nla_put_u32(msg, KCAP_ATTR_NR_RINGS, s->nr_rings) ||
	    (!(s->flags & KCAP_SESSION_F_PERSISTENT) &&
	     (nla_put_u32(msg, KCAP_ATTR_OWNER, s->owner) ||
	      nla_put_u32(msg, KCAP_ATTR_OWNER_PID, pid_vnr(s->owner_pid)))))
		return -EMSGSIZE;
	return 0;
}

/*
 * One message describing @s: everything, or only its counters.  Its
 * filter's expression only if @filter_text: see kcap_filter_visible().
 */
static int kcap_fill(struct sk_buff *msg, const struct kcap_session *s,
		     u8 cmd, u32 portid, u32 seq, int flags, bool filter_text)
{
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &kcap_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, KCAP_ATTR_ID, s->id) ||
	    nla_put_string(msg, KCAP_ATTR_NAME, s->name) ||
	    (cmd != KCAP_CMD_SESSION_STATS &&
	     kcap_put_session(msg, s, filter_text)) ||
	    kcap_put_stats(msg, s)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int kcap_reply(struct genl_info *info, const struct kcap_session *s,
		      u8 cmd, bool filter_text)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE + KCAP_FILTER_TEXT_MAX,
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = kcap_fill(msg, s, cmd, info->snd_portid, info->snd_seq, 0,
			filter_text);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* The session a request names, by KCAP_ATTR_NAME or KCAP_ATTR_ID. */
static struct kcap_session *kcap_lookup(struct genl_info *info)
{
	struct nlattr *name = info->attrs[KCAP_ATTR_NAME];
	struct nlattr *id = info->attrs[KCAP_ATTR_ID];
	struct kcap_session *s;

	if (!name && !id) {
		NL_SET_ERR_MSG(info->extack,
				   "no session given (KCAP_ATTR_NAME or KCAP_ATTR_ID)");
		return ERR_PTR(-EINVAL);
	}
	s = name ? kcap_session_find(genl_info_net(info), nla_data(name)) :
		   kcap_session_find_id(genl_info_net(info), nla_get_u32(id));
	if (!s) {
		NL_SET_ERR_MSG(info->extack,
				   "no such session in this network namespace");
		return ERR_PTR(-ENOENT);
	}
	if (name && id && s->id != nla_get_u32(id)) {
		NL_SET_ERR_MSG(info->extack,
				   "KCAP_ATTR_NAME and KCAP_ATTR_ID name different sessions");
		return ERR_PTR(-EINVAL);
	}
	return s;
}

/*
 * Whether the sender of @skb has @cap in the user namespace owning the
 * request's network namespace, the task and the socket's opener both, as
 * GENL_UNS_ADMIN_PERM checks.
 */
static bool kcap_capable(const struct sk_buff *skb, struct genl_info *info,
			 int cap)
{
	return netlink_ns_capable(skb, genl_info_net(info)->user_ns, cap);
}

/*
 * Whether the sender (port @portid) of @skb may read the expression of
 * @s's filter: with CAP_NET_ADMIN, or as the session's owner.  Sessions and
 * counters are anyone's to read, as /proc/net/packet is; a filter is not,
 * as sock_diag gives socket filters only to CAP_NET_ADMIN: it says what is
 * being watched for, and may hold what is matched on.  Without an
 * expression to withhold nothing is checked, so that a reader without the
 * capability does not fill the audit log.  Called under RTNL.
 */
static bool kcap_filter_visible(const struct sk_buff *skb,
				const struct kcap_session *s, u32 portid)
{
	const struct kcap_filter *f = rtnl_dereference(s->settings)->filter;

	if (!f || !f->text[0])
		return true;
	if (!(s->flags & KCAP_SESSION_F_PERSISTENT) && s->owner == portid)
		return true;
	return netlink_ns_capable(skb, s->net->user_ns, CAP_NET_ADMIN);
}

/*
 * Whether the sender of @info may change or delete @s: a persistent session
 * is anyone's with CAP_NET_ADMIN, another only its owning socket's, which
 * needs nothing more.
 */
static int kcap_check_owner(const struct sk_buff *skb,
			    const struct kcap_session *s,
			    struct genl_info *info)
{
	pid_t pid;

	if (s->flags & KCAP_SESSION_F_PERSISTENT) {
		if (kcap_capable(skb, info, CAP_NET_ADMIN))
			return 0;
		NL_SET_ERR_MSG(info->extack,
			       "changing or deleting a persistent session needs CAP_NET_ADMIN");
		return -EPERM;
	}
	if (s->owner == info->snd_portid)
		return 0;
	pid = pid_vnr(s->owner_pid);
	if (pid)
		NL_SET_ERR_MSG_FMT(info->extack,
				   "session '%s' belongs to the capture of pid %d",
				   s->name, pid);
	else
		NL_SET_ERR_MSG(info->extack,
			       "the session belongs to the capture of a process outside this pid namespace");
	return -EPERM;
}

/**
 * kcap_parse_settings() - the changeable settings of a request.
 * @info: the request.
 * @req: where to store them; the caller drops req->filter with
 *	kcap_filter_put() when done (it is NULL after a failure).
 *
 * Compiles the filter, so sleeps: called before RTNL is taken.
 *
 * Return: 0, or a negative errno with an extack message.
 */
static int kcap_parse_settings(struct genl_info *info,
			       struct kcap_settings_req *req)
{
	struct nlattr **a = info->attrs;

	memset(req, 0, sizeof(*req));
	if (a[KCAP_ATTR_DIRECTION]) {
		req->changes |= KCAP_SET_DIRECTION;
		req->direction = nla_get_u8(a[KCAP_ATTR_DIRECTION]);
	}
	if (a[KCAP_ATTR_SNAPLEN]) {
		req->changes |= KCAP_SET_SNAPLEN;
		req->snaplen = nla_get_u32(a[KCAP_ATTR_SNAPLEN]);
	}
	if (a[KCAP_ATTR_FILTER_TEXT] && !a[KCAP_ATTR_FILTER]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[KCAP_ATTR_FILTER_TEXT],
				    "KCAP_ATTR_FILTER_TEXT without KCAP_ATTR_FILTER");
		return -EINVAL;
	}
	if (!a[KCAP_ATTR_FILTER])
		return 0;
	req->changes |= KCAP_SET_FILTER;
	return kcap_filter_create(nla_data(a[KCAP_ATTR_FILTER]),
				  nla_len(a[KCAP_ATTR_FILTER]),
				  a[KCAP_ATTR_FILTER_TEXT] ?
				  nla_data(a[KCAP_ATTR_FILTER_TEXT]) : NULL,
				  &req->filter, info->extack);
}

static bool kcap_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (!len || len >= KCAP_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

/*
 * What creating a session with @flags needs: CAP_NET_ADMIN for a persistent
 * one; for a capture's, what AF_PACKET needs: CAP_NET_RAW, and CAP_NET_ADMIN
 * for promiscuous mode.
 */
static int kcap_check_new(const struct sk_buff *skb, struct genl_info *info,
			  u32 flags)
{
	if (flags & KCAP_SESSION_F_PERSISTENT) {
		if (kcap_capable(skb, info, CAP_NET_ADMIN))
			return 0;
		NL_SET_ERR_MSG(info->extack,
			       "persistent sessions need CAP_NET_ADMIN");
		return -EPERM;
	}
	if (!kcap_capable(skb, info, CAP_NET_RAW)) {
		NL_SET_ERR_MSG(info->extack, "capturing needs CAP_NET_RAW");
		return -EPERM;
	}
	if (!(flags & KCAP_SESSION_F_NOPROMISC) &&
	    !kcap_capable(skb, info, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "promiscuous mode needs CAP_NET_ADMIN: capture with -p (KCAP_SESSION_F_NOPROMISC)");
		return -EPERM;
	}
	return 0;
}

static int kcap_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct kcap_session_cfg cfg = {};
	struct kcap_settings_req req;
	struct kcap_session *s;
	int err;

	cfg.flags = a[KCAP_ATTR_FLAGS] ? nla_get_u32(a[KCAP_ATTR_FLAGS]) : 0;
	err = kcap_check_new(skb, info, cfg.flags);
	if (err)
		return err;
	if (!a[KCAP_ATTR_NAME]) {
		NL_SET_ERR_MSG(info->extack,
				   "no session name (KCAP_ATTR_NAME)");
		return -EINVAL;
	}
	cfg.name = nla_data(a[KCAP_ATTR_NAME]);
	if (!kcap_name_valid(cfg.name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[KCAP_ATTR_NAME],
				    "session name must be 1-31 characters of A-Z a-z 0-9 _ . -");
		return -EINVAL;
	}
	if (a[KCAP_ATTR_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[KCAP_ATTR_ID],
				    "the kernel chooses session ids");
		return -EINVAL;
	}
	if (a[KCAP_ATTR_IFINDEX])
		cfg.ifindex = nla_get_u32(a[KCAP_ATTR_IFINDEX]);
	if (a[KCAP_ATTR_IFNAME])
		cfg.ifname = nla_data(a[KCAP_ATTR_IFNAME]);
	cfg.hook = a[KCAP_ATTR_HOOK] ? nla_get_u8(a[KCAP_ATTR_HOOK]) :
				       KCAP_HOOK_NETFILTER;
	cfg.ring_size = a[KCAP_ATTR_RING_SIZE] ?
			nla_get_u32(a[KCAP_ATTR_RING_SIZE]) :
			min_t(u32, KCAP_RING_SIZE_DEFAULT, kcap_ring_size_max);
	cfg.ring_format = a[KCAP_ATTR_RING_FORMAT] ?
			  nla_get_u8(a[KCAP_ATTR_RING_FORMAT]) :
			  KCAP_RING_FORMAT_KCAP;
	cfg.owner = info->snd_portid;
	/* The sender's: netlink runs a request in the task that sent it. */
	cfg.owner_pid = task_tgid(current);

	cfg.settings = &req;
	err = kcap_parse_settings(info, &req);
	if (err)
		return err;

	rtnl_lock();
	s = kcap_session_create(genl_info_net(info), &cfg, info->extack);
	if (IS_ERR(s)) {
		err = PTR_ERR(s);
	} else {
		err = kcap_reply(info, s, KCAP_CMD_SESSION_NEW, true);
		if (err)
			kcap_session_destroy(s);
	}
	rtnl_unlock();
	kcap_filter_put(req.filter);
	return err;
}

static int kcap_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct kcap_session *s;
	int err = 0;

	rtnl_lock();
	s = kcap_lookup(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		err = kcap_check_owner(skb, s, info);
	if (!err)
		kcap_session_destroy(s);
	rtnl_unlock();
	return err;
}

static int kcap_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	struct kcap_session *s;
	int err;

	rtnl_lock();
	s = kcap_lookup(info);
	err = IS_ERR(s) ? PTR_ERR(s) :
	      kcap_reply(info, s, cmd, cmd == KCAP_CMD_SESSION_GET &&
			 kcap_filter_visible(skb, s, info->snd_portid));
	rtnl_unlock();
	return err;
}

static int kcap_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	static const int fixed[] = {
		KCAP_ATTR_IFINDEX, KCAP_ATTR_IFNAME, KCAP_ATTR_HOOK,
		KCAP_ATTR_RING_SIZE, KCAP_ATTR_FLAGS, KCAP_ATTR_RING_FORMAT,
	};
	struct kcap_settings_req req;
	struct kcap_session *s;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		if (info->attrs[fixed[i]]) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[fixed[i]],
					    "only direction, snaplen and filter can change: destroy and create the session for the rest");
			return -EOPNOTSUPP;
		}
	}
	err = kcap_parse_settings(info, &req);
	if (err)
		return err;

	rtnl_lock();
	s = kcap_lookup(info);
	err = IS_ERR(s) ? PTR_ERR(s) : kcap_check_owner(skb, s, info);
	if (!err)
		err = kcap_session_set(s, &req);
	if (!err)
		err = kcap_reply(info, s, KCAP_CMD_SESSION_SET, true);
	rtnl_unlock();
	kcap_filter_put(req.filter);
	return err;
}

static int kcap_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	u32 portid = NETLINK_CB(cb->skb).portid;
	struct kcap_session *s;
	long idx = 0;
	int err = 0;

	rtnl_lock();
	list_for_each_entry(s, kcap_net_sessions(net), node) {
		if (idx++ < cb->args[0])
			continue;
		err = kcap_fill(skb, s, KCAP_CMD_SESSION_GET, portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI,
				kcap_filter_visible(cb->skb, s, portid));
		if (err) {
			idx--;
			break;
		}
	}
	rtnl_unlock();
	cb->args[0] = idx;
	/* A full message ends this part of the dump; the next one resumes. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static const struct genl_small_ops kcap_ops[] = {
	{
		.cmd	= KCAP_CMD_SESSION_NEW,
		.doit	= kcap_cmd_new,
	},
	{
		.cmd	= KCAP_CMD_SESSION_DEL,
		.doit	= kcap_cmd_del,
	},
	{
		.cmd	= KCAP_CMD_SESSION_GET,
		.doit	= kcap_cmd_get,
		.dumpit	= kcap_cmd_dump,
	},
	{
		.cmd	= KCAP_CMD_SESSION_SET,
		.doit	= kcap_cmd_set,
	},
	{
		.cmd	= KCAP_CMD_SESSION_STATS,
		.doit	= kcap_cmd_get,
	},
};

static struct genl_family kcap_genl_family __ro_after_init = {
	.name		= KCAP_GENL_NAME,
	.version	= KCAP_GENL_VERSION,
	.small_ops	= kcap_ops,
	.n_small_ops	= ARRAY_SIZE(kcap_ops),
	.maxattr	= KCAP_ATTR_MAX,
	.policy		= kcap_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
};

int __init kcap_genl_init(void)
{
	return genl_register_family(&kcap_genl_family);
}

void kcap_genl_exit(void)
{
	genl_unregister_family(&kcap_genl_family);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: session commands of the kcap generic netlink family: the
 * requests built from a struct kcap_session_config, the replies parsed
 * into a struct kcap_session_info.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/filter.h>
#include <linux/kcap.h>

#include "kcap.h"
#include "internal.h"

#define KCAP_CFG_SETTABLE	(KCAP_CFG_DIRECTION | KCAP_CFG_SNAPLEN | \
				 KCAP_CFG_FILTER | KCAP_CFG_PROG)
#define KCAP_CFG_ALL		(KCAP_CFG_SETTABLE | KCAP_CFG_HOOK | \
				 KCAP_CFG_RING_SIZE | KCAP_CFG_FLAGS | \
				 KCAP_CFG_RING_FORMAT)

_Static_assert(sizeof(struct sock_filter) == 8, "struct sock_filter");

static bool kcap_str_ok(const char *s, size_t max)
{
	return s && s[0] && strnlen(s, max) < max;
}

int kcap_session_put_ref(struct nl_msg *msg, const char *name, uint32_t id)
{
	if (name) {
		if (!kcap_str_ok(name, KCAP_NAME_MAX))
			return -EINVAL;
		return nla_put_string(msg, KCAP_ATTR_NAME, name) ?
		       -EMSGSIZE : 0;
	}
	return nla_put_u32(msg, KCAP_ATTR_ID, id) ? -EMSGSIZE : 0;
}

/* A session on every device: the device "any", as libpcap names it. */
static bool kcap_config_anydev(const struct kcap_session_config *cfg)
{
	return !cfg->ifindex && cfg->ifname &&
	       !strcmp(cfg->ifname, KCAP_ANY_DEVICE);
}

/* What is wrong with @cfg for @cmd, if anything: 0 or -EINVAL/-E2BIG. */
static int kcap_session_check_config(uint8_t cmd,
				     const struct kcap_session_config *cfg,
				     struct kcap_error *e)
{
	const enum kcap_error_source sys = KCAP_ERROR_SYSTEM;

	if (cmd == KCAP_CMD_SESSION_NEW) {
		if (!kcap_str_ok(cfg->name, KCAP_NAME_MAX))
			return kcap_error_set(e, -EINVAL, sys,
					      "a session needs a name of 1 to %d bytes",
					      KCAP_NAME_MAX - 1);
		if (cfg->set & ~KCAP_CFG_ALL)
			return kcap_error_set(e, -EINVAL, sys,
					      "unknown KCAP_CFG_ bits 0x%x",
					      cfg->set & ~KCAP_CFG_ALL);
		if (!cfg->ifindex && !cfg->ifname)
			return kcap_error_set(e, -EINVAL, sys,
					      "a session needs a device (ifindex or ifname)");
		if (cfg->ifname && !kcap_str_ok(cfg->ifname, KCAP_IFNAMSIZ))
			return kcap_error_set(e, -EINVAL, sys,
					      "a device name has 1 to %d bytes",
					      KCAP_IFNAMSIZ - 1);
	} else if (cmd == KCAP_CMD_SESSION_SET) {
		if ((cfg->set & ~KCAP_CFG_SETTABLE) || cfg->ifindex ||
		    cfg->ifname)
			return kcap_error_set(e, -EINVAL, sys,
					      "only direction, snaplen and filter can change");
	} else {
		return kcap_error_set(e, -EINVAL, sys, NULL);
	}
	if ((cfg->set & KCAP_CFG_FILTER) && (cfg->set & KCAP_CFG_PROG))
		return kcap_error_set(e, -EINVAL, sys,
				      "a filter expression or a program, not both");
	if (cfg->set & KCAP_CFG_PROG) {
		if (cfg->prog_len > BPF_MAXINSNS)
			return kcap_error_set(e, -E2BIG, sys,
					      "a filter of %u instructions: more than %d",
					      cfg->prog_len, BPF_MAXINSNS);
		if (cfg->prog_len && !cfg->prog)
			return kcap_error_set(e, -EINVAL, sys,
					      "a filter length without a program");
	}
	if ((cfg->set & (KCAP_CFG_FILTER | KCAP_CFG_PROG)) && cfg->filter &&
	    strnlen(cfg->filter, KCAP_FILTER_TEXT_MAX) >= KCAP_FILTER_TEXT_MAX)
		return kcap_error_set(e, -E2BIG, sys,
				      "filter expression longer than %d bytes",
				      KCAP_FILTER_TEXT_MAX - 1);
	return 0;
}

/* Each put below returns true when it did not fit. */
static bool kcap_put_u8_if(struct nl_msg *msg, bool cond, int attr,
			   uint8_t v)
{
	return cond && nla_put_u8(msg, attr, v);
}

static bool kcap_put_u32_if(struct nl_msg *msg, bool cond, int attr,
			    uint32_t v)
{
	return cond && nla_put_u32(msg, attr, v);
}

int kcap_session_put_config(struct nl_msg *msg, uint8_t cmd,
			    const struct kcap_session_config *cfg,
			    struct kcap_error *e)
{
	uint32_t set = cfg->set, flags = cfg->flags;
	const char *ifname = cfg->ifname;
	int err;

	err = kcap_session_check_config(cmd, cfg, e);
	if (err)
		return err;
	if (set & KCAP_CFG_FILTER)	/* the callers compile it first */
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "a filter expression not compiled");
	err = kcap_session_put_ref(msg, cfg->name, cfg->id);
	if (err)
		return kcap_error_set(e, err, KCAP_ERROR_SYSTEM, NULL);
	if (cmd == KCAP_CMD_SESSION_NEW && kcap_config_anydev(cfg)) {
		/* No device named; nothing to make promiscuous. */
		ifname = NULL;
		if (!(set & KCAP_CFG_FLAGS))
			flags = 0;
		set |= KCAP_CFG_FLAGS;
		flags |= KCAP_SESSION_F_ANYDEV | KCAP_SESSION_F_NOPROMISC;
	}
	if (kcap_put_u32_if(msg, cfg->ifindex, KCAP_ATTR_IFINDEX,
			    cfg->ifindex) ||
	    (ifname && nla_put_string(msg, KCAP_ATTR_IFNAME, ifname)) ||
	    kcap_put_u8_if(msg, set & KCAP_CFG_DIRECTION, KCAP_ATTR_DIRECTION,
			   cfg->direction) ||
	    kcap_put_u32_if(msg, set & KCAP_CFG_SNAPLEN, KCAP_ATTR_SNAPLEN,
			    cfg->snaplen) ||
	    /* An empty program: no filter. */
	    ((set & KCAP_CFG_PROG) &&
	     nla_put(msg, KCAP_ATTR_FILTER,
		     (int)(cfg->prog_len * sizeof(struct sock_filter)),
		     cfg->prog)) ||
	    ((set & KCAP_CFG_PROG) && cfg->filter &&
	     nla_put_string(msg, KCAP_ATTR_FILTER_TEXT, cfg->filter)) ||
	    kcap_put_u8_if(msg, set & KCAP_CFG_HOOK, KCAP_ATTR_HOOK,
			   cfg->hook) ||
	    kcap_put_u32_if(msg, set & KCAP_CFG_RING_SIZE,
			    KCAP_ATTR_RING_SIZE, cfg->ring_size) ||
	    kcap_put_u32_if(msg, set & KCAP_CFG_FLAGS, KCAP_ATTR_FLAGS,
			    flags) ||
	    /* (the default is not sent: a module may predate the attribute) */
	    kcap_put_u8_if(msg, (set & KCAP_CFG_RING_FORMAT) &&
			   cfg->ring_format != KCAP_RING_FORMAT_KCAP,
			   KCAP_ATTR_RING_FORMAT, cfg->ring_format))
		return kcap_error_set(e, -EMSGSIZE, KCAP_ERROR_SYSTEM, NULL);
	return 0;
}

/* Where an attribute of a reply goes: a string, or an integer as is. */
struct kcap_field {
	uint16_t	attr;
	bool		string;
	uint16_t	off;
	uint16_t	size;
};

#define KCAP_FIELD(type, attr, member, str)				\
	{ attr, str, offsetof(type, member), sizeof(((type *)0)->member) }
#define KCAP_INFO(attr, member) \
	KCAP_FIELD(struct kcap_session_info, attr, member, false)
#define KCAP_INFO_STR(attr, member) \
	KCAP_FIELD(struct kcap_session_info, attr, member, true)
#define KCAP_STAT(attr, member) \
	KCAP_FIELD(struct kcap_stats, attr, member, false)

static const struct kcap_field kcap_info_fields[] = {
	KCAP_INFO(KCAP_ATTR_ID, id),
	KCAP_INFO_STR(KCAP_ATTR_NAME, name),
	KCAP_INFO(KCAP_ATTR_IFINDEX, ifindex),
	KCAP_INFO_STR(KCAP_ATTR_IFNAME, ifname),
	KCAP_INFO(KCAP_ATTR_DIRECTION, direction),
	KCAP_INFO(KCAP_ATTR_SNAPLEN, snaplen),
	KCAP_INFO_STR(KCAP_ATTR_FILTER_TEXT, filter_text),
	KCAP_INFO(KCAP_ATTR_FILTER_LEN, filter_len),
	KCAP_INFO(KCAP_ATTR_HOOK, hook),
	KCAP_INFO(KCAP_ATTR_RING_SIZE, ring_size),
	KCAP_INFO(KCAP_ATTR_FLAGS, flags),
	KCAP_INFO(KCAP_ATTR_STATE, state),
	KCAP_INFO(KCAP_ATTR_DEV_TYPE, dev_type),
	KCAP_INFO(KCAP_ATTR_LINKTYPE, linktype),
	KCAP_INFO(KCAP_ATTR_NR_RINGS, nr_rings),
	KCAP_INFO(KCAP_ATTR_OWNER, owner),
	KCAP_INFO(KCAP_ATTR_OWNER_PID, owner_pid),
	KCAP_INFO(KCAP_ATTR_RING_FORMAT, ring_format),
};

static const struct kcap_field kcap_stats_fields[] = {
	KCAP_STAT(KCAP_STATS_ATTR_SEEN, seen),
	KCAP_STAT(KCAP_STATS_ATTR_PASSED, passed),
	KCAP_STAT(KCAP_STATS_ATTR_DELIVERED, delivered),
	KCAP_STAT(KCAP_STATS_ATTR_DROPPED, dropped),
	KCAP_STAT(KCAP_STATS_ATTR_BYTES, bytes),
	KCAP_STAT(KCAP_STATS_ATTR_CUT, cut),
};

/* libnl's policy for @fields: their types, from the members' sizes. */
static void kcap_fields_policy(const struct kcap_field *fields, size_t nr,
			       struct nla_policy *policy)
{
	static const uint16_t ints[] = {
		[1] = NLA_U8, [2] = NLA_U16, [4] = NLA_U32, [8] = NLA_U64,
	};
	const struct kcap_field *f;

	for (f = fields; f < fields + nr; f++)
		policy[f->attr].type = f->string ? NLA_STRING : ints[f->size];
}

/*
 * Each attribute of @tb that @fields knows into @dst.  The policy checked
 * the integers' lengths; they are in host order, as the fields are.
 */
static void kcap_parse_fields(struct nlattr **tb,
			      const struct kcap_field *fields, size_t nr,
			      void *dst)
{
	const struct kcap_field *f;
	char *to;
	size_t n;

	for (f = fields; f < fields + nr; f++) {
		if (!tb[f->attr])
			continue;
		to = (char *)dst + f->off;
		if (!f->string) {
			memcpy(to, nla_data(tb[f->attr]), f->size);
			continue;
		}
		n = strnlen(nla_data(tb[f->attr]),
			    (size_t)nla_len(tb[f->attr]));
		if (n >= f->size)
			n = f->size - 1u;
		memcpy(to, nla_data(tb[f->attr]), n);
		to[n] = '\0';
	}
}

int kcap_session_parse(struct nl_msg *msg, struct kcap_session_info *info)
{
	struct nla_policy policy[KCAP_ATTR_MAX + 1] = { { 0 } };
	struct nla_policy stats_policy[KCAP_STATS_ATTR_MAX + 1] = { { 0 } };
	struct nlattr *stats[KCAP_STATS_ATTR_MAX + 1];
	struct nlattr *tb[KCAP_ATTR_MAX + 1];

	memset(info, 0, sizeof(*info));
	kcap_fields_policy(kcap_info_fields, ARRAY_SIZE(kcap_info_fields),
			   policy);
	policy[KCAP_ATTR_STATS].type = NLA_NESTED;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KCAP_ATTR_MAX, policy) < 0)
		return -EBADMSG;
	kcap_parse_fields(tb, kcap_info_fields, ARRAY_SIZE(kcap_info_fields),
			  info);
	info->has_owner = tb[KCAP_ATTR_OWNER];
	info->has_owner_pid = tb[KCAP_ATTR_OWNER_PID];
	info->filter_hidden = tb[KCAP_ATTR_FILTER_HIDDEN];
	if (info->flags & KCAP_SESSION_F_ANYDEV) {
		info->ifindex = 0;
		snprintf(info->ifname, sizeof(info->ifname), "%s",
			 KCAP_ANY_DEVICE);
	}
	if (!tb[KCAP_ATTR_STATS])
		return 0;
	kcap_fields_policy(kcap_stats_fields, ARRAY_SIZE(kcap_stats_fields),
			   stats_policy);
	if (nla_parse_nested(stats, KCAP_STATS_ATTR_MAX, tb[KCAP_ATTR_STATS],
			     stats_policy) < 0)
		return -EBADMSG;
	kcap_parse_fields(stats, kcap_stats_fields,
			  ARRAY_SIZE(kcap_stats_fields), &info->stats);
	info->has_stats = true;
	return 0;
}

/* Reply handler of the doit commands: one session, at most. */
struct kcap_one {
	struct kcap_session_info	*info;
	bool				got;
};

static int kcap_one_reply(struct nl_msg *msg, void *arg)
{
	struct kcap_one *one = arg;
	int err;

	if (one->got)
		return 0;
	err = kcap_session_parse(msg, one->info);
	if (!err)
		one->got = true;
	return err;
}

/*
 * One request of @cmd: the session @cfg describes (NEW, SET), or the one
 * @name or @id names.  With @info, one session is expected back.  A
 * reply the caller does not want is parsed into a scratch one (its size
 * is no burden on the heap, but too much for every caller's stack).
 */
static int kcap_session_send(struct kcap_ctl *ctl, uint8_t cmd,
			     const struct kcap_session_config *cfg,
			     const char *name, uint32_t id,
			     struct kcap_session_info *info)
{
	struct kcap_error *e = kcap_ctl_err(ctl);
	struct kcap_one one = { .info = info };
	struct nl_msg *msg;
	int err;

	kcap_error_clear(e);
	err = kcap_ctl_msg(ctl, cmd, 0, &msg);
	if (err)
		return kcap_error_set(e, err, KCAP_ERROR_SYSTEM, NULL);
	err = cfg ? kcap_session_put_config(msg, cmd, cfg, e) :
		    kcap_session_put_ref(msg, name, id);
	if (!err && !info) {
		one.info = malloc(sizeof(*one.info));
		if (!one.info)
			err = -ENOMEM;
	}
	if (err) {
		nlmsg_free(msg);
		return e->err ? e->err :
		       kcap_error_set(e, err, KCAP_ERROR_SYSTEM, NULL);
	}
	err = kcap_ctl_request(ctl, msg, kcap_one_reply, &one);
	if (!err && !one.got && info)
		err = kcap_error_set(e, -EBADMSG, KCAP_ERROR_SYSTEM,
				     "the kernel acknowledged without the session");
	if (!info)
		free(one.info);
	return err;
}

int kcap_session_request(struct kcap_ctl *ctl, uint8_t cmd,
			 const struct kcap_session_config *cfg,
			 struct kcap_session_info *info)
{
	/* A module older than its attribute would refuse it, less clearly. */
	if (cmd == KCAP_CMD_SESSION_NEW && (cfg->set & KCAP_CFG_RING_FORMAT) &&
	    cfg->ring_format != KCAP_RING_FORMAT_KCAP &&
	    kcap_ctl_module_older(ctl, KCAP_ATTR_RING_FORMAT))
		return kcap_error_set(kcap_ctl_err(ctl), -EOPNOTSUPP,
				      KCAP_ERROR_SYSTEM,
				      "the loaded kcap module has no ring formats: it is older than this libkcap; load the module that came with it");
	return kcap_session_send(ctl, cmd, cfg, NULL, 0, info);
}

int kcap_session_del(struct kcap_ctl *ctl, const char *name, uint32_t id)
{
	return kcap_session_send(ctl, KCAP_CMD_SESSION_DEL, NULL, name, id,
				 NULL);
}

int kcap_session_get(struct kcap_ctl *ctl, const char *name, uint32_t id,
		     struct kcap_session_info *info)
{
	return kcap_session_send(ctl, KCAP_CMD_SESSION_GET, NULL, name, id,
				 info);
}

int kcap_session_stats(struct kcap_ctl *ctl, const char *name, uint32_t id,
		       struct kcap_stats *stats)
{
	struct kcap_session_info *info;
	int err;

	info = malloc(sizeof(*info));
	if (!info)
		return kcap_error_set(kcap_ctl_err(ctl), -ENOMEM,
				      KCAP_ERROR_SYSTEM, NULL);
	err = kcap_session_send(ctl, KCAP_CMD_SESSION_STATS, NULL, name, id,
				info);
	if (!err && !info->has_stats)
		err = kcap_error_set(kcap_ctl_err(ctl), -EBADMSG,
				     KCAP_ERROR_SYSTEM,
				     "the kernel's reply had no counters");
	if (!err)
		*stats = info->stats;
	free(info);
	return err;
}

/* Reply handler of the dump: one more session each. */
struct kcap_list {
	struct kcap_session_info	*v;
	size_t				nr;
	size_t				size;
};

static int kcap_list_reply(struct nl_msg *msg, void *arg)
{
	struct kcap_list *l = arg;

	if (l->nr == l->size) {
		size_t size = l->size ? 2 * l->size : 4;
		struct kcap_session_info *v;

		v = realloc(l->v, size * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->size = size;
	}
	if (kcap_session_parse(msg, &l->v[l->nr]))
		return -EBADMSG;
	l->nr++;
	return 0;
}

int kcap_session_list(struct kcap_ctl *ctl, struct kcap_session_info **list,
		      size_t *nr)
{
	struct kcap_list l = { NULL, 0, 0 };
	struct nl_msg *msg;
	int err;

	*list = NULL;
	*nr = 0;
	kcap_error_clear(kcap_ctl_err(ctl));
	err = kcap_ctl_msg(ctl, KCAP_CMD_SESSION_GET, NLM_F_DUMP, &msg);
	if (err)
		return kcap_error_set(kcap_ctl_err(ctl), err,
				      KCAP_ERROR_SYSTEM, NULL);
	err = kcap_ctl_request(ctl, msg, kcap_list_reply, &l);
	if (err) {
		free(l.v);
		return err;
	}
	if (!l.nr) {
		free(l.v);
		l.v = NULL;
	}
	*list = l.v;
	*nr = l.nr;
	return 0;
}

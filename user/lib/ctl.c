// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the control handle, a generic netlink socket bound to the kcap
 * family.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include <linux/kcap.h>

#include "kcap.h"
#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* Policies of one command kcap_ctl_attr_max() looks into: do and dump. */
#define KCAP_CTL_POLICIES	32

struct kcap_ctl {
	struct nl_sock		*sk;
	int			family_id;
	unsigned int		family_version;
	unsigned int		family_maxattr;
	struct kcap_error	error;
};

/*
 * Read the family's id and version from a snapshot of the controller's
 * families, so both come from the same registration of the family.
 */
static int kcap_ctl_get_family(struct kcap_ctl *ctl, const char *name)
{
	struct genl_family *family;
	struct nl_cache *cache;
	int err;

	err = genl_ctrl_alloc_cache(ctl->sk, &cache);
	if (err < 0)
		return kcap_errno_from_nl(err);

	family = genl_ctrl_search_by_name(cache, name);
	if (!family) {
		/* Unregistered since genl_ctrl_resolve() found it. */
		err = -ENOENT;
		goto out;
	}
	ctl->family_id = genl_family_get_id(family);
	ctl->family_version = genl_family_get_version(family);
	ctl->family_maxattr = (unsigned int)genl_family_get_maxattr(family);
	genl_family_put(family);
	err = 0;
out:
	nl_cache_free(cache);
	return err;
}

/*
 * Ask for the kernel's extended acknowledgements (its message about a
 * rejection) without a copy of the rejected request, and let libnl read
 * replies of any size.  Kernels before 4.12 have neither option: there
 * errors just come without a message.
 */
static void kcap_ctl_setup_socket(struct nl_sock *sk)
{
	int fd = nl_socket_get_fd(sk);
	int one = 1;

	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_enable_msg_peek(sk);
}

static int kcap_ctl_connect(struct kcap_ctl *ctl, const char *name)
{
	int err;

	ctl->sk = nl_socket_alloc();
	if (!ctl->sk)
		return -ENOMEM;

	err = genl_connect(ctl->sk);
	if (err < 0)
		return kcap_errno_from_nl(err);
	kcap_ctl_setup_socket(ctl->sk);

	/*
	 * Asking for the family by name, unlike dumping all families, lets
	 * the kernel load the module through its genl family alias.
	 */
	err = genl_ctrl_resolve(ctl->sk, name);
	if (err < 0)
		return kcap_errno_from_nl(err);

	return kcap_ctl_get_family(ctl, name);
}

int kcap_ctl_open_family(struct kcap_ctl **ctlp, const char *name)
{
	struct kcap_ctl *ctl;
	int err;

	*ctlp = NULL;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;

	err = kcap_ctl_connect(ctl, name);
	if (err) {
		kcap_ctl_close(ctl);
		return err;
	}

	*ctlp = ctl;
	return 0;
}

int kcap_ctl_open(struct kcap_ctl **ctlp, struct kcap_error *e)
{
	int err = kcap_ctl_open_family(ctlp, KCAP_GENL_NAME);

	kcap_error_clear(e);
	switch (err) {
	case 0:
		return 0;
	case -ENOENT:
		return kcap_error_set(e, err, KCAP_ERROR_SYSTEM,
				      "the kcap kernel module is not loaded: run 'modprobe kcap' as root");
	case -EPROTONOSUPPORT:
	case -EAFNOSUPPORT:
		return kcap_error_set(e, err, KCAP_ERROR_SYSTEM,
				      "this kernel has no generic netlink support");
	default:
		return kcap_error_set(e, err, KCAP_ERROR_SYSTEM, NULL);
	}
}

int kcap_ctl_family_id(const struct kcap_ctl *ctl)
{
	return ctl->family_id;
}

unsigned int kcap_ctl_family_version(const struct kcap_ctl *ctl)
{
	return ctl->family_version;
}

unsigned int kcap_ctl_family_maxattr(const struct kcap_ctl *ctl)
{
	return ctl->family_maxattr;
}

bool kcap_ctl_module_older(const struct kcap_ctl *ctl, unsigned int attr)
{
	return ctl->family_maxattr && ctl->family_maxattr < attr;
}

const struct kcap_error *kcap_ctl_error(const struct kcap_ctl *ctl)
{
	return &ctl->error;
}

struct kcap_error *kcap_ctl_err(struct kcap_ctl *ctl)
{
	return &ctl->error;
}

uint32_t kcap_ctl_port(const struct kcap_ctl *ctl)
{
	return nl_socket_get_local_port(ctl->sk);
}

int kcap_ctl_msg(const struct kcap_ctl *ctl, uint8_t cmd, int flags,
		 struct nl_msg **msgp)
{
	return kcap_genl_msg(ctl->family_id, cmd, flags, msgp);
}

int kcap_genl_msg(int family, uint8_t cmd, int flags, struct nl_msg **msgp)
{
	struct nl_msg *msg;

	*msgp = NULL;
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			 KCAP_GENL_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	*msgp = msg;
	return 0;
}

/* One request and the replies to it, as the callbacks see them. */
struct kcap_req {
	kcap_reply_fn	fn;
	void		*arg;
	int		err;	/* the kernel's, or the first of fn */
	bool		kernel;	/* err is the kernel's */
	bool		done;
	char		extack[KCAP_ERROR_MSG_MAX];
};

/* Keep the message of an extended acknowledgement (NLMSGERR_ATTR_MSG). */
static void kcap_ctl_save_extack(struct kcap_req *req,
				 const struct nlmsghdr *hdr,
				 const struct nlmsgerr *e, size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const char *base = (const char *)e;
	size_t len = hdr->nlmsg_len - NLMSG_HDRLEN;
	size_t n;

	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLMSG_ALIGN(off);
	if (hdr->nlmsg_len < NLMSG_HDRLEN || off >= len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)(base + off),
		      (int)(len - off), NULL) < 0 || !tb[NLMSGERR_ATTR_MSG])
		return;
	n = strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]),
		    (size_t)nla_len(tb[NLMSGERR_ATTR_MSG]));
	if (!n)
		return;
	if (n >= sizeof(req->extack))
		n = sizeof(req->extack) - 1;
	memcpy(req->extack, nla_data(tb[NLMSGERR_ATTR_MSG]), n);
	req->extack[n] = '\0';
}

static int kcap_ctl_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e,
			     void *arg)
{
	const struct nlmsghdr *hdr = (const struct nlmsghdr *)
				     ((char *)e - NLMSG_HDRLEN);
	struct kcap_req *req = arg;
	size_t off = sizeof(*e);

	(void)nla;
	/* Without NLM_F_CAPPED the request's payload comes back first. */
	if (!(hdr->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	kcap_ctl_save_extack(req, hdr, e, off);
	req->err = e->error < 0 ? e->error : -EIO;
	req->kernel = true;
	req->done = true;
	return NL_STOP;
}

static int kcap_ctl_ack_cb(struct nl_msg *msg, void *arg)
{
	struct kcap_req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

/* The end of a dump: since 4.x its payload is the dump's error, if any. */
static int kcap_ctl_finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct kcap_req *req = arg;
	int dump_err;

	if (nlmsg_datalen(hdr) >= (int)sizeof(int)) {
		memcpy(&dump_err, nlmsg_data(hdr), sizeof(dump_err));
		if (dump_err < 0 && !req->err) {
			req->err = dump_err;
			req->kernel = true;
			kcap_ctl_save_extack(req, hdr, nlmsg_data(hdr),
					     sizeof(int));
		}
	}
	req->done = true;
	return NL_STOP;
}

static int kcap_ctl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct kcap_req *req = arg;

	/* After a failure, read on to the end to leave the socket clean. */
	if (req->fn && !req->err)
		req->err = req->fn(msg, req->arg);
	return NL_OK;
}

int kcap_ctl_request(struct kcap_ctl *ctl, struct nl_msg *msg,
		     kcap_reply_fn fn, void *arg)
{
	struct kcap_req req = { .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int err;

	kcap_error_clear(&ctl->error);
	cb = nl_cb_clone(nl_socket_get_cb(ctl->sk));
	if (!cb) {
		nlmsg_free(msg);
		return kcap_error_set(&ctl->error, -ENOMEM, KCAP_ERROR_SYSTEM,
				      NULL);
	}
	nl_cb_err(cb, NL_CB_CUSTOM, kcap_ctl_error_cb, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, kcap_ctl_ack_cb, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, kcap_ctl_finish_cb, &req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, kcap_ctl_valid_cb, &req);

	err = nl_send_auto(ctl->sk, msg);
	nlmsg_free(msg);
	while (err >= 0 && !req.done)
		err = nl_recvmsgs(ctl->sk, cb);
	nl_cb_put(cb);
	/*
	 * The kernel's error (which libnl also returns, folded, when the
	 * error callback stops) with its message, or the line for its errno.
	 */
	if (req.err)
		return kcap_error_set(&ctl->error, req.err,
				      req.kernel ? KCAP_ERROR_KERNEL :
						   KCAP_ERROR_SYSTEM,
				      "%s", req.extack);
	if (err < 0)
		return kcap_error_set(&ctl->error, kcap_errno_from_nl(err),
				      KCAP_ERROR_SYSTEM, NULL);
	return 0;
}

/* kcap_ctl_attr_max()'s search of the policies the dump brings. */
struct kcap_ctl_policy {
	uint8_t		cmd;
	unsigned int	attr;
	bool		have_do;	/* do_idx is known */
	uint32_t	do_idx;
	/* The attribute's maximum in each policy, by index, where given. */
	uint64_t	max[KCAP_CTL_POLICIES];
	uint32_t	have;		/* a bit per index */
};

/* @pol's nest of attribute @attr: its maximum, if it has one. */
static void kcap_ctl_policy_attr(struct kcap_ctl_policy *pr, uint32_t idx,
				 struct nlattr *a)
{
	struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];

	if (nla_parse_nested(tb, NL_POLICY_TYPE_ATTR_MAX, a, NULL) < 0 ||
	    !tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U] ||
	    nla_len(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]) != sizeof(uint64_t))
		return;
	pr->max[idx] = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);
	pr->have |= 1U << idx;
}

static int kcap_ctl_policy_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *ops[CTRL_ATTR_POLICY_DUMP_MAX + 1];
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct kcap_ctl_policy *pr = arg;
	struct nlattr *n, *a;
	int rem, rem2;
	uint32_t idx;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0)
		return -EBADMSG;
	/* Which policy the command's do uses: its index. */
	if (tb[CTRL_ATTR_OP_POLICY]) {
		nla_for_each_nested(n, tb[CTRL_ATTR_OP_POLICY], rem) {
			if (nla_type(n) != pr->cmd ||
			    nla_parse_nested(ops, CTRL_ATTR_POLICY_DUMP_MAX, n,
					     NULL) < 0 ||
			    !ops[CTRL_ATTR_POLICY_DO])
				continue;
			pr->do_idx = nla_get_u32(ops[CTRL_ATTR_POLICY_DO]);
			pr->have_do = true;
		}
	}
	/* A policy: its index, then a nest per attribute. */
	if (tb[CTRL_ATTR_POLICY]) {
		nla_for_each_nested(n, tb[CTRL_ATTR_POLICY], rem) {
			idx = (uint32_t)nla_type(n);
			if (idx >= KCAP_CTL_POLICIES)
				continue;
			nla_for_each_nested(a, n, rem2) {
				if ((unsigned int)nla_type(a) == pr->attr)
					kcap_ctl_policy_attr(pr, idx, a);
			}
		}
	}
	return 0;
}

int kcap_ctl_attr_max(struct kcap_ctl *ctl, uint8_t cmd, unsigned int attr,
		      uint64_t *max)
{
	struct kcap_ctl_policy pr = { .cmd = cmd, .attr = attr };
	struct nl_msg *msg;
	uint32_t idx;
	int err;

	kcap_error_clear(&ctl->error);
	err = kcap_genl_msg(GENL_ID_CTRL, CTRL_CMD_GETPOLICY, NLM_F_DUMP, &msg);
	if (!err && (nla_put_u16(msg, CTRL_ATTR_FAMILY_ID,
				 (uint16_t)ctl->family_id) < 0 ||
		     nla_put_u32(msg, CTRL_ATTR_OP, cmd) < 0)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
	}
	if (err)
		return kcap_error_set(&ctl->error, err, KCAP_ERROR_SYSTEM,
				      NULL);
	err = kcap_ctl_request(ctl, msg, kcap_ctl_policy_cb, &pr);
	if (err)
		return err;
	/* The do's policy; one alone if the dump did not say. */
	idx = pr.have_do ? pr.do_idx : 0;
	if (idx >= KCAP_CTL_POLICIES || !(pr.have & 1U << idx))
		return kcap_error_set(&ctl->error, -ENOENT, KCAP_ERROR_SYSTEM,
				      "the module's policy gives no range for attribute %u",
				      attr);
	*max = pr.max[idx];
	return 0;
}

void kcap_ctl_close(struct kcap_ctl *ctl)
{
	if (!ctl)
		return;
	nl_socket_free(ctl->sk);	/* NULL-safe; closes the socket */
	free(ctl);
}

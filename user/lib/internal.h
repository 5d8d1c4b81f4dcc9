/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkcap internals, shared between its files and with the unit tests.
 */
#ifndef _LIBKCAP_INTERNAL_H
#define _LIBKCAP_INTERNAL_H

#include <stdint.h>

struct kcap_ctl;
struct kcap_session_config;
struct kcap_session_info;
struct nl_msg;

int kcap_errno_from_nl(int nlerr);

/*
 * kcap_ctl_open() on the generic netlink family @name instead of kcap's,
 * so that the tests can open a family that every kernel has.
 */
int kcap_ctl_open_family(struct kcap_ctl **ctl, const char *name);

/* ctl.c: requests. */

/* Handles one reply message; a negative errno fails the request. */
typedef int (*kcap_reply_fn)(struct nl_msg *msg, void *arg);

/* A new request of family @family: netlink and generic netlink headers. */
int kcap_genl_msg(int family, uint8_t cmd, int flags, struct nl_msg **msgp);
int kcap_ctl_msg(const struct kcap_ctl *ctl, uint8_t cmd, int flags,
		 struct nl_msg **msgp);

/*
 * Send @msg (always freed) and hand every reply to @fn until the kernel's
 * acknowledgement, error or end of dump.  Return 0 or a negative errno;
 * a rejection's extended-ack message is kept for kcap_ctl_last_error().
 */
int kcap_ctl_request(struct kcap_ctl *ctl, struct nl_msg *msg,
		     kcap_reply_fn fn, void *arg);

/*
 * kcap_session_del() by id, keeping the error text of the request before
 * it for kcap_ctl_last_error(): for undoing a half-done start.
 */
int kcap_session_del_keep_error(struct kcap_ctl *ctl, uint32_t id);

/* session.c: the messages, apart from the socket, for the tests. */

/*
 * Add the attributes of @cfg for @cmd (KCAP_CMD_SESSION_NEW or _SET) to
 * @msg.  -EINVAL for a config @cmd cannot take, -EMSGSIZE if it does
 * not fit.
 */
int kcap_session_put_config(struct nl_msg *msg, uint8_t cmd,
			    const struct kcap_session_config *cfg);

/* Add KCAP_ATTR_NAME, or KCAP_ATTR_ID if @name is NULL. */
int kcap_session_put_ref(struct nl_msg *msg, const char *name, uint32_t id);

/* Parse a KCAP_CMD_SESSION_* reply into @info (zeroed first). */
int kcap_session_parse(struct nl_msg *msg, struct kcap_session_info *info);

#endif /* _LIBKCAP_INTERNAL_H */

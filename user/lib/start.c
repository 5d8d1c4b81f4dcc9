// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the calls that take a filter expression.  How an expression
 * compiles depends on the session's link type, which only the kernel
 * knows: a new session is created capturing nothing, the expression
 * compiled for it, and direction and filter set in one change, so that no
 * frame the filter would refuse reaches the rings.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kcap.h"

/* Compile @cfg's expression for the session @info; put it in @c. */
static int kcap_compile_for(struct kcap_ctl *ctl,
			    const struct kcap_session_config *cfg,
			    const struct kcap_session_info *info,
			    struct kcap_filter *f, struct kcap_session_config *c)
{
	int err;

	if (info->flags & KCAP_SESSION_F_ANYDEV) {
		/* Never a live handle on "any": libpcap's own socket. */
		err = kcap_filter_compile(f, cfg->filter,
					  KCAP_LINKTYPE_LINUX_SLL2, NULL,
					  kcap_ctl_err(ctl));
		if (!err)
			err = kcap_filter_anydev(f, kcap_ctl_err(ctl));
	} else {
		err = kcap_filter_compile(f, cfg->filter, info->linktype,
					  info->state == KCAP_STATE_ATTACHED ?
					  info->ifname : NULL,
					  kcap_ctl_err(ctl));
	}
	if (!err)
		kcap_session_config_filter(c, f);
	return err;
}

/* An expression and a program at once: refused before anything is done. */
static int kcap_check_filter(struct kcap_ctl *ctl,
			     const struct kcap_session_config *cfg)
{
	kcap_error_clear(kcap_ctl_err(ctl));
	if ((cfg->set & KCAP_CFG_FILTER) && (cfg->set & KCAP_CFG_PROG))
		return kcap_error_set(kcap_ctl_err(ctl), -EINVAL,
				      KCAP_ERROR_SYSTEM,
				      "a filter expression or a program, not both");
	return 0;
}

/*
 * Create the session @cfg describes capturing nothing, compile its filter
 * expression for it, bind a reader to it if @r is given, then set the
 * direction and the filter in one change.  On failure the session is
 * deleted, and the handle keeps the error of the step that failed.
 */
static int kcap_session_start(struct kcap_ctl *ctl,
			      const struct kcap_session_config *cfg,
			      struct kcap_session_info *info,
			      struct kcap_reader **r)
{
	struct kcap_session_config c = *cfg;
	struct kcap_filter f = { 0 };
	struct kcap_error saved;
	int err;

	c.set = (c.set & ~(KCAP_CFG_FILTER | KCAP_CFG_PROG)) |
		KCAP_CFG_DIRECTION;
	c.direction = KCAP_DIR_OFF;
	err = kcap_session_request(ctl, KCAP_CMD_SESSION_NEW, &c, info);
	if (err)
		return err;

	memset(&c, 0, sizeof(c));
	c.id = info->id;
	c.set = KCAP_CFG_DIRECTION | (cfg->set & KCAP_CFG_PROG);
	c.direction = cfg->set & KCAP_CFG_DIRECTION ? cfg->direction :
						      KCAP_DIR_INOUT;
	c.prog = cfg->prog;
	c.prog_len = cfg->prog_len;
	c.filter = cfg->filter;
	if (cfg->set & KCAP_CFG_FILTER)
		err = kcap_compile_for(ctl, cfg, info, &f, &c);
	if (!err && r)
		err = kcap_reader_open(r, info->id, kcap_ctl_err(ctl));
	if (!err)
		err = kcap_session_request(ctl, KCAP_CMD_SESSION_SET, &c, info);
	kcap_filter_free(&f);
	if (!err)
		return 0;
	if (r) {
		kcap_reader_close(*r);
		*r = NULL;
	}
	/* @ctl may live on: an owned session would too. */
	saved = *kcap_ctl_err(ctl);
	kcap_session_del(ctl, NULL, info->id);
	*kcap_ctl_err(ctl) = saved;
	return err;
}

/* Set @cfg, its expression compiled for the session as @info finds it. */
static int kcap_session_set_compiled(struct kcap_ctl *ctl,
				     const struct kcap_session_config *cfg,
				     struct kcap_session_info *info)
{
	struct kcap_session_config c = *cfg;
	struct kcap_filter f = { 0 };
	int err;

	err = kcap_session_get(ctl, cfg->name, cfg->id, info);
	if (!err)
		err = kcap_compile_for(ctl, cfg, info, &f, &c);
	if (!err)
		err = kcap_session_request(ctl, KCAP_CMD_SESSION_SET, &c, info);
	kcap_filter_free(&f);
	return err;
}

/* NEW or SET: one request, or the steps a filter expression needs. */
static int kcap_session_config_cmd(struct kcap_ctl *ctl, uint8_t cmd,
				   const struct kcap_session_config *cfg,
				   struct kcap_session_info *info)
{
	struct kcap_session_info *scratch = NULL;
	int err;

	err = kcap_check_filter(ctl, cfg);
	if (err)
		return err;
	if (!(cfg->set & KCAP_CFG_FILTER))
		return kcap_session_request(ctl, cmd, cfg, info);
	if (!info) {
		info = scratch = malloc(sizeof(*info));
		if (!info)
			return kcap_error_set(kcap_ctl_err(ctl), -ENOMEM,
					      KCAP_ERROR_SYSTEM, NULL);
	}
	if (cmd == KCAP_CMD_SESSION_NEW)
		err = kcap_session_start(ctl, cfg, info, NULL);
	else
		err = kcap_session_set_compiled(ctl, cfg, info);
	free(scratch);
	return err;
}

int kcap_session_new(struct kcap_ctl *ctl,
		     const struct kcap_session_config *cfg,
		     struct kcap_session_info *info)
{
	return kcap_session_config_cmd(ctl, KCAP_CMD_SESSION_NEW, cfg, info);
}

int kcap_session_set(struct kcap_ctl *ctl,
		     const struct kcap_session_config *cfg,
		     struct kcap_session_info *info)
{
	return kcap_session_config_cmd(ctl, KCAP_CMD_SESSION_SET, cfg, info);
}

int kcap_capture_start(struct kcap_ctl *ctl,
		       const struct kcap_session_config *cfg,
		       struct kcap_session_info *info, struct kcap_reader **r)
{
	int err;

	*r = NULL;
	err = kcap_check_filter(ctl, cfg);
	if (err)
		return err;
	return kcap_session_start(ctl, cfg, info, r);
}

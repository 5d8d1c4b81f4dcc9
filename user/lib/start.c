// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: from a device and a filter to a bound reader, in the order
 * that keeps unfiltered frames out of the rings.
 */

#include <errno.h>
#include <string.h>

#include "internal.h"
#include "kcap.h"

int kcap_capture_start(struct kcap_ctl *ctl,
		       const struct kcap_session_config *cfg,
		       const char *filter, uint8_t direction,
		       struct kcap_session_info *info, struct kcap_reader **r,
		       char *errbuf, size_t errlen,
		       enum kcap_start_step *step)
{
	struct kcap_session_config c = *cfg;
	enum kcap_start_step at = KCAP_START_SESSION;
	struct kcap_filter f;
	int err;

	*r = NULL;
	if (errlen)
		errbuf[0] = '\0';
	/* Attached but capturing nothing until the reader is bound. */
	c.set = (c.set & ~KCAP_CFG_FILTER) | KCAP_CFG_DIRECTION;
	c.direction = KCAP_DIR_OFF;
	c.filter = NULL;
	c.filter_len = 0;
	c.filter_text = NULL;
	err = kcap_session_new(ctl, &c, info);
	if (err)
		goto out;

	at = KCAP_START_FILTER;
	err = kcap_filter_compile_dev(&f, filter,
				      info->state == KCAP_STATE_ATTACHED ?
				      info->ifname : NULL,
				      info->linktype, info->snaplen,
				      errbuf, errlen);
	if (err)
		goto del;

	at = KCAP_START_READER;
	err = kcap_reader_open(r, info->id);
	if (!err) {
		at = KCAP_START_SET;
		memset(&c, 0, sizeof(c));
		c.id = info->id;
		c.set = KCAP_CFG_DIRECTION;
		c.direction = direction;
		if (f.len)
			kcap_session_config_filter(&c, &f);
		err = kcap_session_set(ctl, &c, info);
	}
	kcap_filter_free(&f);
	if (!err)
		return 0;
	kcap_reader_close(*r);
	*r = NULL;
del:
	/* @ctl may live on: an owned session would too. */
	kcap_session_del_keep_error(ctl, info->id);
out:
	if (step)
		*step = at;
	return err;
}

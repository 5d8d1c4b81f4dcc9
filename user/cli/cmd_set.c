// SPDX-License-Identifier: GPL-2.0
/*
 * kcap set: change the direction, snaplen or filter of a live session, all
 * in one change.
 *
 *	kcap set NAME [direction in|out|inout|off] [snaplen N]
 *		 [filter EXPR|all]
 *
 * The snaplen is the one place frames are cut (filters keep whole
 * frames), so each of the three changes alone.
 */

#include <stdlib.h>

#include "cli.h"

/*
 * A change to a detached session is kept for when its device is back: say
 * so, since it captures nothing until then.
 */
static void set_warn_detached(struct kcap_ctl *ctl, const char *name)
{
	struct kcap_session_info *info = malloc(sizeof(*info));

	if (info && !kcap_session_get(ctl, name, 0, info) &&
	    info->state == KCAP_STATE_DETACHED)
		fprintf(stderr, "kcap: session '%s' is detached (device '%s' is gone): it captures nothing until a device of that name is back, with this change\n",
			name, info->ifname);
	free(info);
}

int cmd_set(int argc, char **argv)
{
	struct kcap_session_config cfg;
	struct kcap_ctl *ctl;
	int ret;

	ret = cli_open_ctl_after(set_parse(argc, argv, &cfg), &ctl);
	if (ret)
		return ret;
	if (kcap_session_set(ctl, &cfg, NULL))
		ret = cli_session_error(ctl, cfg.name, "cannot change");
	else
		set_warn_detached(ctl, cfg.name);
	kcap_ctl_close(ctl);
	return ret;
}

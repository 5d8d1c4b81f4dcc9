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

#include "cli.h"

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
	kcap_ctl_close(ctl);
	return ret;
}

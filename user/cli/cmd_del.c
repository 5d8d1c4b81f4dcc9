// SPDX-License-Identifier: GPL-2.0
/*
 * kcap del: destroy a session.  Its readers see the end of it once they
 * have read what its rings hold.
 *
 *	kcap del NAME
 */

#include "cli.h"

int cmd_del(int argc, char **argv)
{
	struct kcap_ctl *ctl;
	int ret;

	if (argc < 1)
		return cli_usage_error("del", "which session? NAME is needed");
	if (argc > 1)
		return cli_usage_error("del", "unexpected argument '%s'",
				       argv[1]);
	ret = cli_open_ctl_after(cli_session_name("del", argv[0]), &ctl);
	if (ret)
		return ret;
	if (kcap_session_del(ctl, argv[0], 0))
		ret = cli_session_error(ctl, argv[0], "cannot delete");
	kcap_ctl_close(ctl);
	return ret;
}

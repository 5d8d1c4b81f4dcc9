// SPDX-License-Identifier: GPL-2.0
/*
 * kcap del: destroy a session.  Its readers see the end of it once they
 * have read what its rings hold.
 *
 *	kcap del NAME
 */

#include <errno.h>

#include "cli.h"

int cmd_del(int argc, char **argv)
{
	struct kcap_ctl *ctl;
	int err, ret;

	if (argc < 1)
		return cli_usage_error("del", "which session? NAME is needed");
	if (argc > 1)
		return cli_usage_error("del", "unexpected argument '%s'",
				       argv[1]);
	if (!cli_valid_name(argv[0]))
		return cli_usage_error("del", "bad session name '%s'",
				       argv[0]);
	ret = cli_open_ctl(&ctl);
	if (ret)
		return ret;
	err = kcap_session_del(ctl, argv[0], 0);
	if (err == -ENOENT)
		ret = cli_fail("no session named '%s'", argv[0]);
	else if (err)
		ret = cli_ctl_error(ctl, err, "cannot delete session '%s'",
				    argv[0]);
	kcap_ctl_close(ctl);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kcap add: create a persistent session, which captures until 'kcap del'.
 *
 *	kcap add NAME dev DEV|any [direction in|out|inout|off] [snaplen N]
 *		 [filter EXPR] [ring-size BYTES] [hook netfilter|rx_handler|tap]
 *		 [nopromisc]
 *
 * libkcap compiles the filter for the device's link type, which only the
 * kernel knows: see kcap_session_new().
 */

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "cli.h"

int cmd_add(int argc, char **argv)
{
	struct kcap_session_config cfg;
	const struct kcap_error *e;
	struct kcap_ctl *ctl;
	int ret;

	ret = add_parse(argc, argv, &cfg);
	if (ret)
		return ret;
	if (strcmp(cfg.ifname, KCAP_ANY_DEVICE) && !if_nametoindex(cfg.ifname))
		return cli_fail("no such device '%s'", cfg.ifname);
	ret = cli_open_ctl(&ctl);
	if (ret)
		return ret;
	if (kcap_session_new(ctl, &cfg, NULL)) {
		e = kcap_ctl_error(ctl);
		ret = e->err == -ENODEV ?
		      cli_fail("no such device '%s'", cfg.ifname) :
		      cli_error(e, "cannot add session '%s'", cfg.name);
	}
	kcap_ctl_close(ctl);
	return ret;
}

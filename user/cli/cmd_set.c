// SPDX-License-Identifier: GPL-2.0
/*
 * kcap set: change the direction, snaplen or filter of a live session, all
 * in one change.
 *
 *	kcap set NAME [capture ingress|egress|bidirectional|off] [snaplen N]
 *		 [filter EXPR|all]
 *
 * A filter returns the snaplen it was compiled with; when only the snaplen
 * changes, the session's filter is compiled again from its text so that it
 * does not cut frames at the old one.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_set(int argc, char **argv)
{
	struct kcap_session_config cfg = { 0 };
	struct kcap_session_info *info = NULL;
	struct kcap_filter f = { 0 };
	char errbuf[KCAP_FILTER_ERRMAX];
	struct kcap_ctl *ctl = NULL;
	struct session_opts o;
	const char *expr;
	int err, ret;

	ret = set_parse(argc, argv, &o);
	if (ret)
		return ret;
	info = malloc(sizeof(*info));
	if (!info)
		return cli_fail("out of memory");
	ret = cli_open_ctl(&ctl);
	if (ret)
		goto out;

	cfg.name = o.name;
	if (o.dir_set) {
		cfg.set |= KCAP_CFG_DIRECTION;
		cfg.direction = o.direction;
	}
	if (o.snaplen_set) {
		cfg.set |= KCAP_CFG_SNAPLEN;
		cfg.snaplen = o.snaplen;
	}
	if (o.filter || o.snaplen_set) {
		err = kcap_session_get(ctl, o.name, 0, info);
		if (err == -ENOENT) {
			ret = cli_fail("no session named '%s'", o.name);
			goto out;
		}
		if (err) {
			ret = cli_ctl_error(ctl, err, "cannot find session "
					    "'%s'", o.name);
			goto out;
		}
		expr = o.filter;
		if (!expr && info->filter_len && info->filter_text[0])
			expr = info->filter_text;
		if (expr) {
			err = kcap_filter_compile_dev(&f, expr,
						      cli_filter_dev(info),
						      info->linktype,
						      o.snaplen_set ? o.snaplen :
						      info->snaplen,
						      errbuf, sizeof(errbuf));
			if (err) {
				ret = cli_filter_error(err, errbuf);
				goto out;
			}
			kcap_session_config_filter(&cfg, &f);
		}
	}
	err = kcap_session_set(ctl, &cfg, NULL);
	if (err == -ENOENT)
		ret = cli_fail("no session named '%s'", o.name);
	else if (err)
		ret = cli_ctl_error(ctl, err, "cannot change session '%s'",
				    o.name);
out:
	kcap_filter_free(&f);
	kcap_ctl_close(ctl);
	free(info);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kcap add: create a persistent session, which captures until 'kcap del'.
 *
 *	kcap add NAME dev DEV [capture ingress|egress|bidirectional|off]
 *		 [snaplen N] [filter EXPR] [ring-size BYTES]
 *		 [hook netfilter|rx_handler] [nopromisc]
 *
 * A filter is compiled for the device's link type, which only the kernel
 * knows: the session is then created capturing nothing, and the filter set
 * with the direction in one change.  If that fails the session is deleted.
 */

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Whether @expr is a filter: "", blanks and "all" are none. */
static bool add_has_filter(const char *expr)
{
	size_t len;

	if (!expr)
		return false;
	expr += strspn(expr, " \t\n");
	len = strlen(expr);
	while (len && strchr(" \t\n", expr[len - 1]))
		len--;
	return len && !(len == 3 && !strncmp(expr, "all", 3));
}

/* Compile @o->filter for the new session @info and set it. */
static int add_set_filter(struct kcap_ctl *ctl, const struct session_opts *o,
			  const struct kcap_session_info *info)
{
	char errbuf[KCAP_FILTER_ERRMAX];
	struct kcap_session_config cfg = {
		.name = o->name,
		.set = KCAP_CFG_DIRECTION | KCAP_CFG_FILTER,
		.direction = o->dir_set ? o->direction : KCAP_DIR_INOUT,
	};
	struct kcap_filter f;
	int err;

	err = kcap_filter_compile_dev(&f, o->filter, cli_filter_dev(info),
				      info->linktype, info->snaplen, errbuf,
				      sizeof(errbuf));
	if (err)
		return cli_filter_error(err, errbuf);
	kcap_session_config_filter(&cfg, &f);
	err = kcap_session_set(ctl, &cfg, NULL);
	kcap_filter_free(&f);
	if (err)
		return cli_ctl_error(ctl, err, "cannot set the filter of "
				     "session '%s'", o->name);
	return 0;
}

int cmd_add(int argc, char **argv)
{
	struct kcap_session_config cfg = { 0 };
	struct kcap_session_info *info = NULL;
	struct kcap_ctl *ctl = NULL;
	struct session_opts o;
	bool filter;
	int err, ret;

	ret = add_parse(argc, argv, &o);
	if (ret)
		return ret;
	if (!if_nametoindex(o.dev))
		return cli_fail("no such device '%s'", o.dev);
	info = malloc(sizeof(*info));
	if (!info)
		return cli_fail("out of memory");
	ret = cli_open_ctl(&ctl);
	if (ret)
		goto out;

	filter = add_has_filter(o.filter);
	cfg.name = o.name;
	cfg.ifname = o.dev;
	cfg.set = KCAP_CFG_FLAGS;
	cfg.flags = KCAP_SESSION_F_PERSISTENT |
		    (o.nopromisc ? KCAP_SESSION_F_NOPROMISC : 0);
	if (filter || o.dir_set) {
		cfg.set |= KCAP_CFG_DIRECTION;
		cfg.direction = filter ? KCAP_DIR_OFF : o.direction;
	}
	if (o.snaplen_set) {
		cfg.set |= KCAP_CFG_SNAPLEN;
		cfg.snaplen = o.snaplen;
	}
	if (o.ring_set) {
		cfg.set |= KCAP_CFG_RING_SIZE;
		cfg.ring_size = o.ring_size;
	}
	if (o.hook_set) {
		cfg.set |= KCAP_CFG_HOOK;
		cfg.hook = o.hook;
	}
	err = kcap_session_new(ctl, &cfg, info);
	if (err == -ENODEV) {
		ret = cli_fail("no such device '%s'", o.dev);
		goto out;
	}
	if (err) {
		ret = cli_ctl_error(ctl, err, "cannot add session '%s'",
				    o.name);
		goto out;
	}
	if (filter) {
		ret = add_set_filter(ctl, &o, info);
		if (ret)	/* not half made: it captured nothing yet */
			kcap_session_del(ctl, NULL, info->id);
	}
out:
	kcap_ctl_close(ctl);
	free(info);
	return ret;
}

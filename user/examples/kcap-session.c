// SPDX-License-Identifier: GPL-2.0
/*
 * kcap-session: libkcap's session calls from a program, as an appliance's
 * own daemon would make them.  The selftests drive it.
 *
 *	kcap-session add NAME DEV SNAPLEN [FILTER]
 *		a persistent session; libkcap compiles FILTER for the
 *		device (kcap_session_new() with KCAP_CFG_FILTER)
 *	kcap-session add-prog NAME DEV SNAPLEN FILTER
 *		the same with a program the caller compiled itself
 *		(kcap_filter_compile(), then KCAP_CFG_PROG), sent without
 *		its text, as a program not made from an expression is
 *	kcap-session del NAME
 *
 * Exit status 0, or 1 with libkcap's explanation on stderr:
 * "kcap-session: add: MESSAGE".
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kcap.h"

static int fail(const char *what, const struct kcap_error *e)
{
	fprintf(stderr, "kcap-session: %s: %s\n", what, e->msg);
	return 1;
}

/* A persistent session; with @own, of a program compiled here. */
static int add(struct kcap_ctl *ctl, char **argv, bool own)
{
	struct kcap_session_config cfg = {
		.name = argv[0], .ifname = argv[1],
		.set = KCAP_CFG_SNAPLEN | KCAP_CFG_FLAGS,
		.snaplen = (uint32_t)strtoul(argv[2], NULL, 0),
		.flags = KCAP_SESSION_F_PERSISTENT,
	};
	struct kcap_session_info info;
	struct kcap_filter f = { 0 };
	struct kcap_error e;
	int err;

	if (!own) {
		cfg.set |= KCAP_CFG_FILTER;
		cfg.filter = argv[3];
	} else {
		/* For Ethernet devices (LINKTYPE_ETHERNET), as here. */
		if (kcap_filter_compile(&f, argv[3], 1, argv[1], &e))
			return fail("compile", &e);
		kcap_session_config_filter(&cfg, &f);
		cfg.filter = NULL;	/* a program without an expression */
	}
	err = kcap_session_new(ctl, &cfg, &info);
	kcap_filter_free(&f);
	if (err)
		return fail("add", kcap_ctl_error(ctl));
	printf("session %s id %u on %s, snaplen %u, filter of %u "
	       "instructions\n", info.name, info.id, info.ifname, info.snaplen,
	       info.filter_len);
	return 0;
}

int main(int argc, char **argv)
{
	struct kcap_ctl *ctl;
	struct kcap_error e;
	int ret;

	if (argc < 3 || (strcmp(argv[1], "del") && argc < 5) ||
	    (!strcmp(argv[1], "add-prog") && argc < 6)) {
		fprintf(stderr, "usage: kcap-session add NAME DEV SNAPLEN "
			"[FILTER]\n"
			"       kcap-session add-prog NAME DEV SNAPLEN FILTER\n"
			"       kcap-session del NAME\n");
		return 2;
	}
	if (kcap_ctl_open(&ctl, &e))
		return fail("open", &e);
	if (!strcmp(argv[1], "del"))
		ret = kcap_session_del(ctl, argv[2], 0) ?
		      fail("del", kcap_ctl_error(ctl)) : 0;
	else
		ret = add(ctl, argv + 2, !strcmp(argv[1], "add-prog"));
	kcap_ctl_close(ctl);
	return ret;
}

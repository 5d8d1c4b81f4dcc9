// SPDX-License-Identifier: GPL-2.0
/*
 * kcap dump: read the rings of an existing session, typically a
 * persistent one made with 'kcap add', to a file or the terminal.
 *
 *	kcap dump NAME... [-w FILE|-] [-c COUNT] [-F pcap|pcapng] [--nano]
 *		  [-C MB] [-G SECONDS] [-W FILES] [-a KEY:VALUE]...
 *		  [--idle SECONDS]
 */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD		"dump"

static const struct option dump_longopts[] = {
	CLI_OUTPUT_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

int dump_parse(int argc, char **argv, struct dump_opts *o)
{
	char **av;
	int ret;

	memset(o, 0, sizeof(*o));
	ret = cli_output_parse(CMD, argc, argv, dump_longopts, &o->out, &av);
	if (!ret && optind > argc)
		ret = cli_usage_error(CMD, "which session? NAME is needed");
	for (; !ret && optind <= argc; optind++) {
		ret = cli_session_name(CMD, av[optind]);
		if (!ret && o->nr_names == KCAP_CAPTURE_MAX)
			ret = cli_usage_error(CMD, "more than %d sessions",
					      KCAP_CAPTURE_MAX);
		if (!ret)
			o->names[o->nr_names++] = av[optind];
	}
	if (!ret)
		ret = cli_output_check(CMD, &o->out);
	free(av);
	return ret;
}

/*
 * A detached session: its device is gone, and its rings give nothing but
 * what they held; refuse rather than listen and say at once that the
 * device went away.  0, or KCAP_EXIT_FAIL after a line.
 */
static int dump_check_attached(const struct kcap_capture *cap)
{
	const struct kcap_session_info *s;
	unsigned int i;

	for (i = 0; i < kcap_capture_nr(cap); i++) {
		s = kcap_capture_session(cap, i);
		if (s->state == KCAP_STATE_DETACHED)
			return cli_fail("session '%s' is detached: device '%s' is gone; it attaches again when a device of that name is back",
					s->name, s->ifname);
	}
	return 0;
}

/* A session that captures nothing is said to, not listened to silently. */
static void dump_warn_off(const struct kcap_capture *cap)
{
	const struct kcap_session_info *s;
	unsigned int i;

	for (i = 0; i < kcap_capture_nr(cap); i++) {
		s = kcap_capture_session(cap, i);
		if (s->direction == KCAP_DIR_OFF)
			fprintf(stderr, "kcap: session '%s' has direction off and captures nothing until 'kcap set %s direction inout' (or in, out)\n",
				s->name, s->name);
	}
}

int cmd_dump(int argc, char **argv)
{
	struct kcap_capture *cap = NULL;
	struct kcap_ctl *ctl = NULL;
	struct dump_opts o;
	int ret;

	ret = cli_open_ctl_after(dump_parse(argc, argv, &o), &ctl);
	if (ret)
		return ret;
	if (kcap_capture_attach(ctl, o.names, o.nr_names, &cap)) {
		ret = cli_error(kcap_ctl_error(ctl), NULL);
		goto out;
	}
	o.out.snaplen = KCAP_SNAPLEN_MAX;	/* kcap set may raise it */
	ret = dump_check_attached(cap);
	if (ret)
		goto out;
	dump_warn_off(cap);
	ret = cli_read_loop(cap, &o.out);
out:
	kcap_capture_close(cap);
	kcap_ctl_close(ctl);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kcap dump: read the rings of an existing session, typically a
 * persistent one made with 'kcap add', to a file or the terminal.
 *
 *	kcap dump NAME [-w FILE|-] [-c COUNT] [-F pcap|pcapng] [--nano]
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
	static const char optstr[] = ":" CLI_OUTPUT_OPTSTR;
	char **av;
	int opt, ret = 0;

	memset(o, 0, sizeof(*o));
	cli_output_init(&o->out);
	av = cli_getopt_argv("kcap " CMD, argc, argv);
	if (!av)
		return cli_fail("out of memory");
	while (!ret &&
	       (opt = getopt_long(argc + 1, av, optstr, dump_longopts,
				  NULL)) != -1) {
		ret = cli_output_option(CMD, opt, optarg, &o->out);
		if (ret < 0)
			ret = cli_getopt_error(CMD, av, opt, optstr);
	}
	if (!ret) {
		if (optind > argc)
			ret = cli_usage_error(CMD, "which session? NAME is "
					      "needed");
		else if (optind < argc)
			ret = cli_usage_error(CMD, "unexpected argument '%s'",
					      av[optind + 1]);
		else
			ret = cli_session_name(CMD, av[optind]);
		if (!ret)
			o->name = av[optind];
	}
	if (!ret)
		ret = cli_output_check(CMD, &o->out);
	free(av);
	return ret;
}

int cmd_dump(int argc, char **argv)
{
	struct kcap_session_info *info;
	struct kcap_reader *r = NULL;
	struct kcap_ctl *ctl = NULL;
	struct kcap_error e;
	struct dump_opts o;
	int ret;

	ret = dump_parse(argc, argv, &o);
	if (ret)
		return ret;
	info = malloc(sizeof(*info));
	if (!info)
		return cli_fail("out of memory");
	ret = cli_open_ctl(&ctl);
	if (ret)
		goto out;
	if (kcap_session_get(ctl, o.name, 0, info)) {
		ret = cli_session_error(ctl, o.name, "cannot find");
		goto out;
	}
	if (kcap_reader_open(&r, info->id, &e)) {
		ret = cli_error(&e, NULL);
		goto out;
	}
	cli_listening(info);
	o.out.snaplen = KCAP_SNAPLEN_MAX;	/* kcap set may raise it */
	ret = cli_read_loop(ctl, r, info, &o.out);
out:
	kcap_reader_close(r);
	kcap_ctl_close(ctl);
	free(info);
	return ret;
}

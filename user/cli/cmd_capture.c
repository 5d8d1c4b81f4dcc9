// SPDX-License-Identifier: GPL-2.0
/*
 * kcap capture: tcpdump's job through a kcap session of our own.
 *
 *	kcap capture -i DEV [-Q in|out|inout] [-s SNAPLEN] [-c COUNT]
 *		     [-w FILE|-] [-F pcap|pcapng] [--nano] [-B KiB] [-p]
 *		     [-C MB] [-G SECONDS] [-W FILES] [-a KEY:VALUE]...
 *		     [--idle SECONDS] [--hook netfilter|rx_handler]
 *		     [EXPRESSION...]
 *
 * The session is owned by our control socket, so it goes with the process
 * however that ends.  It is created capturing nothing, to learn the
 * device's link type; the filter is compiled for that, then set with the
 * direction in one change.
 */

#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define CMD		"capture"
#define MAX_KIB		(2U << 20)	/* -B: 2 GiB rings at most */

static const struct option capture_longopts[] = {
	CLI_OUTPUT_LONGOPTS,
	{ "hook", required_argument, NULL, 'H' },
	{ NULL, 0, NULL, 0 },
};

static uint32_t ring_size_of_kib(uint32_t kib)
{
	uint64_t bytes = (uint64_t)kib * 1024, size = KCAP_RING_SIZE_MIN;

	while (size < bytes)
		size <<= 1;
	return (uint32_t)size;
}

int capture_parse(int argc, char **argv, struct capture_opts *o)
{
	static const char optstr[] = ":i:Q:s:B:p" CLI_OUTPUT_OPTSTR;
	char **av;
	uint32_t kib;
	int opt, ret = 0;

	memset(o, 0, sizeof(*o));
	o->direction = KCAP_DIR_INOUT;
	o->snaplen = KCAP_SNAPLEN_DEFAULT;
	cli_output_init(&o->out);

	av = cli_getopt_argv("kcap " CMD, argc, argv);
	if (!av)
		return cli_fail("out of memory");
	while (!ret &&
	       (opt = getopt_long(argc + 1, av, optstr, capture_longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'i':
			o->dev = optarg;
			if (!optarg[0] || strlen(optarg) >= IFNAMSIZ)
				ret = cli_usage_error(CMD, "bad device name "
						      "'%s'", optarg);
			break;
		case 'Q':
			if (!cli_parse_q(optarg, &o->direction))
				ret = cli_usage_error(CMD, "-Q takes in, out or "
						      "inout, not '%s'",
						      optarg);
			break;
		case 's':
			if (!cli_parse_u32(optarg, 0, KCAP_SNAPLEN_MAX,
					   &o->snaplen))
				ret = cli_usage_error(CMD, "-s takes a snapshot "
						      "length of 0 to %d, not "
						      "'%s'", KCAP_SNAPLEN_MAX,
						      optarg);
			else if (!o->snaplen)
				o->snaplen = KCAP_SNAPLEN_MAX;
			break;
		case 'B':
			if (!cli_parse_u32(optarg, 1, MAX_KIB, &kib))
				ret = cli_usage_error(CMD, "-B takes a ring "
						      "size of 1 to %u KiB, "
						      "not '%s'", MAX_KIB,
						      optarg);
			else
				o->ring_size = ring_size_of_kib(kib);
			break;
		case 'p':
			o->nopromisc = true;
			break;
		case 'H':
			o->hook_set = true;
			if (!cli_parse_hook(optarg, &o->hook))
				ret = cli_usage_error(CMD, "--hook takes "
						      "netfilter or rx_handler, "
						      "not '%s'", optarg);
			break;
		default:
			ret = cli_output_option(CMD, opt, optarg, &o->out);
			if (ret < 0)
				ret = cli_getopt_error(CMD, av, opt, optstr);
		}
	}
	if (!ret && !o->dev)
		ret = cli_usage_error(CMD, "which device? -i DEV is needed");
	if (!ret)
		ret = cli_output_check(CMD, &o->out);
	if (!ret && optind <= argc) {
		o->filter = cli_join(argc + 1 - optind, av + optind);
		if (!o->filter)
			ret = cli_fail("out of memory");
	}
	free(av);
	if (ret) {
		free(o->filter);
		o->filter = NULL;
	}
	return ret;
}

/* Create the session, set its filter and direction, bind the reader. */
static int capture_start(struct kcap_ctl *ctl, const struct capture_opts *o,
			 struct kcap_session_info *info,
			 struct kcap_reader **r)
{
	char name[KCAP_NAME_MAX], errbuf[KCAP_FILTER_ERRMAX];
	struct kcap_session_config cfg = {
		.name = name, .ifname = o->dev,
		.set = KCAP_CFG_SNAPLEN, .snaplen = o->snaplen,
	};
	enum kcap_start_step step;
	int err;

	snprintf(name, sizeof(name), "kcap-%ld", (long)getpid());
	if (o->nopromisc) {
		cfg.set |= KCAP_CFG_FLAGS;
		cfg.flags = KCAP_SESSION_F_NOPROMISC;
	}
	if (o->hook_set) {
		cfg.set |= KCAP_CFG_HOOK;
		cfg.hook = o->hook;
	}
	if (o->ring_size) {
		cfg.set |= KCAP_CFG_RING_SIZE;
		cfg.ring_size = o->ring_size;
	}
	err = kcap_capture_start(ctl, &cfg, o->filter, o->direction, info, r,
				 errbuf, sizeof(errbuf), &step);
	if (!err)
		return 0;
	switch (step) {
	case KCAP_START_SESSION:
		if (err == -ENODEV)
			return cli_fail("no such device '%s'", o->dev);
		return cli_ctl_error(ctl, err, "cannot capture on %s", o->dev);
	case KCAP_START_FILTER:
		return cli_filter_error(err, errbuf);
	case KCAP_START_READER:
		return cli_reader_error(err);
	default:
		return cli_ctl_error(ctl, err, "cannot start capturing on %s",
				     o->dev);
	}
}

int cmd_capture(int argc, char **argv)
{
	struct kcap_session_info *info = NULL;
	struct kcap_reader *r = NULL;
	struct kcap_ctl *ctl = NULL;
	struct capture_opts o;
	int ret;

	ret = capture_parse(argc, argv, &o);
	if (ret)
		return ret;

	/* A clear line for a typo, before asking the module anything. */
	if (!if_nametoindex(o.dev)) {
		ret = cli_fail("no such device '%s'", o.dev);
		goto out;
	}
	info = malloc(sizeof(*info));
	if (!info) {
		ret = cli_fail("out of memory");
		goto out;
	}
	ret = cli_open_ctl(&ctl);
	if (ret)
		goto out;
	/* The session is ctl's: it lives until kcap_ctl_close(). */
	ret = capture_start(ctl, &o, info, &r);
	if (ret)
		goto out;
	cli_listening(info);
	ret = cli_capture_run(ctl, r, info, &o.out);
out:
	kcap_reader_close(r);
	kcap_ctl_close(ctl);
	free(info);
	free(o.filter);
	return ret;
}

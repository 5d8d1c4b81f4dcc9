// SPDX-License-Identifier: GPL-2.0
/*
 * kcap capture: tcpdump's job through a kcap session of our own.
 *
 *	kcap capture -i DEV [-i DEV]... [-Q in|out|inout] [-s SNAPLEN] [-c COUNT]
 *		     [-w FILE|-] [-F pcap|pcapng] [--nano] [-B KiB] [-p]
 *		     [-C MB] [-G SECONDS] [-W FILES] [-a KEY:VALUE]...
 *		     [--idle SECONDS] [--hook netfilter|rx_handler|tap]
 *		     [-e] [-q] [-v...] [-A|-x...|-X...] [-t...] [--print]
 *		     [--time-stamp-precision micro|nano] [EXPRESSION...]
 *	kcap capture -r FILE [-Q in|out|inout] [-c COUNT] [-w FILE|-]
 *		     [-F pcap|pcapng] [print flags] [EXPRESSION...]
 *	kcap capture -D
 *
 * -i any is a session on every device (libkcap's KCAP_ANY_DEVICE), of
 * Linux cooked v2 frames, never promiscuous, from the netfilter hook.
 *
 * A session per device, each owned by our control socket, so they go with
 * the process however that ends, read as one stream (kcap_capture_open()):
 * libkcap creates each capturing nothing, to learn the device's link type,
 * compiles the filter for that, maps the rings, then sets the filter with
 * the direction in one change.
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

/* -r FILE reads a file: what is about a device or a stop in time is not. */
static int read_check(const struct capture_opts *o)
{
	const struct cli_output *out = &o->out;

	if (o->nr_devs)
		return cli_usage_error(CMD, "-r reads a file: no -i with it");
	if (o->cfg.set & (KCAP_CFG_RING_SIZE | KCAP_CFG_FLAGS | KCAP_CFG_HOOK))
		return cli_usage_error(CMD, "-r reads a file: -B, -p and --hook are about devices");
	if (out->rotate_bytes || out->rotate_secs || out->stop_secs ||
	    out->stop_bytes || out->stop_packets || out->stop_files ||
	    out->idle_secs)
		return cli_usage_error(CMD, "-r reads a file: -C, -G, -W, -a and --idle are for live captures; -c stops");
	if (out->listen)
		return cli_usage_error(CMD, "-r reads a file: --listen serves a live capture");
	if (out->kafka)
		return cli_usage_error(CMD, "-r reads a file: --kafka produces a live capture");
	if (out->file && !strcmp(out->file, o->read_file) &&
	    strcmp(out->file, "-"))
		return cli_usage_error(CMD, "-r and -w name the same file");
	return 0;
}

/*
 * A capture of one device into a file, and nothing else of its frames (no
 * lines, no stream): its session's rings hold what the file holds, pcap
 * records of its resolution or pcapng blocks, which the file takes a run
 * at a time, as they are.  Not when the file's snaplen would cut them,
 * nor from a module older than ring formats (or than pcapng's).
 */
static void capture_ring_format(struct capture_opts *o, struct kcap_ctl *ctl)
{
	const struct cli_output *out = &o->out;
	uint64_t max;
	uint32_t snaplen = o->cfg.set & KCAP_CFG_SNAPLEN ? o->cfg.snaplen :
			   KCAP_SNAPLEN_DEFAULT;

	if (kcap_ctl_module_older(ctl, KCAP_ATTR_RING_FORMAT) ||
	    o->nr_devs != 1 || !out->file || out->print_too || out->listen ||
	    out->kafka || (out->snaplen && out->snaplen < snaplen))
		return;
	if (out->format == KCAP_FORMAT_PCAPNG) {
		if (kcap_ctl_attr_max(ctl, KCAP_CMD_SESSION_NEW,
				      KCAP_ATTR_RING_FORMAT, &max) ||
		    max < KCAP_RING_FORMAT_PCAPNG)
			return;
		o->cfg.ring_format = KCAP_RING_FORMAT_PCAPNG;
	} else {
		o->cfg.ring_format = out->nano ? KCAP_RING_FORMAT_PCAP_NSEC :
						 KCAP_RING_FORMAT_PCAP;
	}
	o->cfg.set |= KCAP_CFG_RING_FORMAT;
}

/* Is one of the devices "any", every device? */
static bool capture_any(const struct capture_opts *o)
{
	unsigned int i;

	for (i = 0; i < o->nr_devs; i++) {
		if (!strcmp(o->devs[i], KCAP_ANY_DEVICE))
			return true;
	}
	return false;
}

int capture_parse(int argc, char **argv, struct capture_opts *o)
{
	static const char optstr[] = ":i:Q:s:B:pDr:" CLI_OUTPUT_OPTSTR;
	struct kcap_session_config *cfg = &o->cfg;
	uint32_t kib;
	char **av;
	int opt, ret;

	memset(o, 0, sizeof(*o));
	cfg->set = KCAP_CFG_DIRECTION | KCAP_CFG_SNAPLEN;
	cfg->direction = KCAP_DIR_INOUT;
	cfg->snaplen = KCAP_SNAPLEN_DEFAULT;
	cli_output_init(&o->out);

	ret = cli_getopt_argv("kcap " CMD, argc, argv, &av);
	while (!ret &&
	       (opt = cli_getopt(argc, av, optstr, capture_longopts)) != -1) {
		switch (opt) {
		case 'i':	/* again for more devices, as dumpcap */
			if (!optarg[0] || strlen(optarg) >= IFNAMSIZ)
				ret = cli_invalid(CMD, "-i device name",
						  optarg, "1 to 15 bytes");
			else if (o->nr_devs == KCAP_CAPTURE_MAX)
				ret = cli_usage_error(CMD, "more than %d -i",
						      KCAP_CAPTURE_MAX);
			else
				o->devs[o->nr_devs++] = optarg;
			break;
		case 'Q':
			if (!cli_parse_direction(optarg, &cfg->direction) ||
			    cfg->direction == KCAP_DIR_OFF)
				ret = cli_invalid(CMD, "-Q direction", optarg,
						  "in, out or inout");
			break;
		case 's':
			ret = cli_number32(CMD, "-s snapshot length", optarg,
					   0, KCAP_SNAPLEN_MAX, "bytes",
					   &cfg->snaplen);
			if (!ret && !cfg->snaplen)
				cfg->snaplen = KCAP_SNAPLEN_MAX;
			break;
		case 'B':
			ret = cli_number32(CMD, "-B buffer size", optarg, 1,
					   MAX_KIB, "KiB", &kib);
			if (!ret) {
				cfg->set |= KCAP_CFG_RING_SIZE;
				cfg->ring_size = ring_size_of_kib(kib);
			}
			break;
		case 'p':
			cfg->set |= KCAP_CFG_FLAGS;
			cfg->flags = KCAP_SESSION_F_NOPROMISC;
			break;
		case 'D':	/* tcpdump -D */
			o->list_devices = true;
			break;
		case 'r':
			o->read_file = optarg;
			if (!optarg[0])
				ret = cli_invalid(CMD, "-r file", optarg,
						  "a file name or -");
			break;
		case 'H':
			cfg->set |= KCAP_CFG_HOOK;
			ret = cli_hook_arg(CMD, "--hook", optarg, &cfg->hook);
			break;
		default:
			ret = cli_output_option(CMD, opt, optarg, &o->out);
			if (ret < 0)
				ret = cli_getopt_error(CMD, av, opt, optstr);
		}
	}
	if (!ret && (cfg->set & KCAP_CFG_HOOK) &&
	    cfg->hook != KCAP_HOOK_NETFILTER && capture_any(o))
		ret = cli_usage_error(CMD, "-i any captures from the netfilter hook: no --hook %s",
				      cli_hook_word(cfg->hook));
	if (!ret && o->read_file)
		ret = read_check(o);
	else if (!ret && !o->nr_devs && !o->list_devices)
		ret = cli_usage_error(CMD, "which device? -i DEV is needed");
	if (!ret)
		ret = cli_output_check(CMD, &o->out);
	if (!ret && optind <= argc) {
		o->filter = cli_join(argc + 1 - optind, av + optind);
		if (!o->filter)
			ret = cli_fail("out of memory");
		cfg->set |= KCAP_CFG_FILTER;
		cfg->filter = o->filter;
	}
	free(av);
	if (ret) {
		free(o->filter);
		o->filter = NULL;
	}
	return ret;
}

int cmd_capture(int argc, char **argv)
{
	struct kcap_capture *cap = NULL;
	struct kcap_ctl *ctl = NULL;
	const struct kcap_error *e;
	struct capture_opts o;
	char name[KCAP_NAME_MAX];
	unsigned int i;
	int ret;

	ret = capture_parse(argc, argv, &o);
	if (ret)
		return ret;
	if (o.list_devices) {
		free(o.filter);
		return cmd_list_devices(0, NULL);
	}
	if (o.read_file) {
		ret = cli_read_file(&o);
		free(o.filter);
		return ret;
	}

	/* A clear line for a typo, before asking the module anything. */
	for (i = 0; i < o.nr_devs; i++) {
		if (strcmp(o.devs[i], KCAP_ANY_DEVICE) &&
		    !if_nametoindex(o.devs[i])) {
			ret = cli_fail("no such device '%s'", o.devs[i]);
			goto out;
		}
	}
	ret = cli_open_ctl(&ctl);
	if (ret)
		goto out;
	/* Owned by ctl: the sessions live until kcap_ctl_close(). */
	snprintf(name, sizeof(name), "kcap-%ld", (long)getpid());
	o.cfg.name = name;
	capture_ring_format(&o, ctl);
	if (kcap_capture_open(ctl, &o.cfg, o.devs, o.nr_devs, &cap)) {
		e = kcap_ctl_error(ctl);
		ret = e->err == -ENODEV ?
		      cli_fail("no such device '%s'", o.devs[0]) :
		      cli_error(e, "cannot capture on %s", o.devs[0]);
		goto out;
	}
	ret = cli_read_loop(cap, &o.out);
out:
	kcap_capture_close(cap);
	kcap_ctl_close(ctl);
	free(o.filter);
	return ret;
}

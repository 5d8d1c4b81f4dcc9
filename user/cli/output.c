// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): the output options that capture and dump share (-w, -c, -F,
 * --nano, -C, -G, -W, -a, --idle), the names of rotated files and the
 * decisions of when to rotate and when to stop, apart from the capture
 * loop that acts on them.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define MB		1000000ULL	/* -C, as tcpdump's */
#define KB		1000ULL		/* -a filesize, as dumpcap's */

void cli_output_init(struct cli_output *o)
{
	memset(o, 0, sizeof(*o));
	o->format = KCAP_FORMAT_PCAP;
}

struct cli_autostop_key {
	const char	*key;
	const char	*unit;
};

static const struct cli_autostop_key cli_autostop_keys[] = {
	{ "duration", "seconds" },
	{ "filesize", "kB" },
	{ "packets", "packets" },
	{ "files", "files" },
};

/* -a KEY:VALUE */
static int cli_parse_autostop(const char *cmd, const char *arg,
			      struct cli_output *o)
{
	const char *colon = strchr(arg, ':');
	uint64_t v;
	size_t i, len;

	len = colon ? (size_t)(colon - arg) : 0;
	for (i = 0; i < sizeof(cli_autostop_keys) /
			sizeof(cli_autostop_keys[0]); i++) {
		if (len == strlen(cli_autostop_keys[i].key) &&
		    !strncmp(arg, cli_autostop_keys[i].key, len))
			break;
	}
	if (!colon || i == sizeof(cli_autostop_keys) /
			    sizeof(cli_autostop_keys[0]))
		return cli_usage_error(cmd, "-a takes duration:SECONDS, "
				       "filesize:KB, packets:N or files:N, "
				       "not '%s'", arg);
	if (!cli_parse_u64(colon + 1, 1, i == 1 ? UINT64_MAX / KB :
			   UINT64_MAX / 1000, &v))
		return cli_usage_error(cmd, "-a %s takes a number of %s of 1 "
				       "or more, not '%s'",
				       cli_autostop_keys[i].key,
				       cli_autostop_keys[i].unit, colon + 1);
	switch (i) {
	case 0:
		o->stop_secs = v;
		break;
	case 1:
		o->stop_bytes = v * KB;
		break;
	case 2:
		o->stop_packets = v;
		break;
	default:
		o->stop_files = v;
	}
	return 0;
}

int cli_output_option(const char *cmd, int opt, const char *arg,
		      struct cli_output *o)
{
	uint64_t v;

	switch (opt) {
	case 'w':
		o->file = arg;
		if (!arg[0])
			return cli_usage_error(cmd, "-w takes a file name or -");
		return 0;
	case 'c':
		if (!cli_parse_u64(arg, 1, UINT64_MAX, &o->count))
			return cli_usage_error(cmd, "-c takes a packet count "
					       "of 1 or more, not '%s'", arg);
		return 0;
	case 'F':
		o->format_set = true;
		if (!cli_parse_format(arg, &o->format))
			return cli_usage_error(cmd, "-F takes pcap or pcapng, "
					       "not '%s'", arg);
		return 0;
	case CLI_OPT_NANO:
		o->nano = true;
		return 0;
	case 'C':
		if (!cli_parse_u64(arg, 1, UINT64_MAX / MB, &v))
			return cli_usage_error(cmd, "-C takes a file size in "
					       "MB (1000000 bytes) of 1 or "
					       "more, not '%s'", arg);
		o->rotate_bytes = v * MB;
		return 0;
	case 'G':
		if (!cli_parse_u64(arg, 1, UINT64_MAX / 1000,
				   &o->rotate_secs))
			return cli_usage_error(cmd, "-G takes a number of "
					       "seconds of 1 or more, not "
					       "'%s'", arg);
		return 0;
	case 'W':
		if (!cli_parse_u32(arg, 1, CLI_RING_FILES_MAX,
				   &o->ring_files))
			return cli_usage_error(cmd, "-W takes a number of files "
					       "of 1 to %u, not '%s'",
					       CLI_RING_FILES_MAX, arg);
		return 0;
	case 'a':
		return cli_parse_autostop(cmd, arg, o);
	case CLI_OPT_IDLE:
		if (!cli_parse_u64(arg, 1, UINT64_MAX / 1000, &o->idle_secs))
			return cli_usage_error(cmd, "--idle takes a number of "
					       "seconds of 1 or more, not "
					       "'%s'", arg);
		return 0;
	}
	return -1;
}

int cli_output_check(const char *cmd, const struct cli_output *o)
{
	bool to_file = o->file && strcmp(o->file, "-");

	if (o->format_set && !o->file)
		return cli_usage_error(cmd, "-F needs -w FILE");
	if ((o->rotate_bytes || o->rotate_secs) && !to_file)
		return cli_usage_error(cmd, "-%c needs -w FILE (not -)",
				       o->rotate_bytes ? 'C' : 'G');
	if (o->ring_files && !o->rotate_bytes && !o->rotate_secs)
		return cli_usage_error(cmd, "-W needs -C or -G");
	if (o->stop_bytes && !o->file)
		return cli_usage_error(cmd, "-a filesize needs -w FILE");
	if (o->stop_files && !o->rotate_bytes && !o->rotate_secs)
		return cli_usage_error(cmd, "-a files needs -C or -G");
	return 0;
}

/* How many digits tcpdump gives the numbers of -W files: those of N - 1. */
static int cli_ring_digits(uint32_t n)
{
	int d = 0;

	for (n--; n; n /= 10)
		d++;
	return d;
}

int cli_file_name(char *buf, size_t size, const struct cli_output *o,
		  uint64_t seq, time_t when)
{
	char base[CLI_PATH_MAX];
	struct tm tm;
	int n, width;

	if (o->rotate_secs) {
		if (!localtime_r(&when, &tm))
			return -EINVAL;
		if (!strftime(base, sizeof(base), o->file, &tm))
			return -ENAMETOOLONG;
	} else if (snprintf(base, sizeof(base), "%s", o->file) >=
		   (int)sizeof(base)) {
		return -ENAMETOOLONG;
	}
	if (!o->rotate_bytes) {
		n = snprintf(buf, size, "%s", base);
	} else if (o->ring_files) {
		width = cli_ring_digits(o->ring_files);
		seq %= o->ring_files;
		if (!width)	/* -W 1: the one file, FILE */
			n = snprintf(buf, size, "%s", base);
		else
			n = snprintf(buf, size, "%s%0*llu", base, width,
				     (unsigned long long)seq);
	} else if (!seq) {
		n = snprintf(buf, size, "%s", base);
	} else {
		n = snprintf(buf, size, "%s%llu", base,
			     (unsigned long long)seq);
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

enum cli_step cli_before_packet(const struct cli_output *o,
				const struct cli_progress *p, uint64_t rec,
				uint64_t now_ms, enum cli_stop *why)
{
	bool rotate;

	*why = CLI_STOP_NONE;
	if (o->stop_secs && now_ms - p->start_ms >= o->stop_secs * 1000) {
		*why = CLI_STOP_DURATION;
		return CLI_STEP_STOP;
	}
	if (o->stop_bytes && p->file_packets &&
	    p->file_bytes + rec > o->stop_bytes) {
		*why = CLI_STOP_FILESIZE;
		return CLI_STEP_STOP;
	}
	rotate = (o->rotate_bytes && p->file_packets &&
		  p->file_bytes + rec > o->rotate_bytes) ||
		 (o->rotate_secs &&
		  now_ms - p->file_ms >= o->rotate_secs * 1000);
	if (!rotate)
		return CLI_STEP_WRITE;
	if (o->stop_files && p->files >= o->stop_files) {
		*why = CLI_STOP_FILES;
		return CLI_STEP_STOP;
	}
	return CLI_STEP_ROTATE;
}

enum cli_stop cli_stop_after_packet(const struct cli_output *o,
				    const struct cli_progress *p)
{
	if (o->count && p->packets >= o->count)
		return CLI_STOP_COUNT;
	if (o->stop_packets && p->packets >= o->stop_packets)
		return CLI_STOP_PACKETS;
	return CLI_STOP_NONE;
}

enum cli_stop cli_stop_on_timeout(const struct cli_output *o,
				  const struct cli_progress *p,
				  uint64_t now_ms)
{
	if (o->stop_secs && now_ms - p->start_ms >= o->stop_secs * 1000)
		return CLI_STOP_DURATION;
	if (o->idle_secs && now_ms - p->last_ms >= o->idle_secs * 1000)
		return CLI_STOP_IDLE;
	return CLI_STOP_NONE;
}

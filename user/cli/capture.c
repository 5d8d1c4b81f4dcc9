// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): what capture and dump share: reading a session's rings into a
 * capture file or onto the terminal until told to stop, then tcpdump's
 * summary.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define KCAP_DEV_PATH		"/dev/" KCAP_DEVICE_NAME
#define CLI_POLL_MS		250	/* how late a signal may be seen */
#define CLI_STATS_EVERY_MS	1000	/* counters kept in case the session goes */

static volatile sig_atomic_t cli_stop_signal;

static void cli_on_signal(int sig)
{
	cli_stop_signal = sig;
}

/* Stop on SIGINT, SIGTERM and SIGHUP; take a closed pipe as an error. */
static void cli_signals(bool install)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		memset(&sa, 0, sizeof(sa));
		sigemptyset(&sa.sa_mask);
		/* No SA_RESTART: poll() must return at once. */
		sa.sa_handler = !install ? SIG_DFL :
				sigs[i] == SIGPIPE ? SIG_IGN : cli_on_signal;
		sigaction(sigs[i], &sa, NULL);
	}
	cli_stop_signal = 0;
}

/* "kcap: listening on eth0, link-type EN10MB (Ethernet), ..." */
void cli_listening(const struct kcap_session_info *s)
{
	const char *name = kcap_linktype_name(s->linktype);
	const char *desc = kcap_linktype_description(s->linktype);

	fflush(stdout);
	if (name)
		fprintf(stderr, "kcap: listening on %s, link-type %s (%s), "
			"snapshot length %u bytes\n", s->ifname, name,
			desc ? desc : name, s->snaplen);
	else
		fprintf(stderr, "kcap: listening on %s, link-type %u, "
			"snapshot length %u bytes\n", s->ifname, s->linktype,
			s->snaplen);
}

int cli_open_reader(struct kcap_reader **r, uint32_t id)
{
	int err = kcap_reader_open(r, id);

	if (!err)
		return 0;
	if (err == -ENOENT && access(KCAP_DEV_PATH, F_OK))
		return cli_fail("%s", kcap_strerror_hint(-ENOENT));
	if (err == -EPERM || err == -EACCES)
		return cli_fail("permission denied opening " KCAP_DEV_PATH
				": run as root (needs CAP_NET_RAW)");
	if (err == -EPROTO)
		return cli_fail("the kcap module's ring layout is not one this "
				"kcap knows: install matching module and tool");
	return cli_fail("cannot map the session's rings: %s", strerror(-err));
}

static uint64_t cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct cli_capture {
	struct kcap_ctl			*ctl;
	struct kcap_reader		*r;
	const struct kcap_session_info	*info;
	const struct cli_output		*out;
	struct kcap_writer		*w;
	uint64_t			captured;
	struct kcap_stats		stats;	/* the last known */
	uint64_t			stats_ms;
	bool				hup;
	bool				out_closed;	/* EPIPE: just stop */
	int				status;
};

static void cli_refresh_stats(struct cli_capture *c)
{
	struct kcap_stats st;

	if (!kcap_session_stats(c->ctl, NULL, c->info->id, &st))
		c->stats = st;
	c->stats_ms = cli_now_ms();
}

static int cli_output_open(struct cli_capture *c)
{
	const struct kcap_session_info *s = c->info;
	const struct cli_output *o = c->out;
	uint32_t snaplen = o->snaplen ? o->snaplen : s->snaplen;
	int err;

	if (!o->file)
		return 0;
	err = kcap_writer_open(&c->w, o->file, o->format, (int)s->linktype,
			       snaplen, o->nano);
	if (!err && o->format == KCAP_FORMAT_PCAPNG)
		err = kcap_writer_add_interface(c->w, s->ifindex, s->ifname,
						(int)s->linktype, snaplen);
	if (err) {
		kcap_writer_close(c->w);
		c->w = NULL;
		return cli_fail("cannot write '%s': %s",
				strcmp(o->file, "-") ? o->file : "stdout",
				strerror(-err));
	}
	return 0;
}

/* A failed write: stop, and fail unless the reader of a pipe went away. */
static void cli_output_error(struct cli_capture *c, int err)
{
	if (err == -EPIPE) {
		c->out_closed = true;
		if (!c->w) {	/* nothing more can reach stdout */
			__fpurge(stdout);
			clearerr(stdout);
		}
		return;
	}
	c->status = cli_fail("writing '%s': %s",
			     c->out->file && strcmp(c->out->file, "-") ?
			     c->out->file : "stdout", strerror(-err));
}

static int cli_output_packet(struct cli_capture *c,
			     const struct kcap_packet *pkt)
{
	char line[512];
	int err;

	if (c->w) {
		err = kcap_writer_write(c->w, &pkt->frame);
		if (err) {
			cli_output_error(c, err);
			return err;
		}
		return 0;
	}
	cli_format_packet(line, sizeof(line), pkt, c->info->linktype,
			  c->out->nano);
	if (puts(line) == EOF) {
		cli_output_error(c, errno ? -errno : -EIO);
		return -EIO;
	}
	return 0;
}

/* What is buffered goes out while the rings are idle. */
static int cli_output_flush(struct cli_capture *c)
{
	int err = 0;

	if (c->w)
		err = kcap_writer_flush(c->w);
	else if (fflush(stdout) == EOF)
		err = errno ? -errno : -EIO;
	if (err)
		cli_output_error(c, err);
	return err;
}

static void cli_capture_loop(struct cli_capture *c)
{
	struct kcap_packet pkt;
	int ret;

	while (!cli_stop_signal) {
		ret = kcap_reader_next(c->r, &pkt, CLI_POLL_MS);
		if (ret == KCAP_READ_PACKET) {
			if (cli_output_packet(c, &pkt))
				return;
			c->captured++;
			if (c->out->count && c->captured >= c->out->count)
				return;
			continue;
		}
		if (ret == KCAP_READ_HUP) {
			c->hup = true;
			return;
		}
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			c->status = cli_fail("reading the rings of session "
					     "'%s': %s", c->info->name,
					     ret == -EBADMSG ?
					     "corrupt record" :
					     strerror(-ret));
			return;
		}
		if (cli_output_flush(c))
			return;
		if (cli_now_ms() - c->stats_ms >= CLI_STATS_EVERY_MS)
			cli_refresh_stats(c);
	}
}

/* Why the session hung up: it was deleted, or its device went away. */
static void cli_report_hup(struct cli_capture *c)
{
	struct kcap_session_info *now = malloc(sizeof(*now));
	int err = now ? kcap_session_get(c->ctl, NULL, c->info->id, now) :
			-ENOMEM;

	if (err == -ENOENT)
		c->status = cli_fail("session '%s' was deleted: capture "
				     "stopped", c->info->name);
	else
		c->status = cli_fail("device '%s' went away: capture stopped",
				     c->info->ifname);
	free(now);
}

int cli_capture_run(struct kcap_ctl *ctl, struct kcap_reader *r,
		    const struct kcap_session_info *info,
		    const struct cli_output *out)
{
	struct cli_capture c = {
		.ctl = ctl, .r = r, .info = info, .out = out,
		.status = KCAP_EXIT_OK,
	};
	int err;

	if (cli_output_open(&c))
		return KCAP_EXIT_FAIL;
	cli_refresh_stats(&c);
	cli_signals(true);
	cli_capture_loop(&c);

	cli_refresh_stats(&c);
	if (c.w) {
		if (out->format == KCAP_FORMAT_PCAPNG)
			kcap_writer_set_stats(c.w, info->ifindex,
					      c.stats.passed,
					      c.stats.dropped);
		err = kcap_writer_close(c.w);
		if (err && !c.status && !c.out_closed)
			cli_output_error(&c, err);
	} else if (!c.out_closed) {
		cli_output_flush(&c);
	}
	if (c.hup)
		cli_report_hup(&c);
	cli_signals(false);

	fflush(stdout);
	fprintf(stderr, "%llu packets captured\n",
		(unsigned long long)c.captured);
	fprintf(stderr, "%llu packets received by filter\n",
		(unsigned long long)c.stats.passed);
	fprintf(stderr, "%llu packets dropped by kernel\n",
		(unsigned long long)c.stats.dropped);
	return c.status;
}

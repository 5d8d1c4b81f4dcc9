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

#define CLI_POLL_MS		250	/* how late a signal may be seen */
#define CLI_STATS_EVERY_MS	1000	/* counters kept in case the session goes */
#define CLI_STATUS_EVERY_MS	1000	/* the live status line */
#define CLI_FLUSH_BYTES		16384	/* written out at least this often */
#define CLI_CLOCK_EVERY		256	/* frames between readings of the clock */

static volatile sig_atomic_t cli_stop_signal;
static volatile sig_atomic_t cli_usr1;

static void cli_on_signal(int sig)
{
	cli_stop_signal = sig;
}

static void cli_on_usr1(int sig)
{
	(void)sig;
	cli_usr1 = 1;
}

/*
 * Stop on SIGINT, SIGTERM and SIGHUP; take a closed pipe as an error;
 * SIGUSR1 prints the summary.
 */
static void cli_signals(bool install)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGUSR1 };
	struct sigaction sa;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		memset(&sa, 0, sizeof(sa));
		sigemptyset(&sa.sa_mask);
		/* No SA_RESTART: poll() must return at once. */
		sa.sa_handler = !install ? SIG_DFL :
				sigs[i] == SIGPIPE ? SIG_IGN :
				sigs[i] == SIGUSR1 ? cli_on_usr1 :
				cli_on_signal;
		sigaction(sigs[i], &sa, NULL);
	}
	cli_stop_signal = 0;
	cli_usr1 = 0;
}

/*
 * "kcap: listening on eth0, link-type EN10MB (Ethernet), ...", as
 * tcpdump's line; with several devices, their names joined ("eth0 and
 * eth1") and each link type where they differ.
 */
void cli_listening(const struct kcap_capture *cap)
{
	const struct kcap_session_info *s = kcap_capture_session(cap, 0);
	unsigned int i, n = kcap_capture_nr(cap);
	bool same = true;

	for (i = 1; i < n; i++)
		same = same && kcap_capture_session(cap, i)->linktype ==
			       s->linktype;
	fflush(stdout);
	fprintf(stderr, "kcap: listening on ");
	for (i = 0; i < n; i++) {
		s = kcap_capture_session(cap, i);
		fprintf(stderr, "%s%s", i ? (i + 1 < n ? ", " : " and ") : "",
			s->ifname);
		if (!same)
			fprintf(stderr, " (%s)", cli_linktype(s->linktype));
	}
	if (same)
		fprintf(stderr, ", link-type %s", cli_linktype(s->linktype));
	fprintf(stderr, ", snapshot length %u bytes\n", s->snaplen);
}

static uint64_t cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct cli_loop {
	struct kcap_capture		*cap;
	unsigned int			nr;	/* its sessions */
	const struct cli_output		*out;
	struct kcap_writer		*w;
	uint64_t			flushed;	/* w's bytes written out */
	char				name[CLI_PATH_MAX];	/* w's */
	char				**ring;	/* -W: each slot's last name */
	struct cli_progress		p;
	enum cli_stop			why;
	struct kcap_stats		stats;	/* the last known, summed */
	struct kcap_stats		*each;	/* and of each session */
	uint64_t			stats_ms;
	bool				status;	/* the live status line */
	uint64_t			status_ms;
	uint64_t			status_packets;
	uint64_t			now_ms;		/* cli_clock()'s */
	unsigned int			clock_left;	/* frames until read */
	bool				status_shown;
	bool				hup;
	bool				out_closed;	/* EPIPE: just stop */
	int				status_ret;
};

static void cli_refresh_stats(struct cli_loop *c)
{
	struct kcap_stats st;
	unsigned int i;

	memset(&c->stats, 0, sizeof(c->stats));
	for (i = 0; i < c->nr; i++) {
		/* A session that went away keeps its last counters. */
		if (!kcap_capture_stats(c->cap, i, &st))
			c->each[i] = st;
		c->stats.passed += c->each[i].passed;
		c->stats.dropped += c->each[i].dropped;
	}
	c->stats_ms = cli_now_ms();
}

/*
 * The time for the decisions taken per frame (rotation, stop conditions):
 * read after every wait and every CLI_CLOCK_EVERY frames, not per frame.
 * Where the clock source has no vDSO (HPET in many VMs) clock_gettime(2)
 * is a system call, which per frame costs more than the rest of the
 * reader; a frame is at worst CLI_CLOCK_EVERY frames' time late here.
 */
static uint64_t cli_clock(struct cli_loop *c)
{
	if (!c->clock_left) {
		c->now_ms = cli_now_ms();
		c->clock_left = CLI_CLOCK_EVERY;
	}
	c->clock_left--;
	return c->now_ms;
}

static const char *cli_out_name(const struct cli_loop *c)
{
	if (!c->out->file || !strcmp(c->out->file, "-"))
		return "stdout";
	return c->name;
}

/* The next file: named, its slot in the -W ring taken, opened. */
static int cli_file_open(struct cli_loop *c)
{
	const struct kcap_session_info *s = kcap_capture_session(c->cap, 0);
	const struct cli_output *o = c->out;
	uint32_t snaplen = o->snaplen;
	unsigned int i;
	char **slot;
	int err;

	for (i = 0; !o->snaplen && i < c->nr; i++)
		if (kcap_capture_session(c->cap, i)->snaplen > snaplen)
			snaplen = kcap_capture_session(c->cap, i)->snaplen;

	if (!strcmp(o->file, "-")) {
		snprintf(c->name, sizeof(c->name), "-");
	} else {
		err = cli_file_name(c->name, sizeof(c->name), o, c->p.files,
				    time(NULL));
		if (err)
			return cli_fail("cannot name the file of '%s': %s",
					o->file, strerror(-err));
	}
	if (c->ring) {
		/* A name of -G that the ring drops goes; the same is reused. */
		slot = &c->ring[c->p.files % o->ring_files];
		if (*slot && strcmp(*slot, c->name))
			unlink(*slot);
		free(*slot);
		*slot = strdup(c->name);
	}
	err = kcap_writer_open(&c->w, c->name, o->format, (int)s->linktype,
			       snaplen, o->nano);
	/* An interface per device; two sessions on one device share it. */
	for (i = 0; !err && o->format == KCAP_FORMAT_PCAPNG && i < c->nr; i++) {
		s = kcap_capture_session(c->cap, i);
		err = kcap_writer_add_interface(c->w, s->ifindex, s->ifname,
						(int)s->linktype, s->snaplen);
		if (err == -EEXIST)
			err = 0;
	}
	/* The header now: a file that cannot take it is not left empty. */
	if (!err)
		err = kcap_writer_flush(c->w);
	if (err) {
		kcap_writer_close(c->w);
		c->w = NULL;
		if (strcmp(c->name, "-"))
			unlink(c->name);
		return cli_fail("cannot write '%s': %s", cli_out_name(c),
				strerror(-err));
	}
	c->flushed = kcap_writer_bytes(c->w);
	c->p.files++;
	c->p.file_packets = 0;
	c->p.file_bytes = kcap_writer_bytes(c->w);
	c->p.file_ms = cli_now_ms();
	return 0;
}

/* A failed write: stop, and fail unless the reader of a pipe went away. */
static void cli_output_error(struct cli_loop *c, int err)
{
	if (err == -EPIPE) {
		c->out_closed = true;
		if (!c->w) {	/* nothing more can reach stdout */
			__fpurge(stdout);
			clearerr(stdout);
		}
		return;
	}
	c->status_ret = cli_fail("writing '%s': %s", cli_out_name(c),
				 strerror(-err));
}

/*
 * The counters of each interface, for pcapng's statistics blocks: the sum
 * of its sessions' (two sessions of one device share its interface).
 */
static void cli_set_file_stats(struct cli_loop *c)
{
	uint32_t ifindex;
	uint64_t passed, dropped;
	unsigned int i, j;

	cli_refresh_stats(c);
	for (i = 0; i < c->nr; i++) {
		ifindex = kcap_capture_session(c->cap, i)->ifindex;
		for (j = 0; j < i; j++)
			if (kcap_capture_session(c->cap, j)->ifindex == ifindex)
				break;
		if (j < i)
			continue;	/* counted with session j */
		passed = dropped = 0;
		for (j = i; j < c->nr; j++) {
			if (kcap_capture_session(c->cap, j)->ifindex != ifindex)
				continue;
			passed += c->each[j].passed;
			dropped += c->each[j].dropped;
		}
		kcap_writer_set_stats(c->w, ifindex, passed, dropped);
	}
}

/* Close the file with the sessions' counters (pcapng); 0 or failure. */
static int cli_file_close(struct cli_loop *c)
{
	int err;

	if (!c->w)
		return 0;
	if (c->out->format == KCAP_FORMAT_PCAPNG)
		cli_set_file_stats(c);
	err = kcap_writer_close(c->w);
	c->w = NULL;
	if (err && !c->status_ret && !c->out_closed)
		cli_output_error(c, err);
	return err;
}

static int cli_output_packet(struct cli_loop *c,
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
		c->p.file_bytes = kcap_writer_bytes(c->w);
		/*
		 * Out in small batches even while frames keep coming, so
		 * that a full disk costs at most the last batch.
		 */
		if (c->p.file_bytes - c->flushed >= CLI_FLUSH_BYTES) {
			err = kcap_writer_flush(c->w);
			if (err) {
				cli_output_error(c, err);
				return err;
			}
			c->flushed = c->p.file_bytes;
		}
		return 0;
	}
	cli_format_packet(line, sizeof(line), pkt,
			  kcap_capture_session(c->cap, pkt->session)->linktype,
			  c->nr > 1 ? kcap_capture_session(c->cap,
							 pkt->session)->ifname :
				      NULL, c->out->nano);
	if (puts(line) == EOF) {
		cli_output_error(c, errno ? -errno : -EIO);
		return -EIO;
	}
	return 0;
}

/* What is buffered goes out while the rings are idle. */
static int cli_output_flush(struct cli_loop *c)
{
	int err = 0;

	if (c->w) {
		err = kcap_writer_flush(c->w);
		c->flushed = kcap_writer_bytes(c->w);
	} else if (fflush(stdout) == EOF)
		err = errno ? -errno : -EIO;
	if (err)
		cli_output_error(c, err);
	return err;
}

/* The live status line, \r-overwritten, at most once a second. */
static void cli_status_line(struct cli_loop *c, uint64_t now)
{
	uint64_t ms = now - c->status_ms;

	if (!c->status || ms < CLI_STATUS_EVERY_MS)
		return;
	cli_refresh_stats(c);
	fprintf(stderr, "\r\033[K%llu packets, %llu bytes, %llu pkt/s, "
		"%llu dropped by kernel",
		(unsigned long long)c->p.packets,
		(unsigned long long)c->p.bytes,
		(unsigned long long)(ms ? (c->p.packets - c->status_packets) *
				     1000 / ms : 0),
		(unsigned long long)c->stats.dropped);
	fflush(stderr);
	c->status_shown = true;
	c->status_ms = now;
	c->status_packets = c->p.packets;
}

static void cli_status_clear(struct cli_loop *c)
{
	if (!c->status_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	c->status_shown = false;
}

static void cli_summary(struct cli_loop *c)
{
	cli_status_clear(c);
	fflush(stdout);
	fprintf(stderr, "%llu packets captured\n",
		(unsigned long long)c->p.packets);
	fprintf(stderr, "%llu packets received by filter\n",
		(unsigned long long)c->stats.passed);
	fprintf(stderr, "%llu packets dropped by kernel\n",
		(unsigned long long)c->stats.dropped);
}

/* One packet: rotate or stop first if need be; false to stop. */
static bool cli_take_packet(struct cli_loop *c,
			    const struct kcap_packet *pkt)
{
	uint64_t now = cli_clock(c);
	uint64_t rec = c->w ? kcap_writer_frame_bytes(c->w, &pkt->frame) : 0;

	switch (cli_before_packet(c->out, &c->p, rec, now, &c->why)) {
	case CLI_STEP_STOP:
		return false;
	case CLI_STEP_ROTATE:
		if (cli_file_close(c) || cli_file_open(c)) {
			if (!c->status_ret)
				c->status_ret = KCAP_EXIT_FAIL;
			return false;
		}
		break;
	case CLI_STEP_WRITE:
		break;
	}
	if (cli_output_packet(c, pkt))
		return false;
	c->p.packets++;
	c->p.file_packets++;
	c->p.bytes += pkt->frame.caplen;
	c->p.last_ms = now;
	c->why = cli_stop_after_packet(c->out, &c->p);
	return c->why == CLI_STOP_NONE;
}

/* Nothing to read: out with what is buffered, and the checks of time. */
static bool cli_idle(struct cli_loop *c)
{
	uint64_t now;

	if (cli_output_flush(c))
		return false;
	now = cli_now_ms();
	c->why = cli_stop_on_timeout(c->out, &c->p, now);
	if (c->why != CLI_STOP_NONE)
		return false;
	if (now - c->stats_ms >= CLI_STATS_EVERY_MS)
		cli_refresh_stats(c);
	cli_status_line(c, now);
	return true;
}

static void cli_loop_run(struct cli_loop *c)
{
	struct kcap_packet pkt;
	int ret;

	while (!cli_stop_signal) {
		if (cli_usr1) {
			cli_usr1 = 0;
			cli_refresh_stats(c);
			cli_summary(c);
		}
		ret = kcap_capture_next(c->cap, &pkt, 0);
		if (ret == KCAP_READ_NONE) {
			if (!cli_idle(c))
				return;
			ret = kcap_capture_next(c->cap, &pkt, CLI_POLL_MS);
			c->clock_left = 0;	/* it may have waited */
			if (ret == KCAP_READ_NONE)
				continue;
		}
		if (ret == KCAP_READ_PACKET) {
			if (!cli_take_packet(c, &pkt))
				return;
			cli_status_line(c, c->now_ms);
			continue;
		}
		if (ret == KCAP_READ_HUP) {
			c->hup = true;
			return;
		}
		if (ret == -EINTR)
			continue;
		c->status_ret = cli_fail("reading the rings of session '%s': "
					 "%s",
					 kcap_capture_session(c->cap, 0)->name,
					 ret == -EBADMSG ? "corrupt record" :
					 strerror(-ret));
		return;
	}
}

/* Why a session hung up: it was deleted, or its device went away. */
static void cli_report_hup(struct cli_loop *c)
{
	int i = kcap_capture_hup(c->cap);
	const struct kcap_session_info *s = kcap_capture_session(c->cap,
								 i < 0 ? 0 : i);
	struct kcap_stats st;

	if (kcap_capture_stats(c->cap, i < 0 ? 0 : i, &st) == -ENOENT)
		c->status_ret = cli_fail("session '%s' was deleted: capture "
					 "stopped", s->name);
	else
		c->status_ret = cli_fail("device '%s' went away: capture "
					 "stopped", s->ifname);
}

int cli_read_loop(struct kcap_capture *cap, const struct cli_output *out)
{
	struct cli_loop c = {
		.cap = cap, .nr = kcap_capture_nr(cap), .out = out,
		.status_ret = KCAP_EXIT_OK,
	};
	uint32_t i;

	/* A pcap file has one link type; pcapng one per interface. */
	for (i = 1; out->file && out->format == KCAP_FORMAT_PCAP && i < c.nr; i++) {
		if (kcap_capture_session(cap, i)->linktype !=
		    kcap_capture_session(cap, 0)->linktype)
			return cli_fail("%s and %s have different link types, "
					"which a pcap file cannot hold: use "
					"-F pcapng",
					kcap_capture_session(cap, 0)->ifname,
					kcap_capture_session(cap, i)->ifname);
	}
	c.each = calloc(c.nr, sizeof(*c.each));
	if (!c.each)
		return cli_fail("out of memory");

	c.p.start_ms = c.p.last_ms = c.p.file_ms = cli_now_ms();
	/* Not over the lines of frames printed on the same terminal. */
	c.status = isatty(STDERR_FILENO) &&
		   (out->file || !isatty(STDOUT_FILENO));
	c.status_ms = c.p.start_ms;
	if (out->ring_files) {
		c.ring = calloc(out->ring_files, sizeof(*c.ring));
		if (!c.ring) {
			free(c.each);
			return cli_fail("out of memory");
		}
	}
	if (out->file && cli_file_open(&c)) {
		free(c.ring);
		free(c.each);
		return KCAP_EXIT_FAIL;
	}
	cli_refresh_stats(&c);
	cli_signals(true);
	cli_loop_run(&c);

	cli_refresh_stats(&c);
	if (c.w)
		cli_file_close(&c);
	else if (!c.out_closed && !out->file)
		cli_output_flush(&c);
	if (c.hup)
		cli_report_hup(&c);
	cli_signals(false);
	cli_summary(&c);
	for (i = 0; c.ring && i < out->ring_files; i++)
		free(c.ring[i]);
	free(c.ring);
	free(c.each);
	return c.status_ret;
}

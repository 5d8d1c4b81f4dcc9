// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): what capture and dump share: recording their sessions
 * (libkcap's kcap_record_*()) into a capture file or onto the terminal,
 * and with --listen to the clients of a pcap stream over TCP
 * (kcap_stream_*()), until told to stop, with tcpdump's status line and
 * summary; with --kafka into a Kafka topic too (kcap_kafka_*()).
 *
 * The producer hands each frame to librdkafka from the frame callback
 * (never waiting: a full queue drops it, counted) and takes its delivery
 * reports where the stream is served.  At the end it waits a bounded
 * time for what is in flight (CLI_KAFKA_CLOSE_MS, or less with
 * message.timeout.ms) and counts what did not make it as failed.
 *
 * The stream is served from the recording's own loop, without a thread:
 * each frame's record goes into every client's buffer from the frame
 * callback, and kcap_stream_serve() (accept, send, notice who left) runs
 * whenever the rings are empty (the recording's idle_cb, before it waits:
 * where the file is written out too) and after each kcap_record_step(),
 * which returns at least every CLI_POLL_MS.  So a frame reaches the
 * clients as soon as the rings have no more waiting, a client is taken
 * within CLI_POLL_MS of connecting, and a busy capture never makes a
 * system call per frame per client (the buffers go out by 64 KiB).
 */

#define _GNU_SOURCE	/* environ */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define CLI_POLL_MS		250	/* how late a signal may be seen */
#define CLI_STATUS_EVERY_MS	1000	/* the live status line */
#define CLI_STREAM_CLOSE_MS	2000	/* --listen: the clients' last bytes */
#define CLI_KAFKA_CLOSE_MS	10000	/* --kafka: the messages in flight */

volatile sig_atomic_t cli_stop_signal;
volatile sig_atomic_t cli_usr1;
/* The recording a signal wakes: its loop looks at the flags at once. */
static struct kcap_record *volatile cli_wake;

static void cli_on_signal(int sig)
{
	struct kcap_record *r = cli_wake;

	cli_stop_signal = sig;
	if (r)
		kcap_record_wake(r);
}

static void cli_on_usr1(int sig)
{
	struct kcap_record *r = cli_wake;

	(void)sig;
	cli_usr1 = 1;
	if (r)
		kcap_record_wake(r);
}

/*
 * Stop on SIGINT, SIGTERM and SIGHUP; take a closed pipe as an error;
 * SIGUSR1 prints the summary.
 */
void cli_signals(bool install)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGUSR1 };
	struct sigaction sa;
	size_t i;

	/* Before the handlers: a signal that comes at once is kept. */
	if (install) {
		cli_stop_signal = 0;
		cli_usr1 = 0;
	}
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
	if (!install) {
		cli_stop_signal = 0;
		cli_usr1 = 0;
		cli_wake = NULL;
	}
}

/*
 * The line scripts wait for, on stderr, as tcpdump's: "kcap: listening on
 * eth0, link-type EN10MB (Ethernet), snapshot length N bytes"; with
 * several devices, their names joined ("eth0, eth1 and eth2") and each
 * link type where they differ.
 */
static void cli_listening(const struct kcap_capture *cap,
			  const struct kcap_stream *stream)
{
	const struct kcap_session_info *s = kcap_capture_session(cap, 0);
	unsigned int i, n = kcap_capture_nr(cap);
	bool same = true;

	for (i = 1; i < n; i++)
		same = same && kcap_capture_session(cap, i)->linktype ==
			       s->linktype;
	fflush(stdout);
	if (stream)
		fprintf(stderr, "kcap: serving a pcap stream on %s to each client that connects\n",
			kcap_stream_address(stream));
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
	struct kcap_record		*rec;
	const struct cli_output		*out;
	bool				status;	/* the live status line */
	bool				status_shown;
	uint64_t			status_ms;
	uint64_t			status_packets;
	bool				signalled;	/* a signal stopped it */
	struct cli_printer		*printer;	/* print flags: tcpdump */
	struct cli_post			post;	/* -z's */
	bool				print;	/* a line per frame */
	struct kcap_stream		*stream;	/* --listen */
	struct kcap_stream_totals	served;	/* its clients that left */
	char				addr[KCAP_STREAM_ADDR_MAX];	/* its */
	struct kcap_kafka_producer	*kafka;	/* --kafka */
	struct kcap_kafka_counts	produced;	/* its, at the end */
	bool				kafka_done;
};

/* The options as libkcap's recording takes them. */
void cli_record_config(const struct cli_output *o,
			      struct kcap_record_config *c)
{
	memset(c, 0, sizeof(*c));
	c->path = o->file;
	c->format = o->format;
	c->nano = o->nano;
	c->snaplen = o->snaplen;
	c->rotate_bytes = o->rotate_bytes;
	c->rotate_secs = o->rotate_secs;
	c->ring_files = o->ring_files;
	c->packets = o->count && (!o->stop_packets || o->count < o->stop_packets) ?
		     o->count : o->stop_packets;
	c->bytes = o->stop_bytes;
	c->seconds = o->stop_secs;
	c->idle_secs = o->idle_secs;
	c->files = o->stop_files;
}

/*
 * Each frame: to --listen's clients; without -w and --listen, or with
 * --print, a line on stdout.
 */
static int cli_frame(const struct kcap_packet *pkt,
		     const struct kcap_session_info *s, void *arg)
{
	struct cli_loop *c = arg;
	char line[512];
	int err;

	if (c->stream) {
		err = kcap_stream_write(c->stream, &pkt->frame);
		if (err)
			return err;
	}
	if (c->kafka)	/* a frame it could not take is counted dropped */
		kcap_kafka_produce(c->kafka, &pkt->frame, s->linktype,
				   s->ifname);
	if (!c->print)
		return 0;

	if (c->printer)
		return cli_printer_frame(c->printer, pkt, s->linktype);
	kcap_format_packet(line, sizeof(line), pkt, s->linktype,
			  kcap_capture_nr(c->cap) > 1 ? s->ifname : NULL,
			  c->out->nano);
	if (puts(line) == EOF)
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * A -z command that ended: a line if it failed.  @status is waitpid()'s.
 */
static void cli_post_done(const struct cli_post *c, int status)
{
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return;
	fprintf(stderr, "kcap: -z %s: %s %d\n", c->cmd,
		WIFEXITED(status) ? "exited with status" : "killed by signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static int cli_wait(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* Reap the -z commands that ended; with @all, wait for every one. */
void cli_post_reap(struct cli_post *c, bool all)
{
	unsigned int i = 0;
	int status = 0;
	pid_t pid;

	while (i < c->nr) {
		if (all) {
			status = cli_wait(c->pid[i]);
			pid = c->pid[i];
		} else {
			pid = waitpid(c->pid[i], &status, WNOHANG);
		}
		if (!pid || (pid < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		if (pid > 0)
			cli_post_done(c, status);
		c->pid[i] = c->pid[--c->nr];
	}
}

/*
 * -z: "CMD FILE" for each file done, as tcpdump runs it, in a process
 * group of its own (a terminal's ^C does not cut a compression short);
 * kcap waits for the last ones before it exits.
 */
void cli_post_file(struct cli_post *c, const char *path)
{
	char *argv[] = { (char *)c->cmd, (char *)path, NULL };
	posix_spawnattr_t attr;
	sigset_t def;
	int err;

	cli_post_reap(c, false);
	if (c->nr == CLI_POST_MAX) {	/* the oldest first */
		cli_post_done(c, cli_wait(c->pid[0]));
		c->pid[0] = c->pid[--c->nr];
	}
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);	/* kcap's own handling, not its */
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGUSR1);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
					POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigdefault(&attr, &def);
	fflush(stdout);
	err = posix_spawnp(&c->pid[c->nr], c->cmd, NULL, &attr, argv,
			   environ);
	posix_spawnattr_destroy(&attr);
	if (err)
		fprintf(stderr, "kcap: -z %s: cannot run it on %s: %s\n",
			c->cmd, path, strerror(err));
	else
		c->nr++;
}

static void cli_post_rotate(const char *path, void *arg)
{
	struct cli_loop *c = arg;

	cli_post_file(&c->post, path);
}

/* The live status line, \r-overwritten, at most once a second. */
static void cli_status_line(struct cli_loop *c)
{
	const struct kcap_record_progress *p = kcap_record_progress(c->rec);
	uint64_t now = cli_now_ms(), ms = now - c->status_ms;

	if (!c->status || ms < CLI_STATUS_EVERY_MS)
		return;
	kcap_record_read_stats(c->rec);
	fprintf(stderr, "\r\033[K%llu packets, %llu bytes, %llu pkt/s, "
		"%llu dropped by kernel",
		(unsigned long long)p->packets, (unsigned long long)p->bytes,
		(unsigned long long)((p->packets - c->status_packets) * 1000 /
				     ms),
		(unsigned long long)p->stats.dropped);
	fflush(stderr);
	c->status_shown = true;
	c->status_ms = now;
	c->status_packets = p->packets;
}

static void cli_status_clear(struct cli_loop *c)
{
	if (!c->status_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	c->status_shown = false;
}

/* --listen: a client came, was turned away, or left with its counts. */
static void cli_stream_event(enum kcap_stream_event ev,
			     const struct kcap_stream_client *cl, void *arg)
{
	struct cli_loop *c = arg;

	cli_status_clear(c);
	fflush(stdout);
	switch (ev) {
	case KCAP_STREAM_JOINED:
		fprintf(stderr, "kcap: client %s connected\n", cl->addr);
		break;
	case KCAP_STREAM_REFUSED:
		fprintf(stderr, "kcap: client %s refused: %s\n", cl->addr,
			cl->err == -EMFILE ? "too many clients already" :
					     strerror(-cl->err));
		break;
	case KCAP_STREAM_LEFT:
		c->served.clients++;
		c->served.sent += cl->sent;
		c->served.dropped += cl->dropped;
		fprintf(stderr, "kcap: client %s: %llu frames sent, %llu dropped%s\n",
			cl->addr, (unsigned long long)cl->sent,
			(unsigned long long)cl->dropped,
			cl->dropped ? " (it did not keep up)" : "");
		break;
	}
}

/*
 * The stream's part of the summary: at the end, once every client has
 * left, what they were sent; on SIGUSR1, the counts so far.
 */
static void cli_stream_summary(struct cli_loop *c, bool end)
{
	const struct kcap_stream_totals *t = end ? &c->served :
					     kcap_stream_totals(c->stream);

	fprintf(stderr, "%llu frames sent to %llu clients of %s, %llu dropped "
		"for clients that did not keep up\n",
		(unsigned long long)t->sent, (unsigned long long)t->clients,
		c->addr,
		(unsigned long long)t->dropped);
}

/*
 * --kafka's part of the summary: every frame captured is produced or
 * dropped, every one produced is delivered or failed at the end.
 */
static void cli_kafka_summary(struct cli_loop *c)
{
	const struct kcap_kafka_counts *n = c->kafka_done ? &c->produced :
					    kcap_kafka_producer_counts(c->kafka);

	fprintf(stderr, "%llu frames produced to Kafka topic %s, %llu delivered, %llu failed, %llu dropped (librdkafka's queue was full)\n",
		(unsigned long long)n->produced, c->out->topic,
		(unsigned long long)n->delivered,
		(unsigned long long)n->failed,
		(unsigned long long)n->dropped);
}

/*
 * tcpdump's summary: at the end three lines, after a line break when a
 * signal stopped the capture (a terminal's "^C" stands alone then); on
 * SIGUSR1 one line, "kcap: N packets captured, ...", so that a log does
 * not look as if the capture had ended.
 */
static void cli_summary(struct cli_loop *c, bool end)
{
	const struct kcap_record_progress *p;
	const char *sep = end ? "\n" : ", ";

	if (!end)
		kcap_record_read_stats(c->rec);	/* (read at the end) */
	p = kcap_record_progress(c->rec);

	cli_status_clear(c);
	fflush(stdout);
	fprintf(stderr, "%s", !end ? "kcap: " : c->signalled ? "\n" : "");
	fprintf(stderr, "%llu packets captured%s",
		(unsigned long long)p->packets, sep);
	fprintf(stderr, "%llu packets received by filter%s",
		(unsigned long long)p->stats.passed, sep);
	fprintf(stderr, "%llu packets dropped by kernel%s",
		(unsigned long long)p->stats.dropped,
		c->addr[0] || c->out->kafka ? sep : "\n");
	if (c->addr[0])
		cli_stream_summary(c, end);
	if (c->out->kafka)
		cli_kafka_summary(c);
}

/* Why a session hung up: it was deleted, or its device went away. */
static int cli_report_hup(struct cli_loop *c)
{
	int i = kcap_capture_hup(c->cap);
	unsigned int k = i < 0 ? 0 : (unsigned int)i;
	const struct kcap_session_info *s = kcap_capture_session(c->cap, k);
	struct kcap_stats st;

	if (kcap_capture_stats(c->cap, k, &st) == -ENOENT)
		return cli_fail("session '%s' was deleted: capture stopped",
				s->name);
	return cli_fail("device '%s' went away: capture stopped", s->ifname);
}

/*
 * How it ended: 0, or a failure said on stderr.  A reader of stdout that
 * went away (EPIPE) is no failure: there is just no one left to write to.
 */
static int cli_report_end(struct cli_loop *c, int err)
{
	const struct kcap_record_progress *p = kcap_record_progress(c->rec);
	const struct kcap_error *e = kcap_record_error(c->rec);

	/* The recording's own failure (a full disk) first. */
	if (e->err && e->err != -EPIPE)
		return cli_fail("%s", e->msg);
	if (err == -ECHILD)
		return cli_fail("tcpdump, printing the frames, failed: see its message above");
	if (e->err == -EPIPE || (!e->err && err == -EPIPE)) {
		__fpurge(stdout);	/* nothing more can reach it */
		clearerr(stdout);
		return KCAP_EXIT_OK;
	}
	if (e->err || err)
		return cli_fail("%s", e->err ? e->msg : strerror(-err));
	if (p->why == KCAP_RECORD_HUP)
		return cli_report_hup(c);
	return KCAP_EXIT_OK;
}

/* The rings are empty: the clients' buffers out, new clients in. */
static void cli_idle(void *arg)
{
	struct cli_loop *c = arg;

	if (c->stream)
		kcap_stream_serve(c->stream);
	kcap_kafka_poll(c->kafka);
}

/* --kafka: the producer, once a broker said the topic is there. */
static int cli_kafka_open(struct cli_loop *c)
{
	struct kcap_kafka_opts o = {
		.brokers = c->out->kafka, .topic = c->out->topic,
		.conf = c->out->kafka_conf, .nr_conf = c->out->nr_kafka_conf,
		.partition_by = c->out->partition_by,
	};
	struct kcap_error e;

	if (kcap_kafka_producer_open(&c->kafka, &o, &e))
		return cli_fail("%s", e.msg);
	return 0;
}

/*
 * --kafka at the end: what is in flight within CLI_KAFKA_CLOSE_MS; frames
 * not delivered make it a failure (after the summary).
 */
static void cli_kafka_close(struct cli_loop *c)
{
	if (!c->kafka)
		return;
	kcap_kafka_producer_close(c->kafka, CLI_KAFKA_CLOSE_MS, &c->produced);
	c->kafka = NULL;
	c->kafka_done = true;
}

/*
 * --listen: the stream, with the link type of the sessions (one: a pcap
 * stream holds one) and the snaplen of the file; 0 or KCAP_EXIT_FAIL
 * after a line.
 */
static int cli_stream_open(struct cli_loop *c)
{
	const struct kcap_session_info *s0 = kcap_capture_session(c->cap, 0);
	const struct kcap_session_info *s;
	struct kcap_stream_opts o = {
		.addr = c->out->listen, .linktype = s0->linktype,
		.snaplen = c->out->snaplen, .nano = c->out->nano,
		.event_cb = cli_stream_event, .arg = c,
	};
	struct kcap_error e;
	unsigned int i;

	for (i = 0; i < kcap_capture_nr(c->cap); i++) {
		s = kcap_capture_session(c->cap, i);
		if (s->linktype != s0->linktype)
			return cli_fail("--listen: %s and %s have different link types, which a pcap stream cannot hold",
					s0->ifname, s->ifname);
		if (!c->out->snaplen && s->snaplen > o.snaplen)
			o.snaplen = s->snaplen;
	}
	if (kcap_stream_open(&c->stream, &o, &e))
		return cli_fail("%s", e.msg);
	snprintf(c->addr, sizeof(c->addr), "%s",
		 kcap_stream_address(c->stream));
	return 0;
}

int cli_read_loop(struct kcap_capture *cap, const struct cli_output *out)
{
	struct cli_loop c = { .cap = cap, .out = out,
			      .post.cmd = out->postrotate };
	struct kcap_record_config cfg;
	struct kcap_error e;
	int ret, err, poll_ms;

	/*
	 * -Z: the sessions are open and their rings mapped; every file is
	 * created by USER, the first as the ones rotation makes, so that a
	 * directory USER cannot write fails now, not at the first rotation.
	 */
	/* A port below 1024 needs root too: listen first. */
	if (out->listen && cli_stream_open(&c))
		return KCAP_EXIT_FAIL;
	if (out->kafka && cli_kafka_open(&c)) {
		kcap_stream_close(c.stream, 0);
		return KCAP_EXIT_FAIL;
	}
	if (out->user && cli_become_user(out->user)) {
		kcap_stream_close(c.stream, 0);
		kcap_kafka_producer_close(c.kafka, 0, NULL);
		return KCAP_EXIT_FAIL;
	}
	cli_record_config(out, &cfg);
	cfg.arg = &c;
	if (out->postrotate)
		cfg.file_cb = cli_post_rotate;
	c.print = (!out->file && !out->listen && !out->kafka) ||
		  out->print_too;
	if (c.print || c.stream || c.kafka)
		cfg.frame_cb = cli_frame;
	if (c.stream || c.kafka)
		cfg.idle_cb = cli_idle;
	if (c.print && cli_print_flags(out) &&
	    cli_printer_open(&c.printer, out, KCAP_SNAPLEN_MAX, true, 0)) {
		kcap_stream_close(c.stream, 0);
		kcap_kafka_producer_close(c.kafka, 0, NULL);
		return KCAP_EXIT_FAIL;
	}
	if (kcap_record_open(&c.rec, cap, &cfg, &e)) {
		kcap_stream_close(c.stream, 0);
		kcap_kafka_producer_close(c.kafka, 0, NULL);
		cli_printer_close(c.printer);
		if (out->user && e.err == -EACCES)
			return cli_fail("%s (-Z %s: that user creates the files)",
					e.msg, out->user);
		return cli_fail("%s", e.msg);
	}
	/* Scripts signal once they see "listening on": caught from there. */
	cli_wake = c.rec;
	cli_signals(true);
	cli_listening(cap, c.stream);
	c.status = cli_status_line_wanted(out, isatty(STDERR_FILENO),
					  getenv("TERM"));
	c.status_ms = cli_now_ms();
	/*
	 * A loop with nothing to do on its own (a capture into a file, no
	 * status line) sleeps until a frame, a stop or a signal: an idle
	 * capture costs no wake-ups.
	 */
	poll_ms = c.stream || c.kafka || c.print || c.status ||
		  out->postrotate ? CLI_POLL_MS : -1;
	ret = 0;
	while (!ret && !cli_stop_signal) {
		ret = kcap_record_step(c.rec, poll_ms);
		if (c.stream)
			kcap_stream_serve(c.stream);
		kcap_kafka_poll(c.kafka);
		if (c.printer && !ret)
			ret = cli_printer_flush(c.printer);
		if (cli_usr1) {
			cli_usr1 = 0;
			cli_summary(&c, false);
		}
		cli_status_line(&c);
		cli_post_reap(&c.post, false);
	}
	c.signalled = cli_stop_signal != 0;
	err = kcap_record_finish(c.rec);
	if (!err && ret < 0)
		err = ret;	/* handing frames to tcpdump failed */
	if (c.print && fflush(stdout) == EOF && !err)
		err = errno ? -errno : -EIO;
	/* tcpdump's failure first: its own line said why. */
	if (c.printer && cli_printer_close(c.printer))
		err = -ECHILD;
	ret = cli_report_end(&c, err);
	cli_signals(false);
	/* Each client gets what it was given, then the end of its stream. */
	kcap_stream_close(c.stream, CLI_STREAM_CLOSE_MS);
	c.stream = NULL;
	cli_kafka_close(&c);
	cli_summary(&c, true);
	if (c.kafka_done && !ret && (c.produced.failed || c.produced.dropped))
		ret = cli_fail("Kafka: %llu of %llu frames not delivered to topic %s: check the brokers (and librdkafka's queue.buffering.max.messages)",
			       (unsigned long long)(c.produced.failed +
						    c.produced.dropped),
			       (unsigned long long)(c.produced.produced +
						    c.produced.dropped),
			       out->topic);
	kcap_record_close(c.rec);
	cli_post_reap(&c.post, true);	/* -z on the last file too */
	return ret;
}

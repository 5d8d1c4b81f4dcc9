// SPDX-License-Identifier: GPL-2.0
/*
 * kcap receive: the client of a pcap stream over TCP (PCAP-over-IP, as
 * 'kcap capture --listen' serves it): a remote capture stored in local
 * files, with capture's rotation and stops, a new file for each
 * connection, connecting again with a backoff when the server goes away
 * or is not there yet (libkcap's kcap_receive_*()).
 *
 *	kcap receive [HOST:]PORT -w FILE [-F pcap|pcapng] [--nano] [-c COUNT]
 *		     [-C MB] [-G SECONDS] [-W FILES] [-z CMD] [-Z USER]
 *		     [--idle SECONDS] [-a KEY:VALUE]... [--print]
 */

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define CMD		"receive"
#define CLI_POLL_MS	250	/* how late a signal may be seen */

static const struct option receive_longopts[] = {
	CLI_OUTPUT_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

int receive_parse(int argc, char **argv, struct receive_opts *o)
{
	char host[256], port[16];
	char **av;
	int ret;

	memset(o, 0, sizeof(*o));
	ret = cli_output_parse(CMD, argc, argv, receive_longopts, &o->out, &av);
	if (!ret && optind > argc)
		ret = cli_usage_error(CMD, "which server? [HOST:]PORT is needed");
	else if (!ret && optind < argc)
		ret = cli_usage_error(CMD, "one server only: unexpected '%s'",
				      av[optind + 1]);
	if (!ret) {
		o->addr = av[optind];
		if (kcap_receive_parse_addr(o->addr, host, sizeof(host), port,
					    sizeof(port)))
			ret = cli_invalid(CMD, "server address", o->addr,
					  "[HOST:]PORT, PORT 1 to 65535, an IPv6 address in brackets");
	}
	if (!ret && !o->out.file)
		ret = cli_usage_error(CMD, "where to? -w FILE is needed");
	else if (!ret && !strcmp(o->out.file, "-"))
		ret = cli_usage_error(CMD, "-w -: each connection starts a file, standard output cannot take several");
	else if (!ret && o->out.listen)
		ret = cli_usage_error(CMD, "--listen serves a capture: receive stores one");
	else if (!ret && (o->out.kafka || o->out.topic || o->out.nr_kafka_conf))
		ret = cli_usage_error(CMD, "--kafka sends a capture: receive stores one (kcap consume reads a topic)");
	else if (!ret && cli_print_flags(&o->out))
		ret = cli_usage_error(CMD, "tcpdump's print flags are for capture and dump: read the files with tcpdump -r, or --print a line per frame");
	o->out.file_per_connection = true;
	if (!ret)
		ret = cli_output_check(CMD, &o->out);
	free(av);
	return ret;
}

struct receive_ctx {
	const struct receive_opts	*o;
	struct kcap_receive		*rx;
	struct cli_post			post;	/* -z's */
};

static void receive_event(enum kcap_receive_event ev,
			  const struct kcap_receive_info *i, void *arg)
{
	(void)arg;
	fflush(stdout);
	switch (ev) {
	case KCAP_RECEIVE_CONNECTED:	/* told once a stream comes */
		break;
	case KCAP_RECEIVE_STREAM:
		fprintf(stderr, "kcap: receiving from %s, link-type %s, snapshot length %u bytes, to %s\n",
			i->addr, cli_linktype(i->linktype), i->snaplen,
			i->file);
		break;
	case KCAP_RECEIVE_CLOSED:
		if (i->err == -EBADMSG)
			fprintf(stderr, "kcap: %s: not a pcap stream (receive reads pcap, not pcapng): disconnected",
				i->addr);
		else
			fprintf(stderr, "kcap: %s: the stream ended (%s) after %llu frames%s",
				i->addr,
				i->err ? strerror(-i->err) : "closed by the server",
				(unsigned long long)i->frames,
				i->partial ? ", then a record cut short, left out" : "");
		if (i->retry_ms)
			fprintf(stderr, "; retrying in %u s",
				(i->retry_ms + 999) / 1000);
		fputc('\n', stderr);
		break;
	case KCAP_RECEIVE_RETRY:
		if (!i->first)
			break;	/* once per outage */
		fprintf(stderr, "kcap: %s: %s; retrying in %u s\n", i->addr,
			i->gai_err ? gai_strerror(i->gai_err) :
				     strerror(-i->err),
			(i->retry_ms + 999) / 1000);
		break;
	}
}

/* -z: the command on each file done. */
static void receive_file_done(const char *path, void *arg)
{
	struct receive_ctx *c = arg;

	cli_post_file(&c->post, path);
}

/* --print: a line per frame, as capture prints it. */
static int receive_frame(const struct kcap_packet *pkt,
			 const struct kcap_session_info *s, void *arg)
{
	struct receive_ctx *c = arg;
	const struct kcap_receive_info *i;
	char line[512];

	(void)s;
	i = c->rx ? kcap_receive_info(c->rx) : NULL;
	kcap_format_packet(line, sizeof(line), pkt, i ? i->linktype : 1,
			   NULL, c->o->out.nano);
	if (puts(line) == EOF)
		return errno ? -errno : -EIO;
	return 0;
}

static void receive_summary(struct kcap_receive *rx, bool signalled,
			    bool end)
{
	const struct kcap_record_progress *p =
		kcap_record_progress(kcap_receive_record(rx));
	const struct kcap_receive_info *i = kcap_receive_info(rx);

	fflush(stdout);
	fprintf(stderr, "%s%llu packets received%s%llu files written%s%s%s%s%llu streams from %s\n",
		!end ? "kcap: " : signalled ? "\n" : "",
		(unsigned long long)p->packets, end ? "\n" : ", ",
		(unsigned long long)p->files, p->file[0] ? " (the last: " : "",
		p->file, p->file[0] ? ")" : "", end ? "\n" : ", ",
		(unsigned long long)i->connections, i->addr);
}

/*
 * Whether the files of -w FILE can be created: its directory is there and
 * writable (not checked for a -G name, whose directory may be a time's).
 */
static int receive_check_dir(const char *file)
{
	char dir[CLI_PATH_MAX];
	const char *slash = strrchr(file, '/');

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 slash == file ? 1 : (int)(slash - file), file);
	if (strchr(dir, '%') || !access(dir, W_OK | X_OK))
		return 0;
	return cli_fail("cannot write '%s': %s: %s", file, dir,
			strerror(errno));
}

int cmd_receive(int argc, char **argv)
{
	struct kcap_receive_opts ro = { 0 };
	struct receive_ctx c = { 0 };
	struct kcap_receive *rx;
	const struct kcap_error *re;
	struct receive_opts o;
	struct kcap_error e;
	bool signalled;
	int ret, err;

	ret = receive_parse(argc, argv, &o);
	if (ret)
		return ret;
	/* -Z: every file is created by USER. */
	if (o.out.user && cli_become_user(o.out.user))
		return KCAP_EXIT_FAIL;
	/* Files come with streams: a directory they cannot go in, now. */
	if (receive_check_dir(o.out.file))
		return KCAP_EXIT_FAIL;
	c.o = &o;
	ro.addr = o.addr;
	cli_record_config(&o.out, &ro.rec);
	ro.rec.arg = &c;
	if (o.out.print_too)
		ro.rec.frame_cb = receive_frame;
	c.post.cmd = o.out.postrotate;
	if (o.out.postrotate)
		ro.rec.file_cb = receive_file_done;
	ro.event_cb = receive_event;
	if (kcap_receive_open(&rx, &ro, &e))
		return cli_fail("%s", e.msg);
	c.rx = rx;
	cli_signals(true);
	do {
		ret = kcap_receive_step(rx, CLI_POLL_MS);
		if (o.out.print_too && fflush(stdout) == EOF && !ret)
			ret = -EPIPE;
		if (cli_usr1) {
			cli_usr1 = 0;
			receive_summary(rx, false, false);
		}
		cli_post_reap(&c.post, false);
	} while (!ret && !cli_stop_signal);
	signalled = cli_stop_signal != 0;
	err = kcap_receive_finish(rx);
	re = kcap_record_error(kcap_receive_record(rx));
	if (re->err == -EPIPE || (!re->err && !err && ret == -EPIPE)) {
		/* --print's reader went (| head): no one left to tell. */
		__fpurge(stdout);
		clearerr(stdout);
		ret = KCAP_EXIT_OK;
	} else if (re->err)
		ret = cli_fail("%s", re->msg);
	else if (err || ret < 0)
		ret = cli_fail("%s", strerror(-(err ? err : ret)));
	else
		ret = KCAP_EXIT_OK;
	cli_signals(false);
	receive_summary(rx, signalled, true);
	kcap_receive_close(rx);
	cli_post_reap(&c.post, true);	/* -z on the last file too */
	return ret;
}

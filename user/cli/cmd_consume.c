// SPDX-License-Identifier: GPL-2.0
/*
 * kcap consume: frames from a Kafka topic into a capture file, as Pycapa's
 * consumer writes them (libkcap's kcap_kafka_*() and writers).
 *
 *	kcap consume --kafka BROKERS --topic TOPIC [-c COUNT] [--group GROUP]
 *		     [--from beginning|end|stored] [-e | --follow]
 *		     [-w FILE|-] [-F pcap|pcapng] [--nano]
 *		     [-X KEY=VALUE]... [[filter] EXPRESSION...]
 *
 * Messages with kcap's header keep their link type, device, direction,
 * length and nanosecond timestamp (pcapng keeps them all); messages
 * without (Pycapa's) are Ethernet frames with the key's microseconds.  An
 * expression is compiled by libpcap for each link type and applied here.
 * Without a group and from the beginning it stops at the end of every
 * partition, as kcat -e (--follow waits for more); else at -c COUNT or a
 * signal, the file complete either way.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "cli.h"

#define CMD			"consume"
#define CONSUME_POLL_MS		250	/* how late a signal may be seen */
#define CONSUME_LINKTYPES_MAX	16	/* link types whose filter is kept */
#define LINKTYPE_ETHERNET	1

enum {
	OPT_KAFKA = 0x100,
	OPT_TOPIC,
	OPT_GROUP,
	OPT_FROM,
	OPT_FOLLOW,
	OPT_NANO,
};

struct consume_opts {
	struct kcap_kafka_consumer_opts	k;
	const char		*conf[CLI_KAFKA_CONF_MAX];
	const char		*file;		/* -w */
	enum kcap_file_format	format;
	bool			format_set;
	bool			nano;
	uint64_t		count;		/* -c */
	int			at_end;		/* -e 1, --follow 0, -1 unsaid */
	char			*filter;	/* malloc'd */
};

static const struct option consume_longopts[] = {
	{ "kafka", required_argument, NULL, OPT_KAFKA },
	{ "topic", required_argument, NULL, OPT_TOPIC },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "exit-at-end", no_argument, NULL, 'e' },
	{ "kafka-conf", required_argument, NULL, 'X' },
	{ "nano", no_argument, NULL, OPT_NANO },
	{ NULL, 0, NULL, 0 },
};

static int consume_option(int opt, const char *arg, struct consume_opts *o)
{
	switch (opt) {
	case OPT_KAFKA:
		o->k.brokers = arg;
		return 0;
	case OPT_TOPIC:
		o->k.topic = arg;
		return 0;
	case OPT_GROUP:
		o->k.group = arg;
		if (!arg[0])
			return cli_invalid(CMD, "--group", arg, "a group name");
		return 0;
	case OPT_FROM:
		if (!strcmp(arg, "beginning"))
			o->k.from = KCAP_KAFKA_FROM_BEGINNING;
		else if (!strcmp(arg, "end"))
			o->k.from = KCAP_KAFKA_FROM_END;
		else if (!strcmp(arg, "stored"))
			o->k.from = KCAP_KAFKA_FROM_STORED;
		else
			return cli_invalid(CMD, "--from", arg,
					   "beginning, end or stored");
		return 0;
	case 'e':
		o->at_end = 1;
		return 0;
	case OPT_FOLLOW:
		o->at_end = 0;
		return 0;
	case 'X':
		return cli_kafka_conf(CMD, arg, o->conf, &o->k.nr_conf);
	case 'w':
		o->file = arg;
		if (!arg[0])
			return cli_invalid(CMD, "-w file", arg,
					   "a file name or -");
		return 0;
	case 'F':
		o->format_set = true;
		if (!cli_parse_format(arg, &o->format))
			return cli_invalid(CMD, "-F format", arg,
					   "pcap or pcapng");
		return 0;
	case OPT_NANO:
		o->nano = true;
		return 0;
	case 'c':
		return cli_number(CMD, "-c packet count", arg, 1, UINT64_MAX,
				  "packets", &o->count);
	}
	return -1;
}

static int consume_parse(int argc, char **argv, struct consume_opts *o)
{
	static const char optstr[] = ":c:w:F:X:e";
	char **av;
	int opt, ret, first;

	memset(o, 0, sizeof(*o));
	o->at_end = -1;
	o->k.conf = o->conf;
	ret = cli_getopt_argv("kcap " CMD, argc, argv, &av);
	while (!ret &&
	       (opt = cli_getopt(argc, av, optstr, consume_longopts)) != -1) {
		ret = consume_option(opt, optarg, o);
		if (ret < 0)
			ret = cli_getopt_error(CMD, av, opt, optstr);
	}
	if (!ret && (!o->k.brokers || !o->k.brokers[0]))
		ret = cli_usage_error(CMD, "--kafka BROKERS is needed");
	if (!ret && (!o->k.topic || !o->k.topic[0]))
		ret = cli_usage_error(CMD, "--topic TOPIC is needed");
	if (!ret && o->k.from == KCAP_KAFKA_FROM_STORED && !o->k.group)
		ret = cli_usage_error(CMD, "--from stored needs --group: the offsets are a group's");
	if (!ret && o->format_set && !o->file)
		ret = cli_usage_error(CMD, "-F needs -w FILE");
	if (!ret && optind <= argc) {
		first = optind;
		if (!strcmp(av[first], "filter"))
			first++;
		if (first <= argc) {
			o->filter = cli_join(argc + 1 - first, av + first);
			if (!o->filter)
				ret = cli_fail("out of memory");
		}
	}
	free(av);
	/* By default the end of a no-group read from the beginning ends it. */
	if (o->at_end < 0)
		o->at_end = !o->k.group &&
			    o->k.from == KCAP_KAFKA_FROM_BEGINNING;
	o->k.exit_at_end = o->at_end;
	return ret;
}

static volatile sig_atomic_t consume_stop;

static void consume_on_signal(int sig)
{
	consume_stop = sig;
}

static void consume_signals(bool install)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		memset(&sa, 0, sizeof(sa));
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = install ? consume_on_signal : SIG_DFL;
		sigaction(sigs[i], &sa, NULL);
	}
	if (install)
		signal(SIGPIPE, SIG_IGN);
}

struct consume_ctx {
	const struct consume_opts	*o;
	struct kcap_filter		filters[CONSUME_LINKTYPES_MAX];
	uint32_t			filter_linktypes[CONSUME_LINKTYPES_MAX];
	unsigned int			nr_filters;
	struct kcap_writer		*w;
	uint32_t			w_linktype;
	uint64_t			consumed, written, filtered;
};

/* Whether the expression takes @m: 1, 0, or KCAP_EXIT_* after a line. */
static int consume_match(struct consume_ctx *c, const struct kcap_kafka_msg *m)
{
	struct kcap_filter *f = NULL;
	struct bpf_program prog;
	struct pcap_pkthdr h;
	struct kcap_error e;
	unsigned int i;

	if (!c->o->filter)
		return 1;
	for (i = 0; i < c->nr_filters && !f; i++)
		if (c->filter_linktypes[i] == m->linktype)
			f = &c->filters[i];
	if (!f) {
		if (c->nr_filters == CONSUME_LINKTYPES_MAX)
			return -cli_fail("more than %d link types in the topic",
					 CONSUME_LINKTYPES_MAX);
		f = &c->filters[c->nr_filters];
		if (kcap_filter_compile(f, c->o->filter, m->linktype, NULL, &e))
			return -cli_error(&e, NULL);
		c->filter_linktypes[c->nr_filters++] = m->linktype;
	}
	if (!f->len)
		return 1;
	prog.bf_len = f->len;
	prog.bf_insns = (struct bpf_insn *)f->insns;
	h.caplen = m->frame.caplen;
	h.len = m->frame.len;
	return pcap_offline_filter(&prog, &h, m->frame.data) ? 1 : 0;
}

static int consume_open_writer(struct consume_ctx *c, uint32_t linktype)
{
	int err = kcap_writer_open(&c->w, c->o->file, c->o->format,
				   (int)linktype, 0, c->o->nano);

	if (err)
		return cli_fail("cannot write '%s': %s", c->o->file,
				strerror(-err));
	c->w_linktype = linktype;
	return 0;
}

static int consume_write(struct consume_ctx *c, const struct kcap_kafka_msg *m)
{
	struct kcap_packet pkt = { .frame = m->frame };
	char line[512];
	int err;

	if (!c->o->file) {
		kcap_format_packet(line, sizeof(line), &pkt, m->linktype,
				   m->ifname[0] ? m->ifname : NULL, c->o->nano);
		return puts(line) == EOF ? cli_fail("error writing output: %s",
						    strerror(errno)) : 0;
	}
	if (!c->w && consume_open_writer(c, m->linktype))
		return KCAP_EXIT_FAIL;
	if (c->o->format == KCAP_FORMAT_PCAP && m->linktype != c->w_linktype)
		return cli_fail("frames of several link types cannot go in one pcap file: write pcapng (-F pcapng)");
	if (c->o->format == KCAP_FORMAT_PCAPNG) {
		err = kcap_writer_add_interface(c->w, m->frame.ifindex,
						m->ifname[0] ? m->ifname : NULL,
						(int)m->linktype, 0);
		if (err && err != -EEXIST)
			return cli_fail("writing '%s': %s", c->o->file,
					strerror(-err));
	}
	err = kcap_writer_write(c->w, &m->frame);
	if (err)
		return cli_fail("writing '%s': %s", c->o->file, strerror(-err));
	return 0;
}

static int consume_loop(struct consume_ctx *c, struct kcap_kafka_consumer *k)
{
	const struct consume_opts *o = c->o;
	struct kcap_kafka_msg m;
	struct kcap_error e;
	int ret;

	while (!consume_stop && (!o->count || c->written < o->count)) {
		ret = kcap_kafka_consume(k, CONSUME_POLL_MS, &m, &e);
		if (ret == -ENODATA)
			break;
		if (ret < 0)
			return cli_fail("%s", e.msg);
		if (!ret) {	/* idle: what is written reaches the file */
			ret = c->w ? kcap_writer_flush(c->w) : 0;
			if (ret)
				return cli_fail("writing '%s': %s", o->file,
						strerror(-ret));
			if (!o->file)
				fflush(stdout);
			continue;
		}
		c->consumed++;
		ret = consume_match(c, &m);
		if (ret < 0)
			return -ret;
		if (!ret) {
			c->filtered++;
			continue;
		}
		ret = consume_write(c, &m);
		if (ret)
			return ret;
		c->written++;
	}
	return KCAP_EXIT_OK;
}

int cmd_consume(int argc, char **argv)
{
	struct consume_ctx c = { 0 };
	struct kcap_kafka_consumer *k;
	struct consume_opts o;
	struct kcap_error e;
	unsigned int i;
	int ret, err;

	ret = consume_parse(argc, argv, &o);
	if (ret) {
		free(o.filter);
		return ret;
	}
	c.o = &o;
	if (kcap_kafka_consumer_open(&k, &o.k, &e)) {
		free(o.filter);
		return cli_fail("%s", e.msg);
	}
	fprintf(stderr, "kcap: reading Kafka topic %s from %s%s%s\n",
		o.k.topic, o.k.brokers, o.k.group ? " as group " : "",
		o.k.group ? o.k.group : "");
	consume_signals(true);
	ret = consume_loop(&c, k);
	consume_signals(false);
	kcap_kafka_consumer_close(k);
	/* No frame: still a valid, empty file, as tcpdump -w leaves. */
	if (!ret && o.file && !c.w)
		ret = consume_open_writer(&c, LINKTYPE_ETHERNET);
	if (c.w) {
		err = kcap_writer_close(c.w);
		if (err && !ret)
			ret = cli_fail("writing '%s': %s", o.file,
				       strerror(-err));
	}
	if (!o.file && fflush(stdout) == EOF && !ret && errno != EPIPE)
		ret = cli_fail("error writing output: %s", strerror(errno));
	fprintf(stderr, "%s%llu messages consumed, %llu frames written, %llu did not match the filter\n",
		consume_stop ? "\n" : "",
		(unsigned long long)c.consumed, (unsigned long long)c.written,
		(unsigned long long)c.filtered);
	for (i = 0; i < c.nr_filters; i++)
		kcap_filter_free(&c.filters[i]);
	free(o.filter);
	return ret;
}

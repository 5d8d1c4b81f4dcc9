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
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "cli.h"

#define CMD			"consume"
#define CONSUME_POLL_MS		250	/* how late a signal may be seen */
#define CONSUME_LINKTYPES_MAX	16	/* link types whose filter is kept */
#define CONSUME_STORE_MS	1000	/* offsets stored at most this late */
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
		/* A second signal is the default's: a close that hangs ends. */
		sa.sa_flags = SA_RESETHAND;
		sa.sa_handler = install ? consume_on_signal : SIG_DFL;
		sigaction(sigs[i], &sa, NULL);
	}
	if (install)
		signal(SIGPIPE, SIG_IGN);
}

/*
 * An interface of a pcapng file: the device of a host's frames.  Two hosts
 * may both have an ifindex 2, and of other names or link types: each
 * (ifindex, name, link type) is an interface of its own, given the file's
 * next interface number as its ifindex.
 */
struct consume_if {
	uint32_t	ifindex;
	uint32_t	linktype;
	char		name[KCAP_IFNAMSIZ];
};

/* Why a message was skipped, each said once. */
enum consume_skip {
	SKIP_FILTER,	/* the expression does not apply to its link type */
	SKIP_LINKTYPE,	/* not the pcap file's link type */
	SKIP_INTERFACE,	/* no interface a pcapng file can have */
	SKIP_NR,
};

struct consume_ctx {
	const struct consume_opts	*o;
	struct kcap_kafka_consumer	*k;
	struct kcap_filter		filters[CONSUME_LINKTYPES_MAX];
	uint32_t			filter_linktypes[CONSUME_LINKTYPES_MAX];
	bool				filter_ok[CONSUME_LINKTYPES_MAX];
	unsigned int			nr_filters;
	struct kcap_writer		*w;
	uint32_t			w_linktype;
	struct consume_if		*ifs;
	uint32_t			nr_ifs;
	uint64_t			consumed, written, filtered, skipped;
	bool				said[SKIP_NR];
	bool				gone;	/* stdout's reader went */
	uint64_t			stored_ms;
};

static uint64_t consume_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A message left out for @why: counted, and the reason said once. */
static void consume_skip(struct consume_ctx *c, enum consume_skip why,
			 const struct kcap_kafka_msg *m, const char *detail)
{
	c->skipped++;
	if (c->said[why])
		return;
	c->said[why] = true;
	fflush(stdout);
	switch (why) {
	case SKIP_FILTER:
		fprintf(stderr, "kcap: frames of link type %s skipped: the filter does not apply to them (%s)\n",
			cli_linktype(m->linktype), detail);
		break;
	case SKIP_LINKTYPE:
		fprintf(stderr, "kcap: frames of link type %s skipped: a pcap file has one link type (%s); -F pcapng keeps every one\n",
			cli_linktype(m->linktype), cli_linktype(c->w_linktype));
		break;
	case SKIP_INTERFACE:
		fprintf(stderr, "kcap: frames of link type %u skipped: %s\n",
			m->linktype, detail);
		break;
	case SKIP_NR:
		break;
	}
}

/*
 * Whether the expression takes @m: 1, 0, -1 if it does not apply to @m's
 * link type (said, counted), or KCAP_EXIT_* after a line as -KCAP_EXIT_*.
 */
static int consume_match(struct consume_ctx *c, const struct kcap_kafka_msg *m)
{
	struct bpf_program prog;
	struct pcap_pkthdr h;
	struct kcap_error e;
	unsigned int i;

	if (!c->o->filter)
		return 1;
	for (i = 0; i < c->nr_filters; i++)
		if (c->filter_linktypes[i] == m->linktype)
			break;
	if (i == c->nr_filters) {
		if (c->nr_filters == CONSUME_LINKTYPES_MAX)
			return -cli_fail("more than %d link types in the topic",
					 CONSUME_LINKTYPES_MAX);
		c->filter_ok[i] = !kcap_filter_compile(&c->filters[i],
						       c->o->filter,
						       m->linktype, NULL, &e);
		if (!c->filter_ok[i] && e.err == -ENOMEM)
			return -cli_error(&e, NULL);
		c->filter_linktypes[c->nr_filters++] = m->linktype;
		if (!c->filter_ok[i]) {
			consume_skip(c, SKIP_FILTER, m, e.msg);
			return -1;
		}
	}
	if (!c->filter_ok[i]) {
		c->skipped++;
		return -1;
	}
	if (!c->filters[i].len)
		return 1;
	prog.bf_len = c->filters[i].len;
	prog.bf_insns = (struct bpf_insn *)c->filters[i].insns;
	h.caplen = m->frame.caplen;
	h.len = m->frame.len;
	return pcap_offline_filter(&prog, &h, m->frame.data) ? 1 : 0;
}

/* The reader of standard output went: no failure, nothing more to write. */
static bool consume_gone(struct consume_ctx *c, int err)
{
	const char *f = c->o->file;

	if (err != -EPIPE || (f && strcmp(f, "-")))
		return false;
	__fpurge(stdout);
	clearerr(stdout);
	c->gone = true;
	return true;
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

/* The pcapng interface of @m: its number, or -1 (skipped, said). */
static int64_t consume_interface(struct consume_ctx *c,
				 const struct kcap_kafka_msg *m)
{
	const struct consume_if *ifp;
	struct consume_if *ifs;
	char name[KCAP_IFNAMSIZ + 16];
	uint32_t i;
	int err;

	for (i = 0, ifp = c->ifs; i < c->nr_ifs; i++, ifp++)
		if (ifp->ifindex == m->frame.ifindex &&
		    ifp->linktype == m->linktype &&
		    !strcmp(ifp->name, m->ifname))
			return i;
	if (m->linktype > UINT16_MAX) {
		consume_skip(c, SKIP_INTERFACE, m,
			     "a pcapng file has link types up to 65535");
		return -1;
	}
	ifs = realloc(c->ifs, (c->nr_ifs + 1) * sizeof(*ifs));
	if (!ifs)
		return -ENOMEM;
	c->ifs = ifs;
	if (m->ifname[0])
		snprintf(name, sizeof(name), "%s", m->ifname);
	else
		snprintf(name, sizeof(name), "if%u", m->frame.ifindex);
	err = kcap_writer_add_interface(c->w, c->nr_ifs, name,
					(int)m->linktype, 0);
	if (err)
		return err;
	ifs[c->nr_ifs].ifindex = m->frame.ifindex;
	ifs[c->nr_ifs].linktype = m->linktype;
	snprintf(ifs[c->nr_ifs].name, sizeof(ifs[c->nr_ifs].name), "%s",
		 m->ifname);
	return c->nr_ifs++;
}

/* @m written: 0, 1 if skipped (said), or KCAP_EXIT_* after a line. */
static int consume_write(struct consume_ctx *c, const struct kcap_kafka_msg *m)
{
	struct kcap_packet pkt = { .frame = m->frame };
	char line[512];
	int64_t ifid;
	int err;

	if (!c->o->file) {
		kcap_format_packet(line, sizeof(line), &pkt, m->linktype,
				   m->ifname[0] ? m->ifname : NULL, c->o->nano);
		if (puts(line) != EOF)
			return 0;
		if (consume_gone(c, -errno))
			return 0;
		return cli_fail("error writing output: %s", strerror(errno));
	}
	if (!c->w && consume_open_writer(c, m->linktype))
		return KCAP_EXIT_FAIL;
	if (c->o->format == KCAP_FORMAT_PCAP && m->linktype != c->w_linktype) {
		/* Nothing in it yet: the file takes the first frame's. */
		if (c->written || !strcmp(c->o->file, "-")) {
			consume_skip(c, SKIP_LINKTYPE, m, NULL);
			return 1;
		}
		err = kcap_writer_close(c->w);
		c->w = NULL;
		if (err)
			return cli_fail("writing '%s': %s", c->o->file,
					strerror(-err));
		if (consume_open_writer(c, m->linktype))
			return KCAP_EXIT_FAIL;
	}
	if (c->o->format == KCAP_FORMAT_PCAPNG) {
		ifid = consume_interface(c, m);
		if (ifid == -1)
			return 1;
		if (ifid < 0) {
			err = (int)ifid;
			goto fail;
		}
		pkt.frame.ifindex = (uint32_t)ifid;
	}
	err = kcap_writer_write(c->w, &pkt.frame);
	if (!err)
		return 0;
fail:
	if (consume_gone(c, err))
		return 0;
	return cli_fail("writing '%s': %s", c->o->file, strerror(-err));
}

/*
 * What is written out to the file (or standard output), and a group's
 * offsets after it stored: a message is never committed before its frame
 * is safe.  0, or KCAP_EXIT_* after a line.
 */
static int consume_sync(struct consume_ctx *c)
{
	struct kcap_error e;
	int err = 0;

	if (c->gone)
		return 0;
	if (c->w)
		err = kcap_writer_flush(c->w);
	else if (!c->o->file && fflush(stdout) == EOF)
		err = -errno;
	if (err) {
		if (consume_gone(c, err))
			return 0;
		return cli_fail("writing '%s': %s",
				c->o->file ? c->o->file : "standard output",
				strerror(-err));
	}
	c->stored_ms = consume_ms();
	if (kcap_kafka_consumer_store(c->k, &e))
		return cli_fail("%s", e.msg);
	return 0;
}

/* A message: filtered, skipped or written; 0 or KCAP_EXIT_* after a line. */
static int consume_one(struct consume_ctx *c, const struct kcap_kafka_msg *m)
{
	int ret;

	c->consumed++;
	ret = consume_match(c, m);
	if (ret < -1)
		return -ret;
	if (ret < 0)
		return 0;	/* skipped */
	if (!ret) {
		c->filtered++;
		return 0;
	}
	ret = consume_write(c, m);
	if (ret == 1)
		return 0;	/* skipped */
	if (!ret && !c->gone)
		c->written++;
	return ret;
}

static int consume_loop(struct consume_ctx *c)
{
	const struct consume_opts *o = c->o;
	struct kcap_kafka_msg m;
	struct kcap_error e;
	int ret, got;

	while (!consume_stop && !c->gone &&
	       (!o->count || c->written < o->count)) {
		got = kcap_kafka_consume(c->k, CONSUME_POLL_MS, &m, &e);
		if (got == -ENODATA)
			break;
		if (got < 0)
			return cli_fail("%s", e.msg);
		if (got) {
			ret = consume_one(c, &m);
			if (ret)
				return ret;
		}
		/* Idle, or a while since: out to the file, offsets stored. */
		if (!got || consume_ms() - c->stored_ms >= CONSUME_STORE_MS) {
			ret = consume_sync(c);
			if (ret)
				return ret;
		}
	}
	return KCAP_EXIT_OK;
}

/*
 * The file now, so that one that cannot be written is said before any
 * message: pcap's of Ethernet, reopened for another link type if the
 * first frame has one; pcap on standard output once that frame says which.
 */
static int consume_start(struct consume_ctx *c)
{
	const struct consume_opts *o = c->o;

	if (!o->file ||
	    (o->format == KCAP_FORMAT_PCAP && !strcmp(o->file, "-")))
		return 0;
	return consume_open_writer(c, LINKTYPE_ETHERNET);
}

/*
 * The file out and closed, then the offsets of what it holds stored (the
 * consumer's close commits them): @ret, or KCAP_EXIT_* after a line.
 */
static int consume_finish(struct consume_ctx *c, int ret, uint64_t *kept)
{
	const struct consume_opts *o = c->o;
	struct kcap_error e;
	uint64_t bytes;
	int err = 0;

	*kept = c->written;
	/* No frame: still a valid, empty file, as tcpdump -w leaves. */
	if (!ret && o->file && !c->w && !c->gone)
		ret = consume_open_writer(c, LINKTYPE_ETHERNET);
	if (!ret && c->w && o->format == KCAP_FORMAT_PCAPNG && !c->nr_ifs)
		err = kcap_writer_add_interface(c->w, 0, NULL,
						LINKTYPE_ETHERNET, 0);
	if (c->w) {
		if (!err)
			err = kcap_writer_flush(c->w);
		kcap_writer_kept(c->w, kept, &bytes);
		if (kcap_writer_close(c->w) && !err)
			err = -EIO;
		c->w = NULL;
		if (err && !consume_gone(c, err) && !ret)
			ret = cli_fail("writing '%s': %s", o->file,
				       strerror(-err));
	} else if (!o->file && fflush(stdout) == EOF &&
		   !consume_gone(c, -errno) && !ret) {
		ret = cli_fail("error writing output: %s", strerror(errno));
	}
	if (!ret && !c->gone && kcap_kafka_consumer_store(c->k, &e))
		ret = cli_fail("%s", e.msg);
	return ret;
}

int cmd_consume(int argc, char **argv)
{
	struct consume_ctx c = { 0 };
	struct consume_opts o;
	struct kcap_error e;
	unsigned int i;
	uint64_t kept;
	int ret;

	ret = consume_parse(argc, argv, &o);
	if (ret) {
		free(o.filter);
		return ret;
	}
	c.o = &o;
	/*
	 * The expression, for Ethernet (Pycapa's frames): a typo is said,
	 * exit 2, before any message; other link types compile as they come.
	 */
	if (o.filter) {
		if (kcap_filter_compile(&c.filters[0], o.filter,
					LINKTYPE_ETHERNET, NULL, &e)) {
			free(o.filter);
			return cli_error(&e, NULL);
		}
		c.filter_linktypes[0] = LINKTYPE_ETHERNET;
		c.filter_ok[0] = true;
		c.nr_filters = 1;
	}
	/* The topic first: a file is not truncated for brokers not there. */
	if (kcap_kafka_consumer_open(&c.k, &o.k, &e)) {
		ret = cli_fail("%s", e.msg);
		goto out;
	}
	ret = consume_start(&c);
	if (ret) {
		kcap_kafka_consumer_close(c.k);
		goto out;
	}
	fprintf(stderr, "kcap: reading Kafka topic %s from %s%s%s\n",
		o.k.topic, o.k.brokers, o.k.group ? " as group " : "",
		o.k.group ? o.k.group : "");
	consume_signals(true);
	c.stored_ms = consume_ms();
	ret = consume_loop(&c);
	/* (a signal now still gets the file out and the summary) */
	ret = consume_finish(&c, ret, &kept);
	kcap_kafka_consumer_close(c.k);
	fprintf(stderr, "%s%llu messages consumed, %llu frames written, %llu did not match the filter",
		consume_stop ? "\n" : "",
		(unsigned long long)c.consumed, (unsigned long long)kept,
		(unsigned long long)c.filtered);
	if (c.skipped)
		fprintf(stderr, ", %llu skipped",
			(unsigned long long)c.skipped);
	fputc('\n', stderr);
	consume_signals(false);
out:
	for (i = 0; i < c.nr_filters; i++)
		if (c.filter_ok[i])
			kcap_filter_free(&c.filters[i]);
	free(c.ifs);
	free(o.filter);
	return ret;
}

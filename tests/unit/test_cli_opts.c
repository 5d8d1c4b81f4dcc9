// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): the command lines of capture, dump, add, set, show and del
 * (what they accept, and the one line and exit status 2 of what they do
 * not), the per-frame line, and the text and JSON forms of 'show'.
 */

#define _GNU_SOURCE	/* asprintf() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <pcap/pcap.h>

#include "unit.h"
#include "cli.h"
#include "cli_util.h"


static void test_capture_everything(void **state)
{
	struct capture_opts o;

	(void)state;
	assert_int_equal(PARSE(capture_parse, &o, "-i", "eth0", "-Q", "in",
			       "-s", "0", "-c", "5", "-w", "out.pcapng", "-F",
			       "pcapng", "--nano", "-B", "100", "-p", "--hook",
			       "rx_handler", "tcp", "port", "80"), 0);
	assert_int_equal(o.nr_devs, 1);
	assert_string_equal(o.devs[0], "eth0");
	assert_null(o.cfg.ifname);
	assert_int_equal(o.cfg.set, KCAP_CFG_DIRECTION | KCAP_CFG_SNAPLEN |
			 KCAP_CFG_RING_SIZE | KCAP_CFG_FLAGS | KCAP_CFG_HOOK |
			 KCAP_CFG_FILTER);
	assert_int_equal(o.cfg.direction, KCAP_DIR_IN);
	assert_int_equal(o.cfg.snaplen, 262144);	/* 0: the largest */
	assert_int_equal(o.out.count, 5);
	assert_string_equal(o.out.file, "out.pcapng");
	assert_int_equal(o.out.format, KCAP_FORMAT_PCAPNG);
	assert_true(o.out.nano);
	assert_int_equal(o.cfg.ring_size, 128 * 1024);	/* rounded up */
	assert_int_equal(o.cfg.flags, KCAP_SESSION_F_NOPROMISC);
	assert_int_equal(o.cfg.hook, KCAP_HOOK_RX_HANDLER);
	assert_string_equal(o.filter, "tcp port 80");
	assert_ptr_equal(o.cfg.filter, o.filter);
	free(o.filter);
}

static void test_capture_defaults(void **state)
{
	struct capture_opts o;

	(void)state;
	assert_int_equal(PARSE(capture_parse, &o, "-i", "lo"), 0);
	assert_int_equal(o.nr_devs, 1);
	assert_string_equal(o.devs[0], "lo");
	assert_int_equal(o.cfg.set, KCAP_CFG_DIRECTION | KCAP_CFG_SNAPLEN);
	assert_int_equal(o.cfg.direction, KCAP_DIR_INOUT);
	assert_int_equal(o.cfg.snaplen, 262144);
	assert_null(o.cfg.filter);
	assert_null(o.out.file);
	assert_int_equal(o.out.format, KCAP_FORMAT_PCAP);
	assert_false(o.out.nano);
	assert_int_equal(o.out.count, 0);
	assert_null(o.filter);
}

/* Options after the expression, as tcpdump on glibc; -- ends them. */
static void test_capture_order(void **state)
{
	struct capture_opts o;

	(void)state;
	assert_int_equal(PARSE(capture_parse, &o, "icmp", "-i", "lo", "or",
			       "arp", "-c", "3", "-Q", "out"), 0);
	assert_string_equal(o.filter, "icmp or arp");
	assert_int_equal(o.out.count, 3);
	assert_int_equal(o.cfg.direction, KCAP_DIR_OUT);
	free(o.filter);

	assert_int_equal(PARSE(capture_parse, &o, "-i", "lo", "-w", "-",
			       "--", "ip[0]", "&", "0xf", "!=", "5", "-c"),
			 0);
	assert_string_equal(o.out.file, "-");
	assert_string_equal(o.filter, "ip[0] & 0xf != 5 -c");
	assert_int_equal(o.out.count, 0);
	free(o.filter);
}

/* -i again: more devices, as dumpcap takes them; dump takes NAMEs. */
static void test_several(void **state)
{
	struct capture_opts o;
	struct dump_opts d;

	(void)state;
	assert_int_equal(PARSE(capture_parse, &o, "-i", "va", "icmp", "-i",
			       "vb", "-i", "vc"), 0);
	assert_int_equal(o.nr_devs, 3);
	assert_string_equal(o.devs[0], "va");
	assert_string_equal(o.devs[1], "vb");
	assert_string_equal(o.devs[2], "vc");
	assert_string_equal(o.filter, "icmp");
	free(o.filter);
	/* Every device, -p (meaningless there) or not. */
	assert_int_equal(PARSE(capture_parse, &o, "-i", "any", "-p",
			       "--hook", "netfilter"), 0);
	assert_int_equal(o.nr_devs, 1);
	assert_string_equal(o.devs[0], "any");
	assert_int_equal(PARSE(dump_parse, &d, "web", "-c", "3", "dns"), 0);
	assert_int_equal(d.nr_names, 2);
	assert_string_equal(d.names[0], "web");
	assert_string_equal(d.names[1], "dns");
	assert_int_equal(d.out.count, 3);
}

static void test_capture_ring_sizes(void **state)
{
	static const struct {
		const char *kib;
		uint32_t bytes;
	} cases[] = {
		{ "1", 4096 }, { "4", 4096 }, { "5", 8192 },
		{ "2048", 2 << 20 }, { "2049", 4 << 20 },
		{ "2097152", 1U << 31 },
	};
	struct capture_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(PARSE(capture_parse, &o, "-i", "lo", "-B",
				       (char *)cases[i].kib), 0);
		assert_int_equal(o.cfg.ring_size, cases[i].bytes);
	}
}



static void test_capture_bad(void **state)
{
	static const struct bad_line cases[] = {
		{ { "capture", NULL },
		  "kcap: capture: which device? -i DEV is needed" SEE },
		{ { "capture", "tcp", NULL },
		  "kcap: capture: which device? -i DEV is needed" SEE },
		{ { "capture", "-i", NULL },
		  "kcap: capture: option '-i' needs a value" SEE },
		{ { "capture", "-i", "", NULL },
		  "kcap: capture: invalid -i device name '' (must be 1 to 15 "
		  "bytes)" SEE },
		{ { "capture", "-i", "abcdefghijklmnopq", NULL },
		  "kcap: capture: invalid -i device name 'abcdefghijklmnopq' "
		  "(must be 1 to 15 bytes)" SEE },
		{ { "capture", "-i", "lo", "-y", NULL },
		  "kcap: capture: unknown option '-y'" SEE },
		{ { "capture", "-i", "lo", "--frob", NULL },
		  "kcap: capture: unknown option '--frob'" SEE },
		{ { "capture", "-i", "lo", "--hook", NULL },
		  "kcap: capture: option '--hook' needs a value" SEE },
		{ { "capture", "-i", "lo", "--hook", "xdp", NULL },
		  "kcap: capture: invalid --hook 'xdp' (must be netfilter, "
		  "rx_handler or tap)" SEE },
		{ { "capture", "-i", "lo", "-Q", "sideways", NULL },
		  "kcap: capture: invalid -Q direction 'sideways' (must be in, "
		  "out or inout)" SEE },
		{ { "capture", "-i", "lo", "-Q", "off", NULL },
		  "kcap: capture: invalid -Q direction 'off' (must be in, out "
		  "or inout)" SEE },
		{ { "capture", "-i", "lo", "-s", "262145", NULL },
		  "kcap: capture: invalid -s snapshot length '262145' (must be "
		  "0 to 262144 bytes)" SEE },
		{ { "capture", "-i", "lo", "-s", "-1", NULL },
		  "kcap: capture: invalid -s snapshot length '-1' (must be 0 "
		  "to 262144 bytes)" SEE },
		{ { "capture", "-i", "lo", "-s", "12k", NULL },
		  "kcap: capture: invalid -s snapshot length '12k' (must be 0 "
		  "to 262144 bytes)" SEE },
		{ { "capture", "-i", "lo", "-c", "0", NULL },
		  "kcap: capture: invalid -c packet count '0' (must be 1 or "
		  "more packets)" SEE },
		{ { "capture", "-i", "lo", "-c", "", NULL },
		  "kcap: capture: invalid -c packet count '' (must be 1 or "
		  "more packets)" SEE },
		{ { "capture", "-i", "lo", "-c", "99999999999999999999", NULL },
		  "kcap: capture: invalid -c packet count "
		  "'99999999999999999999' (must be 1 or more packets)" SEE },
		{ { "capture", "-i", "lo", "-B", "0", NULL },
		  "kcap: capture: invalid -B buffer size '0' (must be 1 to "
		  "2097152 KiB)" SEE },
		{ { "capture", "-i", "lo", "-B", "2097153", NULL },
		  "kcap: capture: invalid -B buffer size '2097153' (must be 1 "
		  "to 2097152 KiB)" SEE },
		{ { "capture", "-i", "lo", "-w", "x", "-F", "erf", NULL },
		  "kcap: capture: invalid -F format 'erf' (must be pcap or "
		  "pcapng)" SEE },
		{ { "capture", "-i", "lo", "-F", "pcapng", NULL },
		  "kcap: capture: -F needs -w FILE" SEE },
		{ { "capture", "-i", "any", "--hook", "rx_handler", NULL },
		  "kcap: capture: -i any captures from the netfilter hook: "
		  "no --hook rx_handler" SEE },
		{ { "capture", "-i", "lo", "-i", "any", "--hook", "rx_handler",
		    NULL },
		  "kcap: capture: -i any captures from the netfilter hook: "
		  "no --hook rx_handler" SEE },
	};

	(void)state;
	check_bad_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Runtime failures are exit 1, with one line. */
static void test_capture_no_device(void **state)
{
	struct run *r;

	(void)state;
	r = run_kcap("capture", "-i", "kcapnosuch0", "tcp", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_FAIL);
	assert_string_equal(r->err, "kcap: no such device 'kcapnosuch0'\n");
	r = run_kcap("add", "s1", "dev", "kcapnosuch0", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_FAIL);
	assert_string_equal(r->err, "kcap: no such device 'kcapnosuch0'\n");
}

static void test_no_module(void **state)
{
	static const char *const cmds[][4] = {
		{ "capture", "-i", "lo", NULL },
		{ "show", NULL },
		{ "show", "s1", "stats", NULL },
		{ "del", "s1", NULL },
		{ "set", "s1", "snaplen", "64" },
		{ "dump", "s1", NULL },
		{ "add", "s1", "dev", "lo" },
	};
	size_t i;

	(void)state;
	if (kcap_module_loaded())
		skip();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct run *r = run_kcap(cmds[i][0], cmds[i][1], cmds[i][2],
					 cmds[i][3], NULL);

		assert_int_equal(r->ret, KCAP_EXIT_FAIL);
		assert_string_equal(r->err, "kcap: the kcap kernel module is "
				    "not loaded: run 'modprobe kcap' as root\n");
		assert_string_equal(r->out, "");
	}
}

static void test_dump(void **state)
{
	struct dump_opts o;

	(void)state;
	assert_int_equal(PARSE(dump_parse, &o, "cap0"), 0);
	assert_int_equal(o.nr_names, 1);
	assert_string_equal(o.names[0], "cap0");
	assert_null(o.out.file);
	assert_int_equal(o.out.count, 0);

	assert_int_equal(PARSE(dump_parse, &o, "-w", "-", "cap0", "-c", "10",
			       "-F", "pcapng", "--nano"), 0);
	assert_int_equal(o.nr_names, 1);
	assert_string_equal(o.names[0], "cap0");
	assert_string_equal(o.out.file, "-");
	assert_int_equal(o.out.count, 10);
	assert_int_equal(o.out.format, KCAP_FORMAT_PCAPNG);
	assert_true(o.out.nano);
}

/* --kafka and its options, on capture and dump; consume's command line. */
static void test_kafka(void **state)
{
	struct capture_opts o;
	struct dump_opts d;

	(void)state;
	assert_int_equal(PARSE(capture_parse, &o, "-i", "lo", "--kafka",
			       "k1:9092,k2:9092", "--topic", "pcap",
			       "--kafka-conf", "compression.codec=lz4",
			       "--kafka-conf", "linger.ms=5",
			       "--partition-by", "flow", "udp"), 0);
	assert_string_equal(o.out.kafka, "k1:9092,k2:9092");
	assert_string_equal(o.out.topic, "pcap");
	assert_int_equal(o.out.nr_kafka_conf, 2);
	assert_string_equal(o.out.kafka_conf[0], "compression.codec=lz4");
	assert_string_equal(o.out.kafka_conf[1], "linger.ms=5");
	assert_int_equal(o.out.partition_by, KCAP_KAFKA_BY_FLOW);
	assert_string_equal(o.filter, "udp");
	assert_null(o.out.file);
	free(o.filter);

	assert_int_equal(PARSE(dump_parse, &d, "web", "--kafka", "k:1",
			       "--topic", "t", "-w", "x.pcap"), 0);
	assert_string_equal(d.out.kafka, "k:1");
	assert_int_equal(d.out.partition_by, KCAP_KAFKA_BY_KEY);
	assert_string_equal(d.out.file, "x.pcap");
}

static void test_kafka_bad(void **state)
{
	static const struct bad_line cases[] = {
		{ { "capture", "-i", "lo", "--kafka", "k:1", NULL },
		  "kcap: capture: --kafka needs --topic TOPIC" SEE },
		{ { "capture", "-i", "lo", "--topic", "t", NULL },
		  "kcap: capture: --topic, --kafka-conf and --partition-by "
		  "need --kafka BROKERS" SEE },
		{ { "dump", "web", "--kafka", "k:1", "--topic", "t",
		    "--partition-by", "port", NULL },
		  "kcap: dump: invalid --partition-by 'port' (must be key or "
		  "flow)" SEE },
		{ { "capture", "-i", "lo", "--kafka", "k:1", "--topic", "t",
		    "--kafka-conf", "linger.ms", NULL },
		  "kcap: capture: invalid librdkafka setting 'linger.ms' (must "
		  "be KEY=VALUE, as kcat -X)" SEE },
		{ { "capture", "-r", "x.pcap", "--kafka", "k:1", "--topic", "t",
		    NULL },
		  "kcap: capture: -r reads a file: --kafka produces a live "
		  "capture" SEE },
		{ { "consume", "--topic", "t", NULL },
		  "kcap: consume: --kafka BROKERS is needed" SEE },
		{ { "consume", "--kafka", "k:1", NULL },
		  "kcap: consume: --topic TOPIC is needed" SEE },
		{ { "consume", "--kafka", "k:1", "--topic", "t", "--from",
		    "stored", NULL },
		  "kcap: consume: --from stored needs --group: the offsets are "
		  "a group's" SEE },
		{ { "consume", "--kafka", "k:1", "--topic", "t", "--from",
		    "middle", NULL },
		  "kcap: consume: invalid --from 'middle' (must be beginning, "
		  "end or stored)" SEE },
		{ { "consume", "--kafka", "k:1", "--topic", "t", "-F",
		    "pcapng", NULL },
		  "kcap: consume: -F needs -w FILE" SEE },
		{ { "consume", "--kafka", "k:1", "--topic", "t", "-X", "x",
		    NULL },
		  "kcap: consume: invalid librdkafka setting 'x' (must be "
		  "KEY=VALUE, as kcat -X)" SEE },
	};

	(void)state;
	check_bad_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_dump_bad(void **state)
{
	static const struct bad_line cases[] = {
		{ { "dump", NULL },
		  "kcap: dump: which session? NAME is needed" SEE },
		{ { "dump", "-w", "x", NULL },
		  "kcap: dump: which session? NAME is needed" SEE },
		{ { "dump", "a", "b/c", NULL },
		  "kcap: dump: invalid session name 'b/c' (must be 1 to 31 of "
		  "A-Z a-z 0-9 _ . -)" SEE },
		{ { "dump", "a/b", NULL },
		  "kcap: dump: invalid session name 'a/b' (must be 1 to 31 of "
		  "A-Z a-z 0-9 _ . -)" SEE },
		{ { "dump", "a", "-w", NULL },
		  "kcap: dump: option '-w' needs a value" SEE },
		{ { "dump", "a", "-i", "lo", NULL },
		  "kcap: dump: unknown option '-i'" SEE },
		{ { "dump", "a", "-F", "pcapng", NULL },
		  "kcap: dump: -F needs -w FILE" SEE },
	};

	(void)state;
	check_bad_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

/* receive: the server, -w FILE, capture's output options. */
static void test_receive(void **state)
{
	struct receive_opts o;

	(void)state;
	assert_int_equal(PARSE(receive_parse, &o, "box:5000", "-w", "rx.pcap",
			       "-C", "2", "-W", "3", "-a", "packets:9",
			       "-F", "pcapng"), 0);
	assert_string_equal(o.addr, "box:5000");
	assert_string_equal(o.out.file, "rx.pcap");
	assert_int_equal(o.out.rotate_bytes, 2000000);
	assert_int_equal(o.out.ring_files, 3);
	assert_int_equal(o.out.stop_packets, 9);
	assert_int_equal(o.out.format, KCAP_FORMAT_PCAPNG);
	assert_int_equal(PARSE(receive_parse, &o, "-w", "x", "[::1]:9"), 0);
	assert_string_equal(o.addr, "[::1]:9");
	/* A file per connection: -W, -z, -a files without -C or -G. */
	assert_int_equal(PARSE(receive_parse, &o, "5000", "-w", "x", "-W", "4",
			       "-z", "gzip", "-a", "files:9"), 0);
	assert_int_equal(o.out.ring_files, 4);
	assert_string_equal(o.out.postrotate, "gzip");
	assert_int_equal(o.out.stop_files, 9);
}

static void test_receive_bad(void **state)
{
	static const struct bad_line cases[] = {
		{ { "receive", NULL },
		  "kcap: receive: which server? [HOST:]PORT is needed" SEE },
		{ { "receive", "5000", NULL },
		  "kcap: receive: where to? -w FILE is needed" SEE },
		{ { "receive", "5000", "6000", "-w", "x", NULL },
		  "kcap: receive: one server only: unexpected '6000'" SEE },
		{ { "receive", "box:0", "-w", "x", NULL },
		  "kcap: receive: invalid server address 'box:0' (must be "
		  "[HOST:]PORT, PORT 1 to 65535, an IPv6 address in brackets)"
		  SEE },
		{ { "receive", "5000", "-w", "-", NULL },
		  "kcap: receive: -w -: each connection starts a file, "
		  "standard output cannot take several" SEE },
		{ { "receive", "5000", "-w", "x", "--listen", "6000", NULL },
		  "kcap: receive: --listen serves a capture: receive stores one"
		  SEE },
		{ { "receive", "5000", "-w", "x", "--kafka", "k:9092",
		    "--topic", "t", NULL },
		  "kcap: receive: --kafka sends a capture: receive stores one "
		  "(kcap consume reads a topic)" SEE },
		{ { "receive", "5000", "-w", "x", "--topic", "t", NULL },
		  "kcap: receive: --kafka sends a capture: receive stores one "
		  "(kcap consume reads a topic)" SEE },
		{ { "receive", "5000", "-w", "x", "-i", "lo", NULL },
		  "kcap: receive: unknown option '-i'" SEE },
	};

	(void)state;
	check_bad_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_add(void **state)
{
	struct kcap_session_config c;

	(void)state;
	assert_int_equal(PARSE(add_parse, &c, "web", "dev", "eth0"), 0);
	assert_string_equal(c.name, "web");
	assert_string_equal(c.ifname, "eth0");
	/* Only the flags are sent: the kernel's defaults for the rest. */
	assert_int_equal(c.set, KCAP_CFG_FLAGS);
	assert_int_equal(c.flags, KCAP_SESSION_F_PERSISTENT);
	assert_null(c.filter);

	assert_int_equal(PARSE(add_parse, &c, "web.1", "nopromisc",
			       "direction", "out", "filter", "tcp port 80",
			       "dev", "eth0", "snaplen", "96", "ring-size",
			       "64K", "hook", "rx_handler"), 0);
	assert_string_equal(c.name, "web.1");
	assert_int_equal(c.set, KCAP_CFG_DIRECTION | KCAP_CFG_FILTER |
			 KCAP_CFG_SNAPLEN | KCAP_CFG_RING_SIZE | KCAP_CFG_HOOK |
			 KCAP_CFG_FLAGS);
	assert_int_equal(c.direction, KCAP_DIR_OUT);
	assert_string_equal(c.filter, "tcp port 80");
	assert_int_equal(c.snaplen, 96);
	assert_int_equal(c.ring_size, 65536);
	assert_int_equal(c.hook, KCAP_HOOK_RX_HANDLER);
	assert_int_equal(c.flags, KCAP_SESSION_F_PERSISTENT |
			 KCAP_SESSION_F_NOPROMISC);

	/* One vocabulary of directions; the older words as input too. */
	assert_int_equal(PARSE(add_parse, &c, "a", "dev", "lo", "ring-size",
			       "4096", "direction", "off"), 0);
	assert_int_equal(c.ring_size, 4096);
	assert_int_equal(c.direction, KCAP_DIR_OFF);
	assert_int_equal(PARSE(add_parse, &c, "a", "dev", "lo", "ring-size",
			       "2G", "capture", "ingress"), 0);
	assert_int_equal(c.ring_size, 1U << 31);
	assert_int_equal(c.direction, KCAP_DIR_IN);
	assert_int_equal(PARSE(add_parse, &c, "a", "dev", "lo", "ring-size",
			       "8m", "capture", "bidirectional"), 0);
	assert_int_equal(c.ring_size, 8 << 20);
	assert_int_equal(c.direction, KCAP_DIR_INOUT);
	assert_int_equal(PARSE(add_parse, &c, "a", "dev", "lo", "direction",
			       "in"), 0);
	assert_int_equal(c.direction, KCAP_DIR_IN);
	assert_int_equal(PARSE(add_parse, &c, "a", "dev", "lo", "direction",
			       "egress"), 0);
	assert_int_equal(c.direction, KCAP_DIR_OUT);

	/* Every device: libkcap makes it an ANYDEV session. */
	assert_int_equal(PARSE(add_parse, &c, "all", "dev", "any", "hook",
			       "netfilter", "filter", "icmp"), 0);
	assert_string_equal(c.ifname, "any");
	assert_int_equal(c.hook, KCAP_HOOK_NETFILTER);
}

#define RING_MUST	"(must be a power of two from 4096 to 2G bytes)" SEE

static void test_add_bad(void **state)
{
	static const struct bad_line cases[] = {
		{ { "add", NULL },
		  "kcap: add: which session? NAME is needed" SEE },
		{ { "add", "x", NULL },
		  "kcap: add: which device? 'dev DEV' is needed" SEE },
		{ { "add", "x", "snaplen", "5", NULL },
		  "kcap: add: which device? 'dev DEV' is needed" SEE },
		{ { "add", "x", "dev", NULL },
		  "kcap: add: 'dev' needs a value" SEE },
		{ { "add", "x", "dev", "lo", "filter", NULL },
		  "kcap: add: 'filter' needs a value" SEE },
		{ { "add", "0123456789012345678901234567890123", NULL },
		  "kcap: add: invalid session name "
		  "'0123456789012345678901234567890123' "
		  "(must be 1 to 31 of A-Z a-z 0-9 _ . -)" SEE },
		{ { "add", "", "dev", "lo", NULL },
		  "kcap: add: invalid session name '' "
		  "(must be 1 to 31 of A-Z a-z 0-9 _ . -)" SEE },
		{ { "add", "x", "dev", "lo", "frob", NULL },
		  "kcap: add: unknown keyword 'frob'" SEE },
		{ { "add", "x", "dev", "lo", "dev", "lo", NULL },
		  "kcap: add: 'dev' given twice" SEE },
		{ { "add", "x", "dev", "lo", "direction", "up", NULL },
		  "kcap: add: invalid direction 'up' (must be in, out, inout "
		  "or off)" SEE },
		{ { "add", "x", "dev", "lo", "capture", "up", NULL },
		  "kcap: add: invalid capture 'up' (must be in, out, inout or "
		  "off)" SEE },
		{ { "add", "x", "dev", "lo", "snaplen", "0", NULL },
		  "kcap: add: invalid snaplen '0' (must be 1 to 262144 bytes)"
		  SEE },
		{ { "add", "x", "dev", "lo", "ring-size", "5000", NULL },
		  "kcap: add: invalid ring-size '5000' " RING_MUST },
		{ { "add", "x", "dev", "lo", "ring-size", "2K", NULL },
		  "kcap: add: invalid ring-size '2K' " RING_MUST },
		{ { "add", "x", "dev", "lo", "ring-size", "4G", NULL },
		  "kcap: add: invalid ring-size '4G' " RING_MUST },
		{ { "add", "x", "dev", "lo", "ring-size", "4KB", NULL },
		  "kcap: add: invalid ring-size '4KB' " RING_MUST },
		{ { "add", "x", "dev", "lo", "hook", "tc", NULL },
		  "kcap: add: invalid hook 'tc' (must be netfilter, "
		  "rx_handler or tap)" SEE },
		{ { "add", "x", "dev", "any", "hook", "rx_handler", NULL },
		  "kcap: add: dev any captures from the netfilter hook: not "
		  "'hook rx_handler'" SEE },
		{ { "add", "x", "dev", "any", "hook", "tap", NULL },
		  "kcap: add: dev any captures from the netfilter hook: not "
		  "'hook tap'" SEE },
	};

	(void)state;
	check_bad_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_set(void **state)
{
	struct kcap_session_config c;

	(void)state;
	assert_int_equal(PARSE(set_parse, &c, "web", "filter", "all"), 0);
	assert_string_equal(c.name, "web");
	assert_string_equal(c.filter, "all");
	assert_int_equal(c.set, KCAP_CFG_FILTER);

	assert_int_equal(PARSE(set_parse, &c, "web", "snaplen", "128",
			       "direction", "off", "filter", "udp"), 0);
	assert_int_equal(c.set, KCAP_CFG_SNAPLEN | KCAP_CFG_DIRECTION |
			 KCAP_CFG_FILTER);
	assert_int_equal(c.snaplen, 128);
	assert_int_equal(c.direction, KCAP_DIR_OFF);
	assert_string_equal(c.filter, "udp");
	assert_null(c.ifname);
}

static void test_set_bad(void **state)
{
	static const struct bad_line cases[] = {
		{ { "set", NULL },
		  "kcap: set: which session? NAME is needed" SEE },
		{ { "set", "x", NULL },
		  "kcap: set: nothing to set (give direction, snaplen or "
		  "filter)" SEE },
		{ { "set", "x", "dev", "lo", NULL },
		  "kcap: set: 'dev' cannot change once the session exists "
		  "(del and add it again)" SEE },
		{ { "set", "x", "ring-size", "4096", NULL },
		  "kcap: set: 'ring-size' cannot change once the session "
		  "exists (del and add it again)" SEE },
		{ { "set", "x", "hook", "netfilter", NULL },
		  "kcap: set: 'hook' cannot change once the session exists "
		  "(del and add it again)" SEE },
		{ { "set", "x", "nopromisc", NULL },
		  "kcap: set: 'nopromisc' cannot change once the session "
		  "exists (del and add it again)" SEE },
		{ { "set", "x", "snaplen", "1", "snaplen", "2", NULL },
		  "kcap: set: 'snaplen' given twice" SEE },
		{ { "set", "x", "direction", "in", "capture", "out", NULL },
		  "kcap: set: 'capture' given twice" SEE },
		{ { "set", "x", "direction", NULL },
		  "kcap: set: 'direction' needs a value" SEE },
	};

	(void)state;
	check_bad_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_show_del(void **state)
{
	static const struct bad_line cases[] = {
		{ { "show", "a", "b", NULL },
		  "kcap: show: invalid field 'b' (must be filter, snaplen or "
		  "stats)" SEE },
		{ { "show", "a", "stats", "x", NULL },
		  "kcap: show: unexpected argument 'x'" SEE },
		{ { "show", "--yaml", NULL },
		  "kcap: show: unknown option '--yaml'" SEE },
		{ { "show", "a:b", NULL },
		  "kcap: show: invalid session name 'a:b' (must be 1 to 31 of "
		  "A-Z a-z 0-9 _ . -)" SEE },
		{ { "del", NULL },
		  "kcap: del: which session? NAME is needed" SEE },
		{ { "del", "a", "b", NULL },
		  "kcap: del: unexpected argument 'b'" SEE },
		{ { "del", "a b", NULL },
		  "kcap: del: invalid session name 'a b' (must be 1 to 31 of "
		  "A-Z a-z 0-9 _ . -)" SEE },
	};
	struct show_opts o;

	(void)state;
	assert_int_equal(PARSE(show_parse, &o, "--json"), 0);
	assert_null(o.name);
	assert_true(o.json);
	assert_int_equal(o.field, SHOW_ALL);
	assert_int_equal(PARSE(show_parse, &o, "s", "stats"), 0);
	assert_string_equal(o.name, "s");
	assert_int_equal(o.field, SHOW_STATS);
	assert_false(o.json);
	assert_int_equal(PARSE(show_parse, &o, "-j", "s", "filter"), 0);
	assert_int_equal(o.field, SHOW_FILTER);
	assert_true(o.json);
	assert_int_equal(PARSE(show_parse, &o, "stats", "snaplen"), 0);
	assert_string_equal(o.name, "stats");	/* the first word: a NAME */
	assert_int_equal(o.field, SHOW_SNAPLEN);
	check_bad_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The per-frame line, in UTC. */
static void check_line(const uint8_t *data, uint32_t caplen, uint32_t len,
		       uint8_t dir, uint32_t linktype, bool nano,
		       const char *want)
{
	struct kcap_packet pkt = {
		.frame = {
			.tstamp_ns = 1700000000123456789ULL, .caplen = caplen,
			.len = len, .ifindex = 1, .direction = dir,
			.data = data,
		},
	};
	char line[256];

	kcap_format_packet(line, sizeof(line), &pkt, linktype, NULL, nano);
	assert_string_equal(line, want);
}

#define ETH(type)	0x02, 0, 0, 0, 0, 2,  0x02, 0, 0, 0, 0, 1, \
			(type) >> 8, (type) & 0xff
#define IPV4(proto)	0x45, 0, 0, 40,  0, 0, 0, 0,  64, (proto), 0, 0, \
			192, 0, 2, 1,  192, 0, 2, 2

struct tframe {
	const uint8_t	*data;
	uint32_t	len;
};

/*
 * The words kcap's line shares with tcpdump mean what they mean to it:
 * the "length N" of each Ethernet frame is the one tcpdump prints for it.
 */
static void check_tcpdump_lengths(const struct tframe *f, size_t nr,
				  int dlt)
{
	char path[] = "/tmp/kcap-print.XXXXXX", cmd[256], line[512], want[512];
	struct kcap_packet pkt = { .frame = { .direction = KCAP_FRAME_IN } };
	struct pcap_pkthdr h = { .ts = { 1700000000, 0 } };
	pcap_dumper_t *d;
	const char *len;
	pcap_t *dead;
	size_t i;
	FILE *p;
	int fd;

	if (system("command -v tcpdump >/dev/null"))
		return;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	dead = pcap_open_dead(dlt, 65535);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	for (i = 0; i < nr; i++) {
		h.caplen = h.len = f[i].len;
		pcap_dump((u_char *)d, &h, f[i].data);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	snprintf(cmd, sizeof(cmd), "tcpdump -nn -r %s 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	for (i = 0; i < nr; i++) {
		assert_non_null(fgets(want, sizeof(want), p));
		pkt.frame.data = f[i].data;
		pkt.frame.caplen = pkt.frame.len = f[i].len;
		kcap_format_packet(line, sizeof(line), &pkt,
				   kcap_dlt_to_linktype(dlt), NULL, false);
		len = strstr(line, ", length ");
		assert_non_null(len);
		if (!strstr(want, len))
			fail_msg("kcap's '%s' is not in tcpdump's '%s'", len,
				 want);
	}
	pclose(p);
	unlink(path);
}

static void test_print(void **state)
{
	static const uint8_t syn[] = {
		ETH(0x0800), IPV4(6),
		0x04, 0xd2, 0x00, 0x50,  0, 0, 0, 0,  0, 0, 0, 0,
		0x50, 0x12, 0, 0,  0, 0, 0, 0,
	};
	static const uint8_t ping[] = {
		ETH(0x8100), 0x00, 0x64, 0x08, 0x00, IPV4(1), 8, 0, 0, 0,
	};
	static const uint8_t arp[] = {
		ETH(0x0806), 0, 1, 0x08, 0, 6, 4, 0, 1,
		0x02, 0, 0, 0, 0, 1,  192, 0, 2, 1,
		0, 0, 0, 0, 0, 0,  192, 0, 2, 2,
	};
	static const uint8_t udp6[] = {
		ETH(0x86dd),
		0x60, 0, 0, 0,  0, 10, 17, 64,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0x30, 0x39, 0x9c, 0x40, 0, 10, 0, 0,  'h', 'i',
	};
	static const uint8_t raw[] = { IPV4(17), 0, 53, 0, 53, 0, 8, 0, 0 };
	static const uint8_t lldp[] = { ETH(0x88cc), 0, 0 };
	static const uint8_t echo[] = {
		ETH(0x0800), IPV4(1), 8, 0, 0, 0, 0x12, 0x34, 0, 7,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	const struct tframe frames[] = {
		{ syn, sizeof(syn) },
		{ echo, sizeof(echo) },
		{ arp, sizeof(arp) }, { udp6, sizeof(udp6) },
		{ lldp, sizeof(lldp) },
	};

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	check_line(syn, sizeof(syn), sizeof(syn), KCAP_FRAME_IN, 1, false,
		   "22:13:20.123456 In IP 192.0.2.1.1234 > 192.0.2.2.80: "
		   "Flags [S.], length 0");
	check_line(syn, 40, 1514, KCAP_FRAME_OUT, 1, true,
		   "22:13:20.123456789 Out IP 192.0.2.1.1234 > 192.0.2.2.80: "
		   "[|tcp], captured 40");
	check_line(ping, sizeof(ping), sizeof(ping), KCAP_FRAME_OUT, 1,
		   false, "22:13:20.123456 Out vlan 100, IP 192.0.2.1 > "
		   "192.0.2.2: ICMP echo request, length 20");
	check_line(echo, sizeof(echo), sizeof(echo), KCAP_FRAME_IN, 1,
		   false, "22:13:20.123456 In IP 192.0.2.1 > 192.0.2.2: ICMP "
		   "echo request, id 4660, seq 7, length 20");
	check_line(arp, sizeof(arp), 60, KCAP_FRAME_IN, 1, false,
		   "22:13:20.123456 In ARP, Request who-has 192.0.2.2 tell "
		   "192.0.2.1, length 46, captured 42");
	check_line(udp6, sizeof(udp6), sizeof(udp6), KCAP_FRAME_IN, 1, false,
		   "22:13:20.123456 In IP6 2001:db8::1.12345 > "
		   "2001:db8::2.40000: UDP, length 2");
	check_line(raw, sizeof(raw), sizeof(raw), KCAP_FRAME_IN, 101, false,
		   "22:13:20.123456 In IP 192.0.2.1.53 > 192.0.2.2.53: UDP, "
		   "length 0");
	check_line(lldp, sizeof(lldp), sizeof(lldp), 0, 1, false,
		   "22:13:20.123456 ? ethertype 0x88cc, length 2");
	check_line(syn, 10, 54, KCAP_FRAME_IN, 1, false,
		   "22:13:20.123456 In [|ether], captured 10");
	check_line(syn, 0, 54, KCAP_FRAME_IN, 101, false,
		   "22:13:20.123456 In IP [|ip], captured 0");
	check_line(syn, sizeof(syn), sizeof(syn), KCAP_FRAME_IN, 113, false,
		   "22:13:20.123456 In LINUX_SLL, length 54");
	check_tcpdump_lengths(frames, sizeof(frames) / sizeof(frames[0]),
			      DLT_EN10MB);
}

/* Linux cooked v2 headers, as a session on every device makes them. */
#define SLL2(proto, ifindex, pkt_type) \
	(proto) >> 8, (proto) & 0xff, 0, 0, \
	0, 0, (ifindex) >> 8, (ifindex) & 0xff,  0, 1,  (pkt_type), 6, \
	0x02, 0, 0, 0, 0, 1, 0, 0

static const uint8_t sll2_echo[] = {
	SLL2(0x0800, 1, 0), IPV4(1), 8, 0, 0, 0, 0x12, 0x34, 0, 7,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/*
 * Each frame of "-i any" names its device, by the index in its cooked
 * header (lo is 1 in every network namespace), as tcpdump prints it.
 */
static void test_print_any(void **state)
{
	static const uint8_t arp[] = {
		SLL2(0x0806, 0xfffe, 4), 0, 1, 0x08, 0, 6, 4, 0, 1,
		0x02, 0, 0, 0, 0, 1,  192, 0, 2, 1,
		0, 0, 0, 0, 0, 0,  192, 0, 2, 2,
	};
	static const uint8_t lldp[] = { SLL2(0x88cc, 1, 0), 0, 0 };
	const struct tframe frames[] = {
		{ sll2_echo, sizeof(sll2_echo) }, { arp, sizeof(arp) },
		{ lldp, sizeof(lldp) },
	};

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	check_line(sll2_echo, sizeof(sll2_echo), sizeof(sll2_echo),
		   KCAP_FRAME_IN, 276, false,
		   "22:13:20.123456 lo In IP 192.0.2.1 > 192.0.2.2: ICMP "
		   "echo request, id 4660, seq 7, length 20");
	/* No direction in the record (a file's): the packet type's. */
	check_line(arp, sizeof(arp), sizeof(arp), 0, 276, false,
		   "22:13:20.123456 ifindex 65534 Out ARP, Request who-has "
		   "192.0.2.2 tell 192.0.2.1, length 28");
	check_line(lldp, sizeof(lldp), sizeof(lldp), 0, 276, false,
		   "22:13:20.123456 lo In ethertype 0x88cc, length 2");
	check_line(sll2_echo, 30, 68, KCAP_FRAME_OUT, 276, false,
		   "22:13:20.123456 lo Out IP [|ip], captured 30");
	check_line(sll2_echo, 12, 68, KCAP_FRAME_OUT, 276, false,
		   "22:13:20.123456 Out [|sll2], captured 12");
	check_tcpdump_lengths(frames, sizeof(frames) / sizeof(frames[0]),
			      DLT_LINUX_SLL2);
}

/* Linux cooked capture v2 headers, as libpcap makes them for -i any. */
static void test_cooked(void **state)
{
	static const uint8_t ping[] = {
		ETH(0x8100), 0x00, 0x64, 0x08, 0x00, IPV4(1), 8, 0, 0, 0,
	};
	static const uint8_t raw[] = { IPV4(17), 0, 53, 0, 53, 0, 8, 0, 0 };
	static const uint8_t want_ping[KCAP_SLL2_HDR_LEN] = {
		0x81, 0x00, 0, 0,  0, 0, 0, 7,  0, 1,  4,  6,
		0x02, 0, 0, 0, 0, 1, 0, 0,
	};
	static const uint8_t want_raw[KCAP_SLL2_HDR_LEN] = {
		0x08, 0x00, 0, 0,  0, 0, 0, 7,  0xff, 0xfe,  1,  0,
	};
	struct kcap_packet pkt = {
		.frame = { .caplen = sizeof(ping), .len = sizeof(ping),
			   .ifindex = 7, .direction = KCAP_FRAME_OUT,
			   .data = ping },
		.protocol = 0x0800,
	};
	uint8_t hdr[KCAP_SLL2_HDR_LEN];

	(void)state;
	/* The type in the bytes: the tag stays in the payload. */
	assert_int_equal(kcap_packet_cooked(&pkt, 1, hdr), 14);
	assert_memory_equal(hdr, want_ping, sizeof(hdr));
	/* A frame received keeps its packet type (1: broadcast). */
	pkt.frame.data = raw;
	pkt.frame.caplen = pkt.frame.len = sizeof(raw);
	pkt.frame.direction = KCAP_FRAME_IN;
	pkt.pkt_type = 1;
	assert_int_equal(kcap_packet_cooked(&pkt, 101, hdr), 0);
	assert_memory_equal(hdr, want_raw, sizeof(hdr));
	assert_int_equal(kcap_packet_cooked(&pkt, 113, hdr), -EPROTONOSUPPORT);

	/* A cooked frame already: its own header, as many bytes as it has. */
	pkt.frame.data = sll2_echo;
	pkt.frame.caplen = pkt.frame.len = sizeof(sll2_echo);
	assert_int_equal(kcap_packet_cooked(&pkt, 276, hdr), 20);
	assert_memory_equal(hdr, sll2_echo, sizeof(hdr));
	pkt.frame.caplen = 6;
	assert_int_equal(kcap_packet_cooked(&pkt, 276, hdr), 6);
	assert_memory_equal(hdr, sll2_echo, 6);
	assert_memory_equal(hdr + 6, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14);
}

/*
 * The print flags: frames through the real tcpdump, which prints each
 * one's device (lo: index 1) and direction as with -i any.
 */
static void test_printer(void **state)
{
	static const uint8_t udp[] = {
		ETH(0x0800), 0x45, 0, 0, 30,  0, 0, 0, 0,  64, 17, 0, 0,
		192, 0, 2, 1,  192, 0, 2, 2,  0, 53, 0x9c, 0x40, 0, 10, 0, 0,
		'h', 'i',
	};
	struct kcap_packet pkt = {
		.frame = { .tstamp_ns = 1700000000123456789ULL,
			   .caplen = sizeof(udp), .len = sizeof(udp),
			   .ifindex = 1, .direction = KCAP_FRAME_OUT,
			   .data = udp },
	};
	struct cli_printer *p;
	struct redirect out, err;
	struct cli_output o;
	char buf[OUT_MAX], ebuf[OUT_MAX];

	(void)state;
	if (system("command -v tcpdump >/dev/null"))
		skip();
	cli_output_init(&o);
	o.print.t = 1;
	o.print.q = 1;
	redirect_start(&out, stdout);
	redirect_start(&err, stderr);
	assert_int_equal(cli_printer_open(&p, &o, 262144, true, 0), 0);
	assert_int_equal(cli_printer_frame(p, &pkt, 1), 0);
	pkt.frame.direction = KCAP_FRAME_IN;
	assert_int_equal(cli_printer_frame(p, &pkt, 1), 0);
	assert_int_equal(cli_printer_flush(p), 0);
	assert_int_equal(cli_printer_close(p), 0);
	redirect_end(&err, ebuf, sizeof(ebuf));
	redirect_end(&out, buf, sizeof(buf));
	assert_string_equal(buf,
		"lo    Out IP 192.0.2.1.53 > 192.0.2.2.40000: UDP, length 2\n"
		"lo    In  IP 192.0.2.1.53 > 192.0.2.2.40000: UDP, length 2\n");
	assert_string_equal(ebuf, "");	/* "reading from file -" dropped */
}

/*
 * The printer's limits: a frame of the largest snaplen goes to tcpdump
 * within libpcap's record limit; a tcpdump that writes 100 KB on stderr
 * (a stub first on PATH) does not deadlock kcap, and all of it is passed
 * on.
 */
static void test_printer_limits(void **state)
{
	static uint8_t big[262144] = { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1,
				       0x08, 0x00 };
	struct kcap_packet pkt = {
		.frame = { .caplen = sizeof(big), .len = sizeof(big),
			   .ifindex = 1, .direction = KCAP_FRAME_IN,
			   .data = big },
	};
	char dir[] = "/tmp/kcap-stub.XXXXXX", path[64], *old, *env;
	struct redirect out, err;
	struct cli_printer *p;
	struct cli_output o;
	static char ebuf[200000];
	FILE *f;

	(void)state;
	if (system("command -v tcpdump >/dev/null"))
		skip();
	cli_output_init(&o);
	o.print.q = 1;
	redirect_start(&out, stdout);
	assert_int_equal(cli_printer_open(&p, &o, 262144, true, 0), 0);
	assert_int_equal(cli_printer_frame(p, &pkt, 1), 0);
	assert_int_equal(cli_printer_close(p), 0);
	redirect_end(&out, ebuf, sizeof(ebuf));
	if (!strstr(ebuf, "lo    In  "))
		fail_msg("tcpdump printed: %.200s", ebuf);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tcpdump", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' x >&2\n"
	      "echo >&2\ncat >/dev/null\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
	old = strdup(getenv("PATH"));
	assert_int_equal(asprintf(&env, "%s:%s", dir, old) > 0, 1);
	setenv("PATH", env, 1);
	alarm(20);			/* a deadlock fails the test */
	redirect_start(&err, stderr);
	assert_int_equal(cli_printer_open(&p, &o, 262144, true, 0), 0);
	assert_int_equal(cli_printer_frame(p, &pkt, 1), 0);
	assert_int_equal(cli_printer_flush(p), 0);
	assert_int_equal(cli_printer_close(p), 0);
	redirect_end(&err, ebuf, sizeof(ebuf));
	alarm(0);
	setenv("PATH", old, 1);
	assert_int_equal(strspn(ebuf, "x"), 100000);
	unlink(path);
	rmdir(dir);
	free(env);
	free(old);
}

/*
 * capture -r: a pcapng file of libkcap's writer read back with each
 * frame's device and direction; -Q, an expression, -c, -w.
 */
static void test_read_file(void **state)
{
	static const uint8_t req[] = {
		ETH(0x0800), 0x45, 0, 0, 28,  0, 0, 0, 0,  64, 1, 0, 0,
		192, 0, 2, 1,  192, 0, 2, 2,  8, 0, 0, 0,  0, 9, 0, 1,
	};
	static const uint8_t rep[] = {
		ETH(0x0800), 0x45, 0, 0, 28,  0, 0, 0, 0,  64, 1, 0, 0,
		192, 0, 2, 2,  192, 0, 2, 1,  0, 0, 0, 0,  0, 9, 0, 1,
	};
	const struct kcap_frame f[] = {
		{ 1700000000000001000ULL, sizeof(req), sizeof(req), 2,
		  KCAP_FRAME_IN, req },
		{ 1700000000000002000ULL, sizeof(rep), sizeof(rep), 1,
		  KCAP_FRAME_OUT, rep },
	};
	static const uint8_t raw_udp[] = {
		0x45, 0, 0, 28,  0, 0, 0, 0,  64, 17, 0, 0,
		192, 0, 2, 1,  192, 0, 2, 2,  0, 53, 0, 53, 0, 8, 0, 0,
	};
	char path[] = "/tmp/kcap-r.XXXXXX", out[64], cmd[160];
	uint8_t null_udp[4 + sizeof(raw_udp)];
	struct kcap_writer *w;
	struct run *r;
	int fd;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(out, sizeof(out), "%s.out", path);
	assert_int_equal(kcap_writer_open(&w, path, KCAP_FORMAT_PCAPNG, 1, 0,
					  false), 0);
	assert_int_equal(kcap_writer_add_interface(w, 2, "eth0", 1, 0), 0);
	assert_int_equal(kcap_writer_add_interface(w, 1, "lo", 1, 0), 0);
	assert_int_equal(kcap_writer_write(w, &f[0]), 0);
	assert_int_equal(kcap_writer_write(w, &f[1]), 0);
	assert_int_equal(kcap_writer_close(w), 0);

	r = run_kcap("capture", "-r", path, NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_string_equal(r->out,
		"22:13:20.000001 eth0 In IP 192.0.2.1 > 192.0.2.2: ICMP echo "
		"request, id 9, seq 1, length 8\n"
		"22:13:20.000002 lo Out IP 192.0.2.2 > 192.0.2.1: ICMP echo "
		"reply, id 9, seq 1, length 8\n");
	r = run_kcap("capture", "-r", path, "-Q", "in", NULL);
	assert_string_equal(r->out,
		"22:13:20.000001 eth0 In IP 192.0.2.1 > 192.0.2.2: ICMP echo "
		"request, id 9, seq 1, length 8\n");
	r = run_kcap("capture", "-r", path, "icmp[icmptype]", "=", "0", NULL);
	assert_non_null(strstr(r->out, "echo reply"));
	assert_null(strstr(r->out, "echo request"));
	r = run_kcap("capture", "-r", path, "-c", "1", NULL);
	assert_null(strchr(strchr(r->out, '\n') + 1, '\n'));

	/* -w: a pcap file of both, without their directions. */
	r = run_kcap("capture", "-r", path, "-w", out, NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	r = run_kcap("capture", "-r", out, NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_non_null(strstr(r->out, "000001 ? IP 192.0.2.1 > "));
	assert_non_null(strstr(r->out, "000002 ? IP 192.0.2.2 > "));

	/*
	 * A second section, raw IP, its interface numbered 0 again: "udp"
	 * compiled for its own link type finds its frame, and -w pcapng
	 * keeps it on its own interface.
	 */
	assert_int_equal(kcap_writer_open(&w, out, KCAP_FORMAT_PCAPNG, 101, 0,
					  false), 0);
	assert_int_equal(kcap_writer_add_interface(w, 9, "tun0", 101, 0), 0);
	assert_int_equal(kcap_writer_write(w, &(struct kcap_frame){
		1700000000000003000ULL, sizeof(raw_udp), sizeof(raw_udp), 9,
		KCAP_FRAME_OUT, raw_udp }), 0);
	assert_int_equal(kcap_writer_close(w), 0);
	snprintf(cmd, sizeof(cmd), "cat %s >>%s", out, path);
	assert_int_equal(system(cmd), 0);
	r = run_kcap("capture", "-r", path, "udp", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_string_equal(r->out, "22:13:20.000003 tun0 Out IP 192.0.2.1.53 "
			    "> 192.0.2.2.53: UDP, length 0\n");
	r = run_kcap("capture", "-r", path, "-w", out, "-F", "pcapng", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	r = run_kcap("capture", "-r", out, "udp", NULL);
	assert_string_equal(r->out, "22:13:20.000003 tun0 Out IP 192.0.2.1.53 "
			    "> 192.0.2.2.53: UDP, length 0\n");

	/*
	 * A pcap file of link type 0 (BSD loopback) through tcpdump (-q): as
	 * it is, not mistaken for pcapng's frames to cook.
	 */
	assert_int_equal(kcap_writer_open(&w, out, KCAP_FORMAT_PCAP, 0, 0,
					  false), 0);
	memcpy(null_udp, "\x02\0\0\0", 4);	/* AF_INET, host order */
	memcpy(null_udp + 4, raw_udp, sizeof(raw_udp));
	assert_int_equal(kcap_writer_write(w, &(struct kcap_frame){
		1700000000000004000ULL, sizeof(null_udp), sizeof(null_udp), 1,
		0, null_udp }), 0);
	assert_int_equal(kcap_writer_close(w), 0);
	if (!system("command -v tcpdump >/dev/null")) {
		r = run_kcap("capture", "-r", out, "-q", NULL);
		assert_int_equal(r->ret, KCAP_EXIT_OK);
		assert_non_null(strstr(r->out, "IP 192.0.2.1.53 > 192.0.2.2.53: "
					       "UDP, length 0"));
	}

	r = run_kcap("capture", "-r", path, "-i", "lo", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_USAGE);
	assert_string_equal(r->err, "kcap: capture: -r reads a file: no -i "
			    "with it" SEE);
	r = run_kcap("capture", "-r", path, "-G", "5", "-w", out, NULL);
	assert_int_equal(r->ret, KCAP_EXIT_USAGE);
	r = run_kcap("capture", "-r", path, "-Z", "no-such-kcap-user", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_FAIL);
	assert_string_equal(r->err, "kcap: -Z no-such-kcap-user: no such "
			    "user\n");
	r = run_kcap("capture", "-r", "/nonexistent", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_FAIL);
	assert_string_equal(r->err, "kcap: cannot read '/nonexistent': No "
			    "such file or directory\n");
	unlink(out);
	unlink(path);
}

/* A session, as 'show' is given it; free() it. */
static struct kcap_session_info *session(void)
{
	struct kcap_session_info *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->id = 7;
	strcpy(s->name, "web");
	s->ifindex = 2;
	strcpy(s->ifname, "eth0");
	s->direction = KCAP_DIR_IN;
	s->snaplen = 96;
	strcpy(s->filter_text, "tcp port 80 and \"x\\y\"\n");
	s->filter_len = 12;
	s->hook = KCAP_HOOK_NETFILTER;
	s->ring_size = 1 << 21;
	s->flags = KCAP_SESSION_F_PERSISTENT | KCAP_SESSION_F_NOPROMISC;
	s->state = KCAP_STATE_ATTACHED;
	s->dev_type = 1;
	s->linktype = 1;
	s->nr_rings = 4;
	s->stats = (struct kcap_stats){ 10, 8, 6, 2, 1ULL << 40, 1 };
	s->has_stats = true;
	return s;
}

static void print_to(char *buf, size_t size,
		     void (*fn)(FILE *, const struct kcap_session_info *),
		     const struct kcap_session_info *s)
{
	FILE *f = fmemopen(buf, size, "w");

	assert_non_null(f);
	fn(f, s);
	assert_int_equal(fclose(f), 0);
}

static void test_show_text(void **state)
{
	static const struct {
		uint8_t format;
		const char *name;
	} formats[] = {
		{ KCAP_RING_FORMAT_PCAP_NSEC, "pcap-nsec" },
		{ KCAP_RING_FORMAT_PCAPNG, "pcapng" },
	};
	struct kcap_session_info *s = session();
	char buf[1024];
	size_t i;

	(void)state;
	print_to(buf, sizeof(buf), show_print_text, s);
	assert_string_equal(buf,
		"web: id 7 dev eth0 ifindex 2 state attached linktype EN10MB\n"
		"\tdirection in snaplen 96 hook netfilter ring-size 2097152"
		" rings 4 persistent nopromisc\n"
		"\tfilter \"tcp port 80 and \\\"x\\\\y\\\"\\n\" insns 12\n"
		"\tseen 10 passed 8 delivered 6 dropped 2 bytes 1099511627776 "
		"cut 1\n");

	/* Rings of pcap records or pcapng blocks: said after their size. */
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char want[96];

		s->ring_format = formats[i].format;
		print_to(buf, sizeof(buf), show_print_text, s);
		snprintf(want, sizeof(want),
			 " ring-size 2097152 ring-format %s rings 4 persistent",
			 formats[i].name);
		assert_non_null(strstr(buf, want));
		print_to(buf, sizeof(buf), show_print_json, s);
		snprintf(want, sizeof(want), "\"ring_format\":\"%s\",",
			 formats[i].name);
		assert_non_null(strstr(buf, want));
	}
	s->ring_format = KCAP_RING_FORMAT_KCAP;

	/* Owned, detached, no filter, an unknown link type. */
	s->flags = 0;
	s->has_owner = true;
	s->owner = 4242;
	s->state = KCAP_STATE_DETACHED;
	s->filter_len = 0;
	s->filter_text[0] = '\0';
	s->linktype = 65000;
	s->direction = KCAP_DIR_INOUT;
	s->hook = KCAP_HOOK_RX_HANDLER;
	print_to(buf, sizeof(buf), show_print_text, s);
	assert_string_equal(buf,
		"web: id 7 dev eth0 ifindex 2 state detached linktype 65000\n"
		"\tdirection inout snaplen 96 hook rx_handler ring-size "
		"2097152 rings 4 owner 4242\n"
		"\tfilter all\n"
		"\tseen 10 passed 8 delivered 6 dropped 2 bytes 1099511627776 "
		"cut 1\n");

	/* On every device: dev any, as 'kcap add' takes it. */
	s->flags = KCAP_SESSION_F_ANYDEV | KCAP_SESSION_F_NOPROMISC |
		   KCAP_SESSION_F_PERSISTENT;
	s->has_owner = false;
	s->state = KCAP_STATE_ATTACHED;
	s->hook = KCAP_HOOK_NETFILTER;
	strcpy(s->ifname, "any");
	s->ifindex = 0;
	s->dev_type = 0;
	s->linktype = KCAP_LINKTYPE_LINUX_SLL2;
	print_to(buf, sizeof(buf), show_print_text, s);
	assert_string_equal(buf,
		"web: id 7 dev any ifindex 0 state attached linktype "
		"LINUX_SLL2\n"
		"\tdirection inout snaplen 96 hook netfilter ring-size "
		"2097152 rings 4 persistent nopromisc\n"
		"\tfilter all\n"
		"\tseen 10 passed 8 delivered 6 dropped 2 bytes 1099511627776 "
		"cut 1\n");
	print_to(buf, sizeof(buf), show_print_json, s);
	assert_non_null(strstr(buf, "\"ifindex\":0,\"ifname\":\"any\","));
	assert_non_null(strstr(buf, ",\"flags\":7,"));
	assert_non_null(strstr(buf, ",\"dev_type\":null,\"linktype\":276,"
				    "\"linktype_name\":\"LINUX_SLL2\","));
	free(s);
}

/* The JSON of test_show_json() read back by jq(1). */
static void check_with_jq(const char *json)
{
	char path[] = "/tmp/kcap-json.XXXXXX";
	char cmd[256], out[256] = "";
	FILE *in;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	snprintf(cmd, sizeof(cmd), "jq -j '.filter_text, \"|\", .stats.bytes, "
		 "\"|\", .owner, \"|\", .persistent' %s", path);
	in = popen(cmd, "r");
	assert_non_null(in);
	assert_true(fread(out, 1, sizeof(out) - 1, in) > 0);
	assert_int_equal(pclose(in), 0);
	unlink(path);
	assert_string_equal(out, "tcp\x01port 80 and \"x\\y\"\n"
			    "|1099511627776|null|true");
}

static void test_show_json(void **state)
{
	struct kcap_session_info *s = session();
	char buf[1024];

	(void)state;
	s->filter_text[3] = '\x01';
	print_to(buf, sizeof(buf), show_print_json, s);
	assert_string_equal(buf,
		"{\"id\":7,\"name\":\"web\",\"ifindex\":2,\"ifname\":\"eth0\","
		"\"state\":\"attached\",\"direction\":\"in\",\"snaplen\":96,"
		"\"filter_text\":\"tcp\\u0001port 80 and \\\"x\\\\y\\\"\\n\","
		"\"filter_len\":12,\"hook\":\"netfilter\",\"ring_size\":2097152,"
		"\"ring_format\":\"kcap\",\"nr_rings\":4,\"flags\":3,\"persistent\":true,"
		"\"nopromisc\":true,\"owner\":null,\"dev_type\":1,"
		"\"linktype\":1,\"linktype_name\":\"EN10MB\","
		"\"stats\":{\"seen\":10,\"passed\":8,\"delivered\":6,"
		"\"dropped\":2,\"bytes\":1099511627776,\"cut\":1}}");

	/* What jq makes of it, where jq is installed. */
	if (!system("command -v jq >/dev/null 2>&1"))
		check_with_jq(buf);

	/* No filter: null, as 'show NAME filter --json' says it. */
	s->filter_len = 0;
	s->filter_text[0] = '\0';
	print_to(buf, sizeof(buf), show_print_json, s);
	assert_non_null(strstr(buf, ",\"filter_text\":null,\"filter_len\":0,"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_everything),
		cmocka_unit_test(test_capture_defaults),
		cmocka_unit_test(test_capture_order),
		cmocka_unit_test(test_several),
		cmocka_unit_test(test_capture_ring_sizes),
		cmocka_unit_test(test_capture_bad),
		cmocka_unit_test(test_capture_no_device),
		cmocka_unit_test(test_no_module),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_dump_bad),
		cmocka_unit_test(test_kafka),
		cmocka_unit_test(test_kafka_bad),
		cmocka_unit_test(test_receive),
		cmocka_unit_test(test_receive_bad),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_add_bad),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_bad),
		cmocka_unit_test(test_show_del),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_print_any),
		cmocka_unit_test(test_cooked),
		cmocka_unit_test(test_printer),
		cmocka_unit_test(test_printer_limits),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_show_text),
		cmocka_unit_test(test_show_json),
	};

	return cmocka_run_group_tests_name("kcap command lines", tests, NULL,
					   NULL);
}

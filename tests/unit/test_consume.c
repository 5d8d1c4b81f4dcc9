// SPDX-License-Identifier: GPL-2.0
/*
 * kcap consume, run in-process (kcap_main()) against librdkafka's mock
 * cluster, the messages produced by libkcap's producer with kcap's header:
 * devices of two hosts that share an ifindex are interfaces of their own
 * in a pcapng file; a message a file or the filter cannot take is skipped,
 * said once, not the end of the consume; a bad filter or a file that
 * cannot be written is said before any message; a message larger than
 * libpcap reads is cut, the file still read.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pcap/pcap.h>

#include "cli_util.h"
#include "kcap.h"

#define LT_ETHERNET	1
#define LT_RAW		101
#define LT_IEEE802_11	105
#define BIG		300000

struct mock {
	rd_kafka_t		*rk;
	rd_kafka_mock_cluster_t	*mc;
	char			brokers[256];
};

static void mock_start(struct mock *mk)
{
	char err[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();

	rd_kafka_conf_set(c, "log_level", "0", err, sizeof(err));
	mk->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	assert_non_null(mk->rk);
	mk->mc = rd_kafka_mock_cluster_new(mk->rk, 1);
	assert_non_null(mk->mc);
	assert_int_equal(rd_kafka_mock_topic_create(mk->mc, "t", 1, 1), 0);
	snprintf(mk->brokers, sizeof(mk->brokers), "%s",
		 rd_kafka_mock_cluster_bootstraps(mk->mc));
}

static void mock_stop(struct mock *mk)
{
	rd_kafka_mock_cluster_destroy(mk->mc);
	rd_kafka_destroy(mk->rk);
}

static const char *const quiet_conf[] = { "log_level=0" };

/* A message of kcap's: frame @n (its bytes n + j) of @caplen bytes. */
struct msg {
	uint32_t	ifindex;
	const char	*ifname;
	uint32_t	linktype;
	uint32_t	caplen;
};

static uint8_t *frame_bytes(uint32_t n, uint32_t caplen)
{
	static uint8_t buf[BIG];
	uint32_t j;

	for (j = 0; j < caplen; j++)
		buf[j] = (uint8_t)(n + j);
	if (caplen >= 14) {	/* Ethernet: an IPv4 frame */
		buf[12] = 0x08;
		buf[13] = 0x00;
	}
	return buf;
}

static void produce(const struct mock *mk, const struct msg *ms, size_t nr)
{
	struct kcap_kafka_opts po = {
		.brokers = mk->brokers, .topic = "t", .conf = quiet_conf,
		.nr_conf = 1,
	};
	struct kcap_kafka_producer *p;
	struct kcap_kafka_counts n;
	struct kcap_frame f;
	struct kcap_error e;
	size_t i;

	assert_int_equal(kcap_kafka_producer_open(&p, &po, &e), 0);
	for (i = 0; i < nr; i++) {
		memset(&f, 0, sizeof(f));
		f.tstamp_ns = 1700000000000000000ULL + i;
		f.caplen = f.len = ms[i].caplen;
		f.ifindex = ms[i].ifindex;
		f.data = frame_bytes((uint32_t)i, ms[i].caplen);
		assert_int_equal(kcap_kafka_produce(p, &f, ms[i].linktype,
						    ms[i].ifname), 0);
		kcap_kafka_poll(p);
	}
	kcap_kafka_producer_close(p, 10000, &n);
	assert_int_equal(n.delivered, nr);
}

/* A pcapng file's interfaces and the interface of each of its frames. */
struct ng {
	unsigned int	nr_ifs, nr_frames;
	uint16_t	linktype[8];
	char		name[8][32];
	uint32_t	ifid[16];
	uint32_t	caplen[16];
};

static void read_ng(const char *path, struct ng *ng)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long size;
	size_t off = 0, opt;
	uint32_t type, len;
	uint16_t code, olen;

	memset(ng, 0, sizeof(*ng));
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	b = malloc((size_t)size);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	while (off + 12 <= (size_t)size) {
		memcpy(&type, b + off, 4);
		memcpy(&len, b + off + 4, 4);
		assert_true(len >= 12 && off + len <= (size_t)size);
		if (type == 1) {	/* IDB */
			assert_true(ng->nr_ifs < 8);
			memcpy(&ng->linktype[ng->nr_ifs], b + off + 8, 2);
			for (opt = off + 16; opt + 4 <= off + len - 4;
			     opt += 4 + ((olen + 3U) & ~3U)) {
				memcpy(&code, b + opt, 2);
				memcpy(&olen, b + opt + 2, 2);
				if (!code)
					break;
				if (code == 2)	/* if_name */
					snprintf(ng->name[ng->nr_ifs], 32,
						 "%.*s", olen, b + opt + 4);
			}
			ng->nr_ifs++;
		} else if (type == 6) {	/* EPB */
			assert_true(ng->nr_frames < 16);
			memcpy(&ng->ifid[ng->nr_frames], b + off + 8, 4);
			memcpy(&ng->caplen[ng->nr_frames], b + off + 20, 4);
			ng->nr_frames++;
		}
		off += len;
	}
	assert_int_equal(off, (size_t)size);
	free(b);
}

static char path[] = "/tmp/kcap-consume-XXXXXX.pcapng";

/*
 * Two hosts' eth0 (ifindex 2, Ethernet), the second's wlan0 and tun0 of
 * the same ifindex 2: three interfaces, each frame on its own.
 */
static void test_consume_interfaces(void **state)
{
	static const struct msg ms[] = {
		{ 2, "eth0", LT_ETHERNET, 60 },
		{ 2, "wlan0", LT_IEEE802_11, 70 },
		{ 2, "eth0", LT_ETHERNET, 80 },
		{ 2, "tun0", LT_RAW, 40 },
		{ 2, "wlan0", LT_IEEE802_11, 50 },
	};
	struct mock mk;
	struct run *r;
	struct ng ng;

	(void)state;
	mock_start(&mk);
	produce(&mk, ms, 5);
	r = run_kcap("consume", "--kafka", mk.brokers, "--topic", "t",
		     "-X", "log_level=0", "-F", "pcapng", "-w", path, NULL);
	assert_int_equal(r->ret, 0);
	assert_non_null(strstr(r->err, "5 messages consumed, 5 frames written"));
	read_ng(path, &ng);
	assert_int_equal(ng.nr_ifs, 3);
	assert_string_equal(ng.name[0], "eth0");
	assert_int_equal(ng.linktype[0], LT_ETHERNET);
	assert_string_equal(ng.name[1], "wlan0");
	assert_int_equal(ng.linktype[1], LT_IEEE802_11);
	assert_string_equal(ng.name[2], "tun0");
	assert_int_equal(ng.linktype[2], LT_RAW);
	assert_int_equal(ng.nr_frames, 5);
	assert_int_equal(ng.ifid[0], 0);
	assert_int_equal(ng.ifid[1], 1);
	assert_int_equal(ng.ifid[2], 0);
	assert_int_equal(ng.ifid[3], 2);
	assert_int_equal(ng.ifid[4], 1);
	assert_int_equal(ng.caplen[3], 40);
	mock_stop(&mk);
	unlink(path);
}

/*
 * Messages a file or the filter cannot take: skipped, said once each,
 * the others written, exit 0.
 */
static void test_consume_skips(void **state)
{
	static const struct msg ms[] = {
		{ 2, "eth0", LT_ETHERNET, 60 },
		{ 3, "tun0", LT_RAW, 40 },	/* not the pcap file's */
		{ 4, "odd0", 70000, 40 },	/* no pcapng link type */
		{ 2, "eth0", LT_ETHERNET, 61 },
		{ 4, "odd0", 70000, 40 },
		{ 3, "tun0", LT_RAW, 40 },
	};
	struct mock mk;
	struct run *r;
	struct ng ng;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;

	(void)state;
	mock_start(&mk);
	produce(&mk, ms, 6);

	/* pcap: the other link types are skipped. */
	r = run_kcap("consume", "--kafka", mk.brokers, "--topic", "t",
		     "-X", "log_level=0", "-w", path, NULL);
	assert_int_equal(r->ret, 0);
	assert_non_null(strstr(r->err, "kcap: frames of link type RAW"));
	assert_non_null(strstr(r->err, "skipped: a pcap file has one link type"));
	assert_non_null(strstr(r->err, "6 messages consumed, 2 frames written, 0 did not match the filter, 4 skipped\n"));
	pc = pcap_open_offline(path, errbuf);
	assert_non_null(pc);
	assert_int_equal(pcap_datalink(pc), LT_ETHERNET);
	assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
	assert_int_equal(h->caplen, 60);
	assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
	assert_int_equal(h->caplen, 61);
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);

	/* pcapng: only the link type above 65535 is. */
	r = run_kcap("consume", "--kafka", mk.brokers, "--topic", "t",
		     "-X", "log_level=0", "-F", "pcapng", "-w", path, NULL);
	assert_int_equal(r->ret, 0);
	assert_non_null(strstr(r->err, "kcap: frames of link type 70000 skipped: a pcapng file has link types up to 65535\n"));
	assert_non_null(strstr(r->err, "6 messages consumed, 4 frames written, 0 did not match the filter, 2 skipped\n"));
	read_ng(path, &ng);
	assert_int_equal(ng.nr_ifs, 2);
	assert_int_equal(ng.nr_frames, 4);

	/*
	 * A filter of Ethernet's: RAW's frames are still filtered, 70000's
	 * cannot be (libpcap knows no such link type): skipped.
	 */
	r = run_kcap("consume", "--kafka", mk.brokers, "--topic", "t",
		     "-X", "log_level=0", "-F", "pcapng", "-w", path, "ip",
		     NULL);
	assert_int_equal(r->ret, 0);
	assert_non_null(strstr(r->err, "skipped: the filter does not apply to them"));
	assert_non_null(strstr(r->err, " 2 skipped\n"));
	mock_stop(&mk);
	unlink(path);
}

/* A bad filter, a file that cannot be written: said before any message. */
static void test_consume_early_errors(void **state)
{
	struct mock mk;
	struct run *r;

	(void)state;
	mock_start(&mk);	/* an empty topic */
	r = run_kcap("consume", "--kafka", mk.brokers, "--topic", "t",
		     "-X", "log_level=0", "-w", path, "tcp", "port", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_USAGE);
	assert_non_null(strstr(r->err, "kcap: bad filter: "));
	assert_int_equal(access(path, F_OK), -1);
	r = run_kcap("consume", "--kafka", mk.brokers, "--topic", "t",
		     "-X", "log_level=0", "-w", "/nonexistent/x.pcap", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_FAIL);
	assert_non_null(strstr(r->err, "kcap: cannot write '/nonexistent/x.pcap': No such file or directory\n"));
	assert_null(strstr(r->err, "messages consumed"));
	mock_stop(&mk);
}

/* A message larger than libpcap reads: cut to 262144, the file read. */
static void test_consume_big(void **state)
{
	static const struct msg ms[] = {
		{ 2, "eth0", LT_ETHERNET, BIG },
		{ 2, "eth0", LT_ETHERNET, 60 },
	};
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct mock mk;
	struct run *r;
	pcap_t *pc;

	(void)state;
	mock_start(&mk);
	produce(&mk, ms, 2);
	r = run_kcap("consume", "--kafka", mk.brokers, "--topic", "t",
		     "-X", "log_level=0", "-F", "pcapng", "-w", path, NULL);
	assert_int_equal(r->ret, 0);
	pc = pcap_open_offline(path, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
	assert_int_equal(h->caplen, 262144);
	assert_int_equal(h->len, BIG);
	assert_int_equal(data[262143], (uint8_t)262143);
	assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
	assert_int_equal(h->caplen, 60);
	pcap_close(pc);
	mock_stop(&mk);
	unlink(path);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	fd = mkstemps(path, 7);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consume_interfaces),
		cmocka_unit_test(test_consume_skips),
		cmocka_unit_test(test_consume_early_errors),
		cmocka_unit_test(test_consume_big),
	};

	return cmocka_run_group_tests_name("consume", tests, setup, NULL);
}

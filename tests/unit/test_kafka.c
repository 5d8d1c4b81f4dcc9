// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: frames to and from Kafka (kcap_kafka_*()): the key, the
 * headers, the flow hash, and a round trip through librdkafka's mock
 * cluster (a Kafka protocol endpoint in this process, on 127.0.0.1).
 */

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <zlib.h>

#include "unit.h"
#include "kcap.h"

#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101
#define BASE_NS			1700000000123456789ULL

static void test_kafka_key(void **state)
{
	static const uint8_t want[8] = {
		0x00, 0x06, 0x0a, 0x24, 0x18, 0x20, 0x22, 0x40,
	};
	uint8_t key[KCAP_KAFKA_KEY_LEN];
	uint64_t us;

	(void)state;
	/* 1700000000123456789 ns: 1700000000123456 us = 0x00060a2418202240 */
	kcap_kafka_key(key, BASE_NS);
	assert_memory_equal(key, want, 8);
	assert_int_equal(kcap_kafka_key_us(key, 8, &us), 0);
	assert_true(us == 1700000000123456ULL);
	assert_int_equal(kcap_kafka_key_us(key, 7, &us), -EINVAL);
	assert_int_equal(kcap_kafka_key_us(NULL, 8, &us), -EINVAL);
	kcap_kafka_key(key, 999);	/* under a microsecond: 0 */
	assert_int_equal(kcap_kafka_key_us(key, 8, &us), 0);
	assert_true(us == 0);
}

/* An Ethernet + IPv4 + UDP/TCP frame from @a:@pa to @b:@pb. */
static size_t make_ip4(uint8_t *buf, const uint8_t a[4], uint16_t pa,
		       const uint8_t b[4], uint16_t pb, uint8_t proto,
		       bool vlan)
{
	size_t off = 12;

	memset(buf, 0, 128);
	memset(buf, 0x02, 12);
	if (vlan) {
		buf[off++] = 0x81; buf[off++] = 0x00;
		buf[off++] = 0x00; buf[off++] = 0x05;
	}
	buf[off++] = 0x08; buf[off++] = 0x00;
	buf[off] = 0x45;
	buf[off + 9] = proto;
	memcpy(buf + off + 12, a, 4);
	memcpy(buf + off + 16, b, 4);
	buf[off + 20] = pa >> 8; buf[off + 21] = pa & 0xff;
	buf[off + 22] = pb >> 8; buf[off + 23] = pb & 0xff;
	return off + 40;
}

static void test_kafka_flow_hash(void **state)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	uint8_t f1[128], f2[128], f3[128], raw[64], v6[80], v6r[80];
	uint32_t h1, h2, h3, h4;
	size_t n;

	(void)state;
	n = make_ip4(f1, a, 1234, b, 80, 6, false);
	make_ip4(f2, b, 80, a, 1234, 6, false);
	assert_int_equal(kcap_kafka_flow_hash(f1, n, LINKTYPE_ETHERNET, &h1), 0);
	assert_int_equal(kcap_kafka_flow_hash(f2, n, LINKTYPE_ETHERNET, &h2), 0);
	assert_int_equal(h1, h2);	/* A to B, B to A: one flow */
	/* Behind a VLAN tag: the same flow. */
	n = make_ip4(f3, b, 80, a, 1234, 6, true);
	assert_int_equal(kcap_kafka_flow_hash(f3, n, LINKTYPE_ETHERNET, &h3), 0);
	assert_int_equal(h1, h3);
	/* Another port, another protocol: other flows. */
	make_ip4(f3, a, 1235, b, 80, 6, false);
	assert_int_equal(kcap_kafka_flow_hash(f3, n, LINKTYPE_ETHERNET, &h3), 0);
	assert_int_not_equal(h1, h3);
	make_ip4(f3, a, 1234, b, 80, 17, false);
	assert_int_equal(kcap_kafka_flow_hash(f3, n, LINKTYPE_ETHERNET, &h4), 0);
	assert_int_not_equal(h1, h4);
	/* Swapped ports alone are not the same flow: 1234->80 vs 80->1234 */
	make_ip4(f3, a, 80, b, 1234, 6, false);
	assert_int_equal(kcap_kafka_flow_hash(f3, n, LINKTYPE_ETHERNET, &h4), 0);
	assert_int_not_equal(h1, h4);
	/* Raw IP: the same hash as behind Ethernet. */
	memcpy(raw, f1 + 14, 40);
	assert_int_equal(kcap_kafka_flow_hash(raw, 40, LINKTYPE_RAW, &h4), 0);
	assert_int_equal(h1, h4);
	/* Linux cooked v2 (-i any): the same, by the header's protocol. */
	memset(f3, 0, 20);
	f3[0] = 0x08;
	memcpy(f3 + 20, f1 + 14, 40);
	assert_int_equal(kcap_kafka_flow_hash(f3, 60, 276, &h4), 0);
	assert_int_equal(h1, h4);
	/* IPv6, both ways. */
	memset(v6, 0, sizeof(v6));
	v6[0] = 0x60; v6[6] = 17;
	v6[8 + 15] = 1; v6[24 + 15] = 2;
	v6[40] = 0x30; v6[41] = 0x39; v6[43] = 53;
	memcpy(v6r, v6, sizeof(v6));
	v6r[8 + 15] = 2; v6r[24 + 15] = 1;
	v6r[40] = 0; v6r[41] = 53; v6r[42] = 0x30; v6r[43] = 0x39;
	assert_int_equal(kcap_kafka_flow_hash(v6, 48, LINKTYPE_RAW, &h3), 0);
	assert_int_equal(kcap_kafka_flow_hash(v6r, 48, LINKTYPE_RAW, &h4), 0);
	assert_int_equal(h3, h4);
	/*
	 * A datagram's fragments, the first (MF, ports) and a later one
	 * (an offset, no ports), either way: one flow, by the addresses.
	 */
	n = make_ip4(f2, a, 1234, b, 80, 17, false);
	f2[14 + 6] = 0x20;	/* MF, offset 0 */
	make_ip4(f3, b, 9, a, 9, 17, false);
	f3[14 + 7] = 0xb9;	/* offset 185 * 8 */
	assert_int_equal(kcap_kafka_flow_hash(f2, n, LINKTYPE_ETHERNET, &h3), 0);
	assert_int_equal(kcap_kafka_flow_hash(f3, n, LINKTYPE_ETHERNET, &h4), 0);
	assert_int_equal(h3, h4);
	make_ip4(f2, a, 1234, b, 80, 17, false);	/* not a fragment */
	assert_int_equal(kcap_kafka_flow_hash(f2, n, LINKTYPE_ETHERNET, &h4), 0);
	assert_int_not_equal(h3, h4);
	/* DF alone is not a fragment: the ports count, as without it. */
	f2[14 + 6] = 0x40;
	assert_int_equal(kcap_kafka_flow_hash(f2, n, LINKTYPE_ETHERNET, &h3), 0);
	assert_int_equal(h3, h4);
	/* ARP, a short frame, an unknown link type: no flow. */
	f1[12] = 0x08; f1[13] = 0x06;
	assert_int_equal(kcap_kafka_flow_hash(f1, n, LINKTYPE_ETHERNET, &h4), -EINVAL);
	assert_int_equal(kcap_kafka_flow_hash(f2, 20, LINKTYPE_ETHERNET, &h4), -EINVAL);
	assert_int_equal(kcap_kafka_flow_hash(f2, n, 147, &h4), -EINVAL);
}

/*
 * Flows spread over a few partitions whatever bits they differ in.  In
 * each set of 256 distinct flows below, bit 0 of every byte is the same
 * in all: FNV-1a alone, whose low bits depend only on the inputs' low
 * bits, puts every flow of a set on one partition of 2, and on one or
 * two of 4.  256 flows on 4 partitions: each gets 64 on average; 32 to
 * 96 is more than 4 standard deviations either way for a hash that
 * spreads (on 2: 96 to 160).
 */
enum spread_set { BY_PORT_2, BY_PORT_4, BY_PORT_512, BY_ADDR };

static void check_spread(const char *what, enum spread_set set)
{
	unsigned int on2[2] = { 0 }, on4[4] = { 0 }, i;
	uint8_t f[128], a[4], b[4] = { 192, 168, 1, 1 };
	uint16_t pa, pb;
	uint32_t h;
	size_t n;

	for (i = 0; i < 256; i++) {
		memcpy(a, (uint8_t[4]){ 10, 0, 0, 1 }, 4);
		pa = 1024;	/* 0x0400: both bytes even */
		pb = 80;
		switch (set) {
		case BY_PORT_2:
			pa += 2 * (i % 128);
			pb += 2 * (i / 128);
			break;
		case BY_PORT_4:
			pa += 4 * (i % 64);
			pb += 2 * (i / 64);
			break;
		case BY_PORT_512:
			pa += 512 * (i % 64);
			pb += 2 * (i / 64);
			break;
		case BY_ADDR:	/* all 128 even values, then a second byte */
			a[0] = (uint8_t)(10 + 2 * (i % 128));
			a[2] = (uint8_t)(2 * (i / 128));
			break;
		}
		n = make_ip4(f, a, pa, b, pb, 6, false);
		assert_int_equal(kcap_kafka_flow_hash(f, n, LINKTYPE_ETHERNET, &h), 0);
		on2[h % 2]++;
		on4[h % 4]++;
	}
	for (i = 0; i < 4; i++) {
		if (on4[i] < 32 || on4[i] > 96 || (i < 2 && (on2[i] < 96 || on2[i] > 160)))
			fail_msg("%s: 256 flows on 2 partitions %u/%u, on 4 %u/%u/%u/%u",
				 what, on2[0], on2[1], on4[0], on4[1], on4[2], on4[3]);
	}
}

static void test_kafka_flow_spread(void **state)
{
	(void)state;
	check_spread("source ports 2 apart, destination ports 2 apart", BY_PORT_2);
	check_spread("source ports 4 apart, destination ports 2 apart", BY_PORT_4);
	check_spread("source ports 512 apart, destination ports 2 apart", BY_PORT_512);
	check_spread("address bytes 2 apart", BY_ADDR);
}

static void test_kafka_header(void **state)
{
	uint8_t data[60] = { 1, 2, 3 }, v[KCAP_KAFKA_H_MAX];
	struct kcap_frame f = {
		.tstamp_ns = BASE_NS, .caplen = 60, .len = 1514,
		.ifindex = 7, .direction = KCAP_FRAME_OUT, .data = data,
	};
	/* The value on the wire: big-endian, the name last. */
	static const uint8_t want[] = {
		1, KCAP_FRAME_OUT, 5, 0, 0, 0, 0, 0x71, 0, 0, 0, 7,
		0, 0, 0x05, 0xea, 0x17, 0x97, 0x9c, 0xfe, 0x3d, 0x85, 0xcd, 0x15,
		'v', 'e', 't', 'h', '0',
	};
	struct kcap_kafka_msg m;
	uint8_t later[64];

	(void)state;
	assert_int_equal(kcap_kafka_header_put(v, &f, 113, "veth0"), sizeof(want));
	assert_memory_equal(v, want, sizeof(want));

	memset(&m, 0, sizeof(m));
	m.frame.caplen = 60;
	assert_int_equal(kcap_kafka_header_get(v, sizeof(want), &m), 0);
	assert_true(m.frame.tstamp_ns == BASE_NS);
	assert_int_equal(m.frame.len, 1514);
	assert_int_equal(m.frame.ifindex, 7);
	assert_int_equal(m.frame.direction, KCAP_FRAME_OUT);
	assert_int_equal(m.linktype, 113);
	assert_string_equal(m.ifname, "veth0");

	/* A later version's, with more after the name: these fields read. */
	memcpy(later, want, sizeof(want));
	later[0] = 2;
	memset(later + sizeof(want), 0xee, sizeof(later) - sizeof(want));
	memset(&m, 0, sizeof(m));
	assert_int_equal(kcap_kafka_header_get(later, sizeof(later), &m), 0);
	assert_string_equal(m.ifname, "veth0");
	assert_int_equal(m.frame.ifindex, 7);

	/* No name: an empty one. */
	assert_int_equal(kcap_kafka_header_put(v, &f, 1, NULL), KCAP_KAFKA_H_FIXED);
	assert_int_equal(kcap_kafka_header_get(v, KCAP_KAFKA_H_FIXED, &m), 0);
	assert_string_equal(m.ifname, "");

	/* Not one: too short, a name past its end, version 0; m untouched. */
	memset(&m, 0, sizeof(m));
	m.frame.caplen = m.frame.len = 60;
	assert_int_equal(kcap_kafka_header_get(want, KCAP_KAFKA_H_FIXED - 1, &m), -EINVAL);
	assert_int_equal(kcap_kafka_header_get(want, sizeof(want) - 1, &m), -EINVAL);
	memcpy(later, want, sizeof(want));
	later[0] = 0;
	assert_int_equal(kcap_kafka_header_get(later, sizeof(want), &m), -EINVAL);
	later[0] = 1;
	later[2] = KCAP_IFNAMSIZ;
	assert_int_equal(kcap_kafka_header_get(later, sizeof(later), &m), -EINVAL);
	assert_int_equal(m.frame.len, 60);
	assert_int_equal(m.linktype, 0);
}

struct mock {
	rd_kafka_t		*rk;
	rd_kafka_mock_cluster_t	*mc;
	char			brokers[256];
};

static void mock_start(struct mock *mk, int partitions)
{
	char err[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();

	rd_kafka_conf_set(c, "log_level", "0", err, sizeof(err));
	mk->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	assert_non_null(mk->rk);
	mk->mc = rd_kafka_mock_cluster_new(mk->rk, 1);
	assert_non_null(mk->mc);
	assert_int_equal(rd_kafka_mock_topic_create(mk->mc, "frames",
						    partitions, 1), 0);
	snprintf(mk->brokers, sizeof(mk->brokers), "%s",
		 rd_kafka_mock_cluster_bootstraps(mk->mc));
}

static void mock_stop(struct mock *mk)
{
	rd_kafka_mock_cluster_destroy(mk->mc);
	rd_kafka_destroy(mk->rk);
}

/* librdkafka's own log off. */
static const char *const quiet_conf[] = { "log_level=0" };

/* A consumer of all of topic "frames" at @brokers, which stops at its end. */
static struct kcap_kafka_consumer *read_all(const char *brokers)
{
	struct kcap_kafka_consumer_opts co = {
		.brokers = brokers, .topic = "frames", .conf = quiet_conf,
		.nr_conf = 1, .from = KCAP_KAFKA_FROM_BEGINNING,
		.exit_at_end = true,
	};
	struct kcap_kafka_consumer *c = NULL;
	struct kcap_error e;
	int ret = kcap_kafka_consumer_open(&c, &co, &e);

	if (ret)
		print_error("%s\n", e.msg);
	assert_int_equal(ret, 0);
	return c;
}

#define NR_FRAMES	200

/* Produce frames with their header, consume them back: all as sent. */
static void test_kafka_round_trip(void **state)
{
	static const uint8_t a[4] = { 192, 168, 1, 1 }, b[4] = { 192, 168, 1, 2 };
	uint8_t buf[NR_FRAMES][128];
	int32_t flow_part[2] = { -1, -1 };
	struct kcap_kafka_opts po = {
		.topic = "frames", .conf = quiet_conf, .nr_conf = 1,
		.partition_by = KCAP_KAFKA_BY_FLOW,
	};
	struct kcap_kafka_producer *p;
	struct kcap_kafka_consumer *c;
	struct kcap_kafka_counts n;
	struct kcap_kafka_msg m;
	struct kcap_frame f;
	struct kcap_error e;
	unsigned int i, got = 0, seen[NR_FRAMES] = { 0 };
	struct mock mk;
	int ret;

	(void)state;
	mock_start(&mk, 4);
	po.brokers = mk.brokers;
	assert_int_equal(kcap_kafka_producer_open(&p, &po, &e), 0);
	for (i = 0; i < NR_FRAMES; i++) {
		/* Two flows, each both ways. */
		if (i % 2)
			make_ip4(buf[i], a, 1000 + (i % 4 == 1), b, 53, 17, false);
		else
			make_ip4(buf[i], b, 53, a, 1000 + (i % 4 == 2), 17, false);
		memcpy(buf[i] + 60, &i, sizeof(i));
		memset(&f, 0, sizeof(f));
		f.tstamp_ns = BASE_NS + i * 1001ULL;
		f.caplen = 64 + i % 50;
		f.len = f.caplen + 10;
		f.ifindex = 3;
		f.direction = i % 2 ? KCAP_FRAME_IN : KCAP_FRAME_OUT;
		f.data = buf[i];
		assert_int_equal(kcap_kafka_produce(p, &f, LINKTYPE_ETHERNET,
						    "eth9"), 0);
		kcap_kafka_poll(p);
	}
	kcap_kafka_producer_close(p, 10000, &n);
	assert_int_equal(n.produced, NR_FRAMES);
	assert_int_equal(n.delivered, NR_FRAMES);
	assert_int_equal(n.failed, 0);
	assert_int_equal(n.dropped, 0);

	c = read_all(mk.brokers);
	while ((ret = kcap_kafka_consume(c, 1000, &m, &e)) >= 0) {
		if (!ret)
			continue;
		memcpy(&i, m.frame.data + 60, sizeof(i));
		assert_true(i < NR_FRAMES);
		seen[i]++;
		got++;
		assert_true(m.kcap);
		assert_int_equal(m.frame.caplen, 64 + i % 50);
		assert_int_equal(m.frame.len, m.frame.caplen + 10);
		assert_memory_equal(m.frame.data, buf[i], m.frame.caplen);
		assert_true(m.frame.tstamp_ns == BASE_NS + i * 1001ULL);
		assert_int_equal(m.frame.ifindex, 3);
		assert_int_equal(m.frame.direction,
				 i % 2 ? KCAP_FRAME_IN : KCAP_FRAME_OUT);
		assert_int_equal(m.linktype, LINKTYPE_ETHERNET);
		assert_string_equal(m.ifname, "eth9");
		/* Each flow, both its directions, on one partition. */
		if (flow_part[(i / 2) % 2 == (i % 2)] < 0)
			flow_part[(i / 2) % 2 == (i % 2)] = m.partition;
		assert_int_equal(flow_part[(i / 2) % 2 == (i % 2)], m.partition);
	}
	assert_int_equal(ret, -ENODATA);
	assert_int_equal(got, NR_FRAMES);
	for (i = 0; i < NR_FRAMES; i++)
		assert_int_equal(seen[i], 1);
	kcap_kafka_consumer_close(c);
	mock_stop(&mk);
}

/*
 * Partitioned by key (the default) on a topic of four partitions: each
 * message where librdkafka's default partitioner ("consistent_random":
 * CRC-32 of the key) puts it, all four used; on a topic of one, partition
 * 0, which kcap picks without asking the partitioner.
 */
static void test_kafka_key_partitions(void **state)
{
	struct kcap_kafka_opts po = {
		.topic = "frames", .conf = quiet_conf, .nr_conf = 1,
	};
	const int nr_parts[] = { 4, 1 };
	uint8_t frame[60] = { 0xff, 0xff }, key[KCAP_KAFKA_KEY_LEN];
	struct kcap_kafka_producer *p;
	struct kcap_kafka_consumer *c;
	struct kcap_kafka_counts n;
	struct kcap_kafka_msg m;
	struct kcap_frame f;
	struct kcap_error e;
	unsigned int i, t, got, used;
	struct mock mk;
	int ret;

	(void)state;
	for (t = 0; t < 2; t++) {
		mock_start(&mk, nr_parts[t]);
		po.brokers = mk.brokers;
		assert_int_equal(kcap_kafka_producer_open(&p, &po, &e), 0);
		for (i = 0; i < 64; i++) {
			memset(&f, 0, sizeof(f));
			f.tstamp_ns = BASE_NS + i * 7919001ULL;
			f.caplen = f.len = sizeof(frame);
			f.data = frame;
			assert_int_equal(kcap_kafka_produce(p, &f,
							    LINKTYPE_ETHERNET,
							    "eth9"), 0);
		}
		kcap_kafka_producer_close(p, 10000, &n);
		assert_int_equal(n.delivered, 64);

		c = read_all(mk.brokers);
		got = used = 0;
		while ((ret = kcap_kafka_consume(c, 1000, &m, &e)) >= 0) {
			if (!ret)
				continue;
			got++;
			kcap_kafka_key(key, m.frame.tstamp_ns);
			assert_int_equal(m.partition,
					 crc32(0, key, sizeof(key)) %
					 nr_parts[t]);
			used |= 1U << m.partition;
		}
		assert_int_equal(ret, -ENODATA);
		assert_int_equal(got, 64);
		assert_int_equal(used, (1U << nr_parts[t]) - 1);
		kcap_kafka_consumer_close(c);
		mock_stop(&mk);
	}
}

/* A producer of plain messages (no kcap header) at @brokers. */
static rd_kafka_t *plain_producer(const char *brokers)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char err[256];
	rd_kafka_t *rk;

	rd_kafka_conf_set(rc, "bootstrap.servers", brokers, err, sizeof(err));
	rd_kafka_conf_set(rc, "log_level", "0", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, err, sizeof(err));
	assert_non_null(rk);
	return rk;
}

/* Pycapa's messages: a key, the bytes, no headers: Ethernet, µs. */
static void test_kafka_pycapa(void **state)
{
	uint8_t key[8], frame[42] = { 0xff, 0xff, 0xff };
	struct kcap_kafka_consumer *c;
	struct kcap_kafka_msg m;
	struct kcap_error e;
	rd_kafka_t *rk;
	struct mock mk;

	(void)state;
	mock_start(&mk, 1);
	rk = plain_producer(mk.brokers);
	kcap_kafka_key(key, BASE_NS);
	assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("frames"),
					   RD_KAFKA_V_KEY(key, 8),
					   RD_KAFKA_V_VALUE(frame, sizeof(frame)),
					   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					   RD_KAFKA_V_END), 0);
	assert_int_equal(rd_kafka_flush(rk, 10000), 0);
	rd_kafka_destroy(rk);

	c = read_all(mk.brokers);
	while (kcap_kafka_consume(c, 1000, &m, &e) == 0)
		;
	assert_false(m.kcap);
	assert_int_equal(m.linktype, LINKTYPE_ETHERNET);
	assert_true(m.frame.tstamp_ns == BASE_NS / 1000 * 1000);
	assert_int_equal(m.frame.caplen, sizeof(frame));
	assert_int_equal(m.frame.len, sizeof(frame));
	assert_memory_equal(m.frame.data, frame, sizeof(frame));
	assert_int_equal(m.frame.direction, 0);
	assert_int_equal(kcap_kafka_consume(c, 1000, &m, &e), -ENODATA);
	kcap_kafka_consumer_close(c);
	mock_stop(&mk);
}

/*
 * The time of a message without kcap's header: the key's µs, else the
 * message's own ms; neither: 0, not ~0 * 1000000.  A key past what
 * nanoseconds hold (a hostile or foreign 8-byte key) is not a time.
 */
static void test_kafka_msg_time(void **state)
{
	static const struct {
		bool		key;
		uint64_t	us;
		int64_t		ms;
		uint64_t	want;
	} t[] = {
		{ false, 0, -1, 0 },
		{ false, 0, 1700000000123LL, 1700000000123000000ULL },
		{ true, UINT64_MAX / 1000, 1, UINT64_MAX / 1000 * 1000 },
		{ true, UINT64_MAX / 1000 + 1, 1700000000123LL,
		  1700000000123000000ULL },
		{ true, UINT64_MAX, 1700000000123LL, 1700000000123000000ULL },
	};
	const size_t nr = sizeof(t) / sizeof(t[0]);
	uint8_t key[8], frame[42] = { 0xff, 0xff, 0xff };
	struct kcap_kafka_consumer *c;
	struct kcap_kafka_msg m;
	struct kcap_error e;
	struct mock mk;
	rd_kafka_t *rk;
	uint64_t be;
	size_t i;
	int ret;

	(void)state;
	mock_start(&mk, 1);
	rk = plain_producer(mk.brokers);
	for (i = 0; i < nr; i++) {
		be = htobe64(t[i].us);	/* Pycapa's key, any value */
		memcpy(key, &be, sizeof(key));
		frame[41] = i;
		assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("frames"),
				 RD_KAFKA_V_KEY(t[i].key ? key : NULL,
						t[i].key ? 8 : 0),
				 RD_KAFKA_V_TIMESTAMP(t[i].ms),
				 RD_KAFKA_V_VALUE(frame, sizeof(frame)),
				 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				 RD_KAFKA_V_END), 0);
	}
	assert_int_equal(rd_kafka_flush(rk, 10000), 0);
	rd_kafka_destroy(rk);

	c = read_all(mk.brokers);
	i = 0;
	while ((ret = kcap_kafka_consume(c, 1000, &m, &e)) >= 0) {
		if (!ret)
			continue;
		assert_true(i < nr);
		assert_int_equal(m.frame.data[41], i);
		assert_false(m.kcap);
		if (m.frame.tstamp_ns != t[i].want)
			fail_msg("message %zu: %llu ns, not %llu", i,
				 (unsigned long long)m.frame.tstamp_ns,
				 (unsigned long long)t[i].want);
		i++;
	}
	assert_int_equal(ret, -ENODATA);
	assert_int_equal(i, nr);
	kcap_kafka_consumer_close(c);
	mock_stop(&mk);
}

/*
 * A frame librdkafka refuses (larger than message.max.bytes): -EIO,
 * counted produced and failed, not dropped (the queue was not full).
 */
static void test_kafka_refused(void **state)
{
	static const char *const conf[] = {
		"log_level=0", "message.max.bytes=1000",
	};
	struct kcap_kafka_opts po = {
		.topic = "frames", .conf = conf, .nr_conf = 2,
	};
	static uint8_t frame[2000] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct kcap_frame f = { .data = frame, .caplen = 60, .len = 60,
				.tstamp_ns = BASE_NS };
	struct kcap_kafka_producer *p;
	struct kcap_kafka_counts n;
	struct kcap_error e;
	struct mock mk;

	(void)state;
	mock_start(&mk, 1);
	po.brokers = mk.brokers;
	if (kcap_kafka_producer_open(&p, &po, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(kcap_kafka_produce(p, &f, LINKTYPE_ETHERNET, "eth0"), 0);
	f.caplen = f.len = sizeof(frame);
	assert_int_equal(kcap_kafka_produce(p, &f, LINKTYPE_ETHERNET, "eth0"),
			 -EIO);
	assert_int_equal(kcap_kafka_producer_counts(p)->failed, 1);
	assert_int_equal(kcap_kafka_producer_counts(p)->dropped, 0);
	kcap_kafka_producer_close(p, 10000, &n);
	assert_int_equal(n.produced, 2);
	assert_int_equal(n.delivered, 1);
	assert_int_equal(n.failed, 1);
	assert_int_equal(n.dropped, 0);
	mock_stop(&mk);
}

/*
 * Group settings for quick rebalances on the mock cluster; the last, the
 * assignor: eager (range) or cooperative (incremental assignments).
 */
static const char *group_conf[] = {
	"log_level=0", "session.timeout.ms=3000", "heartbeat.interval.ms=100",
	"partition.assignment.strategy=range",
};

#define GROUP_WAIT_S	20

/* @n messages (plain, no header) into each of topic "frames"' @parts. */
static void produce_each(const char *brokers, int parts, int n)
{
	uint8_t key[8], frame[42] = { 0xff, 0xff, 0xff };
	rd_kafka_t *rk = plain_producer(brokers);
	int p, i;

	for (p = 0; p < parts; p++) {
		for (i = 0; i < n; i++) {
			kcap_kafka_key(key, BASE_NS + (p * n + i) * 1000ULL);
			assert_int_equal(rd_kafka_producev(rk,
					 RD_KAFKA_V_TOPIC("frames"),
					 RD_KAFKA_V_PARTITION(p),
					 RD_KAFKA_V_KEY(key, 8),
					 RD_KAFKA_V_VALUE(frame, sizeof(frame)),
					 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					 RD_KAFKA_V_END), 0);
		}
	}
	assert_int_equal(rd_kafka_flush(rk, 10000), 0);
	rd_kafka_destroy(rk);
}

static struct kcap_kafka_consumer *group_open(const char *brokers,
					      const char *group, bool end)
{
	struct kcap_kafka_consumer_opts co = {
		.brokers = brokers, .topic = "frames", .conf = group_conf,
		.nr_conf = 4, .group = group,
		.from = KCAP_KAFKA_FROM_BEGINNING, .exit_at_end = end,
	};
	struct kcap_kafka_consumer *c = NULL;
	struct kcap_error e;

	if (kcap_kafka_consumer_open(&c, &co, &e))
		fail_msg("%s", e.msg);
	return c;
}

/*
 * -e with a group: the end of this member's partitions, not the topic's.
 * Alone, a member has both partitions and ends at the end of both.  With
 * a second member (s, which does not end, and read both partitions
 * before e1 came) each has one, or e1 none for a while (cooperative): e1
 * ends at the end of its one, and storing s's offsets after its other
 * partition was taken is no error.
 */
static void test_kafka_group_end(void **state)
{
	struct kcap_kafka_consumer *e1, *s;
	unsigned int got, got_s, parts, parts_s;
	struct kcap_kafka_msg m;
	struct kcap_error e;
	struct mock mk;
	time_t t0;
	int ret;

	group_conf[3] = *state;
	mock_start(&mk, 2);
	produce_each(mk.brokers, 2, 3);

	e1 = group_open(mk.brokers, "alone", true);
	got = 0;
	t0 = time(NULL);
	while ((ret = kcap_kafka_consume(e1, 100, &m, &e)) >= 0 &&
	       time(NULL) - t0 < GROUP_WAIT_S)
		got += ret;
	assert_int_equal(ret, -ENODATA);
	assert_int_equal(got, 6);
	kcap_kafka_consumer_close(e1);

	/* s alone first: both partitions, all six read, none stored. */
	s = group_open(mk.brokers, "pair", false);
	got_s = 0;
	t0 = time(NULL);
	while (got_s < 6 && time(NULL) - t0 < GROUP_WAIT_S) {
		ret = kcap_kafka_consume(s, 100, &m, &e);
		if (ret < 0)
			fail_msg("%s", e.msg);
		got_s += ret;
	}
	assert_int_equal(got_s, 6);

	/* e1 joins: one partition each; e1 ends at the end of its one. */
	e1 = group_open(mk.brokers, "pair", true);
	got = got_s = parts = parts_s = 0;
	t0 = time(NULL);
	while (time(NULL) - t0 < GROUP_WAIT_S) {
		ret = kcap_kafka_consume(e1, 100, &m, &e);
		if (ret == -ENODATA)
			break;
		if (ret < 0)
			fail_msg("%s", e.msg);
		if (ret) {
			got++;
			parts |= 1U << m.partition;
		}
		ret = kcap_kafka_consume(s, 0, &m, &e);
		if (ret < 0)
			fail_msg("%s", e.msg);
		if (ret) {
			got_s++;
			parts_s |= 1U << m.partition;
		}
	}
	if (ret != -ENODATA)
		fail_msg("-e in a group of two: no end within %d s (%u read)",
			 GROUP_WAIT_S, got);
	assert_int_equal(got, 3);
	assert_true(parts == 1 || parts == 2);
	/* What s read again (nothing was committed) is of the other one. */
	assert_true(!parts_s || parts_s == (parts ^ 3));
	assert_int_equal(kcap_kafka_consumer_store(s, &e), 0);
	kcap_kafka_consumer_close(e1);
	kcap_kafka_consumer_close(s);
	mock_stop(&mk);
}

#define NR_BUSY		40000

/*
 * A producer whose caller never goes idle (kcap_kafka_poll() is not
 * called): it still serves its delivery reports, so that what was
 * delivered leaves librdkafka's queue and the queue's bound drops
 * nothing while the broker keeps up.  The frames come at 100 a
 * millisecond: a queue of 20000 holds 200 ms of them.
 */
static void test_kafka_busy(void **state)
{
	static const char *const conf[] = {
		"log_level=0", "linger.ms=1",
		"queue.buffering.max.messages=20000",
	};
	struct kcap_kafka_opts po = {
		.topic = "frames", .conf = conf, .nr_conf = 3,
	};
	const struct timespec ms = { .tv_nsec = 1000000 };
	struct kcap_kafka_producer *p;
	struct kcap_kafka_counts n;
	uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct kcap_frame f = { .data = frame, .caplen = sizeof(frame),
				.len = sizeof(frame), .ifindex = 2 };
	struct kcap_error e;
	struct mock mk;
	unsigned int i;

	(void)state;
	mock_start(&mk, 1);
	po.brokers = mk.brokers;
	assert_int_equal(kcap_kafka_producer_open(&p, &po, &e), 0);
	for (i = 0; i < NR_BUSY; i++) {
		f.tstamp_ns = BASE_NS + i * 1000ULL;
		kcap_kafka_produce(p, &f, LINKTYPE_ETHERNET, "eth0");
		if (i % 100 == 99)
			nanosleep(&ms, NULL);
	}
	assert_int_equal(kcap_kafka_producer_counts(p)->dropped, 0);
	kcap_kafka_producer_close(p, 10000, &n);
	assert_int_equal(n.produced, NR_BUSY);
	assert_int_equal(n.delivered, NR_BUSY);
	assert_int_equal(n.failed, 0);
	assert_int_equal(n.dropped, 0);
	mock_stop(&mk);
}

/* No broker; a topic that is not there: one clear line, in bounded time. */
static void test_kafka_errors(void **state)
{
	static const char *const conf[] = {
		"log_level=0", "allow.auto.create.topics=false",
	};
	struct kcap_kafka_opts po = {
		.brokers = "127.0.0.1:1", .topic = "frames", .conf = conf,
		.nr_conf = 1, .timeout_ms = 1500,
	};
	static const char *const bad[] = { "nosuch.setting=1" };
	static const char *const noeq[] = { "linger.ms" };
	static char long_conf[4100], long_id[4001];
	const char *long_val[1];
	struct kcap_kafka_producer *p;
	struct kcap_error e;
	struct mock mk;
	time_t t0 = time(NULL);

	(void)state;
	memset(long_id, 'k', 4000);
	assert_int_equal(kcap_kafka_producer_open(&p, &po, &e), -EHOSTUNREACH);
	assert_null(p);
	assert_non_null(strstr(e.msg, "Kafka brokers 127.0.0.1:1: no answer within 1500 ms"));
	assert_true(time(NULL) - t0 < 10);

	mock_start(&mk, 1);
	po.brokers = mk.brokers;
	po.topic = "missing";
	po.nr_conf = 2;
	assert_int_equal(kcap_kafka_producer_open(&p, &po, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "Kafka topic 'missing': "));

	po.conf = bad;
	po.nr_conf = 1;
	assert_int_equal(kcap_kafka_producer_open(&p, &po, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "nosuch.setting"));
	po.conf = noeq;
	assert_int_equal(kcap_kafka_producer_open(&p, &po, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "must be KEY=VALUE"));
	/* A value of any length (a PEM certificate's): taken. */
	snprintf(long_conf, sizeof(long_conf), "client.id=%.*s", 4000,
		 long_id);
	long_val[0] = long_conf;
	po.conf = long_val;
	po.topic = "frames";
	if (kcap_kafka_producer_open(&p, &po, &e))
		fail_msg("%s", e.msg);
	kcap_kafka_producer_close(p, 1000, NULL);
	mock_stop(&mk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kafka_key),
		cmocka_unit_test(test_kafka_flow_hash),
		cmocka_unit_test(test_kafka_flow_spread),
		cmocka_unit_test(test_kafka_header),
		cmocka_unit_test(test_kafka_round_trip),
		cmocka_unit_test(test_kafka_key_partitions),
		cmocka_unit_test(test_kafka_pycapa),
		cmocka_unit_test(test_kafka_msg_time),
		cmocka_unit_test(test_kafka_refused),
		cmocka_unit_test_prestate(test_kafka_group_end,
			"partition.assignment.strategy=range"),
		cmocka_unit_test_prestate(test_kafka_group_end,
			"partition.assignment.strategy=cooperative-sticky"),
		cmocka_unit_test(test_kafka_busy),
		cmocka_unit_test(test_kafka_errors),
	};

	return cmocka_run_group_tests_name("kafka", tests, NULL, NULL);
}

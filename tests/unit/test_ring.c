// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: the ring walker over rings laid out in malloc'd memory as
 * <linux/kcap.h> says, with a producer written here from that text: wraps
 * of the data area and of the free-running counters, padding records (one
 * of 8 bytes), headers longer than struct kcap_rec, the merge across rings
 * by timestamp, the batched release of tails, and corrupt records.
 */

#define _GNU_SOURCE	/* memfd_create() */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "unit.h"
#include "internal.h"
#include "kcap.h"
#include "ring.h"
#include "writer.h"
#include "memfd_util.h"

#define ALIGN8(x)	(((x) + 7U) & ~7U)
#define DATA_OFFSET	256	/* ctrl block, then some room */

#define RING_SIZE	4096

/* The rings a test produces into, and the walker under test over them. */
struct synth {
	uint8_t		*base;
	unsigned int	nr;
	uint32_t	size;
	uint32_t	stride;
	uint32_t	head[8];	/* the producer's unpublished head */
	struct kcap_rings rs;		/* the walker */
	struct kcap_packet pkt;		/* what it handed out last */
};

static struct kcap_ring_ctrl *ctrl_of(struct synth *s, unsigned int i)
{
	return (struct kcap_ring_ctrl *)(s->base + (size_t)i * s->stride);
}

static uint8_t *data_of(struct synth *s, unsigned int i)
{
	return s->base + (size_t)i * s->stride + DATA_OFFSET;
}

/* @nr rings of @size bytes, their counters starting at @start. */
static void synth_init(struct synth *s, unsigned int nr, uint32_t size,
		       uint32_t start)
{
	unsigned int i;

	assert_true(nr <= 8);
	memset(s, 0, sizeof(*s));
	s->nr = nr;
	s->size = size;
	s->stride = DATA_OFFSET + size + 64;	/* not just what's needed */
	s->base = aligned_alloc(64, (size_t)nr * s->stride);
	assert_non_null(s->base);
	memset(s->base, 0xee, (size_t)nr * s->stride);	/* no free zeroes */
	for (i = 0; i < nr; i++) {
		memset(ctrl_of(s, i), 0, sizeof(struct kcap_ring_ctrl));
		ctrl_of(s, i)->size = size;
		ctrl_of(s, i)->cpu = i;
		ctrl_of(s, i)->head = start;
		ctrl_of(s, i)->tail = start;
		s->head[i] = start;
	}
}

static void synth_free(struct synth *s)
{
	free(s->base);
}

/* A walker over the rings: what a reader that maps them starts with. */
static void synth_rings(struct synth *s)
{
	assert_int_equal(kcap_rings_init(&s->rs, s->base, s->nr, s->stride,
					 DATA_OFFSET, s->size), 0);
}

/* @nr rings of RING_SIZE bytes from @start, and a walker over them. */
static void synth_open(struct synth *s, unsigned int nr, uint32_t start)
{
	synth_init(s, nr, RING_SIZE, start);
	synth_rings(s);
}

static void synth_close(struct synth *s)
{
	kcap_rings_fini(&s->rs);
	synth_free(s);
}

/* kcap_rings_next() into s->pkt. */
static int synth_next(struct synth *s)
{
	return kcap_rings_next(&s->rs, &s->pkt);
}

/* Space the producer may write, as the kernel sees it. */
static uint32_t synth_room(struct synth *s, unsigned int i)
{
	return s->size - (s->head[i] - __atomic_load_n(&ctrl_of(s, i)->tail,
						       __ATOMIC_ACQUIRE));
}

/* A padding record of @len bytes at the producer's head. */
static void synth_pad(struct synth *s, unsigned int i, uint32_t len)
{
	uint8_t *p = data_of(s, i) + (s->head[i] & (s->size - 1));

	assert_true(synth_room(s, i) >= len);
	memset(p, 0xa5, len);			/* all but two fields junk */
	memcpy(p, &len, sizeof(len));
	p[offsetof(struct kcap_rec, flags)] = KCAP_REC_F_PAD;
	s->head[i] += len;
}

/*
 * Write a frame of @caplen bytes (byte j is @seed + j) with a header of
 * @hdr_len bytes, padding to the end of the area first if it would not fit.
 * Returns where its bytes start.
 */
static uint8_t *synth_put(struct synth *s, unsigned int i, uint64_t ts,
			  uint32_t caplen, uint16_t hdr_len, uint8_t seed)
{
	uint32_t rec_len = ALIGN8(hdr_len + caplen);
	uint32_t pos = s->head[i] & (s->size - 1);
	struct kcap_rec rec;
	uint8_t *p;
	uint32_t j;

	if (s->size - pos < rec_len)
		synth_pad(s, i, s->size - pos);
	pos = s->head[i] & (s->size - 1);
	assert_true(synth_room(s, i) >= rec_len);

	memset(&rec, 0, sizeof(rec));
	rec.rec_len = rec_len;
	rec.hdr_len = hdr_len;
	rec.direction = (ts & 1) ? KCAP_DIR_OUT : KCAP_DIR_IN;
	rec.caplen = caplen;
	rec.len = caplen + 100;
	rec.tstamp_ns = ts;
	rec.ifindex = 7;
	rec.protocol = htons(ETH_P_IP);
	rec.pkt_type = (ts & 1) ? PACKET_OUTGOING : PACKET_HOST;

	p = data_of(s, i) + pos;
	memset(p, 0x5a, rec_len);		/* the header's tail is junk */
	memcpy(p, &rec, sizeof(rec));
	for (j = 0; j < caplen; j++)
		p[hdr_len + j] = (uint8_t)(seed + j);
	s->head[i] += rec_len;
	return p + hdr_len;
}

static void synth_publish(struct synth *s, unsigned int i)
{
	__atomic_store_n(&ctrl_of(s, i)->head, s->head[i], __ATOMIC_RELEASE);
}

/* synth_put() with the header the kernel writes, a struct kcap_rec. */
static uint8_t *synth_put_rec(struct synth *s, unsigned int i, uint64_t ts,
			      uint32_t caplen, uint8_t seed)
{
	return synth_put(s, i, ts, caplen, sizeof(struct kcap_rec), seed);
}

/* The record header of the frame whose bytes start at @data. */
static struct kcap_rec *rec_of(uint8_t *data)
{
	return (struct kcap_rec *)(data - sizeof(struct kcap_rec));
}

static void assert_frame(const struct kcap_packet *pkt, uint64_t ts,
			 uint32_t caplen, uint8_t seed)
{
	uint32_t j;

	assert_int_equal(pkt->frame.tstamp_ns, ts);
	assert_int_equal(pkt->frame.caplen, caplen);
	assert_int_equal(pkt->frame.len, caplen + 100);
	assert_int_equal(pkt->frame.ifindex, 7);
	assert_int_equal(pkt->frame.direction,
			 (ts & 1) ? KCAP_FRAME_OUT : KCAP_FRAME_IN);
	assert_int_equal(pkt->pkt_type,
			 (ts & 1) ? PACKET_OUTGOING : PACKET_HOST);
	assert_int_equal(pkt->protocol, ETH_P_IP);
	for (j = 0; j < caplen; j++)
		assert_int_equal(pkt->frame.data[j], (uint8_t)(seed + j));
}

/* The walker hands out a frame, the one synth_put() made with these. */
static void expect_frame(struct synth *s, uint64_t ts, uint32_t caplen,
			 uint8_t seed)
{
	assert_int_equal(synth_next(s), 1);
	assert_frame(&s->pkt, ts, caplen, seed);
}

/* The walker has nothing more to hand out. */
static void expect_end(struct synth *s)
{
	assert_int_equal(synth_next(s), 0);
}

static void test_empty(void **state)
{
	struct synth s;

	(void)state;
	synth_open(&s, 2, 0);
	expect_end(&s);
	expect_end(&s);
	assert_int_equal(ctrl_of(&s, 0)->tail, 0);
	synth_close(&s);
}

/* A published record is read whole, in order; unpublished ones are not. */
static void test_one_ring(void **state)
{
	struct synth s;

	(void)state;
	synth_open(&s, 1, 0);
	synth_put_rec(&s, 0, 100, 60, 1);
	synth_put_rec(&s, 0, 101, 1, 2);
	synth_publish(&s, 0);
	synth_put_rec(&s, 0, 102, 0, 3);	/* not yet */

	expect_frame(&s, 100, 60, 1);
	assert_int_equal(s.pkt.ring, 0);
	assert_false(s.pkt.vlan);
	expect_frame(&s, 101, 1, 2);
	expect_end(&s);

	synth_publish(&s, 0);
	expect_frame(&s, 102, 0, 3);
	expect_end(&s);
	assert_int_equal(ctrl_of(&s, 0)->tail, s.head[0]);
	synth_close(&s);
}

/* The bytes are at hdr_len, whatever the size of struct kcap_rec. */
static void test_long_header(void **state)
{
	struct synth s;
	uint8_t *data;

	(void)state;
	synth_open(&s, 1, 0);
	data = synth_put(&s, 0, 5, 33, sizeof(struct kcap_rec) + 24, 9);
	synth_put(&s, 0, 6, 20, sizeof(struct kcap_rec) + 2, 40);
	synth_publish(&s, 0);

	expect_frame(&s, 5, 33, 9);
	assert_ptr_equal(s.pkt.frame.data, data);
	expect_frame(&s, 6, 20, 40);
	expect_end(&s);
	synth_close(&s);
}

/* VLAN metadata and the protocol come out in host order. */
static void test_vlan(void **state)
{
	struct kcap_rec *rec;
	struct synth s;

	(void)state;
	synth_open(&s, 1, 0);
	rec = rec_of(synth_put_rec(&s, 0, 5, 64, 0));
	rec->flags |= KCAP_REC_F_VLAN;
	rec->vlan_tci = 0x2064;
	rec->vlan_tpid = htons(ETH_P_8021AD);
	rec->protocol = htons(ETH_P_IPV6);
	synth_publish(&s, 0);

	assert_int_equal(synth_next(&s), 1);
	assert_true(s.pkt.vlan);
	assert_int_equal(s.pkt.vlan_tci, 0x2064);
	assert_int_equal(s.pkt.vlan_tpid, ETH_P_8021AD);
	assert_int_equal(s.pkt.protocol, ETH_P_IPV6);
	synth_close(&s);
}

/* Read what test_wrap() published: frame n has n * 37 % 900 bytes, seed n. */
static void wrap_drain(struct synth *s, uint64_t *got)
{
	while (synth_next(s) == 1) {
		(*got)++;
		assert_frame(&s->pkt, *got, (uint32_t)(*got * 37 % 900),
			     (uint8_t)*got);
	}
}

/*
 * Round and round a small ring, the counters starting just below 2^32 so
 * they wrap too, with frames of sizes that leave padding records of every
 * size at the end, 8 bytes included.
 */
static void test_wrap(void **state)
{
	const uint32_t hdr = sizeof(struct kcap_rec);
	const uint32_t start = 0u - 3 * 4096 - 64;
	uint32_t caplen, pads = 0;
	struct synth s;
	uint64_t ts, got = 0;

	(void)state;
	synth_open(&s, 1, start);

	for (ts = 1; ts <= 600; ts++) {
		uint32_t pos = s.head[0] & (s.size - 1);

		caplen = (uint32_t)(ts * 37 % 900);
		if (s.size - pos < ALIGN8(hdr + caplen))
			pads++;
		/* Leave room: read everything before the ring fills. */
		if (synth_room(&s, 0) < 2 * 1024) {
			synth_publish(&s, 0);
			wrap_drain(&s, &got);
		}
		synth_put(&s, 0, ts, caplen, hdr, (uint8_t)ts);
	}
	synth_publish(&s, 0);
	wrap_drain(&s, &got);
	assert_int_equal(got, 600);
	assert_true(pads > 10);
	assert_true(s.head[0] < start);		/* the counters wrapped */
	assert_int_equal(ctrl_of(&s, 0)->tail, s.head[0]);
	synth_close(&s);
}

/* A padding record of 8 bytes, the smallest, ends the area. */
static void test_pad8(void **state)
{
	const uint32_t hdr = sizeof(struct kcap_rec);
	struct synth s;
	uint8_t *data;

	(void)state;
	synth_open(&s, 1, 0);
	/* One record of 4088 bytes, then 8 bytes are left. */
	synth_put(&s, 0, 1, 4088 - hdr, hdr, 1);
	synth_publish(&s, 0);
	expect_frame(&s, 1, 4088 - hdr, 1);
	expect_end(&s);

	data = synth_put(&s, 0, 2, 100, hdr, 2);
	assert_int_equal(s.head[0], 4096 + ALIGN8(hdr + 100));
	assert_ptr_equal(data, data_of(&s, 0) + hdr);	/* wrapped */
	synth_publish(&s, 0);
	expect_frame(&s, 2, 100, 2);
	assert_ptr_equal(s.pkt.frame.data, data);
	expect_end(&s);
	assert_int_equal(ctrl_of(&s, 0)->tail, s.head[0]);
	synth_close(&s);
}

/* Padding records one after another, and at the start of what's read. */
static void test_pads_only(void **state)
{
	struct synth s;

	(void)state;
	synth_open(&s, 1, 0);
	synth_pad(&s, 0, 8);
	synth_pad(&s, 0, 64);
	synth_publish(&s, 0);
	expect_end(&s);
	assert_int_equal(ctrl_of(&s, 0)->tail, 72);	/* given back */
	synth_put_rec(&s, 0, 9, 10, 9);
	synth_publish(&s, 0);
	expect_frame(&s, 9, 10, 9);

	/* Short ones up to head: fewer bytes there than a header. */
	synth_pad(&s, 0, 8);
	synth_publish(&s, 0);
	expect_end(&s);
	synth_pad(&s, 0, 16);
	synth_pad(&s, 0, 8);
	synth_publish(&s, 0);
	expect_end(&s);
	assert_int_equal(ctrl_of(&s, 0)->tail, s.head[0]);
	synth_put_rec(&s, 0, 10, 3, 10);
	synth_publish(&s, 0);
	expect_frame(&s, 10, 3, 10);
	expect_end(&s);
	synth_close(&s);
}

/* Three rings, timestamps interleaved: one sequence in time order. */
static void test_merge(void **state)
{
	static const struct {
		unsigned int ring;
		uint64_t ts;
	} recs[] = {
		{ 0, 10 }, { 0, 13 }, { 0, 20 }, { 0, 21 }, { 0, 50 },
		{ 1, 11 }, { 1, 12 }, { 1, 30 },
		{ 2, 5 }, { 2, 14 }, { 2, 22 }, { 2, 23 }, { 2, 24 },
	};
	static const uint64_t want[] = {
		5, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 30, 50,
	};
	struct synth s;
	size_t i;

	(void)state;
	synth_open(&s, 3, 1000 * 8);
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		synth_put_rec(&s, recs[i].ring, recs[i].ts, 16,
			      (uint8_t)recs[i].ts);
	for (i = 0; i < 3; i++)
		synth_publish(&s, (unsigned int)i);

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		expect_frame(&s, want[i], 16, (uint8_t)want[i]);
		assert_int_equal(s.pkt.ring, want[i] == 5 || want[i] == 14 ||
				 (want[i] >= 22 && want[i] <= 24) ? 2 :
				 want[i] == 11 || want[i] == 12 ||
				 want[i] == 30 ? 1 : 0);
	}
	expect_end(&s);
	for (i = 0; i < 3; i++)
		assert_int_equal(ctrl_of(&s, (unsigned int)i)->tail,
				 s.head[i]);
	synth_close(&s);
}

/* Equal timestamps: the lower ring first; a ring that fills later joins. */
static void test_merge_late(void **state)
{
	struct synth s;

	(void)state;
	synth_open(&s, 2, 0);
	synth_put_rec(&s, 1, 7, 8, 1);
	synth_put_rec(&s, 0, 7, 8, 0);
	synth_put_rec(&s, 0, 9, 8, 2);
	synth_publish(&s, 0);
	synth_publish(&s, 1);

	expect_frame(&s, 7, 8, 0);
	assert_int_equal(s.pkt.ring, 0);
	expect_frame(&s, 7, 8, 1);
	assert_int_equal(s.pkt.ring, 1);
	/* Ring 1 gets an older frame than ring 0's next one. */
	synth_put_rec(&s, 1, 8, 8, 3);
	synth_publish(&s, 1);
	expect_frame(&s, 8, 8, 3);
	expect_frame(&s, 9, 8, 2);
	expect_end(&s);
	synth_close(&s);
}

/*
 * Tails are given back in batches of a quarter ring, never past the frame
 * handed out, which stays intact until the next call; all of it once the
 * rings are empty.
 */
static void test_release(void **state)
{
	const uint32_t hdr = sizeof(struct kcap_rec);
	const uint32_t rec_len = ALIGN8(hdr + 88);	/* 128 */
	struct synth s;
	uint32_t i, stores = 0, last = 0;

	(void)state;
	synth_open(&s, 1, 0);
	for (i = 0; i < 24; i++)
		synth_put(&s, 0, i + 1, 88, hdr, (uint8_t)i);
	synth_publish(&s, 0);

	for (i = 0; i < 24; i++) {
		uint32_t tail;

		assert_int_equal(synth_next(&s), 1);
		tail = ctrl_of(&s, 0)->tail;
		/* Never past the start of the frame handed out. */
		assert_true(tail <= i * rec_len);
		if (tail != last) {
			stores++;
			assert_true(tail - last >= 4096 / 4);
			last = tail;
		}
		/* The frame handed out is there whole. */
		assert_frame(&s.pkt, i + 1, 88, (uint8_t)i);
	}
	assert_int_equal(stores, 2);	/* 24 * 128 bytes, batches of 1024 */
	expect_end(&s);
	assert_int_equal(ctrl_of(&s, 0)->tail, 24 * rec_len);
	synth_close(&s);
}

/* Closing gives back the frame handed out last. */
static void test_fini_releases(void **state)
{
	struct synth s;

	(void)state;
	synth_open(&s, 1, 0);
	synth_put_rec(&s, 0, 1, 8, 0);
	synth_put_rec(&s, 0, 2, 8, 0);
	synth_publish(&s, 0);
	expect_frame(&s, 1, 8, 0);
	expect_frame(&s, 2, 8, 0);
	assert_int_equal(ctrl_of(&s, 0)->tail, 0);
	kcap_rings_fini(&s.rs);
	assert_int_equal(ctrl_of(&s, 0)->tail, s.head[0]);

	/* A reader that comes next starts where that one stopped. */
	synth_put_rec(&s, 0, 3, 8, 0);
	synth_publish(&s, 0);
	synth_rings(&s);
	expect_frame(&s, 3, 8, 0);
	synth_close(&s);
}

/*
 * A batch is what the calls one by one would give, across rings, wraps
 * and padding; the space of a batch is given back at the next call, never
 * during it.
 */
static void test_batch(void **state)
{
	struct kcap_packet pkts[KCAP_RINGS_BATCH_MAX];
	uint64_t next = 1;
	struct synth s;
	unsigned int i, round;
	int n;

	(void)state;
	synth_open(&s, 3, 0xfffff000);	/* counters wrap on the way */
	for (round = 0; round < 40; round++) {
		uint32_t start[3];
		uint64_t ts = next;

		for (i = 0; i < 3; i++)
			start[i] = ctrl_of(&s, i)->tail;

		/* 9 frames of 100 bytes, to rings 0, 2, 1, 0, ... */
		for (i = 0; i < 9; i++, ts++)
			synth_put_rec(&s, (i * 2) % 3, ts, 100, (uint8_t)ts);
		for (i = 0; i < 3; i++)
			synth_publish(&s, i);
		n = kcap_rings_next_batch(&s.rs, pkts, 4);
		assert_int_equal(n, 4);
		for (i = 0; i < 3; i++)	/* nothing of this batch given back */
			assert_int_equal(ctrl_of(&s, i)->tail, start[i]);
		n += kcap_rings_next_batch(&s.rs, pkts + 4,
					    KCAP_RINGS_BATCH_MAX - 4);
		assert_int_equal(n, 9);
		for (i = 0; i < 9; i++, next++)
			assert_frame(&pkts[i], next, 100, (uint8_t)next);
		assert_int_equal(kcap_rings_next_batch(&s.rs, pkts,
						       KCAP_RINGS_BATCH_MAX), 0);
		for (i = 0; i < 3; i++)
			assert_int_equal(ctrl_of(&s, i)->tail, s.head[i]);
	}
	synth_close(&s);
}

/* A record test_merge_random() put in a ring, and what it wrote of it. */
struct put_rec {
	uint64_t	ts;
	unsigned int	ring;
	unsigned int	seq;		/* order of putting: within a ring, its order */
	uint32_t	caplen;
	uint8_t		seed;
};

static int put_rec_cmp(const void *a, const void *b)
{
	const struct put_rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->ring != y->ring)
		return x->ring < y->ring ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* xorshift64: the same rings every run. */
static uint64_t test_rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Rings filled first, at random: 1 to 6 rings, up to 80 records each, of
 * random lengths and headers, from random points (the rings wrap, with
 * padding, and so do their counters), timestamps that tie within and
 * across rings.  Then read in batches of random sizes, some of each read
 * again (unread, at times twice): the records
 * come out as all of them merged by timestamp, the lower ring's first on
 * a tie, each once, and every ring's space is given back at the end.
 * Two rings go through the walker's two-way merge, more through its
 * general one, one through neither.
 */
static void test_merge_random(void **state)
{
	enum { MAX_RECS = 6 * 80 };
	const struct kcap_rec *recs[KCAP_RINGS_BATCH_MAX];
	struct put_rec *want;
	uint64_t x = 0x9e3779b97f4a7c15ULL, ts;
	unsigned int iter, nr, i, j, cnt, total, got, k, seq;
	uint32_t caplen, start;
	uint16_t hdr;
	struct synth s;
	int n;

	(void)state;
	want = calloc(MAX_RECS, sizeof(*want));
	assert_non_null(want);
	for (iter = 0; iter < 400; iter++) {
		nr = 1 + (unsigned int)(test_rnd(&x) % 6);
		/* The counters wrap past 0 on the way, most times. */
		start = 0xffffc000 + (uint32_t)(test_rnd(&x) % (16384 / 8)) * 8;
		synth_init(&s, nr, 16384, start);
		total = 0;
		seq = 0;
		for (i = 0; i < nr; i++) {
			ts = test_rnd(&x) % 4;
			cnt = (unsigned int)(test_rnd(&x) % 81);
			for (j = 0; j < cnt; j++, total++) {
				ts += test_rnd(&x) % 3;
				caplen = (uint32_t)(test_rnd(&x) % 120);
				hdr = sizeof(struct kcap_rec) +
				      (test_rnd(&x) % 4 ? 0 : 8);
				want[total] = (struct put_rec){
					.ts = ts, .ring = i, .seq = seq++,
					.caplen = caplen, .seed = (uint8_t)total,
				};
				synth_put(&s, i, ts, caplen, hdr,
					  (uint8_t)total);
			}
			synth_publish(&s, i);
		}
		qsort(want, total, sizeof(*want), put_rec_cmp);
		synth_rings(&s);

		got = 0;
		while ((n = kcap_rings_next_recs(&s.rs, recs, 1 +
				(unsigned int)(test_rnd(&x) %
					       KCAP_RINGS_BATCH_MAX))) > 0) {
			k = (unsigned int)n;
			if (!(test_rnd(&x) % 4))
				k = (unsigned int)(test_rnd(&x) % (k + 1));
			if (k < (unsigned int)n) {
				kcap_rings_unread(&s.rs, k);
				/* and again, of fewer, at times */
				if (!(test_rnd(&x) % 3)) {
					k = (unsigned int)(test_rnd(&x) % (k + 1));
					kcap_rings_unread(&s.rs, k);
				}
			}
			assert_true(got + k <= total);
			for (j = 0; j < k; j++) {
				const struct put_rec *w = &want[got + j];

				assert_int_equal(recs[j]->tstamp_ns, w->ts);
				assert_int_equal(s.rs.last[j].ring, w->ring);
				assert_int_equal(recs[j]->caplen, w->caplen);
				if (w->caplen)
					assert_int_equal(kcap_rec_data(recs[j])[0],
							 w->seed);
			}
			got += k;
		}
		assert_int_equal(n, 0);
		assert_int_equal(got, total);
		for (i = 0; i < nr; i++)
			assert_int_equal(ctrl_of(&s, i)->tail, s.head[i]);
		synth_close(&s);
	}
	free(want);
}

/*
 * Packets of a batch that were not used are read again, by the same walker
 * or, after it is gone, by the next one.
 */
static void test_unread(void **state)
{
	const uint32_t rec_len = ALIGN8(sizeof(struct kcap_rec) + 8);
	struct kcap_packet pkts[8];
	struct synth s;
	unsigned int i;

	(void)state;
	synth_open(&s, 2, 0);
	for (i = 0; i < 8; i++)
		synth_put_rec(&s, i % 2, 100 + i, 8, (uint8_t)i);
	synth_publish(&s, 0);
	synth_publish(&s, 1);

	assert_int_equal(kcap_rings_next_batch(&s.rs, pkts, 3), 3);
	kcap_rings_unread(&s.rs, 1);		/* 101 and 102 again */
	assert_int_equal(kcap_rings_next_batch(&s.rs, pkts, 3), 3);
	for (i = 0; i < 3; i++)
		assert_frame(&pkts[i], 101 + i, 8, (uint8_t)(1 + i));
	kcap_rings_unread(&s.rs, 2);		/* 103 is left */
	kcap_rings_fini(&s.rs);
	assert_int_equal(ctrl_of(&s, 0)->tail, 2 * rec_len);	/* 100, 102 */
	assert_int_equal(ctrl_of(&s, 1)->tail, rec_len);	/* 101 */

	synth_rings(&s);
	for (i = 3; i < 8; i++)
		expect_frame(&s, 100 + i, 8, (uint8_t)i);
	expect_end(&s);
	synth_close(&s);
}

/*
 * A record handed out whose length changed in the ring before it is read
 * again (only a broken kernel or another writer of the mapping would do
 * that): unread does not follow it, nor loop on a length of 0; what the
 * batch took is left taken.
 */
static void test_unread_changed(void **state)
{
	const struct kcap_rec *recs[4];
	struct kcap_rec *rec;
	struct synth s;
	unsigned int i;

	(void)state;
	synth_open(&s, 1, 0);
	for (i = 0; i < 4; i++)
		synth_put_rec(&s, 0, 100 + i, 8, (uint8_t)i);
	synth_publish(&s, 0);
	assert_int_equal(kcap_rings_next_recs(&s.rs, recs, 3), 3);

	rec = (struct kcap_rec *)data_of(&s, 0);
	rec->rec_len = 0;
	rec->flags |= KCAP_REC_F_PAD;
	kcap_rings_unread(&s.rs, 1);		/* 101 and 102: not found */
	expect_frame(&s, 103, 8, 3);
	expect_end(&s);
	synth_close(&s);
}

/* A control block that disagrees about the ring size. */
static void test_bad_ctrl_size(void **state)
{
	struct synth s;

	(void)state;
	synth_init(&s, 2, 4096, 0);
	ctrl_of(&s, 1)->size = 8192;
	assert_int_equal(kcap_rings_init(&s.rs, s.base, s.nr, s.stride,
					 DATA_OFFSET, s.size), -EPROTO);
	synth_free(&s);
}

enum corruption {
	BAD_REC_LEN_ZERO,
	BAD_REC_LEN_ODD,
	BAD_REC_LEN_PAST_HEAD,
	BAD_REC_LEN_PAST_END,
	BAD_HDR_LEN_SHORT,
	BAD_CAPLEN,
	BAD_CAPLEN_OVER_LEN,
	BAD_HEAD_FAR,
	BAD_HEAD_ODD,
	BAD_REC_LEN_SMALL,
	BAD_HDR_LEN_LONG,
	BAD_TAIL_NOT_PAD,
	BAD_TAIL_PAD_LONG,
	BAD_SHORT_AT_HEAD,
};

/* Each corruption is reported as -EBADMSG, nothing read past it. */
static void test_corrupt(void **state)
{
	enum corruption c;

	(void)state;
	for (c = BAD_REC_LEN_ZERO; c <= BAD_SHORT_AT_HEAD; c++) {
		struct kcap_rec *rec;
		struct synth s;

		/* PAST_END: a record of 56 bytes at 64 bytes from the end. */
		uint32_t start = c == BAD_REC_LEN_PAST_END ? 4096 - 64 : 0;
		uint32_t caplen = c == BAD_REC_LEN_PAST_END ? 16 : 40;
		/*
		 * TAIL_*: fewer bytes than a header left before the end;
		 * SHORT_AT_HEAD: a record of 32 bytes, head right after it.
		 */
		bool tail = c == BAD_TAIL_NOT_PAD || c == BAD_TAIL_PAD_LONG ||
			    c == BAD_SHORT_AT_HEAD;

		if (c == BAD_TAIL_NOT_PAD || c == BAD_TAIL_PAD_LONG)
			start = 4096 - (c == BAD_TAIL_NOT_PAD ? 32 : 16);
		synth_open(&s, 1, start);
		if (tail) {
			/* By hand: synth_put() would pad to the end. */
			rec = (struct kcap_rec *)(data_of(&s, 0) + start);
			memset(rec, 0, c == BAD_SHORT_AT_HEAD ? 64 : 4096 - start);
			rec->rec_len = c == BAD_TAIL_PAD_LONG ? 24 : 32;
			rec->flags = c == BAD_TAIL_PAD_LONG ? KCAP_REC_F_PAD : 0;
			s.head[0] = start + rec->rec_len;
		} else {
			rec = rec_of(synth_put_rec(&s, 0, 1, caplen, 0));
		}
		switch (c) {
		case BAD_REC_LEN_ZERO:
			rec->rec_len = 0;
			break;
		case BAD_REC_LEN_ODD:
			rec->rec_len = 84;
			break;
		case BAD_REC_LEN_PAST_HEAD:
			rec->rec_len = 88;
			break;
		case BAD_REC_LEN_PAST_END:
			/* Published, but it would run past the end. */
			rec->rec_len = 128;
			s.head[0] = start + 128;
			break;
		case BAD_HDR_LEN_SHORT:
			rec->hdr_len = 16;
			break;
		case BAD_CAPLEN:
			rec->caplen = 41;
			break;
		case BAD_CAPLEN_OVER_LEN:
			rec->len = 39;
			break;
		case BAD_HEAD_FAR:
			s.head[0] = 4096 + 8;
			break;
		case BAD_HEAD_ODD:
			s.head[0] -= 4;
			break;
		case BAD_REC_LEN_SMALL:
			/* Aligned and within the ring, but not a header's. */
			rec->rec_len = 32;
			break;
		case BAD_HDR_LEN_LONG:
			rec->hdr_len = 0xfff8;
			break;
		case BAD_TAIL_NOT_PAD:
		case BAD_TAIL_PAD_LONG:
		case BAD_SHORT_AT_HEAD:
			break;
		}
		synth_publish(&s, 0);
		assert_int_equal(synth_next(&s), -EBADMSG);
		/* Reported again, not read past at the next call. */
		assert_int_equal(synth_next(&s), -EBADMSG);
		assert_int_equal(ctrl_of(&s, 0)->tail, start);
		synth_close(&s);
	}
}

/* Two rings of @nr frames each, caplen 1 to 200, times interleaved. */
static void synth_mixed(struct synth *s, unsigned int nr)
{
	struct kcap_rec *rec;
	unsigned int k;

	synth_init(s, 2, 1 << 16, 0);
	for (k = 0; k < 2 * nr; k++) {
		rec = (struct kcap_rec *)(synth_put_rec(s, k % 2, 1000 + k,
							1 + k * 37 % 200,
							(uint8_t)k) -
					  sizeof(*rec));
		/* Runs of frames on two interfaces, of 1 to 5 frames. */
		rec->ifindex = k % 9 < 5 ? 7 : 8;
	}
	synth_publish(s, 0);
	synth_publish(s, 1);
	synth_rings(s);
}

/*
 * kcap_copy_frame_bytes(), which the writers copy frames with, copies what
 * memcpy() does for every length around its cases (under 16, 16 to 128,
 * over), at several alignments of both ends, and writes nothing around.
 */
static void test_copy_frame_bytes(void **state)
{
	static uint8_t src[400], dst[400], want[400];
	size_t n, i, so, doff;

	(void)state;
	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 131 + 7);
	for (n = 0; n <= 300; n++) {
		for (so = 0; so < 16; so += 5) {
			for (doff = 0; doff < 16; doff += 3) {
				memset(dst, 0xa5, sizeof(dst));
				memset(want, 0xa5, sizeof(want));
				memcpy(want + 32 + doff, src + so, n);
				kcap_copy_frame_bytes(dst + 32 + doff, src + so, n);
				if (memcmp(dst, want, sizeof(dst)))
					fail_msg("%zu bytes from +%zu to +%zu: not memcpy()'s",
						 n, so, doff);
			}
		}
	}
}

/* The frame bytes of records @recs[0..n), as in the ring. */
static uint64_t recs_data(const struct kcap_rec *const *recs, unsigned int n)
{
	uint64_t data = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		data += recs[i]->caplen;
	return data;
}

/*
 * Records written whole by kcap_writer_write_recs(), in runs of 1 to 9,
 * make the same file as their packets through kcap_writer_write(): pcap
 * and pcapng, cut to a snaplen, directions, two interfaces or "any"; and
 * the same counters of each interface, which pcapng's statistics give.
 */
static void test_write_recs_same(void **state)
{
	const struct kcap_rec *recs[KCAP_RINGS_BATCH_MAX];
	struct kcap_packet pkts[KCAP_RINGS_BATCH_MAX];
	enum kcap_file_format fmt;
	unsigned int done, total, run, k;
	struct kcap_writer *wa, *wb;
	uint8_t *a, *b;
	size_t la, lb;
	uint64_t frames_end, ka_frames, ka_bytes, kb_frames, kb_bytes;
	struct synth s;
	int anydev, fa, fb, i, n;

	(void)state;
	for (fmt = KCAP_FORMAT_PCAP; fmt <= KCAP_FORMAT_PCAPNG; fmt++) {
		for (anydev = 0; anydev < 2; anydev++) {
			wa = memfd_writer(fmt, 100, false, &fa);
			wb = memfd_writer(fmt, 100, false, &fb);

			synth_mixed(&s, 100);
			while ((n = kcap_rings_next_batch(&s.rs, pkts,
							  KCAP_RINGS_BATCH_MAX)) > 0) {
				for (i = 0; i < n; i++) {
					if (anydev)
						pkts[i].frame.ifindex = 0;
					assert_int_equal(kcap_writer_write(wa,
						&pkts[i].frame), 0);
				}
			}
			assert_int_equal(n, 0);
			synth_close(&s);

			synth_mixed(&s, 100);
			total = 0;
			for (run = 1; (n = kcap_rings_next_recs(&s.rs, recs,
					run % 9 + 1)) > 0; run++) {
				assert_int_equal(kcap_writer_write_recs(wb, recs,
					(unsigned int)n, UINT64_MAX, anydev,
					&done), 0);
				assert_int_equal(done, n);
				assert_int_equal(kcap_writer_recs_data(wb),
						 recs_data(recs, done));
				total += done;
			}
			assert_int_equal(n, 0);
			assert_int_equal(total, 200);
			synth_close(&s);

			/* What the files hold, counted as kcap_writer_write() counts. */
			assert_int_equal(kcap_writer_flush(wa), 0);
			assert_int_equal(kcap_writer_flush(wb), 0);
			kcap_writer_kept(wa, &ka_frames, &ka_bytes);
			kcap_writer_kept(wb, &kb_frames, &kb_bytes);
			assert_int_equal(ka_frames, 200);
			assert_int_equal(kb_frames, 200);
			assert_int_equal(kb_bytes, ka_bytes);
			for (k = 0; k < wa->nr_ifs; k++) {
				assert_int_equal(wb->nr_ifs, wa->nr_ifs);
				assert_int_equal(wb->ifs[k].frames,
						 wa->ifs[k].frames);
				assert_int_equal(wb->ifs[k].first_ns,
						 wa->ifs[k].first_ns);
				assert_int_equal(wb->ifs[k].last_ns,
						 wa->ifs[k].last_ns);
			}
			assert_int_equal(wa->nr_ifs,
					 fmt == KCAP_FORMAT_PCAP ? 0 :
					 anydev ? 1 : 2);
			/* (pcapng's statistics at the end say when) */
			frames_end = kcap_writer_bytes(wa);
			assert_int_equal(kcap_writer_bytes(wb), frames_end);
			assert_int_equal(kcap_writer_close(wa), 0);
			assert_int_equal(kcap_writer_close(wb), 0);
			a = memfd_bytes(fa, &la);
			b = memfd_bytes(fb, &lb);
			assert_int_equal(la, lb);
			assert_memory_equal(a, b, frames_end);
			free(a);
			free(b);
		}
	}
}

/*
 * Records in plain memory, @nr of @caplen bytes each, their pointers in
 * *@recs; free *@mem.
 */
static void recs_make(unsigned int nr, uint32_t caplen, uint8_t **mem,
		      const struct kcap_rec ***recs)
{
	uint32_t rec_len = ALIGN8(sizeof(struct kcap_rec) + caplen);
	struct kcap_rec *rec;
	unsigned int k;

	*mem = aligned_alloc(8, (size_t)nr * rec_len);
	*recs = calloc(nr, sizeof(**recs));
	assert_non_null(*mem);
	assert_non_null(*recs);
	for (k = 0; k < nr; k++) {
		rec = (struct kcap_rec *)(*mem + (size_t)k * rec_len);
		memset(rec, 0, rec_len);
		rec->rec_len = rec_len;
		rec->hdr_len = sizeof(*rec);
		rec->caplen = caplen;
		rec->len = caplen;
		rec->tstamp_ns = 1700000000000000000ULL + k * 1001ULL;
		rec->ifindex = 3;
		rec->direction = KCAP_DIR_IN + k % 3;
		memset(rec + 1, (int)k, caplen);
		(*recs)[k] = rec;
	}
}

/*
 * More records than the writer's buffer holds (it is written out in the
 * middle of a call), and a limit of bytes: the records stop before the
 * one that would take the file past it.
 */
static void test_write_recs_buffer_limit(void **state)
{
	enum { NR = 3000, CAPLEN = 200 };
	const struct kcap_rec **recs;
	struct kcap_packet pkt;
	enum kcap_file_format fmt;
	struct kcap_writer *wa, *wb;
	uint64_t after[NR + 1];
	unsigned int done, k;
	uint8_t *mem, *a, *b;
	size_t la, lb;
	int fa, fb;

	(void)state;
	recs_make(NR, CAPLEN, &mem, &recs);
	for (fmt = KCAP_FORMAT_PCAP; fmt <= KCAP_FORMAT_PCAPNG; fmt++) {
		wa = memfd_writer(fmt, 0, false, &fa);
		wb = memfd_writer(fmt, 0, false, &fb);
		/* With a limit, pcapng's runs need the interface declared. */
		assert_int_equal(kcap_writer_add_interface(wa, 3, "if3", 1, 0), 0);
		assert_int_equal(kcap_writer_add_interface(wb, 3, "if3", 1, 0), 0);
		after[0] = kcap_writer_bytes(wa);
		for (k = 0; k < NR; k++) {
			kcap_rec_packet(recs[k], 0, &pkt);
			assert_int_equal(kcap_writer_write(wa, &pkt.frame), 0);
			after[k + 1] = kcap_writer_bytes(wa);
		}
		/* NR records are more than one buffer of the writer. */
		assert_true(after[NR] > 2 * 256 * 1024);

		/* Up to the limit exactly, then one byte short of a record. */
		assert_int_equal(kcap_writer_write_recs(wb, recs, NR,
							after[NR - 10], false,
							&done), 0);
		assert_int_equal(done, NR - 10);
		/* Across the writes out of the buffer: what was written. */
		assert_int_equal(kcap_writer_recs_data(wb),
				 (uint64_t)(NR - 10) * CAPLEN);
		assert_int_equal(kcap_writer_write_recs(wb, recs + done, 10,
							after[NR] - 1, false,
							&done), 0);
		assert_int_equal(done, 9);
		assert_int_equal(kcap_writer_recs_data(wb), 9 * CAPLEN);
		assert_int_equal(kcap_writer_write_recs(wb, recs + NR - 1, 1,
							after[NR], false,
							&done), 0);
		assert_int_equal(done, 1);
		assert_int_equal(kcap_writer_bytes(wb), after[NR]);

		assert_int_equal(kcap_writer_close(wa), 0);
		assert_int_equal(kcap_writer_close(wb), 0);
		a = memfd_bytes(fa, &la);
		b = memfd_bytes(fb, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, after[NR]);
		free(a);
		free(b);
	}

	/* Undeclared, with a limit: that frame is the caller's to write. */
	wb = memfd_writer(KCAP_FORMAT_PCAPNG, 0, false, &fb);
	assert_int_equal(kcap_writer_write_recs(wb, recs, 5, UINT64_MAX - 1,
						false, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(kcap_writer_write_recs(wb, recs, 5, UINT64_MAX,
						false, &done), 0);
	assert_int_equal(done, 5);
	assert_int_equal(kcap_writer_write_recs(wb, recs + 5, 5,
						UINT64_MAX - 1, false, &done),
			 0);
	assert_int_equal(done, 5);
	assert_int_equal(kcap_writer_close(wb), 0);
	close(fb);
	free(recs);
	free(mem);
}

/*
 * A write that fails in the middle of a call (a pipe whose reader went
 * away): the error, the records before the failed write out counted as
 * written, none of them kept, and the error sticks.
 */
static void test_write_recs_fails(void **state)
{
	enum { NR = 3000, CAPLEN = 200 };
	struct kcap_writer_opts o = { .linktype = 1 };
	const struct kcap_rec **recs;
	struct kcap_writer *w;
	uint64_t frames, bytes;
	unsigned int done;
	uint8_t *mem;
	int pfd[2];

	(void)state;
	recs_make(NR, CAPLEN, &mem, &recs);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(pfd), 0);
	o.fd = pfd[1];
	assert_int_equal(kcap_writer_create(&w, &o), 0);
	close(pfd[0]);
	assert_int_equal(kcap_writer_write_recs(w, recs, NR, UINT64_MAX,
						false, &done), -EPIPE);
	assert_true(done > 0 && done < NR);
	assert_int_equal(kcap_writer_bytes(w),
			 24 + (uint64_t)done * (16 + CAPLEN));
	kcap_writer_kept(w, &frames, &bytes);
	assert_int_equal(frames, 0);
	assert_int_equal(kcap_writer_write_recs(w, recs, 1, UINT64_MAX, false,
						&done), -EPIPE);
	assert_int_equal(done, 0);
	kcap_writer_close(w);
	close(pfd[1]);
	signal(SIGPIPE, SIG_DFL);
	free(recs);
	free(mem);
}

/* Without the module there is no /dev/kcap: a clean -ENOENT. */
static void test_reader_without_device(void **state)
{
	static char junk;
	struct kcap_reader *r = (struct kcap_reader *)&junk;

	(void)state;
	if (access("/dev/" KCAP_DEVICE_NAME, F_OK) == 0)
		skip();
	assert_int_equal(kcap_reader_open(&r, 1, NULL), -ENOENT);
	assert_null(r);
	kcap_reader_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_ring),
		cmocka_unit_test(test_long_header),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_pad8),
		cmocka_unit_test(test_pads_only),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_late),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_fini_releases),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_merge_random),
		cmocka_unit_test(test_unread),
		cmocka_unit_test(test_unread_changed),
		cmocka_unit_test(test_bad_ctrl_size),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_copy_frame_bytes),
		cmocka_unit_test(test_write_recs_same),
		cmocka_unit_test(test_write_recs_buffer_limit),
		cmocka_unit_test(test_write_recs_fails),
		cmocka_unit_test(test_reader_without_device),
	};

	return cmocka_run_group_tests_name("libkcap ring", tests, NULL, NULL);
}

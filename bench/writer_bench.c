// SPDX-License-Identifier: GPL-2.0
/*
 * writer-bench: libkcap's userland half alone, without the kernel: rings
 * laid out in plain memory as <linux/kcap.h> says, filled by a producer
 * written here after kmod/capture.c's kcap_deliver(), drained by the ring
 * walker (kcap_rings_next_recs(), the merge by timestamp) into a
 * capture-file writer (kcap_writer_write_recs()), as a recording of one
 * session drains them (record.c).
 *
 *	writer-bench [--format pcap|pcapng] [--packets N] [--size BYTES]
 *		     [--rings R] [--ring-size BYTES] [--out PATH]
 *		     [--ring-format kcap|pcap|pcapng]
 *		     [--kafka BROKERS [--topic TOPIC]]
 *
 * --ring-format pcap: the rings hold pcap records (KCAP_RING_FORMAT_PCAP,
 * the kernel's struct kcap_pcap_rec), drained in spans
 * (kcap_rings_spans()) into a pcap file (kcap_writer_write_spans()), as
 * kcap capture records a pcap file of one device.  Only with --format
 * pcap.  --ring-format pcapng: the same with pcapng blocks
 * (KCAP_RING_FORMAT_PCAPNG) into a pcapng file; only with --format pcapng.
 *
 * --kafka: the frames are produced into TOPIC (default "bench") as kcap
 * capture --kafka produces them (kcap_kafka_produce(), never waiting:
 * what librdkafka cannot queue is dropped), instead of written; timed are
 * the drain rounds and the close, which waits for every delivery report
 * (60 s at most).  pps is then frames delivered per second;
 * produce_pps, frames handed over (or dropped) per second of the drain
 * alone: how fast the ring reader is let go on.  The queue is
 * made to hold 1000000 messages (queue.buffering.max.messages).
 *
 * Defaults: pcap, 10000000 packets of 64 bytes, 2 rings of 1 MiB, written
 * to /dev/shm/kcap-writer-bench.<format>.
 *
 * Single-threaded, in rounds: the producer fills the rings round robin
 * (packet k to ring k % R, its timestamp 1 us after packet k - 1's, so
 * that the merge alternates between the rings), as many packets as fit;
 * then the consumer drains every ring into the writer until they are
 * empty, which gives all their space back; and again until N packets
 * were written.  Each packet is an Ethernet/IPv4/UDP frame of BYTES bytes
 * whose UDP payload starts with its number k (64 bits, big endian); the
 * producer copies a template into the ring and writes k into the copy, as
 * the kernel copies each frame.
 *
 * Timed: the drain rounds (kcap_rings_next_recs(), KCAP_RINGS_BATCH_MAX
 * records at a time, as the reader takes them, and
 * kcap_writer_write_recs(), the write(2)s of the writer's buffer
 * included) and kcap_writer_close(); not the producer.  bench_drain() is
 * that part alone, for valgrind --toggle-collect.
 *
 * Before any of it, twice the bytes it will write are written to a
 * scratch file beside PATH and removed (bench_warm()): the page cache the
 * timed writes fill then takes memory just freed, not memory the machine
 * gave back to its hypervisor.
 *
 * Then, for the ceiling the kernel sets: the file's bytes written again
 * to a new file beside it (PATH.w, removed after) by write(2) alone, in
 * writes of the writer's buffer size (KCAP_WRITER_BUF) from memory
 * already touched: write_seconds, and write_pps = packets /
 * write_seconds, the most any writer could do here.
 *
 * Output: one line of key=value pairs on stdout.  Exit status 0; 1 with
 * a line "writer-bench: ..." on stderr when anything failed; 2 for a bad
 * option.
 */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "internal.h"
#include "kcap.h"
#include "ring.h"
#include "writer.h"

#define ALIGN8(x)		(((x) + 7U) & ~7U)
#define BENCH_PAGE		4096	/* control block, then data: as kmod */
#define BENCH_LINKTYPE		1	/* LINKTYPE_ETHERNET */
#define BENCH_IFINDEX		1
#define BENCH_TS0		1700000000000000000ULL	/* 2023-11-14, in ns */
#define BENCH_TS_STEP		1000	/* 1 us: exact in a pcap file too */
#define BENCH_SEQ_OFF		42	/* Ethernet 14 + IPv4 20 + UDP 8 */
#define BENCH_SIZE_MIN		(BENCH_SEQ_OFF + 8)
#define BENCH_SIZE_MAX		65535
#define BENCH_RINGS_MAX		256
#define BENCH_RING_SIZE_MAX	(1U << 30)
#define BENCH_BATCH		KCAP_RINGS_BATCH_MAX	/* records per kcap_rings_next_recs() or _batch() */

/* The producer's side of one ring. */
struct bench_ring {
	struct kcap_ring_ctrl	*ctrl;
	uint8_t			*data;
	uint32_t		head;
};

/* Rings in plain memory, one each BENCH_PAGE + size bytes, as kmod has. */
struct bench {
	uint8_t			*mem;
	unsigned int		nr;
	uint32_t		size;
	uint32_t		stride;
	struct bench_ring	*ring;
	uint8_t			frame[BENCH_SIZE_MAX];	/* the template */
	uint32_t		frame_len;
	uint8_t			ring_fmt;	/* kcap_ring_format */
};

struct bench_opts {
	enum kcap_file_format	fmt;
	const char		*fmt_name;
	uint64_t		packets;
	uint32_t		size;
	unsigned int		rings;
	uint32_t		ring_size;
	const char		*out;
	const char		*kafka;
	const char		*topic;
	uint8_t			ring_fmt;	/* kcap_ring_format */
};

static const char usage_text[] =
	"usage: writer-bench [--format pcap|pcapng] [--packets N] [--size BYTES] [--rings R] [--ring-size BYTES] [--out PATH] [--ring-format kcap|pcap|pcapng] [--kafka BROKERS [--topic TOPIC]]\n";

static int usage(FILE *f, int status)
{
	fputs(usage_text, f);
	return status;
}

static int bad_option(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "writer-bench: bad %s '%s': %s\n", opt, arg, why);
	return usage(stderr, 2);
}

/* A decimal number in [min, max], or -1. */
static int parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end || *v < min || *v > max)
		return -1;
	return 0;
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The template: 02:00:00:00:00:01 > 02:00:00:00:00:02, 192.0.2.1:40000 >
 * 192.0.2.2:9 (discard) over UDP, no UDP checksum; the payload is room
 * for the packet's number, then bytes counting up.
 */
static void bench_frame(struct bench *b, uint32_t size)
{
	static const uint8_t hdr[BENCH_SEQ_OFF] = {
		0x02, 0, 0, 0, 0, 0x02,		/* destination */
		0x02, 0, 0, 0, 0, 0x01,		/* source */
		0x08, 0x00,			/* IPv4 */
		0x45, 0, 0, 0,			/* total length at 16 */
		0, 0, 0x40, 0,			/* id 0, DF */
		64, 17, 0, 0,			/* TTL, UDP, checksum at 24 */
		192, 0, 2, 1,
		192, 0, 2, 2,
		0x9c, 0x40, 0, 9,		/* ports 40000, 9 */
		0, 0, 0, 0,			/* length at 38, checksum 0 */
	};
	uint8_t *f = b->frame;
	uint16_t v;
	uint32_t i;

	memcpy(f, hdr, sizeof(hdr));
	for (i = sizeof(hdr); i < size; i++)
		f[i] = (uint8_t)i;
	v = htons((uint16_t)(size - ETH_HLEN));
	memcpy(f + 16, &v, sizeof(v));
	v = htons((uint16_t)(size - ETH_HLEN - 20));
	memcpy(f + 38, &v, sizeof(v));
	v = htons(ip_csum(f + ETH_HLEN, 20));
	memcpy(f + 24, &v, sizeof(v));
	b->frame_len = size;
}

static int bench_init(struct bench *b, const struct bench_opts *o)
{
	unsigned int i;
	size_t len;

	b->nr = o->rings;
	b->size = o->ring_size;
	b->stride = BENCH_PAGE + o->ring_size;
	len = (size_t)b->nr * b->stride;
	b->mem = aligned_alloc(BENCH_PAGE, len);
	b->ring = calloc(b->nr, sizeof(*b->ring));
	if (!b->mem || !b->ring)
		return -ENOMEM;
	memset(b->mem, 0, len);		/* and fault it in, untimed */
	for (i = 0; i < b->nr; i++) {
		struct bench_ring *r = &b->ring[i];

		r->ctrl = (struct kcap_ring_ctrl *)(b->mem +
						    (size_t)i * b->stride);
		r->data = (uint8_t *)r->ctrl + BENCH_PAGE;
		r->ctrl->size = b->size;
		r->ctrl->cpu = i;
	}
	bench_frame(b, o->size);
	b->ring_fmt = o->ring_fmt;
	return 0;
}

/*
 * Room for a record of @rec_len bytes at ring @r's head, as the kernel's
 * kcap_ring_reserve() makes it: padding to the area's end first if the
 * record would not fit before it (a padding struct kcap_rec, or in a ring
 * of pcap records a header of caplen KCAP_PCAP_REC_PAD where one fits, of
 * pcapng blocks one of type KCAP_EPB_PAD), nothing at all if there is no
 * room for both.  NULL if the ring is full.
 */
static uint8_t *bench_reserve(const struct bench *b, struct bench_ring *r,
			      uint32_t rec_len)
{
	uint32_t size = b->size, used, off, room;
	const uint32_t pad = KCAP_PCAP_REC_PAD, epb_pad = KCAP_EPB_PAD;
	uint8_t *p;

	used = r->head - __atomic_load_n(&r->ctrl->tail, __ATOMIC_ACQUIRE);
	off = r->head & (size - 1);
	room = size - off;
	if (room < rec_len) {
		if (size - used < room + rec_len)
			return NULL;
		p = r->data + off;
		if (b->ring_fmt == KCAP_RING_FORMAT_KCAP) {
			/* Of a padding record only rec_len and flags count. */
			memcpy(p + offsetof(struct kcap_rec, rec_len), &room,
			       sizeof(room));
			p[offsetof(struct kcap_rec, flags)] = KCAP_REC_F_PAD;
		} else if (b->ring_fmt == KCAP_RING_FORMAT_PCAP &&
			   room >= sizeof(struct kcap_pcap_rec)) {
			memcpy(p + offsetof(struct kcap_pcap_rec, caplen),
			       &pad, sizeof(pad));
		} else if (b->ring_fmt == KCAP_RING_FORMAT_PCAPNG &&
			   room >= sizeof(struct kcap_epb)) {
			memcpy(p, &epb_pad, sizeof(epb_pad));
		}
		r->head += room;
		off = 0;
	} else if (size - used < rec_len) {
		return NULL;
	}
	return r->data + off;
}

/* Publish the record of @rec_len bytes reserved at ring @r's head. */
static void bench_publish(struct bench_ring *r, uint32_t rec_len)
{
	r->head += rec_len;
	__atomic_store_n(&r->ctrl->head, r->head, __ATOMIC_RELEASE);
}

/* Put packet @seq in ring @i as a struct kcap_rec.  False if it is full. */
static bool bench_put(struct bench *b, unsigned int i, uint64_t seq)
{
	struct bench_ring *r = &b->ring[i];
	uint32_t rec_len = ALIGN8(sizeof(struct kcap_rec) + b->frame_len);
	uint64_t be = htobe64(seq);
	struct kcap_rec *rec;
	uint8_t *p;

	rec = (struct kcap_rec *)bench_reserve(b, r, rec_len);
	if (!rec)
		return false;
	memset(rec, 0, sizeof(*rec));
	rec->rec_len = rec_len;
	rec->hdr_len = sizeof(*rec);
	rec->direction = (seq & 1) ? KCAP_DIR_OUT : KCAP_DIR_IN;
	rec->caplen = b->frame_len;
	rec->len = b->frame_len;
	rec->tstamp_ns = BENCH_TS0 + seq * BENCH_TS_STEP;
	rec->ifindex = BENCH_IFINDEX;
	rec->protocol = htons(ETH_P_IP);
	rec->pkt_type = (seq & 1) ? PACKET_OUTGOING : PACKET_HOST;
	p = (uint8_t *)(rec + 1);
	memcpy(p, b->frame, b->frame_len);
	memcpy(p + BENCH_SEQ_OFF, &be, sizeof(be));
	bench_publish(r, rec_len);
	return true;
}

/*
 * bench_put() into rings of pcap records, as kcap_deliver() writes them:
 * a struct kcap_pcap_rec and the frame, back to back.
 */
static bool bench_put_pcap(struct bench *b, unsigned int i, uint64_t seq)
{
	struct bench_ring *r = &b->ring[i];
	uint64_t be = htobe64(seq), ts = BENCH_TS0 + seq * BENCH_TS_STEP;
	uint32_t rec_len = sizeof(struct kcap_pcap_rec) + b->frame_len;
	struct kcap_pcap_rec h;
	uint8_t *p;

	p = bench_reserve(b, r, rec_len);
	if (!p)
		return false;
	h.ts_sec = (uint32_t)(ts / 1000000000);
	h.ts_frac = (uint32_t)(ts % 1000000000) / 1000;
	h.caplen = b->frame_len;
	h.len = b->frame_len;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), b->frame, b->frame_len);
	memcpy(p + sizeof(h) + BENCH_SEQ_OFF, &be, sizeof(be));
	bench_publish(r, rec_len);
	return true;
}

/*
 * bench_put() into rings of pcapng blocks, as kcap_deliver() writes them:
 * a struct kcap_epb, the frame padded to 4, a struct kcap_epb_tail.
 */
static bool bench_put_epb(struct bench *b, unsigned int i, uint64_t seq)
{
	struct bench_ring *r = &b->ring[i];
	uint64_t be = htobe64(seq), ts = BENCH_TS0 + seq * BENCH_TS_STEP;
	uint32_t rec_len = KCAP_EPB_LEN(b->frame_len), zero = 0;
	struct kcap_epb e = {
		.type = KCAP_EPB_TYPE, .blen = rec_len,
		.ts_high = (uint32_t)(ts >> 32), .ts_low = (uint32_t)ts,
		.caplen = b->frame_len, .len = b->frame_len,
	};
	struct kcap_epb_tail t = {
		.opt_code = KCAP_EPB_OPT_FLAGS, .opt_len = sizeof(t.flags),
		.flags = (seq & 1) ? KCAP_DIR_OUT : KCAP_DIR_IN,
		.blen = rec_len,
	};
	uint8_t *p;

	p = bench_reserve(b, r, rec_len);
	if (!p)
		return false;
	memcpy(p + rec_len - sizeof(t) - sizeof(zero), &zero, sizeof(zero));
	memcpy(p, &e, sizeof(e));
	memcpy(p + rec_len - sizeof(t), &t, sizeof(t));
	memcpy(p + sizeof(e), b->frame, b->frame_len);
	memcpy(p + sizeof(e) + BENCH_SEQ_OFF, &be, sizeof(be));
	bench_publish(r, rec_len);
	return true;
}

/* Packets @seq on, up to @end, round robin until a ring is full. */
static uint64_t bench_produce(struct bench *b, uint64_t seq, uint64_t end)
{
	bool (*put)(struct bench *b, unsigned int i, uint64_t seq) =
		b->ring_fmt == KCAP_RING_FORMAT_PCAP ? bench_put_pcap :
		b->ring_fmt == KCAP_RING_FORMAT_PCAPNG ? bench_put_epb :
		bench_put;

	while (seq < end && put(b, (unsigned int)(seq % b->nr), seq))
		seq++;
	return seq;
}

/*
 * The timed part: every packet in the rings to the writer.  0 once the
 * rings are empty, or a negative errno; *@what is "ring" for the ring
 * walker's, NULL for the writer's.
 */
static __attribute__((noinline)) int
bench_drain(struct kcap_rings *rs, struct kcap_writer *w, uint64_t *count,
	    const char **what)
{
	const struct kcap_rec *recs[BENCH_BATCH];
	unsigned int done;
	int n, ret;

	while ((n = kcap_rings_next_recs(rs, recs, BENCH_BATCH)) > 0) {
		ret = kcap_writer_write_recs(w, recs, (unsigned int)n,
					     UINT64_MAX, false, &done);
		*count += done;
		if (ret || done != (unsigned int)n) {
			*what = NULL;
			return ret ? ret : -EFBIG;
		}
	}
	*what = "ring";
	return n;
}

/*
 * bench_drain() of rings of pcap records or pcapng blocks, in spans, as
 * record.c does.
 */
static __attribute__((noinline)) int
bench_drain_spans(struct kcap_rings *rs, struct kcap_writer *w,
		  uint64_t *count, const char **what)
{
	struct kcap_span sp[KCAP_SPANS_MAX];
	int i, n, ret;

	for (;;) {
		kcap_writer_stage(w, &rs->stage, &rs->stage_end);
		n = kcap_rings_spans(rs, sp, KCAP_SPANS_MAX, UINT64_MAX,
				     UINT64_MAX);
		if (n <= 0)
			break;
		ret = kcap_writer_write_spans(w, sp, (unsigned int)n);
		kcap_rings_spans_used(rs);
		if (ret) {
			*what = NULL;
			return ret;
		}
		for (i = 0; i < n; i++)
			*count += sp[i].n;
	}
	*what = "ring";
	return n;
}

/*
 * bench_drain() into Kafka, in batches of records as kcap capture takes
 * them: a frame librdkafka cannot queue is dropped.
 */
static __attribute__((noinline)) int
bench_drain_kafka(struct kcap_rings *rs, struct kcap_kafka_producer *p,
		  uint64_t *count)
{
	struct kcap_packet pkts[BENCH_BATCH];
	int i, n, ret;

	while ((n = kcap_rings_next_batch(rs, pkts, BENCH_BATCH)) > 0) {
		for (i = 0; i < n; i++) {
			ret = kcap_kafka_produce(p, &pkts[i].frame,
						 BENCH_LINKTYPE, "bench0");
			if (ret && ret != -ENOBUFS)
				return ret;
			(*count)++;
		}
	}
	kcap_kafka_poll(p);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_opts(int argc, char **argv, struct bench_opts *o,
		      char *out_buf, size_t out_len)
{
	static const struct option longopts[] = {
		{ "format",	required_argument, NULL, 'f' },
		{ "packets",	required_argument, NULL, 'n' },
		{ "size",	required_argument, NULL, 's' },
		{ "rings",	required_argument, NULL, 'r' },
		{ "ring-size",	required_argument, NULL, 'R' },
		{ "out",	required_argument, NULL, 'o' },
		{ "kafka",	required_argument, NULL, 'k' },
		{ "topic",	required_argument, NULL, 't' },
		{ "ring-format", required_argument, NULL, 'F' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	int opt;

	o->fmt = KCAP_FORMAT_PCAP;
	o->fmt_name = "pcap";
	o->packets = 10000000;
	o->size = 64;
	o->rings = 2;
	o->ring_size = 1 << 20;
	o->out = NULL;
	o->kafka = NULL;
	o->topic = "bench";
	o->ring_fmt = KCAP_RING_FORMAT_KCAP;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (!strcmp(optarg, "pcap"))
				o->fmt = KCAP_FORMAT_PCAP;
			else if (!strcmp(optarg, "pcapng"))
				o->fmt = KCAP_FORMAT_PCAPNG;
			else
				return bad_option("--format", optarg,
						  "pcap or pcapng");
			o->fmt_name = optarg;
			break;
		case 'n':
			if (parse_num(optarg, 1, UINT64_MAX / 2, &v))
				return bad_option("--packets", optarg,
						  "1 or more");
			o->packets = v;
			break;
		case 's':
			if (parse_num(optarg, BENCH_SIZE_MIN, BENCH_SIZE_MAX,
				      &v))
				return bad_option("--size", optarg,
						  "50 to 65535 bytes");
			o->size = (uint32_t)v;
			break;
		case 'r':
			if (parse_num(optarg, 1, BENCH_RINGS_MAX, &v))
				return bad_option("--rings", optarg,
						  "1 to 256");
			o->rings = (unsigned int)v;
			break;
		case 'R':
			if (parse_num(optarg, KCAP_RING_SIZE_MIN,
				      BENCH_RING_SIZE_MAX, &v) ||
			    (v & (v - 1)))
				return bad_option("--ring-size", optarg,
						  "a power of two, 4096 to 1 GiB");
			o->ring_size = (uint32_t)v;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'k':
			o->kafka = optarg;
			o->fmt_name = "kafka";
			break;
		case 't':
			o->topic = optarg;
			break;
		case 'F':
			if (!strcmp(optarg, "kcap"))
				o->ring_fmt = KCAP_RING_FORMAT_KCAP;
			else if (!strcmp(optarg, "pcap"))
				o->ring_fmt = KCAP_RING_FORMAT_PCAP;
			else if (!strcmp(optarg, "pcapng"))
				o->ring_fmt = KCAP_RING_FORMAT_PCAPNG;
			else
				return bad_option("--ring-format", optarg,
						  "kcap, pcap or pcapng");
			break;
		case 'h':
			usage(stdout, 0);
			return -1;
		default:
			fprintf(stderr, "writer-bench: bad option '%s'\n",
				argv[optind - 1]);
			return usage(stderr, 2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "writer-bench: unexpected argument '%s'\n",
			argv[optind]);
		return usage(stderr, 2);
	}
	if (o->ring_fmt == KCAP_RING_FORMAT_PCAP &&
	    (o->fmt != KCAP_FORMAT_PCAP || o->kafka))
		return bad_option("--ring-format", "pcap",
				  "only with --format pcap, without --kafka");
	if (o->ring_fmt == KCAP_RING_FORMAT_PCAPNG &&
	    (o->fmt != KCAP_FORMAT_PCAPNG || o->kafka))
		return bad_option("--ring-format", "pcapng",
				  "only with --format pcapng, without --kafka");
	if (ALIGN8(sizeof(struct kcap_rec) + o->size) > o->ring_size) {
		fprintf(stderr, "writer-bench: a frame of %u bytes does not fit a ring of %u\n",
			o->size, o->ring_size);
		return usage(stderr, 2);
	}
	if (!o->out) {
		snprintf(out_buf, out_len, "/dev/shm/kcap-writer-bench.%s",
			 o->fmt_name);
		o->out = out_buf;
	}
	return 0;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "writer-bench: %s: %s\n", what, strerror(-err));
	return 1;
}

/* --kafka: the frames produced; the line as for a file, with the counts. */
static int bench_kafka(struct bench *b, struct kcap_rings *rs,
		       const struct bench_opts *o)
{
	static const char *const conf[] = {
		"queue.buffering.max.messages=1000000",
	};
	struct kcap_kafka_opts ko = {
		.brokers = o->kafka, .topic = o->topic, .conf = conf,
		.nr_conf = 1,
	};
	struct kcap_kafka_producer *p;
	struct kcap_kafka_counts n;
	struct kcap_error e;
	uint64_t seq = 0, done = 0;
	double t0, timed = 0, drain;
	int err;

	if (kcap_kafka_producer_open(&p, &ko, &e)) {
		fprintf(stderr, "writer-bench: %s\n", e.msg);
		return 1;
	}
	while (seq < o->packets) {
		seq = bench_produce(b, seq, o->packets);
		t0 = now();
		err = bench_drain_kafka(rs, p, &done);
		timed += now() - t0;
		if (err)
			return fail("kafka", err);
	}
	drain = timed;
	t0 = now();
	kcap_kafka_producer_close(p, 60000, &n);
	timed += now() - t0;
	printf("format=kafka packets=%llu size=%u rings=%u ring_size=%u timed=drain+flush seconds=%.6f pps=%.0f produce_pps=%.0f produced=%llu delivered=%llu failed=%llu dropped=%llu\n",
	       (unsigned long long)o->packets, o->size, o->rings,
	       o->ring_size, timed, (double)n.delivered / timed,
	       (double)(n.produced + n.dropped) / drain,
	       (unsigned long long)n.produced,
	       (unsigned long long)n.delivered,
	       (unsigned long long)n.failed, (unsigned long long)n.dropped);
	return n.delivered + n.failed + n.dropped == o->packets ? 0 : 1;
}

/*
 * @bytes to a new file @out.w by write(2) alone, in writes of the
 * writer's buffer size, then removed: the seconds it took, or 0 with
 * *@err a negative errno.
 */
static double bench_write_only(const char *out, uint64_t bytes, int *err)
{
	static uint8_t buf[KCAP_WRITER_BUF];
	char path[PATH_MAX];
	double t0, t = 0;
	uint64_t left;
	ssize_t n = 0;
	int fd;

	*err = 0;
	if (snprintf(path, sizeof(path), "%s.w", out) >= (int)sizeof(path)) {
		*err = -ENAMETOOLONG;
		return 0;
	}
	memset(buf, 0xa5, sizeof(buf));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		*err = -errno;
		return 0;
	}
	t0 = now();
	for (left = bytes; left; left -= (uint64_t)n) {
		n = write(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (n <= 0) {
			*err = n < 0 ? -errno : -EIO;
			break;
		}
	}
	if (close(fd) && !*err)
		*err = -errno;
	if (!*err)
		t = now() - t0;
	unlink(path);
	return t;
}

/*
 * Before the timed writes: twice the bytes they will write, written to a
 * scratch file beside @out and removed, so that the page cache they fill
 * (the capture, then the write(2)-alone ceiling) takes memory just freed.
 * These build machines hand memory that stays free for a few seconds back
 * to their hypervisor (free page reporting), and its first touch after
 * that costs 5 to 10 times the write: in a timed run that is the
 * machine's history, not the writer.  Only where a file can be made
 * beside @out: not for a device such as /dev/null or /dev/full.
 */
static int bench_warm(const char *out, uint64_t bytes)
{
	struct stat st;
	int err;

	if (stat(out, &st) == 0 ? !S_ISREG(st.st_mode) : errno != ENOENT)
		return 0;
	bench_write_only(out, 2 * bytes, &err);
	return err;
}

int main(int argc, char **argv)
{
	static struct bench b;
	struct kcap_writer *w;
	struct kcap_rings rs;
	struct bench_opts o;
	char out_buf[64];
	uint64_t seq = 0, done = 0, file_bytes;
	double t0, start, timed = 0, wall, write_only = 0;
	const char *what;
	struct stat st;
	int err;

	err = parse_opts(argc, argv, &o, out_buf, sizeof(out_buf));
	if (err)
		return err < 0 ? 0 : err;	/* -1: --help, 2: bad option */

	err = bench_init(&b, &o);
	if (err)
		return fail("rings", err);
	err = kcap_rings_init(&rs, b.mem, b.nr, b.stride, BENCH_PAGE, b.size);
	if (err)
		return fail("rings", err);
	rs.format = o.ring_fmt;
	if (o.kafka) {
		err = bench_kafka(&b, &rs, &o);
		kcap_rings_fini(&rs);
		free(b.ring);
		free(b.mem);
		return err;
	}
	/* A record is at most 48 bytes more than its frame (pcapng's EPB). */
	err = bench_warm(o.out, o.packets * ((uint64_t)o.size + 48));
	if (err)
		return fail(o.out, err);
	err = kcap_writer_open(&w, o.out, o.fmt, BENCH_LINKTYPE, 0, false);
	if (err)
		return fail(o.out, err);
	if (o.fmt == KCAP_FORMAT_PCAPNG) {
		err = kcap_writer_add_interface(w, BENCH_IFINDEX, "bench0",
						BENCH_LINKTYPE, 0);
		if (err)
			return fail("add interface", err);
	}

	start = now();
	while (seq < o.packets) {
		uint64_t before = seq;

		seq = bench_produce(&b, seq, o.packets);
		if (seq == before) {
			fprintf(stderr, "writer-bench: the producer is stuck at packet %llu\n",
				(unsigned long long)seq);
			return 1;
		}
		t0 = now();
		err = o.ring_fmt != KCAP_RING_FORMAT_KCAP ?
		      bench_drain_spans(&rs, w, &done, &what) :
		      bench_drain(&rs, w, &done, &what);
		timed += now() - t0;
		if (err)
			return fail(what ? what : o.out, err);
	}
	file_bytes = kcap_writer_bytes(w);
	t0 = now();
	err = kcap_writer_close(w);
	timed += now() - t0;
	wall = now() - start;
	if (err)
		return fail(o.out, err);
	kcap_rings_fini(&rs);
	if (done != o.packets) {
		fprintf(stderr, "writer-bench: wrote %llu packets of %llu\n",
			(unsigned long long)done,
			(unsigned long long)o.packets);
		return 1;
	}
	if (stat(o.out, &st) == 0 && S_ISREG(st.st_mode)) {
		file_bytes = (uint64_t)st.st_size;
		write_only = bench_write_only(o.out, file_bytes, &err);
		if (err)
			return fail(o.out, err);
	}

	printf("format=%s packets=%llu size=%u rings=%u ring_size=%u timed=drain+close seconds=%.6f pps=%.0f wall_seconds=%.6f file_bytes=%llu",
	       o.fmt_name, (unsigned long long)o.packets, o.size, o.rings,
	       o.ring_size, timed, (double)o.packets / timed, wall,
	       (unsigned long long)file_bytes);
	if (write_only > 0)
		printf(" write_seconds=%.6f write_pps=%.0f", write_only,
		       (double)o.packets / write_only);
	printf(" out=%s\n", o.out);
	free(b.ring);
	free(b.mem);
	return 0;
}

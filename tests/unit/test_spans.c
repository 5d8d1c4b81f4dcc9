// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: rings of pcap records (KCAP_RING_FORMAT_PCAP and _PCAP_NSEC),
 * laid out in malloc'd memory as <linux/kcap.h> says, with a producer
 * written here from that text: records back to back with no alignment,
 * padding at the data area's end with and without room for a header, wraps
 * of the free-running counters, the merge of rings by time into spans, the
 * limits of records and bytes, corrupt records; and the pcap writer taking
 * spans as they are, byte for byte what it writes of the same frames one
 * by one, with a failure part way leaving whole records.
 */

#define _GNU_SOURCE	/* memfd_create() */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "unit.h"
#include "internal.h"
#include "kcap.h"
#include "ring.h"
#include "writer.h"
#include "memfd_util.h"

#define DATA_OFFSET	256
#define HDR		16U
#define MAX_RECS	4096

/* What the producer wrote, in the order a merge must hand it out. */
struct want {
	uint64_t	ns;
	unsigned int	ring;
	uint32_t	caplen;
	uint8_t		seed;
};

struct psynth {
	uint8_t		*base;
	unsigned int	nr;
	uint32_t	size;
	uint32_t	stride;
	uint32_t	head[4];
	bool		nsec;
	unsigned int	pads, short_pads;
	struct want	want[MAX_RECS];
	unsigned int	nwant;
	struct kcap_rings rs;
};

static struct kcap_ring_ctrl *pctrl(struct psynth *s, unsigned int i)
{
	return (struct kcap_ring_ctrl *)(s->base + (size_t)i * s->stride);
}

static uint8_t *pdata(struct psynth *s, unsigned int i)
{
	return s->base + (size_t)i * s->stride + DATA_OFFSET;
}

static void psynth_open(struct psynth *s, unsigned int nr, uint32_t size,
			uint32_t start, bool nsec)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->nr = nr;
	s->size = size;
	s->nsec = nsec;
	s->stride = DATA_OFFSET + size + 64;
	s->base = aligned_alloc(64, (size_t)nr * s->stride);
	assert_non_null(s->base);
	memset(s->base, 0xee, (size_t)nr * s->stride);
	for (i = 0; i < nr; i++) {
		memset(pctrl(s, i), 0, sizeof(struct kcap_ring_ctrl));
		pctrl(s, i)->size = size;
		pctrl(s, i)->head = start;
		pctrl(s, i)->tail = start;
		s->head[i] = start;
	}
	assert_int_equal(kcap_rings_init(&s->rs, s->base, nr, s->stride,
					 DATA_OFFSET, size), 0);
	s->rs.format = nsec ? KCAP_RING_FORMAT_PCAP_NSEC :
			      KCAP_RING_FORMAT_PCAP;
}

static void psynth_close(struct psynth *s)
{
	kcap_rings_fini(&s->rs);
	free(s->base);
}

static uint32_t proom(struct psynth *s, unsigned int i)
{
	return s->size - (s->head[i] - __atomic_load_n(&pctrl(s, i)->tail,
						       __ATOMIC_ACQUIRE));
}

static void ppublish(struct psynth *s, unsigned int i)
{
	__atomic_store_n(&pctrl(s, i)->head, s->head[i], __ATOMIC_RELEASE);
}

/*
 * A record of @caplen bytes (byte j is @seed + j) at time @ns on ring @i,
 * as the kernel writes it: padding to the area's end first if it does not
 * fit there.  False if the ring has no room.
 */
static bool pput(struct psynth *s, unsigned int i, uint64_t ns,
		 uint32_t caplen, uint8_t seed)
{
	uint32_t pos = s->head[i] & (s->size - 1), room = s->size - pos;
	uint32_t rec = HDR + caplen, pad = KCAP_PCAP_REC_PAD, j;
	struct kcap_pcap_rec h;
	uint8_t *p;

	if (room < rec) {
		if (proom(s, i) < room + rec)
			return false;
		if (room >= HDR) {
			/* Only caplen is the kernel's: the rest stale bytes. */
			memset(pdata(s, i) + pos, 0xee, HDR);
			memcpy(pdata(s, i) + pos +
			       offsetof(struct kcap_pcap_rec, caplen),
			       &pad, sizeof(pad));
		}
		room >= HDR ? s->pads++ : s->short_pads++;
		s->head[i] += room;
		pos = 0;
	} else if (proom(s, i) < rec) {
		return false;
	}
	h.ts_sec = (uint32_t)(ns / 1000000000);
	h.ts_frac = (uint32_t)(ns % 1000000000) / (s->nsec ? 1 : 1000);
	h.caplen = caplen;
	h.len = caplen + 7;
	p = pdata(s, i) + pos;
	memcpy(p, &h, sizeof(h));
	for (j = 0; j < caplen; j++)
		p[HDR + j] = (uint8_t)(seed + j);
	s->head[i] += rec;
	assert_true(s->nwant < MAX_RECS);
	s->want[s->nwant++] = (struct want){
		.ns = ns - (s->nsec ? 0 : ns % 1000), .ring = i,
		.caplen = caplen, .seed = seed,
	};
	return true;
}

/* The order a merge hands records out in: by time, the lower ring first. */
static int want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return (int)x->ring - (int)y->ring;
}

/* Check the records of @sp against s->want from *@k on. */
static void check_span(struct psynth *s, const struct kcap_span *sp,
		       unsigned int *k)
{
	const uint8_t *p = sp->p;
	struct kcap_pcap_rec h;
	uint64_t data = 0;
	uint32_t n, j;

	if (sp->ring == KCAP_SPAN_STAGED) {
		assert_true(p >= s->rs.stage && p + sp->len <= s->rs.stage_end);
	} else {
		assert_true(sp->ring < s->nr);
		assert_true(p >= pdata(s, sp->ring) &&
			    p + sp->len <= pdata(s, sp->ring) + s->size);
	}
	for (n = 0; n < sp->n; n++) {
		const struct want *w = &s->want[*k];
		struct kcap_packet pkt;

		assert_true(*k < s->nwant);
		memcpy(&h, p, sizeof(h));
		if (sp->ring != KCAP_SPAN_STAGED)
			assert_int_equal(sp->ring, w->ring);
		assert_int_equal(h.caplen, w->caplen);
		assert_int_equal(h.len, w->caplen + 7);
		kcap_pcap_rec_packet(p, sp->ring, s->nsec, &pkt);
		assert_int_equal(pkt.frame.tstamp_ns, w->ns);
		assert_int_equal(pkt.frame.caplen, w->caplen);
		assert_int_equal(pkt.frame.len, w->caplen + 7);
		assert_ptr_equal(pkt.frame.data, p + HDR);
		for (j = 0; j < h.caplen; j++)
			assert_int_equal(p[HDR + j], (uint8_t)(w->seed + j));
		data += h.caplen;
		p += HDR + h.caplen;
		(*k)++;
	}
	assert_ptr_equal(p, sp->p + sp->len);
	assert_int_equal(sp->data, data);
}

/*
 * Read all the rings hold in calls of up to @max spans, @max_recs records
 * and @max_bytes bytes each (0: random), checking each against s->want
 * from *@k on.
 */
static void read_all(struct psynth *s, unsigned int *k, unsigned int max,
		     uint64_t max_recs, uint64_t max_bytes)
{
	struct kcap_span sp[KCAP_SPANS_MAX];
	uint64_t mr, mb;
	int n, i;

	for (;;) {
		mr = max_recs ? max_recs : 1 + (uint64_t)(rand() % 20);
		mb = max_bytes ? max_bytes : 2048 + (uint64_t)(rand() % 4096);
		n = kcap_rings_spans(&s->rs, sp,
				     max ? max : 1 + (unsigned int)rand() % 8,
				     mr, mb);
		if (!n)
			break;
		assert_true(n > 0);
		for (i = 0; i < n; i++) {
			assert_true(sp[i].n > 0 && sp[i].n <= mr);
			check_span(s, &sp[i], k);
		}
		kcap_rings_spans_used(&s->rs);
	}
}

/*
 * One ring, counters from just below 2^32, records of random sizes put
 * and read in turns: they wrap around the area's end many times, with
 * padding of both kinds, and the spans hand them out whole and in order.
 */
static void test_one_ring(void **state)
{
	struct psynth *s = malloc(sizeof(*s));
	unsigned int k = 0, round, i;
	uint64_t ns = 1700000000ULL * 1000000000ULL;

	(void)state;
	assert_non_null(s);
	srand(1);
	psynth_open(s, 1, 4096, 0xfffff000U, false);
	for (round = 0; round < 200; round++) {
		for (i = 0; i < 1 + (unsigned int)rand() % 12; i++) {
			ns += 1000 + (uint64_t)(rand() % 100000);
			if (!pput(s, 0, ns, (uint32_t)(rand() % 400),
				  (uint8_t)rand()))
				break;
		}
		ppublish(s, 0);
		read_all(s, &k, 0, 0, 0);
	}
	assert_int_equal(k, s->nwant);
	assert_true(s->pads > 0);
	assert_true(s->short_pads > 0);
	/* All read, all given back: the kernel has the whole ring. */
	assert_int_equal(kcap_rings_spans(&s->rs, NULL, 1, 1, 1), 0);
	assert_int_equal(pctrl(s, 0)->tail, s->head[0]);
	psynth_close(s);
	free(s);
}

/*
 * Three rings with times interleaved and tied, in nanoseconds: the spans
 * hand records out in order of time, the lower ring first on a tie, as
 * kcap_rings_next() does; a ring that alone has records goes in one span.
 */
static void test_merge(void **state)
{
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	unsigned int k = 0, i, r;
	uint64_t t[3] = { 0 };
	int n;

	(void)state;
	assert_non_null(s);
	srand(2);
	psynth_open(s, 3, 1 << 16, 0, true);
	for (i = 0; i < 600; i++) {
		r = (unsigned int)rand() % 3;
		t[r] += (uint64_t)(rand() % 3);	/* ties across rings */
		assert_true(pput(s, r, 5000000000ULL + t[r],
				 (uint32_t)(rand() % 60), (uint8_t)i));
	}
	for (r = 0; r < 3; r++)
		ppublish(s, r);
	qsort(s->want, s->nwant, sizeof(s->want[0]), want_cmp);
	read_all(s, &k, 0, 0, 1 << 20);
	assert_int_equal(k, s->nwant);

	/* One ring with records: one span for all of them. */
	s->nwant = 0;
	k = 0;
	for (i = 0; i < 50; i++)
		assert_true(pput(s, 1, 9000000000ULL + i, 10, (uint8_t)i));
	ppublish(s, 1);
	n = kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX, UINT64_MAX,
			     UINT64_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(sp[0].n, 50);
	assert_int_equal(sp[0].len, 50 * (HDR + 10));
	check_span(s, &sp[0], &k);
	/* Not consumed: the same again. */
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 1, UINT64_MAX,
					  UINT64_MAX), 1);
	assert_int_equal(sp[0].n, 50);
	kcap_rings_spans_used(&s->rs);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 1, 1, 1), 0);
	psynth_close(s);
	free(s);
}

/*
 * Two and three small rings that wrap again and again, their records'
 * times taking turns, with and without a stage: padding's header (whose
 * time is stale bytes) never orders a record, and every record comes out
 * in order of time.
 */
static void test_merge_wrap(void **state)
{
	static uint8_t stage[1 << 16];
	struct psynth *s = malloc(sizeof(*s));
	unsigned int k, round, i, r, nr, staged;
	uint64_t ns;

	(void)state;
	assert_non_null(s);
	for (staged = 0; staged < 2; staged++)
	for (nr = 2; nr <= 3; nr++) {
		srand(5 + nr);
		/* (0xee bytes: a padding header's stale time far ahead) */
		psynth_open(s, nr, 4096, 0xffffe000U, false);
		k = 0;
		ns = 1700000000ULL * 1000000000ULL;
		for (round = 0; round < 300; round++) {
			for (i = 0; i < 3 + (unsigned int)rand() % 9; i++) {
				r = (unsigned int)rand() % nr;
				ns += 1000 + (uint64_t)(rand() % 5000);
				if (!pput(s, r, ns, (uint32_t)(rand() % 300),
					  (uint8_t)rand()))
					break;
			}
			for (r = 0; r < nr; r++)
				ppublish(s, r);
			s->rs.stage = staged ? stage : NULL;
			s->rs.stage_end = staged ? stage + sizeof(stage) : NULL;
			read_all(s, &k, 0, 0, 1 << 20);
		}
		assert_int_equal(k, s->nwant);
		assert_true(s->pads + s->short_pads > 10);
		psynth_close(s);
	}
	free(s);
}

/*
 * Ring 0's record at 10 ends 40 bytes before the area's end, where padding
 * with a stale time far ahead comes before its record at 30; ring 1 has
 * records at 20 and 40: they come out 10, 20, 30, 40, with and without a
 * stage (a merge that took the padding's time as a record's would hand
 * out 40 before 30).
 */
static void test_merge_pad(void **state)
{
	static uint8_t stage[4096];
	struct psynth *s = malloc(sizeof(*s));
	unsigned int k, staged;

	(void)state;
	assert_non_null(s);
	for (staged = 0; staged < 2; staged++) {
		psynth_open(s, 2, 4096, 4000, false);
		assert_true(pput(s, 0, 10000, 40, 1));	/* to 4056 */
		assert_true(pput(s, 0, 30000, 100, 2));	/* pads 40, wraps */
		assert_int_equal(s->pads, 1);
		assert_true(pput(s, 1, 20000, 10, 3));
		assert_true(pput(s, 1, 40000, 10, 4));
		ppublish(s, 0);
		ppublish(s, 1);
		qsort(s->want, s->nwant, sizeof(s->want[0]), want_cmp);
		s->rs.stage = staged ? stage : NULL;
		s->rs.stage_end = staged ? stage + sizeof(stage) : NULL;
		k = 0;
		read_all(s, &k, KCAP_SPANS_MAX, UINT64_MAX, UINT64_MAX);
		assert_int_equal(k, 4);
		psynth_close(s);
	}
	free(s);
}

/* The limits: of records, of bytes, of a frame's length, none (-ENOSPC). */
static void test_limits(void **state)
{
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	unsigned int i;

	(void)state;
	assert_non_null(s);
	psynth_open(s, 1, 4096, 0, false);
	for (i = 0; i < 10; i++)
		assert_true(pput(s, 0, 1000000 * (i + 1), 34, 0));
	ppublish(s, 0);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 0, UINT64_MAX),
			 -ENOSPC);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 9, HDR + 33),
			 -ENOSPC);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 3, UINT64_MAX), 1);
	assert_int_equal(sp[0].n, 3);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 9, 5 * 50 - 1), 1);
	assert_int_equal(sp[0].n, 4);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 9, 5 * 50), 1);
	assert_int_equal(sp[0].n, 5);
	kcap_rings_spans_used(&s->rs);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 100, UINT64_MAX), 1);
	assert_int_equal(sp[0].n, 5);
	psynth_close(s);

	/* Frames longer than the caller takes end the spans, as a limit. */
	psynth_open(s, 1, 4096, 0, false);
	assert_true(pput(s, 0, 1000, 20, 0));
	assert_true(pput(s, 0, 2000, 20, 0));
	assert_true(pput(s, 0, 3000, 40, 0));
	ppublish(s, 0);
	s->rs.caplen_max = 30;
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 100, UINT64_MAX), 1);
	assert_int_equal(sp[0].n, 2);
	kcap_rings_spans_used(&s->rs);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 100, UINT64_MAX),
			 -ENOSPC);
	s->rs.caplen_max = KCAP_SNAPLEN_MAX;
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 100, UINT64_MAX), 1);
	assert_int_equal(sp[0].len, HDR + 40);
	psynth_close(s);
	free(s);
}

/* Put two good records and then @bad's bytes at ring 0's head. */
static void put_bad(struct psynth *s, const void *bad, uint32_t len)
{
	psynth_open(s, 1, 4096, 0, false);
	assert_true(pput(s, 0, 1000, 20, 1));
	assert_true(pput(s, 0, 2000, 20, 2));
	memcpy(pdata(s, 0) + (s->head[0] & 4095), bad, len);
	s->head[0] += len;
	ppublish(s, 0);
}

/*
 * Corrupt records: the good ones before come first, then -EBADMSG, again
 * at each call; nothing past the bad one is read.
 */
static void test_corrupt(void **state)
{
	const struct kcap_pcap_rec bad[] = {
		{ .caplen = 30, .len = 29 },			/* caplen > len */
		{ .caplen = 262145, .len = 262145 },		/* > snaplen max */
		{ .caplen = 100, .len = 100 },			/* past head */
		{ .caplen = KCAP_PCAP_REC_PAD, .len = 0 },	/* not at the end */
	};
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	unsigned int i, k;

	(void)state;
	assert_non_null(s);
	for (i = 0; i <= ARRAY_SIZE(bad); i++) {
		/* The last case: 8 bytes published, less than a header. */
		put_bad(s, i < ARRAY_SIZE(bad) ? &bad[i] : &bad[0],
			i < ARRAY_SIZE(bad) ? (uint32_t)sizeof(bad[i]) : 8);
		k = 0;
		assert_int_equal(kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX,
						  UINT64_MAX, UINT64_MAX), 1);
		assert_int_equal(sp[0].n, 2);
		check_span(s, &sp[0], &k);
		kcap_rings_spans_used(&s->rs);
		assert_int_equal(kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX,
						  UINT64_MAX, UINT64_MAX),
				 -EBADMSG);
		assert_int_equal(kcap_rings_spans(&s->rs, sp, 1, 1, 1000),
				 -EBADMSG);
		psynth_close(s);
	}
	/* A head more than a ring past the tail. */
	psynth_open(s, 1, 4096, 0, false);
	pctrl(s, 0)->head = 8192;
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 1, 1, 1000), -EBADMSG);
	psynth_close(s);
	free(s);
}

/*
 * Two and three rings' records written as spans (short ones buffered,
 * long ones straight from the rings; with a stage, those of rings that
 * take turns copied into the writer's buffer by the merge) and one by one
 * as packets: the same file, byte for byte, in both resolutions, and the
 * same counts.
 */
static void test_write_spans_same(void **state)
{
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	uint64_t fa, fb, da, db;
	struct kcap_writer *wa, *wb;
	struct kcap_packet pkt;
	int ra, rb, n, nsec, i, stage, staged;
	unsigned int nr;
	uint8_t *a, *b;
	size_t la, lb;
	uint64_t t;

	(void)state;
	assert_non_null(s);
	for (nsec = 0; nsec < 2; nsec++)
	for (stage = 0; stage < 2; stage++)
	for (nr = 2; nr <= 3; nr++) {
		wa = memfd_writer(KCAP_FORMAT_PCAP, 0, nsec, &ra);
		wb = memfd_writer(KCAP_FORMAT_PCAP, 0, nsec, &rb);
		srand(3);
		psynth_open(s, nr, 1 << 20, 0, nsec);
		/* Runs of each ring: spans short and long; turns too. */
		for (t = 1, i = 0; i < 3000; i++, t += 1001)
			assert_true(pput(s, (unsigned int)(i / (1 + i % 97)) % nr,
					 1700000000000000000ULL + t,
					 (uint32_t)(rand() % 300),
					 (uint8_t)i));
		for (i = 0; i < (int)nr; i++)
			ppublish(s, (unsigned int)i);
		staged = 0;
		for (;;) {
			if (stage)
				kcap_writer_stage(wb, &s->rs.stage,
						  &s->rs.stage_end);
			n = kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX,
					     UINT64_MAX, UINT64_MAX);
			if (n <= 0)
				break;
			for (i = 0; i < n; i++)
				staged += sp[i].ring == KCAP_SPAN_STAGED;
			/* (a stage's bytes are wb's buffer: read them first) */
			for (i = 0; i < n; i++) {
				const uint8_t *p = sp[i].p;
				uint32_t j;

				for (j = 0; j < sp[i].n; j++) {
					kcap_pcap_rec_packet(p, 0, nsec, &pkt);
					assert_int_equal(kcap_writer_write(wa,
							&pkt.frame), 0);
					p += HDR + pkt.frame.caplen;
				}
			}
			assert_int_equal(kcap_writer_write_spans(wb, sp,
						(unsigned int)n), 0);
			kcap_rings_spans_used(&s->rs);
		}
		assert_int_equal(n, 0);
		assert_true(stage ? staged > 0 : !staged);
		assert_int_equal(kcap_writer_flush(wa), 0);
		assert_int_equal(kcap_writer_flush(wb), 0);
		kcap_writer_kept(wa, &fa, &da);
		kcap_writer_kept(wb, &fb, &db);
		assert_int_equal(fa, 3000);
		assert_int_equal(fb, 3000);
		assert_int_equal(db, da);
		assert_int_equal(kcap_writer_bytes(wb), kcap_writer_bytes(wa));
		assert_int_equal(kcap_writer_close(wa), 0);
		assert_int_equal(kcap_writer_close(wb), 0);
		a = memfd_bytes(ra, &la);
		b = memfd_bytes(rb, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(a);
		free(b);
		psynth_close(s);
	}
	free(s);
}

/*
 * A file that takes only part of a writev(2) (the limit of a file's size,
 * as a full disk would): the whole records in it stay, the one cut is
 * cut off, and the writer says how many it kept; a pcapng writer takes no
 * spans.
 */
static void test_write_spans_fail(void **state)
{
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	const rlim_t limit = 24 + 10 * (HDR + 500) + 100;
	struct rlimit old, lim = { .rlim_cur = limit };
	char path[] = "/tmp/kcap-spans-XXXXXX";
	struct kcap_writer_opts o = {
		.format = KCAP_FORMAT_PCAP, .linktype = 1,
	};
	struct kcap_writer *w;
	uint64_t frames, data;
	unsigned int i;
	int fd, n;

	(void)state;
	assert_non_null(s);
	psynth_open(s, 1, 1 << 16, 0, false);
	for (i = 0; i < 40; i++)
		assert_true(pput(s, 0, 1000000 * (i + 1), 500, (uint8_t)i));
	ppublish(s, 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	o.fd = fd;
	assert_int_equal(kcap_writer_create(&w, &o), 0);

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;	/* the soft limit only: it goes back */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	n = kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX, UINT64_MAX,
			     UINT64_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(kcap_writer_write_spans(w, sp, 1), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);

	kcap_writer_kept(w, &frames, &data);
	assert_int_equal(frames, 10);
	assert_int_equal(data, 10 * 500);
	assert_int_equal(lseek(fd, 0, SEEK_END), 24 + 10 * (HDR + 500));
	assert_int_equal(kcap_writer_write_spans(w, sp, 1), -EFBIG);
	kcap_writer_close(w);
	close(fd);

	w = memfd_writer(KCAP_FORMAT_PCAPNG, 0, false, &fd);
	assert_int_equal(kcap_writer_write_spans(w, sp, 1), -EINVAL);
	kcap_writer_close(w);
	close(fd);
	psynth_close(s);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_ring),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_wrap),
		cmocka_unit_test(test_merge_pad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_write_spans_same),
		cmocka_unit_test(test_write_spans_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: rings of pcap records (KCAP_RING_FORMAT_PCAP and _PCAP_NSEC)
 * and of pcapng blocks (KCAP_RING_FORMAT_PCAPNG), laid out in malloc'd
 * memory as <linux/kcap.h> says, with a producer written here from that
 * text: records back to back (pcap's with no alignment), padding at the
 * data area's end with and without room for a header, wraps of the
 * free-running counters, the merge of rings by time into spans, the limits
 * of records and bytes, corrupt records; and the pcap and pcapng writers
 * taking spans as they are, byte for byte what they write of the same
 * frames one by one, with a failure part way leaving whole records.
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

#define PCAP		KCAP_RING_FORMAT_PCAP
#define PCAP_NSEC	KCAP_RING_FORMAT_PCAP_NSEC
#define PCAPNG		KCAP_RING_FORMAT_PCAPNG

/* A record's header and its whole length, of @caplen, in format @fmt. */
static uint32_t hdr_len(uint8_t fmt)
{
	return fmt == PCAPNG ? (uint32_t)sizeof(struct kcap_epb) : HDR;
}

static uint32_t rec_len(uint8_t fmt, uint32_t caplen)
{
	return fmt == PCAPNG ? KCAP_EPB_LEN(caplen) : HDR + caplen;
}

/* What the producer wrote, in the order a merge must hand it out. */
struct want {
	uint64_t	ns;
	unsigned int	ring;
	uint32_t	caplen;
	uint8_t		seed;
	uint8_t		dir;
};

struct psynth {
	uint8_t		*base;
	unsigned int	nr;
	uint32_t	size;
	uint32_t	stride;
	uint32_t	head[4];
	uint8_t		fmt;
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
			uint32_t start, uint8_t fmt)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->nr = nr;
	s->size = size;
	s->fmt = fmt;
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
	s->rs.format = fmt;
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

/* A pcapng block of @blen bytes at @p, as the kernel writes it. */
static void put_epb(uint8_t *p, uint32_t blen, uint64_t ns, uint32_t caplen,
		    uint32_t len, uint8_t dir)
{
	struct kcap_epb e = {
		.type = KCAP_EPB_TYPE, .blen = blen,
		.ts_high = (uint32_t)(ns >> 32), .ts_low = (uint32_t)ns,
		.caplen = caplen, .len = len,
	};
	struct kcap_epb_tail t = {
		.opt_code = KCAP_EPB_OPT_FLAGS, .opt_len = 4, .flags = dir,
		.blen = blen,
	};

	/* The padding's word first: with no frame, it is the header's len. */
	memset(p + blen - sizeof(t) - 4, 0, 4);
	memcpy(p, &e, sizeof(e));
	memcpy(p + blen - sizeof(t), &t, sizeof(t));
}

/*
 * A record of @caplen bytes (byte j is @seed + j, the direction's 1 or 2
 * by @seed) at time @ns on ring @i, as the kernel writes it: padding to
 * the area's end first if it does not fit there.  False if the ring has
 * no room.
 */
static bool pput(struct psynth *s, unsigned int i, uint64_t ns,
		 uint32_t caplen, uint8_t seed)
{
	uint32_t pos = s->head[i] & (s->size - 1), room = s->size - pos;
	uint32_t rec = rec_len(s->fmt, caplen), hdr = hdr_len(s->fmt);
	uint32_t pad = KCAP_PCAP_REC_PAD, epb_pad = KCAP_EPB_PAD, j;
	const bool nsec = s->fmt != PCAP;
	const uint8_t dir = 1 + (seed & 1);
	struct kcap_pcap_rec h;
	uint8_t *p;

	if (room < rec) {
		if (proom(s, i) < room + rec)
			return false;
		if (room >= hdr) {
			/* Only caplen or type is the kernel's. */
			memset(pdata(s, i) + pos, 0xee, hdr);
			if (s->fmt == PCAPNG)
				memcpy(pdata(s, i) + pos, &epb_pad,
				       sizeof(epb_pad));
			else
				memcpy(pdata(s, i) + pos +
				       offsetof(struct kcap_pcap_rec, caplen),
				       &pad, sizeof(pad));
		}
		room >= hdr ? s->pads++ : s->short_pads++;
		s->head[i] += room;
		pos = 0;
	} else if (proom(s, i) < rec) {
		return false;
	}
	p = pdata(s, i) + pos;
	if (s->fmt == PCAPNG) {
		put_epb(p, rec, ns, caplen, caplen + 7, dir);
	} else {
		h.ts_sec = (uint32_t)(ns / 1000000000);
		h.ts_frac = (uint32_t)(ns % 1000000000) / (nsec ? 1 : 1000);
		h.caplen = caplen;
		h.len = caplen + 7;
		memcpy(p, &h, sizeof(h));
	}
	for (j = 0; j < caplen; j++)
		p[hdr + j] = (uint8_t)(seed + j);
	s->head[i] += rec;
	assert_true(s->nwant < MAX_RECS);
	s->want[s->nwant++] = (struct want){
		.ns = ns - (nsec ? 0 : ns % 1000), .ring = i,
		.caplen = caplen, .seed = seed,
		.dir = s->fmt == PCAPNG ? dir : 0,
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
	const uint32_t hdr = hdr_len(s->fmt);
	const uint8_t *p = sp->p, *last = NULL;
	struct kcap_packet pkt;
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

		assert_true(*k < s->nwant);
		if (sp->ring != KCAP_SPAN_STAGED)
			assert_int_equal(sp->ring, w->ring);
		kcap_span_rec_packet(p, sp->ring, s->fmt, &pkt);
		assert_int_equal(pkt.ring, sp->ring);
		assert_int_equal(pkt.frame.tstamp_ns, w->ns);
		assert_int_equal(pkt.frame.caplen, w->caplen);
		assert_int_equal(pkt.frame.len, w->caplen + 7);
		assert_int_equal(pkt.frame.direction, w->dir);
		assert_ptr_equal(pkt.frame.data, p + hdr);
		for (j = 0; j < w->caplen; j++)
			assert_int_equal(p[hdr + j], (uint8_t)(w->seed + j));
		data += w->caplen;
		last = p;
		p += rec_len(s->fmt, w->caplen);
		(*k)++;
	}
	assert_ptr_equal(p, sp->p + sp->len);
	assert_ptr_equal(sp->last, last);
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
	static const uint8_t fmts[] = { PCAP, PCAPNG };
	struct psynth *s = malloc(sizeof(*s));
	unsigned int k, round, i, f;
	uint64_t ns;

	(void)state;
	assert_non_null(s);
	for (f = 0; f < ARRAY_SIZE(fmts); f++) {
	srand(1);
	k = 0;
	ns = 1700000000ULL * 1000000000ULL;
	psynth_open(s, 1, 4096, 0xfffff000U, fmts[f]);
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
	}
	free(s);
}

/*
 * Three rings with times interleaved and tied, in nanoseconds: the spans
 * hand records out in order of time, the lower ring first on a tie, as
 * kcap_rings_next() does; a ring that alone has records goes in one span.
 */
static void test_merge(void **state)
{
	static const uint8_t fmts[] = { PCAP_NSEC, PCAPNG };
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	unsigned int k, i, r, f;
	uint64_t t[3];
	uint32_t tail;
	int n;

	(void)state;
	assert_non_null(s);
	for (f = 0; f < ARRAY_SIZE(fmts); f++) {
	srand(2);
	k = 0;
	memset(t, 0, sizeof(t));
	psynth_open(s, 3, 1 << 16, 0, fmts[f]);
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
	assert_int_equal(sp[0].len, 50 * rec_len(s->fmt, 10));
	assert_true(s->rs.drained);	/* every record handed out */
	check_span(s, &sp[0], &k);
	/* Not consumed: the same again; stopped by a limit, not drained. */
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 1, 10, UINT64_MAX), 1);
	assert_int_equal(sp[0].n, 10);
	assert_false(s->rs.drained);
	tail = pctrl(s, 1)->tail;
	kcap_rings_spans_used(&s->rs);
	/* Not drained: the tail is kept back, stored once a batch. */
	assert_int_equal(pctrl(s, 1)->tail, tail);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 1, UINT64_MAX,
					  UINT64_MAX), 1);
	assert_int_equal(sp[0].n, 40);
	assert_true(s->rs.drained);
	assert_int_equal(pctrl(s, 1)->tail, tail);
	kcap_rings_spans_used(&s->rs);
	/*
	 * Drained: the tails are stored, for the poll() next, or the
	 * kernel would report what was taken as due (KCAP_BIND_F_BATCH).
	 */
	assert_int_equal(pctrl(s, 1)->tail, s->head[1]);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 1, 1, 1), 0);
	assert_true(s->rs.drained);
	psynth_close(s);
	}
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
	static const uint8_t fmts[] = { PCAP, PCAPNG };
	struct psynth *s = malloc(sizeof(*s));
	unsigned int k, round, i, r, nr, staged, f;
	uint64_t ns;

	(void)state;
	assert_non_null(s);
	for (f = 0; f < ARRAY_SIZE(fmts); f++)
	for (staged = 0; staged < 2; staged++)
	for (nr = 2; nr <= 3; nr++) {
		srand(5 + nr);
		/* (0xee bytes: a padding header's stale time far ahead) */
		psynth_open(s, nr, 4096, 0xffffe000U, fmts[f]);
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
	static const uint8_t fmts[] = { PCAP, PCAPNG };
	static uint8_t stage[4096];
	struct psynth *s = malloc(sizeof(*s));
	unsigned int k, staged, f;

	(void)state;
	assert_non_null(s);
	for (f = 0; f < ARRAY_SIZE(fmts); f++)
	for (staged = 0; staged < 2; staged++) {
		psynth_open(s, 2, 4096, 4096 - 40 - rec_len(fmts[f], 40),
			    fmts[f]);
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

/*
 * Two rings of pcap records that take turns, read with a stage and no
 * limit: the loop most records go through when two CPUs capture at once
 * (kcap_merge2_pcap()).  In both resolutions, records short and past 128
 * bytes, ties (the lower ring first), padding where the rings wrap, and a
 * stage that fills part way through the turns (1 KiB) or takes them all
 * (64 KiB): every record comes out, in order, and the stage is used.  Then,
 * part way through the turns, a record that is not one or a frame longer
 * than the caller takes: the records before it come out, then -EBADMSG
 * (-ENOSPC for the long frame).
 */
static void test_merge2_stage(void **state)
{
	static const uint8_t fmts[] = { PCAP, PCAP_NSEC };
	static const uint32_t stages[] = { 1024, 1 << 16 };
	/* ts_sec, ts_frac, caplen, len: each at 6 us, after 1..5 us */
	static const struct kcap_pcap_rec bad[] = {
		{ 0, 6, 30, 29 },			/* caplen > len */
		{ 0, 6, 262145, 262145 },		/* > snaplen max */
		{ 0, 6, 100, 100 },			/* past head */
		{ 0, 6, KCAP_PCAP_REC_PAD, 0 },		/* not at the end */
		{ 0, 6, 40, 40 },			/* > caplen_max, 30 */
	};
	static uint8_t stage[1 << 16];
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	unsigned int k, i, f, st, round, staged;
	struct kcap_pcap_rec h;
	uint64_t ns;
	int n, j;

	(void)state;
	assert_non_null(s);
	for (f = 0; f < ARRAY_SIZE(fmts); f++)
	for (st = 0; st < ARRAY_SIZE(stages); st++) {
		srand(11 + st);
		psynth_open(s, 2, 8192, 0xfffff000U, fmts[f]);
		s->rs.stage = stage;
		s->rs.stage_end = stage + stages[st];
		k = 0;
		staged = 0;
		ns = 1700000000ULL * 1000000000ULL;
		for (round = 0; round < 100; round++) {
			for (i = 0; i < 2 + (unsigned int)rand() % 40; i++) {
				/*
				 * ring 1's record ties ring 0's, now and then;
				 * seconds go by, the fraction smaller again
				 */
				if (i % 8 != 1)
					ns += 1000 + (uint64_t)(rand() % 3000);
				if (rand() % 16 == 0)
					ns += 700000000;
				if (!pput(s, i % 2, ns,
					  (uint32_t)(rand() % 4 ? rand() % 70 :
							 rand() % 300),
					  (uint8_t)rand()))
					break;
			}
			ppublish(s, 0);
			ppublish(s, 1);
			for (;;) {
				n = kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX,
						     UINT64_MAX, UINT64_MAX);
				if (!n)
					break;
				assert_true(n > 0);
				for (j = 0; j < n; j++) {
					staged += sp[j].ring == KCAP_SPAN_STAGED;
					check_span(s, &sp[j], &k);
				}
				kcap_rings_spans_used(&s->rs);
			}
		}
		assert_int_equal(k, s->nwant);
		assert_true(s->pads + s->short_pads > 5);
		assert_true(staged > 50);
		psynth_close(s);
	}

	for (f = 0; f < ARRAY_SIZE(fmts); f++)
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		psynth_open(s, 2, 4096, 0, fmts[f]);
		s->rs.stage = stage;
		s->rs.stage_end = stage + sizeof(stage);
		/* ring 0 at 1, 3, 5, 7, 9 us; ring 1 at 2, 4, then the bad */
		for (j = 1; j <= 9; j += 2)
			assert_true(pput(s, 0, 1000 * (uint64_t)j, 20, (uint8_t)j));
		for (j = 2; j <= 4; j += 2)
			assert_true(pput(s, 1, 1000 * (uint64_t)j, 20, (uint8_t)j));
		h = bad[i];
		if (fmts[f] == PCAP_NSEC)
			h.ts_frac *= 1000;
		memcpy(pdata(s, 1) + s->head[1], &h, sizeof(h));
		/* (the long frame's bytes are there: it is a record) */
		s->head[1] += sizeof(h) +
			      (i == ARRAY_SIZE(bad) - 1 ? h.caplen : 0);
		ppublish(s, 0);
		ppublish(s, 1);
		qsort(s->want, s->nwant, sizeof(s->want[0]), want_cmp);
		if (i == ARRAY_SIZE(bad) - 1)
			s->rs.caplen_max = 30;
		n = kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX, UINT64_MAX,
				     UINT64_MAX);
		assert_true(n > 0);
		for (k = 0, j = 0; j < n; j++)
			check_span(s, &sp[j], &k);
		assert_int_equal(k, 5);		/* 1 to 5 us */
		kcap_rings_spans_used(&s->rs);
		assert_int_equal(kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX,
						  UINT64_MAX, UINT64_MAX),
				 i == ARRAY_SIZE(bad) - 1 ? -ENOSPC : -EBADMSG);
		psynth_close(s);
	}
	free(s);
}

/* The limits: of records, of bytes, of a frame's length, none (-ENOSPC). */
static void test_limits(void **state)
{
	static const uint8_t fmts[] = { PCAP, PCAPNG };
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	unsigned int i, f;
	uint32_t r;

	(void)state;
	assert_non_null(s);
	for (f = 0; f < ARRAY_SIZE(fmts); f++) {
	r = rec_len(fmts[f], 34);
	psynth_open(s, 1, 4096, 0, fmts[f]);
	for (i = 0; i < 10; i++)
		assert_true(pput(s, 0, 1000000 * (i + 1), 34, 0));
	ppublish(s, 0);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 0, UINT64_MAX),
			 -ENOSPC);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 9, r - 1), -ENOSPC);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 3, UINT64_MAX), 1);
	assert_int_equal(sp[0].n, 3);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 9, 5 * r - 1), 1);
	assert_int_equal(sp[0].n, 4);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 9, 5 * r), 1);
	assert_int_equal(sp[0].n, 5);
	kcap_rings_spans_used(&s->rs);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 4, 100, UINT64_MAX), 1);
	assert_int_equal(sp[0].n, 5);
	psynth_close(s);

	/* Frames longer than the caller takes end the spans, as a limit. */
	psynth_open(s, 1, 4096, 0, fmts[f]);
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
	assert_int_equal(sp[0].len, rec_len(fmts[f], 40));
	psynth_close(s);
	}
	free(s);
}

/* Put two good records of format @fmt, then @bad's bytes, at ring 0's head. */
static void put_bad(struct psynth *s, uint8_t fmt, const void *bad,
		    uint32_t len)
{
	psynth_open(s, 1, 4096, 0, fmt);
	assert_true(pput(s, 0, 1000, 20, 1));
	assert_true(pput(s, 0, 2000, 20, 2));
	memcpy(pdata(s, 0) + (s->head[0] & 4095), bad, len);
	s->head[0] += len;
	ppublish(s, 0);
}

/* The good ones before come first, then -EBADMSG, again at each call. */
static void check_bad(struct psynth *s)
{
	struct kcap_span sp[KCAP_SPANS_MAX];
	unsigned int k = 0;

	assert_int_equal(kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX,
					  UINT64_MAX, UINT64_MAX), 1);
	assert_int_equal(sp[0].n, 2);
	check_span(s, &sp[0], &k);
	kcap_rings_spans_used(&s->rs);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, KCAP_SPANS_MAX,
					  UINT64_MAX, UINT64_MAX), -EBADMSG);
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 1, 1, 1000), -EBADMSG);
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
	/*
	 * pcapng blocks: caplen, len, type, blen's excess, bytes published:
	 * caplen > len, > snaplen max, past head, padding not at the end, not
	 * an EPB, blen not caplen's, less than a header, a caplen whose
	 * block's length wraps to 44 (refused as longer than the snaplen).
	 */
	const struct {
		uint32_t caplen, len, type, more, pub;
	} bad_epb[] = {
		{ 30, 29, KCAP_EPB_TYPE, 0, 0 },
		{ 262148, 262148, KCAP_EPB_TYPE, 0, 64 },
		{ 100, 100, KCAP_EPB_TYPE, 0, 64 },
		{ 20, 20, KCAP_EPB_PAD, 0, 0 },
		{ 20, 20, 5, 0, 0 },
		{ 20, 20, KCAP_EPB_TYPE, 4, 0 },
		{ 20, 20, KCAP_EPB_TYPE, 0, 24 },
		{ 0xfffffffd, 0xffffffff, KCAP_EPB_TYPE, 0, 0 },
	};
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	uint8_t blk[512];
	uint32_t blen;
	unsigned int i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i <= ARRAY_SIZE(bad); i++) {
		/* The last case: 8 bytes published, less than a header. */
		put_bad(s, PCAP, i < ARRAY_SIZE(bad) ? &bad[i] : &bad[0],
			i < ARRAY_SIZE(bad) ? (uint32_t)sizeof(bad[i]) : 8);
		check_bad(s);
		psynth_close(s);
	}
	for (i = 0; i < ARRAY_SIZE(bad_epb); i++) {
		blen = KCAP_EPB_LEN(bad_epb[i].caplen) + bad_epb[i].more;
		memset(blk, 0x5a, sizeof(blk));
		put_epb(blk, bad_epb[i].pub ? 64 : blen, 3000,
			bad_epb[i].caplen, bad_epb[i].len, 1);
		memcpy(blk + 4, &blen, sizeof(blen));
		memcpy(blk, &bad_epb[i].type, sizeof(bad_epb[i].type));
		put_bad(s, PCAPNG, blk, bad_epb[i].pub ? bad_epb[i].pub : blen);
		check_bad(s);
		psynth_close(s);
	}
	/* A head more than a ring past the tail. */
	psynth_open(s, 1, 4096, 0, PCAP);
	pctrl(s, 0)->head = 8192;
	assert_int_equal(kcap_rings_spans(&s->rs, sp, 1, 1, 1000), -EBADMSG);
	psynth_close(s);
	free(s);
}

/* A writer of the file that takes records of @fmt as they are. */
static struct kcap_writer *spans_writer(uint8_t fmt, int *fd)
{
	struct kcap_writer *w;

	if (fmt != PCAPNG)
		return memfd_writer(KCAP_FORMAT_PCAP, 0, fmt == PCAP_NSEC, fd);
	w = memfd_writer(KCAP_FORMAT_PCAPNG, 0, true, fd);
	assert_int_equal(kcap_writer_add_interface(w, 7, "eth0", 1, 0), 0);
	return w;
}

/*
 * Two and three rings' records written as spans (short ones buffered,
 * long ones straight from the rings; with a stage, those of rings that
 * take turns copied into the writer's buffer by the merge) and one by one
 * as packets: the same file, byte for byte, in both resolutions of pcap
 * and in pcapng (but for the time its statistics were written at), and
 * the same counts.
 */
static void test_write_spans_same(void **state)
{
	static const uint8_t fmts[] = { PCAP, PCAP_NSEC, PCAPNG };
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	uint64_t fa, fb, da, db, end;
	struct kcap_writer *wa, *wb;
	struct kcap_packet pkt;
	int ra, rb, n, i, stage, staged;
	unsigned int nr, f;
	uint8_t *a, *b;
	size_t la, lb;
	uint64_t t;

	(void)state;
	assert_non_null(s);
	for (f = 0; f < ARRAY_SIZE(fmts); f++)
	for (stage = 0; stage < 2; stage++)
	for (nr = 2; nr <= 3; nr++) {
		wa = spans_writer(fmts[f], &ra);
		wb = spans_writer(fmts[f], &rb);
		srand(3);
		psynth_open(s, nr, 1 << 20, 0, fmts[f]);
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
					kcap_span_rec_packet(p, 0, s->fmt,
							     &pkt);
					pkt.frame.ifindex = 7;
					assert_int_equal(kcap_writer_write(wa,
							&pkt.frame), 0);
					p += rec_len(s->fmt,
						     pkt.frame.caplen);
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
		end = kcap_writer_bytes(wa);
		assert_int_equal(kcap_writer_bytes(wb), end);
		assert_int_equal(kcap_writer_close(wa), 0);
		assert_int_equal(kcap_writer_close(wb), 0);
		a = memfd_bytes(ra, &la);
		b = memfd_bytes(rb, &lb);
		assert_int_equal(la, lb);
		if (s->fmt == PCAPNG) {
			/* The ISB's own time, the time it was written. */
			assert_true(la > end + 20);
			memset(a + end + 12, 0, 8);
			memset(b + end + 12, 0, 8);
		}
		assert_memory_equal(a, b, la);
		free(a);
		free(b);
		psynth_close(s);
	}
	free(s);
}

/*
 * A file that takes only part of a writev(2) (the limit of a file's size,
 * as a full disk would): the whole records (or blocks) in it stay, the one
 * cut is cut off, and the writer says how many it kept; a pcapng writer
 * with no interface takes no spans.
 */
static void test_write_spans_fail(void **state)
{
	static const uint8_t fmts[] = { PCAP, PCAPNG };
	struct psynth *s = malloc(sizeof(*s));
	struct kcap_span sp[KCAP_SPANS_MAX];
	struct rlimit old, lim;
	char path[] = "/tmp/kcap-spans-XXXXXX";
	struct kcap_writer_opts o = { .linktype = 1 };
	struct kcap_writer *w;
	uint64_t frames, data, hdr;
	unsigned int i, f;
	uint32_t r;
	int fd, n;

	(void)state;
	assert_non_null(s);
	for (f = 0; f < ARRAY_SIZE(fmts); f++) {
	r = rec_len(fmts[f], 500);
	psynth_open(s, 1, 1 << 16, 0, fmts[f]);
	for (i = 0; i < 40; i++)
		assert_true(pput(s, 0, 1000000 * (i + 1), 500, (uint8_t)i));
	ppublish(s, 0);
	strcpy(path, "/tmp/kcap-spans-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	o.fd = fd;
	o.format = fmts[f] == PCAPNG ? KCAP_FORMAT_PCAPNG : KCAP_FORMAT_PCAP;
	assert_int_equal(kcap_writer_create(&w, &o), 0);
	if (fmts[f] == PCAPNG)
		assert_int_equal(kcap_writer_add_interface(w, 7, "eth0", 1, 0),
				 0);
	assert_int_equal(kcap_writer_flush(w), 0);
	hdr = kcap_writer_bytes(w);

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	/* The soft limit only: it goes back. */
	lim.rlim_cur = hdr + 10 * r + 100;
	lim.rlim_max = old.rlim_max;
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
	assert_int_equal(lseek(fd, 0, SEEK_END), hdr + 10 * r);
	assert_int_equal(kcap_writer_write_spans(w, sp, 1), -EFBIG);
	kcap_writer_close(w);
	close(fd);

	w = memfd_writer(KCAP_FORMAT_PCAPNG, 0, false, &fd);
	assert_int_equal(kcap_writer_write_spans(w, sp, 1), -EINVAL);
	kcap_writer_close(w);
	close(fd);
	psynth_close(s);
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_ring),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_wrap),
		cmocka_unit_test(test_merge_pad),
		cmocka_unit_test(test_merge2_stage),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_write_spans_same),
		cmocka_unit_test(test_write_spans_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the reader: /dev/kcap bound to a session, its rings mapped, and
 * poll() to wait.  Walking the rings is ring.c's.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kcap.h>

#include "internal.h"
#include "kcap.h"
#include "ring.h"

#define KCAP_DEV_PATH		"/dev/" KCAP_DEVICE_NAME
#define KCAP_READER_BATCH	KCAP_RINGS_BATCH_MAX

struct kcap_reader {
	int			fd;
	void			*map;
	size_t			map_size;
	struct kcap_rings	rings;
	bool			hup;	/* POLLHUP seen */
	/*
	 * Read from the rings a batch at a time; recs[ib..nb) are not used
	 * yet (rings.last[] says their rings).
	 */
	unsigned int		nb, ib;
	const struct kcap_rec	*recs[KCAP_READER_BATCH];
};

/* Whether the layout the kernel gave fits in what it maps. */
static bool kcap_bind_ok(const struct kcap_bind *b)
{
	uint64_t end;

	if (!b->nr_rings || b->ring_size < KCAP_RING_SIZE_MIN ||
	    b->ring_size & (b->ring_size - 1) || b->ring_size > (1U << 31))
		return false;
	if (b->data_offset < sizeof(struct kcap_ring_ctrl) ||
	    b->data_offset % KCAP_REC_ALIGN || b->ring_stride % KCAP_REC_ALIGN)
		return false;
	if ((uint64_t)b->ring_stride < (uint64_t)b->data_offset + b->ring_size)
		return false;
	if (b->ring_format > KCAP_RING_FORMAT_PCAPNG)
		return false;
	end = (uint64_t)(b->nr_rings - 1) * b->ring_stride + b->data_offset +
	      b->ring_size;
	return b->mmap_size >= end && b->mmap_size <= SIZE_MAX;
}

/* Why opening /dev/kcap (@step 0) or binding it (1) failed, for @e. */
static int kcap_reader_error(struct kcap_error *e, int err, int step,
			     uint32_t id)
{
	const enum kcap_error_source sys = KCAP_ERROR_SYSTEM;

	switch (err) {
	case -ENOENT:
		if (!step)
			return kcap_error_set(e, err, sys,
					      "the kcap kernel module is not loaded: run 'modprobe kcap' as root");
		return kcap_error_set(e, err, sys,
				      "no session with id %u in this network namespace",
				      id);
	case -EPERM:
	case -EACCES:
		/*
		 * The module makes the node 0666: opening it is refused
		 * only by a mode someone set (or an older module's 0600).
		 * Binding is where the kernel checks CAP_NET_RAW.
		 */
		if (!step)
			return kcap_error_set(e, err, sys,
					      "permission denied opening " KCAP_DEV_PATH ": its mode or owner shuts this user out");
		return kcap_error_set(e, err, sys,
				      "permission denied reading the session's frames: needs CAP_NET_RAW");
	case -EBUSY:
		return kcap_error_set(e, err, sys,
				      "another reader holds the session's rings (a kcap dump or capture of it): stop that one first");
	case -EPROTO:
		return kcap_error_set(e, err, sys,
				      "the kcap module's ring layout is not one this libkcap knows: install a matching module and tool");
	default:
		return kcap_error_set(e, err, sys,
				      "cannot map the session's rings: %s",
				      strerror(-err));
	}
}

int kcap_reader_open(struct kcap_reader **rp, uint32_t session_id,
		     struct kcap_error *e)
{
	/*
	 * Batched poll(): told of records a quarter ring or up to
	 * KCAP_WAKEUP_MAX_MS at a time, not each time one is there, as a
	 * reader on a CPU of its own would be, at any rate.
	 */
	struct kcap_bind bind = {
		.id = session_id,
		.flags = KCAP_BIND_F_RING_FORMAT | KCAP_BIND_F_BATCH,
	};
	struct kcap_reader *r;
	int err, ret, step = 0;

	*rp = NULL;
	kcap_error_clear(e);
	r = calloc(1, sizeof(*r));
	if (!r)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	r->map = MAP_FAILED;

	r->fd = open(KCAP_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (r->fd < 0) {
		err = -errno;
		goto fail;
	}
	step = 1;
	ret = ioctl(r->fd, KCAP_IOC_BIND, &bind);
	if (ret < 0 && errno == EINVAL) {
		/* A module from before KCAP_BIND_F_BATCH: poll() as it has it. */
		bind.flags = KCAP_BIND_F_RING_FORMAT;
		ret = ioctl(r->fd, KCAP_IOC_BIND, &bind);
	}
	if (ret < 0) {
		err = -errno;
		goto fail;
	}
	if (!kcap_bind_ok(&bind)) {
		err = -EPROTO;
		goto fail;
	}
	r->map_size = (size_t)bind.mmap_size;
	r->map = mmap(NULL, r->map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      r->fd, 0);
	if (r->map == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	err = kcap_rings_init(&r->rings, r->map, bind.nr_rings,
			      bind.ring_stride, bind.data_offset,
			      bind.ring_size);
	if (err)
		goto fail;
	r->rings.format = (uint8_t)bind.ring_format;
	*rp = r;
	return 0;
fail:
	kcap_reader_close(r);
	return kcap_reader_error(e, err, step, session_id);
}

int kcap_reader_recs(struct kcap_reader *r, const struct kcap_rec *const **recs,
		     const struct kcap_rings_pos **pos)
{
	int n;

	if (r->rings.format != KCAP_RING_FORMAT_KCAP)
		return -EOPNOTSUPP;
	if (r->ib == r->nb) {
		r->ib = r->nb = 0;
		n = kcap_rings_next_recs(&r->rings, r->recs, KCAP_READER_BATCH);
		if (n <= 0)
			return n;
		r->nb = (unsigned int)n;
	}
	*recs = r->recs + r->ib;
	*pos = r->rings.last + r->ib;
	return (int)(r->nb - r->ib);
}

void kcap_reader_used(struct kcap_reader *r, unsigned int n)
{
	r->ib += n;
}

uint8_t kcap_reader_ring_format(const struct kcap_reader *r)
{
	return r->rings.format;
}

int kcap_reader_spans(struct kcap_reader *r, struct kcap_span *spans,
		      unsigned int max, uint64_t max_recs, uint64_t max_bytes,
		      uint32_t caplen_max, uint8_t *stage, uint8_t *stage_end)
{
	int n;

	if (r->rings.format == KCAP_RING_FORMAT_KCAP)
		return -EOPNOTSUPP;
	r->rings.stage = stage;
	r->rings.stage_end = stage_end;
	/* (more, and a hostile caplen's block length could wrap) */
	r->rings.caplen_max = caplen_max < KCAP_SNAPLEN_MAX ? caplen_max :
			      KCAP_SNAPLEN_MAX;
	n = kcap_rings_spans(&r->rings, spans, max, max_recs, max_bytes);
	r->rings.stage = r->rings.stage_end = NULL;
	r->rings.caplen_max = KCAP_SNAPLEN_MAX;
	return n;
}

bool kcap_reader_drained(const struct kcap_reader *r)
{
	return r->rings.drained;
}

void kcap_reader_spans_used(struct kcap_reader *r)
{
	kcap_rings_spans_used(&r->rings);
}

/*
 * kcap_reader_take() of rings of pcap records or pcapng blocks: the
 * oldest, as a packet,
 * consumed at once (its bytes stay until the next call).
 */
static int kcap_reader_take_pcap(struct kcap_reader *r,
				 struct kcap_packet *pkt)
{
	struct kcap_span sp;
	int n;

	n = kcap_rings_spans(&r->rings, &sp, 1, 1, UINT64_MAX);
	if (n <= 0)
		return n;
	kcap_span_rec_packet(sp.p, sp.ring, r->rings.format, pkt);
	kcap_rings_spans_used(&r->rings);
	return 1;
}

/*
 * The next packet of the batch, or of a new batch once it is all handed
 * out (which gives back the space of the last): 1, 0 if every ring is
 * empty, or -EBADMSG.
 */
static int kcap_reader_take(struct kcap_reader *r, struct kcap_packet *pkt)
{
	const struct kcap_rec *const *recs;
	const struct kcap_rings_pos *pos;
	int n;

	if (r->rings.format != KCAP_RING_FORMAT_KCAP)
		return kcap_reader_take_pcap(r, pkt);
	n = kcap_reader_recs(r, &recs, &pos);
	if (n <= 0)
		return n;
	kcap_rec_packet(recs[0], pos[0].ring, pkt);
	r->ib++;
	return 1;
}

int kcap_reader_next(struct kcap_reader *r, struct kcap_packet *pkt,
		     int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	int ret;

	ret = kcap_reader_take(r, pkt);
	if (ret)
		return ret < 0 ? ret : KCAP_READ_PACKET;
	if (r->hup)
		return KCAP_READ_HUP;
	if (!timeout_ms)
		return KCAP_READ_NONE;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	ret = kcap_reader_polled(r, ret ? pfd.revents : 0);
	if (ret)
		return ret;

	/*
	 * The frames published before the hangup come first; after a
	 * timeout, those too few yet for a batched poll() to report.
	 */
	ret = kcap_reader_take(r, pkt);
	if (ret)
		return ret < 0 ? ret : KCAP_READ_PACKET;
	return r->hup ? KCAP_READ_HUP : KCAP_READ_NONE;
}

int kcap_reader_polled(struct kcap_reader *r, short revents)
{
	if (revents & POLLHUP)
		r->hup = true;
	else if (revents & (POLLERR | POLLNVAL))
		return -EIO;
	return 0;
}

int kcap_reader_fd(const struct kcap_reader *r)
{
	return r->fd;
}

unsigned int kcap_reader_nr_rings(const struct kcap_reader *r)
{
	return r->rings.nr;
}

void kcap_reader_close(struct kcap_reader *r)
{
	if (!r)
		return;
	/* What was read but not handed out is left for the next reader. */
	if (r->rings.ring)
		kcap_rings_unread(&r->rings, r->ib);
	kcap_rings_fini(&r->rings);
	if (r->map != MAP_FAILED)
		munmap(r->map, r->map_size);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

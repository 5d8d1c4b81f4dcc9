// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: captures over several sessions, read as one stream of frames:
 * each session's reader merges its per-CPU rings by timestamp, and the
 * capture merges the readers' next frames the same way.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "kcap.h"

/* One session of a capture, and the frame it has ready, if any. */
struct kcap_source {
	struct kcap_session_info	info;
	struct kcap_reader		*r;
	struct kcap_packet		pkt;
	bool				ready;	/* pkt is its next frame */
	bool				hup;	/* hung up, drained */
	bool				done;	/* another did: read no more */
	bool				made;	/* kcap_capture_open()'s */
};

struct kcap_capture {
	struct kcap_ctl		*ctl;
	unsigned int		nr;
	int			last;	/* source of the frame handed out */
	int			hup;	/* the first source that hung up */
	uint64_t		hup_ns;	/* when it was seen */
	int			wake_fd;	/* kcap_capture_wake()'s */
	volatile sig_atomic_t	woken;		/* and its flag */
	struct pollfd		*pfds;	/* the sources', then wake_fd */
	struct kcap_source	src[];
};

static int kcap_capture_alloc(struct kcap_ctl *ctl, unsigned int nr,
			      struct kcap_capture **cp)
{
	struct kcap_capture *c;

	*cp = NULL;
	kcap_error_clear(kcap_ctl_err(ctl));
	if (!nr || nr > KCAP_CAPTURE_MAX)
		return kcap_error_set(kcap_ctl_err(ctl), -EINVAL,
				      KCAP_ERROR_SYSTEM,
				      "a capture takes 1 to %d sessions",
				      KCAP_CAPTURE_MAX);
	c = calloc(1, sizeof(*c) + nr * sizeof(c->src[0]));
	if (c)
		c->pfds = calloc(nr + 1, sizeof(*c->pfds));
	if (!c || !c->pfds) {
		free(c);
		return kcap_error_set(kcap_ctl_err(ctl), -ENOMEM,
				      KCAP_ERROR_SYSTEM, NULL);
	}
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0) {
		int err = -errno;

		free(c->pfds);
		free(c);
		return kcap_error_set(kcap_ctl_err(ctl), err,
				      KCAP_ERROR_SYSTEM, NULL);
	}
	c->ctl = ctl;
	c->last = -1;
	c->hup = -1;
	*cp = c;
	return 0;
}

/* Close what @c holds, keeping the handle's error (a failure's reason). */
static void kcap_capture_free(struct kcap_capture *c)
{
	struct kcap_error saved = *kcap_ctl_err(c->ctl);
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		kcap_reader_close(c->src[i].r);
		if (c->src[i].made)
			kcap_session_del(c->ctl, NULL, c->src[i].info.id);
	}
	*kcap_ctl_err(c->ctl) = saved;
	close(c->wake_fd);
	free(c->pfds);
	free(c);
}

int kcap_capture_open(struct kcap_ctl *ctl,
		      const struct kcap_session_config *cfg,
		      const char *const *devs, unsigned int nr,
		      struct kcap_capture **cp)
{
	struct kcap_session_config one = *cfg;
	char name[KCAP_NAME_MAX];
	struct kcap_capture *c;
	unsigned int i, j;
	int err;

	err = kcap_capture_alloc(ctl, nr, &c);
	if (err)
		return err;
	for (i = 0; i < nr && !err; i++) {
		for (j = 0; j < i; j++) {
			if (!strcmp(devs[i], devs[j]))
				err = kcap_error_set(kcap_ctl_err(ctl), -EINVAL,
						     KCAP_ERROR_SYSTEM,
						     "device %s given twice",
						     devs[i]);
		}
		if (nr > 1 && !err && cfg->name &&
		    snprintf(name, sizeof(name), "%s-%u", cfg->name, i) >=
		    (int)sizeof(name))
			err = kcap_error_set(kcap_ctl_err(ctl), -EINVAL,
					     KCAP_ERROR_SYSTEM,
					     "session name '%s' too long for %u devices",
					     cfg->name, nr);
		if (err)
			break;
		one.name = nr > 1 ? name : cfg->name;
		one.ifindex = 0;
		one.ifname = devs[i];
		err = kcap_capture_start(ctl, &one, &c->src[i].info,
					 &c->src[i].r);
		if (!err) {
			c->src[i].made = true;
			c->nr++;
		}
	}
	if (err) {
		kcap_capture_free(c);
		return err;
	}
	*cp = c;
	return 0;
}

int kcap_capture_attach(struct kcap_ctl *ctl, const char *const *names,
			unsigned int nr, struct kcap_capture **cp)
{
	struct kcap_capture *c;
	struct kcap_source *s;
	unsigned int i;
	int err;

	err = kcap_capture_alloc(ctl, nr, &c);
	for (i = 0; i < nr && !err; i++) {
		s = &c->src[c->nr];
		err = kcap_session_get(ctl, names[i], 0, &s->info);
		if (err == -ENOENT)
			kcap_error_set(kcap_ctl_err(ctl), err, KCAP_ERROR_KERNEL,
				       "no session named '%s'", names[i]);
		if (!err)
			err = kcap_reader_open(&s->r, s->info.id,
					       kcap_ctl_err(ctl));
		if (!err)
			c->nr++;
	}
	if (err) {
		if (c)
			kcap_capture_free(c);
		return err;
	}
	*cp = c;
	return 0;
}

static uint64_t kcap_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * A packet of @s: from rings of pcap records, which name no device, the
 * session's (0, "any", for a session on every device).
 */
static void kcap_source_packet(const struct kcap_source *s,
			       struct kcap_packet *pkt)
{
	if (!pkt->frame.ifindex)
		pkt->frame.ifindex = s->info.ifindex;
}

/*
 * Give each source without a frame ready its next one, without waiting.
 * Once a source has hung up, the others give the frames they captured
 * before that was seen, and no more: a capture that stops on a hangup
 * stops at a time, not when traffic elsewhere pauses.
 */
static int kcap_capture_fill(struct kcap_capture *c)
{
	struct kcap_source *s;
	unsigned int i;
	int ret;

	for (i = 0; i < c->nr; i++) {
		s = &c->src[i];
		if (s->ready || s->hup || s->done)
			continue;
		ret = kcap_reader_next(s->r, &s->pkt, 0);
		if (ret < 0)
			return ret;
		if (ret == KCAP_READ_HUP) {
			s->hup = true;
			if (c->hup < 0) {
				c->hup = (int)i;
				c->hup_ns = kcap_now_ns();
			}
		} else if (ret == KCAP_READ_PACKET) {
			kcap_source_packet(s, &s->pkt);
			s->pkt.session = i;
			s->ready = true;
		}
		if (s->ready && c->hup >= 0 &&
		    s->pkt.frame.tstamp_ns > c->hup_ns) {
			s->ready = false;
			s->done = true;
		}
	}
	return 0;
}

/* The source whose ready frame is the oldest, or NULL. */
static struct kcap_source *kcap_capture_oldest(struct kcap_capture *c)
{
	struct kcap_source *best = NULL, *s;

	for (s = c->src; s < c->src + c->nr; s++) {
		if (s->ready && (!best || s->pkt.frame.tstamp_ns <
					  best->pkt.frame.tstamp_ns))
			best = s;
	}
	return best;
}

/* (internal.h) */
int kcap_capture_poll(struct kcap_capture *c, int timeout_ms)
{
	unsigned int i, n = 0;
	int ret;

	for (i = 0; i < c->nr; i++) {
		if (c->src[i].hup)
			continue;
		c->pfds[n].fd = kcap_reader_fd(c->src[i].r);
		c->pfds[n].events = POLLIN;
		c->pfds[n].revents = 0;
		n++;
	}
	c->pfds[n].fd = c->wake_fd;
	c->pfds[n].events = POLLIN;
	c->pfds[n].revents = 0;
	ret = poll(c->pfds, n + 1, timeout_ms);
	if (ret <= 0)
		return ret < 0 ? -errno : 0;
	for (i = 0, n = 0; i < c->nr; i++) {
		if (c->src[i].hup)
			continue;
		ret = kcap_reader_polled(c->src[i].r, c->pfds[n++].revents);
		if (ret < 0)
			return ret;
	}
	if (c->pfds[n].revents) {
		kcap_capture_woken(c);
		return -EINTR;
	}
	return 0;
}

bool kcap_capture_woken(struct kcap_capture *c)
{
	uint64_t n;

	if (!c->woken)
		return false;
	c->woken = 0;
	/* Once for every wake before it; nothing to read is no matter. */
	if (read(c->wake_fd, &n, sizeof(n)) < 0)
		n = 0;
	return true;
}

int kcap_capture_wake(struct kcap_capture *c)
{
	static const uint64_t one = 1;
	int saved = errno, ret = 0;

	c->woken = 1;
	/* A full counter (2^64 - 2 wakes) has woken the reader already. */
	if (write(c->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		ret = -errno;
	errno = saved;
	return ret;
}

/* kcap_capture_next() of a capture of one session: its reader's frames. */
static int kcap_capture_next_one(struct kcap_capture *c,
				 struct kcap_packet *pkt, int timeout_ms)
{
	struct kcap_source *s = &c->src[0];
	int ret;

	if (s->hup)
		return KCAP_READ_HUP;
	ret = kcap_reader_next(s->r, pkt, 0);
	if (ret == KCAP_READ_NONE && timeout_ms) {
		ret = kcap_capture_poll(c, timeout_ms);
		if (!ret)
			ret = kcap_reader_next(s->r, pkt, 0);
	}
	if (ret == KCAP_READ_PACKET) {
		kcap_source_packet(s, pkt);
		pkt->session = 0;
	} else if (ret == KCAP_READ_HUP) {
		s->hup = true;
		c->hup = 0;
		c->hup_ns = kcap_now_ns();
	}
	return ret;
}

int kcap_capture_next(struct kcap_capture *c, struct kcap_packet *pkt,
		      int timeout_ms)
{
	struct kcap_source *best;
	int ret;

	if (c->nr == 1)
		return kcap_capture_next_one(c, pkt, timeout_ms);

	/* The frame handed out before is done with: its reader may move on. */
	if (c->last >= 0)
		c->src[c->last].ready = false;
	c->last = -1;

	ret = kcap_capture_fill(c);
	if (!ret && !kcap_capture_oldest(c) && c->hup < 0 && timeout_ms) {
		/* The frames before a wait are older than those after it. */
		ret = kcap_capture_poll(c, timeout_ms);
		if (!ret)
			ret = kcap_capture_fill(c);
	}
	if (ret < 0)
		return ret;
	best = kcap_capture_oldest(c);
	if (!best)
		return c->hup >= 0 ? KCAP_READ_HUP : KCAP_READ_NONE;
	*pkt = best->pkt;
	c->last = (int)(best - c->src);
	return KCAP_READ_PACKET;
}

int kcap_capture_recs(struct kcap_capture *c,
		      const struct kcap_rec *const **recs,
		      const struct kcap_rings_pos **pos)
{
	if (c->nr != 1)
		return -EOPNOTSUPP;
	if (c->src[0].hup)
		return 0;
	return kcap_reader_recs(c->src[0].r, recs, pos);
}

void kcap_capture_used(struct kcap_capture *c, unsigned int n)
{
	kcap_reader_used(c->src[0].r, n);
}

int kcap_capture_spans(struct kcap_capture *c, struct kcap_span *spans,
		       unsigned int max, uint64_t max_recs, uint64_t max_bytes,
		       uint32_t caplen_max, uint8_t *stage, uint8_t *stage_end)
{
	if (c->nr != 1)
		return -EOPNOTSUPP;
	if (c->src[0].hup)
		return 0;
	return kcap_reader_spans(c->src[0].r, spans, max, max_recs, max_bytes,
				 caplen_max, stage, stage_end);
}

uint8_t kcap_capture_ring_format(const struct kcap_capture *c, unsigned int i)
{
	return kcap_reader_ring_format(c->src[i].r);
}

void kcap_capture_spans_used(struct kcap_capture *c)
{
	kcap_reader_spans_used(c->src[0].r);
}

bool kcap_capture_drained(const struct kcap_capture *c)
{
	return kcap_reader_drained(c->src[0].r);
}

unsigned int kcap_capture_nr(const struct kcap_capture *c)
{
	return c->nr;
}

const struct kcap_session_info *
kcap_capture_session(const struct kcap_capture *c, unsigned int i)
{
	return &c->src[i].info;
}

int kcap_capture_hup(const struct kcap_capture *c)
{
	return c->hup;
}

int kcap_capture_stats(struct kcap_capture *c, unsigned int i,
		       struct kcap_stats *stats)
{
	return kcap_session_stats(c->ctl, NULL, c->src[i].info.id, stats);
}

void kcap_capture_close(struct kcap_capture *c)
{
	if (c)
		kcap_capture_free(c);
}

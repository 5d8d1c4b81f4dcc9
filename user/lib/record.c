// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: recording a capture into files (rotated as tcpdump's -C, -G and
 * -W), a memory file or a callback, until one of its stop conditions
 * (dumpcap's -a, tcpdump's -c, pcapdaemon's packets, bytes, duration and
 * timeout) or a session's hangup.
 *
 * The decisions (name a file, rotate, stop) are apart from the loop that
 * acts on them, so that the unit tests check them with made-up clocks.
 */

#define _GNU_SOURCE	/* memfd_create() */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "kcap.h"
#include "ring.h"

#define KCAP_RECORD_FLUSH_BYTES	65536	/* written out at least this often */
#define KCAP_RECORD_STATS_MS	1000	/* counters read, when idle, this often */
#define KCAP_RECORD_CLOCK_EVERY	256	/* frames between readings of the clock */

struct kcap_record {
	struct kcap_capture		*cap;	/* NULL: frames put by the caller */
	unsigned int			nr;	/* its sessions */
	uint32_t			linktype;	/* without @cap: the file's */
	bool				nano;	/* without @cap: the frames' */
	struct kcap_record_config	cfg;
	uint32_t			snaplen;	/* the files' */
	struct kcap_writer		*w;
	int				memfd;
	uint64_t			flushed;	/* w's bytes written out */
	uint64_t			file_data;	/* captured bytes in w */
	char				**ring;	/* -W: each slot's last name */
	struct kcap_record_at		at;
	struct kcap_stats		*each;	/* each session's last counters */
	uint64_t			stats_ms;	/* when read */
	uint64_t			now_ms;		/* kcap_record_clock()'s */
	unsigned int			clock_left;	/* frames until read */
	bool				finished;
	bool				recs;	/* kcap_record_take_recs() */
	bool				spans;	/* kcap_record_take_spans() */
	struct kcap_record_progress	p;
	struct kcap_error		err;
};

static uint64_t kcap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* How many digits tcpdump gives the numbers of -W files: those of N - 1. */
static int kcap_ring_digits(uint32_t n)
{
	int d = 0;

	for (n--; n; n /= 10)
		d++;
	return d;
}

int kcap_record_name(char *buf, size_t size,
		     const struct kcap_record_config *c, uint64_t seq,
		     time_t when)
{
	char base[KCAP_RECORD_PATH_MAX];
	struct tm tm;
	int n, width;

	if (c->rotate_secs) {
		if (!localtime_r(&when, &tm))
			return -EINVAL;
		if (!strftime(base, sizeof(base), c->path, &tm))
			return -ENAMETOOLONG;
	} else if (snprintf(base, sizeof(base), "%s", c->path) >=
		   (int)sizeof(base)) {
		return -ENAMETOOLONG;
	}
	if (!c->rotate_bytes && !c->number_files) {
		n = snprintf(buf, size, "%s", base);
	} else if (c->ring_files) {
		width = kcap_ring_digits(c->ring_files);
		seq %= c->ring_files;
		if (!width)	/* -W 1: the one file, FILE */
			n = snprintf(buf, size, "%s", base);
		else
			n = snprintf(buf, size, "%s%0*llu", base, width,
				     (unsigned long long)seq);
	} else if (!seq) {
		n = snprintf(buf, size, "%s", base);
	} else {
		n = snprintf(buf, size, "%s%llu", base,
			     (unsigned long long)seq);
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

enum kcap_record_act kcap_record_before(const struct kcap_record_config *c,
					const struct kcap_record_at *at,
					uint64_t rec, uint64_t now_ms,
					enum kcap_record_stop *why)
{
	bool rotate;

	*why = KCAP_RECORD_RUNNING;
	if (c->seconds && now_ms - at->start_ms >= c->seconds * 1000) {
		*why = KCAP_RECORD_SECONDS;
		return KCAP_RECORD_STOP;
	}
	if (c->bytes && at->file_packets && at->file_bytes + rec > c->bytes) {
		*why = KCAP_RECORD_BYTES;
		return KCAP_RECORD_STOP;
	}
	rotate = (c->rotate_bytes && at->file_packets &&
		  at->file_bytes + rec > c->rotate_bytes) ||
		 (c->rotate_secs &&
		  now_ms - at->file_ms >= c->rotate_secs * 1000);
	if (!rotate)
		return KCAP_RECORD_WRITE;
	if (c->files && at->files >= c->files) {
		*why = KCAP_RECORD_FILES;
		return KCAP_RECORD_STOP;
	}
	return KCAP_RECORD_ROTATE;
}

enum kcap_record_stop kcap_record_after(const struct kcap_record_config *c,
					const struct kcap_record_at *at)
{
	return c->packets && at->packets >= c->packets ? KCAP_RECORD_PACKETS :
							 KCAP_RECORD_RUNNING;
}

/* ms left at @now of @secs from @since (0: up), without overflow. */
static uint64_t kcap_record_left(uint64_t since, uint64_t secs, uint64_t now)
{
	uint64_t gone = now > since ? now - since : 0;
	uint64_t ms = secs > UINT64_MAX / 1000 ? UINT64_MAX : secs * 1000;

	return ms > gone ? ms - gone : 0;
}

enum kcap_record_stop kcap_record_idle(const struct kcap_record_config *c,
				       const struct kcap_record_at *at,
				       uint64_t now_ms)
{
	if (c->seconds && !kcap_record_left(at->start_ms, c->seconds, now_ms))
		return KCAP_RECORD_SECONDS;
	if (c->idle_secs &&
	    !kcap_record_left(at->last_ms, c->idle_secs, now_ms))
		return KCAP_RECORD_IDLE;
	return KCAP_RECORD_RUNNING;
}

int kcap_record_wait(const struct kcap_record_config *c,
		     const struct kcap_record_at *at, uint64_t now_ms)
{
	uint64_t left = UINT64_MAX, l;

	if (!c->seconds && !c->idle_secs)
		return -1;
	if (c->seconds)
		left = kcap_record_left(at->start_ms, c->seconds, now_ms);
	if (c->idle_secs) {
		l = kcap_record_left(at->last_ms, c->idle_secs, now_ms);
		left = l < left ? l : left;
	}
	return left < INT_MAX ? (int)left : INT_MAX;
}

/* A config that holds together: 0, or -EINVAL with @e saying why. */
static int kcap_record_check(const struct kcap_record_config *c,
			     struct kcap_error *e)
{
	const char *why = NULL;
	bool file = c->path && strcmp(c->path, "-");
	bool files = c->rotate_bytes || c->rotate_secs ||
		     (c->number_files && file);

	if (c->format != KCAP_FORMAT_PCAP && c->format != KCAP_FORMAT_PCAPNG)
		why = "an unknown file format";
	else if ((c->rotate_bytes || c->rotate_secs) && !file)
		why = "rotation (-C, -G) needs a file name";
	else if (c->ring_files && !files)
		why = "a ring of files (-W) needs rotation (-C or -G)";
	else if (c->files && !files)
		why = "a number of files to stop after needs rotation (-C or -G)";
	else if (c->bytes && !c->path && !c->memory)
		why = "a size to stop at needs a file";
	else if (c->memory && c->path)
		why = "a memory file has no path";
	else if (!c->path && !c->memory && !c->frame_cb)
		why = "frames need a file, memory or a callback";
	if (!why)
		return 0;
	return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM, "%s", why);
}

/* A failure of @err while writing: the recording stops, @e says why. */
static int kcap_record_fail(struct kcap_record *r, int err, const char *fmt,
			    const char *name)
{
	if (!r->err.err)
		kcap_error_set(&r->err, err, KCAP_ERROR_SYSTEM, fmt, name,
			       strerror(-err));
	r->p.why = KCAP_RECORD_ERROR;
	return r->err.err;
}

/*
 * The writer failed: it cut its file back to the end of the last whole
 * record.  The frames written since are not in the file, and the progress
 * no longer counts them: it says what the file holds.
 */
static int kcap_record_write_fail(struct kcap_record *r, int err)
{
	uint64_t frames, bytes;

	kcap_writer_kept(r->w, &frames, &bytes);
	if (frames <= r->at.file_packets && bytes <= r->file_data) {
		r->at.packets -= r->at.file_packets - frames;
		r->p.bytes -= r->file_data - bytes;
		r->at.file_packets = frames;
		r->file_data = bytes;
		r->p.packets = r->at.packets;
	}
	return kcap_record_fail(r, err, "writing '%s': %s",
				r->p.file[0] ? r->p.file : "memory");
}

/* The next file (or the memory file): named, its ring slot taken, opened. */
static int kcap_record_file_open(struct kcap_record *r)
{
	struct kcap_writer_opts o = {
		.fd = r->memfd, .format = r->cfg.format,
		.nano = r->cfg.nano || r->nano,
		.snaplen = r->snaplen, .comment = r->cfg.comment,
	};
	const struct kcap_session_info *s;
	char **slot;
	unsigned int i;
	int err;

	if (r->cfg.path && strcmp(r->cfg.path, "-")) {
		err = kcap_record_name(r->p.file, sizeof(r->p.file), &r->cfg,
				       r->cfg.first_file + r->at.files,
				       time(NULL));
		if (err)
			return kcap_record_fail(r, err,
						"cannot name the file of '%s': %s",
						r->cfg.path);
	} else {
		snprintf(r->p.file, sizeof(r->p.file), "%s",
			 r->cfg.path ? r->cfg.path : "");
	}
	if (r->ring) {
		/* A name of -G that the ring drops goes; the same is reused. */
		slot = &r->ring[(r->cfg.first_file + r->at.files) %
				r->cfg.ring_files];
		if (*slot && strcmp(*slot, r->p.file))
			unlink(*slot);
		free(*slot);
		*slot = strdup(r->p.file);
	}
	o.path = r->cfg.path ? r->p.file : NULL;
	o.linktype = r->cap ? (int)kcap_capture_session(r->cap, 0)->linktype :
			      (int)r->linktype;
	err = kcap_writer_create(&r->w, &o);
	/* An interface per device; two sessions on one device share it. */
	for (i = 0; !err && r->cfg.format == KCAP_FORMAT_PCAPNG && i < r->nr;
	     i++) {
		s = kcap_capture_session(r->cap, i);
		err = kcap_writer_add_interface(r->w, s->ifindex, s->ifname,
						(int)s->linktype, s->snaplen);
		if (err == -EEXIST)
			err = 0;
	}
	/*
	 * Frames put (a pcap stream's) are on ifindex 0: its interface now,
	 * as a file whose stream brings no frame must have one to be read.
	 */
	if (!err && r->cfg.format == KCAP_FORMAT_PCAPNG && !r->cap)
		err = kcap_writer_add_interface(r->w, 0, NULL, (int)r->linktype,
						r->snaplen);
	/* The header now: a file that cannot take it is not left empty. */
	if (!err)
		err = kcap_writer_flush(r->w);
	if (err) {
		kcap_writer_close(r->w);
		r->w = NULL;
		if (o.path && strcmp(o.path, "-"))
			unlink(o.path);
		return kcap_record_fail(r, err, "cannot write '%s': %s",
					o.path ? r->p.file : "memory");
	}
	r->flushed = kcap_writer_bytes(r->w);
	r->at.files++;
	r->at.file_packets = 0;
	r->file_data = 0;
	r->at.file_bytes = kcap_writer_bytes(r->w);
	r->at.file_ms = kcap_now_ms();
	r->p.files = r->at.files;
	return 0;
}

static void kcap_record_stats(struct kcap_record *r)
{
	struct kcap_stats st;
	unsigned int i;

	memset(&r->p.stats, 0, sizeof(r->p.stats));
	for (i = 0; i < r->nr; i++) {
		/* A session that went away keeps its last counters. */
		if (!kcap_capture_stats(r->cap, i, &st))
			r->each[i] = st;
		r->p.stats.seen += r->each[i].seen;
		r->p.stats.passed += r->each[i].passed;
		r->p.stats.delivered += r->each[i].delivered;
		r->p.stats.dropped += r->each[i].dropped;
		r->p.stats.bytes += r->each[i].bytes;
	}
	r->stats_ms = kcap_now_ms();
}

void kcap_record_read_stats(struct kcap_record *r)
{
	kcap_record_stats(r);
}

int kcap_record_wake(struct kcap_record *r)
{
	return r->cap ? kcap_capture_wake(r->cap) : 0;
}

/*
 * Close the file with each interface's counters for pcapng's statistics
 * blocks: the sum of its sessions' (two sessions of one device share its
 * interface).  0, or the error of a write.
 */
static int kcap_record_file_close(struct kcap_record *r)
{
	uint64_t passed, dropped;
	uint32_t ifindex;
	unsigned int i, j;
	int err;

	if (!r->w)
		return 0;
	/* Every frame out first: what a failure leaves is then counted. */
	err = kcap_writer_flush(r->w);
	if (err) {
		kcap_record_write_fail(r, err);
		kcap_writer_close(r->w);
		r->w = NULL;
		return err;
	}
	kcap_record_stats(r);
	for (i = 0; r->cfg.format == KCAP_FORMAT_PCAPNG && i < r->nr; i++) {
		ifindex = kcap_capture_session(r->cap, i)->ifindex;
		for (j = 0; j < i; j++)
			if (kcap_capture_session(r->cap, j)->ifindex == ifindex)
				break;
		if (j < i)
			continue;	/* counted with session j */
		passed = dropped = 0;
		for (j = i; j < r->nr; j++) {
			if (kcap_capture_session(r->cap, j)->ifindex != ifindex)
				continue;
			passed += r->each[j].passed;
			dropped += r->each[j].dropped;
		}
		kcap_writer_set_stats(r->w, ifindex, passed, dropped);
	}
	err = kcap_writer_close(r->w);	/* its trailer: no frame lost */
	r->w = NULL;
	if (err)
		return kcap_record_fail(r, err, "writing '%s': %s",
					r->p.file[0] ? r->p.file : "memory");
	if (r->cfg.file_cb && r->cfg.path && strcmp(r->p.file, "-"))
		r->cfg.file_cb(r->p.file, r->cfg.arg);
	return 0;
}

int kcap_record_open(struct kcap_record **rp, struct kcap_capture *cap,
		     const struct kcap_record_config *cfg,
		     struct kcap_error *e)
{
	const struct kcap_session_info *s0 = kcap_capture_session(cap, 0);
	struct kcap_record *r;
	unsigned int i;
	uint8_t fmt;
	int err;

	*rp = NULL;
	kcap_error_clear(e);
	err = kcap_record_check(cfg, e);
	if (err)
		return err;
	for (i = 1; (cfg->path || cfg->memory) &&
		    cfg->format == KCAP_FORMAT_PCAP && i < kcap_capture_nr(cap);
	     i++) {
		if (kcap_capture_session(cap, i)->linktype != s0->linktype)
			return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
					      "%s and %s have different link types, which a pcap file cannot hold: use pcapng",
					      s0->ifname,
					      kcap_capture_session(cap, i)->ifname);
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	r->cap = cap;
	r->nr = kcap_capture_nr(cap);
	r->cfg = *cfg;
	r->memfd = -1;
	r->snaplen = cfg->snaplen;
	for (i = 0; !r->snaplen && i < r->nr; i++)
		if (kcap_capture_session(cap, i)->snaplen > r->snaplen)
			r->snaplen = kcap_capture_session(cap, i)->snaplen;
	r->at.start_ms = r->at.last_ms = r->at.file_ms = kcap_now_ms();
	r->each = calloc(r->nr, sizeof(*r->each));
	if (cfg->ring_files)
		r->ring = calloc(cfg->ring_files, sizeof(*r->ring));
	err = !r->each || (cfg->ring_files && !r->ring) ? -ENOMEM : 0;
	if (!err && cfg->memory) {
		r->memfd = memfd_create("kcap-record", MFD_CLOEXEC);
		if (r->memfd < 0)
			err = -errno;
	}
	if (err) {
		kcap_error_set(e, err, KCAP_ERROR_SYSTEM, NULL);
	} else if ((cfg->path || cfg->memory) && kcap_record_file_open(r)) {
		err = r->err.err;
		if (e)
			*e = r->err;
	}
	if (err) {
		kcap_record_close(r);
		return err;
	}
	/*
	 * One session: its records straight from its rings; records of pcap
	 * into a pcap file of their resolution, or pcapng blocks into a
	 * pcapng file (whose interface 0 is the session's), that cuts none of
	 * them, as they are.  Otherwise (a frame callback, records of another
	 * format) packet by packet.
	 */
	fmt = r->nr == 1 ? kcap_capture_ring_format(cap, 0) : 0;
	r->recs = r->nr == 1 && fmt == KCAP_RING_FORMAT_KCAP;
	r->spans = r->nr == 1 && fmt != KCAP_RING_FORMAT_KCAP &&
		   r->w && !cfg->frame_cb &&
		   (fmt == KCAP_RING_FORMAT_PCAPNG ?
		    cfg->format == KCAP_FORMAT_PCAPNG :
		    cfg->format == KCAP_FORMAT_PCAP &&
		    cfg->nano == (fmt == KCAP_RING_FORMAT_PCAP_NSEC)) &&
		   (!r->snaplen || r->snaplen >= s0->snaplen);
	kcap_record_stats(r);
	*rp = r;
	return 0;
}

/*
 * The time for the decisions taken per frame: read after every wait and
 * every KCAP_RECORD_CLOCK_EVERY frames, not per frame.  Where the clock
 * source has no vDSO (HPET in many VMs) clock_gettime(2) is a system
 * call, which per frame costs more than the rest of the reader.
 */
static uint64_t kcap_record_clock(struct kcap_record *r)
{
	if (!r->clock_left) {
		r->now_ms = kcap_now_ms();
		r->clock_left = KCAP_RECORD_CLOCK_EVERY;
	}
	r->clock_left--;
	return r->now_ms;
}

/*
 * Out in batches while frames come (a full disk costs the last): the file
 * is written out once KCAP_RECORD_FLUSH_BYTES are buffered.  0, or the
 * error, said (the recording stopped).
 */
static int kcap_record_flush_due(struct kcap_record *r)
{
	int err;

	r->at.file_bytes = kcap_writer_bytes(r->w);
	if (r->at.file_bytes - r->flushed < KCAP_RECORD_FLUSH_BYTES)
		return 0;
	err = kcap_writer_flush(r->w);
	if (err)
		return kcap_record_write_fail(r, err);
	r->flushed = r->at.file_bytes;
	return 0;
}

static int kcap_record_write(struct kcap_record *r,
			     const struct kcap_packet *pkt)
{
	int err;

	if (r->cfg.frame_cb) {
		err = r->cfg.frame_cb(pkt, r->cap ?
				      kcap_capture_session(r->cap,
							   pkt->session) :
				      NULL, r->cfg.arg);
		if (err)
			return kcap_record_fail(r, err < 0 ? err : -ECANCELED,
						"%s%s",
						"the frame callback failed: ");
	}
	if (!r->w)
		return 0;
	if (r->cap && (kcap_capture_session(r->cap, pkt->session)->flags &
		       KCAP_SESSION_F_ANYDEV)) {
		/* One interface, "any", as dumpcap -i any writes it. */
		struct kcap_frame f = pkt->frame;

		f.ifindex = 0;
		err = kcap_writer_write(r->w, &f);
	} else {
		err = kcap_writer_write(r->w, &pkt->frame);
	}
	if (err)
		return kcap_record_write_fail(r, err);
	/* (this frame is not counted yet: if writing out fails, it is not) */
	return kcap_record_flush_due(r);
}

/*
 * @n frames of @data captured bytes, taken at @now, counted; and whether
 * a count of frames stops the recording now.
 */
static void kcap_record_counted(struct kcap_record *r, unsigned int n,
				uint64_t data, uint64_t now)
{
	r->at.packets += n;
	r->at.file_packets += n;
	if (r->w)
		r->file_data += data;
	r->p.packets = r->at.packets;
	r->p.bytes += data;
	r->at.last_ms = now;
	r->p.why = kcap_record_after(&r->cfg, &r->at);
}

/* One frame: rotate or stop first if need be; false once stopped. */
static bool kcap_record_take(struct kcap_record *r,
			     const struct kcap_packet *pkt)
{
	uint64_t now = kcap_record_clock(r);
	uint64_t rec = 0;

	/* A record's size matters only to a limit of bytes. */
	if (r->w && (r->cfg.bytes || r->cfg.rotate_bytes))
		rec = kcap_writer_frame_bytes(r->w, &pkt->frame);

	switch (kcap_record_before(&r->cfg, &r->at, rec, now, &r->p.why)) {
	case KCAP_RECORD_STOP:
		return false;
	case KCAP_RECORD_ROTATE:
		if (kcap_record_file_close(r) || kcap_record_file_open(r))
			return false;
		break;
	case KCAP_RECORD_WRITE:
		break;
	}
	if (kcap_record_write(r, pkt))
		return false;
	kcap_record_counted(r, 1, pkt->frame.caplen, now);
	return r->p.why == KCAP_RECORD_RUNNING;
}

/*
 * The file's byte limit for the next records taken without a decision of
 * their own: where the next -C or size stop would be decided.
 */
static uint64_t kcap_record_limit(const struct kcap_record *r)
{
	uint64_t limit = UINT64_MAX;

	if (r->cfg.bytes)
		limit = r->cfg.bytes;
	if (r->cfg.rotate_bytes && r->cfg.rotate_bytes < limit)
		limit = r->cfg.rotate_bytes;
	return limit;
}

/*
 * @n records of @data frame bytes just written at @now, counted as
 * kcap_record_take() counts each frame (first: a failure to write out
 * then takes back what it lost), and the file written out if enough is
 * buffered: false if that failed (said, the recording stopped).
 */
static bool kcap_record_count(struct kcap_record *r, unsigned int n,
			      uint64_t data, uint64_t now)
{
	kcap_record_counted(r, n, data, now);
	return !kcap_record_flush_due(r);
}

/*
 * kcap_record_take() of record @rec of ring @ring: false once the recording
 * stopped.  If it stopped after taking the frame (a count reached), *@i is
 * moved past it: the frame is used, not left to the next reader.
 */
static bool kcap_record_take_one(struct kcap_record *r,
				 const struct kcap_rec *rec, unsigned int ring,
				 unsigned int *i)
{
	uint64_t packets = r->at.packets;
	struct kcap_packet pkt;

	kcap_rec_packet(rec, ring, &pkt);
	if (kcap_record_take(r, &pkt))
		return true;
	if (r->at.packets > packets)
		(*i)++;
	return false;
}

/*
 * kcap_record_take() of ring records @recs[0..n) of the capture's one
 * session.  Into a file alone, they are taken in runs that need no
 * decision of their own, written straight into it: the limits of packets
 * and of bytes are the length of a run, the clock is read once a run, and
 * a record that needs a decision (rotate, stop) goes through
 * kcap_record_take().  With a frame callback, each goes through it.  How
 * many were taken; they stop early where the recording does.
 */
static unsigned int kcap_record_take_recs(struct kcap_record *r,
					  const struct kcap_rec *const *recs,
					  const struct kcap_rings_pos *pos,
					  unsigned int n)
{
	const bool anydev = kcap_capture_session(r->cap, 0)->flags &
			    KCAP_SESSION_F_ANYDEV;
	unsigned int i = 0, max, done;
	uint64_t now, limit;
	int err;

	/* Frames for a callback, or no file: each one on its own. */
	if (r->cfg.frame_cb || !r->w) {
		for (i = 0; i < n; i++)
			if (!kcap_record_take_one(r, recs[i], pos[i].ring, &i))
				break;
		return i;
	}
	while (i < n && r->p.why == KCAP_RECORD_RUNNING) {
		now = r->now_ms = kcap_now_ms();
		r->clock_left = 0;
		max = n - i;
		if (r->cfg.packets && r->cfg.packets - r->at.packets < max)
			max = (unsigned int)(r->cfg.packets - r->at.packets);
		limit = kcap_record_limit(r);
		done = 0;
		/*
		 * A first frame goes in whatever its size; rotations and
		 * stops of time are decided frame by frame.
		 */
		if (r->at.file_packets &&
		    kcap_record_before(&r->cfg, &r->at, 0, now, &r->p.why) ==
		    KCAP_RECORD_WRITE) {
			err = kcap_writer_write_recs(r->w, recs + i, max, limit,
						     anydev, &done);
			if (done &&
			    !kcap_record_count(r, done,
					       kcap_writer_recs_data(r->w),
					       now))
				err = 0;	/* failed writing out: said */
			i += done;
			if (err)
				kcap_record_write_fail(r, err);
			if (err || r->p.why != KCAP_RECORD_RUNNING)
				break;
		}
		if (!done) {
			if (!kcap_record_take_one(r, recs[i], pos[i].ring, &i))
				break;
			i++;
		}
	}
	return i;
}

/*
 * kcap_record_take_recs() of a session whose rings hold pcap records or
 * pcapng blocks, into a file of theirs that takes them as they are: runs of records, spans, go to
 * it whole, of the packets and bytes the limits leave, with the clock
 * read once.  How many frames were taken; 0 if none were waiting, or if
 * the next needs a decision of its own (the file's first, a rotation or a
 * stop): kcap_record_take() takes it as a packet.  Or -EBADMSG.
 */
static int kcap_record_take_spans(struct kcap_record *r)
{
	struct kcap_span sp[KCAP_SPANS_MAX];
	uint64_t now, max, limit, frames = 0, data = 0;
	uint8_t *stage, *stage_end;
	uint32_t cmax;
	int n, i, err;

	now = r->now_ms = kcap_now_ms();
	r->clock_left = 0;
	if (!r->at.file_packets ||
	    kcap_record_before(&r->cfg, &r->at, 0, now, &r->p.why) !=
	    KCAP_RECORD_WRITE)
		return 0;
	max = r->cfg.packets ? r->cfg.packets - r->at.packets : UINT64_MAX;
	limit = kcap_record_limit(r);
	limit = limit > kcap_writer_bytes(r->w) ?
		limit - kcap_writer_bytes(r->w) : 0;
	/*
	 * Where two rings' records take turns, copied into the buffer; no
	 * frame longer than the file's snaplen, which its writer cuts (a
	 * persistent session's may have grown since the file began).
	 */
	kcap_writer_stage(r->w, &stage, &stage_end);
	cmax = kcap_writer_span_snaplen(r->w);
	if (cmax > KCAP_SNAPLEN_MAX)
		cmax = KCAP_SNAPLEN_MAX;
	n = kcap_capture_spans(r->cap, sp, KCAP_SPANS_MAX, max, limit, cmax,
			       stage, stage_end);
	if (n <= 0)
		return n == -ENOSPC ? 0 : n;
	err = kcap_writer_write_spans(r->w, sp, (unsigned int)n);
	kcap_capture_spans_used(r->cap);
	for (i = 0; i < n; i++) {
		frames += sp[i].n;
		data += sp[i].data;
	}
	/* Counted first: a failure takes back what the file lost. */
	if (!kcap_record_count(r, (unsigned int)frames, data, now))
		err = 0;	/* failed writing out: said */
	if (err)
		kcap_record_write_fail(r, err);
	return (int)frames;
}

/* No frame waiting: out with what is buffered, and the checks of time. */
static bool kcap_record_quiet(struct kcap_record *r)
{
	uint64_t now = kcap_now_ms();
	int err;

	if (r->cfg.idle_cb)
		r->cfg.idle_cb(r->cfg.arg);
	if (r->w && kcap_writer_bytes(r->w) != r->flushed) {
		err = kcap_writer_flush(r->w);
		if (err) {
			kcap_record_write_fail(r, err);
			return false;
		}
		r->flushed = kcap_writer_bytes(r->w);
	}
	r->p.why = kcap_record_idle(&r->cfg, &r->at, now);
	if (r->p.why != KCAP_RECORD_RUNNING)
		return false;
	/*
	 * Fresh counters for a session that may go away (it keeps its last),
	 * when the rings run empty: never a wake-up of its own.
	 */
	if (now - r->stats_ms >= KCAP_RECORD_STATS_MS)
		kcap_record_stats(r);
	return true;
}

/*
 * How long the step that began at @start may wait, in *@wait (-1: without
 * limit): until a stop of time is due, within its @timeout_ms.  False if
 * its time is up.
 */
static bool kcap_record_wait_ms(struct kcap_record *r, uint64_t start,
				int timeout_ms, int *wait)
{
	uint64_t now = kcap_now_ms();
	int64_t left;

	*wait = kcap_record_wait(&r->cfg, &r->at, now);
	if (timeout_ms < 0)
		return true;
	left = (int64_t)start + timeout_ms - (int64_t)now;
	if (left <= 0)
		return false;
	if (*wait < 0 || left < *wait)
		*wait = (int)left;
	return true;
}

int kcap_record_step(struct kcap_record *r, int timeout_ms)
{
	const struct kcap_rec *const *recs;
	const struct kcap_rings_pos *pos;
	uint64_t start = kcap_now_ms();
	struct kcap_packet pkt;
	unsigned int n;
	int ret, wait;

	while (!r->finished && r->p.why == KCAP_RECORD_RUNNING) {
		/* Woken (a signal) while the rings never ran empty. */
		if (r->cap && kcap_capture_woken(r->cap))
			return 0;
		if (r->spans) {
			ret = kcap_record_take_spans(r);
			if (ret > 0) {
				if (timeout_ms >= 0 &&
				    r->now_ms - start >= (uint64_t)timeout_ms)
					return 0;
				/* A stop the frames decided (-c, a failure). */
				if (r->p.why != KCAP_RECORD_RUNNING)
					break;
				if (!kcap_capture_drained(r->cap))
					continue;
				/*
				 * The rings ran dry: out with what is
				 * buffered, then wait for a batch (poll() is
				 * batched: a quarter ring, or what has waited
				 * its bound), not take the few records that
				 * came meanwhile, a few at a time, as a reader
				 * with a CPU of its own would, never sleeping.
				 */
				if (!kcap_record_quiet(r))
					break;
				if (!kcap_record_wait_ms(r, start, timeout_ms,
							 &wait))
					return 0;
				ret = kcap_capture_poll(r->cap, wait);
				r->clock_left = 0;	/* it waited */
				if (ret == -EINTR)
					return 0;	/* as below */
				if (!ret)
					continue;
				goto failed;
			}
			/* A stop of time, decided before a frame was taken. */
			if (r->p.why != KCAP_RECORD_RUNNING)
				break;
		} else {
			ret = r->recs ? kcap_capture_recs(r->cap, &recs, &pos) :
					0;
		}
		if (ret > 0) {
			n = kcap_record_take_recs(r, recs, pos,
						  (unsigned int)ret);
			kcap_capture_used(r->cap, n);
			/* (the clock as last read: per run, or every 256) */
			if (timeout_ms >= 0 && r->now_ms >= start &&
			    r->now_ms - start >= (uint64_t)timeout_ms)
				return 0;
			continue;
		}
		if (!ret)
			ret = kcap_capture_next(r->cap, &pkt, 0);
		if (ret == KCAP_READ_NONE) {
			if (!kcap_record_quiet(r))
				break;
			/* Until a stop of time is due: no wake-up before. */
			if (!kcap_record_wait_ms(r, start, timeout_ms, &wait))
				return 0;
			ret = kcap_capture_next(r->cap, &pkt, wait);
			r->clock_left = 0;	/* it may have waited */
			if (ret == KCAP_READ_NONE)
				continue;
		}
		if (ret == KCAP_READ_PACKET) {
			if (!kcap_record_take(r, &pkt))
				break;
			if (timeout_ms >= 0 && r->clock_left ==
			    KCAP_RECORD_CLOCK_EVERY - 1 &&
			    r->now_ms - start >= (uint64_t)timeout_ms)
				return 0;
			continue;
		}
		if (ret == KCAP_READ_HUP) {
			r->p.why = KCAP_RECORD_HUP;
			break;
		}
		if (ret == -EINTR)
			return 0;	/* a signal: the caller looks */
failed:
		kcap_error_set(&r->err, ret, KCAP_ERROR_SYSTEM,
			       "reading the rings: %s",
			       ret == -EBADMSG ? "corrupt record" :
			       strerror(-ret));
		r->p.why = KCAP_RECORD_ERROR;
		return ret;
	}
	if (r->p.why == KCAP_RECORD_ERROR)
		return r->err.err;
	return r->p.why == KCAP_RECORD_RUNNING ? 0 : 1;
}

const struct kcap_record_progress *
kcap_record_progress(const struct kcap_record *r)
{
	return &r->p;
}

const struct kcap_error *kcap_record_error(const struct kcap_record *r)
{
	return &r->err;
}

int kcap_record_finish(struct kcap_record *r)
{
	int err;

	if (r->finished)
		return r->err.err;
	r->finished = true;
	err = kcap_record_file_close(r);
	if (r->memfd >= 0)
		lseek(r->memfd, 0, SEEK_SET);
	kcap_record_stats(r);
	return err ? err : r->err.err;
}

int kcap_record_memfd(const struct kcap_record *r, uint64_t *size)
{
	off_t end;

	if (r->memfd < 0 || !r->finished)
		return -1;
	end = lseek(r->memfd, 0, SEEK_END);
	lseek(r->memfd, 0, SEEK_SET);
	*size = end < 0 ? 0 : (uint64_t)end;
	return r->memfd;
}

void kcap_record_close(struct kcap_record *r)
{
	uint32_t i;

	if (!r)
		return;
	if (r->w) {
		kcap_writer_close(r->w);	/* an error was reported, or finish */
		r->w = NULL;
	}
	if (r->memfd >= 0)
		close(r->memfd);
	for (i = 0; r->ring && i < r->cfg.ring_files; i++)
		free(r->ring[i]);
	free(r->ring);
	free(r->each);
	free(r);
}

int kcap_record_open_frames(struct kcap_record **rp,
			    const struct kcap_record_config *cfg,
			    struct kcap_error *e)
{
	struct kcap_record *r;
	int err;

	*rp = NULL;
	kcap_error_clear(e);
	err = kcap_record_check(cfg, e);
	if (err)
		return err;
	if (cfg->memory)
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "a recording of frames put is to a file");
	r = calloc(1, sizeof(*r));
	if (!r)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	r->cfg = *cfg;
	r->memfd = -1;
	r->at.start_ms = r->at.last_ms = r->at.file_ms = kcap_now_ms();
	if (cfg->ring_files) {
		r->ring = calloc(cfg->ring_files, sizeof(*r->ring));
		if (!r->ring) {
			free(r);
			return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM,
					      NULL);
		}
	}
	*rp = r;
	return 0;
}

int kcap_record_next_file(struct kcap_record *r, uint32_t linktype,
			  uint32_t snaplen, bool nano)
{
	if (r->finished || r->p.why != KCAP_RECORD_RUNNING)
		return r->p.why == KCAP_RECORD_ERROR ? r->err.err : 1;
	if (r->w && kcap_record_file_close(r))
		return r->err.err;
	if (r->cfg.files && r->at.files >= r->cfg.files) {
		r->p.why = KCAP_RECORD_FILES;
		return 1;
	}
	r->linktype = linktype;
	r->snaplen = r->cfg.snaplen ? r->cfg.snaplen : snaplen;
	r->nano = nano;
	if (!r->cfg.path)
		return 0;	/* frames to the callback only */
	return kcap_record_file_open(r) ? r->err.err : 0;
}

int kcap_record_put(struct kcap_record *r, const struct kcap_frame *f)
{
	struct kcap_packet pkt = { .frame = *f };

	if (r->finished || r->p.why != KCAP_RECORD_RUNNING)
		return r->p.why == KCAP_RECORD_ERROR ? r->err.err : 1;
	if (!kcap_record_take(r, &pkt) && r->p.why == KCAP_RECORD_ERROR)
		return r->err.err;
	return r->p.why == KCAP_RECORD_RUNNING ? 0 : 1;
}

int kcap_record_tick(struct kcap_record *r)
{
	r->clock_left = 0;
	if (r->finished || r->p.why != KCAP_RECORD_RUNNING)
		return r->p.why == KCAP_RECORD_ERROR ? r->err.err : 1;
	/* As a capture's: -G rotates when a frame comes, as tcpdump's. */
	if (!kcap_record_quiet(r))
		return r->p.why == KCAP_RECORD_ERROR ? r->err.err : 1;
	return 0;
}

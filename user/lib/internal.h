/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkcap internals, shared between its files and with the unit tests.
 */
#ifndef _LIBKCAP_INTERNAL_H
#define _LIBKCAP_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include <linux/kcap.h>

#include "kcap.h"

struct nl_msg;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* errors.c */

/* Nothing failed (yet).  @e may be NULL. */
void kcap_error_clear(struct kcap_error *e);

/*
 * Fill @e (which may be NULL) and return @err.  A NULL or empty @fmt
 * gives the default line for @err: the permission line for -EPERM and
 * -EACCES, else strerror().
 */
int kcap_error_set(struct kcap_error *e, int err,
		   enum kcap_error_source source, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* nlerr.c */
int kcap_errno_from_nl(int nlerr);

/* ctl.c: the handle and its requests. */

/*
 * kcap_ctl_open() on the generic netlink family @name instead of kcap's,
 * so that the tests can open a family that every kernel has.
 */
int kcap_ctl_open_family(struct kcap_ctl **ctl, const char *name);

/* The handle's error, to fill. */
struct kcap_error *kcap_ctl_err(struct kcap_ctl *ctl);

/* Handles one reply message; a negative errno fails the request. */
typedef int (*kcap_reply_fn)(struct nl_msg *msg, void *arg);

/* A new request of family @family: netlink and generic netlink headers. */
int kcap_genl_msg(int family, uint8_t cmd, int flags, struct nl_msg **msgp);
int kcap_ctl_msg(const struct kcap_ctl *ctl, uint8_t cmd, int flags,
		 struct nl_msg **msgp);

/*
 * Send @msg (always freed) and hand every reply to @fn until the kernel's
 * acknowledgement, error or end of dump.  Return 0 or a negative errno;
 * the handle's error says why (the kernel's extended-ack message when it
 * rejected the request with one).
 */
int kcap_ctl_request(struct kcap_ctl *ctl, struct nl_msg *msg,
		     kcap_reply_fn fn, void *arg);

/* session.c: the messages, apart from the socket, for the tests. */

/*
 * Add the attributes of @cfg for @cmd (KCAP_CMD_SESSION_NEW or _SET) to
 * @msg; a filter expression must have been compiled into @cfg's prog.
 * -EINVAL for a config @cmd cannot take (@e says why), -EMSGSIZE if it
 * does not fit.
 */
int kcap_session_put_config(struct nl_msg *msg, uint8_t cmd,
			    const struct kcap_session_config *cfg,
			    struct kcap_error *e);

/* Add KCAP_ATTR_NAME, or KCAP_ATTR_ID if @name is NULL. */
int kcap_session_put_ref(struct nl_msg *msg, const char *name, uint32_t id);

/* Parse a KCAP_CMD_SESSION_* reply into @info (zeroed first). */
int kcap_session_parse(struct nl_msg *msg, struct kcap_session_info *info);

/* One KCAP_CMD_SESSION_NEW or _SET request of @cfg, as it is. */
int kcap_session_request(struct kcap_ctl *ctl, uint8_t cmd,
			 const struct kcap_session_config *cfg,
			 struct kcap_session_info *info);

/* reader.c */

/*
 * What a poll() of the reader's descriptor returned, @revents: a hangup
 * makes kcap_reader_next() report KCAP_READ_HUP once the rings are
 * drained.  0, or -EIO for POLLERR or POLLNVAL.
 */
int kcap_reader_polled(struct kcap_reader *r, short revents);

struct kcap_rings_pos;

/*
 * The records read and not used yet, reading more first if there are none
 * (without waiting): how many, *@recs pointing at them and *@pos saying
 * their rings, valid until the reader is used again; 0 if the rings are
 * empty; or -EBADMSG.  A reader that writes them straight into a file
 * (kcap_writer_write_recs()) skips making a packet of each.
 */
int kcap_reader_recs(struct kcap_reader *r, const struct kcap_rec *const **recs,
		     const struct kcap_rings_pos **pos);

/* The first @n of them were used: the rest are the reader's next. */
void kcap_reader_used(struct kcap_reader *r, unsigned int n);

struct kcap_span;

/* The session's enum kcap_ring_format, as the kernel gave it at binding. */
uint8_t kcap_reader_ring_format(const struct kcap_reader *r);

/*
 * Of a session of a pcap or pcapng ring format, kcap_rings_spans() and
 * kcap_rings_spans_used() of its rings (ring.h), with @caplen_max, and
 * @stage (to @stage_end), as its rs->caplen_max (at most
 * KCAP_SNAPLEN_MAX) and rs->stage for the call: -EOPNOTSUPP for the default format, whose records are read with
 * kcap_reader_recs().
 */
int kcap_reader_spans(struct kcap_reader *r, struct kcap_span *spans,
		      unsigned int max, uint64_t max_recs, uint64_t max_bytes,
		      uint32_t caplen_max, uint8_t *stage, uint8_t *stage_end);
void kcap_reader_spans_used(struct kcap_reader *r);

/* Whether the last kcap_reader_spans() left the rings empty (ring.h). */
bool kcap_reader_drained(const struct kcap_reader *r);

/* capture.c */

/*
 * kcap_reader_recs() and kcap_reader_used() of a capture of one session;
 * -EOPNOTSUPP for more (their frames are merged packet by packet), 0 once
 * it hung up (kcap_capture_next() says so).
 */
int kcap_capture_recs(struct kcap_capture *c,
		      const struct kcap_rec *const **recs,
		      const struct kcap_rings_pos **pos);
void kcap_capture_used(struct kcap_capture *c, unsigned int n);

/*
 * kcap_reader_spans() and kcap_reader_spans_used() of a capture of one
 * session, as kcap_capture_recs() of its records.
 */
int kcap_capture_spans(struct kcap_capture *c, struct kcap_span *spans,
		       unsigned int max, uint64_t max_recs, uint64_t max_bytes,
		       uint32_t caplen_max, uint8_t *stage, uint8_t *stage_end);
void kcap_capture_spans_used(struct kcap_capture *c);

/* kcap_reader_drained() of a capture of one session. */
bool kcap_capture_drained(const struct kcap_capture *c);

/*
 * Wait until a source has frames to take, as poll() on its reader says:
 * batched (KCAP_BIND_F_BATCH), so not for the few records that came since
 * the rings were last read, but for a batch of them or for what has
 * waited its bound.  0 when told of frames, on a hangup (noted for
 * kcap_capture_next()) or at @timeout_ms; -EINTR on kcap_capture_wake() or
 * a signal; another negative errno (-EIO: a source's POLLERR).  Nothing is
 * taken.
 */
int kcap_capture_poll(struct kcap_capture *c, int timeout_ms);

/* The ring format of session @i's rings, as its reader bound them. */
uint8_t kcap_capture_ring_format(const struct kcap_capture *c, unsigned int i);

/* writer.c */

/*
 * kcap_writer_write() of the frames of ring records @recs[0..n), checked
 * (ring.c), while the file stays within @limit bytes; @anydev: as frames
 * of the interface "any" (ifindex 0).  *@done were written, and counted,
 * also when it fails (the error then, sticky as kcap_writer_write()'s).
 * With a limit, the first frame of an interface a pcapng file has no
 * block for ends the run before it: write it with kcap_writer_write().
 */
int kcap_writer_write_recs(struct kcap_writer *w,
			   const struct kcap_rec *const *recs, unsigned int n,
			   uint64_t limit, bool anydev, unsigned int *done);

/*
 * Spans of ring records (ring.h) into a file, as they are: pcap records into
 * a pcap file, their time in the file's resolution, or pcapng blocks into a
 * pcapng file whose interface 0 is their device; their caplen within the
 * file's (or the interface's) snaplen.  Spans up to KCAP_WRITER_SPAN_COPY
 * bytes that fit are copied into the buffer; if one is not (longer, or no
 * room), the buffer and the spans go out at once, with one writev(2), the
 * others straight from the ring.  Spans in the stage (kcap_writer_stage())
 * are in the buffer already: with one among them nothing else is copied
 * there, and all go out with one writev(2).  All are counted, and on a
 * failure (sticky) the file is cut back to its last whole record, as
 * kcap_writer_write() leaves it.  -EINVAL for a pcapng file with no
 * interface.
 */
int kcap_writer_write_spans(struct kcap_writer *w,
			    const struct kcap_span *spans, unsigned int n);

/*
 * The longest frame a span for kcap_writer_write_spans() may hold, which
 * the writer would not cut: the pcap file's snaplen, the snaplen of the
 * pcapng file's interface 0 (0 if it has none).
 */
uint32_t kcap_writer_span_snaplen(const struct kcap_writer *w);

/*
 * Where kcap_rings_spans() may copy records for kcap_writer_write_spans()
 * (rs->stage): the writer's buffer past what it holds, to *@end, written
 * out first if little of it is left; NULL for one that failed.
 */
void kcap_writer_stage(struct kcap_writer *w, uint8_t **stage, uint8_t **end);

/*
 * The frame bytes (caplen, as in the ring: uncut) of the records the
 * last kcap_writer_write_recs() wrote: what it counted, not summed again.
 */
uint64_t kcap_writer_recs_data(const struct kcap_writer *w);

/* record.c: the decisions of a recording, apart from its loop. */

#define KCAP_RECORD_PATH_MAX	4096

/* Where a recording is, for the decisions below.  Times: monotonic ms. */
struct kcap_record_at {
	uint64_t	packets;	/* recorded in all */
	uint64_t	files;		/* files opened so far */
	uint64_t	file_packets;	/* in the current file */
	uint64_t	file_bytes;	/* the current file's size */
	uint64_t	start_ms;	/* when the recording began */
	uint64_t	file_ms;	/* when the current file was opened */
	uint64_t	last_ms;	/* the last frame, or start_ms */
};

enum kcap_record_act {
	KCAP_RECORD_WRITE,	/* write it to the current file */
	KCAP_RECORD_ROTATE,	/* open the next file, then write it there */
	KCAP_RECORD_STOP,	/* stop without writing it (*why says why) */
};

/*
 * The name of file number @seq (0 the first) opened at @when, as tcpdump
 * names them: with rotate_secs, the path through strftime(3); with
 * rotate_bytes, a number appended from the second file on (FILE, FILE1,
 * FILE2...), or with ring_files N the file's place in the ring (seq % N)
 * on every file, zero-padded to the digits of N - 1.  0 or -ENAMETOOLONG.
 */
int kcap_record_name(char *buf, size_t size,
		     const struct kcap_record_config *c, uint64_t seq,
		     time_t when);

/*
 * A frame whose record takes @rec bytes came at @now_ms: write it, rotate
 * first (the file would pass rotate_bytes, or its rotate_secs are up), or
 * stop (seconds are up, the file would pass bytes, the files are done).
 * A file always takes its first frame.
 */
enum kcap_record_act kcap_record_before(const struct kcap_record_config *c,
					const struct kcap_record_at *at,
					uint64_t rec, uint64_t now_ms,
					enum kcap_record_stop *why);

/* After a frame: were the packets reached? */
enum kcap_record_stop kcap_record_after(const struct kcap_record_config *c,
					const struct kcap_record_at *at);

/* No frame waiting: are the seconds, or idle_secs, up? */
enum kcap_record_stop kcap_record_idle(const struct kcap_record_config *c,
				       const struct kcap_record_at *at,
				       uint64_t now_ms);

/*
 * No frame waiting: how long until the seconds or idle_secs are up, in
 * ms (0: they are), or -1 if neither is set: how long a wait may be.
 */
int kcap_record_wait(const struct kcap_record_config *c,
		     const struct kcap_record_at *at, uint64_t now_ms);

/*
 * Was kcap_capture_wake() called since the last look?  Clears it: a
 * caller that does not wait (its rings never empty) sees a wake here.
 */
bool kcap_capture_woken(struct kcap_capture *c);

/*
 * TCP keepalive on connection @fd (receive.c): probed after
 * KCAP_TCP_KA_IDLE s without a byte, every KCAP_TCP_KA_INTVL s, given up
 * after KCAP_TCP_KA_CNT probes unanswered.  kcap_receive's connections,
 * and the stream's clients.
 */
#define KCAP_TCP_KA_IDLE	10	/* s */
#define KCAP_TCP_KA_INTVL	5	/* s */
#define KCAP_TCP_KA_CNT		3
void kcap_tcp_keepalive(int fd);

#endif /* _LIBKCAP_INTERNAL_H */

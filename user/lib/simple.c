// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the convenience calls: a device and a filter to a callback or a
 * file in one call, and a capture file to the same callback.
 */

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "kcap.h"

/* An owned session capturing into a mapped reader. */
struct kcap_simple {
	struct kcap_ctl			*ctl;
	struct kcap_reader		*r;
	struct kcap_session_info	info;
};

static void kcap_simple_close(struct kcap_simple *s)
{
	kcap_reader_close(s->r);
	kcap_ctl_close(s->ctl);	/* the session goes with the socket */
	s->r = NULL;
	s->ctl = NULL;
}

static int kcap_simple_open(struct kcap_simple *s, const char *dev,
			    const char *filter, int direction,
			    uint32_t snaplen)
{
	static atomic_uint seq;
	char name[KCAP_NAME_MAX];
	struct kcap_session_config cfg = {
		.name = name, .ifname = dev,
		.set = KCAP_CFG_SNAPLEN | KCAP_CFG_FILTER | KCAP_CFG_DIRECTION,
		.snaplen = snaplen ? snaplen : KCAP_SNAPLEN_DEFAULT,
		.filter = filter, .direction = (uint8_t)direction,
	};
	int err;

	memset(s, 0, sizeof(*s));
	if (!dev || !dev[0] || snaplen > KCAP_SNAPLEN_MAX ||
	    (direction != KCAP_DIR_IN && direction != KCAP_DIR_OUT &&
	     direction != KCAP_DIR_INOUT))
		return -EINVAL;
	snprintf(name, sizeof(name), "kcap-lib-%ld-%u", (long)getpid(),
		 atomic_fetch_add(&seq, 1));
	err = kcap_ctl_open(&s->ctl, NULL);
	if (err)
		return err;
	err = kcap_capture_start(s->ctl, &cfg, &s->info, &s->r);
	if (err)
		kcap_simple_close(s);
	return err;
}

static int64_t kcap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Hand frames to @cb until count, timeout, @cb or hangup. */
static long long kcap_simple_loop(struct kcap_simple *s, uint64_t count,
				  int timeout_ms, kcap_frame_cb cb, void *arg)
{
	int64_t end = timeout_ms >= 0 ? kcap_now_ms() + timeout_ms : 0;
	struct kcap_packet pkt;
	uint64_t n = 0;
	int ret, wait;

	while (!count || n < count) {
		wait = -1;
		if (timeout_ms >= 0) {
			int64_t left = end - kcap_now_ms();

			if (left <= 0)
				break;
			wait = left > 1000 ? 1000 : (int)left;
		}
		ret = kcap_reader_next(s->r, &pkt, wait);
		if (ret == KCAP_READ_HUP)
			break;
		if (ret == KCAP_READ_NONE || ret == -EINTR)
			continue;
		if (ret < 0)
			return ret;
		n++;
		if (cb(&pkt.frame, s->info.linktype, arg))
			break;
	}
	return (long long)n;
}

long long kcap_capture_simple(const char *dev, const char *filter,
			      int direction, uint32_t snaplen, uint64_t count,
			      int timeout_ms, kcap_frame_cb cb, void *arg)
{
	struct kcap_simple s;
	long long ret;

	if (!cb)
		return -EINVAL;
	ret = kcap_simple_open(&s, dev, filter, direction, snaplen);
	if (ret)
		return ret;
	ret = kcap_simple_loop(&s, count, timeout_ms, cb, arg);
	kcap_simple_close(&s);
	return ret;
}

struct kcap_to_file {
	struct kcap_writer	*w;
	int			err;
	bool			anydev;	/* the session's on every device */
};

static int kcap_to_file_cb(const struct kcap_frame *frame, uint32_t linktype,
			   void *arg)
{
	struct kcap_to_file *t = arg;
	struct kcap_frame f;

	(void)linktype;
	if (t->anydev) {	/* one interface, "any" (index 0) */
		f = *frame;
		f.ifindex = 0;
		frame = &f;
	}
	t->err = kcap_writer_write(t->w, frame);
	return t->err;
}

long long kcap_capture_to_file(const char *dev, const char *filter,
			       int direction, uint32_t snaplen,
			       uint64_t count, int timeout_ms,
			       const char *path, enum kcap_file_format fmt)
{
	struct kcap_to_file t = { NULL, 0, false };
	struct kcap_simple s;
	struct kcap_stats st;
	long long ret;
	int err;

	if (!path)
		return -EINVAL;
	ret = kcap_simple_open(&s, dev, filter, direction, snaplen);
	if (ret)
		return ret;
	t.anydev = s.info.flags & KCAP_SESSION_F_ANYDEV;
	err = kcap_writer_open(&t.w, path, fmt, (int)s.info.linktype,
			       s.info.snaplen, false);
	if (!err && fmt == KCAP_FORMAT_PCAPNG)
		err = kcap_writer_add_interface(t.w, s.info.ifindex,
						s.info.ifname,
						(int)s.info.linktype,
						s.info.snaplen);
	if (err) {
		kcap_writer_close(t.w);
		kcap_simple_close(&s);
		return err;
	}
	ret = kcap_simple_loop(&s, count, timeout_ms, kcap_to_file_cb, &t);
	if (t.err) {	/* the frame that failed is not in the file */
		ret = t.err;
	}
	if (fmt == KCAP_FORMAT_PCAPNG &&
	    !kcap_session_stats(s.ctl, NULL, s.info.id, &st))
		kcap_writer_set_stats(t.w, s.info.ifindex, st.passed,
				      st.dropped);
	err = kcap_writer_close(t.w);
	kcap_simple_close(&s);
	if (ret >= 0 && err)
		ret = err;
	return ret;
}

long long kcap_read_file(const char *path, kcap_frame_cb cb, void *arg)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct kcap_frame f;
	uint32_t linktype;
	long long n = 0;
	pcap_t *p;
	FILE *fp;
	int ret;

	if (!path || !cb)
		return -EINVAL;
	fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!fp)
		return -errno;
	/* It closes fp with the handle. */
	p = pcap_fopen_offline_with_tstamp_precision(fp,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		if (fp != stdin)
			fclose(fp);
		return -EINVAL;
	}
	/* A file holds LINKTYPE_ values, which libpcap hands out as DLT_. */
	linktype = kcap_dlt_to_linktype(pcap_datalink(p));
	while ((ret = pcap_next_ex(p, &hdr, &data)) == 1) {
		memset(&f, 0, sizeof(f));
		f.tstamp_ns = (uint64_t)hdr->ts.tv_sec * 1000000000ULL +
			      (uint64_t)hdr->ts.tv_usec;
		f.caplen = hdr->caplen;
		f.len = hdr->len;
		f.data = data;
		n++;
		if (cb(&f, linktype, arg))
			break;
	}
	if (ret == PCAP_ERROR)
		n = -EBADMSG;
	pcap_close(p);
	return n;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kcap capture -r FILE: a capture file read back as tcpdump -r reads it,
 * with what kcap adds: each frame's direction from a pcapng file's
 * epb_flags (kcap writes them), selectable with -Q, and its interface's
 * name.  The expression is compiled by libpcap for each interface's link
 * type; -c, -w (pcap or pcapng, -F), the print flags and --print work as
 * they do on a live capture.
 */

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "cli.h"

#define READ_LINKTYPES_MAX	64	/* link types whose filter is kept */
#define READ_IFS_MAX		256	/* interfaces whose index is kept */
#define READ_PKTTYPE_UNKNOWN	0xff	/* no PACKET_* value */

struct read_ctx {
	const struct capture_opts	*o;
	struct kcap_filter		filters[READ_LINKTYPES_MAX];
	uint32_t			filter_linktypes[READ_LINKTYPES_MAX];
	unsigned int			nr_filters;
	/* This host's index of each interface's name, + 1; 0: not looked up. */
	unsigned int			local_index[READ_IFS_MAX];
	struct kcap_writer		*w;
	uint32_t			w_linktype;
	struct cli_printer		*printer;
	bool				several;	/* interfaces */
};

/* The filter of @fif's link type, compiled once: 0 or a cli_error(). */
static int read_filter(struct read_ctx *c, const struct kcap_file_if *fif,
		       const struct kcap_filter **f)
{
	struct kcap_error e;
	unsigned int i;

	for (i = 0; i < c->nr_filters; i++) {
		if (c->filter_linktypes[i] == fif->linktype) {
			*f = &c->filters[i];
			return 0;
		}
	}
	if (c->nr_filters == READ_LINKTYPES_MAX)
		return cli_fail("more than %d link types in the file",
				READ_LINKTYPES_MAX);
	if (kcap_filter_compile(&c->filters[i], c->o->filter, fif->linktype,
				NULL, &e))
		return cli_error(&e, NULL);
	c->filter_linktypes[i] = fif->linktype;
	c->nr_filters++;
	*f = &c->filters[i];
	return 0;
}

static bool read_direction_ok(uint8_t want, uint8_t dir)
{
	return want == KCAP_DIR_INOUT ||
	       (want == KCAP_DIR_IN && dir == KCAP_FRAME_IN) ||
	       (want == KCAP_DIR_OUT && dir == KCAP_FRAME_OUT);
}

/* -w: the writer, opened at the first frame for its link type. */
static int read_write(struct read_ctx *c, const struct kcap_packet *pkt,
		      const struct kcap_file_if *fif)
{
	const struct cli_output *out = &c->o->out;
	int err;

	if (!c->w) {
		err = kcap_writer_open(&c->w, out->file, out->format,
				       (int)fif->linktype, 0, out->nano);
		if (err && out->user && err == -EACCES)
			return cli_fail("cannot write '%s': %s (-Z %s: that user creates the files)",
					out->file, strerror(-err), out->user);
		if (err)
			return cli_fail("cannot write '%s': %s", out->file,
					strerror(-err));
		c->w_linktype = fif->linktype;
	}
	if (out->format == KCAP_FORMAT_PCAP && fif->linktype != c->w_linktype)
		return cli_fail("frames of several link types cannot go in one pcap file: write pcapng (-F pcapng)");
	if (out->format == KCAP_FORMAT_PCAPNG) {
		err = kcap_writer_add_interface(c->w, pkt->frame.ifindex,
						fif->name[0] ? fif->name : NULL,
						(int)fif->linktype,
						fif->snaplen);
		if (err && err != -EEXIST)
			return cli_fail("writing '%s': %s", out->file,
					strerror(-err));
	}
	err = kcap_writer_write(c->w, &pkt->frame);
	if (err)
		return cli_fail("writing '%s': %s", out->file, strerror(-err));
	return 0;
}

/*
 * This host's index of the device named as @fif, 0 if none: what tcpdump
 * names a cooked frame's device by.  Looked up once per interface.
 */
static unsigned int read_local_index(struct read_ctx *c,
				     const struct kcap_file_if *fif)
{
	unsigned int *slot = fif->number < READ_IFS_MAX ?
			     &c->local_index[fif->number] : NULL;
	unsigned int index;

	if (slot && *slot)
		return *slot - 1;
	index = fif->name[0] ? if_nametoindex(fif->name) : 0;
	if (slot)
		*slot = index + 1;
	return index;
}

/* A line, by kcap or by tcpdump. */
static int read_print(struct read_ctx *c, struct kcap_packet *pkt,
		      const struct kcap_file_if *fif)
{
	char line[512];
	int err;

	if (c->printer) {
		/*
		 * tcpdump names a device by this host's index of its name
		 * ("?" for none), and prints "?" for a packet type it does
		 * not know: a frame of no direction.
		 */
		pkt->frame.ifindex = read_local_index(c, fif);
		if (!pkt->frame.direction)
			pkt->pkt_type = READ_PKTTYPE_UNKNOWN;
		err = cli_printer_frame(c->printer, pkt, fif->linktype);
		if (err == -EPROTONOSUPPORT)
			return cli_fail("cannot print link type %u with tcpdump's flags: read the file with tcpdump",
					fif->linktype);
		return err;
	}
	kcap_format_packet(line, sizeof(line), pkt, fif->linktype,
			   c->several && fif->name[0] ? fif->name : NULL,
			   c->o->out.nano);
	return puts(line) == EOF ? -(errno ? errno : EIO) : 0;
}

static int read_frames(struct read_ctx *c, struct kcap_file *f)
{
	const struct capture_opts *o = c->o;
	const struct kcap_file_if *fif;
	const struct kcap_filter *flt = NULL;
	struct bpf_program prog;
	struct pcap_pkthdr h;
	struct kcap_packet pkt;
	struct kcap_error e;
	uint64_t n = 0;
	int ret;

	while (!o->out.count || n < o->out.count) {
		ret = kcap_file_next(f, &pkt, &fif, o->read_file, &e);
		if (ret < 0)
			return cli_error(&e, NULL);
		if (!ret)
			break;
		/* Several devices: each line names its own, as live. */
		c->several = c->several || kcap_file_nr_ifs(f) > 1;
		if (!read_direction_ok(o->cfg.direction, pkt.frame.direction))
			continue;
		ret = read_filter(c, fif, &flt);
		if (ret)
			return ret;
		if (flt->len) {
			prog.bf_len = flt->len;
			prog.bf_insns = (struct bpf_insn *)flt->insns;
			h.caplen = pkt.frame.caplen;
			h.len = pkt.frame.len;
			if (!pcap_offline_filter(&prog, &h, pkt.frame.data))
				continue;
		}
		n++;
		if (o->out.file) {
			ret = read_write(c, &pkt, fif);
			if (ret)
				return ret;
		}
		if (!o->out.file || o->out.print_too) {
			ret = read_print(c, &pkt, fif);
			if (ret == -EPIPE) {
				__fpurge(stdout);	/* the reader went */
				clearerr(stdout);
				return KCAP_EXIT_OK;
			}
			if (ret < 0)
				return cli_fail("error writing output: %s",
						strerror(-ret));
			if (ret)
				return ret;
		}
	}
	return KCAP_EXIT_OK;
}

int cli_read_file(const struct capture_opts *o)
{
	struct read_ctx c = { .o = o };
	const struct kcap_file_if *pif;
	struct kcap_file *f;
	struct kcap_error e;
	unsigned int i;
	int ret, err;

	if (kcap_file_open(&f, o->read_file, &e))
		return cli_error(&e, NULL);
	/* -Z, as tcpdump's: the file is open, the output not yet. */
	if (o->out.user && cli_become_user(o->out.user)) {
		kcap_file_close(f);
		return KCAP_EXIT_FAIL;
	}
	signal(SIGPIPE, SIG_IGN);	/* a reader that goes is EPIPE */
	ret = 0;
	/*
	 * pcapng: cooked, with each frame's device and direction; pcap has
	 * neither, and goes as it is, as tcpdump -r would print it.
	 */
	if (cli_print_flags(&o->out) && (!o->out.file || o->out.print_too)) {
		pif = kcap_file_pcap_if(f);
		ret = cli_printer_open(&c.printer, &o->out, KCAP_SNAPLEN_MAX,
				       !pif, pif ? pif->linktype : 0);
	}
	if (!ret)
		ret = read_frames(&c, f);
	if (c.w) {
		err = kcap_writer_close(c.w);
		if (err && !ret)
			ret = cli_fail("writing '%s': %s", o->out.file,
				       strerror(-err));
	}
	if (fflush(stdout) == EOF && !ret) {
		if (errno == EPIPE) {
			__fpurge(stdout);
			clearerr(stdout);
		} else {
			ret = cli_fail("error writing output: %s",
				       strerror(errno));
		}
	}
	if (c.printer && cli_printer_close(c.printer) && !ret)
		ret = cli_fail("tcpdump, printing the frames, failed: see its message above");
	for (i = 0; i < c.nr_filters; i++)
		kcap_filter_free(&c.filters[i]);
	kcap_file_close(f);
	return ret;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: reading capture files back, pcap and pcapng, with each frame's
 * interface and direction.
 *
 * A pcap file is libpcap's to read.  libpcap reads pcapng too, but drops
 * what kcap writes there for the reader: each frame's direction (the
 * enhanced packet block's epb_flags) and its interface's name.  So pcapng
 * is read here: its section header (either byte order), interface
 * descriptions (link type, snaplen, if_name, if_tsresol) and packet blocks
 * (enhanced and simple); every other block is skipped, as the format asks.
 */

#define _GNU_SOURCE	/* fopencookie() */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "kcap.h"
#include "internal.h"

#define PCAPNG_SHB		0x0a0d0d0aU
#define PCAPNG_IDB		1
#define PCAPNG_SPB		3
#define PCAPNG_EPB		6
#define PCAPNG_MAGIC		0x1a2b3c4dU
#define PCAPNG_BLOCK_MAX	(16U << 20)	/* larger is a broken file */
#define OPT_ENDOFOPT		0
#define OPT_IF_NAME		2
#define OPT_IF_TSRESOL		9
#define OPT_EPB_FLAGS		2

struct kcap_file {
	FILE			*fp;
	bool			own_fp;
	pcap_t			*pcap;		/* a pcap file: libpcap's */
	/* pcapng */
	bool			swap;		/* the section's byte order */
	uint8_t			*block;
	size_t			block_size;
	struct kcap_file_if	*ifs;
	size_t			nr_ifs;		/* in the current section */
	uint32_t		nr_ifs_seen;	/* in the file: their numbers */
	uint64_t		*ts_units;	/* per second, of each if */
	/* The 4 bytes read to tell the formats, given back to libpcap. */
	uint8_t			head[4];
	size_t			head_len, head_off;
	struct kcap_file_if	pcap_if;
};

static uint32_t file_u32(const struct kcap_file *f, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return f->swap ? __builtin_bswap32(v) : v;
}

static uint16_t file_u16(const struct kcap_file *f, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return f->swap ? __builtin_bswap16(v) : v;
}

/* @n bytes: first those read to tell the format, then the file's. */
static size_t file_read(struct kcap_file *f, void *buf, size_t n)
{
	size_t head = 0;

	if (f->head_off < f->head_len) {
		head = f->head_len - f->head_off;
		if (head > n)
			head = n;
		memcpy(buf, f->head + f->head_off, head);
		f->head_off += head;
	}
	return head + (n > head ? fread((uint8_t *)buf + head, 1, n - head,
					 f->fp) : 0);
}

/* A stream of file_read(), for libpcap. */
static ssize_t file_cookie_read(void *cookie, char *buf, size_t size)
{
	struct kcap_file *f = cookie;
	size_t n = file_read(f, buf, size);

	return n || !ferror(f->fp) ? (ssize_t)n : -1;
}

static int file_open_pcap(struct kcap_file *f, const char *path,
			  struct kcap_error *e)
{
	static const cookie_io_functions_t io = { .read = file_cookie_read };
	char errbuf[PCAP_ERRBUF_SIZE];
	FILE *stream;

	stream = fopencookie(f, "r", io);
	if (!stream)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	f->pcap = pcap_fopen_offline_with_tstamp_precision(stream,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!f->pcap) {
		fclose(stream);
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "cannot read '%s': %s", path, errbuf);
	}
	f->pcap_if.linktype =
		(uint32_t)kcap_dlt_to_linktype(pcap_datalink(f->pcap));
	f->pcap_if.snaplen = (uint32_t)pcap_snapshot(f->pcap);
	return 0;
}

/* The next block of at most PCAPNG_BLOCK_MAX bytes: 1, 0 at the end. */
static int file_read_block(struct kcap_file *f, uint32_t *type,
			   uint32_t *len, const char *path, struct kcap_error *e)
{
	uint8_t hdr[12];
	size_t n, got = 8;
	uint32_t magic;
	uint8_t *b;

	n = file_read(f, hdr, 8);
	if (!n && !ferror(f->fp))
		return 0;
	if (n != 8)
		goto cut;
	memcpy(type, hdr, 4);		/* the SHB's reads alike either way */
	if (*type == PCAPNG_SHB) {
		/* The section's byte order, from the magic after its length. */
		if (file_read(f, hdr + 8, 4) != 4)
			goto cut;
		memcpy(&magic, hdr + 8, 4);
		if (magic != PCAPNG_MAGIC &&
		    magic != __builtin_bswap32(PCAPNG_MAGIC))
			return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
					      "cannot read '%s': not a pcapng section",
					      path);
		f->swap = magic != PCAPNG_MAGIC;
		got = 12;
	}
	*type = file_u32(f, hdr);
	*len = file_u32(f, hdr + 4);
	if (*len < 12 || *len % 4 || *len > PCAPNG_BLOCK_MAX || *len < got)
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "cannot read '%s': a pcapng block of %u bytes",
				      path, *len);
	if (*len > f->block_size) {
		b = realloc(f->block, *len);
		if (!b)
			return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM,
					      NULL);
		f->block = b;
		f->block_size = *len;
	}
	memcpy(f->block, hdr, got);
	if (file_read(f, f->block + got, *len - got) != *len - got)
		goto cut;
	if (file_u32(f, f->block + *len - 4) != *len)
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "cannot read '%s': a pcapng block whose two lengths differ",
				      path);
	return 1;
cut:
	return kcap_error_set(e, -EIO, KCAP_ERROR_SYSTEM,
			      "cannot read '%s': %s", path,
			      ferror(f->fp) ? strerror(errno) :
			      "the file ends inside a block");
}

/*
 * The options from @p to @end, each (code, value) to @fn; stops at
 * opt_endofopt or at an option that does not fit.
 */
static void file_options(struct kcap_file *f, const uint8_t *p,
			 const uint8_t *end,
			 void (*fn)(struct kcap_file *f, uint16_t code,
				    const uint8_t *v, uint16_t len, void *arg),
			 void *arg)
{
	uint16_t code, len;

	while (end - p >= 4) {
		code = file_u16(f, p);
		len = file_u16(f, p + 2);
		if (code == OPT_ENDOFOPT || (size_t)(end - p - 4) < len)
			return;
		fn(f, code, p + 4, len, arg);
		p += 4 + ((len + 3U) & ~3U);
	}
}

static void file_if_option(struct kcap_file *f, uint16_t code,
			   const uint8_t *v, uint16_t len, void *arg)
{
	struct kcap_file_if *fif = arg;
	uint64_t *unit = &f->ts_units[f->nr_ifs];
	unsigned int i;

	if (code == OPT_IF_NAME) {
		if (len >= sizeof(fif->name))
			len = sizeof(fif->name) - 1;
		memcpy(fif->name, v, len);
		fif->name[len] = '\0';
	} else if (code == OPT_IF_TSRESOL && len >= 1) {
		/* 10^-N, or 2^-N with the top bit (what fits 64 bits). */
		*unit = 1;
		for (i = 0; i < (v[0] & 0x7fU) &&
			    *unit <= UINT64_MAX / 10; i++)
			*unit *= v[0] & 0x80 ? 2 : 10;
	}
}

static int file_add_if(struct kcap_file *f, const uint8_t *b, uint32_t len,
		       const char *path, struct kcap_error *e)
{
	struct kcap_file_if *ifs;
	uint64_t *units;

	if (len < 20)
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "cannot read '%s': a short interface block",
				      path);
	ifs = realloc(f->ifs, (f->nr_ifs + 1) * sizeof(*ifs));
	if (!ifs)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	f->ifs = ifs;
	units = realloc(f->ts_units, (f->nr_ifs + 1) * sizeof(*units));
	if (!units)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	f->ts_units = units;
	memset(&ifs[f->nr_ifs], 0, sizeof(*ifs));
	ifs[f->nr_ifs].number = f->nr_ifs_seen++;
	ifs[f->nr_ifs].linktype = file_u16(f, b + 8);
	ifs[f->nr_ifs].snaplen = file_u32(f, b + 12);
	units[f->nr_ifs] = 1000000;	/* microseconds by default */
	file_options(f, b + 16, b + len - 4, file_if_option,
		     &ifs[f->nr_ifs]);
	f->nr_ifs++;
	return 0;
}

static void file_epb_option(struct kcap_file *f, uint16_t code,
			    const uint8_t *v, uint16_t len, void *arg)
{
	struct kcap_packet *pkt = arg;
	uint32_t flags;

	if (code != OPT_EPB_FLAGS || len != 4)
		return;
	flags = file_u32(f, v);
	pkt->frame.direction = (flags & 3) == 1 ? KCAP_FRAME_IN :
			       (flags & 3) == 2 ? KCAP_FRAME_OUT : 0;
}

int kcap_file_open(struct kcap_file **fp, const char *path,
		   struct kcap_error *e)
{
	struct kcap_file *f;
	uint32_t magic;
	int err;

	kcap_error_clear(e);
	*fp = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	if (!strcmp(path, "-")) {
		f->fp = stdin;
	} else {
		f->fp = fopen(path, "re");
		f->own_fp = true;
		if (!f->fp) {
			err = kcap_error_set(e, -errno, KCAP_ERROR_SYSTEM,
					     "cannot read '%s': %s", path,
					     strerror(errno));
			free(f);
			return err;
		}
	}
	f->head_len = fread(f->head, 1, sizeof(f->head), f->fp);
	memcpy(&magic, f->head, sizeof(magic));
	/* A pcapng file is read here, from its start again; pcap by libpcap. */
	err = f->head_len == sizeof(f->head) && magic == PCAPNG_SHB ? 0 :
	      file_open_pcap(f, path, e);
	if (err) {
		kcap_file_close(f);
		return err;
	}
	*fp = f;
	return 0;
}

/* A pcapng frame: the next packet block, its interface's options read. */
static int file_next_pcapng(struct kcap_file *f, struct kcap_packet *pkt,
			    const struct kcap_file_if **fif, const char *path,
			    struct kcap_error *e)
{
	uint32_t type = 0, len = 0, id, caplen, hi, lo;
	const uint8_t *b;
	uint64_t ts, unit;
	int ret;

	for (;;) {
		ret = file_read_block(f, &type, &len, path, e);
		if (ret <= 0)
			return ret;
		b = f->block;
		if (type == PCAPNG_SHB) {
			f->nr_ifs = 0;		/* a section's own interfaces */
			continue;
		}
		if (type == PCAPNG_IDB) {
			ret = file_add_if(f, b, len, path, e);
			if (ret)
				return ret;
			continue;
		}
		if (type != PCAPNG_EPB && type != PCAPNG_SPB)
			continue;
		id = type == PCAPNG_EPB ? (len >= 32 ? file_u32(f, b + 8) : 0) : 0;
		if (id >= f->nr_ifs || (type == PCAPNG_EPB && len < 32) ||
		    (type == PCAPNG_SPB && len < 16))
			return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
					      "cannot read '%s': a packet block of no interface, or short",
					      path);
		memset(pkt, 0, sizeof(*pkt));
		if (type == PCAPNG_EPB) {
			hi = file_u32(f, b + 12);
			lo = file_u32(f, b + 16);
			caplen = file_u32(f, b + 20);
			pkt->frame.len = file_u32(f, b + 24);
			if (caplen > len - 32)
				goto bad;
			unit = f->ts_units[id];
			ts = (uint64_t)hi << 32 | lo;
			pkt->frame.tstamp_ns = (uint64_t)((unsigned __int128)ts *
							  1000000000U / unit);
			pkt->frame.data = b + 28;
			file_options(f, b + 28 + ((caplen + 3U) & ~3U),
				     b + len - 4, file_epb_option, pkt);
		} else {
			pkt->frame.len = file_u32(f, b + 8);
			caplen = len - 16;
			if (f->ifs[id].snaplen && caplen > f->ifs[id].snaplen)
				caplen = f->ifs[id].snaplen;
			if (caplen > pkt->frame.len)
				caplen = pkt->frame.len;
			pkt->frame.data = b + 12;
		}
		pkt->frame.caplen = caplen;
		if (pkt->frame.len < caplen)
			pkt->frame.len = caplen;
		pkt->frame.ifindex = f->ifs[id].number + 1;
		*fif = &f->ifs[id];
		return 1;
	}
bad:
	return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
			      "cannot read '%s': a packet larger than its block",
			      path);
}

int kcap_file_next(struct kcap_file *f, struct kcap_packet *pkt,
		   const struct kcap_file_if **fif, const char *path,
		   struct kcap_error *e)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int ret;

	kcap_error_clear(e);
	if (!f->pcap)
		return file_next_pcapng(f, pkt, fif, path, e);
	ret = pcap_next_ex(f->pcap, &h, &data);
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1)
		return kcap_error_set(e, -EIO, KCAP_ERROR_SYSTEM,
				      "cannot read '%s': %s", path,
				      pcap_geterr(f->pcap));
	memset(pkt, 0, sizeof(*pkt));
	/* In nanoseconds: the file was opened with that precision. */
	pkt->frame.tstamp_ns = (uint64_t)h->ts.tv_sec * 1000000000ULL +
			       (uint64_t)h->ts.tv_usec;
	pkt->frame.caplen = h->caplen;
	pkt->frame.len = h->len;
	pkt->frame.ifindex = 1;
	pkt->frame.data = data;
	*fif = &f->pcap_if;
	return 1;
}

void kcap_file_close(struct kcap_file *f)
{
	if (!f)
		return;
	if (f->pcap)
		pcap_close(f->pcap);	/* closes the cookie stream */
	if (f->own_fp)
		fclose(f->fp);
	free(f->block);
	free(f->ifs);
	free(f->ts_units);
	free(f);
}

const struct kcap_file_if *kcap_file_pcap_if(const struct kcap_file *f)
{
	return f->pcap ? &f->pcap_if : NULL;
}

size_t kcap_file_nr_ifs(const struct kcap_file *f)
{
	return f->pcap ? 1 : f->nr_ifs;
}

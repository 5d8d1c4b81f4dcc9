// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: filters.  tcpdump expressions are compiled by libpcap into the
 * classic BPF that the kernel runs from each frame's MAC header: on a live
 * handle of the session's device when there is one, so that the code is
 * what tcpdump would run there, else on a dead handle of its link type.
 * A session on every device runs its filter from the network header with
 * the cooked header's fields as metadata: its program, compiled for Linux
 * cooked captures v2, has its loads moved as libpcap moves them for its
 * own "any" socket.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <linux/filter.h>

#include "kcap.h"
#include "internal.h"

_Static_assert(sizeof(struct bpf_insn) == sizeof(struct sock_filter),
	       "libpcap's bpf_insn is the kernel's sock_filter");

/*
 * The LINKTYPE_ values whose DLT_ value differs, from libpcap's
 * linktype_to_dlt() (pcap-common.c), which libpcap does not export.  Every
 * other value is the same in both.  The unit tests check this table
 * against libpcap's own reading of capture-file headers.
 */
static const struct {
	uint32_t	linktype;
	int		dlt;
} kcap_linktype_dlts[] = {
	{ 100, DLT_ATM_RFC1483 },	/* LINKTYPE_ATM_RFC1483 */
	{ 101, DLT_RAW },		/* LINKTYPE_RAW */
	{ 102, DLT_SLIP_BSDOS },	/* LINKTYPE_SLIP_BSDOS */
	{ 103, DLT_PPP_BSDOS },		/* LINKTYPE_PPP_BSDOS */
	{ 106, DLT_ATM_CLIP },		/* LINKTYPE_ATM_CLIP */
	{ 246, DLT_PFSYNC },		/* LINKTYPE_PFSYNC */
	{ 258, DLT_PKTAP },		/* LINKTYPE_PKTAP */
};

/* The pair whose @linktype (or, if !@by_linktype, whose dlt) is @v. */
static int kcap_linktype_dlt_find(long v, bool by_linktype)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kcap_linktype_dlts); i++) {
		if (v == (by_linktype ? (long)kcap_linktype_dlts[i].linktype :
					kcap_linktype_dlts[i].dlt))
			return (int)i;
	}
	return -1;
}

int kcap_linktype_to_dlt(uint32_t linktype)
{
	int i = kcap_linktype_dlt_find(linktype, true);

	return i < 0 ? (int)linktype : kcap_linktype_dlts[i].dlt;
}

uint32_t kcap_dlt_to_linktype(int dlt)
{
	int i = kcap_linktype_dlt_find(dlt, false);

	return i < 0 ? (uint32_t)dlt : kcap_linktype_dlts[i].linktype;
}

const char *kcap_linktype_name(uint32_t linktype)
{
	return pcap_datalink_val_to_name(kcap_linktype_to_dlt(linktype));
}

const char *kcap_linktype_description(uint32_t linktype)
{
	return pcap_datalink_val_to_description(kcap_linktype_to_dlt(linktype));
}

/* The expression without the blanks around it, in a new string. */
static char *kcap_filter_trim(const char *expr)
{
	const char *end;

	if (!expr)
		expr = "";
	expr += strspn(expr, " \t\n");
	end = expr + strlen(expr);
	while (end > expr && strchr(" \t\n", end[-1]))
		end--;
	return strndup(expr, (size_t)(end - expr));
}

/*
 * A live libpcap handle on @ifname, for compiling only: libpcap compiles
 * for a live Linux handle what the kernel's socket filters (and kcap's) run
 * on, VLAN tags held in metadata tested with SKF_AD_VLAN_* loads.  NULL if
 * it cannot be had (no such device here, device down, no CAP_NET_RAW) or
 * its link type is not the session's.  Its packet socket lives only until
 * pcap_close().
 */
static pcap_t *kcap_filter_live_handle(const char *ifname, int dlt)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	if (!ifname || !ifname[0])
		return NULL;
	p = pcap_create(ifname, errbuf);
	if (!p)
		return NULL;
	if (pcap_set_snaplen(p, KCAP_SNAPLEN_MAX) || pcap_set_promisc(p, 0) ||
	    pcap_set_immediate_mode(p, 1) || pcap_set_buffer_size(p, 65536) ||
	    pcap_activate(p) < 0 || pcap_datalink(p) != dlt) {
		pcap_close(p);
		return NULL;
	}
	return p;
}

int kcap_filter_compile(struct kcap_filter *f, const char *expr,
			uint32_t linktype, const char *ifname,
			struct kcap_error *e)
{
	int dlt = kcap_linktype_to_dlt(linktype);
	struct bpf_program prog;
	pcap_t *p;
	char *text;
	int err;

	memset(f, 0, sizeof(*f));
	kcap_error_clear(e);

	text = kcap_filter_trim(expr);
	if (!text)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	if (!text[0] || !strcmp(text, "all")) {
		text[0] = '\0';
		f->text = text;
		return 0;
	}
	if (strlen(text) >= KCAP_FILTER_TEXT_MAX) {
		free(text);
		return kcap_error_set(e, -E2BIG, KCAP_ERROR_FILTER,
				      "filter expression longer than %d bytes",
				      KCAP_FILTER_TEXT_MAX - 1);
	}

	/* Frames are cut by the session's snaplen, not by its filter. */
	p = kcap_filter_live_handle(ifname, dlt);
	if (!p)
		p = pcap_open_dead(dlt, KCAP_SNAPLEN_MAX);
	if (!p) {
		free(text);
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	}
	if (pcap_compile(p, &prog, text, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		kcap_error_set(e, -EINVAL, KCAP_ERROR_FILTER, "%s",
			       pcap_geterr(p));
		pcap_close(p);
		free(text);
		return -EINVAL;
	}
	pcap_close(p);

	err = 0;
	if (prog.bf_len > BPF_MAXINSNS) {
		err = kcap_error_set(e, -E2BIG, KCAP_ERROR_FILTER,
				     "filter of %u instructions: more than %d",
				     prog.bf_len, BPF_MAXINSNS);
	} else {
		f->insns = malloc(prog.bf_len * sizeof(*f->insns));
		if (!f->insns)
			err = kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM,
					     NULL);
		else
			memcpy(f->insns, prog.bf_insns,
			       prog.bf_len * sizeof(*f->insns));
	}
	f->len = prog.bf_len;
	pcap_freecode(&prog);
	if (err) {
		free(text);
		kcap_filter_free(f);
		return err;
	}
	f->text = text;
	return 0;
}

/*
 * Where a load at @k of the cooked header goes when the frame starts at
 * its network header, as libpcap's pcap-linux.c fix_offset() moves it for
 * its "any" socket: after the header, back by its length; at one of the
 * fields the kernel has as metadata, to its SKF_AD_ load.  False for the
 * rest (the reserved bytes, the address and its length), which the kernel
 * does not have.  A negative @k is metadata already (SKF_AD_OFF...), which
 * libpcap compiles for live handles only: left alone.
 */
static bool kcap_filter_anydev_offset(uint32_t *k)
{
	if ((int32_t)*k < 0)
		return true;
	if (*k >= KCAP_SLL2_HDR_LEN) {
		*k -= KCAP_SLL2_HDR_LEN;
		return true;
	}
	switch (*k) {
	case 0:		/* protocol */
		*k = (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL);
		return true;
	case 4:		/* ifindex */
		*k = (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX);
		return true;
	case 8:		/* ARPHRD_ type */
		*k = (uint32_t)(SKF_AD_OFF + SKF_AD_HATYPE);
		return true;
	case 10:	/* packet type */
		*k = (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE);
		return true;
	default:
		return false;
	}
}

int kcap_filter_anydev(struct kcap_filter *f, struct kcap_error *e)
{
	struct sock_filter *insn;
	uint16_t class, mode;
	uint32_t k;

	kcap_error_clear(e);
	for (insn = f->insns; insn < f->insns + f->len; insn++) {
		class = BPF_CLASS(insn->code);
		mode = BPF_MODE(insn->code);
		if ((class != BPF_LD && class != BPF_LDX) ||
		    (mode != BPF_ABS && mode != BPF_IND && mode != BPF_MSH))
			continue;
		k = insn->k;
		if (!kcap_filter_anydev_offset(&k))
			return kcap_error_set(e, -EINVAL, KCAP_ERROR_FILTER,
					      "'%s' tests %s of the cooked header, which a capture on \"any\" cannot filter on in the kernel",
					      f->text ? f->text : "",
					      insn->k >= 12 ?
					      "the link-layer address" :
					      insn->k == 11 ?
					      "the link-layer address length" :
					      "a part");
		insn->k = k;
	}
	return 0;
}

void kcap_session_config_filter(struct kcap_session_config *cfg,
				const struct kcap_filter *f)
{
	cfg->set = (cfg->set & ~KCAP_CFG_FILTER) | KCAP_CFG_PROG;
	cfg->prog = f->insns;
	cfg->prog_len = f->len;
	cfg->filter = f->text;
}

void kcap_filter_free(struct kcap_filter *f)
{
	free(f->insns);
	free(f->text);
	memset(f, 0, sizeof(*f));
}

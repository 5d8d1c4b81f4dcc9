// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: filters.  tcpdump expressions are compiled by libpcap into the
 * classic BPF that the kernel runs from each frame's MAC header: on a live
 * handle of the session's device when there is one, so that the code is
 * what tcpdump would run there, else on a dead handle of its link type.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <linux/filter.h>

#include "kcap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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

int kcap_linktype_to_dlt(uint32_t linktype)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kcap_linktype_dlts); i++) {
		if (kcap_linktype_dlts[i].linktype == linktype)
			return kcap_linktype_dlts[i].dlt;
	}
	return (int)linktype;
}

uint32_t kcap_dlt_to_linktype(int dlt)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kcap_linktype_dlts); i++) {
		if (kcap_linktype_dlts[i].dlt == dlt)
			return kcap_linktype_dlts[i].linktype;
	}
	return (uint32_t)dlt;
}

const char *kcap_linktype_name(uint32_t linktype)
{
	return pcap_datalink_val_to_name(kcap_linktype_to_dlt(linktype));
}

const char *kcap_linktype_description(uint32_t linktype)
{
	return pcap_datalink_val_to_description(kcap_linktype_to_dlt(linktype));
}

static void kcap_filter_error(char *errbuf, size_t errlen, const char *fmt,
			      ...)
{
	va_list ap;

	if (!errbuf || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
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
static pcap_t *kcap_filter_live_handle(const char *ifname, int dlt,
				       uint32_t snaplen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	if (!ifname || !ifname[0])
		return NULL;
	p = pcap_create(ifname, errbuf);
	if (!p)
		return NULL;
	if (pcap_set_snaplen(p, (int)snaplen) || pcap_set_promisc(p, 0) ||
	    pcap_set_immediate_mode(p, 1) || pcap_set_buffer_size(p, 65536) ||
	    pcap_activate(p) < 0 || pcap_datalink(p) != dlt) {
		pcap_close(p);
		return NULL;
	}
	return p;
}

int kcap_filter_compile(struct kcap_filter *f, const char *expr,
			uint32_t linktype, uint32_t snaplen,
			char *errbuf, size_t errlen)
{
	return kcap_filter_compile_dev(f, expr, NULL, linktype, snaplen,
				       errbuf, errlen);
}

int kcap_filter_compile_dev(struct kcap_filter *f, const char *expr,
			    const char *ifname, uint32_t linktype,
			    uint32_t snaplen, char *errbuf, size_t errlen)
{
	struct bpf_program prog;
	pcap_t *p;
	char *text;
	int err;

	memset(f, 0, sizeof(*f));
	kcap_filter_error(errbuf, errlen, "%s", "");

	text = kcap_filter_trim(expr);
	if (!text)
		return -ENOMEM;
	if (!text[0] || !strcmp(text, "all")) {
		text[0] = '\0';
		f->text = text;
		return 0;
	}
	if (strlen(text) >= KCAP_FILTER_TEXT_MAX) {
		kcap_filter_error(errbuf, errlen,
				  "filter expression longer than %d bytes",
				  KCAP_FILTER_TEXT_MAX - 1);
		free(text);
		return -E2BIG;
	}

	if (!snaplen || snaplen > KCAP_SNAPLEN_MAX)
		snaplen = KCAP_SNAPLEN_MAX;
	p = kcap_filter_live_handle(ifname, kcap_linktype_to_dlt(linktype),
				    snaplen);
	if (!p)
		p = pcap_open_dead(kcap_linktype_to_dlt(linktype),
				   (int)snaplen);
	if (!p) {
		free(text);
		return -ENOMEM;
	}
	if (pcap_compile(p, &prog, text, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		kcap_filter_error(errbuf, errlen, "%s", pcap_geterr(p));
		pcap_close(p);
		free(text);
		return -EINVAL;
	}
	pcap_close(p);

	err = 0;
	if (prog.bf_len > BPF_MAXINSNS) {
		kcap_filter_error(errbuf, errlen,
				  "filter of %u instructions: more than %d",
				  prog.bf_len, BPF_MAXINSNS);
		err = -E2BIG;
	} else {
		f->insns = malloc(prog.bf_len * sizeof(*f->insns));
		if (!f->insns)
			err = -ENOMEM;
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

void kcap_session_config_filter(struct kcap_session_config *cfg,
				const struct kcap_filter *f)
{
	cfg->set |= KCAP_CFG_FILTER;
	cfg->filter = f->insns;
	cfg->filter_len = f->len;
	cfg->filter_text = f->text;
}

void kcap_filter_free(struct kcap_filter *f)
{
	free(f->insns);
	free(f->text);
	memset(f, 0, sizeof(*f));
}

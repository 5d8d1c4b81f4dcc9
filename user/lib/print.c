// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: one line per captured frame, as kcap(8) prints it on a terminal
 * and kcapd(8) logs it: its time, its
 * direction, a short summary of Ethernet, ARP, IPv4, IPv6, TCP, UDP and
 * ICMP, and its lengths.  Not a dissector: write a file (-w) and read it
 * with tcpdump or Wireshark for more.  And a frame in Linux cooked capture
 * v2, how tcpdump shows each frame's device and direction.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kcap.h"

#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101
#define LINKTYPE_IEEE802_11	105
#define LINKTYPE_LINUX_SLL2	KCAP_LINKTYPE_LINUX_SLL2

#define ETH_P_IP		0x0800
#define ETH_P_ARP		0x0806
#define ETH_P_8021Q		0x8100
#define ETH_P_8021AD		0x88a8
#define ETH_P_IPV6		0x86dd

/* A string being built; output past its end is dropped, still terminated. */
struct line {
	char	*buf;
	size_t	size;
	size_t	len;
};

static void put(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= l->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len >= l->size)
		l->len = l->size - 1;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_mac(struct line *l, const uint8_t *m)
{
	put(l, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
	    m[5]);
}

static void put_addr(struct line *l, int af, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	put(l, "%s", inet_ntop(af, a, s, sizeof(s)) ? s : "?");
}

static void put_tcp_flags(struct line *l, uint8_t f)
{
	static const struct {
		uint8_t	bit;
		char	c;
	} flags[] = {
		{ 0x02, 'S' }, { 0x01, 'F' }, { 0x08, 'P' }, { 0x04, 'R' },
		{ 0x20, 'U' }, { 0x40, 'E' }, { 0x80, 'W' }, { 0x10, '.' },
	};
	size_t i;

	put(l, " [");
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (f & flags[i].bit)
			put(l, "%c", flags[i].c);
	}
	if (!f)
		put(l, "none");
	put(l, "]");
}

static const char *icmp_name(uint8_t type)
{
	switch (type) {
	case 0:		return "echo reply";
	case 3:		return "unreachable";
	case 8:		return "echo request";
	case 11:	return "time exceeded";
	default:	return NULL;
	}
}

static const char *icmp6_name(uint8_t type)
{
	switch (type) {
	case 1:		return "unreachable";
	case 3:		return "time exceeded";
	case 128:	return "echo request";
	case 129:	return "echo reply";
	case 133:	return "router solicitation";
	case 134:	return "router advertisement";
	case 135:	return "neighbor solicitation";
	case 136:	return "neighbor advertisement";
	default:	return NULL;
	}
}

/*
 * The transport part, with "length" as tcpdump means it: what the last
 * protocol named carries, from its headers (not what was captured):
 * "SRC.SPORT > DST.DPORT: Flags [S.], length 0" (TCP's payload),
 * "...: UDP, length 2" (UDP's), "SRC > DST: ICMP echo request, id 1, seq 1,
 * length 64" (the ICMP message).  @p..@end is the transport header as
 * captured, @len its length as the IP header says.
 */
static void put_l4(struct line *l, int af, const uint8_t *src,
		   const uint8_t *dst, uint8_t proto, const uint8_t *p,
		   const uint8_t *end, uint32_t len)
{
	size_t n = (size_t)(end - p);
	const char *name;
	uint32_t hl;

	if ((proto == 6 || proto == 17) && n >= 4) {
		put_addr(l, af, src);
		put(l, ".%u > ", get16(p));
		put_addr(l, af, dst);
		put(l, ".%u: ", get16(p + 2));
		if (proto == 6 && n >= 14) {
			hl = (uint32_t)(p[12] >> 4) * 4;
			put(l, "Flags");
			put_tcp_flags(l, p[13]);
			put(l, ", length %u", len > hl ? len - hl : 0);
		} else if (proto == 17 && n >= 8) {
			hl = get16(p + 4);
			put(l, "UDP, length %u", hl > 8 ? hl - 8 : 0);
		} else {
			put(l, "%s", proto == 6 ? "[|tcp]" : "UDP [|udp]");
		}
		return;
	}
	put_addr(l, af, src);
	put(l, " > ");
	put_addr(l, af, dst);
	if (proto == 6 || proto == 17) {
		put(l, ": %s", proto == 6 ? "[|tcp]" : "UDP [|udp]");
	} else if ((proto == 1 && af == AF_INET) ||
		   (proto == 58 && af == AF_INET6)) {
		put(l, ": %s", proto == 1 ? "ICMP" : "ICMP6");
		if (!n) {
			put(l, " [|icmp]");
			return;
		}
		name = proto == 1 ? icmp_name(p[0]) : icmp6_name(p[0]);
		if (name)
			put(l, " %s", name);
		else
			put(l, " type %u", p[0]);
		/* Echo: its id and sequence, as tcpdump prints them. */
		if (n >= 8 && (p[0] == 0 || p[0] == 8 || p[0] == 128 ||
			       p[0] == 129) && (proto == 58) == (p[0] >= 128))
			put(l, ", id %u, seq %u", get16(p + 4), get16(p + 6));
		put(l, ", length %u", len);
	} else {
		put(l, ": proto %u, length %u", proto, len);
	}
}

static void put_ipv4(struct line *l, const uint8_t *p, const uint8_t *end)
{
	size_t ihl;
	uint16_t tot;

	if (end - p < 20 || (p[0] >> 4) != 4) {
		put(l, "IP [|ip]");
		return;
	}
	ihl = (size_t)(p[0] & 0xf) * 4;
	tot = get16(p + 2);
	put(l, "IP ");
	if (get16(p + 6) & 0x1fff) {	/* a fragment after the first */
		put_addr(l, AF_INET, p + 12);
		put(l, " > ");
		put_addr(l, AF_INET, p + 16);
		put(l, ": fragment, proto %u, length %u", p[9],
		    tot > ihl ? (uint32_t)(tot - ihl) : 0);
		return;
	}
	if (ihl < 20 || (size_t)(end - p) < ihl)
		ihl = (size_t)(end - p);
	put_l4(l, AF_INET, p + 12, p + 16, p[9], p + ihl, end,
	       tot > ihl ? (uint32_t)(tot - ihl) : 0);
}

static void put_ipv6(struct line *l, const uint8_t *p, const uint8_t *end)
{
	if (end - p < 40 || (p[0] >> 4) != 6) {
		put(l, "IP6 [|ip6]");
		return;
	}
	put(l, "IP6 ");
	put_l4(l, AF_INET6, p + 8, p + 24, p[6], p + 40, end, get16(p + 4));
}

/* @len: the ARP packet's length, the frame's after its link header. */
static void put_arp(struct line *l, const uint8_t *p, const uint8_t *end,
		    uint32_t len)
{
	uint16_t op;

	/* Ethernet and IPv4 only: hardware type 1, sizes 6 and 4. */
	if (end - p < 28 || get16(p) != 1 || get16(p + 2) != ETH_P_IP ||
	    p[4] != 6 || p[5] != 4) {
		put(l, "ARP, length %u", len);
		return;
	}
	op = get16(p + 6);
	if (op == 1) {
		put(l, "ARP, Request who-has ");
		put_addr(l, AF_INET, p + 24);
		put(l, " tell ");
		put_addr(l, AF_INET, p + 14);
	} else if (op == 2) {
		put(l, "ARP, Reply ");
		put_addr(l, AF_INET, p + 14);
		put(l, " is-at ");
		put_mac(l, p + 8);
	} else {
		put(l, "ARP, op %u", op);
	}
	put(l, ", length %u", len);
}

/* @len: what follows the link header, on the wire. */
static void put_ethertype(struct line *l, uint16_t type, const uint8_t *p,
			  const uint8_t *end, uint32_t len)
{
	switch (type) {
	case ETH_P_IP:
		put_ipv4(l, p, end);
		break;
	case ETH_P_IPV6:
		put_ipv6(l, p, end);
		break;
	case ETH_P_ARP:
		put_arp(l, p, end, len);
		break;
	default:
		put(l, "ethertype 0x%04x, length %u", type, len);
	}
}

/* @len: the frame's length on the wire. */
static void put_ethernet(struct line *l, const uint8_t *p, const uint8_t *end,
			 uint32_t len)
{
	uint16_t type;
	int tags = 0;

	if (end - p < 14) {
		put(l, "[|ether]");
		return;
	}
	type = get16(p + 12);
	p += 14;
	len = len > 14 ? len - 14 : 0;
	while ((type == ETH_P_8021Q || type == ETH_P_8021AD) && tags++ < 2) {
		if (end - p < 4) {
			put(l, "vlan [|vlan]");
			return;
		}
		put(l, "vlan %u, ", get16(p) & 0xfff);
		type = get16(p + 2);
		p += 4;
		len = len > 4 ? len - 4 : 0;
	}
	if (type < 0x0600) {		/* 802.3 length, LLC follows */
		put(l, "802.3, length %u", type);
		return;
	}
	put_ethertype(l, type, p, end, len);
}

#define PACKET_OUTGOING		4

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * A Linux cooked v2 frame, as tcpdump -i any prints it: the device of the
 * header's index (its name here, else "ifindex N"), the direction (the
 * record's, else the header's packet type), and what follows the header
 * by the header's protocol.
 */
static void put_sll2(struct line *l, const struct kcap_frame *f)
{
	const uint8_t *p = f->data, *end = f->data + f->caplen;
	char name[IF_NAMESIZE];
	uint8_t direction = f->direction;
	uint32_t ifindex;

	if (f->caplen < KCAP_SLL2_HDR_LEN) {
		put(l, "%s [|sll2]", direction == KCAP_FRAME_IN ? "In" :
		    direction == KCAP_FRAME_OUT ? "Out" : "?");
		return;
	}
	ifindex = get32(p + 4);
	if (if_indextoname(ifindex, name))
		put(l, "%s ", name);
	else
		put(l, "ifindex %u ", ifindex);
	if (!direction)
		direction = p[10] == PACKET_OUTGOING ? KCAP_FRAME_OUT :
						       KCAP_FRAME_IN;
	put(l, "%s ", direction == KCAP_FRAME_OUT ? "Out" : "In");
	put_ethertype(l, get16(p), p + KCAP_SLL2_HDR_LEN, end,
		      f->len > KCAP_SLL2_HDR_LEN ?
		      f->len - KCAP_SLL2_HDR_LEN : 0);
}

void kcap_format_packet(char *buf, size_t size, const struct kcap_packet *pkt,
		       uint32_t linktype, const char *ifname, bool nano)
{
	const struct kcap_frame *f = &pkt->frame;
	const uint8_t *p = f->data, *end = f->data + f->caplen;
	struct line l = { buf, size, 0 };
	time_t sec = (time_t)(f->tstamp_ns / 1000000000);
	uint32_t frac = (uint32_t)(f->tstamp_ns % 1000000000);
	struct tm tm;

	if (!size)
		return;
	buf[0] = '\0';
	if (localtime_r(&sec, &tm))
		put(&l, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (nano)
		put(&l, ".%09u ", frac);
	else
		put(&l, ".%06u ", frac / 1000);
	if (linktype == LINKTYPE_LINUX_SLL2) {
		/* The header names the device: @ifname is "any", or a file's. */
		put_sll2(&l, f);
		if (f->caplen < f->len)
			put(&l, ", captured %u", f->caplen);
		return;
	}
	if (ifname)
		put(&l, "%s ", ifname);
	put(&l, "%s ", f->direction == KCAP_FRAME_IN ? "In" :
		       f->direction == KCAP_FRAME_OUT ? "Out" : "?");

	if (linktype == LINKTYPE_ETHERNET) {
		put_ethernet(&l, p, end, f->len);
	} else if (linktype == LINKTYPE_RAW) {
		if (f->caplen && (p[0] >> 4) == 6)
			put_ipv6(&l, p, end);
		else
			put_ipv4(&l, p, end);
	} else {
		const char *name = kcap_linktype_name(linktype);

		if (name)
			put(&l, "%s", name);
		else
			put(&l, "linktype %u", linktype);
		put(&l, ", length %u", f->len);
	}
	if (f->caplen < f->len)
		put(&l, ", captured %u", f->caplen);
}

#define ARPHRD_ETHER		1
#define ARPHRD_IEEE80211	801
#define ARPHRD_NONE		0xfffe
#define ETH_HLEN		14
#define ETH_ALEN		6

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int kcap_packet_cooked(const struct kcap_packet *pkt, uint32_t linktype,
		       uint8_t hdr[KCAP_SLL2_HDR_LEN])
{
	const struct kcap_frame *f = &pkt->frame;
	const uint8_t *p = f->data;
	uint16_t proto = pkt->protocol, hatype;
	uint8_t pkt_type = pkt->pkt_type;
	uint32_t skip = 0;

	if (f->direction == KCAP_FRAME_OUT)
		pkt_type = PACKET_OUTGOING;
	memset(hdr, 0, KCAP_SLL2_HDR_LEN);
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		hatype = ARPHRD_ETHER;
		if (f->caplen >= ETH_HLEN) {
			/* The type in the bytes: a tag written back is there. */
			if (get16(p + 12) >= 0x0600)
				proto = get16(p + 12);
			memcpy(hdr + 12, p + ETH_ALEN, ETH_ALEN);
			hdr[11] = ETH_ALEN;
		}
		skip = f->caplen < ETH_HLEN ? f->caplen : ETH_HLEN;
		break;
	case LINKTYPE_RAW:
		hatype = ARPHRD_NONE;
		if (f->caplen)
			proto = (p[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP;
		break;
	case LINKTYPE_IEEE802_11:
		hatype = ARPHRD_IEEE80211;
		break;
	case LINKTYPE_LINUX_SLL2:	/* cooked already: its own header */
		skip = f->caplen < KCAP_SLL2_HDR_LEN ? f->caplen :
						       KCAP_SLL2_HDR_LEN;
		memcpy(hdr, p, skip);
		return (int)skip;
	default:
		return -EPROTONOSUPPORT;
	}
	put_be16(hdr, proto);
	hdr[4] = (uint8_t)(f->ifindex >> 24);
	hdr[5] = (uint8_t)(f->ifindex >> 16);
	hdr[6] = (uint8_t)(f->ifindex >> 8);
	hdr[7] = (uint8_t)f->ifindex;
	put_be16(hdr + 8, hatype);
	hdr[10] = pkt_type;
	return (int)skip;
}

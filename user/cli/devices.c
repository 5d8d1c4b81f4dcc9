// SPDX-License-Identifier: GPL-2.0
/*
 * kcap list-devices: the net devices kcap can capture on, as libpcap's
 * pcap_findalldevs() finds them, with their index, state, link type and
 * addresses.
 *
 *	kcap list-devices [--json]
 *
 * The link type is what a live libpcap handle on the device reports (as
 * tcpdump -L does); opening one needs CAP_NET_RAW, and without it the
 * link type is unknown.
 */

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "cli.h"

#define CMD	"list-devices"

struct cli_dev {
	pcap_if_t	*d;
	unsigned int	index;
	int		dlt;		/* -1: unknown */
};

static int cli_dev_cmp(const void *a, const void *b)
{
	const struct cli_dev *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

/* The device's link type, from a live handle; -1 if none could be had. */
static int cli_dev_dlt(const char *name)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_create(name, errbuf);
	int dlt = -1;

	if (!p)
		return -1;
	pcap_set_snaplen(p, 64);
	pcap_set_buffer_size(p, 65536);
	pcap_set_timeout(p, 1);
	if (pcap_activate(p) >= 0)
		dlt = pcap_datalink(p);
	pcap_close(p);
	return dlt;
}

/* An address as text and its prefix length; false if not IPv4/IPv6. */
static bool cli_addr(const pcap_addr_t *a, const char **family, char *buf,
		     size_t size, int *prefix)
{
	const struct sockaddr *sa = a->addr, *nm = a->netmask;
	const uint8_t *m = NULL;
	size_t i, mlen = 0;

	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		*family = "inet";
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  buf, (socklen_t)size);
		if (nm && nm->sa_family == AF_INET) {
			m = (const uint8_t *)
			    &((const struct sockaddr_in *)nm)->sin_addr;
			mlen = 4;
		}
	} else if (sa->sa_family == AF_INET6) {
		*family = "inet6";
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)size);
		if (nm && nm->sa_family == AF_INET6) {
			m = ((const struct sockaddr_in6 *)nm)->sin6_addr.s6_addr;
			mlen = 16;
		}
	} else {
		return false;
	}
	*prefix = m ? 0 : -1;
	for (i = 0; i < mlen; i++)
		*prefix += __builtin_popcount(m[i]);
	return true;
}

static void cli_dev_text(const struct cli_dev *v)
{
	const char *lt = v->dlt >= 0 ? pcap_datalink_val_to_name(v->dlt) :
			 NULL;
	char buf[INET6_ADDRSTRLEN];
	const char *family;
	pcap_addr_t *a;
	int prefix;

	printf("%u: %s: state %s%s%s linktype ", v->index, v->d->name,
	       v->d->flags & PCAP_IF_UP ? "up" : "down",
	       v->d->flags & PCAP_IF_RUNNING ? " running" : "",
	       v->d->flags & PCAP_IF_LOOPBACK ? " loopback" : "");
	if (lt)
		printf("%s\n", lt);
	else if (v->dlt >= 0)
		printf("%d\n", v->dlt);
	else
		printf("unknown\n");
	for (a = v->d->addresses; a; a = a->next) {
		if (!cli_addr(a, &family, buf, sizeof(buf), &prefix))
			continue;
		if (prefix >= 0)
			printf("\t%s %s/%d\n", family, buf, prefix);
		else
			printf("\t%s %s\n", family, buf);
	}
}

static void cli_dev_json(const struct cli_dev *v)
{
	const char *lt = v->dlt >= 0 ? pcap_datalink_val_to_name(v->dlt) :
			 NULL;
	char buf[INET6_ADDRSTRLEN];
	const char *family;
	pcap_addr_t *a;
	bool first = true;
	int prefix;

	printf("{\"index\":%u,\"name\":", v->index);
	cli_json_string(stdout, v->d->name);
	printf(",\"state\":\"%s\",\"running\":%s,\"loopback\":%s,",
	       v->d->flags & PCAP_IF_UP ? "up" : "down",
	       v->d->flags & PCAP_IF_RUNNING ? "true" : "false",
	       v->d->flags & PCAP_IF_LOOPBACK ? "true" : "false");
	if (v->dlt >= 0)
		printf("\"linktype\":%u,", kcap_dlt_to_linktype(v->dlt));
	else
		printf("\"linktype\":null,");
	printf("\"linktype_name\":");
	if (lt)
		cli_json_string(stdout, lt);
	else
		printf("null");
	printf(",\"addresses\":[");
	for (a = v->d->addresses; a; a = a->next) {
		if (!cli_addr(a, &family, buf, sizeof(buf), &prefix))
			continue;
		printf("%s{\"family\":\"%s\",\"address\":\"%s\",\"prefixlen\":",
		       first ? "" : ",", family, buf);
		if (prefix >= 0)
			printf("%d}", prefix);
		else
			printf("null}");
		first = false;
	}
	printf("]}");
}

int cmd_list_devices(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct cli_dev *devs = NULL, *nd;
	pcap_if_t *all = NULL, *d;
	size_t nr = 0, i;
	bool json;
	int ret;

	ret = cli_json_args(CMD, argc, argv, &json, NULL, 0);
	if (ret)
		return ret;
	if (pcap_findalldevs(&all, errbuf))
		return cli_fail("cannot list the devices: %s", errbuf);
	/* Net devices only: not "any", nflog, usbmon, dbus... */
	for (d = all; d; d = d->next) {
		unsigned int index = if_nametoindex(d->name);

		if (!index || !strcmp(d->name, "any"))
			continue;
		nd = realloc(devs, (nr + 1) * sizeof(*devs));
		if (!nd) {
			free(devs);
			pcap_freealldevs(all);
			return cli_fail("out of memory");
		}
		devs = nd;
		devs[nr].d = d;
		devs[nr].index = index;
		devs[nr].dlt = cli_dev_dlt(d->name);
		nr++;
	}
	if (nr)
		qsort(devs, nr, sizeof(*devs), cli_dev_cmp);
	if (json)
		putchar('[');
	for (i = 0; i < nr; i++) {
		if (json) {
			if (i)
				putchar(',');
			cli_dev_json(&devs[i]);
		} else {
			cli_dev_text(&devs[i]);
		}
	}
	if (json)
		printf("]\n");
	free(devs);
	pcap_freealldevs(all);
	return KCAP_EXIT_OK;
}

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
 * link type is unknown.  "any" is listed too, as tcpdump -D lists it, with
 * index 0 and libpcap's description: kcap's captures on every device are
 * Linux cooked v2.
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

/* libpcap's name of the device's link type; NULL if unknown or nameless. */
static const char *cli_dev_dlt_name(const struct cli_dev *v)
{
	return v->dlt >= 0 ? pcap_datalink_val_to_name(v->dlt) : NULL;
}

/* An IPv4 or IPv6 address of a device, as text. */
struct cli_addr {
	const char	*family;	/* "inet", "inet6" */
	char		text[INET6_ADDRSTRLEN];
	int		prefix;		/* -1: no netmask */
};

/* @a into @ad; false if it is not IPv4 or IPv6. */
static bool cli_addr(const pcap_addr_t *a, struct cli_addr *ad)
{
	const struct sockaddr *sa = a->addr, *nm = a->netmask;
	const uint8_t *m = NULL;
	size_t i, mlen = 0;

	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		ad->family = "inet";
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  ad->text, sizeof(ad->text));
		if (nm && nm->sa_family == AF_INET) {
			m = (const uint8_t *)
			    &((const struct sockaddr_in *)nm)->sin_addr;
			mlen = 4;
		}
	} else if (sa->sa_family == AF_INET6) {
		ad->family = "inet6";
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr,
			  ad->text, sizeof(ad->text));
		if (nm && nm->sa_family == AF_INET6) {
			m = ((const struct sockaddr_in6 *)nm)->sin6_addr.s6_addr;
			mlen = 16;
		}
	} else {
		return false;
	}
	ad->prefix = m ? 0 : -1;
	for (i = 0; i < mlen; i++)
		ad->prefix += __builtin_popcount(m[i]);
	return true;
}

static void cli_dev_text(const struct cli_dev *v)
{
	const char *lt = cli_dev_dlt_name(v);
	struct cli_addr ad;
	pcap_addr_t *a;

	printf("%u: %s: state %s%s%s linktype ", v->index, v->d->name,
	       v->d->flags & PCAP_IF_UP ? "up" : "down",
	       v->d->flags & PCAP_IF_RUNNING ? " running" : "",
	       v->d->flags & PCAP_IF_LOOPBACK ? " loopback" : "");
	if (lt)
		printf("%s", lt);
	else if (v->dlt >= 0)
		printf("%d", v->dlt);
	else
		printf("unknown");
	if (v->d->description)
		printf(" (%s)", v->d->description);
	putchar('\n');
	for (a = v->d->addresses; a; a = a->next) {
		if (!cli_addr(a, &ad))
			continue;
		if (ad.prefix >= 0)
			printf("\t%s %s/%d\n", ad.family, ad.text, ad.prefix);
		else
			printf("\t%s %s\n", ad.family, ad.text);
	}
}

static void cli_dev_json(const struct cli_dev *v)
{
	const char *lt = cli_dev_dlt_name(v);
	struct cli_addr ad;
	pcap_addr_t *a;
	bool first = true;

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
	printf(",\"description\":");
	if (v->d->description)
		cli_json_string(stdout, v->d->description);
	else
		printf("null");
	printf(",\"addresses\":[");
	for (a = v->d->addresses; a; a = a->next) {
		if (!cli_addr(a, &ad))
			continue;
		printf("%s{\"family\":\"%s\",\"address\":\"%s\",\"prefixlen\":",
		       first ? "" : ",", ad.family, ad.text);
		if (ad.prefix >= 0)
			printf("%d}", ad.prefix);
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
	/* Net devices and "any" only: not nflog, usbmon, dbus... */
	for (d = all; d; d = d->next) {
		bool any = !strcmp(d->name, KCAP_ANY_DEVICE);
		unsigned int index = any ? 0 : if_nametoindex(d->name);

		if (!index && !any)
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
		/* Not libpcap's "any", which is LINUX_SLL: kcap's. */
		devs[nr].dlt = any ? DLT_LINUX_SLL2 : cli_dev_dlt(d->name);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * kcap show: sessions, as text or JSON.
 *
 *	kcap show [NAME] [filter|snaplen|stats] [--json]
 *
 * The text form of a session, four lines, the keys those of 'kcap add':
 *
 *	NAME: id ID dev DEV ifindex N state attached|detached linktype LT
 *		direction DIR snaplen N hook HOOK ring-size N
 *		[ring-format FMT] rings N persistent|owner pid PID [nopromisc]
 *		filter all | filter "EXPR" insns N | filter hidden insns N
 *		seen N passed N delivered N dropped N bytes N
 *
 * (the second line is one line; the lines after the first start with a
 * tab).  With a field: the filter's expression ("all" for none), the
 * snaplen, or the counters' line alone.  A module that does not report
 * the owner's pid gives "owner PORT", its socket's netlink port id.  The
 * kernel withholds a filter's expression from a caller without
 * CAP_NET_ADMIN (but the session's owner): "filter hidden", in JSON
 * "filter_hidden":true, and 'show NAME filter' fails saying so.  A session
 * on every device is "dev any ifindex 0 ... linktype LINUX_SLL2", in JSON
 * "ifname":"any" and "dev_type":null.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD	"show"

int show_parse(int argc, char **argv, struct show_opts *o)
{
	static const char *const fields[] = {
		[SHOW_FILTER] = "filter", [SHOW_SNAPLEN] = "snaplen",
		[SHOW_STATS] = "stats",
	};
	const char *word[2] = { NULL, NULL };
	int ret;

	memset(o, 0, sizeof(*o));
	ret = cli_json_args(CMD, argc, argv, &o->json, word, 2);
	if (ret || !word[0])
		return ret;
	ret = cli_session_name(CMD, word[0]);
	if (ret)
		return ret;
	o->name = word[0];
	if (!word[1])
		return 0;
	for (o->field = SHOW_FILTER; o->field <= SHOW_STATS; o->field++) {
		if (!strcmp(word[1], fields[o->field]))
			return 0;
	}
	return cli_invalid(CMD, "field", word[1], "filter, snaplen or stats");
}

static void show_stats_text(FILE *f, const struct kcap_stats *st)
{
	fprintf(f, "seen %llu passed %llu delivered %llu dropped %llu "
		"bytes %llu cut %llu\n", (unsigned long long)st->seen,
		(unsigned long long)st->passed,
		(unsigned long long)st->delivered,
		(unsigned long long)st->dropped,
		(unsigned long long)st->bytes, (unsigned long long)st->cut);
}

static void show_stats_json(FILE *f, const struct kcap_stats *st)
{
	fprintf(f, "{\"seen\":%llu,\"passed\":%llu,\"delivered\":%llu,"
		"\"dropped\":%llu,\"bytes\":%llu,\"cut\":%llu}",
		(unsigned long long)st->seen,
		(unsigned long long)st->passed,
		(unsigned long long)st->delivered,
		(unsigned long long)st->dropped,
		(unsigned long long)st->bytes, (unsigned long long)st->cut);
}

/* A filter's text in double quotes, on one line: \" \\ and \n. */
static void show_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* enum kcap_ring_format's name, as in kcap.yaml. */
static const char *show_ring_format(uint8_t fmt)
{
	switch (fmt) {
	case KCAP_RING_FORMAT_KCAP:
		return "kcap";
	case KCAP_RING_FORMAT_PCAP:
		return "pcap";
	case KCAP_RING_FORMAT_PCAP_NSEC:
		return "pcap-nsec";
	case KCAP_RING_FORMAT_PCAPNG:
		return "pcapng";
	default:
		return "unknown";
	}
}

void show_print_text(FILE *f, const struct kcap_session_info *s)
{
	const char *lt = kcap_linktype_name(s->linktype);

	fprintf(f, "%s: id %u dev %s ifindex %u state %s linktype ", s->name,
		s->id, s->ifname[0] ? s->ifname : "-", s->ifindex,
		cli_state_word(s->state));
	if (lt)
		fprintf(f, "%s\n", lt);
	else
		fprintf(f, "%u\n", s->linktype);

	fprintf(f, "\tdirection %s snaplen %u hook %s ring-size %u",
		cli_direction_word(s->direction), s->snaplen,
		cli_hook_word(s->hook), s->ring_size);
	if (s->ring_format != KCAP_RING_FORMAT_KCAP)
		fprintf(f, " ring-format %s", show_ring_format(s->ring_format));
	fprintf(f, " rings %u", s->nr_rings);
	if (s->has_owner_pid)
		fprintf(f, " owner pid %u", s->owner_pid);
	else if (s->has_owner)
		fprintf(f, " owner %u", s->owner);
	else
		fprintf(f, " persistent");
	if (s->flags & KCAP_SESSION_F_NOPROMISC)
		fprintf(f, " nopromisc");
	fputc('\n', f);

	if (!s->filter_len) {
		fprintf(f, "\tfilter all\n");
	} else if (s->filter_hidden) {
		fprintf(f, "\tfilter hidden insns %u\n", s->filter_len);
	} else {
		fprintf(f, "\tfilter ");
		show_quoted(f, s->filter_text);
		fprintf(f, " insns %u\n", s->filter_len);
	}
	fputc('\t', f);
	show_stats_text(f, &s->stats);
}

void show_print_json(FILE *f, const struct kcap_session_info *s)
{
	const char *lt = kcap_linktype_name(s->linktype);

	fprintf(f, "{\"id\":%u,\"name\":", s->id);
	cli_json_string(f, s->name);
	fprintf(f, ",\"ifindex\":%u,\"ifname\":", s->ifindex);
	cli_json_string(f, s->ifname);
	fprintf(f, ",\"state\":\"%s\",\"direction\":\"%s\",\"snaplen\":%u,"
		"\"filter_text\":", cli_state_word(s->state),
		cli_direction_word(s->direction), s->snaplen);
	/*
	 * null: no filter, as 'show NAME filter --json' says it; or one the
	 * kernel does not show the caller, then with "filter_hidden":true.
	 */
	if (s->filter_len && !s->filter_hidden)
		cli_json_string(f, s->filter_text);
	else
		fputs("null", f);
	fprintf(f, ",\"filter_len\":%u,", s->filter_len);
	if (s->filter_hidden)
		fputs("\"filter_hidden\":true,", f);
	fprintf(f, "\"hook\":\"%s\",\"ring_size\":%u,\"ring_format\":\"%s\","
		"\"nr_rings\":%u,\"flags\":%u,\"persistent\":%s,"
		"\"nopromisc\":%s,\"owner\":",
		cli_hook_word(s->hook), s->ring_size,
		show_ring_format(s->ring_format), s->nr_rings, s->flags,
		s->flags & KCAP_SESSION_F_PERSISTENT ? "true" : "false",
		s->flags & KCAP_SESSION_F_NOPROMISC ? "true" : "false");
	if (s->has_owner)
		fprintf(f, "%u", s->owner);
	else
		fprintf(f, "null");
	if (s->has_owner_pid)
		fprintf(f, ",\"owner_pid\":%u", s->owner_pid);
	/* A session on every device ("any") has no device type. */
	if (s->flags & KCAP_SESSION_F_ANYDEV)
		fprintf(f, ",\"dev_type\":null");
	else
		fprintf(f, ",\"dev_type\":%u", s->dev_type);
	fprintf(f, ",\"linktype\":%u,\"linktype_name\":", s->linktype);
	if (lt)
		cli_json_string(f, lt);
	else
		fprintf(f, "null");
	fprintf(f, ",\"stats\":");
	show_stats_json(f, &s->stats);
	fputc('}', f);
}

static void show_field(const struct show_opts *o,
		       const struct kcap_session_info *s)
{
	switch (o->field) {
	case SHOW_FILTER:
		if (o->json) {
			if (s->filter_len)
				cli_json_string(stdout, s->filter_text);
			else
				fputs("null", stdout);
			putchar('\n');
		} else {
			puts(s->filter_len ? s->filter_text : "all");
		}
		break;
	case SHOW_SNAPLEN:
		printf("%u\n", s->snaplen);
		break;
	case SHOW_STATS:
		if (o->json) {
			show_stats_json(stdout, &s->stats);
			putchar('\n');
		} else {
			show_stats_text(stdout, &s->stats);
		}
		break;
	case SHOW_ALL:
		if (o->json) {
			show_print_json(stdout, s);
			putchar('\n');
		} else {
			show_print_text(stdout, s);
		}
		break;
	}
}

static int show_one(struct kcap_ctl *ctl, const struct show_opts *o)
{
	struct kcap_session_info *info = malloc(sizeof(*info));
	int err;

	if (!info)
		return cli_fail("out of memory");
	if (o->field == SHOW_STATS) {
		/* The counters alone: the command made for them. */
		memset(info, 0, sizeof(*info));
		err = kcap_session_stats(ctl, o->name, 0, &info->stats);
	} else {
		err = kcap_session_get(ctl, o->name, 0, info);
	}
	if (!err && o->field == SHOW_FILTER && info->filter_hidden) {
		free(info);
		return cli_fail("the filter of session '%s' is hidden: reading it needs CAP_NET_ADMIN",
				o->name);
	}
	if (!err)
		show_field(o, info);
	free(info);
	return err ? cli_session_error(ctl, o->name, "cannot show") :
		     KCAP_EXIT_OK;
}

static int show_all(struct kcap_ctl *ctl, const struct show_opts *o)
{
	struct kcap_session_info *list;
	size_t i, nr;
	int err;

	err = kcap_session_list(ctl, &list, &nr);
	if (err)
		return cli_error(kcap_ctl_error(ctl), "cannot list sessions");
	if (o->json)
		putchar('[');
	for (i = 0; i < nr; i++) {
		if (o->json) {
			if (i)
				putchar(',');
			show_print_json(stdout, &list[i]);
		} else {
			show_print_text(stdout, &list[i]);
		}
	}
	if (o->json)
		puts("]");
	free(list);
	return KCAP_EXIT_OK;
}

int cmd_show(int argc, char **argv)
{
	struct kcap_ctl *ctl;
	struct show_opts o;
	int ret;

	ret = cli_open_ctl_after(show_parse(argc, argv, &o), &ctl);
	if (ret)
		return ret;
	ret = o.name ? show_one(ctl, &o) : show_all(ctl, &o);
	kcap_ctl_close(ctl);
	return ret;
}

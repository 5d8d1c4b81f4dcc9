// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): the output options that capture and dump share (-w, -c, -F,
 * --nano, -C, -G, -W, -a, --idle, --listen); libkcap's recording
 * (kcap_record_*()) names the files, rotates and stops, its stream
 * (kcap_stream_*()) serves the frames over TCP.
 */

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MB		1000000ULL	/* -C, as tcpdump's */
#define KB		1000ULL		/* -a filesize, as dumpcap's */

void cli_output_init(struct cli_output *o)
{
	memset(o, 0, sizeof(*o));
	o->format = KCAP_FORMAT_PCAP;
}

/* -a KEY:VALUE, dumpcap's autostop conditions. */
static const struct {
	const char	*key;
	const char	*what;
	const char	*unit;
	uint64_t	max;
	size_t		field;	/* in struct cli_output */
	uint64_t	scale;	/* its unit in the field's */
} cli_autostop_keys[] = {
	{ "duration", "-a duration", "seconds", UINT64_MAX / 1000,
	  offsetof(struct cli_output, stop_secs), 1 },
	{ "filesize", "-a filesize", "kB", UINT64_MAX / KB,
	  offsetof(struct cli_output, stop_bytes), KB },
	{ "packets", "-a packets", "packets", UINT64_MAX,
	  offsetof(struct cli_output, stop_packets), 1 },
	{ "files", "-a files", "files", UINT64_MAX,
	  offsetof(struct cli_output, stop_files), 1 },
};

static int cli_parse_autostop(const char *cmd, const char *arg,
			      struct cli_output *o)
{
	const char *colon = strchr(arg, ':');
	size_t i, len = colon ? (size_t)(colon - arg) : 0;
	uint64_t v;
	int ret;

	for (i = 0; colon && i < sizeof(cli_autostop_keys) /
				 sizeof(cli_autostop_keys[0]); i++) {
		if (len != strlen(cli_autostop_keys[i].key) ||
		    strncmp(arg, cli_autostop_keys[i].key, len))
			continue;
		ret = cli_number(cmd, cli_autostop_keys[i].what, colon + 1, 1,
				 cli_autostop_keys[i].max,
				 cli_autostop_keys[i].unit, &v);
		if (!ret)
			*(uint64_t *)((char *)o + cli_autostop_keys[i].field) =
				v * cli_autostop_keys[i].scale;
		return ret;
	}
	return cli_invalid(cmd, "-a condition", arg,
			   "duration:SECONDS, filesize:KB, packets:N or "
			   "files:N");
}

/* -v, -x, -X, -t again: one more, up to CLI_PRINT_MAX. */
static int cli_print_count(const char *cmd, char c, uint8_t *n)
{
	if (*n == CLI_PRINT_MAX)
		return cli_usage_error(cmd, "-%c given more than %d times", c,
				       CLI_PRINT_MAX);
	(*n)++;
	return 0;
}

int cli_output_option(const char *cmd, int opt, const char *arg,
		      struct cli_output *o)
{
	int ret;

	switch (opt) {
	case 'w':
		o->file = arg;
		if (!arg[0])
			return cli_invalid(cmd, "-w file", arg,
					   "a file name or -");
		return 0;
	case 'c':
		return cli_number(cmd, "-c packet count", arg, 1, UINT64_MAX,
				  "packets", &o->count);
	case 'F':
		o->format_set = true;
		if (!cli_parse_format(arg, &o->format))
			return cli_invalid(cmd, "-F format", arg,
					   "pcap or pcapng");
		return 0;
	case CLI_OPT_NANO:
		o->nano = true;
		return 0;
	case 'C':
		ret = cli_number(cmd, "-C file size", arg, 1, UINT64_MAX / MB,
				 "MB", &o->rotate_bytes);
		o->rotate_bytes *= MB;
		return ret;
	case 'G':
		return cli_number(cmd, "-G rotation time", arg, 1,
				  UINT64_MAX / 1000, "seconds",
				  &o->rotate_secs);
	case 'W':
		return cli_number32(cmd, "-W file count", arg, 1,
				    CLI_RING_FILES_MAX, "files",
				    &o->ring_files);
	case 'a':
		return cli_parse_autostop(cmd, arg, o);
	case 'Z':
		o->user = arg;
		if (!arg[0])
			return cli_invalid(cmd, "-Z user", arg, "a user name");
		return 0;
	case 'z':
		o->postrotate = arg;
		if (!arg[0])
			return cli_invalid(cmd, "-z command", arg,
					   "a command to run on each file");
		return 0;
	case CLI_OPT_IDLE:
		return cli_number(cmd, "--idle time", arg, 1,
				  UINT64_MAX / 1000, "seconds",
				  &o->idle_secs);
	case CLI_OPT_TSTAMP_PREC:
		if (strcmp(arg, "micro") && strcmp(arg, "nano"))
			return cli_invalid(cmd, "--time-stamp-precision", arg,
					   "micro or nano");
		o->nano = !strcmp(arg, "nano");
		return 0;
	case CLI_OPT_PRINT:
		o->print_too = true;
		return 0;
	case CLI_OPT_LISTEN: {
		struct sockaddr_storage ss;
		socklen_t len;

		o->listen = arg;
		if (kcap_stream_parse_addr(arg, &ss, &len))
			return cli_invalid(cmd, "--listen address", arg,
					   "[ADDR:]PORT, PORT 0 to 65535, ADDR an IPv4 address or an IPv6 one in brackets");
		return 0;
	}
	case CLI_OPT_KAFKA:
		o->kafka = arg;
		if (!arg[0])
			return cli_invalid(cmd, "--kafka brokers", arg,
					   "HOST:PORT[,HOST:PORT]...");
		return 0;
	case CLI_OPT_TOPIC:
		o->topic = arg;
		if (!arg[0])
			return cli_invalid(cmd, "--topic", arg, "a topic name");
		return 0;
	case CLI_OPT_KAFKA_CONF:
		return cli_kafka_conf(cmd, arg, o->kafka_conf,
				      &o->nr_kafka_conf);
	case CLI_OPT_PARTITION_BY:
		if (!strcmp(arg, "key"))
			o->partition_by = KCAP_KAFKA_BY_KEY;
		else if (!strcmp(arg, "flow"))
			o->partition_by = KCAP_KAFKA_BY_FLOW;
		else
			return cli_invalid(cmd, "--partition-by", arg,
					   "key or flow");
		return 0;
	case 'n':
	case 'l':
	case 'U':
	case CLI_OPT_IMMEDIATE:
		return 0;
	case 'e':
		o->print.e = 1;
		return 0;
	case 'A':
		o->print.A = 1;
		return 0;
	case 'q':
		o->print.q = 1;
		return 0;
	case 'v':
		return cli_print_count(cmd, 'v', &o->print.v);
	case 'x':
		return cli_print_count(cmd, 'x', &o->print.x);
	case 'X':
		return cli_print_count(cmd, 'X', &o->print.X);
	case 't':
		return cli_print_count(cmd, 't', &o->print.t);
	}
	return -1;
}

int cli_output_parse(const char *cmd, int argc, char **argv,
		     const struct option *longopts, struct cli_output *o,
		     char ***av)
{
	static const char optstr[] = ":" CLI_OUTPUT_OPTSTR;
	char prog[32];
	int opt, ret;

	cli_output_init(o);
	snprintf(prog, sizeof(prog), "kcap %s", cmd);
	ret = cli_getopt_argv(prog, argc, argv, av);
	while (!ret &&
	       (opt = cli_getopt(argc, *av, optstr, longopts)) != -1) {
		ret = cli_output_option(cmd, opt, optarg, o);
		if (ret < 0)
			ret = cli_getopt_error(cmd, *av, opt, optstr);
	}
	return ret;
}

int cli_kafka_conf(const char *cmd, const char *arg, const char **conf,
		   unsigned int *nr)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		return cli_invalid(cmd, "librdkafka setting", arg,
				   "KEY=VALUE, as kcat -X");
	if (*nr == CLI_KAFKA_CONF_MAX)
		return cli_usage_error(cmd, "more than %d librdkafka settings",
				       CLI_KAFKA_CONF_MAX);
	conf[(*nr)++] = arg;
	return 0;
}

int cli_output_check(const char *cmd, const struct cli_output *o)
{
	bool to_file = o->file && strcmp(o->file, "-");
	bool files = o->rotate_bytes || o->rotate_secs ||
		     o->file_per_connection;

	if (o->format_set && !o->file)
		return cli_usage_error(cmd, "-F needs -w FILE");
	if ((o->rotate_bytes || o->rotate_secs) && !to_file)
		return cli_usage_error(cmd, "-%c needs -w FILE (not -)",
				       o->rotate_bytes ? 'C' : 'G');
	if (o->ring_files && !files)
		return cli_usage_error(cmd, "-W needs -C or -G");
	if (o->stop_bytes && !o->file)
		return cli_usage_error(cmd, "-a filesize needs -w FILE");
	if (o->stop_files && !files)
		return cli_usage_error(cmd, "-a files needs -C or -G");
	if (o->postrotate && !files)
		return cli_usage_error(cmd, "-z needs -C or -G, as tcpdump's");
	if (o->kafka && !o->topic)
		return cli_usage_error(cmd, "--kafka needs --topic TOPIC");
	if (!o->kafka && (o->topic || o->nr_kafka_conf ||
			  o->partition_by != KCAP_KAFKA_BY_KEY))
		return cli_usage_error(cmd, "--topic, --kafka-conf and --partition-by need --kafka BROKERS");
	if (o->print_too && o->file && !to_file)
		return cli_usage_error(cmd, "--print with -w -: frames and lines "
					"would share standard output");
	return 0;
}

bool cli_status_line_wanted(const struct cli_output *o, bool stderr_tty,
			    const char *term)
{
	/*
	 * Frames on standard output (no -w, or -w -) may reach the same
	 * terminal through a pipe (kcap capture | cat, ... -w - | tcpdump
	 * -r -), where \r and escape codes would land inside their lines.
	 */
	if (o->print_too || (o->file ? !strcmp(o->file, "-") :
			     !o->listen && !o->kafka))
		return false;
	return stderr_tty && term && term[0] && strcmp(term, "dumb");
}

int cli_become_user(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		return cli_fail("-Z %s: %s", user,
				errno ? strerror(errno) : "no such user");
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
	    setuid(pw->pw_uid))
		return cli_fail("-Z %s: cannot become that user: %s (it takes root, or CAP_SETUID and CAP_SETGID)",
				user, strerror(errno));
	/* Never back: a uid that could be regained was not given up. */
	if (pw->pw_uid && !setuid(0))
		return cli_fail("-Z %s: root could be regained: not going on",
				user);
	return 0;
}

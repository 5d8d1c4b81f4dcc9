// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): parse the command line and dispatch to a command.
 *
 *	kcap [-h | --help | -D] COMMAND [ARGS...]
 *
 * A command is one entry of cli_cmds[]; adding one there adds it to the
 * dispatcher and to the usage text.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct cli_cmd {
	const char	*name;
	int		(*fn)(int argc, char **argv);
	const char	*help;		/* one line for the usage text */
	const char	*synopsis;	/* its arguments, lines after the first
					 * indented with a tab */
};

static int cmd_help(int argc, char **argv);

static const struct cli_cmd cli_cmds[] = {
	{ "capture",	cmd_capture,	"capture a device's frames to a file "
					"or the terminal",
	  "-i DEV [-i DEV]... [-Q in|out|inout] [-s SNAPLEN] [-c COUNT]\n"
	  "\t[-w FILE|-] [-F pcap|pcapng] [--nano] [-B KiB] [-p]\n"
	  "\t[-C MB] [-G SECONDS] [-W FILES] [-z CMD] [-Z USER]\n"
	  "\t[--idle SECONDS] [-a duration:S|filesize:KB|packets:N|files:N]...\n"
	  "\t[--hook netfilter|rx_handler|tap] [-e] [-q] [-v...] [-A|-x...|-X...]\n"
	  "\t[-t...] [--print] [--time-stamp-precision micro|nano]\n"
	  "\t[--listen [ADDR:]PORT] [--kafka BROKERS --topic TOPIC\n"
	  "\t[--kafka-conf KEY=VALUE]... [--partition-by key|flow]]\n"
	  "\t[EXPRESSION...]\n"
	  "-r FILE [-Q in|out|inout] [-c COUNT] [-w FILE|-] [-F pcap|pcapng]\n"
	  "\t[-Z USER] [-e] [-q] [-v...] [-A|-x...|-X...] [-t...] [--print]\n"
	  "\t[EXPRESSION...]" },
	{ "dump",	cmd_dump,	"read a session's frames to a file or "
					"the terminal",
	  "NAME... [-w FILE|-] [-c COUNT] [-F pcap|pcapng] [--nano]\n"
	  "\t[-C MB] [-G SECONDS] [-W FILES] [-z CMD] [-Z USER] [--idle SECONDS]\n"
	  "\t[-a duration:S|filesize:KB|packets:N|files:N]...\n"
	  "\t[-e] [-q] [-v...] [-A|-x...|-X...] [-t...] [--print]\n"
	  "\t[--time-stamp-precision micro|nano] [--listen [ADDR:]PORT]\n"
	  "\t[--kafka BROKERS --topic TOPIC [--kafka-conf KEY=VALUE]...\n"
	  "\t[--partition-by key|flow]]" },
	{ "consume",	cmd_consume,	"read frames from a Kafka topic to a "
					"file or the terminal",
	  "--kafka BROKERS --topic TOPIC [-c COUNT] [--group GROUP]\n"
	  "\t[--from beginning|end|stored] [-e|--follow] [-w FILE|-]\n"
	  "\t[-F pcap|pcapng] [--nano] [-X KEY=VALUE]... [[filter] EXPRESSION...]" },
	{ "receive",	cmd_receive,	"store a remote capture (a pcap stream "
					"over TCP) in files",
	  "[HOST:]PORT -w FILE [-F pcap|pcapng] [--nano] [-c COUNT]\n"
	  "\t[-C MB] [-G SECONDS] [-W FILES] [-z CMD] [-Z USER]\n"
	  "\t[--idle SECONDS] [-a duration:S|filesize:KB|packets:N|files:N]...\n"
	  "\t[--print]" },
	{ "add",	cmd_add,	"create a persistent session",
	  "NAME dev DEV [direction in|out|inout|off]\n"
	  "\t[snaplen N] [filter EXPR] [ring-size BYTES]\n"
	  "\t[hook netfilter|rx_handler|tap] [nopromisc]" },
	{ "set",	cmd_set,	"change a session's direction, snaplen "
					"or filter",
	  "NAME [direction in|out|inout|off] [snaplen N]\n"
	  "\t[filter EXPR|all]" },
	{ "show",	cmd_show,	"show sessions",
	  "[NAME] [filter|snaplen|stats] [--json]" },
	{ "del",	cmd_del,	"delete a session",
	  "NAME" },
	{ "list-devices", cmd_list_devices, "list the devices to capture on",
	  "[--json]" },
	{ "version",	cmd_version,	"print the userland and module versions",
	  NULL },
	{ "help",	cmd_help,	"print this help, or a command's",
	  "[COMMAND]" },
};

/*
 * "kcap NAME SYNOPSIS", its lines aligned after "kcap NAME "; a line that
 * does not start with a tab is another form: "kcap NAME " again.
 */
static void synopsis(FILE *f, const struct cli_cmd *cmd)
{
	const char *p;

	fprintf(f, "kcap %s", cmd->name);
	if (cmd->synopsis)
		fputc(' ', f);
	for (p = cmd->synopsis; p && *p; p++) {
		if (*p == '\t')
			fprintf(f, "%*s", (int)strlen(cmd->name) + 6, "");
		else
			fputc(*p, f);
		if (*p == '\n' && p[1] != '\t')
			fprintf(f, "kcap %s ", cmd->name);
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: kcap [-h | --help | -D] COMMAND [ARGS...]\n\n");
	fprintf(f, "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(cli_cmds); i++)
		fprintf(f, "    %-14s%s\n", cli_cmds[i].name, cli_cmds[i].help);
	fprintf(f, "\n");
	for (i = 0; i < ARRAY_SIZE(cli_cmds); i++) {
		if (cli_cmds[i].synopsis)
			synopsis(f, &cli_cmds[i]);
	}
	fprintf(f, "\n-D is list-devices.  'kcap help COMMAND' or 'kcap COMMAND "
		   "--help' prints one command's usage.\n"
		   "Exit status: 0 on success, 1 on failure, "
		   "2 on a command-line error.  See kcap(8).\n");
}

/* One command's usage, for 'kcap help CMD' and 'kcap CMD --help'. */
static void cmd_usage(FILE *f, const struct cli_cmd *cmd)
{
	fprintf(f, "Usage: ");
	synopsis(f, cmd);
	fprintf(f, "\n%c%s.\nSee kcap(8), section %s.\n",
		cmd->help[0] - 'a' + 'A', cmd->help + 1, cmd->name);
}

static const struct cli_cmd *cli_find_cmd(const char *name);

static int cmd_help(int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc > 1) {
		fprintf(stderr, "kcap: help: one COMMAND at most: see 'kcap help'\n");
		return KCAP_EXIT_USAGE;
	}
	if (!argc) {
		usage(stdout);
		return KCAP_EXIT_OK;
	}
	cmd = cli_find_cmd(argv[0]);
	if (!cmd) {
		fprintf(stderr, "kcap: help: unknown command '%s': see 'kcap help'\n",
			argv[0]);
		return KCAP_EXIT_USAGE;
	}
	cmd_usage(stdout, cmd);
	return KCAP_EXIT_OK;
}

static bool cli_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/*
 * -h or --help as a command's first argument, or as its last after a word
 * that is not an option ('kcap capture -i eth0 -h'): not where it is an
 * option's value ('-w -h' writes a file named -h).
 */
static bool cli_wants_help(int argc, char **argv)
{
	if (argc && cli_is_help(argv[0]))
		return true;
	return argc > 1 && cli_is_help(argv[argc - 1]) &&
	       argv[argc - 2][0] != '-';
}

/* Refuse arguments to a command that takes none. */
int cli_no_args(const char *cmd, int argc)
{
	if (argc == 0)
		return 0;
	fprintf(stderr, "kcap: '%s' takes no arguments: see 'kcap help'\n",
		cmd);
	return -EINVAL;
}

static const struct cli_cmd *cli_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cli_cmds); i++) {
		if (!strcmp(cli_cmds[i].name, name))
			return &cli_cmds[i];
	}
	return NULL;
}

/*
 * Output that could not be written is a failure, e.g. 'kcap help >/dev/full';
 * stdout is flushed here, before exit(), where the error can still be told.
 */
static int cli_flush_stdout(int ret)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return ret;
	fprintf(stderr, "kcap: error writing output: %s\n", strerror(errno));
	clearerr(stdout);
	return ret == KCAP_EXIT_OK ? KCAP_EXIT_FAIL : ret;
}

int kcap_main(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	const char *name;

	if (argc < 2) {
		usage(stderr);
		return KCAP_EXIT_USAGE;
	}

	name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
		name = "help";
	} else if (!strcmp(name, "-D")) {	/* tcpdump -D */
		name = "list-devices";
	} else if (name[0] == '-') {
		fprintf(stderr, "kcap: unknown option '%s': see 'kcap help'\n",
			name);
		return KCAP_EXIT_USAGE;
	}

	cmd = cli_find_cmd(name);
	if (!cmd) {
		fprintf(stderr, "kcap: unknown command '%s': see 'kcap help'\n",
			name);
		return KCAP_EXIT_USAGE;
	}

	if (cmd->fn != cmd_help && cli_wants_help(argc - 2, argv + 2)) {
		cmd_usage(stdout, cmd);
		return cli_flush_stdout(KCAP_EXIT_OK);
	}
	return cli_flush_stdout(cmd->fn(argc - 2, argv + 2));
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcap(8): what the command dispatcher and the commands share.
 */
#ifndef _KCAP_CLI_H
#define _KCAP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <sys/types.h>
#include <time.h>

#include "kcap.h"

/* Exit statuses, documented in kcap.8. */
#define KCAP_EXIT_OK		0	/* the command did what was asked */
#define KCAP_EXIT_FAIL		1	/* it could not */
#define KCAP_EXIT_USAGE		2	/* the command line was wrong */

/**
 * kcap_main() - run one kcap command line.
 * @argc: argument count, as given to main().
 * @argv: arguments, as given to main(); argv[0] is the program name.
 *
 * Writes the command's output to stdout and errors to stderr.
 *
 * Return: the exit status, one of KCAP_EXIT_*.
 */
int kcap_main(int argc, char **argv);

/*
 * A command gets the arguments that follow its name: argv[0] is the
 * first of them, not the command name.  It returns a KCAP_EXIT_* status.
 */
int cmd_version(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_del(int argc, char **argv);
int cmd_list_devices(int argc, char **argv);
int cmd_consume(int argc, char **argv);
int cmd_receive(int argc, char **argv);

int cli_no_args(const char *cmd, int argc);

/* util.c: parsing words and numbers, reporting errors. */

/* A usage error of @cmd: one line on stderr; returns KCAP_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A value @cmd cannot take, in one shape for all of them, after tcpdump's
 * "invalid snaplen %s (must be >= 0 and <= %d)": "kcap: CMD: invalid WHAT
 * 'ARG' (must be MUST): see 'kcap help'".  Returns KCAP_EXIT_USAGE.
 */
int cli_invalid(const char *cmd, const char *what, const char *arg,
		const char *must);

/*
 * The one number parser (tcpdump's parse_int()): @arg as a decimal
 * number from @min to @max into *@v, or cli_invalid() saying "must be MIN
 * to MAX UNIT" ("MIN or more UNIT" when @max is 2^40 or more).  Returns 0 or
 * KCAP_EXIT_USAGE.
 */
int cli_number(const char *cmd, const char *what, const char *arg,
	       uint64_t min, uint64_t max, const char *unit, uint64_t *v);
int cli_number32(const char *cmd, const char *what, const char *arg,
		 uint32_t min, uint32_t max, const char *unit, uint32_t *v);

/* A failure: "kcap: " and the line on stderr; returns KCAP_EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A failed libkcap call, as @e explains it: "kcap: CONTEXT: MESSAGE", or
 * "kcap: MESSAGE" without @fmt; a filter libpcap refused is "kcap: bad
 * filter: MESSAGE" and a command-line error.  Returns KCAP_EXIT_USAGE for
 * a bad filter, else KCAP_EXIT_FAIL.
 */
int cli_error(const struct kcap_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A failed request about session @name: "kcap: no session named 'NAME'"
 * for -ENOENT, else cli_error() with "VERB session 'NAME'".
 */
int cli_session_error(const struct kcap_ctl *ctl, const char *name,
		      const char *verb);

/*
 * getopt_long() over a command's arguments: in *@av a copy of @argv with
 * @cmd as its argv[0] and a NULL at the end (free() it), getopt reset and
 * quiet.  Returns 0, or KCAP_EXIT_FAIL after "kcap: out of memory" with
 * *@av NULL.
 */
int cli_getopt_argv(const char *cmd, int argc, char **argv, char ***av);

struct option;

/*
 * getopt_long() over @av from cli_getopt_argv(), @argc the command's own
 * count (without the name): the next option, or -1 after the last.
 */
int cli_getopt(int argc, char **av, const char *optstr,
	       const struct option *longopts);

/* getopt's complaint (@opt '?' or ':') about av[optind - 1], as a line. */
int cli_getopt_error(const char *cmd, char **av, int opt, const char *optstr);

/* @argc words joined by spaces, as tcpdump joins an expression; malloc'd. */
char *cli_join(int argc, char **argv);

/* Open a control handle or say why not; 0 or KCAP_EXIT_FAIL. */
int cli_open_ctl(struct kcap_ctl **ctl);

/*
 * cli_open_ctl() once the command line is good: @parsed is what checking
 * it returned, and is returned without a handle if not 0.
 */
int cli_open_ctl_after(int parsed, struct kcap_ctl **ctl);

/* A session name, 1..31 bytes of [A-Za-z0-9_.-]; 0 or KCAP_EXIT_USAGE. */
int cli_session_name(const char *cmd, const char *name);

/*
 * --json (or -j) as the only option of a command that takes @words words
 * at most (show: NAME and a field; list-devices: none), each put in
 * @word[]; 0 or KCAP_EXIT_USAGE after a line.
 */
int cli_json_args(const char *cmd, int argc, char **argv, bool *json,
		  const char **word, int words);

/*
 * Directions, one vocabulary: in, out, inout, off (tcpdump -Q's words);
 * ingress, egress, bidirectional and both are accepted as input too.
 */
bool cli_parse_direction(const char *s, uint8_t *dir);
const char *cli_direction_word(uint8_t dir);
/* "netfilter", "rx_handler" */
bool cli_parse_hook(const char *s, uint8_t *hook);
/*
 * @arg as a hook into *@hook, or cli_invalid() saying "must be netfilter,
 * rx_handler or tap"; 0 or KCAP_EXIT_USAGE.
 */
int cli_hook_arg(const char *cmd, const char *what, const char *arg,
		 uint8_t *hook);
const char *cli_hook_word(uint8_t hook);
const char *cli_state_word(uint8_t state);
/* "pcap", "pcapng" */
bool cli_parse_format(const char *s, enum kcap_file_format *fmt);
/* "EN10MB (Ethernet)", libpcap's name and description, or the number. */
const char *cli_linktype(uint32_t linktype);

/* read_loop.c: reading a session's rings to a file or the terminal. */

#define CLI_PRINT_MAX		5	/* -ttttt: each print flag counted to */

/*
 * tcpdump's print flags, each counted: with any of them frames are printed
 * by tcpdump (printer.c).
 */
struct cli_print {
	uint8_t		e, v, x, X, A, q, t;
};

#define CLI_KAFKA_CONF_MAX	64	/* --kafka-conf, -X KEY=VALUE */

/*
 * Where frames go, and when to stop: -w, -F, --nano, -c, -C, -G, -W, -a;
 * --listen: to the clients of a pcap stream over TCP too (or only);
 * --kafka: into a Kafka topic too (or only).
 */
struct cli_output {
	const char		*file;	/* NULL: one line per frame on stdout */
	enum kcap_file_format	format;
	bool			format_set;
	bool			nano;
	uint64_t		count;	/* -c; 0: no limit */
	/*
	 * The file's snaplen; 0: the session's.  A persistent session's
	 * snaplen can grow while it is dumped, so dump uses the largest.
	 */
	uint32_t		snaplen;
	uint64_t		rotate_bytes;	/* -C MB, in bytes; 0: none */
	uint64_t		rotate_secs;	/* -G; 0: none */
	uint32_t		ring_files;	/* -W; 0: no ring */
	uint64_t		stop_secs;	/* -a duration: */
	uint64_t		stop_bytes;	/* -a filesize:, in bytes */
	uint64_t		stop_packets;	/* -a packets: */
	uint64_t		stop_files;	/* -a files: */
	uint64_t		idle_secs;	/* --idle */
	struct cli_print	print;		/* -e, -v, -x, -X, -A, -q, -t */
	bool			print_too;	/* --print: lines with -w too */
	const char		*postrotate;	/* -z: CMD FILE per file done */
	const char		*user;		/* -Z: become USER to write */
	const char		*listen;	/* --listen [ADDR:]PORT */
	const char		*kafka;		/* --kafka BROKERS */
	const char		*topic;		/* --topic TOPIC */
	const char		*kafka_conf[CLI_KAFKA_CONF_MAX];	/* --kafka-conf */
	unsigned int		nr_kafka_conf;
	enum kcap_kafka_partition partition_by;	/* --partition-by */
	/*
	 * Set by receive before cli_output_check(): a file per connection,
	 * so -W, -z and -a files have files to work on without -C or -G.
	 */
	bool			file_per_connection;
};

/* output.c: the output options of capture and dump. */

#define CLI_OPT_NANO		0x100	/* --nano */
#define CLI_OPT_IDLE		0x101	/* --idle */
#define CLI_OPT_PRINT		0x102	/* --print */
#define CLI_OPT_IMMEDIATE	0x103	/* --immediate-mode */
#define CLI_OPT_TSTAMP_PREC	0x104	/* --time-stamp-precision */
#define CLI_OPT_LISTEN		0x105	/* --listen */
#define CLI_OPT_KAFKA		0x106	/* --kafka */
#define CLI_OPT_TOPIC		0x107	/* --topic */
#define CLI_OPT_KAFKA_CONF	0x108	/* --kafka-conf */
#define CLI_OPT_PARTITION_BY	0x109	/* --partition-by */
#define CLI_RING_FILES_MAX	1000000
#define CLI_PATH_MAX		4096

/*
 * The output options' getopt letters and long options; tcpdump's -n, -l
 * and -U and --immediate-mode are taken and change nothing: kcap never
 * resolves names, and writes out whenever the rings are idle.
 */
#define CLI_OUTPUT_OPTSTR	"w:c:F:C:G:W:a:z:Z:nlUevxXAqt"
#define CLI_OUTPUT_LONGOPTS						\
	{ "nano", no_argument, NULL, CLI_OPT_NANO },			\
	{ "idle", required_argument, NULL, CLI_OPT_IDLE },		\
	{ "print", no_argument, NULL, CLI_OPT_PRINT },			\
	{ "immediate-mode", no_argument, NULL, CLI_OPT_IMMEDIATE },	\
	{ "time-stamp-precision", required_argument, NULL,		\
	  CLI_OPT_TSTAMP_PREC },						\
	{ "listen", required_argument, NULL, CLI_OPT_LISTEN },		\
	{ "kafka", required_argument, NULL, CLI_OPT_KAFKA },		\
	{ "topic", required_argument, NULL, CLI_OPT_TOPIC },		\
	{ "kafka-conf", required_argument, NULL, CLI_OPT_KAFKA_CONF },	\
	{ "partition-by", required_argument, NULL, CLI_OPT_PARTITION_BY }

void cli_output_init(struct cli_output *o);

/*
 * Option @opt of getopt with argument @arg: -1 if it is not an output
 * option, 0 if taken, KCAP_EXIT_USAGE after a line on stderr.
 */
int cli_output_option(const char *cmd, int opt, const char *arg,
		      struct cli_output *o);

/*
 * The command line of a command that takes output options only (dump,
 * receive): @o initialized and filled, @av as cli_getopt_argv() makes it
 * and optind at the first operand.  0, or KCAP_EXIT_USAGE after a line.
 */
int cli_output_parse(const char *cmd, int argc, char **argv,
		     const struct option *longopts, struct cli_output *o,
		     char ***av);

/*
 * --kafka-conf KEY=VALUE (consume: -X too): one more librdkafka setting
 * into @conf; 0 or KCAP_EXIT_USAGE after a line.
 */
int cli_kafka_conf(const char *cmd, const char *arg, const char **conf,
		   unsigned int *nr);

/* The checks across output options: 0 or KCAP_EXIT_USAGE after a line. */
int cli_output_check(const char *cmd, const struct cli_output *o);

/*
 * Whether to show the live status line: only when frames go to a file
 * (-w FILE, not -) or only to --listen's clients or --kafka, standard error is a terminal (@stderr_tty) and
 * $TERM (@term) is set and not "dumb": it is redrawn with "\r\e[K".
 */
bool cli_status_line_wanted(const struct cli_output *o, bool stderr_tty,
			    const char *term);

/*
 * Open @out (an output that cannot be written, a port that cannot be
 * listened on, is one line and exit 1, before "listening on", as tcpdump
 * does), say "kcap: listening on ...",
 * then read the sessions of @cap to @out until the count, a signal
 * (SIGINT, SIGTERM, SIGHUP) or a session's hangup, and print the summary
 * on stderr.  Returns a KCAP_EXIT_* status.
 */
int cli_read_loop(struct kcap_capture *cap, const struct cli_output *out);

/*
 * -z: "CMD FILE" for each file done, as tcpdump runs it, in a process group
 * of its own; the commands running, CLI_POST_MAX at most (then the oldest
 * is waited for).
 */
#define CLI_POST_MAX		64
struct cli_post {
	const char	*cmd;
	pid_t		pid[CLI_POST_MAX];
	unsigned int	nr;
};

void cli_post_file(struct cli_post *p, const char *path);
/* Reap the commands that ended (a line for a failure); @all: wait for all. */
void cli_post_reap(struct cli_post *p, bool all);

/* The output options as libkcap's recording takes them. */
void cli_record_config(const struct cli_output *o,
		       struct kcap_record_config *c);

/*
 * Install (or, without @install, take back) the handlers of a loop: stop
 * on SIGINT, SIGTERM and SIGHUP (cli_stop_signal is the signal), a summary
 * on SIGUSR1 (cli_usr1 set), SIGPIPE ignored; no SA_RESTART, so that a
 * wait returns at once.
 */
void cli_signals(bool install);
extern volatile sig_atomic_t cli_stop_signal;
extern volatile sig_atomic_t cli_usr1;

/* printer.c: frames printed by tcpdump for the print flags. */

struct cli_printer;

/* Whether @o has a print flag: frames printed go through tcpdump. */
bool cli_print_flags(const struct cli_output *o);

/*
 * Start "tcpdump -r - -l -nn" with @o's print flags, for frames of at most
 * @snaplen bytes, in Linux cooked capture v2 with their device and
 * direction (@cooked), or as they are, of @linktype: 0, or KCAP_EXIT_FAIL
 * after a line (no tcpdump installed).
 */
int cli_printer_open(struct cli_printer **p, const struct cli_output *o,
		     uint32_t snaplen, bool cooked, uint32_t linktype);
/* A frame to tcpdump, in Linux cooked capture v2: 0 or a negative errno. */
int cli_printer_frame(struct cli_printer *p, const struct kcap_packet *pkt,
		      uint32_t linktype);
/* Hand tcpdump what is buffered: 0 or a negative errno. */
int cli_printer_flush(struct cli_printer *p);
/*
 * End of frames: tcpdump prints the rest and exits; its stderr is passed
 * on.  0, or -ECHILD if it failed.  NULL is nothing.
 */
int cli_printer_close(struct cli_printer *p);

/*
 * -Z USER: become USER (its groups, group and user id; capabilities go
 * with root's uid) once what needs privileges is done: 0, or
 * KCAP_EXIT_FAIL after a line.
 */
int cli_become_user(const char *user);

/* util.c: a JSON string, quoted and escaped. */
void cli_json_string(FILE *f, const char *s);

/* Command-line parsing of the commands, apart from running them. */

/*
 * capture: the sessions to create on the devices of -i (their names are
 * chosen when it runs) and where their frames go; cfg.filter is the
 * expression.
 */
struct capture_opts {
	struct kcap_session_config	cfg;
	const char			*devs[KCAP_CAPTURE_MAX];	/* -i */
	unsigned int			nr_devs;
	struct cli_output		out;
	char				*filter;	/* malloc'd: cfg.filter */
	bool				list_devices;	/* -D */
	const char			*read_file;	/* -r */
};

/* 0, or KCAP_EXIT_USAGE after a line on stderr.  Free o->filter. */
int capture_parse(int argc, char **argv, struct capture_opts *o);

/* read_file.c: capture -r FILE, read back; a KCAP_EXIT_* status. */
int cli_read_file(const struct capture_opts *o);

struct dump_opts {
	const char		*names[KCAP_CAPTURE_MAX];
	unsigned int		nr_names;
	struct cli_output	out;
};

int dump_parse(int argc, char **argv, struct dump_opts *o);

/* receive: the server and where its frames go. */
struct receive_opts {
	const char		*addr;	/* [HOST:]PORT */
	struct cli_output	out;
};

int receive_parse(int argc, char **argv, struct receive_opts *o);

/*
 * add and set: NAME, then KEY VALUE words, straight into the config of
 * the request (cfg->set says which keys were given; add sets
 * KCAP_CFG_FLAGS with KCAP_SESSION_F_PERSISTENT).
 */
int add_parse(int argc, char **argv, struct kcap_session_config *cfg);
int set_parse(int argc, char **argv, struct kcap_session_config *cfg);

enum show_field {
	SHOW_ALL,
	SHOW_FILTER,
	SHOW_SNAPLEN,
	SHOW_STATS,
};

struct show_opts {
	const char	*name;		/* NULL: every session */
	enum show_field	field;
	bool		json;
};

int show_parse(int argc, char **argv, struct show_opts *o);

/* The text and JSON forms of a session, for show. */
void show_print_text(FILE *f, const struct kcap_session_info *s);
void show_print_json(FILE *f, const struct kcap_session_info *s);

#endif /* _KCAP_CLI_H */

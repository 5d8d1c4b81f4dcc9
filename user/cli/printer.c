// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): frames printed by tcpdump, for the print flags (-e, -v, -x, -X,
 * -A, -q, -t...).  tcpdump's printers are the standard an operator reads;
 * kcap does not grow a dissector collection of its own.  Each frame goes
 * to "tcpdump -r - -l -nn FLAGS" as Linux cooked capture v2 (libkcap's
 * kcap_packet_cooked()), the link type of tcpdump's own "-i any": tcpdump
 * then prints the device and the direction of every frame itself.
 *
 * tcpdump writes on kcap's standard output; its standard error comes back
 * through a pipe, so that its "reading from file -" line, which would
 * contradict kcap's "listening on", is dropped and the rest said at the
 * end.  It runs in a process group of its own: a terminal's ^C stops kcap,
 * which then closes the pipe, and tcpdump prints what it has before it
 * exits.
 */

#define _GNU_SOURCE	/* pipe2(), environ */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "cli.h"

#define PRINTER_ARGS	16

struct cli_printer {
	pid_t		pid;
	int		err_fd;		/* tcpdump's stderr, read at the end */
	FILE		*fp;		/* the pipe to tcpdump's stdin */
	pcap_t		*dead;
	pcap_dumper_t	*dumper;
	bool		cooked;		/* LINUX_SLL2, else as they come */
	uint8_t		*buf;		/* a cooked frame */
	size_t		buf_size;
};

bool cli_print_flags(const struct cli_output *o)
{
	const struct cli_print *p = &o->print;

	return p->e || p->v || p->x || p->X || p->A || p->q || p->t;
}

/* "-" and @n times @c, e.g. "-vv", into @buf. */
static char *printer_flag(char *buf, char c, unsigned int n)
{
	unsigned int i;

	buf[0] = '-';
	for (i = 0; i < n; i++)
		buf[i + 1] = c;
	buf[n + 1] = '\0';
	return buf;
}

/* tcpdump's argument vector for @o's print flags, in @flags' storage. */
static void printer_argv(const struct cli_output *o,
			 char flags[][CLI_PRINT_MAX + 2], char **argv)
{
	const struct cli_print *p = &o->print;
	int n = 0, f = 0;

	argv[n++] = "tcpdump";
	argv[n++] = "-r";
	argv[n++] = "-";
	argv[n++] = "-l";
	argv[n++] = "-nn";
	if (o->nano)
		argv[n++] = "--time-stamp-precision=nano";
	if (p->e)
		argv[n++] = "-e";
	if (p->q)
		argv[n++] = "-q";
	if (p->A)
		argv[n++] = "-A";
	if (p->v)
		argv[n++] = printer_flag(flags[f++], 'v', p->v);
	if (p->x)
		argv[n++] = printer_flag(flags[f++], 'x', p->x);
	if (p->X)
		argv[n++] = printer_flag(flags[f++], 'X', p->X);
	if (p->t)
		argv[n++] = printer_flag(flags[f++], 't', p->t);
	argv[n] = NULL;
}

/* Start tcpdump reading pipe @in, its stderr to pipe @err. */
static int printer_spawn(struct cli_printer *p, const struct cli_output *o,
			 const int in[2], const int err[2])
{
	char flags[4][CLI_PRINT_MAX + 2], *argv[PRINTER_ARGS];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def;
	int ret;

	printer_argv(o, flags, argv);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF |
					POSIX_SPAWN_SETPGROUP);
	fflush(stdout);
	ret = posix_spawnp(&p->pid, "tcpdump", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return ret;
}

int cli_printer_open(struct cli_printer **pp, const struct cli_output *o,
		     uint32_t snaplen, uint32_t linktype)
{
	int in[2] = { -1, -1 }, err[2] = { -1, -1 }, ret;
	struct cli_printer *p;

	*pp = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return cli_fail("out of memory");
	p->pid = -1;
	p->err_fd = -1;
	p->buf_size = KCAP_SLL2_HDR_LEN + (size_t)snaplen;
	p->buf = malloc(p->buf_size);
	if (!p->buf || pipe2(in, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		ret = cli_fail("cannot start tcpdump to print frames: %s",
			       strerror(p->buf ? errno : ENOMEM));
		goto fail;
	}
	ret = printer_spawn(p, o, in, err);
	if (ret) {
		ret = ret == ENOENT ?
		      cli_fail("printing with -e, -v, -x, -X, -A, -q or -t needs tcpdump(8): install it (apt install tcpdump)") :
		      cli_fail("cannot start tcpdump to print frames: %s",
			       strerror(ret));
		goto fail;
	}
	close(in[0]);
	close(err[1]);
	in[0] = err[1] = -1;
	p->err_fd = err[0];
	p->fp = fdopen(in[1], "w");
	if (p->fp)
		in[1] = -1;		/* p->fp's now */
	p->cooked = !linktype;
	p->dead = pcap_open_dead_with_tstamp_precision(p->cooked ?
			DLT_LINUX_SLL2 : kcap_linktype_to_dlt(linktype),
			(int)p->buf_size, o->nano ? PCAP_TSTAMP_PRECISION_NANO :
					 PCAP_TSTAMP_PRECISION_MICRO);
	if (!p->fp || !p->dead) {
		ret = cli_fail("cannot start tcpdump to print frames: %s",
			       strerror(ENOMEM));
		goto fail;
	}
	p->dumper = pcap_dump_fopen(p->dead, p->fp);
	if (!p->dumper) {
		ret = cli_fail("cannot start tcpdump to print frames: %s",
			       pcap_geterr(p->dead));
		goto fail;
	}
	*pp = p;
	return 0;
fail:
	if (in[1] >= 0)
		close(in[1]);
	if (in[0] >= 0)
		close(in[0]);
	if (err[1] >= 0)
		close(err[1]);
	if (err[0] >= 0 && err[0] != p->err_fd)
		close(err[0]);
	cli_printer_close(p);
	return ret;
}

int cli_printer_frame(struct cli_printer *p, const struct kcap_packet *pkt,
		      uint32_t linktype)
{
	const struct kcap_frame *f = &pkt->frame;
	struct pcap_pkthdr h;
	uint32_t caplen;
	int skip;

	h.ts.tv_sec = (time_t)(f->tstamp_ns / 1000000000);
	/* In nanoseconds on a dead handle of nanosecond precision. */
	h.ts.tv_usec = (suseconds_t)(pcap_get_tstamp_precision(p->dead) ==
				     PCAP_TSTAMP_PRECISION_NANO ?
				     f->tstamp_ns % 1000000000 :
				     f->tstamp_ns % 1000000000 / 1000);
	if (!p->cooked) {
		h.caplen = f->caplen;
		h.len = f->len;
		pcap_dump((u_char *)p->dumper, &h, f->data);
		return ferror(p->fp) ? -(errno ? errno : EIO) : 0;
	}
	skip = kcap_packet_cooked(pkt, linktype, p->buf);
	if (skip < 0)
		return skip;
	caplen = f->caplen - (uint32_t)skip;
	if (KCAP_SLL2_HDR_LEN + (size_t)caplen > p->buf_size)
		caplen = (uint32_t)(p->buf_size - KCAP_SLL2_HDR_LEN);
	memcpy(p->buf + KCAP_SLL2_HDR_LEN, f->data + skip, caplen);
	h.caplen = KCAP_SLL2_HDR_LEN + caplen;
	h.len = KCAP_SLL2_HDR_LEN + f->len - (uint32_t)skip;
	pcap_dump((u_char *)p->dumper, &h, p->buf);
	return ferror(p->fp) ? -(errno ? errno : EIO) : 0;
}

int cli_printer_flush(struct cli_printer *p)
{
	if (pcap_dump_flush(p->dumper))
		return -(errno ? errno : EIO);
	return 0;
}

/*
 * What tcpdump said on stderr, but its "reading from file -" line and its
 * warning that a file's interface indexes may be another host's: kcap and
 * tcpdump run in the namespace of the devices.
 */
static bool printer_noise(const char *line, bool gone)
{
	static const char *const noise[] = {
		"reading from file -,",
		"Warning: interface names might be incorrect\n",
	};
	static const char broken[] = "tcpdump: Unable to write output: ";
	size_t i;

	for (i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
		if (!strncmp(line, noise[i], strlen(noise[i])))
			return true;
	return gone && !strncmp(line, broken, sizeof(broken) - 1);
}

/*
 * Whether the reader of our (and tcpdump's) standard output went away: a
 * pipe whose read end is closed polls POLLERR.  That is no failure, as
 * without tcpdump (cli_report_end()).
 */
static bool printer_reader_gone(void)
{
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

/* @gone: the reader went away, and tcpdump's complaint about it goes too. */
static void printer_stderr(int fd, bool gone)
{
	char buf[4096], *line, *nl;
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	for (line = buf; *line; line = nl) {
		nl = strchr(line, '\n');
		nl = nl ? nl + 1 : line + strlen(line);
		if (!printer_noise(line, gone))
			fwrite(line, 1, (size_t)(nl - line), stderr);
	}
}

int cli_printer_close(struct cli_printer *p)
{
	int status = 0, ret = 0;
	bool gone;

	if (!p)
		return 0;
	if (p->dumper)
		pcap_dump_close(p->dumper);	/* closes p->fp */
	else if (p->fp)
		fclose(p->fp);
	if (p->dead)
		pcap_close(p->dead);
	if (p->pid > 0) {
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
		gone = printer_reader_gone();
		printer_stderr(p->err_fd, gone);
		if (!gone && (!WIFEXITED(status) || WEXITSTATUS(status)))
			ret = -ECHILD;
	}
	if (p->err_fd >= 0)
		close(p->err_fd);
	free(p->buf);
	free(p);
	return ret;
}

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
 * through a pipe, read as frames go, so that its "reading from file -"
 * line, which would contradict kcap's "listening on", is dropped and the
 * rest passed on.  It runs in a process group of its own: a terminal's ^C stops kcap,
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
#define PRINTER_ERR_MAX	4096	/* a line of tcpdump's stderr, at most */
/* libpcap's largest snaplen (MAXIMUM_SNAPLEN): a record it reads back. */
#define PRINTER_SNAPLEN_MAX	262144

struct cli_printer {
	pid_t		pid;
	int		in_fd;		/* tcpdump's stdin, non-blocking */
	int		err_fd;		/* tcpdump's stderr, non-blocking */
	char		err[PRINTER_ERR_MAX];	/* its last line, unfinished */
	size_t		err_len;
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

static void printer_drain(struct cli_printer *p, bool end);

/*
 * The stream pcap_dump() writes to tcpdump's stdin: a pipe kcap never
 * blocks on while tcpdump may be blocked writing its stderr, which is
 * read meanwhile.
 */
static ssize_t printer_write(void *cookie, const char *buf, size_t size)
{
	struct cli_printer *p = cookie;
	struct pollfd pfd[2];
	size_t done = 0;
	ssize_t n;

	while (done < size) {
		n = write(p->in_fd, buf + done, size - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return done ? (ssize_t)done : -1;
		pfd[0] = (struct pollfd){ .fd = p->in_fd, .events = POLLOUT };
		pfd[1] = (struct pollfd){ .fd = p->err_fd, .events = POLLIN };
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return done ? (ssize_t)done : -1;
		if (pfd[1].revents)
			printer_drain(p, false);
	}
	return (ssize_t)done;
}

static int printer_close_in(void *cookie)
{
	struct cli_printer *p = cookie;

	return close(p->in_fd);
}

static const cookie_io_functions_t printer_io = {
	.write = printer_write,
	.close = printer_close_in,
};

int cli_printer_open(struct cli_printer **pp, const struct cli_output *o,
		     uint32_t snaplen, bool cooked, uint32_t linktype)
{
	int in[2] = { -1, -1 }, err[2] = { -1, -1 }, ret;
	struct cli_printer *p;

	*pp = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return cli_fail("out of memory");
	p->pid = -1;
	p->err_fd = -1;
	/* tcpdump refuses a record over libpcap's largest snaplen. */
	p->buf_size = KCAP_SLL2_HDR_LEN + (size_t)snaplen;
	if (p->buf_size > PRINTER_SNAPLEN_MAX)
		p->buf_size = PRINTER_SNAPLEN_MAX;
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
	fcntl(p->err_fd, F_SETFL, fcntl(p->err_fd, F_GETFL) | O_NONBLOCK);
	p->in_fd = in[1];
	fcntl(p->in_fd, F_SETFL, fcntl(p->in_fd, F_GETFL) | O_NONBLOCK);
	p->fp = fopencookie(p, "w", printer_io);
	if (p->fp)
		in[1] = -1;		/* p->fp's now */
	p->cooked = cooked;
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
		if (h.caplen > p->buf_size)
			h.caplen = (uint32_t)p->buf_size;
		h.len = f->len < PRINTER_SNAPLEN_MAX ? f->len :
			PRINTER_SNAPLEN_MAX;
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
	/* tcpdump refuses a length over it too ("Invalid header"). */
	if (h.len > PRINTER_SNAPLEN_MAX)
		h.len = PRINTER_SNAPLEN_MAX;
	pcap_dump((u_char *)p->dumper, &h, p->buf);
	return ferror(p->fp) ? -(errno ? errno : EIO) : 0;
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

/* Pass on @len bytes of tcpdump's stderr from @line, unless noise. */
static void printer_line(const char *line, size_t len, bool gone)
{
	char copy[PRINTER_ERR_MAX + 1];

	memcpy(copy, line, len);
	copy[len] = '\0';
	if (!printer_noise(copy, gone))
		fwrite(copy, 1, len, stderr);
}

/*
 * Read what tcpdump wrote on stderr and pass its whole lines on: as frames
 * go, without waiting (@end false), so that tcpdump never blocks on a full
 * pipe while kcap blocks on tcpdump's stdin; at the end, up to its EOF,
 * with what is left of a last line.
 */
static void printer_drain(struct cli_printer *p, bool end)
{
	bool gone = printer_reader_gone();
	char *nl;
	size_t n;
	ssize_t r;

	for (;;) {
		r = read(p->err_fd, p->err + p->err_len,
			 PRINTER_ERR_MAX - p->err_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0)
			p->err_len += (size_t)r;
		while ((nl = memchr(p->err, '\n', p->err_len)) ||
		       p->err_len == PRINTER_ERR_MAX || (r <= 0 && end &&
							 p->err_len)) {
			n = nl ? (size_t)(nl - p->err) + 1 : p->err_len;
			printer_line(p->err, n, gone);
			memmove(p->err, p->err + n, p->err_len - n);
			p->err_len -= n;
		}
		if (r <= 0)
			return;		/* EAGAIN, EOF or an error */
	}
}

int cli_printer_flush(struct cli_printer *p)
{
	printer_drain(p, false);
	if (pcap_dump_flush(p->dumper))
		return -(errno ? errno : EIO);
	return 0;
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
		/* Its stderr to the end first: it may block on it. */
		if (p->err_fd >= 0) {
			fcntl(p->err_fd, F_SETFL,
			      fcntl(p->err_fd, F_GETFL) & ~O_NONBLOCK);
			printer_drain(p, true);
		}
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
		gone = printer_reader_gone();
		if (!gone && (!WIFEXITED(status) || WEXITSTATUS(status)))
			ret = -ECHILD;
	}
	if (p->err_fd >= 0)
		close(p->err_fd);
	free(p->buf);
	free(p);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kcap-simple: libkcap's convenience calls from a program of a few lines,
 * as an embedding program would use them.  The selftests drive it.
 *
 *	kcap-simple print DEV IN|OUT|INOUT COUNT TIMEOUT_MS [FILTER]
 *		kcap_capture_simple(): a line per frame
 *	kcap-simple file DEV IN|OUT|INOUT COUNT TIMEOUT_MS FILE pcap|pcapng
 *		[FILTER]
 *		kcap_capture_to_file()
 *	kcap-simple read FILE
 *		kcap_read_file(): a line per frame, as print gives them
 *
 * A frame's line: "LINKTYPE CAPLEN LEN DIRECTION HEX", DIRECTION "in",
 * "out" or "-" (a pcap file has none).  The last line says how many frames
 * the call returned.  Exit status 0, or 1 with the error on stderr.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kcap.h"

static int print_frame(const struct kcap_frame *f, uint32_t linktype,
		       void *arg)
{
	static const char *const dir[] = { "-", "in", "out" };
	uint32_t i;

	(void)arg;
	printf("%u %u %u %s ", linktype, f->caplen, f->len,
	       f->direction <= KCAP_FRAME_OUT ? dir[f->direction] : "?");
	for (i = 0; i < f->caplen; i++)
		printf("%02x", f->data[i]);
	putchar('\n');
	return 0;
}

static int parse_direction(const char *s)
{
	if (!strcmp(s, "in"))
		return KCAP_DIR_IN;
	if (!strcmp(s, "out"))
		return KCAP_DIR_OUT;
	if (!strcmp(s, "inout"))
		return KCAP_DIR_INOUT;
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: kcap-simple print DEV in|out|inout COUNT "
		"TIMEOUT_MS [FILTER]\n"
		"       kcap-simple file DEV in|out|inout COUNT TIMEOUT_MS "
		"FILE pcap|pcapng [FILTER]\n"
		"       kcap-simple read FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum kcap_file_format fmt;
	long long n;
	int dir;

	if (argc == 3 && !strcmp(argv[1], "read")) {
		n = kcap_read_file(argv[2], print_frame, NULL);
	} else if (argc >= 6 && argc <= 7 && !strcmp(argv[1], "print")) {
		dir = parse_direction(argv[3]);
		if (dir < 0)
			return usage();
		n = kcap_capture_simple(argv[2], argc > 6 ? argv[6] : NULL,
					dir, 0, strtoull(argv[4], NULL, 0),
					atoi(argv[5]), print_frame, NULL);
	} else if (argc >= 8 && argc <= 9 && !strcmp(argv[1], "file")) {
		dir = parse_direction(argv[3]);
		if (dir < 0 || (strcmp(argv[7], "pcap") &&
				strcmp(argv[7], "pcapng")))
			return usage();
		fmt = strcmp(argv[7], "pcap") ? KCAP_FORMAT_PCAPNG :
						KCAP_FORMAT_PCAP;
		n = kcap_capture_to_file(argv[2], argc > 8 ? argv[8] : NULL,
					 dir, 0, strtoull(argv[4], NULL, 0),
					 atoi(argv[5]), argv[6], fmt);
	} else {
		return usage();
	}
	fflush(stdout);
	if (n < 0) {
		fprintf(stderr, "kcap-simple: %s: %s\n", argv[1],
			strerror((int)-n));
		return 1;
	}
	printf("%lld frames\n", n);
	return 0;
}

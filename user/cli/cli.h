/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcap(8): what the command dispatcher and the commands share.
 */
#ifndef _KCAP_CLI_H
#define _KCAP_CLI_H

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

int cli_no_args(const char *cmd, int argc);

#endif /* _KCAP_CLI_H */

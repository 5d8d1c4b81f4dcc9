// SPDX-License-Identifier: GPL-2.0
/*
 * kcap version: the versions of the userland and of the kernel module.
 */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/kcap.h>

#include "kcap.h"
#include "cli.h"

#define KCAP_SYSFS_VERSION	"/sys/module/kcap/version"

/* The module's MODULE_VERSION() as sysfs shows it, or "unknown". */
static void read_module_version(char *buf, size_t size)
{
	bool ok = false;
	FILE *f;

	f = fopen(KCAP_SYSFS_VERSION, "re");
	if (f) {
		ok = fgets(buf, size, f) != NULL;
		fclose(f);
	}
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	if (!ok || !buf[0])
		snprintf(buf, size, "unknown");
}

int cmd_version(int argc, char **argv)
{
	struct kcap_ctl *ctl;
	char modver[64];

	(void)argv;

	if (cli_no_args("version", argc))
		return KCAP_EXIT_USAGE;

	printf("kcap %s\n", kcap_version());

	if (cli_open_ctl(&ctl))
		return KCAP_EXIT_FAIL;

	read_module_version(modver, sizeof(modver));
	printf("module %s, genl family %s version %u id %d\n", modver,
	       KCAP_GENL_NAME, kcap_ctl_family_version(ctl),
	       kcap_ctl_family_id(ctl));

	kcap_ctl_close(ctl);
	return KCAP_EXIT_OK;
}

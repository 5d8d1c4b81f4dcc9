// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): control packet capture sessions of the kcap kernel module.
 */

#include "cli.h"

int main(int argc, char **argv)
{
	return kcap_main(argc, argv);
}

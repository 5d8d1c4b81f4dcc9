// SPDX-License-Identifier: GPL-2.0
/*
 * insn-mark: execute the marker instruction once, so that the QEMU plugin
 * bench/insn_count.c appends the guest's instruction counts so far to its
 * file (bench/guest.py --insns reads them back).  Outside such a VM the
 * marker is a no-op and so is this program.
 */

int main(void)
{
	/* nopl 0x4b434150(%rax,%rax,1) */
	__asm__ volatile(".byte 0x0f, 0x1f, 0x84, 0x00, 0x50, 0x41, 0x43, 0x4b");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * insn-count.so: a QEMU TCG plugin that counts the instructions the guest
 * executes, for make bench's instruction counts (bench/guest.py --insns).
 *
 *	qemu-system-x86_64 ... -plugin insn-count.so,out=FILE[,blocks=PREFIX]
 *
 * Instructions are counted per translated block as it is entered, apart
 * for blocks in the kernel's half of the address space and in userland's.
 * Each time the guest executes the marker instruction (bench/insn_mark.c:
 * a no-op, nopl 0x4b434150(%rax,%rax,1), which nothing else emits), the
 * counts so far are appended to FILE as one line,
 *
 *	mark N kernel K user U
 *
 * and flushed, so that the guest, which sees FILE through a share, reads
 * them back right after.  With blocks=PREFIX, each mark also writes
 * PREFIX.N: every translated block executed since the mark before, as
 *
 *	VADDR INSNS EXECUTIONS
 *
 * (hex, then decimal), which bench/insn-profile puts against the guest's
 * symbols: a profile in exact instructions (kcap_capture_in 155 a frame).  The counts are exact for what they count, and
 * the same however busy the host is: what the time figures of a VM run on
 * a shared machine cannot be.  The counters are plain: they are exact with
 * one host thread for all vCPUs (TCG's way here, unless tests/vm/run
 * --mttcg), and would lose updates with a thread per vCPU.
 *
 * QEMU's plugin API (include/qemu/qemu-plugin.h, API version 1, QEMU 7.2)
 * is a C ABI: the few calls used here are declared below.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info;

enum plugin_cb_flags { PLUGIN_CB_NO_REGS };
enum plugin_op { PLUGIN_INLINE_ADD_U64 };

#define EXPORT __attribute__((visibility("default")))

EXPORT extern int qemu_plugin_version;
EXPORT int qemu_plugin_version = 1;
EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info *info,
			       int argc, char **argv);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   void (*cb)(qemu_plugin_id_t id,
						      struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum plugin_op op, void *ptr,
					      uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    void (*cb)(unsigned int vcpu, void *udata),
					    enum plugin_cb_flags flags, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);

/* The marker: nopl 0x4b434150(%rax,%rax,1), "PACK" backwards. */
static const uint8_t marker[] = { 0x0f, 0x1f, 0x84, 0x00, 0x50, 0x41, 0x43, 0x4b };

/* The kernel's half of x86-64's address space. */
#define KERNEL_HALF	0xffff800000000000ULL

static uint64_t kernel_insns, user_insns, marks;
static FILE *out;

/* With blocks=PREFIX: each translation's executions, counted apart. */
struct block {
	uint64_t	vaddr;
	uint64_t	insns;
	uint64_t	runs;
};

static const char *blocks_prefix;
static struct block **blocks;
static size_t nr_blocks, blocks_room;

/* PREFIX.N: the blocks run since the last mark; their counts restart. */
static void dump_blocks(void)
{
	char path[4096];
	struct block *b;
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "%s.%" PRIu64, blocks_prefix, marks);
	f = fopen(path, "w");
	if (!f)
		perror(path);
	for (i = 0; i < nr_blocks; i++) {
		b = blocks[i];
		if (b->runs && f)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				b->vaddr, b->insns, b->runs);
		b->runs = 0;
	}
	if (f && fclose(f))
		perror(path);
}

/* Count @tb's executions apart, if asked to: false if out of memory. */
static bool count_block(struct qemu_plugin_tb *tb, size_t n)
{
	struct block **grown, *b;

	if (nr_blocks == blocks_room) {
		blocks_room = blocks_room ? 2 * blocks_room : 65536;
		grown = realloc(blocks, blocks_room * sizeof(*blocks));
		if (!grown)
			return false;
		blocks = grown;
	}
	b = malloc(sizeof(*b));
	if (!b)
		return false;
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = n;
	b->runs = 0;
	blocks[nr_blocks++] = b;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, PLUGIN_INLINE_ADD_U64,
						 &b->runs, 1);
	return true;
}

static void on_marker(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	fprintf(out, "mark %" PRIu64 " kernel %" PRIu64 " user %" PRIu64 "\n",
		++marks, kernel_insns, user_insns);
	fflush(out);
	if (blocks_prefix)
		dump_blocks();
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, PLUGIN_INLINE_ADD_U64,
						 qemu_plugin_tb_vaddr(tb) >= KERNEL_HALF ?
						 &kernel_insns : &user_insns, n);
	if (blocks_prefix && !count_block(tb, n)) {
		fprintf(stderr, "insn-count: out of memory for blocks: profile stopped\n");
		blocks_prefix = NULL;
	}
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (qemu_plugin_insn_size(insn) == sizeof(marker) &&
		    !memcmp(qemu_plugin_insn_data(insn), marker, sizeof(marker)))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
							       PLUGIN_CB_NO_REGS, NULL);
	}
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info *info,
			       int argc, char **argv)
{
	const char *path = NULL;
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			path = argv[i] + 4;
		} else if (!strncmp(argv[i], "blocks=", 7)) {
			blocks_prefix = argv[i] + 7;
		} else {
			fprintf(stderr, "insn-count: unknown argument %s (it takes out=FILE[,blocks=PREFIX])\n",
				argv[i]);
			return -1;
		}
	}
	if (!path) {
		fprintf(stderr, "insn-count: no out=FILE to write the counts to\n");
		return -1;
	}
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	return 0;
}

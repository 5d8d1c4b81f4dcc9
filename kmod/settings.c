// SPDX-License-Identifier: GPL-2.0
/*
 * Session settings and their classic BPF filter.
 *
 * The filter arrives as an array of struct sock_filter in a netlink
 * attribute.  bpf_prog_create() is the authority on whether the kernel runs
 * it, but it only says -EINVAL; kcap_filter_explain() finds the usual
 * reasons first so that the operator reads which instruction is wrong.
 */

#include <linux/filter.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "internal.h"

struct kcap_settings *kcap_settings_alloc(const struct kcap_settings *old,
					  gfp_t gfp)
{
	struct kcap_settings *set;

	set = kzalloc(sizeof(*set), gfp);
	if (!set)
		return NULL;
	if (old) {
		set->snaplen = old->snaplen;
		set->direction = old->direction;
		set->prog = old->prog;
		set->filter_len = old->filter_len;
		set->filter_text = old->filter_text;
	} else {
		set->snaplen = KCAP_SNAPLEN_DEFAULT;
		set->direction = KCAP_DIR_INOUT;
	}
	return set;
}

/**
 * kcap_settings_commit() - make new settings own their filter.
 * @set: settings about to replace @old.
 * @old: the settings they were allocated from, or NULL.
 *
 * Settings made by kcap_settings_alloc() from old ones share the old
 * filter without owning it, so that freeing them on an error leaves the
 * old settings whole.  Once @set replaces @old, @set owns whatever filter
 * it has, and @old no longer owns a filter that @set took over.
 */
void kcap_settings_commit(struct kcap_settings *set, struct kcap_settings *old)
{
	if (!set->owns_filter && old && old->prog == set->prog &&
	    old->filter_text == set->filter_text)
		old->owns_filter = false;
	set->owns_filter = true;
}

static const char *kcap_filter_explain(const struct sock_filter *f,
				       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		u16 code = f[i].code;
		u16 cls = BPF_CLASS(code);

		if (cls == BPF_JMP) {
			u32 off = BPF_OP(code) == BPF_JA ? f[i].k :
				  max(f[i].jt, f[i].jf);

			if (BPF_OP(code) == BPF_JA && off >= n - i - 1)
				return "filter: a jump goes past the last instruction";
			if (BPF_OP(code) != BPF_JA && off >= n - i - 1)
				return "filter: a conditional jump goes past the last instruction";
		}
		if ((cls == BPF_ST || cls == BPF_STX) && f[i].k >= BPF_MEMWORDS)
			return "filter: a store to scratch memory beyond M[15]";
		if ((cls == BPF_LD || cls == BPF_LDX) &&
		    BPF_MODE(code) == BPF_MEM && f[i].k >= BPF_MEMWORDS)
			return "filter: a load from scratch memory beyond M[15]";
		if (cls == BPF_ALU && BPF_SRC(code) == BPF_K && f[i].k == 0 &&
		    (BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD))
			return "filter: a division by the constant 0";
	}
	if (BPF_CLASS(f[n - 1].code) != BPF_RET)
		return "filter: the last instruction is not a return";
	return "filter: rejected by the kernel's classic BPF checker (unknown opcode or bad scratch memory use)";
}

/**
 * kcap_settings_set_filter() - give settings a filter, or none.
 * @set: settings not yet published.
 * @insns: an array of struct sock_filter.
 * @len: its length in bytes: 0 for no filter, else a multiple of 8.
 * @text: the expression it was compiled from, or NULL.
 * @extack: where to say why a filter is refused.
 *
 * Return: 0, or -EINVAL for a filter the kernel would not run, -ENOMEM.
 */
int kcap_settings_set_filter(struct kcap_settings *set, const void *insns,
			     unsigned int len, const char *text,
			     struct netlink_ext_ack *extack)
{
	struct sock_fprog_kern fprog;
	struct bpf_prog *prog = NULL;
	char *copy = NULL;
	int err;

	if (len % sizeof(struct sock_filter)) {
		NL_SET_ERR_MSG(extack,
				   "filter: length is not a multiple of 8 (struct sock_filter)");
		return -EINVAL;
	}
	if (len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		NL_SET_ERR_MSG(extack, "filter: more than 4096 instructions");
		return -EINVAL;
	}
	if (len) {
		fprog.len = len / sizeof(struct sock_filter);
		fprog.filter = (struct sock_filter *)insns;
		err = bpf_prog_create(&prog, &fprog);
		if (err) {
			/* NL_SET_ERR_MSG() wants a literal; these are static. */
			if (err == -EINVAL && extack)
				extack->_msg = kcap_filter_explain(insns, fprog.len);
			return err;
		}
	}
	if (text && *text) {
		copy = kstrdup(text, GFP_KERNEL);
		if (!copy) {
			if (prog)
				bpf_prog_destroy(prog);
			return -ENOMEM;
		}
	}
	if (set->owns_filter) {
		if (set->prog)
			bpf_prog_destroy(set->prog);
		kfree(set->filter_text);
	}
	set->owns_filter = true;
	set->prog = prog;
	set->filter_len = len / sizeof(struct sock_filter);
	set->filter_text = copy;
	return 0;
}

void kcap_settings_free(struct kcap_settings *set)
{
	if (!set)
		return;
	if (set->owns_filter) {
		if (set->prog)
			bpf_prog_destroy(set->prog);
		kfree(set->filter_text);
	}
	kfree(set);
}

static void kcap_settings_free_cb(struct rcu_head *rcu)
{
	kcap_settings_free(container_of(rcu, struct kcap_settings, rcu));
}

/* Free settings that frames may still be reading, after a grace period. */
void kcap_settings_free_rcu(struct kcap_settings *set)
{
	call_rcu(&set->rcu, kcap_settings_free_cb);
}

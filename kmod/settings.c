// SPDX-License-Identifier: GPL-2.0
/*
 * Session settings and their classic BPF filter.
 *
 * The filter arrives as an array of struct sock_filter in a netlink
 * attribute.  bpf_prog_create() is the authority on whether the kernel runs
 * it, but it only says -EINVAL; kcap_filter_explain() finds the usual
 * reasons first so that the operator reads which instruction is wrong.
 *
 * A filter is made once per request, outside any lock, and then shared by
 * reference: settings built from other settings keep their filter, and
 * each settings object holds one reference on its filter.
 */

#include <linux/filter.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "internal.h"

/* What a session starts with, for what its first request does not say. */
static const struct kcap_settings kcap_settings_default = {
	.snaplen	= KCAP_SNAPLEN_DEFAULT,
	.direction	= KCAP_DIR_INOUT,
};

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
 * kcap_filter_create() - check, compile and JIT a filter.
 * @insns: an array of struct sock_filter.
 * @len: its length in bytes: 0 for no program, else a multiple of 8.
 * @text: the expression it was compiled from, or NULL.
 * @fp: where to store the filter, with one reference for the caller; NULL
 *	when there is neither a program nor a text.
 * @extack: where to say why a filter is refused.
 *
 * Sleeps: call it before taking RTNL.
 *
 * Return: 0, or -EINVAL for a filter the kernel would not run, -ENOMEM.
 */
int kcap_filter_create(const void *insns, unsigned int len, const char *text,
		       struct kcap_filter **fp, struct netlink_ext_ack *extack)
{
	size_t text_len = text ? strlen(text) : 0;
	struct sock_fprog_kern fprog;
	struct kcap_filter *f;
	int err;

	*fp = NULL;
	if (len % sizeof(struct sock_filter)) {
		NL_SET_ERR_MSG(extack,
			       "filter: length is not a multiple of 8 (struct sock_filter)");
		return -EINVAL;
	}
	if (len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		NL_SET_ERR_MSG(extack, "filter: more than 4096 instructions");
		return -EINVAL;
	}
	if (!len && !text_len)
		return 0;

	f = kzalloc(struct_size(f, text, text_len + 1), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	refcount_set(&f->refcnt, 1);
	f->len = len / sizeof(struct sock_filter);
	if (text_len)
		memcpy(f->text, text, text_len);	/* kzalloc()ed: a NUL follows */
	if (len) {
		fprog.len = f->len;
		fprog.filter = (struct sock_filter *)insns;
		err = bpf_prog_create(&f->prog, &fprog);
		if (err) {
			/* NL_SET_ERR_MSG() wants a literal; these are static. */
			if (err == -EINVAL && extack)
				extack->_msg = kcap_filter_explain(insns, fprog.len);
			kfree(f);
			return err;
		}
	}
	*fp = f;
	return 0;
}

static void kcap_filter_get(struct kcap_filter *f)
{
	if (f)
		refcount_inc(&f->refcnt);
}

/*
 * Drop a reference to a filter, or to none.  The last one frees it at once:
 * frames reach a filter only through settings, and settings let go of
 * their filter only once no frame can see them.
 */
void kcap_filter_put(struct kcap_filter *f)
{
	if (!f || !refcount_dec_and_test(&f->refcnt))
		return;
	if (f->prog)
		bpf_prog_destroy(f->prog);
	kfree(f);
}

/**
 * kcap_settings_new() - settings that apply a request to other settings.
 * @old: the settings to change, or NULL for the defaults.
 * @req: what the request changes; its filter reference stays the caller's.
 *
 * Return: new settings with a reference of their own on their filter, or
 * NULL.
 */
struct kcap_settings *kcap_settings_new(const struct kcap_settings *old,
					const struct kcap_settings_req *req)
{
	const struct kcap_settings *from = old ?: &kcap_settings_default;
	struct kcap_settings *set;

	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return NULL;
	set->direction = from->direction;
	set->snaplen = from->snaplen;
	set->filter = from->filter;
	if (req->changes & KCAP_SET_DIRECTION)
		set->direction = req->direction;
	if (req->changes & KCAP_SET_SNAPLEN)
		set->snaplen = req->snaplen;
	if (req->changes & KCAP_SET_FILTER)
		set->filter = req->filter;
	kcap_filter_get(set->filter);
	set->prog = set->filter ? set->filter->prog : NULL;
	return set;
}

void kcap_settings_free(struct kcap_settings *set)
{
	if (!set)
		return;
	kcap_filter_put(set->filter);
	kfree(set);
}

static void kcap_settings_free_cb(struct rcu_head *rcu)
{
	kcap_settings_free(container_of(rcu, struct kcap_settings, rcu));
}

/*
 * Free settings that frames may still be reading, after a grace period.
 * The callback is module text: the module's exit waits for it.
 */
void kcap_settings_free_rcu(struct kcap_settings *set)
{
	call_rcu(&set->rcu, kcap_settings_free_cb);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel versions.  Everything else in kcap is
 * written against the newest API; what older kernels lack is provided or
 * mapped here, found by probing (a macro, a Kconfig symbol) rather than by
 * comparing version numbers wherever a probe exists.
 */
#ifndef _KCAP_COMPAT_H
#define _KCAP_COMPAT_H

#include <linux/atomic.h>
#include <linux/filter.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <linux/timer.h>

/* 6.16 renamed from_timer() to timer_container_of(). */
#ifndef timer_container_of
#define timer_container_of(var, callback_timer, timer_fieldname) \
	from_timer(var, callback_timer, timer_fieldname)
#endif

/* 5.15 renamed BPF_PROG_RUN() to bpf_prog_run(). */
#ifdef BPF_PROG_RUN
#define bpf_prog_run(prog, ctx)	BPF_PROG_RUN(prog, ctx)
#endif

/* 5.11 brought lockdep_assert_in_softirq(); before it, no check. */
#ifndef lockdep_assert_in_softirq
#define lockdep_assert_in_softirq()	do { } while (0)
#endif

/*
 * The netfilter netdev egress hook came in 5.16 (CONFIG_NETFILTER_EGRESS).
 * Without it, sent frames are taken by a packet tap (a struct packet_type
 * on the device), which sees the clone dev_queue_xmit_nit() makes for all
 * taps: the one place where kcap pays what AF_PACKET pays per frame, and
 * only on those kernels.
 */
#ifdef CONFIG_NETFILTER_EGRESS
#define KCAP_HAVE_NF_EGRESS	1
#else
#define KCAP_HAVE_NF_EGRESS	0
#define NF_NETDEV_EGRESS	(-1)	/* never registered: keeps code typed */
#endif

/*
 * 6.2 gave the extack a buffer for a formatted message,
 * NL_SET_ERR_MSG_FMT().  Before it the message must be in memory that
 * outlasts the handler, as the ack that carries it is built after the
 * handler returns.  These kernels get static buffers taken in turn: a
 * message is only overwritten by the 16th formatted one after it, and
 * each buffer always ends in a NUL (snprintf() never writes its last byte
 * but as one), so the ack reads a string whatever happens.  Only the
 * refusals of kcap_check_owner() and a device that cannot be hooked format
 * a message.
 */
#ifndef NL_SET_ERR_MSG_FMT
#define KCAP_EXTACK_BUFS	16
#define KCAP_EXTACK_BUF_LEN	80	/* NETLINK_MAX_FMTMSG_LEN */

static inline char *kcap_extack_buf(void)
{
	static char bufs[KCAP_EXTACK_BUFS][KCAP_EXTACK_BUF_LEN];
	static atomic_t next = ATOMIC_INIT(0);

	return bufs[(unsigned int)atomic_inc_return(&next) % KCAP_EXTACK_BUFS];
}

#define NL_SET_ERR_MSG_FMT(extack, fmt, args...) do {			\
	struct netlink_ext_ack *__extack = (extack);			\
	char *__buf;							\
									\
	if (!__extack)							\
		break;							\
	__buf = kcap_extack_buf();					\
	snprintf(__buf, KCAP_EXTACK_BUF_LEN, fmt, ##args);		\
	__extack->_msg = __buf;						\
} while (0)
#endif

#endif /* _KCAP_COMPAT_H */

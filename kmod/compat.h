/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel versions.  Everything else in kcap is
 * written against the newest API; what older kernels lack is provided or
 * mapped here, found by probing (a macro, a Kconfig symbol) rather than by
 * comparing version numbers wherever a probe exists.
 */
#ifndef _KCAP_COMPAT_H
#define _KCAP_COMPAT_H

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/timer.h>

/* 6.16 renamed from_timer() to timer_container_of(). */
#ifndef timer_container_of
#define timer_container_of(var, callback_timer, timer_fieldname) \
	from_timer(var, callback_timer, timer_fieldname)
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

#endif /* _KCAP_COMPAT_H */

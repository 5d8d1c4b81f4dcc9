/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcap internals shared between the module's files.
 */
#ifndef _KCAP_INTERNAL_H
#define _KCAP_INTERNAL_H

#include <linux/if.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/kcap.h>

struct bpf_prog;
struct netlink_ext_ack;
struct pid;

/* pcap link types (https://www.tcpdump.org/linktypes.html). */
#define KCAP_LINKTYPE_ETHERNET		1
#define KCAP_LINKTYPE_RAW		101
#define KCAP_LINKTYPE_IEEE802_11	105
/* KCAP_LINKTYPE_LINUX_SLL2 is in the uapi header. */

/* Module parameters (main.c). */
extern unsigned int kcap_max_sessions;
extern unsigned int kcap_ring_size_max;
extern unsigned long kcap_mem_max;
extern unsigned int kcap_max_sessions_all;
extern unsigned long kcap_mem_max_all;

/**
 * struct kcap_filter - a session's classic BPF filter, shared by reference.
 * @refcnt: one per settings object that has it, plus the request's that
 *	made it while that request runs.
 * @prog: the program; NULL only for a text given with an empty program.
 * @len: instructions in @prog's classic program, 0 without one.
 * @text: the expression @prog was compiled from, "" if none was given.
 *
 * Shaped like the kernel's struct sk_filter, without its rcu_head: frames
 * reach a filter only through struct kcap_settings, which drop their
 * reference after a grace period, so the last put may free at once.  A
 * second call_rcu() chained from the settings' callback would also escape
 * the rcu_barrier() of the module's exit.  The text lives in the same
 * allocation (it is at most KCAP_FILTER_TEXT_MAX bytes and never changes),
 * so a filter is one object with one lifetime.  Never changed once made.
 */
struct kcap_filter {
	refcount_t	refcnt;
	struct bpf_prog	*prog;
	u32		len;
	char		text[];
};

/**
 * struct kcap_settings - what the datapath reads of a session, per frame.
 * @filter: the filter (a reference), or NULL to pass every frame.
 * @prog: @filter's program, or NULL: what a frame runs, one load away.
 *	Set by kcap_settings_new() alone, always from @filter.
 * @snaplen: bytes kept of a frame.
 * @direction: enum kcap_direction.
 * @rcu: frees the settings once no frame can see them.
 *
 * Never changed once published: KCAP_CMD_SESSION_SET publishes a new copy
 * and frees the old one after a grace period, so each frame sees one
 * version whole.
 */
struct kcap_settings {
	struct kcap_filter	*filter;
	struct bpf_prog		*prog;
	u32			snaplen;
	u8			direction;
	struct rcu_head		rcu;
};

#define KCAP_SET_DIRECTION	BIT(0)
#define KCAP_SET_SNAPLEN	BIT(1)
#define KCAP_SET_FILTER		BIT(2)

/**
 * struct kcap_settings_req - the settings a request changes, parsed.
 * @changes: which of them it changes (KCAP_SET_*).
 * @direction: enum kcap_direction.
 * @snaplen: bytes kept of a frame, already checked.
 * @filter: with KCAP_SET_FILTER, the new filter or NULL for none; the
 *	request holds a reference that it drops when done.
 */
struct kcap_settings_req {
	unsigned int		changes;
	u8			direction;
	u32			snaplen;
	struct kcap_filter	*filter;
};

/**
 * struct kcap_ring - the kernel's side of one per-CPU ring.
 * @ctrl: the control block shared with the reader.
 * @data: the data area shared with the reader.
 * @head: the producer's own copy of the head: never read back from
 *	memory the reader can write.
 * @due: the head at which the wake timer last found records waiting;
 *	a batching reader is told of them until its tail reaches it
 *	(kcap_rings_pending()).
 */
struct kcap_ring {
	struct kcap_ring_ctrl	*ctrl;
	u8			*data;
	u32			head;
	u32			due;
};

/*
 * What a session keeps per CPU, one this_cpu_ptr() away from a frame: the
 * producer's side of the CPU's ring, and the CPU's counters (see enum
 * kcap_stats_attr).  passed is not kept but summed, delivered + dropped,
 * so that it always equals them; a frame is counted seen before it is
 * counted in those, and read after, so that passed <= seen in any
 * snapshot (kcap_session_stats()).
 */
struct kcap_pcpu {
	struct kcap_ring	ring;
	u64_stats_t		seen;
	u64_stats_t		delivered;
	u64_stats_t		dropped;
	u64_stats_t		bytes;
	u64_stats_t		cut;
	struct u64_stats_sync	syncp;
};

/* A snapshot of the counters, summed over CPUs. */
struct kcap_stats {
	u64	seen;
	u64	passed;
	u64	delivered;
	u64	dropped;
	u64	bytes;
	u64	cut;
};

/**
 * struct kcap_session - a capture session.
 * @node: in the session list of its network namespace (RCU, rtnl).
 * @refcnt: the list's reference plus one per bound file.
 * @id: system-wide id, what KCAP_IOC_BIND takes.
 * @name: unique in its network namespace.
 * @net: its network namespace; sessions are destroyed before it goes.
 * @dev: the device, held while attached; NULL once detached, and for a
 *	session on every device (KCAP_SESSION_F_ANYDEV).
 * @ports: a session on every device: its hooks on each (hooks.c), RTNL.
 * @ifindex: the device's index.
 * @ifname: the device's name when the session was created or detached.
 * @dev_type: the device's ARPHRD_* type.
 * @linktype: the pcap LINKTYPE_* value of its frames.
 * @hook: enum kcap_hook.
 * @ring_format: enum kcap_ring_format.
 * @state: enum kcap_state; 0 once destroyed.
 * @flags: KCAP_SESSION_F_* flags.
 * @owner: the netlink port id owning a session without
 *	KCAP_SESSION_F_PERSISTENT.
 * @owner_pid: the thread group of the task that created such a session
 *	(a reference), NULL for a persistent one.
 * @owner_gone: the owning socket was released; the session is being reaped.
 * @promisc: the session holds a promiscuity count on @dev.
 * @unpromisc: while @promisc, what drops the count should a notifier see
 *	@dev leave (hooks.c), allocated at attach.
 * @settings: what the datapath reads (RCU).
 * @pcpu: per possible CPU, its ring (the kernel's side) and counters.
 * @nf_in: the netfilter ingress hook.
 * @nf_out: the netfilter egress hook, where the kernel has one.
 * @tap: the packet tap: both directions with KCAP_HOOK_TAP, else sent
 *	frames on kernels without a netfilter egress hook.
 * @hooked: which of the hooks are registered (KCAP_HOOKED_*).
 * @mem: the rings, as mapped by readers: nr_rings times a control page
 *	and ring_size bytes of data.
 * @mem_size: bytes of @mem.
 * @charged_all: @mem_size counts against mem_max_all (a session of a
 *	namespace other than the initial one).
 * @ring_size: data bytes of each ring.
 * @caplen_max: bytes of a frame a record takes at most: what fits in
 *	half a ring, which an emptied ring always has room for.
 * @nr_rings: one per CPU id below nr_cpu_ids, the possible CPUs' and
 *	those of any holes between them, which no frame reaches.
 * @has_reader: a file is bound to the session (one at a time).
 * @reader_batch: the reader bound with KCAP_BIND_F_BATCH.
 * @reader_waiting: the reader sleeps in poll() and wants a wakeup.
 * @wake_bytes: pending bytes in a ring that wake a sleeping reader.
 * @wq: where the reader sleeps.
 * @wake_timer: wakes the reader for data that did not reach @wake_bytes.
 */
struct kcap_unpromisc;

struct kcap_session {
	struct list_head	node;
	refcount_t		refcnt;
	u32			id;
	char			name[KCAP_NAME_MAX];
	struct net		*net;
	struct net_device	*dev;
	struct list_head	ports;
	int			ifindex;
	char			ifname[IFNAMSIZ];
	u16			dev_type;
	u32			linktype;
	u8			hook;
	u8			ring_format;
	u8			state;
	u32			flags;
	u32			owner;
	struct pid		*owner_pid;
	bool			owner_gone;
	bool			promisc;
	struct kcap_unpromisc	*unpromisc;
	struct kcap_settings __rcu *settings;
	struct kcap_pcpu __percpu *pcpu;

	struct nf_hook_ops	nf_in;
	struct nf_hook_ops	nf_out;
	struct packet_type	tap;
	unsigned int		hooked;

	void			*mem;
	size_t			mem_size;
	bool			charged_all;
	u32			ring_size;
	u32			caplen_max;
	u32			nr_rings;

	bool			has_reader;
	bool			reader_batch;
	int			reader_waiting;
	u32			wake_bytes;
	wait_queue_head_t	wq;
	struct timer_list	wake_timer;
};

#define KCAP_HOOKED_IN		BIT(0)
#define KCAP_HOOKED_OUT		BIT(1)
#define KCAP_HOOKED_RX_HANDLER	BIT(2)
#define KCAP_HOOKED_TAP		BIT(3)

/**
 * struct kcap_session_cfg - a session to create, as the request gave it.
 * @name: its name, already checked.
 * @ifindex: the device by index, or 0.
 * @ifname: the device by name, or "".
 * @settings: what the request gives of the initial settings.
 * @hook: enum kcap_hook.
 * @ring_format: enum kcap_ring_format.
 * @ring_size: data bytes of each ring.
 * @flags: KCAP_SESSION_F_* flags.
 * @owner: the requesting socket's port id.
 * @owner_pid: the requesting task's thread group.
 */
struct kcap_session_cfg {
	const char		*name;
	u32			ifindex;
	const char		*ifname;
	const struct kcap_settings_req *settings;
	u8			hook;
	u8			ring_format;
	u32			ring_size;
	u32			flags;
	u32			owner;
	struct pid		*owner_pid;
};

/* session.c: the registry and the lifecycle of sessions. */
struct kcap_session *kcap_session_create(struct net *net,
					 const struct kcap_session_cfg *cfg,
					 struct netlink_ext_ack *extack);
void kcap_session_destroy(struct kcap_session *s);
struct kcap_session *kcap_session_find(struct net *net, const char *name);
struct kcap_session *kcap_session_find_id(struct net *net, u32 id);
struct list_head *kcap_net_sessions(struct net *net);
int kcap_session_set(struct kcap_session *s,
		     const struct kcap_settings_req *req);
void kcap_session_stats(const struct kcap_session *s,
			struct kcap_stats *stats);
void kcap_session_put(struct kcap_session *s);
int kcap_session_registry_init(void);
void kcap_session_registry_exit(void);

/* settings.c: settings and their filter. */
int kcap_filter_create(const void *insns, unsigned int len, const char *text,
		       struct kcap_filter **fp, struct netlink_ext_ack *extack);
void kcap_filter_put(struct kcap_filter *f);
struct kcap_settings *kcap_settings_new(const struct kcap_settings *old,
					const struct kcap_settings_req *req);
void kcap_settings_free(struct kcap_settings *set);
void kcap_settings_free_rcu(struct kcap_settings *set);

/* hooks.c: attaching a session to its device. */
int kcap_hooks_attach(struct kcap_session *s, struct net_device *dev,
		      struct netlink_ext_ack *extack);
void kcap_hooks_detach(struct kcap_session *s);
void kcap_hooks_detach_event(struct kcap_session *s);
int kcap_hooks_attach_any(struct kcap_session *s,
			  struct netlink_ext_ack *extack);
void kcap_hooks_dev_event(struct kcap_session *s, struct net_device *dev,
			  unsigned long event);
void kcap_hooks_exit(void);

/* capture.c: the per-frame path. */
void kcap_capture_in(struct kcap_session *s, struct sk_buff *skb);
void kcap_capture_out(struct kcap_session *s, struct sk_buff *skb);
void kcap_capture_cooked(struct kcap_session *s, struct sk_buff *skb, u8 dir,
			 const struct net_device *dev);

/* ring.c: the rings and the reader's wakeups. */
int kcap_rings_alloc(struct kcap_session *s, u32 ring_size);
void kcap_rings_free(struct kcap_session *s);
void kcap_readers_wake(struct kcap_session *s);
bool kcap_rings_pending(struct kcap_session *s, u32 bytes, bool due);
void kcap_reader_arm(struct kcap_session *s);
void kcap_reader_disarm(struct kcap_session *s);

/* genl.c */
int kcap_genl_init(void);
void kcap_genl_exit(void);

/* chrdev.c */
int kcap_chrdev_init(void);
void kcap_chrdev_exit(void);

#endif /* _KCAP_INTERNAL_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kcap: packet capture sessions on Linux net devices.
 *
 * The interface between kcap.ko and userland: the generic-netlink family
 * that controls capture sessions and the character device that maps their
 * rings.  This header is an ABI: it only ever grows.  Values are never
 * renumbered or reused; new commands and attributes are added at the end,
 * before the __KCAP_*_MAX sentinels.  kcap.yaml, next to this header,
 * describes the family in the format of the kernel's
 * Documentation/netlink/specs.
 */
#ifndef _UAPI_LINUX_KCAP_H
#define _UAPI_LINUX_KCAP_H

#include <linux/types.h>

/* Generic-netlink family name and version (CTRL_ATTR_FAMILY_NAME/VERSION). */
#define KCAP_GENL_NAME		"kcap"
#define KCAP_GENL_VERSION	1

/* The misc device through which session rings are mapped: /dev/kcap. */
#define KCAP_DEVICE_NAME	"kcap"

/* Session names: 1..31 bytes of [A-Za-z0-9_.-], NUL-terminated. */
#define KCAP_NAME_MAX		32

/* Snapshot length: bytes kept of each frame (tcpdump's default and limit). */
#define KCAP_SNAPLEN_MAX	262144
#define KCAP_SNAPLEN_DEFAULT	KCAP_SNAPLEN_MAX

/*
 * Ring size: data bytes of each per-CPU ring, a power of two from
 * KCAP_RING_SIZE_MIN up to the module parameter ring_size_max.
 */
#define KCAP_RING_SIZE_MIN	4096
#define KCAP_RING_SIZE_DEFAULT	(2 << 20)

/* The filter's text as userland compiled it, kept for display only. */
#define KCAP_FILTER_TEXT_MAX	4096

/**
 * enum kcap_direction - which frames of the device a session captures.
 * @KCAP_DIR_OFF: none: the session stays attached but captures nothing.
 * @KCAP_DIR_IN: frames the device received (tcpdump -Q in).
 * @KCAP_DIR_OUT: frames the device sent (tcpdump -Q out).
 * @KCAP_DIR_INOUT: both (tcpdump -Q inout), the default.
 *
 * A bit mask: KCAP_DIR_INOUT == (KCAP_DIR_IN | KCAP_DIR_OUT).  A ring
 * record's direction is KCAP_DIR_IN or KCAP_DIR_OUT.
 */
enum kcap_direction {
	KCAP_DIR_OFF	= 0,
	KCAP_DIR_IN	= 1,
	KCAP_DIR_OUT	= 2,
	KCAP_DIR_INOUT	= 3,
};

/**
 * enum kcap_hook - where a session takes the frames of its device.
 * @KCAP_HOOK_NETFILTER: the netfilter netdev ingress hook (the default).
 *	It runs after tc's ingress hook, so frames that tc drops or redirects
 *	away are not seen; sent frames are taken at the netfilter netdev
 *	egress hook, which frames that tc redirects out of the device skip,
 *	and which sees a GSO frame whole, before the device or the stack
 *	segments it.
 * @KCAP_HOOK_RX_HANDLER: the device's rx_handler for received frames; fails
 *	with EBUSY when the device has one already (a bridge, bond or macvlan
 *	port).  Sent frames as with KCAP_HOOK_NETFILTER.
 * @KCAP_HOOK_TAP: a packet tap on the device (struct packet_type), where
 *	AF_PACKET, and so tcpdump, sees frames: received ones before tc,
 *	sent ones as they go to the driver, those tc redirects out of the
 *	device included, after software segmentation.  Gives tcpdump's view
 *	of the device; for each sent frame the kernel makes one clone that all
 *	taps (tcpdump's too) share.
 *
 * With KCAP_HOOK_NETFILTER and KCAP_HOOK_RX_HANDLER sent frames are taken
 * at the netfilter netdev egress hook; kernels without one (before 5.16)
 * use a packet tap instead.
 * A loopback device (IFF_LOOPBACK) receives every frame it sends: there
 * sent frames are not taken, so that each frame is captured once, as
 * received (KCAP_DIR_IN), as tcpdump shows them; a session there with
 * direction KCAP_DIR_OUT sees nothing.
 */
enum kcap_hook {
	KCAP_HOOK_NETFILTER	= 0,
	KCAP_HOOK_RX_HANDLER	= 1,
	KCAP_HOOK_TAP		= 2,
};

/**
 * enum kcap_ring_format - how the records in a session's rings are laid out.
 * @KCAP_RING_FORMAT_KCAP: struct kcap_rec records, with the frame's
 *	direction, device, protocol and packet type (the default).
 * @KCAP_RING_FORMAT_PCAP: pcap records (struct kcap_pcap_rec), with the
 *	time in microseconds: what a pcap file holds after its header.
 * @KCAP_RING_FORMAT_PCAP_NSEC: the same with the time in nanoseconds, as
 *	in a pcap file of magic 0xa1b23c4d.
 * @KCAP_RING_FORMAT_PCAPNG: pcapng enhanced packet blocks (struct
 *	kcap_epb), the time in nanoseconds, with the frame's direction: what
 *	a pcapng file of one interface holds after its header blocks.
 *
 * Chosen when the session is created; see "The rings" below.
 */
enum kcap_ring_format {
	KCAP_RING_FORMAT_KCAP		= 0,
	KCAP_RING_FORMAT_PCAP		= 1,
	KCAP_RING_FORMAT_PCAP_NSEC	= 2,
	KCAP_RING_FORMAT_PCAPNG		= 3,
};

/**
 * enum kcap_state - the state of a session.
 * @KCAP_STATE_ATTACHED: hooked to its device.
 * @KCAP_STATE_DETACHED: its device went away (deleted, or moved to another
 *	network namespace).  The session keeps its settings and counters and
 *	captures nothing; readers of its rings see POLLHUP once drained.  A
 *	persistent session attaches again, ATTACHED, to the next device of
 *	its namespace that takes its device's name with the same link type
 *	(created, moved in or renamed).
 */
enum kcap_state {
	KCAP_STATE_ATTACHED	= 1,
	KCAP_STATE_DETACHED	= 2,
};

/*
 * Session flags (KCAP_ATTR_FLAGS), fixed at creation.
 * KCAP_SESSION_F_PERSISTENT: the session lives until KCAP_CMD_SESSION_DEL
 *	(or its network namespace goes).  Without it the session is owned by
 *	the netlink socket that created it and destroyed when that socket is
 *	closed, however its process ends.
 * KCAP_SESSION_F_NOPROMISC: leave the device's promiscuity alone
 *	(tcpdump -p).  Otherwise the session holds one promiscuity count on the
 *	device for as long as it is attached.
 * KCAP_SESSION_F_ANYDEV: capture on every device of the session's network
 *	namespace, those registered or moved in later too, as tcpdump -i any
 *	does.  No device is named (KCAP_ATTR_IFINDEX and KCAP_ATTR_IFNAME are
 *	refused), the hook is KCAP_HOOK_NETFILTER, and
 *	KCAP_SESSION_F_NOPROMISC must be given: no device is made
 *	promiscuous.  The session is always KCAP_STATE_ATTACHED.  Its frames
 *	are Linux cooked captures v2 (KCAP_LINKTYPE_LINUX_SLL2), as libpcap
 *	makes them for "any": a record's bytes are the 20-byte cooked header
 *	(protocol, ifindex, ARPHRD_* type, packet type and link-layer source
 *	address, in network order) and then the frame from its network
 *	header; an offloaded VLAN tag is not written back.  The filter runs
 *	from the network header, as a SOCK_DGRAM packet socket's does, and
 *	reads the header's fields as SKF_AD_PROTOCOL, SKF_AD_IFINDEX,
 *	SKF_AD_HATYPE and SKF_AD_PKTTYPE: a program compiled for
 *	LINKTYPE_LINUX_SLL2 has its loads moved as libpcap moves them for
 *	its own "any" socket.  Its return value caps the bytes kept, header
 *	included.  A loopback device's sent frames are not taken (see enum
 *	kcap_hook); a frame that passes through several devices (a VLAN, a
 *	bond and its ports, a bridge) is captured on each, as tcpdump shows it.
 */
#define KCAP_SESSION_F_PERSISTENT	(1U << 0)
#define KCAP_SESSION_F_NOPROMISC	(1U << 1)
#define KCAP_SESSION_F_ANYDEV		(1U << 2)
#define KCAP_SESSION_F_ALL		(KCAP_SESSION_F_PERSISTENT | \
					 KCAP_SESSION_F_NOPROMISC | \
					 KCAP_SESSION_F_ANYDEV)

/* The pcap link type of a KCAP_SESSION_F_ANYDEV session's frames. */
#define KCAP_LINKTYPE_LINUX_SLL2	276
#define KCAP_SLL2_HDR_LEN		20

/**
 * enum kcap_cmd - commands of the KCAP_GENL_NAME family.
 *
 * Every command sees only the sessions of the caller's network namespace.
 * Privileges are AF_PACKET's, held in the user namespace that owns that
 * network namespace (by the task and by the socket's opener):
 * KCAP_CMD_SESSION_NEW of a session owned by its socket (a capture's)
 * needs CAP_NET_RAW, and CAP_NET_ADMIN too without
 * KCAP_SESSION_F_NOPROMISC; of a persistent session CAP_NET_ADMIN.
 * KCAP_CMD_SESSION_SET and _DEL of a persistent session need
 * CAP_NET_ADMIN; of another, being its owning socket.  KCAP_CMD_SESSION_GET
 * and _STATS need nothing, as /proc/net/packet is readable by all; only a
 * filter's expression is withheld (KCAP_ATTR_FILTER_HIDDEN).  A refusal is
 * EPERM with a message naming what is missing.  A session is named by
 * KCAP_ATTR_NAME or KCAP_ATTR_ID.  Every rejection carries an
 * extended-ack message.
 *
 * @KCAP_CMD_SESSION_NEW: create a session.  Needs KCAP_ATTR_NAME and
 *	KCAP_ATTR_IFINDEX or KCAP_ATTR_IFNAME (or KCAP_SESSION_F_ANYDEV); takes KCAP_ATTR_DIRECTION,
 *	KCAP_ATTR_SNAPLEN, KCAP_ATTR_FILTER, KCAP_ATTR_FILTER_TEXT,
 *	KCAP_ATTR_HOOK, KCAP_ATTR_RING_SIZE, KCAP_ATTR_FLAGS and
 *	KCAP_ATTR_RING_FORMAT.  Replies with
 *	the session, as KCAP_CMD_SESSION_GET.
 * @KCAP_CMD_SESSION_DEL: destroy a session.  Readers of its rings see
 *	POLLHUP once drained; its memory goes when the last one closes.
 *	A session without KCAP_SESSION_F_PERSISTENT belongs to the socket
 *	that created it: from any other socket DEL and SET fail with EPERM,
 *	with a message that gives the owner's pid (KCAP_ATTR_OWNER_PID).
 * @KCAP_CMD_SESSION_GET: one session (doit), or all sessions of the
 *	network namespace (dump).  The reply has every attribute of the
 *	session, its state and its counters (KCAP_ATTR_STATS).
 * @KCAP_CMD_SESSION_SET: change KCAP_ATTR_DIRECTION, KCAP_ATTR_SNAPLEN and
 *	KCAP_ATTR_FILTER (with KCAP_ATTR_FILTER_TEXT) of a live session.  The
 *	change is atomic: each frame is handled by the old settings or by the
 *	new ones, never a mix.  An empty KCAP_ATTR_FILTER removes the filter.
 *	Replies with the session, as KCAP_CMD_SESSION_GET.
 * @KCAP_CMD_SESSION_STATS: the counters of one session: the reply has
 *	KCAP_ATTR_ID, KCAP_ATTR_NAME and KCAP_ATTR_STATS only.
 */
enum kcap_cmd {
	KCAP_CMD_UNSPEC,
	KCAP_CMD_SESSION_NEW,
	KCAP_CMD_SESSION_DEL,
	KCAP_CMD_SESSION_GET,
	KCAP_CMD_SESSION_SET,
	KCAP_CMD_SESSION_STATS,

	__KCAP_CMD_MAX,
	KCAP_CMD_MAX = __KCAP_CMD_MAX - 1
};

/**
 * enum kcap_attr - attributes of the KCAP_GENL_NAME family.
 *
 * "In" attributes are accepted from userland; "out" attributes are only in
 * replies and a request carrying one is rejected.
 *
 * @KCAP_ATTR_PAD: padding for 64-bit attributes.
 * @KCAP_ATTR_ID: u32, out (and in, to name a session): the session's id,
 *	unique on the system while the session exists; what KCAP_IOC_BIND
 *	takes.
 * @KCAP_ATTR_NAME: string, in/out: the session's name, unique in its
 *	network namespace; see KCAP_NAME_MAX.
 * @KCAP_ATTR_IFINDEX: u32, in/out: the device, by index.
 * @KCAP_ATTR_IFNAME: string, in/out: the device, by name.  When both are
 *	given they must name the same device.  Neither is in the reply of a
 *	KCAP_SESSION_F_ANYDEV session, nor is KCAP_ATTR_DEV_TYPE.
 * @KCAP_ATTR_DIRECTION: u8, in/out: enum kcap_direction; default inout.
 * @KCAP_ATTR_SNAPLEN: u32, in/out: 1..KCAP_SNAPLEN_MAX bytes kept of each
 *	frame; default KCAP_SNAPLEN_DEFAULT.
 * @KCAP_ATTR_FILTER: binary, in: a classic BPF program, an array of
 *	struct sock_filter (<linux/filter.h>, 8 bytes each) of at most
 *	BPF_MAXINSNS instructions.  It runs over each frame as AF_PACKET
 *	runs socket filters, which is what libpcap compiles for a live Linux
 *	capture: from the MAC header, with an offloaded VLAN tag in metadata
 *	(SKF_AD_VLAN_TAG_PRESENT, SKF_AD_VLAN_TAG) and sent frames of type
 *	PACKET_OUTGOING (SKF_AD_PKTTYPE), so that it gives the verdicts
 *	tcpdump gets on the same device.  Its return value caps the bytes
 *	kept.  Absent or empty: every frame passes.
 * @KCAP_ATTR_FILTER_TEXT: string, in/out: the expression the filter was
 *	compiled from, kept and reported for display only.
 * @KCAP_ATTR_HOOK: u8, in/out: enum kcap_hook; default netfilter.
 * @KCAP_ATTR_RING_SIZE: u32, in/out: data bytes of each per-CPU ring; see
 *	KCAP_RING_SIZE_MIN.  Default KCAP_RING_SIZE_DEFAULT (or ring_size_max
 *	if that is smaller).
 * @KCAP_ATTR_FLAGS: u32, in/out: KCAP_SESSION_F_* flags.
 * @KCAP_ATTR_STATE: u8, out: enum kcap_state.
 * @KCAP_ATTR_DEV_TYPE: u16, out: the device's ARPHRD_* type.
 * @KCAP_ATTR_LINKTYPE: u32, out: the pcap LINKTYPE_* value of the frames
 *	(LINKTYPE_ETHERNET 1, LINKTYPE_RAW 101, ...): what to compile filters
 *	for and write in capture files.
 * @KCAP_ATTR_NR_RINGS: u32, out: how many rings the session has (one per
 *	CPU id below the kernel's nr_cpu_ids; the ring of an id no CPU may
 *	take stays empty).
 * @KCAP_ATTR_FILTER_LEN: u32, out: instructions in the filter, 0 if none.
 * @KCAP_ATTR_OWNER: u32, out: the netlink port id of the socket that owns
 *	the session; absent for a persistent session.
 * @KCAP_ATTR_STATS: nested, out: enum kcap_stats_attr.
 * @KCAP_ATTR_OWNER_PID: u32, out: the process (thread group) id of the
 *	task that created a session owned by its socket, in the pid
 *	namespace of the task reading it (0 if it is not visible there);
 *	absent for a persistent session.
 * @KCAP_ATTR_FILTER_HIDDEN: flag, out: the session's filter has an
 *	expression that KCAP_CMD_SESSION_GET withholds (KCAP_ATTR_FILTER_TEXT
 *	is absent) from a reader without CAP_NET_ADMIN that does not own the
 *	session, as sock_diag withholds socket filters.
 * @KCAP_ATTR_RING_FORMAT: u8, in/out: enum kcap_ring_format, fixed at
 *	creation; default KCAP_RING_FORMAT_KCAP.
 */
enum kcap_attr {
	KCAP_ATTR_UNSPEC,
	KCAP_ATTR_PAD,
	KCAP_ATTR_ID,
	KCAP_ATTR_NAME,
	KCAP_ATTR_IFINDEX,
	KCAP_ATTR_IFNAME,
	KCAP_ATTR_DIRECTION,
	KCAP_ATTR_SNAPLEN,
	KCAP_ATTR_FILTER,
	KCAP_ATTR_FILTER_TEXT,
	KCAP_ATTR_HOOK,
	KCAP_ATTR_RING_SIZE,
	KCAP_ATTR_FLAGS,
	KCAP_ATTR_STATE,
	KCAP_ATTR_DEV_TYPE,
	KCAP_ATTR_LINKTYPE,
	KCAP_ATTR_NR_RINGS,
	KCAP_ATTR_FILTER_LEN,
	KCAP_ATTR_OWNER,
	KCAP_ATTR_STATS,
	KCAP_ATTR_OWNER_PID,
	KCAP_ATTR_FILTER_HIDDEN,
	KCAP_ATTR_RING_FORMAT,

	__KCAP_ATTR_MAX,
	KCAP_ATTR_MAX = __KCAP_ATTR_MAX - 1
};

/**
 * enum kcap_stats_attr - counters of a session (in KCAP_ATTR_STATS).
 *
 * All u64, summed over CPUs, counted since the session was created and
 * kept when it detaches.  passed == delivered + dropped always holds, and
 * passed <= seen.
 *
 * @KCAP_STATS_ATTR_PAD: padding.
 * @KCAP_STATS_ATTR_SEEN: frames in the session's direction.
 * @KCAP_STATS_ATTR_PASSED: of those, frames the filter accepted.
 * @KCAP_STATS_ATTR_DELIVERED: of those, frames written to a ring.
 * @KCAP_STATS_ATTR_DROPPED: of those, frames lost because the ring of the
 *	CPU they arrived on was full.
 * @KCAP_STATS_ATTR_BYTES: captured bytes (caplen) of the delivered frames.
 * @KCAP_STATS_ATTR_CUT: of the delivered frames, those cut shorter than
 *	the snaplen asked because the record would take more than half a
 *	ring (which may never be free): delivered with caplen < len.
 */
enum kcap_stats_attr {
	KCAP_STATS_ATTR_UNSPEC,
	KCAP_STATS_ATTR_PAD,
	KCAP_STATS_ATTR_SEEN,
	KCAP_STATS_ATTR_PASSED,
	KCAP_STATS_ATTR_DELIVERED,
	KCAP_STATS_ATTR_DROPPED,
	KCAP_STATS_ATTR_BYTES,
	KCAP_STATS_ATTR_CUT,

	__KCAP_STATS_ATTR_MAX,
	KCAP_STATS_ATTR_MAX = __KCAP_STATS_ATTR_MAX - 1
};

/*
 * The rings.
 *
 * open("/dev/kcap") (mode 0666, as /dev/net/tun), then ioctl(KCAP_IOC_BIND)
 * binds the file to a session of the caller's network namespace: EPERM
 * unless the file's opener has CAP_NET_RAW in the user namespace owning it,
 * as a packet socket's creator must; a file binds once.  mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
 * fd, 0) then maps all the session's rings: ring i starts at
 * i * ring_stride with its struct kcap_ring_ctrl, and its data area of
 * ring_size bytes starts data_offset bytes later.  close() releases the
 * binding; the session's memory goes when it is destroyed and the last
 * file bound to it is closed.
 *
 * Each ring has one producer (the kernel, on that CPU) and one consumer
 * (the reader).  head and tail are free-running byte counters: the bytes
 * from tail to head (modulo 2^32, each taken modulo ring_size for a
 * position) hold records not yet consumed.  The kernel writes records,
 * then publishes them with a store-release of head; the reader
 * load-acquires head, reads the records up to it, then store-releases tail
 * to give the space back.  The kernel load-acquires tail before reusing
 * space, and never reads anything else the reader can write.
 *
 * In a session of KCAP_RING_FORMAT_KCAP, a record is a struct kcap_rec,
 * then its bytes, padded to a multiple of 8.  A record never wraps around
 * the end of the data area: where the next one would not fit before the
 * end, a padding record (KCAP_REC_F_PAD) fills the rest of the area; of a
 * padding record only rec_len and flags are valid, and rec_len may be as
 * small as 8.
 *
 * In a session of KCAP_RING_FORMAT_PCAP or _PCAP_NSEC, a record is a
 * struct kcap_pcap_rec, then its caplen bytes, with no padding: records
 * lie back to back, as in a pcap file, and head and tail are any byte
 * counts.  A record never wraps around the end of the data area either:
 * where the next one would not fit before the end, the rest of the area is
 * padding, which starts with a struct kcap_pcap_rec whose caplen is
 * KCAP_PCAP_REC_PAD (its other fields are not valid) if it has room for
 * one; fewer bytes than that before the end are always padding.
 *
 * In a session of KCAP_RING_FORMAT_PCAPNG, a record is a pcapng enhanced
 * packet block, a struct kcap_epb and what follows it, with no padding
 * between blocks: their lengths are multiples of 4, as are head and tail.
 * A block never wraps around the end of the data area either: there the
 * rest is padding, which starts with a struct kcap_epb whose type is
 * KCAP_EPB_PAD (its other fields are not valid) if it has room for one;
 * fewer bytes than that before the end are always padding.
 *
 * KCAP_IOC_BIND fails with EPROTO for a session whose format is not
 * KCAP_RING_FORMAT_KCAP unless the reader sets KCAP_BIND_F_RING_FORMAT,
 * which says that it reads ring_format: a reader that knows only struct
 * kcap_rec never sees another format.
 *
 * poll() reports POLLIN when a ring holds records and POLLHUP once the
 * session is detached or destroyed.  Wakeups are batched: at a high packet
 * rate a sleeping reader is woken when a ring is a quarter full, and a lone
 * record wakes it within KCAP_WAKEUP_MAX_MS.
 *
 * A reader that binds with KCAP_BIND_F_BATCH has its poll() batched the
 * same way, as TPACKET_V3 retires whole blocks: POLLIN once a ring is a
 * quarter full, or once records have waited for up to KCAP_WAKEUP_MAX_MS,
 * not as soon as one is there.  A reader that keeps up with the kernel on
 * a CPU of its own then takes records by the thousand, not a few at a
 * time.  It should take what the rings hold when poll() times out too.
 * Records the timer found waiting are reported until the reader has
 * consumed them, its tail stored past them: what poll() reports does not
 * depend on earlier polls, and the file may be polled from more than one
 * place, epoll included.  A reader that keeps its tail back, to store it
 * once per batch, stores it before it polls.
 * POLLHUP is reported as before, once the rings are empty.
 */

#define KCAP_WAKEUP_MAX_MS	20

/* KCAP_IOC_BIND flags. */
#define KCAP_BIND_F_RING_FORMAT	(1U << 0)	/* ring_format is read */
#define KCAP_BIND_F_BATCH	(1U << 1)	/* poll() batched, see above */
#define KCAP_BIND_F_ALL		(KCAP_BIND_F_RING_FORMAT | KCAP_BIND_F_BATCH)

/**
 * struct kcap_bind - argument of KCAP_IOC_BIND.
 * @id: in: the session's KCAP_ATTR_ID.
 * @flags: in: KCAP_BIND_F_* flags.
 * @nr_rings: out: number of rings.
 * @ring_size: out: data bytes of each ring, a power of two.
 * @ring_stride: out: bytes from one ring's control block to the next's.
 * @data_offset: out: bytes from a ring's control block to its data.
 * @mmap_size: out: the length to map, at offset 0.
 * @ring_format: in: must be 0; out: the session's enum kcap_ring_format.
 * @reserved32: in: must be 0; out: 0.
 * @reserved: in: must be 0; out: 0.
 */
struct kcap_bind {
	__u32	id;
	__u32	flags;
	__u32	nr_rings;
	__u32	ring_size;
	__u32	ring_stride;
	__u32	data_offset;
	__u64	mmap_size;
	__u32	ring_format;
	__u32	reserved32;
	__u64	reserved[3];
};

#define KCAP_IOC_MAGIC	0xbc
#define KCAP_IOC_BIND	_IOWR(KCAP_IOC_MAGIC, 1, struct kcap_bind)

/**
 * struct kcap_ring_ctrl - the control block at the start of each ring.
 * @head: written by the kernel (store-release): end of published records.
 * @size: data bytes of the ring (constant).
 * @cpu: the CPU whose frames the ring holds (constant).
 * @head_pad: keeps @tail on its own cache line.
 * @tail: written by the reader (store-release): end of consumed records.
 * @tail_pad: reserved.
 */
struct kcap_ring_ctrl {
	__u32	head;
	__u32	size;
	__u32	cpu;
	__u8	head_pad[52];
	__u32	tail;
	__u8	tail_pad[60];
};

/* Record flags. */
#define KCAP_REC_F_PAD	(1U << 0)	/* padding: skip rec_len bytes */
#define KCAP_REC_F_VLAN	(1U << 1)	/* VLAN tag from metadata, see below */

/**
 * struct kcap_rec - the header of one record in a ring.
 * @rec_len: bytes from this header to the next record, a multiple of 8.
 * @hdr_len: bytes from this header to the frame's bytes (this header may
 *	grow at its end; readers must use @hdr_len).
 * @flags: KCAP_REC_F_* flags.
 * @direction: KCAP_DIR_IN or KCAP_DIR_OUT.
 * @caplen: bytes of the frame in the record.
 * @len: the frame's length on the wire (with a reinserted VLAN tag).
 * @tstamp_ns: capture time, UTC nanoseconds since the epoch.
 * @ifindex: the device's index.
 * @protocol: the frame's skb protocol (an ETH_P_* value, network order).
 * @vlan_tci: with KCAP_REC_F_VLAN: the tag control information of the
 *	802.1Q/802.1ad header that the device or the stack had taken out of
 *	the frame into metadata.  It is written back into the captured bytes
 *	(after the MAC addresses), as libpcap writes it back for tcpdump.
 * @vlan_tpid: with KCAP_REC_F_VLAN: the tag's protocol id (network order).
 * @pkt_type: the frame's PACKET_* type (<linux/if_packet.h>); sent frames
 *	are PACKET_OUTGOING.
 * @reserved: 0.
 */
struct kcap_rec {
	__u32	rec_len;
	__u16	hdr_len;
	__u8	flags;
	__u8	direction;
	__u32	caplen;
	__u32	len;
	__u64	tstamp_ns;
	__u32	ifindex;
	__be16	protocol;
	__u16	vlan_tci;
	__be16	vlan_tpid;
	__u8	pkt_type;
	__u8	reserved[5];
};

#define KCAP_REC_ALIGN	8

/**
 * struct kcap_pcap_rec - the header of a record in a ring of
 *	KCAP_RING_FORMAT_PCAP or _PCAP_NSEC: a pcap file's record header,
 *	in host byte order.
 * @ts_sec: capture time, UTC seconds since the epoch (modulo 2^32).
 * @ts_frac: micro- or nanoseconds past @ts_sec, as the format says.
 * @caplen: bytes of the frame in the record; KCAP_PCAP_REC_PAD in the
 *	header of padding, which runs to the end of the data area.
 * @len: the frame's length on the wire (with a reinserted VLAN tag).
 *
 * The frame's bytes follow, as in a struct kcap_rec record.
 */
struct kcap_pcap_rec {
	__u32	ts_sec;
	__u32	ts_frac;
	__u32	caplen;
	__u32	len;
};

#define KCAP_PCAP_REC_PAD	0xffffffffU

/**
 * struct kcap_epb - the header of a record in a ring of
 *	KCAP_RING_FORMAT_PCAPNG: a pcapng enhanced packet block's, in host
 *	byte order (draft-ietf-opsawg-pcapng).
 * @type: KCAP_EPB_TYPE; KCAP_EPB_PAD in the header of padding, which runs
 *	to the end of the data area.
 * @blen: the block's total length, a multiple of 4:
 *	KCAP_EPB_LEN(@caplen).
 * @ifid: the interface's id in the file: 0.
 * @ts_high: capture time, UTC nanoseconds since the epoch (if_tsresol 9),
 *	its high 32 bits;
 * @ts_low: and its low 32 bits.
 * @caplen: bytes of the frame in the block.
 * @len: the frame's length on the wire (with a reinserted VLAN tag).
 *
 * The frame's bytes follow, zero-padded to a multiple of 4, then a
 * struct kcap_epb_tail.
 */
struct kcap_epb {
	__u32	type;
	__u32	blen;
	__u32	ifid;
	__u32	ts_high;
	__u32	ts_low;
	__u32	caplen;
	__u32	len;
};

/**
 * struct kcap_epb_tail - the last bytes of a block of
 *	KCAP_RING_FORMAT_PCAPNG: its one option and the trailer.
 * @opt_code: 2, epb_flags.
 * @opt_len: 4.
 * @flags: the direction bits of epb_flags: the frame's enum kcap_dir
 *	(KCAP_DIR_IN is pcapng's inbound, 1, and KCAP_DIR_OUT its outbound).
 * @opt_end: opt_endofopt: 0.
 * @blen: the block's total length again.
 */
struct kcap_epb_tail {
	__u16	opt_code;
	__u16	opt_len;
	__u32	flags;
	__u32	opt_end;
	__u32	blen;
};

#define KCAP_EPB_TYPE		0x00000006U
#define KCAP_EPB_PAD		0x00000000U	/* a type pcapng reserves */
#define KCAP_EPB_OPT_FLAGS	2
/* The block's length: its header, the padded bytes, its tail. */
#define KCAP_EPB_LEN(caplen)						\
	((__u32)(sizeof(struct kcap_epb) + sizeof(struct kcap_epb_tail)) + \
	 (((caplen) + 3U) & ~3U))

#endif /* _UAPI_LINUX_KCAP_H */

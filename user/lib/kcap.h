/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkcap: the userland library of kcap.
 *
 * Calls that can fail return 0 (or a non-negative value) on success and a
 * negative errno on failure.  Where there is more to say than the errno,
 * a struct kcap_error says it: see "Errors" below.
 */
#ifndef _LIBKCAP_KCAP_H
#define _LIBKCAP_KCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <linux/filter.h>
#include <linux/kcap.h>

/*
 * Errors.
 *
 * A failed call returns a negative errno.  The explanation for the
 * operator is a struct kcap_error: the errno, what refused, and one line
 * of text.  Calls on a control handle keep the explanation of the last
 * one in the handle (kcap_ctl_error()); the calls that have no handle
 * (kcap_ctl_open(), kcap_filter_compile(), kcap_reader_open()) fill the
 * struct kcap_error their caller passes, if any.
 */

/**
 * enum kcap_error_source - what refused.
 * @KCAP_ERROR_SYSTEM: a system call, netlink, or a bad argument to libkcap.
 * @KCAP_ERROR_KERNEL: the kcap module refused a request; the message is
 *	the kernel's own (its extended acknowledgement) when it gave one.
 * @KCAP_ERROR_FILTER: libpcap did not compile a filter expression; the
 *	message is libpcap's.
 */
enum kcap_error_source {
	KCAP_ERROR_SYSTEM,
	KCAP_ERROR_KERNEL,
	KCAP_ERROR_FILTER,
};

#define KCAP_ERROR_MSG_MAX	512

/**
 * struct kcap_error - why a call failed.
 * @err: the negative errno the call returned; 0 after a success.
 * @source: what refused.
 * @msg: one line without a newline, never empty after a failure: the
 *	kernel's or libpcap's message, or libkcap's line saying what to do
 *	(e.g. "the kcap kernel module is not loaded: run 'modprobe kcap' as
 *	root"), else strerror(-@err).
 */
struct kcap_error {
	int			err;
	enum kcap_error_source	source;
	char			msg[KCAP_ERROR_MSG_MAX];
};

/**
 * struct kcap_ctl - opaque control handle.
 *
 * A generic netlink socket bound to the kcap family of the running kernel.
 * Obtained with kcap_ctl_open(), released with kcap_ctl_close().  A handle
 * must not be used from two threads at once.
 */
struct kcap_ctl;

/**
 * kcap_ctl_open() - open a control handle on the kcap kernel module.
 * @ctl: where to store the new handle; set to NULL on failure.
 * @e: where to say why it failed, or NULL.
 *
 * Connects a generic netlink socket and resolves the KCAP_GENL_NAME family,
 * which the kernel may load the module to provide, and records its numeric
 * id and version.
 *
 * Return: 0 on success, or a negative errno:
 * -ENOENT if the family is not registered (the module is not loaded),
 * -EPERM or -EACCES if the kernel refused the request,
 * -EPROTONOSUPPORT or -EAFNOSUPPORT if the kernel has no generic netlink,
 * -ENOMEM if memory ran out, another negative errno (-EIO if no better
 * one is known) otherwise.
 */
int kcap_ctl_open(struct kcap_ctl **ctl, struct kcap_error *e);

/**
 * kcap_ctl_family_id() - the generic netlink id of the kcap family.
 * @ctl: an open handle.
 *
 * Return: the family id that the kernel assigned when the module registered
 * it, as found by kcap_ctl_open().
 */
int kcap_ctl_family_id(const struct kcap_ctl *ctl);

/**
 * kcap_ctl_family_version() - the version of the kcap family.
 * @ctl: an open handle.
 *
 * Return: the version the module registered the family with, as found by
 * kcap_ctl_open(); compare with KCAP_GENL_VERSION from <linux/kcap.h>.
 */
unsigned int kcap_ctl_family_version(const struct kcap_ctl *ctl);

/**
 * kcap_ctl_family_maxattr() - the highest attribute the module knows.
 * @ctl: an open handle.
 *
 * Return: the family's maxattr as the module registered it, found by
 * kcap_ctl_open(): a module older than <linux/kcap.h> has a lower one and
 * refuses the attributes above it (KCAP_ATTR_RING_FORMAT, for one).  0
 * if the family does not say (one with a policy per command).
 */
unsigned int kcap_ctl_family_maxattr(const struct kcap_ctl *ctl);

/**
 * kcap_ctl_module_older() - whether the module predates an attribute.
 * @ctl: an open handle.
 * @attr: an attribute of enum kcap_attr.
 *
 * Return: true if the module's family says it knows no attribute as high
 * as @attr (kcap_ctl_family_maxattr() is not 0 and lower).
 */
bool kcap_ctl_module_older(const struct kcap_ctl *ctl, unsigned int attr);

/**
 * kcap_ctl_attr_max() - the highest value the module takes for an
 *	attribute.
 * @ctl: an open handle.
 * @cmd: a command of enum kcap_cmd.
 * @attr: an integer attribute of enum kcap_attr, with a range.
 * @max: set to the highest value @cmd takes for @attr.
 *
 * Asked of the module's policy (CTRL_CMD_GETPOLICY): where an enum grew,
 * such as enum kcap_ring_format, whether the module knows the new values.
 *
 * Return: 0; -ENOENT if @attr is not in the policy of @cmd (a module
 * that predates it) or has no range there, or another negative errno,
 * with kcap_ctl_error() set.
 */
int kcap_ctl_attr_max(struct kcap_ctl *ctl, uint8_t cmd, unsigned int attr,
		      uint64_t *max);

/**
 * kcap_ctl_close() - close a control handle and free it.
 * @ctl: a handle from kcap_ctl_open(), or NULL (then nothing is done).
 */
void kcap_ctl_close(struct kcap_ctl *ctl);

/**
 * kcap_ctl_error() - why the last call on a handle failed.
 * @ctl: an open handle.
 *
 * Every call that takes a handle clears its error when it starts and
 * fills it when it fails: the kernel's message about a request it refused
 * (KCAP_ERROR_KERNEL), libpcap's about a filter expression
 * (KCAP_ERROR_FILTER), or libkcap's (KCAP_ERROR_SYSTEM).
 *
 * Return: the handle's error, valid until the next call on @ctl; its err
 * is 0 if the last call succeeded.
 */
const struct kcap_error *kcap_ctl_error(const struct kcap_ctl *ctl);

/**
 * kcap_ctl_port() - the netlink port id of the handle's socket.
 * @ctl: an open handle.
 *
 * Return: the port id, which the kernel reports as KCAP_ATTR_OWNER of the
 * sessions this handle owns.
 */
uint32_t kcap_ctl_port(const struct kcap_ctl *ctl);

/*
 * Sessions.
 *
 * A session is a named capture on one net device (see <linux/kcap.h>).  A
 * session created without KCAP_SESSION_F_PERSISTENT is *owned* by the
 * handle that created it: the kernel destroys it when the handle's socket
 * is closed, by kcap_ctl_close() or by the end of the process, however it
 * ends.  A handle must therefore stay open for as long as its owned
 * sessions are wanted.  A persistent session lives until
 * kcap_session_del().
 *
 * Every call returns 0 or a negative errno; kcap_ctl_error() says why.
 */

#define KCAP_IFNAMSIZ		16	/* IFNAMSIZ of <net/if.h> */
/* The device name of a session on every device, as libpcap's "any". */
#define KCAP_ANY_DEVICE		"any"

/**
 * struct kcap_stats - the counters of a session (enum kcap_stats_attr).
 * @seen: frames in the session's direction.
 * @passed: of those, frames the filter accepted.
 * @delivered: of those, frames written to a ring.
 * @dropped: of those, frames lost to a full ring.
 * @bytes: captured bytes of the delivered frames.
 * @cut: of the delivered frames, those cut to half a ring (0 from a
 *	module that does not count them).
 */
struct kcap_stats {
	uint64_t	seen;
	uint64_t	passed;
	uint64_t	delivered;
	uint64_t	dropped;
	uint64_t	bytes;
	uint64_t	cut;
};

/**
 * struct kcap_session_info - a session as the kernel reports it.
 * @id: KCAP_ATTR_ID, what kcap_reader_open() takes.
 * @name: KCAP_ATTR_NAME.
 * @ifindex: the device's index; 0 for a session on every device.
 * @ifname: the device's name ("" if the kernel did not say);
 *	KCAP_ANY_DEVICE for a session on every device (@flags has
 *	KCAP_SESSION_F_ANYDEV).
 * @direction: enum kcap_direction.
 * @snaplen: bytes kept of each frame.
 * @filter_text: the filter's expression as set ("" if none was given).
 * @filter_len: instructions in the filter, 0 if there is none.
 * @hook: enum kcap_hook.
 * @ring_size: data bytes of each per-CPU ring.
 * @flags: KCAP_SESSION_F_* flags.
 * @state: enum kcap_state.
 * @dev_type: the device's ARPHRD_* type; 0 for a session on every device.
 * @linktype: the pcap LINKTYPE_* of the frames: KCAP_LINKTYPE_LINUX_SLL2
 *	for a session on every device.
 * @nr_rings: the number of rings.
 * @owner: the netlink port id of the owning socket, if @has_owner.
 * @has_owner: the session is owned (not persistent).
 * @stats: the counters, if @has_stats.
 * @has_stats: the reply carried KCAP_ATTR_STATS.
 * @owner_pid: the process that created the session, if @has_owner_pid:
 *	its id in the caller's pid namespace, 0 if it is not visible there.
 *	Only the owning socket may change or delete an owned session.
 * @has_owner_pid: the reply carried KCAP_ATTR_OWNER_PID (an owned
 *	session, and a module that reports it).
 * @filter_hidden: the session's filter has an expression the kernel
 *	withholds from the caller (KCAP_ATTR_FILTER_HIDDEN): reading it needs
 *	CAP_NET_ADMIN, or owning the session.  @filter_text is "" then.
 * @ring_format: enum kcap_ring_format (KCAP_RING_FORMAT_KCAP from a module
 *	that does not report it).
 *
 * Attributes missing from a reply are left 0 (or "").
 */
struct kcap_session_info {
	uint32_t		id;
	char			name[KCAP_NAME_MAX];
	uint32_t		ifindex;
	char			ifname[KCAP_IFNAMSIZ];
	uint8_t			direction;
	uint32_t		snaplen;
	char			filter_text[KCAP_FILTER_TEXT_MAX];
	uint32_t		filter_len;
	uint8_t			hook;
	uint32_t		ring_size;
	uint32_t		flags;
	uint8_t			state;
	uint16_t		dev_type;
	uint32_t		linktype;
	uint32_t		nr_rings;
	uint32_t		owner;
	bool			has_owner;
	struct kcap_stats	stats;
	bool			has_stats;
	uint32_t		owner_pid;
	bool			has_owner_pid;
	bool			filter_hidden;
	uint8_t			ring_format;
};

/*
 * Which optional fields of struct kcap_session_config are set: only those
 * are sent to the kernel, which keeps (SET) or defaults (NEW) the others.
 * KCAP_CFG_FILTER and KCAP_CFG_PROG exclude each other.
 */
#define KCAP_CFG_DIRECTION	(1U << 0)
#define KCAP_CFG_SNAPLEN	(1U << 1)
#define KCAP_CFG_FILTER		(1U << 2)
#define KCAP_CFG_HOOK		(1U << 3)
#define KCAP_CFG_RING_SIZE	(1U << 4)
#define KCAP_CFG_FLAGS		(1U << 5)
#define KCAP_CFG_PROG		(1U << 6)
#define KCAP_CFG_RING_FORMAT	(1U << 7)

/**
 * struct kcap_session_config - what to create or change.
 * @name: the session's name; for kcap_session_set(), NULL to name it by @id.
 * @id: kcap_session_set() only: the session's id, used when @name is NULL.
 * @ifindex: kcap_session_new() only: the device by index, 0 if not given.
 * @ifname: kcap_session_new() only: the device by name, NULL if not given.
 *	At least one of @ifindex and @ifname is needed; if both are given
 *	they must name the same device.  KCAP_ANY_DEVICE ("any") with no
 *	@ifindex, as tcpdump -i any: a session on every device of the
 *	network namespace (KCAP_SESSION_F_ANYDEV), no device named in the
 *	request, KCAP_SESSION_F_ANYDEV and KCAP_SESSION_F_NOPROMISC added to
 *	the flags sent; its frames are KCAP_LINKTYPE_LINUX_SLL2 and @hook
 *	must be KCAP_HOOK_NETFILTER (the default).
 * @set: KCAP_CFG_* bits: which of the fields below are to be sent.
 * @direction: KCAP_CFG_DIRECTION: enum kcap_direction.
 * @snaplen: KCAP_CFG_SNAPLEN: 1..KCAP_SNAPLEN_MAX, the one place frames are
 *	cut (filters compiled by libkcap keep whole frames).
 * @filter: KCAP_CFG_FILTER: a pcap-filter(7) expression, which libkcap
 *	compiles for the session's link type on its device, as tcpdump would
 *	there (see kcap_filter_compile()); NULL, "" or "all" for none (every
 *	frame passes; it removes the filter of a live session).
 *	KCAP_CFG_PROG: the text of @prog, kept for display; NULL for none.
 * @prog: KCAP_CFG_PROG: a classic BPF program of @prog_len instructions,
 *	sent as it is (0 instructions: no filter).
 * @prog_len: KCAP_CFG_PROG: its number of instructions.
 * @hook: KCAP_CFG_HOOK, kcap_session_new() only: enum kcap_hook.
 * @ring_size: KCAP_CFG_RING_SIZE, kcap_session_new() only: data bytes of
 *	each ring, a power of two.
 * @flags: KCAP_CFG_FLAGS, kcap_session_new() only: KCAP_SESSION_F_*.
 * @ring_format: KCAP_CFG_RING_FORMAT, kcap_session_new() only: enum
 *	kcap_ring_format.  The pcap formats make the rings' records pcap
 *	records, which a capture writes to a pcap file of the same time
 *	resolution a run at a time, without a look at each; the pcapng one
 *	makes them pcapng blocks, which a capture writes so to a pcapng
 *	file.  Their readers hand out packets as from the default format,
 *	without the protocol and packet type that format alone carries (and
 *	from the pcap formats, without the direction).
 *
 * A kcap_filter compiled beforehand gives @prog, @prog_len and @filter:
 * see kcap_session_config_filter().
 */
struct kcap_session_config {
	const char		*name;
	uint32_t		id;
	uint32_t		ifindex;
	const char		*ifname;
	uint32_t		set;
	uint8_t			direction;
	uint32_t		snaplen;
	const char		*filter;
	const struct sock_filter *prog;
	unsigned int		prog_len;
	uint8_t			hook;
	uint32_t		ring_size;
	uint32_t		flags;
	uint8_t			ring_format;
};

/**
 * kcap_session_new() - create a session.
 * @ctl: an open handle; it owns the session unless @cfg->flags has
 *	KCAP_SESSION_F_PERSISTENT: keep it open for as long as the session
 *	is wanted.
 * @cfg: the session's name, device and the settings to send.
 * @info: where to store the new session as the kernel reports it, or NULL.
 *
 * One KCAP_CMD_SESSION_NEW request, unless @cfg has a filter expression
 * (KCAP_CFG_FILTER): its link type is the device's, which only the kernel
 * knows, so then the session is created capturing nothing, the expression
 * compiled for it, and direction and filter set in one change
 * (KCAP_CMD_SESSION_SET), so that no frame the filter would refuse is
 * captured.  If a step fails the session is deleted.
 *
 * Return: 0, or a negative errno: -EINVAL for a bad @cfg (no name, no
 * device, a name of KCAP_NAME_MAX bytes or more) or an expression libpcap
 * refuses, -EEXIST if the name is taken, -ENODEV if there is no such
 * device, -EPERM without the capability the session needs (CAP_NET_RAW
 * for a session owned by @ctl, and CAP_NET_ADMIN too without
 * KCAP_SESSION_F_NOPROMISC; CAP_NET_ADMIN for a persistent one),
 * -EMSGSIZE if the request does not fit a message, or what else the kernel
 * says; kcap_ctl_error() says why.
 */
int kcap_session_new(struct kcap_ctl *ctl,
		     const struct kcap_session_config *cfg,
		     struct kcap_session_info *info);

/**
 * kcap_session_set() - change a live session (KCAP_CMD_SESSION_SET).
 * @ctl: an open handle.
 * @cfg: the session by @cfg->name or @cfg->id, and the settings to send:
 *	only KCAP_CFG_DIRECTION, KCAP_CFG_SNAPLEN and KCAP_CFG_FILTER (or
 *	KCAP_CFG_PROG) may be set.  The kernel applies them all at once, or
 *	none.  A filter expression is compiled for the session's link type
 *	on its device, which a KCAP_CMD_SESSION_GET finds first.
 * @info: where to store the session as changed, or NULL.
 *
 * Return: 0, or a negative errno: -EINVAL for a bad @cfg or an expression
 * libpcap refuses, -ENOENT if there is no such session, or what the
 * kernel says; kcap_ctl_error() says why.
 */
int kcap_session_set(struct kcap_ctl *ctl,
		     const struct kcap_session_config *cfg,
		     struct kcap_session_info *info);

/**
 * kcap_session_del() - destroy a session (KCAP_CMD_SESSION_DEL).
 * @ctl: an open handle.
 * @name: the session's name, or NULL to name it by @id.
 * @id: the session's id, when @name is NULL.
 *
 * Return: 0, or a negative errno: -ENOENT if there is no such session.
 */
int kcap_session_del(struct kcap_ctl *ctl, const char *name, uint32_t id);

/**
 * kcap_session_get() - one session (KCAP_CMD_SESSION_GET).
 * @ctl: an open handle.
 * @name: the session's name, or NULL to name it by @id.
 * @id: the session's id, when @name is NULL.
 * @info: where to store it.
 *
 * Return: 0, or a negative errno: -ENOENT if there is no such session.
 */
int kcap_session_get(struct kcap_ctl *ctl, const char *name, uint32_t id,
		     struct kcap_session_info *info);

/**
 * kcap_session_list() - every session of the network namespace (a dump
 * of KCAP_CMD_SESSION_GET).
 * @ctl: an open handle.
 * @list: where to store an array of the sessions, in the kernel's order,
 *	to be released with free(); NULL when there are none.
 * @nr: where to store their number.
 *
 * Return: 0, or a negative errno (-ENOMEM, or what the kernel says).
 */
int kcap_session_list(struct kcap_ctl *ctl, struct kcap_session_info **list,
		      size_t *nr);

/**
 * kcap_session_stats() - the counters of a session (KCAP_CMD_SESSION_STATS).
 * @ctl: an open handle.
 * @name: the session's name, or NULL to name it by @id.
 * @id: the session's id, when @name is NULL.
 * @stats: where to store them.
 *
 * Return: 0, or a negative errno: -ENOENT if there is no such session,
 * -EBADMSG if the reply had no counters.
 */
int kcap_session_stats(struct kcap_ctl *ctl, const char *name, uint32_t id,
		       struct kcap_stats *stats);

/*
 * Filters: tcpdump expressions compiled by libpcap.
 */

/**
 * struct kcap_filter - a compiled filter.
 * @insns: the classic BPF program, NULL if @len is 0.
 * @len: its number of instructions; 0 means no filter (every frame
 *	passes).
 * @text: the expression it was compiled from, "" for no filter.
 */
struct kcap_filter {
	struct sock_filter	*insns;
	unsigned int		len;
	char			*text;
};

/**
 * kcap_filter_compile() - compile a tcpdump expression for a session.
 * @f: where to store the filter; release it with kcap_filter_free().
 * @expr: the expression (pcap-filter(7)); NULL, "" or "all" (blanks
 *	around it ignored) for no filter.
 * @linktype: the session's pcap LINKTYPE_* value (KCAP_ATTR_LINKTYPE).
 * @ifname: the session's device (in the caller's network namespace), or
 *	NULL.
 * @e: where to say why it failed, or NULL.
 *
 * Compiles with optimisation and an unknown netmask, as tcpdump does.  The
 * program accepts a frame whole (it returns KCAP_SNAPLEN_MAX): the
 * session's snaplen is the one place frames are cut, so that changing it
 * never needs the filter again.
 *
 * The kernel runs filters as it runs socket filters, with an offloaded VLAN
 * tag in metadata.  libpcap compiles for that only on a live Linux handle:
 * there "vlan 100" tests the tag with SKF_AD_VLAN_* loads, and the other
 * primitives test the bytes as the stack holds them, which is how tcpdump
 * gives its verdicts.  So when @ifname is given and a live handle on it can
 * be activated (it needs CAP_NET_RAW; its packet socket lives only while
 * compiling) with the session's link type, the expression is compiled on
 * it; otherwise on a dead handle of @linktype, where "vlan" tests only
 * tags in the bytes.
 *
 * The program reads the frame as its link type has it, which is what a
 * capture file holds: a KCAP_SESSION_F_ANYDEV session's filter needs
 * kcap_filter_anydev() after this.
 *
 * Return: 0, or a negative errno: -EINVAL if libpcap rejected the
 * expression or does not know @linktype (KCAP_ERROR_FILTER, libpcap's
 * message), -E2BIG if the expression is longer than
 * KCAP_FILTER_TEXT_MAX - 1 bytes or the program has more than
 * BPF_MAXINSNS instructions, -ENOMEM.
 */
int kcap_filter_compile(struct kcap_filter *f, const char *expr,
			uint32_t linktype, const char *ifname,
			struct kcap_error *e);

/**
 * kcap_filter_anydev() - a filter for a session on every device.
 * @f: a filter kcap_filter_compile() made for KCAP_LINKTYPE_LINUX_SLL2
 *	(with no @ifname), rewritten in place.
 * @e: where to say why it failed, or NULL.
 *
 * A KCAP_SESSION_F_ANYDEV session runs its filter from each frame's
 * network header, as a SOCK_DGRAM packet socket does, with the cooked
 * header's fields as metadata.  Its loads are moved as libpcap moves them
 * for its own "any" socket: a load after the 20-byte cooked header moves
 * back by 20 bytes; a load of its protocol, device index, ARPHRD_ type or
 * packet type becomes the SKF_AD_PROTOCOL, SKF_AD_IFINDEX, SKF_AD_HATYPE
 * or SKF_AD_PKTTYPE load.  kcap_session_new() and kcap_session_set() do
 * this themselves for such a session's expression.
 *
 * Return: 0, or -EINVAL (KCAP_ERROR_FILTER) if the program reads another
 * part of the cooked header (e.g. the link-layer address: "ether host"),
 * which the kernel does not have there; @f is then half rewritten, for
 * kcap_filter_free() only.
 */
int kcap_filter_anydev(struct kcap_filter *f, struct kcap_error *e);

/**
 * kcap_filter_free() - release what kcap_filter_compile() allocated.
 * @f: a compiled filter, or one zeroed; it is zeroed again.
 */
void kcap_filter_free(struct kcap_filter *f);

/**
 * kcap_session_config_filter() - put a compiled filter in a session config.
 * @cfg: the config of a kcap_session_new() or kcap_session_set() request.
 * @f: a filter from kcap_filter_compile(); it must outlive the request.
 *
 * Sets @cfg's prog, prog_len and filter from @f and marks KCAP_CFG_PROG
 * (and not KCAP_CFG_FILTER).  A filter of no instructions removes the
 * session's.
 */
void kcap_session_config_filter(struct kcap_session_config *cfg,
				const struct kcap_filter *f);

/**
 * kcap_linktype_to_dlt() - a pcap LINKTYPE_ value as libpcap's DLT_ value.
 * @linktype: a LINKTYPE_ value, as in capture files and KCAP_ATTR_LINKTYPE.
 *
 * They differ for the few link types whose DLT_ value is not the same on
 * every OS (LINKTYPE_RAW 101 is DLT_RAW, 12 on Linux); libpcap does this
 * mapping inside but does not export it.
 *
 * Return: the DLT_ value to give pcap_open_dead() and the
 * pcap_datalink_val_to_*() calls.
 */
int kcap_linktype_to_dlt(uint32_t linktype);

/**
 * kcap_dlt_to_linktype() - libpcap's DLT_ value as a pcap LINKTYPE_ value.
 * @dlt: a DLT_ value, as pcap_datalink() returns.
 *
 * The inverse of kcap_linktype_to_dlt().
 *
 * Return: the LINKTYPE_ value, as capture files and KCAP_ATTR_LINKTYPE
 * hold it.
 */
uint32_t kcap_dlt_to_linktype(int dlt);

/**
 * kcap_linktype_name() - libpcap's short name of a link type.
 * @linktype: a LINKTYPE_ value.
 *
 * Return: e.g. "EN10MB" for LINKTYPE_ETHERNET, or NULL if libpcap does not
 * know it.
 */
const char *kcap_linktype_name(uint32_t linktype);

/**
 * kcap_linktype_description() - libpcap's description of a link type.
 * @linktype: a LINKTYPE_ value.
 *
 * Return: e.g. "Ethernet" for LINKTYPE_ETHERNET, or NULL if libpcap does
 * not know it.
 */
const char *kcap_linktype_description(uint32_t linktype);

/**
 * kcap_version() - the version of kcap.
 *
 * Return: a static "MAJOR.MINOR.PATCH" string: KCAP_VERSION, the version of
 * the module and the tool alike (kmod/version.h).
 */
const char *kcap_version(void);

/*
 * Capture-file writers: pcap (through libpcap) and pcapng (our own).
 *
 * Only whole records ever reach the file.  Records are buffered; a record
 * that kcap_writer_write() accepted is in the file once a later
 * kcap_writer_flush() or kcap_writer_close() returned 0.  When a write fails
 * (full disk, file size limit) the error is reported by the call that met
 * it and every later call, and a regular file is truncated back to the end
 * of the last record that was written whole, so that what is on disk stays
 * a valid capture file.  A pipe or terminal cannot be truncated: there a
 * failed write may leave a partial record at the end of the stream.
 */

#define KCAP_FRAME_IN	1	/* received by the host */
#define KCAP_FRAME_OUT	2	/* sent by the host */

/**
 * struct kcap_frame - one captured frame as the writers take it.
 * @tstamp_ns: when it was captured: UTC, nanoseconds since the epoch.
 * @caplen: how many bytes of it are at @data.
 * @len: its original length on the wire; not less than @caplen.
 * @ifindex: the index of the device it was captured on.
 * @direction: KCAP_FRAME_IN, KCAP_FRAME_OUT, or 0 if unknown.
 * @data: its first @caplen bytes.
 */
struct kcap_frame {
	uint64_t	tstamp_ns;
	uint32_t	caplen;
	uint32_t	len;
	uint32_t	ifindex;
	uint8_t		direction;
	const uint8_t	*data;
};

/**
 * enum kcap_file_format - the format of a capture file.
 * @KCAP_FORMAT_PCAP: libpcap's classic format: one link type, no direction.
 * @KCAP_FORMAT_PCAPNG: pcapng: an interface per device, frame direction,
 *	per-interface statistics.
 */
enum kcap_file_format {
	KCAP_FORMAT_PCAP,
	KCAP_FORMAT_PCAPNG,
};

/**
 * struct kcap_writer - opaque capture-file writer.
 *
 * Obtained with kcap_writer_open(), released with kcap_writer_close().  A
 * writer must not be used from two threads at once.
 */
struct kcap_writer;

/**
 * kcap_writer_open() - create a capture file and start it.
 * @w: where to store the new writer; set to NULL on failure.
 * @path: the file to create or truncate, or "-" for standard output (which
 *	is not closed by kcap_writer_close()).
 * @fmt: the file format.
 * @linktype: a pcap LINKTYPE_ value: the link type of a pcap file, and of
 *	the pcapng interfaces that are not declared with
 *	kcap_writer_add_interface().
 * @snaplen: the largest number of bytes kept of a frame, 0 for no limit
 *	(then 262144 in a pcap file header); longer frames are cut.
 * @nano: pcap only: nanosecond timestamps (magic 0xa1b23c4d) instead of
 *	microseconds.  pcapng always has nanosecond timestamps
 *	(if_tsresol 9).
 *
 * The file header is buffered like the frames: an error writing it shows
 * at the first kcap_writer_flush() or at kcap_writer_close().
 *
 * Return: 0 on success, or a negative errno: -EINVAL for a bad argument,
 * -ENOMEM, or the errno of creating or writing the file.
 */
int kcap_writer_open(struct kcap_writer **w, const char *path,
		     enum kcap_file_format fmt, int linktype, uint32_t snaplen,
		     bool nano);

/**
 * struct kcap_writer_opts - what kcap_writer_create() makes.
 * @path: the file to create or truncate, "-" for standard output, or NULL
 *	to write into @fd.
 * @fd: with @path NULL: an open file to write into, from its offset (not
 *	closed by kcap_writer_close(); cut back after a failed write when it
 *	is a regular file at offset 0, such as a memfd_create(2) file).
 * @format: the file format.
 * @linktype: as kcap_writer_open().
 * @snaplen: as kcap_writer_open().
 * @nano: as kcap_writer_open().
 * @comment: pcapng: the section header's comment (opt_comment), UTF-8;
 *	NULL for none.  pcap has no place for it.
 */
struct kcap_writer_opts {
	const char		*path;
	int			fd;
	enum kcap_file_format	format;
	int			linktype;
	uint32_t		snaplen;
	bool			nano;
	const char		*comment;
};

/**
 * kcap_writer_create() - kcap_writer_open() with all its options.
 * @w: where to store the new writer; set to NULL on failure.
 * @o: what to write, and where.
 *
 * Return: as kcap_writer_open().
 */
int kcap_writer_create(struct kcap_writer **w,
		       const struct kcap_writer_opts *o);

/**
 * kcap_writer_add_interface() - declare the device of an ifindex.
 * @w: an open writer.
 * @ifindex: the index of the device.
 * @name: its name (if_name), or NULL for "if<ifindex>".
 * @linktype: its pcap LINKTYPE_ value.
 * @snaplen: its snapshot length, 0 for no limit.
 *
 * pcapng: writes an interface description block for the device.  Frames of
 * an ifindex that was not declared get one automatically, named
 * "if<ifindex>", with the link type and snaplen given to kcap_writer_open().
 * pcap: the file has a single link type; the call only checks that
 * @linktype is that one, and frames of every ifindex go to the file.
 *
 * Return: 0 on success, or a negative errno: -EEXIST if @ifindex was
 * declared already (pcapng), -EINVAL if @linktype is not the file's (pcap),
 * -ENOMEM, or the error of an earlier failed write.
 */
int kcap_writer_add_interface(struct kcap_writer *w, uint32_t ifindex,
			      const char *name, int linktype, uint32_t snaplen);

/**
 * kcap_writer_write() - add a frame to the file.
 * @w: an open writer.
 * @f: the frame; f->caplen is cut to the interface's snaplen.
 *
 * The frame is buffered: see kcap_writer_flush().
 *
 * Return: 0 on success, or a negative errno: -EINVAL if f->caplen is more
 * than f->len, -ENOMEM, or the errno of a failed write (e.g. -ENOSPC,
 * -EFBIG), also of an earlier one.
 */
int kcap_writer_write(struct kcap_writer *w, const struct kcap_frame *f);

/**
 * kcap_writer_flush() - write out what is buffered.
 * @w: an open writer.
 *
 * Return: 0 if everything written so far is in the file (handed to the
 * kernel, not synced to disk) and the file is valid up to there, or the
 * negative errno of a failed write, also of an earlier one.
 */
int kcap_writer_flush(struct kcap_writer *w);

/**
 * kcap_writer_set_stats() - record the kernel's counters of an interface.
 * @w: an open writer.
 * @ifindex: the device they count for.
 * @received: frames the kernel saw (isb_ifrecv).
 * @dropped: frames it dropped (isb_ifdrop).
 *
 * pcapng: kcap_writer_close() writes them in an interface statistics block;
 * an interface is added as by kcap_writer_write() if need be.  pcap: the
 * format has no place for them and they are ignored.
 *
 * Return: 0 on success, or a negative errno as kcap_writer_add_interface().
 */
int kcap_writer_set_stats(struct kcap_writer *w, uint32_t ifindex,
			  uint64_t received, uint64_t dropped);

/**
 * kcap_writer_close() - finish the file, close it and free the writer.
 * @w: a writer from kcap_writer_open(), or NULL (then nothing is done).
 *
 * pcapng: first writes an interface statistics block for every interface,
 * with the counters of kcap_writer_set_stats() if they were set and the
 * times of its first and last frame if it had any.
 *
 * Return: 0 if the whole file was written, or the negative errno of the
 * first failed write; the writer is freed either way.
 */
int kcap_writer_close(struct kcap_writer *w);

/**
 * kcap_writer_bytes() - the size of the file so far.
 * @w: an open writer.
 *
 * Return: the bytes written so far, including those still buffered, for
 * rotating files by size.
 */
uint64_t kcap_writer_bytes(const struct kcap_writer *w);

/**
 * kcap_writer_kept() - the frames that are in the file.
 * @w: an open writer.
 * @frames: where to store how many frames the file holds, out of its
 *	buffers.
 * @bytes: where to store their captured bytes (as kcap_writer_write() got
 *	them).
 *
 * After a failed write the file is cut back to the end of its last whole
 * record: these say what it holds; frames written since are not in it.
 */
void kcap_writer_kept(const struct kcap_writer *w, uint64_t *frames,
		      uint64_t *bytes);

/**
 * kcap_writer_frame_bytes() - what a frame would add to the file.
 * @w: an open writer.
 * @f: the frame, cut to its interface's snaplen as kcap_writer_write()
 *	would cut it.
 *
 * For rotating files before they would exceed a size: the size of the
 * frame's record (a pcap record header and the data, or a pcapng enhanced
 * packet block).  It does not count an interface description block that
 * the frame of an undeclared ifindex brings, nor what kcap_writer_close()
 * adds (pcapng's interface statistics blocks).
 *
 * Return: the number of bytes.
 */
uint64_t kcap_writer_frame_bytes(const struct kcap_writer *w,
				 const struct kcap_frame *f);

/*
 * Reading a session's rings through /dev/kcap.
 */

/**
 * struct kcap_packet - one frame read from a session's rings.
 * @frame: the frame, ready for kcap_writer_write(); @frame.data points
 *	into the ring.
 * @protocol: the frame's skb protocol, an ETH_P_* value in host order.
 * @vlan: the frame had a VLAN tag in metadata, written back into its bytes.
 * @vlan_tci: with @vlan: the tag control information.
 * @vlan_tpid: with @vlan: the tag's protocol id, host order.
 * @pkt_type: the frame's PACKET_* type (PACKET_OUTGOING when sent).
 * @ring: the index of the ring it came from.
 * @session: from kcap_capture_next(), the index of its session in the
 *	capture; 0 from kcap_reader_next().
 *
 * A packet, its bytes included, stays valid until the next
 * kcap_reader_next() or kcap_reader_close() on the reader that gave it.
 */
struct kcap_packet {
	struct kcap_frame	frame;
	uint16_t		protocol;
	bool			vlan;
	uint16_t		vlan_tci;
	uint16_t		vlan_tpid;
	uint8_t			pkt_type;
	uint32_t		ring;
	uint32_t		session;
};

/**
 * kcap_format_packet() - a frame as one line, as kcap(8) prints it.
 * @buf: where to store the line, without a newline; cut to fit.
 * @size: the size of @buf.
 * @pkt: the frame.
 * @linktype: its pcap LINKTYPE_ value.
 * @ifname: its device's name, or NULL not to print it.
 * @nano: nanosecond timestamps instead of microseconds.
 *
 * "HH:MM:SS.UUUUUU [IFNAME] In|Out SUMMARY[, captured N]": local time,
 * the direction, a summary of Ethernet, ARP, IPv4, IPv6, TCP, UDP and
 * ICMP in tcpdump's words ("Flags [S.]", "ICMP echo request, id 1, seq 1",
 * "length" what the last protocol named carries, as its header says), and
 * how much of the frame was captured when not all of it.  Not a
 * dissector: tcpdump prints more (kcap(8)'s print flags).
 *
 * A LINKTYPE_LINUX_SLL2 frame (KCAP_LINKTYPE_LINUX_SLL2: a session on
 * every device, or a cooked file) is printed as tcpdump -i any prints it,
 * with the device its cooked header names in place of @ifname: that
 * index's name on this host, else "ifindex N"; the direction is the
 * frame's, else the header's packet type (PACKET_OUTGOING: "Out"); and
 * the header's protocol says what follows it.
 */
void kcap_format_packet(char *buf, size_t size, const struct kcap_packet *pkt,
			uint32_t linktype, const char *ifname, bool nano);

/*
 * Reading capture files back.
 */

/**
 * struct kcap_file_if - an interface of a capture file.
 * @linktype: its pcap LINKTYPE_ value.
 * @snaplen: its snapshot length, 0 if none.
 * @name: its name (pcapng's if_name), "" if the file has none.
 * @number: its number in the file, counted over all sections from 0 (a
 *	pcapng section numbers its own interfaces from 0 again).
 */
struct kcap_file_if {
	uint32_t	linktype;
	uint32_t	snaplen;
	char		name[64];
	uint32_t	number;
};

struct kcap_file;

/**
 * kcap_file_open() - open a capture file to read its frames.
 * @fp: where to store the reader; kcap_file_close() releases it.
 * @path: the file, "-" for standard input.
 * @e: where to say why it failed, or NULL.
 *
 * A pcap file is read by libpcap; a pcapng file by libkcap itself, since
 * libpcap does not give each frame's direction (epb_flags) nor its
 * interface's name: both kinds, either byte order, timestamps of any
 * if_tsresol.
 *
 * Return: 0, or a negative errno with @e saying "cannot read 'PATH': ...".
 */
int kcap_file_open(struct kcap_file **fp, const char *path,
		   struct kcap_error *e);

/**
 * kcap_file_next() - the next frame of a capture file.
 * @f: the reader.
 * @pkt: the frame: its bytes, lengths, timestamp (ns), direction (a pcapng
 *	epb_flags', else 0) and, as @frame.ifindex, its interface's @number
 *	plus one; valid until the next call.  Other members are 0.
 * @fif: its interface; valid until the next call (a later interface
 *	block may move them).
 * @path: the file's name, for messages.
 * @e: where to say why it failed, or NULL.
 *
 * Return: 1 with a frame, 0 at the end of the file, or a negative errno
 * (a truncated or broken file).
 */
int kcap_file_next(struct kcap_file *f, struct kcap_packet *pkt,
		   const struct kcap_file_if **fif, const char *path,
		   struct kcap_error *e);

/**
 * kcap_file_pcap_if() - the one interface of a pcap file.
 * @f: the reader.
 *
 * Return: a pcap file's interface (its link type is every frame's, and
 * its frames have no direction), or NULL for a pcapng file (see each
 * frame's interface).
 */
const struct kcap_file_if *kcap_file_pcap_if(const struct kcap_file *f);

/**
 * kcap_file_nr_ifs() - how many interfaces a capture file described so far.
 * @f: the reader.
 *
 * Return: 1 for a pcap file; for a pcapng file, the interfaces of its
 * current section read so far (writers describe them before the frames).
 */
size_t kcap_file_nr_ifs(const struct kcap_file *f);

/* kcap_file_close() - close a reader from kcap_file_open(); NULL is none. */
void kcap_file_close(struct kcap_file *f);

/**
 * kcap_packet_cooked() - a frame's Linux cooked capture v2 header.
 * @pkt: the frame.
 * @linktype: its pcap LINKTYPE_ value: Ethernet, raw IP, 802.11 or Linux
 *	cooked v2 (KCAP_LINKTYPE_LINUX_SLL2), which has its header already:
 *	its first KCAP_SLL2_HDR_LEN bytes are copied to @hdr (as many as
 *	were captured, the rest zeroed).
 * @hdr: the LINKTYPE_LINUX_SLL2 header to fill, as libpcap makes it for
 *	"-i any": the protocol (the Ethernet type in the frame's bytes, so
 *	a VLAN tag stays in the payload), the device's index, its ARPHRD_
 *	type, the packet type (PACKET_OUTGOING for a frame sent) and an
 *	Ethernet frame's source address.
 *
 * The cooked frame is @hdr followed by the frame's bytes after the number
 * returned (its link-layer header), in a LINKTYPE_LINUX_SLL2 file; tcpdump
 * prints such a frame with its device's name and direction ("In", "Out",
 * "B", "M", "P"), as it does with "-i any".
 *
 * Return: the bytes of the frame's link-layer header to skip, or
 * -EPROTONOSUPPORT for another link type.
 */
int kcap_packet_cooked(const struct kcap_packet *pkt, uint32_t linktype,
		       uint8_t hdr[KCAP_SLL2_HDR_LEN]);

/**
 * struct kcap_reader - opaque reader of a session's rings.
 *
 * Obtained with kcap_reader_open(), released with kcap_reader_close().  A
 * reader must not be used from two threads at once, and a session should
 * have one reader at a time: readers of one session share its rings.
 */
struct kcap_reader;

/* What kcap_reader_next() found. */
#define KCAP_READ_NONE		0	/* nothing before the timeout */
#define KCAP_READ_PACKET	1	/* a packet */
#define KCAP_READ_HUP		2	/* session gone or detached, drained */

/**
 * kcap_reader_open() - map the rings of a session.
 * @r: where to store the new reader; set to NULL on failure.
 * @session_id: the session's KCAP_ATTR_ID.
 * @e: where to say why it failed, or NULL.
 *
 * Opens /dev/kcap, binds it to the session (KCAP_IOC_BIND) and maps its
 * rings.  Frames the rings held already are read first.
 *
 * Return: 0, or a negative errno: -ENOENT if /dev/kcap does not exist (the
 * module is not loaded) or there is no such session, -EACCES if the
 * node's mode shuts the caller out, -EPERM without CAP_NET_RAW (in the
 * user namespace owning the session's network namespace), -EBUSY if
 * another reader holds the session's rings, -EPROTO if the kernel's ring
 * layout makes no sense, -ENOMEM, or the error of open(), ioctl() or
 * mmap().
 */
int kcap_reader_open(struct kcap_reader **r, uint32_t session_id,
		     struct kcap_error *e);

/**
 * kcap_reader_next() - the next frame, in timestamp order.
 * @r: an open reader.
 * @pkt: where to store the frame.
 * @timeout_ms: how long to wait for one when the rings are empty, in
 *	milliseconds: 0 not at all, -1 without limit.
 *
 * Frames are merged across the per-CPU rings by timestamp: each call hands
 * out the oldest of the rings' next frames.  (A frame that a CPU publishes
 * late can come after a newer one of another CPU.)  The space of the frames
 * read is given back to the kernel in batches, and all of it before the
 * call waits.  A waiting call is woken in batches too: when a ring is a
 * quarter full, or when frames have waited up to KCAP_WAKEUP_MAX_MS (or at
 * @timeout_ms, if that comes first: it returns what the rings hold then).
 *
 * Return: KCAP_READ_PACKET with *@pkt filled; KCAP_READ_NONE if no frame
 * came (after the timeout, or before it on a spurious wakeup); KCAP_READ_HUP once the session is
 * destroyed or detached from its device and every frame was read (and on
 * every call after that); or a negative errno: -EINTR if a signal
 * interrupted the wait, -EBADMSG if a ring holds a corrupt record.
 */
int kcap_reader_next(struct kcap_reader *r, struct kcap_packet *pkt,
		     int timeout_ms);

/**
 * kcap_reader_fd() - the reader's file descriptor, to poll() in an event
 * loop: POLLIN when a ring holds frames, batched (a quarter of a ring, or
 * frames that have waited up to KCAP_WAKEUP_MAX_MS: KCAP_BIND_F_BATCH),
 * POLLHUP when the session is gone.  A loop whose own timeout comes first
 * should take what the rings hold then too.
 * @r: an open reader.
 *
 * Return: the descriptor, which stays the reader's.
 */
int kcap_reader_fd(const struct kcap_reader *r);

/**
 * kcap_reader_nr_rings() - how many rings the reader maps.
 * @r: an open reader.
 *
 * Return: the number of rings (one per possible CPU).
 */
unsigned int kcap_reader_nr_rings(const struct kcap_reader *r);

/**
 * kcap_reader_close() - give back what was read, unmap, close and free.
 * @r: a reader from kcap_reader_open(), or NULL (then nothing is done).
 */
void kcap_reader_close(struct kcap_reader *r);

/**
 * kcap_capture_start() - create a session and start reading it.
 * @ctl: an open handle; it owns the session unless @cfg asks for a
 *	persistent one.
 * @cfg: the new session, as kcap_session_new() takes it: its filter
 *	expression (KCAP_CFG_FILTER) and direction (KCAP_CFG_DIRECTION,
 *	default KCAP_DIR_INOUT) apply once the reader is bound.
 * @info: where to store the session as the kernel reports it at the end.
 * @r: where to store the bound reader.
 *
 * What tcpdump does on a device, in kcap's steps, as kcap_session_new()
 * does them with a filter expression: the session is created capturing
 * nothing, which gives its link type; the expression is compiled for that
 * link type on the device; the rings are mapped; then direction and filter
 * are set in one change, so the first frame in the rings is one the filter
 * passed.  On failure the session is deleted and nothing is left open.
 *
 * Return: 0, or a negative errno; kcap_ctl_error() says why.
 */
int kcap_capture_start(struct kcap_ctl *ctl,
		       const struct kcap_session_config *cfg,
		       struct kcap_session_info *info, struct kcap_reader **r);

/*
 * Captures over several sessions: one stream of frames.
 */

/**
 * struct kcap_capture - opaque: sessions on one or more devices, read as
 * one stream of frames in timestamp order.
 *
 * Obtained with kcap_capture_open() (new sessions on devices) or
 * kcap_capture_attach() (sessions that exist, such as persistent ones),
 * released with kcap_capture_close().  A capture must not be used from two
 * threads at once; its handle must not be used by another thread while it
 * is.
 */
struct kcap_capture;

#define KCAP_CAPTURE_MAX	64	/* sessions in one capture */

/**
 * kcap_capture_open() - create sessions on devices and read them as one.
 * @ctl: an open handle; it owns the sessions unless @cfg asks for
 *	persistent ones.
 * @cfg: the sessions, as kcap_capture_start() takes them, but for their
 *	devices and names: @cfg->name is the name of the only session, or
 *	with several devices the start of theirs ("NAME-0", "NAME-1", ...),
 *	at most KCAP_NAME_MAX - 4 bytes then; @cfg->ifindex and @cfg->ifname
 *	are not used.
 * @devs: the devices' names, in the caller's network namespace;
 *	KCAP_ANY_DEVICE for a session on every device.
 * @nr: how many, 1..KCAP_CAPTURE_MAX.
 * @c: where to store the capture.
 *
 * Each session is started as kcap_capture_start() starts one: its filter
 * compiled for its device, its reader bound before it captures.  On
 * failure the sessions made so far are deleted and the handle says why
 * (kcap_ctl_error()).
 *
 * Return: 0, or a negative errno (-EINVAL for bad arguments).
 */
int kcap_capture_open(struct kcap_ctl *ctl,
		      const struct kcap_session_config *cfg,
		      const char *const *devs, unsigned int nr,
		      struct kcap_capture **c);

/**
 * kcap_capture_attach() - read existing sessions as one.
 * @ctl: an open handle, used for the sessions' counters.
 * @names: the sessions' names, in the caller's network namespace.
 * @nr: how many, 1..KCAP_CAPTURE_MAX.
 * @c: where to store the capture.
 *
 * Return: 0, or a negative errno: -ENOENT if a session does not exist
 * ("no session named 'NAME'"), -EBUSY if another reader holds one;
 * kcap_ctl_error() says why.
 */
int kcap_capture_attach(struct kcap_ctl *ctl, const char *const *names,
			unsigned int nr, struct kcap_capture **c);

/**
 * kcap_capture_next() - the next frame of any of the sessions.
 * @c: an open capture.
 * @pkt: where to store the frame; valid until the next call on @c.
 * @timeout_ms: as kcap_reader_next().
 *
 * Frames are merged across the sessions by timestamp, as each session's
 * reader merges its rings.  The frame's ifindex says which device it came
 * from, its session field which session.
 *
 * Return: as kcap_reader_next(): KCAP_READ_PACKET, KCAP_READ_NONE, or
 * KCAP_READ_HUP once a session has hung up (its device went away or it
 * was deleted) and the frames the others held are read:
 * kcap_capture_hup() says which.  Or a negative errno: -EINTR if a signal
 * or kcap_capture_wake() ended the wait.
 */
int kcap_capture_next(struct kcap_capture *c, struct kcap_packet *pkt,
		      int timeout_ms);

/**
 * kcap_capture_wake() - end a wait of kcap_capture_next() now.
 * @c: an open capture.
 *
 * Async-signal-safe, as pcap_breakloop(): a signal handler calls it so
 * that a wait in progress, or one that starts after the handler ran and
 * before the caller looked at what it set, returns -EINTR at once.  Each
 * call ends one wait, or the next one; several before a wait end it once.
 *
 * Return: 0, or a negative errno (the wake-up could not be written).
 */
int kcap_capture_wake(struct kcap_capture *c);

/**
 * kcap_capture_nr() - how many sessions a capture reads.
 * @c: an open capture.
 *
 * Return: the number of sessions, as given to kcap_capture_open() or
 * kcap_capture_attach().
 */
unsigned int kcap_capture_nr(const struct kcap_capture *c);

/**
 * kcap_capture_session() - one session of a capture, as it was reported
 * when the capture started.
 * @c: an open capture.
 * @i: its index, 0..kcap_capture_nr() - 1, in the order given.
 *
 * Return: the session (name, id, device, link type, snaplen...).
 */
const struct kcap_session_info *
kcap_capture_session(const struct kcap_capture *c, unsigned int i);

/**
 * kcap_capture_hup() - the session that hung up.
 * @c: a capture on which kcap_capture_next() returned KCAP_READ_HUP.
 *
 * Return: its index, or -1 if none did.
 */
int kcap_capture_hup(const struct kcap_capture *c);

/**
 * kcap_capture_stats() - the counters of one session of a capture.
 * @c: an open capture.
 * @i: the session's index.
 * @stats: where to store them.
 *
 * Return: 0, or a negative errno as kcap_session_stats() (-ENOENT once the
 * session is gone).
 */
int kcap_capture_stats(struct kcap_capture *c, unsigned int i,
		       struct kcap_stats *stats);

/**
 * kcap_capture_close() - stop reading, delete what kcap_capture_open()
 * made, free.
 * @c: a capture, or NULL (then nothing is done).
 *
 * Sessions that kcap_capture_open() created are deleted (persistent ones
 * too); sessions kcap_capture_attach() found are left as they are.
 */
void kcap_capture_close(struct kcap_capture *c);

/*
 * Recording a capture: where its frames go and when it stops, as tcpdump's
 * and dumpcap's -w -F -C -G -W -c -a --idle say it, and pcapdaemon's
 * packets, bytes, duration and timeout.
 */

/**
 * struct kcap_record_config - where a capture's frames go, when it stops.
 * @path: the file to write, "-" for standard output; with @rotate_secs a
 *	strftime(3) pattern.  NULL: a memory file (@memory) or only
 *	@frame_cb.
 * @memory: with @path NULL, write the file into memory (memfd_create(2)):
 *	kcap_record_memfd() gives it once recorded.  No rotation.
 * @format: the file format.
 * @nano: pcap: nanosecond timestamps.
 * @snaplen: bytes kept of a frame in the file; 0: the largest snaplen of
 *	the capture's sessions.
 * @comment: pcapng: the section header's comment; NULL for none.
 * @rotate_bytes: start the next file before one would pass this many
 *	bytes (tcpdump -C), 0: never.  Files are FILE, FILE1, FILE2...
 * @rotate_secs: start the next file after this many seconds (-G), 0:
 *	never; the name is @path through strftime(3).
 * @ring_files: with rotation, keep this many files, reusing their names
 *	(-W): FILE0..FILE(N-1), a file of -G replacing the oldest.
 * @packets: stop after this many frames, 0: no limit.
 * @bytes: stop before a file would pass this many bytes, with whole frames
 *	only (dumpcap's -a filesize, pcapdaemon's bytes), 0: no limit.
 * @seconds: stop after this many seconds, 0: no limit.
 * @idle_secs: stop after this many seconds without a frame, 0: never.
 * @files: with rotation, stop once this many files are done, 0: no limit.
 * @number_files: name the files as @rotate_bytes does (FILE, FILE1,
 *	FILE2...; with @rotate_secs the strftime(3) name and the number)
 *	whatever starts them: for recordings that start a file of their own
 *	(kcap_record_next_file()); @ring_files and @files then apply to
 *	those files, with or without rotation.
 * @first_file: the number of the first file (its place in the ring with
 *	@ring_files): where a ring recorded before, by this process or
 *	another, goes on; 0 to start at the beginning.
 * @frame_cb: called with each frame before it is written (a line on a
 *	terminal, a debug log), or NULL; a non-zero return, a negative errno,
 *	stops the recording with that error.
 * @arg: @frame_cb's and @file_cb's.
 * @file_cb: called with each file's name once it is closed, complete and
 *	valid (at a rotation, and at the end), as tcpdump's -z runs its
 *	command; not for standard output or memory.  NULL for none.
 * @idle_cb: called when no frame is waiting, before the recording waits
 *	for one, as the file is written out then (where @frame_cb's
 *	buffers go out: kcap_stream_serve()).  NULL for none.
 *
 * Strings must stay valid while the recording runs.
 */
struct kcap_record_config {
	const char		*path;
	bool			memory;
	enum kcap_file_format	format;
	bool			nano;
	uint32_t		snaplen;
	const char		*comment;
	uint64_t		rotate_bytes;
	uint64_t		rotate_secs;
	uint32_t		ring_files;
	uint64_t		packets;
	uint64_t		bytes;
	uint64_t		seconds;
	uint64_t		idle_secs;
	uint64_t		files;
	bool			number_files;
	uint64_t		first_file;
	int			(*frame_cb)(const struct kcap_packet *pkt,
					    const struct kcap_session_info *s,
					    void *arg);
	void			*arg;
	void			(*file_cb)(const char *path, void *arg);
	void			(*idle_cb)(void *arg);
};

/**
 * enum kcap_record_stop - why a recording stopped.
 * @KCAP_RECORD_RUNNING: it has not.
 * @KCAP_RECORD_PACKETS: @packets frames were recorded.
 * @KCAP_RECORD_BYTES: the next frame would have made the file pass @bytes.
 * @KCAP_RECORD_SECONDS: @seconds passed.
 * @KCAP_RECORD_IDLE: @idle_secs passed without a frame.
 * @KCAP_RECORD_FILES: @files files were done.
 * @KCAP_RECORD_HUP: a session hung up (kcap_capture_hup()).
 * @KCAP_RECORD_ERROR: writing failed, or @frame_cb said stop:
 *	kcap_record_error() says why.
 */
enum kcap_record_stop {
	KCAP_RECORD_RUNNING,
	KCAP_RECORD_PACKETS,
	KCAP_RECORD_BYTES,
	KCAP_RECORD_SECONDS,
	KCAP_RECORD_IDLE,
	KCAP_RECORD_FILES,
	KCAP_RECORD_HUP,
	KCAP_RECORD_ERROR,
};

/**
 * struct kcap_record_progress - where a recording is.
 * @packets: frames recorded (written, or handed to @frame_cb).  After a
 *	failed write, those the files hold: a file is cut back to its last
 *	whole record, and what was buffered after it is not counted.
 * @bytes: their captured bytes.
 * @files: files opened.
 * @file: the name of the current or last file; "" for memory or none.
 * @stats: the capture's sessions' counters, summed, as last read (while
 *	it runs: at most about a second before the rings last ran empty, or
 *	by kcap_record_read_stats(); at the end when it has stopped).
 * @why: why it stopped.
 */
struct kcap_record_progress {
	uint64_t		packets;
	uint64_t		bytes;
	uint64_t		files;
	char			file[4096];
	struct kcap_stats	stats;
	enum kcap_record_stop	why;
};

/**
 * struct kcap_record - opaque: a capture being recorded.
 */
struct kcap_record;

/**
 * kcap_record_open() - start recording a capture.
 * @r: where to store the recording.
 * @cap: an open capture; it must outlive the recording.
 * @cfg: where and until when.
 * @e: where to say why it failed, or NULL.
 *
 * Opens the first file (its header written, so a path that cannot be
 * written fails here, before any frame).  pcap holds one link type: the
 * capture's sessions must share it.  pcapng gets an interface per device.
 *
 * Return: 0, or a negative errno: -EINVAL for a config that does not hold
 * together, the error of creating or writing the file.
 */
int kcap_record_open(struct kcap_record **r, struct kcap_capture *cap,
		     const struct kcap_record_config *cfg,
		     struct kcap_error *e);

/**
 * kcap_record_step() - record what comes for a while.
 * @r: a running recording.
 * @timeout_ms: how long to go on for (a wait for a frame included), -1
 *	without limit; it returns early on a signal (poll(2) interrupted).
 *
 * Frames are written in batches (out at least every 16 KiB, and whenever
 * none are waiting), rotations and stops decided as they come.  When none
 * are waiting it sleeps until one comes, @timeout_ms is up, a stop of
 * time (@seconds, @idle_secs) is due, or kcap_record_wake(): it wakes for
 * nothing else.  The sessions' counters are read at the start, at most
 * once a second when no frame is waiting, and at the end.
 *
 * Return: 0 while it runs, 1 once it has stopped (kcap_record_progress()
 * says why), or a negative errno (then it has stopped with
 * KCAP_RECORD_ERROR).
 */
int kcap_record_step(struct kcap_record *r, int timeout_ms);

/**
 * kcap_record_wake() - make kcap_record_step() return now.
 * @r: a recording of a capture.
 *
 * kcap_capture_wake() of its capture: async-signal-safe, for a signal
 * handler whose flag the caller looks at when kcap_record_step() returns.
 * A step that is waiting returns at once; one that is busy with frames,
 * before its next batch.
 *
 * Return: 0, or a negative errno.
 */
int kcap_record_wake(struct kcap_record *r);

/**
 * kcap_record_progress() - where a recording is, and why it stopped.
 * @r: a recording.
 *
 * Return: its progress, valid until the next call on @r.
 */
const struct kcap_record_progress *
kcap_record_progress(const struct kcap_record *r);

/**
 * kcap_record_read_stats() - read the sessions' counters now.
 * @r: a recording.
 *
 * For a summary or a status line while it runs (tcpdump's SIGUSR1): the
 * progress's @stats are otherwise read at most once a second, when no
 * frame is waiting.  A session that went away keeps its last counters.
 */
void kcap_record_read_stats(struct kcap_record *r);

/**
 * kcap_record_error() - why a recording stopped with KCAP_RECORD_ERROR.
 * @r: a recording.
 *
 * Return: the error ("writing 'FILE': No space left on device"); its err
 * is -EPIPE when the reader of standard output went away.
 */
const struct kcap_error *kcap_record_error(const struct kcap_record *r);

/**
 * kcap_record_finish() - stop and close the file.
 * @r: a recording, running or stopped.
 *
 * pcapng files end with an interface statistics block per device, with the
 * sessions' counters read now.  The recording is stopped (as running it
 * was, KCAP_RECORD_RUNNING stays its why: the caller stopped it).
 *
 * Return: 0 if the file is whole, or the negative errno of a failed write
 * (kcap_record_error()).
 */
int kcap_record_finish(struct kcap_record *r);

/**
 * kcap_record_memfd() - the memory file of a finished recording.
 * @r: a recording of @memory, finished.
 * @size: where to store its size.
 *
 * Return: its file descriptor, at offset 0, which stays the recording's
 * (dup(2) it to keep it), or -1 if it has none.
 */
int kcap_record_memfd(const struct kcap_record *r, uint64_t *size);

/**
 * kcap_record_open_frames() - start recording frames that the caller puts.
 * @r: where to store the recording.
 * @cfg: where and until when, as kcap_record_open(); not @memory.
 * @e: where to say why it failed, or NULL.
 *
 * For frames that come from elsewhere than the module (a pcap stream over
 * TCP: kcap_receive_open()).  No file is open yet: kcap_record_next_file()
 * opens each, with its link type.  @seconds count from now.  pcapng files
 * start with the interface of ifindex 0 (a pcap stream's frames are all
 * on it: a stream without frames makes a valid file), and get one per
 * other ifindex of the frames, of the file's link type.
 *
 * Return: 0, or a negative errno: -EINVAL for a config that does not hold
 * together, -ENOMEM.
 */
int kcap_record_open_frames(struct kcap_record **r,
			    const struct kcap_record_config *cfg,
			    struct kcap_error *e);

/**
 * kcap_record_next_file() - close the file, if any, and open the next.
 * @r: a recording of kcap_record_open_frames().
 * @linktype: the pcap LINKTYPE_ value of the frames that follow.
 * @snaplen: their snapshot length, unless @cfg's @snaplen is set.
 * @nano: their timestamps are in nanoseconds: a pcap file keeps them so
 *	(as with @cfg's @nano).
 *
 * The file is named as a rotation names it (use @number_files to number
 * them without @rotate_bytes); it counts for @files and @ring_files.
 *
 * Return: 0, 1 if the recording has stopped (@files files were done), or
 * a negative errno (kcap_record_error()).
 */
int kcap_record_next_file(struct kcap_record *r, uint32_t linktype,
			  uint32_t snaplen, bool nano);

/**
 * kcap_record_put() - record a frame.
 * @r: a recording of kcap_record_open_frames(), with a file open.
 * @f: the frame.
 *
 * Rotations and stops are decided as kcap_record_step() decides them.
 *
 * Return: 0 while it runs, 1 once it has stopped (the frame that stopped
 * it by @packets is recorded; one that stopped it by @bytes, @files or
 * @seconds is not), or a negative errno (kcap_record_error()).
 */
int kcap_record_put(struct kcap_record *r, const struct kcap_frame *f);

/**
 * kcap_record_tick() - no frame for now: buffers out, stops in time.
 * @r: a recording of kcap_record_open_frames().
 *
 * Call it when frames do not come (and at least every second or so):
 * writes out what is buffered, stops after @seconds or @idle_secs.
 *
 * Return: as kcap_record_put().
 */
int kcap_record_tick(struct kcap_record *r);

/**
 * kcap_record_close() - finish if need be, and free.
 * @r: a recording, or NULL.
 */
void kcap_record_close(struct kcap_record *r);

/*
 * Convenience calls for programs that embed a capture: one call from a
 * device and a filter to frames in a callback or a file, and one from a
 * capture file to frames in the same callback.
 */

/**
 * typedef kcap_frame_cb - what the convenience calls hand each frame to.
 * @frame: the frame; it and its bytes are valid during the call only.
 * @linktype: the pcap LINKTYPE_ value of the frame.
 * @arg: the caller's argument, as given.
 *
 * Return: 0 to go on, anything else to stop after this frame.
 */
typedef int (*kcap_frame_cb)(const struct kcap_frame *frame,
			     uint32_t linktype, void *arg);

/**
 * kcap_capture_simple() - capture frames of a device into a callback.
 * @dev: the device's name, in the caller's network namespace;
 *	KCAP_ANY_DEVICE for every device (LINKTYPE_LINUX_SLL2 frames, no
 *	promiscuous mode).
 * @filter: a pcap-filter(7) expression, or NULL (or "") for every frame.
 * @direction: KCAP_DIR_IN, KCAP_DIR_OUT or KCAP_DIR_INOUT.
 * @snaplen: bytes kept of each frame, 1..KCAP_SNAPLEN_MAX; 0 for
 *	KCAP_SNAPLEN_DEFAULT.
 * @count: stop after this many frames; 0 for no limit.
 * @timeout_ms: stop after this many milliseconds in all; -1 for no limit.
 * @cb: called for each frame, in the caller's thread.
 * @arg: passed to @cb.
 *
 * Opens a control handle, creates a session owned by it (so the kernel
 * removes it however the process ends), compiles @filter as tcpdump would
 * on @dev (kcap_filter_compile()), maps the session's rings and hands
 * frames to @cb until @count, @timeout_ms, a non-zero return of @cb or the
 * session's end (@dev went away), then destroys the session.  Needs
 * CAP_NET_RAW, and CAP_NET_ADMIN for the promiscuous mode it captures in.
 *
 * Return: the number of frames handed to @cb, or a negative errno:
 * -EINVAL for a bad argument or a filter libpcap rejects, -ENODEV if
 * there is no such device, -ENOENT if the module is not loaded, -EPERM,
 * or what kcap_session_new() or kcap_reader_open() return.  A signal does
 * not stop it.
 */
long long kcap_capture_simple(const char *dev, const char *filter,
			      int direction, uint32_t snaplen, uint64_t count,
			      int timeout_ms, kcap_frame_cb cb, void *arg);

/**
 * kcap_capture_to_file() - capture frames of a device into a file.
 * @dev: as kcap_capture_simple().
 * @filter: as kcap_capture_simple().
 * @direction: as kcap_capture_simple().
 * @snaplen: as kcap_capture_simple().
 * @count: as kcap_capture_simple().
 * @timeout_ms: as kcap_capture_simple().
 * @path: the file to create, or "-" for standard output.
 * @fmt: its format; a pcapng file names the device and gets the session's
 *	counters (passed, dropped) in an interface statistics block.
 *
 * As kcap_capture_simple(), with the frames written by a kcap_writer.  On
 * a failed write (full disk) the file is left valid up to its last whole
 * frame and the error returned.
 *
 * Return: the number of frames written, or a negative errno, as
 * kcap_capture_simple() or kcap_writer_write() return.
 */
long long kcap_capture_to_file(const char *dev, const char *filter,
			       int direction, uint32_t snaplen,
			       uint64_t count, int timeout_ms,
			       const char *path, enum kcap_file_format fmt);

/**
 * kcap_read_file() - read a pcap or pcapng file into a callback.
 * @path: the file, or "-" for standard input.
 * @cb: called for each frame, in file order.
 * @arg: passed to @cb.
 *
 * libpcap reads the file (pcap_open_offline() takes both formats), with
 * nanosecond timestamps.  libpcap does not report pcapng's interfaces or
 * frame directions: the frames have @ifindex 0 and @direction 0.
 *
 * Return: the number of frames handed to @cb, or a negative errno: the
 * errno of opening @path (-ENOENT, -EACCES...), -EINVAL if it is not a
 * capture file libpcap reads, -EBADMSG if it is cut or corrupt after the
 * frames already handed to @cb.
 */
long long kcap_read_file(const char *path, kcap_frame_cb cb, void *arg);

/*
 * Serving a live capture as a pcap stream over TCP (PCAP-over-IP): every
 * client that connects gets a pcap file header, then the frames written
 * from the moment it joined, as pcap records, as "nc HOST PORT | tcpdump
 * -r -" and NetworkMiner read it.  Unauthenticated and unencrypted.
 */

#define KCAP_STREAM_CLIENT_BUF	(4U << 20)	/* bytes buffered per client */
#define KCAP_STREAM_CLIENTS_MAX	64
#define KCAP_STREAM_ADDR_MAX	64	/* "[ADDR]:PORT" */

/**
 * struct kcap_stream_client - a client of a stream, as it stands.
 * @addr: its address, "ADDR:PORT" or "[ADDR]:PORT".
 * @sent: the records that went out to it whole.
 * @dropped: the records it could not take: its buffer was full, or they
 *	were still in it when it left or the stream closed.
 * @bytes: the bytes that went out to it, the file header's included.
 * @err: once it left: 0 if the stream closed it, else why it went (a
 *	negative errno: -ECONNRESET when it closed the connection).
 */
struct kcap_stream_client {
	char		addr[KCAP_STREAM_ADDR_MAX];
	uint64_t	sent;
	uint64_t	dropped;
	uint64_t	bytes;
	int		err;
};

/**
 * enum kcap_stream_event - what a stream tells of its clients.
 * @KCAP_STREAM_JOINED: a client connected; its frames start now.
 * @KCAP_STREAM_LEFT: a client went away or was closed: its final counts.
 * @KCAP_STREAM_REFUSED: a client was turned away: -EMFILE when there were
 *	already max_clients, -ENOMEM.
 */
enum kcap_stream_event {
	KCAP_STREAM_JOINED,
	KCAP_STREAM_LEFT,
	KCAP_STREAM_REFUSED,
};

/**
 * struct kcap_stream_opts - a stream to serve.
 * @addr: where to listen: "PORT" (on 127.0.0.1), "ADDR:PORT" with an IPv4
 *	address, "[ADDR]:PORT" with an IPv6 one; PORT 0: one the kernel
 *	chooses (kcap_stream_address() says which).
 * @linktype: the pcap LINKTYPE_ value of the frames.
 * @snaplen: the header's snapshot length; longer frames are cut; 0: 262144.
 * @nano: nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds.
 * @client_buf: bytes buffered per client, 0: KCAP_STREAM_CLIENT_BUF; at
 *	least one record of @snaplen bytes.  Twice that is allocated, so
 *	that bytes are moved back in it once per @client_buf written.
 * @max_clients: clients at once, 0 (and at most): KCAP_STREAM_CLIENTS_MAX.
 * @event_cb: told of each client that joins, leaves or is refused; NULL.
 * @arg: @event_cb's.
 */
struct kcap_stream_opts {
	const char	*addr;
	uint32_t	linktype;
	uint32_t	snaplen;
	bool		nano;
	size_t		client_buf;
	unsigned int	max_clients;
	void		(*event_cb)(enum kcap_stream_event ev,
				    const struct kcap_stream_client *c,
				    void *arg);
	void		*arg;
};

/**
 * struct kcap_stream_totals - over every client a stream has had.
 * @clients: the clients it took.
 * @sent: records sent whole, summed over the clients.
 * @dropped: records dropped, summed over the clients.
 */
struct kcap_stream_totals {
	uint64_t	clients;
	uint64_t	sent;
	uint64_t	dropped;
};

/**
 * struct kcap_stream - opaque: a listening socket and its clients.
 *
 * Nothing of it ever waits: kcap_stream_write() and kcap_stream_serve()
 * send what each client's socket takes now and keep the rest in the
 * client's buffer; a record that does not fit is dropped for that client
 * only, so that each client's stream holds whole records only.
 */
struct kcap_stream;

/**
 * kcap_stream_open() - listen for clients of a pcap stream.
 * @s: where to store the stream; NULL on failure.
 * @o: what to serve, and where.
 * @e: why it failed; may be NULL.
 *
 * Return: 0, -EINVAL for an address that is not [ADDR:]PORT, or the
 * errno of listening ("cannot listen on 127.0.0.1:5000: Address already
 * in use" in @e).
 */
int kcap_stream_open(struct kcap_stream **s, const struct kcap_stream_opts *o,
		     struct kcap_error *e);

/**
 * kcap_stream_parse_addr() - "[ADDR:]PORT" as kcap_stream_open() takes it.
 * @spec: the address.
 * @ss: where to store it.
 * @len: where to store its length.
 *
 * Return: 0, or -EINVAL.
 */
int kcap_stream_parse_addr(const char *spec, struct sockaddr_storage *ss,
			   socklen_t *len);

/* Where @s listens, "ADDR:PORT" (the port chosen if 0 was asked). */
const char *kcap_stream_address(const struct kcap_stream *s);

/* The listening socket, to poll(2) for POLLIN: a client to accept. */
int kcap_stream_fd(const struct kcap_stream *s);

/**
 * kcap_stream_write() - a frame to every client.
 * @s: a stream.
 * @f: the frame, cut to the stream's snaplen.
 *
 * Sent at once to a client that has KCAP_STREAM_SEND_BYTES buffered, else
 * at the next kcap_stream_serve().  Never waits.
 *
 * Return: 0, or -EIO if libpcap did not write the record.
 */
int kcap_stream_write(struct kcap_stream *s, const struct kcap_frame *f);

/**
 * kcap_stream_serve() - accept clients, send what is buffered, notice the
 * clients that went away.  Never waits: call it when the capture is idle
 * and at least every few hundred milliseconds.
 * @s: a stream.
 *
 * Return: the number of clients now.
 */
int kcap_stream_serve(struct kcap_stream *s);

/* The clients now, and the @i-th one (NULL past them) with its bytes
 * buffered in *@pending (if not NULL). */
unsigned int kcap_stream_nr_clients(const struct kcap_stream *s);
const struct kcap_stream_client *
kcap_stream_client(const struct kcap_stream *s, unsigned int i,
		   size_t *pending);

/* The counts over every client @s has had, those gone included. */
const struct kcap_stream_totals *
kcap_stream_totals(const struct kcap_stream *s);

/**
 * kcap_stream_close() - end the stream: each client gets what is buffered
 * for it within @timeout_ms, then the end of its stream.
 * @s: a stream, or NULL.
 * @timeout_ms: how long to try to send what is buffered; what is left
 *	then is counted as dropped.
 *
 * Each client's KCAP_STREAM_LEFT event comes with its final counts.
 */
void kcap_stream_close(struct kcap_stream *s, int timeout_ms);

/*
 * Frames to and from a Kafka topic (librdkafka), in Pycapa's format: each
 * frame one message, its key the capture time in microseconds since the
 * epoch as an 8-byte big-endian integer, its value the frame's bytes as
 * captured.  One header, "kcap", which Pycapa's consumer ignores, says the
 * rest; its value, integers big-endian:
 *
 *	 0  1  version (1; a later one keeps these fields, adds after the name)
 *	 1  1  direction: 0, KCAP_FRAME_IN or KCAP_FRAME_OUT
 *	 2  1  N, the length of the device's name (< KCAP_IFNAMSIZ)
 *	 3  1  0
 *	 4  4  linktype (LINKTYPE_*)
 *	 8  4  ifindex
 *	12  4  length on the wire
 *	16  8  capture time, ns since the epoch
 *	24  N  the device's name, without a NUL
 *
 * One header rather than one per field: librdkafka's cost per message
 * grows by about 1500 instructions with each header.
 */

#define KCAP_KAFKA_KEY_LEN	8
#define KCAP_KAFKA_H_NAME	"kcap"
#define KCAP_KAFKA_H_VERSION	1
#define KCAP_KAFKA_H_FIXED	24
#define KCAP_KAFKA_H_MAX	(KCAP_KAFKA_H_FIXED + KCAP_IFNAMSIZ)

/* @tstamp_ns as a message key: microseconds, 8 bytes big-endian. */
void kcap_kafka_key(uint8_t key[KCAP_KAFKA_KEY_LEN], uint64_t tstamp_ns);

/* A key back into microseconds: 0, or -EINVAL if it is not 8 bytes. */
int kcap_kafka_key_us(const void *key, size_t len, uint64_t *us);

/*
 * kcap_kafka_flow_hash() - a hash of a frame's IP flow, the same both ways.
 * @data: the frame's bytes; @caplen: how many.
 * @linktype: EN10MB (up to two VLAN tags), LINUX_SLL, LINUX_SLL2, RAW,
 *	IPV4 or IPV6.
 * @hash: where to store it: of the protocol, the two addresses and, for
 *	TCP, UDP, SCTP and DCCP (not in an IPv4 fragment, the first one
 *	either: a datagram's fragments hash alike), the two ports, the
 *	(address, port) ends in order, so that A to B and B to A hash
 *	alike.
 *
 * Return: 0, or -EINVAL for a frame that is not IPv4 or IPv6 (or too short).
 */
int kcap_kafka_flow_hash(const void *data, uint32_t caplen, uint32_t linktype,
			 uint32_t *hash);

/**
 * enum kcap_kafka_partition - how frames are spread over the partitions.
 * @KCAP_KAFKA_BY_KEY: librdkafka's partitioner (its "partitioner" setting)
 *	on the key.
 * @KCAP_KAFKA_BY_FLOW: kcap_kafka_flow_hash() modulo the partition count,
 *	so that a flow stays in order on one partition; frames that are not
 *	IP as by key.
 */
enum kcap_kafka_partition {
	KCAP_KAFKA_BY_KEY,
	KCAP_KAFKA_BY_FLOW,
};

/**
 * struct kcap_kafka_opts - a topic to produce frames into.
 * @brokers: bootstrap.servers: "HOST:PORT[,HOST:PORT]...".
 * @topic: the topic, which must exist (or the brokers create it).
 * @conf: librdkafka settings, each "KEY=VALUE" (as kcat -X), after kcap's
 *	own (linger.ms=100).  librdkafka's own log is silent unless one of
 *	them sets debug or log_level.
 * @nr_conf: how many.
 * @partition_by: see enum kcap_kafka_partition.
 * @timeout_ms: how long a broker has to answer at open; 0: 10 s.
 */
struct kcap_kafka_opts {
	const char			*brokers;
	const char			*topic;
	const char *const		*conf;
	unsigned int			nr_conf;
	enum kcap_kafka_partition	partition_by;
	int				timeout_ms;
};

/**
 * struct kcap_kafka_counts - a producer's frames.
 * @produced: handed to librdkafka (those it refused too).
 * @delivered: acknowledged by the brokers.
 * @failed: librdkafka refused them (larger than message.max.bytes, say)
 *	or gave up on them (message.timeout.ms), or they were still not
 *	delivered at kcap_kafka_producer_close().
 * @dropped: not produced: librdkafka's queue was full (the brokers are
 *	away or slow: queue.buffering.max.messages, .kbytes).
 */
struct kcap_kafka_counts {
	uint64_t	produced;
	uint64_t	delivered;
	uint64_t	failed;
	uint64_t	dropped;
};

struct kcap_kafka_producer;

/*
 * kcap_kafka_producer_open() - a producer of frames into a topic.
 *
 * Asks the brokers for the topic's partitions within @o->timeout_ms: a
 * broker that does not answer (-EHOSTUNREACH) and a topic that is not
 * there (-ENOENT) fail here, each with its line in @e.
 */
int kcap_kafka_producer_open(struct kcap_kafka_producer **p,
			     const struct kcap_kafka_opts *o,
			     struct kcap_error *e);

/*
 * kcap_kafka_produce() - a frame as a message, with its headers; never
 * waits.  @linktype and @ifname are its session's.  Return: 0, -ENOBUFS if
 * librdkafka's queue is full (the frame is counted dropped), or -EIO if
 * librdkafka refused it (counted produced and failed).
 */
int kcap_kafka_produce(struct kcap_kafka_producer *p,
		       const struct kcap_frame *f, uint32_t linktype,
		       const char *ifname);

/*
 * Take the delivery reports that came in, without waiting.  NULL: nothing.
 * kcap_kafka_produce() takes them too, every 1024 messages, so that a
 * caller that is never idle does not fill librdkafka's queue with
 * messages already delivered.
 */
void kcap_kafka_poll(struct kcap_kafka_producer *p);

const struct kcap_kafka_counts *
kcap_kafka_producer_counts(const struct kcap_kafka_producer *p);

/*
 * kcap_kafka_producer_close() - wait up to @timeout_ms (-1: 10 s) for the
 * messages in flight, count those not delivered by then as failed, store
 * the final counts in @counts (may be NULL) and free @p (may be NULL).
 */
void kcap_kafka_producer_close(struct kcap_kafka_producer *p, int timeout_ms,
			       struct kcap_kafka_counts *counts);

/**
 * enum kcap_kafka_from - where a consumer starts.
 * @KCAP_KAFKA_FROM_BEGINNING: the oldest message of each partition (with
 *	a group: where the group has no stored offset).
 * @KCAP_KAFKA_FROM_END: the messages that come after it starts.
 * @KCAP_KAFKA_FROM_STORED: the group's stored offsets (needs a group).
 */
enum kcap_kafka_from {
	KCAP_KAFKA_FROM_BEGINNING,
	KCAP_KAFKA_FROM_END,
	KCAP_KAFKA_FROM_STORED,
};

/**
 * struct kcap_kafka_consumer_opts - a topic to read frames from.
 * @brokers, @topic, @conf, @nr_conf, @timeout_ms: as struct kcap_kafka_opts.
 * @group: a consumer group (group.id), or NULL: every partition assigned,
 *	no offsets stored.  A group's offsets are those the caller stores
 *	(kcap_kafka_consumer_store()).
 * @from: see enum kcap_kafka_from.
 * @exit_at_end: kcap_kafka_consume() returns -ENODATA once every partition
 *	is at its end (kcat -e); with a group, every partition the group
 *	assigned to this consumer, once it has one.
 */
struct kcap_kafka_consumer_opts {
	const char		*brokers;
	const char		*topic;
	const char *const	*conf;
	unsigned int		nr_conf;
	const char		*group;
	enum kcap_kafka_from	from;
	bool			exit_at_end;
	int			timeout_ms;
};

/**
 * struct kcap_kafka_msg - a message as a frame.
 * @frame: its bytes and, from kcap's header, its length, timestamp (ns),
 *	ifindex and direction; without it (Pycapa's), the timestamp of the
 *	key in µs, ifindex 0, no direction, len = caplen.  Without a key of
 *	8 bytes (or with one past what a u64 of ns holds), the message's
 *	own timestamp (ms); without that either, 0.
 * @linktype: from kcap's header, else Ethernet (LINKTYPE_ETHERNET, 1).
 * @ifname: from kcap's header, else "".
 * @kcap: it had kcap's header.
 * @partition, @offset: where it was in the topic.
 */
struct kcap_kafka_msg {
	struct kcap_frame	frame;
	uint32_t		linktype;
	char			ifname[KCAP_IFNAMSIZ];
	bool			kcap;
	int32_t			partition;
	int64_t			offset;
};

struct kcap_kafka_consumer;

/* A consumer of @o's topic; fails as kcap_kafka_producer_open(). */
int kcap_kafka_consumer_open(struct kcap_kafka_consumer **c,
			     const struct kcap_kafka_consumer_opts *o,
			     struct kcap_error *e);

/*
 * kcap_kafka_consume() - the next message, waiting up to @timeout_ms.
 * Return: 1 with *@m (valid until the next call), 0 if none came,
 * -ENODATA at the end of every partition with exit_at_end, or a negative
 * errno with @e saying why.
 */
int kcap_kafka_consume(struct kcap_kafka_consumer *c, int timeout_ms,
		       struct kcap_kafka_msg *m, struct kcap_error *e);

/*
 * kcap_kafka_consumer_store() - the messages given so far are done with
 * (written out, or left out on purpose): a group's offsets after them are
 * stored, to be committed (in the background, and by close).  A group's
 * offsets are never stored otherwise: a message given but not yet safe in
 * the caller's file is read again by the group's next consumer.  Without a
 * group: nothing to do.
 * Return: 0, or a negative errno with @e saying why.
 */
int kcap_kafka_consumer_store(struct kcap_kafka_consumer *c,
			      struct kcap_error *e);

void kcap_kafka_consumer_close(struct kcap_kafka_consumer *c);

/*
 * The value of a frame's "kcap" header, in @v: its length.  And back into
 * @m->frame, @m->linktype and @m->ifname: 0, or -EINVAL (@m unchanged) if
 * @value is not one.
 */
int kcap_kafka_header_put(uint8_t v[KCAP_KAFKA_H_MAX],
			  const struct kcap_frame *f, uint32_t linktype,
			  const char *ifname);
int kcap_kafka_header_get(const void *value, size_t len,
			  struct kcap_kafka_msg *m);

/*
 * The client of a pcap stream over TCP (PCAP-over-IP, as kcap_stream_*()
 * and others serve it): its frames recorded into files as a capture's
 * (rotation, stops: struct kcap_record_config), a new file for each
 * connection, and connecting again with a backoff when the server goes
 * away or is not there yet.  Unauthenticated and unencrypted, as the
 * stream is.
 */

/**
 * struct kcap_pcap_parser - opaque: a pcap stream parsed as it comes.
 *
 * Fed bytes in pieces of any size; hands out whole records only.  The
 * file header's magic says the byte order and microsecond or nanosecond
 * timestamps; its link type and snaplen are the stream's.
 */
struct kcap_pcap_parser;

int kcap_pcap_parser_new(struct kcap_pcap_parser **p);
/* Back to the start of a stream (a new connection). */
void kcap_pcap_parser_reset(struct kcap_pcap_parser *p);
void kcap_pcap_parser_free(struct kcap_pcap_parser *p);

/**
 * kcap_pcap_parser_feed() - bytes of the stream, as they came.
 * @p: a parser.
 * @data: the bytes.
 * @len: how many.
 *
 * Invalidates the frames kcap_pcap_parser_next() gave.
 *
 * Return: 0 or -ENOMEM.
 */
int kcap_pcap_parser_feed(struct kcap_pcap_parser *p, const void *data,
			  size_t len);

/**
 * kcap_pcap_parser_next() - the next whole record.
 * @p: a parser.
 * @f: where to store the frame (ifindex 0, no direction); its data points
 *	into the parser, valid until the next feed.
 *
 * Return: 1 for a frame, 0 if more bytes are needed, -EBADMSG if the
 * stream is no pcap stream (a bad magic, a record of more than 64 MiB or
 * a bad timestamp).
 */
int kcap_pcap_parser_next(struct kcap_pcap_parser *p, struct kcap_frame *f);

/* Whether the file header was parsed, and what it says (each may be NULL). */
bool kcap_pcap_parser_header(const struct kcap_pcap_parser *p,
			     uint32_t *linktype, uint32_t *snaplen,
			     bool *nano);

/* Bytes fed and not handed out yet: a part of a record at the end. */
size_t kcap_pcap_parser_pending(const struct kcap_pcap_parser *p);

/**
 * enum kcap_receive_event - what a client tells.
 * @KCAP_RECEIVE_CONNECTED: it connected to the server.
 * @KCAP_RECEIVE_STREAM: the stream's header came: @linktype, @snaplen,
 *	@nano, and @file, the file its frames go to.
 * @KCAP_RECEIVE_CLOSED: the connection of a stream ended: @err 0 if the server closed
 *	it, -EBADMSG if what came was no pcap stream, else the socket's
 *	error; @partial bytes of a record cut short were left out; connecting
 *	again in @retry_ms (0 after a stream of frames).
 * @KCAP_RECEIVE_RETRY: connecting failed (@err, or @gai_err from
 *	getaddrinfo(3)), or the connection ended before a stream came
 *	(-ECONNRESET if closed): again in @retry_ms; @first for the first failure
 *	since the last stream (an outage is told once).
 */
enum kcap_receive_event {
	KCAP_RECEIVE_CONNECTED,
	KCAP_RECEIVE_STREAM,
	KCAP_RECEIVE_CLOSED,
	KCAP_RECEIVE_RETRY,
};

/**
 * struct kcap_receive_info - where a client is.
 * @addr: the server, HOST:PORT ([HOST]:PORT for an IPv6 address), with
 *	the 127.0.0.1 of an address given as PORT.
 * @err: see enum kcap_receive_event.
 * @gai_err: see enum kcap_receive_event.
 * @retry_ms: see enum kcap_receive_event.
 * @first: see enum kcap_receive_event.
 * @linktype: the current stream's.
 * @snaplen: the current stream's.
 * @nano: the current stream's timestamps are in nanoseconds.
 * @file: the current file.
 * @connections: streams received so far (connections that gave one).
 * @frames: frames of the current (or last) connection.
 * @bytes: bytes of the current (or last) connection.
 * @partial: see enum kcap_receive_event.
 */
struct kcap_receive_info {
	const char	*addr;
	int		err;
	int		gai_err;
	uint32_t	retry_ms;
	bool		first;
	uint32_t	linktype;
	uint32_t	snaplen;
	bool		nano;
	const char	*file;
	uint64_t	connections;
	uint64_t	frames;
	uint64_t	bytes;
	size_t		partial;
};

/**
 * struct kcap_receive_opts - a stream to receive.
 * @addr: the server, "[HOST:]PORT" (HOST a name, an IPv4 address or an
 *	IPv6 one in brackets; 127.0.0.1 without).
 * @rec: where the frames go and when to stop, as for a capture; the files
 *	are numbered as rotation numbers them (FILE, FILE1, FILE2...), a
 *	new one for each connection.
 * @retry_min_ms: the first wait before connecting again after a failure,
 *	or after a connection that brought no frame or no pcap stream (a
 *	stream of frames that ends is connected to again at once); 0: 1000.
 * @retry_max_ms: the longest, the wait doubling up to it; 0: 30000.
 * @event_cb: told of connections, streams and failures, or NULL.
 * @arg: @event_cb's.
 * @connect_timeout_ms: how long an address has to take the connection
 *	before the next one is tried (or the wait before a retry), -ETIMEDOUT;
 *	0: 10000.
 *
 * A connection is probed by TCP keepalive after 10 s without a byte: a
 * server gone without closing it (its power, a cable) is a failure
 * (-ETIMEDOUT) about 25 s after its last byte.
 */
struct kcap_receive_opts {
	const char			*addr;
	struct kcap_record_config	rec;
	uint32_t			retry_min_ms;
	uint32_t			retry_max_ms;
	void				(*event_cb)(enum kcap_receive_event ev,
						    const struct kcap_receive_info *i,
						    void *arg);
	void				*arg;
	uint32_t			connect_timeout_ms;
};

/* Opaque: a client of a pcap stream, and its recording. */
struct kcap_receive;

/* "[HOST:]PORT" into its parts: 0 or -EINVAL. */
int kcap_receive_parse_addr(const char *spec, char *host, size_t host_size,
			    char *port, size_t port_size);

/**
 * kcap_receive_open() - start a client; it connects at the first step.
 * @rx: where to store it.
 * @o: what to receive, and where to.
 * @e: where to say why it failed, or NULL.
 *
 * Return: 0, or a negative errno: -EINVAL for a bad address or config.
 */
int kcap_receive_open(struct kcap_receive **rx,
		      const struct kcap_receive_opts *o, struct kcap_error *e);

/**
 * kcap_receive_step() - connect, receive, record for a while.
 * @rx: a client.
 * @timeout_ms: how long, -1 without limit; it returns early on a signal
 *	that comes while it waits.  A server that sends without a pause
 *	does not hold it longer: it reads at most 1 MiB before it looks at
 *	the time.
 *
 * Return: 0 while it runs, 1 once its recording has stopped
 * (kcap_record_progress() of kcap_receive_record() says why), or a
 * negative errno (kcap_record_error() says why).
 */
int kcap_receive_step(struct kcap_receive *rx, int timeout_ms);

const struct kcap_receive_info *
kcap_receive_info(const struct kcap_receive *rx);

/* Its recording: progress, error. */
struct kcap_record *kcap_receive_record(const struct kcap_receive *rx);

/* The socket, -1 while not connected (to wait on it with other work). */
int kcap_receive_fd(const struct kcap_receive *rx);

/*
 * Disconnect and close the file (complete: a record cut short is not in
 * it): as kcap_record_finish().
 */
int kcap_receive_finish(struct kcap_receive *rx);

void kcap_receive_close(struct kcap_receive *rx);

#endif /* _LIBKCAP_KCAP_H */

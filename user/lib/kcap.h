/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkcap: the userland library of kcap.
 *
 * Calls that can fail return 0 (or a non-negative value) on success and a
 * negative errno on failure; kcap_strerror_hint() turns such an errno into
 * a line telling the operator what to do about it.
 */
#ifndef _LIBKCAP_KCAP_H
#define _LIBKCAP_KCAP_H

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
int kcap_ctl_open(struct kcap_ctl **ctl);

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
 * kcap_ctl_close() - close a control handle and free it.
 * @ctl: a handle from kcap_ctl_open(), or NULL (then nothing is done).
 */
void kcap_ctl_close(struct kcap_ctl *ctl);

/**
 * kcap_strerror_hint() - what the operator should do about an error.
 * @err: an errno returned by a libkcap call; its sign is ignored.
 *
 * The hints are written for the errors of kcap_ctl_open(): -ENOENT there
 * means the module is not loaded.
 *
 * Return: a one-line hint without a trailing newline, or strerror(3) text
 * for errors that have no hint.  The string must not be modified; for
 * errors without a hint it may be overwritten by a later strerror() call.
 */
const char *kcap_strerror_hint(int err);

/**
 * kcap_version() - the version of the kcap userland.
 *
 * Return: a static "MAJOR.MINOR.PATCH" string, KCAP_USER_VERSION.
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

#include <stdbool.h>
#include <stdint.h>

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

#endif /* _LIBKCAP_KCAP_H */

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read a session's rings of pcap records or pcapng blocks as the ABI
describes them.

  pcapring.py --ifname IF --format pcap|pcap-nsec|pcapng --out FILE
              [--name NAME] [--snaplen N] [--ring-size N] [--ready FILE]

Knows only include/uapi/linux/kcap.h, not libkcap: it creates a session on
IF with KCAP_ATTR_RING_FORMAT, checks that session-set refuses to change
the format and that KCAP_IOC_BIND refuses a reader that does not say it
reads the format (EPROTO), binds with KCAP_BIND_F_RING_FORMAT, maps the
rings and reads them until SIGINT or SIGTERM, then drains them and writes
FILE: a pcap file header (microsecond or nanosecond magic) and the
records, merged by time; for pcapng, a section header and an interface
description block (if_tsresol 9), then the blocks as the rings held them.
Every record is checked on the way: it lies within what head published and
before the end of the data area, its caplen is at most the snaplen and its
len, its fraction of a second is below 10^6 or 10^9; a pcapng block's type,
length, padding, epb_flags option (a direction, in or out), end of options
and trailing length are what the ABI says; every record's time is between
the reader's start and its end, as the clock says (a second either way);
padding is where the ABI says it may be.  Writes FILE's name to --ready once reading.

Prints "records N, in I, out O, padding P, wraps W, delivered D, dropped X,
bytes B" (in and out: of pcapng's blocks' directions, 0 for pcap);
exits 0 when nothing was wrong, 1 otherwise (the first problem said), 4
(kselftest skip) without the family or /dev/kcap.
"""
import argparse
import errno
import fcntl
import mmap
import os
import select
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlfuzz as nl  # noqa: E402  (the genl helpers, standard library only)

A_RING_FORMAT = 22
A_STATS = nl.A_STATS
S_DELIVERED, S_DROPPED, S_BYTES = 4, 5, 6
FORMATS = {"pcap": 1, "pcap-nsec": 2, "pcapng": 3}
PCAPNG = 3
EPB_TYPE, EPB_PAD, EPB_HDR, EPB_TAIL = 6, 0, 28, 16
MAGIC = {1: 0xA1B2C3D4, 2: 0xA1B23C4D}
FRAC_MAX = {1: 10**6, 2: 10**9}
BIND_FMT = "=IIIIIIQII3Q"
BIND_F_RING_FORMAT = 1
IOC_BIND = (3 << 30) | (struct.calcsize(BIND_FMT) << 16) | (0xBC << 8) | 1
REC_PAD = 0xFFFFFFFF
CTRL_HEAD, CTRL_SIZE, CTRL_TAIL = 0, 4, 64


class Bad(Exception):
    pass


def session_new(sock, fam, args):
    attrs = (nl.string(nl.A_NAME, args.name) + nl.string(nl.A_IFNAME, args.ifname) +
             nl.u32(nl.A_RING_SIZE, args.ring_size) + nl.u32(nl.A_SNAPLEN, args.snaplen) +
             nl.u8(A_RING_FORMAT, FORMATS[args.format]))
    err, msg, replies = sock.request(fam, nl.NLM_F_REQUEST | nl.NLM_F_ACK, nl.genl(nl.CMD_NEW, attrs))
    if err or not replies:
        raise Bad(f"session-new failed: {nl.errname(err or 0)} {msg}")
    a = nl.attrs_dict(replies[0][4:])
    fmt = a.get(A_RING_FORMAT, b"\xff")[0]
    if fmt != FORMATS[args.format]:
        raise Bad(f"session-new replied ring-format {fmt}, not {FORMATS[args.format]}")
    sid = struct.unpack("=I", a[nl.A_ID][:4])[0]
    # The format is fixed: session-set refuses to change it, and says so.
    err, msg, _ = sock.request(fam, nl.NLM_F_REQUEST | nl.NLM_F_ACK,
                               nl.genl(nl.CMD_SET, nl.u32(nl.A_ID, sid) + nl.u8(A_RING_FORMAT, 0)))
    if err != -errno.EOPNOTSUPP or "only direction, snaplen and filter can change" not in msg:
        raise Bad(f"session-set of the ring format: {nl.errname(err or 0)} '{msg}', not EOPNOTSUPP")
    return sid


def session_stats(sock, fam, sid):
    err, msg, replies = sock.request(fam, nl.NLM_F_REQUEST | nl.NLM_F_ACK,
                                     nl.genl(nl.CMD_STATS, nl.u32(nl.A_ID, sid)))
    if err or not replies:
        raise Bad(f"session-stats failed: {nl.errname(err or 0)} {msg}")
    st = nl.attrs_dict(nl.attrs_dict(replies[0][4:])[A_STATS])
    return {k: struct.unpack("=Q", st[k][:8])[0] for k in (S_DELIVERED, S_DROPPED, S_BYTES)}


def bind(fd, sid, flags):
    buf = bytearray(struct.pack(BIND_FMT, sid, flags, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    fcntl.ioctl(fd, IOC_BIND, buf)
    return struct.unpack(BIND_FMT, buf)


class Ring:
    def __init__(self, m, base, data_off, size):
        self.m, self.ctrl, self.data, self.size = m, base, base + data_off, size
        if struct.unpack_from("=I", m, base + CTRL_SIZE)[0] != size:
            raise Bad("a ring's control block does not give the ring's size")
        self.tail = struct.unpack_from("=I", m, base + CTRL_TAIL)[0]

    def published(self, align):
        """Yield (pos, avail, at_end) for each record from tail to the
        published head: its offset in the data area, the published bytes
        from there to the head or the area's end, and whether those reach
        the end. The caller moves self.tail past what it read; the new tail
        is handed back to the kernel when the records run out."""
        head = struct.unpack_from("=I", self.m, self.ctrl + CTRL_HEAD)[0]
        if (head - self.tail) % 2**32 > self.size:
            raise Bad(f"head {head} is more than a ring past tail {self.tail}")
        if head % align or self.tail % align:
            raise Bad(f"head {head} or tail {self.tail} not a multiple of {align}")
        while self.tail != head:
            left = (head - self.tail) % 2**32
            pos = self.tail % self.size
            avail = min(self.size - pos, left)
            yield pos, avail, avail == self.size - pos
        struct.pack_into("=I", self.m, self.ctrl + CTRL_TAIL, self.tail)

    def skip_to_end(self, pos, avail, at_end, what, counts):
        if not at_end:
            raise Bad(f"{what} at {pos}, with the ring's end not published")
        self.tail = (self.tail + avail) % 2**32
        counts["wraps"] += 1

    def read(self, fmt, snaplen, out, counts):
        """Append (time, caplen, len, bytes) of every published record: its
        (sec, frac), or for pcapng its ns; bytes are the frame's, or for
        pcapng the whole block's."""
        if fmt == PCAPNG:
            return self.read_epb(snaplen, out, counts)
        m = self.m
        for pos, avail, at_end in self.published(1):
            if avail < 16:
                self.skip_to_end(pos, avail, at_end, f"{avail} bytes, less than a header,", counts)
                continue
            sec, frac, caplen, wlen = struct.unpack_from("=IIII", m, self.data + pos)
            if caplen == REC_PAD:
                self.skip_to_end(pos, avail, at_end, "padding", counts)
                counts["padding"] += 1
                continue
            if 16 + caplen > avail:
                raise Bad(f"record at {pos}: caplen {caplen} runs past the {avail} bytes it may take")
            if caplen > snaplen or caplen > wlen or frac >= FRAC_MAX[fmt]:
                raise Bad(f"record at {pos}: caplen {caplen} len {wlen} frac {frac}, snaplen {snaplen}")
            start = self.data + pos + 16
            out.append(((sec, frac), caplen, wlen, bytes(m[start:start + caplen])))
            counts["records"] += 1
            self.tail = (self.tail + 16 + caplen) % 2**32

    def read_epb(self, snaplen, out, counts):
        m = self.m
        for pos, avail, at_end in self.published(4):
            if avail < EPB_HDR or struct.unpack_from("=I", m, self.data + pos)[0] == EPB_PAD:
                self.skip_to_end(pos, avail, at_end, f"padding or {avail} bytes", counts)
                counts["padding"] += avail >= EPB_HDR
                continue
            typ, blen, ifid, ts_hi, ts_lo, caplen, wlen = struct.unpack_from("=7I", m, self.data + pos)
            padded = (caplen + 3) & ~3
            if typ != EPB_TYPE or ifid != 0 or blen != EPB_HDR + padded + EPB_TAIL:
                raise Bad(f"block at {pos}: type {typ} length {blen} interface {ifid}, caplen {caplen}")
            if blen > avail:
                raise Bad(f"block at {pos}: length {blen} runs past the {avail} bytes it may take")
            if caplen > snaplen or caplen > wlen:
                raise Bad(f"block at {pos}: caplen {caplen} len {wlen}, snaplen {snaplen}")
            start = self.data + pos
            blk = bytes(m[start:start + blen])
            if any(blk[EPB_HDR + caplen:EPB_HDR + padded]):
                raise Bad(f"block at {pos}: padding not zero")
            code, olen, flags, end, trail = struct.unpack_from("=HHIII", blk, blen - EPB_TAIL)
            if (code, olen, end, trail) != (2, 4, 0, blen) or flags not in (1, 2):
                raise Bad(f"block at {pos}: tail {code} {olen} {flags:#x} {end} {trail}, not "
                          f"epb_flags in or out, end of options, {blen}")
            out.append((ts_hi << 32 | ts_lo, caplen, wlen, blk))
            counts["records"] += 1
            counts["in" if flags == 1 else "out"] += 1
            self.tail = (self.tail + blen) % 2**32


def pcapng_opt(code, val):
    return struct.pack("=HH", code, len(val)) + val + b"\0" * (-len(val) % 4)


def pcapng_block(typ, body):
    return struct.pack("=II", typ, 12 + len(body)) + body + struct.pack("=I", 12 + len(body))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ifname", required=True)
    ap.add_argument("--name", default="pcapring")
    ap.add_argument("--format", choices=FORMATS, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--snaplen", type=int, default=262144)
    ap.add_argument("--ring-size", type=int, default=4096)
    ap.add_argument("--ready")
    args = ap.parse_args()
    fmt = FORMATS[args.format]

    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    try:
        sock = nl.Genl(5)
        fam, _ = sock.family_id(nl.KCAP_GENL_NAME)
        fd = os.open("/dev/kcap", os.O_RDWR)
    except OSError as e:
        print(f"pcapring.py: SKIP: {e}")
        return 4
    if fam is None:
        print("pcapring.py: SKIP: no kcap family")
        return 4

    counts = {"records": 0, "in": 0, "out": 0, "padding": 0, "wraps": 0}
    t0 = time.time_ns()
    recs = []
    try:
        sid = session_new(sock, fam, args)
        try:
            bind(fd, sid, 0)
            raise Bad("KCAP_IOC_BIND without KCAP_BIND_F_RING_FORMAT took a session of another ring format")
        except OSError as e:
            if e.errno != errno.EPROTO:
                raise Bad(f"KCAP_IOC_BIND without the flag: {e}, not EPROTO") from e
        (_, _, nr, size, stride, data_off, mmap_size, bfmt, _, _, _, _) = bind(fd, sid, BIND_F_RING_FORMAT)
        if bfmt != fmt:
            raise Bad(f"KCAP_IOC_BIND says ring_format {bfmt}, not {fmt}")
        m = mmap.mmap(fd, mmap_size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        rings = [Ring(m, i * stride, data_off, size) for i in range(nr)]
        if args.ready:
            with open(args.ready, "w") as f:
                f.write(args.out + "\n")
        p = select.poll()
        p.register(fd, select.POLLIN)
        while not stop:
            try:
                p.poll(50)
            except InterruptedError:
                pass
            for r in rings:
                r.read(fmt, args.snaplen, recs, counts)
        for r in rings:
            r.read(fmt, args.snaplen, recs, counts)
        st = session_stats(sock, fam, sid)
    except (Bad, OSError) as e:
        print(f"pcapring.py: {e}")
        return 1

    # Every record's time, in ns, from the clock the kernel reads.
    t1 = time.time_ns()
    frac_ns = {1: 1000, 2: 1, PCAPNG: 0}[fmt]
    for t, *_ in recs:
        ns = t if fmt == PCAPNG else t[0] * 10**9 + t[1] * frac_ns
        if not t0 - 10**9 <= ns <= t1 + 10**9:
            print(f"pcapring.py: a record's time {ns} ns is not between the start {t0} and the end {t1}")
            return 1
    recs.sort(key=lambda r: r[0])  # stable: a ring's order on a tie
    with open(args.out, "wb") as f:
        if fmt == PCAPNG:
            f.write(pcapng_block(0x0A0D0D0A, struct.pack("=IHHq", 0x1A2B3C4D, 1, 0, -1) +
                                 pcapng_opt(0, b"")))
            f.write(pcapng_block(1, struct.pack("=HHI", 1, 0, args.snaplen) +
                                 pcapng_opt(2, args.ifname.encode()) + pcapng_opt(9, b"\x09") +
                                 pcapng_opt(0, b"")))
            for _, _, _, blk in recs:
                f.write(blk)
        else:
            f.write(struct.pack("=IHHiIII", MAGIC[fmt], 2, 4, 0, 0, args.snaplen, 1))
            for (sec, frac), caplen, wlen, data in recs:
                f.write(struct.pack("=IIII", sec, frac, caplen, wlen) + data)
    nbytes = sum(r[1] for r in recs)
    print(f"records {counts['records']}, in {counts['in']}, out {counts['out']}, "
          f"padding {counts['padding']}, wraps {counts['wraps']}, "
          f"delivered {st[S_DELIVERED]}, dropped {st[S_DROPPED]}, bytes {st[S_BYTES]}")
    if st[S_DELIVERED] != counts["records"] or st[S_BYTES] != nbytes:
        print(f"pcapring.py: the session delivered {st[S_DELIVERED]} frames of {st[S_BYTES]} bytes, "
              f"the rings held {counts['records']} of {nbytes}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fuzz kcap's character device, /dev/kcap, as nlfuzz.py fuzzes its family.

  chrfuzz.py [--seed S] [--count N] [--hostile ID --seconds T]

Sends N random ioctl()s (random numbers, kcap's magic with every number,
direction and size, KCAP_IOC_BIND with random contents, bad pointers) and
N random mmap()s (lengths, offsets, protections, shared or private, bound
and unbound files).  Each answer must be one an honest caller can get:
only KCAP_IOC_BIND may succeed, and only for a session that exists;
only a mapping of the whole rings at offset 0 may succeed.

With --hostile ID it then binds session ID, maps its rings and, for T
seconds while frames flow, scribbles over every control page (head, tail,
size, cpu) and the data areas with random values: the kernel must keep
writing only inside the rings, and other sessions must not notice.

Prints "ioctls N, mmaps N, scribbles N, unexpected U"; exits 0 when U is 0,
1 otherwise, 4 (skip) without /dev/kcap.
"""

import argparse
import errno
import fcntl
import mmap
import os
import random
import struct
import sys
import time

BIND_FMT = "=IIIIIIQ4Q"
BIND_SIZE = struct.calcsize(BIND_FMT)
MAGIC = 0xBC
# The errnos an honest caller can get back.
OK_ERRNOS = {errno.ENOTTY, errno.EINVAL, errno.EFAULT, errno.ENOENT,
             errno.EPERM, errno.EBUSY, errno.EISCONN, errno.ENOMEM,
             errno.EACCES, errno.ENODEV, errno.EOVERFLOW}


def ioc(d, nr, size, magic=MAGIC):
    return (d << 30) | (size << 16) | (magic << 8) | nr


IOC_BIND = ioc(3, 1, BIND_SIZE)


class Fuzz:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.unexpected = 0
        self.ioctls = self.mmaps = self.scribbles = 0

    def bad(self, what):
        self.unexpected += 1
        if self.unexpected <= 10:
            print(f"chrfuzz.py: unexpected: {what}")

    def open(self):
        return os.open("/dev/kcap", os.O_RDWR)

    def bind(self, fd, sid):
        buf = bytearray(struct.pack(BIND_FMT, sid, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        fcntl.ioctl(fd, IOC_BIND, buf)
        return struct.unpack(BIND_FMT, buf)

    def one_ioctl(self):
        r = self.rng
        kind = r.randrange(4)
        if kind == 0:
            cmd = r.getrandbits(32)
        elif kind == 1:
            cmd = ioc(r.randrange(4), r.randrange(256), r.randrange(1 << 14))
        elif kind == 2:
            cmd = IOC_BIND
        else:
            cmd = ioc(3, 1, r.choice([0, 1, BIND_SIZE - 1, BIND_SIZE + 1, 4096]))
        if r.random() < 0.3:
            arg = r.choice([0, 1, 0xFFFFFFFF, 0x7FFFFFFFF000, r.getrandbits(47)])
        else:
            arg = bytearray(r.getrandbits(8) for _ in range(max(BIND_SIZE, 256)))
            if cmd == IOC_BIND and r.random() < 0.5:
                # A plausible request: a small id, flags and reserved
                # zero or not.
                struct.pack_into("=II", arg, 0, r.randrange(64),
                                 r.choice([0, 0, 1, r.getrandbits(32)]))
                if r.random() < 0.7:
                    arg[24:BIND_SIZE] = bytes(BIND_SIZE - 24)
        fd = self.open()
        try:
            self.ioctls += 1
            try:
                fcntl.ioctl(fd, cmd, arg)
            except OSError as e:
                if e.errno not in OK_ERRNOS:
                    self.bad(f"ioctl {cmd:#x}: {e}")
                return
            except (OverflowError, TypeError, ValueError):
                return          # python refused the argument itself
            if cmd != IOC_BIND:
                self.bad(f"ioctl {cmd:#x} succeeded")
        finally:
            os.close(fd)

    def one_mmap(self, sid, size):
        r = self.rng
        fd = self.open()
        try:
            bound = sid is not None and r.random() < 0.7
            if bound:
                try:
                    self.bind(fd, sid)
                except OSError as e:
                    if e.errno != errno.EBUSY:
                        self.bad(f"bind {sid}: {e}")
                    bound = False
            length = r.choice([size, size, size - 4096, size + 4096, 4096,
                               r.randrange(1, 1 << 24)])
            offset = r.choice([0, 0, 4096, mmap.PAGESIZE * r.randrange(1, 64)])
            flags = r.choice([mmap.MAP_SHARED, mmap.MAP_PRIVATE])
            prot = r.choice([mmap.PROT_READ, mmap.PROT_READ | mmap.PROT_WRITE,
                             mmap.PROT_WRITE])
            self.mmaps += 1
            try:
                m = mmap.mmap(fd, length, flags=flags, prot=prot, offset=offset)
            except (OSError, ValueError, OverflowError) as e:
                if isinstance(e, OSError) and e.errno not in OK_ERRNOS:
                    self.bad(f"mmap {length} at {offset}: {e}")
                return
            if not bound or length != size or offset != 0:
                self.bad(f"mmap of {length} at {offset} succeeded (bound {bound})")
            if prot & mmap.PROT_READ:
                m[0:16]         # the first control page reads
            m.close()
        finally:
            os.close(fd)

    def hostile(self, sid, seconds):
        r = self.rng
        fd = self.open()
        b = self.bind(fd, sid)
        nr, size, stride, doff, msize = b[2], b[3], b[4], b[5], b[6]
        m = mmap.mmap(fd, msize, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            i = r.randrange(nr)
            base = i * stride
            what = r.randrange(6)
            v = r.choice([0, 1, size - 1, size, size + 8, 0x7FFFFFFF, 0xFFFFFFFF,
                          r.getrandbits(32)])
            if what == 0:
                struct.pack_into("=I", m, base, v)              # head
            elif what == 1:
                struct.pack_into("=I", m, base + 64, v)         # tail
            elif what == 2:
                struct.pack_into("=II", m, base + 4, v, r.getrandbits(32))  # size, cpu
            elif what == 3:
                # tail = head, as an honest reader would: frames go on
                head = struct.unpack_from("=I", m, base)[0]
                struct.pack_into("=I", m, base + 64, head)
            else:
                off = base + doff + r.randrange(size - 64)
                m[off:off + 64] = bytes(r.getrandbits(8) for _ in range(64))
            self.scribbles += 1
            if self.scribbles % 256 == 0:
                time.sleep(0.001)
        m.close()
        os.close(fd)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--hostile", type=int, metavar="ID")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--mmap-size", type=int, default=0,
                    help="the session's mmap size (from --hostile's bind if 0)")
    args = ap.parse_args()
    if not os.path.exists("/dev/kcap"):
        print("chrfuzz.py: SKIP: no /dev/kcap (is kcap.ko loaded?)")
        return 4
    f = Fuzz(args.seed)
    size = args.mmap_size
    if args.hostile is not None and not size:
        fd = f.open()
        size = f.bind(fd, args.hostile)[6]
        os.close(fd)
    for _ in range(args.count):
        f.one_ioctl()
        f.one_mmap(args.hostile, size)
    if args.hostile is not None:
        f.hostile(args.hostile, args.seconds)
    print(f"ioctls {f.ioctls}, mmaps {f.mmaps}, scribbles {f.scribbles}, "
          f"unexpected {f.unexpected}")
    return 1 if f.unexpected else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""poll() on /dev/kcap, batched (KCAP_BIND_F_BATCH) and not, as the ABI says.

  pollbatch.py --ifname IF --peer PEER CASE

Knows only include/uapi/linux/kcap.h: creates a session of pcap records on
IF (a ring of 64 KiB, so a wake mark of 16 KiB), binds it,
maps its rings, and sends 200-byte frames into IF from PEER (its veth
peer) through a packet socket, pinned to CPU 0, so that they all land in
CPU 0's ring.  Nothing polls before the case says so: the wake timer is
not running, and what poll() reports comes from the rings alone.

  plain   a reader without the flag: one frame, and poll() reports POLLIN
          at once, as it always did
  below   a batching reader: one frame, and poll() does not report it at
          once (below the mark); a poll() that waits is woken for it
          within KCAP_WAKEUP_MAX_MS (checked against 200 ms here: the
          clock of an emulated machine), and the record is the frame
  level   a batching reader: one frame, and a poll() that waits is woken
          for it; poll() reports it again, and again, until the record is
          read (what poll() reports does not depend on earlier polls, and
          an epoll file reports it too); once it is read, poll() reports
          nothing, with a second frame there, below the mark and not yet
          found by the timer
  mark    a batching reader: 99 frames (21384 bytes of records), past the
          mark, and poll() reports POLLIN at once, for records the frames
  hup     a batching reader: one frame, then the session is deleted:
          poll() reports POLLIN for it first, and POLLHUP once it is read
  flags   KCAP_IOC_BIND with a flag the ABI does not define: EINVAL

Prints what it saw on one line; exits 0 when the case held, 1 otherwise,
4 (kselftest skip) without the family or /dev/kcap.
"""
import argparse
import errno
import mmap
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlfuzz as nl  # noqa: E402
import pcapring as pr  # noqa: E402

BIND_F_BATCH = 2
RING = 65536
FRAME = 200
REC = 16 + FRAME
WAKEUP_MAX_MS = 20
SLACK_MS = 200


class Fail(Exception):
    pass


def frame(peer_mac, dst_mac, seq):
    """A 200-byte IPv4 frame from PEER to IF; the IP layer may drop it,
    the ingress hook sees it first."""
    return (dst_mac + peer_mac + b"\x08\x00" + struct.pack(">I", seq)).ljust(FRAME, b"\x5a")


def mac(ifname):
    with open(f"/sys/class/net/{ifname}/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


class Case:
    def __init__(self, args, flags):
        self.args = args
        self.sock = nl.Genl(5)
        self.fam, _ = self.sock.family_id(nl.KCAP_GENL_NAME)
        if self.fam is None:
            raise FileNotFoundError("no kcap family")
        self.fd = os.open("/dev/kcap", os.O_RDWR)
        ns = argparse.Namespace(name=f"pb{os.getpid()}", ifname=args.ifname,
                                ring_size=RING, snaplen=262144, format="pcap")
        self.sid = pr.session_new(self.sock, self.fam, ns)
        if flags is None:
            return
        (_, _, nr, size, stride, data_off, mmap_size, _, _, _, _, _) = pr.bind(
            self.fd, self.sid, pr.BIND_F_RING_FORMAT | flags)
        if size != RING:
            raise Fail(f"KCAP_IOC_BIND says rings of {size} bytes, not {RING}")
        self.m = mmap.mmap(self.fd, mmap_size, mmap.MAP_SHARED,
                           mmap.PROT_READ | mmap.PROT_WRITE)
        self.rings = [pr.Ring(self.m, i * stride, data_off, size) for i in range(nr)]
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.tx.bind((args.peer, 0))
        self.peer_mac, self.if_mac = mac(args.peer), mac(args.ifname)
        self.sent = []

    def send(self, n):
        """N frames into IF, then wait until the session has them all."""
        for _ in range(n):
            f = frame(self.peer_mac, self.if_mac, len(self.sent))
            self.tx.send(f)
            self.sent.append(f)
        deadline = time.monotonic() + 10
        while pr.session_stats(self.sock, self.fam, self.sid)[pr.S_DELIVERED] < len(self.sent):
            if time.monotonic() > deadline:
                raise Fail(f"the session did not deliver the {len(self.sent)} frames sent")
            time.sleep(0.01)

    def poll(self, ms):
        """(revents, ms waited) of a poll() of the reader's file."""
        p = select.poll()
        p.register(self.fd, select.POLLIN)
        t0 = time.monotonic()
        ev = p.poll(ms)
        return (ev[0][1] if ev else 0), (time.monotonic() - t0) * 1000

    def read(self):
        """Every record the rings hold, handed back: [(caplen, len, bytes)]."""
        recs, counts = [], {"records": 0, "in": 0, "out": 0, "padding": 0, "wraps": 0}
        for r in self.rings:
            r.read(1, 262144, recs, counts)
        return [(c, w, d) for _, c, w, d in recs]

    def delete(self):
        err, msg, _ = self.sock.request(self.fam, nl.NLM_F_REQUEST | nl.NLM_F_ACK,
                                        nl.genl(nl.CMD_DEL, nl.u32(nl.A_ID, self.sid)))
        if err:
            raise Fail(f"session-del: {nl.errname(err)} {msg}")


def pollin(ev):
    return bool(ev & select.POLLIN)


def plain(args):
    c = Case(args, 0)
    c.send(1)
    ev, _ = c.poll(0)
    if not pollin(ev):
        raise Fail(f"a reader without KCAP_BIND_F_BATCH: poll() gave {ev:#x} for a frame there, not POLLIN")
    return "without the flag, one frame: POLLIN at once"


def below(args):
    c = Case(args, BIND_F_BATCH)
    c.send(1)
    ev, _ = c.poll(0)
    if pollin(ev):
        raise Fail("a batching reader: poll() reported POLLIN at once for one frame, below the mark")
    ev, ms = c.poll(5000)
    if not pollin(ev):
        raise Fail(f"a batching reader: poll() gave {ev:#x} after {ms:.0f} ms for a frame waiting, not POLLIN")
    if ms > SLACK_MS:
        raise Fail(f"a batching reader was woken for one frame after {ms:.0f} ms, "
                   f"not within {WAKEUP_MAX_MS} ms ({SLACK_MS} allowed here)")
    recs = c.read()
    if recs != [(FRAME, FRAME, c.sent[0])]:
        raise Fail(f"the rings held {len(recs)} records, not the one frame sent, whole")
    return (f"one frame: no POLLIN at once, then POLLIN after {ms:.0f} ms of waiting "
            f"(at most {WAKEUP_MAX_MS}; {SLACK_MS} allowed), the record the frame")


def level(args):
    c = Case(args, BIND_F_BATCH)
    c.send(1)
    ev, ms = c.poll(5000)
    if not pollin(ev):
        raise Fail(f"a batching reader: poll() gave {ev:#x} after {ms:.0f} ms for a frame waiting, not POLLIN")
    again = [c.poll(0)[0] for _ in range(3)]
    if not all(pollin(e) for e in again):
        raise Fail(f"a batching reader, told of a frame it has not read: the next poll()s gave "
                   f"{', '.join(f'{e:#x}' for e in again)}, not POLLIN each time")
    ep = select.epoll()
    ep.register(c.fd, select.EPOLLIN)
    got = ep.poll(0)
    ep.close()
    if not got or not got[0][1] & select.EPOLLIN:
        raise Fail(f"a batching reader, told of a frame it has not read: epoll gave {got}, not EPOLLIN")
    recs = c.read()
    if recs != [(FRAME, FRAME, c.sent[0])]:
        raise Fail(f"the rings held {len(recs)} records, not the one frame sent, whole")
    # Not polled since POLLIN: the timer is not running, and cannot have
    # found the second frame.
    c.send(1)
    ev, _ = c.poll(0)
    if ev:
        raise Fail(f"a batching reader, its record read, a second frame sent: poll() gave {ev:#x}, "
                   "not nothing (the first is read, the second below the mark and not yet due)")
    return (f"one frame: POLLIN after {ms:.0f} ms of waiting, then POLLIN from three poll()s "
            f"and an epoll until it was read; nothing after, with a second frame below the mark")


def mark(args):
    c = Case(args, BIND_F_BATCH)
    n = RING // 4 // REC + 24
    c.send(n)
    ev, _ = c.poll(0)
    if not pollin(ev):
        raise Fail(f"a batching reader: poll() gave {ev:#x} for {n} frames ({n * REC} bytes, "
                   f"past the mark of {RING // 4}), not POLLIN")
    recs = c.read()
    if [d for _, _, d in recs] != c.sent:
        raise Fail(f"the rings held {len(recs)} records, not the {n} frames sent, in order")
    return f"{n} frames, {n * REC} bytes past the mark of {RING // 4}: POLLIN at once, the records the frames"


def hup(args):
    c = Case(args, BIND_F_BATCH)
    c.send(1)
    c.delete()
    ev, _ = c.poll(0)
    if not pollin(ev):
        raise Fail(f"a batching reader of a deleted session: poll() gave {ev:#x} for the frame left, not POLLIN")
    if len(c.read()) != 1:
        raise Fail("the deleted session's rings did not hold the one frame")
    ev, _ = c.poll(0)
    if not ev & select.POLLHUP:
        raise Fail(f"a batching reader of a deleted session, its rings read: poll() gave {ev:#x}, not POLLHUP")
    return "one frame, the session deleted: POLLIN, then POLLHUP once it was read"


def flags(args):
    c = Case(args, None)
    try:
        pr.bind(c.fd, c.sid, pr.BIND_F_RING_FORMAT | BIND_F_BATCH << 1)
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise Fail(f"KCAP_IOC_BIND with an undefined flag: {e}, not EINVAL") from e
        c.delete()
        return "an undefined flag: EINVAL"
    raise Fail("KCAP_IOC_BIND took an undefined flag")


CASES = {"plain": plain, "below": below, "level": level, "mark": mark, "hup": hup, "flags": flags}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ifname", required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("case", choices=CASES)
    args = ap.parse_args()
    os.sched_setaffinity(0, {0})
    try:
        print(CASES[args.case](args))
    except (FileNotFoundError, PermissionError) as e:
        print(f"pollbatch.py: SKIP: {e}")
        return 4
    except (Fail, pr.Bad, OSError) as e:
        print(f"pollbatch.py: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

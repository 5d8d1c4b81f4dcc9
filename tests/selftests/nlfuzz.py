#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A fuzzer for the kcap generic-netlink family (standard library only).

  nlfuzz.py [--count N] [--seed S] [--ifname IF] [--timeout SECS] [--strict] [--verbose]
  nlfuzz.py --selftest [--count N] [--seed S]

Sends N messages (default 3000) to the kcap family, one at a time, each with
NLM_F_ACK, and waits for each one's answer (an NLMSG_ERROR, or NLMSG_DONE
for a dump).  The messages, all derived from --seed, are of these kinds:

  random       any command 0..10, attributes of type 0..30 with random
               lengths (0, odd, oversize), sometimes as a dump
  wrong-type   u8 where u32 is expected and the like, strings without NUL
  bad-name     names with bad characters, empty or too long
  range        snaplen, direction, hook, ring size, flags out of range
  out-attr     attributes that only replies may carry
  nesting      NLA_F_NESTED on flat attributes, nests where flat ones go
  malformed    truncated attribute headers, nla_len past the end or < 4
  big-filter   filters over 4096 instructions, 32 KiB and more
  odd-filter   filter lengths that are not a multiple of 8
  bad-cbpf     programs of a valid size that bpf_check_classic refuses:
               jumps past the end, no final RET, division by constant 0,
               scratch memory index >= 16 or read before written, unknown
               opcodes
  mutation     a valid session-new with bits flipped, truncated, an
               attribute duplicated or dropped
  valid        well-formed requests that must succeed: session-new (on
               --ifname, default lo; a 4096-instruction filter among them),
               get, dump, stats, set and del

Only "valid" messages are meant to create sessions.  A session that any
session-new creates (a mutation may happen to be valid) is deleted at once
by the id in the reply, and at the end every session whose name starts with
"fz" is deleted (a dump, then session-del).

Prints "sent N, rejected N, accepted N, errnos {...}" (and the messages
designed invalid that were accepted, or designed valid that were rejected).
Exit status: 0 when every message got an answer within --timeout (with
--strict: and every designed-invalid message was rejected and every valid
one accepted), 1 otherwise, 2 on a usage error, 4 (kselftest skip) when the
family "kcap" does not exist or the caller is not root.

--selftest needs no kernel module: it checks the message builders (every
well-formed message parses back to the attributes it was built from and
re-encodes to the same bytes, malformed ones fail to parse, the same seed
gives the same bytes) and exits 0 or 1.
"""
import argparse
import errno
import os
import random
import socket
import struct
import sys
import time

# <linux/netlink.h>, <linux/genetlink.h>
NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000
NLMSGERR_ATTR_MSG = 1
NETLINK_CAP_ACK, NETLINK_EXT_ACK = 10, 11
SOL_NETLINK = 270
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2

# include/uapi/linux/kcap.h (values are never renumbered).
KCAP_GENL_NAME, KCAP_GENL_VERSION = "kcap", 1
(CMD_NEW, CMD_DEL, CMD_GET, CMD_SET, CMD_STATS) = range(1, 6)
(A_PAD, A_ID, A_NAME, A_IFINDEX, A_IFNAME, A_DIRECTION, A_SNAPLEN, A_FILTER, A_FILTER_TEXT,
 A_HOOK, A_RING_SIZE, A_FLAGS, A_STATE, A_DEV_TYPE, A_LINKTYPE, A_NR_RINGS, A_FILTER_LEN,
 A_OWNER, A_STATS, A_OWNER_PID, A_FILTER_HIDDEN, A_RING_FORMAT) = range(1, 23)
S_SEEN = 2
NAME_PREFIX = "fz"
BPF_MAXINSNS = 4096

# --- message building and parsing ------------------------------------------


def nla(atype, data, flags=0):
    """One attribute, padded to 4 bytes."""
    n = 4 + len(data)
    return struct.pack("=HH", n, atype | flags) + data + bytes(-n % 4)


def nla_raw(nla_len, atype, data):
    """An attribute whose nla_len is whatever the caller says."""
    return struct.pack("=HH", nla_len & 0xffff, atype) + data


def u8(t, v):
    return nla(t, struct.pack("=B", v))


def u32(t, v):
    return nla(t, struct.pack("=I", v))


def string(t, s):
    return nla(t, s.encode() + b"\0")


def genl(cmd, attrs, version=KCAP_GENL_VERSION):
    return struct.pack("=BBH", cmd & 0xff, version, 0) + attrs


def nlmsg(mtype, flags, seq, payload):
    return struct.pack("=IHHII", 16 + len(payload), mtype, flags, seq, 0) + payload


def parse_nlmsgs(buf):
    """[(type, flags, seq, payload)] of a buffer of netlink messages."""
    out = []
    while len(buf) >= 16:
        n, mtype, flags, seq, _ = struct.unpack_from("=IHHII", buf)
        if n < 16 or n > len(buf):
            raise ValueError(f"bad nlmsg_len {n}")
        out.append((mtype, flags, seq, buf[16:n]))
        buf = buf[(n + 3) & ~3:]
    return out


def parse_attrs(buf):
    """[(type, flags, data)]; raises ValueError on anything malformed."""
    out = []
    while buf:
        if len(buf) < 4:
            raise ValueError(f"{len(buf)} bytes left, less than an attribute header")
        n, t = struct.unpack_from("=HH", buf)
        if n < 4 or n > len(buf):
            raise ValueError(f"nla_len {n} with {len(buf)} bytes left")
        out.append((t & 0x3fff, t & 0xc000, buf[4:n]))
        buf = buf[(n + 3) & ~3:]
    return out


def parse_attrs_deep(buf):
    """parse_attrs, into every NLA_F_NESTED attribute too."""
    out = parse_attrs(buf)
    for _, f, d in out:
        if f & NLA_F_NESTED:
            parse_attrs_deep(d)
    return out


def attrs_dict(buf):
    return {t: d for t, _, d in parse_attrs(buf)}


# --- cBPF programs -----------------------------------------------------------


def bpf(*insns):
    """struct sock_filter[]: (code, jt, jf, k) each, native byte order."""
    return b"".join(struct.pack("=HBBI", *i) for i in insns)


RET_K, RET_A = 0x06, 0x16
PROG_IP = bpf((0x28, 0, 0, 12), (0x15, 0, 1, 0x800), (RET_K, 0, 0, 262144), (RET_K, 0, 0, 0))
PROG_ALL = bpf((RET_K, 0, 0, 262144))
# BPF_MAXINSNS instructions: "ld len" over and over, then return it.
PROG_MAX = bpf(*[(0x80, 0, 0, 0)] * (BPF_MAXINSNS - 1), (RET_A, 0, 0, 0))
BAD_PROGS = {
    "jump-past-end": bpf((0x28, 0, 0, 12), (0x15, 5, 0, 0x800), (RET_K, 0, 0, 0)),
    "ja-past-end": bpf((0x05, 0, 0, 100), (RET_K, 0, 0, 0)),
    "no-final-ret": bpf((0x28, 0, 0, 12), (0x15, 0, 0, 0x800)),
    "div-by-const-0": bpf((0x80, 0, 0, 0), (0x34, 0, 0, 0), (RET_A, 0, 0, 0)),
    "mod-by-const-0": bpf((0x80, 0, 0, 0), (0x94, 0, 0, 0), (RET_A, 0, 0, 0)),
    "st-mem-16": bpf((0x00, 0, 0, 1), (0x02, 0, 0, 16), (RET_K, 0, 0, 0)),
    "ld-mem-16": bpf((0x00, 0, 0, 1), (0x02, 0, 0, 0), (0x60, 0, 0, 16), (RET_A, 0, 0, 0)),
    "ldx-mem-99": bpf((0x00, 0, 0, 1), (0x02, 0, 0, 0), (0x61, 0, 0, 99), (RET_K, 0, 0, 0)),
    "mem-read-before-write": bpf((0x60, 0, 0, 3), (RET_A, 0, 0, 0)),
    "unknown-opcode-ffff": bpf((0xffff, 0, 0, 0), (RET_K, 0, 0, 0)),
    "unknown-opcode-ff": bpf((0x00ff, 0, 0, 0), (RET_K, 0, 0, 0)),
    "unknown-alu-op": bpf((0x00f4, 0, 0, 1), (RET_K, 0, 0, 0)),
    "over-maxinsns": bpf(*[(RET_K, 0, 0, 0)] * (BPF_MAXINSNS + 1)),
}

# --- the messages ------------------------------------------------------------


class Msg:
    """One fuzz message: its kind, what it should get (reject, accept or
    any), the genl payload and the netlink flags."""

    def __init__(self, kind, expect, payload, flags=NLM_F_REQUEST | NLM_F_ACK, what=""):
        self.kind, self.expect, self.payload, self.flags, self.what = kind, expect, payload, flags, what

    @property
    def cmd(self):
        return self.payload[0] if self.payload else None


class Gen:
    def __init__(self, seed, ifindex, ifname):
        self.rng = random.Random(seed)
        self.seed, self.ifindex, self.ifname = seed, ifindex, ifname
        self.n = 0

    def name(self):
        self.n += 1
        return f"{NAME_PREFIX}{self.seed}-{self.n}"

    def valid_new(self, prog=PROG_IP):
        return (string(A_NAME, self.name()) + u32(A_IFINDEX, self.ifindex) +
                u8(A_DIRECTION, 3) + u32(A_SNAPLEN, 1500) + nla(A_FILTER, prog) +
                string(A_FILTER_TEXT, "ip") + u8(A_HOOK, 0) + u32(A_RING_SIZE, 4096) +
                u32(A_FLAGS, 0))

    def key(self):
        """A session key that names no session."""
        return string(A_NAME, self.name() + "-none")

    def random(self):
        r = self.rng
        cmd = r.randrange(11)
        attrs = b""
        for _ in range(r.randrange(5)):
            n = r.choice([0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 31, 32, 33, 255, 4096, r.randrange(600)])
            attrs += nla(r.randrange(31), r.randbytes(n))
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if r.random() < 0.15 else 0)
        return Msg("random", "any", genl(cmd, attrs), flags, f"cmd {cmd}")

    def wrong_type(self):
        r = self.rng
        cases = [
            ("snaplen as u8", lambda: nla(A_SNAPLEN, b"\x40")),
            ("snaplen as u16", lambda: nla(A_SNAPLEN, b"\x40\x00")),
            ("snaplen as u64", lambda: nla(A_SNAPLEN, struct.pack("=Q", 64))),
            ("ifindex as u8", lambda: nla(A_IFINDEX, b"\x01")),
            ("direction as u32", lambda: u32(A_DIRECTION, 1)),
            ("hook as u32", lambda: u32(A_HOOK, 0)),
            ("ring-format as u32", lambda: u32(A_RING_FORMAT, 1)),
            ("direction empty", lambda: nla(A_DIRECTION, b"")),
            ("ring-size as u8", lambda: nla(A_RING_SIZE, b"\x10")),
            ("flags as u16", lambda: nla(A_FLAGS, b"\x00\x00")),
            ("id as u8", lambda: nla(A_ID, b"\x01")),
            ("ifname without NUL", lambda: nla(A_IFNAME, self.ifname.encode())),
            ("filter-text without NUL", lambda: nla(A_FILTER_TEXT, b"ip")),
        ]
        what, make = r.choice(cases)
        if r.random() < 0.5:
            cmd, attrs = CMD_NEW, string(A_NAME, self.name()) + u32(A_IFINDEX, self.ifindex)
        else:
            cmd, attrs = r.choice([CMD_SET, CMD_GET, CMD_DEL, CMD_STATS]), self.key()
        if what.startswith("id") or what.startswith("name"):
            attrs = b""
        return Msg("wrong-type", "reject", genl(cmd, attrs + make()), what=what)

    def bad_name(self):
        r = self.rng
        names = [b"", b"a b", b"a/b", b"../x", b"fz\x01", b"fz\xc3\xa9", b"fz:1", b"fz*",
                 b"fz\n", b"fz\x00x", b"f" * 32, b"f" * 31 + b"x", b"fz" * 40, b"f" * 255]
        n = r.choice(names)
        # A name without its NUL too.
        data = n if r.random() < 0.2 and n else n + b"\0"
        cmd = r.choice([CMD_NEW, CMD_NEW, CMD_DEL, CMD_GET, CMD_SET, CMD_STATS])
        extra = u32(A_IFINDEX, self.ifindex) if cmd == CMD_NEW else b""
        # NLA_NUL_STRING ends a string at its first NUL: "fz\0x\0" is "fz".
        expect = "any" if data.startswith(b"fz\0x") else "reject"
        return Msg("bad-name", expect, genl(cmd, nla(A_NAME, data) + extra), what=repr(data))

    def out_of_range(self):
        r = self.rng
        cases = [(A_SNAPLEN, u32, v) for v in (0, 262145, 0xffffffff)] + \
                [(A_DIRECTION, u8, v) for v in (4, 255)] + [(A_HOOK, u8, v) for v in (3, 255)] + \
                [(A_RING_FORMAT, u8, v) for v in (4, 255)] + \
                [(A_RING_SIZE, u32, v) for v in (0, 1, 4095, 4097, 12288, 0x80000000, 0xffffffff)] + \
                [(A_FLAGS, u32, v) for v in (8, 0x80000000, 0xffffffff)] + \
                [(A_IFINDEX, u32, v) for v in (0, 0x7fffffff)]
        atype, enc, v = r.choice(cases)
        attrs = string(A_NAME, self.name()) + (b"" if atype == A_IFINDEX else u32(A_IFINDEX, self.ifindex))
        cmd = CMD_NEW
        if atype in (A_SNAPLEN, A_DIRECTION) and r.random() < 0.4:
            cmd, attrs = CMD_SET, self.key()
        return Msg("range", "reject", genl(cmd, attrs + enc(atype, v)), what=f"attr {atype} = {v}")

    def out_attr(self):
        r = self.rng
        atype = r.choice([A_STATE, A_DEV_TYPE, A_LINKTYPE, A_NR_RINGS, A_FILTER_LEN, A_OWNER, A_STATS,
                          A_OWNER_PID, A_FILTER_HIDDEN])
        data = {A_STATE: b"\x01", A_DEV_TYPE: b"\x01\x00"}.get(atype, b"\0\0\0\0")
        extra = nla(atype, nla(S_SEEN, bytes(8)), NLA_F_NESTED) if atype == A_STATS else nla(atype, data)
        return Msg("out-attr", "reject", genl(CMD_NEW, self.valid_new() + extra), what=f"attr {atype}")

    def nesting(self):
        r = self.rng
        name = self.name()
        cases = [
            ("NLA_F_NESTED on name", nla(A_NAME, name.encode() + b"\0", NLA_F_NESTED)),
            ("NLA_F_NESTED on snaplen", nla(A_SNAPLEN, struct.pack("=I", 64), NLA_F_NESTED)),
            ("nest in snaplen", nla(A_SNAPLEN, u32(1, 64), NLA_F_NESTED)),
            ("nest in name", nla(A_NAME, string(1, name), NLA_F_NESTED)),
            ("nest in filter", nla(A_FILTER, nla(1, PROG_ALL), NLA_F_NESTED)),
            ("NLA_F_NET_BYTEORDER on ifindex", nla(A_IFINDEX, struct.pack("!I", self.ifindex),
                                                  NLA_F_NET_BYTEORDER)),
            ("stats without NLA_F_NESTED", nla(A_STATS, nla(S_SEEN, bytes(8)))),
            ("deep nest", nla(A_STATS, nla(1, nla(1, nla(1, b"", NLA_F_NESTED), NLA_F_NESTED),
                                           NLA_F_NESTED), NLA_F_NESTED)),
        ]
        what, bad = r.choice(cases)
        attrs = string(A_NAME, name) + u32(A_IFINDEX, self.ifindex)
        return Msg("nesting", "reject", genl(CMD_NEW, attrs + bad), what=what)

    def malformed(self):
        r = self.rng
        base = string(A_NAME, self.name()) + u32(A_IFINDEX, self.ifindex)
        cases = [
            ("truncated nla header", lambda: base + r.randbytes(r.choice([1, 2, 3]))),
            ("nla_len past the end", lambda: base + nla_raw(r.randrange(9, 2000), A_SNAPLEN, b"\x40\0\0\0")),
            ("nla_len below 4", lambda: base + nla_raw(r.randrange(4), A_SNAPLEN, b"\x40\0\0\0")),
            ("nla_len past the end, first", lambda: nla_raw(200, A_NAME, b"fz\0\0") + base),
            ("nested nla_len past the nest", lambda: base + nla(A_STATS, nla_raw(64, S_SEEN, bytes(8)),
                                                               NLA_F_NESTED)),
        ]
        what, make = r.choice(cases)
        return Msg("malformed", "reject", genl(CMD_NEW, make()), what=what)

    def big_filter(self):
        r = self.rng
        n = r.choice([BPF_MAXINSNS * 8 + 8, 32768 + 1, 40000, 65000 - 64])
        prog = (PROG_ALL * (n // 8 + 1))[:n] if r.random() < 0.5 else r.randbytes(n)
        cmd, key = (CMD_NEW, string(A_NAME, self.name()) + u32(A_IFINDEX, self.ifindex)) \
            if r.random() < 0.7 else (CMD_SET, self.key())
        return Msg("big-filter", "reject", genl(cmd, key + nla(A_FILTER, prog)), what=f"{n} bytes")

    def odd_filter(self):
        r = self.rng
        n = r.choice([1, 2, 3, 4, 5, 6, 7, 9, 12, 15, 17, 4095, 8 * 100 + 3])
        prog = (PROG_IP * (n // len(PROG_IP) + 1))[:n]
        return Msg("odd-filter", "reject", genl(CMD_NEW, string(A_NAME, self.name()) +
                                                u32(A_IFINDEX, self.ifindex) + nla(A_FILTER, prog)),
                   what=f"{n} bytes")

    def bad_cbpf(self):
        what = self.rng.choice(sorted(BAD_PROGS))
        cmd = CMD_NEW
        attrs = string(A_NAME, self.name()) + u32(A_IFINDEX, self.ifindex)
        return Msg("bad-cbpf", "reject", genl(cmd, attrs + nla(A_FILTER, BAD_PROGS[what])), what=what)

    def mutation(self):
        r = self.rng
        p = bytearray(genl(CMD_NEW, self.valid_new()))
        how = r.choice(["bitflip", "bitflip", "truncate", "duplicate", "drop"])
        if how == "bitflip":
            for _ in range(r.randrange(1, 9)):
                p[r.randrange(len(p))] ^= 1 << r.randrange(8)
        elif how == "truncate":
            p = p[:r.randrange(len(p))]
        else:
            attrs = parse_attrs(bytes(p[4:]))
            i = r.randrange(len(attrs))
            t, f, d = attrs[i]
            if how == "duplicate":
                attrs.insert(r.randrange(len(attrs) + 1), (t, f, d))
            else:
                del attrs[i]
            p = p[:4] + b"".join(nla(t, d, f) for t, f, d in attrs)
        return Msg("mutation", "any", bytes(p), what=how)

    def valid(self):
        """A designed-valid sequence: new, get, stats, set, dump, del."""
        prog = PROG_MAX if self.rng.random() < 0.1 else PROG_IP
        new = self.valid_new(prog) + u8(A_RING_FORMAT, self.rng.randrange(4))
        key = nla(A_NAME, attrs_dict(new)[A_NAME])
        set_attrs = key + u8(A_DIRECTION, 1) + u32(A_SNAPLEN, 96) + nla(A_FILTER, PROG_ALL) + \
            string(A_FILTER_TEXT, "")
        return [Msg("valid", "accept", genl(CMD_NEW, new), what=f"new, {len(prog) // 8} insns"),
                Msg("valid", "accept", genl(CMD_GET, key), what="get"),
                Msg("valid", "accept", genl(CMD_STATS, key), what="stats"),
                Msg("valid", "accept", genl(CMD_SET, set_attrs), what="set"),
                Msg("valid", "accept", genl(CMD_SET, key + nla(A_FILTER, b"")), what="set, no filter"),
                Msg("valid", "accept", genl(CMD_GET, b""), NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
                    what="dump"),
                Msg("valid", "accept", genl(CMD_DEL, key), what="del")]

    KINDS = [("random", 30), ("wrong-type", 8), ("bad-name", 6), ("range", 8), ("out-attr", 4),
             ("nesting", 6), ("malformed", 6), ("big-filter", 3), ("odd-filter", 4),
             ("bad-cbpf", 8), ("mutation", 12), ("valid", 2)]

    def messages(self, count):
        """count messages: first every command 0..10 bare, then a mix."""
        out = [Msg("random", "any", genl(cmd, b""), what=f"cmd {cmd} bare") for cmd in range(11)]
        kinds, weights = zip(*self.KINDS)
        method = {"wrong-type": self.wrong_type, "bad-name": self.bad_name, "range": self.out_of_range,
                  "out-attr": self.out_attr, "nesting": self.nesting, "malformed": self.malformed,
                  "big-filter": self.big_filter, "odd-filter": self.odd_filter,
                  "bad-cbpf": self.bad_cbpf, "mutation": self.mutation, "random": self.random}
        while len(out) < count:
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "valid":
                out += self.valid()
            else:
                out.append(method[kind]())
        return out[:count]


# --- talking to the kernel ---------------------------------------------------


class Genl:
    def __init__(self, timeout):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.bind((0, 0))
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.settimeout(timeout)
        self.timeout = timeout
        self.seq = int(time.time()) & 0xffff

    def request(self, mtype, flags, payload):
        """Send one message; return (error, extack message, [reply payloads])
        where error is 0 or a negative errno, or None on a timeout."""
        self.seq += 1
        self.sock.send(nlmsg(mtype, flags, self.seq, payload))
        replies = []
        deadline = time.monotonic() + self.timeout
        while True:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                buf = self.sock.recv(1 << 20)
            except socket.timeout:
                return None, "", replies
            except OSError as e:
                if e.errno == errno.ENOBUFS:  # replies were lost: the answer may still come
                    continue
                raise
            for t, f, seq, p in parse_nlmsgs(buf):
                if seq != self.seq:
                    continue
                if t == NLMSG_ERROR:
                    err = struct.unpack_from("=i", p)[0]
                    msg = ""
                    # With NETLINK_CAP_ACK: the error, the request's header, the TLVs.
                    if f & NLM_F_ACK_TLVS and len(p) >= 20:
                        try:
                            msg = attrs_dict(p[20:]).get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode(
                                errors="replace")
                        except ValueError:
                            pass
                    return err, msg, replies
                if t == NLMSG_DONE:
                    err = struct.unpack_from("=i", p)[0] if len(p) >= 4 else 0
                    return err, "", replies
                replies.append(p)

    def family_id(self, name):
        err, msg, replies = self.request(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
                                         genl(CTRL_CMD_GETFAMILY, string(CTRL_ATTR_FAMILY_NAME, name), 1))
        if err or not replies:
            return None, err
        return struct.unpack("=H", attrs_dict(replies[0][4:])[CTRL_ATTR_FAMILY_ID][:2])[0], 0


def session_keys(replies):
    """(id, name) of the sessions in reply payloads."""
    out = []
    for p in replies:
        try:
            a = attrs_dict(p[4:])
        except ValueError:
            continue
        sid = struct.unpack("=I", a[A_ID][:4])[0] if len(a.get(A_ID, b"")) >= 4 else None
        name = a.get(A_NAME, b"").split(b"\0")[0].decode(errors="replace")
        out.append((sid, name))
    return out


def request_name(payload):
    """The session name a request carries, if it parses."""
    try:
        return attrs_dict(payload[4:]).get(A_NAME, b"").split(b"\0")[0].decode(errors="replace")
    except ValueError:
        return ""


def errname(err):
    return "EOPNOTSUPP" if -err == errno.EOPNOTSUPP else errno.errorcode.get(-err, str(-err))


def delete_sessions(nl, fam, keys):
    for sid, name in keys:
        key = u32(A_ID, sid) if sid is not None else string(A_NAME, name)
        nl.request(fam, NLM_F_REQUEST | NLM_F_ACK, genl(CMD_DEL, key))


def run(args):
    try:
        nl = Genl(args.timeout)
    except OSError as e:
        print(f"nlfuzz: cannot open a generic netlink socket: {e}")
        return 4
    fam, err = nl.family_id(args.family)
    if fam is None:
        why = "does not exist (is kcap.ko loaded?)" if err == -errno.ENOENT else \
            f"cannot be resolved ({os.strerror(-err) if err else 'no answer'})"
        print(f"nlfuzz: SKIP: the generic netlink family '{args.family}' {why}")
        return 4
    if os.geteuid() != 0:
        print("nlfuzz: SKIP: needs root (CAP_NET_ADMIN)")
        return 4
    try:
        ifindex = socket.if_nametoindex(args.ifname)
    except OSError:
        print(f"nlfuzz: no device {args.ifname}")
        return 2

    msgs = Gen(args.seed, ifindex, args.ifname).messages(args.count)
    rejected = accepted = lost = created = 0
    errnos = {}
    surprises = []
    sent_names = set()
    for i, m in enumerate(msgs):
        err, ext, replies = nl.request(fam, m.flags, m.payload)
        if err is None:
            lost += 1
            print(f"# no answer to message {i} ({m.kind}: {m.what}) within {args.timeout}s")
            continue
        if err < 0:
            rejected += 1
            errnos[errname(err)] = errnos.get(errname(err), 0) + 1
        else:
            accepted += 1
        if args.verbose:
            res = "accepted" if err == 0 else errname(err)
            print(f"# {i} {m.kind} ({m.what}): {res}{': ' + ext if ext else ''}")
        if (m.expect == "reject" and err == 0) or (m.expect == "accept" and err != 0):
            surprises.append(f"{i} {m.kind} ({m.what}): "
                             f"{'accepted' if err == 0 else errname(err)}{': ' + ext if ext else ''}")
        # Whatever created a session, and is not a designed-valid session-new
        # followed by its own del, has it deleted now.
        if m.cmd == CMD_NEW:
            sent_names.add(request_name(m.payload))
        if err == 0 and m.cmd == CMD_NEW and m.expect != "accept":
            keys = session_keys(replies) or [(None, request_name(m.payload))]
            created += len(keys)
            delete_sessions(nl, fam, keys)

    # Sessions left over (a mutation's reply we could not parse, ...): ours
    # are named fz..., or by a name we sent.
    err, _, replies = nl.request(fam, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, genl(CMD_GET, b""))
    leftover = [k for k in session_keys(replies)
                if k[1].startswith(NAME_PREFIX) or k[1] in sent_names - {""}]
    delete_sessions(nl, fam, leftover)

    print(f"sent {len(msgs)}, rejected {rejected}, accepted {accepted}, errnos "
          f"{{{', '.join(f'{k}: {v}' for k, v in sorted(errnos.items()))}}}")
    if lost:
        print(f"# {lost} messages got no answer")
    print(f"# sessions created by non-valid messages and deleted: {created}; "
          f"left over and deleted: {len(leftover)}")
    for s in surprises[:20]:
        print(f"# unexpected: {s}")
    if len(surprises) > 20:
        print(f"# ... and {len(surprises) - 20} more unexpected answers")
    if lost or (args.strict and surprises):
        return 1
    return 0


# --- --selftest --------------------------------------------------------------


def selftest(args):
    results = []

    def check(desc, ok):
        results.append(ok)
        print(f"{'ok' if ok else 'not ok'} {len(results)} {desc}")

    print("TAP version 13")
    msgs = Gen(args.seed, 1, "lo").messages(args.count)
    again = Gen(args.seed, 1, "lo").messages(args.count)
    other = Gen(args.seed + 1, 1, "lo").messages(args.count)
    check(f"{len(msgs)} messages, the same bytes for the same seed",
          [m.payload for m in msgs] == [m.payload for m in again])
    check("other bytes for another seed", [m.payload for m in msgs] != [m.payload for m in other])
    check("every command 0..10 is sent", {m.cmd for m in msgs if m.payload} >= set(range(11)))
    kinds = {k for k, _ in Gen.KINDS}
    check("every kind of message is made", {m.kind for m in msgs} == kinds)

    # Whole messages round-trip through the netlink header parser.
    bad = [i for i, m in enumerate(msgs)
           if parse_nlmsgs(nlmsg(0x42, m.flags, i, m.payload)) != [(0x42, m.flags, i, m.payload)]]
    check("every message parses back to its header and payload", not bad)
    big = [m for m in msgs if 16 + len(m.payload) > 0xffff]
    check("every message fits nla_len and the socket", not big)

    # Well-formed kinds parse back and re-encode to the same bytes;
    # malformed ones do not parse.
    wellformed = {"wrong-type", "bad-name", "range", "out-attr", "nesting", "big-filter",
                  "odd-filter", "bad-cbpf", "valid"}
    roundtrip = bad_parse = 0
    for m in msgs:
        if m.kind in wellformed:
            try:
                attrs = parse_attrs(m.payload[4:])
                if genl(m.cmd, b"".join(nla(t, d, f) for t, f, d in attrs), m.payload[1]) != m.payload:
                    bad_parse += 1
                roundtrip += 1
            except ValueError:
                bad_parse += 1
    check(f"{roundtrip} well-formed messages round-trip through the attribute parser", not bad_parse)
    mal = [m for m in msgs if m.kind == "malformed"]
    unparsed = 0
    for m in mal:
        try:
            parse_attrs_deep(m.payload[4:])
        except ValueError:
            unparsed += 1
    check(f"{len(mal)} malformed messages fail to parse", mal and unparsed == len(mal))

    # The valid session-new says what it was built with.
    g = Gen(7, 5, "eth0")
    new = Msg("valid", "accept", genl(CMD_NEW, g.valid_new()))
    a = attrs_dict(new.payload[4:])
    check("a valid session-new carries name, ifindex, snaplen, filter",
          new.cmd == CMD_NEW and a[A_NAME] == b"fz7-1\0" and a[A_IFINDEX] == struct.pack("=I", 5)
          and a[A_SNAPLEN] == struct.pack("=I", 1500) and a[A_FILTER] == PROG_IP
          and a[A_DIRECTION] == b"\x03")
    check("filters: the valid ones are whole instructions, the largest has BPF_MAXINSNS",
          len(PROG_IP) % 8 == 0 and len(PROG_MAX) == BPF_MAXINSNS * 8)
    check("bad cBPF programs are whole instructions (the kernel must judge them)",
          all(len(p) % 8 == 0 for p in BAD_PROGS.values()))
    # The control request for the family resolves through the same builders.
    req = nlmsg(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, 1,
                genl(CTRL_CMD_GETFAMILY, string(CTRL_ATTR_FAMILY_NAME, "kcap"), 1))
    (t, f, s, p), = parse_nlmsgs(req)
    check("CTRL_CMD_GETFAMILY request for 'kcap' round-trips",
          t == GENL_ID_CTRL and p[0] == CTRL_CMD_GETFAMILY and
          attrs_dict(p[4:])[CTRL_ATTR_FAMILY_NAME] == b"kcap\0")
    # Sessions in a reply are found for cleanup.
    reply = genl(CMD_NEW, u32(A_ID, 42) + string(A_NAME, "fz1-1") + nla(A_STATS, u32(S_SEEN, 0),
                                                                         NLA_F_NESTED))
    check("session ids and names are read from replies", session_keys([reply]) == [(42, "fz1-1")])
    ok = all(results)
    print(f"# Totals: pass:{sum(results)} fail:{len(results) - sum(results)}")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=3000, metavar="N", help="messages to send (default 3000)")
    ap.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    ap.add_argument("--ifname", default="lo", help="device of the valid sessions (default lo)")
    ap.add_argument("--timeout", type=float, default=2.0, metavar="SECS",
                    help="wait for each answer (default 2)")
    ap.add_argument("--strict", action="store_true",
                    help="also fail when an invalid message is accepted or a valid one rejected")
    ap.add_argument("--verbose", action="store_true", help="one line per message")
    ap.add_argument("--selftest", action="store_true", help="check the message builders, no kernel needed")
    ap.add_argument("--family", choices=[KCAP_GENL_NAME, "nlctrl"], default=KCAP_GENL_NAME,
                    help="the family to fuzz: kcap, or nlctrl (read-only) to try the fuzzer "
                    "itself where kcap.ko is not loaded")
    args = ap.parse_args()
    if args.count < 11:
        ap.error("--count must be at least 11 (one message per command number)")
    return selftest(args) if args.selftest else run(args)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Known traffic for the kcap selftests, and a capture-file comparator.

  traffic.py mixed --iface IF --src-mac M --dst-mac M [--count-repeat N] [--forever]
  traffic.py mixed --list|--write FILE --src-mac M --dst-mac M [--count-repeat N]
  traffic.py udp-flood --iface IF --count N [--dport P[,P...]] [--size S] [--pps R]
  traffic.py compare [--sort|--subset] A.pcap B.pcap [A2 B2 ...]

mixed sends, at L2 through scapy's packet socket (as sendp does), one
deterministic stream of frames between two hosts, A (10.0.2.11, fd00::11,
--src-mac) and B (10.0.2.12, fd00::12, --dst-mac); --list prints the stream
instead, --write saves it as a pcap file (what a capture of it should hold).
It ends with "sent N frames".  Each repeat is 22 frames (A>B / B>A):
  ARP request (to broadcast) 1/0, ARP reply 0/1       42 bytes
  ICMP echo request 1/0, reply 0/1                     98 bytes, ip len 84
  ICMPv6 echo request 1/0, reply 0/1                  118 bytes
  TCP SYN 1/0, SYN-ACK 0/1                             54 bytes, ip len 40
  TCP PSH-ACK with 200 bytes of data 1/0              254 bytes, ip len 240
  UDP to port 53 (DNS query) 1/1, DNS reply 0/1       72, 72, 100 bytes
  UDP to port 9999 1/0, to port 12345 0/1            342, 58 bytes
  UDP of ip len 1500, 1514 bytes on the wire 1/0
  IPv4 UDP of 3000 bytes as 3 fragments 3/0          1514, 1514, 82 bytes
  802.1Q VLAN 100 IPv4 UDP 1/1, VLAN 200 1/1           86 bytes

udp-flood sends N UDP frames from A to B through one AF_PACKET socket, the
same frame each time except for a 32-bit sequence number (big-endian, the
first 4 bytes of the UDP payload, starting at 0).  It ends with
"sent N frames in T s".

compare reads two capture files (pcap or pcapng) and compares them frame by
frame, in file order (--sort: both sorted by their bytes first): the count,
then each frame's link type, wire length, captured length and bytes.  It
prints "identical: N frames" and exits 0, or prints the first difference and
exits 1.  With --subset, every frame of A must be one of B's, counted as
many times as it comes (a capture that dropped frames against one that did
not): "subset: N of M frames".  Exit status 2: usage or unreadable file.  Given more pairs, it
compares each, prints one line "pair K: ..." for each and exits with the
worst status.
"""
import argparse
import collections
import logging
import os
import socket
import struct
import sys
import time


def import_scapy():
    """Import what mixed and compare use of scapy.  Only they do: scapy
    takes seconds to import under emulation, and udp-flood, which builds
    its frames itself, must send soon after a capture starts."""
    global conf, DNS, DNSQR, DNSRR, ICMP, IP, TCP, UDP, fragment
    global ICMPv6EchoReply, ICMPv6EchoRequest, IPv6, ARP, Dot1Q, Ether
    global RawPcapReader, wrpcap
    # scapy is Debian's python3-scapy: when another python3 comes first on
    # PATH (pyenv, a venv), use the system's.
    try:
        import scapy.error  # noqa: F401
    except ImportError:
        if os.path.exists("/usr/bin/python3") and \
                os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        sys.exit("traffic.py: needs scapy (apt-get install python3-scapy)")
    # Not its warnings about the namespace's routes (lo without an address...).
    logging.getLogger("scapy").setLevel(logging.ERROR)

    from scapy.config import conf
    from scapy.layers.dns import DNS, DNSQR, DNSRR
    from scapy.layers.inet import ICMP, IP, TCP, UDP, fragment
    from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest, IPv6
    from scapy.layers.l2 import ARP, Dot1Q, Ether
    from scapy.utils import RawPcapReader, wrpcap


IP_A, IP_B = "10.0.2.11", "10.0.2.12"
IP6_A, IP6_B = "fd00::11", "fd00::12"
BROADCAST = "ff:ff:ff:ff:ff:ff"


def payload(n, seed=0):
    """n deterministic bytes."""
    return bytes((seed + i * 7) & 0xff for i in range(n))


def mixed_stream(mac_a, mac_b, repeat=1):
    """The mixed stream: a list of (kind, frame).  Frame contents depend only
    on the MACs and the repeat index r (in ICMP sequence numbers, IP ids,
    TCP sequence numbers), so repeats are distinct frames."""
    ab = Ether(src=mac_a, dst=mac_b)
    ba = Ether(src=mac_b, dst=mac_a)
    out = []
    for r in range(repeat):
        ident = 0x1000 + 16 * r
        out += [
            ("arp-request", Ether(src=mac_a, dst=BROADCAST) /
             ARP(op=1, hwsrc=mac_a, psrc=IP_A, hwdst="00:00:00:00:00:00", pdst=IP_B)),
            ("arp-reply", ba / ARP(op=2, hwsrc=mac_b, psrc=IP_B, hwdst=mac_a, pdst=IP_A)),
            ("icmp-echo-request", ab / IP(src=IP_A, dst=IP_B, id=ident + 1) /
             ICMP(type=8, id=0x4b43, seq=r + 1) / payload(56)),
            ("icmp-echo-reply", ba / IP(src=IP_B, dst=IP_A, id=ident + 2) /
             ICMP(type=0, id=0x4b43, seq=r + 1) / payload(56)),
            ("icmp6-echo-request", ab / IPv6(src=IP6_A, dst=IP6_B, hlim=64) /
             ICMPv6EchoRequest(id=0x4b43, seq=r + 1, data=payload(56))),
            ("icmp6-echo-reply", ba / IPv6(src=IP6_B, dst=IP6_A, hlim=64) /
             ICMPv6EchoReply(id=0x4b43, seq=r + 1, data=payload(56))),
            ("tcp-syn", ab / IP(src=IP_A, dst=IP_B, id=ident + 3) /
             TCP(sport=40000, dport=80, flags="S", seq=1000 + r, window=64240)),
            ("tcp-syn-ack", ba / IP(src=IP_B, dst=IP_A, id=ident + 4) /
             TCP(sport=80, dport=40000, flags="SA", seq=5000 + r, ack=1001 + r, window=65160)),
            ("tcp-psh-data", ab / IP(src=IP_A, dst=IP_B, id=ident + 5) /
             TCP(sport=40000, dport=80, flags="PA", seq=1001 + r, ack=5001 + r, window=502) /
             payload(200, 1)),
            ("udp-dns-query", ab / IP(src=IP_A, dst=IP_B, id=ident + 6) /
             UDP(sport=33000, dport=53) / DNS(id=r + 1, rd=1, qd=DNSQR(qname="kcap.example."))),
            ("udp-dns-query", ba / IP(src=IP_B, dst=IP_A, id=ident + 7) /
             UDP(sport=33001, dport=53) / DNS(id=r + 2, rd=1, qd=DNSQR(qname="test.example."))),
            ("udp-dns-reply", ba / IP(src=IP_B, dst=IP_A, id=ident + 8) /
             UDP(sport=53, dport=33000) /
             DNS(id=r + 1, qr=1, ra=1, qd=DNSQR(qname="kcap.example."),
                 an=DNSRR(rrname="kcap.example.", ttl=60, rdata="10.0.2.99"))),
            ("udp-large", ab / IP(src=IP_A, dst=IP_B, id=ident + 9) /
             UDP(sport=33002, dport=9999) / payload(300, 2)),
            ("udp-small", ba / IP(src=IP_B, dst=IP_A, id=ident + 10) /
             UDP(sport=33003, dport=12345) / payload(16, 3)),
            ("udp-mtu-1514", ab / IP(src=IP_A, dst=IP_B, id=ident + 11) /
             UDP(sport=33004, dport=4000) / payload(1500 - 20 - 8, 4)),
        ]
        big = IP(src=IP_A, dst=IP_B, id=ident + 12) / UDP(sport=33005, dport=7777) / \
            payload(3000, 5)
        out += [("ipv4-fragment", ab / f) for f in fragment(big, fragsize=1480)]
        for vlan, eth, src, dst, dport in ((100, ab, IP_A, IP_B, 1000), (100, ba, IP_B, IP_A, 1001),
                                           (200, ab, IP_A, IP_B, 2000), (200, ba, IP_B, IP_A, 2001)):
            out.append((f"vlan{vlan}-udp", eth / Dot1Q(vlan=vlan) /
                        IP(src=src, dst=dst, id=ident + dport % 16) /
                        UDP(sport=33006, dport=dport) / payload(40, vlan)))
    return out


def describe(kind, frame):
    ip = frame.getlayer(IP)
    what = [kind, f"{len(frame)} bytes"]
    if frame.haslayer(Dot1Q):
        what.append(f"vlan {frame[Dot1Q].vlan}")
    if ip is not None:
        what.append(f"{ip.src} > {ip.dst} ip-len {ip.len}")
        if ip.flags.MF or ip.frag:
            what.append(f"fragment offset {ip.frag * 8}{' MF' if ip.flags.MF else ''}")
    elif frame.haslayer(IPv6):
        what.append(f"{frame[IPv6].src} > {frame[IPv6].dst}")
    elif frame.haslayer(ARP):
        what.append(f"{frame[ARP].psrc} > {frame[ARP].pdst}")
    return ", ".join(what)


def cmd_mixed(args):
    if args.count_repeat < 1:
        sys.exit("traffic.py mixed: --count-repeat must be at least 1")
    stream = [(k, Ether(bytes(f))) for k, f in
              mixed_stream(args.src_mac, args.dst_mac, args.count_repeat)]
    if args.list:
        for i, (kind, frame) in enumerate(stream):
            print(f"{i:4} {describe(kind, frame)}")
    if args.write:
        wrpcap(args.write, [f for _, f in stream])
    if args.list or args.write:
        return 0
    if not args.iface:
        sys.exit("traffic.py mixed: --iface is required (or --list / --write)")
    if args.forever:
        return send_forever(args.iface, [bytes(f) for _, f in stream])
    conf.verb = 0
    sock = conf.L2socket(iface=args.iface)
    try:
        for _, frame in stream:
            sock.send(frame)
    finally:
        sock.close()
    print(f"sent {len(stream)} frames")
    return 0


def send_forever(iface, frames):
    """Send the frames round and round until killed, through one AF_PACKET
    socket (the bytes built once: scapy's per-frame work is too slow to
    keep a capture fed under emulation)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    while True:
        for frame in frames:
            try:
                s.send(frame)
            except OSError as e:
                if e.errno != 105:  # ENOBUFS: a full queue, wait for it
                    raise
                time.sleep(0.0005)


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def ip_checksum(hdr):
    s = sum(struct.unpack(f"!{len(hdr) // 2}H", hdr))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp_frame(src_mac, dst_mac, dport, size):
    """An Ethernet/IPv4/UDP frame of size bytes from A to B, built once; the
    UDP checksum is 0 (none) so the sequence number can change freely."""
    ip_len = size - 14
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0x4b43, 0x4000, 64, 17, 0,
                     socket.inet_aton(IP_A), socket.inet_aton(IP_B))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", 33333, dport, ip_len - 20, 0)
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + b"\x08\x00" + ip + udp + \
        bytes(ip_len - 28)


def cmd_udp_flood(args):
    if not 46 <= args.size <= 1514:
        sys.exit("traffic.py udp-flood: --size must be 46..1514 (frame bytes, 4 of payload at least)")
    src_mac = args.src_mac
    if src_mac is None:
        with open(f"/sys/class/net/{args.iface}/address") as f:
            src_mac = f.read().strip()
    try:
        dports = [int(p) for p in args.dport.split(",")]
    except ValueError:
        sys.exit("traffic.py udp-flood: --dport takes ports separated by commas")
    frames = [bytearray(udp_frame(src_mac, args.dst_mac, p, args.size)) for p in dports]
    seq_at = 14 + 20 + 8
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((args.iface, 0))
    start = time.monotonic()
    seq = 0
    while seq < args.count:
        if args.pps:
            ahead = start + seq / args.pps - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        frame = frames[seq % len(frames)]
        struct.pack_into("!I", frame, seq_at, seq)
        try:
            s.send(frame)
        except OSError as e:
            # A full device queue: wait for it rather than lose the frame.
            if e.errno != 105:  # ENOBUFS
                raise
            time.sleep(0.0005)
            continue
        seq += 1
    took = time.monotonic() - start
    s.close()
    print(f"sent {args.count} frames in {took:.3f} s")
    return 0


def read_frames(path):
    """[(linktype, wirelen, bytes)] of a pcap or pcapng file."""
    frames = []
    r = RawPcapReader(path)  # a RawPcapNgReader for a pcapng file
    try:
        for data, meta in r:
            linktype = getattr(meta, "linktype", None)
            if linktype is None:
                linktype = r.linktype
            frames.append((linktype, meta.wirelen, data))
    finally:
        r.close()
    return frames


def compare_pair(path_a, path_b, sort, subset=False):
    """Compare two files; return (status, message) as documented above."""
    try:
        a, b = read_frames(path_a), read_frames(path_b)
    except (OSError, Exception) as e:  # scapy raises Scapy_Exception on bad files
        return 2, f"traffic.py compare: {e}"
    if subset:
        have = collections.Counter(b)
        for i, f in enumerate(a):
            if not have[f]:
                return 1, (f"frame {i} of {path_a} ({f[1]} bytes, {len(f[2])} captured) "
                           f"is not in {path_b}")
            have[f] -= 1
        return 0, f"subset: {len(a)} of {len(b)} frames"
    if sort:
        a.sort(key=lambda f: (f[2], f[1]))
        b.sort(key=lambda f: (f[2], f[1]))
    where = " (sorted)" if sort else ""
    for i, (fa, fb) in enumerate(zip(a, b)):
        for field, va, vb in (("linktype", fa[0], fb[0]), ("len", fa[1], fb[1]),
                              ("caplen", len(fa[2]), len(fb[2]))):
            if va != vb:
                return 1, f"frame {i}{where}: {field} differs: {va} in {path_a}, {vb} in {path_b}"
        if fa[2] != fb[2]:
            off = next(j for j, (x, y) in enumerate(zip(fa[2], fb[2])) if x != y)
            return 1, (f"frame {i}{where}: bytes differ at offset {off}: "
                       f"{fa[2][off:off + 16].hex()} in {path_a}, {fb[2][off:off + 16].hex()} in {path_b}")
    if len(a) != len(b):
        return 1, f"frame count differs: {len(a)} in {path_a}, {len(b)} in {path_b}"
    return 0, f"identical: {len(a)} frames"


def cmd_compare(args):
    files = [args.a, args.b] + args.more
    if len(files) % 2:
        print("traffic.py compare: files come in pairs", file=sys.stderr)
        return 2
    worst = 0
    for k in range(0, len(files), 2):
        status, msg = compare_pair(files[k], files[k + 1], args.sort, args.subset)
        if len(files) > 2:
            msg = f"pair {k // 2}: {msg}"
        print(msg, file=sys.stderr if status == 2 and len(files) == 2 else sys.stdout)
        worst = max(worst, status)
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("mixed", help="send the mixed stream")
    p.add_argument("--iface", help="interface to send on")
    p.add_argument("--src-mac", required=True, help="MAC of host A (10.0.2.11)")
    p.add_argument("--dst-mac", required=True, help="MAC of host B (10.0.2.12)")
    p.add_argument("--count-repeat", type=int, default=1, metavar="N",
                   help="send the stream N times (default 1)")
    p.add_argument("--list", action="store_true", help="print the frames, send nothing")
    p.add_argument("--write", metavar="FILE", help="write the frames to a pcap file, send nothing")
    p.add_argument("--forever", action="store_true",
                   help="send the stream round and round, fast, until killed")

    p = sub.add_parser("udp-flood", help="send N UDP frames fast")
    p.add_argument("--iface", required=True)
    p.add_argument("--count", type=int, required=True, metavar="N")
    p.add_argument("--dport", default="9", metavar="P[,P...]",
                   help="UDP port (default 9); several: frames go to each in turn")
    p.add_argument("--pps", type=float, default=0, metavar="R",
                   help="send at most R frames per second (default: as fast as possible)")
    p.add_argument("--size", type=int, default=64, metavar="S",
                   help="bytes of each frame, Ethernet header included (46..1514, default 64)")
    p.add_argument("--src-mac", help="source MAC (default: the interface's)")
    p.add_argument("--dst-mac", default="02:00:00:00:00:12", help="destination MAC "
                   "(default 02:00:00:00:00:12)")

    p = sub.add_parser("compare", help="compare two capture files")
    p.add_argument("--sort", action="store_true", help="sort both sides by bytes first")
    p.add_argument("--subset", action="store_true",
                   help="every frame of A is one of B's (counted as many times): "
                        "\"subset: N of M frames\"")
    p.add_argument("a", metavar="A.pcap")
    p.add_argument("b", metavar="B.pcap")
    p.add_argument("more", nargs="*", metavar="A2 B2",
                   help="more pairs: each gets a line \"pair K: ...\"")

    args = ap.parse_args()
    if args.cmd != "udp-flood":
        import_scapy()
    return {"mixed": cmd_mixed, "udp-flood": cmd_udp_flood, "compare": cmd_compare}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())

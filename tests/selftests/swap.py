#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Swap a kcap session's settings many times, fast, from one process.

  swap.py --name NAME --count N VERSION...

Each VERSION is "DIRECTION[:SNAPLEN[:FILTERFILE[:TEXT]]]": DIRECTION one of
off, in, out, inout; FILTERFILE a classic BPF program as `tcpdump -ddd`
prints it (an instruction count, then "code jt jf k" lines).  Sends N
KCAP_CMD_SESSION_SET requests, going through the versions in turn, and
prints "swapped N times, F failed"; exits 0 when none failed, 1 otherwise,
4 (skip) without the kcap family.  One process instead of N runs of
'kcap set', so that a thousand swaps fit in a selftest under emulation.
"""

import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlfuzz as nl  # noqa: E402  (message building, the genl socket)

DIRS = {"off": 0, "in": 1, "out": 2, "inout": 3}


def program(path):
    with open(path) as f:
        lines = f.read().split("\n")
    n = int(lines[0])
    insns = [tuple(int(x) for x in line.split()) for line in lines[1:n + 1]]
    return b"".join(struct.pack("=HBBI", *i) for i in insns)


def version(spec, name):
    parts = spec.split(":", 3)
    attrs = nl.string(nl.A_NAME, name) + nl.u8(nl.A_DIRECTION, DIRS[parts[0]])
    if len(parts) > 1 and parts[1]:
        attrs += nl.u32(nl.A_SNAPLEN, int(parts[1]))
    if len(parts) > 2 and parts[2]:
        attrs += nl.nla(nl.A_FILTER, program(parts[2]))
        if len(parts) > 3:
            attrs += nl.string(nl.A_FILTER_TEXT, parts[3])
    return nl.genl(nl.CMD_SET, attrs)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--name", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("versions", nargs="+", metavar="VERSION")
    args = ap.parse_args()

    msgs = [version(v, args.name) for v in args.versions]
    g = nl.Genl(timeout=5)
    fam, _ = g.family_id(nl.KCAP_GENL_NAME)
    if fam is None:
        print("swap.py: SKIP: no kcap family (is kcap.ko loaded?)")
        return 4
    failed = 0
    for i in range(args.count):
        err, msg, _ = g.request(fam, nl.NLM_F_REQUEST | nl.NLM_F_ACK, msgs[i % len(msgs)])
        if err != 0:
            failed += 1
            if failed <= 5:
                print(f"swap {i}: error {err} {msg}")
    print(f"swapped {args.count} times, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Put make bench's measurements together: bench/results.json and a table.

bench/report.py VM.json [WRITER.json] --out bench/results.json
bench/report.py --show bench/results.json

VM.json is bench/guest.py's, WRITER.json bench/writer-bench.sh's.  The
targets are reported, met or missed, with the margin; nothing here fails
because a target was missed.
"""

import argparse
import json
import sys


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


def num(x):
    return "-" if x is None else f"{x:.0f}"


def targets(res):
    """[(what, met, detail)] for the scenarios and the writer."""
    out = []
    by = {s["scenario"]: s for s in res["scenarios"]}
    for name in ("A", "E"):
        s = by.get(name)
        if s:
            ok = (s["overhead_kcap"] <= s["overhead_tcpdump"] / 2
                  and s["written_kcap_min"] == s["sent"])
            out.append((f"{name}: kcap overhead at most half of tcpdump's, no loss", ok,
                        f"kcap {pct(s['overhead_kcap'])}, tcpdump {pct(s['overhead_tcpdump'])}, "
                        f"kcap wrote {s['written_kcap_min']}..{s['written_kcap_max']} of {s['sent']}"))
    s = by.get("B")
    if s:
        out.append(("B: kcap overhead at most 2%", s["overhead_kcap"] <= 0.02,
                    f"kcap {pct(s['overhead_kcap'])} (tcpdump {pct(s['overhead_tcpdump'])})"))
    for name in ("C", "D"):
        s = by.get(name)
        if s:
            ok = (s["overhead_kcap"] < s["overhead_tcpdump"]
                  and s["written_kcap_min"] == s["sent"])
            out.append((f"{name}: no loss, kcap overhead below tcpdump's", ok,
                        f"kcap {pct(s['overhead_kcap'])}, tcpdump {pct(s['overhead_tcpdump'])}, "
                        f"kcap wrote {s['written_kcap_min']}..{s['written_kcap_max']} of {s['sent']}"))
    w = res.get("writer")
    if w and w.get("pcap"):
        pps = w["pcap"]["pps"]
        out.append(("writer: at least 10 M packets/s of 64-byte records to pcap", pps >= 10e6,
                    f"{pps / 1e6:.1f} M packets/s, "
                    f"{w['pcap'].get('instructions_per_packet', 0):.0f} instructions/packet"))
    if w and w.get("kafka") and w.get("pcap"):
        k, pps = w["kafka"], w["pcap"]["pps"]
        out.append(("kafka: producing keeps up with the pcap writer within 2x (64-byte frames, mock cluster)",
                    k["pps"] * 2 >= pps,
                    f"{k['pps'] / 1e3:.0f} k delivered/s ({k.get('produce_pps', 0) / 1e3:.0f} k produce calls/s), "
                    f"pcap {pps / 1e6:.1f} M/s: {pps / max(k['pps'], 1):.0f}x"))
    return out


def table(res):
    lines = [f"kcap bench: kernel {res['kernel']}, {res.get('cpus', '?')} vCPUs ({res.get('accel', 'tcg').upper()}), "
             f"{res['rounds']} rounds of {res.get('count', '?')} packets per load thread, "
             f"snaplen {res.get('snaplen', '?')}; medians",
             "",
             f"{'':2} {'pps none':>9} {'pps kcap':>9} {'pps tcpd':>9} {'ovh kcap':>8} "
             f"{'ovh tcpd':>8} {'ratio':>6} {'loss kcap':>9} {'loss tcpd':>9} "
             f"{'cpu kcap':>8} {'cpu tcpd':>8}"]
    for s in res["scenarios"]:
        ratio = "-" if s["overhead_ratio"] is None else f"{s['overhead_ratio']:.2f}"
        lines.append(
            f"{s['scenario']:2} {num(s['pps_none']):>9} {num(s['pps_kcap']):>9} "
            f"{num(s['pps_tcpdump']):>9} {pct(s['overhead_kcap']):>8} "
            f"{pct(s['overhead_tcpdump']):>8} {ratio:>6} {pct(s['loss_kcap']):>9} "
            f"{pct(s['loss_tcpdump']):>9} {s['cpu_s_kcap']:>7.2f}s {s['cpu_s_tcpdump']:>7.2f}s")
    lines.append("")
    lines.append("per frame, microseconds: what the capture added to the load's time ="
                 " the reader's CPU time + the rest (kernel)")
    for s in res["scenarios"]:
        if s.get("reader_us_kcap") is None:
            continue
        parts = []
        for mode in ("kcap", "tcpdump"):
            e, r = s[f"extra_us_{mode}"], s[f"reader_us_{mode}"]
            parts.append(f"{mode} {e:.2f} = {r:.2f} + {e - r:.2f}")
        lines.append(f"{s['scenario']}  " + "   ".join(parts))
    lines.append("")
    for s in res["scenarios"]:
        lines.append(f"{s['scenario']}: {s['title']}")
    w = res.get("writer")
    if w:
        lines.append("")
        for fmt in ("pcap", "pcapng"):
            if w.get(fmt):
                lines.append(f"writer, host, synthetic ring -> {fmt}: "
                             f"{w[fmt]['pps'] / 1e6:.1f} M packets/s, "
                             f"{w[fmt].get('instructions_per_packet', 0):.0f} instructions/packet")
    lines.append("")
    lines.append("targets (reported, not asserted):")
    for what, ok, detail in res.get("targets", []):
        lines.append(f"  {'met   ' if ok else 'MISSED'} {what}: {detail}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vm", nargs="?", metavar="VM.json")
    ap.add_argument("writer", nargs="?", metavar="WRITER.json")
    ap.add_argument("--out", metavar="FILE")
    ap.add_argument("--show", metavar="RESULTS.json")
    args = ap.parse_args()
    if args.show:
        res = json.load(open(args.show))
        res["targets"] = [tuple(t.values()) for t in res.get("targets", [])]
        print(table(res))
        return 0
    if not args.vm or not args.out:
        ap.error("VM.json and --out are needed")
    vm = json.load(open(args.vm))
    res = {k: v for k, v in vm.items() if k != "runs"}
    res["runs"] = vm["runs"]
    if args.writer:
        res["writer"] = json.load(open(args.writer))
    res["targets"] = targets(res)
    with open(args.out, "w") as f:
        json.dump({**res, "targets": [dict(target=t, met=m, detail=d)
                                      for t, m, d in res["targets"]]}, f, indent=1)
        f.write("\n")
    print(table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Put make bench's measurements together: bench/results.json and a table.

bench/report.py VM.json [VM-R.json] [VM-I.json] [WRITER.json]
                [--host-speed BEFORE.txt [--host-speed AFTER.txt]] --out bench/results.json
bench/report.py --show bench/results.json

VM.json is bench/guest.py's, WRITER.json bench/writer-bench.sh's; scenario
R's VM.json (a VM of its own) adds its scenario, which keeps its accel;
the instruction counts' VM.json (I: guest.py --insns) goes into "insns";
each --host-speed is bench/host-speed's output (before the VMs, after
them): how steady the host's own CPUs were, against which every time
figure here moves (docs/performance.md).  The
targets are reported, met or missed, with the figures that decide them;
nothing here fails because a target was missed.

A target is met only when the spreads say so, not the medians alone:
where kcap is compared with tcpdump, kcap's upper quartile over the rounds
must meet the target set by tcpdump's lower quartile (for A: kcap's
overhead at its third quartile at most half of tcpdump's at its first).
The readers are also run side by side, reading the same frames at once
(bench/guest.py readers_run()); where they were, the reader target is
judged on kcap's CPU over tcpdump's in each such run, at its upper
quartile, and their figures from runs of their own are shown beside it.
Beside them ran a process that only wakes up every 20 ms: its CPU per
wake-up is what waking costs any process there, and each reader's CPU
per frame is also shown split into its wake-ups at that cost and the
rest (the target is still judged on the whole).
"""

import argparse
import json
import statistics
import sys


def split(k, t):
    """The readers' CPU per frame split into user + system (clock ticks),
    and counted to their exit, if the run recorded them."""
    if not (k.get("reader_user_us") and t.get("reader_user_us")):
        return ""
    out = (f"; user + system: kcap {fig(k['reader_user_us'])} + "
           f"{fig(k['reader_sys_us'])} µs, tcpdump {fig(t['reader_user_us'])} + "
           f"{fig(t['reader_sys_us'])} µs")
    if k.get("reader_exit_us") and t.get("reader_exit_us"):
        out += (f"; to the exit: kcap {fig(k['reader_exit_us'])} µs, "
                f"tcpdump {fig(t['reader_exit_us'])} µs")
    return out


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


def num(x):
    return "-" if x is None else f"{x:.0f}"


def fig(sp, scale=1.0, fmt="{:.2f}"):
    """A spread as 'median (q1-q3)'."""
    if not sp:
        return "-"
    return (fmt.format(sp["median"] * scale) + " (" + fmt.format(sp["q1"] * scale)
            + ".." + fmt.format(sp["q3"] * scale) + ")")


def no_loss(m):
    return m["all_written"]


def beside(k, t, key, factor):
    """kcap's KEY at its upper quartile <= FACTOR * tcpdump's at its lower."""
    return k[key]["q3"] <= factor * t[key]["q1"]


def b_split(s):
    """B's share of the netfilter hooks themselves (a session whose
    direction is off, nothing read), and kcap from the rx_handler and the
    tap hooks: from the tap, kcap's reject path against AF_PACKET's with
    the hook alike."""
    h, r, tap = s.get("hookonly"), s.get("kcaprx"), s.get("kcaptap")
    out = ""
    if h:
        out += (f"; of which the netfilter hooks alone (a session, direction off): "
                f"{fig(h['extra_us'])} µs, kernel CPU {fig(h['kernel_cpu_us'])}")
    if r:
        out += (f"; kcap --hook rx_handler {fig(r['extra_us'])} µs, kernel CPU "
                f"{fig(r['kernel_cpu_us'])}")
    if tap:
        out += (f"; kcap --hook tap (where AF_PACKET's filter runs) {fig(tap['extra_us'])} µs, "
                f"kernel CPU {fig(tap['kernel_cpu_us'])}")
    return out


def targets(res):
    """[(what, met, detail)] for the scenarios, the reader and the writer."""
    out = []
    by = {s["scenario"]: s for s in res["scenarios"]}
    for name, factor, loss, frac in (("A", 0.5, True, "half"), ("E", 0.5, True, "half"),
                                     ("C", 2 / 3, True, "two thirds"),
                                     ("D", 0.5, True, "half")):
        s = by.get(name)
        if not s:
            continue
        k, t = s["kcap"], s["tcpdump"]
        ok = beside(k, t, "overhead", factor) and no_loss(k)
        out.append((f"{name}: no loss, kcap's overhead at most {frac} of tcpdump's", ok,
                    f"overhead kcap {fig(k['overhead'], 100, '{:.1f}')} %, "
                    f"tcpdump {fig(t['overhead'], 100, '{:.1f}')} %; kcap wrote "
                    f"{num(k['written']['min'])}..{num(k['written']['max'])} of {num(s['sent'])}"))
    s = by.get("B")
    if s:
        k, t = s["kcap"], s["tcpdump"]
        out.append(("B: kcap adds at most tcpdump's µs per rejected frame",
                    beside(k, t, "extra_us", 1.0),
                    f"kcap {fig(k['extra_us'])} µs, tcpdump {fig(t['extra_us'])} µs "
                    f"(kernel CPU added, measured: kcap {fig(k['kernel_cpu_us'])}, "
                    f"tcpdump {fig(t['kernel_cpu_us'])})" + b_split(s)))
    s = by.get("A")
    if s:
        t, p = s["tcpdump"], s.get("readers")
        own = by.get("R", {}).get("readers")
        for mode, what in (("kcap", "pcap"), ("kcapng", "pcapng")):
            k = s.get(mode)
            apart = (f"kcap {fig(k['reader_us'])} µs, tcpdump (pcap) {fig(t['reader_us'])} µs"
                     + split(k, t)) if k else ""
            if own and own.get(mode, {}).get("over_tcpdump"):
                apart += (f"; side by side on a vCPU of their own (R, MTTCG): kcap over tcpdump "
                          f"{fig(own[mode]['over_tcpdump'])}, kcap {fig(own[mode]['reader_us'])} µs, "
                          f"tcpdump {fig(own['tcpdump']['reader_us'])} µs")
            if p and p.get(mode, {}).get("over_tcpdump"):
                r = p[mode]["over_tcpdump"]
                out.append((f"reader (A, {what}): kcap's CPU per frame at most half of tcpdump's, "
                            "side by side (the same frames read at once, one CPU)",
                            r["q3"] <= 0.5 and p["all_written"],
                            f"kcap over tcpdump {fig(r)}: kcap {fig(p[mode]['reader_us'])} µs, "
                            f"tcpdump {fig(p['tcpdump']['reader_us'])} µs; every frame written "
                            f"by each: {'yes' if p['all_written'] else 'no'}"
                            + (f"; a wake-up alone costs {fig(p['wake_alone_us'], 1, '{:.0f}')}"
                               f" µs there, and beyond their wake-ups at that cost kcap over "
                               f"tcpdump is {fig(p[mode]['rest_over_tcpdump'])}"
                               if p[mode].get("rest_over_tcpdump") else "")
                            + (f"; in runs of their own: {apart}" if apart else "")))
            elif k:
                out.append((f"reader (A, {what}): kcap's CPU per frame at most half of tcpdump's",
                            beside(k, t, "reader_us", 0.5), apart))
    s = by.get("R")
    if s:
        k, w = s["kafka"], s["kcap"]
        # With a CPU of its own the reader cannot slow the load: a slow
        # one loses frames.  How fast each kept up is what is compared.
        out.append(("R: kcap --kafka keeps up with kcap -w within 2x: frames delivered per "
                    "second at least half of the frames -w writes per second (64-byte frames, "
                    "mock cluster in the VM, the reader on a vCPU of its own)",
                    k["captured_pps"]["q1"] * 2 >= w["captured_pps"]["q3"],
                    f"--kafka {fig(k['captured_pps'], 1, '{:.0f}')} frames/s delivered "
                    f"({num(k['written']['min'])}..{num(k['written']['max'])} of {num(s['sent'])} "
                    f"at {fig(k['pps'], 1, '{:.0f}')} pps), -w {fig(w['captured_pps'], 1, '{:.0f}')} "
                    f"frames/s ({num(w['written']['min'])}..{num(w['written']['max'])} of "
                    f"{num(s['sent'])})"))
    w = res.get("writer")
    for fmt in ("pcap", "pcapng"):
        if w and w.get(fmt):
            out.append(writer_target(w, fmt))
    return out


# The writer's target (issue 11), judged here and by writer-bench.sh.
WRITER_TARGET_PPS = 40_000_000
WRITER_TARGET_IPP = 120


def file_held(r):
    """Whether a writer-bench run's file was held in huge pages: the huge
    pages its removal gave back (huge_kb) cover nine tenths of its bytes."""
    return bool(r.get("file_bytes")) and r.get("huge_kb", 0) * 1024 >= 0.9 * r["file_bytes"]


def huge_held(h):
    """Whether writer-bench's runs on the tmpfs of huge pages count: their
    files were held in huge pages (file_held()).  writer-bench.sh counts
    the runs held (runs_held) and takes the best of them; results from
    before it did give the fewest huge pages of any run."""
    if "runs_held" in h:
        return h["runs_held"] > 0
    return file_held(h)


def writer_target(w, fmt):
    """The writer's target: judged where the file system's page cache
    takes the bytes faster than the target asks, a tmpfs of huge pages
    that held the file in them (writer-bench.sh); /dev/shm's figures are
    given beside it, and are all there is in runs from before it."""
    pps, ipp = w[fmt]["pps"], w[fmt].get("instructions_per_packet")
    wo = w[fmt].get("write_only_pps")
    h = w[fmt].get("huge_tmpfs")
    shm = (f"{pps / 1e6:.1f} M packets/s to /dev/shm"
           + (f" (write(2) alone, same bytes: {wo / 1e6:.1f} M)" if wo else ""))
    if h:
        held = huge_held(h)
        detail = (f"{h['pps'] / 1e6:.1f} M packets/s to a tmpfs of huge pages "
                  f"(write(2) alone, same bytes: {h['write_only_pps'] / 1e6:.1f} M; "
                  + (f"{h['runs_held']} of {len(h['pps_runs'])} runs' files held in huge pages, "
                     if "runs_held" in h else "")
                  + f"the fewest a file held {h.get('huge_kb', 0) // 1024} MiB of them for its "
                  f"{h.get('file_bytes', 0) // 2**20} MiB"
                  + ("" if held else "; not held in huge pages: not counted") + f"), {shm}")
        pps = h["pps"] if held else 0
    else:
        detail = shm + (f"; no tmpfs of huge pages: {w['huge_tmpfs']['why']}"
                        if w.get("huge_tmpfs", {}).get("why") else "")
    return (f"writer ({fmt}, host): at least {WRITER_TARGET_PPS // 10**6} M packets/s and at "
            f"most {WRITER_TARGET_IPP} instructions per packet",
            pps >= WRITER_TARGET_PPS and ipp is not None and ipp <= WRITER_TARGET_IPP,
            f"{detail}; {ipp or 0:.0f} instructions/packet")


def a_split(res):
    """A's cost per frame to kcap, split into the floor, what any capture
    of A's frames from the netfilter hooks into a pcap or pcapng file
    pays (the hooks: B's "hooks only"; a clock read; write(2) of the
    record) and kcap's own code (the rest: the copy into the ring and the
    record, the reader's wake-ups, ring walk and formatting), set against
    what the target allows: {format: {...}} in µs, medians."""
    by = {s["scenario"]: s for s in res["scenarios"]}
    a, b, f = by.get("A"), by.get("B"), res.get("floor")
    if not (a and b and f and b.get("hookonly") and a.get("tcpdump")):
        return {}
    hooks = b["hookonly"]["extra_us"]["median"]
    clock = f["clock_ns"]["median"] / 1000
    t0 = 1e6 / a["pps_none"]["median"]
    o = 0.5 * a["tcpdump"]["overhead"]["median"]
    allowed = t0 * o / (1 - o)
    out = {}
    for mode, fmt in (("kcap", "pcap"), ("kcapng", "pcapng")):
        k = a.get(mode)
        if not k:
            continue
        write = f[fmt]["write_ns"]["median"] / 1000
        floor = hooks + clock + write
        out[fmt] = dict(extra_us=k["extra_us"]["median"], hooks_us=hooks, clock_us=clock,
                        write_us=write, floor_us=floor, own_us=k["extra_us"]["median"] - floor,
                        writer_alone_us=f[fmt]["writer_ns"]["median"] / 1000,
                        allowed_us=allowed, own_allowed_us=allowed - floor)
    return out


def shared_split(res):
    """The targets of A, D and E (60-byte frames into a pcap file) once
    what both captures pay alike for each frame is taken out of both: the
    clock read that stamps it (AF_PACKET's tpacket_rcv() reads the same
    clock, ktime_get_real_ts64(), where kcap reads ktime_get_real_fast_ns())
    and write(2) of its 76-byte pcap record into the same tmpfs (tcpdump
    writes the same bytes in writes of 4 KiB, kcap in larger ones: the
    figure taken out is kcap's, the smaller).  The targets compare the
    overheads' totals, so a cost both pay weighs on kcap's half twice as
    much as on tcpdump's whole; without it, what is set side by side is
    what each does differently: the hook, the copy into the ring and the
    reader's own work.  {scenario: {...}} in µs, medians and kcap's upper
    quartile against tcpdump's lower, as the targets are judged."""
    by = {s["scenario"]: s for s in res["scenarios"]}
    f = res.get("floor")
    if not f:
        return {}
    clock = f["clock_ns"]["median"] / 1000
    write = f["pcap"]["write_ns"]["median"] / 1000
    shared = clock + write
    out = {}
    for name in ("A", "D", "E"):
        s = by.get(name)
        if not (s and s.get("kcap") and s.get("tcpdump")):
            continue
        k, t = s["kcap"]["extra_us"], s["tcpdump"]["extra_us"]
        t0 = 1e6 / s["pps_none"]["median"]

        def ovh(x):
            return x / (t0 + x)

        km, kq3 = k["median"] - shared, k["q3"] - shared
        tm, tq1 = t["median"] - shared, t["q1"] - shared
        if min(km, tm, tq1) <= 0:
            out[name] = dict(shared_us=shared, clock_us=clock, write_us=write, noise=True)
            continue
        out[name] = dict(clock_us=clock, write_us=write, shared_us=shared,
                         kcap_us=km, kcap_q3_us=kq3, tcpdump_us=tm, tcpdump_q1_us=tq1,
                         ratio=ovh(km) / ovh(tm), ratio_quartiles=ovh(kq3) / ovh(tq1),
                         met=ovh(kq3) <= 0.5 * ovh(tq1))
    return out


# How the report's lines name each capture ("mode" in bench/guest.py).
MODE_NAMES = {"kcapng": "kcap pcapng", "kafka": "kcap Kafka", "kcaprx": "kcap rx_hdl",
              "kcaptap": "kcap tap", "hookonly": "hooks only"}


INSN_TARGETS = (("A", 0.5), ("B", None), ("C", 2 / 3), ("D", 0.5), ("E", 0.5))


def insn_overhead(s, mode):
    """MODE's overhead in scenario S counted in instructions: what it
    added per frame over what the frame took without capture (medians)."""
    added, none = s[mode]["insns"]["median"], s["insns_none"]["median"]
    return added / (none + added)


def insn_verdicts(res):
    """[(scenario, met, text)]: the targets' comparisons, counted in
    instructions (the same overhead ratio, or for B the instructions
    added per rejected frame)."""
    by = {s["scenario"]: s for s in res.get("insns", [])}
    out = []
    for name, factor in INSN_TARGETS:
        s = by.get(name)
        if not s or not s.get("insns_none") or "tcpdump" not in s:
            continue
        k, t = s["kcap"]["insns"], s["tcpdump"]["insns"]
        if factor is None:
            out.append((name, k["max"] <= t["min"],
                        f"kcap adds {k['median']:.0f}, tcpdump {t['median']:.0f} "
                        "instructions per rejected frame"
                        + "".join(f"; {what} {s[mode]['insns']['median']:.0f}"
                                  for mode, what in (("hookonly", "the netfilter hooks alone"),
                                                     ("kcaptap", "kcap from the tap hook"),
                                                     ("kcaprx", "kcap from rx_handler"))
                                  if s.get(mode))))
            continue
        ok, ot = insn_overhead(s, "kcap"), insn_overhead(s, "tcpdump")
        out.append((name, ok <= factor * ot,
                    f"overhead counted in instructions: kcap {100 * ok:.1f} %, tcpdump "
                    f"{100 * ot:.1f} %, ratio {ok / ot:.2f} (target {factor:.2f})"
                    + insn_hooks(s, ot)))
    return out


def insn_hooks(s, ot):
    """Where the same capture was counted from the other hooks (A), what
    each hook changes: the verdict is the default hook's (netfilter), and
    this says how much of what is left is the hook's."""
    parts = []
    if s.get("hookonly"):
        parts.append(f"the netfilter hooks alone add {s['hookonly']['insns']['median']:.0f}")
    for mode, hook in (("kcaptap", "tap"), ("kcaprx", "rx_handler")):
        if s.get(mode):
            parts.append(f"from the {hook} hook kcap adds {s[mode]['insns']['median']:.0f} "
                         f"(ratio {insn_overhead(s, mode) / ot:.2f})")
    if not parts:
        return ""
    return f"; kcap adds {s['kcap']['insns']['median']:.0f} per frame, " + ", ".join(parts)


def insn_lines(res):
    """The instruction counts: per frame, what each capture added."""
    if not res.get("insns"):
        return []
    lines = ["", "instructions the guest executed per frame (exact counts: bench/insn_count.c, "
             "a VM of its own; medians of the rounds): what the capture added = kernel + user"]
    for s in res["insns"]:
        lines.append(f"{s['scenario']}  without capture {s['insns_none']['median']:.0f}")
        for mode in s["modes"][1:]:
            m = s[mode]
            lines.append(f"{s['scenario']}  {MODE_NAMES.get(mode, mode):11} {m['insns']['median']:6.0f} "
                         f"({m['insns']['min']:.0f}..{m['insns']['max']:.0f}) = "
                         f"{m['insns_kernel']['median']:5.0f} + {m['insns_user']['median']:4.0f}")
    lines.append("the targets' comparisons, counted in instructions:")
    for name, ok, text in insn_verdicts(res):
        lines.append(f"  {'met   ' if ok else 'MISSED'} {name}: {text}")
    return lines


def split_lines(res):
    f = res.get("floor")
    if not f:
        return []
    lines = ["", f"floor, in the VM ({len(f['rounds'])} rounds; ns, medians (quartiles)): a clock read "
             f"{fig(f['clock_ns'], 1, '{:.0f}')}; per {f['frame_bytes']}-byte frame of A, "
             + "; ".join(f"{fmt} ({f[fmt]['record_bytes']} bytes a record): kcap's writer alone "
                         f"{fig(f[fmt]['writer_ns'], 1, '{:.0f}')}, write(2) alone "
                         f"{fig(f[fmt]['write_ns'], 1, '{:.0f}')}" for fmt in ("pcap", "pcapng"))]
    for fmt, x in a_split(res).items():
        lines.append(
            f"A, {fmt}: kcap adds {x['extra_us']:.2f} µs per frame = the floor {x['floor_us']:.2f} "
            f"(netfilter hooks {x['hooks_us']:.2f} [B, hooks only], a clock read "
            f"{x['clock_us']:.2f}, write(2) of the record {x['write_us']:.2f}) + kcap's own "
            f"code {x['own_us']:.2f} (its writer alone {x['writer_alone_us']:.2f}); half of "
            f"tcpdump's overhead allows {x['allowed_us']:.2f} µs, {x['own_allowed_us']:.2f} "
            "of them for kcap's own code"
            + (" (below zero: the load's noise is larger than what it splits)"
               if min(x['own_us'], x['own_allowed_us']) < 0 else ""))
    for a in res["scenarios"]:
        if not (a.get("kcaptap") and a.get("tcpdump")):
            continue
        k, t = a["kcaptap"], a["tcpdump"]
        if a["scenario"] == "B":
            # B's target is tcpdump's µs per rejected frame, not a ratio.
            lines.append("B from the tap hook (where AF_PACKET runs tcpdump's filter; the same "
                         f"capture otherwise): kcap adds {fig(k['extra_us'])} µs per rejected "
                         f"frame, against {fig(a['kcap']['extra_us'])} from the netfilter hooks "
                         f"and tcpdump's {fig(t['extra_us'])}: "
                         + ("at most tcpdump's" if beside(k, t, "extra_us", 1.0)
                            else "not at most tcpdump's") + " at the quartiles")
            continue
        ot = t["overhead"]["median"]
        ratio = f"{k['overhead']['median'] / ot:.2f}" if ot > 0 else "-"
        if not no_loss(k):
            verdict = "frames lost"
        elif beside(k, t, "overhead", 0.5):
            verdict = "no loss, within half at the quartiles"
        else:
            verdict = "no loss, not within half at the quartiles"
        lines.append(f"{a['scenario']} from the tap hook (where AF_PACKET takes tcpdump's frames; the same "
                     f"capture otherwise): kcap adds {fig(k['extra_us'])} µs per frame, against "
                     f"{fig(a['kcap']['extra_us'])} from the netfilter hooks; overhead "
                     f"{fig(k['overhead'], 100, '{:.1f}')} %, ratio {ratio} to tcpdump's: "
                     + verdict)
    sh = shared_split(res)
    if sh:
        x = next(iter(sh.values()))
        lines.append(f"what both captures pay alike per 60-byte frame, taken out of both: a clock "
                     f"read {x['clock_us']:.2f} + write(2) of the pcap record {x['write_us']:.2f} "
                     f"= {x['shared_us']:.2f} µs; then, µs per frame, medians (kcap's upper "
                     "quartile, tcpdump's lower):")
        for name, x in sh.items():
            if x.get("noise"):
                lines.append(f"  {name}: not split, a figure is at or below what both pay: "
                             "the load's noise is larger than what it splits")
                continue
            lines.append(f"  {name}: kcap {x['kcap_us']:.2f} ({x['kcap_q3_us']:.2f}), tcpdump "
                         f"{x['tcpdump_us']:.2f} ({x['tcpdump_q1_us']:.2f}): overhead ratio "
                         f"{x['ratio']:.2f} ({x['ratio_quartiles']:.2f}), "
                         + ("within" if x["met"] else "not within")
                         + " half at the quartiles")
    return lines


def rounds_apart(res):
    """The scenarios whose rounds were not ROUNDS (A, B, D, E and R run twice as many)."""
    apart = [f"{s['scenario']}: {s['rounds']}" for s in res["scenarios"]
             if s.get("rounds", res["rounds"]) != res["rounds"]]
    return f" ({', '.join(apart)})" if apart else ""


def host_speed(path, when):
    """bench/host-speed's output at PATH: per CPU, its chunks' times over
    their median (min, quartiles, max), and the slowest over the fastest."""
    cpus = {}
    for line in open(path):
        f = line.split()
        if len(f) < 5 or f[0] != "cpu" or f[2] != "chunks" or f[4] != "ms":
            sys.exit(f"bench/report.py: {path}: not bench/host-speed's output: {line.strip()!r}")
        ms = sorted(float(x) for x in f[5:])
        if not ms:
            continue
        med = statistics.median(ms)
        q1, _, q3 = statistics.quantiles(ms, n=4, method="inclusive") if len(ms) > 1 else ms * 3
        cpus[f[1]] = dict(chunks=len(ms), median_ms=round(med, 2), min=round(ms[0] / med, 3),
                          q1=round(q1 / med, 3), q3=round(q3 / med, 3),
                          max=round(ms[-1] / med, 3), slowest_fastest=round(ms[-1] / ms[0], 3))
    return dict(when=when, cpus=cpus)


def host_speed_lines(res):
    """The host's own speed beside the load's rate alone, which moves with it."""
    hs = res.get("host_speed")
    if not hs:
        return []
    lines = ["", "the host's own speed (bench/host-speed: the same work in 0.1 s chunks on each "
             "host CPU in turn; each chunk's time over the median, min q1..q3 max, slowest/fastest):"]
    for h in hs:
        lines.append(f"  {h['when']} the VMs: " + "; ".join(
            f"cpu {c} {x['min']:.2f} {x['q1']:.2f}..{x['q3']:.2f} {x['max']:.2f}, "
            f"{x['slowest_fastest']:.2f}" for c, x in h["cpus"].items()))
    loads = [f"{s['scenario']} {s['pps_none']['max'] / s['pps_none']['min']:.2f}"
             for s in res["scenarios"] if s.get("pps_none") and s["pps_none"]["min"]]
    if loads:
        lines.append("  the load alone, with nothing else changed, its fastest run over its "
                     "slowest: " + ", ".join(loads))
    return lines


def drift_lines(res):
    """How far apart the two runs without capture around each capture's
    run were (bench/guest.py: the host's own speed changing), per
    scenario and capture: median (max)."""
    rows = []
    for s in res["scenarios"]:
        figs = [f"{MODE_NAMES.get(m, m)} {pct(s[m]['drift']['median'])} "
                f"({pct(s[m]['drift']['max'])})"
                for m in s["modes"][1:] if s[m].get("drift")]
        if figs:
            rows.append(f"{s['scenario']}  " + ", ".join(figs))
    if not rows:
        return []
    return ["the load alone, in the runs just before and just after each capture's run "
            "(each capture is set against both): how far apart, median (max)"] + rows


def readers_lines(res):
    """The readers side by side, per scenario that ran them: each one's CPU
    per frame (user + system), wake-ups, and kcap's over tcpdump's."""
    lines = []
    for s in res["scenarios"]:
        p = s.get("readers")
        if not p:
            continue

        def row(t):
            """A reader's line, up to its CPU per frame."""
            return (f"{s['scenario']}  {MODE_NAMES.get(t, t):11} "
                    f"{fig(p[t]['reader_us']):>18}")

        lines.append(f"{s['scenario']}, the readers side by side ({p['rounds']} runs: "
                     f"{', '.join(MODE_NAMES.get(t, t) for t in p['tools'])} at once, "
                     "on one CPU, the same frames): CPU per frame, µs")
        for t in p["tools"]:
            m = p[t]
            lines.append(row(t) + f" = user {fig(m['reader_user_us'])} + system {fig(m['reader_sys_us'])}"
                         f"   wake-ups/s {fig(m['wakeups_per_s'], 1, '{:.0f}')}"
                         f"   written {num(m['written']['min'])}..{num(m['written']['max'])}"
                         + (f"   over tcpdump's {fig(m['over_tcpdump'])}"
                            if m.get("over_tcpdump") else ""))
        if p.get("wake_alone_us"):
            lines.append(f"{s['scenario']}, beside them a process that only wakes every 20 ms: "
                         f"{fig(p['wake_alone_us'], 1, '{:.0f}')} µs of CPU a wake-up.  Each "
                         "reader's CPU per frame, µs = its wake-ups at that cost + the rest")
            for t in p["tools"]:
                m = p[t]
                lines.append(row(t) + f" = {fig(m['wakes_us'])} + {fig(m['rest_us'])}"
                             + (f"   the rest over tcpdump's {fig(m['rest_over_tcpdump'])}"
                                if m.get("rest_over_tcpdump") else ""))
    return lines


def table(res):
    lines = [f"kcap bench: kernel {res['kernel']}, {res.get('cpus', '?')} vCPUs ({res.get('accel', 'tcg').upper()}), "
             f"{res['rounds']} rounds{rounds_apart(res)} of {res.get('count', '?')} packets per load thread, "
             f"snaplen {res.get('snaplen', '?')}; medians, (quartiles) over the rounds",
             *([f"the load at a fixed rate (pktgen's delay {res['delay_ns']} ns): the time "
                "overheads and the targets that use them say nothing here; the readers' CPU does"]
               if res.get("delay_ns") else []),
             "",
             f"{'':2} {'pps none':>9} {'pps kcap':>9} {'pps tcpd':>9} {'ovh kcap':>8} "
             f"{'ovh tcpd':>8} {'ratio':>6} {'loss kcap':>9} {'loss tcpd':>9}"]
    for s in res["scenarios"]:
        if "tcpdump" not in s:
            continue
        k, t = s["kcap"], s["tcpdump"]
        ok, ot = k["overhead"]["median"], t["overhead"]["median"]
        ratio = f"{ok / ot:.2f}" if ot > 0 else "-"
        lines.append(
            f"{s['scenario']:2} {num(s['pps_none']['median']):>9} {num(k['pps']['median']):>9} "
            f"{num(t['pps']['median']):>9} {pct(ok):>8} {pct(ot):>8} {ratio:>6} "
            f"{pct(k['loss'] and k['loss']['max']):>9} {pct(t['loss'] and t['loss']['max']):>9}")
    lines.append("")
    lines.append("per frame, µs: what the capture added to the load's time = the reader's"
                 " CPU + the rest (the kernel's)")
    for s in res["scenarios"]:
        if s["scenario"] == "R":
            continue
        for mode in s["modes"][1:]:
            m = s[mode]
            name = MODE_NAMES.get(mode, mode)
            lines.append(f"{s['scenario']}  {name:11} {fig(m['extra_us']):>18} = "
                         f"{fig(m['reader_us']):>18} + {fig(m['kernel_us']):>19}   "
                         f"kernel CPU measured {fig(m['kernel_cpu_us']):>18}   "
                         f"wake-ups/s {fig(m['wakeups_per_s'], 1, '{:.0f}')}"
                         + (f"   delivered {num(m['written']['median'])} of {num(s['sent'])}"
                            if mode == "kafka" else ""))
    lines += readers_lines(res)
    lines += drift_lines(res)
    for s in res["scenarios"]:
        if s["scenario"] != "R":
            continue
        lines.append("")
        lines.append(f"R ({s['accel']}): frames captured per second, the reader on a vCPU of its own")
        for mode in s["modes"][1:]:
            m = s[mode]
            name = MODE_NAMES.get(mode, mode)
            lines.append(f"R  {name:11} {fig(m['captured_pps'], 1, '{:.0f}'):>24} frames/s, "
                         f"{num(m['written']['median'])} of {num(s['sent'])} at "
                         f"{fig(m['pps'], 1, '{:.0f}')} pps; reader CPU per frame "
                         f"{fig(m['reader_us'])} µs")
            if m.get("thread_us_per_frame"):
                lines.append("R  " + " " * 11 + " CPU per frame delivered, by thread: " + ", ".join(
                    f"{t} {fig(sp)} µs" for t, sp in m["thread_us_per_frame"].items()))
    lines.append("")
    for s in res["scenarios"]:
        lines.append(f"{s['scenario']}: {s['title']}")
    lines += host_speed_lines(res)
    lines += split_lines(res)
    lines += insn_lines(res)
    w = res.get("writer")
    if w:
        lines.append("")
        for fmt in ("pcap", "pcapng"):
            if w.get(fmt):
                wo = w[fmt].get("write_only_pps")
                lines.append(f"writer, host, synthetic ring -> {fmt}: "
                             f"{w[fmt]['pps'] / 1e6:.1f} M packets/s, "
                             f"{w[fmt].get('instructions_per_packet') or 0:.0f} instructions/packet"
                             + (f" (write(2) alone: {wo / 1e6:.1f} M packets/s)" if wo else ""))
                h = w[fmt].get("huge_tmpfs")
                if h:
                    lines.append(f"writer, host, synthetic ring -> {fmt} on a tmpfs of huge pages: "
                                 f"{h['pps'] / 1e6:.1f} M packets/s (write(2) alone: "
                                 f"{h['write_only_pps'] / 1e6:.1f} M packets/s; the file "
                                 + ("held in huge pages)" if huge_held(h) else "NOT held in huge pages)"))
        if w.get("huge_tmpfs", {}).get("why"):
            lines.append(f"writer: no tmpfs of huge pages: {w['huge_tmpfs']['why']}")
        if w.get("kafka"):
            k = w["kafka"]
            lines.append(f"Kafka producer, host, synthetic ring -> mock cluster: "
                         f"{k['pps'] / 1e6:.2f} M messages/s delivered")
    lines.append("")
    lines.append("targets (reported, not asserted; judged on the quartiles):")
    for what, ok, detail in res.get("targets", []):
        lines.append(f"  {'met   ' if ok else 'MISSED'} {what}: {detail}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", metavar="VM.json|WRITER.json")
    ap.add_argument("--out", metavar="FILE")
    ap.add_argument("--show", metavar="RESULTS.json")
    ap.add_argument("--host-speed", action="append", default=[], metavar="FILE",
                    help="bench/host-speed's output: before the VMs, then after them "
                    "(an empty FILE: not measured)")
    args = ap.parse_args()
    if args.show:
        res = json.load(open(args.show))
        res["targets"] = [tuple(t.values()) for t in res.get("targets", [])]
        print(table(res))
        return 0
    vms, writer, insns = [], None, None
    for path in args.files:
        d = json.load(open(path))
        if "scenarios" not in d:
            writer = d
        elif d.get("format") != 2:
            sys.exit(f"bench/report.py: {path} is not bench/guest.py's format 2")
        elif d.get("insns"):
            insns = d
        else:
            vms.append(d)
    if len(args.host_speed) > 2:
        ap.error("--host-speed: at most two, before the VMs and after them")
    if not (vms or insns) or not args.out:
        ap.error("a VM.json and --out are needed")
    base = vms[0] if vms else {**insns, "scenarios": []}
    res = {k: v for k, v in base.items() if k not in ("runs", "insns")}
    res["runs"] = []
    res["scenarios"] = []
    for vm in vms:
        for sc in vm["scenarios"]:
            res["scenarios"].append({**sc, "accel": vm.get("accel", "tcg")})
        res["runs"] += [{**r, "accel": vm.get("accel", "tcg")} for r in vm["runs"]]
    if writer:
        res["writer"] = writer
    if args.host_speed:
        res["host_speed"] = [h for h in (host_speed(p, w) for p, w in
                                         zip(args.host_speed, ("before", "after")))
                             if h["cpus"]]
    if insns:
        # Kept apart: its timings are of a slower VM, its counts exact.
        res["insns"] = insns["scenarios"]
        res["insns_runs"] = insns["runs"]
        res["insns_verdicts"] = [dict(scenario=n, met=m, detail=d)
                                 for n, m, d in insn_verdicts(res)]
    res["targets"] = targets(res)
    for key, fn in (("split_a", a_split), ("split_shared", shared_split)):
        sp = fn(res)
        if sp:
            res[key] = sp
    with open(args.out, "w") as f:
        json.dump({**res, "targets": [dict(target=t, met=m, detail=d)
                                      for t, m, d in res["targets"]]}, f, indent=1)
        f.write("\n")
    print(table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())

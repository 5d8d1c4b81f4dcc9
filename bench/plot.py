#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Draw make bench's per-frame costs: bench/results.json as an SVG.

bench/plot.py RESULTS.json --out FILE.svg

For each scenario, a bar per capture (kcap, tcpdump, and where they were
measured kcap writing pcapng, kcap from the tap and rx_handler hooks, and
the netfilter hooks of a session that captures nothing): what the capture added to each frame's time,
in microseconds of TCG time, split into the reader's CPU time and the rest
(the kernel's), medians over the rounds, with the quartiles of the whole as
an error bar.  Needs Debian's python3-matplotlib (make bench installs it).
Exit status: 0, 1 if RESULTS.json is not bench/guest.py's format 2, 2 for
bad usage.
"""

import argparse
import json
import sys

import matplotlib
matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

# The same input draws the same file: no date, no random ids.
plt.rcParams["svg.hashsalt"] = "kcap"

COLOURS = {"kcap": ("#1f77b4", "#aec7e8"), "kcapng": ("#2ca02c", "#98df8a"),
           "tcpdump": ("#d62728", "#ff9896"), "kafka": ("#9467bd", "#c5b0d5"),
           "kcaprx": ("#8c564b", "#c49c94"), "kcaptap": ("#e377c2", "#f7b6d2"),
           "hookonly": ("#7f7f7f", "#c7c7c7")}
NAMES = {"kcap": "kcap", "kcapng": "kcap (pcapng)", "tcpdump": "tcpdump",
         "kafka": "kcap (Kafka)", "kcaprx": "kcap (rx_handler)", "kcaptap": "kcap (tap)",
         "hookonly": "netfilter hooks alone"}


def draw(ax, scenarios, seen):
    """Bars for SCENARIOS on AX; SEEN: the captures already in the legend."""
    width, x, ticks, labels = 0.27, 0.0, [], []
    for s in scenarios:
        start = x
        for mode in s["modes"][1:]:
            m = s[mode]
            reader = m["reader_us"]["median"]
            kernel = m["kernel_us"]["median"]
            extra = m["extra_us"]
            dark, light = COLOURS[mode]
            name = NAMES[mode]
            ax.bar(x, reader, width, color=dark,
                   label=None if name in seen else f"{name}: reader")
            ax.bar(x, kernel, width, bottom=reader, color=light,
                   label=None if name in seen else f"{name}: kernel")
            ax.errorbar(x, extra["median"],
                        yerr=[[max(extra["median"] - extra["q1"], 0)],
                              [max(extra["q3"] - extra["median"], 0)]],
                        fmt="none", ecolor="black", capsize=3, linewidth=1)
            seen.add(name)
            x += width
        ticks.append((start + x - width) / 2)
        labels.append(f"{s['scenario']}\n{s['frame_bytes']} B"
                      + ("\nrejected" if s.get("filter") else ""))
        x += width
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    ax.axhline(0, color="black", linewidth=0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", metavar="RESULTS.json")
    ap.add_argument("--out", required=True, metavar="FILE.svg")
    args = ap.parse_args()
    res = json.load(open(args.results))
    if res.get("format") != 2:
        print(f"bench/plot.py: {args.results} is not bench/guest.py's format 2",
              file=sys.stderr)
        return 1

    # Kafka's costs are ten times the others': their own axis, beside.
    # R (a vCPU per host thread) measures rates, not added time: not here.
    shown = [s for s in res["scenarios"] if s["scenario"] != "R"]
    rest = [s for s in shown if "kafka" not in s["modes"]]
    side = [s for s in shown if "kafka" in s["modes"]]
    fig, axes = plt.subplots(1, 2 if side else 1, figsize=(10, 5), squeeze=False,
                             gridspec_kw=dict(width_ratios=[len(rest) or 1, 1] if side else [1]))
    seen = set()
    for ax, group in zip(axes[0], (rest, side)):
        draw(ax, group, seen)
    axes[0][0].set_ylabel("µs added per frame (TCG)")
    fig.suptitle(f"kcap and tcpdump, per frame: the reader's CPU and the kernel's rest\n"
                 f"kernel {res['kernel']}, {res['rounds']} rounds, medians; bars: quartiles of the total",
                 fontsize=10)
    fig.legend(fontsize=8, ncol=5, loc="lower center")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(args.out, metadata={"Date": None})
    return 0


if __name__ == "__main__":
    sys.exit(main())

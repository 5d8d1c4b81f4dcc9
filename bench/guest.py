#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The guest half of make bench: the scenarios, run in the VM.

bench/guest.py --out FILE [--rounds N] [--count N] [--scenarios ABCDE] [--insns FILE]

For each scenario, ROUNDS rounds of the same load three ways in turn: no
capture, kcap capture, tcpdump -w (and in A two more: kcap -F pcapng, and
kcap --hook tap, from the packet tap where AF_PACKET takes its frames: the
same capture, with the hook tcpdump's frames come from; in E that one).
B has three more: kcap --hook rx_handler, kcap --hook tap (its filter run
where AF_PACKET runs tcpdump's: kcap's reject path against AF_PACKET's,
the hook alike), and a session whose direction is off, which nothing reads
("hookonly"): what the netfilter hooks cost by themselves, the floor of
any capture from them.  B runs twice ROUNDS
rounds: its figures are differences between close rates (a rejected frame
costs a fraction of a microsecond), whose spread over five rounds was as
wide as the difference judged.  So do A, C, D, E and R, whose targets are
judged on quartiles that two slow rounds of five (the host's, not the
capture's) moved past them.
Scenario K is A's load captured by kcap -w and by kcap --kafka into
librdkafka's mock cluster (build/user/tests/kafka-mock, started in the VM
for each such run, so its CPU time is the load's too): how many of the
frames -w writes are delivered to Kafka.  Scenario R is K again in a VM
where each vCPU is a host thread of its own (tests/vm/run --mttcg, bench/run
boots it apart): the reader then has a CPU to itself, as on hardware, and
what a slow reader costs shows as frames lost, not as a slower load.  Its
figure is the rate of frames captured (the load's rate times the share of
its frames written or delivered): how fast each capture keeps up.  Its load
is 4 times K's, so that what the rings still hold when the load stops (and
the reader then drains) weighs little.  The load is pktgen (xmit_mode
netif_receive, the receive path of a dummy device) or, for egress, UDP
datagrams from a socket over a veth pair (bench/udpsend) on CPU 0.  The
capture runs on CPU 1, where pktgen's first thread is not.  Each capture
writes a pcap file to tmpfs with snaplen 96 and the same ring memory (kcap:
2 MiB per CPU, tcpdump: -B of the same total).  A capture is stopped once
its file has stopped growing; frames written are counted with capinfos.

With scenario A, the VM run also measures, ROUNDS times, what any capture
of A's frames pays besides its own code ("floor"): one read of the wall
clock (bench/clock-read: the TSC read the kernel makes for each frame's
timestamp), and, for each format, kcap's writer alone on A's 60-byte
frames (build/user/bench/writer-bench, one ring of the records A's
capture reads, pcap records or pcapng blocks, to /dev/null: the ring
walk and the formatting, no write(2)) and write(2) alone of the same
bytes into tmpfs (writer-bench's own measure).  With B's "hooks only"
these split kcap's cost per frame into what it cannot avoid and its own.

With --insns FILE (make bench's VM "I", booted with the QEMU plugin
bench/insn_count.c writing to FILE, a share), each run also counts the
instructions the guest executes, in the kernel and in userland, from the
load's start until the capture has written its last frame (the same 2 s
wait for nothing new in every mode, so that each window ends alike), and
each capture's figures include the instructions it added per frame: exact
counts, where every time figure moves with the host's load.  The floor is
not measured then, and every scenario runs ROUNDS rounds: the counts need
no more.
A's capture is then also counted from the tap and the rx_handler hooks
(kcaptap, kcaprx) and the netfilter hooks alone (hookonly): what the hook
costs, apart from kcap's own code.

Per run: the load's packets/s, frames sent, frames written, the capture
process's CPU time (user + system: from its start, from the load's start
to its stop, and to its exit) and the drops the tool reports; how
often the capture process woke up (its voluntary context switches) while
the load ran; and the guest's system and softirq CPU time over all CPUs
while the load ran (/proc/stat), a direct measure of the kernel's side.
Each capture's run is set against runs without capture just before and
just after it (timed; counted, against the round's one run without
capture, whose counts do not move): the host's own speed changes in
phases of seconds, by as much as half (docs/performance.md), and a
baseline taken ten seconds earlier can have been taken in another phase.
Each capture's run notes which two they were ("none_slots"), and how far
apart their rates were ("drift") is reported: a run between two that
disagree was taken while the host changed speed.  FILE gets every run
and, per scenario, the median of every figure with its spread over the
rounds (min, max, quartiles), as JSON; progress goes to stdout.

With --delay NS, pktgen waits NS between frames: a load at a fixed rate,
to see what a reader's wake-ups cost at rates below the VM's fastest
(make bench sends as fast as the VM goes).
"""

import argparse
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time

SNAPLEN = 96
KCAP_RING_KIB = 2048            # per CPU
TMP = "/dev/shm"
HERE = os.path.dirname(os.path.abspath(__file__))
UDPSEND = os.path.join(HERE, "..", "build", "user", "bench", "udpsend")
CLOCK_READ = os.path.join(HERE, "..", "build", "user", "bench", "clock-read")
WAKE_COST = os.path.join(HERE, "..", "build", "user", "bench", "wake-cost")
WRITER_BENCH = os.path.join(HERE, "..", "build", "user", "bench", "writer-bench")
FLOOR_PACKETS = 300000
KAFKA_MOCK = os.path.join(HERE, "..", "build", "user", "tests", "kafka-mock")
INSN_MARK = os.path.join(HERE, "..", "build", "user", "bench", "insn-mark")
# With --insns: the guest's instruction counts, as the QEMU plugin counts
# them (InsnCounts); None otherwise.
INSNS = None
# With --profile: called with (scenario, mode) once the capture has started.
ON_CAPTURE = None

SCENARIOS = {
    "A": dict(title="ingress, 60-byte frames, capture everything",
              load="pktgen", size=60, threads=1, filter=[],
              modes=("none", "kcap", "tcpdump", "kcapng", "kcaptap"),
              insns_modes=("kcaprx", "hookonly"), paired=("kcap", "kcapng", "tcpdump"),
              rounds_factor=2),
    "B": dict(title="ingress, filter rejects everything (udp port 7, traffic to 9)",
              load="pktgen", size=60, threads=1, filter=["udp", "port", "7"],
              modes=("none", "kcap", "tcpdump", "kcaprx", "kcaptap", "hookonly"),
              rounds_factor=2),
    "C": dict(title="ingress, 1514-byte frames, capture everything",
              load="pktgen", size=1514, threads=1, filter=[],
              rounds_factor=2),
    "D": dict(title="egress, UDP from a socket over veth, capture everything",
              load="udp", size=60, threads=1, filter=[],
              rounds_factor=2),
    "E": dict(title="ingress, two pktgen threads (two CPUs), capture everything",
              load="pktgen", size=60, threads=2, filter=[],
              modes=("none", "kcap", "tcpdump", "kcaptap"),
              rounds_factor=2),
    "K": dict(title="ingress, 60-byte frames, kcap -w beside kcap --kafka (mock cluster in the VM)",
              load="pktgen", size=60, threads=1, filter=[],
              modes=("none", "kcap", "kafka")),
    "R": dict(title="K's load, 4 times as long, the reader on a vCPU of its own (MTTCG): frames captured per second",
              load="pktgen", size=60, threads=1, filter=[], count_factor=4,
              modes=("none", "kcap", "kafka"), paired=("kcap", "kcapng", "tcpdump"),
              rounds_factor=2),
}
# kcapng: kcap -F pcapng; kcaprx: kcap --hook rx_handler; kcaptap: kcap
# --hook tap; hookonly: a session with direction off, no reader: the
# netfilter hooks' own cost, which any capture from them pays before it
# looks at a frame.  A scenario's insns_modes are run only when
# instructions are counted (--insns): the same capture from each hook, to
# tell what the hook costs from what kcap's own code does.  A scenario's
# paired captures also run side by side, once a round when timed: the
# readers run "readers" (readers_run()).
MODES = ("none", "kcap", "tcpdump")


def modes(sc):
    m = sc.get("modes", MODES)
    if INSNS:
        m = tuple(m) + sc.get("insns_modes", ())
    return m


def pin(cpu):
    """taskset for CPU: the load's sender on 0, the capture on 1 (where
    pktgen's first thread is not), the same in every run."""
    return ["taskset", "-c", str(cpu)] if os.cpu_count() > 1 else []


class InsnCounts:
    """The instructions the guest has executed so far, (kernel, user), as
    the QEMU plugin bench/insn_count.c counts them: insn-mark executes the
    marker instruction, on which the plugin appends the counts to PATH (a
    share of the host's), read back here.  Exact, and the same however
    busy the host is; what runs insn-mark itself costs every window the
    same."""

    def __init__(self, path):
        self.path = path
        with open(path) as f:
            self.marks = len(f.read().splitlines())

    def read(self):
        subprocess.run([INSN_MARK], check=True)
        self.marks += 1
        with open(self.path) as f:
            lines = f.read().splitlines()
        m = re.fullmatch(r"mark (\d+) kernel (\d+) user (\d+)", lines[-1] if lines else "")
        if not m or int(m.group(1)) != self.marks:
            raise RuntimeError(f"{self.path}: no count for mark {self.marks}: is the VM "
                               "running with bench/insn_count.c (tests/vm/run --plugin)?")
        return int(m.group(2)), int(m.group(3))


def wait_still(probe):
    """Wait until PROBE() has not changed for 2 s (60 s at most)."""
    last, still = None, 0.0
    deadline = time.monotonic() + 60
    while still < 2.0 and time.monotonic() < deadline:
        value = probe()
        still = still + 0.25 if value == last else 0.0
        last = value
        time.sleep(0.25)


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def pg_write(path, cmd):
    with open(path, "w") as f:
        f.write(cmd + "\n")


def pg_result(path, wait=30.0):
    """(packets, pps) of a pktgen device's last run.  The result may not be
    there yet when the write of "start" returns (a run seen once as
    "Result: OK: ting"): read again until it is, for up to WAIT seconds."""
    deadline = time.monotonic() + wait
    while True:
        text = open(path).read()
        m = re.search(r"Result: OK: \d+\(c\d+\+d\d+\) usec, (\d+) \(\d+byte,\d+frags\)\s+(\d+)pps", text)
        if m:
            return int(m.group(1)), int(m.group(2))
        if time.monotonic() >= deadline:
            line = re.search(r"Result: .*", text)
            raise RuntimeError(f"pktgen {path}: {line.group(0) if line else 'no result'}")
        time.sleep(0.1)


class Pktgen:
    """pktgen threads injecting into DEV's receive path."""

    def __init__(self, dev, threads, size, count, delay=0):
        sh("modprobe", "pktgen")
        self.devs = []
        for t in range(2):
            pg_write(f"/proc/net/pktgen/kpktgend_{t}", "rem_device_all")
        time.sleep(0.2)
        for t in range(threads):
            name = dev if t == 0 else f"{dev}@{t}"
            pg_write(f"/proc/net/pktgen/kpktgend_{t}", f"add_device {name}")
            p = f"/proc/net/pktgen/{name}"
            for c in ("xmit_mode netif_receive", f"count {count}",
                      f"pkt_size {size}", f"delay {delay}", "dst 10.99.0.2",
                      "dst_mac 02:00:00:00:99:02", "udp_dst_min 9",
                      "udp_dst_max 9"):
                pg_write(p, c)
            self.devs.append(p)

    def run(self):
        """(packets sent, packets/s over all threads)."""
        pg_write("/proc/net/pktgen/pgctrl", "start")
        sent = pps = 0
        for p in self.devs:
            n, r = pg_result(p)
            sent += n
            pps += r
        return sent, pps


class UdpLoad:
    """Datagrams from a socket out of va, towards vb in a namespace."""

    def __init__(self, size, count):
        self.payload = size - 14 - 20 - 8
        self.count = count

    def run(self):
        out = subprocess.run(pin(0) + [UDPSEND, "10.99.0.2", "9", str(self.payload),
                                       str(self.count)],
                             check=True, capture_output=True, text=True).stdout
        m = re.match(r"sent (\d+) seconds \S+ pps (\d+)", out)
        if not m:
            raise RuntimeError(f"udpsend said: {out!r}")
        return int(m.group(1)), int(m.group(2))


class KafkaMock:
    """librdkafka's mock cluster, for one run, on the load's CPU: the
    broker is the world outside the capture, as the load's source is."""

    def __init__(self):
        self.p = subprocess.Popen(pin(0) + [KAFKA_MOCK, "bench"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        self.bootstrap = self.p.stdout.readline().strip()
        if not self.bootstrap:
            raise RuntimeError("kafka-mock printed no bootstrap address")

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=30)


class Reader:
    """What a run reads of a capture's reader (its subclass gives
    cpu_split(), thread_ns(), wakeups(), and ns_end and split_end at its
    stop)."""

    def begin(self):
        """Just before the load: the reader's CPU time, its user and system
        time, its threads' and its sleeps so far, which figures() counts
        from."""
        self.split0 = self.cpu_split()
        self.threads0 = self.thread_ns()
        self.ns0 = sum(self.threads0.values())
        self.wake0 = self.wakeups()

    def figures(self, wakeups, secs):
        """The reader's figures of a run, from begin() to snapshot(): CPU
        until the stop (exact), user and system time (clock ticks), and
        WAKEUPS sleeps over the load's SECS as a rate."""
        return dict(cpu_run_s=round((self.ns_end - self.ns0) / 1e9, 6),
                    cpu_load_user_s=round(self.split_end[0] - self.split0[0], 3),
                    cpu_load_sys_s=round(self.split_end[1] - self.split0[1], 3),
                    wakeups_per_s=round(wakeups / secs, 1))


class Capture(Reader):
    """kcap capture or tcpdump -w into a tmpfs file, or kcap --kafka."""

    def __init__(self, tool, dev, expr, path):
        self.mock = None
        if tool == "kafka":
            self.mock = KafkaMock()
            cmd = ["kcap", "capture", "-i", dev, "-s", str(SNAPLEN),
                   "-B", str(KCAP_RING_KIB), "--kafka", self.mock.bootstrap,
                   "--topic", "bench"]
        elif tool in ("kcap", "kcapng", "kcaprx", "kcaptap"):
            cmd = ["kcap", "capture", "-i", dev, "-s", str(SNAPLEN),
                   "-B", str(KCAP_RING_KIB), "-w", path]
            if tool == "kcapng":
                cmd += ["-F", "pcapng"]
            if tool == "kcaprx":
                cmd += ["--hook", "rx_handler"]
            if tool == "kcaptap":
                cmd += ["--hook", "tap"]
        else:
            cmd = ["tcpdump", "-i", dev, "-s", str(SNAPLEN), "-nn",
                   "-B", str(KCAP_RING_KIB * os.cpu_count()), "-w", path]
        self.path = path
        self.p = subprocess.Popen(pin(1) + cmd + expr, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        self.err = b""
        deadline = time.monotonic() + 30
        while b"listening on" not in self.err:
            left = deadline - time.monotonic()
            if left <= 0 or self.p.poll() is not None:
                raise RuntimeError(f"{tool} did not start: {self.err.decode(errors='replace')}")
            if select.select([self.p.stderr], [], [], left)[0]:
                chunk = os.read(self.p.stderr.fileno(), 4096)
                if not chunk:
                    continue
                self.err += chunk

    def cpu_split(self):
        """The capture's CPU seconds so far: (user, system)."""
        f = open(f"/proc/{self.p.pid}/stat").read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        return int(f[11]) / tck, int(f[12]) / tck

    def cpu(self):
        """The capture's CPU seconds so far (user + system)."""
        return sum(self.cpu_split())

    def thread_ns(self):
        """The capture's CPU time so far, in ns, per thread name (kcap's
        own, librdkafka's rdk:main, rdk:broker...), summed over threads of
        one name (/proc/PID/task/*/schedstat: exact, where /proc/PID/stat
        counts clock ticks of 10 ms)."""
        per = {}
        for tid in os.listdir(f"/proc/{self.p.pid}/task"):
            try:
                comm = open(f"/proc/{self.p.pid}/task/{tid}/comm").read().strip()
                ns = int(open(f"/proc/{self.p.pid}/task/{tid}/schedstat").read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                continue    # a thread that just ended
            comm = re.sub(r"-?\d+$", "", comm)    # rdk:broker-1 -> rdk:broker
            per[comm] = per.get(comm, 0) + ns
        return per

    def wakeups(self):
        """The capture's voluntary context switches so far: each one a
        sleep (in poll) it woke up from."""
        for line in open(f"/proc/{self.p.pid}/status"):
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
        raise RuntimeError("no voluntary_ctxt_switches in /proc/PID/status")

    def size(self):
        """The file's size so far (0 before it is there)."""
        return os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def snapshot(self):
        """Before the stop: the reader's CPU time so far, its user and
        system time, and its sleeps.  What comes after (deleting the
        session, unmapping the rings, the exit) is a fixed cost, after the
        load, as the start is before it."""
        self.threads_end = self.thread_ns()
        self.ns_end = sum(self.threads_end.values())
        self.split_end = self.cpu_split()
        self.wakes_end = self.wakeups()

    def stop(self, at_end=None, still=False):
        """(CPU seconds, stderr) once the file has stopped growing (to
        Kafka: once the capture has stopped using CPU); AT_END() is called
        then, before anything else.  With STILL, the caller has waited for
        that and taken snapshot() itself."""
        if not still:
            # tcpdump retires a ring block after its 1 s timeout: wait longer.
            wait_still(self.cpu if self.mock else self.size)
            if at_end:
                at_end()
            self.snapshot()
        self.p.send_signal(signal.SIGINT)
        rest = self.p.stderr.read()
        _, status, ru = os.wait4(self.p.pid, 0)
        self.p.returncode = os.waitstatus_to_exitcode(status)
        err = (self.err + rest).decode(errors="replace")
        if self.mock:
            self.mock.stop()
        if self.p.returncode not in (0, -signal.SIGINT, 130):
            raise RuntimeError(f"capture exited {self.p.returncode}: {err}")
        return ru.ru_utime + ru.ru_stime, err


class WakeAlone(Capture):
    """Beside the readers, on their CPU: a process that does nothing but
    sleep 20 ms in poll() and wake up (build/user/bench/wake-cost), as
    kcap's reader does under a steady load (KCAP_WAKEUP_MAX_MS).  Its CPU
    time per wake-up while the load runs (begin() to snapshot(), taken
    at the load's end) is what waking costs any process there, whatever
    it reads: the floor under each reader's wake-ups.  It takes about
    50 wake-ups a second of the readers' CPU, at that cost."""

    def __init__(self):     # (not Capture's: no capture to start)
        self.mock, self.path, self.err = None, None, b""
        self.p = subprocess.Popen(pin(1) + [WAKE_COST, "1000000", "20"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def per_wake_us(self):
        """CPU µs per wake-up, from begin() to snapshot(); None without
        a wake-up."""
        wakes = self.wakes_end - self.wake0
        return round((self.ns_end - self.ns0) / 1e3 / wakes, 3) if wakes > 0 else None

    def stop(self, at_end=None, still=False):
        self.p.kill()
        self.p.wait()


class HookOnly(Reader):
    """A persistent session on DEV whose direction is off: its netfilter
    hooks are registered and called for every frame, which the session
    lets pass at once; no reader.  What the hooks themselves cost."""

    NAME = "benchhook"

    def __init__(self, dev, expr):
        subprocess.run(["kcap", "del", self.NAME], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        sh("kcap", "add", self.NAME, "dev", dev, "direction", "off",
           "snaplen", str(SNAPLEN), "ring-size", str(KCAP_RING_KIB * 1024),
           *(["filter", " ".join(expr)] if expr else []))
        self.ns_end, self.split_end = 0, (0, 0)

    def cpu_split(self):
        return 0, 0

    def thread_ns(self):
        return {}

    def wakeups(self):
        return 0

    def stop(self, at_end=None):
        if at_end:
            at_end()
        sh("kcap", "del", self.NAME)
        return 0, ""


def frames_in(path):
    out = subprocess.run(["capinfos", "-c", "-M", path], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"Number of packets:\s+(\d+)", out)
    if not m:
        raise RuntimeError(f"capinfos {path}: {out!r}")
    return int(m.group(1))


def kafka_summary(err):
    """kcap's Kafka line: (produced, delivered, failed, dropped)."""
    m = re.search(r"(\d+) frames produced to Kafka topic \S+, (\d+) delivered, "
                  r"(\d+) failed, (\d+) dropped", err)
    if not m:
        raise RuntimeError(f"no Kafka summary from kcap: {err}")
    return tuple(int(x) for x in m.groups())


def dropped(err):
    pat = r"(\d+) packets? dropped by (kcap|kernel)"
    m = re.search(pat, err)
    return int(m.group(1)) if m else None


def kernel_cpu():
    """The guest's system and softirq CPU seconds so far, all CPUs."""
    with open("/proc/stat") as f:
        v = f.readline().split()
    assert v[0] == "cpu"
    return (int(v[3]) + int(v[7])) / os.sysconf("SC_CLK_TCK")


def setup_dummy():
    sh("modprobe", "dummy", "numdummies=0")
    subprocess.run(["ip", "link", "del", "bench0"], stderr=subprocess.DEVNULL)
    sh("ip", "link", "add", "bench0", "type", "dummy")
    sh("sysctl", "-qw", "net.ipv6.conf.bench0.disable_ipv6=1")
    sh("ip", "link", "set", "bench0", "up")
    return "bench0"


def setup_veth():
    subprocess.run(["ip", "netns", "del", "benchpeer"], stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "link", "del", "va"], stderr=subprocess.DEVNULL)
    sh("ip", "netns", "add", "benchpeer")
    sh("ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", "benchpeer")
    sh("sysctl", "-qw", "net.ipv6.conf.va.disable_ipv6=1")
    sh("ip", "netns", "exec", "benchpeer", "sysctl", "-qw", "net.ipv6.conf.vb.disable_ipv6=1")
    sh("ip", "addr", "add", "10.99.0.1/24", "dev", "va")
    sh("ip", "link", "set", "va", "up")
    sh("ip", "-n", "benchpeer", "link", "set", "vb", "up")
    # A neighbour that is not vb: vb drops the frames as not its own,
    # before any protocol work or ICMP error.
    sh("ip", "neigh", "replace", "10.99.0.2", "lladdr", "02:00:00:00:99:02", "dev", "va")
    return "va"


def one_run(name, sc, mode, load, dev, rnd):
    path = f"{TMP}/bench-{name}-{mode}.pcap"
    if os.path.exists(path):
        os.unlink(path)
    cap = (None if mode == "none" else HookOnly(dev, sc["filter"]) if mode == "hookonly"
           else Capture(mode, dev, sc["filter"], path))
    if ON_CAPTURE:
        ON_CAPTURE(name, mode)
    if cap:
        cap.begin()
    insns = {}

    def insns_end():
        """The instructions from the load's start until the capture has
        written its last frame: the same wait (2 s of nothing new) in
        every mode."""
        if INSNS:
            if not isinstance(cap, Capture):
                wait_still(lambda: 0)
            k, u = INSNS.read()
            insns.update(insns_kernel=k - insns0[0], insns_user=u - insns0[1])

    insns0 = INSNS.read() if INSNS else None
    k0, t0 = kernel_cpu(), time.monotonic()
    sent, pps = load.run()
    k1, t1 = kernel_cpu(), time.monotonic()
    run = dict(scenario=name, mode=mode, round=rnd, sent=sent, pps=pps,
               load_s=round(t1 - t0, 3), kernel_cpu_s=round(k1 - k0, 3))
    if not cap:
        insns_end()
    if cap:
        wakeups = cap.wakeups() - cap.wake0
        cpu, err = cap.stop(insns_end)
        if mode == "kafka":
            produced, written, failed, kdropped = kafka_summary(err)
            # Where the reader's CPU went: kcap's thread (the rings,
            # handing frames to librdkafka, its delivery reports) and
            # librdkafka's own threads (building and sending batches).
            run.update(produced=produced, kafka_failed=failed, kafka_dropped=kdropped,
                       cpu_threads_s={t: round((ns - cap.threads0.get(t, 0)) / 1e9, 3)
                                      for t, ns in sorted(cap.threads_end.items())})
        elif mode == "hookonly":
            written = 0
        else:
            written = frames_in(path)
        # cpu_run_s, from the load's start to the stop, leaves out the
        # start (filter compilation, mapping) and the exit; cpu_load_s
        # (from the load's start to the exit) does not leave out the exit.
        # How fast the capture kept up: the load's rate, times the share
        # of its frames that made it.
        run.update(written=written, captured_pps=round(pps * written / sent),
                   cpu_s=round(cpu, 3),
                   cpu_load_s=round(cpu - sum(cap.split0), 3), dropped=dropped(err),
                   **cap.figures(wakeups, t1 - t0))
        if os.path.exists(path):
            os.unlink(path)
    run.update(insns)
    print(f"  {name} round {rnd} {mode:8} {pps:9d} pps  sent {sent}"
          + (f"  written {run['written']}  cpu {run['cpu_s']:.2f} s"
             f"  dropped {run['dropped']}  wakeups/s {run['wakeups_per_s']}"
             if cap else "")
          + (f"  instructions per frame: kernel {insns['insns_kernel'] / sent:.0f}, "
             f"user {insns['insns_user'] / sent:.0f}" if insns else ""), flush=True)
    return run


def readers_run(name, sc, load, dev, rnd):
    """Scenario NAME's paired captures side by side: each on DEV at once,
    all pinned to the same CPU, reading the same frames; each reader's CPU
    time (exact, per thread) from the load's start until every file has
    stopped growing, read at the same moment for all.  Whatever the host's
    speed does during the run, it does to all of them alike, which it does
    not to captures in runs of their own: the ratio of two readers' CPU
    times here is what the reader target compares.  Beside them, on
    their CPU, a process that only wakes every 20 ms (WakeAlone): what a
    wake-up costs there, whoever wakes."""
    caps, alone = {}, None
    try:
        for tool in sc["paired"]:
            path = f"{TMP}/bench-{name}-readers-{tool}.pcap"
            if os.path.exists(path):
                os.unlink(path)
            caps[tool] = Capture(tool, dev, sc["filter"], path)
        alone = WakeAlone()
        time.sleep(0.1)     # (past its start)
        if alone.p.poll() is not None:
            raise RuntimeError(f"{WAKE_COST} exited {alone.p.returncode}: "
                               f"{alone.p.stderr.read().decode(errors='replace')}")
        for c in list(caps.values()) + [alone]:
            c.begin()
        k0, t0 = kernel_cpu(), time.monotonic()
        sent, pps = load.run()
        alone.snapshot()    # (a wake-up's cost under the load, not after)
        k1, t1 = kernel_cpu(), time.monotonic()
        wakeups = {t: c.wakeups() - c.wake0 for t, c in caps.items()}
        wait_still(lambda: sum(c.size() for c in caps.values()))
        for c in caps.values():
            c.snapshot()
        readers = {}
        for t, c in caps.items():
            _, err = c.stop(still=True)
            # (wakeups_run: its wake-ups over its CPU time's window, for the split)
            readers[t] = dict(written=frames_in(c.path), dropped=dropped(err),
                              wakeups_run=c.wakes_end - c.wake0,
                              **c.figures(wakeups[t], t1 - t0))
            os.unlink(c.path)
        wake_alone_us = alone.per_wake_us()
    finally:
        for c in list(caps.values()) + ([alone] if alone else []):
            if c.p.poll() is None:
                c.p.kill()
                c.p.wait()
    written = min(r["written"] for r in readers.values())
    print(f"  {name} round {rnd} readers  {pps:9d} pps  sent {sent}  "
          + ", ".join(f"{t} written {r['written']} cpu {r['cpu_run_s']:.3f} s"
                      for t, r in readers.items())
          + f"; a wake-up alone {wake_alone_us} µs", flush=True)
    return dict(scenario=name, mode="readers", round=rnd, sent=sent, pps=pps,
                load_s=round(t1 - t0, 3), kernel_cpu_s=round(k1 - k0, 3),
                written=written, readers=readers, wake_alone_us=wake_alone_us)


def timed_modes(sc):
    """The captures of a timed round: the scenario's, then its readers side
    by side if it has paired captures (counts need no pairing: they are
    exact)."""
    return tuple(modes(sc)[1:]) + (("readers",) if sc.get("paired") and not INSNS else ())


def one_round(name, sc, load, dev, rnd, bracket):
    """A round of scenario NAME: each mode's run.  With BRACKET, a run
    without capture first and after each capture's run, numbered in the
    round ("slot": 0, 1, ...), and each capture's run noting the two just
    before and after it ("none_slots"); else one run without capture
    first."""
    if not bracket:
        return [one_run(name, sc, mode, load, dev, rnd) for mode in modes(sc)]
    runs = [one_run(name, sc, "none", load, dev, rnd)]
    runs[0]["slot"] = 0
    for mode in timed_modes(sc):
        run = (readers_run(name, sc, load, dev, rnd) if mode == "readers"
               else one_run(name, sc, mode, load, dev, rnd))
        after = one_run(name, sc, "none", load, dev, rnd)
        after["slot"] = runs[-1]["slot"] + 1
        run["none_slots"] = [runs[-1]["slot"], after["slot"]]
        runs += [run, after]
    return runs


def kv(line):
    """A line of key=value words (or "key value" pairs), as a dict of
    numbers where they are numbers."""
    words = line.split()
    if all("=" in w for w in words):
        pairs = [w.split("=", 1) for w in words]
    else:
        pairs = list(zip(words[::2], words[1::2]))
    out = {}
    for k, v in pairs:
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


def floor_round(rnd):
    """One round of the floor: ns per clock read, and per 60-byte frame
    of A (each format), kcap's writer alone and write(2) alone."""
    out = dict(round=rnd)
    r = subprocess.run(pin(1) + [CLOCK_READ, "1000000"], check=True, capture_output=True,
                       text=True).stdout
    out["clock_ns"] = kv(r)["ns_per_read"]
    for fmt in ("pcap", "pcapng"):
        res = {}
        for dest in ("/dev/null", f"{TMP}/bench-floor.{fmt}"):
            r = subprocess.run(pin(1) + [WRITER_BENCH, "--format", fmt, "--ring-format", fmt,
                                         "--rings", "1",
                                         "--size", str(SCENARIOS["A"]["size"]),
                                         "--packets", str(FLOOR_PACKETS), "--out", dest],
                               check=True, capture_output=True, text=True).stdout
            res[dest] = kv(r.strip().splitlines()[-1])
            if dest != "/dev/null":
                os.unlink(dest)
        shm = res[f"{TMP}/bench-floor.{fmt}"]
        out[fmt] = dict(writer_ns=1e9 / res["/dev/null"]["pps"],
                        write_ns=1e9 / shm["write_pps"],
                        record_bytes=round(shm["file_bytes"] / FLOOR_PACKETS))
    print(f"  floor round {rnd}: clock read {out['clock_ns']:.0f} ns; per frame, "
          + "; ".join(f"{f}: writer alone {out[f]['writer_ns']:.0f} ns, write(2) alone "
                      f"{out[f]['write_ns']:.0f} ns" for f in ("pcap", "pcapng")), flush=True)
    return out


def floor_summary(rounds):
    s = dict(rounds=rounds, packets=FLOOR_PACKETS, frame_bytes=SCENARIOS["A"]["size"],
             clock_ns=spread(r["clock_ns"] for r in rounds))
    for fmt in ("pcap", "pcapng"):
        s[fmt] = dict(writer_ns=spread(r[fmt]["writer_ns"] for r in rounds),
                      write_ns=spread(r[fmt]["write_ns"] for r in rounds),
                      record_bytes=rounds[0][fmt]["record_bytes"])
    return s


def spread(vals):
    """Median, min, max and quartiles of VALS, rounded; None if empty."""
    vals = sorted(v for v in vals if v is not None)
    if not vals:
        return None
    q1, _, q3 = (statistics.quantiles(vals, n=4, method="inclusive")
                 if len(vals) > 1 else (vals[0],) * 3)
    r = lambda x: round(x, 4)
    return dict(median=r(statistics.median(vals)), min=r(vals[0]), max=r(vals[-1]),
                q1=r(q1), q3=r(q3), n=len(vals))


def baseline(r, none):
    """The runs without capture that run R is set against: the two that
    bracket it, where it has them (timed), else its round's one
    (counted); None if there is none."""
    if "none_slots" in r:
        return [none[r["round"], i] for i in r["none_slots"]]
    n = none.get((r["round"], 0))
    return [n] if n else None


def per_round(runs, mode):
    """Each round's figures for MODE, set against the runs with no capture
    around it (baseline()): overhead, what the capture added per frame
    (µs), the reader's CPU per frame, the rest (the kernel's), the guest's
    kernel CPU per frame added, measured directly, and how far apart the
    two runs without capture were (drift: the host's speed changing)."""
    none = {(r["round"], r.get("slot", 0)): r for r in runs if r["mode"] == "none"}
    out = []
    for r in runs:
        base = baseline(r, none) if r["mode"] == mode else None
        if not base:
            continue
        def added(key):
            """What the capture added per frame to KEY: its run's, less
            the mean of its baseline's."""
            return r[key] / r["sent"] - statistics.fmean(n[key] / n["sent"] for n in base)

        # The baseline's time per frame: the mean of its runs'.
        t0 = statistics.fmean(1e6 / n["pps"] for n in base)
        extra = 1e6 / r["pps"] - t0
        pps = [n["pps"] for n in base]
        # The reader's CPU until the stop: what it spent while the load
        # ran and draining the rings after it, not its exit, which comes
        # after the load and adds nothing to the load's time.
        reader = 1e6 * r["cpu_run_s"] / r["sent"]
        out.append(dict(
            overhead=1 - r["pps"] * t0 / 1e6, extra_us=extra, reader_us=reader,
            reader_exit_us=1e6 * r["cpu_load_s"] / r["sent"],
            reader_user_us=1e6 * r["cpu_load_user_s"] / r["sent"],
            reader_sys_us=1e6 * r["cpu_load_sys_s"] / r["sent"],
            kernel_us=extra - reader,
            kernel_cpu_us=1e6 * added("kernel_cpu_s"),
            drift=max(pps) / min(pps) - 1 if len(pps) > 1 else None,
            wakeups_per_s=r["wakeups_per_s"], loss=1 - r["written"] / r["sent"]))
        if "insns_kernel" in r:
            # Guest instructions the capture added per frame (--insns).
            ik, iu = added("insns_kernel"), added("insns_user")
            out[-1].update(insns=ik + iu, insns_kernel=ik, insns_user=iu)
    return out


def summarise(name, sc, runs):
    """Per scenario: each figure's spread over the rounds, per mode."""
    s = dict(scenario=name, title=sc["title"], frame_bytes=sc["size"],
             filter=" ".join(sc["filter"]) or None, modes=list(modes(sc)),
             rounds=len({r["round"] for r in runs}))
    s["sent"] = statistics.median(r["sent"] for r in runs if r["mode"] == "none")
    s["pps_none"] = spread(r["pps"] for r in runs if r["mode"] == "none")
    s["insns_none"] = spread((r["insns_kernel"] + r["insns_user"]) / r["sent"]
                             for r in runs if r["mode"] == "none" and "insns_kernel" in r)
    for mode in modes(sc)[1:]:
        mine = [r for r in runs if r["mode"] == mode]
        rounds = per_round(runs, mode)
        m = dict(pps=spread(r["pps"] for r in mine),
                 captured_pps=spread(r["captured_pps"] for r in mine),
                 written=spread(r["written"] for r in mine),
                 cpu_s=spread(r["cpu_s"] for r in mine),
                 dropped=spread(r["dropped"] for r in mine),
                 all_written=all(r["written"] == r["sent"] for r in mine))
        for key in ("overhead", "extra_us", "reader_us", "reader_exit_us", "reader_user_us",
                    "reader_sys_us", "kernel_us",
                    "kernel_cpu_us", "drift", "wakeups_per_s", "insns", "insns_kernel",
                    "insns_user"):
            m[key] = spread(x.get(key) for x in rounds)
        # Loss means something only where every frame was to be written.
        m["loss"] = (None if sc["filter"] or mode == "hookonly"
                     else spread(x["loss"] for x in rounds))
        if mode == "kafka":
            # Each thread's CPU per frame delivered.
            threads = sorted({t for r in mine for t in r.get("cpu_threads_s", {})})
            m["thread_us_per_frame"] = {
                t: spread(1e6 * r["cpu_threads_s"].get(t, 0) / r["written"]
                          for r in mine if r["written"]) for t in threads}
        s[mode] = m
    paired = readers_summary(sc, runs)
    if paired:
        s["readers"] = paired
    return s


def readers_summary(sc, runs):
    """The readers side by side (readers_run()), over the rounds: each
    one's CPU per frame, user and system time, wake-ups and frames
    written, and each kcap reader's CPU over tcpdump's in the same run
    (its spread is the spread of that ratio); None without such runs."""
    rr = [r for r in runs if r["mode"] == "readers"]
    if not rr:
        return None
    out = dict(tools=list(sc["paired"]), rounds=len(rr),
               all_written=all(x["written"] == r["sent"] for r in rr
                               for x in r["readers"].values()))
    for t in sc["paired"]:
        out[t] = dict(reader_us=spread(1e6 * r["readers"][t]["cpu_run_s"] / r["sent"] for r in rr),
                      reader_user_us=spread(1e6 * r["readers"][t]["cpu_load_user_s"] / r["sent"]
                                            for r in rr),
                      reader_sys_us=spread(1e6 * r["readers"][t]["cpu_load_sys_s"] / r["sent"]
                                           for r in rr),
                      wakeups_per_s=spread(r["readers"][t]["wakeups_per_s"] for r in rr),
                      written=spread(r["readers"][t]["written"] for r in rr))
        if t != "tcpdump" and "tcpdump" in sc["paired"]:
            out[t]["over_tcpdump"] = spread(
                r["readers"][t]["cpu_run_s"] / r["readers"]["tcpdump"]["cpu_run_s"]
                for r in rr if r["readers"]["tcpdump"]["cpu_run_s"] > 0)
    # What waking up costs any process on the readers' CPU (WakeAlone),
    # and each reader's CPU per frame split by it: its wake-ups at that
    # cost, and the rest, its own work on the frames and on each wake-up.
    rw = [r for r in rr if r.get("wake_alone_us")
          and all("wakeups_run" in x for x in r["readers"].values())]
    if rw:
        out["wake_alone_us"] = spread(r["wake_alone_us"] for r in rw)

        def wakes_us(r, t):
            return r["readers"][t]["wakeups_run"] * r["wake_alone_us"] / r["sent"]

        def rest_us(r, t):
            return 1e6 * r["readers"][t]["cpu_run_s"] / r["sent"] - wakes_us(r, t)

        for t in sc["paired"]:
            out[t]["wakes_us"] = spread(wakes_us(r, t) for r in rw)
            out[t]["rest_us"] = spread(rest_us(r, t) for r in rw)
            if t != "tcpdump" and "tcpdump" in sc["paired"]:
                out[t]["rest_over_tcpdump"] = spread(
                    rest_us(r, t) / rest_us(r, "tcpdump") for r in rw
                    if rest_us(r, "tcpdump") > 0)
    return out


def profile(args):
    """bench/insn-profile's guest half: for each scenario and mode, a
    warm-up and one run whose blocks the plugin writes at its end mark;
    DIR/windows.json says which mark ends which run, and
    DIR/kallsyms.SCENARIO.MODE and modules.SCENARIO.MODE the kernel's
    symbols and modules as the run started, to put the blocks against."""
    global ON_CAPTURE
    if not INSNS:
        sys.exit("bench/guest.py: --profile needs --insns")

    def symbols(name, mode):
        for what in ("kallsyms", "modules"):
            with open(f"/proc/{what}") as f, \
                 open(os.path.join(args.profile, f"{what}.{name}.{mode}"), "w") as out:
                out.write(f.read())

    ON_CAPTURE = symbols
    dummy, veth = setup_dummy(), setup_veth()
    windows = []
    for name in args.scenarios:
        sc = SCENARIOS[name]
        if sc["load"] == "pktgen":
            dev, load = dummy, Pktgen(dummy, sc["threads"], sc["size"], args.count,
                                      args.delay)
        else:
            dev, load = veth, UdpLoad(sc["size"], args.count)
        for mode in modes(sc):
            one_run(name, sc, mode, load, dev, 0)
            run = one_run(name, sc, mode, load, dev, 1)
            windows.append(dict(scenario=name, mode=mode, mark=INSNS.marks, sent=run["sent"],
                                pps=run["pps"], wakeups_per_s=run.get("wakeups_per_s")))
    with open(os.path.join(args.profile, "windows.json"), "w") as f:
        json.dump(windows, f, indent=1)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, metavar="FILE")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--count", type=int, default=300000, help="packets per run and thread")
    ap.add_argument("--scenarios", default="ABCDEK")
    ap.add_argument("--delay", type=int, default=0, metavar="NS",
                    help="pktgen's delay between frames, for a load at a fixed rate "
                    "(make bench's is 0: as fast as the VM goes)")
    ap.add_argument("--accel", default="tcg", help="how the VM runs, for the record")
    ap.add_argument("--insns", metavar="FILE",
                    help="count instructions: the VM runs bench/insn_count.c, writing to FILE")
    ap.add_argument("--profile", metavar="DIR",
                    help="with --insns and the plugin's blocks=: one counted run of each "
                    "mode, its marks and the kernel's symbols in DIR (bench/insn-profile)")
    args = ap.parse_args()
    global INSNS
    if args.insns:
        INSNS = InsnCounts(args.insns)
    if args.profile:
        return profile(args)

    results = dict(format=2, kernel=os.uname().release, cpus=os.cpu_count(), accel=args.accel,
                   insns=bool(args.insns),
                   rounds=args.rounds,
                   count=args.count, delay_ns=args.delay,
                   snaplen=SNAPLEN, kcap_ring_kib_per_cpu=KCAP_RING_KIB,
                   tcpdump_buffer_kib=KCAP_RING_KIB * os.cpu_count(),
                   clocksource=open("/sys/devices/system/clocksource/clocksource0/"
                                    "current_clocksource").read().strip(),
                   runs=[], scenarios=[])
    dummy = setup_dummy()
    veth = setup_veth()
    if "A" in args.scenarios and not args.insns:
        print("floor: a clock read, the writer alone, write(2) alone", flush=True)
        floor_round(0)  # (not counted: translating the programs' code)
        results["floor"] = floor_summary([floor_round(r) for r in range(1, args.rounds + 1)])
    for name in args.scenarios:
        sc = SCENARIOS[name]
        print(f"scenario {name}: {sc['title']}", flush=True)
        if sc["load"] == "pktgen":
            dev, load = dummy, Pktgen(dummy, sc["threads"], sc["size"],
                                      args.count * sc.get("count_factor", 1), args.delay)
        else:
            dev, load = veth, UdpLoad(sc["size"], args.count)
        # A warm-up of every mode, not counted: under TCG a program's
        # first runs also pay for translating its code (librdkafka's
        # most: R's first rounds came out a third slower).
        for mode in modes(sc):
            one_run(name, sc, mode, load, dev, 0)
        runs = []
        # (Instruction counts need no more rounds: they are exact.)
        factor = 1 if args.insns else sc.get("rounds_factor", 1)
        for rnd in range(1, args.rounds * factor + 1):
            runs += one_round(name, sc, load, dev, rnd, bracket=not args.insns)
        results["runs"] += runs
        results["scenarios"].append(summarise(name, sc, runs))
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

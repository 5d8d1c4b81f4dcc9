#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/writer-bench.sh [--json FILE] [--packets N] [--runs N]
# bench/writer-bench.sh --smoke [--packets N]
#
# libkcap's userland half without the kernel: build/user/bench/writer-bench
# (bench/writer_bench.c, built by `make -C user`, which this script runs
# first; or $KCAP_WRITER_BENCH) drains synthetic rings in plain memory into the pcap and the
# pcapng writers, as kcap capture of one device does: a pcap file from
# rings of pcap records (--ring-format pcap: runs of records to writev(2)
# as they are), a pcapng file from rings of pcapng blocks (--ring-format
# pcapng, the same).
#
# Default mode, for each format:
#   - pps: the program run natively --runs times (default 5) with --packets
#     packets (default 10000000) of 64 bytes to a file in /dev/shm; the
#     best run counts (others only add noise).  Timed are the consumer and
#     the writer, write(2)s included, not the producer.
#   - instructions per packet: the program under valgrind --tool=callgrind,
#     collecting inside bench_drain() only (the ring walk and the writer),
#     for N1=200000 and N2=400000 packets: (Ir(N2) - Ir(N1)) / (N2 - N1),
#     which leaves out what does not grow with N.  User-space instructions
#     only: write(2)'s time in the kernel is not in them.  The callgrind
#     files are kept next to the JSON for callgrind_annotate.
# It prints a table and writes JSON (default build/bench/writer.json):
#   - write(2) alone: the same bytes written again by write(2) alone, in
#     writes of the writer's buffer size, in each run; the best run's
#     packets per second: the most any writer could do on this machine.
#   - the same runs, each beside its /dev/shm run, to a tmpfs of huge
#     pages the script mounts for them (mount -t tmpfs -o huge=always;
#     root only, else not run and the JSON says why): in the slower
#     hours of these machines /dev/shm's page cache of 4 KiB pages takes
#     write(2)s more slowly than the target asks of the writer (write(2)
#     alone ~2 GB/s), and then /dev/shm times the page cache; a file of
#     2 MiB pages lets the writer's own speed show.  That the file was held in huge pages is checked: the
#     ShmemHugePages its removal gave back (/proc/meminfo) must cover
#     nine tenths of its bytes, or the run does not count.
#   {"pcap": {"pps": ..., "instructions_per_packet": ...,
#     "write_only_pps": ..., "huge_kb": ..., ...,
#     "huge_tmpfs": {"pps": ..., "write_only_pps": ..., "huge_kb": ...,
#                    "runs_held": ...}},
#    "pcapng": {...}, "huge_tmpfs": {"mounted": true|false, "why": ...},
#    "target_pps": 40000000, "target_met": true|false}
#   (huge_kb: the fewest of any run's; the target: 40 M packets/s, at
#   most 120 instructions a packet, each format, on huge pages where
#   they held the file, else in /dev/shm.)
# Then the Kafka producer (--kafka: kcap_kafka_produce(), as kcap capture
# --kafka) on the same synthetic rings, against librdkafka's mock cluster
# (build/user/tests/kafka-mock, a process of its own on 127.0.0.1), once,
# with 1000000 packets (or --packets): "kafka": {"pps": delivered per
# second, drain and flush timed; "produce_pps": frames handed over per
# second of the drain alone, ...}: the producer's own ceiling, for the
# record.  Whether Kafka keeps up with -w is judged on a live capture, by
# make bench's scenario R.
# The target is reported, not enforced: the exit status is 0 unless a run
# failed.
#
# --smoke: a test (a few seconds, no valgrind) that the files are valid and
# complete: each format written with --packets (default 100000) packets
# (each from rings of struct kcap_rec records and from rings of its own
# records),
# once with the defaults and once with frames of 333 bytes in 3 small
# rings (many refills, padding records at every wrap); the packet count
# as tcpdump (pcap) or tshark (pcapng) reads it, and a parse of every
# record here: timestamps strictly increasing 1 us apart, each frame's
# bytes those of the template with its number, pcapng's interface and
# direction flags.  Also that a bad option exits 2 and a full disk
# (/dev/full) exits 1.  Exit status 0 when all of that held, 1 otherwise,
# with a line saying what did not.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
prog=$top/build/user/bench/writer-bench
json=$top/build/bench/writer.json
smoke=false
packets=
runs=5
n1=200000
n2=400000

usage() {
	echo "usage: bench/writer-bench.sh [--smoke] [--json FILE] [--packets N] [--runs N]" >&2
	exit 2
}

die() {
	echo "writer-bench.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=true ;;
	--json) [ $# -ge 2 ] || usage; json=$2; shift ;;
	--packets) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; packets=$2; shift ;;
	--runs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; runs=$2; shift ;;
	*) usage ;;
	esac
	shift
done

# Built as `make -C user` builds it, the same spelling of its paths; or
# $KCAP_WRITER_BENCH, built already.
if [ -n "${KCAP_WRITER_BENCH:-}" ]; then
	prog=$KCAP_WRITER_BENCH
else
	make -s -C "$top/user" O=../build/user ../build/user/bench/writer-bench >&2 ||
		die "building $prog failed"
fi
[ -x "$prog" ] || die "no program $prog"

# Captures go to memory when there is a /dev/shm, to time the writer, not
# a disk.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
work=$(mktemp -d "$shm/kcap-writer-bench.XXXXXX")
huge=
trap 'cleanup' EXIT

# On the way out, however it goes: the tmpfs unmounted (lazily if a
# writer killed with the script still holds its file open), then the
# work directory removed, not crossing into a tmpfs left mounted.
cleanup() {
	local rc=$?

	if [ -n "$huge" ]; then
		umount "$huge" 2>/dev/null || umount -l "$huge" ||
			echo "writer-bench.sh: cannot unmount $huge: umount it by hand" >&2
	fi
	rm -rf --one-file-system "$work" || true
	return $rc
}

# field LINE KEY: the value of KEY=value in the program's output line.
field() {
	local kv

	for kv in $1; do
		if [ "${kv%%=*}" = "$2" ]; then
			echo "${kv#*=}"
			return 0
		fi
	done
	return 1
}

# ringfmt FORMAT: the rings kcap capture of one device reads for a file
# of FORMAT: its own records.
ringfmt() {
	echo "--ring-format $1"
}

# bench ARGS...: run the program; its output line on stdout, or die.
bench() {
	local out

	out=$("$prog" "$@") || die "writer-bench $* failed (exit $?)"
	echo "$out"
}

# verify FILE FORMAT N SIZE: parse every record of FILE; a line saying
# what is wrong, and exit 1, unless it holds exactly what the program made.
verify() {
	python3 - "$@" <<'EOF'
import struct
import sys

path, fmt, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
TS0 = 1700000000 * 10**9
STEP = 1000


def fail(msg):
    print(f"{path}: {msg}")
    sys.exit(1)


def csum(b):
    s = sum(b[i] << 8 | b[i + 1] for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


# The frame writer_bench.c builds, from its description, with number k.
hdr = bytearray(bytes.fromhex("020000000002" "020000000001" "0800"))
ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, size - 14, 0, 0x4000,
                           64, 17, 0, bytes([192, 0, 2, 1]),
                           bytes([192, 0, 2, 2])))
ip[10:12] = struct.pack(">H", csum(ip))
udp = struct.pack(">HHHH", 40000, 9, size - 34, 0)
tmpl = hdr + ip + udp + bytes(8) + bytes(i & 0xff for i in range(50, size))
assert len(tmpl) == size


def frame(k):
    return bytes(tmpl[:42]) + struct.pack(">Q", k) + bytes(tmpl[50:])


def check(k, ts_ns, caplen, wirelen, data):
    if k >= n:
        fail(f"more than {n} packets")
    if caplen != size or wirelen != size:
        fail(f"packet {k}: caplen {caplen} len {wirelen}, not {size}")
    if ts_ns != TS0 + k * STEP:
        fail(f"packet {k}: timestamp {ts_ns}, not {TS0 + k * STEP}")
    if data != frame(k):
        got = struct.unpack_from(">Q", data, 42)[0] if len(data) >= 50 else None
        fail(f"packet {k}: bytes differ (number in it: {got})")


with open(path, "rb") as f:
    buf = f.read()
k = 0
if fmt == "pcap":
    magic, vmaj, vmin, _, _, snap, lt = struct.unpack_from("<IHHiIII", buf, 0)
    if magic != 0xa1b2c3d4 or (vmaj, vmin) != (2, 4) or lt != 1:
        fail(f"bad pcap header {magic:#x} {vmaj}.{vmin} linktype {lt}")
    off = 24
    while off < len(buf):
        if off + 16 > len(buf):
            fail(f"truncated record header at {off}")
        sec, usec, caplen, wirelen = struct.unpack_from("<IIII", buf, off)
        data = buf[off + 16:off + 16 + caplen]
        if len(data) != caplen:
            fail(f"truncated record at {off}")
        check(k, (sec * 10**6 + usec) * 1000, caplen, wirelen, data)
        off += 16 + caplen
        k += 1
else:
    off = 0
    blocks = []
    while off < len(buf):
        if off + 12 > len(buf):
            fail(f"truncated block at {off}")
        btype, blen = struct.unpack_from("<II", buf, off)
        if blen < 12 or blen % 4 or off + blen > len(buf) or \
           struct.unpack_from("<I", buf, off + blen - 4)[0] != blen:
            fail(f"bad block length {blen} at {off}")
        body = buf[off + 8:off + blen - 4]
        blocks.append(btype)
        if btype == 6:
            ifid, hi, lo, caplen, wirelen = struct.unpack_from("<IIIII", body)
            if ifid != 0:
                fail(f"packet {k}: interface {ifid}")
            data = body[20:20 + caplen]
            opts = body[20 + (caplen + 3) // 4 * 4:]
            want = 2 if k & 1 else 1    # outbound, inbound
            if opts[:8] != struct.pack("<HHI", 2, 4, want):
                fail(f"packet {k}: epb_flags {opts[:8].hex()}, not {want}")
            check(k, hi << 32 | lo, caplen, wirelen, data)
            k += 1
        elif btype == 1:
            if struct.unpack_from("<H", body)[0] != 1 or b"bench0" not in body:
                fail("interface not Ethernet 'bench0'")
        off += blen
    if blocks[:2] != [0x0a0d0d0a, 1] or blocks[-1] != 5:
        fail(f"blocks {blocks[:2]}...{blocks[-1:]}: not SHB, IDB ... ISB")
if k != n:
    fail(f"{k} packets, not {n}")
EOF
}

# count FILE FORMAT: the packets as tcpdump or tshark reads them, or die.
count() {
	local list=$work/list err=$work/list.err

	if [ "$2" = pcap ]; then
		tcpdump -nn -r "$1" >"$list" 2>"$err" ||
			die "tcpdump cannot read $1: $(tail -n 1 "$err")"
	else
		tshark -r "$1" -T fields -e frame.number >"$list" 2>"$err" ||
			die "tshark cannot read $1: $(tail -n 1 "$err")"
	fi
	wc -l <"$list"
	rm -f "$list" "$err"
}

run_smoke() {
	local n=${packets:-100000} kind fmt args size file out got rc

	for tool in python3 tcpdump tshark; do
		command -v $tool >/dev/null || die "smoke: $tool is needed"
	done
	# "pcap-ring": a pcap file from rings of pcap records, and so on;
	# without "-ring", from rings of struct kcap_rec records.
	for kind in pcap pcapng pcap-ring pcapng-ring; do
		fmt=${kind%-ring}
		for args in "--size 64" "--size 333 --rings 3 --ring-size 8192"; do
			[ "$kind" != "$fmt" ] && args="$args --ring-format $fmt"
			# shellcheck disable=SC2086
			set -- $args
			size=$2
			file=$work/smoke.$fmt
			out=$(bench --format $fmt --packets "$n" --out "$file" "$@")
			[ "$(field "$out" packets)" = "$n" ] ||
				die "smoke: $fmt $args: output '$out' does not say packets=$n"
			got=$(count "$file" $fmt)
			[ "$got" = "$n" ] ||
				die "smoke: $fmt $args: $got packets read back, not $n"
			verify "$file" $fmt "$n" "$size" >&2 ||
				die "smoke: $fmt $args: the file is not what was written"
			echo "ok $fmt $args: $n packets, $(field "$out" pps) pps"
			rm -f "$file"
		done
	done

	rc=0
	"$prog" --size 10 >/dev/null 2>&1 || rc=$?
	[ $rc = 2 ] || die "smoke: a bad option exits $rc, not 2"
	rc=0
	out=$("$prog" --out /dev/full --packets 100000 2>&1) || rc=$?
	if [ $rc != 1 ] || [[ $out != writer-bench:* ]]; then
		die "smoke: writing to /dev/full exits $rc ('$out'), not 1 with an error"
	fi
	echo "ok bad option: exit 2; full disk: $out"
	echo "writer-bench smoke test passed"
}

# irefs FORMAT N: the instructions callgrind counted in bench_drain().
irefs() {
	local cg=$outdir/callgrind.writer-$1.$2.out

	valgrind --tool=callgrind --callgrind-out-file="$cg" \
		--collect-atstart=no --toggle-collect='bench_drain*' \
		"$prog" --format "$1" $(ringfmt "$1") --packets "$2" \
		--out "$work/cg.$1" \
		>/dev/null 2>"$work/valgrind.log" ||
		{ cat "$work/valgrind.log" >&2; die "valgrind $1 $2 failed"; }
	rm -f "$work/cg.$1"
	sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$cg" | grep . ||
		die "no totals line in $cg"
}

# shmem_huge_kb: ShmemHugePages in /proc/meminfo, kB.
shmem_huge_kb() {
	awk '$1 == "ShmemHugePages:" { print $2; f = 1 } END { if (!f) print 0 }' /proc/meminfo
}

# mount_huge: a tmpfs of huge pages at $work/huge, in $huge; or $huge
# empty and $huge_why saying why not.
mount_huge() {
	local dir=$work/huge err

	huge_why=
	if [ "$(id -u)" != 0 ]; then
		huge_why="mounting a tmpfs needs root"
		return
	fi
	mkdir "$dir"
	if ! err=$(mount -t tmpfs -o huge=always,size=8g,mode=0700 kcap-writer-bench "$dir" 2>&1); then
		huge_why="mount -t tmpfs -o huge=always failed: $err"
		return
	fi
	huge=$dir
}

# one DIR FORMAT N: one timed run to a file in DIR, its output line with
# huge_kb=<ShmemHugePages the file's removal gave back> appended.
one() {
	local out before

	# shellcheck disable=SC2046
	out=$(bench --format "$2" $(ringfmt "$2") --packets "$3" --out "$1/native.$2") ||
		exit 1
	before=$(shmem_huge_kb)
	rm -f "$1/native.$2"
	echo "$out huge_kb=$((before - $(shmem_huge_kb)))"
}

run_bench() {
	local n=${packets:-10000000} fmt i out ir1 ir2 ipp where dir
	local -A res_ipp

	outdir=$(dirname "$json")
	mkdir -p "$outdir"
	mount_huge
	[ -n "$huge" ] || echo "# no tmpfs of huge pages: $huge_why" >&2
	: >"$work/runs"
	for fmt in pcap pcapng; do
		# Each run warms the memory its writes take first
		# (writer_bench.c's bench_warm()): no run is left uncounted.
		# The two file systems' runs alternate, so that both see the
		# same hours of this machine.
		for ((i = 0; i < runs; i++)); do
			for where in shm huge; do
				dir=$work
				if [ $where = huge ]; then
					[ -n "$huge" ] || continue
					dir=$huge
				fi
				out=$(one "$dir" $fmt "$n")
				echo "# $where: $out" >&2
				# One line a run: where format pps seconds
				# write_pps huge_kb file_bytes.
				echo "$where $fmt $(field "$out" pps) $(field "$out" seconds)" \
					"$(field "$out" write_pps) $(field "$out" huge_kb)" \
					"$(field "$out" file_bytes)" >>"$work/runs"
			done
		done

		if command -v valgrind >/dev/null; then
			ir1=$(irefs $fmt $n1)
			ir2=$(irefs $fmt $n2)
			ipp=$(awk -v a="$ir1" -v b="$ir2" -v n1=$n1 -v n2=$n2 \
				'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
		else
			echo "# valgrind not found: no instruction counts" >&2
			ipp=null
		fi
		res_ipp[$fmt]=$ipp
	done

	# Kafka: the producer against the mock cluster.
	local kn=${packets:-1000000} mock=$top/build/user/tests/kafka-mock kout mpid
	[ -x "$mock" ] || die "no $mock: make -C user"
	"$mock" -p 1 bench >"$work/mock" &
	mpid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q . "$work/mock" && break
		sleep 0.1
	done
	kout=$("$prog" --kafka "$(head -n 1 "$work/mock")" --topic bench --packets "$kn") ||
		{ kill $mpid; die "writer-bench --kafka failed"; }
	kill $mpid
	wait $mpid 2>/dev/null || true
	echo "# $kout" >&2

	# The table on stdout, the JSON to $json.
	# The rules (a run's file held in huge pages, the target) are
	# bench/report.py's, which judges the results.
	python3 - "$json" "$n" "$runs" "${res_ipp[pcap]}" "${res_ipp[pcapng]}" \
		"$work/runs" "$kout" "$kn" "${huge_why:-}" "$top/bench" <<'EOF' || die "writing $json failed"
import json
import sys

(path, n, runs, ipp_pcap, ipp_pcapng, runs_file, kout, kn,
 huge_why, bench) = sys.argv[1:11]
sys.path.insert(0, bench)
from report import WRITER_TARGET_IPP, WRITER_TARGET_PPS, file_held, writer_target  # noqa: E402

ipp = {"pcap": ipp_pcap, "pcapng": ipp_pcapng}
res = {"packets": int(n), "size": 64, "runs": int(runs),
       "timed": "drain+close"}
by = {}
with open(runs_file) as f:
    for line in f:
        where, fmt, pps, sec, wpps, hkb, nbytes = line.split()
        by.setdefault((where, fmt), []).append(
            {"pps": int(pps), "seconds": float(sec), "write_only_pps": int(wpps),
             "huge_kb": int(hkb), "file_bytes": int(nbytes)})


def summary(rs, count):
    """The best of runs RS that COUNT (the others only add noise)."""
    best = max((r for r in rs if count(r)), key=lambda r: r["pps"], default=None)
    return {"pps": best["pps"] if best else 0,
            "seconds": best["seconds"] if best else None,
            "pps_runs": [r["pps"] for r in rs],
            "write_only_pps": max(r["write_only_pps"] for r in rs),
            "huge_kb": min(r["huge_kb"] for r in rs),
            "file_bytes": rs[0]["file_bytes"]}


for fmt in ("pcap", "pcapng"):
    res[fmt] = summary(by[("shm", fmt)], lambda r: True)
    res[fmt]["instructions_per_packet"] = None if ipp[fmt] == "null" else float(ipp[fmt])
    h = by.get(("huge", fmt))
    if h:
        # Only runs whose file was held in huge pages count.
        res[fmt]["huge_tmpfs"] = summary(h, file_held)
        res[fmt]["huge_tmpfs"]["runs_held"] = sum(map(file_held, h))
res["huge_tmpfs"] = ({"mounted": True, "mount": "tmpfs -o huge=always"}
                     if ("huge", "pcap") in by else {"mounted": False, "why": huge_why})
kv = dict(x.split("=", 1) for x in kout.split())
res["kafka"] = {k: (float(v) if k == "seconds" else int(v))
                for k, v in kv.items()
                if k in ("packets", "seconds", "pps", "produce_pps", "produced",
                         "delivered", "failed", "dropped")}
res["kafka"]["against"] = "librdkafka mock cluster (tests/tools/kafka-mock), 1 partition, 127.0.0.1"
# The target: on huge pages where they held the files, else /dev/shm.
res["target_pps"] = WRITER_TARGET_PPS
res["target_met"] = all(writer_target(res, f)[1] for f in ("pcap", "pcapng"))

print(f"{'format':8} {'file in':10} {'pps':>12} {'instructions/packet':>20} "
      f"{'write(2) alone':>15}  runs")
for fmt in ("pcap", "pcapng"):
    for where, r in (("/dev/shm", res[fmt]), ("huge tmpfs", res[fmt].get("huge_tmpfs"))):
        if r:
            print(f"{fmt:8} {where:10} {r['pps']:12} {ipp[fmt]:>20} {r['write_only_pps']:15}  "
                  + (f"{r['runs_held']} of {len(r['pps_runs'])} held in huge pages"
                     if "runs_held" in r else f"{len(r['pps_runs'])}"))
print(f"({n} packets of 64 bytes, the best run's rate; target {WRITER_TARGET_PPS} pps and at "
      f"most {WRITER_TARGET_IPP} instructions a packet, on huge pages where they held the file: "
      + ("met)" if res["target_met"] else "missed)"))
if not res["huge_tmpfs"]["mounted"]:
    print(f"(no tmpfs of huge pages: {huge_why})")
print(f"{'kafka':8} {res['kafka']['pps']:23} (produce calls: {res['kafka']['produce_pps']}/s)")
print(f"({kn} packets of 64 bytes to librdkafka's mock cluster, delivered per second)")
with open(path, "w") as f:
    json.dump(res, f, indent=2)
    f.write("\n")
EOF
	echo "wrote $json; callgrind_annotate $outdir/callgrind.writer-FORMAT.$n2.out for where the instructions go"
}

if $smoke; then
	run_smoke
else
	run_bench
fi

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How sessions end.  A device deleted under a capture detaches its sessions
# (state detached, counters kept, the reader told and exiting non-zero); a
# capture killed with SIGKILL leaves no session; a namespace deleted with
# sessions in it takes them along; the module refuses to unload while a
# ring is mapped, then unloads under traffic with sessions attached, and
# loads again.  A session leaked anywhere trips a WARN at unload, which the
# log check catches.  A reader scribbling its control page gets no wakeup.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 15

setup_veth_ns ns
setup_ns gone
veth_pair "$ns" vc vd
dmesg_mark
json_field() {	# json_field SESSION FIELD: a field of 'kcap show SESSION --json'
	in_ns kcap show "$1" --json | python3 -c \
		'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d["'"$2"'"])'
}

# A reader that writes the head in its control page is not woken for it:
# the kernel tells pending records by its own copy (issue 10, finding 7).
in_ns kcap add hostile dev vc direction in
res=$(in_ns python3 - "$(json_field hostile id)" <<'PY'
import fcntl, mmap, os, select, struct, sys, time
fd = os.open('/dev/kcap', os.O_RDWR)
arg = bytearray(struct.pack('II', int(sys.argv[1]), 0) + bytes(56))
fcntl.ioctl(fd, 0xc040bc01, arg)	# KCAP_IOC_BIND
size = struct.unpack_from('Q', arg, 24)[0]	# mmap_size
m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
tail = struct.unpack_from('I', m, 64)[0]	# struct kcap_ring_ctrl: tail at 64
struct.pack_into('I', m, 0, tail + 64)	# ring 0's head: 64 bytes that are not there
p = select.poll()
p.register(fd, select.POLLIN)
t = time.monotonic()
ev = p.poll(1000)
print('woken' if ev else 'slept', f'{time.monotonic() - t:.2f}')
PY
)
ktap_check_match "a reader scribbles its ring's head: poll() still sleeps its 1 s ($res)" '^slept (0\.9|1\.)' "$res"
in_ns kcap del hostile

# Device deletion.
in_ns kcap add keep dev vc
capture_bg -n "$ns" "$tmp/vc.err" capture -i vc -w "$tmp/vc.pcap"
cpid=$!
udp_flood --iface vd --count 20
sleep 0.5
ip -n "$ns" link del vc
wait $cpid
rc=$?
ktap_check "a capture whose device is deleted exits non-zero (exit $rc)" test "$rc" != 0
ktap_print_msg "its last words: $(tail -n 4 "$tmp/vc.err" | tr '\n' '|')"
ktap_check "its file holds the frames seen before" \
	test "$(tcpdump -r "$tmp/vc.pcap" 2>/dev/null | wc -l)" = 20
ktap_check_match "the persistent session is detached" '^detached$' \
	"$(json_field keep state)"
ktap_check_match "and keeps its counters" '^20$' \
	"$(in_ns kcap show keep stats | sed -n 's/.*passed \([0-9]*\).*/\1/p')"
ktap_check "a detached session can be deleted" in_ns kcap del keep

# SIGKILL of the owner.
capture_bg -n "$ns" "$tmp/kill.err" capture -i va -w /dev/null
cpid=$!
ktap_check "an owned session exists while its capture runs" \
	test -n "$(in_ns kcap show)"
kill -KILL $cpid
wait $cpid 2>/dev/null
for ((i = 0; i < 50; i++)); do
	[ -z "$(in_ns kcap show)" ] && break
	sleep 0.1
done
ktap_check "SIGKILL of the capture leaves no session" test -z "$(in_ns kcap show)"

# Namespace deletion with a persistent session and traffic in it.
ip -n "$gone" link add ga type veth peer name gb
ip -n "$gone" link set ga up
ip -n "$gone" link set gb up
ktap_check "a persistent session in a second namespace" \
	ip netns exec "$gone" kcap add doomed dev ga
ip netns del "$gone"
sleep 2		# namespaces are torn down from a work queue

# Module unload: refused while a ring is mapped, clean under traffic.
in_ns kcap add stay dev va
capture_bg -n "$ns" "$tmp/map.err" capture -i va -w /dev/null
cpid=$!
(
	while :; do
		udp_flood --iface vb --count 500
	done
) &
tpid=$!
defer kill_bg "$tpid"
sleep 1
ktap_check "rmmod is refused while a ring is mapped" sh -c '! rmmod kcap 2>/dev/null'
kill -INT $cpid
wait $cpid
ktap_check "the capture exits 0 on SIGINT" test $? = 0
for ((i = 0; i < 50; i++)); do
	rmmod kcap 2>/dev/null && break
	sleep 0.1
done
ktap_check "rmmod succeeds under traffic with a session attached" sh -c '! grep -q "^kcap " /proc/modules'
kill $tpid
wait $tpid 2>/dev/null
ktap_check "the module loads again" insmod "$ko"
ktap_check "with no session" test -z "$(in_ns kcap show)"
ktap_check "kernel log clean (no leaked session at unload)" \
	test -z "$(dmesg_splats_since_mark)"
ktap_finished

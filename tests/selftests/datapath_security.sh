#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may do what.  The device node is root's alone; an unprivileged user
# gets EPERM from every command; mapping a ring needs CAP_NET_RAW; a
# namespace sees and reaches only its own sessions (by name, by dump, by
# ring id); the root of a user namespace controls its own network
# namespace's sessions and not the initial one's.  A capture's session is
# its socket's: another process, root too, may show it but neither change
# nor delete it, and is told the pid of the capture it belongs to.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 setpriv unshare tcpdump
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 18

setup_veth_ns ns_a
setup_ns ns_b
dmesg_mark
a() { ip netns exec "$ns_a" "$@"; }
b() { ip netns exec "$ns_b" "$@"; }
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

ktap_check_match "/dev/kcap is root's, mode 600" '^600 0 0$' \
	"$(stat -c '%a %u %g' /dev/kcap)"
ktap_check "an unprivileged user cannot open it" \
	"${nobody[@]}" python3 -c 'import sys
try: open("/dev/kcap", "rb")
except PermissionError: sys.exit(0)
sys.exit(1)'

ktap_check "a session in namespace a" a kcap add secret dev va
id=$(a kcap show secret --json | python3 -c \
	'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d["id"])')

err=$(a "${nobody[@]}" kcap show 2>&1)
rc=$?
ktap_check_match "an unprivileged user gets EPERM, said plainly (exit $rc)" \
	'^kcap: .*(permission|not permitted)' "$err"
err=$(a "${nobody[@]}" kcap del secret 2>&1)
ktap_check "nor can it delete a session" test $? != 0

ktap_check "namespace b does not see it" test -z "$(b kcap show)"
ktap_check "nor delete it by name" sh -c '! ip netns exec "$1" kcap del secret 2>/dev/null' sh "$ns_b"
ktap_check_match "nor bind its rings by id ($id)" '^ENOENT$' "$(b python3 - "$id" <<'PY'
import errno, fcntl, os, struct, sys
fd = os.open('/dev/kcap', os.O_RDWR)
arg = bytearray(struct.pack('II', int(sys.argv[1]), 0) + bytes(56))
try:
    fcntl.ioctl(fd, 0xc040bc01, arg)	# KCAP_IOC_BIND
    print('bound')
except OSError as e:
    print(errno.errorcode[e.errno])
PY
)"

err=$(a setpriv --bounding-set=-net_raw kcap dump secret -w /dev/null -c 1 2>&1)
ktap_check_match "mapping a ring needs CAP_NET_RAW (exit $?)" \
	'^kcap: .*(permission|not permitted)' "$err"

ktap_check "the root of a user namespace cannot list the initial namespace's sessions" \
	sh -c '! unshare -U -r kcap show >/dev/null 2>&1'
ktap_check "but can add a session in its own network namespace" \
	unshare -U -r -n sh -c 'ip link add d0 type dummy && kcap add mine dev d0 && kcap show mine >/dev/null'

a kcap del secret

# A capture's session: show gives its owner's pid; set and del from another
# process fail, naming it, and change nothing.
capture_bg -n "$ns_a" "$tmp/own.err" capture -i va -Q in -a duration:120 -w "$tmp/own.pcap"
cpid=$!
s=kcap-$cpid
ktap_check_match "show $s: owner pid $cpid" "rings [0-9]+ owner pid $cpid\$" \
	"$(a kcap show "$s" | sed -n 2p)"
ktap_check_match "show --json: owner_pid $cpid, and owner is still the port id" \
	"^$cpid [0-9]+\$" "$(a kcap show "$s" --json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["owner_pid"], d["owner"])')"
want="session '$s' belongs to the capture of pid $cpid"
err=$(a kcap set "$s" filter icmp 2>&1)
rc=$?
ktap_check_match "set $s from another process: exit 1, '$want' (exit $rc: $err)" \
	"^1 kcap: .*: $want\$" "$rc $err"
err=$(a kcap del "$s" 2>&1)
rc=$?
ktap_check_match "del $s from another process: exit 1, '$want' (exit $rc: $err)" \
	"^1 kcap: .*: $want\$" "$rc $err"
a "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb --count 3 --size 100 >/dev/null
sleep 1
alive=$(kill -0 $cpid 2>/dev/null && echo running)
kill -INT $cpid
wait $cpid
rc=$?
got=$(pcap_frames "$tmp/own.pcap" udp)
ktap_check "the capture went on, its filter unchanged: 3 UDP frames after both ($alive, exit $rc, $got frames)" \
	test "$alive" = running -a "$rc" = 0 -a "$got" = 3
ktap_check "and its session went with it" test -z "$(a kcap show)"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished

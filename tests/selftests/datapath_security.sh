#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may do what: AF_PACKET's model.  Each case runs as uid 65534 with
# exactly the capabilities it names (ambient, through setpriv).  A capture
# needs CAP_NET_RAW, and CAP_NET_ADMIN only for promiscuous mode; a
# persistent session needs CAP_NET_ADMIN; sessions and counters are
# readable by all in the namespace; /dev/kcap is 0666 and binding a
# session's rings needs CAP_NET_RAW, the opener's.  A namespace sees and
# reaches only its own sessions (by name, by dump, by ring id); the root
# of a user namespace controls its own network namespace's sessions and
# not the initial one's.  A capture's session is its socket's: another
# process, root too, may show it but neither change nor delete it, and is
# told the pid of the capture it belongs to.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 setpriv unshare tcpdump
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 35

setup_veth_ns ns_a
setup_ns ns_b
dmesg_mark
a() { ip netns exec "$ns_a" "$@"; }
b() { ip netns exec "$ns_b" "$@"; }
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
# a_as CAPS CMD...: CMD in namespace a as uid 65534 with exactly the
# capabilities CAPS (e.g. +net_raw,+net_admin), or none for "-".
a_as() {
	local caps=$1
	shift
	if [ "$caps" = - ]; then
		a "${nobody[@]}" "$@"
	else
		a "${nobody[@]}" --inh-caps="$caps" --ambient-caps="$caps" "$@"
	fi
}
raw=+net_raw
both=+net_raw,+net_admin

ktap_check_match "the process setpriv makes has exactly CAP_NET_RAW" \
	'^CapEff:[[:space:]]+0000000000002000$' \
	"$(a_as $raw grep CapEff /proc/self/status)"

ktap_check_match "/dev/kcap is open to all, mode 666, as /dev/net/tun" \
	'^666 0 0$' "$(stat -c '%a %u %g' /dev/kcap)"
ktap_check "an unprivileged user can open it" \
	"${nobody[@]}" python3 -c 'open("/dev/kcap", "rb").close()'

# bg_as ERRFILE OUTFILE CAPS KCAP-ARGS...: kcap KCAP-ARGS in namespace a as
# a_as CAPS, in the background, stdout to OUTFILE, until "listening on";
# its PID in $bg.
bg_as() {
	local err=$1 out=$2 caps=$3
	shift 3
	a_as "$caps" kcap "$@" >"$out" 2>"$err" &
	bg=$!
	defer kill_bg "$bg"
	wait_ready "$bg" "$err" '^kcap: listening on' 30 ||
		echo "# kcap $* as $caps: $(tail -n 2 "$err")"
}

# A capture with no capability: refused, naming CAP_NET_RAW.
err=$(a_as - kcap capture -i va -p -c 2 -w - 2>&1 >/dev/null)
rc=$?
ktap_check_match "no capability: capture -p refused, naming CAP_NET_RAW (exit $rc: $err)" \
	"^1 kcap: .*capturing needs CAP_NET_RAW\$" "$rc $err"

# CAP_NET_RAW alone: capture -p takes the frames; without -p, refused.
bg_as "$tmp/raw.err" "$tmp/raw.pcap" $raw capture -i va -p -Q in -c 2 -w -
a "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb --count 3 --size 100 >/dev/null
finish $bg 20
rc=$?
got=$(pcap_frames "$tmp/raw.pcap" udp)
ktap_check "CAP_NET_RAW: capture -p -c 2 takes 2 UDP frames (exit $rc, $got frames: $(tail -n 1 "$tmp/raw.err"))" \
	test "$rc" = 0 -a "$got" = 2
err=$(a_as $raw kcap capture -i va -c 2 -w - 2>&1 >/dev/null)
rc=$?
ktap_check_match "CAP_NET_RAW: capture without -p refused, naming CAP_NET_ADMIN (exit $rc: $err)" \
	"^1 kcap: .*promiscuous mode needs CAP_NET_ADMIN: capture with -p" "$rc $err"
ktap_check "and left the device's promiscuity alone" \
	test "$(a ip -d link show va | grep -o 'promiscuity [0-9]*')" = "promiscuity 0"

# CAP_NET_RAW and CAP_NET_ADMIN: capture in promiscuous mode.
bg_as "$tmp/both.err" "$tmp/both.pcap" $both capture -i va -Q in -c 2 -w -
promisc=$(a ip -d link show va | grep -o 'promiscuity [0-9]*')
a "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb --count 3 --size 100 >/dev/null
finish $bg 20
rc=$?
got=$(pcap_frames "$tmp/both.pcap" udp)
ktap_check "CAP_NET_RAW+CAP_NET_ADMIN: capture -c 2, promiscuous ($promisc), takes 2 UDP frames (exit $rc, $got frames: $(tail -n 1 "$tmp/both.err"))" \
	test "$rc" = 0 -a "$got" = 2 -a "$promisc" = "promiscuity 1"

# A persistent session needs CAP_NET_ADMIN.
err=$(a_as $raw kcap add mine dev va 2>&1)
rc=$?
ktap_check_match "CAP_NET_RAW: add refused, naming CAP_NET_ADMIN (exit $rc: $err)" \
	"^1 kcap: .*persistent sessions need CAP_NET_ADMIN\$" "$rc $err"

# Reading sessions and counters needs nothing; reading frames CAP_NET_RAW.
a kcap add mon dev va direction in filter udp
a "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb --count 3 --size 100 >/dev/null
out=$(a_as - kcap show 2>&1)
rc=$?
ktap_check_match "no capability: show lists the session (exit $rc: $out)" \
	'^0 mon: id [0-9]+ dev va ' "$rc $(echo "$out" | grep '^mon: ')"
# Its filter's expression is withheld, as sock_diag withholds socket
# filters from all but CAP_NET_ADMIN.
out="$(a_as - kcap show mon | sed -n 3p) $(a kcap show mon | sed -n 3p)"
ktap_check_match "but not its filter's expression, which root sees ($out)" \
	'^	filter hidden insns [1-9][0-9]* 	filter "udp" insns [1-9]' "$out"
err=$(a_as - kcap show mon filter 2>&1)
rc=$?
ktap_check_match "show mon filter says it is hidden (exit $rc: $err)" \
	"^1 kcap: the filter of session 'mon' is hidden: reading it needs CAP_NET_ADMIN\$" "$rc $err"
stats=$(a_as - kcap show mon stats --json 2>&1)
ktap_check_match "no capability: show mon stats --json gives the counters of 3 frames ($stats)" \
	'^3 3 3 0$' "$(echo "$stats" | python3 -c 'import json,sys
d=json.load(sys.stdin); print(d["seen"], d["passed"], d["delivered"], d["dropped"])' 2>&1)"
err=$(a_as $raw kcap del mon 2>&1)
rc=$?
ktap_check_match "CAP_NET_RAW: del of a persistent session refused, naming CAP_NET_ADMIN (exit $rc: $err)" \
	"^1 kcap: .*persistent session needs CAP_NET_ADMIN\$" "$rc $err"
err=$(a_as - kcap dump mon -c 3 -w - 2>&1 >/dev/null)
rc=$?
ktap_check_match "no capability: dump mon refused, naming CAP_NET_RAW (exit $rc: $err)" \
	"^1 kcap: .*reading the session's frames: needs CAP_NET_RAW\$" "$rc $err"
a_as $raw kcap dump mon -c 3 -w - >"$tmp/dump.pcap" 2>"$tmp/dump.err"
rc=$?
got=$(pcap_frames "$tmp/dump.pcap" udp)
ktap_check "CAP_NET_RAW: dump mon -c 3 reads the 3 UDP frames its rings hold (exit $rc, $got frames: $(tail -n 1 "$tmp/dump.err"))" \
	test "$rc" = 0 -a "$got" = 3
a kcap del mon

ktap_check "a session in namespace a" a kcap add secret dev va
id=$(a kcap show secret --json | python3 -c \
	'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d["id"])')

err=$(a "${nobody[@]}" kcap del secret 2>&1)
ktap_check "an unprivileged user cannot delete a persistent session" test $? != 0

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

# CAP_NET_RAW is the opener's, as a packet socket's is its creator's: a
# file uid 65534 opened and handed to root does not bind; one root opened
# binds after root gave up every privilege.
ktap_check_match "binding checks the opener's CAP_NET_RAW, not the binder's" \
	'^handed-to-root:EPERM opened-then-dropped:bound$' "$(a python3 - "$id" <<'PY'
import errno, fcntl, os, socket, struct, sys

def bind(fd):
    arg = bytearray(struct.pack('II', int(sys.argv[1]), 0) + bytes(56))
    try:
        fcntl.ioctl(fd, 0xc040bc01, arg)	# KCAP_IOC_BIND
        return 'bound'
    except OSError as e:
        return errno.errorcode[e.errno]

def nobody():
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)	# every capability goes

parent, child = socket.socketpair()
if os.fork() == 0:
    try:
        nobody()
        socket.send_fds(child, [b'fd'], [os.open('/dev/kcap', os.O_RDWR)])
    except OSError as e:
        child.send(b'open:' + errno.errorcode[e.errno].encode())
    os._exit(0)
msg, fds, _, _ = socket.recv_fds(parent, 64, 1)
os.wait()
r = bind(fds[0]) if fds else msg.decode()
for fd in fds:
    os.close(fd)
fd = os.open('/dev/kcap', os.O_RDWR)
nobody()
print('handed-to-root:%s opened-then-dropped:%s' % (r, bind(fd)))
PY
)"

# The answer to a bind is written before the file is bound: one the caller
# cannot take (EFAULT) leaves the file and the session free.
ktap_check_match "a bind whose answer cannot be written: EFAULT, and the file binds after" \
	'^EFAULT then bound$' "$(a python3 - "$id" <<'PY'
import ctypes, errno, fcntl, mmap, os, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
arg = struct.pack('II', int(sys.argv[1]), 0) + bytes(56)
# The request in a page the kernel may read and not write.
page = libc.mmap(None, 4096, mmap.PROT_READ | mmap.PROT_WRITE,
                 mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
ctypes.memmove(page, arg, len(arg))
libc.mprotect(ctypes.c_void_p(page), 4096, mmap.PROT_READ)
fd = os.open('/dev/kcap', os.O_RDWR)
r = libc.ioctl(fd, 0xc040bc01, page)	# KCAP_IOC_BIND
first = errno.errorcode[ctypes.get_errno()] if r < 0 else 'bound'
try:
    fcntl.ioctl(fd, 0xc040bc01, bytearray(arg))
    second = 'bound'
except OSError as e:
    second = errno.errorcode[e.errno]
print('%s then %s' % (first, second))
PY
)"

ktap_check "the root of a user namespace cannot add a session in the initial namespace" \
	sh -c '! unshare -U -r kcap add uns dev lo >/dev/null 2>&1'
ktap_check "nor capture there" \
	sh -c '! unshare -U -r kcap capture -i lo -p -c 1 -w /dev/null >/dev/null 2>&1'
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
# (a capture into a pcap file of one device reads rings of pcap records)
ktap_check_match "show $s: ring-format pcap" "ring-size [0-9]+ ring-format pcap rings " \
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

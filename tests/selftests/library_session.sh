#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One snaplen.  Sessions made through libkcap (user/examples/kcap-session)
# with a filter, one with the expression (libkcap compiles it for the
# device) and one with a program compiled by the caller and sent without
# its text: 'kcap set NAME snaplen N' takes effect on both, in either
# direction, because filters accept whole frames and the session's snaplen
# is the one place frames are cut.  Errors come back with libkcap's
# explanation, and nothing is left behind.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3
require_kcap_loaded
session=$(dirname "$(command -v kcap)")/examples/kcap-session
[ -x "$session" ] || ktap_exit_fail_msg "$session is not built: make -C user"

setup_tmpdir

ktap_print_header
ktap_plan 10

setup_veth_ns ns
dmesg_mark

# check_snaplen NAME SNAPLEN: set the snaplen, send 3 UDP frames of 300
# bytes to port 9 and 2 to port 7: the 3 the session keeps are cut to it.
check_snaplen() {
	local f=$tmp/$1-$2.pcap got=

	if in_ns kcap set "$1" snaplen "$2"; then
		udp_flood --iface vb --count 5 --dport 9,9,7,9,7 --size 300
		timeout 30 ip netns exec "$ns" kcap dump "$1" -c 3 -w "$f" 2>/dev/null &&
			got=$(python3 - "$f" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, out = 24, []
while off < len(d):
    _, _, caplen, length = struct.unpack_from('<IIII', d, off)
    out.append('%d/%d' % (caplen, length))
    off += 16 + caplen
print(' '.join(out))
PY
)
	fi
	ktap_check "kcap set $1 snaplen $2 takes effect: 3 frames cut to $2 (caplen/len: $got)" \
		test "$got" = "$2/300 $2/300 $2/300"
}

out=$(in_ns "$session" add-prog p1 va 96 "udp port 9" 2>&1)
ktap_check_match "a session with a caller's program and no text ($out)" \
	'^session p1 id [0-9]+ on va, snaplen 96, filter of [0-9]+ instructions$' "$out"
ktap_check_match "it has a filter but no text" '^""$' "$(in_ns kcap show p1 filter --json)"
check_snaplen p1 200
check_snaplen p1 50

out=$(in_ns "$session" add e1 va 96 "udp port 9" 2>&1)
ktap_check_match "a session with an expression libkcap compiles ($out)" \
	'^session e1 id [0-9]+ on va, snaplen 96' "$out"
ktap_check "its text is the expression" test "$(in_ns kcap show e1 filter)" = "udp port 9"
check_snaplen e1 280

out=$(in_ns "$session" add bad va 96 "udp port" 2>&1)
ktap_check_match "a bad expression: libpcap's message, nothing created ($out)" \
	'^kcap-session: add: can.t parse filter expression: syntax error' "$out"
ktap_check "p1 and e1 are deleted, no session left" \
	sh -c "ip netns exec $ns $session del p1 && ip netns exec $ns $session del e1 &&
		test -z \"\$(ip netns exec $ns kcap show)\""
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished

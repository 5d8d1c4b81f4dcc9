#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every rejection says why.  The kernel's answers to requests it refuses,
# as extended-ack messages with precise errnos, through the kcap tool where
# it passes the request on and through swap.py (raw netlink) where the tool
# would catch the mistake first: unknown device, a name taken, too many
# sessions, a ring too large or over the memory limit, snaplen out of
# range, filters the kernel will not run (with the reason), an rx_handler
# already taken, settings that cannot change.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 13

setup_ns ns
ip -n "$ns" link add d0 type dummy
ip -n "$ns" link set d0 up
dmesg_mark
k() { in_ns kcap "$@" 2>&1; }
swap() { in_ns "$KCAP_SELFTESTS/swap.py" --count 1 "$@" 2>&1; }
# bpf_refused NAME DESCRIPTION ERE "code jt jf k"...: a filter of these
# instructions (in tcpdump -ddd's format, in file NAME) is refused, with
# the reason ERE.
bpf_refused() {
	local f=$tmp/$1 desc=$2 re=$3

	shift 3
	{ echo $#; printf '%s\n' "$@"; } >"$f"
	ktap_check_match "$desc" "$re" "$(swap --name s1 "in::$f")"
}

ktap_check_match "unknown device" "^kcap: no such device 'nope0'" "$(k add s0 dev nope0)"
k add s1 dev d0 >/dev/null
ktap_check_match "a name taken (EEXIST)" 'a session with that name exists' "$(k add s1 dev d0)"

defer_scope_push
kcap_param max_sessions 2
k add s2 dev d0 >/dev/null
ktap_check_match "too many sessions (max_sessions=2)" \
	'too many sessions in this network namespace \(module parameter max_sessions\)' "$(k add s3 dev d0)"
defer_scope_pop

ktap_check_match "a ring larger than ring_size_max" \
	'ring size is larger than the module parameter ring_size_max' \
	"$(k add s4 dev d0 ring-size 1G)"
defer_scope_push
kcap_param mem_max 1
ktap_check_match "ring memory over mem_max" \
	'ring memory would exceed the module parameter mem_max in this network namespace' "$(k add s5 dev d0)"
defer_scope_pop

# The policy's range: ERANGE (the ack carries the range for clients that
# print it).
ktap_check_match "snaplen 0 (ERANGE)" 'error -34 integer out of range' \
	"$(swap --name s1 in:0)"
ktap_check_match "snaplen 262145" 'error -34 integer out of range' "$(swap --name s1 in:262145)"

bpf_refused jump "a filter jumping past its end: the reason" \
	'conditional jump goes past the last instruction' "21 0 5 2048" "6 0 0 262144" "6 0 0 0"
bpf_refused noret "a filter without a final return: the reason" \
	'the last instruction is not a return' "40 0 0 12" "7 0 0 0"
bpf_refused div0 "a division by constant 0: the reason" \
	'division by the constant 0' "40 0 0 12" "52 0 0 0" "6 0 0 0"
bpf_refused mem "scratch memory beyond M[15]: the reason" \
	'store to scratch memory beyond M\[15\]' "2 0 0 16" "6 0 0 0"

k add rx1 dev d0 hook rx_handler >/dev/null
ktap_check_match "a second rx_handler on a device (EBUSY)" \
	'device already has an rx_handler' "$(k add rx2 dev d0 hook rx_handler)"

k del s1 >/dev/null; k del s2 >/dev/null; k del rx1 >/dev/null
ktap_check "no session left, kernel log clean" \
	sh -c "[ -z \"\$(ip netns exec $ns kcap show)\" ] && [ -z \"$(dmesg_splats_since_mark)\" ]"
ktap_finished

# SPDX-License-Identifier: GPL-2.0
#
# KTAP helpers for kcap selftests, in the manner of the kernel's
# tools/testing/selftests/kselftest/ktap_helpers.sh.  A test sources this,
# calls ktap_plan N, reports each case with ktap_pass/ktap_fail/ktap_skip,
# and ends with ktap_finished, which exits 0 (all passed), 1 (a failure) or
# 4 (everything skipped), as kselftest does.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

# The harness's definitions (KCAP_TOP, KCAP_SPLAT_RE, ...).
. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"
export KCAP_TOP

ktap_pass_count=0
ktap_fail_count=0
ktap_skip_count=0
ktap_case=0

ktap_print_header() {
	echo "TAP version 13"
}

ktap_planned=
ktap_plan() {
	ktap_planned=$1
	echo "1..$1"
}

ktap_print_msg() {
	echo "# $*"
}

ktap_pass() {
	ktap_case=$((ktap_case + 1))
	ktap_pass_count=$((ktap_pass_count + 1))
	echo "ok $ktap_case $*"
}

ktap_fail() {
	ktap_case=$((ktap_case + 1))
	ktap_fail_count=$((ktap_fail_count + 1))
	echo "not ok $ktap_case $*"
}

ktap_skip() {
	ktap_case=$((ktap_case + 1))
	ktap_skip_count=$((ktap_skip_count + 1))
	echo "ok $ktap_case $1 # SKIP ${2:-}"
}

# ktap_check DESCRIPTION COMMAND...: pass if COMMAND succeeds, else fail
# and show its output.
ktap_check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ktap_pass "$desc"
	else
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
		ktap_fail "$desc"
	fi
}

# ktap_check_match DESCRIPTION ERE TEXT: pass if a line of TEXT matches ERE,
# else fail and show TEXT.
ktap_check_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		ktap_pass "$1"
	else
		printf '%s\n' "$3" | sed 's/^/# /'
		ktap_fail "$1"
	fi
}

ktap_finished() {
	echo "# Totals: pass:$ktap_pass_count fail:$ktap_fail_count xfail:0 xpass:0 skip:$ktap_skip_count error:0"
	if [ -n "$ktap_planned" ] && [ "$ktap_case" != "$ktap_planned" ]; then
		echo "# planned $ktap_planned cases, ran $ktap_case"
		exit $KSFT_FAIL
	fi
	if [ $ktap_fail_count -gt 0 ]; then
		exit $KSFT_FAIL
	elif [ $ktap_pass_count = 0 ] && [ $ktap_skip_count -gt 0 ]; then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}

# ksft_skip_all REASON: the whole test cannot run here.
ksft_skip_all() {
	ktap_print_header
	ktap_plan 1
	ktap_skip "${0##*/}" "$1"
	ktap_finished
}

# require_root / require_cmd CMD...: skip the whole test when missing.
require_root() {
	[ "$(id -u)" = 0 ] || ksft_skip_all "needs root"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || ksft_skip_all "needs $c"
	done
}

# kcap_ko: the kcap.ko under test.  tests/vm/run exports KCAP_KO; run alone,
# the test uses the module modprobe would load.
kcap_ko() {
	if [ -n "${KCAP_KO:-}" ]; then
		echo "$KCAP_KO"
	else
		modinfo -n kcap 2>/dev/null
	fi
}

# require_kcap_ko: set ko to the kcap.ko under test, or skip the whole test.
require_kcap_ko() {
	ko=$(kcap_ko)
	[ -n "$ko" ] && [ -r "$ko" ] || ksft_skip_all "no kcap.ko to load (set KCAP_KO)"
}

# kcap_loaded: is kcap.ko loaded?
kcap_loaded() {
	grep -q '^kcap ' /proc/modules
}

# Kernel log splats (KCAP_SPLAT_RE), as tests/vm/run's scanner sees them.
# dmesg_mark / dmesg_splats_since_mark: splats logged since the mark.
dmesg_mark() {
	KCAP_DMESG_MARK=$(dmesg | wc -l)
}

dmesg_splats_since_mark() {
	dmesg | tail -n +"$((KCAP_DMESG_MARK + 1))" | grep -E "$KCAP_SPLAT_RE"
}

# netns_new NAME...: create namespaces, removed again when the test exits.
KCAP_NETNS=()
netns_cleanup() {
	local ns
	for ns in ${KCAP_NETNS[@]+"${KCAP_NETNS[@]}"}; do
		ip netns del "$ns" 2>/dev/null
	done
}
trap netns_cleanup EXIT

netns_new() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || return 1
		KCAP_NETNS+=("$ns")
		ip -n "$ns" link set lo up
	done
}

# veth_pair NS A B: a veth pair A <-> B in NS, up, without addresses and with
# IPv6 off, so that no frame crosses it but the ones a test sends.
veth_pair() {
	local ns=$1 d
	ip -n "$ns" link add "$2" type veth peer name "$3" || return 1
	for d in "$2" "$3"; do
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1" &&
			ip -n "$ns" link set "$d" up || return 1
	done
}

# wait_for_line FILE REGEX [SECS]: wait (default 30 s) until a line of FILE
# matches REGEX; fail if it does not in time.
wait_for_line() {
	local i
	for ((i = 0; i < ${3:-30} * 10; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# timed out waiting for /$2/ in $1: $(tail -n 3 "$1" 2>/dev/null)"
	return 1
}

# finish PID SECS: wait for PID, interrupting it after SECS; its exit status.
finish() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && { echo "# still running after $2 s"; kill -INT "$1"; }
	wait "$1"
}

# kcap_sessions [NS]: the names of the sessions of the current (or NS's)
# network namespace, one per line.
kcap_sessions() {
	if [ -n "${1:-}" ]; then
		ip netns exec "$1" kcap show --json
	else
		kcap show --json
	fi | python3 -c 'import json,sys; d=json.load(sys.stdin); [print(s["name"]) for s in (d if isinstance(d, list) else [d])]'
}

# Where the selftests keep their helpers (traffic.py, nlfuzz.py).
KCAP_SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

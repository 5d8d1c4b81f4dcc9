# SPDX-License-Identifier: GPL-2.0
#
# What kcap's selftests share: the KTAP helpers (tests/lib/ktap.sh), the
# harness's definitions (tests/vm/lib.sh: KCAP_TOP, KCAP_SPLAT_RE, ...) and
# helpers for the module, namespaces and captures.  A test sources this and
# reports in KTAP, as in tools/testing/selftests of the kernel; what it sets
# up is undone when it exits (tests/lib/defer.sh):
#
#	. "$(dirname "$0")/lib.sh"
#	require_cmd kcap ip python3 tcpdump
#	require_kcap_loaded		# root, kcap.ko loaded
#	setup_tmpdir			# $tmp
#	ktap_print_header
#	ktap_plan 1
#	setup_veth_ns ns		# $ns, with va <-> vb
#	capture_bg -n "$ns" "$tmp/err" capture -i va -c 1 -w "$tmp/f.pcap"
#	pid=$!
#	udp_flood --iface vb --count 1
#	finish $pid 30
#	ktap_check "one frame" test "$(pcap_frames "$tmp/f.pcap")" = 1
#	ktap_finished

. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"
. "$KCAP_TOP/tests/lib/ktap.sh"
. "$KCAP_TOP/tests/lib/defer.sh"
export KCAP_TOP

# The one EXIT trap: what a test set up and deferred is undone, newest
# first, however the test ends.
trap defer_scopes_cleanup EXIT

# setup_tmpdir: set tmp to a new directory, removed with all in it at exit.
setup_tmpdir() {
	tmp=$(mktemp -d) || exit $KSFT_FAIL
	defer rm -rf "$tmp"
}

# kill_bg PID...: SIGTERM to those of PID... that still run as children of
# this shell, and wait up to 10 s until they have exited, so that what is
# torn down after them (a server, a device, $tmp) is not pulled from under
# a process still stopping.  A test defers it where it starts a job:
# CMD & defer kill_bg $!
kill_bg() {
	local pid key val ppid i sent=()

	for pid in "$@"; do
		ppid=
		while read -r key val; do
			[ "$key" = PPid: ] && { ppid=$val; break; }
		done 2>/dev/null <"/proc/$pid/status"
		[ "$ppid" = $$ ] && kill "$pid" 2>/dev/null && sent+=("$pid")
	done
	for pid in ${sent[@]+"${sent[@]}"}; do
		for ((i = 0; i < 100; i++)); do
			# Gone, or a zombie this shell has not reaped yet.
			read -r key val 2>/dev/null <"/proc/$pid/stat" || break
			val=${val##*) }
			[ "${val:0:1}" = Z ] && break
			sleep 0.1
		done
		[ $i = 100 ] && echo "# $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) still runs 10 s after SIGTERM"
	done
	return 0
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

# require_kcap_loaded: root and the kcap.ko under test (in ko), loaded now
# if it was not; skip the whole test without them, bail out if it will not
# load.
require_kcap_loaded() {
	require_root
	require_kcap_ko
	kcap_loaded || insmod "$ko" || ktap_exit_fail_msg "cannot load $ko"
}

# kcap_param NAME VALUE: set the kcap module parameter NAME to VALUE, and
# defer setting it back to what it was.
kcap_param() {
	defer kcap_param_write "$1" "$(cat "/sys/module/kcap/parameters/$1")"
	kcap_param_write "$1" "$2"
}

kcap_param_write() {
	echo "$2" >"/sys/module/kcap/parameters/$1"
}

# Kernel log splats (KCAP_SPLAT_RE), as tests/vm/run's scanner sees them.
# dmesg_mark / dmesg_splats_since_mark: splats logged since the mark.
dmesg_mark() {
	KCAP_DMESG_MARK=$(dmesg | wc -l)
}

dmesg_splats_since_mark() {
	dmesg | tail -n +"$((KCAP_DMESG_MARK + 1))" | grep -E "$KCAP_SPLAT_RE"
}

# setup_ns NAME...: for each NAME a new network namespace with its loopback
# up, deleted when the test exits.  As with the kernel's setup_ns
# (tools/testing/selftests/net/lib.sh), the variable NAME is set to the
# namespace's name, NAME-XXXXXX with a random suffix, so that two tests, or
# what a killed run left behind, never share one.
setup_ns() {
	local __ns_var __ns_name

	for __ns_var in "$@"; do
		__ns_name=$__ns_var-$(mktemp -u XXXXXX)
		ip netns add "$__ns_name" ||
			ktap_exit_fail_msg "cannot create a network namespace $__ns_name"
		defer netns_del "$__ns_name"
		printf -v "$__ns_var" %s "$__ns_name"
		ip -n "$__ns_name" link set lo up
	done
}

# netns_del NS: kill what still runs in NS and delete it, if it is there
# (a test may delete it itself).
netns_del() {
	ip netns pids "$1" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$1" 2>/dev/null
	return 0
}

# veth_pair NS A B: a veth pair A <-> B in NS, up, without addresses and with
# IPv6 off, so that no frame crosses it but the ones a test sends; the test
# bails out if it cannot have it.
veth_pair() {
	local ns=$1 d
	ip -n "$ns" link add "$2" type veth peer name "$3" ||
		ktap_exit_fail_msg "cannot add a veth pair $2 <-> $3"
	for d in "$2" "$3"; do
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1" &&
			ip -n "$ns" link set "$d" up ||
			ktap_exit_fail_msg "cannot set $d up without IPv6"
	done
}

# setup_veth_ns NAME: setup_ns NAME, with a veth pair va <-> vb in it
# (veth_pair): the namespace most selftests capture in.
setup_veth_ns() {
	setup_ns "$1"
	veth_pair "${!1}" va vb
}

# in_ns CMD...: CMD in the test's namespace, $ns (as setup_ns ns names it).
in_ns() {
	ip netns exec "$ns" "$@"
}

# udp_flood ARGS...: traffic.py udp-flood ARGS in $ns, its report unshown.
udp_flood() {
	in_ns "$KCAP_SELFTESTS/traffic.py" udp-flood "$@" >/dev/null
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

# wait_count FILE ERE N [SECS]: until N lines of FILE match ERE.
wait_count() {
	local i
	for ((i = 0; i < ${4:-30} * 10; i++)); do
		[ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	echo "# timed out waiting for $3 lines /$2/ in $1: $(tail -n 3 "$1")"
	return 1
}

# wait_ready PID FILE REGEX SECS: until a line of FILE matches REGEX, the
# line a program started in the background prints once it is ready: 0; 1
# as soon as PID has exited without it, or after SECS.
wait_ready() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		grep -qE "$3" "$2" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	grep -qE "$3" "$2" 2>/dev/null
}

# capture_bg [-n NS] [-o OUTFILE] ERRFILE ARGS...: start kcap ARGS...
# (capture ... or dump ...) in the background, in namespace NS if given,
# with its stdout to OUTFILE if given and its stderr to ERRFILE, and wait
# until it says "kcap: listening on"; as CMD & does, leave its PID in $!.
# Killing it at exit is deferred.  When it has not said so after 60 s, or
# has exited without saying so, the test bails out with the last lines of
# ERRFILE.
capture_bg() {
	local run=() out= err pid

	if [ "$1" = -n ]; then
		run=(ip netns exec "$2")
		shift 2
	fi
	if [ "$1" = -o ]; then
		out=$2
		shift 2
	fi
	err=$1
	shift
	if [ -n "$out" ]; then
		${run[@]+"${run[@]}"} kcap "$@" >"$out" 2>"$err" &
	else
		${run[@]+"${run[@]}"} kcap "$@" 2>"$err" &
	fi
	pid=$!
	defer kill_bg "$pid"
	wait_ready "$pid" "$err" '^kcap: listening on' 60 && return 0
	if kill -0 "$pid" 2>/dev/null; then
		ktap_print_msg "kcap $*: not listening after 60 s; the end of its stderr:"
	else
		ktap_print_msg "kcap $*: exited before listening; the end of its stderr:"
	fi
	tail -n 5 "$err" | sed 's/^/#   /'
	ktap_exit_fail_msg "kcap $1 did not start"
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

# pcap_frames FILE [EXPRESSION...]: how many frames (that match
# EXPRESSION) tcpdump reads from FILE.
# (POSIX sh, as some tests run it through sh -c "$(declare -f ...)".)
pcap_frames() {
	local f=$1
	shift
	tcpdump -r "$f" -nn "$@" 2>/dev/null | wc -l
}

# pcap_valid FILE: tcpdump and capinfos both read FILE whole.
pcap_valid() {
	tcpdump -r "$1" -w /dev/null 2>/dev/null && capinfos "$1" >/dev/null 2>&1
}

# stat_of NAME STATS: the number after NAME in a line of 'kcap show NAME
# stats' (seen, passed, delivered, dropped, ...).
stat_of() {
	sed -n "s/.*\b$1 \([0-9]*\).*/\1/p" <<<"$2"
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

# SPDX-License-Identifier: GPL-2.0
#
# KTAP output for kcap's tests, in the manner of the kernel's
# tools/testing/selftests/kselftest/ktap_helpers.sh.  A test sources this,
# prints ktap_print_header and ktap_plan N, reports each case with
# ktap_pass/ktap_fail/ktap_skip (or ktap_check/ktap_check_match), and ends
# with ktap_finished, which exits 0 (all passed), 1 (a failure) or 4
# (everything skipped), as kselftest does.  Runners that count the results
# of other programs (tests/selftests/run, tests/check) use the same
# counters and close with ktap_print_counts.
#
# Sourced by tests/selftests/lib.sh, tests/harness/*, tests/selftests/run and
# tests/check; set -u clean.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

ktap_pass_count=0
ktap_fail_count=0
ktap_skip_count=0
ktap_case=0
ktap_planned=

ktap_print_header() {
	echo "TAP version 13"
}

ktap_plan() {
	ktap_planned=$1
	echo "1..$1"
}

ktap_print_msg() {
	echo "# $*"
}

# __ktap_test RESULT DESCRIPTION: number and print one case.
__ktap_test() {
	ktap_case=$((ktap_case + 1))
	echo "$1 $ktap_case $2"
}

ktap_pass() {
	ktap_pass_count=$((ktap_pass_count + 1))
	__ktap_test ok "$*"
}

ktap_fail() {
	ktap_fail_count=$((ktap_fail_count + 1))
	__ktap_test "not ok" "$*"
}

# ktap_skip DESCRIPTION [REASON]
ktap_skip() {
	ktap_skip_count=$((ktap_skip_count + 1))
	__ktap_test ok "$1 # SKIP${2:+ $2}"
}

# __ktap_verdict STATUS DESCRIPTION OUTPUT: pass if STATUS is 0, else fail
# and show OUTPUT.
__ktap_verdict() {
	if [ "$1" = 0 ]; then
		ktap_pass "$2"
	else
		[ -n "$3" ] && printf '%s\n' "$3" | sed 's/^/# /'
		ktap_fail "$2"
	fi
}

# ktap_check DESCRIPTION COMMAND...: pass if COMMAND succeeds, else fail
# and show its output.
ktap_check() {
	local desc=$1 out

	shift
	out=$("$@" 2>&1)
	__ktap_verdict $? "$desc" "$out"
}

# ktap_check_match DESCRIPTION ERE TEXT: pass if a line of TEXT matches ERE,
# else fail and show TEXT.
ktap_check_match() {
	grep -Eq -- "$2" <<<"$3"
	__ktap_verdict $? "$1" "$3"
}

ktap_print_totals() {
	echo "# Totals: pass:$ktap_pass_count fail:$ktap_fail_count xfail:0 xpass:0 skip:$ktap_skip_count error:0"
}

ktap_finished() {
	ktap_print_totals
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

# ktap_exit_fail_msg MESSAGE: the test cannot go on; bail out, failed.
ktap_exit_fail_msg() {
	echo "Bail out! $*"
	ktap_print_totals
	exit $KSFT_FAIL
}

# ktap_count PASS FAIL SKIP: add results counted elsewhere (a runner's
# sub-run) to the totals.
ktap_count() {
	ktap_pass_count=$((ktap_pass_count + $1))
	ktap_fail_count=$((ktap_fail_count + $2))
	ktap_skip_count=$((ktap_skip_count + $3))
}

# ktap_print_counts: a runner's closing line, "N passed, N failed, N skipped".
ktap_print_counts() {
	echo "$ktap_pass_count passed, $ktap_fail_count failed, $ktap_skip_count skipped"
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

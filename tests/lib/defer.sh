# SPDX-License-Identifier: GPL-2.0
#
# Deferred cleanups, in the manner of the kernel's
# tools/testing/selftests/net/lib/sh/defer.sh.  Whatever a test sets up, it
# undoes where it sets it up:
#
#	ip netns add "$ns" && defer ip netns del "$ns"
#
# and the commands so registered run last in, first out: at
# defer_scope_pop for those of the innermost scope (defer_scope_push opens
# one; in_defer_scope CMD... runs CMD in a scope of its own), and for every
# scope at defer_scopes_cleanup, which the script runs on exit
# (tests/selftests/lib.sh has the one EXIT trap that does).
#
# A deferred command runs in the script's shell, with the words it had when
# it was deferred.  set -u clean.

# The deferred commands, each quoted as one string, oldest first; and for
# each open scope, the index of its first command, outermost first.
__defer_cmds=()
__defer_scopes=(0)

# defer CMD [ARGS...]: run CMD ARGS when the current scope ends.
defer() {
	local IFS=' '

	__defer_cmds+=("${*@Q}")
}

defer_scope_push() {
	__defer_scopes+=(${#__defer_cmds[@]})
}

# defer_scope_pop: run the current scope's commands, newest first, and close
# it (the outermost scope is never closed, only emptied).
defer_scope_pop() {
	local first=${__defer_scopes[-1]} i

	for ((i = ${#__defer_cmds[@]} - 1; i >= first; i--)); do
		eval "${__defer_cmds[i]}"
		unset '__defer_cmds[i]'
	done
	[ ${#__defer_scopes[@]} -gt 1 ] && unset '__defer_scopes[-1]'
	return 0
}

# defer_scopes_cleanup: run every deferred command, innermost scope first.
defer_scopes_cleanup() {
	while [ ${#__defer_scopes[@]} -gt 1 ]; do
		defer_scope_pop
	done
	defer_scope_pop
}

# in_defer_scope CMD [ARGS...]: run CMD in a scope of its own; its status.
in_defer_scope() {
	local rc

	defer_scope_push
	"$@"
	rc=$?
	defer_scope_pop
	return $rc
}

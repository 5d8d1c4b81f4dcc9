# SPDX-License-Identifier: GPL-2.0
# Shared definitions for the VM harness: the kernel matrix, the cache layout
# and a few helpers.  Sourced by tests/vm/* scripts, never run directly.

KCAP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KCAP_CACHE=${KCAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcap}

# kbuild, qemu's option syntax and our sed replacements cannot take these.
case "$KCAP_TOP$KCAP_CACHE" in
*[[:space:],\|\&]*)
	echo "kcap: the source tree and cache paths must not contain spaces, ',', '|' or '&'" \
		"($KCAP_TOP, $KCAP_CACHE)" >&2
	exit 1
	;;
esac

# Kernel log lines that are splats: tests/vm/run fails a run on them, and
# selftests look for them in dmesg.
KCAP_SPLAT_RE='WARNING:|BUG:|Oops|general protection|refcount_t|list_del corruption|UBSAN|KASAN|suspected memory leak|INFO: task .* blocked|Tainted:|Kernel panic'

# The default kernel series and the whole matrix, in test order.  Not in the
# matrix: 6.1-debug, 6.1 built with KASAN, lockdep and kmemleak
# (build-debug-kernel), which make check-debug runs.
KCAP_DEFAULT_SERIES=6.1
KCAP_MATRIX="6.1 6.12 5.10 7.x"
KCAP_DEBUG_SERIES=6.1-debug

die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

info() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

# series_suite SERIES: the Debian suite whose linux-image-amd64 is that series.
series_suite() {
	case "$1" in
	6.1 | 6.1-debug | debug) echo bookworm ;;
	6.12) echo bookworm-backports ;;
	5.10) echo bullseye ;;
	7 | 7.x) echo trixie-backports ;;
	*) return 1 ;;
	esac
}

# series_canon SERIES: the canonical spelling of a series name.
series_canon() {
	case "$1" in
	7) echo 7.x ;;
	debug) echo 6.1-debug ;;
	*) echo "$1" ;;
	esac
}

# series_dir SERIES: where a fetched series lives.
series_dir() {
	echo "$KCAP_CACHE/kernels/$(series_canon "$1")"
}

# series_var SERIES NAME: one value recorded by fetch-kernel (ABI, KDIR, ...).
series_var() {
	local f
	f="$(series_dir "$1")/kernel.env"
	[ -r "$f" ] || return 1
	sed -n "s/^$2=//p" "$f"
}

# The Debian archive mirror the machine is configured with.
debian_mirror() {
	local uri
	[ -n "${KCAP_DEBIAN_MIRROR:-}" ] && { echo "$KCAP_DEBIAN_MIRROR"; return; }
	# The first source of the plain "bookworm" suite (not -security/-updates).
	uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v RS= '
		/(^|\n)Suites:([^\n]* )?bookworm( |\n|$)/ {
			match($0, /(^|\n)URIs: *[^ \n]+/)
			u = substr($0, RSTART, RLENGTH); sub(/.*URIs: */, "", u); print u; exit
		}')
	[ -n "$uri" ] || uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }')
	[ -n "$uri" ] || die "no Debian mirror found in /etc/apt; set KCAP_DEBIAN_MIRROR=<archive URL>"
	echo "$uri"
}

# apt_private SUITE COMMAND...: run an apt command (apt-get, apt-cache) on
# SUITE under a private configuration in the cache: the machine's own apt
# sources are never touched; the private one reuses the Debian mirror the
# machine already uses, with another suite.
apt_private() {
	local suite=$1 aptdir="$KCAP_CACHE/apt/$1"
	shift
	if [ ! -e "$aptdir/etc/sources.list" ]; then
		mkdir -p "$aptdir"/{lists/partial,archives/partial,etc/preferences.d,etc/sources.list.d}
		: >"$aptdir/status"
		printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
			"$(debian_mirror)" "$suite" >"$aptdir/etc/sources.list"
	fi
	"$@" -o Dir::Etc="$aptdir/etc" -o Dir::Etc::SourceList="$aptdir/etc/sources.list" \
		-o Dir::Etc::SourceParts="$aptdir/etc/sources.list.d" \
		-o Dir::Etc::PreferencesParts="$aptdir/etc/preferences.d" \
		-o Dir::State="$aptdir" -o Dir::State::Lists="$aptdir/lists" \
		-o Dir::State::status="$aptdir/status" -o Dir::Cache="$aptdir" \
		-o Dir::Cache::archives="$aptdir/archives" -o APT::Architecture=amd64 \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root
}

# apt_private_update SUITE: SUITE's package lists, fresh.
apt_private_update() {
	info "updating the package list of $1"
	apt_private "$1" apt-get -q -q update >/dev/null || die "apt-get update for $1 failed"
}

# SPDX-License-Identifier: GPL-2.0
#
# What the CLI's own tests share: the selftests' lib.sh.  They test what
# kcap(8) does around a capture (printing through tcpdump, reading files
# back, -z, -Z, the status line), which the kernel does not change: they
# run in a VM on the default kernel only (make check), not in every
# kernel's suite, as kcapd's tests do.  The datapath and the sessions are
# tested on every kernel by tests/selftests/.
. "$(dirname "${BASH_SOURCE[0]}")/../selftests/lib.sh"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Allocation failures injected into every control-plane request
# (selftests/faults.c): failslab and fail_page_alloc armed per request with
# fail-nth, sleeping allocations and order-0 pages included.  The debug
# kernel has the knobs; the Debian kernels do not (a skip there).
top=$(cd "$(dirname "$0")/.." && pwd)
dbg=/sys/kernel/debug
[ -e /proc/self/fail-nth ] && [ -d $dbg/failslab ] && [ -d $dbg/fail_page_alloc ] ||
	{ echo "1..0 # SKIP no fault injection in this kernel"; exit 4; }
ko=$(modinfo -n secgroup) || { echo "1..0 # SKIP no secgroup module"; exit 4; }
# the load test reads the module a few hundred times: without its debug
# information it is a tenth of the size, the same code
stripped=$(mktemp --suffix=.ko)
objcopy --strip-debug "$ko" "$stripped" && ko=$stripped
modprobe secgroup && modprobe -r secgroup	# its dependencies stay
for f in failslab fail_page_alloc; do
	echo N >$dbg/$f/ignore-gfp-wait
	echo 0 >$dbg/$f/verbose		# a stack dump per fault: thousands
done
echo N >$dbg/fail_page_alloc/ignore-gfp-highmem
echo 0 >$dbg/fail_page_alloc/min-order
mkdir -p /sys/fs/cgroup/sgf1 /sys/fs/cgroup/sgf2
"$top/build/selftests/faults" "$ko" /sys/fs/cgroup/sgf1 /sys/fs/cgroup/sgf2
rc=$?
rmdir /sys/fs/cgroup/sgf1 /sys/fs/cgroup/sgf2
rm -f "$stripped"
modprobe -r secgroup || { echo "# secgroup did not unload"; rc=1; }
exit $rc

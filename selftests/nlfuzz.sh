#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The netlink fuzzer (selftests/nlfuzz.c): 100,000 mutated requests from
# concurrent senders on the debug kernel, 20,000 on the others.  Replay a
# failure with SGFUZZ_SEED=<the printed seed>.
top=$(cd "$(dirname "$0")/.." && pwd)
modprobe secgroup || { echo "1..0 # SKIP cannot load secgroup"; exit 4; }
n=20000
case "$(uname -r)" in *sgdebug*) n=100000 ;; esac
mkdir -p /sys/fs/cgroup/sgfz1 /sys/fs/cgroup/sgfz2
"$top/build/selftests/nlfuzz" ${SGFUZZ_SEED:+-s "$SGFUZZ_SEED"} -n "${SGFUZZ_N:-$n}" \
	/sys/fs/cgroup/sgfz1 /sys/fs/cgroup/sgfz2
rc=$?
rmdir /sys/fs/cgroup/sgfz1 /sys/fs/cgroup/sgfz2
# the module unloads with the fuzzers' state still in their netns
modprobe -r secgroup || { echo "# secgroup did not unload"; rc=1; }
exit $rc

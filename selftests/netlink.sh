#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The netlink API and its bad input: selftests/netlink.c (kselftest_harness).
top=$(cd "$(dirname "$0")/.." && pwd)
modprobe secgroup || { echo "1..0 # SKIP cannot load secgroup"; exit 4; }
"$top/build/selftests/netlink"
rc=$?
modprobe -r secgroup
exit $rc

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module loads, registers the generic netlink family "secgroup" with its
# events group, works in a fresh netns, and unloads.
. "$(dirname "$0")/lib.sh"
echo "TAP version 13"
check "module loads" modprobe secgroup
check "generic netlink family secgroup registered" sh -c 'genl ctrl get name secgroup | grep -q "Name: secgroup"'
check "multicast group events" sh -c 'genl ctrl get name secgroup | grep -q "name: events"'
ip netns add smoke
check "a fresh netns has the default group" sh -c 'ip netns exec smoke sgnl group list | grep -q " default "'
check "a fresh netns has only the default group" test "$(ip netns exec smoke sgnl group list | wc -l)" = 1
ip netns del smoke
# the probes of every test wait for a slow server's answer: a server that
# answers after a second, slower than the 0.5 s socat waited by default
ip netns add slow
ip -n slow link set lo up
ip netns exec slow socat -t$T TCP-LISTEN:7,bind=127.0.0.1,fork,reuseaddr \
	SYSTEM:'sleep 1; echo ok' 2>/dev/null &
wait_listen slow 7
check "a probe gets a slow server's answer" tcp slow 127.0.0.1 7
kill $! 2>/dev/null
ip netns del slow
check "module unloads" modprobe -r secgroup
check "module gone after unload" test ! -d /sys/module/secgroup
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Teardown with packets in flight: the module unloaded and network
# namespaces with their own secgroup state destroyed while floods run
# through device and cgroup instances, flow records are being written and
# a monitor is subscribed.  On the debug kernel a use-after-free, a leak or
# a lockdep report here fails the run (tools/vm/run reads the kernel log).
. "$(dirname "$0")/lib.sh"
sg_setup
cg=/sys/fs/cgroup/sgtd
mkdir -p "$cg"
inst a 10.0.0.2 fd00::2
inst b 10.0.0.3 fd00::3

configure() {
	sgnl group add open >/dev/null
	sgnl rule add open ingress all from 0.0.0.0/0 >/dev/null
	sgnl rule add open ingress all from ::/0 >/dev/null
	sgnl attach dev v-a group open addr 10.0.0.2 addr fd00::2 flowlog
	sgnl attach dev v-b group open addr 10.0.0.3 addr fd00::3 flowlog
	sgnl attach cgroup sgtd group open flowlog
}

# Floods as fast as the replies come.  Under TCG this used to crash or hang
# the VM when a static key flipped (see tools/vm/pin.nft, which keeps them on).
FLOOD="-f"
FLOODS=()
floods() {	# for $1 seconds: device to device, v4 and v6, and a cgroup's own
	ip netns exec a ping $FLOOD -q -w "$1" 10.0.0.3 >/dev/null 2>&1 &
	FLOODS+=($!)
	ip netns exec a ping -6 $FLOOD -q -w "$1" fd00::3 >/dev/null 2>&1 &
	FLOODS+=($!)
	in_cg "$cg" ping $FLOOD -q -w "$1" 127.0.0.1 >/dev/null 2>&1 &
	FLOODS+=($!)
	in_cg "$cg" ping -6 $FLOOD -q -w "$1" ::1 >/dev/null 2>&1 &
	FLOODS+=($!)
}

rounds=5
unloaded=0
for r in $(seq $rounds); do
	modprobe secgroup
	configure
	sgnl monitor >/dev/null 2>&1 &
	mon=$!
	floods 3
	sleep 1
	# while the floods and the monitor run
	modprobe -r secgroup && ! grep -q '^secgroup ' /proc/modules && unloaded=$((unloaded + 1))
	kill $mon 2>/dev/null
	wait "${FLOODS[@]}" $mon 2>/dev/null	# not the run's own monitor
	FLOODS=()
done
check "unloaded $unloaded of $rounds times while traffic flowed and a monitor listened" \
	test "$unloaded" = "$rounds"
modprobe secgroup

# a namespace with its own secgroup state, its hooks busy, destroyed
deleted=0
for r in $(seq $rounds); do
	ip netns add x
	ip netns add y
	ip link add d0 netns x type veth peer name d1 netns y
	ip -n x addr add 10.9.0.1/24 dev d0
	ip -n y addr add 10.9.0.2/24 dev d1
	ip -n x link set d0 up
	ip -n y link set d1 up
	ip netns exec x sgnl group add inner >/dev/null
	ip netns exec x sgnl rule add inner ingress all from 0.0.0.0/0 >/dev/null
	ip netns exec x sgnl attach dev d0 group inner flowlog
	ip netns exec y ping $FLOOD -q -w 3 10.9.0.1 >/dev/null 2>&1 &
	p=$!
	sleep 1
	ip netns del x
	ip netns del y
	wait $p
	ip netns list | grep -qw x || deleted=$((deleted + 1))
done
check "deleted $deleted of $rounds namespaces with attachments while their hooks were busy" \
	test "$deleted" = "$rounds"

# the state of the init netns is whole after all that
configure
check "the host's instances still work after it all" sh -c \
	'ip netns exec a ping -c1 -W'"$T"' 10.0.0.3 >/dev/null'
sgnl detach cgroup sgtd
rmdir "$cg"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Instances that go away or change under traffic, the conntrack table full,
# and the module loaded and unloaded a hundred times with attachments in
# several namespaces.  A crash, a leak or a lockdep report fails the run
# (tools/vm/run reads the kernel log; kmemleak on the debug kernel).
. "$(dirname "$0")/lib.sh"
sg_setup
inst a 10.0.0.2
inst b 10.0.0.3
sgnl group add open >/dev/null
sgnl rule add open ingress all from 0.0.0.0/0 >/dev/null
sgnl attach dev v-a group open addr 10.0.0.2
sgnl attach dev v-b group open addr 10.0.0.3
serve b 9000

# listed PATTERN: an attachment matches (2: sgnl stats itself failed)
listed() {
	local out
	out=$(sgnl stats) || return 2
	grep -q -- "$1" <<<"$out"
}
gone() {	# gone PATTERN: no attachment matches, within 5 s (the sweeper)
	local i rc
	for i in $(seq 50); do
		listed "$1"
		rc=$?
		[ $rc = 1 ] && return 0
		[ $rc = 2 ] && return 1
		sleep 0.1
	done
	return 1
}

# a device deleted while its traffic flows
inst x 10.0.0.4
sgnl attach dev v-x group open addr 10.0.0.4
ip netns exec x ping -i 0.002 -q -w 4 10.0.0.3 >/dev/null 2>&1 &
flood=$!
sleep 1
ip link del v-x
check "a device deleted under traffic: its attachment is gone" gone 'v-x'
kill $flood 2>/dev/null

# Two devices in one slot of the datapath's attachment filter (ifindex
# mod 256): either one stays filtered while the other comes and goes.
sgnl group add shut >/dev/null		# no ingress rule
IFINDEX=1000 inst s1 10.0.0.9
IFINDEX=1256 inst s2 10.0.0.10
serve s1 9000
sgnl attach dev v-s1 group shut addr 10.0.0.9
check "a device alone in its filter slot is filtered" no_tcp b 10.0.0.9 9000
sgnl attach dev v-s2 group shut addr 10.0.0.10
sgnl detach dev v-s2
check "... still, once another device of its slot came and went" no_tcp b 10.0.0.9 9000
sgnl attach dev v-s2 group shut addr 10.0.0.10
ip link del v-s2
check "... and once another was deleted while attached" no_tcp b 10.0.0.9 9000
sgnl detach dev v-s1
check "... and open once detached itself" tcp b 10.0.0.9 9000

# a cgroup removed while its last connection still sends: the process
# killed with data unsent (its orphaned socket goes on sending), the
# directory removed at once
cg=/sys/fs/cgroup/sglc
mkdir -p "$cg"
sgnl attach cgroup sglc group open
ip netns exec b socat -u TCP-LISTEN:9001,reuseaddr /dev/null 2>/dev/null &
wait_listen b 9001
in_cg "$cg" socat -u /dev/zero TCP:10.0.0.3:9001 2>/dev/null &
sleep 1
echo 1 >"$cg/cgroup.kill"
empty() { [ -z "$(cat "$cg/cgroup.procs")" ]; }
for i in $(seq 50); do empty && break; sleep 0.1; done
check "a cgroup removed with its connection in flight" rmdir "$cg"
check "... and its attachment is swept" gone 'sglc'

# a device renamed, then moved to another netns, while attached
inst r 10.0.0.5
sgnl group add r80 >/dev/null
sgnl rule add r80 ingress tcp port 80 from 0.0.0.0/0 >/dev/null
sgnl attach dev v-r group r80 addr 10.0.0.5
serve r 22 80
check "an attached device: port 80 opens" tcp a 10.0.0.5 80
check "... and port 22 does not" no_tcp a 10.0.0.5 22
ip link set v-r down
ip link set v-r name v-r2
ip link set v-r2 up
ip route replace 10.0.0.5/32 dev v-r2
check "renamed, it is listed by its new name" listed 'v-r2'
check "renamed, port 80 still opens" tcp a 10.0.0.5 80
check "... and port 22 still does not" no_tcp a 10.0.0.5 22
ip netns add y
NS_LIST+=(y)
ip link set v-r2 netns y
check "moved to another netns, it is no longer attached here" gone 'v-r2'
check "the other instances still work" tcp a 10.0.0.3 9000

# the conntrack table full while new connections arrive
max=$(sysctl -n net.netfilter.nf_conntrack_max)
conntrack -F 2>/dev/null
sysctl -qw net.netfilter.nf_conntrack_max=8
pids=()
for i in $(seq 24); do
	tcp a 10.0.0.3 9000 &
	pids+=($!)
done
opened=0
for p in "${pids[@]}"; do wait "$p" && opened=$((opened + 1)); done
check "with the conntrack table full, new connections are dropped ($opened of 24 opened)" \
	test "$opened" -lt 24
sysctl -qw net.netfilter.nf_conntrack_max="$max"
conntrack -F 2>/dev/null
check "and open again once there is room" tcp a 10.0.0.3 9000
sgnl detach dev v-a
sgnl detach dev v-b
modprobe -r secgroup

# loads and unloads, with attachments in three namespaces
for ns in m1 m2 m3; do
	ip netns add $ns
	NS_LIST+=($ns)
	ip -n $ns link add d0 type veth peer name d1
	ip -n $ns link set d0 up
done
cfg=$(mktemp)
cat >"$cfg" <<'EOF'
{ "version": 1,
  "groups": [ { "name": "web", "rules": [ "ingress tcp port 80 from 0.0.0.0/0" ] } ],
  "attachments": [ { "dev": "d0", "groups": [ "web" ], "addrs": [ "10.1.0.1" ] } ] }
EOF
# (a hundred on the debug kernel, where KASAN and kmemleak watch them;
# twenty-five elsewhere)
cycles=25
case "$(uname -r)" in *sgdebug*) cycles=100 ;; esac
loaded=0
for i in $(seq $cycles); do
	modprobe secgroup || break
	for ns in m1 m2 m3; do ip netns exec $ns sgnl apply "$cfg" || break 2; done
	modprobe -r secgroup || break
	loaded=$((loaded + 1))
done
check "loaded, configured in three netns and unloaded $loaded of $cycles times" test "$loaded" = $cycles
rm -f "$cfg"
modprobe secgroup
finish

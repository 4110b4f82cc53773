#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The end of a flow: an accepted connection of an instance attached with
# flowlog ends with conntrack's counters and times (its destroy event), as
# text, JSON and VPC Flow Logs lines; records forged by another process
# are not taken.
. "$(dirname "$0")/lib.sh"
[ -e /proc/sys/net/netfilter/nf_conntrack_events ] || modprobe nf_conntrack 2>/dev/null
[ -e /proc/sys/net/netfilter/nf_conntrack_events ] ||
	{ echo "TAP version 13"; echo "1..0 # SKIP no conntrack events in this kernel"; exit "$ksft_skip"; }
sg_setup
inst a 10.0.0.2
inst b 10.0.0.3
sgnl group add web >/dev/null
sgnl attach dev v-b group web addr 10.0.0.3 flowlog

# The end of a flow: 20,000 bytes to b:82, counted as conntrack counts them.
txt=$(mktemp) js=$(mktemp) vpc=$(mktemp)
sgnl monitor flows >"$txt" 2>&1 &
m1=$!
sgnl -j monitor flows >"$js" 2>&1 &
m2=$!
sgnl monitor flows -o vpc >"$vpc" 2>&1 &
m3=$!
vj=$(mktemp)
sgnl -j monitor -o vpc >"$vj" 2>&1 &
m4=$!
sgnl rule add web ingress tcp port 82 from 10.0.0.0/24 >/dev/null
ip netns exec b socat TCP-LISTEN:82,fork,reuseaddr SYSTEM:'wc -c' 2>/dev/null &
wait_listen b 82
sleep 0.5
t0=$(date +%s)
sent=$(ip netns exec a python3 -c '
import socket
s = socket.create_connection(("10.0.0.3", 82), timeout=10)
s.sendall(b"x" * 20000); s.shutdown(socket.SHUT_WR)
r = b""
while True:
    d = s.recv(100)
    if not d: break
    r += d
print(r.decode().strip())')
check "20,000 bytes through b's rule for port 82" [ "$sent" = 20000 ]
no_tcp a 10.0.0.3 81
sleep 1
ct=$(conntrack -L -o id -p tcp --dport 82 2>/dev/null | grep 'dst=10.0.0.3')
ctid=$(grep -o ' id=[0-9]*' <<<"$ct" | cut -d= -f2)
echo "# conntrack: $ct"
# packets=P bytes=B of the original direction, then of the replies
read -r op ob rp rb <<<"$(echo "$ct" | grep -o 'packets=[0-9]* bytes=[0-9]*' |
	tr -dc '0-9 \n' | tr '\n' ' ')"
check "conntrack counted the logged connection (accounting on for it)" \
	[ "${ob:-0}" -ge 20000 -a "${rp:-0}" -ge 1 ]
# Forged records to every monitor: the connection's end (999,999 packets),
# a flow record from 6.6.6.6, one without attributes, an error.  The
# kernel refuses an unprivileged sender (EPERM), and any sender, even with
# CAP_NET_ADMIN in the netns (here: nobody with that capability alone), to
# sgnl's sockets, which are connected to the kernel (ECONNREFUSED); sgnl
# also reads only what the kernel sent.
fam=$(genl ctrl get name secgroup | awk '/ID:/ { print $2 }')
ifb=$(cat /sys/class/net/v-b/ifindex)
forge() {	# forge CAPS ARGS...
	local caps=$1; shift
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="$caps" \
		--ambient-caps="$caps" python3 - "$@" <"$(dirname "$0")/nlforge.py"
}
f1=$(forge -all ct-destroy "${ctid:-0}")
f2=$(forge -all sg-flow "$fam" "$ifb")
check "an unprivileged user cannot write to the monitors' sockets" [ "$f1/$f2" = 0/0 ]
f1=$(forge +net_admin ct-destroy "${ctid:-0}")
f2=$(forge +net_admin sg-flow "$fam" "$ifb")
f3=$(forge +net_admin error)
check "nor one with CAP_NET_ADMIN: the monitors' sockets take the kernel only" \
	[ "$f1/$f2/$f3" = 0/0/0 ]
sleep 0.5
conntrack -D -p tcp --dport 82 >/dev/null 2>&1
sleep 1
t1=$(date +%s)
check "the monitors outlived the forged messages" kill $m1 $m2 $m3 $m4
wait $m1 $m2 $m3 $m4 2>/dev/null
unforged() { ! grep -q '6\.6\.6\.6\|999999' "$@"; }
check "forged records ignored: no 6.6.6.6, no 999999" unforged "$txt" "$js" "$vpc" "$vj"
sed 's/^/# /' "$txt" "$vpc"
end=$(grep -E '^flow-end v-b ingress 10.0.0.2 10.0.0.3 [0-9]+ 82 6 ' "$txt")
check "text: the flow's end, with conntrack's counters both ways" \
	grep -Eq "packets $op bytes $ob reply-packets $rp reply-bytes $rb start [0-9]+ end [0-9]+\$" <<<"$end"
read -r s e <<<"$(sed -E 's/.* start ([0-9]+) end ([0-9]+)$/\1 \2/' <<<"$end")"
check "text: started and ended within the run, end after start" \
	[ "${s:-0}" -ge "$t0" -a "${e:-0}" -ge "$s" -a "${e:-0}" -le "$t1" ]
check "JSON: the start record's ct_id (conntrack's id) ends in a 'flow end' with its counters" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
st = [e["flow"] for e in ev if e["event"] == "flow" and e["flow"]["dstport"] == 82]
en = [e["flow"] for e in ev if e["event"] == "flow end"]
assert len(st) == 1 and len(en) == 1, (st, en)
assert en[0]["ct_id"] == st[0]["ct_id"] == int(sys.argv[6]), (st, sys.argv[6])
want = [int(x) for x in sys.argv[2:6]]
assert [en[0][k] for k in ("packets", "bytes", "reply_packets", "reply_bytes")] == want, en
' "$js" "$op" "$ob" "$rp" "$rb" "${ctid:-0}"
acct=$(stat -L -c %i /proc/self/ns/net)
check "VPC: the connection's line, account-id the netns" \
	grep -Eq "^2 $acct v-b 10.0.0.2 10.0.0.3 [0-9]+ 82 6 $op $ob $s $e ACCEPT OK\$" "$vpc"
check "VPC: its replies' line" \
	grep -Eq "^2 $acct v-b 10.0.0.3 10.0.0.2 82 [0-9]+ 6 $rp $rb $s $e ACCEPT OK\$" "$vpc"
check "VPC: the rejected connection, one packet of its bytes" \
	grep -Eq "^2 $acct v-b 10.0.0.2 10.0.0.3 [0-9]+ 81 6 1 (4[0-9]|[5-9][0-9]) [0-9]+ [0-9]+ REJECT OK\$" "$vpc"
check "VPC: nothing but flow lines (14 fields each)" \
	awk 'NF != 14 { exit 1 }' "$vpc"
check "VPC as JSON (-j): the same lines as objects of the 14 fields" python3 -c '
import sys, json
lines = [l.split() for l in open(sys.argv[2])]
objs = [json.loads(l) for l in open(sys.argv[1])]
keys = ["version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
        "protocol", "packets", "bytes", "start", "end", "action", "log-status"]
assert objs and all(list(o) == keys and o["version"] == 2 for o in objs), objs
assert sorted([str(o[k]) for k in keys] for o in objs) == sorted(lines), (objs, lines)
' "$vj" "$vpc"

# A connection destroyed at once: its end may come before its start (the
# kernel reports starts from a work item); it is ended all the same.
sgnl rule add web ingress udp port 83 from 10.0.0.0/24 >/dev/null
sgnl monitor flows >"$txt" 2>&1 &
m1=$!
sleep 0.5
for i in 1 2 3 4 5; do
	ip netns exec a python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x" * 100, ("10.0.0.3", 83))'
	conntrack -D -p udp --dport 83 >/dev/null 2>&1
done
sleep 1
kill $m1
check "five UDP flows destroyed at once: five ends, one packet of 128 bytes each" \
	[ "$(grep -Ec '^flow-end v-b ingress 10.0.0.2 10.0.0.3 [0-9]+ 83 17 packets 1 bytes 128 ' "$txt")" = 5 ]

# An instance that floods flows that are never confirmed (accepted here,
# dropped further on: TTL 1) fills only its own share of the monitor's
# table; another instance's flows are still ended.
sgnl attach dev v-a group web addr 10.0.0.2 flowlog
rate=$(cat /sys/module/secgroup/parameters/flowlog_rate)
echo 100000 >/sys/module/secgroup/parameters/flowlog_rate
sgnl monitor flows >"$txt" 2>&1 &
m1=$!
sleep 0.5
ip netns exec a python3 -c '
import socket, time
for i in range(10000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    s.sendto(b"x", ("192.0.2.1", 9))
    s.close()
    if i % 20 == 0:
        time.sleep(0.005)	# the kernel ring of records holds 64 per CPU
'
sleep 1
ip netns exec a python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x" * 100, ("10.0.0.3", 83))'
sleep 0.5
conntrack -D -p udp --dport 83 >/dev/null 2>&1
sleep 1
kill $m1
echo "$rate" >/sys/module/secgroup/parameters/flowlog_rate
echo "# $(grep -c '^flow v-a egress 10.0.0.2 192.0.2.1' "$txt") records of the flood; $(grep -c 'sgnl:' "$txt") warnings"
grep 'sgnl:' "$txt" | sed 's/^/# /'
check "the flooding instance's share is full, and that is said once" \
	[ "$(grep -c '^sgnl: monitor: v-a has 8192 flows waiting for their end' "$txt")" = 1 ]
check "another instance's flow is still ended" \
	grep -Eq '^flow-end v-b ingress 10.0.0.2 10.0.0.3 [0-9]+ 83 17 packets 1 bytes 128 ' "$txt"
rm -f "$txt" "$js" "$vpc" "$vj"
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Statefulness, revocation, membership, anti-spoofing, IPv6 and teardown on
# real packets.
. "$(dirname "$0")/lib.sh"
sg_setup

inst a 10.0.0.2 fd00::2
inst b 10.0.0.3 fd00::3
inst c 10.0.0.4 fd00::4
serve a 80 7000
serve b 80 5432 7000
serve c 80
serve_udp b 53
wait_listen b 7000

sgnl group add sa no-default-egress
sgnl group add sb
sgnl rule add sa egress tcp port 80 to 10.0.0.0/24
sgnl rule add sa egress tcp port 80 to fd00::/64
sgnl rule add sa egress icmp type 8 to 0.0.0.0/0
sgnl rule add sa egress udp port 53 to 10.0.0.3/32
sgnl attach dev v-a group sa addr 10.0.0.2 addr fd00::2
sgnl attach dev v-b group sb addr 10.0.0.3 addr fd00::3

# replies need no rule: sa has no ingress rules at all
check "egress allowed, reply passes with no ingress rule" tcp a 10.0.0.4 80
check "IPv6: egress allowed, reply passes" tcp a fd00::4 80
check "egress port not allowed" no_tcp a 10.0.0.4 7000
check "ingress to a with no ingress rule blocked" no_tcp c 10.0.0.2 80
check "IPv6 ingress to a blocked" no_tcp c fd00::2 80
check "icmp echo allowed by type" ping_ok a 10.0.0.4
check "icmp echo from c to a blocked" no_ping c 10.0.0.2
check "udp 53: a may send but b's ingress has no rule" no_udp a 10.0.0.3 53
sgnl rule add sb ingress dns from 10.0.0.0/24
check "udp 53 both ways once b allows it" udp a 10.0.0.3 53
sgnl rule add sb ingress tcp port 5432 from 10.0.0.2/32
sgnl rule add sb ingress tcp port 7000 from 10.0.0.2/32

# a related ICMP error gets back to a without an ingress rule
sgnl rule add sb ingress udp port 54 from 10.0.0.2/32
# three datagrams T/3 s apart: the error to the first fails a later send
gap=$(( (T + 2) / 3 ))
out=$(for i in 1 2 3; do echo x; sleep $gap; done | ip netns exec a socat -T$T -t$gap - UDP:10.0.0.3:54 2>&1)
check "udp 54 with no egress rule: no ICMP error comes back" test -z "$out"
sgnl rule add sa egress udp port 54 to 10.0.0.3/32
out=$(for i in 1 2 3; do echo x; sleep $gap; done | ip netns exec a socat -T$T -t$gap - UDP:10.0.0.3:54 2>&1)
check "related ICMP port unreachable reaches a with no ingress rule" grep -q 'Connection refused' <<<"$out"

# a rule change takes effect for the very next connection
check "b:5432 blocked before the rule" no_tcp a 10.0.0.3 5432
sgnl rule add sa egress tcp port 5432 to 10.0.0.3/32
check "b:5432 allowed by the next connection after the rule" tcp a 10.0.0.3 5432
sgnl rule del sa egress tcp port 5432 to 10.0.0.3/32
check "b:5432 blocked again by the next connection after the revoke" no_tcp a 10.0.0.3 5432

# established connections survive a revoke; --flush removes them
sgnl rule add sa egress tcp port 7000 to 10.0.0.3/32
coproc C { ip netns exec a socat -T20 - TCP:10.0.0.3:7000 2>/dev/null; }
exec 5<&"${C[0]}" 6>&"${C[1]}"
read -r -t 5 line <&5
check "long connection established" test "$line" = ok
kill "$C_PID" 2>/dev/null; wait "$C_PID" 2>/dev/null
ip netns exec b pkill -f 'TCP6-LISTEN:7000' ; sleep 0.2
ip netns exec b socat TCP6-LISTEN:7000,ipv6only=0,reuseaddr EXEC:cat 2>/dev/null &
wait_listen b 7000
coproc E { ip netns exec a socat -T30 - TCP:10.0.0.3:7000 2>/dev/null; }
exec 7<&"${E[0]}" 8>&"${E[1]}"
echo one >&8; read -r -t 5 line <&7
check "echo connection works" test "$line" = one
sgnl rule del sa egress tcp port 7000 to 10.0.0.3/32
echo two >&8; line=; read -r -t 5 line <&7
check "established connection survives a revoke (as on AWS)" test "$line" = two
sgnl rule add sa egress tcp port 8000 to 10.0.0.3/32 flush
echo three >&8; line=; read -r -t 5 line <&7
check "a change with flush removes connections no longer allowed" test -z "$line"
check "conntrack no longer holds it" sh -c '! conntrack -L -p tcp --dport 7000 2>/dev/null | grep -q ESTABLISHED'
kill "$E_PID" 2>/dev/null; wait "$E_PID" 2>/dev/null

# membership: referencing a group follows its members at once
sgnl group add friends
sgnl rule add sb ingress tcp port 80 from group friends
check "c not yet a friend: blocked" no_tcp c 10.0.0.3 80
sgnl member add friends 10.0.0.4
check "c added as a member: allowed at once" tcp c 10.0.0.3 80
sgnl member add friends fd00::4
check "IPv6 member allowed" tcp c fd00::3 80
sgnl member del friends 10.0.0.4
check "c removed: blocked at once" no_tcp c 10.0.0.3 80
sgnl attach dev v-c group friends addr 10.0.0.4
check "attaching c to friends makes it a member" tcp c 10.0.0.3 80
sgnl detach dev v-c

# anti-spoofing: a sends with c's address
ip -n a addr add 10.0.0.4/32 dev eth0
before=$(sgnl -j stats dev v-a | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats"]["drop_spoof"])')
ip netns exec a socat -T1 - TCP:10.0.0.3:80,bind=10.0.0.4,connect-timeout=1 </dev/null >/dev/null 2>&1
after=$(sgnl -j stats dev v-a | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats"]["drop_spoof"])')
check "spoofed source dropped and counted ($before -> $after)" test "$after" -gt "$before"
sgnl member add friends 10.0.0.4
check "a member's borrowed address does not get in" sh -c \
	"! ip netns exec a socat -T2 - TCP:10.0.0.3:80,bind=10.0.0.4,connect-timeout=2 </dev/null 2>/dev/null | grep -q ok"
# ... even on a flow conntrack knows: c's answered UDP flow to b:53 is
# ESTABLISHED, and a packet of that flow from a is still a's spoof
spoofs() { sgnl -j stats dev v-a | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats"]["drop_spoof"])'; }
check "c's UDP flow to b:53 is answered" sh -c \
	"echo hi | ip netns exec c socat -T$T -t$T - UDP:10.0.0.3:53,sourceport=5353 | grep -q ok"
check "... so conntrack holds it as replied" sh -c \
	'conntrack -L -p udp --orig-src 10.0.0.4 --sport 5353 2>/dev/null | grep -v UNREPLIED | grep -q dport=53'
before=$(spoofs)
echo hi | ip netns exec a socat -T1 - UDP:10.0.0.3:53,bind=10.0.0.4:5353 >/dev/null 2>&1
after=$(spoofs)
check "a packet of c's established flow sent by a is a spoof ($before -> $after)" test "$after" -gt "$before"

# teardown while traffic flows (a fresh instance: a's flushed connection
# left an orphaned socket retransmitting into the policy, which keeps a's
# netns alive until it gives up)
inst d 10.0.0.5
sgnl group add open
sgnl rule add open ingress all from 0.0.0.0/0
sgnl rule add sb ingress all from 0.0.0.0/0
sgnl attach dev v-d group open addr 10.0.0.5
ip netns exec c ping -f -w 3 10.0.0.3 >/dev/null 2>&1 &
p1=$!
ip netns exec c ping -f -w 3 10.0.0.5 >/dev/null 2>&1 &
p2=$!
sleep 1
ip link del v-b
check "deleting the veth removed its attachment" sh -c '! sgnl stats | grep -q "dev v-b"'
ip netns del d
NS_LIST=(a c)
for i in $(seq 50); do sgnl stats | grep -q "dev v-d" || break; sleep 0.2; done
check "deleting the netns of an instance removed its attachment" sh -c '! sgnl stats | grep -q "dev v-d"'
ip netns add x; ip netns exec x sgnl group add inner >/dev/null
ip netns exec x sgnl rule add inner ingress all from 0.0.0.0/0 >/dev/null
ip netns exec x ip link add d0 type veth peer name d1
ip netns exec x ip link set d0 up
ip netns exec x sgnl attach dev d0 group inner
check "a netns has its own groups" sh -c '! sgnl group list | grep -q inner'
ip netns del x
wait $p1 $p2
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/run.sh CRR-BINARY: the benchmark, run inside the VM by
# `make bench` (tools/bench/bench).  Prints one line per measurement,
#
#   BENCH <test> <arm> <n> <round> <value> <unit>
#
# and nothing else on stdout; tools/bench/report.py makes the table and the
# plot.  Each test has a conntrack-only arm measured in the same run: the
# report gives every arm as a ratio to it.  Every arm runs in network
# namespaces of its own, made afresh, so no arm inherits another's
# conntrack table.
#
#   new     new connections per second: pktgen injects 64-byte UDP packets
#           on h0 (xmit_mode netif_receive: the receive path runs in
#           pktgen's own loop, so its packet rate is the path's), each with
#           a random source address and port, so each is a new conntrack
#           entry; they are forwarded to a dummy device.  Arms: conntrack
#           only (an nftables chain with `ct state established,related
#           accept`, the least that turns conntrack on); secgroup on h0 with
#           n rules of which the last matches (worst) or the first (best);
#           nftables with the same n rules in a linear chain, and as one
#           interval concatenation set, at secgroup's hook priority.
#           Each arm runs at the same time as a conntrack-only base, on
#           the other CPU, then with the CPUs swapped (pktgen_pair below):
#           BENCH new ARM and BENCH new-base ARM give the two rates of a
#           round, whose ratio is the result.  Arm ct beside the base
#           shows the method's own error.
#   est     packets per second of one established UDP flow, paired with a
#           base the same way.
#   tcp     iperf3 TCP throughput through a router netns, device attachment.
#   crr     TCP connect/close per second: device attachment on the router,
#           and cgroup attachment on the client (each with its own
#           conntrack-only arm).
#   load    seconds to load n rules: sgnl apply vs nft -f.
#   join    seconds for one member to join a group that n rules reference
#           (sgnl member add vs nft add element).
#   change  seconds for one rule change with n rules in place.
#   mem     kernel bytes per rule (n rules) and per remote member, from the
#           memory cgroup's slab and per-CPU counters around one apply.
#   scale   a group of BENCH_MEMBERS (a million) remote members: loaded in
#           one apply (members a second), the kernel's bytes a member (the
#           module's own count, sgnl stats, and the memory cgroup's), and
#           a thousand of them leaving and joining again (sgnl -b --continue:
#           single requests from one process, microseconds each), and as
#           many joining and leaving the group when it was empty.
set -u
crr=${1:?usage: run.sh CRR-BINARY}
rounds=${BENCH_ROUNDS:-3}
secs=${BENCH_SECONDS:-2}
sizes=${BENCH_SIZES:-1 10 100 1000 10000}
work=$(mktemp -d)
trap 'rm -rf "$work"; ip -all netns delete 2>/dev/null' EXIT

die() { echo "bench: $*" >&2; exit 1; }
out() { echo "BENCH $*"; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print('%.6f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$@"; }

modprobe secgroup || die "no secgroup module"
modprobe pktgen || die "no pktgen"
modprobe nf_conntrack
modprobe dummy
# shellcheck disable=SC2086 # a list of numbers
largest=$(printf '%s\n' $sizes | sort -n | tail -1)
echo $((largest + 10)) >/sys/module/secgroup/parameters/max_rules
million=${BENCH_MEMBERS:-1000000}	# max_members' limit
echo "$million" >/sys/module/secgroup/parameters/max_members || die "max_members $million"
sysctl -qw net.netfilter.nf_conntrack_max=4000000
echo 1048576 >/sys/module/nf_conntrack/parameters/hashsize

# ---- the rule sets: n rules, the match last (worst) or first (best) ----

# rules.py KIND N ORDER FILE: KIND sg (sgnl apply JSON, group web, egress
# rules), lin (nft linear chain) or set (nft interval concatenation set);
# ORDER worst or best.  The matching rule is udp port 9 to 10.9.0.0/16.
cat >"$work/rules.py" <<'EOF'
import json, sys
kind, n, order, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ports = [1000 + i for i in range(n - 1)]
ports = ports + [9] if order == "worst" else [9] + ports
with open(path, "w") as f:
    if kind == "sg":
        rules = ["egress udp port %d to 10.9.0.0/16" % p for p in ports]
        json.dump({"version": 1, "groups": [{"name": "web", "rules": rules}]}, f)
    else:
        f.write("table ip t {\n")
        if kind == "set":
            f.write(" set s { type ipv4_addr . inet_service; flags interval;\n")
            f.write("  elements = { %s } }\n" %
                    ", ".join("10.9.0.0/16 . %d" % p for p in ports))
        f.write(" chain pre { type filter hook prerouting priority -199; policy drop;\n")
        f.write("  ct state established,related accept\n")
        if kind == "set":
            f.write("  ip daddr . udp dport @s accept\n")
        else:
            for p in ports:
                f.write("  ip daddr 10.9.0.0/16 udp dport %d accept\n" % p)
        f.write(" }\n}\n")
EOF

ct_only() {	# NETNS [HOOK]: conntrack on, nothing else
	nsx "$1" nft -f - <<-EOF
	table ip t {
		chain c { type filter hook ${2:-prerouting} priority -199; policy accept;
			ct state established,related accept
		}
	}
	EOF
}

# ---- new connections and established packets: pktgen on h0 ----
#
# qemu shares the host, whose speed drifts by tens of percent within a
# minute: an arm and its conntrack-only base run at once, one on each CPU
# (netns b and c, each with its own pktgen threads), then again with the
# CPUs swapped.  The round's ratio is the arm's packets over the base's,
# both CPUs summed: what drifts, drifts for both.

# A netns NS with h0 (10.1.0.1/16, the instance's side) forwarding to
# dummy0 (10.9.0.0/16); ARM: ct, sg-worst, sg-best, lin, set.
pkt_ns() {	# NS ARM N
	local ns=$1 arm=$2 n=$3
	ip netns delete "$ns" 2>/dev/null
	ip netns add "$ns"
	nsx "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.ip_forward=1
	ip -n "$ns" -batch - <<-EOF || die "netns $ns"
	link set lo up
	link add h0 type veth peer name s0
	link add dummy0 type dummy
	addr add 10.1.0.1/16 dev h0
	addr add 10.9.0.1/16 dev dummy0
	link set h0 up
	link set s0 up
	link set dummy0 up
	EOF
	case $arm in
	ct) ct_only "$ns" ;;
	sg-worst|sg-best)
		rules sg "$n" "${arm#sg-}"
		nsx "$ns" sgnl apply "$RULES" >/dev/null || die "sgnl apply ($arm $n)"
		nsx "$ns" sgnl attach dev h0 group web || die "sgnl attach" ;;
	lin|set)
		rules "$arm" "$n" worst
		nsx "$ns" nft -f "$RULES" || die "nft -f ($arm $n)" ;;
	esac
	# conntrack is on now: short-lived entries keep its table small
	nsx "$ns" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1
}

# rules KIND N ORDER: $RULES, the file rules.py writes, written once
rules() {
	RULES=$work/rules-$1-$2-$3
	[ -f "$RULES" ] || python3 "$work/rules.py" "$1" "$2" "$3" "$RULES"
}

# pktgen NS CPU DEV COUNT SRC SPORT DST DPORT [rnd]: DEV, alone, on NS's
# pktgen thread of CPU (one shell in NS for all of it: each command costs
# a process in the VM)
pktgen_dev() {
	local ns=$1 cpu=$2 dev=$3 count=$4 src=$5 sport=$6 dst=$7 dport=$8 rnd=${9:-}
	local pg=/proc/net/pktgen c
	{
		echo "for t in $pg/kpktgend_*; do echo rem_device_all >\$t; done"
		echo "echo add_device $dev >$pg/kpktgend_$cpu"
		echo "mac=\$(cat /sys/class/net/$dev/address)"
		for c in "count $count" "pkt_size 60" "delay 0" "burst 1" "clone_skb 0" \
			 "xmit_mode netif_receive" 'dst_mac $mac' "dst_min $dst" "dst_max $dst" \
			 "udp_dst_min $dport" "udp_dst_max $dport"; do
			echo "echo \"$c\" >$pg/$dev || exit 1"
		done
		if [ -n "$rnd" ]; then
			for c in "src_min 10.1.0.2" "src_max 10.1.255.254" "udp_src_min 1" \
				 "udp_src_max 65535" "flag IPSRC_RND" "flag UDPSRC_RND"; do
				echo "echo '$c' >$pg/$dev || exit 1"
			done
		else
			for c in "src_min $src" "src_max $src" "udp_src_min $sport" "udp_src_max $sport"; do
				echo "echo '$c' >$pg/$dev || exit 1"
			done
		fi
	} >"$work/pg.sh"
	nsx "$ns" sh "$work/pg.sh" || die "pktgen setup on $ns $dev"
}

# pktgen_once NS: NS's pktgen devices send their count, then return
pktgen_once() { nsx "$1" sh -c "echo start >/proc/net/pktgen/pgctrl"; }

rate() {	# NS DEV: the packet rate of DEV's last run
	nsx "$1" cat "/proc/net/pktgen/$2" | sed -n 's/^ *\([0-9]*\)pps.*/\1/p'
}

# pktgen_pair: b's and c's h0 sending at once for $secs; prints both rates
pktgen_pair() {
	local pg=/proc/net/pktgen pb pc
	nsx b sh -c "echo start >$pg/pgctrl" & pb=$!
	nsx c sh -c "echo start >$pg/pgctrl" & pc=$!
	sleep "$secs"
	nsx b sh -c "echo stop >$pg/pgctrl"
	nsx c sh -c "echo stop >$pg/pgctrl"
	wait "$pb" "$pc"
	echo "$(rate b h0) $(rate c h0)"
}

# paired TEST ARM N ROUND PKTGEN-ARGS...: h0 of b (the arm) and of c (the
# base) sending PKTGEN-ARGS (pktgen_dev's from COUNT on), on CPUs 0 and 1
# then 1 and 0; prints the arm's and the base's mean rates
paired() {
	local test=$1 arm=$2 n=$3 round=$4 cpu a=0 c=0 r
	shift 4
	for cpu in 0 1; do
		pktgen_dev b "$cpu" h0 "$@"
		pktgen_dev c $((1 - cpu)) h0 "$@"
		r=$(pktgen_pair)
		[ "$(wc -w <<<"$r")" = 2 ] || die "pktgen gave no rate ($test $arm $n)"
		a=$((a + ${r% *})); c=$((c + ${r#* }))
	done
	out "$test" "$arm" "$n" "$round" $((a / 2)) pps
	out "$test-base" "$arm" "$n" "$round" $((c / 2)) pps
}

# Each bench_* below measures one sample of one arm, set up afresh; the
# rounds loop over all the arms of a test, so a drift of the machine's
# speed (qemu shares it) spreads over every arm alike.

bench_new() {	# ARM N ROUND
	pkt_ns b "$1" "$2"
	pkt_ns c ct 0
	paired new "$1" "$2" "$3" 0 - - 10.9.0.2 9 rnd
}

est_flow() {	# NS: one flow from h0, established by one reply first
	pktgen_dev "$1" 0 h0 1 10.1.0.2 5000 10.9.0.2 9
	pktgen_once "$1"
	pktgen_dev "$1" 0 dummy0 1 10.9.0.2 9 10.1.0.2 5000	# the reply
	pktgen_once "$1"
}

bench_est() {	# ARM (ct, sg) ROUND
	pkt_ns b "$([ "$1" = sg ] && echo sg-worst || echo "$1")" 1
	pkt_ns c ct 0
	est_flow b
	est_flow c
	paired est "$1" 1 "$2" 0 10.1.0.2 5000 10.9.0.2 9
}

# ---- TCP through a router: client c (10.1.0.2) - r - server d (10.2.0.2) ----

route_ns() {	# ARM: ct (conntrack in r), sg (device attachment on h0),
		# ct-c (conntrack in c), sg-cg (cgroup attachment in c)
	local ns
	ip -all netns delete 2>/dev/null
	for ns in c r d; do ip netns add $ns; nsx $ns ip link set lo up; done
	nsx r ip link add h0 type veth peer name c0 netns c
	nsx r ip link add h1 type veth peer name d0 netns d
	nsx r ip addr add 10.1.0.1/24 dev h0
	nsx r ip addr add 10.2.0.1/24 dev h1
	nsx c ip addr add 10.1.0.2/24 dev c0
	nsx d ip addr add 10.2.0.2/24 dev d0
	nsx r ip link set h0 up; nsx r ip link set h1 up
	nsx c ip link set c0 up; nsx d ip link set d0 up
	nsx c ip route add default via 10.1.0.1
	nsx d ip route add default via 10.2.0.1
	nsx r sysctl -qw net.ipv4.ip_forward=1
	cat >"$work/tcp.json" <<-EOF
	{"version": 1, "groups": [{"name": "web", "rules": [
		"egress tcp port 5201 to 10.2.0.0/24", "egress tcp port 7000 to 10.2.0.0/24"]}]}
	EOF
	case $1 in
	ct) ct_only r ;;
	ct-c) ct_only c output ;;
	sg)
		nsx r sgnl apply "$work/tcp.json" >/dev/null || die "sgnl apply (tcp)"
		nsx r sgnl attach dev h0 group web || die "sgnl attach (tcp)" ;;
	sg-cg)
		mkdir -p /sys/fs/cgroup/benchcrr
		nsx c sgnl apply "$work/tcp.json" >/dev/null || die "sgnl apply (cgroup)"
		# nsenter, not ip netns exec: that remounts /sys, hiding cgroup2
		nsenter --net=/run/netns/c sgnl attach cgroup /sys/fs/cgroup/benchcrr group web ||
			die "sgnl attach cgroup" ;;
	esac
}

# COMMAND...: in the benchcrr cgroup when the arm attaches it
in_cg() {
	if [ -d /sys/fs/cgroup/benchcrr ]; then
		sh -c 'echo $$ >/sys/fs/cgroup/benchcrr/cgroup.procs && exec "$@"' sh "$@"
	else
		"$@"
	fi
}

bench_tcp() {	# ARM ROUND
	local bps
	route_ns "$1"
	nsx d iperf3 -s -D -1 -p 5201 >/dev/null 2>&1
	sleep 0.3
	bps=$(nsx c iperf3 -c 10.2.0.2 -p 5201 -t "$secs" -J |
	      python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))') ||
		die "iperf3 ($1)"
	out tcp "$1" 1 "$2" "$bps" bit/s
}

bench_crr() {	# ARM ROUND
	local rate pid
	rmdir /sys/fs/cgroup/benchcrr 2>/dev/null
	route_ns "$1"
	nsx d "$crr" serve 7000 &
	pid=$!
	sleep 0.3
	rate=$(in_cg ip netns exec c "$crr" 10.2.0.2 7000 "$secs") || die "crr ($1)"
	out crr "$1" 1 "$2" "$rate" conn/s
	kill "$pid"; wait "$pid" 2>/dev/null
	ip -all netns delete
	rmdir /sys/fs/cgroup/benchcrr 2>/dev/null
}

# ---- control plane and memory ----

# A netns "p" with nothing in it; sgnl and nft time their own process too,
# as a user sees them.
plane_ns() { ip netns delete p 2>/dev/null; ip netns add p; }

# ktimed FUNCTION COMMAND...: the median time, in microseconds, of the
# kernel's calls of FUNCTION while COMMAND runs, from ftrace's function
# graph tracer (each call's entry to its return, nothing it waited for
# before: the time the change itself takes in the kernel).  The tracer
# starts once (ktimed_start), its filter on a function no timing calls (a
# netns's exit); only the filter moves after, which patches FUNCTION's
# entry alone.  Starting the tracer also turns on sched_switch's
# tracepoint in __schedule: started for each timing, the fourth start of
# a run once trapped the other vCPU on that patch's int3 under TCG
# (Documentation/testing.md).
trace=/sys/kernel/tracing
ktimed_idle=sg_net_pre_exit
ktimed_start() {
	[ -e "$trace/trace" ] || mount -t tracefs nodev "$trace" || return 1
	echo 0 >"$trace/tracing_on"
	echo "$ktimed_idle" >"$trace/set_ftrace_filter" &&
		echo "$ktimed_idle" >"$trace/set_graph_function" &&
		echo 1 >"$trace/max_graph_depth" &&
		echo function_graph >"$trace/current_tracer"
}
# KTIMED_MIN: the calls it needs (100); KTIMED_WALL=FILE: COMMAND's own
# seconds into FILE.
ktimed() {
	local fn=$1 rc=0 t0 t1
	shift
	[ "$(cat "$trace/current_tracer" 2>/dev/null)" = function_graph ] || return 1
	echo "$fn" >"$trace/set_ftrace_filter" &&
		echo "$fn" >"$trace/set_graph_function" &&
		echo >"$trace/trace" &&
		echo 1 >"$trace/tracing_on" &&
		t0=$(now) && "$@" >/dev/null && t1=$(now) || rc=1
	echo 0 >"$trace/tracing_on"
	[ $rc != 0 ] || [ -z "${KTIMED_WALL:-}" ] || elapsed "$t0" "$t1" >"$KTIMED_WALL"
	[ $rc != 0 ] || python3 - "$fn" "$trace/trace" "${KTIMED_MIN:-100}" <<-'EOF' || rc=1
	import re, statistics, sys
	fn, path, least = sys.argv[1:]
	t = [float(m.group(1)) for m in
	     re.finditer(r"([0-9.]+) us +\| +" + re.escape(fn) + r"( \[\w+\])?\(\);", open(path).read())]
	if len(t) < int(least):
	    sys.exit("bench: only %d calls of %s traced" % (len(t), fn))
	print(round(statistics.median(t), 1))
	EOF
	echo "$ktimed_idle" >"$trace/set_ftrace_filter"
	echo "$ktimed_idle" >"$trace/set_graph_function"
	return $rc
}

timed() {	# COMMAND...: seconds it took; fails if it does
	local t0 t1
	t0=$(now)
	"$@" >/dev/null || die "failed: $*"
	t1=$(now)
	elapsed "$t0" "$t1"
}

bench_plane() {	# N
	local n=$1 r
	# n ingress rules from group app (so a member of app touches them all)
	python3 - "$n" "$work/p.json" "$work/p.nft" <<-'EOF'
	import json, sys
	n = int(sys.argv[1])
	rules = ["ingress tcp port %d from group app" % (1000 + i) for i in range(n)]
	json.dump({"version": 1, "groups": [{"name": "app", "members": ["10.5.0.1"]},
	                                     {"name": "web", "rules": rules}]},
	          open(sys.argv[2], "w"))
	with open(sys.argv[3], "w") as f:
	    f.write("table ip t {\n set app { type ipv4_addr; elements = { 10.5.0.1 } }\n")
	    f.write(" chain pre { type filter hook prerouting priority -199; policy drop;\n")
	    f.write("  ct state established,related accept\n")
	    for i in range(n):
	        f.write("  ip saddr @app tcp dport %d accept\n" % (1000 + i))
	    f.write(" }\n}\n")
	EOF
	for r in $(seq "$rounds"); do
		plane_ns
		out load sgnl "$n" "$r" "$(timed nsx p sgnl apply "$work/p.json")" s
		out join sgnl "$n" "$r" "$(timed nsx p sgnl member add app 10.5.0.$((r + 1)))" s
		out change sgnl "$n" "$r" \
			"$(timed nsx p sgnl rule add web ingress tcp port 65000 from "10.$r.0.0/16")" s
		plane_ns
		out load nft "$n" "$r" "$(timed nsx p nft -f "$work/p.nft")" s
		out join nft "$n" "$r" "$(timed nsx p nft add element ip t app "{ 10.5.0.$((r + 1)) }")" s
		out change nft "$n" "$r" \
			"$(timed nsx p nft add rule ip t pre ip saddr "10.$r.0.0/16" tcp dport 65000 accept)" s
	done
	ip netns delete p
}

# Kernel memory one apply costs, from a memory cgroup's slab + percpu
cg_kmem() { awk '$1 == "slab" || $1 == "percpu" { s += $2 } END { print s }' "$1/memory.stat"; }

bench_mem() {	# N: bytes per rule at N rules, per member at 2,000 members
	local n=$1 cg=/sys/fs/cgroup/benchmem r b0 b1
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$cg"
	python3 - "$n" "$work/m0.json" "$work/mr.json" "$work/mm.json" <<-'EOF'
	import json, sys
	n = int(sys.argv[1])
	w = lambda p, g: json.dump({"version": 1, "groups": g}, open(p, "w"))
	w(sys.argv[2], [{"name": "web", "rules": []}])
	w(sys.argv[3], [{"name": "web", "rules": ["ingress tcp port %d from 10.%d.%d.0/24"
	                 % (1 + i % 60000, i // 256 % 256, i % 256) for i in range(n)]}])
	w(sys.argv[4], [{"name": "web", "rules": [],
	                 "members": ["10.7.%d.%d" % (i // 250, 1 + i % 250) for i in range(2000)]}])
	EOF
	for r in $(seq "$rounds"); do
		for what in rules:mr:"$n" members:mm:2000; do
			IFS=: read -r kind file count <<<"$what"
			plane_ns
			nsx p sgnl apply "$work/m0.json" >/dev/null || die "apply m0"
			# the apply's process runs in the cgroup: its kernel objects are charged there
			b0=$(cg_kmem "$cg")
			sh -c 'echo $$ >"$1/cgroup.procs"; exec ip netns exec p sgnl apply "$2"' \
				sh "$cg" "$work/$file.json" >/dev/null || die "apply $file"
			b1=$(cg_kmem "$cg")
			out mem "$kind" "$count" "$r" "$(( (b1 - b0) / count ))" B
			ip netns delete p
		done
	done
}

bench_scale() {	# N: a group of N remote members
	local n=$1 cg=/sys/fs/cgroup/benchmem r b0 b1 t at undo fn
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$cg"
	python3 - "$n" "$work" <<-'EOF'
	import ipaddress, json, sys
	n, w = int(sys.argv[1]), sys.argv[2]
	base = int(ipaddress.IPv4Address("10.64.0.0"))
	web = {"name": "web", "rules": ["ingress tcp port 80 from group big"]}
	m = [str(ipaddress.IPv4Address(base + i)) for i in range(n)]
	json.dump({"version": 1, "groups": [{"name": "big"}, web]}, open(w + "/big0.json", "w"))
	json.dump({"version": 1, "groups": [{"name": "big", "members": m}, web]},
	          open(w + "/big.json", "w"))
	open(w + "/big.b", "w").write("".join("member add big %s\n" % a for a in m))
	some = m[-1000:]	# among the n: they leave, then join again
	open(w + "/join.b", "w").write("".join("member add big %s\n" % a for a in some))
	open(w + "/leave.b", "w").write("".join("member del big %s\n" % a for a in some))
	EOF
	for r in $(seq "$rounds"); do
		plane_ns
		nsx p sgnl apply "$work/big0.json" >/dev/null || die "apply big0"
		# join and leave with the group empty, then among n
		for at in 0 "$n"; do
			if [ "$at" != 0 ]; then
				b0=$(cg_kmem "$cg")
				t0=$(now)
				sh -c 'echo $$ >"$1/cgroup.procs"; exec ip netns exec p sgnl apply "$2"' \
					sh "$cg" "$work/big.json" >/dev/null || die "apply big"
				t=$(elapsed "$t0" "$(now)")
				b1=$(cg_kmem "$cg")
				out scale load-per-s "$n" "$r" "$(python3 -c "print(round($n / $t))")" /s
				out scale memcg-B "$n" "$r" "$(( (b1 - b0) / n ))" B
				out scale module-B "$n" "$r" "$(nsx p sgnl -j stats | python3 -c '
import json, sys
t = json.load(sys.stdin)[-1]["netns"]
print(t["member_bytes"] // t["members"])')" B
				# again as a batch of n "member add" lines, and the
				# kernel's time for the one CONFIG_REPLACE it sends
				nsx p sgnl apply "$work/big0.json" >/dev/null || die "apply big0"
				# (the wall time is written only if the batch worked; a
				# round of the first full run traced no call: then the
				# kernel's figure is left out, as join's and leave's are)
				rm -f "$work/wall"
				if t=$(KTIMED_MIN=1 KTIMED_WALL="$work/wall" \
					ktimed sg_nl_config_replace nsx p sgnl -b "$work/big.b"); then
					out scale kload-per-s "$n" "$r" "$(python3 -c "print(round($n / ($t / 1e6)))")" /s
				else
					echo "bench: no kernel timing of sg_nl_config_replace" >&2
				fi
				[ -s "$work/wall" ] || die "batch big.b"
				out scale bload-per-s "$n" "$r" "$(python3 -c "print(round($n / $(cat "$work/wall")))")" /s
			fi
			# empty: they join, then leave; among n: the reverse
			for op in join leave; do
				[ "$at" = 0 ] || op=$([ $op = join ] && echo leave || echo join)
				t=$(timed nsx p sgnl -b "$work/$op.b" --continue)
				out scale "$op-us-$at" "$n" "$r" \
					"$(python3 -c "print(round($t * 1e6 / 1000, 1))")" us
				# undone, then again timed in the kernel
				undo=$([ $op = join ] && echo leave || echo join)
				nsx p sgnl -b "$work/$undo.b" --continue >/dev/null || die "$undo"
				fn=$([ $op = join ] && echo sg_nl_member_new || echo sg_nl_member_del)
				if t=$(ktimed $fn nsx p sgnl -b "$work/$op.b" --continue); then
					out scale "k$op-us-$at" "$n" "$r" "$t" us
				else
					echo "bench: no kernel timing of $fn" >&2
				fi
			done
		done
		ip netns delete p
	done
}

# BENCH_TESTS: the tests to run (all of them by default)
want() { case " ${BENCH_TESTS:-new est tcp crr plane mem scale} " in *" $1 "*) ;; *) return 1 ;; esac; }

# A kernel flips some static keys at the first use of what they guard
# (get_random_once: conntrack's hash seed, the socket hashes' secrets),
# and the worker that patches the code can run while pktgen is in that
# very code on the other CPU.  Under TCG that has panicked the VM ("int3"
# in hash_conntrack_raw): use them once, a packet at a time, and let the
# worker finish before anything runs at full speed.
warm_up() {
	pkt_ns w ct 0
	est_flow w
	nsx w python3 -c '
import socket
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    l = socket.socket(fam)
    l.bind((host, 0))
    l.listen()
    c = socket.create_connection(l.getsockname()[:2])
    l.accept()[0].close()
    c.close()
    socket.socket(fam, socket.SOCK_DGRAM).sendto(b"x", (host, 9))
' || die "warm-up"
	ip netns delete w
	sleep 2
}
warm_up

# took TEST: how long TEST's part of the run took (BENCHMETA lines)
took_t0=$SECONDS
ktimed_start || echo "bench: no function graph tracer: no timings in the kernel" >&2
took() { echo "BENCHMETA took-$1 $((SECONDS - took_t0)) s"; took_t0=$SECONDS; }

if want new; then
	for r in $(seq "$rounds"); do
		bench_new ct 0 "$r"	# conntrack beside conntrack: the method's own error
		for n in $sizes; do
			for arm in sg-worst sg-best lin set; do bench_new $arm "$n" "$r"; done
		done
	done
	took new
fi
for r in $(seq "$rounds"); do
	if want est; then for arm in ct sg; do bench_est $arm "$r"; done; fi
	if want tcp; then for arm in ct sg; do bench_tcp $arm "$r"; done; fi
	if want crr; then for arm in ct sg ct-c sg-cg; do bench_crr $arm "$r"; done; fi
done
took "est-tcp-crr"
if want plane; then for n in $sizes; do bench_plane "$n"; done; took plane; fi
if want mem; then bench_mem "$largest"; took mem; fi
if want scale; then bench_scale "$million"; took scale; fi
ip -all netns delete

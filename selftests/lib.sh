# SPDX-License-Identifier: GPL-2.0
# Shared by the secgroup selftests (run inside the VM, as root): TAP output
# in the kselftest shape, instances as network namespaces behind routed
# veths, and probes with real connections.

ksft_skip=4
# The longest a probe waits for an answer, in seconds: the debug kernel
# (KASAN, lockdep) is slow under TCG.  A probe that gets its answer returns
# at once; only blocked traffic waits this long.
T=3
# How long a probe that should be blocked waits before it counts as
# blocked.  Allowed traffic is answered within milliseconds here, so this
# need not be T: a shorter wait can only miss a leak that takes longer to
# answer, never fail a test that should pass.
TB=1
case "$(uname -r)" in *sgdebug*) T=15 TB=5 ;; esac
ntests=0
nfail=0
NS_LIST=()
MONLOG=

ok()   { ntests=$((ntests + 1)); echo "ok $ntests - $*"; }
fail() { ntests=$((ntests + 1)); nfail=$((nfail + 1)); echo "not ok $ntests - $*"; }
check() {
	local d=$1; shift
	if "$@"; then
		ok "$d"
	else
		fail "$d"
		explain "$@"
	fi
}
finish() { echo "1..$ntests"; [ "$nfail" = 0 ] && exit 0 || exit 1; }

# A probe of allowed traffic failed: say where the packet died, as TAP
# comments -- conntrack's entries for the destination, every instance's
# counters, the rules' hit counters, the flow records and events of the
# run so far, and the kernel's own drop counters.
explain() {
	local what=$1 dst=${3:-}
	case "$what" in tcp|udp|ping_ok) ;; *) return 0 ;; esac
	{
		echo "probe: $*"
		echo "-- conntrack, to or from $dst"
		conntrack -L 2>/dev/null | grep -F -- "$dst" | head -n 20
		echo "-- sgnl stats"
		sgnl stats 2>&1
		echo "-- rule hits"
		local g
		for g in $(sgnl -j group list 2>/dev/null |
			   python3 -c 'import json,sys; [print(g["name"]) for g in json.load(sys.stdin)]' 2>/dev/null); do
			sgnl group show "$g" 2>&1 | grep -E '^(group|  *sgr-)'
		done
		if [ -n "$MONLOG" ]; then
			echo "-- flow records and events (last 30)"
			tail -n 30 "$MONLOG"
		fi
		echo "-- softnet_stat (processed dropped squeezed, per CPU)"
		awk '{ print $1, $2, $3 }' /proc/net/softnet_stat
		echo "-- kernel drop counters"
		nstat -asz 2>/dev/null | grep -Ei 'drop|discard|overflow|fail|prune' | grep -v ' 0 ' | head -n 20
		echo "-- neighbours"
		ip neigh show | head -n 20
	} 2>&1 | sed 's/^/# /'
}

sg_setup() {
	echo "TAP version 13"
	modprobe secgroup || { echo "1..0 # SKIP cannot load secgroup"; exit $ksft_skip; }
	sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	trap sg_cleanup EXIT
	# every event and flow record of the run, for explain()
	MONLOG=$(mktemp)
	sgnl monitor >"$MONLOG" 2>&1 &
}

sg_cleanup() {
	local ns
	for ns in "${NS_LIST[@]}"; do
		# the host side too: a netns kept alive by an orphaned socket
		# would otherwise keep its veth, and the name, for minutes
		ip link del "v-$ns" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	[ -z "$MONLOG" ] || rm -f "$MONLOG"
	modprobe -r secgroup || echo "# secgroup did not unload"
}

# inst NAME IPV4 [IPV6]: an instance behind host veth "v-NAME", routed
# (/32 and /128 routes on the host, like Calico); the host side answers
# as 10.255.255.1 / fd00:ffff::1 on every veth.  IFINDEX=N: v-NAME's ifindex.
inst() {
	local name=$1 a4=$2 a6=${3:-}
	ip netns add "$name"
	NS_LIST+=("$name")
	ip link add "v-$name" ${IFINDEX:+index "$IFINDEX"} type veth peer name eth0 netns "$name"
	ip addr add 10.255.255.1/32 dev "v-$name"
	ip link set "v-$name" up
	ip -n "$name" link set lo up
	ip -n "$name" link set eth0 up
	ip -n "$name" addr add "$a4/32" dev eth0
	ip -n "$name" route add 10.255.255.1/32 dev eth0
	ip -n "$name" route add default via 10.255.255.1 dev eth0
	ip route add "$a4/32" dev "v-$name"
	if [ -n "$a6" ]; then
		ip addr add fd00:ffff::1/128 dev "v-$name" nodad
		ip -n "$name" addr add "$a6/128" dev eth0 nodad
		ip -n "$name" route add fd00:ffff::1/128 dev eth0
		ip -n "$name" route add default via fd00:ffff::1 dev eth0
		ip route add "$a6/128" dev "v-$name"
	fi
}

# in_cg DIR COMMAND...: COMMAND run in the cgroup DIR
in_cg() { local dir=$1; shift; bash -c 'echo $$ >"$0/cgroup.procs"; exec "$@"' "$dir" "$@"; }

# serve NS PORT...: TCP servers answering "ok" (IPv4 and IPv6), listening
# when it returns
serve() {
	local ns=$1 p; shift
	for p in "$@"; do
		ip netns exec "$ns" socat -t$T TCP6-LISTEN:"$p",ipv6only=0,fork,reuseaddr \
			SYSTEM:'echo ok' 2>/dev/null &
	done
	for p in "$@"; do wait_listen "$ns" "$p" || echo "# $ns:$p is not listening"; done
}

serve_udp() {
	local ns=$1 p; shift
	for p in "$@"; do
		ip netns exec "$ns" socat -t$T UDP6-RECVFROM:"$p",ipv6only=0,fork,reuseaddr \
			SYSTEM:'echo ok' 2>/dev/null &
	done
	for p in "$@"; do wait_listen "$ns" "$p" u || echo "# $ns:udp/$p is not bound"; done
}

wait_listen() {	# wait_listen NS PORT [u]: a TCP listener (u: a UDP socket)
	local i
	for i in $(seq 100); do
		ip netns exec "$1" ss -Hl${3:-t}n "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# tcp SRC DST PORT: a new connection from SRC gets "ok" back.
#
# socat waits -t seconds (0.5 by default) for the other side once one side
# has ended: a client whose stdin is empty half-closes at once, and the
# server then gave its forked 'echo ok' half a second -- too little on the
# debug kernel under TCG.  So the client does not half-close (shut-none),
# both sides wait up to T, and the server's close ends the probe at once.
tcp() {
	local addr=$2
	case "$addr" in *:*) addr="[$addr]" ;; esac
	[ "$(ip netns exec "$1" socat -T$((T + 1)) -t$T - \
		TCP:"$addr":"$3",connect-timeout=$T,shut-none </dev/null 2>/dev/null)" = ok ]
}
no_tcp() { ! T=$TB tcp "$@"; }

# udp SRC DST PORT: a datagram from SRC gets "ok" back; returns as soon as
# the answer is read (python: socat would wait out -t after the answer)
udp() {
	ip netns exec "$1" python3 -c '
import socket, sys
a = sys.argv[1]; fam = socket.AF_INET6 if ":" in a else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(float(sys.argv[3]))
s.sendto(b"hi\n", (a, int(sys.argv[2])))
try:
    sys.exit(0 if s.recv(100).strip() == b"ok" else 1)
except OSError:
    sys.exit(1)' "$2" "$3" "$T" 2>/dev/null
}
no_udp() { ! T=$TB udp "$@"; }

ping_ok() { ip netns exec "$1" ping -c1 -W$T "$2" >/dev/null 2>&1; }
no_ping() { ! T=$TB ping_ok "$@"; }

# the kernel state as sgnl sees it, for before/after comparisons
state() {
	sgnl -j group list
	local g
	for g in $(sgnl -j group list | python3 -c 'import json,sys; [print(g["id"]) for g in json.load(sys.stdin)]'); do
		sgnl -j group show "$g" | python3 -c 'import json,sys; g=json.load(sys.stdin)[0]; [(r.pop("hits"), r.pop("last_hit")) for r in g["rules"]]; print(json.dumps(g))'
	done
	sgnl -j stats | python3 -c 'import json,sys; a=json.load(sys.stdin); [x.pop("stats") for x in a if "stats" in x]; [x["netns"].pop("member_bytes") for x in a if "netns" in x]; print(json.dumps(a))'
}

# every byte of the state, counters aside, and the attachments' stats too
# (not the member map's memory: a replace undone may leave its table grown)
full_state() { state; sgnl -j stats | python3 -c 'import json,sys; a=json.load(sys.stdin); [x["netns"].pop("member_bytes") for x in a if "netns" in x]; print(json.dumps(a))'; }

# The article's three tiers and two outside sources, with servers on the
# ports the example uses (selftests/three_tier.sh, the demo).
three_tier_instances() {
	inst web 10.0.1.10
	inst app 10.0.2.10
	inst db 10.0.3.10
	inst admin 203.0.113.10
	inst internet 198.51.100.7
	local t
	for t in web app db; do serve $t 22 80 443 8080 5432; done
	serve internet 80 443 9000
}

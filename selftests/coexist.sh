#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# secgroup beside an nftables ruleset (Documentation/design.md, "Beside
# nftables"): a published port (DNAT from the host's address to an
# instance, as docker's port forwarding does) is judged by the instance's
# ingress rules after the translation; a forward chain that counts and a
# masquerade go on working; a drop by nftables stays a drop.
. "$(dirname "$0")/lib.sh"
sg_setup
inst a 10.0.0.2
inst b 10.0.0.3
serve b 80 81 82
command -v nft >/dev/null || { echo "1..0 # SKIP no nft"; exit $ksft_skip; }
nft -f - <<'NFT'
table ip sgcoexist {
	counter passed { }
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr 10.255.255.1 tcp dport 8080 dnat to 10.0.0.3:80
		ip daddr 10.255.255.1 tcp dport 8081 dnat to 10.0.0.3:81
	}
	chain forwarding {
		type filter hook forward priority filter;
		tcp dport 82 drop
		counter name passed
	}
	chain post {
		type nat hook postrouting priority srcnat;
		ip saddr 10.0.0.2 ip daddr 10.0.0.3 tcp dport 80 masquerade
	}
}
NFT
sgnl group add web >/dev/null
sgnl rule add web ingress http from 10.0.0.0/24 >/dev/null
sgnl rule add web ingress tcp port 82 from 0.0.0.0/0 >/dev/null
sgnl attach dev v-b group web addr 10.0.0.3
check "a published port (DNAT 8080 -> b:80) is allowed by b's rule for 80" \
	tcp a 10.255.255.1 8080
check "... and seen by b's rule for port 80, not 8080" \
	sh -c "sgnl rule list web ingress port 80 | grep -q 'hits [1-9]'"
# conntrack's reply tuple: b answered the host's address (the masquerade)
check "... judged by its source before the masquerade: b saw the host's address" \
	sh -c "conntrack -L -p tcp --orig-port-dst 8080 2>/dev/null |
	       grep -q 'src=10.0.0.3 dst=10.255.255.1 sport=80 '"
d0=$(sgnl -j stats dev v-b | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats"]["drop_policy"])')
check "a published port to one b does not allow (DNAT 8081 -> b:81) is dropped" \
	no_tcp a 10.255.255.1 8081
check "... by secgroup's policy" \
	test "$(sgnl -j stats dev v-b | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats"]["drop_policy"])')" -gt "$d0"
check "nftables' forward chain counted the forwarded connection" \
	sh -c "nft list counter ip sgcoexist passed | grep -q 'packets [1-9]'"
check "a port secgroup allows (82) stays dropped by nftables' forward chain" \
	no_tcp a 10.0.0.3 82
nft list hooks ip 2>&1 | grep -E 'hook|sg_|nft' | head -n 20 | sed 's/^/# /'
case "$(uname -r)" in
6.1.*) echo "# 6.1: nft list hooks prints no hook here (it does on 6.12)" ;;
*) check "nft list hooks shows secgroup's hooks beside nftables' chains" \
	sh -c "nft list hooks ip 2>/dev/null | grep -q 'sg_hook_dev'" ;;
esac
nft delete table ip sgcoexist
finish

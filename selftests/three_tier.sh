#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The article's examples on real packets: its web server (HTTP/HTTPS from
# anywhere, SSH only from the admin range, all egress) and its three tiers
# with group references and a mgmt group on every tier.  Every tier is
# checked reachable where a rule allows and unreachable on every other port
# and from every other source.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
sg_setup

three_tier_instances

check "the three-tier example loads from examples/" sgnl -b "$top/examples/three-tier.sgnl"
sgnl attach dev v-web group web group mgmt addr 10.0.1.10
sgnl attach dev v-app group app group mgmt addr 10.0.2.10
sgnl attach dev v-db group db group mgmt addr 10.0.3.10

# source dest port expected
while read -r src dst port want; do
	addr=$(ip -n "$dst" -4 -br addr show eth0 | awk '{print $3}' | cut -d/ -f1)
	if [ "$want" = allow ]; then
		check "$src -> $dst:$port allowed" tcp "$src" "$addr" "$port"
	else
		check "$src -> $dst:$port blocked" no_tcp "$src" "$addr" "$port"
	fi
done <<'MATRIX'
internet web 80 allow
internet web 443 allow
internet web 22 block
internet web 8080 block
admin web 22 allow
admin web 80 allow
web app 8080 allow
web app 5432 block
web app 22 block
internet app 8080 block
admin app 22 allow
admin app 8080 block
app db 5432 allow
web db 5432 block
internet db 5432 block
admin db 22 allow
admin db 5432 block
db app 8080 block
web internet 9000 allow
db internet 80 allow
MATRIX

# counters: the rule that allowed web->app:8080 counted it
hits=$(sgnl -j group show app | python3 -c 'import json,sys; print(sum(r["hits"] for r in json.load(sys.stdin)[0]["rules"] if r.get("port")=="8080"))')
check "the app rule counted its connection ($hits)" test "$hits" -ge 1
check "drops counted on web" sh -c "sgnl -j stats dev v-web | grep -q '\"drop_policy\":[1-9]'"

# a group with no egress rules blocks egress
sgnl group add closed no-default-egress
sgnl attach dev v-db group closed
check "no egress rules: db cannot reach the internet" no_tcp db 198.51.100.7 80
sgnl attach dev v-db group db group mgmt addr 10.0.3.10
check "re-attached: db reaches the internet again" tcp db 198.51.100.7 80

# the default group: ingress from its own members
sgnl attach dev v-web addr 10.0.1.10
sgnl attach dev v-app addr 10.0.2.10
check "default group: member to member allowed" tcp web 10.0.2.10 5432
check "default group: non-member blocked" no_tcp internet 10.0.2.10 5432

# detach restores unfiltered traffic
sgnl detach dev v-app
check "detached: anything reaches app" tcp internet 10.0.2.10 5432
check "detached instance is gone from stats" sh -c '! sgnl stats | grep -q v-app'
finish

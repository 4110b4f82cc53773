#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sgnl monitor: every change is announced on the "events" group, and flow
# records of an instance attached with flowlog name the rule that allowed a
# connection, or REJECT (their end: flows.sh).
. "$(dirname "$0")/lib.sh"
sg_setup
inst a 10.0.0.2
inst b 10.0.0.3
serve b 80 81
wait_listen b 81

ev=$(mktemp)
sgnl monitor >"$ev" &
mon=$!
sleep 0.5
sgnl group add web >/dev/null
rid=$(sgnl rule add web ingress http from 10.0.0.0/24)
sgnl attach dev v-b group web addr 10.0.0.3 flowlog
sgnl member add web 192.0.2.9
tcp a 10.0.0.3 80
no_tcp a 10.0.0.3 81
sgnl rule del web "$rid"
sleep 2
kill $mon
cat "$ev" | sed 's/^/# /'
check "group add announced" grep -q '^group add sg-[0-9a-f]* web' "$ev"
check "rule add announced with its id" grep -q "^rule add .*$rid" "$ev"
check "attach announced" grep -q '^attach v-b' "$ev"
check "member add announced" grep -q '^member add sg-[0-9a-f]* 192.0.2.9' "$ev"
check "rule del announced" grep -q "^rule del .*$rid" "$ev"
check "flow record: accepted, with the rule that allowed it" \
	grep -Eq "^flow v-b ingress 10.0.0.2 10.0.0.3 [0-9]+ 80 6 ACCEPT sg-[0-9a-f]+ $rid" "$ev"
check "flow record: rejected connection" \
	grep -Eq '^flow v-b ingress 10.0.0.2 10.0.0.3 [0-9]+ 81 6 REJECT' "$ev"
sgnl -j monitor flows >"$ev" &
mon=$!
sleep 0.5
no_tcp a 10.0.0.3 80
sleep 1
kill $mon
check "flows as JSON after the revoke: REJECT" grep -q '"action":"REJECT"' "$ev"
rm -f "$ev"
finish

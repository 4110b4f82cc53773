#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sgnl audit: each kind of finding on a configuration that has it, and the
# exit status following fail-on.
. "$(dirname "$0")/lib.sh"
sg_setup
ip link add d0 type veth peer name d1

q() { sgnl "$@" >/dev/null; }
q group add web
q rule add web ingress ssh from 0.0.0.0/0
q rule add web ingress http from 0.0.0.0/0
q group add open
q rule add open ingress all from ::/0
q group add app
q rule add app ingress tcp port 8080 from 10.0.0.0/8
q group add wide
q rule add wide ingress tcp port 8000-9000 from 10.0.0.0/8
q group add same
q rule add same ingress tcp port 8080 from 10.1.2.3/8
q attach dev d0 group app group wide group same

has() {	# has CHECK [GROUP]: a finding of that check (and group)
	python3 -c 'import json,sys
f = json.load(open(sys.argv[1]))
sys.exit(0 if any(x["check"] == sys.argv[2] and (len(sys.argv) < 4 or x.get("group") == sys.argv[3]) for x in f) else 1)' "$out" "$@"
}
out=$(mktemp)
sgnl -j audit >"$out"
rc=$?
sgnl audit | sed 's/^/# /'
check "high findings: exit 3" test $rc = 3
check "ssh open to the world (EC2.19)" has open-admin-port web
check "http open to the world is not a finding" sh -c "! grep -q 'port 80 open' '$out'"
check "all protocols open to ::/0" has open-all open
check "app's 8080 rule shadowed by wide's 8000-9000" has shadowed app
check "same's rule (10.1.2.3/8 is 10.0.0.0/8) duplicates app's" has duplicate same
check "one duplicate pair, reported once; default egress rules left out" \
	test "$(grep -o '"check":"duplicate"' "$out" | wc -l)" = 1
check "the default group allows traffic" has default-allows default
check "groups attached nowhere" has unattached-group web
check "attached rules never hit" has unused-rule wide
check "attached groups are not reported unattached" sh -c "! grep -q '\"unattached-group\",\"group\":\"app\"' '$out'"
q group del web
q group del open
sgnl audit >/dev/null
check "medium findings only: exit 0 with the default fail-on high" test $? = 0
sgnl audit fail-on medium >/dev/null
check "fail-on medium: exit 3" test $? = 3
rm -f "$out"
finish

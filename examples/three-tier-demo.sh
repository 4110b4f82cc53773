#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The article's three-tier example, live: run by `make demo` inside the VM,
# or as root on a host that can load secgroup (tools/demo --here).
# Builds web, app and db instances behind routed veths, an admin range and
# "the internet", applies examples/three-tier.json, probes every pair that
# matters with real connections and prints the access matrix with the rule
# that allowed each flow.  Then applies a changed file (the database no
# longer accepts the app tier): its dry-run diff, the events, the new matrix.
# Exits non-zero if any observed cell differs from the expected one.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
modprobe secgroup || { echo "cannot load secgroup"; exit 1; }
sysctl -qw net.ipv4.ip_forward=1
trap sg_cleanup EXIT

three_tier_instances
declare -A ADDR=([web]=10.0.1.10 [app]=10.0.2.10 [db]=10.0.3.10
		 [admin]=203.0.113.10 [internet]=198.51.100.7)

log=$(mktemp)
sgnl monitor >"$log" &
mon=$!
sleep 0.3

echo "== secgroup: the article's three-tier example"
echo
echo "\$ sgnl apply examples/three-tier.json"
sgnl apply "$top/examples/three-tier.json" || exit 1
echo "\$ sgnl stats"
sgnl stats | grep -v '^ '
echo
sgnl group list
echo

# rule id -> "group: description"
rules=$(for g in web app db mgmt; do sgnl -j group show $g; done |
	python3 -c 'import json,sys
for line in sys.stdin:
    g = json.loads(line)[0]
    for r in g["rules"]:
        what = r["description"] or "%s %s %s%s" % (r["protocol"],
            "to" if r["direction"] == "egress" else "from", r.get("peer", ""),
            " (egress to anywhere)" if r["protocol"] == "all" else "")
        print(r["id"], g["name"] + ":", what)')

# the rule that allowed SRC -> DST:PORT, from the flow records
allowed_by() {
	local src=$1 dst=$2 port=$3 dir=ingress dev=v-$2 id
	[ -n "${ADDR[$dst]}" ] || return
	case $dst in admin|internet) dir=egress dev=v-$src ;; esac
	sleep 0.3
	id=$(grep -E "^flow $dev $dir ${ADDR[$src]} ${ADDR[$dst]} [0-9]+ $port 6 ACCEPT" "$log" |
		tail -n 1 | awk '{print $NF}')
	[ -n "$id" ] && grep "^$id " <<<"$rules"
}

mismatch=0
matrix() {
	printf '%-9s %-9s %-5s %-8s %-8s %s\n' from to port expected observed "allowed by"
	while read -r src dst port want; do
		[ -n "$src" ] || continue
		if tcp "$src" "${ADDR[$dst]}" "$port"; then got=allow; else got=block; fi
		by=
		[ "$got" = allow ] && by=$(allowed_by "$src" "$dst" "$port")
		mark=
		[ "$got" = "$want" ] || { mark="  <-- MISMATCH"; mismatch=1; }
		printf '%-9s %-9s %-5s %-8s %-8s %s%s\n' "$src" "$dst" "$port" "$want" "$got" "$by" "$mark"
	done
}

MATRIX='internet web 80 allow
internet web 443 allow
internet web 22 block
admin web 22 allow
web app 8080 allow
internet app 8080 block
admin app 22 allow
app db 5432 allow
web db 5432 block
internet db 5432 block
admin db 22 allow
admin db 5432 block
db internet 443 allow'
matrix <<<"$MATRIX"

echo
echo "== a live change: the database stops accepting the app tier"
echo
changed=$(mktemp)
python3 - "$top/examples/three-tier.json" "$changed" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
db = [g for g in c["groups"] if g["name"] == "db"][0]
db["rules"] = [r for r in db["rules"] if "5432" not in str(r)]
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
echo "\$ sgnl apply db-locked.json dry-run"
sgnl apply "$changed" dry-run | sed 's/^/  /' || exit 1
echo "\$ sgnl apply db-locked.json"
cp "$log" "$log.before"
sgnl apply "$changed" || exit 1
rm -f "$changed"
matrix <<'EOF2'
app db 5432 block
admin db 22 allow
web app 8080 allow
EOF2
sleep 0.5
echo
echo "sgnl monitor, during the change:"
diff "$log.before" "$log" | sed -n 's/^> /  /p'
kill $mon 2>/dev/null
rm -f "$log" "$log.before"
echo
if [ $mismatch = 0 ]; then
	echo "every observed cell matches the expected one"
else
	echo "some observed cells differ from the expected ones"
fi
exit $mismatch

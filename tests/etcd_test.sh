#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sgnl --etcd against a real etcd (Debian's etcd-server, started here on a
# loopback port; no kernel is needed): a VPC's definition is written,
# changed and read back as `sgnl apply` reads files; bad changes and bad
# data change nothing, byte for byte; concurrent editors lose no change
# (the compare-and-swap); VPCs do not see each other.
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
sgnl=${SGNL:-$top/tools/sgnl/sgnl}
n=0 failed=0
echo "TAP version 13"
command -v etcd >/dev/null || { echo "1..0 # SKIP no etcd"; exit 4; }
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
URL=http://127.0.0.1:$port
etcd --name t --data-dir "$work/data" --listen-client-urls "$URL" --advertise-client-urls "$URL" \
	--listen-peer-urls "http://127.0.0.1:$((port + 1))" \
	--initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
	--initial-cluster "t=http://127.0.0.1:$((port + 1))" >"$work/etcd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
	etcdctl --endpoints "$URL" endpoint health >/dev/null 2>&1 && break
	sleep 0.1
done

check() {	# check DESCRIPTION COMMAND...
	local d=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d"; else failed=$((failed + 1)); echo "not ok $n - $d"; fi
}
e() { "$sgnl" --etcd "$URL" --vpc t "$@"; }
raw() { etcdctl --endpoints "$URL" get /secgroup/t/config -w json; }
stored() { etcdctl --endpoints "$URL" get --print-value-only /secgroup/t/config; }

# the article's three tiers, without the attachments (they are each host's)
python3 -c 'import json,sys; c = json.load(open(sys.argv[1])); c.pop("attachments", None)
json.dump(c, open(sys.argv[2], "w"), indent=1)' "$top/examples/three-tier.json" "$work/vpc.json"

check "an empty VPC reads as the default group alone" \
	sh -c "$sgnl --etcd $URL --vpc t save | grep -q 'default security group'"
check "apply writes a file" e apply "$work/vpc.json"
check "save gives it back as apply check reads it" \
	cmp <(e save) <("$sgnl" apply "$work/vpc.json" check)
check "what is stored is that text" [ "$(stored)" = "$(e save)" ]
check "group add" e group add extra description "an extra group"
check "rule add" e rule add extra ingress tcp port 9000 from group web
check "member add (a static member)" e member add extra 192.0.2.9
e rule set extra sgr-00000001 description x 2>"$work/err"
rc=$?
check "rule set: refused, rules have no ids in a definition (exit 2)" \
	sh -c "[ $rc = 2 ] && grep -q 'no ids' $work/err"
check "... the three are in the definition" sh -c "$sgnl --etcd $URL --vpc t save | \
	grep -q '192.0.2.9' && $sgnl --etcd $URL --vpc t save | grep -q 'port 9000 from group web'"

# refused changes leave the key as it was: same value, same revision
before=$(raw | python3 -c 'import json,sys; k=json.load(sys.stdin)["kvs"][0]; print(k["mod_revision"], k["value"])')
unchanged() { [ "$(raw | python3 -c 'import json,sys; k=json.load(sys.stdin)["kvs"][0]; print(k["mod_revision"], k["value"])')" = "$before" ]; }
e rule add extra ingress tcp port 9000 from group web 2>"$work/err"
check "a duplicate rule: refused" grep -q "has the rule" "$work/err"
check "... nothing written" unchanged
e group del web 2>"$work/err"
check "deleting a referenced group: refused" grep -q "in use" "$work/err"
check "... nothing written" unchanged
e rule add nope ingress tcp port 1 from 0.0.0.0/0 2>/dev/null
rc=$?
check "a rule of no group: exit 1" [ "$rc" = 1 ]
check "... nothing written" unchanged
printf '{"version": 1, "attachments": []}\n' >"$work/att.json"
e apply "$work/att.json" 2>"$work/err"
check "a file with attachments: refused (they are each host's)" grep -q "each host's" "$work/err"
check "... nothing written" unchanged
printf '{"version": 1, "groups": [], "groups": []}\n' >"$work/dup.json"
e apply "$work/dup.json" 2>/dev/null
check "a file with a duplicate key: refused, nothing written" unchanged

# bad data in etcd: read as a bad file, and not edited
etcdctl --endpoints "$URL" put /secgroup/t/config '{"version": 1, "groups": [' >/dev/null
e save >/dev/null 2>"$work/err"
check "malformed JSON in etcd: save says where" grep -q "/secgroup/t/config" "$work/err"
e group add more 2>/dev/null
check "... and no change is made on top of it" \
	sh -c "[ \"\$(etcdctl --endpoints $URL get --print-value-only /secgroup/t/config)\" = '{\"version\": 1, \"groups\": [' ]"
check "a good file replaces it" e apply "$work/vpc.json"

# two editors at once: every change lands (compare-and-swap, retried)
pids=()
for i in $(seq 10); do
	e rule add web ingress tcp port $((1000 + i)) from 10.0.0.0/8 & pids+=($!)
	e rule add app ingress tcp port $((2000 + i)) from 10.0.0.0/8 & pids+=($!)
done
wait "${pids[@]}"
got=$(e save | grep -c 'port [12]0[01][0-9] from 10.0.0.0/8')
check "20 concurrent rule adds: all 20 in the definition ($got)" [ "$got" = 20 ]

# VPCs are apart
check "another VPC starts empty" \
	sh -c "! $sgnl --etcd $URL --vpc other save | grep -q '\"web\"'"

# ---- a second etcd, over TLS with users and roles, as a VPC should run ----
# The CA and the server's certificate are made here; the gateway ignores a
# client certificate's name, so users are names and passwords (etcdctl's
# ETCDCTL_USER, ETCDCTL_CACERT, which sgnl reads too).
tls=$work/tls
mkdir "$tls"
(cd "$tls" &&
 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout ca.key -out ca.crt -subj /CN=secgroup-test-ca &&
 openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout server.key -out server.csr -subj /CN=etcd &&
 printf 'subjectAltName=IP:127.0.0.1\n' >server.ext &&
 openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
	-extfile server.ext -out server.crt) >/dev/null 2>&1
port2=$((port + 2))
URL2=https://127.0.0.1:$port2
etcd --name s --data-dir "$work/data2" --listen-client-urls "$URL2" --advertise-client-urls "$URL2" \
	--listen-peer-urls "http://127.0.0.1:$((port2 + 1))" \
	--initial-advertise-peer-urls "http://127.0.0.1:$((port2 + 1))" \
	--initial-cluster "s=http://127.0.0.1:$((port2 + 1))" \
	--cert-file "$tls/server.crt" --key-file "$tls/server.key" >"$work/etcd2.log" 2>&1 &
pid2=$!
trap 'kill $pid $pid2 2>/dev/null; wait $pid $pid2 2>/dev/null; rm -rf "$work"' EXIT
ctl2() { ETCDCTL_CACERT=$tls/ca.crt etcdctl --endpoints "$URL2" "$@" >/dev/null 2>&1; }
for _ in $(seq 100); do ctl2 endpoint health && break; sleep 0.1; done
ctl2 user add root:rootpw && ctl2 user add h1:h1pw && ctl2 role add host-h1 &&
ctl2 role grant-permission host-h1 read /secgroup/t/ --prefix &&
ctl2 role grant-permission host-h1 readwrite /secgroup/t/hosts/h1/ --prefix &&
ctl2 user grant-role h1 host-h1 && ctl2 --user root:rootpw auth enable
check "etcd over TLS with users and roles is set up" [ $? = 0 ]
e2() {	# e2 USER[:PASSWORD] sgnl-ARGS...: sgnl --etcd on the second etcd
	local u=$1; shift
	ETCDCTL_CACERT=$tls/ca.crt ETCDCTL_USER=$u "$sgnl" --etcd "$URL2" --vpc t "$@"
}
ETCDCTL_USER=root:rootpw "$sgnl" --etcd "$URL2" --vpc t save >/dev/null 2>"$work/err"
check "without the CA: refused, the server's certificate is not trusted" \
	grep -qi "certificate" "$work/err"
check "root, with the CA: apply" e2 root:rootpw apply "$work/vpc.json"
raw2() { ETCDCTL_CACERT=$tls/ca.crt ETCDCTL_USER=root:rootpw etcdctl --endpoints "$URL2" \
	get /secgroup/t/config -w json | python3 -c 'import json,sys; k=json.load(sys.stdin)["kvs"][0]; print(k["mod_revision"], k["value"])'; }
before2=$(raw2)
check "h1 (name and password apart): reads the definition" \
	sh -c "ETCDCTL_PASSWORD=h1pw ETCDCTL_CACERT=$tls/ca.crt ETCDCTL_USER=h1 $sgnl --etcd $URL2 --vpc t save | grep -q '\"web\"'"
e2 h1:h1pw group add evil 2>"$work/err"
rc=$?
check "h1 cannot change the definition: exit 1, etcd's reason" \
	sh -c "[ $rc = 1 ] && grep -q 'permission denied' $work/err"
e2 h1:wrong save >/dev/null 2>"$work/err"
check "a wrong password: refused, etcd's reason" grep -q "authentication failed" "$work/err"
ETCDCTL_CACERT=$tls/ca.crt "$sgnl" --etcd "$URL2" --vpc t rule add web ingress tcp port 1 from 0.0.0.0/0 2>"$work/err"
check "no user: refused" grep -q "user name is empty" "$work/err"
check "... and none of the refused changes was written" [ "$(raw2)" = "$before2" ]

# ---- a server in etcd's place answers the authentication with a trap ----
# (anyone on the path of an http:// URL can): a token that is no string
# (an array longer than any buffer, a number), one that would add a header
# line.
cat >"$work/fake.py" <<'EOF'
import http.server, sys
answer = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(answer.encode())
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
fport=$((port + 4))
long=$(printf '%05000d' 0)
for trap in "{\"token\": [\"$long\"]}" '{"token": 12345}' '{"token": "abc\r\nX-Evil: 1"}'; do
	python3 "$work/fake.py" "$fport" "$trap" & fpid=$!
	for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$fport") 2>/dev/null && break; sleep 0.1; done
	ETCDCTL_USER=u:p "$sgnl" --etcd "http://127.0.0.1:$fport" --vpc t save >/dev/null 2>"$work/err"
	rc=$?
	kill $fpid; wait $fpid 2>/dev/null
	check "a forged token answer (${trap:0:16}...): refused cleanly, exit 1 ($rc)" \
		sh -c "[ $rc = 1 ] && grep -q 'no usable token' $work/err"
done

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]

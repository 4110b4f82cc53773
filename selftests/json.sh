#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sgnl -j, for scripts: every command's output is what
# Documentation/sgnl.schema.json says (one array of objects per command;
# monitor, one event per line), checked with python3-jsonschema on a
# configuration that carries traffic.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
schema=$top/Documentation/sgnl.schema.json
sg_setup
inst a 10.0.0.2
inst b 10.0.0.3
serve b 80
cg=/sys/fs/cgroup/sgjson
mkdir -p "$cg"
out=$(mktemp -d)

# valid DEF FILE [lines]: FILE is one document of $defs/DEF (lines: every
# line is one); says why not
valid() {
	python3 - "$schema" "$@" <<'PY'
import json, sys
import jsonschema
schema, d, path = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
lines = len(sys.argv) > 4
v = jsonschema.Draft202012Validator({"$ref": "#/$defs/" + d, "$defs": schema["$defs"]},
                                    format_checker=jsonschema.FormatChecker())
text = open(path).read()
docs = [json.loads(l) for l in text.splitlines() if l.strip()] if lines else [json.loads(text)]
if not docs:
    print("# %s: nothing printed" % path)
    sys.exit(1)
bad = [e for doc in docs for e in v.iter_errors(doc)]
for e in bad[:5]:
    print("# %s: %s at %s" % (d, e.message, list(e.absolute_path)))
sys.exit(1 if bad else 0)
PY
}
# run NAME DEF COMMAND...: sgnl -j COMMAND into $out/NAME, then valid DEF
run() {
	local name=$1 def=$2
	shift 2
	sgnl -j "$@" >"$out/$name"
	check "sgnl -j $*: $def" valid "$def" "$out/$name"
}

sgnl -j -t monitor >"$out/monitor" &
mon=$!
# subscribed once an event of ours comes back
sgnl group add marker >/dev/null
for i in $(seq 100); do grep -q '"marker"' "$out/monitor" && break; sleep 0.1; done
run group-add group-add group add web description "Web tier" tag env=prod
sgnl group add admin >/dev/null
run rule-add rule-add rule add web ingress http from 10.0.0.0/24 description "HTTP"
run rule-add-dns rule-add rule add web ingress dns from 10.0.0.0/8
check "... dns: one document of two rules" \
	python3 -c 'import json, sys; sys.exit(len(json.load(open(sys.argv[1]))) != 2)' "$out/rule-add-dns"
sgnl rule add web ingress icmp type echo-request from 0.0.0.0/0 >/dev/null
sgnl rule add web ingress ssh from group admin >/dev/null
sgnl member add admin 192.0.2.7
sgnl attach dev v-b group web addr 10.0.0.3 flowlog
sgnl attach cgroup sgjson group admin
check "traffic: http to b" tcp a 10.0.0.3 80
check "traffic: a ping to b" ping_ok a 10.0.0.3
run group-list group-list group list
run group-show group-show group show web
run rule-list rule-list rule list
run rule-list-f rule-list rule list web ingress port 80
run stats stats stats
run stats-dev stats stats dev v-b
run member-list member-list member list
check "... member list: admin's remote member" \
	python3 -c 'import json, sys; a = json.load(open(sys.argv[1]))
sys.exit(not any(m["addr"] == "192.0.2.7" for m in a))' "$out/member-list"
check "... stats ends with the netns's totals" \
	python3 -c 'import json, sys; n = json.load(open(sys.argv[1]))[-1]["netns"]
sys.exit(not (n["members"] >= 1 and n["member_bytes"] > 0))' "$out/stats"
check "... stats: the device and the cgroup" \
	python3 -c 'import json, sys; a = json.load(open(sys.argv[1]))
sys.exit(not ({"dev", "cgroup"} <= {k for x in a for k in x}))' "$out/stats"
sgnl -j audit >"$out/audit"
check "sgnl -j audit: audit (exit $?)" valid audit "$out/audit"
sgnl save >"$out/conf.json"
python3 - "$out/conf.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for g in c["groups"]:
    if g["name"] == "web":
        g["rules"] = g["rules"][1:] + ["ingress tcp port 8443 from 10.0.0.0/8"]
c["groups"].append({"name": "extra"})
json.dump(c, open(sys.argv[1], "w"))
PY
run dry apply-dry-run apply "$out/conf.json" dry-run
check "... the dry run lists its changes" \
	python3 -c 'import json, sys; a = json.load(open(sys.argv[1]))
sys.exit(not {("+", "group"), ("+", "rule"), ("-", "rule")} <= {(c["op"], c["object"]) for c in a})' "$out/dry"
sgnl rule set web "$(sgnl -j rule list web ingress port 80 |
	python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')" description "HTTP v2"
sgnl member del admin 192.0.2.7
sgnl detach cgroup sgjson
sgnl group set web description tag untag env
check "group set: the description 'tag', and env untagged" \
	sh -c "sgnl -j group show web | python3 -c 'import json, sys; g = json.load(sys.stdin)[0]
sys.exit(not (g[\"description\"] == \"tag\" and g[\"tags\"] == {}))'"
sgnl group del marker
for i in $(seq 100); do grep -q '"group del"' "$out/monitor" && break; sleep 0.1; done
kill "$mon"
wait "$mon" 2>/dev/null
check "sgnl -j -t monitor: every line an event" valid monitor "$out/monitor" lines
check "... with flows, rules, groups, attachments and members, each timed" \
	python3 -c 'import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
kinds = {k for x in e for k in ("flow", "rule", "group", "attach", "member") if k in x}
sys.exit(not (len(kinds) == 5 and all("time" in x for x in e) and
              any(x["event"] == "rule set" for x in e)))' "$out/monitor"
# a tag with control bytes is refused, and nothing changes
sgnl save >"$out/before"
check "a tag holding an ESC is refused" \
	sh -c "! sgnl group add esc tag \"k=\$(printf 'v\\033[2J')\" 2>/dev/null"
sgnl save >"$out/after"
check "... and the state is as it was" cmp -s "$out/before" "$out/after"
# text output: a cgroup name's control bytes escaped, never sent to the terminal
esc="sg$(printf 'e\033[2J')"
mkdir "/sys/fs/cgroup/$esc"
sgnl attach cgroup "$esc" group web
check "stats prints a cgroup name's ESC as \\x1b" \
	sh -c "sgnl stats | grep -F 'sge\\x1b[2J' && ! sgnl stats | grep -q \"\$(printf '\\033')\""
sgnl detach cgroup "$esc"
rmdir "/sys/fs/cgroup/$esc"
# the check can fail: the old shape of stats is not the schema's
echo '{ "attachments": [] }' >"$out/old"
invalid() { ! valid "$@" >/dev/null; }
check "the schema refuses stats as an object (the shape before)" invalid stats "$out/old"
check "the ping's flow record keeps its ICMP type" \
	python3 -c 'import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(not any(x.get("flow", {}).get("protocol") == 1 and x["flow"].get("icmp_type") == 8
                 for x in e))' "$out/monitor"
sgnl detach dev v-b
rmdir "$cg"
rm -rf "$out"
finish

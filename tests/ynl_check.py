#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Documentation/netlink/specs/secgroup.yaml against uapi/linux/secgroup.h.

Every name and value the spec implies (constants, enums, flags, attribute
sets, operations, multicast groups) becomes a _Static_assert compiled
against the header; every enum member of the header must appear in the
spec.  TAP output and a closing "N passed, N failed" line.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = yaml.safe_load(open(os.path.join(top, "Documentation/netlink/specs/secgroup.yaml")))
header = open(os.path.join(top, "uapi/linux/secgroup.h")).read()


def c_name(prefix, name):
    return (prefix + name).upper().replace("-", "_")


expect = {}  # C name -> value (int or string literal)
for d in spec["definitions"]:
    if d["type"] == "const":
        expect[c_name("secgroup-", d["name"])] = d["value"]
    else:
        for i, e in enumerate(d["entries"]):
            expect[c_name(d["name-prefix"], e)] = (1 << i) if d["type"] == "flags" else i
for s in spec["attribute-sets"]:
    if "subset-of" in s:
        continue
    v = 1
    for a in s["attributes"]:
        v = a.get("value", v)
        expect[c_name(s["name-prefix"], a["name"])] = v
        v += 1
ops = spec["operations"]
v = 1
for o in ops["list"]:
    if "value" in o and ("event" in o or "notify" in o):
        continue  # an event under its request's command: no name of its own
    v = o.get("value", v)
    expect[c_name(ops["name-prefix"], o["name"])] = v
    v += 1
for g in spec["mcast-groups"]["list"]:
    expect["SECGROUP_MCGRP_" + g["name"].upper()] = '"%s"' % g["name"]
expect["SECGROUP_GENL_NAME"] = '"%s"' % spec["name"]

results = []
with tempfile.TemporaryDirectory() as d:
    src = os.path.join(d, "check.c")
    with open(src, "w") as f:
        f.write("#include <string.h>\n#include <linux/secgroup.h>\n")
        for name, value in expect.items():
            if isinstance(value, str):
                f.write('_Static_assert(sizeof(%s) == sizeof(%s), "%s");\n' % (name, value, name))
            else:
                f.write('_Static_assert(%s == %d, "%s");\n' % (name, value, name))
    cc = subprocess.run(["cc", "-fsyntax-only", "-I", os.path.join(top, "uapi"), src],
                        capture_output=True, text=True)
    bad = set(re.findall(r'static assertion failed: "(\w+)"', cc.stderr))
    bad |= set(re.findall(r"'(\w+)' undeclared", cc.stderr))
    for name in expect:
        results.append((name not in bad, "spec %s = %s holds in the header" % (name, expect[name])))
    if cc.returncode and not bad:
        results.append((False, "the check does not compile: " + cc.stderr.strip()))

members = re.findall(r"^\s+(SECGROUP_[A-Z0-9_]+)\b", header, re.M)
for m in members:
    if m.endswith("_UNSPEC") or m.startswith("SECGROUP_") and m.endswith("_ALL"):
        continue
    results.append((m in expect, "header %s is in the spec" % m))

print("TAP version 13")
for i, (ok, what) in enumerate(results, 1):
    print("%sok %d - %s" % ("" if ok else "not ", i, what))
print("1..%d" % len(results))
failed = sum(1 for ok, _ in results if not ok)
print("%d passed, %d failed" % (len(results) - failed, failed))
sys.exit(1 if failed else 0)

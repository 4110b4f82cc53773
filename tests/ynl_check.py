#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Documentation/netlink/specs/secgroup.yaml through the kernel's own YNL.

The schemas and the YNL tools come from Debian's linux-source-6.12 tarball
(LINUX_SOURCE_6_12 to name another), extracted once into build/ynl; without
it the suite fails and says so.  What holds:

- the spec validates against its protocol's schema (genetlink-legacy.yaml);
- every reference in it resolves: nested-attributes, subset-of, enum, the
  constants of checks, the attributes of each operation, notify, mcgrp;
- ynl-gen-c.py --mode uapi generates a header that has every name of
  uapi/linux/secgroup.h with the same value (but the UNSPEC members and
  the _ALL masks, which YNL does not make), and no other name but the
  events' aliases (SECGROUP_CMD_GROUP_NEW_NTF = SECGROUP_CMD_GROUP_NEW);
  cc compiles both headers and prints their values;
- ynl-gen-c.py --mode kernel generates the policy header and source;
- lib/ynl.py encodes a config-replace of many objects and decodes it back
  as the same lists, addresses shown as addresses;
- every command kmod/ multicasts is a notification of the spec, on
  "events", so that ynl --subscribe events names it.

TAP output and a closing "N passed, N failed" line.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = "Documentation/netlink/specs/secgroup.yaml"
HEADER = "uapi/linux/secgroup.h"
TARBALL = os.environ.get("LINUX_SOURCE_6_12", "/usr/src/linux-source-6.12.tar.xz")
ynl = os.path.join(top, "build/ynl")
MEMBERS = [
    "Documentation/netlink/genetlink.yaml",
    "Documentation/netlink/genetlink-c.yaml",
    "Documentation/netlink/genetlink-legacy.yaml",
    "tools/net/ynl/ynl-gen-c.py",
    "tools/net/ynl/cli.py",
    "tools/net/ynl/lib/__init__.py",
    "tools/net/ynl/lib/nlspec.py",
    "tools/net/ynl/lib/ynl.py",
]

results = []


def check(ok, what):
    results.append((bool(ok), what))
    return ok


def finish():
    print("TAP version 13")
    for i, (ok, what) in enumerate(results, 1):
        print("%sok %d - %s" % ("" if ok else "not ", i, what))
    print("1..%d" % len(results))
    failed = sum(1 for ok, _ in results if not ok)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1].strip() if lines else "(no output)"


def extract():
    """The tarball's YNL files into build/ynl, once per tarball; an error or None."""
    if not os.path.isfile(TARBALL):
        return ("%s is missing: install linux-source-6.12 (bookworm-backports; "
                "tools/deps.sh does)" % TARBALL)
    st = os.stat(TARBALL)
    stamp = "%s %d %d %s\n" % (TARBALL, st.st_size, int(st.st_mtime), " ".join(MEMBERS))
    try:
        with open(os.path.join(ynl, ".extracted")) as f:
            if f.read() == stamp:
                return None
    except OSError:
        pass
    root = os.path.basename(TARBALL).split(".tar")[0]
    tmp = ynl + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    tar = subprocess.run(["tar", "-xJf", TARBALL, "-C", tmp, "--strip-components=1"] +
                         [root + "/" + m for m in MEMBERS], capture_output=True, text=True)
    if tar.returncode:
        return "tar -xJf %s: %s" % (TARBALL, last_line(tar.stderr))
    # ynl-gen-c.py looks up from the spec for the kernel's root, which a
    # MAINTAINERS file marks, and never stops if there is none
    open(os.path.join(tmp, "MAINTAINERS"), "w").close()
    with open(os.path.join(tmp, ".extracted"), "w") as f:
        f.write(stamp)
    shutil.rmtree(ynl, ignore_errors=True)
    os.rename(tmp, ynl)
    return None


err = extract()
if len(sys.argv) > 1 and sys.argv[1] == "--extract":   # make vm-prep: for selftests/ynl.sh
    if err:
        print("ynl_check.py: " + err, file=sys.stderr)
    sys.exit(1 if err else 0)
if err:
    check(False, err)
    finish()

spec_path = os.path.join(ynl, SPEC)  # in the kernel's layout: the schemas are ../
os.makedirs(os.path.dirname(spec_path), exist_ok=True)
shutil.copyfile(os.path.join(top, SPEC), spec_path)
try:
    spec = yaml.safe_load(open(spec_path))
except yaml.YAMLError as e:
    check(False, "%s is no YAML: %s" % (SPEC, " ".join(str(e).split())))
    finish()
real = {}  # the header's values, name -> str


def schema():
    try:
        import jsonschema
    except ImportError:
        check(False, "python3-jsonschema is missing (tools/deps.sh installs it)")
        return
    name = spec.get("protocol", "genetlink") + ".yaml"
    sch = yaml.safe_load(open(os.path.join(ynl, "Documentation/netlink", name)))
    errors = list(jsonschema.Draft7Validator(sch).iter_errors(spec))  # the schemas' draft
    check(not errors, "the spec validates against Linux 6.12's %s%s" % (
        name, "".join("; %s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
                      for e in errors[:3])))


def references():
    sets = {s["name"]: s for s in spec["attribute-sets"]}
    consts = {d["name"] for d in spec.get("definitions", [])}
    ops = {o["name"]: o for o in spec["operations"]["list"]}
    mcgrps = {g["name"] for g in spec.get("mcast-groups", {}).get("list", [])}

    def attrs(set_name):
        return [a for a in sets.get(set_name, {}).get("attributes", [])]

    def names(set_name):
        return {a["name"] for a in attrs(set_name)}

    bad = {k: [] for k in ("nested-attributes", "subset-of", "enum", "checks", "operations",
                           "notify and mcgrp")}
    for s in sets:
        parent = sets[s].get("subset-of")
        if parent is not None:
            bad["subset-of"] += ["%s: %s" % (s, parent)] if parent not in sets else \
                ["%s.%s" % (s, a["name"]) for a in attrs(s) if a["name"] not in names(parent)]
        for a in attrs(s):
            where = "%s.%s" % (s, a["name"])
            if "nested-attributes" in a and a["nested-attributes"] not in sets:
                bad["nested-attributes"].append("%s: %s" % (where, a["nested-attributes"]))
            if "enum" in a and a["enum"] not in consts:
                bad["enum"].append("%s: %s" % (where, a["enum"]))
            for v in a.get("checks", {}).values():
                if isinstance(v, str) and v not in consts and \
                        not re.fullmatch(r"[su](8|16|32|64)-(min|max)", v):
                    bad["checks"].append("%s: %s" % (where, v))
    for o in ops.values():
        aset = o.get("attribute-set", ops.get(o.get("notify"), {}).get("attribute-set"))
        lists = [o.get("event", {}).get("attributes", [])]
        lists += [o.get(mode, {}).get(way, {}).get("attributes", [])
                  for mode in ("do", "dump") for way in ("request", "reply")]
        bad["operations"] += ["%s: %s" % (o["name"], a) for l in lists for a in l
                              if a not in names(aset)]
        if "notify" in o and o["notify"] not in ops:
            bad["notify and mcgrp"].append("%s: notify %s" % (o["name"], o["notify"]))
        if "mcgrp" in o and o["mcgrp"] not in mcgrps:
            bad["notify and mcgrp"].append("%s: mcgrp %s" % (o["name"], o["mcgrp"]))
    for kind, where in bad.items():
        check(not where, "every %s reference resolves%s" % (
            kind, "; not: " + ", ".join(where) if where else ""))


def generate(mode, kind, out):
    cmd = [sys.executable, os.path.join(ynl, "tools/net/ynl/ynl-gen-c.py"), "--mode", mode,
           "--" + kind, "--spec", spec_path, "-o", os.path.join(ynl, "gen", out)]
    os.makedirs(os.path.join(ynl, "gen"), exist_ok=True)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        ok, why = r.returncode == 0, last_line(r.stderr + r.stdout)
    except subprocess.TimeoutExpired:
        ok, why = False, "still running after 120 s"
    return check(ok, "ynl-gen-c.py --mode %s --%s generates %s%s" % (
        mode, kind, out, "" if ok else ": " + why))


def header_names(text):
    """Every enum member and valued #define: name -> whether a string."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    found = {m[1]: m[2].startswith('"')
             for m in re.finditer(r"^#define[ \t]+(\w+)[ \t]+(\S.*)$", text, re.M)}
    for body in re.findall(r"\benum\b[^{;]*\{(.*?)\}", text, re.S):
        found.update((n, False) for n in
                     re.findall(r"^\s*([A-Za-z_]\w*)\s*(?:=[^,]*)?,?\s*$", body, re.M))
    return found


def header_values(path, include, tmp):
    """The values of path's names as cc sees them through include: name -> str."""
    src = os.path.join(tmp, "values.c")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include %s\n\nint main(void)\n{\n" % include)
        for n, is_str in sorted(header_names(open(path).read()).items()):
            if is_str:
                f.write('\tprintf("%%s \\"%%s\\"\\n", "%s", %s);\n' % (n, n))
            else:
                f.write('\tprintf("%%s %%lld\\n", "%s", (long long)(%s));\n' % (n, n))
        f.write("\treturn 0;\n}\n")
    exe = os.path.join(tmp, "values")
    cc = subprocess.run(["cc", "-w", "-I", os.path.join(top, "uapi"), "-o", exe, src],
                        capture_output=True, text=True)
    if not check(cc.returncode == 0, "%s compiles%s" % (
            os.path.relpath(path, top), "" if cc.returncode == 0 else
            ": " + last_line(cc.stderr))):
        return None
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    return dict(l.split(" ", 1) for l in out.splitlines())


def header():
    with tempfile.TemporaryDirectory() as tmp:
        real.update(header_values(os.path.join(top, HEADER), "<linux/secgroup.h>", tmp) or {})


def generated():
    generate("kernel", "header", "secgroup-nl.h")
    generate("kernel", "source", "secgroup-nl.c")
    if not generate("uapi", "header", "secgroup.h") or not real:
        return
    with tempfile.TemporaryDirectory() as tmp:
        made = os.path.join(ynl, "gen/secgroup.h")
        made = header_values(made, '"%s"' % made, tmp)
    if made is None:
        return
    for n, v in sorted(made.items()):
        if n in real:
            check(v == real[n], "%s = %s, generated as in the header%s" % (
                n, v, "" if v == real[n] else " (the header: %s)" % real[n]))
        elif n.endswith("_NTF") and real.get(n[:-4]) == v:
            check(True, "%s = %s: an alias, the events of %s" % (n, v, n[:-4]))
        else:
            check(False, "%s = %s is generated from the spec, not in the header" % (n, v))
    for n in sorted(set(real) - set(made)):
        # YNL generates neither the UNSPEC members nor the masks of all flags
        if not (n.endswith("_UNSPEC") or n.endswith("_ALL")):
            check(False, "the header's %s = %s is not in the spec" % (n, real[n]))


def family():
    """A YnlFamily without its socket, which needs the module: the spec as
    lib/ynl.py resolves it, with its encoder and decoder (6.12's)."""
    sys.path.insert(0, os.path.join(ynl, "tools/net/ynl"))
    from lib import SpecFamily, YnlFamily
    fam = YnlFamily.__new__(YnlFamily)
    SpecFamily.__init__(fam, spec_path, schema_path="")  # validated above
    fam.process_unknown = False
    fam.include_raw = False
    return fam


def round_trip():
    fam = family()
    from lib.ynl import NlAttrs
    v6 = "20010db8" + "00" * 12  # 2001:db8::
    request = {
        "group": [{"name": "web", "tags": {"tag": [{"key": ["tier"], "value": "web"},
                                                   {"key": ["env"], "value": "prod"}]}},
                  {"name": "db", "untags": {"key": ["tier", "env"]}}],
        "rule": [{"group-name": "web", "direction": "ingress", "protocol": 6,
                  "port-min": 443, "peer-ipv4": "0a000000", "peer-prefix": 8},
                 {"group-name": "db", "direction": "egress", "peer-ipv6": v6,
                  "peer-prefix": 32}],
        "member": [{"group-name": "db", "ipv4": "c0a80001"},
                   {"group-name": "db", "ipv6": "fe80" + "00" * 13 + "01"}],
        "attach": [{"ifindex": 3, "groups": {"group-name": ["web", "db"]},
                    "addrs": {"ipv4": ["0a000001", "0a000002"], "ipv6": [v6[:-2] + "01"]}}],
        "flags": ["dry-run", "attachments"],
    }
    expect = {
        "group": request["group"],
        "rule": [dict(request["rule"][0], **{"peer-ipv4": "10.0.0.0"}),
                 dict(request["rule"][1], **{"peer-ipv6": "2001:db8::"})],
        "member": [{"group-name": "db", "ipv4": "192.168.0.1"},
                   {"group-name": "db", "ipv6": "fe80::1"}],
        "attach": [dict(request["attach"][0], addrs={"ipv4": ["10.0.0.1", "10.0.0.2"],
                                                     "ipv6": ["2001:db8::1"]})],
        "flags": {"dry-run", "attachments"},
    }
    try:
        wire = b"".join(fam._add_attr("secgroup", k, v, None) for k, v in request.items())
        back = fam._decode(NlAttrs(wire), "secgroup")
    except Exception as e:  # the spec is what breaks here: say how
        back = "%s: %s" % (type(e).__name__, e)
    check(back == expect, "lib/ynl.py: a config-replace of 2 groups (tags, untags), 2 rules, "
          "2 members and an attachment (2 groups, 3 addresses) decodes as it was encoded%s"
          % ("" if back == expect else "; got " + str(back)))


def events():
    sent = set()
    for name in sorted(os.listdir(os.path.join(top, "kmod"))):
        if name.endswith(".c"):
            text = open(os.path.join(top, "kmod", name)).read()
            sent |= set(re.findall(r"\bsg_notify_\w+\(\s*[^,()]+,\s*(SECGROUP_CMD_\w+)", text))
            # an event has no receiving port: genlmsg_put(skb, 0, ...)
            sent |= set(re.findall(r"\bgenlmsg_put\(\s*\w+,\s*0,[^;]*?\b(SECGROUP_CMD_\w+)", text))
    check(len(sent) > 1, "kmod/ multicasts %d commands" % len(sent))
    fam = family()
    for cmd in sorted(sent):
        msg = fam.rsp_by_value.get(int(real[cmd])) if cmd in real else None
        ok = msg is not None and msg.is_async and msg.yaml.get("mcgrp") == "events"
        check(ok, "%s, sent on events by kmod/, is %s" % (
            cmd, "the spec's notification " + msg.name if ok else "no notification of the spec"))


for part in (schema, references, header, generated, round_trip, events):
    try:
        part()
    except Exception as e:  # a spec too broken for the part: one failure, and on
        check(False, "%s: %s: %s" % (part.__name__, type(e).__name__, e))
finish()

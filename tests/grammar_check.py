#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The synopses `sgnl help` prints are the grammar that completion runs
(tools/sgnl/complete.c): every sentence they allow must be one the parser
takes.  Random sentences from each synopsis, values filled in, go to sgnl
with the fake netlink layer (tests/bin/sgnl-fake); none may be a usage
error (exit 2).  Exit 1 is the (fake) kernel or the system refusing: a
device of the example that is not here, a group it does not know.

usage: grammar_check.py SGNL-FAKE SGNL [COUNT] [SEED]"""
import random
import subprocess
import sys

fake, real = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 400
seed = int(sys.argv[4]) if len(sys.argv) > 4 else random.randrange(1 << 32)
rnd = random.Random(seed)
top = __file__.rsplit("/tests/", 1)[0]


def synopses(text):
    """the grammar lines of the help: 'OBJ ...' and its continuations"""
    lines, cur, definition = [], None, False
    for raw in text.split("\n")[text.split("\n").index("commands:") + 1:]:
        if not raw.strip():
            continue
        body = raw[2:]                      # help indents by two
        if body.startswith("    ") and not body.startswith("     "):
            definition = True               # "    PROTO: ...", and what follows
        if body.startswith(" ") and (definition or cur is None):
            continue
        if body.startswith(" "):
            cur += " " + body.strip().split("   ")[0]
            continue
        definition = False
        if cur:
            lines.append(cur)
        cur = body.split("   ")[0].strip()
    if cur:
        lines.append(cur)
    return lines


def tokens(line):
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if c == " ":
            i += 1
        elif c in "[]{}" or (c == "|" and line[i + 1:i + 2] == " "):
            out.append(c)
            i += 1
        elif line.startswith("...", i):
            out.append("...")
            i += 3
        else:
            j, depth = i, 0
            while j < len(line) and line[j] != " " and (depth or line[j] not in "]}"):
                depth += {"[": 1, "]": -1}.get(line[j], 0)
                j += 1
            out.append(line[i:j])
            i = j
    return out


def parse_seq(toks, i):
    seq = []
    while i < len(toks) and toks[i] not in ("|", "]", "}"):
        t = toks[i]
        if t in ("[", "{"):
            alts, i = [], i + 1
            while True:
                s, i = parse_seq(toks, i)
                alts.append(s)
                if toks[i] == "|":
                    i += 1
                    continue
                break
            i += 1
            rep = i < len(toks) and toks[i] == "..."
            if rep:
                i += 1
            seq.append(("group", t == "[", alts, rep))
        elif t == "...":
            i += 1
        else:
            seq.append(("word", t))
            i += 1
    return seq, i


VALUES = {
    "GROUP": ["web", "my web"], "NAME": ["web", "db-1"], "NAME|ID": ["web", "sg-0000abcd"],
    "TEXT": ["HTTP from anywhere", "x"], "KEY=VALUE": ["tier=web", "k="], "KEY": ["tier"],
    "N[-M]": ["80", "8000-8100", "ssh"], "N": ["22", "https"], "T": ["8", "echo-request"],
    "MAC": ["02:42:ac:11:00:02", "52:54:00:12:34:56"],
    "C": ["0"], "CIDR": ["10.0.0.0/8", "2001:db8::/32"], "ADDR": ["10.0.0.1", "fd00::1"],
    "IFNAME": ["lo"], "PATH": ["/"], "FILE": [top + "/examples/three-tier.json"],
    "RULE-ID": ["sgr-0000abcd"], "DURATION": ["30d", "12h"],
    "URL": ["http://127.0.0.1:2379", "https://10.0.0.1:2379/"], "SECONDS": ["10", "60"],
}


def expand(seq, out):
    for node in seq:
        if node[0] == "word":
            w = node[1]
            if w[0].isupper():
                out.append(w if w == "PROTO" else rnd.choice(VALUES[w]))
            else:
                out.append(rnd.choice(w.split("|")))
            continue
        _, optional, alts, rep = node
        for _ in range(rnd.choice([1, 2]) if rep else 1):
            if optional and rnd.random() < 0.5:
                break
            expand(rnd.choice(alts), out)


def fill_proto(words):
    """PROTO as the rest of the sentence needs it"""
    named = "port" in words and not words[words.index("port") + 1][0].isdigit()
    if named:                               # /etc/services names tcp's
        choices = ["tcp"]
    elif "port" in words:
        choices = ["tcp", "udp", "sctp", "udplite", "6"]
    elif "type" in words:
        choices = ["icmp", "icmpv6"]
    else:
        choices = ["all", "tcp", "gre", "esp", "http", "dns", "47", "icmp"]
    return [rnd.choice(choices) if w == "PROTO" else w for w in words]


helptext = subprocess.run([real, "help"], capture_output=True, text=True).stdout
lines = synopses(helptext)
print(f"# {len(lines)} synopses, {count} sentences, seed {seed}")
bad = 0
for k in range(count):
    line = lines[k % len(lines)]
    seq, _ = parse_seq(tokens(line), 0)
    words = []
    expand(seq, words)
    words = fill_proto(words)
    r = subprocess.run([fake] + words, capture_output=True, text=True)
    if r.returncode == 2:
        bad += 1
        if bad <= 10:
            print(f"# '{line}' allows {words}, which sgnl refuses ({r.returncode}): "
                  f"{(r.stderr or r.stdout).strip().splitlines()[0] if (r.stderr or r.stdout).strip() else ''}")
print(f"# {count - bad} of {count} sentences taken")
sys.exit(1 if bad else 0)

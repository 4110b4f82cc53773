#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tools/bench/report.py RAW MD PNG-DATA: the benchmark's table.

Reads the BENCH lines tools/bench/run.sh printed (RAW), writes the
Markdown page MD (the table, each arm's median over its rounds, the
spread as min-max, and its ratio to the conntrack-only arm of the same
run) and PNG-DATA, the data file tools/bench/plot.gp draws.  Prints the
table too.  Fails if a measurement the page needs is missing.
"""
import collections
import statistics
import sys


def load(path):
    runs = collections.defaultdict(list)
    units = {}
    meta = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 2 and f[0] == "BENCHMETA":
            meta[f[1]] = " ".join(f[2:])
        if len(f) != 7 or f[0] != "BENCH":
            continue
        _, test, arm, n, _round, value, unit = f
        runs[(test, arm, int(n))].append(float(value))
        units[test] = unit
    return runs, units, meta


def med(v):
    return statistics.median(v)


def paired(runs, test, arm, n):
    """Each round's ratio of the arm to the base that ran beside it."""
    return [a / b for a, b in zip(runs[(test, arm, n)], runs[(test + "-base", arm, n)])]


def fmt(x):
    if x >= 100:
        return "{:,.0f}".format(x)
    if x >= 1:
        return "{:.2f}".format(x)
    return "{:.4f}".format(x)


def spread(v):
    return "{}-{}".format(fmt(min(v)), fmt(max(v)))


def goals(w, runs, sizes, plane, scale):
    """The targets of issue 14, each met or not by this run's figures."""
    w("## Against the targets")
    w("")
    w("| target | this run | met |")
    w("|---|---:|:-:|")
    yes = lambda ok: "yes" if ok else "**no**"
    n = sizes[-1]
    worst = min(med(paired(runs, "new", a, n)) for a in ("sg-worst", "sg-best"))
    w("| new connections at {:,} rules within 5% of conntrack only | {:.3f} | {} |".format(
        n, worst, yes(worst >= 0.95)))
    est = med(paired(runs, "est", "sg", 1))
    w("| established flow within 2% | {:.3f} | {} |".format(est, yes(est >= 0.98)))
    if plane:
        m = plane[-1]
        for t in ("load", "join", "change"):
            if (t, "sgnl", m) in runs and (t, "nft", m) in runs:
                a, b = med(runs[(t, "sgnl", m)]), med(runs[(t, "nft", m)])
                w("| {} at {:,} rules: sgnl ahead of nft | {} s vs {} s | {} |".format(
                    t, m, fmt(a), fmt(b), yes(a < b)))
    if "module-B" in scale:
        n, v = scale["module-B"]
        w("| at most 64 bytes a member at {:,} members | {} | {} |".format(
            n, fmt(med(v)), yes(med(v) <= 64)))
    for a, how in (("load-per-s", "sgnl apply"), ("bload-per-s", "sgnl -b"),
                   ("kload-per-s", "the kernel's CONFIG_REPLACE")):
        if a in scale:
            v = scale[a][1]
            w("| members loaded in bulk at over 100,000 a second ({}) | {} | {} |".format(
                how, fmt(med(v)), yes(med(v) > 100000)))
    for a in ("join", "leave"):
        k = [x for x in scale if x.startswith(a + "-us-") and x != a + "-us-0"]
        if k and a + "-us-0" in scale:
            n, v = scale[k[0]]
            v0 = scale[a + "-us-0"][1]
            w("| {} in O(1): the time among {:,} over the time in an empty group | {:.2f} | {} |"
              .format(a, n, med(v) / med(v0), yes(med(v) / med(v0) < 1.2)))
            w("| {} under 10 us at {:,} members (request to answer) | {} us | {} |".format(
                a, n, fmt(med(v)), yes(med(v) < 10)))
        k = "k%s-us-%d" % (a, n)
        if k in scale:
            v = scale[k][1]
            w("| {} under 10 us at {:,} members (in the kernel) | {} us | {} |".format(
                a, n, fmt(med(v)), yes(med(v) < 10)))
    w("")


def main():
    raw, md, dat = sys.argv[1:4]
    runs, units, meta = load(raw)
    if not runs:
        sys.exit("report: no BENCH lines in " + raw)
    sizes = sorted({n for (t, a, n) in runs if t == "new" and a != "ct"})
    need = [("new", "ct", 0), ("est", "ct", 1), ("est", "sg", 1)]
    need += [("new", a, n) for n in sizes for a in ("sg-worst", "sg-best", "lin", "set")]
    need += [(t + "-base", a, n) for (t, a, n) in need]
    missing = [k for k in need if k not in runs]
    if missing:
        sys.exit("report: missing measurements: %s" % missing)

    out = []
    w = out.append
    w("# Performance")
    w("")
    w("Written by `make bench` (tools/bench/): every figure below comes from one run")
    w("in the VM, %s, on this machine (%s)." % (meta.get("kernel", "?"), meta.get("host", "?")))
    w("qemu runs without KVM here (TCG), so absolute rates are far below real")
    w("hardware; the ratios to the conntrack-only arm, measured in the same run,")
    w("are the result.  Each arm: median of %s rounds, spread min-max." %
      meta.get("rounds", "?"))
    w("")
    w("The host's speed drifts by tens of percent within a minute, so the")
    w("packet tests (new connections, established flow) run each arm at the same")
    w("time as a conntrack-only base, one on each CPU, then with the CPUs")
    w("swapped; a round's ratio is the arm's packets over the base's.  Their")
    w("ratios and spreads are those of the rounds' ratios.")
    w("")
    w("## New connections per second (64-byte UDP, every packet a new conntrack entry)")
    w("")
    w("pktgen injects the packets on the instance's device (netif_receive: the")
    w("receive path runs in pktgen's loop, so its rate is the path's); they are")
    w("forwarded to a dummy device.  secgroup: a device attachment with n egress")
    w("rules; nftables: the same n rules at secgroup's priority (-199), a linear")
    w("chain or one interval concatenation set (`ip daddr . udp dport @s`), both")
    w("behind `ct state established,related accept`.  Worst: the matching rule is")
    w("the last; best: the first.  Conntrack only: the nftables chain with just")
    w("that `ct state` rule, the least that turns conntrack on.")
    w("")
    bases = [v for (t, a, n), vs in runs.items() if t == "new-base" for v in vs]
    w("Conntrack only: **{} pps** (spread {}).  Conntrack only beside itself:".format(
        fmt(med(bases)), spread(bases)))
    r = paired(runs, "new", "ct", 0)
    w("**{:.3f}** (spread {:.3f}-{:.3f}), the method's own error.".format(med(r), min(r), max(r)))
    w("")
    w("| rules | secgroup worst | secgroup best | nft linear | nft set |")
    w("|---:|---:|---:|---:|---:|")
    rows = []
    for n in sizes:
        cells = []
        row = [n]
        for a in ("sg-worst", "sg-best", "lin", "set"):
            r = paired(runs, "new", a, n)
            cells.append("{:.3f} ({:.3f}-{:.3f}; {} pps)".format(
                med(r), min(r), max(r), fmt(med(runs[("new", a, n)]))))
            row.append(med(r))
        w("| {:,} | {} |".format(n, " | ".join(cells)))
        rows.append(row)
    w("")
    w("Each cell: the ratio to conntrack only and its spread, then the rate.")
    w("")

    def pair(test, arms, title, unit_word):
        present = [a for a in arms if (test, a, 1) in runs]
        if not present:
            return
        w("## " + title)
        w("")
        w("| arm | {} | spread | ratio |".format(unit_word))
        w("|---|---:|---:|---:|")
        b = med(runs[(test, present[0], 1)])
        for a in present:
            v = runs[(test, a, 1)]
            w("| {} | {} | {} | {:.3f} |".format(a, fmt(med(v)), spread(v), med(v) / b))
        w("")

    w("## Established flow, packets per second")
    w("")
    w("| arm | pps | ratio to conntrack only beside it | spread |")
    w("|---|---:|---:|---:|")
    for a in ("ct", "sg"):
        r = paired(runs, "est", a, 1)
        w("| {} | {} | {:.3f} | {:.3f}-{:.3f} |".format(
            a, fmt(med(runs[("est", a, 1)])), med(r), min(r), max(r)))
    w("")
    pair("tcp", ["ct", "sg"], "TCP throughput (iperf3, through a router netns)", "bit/s")
    w("CRR: TCP connect and close, a new connection each; the device arm beside")
    w("conntrack in the router, the cgroup arm beside conntrack in the client.")
    w("")
    pair("crr", ["ct", "sg"], "Connect/close rate, device attachment", "conn/s")
    pair("crr", ["ct-c", "sg-cg"], "Connect/close rate, cgroup attachment", "conn/s")

    plane = sorted({n for (t, a, n) in runs if t == "load"})
    if plane:
        w("## Control plane (seconds, each command as a user runs it)")
        w("")
        w("load: the n rules from a file (`sgnl apply` / `nft -f`); join: one")
        w("member joins a group the n rules reference (`sgnl member add` / `nft add")
        w("element` to the set the rules use); change: one rule added with n in place.")
        w("")
        w("| rules | load sgnl | load nft | join sgnl | join nft | change sgnl | change nft |")
        w("|---:|---:|---:|---:|---:|---:|---:|")
        for n in plane:
            cells = []
            for t in ("load", "join", "change"):
                for a in ("sgnl", "nft"):
                    v = runs.get((t, a, n))
                    cells.append(fmt(med(v)) if v else "-")
            w("| {:,} | {} |".format(n, " | ".join(cells)))
        w("")
    mem = [(a, n, runs[(t, a, n)]) for (t, a, n) in sorted(runs) if t == "mem"]
    if mem:
        w("## Kernel memory")
        w("")
        w("From the memory cgroup the applying `sgnl` runs in (slab + per-CPU,")
        w("memory.stat) around one apply.")
        w("")
        w("| what | at | bytes each (median) | spread |")
        w("|---|---:|---:|---:|")
        for a, n, v in mem:
            w("| {} | {:,} | {} | {} |".format(a[:-1] if a.endswith("s") else a, n,
                                                 fmt(med(v)), spread(v)))
        w("")
    scale = {a: (n, v) for (t, a, n), v in runs.items() if t == "scale"}
    if scale:
        n = next(iter(scale.values()))[0]
        w("## A group of {:,} remote members".format(n))
        w("")
        w("Loaded in one `sgnl apply` of a JSON file; the bytes a member as the")
        w("module counts them (`sgnl stats`: the member map's entries and bucket")
        w("table) and as the memory cgroup of the apply does.  Loaded again as a")
        w("batch (`sgnl -b`) of {:,} `member add` lines, which sgnl sends as one".format(n))
        w("CONFIG_REPLACE: the command's rate, and the kernel's for that request")
        w("(its handler, timed as below).  Join and leave: a thousand")
        w("`member add` and `member del` requests from one `sgnl -b --continue`,")
        w("the time of each from the request to its answer (two round trips: the")
        w("group's name, then the change), in the empty group and among the")
        w("{:,}: the same time at both sizes is O(1).  In the kernel: the same".format(n))
        w("requests again, each timed by ftrace's function graph tracer from the")
        w("entry of the request's handler to its return.")
        w("")
        w("| what | median | spread |")
        w("|---|---:|---:|")
        names = {"load-per-s": "members loaded a second (apply)",
                 "bload-per-s": "members loaded a second (batch)",
                 "kload-per-s": "members loaded a second (the replace, in the kernel)",
                 "module-B": "bytes a member (module)",
                 "memcg-B": "bytes a member (memory cgroup)",
                 "join-us-0": "join, group empty (us)", "leave-us-0": "leave, group empty (us)",
                 "join-us-%d" % n: "join among {:,} (us)".format(n),
                 "leave-us-%d" % n: "leave among {:,} (us)".format(n)}
        for a in [a for a in names if "-us-" in a]:
            names["k" + a] = names[a].replace(" (us)", ", in the kernel (us)")
        for a in ("load-per-s", "bload-per-s", "kload-per-s", "module-B", "memcg-B", "join-us-0", "join-us-%d" % n,
                  "leave-us-0", "leave-us-%d" % n, "kjoin-us-0", "kjoin-us-%d" % n,
                  "kleave-us-0", "kleave-us-%d" % n):
            if a in scale:
                v = scale[a][1]
                w("| {} | {} | {} |".format(names[a], fmt(med(v)), spread(v)))
        w("")
    goals(w, runs, sizes, plane, scale)
    w("![new connections per second, ratio to conntrack only](performance.png)")
    w("")
    open(md, "w").write("\n".join(out))
    with open(dat, "w") as f:
        f.write("# rules sg-worst sg-best nft-linear nft-set (ratio to conntrack only)\n")
        for row in rows:
            f.write(" ".join(str(x) for x in row) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()

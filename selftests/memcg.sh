#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An unprivileged user configures secgroup in network namespaces of its own
# user namespace: everything the module allocates for it is charged to its
# memory cgroup, so its limit bounds what it can take from the host.
. "$(dirname "$0")/lib.sh"
sg_setup
root=/sys/fs/cgroup
grep -qw memory "$root/cgroup.controllers" 2>/dev/null ||
	{ echo "1..0 # SKIP no memory controller"; exit $ksft_skip; }
echo +memory >"$root/cgroup.subtree_control"
cg=$root/sgmem
mkdir -p "$cg"

# 15 groups of 60 rules: 900 rules, in one request that an unprivileged
# socket can send (its send buffer is capped at net.core.wmem_max)
cfg=$(mktemp)
chmod 644 "$cfg"
python3 - "$cfg" <<'EOF'
import json, sys
groups = [{"name": "g%d" % g,
           "rules": ["ingress tcp port %d from 10.%d.0.0/16" % (1000 + r, g)
                     for r in range(60)]}
          for g in range(15)]
json.dump({"version": 1, "groups": groups}, open(sys.argv[1], "w"))
EOF

# As nobody, in its own user namespace: N network namespaces, each given
# the configuration.  Prints the successes and the least that the kernel
# objects charged to the cgroup (slab and per-CPU memory, memory.stat,
# exact where memory.current moves in charge batches) grew by across one
# apply.
cat >"$cfg.py" <<'EOF'
import ctypes, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
cfg, n, cg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def cur():
    st = dict(l.split() for l in open(cg + "/memory.stat"))
    return int(st["slab"]) + int(st["percpu"])
fds, grew = [], []
for i in range(n):
    if libc.unshare(0x40000000):            # CLONE_NEWNET
        sys.exit("unshare: errno %d" % ctypes.get_errno())
    fds.append(os.open("/proc/self/ns/net", os.O_RDONLY))
    before = cur()
    r = subprocess.run(["sgnl", "apply", cfg], capture_output=True, text=True)
    if r.returncode:
        print("stopped:", r.returncode, r.stderr.strip(), file=sys.stderr)
        break
    grew.append(cur() - before)
print(len(grew), min(grew) if grew else 0)
EOF
chmod 644 "$cfg.py"
as_nobody_in_cg() {	# the rest of the command line, in $cg, as nobody in a user ns
	bash -c 'echo $$ >"$0/cgroup.procs"; exec setpriv --reuid=65534 --regid=65534 \
		--clear-groups unshare -Ur "$@"' "$cg" "$@"
}

# 1. no limit: every apply is charged to the cgroup
read -r made grew < <(as_nobody_in_cg python3 "$cfg.py" "$cfg" 4 "$cg")
check "an unprivileged user configures 4 netns of its own ($made)" test "${made:-0}" = 4
check "each configuration is charged to its memory cgroup (at least ${grew:-0} bytes)" \
	test "${grew:-0}" -gt 100000
for i in $(seq 100); do [ -z "$(cat "$cg/cgroup.procs")" ] && break; sleep 0.1; done

# 2. a limit of about two configurations more than now: the third fails
base=$(cat "$cg/memory.current")
echo $((base + 2 * ${grew:-100000} + ${grew:-100000} / 2)) >"$cg/memory.max"
ev0=$(awk '/^max /{print $2}' "$cg/memory.events")
out=$(as_nobody_in_cg python3 "$cfg.py" "$cfg" 8 "$cg" 2>&1)
echo "$out" | sed 's/^/# /'
made=$(echo "$out" | tail -n 1 | awk '{print $1}')
check "the memory limit stops it after a few configurations, not 8 (${made:-killed})" \
	sh -c "[ '${made:-0}' -lt 8 ] 2>/dev/null || [ -z '$made' ]"
check "... because the cgroup hit its limit" \
	test "$(awk '/^max /{print $2}' "$cg/memory.events")" -gt "$ev0"
echo max >"$cg/memory.max"

# 3. all of it comes back when the namespaces go
for i in $(seq 100); do [ -z "$(cat "$cg/cgroup.procs")" ] && break; sleep 0.1; done
back() {
	local i
	for i in $(seq $((T * 10))); do
		[ "$(cat "$cg/memory.current")" -lt $((base + ${grew:-100000} / 2)) ] && return 0
		sleep 0.5
	done
	return 1
}
check "the memory comes back when the namespaces are gone ($(cat "$cg/memory.current") vs $base)" back

rmdir "$cg"
rm -f "$cfg" "$cfg.py"
finish

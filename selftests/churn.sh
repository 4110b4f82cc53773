#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Security groups changed under traffic, against a reference model
# (selftests/churn.c): 10,000 changes while long-lived flows run and new
# connections are probed; then
# the kernel's configuration must be the model's.  Replay a failure with
# SGCHURN_SEED=<the printed seed>; SGCHURN_N changes the count.
#
# The soak (make soak): SGCHURN_SECONDS=3600 runs the churn for that long
# instead, in a memory cgroup of its own, and samples the kernel memory
# (slab) charged to it every minute.  What the control plane allocated and
# still holds must not grow: the churn's starting configuration costs the
# same slab after the hour as before it.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
n=10000
sg_setup
inst a 10.0.0.2
inst b 10.0.0.3
cg=/sys/fs/cgroup/sgchurn
mkdir -p "$cg"
out=$(mktemp)
model=$(mktemp)
run=(-n "${SGCHURN_N:-$n}")
# the kernel memory charged to $mem once the starting configuration is
# applied again from it and RCU has freed what it replaced
slab_at_start() {
	in_cg "$mem" sgnl apply "$start" >/dev/null || return 1
	sleep 3
	awk '$1 == "slab" { print $2 }' "$mem/memory.stat"
}
if [ -n "${SGCHURN_SECONDS:-}" ]; then
	run=(-t "$SGCHURN_SECONDS")
	mem=/sys/fs/cgroup/sgsoak
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$mem"
	# the starting configuration: a churn of no changes writes it
	start=$(mktemp)
	in_cg "$mem" "$top/build/selftests/churn" -n 0 "$cg" "$start" >/dev/null
	before=$(slab_at_start)
	samples=$(mktemp)
	(
		while sleep 60; do
			echo "$(date +%s) $(awk '$1 == "slab" { print $2 }' "$mem/memory.stat")" \
				"$(awk '$1 == "Slab:" { print $2 }' /proc/meminfo)"
		done >"$samples"
	) &
	sampler=$!
fi
${mem:+in_cg "$mem"} "$top/build/selftests/churn" ${SGCHURN_SEED:+-s "$SGCHURN_SEED"} \
	"${run[@]}" "$cg" "$model" >"$out"
grep -v '^TAP version\|^1\.\.' "$out"
ntests=$(grep -c '^ok \|^not ok ' "$out")
nfail=$(grep -c '^not ok ' "$out")
rm -f "$out"
if [ -n "${mem:-}" ]; then
	kill "$sampler"
	sed 's/^/# slab sample (time, bytes charged to the churn, host Slab kB): /' "$samples"
	rm -f "$samples"
fi

# The kernel's configuration is the model's: applying the model to it
# changes nothing that save shows (rule order aside).
same_config() {
	local k m
	k=$(mktemp) m=$(mktemp)
	sgnl save >"$k" && sgnl apply "$model" && sgnl save >"$m" &&
	python3 - "$k" "$m" <<'PY'
import json, sys

def norm(path):
    c = json.load(open(path))
    for g in c["groups"]:
        g["rules"] = sorted(json.dumps(r, sort_keys=True) for r in g["rules"])
        g["members"] = sorted(g.get("members", []))
    c["groups"].sort(key=lambda g: g["name"])
    c["attachments"].sort(key=lambda a: json.dumps(a, sort_keys=True))
    return c

k, m = norm(sys.argv[1]), norm(sys.argv[2])
if k != m:
    print("# the kernel's:\n# " + json.dumps(k, indent=1).replace("\n", "\n# "))
    print("# the model's:\n# " + json.dumps(m, indent=1).replace("\n", "\n# "))
    sys.exit(1)
PY
	local rc=$?
	rm -f "$k" "$m"
	return $rc
}
check "the kernel's configuration is the reference model's" same_config
if [ -n "${mem:-}" ]; then
	after=$(slab_at_start)
	# the same configuration before and after: at most 64 KiB apart (slab
	# pages are charged per object; what differs is caches' own churn)
	check "soak: the starting configuration costs the same after it ($before -> $after bytes)" \
		test -n "$before" -a -n "$after" -a "$((after - before))" -le 65536
	rm -f "$start"
fi
sgnl detach cgroup "$cg"
rmdir "$cg" ${mem:+"$mem"}
rm -f "$model"
finish

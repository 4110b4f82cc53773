#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A cgroup instance: a local service moved into a cgroup v2, its listening
# socket covered by ingress rules, its connections by egress rules, its
# child cgroups covered too; removing the cgroup drops the attachment.
. "$(dirname "$0")/lib.sh"
sg_setup
cg=/sys/fs/cgroup/sgtest
[ -f /sys/fs/cgroup/cgroup.procs ] || { echo "1..0 # SKIP no cgroup v2"; exit $ksft_skip; }
mkdir -p "$cg/child"

# run CMD inside cgroup DIR
listen() { socat -t$T TCP-LISTEN:"$1",bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo ok' 2>/dev/null; }
get() { [ "$(socat -T$((T + 1)) -t$T - TCP:127.0.0.1:"$1",connect-timeout=$T,shut-none </dev/null 2>/dev/null)" = ok ]; }
get_from() { [ "$(in_cg "$1" socat -T$((T + 1)) -t$T - TCP:127.0.0.1:"$2",connect-timeout=$T,shut-none </dev/null 2>/dev/null)" = ok ]; }
no_get() { ! get "$@"; }
no_get_from() { ! get_from "$@"; }

in_cg "$cg" bash -c "T=$T; $(declare -f listen); listen 8080" &
in_cg "$cg" bash -c "T=$T; $(declare -f listen); listen 8081" &
in_cg "$cg/child" bash -c "T=$T; $(declare -f listen); listen 8082" &
listen 9090 &
listen 9091 &
for p in 8080 8081 8082 9090 9091; do
	for i in $(seq 50); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.1; done
done

sgnl group add svc no-default-egress >/dev/null
sgnl rule add svc ingress tcp port 8080 from 127.0.0.0/8 >/dev/null
sgnl rule add svc ingress tcp port 8082 from 127.0.0.0/8 >/dev/null
sgnl rule add svc egress tcp port 9090 to 127.0.0.1/32 >/dev/null
check "unattached: the service answers on 8081" get 8081
check "attach cgroup" sgnl attach cgroup sgtest group svc
check "listed in stats by its path" sh -c 'sgnl stats | grep -q "cgroup /sgtest"'
check "ingress allowed to the cgroup's listener on 8080" get 8080
check "ingress blocked to the cgroup's listener on 8081" no_get 8081
check "the child cgroup is covered: 8082 allowed" get 8082
check "egress from the cgroup allowed to 9090" get_from "$cg" 9090
check "egress from the cgroup blocked to 9091" no_get_from "$cg" 9091
check "egress from the child cgroup blocked to 9091" no_get_from "$cg/child" 9091
check "processes outside the cgroup are not filtered" get 9091
check "the cgroup's counters saw drops" sh -c "sgnl -j stats cgroup sgtest | grep -q '\"drop_policy\":[1-9]'"

# the cgroup goes away: its attachment with it
kill $(cat "$cg/child/cgroup.procs" "$cg/cgroup.procs") 2>/dev/null
for i in $(seq 50); do [ -z "$(cat "$cg/child/cgroup.procs" "$cg/cgroup.procs")" ] && break; sleep 0.1; done
rmdir "$cg/child" "$cg"
# no request needed: the module notices within a second on its own
gone() { for i in $(seq $((T * 4))); do sgnl stats | grep -q sgtest || return 0; sleep 0.5; done; return 1; }
check "removing the cgroup dropped its attachment, unasked" gone
check "its group is free to delete" sgnl group del svc
finish

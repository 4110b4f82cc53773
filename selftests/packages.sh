#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages on a host.  secgroup-dkms and sgnl, as make deb built
# them (make check's unit stage does, before the VM suites), are installed
# with dpkg into the VM's root -- a tmpfs overlay over the host's, so
# nothing stays -- and secgroup-dkms's postinst has DKMS install the module
# for the running kernel (the unit stage's DKMS build of it, or with
# SG_DKMS_BUILD=1 one compiled here); modprobe must then load that module.
#
# The VM has no systemd (PID 1 is tools/vm/stage2), so `systemctl start`,
# `reload` and `stop` are the Exec lines of the installed secgroup.service,
# read from the unit and run in order as systemd runs them (no shell); they
# must enforce /etc/secgroup/secgroup.json on real packets.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(cat "$top/VERSION")
krel=$(uname -r)
echo "TAP version 13"
debs=$(ls "$top"/build/deb/sgnl_"$ver"_*.deb "$top"/build/deb/secgroup-dkms_"$ver"_all.deb 2>/dev/null)
if [ "$(echo "$debs" | grep -c .)" != 2 ]; then
	echo "1..0 # SKIP no packages of $ver in build/deb (make deb)"
	exit $ksft_skip
fi
if [ ! -e "/lib/modules/$krel/build" ]; then
	echo "1..0 # SKIP no headers for $krel: DKMS cannot build"
	exit $ksft_skip
fi
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
tmp=$(mktemp -d)
unit=/lib/systemd/system/secgroup.service
conf=/etc/secgroup/secgroup.json
harness=/lib/modules/$krel/updates/secgroup.ko

# only the packaged module, while this test runs: the one tools/vm/run put
# in updates/ goes aside, and comes back for the next tests.  The index
# without it is the kernel's own, and the one with it tools/vm/run's, both
# kept by tools/vm/run: depmod under TCG reads every module of the kernel,
# a minute or more.
index() { cp "$1"/modules.* "/lib/modules/$krel/"; }
pristine=$top/build/vm/$krel/pristine
withharness=$top/build/vm/$krel/modroot/lib/modules/$krel
mv "$harness" "$tmp/harness.ko"
if [ -f "$pristine/modules.dep" ]; then index "$pristine"; else depmod "$krel"; fi
# DKMS builds for the running kernel and the newest with headers; every
# Debian kernel of the host is installed in the VM's root, so the others'
# headers links go aside while the package goes in (one build, not two)
aside=()
for b in /lib/modules/*/build; do
	[ "$b" = "/lib/modules/$krel/build" ] || { mv "$b" "$b.sgaside" && aside+=("$b"); }
done
pk_cleanup() {
	local b
	sg_cleanup
	dpkg -r secgroup-dkms sgnl >/dev/null 2>&1
	mkdir -p "${harness%/*}"	# dkms remove may take updates/ with it
	mv "$tmp/harness.ko" "$harness" &&
		if [ -f "$withharness/modules.dep" ]; then index "$withharness"; else depmod "$krel"; fi
	for b in "${aside[@]}"; do mv "$b.sgaside" "$b"; done
	[ ! -e "$tmp/auto-update" ] || mv "$tmp/auto-update" /var/lib/man-db/auto-update
	rm -rf "$tmp" /etc/secgroup "$tarroot"
}
trap pk_cleanup EXIT
# man-db's trigger rebuilds the whole manual's index at each dpkg run: a
# minute or more under TCG, for nothing this test reads
[ ! -e /var/lib/man-db/auto-update ] || mv /var/lib/man-db/auto-update "$tmp/auto-update"

# DKMS's build of the package's source for this kernel, made by the unit
# stage on the host (tests/dkms_test.sh), goes where the postinst looks
# for a binaries tarball: it then installs that build instead of
# compiling under TCG, which takes ten minutes.  SG_DKMS_BUILD=1 has the
# postinst compile it here.
prebuilt=$top/build/deb/dkms/$krel/secgroup-$ver.dkms.tar.gz
tarroot=/usr/share/secgroup-dkms
if [ "${SG_DKMS_BUILD:-}" != 1 ] && [ -s "$prebuilt" ]; then
	mkdir -p "$tarroot"
	cp "$prebuilt" "$tarroot/secgroup-$ver.dkms.tar.gz"
	how="loaded the unit stage's build"
else
	prebuilt=
	how="built"
fi
check "dpkg -i sgnl and secgroup-dkms ($ver)" sh -c "dpkg -i $(echo $debs) >$tmp/dpkg 2>&1"
grep -v 'readelf: Warning' "$tmp/dpkg" | sed 's/^/# /' | tail -n 12
if [ -n "$prebuilt" ]; then
	check "... its postinst loaded DKMS's tarball and compiled nothing" sh -c \
		"grep -q 'Loading tarball for secgroup-$ver' $tmp/dpkg &&
		 ! grep -q 'Building initial module for $krel' $tmp/dpkg"
fi
# Debian's DKMS compresses it as the kernel's own modules are (.ko.xz)
ko=$(ls /lib/modules/"$krel"/updates/dkms/secgroup.ko* 2>/dev/null | head -n 1)
check "DKMS $how and installed the module for $krel (${ko##*/})" test -s "$ko"
check "dkms status: installed for $krel" sh -c "dkms status secgroup | grep -q '$krel.*installed'"
check "modprobe finds DKMS's module" test "$(modinfo -n secgroup 2>/dev/null)" = "$ko"
check "the package's sgnl is /usr/sbin/sgnl" test -x /usr/sbin/sgnl
check "the unit is installed (not enabled)" test -s "$unit"

# the unit's Exec lines for KEY..., as systemd would run them: each line a
# command and its arguments, a leading '-' allowing failure
unit_run() {
	local key line argv ignore
	for key; do
		while IFS= read -r line; do
			line=${line#*=}
			ignore=
			case "$line" in -*) ignore=1; line=${line#-} ;; esac
			read -ra argv <<<"$line"
			"${argv[@]}" || [ -n "$ignore" ] || return 1
		done < <(grep "^$key=" "$unit")
	done
}
enforced() {	# the three tiers as examples/three-tier.json has them
	tcp web 10.0.2.10 8080 && no_tcp web 10.0.3.10 5432 &&
		tcp admin 10.0.3.10 22 && no_tcp internet 10.0.2.10 8080
}

three_tier_instances
mkdir -p /etc/secgroup
cp "$top/examples/three-tier.json" "$conf"
check "systemctl start secgroup: its ExecStartPre and ExecStart" unit_run ExecStartPre ExecStart
check "the module loaded is the one DKMS built" test \
	"$(cat /sys/module/secgroup/srcversion 2>/dev/null)" = "$(modinfo -F srcversion "$ko")"
check "the kernel holds the file: sgnl save gives it back" sh -c "/usr/sbin/sgnl save | cmp -s - $conf"
check "... and enforces it on packets" enforced
check "... internet -> web:80" tcp internet 10.0.1.10 80

# reload: an edited file, applied whole
python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
web = [g for g in c["groups"] if g["name"] == "web"][0]
web["rules"] = [r for r in web["rules"] if "port 80 " not in json.dumps(r)]
json.dump(c, open(sys.argv[1], "w"), indent=2)' "$conf"
check "systemctl reload secgroup: ExecReload with an edited file" unit_run ExecReload
check "... web:80 closed to the internet" no_tcp internet 10.0.1.10 80
check "... the rest as before" enforced
/usr/sbin/sgnl save >"$tmp/good"
echo '{ "groups": [ { "name": "web", "rules": [ "ingress tcp port 80 from 0.0.0.0/0" ] ' >"$conf"
unit_run ExecReload 2>"$tmp/err"
check "reload with a broken file fails (exit status $?)" test $? != 0
sed 's/^/# /' "$tmp/err"
check "... and the running policy stays as it was" sh -c "/usr/sbin/sgnl save | cmp -s - $tmp/good"

# stop: the unit has no ExecStop; the policy stays in force (fail closed)
check "systemctl stop secgroup runs nothing: no ExecStop" sh -c "! grep -q '^ExecStop' $unit"
check "... the instances stay enforced" enforced

modprobe -r secgroup
check "dpkg -r secgroup-dkms removes the module" sh -c \
	"dpkg -r secgroup-dkms >$tmp/dpkg 2>&1 && [ -n '$ko' ] && [ ! -e '$ko' ] &&
	 ! modinfo -n secgroup >/dev/null 2>&1"
finish

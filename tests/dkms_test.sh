#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packaging without a kernel to load into: `make install` into a DESTDIR
# puts every file where it belongs (depmod indexes the module, systemd
# accepts the unit); `make deb` builds the Debian packages lintian-clean;
# and DKMS builds the module from the package's source for each installed
# Debian kernel (6.1 and 6.12 headers), in trees of its own.
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
t() {	# t DESCRIPTION COMMAND...
	local d=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then echo "ok $n - $d"; else
		failed=$((failed + 1)); echo "not ok $n - $d"; sed 's/^/# /' "$tmp/out" | tail -n 20; fi
}
echo "TAP version 13"
ver=$(cat "$top/VERSION")
t "dkms.conf's version is VERSION's ($ver)" grep -qx "PACKAGE_VERSION=\"$ver\"" "$top/dkms.conf"

# make install, as a package build would run it
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
	/usr/src/linux-headers-6.1.*-amd64/include/generated/utsrelease.h | head -n 1)
dest=$tmp/root
t "make install DESTDIR PREFIX=/usr" make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr \
	KDIR=/usr/src/linux-headers-"$krel"
for f in lib/modules/$krel/updates/secgroup.ko usr/sbin/sgnl usr/share/man/man8/sgnl.8 \
	 usr/share/bash-completion/completions/sgnl usr/include/linux/secgroup.h \
	 usr/share/doc/secgroup/sgnl.schema.json \
	 usr/share/doc/secgroup/examples/modules-load.d/secgroup.conf \
	 usr/share/doc/secgroup/examples/modprobe.d/secgroup.conf; do
	t "installed: /$f" test -s "$dest/$f"
done
t "depmod indexed it: modules.dep names updates/secgroup.ko" \
	grep -q '^updates/secgroup.ko:' "$dest/lib/modules/$krel/modules.dep"
t "the installed sgnl runs" "$dest/usr/sbin/sgnl" --version
unit=$dest/lib/systemd/system/secgroup.service
t "installed: secgroup.service, running the installed sgnl" grep -q '^ExecStart=/usr/sbin/sgnl apply' "$unit"
# systemd-analyze verify, against the installed tree: every path it names
# must be there, the unit must parse without a warning
mkdir -p "$dest/sbin" "$dest/etc/secgroup"
cp -L /sbin/modprobe "$dest/sbin/modprobe"
verify() {
	SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --root="$dest" --man=no \
		/lib/systemd/system/secgroup.service 2>&1 | grep -v '^$' | tee "$tmp/verify" >&2
	[ ! -s "$tmp/verify" ]
}
t "systemd-analyze verify secgroup.service: no complaint" verify

# the Debian packages (make deb: dpkg-buildpackage, lintian), and DKMS
# building the module from secgroup-dkms's source for each kernel whose
# headers are installed, in trees of its own
if ! command -v dkms >/dev/null || ! command -v dpkg-buildpackage >/dev/null; then
	t "dkms and dpkg-buildpackage are installed (tools/deps.sh installs them)" false
else
	t "make deb: sgnl and secgroup-dkms, lintian clean" make -s -C "$top" deb
	deb=$tmp/deb
	t "the packages unpack" sh -c "dpkg -x $top/build/deb/sgnl_${ver}_*.deb $deb &&
		dpkg -x $top/build/deb/secgroup-dkms_${ver}_all.deb $deb"
	dkmsdeb=$(ls "$top"/build/deb/secgroup-dkms_"$ver"_all.deb)
	t "secgroup-dkms's postinst has DKMS build the module" sh -c \
		"dpkg-deb -I $dkmsdeb postinst | grep -q 'dkms'"
	t "secgroup-dkms depends on dkms" sh -c \
		"dpkg-deb -f $dkmsdeb Depends | grep -qw dkms"
	for f in usr/sbin/sgnl usr/share/man/man8/sgnl.8.gz lib/systemd/system/secgroup.service \
		 usr/share/bash-completion/completions/sgnl usr/src/secgroup-$ver/dkms.conf \
		 usr/src/secgroup-$ver/kmod/hooks.c; do
		t "packaged: /$f" test -s "$deb/$f"
	done
	mkdir -p "$tmp/dkms"
	t "dkms add, from the package's source" dkms add "secgroup/$ver" \
		--dkmstree "$tmp/dkms" --sourcetree "$deb/usr/src"
	for h in /usr/src/linux-headers-6.1.*-amd64 /usr/src/linux-headers-6.12.*-amd64; do
		k=${h#/usr/src/linux-headers-}
		# unsigned: no signing key made in /var/lib/dkms by a test
		t "dkms build for $k" env sign_file=/nonexistent dkms build "secgroup/$ver" -k "$k" \
			--dkmstree "$tmp/dkms" --sourcetree "$deb/usr/src"
		mod=$(ls "$tmp/dkms/secgroup/$ver/$k/x86_64/module"/secgroup.ko* 2>/dev/null | head -n 1)
		t "... a module for $k (vermagic $(modinfo -F vermagic "$mod" 2>/dev/null | cut -d' ' -f1))" \
			sh -c "modinfo -F vermagic '$mod' | grep -q '^$k '"
		# that build as DKMS's binaries tarball, for selftests/packages.sh:
		# in the VM, secgroup-dkms's postinst loads it (the Debian
		# postinst's prebuilt path) instead of compiling under TCG
		tar=$top/build/deb/dkms/$k/secgroup-$ver.dkms.tar.gz
		t "... kept as a DKMS binaries tarball for the VM's package test" sh -c "
			dkms mktarball secgroup/$ver -k $k --dkmstree $tmp/dkms \
				--sourcetree $deb/usr/src >/dev/null &&
			mkdir -p ${tar%/*} &&
			mv $tmp/dkms/secgroup/$ver/tarball/secgroup-$ver-kernel$k-*.dkms.tar.gz $tar"
	done
fi
echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]

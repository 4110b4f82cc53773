#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package secgroup needs to build and test, on a fresh
# Debian 12 (bookworm) machine, as root.  A quick no-op when all is there.
#
# The test kernels are Debian's 6.1 (bookworm) and 6.12 (bookworm-backports).
# The backports source is written at run time with the URIs copied from the
# machine's own Debian source, so no mirror is named here.
set -euo pipefail

PKGS=(
	build-essential make gcc pkg-config bc flex bison kmod cpio xz-utils
	libelf-dev libssl-dev sparse clang libclang-rt-14-dev valgrind
	libnl-3-dev libnl-genl-3-dev libjson-c-dev libjansson-dev libcurl4-openssl-dev netbase
	etcd-server etcd-client openssl	# the multi-host tests: etcd, and certificates for it
	qemu-system-x86 busybox-static
	iproute2 iputils-ping nftables conntrack socat iperf3 python3 util-linux procps
	groff-base python3-yaml python3-jsonschema dkms
	gnuplot-nox	# make bench's plot
	docker.io iptables	# selftests/docker.sh: dockerd in the VM, with its own rules
	debhelper dh-dkms lintian dpkg-dev git
	linux-source-6.1
	linux-source-6.12	# bookworm-backports: its YNL tools, for tests/ynl_check.py
)

have_kernel() {	# $1 = series, e.g. 6.1: image and headers both present
	compgen -G "/boot/vmlinuz-$1.[0-9]*-amd64" >/dev/null &&
		compgen -G "/usr/src/linux-headers-$1.[0-9]*-amd64" >/dev/null
}

missing_pkgs() {
	dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PKGS[@]}" 2>/dev/null |
		awk '$2 != "installed" { print $1 }'
	# dpkg-query omits packages it has never heard of
	for p in "${PKGS[@]}"; do
		dpkg-query -W "$p" >/dev/null 2>&1 || echo "$p"
	done
}

if [ -z "$(missing_pkgs)" ] && have_kernel 6.1 && have_kernel 6.12; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages; run as root: $0" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_install() { apt-get install -y -q --no-install-recommends "$@"; }

# bookworm-backports, from the same mirror as the machine's Debian source
bpo=/etc/apt/sources.list.d/secgroup-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	uri=$(awk '/^URIs:/ && !/security/ { print $2; exit }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '/^deb / && !/security/ { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null || true)
	if [ -z "$uri" ]; then
		echo "deps: no Debian apt source found to copy for backports" >&2
		exit 1
	fi
	cat >"$bpo" <<EOF
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi

apt-get update -q

# Resolve the versioned kernel packages behind the metapackages: 6.1 is the
# bookworm candidate, 6.12 the bookworm-backports one.  Installing the
# versioned names keeps both kernels side by side.
dep_of() {	# $1 = metapackage, $2 = version pattern
	local ver
	ver=$(apt-cache madison "$1" | awk -v p="$2" '$3 ~ p { print $3; exit }')
	[ -n "$ver" ] || { echo "deps: no $1 matching $2" >&2; exit 1; }
	apt-cache depends "$1=$ver" | awk '/Depends:/ { print $2; exit }'
}
KPKGS=()
for series in '^6\.1\.' 'bpo'; do
	KPKGS+=("$(dep_of linux-image-amd64 "$series")")
	KPKGS+=("$(dep_of linux-headers-amd64 "$series")")
done

apt_install "${PKGS[@]}" "${KPKGS[@]}"

# SPDX-License-Identifier: GPL-2.0
# Helpers for tools/vm/run: which kernel, and the initramfs that boots it.

: "${top:?}"
SECGROUP_CACHE=${SECGROUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/secgroup}

# The newest installed Debian kernel of a series (6.1, 6.12), or an exact
# release, or the debug kernel.  Sets KREL, VMLINUZ, KDIR and MODDIR.
resolve_kernel() {
	local want=$1 v
	case "$want" in
	debug)
		"$top/tools/vm/debug-kernel" >&2
		. "$SECGROUP_CACHE/debug/current.env"	# KREL, VMLINUZ, KDIR
		MODDIR=
		return ;;
	[0-9]*.[0-9]*-*|[0-9]*.[0-9]*.[0-9]*)
		v=/boot/vmlinuz-$want ;;
	[0-9]*.[0-9]*)
		v=$(compgen -G "/boot/vmlinuz-$want.[0-9]*-amd64" | sort -V | tail -n 1 || true) ;;
	*)
		echo "vm/run: unknown kernel '$want' (6.1, 6.12, debug or a release)" >&2
		exit 2 ;;
	esac
	if [ -z "$v" ] || [ ! -f "$v" ]; then
		echo "vm/run: kernel '$want' is not installed; run tools/deps.sh" >&2
		exit 2
	fi
	KREL=${v#/boot/vmlinuz-}
	VMLINUZ=$v
	KDIR=/usr/src/linux-headers-$KREL
	MODDIR=/lib/modules/$KREL
	if [ ! -d "$KDIR" ]; then
		echo "vm/run: headers for $KREL are not installed; run tools/deps.sh" >&2
		exit 2
	fi
}

# Pack busybox, tools/vm/init and the modules needed to mount the host root
# (virtio-pci, 9p, overlay, resolved with modprobe for that release) into a
# cached initramfs; print its path.
make_initramfs() {
	local rel=$1 moddir=$2 out stage m line
	out=$top/build/vm/$rel/initramfs.cpio.gz
	if [ -f "$out" ] && [ "$out" -nt "$top/tools/vm/init" ] &&
	   [ "$out" -nt "$top/tools/vm/lib.sh" ]; then
		echo "$out"
		return
	fi
	stage=$(mktemp -d)
	mkdir -p "$stage/bin" "$stage/modules" "$stage/proc" "$stage/sys" \
		"$stage/dev" "$stage/mnt"
	cp /bin/busybox "$stage/bin/busybox"
	install -m 0755 "$top/tools/vm/init" "$stage/init"
	: >"$stage/modules.order"
	if [ -n "$moddir" ]; then
		for m in virtio_pci 9pnet_virtio 9p overlay; do
			modprobe -S "$rel" --show-depends "$m"
		done | while read -r line; do
			set -- $line
			[ "$1" = insmod ] || continue
			m=$(basename "$2")
			m=${m%.xz}
			grep -qx "$m" "$stage/modules.order" && continue
			case "$2" in
			*.xz) xz -dc "$2" >"$stage/modules/$m" ;;
			*) cp "$2" "$stage/modules/$m" ;;
			esac
			echo "$m" >>"$stage/modules.order"
		done
	fi
	mkdir -p "$(dirname "$out")"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$stage"
	echo "$out"
}

# The module index for @rel with secgroup.ko added under updates/, computed
# on the host (depmod under TCG takes half a minute or more).  Prints the
# directory holding modules.* and updates/, to be copied over
# /lib/modules/@rel.  The kernel's own index, without secgroup.ko, is kept
# beside it in build/vm/@rel/pristine (selftests/packages.sh puts it back
# while the packaged module stands in for the harness's).
make_modindex() {
	local rel=$1 ko=$2 moddir=$3 root d f
	root=$top/build/vm/$rel/modroot
	d=$root/lib/modules/$rel
	if [ -n "$moddir" ]; then
		rm -rf "$top/build/vm/$rel/pristine"
		mkdir -p "$top/build/vm/$rel/pristine"
		cp "$moddir"/modules.* "$top/build/vm/$rel/pristine/"
	fi
	if [ -f "$d/modules.dep" ] && [ "$d/modules.dep" -nt "$ko" ]; then
		echo "$d"
		return
	fi
	rm -rf "$root"
	mkdir -p "$d/updates"
	[ -z "$moddir" ] || ln -s "$moddir/kernel" "$d/kernel"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		# Debian kernels: /lib/modules/REL; the debug kernel: its build tree
		if [ -f "${moddir:-$KDIR}/$f" ]; then cp "${moddir:-$KDIR}/$f" "$d/"; else : >"$d/$f"; fi
	done
	cp "$ko" "$d/updates/"
	depmod -b "$root" "$rel"
	rm -f "$d/kernel"
	echo "$d"
}

#!/bin/bash
# Build the guest of tests/vm/ovs.sh: a Debian bookworm root filesystem (mmdebstrap, packages
# from tests/vm/packages.txt) as a raw ext4 image, plus the stock kernel and initrd taken out
# of it so QEMU can boot them directly (-kernel/-initrd: no boot loader, no partition table).
#
#   tests/vm/build-image.sh OUTDIR        (root; writes OUTDIR/{rootfs.img,vmlinuz,initrd.img,kernel-version})
#
# ovs.sh calls this only when its cache has no image for the sha256 of packages.txt + this file,
# so anything that changes what the guest contains belongs here (or in packages.txt), and
# anything that changes per run (guest.sh, the recorder binary) travels over the 9p share.
set -u

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-image.sh OUTDIR}
SUITE=bookworm

die() { echo "build-image: $*" >&2; exit 1; }

# The same Debian mirror that this machine's apt uses: its deb822 sources file when there is
# one, otherwise the stock bookworm lines.  mmdebstrap takes a sources file as a "mirror".
mirror_args() {
	local f=/etc/apt/sources.list.d/debian.sources
	if [ -f "$f" ] && grep -q "^Suites:.*$SUITE" "$f"; then
		echo "$f"
	else
		echo "deb http://deb.debian.org/debian $SUITE main"
		echo "deb http://deb.debian.org/debian $SUITE-updates main"
		echo "deb http://deb.debian.org/debian-security $SUITE-security main"
	fi
}

# PID 1 of the guest.  Deliberately tiny and generic: mount the kernel file systems and the 9p
# share, run the share's guest.sh, power off.  No systemd, no services: ovs.sh's guest.sh starts
# what it needs, so a scenario change never needs an image rebuild.
write_init() {
	cat >"$1" <<'EOF'
#!/bin/bash
# PID 1 of the skbtrail test guest (kernel command line init=/sbin/skbt-vm-init).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
hostname skbt-vm
modprobe 9pnet_virtio
modprobe 9p
mkdir -p /share
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288,cache=none share /share; then
	mkdir -p /share/out
	echo "skbt-vm-init: running /share/guest.sh" >/dev/console
	bash /share/guest.sh >/share/out/guest.log 2>&1
	echo "guest.sh exit status $?" >>/share/out/guest.log
	echo "skbt-vm-init: guest.sh done" >/dev/console
	sync
	umount /share
else
	echo "skbt-vm-init: cannot mount the 9p share" >/dev/console
fi
sync
echo 1 >/proc/sys/kernel/sysrq
echo o >/proc/sysrq-trigger
sleep 60
EOF
	chmod 755 "$1"
}

main() {
	[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap root mode, mkfs.ext4 -d)"
	local pkgs rootfs kver size_mb
	pkgs=$(grep -v '^[[:space:]]*#' "$here/packages.txt" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
	[ -n "$pkgs" ] || die "empty package list"
	mkdir -p "$out" || die "cannot create $out"
	rootfs=$(mktemp -d "$out/rootfs.XXXXXX")
	# shellcheck disable=SC2064 # expand now: the directory to remove is known
	trap "rm -rf '$rootfs'" EXIT

	echo "build-image: mmdebstrap $SUITE with: $pkgs"
	# minbase + our list; docs, man pages and locales are not needed in a test guest.
	local -a mirrors
	mapfile -t mirrors < <(mirror_args)
	mmdebstrap --mode=root --variant=minbase --include="$pkgs" \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--customize-hook='echo skbt-vm >"$1/etc/hostname"' \
		"$SUITE" "$rootfs" "${mirrors[@]}" || die "mmdebstrap failed"

	write_init "$rootfs/sbin/skbt-vm-init"
	# The guest never uses apt; its lists are dead weight in the image.
	rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*

	kver=$(ls "$rootfs/lib/modules" | sort -V | tail -1)
	[ -n "$kver" ] || die "no kernel modules in the rootfs"
	[ -f "$rootfs/lib/modules/$kver/kernel/net/openvswitch/openvswitch.ko" ] ||
		die "openvswitch.ko missing for $kver"
	cp "$rootfs/boot/vmlinuz-$kver" "$out/vmlinuz" || die "no vmlinuz"
	cp "$rootfs/boot/initrd.img-$kver" "$out/initrd.img" || die "no initrd"
	echo "$kver" >"$out/kernel-version"

	# Raw ext4 straight from the directory (mkfs.ext4 -d): no loop mount needed, and the
	# image is sparse.  Size: contents + 50 % + 256 MiB for the guest's own writes (the guest
	# runs with snapshot=on, so the cached image itself is never written).
	size_mb=$(( $(du -sm "$rootfs" | cut -f1) * 3 / 2 + 256 ))
	rm -f "$out/rootfs.img"
	mkfs.ext4 -q -F -L skbt-vm -d "$rootfs" "$out/rootfs.img" "${size_mb}M" ||
		die "mkfs.ext4 failed"
	echo "build-image: done: kernel $kver, image ${size_mb} MiB (sparse)"
}

main

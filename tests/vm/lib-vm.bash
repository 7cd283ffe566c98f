# Shared host side of the QEMU tests in tests/vm (ovs.sh, bignode.sh): host tools, the cached
# guest image, and booting the guest.  Source it after tests/lib.sh, with $TRACES (this run's
# output directory) set; the caller owns QEMU_PID (it kills it in its cleanup).
#
#   ensure_host_tools PKG...      install the missing Debian packages (log in $TRACES/host-apt.log)
#   ensure_image                  IMG_DIR = the cached image (built when missing); IMAGE_STATE
#   vm_boot SHARE SMP MEM_MB [QEMU-ARG...]
#                                 start the guest in the background (QEMU_PID), kernel
#                                 arguments $VM_KERNEL_ARGS added to the usual, the 9p share
#                                 SHARE as mount_tag "share" (its guest.sh is what the image's
#                                 init runs); 2 when QEMU died at once (QEMU_ERROR says why)
#   vm_wait TIMEOUT               wait until the guest powers off; GUEST_TIMEOUT=1 when it had
#                                 to be killed after TIMEOUT s; GUEST_SECONDS = the session
#
# Environment: SKBT_VM_CACHE (image cache, default ~/.cache/skbtrail-vm), SKBT_VM_ACCEL
# (tcg, the default: this machine's KVM cannot run a stock kernel | kvm).
# shellcheck disable=SC2034 # the variables set here are for the scripts that source it

here_vm=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${SKBT_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skbtrail-vm}
ACCEL=${SKBT_VM_ACCEL:-tcg}
# What building and booting the image needs; each test adds its own.
VM_HOST_PKGS="qemu-system-x86 mmdebstrap e2fsprogs util-linux"
# Debian's python3 (it has python3-jsonschema), not whatever python3 comes first in PATH
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
QEMU_PID=

# Host tools.  A fresh Debian 12 CI machine has none of them: install (apt-get update first).
ensure_host_tools() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "# installing host packages: ${missing[*]}"
	{
		apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
	} >"$TRACES/host-apt.log" 2>&1 || return 1
}

# Guest image, cached under a key that changes with anything that changes the image.
cache_key() {
	cat "$here_vm/packages.txt" "$here_vm/build-image.sh" | sha256sum | cut -c1-16
}

# Sets IMG_DIR; builds when the cache has no complete image for this key.
# Held under a lock so two concurrent runs do not build into each other.
ensure_image() {
	local key t0
	key=$(cache_key)
	IMG_DIR=$CACHE_ROOT/$key
	mkdir -p "$CACHE_ROOT" || return 1
	exec 9>"$CACHE_ROOT/.lock"
	flock 9
	if [ -f "$IMG_DIR/complete" ]; then
		IMAGE_STATE="cached ($IMG_DIR)"
		flock -u 9
		return 0
	fi
	t0=$(date +%s)
	echo "# building the guest image (key $key); log: $CACHE_ROOT/$key.build.log"
	rm -rf "$IMG_DIR" "$IMG_DIR.tmp"
	if ! bash "$here_vm/build-image.sh" "$IMG_DIR.tmp" >"$CACHE_ROOT/$key.build.log" 2>&1; then
		rm -rf "$IMG_DIR.tmp"
		IMAGE_ERROR=$(grep -E -m1 '(^E:|error|failed)' "$CACHE_ROOT/$key.build.log" | cut -c1-160)
		flock -u 9
		return 1
	fi
	touch "$IMG_DIR.tmp/complete"
	mv "$IMG_DIR.tmp" "$IMG_DIR"
	# Older keys are dead weight (an image is ~1 GB sparse): keep only this one.
	find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
	IMAGE_STATE="built in $(( $(date +%s) - t0 )) s ($IMG_DIR)"
	flock -u 9
}

# The kernel command line has tsc=reliable (without it timestamps collapse under TCG) and
# init=/sbin/skbt-vm-init (mounts, runs /share/guest.sh, powers off; build-image.sh).
# The root image is opened with snapshot=on: the cache stays pristine.
vm_boot() {
	local share=$1 smp=$2 mem=$3 kver
	local -a accel
	shift 3
	if [ "$ACCEL" = kvm ]; then
		accel=(-accel kvm -cpu host)
	else
		accel=(-accel "tcg,thread=multi" -cpu max)
	fi
	kver=$(cat "$IMG_DIR/kernel-version")
	echo "# booting guest (kernel $kver, ${accel[*]}, $smp vCPUs, $mem MB); console: $TRACES/console.log"
	qemu-system-x86_64 "${accel[@]}" -smp "$smp" -m "$mem" -nodefaults -display none -no-reboot \
		-serial file:"$TRACES/console.log" -monitor none \
		-kernel "$IMG_DIR/vmlinuz" -initrd "$IMG_DIR/initrd.img" \
		-append "root=/dev/vda rw rootwait console=ttyS0 net.ifnames=0 panic=-1 tsc=reliable init=/sbin/skbt-vm-init${VM_KERNEL_ARGS:+ $VM_KERNEL_ARGS}" \
		-drive file="$IMG_DIR/rootfs.img",format=raw,if=virtio,snapshot=on \
		-virtfs local,path="$share",mount_tag=share,security_model=none,id=share \
		"$@" >"$TRACES/qemu.log" 2>&1 &
	QEMU_PID=$!
	# QEMU that dies at once (no TCG, bad option, no 9p support) cannot test: skip, not fail.
	sleep 3
	if ! kill -0 "$QEMU_PID" 2>/dev/null; then
		wait "$QEMU_PID"
		QEMU_ERROR="QEMU exited at once: $(head -c 200 "$TRACES/qemu.log" | tr "\n" " ")"
		QEMU_PID=
		return 2
	fi
	VM_T0=$(date +%s)
}

vm_wait() {
	local timeout=$1
	GUEST_TIMEOUT=0
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		if [ $(( $(date +%s) - VM_T0 )) -ge "$timeout" ]; then
			echo "# guest still running after $timeout s: killing it"
			GUEST_TIMEOUT=1
			break
		fi
		sleep 1
	done
	kill "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=
	GUEST_SECONDS=$(( $(date +%s) - VM_T0 + 3 ))
}

#!/bin/sh
# Makes sure programs of ARCH run on this machine: nothing to do for its own architecture; for another one,
# qemu-user-static's interpreter registered with binfmt_misc (flag F: the kernel opens it once, so it works inside
# a chroot that has no qemu). Mounts binfmt_misc and enables the entry if either is off.
# Usage: packaging/qemu-binfmt.sh ARCH      (a Debian architecture name: arm64, amd64)
set -eu
arch=$1
[ "$arch" = "$(dpkg --print-architecture)" ] && exit 0
case $arch in
    arm64) qemu=aarch64 ;;
    armhf) qemu=arm ;;
    amd64) qemu=x86_64 ;;
    *) echo "error: no qemu name known for $arch" >&2; exit 1 ;;
esac
[ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if ! grep -qs enabled "/proc/sys/fs/binfmt_misc/qemu-$qemu"; then
    command -v update-binfmts >/dev/null || { echo "error: install qemu-user-static and binfmt-support" >&2; exit 1; }
    update-binfmts --enable "qemu-$qemu"
fi
grep -q '^flags:.*F' "/proc/sys/fs/binfmt_misc/qemu-$qemu" || {
    echo "error: qemu-$qemu is registered without flag F (it would not run inside a chroot)" >&2
    exit 1
}

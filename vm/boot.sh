#!/bin/sh
# Boots the board VM of vm/make-root.sh under QEMU's TCG (KVM does not work on this machine), one vCPU (with two,
# gpio-sim edges merged and were lost: issue 13), direct kernel boot of Debian's kernel and initramfs:
#  - the disk: VM_WORK/trixie-ARCH/disk.img (virtio, raw), root=/dev/vda;
#  - two 9p shares: "src" = this checkout, read-only (the tests), "out" = OUT (results);
#  - user-mode networking with restrict=on (the guest reaches nothing, the host nothing in it) and one guestfwd:
#    the guest's 10.0.2.100:1883 is a connection to 127.0.0.1:BROKER_PORT on the host (vm/relay.py), the only
#    address anything is sent to;
#  - the console in OUT/console.log.
# Usage: vm/boot.sh ARCH OUT BROKER_PORT [KERNEL_ARGS...]   (e.g. hoistwatch.vm=tests: run the tests, power off)
# Returns when QEMU exits. VM_MEMORY (MiB, default 1024).
set -eu
[ $# -ge 3 ] || { echo "usage: $0 ARCH OUT BROKER_PORT [KERNEL_ARGS...]" >&2; exit 2; }
arch=$1 out=$2 port=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
work=${VM_WORK:-$top/.build-roots/vm}/${VM_DIST:-trixie}-$arch
[ -e "$work/disk.img" ] || { echo "error: no $work/disk.img: run vm/make-root.sh $arch DEB first" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $arch in
    amd64) qemu=qemu-system-x86_64 machine="-M q35" console=ttyS0 ;;
    arm64) qemu=qemu-system-aarch64 machine="-M virt -cpu cortex-a72" console=ttyAMA0 ;;
    *) echo "error: ARCH must be amd64 or arm64" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086 # $machine is several words
exec nice -n 10 "$qemu" $machine -accel tcg -smp 1 -m "${VM_MEMORY:-1024}" -nodefaults -display none \
    -serial "file:$out/console.log" -no-reboot \
    -kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
    -append "root=/dev/vda rw console=$console panic=-1 $*" \
    -drive "file=$work/disk.img,format=raw,if=none,id=disk,cache=writeback" -device virtio-blk-pci,drive=disk \
    -virtfs "local,path=$top,mount_tag=src,security_model=none,readonly=on" \
    -virtfs "local,path=$out,mount_tag=out,security_model=none" \
    -netdev "user,id=net,restrict=on,guestfwd=tcp:10.0.2.100:1883-cmd:/usr/bin/python3 $here/relay.py $port" \
    -device virtio-net-pci,netdev=net

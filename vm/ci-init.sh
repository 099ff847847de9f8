#!/bin/sh
# /init of the CI VM's initramfs (vm/ci-vm.sh; busybox's sh): loads the modules the kernel lacks (virtio, 9p,
# ext4, configfs and the gpio-sim.ko built on the host; every .ko of /modules, in the order of /modules/order; one
# that finds no device, as crc32c-intel on TCG's CPU without SSE 4.2, is skipped),
# mounts the host's root filesystem (the 9p share "root", read-only) on /newroot and hands over to the checkout's
# vm/ci-guest.sh there (hoistwatch.ci_guest= on the kernel's command line) as PID 1: no systemd, no package.
# On any failure it says so on the console and powers the VM off.
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
die() {
    echo "ci-init: $*" > /dev/console
    echo o > /proc/sysrq-trigger
    /bin/busybox sleep 60
}
while read -r ko; do
    /bin/busybox insmod "/modules/$ko" || echo "ci-init: $ko not loaded" > /dev/console
done < /modules/order
/bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose root /newroot ||
    die "cannot mount the host's root (9p share root)"
guest=$(/bin/busybox sed -n 's/.*hoistwatch\.ci_guest=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -z "$guest" ] || [ ! -e "/newroot$guest" ]; then die "no guest script ($guest) in the host's root"; fi
/bin/busybox mount --move /proc /newroot/proc
/bin/busybox mount --move /sys /newroot/sys
/bin/busybox mount --move /dev /newroot/dev
exec /bin/busybox switch_root /newroot /bin/sh "$guest"

#!/bin/sh
# The board VM's disk (README "Board VM"): a Debian trixie root of ARCH with systemd, Debian's kernel, gpio-sim.ko
# built out of tree from Debian's linux-source-6.12, libgpiod 2 (libgpiod3, gpiod), mosquitto's clients, python3,
# sqlite3 and the HoistWatch package; then an ext4 image of it and the kernel and initramfs beside it, for
# vm/boot.sh (direct kernel boot). Everything comes from Debian's archive by package name (debootstrap, apt).
#
# Usage: vm/make-root.sh ARCH DEB          (ARCH amd64 or arm64; DEB the package made by `make deb DIST=trixie`,
#                                          or - for the root and the module only, before the package exists)
# VM_DIST=bookworm makes a bookworm root instead: kernel 6.1, gpio-sim from linux-source-6.1, libgpiod 1 (libgpiod2),
# and DEB then the package of `make deb DIST=bookworm`.
# Writes VM_WORK/DIST-ARCH/{root/,disk.img,vmlinuz,initrd.img,kernel-version} (VM_WORK default
# .build-roots/vm, ignored by git; VM_DIST default trixie). The root is kept between runs (delete it to make it anew); the package, the
# guest's files (vm/guest) and the image are refreshed at every run. Needs root, debootstrap, qemu-user-static
# for a foreign ARCH, e2fsprogs (mkfs.ext4 -d), the Debian mirror (DEBIAN_MIRROR).
set -eu
[ $# -eq 2 ] || { echo "usage: $0 ARCH DEB" >&2; exit 2; }
arch=$1 deb=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
if [ "$deb" != - ]; then
    [ -f "$deb" ] || { echo "error: $deb: no such package (make deb DIST=trixie ARCH=$arch)" >&2; exit 2; }
    deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
fi
dist=${VM_DIST:-trixie}
case $dist in
    trixie) gpiod_packages="libgpiod3 gpiod" kernel_source=6.12 ;;
    bookworm) gpiod_packages="libgpiod2 gpiod" kernel_source=6.1 ;;
    *) echo "error: VM_DIST must be trixie or bookworm" >&2; exit 2 ;;
esac
work=${VM_WORK:-$top/.build-roots/vm}/$dist-$arch
root=$work/root
log() { printf '== %s\n' "$*" >&2; }
inroot() { "$top/packaging/in-root.sh" "$root" "$@"; }
mkdir -p "$work"
start=$(date +%s)

# 1. The root: systemd as PID 1, the kernel with its headers (same version: both from this archive now), the
#    module's build tools, the agent's libraries and the tests' tools. mosquitto itself runs on the host.
case $arch in amd64 | arm64) ;; *) echo "error: ARCH must be amd64 or arm64" >&2; exit 2 ;; esac
if [ ! -e "$root/.hoistwatch-vm" ]; then
    log "root $root (debootstrap $dist $arch, then apt)"
    # shellcheck disable=SC2086 # one word per package
    "$top/packaging/debian-root.sh" "$root" "$dist" "$arch" \
        systemd systemd-sysv udev dbus kmod iproute2 procps initramfs-tools \
        "linux-image-$arch" "linux-headers-$arch" make gcc libc6-dev xz-utils \
        $gpiod_packages mosquitto-clients python3 sqlite3 ca-certificates
    touch "$root/.hoistwatch-vm"
fi
kver=$(ls "$root/lib/modules" | sort -V | tail -n 1)
[ -d "$root/usr/src/linux-headers-$kver" ] || { echo "error: no headers for $kver in $root" >&2; exit 1; }

# 2. gpio-sim.ko (Debian's kernel has CONFIG_GPIO_SIM and CONFIG_IRQ_SIM off): the two sources out of Debian's
#    linux-source-6.12 (6.1 on bookworm; Architecture: all, fetched by the root's apt, unpacked here on the host), built inside the
#    root against its headers (vm/guest/build-gpio-sim.sh).
if [ ! -e "$root/lib/modules/$kver/updates/gpio-sim.ko" ]; then
    src=$work/gpio-sim-src
    if [ ! -e "$src/.ok" ]; then
        log "gpio-sim sources from linux-source-$kernel_source"
        rm -rf "$src" && mkdir -p "$src"
        inroot sh -c "cd /tmp && rm -f linux-source-${kernel_source}_*.deb && apt-get download -qq linux-source-$kernel_source >/dev/null && ls linux-source-${kernel_source}_*.deb" > "$src/deb-name"
        srcdeb=$root/tmp/$(cat "$src/deb-name")
        dpkg-deb --fsys-tarfile "$srcdeb" | tar -xO --wildcards "./usr/src/linux-source-$kernel_source.tar.xz" |
            tar -xJ -C "$src" --strip-components=1 --wildcards \
                "linux-source-$kernel_source/drivers/gpio/gpio-sim.c" "linux-source-$kernel_source/drivers/gpio/gpiolib*.h" \
                "linux-source-$kernel_source/kernel/irq/irq_sim.c"
        rm -f "$srcdeb"
        touch "$src/.ok"
    fi
    log "gpio-sim.ko for $kver"
    rm -rf "$root/usr/src/hoistwatch-gpio-sim" && mkdir -p "$root/usr/src/hoistwatch-gpio-sim"
    cp "$src/drivers/gpio/gpio-sim.c" "$src"/drivers/gpio/gpiolib*.h "$src/kernel/irq/irq_sim.c" \
        "$here/guest/build-gpio-sim.sh" "$root/usr/src/hoistwatch-gpio-sim/"
    inroot sh /usr/src/hoistwatch-gpio-sim/build-gpio-sim.sh "$kver"
fi

# A small initramfs (what mounts /dev/vda, not MODULES=most's 36 MB), and none of the modules udev would load for
# the emulated machine's other devices: the VM gets little of a busy host's CPU, and boots that much sooner.
printf 'MODULES=list\n' > "$root/etc/initramfs-tools/conf.d/hoistwatch-vm.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' > "$root/etc/initramfs-tools/modules"
printf 'blacklist %s\n' pcspkr kvm kvm_amd kvm_intel i2c_i801 lpc_ich iTCO_wdt cfg80211 powernow_k8 joydev evdev \
    > "$root/etc/modprobe.d/hoistwatch-vm.conf"
if [ ! -e "$root/boot/.hoistwatch-vm-initramfs-$kver" ]; then
    log "initramfs (MODULES=list)"
    inroot update-initramfs -u -k "$kver" >/dev/null
    touch "$root/boot/.hoistwatch-vm-initramfs-$kver"
fi

[ "$deb" != - ] || { log "root and gpio-sim.ko for $arch ready (no package given: no image)"; exit 0; }

# 3. The guest's configuration and files (vm/guest), then the package with apt. Plain Debian has no gpio group:
#    made first, with the udev rule, so that postinst puts the service user in it (packaging/README.md).
log "guest files and $(basename "$deb")"
install -m 0755 "$here/guest/hoistwatch-sim-lines.sh" "$root/usr/local/sbin/hoistwatch-sim-lines"
install -m 0755 "$here/guest/hoistwatch-vm-run.sh" "$root/usr/local/sbin/hoistwatch-vm-run"
install -m 0644 "$here/guest/hoistwatch-sim-lines.service" "$here/guest/hoistwatch-vm-run.service" \
    "$root/etc/systemd/system/"
cp "$here/guest/hoistwatch-drive-lines.c" "$root/usr/src/"
inroot gcc -O2 -Wall -Werror -o /usr/local/bin/hoistwatch-drive-lines /usr/src/hoistwatch-drive-lines.c
install -m 0755 "$here/guest/hoistwatch-trace-to-lines.py" "$root/usr/local/bin/hoistwatch-trace-to-lines"
echo hoistwatch-vm > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 hoistwatch-vm\n10.0.2.100 broker\n' > "$root/etc/hosts"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$root/etc/fstab"
# User-mode networking with restrict=on: the guest's one address; the broker is the guestfwd at 10.0.2.100.
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nType=ether\n\n[Network]\nAddress=10.0.2.15/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
    > "$root/etc/systemd/network/10-hoistwatch-vm.network"
printf '9p\n9pnet_virtio\nconfigfs\n' > "$root/etc/modules-load.d/hoistwatch-vm.conf"
grep -q '^gpio:' "$root/etc/group" || inroot groupadd --system gpio
echo 'SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"' > "$root/etc/udev/rules.d/60-gpio.rules"
inroot passwd -d root >/dev/null
inroot systemctl enable -q systemd-networkd hoistwatch-sim-lines.service hoistwatch-vm-run.service
inroot systemctl mask -q systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
    fstrim.timer getty@tty1.service systemd-networkd-persistent-storage.service 2>/dev/null || true
cp "$deb" "$root/tmp/hoistwatch.deb"
inroot sh -c 'apt-get install -y -qq --reinstall /tmp/hoistwatch.deb >/dev/null && rm /tmp/hoistwatch.deb'
inroot apt-get clean

# 4. The kernel and initramfs beside the image (direct kernel boot), and the image: ext4 made from the root
#    (no partition table: root=/dev/vda), with room for the outbox and traces.
cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/initrd.img"
echo "$kver" > "$work/kernel-version"
log "disk image"
rm -f "$work/disk.img"
used_mib=$(du -sxm "$root" | cut -f1)
mkfs.ext4 -q -F -L hoistwatch-vm -d "$root" "$work/disk.img" "$((used_mib + 1024))M"
log "root and image for $arch ready in $(( $(date +%s) - start )) s: $work (kernel $kver)"

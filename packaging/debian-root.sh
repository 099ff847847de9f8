#!/bin/sh
# Makes a Debian root once (debootstrap --variant=minbase), then installs the packages named with apt inside it
# (only those missing). A foreign architecture (arm64 on amd64) runs under qemu-user-static through binfmt_misc,
# which this script turns on if it is off. The root is kept for the next run: it is ready when ROOT/.hoistwatch-root
# exists (delete the folder to make it anew).
#
# Usage: packaging/debian-root.sh ROOT SUITE ARCH [PACKAGE...]
# With ROOT_FROM=ANOTHER_ROOT (one made by this script for the same SUITE and ARCH), ROOT starts as a copy of it
# instead of a debootstrap of its own.
# Needs: root, debootstrap, qemu-user-static and binfmt-support for a foreign ARCH, the Debian mirror
# (DEBIAN_MIRROR, default http://deb.debian.org/debian).
set -eu
if [ $# -lt 3 ]; then
    echo "usage: $0 ROOT SUITE ARCH [PACKAGE...]" >&2
    exit 2
fi
root=$1 suite=$2 arch=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

"$here/qemu-binfmt.sh" "$arch"

if [ ! -e "$root/.hoistwatch-root" ] && [ -n "${ROOT_FROM:-}" ]; then
    [ -e "$ROOT_FROM/.hoistwatch-root" ] || { echo "error: $ROOT_FROM is not a root made by $0" >&2; exit 1; }
    rm -rf "$root"
    cp -a "$ROOT_FROM" "$root"
fi
if [ ! -e "$root/.hoistwatch-root" ]; then
    rm -rf "$root"
    mkdir -p "$(dirname "$root")"
    echo "debootstrap $suite $arch into $root"
    # A minimal root: apt and dpkg, nothing more; the packages below come from the suite's own archive.
    debootstrap --variant=minbase --arch="$arch" "$suite" "$root" "$mirror" > "$root.debootstrap.log" 2>&1 || {
        tail -n 20 "$root.debootstrap.log" >&2
        exit 1
    }
    rm -f "$root.debootstrap.log"
    # The suite's archive; no recommends: what is named here is what is in the root. A mirror that is a snapshot
    # serves sid's Release file past its Valid-Until date: not refused for that.
    echo "deb $mirror $suite main" > "$root/etc/apt/sources.list"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Check-Valid-Until "false";\n' \
        > "$root/etc/apt/apt.conf.d/90hoistwatch"
    touch "$root/.hoistwatch-root"
fi

[ $# -gt 0 ] || exit 0
missing=""
for p in "$@"; do
    "$here/in-root.sh" "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing in $root:$missing"
    # shellcheck disable=SC2086 # one word per package
    "$here/in-root.sh" "$root" sh -c 'apt-get update -qq && apt-get install -y -qq "$@" >/dev/null' sh $missing
fi

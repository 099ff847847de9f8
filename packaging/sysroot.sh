#!/usr/bin/env bash
# Unpacks into DIR the C libraries a build for SUITE and ARCH links against: glibc, libgcc and libstdc++ with their
# development files, and the -dev packages of the libraries HoistWatch links, each of that release (with dpkg-deb
# -x; packaging/apt-fetch.sh downloads them). Linking against the oldest release a binary is for keeps it to that
# release's symbol versions (bookworm's glibc 2.36). Absolute symbolic links are made relative, so they point into
# DIR and not into this machine's root.
#
# Usage: packaging/sysroot.sh DIR SUITE ARCH
set -euo pipefail
if [ $# -ne 3 ]; then
    echo "usage: $0 DIR SUITE ARCH" >&2
    exit 2
fi
mkdir -p "$1"
dir=$(cd "$1" && pwd) suite=$2 arch=$3
here=$(cd "$(dirname "$0")" && pwd)

case $suite in
    bookworm) gcc=12 ssl=libssl3 ;;
    trixie) gcc=14 ssl=libssl3t64 ;;
    *) echo "error: no libstdc++ version known for $suite" >&2; exit 1 ;;
esac
packages=(libc6 libc6-dev libcrypt1 libcrypt-dev linux-libc-dev libgcc-s1 "libgcc-$gcc-dev" libstdc++6
    "libstdc++-$gcc-dev" libatomic1 libsqlite3-0 libsqlite3-dev libmosquitto1 libmosquitto-dev libcjson1 "$ssl"
    libssl-dev zlib1g libzstd1 libzstd-dev)
# Before libgpiod was loaded at run time (docs/gpio.md), the binary linked libgpiod itself.
if grep -q 'link "gpiod"' "$here/../Sources/CGpiod/module.modulemap"; then
    packages+=(libgpiod2 libgpiod-dev)
fi
work=$dir.fetch
"$here/apt-fetch.sh" "$work" "$suite" "$arch" "${packages[@]}"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$dir"; done
find "$dir" -type l -lname '/*' | while read -r link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dir$target")" "$link"
done
(cd "$work/debs" && ls) > "$dir/.hoistwatch-packages"
rm -rf "$work"

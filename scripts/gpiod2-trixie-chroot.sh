#!/usr/bin/env bash
# Runs this checkout's already built test binary inside a Debian trixie root (debootstrap, minbase, with
# libgpiod3 and the libraries the tests link): the binary built on bookworm, on trixie's own glibc and libgpiod
# 2.2 only, with HOISTWATCH_EXPECT_GPIOD=2. The toolchain's Swift runtime and the checkout are bind-mounted at
# their own paths. Needs root; `make test-gpiod2-trixie` builds first. Not part of `make test`.
#   scripts/gpiod2-trixie-chroot.sh [ROOT]    ROOT: default .build-roots/trixie-amd64 (ignored by git)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-$top/.build-roots/trixie-amd64}
mkdir -p "$root"
root=$(cd "$root" && pwd)
swift_root=$(cd "$(dirname "$(readlink -f "$(command -v swift)")")/../.." && pwd)
mirror=${DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -v -- '-security' | head -n 1)}
packages=libgpiod3,libmosquitto1,libsqlite3-0,libssl3t64,libstdc++6,libcurl4t64,libxml2
binary=$(find "$top/.build/debug/" -maxdepth 1 -name '*PackageTests.xctest' | head -n 1)
[ -x "$binary" ] || { echo "error: no built test binary in .build/debug (swift build --build-tests)" >&2; exit 1; }

if [ ! -x "$root/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    debootstrap --variant=minbase --include="$packages" trixie "$root" "${mirror%/}" >/dev/null
fi

mounts=()
cleanup() { for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[$i]}" 2>/dev/null || true; done; }
trap cleanup EXIT
bind() { mkdir -p "$root$1"; mount --bind "$1" "$root$1"; mounts+=("$root$1"); }
bind /proc
bind /dev
# libgpiod 2 tells a GPIO chip by its sysfs subsystem (/sys/dev/char/MAJOR:MINOR/subsystem).
bind /sys
bind "$swift_root"
bind "$top"
mkdir -p "$root/tmp" && chmod 1777 "$root/tmp"
echo "trixie root: $(cat "$root/etc/debian_version"), $(chroot "$root" dpkg-query -W -f='${Package} ${Version}' libgpiod3)"
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp HOISTWATCH_EXPECT_GPIOD=2 \
    "$binary" --testing-library swift-testing --filter 'HoistWatchBoardTests'

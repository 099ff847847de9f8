#!/usr/bin/env bash
# Fetches Debian trixie's libgpiod 2 (libgpiod3: libgpiod.so.3; libgpiod-dev: its gpiod.h) into a prefix, for
# `make test-gpiod2`: the v2 ABI check against the real header and the real-library tests against the real
# library. Downloads with packaging/apt-fetch.sh (an apt configuration of its own in ROOT/apt, pointed at the trixie
# suite of the Debian archive this machine already uses; this machine's apt sources are not touched). Prints the
# prefix.
#   scripts/gpiod2-roots.sh [ROOT]     ROOT: default .build-roots/gpiod2 (ignored by git); DEBIAN_MIRROR overrides
#                                      the archive (default: the one of this machine's apt sources)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-$top/.build-roots/gpiod2}
mkdir -p "$root"
root=$(cd "$root" && pwd)
suite=${GPIOD2_SUITE:-trixie}
packages=(libgpiod3 libgpiod-dev)
prefix=$root/prefix

# The package list of the suite is read once; later runs reuse it and the extracted prefix.
if [ ! -f "$prefix/usr/include/gpiod.h" ] || ! ls "$prefix"/usr/lib/*/libgpiod.so.3 >/dev/null 2>&1; then
    "$top/packaging/apt-fetch.sh" "$root" "$suite" "$(dpkg --print-architecture)" "${packages[@]}"
    rm -rf "$prefix"
    for deb in "$root"/debs/*.deb; do dpkg-deb -x "$deb" "$prefix"; done
fi
grep -q gpiod_api_version "$prefix/usr/include/gpiod.h" \
    || { echo "error: $prefix/usr/include/gpiod.h is not libgpiod 2" >&2; exit 1; }
echo "$prefix"

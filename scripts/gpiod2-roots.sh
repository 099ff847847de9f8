#!/usr/bin/env bash
# Fetches Debian trixie's libgpiod 2 (libgpiod3: libgpiod.so.3; libgpiod-dev: its gpiod.h) into a prefix, for
# `make test-gpiod2`: the v2 ABI check against the real header and the real-library tests against the real
# library. Uses a separate apt configuration of its own (this machine's apt sources are not touched) pointed at
# the trixie suite of the Debian archive this machine already uses. Prints the prefix.
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
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

mirror=${DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -v -- '-security' | head -n 1)}
[ -n "$mirror" ] || { echo "error: no Debian archive in this machine's apt sources; set DEBIAN_MIRROR" >&2; exit 1; }
[ -f "$keyring" ] || { echo "error: $keyring missing (apt-get install debian-archive-keyring)" >&2; exit 1; }

mkdir -p "$root/apt/lists/partial" "$root/apt/cache/archives/partial" "$root/apt/etc/sources.list.d" \
    "$root/apt/etc/preferences.d" "$root/debs"
touch "$root/apt/status"
echo "deb [signed-by=$keyring] ${mirror%/} $suite main" > "$root/apt/etc/sources.list"
cat > "$root/apt/apt.conf" <<CONF
Dir::Etc::SourceList "$root/apt/etc/sources.list";
Dir::Etc::SourceParts "$root/apt/etc/sources.list.d";
Dir::Etc::Preferences "$root/apt/etc/preferences";
Dir::Etc::PreferencesParts "$root/apt/etc/preferences.d";
Dir::State::Lists "$root/apt/lists";
Dir::State::status "$root/apt/status";
Dir::Cache "$root/apt/cache";
APT::Sandbox::User "root";
CONF
export APT_CONFIG=$root/apt/apt.conf

# The package list of the suite is read once; later runs reuse it and the extracted prefix.
if [ ! -f "$prefix/usr/include/gpiod.h" ] || ! ls "$prefix"/usr/lib/*/libgpiod.so.3 >/dev/null 2>&1; then
    apt-get update -qq
    (cd "$root/debs" && rm -f ./*.deb && apt-get download -qq "${packages[@]}")
    rm -rf "$prefix"
    for deb in "$root"/debs/*.deb; do dpkg-deb -x "$deb" "$prefix"; done
fi
grep -q gpiod_api_version "$prefix/usr/include/gpiod.h" \
    || { echo "error: $prefix/usr/include/gpiod.h is not libgpiod 2" >&2; exit 1; }
echo "$prefix"

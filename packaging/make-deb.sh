#!/usr/bin/env bash
# `make deb DIST=... ARCH=...`: builds dist/hoistwatch_<version>~<dist>_<arch>.deb on this machine (packaging/README.md).
#
# One binary per architecture serves every release: it is linked against the oldest one's C libraries (LINK_DIST,
# bookworm: glibc 2.36), and libgpiod is loaded at run time (v2 on trixie, v1 on bookworm). Only the package around
# it differs per release: its dependencies are computed by dpkg-shlibdeps inside a root of that release and
# architecture, where the names and versions are that release's own.
#
#  - ARCH = this machine's: built here by $SWIFT (this machine is bookworm: its glibc is the oldest).
#  - another ARCH: cross-built in a Debian sid root of this machine's architecture with sid's swiftlang (the one
#    Debian release whose Swift can read the packages' manifests), against a Swift SDK made of LINK_DIST's C
#    libraries for ARCH and sid's Swift runtime for ARCH (packaging/swift-sdk.sh). The manual page comes from the
#    ARCH binary run under qemu-user-static.
#
# Usage: packaging/make-deb.sh DIST ARCH
# Environment (the Makefile sets them): SWIFT, DEB_VERSION, DEB_HARDENING, DEB_SCRATCH (native builds), ROOTS
# (roots, sysroots and SDKs; default .build-roots/packaging), LINK_DIST.
set -euo pipefail
dist=$1 arch=$2
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
roots=${ROOTS:-.build-roots/packaging}
mkdir -p "$roots"
roots=$(cd "$roots" && pwd)
swift=${SWIFT:-swift}
version=${DEB_VERSION:?}
read -r -a hardening <<< "${DEB_HARDENING:-}"
link_dist=${LINK_DIST:-bookworm}
host_arch=$(dpkg --print-architecture)
host_dist=$(. /etc/os-release && echo "$VERSION_CODENAME")
log() { printf '== %s\n' "$*" >&2; }
# timed LABEL COMMAND...: runs it and logs how long it took.
timed() {
    local label=$1 start=$SECONDS
    shift
    "$@"
    log "$label: $((SECONDS - start)) s"
}

case $dist in bookworm | trixie) ;; *) echo "error: DIST must be bookworm or trixie, not $dist" >&2; exit 2 ;; esac
case $arch in amd64 | arm64) ;; *) echo "error: ARCH must be amd64 or arm64, not $arch" >&2; exit 2 ;; esac
case $dist in bookworm) runtime=(libsqlite3-0 libmosquitto1 libssl3) ;; trixie) runtime=(libsqlite3-0 libmosquitto1 libssl3t64) ;; esac
# Before libgpiod was loaded at run time (docs/gpio.md) the binary linked bookworm's libgpiod v1, which trixie
# does not have.
if grep -q 'link "gpiod"' Sources/CGpiod/module.modulemap; then
    [ "$dist" = bookworm ] || { echo "error: this tree links libgpiod v1 at build time: no package for $dist" >&2; exit 1; }
    runtime+=(libgpiod2)
fi

# shellcheck source=packaging/cross-env.sh
. "$top/packaging/cross-env.sh"

if [ "$arch" = "$host_arch" ]; then
    scratch=${DEB_SCRATCH:-.build}
    timed "release build (native, $("$swift" --version 2>/dev/null | head -n 1))" \
        "$swift" build -c release --scratch-path "$scratch" --static-swift-stdlib --product hoistwatch "${hardening[@]}"
    # The manual page comes from the command's own help, through swift-argument-parser's generator (built by asking
    # its plugin for help, which builds nothing else).
    "$swift" package --scratch-path "$scratch" generate-manual --help > /dev/null
    binary=$scratch/release/hoistwatch
    manual=$(find "$scratch" -name generate-manual-tool -type f -perm -u+x | head -n 1)
    if [ "$dist" != "$host_dist" ]; then
        # The generator is linked against this machine's Swift runtime: the page is made here, not in the root.
        rm -rf "$scratch/manual"
        mkdir -p "$scratch/manual"
        SOURCE_DATE_EPOCH=$(date -d "$(sed -n 's/^ -- .*>  //p' packaging/changelog | head -n 1)" +%s)
        "$manual" "$binary" --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" --authors "HoistWatch maintainers" \
            --output-directory "$scratch/manual" > /dev/null
        manual=$scratch/manual/hoistwatch.1
    fi
else
    timed "build root and Swift SDK ($link_dist $arch)" cross_setup "$arch" "$link_dist"
    # Its own folder: `make verify-arm64` builds the tests in .build-$arch with other flags (-enable-testing), and
    # sharing one folder made each of them rebuild everything after the other.
    scratch=.build-$arch-deb
    timed "release build (cross, sid swiftlang $swiftlang, for $arch)" in_root "$build_root" swift build -c release \
        --scratch-path "$scratch" --swift-sdks-path "$sdks" --swift-sdk "$sdk_name" --static-swift-stdlib \
        --product hoistwatch "${hardening[@]}" -Xlinker "$compat"
    in_root "$build_root" swift package --scratch-path "$scratch" generate-manual --help > /dev/null
    binary=$scratch/$triple/release/hoistwatch
    tool=$(cd "$top" && find "$scratch" -path "*/generate-manual-tool" -type f -perm -u+x | grep -v "/$triple/" | head -n 1)
    [ -n "$tool" ] || { echo "error: no generate-manual-tool in $scratch" >&2; exit 1; }
    # The generator runs the binary for its help: under qemu-user, with the sysroot's libraries.
    rm -rf "$scratch/manual"
    mkdir -p "$scratch/manual"
    SOURCE_DATE_EPOCH=$(date -d "$(sed -n 's/^ -- .*>  //p' packaging/changelog | head -n 1)" +%s)
    IN_ROOT_ENV="QEMU_LD_PREFIX=$sysroot" in_root "$build_root" "$tool" "$binary" \
        --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" --authors "HoistWatch maintainers" \
        --output-directory "$scratch/manual" > /dev/null
    manual=$scratch/manual/hoistwatch.1
fi

# What the binary asks of glibc: at most what LINK_DIST has.
needed=$(readelf -V "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1)
log "$binary needs $needed (symbol versions), $(readelf -V "$binary" | grep -o 'GLIBCXX_[0-9.]*' | sort -u -V | tail -n 1)"

if [ "$dist" = "$host_dist" ] && [ "$arch" = "$host_arch" ]; then
    packaging/build-deb.sh "$binary" "$version" "$arch" dist "$manual" "$dist"
else
    # dpkg-shlibdeps, strip and dpkg-deb of DIST for ARCH (under qemu-user for another architecture).
    pack_root=$roots/$dist-$arch-pack
    "$top/packaging/debian-root.sh" "$roots/$dist-$arch" "$dist" "$arch"
    ROOT_FROM=$roots/$dist-$arch timed "packaging root ($dist $arch)" "$top/packaging/debian-root.sh" "$pack_root" \
        "$dist" "$arch" dpkg-dev binutils file "${runtime[@]}"
    in_root "$pack_root" packaging/build-deb.sh "$binary" "$version" "$arch" dist "$manual" "$dist"
fi

#!/usr/bin/env bash
# Makes a Swift SDK (SwiftPM's artifact bundle) for building HoistWatch for another architecture on this machine
# (packaging/README.md, "Other architectures and releases"): the C libraries of SUITE for ARCH
# (packaging/sysroot.sh), and the Swift runtime and modules for ARCH of Debian's swiftlang at exactly
# SWIFTLANG_VERSION, the version of the compiler that will use it (a module is only read by the compiler that wrote
# it). Linked with lld. Prints the bundle's folder, to give to `swift build --swift-sdks-path`; the SDK's name is
# hoistwatch-SUITE-ARCH.
#
# Usage: packaging/swift-sdk.sh DIR SUITE ARCH SWIFTLANG_VERSION
# Made once per SUITE, ARCH and version (DIR/.../.hoistwatch-sdk says which): delete DIR to make it anew.
set -euo pipefail
if [ $# -ne 4 ]; then
    echo "usage: $0 DIR SUITE ARCH SWIFTLANG_VERSION" >&2
    exit 2
fi
mkdir -p "$1"
dir=$(cd "$1" && pwd) suite=$2 arch=$3 version=$4
here=$(cd "$(dirname "$0")" && pwd)
case $arch in
    arm64) triple=aarch64-unknown-linux-gnu ;;
    amd64) triple=x86_64-unknown-linux-gnu ;;
    *) echo "error: no Swift target triple known for $arch" >&2; exit 1 ;;
esac
name=hoistwatch-$suite-$arch
bundle=$dir/hoistwatch.artifactbundle
variant=$bundle/$name
# The stamp names what the SDK was made from, the sysroot's package list included: a package added there (libzstd for
# the compressed flight records) makes the SDK again instead of reusing one without it.
stamp="$suite $arch $version $(sha256sum "$(dirname "$0")/sysroot.sh" | cut -c1-16)"
if [ "$(cat "$variant/.hoistwatch-sdk" 2>/dev/null)" = "$stamp" ]; then
    echo "$dir"
    exit 0
fi
rm -rf "$variant"
mkdir -p "$variant"
"$here/sysroot.sh" "$variant/sysroot" "$suite" "$arch" >&2

# Debian ships one swiftlang, in sid (trixie's 6.0 cannot read the packages' manifests): its runtime for ARCH.
"$here/apt-fetch.sh" "$dir/swift.fetch" sid "$arch" "swiftlang:$arch=$version" "libswiftlang:$arch=$version" >&2
lib=./usr/libexec/swift/lib
for deb in "$dir"/swift.fetch/debs/*.deb; do
    # The compiler's own plugins (host/) are for the machine that runs it: the build machine's come with its swiftlang.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$variant/sysroot" --exclude="$lib/swift/host" --wildcards \
        "$lib/swift" "$lib/swift_static" "$lib/clang" 2>/dev/null || true
done
[ -f "$variant/sysroot/usr/libexec/swift/lib/swift_static/linux/libswiftCore.a" ] &&
    [ -f "$variant/sysroot/usr/libexec/swift/lib/swift/linux/libswiftCore.so" ] ||
    { echo "error: no Swift runtime for $arch unpacked from swiftlang $version" >&2; exit 1; }
rm -rf "$dir/swift.fetch"
# Where the driver looks for them in an SDK (swiftrt.o, the static-library arguments), whatever the paths below say.
ln -sfn ../libexec/swift/lib/swift "$variant/sysroot/usr/lib/swift"
ln -sfn ../libexec/swift/lib/swift_static "$variant/sysroot/usr/lib/swift_static"

cat > "$variant/swift-sdk.json" <<JSON
{
  "schemaVersion": "4.0",
  "targetTriples": {
    "$triple": {
      "sdkRootPath": "sysroot",
      "swiftResourcesPath": "sysroot/usr/lib/swift",
      "swiftStaticResourcesPath": "sysroot/usr/lib/swift_static",
      "toolsetPaths": ["toolset.json"]
    }
  }
}
JSON
# lld, the toolchain's own linker, for any target: GNU ld would have to be the one built for ARCH.
cat > "$variant/toolset.json" <<JSON
{
  "schemaVersion": "1.0",
  "swiftCompiler": { "extraCLIOptions": ["-use-ld=lld"] }
}
JSON
# One bundle, one variant per SDK made in DIR.
{
    printf '{\n  "schemaVersion": "1.0",\n  "artifacts": {\n'
    first=1
    for v in "$bundle"/hoistwatch-*/swift-sdk.json; do
        [ -f "$v" ] || continue
        n=$(basename "$(dirname "$v")")
        [ $first = 1 ] || printf ',\n'
        first=0
        printf '    "%s": { "type": "swiftSDK", "version": "1", "variants": [ { "path": "%s" } ] }' "$n" "$n"
    done
    printf '\n  }\n}\n'
} > "$bundle/info.json"
echo "$stamp" > "$variant/.hoistwatch-sdk"
echo "$dir"

#!/bin/sh
# Builds hoistwatch_<version>[~<dist>]_<arch>.deb from a release binary with dpkg-deb (`make deb`; packaging/README.md).
# Usage: packaging/build-deb.sh BINARY VERSION ARCH OUTDIR MANUAL [DIST]
# The version must be the top entry of packaging/changelog; with DIST the package's version is VERSION~DIST (the
# same binary packaged for each release: ~bookworm sorts before ~trixie, so a release upgrade upgrades it too).
# Dependencies come from dpkg-shlibdeps on the binary, so this runs on (or in a root of) the release and
# architecture packaged for (packaging/make-deb.sh). MANUAL is swift-argument-parser's generate-manual-tool, run on
# the binary, or the page it made (hoistwatch.1).
set -eu
umask 022

if [ $# -ne 5 ] && [ $# -ne 6 ]; then
    echo "usage: $0 BINARY VERSION ARCH OUTDIR MANUAL [DIST]" >&2
    exit 2
fi
binary=$1 version=$2 arch=$3 outdir=$4 manual_tool=$5 dist=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

[ -x "$binary" ] || { echo "error: $binary is not an executable (build it first: make deb)" >&2; exit 1; }
[ -f "$manual_tool" ] || { echo "error: no manual generator or page at '$manual_tool' (make deb builds it)" >&2; exit 1; }
changelog_version=$(sed -n '1s/^hoistwatch (\([^)]*\)).*/\1/p' "$here/changelog")
if [ "$changelog_version" != "$version" ]; then
    echo "error: packaging/changelog's top entry is $changelog_version, the package is $version:" >&2
    echo "       add an entry for $version at the top of packaging/changelog" >&2
    exit 1
fi
[ -z "$dist" ] || version=$version~$dist
maintainer=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$here/changelog" | head -n 1)
# Reproducible: every file gets the time of the changelog entry.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date -d "$(sed -n 's/^ -- .*>  //p' "$here/changelog" | head -n 1)" +%s)}
export SOURCE_DATE_EPOCH

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$work/root
doc=$pkg/usr/share/doc/hoistwatch
share=$pkg/usr/share/hoistwatch

install -d -m 0755 "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/lib/systemd/system" "$pkg/etc/hoistwatch" "$doc" \
    "$share/profiles" "$share/Calibration" "$share/Scenarios" "$pkg/usr/share/lintian/overrides" \
    "$pkg/usr/share/man/man1"

install -m 0755 "$binary" "$pkg/usr/bin/hoistwatch"
# What dh_strip does: symbols and debug info out (90 MB -> 60 MB); Swift's metadata sections stay.
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$pkg/usr/bin/hoistwatch"

mkdir "$work/man"
if [ -x "$manual_tool" ]; then
    "$manual_tool" "$binary" --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" --authors "HoistWatch maintainers" \
        --output-directory "$work/man" >/dev/null
else
    cp "$manual_tool" "$work/man/hoistwatch.1"
fi
gzip -9nc "$work/man/hoistwatch.1" > "$pkg/usr/share/man/man1/hoistwatch.1.gz"
chmod 0644 "$pkg/usr/share/man/man1/hoistwatch.1.gz"

install -m 0644 "$here/hoistwatch.service" "$pkg/lib/systemd/system/hoistwatch.service"
# Root-only as unpacked; postinst gives it to group hoistwatch (mode 640).
install -m 0600 "$here/site.toml" "$pkg/etc/hoistwatch/site.toml"
install -m 0644 "$top"/Board/profiles/*.toml "$share/profiles/"
install -m 0644 "$top"/Calibration/*.toml "$share/Calibration/"
install -m 0644 "$top"/Scenarios/*.toml "$share/Scenarios/"

install -m 0644 "$here/copyright" "$doc/copyright"
gzip -9nc "$here/changelog" > "$doc/changelog.Debian.gz"
install -m 0644 "$top/README.md" "$doc/README.md"
for page in gpio.md hx711.md; do
    [ -f "$top/docs/$page" ] && install -m 0644 "$top/docs/$page" "$doc/$page"
done
install -m 0644 "$here/lintian-overrides" "$pkg/usr/share/lintian/overrides/hoistwatch"

install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$pkg/DEBIAN/"
echo /etc/hoistwatch/site.toml > "$pkg/DEBIAN/conffiles"

# dpkg-shlibdeps wants a source package's debian/control in its working folder.
mkdir -p "$work/src/debian"
printf 'Source: hoistwatch\n\nPackage: hoistwatch\nArchitecture: any\n' > "$work/src/debian/control"
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O -e"$pkg/usr/bin/hoistwatch" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "error: dpkg-shlibdeps found no dependencies of $binary" >&2; exit 1; }
# libgpiod is loaded at run time (dlopen: v2 first, then v1; docs/gpio.md), so dpkg-shlibdeps cannot see it: either
# library serves, trixie has the first, bookworm the second.
gpiod="libgpiod3 | libgpiod2 (>= 1.5.1)"

size=$(du -sk --apparent-size --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
    -e "s|@INSTALLED_SIZE@|$size|" -e "s#@DEPENDS@#$shlibs, $gpiod, adduser#" "$here/control.in" > "$pkg/DEBIAN/control"
(cd "$pkg" && find . -type f ! -path './DEBIAN/*' | sed 's|^\./||' | LC_ALL=C sort | xargs md5sum) \
    > "$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/control" "$pkg/DEBIAN/conffiles" "$pkg/DEBIAN/md5sums"

find "$pkg" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$outdir"
deb="$outdir/hoistwatch_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"

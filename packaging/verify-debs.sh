#!/usr/bin/env bash
# The acceptance check of the packages `make deb` writes (`make verify-debs`, packaging/README.md): for each
# dist/hoistwatch_<version>~<dist>_<arch>.deb named, lintian (clean but for the package's justified overrides), then
# in a fresh copy of a minimal debootstrap root of that release and architecture (another architecture under
# qemu-user-static): `apt install ./<deb>` from the release's own archive, `hoistwatch --version`, and
# `hoistwatch check` of a site whose board is "raspberry-pi-5", which must refuse it (exit status 2) naming the
# GPIO chip it looked for by label, pinctrl-rp1: a root has no GPIO chip. One PASS or FAIL line per check, the
# times, and RESULT: PASS or FAIL; the exit status is non-zero on any failure.
#
# Usage: sudo packaging/verify-debs.sh DEB...
# Environment: ROOTS (default .build-roots/packaging: <dist>-<arch> is kept, <dist>-<arch>-verify is made anew each run),
# DEBIAN_MIRROR.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
roots=${ROOTS:-$top/.build-roots/packaging}
mkdir -p "$roots"
roots=$(cd "$roots" && pwd)
failures=0
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

[ $# -gt 0 ] || { echo "usage: $0 DEB..." >&2; exit 2; }
for deb in "$@"; do
    name=$(basename "$deb")
    if [[ ! $name =~ ^hoistwatch_[^~_]+~([a-z]+)_([a-z0-9]+)\.deb$ ]]; then
        fail "$name: not a hoistwatch_<version>~<dist>_<arch>.deb"
        continue
    fi
    dist=${BASH_REMATCH[1]} arch=${BASH_REMATCH[2]}
    [ -f "$deb" ] || { fail "$name: missing (make deb DIST=$dist ARCH=$arch)"; continue; }
    printf '== %s (%s %s)\n' "$name" "$dist" "$arch"
    start=$SECONDS

    findings=$(lintian -EIL +pedantic "$deb" 2>&1 | grep -E '^[EWIPX]: ')
    if [ -z "$findings" ]; then pass "$name: lintian -EIL +pedantic: no findings (overrides: $(lintian -EIL +pedantic --show-overrides "$deb" 2>/dev/null | grep -c '^O: '))"
    else fail "$name: lintian:"; printf '%s\n' "$findings"; fi

    clean=$roots/$dist-$arch
    root=$roots/$dist-$arch-verify
    "$top/packaging/debian-root.sh" "$clean" "$dist" "$arch" || { fail "$name: no $dist $arch root"; continue; }
    rm -rf "$root"
    ROOT_FROM=$clean "$top/packaging/debian-root.sh" "$root" "$dist" "$arch"
    mkdir -p "$root/tmp/verify"
    cp "$deb" "$root/tmp/verify/"
    cat > "$root/tmp/verify/site.toml" <<'SITE'
device_id = "37010000000000000001"
board = "raspberry-pi-5"
calibration = "/usr/share/hoistwatch/Calibration/elevator-example.toml"
state_dir = "/tmp/verify/state"

[broker]
host = "127.0.0.1"
SITE
    in_root() { "$top/packaging/in-root.sh" "$root" "$@"; }
    if IN_ROOT_CWD=/tmp/verify in_root sh -c "apt-get update -qq && apt install -y ./$name" > "$root.install.log" 2>&1; then
        pass "$name: apt install ./$name in $dist $arch ($(in_root dpkg-query -W -f='${Version} Depends: ${Depends}' hoistwatch))"
    else
        fail "$name: apt install ./$name in $dist $arch:"; tail -n 15 "$root.install.log"; continue
    fi
    if version=$(in_root hoistwatch --version 2>&1); then pass "$name: hoistwatch --version: $version"
    else fail "$name: hoistwatch --version: $version"; fi
    output=$(in_root hoistwatch check --config /tmp/verify/site.toml 2>&1)
    status=$?
    expected='raspberry-pi-5.toml: key '"'"'inputs.enc_a.chip'"'"': no GPIO chip is labelled "pinctrl-rp1" on this machine'
    if [ $status -eq 2 ] && grep -qF "$expected" <<< "$output"; then
        pass "$name: hoistwatch check (board raspberry-pi-5): exit status 2, $(grep -F "$expected" <<< "$output" | head -n 1)"
    else
        fail "$name: hoistwatch check (board raspberry-pi-5): exit status $status:"; printf '%s\n' "$output"
    fi
    glibc=$(readelf -V "$root/usr/bin/hoistwatch" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1)
    printf 'INFO: %s: the binary needs %s; %s has glibc %s; %d s\n' "$name" "$glibc" "$dist" \
        "$(in_root dpkg-query -W -f='${Version}' libc6)" $((SECONDS - start))
    rm -rf "$root" "$root.install.log"
done
if [ $failures -eq 0 ]; then echo "RESULT: PASS"; else echo "RESULT: FAIL ($failures failed checks)"; exit 1; fi

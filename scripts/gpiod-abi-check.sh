#!/usr/bin/env bash
# Checks Sources/CGpiod/shim.h (HoistWatch's declarations of libgpiod, which it loads at run time) against the
# real headers: v1 from this machine's libgpiod-dev (bookworm's 1.6), v2 from a prefix holding trixie's
# libgpiod-dev 2.2 (scripts/gpiod2-roots.sh). Each function HoistWatch calls must have exactly the signature of its
# typedef (-Werror), and every constant, size and offset must be the same. Usage:
#   scripts/gpiod-abi-check.sh [V2_PREFIX]        (V2_PREFIX: a folder with usr/include/gpiod.h of libgpiod 2)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
v2_prefix=${1:-}
CC=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=gnu11 -Wall -Wextra -Werror -Wno-unused-const-variable -Wincompatible-pointer-types -I"$top/Sources/CGpiod")

"$CC" "${flags[@]}" -o "$work/ours" "$top/scripts/gpiod-abi-check.c"
"$work/ours" > "$work/ours.txt"
status=0
check() { # version, include folder, library folder (linked: every symbol must be exported too)
    local version=$1 include=$2 lib=$3
    if ! "$CC" "${flags[@]}" -DHW_REAL_HEADER -isystem "$include" -o "$work/real-$version" \
        "$top/scripts/gpiod-abi-check.c" -L"$lib" -Wl,-rpath,"$lib" -lgpiod 2> "$work/real-$version.err"; then
        echo "gpiod ABI $version: shim.h does not match $include/gpiod.h:" >&2
        cat "$work/real-$version.err" >&2
        status=1
        return
    fi
    "$work/real-$version" > "$work/real-$version.txt"
    if ! diff <(grep "^$version " "$work/ours.txt") "$work/real-$version.txt" > "$work/$version.diff"; then
        echo "gpiod ABI $version: constants, sizes or offsets differ from $include/gpiod.h (< ours, > real):" >&2
        cat "$work/$version.diff" >&2
        status=1
        return
    fi
    echo "gpiod ABI $version: shim.h matches $include/gpiod.h ($(wc -l < "$work/real-$version.txt") values, every function signature)"
}
grep -q GPIOD_LINE_BULK_MAX_LINES /usr/include/gpiod.h 2>/dev/null \
    || { echo "gpiod ABI v1: /usr/include/gpiod.h is not libgpiod 1.x (apt-get install libgpiod-dev on bookworm)" >&2; exit 1; }
multiarch=$("$CC" -print-multiarch)
check v1 /usr/include "/usr/lib/$multiarch"
if [ -n "$v2_prefix" ]; then
    [ -f "$v2_prefix/usr/include/gpiod.h" ] || { echo "gpiod ABI v2: no $v2_prefix/usr/include/gpiod.h" >&2; exit 1; }
    check v2 "$v2_prefix/usr/include" "$v2_prefix/usr/lib/$multiarch"
fi
exit $status

#!/usr/bin/env bash
# Which TOML texts make toml++ (inside TOMLKit) fail an assertion, straight from its own header: builds
# scripts/tomlpp-probe.cpp against the toml.hpp of the TOMLKit checkout twice, as SwiftPM builds it (assertions on)
# and with TOML_ASSERT defined empty (assertions off, without NDEBUG's __builtin_assume) under AddressSanitizer and
# UBSan, then parses each file with both. README.md "Fuzzing" has what it showed.
# Usage: scripts/tomlpp-probe.sh FILE...   (after a `swift build`, which checks TOMLKit out)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
header=$(ls "$root"/.build/checkouts/TOMLKit/Sources/CTOML/Sources/toml.hpp)
out=${TMPDIR:-/tmp}/tomlpp-probe
mkdir -p "$out"
if [ ! -x "$out/assert" ] || [ "$header" -nt "$out/assert" ]; then
    g++ -std=c++17 -O1 -g -I "$(dirname "$header")" -o "$out/assert" "$root/scripts/tomlpp-probe.cpp"
    g++ -std=c++17 -O1 -g -fsanitize=address,undefined '-DTOML_ASSERT(expr)=((void)0)' -I "$(dirname "$header")" \
        -o "$out/no-assert" "$root/scripts/tomlpp-probe.cpp"
fi
echo "== assertions on (as SwiftPM builds TOMLKit)"
"$out/assert" "$@" 2>/dev/null
echo "== assertions off, AddressSanitizer and UBSan"
ASAN_OPTIONS=detect_leaks=0 "$out/no-assert" "$@"

#!/usr/bin/env bash
# `make verify-arm64`: the test suites built for arm64 and run under qemu-user-static (packaging/README.md,
# "Tests on arm64"). The tests are cross-built as `make deb ARCH=arm64` builds the agent (sid's swiftlang in a sid root of
# this machine's architecture, the Swift SDK of packaging/cross-env.sh), in debug and with the Swift runtime as
# shared libraries (Swift Testing comes only as one), then run in a Debian sid arm64 root, whose glibc that runtime
# needs, with the real libgpiod 2, mosquitto, sqlite3, openssl, tmux and runuser of arm64. Two passes through
# scripts/test-pass.sh (its time limit and hung-test stacks): the pure suites (Core, Files, Config, Simulator,
# Board) in one pass, then the agent suites (HoistWatchAgentTests, hoistwatchTests) in one pass per suite. Prints each
# step's time.
#
# Usage: sudo packaging/verify-arm64.sh [SWIFT-TESTING ARGUMENT...]   (e.g. --filter HoistWatchCoreTests: one pass)
# Environment: ROOTS (default .build-roots/packaging), TEST_PASS_LIMIT_S (default 5400 per pass under qemu),
# VERIFY_ARM64_CONFIG (release, the default, or debug), HOISTWATCH_TEST_WALL_CLOCK_SCALE (default 8: the tests'
# waits on the wall clock, Tests/HoistWatchTestSupport/WallClockScale.swift).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
roots=${ROOTS:-.build-roots/packaging}
mkdir -p "$roots"
roots=$(cd "$roots" && pwd)
arch=arm64
log() { printf '== %s\n' "$*" >&2; }
timed() {
    local label=$1 start=$SECONDS status=0
    shift
    "$@" || status=$?
    log "$label: $((SECONDS - start)) s (exit status $status)"
    return $status
}
# shellcheck source=packaging/cross-env.sh
. "$top/packaging/cross-env.sh"

timed "build root and Swift SDK (bookworm $arch)" cross_setup "$arch" bookworm
scratch=.build-$arch
# The tests import Foundation and Testing, which makes the compiler add Testing's Foundation overlay, whose library
# Debian's swiftlang does not ship (only its module): it is left out, no test uses what it adds. The shared Swift
# runtime is sid's and asks for sid's glibc, which the SDK's bookworm libc.so does not have: that is checked when
# they run, in the sid root, not at the link.
# Optimized (with -enable-testing for the suites' @testable imports): the simulation suites do the same work as
# natively, and a debug build of them ran ~5 times slower under emulation than this one.
config=${VERIFY_ARM64_CONFIG:-release}
testing_flags=()
[ "$config" = release ] && testing_flags=(-Xswiftc -enable-testing)
timed "test build (cross, $config, sid swiftlang $swiftlang)" in_root "$build_root" swift build --build-tests \
    -c "$config" "${testing_flags[@]}" \
    --scratch-path "$scratch" --swift-sdks-path "$sdks" --swift-sdk "$sdk_name" \
    -Xswiftc -Xfrontend -Xswiftc -disable-cross-import-overlays -Xlinker --allow-shlib-undefined

test_root=$roots/sid-$arch
timed "test root (sid $arch)" "$top/packaging/debian-root.sh" "$test_root" sid "$arch" libgpiod3 mosquitto mosquitto-clients \
    sqlite3 openssl tmux procps python3 util-linux e2fsprogs ca-certificates
runtime=$sysroot/usr/lib/swift/linux
bin=$scratch/$triple/$config
# scripts/test-pass.sh runs "$SWIFT test --skip-build ARGS": this stands in for swift, running the test binary
# itself with ARGS (there is no swift for arm64 in the root), with SIGPIPE ignored as under swift test (the test
# kit's ChildProgram gives its children the default back).
cat > "$top/$scratch/swift-test-arm64" <<RUNNER
#!/bin/sh
[ "\$1 \$2" = "test --skip-build" ] || { echo "\$0: only 'test --skip-build' is supported" >&2; exit 2; }
shift 2
trap '' PIPE
exec "/src/$bin/HoistWatchPackageTests.xctest" --testing-library swift-testing "\$@"
RUNNER
chmod +x "$top/$scratch/swift-test-arm64"
pass() {
    IN_ROOT_ENV="LD_LIBRARY_PATH=$runtime SWIFT=/src/$scratch/swift-test-arm64 TEST_PASS_LIMIT_S=${TEST_PASS_LIMIT_S:-5400} HOISTWATCH_TEST_WALL_CLOCK_SCALE=${HOISTWATCH_TEST_WALL_CLOCK_SCALE:-8}" \
        in_root "$test_root" scripts/test-pass.sh "$@"
}
status=0
if [ $# -gt 0 ]; then
    timed "tests under qemu-user ($*)" pass "$@" || status=$?
else
    timed "pure suites under qemu-user" pass --skip HoistWatchAgentTests --skip hoistwatchTests || status=$?
    # The agent suites one suite at a time (its tests in parallel): all 39 at once put some 140 tests with real
    # brokers, agents and wall-clock waits on two emulated cores, and the starved ones missed their bounds.
    suites=$(IN_ROOT_ENV="LD_LIBRARY_PATH=$runtime" in_root "$test_root" "/src/$bin/HoistWatchPackageTests.xctest" \
        --testing-library swift-testing --list-tests | sed -n 's#^\(\(HoistWatchAgentTests\|hoistwatchTests\)\.[^/]*\)/.*#\1#p' | sort -u)
    start=$SECONDS
    failed=()
    for suite in $suites; do
        timed "agent suite $suite under qemu-user" pass --filter "^${suite//./\\.}/" || { status=$?; failed+=("$suite"); }
    done
    log "agent suites under qemu-user ($(wc -w <<< "$suites") suites): $((SECONDS - start)) s, failed: ${failed[*]:-none}"
fi
exit $status

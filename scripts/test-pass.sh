#!/usr/bin/env bash
# One pass of `make test`: `swift test --skip-build "$@"` with a time limit (TEST_PASS_LIMIT_S, default 900 s; the
# whole suite takes about 4 minutes on 2 cores). A pass that goes past it is a hung test: its threads' stacks are
# printed (with gdb, if installed) so the log says where it hung, then it is stopped and the pass fails.
set -uo pipefail
limit=${TEST_PASS_LIMIT_S:-900}

# The processes below $1 (swift test's test runner, and whatever a test started).
descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1"); do
        echo "$child"
        descendants "$child"
    done
}

"${SWIFT:-swift}" test --skip-build "$@" &
runner=$!
waited=0
while kill -0 "$runner" 2>/dev/null && (( waited < limit )); do
    sleep 1
    waited=$((waited + 1))
done
if kill -0 "$runner" 2>/dev/null; then
    echo "error: swift test $* still running after ${limit} s: a test hangs; the stacks of the test processes:" >&2
    tests=$(descendants "$runner")
    for pid in $tests; do
        echo "== process $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" >&2
        if command -v gdb >/dev/null; then
            timeout 120 gdb -batch -p "$pid" -ex "thread apply all bt 30" 2>&1 | grep -E '^(Thread|#)' >&2
        fi
    done
    kill -KILL "$runner" $tests 2>/dev/null || true
    wait "$runner" 2>/dev/null
    exit 124
fi
wait "$runner"

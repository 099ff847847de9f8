#!/usr/bin/env bash
# `make test`'s suites in two lanes at once, each `swift test` process through scripts/test-pass.sh (its time limit and
# hung-test stacks): the suites whose waits are bounded by the wall clock (scripts/wall-clock-suites.py: a real
# broker, the agent as a child process, `eventually`) in one process, then the whole agent on a paced GPIO board
# alone in another (`wall-clock-suites.py --alone`); beside that lane, every other suite in a third.
#
# Why: Swift Testing starts every test of a process at once, as tasks on Swift's cooperative pool, which on Linux is
# one FIFO queue per task priority with one thread per core. A broker test makes dozens of short hops (an actor call,
# each 20 ms sleep of `eventually`); after each it waits in that queue behind every job runnable then, and a test
# computing on the pool holds a thread until it suspends. On 2 cores, loaded by other work, the link tests waited
# there 30 to 140 s and failed their 5 to 30 s bounds, with and without the MQTT network loop (issue 15 part 6).
# A higher task priority does not help: a sleeping task is woken through a default-priority thread. A process of
# their own has a pool of its own; the kernel shares the cores between the two processes.
#
# The passes run the one test binary already built (`--skip-build`) and read .build only, so each `swift test` takes
# `--ignore-lock`: SwiftPM's lock on .build would otherwise run them one after the other.
#
# Each pass's output goes to its own file (under .build/test-passes) and is printed when both have ended, the wall-clock
# pass first; the exit status is the first failing pass's.
set -uo pipefail
cd "$(dirname "$0")/.."
suites=$(python3 scripts/wall-clock-suites.py) || exit 1
alone=$(python3 scripts/wall-clock-suites.py --alone) || exit 1
pattern() { echo "\\.($(paste -sd'|' <<<"$1"))/"; }
logs=.build/test-passes
mkdir -p "$logs"

# The wall-clock suites, then (the same lane) those that run alone; beside them every other suite.
(
    ./scripts/test-pass.sh --ignore-lock --filter "$(pattern "$suites")" "$@" >"$logs/wall-clock.log" 2>&1
    first=$?
    ./scripts/test-pass.sh --ignore-lock --filter "$(pattern "$alone")" "$@" >"$logs/alone.log" 2>&1
    second=$?
    ((first != 0)) && exit "$first"
    exit "$second"
) &
wall=$!
./scripts/test-pass.sh --ignore-lock --skip "$(pattern "$suites"$'\n'"$alone")" "$@" >"$logs/others.log" 2>&1 &
others=$!
wait "$wall"
wall_status=$?
wait "$others"
others_status=$?

echo "== the wall-clock suites, one process: $(paste -sd' ' <<<"$suites")"
cat "$logs/wall-clock.log"
echo "== then alone, another process: $(paste -sd' ' <<<"$alone")"
cat "$logs/alone.log"
echo "== every other suite, beside them, a third process"
cat "$logs/others.log"
echo "== test passes: the wall-clock lane exits $wall_status, the others $others_status"
((wall_status != 0)) && exit "$wall_status"
exit "$others_status"

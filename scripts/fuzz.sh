#!/usr/bin/env bash
# `make fuzz`: runs each libFuzzer target of Fuzz/ (already built into $FUZZ_BIN) for FUZZ_SECONDS from its committed
# seed corpus (Fuzz/corpus/<target>/, read only) and the inputs of its findings fixed so far (Fuzz/regressions/<target>/,
# read only, when there are any) with its dictionary (Fuzz/dictionaries/). What a run finds goes to
# Fuzz/corpus-new/<target>/ (ignored: kept for the next run), a crashing input to Fuzz/findings/<target>/, the
# fuzzer's output to Fuzz/findings/<target>.log. Prints one line of figures per target; exits 1 when any crashed.
# Usage: FUZZ_BIN=.build-fuzz/release FUZZ_SECONDS=600 scripts/fuzz.sh trace calibration ...
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${FUZZ_BIN:?FUZZ_BIN names the folder of the fuzz executables}
seconds=${FUZZ_SECONDS:-600}
failed=()
printf '%-14s %8s %12s %9s %8s %6s %9s %s\n' target seconds executions "exec/s" corpus cov "peak MiB" result
for target in "$@"; do
    case $target in
    trace) dictionary=trace.dict ;;
    diag) dictionary=diag.dict ;;
    *) dictionary=toml.dict ;;
    esac
    mkdir -p "Fuzz/corpus-new/$target" "Fuzz/findings/$target"
    log="Fuzz/findings/$target.log"
    corpora=("Fuzz/corpus-new/$target" "Fuzz/corpus/$target")
    if [ -d "Fuzz/regressions/$target" ]; then corpora+=("Fuzz/regressions/$target"); fi
    start=$(date +%s)
    # -timeout: an input that takes 60 s (wall clock: far more than any takes on a busy machine) is a hang, a
    # finding like a crash. The committed seeds and regressions come after it, so that new entries go to the first.
    # Leaks are not looked for: TOMLKit's `TOMLValueConvertible.string` leaks the strdup'ed copy of every string it
    # returns (a few bytes per key of a file read once), which would stop every TOML target at its first input.
    # Swift's own backtracer is off so that libFuzzer's handler sees a trap and saves the input.
    ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no "$bin/fuzz-$target" -max_total_time="$seconds" \
        -timeout=60 -detect_leaks=0 -print_final_stats=1 \
        -dict="Fuzz/dictionaries/$dictionary" -artifact_prefix="Fuzz/findings/$target/" \
        "${corpora[@]}" >"$log" 2>&1
    status=$?
    ran=$(($(date +%s) - start))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
    # The last status line: "#N DONE cov: C ft: F corp: ENTRIES/SIZE ...".
    last=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -n 1)
    corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
    coverage=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    if [ $status -eq 0 ]; then result=ok; else result="FAILED ($log)"; failed+=("$target"); fi
    printf '%-14s %8s %12s %9s %8s %6s %9s %s\n' "$target" "$ran" "${executions:--}" "${speed:--}" "${corpus:--}" \
        "${coverage:--}" "${peak:--}" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "crashed: ${failed[*]} (inputs in Fuzz/findings/<target>/; reproduce with $bin/fuzz-<target> FILE)"
    exit 1
fi

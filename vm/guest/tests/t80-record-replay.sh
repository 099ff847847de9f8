# `hoistwatch record` of a driven scenario, then `hoistwatch replay` of the recording: with the agent stopped (one
# program may request the lines), record runs while the driver plays Scenarios/elevator-door-open-while-moving.toml
# onto the lines; the recording is the kernel's edges with their kernel timestamps. Replayed, it must give exactly
# the scenario's expectations (hoistwatch-check-expect), on the scenario's clock: the recording's time 0 is when
# record opened the lines, so its times are put on the scenario's by the first edge (the recording's first edge
# is the plan's first edge). Also compared: the replay of the simulated trace itself.
. "$(dirname "$0")/lib.sh"
name=record-replay
scenario=/usr/share/hoistwatch/Scenarios/elevator-door-open-while-moving.toml
write_site
systemctl stop hoistwatch
make_plan "$scenario" rec || fail "$name: simulate failed"
hoistwatch-drive-lines "$SIM_SYSFS" /tmp/rec.plan --init > /dev/null || fail "$name: initial levels"
length=$(awk '$1 == "E" { t = $2 } END { printf "%d", t / 1e9 + 1 }' /tmp/rec.plan)
rm -f /tmp/rec.recorded.jsonl
hoistwatch record --config "$SITE" --out /tmp/rec.recorded.jsonl --seconds $((length + 8)) 2> "$OUT/record.log" &
recorder=$!
# The driver starts once record holds the lines (gpioinfo shows them used).
deadline=$(($(date +%s) + 60))
until [ "$(gpioinfo -c "$SIM_CHIP" 2>/dev/null | grep -c 'consumer=')" -ge 10 ] ||
    [ "$(gpioinfo "$SIM_CHIP" 2>/dev/null | grep -c '\[used')" -ge 10 ]; do
    kill -0 $recorder 2>/dev/null || fail "$name: record exited early: $(tail -n 3 "$OUT/record.log")"
    [ "$(date +%s)" -le $deadline ] || fail "$name: record did not request the lines in 60 s"
    sleep 0.2
done
drive=$(hoistwatch-drive-lines "$SIM_SYSFS" /tmp/rec.plan) || fail "$name: driver failed"
info "$drive"
wait $recorder || fail "$name: record failed: $(tail -n 3 "$OUT/record.log")"
cp /tmp/rec.recorded.jsonl "$OUT/record.hwtrace.jsonl"
recorded=$(($(wc -l < /tmp/rec.recorded.jsonl) - 1))
hoistwatch replay --calibration "$CAL" --trace /tmp/rec.recorded.jsonl > "$OUT/replay.events" ||
    fail "$name: replay of the recording failed"
hoistwatch replay --calibration "$CAL" --trace /tmp/rec.hwtrace.jsonl > "$OUT/replay-simulated.events" ||
    fail "$name: replay of the simulated trace failed"
# The offset: the recording's first edge minus the plan's first edge that changes a line (what the driver wrote first).
offset=$(python3 - /tmp/rec.plan /tmp/rec.recorded.jsonl <<'PY'
import json, sys
levels, first = {}, None
for text in open(sys.argv[1]):
    f = text.split()
    if f[0] == "I":
        levels[f[1]] = f[2]
    elif f[0] == "E" and levels.get(f[2]) != f[3]:
        first = int(f[1])
        break
with open(sys.argv[2]) as t:
    t.readline()
    edge = next(json.loads(x)["t_ns"] for x in t if '"line"' in x)
print(edge - first)
PY
) || fail "$name: no edge in the recording"
check=$($CHECK_EXPECT "$scenario" "$OUT/replay.events" --zero-ns "$offset")
ok=$?
echo "$check" | sed 's/^/  /'
simulated=$($CHECK_EXPECT "$scenario" "$OUT/replay-simulated.events" --zero-ns 0 | tail -n 1)
info "replay of the simulated trace: $simulated"
[ $ok = 0 ] || fail "$name: the replay of the recording is not the scenario's expectations ($(echo "$check" | grep -v '^  event' | tr '\n' ';'))"
pass "$name ($recorded inputs recorded from $(figure "$drive" edges) driven edges, recording starting $(echo "$offset" | awk '{printf "%.3f", $1 / 1e9}') s before the scenario; its replay: $(echo "$check" | tail -n 1))"

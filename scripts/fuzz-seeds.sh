#!/usr/bin/env bash
# Writes the committed seed corpus of `make fuzz` (Fuzz/corpus/<target>/) from the repository's own files:
# calibrations, site configs, board profiles, scenarios, traces that `hoistwatch simulate` writes of a few scenarios
# (cut to a few kilobytes: the header, the first lines and a stretch with edges), and diag snapshots as the agent
# encodes them. Run it again after a format changes; the fuzzers' own finds go elsewhere (Fuzz/corpus-new/).
# Usage: scripts/fuzz-seeds.sh [HOISTWATCH]   (the hoistwatch binary to simulate with; default .build/debug/hoistwatch)
set -euo pipefail
cd "$(dirname "$0")/.."
hoistwatch=${1:-.build/debug/hoistwatch}
corpus=Fuzz/corpus
rm -rf "$corpus"
mkdir -p "$corpus"/{trace,calibration,site-config,board-profile,scenario,diag}

cp Calibration/*.toml "$corpus/calibration/"
cp Board/profiles/*.toml "$corpus/board-profile/"
cp Scenarios/*.toml "$corpus/scenario/"

# Site configs: the example (board = "sim"), the same on a board profile, and the smallest one there is.
cp Board/site.example.toml "$corpus/site-config/site.example.toml"
sed -e 's/^board = "sim"/board = "raspberry-pi-4"/' -e '/^\[sim\]/,$d' Board/site.example.toml \
    >"$corpus/site-config/site-profile.toml"
cat >"$corpus/site-config/site-minimal.toml" <<'TOML'
device_id = "lift-1"
board = "sim"
calibration = "cal.toml"

[broker]
host = "localhost"

[outbox]
cap_mib = 8

[sim]
scenario = "demo.toml"
time_scale = 5
TOML

# Traces: each scenario's header, its first 40 lines and 60 lines with edges from the middle of the ride.
for scenario in elevator-overspeed elevator-door-open-while-moving elevator-encoder-glitches elevator-power-failure \
    crane-high-wind crane-limit-disagree crane-overload; do
    full=$(mktemp)
    "$hoistwatch" simulate --scenario "Scenarios/$scenario.toml" --out "$full" >/dev/null
    head -n 41 "$full" >"$corpus/trace/$scenario.hwtrace.jsonl"
    { head -n 1 "$full"; grep -v '"adc"' "$full" | sed -n '200,260p'; } >"$corpus/trace/$scenario-edges.hwtrace.jsonl"
    rm -f "$full"
done
# ...and the header keys a simulated trace leaves out (start_time) with a CRLF line end.
printf '%s\r\n%s\r\n' \
    '{"format":"hoistwatch-trace","version":1,"equipment":"elevator","device_id":"lift-1","start_time":"2026-01-02T03:04:05.678Z","initial":{"levels":{"door_closed":1}}}' \
    '{"t_ns":5,"line":"door_closed","level":0}' >"$corpus/trace/start-time-crlf.hwtrace.jsonl"

# Diag snapshots as the agent sends them (DiagnosticsSnapshotTests has the same two), and a crane's with the
# strings that stand for numbers JSON cannot carry.
cat >"$corpus/diag/busy.json" <<'JSON'
{"schema":"hoistwatch.diag/1","device_id":"dev","version":"test","equipment":"elevator","board":"raspberry-pi-4","uptime_s":12.3,"mono_ns":5123456789,"time":"2023-11-14T22:13:25.000Z","time_synced":false,"inputs":[{"name":"door_closed","level":1,"edges":12},{"name":"enc_a","level":0,"edges":4000}],"position_m":3.142,"referenced":true,"floor":2,"speed_mps":-0.5,"load_kg":512.3,"wind_mps":7.3,"active_faults":[{"type":"overload","instance":"","severity":"warning","raised_id":"r1","raised_for_s":4.123},{"type":"overspeed","instance":"top","severity":"alarm","raised_id":"r2","raised_for_s":null}],"counters":{"trips":3,"door_cycles":0,"running_hours":1.235,"travelled_m":10.3,"limit_actuations":0,"max_speed_mps":1,"max_load_kg":800.1},"outbox":{"count":3,"bytes":1200,"oldest_age_s":3.123,"unsaved":2,"dropped":2},"link":{"state":"connected","last_error":"oops \"x\"","session":3,"acknowledged":7,"in_flight":1},"board_runs":4,"gpio":{"edges":1200,"input_events":0,"lost_edges":3,"quadrature_errors":0,"overflows_suspected":1,"late_edges":2,"resyncs":0,"late_inputs":9},"load_cell":{"samples":50,"failed_samples":4,"discarded_reads":5,"resets":1},"raw":{"encoder_count":-12345,"load_raw":84123.5,"door_zone_marks":[{"n":1,"level":1,"encoder_count":100},{"n":2,"level":0,"encoder_count":900}]},"last_seq":42,"recent_events":[{"seq":41,"type":"overload","transition":"raised","severity":"warning","time":"2023-11-14T22:13:20.000Z","age_s":5}]}
JSON
cat >"$corpus/diag/fresh.json" <<'JSON'
{"schema":"hoistwatch.diag/1","device_id":"dev","version":"test","equipment":"elevator","board":"raspberry-pi-4","uptime_s":0,"mono_ns":1,"time":"1970-01-01T00:00:00.000Z","time_synced":true,"inputs":[],"position_m":0,"referenced":false,"floor":null,"speed_mps":0,"load_kg":null,"active_faults":[],"counters":{"trips":0,"door_cycles":0,"running_hours":0,"travelled_m":0,"limit_actuations":0,"max_speed_mps":0,"max_load_kg":0},"outbox":{"count":-1,"bytes":-1,"oldest_age_s":null,"unsaved":0,"dropped":0},"link":{"state":"starting","last_error":null,"session":0,"acknowledged":0,"in_flight":0},"board_runs":1,"raw":{"encoder_count":0,"load_raw":null,"door_zone_marks":[]},"last_seq":0,"recent_events":[]}
JSON
cat >"$corpus/diag/crane-nan.json" <<'JSON'
{"schema":"hoistwatch.diag/1","device_id":"crane-7","version":"0.9.0","equipment":"crane","board":"sim","uptime_s":7384.5,"mono_ns":7384500000000,"time":"2026-12-01T12:00:00.000Z","time_synced":true,"inputs":[{"name":"upper_limit_1","level":0,"edges":31},{"name":"wind_pulse","level":1,"edges":90210}],"position_m":"nan","referenced":true,"floor":null,"speed_mps":"inf","load_kg":"-inf","wind_mps":21.5,"active_faults":[{"type":"high_wind","instance":"","severity":"warning","raised_id":"r9","raised_for_s":3725}],"counters":{"trips":1200,"door_cycles":0,"running_hours":4000.5,"travelled_m":123456.7,"limit_actuations":12,"max_speed_mps":"nan","max_load_kg":5000},"outbox":{"count":0,"bytes":0,"oldest_age_s":null,"unsaved":0,"dropped":0},"link":{"state":"waiting to retry","last_error":"connection refused","session":2,"acknowledged":100,"in_flight":0},"board_runs":2,"raw":{"encoder_count":99,"load_raw":"nan","door_zone_marks":[]},"last_seq":1500,"recent_events":[{"seq":1500,"type":"high_wind","transition":"raised","severity":"warning","time":"2026-12-01T10:58:00.000Z","age_s":3720}]}
JSON
# ...and the busy one on a full card: the `storage` object the screen shows in a line of its own.
storage='{"durable":false,"failing":"full","unsaved":12,"unsaved_bytes":419430,"unsaved_cap_bytes":8388608,"corrupt":3,"reserve_held":false,"available_bytes":31457280,"needed_bytes":79691776,"space_short":true}'
sed 's/}$/,"storage":'"$storage"'}/' "$corpus/diag/busy.json" >"$corpus/diag/storage-full.json"
find "$corpus" -type f | wc -l

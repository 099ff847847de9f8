#!/usr/bin/env bash
# make demo: a real Mosquitto on a free loopback port, the agent on a simulated elevator (Scenarios/demo.toml:
# overspeed, overload, trapped passenger in about two and a half minutes), and a subscriber showing the alerts
# as they arrive. Everything it starts is stopped on exit (also on Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/hoistwatch}
SCENARIO=${DEMO_SCENARIO:-Scenarios/demo.toml}
CALIBRATION=${DEMO_CALIBRATION:-Calibration/demo-elevator.toml}
TIME_SCALE=${DEMO_TIME_SCALE:-1}
STATE=${DEMO_STATE:-$PWD/demo-state}

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

rm -rf "$STATE"
mkdir -p "$STATE/agent"
chmod 700 "$STATE"
PORT=$(python3 scripts/free-port.py)
cat > "$STATE/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
allow_anonymous true
persistence false
log_dest file $STATE/mosquitto.log
CONF
mosquitto -c "$STATE/mosquitto.conf" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
    sleep 0.1
done
DEVICE=$(sed -n 's/^device_id *= *"\(.*\)".*/\1/p' "$CALIBRATION" | head -1)

cat > "$STATE/site.toml" <<SITE
# Written by scripts/demo.sh: the demo's site config (see Board/site.example.toml for every key).
device_id = "$DEVICE"
board = "sim"
calibration = "$PWD/$CALIBRATION"
state_dir = "$STATE/agent"
status_interval_s = 30
log_level = "info"

[broker]
host = "127.0.0.1"
port = $PORT

[sim]
scenario = "$PWD/$SCENARIO"
loop = false
time_scale = $TIME_SCALE
SITE
chmod 600 "$STATE/site.toml"

echo "== HoistWatch demo =="
echo "broker:     mosquitto on 127.0.0.1:$PORT (log: demo-state/mosquitto.log)"
echo "agent:      $BIN run --config demo-state/site.toml (log: demo-state/agent.log)"
echo "scenario:   $SCENARIO: overspeed ~0:33, overload ~0:47, trapped passenger ~1:30 (10 s timer in the demo calibration)"
echo "subscriber: $BIN listen --config demo-state/site.toml (the platform's view, below)"
echo

"$BIN" listen --config "$STATE/site.toml" &
LISTENER=$!
pids+=($LISTENER)
sleep 0.5

"$BIN" run --config "$STATE/site.toml" 2> "$STATE/agent.log" &
AGENT=$!
pids+=($AGENT)

# The scenario ends by itself; then give the link a moment to deliver the last events.
deadline=$((SECONDS + ${DEMO_MAX_SECONDS:-400}))
until grep -q "scenario finished" "$STATE/agent.log" 2>/dev/null; do
    if ! kill -0 "$AGENT" 2>/dev/null; then
        echo "the agent stopped unexpectedly; its log:" >&2
        tail -20 "$STATE/agent.log" >&2
        exit 1
    fi
    if (( SECONDS > deadline )); then echo "demo timed out" >&2; exit 1; fi
    sleep 1
done
sleep 2
kill -TERM "$AGENT"
wait "$AGENT" && status=0 || status=$?
sleep 0.5
# The listener's summary: per board, events, duplicates, seq gaps, drops, flight records.
kill -TERM "$LISTENER" 2>/dev/null || true
wait "$LISTENER" 2>/dev/null || true
echo
stored=$(grep -c "event stored" "$STATE/agent.log" || true)
echo "== agent stopped (exit $status) after storing $stored events; the subscriber saw them above =="
echo "   outbox left: $(sqlite3 "$STATE/agent/outbox.db" 'select count(*) from outbox' 2>/dev/null || echo '?') entries (0: the broker acknowledged everything)"

#!/usr/bin/env bash
# What a board costs in the field (issue 16), measured on the running agent (`hoistwatch run`, simulated elevator,
# site defaults for the status interval and keepalive) over TLS to a mosquitto of its own on loopback, with
# certificates made by openssl as the tests make them:
#
#   idle     the car parked (Scenarios/bench-idle.toml): the board on which nothing happens
#   service  busy normal service, 60 trips an hour (Scenarios/elevator-day-in-the-life.toml), no events
#   alarms   the overspeed scenario looped 10 x fast: an overspeed alarm and its flight record every few seconds
#
# For each, after a warm-up, over a window: bytes on the wire both ways (`ss -ti` bytes_sent / bytes_received of
# the agent's TLS socket: TCP payload, i.e. MQTT and TLS, without TCP/IP headers), extrapolated to a month; bytes
# the agent made the kernel write to storage (`/proc/PID/io` write_bytes), per day; wake-ups per second of all its
# threads (voluntary + involuntary context switches of /proc/PID/task/*), with the busiest threads; CPU (utime +
# stime); and what arrived per message kind at a subscriber (count, payload bytes).
#
# And end-to-end latency (`latency`): a fault's confirm instant -> the event at the subscriber, over TLS; beside it
# the state folder's own fsync latency (scripts/fsync-probe.py), the floor under every event's.
#
# Usage: scripts/bench-costs.sh [idle|service|alarms|latency ...] (all four by default). Environment: BIN (folder of the
# release binary, default .build/release), COSTS_WARMUP_S (30), COSTS_WINDOW_S (300: the issue asks for 10
# minutes of normal service; the default window is 5 minutes and the figures are extrapolated, which the report
# says), COSTS_ALARM_S (60), COSTS_LATENCY_S (600: about 70 events, enough for a p99), COSTS_OUT (bench-out/costs.txt, key=value lines), COSTS_EXTRA_SITE (lines added to the
# site config's top level, e.g. "status_interval_s = 60" to measure another setting).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-.build/release}"
WARMUP_S="${COSTS_WARMUP_S:-30}"
WINDOW_S="${COSTS_WINDOW_S:-300}"
ALARM_S="${COSTS_ALARM_S:-60}"
OUT_FILE="${COSTS_OUT:-bench-out/costs.txt}"
MOSQUITTO="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
MOSQUITTO_SUB="$(command -v mosquitto_sub || echo /usr/bin/mosquitto_sub)"
CALIBRATION=Calibration/elevator-example.toml
RUNS=("$@")
[ ${#RUNS[@]} -gt 0 ] || RUNS=(idle service alarms latency)

mkdir -p "$(dirname "$OUT_FILE")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/hoistwatch-costs.XXXXXX")"
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [ "${COSTS_KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
say() { printf '[costs] %s\n' "$*" >&2; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
free_port() { python3 scripts/free-port.py; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Certificates as the tests make them (EC P-256), the server's valid for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/ca.key" \
  -out "$WORK/ca.crt" -days 2 -subj /CN=hoistwatch-bench-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/server.key" \
  -out "$WORK/server.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$WORK/server.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial \
  -out "$WORK/server.crt" -days 2 -extfile "$WORK/server.ext" 2>/dev/null

TLS_PORT="$(free_port)"
PLAIN_PORT="$(free_port)"
while [ "$PLAIN_PORT" = "$TLS_PORT" ]; do PLAIN_PORT="$(free_port)"; done
cat > "$WORK/mosquitto.conf" <<CONF
user root
per_listener_settings false
max_queued_messages 0
allow_anonymous true
persistence false
log_dest file $WORK/mosquitto.log
listener $TLS_PORT 127.0.0.1
cafile $WORK/ca.crt
certfile $WORK/server.crt
keyfile $WORK/server.key
listener $PLAIN_PORT 127.0.0.1
CONF
"$MOSQUITTO" -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do port_open "$PLAIN_PORT" && port_open "$TLS_PORT" && break; sleep 0.1; done

# snapshot PID FILE: the agent's counters now, as key=value lines.
snapshot() {
  local pid=$1 file=$2 line
  line="$(ss -tinH state established "( dport = :$TLS_PORT )" 2>/dev/null | tr '\n' ' ')"
  {
    echo "sent=$(grep -o 'bytes_sent:[0-9]*' <<<"$line" | head -1 | cut -d: -f2)"
    echo "received=$(grep -o 'bytes_received:[0-9]*' <<<"$line" | head -1 | cut -d: -f2)"
    echo "segments=$(( $(grep -o 'segs_out:[0-9]*' <<<"$line" | head -1 | cut -d: -f2) + $(grep -o 'segs_in:[0-9]*' <<<"$line" | head -1 | cut -d: -f2) ))"
    echo "write_bytes=$(sed -n 's/^write_bytes: //p' "/proc/$pid/io")"
    echo "cpu_ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")"
    local switches=0 task name count
    for task in /proc/"$pid"/task/*; do
      count=$(awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { s += $2 } END { print s + 0 }' "$task/status" 2>/dev/null || echo 0)
      name=$(tr ' ' '_' < "$task/comm" 2>/dev/null || echo gone)
      echo "task_${task##*/}=$name $count"
      switches=$((switches + count))
    done
    echo "switches=$switches"
    echo "sub_lines=$(wc -l < "$WORK/sub.txt")"
    echo "ns=$(date +%s%N)"
  } > "$file"
}
get() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# write_site FOLDER SCENARIO LOOP TIME_SCALE LOG_LEVEL EXTRA: FOLDER/site.toml for the simulated elevator over TLS.
write_site() {
  cat > "$1/site.toml" <<SITE
device_id = "$(sed -n 's/^device_id *= *"\(.*\)".*/\1/p' "$CALIBRATION" | head -1)"
board = "sim"
calibration = "$PWD/$CALIBRATION"
state_dir = "$1/agent"
log_level = "$5"
$6

[broker]
host = "127.0.0.1"
port = $TLS_PORT
tls_ca = "$WORK/ca.crt"

[sim]
scenario = "$PWD/$2"
loop = $3
time_scale = $4
SITE
  chmod 600 "$1/site.toml"
}

# measure NAME SCENARIO LOOP TIME_SCALE WINDOW_S
measure() {
  local name=$1 scenario=$2 loop=$3 scale=$4 window=$5
  local state="$WORK/$name"
  mkdir -p "$state"
  write_site "$state" "$scenario" "$loop" "$scale" notice "${COSTS_EXTRA_SITE:-}"
  : > "$WORK/sub.txt"
  "$MOSQUITTO_SUB" -h 127.0.0.1 -p "$PLAIN_PORT" -t 'hoistwatch/#' -q 1 -F '%t %l' > "$WORK/sub.txt" 2>/dev/null &
  local sub=$!
  PIDS+=($sub)
  sleep 0.5
  "$BIN/hoistwatch" run --config "$state/site.toml" 2> "$state/agent.log" &
  local agent=$!
  PIDS+=($agent)
  say "$name: $scenario (time scale $scale), ${WARMUP_S} s warm-up, ${window} s measured"
  sleep "$WARMUP_S"
  kill -0 "$agent" 2>/dev/null || { say "$name: the agent exited (see its log)"; cat "$state/agent.log" >&2; return 1; }
  snapshot "$agent" "$WORK/$name.a"
  sleep "$window"
  snapshot "$agent" "$WORK/$name.b"
  kill -TERM "$agent"; wait "$agent" 2>/dev/null || true
  kill "$sub" 2>/dev/null || true; wait "$sub" 2>/dev/null || true
  local a="$WORK/$name.a" b="$WORK/$name.b"
  local seconds sent received written ticks switches hz
  hz=$(getconf CLK_TCK)
  seconds=$(calc "%.3f" "($(get "$b" ns) - $(get "$a" ns)) / 1e9")
  sent=$(( $(get "$b" sent) - $(get "$a" sent) ))
  received=$(( $(get "$b" received) - $(get "$a" received) ))
  segments=$(( $(get "$b" segments) - $(get "$a" segments) ))
  written=$(( $(get "$b" write_bytes) - $(get "$a" write_bytes) ))
  ticks=$(( $(get "$b" cpu_ticks) - $(get "$a" cpu_ticks) ))
  switches=$(( $(get "$b" switches) - $(get "$a" switches) ))
  {
    echo "${name}_window_s=$seconds"
    echo "${name}_time_scale=$scale"
    echo "${name}_wire_sent_bytes=$sent"
    echo "${name}_wire_received_bytes=$received"
    echo "${name}_tcp_segments=$segments"
    echo "${name}_socket_month_mb=$(calc "%.2f" "($sent + $received) / $seconds * 30 * 86400 / $scale / 1e6")"
    # On the wire: the TCP payload plus 52 bytes of IPv4 and TCP header (with timestamps) per segment, both ways;
    # the modem's own framing comes on top.
    echo "${name}_wire_month_mb=$(calc "%.2f" "($sent + $received + 52 * $segments) / $seconds * 30 * 86400 / $scale / 1e6")"
    echo "${name}_storage_day_mb=$(calc "%.2f" "$written / $seconds * 86400 / $scale / 1e6")"
    echo "${name}_wakeups_per_s=$(calc "%.1f" "$switches / $seconds")"
    echo "${name}_cpu_percent=$(calc "%.3f" "$ticks / $hz / $seconds * 100")"
    # The busiest threads: context switches per second by thread name.
    join <(sed -n 's/^task_\([0-9]*\)=\(.*\) \([0-9]*\)$/\1 \2 \3/p' "$a" | sort) \
         <(sed -n 's/^task_\([0-9]*\)=\(.*\) \([0-9]*\)$/\1 \2 \3/p' "$b" | sort) |
      awk -v s="$seconds" '{ rate[$2] += ($5 - $3) / s } END { for (n in rate) printf "%s:%.1f\n", n, rate[n] }' |
      sort -t: -k2 -rn | head -6 | tr '\n' ' ' | sed 's/^/'"${name}"'_wakeups_by_thread=/; s/ $/\n/'
    # What reached the subscriber in the window, by kind (the topic's last level but one for records).
    sed -n "$(( $(get "$a" sub_lines) + 1 )),$(get "$b" sub_lines)p" "$WORK/sub.txt" |
      awk -v p="$name" '{ n = split($1, t, "/"); kind = t[n]; if (n >= 2 && t[n-1] == "record") kind = "record";
                          count[kind]++; bytes[kind] += $2 }
                        END { for (k in count) printf "%s_kind_%s=%d messages, %d payload bytes\n", p, k, count[k], bytes[k] }'
    grep -m1 -o 'flight record[^"]*' "$state/agent.log" >/dev/null 2>&1 || true
  } | tee -a "$OUT_FILE" >&2
}

# report: the figures of every run as a Markdown table appended to bench-out/report.md.
report() {
  local when=$1
  {
    echo
    echo "### What a board costs ($when, $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    echo "TLS, site defaults, ${WARMUP_S} s warm-up; idle and service over ${WINDOW_S} s, alarms over ${ALARM_S} s at 10 x time"
    echo "scale (per board-time day and month), extrapolated."
    echo
    echo "| run | wire/month (socket/month) | storage/day | wake-ups/s | CPU | by thread | per message kind |"
    echo "|---|---|---|---|---|---|---|"
    for run in "${RUNS[@]}"; do
      if [ "$run" = latency ]; then
        echo "| latency | end to end over TLS, fault confirmed -> subscriber: $(sed -n 's/^latency_e2e=//p' "$OUT_FILE" | tail -1); the agent's steps: $(sed -n 's/^latency_steps=//p' "$OUT_FILE" | tail -1); the disk's own fsync: $(sed -n 's/^latency_fsync=//p' "$OUT_FILE" | tail -1) | | | | | |"
        continue
      fi
      local kinds
      kinds=$(sed -n "s/^${run}_kind_//p" "$OUT_FILE" | tail -n 3 | tr '\n' ';' | sed 's/;$//; s/;/; /g')
      echo "| $run | $(sed -n "s/^${run}_wire_month_mb=//p" "$OUT_FILE" | tail -1) MB ($(sed -n "s/^${run}_socket_month_mb=//p" "$OUT_FILE" | tail -1) MB) | $(sed -n "s/^${run}_storage_day_mb=//p" "$OUT_FILE" | tail -1) MB | $(sed -n "s/^${run}_wakeups_per_s=//p" "$OUT_FILE" | tail -1) | $(sed -n "s/^${run}_cpu_percent=//p" "$OUT_FILE" | tail -1) % | $(sed -n "s/^${run}_wakeups_by_thread=//p" "$OUT_FILE" | tail -1) | $kinds |"
    done
  } >> bench-out/report.md
}

# latency WINDOW_S: end to end, a fault's confirm instant (the event's mono_ns) -> the event at a subscriber, over
# TLS, with the overload cycles of Scenarios/bench-overload-cycles.toml in real time (as bench.sh's part C).
latency() {
  local window=$1 state="$WORK/latency"
  mkdir -p "$state"
  write_site "$state" Scenarios/bench-overload-cycles.toml true 1 notice ""
  # The subscriber writes into the timing script (a process substitution), so $! is mosquitto_sub's own pid.
  "$MOSQUITTO_SUB" -h 127.0.0.1 -p "$PLAIN_PORT" -q 1 -t 'hoistwatch/v1/+/event' -F '%p' > >(python3 -c '
import json, sys, time
for line in sys.stdin:
    now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    try:
        event = json.loads(line)
    except ValueError:
        continue
    if not event.get("historical"):
        print((now - event["mono_ns"]) / 1e6, flush=True)
' > "$state/latency.ms") &
  local sub=$!
  PIDS+=($sub)
  sleep 0.5
  # Each event's steps up to the PUBACK, logged by the agent once the PUBACK came (LatencyTrace).
  HOISTWATCH_TRACE_LATENCY=1 "$BIN/hoistwatch" run --config "$state/site.toml" 2> "$state/agent.log" &
  local agent=$!
  PIDS+=($agent)
  say "latency: overload cycles in real time for ${window} s"
  sleep "$window"
  kill -TERM "$agent"; wait "$agent" 2>/dev/null || true
  sleep 0.5
  kill "$sub" 2>/dev/null || true
  sort -n "$state/latency.ms" | awk '{v[NR]=$1} END {if (NR==0) {print "latency_e2e=n=0"; exit}
    p50=v[int(NR*0.5+0.5)]; p99=v[int(NR*0.99+0.5)]; if (p99=="") p99=v[NR];
    over=0; for (i = 1; i <= NR; i++) if (v[i] > 5) over++
    printf "latency_e2e=n=%d p50=%.2f p99=%.2f max=%.2f ms, %d over 5 ms\n", NR, p50, p99, v[NR], over}' \
    | tee -a "$OUT_FILE" >&2
  # The agent's own steps (microseconds), p50 / p99 / max of each.
  python3 - "$state/agent.log" <<'STEPS' | tee -a "$OUT_FILE" >&2
import re, sys
steps = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if "latency trace" not in line:
        continue
    for key, value in re.findall(r"latency\.(\w+)_us=(-?\d+)", line):
        steps.setdefault(key, []).append(int(value) / 1000)
def summary(values):
    values = sorted(values)
    at = lambda share: values[min(len(values) - 1, int(len(values) * share + 0.5))]
    return f"{at(0.5):.2f}/{at(0.99):.2f}/{values[-1]:.2f}"
order = ["detect", "commit", "wake", "read", "hand", "puback", "total"]
count = len(steps.get("total", []))
print("latency_steps=n=%d (p50/p99/max ms) " % count
      + " ".join(f"{key}={summary(steps[key])}" for key in order if key in steps))
STEPS
  # The floor under it: the same file system's own fsync of one 4 KiB write, right after the agent stopped.
  python3 scripts/fsync-probe.py "$state" | tee -a "$OUT_FILE" >&2
}

echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo '?') warmup=${WARMUP_S}s window=${WINDOW_S}s load=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT_FILE"
for run in "${RUNS[@]}"; do
  case $run in
    idle) measure idle Scenarios/bench-idle.toml true 1 "$WINDOW_S" ;;
    service) measure service Scenarios/elevator-day-in-the-life.toml true 1 "$WINDOW_S" ;;
    alarms) measure alarms Scenarios/elevator-overspeed.toml true 10 "$ALARM_S" ;;
    latency) latency "${COSTS_LATENCY_S:-600}" ;;
    *) say "unknown run $run (idle, service, alarms, latency)"; exit 2 ;;
  esac
done
report "$(date -u +%F)"

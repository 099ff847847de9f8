#!/usr/bin/env bash
# `make bench`: the performance figures of HoistWatch, printed as a report and appended as Markdown to
# bench-out/report.md.
#
#   A. replay: a simulated busy day (Scenarios/bench-busy-day.toml, ~79 M input events, ~3.9 GB of trace) through
#      `hoistwatch replay` under /usr/bin/time -v: input events/s on one core and peak RSS. The trace is deleted
#      afterwards, also on failure.
#   B. link: `hoistwatch-bench link` against a mosquitto this script starts on a free loopback port: sustained
#      outbox -> broker throughput vs mosquitto_pub, append -> PUBACK latency, append (fsync) cost.
#   C. the agent (`hoistwatch run`, simulated board, own broker): idle RSS and CPU in normal service, and end-to-end
#      latency from a fault's confirm instant to a subscriber, in real time.
#   D. GPIO: `hoistwatch-gpio-bench`, the libgpiod input backend on the fake C layer with an encoder scripted at
#      20,000 edges/s: input events per second of wall time, reader woken per edge and in 1 ms batches.
#
# Environment: BIN (folder of the release binaries, default .build/release), LINK_EVENTS (20000),
# PAYLOAD_BYTES (400), LATENCY_SAMPLES (500), LATENCY_SPACING_MS (5), AGENT_WARMUP_S (70), AGENT_IDLE_S (60),
# KEEP_TRACE=1 keeps the trace.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-.build/release}"
OUT=bench-out
CALIBRATION=Calibration/elevator-example.toml
SCENARIO=Scenarios/bench-busy-day.toml
TRACE="$OUT/busy-day.hwtrace.jsonl"
LINK_EVENTS="${LINK_EVENTS:-20000}"
PAYLOAD_BYTES="${PAYLOAD_BYTES:-400}"
LATENCY_SAMPLES="${LATENCY_SAMPLES:-500}"
LATENCY_SPACING_MS="${LATENCY_SPACING_MS:-5}"
AGENT_WARMUP_S="${AGENT_WARMUP_S:-70}"
AGENT_IDLE_S="${AGENT_IDLE_S:-60}"
AGENT_LATENCY_S="${AGENT_LATENCY_S:-150}"
E2E=""
TIME=/usr/bin/time
MOSQUITTO="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
MOSQUITTO_PUB="$(command -v mosquitto_pub || echo /usr/bin/mosquitto_pub)"

for tool in "$BIN/hoistwatch" "$BIN/hoistwatch-bench" "$BIN/hoistwatch-gpio-bench" "$TIME" "$MOSQUITTO" "$MOSQUITTO_PUB"; do
  if [ ! -x "$tool" ]; then
    echo "bench: $tool is missing (make bench builds the binaries and installs time and mosquitto)" >&2
    exit 1
  fi
done

if ldd "$BIN/hoistwatch" 2>/dev/null | grep -q libswiftCore; then
  AGENT_LINKAGE="Swift runtime linked dynamically"
else
  AGENT_LINKAGE="Swift runtime linked statically, as \`make deb\` packages it"
fi
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/hoistwatch-bench.XXXXXX")"
BROKER_PIDS=()
AGENT_PID=""

cleanup() {
  local status=$?
  if [ -n "$AGENT_PID" ]; then kill "$AGENT_PID" 2>/dev/null || true; wait "$AGENT_PID" 2>/dev/null || true; fi
  for pid in "${BROKER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_TRACE:-0}" != 1 ]; then rm -f "$TRACE"; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '[bench] %s\n' "$*" >&2; }

# `key=value` lines -> value of key.
value_of() { sed -n "s/^$2=//p" "$1" | head -n 1; }
# A line of /usr/bin/time -v output -> its value.
time_field() { sed -n "s/^[[:space:]]*$2: //p" "$1" | head -n 1; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
now_ns() { date +%s%N; }

free_port() { python3 scripts/free-port.py; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_broker PORT: a mosquitto of our own on 127.0.0.1:PORT, stopped by the EXIT trap.
start_broker() {
  local port=$1 dir="$WORK/mosquitto-$1"
  mkdir -p "$dir"
  cat >"$dir/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
# The bench's counting subscriber can fall behind mosquitto_pub; queue for it rather than drop (default 1000).
max_queued_messages 0
log_dest file $dir/mosquitto.log
EOF
  "$MOSQUITTO" -c "$dir/mosquitto.conf" >/dev/null 2>&1 &
  BROKER_PIDS+=("$!")
  for _ in $(seq 100); do
    if port_open "$port"; then return 0; fi
    sleep 0.05
  done
  echo "bench: mosquitto did not listen on 127.0.0.1:$port" >&2
  cat "$dir/mosquitto.log" >&2 || true
  return 1
}

# ---------------------------------------------------------------------------------------------------------------
# Machine
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
NPROC="$(nproc)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then COMMIT="$COMMIT+changes"; fi
say "machine: $NPROC x $CPU_MODEL, load $LOAD_BEFORE, commit $COMMIT, binaries in $BIN"

# ---------------------------------------------------------------------------------------------------------------
# A. Replay throughput and peak RSS
say "A. baseline: RSS of hoistwatch --help"
"$TIME" -v -o "$WORK/help.time" "$BIN/hoistwatch" --help >/dev/null
HELP_RSS_KB="$(time_field "$WORK/help.time" 'Maximum resident set size (kbytes)')"

say "A. simulating the busy day into $TRACE (~3.9 GB, ~20 s)"
start=$(now_ns)
"$BIN/hoistwatch" simulate --calibration "$CALIBRATION" --scenario "$SCENARIO" --out "$TRACE"
SIMULATE_S="$(calc '%.1f' "($(now_ns) - $start) / 1e9")"
TRACE_BYTES="$(stat -c %s "$TRACE")"
LINES="$(wc -l <"$TRACE")"
if [ -n "$(tail -c 1 "$TRACE")" ]; then LINES=$((LINES + 1)); fi   # a last line without its newline
EVENTS=$((LINES - 1))                                               # minus the header line
say "A. trace: $EVENTS input events, $TRACE_BYTES bytes, simulated in $SIMULATE_S s"

say "A. replaying it (output to /dev/null)"
start=$(now_ns)
"$TIME" -v -o "$WORK/replay.time" "$BIN/hoistwatch" replay --calibration "$CALIBRATION" --trace "$TRACE" >/dev/null
REPLAY_NS=$(( $(now_ns) - start ))
REPLAY_RSS_KB="$(time_field "$WORK/replay.time" 'Maximum resident set size (kbytes)')"
REPLAY_CPU="$(time_field "$WORK/replay.time" 'Percent of CPU this job got')"
REPLAY_S="$(calc '%.2f' "$REPLAY_NS / 1e9")"
REPLAY_EV_S="$(calc '%.0f' "$EVENTS / ($REPLAY_NS / 1e9)")"
DETECTION_NS="$(calc '%.0f' "$REPLAY_NS / $EVENTS")"

# The same replay on the first million input events only: peak RSS must not depend on the trace length.
head -n 1000001 "$TRACE" >"$WORK/first-million.hwtrace.jsonl"
"$TIME" -v -o "$WORK/short.time" "$BIN/hoistwatch" replay --calibration "$CALIBRATION" \
  --trace "$WORK/first-million.hwtrace.jsonl" >/dev/null
SHORT_RSS_KB="$(time_field "$WORK/short.time" 'Maximum resident set size (kbytes)')"
rm -f "$WORK/first-million.hwtrace.jsonl"
if [ "${KEEP_TRACE:-0}" != 1 ]; then rm -f "$TRACE"; fi
say "A. replay: $REPLAY_EV_S input events/s, peak RSS $REPLAY_RSS_KB KiB (1 M events: $SHORT_RSS_KB KiB)"

# ---------------------------------------------------------------------------------------------------------------
# B. Link throughput and latency against a real broker
LINK_PORT="$(free_port)"
start_broker "$LINK_PORT"
say "B. link: mosquitto on 127.0.0.1:$LINK_PORT, $LINK_EVENTS events of $PAYLOAD_BYTES B, QoS 1"
"$BIN/hoistwatch-bench" link --port "$LINK_PORT" --events "$LINK_EVENTS" --payload-bytes "$PAYLOAD_BYTES" \
  --samples "$LATENCY_SAMPLES" --spacing-ms "$LATENCY_SPACING_MS" --mosquitto-pub "$MOSQUITTO_PUB" >"$WORK/link.out"
L() { value_of "$WORK/link.out" "$1"; }
# The same with the agent's group commit: a burst's events stored 32 per transaction, as one 10 ms tick would.
say "B. link again, 32 events per append transaction (group commit)"
"$BIN/hoistwatch-bench" link --port "$LINK_PORT" --events "$LINK_EVENTS" --payload-bytes "$PAYLOAD_BYTES" \
  --samples 20 --spacing-ms "$LATENCY_SPACING_MS" --pub-runs 1 --batch 32 --mosquitto-pub "$MOSQUITTO_PUB" \
  >"$WORK/link-batched.out"
LB() { value_of "$WORK/link-batched.out" "$1"; }
BATCHED_RATIO="$(calc '%.2f' "$(LB sustained_ev_s) / $(L pub_ev_s)")"
LINK_RATIO="$(calc '%.2f' "$(L sustained_ev_s) / $(L pub_ev_s)")"
DRAIN_RATIO="$(calc '%.2f' "$(L drain_ev_s) / $(L pub_ev_s)")"

# ---------------------------------------------------------------------------------------------------------------
# C. Idle agent: RSS and CPU of `hoistwatch run` with the bench site config.
AGENT_NOTE=""
AGENT_RSS_KB=""
AGENT_HWM_KB=""
AGENT_CPU=""
ALARMS_RSS_KB=""
ALARMS_HWM_KB=""
ALARMS_ANON_KB=""
agent_idle() {
  # ---- C. the agent itself: idle RSS/CPU, then end-to-end latency under a stream of faults ----------------------
  # The agent runs on the simulated board against a broker of our own; the site config is written here (mode 600,
  # as the agent requires). Idle = normal service in real time (elevator-day-in-the-life). Latency: the demo
  # scenario looped 50x faster than real time; a subscriber takes CLOCK_MONOTONIC when each event arrives, minus
  # the event's mono_ns, which is the instant the fault's confirm time ran out (its input edge + confirm time):
  # overload warnings from Scenarios/bench-overload-cycles.toml in real time, as on a board.
  local port site scenario
  port="$(free_port)"
  start_broker "$port"
  write_site() {  # write_site FILE SCENARIO CALIBRATION TIME_SCALE STATE LOG_LEVEL
    cat >"$1" <<SITE
device_id = "37010000000000000001"
board = "sim"
calibration = "$PWD/$3"
state_dir = "$5"
status_interval_s = 60
log_level = "$6"
[broker]
host = "127.0.0.1"
port = $port
[sim]
scenario = "$PWD/$2"
loop = true
time_scale = $4
SITE
    chmod 600 "$1"
  }
  write_site "$WORK/idle.toml" Scenarios/elevator-day-in-the-life.toml Calibration/elevator-example.toml 1 "$WORK/idle-state" info
  say "C. agent idle: normal service in real time, ${AGENT_WARMUP_S} s warm-up, ${AGENT_IDLE_S} s measured"
  "$BIN/hoistwatch" run --config "$WORK/idle.toml" 2>"$OUT/agent-idle.log" &
  AGENT_PID=$!
  sleep "$AGENT_WARMUP_S"
  if ! kill -0 "$AGENT_PID" 2>/dev/null; then
    AGENT_NOTE="the agent exited during warm-up (see $OUT/agent-idle.log)"
    AGENT_PID=""
    say "C. $AGENT_NOTE"
    return 0
  fi
  local ticks_hz cpu0 cpu1
  ticks_hz="$(getconf CLK_TCK)"
  cpu0="$(awk '{print $14 + $15}' "/proc/$AGENT_PID/stat")"
  sleep "$AGENT_IDLE_S"
  cpu1="$(awk '{print $14 + $15}' "/proc/$AGENT_PID/stat")"
  AGENT_RSS_KB="$(awk '/^VmRSS:/{print $2}' "/proc/$AGENT_PID/status")"
  AGENT_HWM_KB="$(awk '/^VmHWM:/{print $2}' "/proc/$AGENT_PID/status")"
  # Pss shares libraries' pages among the processes using them; anonymous + private dirty is what no other
  # process shares and the kernel cannot reclaim by dropping clean file pages.
  AGENT_PSS_KB="$(awk '/^Pss:/{print $2}' "/proc/$AGENT_PID/smaps_rollup")"
  AGENT_ANON_KB="$(awk '/^Anonymous:/{print $2}' "/proc/$AGENT_PID/smaps_rollup")"
  AGENT_PRIVATE_DIRTY_KB="$(awk '/^Private_Dirty:/{print $2}' "/proc/$AGENT_PID/smaps_rollup")"
  AGENT_TRIM="$(grep -m1 'resident set trimmed' "$OUT/agent-idle.log" | grep -o 'rss_after_kb=[0-9]* rss_before_kb=[0-9]*' || true)"
  AGENT_CPU="$(calc '%.2f' "($cpu1 - $cpu0) * 100 / ($ticks_hz * $AGENT_IDLE_S)")"
  kill -TERM "$AGENT_PID"
  wait "$AGENT_PID" || true
  AGENT_PID=""
  AGENT_NOTE="measured over ${AGENT_IDLE_S} s after ${AGENT_WARMUP_S} s warm-up"
  say "C. agent idle: RSS $AGENT_RSS_KB KiB (peak $AGENT_HWM_KB KiB, Pss $AGENT_PSS_KB, anonymous $AGENT_ANON_KB), CPU $AGENT_CPU %; first trim: $AGENT_TRIM"

  # Under a stream of alarms: the overspeed scenario looped 10 x fast, an overspeed alarm with a ~2.6 MB flight
  # record every ~4 s of wall time (far more than any lift): what the heap keeps after building, storing and
  # publishing them (AllocatorTuning).
  write_site "$WORK/alarms.toml" Scenarios/elevator-overspeed.toml Calibration/elevator-example.toml 10 "$WORK/alarms-state" info
  say "C. agent under a stream of alarms: overspeed looped 10 x fast, ${AGENT_WARMUP_S} s"
  "$BIN/hoistwatch" run --config "$WORK/alarms.toml" 2>"$OUT/agent-alarms.log" &
  AGENT_PID=$!
  sleep "$AGENT_WARMUP_S"
  if kill -0 "$AGENT_PID" 2>/dev/null; then
    ALARMS_RSS_KB="$(awk '/^VmRSS:/{print $2}' "/proc/$AGENT_PID/status")"
    ALARMS_HWM_KB="$(awk '/^VmHWM:/{print $2}' "/proc/$AGENT_PID/status")"
    ALARMS_ANON_KB="$(awk '/^Anonymous:/{print $2}' "/proc/$AGENT_PID/smaps_rollup")"
    kill -TERM "$AGENT_PID"; wait "$AGENT_PID" || true
    say "C. under alarms: RSS $ALARMS_RSS_KB KiB (peak $ALARMS_HWM_KB), anonymous $ALARMS_ANON_KB KiB"
  else
    say "C. the agent exited under the stream of alarms (see $OUT/agent-alarms.log)"
  fi
  AGENT_PID=""

  write_site "$WORK/latency.toml" Scenarios/bench-overload-cycles.toml Calibration/elevator-example.toml 1 "$WORK/latency-state" warning
  say "C. agent latency: overload cycles in real time for ${AGENT_LATENCY_S} s"
  mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -t 'hoistwatch/v1/+/event' -F '%p' | python3 -c '
import json, sys, time
for line in sys.stdin:
    now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    try:
        event = json.loads(line)
    except ValueError:
        continue
    if not event.get("historical"):
        print((now - event["mono_ns"]) / 1e6, flush=True)
' >"$WORK/latency.ms" &
  local sub_pid=$!
  sleep 0.5
  "$BIN/hoistwatch" run --config "$WORK/latency.toml" 2>"$OUT/agent-latency.log" &
  AGENT_PID=$!
  sleep "$AGENT_LATENCY_S"
  kill -TERM "$AGENT_PID"; wait "$AGENT_PID" || true
  AGENT_PID=""
  sleep 0.5
  kill "$sub_pid" 2>/dev/null || true
  pkill -P $$ mosquitto_sub 2>/dev/null || true
  E2E="$(sort -n "$WORK/latency.ms" | awk '{v[NR]=$1} END {if (NR==0) {print "n=0"; exit}
    p50=v[int(NR*0.5+0.5)]; p99=v[int(NR*0.99+0.5)]; if (p99=="") p99=v[NR];
    printf "n=%d p50=%.2f p99=%.2f max=%.2f", NR, p50, p99, v[NR]}')"
  say "C. agent latency (confirm instant -> subscriber): $E2E ms"
}
agent_idle

# ---------------------------------------------------------------------------------------------------------------
# D. GPIO input backend on the fake libgpiod (issue 4: keep up with 20,000 encoder edges/s)
say "D. GPIO backend, C layer faked, encoder at 20,000 edges/s"
"$BIN/hoistwatch-gpio-bench" --edges 1000000 --rate 20000 >"$WORK/gpio.out"
G() { value_of "$WORK/gpio.out" "$1"; }
say "D. GPIO: per edge $(G gpio_per_edge_input_events_s) input events/s, batched $(G gpio_batched_input_events_s)/s"

# ---------------------------------------------------------------------------------------------------------------
# Report
verdict() { if awk "BEGIN { exit !($1) }"; then echo "yes"; else echo "**no**"; fi; }
mib() { calc '%.1f' "$1 / 1024"; }
SUSTAINED_EV_S="$(L sustained_ev_s)"
AFTER_APPEND_P50="$(L after_append_p50_ms)"
AFTER_APPEND_P99="$(L after_append_p99_ms)"

{
  echo
  echo "## HoistWatch bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $COMMIT"
  echo
  echo "Machine: $NPROC x $CPU_MODEL, $(uname -sr), load average before: $LOAD_BEFORE. Binaries: \`$BIN\`."
  echo
  echo "| measure | value | target | met |"
  echo "|---|---|---|---|"
  echo "| A. replay input events (trace lines minus the header) | $EVENTS ($(calc '%.2f' "$TRACE_BYTES / 1e9") GB, simulated in $SIMULATE_S s) | | |"
  echo "| A. replay wall time | $REPLAY_S s (CPU $REPLAY_CPU) | | |"
  echo "| A. replay throughput | $REPLAY_EV_S input events/s | >= 1,000,000 on one core | $(verdict "$REPLAY_EV_S >= 1000000") |"
  echo "| A. replay peak RSS, busy day | $REPLAY_RSS_KB KiB ($(mib "$REPLAY_RSS_KB") MiB) | < 30 MB | $(verdict "$REPLAY_RSS_KB * 1024 < 30000000") |"
  echo "| A. replay peak RSS, first 1 M events | $SHORT_RSS_KB KiB ($(mib "$SHORT_RSS_KB") MiB) | flat with length | |"
  echo "| A. baseline RSS, \`hoistwatch --help\` | $HELP_RSS_KB KiB ($(mib "$HELP_RSS_KB") MiB) | | |"
  echo "| A. detection cost per input event (replay wall / events: an upper bound, parsing included) | $DETECTION_NS ns | | |"
  echo "| B. link sustained: $(L events) x $(L payload_bytes) B QoS 1 appended while the link runs, until all PUBACKed and removed | $(L sustained_s) s = $SUSTAINED_EV_S events/s (appends done at $(L sustained_appends_s) s, $(L sustained_acked_when_appends_done) acked by then) | | |"
  echo "| B. link drain: same events stored first, then the link started | $(L drain_s) s = $(L drain_ev_s) events/s | | |"
  echo "| B. mosquitto_pub -q 1 -l, same count and size (median of $(L pub_runs): $(L pub_runs_s) s) | $(L pub_s) s = $(L pub_ev_s) events/s | | |"
  echo "| B. delivered to a subscriber on the same broker: sustained / drain / mosquitto_pub (last run) | $(L sustained_received) / $(L drain_received) / $(L pub_received) of $(L events) | all | $(verdict "$(L sustained_received) >= $(L events) && $(L drain_received) >= $(L events) && $(L pub_received) >= $(L events)") |"
  echo "| B. sustained link / mosquitto_pub, one commit (fsync) per event (worst case, bound by fsync; the agent never stores one by one) | $LINK_RATIO | | |"
  echo "| B. sustained with group commit (32 events per append transaction, as a burst within one tick) | $(LB sustained_s) s = $(LB sustained_ev_s) events/s, ratio $BATCHED_RATIO | >= 0.5 | $(verdict "$BATCHED_RATIO >= 0.5") |"
  echo "| B. drain link / mosquitto_pub | $DRAIN_RATIO | | |"
  echo "| B. latency appendEvent -> PUBACK and removal ($(L latency_samples) events, $(L latency_spacing_ms) ms apart; poll ~$(L poll_resolution_us) us) | p50 $(L latency_p50_ms) ms, p99 $(L latency_p99_ms) ms, max $(L latency_max_ms) ms | | |"
  echo "| B. appendEvent alone (FULL-sync commit, fsync) | p50 $(L append_p50_ms) ms, p99 $(L append_p99_ms) ms, max $(L append_max_ms) ms | | |"
  echo "| B. after the append: publish, PUBACK, removal commit | p50 $AFTER_APPEND_P50 ms, p99 $AFTER_APPEND_P99 ms | | |"
  echo "| B. appendEvent under the sustained load | p50 $(L sustained_append_p50_ms) ms, p99 $(L sustained_append_p99_ms) ms | | |"
  echo "| B. Outbox.remove(id:) alone (one FULL-sync commit per PUBACK) | p50 $(L remove_p50_ms) ms, p99 $(L remove_p99_ms) ms | | |"
  echo "| B. Outbox.pending(limit: 32) alone (window refill query) | p50 $(L pending_p50_ms) ms, p99 $(L pending_p99_ms) ms | | |"
  echo "| B. input edge -> PUBACK, p50 | detection <= $DETECTION_NS ns + append (fsync) $(L append_p50_ms) ms + link and removal $AFTER_APPEND_P50 ms (measured whole: $(L latency_p50_ms) ms) | | |"
  if [ -n "$AGENT_CPU" ]; then
    echo "| C. agent idle (\`hoistwatch run\`, simulated elevator in normal service, $AGENT_LINKAGE) | RSS $AGENT_RSS_KB KiB, CPU $AGENT_CPU % of one core; $AGENT_NOTE | RSS < 20 MB | $(verdict "$AGENT_RSS_KB * 1024 < 20000000") |"
    echo "| C. agent idle, the same moment: peak RSS (start-up, before the trim) / Pss / anonymous / private dirty | $AGENT_HWM_KB / $AGENT_PSS_KB / $AGENT_ANON_KB / $AGENT_PRIVATE_DIRTY_KB KiB; first trim: ${AGENT_TRIM:-none logged} | | |"
    echo "| C. agent under a stream of alarms (overspeed looped 10 x fast, a ~2.6 MB flight record every ~4 s), after ${AGENT_WARMUP_S} s | RSS ${ALARMS_RSS_KB:-?} KiB (peak ${ALARMS_HWM_KB:-?}), anonymous ${ALARMS_ANON_KB:-?} KiB | | |"
    echo "| C. agent end to end: fault confirmed (input edge + confirm time) -> event at a subscriber, ms | $E2E | p99 < 10 ms | |"
  else
    echo "| C. agent idle (\`hoistwatch run\`) | $AGENT_NOTE | | |"
  fi
  echo "| D. GPIO backend, fake C layer, encoder at $(G gpio_rate_edges_s) edges/s, $(G gpio_edges) edges: reader woken per edge | $(G gpio_per_edge_input_events_s) input events/s ($(G gpio_per_edge_ns_per_edge) ns per edge; lost $(G gpio_per_edge_lost_edges), FIFO drops $(G gpio_per_edge_fifo_drops), all out: $(G gpio_per_edge_complete)) | >= $(G gpio_required_edges_s)/s | $(verdict "$(G gpio_per_edge_input_events_s) >= $(G gpio_required_edges_s)") |"
  echo "| D. the same, reader descheduled 1 ms between turns | $(G gpio_batched_input_events_s) input events/s ($(G gpio_batched_ns_per_edge) ns per edge; lost $(G gpio_batched_lost_edges), FIFO drops $(G gpio_batched_fifo_drops), all out: $(G gpio_batched_complete)) | >= $(G gpio_required_edges_s)/s | $(verdict "$(G gpio_batched_input_events_s) >= $(G gpio_required_edges_s)") |"
} >"$WORK/report.md"

cat "$WORK/report.md" >>"$OUT/report.md"
echo
cat "$WORK/report.md"
echo
say "report appended to $OUT/report.md"

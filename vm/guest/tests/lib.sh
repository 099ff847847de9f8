# Shared by the board VM's tests (sourced; runs in the guest as root). Each test prints one line
# "PASS: name (figures)" or "FAIL: name: reason" and exits 0 or 1.
set -u
OUT=${OUT:-/mnt/out}
. /run/hoistwatch-sim.env
DEVICE=37010000000000000001
PREFIX=hoistwatch/v1
BROKER=10.0.2.100
PROFILE=/usr/share/hoistwatch/profiles/gpio-sim.toml
SITE=/etc/hoistwatch/site.toml
CAL=/etc/hoistwatch/calibration.toml
# The VM's elevator: the example calibration with the load cell unwired (gpio-sim has no HX711) and, with
# VM_COUNTS_PER_METER, a coarser encoder (fewer edges per metre for a slow emulated CPU).
VM_COUNTS_PER_METER=${VM_COUNTS_PER_METER:-250.0}

pass() { echo "PASS: $*"; exit 0; }
fail() { echo "FAIL: $*"; exit 1; }
info() { echo "  $*"; }

# write_site [STATUS_INTERVAL_S]: the site config and calibration of the sim board, readable by the service user.
write_site() {
    sed -e "s/^counts_per_meter = .*/counts_per_meter = $VM_COUNTS_PER_METER/" -e 's/^adc = \["load"\].*/adc = []/' \
        /usr/share/hoistwatch/Calibration/elevator-example.toml > "$CAL.new"
    cat > "$SITE.new" <<EOT
device_id = "$DEVICE"
board = "gpio-sim"
calibration = "calibration.toml"
status_interval_s = ${1:-5}

[broker]
host = "$BROKER"
port = 1883
EOT
    chown root:hoistwatch "$SITE.new" "$CAL.new"
    chmod 0640 "$SITE.new" "$CAL.new"
    # Whole files renamed into place: a power cut while writing leaves the old ones (vm/power-cuts.sh).
    mv "$CAL.new" "$CAL" && mv "$SITE.new" "$SITE"
}

# subscribe NAME TOPIC: records the topic at the host's broker (through the guestfwd) into $OUT/NAME.mqtt.
subscribe() {
    mosquitto_sub -h "$BROKER" -p 1883 -q 1 -v -t "$2" > "$OUT/$1.mqtt" 2>&1 &
    echo $! > "/run/sub-$1.pid"
    sleep 1
}
unsubscribe() { kill "$(cat "/run/sub-$1.pid")" 2>/dev/null; rm -f "/run/sub-$1.pid"; }

# wait_for FILE PATTERN SECONDS: 0 once a line of FILE matches the extended regular expression (by the clock: a
# starved VM runs few iterations in a second).
wait_for() {
    deadline=$(($(date +%s) + $3))
    while [ "$(date +%s)" -le $deadline ]; do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# agent_start: the agent under systemd (the package's unit) with the lines at the levels already driven; waits
# until its diag socket answers (lines requested, loop running).
agent_start() {
    systemctl reset-failed hoistwatch 2>/dev/null
    systemctl start hoistwatch || return 1
    deadline=$(($(date +%s) + 120))
    until hoistwatch diag --json --config "$SITE" > /dev/null 2>&1; do
        [ "$(date +%s)" -le $deadline ] || return 1
        sleep 0.2
    done
}
agent_pid() { systemctl show -p MainPID --value hoistwatch; }
# gpio_counter NAME: a counter of diag's "gpio" object (edges, lost_edges, ...).
# Asked again when the agent does not answer in time (diag's client gives up after a while; a starved VM is slow).
gpio_counter() {
    for _ in 1 2 3 4 5 6; do
        hoistwatch diag --json --config "$SITE" 2>/dev/null |
            python3 -c "import json,sys; print(json.load(sys.stdin)['gpio']['$1'])" 2>/dev/null && return 0
        sleep 1
    done
    echo "diag-failed"
    return 1
}

# The checkout (the 9p share "src"): scenarios and helpers newer than the installed package are taken from it.
SRC=${SRC:-$(cd "$(dirname "$0")/../../.." && pwd)}
CHECK_EXPECT="python3 $SRC/vm/guest/hoistwatch-check-expect.py"

# make_plan SCENARIO NAME: the scenario simulated with the VM's calibration into /tmp/NAME.hwtrace.jsonl and turned
# into the driver's plan /tmp/NAME.plan (the calibration's wired inputs only).
make_plan() {
    hoistwatch simulate --scenario "$1" --calibration "$CAL" --out "/tmp/$2.hwtrace.jsonl" > /dev/null || return 1
    inputs=$(python3 -c "import tomllib; print(','.join(tomllib.load(open('$CAL','rb'))['wiring']['inputs']))")
    hoistwatch-trace-to-lines "/tmp/$2.hwtrace.jsonl" "$PROFILE" --inputs "$inputs" > "/tmp/$2.plan"
}

# figure TEXT KEY: the value of KEY=VALUE in the driver's line of figures.
figure() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# play_scenario NAME SCENARIO: `hoistwatch run` under systemd, started anew with the lines at the scenario's
# initial levels, while the driver plays the scenario onto them; the host broker's events go to $OUT/NAME.mqtt.
# Then the events are compared with the scenario's [[expect]] (hoistwatch-check-expect; time 0 = the driver's
# start on CLOCK_MONOTONIC), asked again for up to 30 s while events may still be on their way. Sets DRIVE (the
# driver's figures) and CHECK (the comparison); returns 0 when every expectation was met and nothing else came.
play_scenario() {
    write_site
    systemctl stop hoistwatch
    make_plan "$2" "$1" || { CHECK="simulate failed"; return 1; }
    hoistwatch-drive-lines "$SIM_SYSFS" "/tmp/$1.plan" --init > /dev/null || { CHECK="initial levels failed"; return 1; }
    subscribe "$1" "$PREFIX/$DEVICE/event"
    agent_start || { unsubscribe "$1"; CHECK="the agent did not start"; return 1; }
    DRIVE=$(hoistwatch-drive-lines "$SIM_SYSFS" "/tmp/$1.plan") || { unsubscribe "$1"; CHECK="driver failed"; return 1; }
    zero=$(figure "$DRIVE" start_mono_ns)
    deadline=$(($(date +%s) + 30))
    until CHECK=$($CHECK_EXPECT "$2" "$OUT/$1.mqtt" --zero-ns "$zero"); do
        [ "$(date +%s)" -le $deadline ] || break
        sleep 1
    done
    unsubscribe "$1"
    CHECK=$($CHECK_EXPECT "$2" "$OUT/$1.mqtt" --zero-ns "$zero")
}

# libgpiod's major version (1 on bookworm, 2 on trixie): its tools take other arguments.
GPIOD_MAJOR=$(gpiodetect --version 2>/dev/null | sed -n 's/.* v\([0-9]*\)\..*/\1/p' | head -n 1)

# scenario_verdict NAME STATUS: after play_scenario (its return STATUS), prints the driver's figures and the
# comparison, and FAILs the test unless every expectation was met.
scenario_verdict() {
    info "${DRIVE:-}"
    echo "$CHECK" | sed 's/^/  /'
    [ "$2" = 0 ] || fail "$1: the broker's events are not the scenario's expectations ($(echo "$CHECK" | grep -v '^  event' | tr '\n' ';'))"
}
# event_at TYPE TRANSITION: the scenario time (s) of that event in the comparison of play_scenario.
event_at() { echo "$CHECK" | sed -n "s/.*event at \([0-9.]*\) s: $1 $2.*/\1/p" | head -n 1; }

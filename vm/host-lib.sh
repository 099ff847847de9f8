# Shared by vm/board-vm.sh and vm/power-cuts.sh (sourced, on the host): a Mosquitto on a free 127.0.0.1 port and a
# subscriber recording everything it gets. start_broker OUT sets PORT, BROKER_PID and SUB_PID; stop_broker ends
# both (a trap calls it).
start_broker() {
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" > "$1/mosquitto.conf"
    mosquitto -c "$1/mosquitto.conf" > "$1/mosquitto.log" 2>&1 &
    BROKER_PID=$!
    SUB_PID=""
    i=0
    until mosquitto_sub -h 127.0.0.1 -p "$PORT" -t probe -W 1 -C 1 >/dev/null 2>&1 || [ $? = 27 ]; do
        i=$((i + 1)); [ $i -lt 50 ] || { echo "error: the host broker did not start" >&2; return 1; }; sleep 0.1
    done
    mosquitto_sub -h 127.0.0.1 -p "$PORT" -q 1 -v -t '#' > "$1/host-subscriber.log" 2>&1 &
    SUB_PID=$!
}
stop_broker() {
    [ -z "${SUB_PID:-}" ] || kill "$SUB_PID" 2>/dev/null || true
    [ -z "${BROKER_PID:-}" ] || kill "$BROKER_PID" 2>/dev/null || true
}

#!/usr/bin/env bash
# A RabbitMQ node of its own with the MQTT plugin, on loopback only, for `make test-rabbitmq`:
#   scripts/rabbitmq-broker.sh start DIR   starts it (state, logs, config in DIR) and prints its MQTT port
#   scripts/rabbitmq-broker.sh stop DIR    stops it and its epmd
# Debian's rabbitmq-server (3.10), run from /usr/lib/rabbitmq/bin as the calling user, never the system service.
# Every listener is bound to 127.0.0.1: MQTT, AMQP, Erlang distribution and the node's own epmd (on a port of
# its own, so a system epmd or another node is not touched).
set -euo pipefail
command=$1
DIR=$(mkdir -p "$2" && cd "$2" && pwd)
RABBIT=/usr/lib/rabbitmq/bin

free_port() { python3 "$(dirname "$0")/free-port.py"; }

environment() {
    export HOME="$DIR" RABBITMQ_HOME=/usr/lib/rabbitmq
    export RABBITMQ_NODENAME="hoistwatch-test@localhost" RABBITMQ_USE_LONGNAME=false
    export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
    export RABBITMQ_MNESIA_BASE="$DIR/mnesia" RABBITMQ_LOG_BASE="$DIR/log" RABBITMQ_PID_FILE="$DIR/rabbitmq.pid"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT RABBITMQ_DIST_PORT ERL_EPMD_PORT
    export ERL_EPMD_ADDRESS=127.0.0.1
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

case "$command" in
start)
    RABBITMQ_NODE_PORT=$(free_port)
    RABBITMQ_DIST_PORT=$(free_port)
    ERL_EPMD_PORT=$(free_port)
    MQTT_PORT=$(free_port)
    printf 'RABBITMQ_NODE_PORT=%s\nRABBITMQ_DIST_PORT=%s\nERL_EPMD_PORT=%s\nMQTT_PORT=%s\n' \
        "$RABBITMQ_NODE_PORT" "$RABBITMQ_DIST_PORT" "$ERL_EPMD_PORT" "$MQTT_PORT" > "$DIR/ports"
    environment
    mkdir -p "$DIR/log" "$DIR/mnesia"
    echo '[rabbitmq_mqtt].' > "$DIR/enabled_plugins"
    cat > "$DIR/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBITMQ_NODE_PORT
mqtt.listeners.tcp.default = 127.0.0.1:$MQTT_PORT
mqtt.allow_anonymous = true
mqtt.default_user = guest
mqtt.default_pass = guest
mqtt.vhost = /
mqtt.exchange = amq.topic
CONF
    head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/.erlang.cookie"
    chmod 400 "$DIR/.erlang.cookie"
    "$RABBIT/rabbitmq-server" > "$DIR/log/server.out" 2>&1 &
    echo $! > "$DIR/server.pid"
    # About 10 s on this machine; up to a minute on a busy one. `await_startup` fails at once while the node is not
    # yet registered with epmd: wait for the MQTT listener first.
    started=""
    for _ in $(seq 600); do
        kill -0 "$(cat "$DIR/server.pid")" 2>/dev/null || break
        if python3 -c "import socket; socket.create_connection(('127.0.0.1', $MQTT_PORT), 0.2)" 2>/dev/null; then
            started=yes
            break
        fi
        sleep 0.2
    done
    if [ -z "$started" ] || ! timeout 60 "$RABBIT/rabbitmqctl" -n "$RABBITMQ_NODENAME" await_startup \
        > "$DIR/log/await.out" 2>&1; then
        echo "error: RabbitMQ did not start; $DIR/log says:" >&2
        tail -30 "$DIR/log/server.out" "$DIR/log/await.out" >&2
        exit 1
    fi
    echo "$MQTT_PORT"
    ;;
stop)
    # shellcheck disable=SC1091
    . "$DIR/ports"
    environment
    "$RABBIT/rabbitmqctl" -n "$RABBITMQ_NODENAME" stop > /dev/null 2>&1 || true
    if [ -f "$DIR/server.pid" ]; then
        pid=$(cat "$DIR/server.pid")
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill "$pid" 2>/dev/null || true
    fi
    # The node started an epmd of its own, on its own port: stop it (a system epmd on 4369 is left alone).
    epmd -port "$ERL_EPMD_PORT" -kill > /dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac

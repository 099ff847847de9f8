# An edge storm beyond the kernel's event buffer (libgpiod 2: 1,024 events per request): the agent's reader held
# off with SIGSTOP while 4,000 edges are written on one line, then let go. The loss must be counted
# (gpio lost_edges), sensor_fault raised with cause gpio_lost_edges at the broker, and the agent must keep running
# (same process, still publishing).
. "$(dirname "$0")/lib.sh"
systemctl is-active -q hoistwatch || agent_start || fail "edge-storm: the agent is not running"
subscribe storm "$PREFIX/$DEVICE/event"
pid=$(agent_pid)
l0=$(gpio_counter lost_edges) e0=$(gpio_counter edges)
kill -STOP "$pid"
storm=$(hoistwatch-drive-lines "$SIM_SYSFS" --storm 7 4000)
kill -CONT "$pid"
info "$storm"
wait_for "$OUT/storm.mqtt" '"type":"sensor_fault".*gpio_lost_edges' 30 ||
    { unsubscribe storm; fail "edge-storm: no sensor_fault gpio_lost_edges at the broker ($(grep -o '"type":"[a-z_]*","transition":"[a-z]*"' "$OUT/storm.mqtt" | tr '\n' ' '))"; }
unsubscribe storm
sleep 2
l1=$(gpio_counter lost_edges) e1=$(gpio_counter edges)
[ "$(agent_pid)" = "$pid" ] && systemctl is-active -q hoistwatch || fail "edge-storm: the agent did not keep running"
info "agent: edges +$((e1 - e0)), lost_edges +$((l1 - l0)) of 4000 written (kernel buffer 1024)"
[ $((l1 - l0)) -gt 0 ] || fail "edge-storm: no lost edge counted"
pass "edge-storm (4000 edges while stopped: $((e1 - e0)) read, $((l1 - l0)) counted lost; sensor_fault gpio_lost_edges raised; same agent process running)"

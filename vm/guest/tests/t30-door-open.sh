# `hoistwatch run` under systemd on the sim board: the scenario door-open-while-moving from `hoistwatch simulate`,
# played onto the lines by the driver, must raise door_open_while_moving from the kernel's edges, received by
# the host's broker through the guestfwd.
. "$(dirname "$0")/lib.sh"
write_site
systemctl stop hoistwatch
hoistwatch simulate --scenario /usr/share/hoistwatch/Scenarios/elevator-door-open-while-moving.toml \
    --calibration "$CAL" --out /tmp/door.hwtrace.jsonl || fail "door-open: simulate failed"
inputs=$(python3 -c "import tomllib; print(','.join(tomllib.load(open('$CAL','rb'))['wiring']['inputs']))")
hoistwatch-trace-to-lines /tmp/door.hwtrace.jsonl "$PROFILE" --inputs "$inputs" > /tmp/door.plan
hoistwatch-drive-lines "$SIM_SYSFS" /tmp/door.plan --init > /dev/null || fail "door-open: initial levels"
subscribe door "$PREFIX/$DEVICE/event"
agent_start || fail "door-open: the agent did not start: $(systemctl status hoistwatch --no-pager | tail -5)"
t0=$(date +%s.%N)
drive=$(hoistwatch-drive-lines "$SIM_SYSFS" /tmp/door.plan) || fail "door-open: driver failed"
info "$drive"
wait_for "$OUT/door.mqtt" '"type":"door_open_while_moving".*"transition":"raised"|"transition":"raised".*"type":"door_open_while_moving"' 30 ||
    { unsubscribe door; fail "door-open: no door_open_while_moving raised at the broker ($(wc -l < "$OUT/door.mqtt") events; $(grep -o '"type":"[a-z_]*","transition":"[a-z]*"' "$OUT/door.mqtt" | tr '\n' ' '))"; }
wait_for "$OUT/door.mqtt" '"type":"door_open_while_moving".*"transition":"cleared"|"transition":"cleared".*"type":"door_open_while_moving"' 15
cleared=$?
unsubscribe door
edges=$(gpio_counter edges) lost=$(gpio_counter lost_edges)
info "events at the broker: $(grep -o '"type":"[a-z_]*","transition":"[a-z]*"' "$OUT/door.mqtt" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
info "agent gpio counters: edges=$edges lost_edges=$lost"
[ $cleared = 0 ] || fail "door-open: raised but never cleared"
pass "door-open (door_open_while_moving raised and cleared at the host broker from $edges kernel edges, lost_edges=$lost)"

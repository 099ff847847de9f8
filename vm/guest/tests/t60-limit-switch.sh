# `hoistwatch run` under systemd on the sim board: Scenarios/elevator-limit-stuck-top.toml (the top limit reads
# actuated for 15 s while the car is near the bottom) played onto the lines by the driver must give, at the host's
# broker, exactly the scenario's expectations: limit_switch_failure (case stuck) raised and cleared, in their time
# windows on the scenario's clock (time 0 = the driver's start), and nothing else.
. "$(dirname "$0")/lib.sh"
name=limit-switch
play_scenario limit "$SRC/Scenarios/elevator-limit-stuck-top.toml"
ok=$?
info "${DRIVE:-}"
echo "$CHECK" | sed 's/^/  /'
[ $ok = 0 ] || fail "$name: the broker's events are not the scenario's expectations ($(echo "$CHECK" | grep -v '^  event' | tr '\n' ';'))"
pass "$name (limit_switch_failure case stuck raised at $(echo "$CHECK" | sed -n 's/.*event at \([0-9.]*\) s: limit_switch_failure raised.*/\1/p') s and cleared at $(echo "$CHECK" | sed -n 's/.*event at \([0-9.]*\) s: limit_switch_failure cleared.*/\1/p') s of the scenario from $(figure "$DRIVE" edges) kernel edges: the scenario's expectations exactly, at the host broker)"

# `hoistwatch run` under systemd on the sim board: Scenarios/elevator-limit-stuck-top.toml (the top limit reads
# actuated for 15 s while the car is near the bottom) played onto the lines by the driver must give, at the host's
# broker, exactly the scenario's expectations: limit_switch_failure (case stuck) raised and cleared, in their time
# windows on the scenario's clock (time 0 = the driver's start), and nothing else.
. "$(dirname "$0")/lib.sh"
name=limit-switch
play_scenario limit "$SRC/Scenarios/elevator-limit-stuck-top.toml"
scenario_verdict "$name" $?
pass "$name (limit_switch_failure case stuck raised at $(event_at limit_switch_failure raised) s and cleared at $(event_at limit_switch_failure cleared) s of the scenario from $(figure "$DRIVE" edges) kernel edges: the scenario's expectations exactly, at the host broker)"

# `hoistwatch run` under systemd on the sim board: Scenarios/elevator-trapped-between-floors.toml (an emergency stop
# between landings with three people inside, rescued after 80 s) played onto the lines by the driver must give, at
# the host's broker, exactly the scenario's expectations: trapped_passenger (case between_floors) and
# stopped_outside_door_zone raised and cleared, in their time windows (time 0 = the driver's start), nothing else.
. "$(dirname "$0")/lib.sh"
name=trapped
play_scenario trapped "$SRC/Scenarios/elevator-trapped-between-floors.toml"
scenario_verdict "$name" $?
pass "$name (trapped_passenger case between_floors raised at $(event_at trapped_passenger raised) s and cleared at $(event_at trapped_passenger cleared) s, stopped_outside_door_zone too, from $(figure "$DRIVE" edges) kernel edges: the scenario's expectations exactly, at the host broker)"

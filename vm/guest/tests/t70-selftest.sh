# `hoistwatch selftest` with the agent running under systemd on the sim board, its prompts answered on the lines
# (hoistwatch-selftest-answer: each input it asks for actuated, the car run up on the encoder). Every wired input must
# pass (an edge seen through the kernel and the agent), the encoder direction, the agent and the broker (the host's,
# through the guestfwd) too. The clock check is reported as it is: the VM has no NTP server to reach (restrict=on),
# so the kernel says unsynchronised and that row fails; it is the one failure accepted, and named in the PASS line.
. "$(dirname "$0")/lib.sh"
name=selftest
write_site
systemctl is-active -q hoistwatch || agent_start || fail "$name: the agent is not running"
hoistwatch selftest --config "$SITE" --timeout-s 30 2>&1 |
    python3 "$SRC/vm/guest/hoistwatch-selftest-answer.py" "$SIM_SYSFS" "$PROFILE" > "$OUT/selftest.txt"
sed 's/^/  /' "$OUT/selftest.txt"
wired=$(python3 -c "import tomllib; print(len(tomllib.load(open('$CAL','rb'))['wiring']['inputs']))")
inputs_ok=$(grep -c '^input [a-z_0-9]* *PASS' "$OUT/selftest.txt")
failed=$(grep -E '^[a-z].*  FAIL  ' "$OUT/selftest.txt" | grep -v '^clock ' | cut -c1-60)
grep -q '^encoder direction *PASS' "$OUT/selftest.txt" || fail "$name: encoder direction did not pass"
grep -q '^broker *PASS' "$OUT/selftest.txt" || fail "$name: the broker check did not pass"
grep -q '^agent *PASS' "$OUT/selftest.txt" || fail "$name: the agent check did not pass"
[ -z "$failed" ] || fail "$name: failed rows: $(echo "$failed" | tr '\n' ';')"
[ "$inputs_ok" = "$wired" ] || fail "$name: $inputs_ok of $wired wired inputs passed"
clock=$(grep '^clock ' "$OUT/selftest.txt" | awk '{print $2}')
pass "$name ($inputs_ok of $wired inputs seen through the kernel, encoder counts up going up, broker and agent pass; clock $clock: $(grep '^clock ' "$OUT/selftest.txt" | sed 's/^clock *[A-Z]* *//'))"

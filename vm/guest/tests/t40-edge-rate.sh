# Edge rates through the real kernel: encoder quadrature at rising rates played onto enc_a/enc_b while the agent
# runs; a rate passes when the agent counted every edge and no lost one. Prints each rate's result; the test
# passes when the lowest rate is lossless (the figures are what the README reports).
. "$(dirname "$0")/lib.sh"
systemctl is-active -q hoistwatch || agent_start || fail "edge-rate: the agent is not running"
best=0
first=""
for rate in ${VM_EDGE_RATES:-1000 2000 5000 10000 20000}; do
    n=$((rate * 2)); [ $n -le 8000 ] || n=8000
    python3 - "$rate" "$n" > /tmp/rate.plan <<'PY'
import sys
rate, n = int(sys.argv[1]), int(sys.argv[2])
# A leads B (up), then as many down: the car ends where it began. Lines 0 (enc_a) and 1 (enc_b), active high.
seq = [(0, 1), (1, 1), (0, 0), (1, 0)]
step = 10**9 // rate
for i in range(n):
    line, level = seq[i % 4] if i < n // 2 else seq[3 - (i % 4)]
    print("E %d %d %d" % (i * step, line, level))
PY
    e0=$(gpio_counter edges) l0=$(gpio_counter lost_edges) q0=$(gpio_counter quadrature_errors)
    drive=$(hoistwatch-drive-lines "$SIM_SYSFS" /tmp/rate.plan)
    # Until the agent's count stops moving (it is evaluated up to 12 ms behind the kernel; the VM is slow).
    e1=$(gpio_counter edges)
    while sleep 1; e=$(gpio_counter edges); [ "$e" != "$e1" ]; do e1=$e; done
    l1=$(gpio_counter lost_edges) q1=$(gpio_counter quadrature_errors)
    written=$(echo "$drive" | sed -n 's/.*edges=\([0-9]*\).*/\1/p')
    wall=$(echo "$drive" | sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p')
    achieved=$(echo "$written $wall" | awk '{printf "%.0f", $1 / $2}')
    if [ $((e1 - e0)) = "$written" ] && [ "$l1" = "$l0" ]; then verdict=lossless; else verdict=LOSSY; fi
    info "rate $rate/s: written $written edges in ${wall} s (${achieved}/s), agent counted $((e1 - e0)), lost $((l1 - l0)), quadrature errors $((q1 - q0)): $verdict"
    [ -n "$first" ] || first=$verdict
    [ $verdict = lossless ] && [ "$achieved" -gt "$best" ] && best=$achieved
done
[ "$first" = lossless ] || fail "edge-rate: the lowest rate lost edges"
pass "edge-rate (lossless up to ${best} edges/s achieved by the driver)"

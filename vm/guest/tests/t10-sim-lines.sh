# The sim bank as the profile wants it, and real edge events from it through libgpiod 2's own tool.
. "$(dirname "$0")/lib.sh"
gpiodetect | grep -q "^$SIM_CHIP \[$SIM_LABEL\] ($SIM_LINES lines)" || fail "sim-lines: gpiodetect: $(gpiodetect | tr '\n' ';')"
gpioinfo -c "$SIM_CHIP" | grep -q '"door_closed"' || fail "sim-lines: line names missing: $(gpioinfo -c "$SIM_CHIP" | head -3)"
timeout 10 gpiomon -c "$SIM_CHIP" -n 4 -F '%e %S' alarm_button > /tmp/gpiomon.out 2>&1 &
i=0
until gpioinfo -c "$SIM_CHIP" alarm_button 2>/dev/null | grep -q gpiomon; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "sim-lines: gpiomon never requested the line"; sleep 0.1
done
for p in pull-down pull-up pull-down pull-up; do echo $p > "$SIM_SYSFS/sim_gpio7/pull"; sleep 0.05; done
wait
[ "$(wc -l < /tmp/gpiomon.out)" = 4 ] || fail "sim-lines: gpiomon saw $(wc -l < /tmp/gpiomon.out) of 4 edges: $(cat /tmp/gpiomon.out)"
pass "sim-lines ($SIM_LABEL is /dev/$SIM_CHIP, $SIM_LINES lines; 4 of 4 edges seen by gpiomon: $(tr '\n' ',' < /tmp/gpiomon.out))"

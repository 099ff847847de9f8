# The sim bank as the profile wants it, and real edge events from it through libgpiod's own tools (gpiomon of
# libgpiod 2 on trixie, of libgpiod 1 on bookworm: other arguments, the same edges).
. "$(dirname "$0")/lib.sh"
gpiodetect | grep -q "^$SIM_CHIP \[$SIM_LABEL\] ($SIM_LINES lines)" || fail "sim-lines: gpiodetect: $(gpiodetect | tr '\n' ';')"
if [ "$GPIOD_MAJOR" = 1 ]; then lineinfo() { gpioinfo "$SIM_CHIP"; }; else lineinfo() { gpioinfo -c "$SIM_CHIP"; }; fi
lineinfo | grep -q '"door_closed"' || fail "sim-lines: line names missing: $(lineinfo | head -3)"
if [ "$GPIOD_MAJOR" = 1 ]; then
    timeout 10 gpiomon --num-events=4 --format='%e %s.%n' "$SIM_CHIP" 7 > /tmp/gpiomon.out 2>&1 &
else
    timeout 10 gpiomon -c "$SIM_CHIP" -n 4 -F '%e %S' alarm_button > /tmp/gpiomon.out 2>&1 &
fi
i=0
until lineinfo | grep '"alarm_button"' | grep -q gpiomon; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "sim-lines: gpiomon never requested the line"; sleep 0.1
done
for p in pull-down pull-up pull-down pull-up; do echo $p > "$SIM_SYSFS/sim_gpio7/pull"; sleep 0.05; done
wait
[ "$(wc -l < /tmp/gpiomon.out)" = 4 ] || fail "sim-lines: gpiomon saw $(wc -l < /tmp/gpiomon.out) of 4 edges: $(cat /tmp/gpiomon.out)"
pass "sim-lines ($SIM_LABEL is /dev/$SIM_CHIP, $SIM_LINES lines; libgpiod $GPIOD_MAJOR: 4 of 4 edges seen by gpiomon: $(tr '\n' ',' < /tmp/gpiomon.out))"

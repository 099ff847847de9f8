#!/bin/sh
# In the board VM, at boot (hoistwatch-sim-lines.service, before hoistwatch.service): loads gpio-sim and makes the
# bank of Board/profiles/gpio-sim.toml through configfs: one chip labelled as the profile's lines say, as many lines
# as the profile uses, each named after its input (gpioinfo shows them), every input at its idle level (not
# asserted: high for an active-low input, low otherwise; the HX711's lines low). Then writes what tests and the line
# driver need to /run/hoistwatch-sim.env: the platform device, the chip's name (not gpiochip0 on arm64, whose virt
# machine has a PL061) and its sysfs folder, where sim_gpioK/pull sets line K.
# Usage: hoistwatch-sim-lines [PROFILE]      (default /usr/share/hoistwatch/profiles/gpio-sim.toml)
set -eu
profile=${1:-/usr/share/hoistwatch/profiles/gpio-sim.toml}
cfg=/sys/kernel/config/gpio-sim/hoistwatch
modprobe configfs
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
modprobe gpio-sim
# The profile's lines: "label offset name active_low" (python3's tomllib reads it).
lines=$(python3 - "$profile" <<'PY'
import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb"))
labels = set()
for name, i in p["inputs"].items():
    labels.add(i["chip"]); print(i["chip"], i["line"], name, int(i["active_low"]))
h = p.get("hx711")
if h and h.get("mode") == "gpio":
    labels.add(h["chip"]); print(h["chip"], h["dout_line"], "hx711_dout", 0); print(h["chip"], h["sck_line"], "hx711_sck", 0)
if len(labels) != 1: sys.exit("error: the sim profile must use one chip label, not %s" % sorted(labels))
PY
)
label=$(echo "$lines" | awk 'NR == 1 { print $1 }')
count=$(echo "$lines" | awk '$2 + 1 > n { n = $2 + 1 } END { print n }')
if [ -d "$cfg" ]; then
    echo 0 > "$cfg/live"
    rmdir "$cfg"/bank0/line* 2>/dev/null || true
    rmdir "$cfg/bank0" "$cfg"
fi
mkdir "$cfg" "$cfg/bank0"
echo "$label" > "$cfg/bank0/label"
echo "$count" > "$cfg/bank0/num_lines"
echo "$lines" | while read -r _ offset name _; do
    mkdir "$cfg/bank0/line$offset"
    echo "$name" > "$cfg/bank0/line$offset/name"
done
echo 1 > "$cfg/live"
dev=$(cat "$cfg/dev_name")
chip=$(cat "$cfg/bank0/chip_name")
sysdir=/sys/devices/platform/$dev/$chip
i=0
while [ ! -e "$sysdir/sim_gpio0/pull" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "$lines" | while read -r _ offset _ active_low; do
    if [ "$active_low" = 1 ]; then echo pull-up; else echo pull-down; fi > "$sysdir/sim_gpio$offset/pull"
done
printf 'SIM_DEVICE=%s\nSIM_CHIP=%s\nSIM_SYSFS=%s\nSIM_LABEL=%s\nSIM_LINES=%s\n' "$dev" "$chip" "$sysdir" "$label" "$count" \
    > /run/hoistwatch-sim.env
echo "gpio-sim: $label is /dev/$chip ($count lines, $sysdir)"

#!/bin/sh
# In the board VM, for vm/power-cuts.sh (hoistwatch.vm=powercut or powercut-final on the kernel's command line; run
# by hoistwatch-vm-run from the checkout's share). OUT is the "out" share; hoistwatch.boot=N numbers the boot.
#  powercut:       the agent under systemd (its state on the VM's disk, kept across boots) while the line driver
#                  plays a synthetic trace in a loop: the alarm button pressed for 1.5 s and the mains dropped for
#                  2.6 s every 9 s (alarm_button and power_failure raised and cleared: 4 events per cycle), until the
#                  host kills QEMU. OUT/ready-N says when the agent runs and the driver plays.
#  powercut-final: the agent again with the lines idle until its outbox is empty (everything acknowledged), then
#                  stopped; OUT/history.jsonl (hoistwatch history --json), OUT/integrity.txt (PRAGMA
#                  integrity_check of the outbox database), OUT/final.txt; then the VM powers off.
set -u
mode=$1
OUT=$2
export OUT
SRC=/mnt/src
. "$SRC/vm/guest/tests/lib.sh"
boot=$(sed -n 's/.*hoistwatch\.boot=\([0-9]*\).*/\1/p' /proc/cmdline)
state=/var/lib/hoistwatch
# The same site every boot (written whole, then renamed: a cut while writing leaves the old one).
write_site 5
sync
up() { cut -d' ' -f1 /proc/uptime; }
# The plan: the lines idle (door closed in the zone, mains present), then the cycles.
python3 - > /tmp/pc.hwtrace.jsonl <<'PY'
import json
print(json.dumps({"format": "hoistwatch-trace", "version": 1, "equipment": "elevator",
                  "device_id": "37010000000000000001",
                  "initial": {"levels": {"door_closed": 1, "door_zone": 1, "mains_ok": 1}}}))
for k in range(400):
    t = 9.0 * k
    for at, line, level in ((0.5, "alarm_button", 1), (1.0, "mains_ok", 0), (2.0, "alarm_button", 0),
                            (3.6, "mains_ok", 1)):
        print(json.dumps({"t_ns": int((t + at) * 1e9), "line": line, "level": level}))
PY
inputs=$(python3 -c "import tomllib; print(','.join(tomllib.load(open('$CAL','rb'))['wiring']['inputs']))")
hoistwatch-trace-to-lines /tmp/pc.hwtrace.jsonl "$PROFILE" --inputs "$inputs" > /tmp/pc.plan
case $mode in
    powercut)
        hoistwatch-drive-lines "$SIM_SYSFS" /tmp/pc.plan --init > /dev/null
        agent_start || { echo "agent did not start" > "$OUT/ready-$boot"; exit 1; }
        echo "boot $boot: agent running, driver playing at $(up) s after the kernel started" > "$OUT/ready-$boot"
        while :; do hoistwatch-drive-lines "$SIM_SYSFS" /tmp/pc.plan >> "$OUT/drive-$boot.log"; done
        ;;
    powercut-final)
        t0=$(up)
        hoistwatch-drive-lines "$SIM_SYSFS" /tmp/pc.plan --init > /dev/null
        agent_start || echo "final: the agent did not start" >> "$OUT/final.txt"
        echo "final boot: agent running at $(up) s after the kernel started" >> "$OUT/final.txt"
        deadline=$(($(date +%s) + 300))
        count=-1
        while [ "$(date +%s)" -le $deadline ]; do
            count=$(hoistwatch diag --json --config "$SITE" 2>/dev/null |
                python3 -c "import json,sys; d=json.load(sys.stdin); print(d['outbox']['count'], d['link']['state'])" 2>/dev/null)
            case $count in "0 connected") break ;; esac
            sleep 1
        done
        echo "final: outbox count and link state: $count ($(up) s)" >> "$OUT/final.txt"
        sleep 3
        systemctl stop hoistwatch
        hoistwatch history --config "$SITE" --json --limit 1000000 > "$OUT/history.jsonl" 2>> "$OUT/final.txt"
        echo "final: history rows $(wc -l < "$OUT/history.jsonl")" >> "$OUT/final.txt"
        ls -l "$state" >> "$OUT/final.txt" 2>&1
        sqlite3 "$state/outbox.db" 'PRAGMA integrity_check;' > "$OUT/integrity.txt" 2>&1
        journalctl -b -u hoistwatch --no-pager > "$OUT/final-agent.log" 2>&1
        echo "final: done at $(up) s (boot took $t0 s to the runner)" >> "$OUT/final.txt"
        sync
        systemctl poweroff
        ;;
esac

#!/bin/sh
# The board VM's tests, in order (vm/guest/hoistwatch-vm-run.sh runs this in the guest): each prints its PASS or
# FAIL line; the last line is RESULT.
OUT=${1:-/mnt/out}
export OUT
here=$(dirname "$0")
failed=0
start=$(cut -d' ' -f1 /proc/uptime)
for t in "$here"/t[0-9]*.sh; do
    t0=$(cut -d' ' -f1 /proc/uptime)
    timeout 600 sh "$t" || failed=$((failed + 1))
    echo "  ($(basename "$t"): $(echo "$(cut -d' ' -f1 /proc/uptime) $t0" | awk '{printf "%.1f", $1 - $2}') s)"
done
systemd-analyze 2>/dev/null | head -n 1 | sed "s/^/  systemd-analyze: /"
echo "guest tests: $(echo "$(cut -d' ' -f1 /proc/uptime) $start" | awk '{printf "%.1f", $1 - $2}') s"
if [ $failed = 0 ]; then echo "RESULT: PASS"; else echo "RESULT: FAIL ($failed failed)"; fi

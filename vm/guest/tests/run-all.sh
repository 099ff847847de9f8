#!/bin/sh
# The board VM's tests, in order (vm/guest/hoistwatch-vm-run.sh runs this in the guest): each prints its PASS or
# FAIL line; the last line is RESULT. hoistwatch.tests=t10,t30 on the kernel's command line runs only the tests whose
# names start so (vm/board-vm.sh's BOARD_VM_TESTS).
OUT=${1:-/mnt/out}
export OUT
here=$(dirname "$0")
failed=0
start=$(cut -d' ' -f1 /proc/uptime)
only=$(sed -n 's/.*hoistwatch\.tests=\([a-z0-9,-]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
for t in "$here"/t[0-9]*.sh; do
    if [ -n "$only" ]; then
        wanted=no
        for w in $only; do case $(basename "$t") in "$w"*) wanted=yes ;; esac; done
        [ $wanted = yes ] || continue
    fi
    t0=$(cut -d' ' -f1 /proc/uptime)
    timeout 600 sh "$t" || failed=$((failed + 1))
    echo "  ($(basename "$t"): $(echo "$(cut -d' ' -f1 /proc/uptime) $t0" | awk '{printf "%.1f", $1 - $2}') s)"
done
systemd-analyze 2>/dev/null | head -n 1 | sed "s/^/  systemd-analyze: /"
echo "guest tests: $(echo "$(cut -d' ' -f1 /proc/uptime) $start" | awk '{printf "%.1f", $1 - $2}') s"
if [ $failed = 0 ]; then echo "RESULT: PASS"; else echo "RESULT: FAIL ($failed failed)"; fi

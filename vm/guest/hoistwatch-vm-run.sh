#!/bin/sh
# In the board VM, once booted (hoistwatch-vm-run.service): with hoistwatch.vm=tests on the kernel's command line,
# mounts the two 9p shares of vm/boot.sh (src: the checkout, read-only; out: results), runs the checkout's
# vm/guest/tests/run-all.sh with its output on the console and in out/, then powers the VM off (hoistwatch.tests=
# t10,t30 runs only those). With hoistwatch.vm=powercut or powercut-final, the checkout's
# vm/guest/hoistwatch-vm-powercut.sh (vm/power-cuts.sh). Without it, nothing (the VM stays up, the agent runs as
# configured).
set -u
mode=$(sed -n 's/.*hoistwatch\.vm=\([a-z0-9-]*\).*/\1/p' /proc/cmdline)
[ -n "$mode" ] || exit 0
mkdir -p /mnt/src /mnt/out
mount -t 9p -o trans=virtio,version=9p2000.L,ro src /mnt/src
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /mnt/out
up=$(cut -d' ' -f1 /proc/uptime)
echo "guest: user space reached the test runner ${up} s after the kernel started" | tee /mnt/out/boot.txt
case $mode in
    tests)
        sh /mnt/src/vm/guest/tests/run-all.sh /mnt/out 2>&1 | tee /mnt/out/guest.log
        sync
        systemctl poweroff
        ;;
    powercut | powercut-final) sh /mnt/src/vm/guest/hoistwatch-vm-powercut.sh "$mode" /mnt/out ;;
    *) echo "hoistwatch-vm-run: unknown mode $mode" >&2 ;;
esac

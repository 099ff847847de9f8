#!/bin/sh
# `make board-vm`: the agent on a real kernel (README "Board VM"). For ARCH (amd64 or arm64): the VM's disk
# (vm/make-root.sh: trixie, systemd, Debian's kernel, gpio-sim.ko, libgpiod 2, the package DEB), a Mosquitto on a
# free 127.0.0.1 port on the host with a subscriber recording everything, then the VM booted with the tests
# (vm/boot.sh, hoistwatch.vm=tests): vm/guest/tests/t*.sh, each printing PASS or FAIL. Prints their lines, the
# boot time and the run's time; exit 0 only if every test passed.
# Usage: vm/board-vm.sh ARCH DEB      Results in VM_OUT (default VM_WORK/out-ARCH; VM_WORK default .build-roots/vm).
# BOARD_VM_TESTS=t10,t30 runs only those tests.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 ARCH DEB" >&2; exit 2; }
arch=$1 deb=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=${VM_OUT:-${VM_WORK:-$top/.build-roots/vm}/out-$arch}
start=$(date +%s)
"$here/make-root.sh" "$arch" "$deb"
built=$(date +%s)

rm -rf "$out" && mkdir -p "$out"
. "$here/host-lib.sh"
trap stop_broker EXIT INT TERM
start_broker "$out"
port=$PORT

echo "== booting the $arch VM (TCG, 1 vCPU), broker 127.0.0.1:$port"
boot0=$(date +%s.%N)
"$here/boot.sh" "$arch" "$out" "$port" hoistwatch.vm=tests ${BOARD_VM_TESTS:+hoistwatch.tests=$BOARD_VM_TESTS} ${VM_KERNEL_ARGS:-} &
qemu=$!
booted=""
while kill -0 "$qemu" 2>/dev/null; do
    if [ -z "$booted" ] && [ -e "$out/boot.txt" ]; then
        booted=$(echo "$(date +%s.%N) $boot0" | awk '{printf "%.1f", $1 - $2}')
        echo "== booted: the guest's test runner started ${booted} s after QEMU ($(cat "$out/boot.txt"))"
    fi
    sleep 0.2
done
wait "$qemu" || true
[ -e "$out/guest.log" ] || { echo "FAIL: the VM ran no test (console: $out/console.log)"; tail -n 30 "$out/console.log"; exit 1; }
cat "$out/guest.log"
echo "== host subscriber: $(grep -c "/event {" "$out/host-subscriber.log") events, $(grep -c "/status {" "$out/host-subscriber.log") status messages, $(grep -c "/record/" "$out/host-subscriber.log") flight records ($out/host-subscriber.log)"
echo "== times: root and image $((built - start)) s, boot ${booted:-?} s, whole run $(( $(date +%s) - start )) s"
grep -q '^RESULT: PASS' "$out/guest.log"

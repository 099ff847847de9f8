#!/bin/sh
# The part of the board VM that runs in `make test` (`make test-board-vm`; README "Board VM", issue 13): the agent
# `make test` built, on a real Linux kernel with gpio-sim lines, against the host's Mosquitto, with real power cuts.
# No debootstrap and no package: an amd64 guest under QEMU's TCG (one vCPU) whose root filesystem is this
# machine's own (Debian bookworm amd64), read-only over 9p, so it runs BIN (default .build/debug/hoistwatch) with
# the host's libgpiod 1, python3 and sqlite3.
#  - the kernel: bookworm's own (the version linux-image-amd64 depends on), `apt-get download`ed and unpacked with
#    dpkg-deb -x (nothing installed); gpio-sim.ko built from linux-source-6.1's two files against
#    linux-headers-KVER (installed on the host if missing) as vm/guest/build-gpio-sim.sh does for the full VM;
#  - a small initramfs (vm/ci-init.sh): busybox-static and the modules the kernel lacks, then vm/ci-guest.sh as
#    PID 1 in the host's root, with tmpfs on /tmp, /run and /var/tmp (what it needs of the host's /tmp bound back);
#  - the agent's state on a virtio-blk ext4 image (a file), so that SIGKILL of QEMU loses the guest's page cache:
#    a real power cut; the network as in vm/boot.sh: restrict=on and one guestfwd to the host's broker.
# The run: boot 1 (hoistwatch.ci=scenario): the bank, `hoistwatch check`, then door open while moving played onto
# the lines while the agent runs: exactly the scenario's expectations at the host's broker (as t30/t60); then
# CUTS boots (default 3) cut by SIGKILL 0.2 to CUT_MAX_S (8) s after the agent runs (the first at least half of
# that, so that some event was acknowledged) while the lines loop alarm-button presses and mains drops; then a
# last boot that drains the outbox, dumps history and integrity_check; the outbox database is also read from the
# image on the host (debugfs: no mount needed). vm/power-cuts-check.py's rules judge the cuts.
# Prints PASS/FAIL lines and figures, last "RESULT: PASS" or "RESULT: FAIL"; exit 0 only on PASS.
# Cached in VM_WORK/ci-bookworm-amd64 (default .build-roots/vm): the kernel, gpio-sim.ko, the initramfs, the
# driver. Anywhere but /run (a path under /tmp or /var/tmp is bound back into the guest's tmpfs there).
# Usage: vm/ci-vm.sh [BIN]    Environment: VM_WORK, VM_OUT (default VM_WORK/ci-bookworm-amd64/out), CI_VM_CUTS,
# CUT_MAX_S, CI_VM_BOOT_S (the bound on each boot, default 420 s), CI_VM_SCENARIO_LIBS (a folder put on the
# scenario's LD_LIBRARY_PATH: `make test-board-vm` gives it trixie's libgpiod.so.3 of `make test-gpiod2`, whose
# 1,024-event buffer does not overflow when a loaded host starves the VM, as v1's 16-event FIFOs did in the bookworm
# guest; the power cuts, few edges, take this machine's libgpiod 1.6).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
bin=$(realpath "${1:-$top/.build/debug/hoistwatch}")
cuts=${CI_VM_CUTS:-3}
scenario_libs=${CI_VM_SCENARIO_LIBS:-}
[ -z "$scenario_libs" ] || scenario_libs=$(realpath "$scenario_libs")
max_s=${CUT_MAX_S:-8}
bound=${CI_VM_BOOT_S:-420}
work=$(realpath -m "${VM_WORK:-$top/.build-roots/vm}")/ci-bookworm-amd64
out=$(realpath -m "${VM_OUT:-$work/out}")
start=$(date +%s)
log() { printf '== %s\n' "$*"; }
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.1f", $1 - $2}'; }
# The guest covers /tmp and /var/tmp with tmpfs and binds back what of them it needs (hoistwatch.ci_keep: a fresh
# clone in /tmp, as CI's may be); /run, /dev, /proc and /sys are its own.
keep=""
for p in "$work" "$top" "$(dirname "$bin")" $scenario_libs; do
    case $p in
        /run/* | /dev/* | /proc/* | /sys/* | *" "* | *,*)
            echo "error: $p is not visible in the guest (its own /run, /dev, /proc, /sys; or a space or comma): set VM_WORK elsewhere" >&2
            exit 2 ;;
        /tmp/* | /var/tmp/*) keep="${keep:+$keep,}$p" ;;
    esac
done
[ -x "$bin" ] || { echo "error: no agent $bin (swift build first)" >&2; exit 2; }
if [ "$(dpkg --print-architecture)" != amd64 ] || ! grep -qx 'VERSION_CODENAME=bookworm' /etc/os-release; then
    echo "error: the CI VM runs this machine's root: it must be Debian bookworm amd64" >&2
    exit 2
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
mkdir -p "$work"

# 1. The kernel: bookworm's, as linux-image-amd64 names it now.
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1; }
pkg=$(kpkg)
[ -n "$pkg" ] || { $sudo apt-get update -qq; pkg=$(kpkg); }
[ -n "$pkg" ] || { echo "error: apt knows no linux-image-amd64" >&2; exit 1; }
kver=${pkg#linux-image-}
k=$work/$kver
if [ ! -e "$k/.unpacked" ]; then
    log "kernel $kver ($pkg, apt-get download, dpkg-deb -x)"
    rm -rf "$k" && mkdir -p "$k/dl"
    (cd "$k/dl" && apt-get download -qq "$pkg" 2> /dev/null)
    dpkg-deb -x "$k"/dl/*.deb "$k/image"
    rm -rf "$k/dl"
    depmod -b "$k/image" "$kver"
    touch "$k/.unpacked"
fi
# 2. gpio-sim.ko (the kernel has CONFIG_GPIO_SIM and CONFIG_IRQ_SIM off), against the same version's headers.
if [ ! -e "$k/gpio-sim.ko" ]; then
    dpkg-query -W -f='${Status}' "linux-headers-$kver" 2> /dev/null | grep -q "install ok installed" || {
        log "installing linux-headers-$kver"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "linux-headers-$kver" > /dev/null
    }
    ks=$(echo "$kver" | cut -d. -f1,2)
    log "gpio-sim.ko from linux-source-$ks"
    rm -rf "$k/gpio-sim" && mkdir -p "$k/gpio-sim/dl"
    (cd "$k/gpio-sim/dl" && apt-get download -qq "linux-source-$ks" 2> /dev/null)
    dpkg-deb --fsys-tarfile "$k"/gpio-sim/dl/*.deb | tar -xO "./usr/src/linux-source-$ks.tar.xz" |
        tar -xJ -C "$k/gpio-sim" --strip-components=3 --wildcards \
            "linux-source-$ks/drivers/gpio/gpio-sim.c" "linux-source-$ks/drivers/gpio/gpiolib*.h" \
            "linux-source-$ks/kernel/irq/irq_sim.c"
    rm -rf "$k/gpio-sim/dl"
    cp "$here/guest/build-gpio-sim.sh" "$k/gpio-sim/"
    sh "$k/gpio-sim/build-gpio-sim.sh" "$kver" "$k/gpio-sim.ko.new" > "$k/gpio-sim.log" 2>&1 ||
        { cat "$k/gpio-sim.log"; echo "error: gpio-sim.ko did not build" >&2; exit 1; }
    mv "$k/gpio-sim.ko.new" "$k/gpio-sim.ko"
    rm -rf "$k/gpio-sim"
fi
# 3. The initramfs: busybox, the modules in load order (modprobe --show-depends), gpio-sim.ko, vm/ci-init.sh.
if [ ! -e "$k/initrd.img" ] || ! cmp -s "$here/ci-init.sh" "$k/init.sh" ||
    [ -n "$(find "$0" -newer "$k/initrd.img")" ]; then
    log "initramfs"
    i=$k/initramfs
    rm -rf "$i" && mkdir -p "$i/bin" "$i/modules"
    cp /bin/busybox "$i/bin/busybox"
    ln -s busybox "$i/bin/sh"
    cp "$here/ci-init.sh" "$i/init" && chmod 755 "$i/init"
    : > "$i/modules/order"
    for m in virtio_pci virtio_blk virtio_net 9pnet_virtio 9p crc32c_generic ext4 configfs; do
        modprobe -d "$k/image" -S "$kver" --show-depends "$m" | sed -n 's/^insmod \([^ ]*\).*/\1/p' | while read -r ko; do
            grep -qx "$(basename "$ko")" "$i/modules/order" && continue
            cp "$ko" "$i/modules/" && basename "$ko" >> "$i/modules/order"
        done
    done
    cp "$k/gpio-sim.ko" "$i/modules/" && echo gpio-sim.ko >> "$i/modules/order"
    (cd "$i" && find . | cpio -o -H newc --quiet) | gzip -1 > "$k/initrd.img"
    cp "$here/ci-init.sh" "$k/init.sh"
fi
# 4. The line driver, built here (the guest runs this machine's binaries).
drive=$work/hoistwatch-drive-lines
if [ ! -x "$drive" ] || [ -n "$(find "$here/guest/hoistwatch-drive-lines.c" -newer "$drive")" ]; then
    cc -O2 -Wall -Werror -o "$drive" "$here/guest/hoistwatch-drive-lines.c"
fi
prepared=$(date +%s)

# 5. The run folder the guest reads (through the root share): site, calibration, the two plans.
run=$work/run
rm -rf "$run" "$out" && mkdir -p "$run" "$out"
printf 'BIN=%s\nSRC=%s\nDRIVE=%s\nSCENARIO_LIBS=%s\n' "$bin" "$top" "$drive" "$scenario_libs" > "$run/env"
sed -e 's/^counts_per_meter = .*/counts_per_meter = 250.0/' -e 's/^adc = \["load"\].*/adc = []/' \
    "$top/Calibration/elevator-example.toml" > "$run/calibration.toml"
cat > "$run/site.toml" <<EOT
device_id = "37010000000000000001"
board = "gpio-sim"
calibration = "calibration.toml"
status_interval_s = 5
state_dir = "/tmp/state/hoistwatch"

[broker]
host = "10.0.2.100"
port = 1883
EOT
chmod 0600 "$run/site.toml" "$run/calibration.toml"
scenario=$top/Scenarios/elevator-door-open-while-moving.toml
profile=$top/Board/profiles/gpio-sim.toml
inputs=$(python3 -c "import tomllib; print(','.join(tomllib.load(open('$run/calibration.toml','rb'))['wiring']['inputs']))")
"$bin" simulate --scenario "$scenario" --calibration "$run/calibration.toml" --out "$run/door.hwtrace.jsonl" > /dev/null
python3 "$here/guest/hoistwatch-trace-to-lines.py" "$run/door.hwtrace.jsonl" "$profile" --inputs "$inputs" > "$run/door.plan"
# The power cuts' loop, as vm/guest/hoistwatch-vm-powercut.sh plays it: the alarm button held 1.5 s and the mains
# dropped 2.6 s every 9 s (4 events a cycle).
python3 - > "$run/powercut.hwtrace.jsonl" <<'PY'
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
python3 "$here/guest/hoistwatch-trace-to-lines.py" "$run/powercut.hwtrace.jsonl" "$profile" --inputs "$inputs" > "$run/powercut.plan"
image=$work/state.img
rm -f "$image"
truncate -s 64M "$image"
mkfs.ext4 -q -F "$image"

# shellcheck source=vm/host-lib.sh
. "$here/host-lib.sh"
qemu=""
cleanup() {
    [ -z "$qemu" ] || kill -9 "$qemu" 2> /dev/null || true
    stop_broker
}
trap cleanup EXIT INT TERM
# boot DIR MODE [N]: QEMU in the background (sets qemu), its console in DIR/console.log, its share "out" DIR.
boot() {
    mkdir -p "$1"
    nice -n 10 qemu-system-x86_64 -M q35 -accel tcg -smp 1 -m 1024 -nodefaults -display none \
        -serial "file:$1/console.log" -no-reboot \
        -kernel "$k/image/boot/vmlinuz-$kver" -initrd "$k/initrd.img" \
        -append "console=ttyS0 panic=-1 quiet hoistwatch.ci=$2 hoistwatch.ci_run=$run hoistwatch.ci_guest=$here/ci-guest.sh${keep:+ hoistwatch.ci_keep=$keep}${3:+ hoistwatch.boot=$3}" \
        -drive "file=$image,format=raw,if=none,id=disk,cache=writeback" -device virtio-blk-pci,drive=disk \
        -virtfs "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap" \
        -virtfs "local,path=$1,mount_tag=out,security_model=none" \
        -netdev "user,id=net,restrict=on,guestfwd=tcp:10.0.2.100:1883-cmd:/usr/bin/python3 $here/relay.py $PORT" \
        -device virtio-net-pci,netdev=net > "$1/qemu.log" 2>&1 &
    qemu=$!
}
# wait_off SECONDS: waits for QEMU to exit by itself, killing it after SECONDS; 0 if it exited by itself.
wait_off() {
    t=0
    while kill -0 "$qemu" 2> /dev/null; do
        [ "$t" -lt $(($1 * 5)) ] || { kill -9 "$qemu"; wait "$qemu" 2> /dev/null; qemu=""; return 1; }
        sleep 0.2
        t=$((t + 1))
    done
    wait "$qemu" 2> /dev/null || true
    qemu=""
}
# library LOG: the libgpiod the agent said it opened.
library() { sed -n 's/.*gpio\.library=\(.*\) \[HoistWatchBoard\].*/\1/p' "$1" 2> /dev/null | head -n 1; }
fails=0
verdict() { echo "$1"; case $1 in FAIL*) fails=$((fails + 1)) ;; esac; }

# 6. The scenario.
log "CI VM: kernel $kver (TCG, 1 vCPU), root = this machine's over 9p, agent $bin"
s=$out/scenario
mkdir -p "$s"
start_broker "$s"
t0=$(now)
boot "$s" scenario
wait_off "$bound" || verdict "FAIL: scenario boot: QEMU still running after $bound s (console: $s/console.log)"
scenario_s=$(since "$t0")
stop_broker
if [ -e "$s/guest-scenario.log" ]; then
    grep -v '^PASS\|^FAIL' "$s/guest-scenario.log" | sed 's/^/  /'
    grep '^PASS\|^FAIL' "$s/guest-scenario.log" | while read -r line; do echo "$line"; done
    fails=$((fails + $(grep -c '^FAIL' "$s/guest-scenario.log" || true)))
    booted=$(sed -n 's/.*user space at \([0-9.]*\) s.*/\1/p' "$s/guest-scenario.log")
else
    verdict "FAIL: scenario boot: no guest log (console: $s/console.log)"
    tail -n 20 "$s/console.log"
fi
grep -a '/event {' "$s/host-subscriber.log" > "$s/events.mqtt" || true
zero=$({ tr ' ' '\n' < "$s/scenario-drive.txt"; } 2> /dev/null | sed -n 's/^start_mono_ns=//p')
if [ -n "$zero" ] && check=$(python3 "$here/guest/hoistwatch-check-expect.py" "$scenario" "$s/events.mqtt" --zero-ns "$zero"); then
    echo "$check" | sed 's/^/  /'
    verdict "PASS: door-open (door_open_while_moving raised and cleared at the host's broker in the scenario's windows, nothing else, through $(library "$s/agent-scenario.log"); $(cat "$s/scenario-drive.txt"))"
else
    echo "${check:-}" | sed 's/^/  /'
    verdict "FAIL: door-open: the broker's events are not the scenario's expectations ($(wc -l < "$s/events.mqtt") events)"
fi

# 7. The power cuts.
p=$out/powercuts
mkdir -p "$p"
start_broker "$p"
seqs() { grep -ac '/event {' "$p/host-subscriber.log" || true; }
n=1
while [ $n -le "$cuts" ] && [ $fails = 0 ]; do
    t0=$(now)
    boot "$p/boot-$n" powercut "$n"
    while [ ! -e "$p/boot-$n/ready-$n" ]; do
        kill -0 "$qemu" 2> /dev/null || break
        [ "$(since "$t0" | cut -d. -f1)" -lt "$bound" ] || break
        sleep 0.2
    done
    ready=$(since "$t0")
    if ! grep -q 'agent running' "$p/boot-$n/ready-$n" 2> /dev/null; then
        verdict "FAIL: cut $n: no agent after $ready s ($(cat "$p/boot-$n/ready-$n" 2> /dev/null; tail -n 5 "$p/boot-$n/console.log"))"
        break
    fi
    lo=0.2
    [ $n != 1 ] || lo=$(echo "$max_s" | awk '{print $1 / 2}')
    wait_s=$(python3 -c "import random; print('%.2f' % random.uniform($lo, $max_s))")
    before=$(seqs)
    sleep "$wait_s"
    kill -9 "$qemu"
    wait "$qemu" 2> /dev/null || true
    qemu=""
    sleep 0.5
    echo "cut $n: agent running ${ready} s after QEMU started, killed ${wait_s} s later; events at the host: $before -> $(seqs)" |
        tee -a "$p/cuts.txt"
    n=$((n + 1))
done
if [ $fails = 0 ]; then
    acked=$(python3 "$here/power-cuts-check.py" --max-seq "$p/host-subscriber.log")
    log "last boot: the agent drains its outbox (highest seq acknowledged so far: $acked)"
    t0=$(now)
    boot "$p/final" final final
    wait_off "$bound" || echo "  the last boot was still running after $bound s"
    final_s=$(since "$t0")
    sed 's/^/  /' "$p/final/final.txt" 2> /dev/null || echo "  (no final.txt: console $p/final/console.log)"
    sleep 1
    stop_broker
    # The outbox database as the image holds it, read on the host.
    for f in outbox.db outbox.db-wal; do
        debugfs -R "dump /hoistwatch/$f $p/host-$f" "$image" > /dev/null 2>&1 || true
        [ -s "$p/host-$f" ] || rm -f "$p/host-$f"
    done
    if [ -e "$p/host-outbox.db" ]; then
        sqlite3 -readonly "$p/host-outbox.db" 'PRAGMA integrity_check;' > "$p/integrity-host.txt" 2>&1 || true
    else
        echo "no outbox.db in the image" > "$p/integrity-host.txt"
    fi
    python3 "$here/power-cuts-check.py" "$p/host-subscriber.log" "$p/final/history.jsonl" "$p/final/integrity.txt" \
        "$p/integrity-host.txt" "$acked" "$cuts" > "$p/check.txt" || true
    grep -v '^RESULT' "$p/check.txt"
    echo "  the power cuts' agent: $(library "$p/boot-1/agent-powercut-1.log")"
    fails=$((fails + $(grep -c '^FAIL' "$p/check.txt" || true)))
    grep -q '^PASS' "$p/check.txt" || verdict "FAIL: power cuts: no verdict"
fi
ready_times=$(awk '{print $5}' "$p/cuts.txt" 2> /dev/null | sort -n | tr '\n' ' ')
log "times: kernel, gpio-sim.ko, initramfs $((prepared - start)) s; scenario boot to power-off ${scenario_s:-?} s (user space at ${booted:-?} s of the guest's uptime); boots to the agent: ${ready_times:-none} s; last boot ${final_s:-?} s; whole run $(($(date +%s) - start)) s"
if [ $fails = 0 ]; then echo "RESULT: PASS"; else echo "RESULT: FAIL ($fails failed)"; exit 1; fi

#!/bin/sh
# PID 1 of the CI VM (vm/ci-vm.sh), after vm/ci-init.sh: the root filesystem is the host's own, read-only over 9p,
# so the agent is the very `.build/debug/hoistwatch` that `make test` built, with the host's libgpiod 1 and
# python3. The kernel's command line says what to do (hoistwatch.ci=MODE, hoistwatch.ci_run=RUN: the run folder
# the host prepared, with env, site, calibration and plans; hoistwatch.boot=N):
#  scenario  the gpio-sim bank as the profile says, `hoistwatch check`, then `hoistwatch run` while the line driver
#            plays the door-open-while-moving scenario (with SCENARIO_LIBS of env on LD_LIBRARY_PATH); waits until the outbox is empty (the host's broker has
#            everything) and stops the agent; the driver's figures to OUT/scenario-drive.txt;
#  powercut  the agent with its state on /dev/vda (ext4, kept across boots) while the driver loops alarm-button
#            presses and mains drops, until the host kills QEMU (OUT/ready-N says when the agent runs);
#  final     the agent again until its outbox is empty, stopped; `hoistwatch history --json`, PRAGMA
#            integrity_check of its outbox database and OUT/final.txt; the disk unmounted.
# Then the VM powers off. OUT is the 9p share "out" (the host's VM_OUT), mounted on /run/out.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/tmp
export PATH HOME
off() {
    sync
    echo o > /proc/sysrq-trigger
    sleep 60
}
arg() { sed -n "s/.*hoistwatch\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
mode=$(arg ci) run=$(arg ci_run) boot=$(arg boot)
# The host's /tmp and /var/tmp are kept under /run/host before tmpfs covers them, and the host's paths there that
# the guest needs (hoistwatch.ci_keep: a checkout in /tmp, its VM_WORK, the agent) are bound back in place.
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/host/tmp /run/host/var/tmp
mount --bind /tmp /run/host/tmp
mount --bind /var/tmp /run/host/var/tmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
for kept in $(arg ci_keep | tr ',' ' '); do
    mkdir -p "$kept" && mount --bind "/run/host$kept" "$kept" || echo "ci-guest: cannot keep $kept" > /dev/console
done
mkdir -p /run/out /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
OUT=/run/out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out "$OUT" || { echo "ci-guest: no out share" > /dev/console; off; }
exec > "$OUT/guest-$mode${boot:+-$boot}.log" 2>&1
up() { cut -d' ' -f1 /proc/uptime; }
echo "guest: $mode${boot:+ $boot}: user space at $(up) s after the kernel started"
# shellcheck disable=SC1091 # written by vm/ci-vm.sh: BIN (hoistwatch), SRC (the checkout), DRIVE (the driver)
. "$run/env"
site=$run/site.toml
# The network of QEMU's user mode: the guestfwd's 10.0.2.100 is on the link.
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 || echo "guest: no network"
mount -t configfs none /sys/kernel/config
HOISTWATCH_PROFILES=$SRC/Board/profiles
export HOISTWATCH_PROFILES
# The bank (modprobe finds nothing here: the modules were loaded by the initramfs).
printf '#!/bin/sh\nexit 0\n' > /run/modprobe && chmod +x /run/modprobe
PATH=/run:$PATH sh "$SRC/vm/guest/hoistwatch-sim-lines.sh" "$SRC/Board/profiles/gpio-sim.toml" || { echo "FAIL: sim-lines: the bank"; off; }
# shellcheck disable=SC1091 # written by hoistwatch-sim-lines.sh
. /run/hoistwatch-sim.env

diag() { "$BIN" diag --json --config "$site" 2>/dev/null; }
# The scenario's agent may take another libgpiod (SCENARIO_LIBS: a folder for LD_LIBRARY_PATH, e.g. trixie's
# libgpiod.so.3); the power cuts' agent takes this machine's.
libs=""
[ "$mode" != scenario ] || libs=${SCENARIO_LIBS:-}
agent_start() {
    LD_LIBRARY_PATH=$libs "$BIN" run --config "$site" > "$OUT/agent-$mode${boot:+-$boot}.log" 2>&1 &
    agent=$!
    deadline=$(($(date +%s) + 300))
    until diag > /dev/null; do
        kill -0 "$agent" 2>/dev/null || return 1
        [ "$(date +%s)" -le $deadline ] || return 1
        sleep 0.2
    done
}
agent_stop() {
    kill "$agent" 2>/dev/null
    i=0
    while kill -0 "$agent" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$agent" 2>/dev/null
    wait "$agent" 2>/dev/null
}
# drain SECONDS: waits until the outbox is empty and the link connected; prints the last "count state".
drain() {
    deadline=$(($(date +%s) + $1))
    state=-
    while [ "$(date +%s)" -le $deadline ]; do
        state=$(diag | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['outbox']['count'], d['link']['state'])" 2>/dev/null)
        case $state in "0 connected") break ;; esac
        sleep 1
    done
    echo "$state"
}

case $mode in
    scenario)
        mkdir -p /tmp/state/hoistwatch
        named=$(gpioinfo "$SIM_CHIP" | grep -c '"[a-z_0-9]*"' || true)
        if [ "$named" -ge "$SIM_LINES" ]; then
            echo "PASS: sim-lines ($SIM_LABEL is /dev/$SIM_CHIP, $SIM_LINES lines named as the profile says)"
        else
            echo "FAIL: sim-lines: $named named lines of $SIM_LINES on $SIM_CHIP"
        fi
        if LD_LIBRARY_PATH=$libs "$BIN" check --config "$site" > "$OUT/check.txt" 2>&1; then
            echo "PASS: check (hoistwatch check of the gpio-sim site: exit 0)"
        else
            echo "FAIL: check: exit $? ($(tail -n 3 "$OUT/check.txt" | tr '\n' ' '))"
        fi
        "$DRIVE" "$SIM_SYSFS" "$run/door.plan" --init > /dev/null || echo "guest: initial levels failed"
        if agent_start; then
            t0=$(up)
            "$DRIVE" "$SIM_SYSFS" "$run/door.plan" > "$OUT/scenario-drive.txt" || echo "guest: the driver failed"
            echo "guest: the driver played the scenario in $(echo "$(up) $t0" | awk '{printf "%.1f", $1 - $2}') s"
            echo "guest: outbox and link after the scenario: $(drain 120)"
            diag > "$OUT/scenario-diag.json"
            agent_stop
        else
            echo "FAIL: door-open: the agent did not start ($(tail -n 3 "$OUT/agent-$mode.log" | tr '\n' ' '))"
        fi
        ;;
    powercut | final)
        mkdir -p /tmp/state
        mount -t ext4 /dev/vda /tmp/state || { echo "guest: cannot mount /dev/vda" > "$OUT/ready-$boot"; off; }
        mkdir -p /tmp/state/hoistwatch
        "$DRIVE" "$SIM_SYSFS" "$run/powercut.plan" --init > /dev/null
        if ! agent_start; then
            echo "agent did not start" > "$OUT/ready-$boot"
            off
        fi
        if [ "$mode" = powercut ]; then
            echo "boot $boot: agent running, driver playing at $(up) s after the kernel started" > "$OUT/ready-$boot"
            while :; do "$DRIVE" "$SIM_SYSFS" "$run/powercut.plan" >> "$OUT/drive-$boot.log"; done
        fi
        {
            echo "final boot: agent running at $(up) s after the kernel started"
            echo "final: outbox count and link state: $(drain 300) ($(up) s)"
            sleep 2
            agent_stop
            "$BIN" history --config "$site" --json --limit 1000000 > "$OUT/history.jsonl"
            echo "final: history rows $(wc -l < "$OUT/history.jsonl")"
            sqlite3 /tmp/state/hoistwatch/outbox.db 'PRAGMA integrity_check;' > "$OUT/integrity.txt" 2>&1
            umount /tmp/state
            echo "final: done at $(up) s"
        } > "$OUT/final.txt" 2>&1
        ;;
    *) echo "ci-guest: unknown mode $mode" ;;
esac
off

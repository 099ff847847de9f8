#!/bin/sh
# Power cuts that are real for the guest (issue 13, item 4; README "Board VM"). The VM's disk (vm/make-root.sh ARCH
# DEB, made anew: an empty outbox), a Mosquitto on a free 127.0.0.1 port on the host with a subscriber recording
# everything (the guest reaches it only through QEMU's restrict=on user networking and its guestfwd), then CUTS
# times: the VM booted from the same disk image with hoistwatch.vm=powercut (vm/guest/hoistwatch-vm-powercut.sh:
# the agent under systemd while the line driver plays a loop of alarm-button presses and mains drops, 4 events
# every 9 s), and, at a random moment 0.2 to CUT_MAX_S (default 15) seconds after the guest said the agent runs,
# QEMU killed with SIGKILL: the guest's page cache, its unsent packets and QEMU's own state are gone; what QEMU had
# written to the image file stays (the host does not crash: the virtual disk has no volatile cache to lose).
# Then a last boot (hoistwatch.vm=powercut-final) lets the agent drain its outbox, dumps `hoistwatch history`
# and runs PRAGMA integrity_check on the outbox database, and powers off; the image is then also loop-mounted
# read-only on the host and its outbox database checked again. vm/power-cuts-check.py judges:
#  - every seq up to the last one the broker acknowledged (the highest the subscriber had before the last boot)
#    arrived, and after the last boot every seq up to the highest at all: no gap;
#  - each seq with one id, and an id sent twice with the same content each time;
#  - the local history holds every event the broker got, with the same seq, id and content, and nothing else;
#  - integrity_check says ok (guest and host).
# Prints the figures: cuts, boots, boot times, events, duplicates, times. Exit 0 only if every check passed.
# Usage: vm/power-cuts.sh ARCH DEB [CUTS]    (CUTS default 20). Results in VM_OUT (default VM_WORK/powercuts-ARCH).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 ARCH DEB [CUTS]" >&2; exit 2; }
arch=$1 deb=$2 cuts=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
work=${VM_WORK:-$top/.build-roots/vm}
out=${VM_OUT:-$work/powercuts-$arch}
max_s=${CUT_MAX_S:-15}
start=$(date +%s)
"$here/make-root.sh" "$arch" "$deb"
built=$(date +%s)
image=$work/${VM_DIST:-trixie}-$arch/disk.img

rm -rf "$out" && mkdir -p "$out"
. "$here/host-lib.sh"
qemu=""
mnt=""
cleanup() {
    [ -z "$qemu" ] || kill -9 "$qemu" 2>/dev/null || true
    [ -z "$mnt" ] || { umount "$mnt" 2>/dev/null || true; rmdir "$mnt" 2>/dev/null || true; }
    stop_broker
}
trap cleanup EXIT INT TERM
start_broker "$out"
echo "== power cuts: $cuts, $arch VM (TCG, 1 vCPU), broker 127.0.0.1:$PORT, image $image"
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.1f", $1 - $2}'; }
seqs() { grep -c '/event {' "$out/host-subscriber.log" || true; }

i=1
while [ $i -le "$cuts" ]; do
    t0=$(now)
    "$here/boot.sh" "$arch" "$out/boot-$i" "$PORT" hoistwatch.vm=powercut hoistwatch.boot=$i &
    qemu=$!
    while [ ! -e "$out/boot-$i/ready-$i" ]; do
        kill -0 "$qemu" 2>/dev/null || { echo "FAIL: boot $i: QEMU exited before the agent ran (console: $out/boot-$i/console.log)"; tail -n 20 "$out/boot-$i/console.log"; exit 1; }
        [ "$(since "$t0" | cut -d. -f1)" -lt 900 ] || { echo "FAIL: boot $i: no agent after 900 s"; exit 1; }
        sleep 0.2
    done
    ready=$(since "$t0")
    grep -q 'agent running' "$out/boot-$i/ready-$i" || { echo "FAIL: boot $i: $(cat "$out/boot-$i/ready-$i")"; exit 1; }
    wait_s=$(python3 -c "import random; print('%.2f' % random.uniform(0.2, $max_s))")
    before=$(seqs)
    sleep "$wait_s"
    kill -9 "$qemu"
    wait "$qemu" 2>/dev/null || true
    qemu=""
    sleep 0.5
    echo "cut $i: agent running ${ready} s after QEMU started, killed ${wait_s} s later; events at the host: $before -> $(seqs)" |
        tee -a "$out/cuts.txt"
    i=$((i + 1))
done
acked=$(python3 "$here/power-cuts-check.py" --max-seq "$out/host-subscriber.log")
echo "== last boot: the agent drains its outbox (highest seq the broker acknowledged so far: $acked)"
t0=$(now)
"$here/boot.sh" "$arch" "$out/final" "$PORT" hoistwatch.vm=powercut-final hoistwatch.boot=final &
qemu=$!
wait "$qemu" || true
qemu=""
final_s=$(since "$t0")
sed 's/^/  /' "$out/final/final.txt" 2>/dev/null || echo "  (no final.txt: console $out/final/console.log)"
sleep 1
stop_broker

# The image after the last boot, read-only on the host: its outbox database checked again.
mnt=$(mktemp -d)
host_integrity="not checked"
if mount -o loop,ro "$image" "$mnt" 2>"$out/mount.log"; then
    if [ -e "$mnt/var/lib/hoistwatch/outbox.db" ]; then
        cp "$mnt"/var/lib/hoistwatch/outbox.db* "$out/" 2>/dev/null || true
        host_integrity=$(sqlite3 -readonly "$out/outbox.db" 'PRAGMA integrity_check;' 2>&1 | tr '\n' ' ')
    else
        host_integrity="no outbox.db in the image"
    fi
    umount "$mnt"
else
    host_integrity="mount failed: $(cat "$out/mount.log")"
fi
rmdir "$mnt"
mnt=""
echo "$host_integrity" > "$out/integrity-host.txt"

set +e
python3 "$here/power-cuts-check.py" "$out/host-subscriber.log" "$out/final/history.jsonl" "$out/final/integrity.txt" \
    "$out/integrity-host.txt" "$acked" "$cuts"
ok=$?
echo "== times: image $((built - start)) s, $cuts boots to the agent $(awk '{print $5}' "$out/cuts.txt" | sort -n | awk '{a[NR]=$1} END {printf "%s s median, %s-%s s", a[int((NR+1)/2)], a[1], a[NR]}'), last boot to power-off ${final_s} s, whole run $(( $(date +%s) - start )) s"
exit $ok

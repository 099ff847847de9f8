#!/usr/bin/env bash
# Verifies the hoistwatch package under a real systemd (packaging/README.md, "What was verified, and what not"):
# a Debian bookworm root made with debootstrap, booted with `systemd-nspawn --boot` (systemd as PID 1, private
# network), the package installed with apt, the service configured for board = "sim" against the container's own
# mosquitto, then: start (Type=notify), events over MQTT, the sandbox, the watchdog, a refused config, an upgrade,
# stop, remove, purge. Prints one PASS or FAIL line per check and exits non-zero if any failed.
#
# Usage: sudo packaging/verify-systemd.sh dist/hoistwatch_<version>_<arch>.deb      (`make verify-systemd`)
# Needs: root, debootstrap, systemd-container (systemd-nspawn), dpkg-deb, network access to the Debian mirror
# (debootstrap and the package's dependencies), about 400 MB in $VERIFY_WORK and a few minutes.
# Environment: VERIFY_WORK (default /var/tmp/hoistwatch-verify-systemd: the container root and logs, removed on
# exit unless VERIFY_KEEP=1), DEBIAN_MIRROR (default http://deb.debian.org/debian), VERIFY_SUITE (bookworm).
# Everything it starts (the container and what runs in it) is stopped on exit, also on failure or Ctrl-C.
set -uo pipefail

DEB=${1:-}
WORK=${VERIFY_WORK:-/var/tmp/hoistwatch-verify-systemd}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${VERIFY_SUITE:-bookworm}
ROOT=$WORK/root
MACHINE=hoistwatch-verify
CGROUP_NAME=hoistwatch-verify-systemd
NSPAWN_PID=""
LEADER=""
MADE_NSPAWN_RUN_DIR=""
FAILURES=0

log() { printf '== %s\n' "$*"; }
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; FAILURES=$((FAILURES + 1)); }
# check DESCRIPTION COMMAND...: PASS or FAIL on the command's status.
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
die() { fail "$*"; exit 1; }

# Runs a command inside the booted container (all its namespaces), with a clean environment.
in_ct() {
    timeout "${CT_TIMEOUT:-120}" nsenter -t "$LEADER" -a \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
# wait_for SECONDS COMMAND...: polls once a second until the command succeeds; fails after SECONDS.
wait_for() {
    local limit=$1; shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 1
    done
}
unit_prop() { in_ct systemctl show -p "$1" --value hoistwatch.service; }

# The cgroup folders the container is started in. On a host whose PID 1 is not systemd, nspawn makes its
# payload/ and supervisor/ cgroups below the caller's: a folder of our own keeps them apart and removable.
cgroup_dirs() {
    [ -d /run/systemd/system ] && return 0   # a systemd host manages the cgroups itself
    local h
    for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
        mountpoint -q "$h" && echo "$h/$CGROUP_NAME"
    done
    if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then echo "/sys/fs/cgroup/$CGROUP_NAME"; fi
}

# nspawn ARGS...: systemd-nspawn on $ROOT in a private mount namespace, where /run/systemd/nspawn is a tmpfs (nspawn
# refuses to clean up its propagation folder on a disk file system, and nothing is left on the host), without
# machined (--register=no --keep-unit: no system bus here). Runs in the foreground; the process that becomes
# systemd-nspawn writes its pid to $WORK/nspawn.pid.
nspawn() {
    local dirs; dirs=$(cgroup_dirs)
    CGROUPS=$dirs PIDFILE=$WORK/nspawn.pid setsid bash -c '
        for d in $CGROUPS; do mkdir -p "$d" && echo $$ > "$d/cgroup.procs" || exit 1; done
        echo $$ > "$PIDFILE"
        exec unshare --mount --propagation private bash -c "
            mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn && exec systemd-nspawn --quiet --register=no \
                --keep-unit --directory=\"\$0\" --machine=\"\$1\" \"\${@:2}\"" "$@"' \
        bash "$ROOT" "$MACHINE" "$@"
}

stop_container() {
    [ -n "$NSPAWN_PID" ] || return 0
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
        [ -n "$LEADER" ] && CT_TIMEOUT=20 in_ct systemctl poweroff --no-block >/dev/null 2>&1
        wait_for 60 sh -c "! kill -0 $NSPAWN_PID" || {
            log "the container did not power off in 60 s: terminating systemd-nspawn ($NSPAWN_PID)"
            kill -TERM "$NSPAWN_PID" 2>/dev/null
            wait_for 15 sh -c "! kill -0 $NSPAWN_PID" || kill -KILL "$NSPAWN_PID" 2>/dev/null
        }
    fi
    # Whatever is left in our cgroups was started by this script (the container's processes).
    local d
    for d in $(cgroup_dirs); do
        [ -d "$d" ] || continue
        find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null; done
    done
    sleep 1
    NSPAWN_PID=""
    LEADER=""
}

cleanup() {
    local status=$?
    stop_container
    local d
    for d in $(cgroup_dirs); do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    [ -n "$MADE_NSPAWN_RUN_DIR" ] && rmdir /run/systemd/nspawn 2>/dev/null
    # debootstrap mounts /proc and /sys in the root while it runs; a failed run may leave them.
    if [ -d "$ROOT" ]; then
        findmnt -rno TARGET | grep -F "$ROOT" | sort -r | while read -r m; do umount -l "$m"; done
    fi
    if [ "${VERIFY_KEEP:-0}" = 1 ]; then
        log "kept $WORK (VERIFY_KEEP=1)"
    else
        rm -rf --one-file-system "$WORK"
    fi
    if [ "$FAILURES" -gt 0 ]; then
        printf 'RESULT: FAIL (%d failed checks)\n' "$FAILURES"
        exit 1
    fi
    [ "$status" -eq 0 ] && printf 'RESULT: PASS\n'
    exit "$status"
}

# --- preflight ---------------------------------------------------------------------------------------------------
[ -n "$DEB" ] && [ -f "$DEB" ] || { echo "usage: $0 PATH/TO/hoistwatch_VERSION_ARCH.deb" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "error: run as root (debootstrap, systemd-nspawn)" >&2; exit 2; }
for tool in debootstrap systemd-nspawn dpkg-deb nsenter unshare findmnt; do
    command -v "$tool" >/dev/null || { echo "error: $tool is missing (apt-get install debootstrap systemd-container)" >&2; exit 2; }
done
DEB=$(readlink -f "$DEB")
VERSION=$(dpkg-deb -f "$DEB" Version)
ARCH=$(dpkg-deb -f "$DEB" Architecture)
[ "$ARCH" = "$(dpkg --print-architecture)" ] || { echo "error: $DEB is $ARCH, this machine $(dpkg --print-architecture)" >&2; exit 2; }

# A run interrupted before its cleanup may have left its container and root behind: stop and remove them.
if [ -f "$WORK/nspawn.pid" ]; then
    old=$(cat "$WORK/nspawn.pid")
    if [ -n "$old" ] && tr '\0' ' ' < "/proc/$old/cmdline" 2>/dev/null | grep -q "systemd-nspawn.*$ROOT"; then
        log "stopping the container of an earlier run (systemd-nspawn $old)"
        NSPAWN_PID=$old
        stop_container
    fi
fi
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ ! -d /run/systemd/nspawn ]; then mkdir -p /run/systemd/nspawn && MADE_NSPAWN_RUN_DIR=1; fi
cleanup_old() {
    findmnt -rno TARGET | grep -F "$ROOT" | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf --one-file-system "$WORK"
}
[ -e "$WORK" ] && cleanup_old
mkdir -p "$WORK"
log "package $DEB ($VERSION, $ARCH); work folder $WORK"

# --- the root ----------------------------------------------------------------------------------------------------
log "debootstrap $SUITE (minbase + systemd, dbus) from $MIRROR"
if timeout 1200 debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus \
        "$SUITE" "$ROOT" "$MIRROR" > "$WORK/debootstrap.log" 2>&1; then
    pass "debootstrap $SUITE root with systemd $(chroot "$ROOT" dpkg-query -W -f='${Version}' systemd)"
else
    tail -5 "$WORK/debootstrap.log" >&2
    die "debootstrap (log: $WORK/debootstrap.log)"
fi
echo "$MACHINE" > "$ROOT/etc/hostname"
install -m 0644 "$DEB" "$ROOT/root/hoistwatch.deb"

# An upgrade of the same package: same files, version +verify1, for the try-restart branch of postinst.
dpkg-deb -R "$DEB" "$WORK/upgrade" && sed -i 's/^Version: .*/&+verify1/' "$WORK/upgrade/DEBIAN/control" &&
    dpkg-deb --root-owner-group -Zxz -z1 --build "$WORK/upgrade" "$ROOT/root/hoistwatch-upgrade.deb" >/dev/null &&
    rm -rf "$WORK/upgrade" || die "repacking $DEB as ${VERSION}+verify1"

# The booted container has no network (--private-network: its mosquitto on 1883 stays its own). Its apt takes the
# package's dependencies and mosquitto from the cache, downloaded from the mirror here (host network) before the boot.
log "resolving the package's dependencies from Debian (apt, in the container root, host network)"
if nspawn --pipe --resolv-conf=copy-host sh -c \
        'apt-get update -qq && apt-get install -s /root/hoistwatch.deb | sed -n "s/^Inst \([^ ]*\) .*/\1/p" | grep -vx hoistwatch |
         tr "\n" " " > /root/deps && apt-get install -y -qq --download-only /root/hoistwatch.deb /root/hoistwatch-upgrade.deb \
             mosquitto mosquitto-clients' \
        > "$WORK/apt-download.log" 2>&1; then
    pass "apt resolved Depends: $(dpkg-deb -f "$DEB" Depends) from Debian (new in the root: $(cat "$ROOT/root/deps"))"
else
    tail -5 "$WORK/apt-download.log" >&2
    die "apt-get --download-only in the container root (log: $WORK/apt-download.log)"
fi

# --- boot ----------------------------------------------------------------------------------------------------------
log "booting the container: systemd-nspawn --boot --private-network"
rm -f "$WORK/nspawn.pid"
nspawn --boot --private-network --console=passive > "$WORK/nspawn.log" 2>&1 &
find_leader() {
    NSPAWN_PID=$(cat "$WORK/nspawn.pid" 2>/dev/null)
    [ -n "$NSPAWN_PID" ] && [ "$(cat "/proc/$NSPAWN_PID/comm" 2>/dev/null)" = systemd-nspawn ] || return 1
    LEADER=$(pgrep -P "$NSPAWN_PID" | head -n 1)
    [ -n "$LEADER" ] && [ "$(cat "/proc/$LEADER/comm" 2>/dev/null)" = systemd ]
}
wait_for 30 find_leader || { cat "$WORK/nspawn.log" >&2; die "systemd did not start in the container"; }
state=$(CT_TIMEOUT=90 in_ct systemctl is-system-running --wait 2>/dev/null)
case "$state" in
    running) pass "systemd $(in_ct systemctl --version | head -n 1 | cut -d' ' -f2) booted as PID 1 in the container (state $state)" ;;
    *) fail "the container booted to state '$state' (failed units: $(in_ct systemctl --failed --plain --no-legend | cut -d' ' -f1 | tr '\n' ' '))" ;;
esac

# --- install -------------------------------------------------------------------------------------------------------
log "apt-get install /root/hoistwatch.deb (inside the booted container)"
if in_ct apt-get install -y -q /root/hoistwatch.deb > "$WORK/install.log" 2>&1; then
    pass "apt-get install $VERSION"
else
    tail -5 "$WORK/install.log" >&2
    die "apt-get install (log: $WORK/install.log)"
fi
log "apt-get install mosquitto mosquitto-clients (the broker the agent will publish to)"
if in_ct apt-get install -y -q mosquitto mosquitto-clients > "$WORK/mosquitto.log" 2>&1; then
    pass "apt-get install mosquitto mosquitto-clients"
else
    die "apt-get install mosquitto (log: $WORK/mosquitto.log)"
fi
check "mosquitto runs in the container" wait_for 20 in_ct systemctl is-active --quiet mosquitto.service
check "the unit is enabled" test "$(in_ct systemctl is-enabled hoistwatch.service)" = enabled
check "the unit is not started on a first install" test "$(in_ct systemctl is-active hoistwatch.service)" = inactive
user_made() { in_ct getent passwd hoistwatch >/dev/null && in_ct getent group hoistwatch >/dev/null; }
check "user and group hoistwatch exist" user_made
check "/etc/hoistwatch is root:hoistwatch 750, site.toml root:hoistwatch 640, /var/lib/hoistwatch hoistwatch 700" \
    test "$(in_ct stat -c '%U:%G:%a' /etc/hoistwatch /etc/hoistwatch/site.toml /var/lib/hoistwatch | tr '\n' ' ')" \
    = "root:hoistwatch:750 root:hoistwatch:640 hoistwatch:hoistwatch:700 "
verify_out=$(in_ct systemd-analyze verify /lib/systemd/system/hoistwatch.service 2>&1)
check "systemd-analyze verify hoistwatch.service: no complaint${verify_out:+ (got: $verify_out)}" test -z "$verify_out"
warnings=$(in_ct journalctl -b --no-pager -o cat | grep -E 'hoistwatch\.service:[0-9]+: ' | sort -u)
check "systemd logged no warning about the unit file${warnings:+ (got: $warnings)}" test -z "$warnings"

# --- configure: board = "sim", the example calibration, the container's mosquitto ------------------------------------
log "configuring /etc/hoistwatch/site.toml: board sim, Calibration/elevator-example.toml, broker 127.0.0.1:1883"
in_ct install -m 0640 -o root -g hoistwatch /usr/share/hoistwatch/Calibration/elevator-example.toml \
    /etc/hoistwatch/calibration.toml
# Written through the existing file, so that it keeps the mode and owner the package gave it.
write_site() {
    in_ct sh -c 'cat > /etc/hoistwatch/site.toml' <<'SITE'
# Written by packaging/verify-systemd.sh.
device_id = "37010000000000000001"
board = "sim"
calibration = "calibration.toml"
status_interval_s = 5

[broker]
host = "127.0.0.1"
port = 1883

[sim]
# An overspeed raised and cleared every few seconds (10 plant seconds per wall-clock second, looped).
scenario = "/usr/share/hoistwatch/Scenarios/elevator-overspeed.toml"
loop = true
time_scale = 10
SITE
}
write_site
check "hoistwatch check, run as user hoistwatch, accepts the config" \
    in_ct runuser -u hoistwatch -- hoistwatch check --config /etc/hoistwatch/site.toml
site_sum=$(in_ct md5sum /etc/hoistwatch/site.toml)

# A persistent QoS 1 subscriber for the whole run, as a transient service of the container's systemd.
in_ct systemd-run --quiet --unit=verify-sub -p StandardOutput=file:/var/log/verify-sub.log \
    mosquitto_sub -h 127.0.0.1 -q 1 -c -i verify-sub -v -t 'hoistwatch/v1/#'
wait_for 10 in_ct systemctl is-active --quiet verify-sub.service || fail "the verification's MQTT subscriber did not start"

# --- start ---------------------------------------------------------------------------------------------------------
log "systemctl start hoistwatch"
if CT_TIMEOUT=100 in_ct systemctl start hoistwatch.service; then
    pass "systemctl start returned 0 (Type=notify: the start job waits for READY=1)"
else
    in_ct journalctl -u hoistwatch -n 20 --no-pager >&2
    die "systemctl start hoistwatch"
fi
status=$(in_ct systemctl status hoistwatch.service --no-pager 2>&1)
check "systemctl status shows active (running)" grep -q 'Active: active (running)' <<< "$status"
check "Type=notify, NotifyAccess=main, WatchdogUSec=30s" \
    test "$(unit_prop Type)/$(unit_prop NotifyAccess)/$(unit_prop WatchdogUSec)" = "notify/main/30s"
journal_has() { in_ct journalctl -u hoistwatch.service --no-pager -o cat | grep -q -- "$1"; }
check "the agent logged 'agent running' (it sends READY=1 then)" journal_has 'agent running'
sub_has() { in_ct grep -q -- "$1" /var/log/verify-sub.log; }
check "a status message arrived over MQTT" wait_for 30 sub_has '/status {"schema":"hoistwatch.status/1"'
check "an overspeed event arrived over MQTT (mosquitto_sub)" wait_for 60 sub_has '/event {.*"type":"overspeed"'

# --- the sandbox ---------------------------------------------------------------------------------------------------
log "the sandbox of the running agent"
pid=$(unit_prop MainPID)
uid=$(in_ct id -u hoistwatch)
gid=$(in_ct id -g hoistwatch)
proc_status=$(in_ct cat "/proc/$pid/status" | tr -s '\t' ' ')
confined() {
    grep -q "^Uid: $uid $uid $uid $uid" <<< "$proc_status" && grep -q '^CapEff: 0000000000000000' <<< "$proc_status" &&
        grep -q '^CapBnd: 0000000000000000' <<< "$proc_status" && grep -q '^NoNewPrivs: 1' <<< "$proc_status" &&
        grep -q '^Seccomp: 2' <<< "$proc_status"
}
check "the agent runs as user hoistwatch with no capabilities, NoNewPrivs and a seccomp filter" confined
# Every directory and file the agent's user can write, seen from the agent's mount namespace (access(2) counts
# read-only mounts), /proc and /sys and the device nodes aside.
writable=$(in_ct nsenter -t "$pid" -m -S "$uid" -G "$gid" find / \( -path /proc -o -path /sys \) -prune -o \
    -writable \( -type d -o -type f \) -print 2>/dev/null | grep -v '^/var/lib/hoistwatch/' | sort | tr '\n' ' ')
check "the agent can write only /var/lib/hoistwatch and its private /tmp, /var/tmp (found: $writable)" \
    test "$writable" = "/tmp /var/lib/hoistwatch /var/tmp "
in_ct sh -c 'echo host > /tmp/verify-marker && echo host > /var/tmp/verify-marker'
check "its /tmp and /var/tmp are private (PrivateTmp)" \
    in_ct nsenter -t "$pid" -m sh -c '! test -e /tmp/verify-marker && ! test -e /var/tmp/verify-marker'
info() { printf 'INFO: %s\n' "$*"; }
info "oom_score_adj of the agent: $(in_ct cat "/proc/$pid/oom_score_adj") (OOMScoreAdjust=-500; systemd carries on when it may not lower it)"
check "its state is in StateDirectory=/var/lib/hoistwatch (outbox.db, diag.sock, owned by hoistwatch)" \
    test "$(in_ct stat -c '%U %n' /var/lib/hoistwatch/outbox.db /var/lib/hoistwatch/diag.sock | tr '\n' ' ')" \
    = "hoistwatch /var/lib/hoistwatch/outbox.db hoistwatch /var/lib/hoistwatch/diag.sock "
diag_answers() {
    in_ct runuser -u hoistwatch -- hoistwatch diag --json --config /etc/hoistwatch/site.toml |
        grep -q '"schema":"hoistwatch.diag/1"'
}
check "hoistwatch diag (as user hoistwatch) reaches the agent through /var/lib/hoistwatch/diag.sock" diag_answers
# The resident set trim (20 s after the start) under the unit's sandbox: madvise and malloc_trim are allowed, the
# agent lives on, and its RSS afterwards is what idle service uses.
if wait_for 40 journal_has 'resident set trimmed'; then
    pass "the resident set trim ran under the sandbox ($(in_ct journalctl -u hoistwatch.service --no-pager -o cat |
        grep -m1 -o 'rss_after_kb=[0-9]* rss_before_kb=[0-9]*'))"
else
    fail "no 'resident set trimmed' in the journal within 40 s"
fi
check "the agent is still the same process after the trim" test "$(unit_prop MainPID)" = "$pid"
info "RSS of the agent after the trim: $(in_ct grep VmRSS "/proc/$pid/status" | tr -s ' \t' ' ')"

# --- the watchdog --------------------------------------------------------------------------------------------------
log "kill -STOP the agent (pid $pid in the container): the watchdog (WatchdogSec=30) must kill and restart it"
restarts=$(unit_prop NRestarts)
in_ct sh -c "kill -STOP $pid"   # the shell's kill: minbase has no procps
stopped_at=$SECONDS
restarted() { [ "$(unit_prop NRestarts)" -gt "$restarts" ] && [ "$(unit_prop MainPID)" != "$pid" ] &&
    [ "$(unit_prop MainPID)" != 0 ] && [ "$(unit_prop ActiveState)" = active ]; }
if wait_for 80 restarted; then
    pass "restarted $((SECONDS - stopped_at)) s after SIGSTOP: NRestarts $restarts -> $(unit_prop NRestarts), MainPID $pid -> $(unit_prop MainPID)"
else
    fail "no watchdog restart within 80 s of SIGSTOP (NRestarts $(unit_prop NRestarts), MainPID $(unit_prop MainPID))"
fi
check "the journal shows the watchdog timeout and the SIGABRT" bash -c \
    'grep -q "Watchdog timeout" <<< "$0" && grep -q "Killing process $1 (hoistwatch) with signal SIGABRT" <<< "$0"' \
    "$(in_ct journalctl -u hoistwatch.service --no-pager -o cat)" "$pid"
cores=$(in_ct find / -xdev -type f \( -name core -o -name 'core.[0-9]*' \) 2>/dev/null | tr '\n' ' ')
check "the SIGABRT left no core file${cores:+ (found: $cores)}" test -z "$cores"
events_before=$(in_ct grep -c '/event {' /var/log/verify-sub.log)
more_events() { [ "$(in_ct grep -c '/event {' /var/log/verify-sub.log)" -gt "$events_before" ]; }
check "events arrive again after the restart" wait_for 60 more_events

# --- a refused config: exit status 2, no restart -------------------------------------------------------------------
log "a refused config (invalid device_id): exit status 2 must stop the unit in the failed state, without restarts"
in_ct cp -p /etc/hoistwatch/site.toml /root/site.toml.good
in_ct sed -i 's/^device_id = .*/device_id = "not valid!"/' /etc/hoistwatch/site.toml
# systemd zeroes NRestarts at the first start after a stop it did not follow with a restart (here the manual
# restart): count its automatic restarts in the journal instead.
auto_restarts() { in_ct journalctl -u hoistwatch.service --no-pager -o cat | grep -c 'Scheduled restart job'; }
restarts=$(auto_restarts)
in_ct systemctl restart hoistwatch.service >/dev/null 2>&1
unit_failed() { [ "$(in_ct systemctl is-active hoistwatch.service)" = failed ]; }
wait_for 20 unit_failed
sleep 5   # RestartSec=2: a restart, if any, would have happened by now
refused="$(unit_prop ActiveState), exit status $(unit_prop ExecMainStatus), $(( $(auto_restarts) - restarts )) restarts"
check "stopped in the failed state with exit status 2 and not restarted (got: $refused)" \
    test "$refused" = "failed, exit status 2, 0 restarts"
check "the journal names the refused key" journal_has "key 'device_id'"
in_ct mv /root/site.toml.good /etc/hoistwatch/site.toml
in_ct systemctl reset-failed hoistwatch.service
CT_TIMEOUT=100 in_ct systemctl start hoistwatch.service || fail "start again after restoring the config"

# --- upgrade -------------------------------------------------------------------------------------------------------
log "upgrade to ${VERSION}+verify1 with apt while the agent runs: postinst must try-restart it, keeping the config"
pid=$(unit_prop MainPID)
if in_ct apt-get install -y -q /root/hoistwatch-upgrade.deb > "$WORK/upgrade.log" 2>&1; then
    pass "apt-get install ${VERSION}+verify1 (upgrade)"
else
    tail -5 "$WORK/upgrade.log" >&2
    fail "apt-get install of the upgrade (log: $WORK/upgrade.log)"
fi
check "the agent was restarted (MainPID $pid -> $(unit_prop MainPID)) and is active" \
    sh -c '[ "$0" != "$1" ] && [ "$2" = active ]' "$pid" "$(unit_prop MainPID)" "$(unit_prop ActiveState)"
check "the edited site.toml was kept, still root:hoistwatch 640" sh -c '[ "$0" = "$1" ] && [ "$2" = root:hoistwatch:640 ]' \
    "$site_sum" "$(in_ct md5sum /etc/hoistwatch/site.toml)" "$(in_ct stat -c %U:%G:%a /etc/hoistwatch/site.toml)"

# --- stop ----------------------------------------------------------------------------------------------------------
log "systemctl stop hoistwatch: a graceful shutdown, exit status 0, everything stored delivered"
sleep 3
CT_TIMEOUT=40 in_ct systemctl stop hoistwatch.service
check "stopped with Result=success, exit status 0" test \
    "$(unit_prop Result)/$(unit_prop ExecMainCode)/$(unit_prop ExecMainStatus)" = "success/1/0"
check "the agent logged its orderly stop ('shutting down' ... 'stopped')" bash -c \
    'grep -q "shutting down" <<< "$0" && grep -q "\[hoistwatch\] stopped" <<< "$0"' \
    "$(in_ct journalctl -u hoistwatch --no-pager -o cat -n 20)"
last_seq=$(in_ct journalctl -u hoistwatch --no-pager -o cat | sed -n 's/.* seq=\([0-9]*\) .*event stored.*/\1/p' | tail -n 1)
check "the last stored event (seq $last_seq) reached the subscriber before the agent exited" \
    in_ct grep -q "/event {.*\"seq\":${last_seq:-none}," /var/log/verify-sub.log
retained=$(in_ct timeout 10 mosquitto_sub -h 127.0.0.1 -t 'hoistwatch/v1/+/status' -C 1 -W 8 2>/dev/null)
check "the retained status is now offline (online false, kind will)" \
    grep -q '"online":false,"kind":"will"' <<< "$retained"

# --- remove, purge -------------------------------------------------------------------------------------------------
log "apt-get remove while the agent runs (prerm stops it), then apt-get purge"
CT_TIMEOUT=100 in_ct systemctl start hoistwatch.service || fail "start before remove"
# An administrator's file in /etc/hoistwatch, owned by the service user: purge must give it to root.
in_ct sh -c 'echo secret > /etc/hoistwatch/password && chown hoistwatch:hoistwatch /etc/hoistwatch/password &&
    chmod 600 /etc/hoistwatch/password'
if in_ct apt-get remove -y -q hoistwatch > "$WORK/remove.log" 2>&1; then pass "apt-get remove"; else fail "apt-get remove (log: $WORK/remove.log)"; fi
no_agent_left() {
    [ "$(in_ct systemctl is-active hoistwatch.service)" = inactive ] &&
        ! in_ct sh -c 'grep -qx hoistwatch /proc/[0-9]*/comm 2>/dev/null'
}
check "the agent is stopped and no hoistwatch process is left" no_agent_left
removed_not_purged() {
    [ "$(unit_prop LoadState)" = masked ] && in_ct getent passwd hoistwatch >/dev/null && [ -d "$ROOT/var/lib/hoistwatch" ]
}
check "the unit is masked, the user and /var/lib/hoistwatch kept (remove, not purge)" removed_not_purged
if in_ct apt-get purge -y -q hoistwatch > "$WORK/purge.log" 2>&1; then pass "apt-get purge"; else fail "apt-get purge (log: $WORK/purge.log)"; fi
purged() { ! in_ct dpkg-query -W hoistwatch >/dev/null 2>&1; }
check "the package is gone from dpkg's database" purged
unit_gone() {
    [ "$(unit_prop LoadState)" = not-found ] && [ ! -e "$ROOT/etc/systemd/system/hoistwatch.service" ] &&
        [ ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/hoistwatch.service" ]
}
check "the unit is unknown to systemd, neither masked nor enabled" unit_gone
user_gone() { ! in_ct getent passwd hoistwatch >/dev/null && ! in_ct getent group hoistwatch >/dev/null; }
check "user and group hoistwatch removed" user_gone
check "/var/lib/hoistwatch removed" test ! -e "$ROOT/var/lib/hoistwatch"
check "the administrator's files in /etc/hoistwatch kept, given to root (calibration.toml, password)" test \
    "$(in_ct stat -c '%U:%G:%a %n' /etc/hoistwatch/calibration.toml /etc/hoistwatch/password | tr '\n' ' ')" \
    = "root:root:640 /etc/hoistwatch/calibration.toml root:root:600 /etc/hoistwatch/password "
orphans=$(in_ct find / -xdev \( -nouser -o -nogroup \) -print 2>/dev/null | head -n 5 | tr '\n' ' ')
check "no file owned by a removed user or group${orphans:+ (found: $orphans)}" test -z "$orphans"
# --- install again after the purge ----------------------------------------------------------------------------------
log "apt-get install again after the purge: the agent must reach what the purge left in /etc/hoistwatch"
if in_ct apt-get install -y -q /root/hoistwatch.deb > "$WORK/reinstall.log" 2>&1; then
    pass "apt-get install $VERSION after the purge"
else
    fail "apt-get install after the purge (log: $WORK/reinstall.log)"
fi
check "/etc/hoistwatch is root:hoistwatch 750 again (purge had given it to root)" \
    test "$(in_ct stat -c %U:%G:%a /etc/hoistwatch)" = root:hoistwatch:750
# What the administrator does after a reinstall: the site config again (the package's example came back), the
# calibration given back to the agent's group (purge gave it to root).
write_site
in_ct chgrp hoistwatch /etc/hoistwatch/calibration.toml
check "hoistwatch check, as user hoistwatch, accepts the config after the reinstall" \
    in_ct runuser -u hoistwatch -- hoistwatch check --config /etc/hoistwatch/site.toml
if CT_TIMEOUT=100 in_ct systemctl start hoistwatch.service && [ "$(unit_prop SubState)" = running ]; then
    pass "the agent runs again after the reinstall"
else
    fail "the agent does not start after the reinstall: $(in_ct journalctl -u hoistwatch.service -n 3 --no-pager -o cat | tr '\n' ' ')"
fi
if in_ct apt-get purge -y -q hoistwatch > "$WORK/purge2.log" 2>&1 && purged && user_gone; then
    pass "apt-get purge again: package, user and group gone"
else
    fail "the second purge (log: $WORK/purge2.log)"
fi

failed_units=$(in_ct systemctl --failed --plain --no-legend | cut -d' ' -f1 | tr '\n' ' ')
check "no failed unit in the container${failed_units:+ (found: $failed_units)}" test -z "$failed_units"

log "done: $FAILURES failed checks"

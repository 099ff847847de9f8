#!/bin/sh
# Runs a command chrooted in a Debian root made by packaging/debian-root.sh, in a mount namespace of its own: /proc,
# /sys, /dev (and /dev/pts) and, with IN_ROOT_BIND="HOSTDIR[:ROOTDIR] ...", other host folders are mounted for the
# command and vanish with it, so nothing is left mounted on the host, also after a failure or Ctrl-C.
# The environment is a clean one (PATH, LC_ALL=C.UTF-8, HOME=/root, DEBIAN_FRONTEND=noninteractive, and
# IN_ROOT_ENV="NAME=VALUE ..."). IN_ROOT_CWD is the folder inside the root the command starts in (default /).
#
# Usage: packaging/in-root.sh ROOT COMMAND [ARGUMENT...]
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 ROOT COMMAND [ARGUMENT...]" >&2
    exit 2
fi
root=$(cd "$1" && pwd)
shift
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare --mount --propagation private sh -c '
    root=$1; shift
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    # sysfs: libgpiod 2 tells a GPIO chip from another character device by its /sys entry.
    mount -t sysfs sysfs "$root/sys"
    for pair in ${IN_ROOT_BIND:-}; do
        host=${pair%%:*}; inside=${pair#*:}
        mkdir -p "$root$inside"
        mount --bind "$host" "$root$inside"
    done
    # shellcheck disable=SC2086 # one NAME=VALUE per word
    exec chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
        HOME=/root DEBIAN_FRONTEND=noninteractive ${IN_ROOT_ENV:-} sh -c "cd \"\$0\" && exec \"\$@\"" \
        "${IN_ROOT_CWD:-/}" "$@"' sh "$root" "$@"

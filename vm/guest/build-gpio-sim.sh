#!/bin/sh
# Runs inside the VM's root (vm/make-root.sh): builds gpio-sim.ko out of tree against the root's kernel headers,
# from the sources of Debian's linux-source-6.12 copied beside this script, with the two adjustments Debian's
# kernel needs (issue 13):
#  - kernel/irq/irq_sim.c is compiled into the module (CONFIG_IRQ_SIM is off, so the kernel lacks it);
#  - irq_sim.c's handle_simple_irq(irq_to_desc(irq)) becomes generic_handle_irq(irq) (6.12 names the variable
#    irqnum): irq_to_desc is not
#    exported to modules, generic_handle_irq is (and calls the same flow handler for this domain's interrupts).
# Installs it as /lib/modules/KVER/updates/gpio-sim.ko and runs depmod; with DEST, copies it to DEST instead (the
# CI VM of vm/ci-vm.sh builds it on the host, against the host's linux-headers-KVER, and installs nothing).
# Usage (in the root): sh build-gpio-sim.sh KVER [DEST]
set -eu
kver=$1 dest=${2:-}
cd "$(dirname "$0")"
grep -q 'handle_simple_irq(irq_to_desc([a-z]*))' irq_sim.c ||
    { echo "error: irq_sim.c has no handle_simple_irq(irq_to_desc(...)) to replace: another kernel source?" >&2; exit 1; }
sed -i 's/handle_simple_irq(irq_to_desc(\([a-z]*\)))/generic_handle_irq(\1)/' irq_sim.c
grep -n 'generic_handle_irq' irq_sim.c
mv gpio-sim.c gpio-sim-main.c
printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' > Kbuild
make -s -C "/usr/src/linux-headers-$kver" M="$PWD" modules
if [ -n "$dest" ]; then
    install -m 0644 gpio-sim.ko "$dest"
    exit 0
fi
mkdir -p "/lib/modules/$kver/updates"
install -m 0644 gpio-sim.ko "/lib/modules/$kver/updates/gpio-sim.ko"
depmod -a "$kver"
modinfo "/lib/modules/$kver/updates/gpio-sim.ko" | grep -E '^(filename|vermagic|depends)'

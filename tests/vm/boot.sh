#!/bin/bash
# Boot one kernel with the vmtest initramfs under qemu TCG and record its
# serial console.  Exit status: qemu's, or 124 when the guest overran TIMEOUT
# seconds and was killed.
#
# usage: boot.sh VMLINUX INITRAMFS CONSOLE_LOG TIMEOUT [EXTRA_CMDLINE]
#
# The machine's /dev/kvm is PVM (kvm_pvm), which cannot run stock kernels, so
# this always uses TCG; thread=single avoids a rare early-boot oops of
# multi-threaded TCG on 6.12 and lets two guests share the 2 host cores.  The
# uncompressed vmlinux boots through its PVH note (-kernel ELF).  The boot
# log goes to the console (it is the only clue when a boot hangs); /init
# silences the kernel once it runs.  An oops
# panics and a panic reboots, which with -no-reboot ends qemu at once;
# panic_print=0x20 replays the whole kernel log on the console first.
# no_timer_check: on a loaded host TCG runs the guest so slowly that the
# kernel's IO-APIC timer check fails and panics ("IO-APIC + timer doesn't
# work!", seen with 6.12 at a host load average of 15).
set -euo pipefail

vmlinux=${1:?usage: boot.sh VMLINUX INITRAMFS CONSOLE_LOG TIMEOUT [EXTRA_CMDLINE]}
initrd=${2:?}
log=${3:?}
timeout=${4:?}
extra=${5:-}

cmdline="console=ttyS0 panic=-1 oops=panic panic_print=0x20 no_timer_check rdinit=/init $extra"

rc=0
timeout --kill-after=5 "$timeout" \
  qemu-system-x86_64 -M pc -accel tcg,thread=single -m 1024 -smp 2 \
    -nodefaults -no-user-config -display none -monitor none -nic none -no-reboot \
    -serial "file:$log" \
    -kernel "$vmlinux" -initrd "$initrd" -append "$cmdline" \
    </dev/null || rc=$?
exit "$rc"

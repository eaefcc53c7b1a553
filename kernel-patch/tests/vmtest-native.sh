#!/bin/bash
# Boot the kernel built by `make kernel` (the kernel-patch/ series) under qemu
# TCG and run the suites of kernel-patch/tests/suites/ inside it.
#
# usage: vmtest-native.sh        (kernel.mk sets the environment)
# Env: KP_OUT      build directory of the test programs (build/kernel-native)
#      KP_VMLINUX  the kernel (PVH-bootable vmlinux)
#      KP_TIMEOUT  seconds the guest may run (default 300)
#      KP_BPFTOOL  a bpftool with the bpftool-patch/ series, or empty
#      KP_URINGDUMP   uringdump (default build/uringdump), KP_WORKLOADS its
#                     static workloads (default build/workloads-static),
#                     KP_NATIVE_OBJS the per-target objects of bpf/ (default
#                     build/native): the 20-uringdump suite; missing ones
#                     make it skip
#
# The guest image is made and booted by the tests/vm/ harness
# (mkinitramfs.sh, boot.sh, collect.py); this script only chooses what goes
# in it: /init (init-native.sh), /t/suites/*, /t/native-test,
# /t/ring-lock-holder, /t/bpf/*.bpf.o, /t/bpf/native/*.bpf.o, /t/bpftool,
# /t/uringdump, /t/workloads/{ring_basic,epoll_basic}.  Results: KP_OUT/vm/{console.log,qemu.err,files/}.
# Exit status 0 only when every check passed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vm=$(cd "$here/../../tests/vm" && pwd)
kp_out=${KP_OUT:?}
vmlinux=${KP_VMLINUX:?}
timeout=${KP_TIMEOUT:-300}
bpftool=${KP_BPFTOOL:-}
out=$kp_out/vm

say() { echo "vmtest-native: $*"; }
die() { echo "vmtest-native: error: $*" >&2; exit 1; }

for tool in qemu-system-x86_64 busybox python3; do
  command -v "$tool" >/dev/null || die "$tool missing (make deps)"
done
[[ -s $vmlinux ]] || die "no kernel at $vmlinux (make kernel)"
mkdir -p "$out"

files=("t/native-test=$kp_out/native-test" "t/ring-lock-holder=$kp_out/ring-lock-holder")
for o in iters-buf iters-file iters-epoll; do
  files+=("t/bpf/$o.bpf.o=$kp_out/$o.bpf.o")
done
uringdump=${KP_URINGDUMP:-build/uringdump}
workloads=${KP_WORKLOADS:-build/workloads-static}
native_objs=${KP_NATIVE_OBJS:-build/native}
if [[ -x $uringdump ]]; then
  files+=("t/uringdump=$uringdump")
  for w in ring_basic epoll_basic; do
    [[ -x $workloads/$w ]] && files+=("t/workloads/$w=$workloads/$w")
  done
  for o in "$native_objs"/*.bpf.o; do
    [[ -f $o ]] && files+=("t/bpf/native/$(basename "$o")=$o")
  done
else
  say "no $uringdump: the uringdump suite is skipped"
fi
# The kernel's config as /boot/config-RELEASE (it has no /proc/config.gz):
# uringdump reads CONFIG_HZ there, without which a SQPOLL ring's idle time
# is unknown (null) in the guest.
config=$(dirname "$vmlinux")/config
release=$(grep -a -m1 -o 'Linux version [^ ]*' "$vmlinux" | cut -d' ' -f3 || true)
if [[ -s $config && -n $release ]]; then
  files+=("boot/config-$release=$config")
else
  say "no config or release for $vmlinux: SQPOLL idle times stay unknown"
fi
for s in "$here"/suites/*; do
  [[ -f $s && -x $s ]] && files+=("t/suites/$(basename "$s")=$s")
done
if [[ -n $bpftool ]]; then
  [[ -x $bpftool ]] || die "KP_BPFTOOL=$bpftool is not an executable"
  files+=("t/bpftool=$bpftool")
  say "bpftool: $bpftool"
else
  say "no patched bpftool (make bpftool): its checks are skipped"
fi
"$vm/mkinitramfs.sh" "$out/initramfs.cpio" "$here/init-native.sh" "${files[@]}"

say "booting $vmlinux"
t0=$SECONDS
rc=0
"$vm/boot.sh" "$vmlinux" "$out/initramfs.cpio" "$out/console.log" "$timeout" \
  2> "$out/qemu.err" || rc=$?
say "guest finished in $((SECONDS - t0)) s (qemu exit status $rc)"
python3 "$vm/collect.py" "$out/console.log" "$out/files"
[[ -s $out/qemu.err ]] && sed 's/^/   qemu: /' "$out/qemu.err"
python3 "$here/judge-native.py" --dir "$out/files" --console "$out/console.log" \
  --boot-rc "$rc" --timeout "$timeout"

#!/bin/bash
# Run uringdump's dump tests inside Debian's stock kernels under qemu TCG.
#
# usage: vmtest.sh [--fetch-only]
# Environment (vm.mk sets these):
#   KERNELS       kernel lines to test (default "6.1 6.12 newest"): X.Y, or
#                 "newest" (the newest line of trixie-backports, and of sid
#                 when that is another line), or a major such as 7 (the same
#                 among 7.x); fetch-kernel.sh --lines says which
#   VM_CACHE      download cache, outside the clone (default /var/cache/uringdump-vm)
#   VM_TIMEOUT    seconds one guest may run before it is killed (default 600)
#   VM_JOBS       guests run side by side (default 2)
#   VM_OUT        results: VM_OUT/<kernel>/{console.log,files...} (default build/vm)
#   VM_URINGDUMP  the uringdump binary to test (default build/uringdump)
#   VM_WORKLOADS  directory of static workloads (default build/workloads-static)
#   VM_PROBE      the static guest probe (default VM_OUT/vm-probe)
#   VM_COMPARE    the comparator (default tests/e2e/compare.py)
# Exit status 0 only when every test on every kernel passed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kernels=${KERNELS:-6.1 6.12 newest}
cache=${VM_CACHE:-/var/cache/uringdump-vm}
timeout=${VM_TIMEOUT:-600}
jobs=${VM_JOBS:-2}
out=${VM_OUT:-build/vm}
uringdump=${VM_URINGDUMP:-build/uringdump}
workloads=${VM_WORKLOADS:-build/workloads-static}
probe=${VM_PROBE:-$out/vm-probe}
compare=${VM_COMPARE:-tests/e2e/compare.py}

say() { echo "vmtest: $*"; }
die() { echo "vmtest: error: $*" >&2; exit 1; }

# Tokens such as "newest" name the lines Debian publishes now.
lines=()
for t in $kernels; do
  l=$("$here/fetch-kernel.sh" --lines "$t") || die "cannot tell which kernels '$t' means"
  [[ $t == "$l" ]] || say "$t: $l"
  # shellcheck disable=SC2206  # split the list
  lines+=($l)
done
kernels=$(printf '%s\n' "${lines[@]}" | awk 'NF && !seen[$0]++' | tr '\n' ' ')
[[ $kernels =~ [^[:space:]] ]] || die "KERNELS is empty"
mkdir -p "$cache" "$out" || die "cannot create $cache (VM_CACHE) or $out"

# 1. Kernels: every one must be fetched; one that cannot be is an error.
declare -A vmlinux
start=$SECONDS
for k in $kernels; do
  vmlinux[$k]=$("$here/fetch-kernel.sh" "$k" "$cache") || die "cannot fetch kernel $k"
  say "kernel $k: ${vmlinux[$k]}"
done
say "kernels ready in $((SECONDS - start)) s"
[[ ${1:-} == --fetch-only ]] && exit 0

# 2. The initramfs: init, kernel configs, probe, uringdump, workloads (as
#    workloads.conf says).
for tool in qemu-system-x86_64 busybox; do
  command -v "$tool" >/dev/null || die "$tool missing (make deps)"
done
files=("t/workloads.conf=$here/workloads.conf")
# /boot/config-RELEASE as on an installed system (uringdump reads CONFIG_HZ there).
for k in $kernels; do
  for c in "$(dirname "${vmlinux[$k]}")"/config-*; do
    [[ -f $c ]] && files+=("boot/$(basename "$c")=$c")
  done
done
have_probe=
if [[ -x $probe ]]; then files+=("t/vm-probe=$probe"); have_probe=--probe; fi
have_ud=
if [[ -x $uringdump ]]; then
  files+=("t/uringdump=$uringdump")
  have_ud=--uringdump
else
  say "warning: no $uringdump: the guests only check that the workloads run"
fi
# checkpoint/restore's probe of a holder's memory (a tool, not a workload)
if [[ -x $workloads/cr_check ]]; then files+=("t/cr_check=$workloads/cr_check"); fi
wl_names=()
for w in "$workloads"/*; do
  [[ -f $w && -x $w ]] || continue
  name=$(basename "$w")
  case $name in probe|kernel|*[!A-Za-z0-9_.+-]*)
    say "warning: workload name '$name' is reserved or unusable: skipped"; continue ;;
  esac
  if grep -qE "^${name}[[:space:]]+skip([[:space:]]|$)" "$here/workloads.conf"; then continue; fi
  files+=("t/workloads/$name=$w")
  wl_names+=("$name")
done
[[ ${#wl_names[@]} -gt 0 ]] || say "warning: no workloads in $workloads"
# Run order: workloads.conf's (heavier) ones last, so that a slow one cannot
# starve the others of the guest's time budget.
conf_names=$(awk '/^[A-Za-z0-9_.+-]/ {print $1}' "$here/workloads.conf")
ordered=()
for n in "${wl_names[@]}"; do grep -qxF "$n" <<<"$conf_names" || ordered+=("$n"); done
for n in $conf_names; do
  for m in "${wl_names[@]}"; do [[ $m == "$n" ]] && ordered+=("$n"); done
done
wl_names=("${ordered[@]}")
printf '%s\n' "${wl_names[@]}" > "$out/workloads.list"
files+=("t/workloads.list=$out/workloads.list")
initrd=$out/initramfs.cpio
"$here/mkinitramfs.sh" "$initrd" "$here/init.sh" "${files[@]}"

# 3. Boot the guests, VM_JOBS at a time; each one's console goes to a file.
boot_one() {   # boot_one KERNEL
  local k=$1 d=$out/$1 t0=$SECONDS rc=0
  rm -rf "$d" && mkdir -p "$d"
  # The guest stops starting tests at ud_budget (its uptime) so that its
  # results reach the host before the timeout kills it.
  "$here/boot.sh" "${vmlinux[$k]}" "$initrd" "$d/console.log" "$timeout" \
    "ud_budget=$budget" 2> "$d/qemu.err" || rc=$?
  echo "$rc" > "$d/boot.rc"
  python3 "$here/collect.py" "$d/console.log" "$d/files"
  echo "$((SECONDS - t0))" > "$d/boot.secs"
  say "guest $k finished in $((SECONDS - t0)) s (qemu exit status $rc)"
}
budget=$((timeout > 60 ? timeout - 30 : timeout / 2))
start=$SECONDS
running=0
for k in $kernels; do
  if (( running >= jobs )); then wait -n || true; running=$((running - 1)); fi
  say "booting $k"
  boot_one "$k" &
  running=$((running + 1))
done
wait
say "guests done in $((SECONDS - start)) s"

# 4. Judge each guest, then one table for all.
status=0
for k in $kernels; do
  d=$out/$k
  echo "== $k"
  if [[ -s $d/qemu.err ]]; then sed 's/^/   qemu: /' "$d/qemu.err"; fi
  python3 "$here/judge.py" --kernel "$k" --dir "$d/files" --console "$d/console.log" \
    --boot-rc "$(cat "$d/boot.rc")" --timeout "$timeout" --compare "$compare" \
    $have_ud $have_probe "${wl_names[@]}" || status=1
done

total_p=0 total_f=0
echo
printf '%-7s %-26s %-18s %-17s %7s %7s %7s\n' kernel release debian suite guest_s passed failed
for k in $kernels; do
  label=$k release='?' p=0 f=1
  if [[ -s $out/$k/files/_summary.tsv ]]; then
    IFS=$'\t' read -r label release p f < "$out/$k/files/_summary.tsv"
  fi
  kdir=$(dirname "${vmlinux[$k]}")
  pkg=$(basename "$kdir")
  suite=$(cat "$kdir/suite" 2>/dev/null || true)
  case $k in 6.1) suite=system ;; 6.12) suite=trixie ;; esac
  [[ $suite == system ]] && suite=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
  printf '%-7s %-26s %-18s %-17s %7s %7s %7s\n' "$label" "$release" "${pkg##*_}" "${suite:-?}" \
    "$(cat "$out/$k/boot.secs" 2>/dev/null || echo '?')" "$p" "$f"
  total_p=$((total_p + p)) total_f=$((total_f + f))
done
say "consoles and result files are in $out/<kernel>/"
echo "vmtest: $total_p passed, $total_f failed"
(( total_f == 0 && total_p > 0 )) || status=1
exit $status

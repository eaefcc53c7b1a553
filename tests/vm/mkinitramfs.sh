#!/bin/bash
# Build the vmtest guest's initramfs (uncompressed newc cpio: the kernel
# unpacks it faster than a compressed one under TCG).
#
# usage: mkinitramfs.sh OUT INIT [DEST=SRC]...
#   INIT      the guest's /init script
#   DEST=SRC  copy the file SRC to /DEST in the image (e.g. t/uringdump=build/uringdump)
#
# Contents: busybox (busybox-static) as /bin/busybox, INIT as /init, the
# guests' shared /init functions as /lib/guest-lib.sh, every DEST=SRC.  Dynamically linked ELF files get their shared libraries (ldd) in
# /lib/x86_64-linux-gnu and their loader at its PT_INTERP path, so a
# non-static binary runs too.
set -euo pipefail

out=${1:?usage: mkinitramfs.sh OUT INIT [DEST=SRC]...}
init=${2:?usage: mkinitramfs.sh OUT INIT [DEST=SRC]...}
shift 2

busybox=$(command -v busybox || true)
[[ -n $busybox ]] || { echo "mkinitramfs: busybox missing (package busybox-static)" >&2; exit 1; }
if readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
  echo "mkinitramfs: $busybox is not static (install busybox-static)" >&2
  exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,t,lib/x86_64-linux-gnu}
cp "$busybox" "$root/bin/busybox"
install -m 0755 "$init" "$root/init"
install -m 0644 "$(dirname "$0")/guest-lib.sh" "$root/lib/guest-lib.sh"
mknod "$root/dev/console" c 5 1 2>/dev/null || true

add_libs() {   # add_libs ELF: copy its shared libraries and loader
  local line lib interp
  interp=$(readelf -l "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p' || true)
  [[ -n $interp ]] || return 0
  mkdir -p "$root$(dirname "$interp")"
  cp -L "$interp" "$root$interp"
  while read -r line; do
    lib=$(awk '$2 == "=>" && $3 ~ /^\// {print $3}' <<<"$line")
    if [[ -n $lib ]]; then cp -L "$lib" "$root/lib/x86_64-linux-gnu/"; fi
  done < <(ldd "$1")
}

for spec in "$@"; do
  dest=${spec%%=*}
  src=${spec#*=}
  [[ -f $src ]] || { echo "mkinitramfs: $src: no such file" >&2; exit 1; }
  mkdir -p "$root/$(dirname "$dest")"
  cp -L "$src" "$root/$dest"
  add_libs "$src"
done

tmp=$out.tmp
(cd "$root" && find . | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) > "$tmp"
mv "$tmp" "$out"

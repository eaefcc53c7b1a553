#!/bin/bash
# Fetch one Debian kernel into the cache and print the path of its uncompressed
# vmlinux (PVH-bootable).  The package is unpacked with dpkg -x, never installed.
#
# usage: fetch-kernel.sh KVER CACHE      KVER: 6.1 (bookworm) or 6.12 (trixie)
#
# The .deb comes from debfetch.sh (the cache of downloaded packages shared
# with the other fetchers): 6.1 from the machine's own apt sources, 6.12 from
# trixie through a private apt state.  The newest ABI is picked, so ABI bumps
# need no change here.  Cache layout:
#   CACHE/kernels/PKG_VERSION/vmlinux  extracted kernel (+ config)
# Env: DEB_CACHE, DEB_APT_MAX_AGE (debfetch.sh)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kver=${1:?usage: fetch-kernel.sh KVER CACHE}
cache=${2:?usage: fetch-kernel.sh KVER CACHE}

log() { echo "fetch-kernel[$kver]: $*" >&2; }
die() { log "error: $*"; exit 1; }

case "$kver" in
  6.1)  suite=system; regex='^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' ;;
  6.12) suite=trixie; regex='^linux-image-6\.12\.[0-9]+\+deb13-amd64(-unsigned)?$' ;;
  *)    die "unknown kernel '$kver' (known: 6.1 6.12)" ;;
esac

read -r pkg version deb < <("$here/debfetch.sh" "$suite" --newest "$regex") ||
  die "cannot fetch a package matching $regex"
[[ -s ${deb:-} ]] || die "cannot fetch a package matching $regex"
id=${pkg}_${version}
kdir=$cache/kernels/$id

mkdir -p "$cache/kernels"
exec 9>"$cache/.lock-$kver"
flock 9

# Older ABIs of this kernel line are dead weight once a newer one is picked.
for f in "$cache"/kernels/*; do
  [[ -e $f ]] || continue
  base=$(basename "$f")
  if [[ $base != "$id" ]] && grep -qE "$regex" <<<"${base%%_*}"; then
    log "removing the superseded $base"
    rm -rf "$f"
  fi
done
if [[ -s $kdir/vmlinux ]]; then
  echo "$kdir/vmlinux"
  exit 0
fi

log "unpacking $deb"
tmp=$(mktemp -d "$cache/kernels/.x.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg -x "$deb" "$tmp/root"
vmlinuz=$(find "$tmp/root/boot" -name 'vmlinuz-*' | head -n1)
[[ -n $vmlinuz ]] || die "$deb has no boot/vmlinuz-*"
mkdir -p "$tmp/out"
"$here/extract-vmlinux.py" "$vmlinuz" "$tmp/out/vmlinux"
cp "$tmp/root/boot/"config-* "$tmp/out/" 2>/dev/null || true
rm -rf "$kdir"
mv "$tmp/out" "$kdir"
echo "$kdir/vmlinux"

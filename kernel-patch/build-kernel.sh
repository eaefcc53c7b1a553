#!/bin/bash
# Build Linux 6.12 (Debian's linux-source-6.12) with the kernel-patch/ series
# and the kernel.config fragment, cache the result, print the cached
# directory (it holds vmlinux, config, build.log, uapi/linux/bpf.h, series).
#
# usage: build-kernel.sh CACHE [--unpatched]
#
# The result is cached under CACHE/builds/KEY/, KEY being a hash of the source
# version, the series (patches 0001-*.patch, in order), the config fragment,
# the compiler and pahole versions and KEY_VERSION below (bump it when this
# script changes what it builds): an unchanged series is never rebuilt.  One incremental build tree, CACHE/work/linux, serves every
# build: the files the previous series touched are restored from the pristine
# tree (with a new mtime, so make rebuilds what depends on them) before the
# new series is applied, so a changed patch recompiles only what it changes.
# --unpatched builds without the series (a baseline).
# Env: JOBS (make -j, default nproc), KERNEL_KEEP (builds kept, default 4).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: build-kernel.sh CACHE [--unpatched]}
unpatched=${2:-}
jobs=${JOBS:-$(nproc)}
keep=${KERNEL_KEEP:-4}
fragment=$here/kernel.config
KEY_VERSION=1

log() { echo "build-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in flex bison pahole bc gcc patch; do
  command -v $tool >/dev/null || die "$tool missing (Debian packages flex bison dwarves bc gcc patch)"
done

src=$("$here/fetch-source.sh" "$cache")
version=$(basename "$(dirname "$src")")

mkdir -p "$cache/builds" "$cache/work"
exec 8>"$cache/.lock-build"
flock 8

series=()
if [[ $unpatched != --unpatched ]]; then
  for p in "$here"/[0-9][0-9][0-9][0-9]-*.patch; do
    [[ -f $p && $(basename "$p") != 0000-* ]] && series+=("$p")
  done
  [[ ${#series[@]} -gt 0 ]] || die "no patches in $here"
fi

key=$( {
  echo "source $version"
  echo "gcc $(gcc -dumpfullversion)"
  pahole --version
  echo "key $KEY_VERSION"
  sha256sum < "$fragment"
  for p in "${series[@]}"; do sha256sum < "$p"; done
} | sha256sum | cut -c1-16)
[[ $unpatched == --unpatched ]] && key=unpatched-$key
out=$cache/builds/$key
if [[ -s $out/vmlinux ]]; then
  touch "$out"   # most recently used
  echo "$out"
  exit 0
fi

# The work tree: a fresh copy for a new source version, else undo the
# previous series.
work=$cache/work/linux
state=$cache/work/state
if [[ ! -f $state || $(sed -n 1p "$state") != "$version" || ! -f $work/Makefile ]]; then
  log "copying the pristine $version tree into $work"
  rm -rf "$work" "$state"
  cp -a "$src" "$work"
  printf '%s\n\n' "$version" > "$state"
fi
while read -r f; do
  [[ -n $f ]] || continue
  if [[ -e $src/$f ]]; then cp "$src/$f" "$work/$f"; else rm -f "$work/$f"; fi
done < <(sed -n '3,$p' "$state")
printf '%s\n\n' "$version" > "$state"

touched() {   # files a patch creates, changes or deletes
  sed -n -e 's|^+++ b/||p' -e 's|^--- a/||p' "$1" | sed 's/[[:space:]].*//' | sort -u
}
for p in "${series[@]}"; do
  touched "$p" >> "$state"
  log "applying $(basename "$p")"
  patch -d "$work" -p1 -s --no-backup-if-mismatch -F0 < "$p" ||
    die "$(basename "$p") does not apply to $version"
done

# Config: tinyconfig + the fragment, redone only when it changed.
frag_sum=$(sha256sum < "$fragment")
if [[ ! -f $work/.config || ! -f $cache/work/config.sum || $(cat "$cache/work/config.sum") != "$frag_sum" ]]; then
  log "configuring (tinyconfig + $(basename "$fragment"))"
  make -C "$work" -s tinyconfig >/dev/null
  (cd "$work" && scripts/kconfig/merge_config.sh -m .config "$fragment" >/dev/null)
  make -C "$work" -s olddefconfig >/dev/null
  missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$fragment" | while read -r line; do
    grep -qxF "$line" "$work/.config" || echo "$line"
  done)
  [[ -z $missing ]] || die "options of the fragment lost by kconfig (unmet dependencies): $missing"
  echo "$frag_sum" > "$cache/work/config.sum"
fi

log "building ($version, ${#series[@]} patches, make -j$jobs); log in $work/build.log"
t0=$SECONDS
if ! make -C "$work" -j"$jobs" vmlinux > "$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  die "the kernel build failed (log: $work/build.log)"
fi
log "built in $((SECONDS - t0)) s"

tmp=$(mktemp -d "$cache/builds/.new.XXXXXX")
chmod 755 "$tmp"
# Debug sections are not needed to boot; .BTF is an allocated section and stays.
objcopy --strip-debug "$work/vmlinux" "$tmp/vmlinux"
cp "$work/.config" "$tmp/config"
# The UAPI header of this tree, for test programs built against it.
mkdir -p "$tmp/uapi/linux"
cp "$work/include/uapi/linux/bpf.h" "$tmp/uapi/linux/bpf.h"
cp "$work/build.log" "$tmp/build.log"
for p in "${series[@]}"; do basename "$p"; done > "$tmp/series"
echo "$version" > "$tmp/source-version"
rm -rf "$out"
mv "$tmp" "$out"

# Keep the most recent builds only.
ls -1dt "$cache"/builds/*/ 2>/dev/null | tail -n +"$((keep + 1))" | xargs -r rm -rf
echo "$out"

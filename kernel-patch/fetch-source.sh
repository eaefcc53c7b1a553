#!/bin/bash
# Fetch Debian's linux-source-6.12 (trixie) into the cache and print the path
# of the unpacked, pristine source tree.  The package is unpacked with dpkg -x,
# never installed.
#
# usage: fetch-source.sh CACHE
#
# The .deb comes from tests/vm/debfetch.sh (trixie through a private apt
# state; the cache of downloaded packages is shared with the bpftool series
# and the vmtest kernels).  Cache layout:
#   CACHE/src/VERSION/linux-source-6.12/     pristine tree (read-only use)
#   CACHE/source-current                     the tree picked last
# Env: KERNEL_APT_MAX_AGE  minutes during which the tree picked last is used
#                          without asking apt (default 10080, a week: the tree
#                          only needs to be some 6.12, and a new Debian
#                          revision means a kernel rebuild)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: fetch-source.sh CACHE}
max_age=${KERNEL_APT_MAX_AGE:-10080}
pkg=linux-source-6.12

log() { echo "fetch-source: $*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$cache/src"
exec 9>"$cache/.lock-source"
flock 9

current=$cache/source-current
if [[ -L $current && -f $current/Makefile && -e $cache/source-picked &&
      -z $(find "$cache/source-picked" -mmin +"$max_age") ]]; then
  readlink -f "$current"
  exit 0
fi

if ! read -r _ version deb < <("$here/../tests/vm/debfetch.sh" trixie "$pkg") || [[ ! -s ${deb:-} ]]; then
  if [[ -L $current && -f $current/Makefile ]]; then
    log "warning: cannot fetch $pkg; using $(readlink -f "$current")"
    readlink -f "$current"
    exit 0
  fi
  die "cannot fetch $pkg"
fi
tree=$cache/src/$version/$pkg
if [[ ! -f $tree/Makefile ]]; then
  log "unpacking $pkg $version"
  tmp=$(mktemp -d "$cache/src/.x.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  dpkg -x "$deb" "$tmp/root"
  tarball=$(find "$tmp/root/usr/src" -name "$pkg.tar.*" | head -n1)
  [[ -n $tarball ]] || die "$deb has no usr/src/$pkg.tar.*"
  mkdir -p "$tmp/out"
  tar -C "$tmp/out" -xf "$tarball"
  [[ -f $tmp/out/$pkg/Makefile ]] || die "$tarball does not unpack to $pkg/"
  mkdir -p "$cache/src/$version"
  rm -rf "$tree"
  mv "$tmp/out/$pkg" "$tree"
fi
# Superseded versions are dead weight.  No trailing slash in the glob: rm -rf
# of "LINK/" would delete what a symlink there points to (the tree itself).
for old in "$cache"/src/*; do
  [[ $old == "$cache/src/$version" ]] && continue
  if [[ -L $old ]]; then rm -f "$old"; else rm -rf "$old"; fi
done
ln -sfn "$tree" "$current"
touch "$cache/source-picked"
echo "$tree"

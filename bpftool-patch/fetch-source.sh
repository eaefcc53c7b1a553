#!/bin/bash
# Fetch Debian trixie's linux-source-6.12 and extract the part of the kernel
# tree the bpftool series needs into a cache outside the clone; print the path
# of the extracted (pristine, never modified) tree.
#
# usage: fetch-source.sh CACHE
#
# The .deb comes from tests/vm/debfetch.sh (trixie through a private apt
# state; the cache of downloaded packages is shared with the kernel series
# and the vmtest kernels).  Nothing is installed.  Cache layout:
#   CACHE/trees/VERSION/   the extracted subset
#   CACHE/picked           the tree picked last
# Env: BPFTOOL_APT_MAX_AGE  minutes during which the tree picked last is used
#                           without asking apt (default 10080, a week)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: fetch-source.sh CACHE}
max_age=${BPFTOOL_APT_MAX_AGE:-10080}
pkg=linux-source-6.12

log() { echo "fetch-source: $*" >&2; }
die() { log "error: $*"; exit 1; }

# What the build, checkpatch and the synctypes check need from the tree.
members=(
  tools/bpf/bpftool tools/lib/bpf tools/include tools/build tools/scripts
  tools/arch/x86/include tools/lib/str_error_r.c tools/lib/string.c
  tools/lib/ctype.c tools/lib/rbtree.c tools/lib/hweight.c tools/Makefile
  tools/testing/selftests/bpf/test_bpftool_synctypes.py
  kernel/bpf/disasm.c kernel/bpf/disasm.h
  include/uapi/linux/bpf.h scripts/bpf_doc.py
  scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
  COPYING MAINTAINERS Makefile
)

mkdir -p "$cache/trees"
exec 9>"$cache/.lock"
flock 9

picked=$cache/picked
if [[ -s $picked && -z $(find "$picked" -mmin +"$max_age") ]]; then
  read -r old_tree < "$picked" || true
  if [[ -n ${old_tree:-} && -e $old_tree/.complete ]]; then
    echo "$old_tree"
    exit 0
  fi
fi

if ! read -r _ version deb < <("$here/../tests/vm/debfetch.sh" trixie "$pkg") || [[ ! -s ${deb:-} ]]; then
  read -r old_tree < "$picked" 2>/dev/null || true
  if [[ -n ${old_tree:-} && -e $old_tree/.complete ]]; then
    log "warning: cannot fetch $pkg; using $old_tree"
    echo "$old_tree"
    exit 0
  fi
  die "cannot fetch $pkg"
fi
tree=$cache/trees/$version
if [[ ! -e $tree/.complete ]]; then
  log "extracting the bpftool part of $pkg $version"
  tmp=$(mktemp -d "$cache/trees/.x.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  tarball=./usr/src/$pkg.tar.xz
  dpkg-deb --fsys-tarfile "$deb" | tar -xO -f - "$tarball" | xz -dc |
    tar -x -C "$tmp" -f - "${members[@]/#/$pkg/}"
  [[ -f $tmp/$pkg/tools/bpf/bpftool/main.c ]] || die "$deb has no tools/bpf/bpftool"
  touch "$tmp/$pkg/.complete"
  rm -rf "$tree"
  mv "$tmp/$pkg" "$tree"
fi
for f in "$cache"/trees/*; do
  [[ -e $f && $f != "$tree" ]] || continue
  log "removing the superseded $(basename "$f")"
  rm -rf "$f"
done
echo "$tree" > "$picked"
echo "$tree"

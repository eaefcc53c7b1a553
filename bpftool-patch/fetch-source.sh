#!/bin/bash
# Fetch Debian trixie's linux-source-6.12 into a cache outside the clone and
# extract the part of the kernel tree the bpftool series needs; print the path
# of the extracted (pristine, never modified) tree.
#
# usage: fetch-source.sh CACHE
#
# The package comes from trixie through a private apt state under
# CACHE/apt-trixie: a sources list made by tests/vm/mirror-sources.py from the
# machine's own mirror URIs, private lists and caches.  The system's sources,
# lists and caches are not touched, and nothing is installed.  Cache layout:
#   CACHE/debs/linux-source-6.12_VERSION_all.deb   the downloaded package
#   CACHE/trees/VERSION/                           the extracted subset
# Env: BPFTOOL_APT_MAX_AGE  minutes before the private lists are refreshed
#                           (default 10080, a week: the tree is pinned by
#                           version once extracted).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: fetch-source.sh CACHE}
max_age=${BPFTOOL_APT_MAX_AGE:-10080}
pkg=linux-source-6.12
suite=trixie

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

mkdir -p "$cache/debs" "$cache/trees"
exec 9>"$cache/.lock"
flock 9

state=$cache/apt-$suite
mkdir -p "$state/lists/partial"
: > "$state/status"
"$here/../tests/vm/mirror-sources.py" "$suite" > "$state/sources.list.new"
mv "$state/sources.list.new" "$state/sources.list"
apt_opts=(
  -o APT::Sandbox::User=root
  -o Dir::Etc::SourceList="$state/sources.list"
  -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists="$state/lists"
  -o Dir::State::status="$state/status"
  -o Dir::Cache::pkgcache="$state/pkgcache.bin"
  -o Dir::Cache::srcpkgcache=
  -o Dir::Etc::PreferencesParts=/dev/null
  -o Dir::Etc::Preferences=/dev/null
)

refresh_lists() {
  log "refreshing the private $suite lists in $state"
  apt-get "${apt_opts[@]}" update -qq >&2 && touch "$state/updated"
}

# A tree extracted before stays valid while the lists it was picked from are
# unchanged; apt-cache is slow, so skip it then.
picked=$cache/picked
fresh=yes
if [[ ! -e $state/updated ]] || [[ -n $(find "$state/updated" -mmin +"$max_age") ]]; then
  fresh=no
fi
if [[ $fresh == yes && -s $picked ]]; then
  read -r old_tree < "$picked" || true
  if [[ -n ${old_tree:-} && -e $old_tree/.complete ]]; then
    echo "$old_tree"
    exit 0
  fi
fi
if [[ $fresh == no ]]; then
  if ! refresh_lists; then
    [[ -e $state/updated ]] || die "cannot fetch the $suite package lists"
    log "warning: refreshing the $suite lists failed; using the lists from $(date -r "$state/updated")"
  fi
fi

version=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" 2>/dev/null |
  sed -n 's/^Version: //p' | head -n1)
[[ -n $version ]] || die "no $pkg in the $suite lists"
tree=$cache/trees/$version
deb=$cache/debs/${pkg}_${version}_all.deb

finish() {
  local f
  for f in "$cache"/debs/*.deb "$cache"/trees/*; do
    [[ -e $f && $f != "$deb" && $f != "$tree" ]] || continue
    log "removing the superseded $(basename "$f")"
    rm -rf "$f"
  done
  echo "$tree" > "$picked"
  echo "$tree"
  exit 0
}

[[ -e $tree/.complete ]] && finish

download() {
  local tmp
  tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX")
  if (cd "$tmp" && apt-get "${apt_opts[@]}" download -qq "$pkg=$version" >&2); then
    mv "$tmp"/*.deb "$deb"
    rmdir "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  return 1
}

if [[ ! -s $deb ]]; then
  log "downloading $pkg $version"
  if ! download; then
    refresh_lists || die "apt-get update failed"
    download || die "cannot download $pkg $version"
  fi
fi

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
finish

#!/bin/bash
# Fetch Debian's linux-source-6.12 (trixie) into the cache and print the path
# of the unpacked, pristine source tree.  The package is unpacked with dpkg -x,
# never installed.
#
# usage: fetch-source.sh CACHE
#
# Trixie is reached through a private apt state under CACHE/apt-trixie whose
# sources list comes from tests/vm/mirror-sources.py (the machine's own mirror
# URIs with the suite replaced): the system's sources, lists and caches are
# not touched.  Cache layout:
#   CACHE/debs/linux-source-6.12_VERSION_all.deb
#   CACHE/src/VERSION/linux-source-6.12/     pristine tree (read-only use)
# Env: KERNEL_APT_MAX_AGE  minutes before the private lists are refreshed
#                          (default 10080, a week: the tree only needs to be
#                          some 6.12; a new Debian revision means a rebuild)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: fetch-source.sh CACHE}
max_age=${KERNEL_APT_MAX_AGE:-10080}
pkg=linux-source-6.12

log() { echo "fetch-source: $*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$cache/debs" "$cache/src"
exec 9>"$cache/.lock-source"
flock 9

state=$cache/apt-trixie
mkdir -p "$state/lists/partial"
: > "$state/status"
"$here/../tests/vm/mirror-sources.py" trixie > "$state/sources.list.new"
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

# A tree already unpacked is used as long as the lists are not due for a
# refresh (no network access at all on the common path).
current=$cache/source-current
if [[ -e $state/updated && -z $(find "$state/updated" -mmin +"$max_age") && -L $current &&
      -f $current/Makefile ]]; then
  readlink -f "$current"
  exit 0
fi

if ! apt-get "${apt_opts[@]}" update -qq >&2; then
  if [[ -L $current && -f $current/Makefile ]]; then
    log "warning: cannot refresh the trixie lists; using $(readlink -f "$current")"
    readlink -f "$current"
    exit 0
  fi
  die "cannot fetch the trixie package lists"
fi
touch "$state/updated"

version=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" 2>/dev/null |
          sed -n 's/^Version: //p' | head -n1)
[[ -n $version ]] || die "no $pkg in trixie"
tree=$cache/src/$version/$pkg
if [[ -f $tree/Makefile ]]; then
  ln -sfn "$tree" "$current"
  echo "$tree"
  exit 0
fi

deb=$cache/debs/${pkg}_${version}_all.deb
if [[ ! -s $deb ]]; then
  log "downloading $pkg $version"
  tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX")
  (cd "$tmp" && apt-get "${apt_opts[@]}" download -qq "$pkg=$version" >&2) ||
    { rm -rf "$tmp"; die "cannot download $pkg $version"; }
  mv "$tmp"/*.deb "$deb"
  rmdir "$tmp"
fi

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
# Superseded versions are dead weight.
for old in "$cache"/src/*/; do
  [[ $old == "$cache/src/$version/" ]] && continue
  rm -rf "$old"
done
for old in "$cache"/debs/${pkg}_*_all.deb; do
  [[ $old == "$deb" ]] || rm -f "$old"
done
ln -sfn "$tree" "$current"
echo "$tree"

#!/bin/bash
# Fetch one Debian kernel into the cache and print the path of its uncompressed
# vmlinux (PVH-bootable).  The package is unpacked with dpkg -x, never installed.
#
# usage: fetch-kernel.sh KVER CACHE      KVER: 6.1 (bookworm) or 6.12 (trixie)
#
# 6.1 comes from the machine's own apt sources and lists.  6.12 comes from
# trixie through a private apt state under CACHE/apt-trixie (sources list built
# from the machine's mirror URIs, own lists and caches): the system's sources,
# lists and caches are not touched.  The newest ABI is picked with apt-cache,
# so ABI bumps need no change here.  Cache layout:
#   CACHE/debs/PKG_VERSION_amd64.deb   downloaded packages
#   CACHE/kernels/PKG_VERSION/vmlinux  extracted kernel (+ config)
# Env: VM_APT_MAX_AGE  minutes before the private trixie lists are refreshed
#                      (default 1440).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kver=${1:?usage: fetch-kernel.sh KVER CACHE}
cache=${2:?usage: fetch-kernel.sh KVER CACHE}
max_age=${VM_APT_MAX_AGE:-1440}

log() { echo "fetch-kernel[$kver]: $*" >&2; }
die() { log "error: $*"; exit 1; }

case "$kver" in
  6.1)  suite=system; regex='^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' ;;
  6.12) suite=trixie; regex='^linux-image-6\.12\.[0-9]+\+deb13-amd64(-unsigned)?$' ;;
  *)    die "unknown kernel '$kver' (known: 6.1 6.12)" ;;
esac

mkdir -p "$cache/debs" "$cache/kernels"
exec 9>"$cache/.lock-$kver"
flock 9

apt_opts=(-o APT::Sandbox::User=root)
if [[ $suite != system ]]; then
  state=$cache/apt-$suite
  mkdir -p "$state/lists/partial"
  : > "$state/status"
  "$here/mirror-sources.py" "$suite" > "$state/sources.list.new"
  mv "$state/sources.list.new" "$state/sources.list"
  apt_opts+=(
    -o Dir::Etc::SourceList="$state/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$state/lists"
    -o Dir::State::status="$state/status"
    -o Dir::Cache::pkgcache="$state/pkgcache.bin"
    -o Dir::Cache::srcpkgcache=
    -o Dir::Etc::PreferencesParts=/dev/null
    -o Dir::Etc::Preferences=/dev/null
  )
fi

refresh_lists() {
  if [[ $suite == system ]]; then
    log "refreshing the machine's apt lists (apt-get update)"
    apt-get update -qq --error-on=any >&2
  else
    log "refreshing private $suite lists in $state"
    apt-get "${apt_opts[@]}" update -qq --error-on=any >&2 && touch "$state/updated"
  fi
}

newest_package() {
  # Newest ABI first; for one ABI prefer -unsigned (same image, no signature).
  apt-cache "${apt_opts[@]}" search --names-only "$regex" 2>/dev/null | awk '{print $1}' |
    grep -E "$regex" | sed 's/-unsigned$/ 1&/; t; s/$/ 0/' | sort -V -k1,1 -k2,2 | tail -n1 |
    sed 's/ 1-unsigned$/-unsigned/; s/ 0$//'
}

if [[ $suite != system ]]; then
  if [[ ! -e $state/updated ]] || [[ -n $(find "$state/updated" -mmin +"$max_age") ]]; then
    if ! refresh_lists; then
      [[ -e $state/updated ]] || die "cannot fetch the $suite package lists"
      log "warning: refreshing the $suite lists failed; using the lists from $(date -r "$state/updated")"
    fi
  fi
fi

# The last pick stays valid while the lists it came from are unchanged
# (apt-cache takes seconds here: it rebuilds its cache on each call).
lists_dir=/var/lib/apt/lists
[[ $suite == system ]] || lists_dir=$state/lists
stamp=$(stat -c %Y "$lists_dir" 2>/dev/null || echo none)
picked=$cache/picked-$kver
if [[ -s $picked ]]; then
  read -r old_stamp old_vmlinux < "$picked" || true
  if [[ $old_stamp == "$stamp" && -s $old_vmlinux ]]; then
    echo "$old_vmlinux"
    exit 0
  fi
fi

pkg=$(newest_package || true)
if [[ -z $pkg ]]; then
  refresh_lists || die "apt-get update failed"
  pkg=$(newest_package || true)
fi
[[ -n $pkg ]] || die "no package matching $regex in the apt lists"
version=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n1)
[[ -n $version ]] || die "no candidate version for $pkg"
id=${pkg}_${version}
deb=$cache/debs/${id}_amd64.deb
kdir=$cache/kernels/$id

# Older ABIs of this kernel line are dead weight once a newer one is picked.
prune() {
  local f base
  for f in "$cache"/debs/*.deb "$cache"/kernels/*; do
    [[ -e $f ]] || continue
    base=$(basename "$f")
    [[ $base == "${id}_amd64.deb" || $base == "$id" ]] && continue
    if grep -qE "$regex" <<<"${base%%_*}"; then
      log "removing the superseded $base"
      rm -rf "$f"
    fi
  done
}

finish() {
  prune
  stamp=$(stat -c %Y "$lists_dir" 2>/dev/null || echo none)
  echo "$stamp $kdir/vmlinux" > "$picked"
  echo "$kdir/vmlinux"
  exit 0
}

[[ -s $kdir/vmlinux ]] && finish

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
    # Stale lists name a version the mirror dropped: refresh, pick again.
    [[ -z ${FETCH_KERNEL_RETRY:-} ]] || die "cannot download $pkg $version"
    refresh_lists || die "cannot download $pkg $version, and apt-get update failed"
    FETCH_KERNEL_RETRY=1 exec "$0" "$kver" "$cache"
  fi
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
finish

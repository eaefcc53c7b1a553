#!/bin/bash
# Download a Debian package's .deb into one cache shared by every fetcher of
# this tree (the vmtest kernels, the bpftool and kernel series' source), and
# print "PACKAGE VERSION DEB".  Nothing is installed.
#
# usage: debfetch.sh SUITE PACKAGE [--prune REGEX]
#        debfetch.sh SUITE --newest REGEX [--list]
# --newest: the newest package whose name matches REGEX (linux-image ABIs);
#           for one name, -unsigned wins.  With --list, only print
#           "PACKAGE VERSION" (nothing is downloaded).
# --prune:  also remove the cached packages whose names match REGEX (the
#           other ABIs of a package picked by name, e.g. linux-binary-7.3.*).
# SUITE: "system" (the machine's own apt sources and lists) or a Debian suite
# such as "trixie", reached through a private apt state under
# DEB_CACHE/apt-SUITE whose sources list mirror-sources.py makes from the
# machine's mirror URIs: the system's sources, lists and caches are not
# touched.
#
# Cache (DEB_CACHE, default /var/cache/uringdump-debs):
#   apt-SUITE/                 private apt state
#   debs/PKG_VERSION_ARCH.deb  downloaded packages; a newer version of a
#                              package replaces the older one
#   picked/SUITE-KEY           the last answer and the lists it came from:
#                              while the lists are unchanged, no apt-cache
#                              call (seconds each) and no network
# Env: DEB_APT_MAX_AGE  minutes before private lists are refreshed (1440)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
suite=${1:?usage: debfetch.sh SUITE PACKAGE [--prune REGEX] | SUITE --newest REGEX [--list]}
shift
list='' prune=''
if [[ ${1:-} == --newest ]]; then
  regex=${2:?usage: debfetch.sh SUITE --newest REGEX [--list]}
  key=newest-$(printf '%s' "$regex" | md5sum | cut -c1-12)
  want=
  [[ ${3:-} == --list ]] && list=1
else
  want=${1:?usage: debfetch.sh SUITE PACKAGE [--prune REGEX]}
  regex=
  key=$want
  [[ ${2:-} == --prune ]] && prune=${3:?usage: debfetch.sh SUITE PACKAGE --prune REGEX}
fi
cache=${DEB_CACHE:-/var/cache/uringdump-debs}
max_age=${DEB_APT_MAX_AGE:-1440}

log() { echo "debfetch[$suite ${want:-$regex}]: $*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$cache/debs" "$cache/picked"
exec 9>"$cache/.lock-$suite"
flock 9

apt_opts=(-o APT::Sandbox::User=root)
lists_dir=/var/lib/apt/lists
if [[ $suite != system ]]; then
  state=$cache/apt-$suite
  lists_dir=$state/lists
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
    log "refreshing the private $suite lists in $state"
    apt-get "${apt_opts[@]}" update -qq --error-on=any >&2 && touch "$state/updated"
  fi
}

if [[ $suite != system ]] &&
   { [[ ! -e $state/updated ]] || [[ -n $(find "$state/updated" -mmin +"$max_age") ]]; }; then
  if ! refresh_lists; then
    [[ -e $state/updated ]] || die "cannot fetch the $suite package lists"
    log "warning: refreshing the $suite lists failed; using the lists from $(date -r "$state/updated")"
  fi
fi

# The last answer stays valid while the lists it came from are unchanged.
stamp=$(stat -c %Y "$lists_dir" 2>/dev/null || echo none)
picked=$cache/picked/$suite-$key
if [[ -s $picked ]]; then
  read -r old_stamp old_pkg old_version old_deb < "$picked" || true
  if [[ $old_stamp == "$stamp" && -s ${old_deb:-/nonexistent} ]]; then
    if [[ -n $list ]]; then echo "$old_pkg $old_version"; else echo "$old_pkg $old_version $old_deb"; fi
    exit 0
  fi
fi

newest_package() {
  # Newest name first; for one name prefer -unsigned (same image, no signature).
  apt-cache "${apt_opts[@]}" search --names-only "$regex" 2>/dev/null | awk '{print $1}' |
    grep -E "$regex" | sed 's/-unsigned$/ 1&/; t; s/$/ 0/' | sort -V -k1,1 -k2,2 | tail -n1 |
    sed 's/ 1-unsigned$/-unsigned/; s/ 0$//'
}

pick() {   # sets pkg, version, arch
  if [[ -n $regex ]]; then pkg=$(newest_package || true); else pkg=$want; fi
  [[ -n $pkg ]] || return 1
  read -r version arch < <(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" 2>/dev/null |
    sed -n 's/^Version: //p; s/^Architecture: //p' | head -n2 | paste -sd' ') || true
  [[ -n ${version:-} && -n ${arch:-} ]]
}

if ! pick; then
  # A private state's lists are refreshed by age above: a --list miss is an
  # answer (the suite has no such package), not a reason to refresh again.
  [[ -n $list && $suite != system ]] && die "not in the $suite lists"
  refresh_lists || die "apt-get update failed"
  pick || die "not in the $suite lists"
fi
if [[ -n $list ]]; then
  echo "$pkg $version"
  exit 0
fi
deb=$cache/debs/${pkg}_${version}_${arch}.deb

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
    refresh_lists || die "cannot download $pkg $version, and apt-get update failed"
    pick || die "not in the $suite lists"
    deb=$cache/debs/${pkg}_${version}_${arch}.deb
    [[ -s $deb ]] || download || die "cannot download $pkg $version"
  fi
fi

# Older versions of the package (other ABIs of a --newest pick) are dead weight.
for f in "$cache"/debs/*.deb; do
  [[ -e $f && $f != "$deb" ]] || continue
  base=$(basename "$f")
  name=${base%%_*}
  if [[ $name == "$pkg" ]] || { [[ -n ${regex}${prune} ]] && grep -qE "${regex:-$prune}" <<<"$name"; }; then
    log "removing the superseded $base"
    rm -f "$f"
  fi
done
stamp=$(stat -c %Y "$lists_dir" 2>/dev/null || echo none)
echo "$stamp $pkg $version $deb" > "$picked"
echo "$pkg $version $deb"

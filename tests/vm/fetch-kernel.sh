#!/bin/bash
# Fetch one Debian kernel into the cache and print the path of its uncompressed
# vmlinux (PVH-bootable).  The packages are unpacked with dpkg -x, never
# installed.
#
# usage: fetch-kernel.sh KVER CACHE    KVER: a kernel line: 6.1 (bookworm),
#                                      6.12 (trixie), or X.Y (the newest of
#                                      NEWEST_SUITES that has it)
#        fetch-kernel.sh --lines TOKEN  print the kernel lines TOKEN means:
#                                      "newest": the newest line (7.0 or later)
#                                      of each of NEWEST_SUITES, deduplicated;
#                                      "N" (a major, e.g. 7): the same among
#                                      N.x; anything else: itself
#
# The .debs come from debfetch.sh (the cache of downloaded packages shared
# with the other fetchers): 6.1 from the machine's own apt sources, the
# others through private apt states.  The newest ABI is picked, so ABI bumps
# need no change here.  Two package layouts:
#   up to 6.x   linux-image-VER(-unsigned) holds boot/vmlinuz-VER and
#               boot/config-VER;
#   7.x         linux-image-VER is empty and depends on linux-binary-VER (the
#               kernel: boot/vmlinuz-VER up to 7.1, usr/lib/modules/VER/vmlinuz
#               from 7.2) and linux-base-VER (usr/lib/modules/VER/config).
# Cache layout:
#   CACHE/kernels/PKG_VERSION/vmlinux       extracted kernel
#   CACHE/kernels/PKG_VERSION/config-VER    its configuration
#   CACHE/kernels/PKG_VERSION/suite         the Debian suite it came from
# Env: NEWEST_SUITES (default "trixie-backports sid"); DEB_CACHE,
#      DEB_APT_MAX_AGE (debfetch.sh)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
newest_suites=${NEWEST_SUITES:-trixie-backports sid}

log() { echo "fetch-kernel[$kver]: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The image package names of kernel line $1 (a regex; "" for any line >= 7.0).
image_regex() {
  local line=$1 v='(7|8|9|[1-9][0-9])\.[0-9]+'
  [[ -n $line ]] && v=${line//./\\.}
  echo "^linux-image-$v\\.[0-9]+\\+deb[0-9]+-amd64(-unsigned)?\$"
}
line_of() { sed -E 's/^linux-image-([0-9]+\.[0-9]+)\..*/\1/' <<<"$1"; }

if [[ ${1:-} == --lines ]]; then
  kver=${2:?usage: fetch-kernel.sh --lines TOKEN}
  case "$kver" in
    newest|[1-9]|[1-9][0-9])
      regex=$(image_regex "")
      [[ $kver == newest ]] || regex=${regex/'(7|8|9|[1-9][0-9])'/$kver}
      lines=()
      for s in $newest_suites; do
        read -r pkg _ < <("$here/debfetch.sh" "$s" --newest "$regex" --list) || {
          log "no kernel matching $regex in $s"; continue; }
        l=$(line_of "$pkg")
        log "$s: newest is $pkg (line $l)"
        [[ " ${lines[*]} " == *" $l "* ]] || lines+=("$l")
      done
      [[ ${#lines[@]} -gt 0 ]] || die "no kernel line for '$kver' in $newest_suites"
      echo "${lines[*]}" ;;
    *.*) echo "$kver" ;;
    *) die "unknown kernel token '$kver' (known: newest, a major such as 7, X.Y)" ;;
  esac
  exit 0
fi

kver=${1:?usage: fetch-kernel.sh KVER CACHE | --lines TOKEN}
cache=${2:?usage: fetch-kernel.sh KVER CACHE}

case "$kver" in
  6.1)  suite=system; regex='^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' ;;
  6.12) suite=trixie; regex='^linux-image-6\.12\.[0-9]+\+deb13-amd64(-unsigned)?$' ;;
  [1-9].[0-9]|[1-9].[0-9][0-9]|[1-9][0-9].[0-9]|[1-9][0-9].[0-9][0-9])
    regex=$(image_regex "$kver")
    # The suite whose newest package of this line is the newest of all.
    suite='' best=''
    for s in $newest_suites; do
      read -r pkg _ < <("$here/debfetch.sh" "$s" --newest "$regex" --list 2>/dev/null) || continue
      if [[ -z $best ]] || [[ $(printf '%s\n' "$best" "$pkg" | sort -V | tail -n1) != "$best" ]]; then
        suite=$s best=$pkg
      fi
    done
    [[ -n $suite ]] || die "no package matching $regex in $newest_suites" ;;
  *) die "unknown kernel line '$kver' (known: 6.1, 6.12, X.Y of $newest_suites)" ;;
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

tmp=$(mktemp -d "$cache/kernels/.x.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "unpacking $deb"
dpkg -x "$deb" "$tmp/root"
# The 7.x layout: the image package only depends on the packages that hold
# the kernel (linux-binary) and its config (linux-base, from 7.2); fetch
# those (same ABI, same suite).  The archive may have dropped an old ABI's
# linux-base: the guest then runs without /boot/config (CONFIG_HZ unknown).
abi=${pkg#linux-image-}
abi=${abi%-unsigned}
if dpkg-deb -f "$deb" Depends | grep -qw "linux-binary-$abi"; then
  for part in binary base; do
    want=linux-$part-$abi
    part_re="^linux-$part-${kver//./\\.}\\.[0-9]+\\+deb[0-9]+-amd64\$"
    part_deb=''
    read -r _ _ part_deb < <("$here/debfetch.sh" "$suite" "$want" --prune "$part_re") || true
    if [[ ! -s ${part_deb:-} ]]; then
      [[ $part == base ]] || die "cannot fetch $want"
      log "warning: cannot fetch $want: no kernel config for the guest"
      continue
    fi
    log "unpacking $part_deb"
    dpkg -x "$part_deb" "$tmp/root"
  done
fi
vmlinuz=$(find "$tmp/root" \( -path "$tmp/root/boot/vmlinuz-*" \
  -o -path "$tmp/root/usr/lib/modules/*/vmlinuz" \) | head -n1)
[[ -n $vmlinuz ]] || die "no vmlinuz in $pkg (boot/ nor usr/lib/modules/)"
mkdir -p "$tmp/out"
"$here/extract-vmlinux.py" "$vmlinuz" "$tmp/out/vmlinux"
# config-RELEASE, as /boot has it on an installed system.
for c in "$tmp/root"/boot/config-* "$tmp/root"/usr/lib/modules/*/config; do
  [[ -f $c ]] || continue
  if [[ $(basename "$c") == config ]]; then
    cp "$c" "$tmp/out/config-$(basename "$(dirname "$c")")"
  else
    cp "$c" "$tmp/out/"
  fi
done
echo "$suite" > "$tmp/out/suite"
rm -rf "$kdir"
mv "$tmp/out" "$kdir"
echo "$kdir/vmlinux"

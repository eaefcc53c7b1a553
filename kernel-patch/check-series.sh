#!/bin/bash
# Static checks of the kernel-patch/ series.
#
# usage: check-series.sh CACHE
#
#  1. checkpatch.pl --strict of the source tree on every patch (not the
#     cover letter): no error, warning or check;
#  2. W=1: the objects of the C files the series touches, compiled with W=1
#     in the patched build tree (build-kernel.sh, so `make kernel` first
#     costs nothing more) and in an out-of-tree build of the pristine source
#     with the same .config (CACHE/w1-base); a warning of the patched build
#     that the pristine one does not have (compared without line numbers)
#     fails.
# Prints PASS/FAIL lines and "check-series: N passed, N failed".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: check-series.sh CACHE}
jobs=${JOBS:-$(nproc)}
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

src=$("$here/fetch-source.sh" "$cache")
patches=()
for p in "$here"/[0-9][0-9][0-9][0-9]-*.patch; do
  [[ -f $p && $(basename "$p") != 0000-* ]] && patches+=("$p")
done

for p in "${patches[@]}"; do
  if out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --quiet - <"$p" 2>&1) && [[ -z $out ]]; then
    pass "checkpatch --strict $(basename "$p")"
  else
    fail "checkpatch --strict $(basename "$p")"
    echo "$out" | sed 's/^/       | /'
  fi
done

# W=1
"$here/build-kernel.sh" "$cache" >/dev/null
work=$cache/work/linux
base=$cache/w1-base
exec 8>"$cache/.lock-build"
flock 8
mapfile -t cfiles < <(cat "${patches[@]}" | sed -n 's|^+++ b/\(.*\.c\)$|\1|p' | sort -u)
objs=()
for f in "${cfiles[@]}"; do
  [[ -f $work/${f%.c}.o ]] && objs+=("${f%.c}.o")
done
if [[ ${#objs[@]} -eq 0 ]]; then
  fail "W=1: none of the touched C files is built by this config"
else
  warnings() {   # warnings DIR MAKEARGS...: the W=1 warnings of the objects
    local dir=$1; shift
    (cd "$dir" && for o in "${objs[@]}"; do rm -f "${o}"; done)
    make -C "$@" -j"$jobs" W=1 "${objs[@]}" 2>&1 |
      grep -E '(warning|error):' |
      sed -E "s|$src/||; s|$work/||; s|^\.\./||; s/:[0-9]+(:[0-9]+)?:/:/" | sort -u || true
  }
  patched=$(warnings "$work" "$work")
  mkdir -p "$base"
  if [[ ! -f $base/.config ]] || ! cmp -s "$work/.config" "$base/.config"; then
    cp "$work/.config" "$base/.config"
    make -C "$src" O="$base" -s olddefconfig >/dev/null
  fi
  pristine=$(warnings "$base" "$src" O="$base")
  new=$(comm -23 <(echo "$patched") <(echo "$pristine") | sed '/^$/d')
  if [[ -z $new ]]; then
    pass "W=1: no new warnings in ${objs[*]} ($(echo "$patched" | sed '/^$/d' | wc -l) before and after)"
  else
    fail "W=1: new warnings"
    echo "$new" | sed 's/^/       | /'
  fi
fi
echo "check-series: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

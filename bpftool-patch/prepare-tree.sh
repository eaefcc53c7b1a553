#!/bin/bash
# Make OUT/src: the bpftool part of linux-source-6.12 with the series applied.
#
# usage: prepare-tree.sh CACHE OUT
#
# The pristine tree comes from fetch-source.sh (CACHE, outside the clone).
# Each patch of bpftool-patch/series is checked with `git apply --check`
# before it is applied; any failure leaves the previous OUT/src untouched.
# Files keep the pristine tree's timestamps, except the files the series
# touches now or touched in the previous OUT/src: those are stamped now, so
# that the bpftool build recompiles exactly what may have changed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: prepare-tree.sh CACHE OUT}
out=${2:?usage: prepare-tree.sh CACHE OUT}

log() { echo "prepare-tree: $*" >&2; }

pristine=$("$here/fetch-source.sh" "$cache")
mkdir -p "$out"
out=$(cd "$out" && pwd)
new=$out/src.new
rm -rf "$new"
cp -a "$pristine" "$new"
rm -f "$new/.complete"

mapfile -t patches < <(grep -v '^#' "$here/series" | grep .)
touched=()
# git must not mistake the clone around OUT for the repository to patch.
export GIT_CEILING_DIRECTORIES=$out
for p in "${patches[@]}"; do
  if ! (cd "$new" && git apply --check "$here/$p"); then
    log "error: $p does not apply to $(basename "$pristine")"
    rm -rf "$new"
    exit 1
  fi
  (cd "$new" && git apply "$here/$p")
  mapfile -t -O "${#touched[@]}" touched < <(cd "$new" && git apply --numstat "$here/$p" | cut -f3)
done
printf '%s\n' "${touched[@]}" | sort -u > "$new/.series-files"

# Files patched before or now: newer than any object built from them.
old_files=()
[[ -f $out/src/.series-files ]] && mapfile -t old_files < "$out/src/.series-files"
for f in "${touched[@]}" "${old_files[@]}"; do
  [[ -e $new/$f ]] && touch "$new/$f"
done
echo "$(basename "$pristine")" > "$new/.source-version"
rm -rf "$out/src"
mv "$new" "$out/src"
log "$(basename "$pristine") + ${#patches[@]} patches in $out/src"

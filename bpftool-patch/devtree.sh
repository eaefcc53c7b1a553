#!/bin/bash
# Work on the bpftool series as git commits, outside the clone.
#
#   devtree.sh init DIR     make DIR a git repository holding the pristine
#                           bpftool part of linux-source-6.12 (tagged "base")
#                           with the series applied by git am, one commit per
#                           patch; the cover letter becomes the branch
#                           description
#   devtree.sh export DIR   regenerate bpftool-patch/0*.patch and the series
#                           file from the commits base..HEAD of DIR and its
#                           branch description (first paragraph: the cover
#                           letter's subject; the rest: its text)
#
# Env: BPFTOOL_SRC_CACHE  the source cache (default /var/cache/uringdump-src)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BPFTOOL_SRC_CACHE:-/var/cache/uringdump-src}
mode=${1:-}
dir=${2:-}
[[ ($mode == init || $mode == export) && -n $dir ]] ||
  { echo "usage: devtree.sh init|export DIR" >&2; exit 2; }

author=(-c "user.name=uringdump developers" -c "user.email=uringdump@localhost")

if [[ $mode == init ]]; then
  [[ ! -e $dir ]] || { echo "devtree: $dir exists" >&2; exit 1; }
  case $(realpath -m "$dir") in
    "$(realpath "$here/..")"/*) echo "devtree: $dir is inside the clone" >&2; exit 1 ;;
  esac
  tree=$("$here/fetch-source.sh" "$cache")
  cp -a "$tree" "$dir"
  rm -f "$dir/.complete"
  cd "$dir"
  git init -q
  git "${author[@]}" add -A
  git "${author[@]}" commit -q -m "Linux $(basename "$tree") bpftool subset (Debian linux-source-6.12)"
  git tag base
  while read -r p; do
    git "${author[@]}" am -q "$here/$p"
  done < <(grep -v '^#' "$here/series")
  # The cover letter's subject (without the [PATCH ...] prefix) and text
  # up to the shortlog.
  awk '/^Subject: / { sub(/^Subject: \[[^]]*\] */, ""); print; print ""; next }
       /^$/ && !body { body = 1; next }
       body && /^uringdump developers \([0-9]+\):$/ { exit }
       body { print }' "$here/0000-cover-letter.patch" |
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > .git/description.tmp
  git config branch."$(git symbolic-ref --short HEAD)".description "$(cat .git/description.tmp)"
  rm .git/description.tmp
  echo "devtree: $dir ready ($(git rev-list --count base..HEAD) commits on base)"
  exit 0
fi

cd "$dir"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
git "${author[@]}" format-patch -q --cover-letter --cover-from-description=subject \
  --subject-prefix="PATCH bpf-next" --zero-commit --no-signature -o "$out" base..HEAD
rm -f "$here"/0*.patch
cp "$out"/*.patch "$here/"
{
  echo "# The bpftool series, in order (applied by bpftool-patch/prepare-tree.sh)."
  (cd "$out" && ls 0*.patch | grep -v '^0000-')
} > "$here/series"
echo "devtree: exported $(grep -vc '^#' "$here/series") patches to $here"

#!/bin/bash
# Edit the kernel-patch/ series as git commits, and turn them back into it.
#
# usage: devtree.sh import CACHE   a git tree at CACHE/dev/linux: the pristine
#                                  source (only the files the series touches
#                                  are tracked) and one commit per patch
#        devtree.sh export CACHE   `git format-patch` of those commits into
#                                  kernel-patch/, keeping the subject and blurb
#                                  of the present cover letter
# The tree is outside the clone and never committed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?usage: devtree.sh import|export CACHE}
cache=${2:?usage: devtree.sh import|export CACHE}
dev=$cache/dev/linux
die() { echo "devtree: error: $*" >&2; exit 1; }

series() {
  for p in "$here"/[0-9][0-9][0-9][0-9]-*.patch; do
    [[ -f $p && $(basename "$p") != 0000-* ]] && echo "$p"
  done
}

case $cmd in
import)
  src=$("$here/fetch-source.sh" "$cache")
  rm -rf "$dev"
  mkdir -p "$(dirname "$dev")"
  cp -a "$src" "$dev"
  cd "$dev"
  git init -q
  echo '/.gitignore' > .git/info/exclude
  git config user.name "uringdump developers"
  git config user.email "uringdump@localhost"
  mapfile -t files < <(series | xargs sed -n 's|^--- a/||p' | sort -u)
  git add -f "${files[@]}"
  git commit -qm "Linux $(basename "$(dirname "$src")") (Debian linux-source-6.12)"
  git tag base
  series | xargs git am -q
  git log --oneline base..HEAD
  ;;
export)
  cd "$dev"
  git rev-parse -q --verify base >/dev/null || die "no base tag in $dev (import first)"
  old=$here/0000-cover-letter.patch
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  git format-patch -q --cover-letter --subject-prefix="PATCH bpf-next" -o "$tmp" base..HEAD
  if [[ -f $old ]]; then
    python3 - "$old" "$tmp/0000-cover-letter.patch" <<'PY'
import sys
# Subject and blurb from the old cover letter, shortlog and diffstat new.
old, new = (open(p).read() for p in sys.argv[1:3])
mark = "\nuringdump developers ("
keep = old[old.index("\nSubject: "):old.index(mark)]
head = new[:new.index("\nSubject: ")]
open(sys.argv[2], "w").write(head + keep + new[new.index(mark):])
PY
  fi
  rm -f "$here"/[0-9][0-9][0-9][0-9]-*.patch
  cp "$tmp"/*.patch "$here"/
  ls "$here"/[0-9][0-9][0-9][0-9]-*.patch
  ;;
*) die "unknown command $cmd" ;;
esac

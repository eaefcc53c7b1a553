#!/usr/bin/env bash
# An output mutant of uringdump for checking that the e2e suite rejects wrong
# output: runs the real binary (UD_REAL) and mutates every dump it prints
# (JSON or text; other output passes unchanged) with compare.py's mutant
# UD_MUTANT (nr_bvecs1, tfd_stale, drop_file_row).  Not run by make check:
#   UD_REAL=$PWD/build/uringdump UD_MUTANT=nr_bvecs1 \
#     UD=$PWD/tests/e2e/mutant-ud.sh bats tests/e2e/10-ring_basic.bats
# must fail.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"${UD_REAL:?the real uringdump binary}" "$@" >"$out" || status=$?
python3 "$here/compare.py" --mutate-output "${UD_MUTANT:?nr_bvecs1, tfd_stale or drop_file_row}" <"$out"
exit "$status"

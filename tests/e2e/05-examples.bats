#!/usr/bin/env bats
# The text reports shown in README.md and the man page are real output: they
# parse row by row as a text report (compare.py --text-lint) and are
# consistent, so a format change that leaves them behind (a header row the
# real output lacks, a renamed key) fails here.  No root needed.

load lib

# example FILE START: the indented or fenced block after the line matching
# START, without its indentation.
example() {
	"$PY" - "$1" "$2" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
start = next(i for i, l in enumerate(lines) if sys.argv[2] in l)
out = []
if lines[start].startswith("$ "):        # README: a fenced block, prompt first
    for l in lines[start + 1:]:
        if l.startswith("```"):
            break
        out.append(l)
else:                                    # man page: "::", then an indented block
    body = start + 1
    while not lines[body].startswith("::"):
        body += 1
    for l in lines[body + 2:]:
        if l and not l.startswith("  "):
            break
        out.append(l[2:])
print("\n".join(out).strip("\n"))
PY
}

@test "README's text example parses as a text report" {
	example "$ROOT_DIR/README.md" '$ build/uringdump ' >"$BATS_TEST_TMPDIR/readme.txt"
	[[ -s $BATS_TEST_TMPDIR/readme.txt ]] || { echo "no example found in README.md" >&2; return 1; }
	"$PY" "$COMPARE" --text-lint "$BATS_TEST_TMPDIR/readme.txt" >&2
}

@test "the man page's text example parses as a text report" {
	example "$ROOT_DIR/man/uringdump.8.rst" '**# uringdump 1234**' >"$BATS_TEST_TMPDIR/man.txt"
	[[ -s $BATS_TEST_TMPDIR/man.txt ]] || { echo "no example found in man/uringdump.8.rst" >&2; return 1; }
	"$PY" "$COMPARE" --text-lint "$BATS_TEST_TMPDIR/man.txt" >&2
}

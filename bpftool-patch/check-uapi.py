#!/usr/bin/env python3
"""Check that the UAPI lines a patch series adds to bpf.h are the canonical ones.

usage: check-uapi.py FRAGMENT PATCH...

FRAGMENT is uapi/bpf-iter-io-uring-epoll.h.fragment: commentary up to a
scissors line ("8<"), then hunks, each an "@@ AFTER: <line>" header followed by
the added lines.  For every file of the patches whose path ends in
uapi/linux/bpf.h, the runs of added lines (in order, over all patches) must be
exactly the fragment's hunks, and the line before each run must be the AFTER
line (compared without surrounding blanks).  Exit status 0 when every such
file matches, 1 otherwise (also when no patch touches a bpf.h).
"""
import sys


def read_fragment(path):
    with open(path) as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    try:
        start = next(i for i, l in enumerate(lines) if "8<" in l)
    except StopIteration:
        sys.exit(f"check-uapi: no scissors line in {path}")
    # The scissors line may close the commentary comment: skip to after it.
    hunks = []
    for line in lines[start + 1:]:
        if line.startswith("@@ AFTER:"):
            hunks.append((line[len("@@ AFTER:"):].strip(), []))
        elif hunks:
            hunks[-1][1].append(line)
        elif line.strip() not in ("", "*/"):
            sys.exit(f"check-uapi: text before the first hunk of {path}: {line!r}")
    return hunks


def added_runs(patches):
    """{path: [(after, [lines])]} for the bpf.h files of the patches."""
    runs = {}
    for patch in patches:
        with open(patch) as f:
            text = f.read().split("\n")
        path = None
        prev = None
        run = None
        for line in text:
            if line.startswith("diff --git "):
                path = line.split(" b/", 1)[1] if " b/" in line else None
                run = None
                continue
            if path is None or not path.endswith("uapi/linux/bpf.h"):
                continue
            if line.startswith("+++ ") or line.startswith("--- ") or line.startswith("index "):
                continue
            if line.startswith("@@"):
                run, prev = None, None
                continue
            if line.startswith("+"):
                if run is None:
                    run = (prev.strip() if prev is not None else "", [])
                    runs.setdefault(path, []).append(run)
                run[1].append(line[1:])
            elif line.startswith(" ") or line.startswith("-"):
                run = None
                if line.startswith(" "):
                    prev = line[1:]
            elif line.startswith("-- ") or line == "--":
                path = None  # signature
    return runs


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    want = read_fragment(argv[1])
    got = added_runs(argv[2:])
    if not got:
        print("check-uapi: no patch adds lines to a uapi/linux/bpf.h", file=sys.stderr)
        return 1
    ok = True
    for path, runs in sorted(got.items()):
        if runs == want:
            print(f"  {path}: {len(runs)} hunks match the fragment")
            continue
        ok = False
        print(f"  {path}: differs from the fragment", file=sys.stderr)
        for i in range(max(len(runs), len(want))):
            g = runs[i] if i < len(runs) else None
            w = want[i] if i < len(want) else None
            if g != w:
                print(f"    hunk {i + 1}: expected {w!r}\n    {'':9}got      {g!r}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

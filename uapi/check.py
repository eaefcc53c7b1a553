#!/usr/bin/env python3
"""Check that patch series add exactly the canonical UAPI to bpf.h.

usage: uapi/check.py FRAGMENT SERIES_DIR...

FRAGMENT is uapi/bpf-iter-io-uring-epoll.h.fragment: commentary up to the
scissors line, then hunks, each an "@@ AFTER: <line>" header followed by the
lines to add, byte for byte.  A SERIES_DIR holds a patch series (the order of
its "series" file when there is one, else NNNN-*.patch by name, the cover
letter 0000-* excluded).

For every copy of bpf.h a series touches (include/uapi/linux/bpf.h,
tools/include/uapi/linux/bpf.h), the runs of added lines over the whole series,
in order, must be the fragment's hunks, each run directly after its AFTER line
(compared with surrounding whitespace trimmed), and nothing may be removed.
The kernel series must touch both copies, any other series at least the tools
copy.  Prints one PASS/FAIL line per copy and series, then
"uapi-check: N passed, N failed"; exit status 0 when nothing failed.
"""
import os
import re
import sys

COPIES = ("include/uapi/linux/bpf.h", "tools/include/uapi/linux/bpf.h")


def parse_fragment(path):
    text = open(path).read()
    if "8<" not in text:
        raise SystemExit(f"uapi-check: {path}: no scissors line")
    body = text.split("8<", 1)[1].split("\n", 1)[1]
    # the commentary's closing "*/" line ends the header
    body = body.split("*/\n", 1)[1] if body.lstrip().startswith("*/") else body
    hunks = []
    for line in body.splitlines(keepends=True):
        if line.startswith("@@ AFTER: "):
            hunks.append((line[len("@@ AFTER: "):].strip(), []))
        elif hunks:
            hunks[-1][1].append(line.rstrip("\n"))
        elif line.strip():
            raise SystemExit(f"uapi-check: {path}: text before the first hunk: {line!r}")
    if not hunks:
        raise SystemExit(f"uapi-check: {path}: no hunks")
    return hunks


def series_patches(d):
    listing = os.path.join(d, "series")
    if os.path.exists(listing):
        names = [l.strip() for l in open(listing) if l.strip() and not l.startswith("#")]
    else:
        names = sorted(n for n in os.listdir(d)
                       if re.match(r"\d{4}-.*\.patch$", n) and not n.startswith("0000-"))
    return [os.path.join(d, n) for n in names]


def added_runs(patches):
    """{copy: ([(line before, [added lines])...], [removed lines])}"""
    runs = {}
    for p in patches:
        cur = None
        prev = None
        in_hunk = False
        for raw in open(p, errors="replace").read().splitlines():
            if raw.startswith("diff --git "):
                m = re.match(r"diff --git a/(\S+) b/(\S+)", raw)
                cur = m.group(2) if m and m.group(2) in COPIES else None
                in_hunk = False
                prev = None
                if cur:
                    runs.setdefault(cur, ([], []))
                continue
            if cur is None:
                continue
            if raw.startswith("@@"):
                in_hunk = True
                prev = None
                continue
            if not in_hunk or raw.startswith("--- ") and prev is None or raw == "-- ":
                continue
            if raw.startswith("+"):
                lst = runs[cur][0]
                if prev is not None and prev[0] == "+":
                    lst[-1][1].append(raw[1:])
                else:
                    lst.append((prev[1:] if prev else None, [raw[1:]]))
            elif raw.startswith("-"):
                runs[cur][1].append(raw[1:])
            prev = raw
    return runs


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    hunks = parse_fragment(argv[1])
    passed = failed = 0
    for d in argv[2:]:
        name = os.path.basename(os.path.normpath(d))
        patches = series_patches(d)
        runs = added_runs(patches)
        need = COPIES if name == "kernel-patch" else COPIES[1:]
        for copy in COPIES:
            label = f"{name}: {copy}"
            if copy not in runs:
                if copy in need:
                    failed += 1
                    print(f"FAIL {label}: the series does not change it")
                continue
            got, removed = runs[copy]
            why = []
            if removed:
                why.append(f"removes lines: {removed[:3]}")
            if len(got) != len(hunks):
                why.append(f"{len(got)} runs of added lines, the fragment has {len(hunks)} hunks")
            for i, ((before, lines), (after, want)) in enumerate(zip(got, hunks)):
                if (before or "").strip() != after:
                    why.append(f"hunk {i + 1} follows {before!r}, not {after!r}")
                if lines != want:
                    why.append(f"hunk {i + 1} differs:\n  got  {lines}\n  want {want}")
            if why:
                failed += 1
                print(f"FAIL {label}: " + "; ".join(why))
            else:
                passed += 1
                print(f"PASS {label}")
    print(f"uapi-check: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

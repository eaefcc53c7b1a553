#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Counts the tests of one step of `make check`, and sums them at the end.

  counted.py RESULTS NAME -- CMD...   runs CMD (its output passes through
                                      unchanged), counts its tests, writes
                                      RESULTS/NAME; exits with CMD's status
  counted.py RESULTS --total [STATUS] prints `N passed, N failed` for every
                                      RESULTS/* (alone on its line); a
                                      non-zero STATUS (of the whole run) with
                                      no failed test counts one failure

A test is a TAP line (`ok N` / `not ok N`, bats), a GoogleTest result
(`[       OK ] X (N ms)` / `[  FAILED  ] X (N ms)`), or a PASS/FAIL/SKIP line
of the vmtest judges.  A step that prints none of them is one test, passed
when CMD exits 0.  A step that exits non-zero with no failed test counts one
more failure (the step itself failed: a build, a crash).  Skipped tests are
failures when UD_NO_SKIP=1 (set by `make check`): there, a skip means that
something the test needs is missing.
"""
import os
import re
import subprocess
import sys

TAP_OK = re.compile(r"^ok \d+")
TAP_NOT_OK = re.compile(r"^not ok \d+")
TAP_SKIP = re.compile(r"#\s*skip\b", re.I)
GTEST_OK = re.compile(r"^\[ +OK \] \S+ \(\d+ ms\)")
GTEST_FAILED = re.compile(r"^\[ +FAILED +\] \S+.* \(\d+ ms\)")
GTEST_SKIPPED = re.compile(r"^\[ +SKIPPED +\] \S+ \(\d+ ms\)")
JUDGE = re.compile(r"^\s+(PASS|FAIL|SKIP) \S")


def run(results, name, cmd):
    no_skip = os.environ.get("UD_NO_SKIP") == "1"
    passed = failed = skipped = 0
    skips = []
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for raw in p.stdout:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if TAP_NOT_OK.match(line):
            failed += 1
        elif TAP_OK.match(line):
            if TAP_SKIP.search(line):
                skipped += 1
                skips.append(line)
            else:
                passed += 1
        elif GTEST_OK.match(line):
            passed += 1
        elif GTEST_FAILED.match(line):
            failed += 1
        elif GTEST_SKIPPED.match(line):
            skipped += 1
            skips.append(line)
        else:
            m = JUDGE.match(line)
            if m:
                kind = m.group(1)
                if kind == "PASS":
                    passed += 1
                elif kind == "FAIL":
                    failed += 1
                else:
                    skipped += 1
                    skips.append(line)
    status = p.wait()
    if passed + failed + skipped == 0:
        passed, failed = (1, 0) if status == 0 else (0, 1)
    elif status != 0 and failed == 0:
        failed += 1
        print(f"counted: {name}: exited with status {status} although no test failed")
    if skipped and no_skip:
        print(f"counted: {name}: {skipped} skipped test(s) count as failures under make check "
              "(UD_NO_SKIP=1):")
        for s in skips:
            print("  " + s)
        failed += skipped
        if status == 0:
            status = 1
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, name), "w") as f:
        f.write(f"{passed} {failed} {skipped}\n")
    return status


def total(results, status=0):
    passed = failed = 0
    try:
        names = sorted(os.listdir(results))
    except OSError:
        names = []
    for n in names:
        if n.startswith("."):
            continue
        try:
            with open(os.path.join(results, n)) as f:
                p, fl, sk = (int(x) for x in f.read().split()[:3])
        except (OSError, ValueError):
            continue
        passed += p
        failed += fl  # under make check, skips are in fl already
    if status != 0 and failed == 0:
        failed = 1  # the run failed outside any counted step
    print(f"{passed} passed, {failed} failed")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, ".total"), "w") as f:
        f.write(f"{passed} {failed}\n")
    return 0


def main(argv):
    if len(argv) in (3, 4) and argv[2] == "--total":
        return total(argv[1], int(argv[3]) if len(argv) == 4 else 0)
    if len(argv) >= 5 and argv[3] == "--":
        return run(argv[1], argv[2], argv[4:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

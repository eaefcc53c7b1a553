#!/usr/bin/env python3
"""Judge a vmtest-native guest from the units collect.py unpacked.

usage: judge-native.py --dir DIR --console LOG --boot-rc RC --timeout SECS

Checks: the guest booted and reached its END marker; every suite's
"PASS name" / "FAIL name: why" lines (a FAIL's following indented lines are
its details) and its exit status; no BUG/WARNING/Oops in the kernel log.
Prints one line per check and closes with "vmtest-native: N passed, N failed"
(", N skipped" follows when suites skipped checks).  Exit status 0 when nothing failed
and something passed.
"""
import argparse
import json
import os
import re
import sys

import compare_native

BAD_DMESG = re.compile(r"BUG:|WARNING:|Oops|Call Trace|general protection|RIP:|Kernel panic"
                       r"|possible circular locking|INFO: task .* blocked")
TAIL = 40


def judge_host_check(res, unit, d, words):
    """A check the guest leaves to the host (it has no JSON tools):
    COMPARE KIND NATIVE CORE PID FD  the native pin's dump against the CO-RE
                                     dump (compare_native.compare)
    TRUTH KIND NATIVE TRUTH FD       the native pin's dump against the
                                     workload's truth (compare_native.compare_truth)
    LINKS LINKS PIN INODE            link show -j reports INODE for PIN"""
    try:
        if words[0] == "COMPARE" and len(words) == 6:
            kind, native, core, pid, fd = words[1:]
            name = f"{unit}: native read of {native} equals the CO-RE dump ({kind} fd {fd})"
            with open(os.path.join(d, native)) as f:
                n = json.load(f)
            with open(os.path.join(d, core)) as f:
                c = json.load(f)
            out = compare_native.compare(kind, n, c, int(pid), int(fd))
            res(not out, name, "\n".join(out))
        elif words[0] == "TRUTH" and len(words) == 5:
            kind, native, truth, fd = words[1:]
            name = f"{unit}: native read of {native} matches the workload's truth ({kind} fd {fd})"
            with open(os.path.join(d, native)) as f:
                n = json.load(f)
            with open(os.path.join(d, truth)) as f:
                t = json.load(f)
            out = compare_native.compare_truth(kind, n, t, int(fd))
            res(not out, name, "\n".join(out))
        elif words[0] == "LINKS" and len(words) == 4:
            links, pin, inode = words[1:]
            name = f"{unit}: link show -j of {pin} gives the fd's inode"
            with open(os.path.join(d, links)) as f:
                why = compare_native.check_links(json.load(f), pin, int(inode))
            res(why is None, name, why or "")
        else:
            res(False, f"{unit}: malformed line", " ".join(words))
    except (OSError, ValueError) as e:
        res(False, f"{unit}: {' '.join(words)}", str(e))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--console", required=True)
    ap.add_argument("--boot-rc", type=int, required=True)
    ap.add_argument("--timeout", type=int, required=True)
    a = ap.parse_args()
    passed = failed = skipped = 0

    def res(ok, name, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"  PASS {name}")
        else:
            failed += 1
            print(f"  FAIL {name}")
            for line in detail.rstrip("\n").splitlines()[:60]:
                print(f"       | {line}")

    try:
        with open(os.path.join(a.dir, "_collect.json")) as f:
            info = json.load(f)
    except (OSError, ValueError):
        info = {"release": None, "end": False, "units": {}}
    try:
        with open(a.console, "rb") as f:
            console = f.read().decode("utf-8", "replace")
    except OSError:
        console = ""
    tail = "\n".join([l for l in console.splitlines() if "@@UD F " not in l][-TAIL:])
    why = []
    if a.boot_rc == 124:
        why.append(f"killed after the {a.timeout} s timeout")
    if not info.get("end"):
        why.append("no END marker")
    res(not why, f"boot ({info.get('release') or 'no release seen'})",
        "; ".join(why) + "\nconsole tail:\n" + tail)

    units = info.get("units", {})
    for unit in sorted(units):
        if unit == "kernel":
            continue
        d = os.path.join(a.dir, unit)
        if units[unit] != "ok":
            res(False, f"{unit}: results", units[unit])
            continue
        out = open(os.path.join(d, "out"), errors="replace").read()
        err = open(os.path.join(d, "err"), errors="replace").read()
        rc = open(os.path.join(d, "rc")).read().strip()
        lines = out.splitlines()
        seen = 0
        i = 0
        while i < len(lines):
            line = lines[i]
            m = re.match(r"(PASS|FAIL|SKIP) (.*)", line)
            i += 1
            if line.startswith(("COMPARE ", "TRUTH ", "LINKS ")):
                seen += 1
                judge_host_check(res, unit, d, line.split())
                continue
            if not m:
                continue
            kind, rest = m.groups()
            if kind == "SKIP":
                skipped += 1
                print(f"  SKIP {unit}: {rest}")
                continue
            seen += 1
            if kind == "PASS":
                res(True, f"{unit}: {rest}")
            else:
                detail = []
                while i < len(lines) and not re.match(r"(PASS|FAIL|SKIP) |\S+: \d+ passed", lines[i]):
                    detail.append(lines[i])
                    i += 1
                name, _, reason = rest.partition(": ")
                res(False, f"{unit}: {name}", "\n".join([reason] + detail))
        res(rc == "0" and seen > 0, f"{unit}: exit status",
            f"exit status {rc}, {seen} checks reported\nstderr:\n{err[-3000:]}")

    dmesg_path = os.path.join(a.dir, "kernel", "dmesg")
    if units.get("kernel") == "ok" and os.path.exists(dmesg_path):
        bad = [l for l in open(dmesg_path, errors="replace").read().splitlines()
               if BAD_DMESG.search(l)]
        res(not bad, "kernel log clean", "\n".join(bad[:30]))
    else:
        bad = [l for l in console.splitlines() if BAD_DMESG.search(l)]
        res(False, "kernel log clean", "no kernel log received\n" + "\n".join(bad[:30]))

    print(f"vmtest-native: {passed} passed, {failed} failed" +
          (f", {skipped} skipped" if skipped else ""))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

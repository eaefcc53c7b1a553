#!/usr/bin/env python3
"""Judge one vmtest guest from the result units collect.py unpacked.

usage: judge.py --kernel LABEL --dir DIR --console LOG --boot-rc RC --timeout SECS
                --compare COMPARE_PY [--uringdump] [--probe] [WORKLOAD...]

Tests (each PASS or FAIL, with the reason indented under a FAIL):
  boot          the guest ran /init to its END marker (not killed by the
                timeout, no panic); a failure shows the console's tail
  probe         tests/vm/vm-probe passed (with --probe)
  WL ready      without --uringdump: the workload built its state
  WL json       uringdump --json PID vs the truth (compare.py TRUTH DUMP)
  WL freeze     uringdump --json --freeze PID (compare.py TRUTH DUMP --exact)
  WL text       uringdump PID (compare.py --text TRUTH TEXT)
  WL pin        uringdump pin PID PIN; uringdump read --json PIN (compare.py TRUTH DUMP)
  WL restore    uringdump checkpoint --freeze PID IMG; uringdump restore IMG
                --files-from PID (again with --kill-source when files only a
                ring holds need it; before 6.8 that must fail with status 6
                naming the kernel); the holder's dump against the image
                (roundtrip.py, next to compare.py) and every saved buffer
                against the holder's memory (the guest's cr_check)
  WL mutants    (ring_basic) wrong variants of the json and text dumps are caught
                (compare.py --mutants TRUTH DUMP TEXT)
  kernel log    no BUG/WARNING/Oops/Call Trace in the guest's dmesg
Prints one line per test and writes DIR/_summary.tsv:
LABEL<TAB>RELEASE<TAB>PASSED<TAB>FAILED.
"""
import argparse
import json
import os
import re
import subprocess
import sys

TAIL_LINES = 40
DETAIL_HEAD = 12   # a long reason shows its first and last lines
DETAIL_TAIL = 40
BAD_DMESG = re.compile(r"BUG:|WARNING:|Oops|Call Trace|general protection|RIP:|Kernel panic")
SKIPPED = "not run: the guest's time budget (VM_TIMEOUT less a margin to send the results) was spent"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Judge:
    def __init__(self, label):
        self.label = label
        self.passed = 0
        self.failed = 0

    def result(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"  PASS {self.label}: {name}")
        else:
            self.failed += 1
            print(f"  FAIL {self.label}: {name}")
            lines = detail.rstrip("\n").splitlines()
            if len(lines) > DETAIL_HEAD + DETAIL_TAIL:
                cut = len(lines) - DETAIL_HEAD - DETAIL_TAIL
                lines = lines[:DETAIL_HEAD] + [f"... ({cut} lines left out)"] + lines[-DETAIL_TAIL:]
            for line in lines:
                print(f"       | {line}")
        sys.stdout.flush()


class Results:
    """The unpacked units of one guest."""

    def __init__(self, d):
        self.dir = d
        try:
            with open(os.path.join(d, "_collect.json")) as f:
                self.info = json.load(f)
        except (OSError, ValueError):
            self.info = {}

    def path(self, unit, name):
        return os.path.join(self.dir, unit, name)

    def problem(self, unit, *names):
        """Why UNIT/NAME... cannot be read, or None."""
        st = self.info.get("units", {}).get(unit)
        if st != "ok":
            return f"results of {unit}: {st or 'never sent'}"
        for n in names:
            if not os.path.isfile(self.path(unit, n)):
                return f"results of {unit}: no {n}"
        return None

    def read(self, unit, name, default=""):
        try:
            with open(self.path(unit, name), errors="replace") as f:
                return f.read()
        except OSError:
            return default


def console_tail(log):
    try:
        with open(log, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"(no console log: {e})"
    lines = [ANSI.sub("", ln.rstrip("\r")) for ln in text.splitlines() if "@@UD F " not in ln]
    return f"console tail ({log}):\n" + "\n".join(lines[-TAIL_LINES:])


def judge_boot(j, a, r):
    if a.boot_rc in (124, 137):
        j.result("boot", False, f"guest killed after the {a.timeout} s timeout (VM_TIMEOUT)\n"
                 + console_tail(a.console))
        return False
    if not r.info.get("end"):
        why = "the guest never ran /init" if not r.info.get("release") else "the guest died before END"
        j.result("boot", False, f"{why} (qemu exit status {a.boot_rc})\n" + console_tail(a.console))
        return False
    j.result("boot", True)
    return True


def run_compare(a, args):
    try:
        p = subprocess.run([sys.executable, a.compare] + args, capture_output=True,
                           text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"compare.py: {e}"
    return p.returncode == 0, (p.stdout + p.stderr).strip()


def workload_problem(r, wl):
    why = r.problem(wl, "ready")
    if why:
        return why
    ready = r.read(wl, "ready").strip()
    if ready == "yes":
        return r.problem(wl, "truth.json")
    if ready == "skipped":
        return SKIPPED
    rc = r.read(wl, "wl.rc").strip() or "?"
    err = r.read(wl, "wl.err").strip() or "(empty)"
    return f"the workload never became ready (exit status {rc}); its stderr:\n{err}"


def run_failed(r, wl, step):
    """Why uringdump run `step` of workload wl failed, or None."""
    why = r.problem(wl, f"{step}.rc", f"{step}.out", f"{step}.err")
    if why:
        return why
    rc = r.read(wl, f"{step}.rc").strip()
    err = r.read(wl, f"{step}.err").strip()
    if rc == "skipped":
        return SKIPPED
    if rc != "0":
        what = "was killed by the in-guest timeout" if rc == "137" else f"exited with status {rc}"
        return f"uringdump {what} ({step}); stderr:\n{err or '(empty)'}"
    return None


def judge_run(j, a, r, wl, mode):
    """One uringdump run (mode json/freeze/text/pin) of workload wl; pin is
    `uringdump pin` (step "pinned") then `uringdump read --json` (step "pin")."""
    name = f"{wl} {mode}"
    steps = ("pinned", "pin") if mode == "pin" else (mode,)
    why = workload_problem(r, wl)
    if mode == "freeze" and not why and '"held":true' in (r.read(wl, "truth.json") or "").replace(" ", ""):
        # ring_locked: a thread blocked in the kernel cannot stop; --freeze
        # must say so (exit status 3) instead of waiting forever
        rc, err = r.read(wl, "freeze.rc").strip(), r.read(wl, "freeze.err").strip()
        j.result(name, rc == "3" and "did not stop within" in err,
                 f"--freeze of a process with a thread blocked in the kernel: status {rc}, {err!r}")
        return
    for step in steps:
        why = why or run_failed(r, wl, step)
    if why:
        j.result(name, False, why)
        return
    err = r.read(wl, f"{mode}.err").strip()
    truth, out = r.path(wl, "truth.json"), r.path(wl, f"{mode}.out")
    args = {"json": [truth, out], "freeze": [truth, out, "--exact"],
            "text": ["--text", truth, out], "pin": [truth, out]}[mode]
    ok, msg = run_compare(a, args)
    if err:
        msg += f"\nuringdump stderr:\n{err}"
    j.result(name, ok, msg)


def kernel_before(r, version):
    """The guest's kernel (uname -r) is older than version (major, minor)."""
    m = re.match(r"(\d+)\.(\d+)", r.info.get("release") or "")
    return bool(m) and (int(m.group(1)), int(m.group(2))) < version


def judge_restore(j, a, r, wl):
    """checkpoint --freeze, restore --files-from, the holder's dump and
    memory (see checkpoint_restore in init.sh)."""
    name = f"{wl} restore"
    why = workload_problem(r, wl)
    if not why and '"held":true' in (r.read(wl, "truth.json") or "").replace(" ", ""):
        # ring_locked: --freeze cannot stop it, and checkpoint says so
        rc, err = r.read(wl, "ckpt.rc").strip(), r.read(wl, "ckpt.err").strip()
        j.result(name, rc == "3" and "did not stop within" in err,
                 f"checkpoint --freeze of a process with a thread blocked in the kernel: "
                 f"status {rc}, {err!r}")
        return
    if not why and r.read(wl, "kill-source").strip() == "yes" and kernel_before(r, (6, 8)):
        # files only a ring holds need IORING_OP_FIXED_FD_INSTALL (6.8)
        rc, err = r.read(wl, "restore.rc").strip(), r.read(wl, "restore.err").strip()
        j.result(name, rc == "6" and "Linux 6.8+" in err,
                 f"restore --kill-source on a kernel without IORING_OP_FIXED_FD_INSTALL: "
                 f"status {rc}, {err!r}")
        return
    for step in ("ckpt", "restore", "holder"):
        why = why or run_failed(r, wl, step)
    why = why or r.problem(wl, "img/manifest.json", "img/dump.json", "holder.pid",
                           "bufcheck.out")
    if why:
        j.result(name, False, why)
        return
    roundtrip = os.path.join(os.path.dirname(os.path.abspath(a.compare)), "roundtrip.py")
    try:
        himg = r.path(wl, "himg")
        holder = himg if os.path.isfile(os.path.join(himg, "manifest.json")) else r.path(wl, "holder.out")
        p = subprocess.run([sys.executable, roundtrip, r.path(wl, "img"), holder,
                            r.read(wl, "holder.pid").strip(), "--no-mem",
                            "--report", r.path(wl, "restore.out")],
                           capture_output=True, text=True, timeout=600)
        ok, msg = p.returncode == 0, (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        ok, msg = False, f"roundtrip.py: {e}"
    try:
        with open(r.path(wl, "img/manifest.json")) as f:
            saved = sum(1 for ring in json.load(f)["io_urings"] for b in ring["buffers"]
                        if b["contents"])
    except (OSError, ValueError, KeyError) as e:
        saved, ok, msg = 0, False, msg + f"\nmanifest: {e}"
    checks = r.read(wl, "bufcheck.out").splitlines()
    differ = [c for c in checks if not c.endswith(" equal")]
    if differ or len(checks) != saved:
        ok = False
        msg += (f"\nbuffers: {saved} saved, {len(checks)} checked in the holder; not equal:\n"
                + "\n".join(differ))
    else:
        msg += f"\nbuffers: {saved} read back from the holder's memory, equal"
    j.result(name, ok, msg)


def judge_workload(j, a, r, wl):
    if not a.uringdump:
        why = workload_problem(r, wl)
        j.result(f"{wl} ready", not why, why or "")
        return
    for mode in ("json", "freeze", "text", "pin"):
        judge_run(j, a, r, wl, mode)
    judge_restore(j, a, r, wl)
    if wl == "ring_basic":
        judge_mutants(j, a, r, wl)


def judge_mutants(j, a, r, wl):
    """The guest's JSON and text dumps, mutated (nr_bvecs forced to 1,
    tfd_stale flipped, a registered-file row dropped), must all be caught."""
    name = f"{wl} mutants"
    why = workload_problem(r, wl) or run_failed(r, wl, "json") or run_failed(r, wl, "text")
    if why:
        j.result(name, False, why)
        return
    ok, msg = run_compare(a, ["--mutants", r.path(wl, "truth.json"), r.path(wl, "json.out"),
                              r.path(wl, "text.out")])
    j.result(name, ok, msg)


def judge_dmesg(j, r):
    why = r.problem("kernel", "dmesg")
    if why:
        j.result("kernel log", False, why)
        return
    lines = r.read("kernel", "dmesg").splitlines()
    bad = [i for i, ln in enumerate(lines) if BAD_DMESG.search(ln)]
    if bad:
        j.result("kernel log", False, "dmesg:\n" + "\n".join(lines[max(0, bad[0] - 5):]))
    else:
        j.result("kernel log", True)


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--console", required=True)
    ap.add_argument("--boot-rc", type=int, required=True)
    ap.add_argument("--timeout", required=True)
    ap.add_argument("--compare", required=True)
    ap.add_argument("--uringdump", action="store_true")
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("workloads", nargs="*")
    a = ap.parse_args(argv[1:])
    r = Results(a.dir)
    j = Judge(a.kernel)
    booted = judge_boot(j, a, r)
    if a.probe:
        why = r.problem("probe", "probe.rc", "probe.out", "probe.err")
        ok = not why and r.read("probe", "probe.rc").strip() == "0"
        j.result("probe", ok, why or r.read("probe", "probe.out") + r.read("probe", "probe.err"))
    for wl in a.workloads:
        judge_workload(j, a, r, wl)
    if booted:
        judge_dmesg(j, r)
    release = r.info.get("release") or "?"
    with open(os.path.join(a.dir, "_summary.tsv"), "w") as f:
        f.write(f"{a.kernel}\t{release}\t{j.passed}\t{j.failed}\n")
    return 1 if j.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

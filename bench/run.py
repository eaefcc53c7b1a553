#!/usr/bin/python3
"""Drives `make bench`: for each size N, starts bench/workload with N files,
runs build/bench/udbench against it, and writes bench/results.json and
bench/results.txt.  Raises fs.epoll.max_user_watches / fs.file-max when a
size needs more and restores them at the end.  Needs root.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import time

METHODS = ["floor", "walk", "iterate", "oneshot", "lib", "loaded", "pin-read", "pin-model",
           "pin-cat", "procfs", "kcmp-tree", "kcmp-pair"]
LABELS = {
    "floor": "floor: task_file iterator, nothing per fd",
    "walk": "floor + visit every slot/item, no output",
    "iterate": "uringdump's iterator walk alone (no decode)",
    "oneshot": "uringdump --json (exec+load+dump+model+JSON)",
    "lib": "dump_records+build_snapshot (reloads)",
    "loaded": "uringdump --json, program loaded once",
    "pin-read": "read() of a pinned iterator",
    "pin-model": "pinned read + decode + model",
    "pin-cat": "cat PIN > /dev/null",
    "procfs": "procfs fdinfo read+parse (no fds)",
    "kcmp-tree": "procfs + kcmp tree (CRIU-style)",
    "kcmp-pair": "procfs + kcmp pairwise",
}
KCMP = ("kcmp-tree", "kcmp-pair")


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def loadavg():
    return " ".join(read("/proc/loadavg").split()[:3])


def cpu_model():
    for line in read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


class Sysctls:
    """Raises sysctls to at least a value; restores the originals."""

    def __init__(self):
        self.saved = {}
        self.log = []

    def at_least(self, name, value):
        path = "/proc/sys/" + name.replace(".", "/")
        cur = int(read(path))
        if cur >= value:
            return
        try:
            write(path, value)
            self.saved.setdefault(path, cur)
            self.log.append(f"{name}: {cur} -> {value} (restored afterwards)")
        except OSError as e:
            self.log.append(f"{name}: {cur}, could not raise to {value}: {e}")

    def restore(self):
        for path, v in self.saved.items():
            try:
                write(path, v)
            except OSError:
                pass


def start_workload(build, out, n):
    for suffix in ("", ".files", ".ready"):
        try:
            os.unlink(out + suffix)
        except FileNotFoundError:
            pass
    t0 = time.monotonic()
    proc = subprocess.Popen([os.path.join(build, "bench", "workload"), out, str(n)])
    while not os.path.exists(out + ".ready"):
        if proc.poll() is not None:
            raise RuntimeError(f"workload for N={n} exited with {proc.returncode}")
        if time.monotonic() - t0 > 300:
            proc.kill()
            raise RuntimeError(f"workload for N={n} not ready after 300 s")
        time.sleep(0.02)
    return proc, time.monotonic() - t0


def stop_workload(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def fmt_time(s):
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.0f} us"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def fmt_rate(r):
    if r is None:
        return "-"
    if r >= 1e6:
        return f"{r / 1e6:.1f}M/s"
    if r >= 1e3:
        return f"{r / 1e3:.0f}k/s"
    return f"{r:.0f}/s"


def summarize(size):
    """Adds ratios and rates to one size's method entries."""
    n = size["n"]
    items = size["items"]
    by = {m["method"]: m for m in size["methods"]}
    floor = by.get("floor", {}).get("median_s")
    ud = by.get("oneshot", {}).get("median_s")
    for m in size["methods"]:
        med = m.get("median_s")
        ok = m["status"] == "ok" and med
        m["items_per_s"] = items / med if ok else None
        m["x_floor"] = med / floor if ok and floor else None
        cpu, fcpu = m.get("cpu_median_s"), by.get("floor", {}).get("cpu_median_s")
        m["x_floor_cpu"] = cpu / fcpu if ok and cpu and fcpu else None
        m["x_uringdump"] = med / ud if ok and ud and m["method"] in ("procfs",) + KCMP else None
        loaded = by.get("loaded", {}).get("median_s")
        m["x_loaded"] = med / loaded if ok and loaded and m["method"] in ("procfs",) + KCMP else None
        if m["status"] == "capped":
            done, total = m.get("lookups_done", 0), m.get("lookups_total", 0)
            m["completed_fraction"] = done / total if total else 0
    size["n"] = n


def table(results):
    lines = []
    env = results["environment"]
    lines.append("uringdump benchmark (make bench)")
    lines.append(f"machine: {env['cpus']} CPUs, {env['cpu']}, kernel {env['kernel']}")
    lines.append(f"load average: {env['loadavg_start']} at start, {env['loadavg_end']} at end"
                 f" (other work ran concurrently: timings are noisy)")
    lines.append(f"limits: RLIMIT_NOFILE {env['rlimit_nofile']} (hard, cannot be raised); "
                 + ("; ".join(env["sysctl_changes"]) if env["sysctl_changes"] else "no sysctl changed"))
    lines.append("N = files; each file is one epoll item AND one registered file, so a dump"
                 " reports 2N items; items/s = 2N / median.")
    lines.append("median, min..max: wall time per dump; cpu: median CPU time (user+system) of the same runs;"
                 " x floor = median / floor median;")
    lines.append("x ud, x ld (procfs and kcmp rows) = median / the median of `uringdump --json`,"
                 " of the loaded-once dump.")
    lines.append("agree = the method's result matches uringdump's on what both report"
                 " (procfs: tfd/events/data and slot paths, no fds; kcmp: also every fd list).")
    lines.append("")
    for size in results["sizes"]:
        if "error" in size:
            lines.append(f"N = {size['n']:,}: not measured: {size['error']}")
            lines.append("")
            continue
        w = size["workload"]
        lines.append(f"N = {size['n']:,}: {w['rings']} ring(s) of <= {w['ring_max']} slots, 1 epoll;"
                     f" {size['fds']} live fds ({w['dup_fds']} dup'ed, {w['closed']} files closed"
                     f" after registration), {w['pipes']} pipes + {w['eventfds']} eventfds;"
                     f" workload built in {size['workload_build_s']:.1f} s;"
                     f" uringdump peak RSS {size['uringdump_peak_rss_mb']:.0f} MiB;"
                     f" load {size['loadavg_before']} -> {size['loadavg_after']}")
        truth = size["truth_check"]
        lines.append("  uringdump vs the workload's own record: "
                     + ("all items and slots match" if truth.get("ok") else
                        f"MISMATCH ({truth.get('first_problem')})"))
        hdr = (f"  {'method':<46} {'median':>9} {'min..max':>19} {'cpu':>9} {'runs':>4}"
               f" {'x floor':>8} {'x ud':>6} {'x ld':>6} {'items/s':>8}  agree")
        lines.append(hdr)
        for m in size["methods"]:
            st = m["status"]
            if st == "skipped":
                lines.append(f"  {LABELS[m['method']]:<46} {'> cap':>9}   ({m.get('note', '')})")
                continue
            med = m.get("median_s")
            if st == "capped":
                frac = m.get("completed_fraction", 0)
                medtxt = "> cap"
                spread = f"{frac * 100:.1f}% done in {m['cap_s']:.0f} s"
            else:
                medtxt = fmt_time(med)
                spread = f"{fmt_time(m.get('min_s'))}..{fmt_time(m.get('max_s'))}" if med is not None else "-"
            xf = f"{m['x_floor']:.1f}" if m.get("x_floor") else "-"
            xu = f"{m['x_uringdump']:.2f}" if m.get("x_uringdump") else "-"
            xl = f"{m['x_loaded']:.2f}" if m.get("x_loaded") else "-"
            ag = m.get("agreement", {})
            if not ag.get("checked"):
                agtxt = "n/a"
            elif ag.get("ok"):
                agtxt = "yes" + (" (partial)" if st == "capped" else "")
            else:
                agtxt = f"NO: {ag.get('first_problem')}"
            if st == "error":
                agtxt = "ERROR: " + m.get("note", "")
            cpu = fmt_time(m.get("cpu_median_s")) if st != "capped" else "-"
            lines.append(f"  {LABELS[m['method']]:<46} {medtxt:>9} {spread:>19} {cpu:>9} {m.get('runs', 0):>4}"
                         f" {xf:>8} {xu:>6} {xl:>6} {fmt_rate(m.get('items_per_s')):>8}  {agtxt}")
        loaded = next((m for m in size["methods"] if m["method"] == "loaded"), None)
        if loaded and loaded.get("phases_median"):
            ph = loaded["phases_median"]
            pc = loaded.get("phases_cpu_median", {})
            walk = next((m for m in size["methods"] if m["method"] == "iterate"), {})
            lines.append(f"  phases of the loaded-once run, median wall (cpu): Dumper::dump {fmt_time(ph['dump_s'])}"
                         f" ({fmt_time(pc.get('dump_s'))}; of which the walk alone ~{fmt_time(walk.get('median_s'))}),"
                         f" model {fmt_time(ph['model_s'])} ({fmt_time(pc.get('model_s'))}),"
                         f" JSON render {fmt_time(ph['render_json_s'])} ({fmt_time(pc.get('render_json_s'))});"
                         f" program load (once) {fmt_time(loaded.get('load_s'))}")
        lines.append("")
    lines.extend(results.get("notes", []))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="bench")
    ap.add_argument("--sizes", default="1000 10000 100000 1000000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cap", type=float, default=30)
    ap.add_argument("--budget", type=float, default=15)
    ap.add_argument("--tmp", default="/tmp")
    args = ap.parse_args()

    if os.geteuid() != 0:
        sys.exit("bench: needs root (BPF iterators, kcmp, pidfd_getfd, bpffs)")
    if not os.path.ismount("/sys/fs/bpf"):
        subprocess.run(["mount", "-t", "bpf", "bpf", "/sys/fs/bpf"], check=True)
        print("bench: mounted bpffs at /sys/fs/bpf", file=sys.stderr)

    # a private copy: other work may rebuild build/uringdump while this runs
    ud = os.path.join(args.build, "bench", "uringdump")
    shutil.copy2(os.path.join(args.build, "uringdump"), ud)
    sizes = [int(s) for s in args.sizes.split()]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    sysctls = Sysctls()
    env = {
        "kernel": platform.release(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "rlimit_nofile": hard,
        "fs.nr_open": int(read("/proc/sys/fs/nr_open")),
        "loadavg_start": loadavg(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    results = {"environment": env, "sizes": [], "config": {
        "runs": args.runs, "kcmp_cap_s": args.cap, "budget_per_method_s": args.budget,
        "sizes": sizes}}
    capped = {}
    t_start = time.monotonic()
    try:
        for n in sizes:
            # every item is one epoll watch; files: N plus their pipe ends
            sysctls.at_least("fs.epoll.max_user_watches", 2 * n + 100000)
            sysctls.at_least("fs.file-max", int(read("/proc/sys/fs/file-nr").split()[0]) + 2 * n + 100000)
            out = os.path.join(args.tmp, f"udbench-{n}")
            print(f"bench: N={n}: building the workload", file=sys.stderr)
            try:
                proc, build_s = start_workload(args.build, out, n)
            except RuntimeError as e:
                print(f"bench: N={n}: not possible here: {e}", file=sys.stderr)
                results["sizes"].append({"n": n, "error": f"workload could not be built: {e}"})
                continue
            try:
                runs = args.runs if n < 1000000 else max(1, min(args.runs, 3))
                methods = [m for m in METHODS if m not in capped]
                pin = f"/sys/fs/bpf/udbench-{proc.pid}"
                cmd = [os.path.join(args.build, "bench", "udbench"), "--info", out,
                       "--uringdump", ud,
                       "--runs", str(runs), "--cap", str(args.cap), "--budget", str(args.budget),
                       "--methods", ",".join(methods), "--pin", pin]
                print(f"bench: N={n}: measuring ({', '.join(methods)})", file=sys.stderr)
                r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
                if os.path.exists(pin):
                    os.unlink(pin)
            finally:
                stop_workload(proc)
                for f in (out, out + ".files", out + ".ready"):
                    if os.path.exists(f):
                        os.unlink(f)
            if r.returncode != 0:
                print(f"bench: N={n}: udbench failed (exit {r.returncode})", file=sys.stderr)
                results["sizes"].append({"n": n, "error": f"udbench failed (exit {r.returncode})"})
                continue
            res = json.loads(r.stdout)
            for m in KCMP:
                if m in capped:
                    res["methods"].append({
                        "method": m, "status": "skipped", "runs": 0, "samples_s": [],
                        "note": f"not run: already > cap at N={capped[m]:,}"})
            for m in res["methods"]:
                if m["method"] in KCMP and m["status"] == "capped":
                    capped.setdefault(m["method"], n)
            order = {m: i for i, m in enumerate(METHODS)}
            res["methods"].sort(key=lambda m: order[m["method"]])
            wl = res["workload"]
            oneshot = next((m for m in res["methods"] if m["method"] == "oneshot"), {})
            size = {
                "n": n,
                "items": 2 * n,
                "fds": res["reference"]["fds"],
                "workload": {k: (int(v) if v.lstrip("-").isdigit() else v) for k, v in wl.items()},
                "workload_build_s": build_s,
                "truth_check": res["reference"]["truth_check"],
                "reference": res["reference"],
                "uringdump_peak_rss_mb": oneshot.get("peak_rss_kb", 0) / 1024,
                "loadavg_before": res["loadavg_before"],
                "loadavg_after": res["loadavg_after"],
                "methods": res["methods"],
            }
            summarize(size)
            results["sizes"].append(size)
    finally:
        sysctls.restore()
    env["sysctl_changes"] = sysctls.log
    env["loadavg_end"] = loadavg()
    env["wall_s"] = time.monotonic() - t_start
    results["notes"] = [
        "Notes:",
        "- RLIMIT_NOFILE is 20000 (hard; no CAP_SYS_RESOURCE), so no process here holds more than",
        "  20000 fds and a ring's file table is at most 20000 slots. Above 15,000 files the workload",
        "  closes every further file right after registering it: the ring tables keep the files alive,",
        "  the epoll items stay (keyed by (file, fd), reused fd numbers give distinct items), so N",
        "  epoll items and N registered files exist with < 20000 live fds and ceil(N/20000) rings.",
        "  fs.nr_open is not the limit (raising it does not raise the hard RLIMIT_NOFILE).",
        "- floor walks the fd table only (<= 20000 fds at every N); uringdump also walks the N-slot",
        "  ring tables and the N-item epoll tree, so x floor grows with N beyond 15k files.",
        "- procfs does not resolve fds: it gives the registration-time tfd (stale after close/dup) and",
        "  the path of each registered file ('anon_inode:[eventfd]' for every eventfd).",
        "- kcmp methods resolve every epoll target and registered file to all fds that hold it:",
        "  candidates are the target's fds with the same (dev, ino) (stat of /proc/PID/fd/N);",
        "  KCMP_EPOLL_TFD compares a candidate with an item named by (tfd, toff), and the kernel",
        "  finds that item by a linear walk of the epoll tree on every call (ep_find_tfd), so",
        "  each comparison costs O(items). Registered files have no kcmp mode: their only handle",
        "  without iterators is IORING_OP_FIXED_FD_INSTALL submitted through a pidfd_getfd() copy",
        "  of the ring (writes into the target's SQ ring: intrusive, needs an idle target and",
        "  default setup flags), then KCMP_FILE. tree = fds sorted by kcmp order + binary search",
        "  (what CRIU's kcmp tree does); pair = every candidate compared.",
        "- Every uringdump row runs src/'s library code, as the CLI does: loaded = Dumper::dump +",
        "  build_snapshot + render_json (src/cli/cmd_dump.cpp after its load), iterate = Dumper::walk,",
        "  lib = dump_records (loads each call) + build_snapshot, pins = pin_dump(); the floors run",
        "  the library's FloorProbe (bpf/floor.bpf.c), attached like the dump (task.tid).",
        "- Agreement: uringdump's library dump (first `lib` run) is the reference and is checked",
        "  against the workload's own record of every item and slot (tfd, fds, kind); the one-shot's",
        "  JSON must be byte-identical to the reference rendered; pinned reads are decoded and",
        "  compared item by item; floors compare counts. uringdump's peak RSS is ru_maxrss of one",
        "  more `uringdump --json PID` run (untimed).",
        "- A capped kcmp run stops at the cap; its agreement covers the lookups it finished.",
        "  Larger N are not run once a method exceeded the cap.",
    ]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    text = table(results)
    with open(os.path.join(args.out, "results.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

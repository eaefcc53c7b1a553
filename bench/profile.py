#!/usr/bin/python3
"""Where does uringdump's time go?  Profiles the loaded-once dump at one size
with `perf record -g` and splits the on-CPU samples by phase (program load,
kernel iteration, decode, model, JSON render), with the top symbols of each.

  bench/profile.py [--build build] [--n 10000] [--runs 20]

Not part of `make bench`; run by hand (root, perf from linux-perf).
"""
import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import time

# The first phase with a match anywhere on the call chain wins: decode and
# model (the Dumper's collecting thread) come before iterate.
PHASES = [
    ("load", ("bpf_prog_load", "bpf_object__load", "btf__parse", "btf__load_vmlinux_btf",
              "bpf_object_load", "libbpf_find_kernel_btf", "bpf_object__relocate")),
    ("decode", ("decode_stream", "decode_spill")),
    ("model", ("build_snapshot", "SnapshotBuilder", "Collected::")),
    ("render", ("render_json", "to_json")),
    ("iterate", ("bpf_seq_read", "SpillConsumer::consume", "bpf_iter_create", "attach_iter")),
]


def classify(frames):
    for name, keys in PHASES:
        for f in frames:
            if any(k in f for k in keys):
                return name
    return "other"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--methods", default="loaded")
    ap.add_argument("--top", type=int, default=8)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="udprof-")
    info = os.path.join(tmp, "wl")
    wl = subprocess.Popen([os.path.join(args.build, "bench", "workload"), info, str(args.n)])
    while not os.path.exists(info + ".ready"):
        if wl.poll() is not None:
            sys.exit("workload failed")
        time.sleep(0.02)
    data = os.path.join(tmp, "perf.data")
    try:
        subprocess.run(["perf", "record", "-q", "--call-graph", "dwarf,16384", "-o", data, "--",
                        os.path.join(args.build, "bench", "udbench"), "--info", info,
                        "--uringdump", os.path.join(args.build, "uringdump"),
                        "--methods", args.methods, "--runs", str(args.runs),
                        "--min-runs", str(args.runs), "--budget", "100000",
                        "--pin", "/sys/fs/bpf/udprof-%d" % wl.pid],
                       check=True, stdout=subprocess.DEVNULL)
    finally:
        wl.send_signal(signal.SIGTERM)
        wl.wait()
    script = subprocess.run(["perf", "script", "-i", data, "-F", "period,ip,sym"],
                            check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True).stdout
    phase_total = collections.Counter()
    phase_self = collections.defaultdict(collections.Counter)
    total = 0
    for block in script.split("\n\n"):
        lines = [l.strip() for l in block.strip().splitlines() if l.strip()]
        if not lines:
            continue
        try:
            period = int(lines[0].split()[0])
        except ValueError:
            continue
        frames = [l.split(None, 1)[1] if " " in l else l for l in lines[1:]]
        if not frames:
            continue
        ph = classify(frames)
        self_sym = frames[0].split("+")[0]
        phase_total[ph] += period
        phase_self[ph][self_sym] += period
        total += period
    print(f"on-CPU samples of `udbench --methods {args.methods}` at N={args.n} "
          f"({args.runs} runs + the reference dump): {total / 1e9:.2f} s")
    for ph, t in phase_total.most_common():
        print(f"  {ph:<8} {t / 1e9 * 1e3:9.1f} ms  {100 * t / total:5.1f}%")
        for sym, s in phase_self[ph].most_common(args.top):
            print(f"      {100 * s / t:5.1f}%  {sym[:90]}")


if __name__ == "__main__":
    main()

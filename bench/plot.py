#!/usr/bin/python3
"""bench/plot.py RESULTS.json OUT.png: log-log plot of the median time per
method against N (files: each one epoll item and one registered file).
Error bars span min..max; a method that hit the kcmp cap is drawn as an
upward triangle at the cap, labelled "> cap".  Needs python3-matplotlib."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {  # method: (label, color, marker, linestyle)
    "floor": ("floor: task_file iterator, nothing per fd", "0.5", "o", ":"),
    "walk": ("floor + visit every slot/item, no output", "0.3", "s", ":"),
    "walk-id": ("... + read each file's identity", "0.4", "^", ":"),
    "iterate": ("uringdump's iterator walk alone", "tab:gray", "d", ":"),
    "exec": ("uringdump --version (process start)", "0.7", "x", ":"),
    "oneshot": ("uringdump --json (one-shot, load cache warm)", "tab:red", "o", "-"),
    "oneshot-cold": ("uringdump --json --no-cache (loads)", "salmon", "o", "--"),
    "lib": ("dump_records + build_snapshot (reloads)", "tab:orange", "v", "-"),
    "loaded": ("dump + model + JSON, program loaded once", "tab:green", "D", "-"),
    "pin-read": ("read() of the pinned iterator", "tab:olive", "P", "--"),
    "pin-model": ("pinned read + decode + model", "tab:cyan", "X", "--"),
    "pin-cat": ("cat PIN > /dev/null", "tab:pink", "*", "--"),
    "procfs": ("procfs fdinfo, no fd resolution", "tab:blue", "o", "-."),
    "kcmp-tree": ("procfs + kcmp tree (CRIU-style)", "tab:purple", "^", "-."),
    "kcmp-pair": ("procfs + kcmp pairwise", "tab:brown", "^", "-."),
}


def main():
    res = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    series = {}
    capped = {}
    for size in res["sizes"]:
        if "error" in size:
            continue
        n = size["n"]
        for m in size["methods"]:
            name = m["method"]
            if m["status"] == "ok" and m.get("median_s"):
                series.setdefault(name, []).append((n, m["median_s"], m["min_s"], m["max_s"]))
            elif m["status"] == "capped":
                capped.setdefault(name, []).append((n, m.get("cap_s", m.get("median_s"))))
    fig, ax = plt.subplots(figsize=(12.5, 6.5), dpi=110)
    for name, (label, color, marker, ls) in STYLE.items():
        pts = series.get(name, [])
        if pts:
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            lo = [p[1] - p[2] for p in pts]
            hi = [p[3] - p[1] for p in pts]
            ax.errorbar(xs, ys, yerr=[lo, hi], label=label, color=color, marker=marker,
                        linestyle=ls, capsize=3, markersize=5)
        for n, cap in capped.get(name, []):
            ax.plot([n], [cap], marker="^", color=color, markersize=10, linestyle="none",
                    label=None if pts else label + " (> cap)")
            ax.annotate("> cap", (n, cap), textcoords="offset points", xytext=(6, 4),
                        color=color, fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N (files; each is one epoll item and one registered file)")
    ax.set_ylabel("median wall time per dump (s), bars: min..max")
    env = res["environment"]
    ax.set_title(f"uringdump vs procfs, kcmp and the iterator floor\n"
                 f"kernel {env['kernel']}, {env['cpus']} CPUs, load average {env['loadavg_start']}"
                 f" at start (shared machine)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main()

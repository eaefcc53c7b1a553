#!/usr/bin/env python3
"""Round-trip oracle of checkpoint/restore.

roundtrip.py IMAGE_DIR HOLDER_DUMP HOLDER_PID [--report RESTORE_OUTPUT] [--no-mem]

Compares the dump of the source saved in IMAGE_DIR/dump.json with a dump of
the holder that `uringdump restore` started, modulo what a restore renames
(file ids, ring and epoll inodes, SQPOLL thread pids): every io_uring and
epoll at the same fds, with the same setup, registered file slots (type,
path, fds, tag), buffer slots (address, length, tag), eventfd, SQPOLL cpu,
idle time and sharing, personalities, restrictions, io-wq limits, NAPI, and
epoll items (tfd, events, data, target type, path, fds, tfd_stale), and
provided-buffer groups (kind, entries, the kernel's head, the tail, memory
kind, whether it is mapped, counts; with a holder image, each legacy
group's buffers in order).  HOLDER_DUMP is the holder's `uringdump --json`
or, better, an image of the holder (`uringdump checkpoint HOLDER DIR`):
then its dump.json is used and every buffer ring's saved bytes are compared
with the source's.  Then
reads every registered buffer from the holder's memory (/proc/PID/mem) and
compares it with the bytes in IMAGE_DIR/buffers (not with --no-mem, for a
holder that is gone: the vmtest guests check the bytes themselves).  The
one loss restore may have, a personality's supplementary groups (the dump
has their number only), is accepted when RESTORE_OUTPUT (what `uringdump
restore` printed) reports it for that personality.  Exit 0 when equal, 1
with the differences listed.
"""
import json
import os
import re
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def file_key(f):
    return (f.get("type"), f.get("path"))


def ring_view(r, fds_of_ring):
    files = r["registered_files"]
    bufs = r["registered_buffers"]
    sq = r.get("sqpoll")
    return {
        "fds": r["fds"],
        "setup_flags": r["setup_flags"],
        "sq_entries": r["sq_entries"],
        "cq_entries": r["cq_entries"],
        "sqpoll": None if sq is None else {
            "cpu": sq["cpu"],
            "idle_ms": sq["idle_ms"],
            "shared_with": sorted(fds_of_ring.get(i, ("?", i)) for i in sq.get("shared_with", [])),
        },
        "eventfd": None if r.get("eventfd") is None else {
            "fds": r["eventfd"]["fds"],
            "async": r["eventfd"]["async"],
        },
        "files_nr": files["nr"],
        "files": [
            (s["index"], file_key(s["file"]), s["fds"], s.get("tag"))
            for s in files["slots"] if not s.get("empty")
        ],
        "buffers_nr": bufs["nr"],
        "buffers": [
            (s["index"], s["addr"], s["len"], s.get("tag"))
            for s in bufs["slots"] if not s.get("empty")
        ],
        "restrictions": r.get("restrictions"),
        "iowq_max_workers": r.get("iowq_max_workers"),
        "napi": r.get("napi"),
        "personalities": r.get("personalities"),
        "buffer_groups": [group_view(g) for g in r.get("buffer_groups") or []],
    }


def group_view(g):
    """A buffer group as restore recreates it: a kernel-memory ring is
    mapped again where the kernel lets (mapped_at differs, not its being
    mapped)."""
    v = {k: x for k, x in g.items() if k != "mapped_at"}
    v["mapped"] = bool(g.get("mapped_at"))
    return v


def epoll_view(e):
    return {
        "fds": e["fds"],
        "items": sorted(
            (i["tfd"], i["events"], i["data"], file_key(i["file"]), i["fds"], i["tfd_stale"])
            for i in e["items"]
        ),
    }


def process_view(p):
    fds_of_ring = {r["id"]: tuple(r["fds"]) for r in p["io_urings"]}
    rings = [ring_view(r, fds_of_ring) for r in p["io_urings"] if r["fds"]]
    epolls = [epoll_view(e) for e in p["epolls"] if e["fds"]]
    return {
        "io_urings": sorted(rings, key=lambda r: r["fds"]),
        "epolls": sorted(epolls, key=lambda e: e["fds"]),
    }


def diff(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            diff(a.get(k), b.get(k), f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: source {json.dumps(a)} != holder {json.dumps(b)}")


def reported_group_losses(report_path):
    """(ring id, personality id) pairs whose groups restore reported lost."""
    lost = set()
    if not report_path:
        return lost
    with open(report_path) as f:
        for line in f:
            m = re.match(r"not restored: io_uring (\S+): personality (\d+): its \d+ "
                         r"supplementary groups", line)
            if m:
                lost.add((m.group(1), int(m.group(2))))
    return lost


def forgive_groups(src_proc, hol_proc, lost):
    """Sets the holder's ngroups to the source's where the loss was reported."""
    hol_by_fds = {tuple(r["fds"]): r for r in hol_proc["io_urings"]}
    for r in src_proc["io_urings"]:
        h = hol_by_fds.get(tuple(r["fds"]))
        if not h:
            continue
        for sp, hp in zip(r.get("personalities") or [], h.get("personalities") or []):
            if (r["id"], sp["id"]) in lost and hp.get("ngroups") == 0:
                hp["ngroups"] = sp["ngroups"]


def ring_groups_by_fds(manifest):
    """{(ring fds, bgid): buffer ring} of an image's manifest."""
    fds = {f["id"]: tuple(f["fds"]) for f in manifest["files"]}
    return {(fds.get(r["file"]), g["bgid"]): g
            for r in manifest["io_urings"] for g in r["buffer_groups"]
            if g["kind"] == "ring"}


def compare_ring_memory(image_dir, manifest, holder_image, out):
    """Every buffer ring's saved bytes, source image against holder image."""
    theirs = ring_groups_by_fds(load(os.path.join(holder_image, "manifest.json")))
    checked = 0
    for key, g in ring_groups_by_fds(manifest).items():
        if not g["memory_contents"]:
            continue
        h = theirs.get(key)
        where = f"io_uring at fds {list(key[0] or [])} buffer ring {key[1]}"
        if not h or not h["memory_contents"]:
            out.append(f"{where}: the holder's image has no bytes of it "
                       f"({h and h['memory_unreadable']})")
            continue
        with open(os.path.join(image_dir, "buffers", g["memory_contents"]), "rb") as f:
            want = f.read()
        with open(os.path.join(holder_image, "buffers", h["memory_contents"]), "rb") as f:
            got = f.read()
        if got != want:
            out.append(f"{where}: the holder's ring memory differs from the image")
        checked += 1
    return checked


def main():
    argv = sys.argv[1:]
    report = None
    if "--report" in argv:
        i = argv.index("--report")
        report = argv[i + 1]
        del argv[i:i + 2]
    no_mem = "--no-mem" in argv
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    image_dir, holder_dump, holder_pid = args
    manifest = load(os.path.join(image_dir, "manifest.json"))
    source = load(os.path.join(image_dir, "dump.json"))
    holder_image = holder_dump if os.path.isdir(holder_dump) else None
    holder = load(os.path.join(holder_dump, "dump.json") if holder_image else holder_dump)
    src = [p for p in source["processes"] if p["pid"] == manifest["pid"]]
    hol = [p for p in holder["processes"] if p["pid"] == int(holder_pid)]
    if len(src) != 1 or len(hol) != 1:
        print("roundtrip: source or holder process missing from the dumps", file=sys.stderr)
        return 1
    forgive_groups(src[0], hol[0], reported_group_losses(report))
    out = []
    diff(process_view(src[0]), process_view(hol[0]), "process", out)

    checked = 0
    with open(os.devnull if no_mem else f"/proc/{holder_pid}/mem", "rb", buffering=0) as mem:
        for ring in [] if no_mem else manifest["io_urings"]:
            for b in ring["buffers"]:
                if not b["contents"]:
                    continue
                with open(os.path.join(image_dir, "buffers", b["contents"]), "rb") as f:
                    want = f.read()
                mem.seek(b["addr"])
                got = mem.read(b["len"])
                if got != want:
                    out.append(f"io_uring {ring['file']} buffer {b['index']}: holder's "
                               f"bytes at {b['addr']:#x} differ from the image")
                checked += 1
    if holder_image:
        checked += compare_ring_memory(image_dir, manifest, holder_image, out)
    for line in out:
        print("roundtrip:", line)
    if out:
        return 1
    print(f"roundtrip: equal ({len(process_view(src[0])['io_urings'])} io_uring, "
          f"{len(process_view(src[0])['epolls'])} epoll, {checked} buffers and buffer rings "
          f"compared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

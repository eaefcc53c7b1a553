#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Oracles for the uringdump e2e tests.

  compare.py TRUTH DUMP [--exact]    the dump (uringdump --json) against a workload's
                                     truth file; also lints the dump
  compare.py --lint DUMP             internal consistency of a dump only
  compare.py --live PID DUMP [--sample N] [--no-lint]
                                     the dump against the live process: /proc/PID/fd
                                     links and inodes, kcmp(KCMP_FILE) for every fd
                                     list, io_uring and epoll fdinfo, and
                                     kcmp(KCMP_EPOLL_TFD) for epoll targets
  compare.py --text TRUTH TEXT       the text report parsed row by row against the truth
  compare.py --text-lint TEXT        a text report parses row by row and is consistent
  compare.py --fake TRUTH [PID]      print the dump the truth implies (self-tests;
                                     with PID, mode and open flags from /proc)
  compare.py --selftest TRUTH PID    lying variants of the fake dump must all be caught
  compare.py --mutants TRUTH DUMP TEXT
                                     each output mutant (MUTANTS) of a real dump and
                                     text report must be caught
  compare.py --mutate-output KIND    stdin to stdout, a dump (JSON or text) mutated
                                     (tests/e2e/mutant-ud.sh)
  compare.py --summary DUMP          one line of counts (for logs)

Exit status: 0 = match, 1 = differences (listed, readable), 2 = bad usage/input.
"""

import copy
import ctypes
import json
import os
import re
import sys
import time

MAX_SHOWN = 60

SETUP_FLAGS = [
    (1 << 0, "IOPOLL"), (1 << 1, "SQPOLL"), (1 << 2, "SQ_AFF"), (1 << 3, "CQSIZE"),
    (1 << 4, "CLAMP"), (1 << 5, "ATTACH_WQ"), (1 << 6, "R_DISABLED"), (1 << 7, "SUBMIT_ALL"),
    (1 << 8, "COOP_TASKRUN"), (1 << 9, "TASKRUN_FLAG"), (1 << 10, "SQE128"),
    (1 << 11, "CQE32"), (1 << 12, "SINGLE_ISSUER"), (1 << 13, "DEFER_TASKRUN"),
    (1 << 14, "NO_MMAP"), (1 << 15, "REGISTERED_FD_ONLY"), (1 << 16, "NO_SQARRAY"),
    (1 << 17, "HYBRID_IOPOLL"), (1 << 18, "CQE_MIXED"), (1 << 19, "SQE_MIXED"),
    (1 << 20, "SQ_REWIND"),
]
EPOLL_EVENTS = [
    (0x1, "EPOLLIN"), (0x2, "EPOLLPRI"), (0x4, "EPOLLOUT"), (0x8, "EPOLLERR"),
    (0x10, "EPOLLHUP"), (0x20, "EPOLLNVAL"), (0x40, "EPOLLRDNORM"), (0x80, "EPOLLRDBAND"),
    (0x100, "EPOLLWRNORM"), (0x200, "EPOLLWRBAND"), (0x400, "EPOLLMSG"),
    (0x2000, "EPOLLRDHUP"), (1 << 27, "EPOLL_URING_WAKE"), (1 << 28, "EPOLLEXCLUSIVE"), (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"), (1 << 31, "EPOLLET"),
]
FILE_TYPES = {"regular", "directory", "chardev", "blockdev", "fifo", "socket", "symlink",
              "io_uring", "epoll", "eventfd", "anon", "other"}
ID_RE = re.compile(r"^f[1-9][0-9]*$")
GROUP_RE = re.compile(r"^g[1-9][0-9]*$")
DEV_RE = re.compile(r"^[0-9]+:[0-9]+$")
# io_uring fdinfo prints at most this many registered files / buffers (6.x)
FDINFO_RSRC_CAP = 10000


class Diffs:
    def __init__(self):
        self.items = []

    def add(self, where, msg):
        self.items.append(f"{where}: {msg}")

    def eq(self, where, what, truth, dump):
        if truth != dump:
            self.add(where, f"{what}: expected {fmt(truth)}, dump has {fmt(dump)}")
            return False
        return True

    def report(self, title):
        if not self.items:
            return 0
        print(f"{title}: {len(self.items)} difference(s)")
        for line in self.items[:MAX_SHOWN]:
            print("  - " + line)
        if len(self.items) > MAX_SHOWN:
            print(f"  ... and {len(self.items) - MAX_SHOWN} more")
        return 1


def fmt(v):
    if isinstance(v, int) and not isinstance(v, bool) and v > 0xffff:
        return f"{v} (0x{v:x})"
    return json.dumps(v) if not isinstance(v, str) else repr(v)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"compare.py: cannot read JSON from {path}: {e}")
        sys.exit(1)


_names_cache = {}


def names_for(value, table):
    key = (value, id(table))
    r = _names_cache.get(key)
    if r is None:
        r = _names_cache[key] = [n for bit, n in table if value & bit]
    return list(r)


_checked_names = set()


def check_names(d, where, value, names, table, what):
    """names must name exactly the known bits of value; extra names only for unknown bits."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        d.add(where, f"{what} is not a list of strings: {fmt(names)}")
        return
    key = (value, tuple(names), what)
    if key in _checked_names:
        return
    n0 = len(d.items)
    known = {n for _, n in table}
    want = names_for(value, table)
    got_known = [n for n in names if n in known]
    if sorted(got_known) != sorted(want):
        d.add(where, f"{what} {names} do not match the bits of {value:#x} (expected {want})")
    if len(set(names)) != len(names):
        d.add(where, f"{what} has duplicates: {names}")
    unknown_bits = value & ~sum(bit for bit, _ in table)
    if [n for n in names if n not in known] and not unknown_bits:
        d.add(where, f"{what} has unknown names {names} but {value:#x} has no unknown bits")
    if len(d.items) == n0:
        _checked_names.add(key)


# ----------------------------------------------------------------------------------------
# lint: a dump's internal consistency
# ----------------------------------------------------------------------------------------

def iter_files(proc):
    """Yields (where, FILE, fds) for every file reference of a process."""
    for r in proc.get("io_urings", []):
        rw = f"pid {proc.get('pid')} ring {r.get('id')}"
        ev = r.get("eventfd")
        if isinstance(ev, dict) and ev.get("file") is not None:
            yield rw + " eventfd", ev.get("file"), ev.get("fds")
        for s in (r.get("registered_files") or {}).get("slots", []):
            if isinstance(s, dict) and not s.get("empty"):
                yield f"{rw} file slot {s.get('index')}", s.get("file"), s.get("fds")
    for e in proc.get("epolls", []):
        for i, it in enumerate(e.get("items", [])):
            yield f"pid {proc.get('pid')} epoll {e.get('id')} item {i} (tfd {it.get('tfd')})", \
                it.get("file"), it.get("fds")


def is_u64(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1 << 64


def lint_file(d, where, f):
    if not isinstance(f, dict):
        d.add(where, f"file is not an object: {fmt(f)}")
        return False
    for k in ("id", "type", "path") if f.get("_partial") else ("id", "type", "inode", "dev", "path"):
        if k not in f:
            d.add(where, f"file has no {k!r}: {fmt(f)}")
            return False
    if not isinstance(f["id"], str) or not ID_RE.match(f["id"]):
        d.add(where, f"file id {fmt(f['id'])} is not f<N>")
    if f["type"] not in FILE_TYPES:
        d.add(where, f"unknown file type {fmt(f['type'])}")
    if f.get("_partial"):
        return True  # a text report's eventfd shown nowhere else: id and path only
    if not is_u64(f["inode"]):
        d.add(where, f"inode {fmt(f['inode'])} is not a number")
    if not isinstance(f["dev"], str) or not DEV_RE.match(f["dev"]):
        d.add(where, f"dev {fmt(f['dev'])} is not MAJOR:MINOR")
    p, t, ino = f["path"], f["type"], f["inode"]
    if not isinstance(p, str) or not p:
        d.add(where, f"path {fmt(p)} is empty")
        return True
    expect = {"fifo": f"pipe:[{ino}]", "socket": f"socket:[{ino}]",
              "eventfd": "anon_inode:[eventfd]", "epoll": "anon_inode:[eventpoll]",
              "io_uring": "anon_inode:[io_uring]"}.get(t)
    if expect and p != expect and not (t == "fifo" and p.startswith("/")):
        d.add(where, f"{t} path {p!r}, expected {expect!r}")
    if t == "anon" and not p.startswith("anon_inode:"):
        d.add(where, f"anon path {p!r} does not start with anon_inode:")
    if t in ("regular", "directory") and not p.startswith("/"):
        d.add(where, f"{t} path {p!r} is not absolute")
    return True


def lint_fds(d, where, fds):
    if type(fds) is list and (len(fds) < 2 or fds == sorted(set(fds))) and \
            all(type(x) is int and x >= 0 for x in fds):
        return True
    if not isinstance(fds, list) or not all(isinstance(x, int) and x >= 0 for x in fds):
        d.add(where, f"fds {fmt(fds)} is not a list of fd numbers")
        return False
    if fds != sorted(set(fds)):
        d.add(where, f"fds {fds} not sorted/unique")
    return True


def lowest_fd_key(obj):
    fds = obj.get("fds") or []
    idn = obj.get("id", "f0")
    num = int(idn[1:]) if isinstance(idn, str) and ID_RE.match(idn) else 0
    return (0, min(fds), 0) if fds else (1, 0, num)


def ring_shape(r):
    """What a ring shows independently of the process that holds it."""
    ev = r.get("eventfd") if isinstance(r.get("eventfd"), dict) else {}
    tabs = []
    for tk in ("registered_files", "registered_buffers"):
        t = r.get(tk) if isinstance(r.get(tk), dict) else {}
        tabs.append((t.get("nr"), t.get("used"), tuple(
            (s.get("index"), (s.get("file") or {}).get("id"), s.get("addr"), s.get("len"))
            for s in t.get("slots") or [] if isinstance(s, dict))))
    return (r.get("inode"), r.get("setup_flags"), r.get("sq_entries"), r.get("cq_entries"),
            json.dumps(r.get("sqpoll"), sort_keys=True), ev.get("async"),
            (ev.get("file") or {}).get("id"), tuple(tabs))


# x86_64: every kernel address (direct map, vmalloc, modules, text) is in the
# upper half; user space ends below 0x0000800000000000.
KERNEL_SPACE = 0xffff800000000000
NUMBER_IN_TEXT = re.compile(r"0x[0-9a-fA-F]+|[0-9a-fA-F]{16}|[0-9]{19,}")


def kernel_address(v):
    """v (an int, or a number written in a string) as a kernel address, or None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if KERNEL_SPACE <= v < 1 << 64 else None
    for tok in NUMBER_IN_TEXT.findall(v):
        try:
            n = int(tok, 16) if tok.startswith("0x") or not tok.isdigit() or len(tok) == 16 else int(tok)
        except ValueError:
            continue
        if KERNEL_SPACE <= n < 1 << 64:
            return n
    return None


def no_kernel_addresses(d, v, where="top"):
    """Every number and every number-like string of a dump (or a text report)
    must not be a kernel address: output never carries kernel pointers."""
    if isinstance(v, dict):
        for k, x in v.items():
            if k != "data":  # an epoll item's user data: any value, compared with the truth
                no_kernel_addresses(d, x, f"{where}.{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            no_kernel_addresses(d, x, f"{where}[{i}]")
    elif isinstance(v, (int, str)):
        a = kernel_address(v)
        if a is not None:
            d.add(where, f"{fmt(v)} holds {a:#x}, a kernel address")


def lint(dump, exact=None):
    d = Diffs()
    if not isinstance(dump, dict):
        d.add("top", "not a JSON object")
        return d
    no_kernel_addresses(d, dump)
    d.eq("top", "version", 1, dump.get("version"))
    if not isinstance(dump.get("exact"), bool):
        d.add("top", f"exact {fmt(dump.get('exact'))} is not a boolean")
    elif exact is not None:
        d.eq("top", "exact", exact, dump["exact"])
    if dump.get("source") not in ("task_file", "native"):
        d.add("top", f"source {fmt(dump.get('source'))} is neither task_file nor native")
    procs = dump.get("processes")
    if not isinstance(procs, list):
        d.add("top", "processes is not a list")
        return d
    pids = [p.get("pid") for p in procs]
    if pids != sorted(pids) or len(set(pids)) != len(pids):
        d.add("top", f"processes not sorted by pid / duplicated: {pids}")

    all_ids = set()
    groups = set()
    files_by_id = {}       # id -> (where, canonical FILE)
    fds_by_id = {}         # (pid, id) -> (where, fds): fds are per process
    ring_ids = {}          # (pid, id) -> ring
    epoll_ids = {}         # (pid, id) -> epoll
    cur = {"pid": None}

    linted = set()

    def see_file(where, f, fds):
        try:
            quick = (f["id"], f["type"], f["inode"], f["dev"], f["path"], len(f), tuple(fds))
        except (TypeError, KeyError):
            quick = None
        if quick is not None and quick in linted:
            return  # an identical reference was checked already
        n0 = len(d.items)
        if not lint_file(d, where, f):
            return
        lint_fds(d, where, fds)
        fid = f["id"]
        all_ids.add(fid)
        canon = {k: f.get(k) for k in ("type", "inode", "dev", "path")}
        if f.get("_partial"):
            pass  # a text report's eventfd: id and path only
        elif fid in files_by_id and files_by_id[fid][1] != canon:
            d.add(where, f"file {fid} is {canon} here but {files_by_id[fid][1]} at {files_by_id[fid][0]}")
        if not f.get("_partial"):
            files_by_id.setdefault(fid, (where, canon))
        pk = (cur["pid"], cur.get("table", "leader"), fid)
        if pk in fds_by_id and fds_by_id[pk][1] != fds:
            d.add(where, f"file {fid} has fds {fds} here but {fds_by_id[pk][1]} at {fds_by_id[pk][0]}")
        fds_by_id.setdefault(pk, (where, fds))
        if quick is not None and len(d.items) == n0:
            linted.add(quick)

    for proc in procs:
        pw = f"pid {proc.get('pid')}"
        cur["pid"] = proc.get("pid")
        if not isinstance(proc.get("pid"), int) or not isinstance(proc.get("comm"), str):
            d.add(pw, "pid/comm missing")
        # a task_file dump knows every fd; only native dumps do not
        if proc.get("fds_known") is not (dump.get("source") != "native"):
            d.add(pw, f"fds_known {fmt(proc.get('fds_known'))} in a {dump.get('source')} dump")
        rings = proc.get("io_urings")
        eps = proc.get("epolls")
        if not isinstance(rings, list) or not isinstance(eps, list):
            d.add(pw, "io_urings/epolls missing")
            continue
        for kind, objs, ids in (("ring", rings, ring_ids), ("epoll", eps, epoll_ids)):
            keys = [lowest_fd_key(o) for o in objs]
            if keys != sorted(keys):
                d.add(pw, f"{kind}s not sorted by lowest fd: {[o.get('fds') for o in objs]}")
            for o in objs:
                w = f"{pw} {kind} {o.get('id')}"
                if not isinstance(o.get("id"), str) or not ID_RE.match(o.get("id")):
                    d.add(w, f"id {fmt(o.get('id'))} is not f<N>")
                    continue
                pk = (proc.get("pid"), o["id"])
                if pk in ids:
                    d.add(w, f"{kind} {o['id']} listed twice")
                ids[pk] = o
                all_ids.add(o["id"])
                lint_fds(d, w, o.get("fds"))
                if not is_u64(o.get("inode")):
                    d.add(w, f"inode {fmt(o.get('inode'))} is not a number")
                # rings/epolls also appear as FILEs (registered files, epoll targets)
                pk = (proc.get("pid"), "leader", o["id"])
                if pk in fds_by_id and fds_by_id[pk][1] != o.get("fds"):
                    d.add(w, f"fds {o.get('fds')} but {fds_by_id[pk][1]} at {fds_by_id[pk][0]}")
                fds_by_id.setdefault(pk, (w, o.get("fds")))
        for r in rings:
            w = f"{pw} ring {r.get('id')}"
            # slots resolve against the table that holds the ring
            cur["table"] = r.get("fds_table") or "leader"
            fl = r.get("setup_flags")
            if not is_u64(fl):
                d.add(w, f"setup_flags {fmt(fl)}")
                fl = 0
            check_names(d, w, fl, r.get("setup_flag_names"), SETUP_FLAGS, "setup_flag_names")
            for k in ("sq_entries", "cq_entries"):
                if not is_u64(r.get(k)) or r.get(k) == 0:
                    d.add(w, f"{k} {fmt(r.get(k))}")
            sq = r.get("sqpoll", "missing")
            if sq == "missing":
                d.add(w, "no sqpoll key")
            elif bool(fl & 2) != (sq is not None):
                d.add(w, f"setup_flags {fl:#x} vs sqpoll {fmt(sq)}")
            if isinstance(sq, dict):
                if not isinstance(sq.get("cpu"), int) or sq.get("cpu") < -1:
                    d.add(w, f"sqpoll.cpu {fmt(sq.get('cpu'))}")
                if sq.get("idle_ms") is not None and not is_u64(sq.get("idle_ms")):
                    d.add(w, f"sqpoll.idle_ms {fmt(sq.get('idle_ms'))}")
                if not isinstance(sq.get("thread_pid"), int) or sq.get("thread_pid") <= 0:
                    d.add(w, f"sqpoll.thread_pid {fmt(sq.get('thread_pid'))}")
                g = sq.get("group")
                if not isinstance(g, str) or not GROUP_RE.match(g):
                    d.add(w, f"sqpoll.group {fmt(g)} is not g<N>")
                else:
                    groups.add(g)
                if not isinstance(sq.get("shared_with"), list):
                    d.add(w, f"sqpoll.shared_with {fmt(sq.get('shared_with'))}")
            ev = r.get("eventfd", "missing")
            if ev == "missing":
                d.add(w, "no eventfd key")
            elif ev is not None:
                if not isinstance(ev, dict) or not isinstance(ev.get("async"), bool):
                    d.add(w, f"eventfd {fmt(ev)}")
                elif ev.get("file") is None:
                    if ev.get("fds") != []:
                        d.add(w, f"eventfd without a file has fds {fmt(ev.get('fds'))}")
                else:
                    see_file(w + " eventfd", ev.get("file"), ev.get("fds"))
                    if ev["file"].get("type") != "eventfd":
                        d.add(w, f"eventfd file type {ev['file'].get('type')}")
            for tk in ("registered_files", "registered_buffers"):
                t = r.get(tk)
                tw = f"{w} {tk}"
                if not isinstance(t, dict) or not isinstance(t.get("slots"), list):
                    d.add(tw, f"missing or not an object: {fmt(t)}")
                    continue
                slots = t["slots"]
                d.eq(tw, "nr (vs number of slots)", len(slots), t.get("nr"))
                idx = [s.get("index") for s in slots]
                if idx != list(range(len(slots))):
                    bad = next((i for i, x in enumerate(idx) if x != i), None)
                    d.add(tw, f"slot indices are not 0..nr-1 in order (first mismatch at position {bad}: {idx[bad] if bad is not None else '?'})")
                used = sum(1 for s in slots if not s.get("empty"))
                d.eq(tw, "used (vs non-empty slots)", used, t.get("used"))
                if not isinstance(t.get("complete"), bool):
                    d.add(tw, f"complete {fmt(t.get('complete'))}")
                if not isinstance(t.get("dumped"), bool):
                    d.add(tw, f"dumped {fmt(t.get('dumped'))}")
                for s in slots:
                    sw = f"{tw} slot {s.get('index')}"
                    if s.get("empty"):
                        if s.get("empty") is not True or set(s) != {"index", "empty"}:
                            d.add(sw, f"empty slot has extra keys: {fmt(s)}")
                    elif tk == "registered_files":
                        see_file(sw, s.get("file"), s.get("fds"))
                        if isinstance(s.get("file"), dict) and s["file"].get("type") == "io_uring":
                            d.add(sw, "a ring cannot be a registered file")
                    else:
                        if not is_u64(s.get("addr")) or not is_u64(s.get("len")) or s.get("len") == 0:
                            d.add(sw, f"addr/len {fmt(s.get('addr'))}/{fmt(s.get('len'))}")
                        if not isinstance(s.get("nr_bvecs"), int) or s.get("nr_bvecs") < 1:
                            d.add(sw, f"nr_bvecs {fmt(s.get('nr_bvecs'))}")
        for e in eps:
            cur["table"] = e.get("fds_table") or "leader"
            w = f"{pw} epoll {e.get('id')}"
            if not isinstance(e.get("complete"), bool):
                d.add(w, f"complete {fmt(e.get('complete'))}")
            items = e.get("items")
            if not isinstance(items, list):
                d.add(w, "items is not a list")
                continue
            keys = set()
            for i, it in enumerate(items):
                iw = f"{w} item {i} (tfd {it.get('tfd')})"
                if not isinstance(it.get("tfd"), int) or it["tfd"] < 0:
                    d.add(iw, f"tfd {fmt(it.get('tfd'))}")
                ev = it.get("events")
                if not is_u64(ev) or ev >= 1 << 32:
                    d.add(iw, f"events {fmt(ev)}")
                    ev = 0
                check_names(d, iw, ev, it.get("event_names"), EPOLL_EVENTS, "event_names")
                if not is_u64(it.get("data")):
                    d.add(iw, f"data {fmt(it.get('data'))} is not a uint64")
                see_file(iw, it.get("file"), it.get("fds"))
                fid = (it.get("file") or {}).get("id")
                key = (fid, it.get("tfd"))
                if key in keys:
                    d.add(iw, f"two items with the same (file, tfd) {key}: the kernel keys items by it")
                keys.add(key)
                if isinstance(it.get("fds"), list):
                    # a native dump has no fd table: nothing is stale there
                    d.eq(iw, "tfd_stale (tfd not among fds)",
                         dump.get("source") != "native" and it.get("tfd") not in it["fds"],
                         it.get("tfd_stale"))
                t = (it.get("file") or {}).get("type")
                if (t == "io_uring") != ("io_uring" in it):
                    d.add(iw, f"file type {t} but io_uring key {'present' if 'io_uring' in it else 'absent'}")
                if (t == "epoll") != ("epoll" in it):
                    d.add(iw, f"file type {t} but epoll key {'present' if 'epoll' in it else 'absent'}")
                for k in ("io_uring", "epoll"):
                    if k in it and it[k] != fid:
                        d.add(iw, f"{k} {fmt(it[k])} is not the target file {fmt(fid)}")
    # cross references and SQPOLL groups
    for proc in procs:
        for e in proc.get("epolls", []) or []:
            for i, it in enumerate(e.get("items", []) or []):
                iw = f"pid {proc.get('pid')} epoll {e.get('id')} item {i} (tfd {it.get('tfd')})"
                if "io_uring" in it and (proc.get("pid"), it["io_uring"]) not in ring_ids and it.get("fds"):
                    d.add(iw, f"io_uring {it['io_uring']} is not a dumped ring")
                if "epoll" in it and (proc.get("pid"), it["epoll"]) not in epoll_ids and it.get("fds"):
                    d.add(iw, f"epoll {it['epoll']} is not a dumped epoll")
    by_group = {}
    rings_by_id = {}
    for (pid, rid), r in ring_ids.items():
        if rid in rings_by_id and ring_shape(rings_by_id[rid]) != ring_shape(r):
            d.add(f"ring {rid}", "shown differently in two processes (beyond its fds)")
        rings_by_id.setdefault(rid, r)
    for rid, r in rings_by_id.items():
        sq = r.get("sqpoll")
        if isinstance(sq, dict) and isinstance(sq.get("group"), str):
            by_group.setdefault(sq["group"], []).append((rid, r))
    for g, members in by_group.items():
        ids = {rid for rid, _ in members}
        tp = {r["sqpoll"].get("thread_pid") for _, r in members}
        cpus = {r["sqpoll"].get("cpu") for _, r in members}
        if len(tp) != 1:
            d.add(f"group {g}", f"rings {sorted(ids)} share a group but not a thread: {tp}")
        if len(cpus) != 1:
            d.add(f"group {g}", f"rings {sorted(ids)} share a thread but report cpus {cpus}")
        for rid, r in members:
            sw = r["sqpoll"].get("shared_with")
            if isinstance(sw, list) and sorted(sw, key=str) != sorted(ids - {rid}):
                d.add(f"ring {rid}", f"sqpoll.shared_with {sw}, expected {sorted(ids - {rid})}")
    tps = {}
    for g, members in by_group.items():
        for _, r in members:
            tps.setdefault(r["sqpoll"].get("thread_pid"), set()).add(g)
    for tp, gs in tps.items():
        if len(gs) > 1:
            d.add("sqpoll", f"thread {tp} appears in several groups {sorted(gs)}")
    # the renumbered ids are contiguous
    for what, ids, pfx in (("file ids", all_ids, "f"), ("group ids", groups, "g")):
        nums = sorted(int(x[1:]) for x in ids if isinstance(x, str) and x[1:].isdigit())
        if nums != list(range(1, len(nums) + 1)):
            missing = sorted(set(range(1, (nums[-1] if nums else 0) + 1)) - set(nums))[:10]
            d.add("ids", f"{what} are not {pfx}1..{pfx}{len(nums)} (missing e.g. {missing})")
    for rid in rings_by_id:
        if rid in files_by_id and files_by_id[rid][1]["type"] != "io_uring":
            d.add(f"ring {rid}", f"its id names a {files_by_id[rid][1]['type']} file elsewhere")
    for _, eid in epoll_ids:
        if eid in files_by_id and files_by_id[eid][1]["type"] != "epoll":
            d.add(f"epoll {eid}", f"its id names a {files_by_id[eid][1]['type']} file elsewhere")
    return d


# ----------------------------------------------------------------------------------------
# truth vs dump
# ----------------------------------------------------------------------------------------

class Labels:
    """A truth label (one struct file) must map to exactly one dump id, and back."""

    def __init__(self, d):
        self.d = d
        self.l2i = {}
        self.i2l = {}

    def bind(self, where, label, fid):
        if label is None or fid is None:
            return
        if label in self.l2i and self.l2i[label] != fid:
            self.d.add(where, f"truth file {label!r} is dump file {fid} here but {self.l2i[label]} elsewhere")
        elif fid in self.i2l and self.i2l[fid] != label:
            self.d.add(where, f"dump file {fid} stands for truth file {label!r} here but {self.i2l[fid]!r} elsewhere (two files merged)")
        self.l2i.setdefault(label, fid)
        self.i2l.setdefault(fid, label)


def cmp_file(d, labels, where, tf, df, dfds, files_table=None):
    """tf: truth object with file/type/path/inode/dev/fds (or ref); df: dump FILE; dfds."""
    if "ref" in tf and files_table is not None:
        tf = dict(files_table[tf["ref"]], **{k: v for k, v in tf.items() if k != "ref"})
    if not isinstance(df, dict):
        d.add(where, f"no file in the dump (expected {tf.get('type')} {tf.get('path')})")
        return
    ok = d.eq(where, "file type", tf["type"], df.get("type"))
    ok &= d.eq(where, "file path", tf["path"], df.get("path"))
    if df.get("_partial"):  # a text report shows this eventfd by id and path only
        d.eq(where, "fds holding the file", sorted(tf["fds"]), dfds)
        labels.bind(where, tf.get("file"), df.get("id"))
        return
    ok &= d.eq(where, "file inode", tf["inode"], df.get("inode"))
    if "dev" in tf:
        ok &= d.eq(where, "file dev", tf["dev"], df.get("dev"))
    d.eq(where, "fds holding the file", sorted(tf["fds"]), dfds)
    labels.bind(where, tf.get("file"), df.get("id"))


def cmp_ring(d, labels, tr, dr, exact):
    w = f"ring {tr['name']} (fd {tr['fd']})"
    labels.bind(w, tr.get("file", tr["name"]), dr.get("id"))
    d.eq(w, "fds", sorted(tr["fds"]), dr.get("fds"))
    d.eq(w, "inode", tr["inode"], dr.get("inode"))
    d.eq(w, "setup_flags", tr["setup_flags"], dr.get("setup_flags"))
    d.eq(w, "sq_entries", tr["sq_entries"], dr.get("sq_entries"))
    d.eq(w, "cq_entries", tr["cq_entries"], dr.get("cq_entries"))
    tsq, dsq = tr.get("sqpoll"), dr.get("sqpoll")
    if (tsq is None) != (dsq is None):
        d.add(w, f"sqpoll: expected {fmt(tsq)}, dump has {fmt(dsq)}")
    elif tsq is not None and isinstance(dsq, dict):
        d.eq(w, "sqpoll.cpu", tsq["cpu"], dsq.get("cpu"))
        if os.environ.get("UD_ALLOW_NULL_IDLE") and dsq.get("idle_ms") is None:
            pass
        else:
            d.eq(w, "sqpoll.idle_ms", tsq["idle_ms"], dsq.get("idle_ms"))
        d.eq(w, "sqpoll.thread_pid", tsq["thread_pid"], dsq.get("thread_pid"))
        labels.bind(w + " sqpoll.group", "group:" + tsq["group"], dsq.get("group"))
    tev, dev = tr.get("eventfd"), dr.get("eventfd")
    if (tev is None) != (dev is None):
        d.add(w, f"eventfd: expected {fmt(tev and tev.get('fds'))}, dump has {fmt(dev)}")
    elif tev is not None and isinstance(dev, dict):
        d.eq(w, "eventfd.async", tev["async"], dev.get("async"))
        d.eq(w, "eventfd.fds", sorted(tev["fds"]), dev.get("fds"))
        if tev.get("closed"):
            # the eventfd's file was released (its only fd closed); the ring
            # still holds the eventfd context: no file to show
            if dev.get("file") is not None:
                d.add(w, f"eventfd: its file was closed, the dump shows {fmt(dev.get('file'))}")
        else:
            cmp_file(d, labels, w + " eventfd", tev, dev.get("file"), dev.get("fds"))
    for tk in ("registered_files", "registered_buffers"):
        tt, dt = tr[tk], dr.get(tk) or {}
        tw = f"{w} {tk}"
        tslots = tt["slots"]
        dslots = dt.get("slots") or []
        d.eq(tw, "nr", tt["nr"], dt.get("nr"))
        d.eq(tw, "used", sum(1 for s in tslots if s is not None), dt.get("used"))
        d.eq(tw, "complete", True, dt.get("complete"))
        d.eq(tw, "dumped", True, dt.get("dumped"))
        if len(dslots) != len(tslots):
            d.add(tw, f"{len(dslots)} slots in the dump, {len(tslots)} registered")
        for i, ts in enumerate(tslots):
            sw = f"{tw} slot {i}"
            ds = dslots[i] if i < len(dslots) else None
            if ds is None:
                continue
            if ts is None:
                if not ds.get("empty"):
                    d.add(sw, f"registered empty, dump shows {fmt(ds.get('file') or ds)}")
                continue
            if ds.get("empty"):
                d.add(sw, f"dump says empty, registered {ts.get('path', '')}{' addr=%#x len=%d' % (ts['addr'], ts['len']) if 'addr' in ts else ''}")
                continue
            if tk == "registered_files":
                cmp_file(d, labels, sw, ts, ds.get("file"), ds.get("fds"))
            else:
                d.eq(sw, "addr", ts["addr"], ds.get("addr"))
                d.eq(sw, "len", ts["len"], ds.get("len"))
                cmp_bvecs(d, sw, ts, ds.get("nr_bvecs"))


def cmp_bvecs(d, where, ts, got):
    """nr_bvecs against the workload's count (tests/workloads: wl_buffer_bvecs):
    one bio_vec per page the buffer spans, fewer where the kernel coalesced
    pages of large folios; the workload read the folios and the rule of the
    running kernel."""
    if ts.get("nr_bvecs") is None:
        d.add(where, f"the truth has no nr_bvecs to compare with ({ts.get('bvecs_rule', 'an old workload')})")
        return
    d.eq(where, f"nr_bvecs ({ts['pages']} pages, {ts.get('bvecs_rule')})", ts["nr_bvecs"], got)


def cmp_epoll(d, labels, te, de, files_table, fds_known=True):
    w = f"epoll {te['name']} (fd {te['fd']})"
    labels.bind(w, te.get("file", te["name"]), de.get("id"))
    d.eq(w, "fds", sorted(te["fds"]), de.get("fds"))
    d.eq(w, "inode", te["inode"], de.get("inode"))
    d.eq(w, "complete", True, de.get("complete"))
    ditems = de.get("items") or []
    d.eq(w, "number of items", len(te["items"]), len(ditems))
    index = {}
    for it in ditems:
        k = (it.get("tfd"), it.get("data"))
        if k in index:
            d.add(w, f"item tfd {k[0]} data {fmt(k[1])} appears twice")
        index[k] = it
    seen = set()
    for ti in te["items"]:
        k = (ti["tfd"], ti["data"])
        iw = f"{w} item tfd {ti['tfd']} data {ti['data']:#x}"
        di = index.get(k)
        if di is None:
            d.add(iw, "missing from the dump")
            continue
        seen.add(k)
        tfile = files_table[ti["ref"]] if "ref" in ti else ti
        d.eq(iw, "events", ti["events"], di.get("events"))
        cmp_file(d, labels, iw, tfile, di.get("file"), di.get("fds"))
        # a native dump has no fd table: no tfd is stale there
        d.eq(iw, "tfd_stale", fds_known and ti["tfd"] not in tfile["fds"], di.get("tfd_stale"))
        for k2 in ("io_uring", "epoll"):
            if k2 in ti:
                labels.bind(iw + " " + k2, ti[k2], di.get(k2))
                if k2 not in di:
                    d.add(iw, f"no {k2} reference")
    extra = [k for k in index if k not in seen]
    for k in extra[:10]:
        d.add(w, f"unexpected item tfd {k[0]} data {fmt(k[1])}")


def find_by_fd(objs, fd):
    hits = [o for o in objs if fd in (o.get("fds") or [])]
    return hits[0] if len(hits) == 1 else None


def compare_truth(truth, dump, exact):
    d = lint(dump, exact)
    # the workload's process, dumped live or through a CO-RE pin: the
    # task_file iterator, which knows every fd
    d.eq("top", "source", "task_file", dump.get("source"))
    labels = Labels(d)
    procs = [p for p in dump.get("processes", []) if p.get("pid") == truth["pid"]]
    if len(procs) != 1:
        d.add("top", f"expected one process with pid {truth['pid']}, dump has {len(procs)}")
        return d
    proc = procs[0]
    d.eq(f"pid {truth['pid']}", "comm", truth["comm"], proc.get("comm"))
    if "churn" in truth:
        compare_churn(d, truth["churn"], proc, dump.get("exact") is True)
        return d
    if "reach" in truth:
        compare_reach(d, truth["reach"], proc, truth["pid"])
        return d
    if "locked" in truth:
        compare_locked(d, truth["locked"], proc)
        return d
    if "state" in truth:
        compare_state(d, truth["state"], proc, dump.get("exact") is True)
        return d
    files_table = truth.get("files", {})
    drings, deps = proc.get("io_urings") or [], proc.get("epolls") or []
    d.eq("process", "number of rings", len(truth["rings"]), len(drings))
    d.eq("process", "number of epolls", len(truth["epolls"]), len(deps))
    for tr in truth["rings"]:
        dr = find_by_fd(drings, tr["fd"])
        if dr is None:
            d.add(f"ring {tr['name']}", f"no (single) ring with fd {tr['fd']} in the dump")
            continue
        cmp_ring(d, labels, tr, dr, exact)
    for te in truth["epolls"]:
        de = find_by_fd(deps, te["fd"])
        if de is None:
            d.add(f"epoll {te['name']}", f"no (single) epoll with fd {te['fd']} in the dump")
            continue
        cmp_epoll(d, labels, te, de, files_table)
    # SQPOLL: rings of one truth group share one dump group and list each other
    byname = {tr["name"]: tr for tr in truth["rings"]}
    for tr in truth["rings"]:
        if not tr.get("sqpoll"):
            continue
        dr = find_by_fd(drings, tr["fd"])
        if not dr or not isinstance(dr.get("sqpoll"), dict):
            continue
        want = sorted(labels.l2i.get(o["name"], "?") for o in byname.values()
                      if o.get("sqpoll") and o["sqpoll"]["group"] == tr["sqpoll"]["group"]
                      and o is not tr)
        got = dr["sqpoll"].get("shared_with")
        if isinstance(got, list) and sorted(got) != want:
            d.add(f"ring {tr['name']}", f"sqpoll.shared_with: expected {want}, dump has {got}")
    return d


def compare_reach(d, t, proc, pid):
    """ring_reach: every ring the process can reach, each once, with how it
    is held; threads with their fd tables.  Oracles: the workload's record,
    and what procfs said to the workload (/proc/self/maps, task fd dirs)."""
    rings = proc.get("io_urings") or []
    if "threads" in proc and not proc["threads"]:
        # a pinned dump sees the leader's fd table only (the man page says so)
        print("compare.py: note: a dump without threads (pinned): only the rings of the leader's table are compared")
        want = [tr for tr in t["rings"] if tr["present"] and tr["fds"]]
        d.eq("process", "number of rings (leader's table only)", len(want), len(rings))
        for tr in want:
            hits = [r for r in rings if r.get("sq_entries") == tr["sq_entries"]]
            if len(hits) != 1:
                d.add(f"ring {tr['name']}", f"expected one ring with sq_entries {tr['sq_entries']}, dump has {len(hits)}")
            else:
                d.eq(f"ring {tr['name']}", "fds", tr["fds"], hits[0].get("fds"))
        return
    threads = {th.get("tid"): th for th in proc.get("threads") or []}
    if "threads" not in proc:
        # the text report: threads show only through their own tables
        threads = {tt["tid"]: {"tid": tt["tid"], "fd_table": "leader"} for tt in t["threads"]}
        for tb in proc.get("fd_tables") or []:
            for tid in tb.get("threads") or []:
                threads[tid] = {"tid": tid, "fd_table": tb.get("id")}
    # thread tables: the table of each truth thread, and who shares it
    table_of = {}
    for tt in t["threads"]:
        w = f"thread {tt['tid']}"
        th = threads.get(tt["tid"])
        if th is None:
            d.add(w, "missing from the dump's threads")
            continue
        got = th.get("fd_table")
        if tt["table"] == "leader":
            d.eq(w, "fd_table", "leader", got)
        elif tt["table"] == "own":
            if not isinstance(got, str) or not got.startswith("t"):
                d.add(w, f"fd_table: expected a table of its own, dump has {fmt(got)}")
        else:
            d.eq(w, "fd_table (shared with thread %d)" % tt["shares_with"],
                 threads.get(tt["shares_with"], {}).get("fd_table"), got)
        table_of[tt["tid"]] = got
    tables = {tb.get("id"): tb for tb in proc.get("fd_tables") or []}
    for tid, tb in table_of.items():
        if tb != "leader" and isinstance(tb, str):
            if tb not in tables:
                d.add(f"thread {tid}", f"table {tb} not in fd_tables")
            elif tid not in (tables[tb].get("threads") or []):
                d.add(f"fd_table {tb}", f"threads {tables[tb].get('threads')} lack {tid}")
    want = sum(1 for tr in t["rings"] if tr["present"])
    d.eq("process", "number of rings (each once)", want, len(rings))
    # the leader's and thread tables' io_uring fds, as procfs listed them
    fds_of = {e["tid"]: e for e in t["proc_task_fds"]}
    leader_fds = sorted(fd for r in rings for fd in (r.get("fds") or []))
    d.eq("process", "io_uring fds of the leader's table (/proc/PID/task/PID/fd)",
         fds_of[pid]["io_uring_fds"], leader_fds)
    for tid, e in fds_of.items():
        tb = table_of.get(tid)
        if tid == pid or not isinstance(tb, str):
            continue
        got = sorted(x["fd"] for r in rings for x in (r.get("thread_fds") or []) if x.get("fd_table") == tb)
        d.eq(f"thread {tid}", "io_uring fds of its table (/proc/PID/task/TID/fd)", e["io_uring_fds"], got)
        got = sorted(x["fd"] for ep in proc.get("epolls") or [] for x in (ep.get("thread_fds") or [])
                     if x.get("fd_table") == tb)
        d.eq(f"thread {tid}", "epoll fds of its table (/proc/PID/task/TID/fd)", e["epoll_fds"], got)
    for tr in t["rings"]:
        w = f"ring {tr['name']}"
        if not tr["present"]:
            print(f"compare.py: note: {w} not built on this kernel: {tr['unsupported']}")
            continue
        hits = [r for r in rings if r.get("sq_entries") == tr["sq_entries"]]
        if len(hits) != 1:
            d.add(w, f"expected one ring with sq_entries {tr['sq_entries']}, dump has {len(hits)}")
            continue
        dr = hits[0]
        d.eq(w, "fds", tr["fds"], dr.get("fds"))
        want_tf = sorted((table_of.get(x["tid"]), x["fd"]) for x in tr["thread_fds"])
        got_tf = [(x.get("fd_table"), x.get("fd")) for x in dr.get("thread_fds") or []
                  if table_of.get(pid) != x.get("fd_table")]
        # a table copied by unshare(CLONE_FILES) keeps the leader's fds too
        got_tf = sorted(x for x in got_tf if x[1] not in tr["fds"])
        d.eq(w, "thread_fds", want_tf, got_tf)
        d.eq(w, "registered", sorted((x["tid"], x["index"]) for x in tr["registered"]),
             sorted((x.get("tid"), x.get("index")) for x in dr.get("registered") or []))
        maps = dr.get("mappings") or []
        if tr["mapped"] != bool(maps):
            d.add(w, f"mapped: expected {tr['mapped']}, dump has {len(maps)} mapping(s)")
    # every io_uring mapping /proc/PID/maps listed, each under one ring
    want = sorted((m["start"], m["end"]) for m in t["proc_maps"])
    got = sorted((int(m["start"], 16), int(m["end"], 16)) for r in rings for m in r.get("mappings") or [])
    d.eq("process", "io_uring mappings (/proc/PID/maps)", want, got)
    for r in rings:
        for m in r.get("mappings") or []:
            if "offset" in m:
                pm = [x for x in t["proc_maps"] if x["start"] == int(m["start"], 16)]
                if pm and int(m["offset"], 16) != pm[0]["offset"]:
                    d.add(f"ring {r.get('id')}", f"mapping {m['start']}: offset {m['offset']}, /proc/PID/maps {pm[0]['offset']:#x}")
    for te in t["epolls"]:
        w = f"epoll {te['name']}"
        tb = table_of.get(te["tid"])
        hits = [ep for ep in proc.get("epolls") or []
                if any(x.get("fd_table") == tb and x.get("fd") == te["fd"] for x in ep.get("thread_fds") or [])]
        if len(hits) != 1:
            d.add(w, f"expected one epoll at {tb}:{te['fd']}, dump has {len(hits)}")
            continue
        d.eq(w, "items", te["items"], len(hits[0].get("items") or []))
        d.eq(w, "fds (leader's table)", [], hits[0].get("fds"))


SQ_FLAGS = [(1, "NEED_WAKEUP"), (2, "CQ_OVERFLOW"), (4, "TASKRUN")]


def compare_state(d, t, proc, frozen=False):
    """ring_state: each ring's progress against what the workload expects and
    what it read itself from the memory it shares with the kernel."""
    rings = proc.get("io_urings") or []
    d.eq("process", "number of rings", len(t["rings"]), len(rings))
    if "iowq" in t:
        want = t["iowq"]
        if "iowq_cpus" in proc:  # the text report: a line per mask
            got = proc["iowq_cpus"].get(want["tid"])
        elif proc.get("threads"):
            got = {th.get("tid"): th for th in proc["threads"]}.get(want["tid"], {}).get("iowq_cpus")
        else:
            got = want["cpus"]
            print("compare.py: note: a dump without threads (pinned): io-wq affinity not compared")
        d.eq(f"thread {want['tid']}", "iowq_cpus (IORING_REGISTER_IOWQ_AFF)", want["cpus"], got)
    for tr in t["rings"]:
        w = f"ring {tr['name']}"
        dr = find_by_fd(rings, tr["fd"])
        if dr is None:
            d.add(w, f"no (single) ring with fd {tr['fd']}")
            continue
        st = dr.get("state")
        if not isinstance(st, dict):
            d.add(w, f"state: expected an object, dump has {fmt(st)}")
            continue
        if tr.get("note"):
            print(f"compare.py: note: {w}: {tr['note']}")
        for k, v in tr["own"].items():
            d.eq(w, f"state.{k} (the workload's own read of the shared ring)", v, st.get(k))
        for k in ("sq_pending", "cq_pending", "overflow_list", "submitter_tid"):
            d.eq(w, f"state.{k}", tr[k], st.get(k))
        lack = tr["need_sq_flags"] & ~(st.get("sq_flags", 0) or 0)
        if lack == 1 and frozen:
            # stopping the process (--freeze) wakes its SQPOLL thread (6.1)
            print(f"compare.py: note: {w}: NEED_WAKEUP cleared by the freeze")
        elif lack:
            d.add(w, f"state.sq_flags {fmt(st.get('sq_flags'))} lack {lack:#x}")
        check_names(d, w, st.get("sq_flags"), st.get("sq_flag_names"), SQ_FLAGS, "state.sq_flag_names")
        d.eq(w, "state.overflow_complete", True, st.get("overflow_complete"))
        if "personalities" in tr:
            got = [{k: x.get(k) for k in ("id", "uid", "gid", "euid", "egid", "ngroups")}
                   for x in dr.get("personalities") or []]
            d.eq(w, "personalities", tr["personalities"], got)
        for n in tr.get("notes") or []:
            print(f"compare.py: note: {w}: {n}")
        if "buffer_groups" in tr:
            compare_groups(d, w, tr["buffer_groups"], dr)
        if "napi" in tr:
            d.eq(w, "napi", tr["napi"], dr.get("napi"))
        if "requests" in tr and isinstance(dr.get("requests"), dict):
            compare_requests(d, w, tr["requests"], dr["requests"])
        for tk, key in (("registered_files", "file_tags"), ("registered_buffers", "buf_tags")):
            if key in tr:
                slots = (dr.get(tk) or {}).get("slots") or []
                d.eq(w, f"{tk} tags", [x or None for x in tr[key]], [s.get("tag") for s in slots])
        # registrations
        if "iowq_bounded" in tr:
            d.eq(w, "iowq_max_workers", {"bounded": tr["iowq_bounded"], "unbounded": tr["iowq_unbounded"]},
                 dr.get("iowq_max_workers"))
            ev = dr.get("eventfd")
            d.eq(w, "eventfd.count", tr["eventfd_count"], ev.get("count") if isinstance(ev, dict) else None)
            want = tr["restrictions"]
            got = dr.get("restrictions")
            if want is None:
                d.eq(w, "restrictions", None, got)
            elif not isinstance(got, dict):
                d.add(w, f"restrictions: expected an object, dump has {fmt(got)}")
            else:
                bits = lambda v: [i for i in range(64) if v >> i & 1]
                d.eq(w, "restrictions.allowed_register_ops", bits(want["register_ops"]), got.get("allowed_register_ops"))
                d.eq(w, "restrictions.allowed_sqe_ops", bits(want["sqe_ops"]), got.get("allowed_sqe_ops"))
                d.eq(w, "restrictions.sqe_flags_allowed", want["sqe_flags_allowed"], got.get("sqe_flags_allowed"))
                d.eq(w, "restrictions.sqe_flags_required", want["sqe_flags_required"], got.get("sqe_flags_required"))
        d.eq(w, "state.sq_pending = sq_tail - sq_head", (st.get("sq_tail", 0) - st.get("sq_head", 0)) & 0xffffffff,
             st.get("sq_pending"))
        d.eq(w, "state.cq_pending = cq_tail - cq_head", (st.get("cq_tail", 0) - st.get("cq_head", 0)) & 0xffffffff,
             st.get("cq_pending"))


def compare_requests(d, w, want, got):
    """uringdump --requests: the CQEs not reaped and overflowed (in order) and
    the requests that wait (any order), against what the workload submitted."""
    d.eq(w, "requests.cqes user_data", want["cqes"], [c.get("user_data") for c in got.get("cqes") or []])
    d.eq(w, "requests.overflow user_data", want["overflow"],
         [c.get("user_data") for c in got.get("overflow") or []])
    for c in (got.get("cqes") or []) + (got.get("overflow") or []):
        d.eq(w, f"requests: res of the CQE of NOP {c.get('user_data')}", 0, c.get("res"))
    # io-wq work: queued or running, as the worker got to it (at most one
    # running per worker: the workload allows one)
    iowq = ("iowq_queued", "iowq_running")
    kind = lambda k: "iowq" if k in iowq else k
    key = lambda x: (x.get("user_data"), kind(x.get("kind")), x.get("opcode"))
    d.eq(w, "requests.in_flight", sorted(map(key, want["in_flight"])),
         sorted(map(key, got.get("in_flight") or [])))
    if "iowq_running_max" in want:
        running = sum(1 for x in got.get("in_flight") or [] if x.get("kind") == "iowq_running")
        if running > want["iowq_running_max"]:
            d.add(w, f"requests: {running} io-wq works running, at most {want['iowq_running_max']} worker(s)")
    for k in ("cqes_complete", "overflow_complete", "polls_complete", "timeouts_complete",
              "link_timeouts_complete", "iowq_complete"):
        d.eq(w, f"requests.{k}", True, got.get(k))


def compare_groups(d, w, want, dr):
    """Provided-buffer groups, against what the workload provided and
    registered (bgid order)."""
    got = dr.get("buffer_groups")
    if not isinstance(got, list):
        d.add(w, f"buffer_groups: expected a list, dump has {fmt(got)}")
        return
    d.eq(w, "buffer_groups bgids", [g["bgid"] for g in want], [g.get("bgid") for g in got])
    for tg, dg in zip(want, got):
        wg = f"{w} buffer group {tg['bgid']}"
        for k, v in tg.items():
            if k == "mapped_at":
                # a dump without the process's mappings (a pinned stream:
                # no task_vma walk) cannot say where the ring is mapped
                if dr.get("mappings"):
                    d.eq(wg, k, [f"{v:#x}"], dg.get(k))
            else:
                d.eq(wg, k, v, dg.get(k))
        if tg["kind"] == "legacy":
            d.eq(wg, "count_complete", True, dg.get("count_complete"))
        elif dg.get("memory") == "kernel":
            d.eq(wg, "mmap_offset", f"{0x80000000 | tg['bgid'] << 16:#x}", dg.get("mmap_offset"))


def compare_locked(d, t, proc):
    """ring_locked: the ring whose uring_lock a blocked register call holds
    is dumped whole (fdinfo printed nothing for it on 6.15+)."""
    w = "ring locked"
    if not t.get("held", True):
        print(f"compare.py: note: uring_lock not held on this kernel: {t.get('not_held')}")
    if t["fdinfo_empty"]:
        print("compare.py: note: fdinfo showed nothing for the ring while its uring_lock was held")
    dr = find_by_fd(proc.get("io_urings") or [], t["fd"])
    if dr is None:
        d.add(w, f"no (single) ring with fd {t['fd']}")
        return
    d.eq(w, "sq_entries", t["sq_entries"], dr.get("sq_entries"))
    st = dr.get("state") if isinstance(dr.get("state"), dict) else {}
    d.eq(w, "state.cq_pending", t["cq_pending"], st.get("cq_pending"))
    rf = dr.get("registered_files") or {}
    d.eq(w, "registered_files.nr", t["nr_files"], rf.get("nr"))
    d.eq(w, "registered_files.used", t["nr_files"], rf.get("used"))
    d.eq(w, "registered_files.complete", True, rf.get("complete"))


def compare_churn(d, tc, proc, exact=True):
    tr, te = tc["ring"], tc["epoll"]
    labels = Labels(d)
    dr = find_by_fd(proc.get("io_urings") or [], tr["fd"])
    if dr is None:
        d.add("churn", f"no ring with fd {tr['fd']}")
    else:
        w = f"churn ring (fd {tr['fd']})"
        for k in ("setup_flags", "sq_entries", "cq_entries"):
            d.eq(w, k, tr[k], dr.get(k))
        t = dr.get("registered_files") or {}
        d.eq(w, "nr", tr["nr"], t.get("nr"))
        used = t.get("used")
        if not isinstance(used, int) or not tr["used_min"] <= used <= tr["used_max"]:
            d.add(w, f"used {fmt(used)} outside [{tr['used_min']}, {tr['used_max']}]")
        d.eq(w, "complete", True, t.get("complete"))
        dslots = t.get("slots") or []
        for ts in tr["slots"]:
            i = ts["index"]
            ds = dslots[i] if i < len(dslots) else None
            sw = f"{w} slot {i}"
            if ds is None or ds.get("empty"):
                if ts["always"]:
                    d.add(sw, "always registered, missing/empty in the dump")
                continue
            cmp_file(d, labels, sw, ts, ds.get("file"), ds.get("fds"))
    de = find_by_fd(proc.get("epolls") or [], te["fd"])
    if de is None:
        d.add("churn", f"no epoll with fd {te['fd']}")
        return
    w = f"churn epoll (fd {te['fd']})"
    items = de.get("items") or []
    n = len(items)
    # A best-effort dump may say "complete": false when its lockless walk met
    # the tree changing: then only what it shows is checked (every item real,
    # none twice).  An exact (frozen) dump must be complete.
    partial = not exact and de.get("complete") is False
    if not partial and not te["items_min"] <= n <= te["items_max"]:
        d.add(w, f"{n} items outside [{te['items_min']}, {te['items_max']}]")
    if not partial:
        d.eq(w, "complete", True, de.get("complete"))
    cand = {ti["data"]: ti for ti in te["items"]}
    seen = set()
    for it in items:
        ti = cand.get(it.get("data"))
        iw = f"{w} item tfd {it.get('tfd')} data {fmt(it.get('data'))}"
        if ti is None:
            d.add(iw, "not a candidate item")
            continue
        if ti["data"] in seen:
            d.add(iw, "appears twice")
        seen.add(ti["data"])
        d.eq(iw, "tfd", ti["tfd"], it.get("tfd"))
        d.eq(iw, "events", ti["events"], it.get("events"))
        cmp_file(d, labels, iw, ti, it.get("file"), it.get("fds"))
    for ti in te["items"]:
        if ti["always"] and ti["data"] not in seen and not partial:
            d.add(w, f"fixed item tfd {ti['tfd']} data {ti['data']:#x} missing")


# ----------------------------------------------------------------------------------------
# live checks: /proc and kcmp
# ----------------------------------------------------------------------------------------

libc = ctypes.CDLL(None, use_errno=True)
SYS_kcmp = 312  # x86_64
KCMP_FILE, KCMP_EPOLL_TFD = 0, 7


class KcmpEpollSlot(ctypes.Structure):
    _fields_ = [("efd", ctypes.c_uint32), ("tfd", ctypes.c_uint32), ("toff", ctypes.c_uint32)]


def kcmp_file(pid, fd1, fd2):
    r = libc.syscall(SYS_kcmp, pid, pid, KCMP_FILE, fd1, fd2)
    if r < 0:
        raise OSError(ctypes.get_errno(), f"kcmp(KCMP_FILE, {fd1}, {fd2})")
    return r == 0


def kcmp_epoll(pid, fd, efd, tfd, toff):
    """True/False, or None when (efd, tfd, toff) names no item."""
    slot = KcmpEpollSlot(efd, tfd, toff)
    r = libc.syscall(SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, fd, ctypes.byref(slot))
    if r < 0:
        e = ctypes.get_errno()
        if e == 2:  # ENOENT: no such item
            return None
        raise OSError(e, f"kcmp(KCMP_EPOLL_TFD, {fd}, {efd}/{tfd}/{toff})")
    return r == 0


def proc_fds(pid):
    out = {}
    for n in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(n)] = os.readlink(f"/proc/{pid}/fd/{n}")
        except OSError:
            pass
    return out


def parse_ring_fdinfo(text):
    info = {"files": {}, "bufs": {}}
    section = None
    for line in text.splitlines():
        m = re.match(r"^(\w+):\s*(.*)$", line)
        if m and not line.startswith(" "):
            key, val = m.groups()
            section = None
            if key == "UserFiles":
                info["nr_files"] = int(val)
                section = "files"
            elif key == "UserBufs":
                info["nr_bufs"] = int(val)
                section = "bufs"
            elif key in ("SqThread", "SqThreadCpu", "SqHead", "SqTail", "CachedSqHead", "CqHead",
                         "CqTail", "CachedCqTail", "SQEs", "CQEs"):
                info[key] = int(val)
            elif key == "CqOverflowList":
                info["overflow"] = 0
                section = "overflow"
            elif key == "NAPI":
                info["napi"] = val == "enabled"
            elif key.startswith("napi"):
                info[key] = val
            continue
        # NAPI details (6.12+): "napi tracking:", "napi_busy_poll_dt:", ...
        m = re.match(r"^(napi[ _]\w+):\s*(.*)$", line)
        if m:
            info[m.group(1)] = m.group(2)
            continue
        if section == "overflow" and line.startswith("  user_data="):
            info["overflow"] += 1
            continue
        m = re.match(r"^\s*(\d+): (.*)$", line)
        if m and section:
            info[section][int(m.group(1))] = m.group(2)
    return info


def parse_epoll_fdinfo(text):
    items = []
    for line in text.splitlines():
        m = re.match(r"^tfd:\s*(-?\d+) events:\s*([0-9a-f]+) data:\s*([0-9a-f]+)\s+pos:(-?\d+) ino:([0-9a-f]+) sdev:([0-9a-f]+)", line)
        if m:
            items.append((int(m.group(1)), int(m.group(2), 16), int(m.group(3), 16),
                          int(m.group(5), 16), int(m.group(6), 16)))
    return items


def kdev(dev):
    ma, mi = (int(x) for x in dev.split(":"))
    return (ma << 20) | mi


def compare_live(pid, dump, sample, do_lint=True):
    d = lint(dump) if do_lint else Diffs()
    procs = [p for p in dump.get("processes", []) if p.get("pid") == pid]
    if len(procs) != 1:
        d.add("top", f"expected one process with pid {pid}")
        return d
    proc = procs[0]
    links = proc_fds(pid)
    try:
        with open(f"/proc/{pid}/comm") as f:
            d.eq(f"pid {pid}", "comm (/proc/PID/comm)", f.read().strip(), proc.get("comm"))
    except OSError as e:
        d.add(f"pid {pid}", f"cannot read comm: {e}")
    checked = set()

    def check_mode_flags(where, f, fd):
        """mode against stat(2) of the fd, open_flags against its fdinfo
        flags: (the kernel adds O_CLOEXEC there for the fd, not the file)."""
        if not isinstance(f, dict) or "open_flags" not in f:
            d.add(where, "file has no open_flags")
            return
        want = proc_mode_flags(pid, fd)
        if not want:
            d.add(where, f"cannot read stat(2) or the fdinfo flags: line of fd {fd}")
            return
        d.eq(where, f"mode (stat of fd {fd})", want["mode"], f.get("mode"))
        got = f.get("open_flags")
        d.eq(where, f"open_flags (fdinfo flags of fd {fd}, without O_CLOEXEC)", want["open_flags"],
             got & ~os.O_CLOEXEC if isinstance(got, int) else got)
        names = f.get("open_flag_names")
        access = want["open_flag_names"][0]
        if not isinstance(names, list) or not names or names[0] != access:
            d.add(where, f"open_flag_names {fmt(names)} do not start with {access}")

    def check_fds(where, fid, path, inode, dev, fds, f=None):
        if fid in checked:
            return
        checked.add(fid)
        if fds and f is not None and fds[0] in links:
            check_mode_flags(where, f, fds[0])
        for fd in fds:
            if fd not in links:
                d.add(where, f"fd {fd} is not open in /proc/{pid}/fd")
                return
            if links[fd] != path:
                d.add(where, f"fd {fd} -> {links[fd]!r} (ls -l /proc/{pid}/fd), dump path {path!r}")
            try:
                st = os.stat(f"/proc/{pid}/fd/{fd}")
                if st.st_ino != inode:
                    d.add(where, f"fd {fd} has inode {st.st_ino}, dump says {inode}")
                if dev is not None and f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}" != dev:
                    d.add(where, f"fd {fd} has dev {os.major(st.st_dev)}:{os.minor(st.st_dev)}, dump says {dev}")
            except OSError as e:
                d.add(where, f"stat fd {fd}: {e}")
        if fds:
            # every listed fd is the same struct file, and no other fd is
            for fd in fds[1:]:
                if fd in links and not kcmp_file(pid, fds[0], fd):
                    d.add(where, f"fds {fds[0]} and {fd} are different files (kcmp)")
            for fd, l in links.items():
                if fd not in fds and l == path and kcmp_file(pid, fds[0], fd):
                    d.add(where, f"fd {fd} also holds this file (kcmp) but is not in fds {fds}")

    for kind, objs in (("io_uring", proc.get("io_urings") or []), ("epoll", proc.get("epolls") or [])):
        for o in objs:
            path = "anon_inode:[io_uring]" if kind == "io_uring" else "anon_inode:[eventpoll]"
            check_fds(f"{kind} {o.get('id')}", o.get("id"), path, o.get("inode"), None, o.get("fds") or [])
    # every ring and epoll of the process is in the dump
    dumped = {fd for o in (proc.get("io_urings") or []) + (proc.get("epolls") or []) for fd in o.get("fds") or []}
    for fd, l in links.items():
        if l in ("anon_inode:[io_uring]", "anon_inode:[eventpoll]") and fd not in dumped:
            d.add(f"fd {fd}", f"{l} (ls -l /proc/{pid}/fd) is not in the dump")
    # instances held only through a thread's own table resolve their slots
    # and items there: /proc/PID/fd is not their oracle (ring_reach's is)
    elsewhere = {o.get("id") for o in (proc.get("io_urings") or []) + (proc.get("epolls") or [])
                 if (o.get("fds_table") or "leader") != "leader"}
    for where, f, fds in iter_files(proc):
        if any(f" {i} " in where for i in elsewhere):
            continue
        if isinstance(f, dict) and isinstance(fds, list):
            check_fds(where, f.get("id"), f.get("path"), f.get("inode"), f.get("dev"), fds, f)

    for r in proc.get("io_urings") or []:
        if not r.get("fds"):
            continue
        w = f"ring {r.get('id')} (fd {r['fds'][0]})"
        # The kernel leaves out the tables (6.18: the whole body) while the
        # ring's uring_lock is held: read again, for up to 2 s, until they
        # are there; never skip the checks silently.
        info = None
        for attempt in range(100):
            try:
                with open(f"/proc/{pid}/fdinfo/{r['fds'][0]}") as f:
                    info = parse_ring_fdinfo(f.read())
            except OSError as e:
                d.add(w, f"fdinfo: {e}")
                break
            if "nr_files" in info and "SqThread" in info:
                break
            time.sleep(0.02)
        if info is None:
            continue
        if "nr_files" not in info or "SqThread" not in info:
            d.add(w, f"/proc/{pid}/fdinfo/{r['fds'][0]} left out the tables or SqThread 100 times "
                     "in 2 s (uring_lock held): nothing to compare the tables and SQPOLL with")
            continue
        ev = r.get("eventfd")
        if isinstance(ev, dict) and ev.get("fds") and ev.get("count") is not None:
            try:
                with open(f"/proc/{pid}/fdinfo/{ev['fds'][0]}") as f:
                    m = re.search(r"^eventfd-count:\s*([0-9a-f]+)", f.read(), re.M)
                d.eq(w, "eventfd.count (its fdinfo eventfd-count)", int(m.group(1), 16) if m else None, ev.get("count"))
            except OSError as e:
                d.add(w, f"eventfd fdinfo: {e}")
        st = r.get("state")
        if isinstance(st, dict) and "SqHead" in info:
            # an idle or stopped ring: its positions hold still
            for fk, sk in (("SqHead", "sq_head"), ("SqTail", "sq_tail"), ("CachedSqHead", "cached_sq_head"),
                           ("CqHead", "cq_head"), ("CqTail", "cq_tail"), ("CachedCqTail", "cached_cq_tail"),
                           ("CQEs", "cq_pending")):
                d.eq(w, f"state.{sk} (fdinfo {fk})", info.get(fk), st.get(sk))
            if info.get("SqHead") == info.get("CachedSqHead"):
                d.eq(w, "state.sq_pending (fdinfo SQEs)", info.get("SQEs"), st.get("sq_pending"))
            d.eq(w, "state.overflow_list (fdinfo CqOverflowList entries)", info.get("overflow"),
                 st.get("overflow_list"))
        elif "state" in r and not isinstance(st, dict):
            d.add(w, f"state {fmt(st)}: a live dump has the ring's state")
        if "napi" in info and "napi" in r:
            napi = r.get("napi")
            d.eq(w, "napi (fdinfo NAPI)", info["napi"], napi is not None)
            if info["napi"] and isinstance(napi, dict):
                if "napi_busy_poll_dt" in info:
                    d.eq(w, "napi.busy_poll_us (fdinfo napi_busy_poll_dt / 1000)",
                         int(info["napi_busy_poll_dt"]) // 1000, napi.get("busy_poll_us"))
                if "napi_prefer_busy_poll" in info:
                    d.eq(w, "napi.prefer_busy_poll (fdinfo)", info["napi_prefer_busy_poll"] == "true",
                         napi.get("prefer_busy_poll"))
                if "napi tracking" in info:
                    d.eq(w, "napi.tracking (fdinfo napi tracking)", info["napi tracking"], napi.get("tracking"))
        sq = r.get("sqpoll")
        d.eq(w, "SQPOLL thread (fdinfo SqThread)", info["SqThread"] if info["SqThread"] > 0 else None,
             sq.get("thread_pid") if isinstance(sq, dict) else None)
        if isinstance(sq, dict) and sq.get("cpu", -1) >= 0:
            d.eq(w, "SQPOLL cpu (fdinfo SqThreadCpu)", info.get("SqThreadCpu"), sq.get("cpu"))
        for tk, nk, sec in (("registered_files", "nr_files", "files"), ("registered_buffers", "nr_bufs", "bufs")):
            t = r.get(tk) or {}
            d.eq(w, f"{tk}.nr (fdinfo)", info[nk], t.get("nr"))
            slots = t.get("slots") or []
            cap = min(len(slots), FDINFO_RSRC_CAP)
            for s in slots[:cap]:
                i = s.get("index")
                line = info[sec].get(i)
                sw = f"{w} {tk} slot {i}"
                if line == "<none>":
                    line = None
                if s.get("empty"):
                    if line is not None:
                        d.add(sw, f"dump says empty, fdinfo shows {line!r}")
                    continue
                if line is None:
                    d.add(sw, "fdinfo shows no entry")
                    continue
                if tk == "registered_files":
                    d.eq(sw, "path (fdinfo)", line, (s.get("file") or {}).get("path"))
                else:
                    d.eq(sw, "addr/len (fdinfo)", line, f"0x{s.get('addr', 0):x}/{s.get('len')}")

    for e in proc.get("epolls") or []:
        if not e.get("fds"):
            continue
        efd = e["fds"][0]
        w = f"epoll {e.get('id')} (fd {efd})"
        try:
            with open(f"/proc/{pid}/fdinfo/{efd}") as f:
                fi = parse_epoll_fdinfo(f.read())
        except OSError as ex:
            d.add(w, f"fdinfo: {ex}")
            continue
        items = e.get("items") or []
        mine = []
        for it in items:
            f = it.get("file") or {}
            try:
                mine.append((it.get("tfd"), it.get("events"), it.get("data"), f.get("inode"), kdev(f.get("dev", "0:0"))))
            except (ValueError, AttributeError):
                mine.append(None)
        if sorted(mine, key=str) != sorted(fi, key=str):
            a, b = set(mine), set(fi)
            d.add(w, f"items differ from fdinfo: {len(items)} in the dump, {len(fi)} in fdinfo; "
                     f"only in dump (tfd, events, data, ino, sdev): {sorted(a - b, key=str)[:5]}; "
                     f"only in fdinfo: {sorted(b - a, key=str)[:5]}")
        # kcmp(KCMP_EPOLL_TFD): which fds hold each target now
        by_tfd = {}
        for it in items:
            by_tfd.setdefault(it.get("tfd"), []).append(it)
        tfds = sorted(t for t in by_tfd if isinstance(t, int))
        if sample and len(tfds) > sample:
            step = len(tfds) / sample
            tfds = sorted({tfds[int(i * step)] for i in range(sample)})
        for tfd in tfds:
            group = by_tfd[tfd]
            paths = {(it.get("file") or {}).get("path") for it in group}
            cands = [fd for fd, l in links.items() if l in paths]
            actual = []
            probe = next(iter(links), None)
            for toff in range(len(group) + 1):
                # one KCMP_EPOLL_TFD call walks the whole tree: find one holder,
                # then its fellow fds with the cheap KCMP_FILE
                holder, exists = None, True
                for fd in cands:
                    r = kcmp_epoll(pid, fd, efd, tfd, toff)
                    if r is None:
                        exists = False
                        break
                    if r:
                        holder = fd
                        break
                if exists and holder is None and not cands:
                    exists = probe is not None and kcmp_epoll(pid, probe, efd, tfd, toff) is not None
                if not exists:
                    break
                if holder is None:
                    actual.append([])
                else:
                    actual.append(sorted(fd for fd in cands if fd == holder or kcmp_file(pid, holder, fd)))
            want = sorted(sorted(it.get("fds") or []) for it in group)
            if sorted(actual) != want:
                d.add(f"{w} tfd {tfd}", f"fds holding the targets (kcmp KCMP_EPOLL_TFD): {sorted(actual)}, dump says {want}")
    return d


# ----------------------------------------------------------------------------------------
# text output, fake dumps, self-test
# ----------------------------------------------------------------------------------------

CELL_SEP = re.compile(r"\s{2,}")


class TextError(Exception):
    pass


def text_names(value, table, what):
    """'A|B|0x40' -> bits; '-' -> 0."""
    if value == "-":
        return 0, []
    byname = {n: bit for bit, n in table}
    bits, names = 0, value.split("|")
    for n in names:
        if n in byname:
            bits |= byname[n]
        elif re.fullmatch(r"0x[0-9a-f]+", n):
            bits |= int(n, 16)
        else:
            raise TextError(f"unknown {what} name {n!r}")
    return bits, names


def text_fds(v):
    if v == "-":
        return []
    if not re.fullmatch(r"[0-9]+(,[0-9]+)*", v):
        raise TextError(f"fds {v!r} is not '-' or a list of fd numbers")
    return [int(x) for x in v.split(",")]


def text_int(v, what):
    if not re.fullmatch(r"-?[0-9]+", v or ""):
        raise TextError(f"{what} {v!r} is not a number")
    return int(v)


def text_hex(v, what):
    if not re.fullmatch(r"0x[0-9a-f]+", v or ""):
        raise TextError(f"{what} {v!r} is not 0x<hex>")
    return int(v, 16)


def text_kv(cells, what):
    """'key value' cells -> dict; extra keys (added fields) are kept, not checked."""
    out = {}
    for c in cells:
        k, _, v = c.partition(" ")
        if not v:
            raise TextError(f"{what}: cell {c!r} is not 'key value'")
        out.setdefault(k, v)
    return out


def text_file(cells, what):
    """ID TYPE inode N dev M:m fds FDS path PATH [key value]... -> (FILE, fds)."""
    if len(cells) < 6:
        raise TextError(f"{what}: {len(cells)} cells, a file needs id, type, inode, dev, fds, path")
    fid, ftype = cells[0], cells[1]
    kv = text_kv(cells[2:], what)
    for k in ("inode", "dev", "fds", "path"):
        if k not in kv:
            raise TextError(f"{what}: no {k}")
    f = {"id": fid, "type": ftype, "inode": text_int(kv["inode"], "inode"), "dev": kv["dev"],
         "path": kv["path"]}
    return f, text_fds(kv["fds"])


def text_table_fds(v):
    """'t1:4,t2:7' as thread_fds objects ('' when the line has none)."""
    out = []
    for part in v.split(",") if v else []:
        m = re.fullmatch(r"(t[0-9]+):([0-9]+)", part)
        if not m:
            raise TextError(f"thread fd {part!r} is not 'tN:FD'")
        out.append({"fd_table": m.group(1), "fd": int(m.group(2))})
    return out


def parse_text(text):
    """The text report, row by row, as the JSON schema's objects (what the
    text shows of them); raises TextError naming the first row it cannot read."""
    procs, proc, inst, table = [], None, None, None
    for n, line in enumerate(text.split("\n"), 1):
        where = f"text line {n}"
        try:
            if not line.strip():
                inst = table = None
                continue
            indent = len(line) - len(line.lstrip(" "))
            cells = CELL_SEP.split(line.strip())
            if indent == 0:
                if line == "no io_uring or epoll instances found":
                    continue
                m = re.fullmatch(r"pid ([0-9]+)(?: \((.*?)\))?(  fds unknown \(native iterator\))?", line)
                if not m:
                    raise TextError("not a 'pid N (comm)' header")
                proc = {"pid": int(m.group(1)), "comm": m.group(2) or "", "fds_known": not m.group(3),
                        "io_urings": [], "epolls": []}
                procs.append(proc)
                inst = table = None
            elif indent == 2 and cells[0].startswith("iowq_cpus "):
                if proc is None:
                    raise TextError("an iowq_cpus line before any 'pid' header")
                kv = text_kv(cells[1:], "iowq_cpus")
                for tid in text_fds(kv.get("threads", "?")):
                    proc.setdefault("iowq_cpus", {})[tid] = cells[0].split(" ", 1)[1]
            elif indent == 2 and cells[0].startswith("fd_table "):
                if proc is None:
                    raise TextError("an fd_table before any 'pid' header")
                kv = text_kv(cells[1:], "fd_table")
                proc.setdefault("fd_tables", []).append(
                    {"id": cells[0].split(" ", 1)[1], "threads": text_fds(kv.get("threads", "?")),
                     "nr_fds": text_int(kv.get("fds"), "fds")})
            elif indent == 2:
                if proc is None:
                    raise TextError("an instance before any 'pid' header")
                kind, _, fid = cells[0].partition(" ")
                kv = text_kv(cells[1:], "instance header")
                o = {"id": fid, "fds": text_fds(kv.get("fds", "?")),
                     "inode": text_int(kv.get("inode"), "inode"),
                     "thread_fds": text_table_fds(kv.get("thread_fds", ""))}
                if kind == "io_uring":
                    # lines shown only when set
                    o.update(buffer_groups=[], napi=None, requests=None)
                    proc["io_urings"].append(o)
                elif kind == "epoll":
                    o["items"] = []
                    o["complete"] = {"yes": True, "no": False}.get(kv.get("complete"))
                    o["_items_said"] = text_int(kv.get("items"), "items")
                    proc["epolls"].append(o)
                else:
                    raise TextError(f"instance kind {kind!r}")
                inst, table = (kind, o), None
            elif indent == 4 and inst and inst[0] == "epoll":
                m = re.fullmatch(r"tfd ([0-9]+)(?: \((?:now ([0-9]+)|(closed))\))?", cells[0])
                if not m or len(cells) < 9:
                    raise TextError("not an epoll item row 'tfd N  events E  data 0xD  FILE...'")
                kv = text_kv(cells[1:3], "item")
                f, fds = text_file(cells[3:], "item")
                ev, names = text_names(kv.get("events", "?"), EPOLL_EVENTS, "event")
                it = {"tfd": int(m.group(1)), "events": ev, "event_names": names if ev else [],
                      "data": text_hex(kv.get("data"), "data"), "file": f, "fds": fds,
                      "tfd_stale": bool(m.group(2) or m.group(3))}
                if m.group(2) and (not fds or int(m.group(2)) != fds[0]):
                    raise TextError(f"'(now {m.group(2)})' is not the lowest of fds {fds}")
                if m.group(3) and fds:
                    raise TextError(f"'(closed)' but fds {fds}")
                if f["type"] in ("io_uring", "epoll"):
                    it[f["type"]] = f["id"]
                inst[1]["items"].append(it)
            elif indent == 4 and inst and inst[0] == "io_uring":
                r, key, rest = inst[1], cells[0], cells[1:]
                if key == "setup_flags":
                    hexv, _, names = (rest[0] if rest else "").partition(" ")
                    r["setup_flags"] = text_hex(hexv, "setup_flags")
                    bits, r["setup_flag_names"] = text_names(names, SETUP_FLAGS, "setup flag")
                    if bits != r["setup_flags"]:
                        raise TextError(f"setup flag names {names} are not {hexv}")
                    if names == "-":
                        r["setup_flag_names"] = []
                elif key in ("sq_entries", "cq_entries"):
                    r[key] = text_int(rest[0] if rest else "", key)
                elif key == "sqpoll":
                    if rest == ["-"]:
                        r["sqpoll"] = None
                    else:
                        kv = text_kv(rest, "sqpoll")
                        r["sqpoll"] = {
                            "cpu": text_int(kv.get("cpu"), "cpu"),
                            "idle_ms": None if kv.get("idle_ms") == "?" else text_int(kv.get("idle_ms"), "idle_ms"),
                            "thread_pid": text_int(kv.get("thread_pid"), "thread_pid"),
                            "group": kv.get("group"),
                            "shared_with": [] if kv.get("shared_with") == "-" else kv.get("shared_with", "?").split(",")}
                elif key == "eventfd":
                    if rest == ["-"]:
                        r["eventfd"] = None
                    else:
                        kv = text_kv(rest[1:], "eventfd")
                        fid = rest[0] if rest else "?"
                        ev = {"fds": text_fds(kv.get("fds", "?")),
                              "async": {"yes": True, "no": False}.get(kv.get("async")), "file": None,
                              "count": text_int(kv["count"], "count") if "count" in kv else None}
                        if fid != "-":
                            ev["file"] = {"id": fid, "type": "eventfd", "path": kv.get("path"), "_partial": True}
                        r["eventfd"] = ev
                elif key in ("registered_files", "registered_buffers"):
                    kv = text_kv([c for c in rest if c != "not in this dump"], key)
                    t = {"nr": text_int(kv.get("nr"), "nr"), "dumped": "not in this dump" not in rest,
                         "slots": []}
                    if t["dumped"]:
                        t["used"] = text_int(kv.get("used"), "used")
                        t["complete"] = {"yes": True, "no": False}.get(kv.get("complete"))
                    else:
                        t["used"], t["complete"] = 0, False
                    r[key] = t
                    table = (key, t)
                elif key == "state":
                    m = re.fullmatch(r"sq (\d+)\.\.(\d+) cached_head (\d+) pending (\d+)", rest[0] if rest else "")
                    m2 = re.fullmatch(r"cq (\d+)\.\.(\d+) cached_tail (\d+) pending (\d+)", rest[1] if len(rest) > 1 else "")
                    if not m or not m2:
                        raise TextError("state is not 'sq H..T cached_head C pending N  cq H..T cached_tail C pending N ...'")
                    kv = text_kv([c for c in rest[2:] if c != "rings unreadable"], "state")
                    ov = kv.get("overflow", "?")
                    bits, names = text_names(kv.get("sq_flags", "?"), SQ_FLAGS, "sq flag")
                    r["state"] = {
                        "sq_head": int(m.group(1)), "sq_tail": int(m.group(2)), "cached_sq_head": int(m.group(3)),
                        "sq_pending": int(m.group(4)), "cq_head": int(m2.group(1)), "cq_tail": int(m2.group(2)),
                        "cached_cq_tail": int(m2.group(3)), "cq_pending": int(m2.group(4)),
                        "overflow_list": text_int(ov.rstrip("+"), "overflow"), "overflow_complete": not ov.endswith("+"),
                        "cq_overflow": text_int(kv.get("lost"), "lost"), "sq_dropped": text_int(kv.get("dropped"), "dropped"),
                        "sq_flags": bits, "sq_flag_names": names if bits else [],
                        "submitter_tid": None if kv.get("submitter") == "-" else text_int(kv.get("submitter"), "submitter"),
                        "rings_readable": "rings unreadable" not in rest}
                    # a version-2 report: these lines show only when set
                    r.setdefault("restrictions", None)
                    r.setdefault("iowq_max_workers", {"bounded": 0, "unbounded": 0})
                elif key == "restrictions":
                    kv = text_kv(rest, "restrictions")
                    ops = lambda v: [] if v in ("-", "any") else [int(x) for x in v.split(",")]
                    r["restrictions"] = {
                        "register_ops_restricted": kv.get("register_ops") != "any",
                        "sqe_ops_restricted": kv.get("sqe_ops") != "any",
                        "allowed_register_ops": ops(kv.get("register_ops", "-")),
                        "allowed_sqe_ops": ops(kv.get("sqe_ops", "-")),
                        "sqe_flags_allowed": text_hex(kv.get("sqe_flags_allowed"), "sqe_flags_allowed"),
                        "sqe_flags_required": text_hex(kv.get("sqe_flags_required"), "sqe_flags_required")}
                elif key == "iowq_max_workers":
                    kv = text_kv(rest, "iowq_max_workers")
                    r["iowq_max_workers"] = {"bounded": text_int(kv.get("bounded"), "bounded"),
                                             "unbounded": text_int(kv.get("unbounded"), "unbounded")}
                elif key == "personality":
                    kv = text_kv(rest[1:], "personality")
                    p = {"id": text_int(rest[0] if rest else "?", "personality id")}
                    for k in ("uid", "gid", "euid", "egid", "fsuid", "fsgid"):
                        p[k] = text_int(kv.get(k), k)
                    p["ngroups"] = text_int(kv.get("groups"), "groups")
                    p["cap_effective"], p["cap_permitted"] = kv.get("cap_eff"), kv.get("cap_prm")
                    r.setdefault("personalities", []).append(p)
                elif key == "napi":
                    kv = text_kv(rest, "napi")
                    r["napi"] = {"busy_poll_us": text_int(kv.get("busy_poll_us"), "busy_poll_us"),
                                 "prefer_busy_poll": {"yes": True, "no": False}.get(kv.get("prefer_busy_poll")),
                                 "tracking": kv.get("tracking")}
                elif key == "buffer_group":
                    r.setdefault("buffer_groups", []).append(text_group(rest))
                elif key == "requests":
                    r["requests"] = text_requests(rest)
                elif key in ("cqe", "overflow_cqe"):
                    q = r.get("requests")
                    if not isinstance(q, dict):
                        raise TextError(f"a {key} line before the requests line")
                    kv = text_kv(rest, key)
                    q["cqes" if key == "cqe" else "overflow"].append(
                        {"user_data": text_hex(kv.get("user_data"), "user_data"),
                         "res": text_int(kv.get("res"), "res"), "flags": text_hex(kv.get("flags"), "flags")})
                elif key == "in_flight":
                    q = r.get("requests")
                    if not isinstance(q, dict) or not rest:
                        raise TextError("an in_flight line before the requests line")
                    kv = text_kv(rest[1:], key)
                    q["in_flight"].append({"kind": rest[0], "opcode": text_int(kv.get("opcode"), "opcode"),
                                           "user_data": text_hex(kv.get("user_data"), "user_data")})
                elif key == "thread_fds":
                    r["thread_fds"] = text_table_fds(rest[0] if rest else "?")
                elif key == "registered":
                    r["registered"] = []
                    for part in (rest[0] if rest else "?").split(", "):
                        m = re.fullmatch(r"tid ([0-9]+) slot ([0-9]+)", part)
                        if not m:
                            raise TextError(f"registered ring {part!r} is not 'tid N slot I'")
                        r["registered"].append({"tid": int(m.group(1)), "index": int(m.group(2))})
                elif key == "mappings":
                    r["mappings"] = []
                    for part in (rest[0] if rest else "?").split(", "):
                        m = re.fullmatch(r"(\S+) (0x[0-9a-f]+)-(0x[0-9a-f]+)", part)
                        if not m:
                            raise TextError(f"mapping {part!r} is not 'REGION 0xSTART-0xEND'")
                        r["mappings"].append({"region": m.group(1), "start": m.group(2), "end": m.group(3)})
                else:
                    pass  # a line added later: not checked
            elif indent == 6 and table:
                tk, t = table
                m = re.fullmatch(r"slot ([0-9]+)", cells[0])
                if not m:
                    raise TextError("not a 'slot N' row")
                s = {"index": int(m.group(1))}
                if len(cells) > 1 and cells[1].startswith("tag "):
                    tag = cells[1][4:]
                    s["tag"] = None if tag == "-" else text_int(tag, "tag")
                    cells = cells[:1] + cells[2:]
                if cells[1:] == ["empty"]:
                    s["empty"] = True
                elif tk == "registered_files":
                    s["file"], s["fds"] = text_file(cells[1:], "slot")
                else:
                    kv = text_kv(cells[1:], "buffer slot")
                    s["addr"] = text_hex(kv.get("addr"), "addr")
                    s["len"] = text_int(kv.get("len"), "len")
                    s["nr_bvecs"] = text_int(kv.get("nr_bvecs"), "nr_bvecs")
                t["slots"].append(s)
            else:
                raise TextError(f"unexpected indentation {indent}")
        except TextError as e:
            raise TextError(f"{where}: {e}: {line!r}") from None
    # the eventfd's file shows only id and path: the rest comes from the
    # same file elsewhere in the report
    full = {}
    for p in procs:
        for _, f, _ in iter_files(p):
            if isinstance(f, dict) and not f.get("_partial"):
                full.setdefault(f["id"], f)
        for e in p["epolls"]:
            if e.pop("_items_said") != len(e["items"]):
                raise TextError(f"epoll {e['id']} says items {len(e['items'])} rows follow it")
    for p in procs:
        for r in p["io_urings"]:
            ev = r.get("eventfd")
            if ev and ev.get("file") and ev["file"]["id"] in full:
                f = full[ev["file"]["id"]]
                if f["path"] != ev["file"]["path"]:
                    raise TextError(f"eventfd {f['id']} path {ev['file']['path']!r}, elsewhere {f['path']!r}")
                ev["file"] = dict(f)
    return {"version": 1, "exact": False, "source": "task_file" if all(p["fds_known"] for p in procs) else "native",
            "processes": procs}


def text_requests(cells):
    """'requests cqes N[+]  overflow N[+]  in_flight N[+]': the lists follow."""
    kv = text_kv(cells, "requests")
    q = {"cqes": [], "overflow": [], "in_flight": []}
    for k, flags in (("cqes", ("cqes_complete",)), ("overflow", ("overflow_complete",)),
                     ("in_flight", ("polls_complete", "timeouts_complete", "link_timeouts_complete"))):
        v = kv.get(k, "?")
        for f in flags + (("iowq_complete",) if k == "in_flight" else ()):
            q[f] = not v.endswith("+")
        text_int(v.rstrip("+"), k)
    return q


def text_group(cells):
    """A 'buffer_group BGID ring|legacy key value...' line, as JSON has it."""
    if len(cells) < 2 or cells[1] not in ("ring", "legacy"):
        raise TextError("buffer_group is not 'BGID ring|legacy ...'")
    kv = text_kv(cells[2:], "buffer_group")
    g = {"bgid": text_int(cells[0], "bgid"), "kind": cells[1]}
    if cells[1] == "legacy":
        g["count"] = text_int(kv.get("count"), "count")
        g["count_complete"] = "incomplete" not in cells
        return g
    for k in ("entries", "head"):
        g[k] = text_int(kv.get(k), k)
    g["tail"] = None if kv.get("tail") == "?" else text_int(kv.get("tail"), "tail")
    g["memory"] = kv.get("memory")
    g["mmap_offset"] = kv.get("mmap_offset")
    mapped = kv.get("mapped", "-")
    g["mapped_at"] = [] if mapped == "-" else mapped.split(",")
    g["incremental"] = {"yes": True, "no": False}.get(kv.get("incremental"))
    g["available"] = None if kv.get("available") == "?" else text_int(kv.get("available"), "available")
    g["count_complete"] = True
    return g


def compare_text(truth, text):
    """The text report parsed row by row, compared with the truth like the JSON."""
    try:
        parsed = parse_text(text)
    except TextError as e:
        d = Diffs()
        d.add("text", str(e))
        return d
    d = compare_truth(truth, parsed, None)
    for n, line in enumerate(text.split("\n"), 1):
        a = kernel_address(re.sub(r"\b(user_)?data 0x[0-9a-f]+", "", line))  # user data: any value
        if a is not None:
            d.add(f"text line {n}", f"holds {a:#x}, a kernel address: {line!r}")
    return d


def proc_mode_flags(pid, fd):
    """mode, open_flags and open_flag_names of a process's fd as stat(2) and
    fdinfo show them (what the honest fake dump says for a file)."""
    try:
        st = os.stat(f"/proc/{pid}/fd/{fd}")
        with open(f"/proc/{pid}/fdinfo/{fd}") as fi:
            m = re.search(r"^flags:\s*([0-7]+)$", fi.read(), re.M)
    except OSError:
        return {}
    if not m:
        return {}
    flags = int(m.group(1), 8) & ~os.O_CLOEXEC
    access = {os.O_RDONLY: "O_RDONLY", os.O_WRONLY: "O_WRONLY", os.O_RDWR: "O_RDWR"}.get(
        flags & os.O_ACCMODE, "0x3")
    return {"mode": st.st_mode, "open_flags": flags, "open_flag_names": [access]}


def fake_dump(truth, pid=None):
    """The dump that the contract implies for this truth (used to test the
    oracles); with pid, files held by an fd get their mode and open flags
    from /proc (the workloads do not record them)."""
    ids, groups = {}, {}
    files_table = truth.get("files", {})

    def fid(label):
        if label not in ids:
            ids[label] = f"f{len(ids) + 1}"
        return ids[label]

    def gid(label):
        if label not in groups:
            groups[label] = f"g{len(groups) + 1}"
        return groups[label]

    def file_of(t):
        if "ref" in t:
            t = files_table[t["ref"]]
        f = {"id": fid(t["file"]), "type": t["type"], "inode": t["inode"], "dev": t["dev"],
             "path": t["path"]}
        if pid is not None and t["fds"]:
            f.update(proc_mode_flags(pid, min(t["fds"])))
        return f, sorted(t["fds"])

    rings, eps = [], []
    for tr in truth["rings"]:
        r = {"id": fid(tr["file"]), "fds": sorted(tr["fds"]), "inode": tr["inode"],
             "setup_flags": tr["setup_flags"], "setup_flag_names": names_for(tr["setup_flags"], SETUP_FLAGS),
             "sq_entries": tr["sq_entries"], "cq_entries": tr["cq_entries"], "sqpoll": None, "eventfd": None}
        if tr.get("sqpoll"):
            s = tr["sqpoll"]
            r["sqpoll"] = {"cpu": s["cpu"], "idle_ms": s["idle_ms"], "thread_pid": s["thread_pid"],
                           "group": gid(s["group"]), "shared_with": []}
        if tr.get("eventfd"):
            if tr["eventfd"].get("closed"):
                r["eventfd"] = {"fds": [], "async": tr["eventfd"]["async"], "file": None}
            else:
                f, fds = file_of(tr["eventfd"])
                r["eventfd"] = {"fds": fds, "async": tr["eventfd"]["async"], "file": f}
        for tk in ("registered_files", "registered_buffers"):
            slots = []
            for i, s in enumerate(tr[tk]["slots"]):
                if s is None:
                    slots.append({"index": i, "empty": True})
                elif tk == "registered_files":
                    f, fds = file_of(s)
                    slots.append({"index": i, "file": f, "fds": fds})
                else:
                    slots.append({"index": i, "addr": s["addr"], "len": s["len"], "nr_bvecs": s.get("nr_bvecs")})
            r[tk] = {"nr": tr[tk]["nr"], "used": sum(1 for s in slots if not s.get("empty")),
                     "complete": True, "dumped": True, "slots": slots}
        rings.append((tr, r))
    for tr, r in rings:
        if r["sqpoll"]:
            r["sqpoll"]["shared_with"] = sorted(
                o["id"] for t2, o in rings if o is not r and o["sqpoll"] and o["sqpoll"]["group"] == r["sqpoll"]["group"])
    for te in truth["epolls"]:
        e = {"id": fid(te["file"]), "fds": sorted(te["fds"]), "inode": te["inode"], "complete": True, "items": []}
        for ti in te["items"]:
            f, fds = file_of(ti)
            it = {"tfd": ti["tfd"], "events": ti["events"], "event_names": names_for(ti["events"], EPOLL_EVENTS),
                  "data": ti["data"], "file": f, "fds": fds, "tfd_stale": ti["tfd"] not in fds}
            if f["type"] == "io_uring":
                it["io_uring"] = f["id"]
            if f["type"] == "epoll":
                it["epoll"] = f["id"]
            e["items"].append(it)
        eps.append(e)
    rl = sorted((r for _, r in rings), key=lowest_fd_key)
    el = sorted(eps, key=lowest_fd_key)
    # renumber ids in output order so that they are contiguous
    out = {"version": 1, "exact": False, "source": "task_file",
           "processes": [{"pid": truth["pid"], "comm": truth["comm"], "fds_known": True,
                          "io_urings": rl, "epolls": el}]}
    return out


def selftest(truth, pid):
    """Every lie below must be caught by compare_truth (and the honest fake must pass)."""
    base = fake_dump(truth, pid)
    fails = []
    d = compare_truth(truth, base, False)
    if d.items:
        fails.append("honest fake dump rejected: " + "; ".join(d.items[:5]))
    dl = compare_live(pid, base, sample=50)
    if dl.items:
        fails.append("honest fake dump rejected by live checks: " + "; ".join(dl.items[:5]))
    proc = lambda x: x["processes"][0]  # noqa: E731

    def first_slot(x, pred):
        for r in proc(x)["io_urings"]:
            for s in r["registered_files"]["slots"]:
                if not s.get("empty") and pred(s):
                    return r, s
        return None, None

    def first_item(x, pred=lambda it: True):
        for e in proc(x)["epolls"]:
            for it in e["items"]:
                if pred(it):
                    return e, it
        return None, None

    lies = []

    def lie(name):
        def deco(fn):
            lies.append((name, fn))
            return fn
        return deco

    @lie("exact true without --freeze")
    def _(x):
        x["exact"] = True

    @lie("a registered file loses an fd")
    def _(x):
        r, s = first_slot(x, lambda s: len(s["fds"]) > 1)
        if not s:
            return False
        s["fds"] = s["fds"][:-1]
        for w, f, fds in iter_files(proc(x)):
            if f["id"] == s["file"]["id"]:
                fds[:] = s["fds"]

    @lie("a closed registered file claims its old fd")
    def _(x):
        r, s = first_slot(x, lambda s: not s["fds"])
        if not s:
            return False
        for w, f, fds in iter_files(proc(x)):
            if f["id"] == s["file"]["id"]:
                fds[:] = [3]

    @lie("a non-empty slot shown empty")
    def _(x):
        r, s = first_slot(x, lambda s: True)
        if not s:
            return False
        t = r["registered_files"]
        t["slots"][s["index"]] = {"index": s["index"], "empty": True}
        t["used"] -= 1

    @lie("the last slot dropped (truncated table)")
    def _(x):
        r = next((r for r in proc(x)["io_urings"] if r["registered_files"]["slots"]), None)
        if not r:
            return False
        t = r["registered_files"]
        s = t["slots"].pop()
        t["nr"] -= 1
        t["used"] -= 0 if s.get("empty") else 1

    @lie("two slots swap their files")
    def _(x):
        for r in proc(x)["io_urings"]:
            full = [s for s in r["registered_files"]["slots"] if not s.get("empty")]
            pairs = [(a, b) for a in full for b in full if a["file"]["path"] == b["file"]["path"] and a["file"]["id"] != b["file"]["id"]]
            if pairs:
                a, b = pairs[0]
                a["file"], b["file"] = b["file"], a["file"]
                a["fds"], b["fds"] = b["fds"], a["fds"]
                return
        return False

    @lie("two distinct files merged into one id")
    def _(x):
        refs = list(iter_files(proc(x)))
        key = lambda f: (f["type"], f["path"], f["inode"], f["dev"])  # noqa: E731
        for _, a, afds in refs:
            for _, b, bfds in refs:
                if a["id"] != b["id"] and key(a) == key(b):
                    old = b["id"]
                    for _, f, fds in refs:
                        if f["id"] == old:
                            f["id"] = a["id"]
                            fds[:] = afds
                    for e in proc(x)["epolls"]:
                        for it in e["items"]:
                            it["tfd_stale"] = it["tfd"] not in it["fds"]
                    return
        return False

    @lie("buffer length off by one")
    def _(x):
        for r in proc(x)["io_urings"]:
            for s in r["registered_buffers"]["slots"]:
                if not s.get("empty"):
                    s["len"] += 1
                    return
        return False

    @lie("buffer address truncated to 32 bits")
    def _(x):
        for r in proc(x)["io_urings"]:
            for s in r["registered_buffers"]["slots"]:
                if not s.get("empty") and s["addr"] >= 1 << 32:
                    s["addr"] &= 0xffffffff
                    return
        return False

    @lie("setup flag dropped")
    def _(x):
        r = next((r for r in proc(x)["io_urings"] if r["setup_flags"]), None)
        if not r:
            return False
        r["setup_flags"] &= r["setup_flags"] - 1
        r["setup_flag_names"] = names_for(r["setup_flags"], SETUP_FLAGS)

    @lie("eventfd async flipped")
    def _(x):
        r = next((r for r in proc(x)["io_urings"] if r["eventfd"]), None)
        if not r:
            return False
        r["eventfd"]["async"] = not r["eventfd"]["async"]

    @lie("ring inode wrong")
    def _(x):
        proc(x)["io_urings"][0]["inode"] += 1

    @lie("SQPOLL thread wrong")
    def _(x):
        r = next((r for r in proc(x)["io_urings"] if r["sqpoll"]), None)
        if not r:
            return False
        r["sqpoll"]["thread_pid"] += 1

    @lie("SQPOLL idle in jiffies instead of ms")
    def _(x):
        r = next((r for r in proc(x)["io_urings"] if r["sqpoll"]), None)
        if not r:
            return False
        r["sqpoll"]["idle_ms"] = r["sqpoll"]["idle_ms"] // 4

    @lie("ring listed twice (thread double visit)")
    def _(x):
        proc(x)["io_urings"].append(copy.deepcopy(proc(x)["io_urings"][-1]))

    @lie("epoll item data truncated to 32 bits")
    def _(x):
        e, it = first_item(x, lambda it: it["data"] >= 1 << 32)
        if not it:
            return False
        it["data"] &= 0xffffffff

    @lie("epoll item missing")
    def _(x):
        e, it = first_item(x)
        if not it:
            return False
        e["items"].remove(it)

    @lie("epoll item duplicated")
    def _(x):
        e, it = first_item(x)
        if not it:
            return False
        e["items"].append(copy.deepcopy(it))

    @lie("epoll events lose EPOLLET")
    def _(x):
        e, it = first_item(x, lambda it: it["events"] & (1 << 31))
        if not it:
            return False
        it["events"] &= ~(1 << 31)
        it["event_names"] = names_for(it["events"], EPOLL_EVENTS)

    @lie("stale tfd reported as current")
    def _(x):
        e, it = first_item(x, lambda it: it["tfd_stale"])
        if not it:
            return False
        for w, f, fds in iter_files(proc(x)):
            if f["id"] == it["file"]["id"]:
                fds[:] = sorted(set(fds) | {it["tfd"]})
        it["tfd_stale"] = False

    @lie("target of a moved fd reported with no fds")
    def _(x):
        e, it = first_item(x, lambda it: it["tfd_stale"] and it["fds"])
        if not it:
            return False
        for w, f, fds in iter_files(proc(x)):
            if f["id"] == it["file"]["id"]:
                fds[:] = []
        it["tfd_stale"] = True

    @lie("io_uring reference points at the wrong ring")
    def _(x):
        e, it = first_item(x, lambda it: "io_uring" in it)
        others = [r["id"] for r in proc(x)["io_urings"] if it and r["id"] != it["io_uring"]]
        if not it or not others:
            return False
        it["io_uring"] = others[0]

    @lie("nr_bvecs forced to 1")
    def _(x):
        return mutate_json("nr_bvecs1", x)

    @lie("nr_bvecs one too many (a coalesced buffer shown per page, or the reverse)")
    def _(x):
        for r in proc(x)["io_urings"]:
            for s in r["registered_buffers"]["slots"]:
                if not s.get("empty"):
                    s["nr_bvecs"] += 1
                    return
        return False

    @lie("a kernel address in a buffer's addr")
    def _(x):
        for r in proc(x)["io_urings"]:
            for s in r["registered_buffers"]["slots"]:
                if not s.get("empty"):
                    s["addr"] = 0xffff888012345000
                    return
        return False

    @lie("tfd_stale flipped")
    def _(x):
        return mutate_json("tfd_stale", x)

    @lie("pid/comm wrong")
    def _(x):
        proc(x)["comm"] = proc(x)["comm"][:-1] + "X"

    skipped = []
    for name, fn in lies:
        x = copy.deepcopy(base)
        if fn(x) is False:
            skipped.append(name)
            continue
        if not compare_truth(truth, x, False).items:
            fails.append(f"lie not caught: {name}")
    # live-only lies: the truth is not consulted
    live_tried = 0
    for name, fn in (("fds of a file changed (live)", "fds"), ("epoll item events changed (live)", "events"),
                     ("path wrong (live)", "path"), ("open flags gain O_APPEND (live)", "flags"),
                     ("mode loses its permission bits (live)", "mode")):
        x = copy.deepcopy(base)
        e, it = first_item(x)
        if not it:
            skipped.append(name)
            continue
        live_tried += 1
        if fn == "fds":
            for w, f, fds in iter_files(proc(x)):
                if f["id"] == it["file"]["id"]:
                    fds[:] = sorted(set(fds) | {0})
            it["tfd_stale"] = it["tfd"] not in it["fds"]
        elif fn == "events":
            it["events"] ^= 0x4
            it["event_names"] = names_for(it["events"], EPOLL_EVENTS)
        elif fn in ("flags", "mode"):
            # any file an fd holds (the only ones with a truth for these)
            held = [f for w, f, fds in iter_files(proc(x))
                    if isinstance(f, dict) and fds and "open_flags" in f]
            if not held:
                skipped.append(name)
                live_tried -= 1
                continue
            for f in held:
                if f["id"] == held[0]["id"]:
                    if fn == "flags":
                        f["open_flags"] ^= os.O_APPEND
                    else:
                        f["mode"] &= ~0o7777
        else:
            for w, f, fds in iter_files(proc(x)):
                if f["id"] == it["file"]["id"]:
                    f["path"] = f["path"] + "x"
        if not compare_live(pid, x, sample=50).items:
            fails.append(f"lie not caught: {name}")
    for f in fails:
        print("  - " + f)
    tried = len(lies) - len([n for n in skipped if "(live)" not in n]) + live_tried
    print(f"selftest: {tried} lies tried, {len(skipped)} more not applicable here "
          f"({', '.join(skipped) or '-'}), {len(fails)} failure(s)")
    return 1 if fails else 0


# ----------------------------------------------------------------------------------------
# output mutants: wrong outputs the e2e suite must reject
# ----------------------------------------------------------------------------------------

def _first_slot_line(lines, table):
    """Index of the first non-empty slot row of the first `table` block."""
    inside = False
    for i, ln in enumerate(lines):
        st = ln.strip()
        if ln.startswith("    ") and not ln.startswith("      "):
            inside = st.startswith(table)
            continue
        if inside and ln.startswith("      slot ") and not st.endswith("empty"):
            return i
    return None


def mutate_json(kind, dump):
    """Mutates a dump (JSON) in place; False when it has nothing to mutate."""
    procs = dump.get("processes") or []
    if kind == "nr_bvecs1":
        hit = False
        for p in procs:
            for r in p.get("io_urings") or []:
                for sl in (r.get("registered_buffers") or {}).get("slots") or []:
                    if not sl.get("empty") and sl.get("nr_bvecs") != 1:
                        sl["nr_bvecs"] = 1
                        hit = True
        return hit
    if kind == "tfd_stale":
        for p in procs:
            for e in p.get("epolls") or []:
                for it in e.get("items") or []:
                    it["tfd_stale"] = not it.get("tfd_stale")
                    return True
        return False
    if kind == "drop_file_row":
        for p in procs:
            for r in p.get("io_urings") or []:
                slots = (r.get("registered_files") or {}).get("slots") or []
                for i, sl in enumerate(slots):
                    if not sl.get("empty"):
                        del slots[i]
                        return True
        return False
    raise ValueError(f"unknown mutant {kind!r}")


def mutate_text(kind, text):
    """The mutated text report, or None when it has nothing to mutate."""
    lines = text.split("\n")
    if kind == "nr_bvecs1":
        out = re.sub(r"\bnr_bvecs [0-9]+", "nr_bvecs 1", text)
        return out if out != text else None
    if kind == "tfd_stale":
        for i, ln in enumerate(lines):
            m = re.match(r"^(    tfd [0-9]+)( \((?:now [0-9]+|closed)\))?(.*)$", ln)
            if m:
                lines[i] = m.group(1) + ("" if m.group(2) else " (closed)") + m.group(3)
                return "\n".join(lines)
        return None
    if kind == "drop_file_row":
        i = _first_slot_line(lines, "registered_files")
        if i is None:
            return None
        del lines[i]
        return "\n".join(lines)
    raise ValueError(f"unknown mutant {kind!r}")


MUTANTS = ("nr_bvecs1", "tfd_stale", "drop_file_row")


def mutate_output(kind, data):
    """A uringdump dump on stdin (JSON or text), mutated; other output unchanged."""
    try:
        dump = json.loads(data)
    except ValueError:
        dump = None
    if isinstance(dump, dict) and "processes" in dump:
        mutate_json(kind, dump)
        return json.dumps(dump) + "\n"
    if data.startswith("pid "):
        return mutate_text(kind, data) or data
    return data


def mutants(truth, dump, text):
    """Each mutant of the real output must fail the comparison that the
    honest output passes."""
    fails = []
    if compare_truth(truth, dump, None).items:
        fails.append("the honest JSON dump fails: " + "; ".join(compare_truth(truth, dump, None).items[:3]))
    if compare_text(truth, text).items:
        fails.append("the honest text report fails: " + "; ".join(compare_text(truth, text).items[:3]))
    tried = 0
    for kind in MUTANTS:
        x = copy.deepcopy(dump)
        if not mutate_json(kind, x):
            fails.append(f"mutant {kind} (JSON): nothing to mutate in this dump")
        else:
            tried += 1
            d = compare_truth(truth, x, None)
            if not d.items:
                fails.append(f"mutant {kind} (JSON) passes")
            else:
                print(f"  caught: {kind} (JSON): {d.items[0]}")
        t = mutate_text(kind, text)
        if t is None:
            fails.append(f"mutant {kind} (text): nothing to mutate in this report")
        else:
            tried += 1
            d = compare_text(truth, t)
            if not d.items:
                fails.append(f"mutant {kind} (text) passes")
            else:
                print(f"  caught: {kind} (text): {d.items[0]}")
    for f in fails:
        print("  - " + f)
    print(f"mutants: {tried} tried, {len(fails)} failure(s)")
    return 1 if fails else 0


def summary(dump):
    for p in dump.get("processes", []):
        rings = p.get("io_urings") or []
        eps = p.get("epolls") or []
        rf = sum((r.get("registered_files") or {}).get("used", 0) for r in rings)
        rb = sum((r.get("registered_buffers") or {}).get("used", 0) for r in rings)
        it = sum(len(e.get("items") or []) for e in eps)
        print(f"pid {p.get('pid')} ({p.get('comm')}): {len(rings)} rings, {rf} registered files, "
              f"{rb} registered buffers, {len(eps)} epolls, {it} epoll items, exact={dump.get('exact')}")


def main(argv):
    args = list(argv[1:])
    exact = "--exact" in args
    if exact:
        args.remove("--exact")
    do_lint = "--no-lint" not in args
    if not do_lint:
        args.remove("--no-lint")
    sample = 0
    if "--sample" in args:
        i = args.index("--sample")
        sample = int(args[i + 1])
        del args[i:i + 2]
    if not args:
        print(__doc__)
        return 2
    mode = args[0]
    if mode == "--lint" and len(args) == 2:
        return lint(load(args[1])).report(f"lint {args[1]}")
    if mode == "--live" and len(args) == 3:
        return compare_live(int(args[1]), load(args[2]), sample, do_lint).report(f"live pid {args[1]} vs {args[2]}")
    if mode == "--text" and len(args) == 3:
        with open(args[2], errors="replace") as f:
            return compare_text(load(args[1]), f.read()).report(f"text {args[2]}")
    if mode == "--fake" and len(args) in (2, 3):
        json.dump(fake_dump(load(args[1]), int(args[2]) if len(args) == 3 else None), sys.stdout)
        print()
        return 0
    if mode == "--selftest" and len(args) == 3:
        return selftest(load(args[1]), int(args[2]))
    if mode == "--text-lint" and len(args) == 2:
        with open(args[1], errors="replace") as f:
            try:
                parsed = parse_text(f.read())
            except TextError as e:
                print(f"text {args[1]}: {e}")
                return 1
        return lint(parsed).report(f"text {args[1]}")
    if mode == "--mutants" and len(args) == 4:
        with open(args[3], errors="replace") as f:
            return mutants(load(args[1]), load(args[2]), f.read())
    if mode == "--mutate-output" and len(args) == 2 and args[1] in MUTANTS:
        sys.stdout.write(mutate_output(args[1], sys.stdin.read()))
        return 0
    if mode == "--summary" and len(args) == 2:
        summary(load(args[1]))
        return 0
    if len(args) == 2 and not mode.startswith("--"):
        return compare_truth(load(args[0]), load(args[1]), exact).report(f"truth {args[0]} vs dump {args[1]}")
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

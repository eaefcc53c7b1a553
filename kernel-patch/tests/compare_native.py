#!/usr/bin/env python3
"""What the native iterators' dump must share with the CO-RE dump.

Used by judge-native.py for the COMPARE and LINKS lines of the
20-uringdump suite; runnable by hand on saved files:

  compare_native.py ring|epoll NATIVE.json CORE.json PID FD
  compare_native.py --truth ring|epoll NATIVE.json TRUTH.json FD
  compare_native.py --links LINKS.json PIN INODE

--truth judges the native dump against the workload's truth file with
tests/e2e/compare.py's field comparisons: everything the native dump has,
and for what needs the fd table, the values a native dump must give
(every fds list empty, no tfd stale, shared_with empty: it holds one ring).

A native ring pin sees one ring (its io_ring_ctx), not a process: it has no
fd table, so fds (of the ring, its eventfd, registered files, epoll
targets) and what derives from them (tfd_stale, SQPOLL group labels) are
not compared, nor what only a live dump of the process has (thread fds,
registered ring slots, mappings, personalities, buffer groups).  Everything else must be equal: the ring's or epoll's inode
(a ring's comes from its link's io_uring_inode), setup parameters, SQPOLL
cpu/idle/thread, eventfd async, every registered file slot (file type,
inode, dev, path), every registered buffer slot, every epoll item (tfd,
events, data, target file), table sizes, completeness and "dumped".
Exit status 0 when equal, 1 with the differences listed.
"""
import copy
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e"))
import compare as e2e  # noqa: E402  (tests/e2e/compare.py)

# keys that need the process's fd table, or label files per dump; and what
# only the live dump knows of the process (its threads and their tables,
# registered ring slots, mappings, personalities, buffer groups: see the
# man page)
NOT_COMPARED = {"id", "fds", "tfd_stale", "group", "shared_with",
                "thread_fds", "fds_table", "registered", "mappings", "personalities",
                "buffer_groups"}
# an epoll item's label of the ring or epoll it watches: compared as present
LABEL_REFS = {"io_uring", "epoll"}


def strip(v):
    if isinstance(v, dict):
        if "sq_flag_names" in v:
            # a ring's state: an idle SQPOLL thread sets NEED_WAKEUP on its
            # own between the two dumps
            v = dict(v, sq_flags=v.get("sq_flags", 0) & ~1,
                     sq_flag_names=[n for n in v["sq_flag_names"] if n != "NEED_WAKEUP"])
        return {k: (bool(x) if k in LABEL_REFS and isinstance(x, str) else strip(x))
                for k, x in v.items() if k not in NOT_COMPARED}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def instance(dump, pid, fd, kind):
    """The ring or epoll that fd of pid holds in a CO-RE dump; the only one
    of a native dump (fd None)."""
    key = "io_urings" if kind == "ring" else "epolls"
    found = []
    for p in dump.get("processes", []):
        if pid is not None and p.get("pid") != pid:
            continue
        for x in p.get(key, []):
            if fd is None or fd in x.get("fds", []):
                found.append(x)
    return found


def normalize(kind, x):
    x = strip(x)
    if kind == "ring":
        if x.get("eventfd") is not None:
            x["eventfd"] = {"async": x["eventfd"].get("async")}
    return x


def diff(a, b, path="", out=None):
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in the {'native' if k in a else 'CO-RE'} dump")
            else:
                diff(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} entries native, {len(b)} CO-RE")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: native {json.dumps(a)}, CO-RE {json.dumps(b)}")
    return out


def compare(kind, native, core, pid, fd):
    """Differences (a list of lines) between a native and a CO-RE dump."""
    n = instance(native, None, None, kind)
    c = instance(core, pid, fd, kind)
    if len(n) != 1:
        return [f"the native dump has {len(n)} {kind}s, expected 1"]
    if len(c) != 1:
        return [f"the CO-RE dump has {len(c)} {kind}s held by fd {fd} of {pid}, expected 1"]
    return diff(normalize(kind, n[0]), normalize(kind, c[0]))


def no_fds(v):
    """The truth as a native dump must show it: no fd table, every fds []."""
    if isinstance(v, dict):
        return {k: ([] if k == "fds" else no_fds(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [no_fds(x) for x in v]
    return v


def compare_truth(kind, native, truth, fd):
    """Differences between a native dump of one instance and the truth of
    the workload's instance that fd held."""
    n = instance(native, None, None, kind)
    if len(n) != 1:
        return [f"the native dump has {len(n)} {kind}s, expected 1"]
    d = e2e.lint(native, False)
    if native.get("source") != "native":
        d.add("top", f"source {native.get('source')!r}, expected native")
    objs = truth["rings"] if kind == "ring" else truth["epolls"]
    t = [o for o in objs if fd in o["fds"]]
    if len(t) != 1:
        return [f"the truth has {len(t)} {kind}s held by fd {fd}, expected 1"]
    t = no_fds(copy.deepcopy(t[0]))
    if kind == "ring" and t.get("eventfd"):
        # the eventfd's file is found through the fd table (the fd whose
        # eventfd_ctx is the ring's): a native dump has none, so it shows
        # the eventfd (async, no fds) without its file, as for a closed one
        t["eventfd"]["closed"] = True
    labels = e2e.Labels(d)
    if kind == "ring":
        e2e.cmp_ring(d, labels, t, n[0], False)
        sq = n[0].get("sqpoll")
        if isinstance(sq, dict) and sq.get("shared_with") != []:
            d.add(f"ring {t['name']}", f"sqpoll.shared_with {sq.get('shared_with')} in a one-ring dump")
    else:
        e2e.cmp_epoll(d, labels, t, n[0], no_fds(truth.get("files", {})), fds_known=False)
    return d.items


def check_links(links, pin, inode):
    """None when the link pinned at pin reports inode, else why not."""
    for link in links:
        if pin in link.get("pinned", []):
            got = link.get("io_uring_inode", link.get("epoll_inode"))
            if got != inode:
                return f"link {link.get('id')} at {pin}: inode {got}, the fd's is {inode}"
            return None
    return f"no link pinned at {pin} in link show -j"


def main(argv):
    if len(argv) == 4 and argv[0] == "--links":
        with open(argv[1]) as f:
            why = check_links(json.load(f), argv[2], int(argv[3]))
        print(why or "ok")
        return 1 if why else 0
    if len(argv) == 5 and argv[0] == "--truth" and argv[1] in ("ring", "epoll"):
        with open(argv[2]) as f:
            native = json.load(f)
        with open(argv[3]) as f:
            truth = json.load(f)
        out = compare_truth(argv[1], native, truth, int(argv[4]))
        print("\n".join(out) if out else "equal")
        return 1 if out else 0
    if len(argv) != 5 or argv[0] not in ("ring", "epoll"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        native = json.load(f)
    with open(argv[2]) as f:
        core = json.load(f)
    out = compare(argv[0], native, core, int(argv[3]), int(argv[4]))
    print("\n".join(out) if out else "equal")
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

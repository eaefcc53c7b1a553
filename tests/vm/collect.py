#!/usr/bin/env python3
"""Decode the result units a vmtest guest sent over its serial console.

usage: collect.py CONSOLE_LOG OUTDIR

Protocol (tests/vm/guest-lib.sh): "@@UD BEGIN <release>", then per unit lines
"@@UD F <unit> <base64 chunk>" of a .tar.gz holding the directory <unit>/,
closed by "@@UD FE <unit> <size> <md5>", and finally "@@UD END".  Each unit
whose size and md5 check out is unpacked into OUTDIR/<unit>/.
OUTDIR/_collect.json records what was seen:
{"release": str|null, "end": bool, "units": {unit: "ok" | why not}}.
"""
import base64
import binascii
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tarfile

NAME_RE = re.compile(r"^[A-Za-z0-9_.+-]+$")


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    log, outdir = argv[1], argv[2]
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir)
    release, end = None, False
    chunks, units = {}, {}
    try:
        with open(log, "rb") as f:
            raw = f.read()
    except OSError as e:
        raw = b""
        units["_console"] = f"unreadable: {e}"
    for line in raw.decode("utf-8", "replace").splitlines():
        pos = line.find("@@UD ")
        if pos < 0:
            continue
        words = line[pos:].split()
        kind = words[1] if len(words) > 1 else ""
        if kind == "BEGIN":
            release = " ".join(words[2:]) or "?"
        elif kind == "END":
            end = True
        elif kind == "F" and len(words) == 4:
            chunks.setdefault(words[2], []).append(words[3])
        elif kind == "FE" and len(words) == 5:
            unit, size, md5 = words[2], words[3], words[4]
            units[unit] = unpack(outdir, unit, chunks.pop(unit, []), size, md5)
    for unit in chunks:
        units[unit] = "incomplete (the guest stopped while sending it)"
    with open(os.path.join(outdir, "_collect.json"), "w") as f:
        json.dump({"release": release, "end": end, "units": units}, f, indent=1)
    return 0


def unpack(outdir, unit, parts, size, md5):
    if not NAME_RE.match(unit) or unit.startswith("."):
        return "bad unit name"
    try:
        data = base64.b64decode("".join(parts), validate=True)
    except binascii.Error as e:
        return f"corrupt on the console ({e})"
    if str(len(data)) != size or hashlib.md5(data).hexdigest() != md5:
        return f"corrupt on the console (size/md5 mismatch: {len(data)} of {size} bytes)"
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = tar.getmembers()
            for m in members:
                parts_ = m.name.split("/")
                if parts_[0] != unit or ".." in parts_ or not (m.isfile() or m.isdir()):
                    return f"unexpected archive member {m.name!r}"
            tar.extractall(outdir, members=members)
    except (tarfile.TarError, OSError, EOFError) as e:
        return f"bad archive ({e})"
    return "ok"


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Print a one-line-format apt sources list for another Debian suite that
reuses the mirrors this machine already uses.

usage: mirror-sources.py TARGET_CODENAME [APT_ETC]

Reads APT_ETC/sources.list and APT_ETC/sources.list.d/*.list|*.sources
(APT_ETC defaults to /etc/apt), keeps the "deb" entries whose suite is the
machine's codename (from /etc/os-release) or codename-updates /
codename-security, and prints them with the codename replaced by
TARGET_CODENAME, component main only.  Nothing on the system is changed: the
output is meant for apt's -o Dir::Etc::SourceList=FILE.

Only a stable release has -updates and -security suites: for a derived suite
(trixie-backports, bookworm-proposed-updates...) and for sid, unstable,
experimental, only the machine's main suite entries are kept (the security
archive carries none of these), as TARGET_CODENAME alone.
"""
import glob
import os
import sys

# Suites that never have -updates or -security companions.
NO_UPDATES = {"sid", "unstable", "experimental", "rc-buggy"}


def host_codename():
    with open("/etc/os-release") as f:
        for line in f:
            key, _, val = line.strip().partition("=")
            if key == "VERSION_CODENAME":
                return val.strip('"')
    raise SystemExit("mirror-sources: no VERSION_CODENAME in /etc/os-release")


def one_line_entries(path):
    """(uri, suite, signed_by) of each 'deb' line of a one-line-format file."""
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words or words[0] != "deb":
                continue
            words = words[1:]
            signed_by = None
            if words and words[0].startswith("["):
                opts = []
                while words:
                    w = words.pop(0)
                    opts.append(w.strip("[]"))
                    if w.endswith("]"):
                        break
                for o in opts:
                    if o.startswith("signed-by="):
                        signed_by = o.split("=", 1)[1]
            if len(words) >= 2:
                yield words[0], words[1], signed_by


def deb822_entries(path):
    """(uri, suite, signed_by) of each deb stanza of a .sources file."""
    with open(path) as f:
        text = f.read()
    for stanza in text.split("\n\n"):
        fields = {}
        key = None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += "\n" + line.strip()
                continue
            key, _, val = line.partition(":")
            key = key.strip().lower()
            fields[key] = val.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        signed_by = fields.get("signed-by")
        if signed_by and "\n" in signed_by:
            signed_by = None  # an inline key cannot go on one line; use apt's keyrings
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                yield uri, suite, signed_by


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    target = argv[1]
    etc = argv[2] if len(argv) == 3 else "/etc/apt"
    codename = host_codename()
    files = [os.path.join(etc, "sources.list")]
    files += sorted(glob.glob(os.path.join(etc, "sources.list.d", "*.list")))
    deb822 = sorted(glob.glob(os.path.join(etc, "sources.list.d", "*.sources")))
    entries = []
    for path in files:
        if os.path.exists(path):
            entries += one_line_entries(path)
    for path in deb822:
        entries += deb822_entries(path)
    suffixes = {"": "", "-updates": "-updates", "-security": "-security",
                "/updates": "-security"}
    if "-" in target or target in NO_UPDATES:
        suffixes = {"": ""}
    out = []
    for uri, suite, signed_by in entries:
        for old, new in suffixes.items():
            if suite == codename + old:
                opt = f"[signed-by={signed_by}] " if signed_by else ""
                line = f"deb {opt}{uri} {target}{new} main"
                if line not in out:
                    out.append(line)
    if not out:
        print(f"mirror-sources: no Debian mirror for {codename} in {etc}", file=sys.stderr)
        return 1
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

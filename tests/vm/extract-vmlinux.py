#!/usr/bin/env python3
"""Turn a packaged x86 bzImage (vmlinuz) into the uncompressed ELF vmlinux.

usage: extract-vmlinux.py VMLINUZ OUT

The bzImage setup header names where the compressed payload lives
(payload_offset/payload_length, boot protocol >= 2.08); the payload's magic
tells the compressor.  Without a usable header, every occurrence of a known
magic is tried until one decompresses to an ELF image.  qemu boots the result
through its PVH entry note, which is faster than the bzImage path under TCG.
"""
import lzma
import os
import struct
import subprocess
import sys
import zlib

XZ_MAGIC = b"\xfd7zXZ\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b\x08"


def unxz(data):
    d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    return d.decompress(data)


def unzstd(data):
    # The stdlib has no zstd (python < 3.14): use the zstd tool (package zstd).
    # Trailing bytes after the frame make it fail after writing the image,
    # so the output, not the exit status, decides.
    p = subprocess.run(["zstd", "-dcq"], input=data, capture_output=True)
    return p.stdout


def ungzip(data):
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    return d.decompress(data)


DECODERS = [(XZ_MAGIC, unxz), (ZSTD_MAGIC, unzstd), (GZIP_MAGIC, ungzip)]


def is_elf(blob):
    """A whole ELF64 image: the section header table (at the end) is inside."""
    if len(blob) < 64 or blob[:5] != b"\x7fELF\x02":
        return False
    shoff = struct.unpack_from("<Q", blob, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", blob, 0x3A)
    return 0 < shoff and shoff + shentsize * shnum <= len(blob)


def payload_from_header(img):
    """The compressed payload as the setup header describes it, or None."""
    if len(img) < 0x250 or img[0x202:0x206] != b"HdrS":
        return None
    version = struct.unpack_from("<H", img, 0x206)[0]
    if version < 0x208:
        return None
    setup_sects = img[0x1F1] or 4
    start = (setup_sects + 1) * 512
    off, length = struct.unpack_from("<II", img, 0x248)
    if length == 0 or start + off + length > len(img):
        return None
    return img[start + off:start + off + length]


def decompress(blob):
    for magic, fn in DECODERS:
        if blob.startswith(magic):
            try:
                out = fn(blob)
            except (lzma.LZMAError, zlib.error):
                return None
            return out if is_elf(out) else None
    return None


def scan(img):
    """Try every known magic anywhere in the image, first ELF wins."""
    for magic, _ in DECODERS:
        pos = img.find(magic)
        while pos >= 0:
            out = decompress(img[pos:])
            if out:
                return out
            pos = img.find(magic, pos + 1)
    return None


def main(argv):
    if len(argv) != 3:
        print("usage: extract-vmlinux.py VMLINUZ OUT", file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        img = f.read()
    payload = payload_from_header(img)
    out = decompress(payload) if payload else None
    if out is None:
        out = scan(img)
    if out is None:
        print(f"extract-vmlinux: no xz/zstd/gzip payload decompresses to ELF in {argv[1]}",
              file=sys.stderr)
        return 1
    tmp = argv[2] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

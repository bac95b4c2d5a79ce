"""Hostile documents, music files, zips and JPEGs for tests, built here byte by byte: nothing copied.

* ``pdf`` — a PDF from object bodies (a cross-reference table is written unless told not to);
  ``page_tree``, ``stream``, ``FONT`` help make its pages;
* ``office`` — a DOCX/ODT package from its parts; ``W`` is Word's XML namespace;
* ``raw_zip`` — a zip written by hand from ``Member`` records, so each field can lie: the local
  header's name, offsets shared between members, sizes and CRCs that are not the data's;
* ``id3`` / ``id3_frame`` / ``atom`` — ID3v2.4 tags and MP4 boxes with any declared size;
* ``segment`` — one JPEG marker segment; ``jpeg_with_place`` a real JPEG recording a GPS position.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image

__all__ = ["FONT", "Member", "W", "atom", "deflated", "id3", "id3_frame", "jpeg_with_place", "office",
           "page_tree", "pdf", "raw_zip", "segment", "stream"]

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
FONT = b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def pdf(objects: list[bytes], *, trailer: bytes = b"", xref: bool = True) -> bytes:
    """A PDF whose object ``n`` (from 1) is ``objects[n - 1]``; object 1 is the catalogue."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer + b">>\n"
    return bytes(out + b"startxref\n%d\n%%%%EOF\n" % start)


def page_tree(contents: bytes, *, kids: bytes = b"[3 0 R]", count: int = 1) -> list[bytes]:
    """Catalogue (1), page tree (2), one page (3) whose content stream is object 4 (``contents``)."""
    return [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids " + kids + b" /Count %d >>" % count,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R " + FONT + b" >>",
            contents]


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def office(parts: dict[str, str | bytes]) -> bytes:
    """A zip package (DOCX or ODT) holding ``parts``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return out.getvalue()


def deflated(data: bytes) -> bytes:
    """Raw deflate, as a zip member stores it."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


@dataclass
class Member:
    """One zip entry; every field the directory states can differ from the truth."""

    name: bytes
    data: bytes = b""
    local_name: bytes | None = None  # the name in the local header (default: ``name``)
    size: int | None = None  # declared uncompressed size (default: the data's)
    crc: int | None = None  # declared CRC (default: the data's)
    offset: int | None = None  # where the directory says the local header is (default: where it is)
    stored: bool = True  # False: only a directory entry, pointing at ``offset``
    method: int = 8  # the compression both headers declare (the data is deflated whatever it says)


def raw_zip(members: list[Member], *, prefix: bytes = b"") -> bytes:
    """A zip of deflated ``members`` after ``prefix``, with a directory that says what they declare."""
    body, directory = bytearray(prefix), bytearray()
    packs: dict[bytes, bytes] = {}  # each distinct content deflated once
    for m in members:
        packed = packs.get(m.data)
        if packed is None:
            packed = packs[m.data] = deflated(m.data)
        crc = zlib.crc32(m.data) if m.crc is None else m.crc
        size = len(m.data) if m.size is None else m.size
        offset = len(body) if m.offset is None else m.offset
        local = m.name if m.local_name is None else m.local_name
        flags = 0 if m.name.isascii() else 0x800  # names beyond ASCII are UTF-8, and flagged so
        if m.stored:
            body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, m.method, 0, 0x21, crc, len(packed),
                                size, len(local), 0) + local + packed
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, m.method, 0, 0x21, crc,
                                 len(packed), size, len(m.name), 0, 0, 0, 0, 0, offset) + m.name
    count = min(len(members), 0xFFFF)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), len(body), 0)
    return bytes(body + directory + end)


def _syncsafe(n: int) -> bytes:
    return bytes(((n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127))


def id3(frames: list[bytes], size: int | None = None) -> bytes:
    """An ID3v2.4 tag of ``frames``, declaring ``size`` bytes if given."""
    body = b"".join(frames)
    return b"ID3\x04\x00\x00" + _syncsafe(len(body) if size is None else size) + body


def id3_frame(kind: bytes, data: bytes, size: int | None = None) -> bytes:
    return kind + _syncsafe(len(data) if size is None else size) + b"\x00\x00" + data


def atom(kind: bytes, body: bytes = b"", size: int | None = None) -> bytes:
    """An MP4 box declaring ``size`` bytes (default: its real size)."""
    return struct.pack(">I", 8 + len(body) if size is None else size) + kind + body


def segment(marker: int, body: bytes) -> bytes:
    """A JPEG marker segment with its length field."""
    return b"\xff" + bytes((marker,)) + (len(body) + 2).to_bytes(2, "big") + body


def jpeg_with_place() -> bytes:
    """A small real JPEG whose EXIF records a camera and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "Errand test camera"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()

"""A minimal JPEG header reader: the EXIF tags ``photos.info`` needs, and the pixel size, nothing else.

Why not only Pillow: for a 10,000-photo chore, Pillow's ``getexif`` decodes
every tag of every IFD (maker notes included) into Python objects, about ten
times the work of picking out the fifteen tags that matter. This walks the
JPEG markers up to the frame header, reads the first ``Exif`` APP1 segment (and keeps the first XMP packet),
and decodes only the wanted tags of IFD0, the Exif IFD and the GPS IFD.

It answers only what it is sure of: anything unusual (no frame header before
the scan, an offset outside the block, an unknown type) raises ``Unusual``
and the caller falls back to Pillow, so the two never disagree on a file
Pillow can read — a test holds them to that, and to exiftool.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any, BinaryIO

__all__ = ["Unusual", "read_jpeg"]

IFD0_TAGS = frozenset({0x0112, 0x010F, 0x0110, 0x0132, 0x8769, 0x8825})
EXIF_TAGS = frozenset({0x9003, 0x9004, 0x9010, 0x9011, 0x9012})
GPS_TAGS = frozenset({1, 2, 3, 4, 5, 6, 9})  # 9: GPSStatus ("V": the receiver had no fix)
_EXIF_POINTER, _GPS_POINTER = 0x8769, 0x8825
# Start-of-frame markers (baseline, progressive, lossless, arithmetic): they carry the size.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_NO_LENGTH = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn stand alone
_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8}
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_MAX_SEGMENTS = 64  # a real header has a handful; a crafted file does not get to loop

Tags = dict[int, Any]


class Unusual(Exception):
    """Not a plain JPEG header this reader vouches for; use the general (Pillow) path."""


def read_jpeg(f: BinaryIO) -> tuple[tuple[int, int], Tags, Tags, Tags, bytes | None]:
    """``((width, height), ifd0, exif_ifd, gps_ifd, xmp)`` from a JPEG open at its start (xmp: the
    first XMP packet, None if there is none)."""
    if f.read(2) != b"\xff\xd8":
        raise Unusual("no SOI")
    exif: bytes | None = None
    xmp: bytes | None = None
    for _ in range(_MAX_SEGMENTS):
        marker = _next_marker(f)
        if marker in _NO_LENGTH:
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            raise Unusual("no frame header before the scan")
        length = _unpack(">H", f.read(2))[0]
        if length < 2:
            raise Unusual("bad segment length")
        if marker in _SOF:
            _precision, height, width = _unpack(">BHH", f.read(5))
            if not width or not height:
                raise Unusual("size is defined later (DNL)")
            ifd0, details, gps = _tiff(exif)
            if xmp is not None and 0x0112 not in ifd0:
                raise Unusual("orientation may be in XMP")  # Pillow reads it there; let Pillow answer
            return (width, height), ifd0, details, gps, xmp
        if marker == 0xE1:
            body = f.read(length - 2)
            if body[:6] == b"Exif\x00\x00" and exif is None:
                exif = body[6:]
            if xmp is None and body.startswith(_XMP_HEADER):
                xmp = body[len(_XMP_HEADER):]
            continue
        f.seek(length - 2, 1)
    raise Unusual("too many segments")


def _next_marker(f: BinaryIO) -> int:
    byte = f.read(1)
    if byte != b"\xff":
        raise Unusual("expected a marker")
    while byte == b"\xff":  # fill bytes
        byte = f.read(1)
    if not byte:
        raise Unusual("truncated")
    return byte[0]


def _unpack(fmt: str, data: bytes, offset: int = 0) -> tuple[Any, ...]:
    try:
        return struct.unpack_from(fmt, data, offset)
    except struct.error:
        raise Unusual("truncated") from None


def _tiff(block: bytes | None) -> tuple[Tags, Tags, Tags]:
    if not block:
        return {}, {}, {}
    order = {b"II": "<", b"MM": ">"}.get(block[:2])
    if order is None or _unpack(order + "H", block, 2)[0] != 42:
        raise Unusual("not a TIFF block")
    ifd0 = _ifd(block, order, _unpack(order + "I", block, 4)[0], IFD0_TAGS)
    details = _ifd(block, order, ifd0.pop(_EXIF_POINTER), EXIF_TAGS) if _EXIF_POINTER in ifd0 else {}
    gps = _ifd(block, order, ifd0.pop(_GPS_POINTER), GPS_TAGS) if _GPS_POINTER in ifd0 else {}
    return ifd0, details, gps


def _ifd(block: bytes, order: str, offset: Any, wanted: Iterable[int]) -> Tags:
    if not isinstance(offset, int) or not 8 <= offset < len(block):
        raise Unusual("IFD offset outside the block")
    count = _unpack(order + "H", block, offset)[0]
    found: Tags = {}
    for i in range(count):
        tag, kind, n, raw = _unpack(order + "HHI4s", block, offset + 2 + 12 * i)
        if tag not in wanted:
            continue
        size = _TYPE_SIZE.get(kind, 0) * n
        if size == 0:
            raise Unusual("unknown type")
        if size <= 4:
            data = raw[:size]
        else:
            start = _unpack(order + "I", raw)[0]
            if start + size > len(block):
                raise Unusual("value outside the block")
            data = block[start:start + size]
        found[tag] = _value(kind, n, data, order)
    return found


def _value(kind: int, n: int, data: bytes, order: str) -> Any:
    """Decode like Pillow does: text as str, one number as a number, several as a tuple."""
    if kind == 2:
        return data.rstrip(b"\x00").decode("latin-1")  # as Pillow does, so both paths agree
    if kind == 7:
        return data
    if kind in (5, 10):
        code = "I" if kind == 5 else "i"
        pairs = struct.unpack(order + code * (2 * n), data)
        values: tuple[Any, ...] = tuple(a / b if b else float("nan") for a, b in zip(pairs[::2], pairs[1::2],
                                                                                 strict=True))
    else:
        code = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i"}[kind]
        values = struct.unpack(order + code * n, data)
    return values[0] if n == 1 else values

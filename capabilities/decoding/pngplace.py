"""Removing the place from a PNG by rewriting its chunks: every other byte is copied as it is.

Re-encoding a PNG to drop its GPS loses what Pillow does not carry over — the second and later
frames of an animated PNG, 16-bit colour (opened as 8-bit RGB), the resolution, unknown chunks —
so ``strip_place`` walks the chunks instead, as ``images`` does a JPEG's segments:

* ``eXIf`` — the EXIF block, rewritten without its GPS directory;
* ``tEXt`` / ``zTXt`` / ``iTXt`` holding XMP (``XML:com.adobe.xmp``) that mentions GPS — dropped;
* ``Raw profile type exif`` / ``APP1`` text (ImageMagick's older way to keep EXIF) recording a
  GPS directory — dropped whole (its date and camera go with it: the place cannot be cut out of
  it alone, and the original is kept for undo).

Compressed text is inflated at most to ``MAX_TEXT`` bytes; a chunk running past the end, a bad
length or no ``IEND`` refuses the file.
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image

from capabilities.decoding.ops import Refused

__all__ = ["MAX_TEXT", "RAW_EXIF", "profile_exif", "strip_place"]

MAX_TEXT = 8 * 1024 * 1024
_GPS_IFD = 0x8825
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_XMP = b"XML:com.adobe.xmp"
RAW_EXIF = (b"Raw profile type exif", b"Raw profile type APP1")  # keywords of ImageMagick's EXIF text


def strip_place(data: bytes) -> bytes | None:
    """``data`` without the place it records, or None when it records none (see the module)."""
    if not data.startswith(_SIGNATURE):
        raise Refused("unsupported", "not a PNG")
    out, pos, removed = bytearray(_SIGNATURE), len(_SIGNATURE), False
    while True:
        if pos + 12 > len(data):
            raise Refused("damaged", "the picture ends before its last chunk")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise Refused("damaged", "a chunk runs past the end")
        body, chunk = data[pos + 8:pos + 8 + length], data[pos:end]
        pos = end
        if kind == b"eXIf":
            rewritten = _without_gps(body)
            if rewritten is not None:
                chunk, removed = _chunk(kind, rewritten), True
        elif kind in (b"tEXt", b"zTXt", b"iTXt") and _text_places(kind, body):
            removed = True
            continue
        out += chunk
        if kind == b"IEND":
            break
    return bytes(out) if removed else None


def _without_gps(tiff: bytes) -> bytes | None:
    exif = Image.Exif()
    exif.load(tiff)
    if _GPS_IFD not in exif:
        return None
    exif.pop(_GPS_IFD)
    return exif.tobytes()[6:]  # without "Exif\0\0": a PNG stores the TIFF block alone


def _text_places(kind: bytes, body: bytes) -> bool:
    """True when a text chunk is XMP that mentions GPS, or an old-style EXIF profile with GPS."""
    keyword, _, rest = body.partition(b"\x00")
    if keyword != _XMP and keyword not in RAW_EXIF:
        return False
    text = _text(kind, rest)
    if keyword == _XMP:
        return b"GPS" in text
    return _raw_profile_places(text)


def _text(kind: bytes, rest: bytes) -> bytes:
    if kind == b"tEXt":
        return rest
    if kind == b"zTXt":
        return _inflate(rest[1:])
    if len(rest) < 2:
        raise Refused("damaged", "a text chunk is cut short")
    compressed, text = rest[0], rest[2:].split(b"\x00", 2)  # language and translated keyword first
    if len(text) < 3:
        raise Refused("damaged", "a text chunk is cut short")
    return _inflate(text[2]) if compressed else text[2]


def _inflate(packed: bytes) -> bytes:
    try:
        unpacker = zlib.decompressobj()
        text = unpacker.decompress(packed, MAX_TEXT + 1)
    except zlib.error:
        raise Refused("damaged", "a text chunk does not unpack") from None
    if len(text) > MAX_TEXT or unpacker.unconsumed_tail:
        raise Refused("too_large", "a text chunk unpacks to more than 8 MB")
    return text


def profile_exif(kind: bytes, body: bytes) -> bytes | None:
    """The EXIF block a ``Raw profile type exif``/``APP1`` text chunk holds (for ``exif.read_info``);
    None for any other chunk. Refused when it cannot be unpacked or its hex cannot be read."""
    keyword, _, rest = body.partition(b"\x00")
    if keyword not in RAW_EXIF:
        return None
    return _profile_bytes(_text(kind, rest))


def _profile_bytes(text: bytes) -> bytes:
    """ImageMagick's profile, "\\nexif\\n<length>\\n<hex…>", as EXIF ("Exif\\0\\0" or "II"/"MM" first)."""
    lines = text.split(b"\n", 3)
    try:
        raw = bytes.fromhex(lines[3].decode("ascii")) if len(lines) == 4 else b""
    except (UnicodeDecodeError, ValueError):
        raise Refused("damaged", "an EXIF text chunk is not hex") from None
    if raw.startswith(b"\xff\xe1") or raw[:2] not in (b"Ex", b"II", b"MM"):
        raw = raw[raw.find(b"Exif\x00\x00"):] if b"Exif\x00\x00" in raw else raw
    return raw


def _raw_profile_places(text: bytes) -> bool:
    """True when an old-style EXIF profile records a GPS directory, or cannot be read (it may)."""
    exif = Image.Exif()
    try:
        exif.load(_profile_bytes(text))
    except (Refused, SyntaxError, ValueError, struct.error, IndexError, TypeError):
        return True
    return _GPS_IFD in exif


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

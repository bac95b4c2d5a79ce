"""PNGs that keep their EXIF as ImageMagick does: hex in a ``Raw profile type exif`` text chunk.

ImageMagick (``convert``, ``mogrify``) and exiftool before 11 wrote a PNG's EXIF this way, as
``"\\nexif\\n<length, 8 wide>\\n"`` then the EXIF block (``Exif\\0\\0`` and the TIFF data) in hex,
72 digits a line, in a ``zTXt`` chunk (``tEXt``/``iTXt`` from some tools). ``with_exif_text``
writes that into a real PNG made by Pillow, just after its header, as those tools place it.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

__all__ = ["chunk", "profile_text", "with_exif_text"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def profile_text(exif: bytes, name: bytes = b"exif") -> bytes:
    """ImageMagick's profile text for ``exif`` (its ``Magick_png_write_raw_profile`` layout)."""
    digits = exif.hex().encode()
    rows = b"\n".join(digits[i:i + 72] for i in range(0, len(digits), 72))
    return b"\n" + name + b"\n" + b"%8d" % len(exif) + b"\n" + rows + b"\n"


def with_exif_text(png: Path, exif: bytes, kind: bytes = b"zTXt",
                   keyword: bytes = b"Raw profile type exif", text: bytes | None = None) -> Path:
    """Put ``exif`` (or the raw ``text``) in a ``kind`` text chunk after ``png``'s IHDR; returns ``png``."""
    data = png.read_bytes()
    assert data.startswith(SIGNATURE)
    body = profile_text(exif) if text is None else text
    if kind == b"tEXt":
        payload = keyword + b"\x00" + body
    elif kind == b"zTXt":
        payload = keyword + b"\x00\x00" + zlib.compress(body)
    else:  # iTXt: compressed, zlib, no language, no translated keyword
        payload = keyword + b"\x00\x01\x00\x00\x00" + zlib.compress(body)
    at = len(SIGNATURE) + 8 + 13 + 4  # after IHDR
    png.write_bytes(data[:at] + chunk(kind, payload) + data[at:])
    return png

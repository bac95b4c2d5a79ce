"""Hostile picture files for tests, built here byte by byte: nothing copied from elsewhere.

* ``postscript`` — an EPS file (any name, e.g. ``holiday.jpg``) whose
  PostScript writes a file where it should not and then loops: what Pillow's
  EPS plugin would hand to Ghostscript;
* ``png_bomb`` — a valid PNG declaring ``width × height`` one-bit pixels
  (400 megapixels in ~50 KB): its rows are streamed through zlib, never held;
* ``bmp_rle`` — an 8-bit run-length BMP declaring a large picture in a small
  file (the "2.6 MB BMP that takes 1.1 GB");
* ``cut`` / ``scribble`` — a real file truncated, or with its middle overwritten;
* ``declare_size`` — a real file whose header claims a far larger picture;
* ``fake_ghostscript`` — a ``gs`` on a PATH folder that records being run.
"""

from __future__ import annotations

import os
import stat
import struct
import zlib
from pathlib import Path

__all__ = ["bmp_rle", "cut", "declare_size", "fake_ghostscript", "png_bomb", "postscript", "scribble"]


def postscript(path: Path, victim: Path) -> Path:
    """EPS that, run by Ghostscript, would write ``victim`` and then spin for ever."""
    body = (f"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 48\n%%EndComments\n"
            f"/f ({victim}) (w) file def f (owned) writestring f closefile\n"
            "{ } loop\nshowpage\n%%EOF\n")
    _write(path, body.encode())
    return path


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bomb(path: Path, width: int = 20_000, height: int = 20_000, *, rgb: bool = False) -> Path:
    """A real PNG of ``width × height`` black pixels (one-bit grey, or 8-bit RGB: 3 bytes each once
    decoded), written without holding them."""
    row = b"\x00" + bytes(3 * width if rgb else (width + 7) // 8)  # filter byte + pixels
    packer = zlib.compressobj(1)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8 if rgb else 1, 2 if rgb else 0, 0, 0, 0)
    _write(path, b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts))
                     + _chunk(b"IEND", b""))
    return path


def bmp_rle(path: Path, width: int, height: int, runs_per_row: int = 60) -> Path:
    """An RLE8 BMP of ``width × height``: each row a few runs of colours, so the file stays small."""
    run = max(1, min(255, width // runs_per_row))
    row = bytearray()
    left = width
    colour = 0
    while left > 0:
        n = min(run, left)
        row += bytes((n, colour % 256))
        colour += 37
        left -= n
    row += b"\x00\x00"  # end of line
    pixels = bytes(row) * height + b"\x00\x01"  # end of bitmap
    palette = b"".join(bytes((i, 255 - i, (i * 7) % 256, 0)) for i in range(256))
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(pixels), 2835, 2835, 256, 0)
    offset = 14 + len(info) + len(palette)
    head = b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset)
    _write(path, head + info + palette + pixels)
    return path


def cut(source: Path, path: Path, keep: float | int) -> Path:
    """``source`` truncated to ``keep`` bytes (an int) or that fraction of its size (a float)."""
    data = source.read_bytes()
    n = keep if isinstance(keep, int) else int(len(data) * keep)
    _write(path, data[:n])
    return path


def scribble(source: Path, path: Path) -> Path:
    """``source`` with its second quarter overwritten by a repeating pattern."""
    data = bytearray(source.read_bytes())
    start, end = len(data) // 4, len(data) // 2
    data[start:end] = (b"\xde\xad\xbe\xef" * (end - start))[: end - start]
    _write(path, bytes(data))
    return path


def fake_ghostscript(folder: Path, marker: Path) -> Path:
    """A ``gs`` in ``folder`` that writes ``marker`` when run, then fails (put ``folder`` first on PATH)."""
    folder.mkdir(parents=True, exist_ok=True)
    gs = folder / "gs"
    gs.write_text(f"#!/bin/sh\necho ran \"$@\" >> '{marker}'\nexit 1\n")
    gs.chmod(gs.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.utime(gs)
    return gs


def declare_size(source: Path, path: Path, width: int, height: int) -> Path:
    """A real JPEG, PNG, GIF or BMP whose header claims ``width × height`` (its pixels stay small)."""
    data = bytearray(source.read_bytes())
    kind = source.suffix.lower()
    if kind in (".jpg", ".jpeg"):
        at = data.index(b"\xff\xc0") + 5  # SOF0: length, precision, then height and width
        data[at:at + 4] = struct.pack(">HH", height, width)
    elif kind == ".png":
        data[16:24] = struct.pack(">II", width, height)
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    elif kind == ".gif":
        data[6:10] = struct.pack("<HH", width, height)  # the logical screen
        at = data.index(b"\x2c", 13)  # the first image descriptor
        data[at + 5:at + 9] = struct.pack("<HH", width, height)
    elif kind == ".bmp":
        data[18:26] = struct.pack("<ii", width, height)
    else:
        raise ValueError(f"declare_size: {kind} is not handled")
    _write(path, bytes(data))
    return path

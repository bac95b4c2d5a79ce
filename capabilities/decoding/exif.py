"""Read what a photo says about itself — date taken, GPS, camera, size, orientation — from its header.

Speed is the point: a chore may touch 10,000 photos, and pixels are never
decoded. A JPEG's header is read by ``capabilities.decoding.exif_jpeg``, which picks out
just the tags needed (about ten times less work than Pillow decoding every
tag); anything it does not vouch for, and every other format, goes through
Pillow's lazy ``Image.open`` + ``getexif()``. PNG keeps EXIF in an ``eXIf``
chunk that may come after the pixel data and Pillow decodes the whole image
to find it, so PNG chunks are walked here by seeking past their data; a PNG
from ImageMagick (or an older exiftool) keeps it as hex in a ``Raw profile
type exif`` text chunk instead, read when there is no ``eXIf``.
HEIC/HEIF is read through ``pillow-heif`` when it is installed (it ships
libheif in its wheel, ~26 MB); without it a HEIC file gets a clear message.
HEIC pictures come out already upright (orientation 1, width and height as
displayed).

This module parses hostile bytes: Errand runs it only inside the decoder
worker (``capabilities.decoding``), and opens pictures only through the
format allowlist (``decoding.formats.open_image``). What comes out is
cleaned for people: text fields end at their first NUL (cameras pad, and
some leave junk after it) and lose control characters; GPS 0/0 — what
receivers without a fix write — is "no position", as is a GPSStatus of
"V" (void); a date only XMP records (``capabilities.decoding.exif_xmp``) is read
when EXIF has none; Pillow's warnings are not printed.

The shape returned by ``read_info`` (one dict, JSON-ready)::

    {"format": "JPEG", "width": 4032, "height": 3024,   # stored pixels
     "orientation": 6,              # EXIF 1..8 (6: turn 90° clockwise to view), None if unsaid
     "taken": "2024-07-14T18:30:05+02:00",   # ISO 8601; the offset only when the file has one
     "gps": {"lat": 48.8584, "lon": 2.2945, "altitude": 35.0},  # altitude None if unsaid
     "camera": {"make": "Apple", "model": "iPhone 13"},
     "missing": ["gps"]}            # which of taken/gps/camera the file does not record

A file with no metadata at all has ``taken``, ``gps`` and ``camera`` None and
all three listed in ``missing``: absence is an answer, not an error.
"""

from __future__ import annotations

import struct
import unicodedata
import warnings
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, UnidentifiedImageError

from capabilities.decoding.exif_jpeg import Unusual, read_jpeg
from capabilities.decoding.exif_xmp import xmp_taken
from capabilities.decoding.formats import HEIF_SUFFIXES, heif_available, open_image
from capabilities.decoding.ops import Refused
from capabilities.decoding.pngplace import MAX_TEXT, RAW_EXIF, profile_exif
from capabilities.errors import BackendError, ErrandError

__all__ = ["HEIF_SUFFIXES", "clean_text", "read_info"]

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_ORIENTATION, _MAKE, _MODEL, _DATETIME = 0x0112, 0x010F, 0x0110, 0x0132
# (date tag, matching offset tag), best first: when the shutter fired, when it was digitised, last change.
_DATE_TAGS = ((0x9003, 0x9011), (0x9004, 0x9012))
_FILE_DATE = (_DATETIME, 0x9010)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt")
_PROFILE_KEYWORD = len(RAW_EXIF[0]) + 1  # "Raw profile type exif" and its NUL
_GPS_STATUS = 9
_MAX_TEXT = 200  # characters: a camera name or a date, never a page


def read_info(source: Path | BinaryIO, name: str = "", *, fast: bool = True) -> dict[str, Any]:
    """Metadata of one image (see the module docstring for the shape).

    ``source`` is a path or a binary file open for reading (the photos
    capability opens granted files safely and passes the handle); ``name``
    is used for messages and to recognise HEIC. ``fast=False`` reads JPEGs
    through Pillow too (the tests and the benchmark compare both paths).
    """
    if isinstance(source, Path):
        with source.open("rb") as f:
            return read_info(f, name or source.name, fast=fast)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's "possibly corrupt EXIF" is not the person's business
        return _read(source, name, fast)


def _read(source: BinaryIO, name: str, fast: bool) -> dict[str, Any]:
    start = source.tell()
    head = source.read(12)
    source.seek(start)
    if name.lower().endswith(HEIF_SUFFIXES) or head[4:8] == b"ftyp":  # HEIC also hides behind .jpg
        _need_heif(name)
    if fast and head[:2] == b"\xff\xd8":
        try:
            return _describe("JPEG", *read_jpeg(source))
        except Unusual:
            pass  # Pillow knows more kinds of JPEG; it answers for this one
    source.seek(start)
    try:
        with open_image(source) as im:
            exif = _png_exif(source) if im.format == "PNG" else im.getexif()
            details = exif.get_ifd(_EXIF_IFD) if _EXIF_IFD in exif else {}
            gps = exif.get_ifd(_GPS_IFD) if _GPS_IFD in exif else {}
            xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
            return _describe(im.format or "", im.size, exif, details, gps, xmp)
    except UnidentifiedImageError:
        raise ErrandError(
            f"{name or 'This file'} is not an image Errand can read.",
            "photos works on JPEG, PNG, HEIC, WebP, TIFF and GIF files; skip other files.",
        ) from None
    except (OSError, SyntaxError, ValueError, struct.error) as exc:  # Pillow's words for a broken file
        raise BackendError(f"Could not read {name or 'the image'}: {exc}",
                           "The file may be damaged or still being copied; try again or skip it.") from None


def _describe(fmt: str, size: tuple[int, int], ifd0: Mapping[int, Any], details: Mapping[int, Any],
              gps: Mapping[int, Any], xmp: bytes | str | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "format": fmt,
        "width": size[0],
        "height": size[1],
        "orientation": _orientation(ifd0.get(_ORIENTATION)),
        "taken": _taken(details, ifd0) or xmp_taken(xmp),
        "gps": _gps(gps),
        "camera": _camera(ifd0),
    }
    info["missing"] = [key for key in ("taken", "gps", "camera") if info[key] is None]
    return info


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return clean_text(value) if isinstance(value, str) else None


def clean_text(value: str) -> str | None:
    """A text field as a person should see it: up to its first NUL, without control or format
    characters (bidi overrides included), spaces collapsed; None when nothing is left."""
    value = value.split("\x00", 1)[0][:_MAX_TEXT]
    kept = "".join(" " if ch.isspace() else ch for ch in value
                   if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    return " ".join(kept.split()) or None


def _orientation(value: Any) -> int | None:
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _taken(details: Mapping[int, Any], ifd0: Mapping[int, Any]) -> str | None:
    for date_tag, offset_tag in _DATE_TAGS:
        found = _iso(_text(details.get(date_tag)), _text(details.get(offset_tag)))
        if found:
            return found
    return _iso(_text(ifd0.get(_FILE_DATE[0])), _text(details.get(_FILE_DATE[1])))


def _iso(stamp: str | None, offset: str | None) -> str | None:
    """``2024:07:14 18:30:05`` + ``+02:00`` → ``2024-07-14T18:30:05+02:00``; None when unusable."""
    if not stamp:
        return None
    try:
        when = datetime.strptime(stamp[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # blank dates ("    :  :  ") and "0000:00:00 00:00:00" are common
    text = when.isoformat()
    if offset and len(offset) == 6 and offset[0] in "+-" and offset[3] == ":":
        try:
            datetime.fromisoformat(text + offset)
            text += offset
        except ValueError:
            pass
    return text


def _gps(ifd: Mapping[int, Any]) -> dict[str, float | None] | None:
    try:
        lat = _degrees(ifd[2], _text(ifd.get(1)) or "N", "S")
        lon = _degrees(ifd[4], _text(ifd.get(3)) or "E", "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    if (lat == 0 and lon == 0) or (_text(ifd.get(_GPS_STATUS)) or "").upper() == "V":
        return None  # what a receiver without a fix writes: no position, not the Gulf of Guinea
    altitude = None
    if 6 in ifd:
        try:
            altitude = float(ifd[6])
            below = ifd.get(5)
            if below in (1, b"\x01"):
                altitude = -altitude
            altitude = round(altitude, 2)
        except (TypeError, ValueError, ZeroDivisionError):
            altitude = None
    return {"lat": lat, "lon": lon, "altitude": altitude}


def _degrees(parts: Any, ref: str, negative: str) -> float:
    d, m, s = (float(p) for p in parts)
    value = d + m / 60 + s / 3600
    return round(-value if ref.upper().startswith(negative) else value, 7)


def _camera(ifd0: Mapping[int, Any]) -> dict[str, str | None] | None:
    make, model = _text(ifd0.get(_MAKE)), _text(ifd0.get(_MODEL))
    if make is None and model is None:
        return None
    return {"make": make, "model": model}


def _png_exif(f: BinaryIO) -> Image.Exif:
    """A PNG's EXIF, found by seeking past chunk data (Pillow would decode the pixels): the
    ``eXIf`` chunk, else the ``Raw profile type exif`` text ImageMagick and older exiftool write."""
    exif, profile = Image.Exif(), None
    f.seek(0)
    if f.read(8) != _PNG_SIGNATURE:
        return exif
    while True:
        head = f.read(8)
        if len(head) < 8:
            break
        length, kind = struct.unpack(">I4s", head)
        if kind == b"eXIf":
            exif.load(f.read(length))
            return exif
        if kind == b"IEND":
            break
        if profile is None and kind in _PNG_TEXT and length <= MAX_TEXT:
            profile, length = _profile(kind, f, length), 0  # the chunk's data is read
        f.seek(length + 4, 1)  # data and CRC
    if profile:
        try:
            exif.load(profile)
        except (SyntaxError, ValueError, struct.error, IndexError, TypeError):
            return Image.Exif()  # a damaged profile: as if there were none (the picture may be fine)
    return exif


def _profile(kind: bytes, f: BinaryIO, length: int) -> bytes | None:
    """The EXIF in an ImageMagick-style text chunk (read whole); None for any other text chunk
    (only its keyword is read, then the rest skipped) or a profile that cannot be unpacked."""
    keyword = f.read(min(length, _PROFILE_KEYWORD))
    if keyword[:-1] not in RAW_EXIF or keyword[-1:] != b"\x00":
        f.seek(length - len(keyword), 1)
        return None
    try:
        return profile_exif(kind, keyword + f.read(length - len(keyword)))
    except Refused:
        return None


def _need_heif(name: str) -> None:
    """A clear error for a HEIC photo when pillow-heif is not installed."""
    if not heif_available():
        raise ErrandError(f"{name} is a HEIC photo and HEIC support is not installed.",
                          "Install the pillow-heif package, or convert the photo to JPEG first.")

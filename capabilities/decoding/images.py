"""The picture decoders the worker runs: header facts, resized copies, pictures for a vision model.

Every handler reads through ``formats.open_image`` (the allowlist) and
decodes no more pixels than ``sizes.MAX_PIXELS``, counted after JPEG's
reduced-scale decoding; a picture above it is refused as ``too_large``
before its pixels are read. Outputs are re-encoded from decoded pixels, so
what leaves the worker is a new, plain picture, never the input's bytes.

* ``image.info`` — ``capabilities.decoding.exif.read_info`` (headers only);
* ``image.resize`` — ``{max_side, format}`` → the upright, scaled copy
  encoded in ``format`` with the original's EXIF (orientation removed);
* ``image.jpeg`` — ``{max_side}`` → an RGB JPEG without any metadata: what
  ``vision`` may send;
* ``image.thumbnail`` — ``{max_side}`` → a small PNG for a preview;
* ``image.strip_location`` — → the same picture without its GPS and without XMP that records a
  place: a JPEG's coded pixels are copied untouched (only its metadata segments are rewritten),
  a PNG's chunks likewise (``pngplace``); either result must open and record no place;
  ``{"removed": false}`` and no blob when it recorded none;
* ``image.contact_sheet`` — ``{sizes, columns, side}`` with the pictures one after another in the
  input → one JPEG of them in a grid, without metadata.

``image.resize`` takes ``metadata``: ``"all"`` (date, camera and location), ``"no_location"``
(the GPS block dropped) or ``"none"``.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from PIL import Image, UnidentifiedImageError

from capabilities.decoding.exif import read_info
from capabilities.decoding.formats import open_image
from capabilities.decoding.ops import Refused, op
from capabilities.decoding.pngplace import strip_place
from capabilities.decoding.sizes import MAX_PIXELS, METADATA, fitted
from capabilities.errors import BackendError, ErrandError

__all__ = ["SAVE_FORMATS"]

_GPS_IFD = 0x8825
_SHEET_LIMIT = 400  # pictures on one contact sheet

SAVE_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP", "HEIF"})
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90},
                                            "HEIF": {"quality": 90}}  # 90 keeps photos looking like photos
_NO_ALPHA = {"JPEG", "BMP"}
_NO_EXIF = {"GIF", "BMP"}
_LARGEST_SIDE = 20_000
_T = Image.Transpose
# EXIF orientation → the turn that shows the picture upright (as ImageOps.exif_transpose does).
_TURNS = {2: _T.FLIP_LEFT_RIGHT, 3: _T.ROTATE_180, 4: _T.FLIP_TOP_BOTTOM, 5: _T.TRANSPOSE,
          6: _T.ROTATE_270, 7: _T.TRANSVERSE, 8: _T.ROTATE_90}


@op("image.info")
def info(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    try:
        return read_info(source, str(args.get("name", ""))), b""
    except BackendError as exc:
        raise Refused("damaged", exc.message) from None
    except ErrandError as exc:
        raise Refused("unsupported", exc.message) from None


@op("image.resize")
def resize(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    fmt = str(args.get("format", ""))
    if fmt not in SAVE_FORMATS:
        raise Refused("broken", "unknown output format")
    metadata = str(args.get("metadata", "all"))
    if metadata not in METADATA:
        raise Refused("broken", "unknown metadata choice")
    picture, exif = _upright(source, _side(args), keep_exif=fmt not in _NO_EXIF and metadata != "none",
                             drop_location=metadata != "all")
    if fmt in _NO_ALPHA and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    options = dict(_SAVE_OPTIONS.get(fmt, {}))
    if exif:
        options["exif"] = exif
    return _encoded(picture, fmt, options)


@op("image.jpeg")
def jpeg(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    picture, _ = _upright(source, _side(args), keep_exif=False)
    return _encoded(picture.convert("RGB"), "JPEG", {"quality": 85})  # no exif=: metadata stays home


@op("image.thumbnail")
def thumbnail(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    picture, _ = _upright(source, _side(args), keep_exif=False)
    if picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGBA")
    return _encoded(picture, "PNG", {})


@op("image.strip_location")
def strip_location(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    data = source.read(_MAX_STRIP + 1)
    if len(data) > _MAX_STRIP:
        raise Refused("too_large", "over 200 MB")
    if data.startswith(b"\xff\xd8"):
        return _strip_jpeg(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _strip_png(data)
    raise Refused("unsupported", "the location can be removed in place from JPEG and PNG pictures")


@op("image.contact_sheet")
def contact_sheet(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    sizes, columns, side = args.get("sizes"), args.get("columns"), _side(args)
    if not (isinstance(sizes, list) and 0 < len(sizes) <= _SHEET_LIMIT and all(type(n) is int and n > 0
            for n in sizes) and type(columns) is int and 1 <= columns <= 20):
        raise Refused("broken", "no pictures for the sheet")
    rows = -(-len(sizes) // columns)
    if columns * side * rows * side > MAX_PIXELS:
        raise Refused("too_large", "the sheet would be too large")
    sheet = Image.new("RGB", (columns * side, rows * side), (255, 255, 255))
    for n, size in enumerate(sizes):
        picture, _ = _upright(io.BytesIO(source.read(size)), side, keep_exif=False)
        x, y = (n % columns) * side, (n // columns) * side
        offset = (x + (side - picture.width) // 2, y + (side - picture.height) // 2)
        sheet.paste(picture.convert("RGB"), offset)
    return _encoded(sheet, "JPEG", {"quality": 85})


_MAX_STRIP = 200 * 1024 * 1024
_XMP = b"http://ns.adobe.com/xap/1.0/\x00"


def _strip_jpeg(data: bytes) -> tuple[dict[str, Any], bytes]:
    """Rewrite the metadata segments before the picture data; copy the rest byte for byte."""
    out, pos, removed = bytearray(data[:2]), 2, False
    while True:
        while data[pos:pos + 2] == b"\xff\xff":
            pos += 1  # fill bytes before a marker (allowed by the standard)
        if pos + 4 > len(data) or data[pos] != 0xFF:
            # No start of scan, or bytes that are no segment: a reader may skip them and find a
            # place further on, so nothing here can promise the location is gone.
            raise Refused("damaged", "the picture's segments are broken before its image data")
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the coded picture follows, untouched
            break
        if marker == 0xD9:
            raise Refused("damaged", "the picture ends before its image data")
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if length < 2 or pos + 2 + length > len(data):
            raise Refused("damaged", "a metadata segment runs past the end")
        segment, body = data[pos:pos + 2 + length], data[pos + 4:pos + 2 + length]
        pos += 2 + length
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            exif = Image.Exif()
            exif.load(body)
            if _GPS_IFD in exif:
                exif.pop(_GPS_IFD)
                removed = True
                payload = exif.tobytes()
                if len(payload) + 2 > 0xFFFF:
                    raise Refused("too_large", "the metadata block is too large")
                segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
        elif marker == 0xE1 and body.startswith(_XMP) and b"GPS" in body:
            removed = True
            continue  # XMP recording a place: dropped whole
        out += segment
    if not removed:
        return {"removed": False}, b""
    out += data[pos:]
    return {"removed": True, "format": "JPEG"}, _placeless(bytes(out))


def _placeless(picture: bytes) -> bytes:
    """``picture`` if it opens as a picture and records no place as Errand reads one; else a refusal.

    The rewritten file replaces the person's photo: it must be a picture, and the place it promised
    to remove must really be gone.
    """
    try:
        facts = read_info(io.BytesIO(picture), "")
    except ErrandError as exc:
        raise Refused("damaged", f"the copy without location would not be a picture ({exc.message})"
                      ) from None
    if facts.get("gps") is not None:
        raise Refused("damaged", "the location is recorded in a way Errand cannot remove")
    return picture


def _strip_png(data: bytes) -> tuple[dict[str, Any], bytes]:
    stripped = strip_place(data)
    if stripped is None:
        return {"removed": False}, b""
    return {"removed": True, "format": "PNG"}, _placeless(stripped)


def _side(args: dict[str, Any]) -> int:
    side = args.get("max_side")
    if not isinstance(side, int) or not 1 <= side <= _LARGEST_SIDE:
        raise Refused("broken", "max_side out of range")
    return side


def _upright(source: BinaryIO, max_side: int, *, keep_exif: bool,
             drop_location: bool = False) -> tuple[Image.Image, bytes]:
    """The picture scaled to fit ``max_side`` and turned upright, and its EXIF (orientation removed)."""
    try:
        with open_image(source) as im:
            target = fitted({"width": im.width, "height": im.height}, max_side)
            im.draft("RGB", target)  # JPEG: decode at 1/2, 1/4 or 1/8 scale when that is still enough
            if im.width * im.height > MAX_PIXELS:
                raise Refused("too_large", f"{im.width}x{im.height} pixels")
            exif = im.getexif()
            orientation = exif.get(0x0112)
            im.load()
            small = im.resize(fitted({"width": im.width, "height": im.height}, max_side),
                              Image.Resampling.LANCZOS, reducing_gap=3.0) \
                if max(im.size) > max_side else im.copy()
    except UnidentifiedImageError:
        raise Refused("unsupported", "not a picture format Errand reads") from None
    except (OSError, SyntaxError, ValueError, TypeError, IndexError, EOFError) as exc:
        raise Refused("damaged", str(exc)) from None
    turn = _TURNS.get(orientation) if isinstance(orientation, int) else None
    upright = small.transpose(turn) if turn is not None else small  # scaled first: the turn copies few pixels
    if not keep_exif or not len(exif):
        return upright, b""
    exif.pop(0x0112, None)  # upright now: no turn is left to apply (as ImageOps.exif_transpose does)
    if drop_location:
        exif.pop(_GPS_IFD, None)
    return upright, exif.tobytes()


def _encoded(picture: Image.Image, fmt: str, options: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    out = io.BytesIO()
    try:
        picture.save(out, fmt, **options)
    except (OSError, ValueError, KeyError) as exc:
        raise Refused("damaged", f"could not encode: {exc}") from None
    return {"width": picture.width, "height": picture.height, "format": fmt}, out.getvalue()


def warm_up() -> None:
    """Run every handler once on tiny pictures of each format, before the worker locks itself in.

    Python and Pillow import some modules only when first needed (``_strptime`` for dates, codecs,
    the TIFF tags); after Landlock no module can be read from disk, so each path is walked here first.
    """
    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "Errand"
    exif.get_ifd(0x8769)[0x9003] = "2024:07:14 09:15:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (1.0, 2.0, 3.0), 3: "E", 4: (1.0, 2.0, 3.0)})
    sample = Image.new("RGB", (8, 6), (200, 100, 50))
    for fmt in SAVE_FORMATS:
        data = io.BytesIO()
        try:
            sample.save(data, fmt, **({} if fmt in _NO_EXIF else {"exif": exif.tobytes()}))
        except (OSError, KeyError, ValueError):
            continue  # HEIF without pillow-heif: that format is simply absent
        for handler, args in ((info, {"name": "warm"}), (resize, {"max_side": 4, "format": fmt}),
                              (resize, {"max_side": 4, "format": fmt, "metadata": "no_location"}),
                              (jpeg, {"max_side": 4}), (thumbnail, {"max_side": 4})):
            data.seek(0)
            handler(data, args)
        if fmt in ("JPEG", "PNG"):
            data.seek(0)
            strip_location(data, {})
            contact_sheet(io.BytesIO(data.getvalue() * 2), {"sizes": [len(data.getvalue())] * 2, "columns": 2,
                                                            "max_side": 4})

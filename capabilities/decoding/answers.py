"""Checks on what a decoder worker answers: the worker read hostile bytes, so its answer is data too.

A worker that a crafted file took over could answer anything. Errand uses an
answer only in the shape it expects — numbers in range, short clean text,
known keys — and rebuilds it from those fields, so nothing else it sent
reaches a script, the journal or a screen.
"""

from __future__ import annotations

import math
from typing import Any

from capabilities.decoding import DecodeError

__all__ = ["checked_info", "checked_picture"]

_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "TIFF", "GIF", "BMP", "HEIF"})
_MAX_SIDE = 1 << 20
_TEXT = 200


def _fail(name: str) -> DecodeError:
    return DecodeError(f"Errand's reader gave an answer that makes no sense for {name}.",
                       "The file may be made to attack Errand; skip it.", "broken")


def _side(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_SIDE


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError
    cleaned = "".join(ch for ch in value[:_TEXT] if ch.isprintable())
    return cleaned or None


def _number(value: Any, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise TypeError
    return float(value)


def checked_info(raw: Any, name: str) -> dict[str, Any]:
    """The ``image.info`` answer, rebuilt field by field (the shape of ``capabilities.decoding.exif``)."""
    try:
        if not isinstance(raw, dict) or raw.get("format") not in _FORMATS:
            raise TypeError
        if not (_side(raw.get("width")) and _side(raw.get("height"))):
            raise TypeError
        orientation = raw.get("orientation")
        if orientation is not None and (not _side(orientation) or orientation > 8):
            raise TypeError
        gps = raw.get("gps")
        where = None if gps is None else {"lat": _number(gps["lat"], -90, 90),
                                          "lon": _number(gps["lon"], -180, 180),
                                          "altitude": _number(gps.get("altitude"), -1e6, 1e6)}
        if where is not None and (where["lat"] is None or where["lon"] is None):
            raise TypeError
        camera = raw.get("camera")
        who = None if camera is None else {key: _text(camera.get(key)) for key in ("make", "model")}
        info = {"format": raw["format"], "width": raw["width"], "height": raw["height"],
                "orientation": orientation, "taken": _text(raw.get("taken")), "gps": where, "camera": who}
    except (TypeError, KeyError, AttributeError):
        raise _fail(name) from None
    info["missing"] = [key for key in ("taken", "gps", "camera") if info[key] is None]
    return info


def checked_picture(raw: Any, blob: bytes, name: str, fmt: str, max_side: int) -> bytes:
    """An encoded picture from ``image.resize``/``image.jpeg``: the size asked for, in the format asked."""
    if not (isinstance(raw, dict) and raw.get("format") == fmt and _side(raw.get("width"))
            and _side(raw.get("height")) and max(raw["width"], raw["height"]) <= max_side and blob):
        raise _fail(name)
    if fmt == "JPEG" and not blob.startswith(b"\xff\xd8"):
        raise _fail(name)
    return blob

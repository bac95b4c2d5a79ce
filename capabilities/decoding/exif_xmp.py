"""The date a photo was taken, when only its XMP packet records it.

Editors (Lightroom, darktable, Photos exports) and some phones write the
capture date to XMP and not to EXIF; ``read_info`` asks here only when EXIF
has no date. The packet is hostile text, so it is not given to an XML
parser (no entities, no nesting to exhaust): a bounded regular expression
finds the first date property in either XMP spelling — an attribute
(``exif:DateTimeOriginal="…"``) or an element
(``<exif:DateTimeOriginal>…</…>``) — in order of preference.
"""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["xmp_taken"]

# When the shutter fired, then when the picture was created or digitised.
_PROPERTIES = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate", "exif:DateTimeDigitized")
_MAX_PACKET = 1 << 20  # an XMP packet is a few KB; the rest of a larger one is not read
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$")


def xmp_taken(packet: bytes | str | None) -> str | None:
    """``2024-07-14T18:30:05+02:00`` from an XMP packet (ISO 8601, the offset when recorded), else None."""
    if not packet:
        return None
    text = packet[:_MAX_PACKET]
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for prop in _PROPERTIES:
        name = re.escape(prop)
        attribute = rf'{name}\s*=\s*["\']([^"\'<>]{{1,64}})["\']'
        element = rf"<{name}>\s*([^<]{{1,64}}?)\s*</{name}>"
        found = re.search(f"{attribute}|{element}", text)
        if found:
            when = _iso(found.group(1) or found.group(2) or "")
            if when:
                return when
    return None


def _iso(value: str) -> str | None:
    match = _ISO.match(value.strip())
    if not match:
        return None  # a date without a time says too little to name a photo by
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        when = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
    text = when.isoformat()
    if zone == "Z":
        return text + "+00:00"
    return text + zone if zone else text

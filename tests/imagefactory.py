"""Real photos for tests: JPEG/PNG/HEIC/WebP/TIFF files written by Pillow with the EXIF you ask for.

Use it from any test::

    from tests.imagefactory import make_photo, make_trip, TRIP

    make_photo(tmp / "IMG_1.jpg", taken="2024-07-14 18:30:05", offset="+02:00",
               gps=(48.8584, 2.2945, 35.0), make="Apple", model="iPhone 13", orientation=6)
    make_photo(tmp / "scan.png")                 # no EXIF at all
    paths = make_trip(tmp / "Trip")              # the photos described by TRIP

Other options: ``size=(w, h)`` (default 64×48), ``extra={tag: value}`` for
more Exif tags, ``little_endian=True`` for "II" byte order. The format
comes from the file's extension. Pixels are a flat colour derived
from the file name plus a stripe, so two photos never share content (content
fingerprints differ) and a resize has something to scale. Dates are written
to DateTimeOriginal and DateTimeDigitized (and the offset to both offset tags)
the way phones do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.evaluation.makefiles import exif_bytes, make_photo

__all__ = ["TRIP", "exif_bytes", "make_photo", "make_trip"]

# A small holiday: name → what the photo records. ``None`` values are simply not written.
# places.lookup names them Paris, Paris, London, New York City; IMG_0005 has no GPS.
TRIP: dict[str, dict[str, Any]] = {
    "IMG_0001.jpg": {"taken": "2024-07-14 09:15:00", "offset": "+02:00", "gps": (48.8584, 2.2945, 35.0),
                     "make": "Apple", "model": "iPhone 13"},
    "IMG_0002.jpg": {"taken": "2024-07-14 18:30:05", "offset": "+02:00", "gps": (48.8867, 2.3431, 130.0),
                     "make": "Apple", "model": "iPhone 13", "orientation": 6},
    "IMG_0003.jpg": {"taken": "2024-07-16 11:02:40", "offset": "+01:00", "gps": (51.5072, -0.1276, 12.0),
                     "make": "Canon", "model": "Canon EOS R6"},
    "IMG_0004.jpg": {"taken": "2024-07-19 20:45:10", "offset": "-04:00", "gps": (40.7580, -73.9855, 20.0),
                     "make": "Canon", "model": "Canon EOS R6"},
    "IMG_0005.jpg": {"taken": "2024-07-20 07:00:00", "gps": None, "make": "Canon", "model": "Canon EOS R6"},
}


def make_trip(folder: Path | str, photos: dict[str, dict[str, Any]] | None = None,
              size: tuple[int, int] = (64, 48)) -> list[Path]:
    """Write the photos of ``TRIP`` (or the mapping given) into ``folder``; return their paths."""
    folder = Path(folder)
    return [make_photo(folder / name, size=size, **fields) for name, fields in (photos or TRIP).items()]

"""The time zone at a point, from tiles known to lie wholly inside one zone; ``tzfpy`` for the rest.

``tzfpy`` answers most points from its own pre-index: web-mercator tiles
(zoom 5–10, ~40 km wide at the equator down to ~1,200 km) each wholly
inside one zone's boundary, and only the rest by exact point-in-polygon. Its
finder is built on the first call, ~100 ms, twice the 50 ms a process that
names one place may spend (issue 20). Those same tiles, taken from
``tzfpy.get_tz_index_geojson`` by ``scripts/make_zone_tiles.py``, are kept
in ``resources/places/zones.bin`` (~0.5 MB, memory-mapped: sorted tile keys
per zoom, and each tile's zone), so a point inside one is answered here in
microseconds with the very zone ``tzfpy`` would give, and ``tzfpy`` is
loaded only for a point no tile covers: near a border or a coast, where the
exact polygons are needed. The file records the boundary release it was
made from and the ``tzfpy`` release that held it, checked by the installed
package's metadata folder (one ``stat``: asking ``tzfpy`` itself builds the
finder, the cost avoided here, and ``importlib.metadata`` takes ~70 ms);
when another release is installed, or none can be told, the tiles are not
used (every point goes to ``tzfpy``: slower, never wrong) until the file is
rebuilt.
"""

from __future__ import annotations

import importlib.util
import json
import math
import struct
from bisect import bisect_left
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from capabilities.api.places_index import open_mapped

__all__ = ["MAGIC", "ZoneTiles", "installed", "tile_key", "write_tiles"]

MAGIC = b"ERRZONE1"
_MAX_LAT = 85.0511287798  # web mercator's edge: no tile beyond it


def tile_key(lat: float, lon: float, zoom: int) -> int | None:
    """The key ``x * 2**zoom + y`` of the web-mercator tile holding the point (None past the poles' edge)."""
    if not -_MAX_LAT < lat < _MAX_LAT or not -180.0 <= lon <= 180.0:
        return None
    n = 1 << zoom
    x = min(int((lon + 180.0) / 360.0 * n), n - 1)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x * n + min(y, n - 1)


def installed(release: str) -> bool:
    """Whether ``tzfpy`` ``release`` is the one installed (its ``tzfpy-<release>.dist-info`` beside it)."""
    spec = importlib.util.find_spec("tzfpy")  # finds the package without importing it
    if spec is None or spec.origin is None or not release:
        return False
    return (Path(spec.origin).parent.parent / f"tzfpy-{release}.dist-info").is_dir()


def write_tiles(out: BinaryIO, version: str, release: str, zones: Sequence[str],
                tiles: dict[int, dict[int, int]]) -> None:
    """Write ``tiles`` (zoom → key → index into ``zones``) in the format ``ZoneTiles`` reads: taken
    from boundaries ``version`` as ``tzfpy`` ``release`` ships them."""
    blobs, levels, offset = [], [], 0
    for zoom in sorted(tiles):
        keys = sorted(tiles[zoom])
        key_bytes = struct.pack(f"<{len(keys)}I", *keys)
        zone_bytes = struct.pack(f"<{len(keys)}H", *(tiles[zoom][k] for k in keys))
        zone_bytes += b"\0" * (-len(zone_bytes) % 4)
        levels.append({"zoom": zoom, "count": len(keys), "keys": offset, "zones": offset + len(key_bytes)})
        blobs += [key_bytes, zone_bytes]
        offset += len(key_bytes) + len(zone_bytes)
    header = json.dumps({"version": version, "tzfpy": release, "zones": list(zones),
                         "levels": levels}).encode("utf-8")
    header += b" " * (-(len(MAGIC) + 4 + len(header)) % 4)
    out.write(MAGIC + struct.pack("<I", len(header)) + header + b"".join(blobs))


class ZoneTiles:
    """``zone_at(lat, lon)``: the tiles' answer, else ``exact`` (``tzfpy.get_tz``, imported on first need)."""

    def __init__(self, path: Path) -> None:
        self._exact: Callable[[float, float], str] | None = None
        self._levels: list[tuple[int, Sequence[int], Sequence[int]]] = []
        self._map, self.header, view = open_mapped(path, MAGIC, "a zone tile file")
        self.version: str = self.header["version"]
        self._zones: list[str] = self.header["zones"]
        self.current = installed(str(self.header.get("tzfpy", "")))
        for level in self.header["levels"] if self.current else ():
            count = level["count"]
            self._levels.append((level["zoom"], view[level["keys"]:level["keys"] + 4 * count].cast("I"),
                                 view[level["zones"]:level["zones"] + 2 * count].cast("H")))

    def zone_at(self, lat: float, lon: float) -> str:
        """The IANA zone at the point, ``Etc/…`` at sea, "" where no zone is (as ``tzfpy.get_tz``)."""
        for zoom, keys, zones in self._levels:
            key = tile_key(lat, lon, zoom)
            if key is None:
                break
            i = bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                return self._zones[zones[i]]
        return self.exact(lat, lon)

    @property
    def exact_loaded(self) -> bool:
        """Whether ``tzfpy``'s polygons have been needed in this process."""
        return self._exact is not None

    def exact(self, lat: float, lon: float) -> str:
        """The zone by ``tzfpy``'s polygons (loading them on first use)."""
        if self._exact is None:
            import tzfpy  # the exact borders: ~100 ms to build on the first call

            self._exact = tzfpy.get_tz
        return self._exact(lon, lat)

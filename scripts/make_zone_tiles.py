"""Rebuild resources/places/zones.bin: the tiles ``tzfpy`` knows lie wholly inside one time zone.

Read from the installed ``tzfpy`` (``get_tz_index_geojson`` for every zone: each tile's
bounding box, web mercator, zoom 5–10) and written by ``capabilities.api.places_zones.write_tiles``;
see that module for why. Run it after upgrading ``tzfpy`` (tests/test_places.py fails until then):

    .venv/bin/python scripts/make_zone_tiles.py

Data: timezone-boundary-builder, from OpenStreetMap (ODbL), as ``tzfpy`` ships it.
"""

from __future__ import annotations

import json
import math
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tzfpy  # noqa: E402

from capabilities.api.places_zones import tile_key, write_tiles  # noqa: E402

OUT = ROOT / "resources" / "places" / "zones.bin"


def tiles() -> tuple[list[str], dict[int, dict[int, int]], int]:
    """The zones, their tiles (zoom → key → zone), and how many tiles two zones claimed (left out:
    which one ``tzfpy`` answers there is its own choice, so such points go to it)."""
    zones: list[str] = []
    found: dict[int, dict[int, int]] = {}
    claimed: set[tuple[int, int]] = set()
    for name in tzfpy.timezonenames():
        try:
            features = json.loads(tzfpy.get_tz_index_geojson(name))["features"]
        except ValueError:  # a zone with no tile (all of it near a border)
            continue
        zones.append(name)
        for feature in features:
            for polygon in feature["geometry"]["coordinates"]:
                lons, lats = zip(*polygon[0], strict=True)
                zoom = round(math.log2(360.0 / (max(lons) - min(lons))))
                key = tile_key((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2, zoom)
                assert key is not None
                if found.setdefault(zoom, {}).setdefault(key, len(zones) - 1) != len(zones) - 1:
                    claimed.add((zoom, key))
    for zoom, key in claimed:
        del found[zoom][key]
    return zones, found, len(claimed)


def main() -> None:
    zones, found, claimed = tiles()
    with open(OUT, "wb") as out:
        write_tiles(out, tzfpy.data_version(), metadata.version("tzfpy"), zones, found)
    count = sum(len(t) for t in found.values())
    print(f"{count:,} tiles of {len(zones)} zones (boundaries {tzfpy.data_version()}; {claimed} tiles two "
          f"zones claim left to tzfpy) → {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()

"""The zone tiles (resources/places/zones.bin): the very zone tzfpy gives, without building its
finder for a point inside a tile; tzfpy's polygons for the rest; a file from another release unused."""

from __future__ import annotations

import random
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import tzfpy

from capabilities.api.places_zones import ZoneTiles, tile_key, write_tiles
from tests.places_table import TABLE

ROOT = Path(__file__).resolve().parent.parent
ZONES = ROOT / "resources" / "places" / "zones.bin"
PARIS = (48.8566, 2.3522)


class Counting(ZoneTiles):
    """Counts the points the tiles could not answer."""

    exact_calls = 0

    def exact(self, lat: float, lon: float) -> str:
        self.exact_calls += 1
        return super().exact(lat, lon)


def test_the_tiles_are_those_of_the_installed_boundaries() -> None:
    tiles = ZoneTiles(ZONES)
    assert tiles.current, "tzfpy was upgraded: run scripts/make_zone_tiles.py"
    assert tiles.version == tzfpy.data_version()


def test_every_answer_is_the_one_tzfpy_gives_and_most_come_from_the_tiles() -> None:
    tiles = Counting(ZONES)
    rng = random.Random(17)
    points = [(rng.uniform(-89.9, 89.9), rng.uniform(-180.0, 180.0)) for _ in range(20_000)]
    points += [(lat, lon) for _, _, lat, lon, _, _ in TABLE]  # borders, islands, coasts: the hard ones
    points += [(85.06, 10.0), (-85.06, 10.0), (0.0, 180.0), (0.0, -180.0)]  # the tiles' edges
    wrong = [(lat, lon) for lat, lon in points if tiles.zone_at(lat, lon) != tzfpy.get_tz(lon, lat)]
    assert wrong == []
    assert tiles.exact_calls < 0.3 * len(points)  # open sea and inland: mostly from the tiles


def test_a_fresh_process_names_a_city_without_tzfpys_finder_and_a_border_with_it() -> None:
    code = ("from capabilities.api.places import gazetteer; g = gazetteer(); "
            f"a = g.lookup{PARIS}['city']; inside = g.tiles.exact_loaded; "
            "b = g.lookup(32.5440, -117.0290)['city']; print(a, inside, b, g.tiles.exact_loaded)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["Paris", "False", "San", "Diego", "True"]


def _one_tile(path: Path, release: str) -> Path:
    """A zone file that claims central Paris is in Tokyo's zone: which answer shows which source spoke."""
    key = tile_key(*PARIS, 5)
    assert key is not None
    with open(path, "wb") as out:
        write_tiles(out, "test", release, ["Asia/Tokyo"], {5: {key: 0}})
    return path


def test_tiles_from_another_tzfpy_release_are_not_used(tmp_path: Path) -> None:
    stale = ZoneTiles(_one_tile(tmp_path / "stale.bin", "0.0.1"))
    assert not stale.current and stale.zone_at(*PARIS) == "Europe/Paris"  # tzfpy's answer
    fresh = ZoneTiles(_one_tile(tmp_path / "fresh.bin", metadata.version("tzfpy")))
    assert fresh.current and fresh.zone_at(*PARIS) == "Asia/Tokyo"  # the file's: it is read


def test_a_file_that_is_not_a_zone_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"ERRPLACE" + bytes(64))
    with pytest.raises(ValueError, match="not a zone tile file"):
        ZoneTiles(tmp_path / "x.bin")

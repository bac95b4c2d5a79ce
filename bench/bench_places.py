"""Benchmark: places.lookup per second with the grid index, against a linear scan in the same run.

    .venv/bin/python bench/bench_places.py [--count 20000]

Positions are a mix a photo library would have: near real towns (jittered
up to ~30 km) and anywhere on Earth (mostly sea). Both methods answer the
same positions; the answers are checked equal on a sample, and the ratio is
printed. Loading the data set is timed separately (once per process).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from capabilities.places import gazetteer


def positions(count: int, seed: int = 7) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    places = gazetteer().places
    out = []
    for i in range(count):
        if i % 4 == 3:
            out.append((rng.uniform(-80, 80), rng.uniform(-180, 180)))
        else:
            p = rng.choice(places)
            out.append((max(-90, min(90, p.lat + rng.uniform(-0.3, 0.3))),
                        ((p.lon + rng.uniform(-0.3, 0.3) + 180) % 360) - 180))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    start = time.perf_counter()
    g = gazetteer()
    print(f"data set: {len(g.places)} places loaded in {time.perf_counter() - start:.2f} s")
    points = positions(args.count)

    start = time.perf_counter()
    grid = [g.lookup(lat, lon) for lat, lon in points]
    grid_s = time.perf_counter() - start

    sample = points[: max(1, args.count // 100)]  # the scan is slow: time 1% and scale up
    start = time.perf_counter()
    linear = [g.lookup_linear(lat, lon) for lat, lon in sample]
    linear_s = (time.perf_counter() - start) * len(points) / len(sample)
    assert linear == grid[: len(sample)], "grid and scan disagree"

    named = sum(1 for r in grid if r["city"])
    print(f"{len(points)} look-ups, {named} named a place, {len(points) - named} found none within 50 km")
    print(f"{'method':28} {'look-ups/s':>12} {'µs each':>9} {'vs scan':>9}")
    for name, secs in (("linear scan (est. from 1%)", linear_s), ("grid index", grid_s)):
        print(f"{name:28} {len(points) / secs:12.0f} {secs / len(points) * 1e6:9.1f} {linear_s / secs:8.1f}×")


if __name__ == "__main__":
    main()

"""Benchmark: the cost of the decoder worker boundary, against the same decoders run in-process.

    .venv/bin/python bench/bench_decoding.py [--count 1000] [--rounds 5] [--resize 50]

Writes ``count`` phone-like JPEGs (bench_photos.make_photos), then, in the
same run and alternating so a busy machine hurts both alike:

* header facts (what photos.info_many does) — the ``image.info`` handler
  called in this process, against ``decoding.decode("image.info", file)``
  through a warm worker (the file passed as a descriptor);
* a resize to 256 px (what photos.resize does at apply) on ``--resize`` of them;
* the round trip of an empty request (the boundary alone);
* a cold start (a new worker, up to its "ready" frame).

Prints per-call times and the ratio worker / in-process as min / median / max
over the rounds, and the extra cost per 1,000-photo batch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_photos import make_photos
from capabilities.decoding import decode, default_pool, images
from capabilities.decoding.pool import Worker


def _each(paths: list[Path], call: Callable[[Path], object]) -> float:
    start = time.perf_counter()
    for path in paths:
        call(path)
    return time.perf_counter() - start


def _info_here(path: Path) -> object:
    with path.open("rb") as f:
        return images.info(f, {"name": path.name})


def _info_worker(path: Path) -> object:
    with path.open("rb") as f:
        return decode("image.info", f, {"name": path.name}, name=path.name)


def _resize_here(path: Path) -> object:
    with path.open("rb") as f:
        return images.resize(f, {"max_side": 256, "format": "JPEG"})


def _resize_worker(path: Path) -> object:
    with path.open("rb") as f:
        return decode("image.resize", f, {"max_side": 256, "format": "JPEG"}, name=path.name)


def _row(name: str, here: list[float], there: list[float], calls: int) -> None:
    ratios = sorted(t / h for h, t in zip(here, there, strict=True))
    extra_ms = [(t - h) / calls * 1e3 for h, t in zip(here, there, strict=True)]
    print(f"{name:22} in-process {statistics.median(here) / calls * 1e3:7.3f} ms/call  "
          f"worker {statistics.median(there) / calls * 1e3:7.3f} ms/call  "
          f"ratio min/median/max {ratios[0]:.2f}/{statistics.median(ratios):.2f}/{ratios[-1]:.2f}  "
          f"boundary {statistics.median(extra_ms):+.3f} ms/call "
          f"(min {min(extra_ms):+.3f}, max {max(extra_ms):+.3f})")


def _round_trips(n: int) -> list[float]:
    pool = default_pool()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        pool.request({"op": "no.such.op"})
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--resize", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="errand-bench-decoding-") as temp:
        paths = make_photos(Path(temp), args.count)
        starts = []
        for _ in range(3):
            t = time.perf_counter()
            Worker().stop()
            starts.append((time.perf_counter() - t) * 1e3)
        print(f"machine load (1/5/15 min): {' / '.join(f'{x:.2f}' for x in os.getloadavg())}, "
              f"{os.cpu_count()} cores")
        print(f"{len(paths)} JPEGs; cold worker start {min(starts):.0f}/{statistics.median(starts):.0f}/"
              f"{max(starts):.0f} ms (min/median/max)")
        _info_worker(paths[0])  # warm the pool
        here, there = [], []
        for _ in range(args.rounds):
            here.append(_each(paths, _info_here))
            there.append(_each(paths, _info_worker))
        _row("image.info", here, there, len(paths))
        print(f"{'':22} a 1,000-photo batch: in-process {statistics.median(here) / len(paths) * 1e6:.0f} ms, "
              f"worker {statistics.median(there) / len(paths) * 1e6:.0f} ms")
        few = paths[: args.resize]
        here, there = [], []
        for _ in range(args.rounds):
            here.append(_each(few, _resize_here))
            there.append(_each(few, _resize_worker))
        _row("image.resize 256px", here, there, len(few))
        trips = _round_trips(2000)
        print(f"empty request round trip: min {trips[0]:.3f} ms, median {statistics.median(trips):.3f} ms, "
              f"p99 {trips[int(len(trips) * 0.99)]:.3f} ms, max {trips[-1]:.3f} ms")


if __name__ == "__main__":
    main()

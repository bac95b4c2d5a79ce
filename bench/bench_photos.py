"""Benchmark: photo metadata over many real JPEGs, against ``exiftool -fast`` on the same files.

    .venv/bin/python bench/bench_photos.py [--count 10000] [--keep DIR]

Writes ``count`` JPEGs with Pillow (640×480, phone-like EXIF: date and
offset, GPS, camera, exposure tags and a 16 KB maker note), then reads the
same metadata three ways in the same run and prints each time and its ratio
to exiftool's:

* ``exiftool -fast -j -n`` with the fields photos.info returns, one process
  over the whole folder (its best case: Perl starts once);
* ``capabilities.decoding.exif.read_info`` on each file (what photos.info_many does);
* the same through Pillow's ``getexif()`` (``fast=False``), the general path;
* Pillow decoding each whole image (``load()``): what reading pixels would
  cost, to show why only headers are read.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

from capabilities.decoding.exif import read_info
from tests.imagefactory import make_photo

_PHONE_EXTRA = {
    0x829A: (1, 120),  # ExposureTime
    0x829D: (18, 10),  # FNumber
    0x8827: 100,  # ISO
    0x920A: (42, 10),  # FocalLength
    0xA434: "iPhone 13 back dual wide camera 5.1mm f/1.6",  # LensModel
    0x927C: bytes(range(256)) * 64,  # MakerNote, 16 KB like a phone's
}
_FIELDS = ["-DateTimeOriginal", "-OffsetTimeOriginal", "-GPSLatitude", "-GPSLongitude", "-GPSAltitude",
           "-Make", "-Model", "-Orientation", "-ImageWidth", "-ImageHeight"]


def make_photos(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"IMG_{i:05d}.jpg"
        if not path.exists():
            make_photo(path, size=(640, 480), taken=f"2024-07-{1 + i % 28:02d} 12:{i % 60:02d}:00",
                       offset="+02:00", gps=(48.80 + (i % 100) * 1e-3, 2.30, 35.0), make="Apple",
                       model="iPhone 13", orientation=1 + i % 8, extra=_PHONE_EXTRA)
        paths.append(path)
    return paths


def time_exiftool(folder: Path, count: int) -> float | None:
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        print("exiftool: not installed (apt-get install libimage-exiftool-perl); no comparison")
        return None
    start = time.perf_counter()
    out = subprocess.run([exiftool, "-fast", "-j", "-n", *_FIELDS, str(folder)], capture_output=True,
                         check=True)
    elapsed = time.perf_counter() - start
    assert out.stdout.count(b'"SourceFile"') == count, "exiftool did not read every file"
    return elapsed


def time_headers(paths: list[Path], fast: bool = True) -> float:
    start = time.perf_counter()
    infos = [read_info(p, fast=fast) for p in paths]
    elapsed = time.perf_counter() - start
    assert all(i["taken"] and i["gps"] for i in infos)
    return elapsed


def time_full_decode(paths: list[Path]) -> float:
    start = time.perf_counter()
    for p in paths:
        with Image.open(p) as im:
            im.load()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="reuse/keep the photos in this folder")
    args = parser.parse_args()
    temp = None if args.keep else tempfile.TemporaryDirectory(prefix="errand-bench-photos-")
    folder = args.keep or Path(temp.name)  # type: ignore[union-attr]
    try:
        start = time.perf_counter()
        paths = make_photos(folder, args.count)
        size = sum(p.stat().st_size for p in paths[:100]) / min(100, len(paths)) / 1024
        print(f"{len(paths)} JPEGs ready in {time.perf_counter() - start:.1f} s (~{size:.0f} KB each)")
        # Ours run before and after exiftool and keep the faster: a busy machine then hurts both alike.
        mine = time_headers(paths)
        tool = time_exiftool(folder, len(paths))
        mine = min(mine, time_headers(paths))
        pillow = time_headers(paths, fast=False)
        whole = time_full_decode(paths[: max(1, len(paths) // 10)]) * (len(paths) / max(1, len(paths) // 10))
        rows = [("exiftool -fast (one process)", tool), ("photos.info (JPEG header reader)", mine),
                ("Pillow getexif() on headers", pillow), ("Pillow decoding pixels (est. from 10%)", whole)]
        base = tool or mine
        print(f"{'method':42} {'total s':>8} {'per file':>10} {'vs exiftool':>12}")
        for name, secs in rows:
            if secs is None:
                continue
            print(f"{name:42} {secs:8.2f} {secs / len(paths) * 1e6:8.0f} µs {secs / base:11.2f}×")
        if tool:
            print(f"photos.info reads metadata {tool / mine:.1f}× faster than exiftool -fast")
    finally:
        if temp is not None:
            temp.cleanup()


if __name__ == "__main__":
    main()

"""Draw the sample photos for "try it on sample photos" (run once; the JPEGs are committed).

Six small pictures of a spring trip (Lisbon, Porto, Paris) with the EXIF a
phone writes: date taken with its offset, GPS position, camera. The last one
has no GPS, so the recipe names it by date alone. Drawn, not photographed,
so they carry no one's likeness or rights; kept under 100 KB together.

    .venv/bin/python scripts/make_samples.py

The EXIF comes from the same writer the tests use (tests/imagefactory.py).
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop.evaluation.makefiles import exif_bytes  # noqa: E402  (a checkout tool: the repo root is on the path)

HERE = ROOT / "resources" / "samples"
SIZE = (360, 270)

# name → (taken, offset, (lat, lon) or None, palette: sky top, sky bottom, ground, accent)
PHOTOS = {
    "IMG_2041.jpg": ("2024-05-03 10:12:31", "+01:00", (38.7139, -9.1394),
                     ((96, 160, 230), (200, 228, 250), (214, 120, 72), (250, 236, 200))),
    "IMG_2042.jpg": ("2024-05-03 20:41:07", "+01:00", (38.6916, -9.2160),
                     ((60, 40, 110), (250, 150, 90), (40, 70, 120), (255, 210, 120))),
    "IMG_2057.jpg": ("2024-05-05 12:05:44", "+01:00", (41.1406, -8.6110),
                     ((110, 170, 225), (215, 235, 250), (150, 90, 60), (235, 225, 200))),
    "IMG_2063.jpg": ("2024-05-07 09:30:02", "+02:00", (48.8584, 2.2945),
                     ((140, 180, 220), (230, 236, 245), (90, 130, 80), (240, 215, 170))),
    "IMG_2064.jpg": ("2024-05-07 16:20:18", "+02:00", (48.8867, 2.3431),
                     ((120, 170, 230), (240, 240, 250), (200, 195, 185), (245, 245, 240))),
    "IMG_2070.jpg": ("2024-05-08 08:02:55", "+02:00", None,
                     ((170, 200, 230), (245, 240, 230), (110, 150, 90), (250, 250, 245))),
}


def draw(name: str, colours: tuple[tuple[int, int, int], ...]) -> Image.Image:
    top, bottom, ground, accent = colours
    rng = random.Random(name)
    w, h = SIZE
    im = Image.new("RGB", SIZE)
    d = ImageDraw.Draw(im)
    for y in range(h):
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    sun = (rng.randint(40, w - 40), rng.randint(30, 90))
    d.ellipse([sun[0] - 22, sun[1] - 22, sun[0] + 22, sun[1] + 22], fill=accent)
    horizon = int(h * rng.uniform(0.55, 0.7))
    points = [(0, h)]
    for x in range(0, w + 20, 20):
        points.append((x, horizon - 18 * math.sin(x / 45 + rng.random()) - rng.randint(0, 12)))
    points.append((w, h))
    d.polygon(points, fill=ground)
    for _ in range(rng.randint(4, 8)):  # houses: the towns of the trip
        x = rng.randint(0, w - 30)
        bw, bh = rng.randint(18, 34), rng.randint(20, 60)
        base = horizon + rng.randint(-6, 10)
        shade = tuple(max(0, min(255, c + rng.randint(-50, 40))) for c in accent)
        d.rectangle([x, base - bh, x + bw, base + 30], fill=shade)
        roof = [(x - 3, base - bh), (x + bw / 2, base - bh - 12), (x + bw + 3, base - bh)]
        d.polygon(roof, fill=(170, 70, 50))
        for wy in range(base - bh + 6, base + 20, 12):
            d.rectangle([x + 5, wy, x + 9, wy + 5], fill=(60, 70, 90))
    return im.filter(ImageFilter.SMOOTH)


def main() -> None:
    for name, (taken, offset, gps, colours) in PHOTOS.items():
        exif = exif_bytes(taken=taken, offset=offset, gps=gps, make="Errand", model="Sample Camera")
        draw(name, colours).save(HERE / name, "JPEG", quality=70, optimize=True, exif=exif)
    total = sum((HERE / n).stat().st_size for n in PHOTOS)
    print(f"{len(PHOTOS)} sample photos, {total / 1024:.0f} KB in all")


if __name__ == "__main__":
    main()

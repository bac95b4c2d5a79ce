"""How big a picture may be to decode, and the size of a fitted copy: shared by Errand and its worker.

``MAX_PIXELS`` is the most pixels the worker will decode for one picture:
160 million. Why that number: the largest single-shot camera sensors sold
are about 151 MP (Phase One IQ4 150MP; Fujifilm's GFX100 is 102 MP, phones
top out at 200 MP but save 12–50 MP pictures by default), so every real photo fits;
decoding 160 MP as RGBA needs 640 MB, which with the
resized copy stays inside the worker's 2 GiB address-space cap
(``WORKER_MEMORY``). Pillow's own bomb check (an error above 179 MP) is
replaced by this one because it counts the stored size: a JPEG decoded at
1/8 scale (``draft``) is counted here by what is really decoded, so a
huge JPEG can still be resized or captioned. Reading a photo's header
(``photos.info``) decodes no pixels and is never refused for its size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_PIXELS", "METADATA", "WORKER_MEMORY", "decoded_pixels", "draft_scale", "fitted"]

# What a copy of a picture keeps of its metadata: everything, all but the place (GPS), or nothing.
METADATA = ("all", "no_location", "none")

MAX_PIXELS = 160_000_000
WORKER_MEMORY = 2 << 30  # bytes of address space per worker (RLIMIT_AS; a job object on Windows)


def fitted(info: Mapping[str, Any], max_side: int) -> tuple[int, int]:
    """Size of the upright copy: the longest side at most max_side, never enlarged."""
    width, height = info["width"], info["height"]
    if info.get("orientation") in (5, 6, 7, 8):
        width, height = height, width
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def draft_scale(fmt: str, size: tuple[int, int], wanted: tuple[int, int]) -> int:
    """The reduction a JPEG decoder applies for ``wanted`` (1, 2, 4 or 8; 1 for other formats).

    Mirrors Pillow's ``JpegImageFile.draft``: the largest scale that still
    gives at least the wanted size, so the preview can tell what apply will decode.
    """
    if fmt not in ("JPEG", "MPO"):
        return 1
    scale = 1
    for candidate in (8, 4, 2):
        if size[0] // candidate >= wanted[0] and size[1] // candidate >= wanted[1]:
            scale = candidate
            break
    return scale


def decoded_pixels(fmt: str, size: tuple[int, int], wanted: tuple[int, int]) -> int:
    """Pixels the worker will decode to produce a copy of ``wanted`` size."""
    scale = draft_scale(fmt, size, wanted)
    return -(-size[0] // scale) * -(-size[1] // scale)

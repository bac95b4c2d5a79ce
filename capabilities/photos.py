"""The ``photos`` capability: what photos record about themselves, and resized copies of them.

Photos live in the folders granted to ``files``: ``Grant("photos")`` has no
target of its own, and every path (``Trip/IMG_0001.jpg``) goes through the
run's ``FolderView`` — the same safe resolution, grant checks and planned
state as ``files`` — so a photo renamed earlier in the script is read under
its new name, and a copy planned by ``resize`` is listed by ``files.list``.

* ``info`` / ``info_many`` read headers only (``capabilities.exif``): the
  shape is documented there; a file with no date, place or camera says so in
  ``missing``.
* ``resize`` writes a smaller (or converted: the format follows dst's
  extension) copy, turned upright per its EXIF orientation and keeping its
  date, GPS and camera. During the preview it only plans: the copy appears in
  the planned state as a file made at apply. Apply checks the source is as
  the preview saw it and writes the copy atomically; undo moves the copy to
  the holding area (refusing if it changed since) and restores a file it
  replaced.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO, ClassVar

from PIL import Image, ImageOps

from capabilities.base import Capability, Grant, RunContext, read, write
from capabilities.errors import CallError, ErrandError, GrantError
from capabilities.exif import HEIF_SUFFIXES, enable_heif, read_info
from capabilities.folders import view
from capabilities.outcomes import create_outcome, found_outcome, remove_made_file
from capabilities.overlay import fingerprint_of
from capabilities.plan import Action

__all__ = ["Photos"]

FOLDERS = "files"  # photos works in the folders granted to this capability
MAX_SIDE = 20_000
# dst's extension → Pillow format.
_SAVE: dict[str, str] = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP",
                         ".tif": "TIFF", ".tiff": "TIFF", ".gif": "GIF", ".bmp": "BMP",
                         **dict.fromkeys(HEIF_SUFFIXES, "HEIF")}
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90},
                                            "HEIF": {"quality": 90}}  # 90 keeps photos looking like photos
_NO_ALPHA = {"JPEG", "BMP"}
_NO_EXIF = {"GIF", "BMP"}


class Photos(Capability):
    """Dates, places, cameras and sizes of photos, and resized copies, in the folders granted to files."""

    name: ClassVar[str] = "photos"
    summary: ClassVar[str] = ("Photo facts (date taken, GPS, camera, size) and resized copies, for photos "
                              "in the granted folders; paths as in files ('Trip/IMG_0001.jpg').")

    def __init__(self, grants: Sequence[Grant], context: RunContext) -> None:
        super().__init__(grants, context)
        self.view = view(context)  # files adds the folders; photos uses them
        self.folders = self.view.folders

    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        return ("Read the date, place and camera recorded in photos, and make resized copies, in the "
                "folders granted for files (nothing leaves the computer).")

    # ---- reads ---------------------------------------------------------------------

    @read
    def info(self, path: str) -> dict[str, Any]:
        """{path, width, height, orientation, taken (ISO), gps{lat, lon, altitude}, camera}: None if absent"""
        parts = self._parts(path)
        with self._open(parts) as f:
            return {"path": path, **read_info(f, parts[-1])}

    @read
    def info_many(self, paths: list[str]) -> list[dict[str, Any]]:
        """info() of many photos in one call; a file that cannot be read gives {path, error, hint}."""
        results = []
        for path in paths:
            try:
                results.append(self.info(path))
            except GrantError:
                raise  # outside the grants: the script is wrong, not the file
            except ErrandError as exc:
                results.append({"path": path, "error": exc.message, "hint": exc.hint})
        return results

    # ---- writes (planned during the preview) ---------------------------------------

    @write
    def resize(self, src: str, dst: str, max_side: int, overwrite: bool = False) -> str:
        """Write a copy of src at most max_side pixels wide and high (format from dst's extension: .jpg…)"""
        if not 1 <= max_side <= MAX_SIDE:
            raise CallError(f"photos.resize: max_side={max_side} is not a usable size.",
                            f"Give the longest side in pixels, from 1 to {MAX_SIDE}, e.g. 1600.")
        fmt = _format_for(dst)
        sp = self._parts(src)
        node = self.view.node(sp)
        if node.is_folder:
            raise CallError(f"{src!r} is a folder; resize makes a copy of one photo.",
                            "List the folder with files.list() and resize each photo.")
        with self._open(sp) as f:
            seen = read_info(f, sp[-1])
        width, height = _fitted(seen, max_side)
        facts = self.view.plan_new_file(FOLDERS, dst, overwrite=overwrite, produced="photos.resize")
        detail = {"src": self.folders.absolute(sp), "fingerprint": fingerprint_of(node), "dst": facts["path"],
                  "replaces": facts["replaces"], "hold_id": facts["hold_id"], "format": fmt,
                  "max_side": max_side, "size": [width, height]}
        verb = "Replace" if facts["replaces"] else "Make"
        self.record("resize", {"src": src, "dst": dst, "max_side": max_side, "overwrite": overwrite}, detail,
                    f"{verb} {dst}: a {width}×{height} {fmt} copy of {src}", before=src, after=dst)
        return dst

    # ---- apply, undo, recovery -------------------------------------------------------

    def verify_resize(self, action: Action) -> None:
        d = action.detail
        check = self.folders.check_unchanged
        check(self.folders.granted(FOLDERS, d["src"]), d["fingerprint"], action.summary)
        check(self.folders.granted(FOLDERS, d["dst"], write=True), d["replaces"], action.summary)

    def perform_resize(self, action: Action) -> dict[str, Any]:
        d = action.detail
        sp, dp = self.folders.granted(FOLDERS, d["src"]), self.folders.granted(FOLDERS, d["dst"], write=True)
        fmt = d["format"]
        with self.folders.open_read(sp) as f:
            picture, options = _resized(f, sp[-1], int(d["max_side"]), fmt)
        if fmt == "HEIF":
            enable_heif(dp[-1])
        return create_outcome(self.folders, dp, lambda out: picture.save(out, fmt, **options), d,
                              self.context.holding, f"remove the copy {action.args.get('dst')}")

    def undo_resize(self, action: Action, outcome: Mapping[str, Any]) -> None:
        parts = self.folders.granted(FOLDERS, action.detail["dst"], write=True)
        remove_made_file(self.folders, parts, outcome, self.context.holding, action.summary)

    def probe_resize(self, action: Action) -> dict[str, Any] | bool:
        """After a crash: False if the copy was not made, else the outcome perform would have returned."""
        d = action.detail
        now = self.folders.lstat(self.folders.parts_of(d["dst"]))
        if now is None or (d["replaces"] is not None and now.matches(d["replaces"])):
            return False
        return found_outcome(now, d, f"remove the copy {action.args.get('dst')}", self.context.holding)

    # ---- helpers -------------------------------------------------------------------

    def _parts(self, path: str, *, write: bool = False) -> tuple[str, ...]:
        if not self.view.labels(FOLDERS):
            raise GrantError("photos works in the folders granted for files, and this run has none.",
                             "Ask the person to grant the folder that holds the photos.")
        return self.view.parts(FOLDERS, path, write=write)

    def _open(self, parts: tuple[str, ...]) -> BinaryIO:
        return self.view.open_planned(parts)


def _format_for(dst: str) -> str:
    suffix = os.path.splitext(dst)[1].lower()
    if suffix not in _SAVE:
        known = ", ".join(sorted(_SAVE))
        raise CallError(f"photos.resize: cannot write {dst!r}: the extension {suffix or '(none)'!r} is "
                        "not an image format.", f"End dst with one of: {known}.")
    return _SAVE[suffix]


def _fitted(info: Mapping[str, Any], max_side: int) -> tuple[int, int]:
    """Size of the upright copy: the longest side at most max_side, never enlarged."""
    width, height = info["width"], info["height"]
    if info.get("orientation") in (5, 6, 7, 8):
        width, height = height, width
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resized(f: BinaryIO, name: str, max_side: int, fmt: str) -> tuple[Image.Image, dict[str, Any]]:
    """The upright, scaled picture and the save options (its EXIF, orientation reset) for ``fmt``."""
    if name.lower().endswith(HEIF_SUFFIXES):
        enable_heif(name)
    try:
        with Image.open(f) as im:
            stored = _fitted({"width": im.width, "height": im.height}, max_side)
            im.draft("RGB", stored)  # JPEG: decode at 1/2, 1/4 or 1/8 scale when that is still enough
            upright = ImageOps.exif_transpose(im)  # a copy, without the orientation tag
    except Image.DecompressionBombError:
        raise CallError(f"{name} is too large to resize safely (over {Image.MAX_IMAGE_PIXELS:,} pixels).",
                        "Resize it with an image editor instead.") from None
    exif = upright.getexif()
    size = _fitted({"width": upright.width, "height": upright.height}, max_side)
    picture = upright.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0) if size != upright.size \
        else upright
    if fmt in _NO_ALPHA and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    options = dict(_SAVE_OPTIONS.get(fmt, {}))
    if fmt not in _NO_EXIF and len(exif):
        options["exif"] = exif.tobytes()
    return picture, options

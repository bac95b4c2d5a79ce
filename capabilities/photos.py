"""The ``photos`` capability: what photos record about themselves, and resized copies of them.

Photos live in the folders granted to ``files``: ``Grant("photos")`` has no
target of its own, and every path (``Trip/IMG_0001.jpg``) goes through the
run's ``FolderView`` — the same safe resolution, grant checks and planned
state as ``files`` — so a photo renamed earlier in the script is read under
its new name, and a copy planned by ``resize`` is listed by ``files.list``.

* ``info`` / ``info_many`` read headers only (``capabilities.exif``): the
  shape is documented there; a file with no date, place or camera says so in
  ``missing``.
* every byte of a photo is read by the decoder worker
  (``capabilities.decoding``), never in Errand's own process: a hostile
  file fails its own call with a clear error, and ``info_many`` goes on;
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

from capabilities.base import Capability, Grant, RunContext, read, write
from capabilities.decoding import decode
from capabilities.decoding.answers import checked_info, checked_picture
from capabilities.decoding.formats import HEIF_SUFFIXES
from capabilities.decoding.sizes import MAX_PIXELS, decoded_pixels, fitted
from capabilities.errors import CallError, ErrandError, GrantError
from capabilities.folders import view
from capabilities.outcomes import create_outcome, probe_made, remove_made_file
from capabilities.overlay import fingerprint_of
from capabilities.plan import Action

__all__ = ["Photos"]

FOLDERS = "files"  # photos works in the folders granted to this capability
MAX_SIDE = 20_000
# dst's extension → Pillow format.
_SAVE: dict[str, str] = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP",
                         ".tif": "TIFF", ".tiff": "TIFF", ".gif": "GIF", ".bmp": "BMP",
                         **dict.fromkeys(HEIF_SUFFIXES, "HEIF")}
_HINTS = {"unsupported": "photos works on JPEG, PNG, HEIC, WebP, TIFF, GIF and BMP files; skip other files."}


class Photos(Capability):
    """Dates, places, cameras and sizes of photos, and resized copies, in the folders granted to files."""

    name: ClassVar[str] = "photos"
    # Words that make this capability worth showing in full in a planning prompt.
    topics: ClassVar[tuple[str, ...]] = (
        "photo", "picture", "image", "pic", "jpg", "jpeg", "heic", "png", "camera", "taken", "resize",
        "smaller", "exif", "screenshot", "portrait", "landscape", "selfie", "wedding", "holiday", "trip"
    )
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
        return {"path": path, **self._info(self._parts(path), path)}

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
        seen = self._info(sp, src)
        width, height = fitted(seen, max_side)
        stored = fitted({"width": seen["width"], "height": seen["height"]}, max_side)
        if decoded_pixels(seen["format"], (seen["width"], seen["height"]), stored) > MAX_PIXELS:
            raise CallError(f"{src} is too large to read safely ({seen['width']}×{seen['height']} pixels).",
                            f"photos reads pictures up to {MAX_PIXELS // 1_000_000} megapixels; make a "
                            "smaller copy with an image editor, or skip it.")
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
        fmt, side, src = d["format"], int(d["max_side"]), str(action.args.get("src"))
        with self.folders.open_read(sp) as f:
            answer, blob = decode("image.resize", f, {"max_side": side, "format": fmt}, name=src,
                                  hints=_HINTS, timeout=self.context.remaining(60.0))
        data = checked_picture(answer, blob, src, fmt, side)
        return create_outcome(self.folders, dp, lambda out: out.write(data), d,
                              self.context.holding, f"remove the copy {action.args.get('dst')}")

    def undo_resize(self, action: Action, outcome: Mapping[str, Any]) -> None:
        parts = self.folders.granted(FOLDERS, action.detail["dst"], write=True)
        remove_made_file(self.folders, parts, outcome, self.context.holding, action.summary)

    def probe_resize(self, action: Action) -> dict[str, Any] | bool:
        """After a crash: False if the copy was not made, else the outcome perform would have returned."""
        return probe_made(self.folders, action.detail, f"remove the copy {action.args.get('dst')}",
                          self.context.holding)

    # ---- helpers -------------------------------------------------------------------

    def _parts(self, path: str, *, write: bool = False) -> tuple[str, ...]:
        if not self.view.labels(FOLDERS):
            raise GrantError("photos works in the folders granted for files, and this run has none.",
                             "Ask the person to grant the folder that holds the photos.")
        return self.view.parts(FOLDERS, path, write=write)

    def _info(self, parts: tuple[str, ...], path: str) -> dict[str, Any]:
        """The photo's header facts, read by the decoder worker and checked."""
        with self._open(parts) as f:
            raw, _ = decode("image.info", f, {"name": parts[-1]}, name=path, hints=_HINTS,
                            timeout=self.context.remaining(60.0))
        return checked_info(raw, path)

    def _open(self, parts: tuple[str, ...]) -> BinaryIO:
        return self.view.open_planned(parts)


def _format_for(dst: str) -> str:
    suffix = os.path.splitext(dst)[1].lower()
    if suffix not in _SAVE:
        known = ", ".join(sorted(_SAVE))
        raise CallError(f"photos.resize: cannot write {dst!r}: the extension {suffix or '(none)'!r} is "
                        "not an image format.", f"End dst with one of: {known}.")
    return _SAVE[suffix]

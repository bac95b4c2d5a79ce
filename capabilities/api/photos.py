"""The ``photos`` capability: what photos record about themselves, and resized copies of them.

Photos live in the folders granted to ``files``: ``Grant("photos")`` has no
target of its own, and every path (``Trip/IMG_0001.jpg``) goes through the
run's ``FolderView`` — the same safe resolution, grant checks and planned
state as ``files`` — so a photo renamed earlier in the script is read under
its new name, and a copy planned by ``resize`` is listed by ``files.list``.

* ``info`` / ``info_many`` read headers only (``capabilities.decoding.exif``): the
  shape is documented there; a file with no date, place or camera says so in
  ``missing``.
* every byte of a photo is read by the decoder worker
  (``capabilities.decoding``), never in Errand's own process: a hostile
  file fails its own call with a clear error, and ``info_many`` goes on;
* ``resize`` writes a smaller (or converted: the format follows dst's
  extension) copy, turned upright per its EXIF orientation; ``convert`` the
  same at full size. What the copy keeps is the script's explicit choice,
  ``metadata``: ``"no_location"`` (the default: date and camera, no GPS — a
  copy is usually made to be shared), ``"all"`` or ``"none"``. During the
  preview it only plans: the copy appears in the planned state as a file made
  at apply. Apply checks the source is as the preview saw it and writes the
  copy atomically; undo moves the copy to the holding area (refusing if it
  changed since) and restores a file it replaced.
* ``strip_location`` removes the place from a JPEG or PNG in place (everything
  but the place is kept byte for byte); the original is kept, so undo puts it back.
* ``contact_sheet`` makes one JPEG of many pictures in a grid.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, BinaryIO, ClassVar

from capabilities.base import Grant, read, write
from capabilities.decoding import MAX_INPUT, decode
from capabilities.decoding.answers import checked_info, checked_picture
from capabilities.decoding.formats import HEIF_SUFFIXES
from capabilities.decoding.sizes import MAX_PIXELS, METADATA, decoded_pixels, fitted
from capabilities.engine.outcomes import check_sources, create_outcome, probe_made, remove_made_file
from capabilities.errors import CallError, SourceChanged
from capabilities.folders.capability import FOLDERS, FolderBased
from capabilities.folders.overlay import fingerprint_of
from capabilities.plan import Action

__all__ = ["Photos"]

MAX_SIDE = 20_000
# dst's extension → Pillow format.
_SAVE: dict[str, str] = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP",
                         ".tif": "TIFF", ".tiff": "TIFF", ".gif": "GIF", ".bmp": "BMP",
                         **dict.fromkeys(HEIF_SUFFIXES, "HEIF")}
_HINTS = {"unsupported": "photos works on JPEG, PNG, HEIC, WebP, TIFF, GIF and BMP files; skip other files."}


class Photos(FolderBased):
    """Dates, places, cameras and sizes of photos, and resized copies, in the folders granted to files."""

    holds: ClassVar[str] = "the photos"
    name: ClassVar[str] = "photos"
    # Words that make this capability worth showing in full in a planning prompt.
    topics: ClassVar[tuple[str, ...]] = (
        "photo", "picture", "image", "pic", "jpg", "jpeg", "heic", "png", "camera", "taken", "resize",
        "smaller", "exif", "screenshot", "portrait", "landscape", "selfie", "wedding", "holiday", "trip"
    )
    summary: ClassVar[str] = ("Photo facts (date taken, GPS, camera, size) and resized copies, for photos "
                              "in the granted folders; paths as in files ('Trip/IMG_0001.jpg').")


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
        return self._each(paths, self.info)

    # ---- writes (planned during the preview) ---------------------------------------

    @write
    def resize(self, src: str, dst: str, max_side: int, overwrite: bool = False,
               metadata: str = "no_location") -> str:
        """A copy at most max_side pixels (format from dst's extension); metadata: no_location|all|none."""
        if not 1 <= max_side <= MAX_SIDE:
            raise CallError(f"photos.resize: max_side={max_side} is not a usable size.",
                            f"Give the longest side in pixels, from 1 to {MAX_SIDE}, e.g. 1600.")
        return self._plan_copy("resize", src, dst, max_side, overwrite, metadata)

    @write
    def convert(self, src: str, dst: str, overwrite: bool = False, metadata: str = "no_location") -> str:
        """A full-size copy in dst's format (.jpg, .png, .webp…); metadata: no_location (default)|all|none."""
        return self._plan_copy("convert", src, dst, MAX_SIDE, overwrite, metadata)

    def _plan_copy(self, op: str, src: str, dst: str, max_side: int, overwrite: bool, metadata: str) -> str:
        if metadata not in METADATA:
            raise CallError(f"photos.{op}: metadata={metadata!r} is not a choice.",
                            "Use 'no_location' (date and camera, no GPS), 'all' or 'none'.")
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
                  "max_side": max_side, "size": [width, height], "metadata": metadata}
        verb = "Replace" if facts["replaces"] else "Make"
        args: dict[str, Any] = {"src": src, "dst": dst, "overwrite": overwrite, "metadata": metadata}
        if op == "resize":
            args["max_side"] = max_side
        self.record(op, args, detail, f"{verb} {dst}: a {width}×{height} {fmt} copy of {src}, "
                    f"{_KEEPS[metadata]}", before=src, after=dst)
        return dst

    @write
    def strip_location(self, path: str) -> bool:
        """Remove the place (GPS) from a JPEG or PNG in place, original kept for undo; False if none."""
        parts = self._parts(path, write=True)
        node = self.view.node(parts)
        if node.is_folder or node.source is None or node.produced or node.data is not None:
            raise CallError(f"{path!r} is a folder or a file this run makes; strip_location works on photos "
                            "that exist.", "Make copies without location with photos.convert(…).")
        if os.path.splitext(parts[-1])[1].lower() not in (".jpg", ".jpeg", ".png"):
            raise CallError(f"{path!r} is not a JPEG or PNG; its location cannot be removed in place.",
                            "Make a copy without it: photos.convert(src, 'Folder/name.jpg').")
        seen = self._info(parts, path)
        if seen.get("gps") is None:
            return False
        facts = self.view.plan_new_file(FOLDERS, path, overwrite=True, produced="photos.strip_location")
        detail = {"path": facts["path"], "replaces": facts["replaces"], "hold_id": facts["hold_id"],
                  "mtime_ns": facts["replaces"].get("mtime_ns") if facts["replaces"] else None}
        self.record("strip_location", {"path": path}, detail,
                    f"Remove the location from {path} (the original is kept for undo)", before=path,
                    after=path)
        return True

    @write
    def contact_sheet(self, paths: list[str], dst: str, columns: int = 4, side: int = 256,
                      overwrite: bool = False) -> str:
        """One JPEG of these pictures in a grid, columns wide, each in a side×side square; no metadata."""
        if not 1 <= len(paths) <= 400 or not 1 <= columns <= 20 or not 32 <= side <= 1024:
            raise CallError("photos.contact_sheet: give 1 to 400 pictures, 1 to 20 columns and a side of 32 "
                            "to 1024 pixels.", "For example contact_sheet(paths, 'Trip/sheet.jpg', 4, 256).")
        if _format_for(dst) != "JPEG":
            raise CallError(f"photos.contact_sheet: {dst!r} must end in .jpg.", "Name the sheet *.jpg.")
        sources: list[dict[str, Any]] = []
        for path in paths:
            parts = self._parts(path)
            node = self.view.node(parts)
            if node.is_folder or node.source is None or node.produced or node.data is not None:
                raise CallError(f"{path!r} is a folder or a file this run makes.", "Use photos that exist.")
            self._info(parts, path)  # a picture Errand can read, or its clear error now
            sources.append({"path": self.folders.absolute(parts), "fingerprint": fingerprint_of(node)})
        total = sum(int(source["fingerprint"].get("size") or 0) for source in sources)
        if total > MAX_INPUT:  # apply reads them all and sends them to the worker in one request
            raise CallError(f"photos.contact_sheet: the pictures come to {total >> 20} MB, more than one "
                            f"sheet is made from ({MAX_INPUT >> 20} MB).",
                            "Make several sheets of fewer pictures, or of smaller copies.")
        facts = self.view.plan_new_file(FOLDERS, dst, overwrite=overwrite, produced="photos.contact_sheet")
        detail = {"sources": sources, "dst": facts["path"], "replaces": facts["replaces"],
                  "hold_id": facts["hold_id"], "columns": columns, "side": side}
        rows = -(-len(paths) // columns)
        self.record("contact_sheet", {"paths": list(paths), "dst": dst, "columns": columns, "side": side,
                                      "overwrite": overwrite}, detail,
                    f"Make {dst}: a contact sheet of {len(paths)} pictures ({columns}×{rows})", after=dst)
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
        metadata = d.get("metadata", "all")  # plans journaled before the choice existed kept everything
        with self.folders.open_read(sp) as f:
            answer, blob = decode("image.resize", f, {"max_side": side, "format": fmt, "metadata": metadata},
                                  name=src, hints=_HINTS, timeout=self.context.remaining(60.0))
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

    verify_convert, perform_convert = verify_resize, perform_resize
    undo_convert, probe_convert = undo_resize, probe_resize

    def verify_strip_location(self, action: Action) -> None:
        d = action.detail
        self.folders.check_unchanged(self.folders.granted(FOLDERS, d["path"], write=True), d["replaces"],
                                     action.summary)

    def perform_strip_location(self, action: Action) -> dict[str, Any]:
        d = action.detail
        parts, path = self.folders.granted(FOLDERS, d["path"], write=True), str(action.args.get("path"))
        with self.folders.open_read(parts) as f:
            answer, blob = decode("image.strip_location", f, {}, name=path, hints=_HINTS,
                                  timeout=self.context.remaining(60.0))
        readable = blob[:2] in (b"\xff\xd8", b"\x89P")
        if not (isinstance(answer, dict) and answer.get("removed") is True and readable):
            raise SourceChanged(f"{action.summary}: the photo no longer records a place, or could not be "
                                "read.", "Preview the chore again.")
        return create_outcome(self.folders, parts, lambda out: out.write(blob), d, self.context.holding,
                              "put back the original with its location", d.get("mtime_ns"))

    def undo_strip_location(self, action: Action, outcome: Mapping[str, Any]) -> None:
        parts = self.folders.granted(FOLDERS, action.detail["path"], write=True)
        remove_made_file(self.folders, parts, outcome, self.context.holding, action.summary)

    def probe_strip_location(self, action: Action) -> dict[str, Any] | bool:
        return probe_made(self.folders, {**action.detail, "dst": action.detail["path"]},
                          "put back the original with its location", self.context.holding)

    def verify_contact_sheet(self, action: Action) -> None:
        check_sources(self.folders, FOLDERS, action.detail, action.summary)

    def perform_contact_sheet(self, action: Action) -> dict[str, Any]:
        d = action.detail
        blobs = []
        for source in d["sources"]:
            with self.folders.open_read(self.folders.granted(FOLDERS, source["path"])) as f:
                blobs.append(f.read())
        answer, blob = decode("image.contact_sheet", b"".join(blobs),
                              {"sizes": [len(b) for b in blobs], "columns": int(d["columns"]),
                               "max_side": int(d["side"])}, name=str(action.args.get("dst")), hints=_HINTS,
                              timeout=self.context.remaining(120.0))
        rows = -(-len(blobs) // int(d["columns"]))
        side = max(int(d["columns"]), rows) * int(d["side"])
        data = checked_picture(answer, blob, str(action.args.get("dst")), "JPEG", side)
        return create_outcome(self.folders, self.folders.granted(FOLDERS, d["dst"], write=True),
                              lambda out: out.write(data), d, self.context.holding,
                              f"remove the contact sheet {action.args.get('dst')}")

    def undo_contact_sheet(self, action: Action, outcome: Mapping[str, Any]) -> None:
        parts = self.folders.granted(FOLDERS, action.detail["dst"], write=True)
        remove_made_file(self.folders, parts, outcome, self.context.holding, action.summary)

    def probe_contact_sheet(self, action: Action) -> dict[str, Any] | bool:
        return probe_made(self.folders, action.detail, f"remove the contact sheet {action.args.get('dst')}",
                          self.context.holding)

    # ---- helpers -------------------------------------------------------------------

    def _info(self, parts: tuple[str, ...], path: str) -> dict[str, Any]:
        """The photo's header facts, read by the decoder worker and checked."""
        with self._open(parts) as f:
            raw, _ = decode("image.info", f, {"name": parts[-1]}, name=path, hints=_HINTS,
                            timeout=self.context.remaining(60.0))
        return checked_info(raw, path)

    def _open(self, parts: tuple[str, ...]) -> BinaryIO:
        return self.view.open_planned(parts)


_KEEPS = {"no_location": "keeping its date and camera, without its location",
          "all": "keeping its date, camera and location", "none": "without any of its metadata"}


def _format_for(dst: str) -> str:
    suffix = os.path.splitext(dst)[1].lower()
    if suffix not in _SAVE:
        known = ", ".join(sorted(_SAVE))
        raise CallError(f"photos.resize: cannot write {dst!r}: the extension {suffix or '(none)'!r} is "
                        "not an image format.", f"End dst with one of: {known}.")
    return _SAVE[suffix]

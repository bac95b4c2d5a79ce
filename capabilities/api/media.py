"""The ``media`` capability: the tags of music (and audio-book and video) files, read and changed.

It works in the folders granted to ``files``; nothing leaves the computer. Tags are read and
written by the decoder worker (``capabilities.decoding.media``, mutagen), never in Errand's own
process, and answers are checked field by field.

``set_tags`` plans a change of one file's tags; the preview says what each tag becomes. At apply
the worker writes a copy with the new tags (the audio is copied, not decoded), which replaces the
file while the original is kept in the holding area, so undo puts it back byte for byte — with
its modified time, which tag changes keep too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar

from capabilities.base import Grant, read, write
from capabilities.decoding import DecodeError, decode
from capabilities.decoding.accepted import MEDIA_FIELDS as FIELDS
from capabilities.decoding.accepted import MEDIA_SUFFIXES as SUFFIXES
from capabilities.engine.outcomes import create_outcome, probe_made, remove_made_file
from capabilities.errors import CallError, ErrandError
from capabilities.folders.capability import FOLDERS, FolderBased
from capabilities.folders.overlay import fingerprint_of
from capabilities.plan import Action

__all__ = ["Media"]

_HINTS = {
    "unsupported": "Only MP3, M4A/MP4, FLAC, Ogg and Opus files have tags Errand reads.",
    "damaged": "The file may be damaged or still downloading; play it in its own app to check.",
}
_TEXT_FIELDS = ("artist", "album", "title", "genre")


class Media(FolderBased):
    """Tags of music and video files in the folders granted to files: read them, change them."""

    holds: ClassVar[str] = "the music"
    name: ClassVar[str] = "media"
    # Words that make this capability worth showing in full in a planning prompt.
    topics: ClassVar[tuple[str, ...]] = (
        "music", "song", "mp3", "album", "artist", "track", "audio", "tag", "playlist", "podcast", "flac",
        "m4a", "ogg", "genre"
    )
    summary: ClassVar[str] = (
        "Tags of music files (MP3, M4A, FLAC, Ogg, Opus) in the granted folders: artist, "
        "album, title, track, year, genre, duration; tags can be changed."
    )


    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        return (
            "Read and change the tags (artist, album, title…) of music files in the folders granted "
            "for files (nothing leaves the computer)."
        )

    # ---- reads ---------------------------------------------------------------------

    @read
    def tags(self, path: str) -> dict[str, Any]:
        """{path, kind, artist, album, title, track, year, genre, duration (seconds)}: None if absent."""
        parts = self._parts(path)
        self._check_kind(parts, path)
        node = self.view.node(parts)
        if node.produced == "media.set_tags":
            raise CallError(
                f"The tags of {path!r} are changed by this run already.",
                "Read tags before changing them; the preview shows the new ones.",
            )
        with self.view.open_planned(parts) as f:
            answer, _ = decode("media.tags", f, {}, name=parts[-1], what="a music file", hints=_HINTS)
        return {"path": path, **_checked(answer, parts[-1])}

    @read
    def tags_many(self, paths: list[str]) -> list[dict[str, Any]]:
        """tags() of many files; one that cannot be read gives {path, error, hint}."""
        return self._each(paths, self.tags)

    # ---- writes ----------------------------------------------------------------------

    @write
    def set_tags(
        self,
        path: str,
        artist: str | None = None,
        album: str | None = None,
        title: str | None = None,
        track: int | None = None,
        year: int | None = None,
        genre: str | None = None,
    ) -> str:
        """Change a file's tags (None keeps one, "" clears it); the old file is kept so undo restores it."""
        wanted = {
            "artist": artist,
            "album": album,
            "title": title,
            "track": track,
            "year": year,
            "genre": genre,
        }
        changes = {k: ("" if v == "" else str(v)) for k, v in wanted.items() if v is not None}
        if not changes:
            raise CallError(
                "media.set_tags: no tag to change.", "Pass at least one, e.g. artist='Nina Simone'."
            )
        for field in _TEXT_FIELDS:
            if len(changes.get(field, "")) > 300 or any(
                not ch.isprintable() for ch in changes.get(field, "")
            ):
                raise CallError(
                    f"media.set_tags: {field} must be one line of up to 300 printable characters.",
                    "Shorten it, and leave out line breaks and control characters.",
                )
        for field, top in (("track", 9999), ("year", 9999)):
            if field in changes and changes[field] and not 0 <= int(changes[field]) <= top:
                raise CallError(
                    f"media.set_tags: {field}={changes[field]} is out of range.",
                    f"Give a whole number from 0 to {top}.",
                )
        current = self.tags(path)
        parts = self._parts(path, write=True)
        node = self.view.node(parts)
        original = fingerprint_of(node)
        facts = self.view.plan_new_file(FOLDERS, path, overwrite=True, produced="media.set_tags")
        detail = {
            "path": facts["path"],
            "replaces": facts["replaces"],
            "hold_id": facts["hold_id"],
            "tags": changes,
            "mtime_ns": original.get("mtime_ns"),
        }
        said = ", ".join(f"{k} {_shown(current.get(k))} → {_shown(v)}" for k, v in changes.items())
        self.record(
            "set_tags",
            {"path": path, **changes},
            detail,
            f"Change the tags of {path}: {said}",
            before=path,
            after=path,
        )
        return path

    def verify_set_tags(self, action: Action) -> None:
        d = action.detail
        self.folders.check_unchanged(self._target(d["path"]), d["replaces"], action.summary)

    def perform_set_tags(self, action: Action) -> dict[str, Any]:
        d = action.detail
        parts = self._target(d["path"])
        with self.folders.open_read(parts) as f:
            _, retagged = decode(
                "media.retag", f, {"tags": d["tags"]}, name=parts[-1], what="a music file", hints=_HINTS
            )
        if not retagged:
            raise ErrandError(
                f"Errand's reader gave back nothing for {parts[-1]}.",
                "The file may be made to attack Errand; skip it.",
            )
        return create_outcome(
            self.folders,
            parts,
            lambda out: out.write(retagged),
            d,
            self.context.holding,
            "put back the file with its old tags",
            d.get("mtime_ns"),
        )

    def undo_set_tags(self, action: Action, outcome: Mapping[str, Any]) -> None:
        remove_made_file(
            self.folders, self._target(action.detail["path"]), outcome, self.context.holding, action.summary
        )

    def probe_set_tags(self, action: Action) -> dict[str, Any] | bool:
        return probe_made(
            self.folders,
            {**action.detail, "dst": action.detail["path"]},
            "put back the file with its old tags",
            self.context.holding,
        )

    # ---- helpers -------------------------------------------------------------------

    def _check_kind(self, parts: tuple[str, ...], path: str) -> None:
        if os.path.splitext(parts[-1])[1].lower() not in SUFFIXES:
            raise CallError(
                f"{path!r} is not a music file Errand reads tags of.",
                f"List them with files.list(folder, '*.mp3'); readable: {', '.join(SUFFIXES)}.",
            )


def _shown(value: Any) -> str:
    return "(none)" if value in (None, "") else repr(value)


def _checked(answer: Any, name: str) -> dict[str, Any]:
    """The worker's answer rebuilt from the expected fields, each of the expected type and size."""
    if not isinstance(answer, dict):
        answer = {}
    facts = {
        "kind": answer.get("kind"),
        **{k: answer.get(k) for k in FIELDS},
        "duration": answer.get("duration"),
    }
    texts = ("kind", *_TEXT_FIELDS)
    sound = (
        all(facts[k] is None or (isinstance(facts[k], str) and len(facts[k]) <= 300) for k in texts)
        and all(
            facts[k] is None or (type(facts[k]) is int and 0 <= facts[k] < 1_000_000)
            for k in ("track", "year")
        )
        and (
            facts["duration"] is None
            or (isinstance(facts["duration"], (int, float)) and 0 <= facts["duration"] < 1e7)
        )
    )
    if not sound:
        raise DecodeError(
            f"Errand's reader gave an answer that makes no sense for {name}.",
            "The file may be made to attack Errand; skip it.",
            "broken",
        )
    return facts

"""What a plan will really do, counted from its actions — never taken from a model's words.

``effects(actions, request, grants)`` turns a preview's actions into one
plain sentence of counts by kind ("Moves 13 files into 4 new folders,
deletes 2 files (kept aside for undo).") and into warnings where the plan
deletes, replaces or sends data although the request did not ask for it
(read with the same concept table as recipe matching, so "get rid of" asks
for deleting and "e-mail" for sending). The CLI's preview and the window's
preview page both show it above the list of changes. Pure: no I/O.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from capabilities.base import Grant
from capabilities.plan import Action
from desktop.matching import concepts

__all__ = ["Effects", "effects", "is_move"]

# Concepts in a request that ask for an effect (see desktop.matching).
_ASKS_DELETE = {"remove"}
_ASKS_REPLACE = {"overwrite"}
_ASKS_SEND = {"email", "calendar", "event", "caption", "ai"}


@dataclass(frozen=True)
class Effects:
    """A plan's counts as a sentence, and the warnings the person should read first."""

    parts: tuple[str, ...]  # "moves 13 files into 4 new folders", "deletes 2 files (kept aside for undo)"
    warnings: tuple[str, ...]

    @property
    def text(self) -> str:
        if not self.parts:
            return "Changes nothing."
        sentence = ", ".join(self.parts)
        return sentence[:1].upper() + sentence[1:] + "."


def is_move(src: str, dst: str) -> bool:
    """A rename that changes the folder is a move (the window's rows use this word too)."""
    return os.path.dirname(src) != os.path.dirname(dst)


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


@dataclass
class _Tally:
    new_folders: set[str]
    moved: list[str]  # destination folders of moves
    renamed: int = 0
    deleted_files: int = 0
    deleted_folders: int = 0
    replaced: int = 0
    copied: int = 0
    written: int = 0
    resized: int = 0
    events_added: int = 0
    events_changed: int = 0
    events_deleted: int = 0
    sent: int = 0
    extracted: int = 0
    zipped: int = 0
    merged: int = 0
    retagged: int = 0
    converted: int = 0
    stripped: int = 0
    sheets: int = 0
    other: int = 0  # a kind of change this sentence has no words for yet: counted, never hidden


_EVENT_FIELDS = {"create": "events_added", "update": "events_changed", "delete": "events_deleted"}
_SIMPLE = {"archives.extract": "extracted", "archives.make_zip": "zipped", "documents.merge_pdfs": "merged",
           "media.set_tags": "retagged", "photos.convert": "converted", "photos.strip_location": "stripped",
           "photos.contact_sheet": "sheets"}
_IN_PLACE = {"media.set_tags", "photos.strip_location"}  # changes to a file that keep its original for undo


def _count(actions: Iterable[Action]) -> _Tally:
    tally = _Tally(set(), [])
    for a in actions:
        key = f"{a.capability}.{a.op}"
        if a.detail.get("replaces") and key not in _IN_PLACE:  # these keep the old file; said below
            tally.replaced += 1
        if key == "files.mkdir":
            tally.new_folders.add(str(a.args.get("path", "")))
        elif key == "files.rename":
            src, dst = str(a.args.get("src", "")), str(a.args.get("dst", ""))
            if is_move(src, dst):
                tally.moved.append(os.path.dirname(dst))
            else:
                tally.renamed += 1
        elif key == "files.delete":
            folder = (a.detail.get("fingerprint") or {}).get("kind") == "folder"
            tally.deleted_folders += folder
            tally.deleted_files += not folder
        elif key == "files.copy":
            tally.copied += 1
        elif key == "files.write_text":
            tally.written += 1
        elif key == "photos.resize":
            tally.resized += 1
        elif key in _SIMPLE:
            setattr(tally, _SIMPLE[key], getattr(tally, _SIMPLE[key]) + 1)
        elif a.capability == "calendar":
            field = _EVENT_FIELDS.get(a.op)
            if field:
                setattr(tally, field, getattr(tally, field) + 1)
            if str(a.detail.get("source", "")).startswith("caldav:"):
                tally.sent += 1
        else:
            tally.other += 1
    return tally


def _parts(t: _Tally) -> list[str]:
    parts = []
    if t.moved:
        into = set(t.moved)
        new = len(into & t.new_folders)
        where = (_n(len(into), "new folder") if new == len(into) else
                 _n(len(into), "folder") + (f" ({new} new)" if new else ""))
        parts.append(f"moves {_n(len(t.moved), 'file')} into {where}")
    other_folders = len(t.new_folders - set(t.moved))
    if other_folders:
        parts.append(f"creates {_n(other_folders, 'folder')}")
    for count, verb, one, many in ((t.renamed, "renames", "file", "files"),
                                   (t.copied, "copies", "file", "files"),
                                   (t.written, "writes", "file", "files"),
                                   (t.resized, "makes", "resized copy", "resized copies"),
                                   (t.events_added, "adds", "calendar event", "calendar events"),
                                   (t.events_changed, "changes", "calendar event", "calendar events"),
                                   (t.extracted, "extracts", "file", "files"),
                                   (t.zipped, "makes", "zip archive", "zip archives"),
                                   (t.merged, "makes", "merged PDF", "merged PDFs"),
                                   (t.retagged, "changes the tags of", "music file", "music files"),
                                   (t.converted, "makes", "converted copy", "converted copies"),
                                   (t.stripped, "removes the location from", "photo", "photos"),
                                   (t.sheets, "makes", "contact sheet", "contact sheets"),
                                   (t.other, "makes", "other change", "other changes")):
        if count:
            parts.append(f"{verb} {_n(count, one, many)}")
    if t.deleted_files:
        parts.append(f"deletes {_n(t.deleted_files, 'file')} (kept aside for undo)")
    if t.deleted_folders:
        parts.append(f"deletes {_n(t.deleted_folders, 'folder')} (kept aside for undo)")
    if t.replaced:
        parts.append(f"replaces {_n(t.replaced, 'existing file')} (kept aside for undo)")
    if t.events_deleted:
        parts.append(f"deletes {_n(t.events_deleted, 'calendar event')}")
    return parts


def effects(actions: Iterable[Action], request: str = "", grants: Sequence[Grant] = ()) -> Effects:
    """Counts by kind from ``actions``; warnings where they go beyond what ``request`` asked.

    Without a request (a script the person opened) there is nothing to compare with: no warnings.
    """
    tally = _count(actions)
    if not request.strip():
        return Effects(tuple(_parts(tally)), ())
    asked = set(concepts(request))
    warnings = []
    deletes = tally.deleted_files + tally.deleted_folders + tally.events_deleted
    if deletes and not asked & _ASKS_DELETE:
        warnings.append(f"This plan deletes {_n(deletes, 'item')}, and your request did not ask to delete "
                        "anything.")
    if tally.replaced and not asked & _ASKS_REPLACE:
        warnings.append(f"This plan replaces {_n(tally.replaced, 'existing file')}, and your request did "
                        "not ask to replace anything.")
    senders = [g for g in grants if g.capability == "vision"]
    if (tally.sent or senders) and not asked & _ASKS_SEND:
        where = "a calendar server" if tally.sent else "a vision model"
        warnings.append(f"This plan sends data to {where}, and your request did not ask to send anything.")
    return Effects(tuple(_parts(tally)), tuple(warnings))

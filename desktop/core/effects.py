"""What a plan will really do, counted from its actions — never taken from a model's words.

``effects(actions, request, grants)`` turns a preview's actions into one
plain sentence of counts by kind ("Moves 13 files into 4 new folders,
deletes 2 files (kept aside for undo).") and into warnings where the plan
deletes, replaces or sends data although the request did not ask for it
(read with the same concept table as recipe matching, so "get rid of" asks
for deleting and "e-mail" for sending). The CLI's preview and the window's
preview page both show it above the list of changes. Pure: no I/O.

``CHANGE_KINDS`` is the one table of words for kinds of change: the headline's counts,
the window's rows and filter, and the CLI's table all say the same word for one kind
(``change_kind``: a rename into another folder is a "Move" in each). ``makes`` says, in the same
words for both, what a change that produces a file will produce: a copy's size, a converted or
resized picture's format and pixels, a contact sheet's pixels and how many pictures it holds.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from capabilities.base import Grant
from capabilities.bytesize import size_text
from capabilities.plan import Action
from desktop.core.matching import concepts

__all__ = ["CHANGE_KINDS", "KIND_GROUPS", "Effects", "Kind", "change_kind", "effects", "is_move", "makes"]

# Concepts in a request that ask for an effect (see desktop.core.matching).
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


@dataclass(frozen=True)
class Kind:
    """One kind of change in words: the row's word, its filter group, and its part of the headline.

    ``word`` is what the window's rows and the CLI's table call one change ("Resized copy");
    ``group`` is the preview's filter group (``KINDS``); ``verb``/``one``/``many`` make the
    headline's count ("makes 3 resized copies"). Moves, new folders and deletions are counted by
    the headline in their own sentences (into which folders, files or folders, kept for undo).
    """

    word: str
    group: str = "other"
    verb: str = "makes"
    one: str = "other change"
    many: str = "other changes"


# The one table of change words, keyed "capability.op"; the headline's parts follow this order.
CHANGE_KINDS: dict[str, Kind] = {
    "files.move": Kind("Move", "move"),
    "files.mkdir": Kind("New folder", "folder"),
    "files.rename": Kind("Rename", "rename", "renames", "file", "files"),
    "files.copy": Kind("Copy", "other", "copies", "file", "files"),
    "files.write_text": Kind("Write", "write", "writes", "file", "files"),
    "photos.resize": Kind("Resized copy", "other", "makes", "resized copy", "resized copies"),
    "calendar.create": Kind("Add event", "calendar", "adds", "calendar event", "calendar events"),
    "calendar.update": Kind("Change event", "calendar", "changes", "calendar event", "calendar events"),
    "calendar.move": Kind("Move event", "calendar", "moves", "calendar event", "calendar events"),
    "archives.extract": Kind("Extract", "other", "extracts", "file", "files"),
    "archives.make_zip": Kind("Zip archive", "other", "makes", "zip archive", "zip archives"),
    "documents.merge_pdfs": Kind("Merged PDF", "other", "makes", "merged PDF", "merged PDFs"),
    "media.set_tags": Kind("Change tags", "other", "changes the tags of", "music file", "music files"),
    "photos.convert": Kind("Converted copy", "other", "makes", "converted copy", "converted copies"),
    "photos.strip_location": Kind("Remove location", "other", "removes the location from", "photo", "photos"),
    "photos.contact_sheet": Kind("Contact sheet", "other", "makes", "contact sheet", "contact sheets"),
    "files.delete": Kind("Delete", "delete"),
    "calendar.delete": Kind("Delete event", "calendar"),
}
# The preview's filter groups of those kinds: group → the words it offers (in this order).
KIND_GROUPS = {"rename": "Renames", "move": "Moves", "folder": "New folders", "delete": "Deletions",
               "write": "Writes", "calendar": "Calendar changes", "other": "Other changes"}
_REPLACE_TEXT = Kind("Replace", "write", "writes", "file", "files")  # a write over an existing file


def change_kind(capability: str, op: str, args: Mapping[str, object] | None = None,
                detail: Mapping[str, object] | None = None) -> Kind:
    """The words for one change (a rename into another folder is a move; a write over a file replaces it).

    A kind this table does not know yet is shown by its own name and counted as an "other change".
    """
    args, detail = args or {}, detail or {}
    if capability == "files" and op == "rename" and is_move(str(args.get("src", "")),
                                                            str(args.get("dst", ""))):
        return CHANGE_KINDS["files.move"]
    if capability == "files" and op == "write_text" and detail.get("replaces"):
        return _REPLACE_TEXT
    return CHANGE_KINDS.get(f"{capability}.{op}") or Kind(op.replace("_", " ").capitalize())


def makes(capability: str, op: str, detail: Mapping[str, Any] | None = None) -> str:
    """What a change that produces a file will produce, from the facts its capability recorded
    ("a copy of 3.7 KB", "a 1600×1200 JPEG picture", "a 1024×768 JPEG sheet of 12 pictures, 4
    across and 3 down"): the window shows it after the new name, the terminal in its note. "" for
    any other change, or when the facts are not there (an older journal)."""
    d = detail or {}
    try:
        key = f"{capability}.{op}"
        if key == "files.copy":
            size = (d.get("fingerprint") or {}).get("size")
            return f"a copy of {size_text(int(size))}" if isinstance(size, int) else ""
        if key in ("photos.resize", "photos.convert"):
            width, height = (int(n) for n in d["size"])
            return f"a {width}×{height} {_format_word(d['format'])}picture"
        if key == "photos.contact_sheet":
            n, columns, side = len(d["sources"]), int(d["columns"]), int(d["side"])
            rows = -(-n // columns)
            return (f"a {columns * side}×{rows * side} JPEG sheet of {_n(n, 'picture')}, "
                    f"{min(columns, n)} across and {rows} down")
        if key == "archives.make_zip":
            sizes = [int((s.get("fingerprint") or {}).get("size") or 0) for s in d["sources"]]
            return f"a zip archive of {_n(len(sizes), 'file')} ({size_text(sum(sizes))} before packing)"
    except (KeyError, TypeError, ValueError, AttributeError):
        return ""
    return ""


def _format_word(fmt: Any) -> str:
    """``"JPEG "``: a format's name and a space; nothing for a name no format has."""
    text = str(fmt)
    return f"{text} " if text.isalnum() and len(text) <= 8 else ""


_OWN_SENTENCE = {"files.move", "files.mkdir", "files.delete", "calendar.delete"}
_UNKNOWN = Kind("")
_PHRASES = [*dict.fromkeys((k.verb, k.one, k.many) for key, k in CHANGE_KINDS.items()
                           if key not in _OWN_SENTENCE),
            (_UNKNOWN.verb, _UNKNOWN.one, _UNKNOWN.many)]  # kinds the table does not know yet: counted last


@dataclass
class _Tally:
    new_folders: set[str]
    moved: list[str]  # destination folders of moves
    counted: Counter[tuple[str, str, str]]  # (verb, one, many) → how many: the headline's other parts
    deleted_files: int = 0
    deleted_folders: int = 0
    replaced: int = 0
    events_deleted: int = 0
    sent: int = 0


_IN_PLACE = {"media.set_tags", "photos.strip_location"}  # changes to a file that keep its original for undo


def _count(actions: Iterable[Action]) -> _Tally:
    tally = _Tally(set(), [], Counter())
    for a in actions:
        key = f"{a.capability}.{a.op}"
        kind = change_kind(a.capability, a.op, a.args, a.detail)
        if a.detail.get("replaces") and key not in _IN_PLACE:  # these keep the old file; said below
            tally.replaced += 1
        if key == "files.mkdir":
            tally.new_folders.add(str(a.args.get("path", "")))
        elif kind is CHANGE_KINDS["files.move"]:
            tally.moved.append(os.path.dirname(str(a.args.get("dst", ""))))
        elif key == "files.delete":
            folder = (a.detail.get("fingerprint") or {}).get("kind") == "folder"
            tally.deleted_folders += folder
            tally.deleted_files += not folder
        elif key == "calendar.delete":
            tally.events_deleted += 1
        else:
            tally.counted[(kind.verb, kind.one, kind.many)] += 1
        if a.capability == "calendar" and str(a.detail.get("source", "")).startswith("caldav:"):
            tally.sent += 1
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
    for verb, one, many in _PHRASES:
        count = t.counted[(verb, one, many)]
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

"""The outcome of a write that makes a file: returned by apply, or rebuilt from the disk after a crash.

``files`` (``write_text``, ``copy``) and ``photos`` (``resize``) make a new
file that may replace an existing one. The replaced file is kept in the
holding area under the id the plan chose at preview (``hold_id``), and the
outcome names it as ``holding`` so undo can bring it back; ``after`` is the new
file's fingerprint, which undo checks before removing it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from capabilities.errors import UndoRefused
from capabilities.folders import changes
from capabilities.folders.changes import create_file
from capabilities.folders.granted import FolderSet, Stat
from capabilities.folders.holding import Holding, new_id

__all__ = ["check_sources", "create_outcome", "found_outcome", "probe_made", "remove_made_file"]


def create_outcome(folders: FolderSet, parts: Sequence[str], fill: Callable[[BinaryIO], object],
                   detail: Mapping[str, Any], holding: Path | None, undo_words: str,
                   mtime_ns: int | None = None) -> dict[str, Any]:
    """Make the planned file at ``parts`` (keeping what it replaces) and return the action's outcome."""
    hold = detail.get("hold_id") if detail.get("replaces") else None
    kept = Holding.for_run(holding) if hold else None
    had = folders.lstat(parts) is not None
    made = create_file(folders, parts, fill, holding=kept, hold_id=hold, mtime_ns=mtime_ns)
    hold = hold if had else None
    return {"after": made.fingerprint(), "holding": hold,
            "undo": undo_words + (" and restore the file it replaced" if hold else "")}


def found_outcome(now: Stat | None, detail: Mapping[str, Any], undo_words: str,
                  holding: Path | None) -> dict[str, Any]:
    """After a crash: the outcome apply would have returned for the file ``now`` on disk."""
    found: dict[str, Any] = {"undo": undo_words}
    if now is not None:
        found["after"] = now.fingerprint()
    hold = detail.get("hold_id")
    if detail.get("replaces") and hold and Holding.for_run(holding).has(hold):
        found["holding"] = hold
    return found


def remove_made_file(folders: FolderSet, parts: Sequence[str], outcome: Mapping[str, Any],
                     holding: Path | None, summary: str) -> None:
    """Undo a file apply made: refuse if it changed since; move it to the holding area (not the
    bin, so even this can be looked at again) and put back the file it replaced, if any."""
    reason = folders.differs(parts, outcome.get("after"))
    if reason is not None:
        raise UndoRefused(f"Cannot undo “{summary}”: {reason} since.",
                          "Leave it as it is, or remove the file by hand.")
    kept = Holding.for_run(holding)
    replaced = outcome.get("holding")
    if replaced and not kept.has(replaced):
        raise UndoRefused(f"Cannot undo “{summary}”: the replaced file's kept copy was removed "
                          "from the holding area.", "It cannot be brought back.")
    changes.keep(folders, parts, kept, new_id())
    if replaced:
        changes.restore(folders, parts, kept, replaced)


def check_sources(folders: FolderSet, capability: str, detail: Mapping[str, Any], summary: str) -> None:
    """Before making a file from others (a zip, a merged PDF): every source as the preview saw it,
    and the target as it was (absent, or the file it replaces)."""
    for source in detail["sources"]:
        folders.check_unchanged(folders.granted(capability, source["path"]), source["fingerprint"], summary)
    target = folders.granted(capability, detail["dst"], write=True)
    folders.check_unchanged(target, detail["replaces"], summary)


def probe_made(folders: FolderSet, detail: Mapping[str, Any], undo_words: str,
               holding: Path | None) -> dict[str, Any] | bool:
    """After a crash: False if the planned file at ``detail["dst"]`` was not made, else the outcome."""
    now = folders.lstat(folders.parts_of(detail["dst"]))
    if now is None or (detail["replaces"] is not None and now.matches(detail["replaces"])):
        return False
    return found_outcome(now, detail, undo_words, holding)

"""What a planned text write does, in words and lines a person can check before approving.

A row "write home/.bashrc" says where, not what. ``write_effect`` gives the
text a ``files.write_text`` action would write (a new file) or a unified
diff against the file it replaces, cut to a readable length. The text is
the script's, so hostile: front ends show it through their escaping
(``desktop.core.display.terminal_text``, plain-text widgets), never as markup.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from capabilities.bytesize import size_text
from capabilities.errors import ErrandError
from capabilities.folders.holding import Holding
from capabilities.folders.overlay import FolderView
from capabilities.plan import Action

__all__ = ["Effect", "write_effect"]

MAX_LINES = 200
MAX_CHARS = 20_000
READ_LIMIT = 1024 * 1024  # of the file it replaces, for the diff


@dataclass(frozen=True)
class Effect:
    """``title``: one line ("New file: 3 lines, 58 bytes"); ``text``: the content or the diff."""

    title: str
    text: str


def write_effect(action: Action, view: FolderView, holding: Path | None) -> Effect | None:
    """The content or diff of a ``files.write_text`` action; None for any other action."""
    if action.capability != "files" or action.op != "write_text":
        return None
    d = action.detail
    new = _planned(action, holding)
    if new is None:
        return Effect("The text to write is no longer available.", "")
    new_text = new.decode("utf-8", "replace")
    replaces = d.get("replaces")
    if not replaces:
        return Effect(f"New file: {_lines(new_text)}, {size_text(len(new))}", _cut(new_text))
    old = _on_disk(view, str(d["path"])) if "mtime_ns" in replaces else None
    if old is None:  # it replaces text planned earlier in this plan, or a file that cannot be read
        return Effect(f"Replaces the whole file with: {_lines(new_text)}, {size_text(len(new))}",
                      _cut(new_text))
    diff = difflib.unified_diff(old.decode("utf-8", "replace").splitlines(), new_text.splitlines(),
                                "before", "after", lineterm="", n=2)
    lines = list(diff)
    if not lines:
        return Effect("Replaces the file with the same text.", "")
    return Effect(f"Changes to the file ({len(new):,} bytes after, {len(old):,} before)",
                  _cut("\n".join(lines)))


def _planned(action: Action, holding: Path | None) -> bytes | None:
    d = action.detail
    if isinstance(d.get("data"), bytes):
        return d["data"]
    try:
        if d.get("content") and holding is not None:
            return Holding(holding).content(d["content"], d["sha256"])
    except ErrandError:
        return None
    return str(d["text"]).encode("utf-8") if "text" in d else None


def _on_disk(view: FolderView, absolute: str) -> bytes | None:
    try:
        return view.folders.read_bytes(view.folders.parts_of(absolute), READ_LIMIT)
    except (ErrandError, OSError):
        return None


def _lines(text: str) -> str:
    n = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    return f"{n:,} line{'s' if n != 1 else ''}"


def _cut(text: str) -> str:
    lines = text.splitlines()
    shown = "\n".join(lines[:MAX_LINES])[:MAX_CHARS]
    left = len(lines) - len(shown.splitlines())
    return shown + (f"\n… and {left:,} more lines" if left > 0 else "")

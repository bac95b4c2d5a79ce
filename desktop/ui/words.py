"""The window's words for what a chore may use, where the core's text speaks to script writers.

The core describes a folder grant with the name scripts use for it ("… (scripts call it
“Trip”)") and the photo, document and archive parts as working "in the folders granted for
files": right for ``errand`` on a terminal, where people write scripts, but not for the
person in the window, who chose folders. ``grant_words`` turns one such text into the
window's words; the Plan page and History both show grants through it.
"""

from __future__ import annotations

import re

__all__ = ["grant_words", "pattern_from_words", "pattern_words", "put_back_text", "putting_back_text",
           "window_hint"]

_SCRIPT_NAME = re.compile(r" \(scripts call it “[^”]*”\)")
_GRANTED_FOR_FILES = re.compile(r"(in )?the folders granted (for|to) files")


def grant_words(text: str) -> str:
    """``"Read files in ~/Trip (scripts call it “Trip”)"`` → ``"Read files in ~/Trip"``."""
    text = _SCRIPT_NAME.sub("", text)
    return _GRANTED_FOR_FILES.sub(lambda m: f"{m.group(1) or ''}the folders you chose", text)


_TERMINAL_ASIDE = re.compile(r" ?\(or `errand [^`]*`\)")
_TERMINAL_CHOICE = re.compile(r"(,? or)? (from|with|in|run) `errand [^`]*`", re.IGNORECASE)


def window_hint(text: str) -> str:
    """A core hint without the terminal command it offers beside the window's control:
    ``"Choose a model in Settings → Model (or `errand settings`)."`` → ``"… Settings → Model."``."""
    return _TERMINAL_CHOICE.sub("", _TERMINAL_ASIDE.sub("", text))


def putting_back_text(done: int, total: int) -> str:
    """An undo under way, in the words the window uses for undo everywhere."""
    return f"Putting back {done:,} of {total:,} change{'s' if total != 1 else ''}…"


def put_back_text(count: int) -> str:
    """An undo's result: ``"Put back 3,000 changes."``."""
    return f"Put back {count:,} change{'s' if count != 1 else ''}."


_KIND_ONLY = re.compile(r"\*\.(\w+)")


def pattern_words(pattern: str) -> str:
    """An automation's file pattern as a person reads it: ``"*.jpg;*.jpeg"`` → ``"jpg or jpeg files"``,
    ``"Scan *.pdf"`` as it is, ``"*"`` → ``"any file"``."""
    parts = [p.strip() for p in pattern.split(";") if p.strip() and p.strip() != "*"]
    if not parts:
        return "any file"
    kinds = [m.group(1) for p in parts if (m := _KIND_ONLY.fullmatch(p))]
    if len(kinds) == len(parts):
        return f"{' or '.join(kinds)} files"
    return " or ".join(parts)


_KINDS_APART = re.compile(r"\s*(?:[,;]|\bor\b)\s*", re.IGNORECASE)


def pattern_from_words(text: str) -> str:
    """Which files an automation takes, as a person types it, as the pattern it keeps: ``"pdf, jpg"``
    or ``".pdf or .jpg"`` → ``"*.pdf;*.jpg"``; a name with a wildcard (``"IMG_*.jpg"``) stays as it
    is; nothing (or ``"every file"``) → ``"*"``."""
    parts = [p.strip() for p in _KINDS_APART.split(text) if p.strip()]
    if not parts or text.strip().lower() in ("every file", "all files", "any file"):
        return "*"
    kinds = [p if any(c in p for c in "*?[") else f"*{p}" if p.startswith(".") else
             p if "." in p else f"*.{p}" for p in parts]
    return ";".join(dict.fromkeys(kinds))

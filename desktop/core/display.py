"""Show text from files, scripts and models safely: names cannot disguise themselves, bytes cannot
drive the terminal, and a plan's rows say what they do.

A file named with a right-to-left override, zero-width or control characters
could look like another name (``invoice\u202efdp.exe`` shows as
``invoiceexe.pdf``), and an escape sequence in a model's script or a file's
text could rewrite what the terminal shows (clear the screen, fake a line,
set the window title). Every name shown to a person goes through
``safe_text``; every longer text (a script, a file's content, a message)
through ``terminal_text``, which keeps line breaks and tabs and writes every
other such character as a visible ``\\x1b`` escape. The CLI prints through
these two and nothing else; the window shows them in plain-text widgets.

``change_marks`` is what every view says about one planned change beyond
its path: that it replaces a file, what a folder to delete holds, and why it
needs the person's explicit extra approval.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Mapping
from typing import TextIO

from capabilities.plan import holds_text

__all__ = ["change_marks", "safe_text", "say", "shorten", "terminal_text"]

_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}  # controls, format (bidi, zero-width), separators


def safe_text(text: str) -> str:
    """``text`` with control, bidi and zero-width characters shown as escapes (one line)."""
    return _escape(str(text), "")


def terminal_text(text: object) -> str:
    """Several lines of untrusted text for a terminal: like ``safe_text`` but keeping ``\\n`` and ``\\t``."""
    return _escape(str(text), "\n\t")


def say(text: object, file: TextIO | None = None) -> None:
    """Print untrusted text (``terminal_text``) for a person."""
    print(terminal_text(text), file=file if file is not None else sys.stdout)


def _escape(text: str, keep: str) -> str:
    if text.isascii() and text.isprintable():
        return text  # the common case, without a look at each character
    out = []
    for ch in text:
        if ch not in keep and unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def shorten(text: str, width: int = 80) -> str:
    text = safe_text(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def change_marks(op: str, summary: str, detail: object, flagged: str = "") -> list[str]:
    """Short marks for a planned change: ``replaces a file``, ``folder: 12 files, 4.0 MB``,
    ``needs extra approval: <why>``; the same words in the CLI and the window."""
    marks = []
    detail = detail if isinstance(detail, Mapping) else {}
    if detail.get("replaces") or "(replacing it)" in summary:
        marks.append("replaces a file (the old one is kept for undo)")
    holds = detail.get("holds")
    if op == "delete" and isinstance(holds, Mapping):
        marks.append(f"a folder holding {holds_text(holds)}")
    if flagged:
        marks.append(f"needs your extra approval: {flagged}")
    return marks

"""Show text from files and scripts safely: names cannot disguise themselves.

A file named with a right-to-left override, zero-width or control characters
could look like another name (``invoice\u202efdp.exe`` shows as
``invoiceexe.pdf``). Every name shown to a person goes through ``safe_text``,
which writes such characters as visible ``\\u202e`` escapes.
"""

from __future__ import annotations

import unicodedata

__all__ = ["safe_text", "shorten"]

_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}  # controls, format (bidi, zero-width), separators


def safe_text(text: str) -> str:
    """``text`` with control, bidi and zero-width characters shown as escapes."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def shorten(text: str, width: int = 80) -> str:
    text = safe_text(text)
    return text if len(text) <= width else text[: width - 1] + "…"

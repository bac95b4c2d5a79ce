"""The window's words for what a chore may use, where the core's text speaks to script writers.

The core describes a folder grant with the name scripts use for it ("… (scripts call it
“Trip”)") and the photo, document and archive parts as working "in the folders granted for
files": right for ``errand`` on a terminal, where people write scripts, but not for the
person in the window, who chose folders. ``grant_words`` turns one such text into the
window's words; the Plan page and History both show grants through it.
"""

from __future__ import annotations

import re

__all__ = ["grant_words"]

_SCRIPT_NAME = re.compile(r" \(scripts call it “[^”]*”\)")
_GRANTED_FOR_FILES = re.compile(r"(in )?the folders granted (for|to) files")


def grant_words(text: str) -> str:
    """``"Read files in ~/Trip (scripts call it “Trip”)"`` → ``"Read files in ~/Trip"``."""
    text = _SCRIPT_NAME.sub("", text)
    return _GRANTED_FOR_FILES.sub(lambda m: f"{m.group(1) or ''}the folders you chose", text)

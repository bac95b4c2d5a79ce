"""The text of an .ics file as blocks, and exact edits of it that can be turned back.

Writing a whole calendar back through icalendar costs about half a second
for 2,000 events and reformats what other apps wrote. Instead the file is
cut into its top-level VEVENT and VTIMEZONE blocks (``blocks``), each read
on its own, and a change is a list of text edits (``Edit``): replace one
event's blocks where they stand, add a VTIMEZONE the file lacks. ``edit``
returns the new text *and* the edits that turn it back into the old one,
byte for byte; that is what makes undo exact.

Pure text, no I/O: it lives with the decoder worker, which cuts the blocks it
reads by the same rule, and the host's calendars import it from here (the
worker imports nothing of the host's).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Block", "Edit", "blocks", "edit", "floating_zone", "lines", "tzid_of"]

_BLOCK = re.compile(r"^BEGIN:(VEVENT|VTIMEZONE)[ \t]*\r?$.*?^END:\1[ \t]*\r?(?:\n|\Z)", re.M | re.S | re.I)


@dataclass(frozen=True)
class Block:
    """One top-level VEVENT or VTIMEZONE: its kind, where it stands in the text, and its text."""

    kind: str  # "VEVENT" or "VTIMEZONE"
    start: int
    end: int
    text: str


# An edit replaces text[start:end] with its third part; edits of one change never overlap.
Edit = tuple[int, int, str]


def blocks(text: str) -> list[Block]:
    """The top-level VEVENT and VTIMEZONE blocks of ``text``, in file order.

    Neither nests inside itself, and an alarm inside an event ends with
    END:VALARM, so the first END of the same kind closes each block.
    """
    return [Block(m.group(1).upper(), m.start(), m.end(), m.group(0)) for m in _BLOCK.finditer(text)]


def edit(text: str, edits: Sequence[Edit]) -> tuple[str, list[Edit]]:
    """``text`` with ``edits`` made, and the edits that turn the result back into ``text``."""
    ordered = sorted(edits, key=lambda e: (e[0], e[1]))
    out: list[str] = []
    back: list[Edit] = []
    at, shift = 0, 0
    for start, end, new in ordered:
        if start < at:
            raise ValueError("overlapping edits")
        out.append(text[at:start])
        out.append(new)
        back.append((start + shift, start + shift + len(new), text[start:end]))
        shift += len(new) - (end - start)
        at = end
    out.append(text[at:])
    return "".join(out), back


def lines(text: str, newline: str) -> str:
    """``text`` with ``newline`` line endings, ending with one."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\n", newline)
    return text if text.endswith(newline) else text + newline


_TZID = re.compile(r"^TZID(?:;[^:\r\n]*)?:([^\r\n]*)", re.M | re.I)


def tzid_of(text: str) -> str:
    """The TZID a VTIMEZONE block declares (its first TZID line)."""
    found = _TZID.search(text)
    return found.group(1).strip() if found else ""


_FLOATING = re.compile(r"^X-WR-TIMEZONE(?:;[^:\r\n]*)?:([^\r\n]*)", re.M | re.I)


def floating_zone(text: str) -> str:
    """The X-WR-TIMEZONE a calendar's text names for its floating times, or ""."""
    found = _FLOATING.search(text)
    return found.group(1).strip() if found else ""

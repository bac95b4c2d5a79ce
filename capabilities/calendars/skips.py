"""A part of a calendar that could not be read and was left out: which, why, and what kind of thing.

The decoder worker reports each as three separate fields (``item``, ``reason``, ``kind``), and the
host checks each one; the sentence a script reads (``calendar.skipped()``) and the plan's
left-alone row are both built here from those fields, never parsed back out of a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

__all__ = ["KINDS", "Skip"]

KINDS = ("event", "item")  # what the person is told was left alone ("item" for a time zone)
_FIELD = 300  # characters of the worker's item or reason kept (it cuts its own at this length too)


@dataclass(frozen=True)
class Skip:
    """``item`` and ``reason`` go to the plan's left-alone list (the preview's "2 events left alone");
    ``text`` is the whole sentence ``calendar.skipped()`` gives a script."""

    item: str
    reason: str
    kind: str = "event"

    @property
    def text(self) -> str:
        return f"{self.item} was left out: {self.reason}."

    def where(self, place: str) -> Skip:
        """This skip with ``place`` ("The calendar file …") said before its item."""
        return replace(self, item=f"{place}: {self.item}")

    @classmethod
    def from_answer(cls, raw: Any) -> Skip:
        """A skip from the worker's answer, each field checked; TypeError/KeyError when it is not one."""
        if not isinstance(raw, dict) or raw["kind"] not in KINDS:
            raise TypeError
        item, reason = _plain(raw["item"]), _plain(raw["reason"]).rstrip(".")
        if not item or not reason:
            raise TypeError
        return cls(item, reason, raw["kind"])


def _plain(value: Any) -> str:
    """Short printable text (no line breaks, no control characters), or TypeError."""
    if not isinstance(value, str):
        raise TypeError
    return "".join(ch for ch in value[:_FIELD] if ch.isprintable()).strip()

"""Which VEVENTs are one event: the identity scripts, previews and apply all use.

An event's id is its UID when the UID names exactly one series (a master
and its changed occurrences). Calendars from the wild break that: exports
leave the UID out, or give two unrelated events the same one. Folding
those together made "delete 1 event" delete three, so they get ids of
their own, stable while they do not change:

- no UID: ``no-uid-<hash of what the event says>``, and ``-2``, ``-3`` …
  for exact copies, counted in file order (content and position);
- one UID, several masters: ``<uid>#dup-<hash>`` for each master (changed
  occurrences stay with the first master of their UID). These are listed
  but not changed: which copy another app means by that UID is unknowable.

The hash is of the event's content without DTSTAMP (``canonical``), so
re-serializing the event, or a change to any other event, keeps its id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

import icalendar

__all__ = ["NO_UID", "SHARED", "canonical", "content_key", "group", "key_of", "uid_of"]

T = TypeVar("T")
NO_UID = "no-uid-"
SHARED = "#dup-"  # in the id of an event whose UID another event also has


def canonical(component: icalendar.cal.Component) -> str:
    """What a component says, one sorted line per property value, without DTSTAMP."""
    lines = []
    for name in sorted(component.keys()):
        if name == "DTSTAMP":  # servers and clients restamp freely; it is not content
            continue
        raw = component[name]
        values = raw if isinstance(raw, list) else [raw]
        for value in values:
            params = sorted(getattr(value, "params", {}).items())
            ical = value.to_ical() if hasattr(value, "to_ical") else str(value)
            if isinstance(ical, bytes):  # most values give bytes; vGeo and a few others give str
                ical = ical.decode("utf-8", "replace")
            lines.append(f"{name};{params}:{ical}")
    lines.extend(canonical(sub) for sub in component.subcomponents)
    return "\n".join(lines)


def content_key(event: icalendar.Event) -> str:
    """A short hash of what ``event`` says."""
    return hashlib.sha256(canonical(event).encode("utf-8")).hexdigest()[:16]


def uid_of(event: icalendar.Event) -> str:
    """The event's UID as identity reads it ("" when it has none)."""
    return str(event.get("UID", "")).strip()


def group(items: Iterable[T], event_of: Callable[[T], icalendar.Event],
          uid_given: Callable[[T], str] | None = None) -> dict[str, list[T]]:
    """``items`` (VEVENTs, or things holding one) by event id, in the order first seen.

    ``uid_given`` gives an item's ``uid_of`` when the caller already knows it (a cache).
    """
    by_uid: dict[str, list[T]] = {}
    result: dict[str, list[T]] = {}
    for item in items:
        uid = uid_of(event_of(item)) if uid_given is None else uid_given(item)
        if uid:
            by_uid.setdefault(uid, []).append(item)
        else:
            result[_numbered(result, NO_UID + content_key(event_of(item)))] = [item]
    for uid, members in by_uid.items():
        masters = members if len(members) == 1 else [m for m in members if "RECURRENCE-ID" not in event_of(m)]
        if len(masters) <= 1:
            result[uid] = members
            continue
        keys = [_numbered(result, f"{uid}{SHARED}{content_key(event_of(m))[:8]}") for m in masters]
        for key, master in zip(keys, masters, strict=True):
            result[key] = [master]
        result[keys[0]].extend(m for m in members if "RECURRENCE-ID" in event_of(m))
    return result


def key_of(events: Iterable[icalendar.Event]) -> str:
    """The id of one event's VEVENTs taken on their own (no copies around to number against)."""
    return next(iter(group(events, lambda e: e)), "")


def _numbered(taken: dict[str, list[T]], key: str) -> str:
    """``key``, or ``key-2``, ``key-3`` … when an exact copy came first."""
    found, n = key, 1
    while found in taken:
        n += 1
        found = f"{key}-{n}"
    return found

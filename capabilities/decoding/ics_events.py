"""Events as icalendar objects, in the decoder worker only: read, identify, fingerprint, change, build.

Everything here parses or writes calendar text with icalendar, so it runs behind the second wall
(``capabilities.decoding.calendars`` serves it as ``ics.*`` requests); Errand's process gets plain
data and text back and checks them (``capabilities.calendars.reader``). The identity rule (which
VEVENTs are one event, and the ids of events without a UID or sharing one) is described in
``capabilities.decoding.ics_identity``, whose markers it uses.

A *fingerprint* is a hash of what an event says (its properties, without DTSTAMP), not of its
bytes, so a server that re-serializes an event (line folding, property order, a trimmed VTIMEZONE)
does not look like a change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import icalendar

from capabilities.decoding.ics_identity import NO_UID, SHARED

__all__ = ["apply_changes", "canonical", "components", "content_key", "fingerprint", "group", "is_recurring",
           "key_of", "master", "new_event", "problem", "read_event", "uid_of", "used_zones", "wrap"]

T = TypeVar("T")
PRODID = "-//Errand//Errand calendar//EN"


# ---- reading -------------------------------------------------------------------------------------

def read_event(text: str) -> tuple[icalendar.Event | None, str]:
    """One VEVENT block's event, or None and why it cannot be used (a per-event reason)."""
    try:
        event = icalendar.Event.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        return None, f"it cannot be read ({exc})"
    if not isinstance(event, icalendar.Event):
        return None, "it is not an event"
    return event, problem(event)


def problem(event: icalendar.cal.Component) -> str:
    """What is wrong with a parsed event ("" when nothing): its parse errors, a missing DTSTART."""
    broken = [f"{name or 'a line'}: {why}" for name, why in getattr(event, "errors", [])]
    if "DTSTART" not in event:
        broken.append("it has no start time (DTSTART)")
    return "; ".join(broken)


def components(text: str, clean: Callable[[Any], str] = str) -> tuple[list[icalendar.Event],
                                                                     list[icalendar.Timezone]]:
    """The VEVENTs and VTIMEZONEs of VCALENDAR text; ValueError saying why when one is malformed."""
    cal = icalendar.Calendar.from_ical(text)
    events = [c for c in cal.walk("VEVENT") if isinstance(c, icalendar.Event)]
    for event in events:
        broken = problem(event)
        if broken:
            raise ValueError(f"the event “{clean(event.get('SUMMARY', event.get('UID', '?')))}” is "
                             f"malformed ({broken})")
    return events, [c for c in cal.walk("VTIMEZONE") if isinstance(c, icalendar.Timezone)]


def master(events: list[icalendar.Event]) -> icalendar.Event:
    """The series (or the single event) among one UID's VEVENTs."""
    return next((e for e in events if "RECURRENCE-ID" not in e), events[0])


# ---- identity ------------------------------------------------------------------------------------

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


def fingerprint(events: Iterable[icalendar.Event]) -> str:
    """A hash of what ``events`` say, blind to serialization details."""
    parts = sorted(canonical(ev) for ev in events)
    return hashlib.sha256("\n\n".join(parts).encode("utf-8")).hexdigest()[:32]


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
        for key, first in zip(keys, masters, strict=True):
            result[key] = [first]
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


# ---- writing -------------------------------------------------------------------------------------

def new_event(uid: str, title: str, start: datetime | date, end: datetime | date,
              location: str = "", description: str = "") -> icalendar.Event:
    """A fresh VEVENT. For all-day events ``start``/``end`` are dates and ``end`` is exclusive."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(UTC))
    event.add("summary", title)
    event.add("dtstart", start)
    event.add("dtend", end)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    event.add("sequence", 0)
    return event


def wrap(events: Iterable[icalendar.Event], timezones: Iterable[icalendar.Timezone] = ()) -> str:
    """VCALENDAR text holding ``events``, with the VTIMEZONEs they need (kept, or made from tzdata)."""
    events = list(events)
    used = used_zones(events)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    for zone in timezones:
        if str(zone.get("TZID", "")) in used:
            cal.add_component(zone)
    for event in events:
        cal.add_component(event)
    cal.add_missing_timezones()  # a VTIMEZONE per TZID, or other clients cannot read the times
    return cal.to_ical().decode("utf-8")


def apply_changes(events: list[icalendar.Event], changes: Mapping[str, Any]) -> list[icalendar.Event]:
    """Copies of one UID's VEVENTs with ``changes`` (title, location, description, start, end) made.

    Text fields change in the series and in its changed occurrences alike;
    start and end only exist for a single (non-repeating) event.
    """
    result = []
    now = datetime.now(UTC)
    for original in events:
        event = original.copy()
        for subcomponent in original.subcomponents:  # copy() leaves alarms behind
            event.add_component(subcomponent)
        for key, prop in (("title", "summary"), ("location", "location"), ("description", "description")):
            if key in changes:
                event.pop(prop.upper(), None)
                if changes[key]:
                    event.add(prop, changes[key])
        for key, prop in (("start", "dtstart"), ("end", "dtend")):
            if key in changes:
                event.pop(prop.upper(), None)
                if key == "end":
                    event.pop("DURATION", None)
                event.add(prop, changes[key])
        event.pop("SEQUENCE", None)
        event.add("sequence", int(original.get("SEQUENCE", 0)) + 1)
        for prop in ("DTSTAMP", "LAST-MODIFIED"):
            event.pop(prop, None)
        event.add("dtstamp", now)
        event.add("last-modified", now)
        result.append(event)
    return result


def is_recurring(events: list[icalendar.Event]) -> bool:
    return len(events) > 1 or any(k in events[0] for k in ("RRULE", "RDATE"))


def _dated(event: icalendar.Event) -> list[Any]:
    props = []
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
        value = event.get(name)
        props.extend(value if isinstance(value, list) else [value] if value is not None else [])
    return props


def used_zones(events: Iterable[icalendar.Event]) -> set[str]:
    """The TZIDs the times of ``events`` name."""
    return {str(getattr(p, "params", {}).get("TZID", "")) for e in events for p in _dated(e)} - {""}

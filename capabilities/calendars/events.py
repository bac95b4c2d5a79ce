"""Events as iCalendar data: build, change, fingerprint, expand and show them.

The calendar capability and both backends speak one currency: the text of
a VCALENDAR holding every VEVENT of one UID (a series and its changed
occurrences) plus the VTIMEZONEs they use. This module is the only one that
knows how such text is made and read; it does no I/O.

A *fingerprint* is a hash of what an event says (its properties, without
DTSTAMP), not of its bytes, so a server that re-serializes an event (line
folding, property order, a trimmed VTIMEZONE) does not look like a change.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from capabilities.calendars.identity import canonical
from capabilities.errors import BackendError

__all__ = [
    "apply_changes",
    "components",
    "describe",
    "fingerprint",
    "floating_zone",
    "is_recurring",
    "master",
    "new_event",
    "parse_calendar",
    "read_event",
    "title_of",
    "used_zones",
    "wrap",
    "zone_named",
]

PRODID = "-//Errand//Errand calendar//EN"


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


def wrap(events: Iterable[icalendar.Event],
         timezones: Iterable[icalendar.Timezone] = ()) -> str:
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


# Errand's process parses one event's text only: to change or delete it, to fingerprint it for the
# plan, undo and apply. Whole calendars are read by the decoder worker (``calendar_reader``); an
# "event" larger than this is not one Errand changes.
MAX_EVENT_TEXT = 1024 * 1024


def parse_calendar(text: str, where: str) -> icalendar.Calendar:
    """A VCALENDAR from text; BackendError naming ``where`` if it or one of its events is malformed."""
    if len(text) > MAX_EVENT_TEXT:
        raise BackendError(f"{where} is larger than one event Errand changes ({len(text):,} characters).",
                           "Change it in your calendar app. Errand changed nothing.")
    try:
        cal = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise BackendError(
            f"{where} is not a readable calendar: {exc}",
            "Open it in your calendar app to repair it, or choose another calendar in "
            "Settings → Calendar. Errand changed nothing.",
        ) from None
    for event in _events(cal):
        broken = _problem(event)
        if broken:
            raise BackendError(
                f"{where}: the event “{event.get('SUMMARY', event.get('UID', '?'))!s}” is malformed "
                f"({broken}).",
                "Repair or delete that event in your calendar app. Errand changed nothing.",
            )
    return cal


def components(text: str, where: str) -> tuple[list[icalendar.Event], list[icalendar.Timezone]]:
    """The VEVENTs and VTIMEZONEs of VCALENDAR text (see ``parse_calendar`` for errors)."""
    cal = parse_calendar(text, where)
    return _events(cal), [c for c in cal.walk("VTIMEZONE") if isinstance(c, icalendar.Timezone)]


def _events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    # icalendar parses every VEVENT as an Event; the filter tells the type checker so.
    return [c for c in cal.walk("VEVENT") if isinstance(c, icalendar.Event)]


def fingerprint(text: str) -> str:
    """A hash of what the events in ``text`` say, blind to serialization details."""
    events, _ = components(text, "the event")
    parts = sorted(canonical(ev) for ev in events)
    return hashlib.sha256("\n\n".join(parts).encode("utf-8")).hexdigest()[:32]


def read_event(text: str) -> tuple[icalendar.Event | None, str]:
    """One VEVENT block's event, or None and why it cannot be used (a per-event reason)."""
    try:
        event = icalendar.Event.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        return None, f"it cannot be read ({exc})"
    if not isinstance(event, icalendar.Event):
        return None, "it is not an event"
    return event, _problem(event)


def _problem(event: icalendar.cal.Component) -> str:
    broken = [f"{name or 'a line'}: {why}" for name, why in getattr(event, "errors", [])]
    if "DTSTART" not in event:
        broken.append("it has no start time (DTSTART)")
    return "; ".join(broken)


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


def master(events: list[icalendar.Event]) -> icalendar.Event:
    """The series (or the single event) among one UID's VEVENTs."""
    return next((e for e in events if "RECURRENCE-ID" not in e), events[0])


def title_of(text: str) -> str:
    """“The event “Dentist”” for messages about an event given as text."""
    events, _ = components(text, "the event")
    return f"The event “{master(events).get('SUMMARY', '')}”" if events else "The event"


def is_recurring(events: list[icalendar.Event]) -> bool:
    return len(events) > 1 or any(k in events[0] for k in ("RRULE", "RDATE"))


def describe(event: icalendar.Event, zone: tzinfo, floating: tzinfo | None = None) -> str:
    """Plain words for the plan: “Dentist”, Mon 23 Nov 2026 15:00–16:00 (+01:00).

    A floating time is in ``floating`` (the calendar's X-WR-TIMEZONE) if given, else in ``zone``.
    """
    start, end = event.start, event.end
    title = str(event.get("SUMMARY", "")) or "(no title)"
    if not isinstance(start, datetime) or not isinstance(end, datetime):  # icalendar keeps both alike
        last = end - timedelta(days=1) if end > start else start
        when = f"{start:%a %d %b %Y}" + ("" if last == start else f" to {last:%a %d %b %Y}")
        return f"“{title}”, {when} (all day)"
    # In the person's zone, like the times ``expand`` gives the script.
    start = (start if start.tzinfo else start.replace(tzinfo=floating or zone)).astimezone(zone)
    end = (end if end.tzinfo else end.replace(tzinfo=floating or zone)).astimezone(zone)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b %Y %H:%M}"
    return f"“{title}”, {start:%a %d %b %Y %H:%M}–{end_text} ({start:%z})"


_FLOATING = re.compile(r"^X-WR-TIMEZONE(?:;[^:\r\n]*)?:([^\r\n]*)", re.M | re.I)


def floating_zone(text: str) -> str:
    """The X-WR-TIMEZONE a calendar's text names for its floating times, or ""."""
    found = _FLOATING.search(text)
    return found.group(1).strip() if found else ""


def zone_named(name: str) -> tzinfo | None:
    """The zone of an IANA name, or None when there is no such zone."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _dated(event: icalendar.Event) -> list[Any]:
    props = []
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
        value = event.get(name)
        props.extend(value if isinstance(value, list) else [value] if value is not None else [])
    return props


def used_zones(events: Iterable[icalendar.Event]) -> set[str]:
    """The TZIDs the times of ``events`` name."""
    return {str(getattr(p, "params", {}).get("TZID", "")) for e in events for p in _dated(e)} - {""}

"""Events in Errand's process: plain words for them and the few facts read off their text by pattern.

The calendar capability and both backends speak one currency: the text of a VCALENDAR holding every
VEVENT of one event id (a series and its changed occurrences) plus the VTIMEZONEs they use. That
text comes from files and servers, so it is parsed, changed and written only by the decoder worker
(``capabilities.decoding.ics_events``); here it is only cut at block lines (``icstext``) and
searched for its X-WR-TIMEZONE line. What the worker read of an event comes back as checked facts
(``capabilities.calendars.reader.EventFacts``), which this module puts into words.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from capabilities.decoding.icstext import floating_zone  # the worker reads it too: one rule

__all__ = ["MAX_EVENT_TEXT", "describe", "floating_zone", "zone_named"]

# One event's text the host sends to the worker to change, fingerprint or describe; whole calendars
# are read by ``ics.file`` and ``ics.keys``. An "event" larger than this is not one Errand changes.
MAX_EVENT_TEXT = 1024 * 1024


def describe(title: str, start: date | datetime, end: date | datetime, zone: tzinfo,
             floating: tzinfo | None = None) -> str:
    """Plain words for the plan: “Dentist”, Mon 23 Nov 2026 15:00–16:00 (+01:00).

    A floating time is in ``floating`` (the calendar's X-WR-TIMEZONE) if given, else in ``zone``.
    """
    title = title or "(no title)"
    if not isinstance(start, datetime) or not isinstance(end, datetime):  # the reader keeps both alike
        last = end - timedelta(days=1) if end > start else start
        when = f"{start:%a %d %b %Y}" + ("" if last == start else f" to {last:%a %d %b %Y}")
        return f"“{title}”, {when} (all day)"
    # In the person's zone, like the times ``expand`` gives the script.
    start = (start if start.tzinfo else start.replace(tzinfo=floating or zone)).astimezone(zone)
    end = (end if end.tzinfo else end.replace(tzinfo=floating or zone)).astimezone(zone)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b %Y %H:%M}"
    return f"“{title}”, {start:%a %d %b %Y %H:%M}–{end_text} ({start:%z})"




def zone_named(name: str) -> tzinfo | None:
    """The zone of an IANA name, or None when there is no such zone."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None

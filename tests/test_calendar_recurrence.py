"""Repeating events from ``calendar.events()`` agree with the reference library, recurring-ical-events.

Each fixture is a small calendar of our own covering one rule of RFC 5545:
RRULE with COUNT and UNTIL, EXDATE, RDATE, a moved occurrence
(RECURRENCE-ID), all-day series, series crossing a daylight-saving change
(and one starting in the hour the spring change skips), monthly by weekday,
a floating series under X-WR-TIMEZONE, and a series without a UID. The
reference reads the file whole, as it comes; Errand reads it through its
own per-event path (ids, overlay, zones), so the two can disagree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events

from tests.calendar_support import BERLIN_ZONE, calendar_run, ics_grant, vcalendar


def event(uid: str, summary: str, *lines: str) -> str:
    head = f"UID:{uid}\n" if uid else ""
    return "BEGIN:VEVENT\n" + head + f"DTSTAMP:20260101T000000Z\nSUMMARY:{summary}\n" + \
        "".join(line + "\n" for line in lines) + "END:VEVENT"


FIXTURES = {
    "weekly across the autumn change": [BERLIN_ZONE, event(
        "w1", "Choir", "DTSTART;TZID=Europe/Berlin:20261014T190000",
        "DTEND;TZID=Europe/Berlin:20261014T203000", "RRULE:FREQ=WEEKLY;COUNT=4")],
    "exdate and rdate": [event(
        "x1", "Gym", "DTSTART:20261102T070000Z", "DTEND:20261102T080000Z", "RRULE:FREQ=DAILY;COUNT=5",
        "EXDATE:20261104T070000Z", "RDATE:20261110T070000Z")],
    "a moved and renamed occurrence": [BERLIN_ZONE, event(
        "m1", "Standup", "DTSTART;TZID=Europe/Berlin:20261123T090000",
        "DTEND;TZID=Europe/Berlin:20261123T091500", "RRULE:FREQ=WEEKLY;COUNT=3"), event(
        "m1", "Standup (moved)", "RECURRENCE-ID;TZID=Europe/Berlin:20261130T090000",
        "DTSTART;TZID=Europe/Berlin:20261201T140000", "DTEND;TZID=Europe/Berlin:20261201T141500")],
    "all-day until": [event(
        "d1", "Holiday", "DTSTART;VALUE=DATE:20261221", "DTEND;VALUE=DATE:20261222",
        "RRULE:FREQ=DAILY;UNTIL=20261224")],
    "all-day several days, monthly, from the year before": [event(
        "d2", "Market", "DTSTART;VALUE=DATE:20251130", "DTEND;VALUE=DATE:20251203",
        "RRULE:FREQ=MONTHLY;COUNT=4")],
    "spring change skips the hour": [BERLIN_ZONE, event(
        "s1", "Night shift", "DTSTART;TZID=Europe/Berlin:20260327T023000",
        "DTEND;TZID=Europe/Berlin:20260327T033000", "RRULE:FREQ=DAILY;COUNT=4")],
    "monthly on the last friday": [event(
        "f1", "Pay day", "DTSTART:20260130T120000Z", "DURATION:PT1H", "RRULE:FREQ=MONTHLY;BYDAY=-1FR")],
    "no uid, with an exdate": [event(
        "", "Feed episode", "DTSTART:20261105T060000Z", "DTEND:20261105T063000Z",
        "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE:20261112T060000Z"), event(
        "", "One-off", "DTSTART:20261105T060000Z", "DTEND:20261105T070000Z")],
}
FLOATING = [event("fl1", "Call home", "DTSTART:20261020T180000", "DTEND:20261020T183000",
                  "RRULE:FREQ=WEEKLY;COUNT=4")]
RANGE = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def reference(text: str) -> list[tuple[str, str, str]]:
    """(title, start, end) per occurrence as the reference library finds it, in UTC or as dates."""
    found = []
    for o in recurring_ical_events.of(icalendar.Calendar.from_ical(text)).between(*RANGE):
        start, end = o.start, o.end
        if isinstance(start, datetime):
            found.append((str(o["SUMMARY"]), _utc(start), _utc(end)))
        else:
            last = end - timedelta(days=1) if end > start else start  # Errand gives the last day included
            found.append((str(o["SUMMARY"]), start.isoformat(), last.isoformat()))
    return sorted(found, key=lambda f: (f[1], f[0]))


def _utc(moment: datetime | date) -> str:
    assert isinstance(moment, datetime) and moment.tzinfo is not None
    return moment.astimezone(UTC).isoformat()


def errand(path: Path) -> list[tuple[str, str, str]]:
    with calendar_run(ics_grant(path), {"timezone": "UTC"}) as run:
        found = run("events", *(r.isoformat() for r in RANGE))
        assert run("skipped") == []
    return sorted(((e["title"], e["start"], e["end"]) for e in found), key=lambda f: (f[1], f[0]))


@pytest.mark.parametrize("name", list(FIXTURES))
def test_occurrences_agree_with_the_reference(tmp_path: Path, name: str) -> None:
    text = vcalendar(*FIXTURES[name])
    path = tmp_path / "series.ics"
    path.write_text(text, encoding="utf-8")
    expected = reference(text)
    assert len(expected) >= 2  # a fixture that repeats nothing would prove nothing
    assert errand(path) == expected


def test_floating_series_under_x_wr_timezone_agree_with_the_reference(tmp_path: Path) -> None:
    text = vcalendar(*FLOATING, head="X-WR-TIMEZONE:Europe/Berlin\n")
    path = tmp_path / "floating.ics"
    path.write_text(text, encoding="utf-8")
    expected = reference(text)
    # Crosses the 25 October change: 18:00 Berlin is 16:00 UTC before it and 17:00 after.
    assert [s for _, s, _ in expected][:2] == ["2026-10-20T16:00:00+00:00", "2026-10-27T17:00:00+00:00"]
    assert errand(path) == expected

"""Helpers for the calendar tests: a run over granted calendars, and a plain apply/undo loop.

``CalendarRun`` is what a preview sees: a ``Calendar`` built from grants,
behind the real ``Dispatcher``, so every call is validated as a script's
would be. ``apply`` and ``undo`` drive the capability's own
verify/perform/undo methods in plan order and in reverse.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from capabilities.api.calendar import Calendar
from capabilities.base import Grant, RunContext
from capabilities.dispatch import Dispatcher
from capabilities.engine.apply import within_preview
from capabilities.plan import ActionPlan

__all__ = ["BERLIN_ZONE", "SEED", "CalendarRun", "apply", "calendar_run", "ics_grant", "undo", "vcalendar"]

# Europe/Berlin with its summer time rules, as calendar apps write it.
BERLIN_ZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE"""

# A small calendar as another app writes it: a Berlin VTIMEZONE, one event, a weekly
# series of three, and a to-do that must survive every change.
SEED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Seed//EN
""" + BERLIN_ZONE + """
BEGIN:VEVENT
UID:dentist-1
DTSTAMP:20261101T100000Z
SUMMARY:Dentist
LOCATION:Main Street 1
DTSTART;TZID=Europe/Berlin:20261124T150000
DTEND;TZID=Europe/Berlin:20261124T160000
END:VEVENT
BEGIN:VEVENT
UID:standup-1
DTSTAMP:20261101T100000Z
SUMMARY:Standup
DTSTART;TZID=Europe/Berlin:20261123T090000
DTEND;TZID=Europe/Berlin:20261123T091500
RRULE:FREQ=WEEKLY;COUNT=3
END:VEVENT
BEGIN:VTODO
UID:todo-1
DTSTAMP:20261101T100000Z
SUMMARY:Buy milk
END:VTODO
END:VCALENDAR
"""


def vcalendar(*parts: str, head: str = "", newline: str = "\r\n") -> str:
    """A VCALENDAR around ``parts`` (VEVENT/VTIMEZONE text written with "\\n"), as another app writes it."""
    body = "".join(p.strip("\n") + "\n" for p in parts)
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//Wild//EN\n{head}{body}END:VCALENDAR\n"
    return text.replace("\n", newline)


def ics_grant(path: Path, mode: str = "rw") -> list[Grant]:
    return [Grant("calendar", f"ics:{path}", mode, "Work")]  # type: ignore[arg-type]


class CalendarRun:
    """One preview over calendar grants: ``run("events", start, end)`` calls like a script."""

    def __init__(self, grants: list[Grant], services: dict[str, Any] | None = None) -> None:
        self.context = RunContext(services=dict(services or {}))
        self.calendar = Calendar(grants, self.context)
        self.dispatch = Dispatcher({"calendar": self.calendar})

    def __call__(self, op: str, *args: Any, **kwargs: Any) -> Any:
        return self.dispatch(f"calendar.{op}", {"args": list(args), "kwargs": kwargs})

    @property
    def plan(self) -> ActionPlan:
        return self.context.plan


@contextmanager
def calendar_run(grants: list[Grant], services: dict[str, Any] | None = None) -> Iterator[CalendarRun]:
    run = CalendarRun(grants, services)
    try:
        yield run
    finally:
        run.calendar.close()


def apply(run: CalendarRun) -> list[dict[str, Any]]:
    """Carry out a preview's plan with a fresh capability, as the apply engine would."""
    outcomes = []
    with calendar_run(run.calendar.grants, run.context.services) as fresh:
        for action in run.plan:
            fresh.calendar.verify(action)
            within_preview(fresh.calendar, action)
            outcomes.append(fresh.calendar.perform(action))
    return outcomes


def undo(run: CalendarRun, outcomes: list[dict[str, Any]]) -> None:
    """Reverse an applied plan, last action first."""
    with calendar_run(run.calendar.grants, run.context.services) as fresh:
        for action, outcome in reversed(list(zip(run.plan, outcomes, strict=True))):
            fresh.calendar.undo(action, outcome)

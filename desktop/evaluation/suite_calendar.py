"""Chores on a calendar (an .ics file granted as the person's calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop.evaluation.chore import Final, chore
from desktop.evaluation.makefiles import make_calendar, write_file

ICS = "Calendar/home.ics"
WEEK = [
    {"uid": "e1", "title": "Standup", "start": "20250310T090000Z", "end": "20250310T091500Z"},
    {
        "uid": "e2",
        "title": "Dentist",
        "start": "20250311T140000Z",
        "end": "20250311T150000Z",
        "location": "Main St 4",
    },
    {"uid": "e3", "title": "Standup", "start": "20250312T090000Z", "end": "20250312T091500Z"},
    {"uid": "e4", "title": "CANCELLED: Yoga", "start": "20250313T180000Z", "end": "20250313T190000Z"},
    {"uid": "e5", "title": "Dinner with Sam", "start": "20250314T190000Z", "end": "20250314T210000Z"},
    {"uid": "e6", "title": "Cancelled - book club", "start": "20250320T190000Z", "end": "20250320T200000Z"},
]


def _calendar(root: Path) -> None:
    make_calendar(root / ICS, WEEK)


def events(final: Final) -> list[dict[str, Any]]:
    """The events now in the calendar file: title, start and end (UTC datetimes), location."""
    from icalendar import Calendar

    found = []
    cal = Calendar.from_ical((final.root / ICS).read_bytes())
    for event in cal.walk("VEVENT"):
        found.append(
            {
                "title": str(event.get("SUMMARY", "")),
                "start": _utc(event.decoded("DTSTART")),
                "end": _utc(event.decoded("DTEND")) if event.get("DTEND") else None,
                "location": str(event.get("LOCATION", "")),
                "uid": str(event.get("UID", "")),
            }
        )
    return found


def _utc(value: Any) -> datetime | date:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _untouched_events(final: Final, titles: set[str]) -> list[str]:
    now = {(e["title"], e["start"]) for e in events(final)}
    return [
        f"the event {e['title']} on {e['start'][:8]} should not have changed"
        for e in WEEK
        if e["title"] in titles and (e["title"], _stamp(e["start"])) not in now
    ]


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ")


def _check_cancelled_deleted(final: Final) -> list[str]:
    titles = [e["title"] for e in events(final)]
    problems = [f"{t} is still in the calendar" for t in titles if "cancel" in t.lower()]
    return problems + _untouched_events(final, {"Standup", "Dentist", "Dinner with Sam"})


chore(
    "cal-delete-cancelled",
    "delete the calendar events that have 'cancelled' in their title",
    build=_calendar,
    check=_check_cancelled_deleted,
    calendar=ICS,
    kind="calendar",
    needs=("calendar",),
    reference="""
for event in calendar.events("2025-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"):
    if "cancel" in event["title"].lower():
        calendar.delete(event["id"])
""",
)


def _check_dentist_moved(final: Final) -> list[str]:
    dentist = [e for e in events(final) if e["title"] == "Dentist"]
    if len(dentist) != 1:
        return [f"expected one Dentist event, found {len(dentist)}"]
    want = _stamp("20250312T140000Z")
    problems = (
        [] if dentist[0]["start"] == want else [f"the dentist starts {dentist[0]['start']}, not {want}"]
    )
    if dentist[0]["end"] != want + timedelta(hours=1):
        problems.append("the dentist appointment no longer lasts one hour")
    return problems + _untouched_events(final, {"Standup", "Dinner with Sam"})


chore(
    "cal-move-dentist",
    "move the dentist appointment to the same time one day later",
    build=_calendar,
    check=_check_dentist_moved,
    calendar=ICS,
    kind="calendar",
    needs=("calendar",),
    reference="""
from datetime import datetime, timedelta
for event in calendar.events("2025-03-01T00:00:00+00:00", "2025-04-01T00:00:00+00:00"):
    if event["title"] == "Dentist":
        start = datetime.fromisoformat(event["start"]) + timedelta(days=1)
        calendar.update(event["id"], start=start.isoformat())
""",
)


def _check_standup_renamed(final: Final) -> list[str]:
    titles = [e["title"] for e in events(final)]
    problems = [] if titles.count("Daily standup") == 2 else [f"expected 2 'Daily standup' events: {titles}"]
    if "Standup" in titles:
        problems.append("a 'Standup' event kept its old name")
    return problems + _untouched_events(final, {"Dentist", "Dinner with Sam"})


chore(
    "cal-rename-standup",
    "rename every 'Standup' event in my calendar to 'Daily standup'",
    build=_calendar,
    check=_check_standup_renamed,
    calendar=ICS,
    kind="calendar",
    needs=("calendar",),
    reference="""
for event in calendar.events("2025-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"):
    if event["title"] == "Standup":
        calendar.update(event["id"], title="Daily standup")
""",
)


def _csv_and_calendar(root: Path) -> None:
    _calendar(root)
    write_file(
        root / "Documents" / "events.csv",
        "title,start,end,location\n"
        "Team lunch,2025-04-02T12:00:00+00:00,2025-04-02T13:00:00+00:00,Café Nord\n"
        "Piano lesson,2025-04-03T17:00:00+00:00,2025-04-03T18:00:00+00:00,\n",
    )


def _check_csv_events_added(final: Final) -> list[str]:
    found = {(e["title"], e["start"]) for e in events(final)}
    problems = [
        f"{title} on {start} was not added"
        for title, start in [
            ("Team lunch", _stamp("20250402T120000Z")),
            ("Piano lesson", _stamp("20250403T170000Z")),
        ]
        if (title, start) not in found
    ]
    return (
        problems
        + _untouched_events(final, {"Standup", "Dentist"})
        + final.unchanged(["Documents/events.csv"])
    )


chore(
    "cal-from-csv",
    "add the events in events.csv to my calendar",
    build=_csv_and_calendar,
    check=_check_csv_events_added,
    read_only=("Documents",),
    calendar=ICS,
    kind="calendar",
    needs=("calendar",),
    answers={"csv": "Documents/events.csv"},
    reference="""
import csv, io
for row in csv.DictReader(io.StringIO(files.read_text("Documents/events.csv"))):
    calendar.create(row["title"], row["start"], row["end"], location=row.get("location") or "")
""",
)


def _check_week_written(final: Final) -> list[str]:
    target = "Documents/week.txt"
    if target not in final.after:
        return [f"{target} was not written"]
    text = final.text(target).lower()
    wanted = ["standup", "dentist", "yoga", "dinner with sam"]
    problems = [f"{w} is missing from the week's list" for w in wanted if w not in text]
    if "book club" in text:
        problems.append("book club is not in the week of 10 March")
    return problems + _untouched_events(final, {"Standup", "Dentist", "Dinner with Sam"})


def _calendar_and_documents(root: Path) -> None:
    _calendar(root)
    (root / "Documents").mkdir(parents=True, exist_ok=True)


chore(
    "cal-week-to-text",
    "write the events of the week of 10 March 2025 into Documents/week.txt",
    build=_calendar_and_documents,
    check=_check_week_written,
    folders=("Documents",),
    calendar=ICS,
    kind="calendar",
    needs=("calendar",),
    reference="""
found = calendar.events("2025-03-10T00:00:00+00:00", "2025-03-17T00:00:00+00:00")
files.write_text("Documents/week.txt", "\\n".join(f"{e['start'][:16]} {e['title']}" for e in found) + "\\n")
""",
)


def _check_rent_reminders(final: Final) -> list[str]:
    rent = sorted(e["start"] for e in events(final) if "rent" in e["title"].lower())
    months = sorted({(s.year, s.month) for s in rent if s.day == 1 and s.year == 2025})
    problems = (
        []
        if len(months) == 12 and len(rent) == 12
        else [f"expected 12 'Pay rent' events on the 1st of each month of 2025, found {len(rent)}"]
    )
    return problems + _untouched_events(final, {"Standup", "Dentist", "Dinner with Sam"})


chore(
    "cal-rent-reminders",
    "add a 'Pay rent' event at 9 in the morning on the 1st of every month in 2025",
    build=_calendar,
    check=_check_rent_reminders,
    calendar=ICS,
    kind="calendar",
    needs=("calendar",),
    reference="""
for month in range(1, 13):
    calendar.create("Pay rent", f"2025-{month:02d}-01T09:00:00+00:00", f"2025-{month:02d}-01T09:30:00+00:00")
""",
)
